/* ins.h -- PCM instruction files <SMSID>.INS (notes §3.1), our binary layout.
 *
 *   "SMSPCMI\x1a" u16 format version (1) u16 record count
 *   per record: u32 length, then the fields in PCMDUMP order (strings are u16 length +
 *   bytes; times i64 naive local seconds, -1 = not set; flags u8/u32)
 *   u32 CRC-32 of everything before it
 * A reader checks length fields and the CRC before using anything (errors name the
 * byte offset). Updates are atomic read-modify-write: temp file + rename.
 */
#pragma once
#include "common.h"
#include "atomic.h"
#include "smstime.h"

#define SMS_INS_ERROR (sms_ins_error_quark())
GQuark sms_ins_error_quark(void);
typedef enum {
	SMS_INS_ERROR_TRUNCATED,
	SMS_INS_ERROR_CORRUPT,
	SMS_INS_ERROR_VERSION,
	SMS_INS_ERROR_NOT_FOUND,
} SmsInsError;

#define SMS_INS_RECORD_VERSION 8   /* "PCM Version" of a record (1.2) */

enum { SMS_SERVER_WINNT3 = 2, SMS_SERVER_LANMAN2 = 4 };

typedef struct {
	char *path;               /* \\SERVER\SMS_PKGC\A0100001\ */
	int type;                 /* server type, 2 = Windows NT */
} SmsInsServer;

typedef struct {
	int pcm_version;
	char *site_id, *request_id, *package_id, *job_id;
	int install_flag;         /* 0-1 any link speed, 2 not over slow link */
	SmsTime install_by;       /* mandatory time */
	gboolean install_by_full; /* mandatory */
	SmsTime display_date;     /* offer time */
	gboolean display_full;
	SmsTime expiration;
	gboolean expiration_full;
	int user_input;           /* 0 none, 1 required */
	guint32 os_mask;
	guint32 disk_usage;
	char *run_command;        /* command line */
	char *wcl_name;           /* command name */
	GPtrArray *servers;       /* SmsInsServer* */
	char *package_name, *comments, *domain;
	guint32 flags;            /* SMS_CMD_* (automated, background) */
} SmsInsRecord;

typedef struct {
	GPtrArray *records;       /* SmsInsRecord* */
} SmsInsFile;

SmsInsRecord *sms_ins_record_new(void);
SmsInsRecord *sms_ins_record_copy(const SmsInsRecord *r);
void sms_ins_record_free(SmsInsRecord *r);
void sms_ins_record_add_server(SmsInsRecord *r, const char *path, int type);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsInsRecord, sms_ins_record_free)
SmsInsFile *sms_ins_file_new(void);
void sms_ins_file_free(SmsInsFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsInsFile, sms_ins_file_free)

gboolean sms_ins_parse(const char *name, const guint8 *data, gsize len, SmsInsFile **out,
                       GError **error);
/* Missing file: SMS_INS_ERROR_NOT_FOUND. */
gboolean sms_ins_load(const char *path, SmsInsFile **out, GError **error);
GBytes *sms_ins_serialize(const SmsInsFile *f);
gboolean sms_ins_save(const char *path, const SmsInsFile *f, SmsSyncMode sync, GError **error);
/* Insert or replace the record of rec->job_id; unchanged files are not rewritten. */
gboolean sms_ins_upsert(const char *path, const SmsInsRecord *rec, SmsSyncMode sync,
                        gboolean *out_changed, GError **error);
/* Remove the job's record (by job ID, or every record of a package when package_id is
 * given instead); the file is deleted when no record is left. */
gboolean sms_ins_remove(const char *path, const char *job_id, const char *package_id,
                        SmsSyncMode sync, gboolean *out_changed, GError **error);
/* PCMDUMP-style text, field by field, dates MM/DD/YY HH:MM:SS. */
void sms_ins_dump(const SmsInsFile *f, const char *name, GString *out);
void sms_ins_dump_json(const SmsInsFile *f, const char *name, GString *out);
