/* logon.c -- Maintenance Manager (instruction replication to every logon server,
 * client status back to the site server, SMS ID ranges), SMS ID allocation
 * (KB Q127052) and a user logging on at a workstation (SMSLS, KB Q121387). */
#include "components.h"
#include "atomic.h"
#include "boxwatch.h"
#include "db.h"
#include "ini.h"
#include "logon.h"
#include "mif.h"
#include "pdf.h"
#include "smsini.h"

#include <stdio.h>
#include <zlib.h>
#include <sys/stat.h>

G_DEFINE_QUARK(sms-logon-error-quark, sms_logon_error)

#define LOGON "logon"

/* logon_replicated: per domain and logon server, the master directory's mtime (ns) and
 * generation when its files were last copied there. logon_master: per domain, a counter
 * the Despooler raises with every change it makes to the master directory
 * (sms_logon_master_changed), in its own transaction. A change is seen through the
 * counter even when the file system's timestamp granularity leaves the directory's mtime
 * as it was, so replication does not depend on the host's file times (version 2 looked
 * again at the next poll when the copy was within 20 ms of the mtime: a wake-up that
 * came or not with the speed of the host). The mtime still catches a change made by hand.
 * The racy column is no longer used (0). */
static const SmsMigration logon_migrations[] = {
	{ 1,
	  "CREATE TABLE logon_dirs(dir TEXT PRIMARY KEY, mtime INTEGER NOT NULL);"
	},
	{ 2,
	  "DROP TABLE logon_dirs;"
	  "CREATE TABLE logon_replicated(domain TEXT NOT NULL, server TEXT NOT NULL,"
	  "  mtime INTEGER NOT NULL, racy INTEGER NOT NULL DEFAULT 0,"
	  "  PRIMARY KEY (domain, server));"
	},
	{ 3,
	  "CREATE TABLE logon_master(domain TEXT PRIMARY KEY, gen INTEGER NOT NULL);"
	  "ALTER TABLE logon_replicated ADD COLUMN gen INTEGER NOT NULL DEFAULT -1;"
	},
};

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, LOGON, logon_migrations, G_N_ELEMENTS(logon_migrations),
	                      error);
}

/* One statement with its arguments (lib/db.h). */
#define exec_args(site, error, ...) sms_db_execf((site)->db, error, __VA_ARGS__)

static gint64
mtime_ns(const struct stat *sb)
{
	return (gint64)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static gint64
dir_mtime(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) < 0)
		return -1;
	return mtime_ns(&sb);
}

static GPtrArray *
list_dir(const char *dir, const char *suffix)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL)
		if (suffix == NULL || g_str_has_suffix(name, suffix))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	return names;
}

/* A logon server is reachable when its LOGON.SRV directory exists (looked at again only
 * after something changed in its parent, lib/boxwatch.h). */
static gboolean
server_reachable(SmsSite *site, const char *server)
{
	g_autofree char *dir = sms_layout_logon_srv(site, server);
	g_autofree char *parent = g_path_get_dirname(dir);
	g_autofree char *key = g_strconcat("logon-reachable:", dir, NULL);
	gboolean yes;
	SmsBoxToken t;
	if (sms_box_answer_get(key, &yes))
		return yes;
	t = sms_box_watch(key, parent, site->root);
	yes = g_file_test(dir, G_FILE_TEST_IS_DIR);
	sms_box_answer_put(t, yes);
	return yes;
}

static gboolean
is_local_logon_server(SmsSite *site, const char *name)
{
	SmsServerDef *s = sms_world_def_server(site->def, name);
	return s && sms_str_equal_ci(s->site, site->code) && (s->roles & SMS_ROLE_LOGON);
}

/* ---- instruction replication ------------------------------------------------------- */

typedef struct {
	gint64 mtime;
	gint64 gen;
	gboolean known;
} Replicated;

gboolean
sms_logon_master_changed(SmsSite *site, const char *domain, GError **error)
{
	return ensure_schema(site, error) &&
	       exec_args(site, error, "INSERT INTO logon_master(domain, gen) VALUES (?, 1) ON "
	                 "CONFLICT(domain) DO UPDATE SET gen = gen + 1", "s", domain);
}

static gint64
master_gen(SmsSite *site, const char *domain)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT gen FROM logon_master WHERE domain = ?",
	                               NULL);
	gboolean row;
	gint64 gen = 0;
	if (st == NULL)
		return 0;
	sms_db_bind_text(st, 1, domain);
	if (sms_db_step(site->db, st, &row, NULL) && row)
		gen = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return gen;
}

static Replicated
replicated_get(SmsSite *site, const char *domain, const char *server)
{
	Replicated r = { -1, -1, FALSE };
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT mtime, gen FROM logon_replicated WHERE "
	                               "domain = ? AND server = ?", NULL);
	gboolean row;
	if (st == NULL)
		return r;
	sms_db_bind_text(st, 1, domain);
	sms_db_bind_text(st, 2, server);
	if (sms_db_step(site->db, st, &row, NULL) && row) {
		r.mtime = sqlite3_column_int64(st, 0);
		r.gen = sqlite3_column_int64(st, 1);
		r.known = TRUE;
	}
	sqlite3_reset(st);
	return r;
}

