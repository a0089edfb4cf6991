/* despooler-install.c -- the Despooler's installs and removals on the distribution
 * servers: drive choice, decompression, staging and swapping the package in, shares,
 * files held open by users and the forced disconnect, retries. */
#include "components.h"
#include "archive.h"
#include "atomic.h"
#include "db.h"
#include "despooler.h"
#include "despooler-private.h"
#include "ins.h"
#include "instruction.h"
#include "job.h"
#include "mif.h"
#include "reg.h"
#include "sender.h"
#include "share.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

/* ---- installing -------------------------------------------------------------------- */

/* Bytes of the regular files under the directory open as dirfd (closed here); entries
 * are looked at relative to their directory (no path walk per file). */
static guint64
dir_bytes_at(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	guint64 total = 0;
	if (d == NULL) {
		close(dirfd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                 O_CLOEXEC);
			if (sub >= 0)
				total += dir_bytes_at(sub);
		} else {
			total += (guint64)sb.st_size;
		}
	}
	closedir(d);
	return total;
}

static guint64
dir_bytes(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? 0 : dir_bytes_at(fd);
}

static gint64
drive_free_mb(SmsSite *site, const char *server, const SmsDriveDef *d)
{
	g_autofree char *path = sms_layout_drive(site, server, d->letter);
	return d->capacity_mb - (gint64)(dir_bytes(path) / (1024 * 1024));
}

/* Distribution drive (SMS 1.2 Resource Guide, "Run Command On Workstation Jobs"): the
 * SMS drive if it has the minimum free space; else the NTFS drive with the most free
 * space among those that have it; else such a non-NTFS drive; else the SMS drive.
 * Share packages (min_free G_MAXINT32): the drive with the most free space ("Share
 * Package On Server Jobs"). */
static char
choose_drive(SmsSite *site, const char *server, guint32 min_free, gint64 need_mb)
{
	SmsServerDef *s = sms_world_def_server(site->def, server);
	SmsDriveDef *first;
	char best = 0;
	gint64 best_free = G_MININT64;
	if (s == NULL || s->drives->len == 0)
		return 'C';
	first = &g_array_index(s->drives, SmsDriveDef, 0);
	/* one drive: it is the answer whatever its free space (no walk of the drive) */
	if (s->drives->len == 1)
		return first->letter;
	if (min_free == G_MAXINT32) {
		for (guint i = 0; i < s->drives->len; i++) {
			SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, i);
			gint64 f = drive_free_mb(site, server, d);
			if (f > best_free) {
				best_free = f;
				best = d->letter;
			}
		}
		return best;
	}
	if (drive_free_mb(site, server, first) - need_mb >= (gint64)min_free)
		return first->letter;
	for (int ntfs = 1; ntfs >= 0; ntfs--) {
		for (guint i = 0; i < s->drives->len; i++) {
			SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, i);
			gint64 f = drive_free_mb(site, server, d);
			if ((d->fs == SMS_FS_NTFS) != ntfs || f - need_mb < (gint64)min_free)
				continue;
			if (f > best_free) {
				best_free = f;
				best = d->letter;
			}
		}
		if (best)
			return best;
	}
	return first->letter;
}

/* Existing location of a package on a server (the Despooler never puts one package on
 * two shares of a server). */
static char *
existing_path(SmsSite *site, const char *package, const char *server)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT path FROM package_locations WHERE package"
	                               " = ? AND server = ? AND site = ?", NULL);
	gboolean row;
	char *p = NULL;
	if (st == NULL)
		return NULL;
	sms_db_bind_text(st, 1, package);
	sms_db_bind_text(st, 2, server);
	sms_db_bind_text(st, 3, site->code);
	if (sms_db_step(site->db, st, &row, NULL) && row)
		p = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return p;
}


void
despool_work_free(gpointer p)
{
	Work *w = p;
	g_free(w->job); g_free(w->server); g_free(w->kind); g_free(w->path); g_free(w);
}

static gboolean
save_work(SmsSite *site, const Work *w, const char *detail, GError **error)
{
	return exec_args(site, error, "UPDATE desp_work SET state = ?, t0 = ?, retries = ?, "
	                 "next_attempt = ?, forced_at = ?, path = ?, detail = ? WHERE job = ? AND "
	                 "server = ?", "itittssss", (gint64)w->state, w->t0, (gint64)w->retries,
	                 w->next_attempt, w->forced_at, w->path, detail, w->job, w->server);
}

