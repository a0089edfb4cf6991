/* share.c -- share sessions, ACLs and locked-file checks (see share.h). */
#include "share.h"
#include "db.h"
#include "samba.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

G_DEFINE_QUARK(sms-share-error-quark, sms_share_error)

void
sms_share_session_free(SmsShareSession *s)
{
	if (s == NULL)
		return;
	g_free(s->server);
	g_free(s->share);
	g_free(s->package);
	g_free(s->file);
	g_free(s->user);
	g_free(s->machine);
	g_free(s->kind);
	g_free(s->job);
	g_free(s->closed_reason);
	g_free(s);
}

/* The package a directory name stands for: its ID when the name is a package ID or a
 * package's share name, else NULL. *out_share_name gets the package's share name. */
static gboolean
resolve(SmsSite *site, const char *name, char **out_package, char **out_share_name,
        GError **error)
{
	/* the package of that ID, else the first by ID of that share name (no ORDER BY ..
	 * LIMIT in SQL: SQLite would build a temporary b-tree per lookup) */
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id, share_name FROM packages WHERE id = ?1"
	                               " OR share_name = ?1 COLLATE NOCASE", error);
	g_autofree char *best = NULL, *best_share = NULL;
	gboolean exact = FALSE;
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, name);
	for (;;) {
		const char *id;
		gboolean is_exact;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		id = sms_db_col_ctext(st, 0);
		if (id == NULL)
			continue;
		is_exact = strcmp(id, name) == 0;
		if (best == NULL || (is_exact && !exact) ||
		    (is_exact == exact && strcmp(id, best) < 0)) {
			g_free(best);
			g_free(best_share);
			best = g_strdup(id);
			best_share = sms_db_col_text(st, 1);
			exact = is_exact;
		}
	}
	*out_package = g_steal_pointer(&best);
	if (out_share_name)
		*out_share_name = g_steal_pointer(&best_share);
	return TRUE;
}

/* ACL key of a directory: the package ID when known (one directory per package and
 * server), else the name as given. */
static gboolean
acl_key(SmsSite *site, const char *share, char **out, GError **error)
{
	char *pkg = NULL;
	if (!resolve(site, share, &pkg, NULL, error))
		return FALSE;
	*out = pkg ? pkg : g_strdup(share);
	return TRUE;
}

static gboolean
check_name(const char *what, const char *value, GError **error)
{
	if (value == NULL || *value == '\0')
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID,
		                        "share session: %s is empty", what);
	return TRUE;
}

gboolean
sms_share_is_revoked(SmsSite *site, const char *server, const char *share)
{
	gboolean revoked = FALSE;
	return sms_share_get_acl(site, server, share, NULL, &revoked, NULL) && revoked;
}

gboolean
sms_share_open_session(SmsSite *site, const char *server, const char *share, const char *file,
                       const char *user, const char *machine, SmsTime opened, SmsTime closes,
                       const char *kind, const char *job, gint64 *out_id, GError **error)
{
	static const char *const kinds[] = { "user", "scenario", "pcm" };
	g_autofree char *srv = NULL;
	g_autofree char *rel = NULL;
	g_autofree char *pkg = NULL;
	gboolean revoked = FALSE, known = FALSE;
	sqlite3_stmt *st;

	if (!check_name("the server", server, error) || !check_name("the share", share, error) ||
	    !check_name("the file", file, error) || !check_name("the user", user, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
		known = known || g_strcmp0(kind, kinds[i]) == 0;
	if (!known)
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID,
		                        "share session: kind '%s' is not one of user, scenario, pcm",
		                        kind ? kind : "");
	rel = g_strdup(file);
	g_strdelimit(rel, "\\", '/');
	if (!sms_path_is_safe_relative(rel))
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID,
		                        "share session: '%s' is not a path inside the package "
		                        "directory %s", file, share);
	if (opened == SMS_TIME_NONE || (closes != SMS_TIME_NONE && closes <= opened))
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID,
		                        "share session on %s: expected an opening time before the "
		                        "closing time", share);
	srv = sms_strup(server);
	if (!sms_share_get_acl(site, srv, share, NULL, &revoked, error) ||
	    !resolve(site, share, &pkg, NULL, error))
		return FALSE;
	if (revoked && !sms_str_equal_ci(user, site->self->service_account))
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_REVOKED,
		                        "access to %s on %s is revoked: only %s may connect", share,
		                        srv, site->self->service_account);
	st = sms_db_stmt(site->db, "INSERT INTO share_sessions(server, package, share, file, user, "
	                 "machine, opened, closes, kind, job) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, pkg);
	sms_db_bind_text(st, 3, share);
	sms_db_bind_text(st, 4, rel);
	sms_db_bind_text(st, 5, user);
	sms_db_bind_text(st, 6, machine);
	sqlite3_bind_int64(st, 7, opened);
	sms_db_bind_time(st, 8, closes);
	sms_db_bind_text(st, 9, kind);
	sms_db_bind_text(st, 10, job);
	/* the new row's id (RETURNING would cost a temporary table per insert) */
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(site->db);
	return TRUE;
}

