/* commands.h -- the commands of logon. */
#pragma once
#include "cli.h"

#define SMS_DECLARE_CMD(fn) gboolean fn(SmsCli *cli, int argc, char **argv, GError **error) \
	__attribute__((weak))

SMS_DECLARE_CMD(sms_logon_cmd_poll);
SMS_DECLARE_CMD(sms_logon_cmd_run);
SMS_DECLARE_CMD(sms_logon_cmd_user);
SMS_DECLARE_CMD(sms_logon_cmd_smsid);