/* The share a package directory at `path` (servers/<S>/<drive>/...) is known by: what
 * follows the drive, '\\'-separated ("TOOLS00", "FRISBEE00\\TESTGROUP"). */
static char *
share_of_path(SmsSite *site, const char *server, const char *path)
{
	g_autofree char *prefix = g_build_filename(site->root, "servers", server, NULL);
	const char *rest = g_str_has_prefix(path, prefix) ? path + strlen(prefix) + 1 : path;
	const char *slash = strchr(rest, '/');
	char *share = g_strdup(slash ? slash + 1 : rest);
	for (char *c = share; *c; c++)
		if (*c == '/')
			*c = '\\';
	return share;
}

/* The share of a package on a server: where it was put (the Despooler may have made
 * NAME00 of a ShareName in use), else the ShareName of a Share Package job, else the
 * package ID (SMS_PKGx\<package>). Newly allocated. */
static char *
share_dir_name(SmsSite *site, const SmsInstruction *ins, const char *server)
{
	if (ins->job_type == SMS_JOB_SHARE_PACKAGE && ins->share_name) {
		g_autofree char *p = existing_path(site, ins->package_id, server);
		return p ? share_of_path(site, server, p) : g_strdup(ins->share_name);
	}
	return g_strdup(ins->package_id);
}

/* Who holds a file of the package directory: share sessions and real locks on the
 * recorded directory (lib/share.h) and, for a directory not recorded yet (files that
 * were there before the Despooler), real locks on dest itself. */
static gboolean
holders(SmsSite *site, const SmsInstruction *ins, const char *server, const char *dest,
        gboolean recorded, SmsTime now, GPtrArray **out, GError **error)
{
	g_autoptr(GPtrArray) held = NULL;
	g_autofree char *sdir = share_dir_name(site, ins, server);
	if (!sms_share_holders(site, server, sdir, now, &held, error))
		return FALSE;
	if (!recorded && dest) {
		guint first = held->len;
		if (!sms_share_real_locks(dest, held, error))
			return FALSE;
		for (guint i = first; i < held->len; i++) {
			SmsShareSession *s = held->pdata[i];
			s->server = g_strdup(server);
			s->share = g_strdup(sdir);
		}
	}
	*out = g_steal_pointer(&held);
	return TRUE;
}

static gboolean
files_equal(const char *a, const char *b)
{
	struct stat sa, sb;
	g_autofree char *da = NULL, *db = NULL;
	gsize la, lb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0 || sa.st_size != sb.st_size)
		return FALSE;
	if (!g_file_get_contents(a, &da, &la, NULL) || !g_file_get_contents(b, &db, &lb, NULL))
		return FALSE;
	return la == lb && memcmp(da, db, la) == 0;
}

/* Copy the tree src into dst (new). Unchanged files are hard-linked from old. */
static gboolean
stage_tree(const char *src, const char *dst, const char *old, guint *copied, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
	const char *name;
	if (d == NULL)
		return sms_throw_errno(error, "reading %s", src);
	if (g_mkdir(dst, 0755) < 0 && errno != EEXIST)
		return sms_throw_errno(error, "creating %s", dst);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *s = g_build_filename(src, name, NULL);
		g_autofree char *t = g_build_filename(dst, name, NULL);
		g_autofree char *o = old ? g_build_filename(old, name, NULL) : NULL;
		if (g_file_test(s, G_FILE_TEST_IS_DIR)) {
			if (!stage_tree(s, t, o, copied, error))
				return FALSE;
		} else if (o && files_equal(s, o) && link(o, t) == 0) {
			continue;
		} else if (link(s, t) == 0) {
			/* the decompressed tree is private to this pass and on the same file system:
			 * a hard link is the copy (it is removed after the pass) */
			(*copied)++;
		} else {
			if (!sms_atomic_copy(s, t, SMS_SYNC_NONE, error))
				return FALSE;
			(*copied)++;
		}
	}
	return TRUE;
}

/* SMS 1.x copy (CopyMode=legacy): file by file in name order straight into the live
 * directory, stopping at the first file someone holds open (KB Q140403). */
