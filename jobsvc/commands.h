/* commands.h -- the commands of jobsvc, each in its own file (cmd-*.c). */
#pragma once
#include "cli.h"

#define SMS_DECLARE_CMD(fn) gboolean fn(SmsCli *cli, int argc, char **argv, GError **error) \
	__attribute__((weak))

SMS_DECLARE_CMD(sms_cmd_init);          /* cmd-site.c */
SMS_DECLARE_CMD(sms_cmd_site);          /* cmd-site.c: site show */
SMS_DECLARE_CMD(sms_cmd_package);       /* cmd-package.c */
SMS_DECLARE_CMD(sms_cmd_job);           /* cmd-job.c */
SMS_DECLARE_CMD(sms_cmd_machine_group); /* cmd-group.c */
SMS_DECLARE_CMD(sms_cmd_machine);       /* cmd-group.c: machine list */
SMS_DECLARE_CMD(sms_cmd_clock);         /* cmd-clock.c */
SMS_DECLARE_CMD(sms_cmd_run);           /* cmd-run.c: Scheduler + Sender daemon */
SMS_DECLARE_CMD(sms_cmd_poll);          /* cmd-run.c: one pass */
SMS_DECLARE_CMD(sms_cmd_idle);          /* cmd-run.c: is any component of the site due? */
SMS_DECLARE_CMD(sms_cmd_archive);       /* cmd-archive.c */
SMS_DECLARE_CMD(sms_cmd_simulate);      /* cmd-simulate.c */
SMS_DECLARE_CMD(sms_cmd_report);        /* cmd-report.c: HTML report of an event log */
SMS_DECLARE_CMD(sms_cmd_diff);          /* cmd-report.c: two runs compared */
SMS_DECLARE_CMD(sms_cmd_status);        /* cmd-job.c: status messages */
SMS_DECLARE_CMD(sms_cmd_shares);        /* cmd-shares.c: shares and smb.conf */
