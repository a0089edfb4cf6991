/* boxfile.h -- reading a file that someone else put into a box.
 *
 * A box (a logon server's DESPOOLR.BOX, RECEIVE, an OUTBOX, PCINS.BOX...) is written by
 * other components, by clients, or by anyone with access to the share. Only a regular
 * file of a bounded size is ever read from it: a FIFO would block a pass for ever, a
 * symbolic link to /dev/zero would make it read without end. Files are opened with
 * O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, checked with fstat() (the file read is the file
 * checked) and read up to a limit. A file that is refused is moved to BAD/ beside it
 * by the component, with a status message (KB Q159201: a bad file must never loop).
 */
#pragma once
#include "common.h"

#include <sys/stat.h>

#define SMS_BOXFILE_ERROR (sms_boxfile_error_quark())
GQuark sms_boxfile_error_quark(void);
typedef enum {
	SMS_BOXFILE_ERROR_NOT_FOUND,     /* no such file (box reads; a file named by a user,
	                                  * SMS_READ_FOLLOW, gives SMS_ERROR_IO as always) */
	SMS_BOXFILE_ERROR_NOT_REGULAR,   /* a FIFO, device, directory, socket or symbolic link */
	SMS_BOXFILE_ERROR_TOO_LARGE,     /* larger than the limit for its kind */
} SmsBoxfileError;

typedef enum {
	SMS_READ_NOFOLLOW = 0,        /* box files: a symbolic link is refused */
	SMS_READ_FOLLOW = 1 << 0,     /* files named on a command line may be links */
} SmsReadFlags;

/* The default limit of sms_read_file() (files with no limit of their own): 64 MiB. */
#define SMS_READ_MAX_DEFAULT ((gsize)64 << 20)

/* Open path for reading if it is a regular file of at most max_bytes; returns the fd
 * (close-on-exec) and fills *out_st (may be NULL), or -1 with an error naming the path. */
int sms_open_regular(const char *path, gsize max_bytes, SmsReadFlags flags, struct stat *out_st,
                     GError **error);
/* Read a whole regular file of at most max_bytes (NUL-terminated, like
 * g_file_get_contents). A file that grows past the limit while being read is refused. */
gboolean sms_read_regular(const char *path, gsize max_bytes, SmsReadFlags flags, char **out_data,
                          gsize *out_len, GError **error) SMS_WARN_UNUSED;
/* A box file: sms_read_regular without following links. */
gboolean sms_box_read(const char *path, gsize max_bytes, char **out_data, gsize *out_len,
                      GError **error) SMS_WARN_UNUSED;
/* TRUE when dir/name is a regular file itself (not a link to one). */
gboolean sms_box_is_regular(const char *dir, const char *name);
/* Move dir/name to dir/BAD/name (created when missing); a file gone already is no error.
 * The caller reports why with a status message. */
gboolean sms_box_move_to_bad(const char *dir, const char *name, GError **error) SMS_WARN_UNUSED;
/* TRUE when the error says the file itself is unusable (not a regular file, too large):
 * such a file goes to BAD/, it will never become readable by waiting. */
gboolean sms_box_error_is_refusal(const GError *e);
