/* job.h -- jobs and packages in the site database: the SMS 1.x job model.
 *
 * Values follow smsinfo.h and the SMS 1.2 SDK job scalars. A job is created from a list of
 * "Key=Value" properties with the names of the scenario file ([Job] section), so the
 * scenario reader and `jobsvc job create --set Key=Value` share one validator.
 */
#pragma once
#include "common.h"
#include "site.h"

#define SMS_JOB_ERROR (sms_job_error_quark())
GQuark sms_job_error_quark(void);
typedef enum {
	SMS_JOB_ERROR_INVALID,    /* a property is malformed or inconsistent */
	SMS_JOB_ERROR_NOT_FOUND,  /* unknown job / package / command / group */
	SMS_JOB_ERROR_STATE,      /* not allowed in the job's state (KB Q191338) */
	SMS_JOB_ERROR_SOURCE,     /* a package source directory is missing or not a directory */
	SMS_JOB_ERROR_EXISTS,     /* a machine group of that name exists already */
} SmsJobError;

typedef enum {
	SMS_JOB_RUN_COMMAND = 1,      /* Run Command On Workstation */
	SMS_JOB_SHARE_PACKAGE = 2,    /* Share Package On Server */
	SMS_JOB_REMOVE_PACKAGE = 3,   /* Remove Package From Server */
	SMS_JOB_SYSTEM = 4,
} SmsJobType;

typedef enum {
	SMS_STATUS_NONE = 0,
	SMS_STATUS_PENDING = 1,
	SMS_STATUS_ACTIVE = 2,
	SMS_STATUS_CANCELLED = 3,
	SMS_STATUS_COMPLETE = 4,
	SMS_STATUS_FAILED = 5,
	SMS_STATUS_RETRYING = 6,
} SmsStatus;

typedef enum { SMS_PRIORITY_HIGH = 1, SMS_PRIORITY_MEDIUM = 2, SMS_PRIORITY_LOW = 3 } SmsPriority;
typedef enum {
	SMS_REPEAT_NEVER = 1, SMS_REPEAT_DAILY = 2, SMS_REPEAT_WEEKLY = 3,
	SMS_REPEAT_BIWEEKLY = 4, SMS_REPEAT_MONTHLY = 5,
} SmsRepeat;
typedef enum {
	SMS_TARGET_QUERY = 1, SMS_TARGET_MACHINE_GROUP = 2, SMS_TARGET_MACHINE_PATH = 3,
} SmsTargetKind;
typedef enum { SMS_LIMIT_NONE = 0, SMS_LIMIT_SITE_GROUP = 1, SMS_LIMIT_SITE = 2 } SmsLimitKind;
typedef enum { SMS_SEND_IF_NOT_SENT = 1, SMS_SEND_ALWAYS = 2 } SmsSendMode;
enum { SMS_DIST_EXISTING = 0x01, SMS_DIST_SPECIFIED = 0x02 };   /* 0 = Default Servers */
typedef enum { SMS_REMOVE_ALL = 1, SMS_REMOVE_SELECTED = 2 } SmsRemoveTasks;

const char *sms_status_name(SmsStatus s);        /* "Pending" ... "Retrying", "None" */
const char *sms_job_type_name(SmsJobType t);     /* "Run Command On Workstation" ... */
const char *sms_priority_name(SmsPriority p);
const char *sms_repeat_name(SmsRepeat r);

typedef struct {
	char *id;                 /* "A0100001" */
	char *name;               /* scenario name or NULL */
	SmsJobType type;
	char *comment;
	char *site;               /* originating site */
	char *package;            /* package ID */
	SmsTime start_after;
	SmsPriority priority;
	SmsRepeat repeat;
	SmsTargetKind target_kind;   /* 0 for share/remove jobs */
	char *target;                /* machine path / group name / query text */
	SmsLimitKind limit_kind;
	char *limit_site;
	gboolean include_subsites;
	SmsSendMode send_mode;
	guint dist_mode;             /* SMS_DIST_* bits; 0 = Default Servers */
	char *dist_servers;          /* "SRV01, SRV02" for SMS_DIST_SPECIFIED, else NULL */
	gboolean run_command;
	char *command;               /* workstation command line name */
	SmsTime offer_after;
	SmsTime mandatory_after;     /* SMS_TIME_NONE: not mandatory */
	gboolean force_slow_link;
	SmsTime expires_after;       /* SMS_TIME_NONE: never */
	SmsRemoveTasks remove_tasks;
	SmsStatus status, sending_status, working_status, cancel_status;
	SmsTime created, activated, finished, cancel_requested;
	char *origin_job;            /* first instance of a repeating job */
	int instance;
} SmsJob;