gboolean
sms_share_close_session(SmsSite *site, gint64 id, SmsTime now, const char *reason,
                        GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "UPDATE share_sessions SET closed = ?, "
	                               "closed_reason = ? WHERE id = ? AND closed IS NULL", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, now);
	sms_db_bind_text(st, 2, reason ? reason : "closed");
	sqlite3_bind_int64(st, 3, id);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (sqlite3_changes(site->db) == 0)
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_NOT_FOUND,
		                        "share session %" G_GINT64_FORMAT " is not open", id);
	return TRUE;
}

#define SESSION_COLUMNS "id, server, share, package, file, user, machine, kind, job, opened, " \
	"closes, closed, closed_reason"

static SmsShareSession *
session_from_row(sqlite3_stmt *st)
{
	SmsShareSession *s = g_new0(SmsShareSession, 1);
	s->id = sqlite3_column_int64(st, 0);
	s->server = sms_db_col_text(st, 1);
	s->share = sms_db_col_text(st, 2);
	s->package = sms_db_col_text(st, 3);
	s->file = sms_db_col_text(st, 4);
	s->user = sms_db_col_text(st, 5);
	s->machine = sms_db_col_text(st, 6);
	s->kind = sms_db_col_text(st, 7);
	s->job = sms_db_col_text(st, 8);
	s->opened = sms_db_col_time(st, 9);
	s->closes = sms_db_col_time(st, 10);
	s->closed = sms_db_col_time(st, 11);
	s->closed_reason = sms_db_col_text(st, 12);
	return s;
}

gboolean
sms_share_list(SmsSite *site, gboolean open_only, SmsTime now, GPtrArray **out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, open_only ?
	                               "SELECT " SESSION_COLUMNS " FROM share_sessions WHERE "
	                               "opened <= ?1 AND (closes IS NULL OR closes > ?1) AND closed "
	                               "IS NULL ORDER BY id" :
	                               "SELECT " SESSION_COLUMNS " FROM share_sessions ORDER BY id",
	                               error);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                           sms_share_session_free);
	gboolean row;
	if (st == NULL)
		return FALSE;
	if (open_only)
		sqlite3_bind_int64(st, 1, now);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(list, session_from_row(st));
	}
	*out = g_steal_pointer(&list);
	return TRUE;
}

/* ---- real locks --------------------------------------------------------------------- */

/* The process holding a flock on (dev, ino), from /proc/locks; 0 if unknown. */
static int
lock_holder_pid(dev_t dev, ino_t ino)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	if (!g_file_get_contents("/proc/locks", &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		/* "1: FLOCK  ADVISORY  READ  12345 08:01:123456 0 EOF" (-> marks waiters) */
		char type[16], adv[16], mode[16];
		unsigned maj, min;
		unsigned long long inode;
		int pid;
		const char *p = strchr(*l, ':');
		if (p == NULL || strstr(*l, "->"))
			continue;
		if (sscanf(p + 1, "%15s %15s %15s %d %x:%x:%llu", type, adv, mode, &pid, &maj, &min,
		           &inode) != 7)
			continue;
		if (inode == (unsigned long long)ino && maj == major(dev) && min == minor(dev))
			return pid;
	}
	return 0;
}

