/* common.h -- shared helpers every smsemu module uses.
 *
 * Conventions (see CONTRIBUTING.md):
 *  - fallible functions: gboolean f(..., GError **error), out-params set on success only;
 *  - one GError domain per module, declared in the module header;
 *  - g_autoptr / g_autofree for every owned value (sqlite3, sqlite3_stmt, fds too).
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#define SMS_WARN_UNUSED G_GNUC_WARN_UNUSED_RESULT

/* Generic errors that are not tied to one module (I/O, usage). */
#define SMS_ERROR (sms_error_quark())
GQuark sms_error_quark(void);
typedef enum {
	SMS_ERROR_FAILED,       /* anything else */
	SMS_ERROR_IO,           /* file system failure, message has path and errno text */
	SMS_ERROR_USAGE,        /* bad command line */
	SMS_ERROR_NOT_FOUND,    /* a named object does not exist */
	SMS_ERROR_EXISTS,       /* a named object exists already */
	SMS_ERROR_INVALID,      /* malformed input */
	SMS_ERROR_STATE,        /* operation not allowed in the object's current state */
	SMS_ERROR_FAULT,        /* injected fault (SMSEMU_FAULT) */
} SmsError;

/* Set *error and return FALSE: `return sms_throw(error, SMS_ERROR_INVALID, "...")`. */
gboolean sms_throw(GError **error, gint code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Same, with an explicit domain. */
gboolean sms_throw_domain(GError **error, GQuark domain, gint code, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* Set an SMS_ERROR_IO error "<prefix>: <strerror(errno)>" from the current errno;
 * ENOSPC and EDQUOT read "<prefix>: disk full (<strerror>)". */
gboolean sms_throw_errno(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Auto-closing file descriptor that keeps errno intact. */
typedef int SmsFd;
void sms_fd_clear(SmsFd *fd);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SmsFd, sms_fd_clear)

/* Closing a connection also frees its statement cache (db.c). */
void sms_db_close(sqlite3 *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sms_db_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* Named fault points: SMSEMU_FAULT="name[,name...]" or "name:N" (fire on the N-th hit).
 * Returns TRUE (and sets an SMS_ERROR_FAULT error) when the point fires. A point
 * listed with the suffix "!abort" aborts the process instead (crash tests). */
gboolean sms_fault(const char *point, GError **error);

/* Path helpers. */
gboolean sms_mkdir_p(const char *path, GError **error) SMS_WARN_UNUSED;
gboolean sms_rm_rf(const char *path, GError **error) SMS_WARN_UNUSED;
/* TRUE if rel is a safe relative path: not absolute, no "..", no empty component. */
gboolean sms_path_is_safe_relative(const char *rel);
/* Read a whole regular file (a symbolic link is followed; a FIFO or device is refused)
 * of at most 64 MiB; error names the path. Limits per kind of file: boxfile.h. */
gboolean sms_read_file(const char *path, char **out_data, gsize *out_len, GError **error)
	SMS_WARN_UNUSED;
/* Case-insensitive lookup of an existing child name in dir; returns the real name or NULL. */
char *sms_find_child_ci(const char *dir, const char *name);
/* Resolve rel against base_dir unless already absolute. */
char *sms_resolve_path(const char *base_dir, const char *rel);

/* Strings */
char *sms_strup(const char *s);      /* ASCII uppercase copy */
gboolean sms_str_equal_ci(const char *a, const char *b);
/* Parse a decimal integer with bounds; error says what was expected. */
gboolean sms_parse_int(const char *s, gint64 min, gint64 max, gint64 *out, GError **error);
gboolean sms_parse_bool(const char *s, gboolean *out, GError **error);

/* GCompareFunc for a GPtrArray of strings (compares the strings, not the pointers). */
gint sms_strptr_cmp(gconstpointer a, gconstpointer b);

/* JSON string escaping (appends a quoted string to buf). */
void sms_json_append_string(GString *buf, const char *s);