void sms_job_free(SmsJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsJob, sms_job_free)

/* Build a job from properties (scenario key names: Type, Package, Command, Target,
 * LimitToSite, IncludeSubsites, StartAfter, OfferAfter, MandatoryAfter, ExpiresAfter,
 * Priority, Repeat, Send, Distribute, RemoveFrom, Comment, ForceOverSlowLink,
 * RunCommand, Name; Site must be the site's own code). `where` prefixes error messages
 * ("scenario.ini:42" or "job create"). `lines` (may be NULL) gives the line of each key
 * for messages. The package is looked up by ID or name in the site; validation follows
 * SMS (SMS 1.2 SDK job scalars): unknown or repeated keys, properties of another job type, a Run
 * Command job without workstation command lines or with an unknown Command, Mandatory
 * After before Offer After, Expires After not after Offer After, an unknown machine
 * group, site or query syntax are errors (SMS_JOB_ERROR_INVALID / _NOT_FOUND).
 * Defaults: StartAfter = now, OfferAfter = StartAfter, no MandatoryAfter, ExpiresAfter
 * = OfferAfter + SMS_JOB_DEFAULT_EXPIRY ("never" must be said), ForceOverSlowLink yes
 * for a mandatory job ("Not Mandatory Over Slow Link" unchecked), Priority Medium,
 * Repeat Never, Send only if not previously sent, Distribute Default Servers,
 * RemoveFrom All Servers. Command is a CommandName or a setup variation (alias); the
 * job keeps the CommandName. */
/* Default Expires After: 168 days (24 weeks) after Offer After, as every defaulted
 * record of the KB Q123499 PCMDUMP shows (the Resource Kit says "six months"). */
#define SMS_JOB_DEFAULT_EXPIRY (168 * SMS_DAY)
gboolean sms_job_from_props(SmsSite *site, GPtrArray *keys, GPtrArray *values,
                            GArray *lines, const char *where, SmsJob **out, GError **error);
/* Insert as a new Pending job with a fresh ID (sets job->id, created). */
gboolean sms_job_insert(SmsSite *site, SmsJob *job, GError **error);
gboolean sms_job_load(SmsSite *site, const char *id, SmsJob **out, GError **error);
/* Update status columns and times of an existing job. */
gboolean sms_job_save_status(SmsSite *site, const SmsJob *job, GError **error);
/* Job by ID or by scenario name. */
gboolean sms_job_resolve(SmsSite *site, const char *id_or_name, char **out_id, GError **error);

/* Cancel (KB Q191338): Pending -> Cancelled at once; Active/Retrying -> cancel requested (the
 * Scheduler finishes it). The later instances of a repeating job that are still Pending,
 * Active or Retrying are cancelled with it. A job that is Complete/Failed/Cancelled with
 * no such instance: error STATE. */
gboolean sms_job_cancel(SmsSite *site, const char *id, SmsTime now, GError **error);
/* Why sms_job_cancel(id) would be refused (*out_reason, newly allocated), or NULL in
 * *out_reason when it would cancel something. */
gboolean sms_job_cancel_refusal(SmsSite *site, const char *id, char **out_reason,
                                GError **error);
/* Delete: allowed for Pending, Cancelled, Complete, Failed; refused for Active and
 * Retrying (cancel first). Removes detail rows too. */
gboolean sms_job_delete(SmsSite *site, const char *id, GError **error);

/* ---- packages ---------------------------------------------------------------- */
typedef struct {
	char *name;               /* CommandName: the WCL Name PCM shows (SDK importer) */
	char *variation;          /* the PDF's setup variation ("Typical"), an alias, or NULL */
	char *command_line;
	guint32 platforms;        /* SmsPlatform bits (pdf.h) */
	guint flags;              /* SMS_CMD_* */
} SmsPackageCommand;

