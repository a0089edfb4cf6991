/* archive.h -- smsemu's compressed package format (TOSEND/<PackageID>.W00 and .S00,
 * DESPOOLR.BOX/STORE/<PackageID>.WKS and .SRV). The byte layout is in smsemu-archive(5).
 *
 * Version 2, all integers little endian:
 *   header  "SMSPKG\r\n", u32 version (2), u32 flags (0)
 *   entry   u8 type ('D' directory, 'F' regular file), u16 path length, path (relative,
 *           '/' separated, raw bytes), u32 mode (permission bits only), u64 size,
 *           i64 mtime, u32 CRC-32 of the entry header (type .. mtime);
 *           a file continues with ceil(size / 1 MiB) chunks, each u32 compressed length
 *           + an independent zlib stream of 1 MiB (the last one: the rest), then the
 *           u32 CRC-32 of the file's data
 *   trailer u8 'E', u64 entries, u64 total file bytes, u32 CRC-32 of every byte before it
 * Entries come depth first in byte order of their names (each directory before its
 * contents), which the reader checks: no duplicates, no entry outside a directory of
 * the archive.
 *
 * Creating and reading stream with constant memory (a few MiB); chunks are compressed
 * and decompressed by worker threads (2 by default) and written in order. Extraction
 * refuses unsafe paths (absolute, "..", ".", empty components, backslashes, control
 * characters), never follows a symbolic link (openat + O_NOFOLLOW from the destination's
 * directory fd) and writes nothing outside the destination. Runs of zeros of a whole
 * chunk become holes (sparse files stay sparse).
 */
#pragma once
#include "common.h"

#define SMS_ARCHIVE_ERROR (sms_archive_error_quark())
GQuark sms_archive_error_quark(void);
typedef enum {
	SMS_ARCHIVE_ERROR_IO,           /* reading the source, writing the output */
	SMS_ARCHIVE_ERROR_CORRUPT,      /* CRC or size mismatch, bad zlib data, bad structure */
	SMS_ARCHIVE_ERROR_TRUNCATED,    /* the archive ends early */
	SMS_ARCHIVE_ERROR_UNSAFE_PATH,  /* an entry path that could leave the destination */
	SMS_ARCHIVE_ERROR_UNSUPPORTED,  /* source: symlink, device, FIFO, socket, bad name */
	SMS_ARCHIVE_ERROR_VERSION,      /* unknown format version or header flags */
	SMS_ARCHIVE_ERROR_NO_SPACE,     /* ENOSPC, or the content exceeds max_bytes */
	SMS_ARCHIVE_ERROR_NOT_EMPTY,    /* extraction destination exists and is not empty */
} SmsArchiveError;

typedef struct {
	guint64 files, dirs;
	guint64 bytes_in;               /* uncompressed bytes of all files */
	guint64 bytes_out;              /* size of the archive file */
	guint32 crc;                    /* archive CRC (trailer): identifies the package */
} SmsArchiveStats;

typedef struct {
	const char *path;               /* raw bytes, not necessarily UTF-8 */
	gboolean is_dir;
	guint32 mode;                   /* permission bits (0777 at most) */
	guint64 size;
	gint64 mtime;                   /* seconds since the epoch */
	guint32 crc;                    /* CRC-32 of the file's data, 0 for directories */
} SmsArchiveEntry;

/* Called for every entry in archive order; return FALSE with an error to stop. */
typedef gboolean (*SmsArchiveEntryFunc)(const SmsArchiveEntry *e, gpointer user_data,
                                        GError **error);

typedef struct {
	int level;                      /* zlib level 0-9, -1 = 6 */
	guint threads;                  /* compression threads, 0 = 2 */
} SmsArchiveOptions;
#define SMS_ARCHIVE_OPTIONS_INIT { -1, 0 }

/* Pack the tree src_dir into archive_path, written atomically (temp file in the same
 * directory, fsync unless SMSEMU_FSYNC=0, rename, fsync of the directory). Symbolic
 * links, devices, FIFOs and sockets are refused (UNSUPPORTED, naming the path), and
 * so are names the reader would refuse. opt may be NULL. */
gboolean sms_archive_create_full(const char *src_dir, const char *archive_path,
                                 const SmsArchiveOptions *opt, SmsArchiveStats *out_stats,
                                 GError **error) SMS_WARN_UNUSED;
/* The same with a level (0-9, -1 = 6) and the default threads. */
gboolean sms_archive_create(const char *src_dir, const char *archive_path, int level,
                            SmsArchiveStats *out_stats, GError **error) SMS_WARN_UNUSED;
/* Unpack into dest_dir, which must not exist or be empty (else NOT_EMPTY). max_bytes:
 * refuse with NO_SPACE before writing anything if the files hold more (0 = no limit).
 * On any failure what was written is removed (dest_dir too, if this call created it). */
gboolean sms_archive_extract(const char *archive_path, const char *dest_dir,
                             guint64 max_bytes, SmsArchiveStats *out_stats,
                             GError **error) SMS_WARN_UNUSED;
/* Read everything, decompress every chunk and check every CRC, size and the trailer. */
gboolean sms_archive_verify(const char *archive_path, SmsArchiveStats *out_stats,
                            GError **error) SMS_WARN_UNUSED;
/* Call func for every entry, in order, as it is read. The data is not decompressed,
 * but the structure and the archive CRC are checked: a damaged archive fails after
 * the entries before the damage were listed. */
gboolean sms_archive_list(const char *archive_path, SmsArchiveEntryFunc func,
                          gpointer user_data, GError **error) SMS_WARN_UNUSED;
/* sms_archive_verify from memory, single-threaded, writing nothing (fuzzing). */
gboolean sms_archive_verify_buffer(const guint8 *data, gsize len, SmsArchiveStats *out_stats,
                                   GError **error) SMS_WARN_UNUSED;
