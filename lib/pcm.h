/* pcm.h -- the Package Command Manager (KB Q123499) of every workstation of a site.
 *
 * A workstation's PCM starts at logon (sms_pcm_logon, from sms_logon_user) and checks
 * its logon server at once and every PollingInterval minutes after that (SMS.INI). A
 * check re-reads <SMSID>.INS from the instruction box only when the file changed since
 * the last read (its time is recorded as [Local] LastPCMFileTime); a corrupt file is
 * refused (pcm.log names the byte offset) and the last good commands are kept. When the
 * CurrentLogonServer is unreachable the other listed logon servers are tried.
 *
 * Offer / Mandatory / Expires After are compared with the workstation's own clock (site
 * time + machines.clock_offset minutes). A command is offered once Offer After passed
 * and its OS mask includes the workstation's platform; an expired one is dropped (event
 * pcm.expired, an "Expired" .SNI goes back); a due mandatory command runs after a
 * 5-minute countdown ([Local] DisablePCMCountdown=TRUE: none). Commands run one at a
 * time, due ones in mandatory-time order. System (Background) Tasks are PCMSVC32's:
 * automated ones run at their mandatory time without a countdown, and PCMWIN32 leaves
 * them alone.
 *
 * Running: the distribution server is chosen as KB Q165508 says (the current logon server if
 * it is listed, else a server the workstation used before, else the logon server if it
 * holds the package, else a stable pick among the listed ones, trying the others), one
 * whose package directory exists and whose access is not revoked. Simulated commands
 * take their outcome from table pcm_outcomes (duration minutes, exit code, status MIF;
 * default success after 5 minutes) and hold a share session (lib/share.h) on the file
 * they run; a forced disconnect ends them as Failed. A simulated command running longer
 * than SMS_PCM_SIM_TIMEOUT minutes hangs: it is ended as Failed ("timed out"). Real mode
 * (sms_pcm_set_execute) runs the command line through /bin/sh in the package directory.
 *
 * Status back: a status MIF (the one the command wrote, passed on as it is, or one the
 * PCM writes for the exit code) as <SMSID><seq>.PCK and THEN the .SNI naming it go to
 * the workstation's OUTBOX (workstations/<NAME>/OUTBOX, in the same transaction as the
 * command's state) and are moved, .PCK first, into the logon server's
 * LOGON.SRV/DESPOOLR.BOX once the transaction committed; with no logon server reachable
 * they wait there for the next poll.
 *
 * Events: pcm.offered, pcm.countdown (detail: minutes), pcm.executed (detail: Success /
 * Failed), pcm.expired.
 */
#pragma once
#include "site.h"
#include "smsini.h"

#define SMS_PCM_ERROR (sms_pcm_error_quark())
GQuark sms_pcm_error_quark(void);
typedef enum {
	SMS_PCM_ERROR_NOT_LOGGED_ON,    /* the workstation never logged on */
	SMS_PCM_ERROR_NO_SUCH_COMMAND,  /* the workstation has no command of that job */
	SMS_PCM_ERROR_STATE,            /* not possible in the command's state */
	SMS_PCM_ERROR_SERVICE_ONLY,     /* a System (Background) Task: PCMSVC32 runs it */
} SmsPcmError;

/* States of a command on a workstation (stored in the database: values are fixed). */
typedef enum {
	SMS_PCM_PENDING,     /* known, not offered yet (Offer After, platform) */
	SMS_PCM_OFFERED,     /* in Pending Commands */
	SMS_PCM_COUNTDOWN,   /* mandatory (or Execute pressed): runs at run_at */
	SMS_PCM_RUNNING,
	SMS_PCM_EXECUTED,
	SMS_PCM_ARCHIVED,
	SMS_PCM_EXPIRED,
	SMS_PCM_REMOVED,     /* withdrawn from the instruction file (cancel, expiry) */
} SmsPcmState;
const char *sms_pcm_state_name(SmsPcmState s);

/* Which PCM acts: both (the simulator and `pcm poll --all-workstations`), PCMWIN32
 * (everything but System (Background) Tasks) or PCMSVC32 (`--service`: only automated
 * background commands, at their mandatory time). */
typedef enum {
	SMS_PCM_MODE_ALL,
	SMS_PCM_MODE_APP,
	SMS_PCM_MODE_SERVICE,
} SmsPcmMode;

#define SMS_PCM_COUNTDOWN_MINUTES 5
/* A simulated command still running after this many minutes hangs. */
#define SMS_PCM_SIM_TIMEOUT (24 * 60)

/* Real mode (pcm --execute): commands run through /bin/sh in the package directory
 * with a timeout (SMSEMU_PCM_TIMEOUT seconds, default 600); the exit code, or a status
 * MIF the command wrote into workstations/<NAME>/WINDOWS after it started, is the
 * result. Otherwise commands are simulated from pcm_outcomes. */
void sms_pcm_set_execute(gboolean execute);

/* A user logged on: the PCM (re)starts, reads SMS.INI (PollingInterval,
 * DisablePCMCountdown, CurrentLogonServer, Server1..8), re-reads its instruction file
 * and checks now, then every polling interval. ini: the SMS.INI the logon just saved
 * (NULL: read it from the workstation). */
gboolean sms_pcm_logon(SmsSite *site, const char *machine, SmsSmsIni *ini, SmsTime now,
                       GError **error);
/* Re-read the SMS.INI settings (SIGHUP of `pcm run`); polls keep their grid. */
gboolean sms_pcm_reload(SmsSite *site, const char *machine, SmsTime now, GError **error);
/* The instruction file of `smsid` changed on the logon servers: its PCM reads it at its
 * next poll. */
gboolean sms_pcm_file_changed(SmsSite *site, const char *smsid, SmsTime now, GError **error);

/* One check of one workstation now, as clicking the PCM icon (pcm poll). */
gboolean sms_pcm_check(SmsSite *site, const char *machine, SmsPcmMode mode, SmsTime now,
                       GError **error);
/* What is due for one workstation at `now` (pcm run), and when it next has work
 * (SMS_TIME_NEVER: nothing until it logs on again). */
gboolean sms_pcm_client_pass(SmsSite *site, const char *machine, SmsPcmMode mode,
                             SmsTime now, GError **error);
SmsTime sms_pcm_client_next_wakeup(SmsSite *site, const char *machine, SmsTime now);

/* User actions: run an offered command now (Execute) / move it to Archived. */
gboolean sms_pcm_execute(SmsSite *site, const char *machine, const char *job, SmsTime now,
                         GError **error);
gboolean sms_pcm_archive(SmsSite *site, const char *machine, const char *job, SmsTime now,
                         GError **error);
/* `pcm list`: folder (Pending, Running, Executed, Archived, Expired, Removed), state,
 * offer / mandatory / expiry times, command, result; JSON or a table. */
gboolean sms_pcm_list(SmsSite *site, const char *machine, gboolean json, GString *out,
                      GError **error);
/* `pcm messages`: what the site sent to this workstation or its user. */
gboolean sms_pcm_messages(SmsSite *site, const char *machine, gboolean json, GString *out,
                          GError **error);
