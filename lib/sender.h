/* sender.h -- the LAN Sender and the queueing of site-to-site instructions. */
#pragma once
#include "site.h"
#include "instruction.h"

/* Scheduler side: save `ins` in TOSEND as <ins->id>.I<kind> and queue a send request
 * for ins->target_site (own site included). */
gboolean sms_scheduler_queue_instruction(SmsSite *site, SmsInstruction *ins, int kind,
                                         SmsTime now, GError **error);
gboolean sms_scheduler_ensure_schema(SmsSite *site, GError **error);

/* Despooler side: report job detail / package locations to another site (the job's
 * origin) through this site's sender. */
gboolean sms_sender_queue_status(SmsSite *site, const char *to_site, SmsInstruction *ins,
                                 SmsTime now, GError **error);

/* Apply a STATUS instruction received from another site to this site's database. */
gboolean sms_instruction_apply_status(SmsSite *site, const SmsInstruction *ins, GError **error);

/* Send attempts before a request is rescheduled; how long until it is Failed. */
#define SMS_SENDER_LAN_RETRIES 2
#define SMS_SENDER_GIVE_UP (7 * SMS_DAY)
