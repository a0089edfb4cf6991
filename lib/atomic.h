/* atomic.h -- every file handed to another component is written atomically.
 *
 * A temporary file in the same directory is written, made durable, then renamed over
 * the target and the directory is synced, so a reader sees the old file or the new one,
 * never half of one. Bulk writers (thousands of .INS files, a package tree) use an
 * SmsBatch: no fsync per file, one syncfs() for the whole batch when it is committed.
 */
#pragma once
#include "common.h"

typedef enum {
	SMS_SYNC_NONE,   /* rename only (caller syncs the batch) */
	SMS_SYNC_FILE,   /* fsync file, rename, fsync directory */
} SmsSyncMode;

/* Write data to path atomically with the given mode (e.g. 0644). */
gboolean sms_atomic_write(const char *path, const void *data, gsize len, int mode,
                          SmsSyncMode sync, GError **error) SMS_WARN_UNUSED;
/* As sms_atomic_write, but leave the file alone when its content is identical.
 * *out_changed (may be NULL) tells whether anything was written. */
gboolean sms_atomic_write_if_changed(const char *path, const void *data, gsize len, int mode,
                                     SmsSyncMode sync, gboolean *out_changed,
                                     GError **error) SMS_WARN_UNUSED;
/* Atomically copy src to dst (temp + rename), preserving mtime. */
gboolean sms_atomic_copy(const char *src, const char *dst, SmsSyncMode sync, GError **error)
	SMS_WARN_UNUSED;
/* fsync a directory. */
gboolean sms_fsync_dir(const char *dir, GError **error) SMS_WARN_UNUSED;
/* One syncfs() on the file system holding path. */
gboolean sms_syncfs(const char *path, GError **error) SMS_WARN_UNUSED;
/* Rename, then fsync the destination directory. */
gboolean sms_rename_durable(const char *from, const char *to, GError **error) SMS_WARN_UNUSED;

/* Durability switch: off with SMSEMU_FSYNC=0 (tests) or for the whole process once
 * sms_sync_set_off(TRUE) was called (simulations: a scenario reproduces crashes itself,
 * so nothing it writes needs to survive one). Daemons keep it on. */
gboolean sms_sync_enabled(void);
/* Turn durability off (TRUE) or back to the environment's setting; returns the previous. */
gboolean sms_sync_set_off(gboolean off);
/* fdatasync(fd) unless durability is off; FALSE with errno set when it failed. */
gboolean sms_sync_fd(int fd) SMS_WARN_UNUSED;
/* How many fsync / fdatasync / syncfs calls this process made (tests). */
guint64 sms_sync_calls(void);

/* A batch of bulk writes made durable together. */
typedef struct {
	char *sync_path;   /* any path on the file system to syncfs */
	guint written;
} SmsBatch;
void sms_batch_init(SmsBatch *b, const char *sync_path);
gboolean sms_batch_write(SmsBatch *b, const char *path, const void *data, gsize len,
                         GError **error) SMS_WARN_UNUSED;
/* One syncfs for all writes so far (no-op when nothing was written). */
gboolean sms_batch_commit(SmsBatch *b, GError **error) SMS_WARN_UNUSED;
void sms_batch_clear(SmsBatch *b);
