/* pcm.h -- the Package Command Manager of every workstation of a site.
 *
 * Each registered workstation polls its logon server's instruction box at logon and
 * every PollingInterval minutes after it; Offer / Mandatory / Expires After are compared
 * with the workstation's own clock (site time + its clock offset). A poll where nothing
 * can change is skipped (the next due time is computed), so idle weeks cost nothing.
 */
#pragma once
#include "site.h"

typedef enum {
	SMS_PCM_PENDING, SMS_PCM_OFFERED, SMS_PCM_COUNTDOWN, SMS_PCM_RUNNING,
	SMS_PCM_EXECUTED, SMS_PCM_ARCHIVED, SMS_PCM_EXPIRED, SMS_PCM_REMOVED,
} SmsPcmState;
const char *sms_pcm_state_name(SmsPcmState s);

/* Real mode (pcm --execute): commands run through /bin/sh in the package directory
 * with a timeout (SMSEMU_PCM_TIMEOUT seconds, default 600); the exit code, or a status
 * MIF the command wrote into workstations/<NAME>/WINDOWS, is the result. Otherwise
 * commands are simulated from the scenario's outcomes. */
void sms_pcm_set_execute(gboolean execute);

/* A user logged on: check now, then every polling interval. */
gboolean sms_pcm_logon(SmsSite *site, const char *machine, SmsTime now, GError **error);
/* The instruction file of `smsid` changed on the logon servers. */
gboolean sms_pcm_file_changed(SmsSite *site, const char *smsid, SmsTime now, GError **error);
/* One check of one workstation now (pcm poll). */
gboolean sms_pcm_check(SmsSite *site, const char *machine, SmsTime now, GError **error);
/* User actions: run an offered command now / archive it. */
gboolean sms_pcm_execute(SmsSite *site, const char *machine, const char *job, SmsTime now,
                         GError **error);
gboolean sms_pcm_archive(SmsSite *site, const char *machine, const char *job, SmsTime now,
                         GError **error);
/* Listing for `pcm list` (JSON or table) and `pcm messages`. */
gboolean sms_pcm_list(SmsSite *site, const char *machine, gboolean json, GString *out,
                      GError **error);
gboolean sms_pcm_messages(SmsSite *site, const char *machine, gboolean json, GString *out,
                          GError **error);
