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