/* The same file: a hard link to it (the master is replaced by rename, so its new file
 * cannot have the inode the copy still holds), or, for a copy on another file system,
 * the same size and modification time (copies keep the master's mtime). */
static gboolean
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return FALSE;
	if (sa.st_dev == sb.st_dev)
		return sa.st_ino == sb.st_ino;
	return sa.st_size == sb.st_size && mtime_ns(&sa) == mtime_ns(&sb);
}

/* Atomically put a copy of the master file on a logon server. Master files are only ever
 * replaced by rename (never written in place), so on the same file system a hard link
 * is a faithful copy that costs no new inode; across file systems the bytes are copied
 * (temp + rename, mtime kept). */
static gboolean
replicate_file(const char *src, const char *dst, GError **error)
{
	g_autofree char *tmp = g_strdup_printf("%s.lnk", dst);
	(void)unlink(tmp);
	if (link(src, tmp) == 0) {
		if (rename(tmp, dst) == 0)
			return TRUE;
		(void)unlink(tmp);
		return sms_throw_errno(error, "replicating %s to %s", src, dst);
	}
	if (errno == ENOENT && !g_file_test(src, G_FILE_TEST_EXISTS))
		return TRUE;   /* removed by the Despooler meanwhile: the next pass deletes it */
	return sms_atomic_copy(src, dst, SMS_SYNC_NONE, error);
}

/* The domains of this site whose logon servers include `server`. */
static GPtrArray *
domains_of(SmsSite *site, const char *server)
{
	GPtrArray *out = g_ptr_array_new();
	for (guint i = 0; i < site->def->domains->len; i++) {
		SmsDomainDef *d = site->def->domains->pdata[i];
		if (!sms_str_equal_ci(d->site, site->code))
			continue;
		for (guint k = 0; k < d->logon_servers->len; k++)
			if (sms_str_equal_ci(d->logon_servers->pdata[k], server)) {
				g_ptr_array_add(out, d);
				break;
			}
	}
	return out;
}

/* The logon servers of the site's domains, each once, in domain and list order. */
static GPtrArray *
replication_servers(SmsSite *site)
{
	GPtrArray *out = g_ptr_array_new();
	for (guint i = 0; i < site->def->domains->len; i++) {
		SmsDomainDef *d = site->def->domains->pdata[i];
		if (!sms_str_equal_ci(d->site, site->code))
			continue;
		for (guint k = 0; k < d->logon_servers->len; k++) {
			gboolean seen = FALSE;
			for (guint j = 0; j < out->len && !seen; j++)
				seen = sms_str_equal_ci(out->pdata[j], d->logon_servers->pdata[k]);
			if (!seen)
				g_ptr_array_add(out, d->logon_servers->pdata[k]);
		}
	}
	return out;
}

/* Bring one logon server's instruction box up to date with the master directories of
 * every domain it serves (one box holds the files of all of them): copy what changed,
 * remove what no master has any more. *n_out = files changed. */
static gboolean
sync_box(SmsSite *site, const char *server, GPtrArray *domains, GHashTable *changed_ids,
         guint *n_out, GError **error)
{
	g_autofree char *box = sms_layout_pcins(site, server);
	g_autoptr(GPtrArray) copies = NULL;
	g_autoptr(GHashTable) keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	SmsBatch batch;
	guint n = 0;
	if (!sms_mkdir_p(box, error))
		return FALSE;
	sms_batch_init(&batch, box);
	for (guint d = 0; d < domains->len; d++) {
		SmsDomainDef *dom = domains->pdata[d];
		g_autofree char *master = sms_layout_pcmdom(site, dom->name);
		g_autoptr(GPtrArray) files = list_dir(master, ".INS");
		for (guint i = 0; i < files->len; i++) {
			const char *name = files->pdata[i];
			g_autofree char *src = NULL;
			g_autofree char *dst = NULL;
			if (!g_hash_table_add(keep, g_strdup(name)))
				continue;   /* one SMS ID in two domains: the first domain's file */
			src = g_build_filename(master, name, NULL);
			dst = g_build_filename(box, name, NULL);
			if (same_file(src, dst))
				continue;
			if (!replicate_file(src, dst, error)) {
				sms_batch_clear(&batch);
				return FALSE;
			}
			batch.written++;
			n++;
			g_hash_table_add(changed_ids, g_strdup(name));
		}
	}
	/* files no master has any more, and leftovers of an interrupted copy */
	copies = list_dir(box, NULL);
	for (guint i = 0; i < copies->len; i++) {
		const char *name = copies->pdata[i];
		g_autofree char *p = NULL;
		gboolean ins = g_str_has_suffix(name, ".INS");
		if (g_hash_table_contains(keep, name) || (!ins && !g_str_has_suffix(name, ".lnk")))
			continue;
		p = g_build_filename(box, name, NULL);
		if (unlink(p) < 0 && errno != ENOENT) {
			sms_batch_clear(&batch);
			return sms_throw_errno(error, "removing %s", p);
		}
		if (ins) {
			batch.written++;
			n++;
			g_hash_table_add(changed_ids, g_strdup(name));
		}
	}
	if (!sms_batch_commit(&batch, error)) {
		sms_batch_clear(&batch);
		return FALSE;
	}
	sms_batch_clear(&batch);
	*n_out = n;
	return TRUE;
}

