/* logon -- Maintenance Manager and the logon script (SMSLS) of an emulated SMS 1.x site. */
#include "commands.h"

int main(int argc, char **argv);

static const SmsCommand commands[] = {
	{ "poll", sms_logon_cmd_poll, "one pass: replicate instruction files, collect client status" },
	{ "run", sms_logon_cmd_run, "run on the Service Response interval" },
	{ "user", sms_logon_cmd_user, "user NAME --workstation WKS: a user logs on (SMSLS)" },
	{ "smsid", sms_logon_cmd_smsid, "smsid show|take: SMS ID allocation on a logon server" },
	{ NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return sms_cli_main("logon", "Maintenance Manager and logon script of an emulated SMS 1.x "
	                    "site.", commands, argc, argv);
}