enum {
	SMS_CMD_USER_INPUT = 1 << 0,     /* user input required */
	SMS_CMD_AUTOMATED = 1 << 1,      /* can run in the background (PCMSVC32) */
	SMS_CMD_SYSTEM_EXIT = 1 << 2,    /* synchronous system exit required */
	SMS_CMD_BACKGROUND = 1 << 3,     /* System (Background) Task: only PCMSVC32 runs it */
};

typedef struct {
	char *id;
	char *name, *version, *comment, *site;
	char *pdf_path;
	char *source;             /* Workstations source directory (absolute) or NULL */
	char *server_source;      /* Sharing source or NULL */
	char *share_name;         /* Share Package share name or NULL */
	char *share_access;       /* ShareAccess bits as names: "UserRead, GuestRead" */
	GPtrArray *commands;      /* SmsPackageCommand* */
	char *pdf_text;           /* the PDF's bytes as imported (program items, inventory
	                           * rules ...), NUL-terminated, or NULL */
	gsize pdf_text_len;
	SmsTime created;
} SmsPackage;

void sms_package_free(SmsPackage *pkg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPackage, sms_package_free)
gboolean sms_package_load(SmsSite *site, const char *id, SmsPackage **out, GError **error);
/* Package by ID or name. */
gboolean sms_package_resolve(SmsSite *site, const char *id_or_name, char **out_id,
                             GError **error);
/* Store a package (assigns a fresh ID when pkg->id is NULL). */
gboolean sms_package_insert(SmsSite *site, SmsPackage *pkg, GError **error);
/* The command line whose CommandName is `name` (any case), or NULL. */
SmsPackageCommand *sms_package_command(SmsPackage *pkg, const char *name);
/* A command line as users name it: its CommandName or, as an alias, the setup variation
 * of the PDF (any case). A name that is the CommandName of one command line and the
 * variation of another is ambiguous: SMS_JOB_ERROR_INVALID listing both; no match:
 * SMS_JOB_ERROR_NOT_FOUND listing the command names. */
gboolean sms_package_command_find(SmsPackage *pkg, const char *name, SmsPackageCommand **out,
                                  GError **error);
/* `package import`: parse the PDF (pdf.h), check the source directories, store the
 * package with its command lines and the PDF text; name defaults to the PDF's product
 * name. Sources default to the PDF's ImportDirectory / SetupDirectory (relative to the
 * PDF); they must be existing directories and are stored absolute. The Sharing source
 * defaults to the Workstations source when the PDF has [Setup Package for Sharing].
 * Setup variations are stored only with a Workstations source. */
gboolean sms_package_import(SmsSite *site, const char *pdf_path, const char *source,
                            const char *server_source, const char *name, char **out_id,
                            GError **error);
/* The checks of sms_package_import without a site: the PDF parses, the sources exist.
 * The resolved Workstations / Sharing source directories (absolute, or NULL when the
 * package has none) go to the out-parameters (each may be NULL). */
gboolean sms_package_check(const char *pdf_path, const char *source, const char *server_source,
                           char **out_source, char **out_server_source, GError **error);
/* "UserRead, UserWrite, GuestRead, GuestWrite" for SMS_ACCESS_* bits (newly allocated). */
char *sms_access_to_string(guint bits);
/* Names of SMS_CMD_* flags: "user input required" / "automated", "system (background)
 * task", "synchronous system exit" (newly allocated). */
char *sms_command_flags_to_string(guint flags);

/* ---- machine groups (job targets; members frozen at activation, SMS 1.2 SDK) ------ */
/* New empty group of site `group_site` (NULL: this site; must be a site it knows).
 * Names are case-insensitive, 1-64 characters, no control characters. */
gboolean sms_machine_group_create(SmsSite *site, const char *name, const char *group_site,
                                  GError **error);
/* Add computers (any case; must be known to the site) to a group: all or nothing.
 * *out_added (may be NULL) = how many were not members yet. */
gboolean sms_machine_group_add(SmsSite *site, const char *name, char *const *machines,
                               guint *out_added, GError **error);