/* Has a master directory of `domains` changed since it was copied to `server`? */
static gboolean
server_due(SmsSite *site, const char *server, GPtrArray *domains)
{
	for (guint d = 0; d < domains->len; d++) {
		SmsDomainDef *dom = domains->pdata[d];
		g_autofree char *master = NULL;
		Replicated r = replicated_get(site, dom->name, server);
		if (!r.known || r.gen != master_gen(site, dom->name))
			return TRUE;
		master = sms_layout_pcmdom(site, dom->name);
		if (r.mtime != dir_mtime(master))
			return TRUE;
	}
	return FALSE;
}

static gboolean
replicate_server(SmsSite *site, const char *server, GHashTable *changed_ids, SmsTime now,
                 GError **error)
{
	g_autoptr(GPtrArray) domains = domains_of(site, server);
	g_autoptr(GArray) mtimes = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) gens = g_array_new(FALSE, FALSE, sizeof(gint64));
	guint n = 0;
	if (!server_due(site, server, domains))
		return TRUE;
	if (!server_reachable(site, server)) {
		/* caught up when it is back */
		sms_log(site, LOGON, now, "Logon server %s is not reachable; its instruction files "
		        "wait for it", server);
		return TRUE;
	}
	/* the directories' times and generations before they are listed: a change while
	 * copying is seen at the next pass */
	for (guint d = 0; d < domains->len; d++) {
		SmsDomainDef *dom = domains->pdata[d];
		g_autofree char *master = sms_layout_pcmdom(site, dom->name);
		gint64 mt = dir_mtime(master), gen = master_gen(site, dom->name);
		g_array_append_val(mtimes, mt);
		g_array_append_val(gens, gen);
	}
	if (!sync_box(site, server, domains, changed_ids, &n, error))
		return FALSE;
	if (n > 0) {
		g_autofree char *count = g_strdup_printf("%u", n);
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON,
		                                 .event = "ins.replicated", .server = server,
		                                 .detail = count }, error,
		              "Replicated %u instruction file change(s) to logon server %s", n, server))
			return FALSE;
	}
	for (guint d = 0; d < domains->len; d++) {
		SmsDomainDef *dom = domains->pdata[d];
		if (!exec_args(site, error, "INSERT INTO logon_replicated(domain, server, mtime, gen) "
		               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(domain, server) DO UPDATE SET "
		               "mtime = ?3, gen = ?4, racy = 0", "ssii", dom->name, server,
		               g_array_index(mtimes, gint64, d), g_array_index(gens, gint64, d)))
			return FALSE;
	}
	return TRUE;
}

static gboolean
replicate_all(SmsSite *site, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) servers = replication_servers(site);
	g_autoptr(GHashTable) changed_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                          NULL);
	g_autoptr(GList) keys = NULL;
	for (guint i = 0; i < servers->len; i++)
		if (!replicate_server(site, servers->pdata[i], changed_ids, now, error))
			return FALSE;
	/* the PCMs whose file changed read it at their next poll */
	keys = g_hash_table_get_keys(changed_ids);
	keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
	for (GList *l = keys; l; l = l->next) {
		const char *name = l->data;
		g_autofree char *smsid = g_strndup(name, strlen(name) - 4);
		if (!sms_pcm_file_changed(site, smsid, now, error))
			return FALSE;
	}
	return TRUE;
}

/* ---- client status to the site server ------------------------------------------------- */

static gboolean
move_file(const char *src, const char *dst, GError **error)
{
	/* same file system: one atomic rename; across file systems copy, then remove */
	if (rename(src, dst) == 0)
		return TRUE;
	if (errno == ENOENT)
		return TRUE;   /* moved already (an earlier pass, or together with its .SNI) */
	if (errno != EXDEV)
		return sms_throw_errno(error, "moving %s to %s", src, dst);
	if (!sms_atomic_copy(src, dst, SMS_SYNC_FILE, error))
		return FALSE;
	if (unlink(src) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "removing %s", src);
	return TRUE;
}

/* The status MIF an .SNI names (our PCM: same base name, .PCK). */
static char *
sni_mif_name(const char *box, const char *sni_name)
{
	g_autofree char *path = g_build_filename(box, sni_name, NULL);
	g_autoptr(SmsSni) sni = NULL;
	if (sms_sni_load(path, &sni, NULL) && sni->mif && sms_path_is_safe_relative(sni->mif) &&
	    strchr(sni->mif, '/') == NULL)
		return g_strdup(sni->mif);
	return g_strdup_printf("%.*s.PCK", (int)strlen(sni_name) - 4, sni_name);
}

