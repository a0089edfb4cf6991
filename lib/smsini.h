/* smsini.h -- the workstation's SMS.INI (SMS 1.2 Resource Guide, "SMS.INI", sample RG:S3D58.HTM).
 *
 * A typed view of the keys the job model uses, on top of lib/ini.h. The whole file is
 * kept (s->ini): sections and keys this module does not know survive a save in their
 * place, and the keys are written with their real names ("SMS Unique ID", not
 * SMS_Unique_ID) so users recognise the file:
 *
 *   [SMS]                      SMS Unique ID, SiteCode, LastLogonServerPath, UniqueIdPath
 *   [Servers]                  Domain, CurrentLogonServer, Server1..ServerN
 *   [Share]                    CurrentLogonServer, Server1..ServerN (share names, SMS_SHR)
 *   [Package Command Manager]  InstructionSharePoint, ResultSharePoint,
 *                              LocalRegistryLocation, PollingInterval
 *   [Local]                    MachineName, SetupPhase, LastPCMFileTime, ShowPCMIntroDialog,
 *                              DisablePCMCountdown, PCMPackageReminderInterval,
 *                              DisableRandomPCMServers
 *   [LogonHistory]             LastLoggedUser
 *
 * Loading never fails on content: a garbled line is repaired or dropped, a garbled or
 * missing value gets its default, and each repair adds a warning ("path:line: what;
 * what was done") to s->warnings. A valid SMS Unique ID is kept whenever it can be
 * found, even in a line that is otherwise dropped (a client whose SMS.INI is damaged
 * must not look like a new machine). A garbled SMS ID is dropped with a warning: the
 * caller allocates a new one (KB Q127052).
 */
#pragma once
#include "common.h"
#include "atomic.h"
#include "ini.h"

#define SMS_SMSINI_ERROR (sms_smsini_error_quark())
GQuark sms_smsini_error_quark(void);
typedef enum {
	SMS_SMSINI_ERROR_NOT_FOUND,  /* no SMS.INI: a new client (or a deleted file) */
	SMS_SMSINI_ERROR_INVALID,    /* save: a value that cannot be written */
} SmsSmsIniError;

#define SMS_SMSINI_MAX_SERVERS 8          /* Client Setup copies 8 logon servers (KB Q140145) */
#define SMS_SMSINI_DEFAULT_POLLING 60     /* minutes (RG:S3D59.HTM "PCM Polling") */
#define SMS_SMSINI_DEFAULT_INSTRUCTION_SHARE "pcins.box"   /* real 1.2: pcmins.box */
#define SMS_SMSINI_DEFAULT_RESULT_SHARE "despoolr.box"
#define SMS_SMSINI_DEFAULT_SHARE "SMS_SHR"

typedef struct {
	char *path;
	SmsIni *ini;                  /* the whole file */
	GPtrArray *warnings;          /* char*: what loading repaired */
	/* [SMS] */
	char *sms_id;                 /* SMS Unique ID ("SKZ01000"), NULL if none */
	char *site_code;              /* SiteCode */
	char *last_logon_server_path; /* LastLogonServerPath (\\SERVER\SMS_SHR) */
	char *unique_id_path;         /* UniqueIdPath (\\SERVER\SMS_SHR\SMSID\) */
	/* [Servers] */
	char *domain;                 /* Domain */
	char *current_logon_server;   /* CurrentLogonServer */
	GPtrArray *servers;           /* char*: Server1..ServerN (saved: at most 8) */
	/* [Package Command Manager] */
	char *instruction_share;      /* InstructionSharePoint */
	char *result_share;           /* ResultSharePoint */
	char *local_registry;         /* LocalRegistryLocation (PCMHIST.REG) or NULL */
	int polling_interval;         /* PollingInterval, minutes, 1-10080 */
	/* [Local] */
	char *machine_name;           /* MachineName */
	char *setup_phase;            /* SetupPhase ("installed") or NULL */
	gint64 last_pcm_file_time;    /* LastPCMFileTime (seconds), -1 = not set */
	gboolean show_pcm_intro_dialog;   /* ShowPCMIntroDialog (default TRUE) */
	gboolean disable_pcm_countdown;   /* DisablePCMCountdown (default FALSE; KB Q185805) */
	int pcm_reminder_interval;    /* PCMPackageReminderInterval, minutes, 0 = not set */
	char *disable_random_pcm_servers; /* LOCALONLY, DRIVEMAPPINGS, RANDOM, RANDOMONLY,
	                                   * PREFERREDONLY, PREFERREDFIRST or NULL */
	/* [LogonHistory] */
	char *last_logged_user;       /* LastLoggedUser */
} SmsSmsIni;

/* A new, empty SMS.INI for path with the defaults above. */
SmsSmsIni *sms_smsini_new(const char *path);
void sms_smsini_free(SmsSmsIni *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSmsIni, sms_smsini_free)

/* Read from memory, repairing as described above; never fails (s->warnings). */
SmsSmsIni *sms_smsini_parse(const char *path, const char *data, gsize len);
/* Missing file: SMS_SMSINI_ERROR_NOT_FOUND; unreadable: SMS_ERROR_IO. */
gboolean sms_smsini_load(const char *path, SmsSmsIni **out, GError **error);
/* Write the fields into s->ini and the file atomically (temp + rename; the directory
 * must exist). Unknown keys are kept; a file whose bytes would not change is not
 * rewritten (*out_changed may be NULL). A value with a line break, a garbled SMS ID or
 * an interval out of range is SMS_SMSINI_ERROR_INVALID and nothing is written. */
gboolean sms_smsini_save(SmsSmsIni *s, SmsSyncMode sync, gboolean *out_changed,
                         GError **error);
/* The text sms_smsini_save would write (fields applied to s->ini). */
char *sms_smsini_to_data(SmsSmsIni *s, gsize *out_len, GError **error);
/* While on, load and save remember the bytes of each SMS.INI they read or wrote and use
 * them while stat(2) shows the same file (device, inode, size, mtime, ctime): no re-read
 * of an unchanged file, no read to compare before a save. Off by default; the simulator
 * turns it on (one process writes the whole tree). Not thread-safe. */
void sms_smsini_cache_enable(gboolean on);

/* An SMS ID: site code (3) + logon-server range (2) + sequence (3), digits and upper-case
 * letters (base 36), e.g. "SKZ01000" (KB Q127052). */
gboolean sms_smsid_is_valid(const char *id);
