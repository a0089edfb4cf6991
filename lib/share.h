/* share.h -- share sessions on distribution servers, their access control lists, and
 * the locked-file check of the Despooler (KB Q128458, KB Q140403).
 *
 * A package directory on a server is named by its share: the package ID for
 * SMS_PKG<x>\<PackageID> (Run Command jobs), the package's share name for Share Package
 * jobs. A server never holds one package in two directories, so a session naming the
 * package ID and one naming its share name are on the same directory; every function
 * here accepts either name.
 *
 * A session (table share_sessions) is a user holding one file of a package directory
 * open from `opened` until `closes` (SMS_TIME_NONE: until closed). It holds the file at
 * time t when opened <= t < closes and it was not closed. Kinds: "user" (despooler share
 * open), "scenario" (a scenario's [Lock]) and "pcm" (a workstation running a command from
 * the share). In real mode a PCM also takes a real lock (flock) on the file it runs;
 * sms_share_holders() finds those too by probing the files of the installed directory.
 *
 * ACLs are text ("Everyone:Read", entries separated by ';'). A directory never given an
 * ACL has SMS_SHARE_DEFAULT_ACL (RG:S3CF3: <PackageID> directory Everyone Read).
 * Revoking keeps the ACL aside and leaves only the site's service account; restoring
 * puts back exactly what was kept (KB Q182414 lost it: we must not).
 */
#pragma once
#include "site.h"

#define SMS_SHARE_ERROR (sms_share_error_quark())
GQuark sms_share_error_quark(void);
typedef enum {
	SMS_SHARE_ERROR_REVOKED,     /* access revoked: only the service account may connect */
	SMS_SHARE_ERROR_INVALID,     /* bad file path, kind, time range, empty name */
	SMS_SHARE_ERROR_NOT_FOUND,   /* no open session with that ID */
} SmsShareError;

#define SMS_SHARE_DEFAULT_ACL "Everyone:Read"

typedef struct {
	gint64 id;                /* share_sessions.id; 0 for a real lock found on disk */
	char *server;             /* upper case */
	char *share;              /* directory name as given */
	char *package;            /* package ID if known */
	char *file;               /* path inside the directory, '/' separated */
	char *user, *machine;     /* machine may be NULL */
	char *kind;               /* "user", "scenario", "pcm"; "lock" for a real lock */
	char *job;                /* may be NULL */
	SmsTime opened, closes;   /* closes: SMS_TIME_NONE = open-ended */
	SmsTime closed;           /* SMS_TIME_NONE while open */
	char *closed_reason;
	int pid;                  /* real lock: the holding process if known, else 0 */
} SmsShareSession;

void sms_share_session_free(SmsShareSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsShareSession, sms_share_session_free)

/* Record a session: `user` holds `file` (relative, '/' or '\' separated) of the package
 * directory `share` on `server` from `opened` until `closes` (SMS_TIME_NONE =
 * open-ended). kind: "user", "scenario" or "pcm"; machine and job may be NULL. Refused
 * with SMS_SHARE_ERROR_REVOKED while the directory's access is revoked, unless `user` is
 * the site's service account. *out_id (may be NULL) receives the session ID. */
gboolean sms_share_open_session(SmsSite *site, const char *server, const char *share,
                                const char *file, const char *user, const char *machine,
                                SmsTime opened, SmsTime closes, const char *kind,
                                const char *job, gint64 *out_id, GError **error)
	SMS_WARN_UNUSED;
/* Close an open session at `now` with a reason ("closed", "forced disconnect", "command
 * ended"); SMS_SHARE_ERROR_NOT_FOUND if there is no such open session. */
gboolean sms_share_close_session(SmsSite *site, gint64 id, SmsTime now, const char *reason,
                                 GError **error) SMS_WARN_UNUSED;

/* Everyone holding a file of the directory at `now`: the sessions, in ID order, then
 * the real locks found on the files of the installed directory (package_locations), then
 * the files held open over SMB when Samba serves the server's shares (samba.h).
 * *out_holders receives SmsShareSession*, possibly none. */
gboolean sms_share_holders(SmsSite *site, const char *server, const char *share, SmsTime now,
                           GPtrArray **out_holders, GError **error) SMS_WARN_UNUSED;
/* TRUE when anyone holds a file of the directory at `now`; the holders go to
 * *out_holders when it is not NULL (always set, possibly empty). A database error counts
 * as locked (it is logged): the Despooler must not overwrite files it cannot check. */
gboolean sms_share_is_locked(SmsSite *site, const char *server, const char *share, SmsTime now,
                             GPtrArray **out_holders);
/* Real locks only: files under `dir` someone holds with flock() (probed with a
 * non-blocking exclusive lock, released at once). Paths in the sessions are relative to
 * dir; user is the holding process's owner when /proc/locks tells the process. */
gboolean sms_share_real_locks(const char *dir, GPtrArray *out, GError **error) SMS_WARN_UNUSED;

/* Every session (open_only: those holding a file at `now`), in ID order. */
gboolean sms_share_list(SmsSite *site, gboolean open_only, SmsTime now, GPtrArray **out,
                        GError **error) SMS_WARN_UNUSED;

/* ---- access control ------------------------------------------------------------ */
/* The ACL in force and whether access is revoked (a directory never set: the default,
 * not revoked). Either out-parameter may be NULL. */
gboolean sms_share_get_acl(SmsSite *site, const char *server, const char *share,
                           char **out_acl, gboolean *out_revoked, GError **error) SMS_WARN_UNUSED;
/* Give the directory its ACL (the Despooler does when it installs a package). While
 * access is revoked the new ACL is what restoring puts back. */
gboolean sms_share_set_acl(SmsSite *site, const char *server, const char *share,
                           const char *acl, GError **error) SMS_WARN_UNUSED;
/* Revoke access for everyone but the site's service account ("<account>:Full"); the ACL
 * in force is kept aside (revoking twice keeps the first). */
gboolean sms_share_revoke(SmsSite *site, const char *server, const char *share,
                          GError **error) SMS_WARN_UNUSED;
/* Put back exactly the ACL kept by sms_share_revoke; nothing to do when not revoked. */
gboolean sms_share_restore(SmsSite *site, const char *server, const char *share,
                           GError **error) SMS_WARN_UNUSED;
/* TRUE when access is revoked (errors count as not revoked). */
gboolean sms_share_is_revoked(SmsSite *site, const char *server, const char *share);
