/* commands.h -- the commands of pcm. */
#pragma once
#include "cli.h"

#define SMS_DECLARE_CMD(fn) gboolean fn(SmsCli *cli, int argc, char **argv, GError **error) \
	__attribute__((weak))

SMS_DECLARE_CMD(sms_pcm_cmd_poll);
SMS_DECLARE_CMD(sms_pcm_cmd_run);
SMS_DECLARE_CMD(sms_pcm_cmd_list);
SMS_DECLARE_CMD(sms_pcm_cmd_execute);
SMS_DECLARE_CMD(sms_pcm_cmd_archive);
SMS_DECLARE_CMD(sms_pcm_cmd_messages);
SMS_DECLARE_CMD(sms_pcm_cmd_dump);