static char *
pid_owner(int pid)
{
	g_autofree char *proc = g_strdup_printf("/proc/%d", pid);
	struct stat sb;
	struct passwd *pw;
	if (pid <= 0 || stat(proc, &sb) < 0)
		return g_strdup("(unknown process)");
	pw = getpwuid(sb.st_uid);
	return pw ? g_strdup(pw->pw_name) : g_strdup_printf("uid %u", (unsigned)sb.st_uid);
}

static gboolean
probe_dir(int dfd, const char *rel, GPtrArray *out, GError **error)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	if (d == NULL) {
		close(dfd);
		return sms_throw_errno(error, "reading %s", *rel ? rel : ".");
	}
	while ((e = readdir(d)) != NULL) {
		g_autofree char *path = NULL;
		g_auto(SmsFd) fd = -1;
		struct stat sb;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = *rel ? g_strdup_printf("%s/%s", rel, e->d_name) : g_strdup(e->d_name);
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) < 0)
			continue;   /* vanished, a symlink, unreadable: nobody holds it through us */
		if (S_ISDIR(sb.st_mode)) {
			int sub = fd;
			fd = -1;
			if (!probe_dir(sub, path, out, error)) {
				closedir(d);
				return FALSE;
			}
		} else if (S_ISREG(sb.st_mode)) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
				(void)flock(fd, LOCK_UN);
			} else if (errno == EWOULDBLOCK) {
				SmsShareSession *s = g_new0(SmsShareSession, 1);
				s->file = g_steal_pointer(&path);
				s->pid = lock_holder_pid(sb.st_dev, sb.st_ino);
				s->user = pid_owner(s->pid);
				s->kind = g_strdup("lock");
				s->opened = SMS_TIME_NONE;
				s->closes = SMS_TIME_NONE;
				s->closed = SMS_TIME_NONE;
				g_ptr_array_add(out, s);
			}
		}
	}
	closedir(d);
	return TRUE;
}

gboolean
sms_share_real_locks(const char *dir, GPtrArray *out, GError **error)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? TRUE : sms_throw_errno(error, "opening %s", dir);
	return probe_dir(dfd, "", out, error);
}

gboolean
sms_share_holders(SmsSite *site, const char *server, const char *share, SmsTime now,
                  GPtrArray **out_holders, GError **error)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                           sms_share_session_free);
	g_autofree char *srv = sms_strup(server);
	g_autofree char *pkg = NULL;
	g_autofree char *share_name = NULL;
	g_autofree char *dir = NULL;
	sqlite3_stmt *st;
	gboolean row;

	if (!resolve(site, share, &pkg, &share_name, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT " SESSION_COLUMNS " FROM share_sessions WHERE server = ?1"
	                 " AND (package = ?2 OR share = ?3 COLLATE NOCASE OR share = ?2 COLLATE "
	                 "NOCASE OR share = ?4 COLLATE NOCASE) AND opened <= ?5 AND (closes IS NULL"
	                 " OR closes > ?5) AND closed IS NULL ORDER BY id", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, pkg ? pkg : share);
	sms_db_bind_text(st, 3, share);
	sms_db_bind_text(st, 4, share_name ? share_name : share);
	sqlite3_bind_int64(st, 5, now);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(list, session_from_row(st));
	}
	/* real locks on the installed directory */
	st = sms_db_stmt(site->db, "SELECT path FROM package_locations WHERE server = ? AND "
	                 "package = ? AND site = ? LIMIT 1", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, pkg ? pkg : share);
	sms_db_bind_text(st, 3, site->code);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	dir = row ? sms_db_col_text(st, 0) : NULL;
	sqlite3_reset(st);
	if (dir) {
		guint first = list->len;
		if (!sms_share_real_locks(dir, list, error))
			return FALSE;
		for (guint i = first; i < list->len; i++) {
			SmsShareSession *s = list->pdata[i];
			s->server = g_strdup(srv);
			s->share = g_strdup(share);
			s->package = g_strdup(pkg);
		}
	}
	/* files held open over SMB where Samba serves the server's shares (lib/samba.h) */
	if (!sms_samba_holders(site, srv, pkg ? pkg : share, share_name, list, error))
		return FALSE;
	*out_holders = g_steal_pointer(&list);
	return TRUE;
}