static gboolean
legacy_copy(const char *src, const char *dst, const char *rel, GPtrArray *held,
            char **out_stuck, guint *copied, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	if (d == NULL)
		return sms_throw_errno(error, "reading %s", src);
	if (!sms_mkdir_p(dst, error))
		return FALSE;
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len && *out_stuck == NULL; i++) {
		g_autofree char *s = g_build_filename(src, names->pdata[i], NULL);
		g_autofree char *t = g_build_filename(dst, names->pdata[i], NULL);
		g_autofree char *r = *rel ? g_strdup_printf("%s/%s", rel, (char *)names->pdata[i])
		                          : g_strdup(names->pdata[i]);
		if (g_file_test(s, G_FILE_TEST_IS_DIR)) {
			if (!legacy_copy(s, t, r, held, out_stuck, copied, error))
				return FALSE;
			continue;
		}
		for (guint k = 0; k < held->len; k++) {
			SmsShareSession *sess = held->pdata[k];
			if (g_ascii_strcasecmp(sess->file, r) == 0) {
				*out_stuck = g_strdup(r);
				return TRUE;
			}
		}
		if (files_equal(s, t))
			continue;
		if (!sms_atomic_copy(s, t, SMS_SYNC_NONE, error))
			return FALSE;
		(*copied)++;
	}
	return TRUE;
}

/* Decide where the package goes on a server (first install) or where it is. */
static char *
install_path(SmsSite *site, const SmsInstruction *ins, const char *server, guint32 min_free,
             gint64 need_mb)
{
	char *p = existing_path(site, ins->package_id, server);
	char letter;
	g_autofree char *drive = NULL;
	if (p)
		return p;
	/* Run Command: the SMS drive if it has the minimum free space (choose_drive); share
	 * packages: the root of the drive with the most free space (RG:S3D3F) */
	letter = choose_drive(site, server,
	                      ins->job_type == SMS_JOB_SHARE_PACKAGE ? G_MAXINT32 : min_free,
	                      need_mb);
	if (ins->job_type == SMS_JOB_SHARE_PACKAGE && ins->share_name) {
		g_autofree char *share = g_strdup(ins->share_name);
		char *rest;
		for (char *c = share; *c; c++)
			if (*c == '\\')
				*c = '/';
		drive = sms_layout_drive(site, server, letter);
		/* a root directory that exists holds another package: NAME00, NAME01, ...
		 * (SMS 1.2 SDK, package folder "Share name": FRISBEE\TESTGROUP becomes
		 * FRISBEE00\TESTGROUP) */
		rest = strchr(share, '/');
		if (rest)
			*rest++ = '\0';
		for (int n = -1; n < 100; n++) {
			g_autofree char *root = n < 0 ? g_strdup(share) : g_strdup_printf("%s%02d", share, n);
			g_autofree char *dir = g_build_filename(drive, root, NULL);
			if (!g_file_test(dir, G_FILE_TEST_EXISTS) || n == 99)
				return rest ? g_build_filename(dir, rest, NULL) : g_steal_pointer(&dir);
		}
	}
	drive = sms_layout_pkg_share(site, server, letter);
	return g_build_filename(drive, ins->package_id, NULL);
}

char *
despool_unc_path(SmsSite *site, const char *server, const char *path)
{
	/* servers/<S>/<D>/SMS_PKGD/PKG -> \\S\SMS_PKGD\PKG\ */
	g_autofree char *prefix = g_build_filename(site->root, "servers", server, NULL);
	const char *rest = g_str_has_prefix(path, prefix) ? path + strlen(prefix) + 1 : path;
	const char *slash = strchr(rest, '/');
	g_autofree char *tail = g_strdup(slash ? slash + 1 : rest);
	for (char *c = tail; *c; c++)
		if (*c == '/')
			*c = '\\';
	return g_strdup_printf("\\\\%s\\%s\\", server, tail);
}

