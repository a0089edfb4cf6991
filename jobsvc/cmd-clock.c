/* cmd-clock.c -- jobsvc clock show|set|advance|real. */
#include "commands.h"
#include "util.h"

#include <stdio.h>

gboolean
sms_cmd_clock(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "show", "set", "advance", "real", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	gboolean virt;
	SmsTime now, to = SMS_TIME_NONE;
	gint64 minutes = 0;
	char t[24];
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "clock", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "clock", "show | set \"YYYY-MM-DD HH:MM\" | advance MINUTES | real",
	                   "The site's clock: real time, or a virtual time stored in the site "
	                   "database that every component of the site uses.", NULL, &argc, &argv,
	                   error))
		return FALSE;
	/* check the arguments before touching the site */
	if (g_str_equal(sub, "set") || g_str_equal(sub, "advance")) {
		g_autoptr(GError) local = NULL;
		if (argc != 2)
			return sms_throw(error, SMS_ERROR_USAGE, "clock %s: expected %s", sub,
			                 g_str_equal(sub, "set") ? "\"YYYY-MM-DD HH:MM\"" : "MINUTES");
		if (g_str_equal(sub, "set") && !sms_time_parse(argv[1], &to, &local))
			return sms_throw(error, SMS_ERROR_USAGE, "clock set: %s", local->message);
		if (g_str_equal(sub, "advance") &&
		    !sms_parse_int(argv[1], 0, 10 * 366 * 24 * 60, &minutes, &local))
			return sms_throw(error, SMS_ERROR_USAGE, "clock advance: MINUTES: %s",
			                 local->message);
	} else if (argc != 1) {
		return sms_throw(error, SMS_ERROR_USAGE, "clock %s: unexpected argument '%s'", sub,
		                 argv[1]);
	}
	if (!jobsvc_open_site(cli, &site, error) || !sms_clock_get(site, &virt, &now, error))
		return FALSE;
	if (g_str_equal(sub, "set")) {
		if (virt && to < now)
			return sms_throw(error, SMS_ERROR_USAGE, "clock set: %s is before the virtual clock "
			                 "(%s); time does not run backwards", argv[1],
			                 sms_time_format_buf(now, t));
		if (!sms_clock_set_virtual(site, to, error))
			return FALSE;
		now = to;
		virt = TRUE;
	} else if (g_str_equal(sub, "advance")) {
		now += minutes * SMS_MINUTE;
		if (!sms_clock_set_virtual(site, now, error))
			return FALSE;
		virt = TRUE;
	} else if (g_str_equal(sub, "real")) {
		if (!sms_clock_set_real(site, error) || !sms_clock_get(site, &virt, &now, error))
			return FALSE;
	}
	if (cli->json)
		g_print("{\"mode\":\"%s\",\"now\":\"%s\"}\n", virt ? "virtual" : "real",
		        sms_time_format_buf(now, t));
	else
		g_print("%s (%s clock)\n", sms_time_format_buf(now, t), virt ? "virtual" : "real");
	return TRUE;
}
