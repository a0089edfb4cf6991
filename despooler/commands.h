/* commands.h -- the commands of despooler. */
#pragma once
#include "cli.h"

#define SMS_DECLARE_CMD(fn) gboolean fn(SmsCli *cli, int argc, char **argv, GError **error) \
	__attribute__((weak))

SMS_DECLARE_CMD(sms_despooler_cmd_run);
SMS_DECLARE_CMD(sms_despooler_cmd_poll);
SMS_DECLARE_CMD(sms_despooler_cmd_pause);
SMS_DECLARE_CMD(sms_despooler_cmd_continue);
SMS_DECLARE_CMD(sms_despooler_cmd_status);
SMS_DECLARE_CMD(sms_despooler_cmd_share);
