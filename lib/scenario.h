/* scenario.h -- scenario files (smsemu-scenario(5), the contract of `jobsvc simulate`).
 *
 * A scenario is site definitions (the site.ini language of sitedef.h, many sites) plus
 * [Scenario], [Package NAME], [Job NAME], [Lock NAME], [Outcome NAME] and [Event NAME].
 * Everything is checked before anything runs; unknown sections and keys are errors
 * naming file:line. Relative paths resolve against the scenario file's directory.
 */
#pragma once
#include "common.h"
#include "sitedef.h"
#include "smstime.h"

#define SMS_SCENARIO_ERROR (sms_scenario_error_quark())
GQuark sms_scenario_error_quark(void);
typedef enum {
	SMS_SCENARIO_ERROR_INVALID,
} SmsScenarioError;

typedef struct {
	char *name;            /* [Package NAME] */
	char *site;
	char *pdf;             /* absolute */
	char *source;          /* absolute or NULL */
	char *server_source;   /* absolute or NULL */
	int line;
} SmsScnPackage;

typedef struct {
	char *name;            /* [Job NAME] */
	char *site;            /* originating site */
	GPtrArray *keys;       /* char*, every key but Site (for sms_job_from_props) */
	GPtrArray *values;     /* char* */
	GArray *lines;         /* int */
	int line;
} SmsScnJob;

typedef struct {
	char *name;
	char *server, *package, *file, *user, *workstation;
	char *share;           /* optional share name instead of a package directory */
	SmsTime from, until;   /* until = SMS_TIME_NEVER for "never" */
	int line;
} SmsScnLock;

typedef struct {
	char *name;
	char *job;             /* scenario job name */
	GPtrArray *workstations; /* char*, or a single "*" */
	int duration;          /* minutes */
	int exit_code;
	char *status_mif;      /* absolute or NULL */
	int line;
} SmsScnOutcome;

typedef enum {
	SMS_SCN_CANCEL_JOB,
	SMS_SCN_PAUSE_DESPOOLER,
	SMS_SCN_CONTINUE_DESPOOLER,
	SMS_SCN_IMPORT_REGISTRY,
	SMS_SCN_LOGON,
	SMS_SCN_UPDATE_PACKAGE,    /* the admin replaced the package's source files */
} SmsScnActionKind;

typedef struct {
	char *name;
	SmsTime at;
	SmsScnActionKind kind;
	char *arg1;            /* job name / site code / server / workstation */
	char *arg2;            /* registry file (absolute) / user */
	int line;
} SmsScnEvent;

/* [Expect NAME]: what must have happened by the end of the run (evaluated by
 * lib/expect.c against the event log). */
typedef struct {
	char *name;
	char *job;             /* scenario job name, or NULL */
	char *server;          /* upper, or NULL */
	char *event;           /* event name; "distribute.*" matches a family; or NULL */
	char *machines;        /* comma list of patterns with * and ?, upper; or NULL */
	char *status;          /* final status of the job / machines / server, or NULL */
	SmsTime at, before, after;   /* SMS_TIME_NONE when not given */
	gint64 count;          /* -1 when not given */
	gboolean never;
	int line;
} SmsScnExpect;

typedef struct {
	char *path;
	SmsWorldDef *world;
	SmsTime start;
	SmsTime until;         /* SMS_TIME_NONE if not given */
	GPtrArray *packages;   /* SmsScnPackage* */
	GPtrArray *jobs;       /* SmsScnJob* */
	GPtrArray *locks;      /* SmsScnLock* */
	GPtrArray *outcomes;   /* SmsScnOutcome* */
	GPtrArray *events;     /* SmsScnEvent*, sorted by time then file order */
	GPtrArray *expects;    /* SmsScnExpect*, file order */
} SmsScenario;

gboolean sms_scenario_load(const char *path, SmsScenario **out, GError **error);
gboolean sms_scenario_parse(const char *path, const char *data, gsize len, SmsScenario **out,
                            GError **error);
void sms_scenario_free(SmsScenario *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsScenario, sms_scenario_free)

SmsScnJob *sms_scenario_job(SmsScenario *s, const char *name);
SmsScnPackage *sms_scenario_package(SmsScenario *s, const char *name);
/* Case-insensitive match of a name against a comma list of patterns with * and ?. */
gboolean sms_scenario_name_matches(const char *patterns, const char *name);
