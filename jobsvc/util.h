/* util.h -- helpers shared by jobsvc's commands. */
#pragma once
#include "cli.h"
#include "site.h"

/* Open the site of --site (error if missing). */
gboolean jobsvc_open_site(SmsCli *cli, SmsSite **out, GError **error);
/* argv[1] is the subcommand; error lists the valid ones. */
gboolean jobsvc_subcommand(int argc, char **argv, const char *cmd, const char *const *subs,
                           const char **out, GError **error);
