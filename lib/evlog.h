/* evlog.h -- the event log of `jobsvc simulate --events` read back (smsemu-scenario(5),
 * EVENT LOG), and what a run did, derived from it in one pass: per job its status
 * history, its computers (offered, countdown, executed, final status, server used) and
 * its distribution servers (first attempt, retries, forced disconnect, install).
 * `jobsvc report`, `jobsvc diff` and the scenario's [Expect] sections build on it.
 */
#pragma once
#include "common.h"
#include "site.h"
#include "smstime.h"

#define SMS_EVLOG_ERROR (sms_evlog_error_quark())
GQuark sms_evlog_error_quark(void);
typedef enum {
	SMS_EVLOG_ERROR_SYNTAX,    /* a line is not one flat JSON object */
	SMS_EVLOG_ERROR_FIELD,     /* a required field is missing or malformed */
} SmsEvLogError;

typedef struct {
	SmsTime time;
	/* interned in the log's string chunk; NULL when the field is absent */
	const char *site, *component, *event, *job, *job_name, *package, *server, *machine,
	           *domain, *user, *detail;
	guint line;               /* line in the file (1-based), 0 when collected in memory */
} SmsEvRec;

typedef struct {
	char *path;               /* file read, or NULL */
	GStringChunk *strings;
	GArray *recs;             /* SmsEvRec, in log order */
} SmsEvLog;

SmsEvLog *sms_evlog_new(const char *path);
void sms_evlog_free(SmsEvLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsEvLog, sms_evlog_free)

/* Append an event as the simulator logs it. */
void sms_evlog_add(SmsEvLog *log, const char *site, const SmsEvent *ev);
/* Read a JSON-lines event log. Errors name file:line and what was expected. */
gboolean sms_evlog_parse(const char *path, const char *data, gsize len, SmsEvLog **out,
                         GError **error);
gboolean sms_evlog_load(const char *path, SmsEvLog **out, GError **error);

/* How a job is named across runs: its scenario name, else its ID. */
const char *sms_evrec_job_key(const SmsEvRec *r);

/* ---- what the run did ----------------------------------------------------- */

/* A computer's state in a job, as the report's stacked area counts them. */
typedef enum {
	SMS_RUN_PENDING,          /* instruction written, nothing seen on the workstation yet */
	SMS_RUN_OFFERED,
	SMS_RUN_COUNTDOWN,
	SMS_RUN_EXECUTED,         /* ran; its status is on its way to the site */
	SMS_RUN_COMPLETE,         /* status Success (or a malformed MIF, KB Q190135) */
	SMS_RUN_RETRYING,         /* status Failed: the job stays Retrying (KB Q166833) */
	SMS_RUN_EXPIRED,
	SMS_RUN_N_STATES
} SmsRunState;
const char *sms_run_state_name(SmsRunState s);
/* Case-insensitive; FALSE when no state has that name. */
gboolean sms_run_state_parse(const char *name, SmsRunState *out);

typedef struct {
	const char *machine, *domain, *site;
	SmsTime offered, countdown, executed, status_time;  /* SMS_TIME_NONE when not seen */
	const char *result;       /* pcm.executed detail */
	const char *server;       /* distribution server the command ran from */
	SmsRunState state;
} SmsRunMachine;

typedef struct {
	const char *server, *site;
	GPtrArray *marks;         /* SmsEvRec*: locked, revoked, warning, disconnect,
	                           * installed, restored, failed, partial, error */
	SmsTime first_locked, revoked, disconnected, installed, failed;
	guint retries;            /* distribute.locked after the first attempt */
	const char *state;        /* Complete | Retrying | Failed */
} SmsRunServer;

typedef struct {
	SmsTime time;
	guint counts[SMS_RUN_N_STATES];
} SmsRunSample;

typedef struct {
	const char *key;          /* scenario name, else ID */
	const char *name;         /* scenario name or NULL */
	GPtrArray *ids;           /* const char*: the job's IDs (a repeat has a new one) */
	const char *package, *site;
	SmsTime activated;        /* first job.activated */
	const char *status;       /* last job.status (NULL: none seen) */
	SmsTime status_time;
	GPtrArray *history;       /* SmsEvRec*: job.status, job.failed, job.cancelled, ... */
	GPtrArray *machines;      /* SmsRunMachine*, in order of first appearance */
	GHashTable *machine_index;/* machine -> SmsRunMachine* */
	GPtrArray *servers;       /* SmsRunServer* */
	GArray *samples;          /* SmsRunSample: counts after each instant that changed them */
	guint events;
} SmsRunJob;

typedef struct {
	SmsEvLog *log;            /* borrowed */
	GPtrArray *jobs;          /* SmsRunJob*, in order of first appearance */
	GHashTable *job_index;    /* key -> SmsRunJob*; IDs too */
	GHashTable *domains;      /* machine -> domain (machine.registered) */
	SmsTime first, last;
} SmsRunModel;

SmsRunModel *sms_run_model_new(SmsEvLog *log);
void sms_run_model_free(SmsRunModel *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsRunModel, sms_run_model_free)
SmsRunJob *sms_run_model_job(SmsRunModel *m, const char *key_or_id);
/* "minutes" as "1325 min = 22 h 05 min" style text: "22 h 05 min", "5 min", "3 d 02 h 00 min" */
char *sms_run_duration_str(SmsTime seconds);