/* Status files of one logon server to RECEIVE. Status MIFs (.PCK) go first; an .SNI
 * whose MIF arrived after the listing takes its MIF along first, so the Despooler never
 * sees an .SNI without the MIF it names (KB Q138241). */
static gboolean
collect_server(SmsSite *site, const char *server, const char *receive, SmsTime now,
               guint *moved, GError **error)
{
	g_autofree char *box = sms_layout_logon_despool(site, server);
	g_autoptr(GPtrArray) pcks = list_dir(box, ".PCK");
	g_autoptr(GPtrArray) snis = NULL;
	gboolean any = FALSE;
	for (guint f = 0; f < pcks->len; f++) {
		g_autofree char *src = g_build_filename(box, pcks->pdata[f], NULL);
		g_autofree char *dst = g_build_filename(receive, pcks->pdata[f], NULL);
		if (!move_file(src, dst, error))
			return FALSE;
		any = TRUE;
		(*moved)++;
	}
	snis = list_dir(box, ".SNI");
	if (snis->len > 0 && any && !sms_fsync_dir(receive, error))
		return FALSE;
	for (guint f = 0; f < snis->len; f++) {
		const char *name = snis->pdata[f];
		g_autofree char *mif = sni_mif_name(box, name);
		g_autofree char *msrc = g_build_filename(box, mif, NULL);
		g_autofree char *src = g_build_filename(box, name, NULL);
		g_autofree char *dst = g_build_filename(receive, name, NULL);
		if (g_file_test(msrc, G_FILE_TEST_EXISTS)) {
			g_autofree char *mdst = g_build_filename(receive, mif, NULL);
			if (!move_file(msrc, mdst, error) || !sms_fsync_dir(receive, error))
				return FALSE;
			(*moved)++;
		}
		if (!move_file(src, dst, error))
			return FALSE;
		any = TRUE;
		(*moved)++;
	}
	if (any) {
		if (!sms_fsync_dir(receive, error))
			return FALSE;
		sms_log(site, LOGON, now, "Moved %u client status file(s) from %s to the site server",
		        pcks->len + snis->len, server);
	}
	return TRUE;
}

static gboolean
collect_status(SmsSite *site, SmsTime now, GError **error)
{
	g_autofree char *receive = sms_layout_receive(site);
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		guint moved = 0;
		if (!sms_str_equal_ci(s->site, site->code) || !(s->roles & SMS_ROLE_LOGON) ||
		    !server_reachable(site, s->name))
			continue;
		if (!collect_server(site, s->name, receive, now, &moved, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
status_waiting(SmsSite *site)
{
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		g_autofree char *box = NULL;
		g_autoptr(GDir) d = NULL;
		const char *name;
		if (!sms_str_equal_ci(s->site, site->code) || !(s->roles & SMS_ROLE_LOGON))
			continue;
		box = sms_layout_logon_despool(site, s->name);
		{
			/* the box is listed again only after something changed in it */
			g_autofree char *key = g_strconcat("logon-status:", box, NULL);
			gboolean waiting = FALSE;
			SmsBoxToken t;
			if (sms_box_answer_get(key, &waiting)) {
				if (waiting)
					return TRUE;
				continue;
			}
			t = sms_box_watch(key, box, site->root);
			d = g_dir_open(box, 0, NULL);
			while (!waiting && d && (name = g_dir_read_name(d)) != NULL)
				waiting = g_str_has_suffix(name, ".SNI") || g_str_has_suffix(name, ".PCK");
			sms_box_answer_put(t, waiting);
			if (waiting)
				return TRUE;
		}
	}
	return FALSE;
}

/* ---- SMS IDs ---------------------------------------------------------------------- */

static gboolean
smsid_split(const char *id, guint64 *range, guint64 *seq)
{
	char r[3] = { 0 };
	if (!sms_smsid_is_valid(id))
		return FALSE;
	memcpy(r, id + 3, 2);
	return sms_base36_parse(r, range) && sms_base36_parse(id + 5, seq);
}

gboolean
sms_smsid_next(const char *id, char **out, GError **error)
{
	guint64 range, seq;
	char s[4];
	if (!smsid_split(id, &range, &seq))
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_BAD_UID, "'%s' is not an "
		                        "SMS ID (expected 8 characters 0-9, A-Z)", id);
	if (!sms_base36(seq + 1, 3, s))
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_RANGE_EXHAUSTED,
		                        "SMS ID range %.5s is used up (sequence ZZZ); the Maintenance "
		                        "Manager issues a new range at its next poll", id);
	*out = g_strdup_printf("%.5s%s", id, s);
	return TRUE;
}

/* The .UID file names in dir; readdir may miss a file renamed while it reads, so an
 * empty listing is looked at twice more. */
static GPtrArray *
list_uids(const char *dir)
{
	GPtrArray *uids = NULL;
	for (int i = 0; i < 3; i++) {
		if (uids)
			g_ptr_array_unref(uids);
		uids = list_dir(dir, ".UID");
		if (uids->len > 0)
			break;
	}
	return uids;
}

