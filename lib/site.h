/* site.h -- an opened site root: its definition, database, clock, logs, status
 * messages, IDs and the paths of everything in it (the one layout module).
 *
 * Case convention: every directory and file name SMS itself creates is upper case
 * (SITE.SRV, DESPOOLR.BOX, SMS_PKGC, A0100001.W00, 0A01A000.INS ...), also the
 * instruction box named by InstructionSharePoint ("pcins.box" -> PCINS.BOX). Names
 * that come from users (share names of Share Package jobs, files inside packages)
 * keep their case. Server, domain and workstation names are upper case.
 */
#pragma once
#include "common.h"
#include "sitedef.h"
#include "smstime.h"

#define SMS_SITE_ERROR (sms_site_error_quark())
GQuark sms_site_error_quark(void);
typedef enum {
	SMS_SITE_ERROR_NOT_A_SITE,   /* directory has no site.ini / site.db */
	SMS_SITE_ERROR_EXISTS,       /* init on a non-empty site root */
	SMS_SITE_ERROR_UNKNOWN,      /* unknown server / domain / machine / address */
} SmsSiteError;

typedef struct SmsSite {
	char *root;               /* absolute path of the site root */
	SmsWorldDef *def;         /* parsed site.ini */
	SmsSiteDef *self;         /* def->sites[0] */
	const char *code;         /* self->code */
	sqlite3 *db;
	GHashTable *logs;         /* component -> FILE* */
	SmsTime now_override;     /* SMS_TIME_NONE unless a caller pinned "now" */
	GHashTable *cache;        /* per-process caches of components: key -> (GDestroyNotify)
	                           * values; see sms_site_cache_* */
} SmsSite;

/* A per-site, per-process cache (e.g. parsed instructions by job). Values are freed
 * with `destroy` when replaced, dropped or when the site is closed. */
gpointer sms_site_cache_get(SmsSite *site, const char *key);
void sms_site_cache_put(SmsSite *site, const char *key, gpointer value, GDestroyNotify destroy);
void sms_site_cache_drop(SmsSite *site, const char *key);

/* Create a site root from a site.ini (copied into the root with addresses made
 * absolute): directory tree of every server, database, registry files. Fails if the
 * root already holds a site. */
gboolean sms_site_init(const char *root, const char *site_ini, SmsSite **out, GError **error);
/* Same from an already parsed definition (simulation); def is copied as site.ini. */
gboolean sms_site_init_from_def(const char *root, SmsWorldDef *world, const char *code,
                                SmsSite **out, GError **error);
gboolean sms_site_open(const char *root, SmsSite **out, GError **error);
void sms_site_free(SmsSite *site);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSite, sms_site_free)

/* ---- clock ------------------------------------------------------------------ */
/* Site server's current time: the virtual clock if set, else the real local time. */
SmsTime sms_site_now(SmsSite *site);
gboolean sms_clock_get(SmsSite *site, gboolean *out_virtual, SmsTime *out_now, GError **error);
gboolean sms_clock_set_virtual(SmsSite *site, SmsTime now, GError **error);
gboolean sms_clock_set_real(SmsSite *site, GError **error);

/* ---- layout (all return newly allocated absolute paths) ---------------------- */
char *sms_site_path(SmsSite *site, const char *rel);           /* root/rel */
char *sms_layout_drive(SmsSite *site, const char *server, char letter);
char *sms_layout_sms_root(SmsSite *site, const char *server);  /* first drive/SMS */
char *sms_layout_site_srv(SmsSite *site);                      /* site server SITE.SRV */
char *sms_layout_tosend(SmsSite *site);
char *sms_layout_outbox(SmsSite *site);                        /* REQUESTS/LAN_DEFA.000 */
char *sms_layout_receive(SmsSite *site);
char *sms_layout_store(SmsSite *site);
char *sms_layout_pcmdom(SmsSite *site, const char *domain);    /* PCMDOM.BOX/<D>.000 */
char *sms_layout_logon_srv(SmsSite *site, const char *server);
char *sms_layout_pcins(SmsSite *site, const char *server);     /* LOGON.SRV/<ISP> */
char *sms_layout_logon_despool(SmsSite *site, const char *server);
char *sms_layout_smsid(SmsSite *site, const char *server);
char *sms_layout_pkg_share(SmsSite *site, const char *server, char letter); /* SMS_PKG<L> */
char *sms_layout_workstation(SmsSite *site, const char *machine);
char *sms_layout_registry(SmsSite *site, const char *server);
char *sms_layout_logs(SmsSite *site);
/* RECEIVE inbox of another site given its root (reads that site's site.ini). */
gboolean sms_layout_receive_of_root(const char *root, char **out, GError **error);

/* Site server name; first logon servers of a domain etc. come from site->def. */
const char *sms_site_server_name(SmsSite *site);

/* ---- logs, status messages, events ------------------------------------------ */
typedef enum { SMS_SEV_INFO, SMS_SEV_WARNING, SMS_SEV_ERROR } SmsSeverity;

typedef struct {
	SmsTime time;             /* SMS_TIME_NONE: sms_site_now() */
	const char *component;    /* "scheduler", "sender", "despooler", "logon", "pcm" ... */
	const char *event;        /* stable dotted name, e.g. "distribute.locked" */
	SmsSeverity severity;
	int code;                 /* SMS status message number or 0 */
	const char *job, *package, *server, *machine, *user, *detail;
	/* Set by the simulator's event log only: the scenario name of the job, the domain
	 * of a registered machine (reports and run comparisons do not use generated IDs). */
	const char *job_name, *domain;
} SmsEvent;

/* Record a status message in the database (inside the caller's transaction if one is
 * open), append a line to logs/<component>.log and pass the event to the hook. */
gboolean sms_emit(SmsSite *site, const SmsEvent *ev, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* Log lines stay in the stdio buffer until it fills or the site is freed (TRUE: the
 * simulator, whose logs are read after the run), instead of being flushed line by line
 * (daemons: a log read while they run is up to date). Returns the previous setting. */
gboolean sms_site_logs_buffered(gboolean on);
/* Only a component log line (no status message, no event). */
void sms_log(SmsSite *site, const char *component, SmsTime t, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

typedef void (*SmsEventHook)(SmsSite *site, const SmsEvent *ev, const char *message,
                             gpointer user_data);
/* Process-wide hook (the simulator's event log). */
void sms_event_set_hook(SmsEventHook hook, gpointer user_data);

/* ---- IDs -------------------------------------------------------------------- */
/* Next "<site code><5 base-36 chars>" for counter `kind` ("package", "job"). */
gboolean sms_site_next_id(SmsSite *site, const char *kind, char **out, GError **error);
/* Next 7-char send request ID ("<4 base-36><site code>"). */
gboolean sms_site_next_request_id(SmsSite *site, char **out, GError **error);
/* Next 7-char request ID of a job's instruction: the RequestID of PCM instruction
 * records ("<site code><4 base-36>", e.g. BPC001M, GBL00B9 in the PCMDUMP of
 * KB Q123499); wraps after 36^4. */
gboolean sms_site_next_job_request_id(SmsSite *site, char **out, GError **error);
/* Base-36 with fixed width, upper case; FALSE if it does not fit. */
gboolean sms_base36(guint64 value, int width, char *out);
gboolean sms_base36_parse(const char *s, guint64 *out);
