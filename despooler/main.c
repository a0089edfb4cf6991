/* despooler -- the SMS 1.x Despooler of an emulated site. */
#include "commands.h"

int main(int argc, char **argv);

static const SmsCommand commands[] = {
	{ "run", sms_despooler_cmd_run, "run on the Service Response interval (SIGHUP re-reads the registry)" },
	{ "poll", sms_despooler_cmd_poll, "one pass over RECEIVE and pending retries" },
	{ "pause", sms_despooler_cmd_pause, "pause the Despooler (as pausing SMS_DESPOOLER)" },
	{ "continue", sms_despooler_cmd_continue, "continue a paused Despooler and re-read its registry settings" },
	{ "status", sms_despooler_cmd_status, "pending installs, retries and forced-delivery times" },
	{ "share", sms_despooler_cmd_share, "share list|open|close: share sessions (who holds which file)" },
	{ NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return sms_cli_main("despooler", "The Despooler of an emulated SMS 1.x site: installs "
	                    "packages, writes PCM instruction files, processes status.", commands,
	                    argc, argv);
}
