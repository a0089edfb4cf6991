/* logon.h -- Maintenance Manager, SMS IDs and logons (the pass, the next wake-up and
 * sms_logon_user() are declared in components.h).
 *
 * Maintenance Manager (sms_logon_pass; SMS 1.2 Resource Guide): copies each domain's master files
 * PCMDOM.BOX/<DOMAIN>.000/<SMSID>.INS to the instruction box of every logon server of the
 * domain (only changed files, atomically; files the master removed are removed), moves
 * client status files from each logon server's LOGON.SRV/DESPOOLR.BOX to the site
 * server's RECEIVE (a status MIF .PCK always before the .SNI naming it), and keeps the
 * SMS ID files going: a new range when a server's sequence passed Y00, a new UID file
 * when one is missing. A logon server whose LOGON.SRV directory does not exist is
 * unreachable: it is skipped and caught up once it is back.
 *
 * SMS IDs (KB Q127052): <site code (3)><range (2)><sequence (3)>, base 36,
 * upper case. Each logon server holds one file LOGON.SRV/SMSID/<next>.UID; a client
 * takes the name as its ID and renames the file to the following ID itself. rename()
 * is atomic: the process whose rename succeeds owns the ID, the others look again (30
 * attempts, as the real client printing '#'), so concurrent logons from separate
 * processes never share an ID.
 */
#pragma once
#include "site.h"
#include "pcm.h"

#define SMS_LOGON_ERROR (sms_logon_error_quark())
GQuark sms_logon_error_quark(void);
typedef enum {
	SMS_LOGON_ERROR_UNKNOWN_MACHINE,  /* the workstation is in no domain of this site */
	SMS_LOGON_ERROR_NO_LOGON_SERVER,  /* no logon server of the domain is reachable */
	SMS_LOGON_ERROR_NO_UID_FILE,      /* SMSID holds no <next>.UID file */
	SMS_LOGON_ERROR_BAD_UID,          /* the .UID file's name is not an SMS ID of the site */
	SMS_LOGON_ERROR_RANGE_EXHAUSTED,  /* sequence ZZZ reached before a new range came */
	SMS_LOGON_ERROR_BUSY,             /* no SMS ID after 30 attempts */
} SmsLogonError;

/* Sequence value "Y00": past it the Maintenance Manager issues a new range. */
#define SMS_SMSID_RANGE_END (34 * 36 * 36)

/* The ID after `id`: same site and range, sequence + 1 (SMS_LOGON_ERROR_BAD_UID,
 * SMS_LOGON_ERROR_RANGE_EXHAUSTED after ZZZ). */
gboolean sms_smsid_next(const char *id, char **out, GError **error);

/* The ID the next client of `server` gets (the name of its .UID file). */
/* A master instruction directory (PCMDOM.BOX\DOMAIN) changed: every writer of it calls
 * this in the transaction of its change, so that the Maintenance Manager copies it to
 * the logon servers whatever the file system's timestamps say. */
gboolean sms_logon_master_changed(SmsSite *site, const char *domain, GError **error);
gboolean sms_logon_peek_smsid(SmsSite *site, const char *server, char **out, GError **error);
/* Take the next SMS ID from `server`'s SMSID/<next>.UID as a client does. Uses no
 * database: safe from many processes at once. */
gboolean sms_logon_take_smsid(SmsSite *site, const char *server, char **out, GError **error);

/* The logon server a workstation of `domain` uses: `current` (its SMS.INI
 * CurrentLogonServer, may be NULL) if it is a reachable logon server of the domain,
 * else the first reachable one listed for the domain (a missing one is skipped).
 * *out_servers (may be NULL) receives the reachable logon servers of the domain in
 * order (char*). SMS_LOGON_ERROR_NO_LOGON_SERVER when none is reachable. */
gboolean sms_logon_choose_server(SmsSite *site, const char *domain, const char *current,
                                 char **out_server, GPtrArray **out_servers, GError **error);