gboolean
sms_logon_peek_smsid(SmsSite *site, const char *server, char **out, GError **error)
{
	g_autofree char *up = sms_strup(server);
	g_autofree char *dir = sms_layout_smsid(site, up);
	g_autoptr(GPtrArray) uids = list_uids(dir);
	if (uids->len == 0)
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_NO_UID_FILE,
		                        "%s: no <next SMS ID>.UID file (the Maintenance Manager creates "
		                        "one at its next poll)", dir);
	*out = g_strndup(uids->pdata[0], strlen(uids->pdata[0]) - 4);
	return TRUE;
}

gboolean
sms_logon_take_smsid(SmsSite *site, const char *server, char **out, GError **error)
{
	g_autofree char *up = sms_strup(server);
	g_autofree char *dir = sms_layout_smsid(site, up);
	for (int attempt = 0; attempt < 30; attempt++) {
		g_autoptr(GPtrArray) uids = list_uids(dir);
		g_autofree char *id = NULL;
		g_autofree char *next = NULL;
		g_autofree char *from = NULL;
		g_autofree char *to = NULL;
		if (uids->len == 0)
			return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_NO_UID_FILE,
			                        "%s: no <next SMS ID>.UID file (the Maintenance Manager "
			                        "creates one at its next poll)", dir);
		id = g_strndup(uids->pdata[0], strlen(uids->pdata[0]) - 4);
		if (!g_str_has_prefix(id, site->code) || !sms_smsid_next(id, &next, error)) {
			if (error && *error == NULL)
				return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_BAD_UID,
				                        "%s/%s: not an SMS ID of site %s", dir,
				                        (char *)uids->pdata[0], site->code);
			g_prefix_error(error, "%s: ", dir);
			return FALSE;
		}
		from = g_build_filename(dir, uids->pdata[0], NULL);
		to = g_strdup_printf("%s/%s.UID", dir, next);
		/* the client whose rename succeeds owns the ID (KB Q127052) */
		if (rename(from, to) == 0) {
			*out = g_steal_pointer(&id);
			return TRUE;
		}
		if (errno != ENOENT)
			return sms_throw_errno(error, "Unexpected error creating the Unique Id file %s",
			                       to);
		/* '#': someone else took it; look again after a short, growing pause */
		g_usleep(200 * (gulong)(attempt + 1) + (gulong)g_random_int_range(0, 500));
	}
	return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_BUSY,
	                        "%s: no SMS ID after 30 attempts (too many clients at once)", dir);
}

/* A range no logon server of the site used: above the counter, the ranges handed out at
 * site creation (01.. in server order) and every range in a .UID file now. */
static gboolean
new_range(SmsSite *site, guint64 *out, GError **error)
{
	guint64 top = 0, n_servers = 0;
	sqlite3_stmt *st;
	gboolean row;
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		g_autofree char *dir = NULL;
		g_autoptr(GPtrArray) uids = NULL;
		if (!sms_str_equal_ci(s->site, site->code) || !(s->roles & SMS_ROLE_LOGON))
			continue;
		n_servers++;
		dir = sms_layout_smsid(site, s->name);
		uids = list_dir(dir, ".UID");
		for (guint k = 0; k < uids->len; k++) {
			guint64 r, q;
			g_autofree char *id = g_strndup(uids->pdata[k], strlen(uids->pdata[k]) - 4);
			if (smsid_split(id, &r, &q) && r > top)
				top = r;
		}
	}
	top = MAX(top, n_servers);
	st = sms_db_stmt(site->db, "SELECT value FROM counters WHERE name = 'smsid_range'", error);
	if (st == NULL || !sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row && (guint64)sqlite3_column_int64(st, 0) > top)
		top = (guint64)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (top + 1 >= 36 * 36)
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_RANGE_EXHAUSTED,
		                        "site %s has used every SMS ID range", site->code);
	if (!exec_args(site, error, "INSERT INTO counters(name, value) VALUES ('smsid_range', ?1) "
	               "ON CONFLICT(name) DO UPDATE SET value = ?1", "i", (gint64)(top + 1)))
		return FALSE;
	*out = top + 1;
	return TRUE;
}

/* Maintenance Manager: a new range for a server whose sequence passed Y00, a new .UID
 * file where none is. */
