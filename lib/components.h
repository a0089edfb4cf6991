/* components.h -- the pass / next-wake-up shape every component shares (CONTRIBUTING.md).
 *
 * A pass does the work that is due at `now` (site server time) and returns; it is
 * idempotent and safe to re-run after a crash at any point. next_wakeup tells when the
 * component next has work: a time >= now, or SMS_TIME_NEVER. A daemon calls the pass on
 * its polling interval; the simulator (simulate.c) calls the passes of every component
 * of every site in time order, always in the order below at one instant:
 *
 *   scheduler -> sender -> despooler -> logon (Maintenance Manager) -> pcm
 *
 * Polls happen on the Service Response grid: multiples of the polling interval counted
 * from midnight (sms_poll_ceil). A component that has work "now" but polls on a grid
 * returns the next grid time >= now.
 */
#pragma once
#include "site.h"

/* Next poll time of the site's grid at or after t. */
SmsTime sms_poll_ceil(SmsSite *site, SmsTime t);

/* Scheduler (scheduler.c): activation, targets, repeat, send phase, status roll-up. */
gboolean sms_scheduler_pass(SmsSite *site, SmsTime now, GError **error);
SmsTime sms_scheduler_next_wakeup(SmsSite *site, SmsTime now);

/* LAN Sender (sender.c): .SRQ -> .SRS, package then instruction into the target's
 * RECEIVE, retries, at most 5 concurrent sendings and 3 per site. */
gboolean sms_sender_pass(SmsSite *site, SmsTime now, GError **error);
SmsTime sms_sender_next_wakeup(SmsSite *site, SmsTime now);

/* Despooler (despooler.c). */
gboolean sms_despooler_pass(SmsSite *site, SmsTime now, GError **error);
SmsTime sms_despooler_next_wakeup(SmsSite *site, SmsTime now);

/* Pause / continue the Despooler (as pausing SMS_DESPOOLER in Services); continuing
 * re-reads its registry settings. */
gboolean sms_despooler_set_paused(SmsSite *site, gboolean paused, SmsTime now, GError **error);

/* Maintenance Manager (logon.c): .INS replication to logon servers, client status
 * files from logon servers to RECEIVE. */
gboolean sms_logon_pass(SmsSite *site, SmsTime now, GError **error);
SmsTime sms_logon_next_wakeup(SmsSite *site, SmsTime now);
/* A user logs on at a workstation (SMSLS): SMS.INI, SMS ID, registration, PCM check. */
gboolean sms_logon_user(SmsSite *site, const char *machine, const char *user, SmsTime now,
                        GError **error);

/* PCM (pcm.c): all workstations of the site whose check / countdown / running
 * command is due at `now` (site time; each workstation applies its clock offset). */
gboolean sms_pcm_site_pass(SmsSite *site, SmsTime now, GError **error);
SmsTime sms_pcm_site_next_wakeup(SmsSite *site, SmsTime now);