static gboolean
extract_package(SmsSite *site, const char *store_file, char **out_dir, guint64 *out_bytes,
                GError **error)
{
	g_autofree char *store = sms_layout_store(site);
	g_autofree char *arc = g_build_filename(store, store_file, NULL);
	SmsServerDef *srv = sms_world_def_site_server(site->def, site->code);
	char best = 'C';
	gint64 best_free = G_MININT64;
	g_autofree char *drive = NULL;
	g_autofree char *tmp = NULL;
	SmsArchiveStats st;
	for (guint i = 0; i < srv->drives->len; i++) {
		SmsDriveDef *d = &g_array_index(srv->drives, SmsDriveDef, i);
		gint64 f = drive_free_mb(site, srv->name, d);
		if (f > best_free) {
			best_free = f;
			best = d->letter;
		}
	}
	drive = sms_layout_drive(site, srv->name, best);
	tmp = g_strdup_printf("%s/DESPOOL.TMP/%s", drive, store_file);
	if (g_file_test(tmp, G_FILE_TEST_EXISTS) && !sms_rm_rf(tmp, error))
		return FALSE;
	if (!sms_archive_extract(arc, tmp, best_free > 0 ? (guint64)best_free * 1024 * 1024 : 1,
	                         &st, error))
		return FALSE;
	*out_dir = g_steal_pointer(&tmp);
	*out_bytes = st.bytes_in;
	return TRUE;
}

static gboolean
notify_users(SmsSite *site, const SmsInstruction *ins, GPtrArray *held, const char *server,
             const char *event, const char *text, SmsTime now, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < held->len; i++) {
		SmsShareSession *s = held->pdata[i];
		if (g_hash_table_contains(seen, s->user))
			continue;
		g_hash_table_add(seen, s->user);
		if (!exec_args(site, error, "INSERT INTO user_messages(time, user, machine, server, "
		               "sender, job, package, text) VALUES (?, ?, ?, ?, 'SMS_DESPOOLER', ?, ?, ?)",
		               "issssss", now, s->user, s->machine, server, ins->job_id,
		               ins->package_id, text))
			return FALSE;
		if (event && !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                          .event = event, .job = ins->job_id,
		                                          .package = ins->package_id, .server = server,
		                                          .machine = s->machine, .user = s->user,
		                                          .detail = text }, error,
		                       "%s: %s", s->user, text))
			return FALSE;
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "message.sent",
		                                 .job = ins->job_id, .server = server,
		                                 .machine = s->machine, .user = s->user }, error,
		              "Message to %s%s%s: %s", s->user, s->machine ? " at " : "",
		              s->machine ? s->machine : "", text))
			return FALSE;
	}
	return TRUE;
}

/* Permissions of a new package directory (RG:S3CF3): <PackageID> Everyone Read; a
 * shared package: the access of its PDF (UserRead, UserWrite, GuestRead, GuestWrite). */
static char *
package_acl(const SmsInstruction *ins)
{
	g_autoptr(GString) acl = g_string_new(NULL);
	g_autofree char *a = NULL;
	gboolean ur, uw, gr, gw;
	if (ins->job_type != SMS_JOB_SHARE_PACKAGE || ins->share_access == NULL)
		return g_strdup(SMS_SHARE_DEFAULT_ACL);
	a = g_ascii_strdown(ins->share_access, -1);
	ur = strstr(a, "userread") != NULL;
	uw = strstr(a, "userwrite") != NULL;
	gr = strstr(a, "guestread") != NULL;
	gw = strstr(a, "guestwrite") != NULL;
	if (ur || uw)
		g_string_append_printf(acl, "Users:%s", uw ? "Change" : "Read");
	if (gr || gw)
		g_string_append_printf(acl, "%sGuests:%s", acl->len ? ";" : "", gw ? "Change" : "Read");
	if (acl->len == 0)
		g_string_append(acl, "Everyone:None");
	return g_string_free(g_steal_pointer(&acl), FALSE);
}

/* Regular files under dir (what a package directory holds). */
static guint
count_files(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint n = 0;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			n += count_files(p);
		else
			n++;
	}
	return n;
}