static gboolean
maintain_uid(SmsSite *site, const char *server, SmsTime now, GError **error)
{
	g_autofree char *dir = sms_layout_smsid(site, server);
	g_autoptr(GPtrArray) uids = list_uids(dir);
	g_autofree char *from = NULL;
	g_autofree char *to = NULL;
	guint64 range, seq;
	char r[3];
	if (uids->len > 0) {
		g_autofree char *id = g_strndup(uids->pdata[0], strlen(uids->pdata[0]) - 4);
		if (!smsid_split(id, &range, &seq) || seq <= SMS_SMSID_RANGE_END)
			return TRUE;
		from = g_build_filename(dir, uids->pdata[0], NULL);
	}
	if (!new_range(site, &range, error))
		return FALSE;
	sms_base36(range, 2, r);
	to = g_strdup_printf("%s/%s%s000.UID", dir, site->code, r);
	if (from) {
		if (rename(from, to) < 0) {
			if (errno == ENOENT)
				return TRUE;   /* a client renamed it meanwhile: next poll */
			return sms_throw_errno(error, "renaming %s to %s", from, to);
		}
	} else if (!sms_mkdir_p(dir, error) ||
	           !sms_atomic_write(to, "", 0, 0644, SMS_SYNC_FILE, error)) {
		return FALSE;
	}
	return sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON,
	                                   .event = "smsid.range", .server = server, .detail = r },
	                error, "New SMS ID range %s for logon server %s (%s)", r, server,
	                from ? "the sequence passed Y00" : "its .UID file was missing");
}

static gboolean
uid_due_listed(const char *dir)
{
	g_autoptr(GPtrArray) uids = list_dir(dir, ".UID");
	guint64 range, seq;
	g_autofree char *id = NULL;
	if (uids->len == 0)
		return TRUE;
	id = g_strndup(uids->pdata[0], strlen(uids->pdata[0]) - 4);
	return smsid_split(id, &range, &seq) && seq > SMS_SMSID_RANGE_END;
}

/* The SMSID directory is listed again only after something changed in it. */
static gboolean
uid_due(SmsSite *site, const char *server)
{
	g_autofree char *dir = sms_layout_smsid(site, server);
	g_autofree char *key = g_strconcat("logon-uid:", dir, NULL);
	gboolean due;
	SmsBoxToken t;
	if (sms_box_answer_get(key, &due))
		return due;
	t = sms_box_watch(key, dir, site->root);
	due = uid_due_listed(dir);
	sms_box_answer_put(t, due);
	return due;
}

/* ---- the pass ------------------------------------------------------------------------ */

gboolean
sms_logon_pass(SmsSite *site, SmsTime now, GError **error)
{
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
	    !replicate_all(site, now, error))
		return FALSE;
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		if (sms_str_equal_ci(s->site, site->code) && (s->roles & SMS_ROLE_LOGON) &&
		    server_reachable(site, s->name) && uid_due(site, s->name) &&
		    !maintain_uid(site, s->name, now, error))
			return FALSE;
	}
	if (sms_fault("logon-before-commit", error) || !sms_txn_commit(&txn, error))
		return FALSE;
	return collect_status(site, now, error);
}

static SmsTime next_wakeup(SmsSite *site, SmsTime now);

SmsTime
sms_logon_next_wakeup(SmsSite *site, SmsTime now)
{
	SmsTime t;
	/* changes nothing: the boxes' event queue is read once */
	sms_box_quiet_begin();
	t = next_wakeup(site, now);
	sms_box_quiet_end();
	return t;
}

static SmsTime
next_wakeup(SmsSite *site, SmsTime now)
{
	g_autoptr(GError) error = NULL;
	if (!ensure_schema(site, &error))
		return SMS_TIME_NEVER;
	{
		g_autoptr(GPtrArray) servers = replication_servers(site);
		for (guint i = 0; i < servers->len; i++) {
			g_autoptr(GPtrArray) domains = NULL;
			if (!server_reachable(site, servers->pdata[i]))
				continue;   /* nothing to do until it is back */
			domains = domains_of(site, servers->pdata[i]);
			if (server_due(site, servers->pdata[i], domains))
				return sms_poll_ceil(site, now);
		}
	}
	if (status_waiting(site))
		return sms_poll_ceil(site, now);
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		if (sms_str_equal_ci(s->site, site->code) && (s->roles & SMS_ROLE_LOGON) &&
		    server_reachable(site, s->name) && uid_due(site, s->name))
			return sms_poll_ceil(site, now);
	}
	return SMS_TIME_NEVER;
}

/* ---- logon (SMSLS) ----------------------------------------------------------------- */

gboolean
sms_logon_choose_server(SmsSite *site, const char *domain, const char *current,
                        char **out_server, GPtrArray **out_servers, GError **error)
{
	SmsDomainDef *d = sms_world_def_domain(site->def, domain ? domain : "");
	g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func(g_free);
	const char *chosen = NULL;
	if (d == NULL)
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_UNKNOWN_MACHINE,
		                        "domain %s is not a domain of site %s", domain ? domain : "(none)",
		                        site->code);
	for (guint i = 0; i < d->logon_servers->len; i++)
		if (server_reachable(site, d->logon_servers->pdata[i]))   /* a missing one is skipped */
			g_ptr_array_add(servers, g_strdup(d->logon_servers->pdata[i]));
	/* CurrentLogonServer first (SMS 1.2), then the listed ones */
	if (current && is_local_logon_server(site, current) && server_reachable(site, current)) {
		for (guint i = 0; i < servers->len; i++)
			if (sms_str_equal_ci(servers->pdata[i], current))
				chosen = servers->pdata[i];
	}
	if (chosen == NULL && servers->len > 0)
		chosen = servers->pdata[0];
	if (chosen == NULL)
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_NO_LOGON_SERVER,
		                        "no logon server of domain %s is reachable (none of its "
		                        "LOGON.SRV directories exists)", d->name);
	*out_server = g_strdup(chosen);
	if (out_servers)
		*out_servers = g_steal_pointer(&servers);
	return TRUE;
}

