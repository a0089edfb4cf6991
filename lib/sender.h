/* sender.h -- the LAN Sender and the queueing of site-to-site instructions. */
#pragma once
#include "site.h"
#include "instruction.h"

/* Scheduler side: save `ins` in TOSEND as <ins->id>.I<kind> (kind: 00 install/remove,
 * 01 cancel, 02 status) and queue a send request for ins->target_site (own site
 * included): to that site's root if site.ini has its [Address] (or the sites table its
 * root), else to our parent's, which relays. Error SMS_SITE_ERROR_UNKNOWN when neither
 * is known. Call inside the caller's transaction: the request is recorded in
 * sched_sends (the Sender updates its state, the Scheduler rolls it up). */
gboolean sms_scheduler_queue_instruction(SmsSite *site, SmsInstruction *ins, int kind,
                                         SmsTime now, GError **error);
gboolean sms_scheduler_ensure_schema(SmsSite *site, GError **error);
/* Whether an instruction for site `code` can be sent (its address or our parent's is
 * known); else the SMS_SITE_ERROR_UNKNOWN error of sms_scheduler_queue_instruction. */
gboolean sms_scheduler_route_known(SmsSite *site, const char *code, GError **error);

/* Despooler side: report job detail / package locations to another site (the job's
 * origin): a job status MIF SITE.SRV/SITEREP.BOX/<ins->id>.JMF that the Site Reporter
 * (sms_sender_pass) sends, batched per job, at the next poll of the parent's schedule
 * after now. Sets ins->id ("S" + a fresh request ID), target_site = to_site, from_site =
 * this site, created = now. An unreachable to_site is refused now. */
gboolean sms_sender_queue_status(SmsSite *site, const char *to_site, SmsInstruction *ins,
                                 SmsTime now, GError **error);

/* Apply a STATUS instruction received from another site to this site's database:
 * job_site/server/machine_detail rows (upserted) and package_locations (status
 * Cancelled = removed). Rows of a job unknown here (deleted) are dropped, locations kept.
 * Runs inside the caller's transaction; the Scheduler's roll-up picks the changes up. */
gboolean sms_instruction_apply_status(SmsSite *site, const SmsInstruction *ins, GError **error);

/* Default LAN retries before a request is rescheduled (registry Number of Retries);
 * how long after its creation a request is given up (Failed). */
#define SMS_SENDER_LAN_RETRIES 2
#define SMS_SENDER_GIVE_UP (7 * SMS_DAY)