gboolean
sms_share_is_locked(SmsSite *site, const char *server, const char *share, SmsTime now,
                    GPtrArray **out_holders)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *holders = NULL;
	gboolean locked;
	if (!sms_share_holders(site, server, share, now, &holders, &error)) {
		sms_log(site, "despooler", now, "cannot check the sessions on %s of %s (%s): counted "
		        "as in use", share, server, error->message);
		if (out_holders)
			*out_holders = g_ptr_array_new_with_free_func((GDestroyNotify)
			                                              sms_share_session_free);
		return TRUE;
	}
	locked = holders->len > 0;
	if (out_holders)
		*out_holders = holders;
	else
		g_ptr_array_unref(holders);
	return locked;
}

/* ---- access control ---------------------------------------------------------------- */

gboolean
sms_share_get_acl(SmsSite *site, const char *server, const char *share, char **out_acl,
                  gboolean *out_revoked, GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *srv = sms_strup(server);
	sqlite3_stmt *st;
	gboolean row;
	if (!acl_key(site, share, &key, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT acl, revoked FROM share_acl WHERE server = ? AND share = ?",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, key);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (out_acl)
		*out_acl = row ? sms_db_col_text(st, 0) : g_strdup(SMS_SHARE_DEFAULT_ACL);
	if (out_revoked)
		*out_revoked = row && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_share_set_acl(SmsSite *site, const char *server, const char *share, const char *acl,
                  GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *srv = sms_strup(server);
	sqlite3_stmt *st;
	if (acl == NULL || *acl == '\0')
		return sms_throw_domain(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID,
		                        "ACL of %s on %s: expected at least one entry", share, srv);
	if (!acl_key(site, share, &key, error))
		return FALSE;
	st = sms_db_stmt(site->db, "INSERT INTO share_acl(server, share, acl, revoked) VALUES "
	                 "(?1, ?2, ?3, 0) ON CONFLICT(server, share) DO UPDATE SET "
	                 "acl = CASE WHEN revoked THEN acl ELSE ?3 END, "
	                 "saved_acl = CASE WHEN revoked THEN ?3 ELSE saved_acl END", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, key);
	sms_db_bind_text(st, 3, acl);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_share_revoke(SmsSite *site, const char *server, const char *share, GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *srv = sms_strup(server);
	g_autofree char *only = g_strdup_printf("%s:Full", site->self->service_account);
	sqlite3_stmt *st;
	if (!acl_key(site, share, &key, error))
		return FALSE;
	st = sms_db_stmt(site->db, "INSERT INTO share_acl(server, share, acl, saved_acl, revoked) "
	                 "VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT(server, share) DO UPDATE SET "
	                 "saved_acl = CASE WHEN revoked THEN saved_acl ELSE acl END, acl = ?3, "
	                 "revoked = 1", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, key);
	sms_db_bind_text(st, 3, only);
	sms_db_bind_text(st, 4, SMS_SHARE_DEFAULT_ACL);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_share_restore(SmsSite *site, const char *server, const char *share, GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *srv = sms_strup(server);
	sqlite3_stmt *st;
	if (!acl_key(site, share, &key, error))
		return FALSE;
	st = sms_db_stmt(site->db, "UPDATE share_acl SET acl = COALESCE(saved_acl, acl), saved_acl ="
	                 " NULL, revoked = 0 WHERE server = ? AND share = ? AND revoked", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	sms_db_bind_text(st, 2, key);
	return sms_db_step_done(site->db, st, error);
}
