/* util.c -- helpers shared by jobsvc's commands. */
#include "util.h"

#include <stdlib.h>

gboolean
jobsvc_open_site(SmsCli *cli, SmsSite **out, GError **error)
{
	if (!sms_cli_require_site(cli, error))
		return FALSE;
	return sms_site_open(cli->site_dir, out, error);
}

gboolean
jobsvc_subcommand(int argc, char **argv, const char *cmd, const char *const *subs,
                  const char **out, GError **error)
{
	g_autofree char *list = g_strjoinv("|", (char **)subs);
	if (argc < 2)
		return sms_throw(error, SMS_ERROR_USAGE, "%s: expected a subcommand: %s", cmd, list);
	if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")) {
		/* like GOption's --help: print and exit, no site needed */
		g_print("Usage:\n  jobsvc %s %s [OPTIONS]\n\nSee jobsvc %s SUBCOMMAND --help and "
		        "jobsvc(1).\n", cmd, list, cmd);
		exit(0);
	}
	for (const char *const *s = subs; *s; s++) {
		if (g_str_equal(*s, argv[1])) {
			*out = *s;
			return TRUE;
		}
	}
	return sms_throw(error, SMS_ERROR_USAGE, "%s: unknown subcommand '%s' (expected %s)", cmd,
	                 argv[1], list);
}