typedef struct {
	char *domain, *platform, *smsid;
} MachineRow;

static void
machine_row_clear(MachineRow *m)
{
	g_free(m->domain);
	g_free(m->platform);
	g_free(m->smsid);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MachineRow, machine_row_clear)

static gboolean
load_machine(SmsSite *site, const char *name, MachineRow *m, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT domain, platform, smsid FROM machines WHERE "
	                               "name = ? AND site = ?", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, name);
	sms_db_bind_text(st, 2, site->code);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row)
		return sms_throw_domain(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_UNKNOWN_MACHINE,
		                        "workstation %s is not in a domain of site %s (add it to a "
		                        "[Workstations] section of site.ini)", name, site->code);
	m->domain = sms_db_col_text(st, 0);
	m->platform = sms_db_col_text(st, 1);
	m->smsid = sms_db_col_text(st, 2);
	sqlite3_reset(st);
	return TRUE;
}

/* Another machine registered with this SMS ID (a copied SMS.INI)? */
static gboolean
smsid_taken_by_other(SmsSite *site, const char *smsid, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT 1 FROM machines WHERE smsid = ? AND name <> ?",
	                               NULL);
	gboolean row = FALSE;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, smsid);
	sms_db_bind_text(st, 2, machine);
	if (!sms_db_step(site->db, st, &row, NULL))
		row = FALSE;
	sqlite3_reset(st);
	return row;
}

/* Set the Server1..8 list: the reachable logon servers of the domain, in order. */
static void
set_servers(SmsSmsIni *ini, GPtrArray *servers)
{
	g_ptr_array_set_size(ini->servers, 0);
	for (guint i = 0; i < servers->len && i < SMS_SMSINI_MAX_SERVERS; i++)
		g_ptr_array_add(ini->servers, g_strdup(servers->pdata[i]));
}

