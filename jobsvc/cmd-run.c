/* cmd-run.c -- jobsvc run / poll: the Scheduler and the LAN Sender. */
#include "commands.h"
#include "components.h"
#include "daemon.h"
#include "util.h"

static const SmsDaemon scheduler_daemon = {
	"scheduler",
	{ sms_scheduler_pass, sms_sender_pass, NULL },
	{ sms_scheduler_next_wakeup, sms_sender_next_wakeup, NULL },
	NULL,
};

gboolean
sms_cmd_run(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "run", NULL, "Run the Scheduler and Sender: poll on the site's "
	                   "Service Response interval until SIGTERM; SIGHUP re-reads settings.",
	                   NULL, &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	return sms_daemon_run(cli->site_dir, &scheduler_daemon, error);
}

gboolean
sms_cmd_poll(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "poll", NULL, "One Scheduler and Sender pass at the site clock's "
	                   "current time (real or virtual).", NULL, &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	return sms_daemon_poll(cli->site_dir, &scheduler_daemon, error);
}

gboolean
sms_cmd_idle(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	SmsTime now, next = SMS_TIME_NEVER;
	static const struct { const char *name; SmsTime (*wake)(SmsSite *, SmsTime); } c[] = {
		{ "scheduler", sms_scheduler_next_wakeup }, { "sender", sms_sender_next_wakeup },
		{ "despooler", sms_despooler_next_wakeup }, { "logon", sms_logon_next_wakeup },
		{ "pcm", sms_pcm_site_next_wakeup },
	};
	if (!sms_cli_parse(cli, "idle", NULL, "Exit 0 when no component of the site has work due "
	                   "at the clock's current time (for scripts driving daemons on a virtual "
	                   "clock); otherwise name the busy component and exit 1.", NULL, &argc,
	                   &argv, error) ||
	    !sms_cli_require_site(cli, error) || !sms_site_open(cli->site_dir, &site, error))
		return FALSE;
	now = sms_site_now(site);
	for (gsize i = 0; i < G_N_ELEMENTS(c); i++) {
		SmsTime t = c[i].wake(site, now);
		if (t <= now)
			return sms_throw(error, SMS_ERROR_STATE, "%s has work due now", c[i].name);
		next = MIN(next, t);
	}
	if (cli->json) {
		char t[24];
		g_autoptr(GString) o = g_string_new("{\"idle\":true,\"next\":");
		if (next == SMS_TIME_NEVER)
			g_string_append(o, "null");
		else
			sms_json_append_string(o, sms_time_format_buf(next, t));
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else if (next == SMS_TIME_NEVER)
		g_print("idle; nothing scheduled\n");
	else
		g_print("idle; next work at %s\n", sms_time_str(next));
	return TRUE;
}
