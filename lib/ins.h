/* ins.h -- PCM instruction files <SMSID>.INS (KB Q123499, PCMDUMP): one file per workstation,
 * one record per offered job, in our own versioned binary layout (smsemu-ins(5)).
 *
 *   offset 0   "SMSPCMI\x1a"                      magic
 *          8   u16 format version                   this program writes 2
 *         10   u16 record count
 *         12   u16 compat        (version >= 2)     oldest reader version that can read it
 *         14   u16 reserved, 0   (version >= 2)
 *         ..   records: u32 length of the record body, then its fields in PCMDUMP order
 *              (strings: u16 length + bytes, no NUL; times: i64 naive local seconds,
 *              -1 = not set; flags u8; masks u32)
 *      end-4   u32 CRC-32 (zlib) of every byte before it
 * All integers are little-endian. A later format may only append fields to a record:
 * a reader takes the fields it knows, defaults the ones a shorter (older) record lacks
 * and skips the ones it does not know. A file whose compat is above the version this
 * program reads is refused (SMS_INS_ERROR_VERSION). Format 1 files (no compat field,
 * records without server zones) are read as well.
 *
 * Every length is checked before use; errors name the file, the byte offset and what
 * was expected there: "X.INS: offset 60: expected Run Command (16 bytes), the file
 * ends at 60 (truncated)". Writers replace whole files atomically (lib/atomic.h).
 */
#pragma once
#include "common.h"
#include "atomic.h"
#include "smstime.h"

#define SMS_INS_ERROR (sms_ins_error_quark())
GQuark sms_ins_error_quark(void);
typedef enum {
	SMS_INS_ERROR_TRUNCATED,  /* the file ends inside a field */
	SMS_INS_ERROR_CORRUPT,    /* bad magic, checksum mismatch, lengths that disagree */
	SMS_INS_ERROR_VERSION,    /* written by a newer, incompatible format */
	SMS_INS_ERROR_NOT_FOUND,  /* sms_ins_load: no such file */
	SMS_INS_ERROR_INVALID,    /* a field out of range (reading), or a record that cannot
	                           * be written (no JobID, string over 65,535 bytes, ...) */
} SmsInsError;

#define SMS_INS_FORMAT_VERSION 2   /* the layout above, written by this program */
#define SMS_INS_RECORD_VERSION 8   /* "PCM Version" of a record: 8 = SMS 1.2, 6 = 1.0
                                    * (PCMDUMP shows 6 as "Beta 455") */

/* Server types (PCMDUMP "Type:"). */
enum {
	SMS_SERVER_UNKNOWN = 1,
	SMS_SERVER_WINNT3 = 2,
	SMS_SERVER_LANMAN1 = 3,
	SMS_SERVER_LANMAN2 = 4,
	SMS_SERVER_NETWARE2 = 5,
	SMS_SERVER_NETWARE3 = 6,
	SMS_SERVER_NETWARE4 = 7,
};

typedef struct {
	char *path;               /* \\SERVER\SMS_PKGC\A0100001\ */
	int type;                 /* SMS_SERVER_* */
	char *zone;               /* AppleTalk zone (Macintosh clients), or NULL */
} SmsInsServer;

typedef struct {
	int pcm_version;          /* SMS_INS_RECORD_VERSION */
	char *site_id;            /* SiteID: site code (3) */
	char *request_id;         /* RequestID (7) */
	char *package_id;         /* PackageID (8) */
	char *job_id;             /* JobID (8); required, records are keyed by it */
	int install_flag;         /* 0-1 install regardless of link speed, 2 not over slow link */
	SmsTime install_by;       /* Install By Date: the mandatory time */
	gboolean install_by_full; /* Install By Full: 1 mandatory */
	SmsTime display_date;     /* Display Date: the offer time */
	gboolean display_full;    /* Display Full: shown in PCM */
	SmsTime expiration;       /* Expiration Date */
	gboolean expiration_full; /* Expiration Full: 1 expires */
	int user_input;           /* User Input Flags: 0 none, 1 required */
	guint32 os_mask;          /* Operating System: SMS_PLATFORM_* bits (pdf.h) */
	guint32 disk_usage;       /* Disk Usage (unused by SMS) */
	char *run_command;        /* Run Command: the command line */
	char *wcl_name;           /* WCL Name: shown as Command Name */
	GPtrArray *servers;       /* Server(s): SmsInsServer* */
	char *package_name, *comments;
	char *domain;             /* Domain Name (unused by SMS) */
	guint32 flags;            /* shown as Reserved: SMS_CMD_* of job.h (automated,
	                           * background = PCMSVC32 only, ...) */
} SmsInsRecord;