static gboolean
swap_in(const char *tree, const char *dest, gboolean move, guint *out_copied, GError **error)
{
	g_autofree char *parent = g_path_get_dirname(dest);
	g_autofree char *staged = g_strdup_printf("%s.NEW", dest);
	gboolean exists = g_file_test(dest, G_FILE_TEST_IS_DIR);
	guint copied = 0;

	if (!sms_mkdir_p(parent, error))
		return FALSE;
	if (g_file_test(staged, G_FILE_TEST_EXISTS) && !sms_rm_rf(staged, error))
		return FALSE;
	/* the decompressed tree's last user takes it whole: one rename, no per-file work */
	if (!(move && rename(tree, staged) == 0) &&
	    !stage_tree(tree, staged, exists ? dest : NULL, &copied, error))
		return FALSE;
	/* what is installed: every file of the new tree, whether copied, linked from the
	 * previous version or moved in whole (the move copies nothing) */
	copied = count_files(staged);
	if (!sms_syncfs(staged, error))
		return FALSE;
	if (sms_fault("despooler-before-swap", error))
		return FALSE;
	if (exists) {
		/* atomic swap: a reader sees the old tree or the new one */
		if (renameat2(AT_FDCWD, staged, AT_FDCWD, dest, RENAME_EXCHANGE) < 0)
			return sms_throw_errno(error, "swapping %s", dest);
		if (!sms_rm_rf(staged, error))
			return FALSE;
	} else if (rename(staged, dest) < 0) {
		return sms_throw_errno(error, "renaming %s", staged);
	}
	if (!sms_fsync_dir(parent, error))
		return FALSE;
	if (out_copied)
		*out_copied = copied;
	return TRUE;
}

gboolean
sms_despooler_swap_in(const char *tree, const char *dest, guint *out_copied, GError **error)
{
	return swap_in(tree, dest, FALSE, out_copied, error);
}

/* Put the package on one server now (no lock in the way). */
static gboolean
install_now(SmsSite *site, const SmsInstruction *ins, Work *w, const char *tree,
            const char *dest, gboolean move_tree, SmsTime now, GError **error)
{
	g_autofree char *parent = g_path_get_dirname(dest);
	g_autofree char *staged = g_strdup_printf("%s.NEW", dest);
	guint copied = 0;
	g_autofree char *unc = NULL;
	g_autofree char *acl = package_acl(ins);
	gboolean first = FALSE;

	if (!sms_mkdir_p(parent, error))
		return FALSE;
	{
		g_autofree char *known = existing_path(site, ins->package_id, w->server);
		first = known == NULL;
	}
	if (g_file_test(staged, G_FILE_TEST_EXISTS) && !sms_rm_rf(staged, error))
		return FALSE;
	if (site->self->copy_mode == SMS_COPY_LEGACY) {
		g_autoptr(GPtrArray) none = g_ptr_array_new();
		g_autofree char *stuck = NULL;
		if (!legacy_copy(tree, dest, "", none, &stuck, &copied, error))
			return FALSE;
	} else if (!swap_in(tree, dest, move_tree, &copied, error)) {
		return FALSE;
	}
	g_free(w->path);
	w->path = g_strdup(dest);
	w->state = ST_DONE;
	w->next_attempt = SMS_TIME_NONE;
	unc = despool_unc_path(site, w->server, dest);
	/* a new directory gets the package's permissions; later installs keep what is set */
	if (first) {
		g_autofree char *sdir = ins->job_type == SMS_JOB_SHARE_PACKAGE && ins->share_name
		                        ? share_of_path(site, w->server, dest)
		                        : g_strdup(ins->package_id);
		if (!sms_share_set_acl(site, w->server, sdir, acl, error))
			return FALSE;
	}
	if (!save_work(site, w, "installed", error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                 .event = "distribute.installed", .job = ins->job_id,
	                                 .package = ins->package_id, .server = w->server,
	                                 .detail = unc }, error,
	              "Package %s installed on %s as %s (%u file(s) installed)", ins->package_id,
	              w->server, unc, copied))
		return FALSE;
	if (!despool_report(site, ins, "location", w->server, NULL, SMS_STATUS_COMPLETE, dest, NULL, now,
	                    error))
		return FALSE;
	return despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, unc, now,
	                      error);
}

static gboolean
remove_now(SmsSite *site, const SmsInstruction *ins, Work *w, const char *dest, SmsTime now,
           GError **error)
{
	if (dest && g_file_test(dest, G_FILE_TEST_EXISTS) && !sms_rm_rf(dest, error))
		return FALSE;
	w->state = ST_DONE;
	w->next_attempt = SMS_TIME_NONE;
	if (!save_work(site, w, "removed", error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "package.removed",
	                                 .job = ins->job_id, .package = ins->package_id,
	                                 .server = w->server }, error,
	              "Package %s removed from %s", ins->package_id, w->server))
		return FALSE;
	if (!despool_report(site, ins, "location", w->server, NULL, SMS_STATUS_CANCELLED, dest, NULL, now,
	                    error))
		return FALSE;
	return despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, "removed",
	                      now, error);
}