static void
replace(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

/* OS= of [SMS] as Client Setup wrote it: a number (SMS 1.2 Resource Guide, "SMS.INI":
 * 1 MS-DOS, 2 Windows 3.x, 3 OS/2, 4 Windows NT, 5 Windows 95); 0 for a platform the
 * table does not have (Macintosh keeps its SMS.INI elsewhere). */
static int
os_code(guint32 platform)
{
	if (platform & SMS_PLATFORM_WIN95)
		return 5;
	if (platform & (SMS_PLATFORM_WIN32_X86 | SMS_PLATFORM_WIN32_MIPS | SMS_PLATFORM_WIN32_ALPHA))
		return 4;
	if (platform & SMS_PLATFORM_WIN16)
		return 2;
	if (platform & SMS_PLATFORM_MSDOS)
		return 1;
	return 0;
}

/* Keys a client gets from Client Setup and the Inventory Agent: OS= (always rewritten:
 * the running platform), and the ones Audit needs non-blank (KB Q195823) that a real
 * SMS.INI has ([Local] NetCardID, SystemRole, SystemType as in the sample SMS.INI of
 * the SMS 1.2 Resource Guide), set only when the file lacks them. The network card ID
 * is made up from the computer name (a locally administered address, 02:...), so it
 * is stable from logon to logon. */
static void
client_identity(SmsSmsIni *ini, const char *machine, const char *platform_name)
{
	guint32 platform = platform_name ? sms_platform_from_name(platform_name) : 0;
	int os = os_code(platform);
	const char *type = (platform & SMS_PLATFORM_WIN32_ALPHA) ? "ALPHA-based PC"
	                 : (platform & SMS_PLATFORM_WIN32_MIPS) ? "MIPS-based PC"
	                 : (platform & SMS_PLATFORM_MACINTOSH) ? NULL : "X86-based PC";
	const char *v;

	if (os > 0) {
		char buf[4];
		g_snprintf(buf, sizeof buf, "%d", os);
		sms_ini_set(ini->ini, "SMS", "OS", buf);
	} else {
		sms_ini_section_remove(sms_ini_find(ini->ini, "SMS"), "OS");
	}
	v = sms_ini_get(ini->ini, "Local", "NetCardID");
	if (v == NULL || *v == '\0') {
		guint32 h = (guint32)crc32(0, (const Bytef *)machine, (uInt)strlen(machine));
		char id[24];
		g_snprintf(id, sizeof id, "02:00:%02X:%02X:%02X:%02X", h >> 24, (h >> 16) & 0xff,
		           (h >> 8) & 0xff, h & 0xff);
		sms_ini_set(ini->ini, "Local", "NetCardID", id);
	}
	v = sms_ini_get(ini->ini, "Local", "SystemRole");
	if (v == NULL || *v == '\0')
		sms_ini_set(ini->ini, "Local", "SystemRole", "Workstation");
	v = sms_ini_get(ini->ini, "Local", "SystemType");
	if (type && (v == NULL || *v == '\0'))
		sms_ini_set(ini->ini, "Local", "SystemType", type);
}

gboolean
sms_logon_user(SmsSite *site, const char *machine, const char *user, SmsTime now,
               GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_autofree char *wdir = sms_layout_workstation(site, up);
	g_autofree char *inipath = g_build_filename(wdir, "SMS.INI", NULL);
	g_autoptr(SmsSmsIni) ini = NULL;
	g_autoptr(GPtrArray) servers = NULL;
	g_autoptr(GString) warnings = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	g_autofree char *server = NULL;
	g_autofree char *smsid = NULL;
	g_auto(MachineRow) m = { 0 };
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	const char *pi;
	gint64 n;
	gboolean fresh;

	if (!load_machine(site, up, &m, error))
		return FALSE;
	/* SMS.INI: what is garbled is repaired (lib/smsini.h), the SMS ID kept */
	if (!sms_smsini_load(inipath, &ini, &local)) {
		if (!g_error_matches(local, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		ini = sms_smsini_new(inipath);
	}
	for (guint i = 0; i < ini->warnings->len; i++)
		g_string_append_printf(warnings, "%s%s", warnings->len ? "; " : "",
		                       (char *)ini->warnings->pdata[i]);
	if (ini->site_code && !sms_str_equal_ci(ini->site_code, site->code))
		g_string_append_printf(warnings, "%sSiteCode %s replaced by %s", warnings->len ? "; " :
		                       "", ini->site_code, site->code);
	if (!sms_logon_choose_server(site, m.domain, ini->current_logon_server, &server, &servers,
	                             error))
		return FALSE;
	smsid = g_strdup(ini->sms_id);
	if (smsid && g_strcmp0(smsid, m.smsid) != 0 && smsid_taken_by_other(site, smsid, up)) {
		g_string_append_printf(warnings, "%sSMS Unique ID %s belongs to another workstation "
		                       "(a copied SMS.INI); a new one is taken", warnings->len ? "; " :
		                       "", smsid);
		g_clear_pointer(&smsid, g_free);
	}
	fresh = smsid == NULL && m.smsid == NULL;
	/* an SMS.INI without an SMS ID is a new client (Resource Guide, "SMS.INI"): a new ID */
	if (smsid == NULL && !sms_logon_take_smsid(site, server, &smsid, error))
		return FALSE;

	replace(&ini->sms_id, smsid);
	replace(&ini->site_code, site->code);
	g_free(ini->unique_id_path);
	ini->unique_id_path = g_strdup_printf("\\\\%s\\SMS_SHR\\SMSID\\", server);
	g_free(ini->last_logon_server_path);
	ini->last_logon_server_path = g_strdup_printf("\\\\%s\\SMS_SHR", server);
	replace(&ini->domain, m.domain);
	replace(&ini->current_logon_server, server);
	set_servers(ini, servers);
	replace(&ini->instruction_share, site->self->instruction_share);
	replace(&ini->result_share, SMS_SMSINI_DEFAULT_RESULT_SHARE);
	/* a user's own PollingInterval stays; else the site's PCM polling */
	pi = sms_ini_get(ini->ini, "Package Command Manager", "PollingInterval");
	if (pi == NULL || !sms_parse_int(pi, 1, 10080, &n, NULL))
		ini->polling_interval = site->self->pcm_polling;
	replace(&ini->machine_name, up);
	replace(&ini->setup_phase, "installed");
	if (user)
		replace(&ini->last_logged_user, user);
	client_identity(ini, up, m.platform);
	if (!sms_mkdir_p(wdir, error) || !sms_smsini_save(ini, SMS_SYNC_FILE, NULL, error))
		return FALSE;

	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (warnings->len &&
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON, .event = "smsini.repaired",
	                                 .severity = SMS_SEV_WARNING, .machine = up, .user = user,
	                                 .detail = smsid }, error,
	              "%s: SMS.INI repaired (%s); SMS ID %s", up, warnings->str, smsid))
		return FALSE;
	if (!exec_args(site, error, "UPDATE machines SET smsid = ?1, user = COALESCE(?2, user), "
	               "registered = CASE WHEN smsid IS ?1 THEN COALESCE(registered, ?3) ELSE ?3 END"
	               " WHERE name = ?4", "ssis", smsid, user, now, up))
		return FALSE;
	if (g_strcmp0(m.smsid, smsid) != 0 &&
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON,
	                                 .event = "machine.registered", .server = server,
	                                 .machine = up, .user = user, .detail = smsid }, error,
	              "%s%s registered %s with SMS ID %s at logon server %s",
	              fresh ? "New client: " : "", user ? user : "a user", up, smsid, server))
		return FALSE;
	if (!sms_pcm_logon(site, up, ini, now, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}