typedef struct {
	GPtrArray *records;       /* SmsInsRecord* */
} SmsInsFile;

SmsInsRecord *sms_ins_record_new(void);
SmsInsRecord *sms_ins_record_copy(const SmsInsRecord *r);
void sms_ins_record_free(SmsInsRecord *r);
void sms_ins_record_add_server(SmsInsRecord *r, const char *path, int type);
void sms_ins_record_add_server_zone(SmsInsRecord *r, const char *path, int type,
                                    const char *zone);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsInsRecord, sms_ins_record_free)
SmsInsFile *sms_ins_file_new(void);
void sms_ins_file_free(SmsInsFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsInsFile, sms_ins_file_free)

/* Can r be written? A JobID, every string at most 65,535 bytes, at most 65,535 servers,
 * flags and types in range (SMS_INS_ERROR_INVALID naming the field). */
gboolean sms_ins_record_check(const SmsInsRecord *r, GError **error);

/* Parse a whole file from memory; name is used in messages. Errors: TRUNCATED, CORRUPT,
 * VERSION, INVALID, each with "name: offset N: expected ...". */
gboolean sms_ins_parse(const char *name, const guint8 *data, gsize len, SmsInsFile **out,
                       GError **error);
/* Missing file: SMS_INS_ERROR_NOT_FOUND; other I/O errors: SMS_ERROR_IO. */
gboolean sms_ins_load(const char *path, SmsInsFile **out, GError **error);
/* The file's bytes (format SMS_INS_FORMAT_VERSION). Records must pass
 * sms_ins_record_check (longer strings are cut at 65,535 bytes). */
GBytes *sms_ins_serialize(const SmsInsFile *f);
/* Write f atomically (temp + rename; SMS_SYNC_FILE also fsyncs). Checks every record. */
gboolean sms_ins_save(const char *path, const SmsInsFile *f, SmsSyncMode sync, GError **error);

/* Atomic read-modify-write of one workstation's file. Insert rec, or replace the record
 * with the same JobID in place. A missing file is created (one failed open, one temp
 * file, one rename: no other work); a file whose bytes would not change is not
 * rewritten (*out_changed = FALSE; may be NULL). With SMS_SYNC_NONE the caller makes a
 * batch durable with one syncfs (SmsBatch). A corrupt existing file is an error, left
 * alone. Not safe against a concurrent writer of the same file (one Despooler per
 * site writes a file). */
gboolean sms_ins_upsert(const char *path, const SmsInsRecord *rec, SmsSyncMode sync,
                        gboolean *out_changed, GError **error);
/* Remove the job's record (by job ID, or every record of a package when package_id is
 * given instead); the file is deleted when no record is left. A missing file or job is
 * not an error (*out_changed = FALSE). */
gboolean sms_ins_remove(const char *path, const char *job_id, const char *package_id,
                        SmsSyncMode sync, gboolean *out_changed, GError **error);
/* sms_ins_remove by job ID only. */
gboolean sms_ins_remove_job(const char *path, const char *job_id, SmsSyncMode sync,
                            gboolean *out_changed, GError **error);

/* PCMDUMP text, field by field as KB Q123499 shows it ("File Name       : X.INS",
 * "Install By Date : MM/DD/YY HH:MM:SS", "Server(s)       : \\S\SMS_PKGC\P\ Type: 2").
 * Records of PCM version < 8 (SMS 1.0/1.1) show months 00-11 as those PCMDUMPs did
 * (KB Q153369). */
void sms_ins_dump(const SmsInsFile *f, const char *name, GString *out);
typedef enum {
	SMS_INS_DUMP_DETAILED = 1 << 0,  /* names after numbers: platforms, server types, flags */
} SmsInsDumpFlags;
void sms_ins_dump_with_flags(const SmsInsFile *f, const char *name, SmsInsDumpFlags flags,
                             GString *out);
/* One JSON object {"file":..., "records":[{...}]}: every field; times as
 * "YYYY-MM-DD HH:MM:SS" or null. */
void sms_ins_dump_json(const SmsInsFile *f, const char *name, GString *out);