/* The forced disconnection is due (t0 + (y+1)x + z): close the sessions still open,
 * install, restore the access exactly, tell the warned users the directory is ready. */
static gboolean
force_delivery(SmsSite *site, const SmsInstruction *ins, Work *w, const char *tree,
               const char *dest, gboolean recorded, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) warned = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                             sms_share_session_free);
	g_autofree char *sdir = share_dir_name(site, ins, w->server);
	g_autofree char *text = g_strdup_printf("The package directory %s on %s is ready again.",
	                                        sdir, w->server);
	sqlite3_stmt *st;
	gboolean row;

	if (!holders(site, ins, w->server, dest, recorded, now, &all, error))
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		SmsShareSession *s = all->pdata[i];
		if (s->id == 0) {
			/* a real lock: the process keeps its open file (the staged swap leaves it the
			 * old one); all we can do is say so */
			sms_log(site, DESP, now, "%s still holds %s on %s (pid %d): it keeps the old "
			        "file", s->user, s->file, w->server, s->pid);
			continue;
		}
		if (!sms_share_close_session(site, s->id, now, "forced disconnect", error))
			return FALSE;
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                 .event = "distribute.forced_disconnect",
		                                 .job = w->job, .package = ins->package_id,
		                                 .server = w->server, .machine = s->machine,
		                                 .user = s->user, .detail = s->file }, error,
		              "Forced disconnection of %s from %s (%s)", s->user, w->server, s->file))
			return FALSE;
	}
	if (!install_now(site, ins, w, tree, dest, FALSE, now, error))
		return FALSE;
	if (!sms_share_restore(site, w->server, sdir, error) ||
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                 .event = "share.access_restored", .job = w->job,
	                                 .package = ins->package_id, .server = w->server },
	              error, "Access to the package directory %s on %s restored",
	              sdir, w->server))
		return FALSE;
	/* the users warned for this job and server, once each, in the order they were */
	st = sms_db_stmt(site->db, "SELECT user, machine FROM user_messages WHERE job = ? AND "
	                 "server = ? AND text LIKE 'Warning:%' GROUP BY user ORDER BY min(id)",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, w->job);
	sms_db_bind_text(st, 2, w->server);
	for (;;) {
		SmsShareSession *s;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		s = g_new0(SmsShareSession, 1);
		s->user = sms_db_col_text(st, 0);
		s->machine = sms_db_col_text(st, 1);
		g_ptr_array_add(warned, s);
	}
	return notify_users(site, ins, warned, w->server, NULL, text, now, error);
}

/* An attempt failed for another reason than files in use (a full drive, a damaged
 * stored package, a file system error): retried on the retry interval like a locked
 * install, Failed after the 100th retry (KB Q128458, KB Q140374). */
gboolean
despool_retry_later(SmsSite *site, Work *w, const char *why, SmsTime now, GError **error)
{
	SmsTime x = (SmsTime)sms_response_retry_minutes(site->self->response) * SMS_MINUTE;
	g_autofree char *count = NULL;
	if (w->state == ST_PENDING || w->t0 == SMS_TIME_NONE) {
		w->state = ST_RETRYING;
		w->t0 = now;
		w->retries = 0;
	} else if (w->state == ST_RETRYING) {
		w->retries++;
	}
	count = g_strdup_printf("%d", w->retries);
	if (w->retries >= MAX_RETRIES) {
		w->state = ST_FAILED;
		w->next_attempt = SMS_TIME_NONE;
		if (!save_work(site, w, why, error))
			return FALSE;
		return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                   .event = "distribute.failed",
		                                   .severity = SMS_SEV_ERROR, .job = w->job,
		                                   .server = w->server, .detail = count }, error,
		                "%s; gave up after %d retries", why, w->retries);
	}
	w->next_attempt = now + x;
	if (!save_work(site, w, why, error))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                   .event = "distribute.error", .severity = SMS_SEV_ERROR,
	                                   .job = w->job, .server = w->server, .detail = count },
	                error, "%s (retry %d; next attempt %s)", why, w->retries,
	                sms_time_str(w->next_attempt));
}

