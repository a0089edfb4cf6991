/* util.c -- helpers shared by jobsvc's commands. */
#include "util.h"

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
	for (const char *const *s = subs; *s; s++) {
		if (g_str_equal(*s, argv[1])) {
			*out = *s;
			return TRUE;
		}
	}
	return sms_throw(error, SMS_ERROR_USAGE, "%s: unknown subcommand '%s' (expected %s)", cmd,
	                 argv[1], list);
}
