/* sitedef.h -- the definition language shared by site.ini and scenario files.
 *
 * One parser, one set of names (smsemu-scenario(5)): a site.ini holds exactly one [Site CODE]
 * plus [Address CODE], [Domain NAME], [Server NAME], [Workstations NAME] and
 * [MachineGroup NAME]; a scenario may hold many sites plus [Scenario], [Package],
 * [Job], [Lock], [Outcome] and [Event] (parsed by scenario.c, which reuses this one).
 * Unknown sections and keys are errors naming file:line.
 */
#pragma once
#include "common.h"
#include "ini.h"
#include "smstime.h"

#define SMS_SITEDEF_ERROR (sms_sitedef_error_quark())
GQuark sms_sitedef_error_quark(void);
typedef enum {
	SMS_SITEDEF_ERROR_INVALID,     /* a value or a reference is wrong (message has file:line) */
	SMS_SITEDEF_ERROR_MISSING,     /* a required section or key is absent */
} SmsSitedefError;

typedef enum {
	SMS_RESPONSE_VERY_FAST = 1,
	SMS_RESPONSE_FAST = 2,
	SMS_RESPONSE_MEDIUM = 3,
	SMS_RESPONSE_SLOW = 4,
} SmsResponse;

/* Polling interval of every component, in minutes (Service Response): 1, 5, 15, 30. */
int sms_response_poll_minutes(SmsResponse r);
/* Despooler retry interval = 24 polls: 24, 120, 360, 720 minutes. */
int sms_response_retry_minutes(SmsResponse r);
const char *sms_response_name(SmsResponse r);
gboolean sms_response_parse(const char *s, SmsResponse *out);

typedef enum { SMS_COPY_STAGED, SMS_COPY_LEGACY } SmsCopyMode;

enum {
	SMS_ROLE_SITE = 1 << 0,
	SMS_ROLE_LOGON = 1 << 1,
	SMS_ROLE_DISTRIBUTION = 1 << 2,
};

typedef struct {
	char *code;              /* "A01" (upper case) */
	char *name;
	char *parent;            /* parent site code or NULL */
	char *service_account;   /* default "SMSSVC" */
	SmsResponse response;
	int pcm_polling;         /* minutes, default 60 */
	char *instruction_share; /* default "pcins.box" */
	SmsCopyMode copy_mode;
	int line;
} SmsSiteDef;

typedef struct {
	char *code;              /* site code */
	char *root;              /* absolute path of that site's root */
	int line;
} SmsAddressDef;

typedef struct {
	char *name;              /* upper case */
	char *site;
	GPtrArray *logon_servers; /* char*, upper case, in order */
	int line;
} SmsDomainDef;

/* File system of a drive (Drives=C:2000:NTFS; NTFS when not given). */
typedef enum { SMS_FS_NTFS = 0, SMS_FS_FAT = 1, SMS_FS_HPFS = 2 } SmsFileSystem;

typedef struct {
	char letter;             /* 'C' */
	gint64 capacity_mb;
	SmsFileSystem fs;
} SmsDriveDef;

typedef struct {
	char *name;              /* upper case */
	char *site;
	guint roles;
	GArray *drives;          /* SmsDriveDef; the first drive holds the SMS root */
	char *registry;          /* absolute path of a .reg file to import, or NULL */
	int line;
} SmsServerDef;

typedef struct {
	char *name;              /* upper case machine name */
	char *domain;
	char *platform;          /* PDF platform name as given */
	char *user;              /* user name or NULL */
	SmsTime logon_at;        /* SMS_TIME_NONE if not given */
	int clock_offset;        /* minutes */
	int number;              /* number within its range, -1 for a listed name */
	int line;                /* of its [Workstations] section */
} SmsWorkstationDef;

typedef struct {
	char *name;
	char *site;
	GPtrArray *members;      /* char*, upper case */
	int line;
} SmsGroupDef;

typedef struct {
	char *path;              /* file it came from */
	GPtrArray *sites;        /* SmsSiteDef* */
	GPtrArray *addresses;    /* SmsAddressDef* */
	GPtrArray *domains;      /* SmsDomainDef* */
	GPtrArray *servers;      /* SmsServerDef* */
	GPtrArray *workstations; /* SmsWorkstationDef*, expanded ranges */
	GPtrArray *groups;       /* SmsGroupDef* */
} SmsWorldDef;

SmsWorldDef *sms_world_def_new(const char *path);
void sms_world_def_free(SmsWorldDef *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsWorldDef, sms_world_def_free)

/* Parse the site sections of ini into w. Sections this module does not own are left
 * unused (check them with other readers, then reject leftovers). Cross references are
 * checked by sms_world_def_validate(). */
gboolean sms_world_def_parse_sections(SmsWorldDef *w, SmsIni *ini, GError **error);
gboolean sms_world_def_validate(SmsWorldDef *w, GError **error);

/* Load a site.ini: exactly one [Site]; everything else must be a site section. */
gboolean sms_site_ini_load(const char *path, SmsWorldDef **out, GError **error);

/* Serialise the part of w that belongs to site `code` as a site.ini, with [Address]
 * sections for `addresses` (absolute roots). */
char *sms_world_def_to_site_ini(SmsWorldDef *w, const char *code);

/* Lookups (case-insensitive). */
SmsSiteDef *sms_world_def_site(SmsWorldDef *w, const char *code);
SmsServerDef *sms_world_def_server(SmsWorldDef *w, const char *name);
SmsDomainDef *sms_world_def_domain(SmsWorldDef *w, const char *name);
const char *sms_world_def_address(SmsWorldDef *w, const char *code);
/* The site server of a site (first server with the site role), or NULL. */
SmsServerDef *sms_world_def_site_server(SmsWorldDef *w, const char *code);

/* Expand "WKS0001-WKS0500" / "A, B, C" into names (upper case). */
gboolean sms_expand_names(const char *spec, GPtrArray **out_names, GArray **out_numbers,
                          GError **error);