/* A job sent without its package, for a server that does not have it either. */
static gboolean
nothing_to_install(SmsSite *site, const SmsInstruction *ins, Work *w, const char *recorded,
                   SmsTime now, GError **error)
{
	g_autofree char *unc = NULL;
	if (recorded) {
		/* the package is there already: the run phase offers it from there */
		unc = despool_unc_path(site, w->server, recorded);
		w->state = ST_DONE;
		w->next_attempt = SMS_TIME_NONE;
		g_free(w->path);
		w->path = g_strdup(recorded);
		return save_work(site, w, "already installed", error) &&
		       despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, unc, now,
		                      error);
	}
	w->state = ST_FAILED;
	w->next_attempt = SMS_TIME_NONE;
	return save_work(site, w, "no package", error) &&
	       sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                   .event = "distribute.failed", .severity = SMS_SEV_ERROR,
	                                   .job = w->job, .package = ins->package_id,
	                                   .server = w->server, .detail = "0" }, error,
	                "Job %s came without package %s, which is neither stored at this site nor "
	                "on %s", w->job, ins->package_id, w->server) &&
	       despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_FAILED, NULL, "no package",
	                      now, error);
}

/* One attempt (first try, retry or forced delivery) for one server. */
gboolean
despool_attempt(SmsSite *site, const Settings *cfg, Work *w, SmsTime now, GHashTable *trees,
                GHashTable *remaining, GError **error)
{
	g_autoptr(SmsInstruction) ins = NULL;
	g_autoptr(GPtrArray) held = NULL;
	gboolean removal = g_strcmp0(w->kind, "remove") == 0;
	SmsTime x = (SmsTime)sms_response_retry_minutes(site->self->response) * SMS_MINUTE;
	gboolean forced = cfg->forced && !removal && w->state != ST_CANCELLED;
	g_autofree char *dest = NULL;
	g_autofree char *recorded = NULL;
	const char *tree = NULL;
	guint64 bytes = 0;

	if (!despool_load_job(site, w->job, &ins, error))
		return FALSE;
	recorded = existing_path(site, ins->package_id, w->server);
	if (removal) {
		dest = g_strdup(recorded);
	} else {
		g_autofree char *store_file = NULL;
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT store_file FROM desp_jobs WHERE job = ?",
		                               error);
		gboolean row;
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, w->job);
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		store_file = row ? sms_db_col_text(st, 0) : NULL;
		sqlite3_reset(st);
		if (store_file == NULL)
			return nothing_to_install(site, ins, w, recorded, now, error);
		tree = g_hash_table_lookup(trees, store_file);
		if (tree == NULL) {
			char *dir = NULL;
			g_autoptr(GError) local = NULL;
			if (!extract_package(site, store_file, &dir, &bytes, &local)) {
				/* a full drive or a damaged store: retry later, the old package stays */
				g_autofree char *why = g_strdup_printf("Cannot decompress package of job %s: %s",
				                                       w->job, local->message);
				if (g_error_matches(local, SMS_ERROR, SMS_ERROR_FAULT)) {
					g_propagate_error(error, g_steal_pointer(&local));
					return FALSE;
				}
				return despool_retry_later(site, w, why, now, error);
			}
			g_hash_table_insert(trees, g_strdup(store_file), dir);
			tree = dir;
		}
		dest = install_path(site, ins, w->server, cfg->min_free, (gint64)(bytes >> 20));
	}

	if (!holders(site, ins, w->server, dest, recorded != NULL, now, &held, error))
		return FALSE;
	/* the forced disconnection is due */
	if (w->state == ST_REVOKED)
		return force_delivery(site, ins, w, tree, dest, recorded != NULL, now, error);

	if (held->len == 0) {
		gboolean last;
		if (removal)
			return remove_now(site, ins, w, dest, now, error);
		last = GPOINTER_TO_INT(g_hash_table_lookup(remaining, w->job)) <= 1 &&
		       site->self->copy_mode != SMS_COPY_LEGACY;
		if (!install_now(site, ins, w, tree, dest, last, now, error))
			return FALSE;
		if (last && !g_file_test(tree, G_FILE_TEST_EXISTS)) {
			/* moved into place: the pass must not remove it */
			gpointer k, v;
			GHashTableIter it;
			g_hash_table_iter_init(&it, trees);
			while (g_hash_table_iter_next(&it, &k, &v)) {
				if (g_strcmp0(v, tree) == 0) {
					g_hash_table_iter_steal(&it);
					g_free(k);
					g_free(v);
					break;
				}
			}
		}
		if (w->retries > 0 && !despool_report(site, ins, "site", NULL, NULL, SMS_STATUS_ACTIVE, NULL,
		                                      "Distributing", now, error))
			return FALSE;
		return TRUE;
	}

	/* files in use */
	if (!removal && site->self->copy_mode == SMS_COPY_LEGACY && g_file_test(dest, G_FILE_TEST_IS_DIR)) {
		g_autofree char *stuck = NULL;
		guint copied = 0;
		if (!legacy_copy(tree, dest, "", held, &stuck, &copied, error))
			return FALSE;
		if (stuck == NULL)
			return install_now(site, ins, w, tree, dest, FALSE, now, error);
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                 .event = "distribute.partial", .job = w->job,
		                                 .package = ins->package_id, .server = w->server,
		                                 .detail = stuck }, error,
		              "Legacy copy to %s stopped at %s (in use) after %u changed file(s): the "
		              "directory now holds a mix of old and new files", dest, stuck, copied))
			return FALSE;
	}
	{
		int k;
		SmsShareSession *first = held->pdata[0];
		g_autofree char *count = NULL;
		/* the retry counter counts failed attempts: 0 for the first one at t0, then one
		 * per retry (it lives in desp_work, so it survives restarts) */
		if (w->state == ST_PENDING) {
			w->t0 = now;
			w->state = ST_RETRYING;
			k = 0;
		} else {
			k = w->retries + 1;
		}
		w->retries = k;
		count = g_strdup_printf("%d", k);
		if (forced && (guint32)k > cfg->retries) {
			/* x*(y+1): revoke, warn, deliver after z minutes */
			g_autofree char *sdir = share_dir_name(site, ins, w->server);
			g_autofree char *text = g_strdup_printf("Warning: the package directory %s on %s "
			                                        "will be updated in %u minutes. Close the "
			                                        "files you have open there or you will be "
			                                        "disconnected.", sdir,
			                                        w->server, cfg->delay);
			w->state = ST_REVOKED;
			w->forced_at = now + (SmsTime)cfg->delay * SMS_MINUTE;
			w->next_attempt = w->forced_at;
			if (!save_work(site, w, "access revoked, forced disconnection pending", error))
				return FALSE;
			if (!sms_share_revoke(site, w->server, sdir, error) ||
			    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
			                                 .event = "share.access_revoked", .job = w->job,
			                                 .package = ins->package_id, .server = w->server,
			                                 .detail = site->self->service_account }, error,
			              "Retry count %d exceeds %u: access to %s on %s revoked for everyone "
			              "but %s", k, cfg->retries, sdir, w->server,
			              site->self->service_account))
				return FALSE;
			return notify_users(site, ins, held, w->server, "distribute.forced_warning", text,
			                    now, error);
		}
		if (!forced && k >= MAX_RETRIES) {
			w->state = ST_FAILED;
			w->next_attempt = SMS_TIME_NONE;
			if (!save_work(site, w, "files in use: gave up after 100 retries", error))
				return FALSE;
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
			                                 .event = "distribute.failed",
			                                 .severity = SMS_SEV_ERROR, .job = w->job,
			                                 .package = ins->package_id, .server = w->server,
			                                 .detail = count }, error,
			              "%s of package %s on %s failed: files still in use after %d retries",
			              removal ? "Removal" : "Installation", ins->package_id, w->server, k))
				return FALSE;
			return despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_FAILED, NULL,
			                      "files in use", now, error);
		}
		/* one interval after this attempt was due: t0 + (k+1)x while on schedule */
		w->next_attempt = (w->next_attempt != SMS_TIME_NONE && w->next_attempt <= now ?
		                   w->next_attempt : now) + x;
		if (w->next_attempt <= now)
			w->next_attempt = now + x;
		if (!save_work(site, w, "files in use", error))
			return FALSE;
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                 .event = "distribute.locked", .job = w->job,
		                                 .package = ins->package_id, .server = w->server,
		                                 .user = first->user, .detail = count }, error,
		              "%s of package %s on %s failed: %s is in use by %s (retry %d; next "
		              "attempt %s)", removal ? "Removal" : "Installation", ins->package_id,
		              w->server, first->file, first->user, k, sms_time_str(w->next_attempt)))
			return FALSE;
		if (k == 0)
			return despool_report(site, ins, "server", w->server, NULL, SMS_STATUS_RETRYING, NULL,
			                      "files in use", now, error);
		return TRUE;
	}
}
