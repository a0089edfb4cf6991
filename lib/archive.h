/* archive.h -- smsemu's compressed package format (TOSEND/<PackageID>.W00, STORE).
 *
 * Layout (all integers little endian), see smsemu-archive(5):
 *   header  "SMSPKG\r\n" u32 version (1) u32 flags (0)
 *   entry   u8 type (1 file, 2 directory) u16 path length, path (relative, '/'),
 *           u32 mode (permission bits), u64 size, i64 mtime;
 *           files then: u64 compressed length, zlib stream, u32 CRC-32 of the data
 *   trailer u8 0xFF, u64 entries, u64 total bytes, u32 CRC-32 of everything before it
 * Creation and extraction stream with constant memory. Extraction refuses absolute
 * paths, "..", empty components, entries through symlinks, size or CRC mismatches
 * and truncation, and writes nothing outside the destination.
 */
#pragma once
#include "common.h"

#define SMS_ARCHIVE_ERROR (sms_archive_error_quark())
GQuark sms_archive_error_quark(void);
typedef enum {
	SMS_ARCHIVE_ERROR_IO,
	SMS_ARCHIVE_ERROR_CORRUPT,      /* CRC or size mismatch, bad zlib data */
	SMS_ARCHIVE_ERROR_TRUNCATED,
	SMS_ARCHIVE_ERROR_UNSAFE_PATH,
	SMS_ARCHIVE_ERROR_UNSUPPORTED,  /* symlink, device, fifo in a source tree */
	SMS_ARCHIVE_ERROR_VERSION,
	SMS_ARCHIVE_ERROR_NO_SPACE,
} SmsArchiveError;

typedef struct {
	guint64 files, dirs, bytes_in, bytes_out;
	guint32 crc;                    /* archive CRC (trailer) */
} SmsArchiveStats;

typedef struct {
	const char *path;
	gboolean is_dir;
	guint32 mode;
	guint64 size;
	gint64 mtime;
	guint32 crc;
} SmsArchiveEntry;

typedef gboolean (*SmsArchiveEntryFunc)(const SmsArchiveEntry *e, gpointer user_data,
                                        GError **error);

/* level: 0-9, -1 = 6. Written atomically (temp + rename, fsync unless SMSEMU_FSYNC=0). */
gboolean sms_archive_create(const char *src_dir, const char *archive_path, int level,
                            SmsArchiveStats *out_stats, GError **error);
/* dest_dir must not exist or be empty; on failure what was written is removed.
 * max_bytes: refuse before writing if the content is larger (0 = no limit). */
gboolean sms_archive_extract(const char *archive_path, const char *dest_dir,
                             guint64 max_bytes, SmsArchiveStats *out_stats, GError **error);
/* Read everything and check every CRC and the trailer. */
gboolean sms_archive_verify(const char *archive_path, SmsArchiveStats *out_stats,
                            GError **error);
gboolean sms_archive_list(const char *archive_path, SmsArchiveEntryFunc func,
                          gpointer user_data, GError **error);
/* Verify from memory (fuzzing). */
gboolean sms_archive_verify_buffer(const guint8 *data, gsize len, GError **error);
