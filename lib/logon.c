/* logon.c -- Maintenance Manager (instruction replication to every logon server,
 * client status back to the site server), SMS ID allocation (notes §6.2) and a user
 * logging on at a workstation (SMSLS, notes §6.3). */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "ini.h"
#include "logon.h"

#include <stdio.h>
#include <sys/stat.h>

#define LOGON "logon"

static const SmsMigration logon_migrations[] = {
	{ 1,
	  "CREATE TABLE logon_dirs(dir TEXT PRIMARY KEY, mtime INTEGER NOT NULL);"
	},
};

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, LOGON, logon_migrations, G_N_ELEMENTS(logon_migrations),
	                      error);
}

static gint64
dir_mtime(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) < 0)
		return -1;
	return (gint64)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

static gint64
recorded_mtime(SmsSite *site, const char *dir)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT mtime FROM logon_dirs WHERE dir = ?", NULL);
	gboolean row;
	gint64 v = -2;
	if (st)
		sms_db_bind_text(st, 1, dir);
	if (st && sms_db_step(site->db, st, &row, NULL) && row)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

static gboolean
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_size == sb.st_size &&
	       sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec;
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

/* The PCM of a workstation whose instruction file changed checks at its next poll. */
static gboolean
mark_pcm_dirty(SmsSite *site, const char *smsid_file, SmsTime now, GError **error)
{
	g_autofree char *smsid = g_strndup(smsid_file, strlen(smsid_file) - 4);
	return sms_pcm_file_changed(site, smsid, now, error);
}

/* Atomically put a copy of the master file on a logon server. Master files are only ever
 * replaced by rename (never written in place), so on the same file system a hard link
 * is a faithful copy that costs no new inode; across file systems the bytes are copied. */
static gboolean
replicate_file(const char *src, const char *dst, GError **error)
{
	g_autofree char *tmp = g_strdup_printf("%s.lnk", dst);
	(void)unlink(tmp);
	if (link(src, tmp) == 0) {
		if (rename(tmp, dst) == 0)
			return TRUE;
		(void)unlink(tmp);
		return sms_throw_errno(error, "replicating %s", dst);
	}
	return sms_atomic_copy(src, dst, SMS_SYNC_NONE, error);
}

static gboolean
replicate_domain(SmsSite *site, SmsDomainDef *dom, SmsTime now, GError **error)
{
	g_autofree char *master = sms_layout_pcmdom(site, dom->name);
	gint64 mt = dir_mtime(master);
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GHashTable) changed_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                          NULL);
	if (mt == recorded_mtime(site, master))
		return TRUE;
	files = list_dir(master, ".INS");
	for (guint s = 0; s < dom->logon_servers->len; s++) {
		const char *server = dom->logon_servers->pdata[s];
		g_autofree char *box = sms_layout_pcins(site, server);
		g_autoptr(GPtrArray) copies = NULL;
		g_autoptr(GHashTable) keep = g_hash_table_new(g_str_hash, g_str_equal);
		SmsBatch batch;
		guint n = 0;
		if (!sms_mkdir_p(box, error))
			return FALSE;
		sms_batch_init(&batch, box);
		for (guint i = 0; i < files->len; i++) {
			g_autofree char *src = g_build_filename(master, files->pdata[i], NULL);
			g_autofree char *dst = g_build_filename(box, files->pdata[i], NULL);
			g_hash_table_add(keep, files->pdata[i]);
			if (same_file(src, dst))
				continue;
			if (!replicate_file(src, dst, error)) {
				sms_batch_clear(&batch);
				return FALSE;
			}
			batch.written++;
			n++;
			g_hash_table_add(changed_ids, g_strdup(files->pdata[i]));
		}
		copies = list_dir(box, ".INS");
		for (guint i = 0; i < copies->len; i++) {
			if (g_hash_table_contains(keep, copies->pdata[i]))
				continue;
			{
				g_autofree char *p = g_build_filename(box, copies->pdata[i], NULL);
				if (unlink(p) < 0 && errno != ENOENT) {
					sms_batch_clear(&batch);
					return sms_throw_errno(error, "removing %s", p);
				}
				batch.written++;
				n++;
				g_hash_table_add(changed_ids, g_strdup(copies->pdata[i]));
			}
		}
		if (!sms_batch_commit(&batch, error)) {
			sms_batch_clear(&batch);
			return FALSE;
		}
		sms_batch_clear(&batch);
		if (n > 0) {
			g_autofree char *count = g_strdup_printf("%u", n);
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON,
			                                 .event = "ins.replicated", .server = server,
			                                 .detail = count }, error,
			              "Replicated %u instruction file change(s) of domain %s to %s", n,
			              dom->name, server))
				return FALSE;
		}
	}
	{
		g_autoptr(GList) keys = g_hash_table_get_keys(changed_ids);
		keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
		for (GList *l = keys; l; l = l->next)
			if (!mark_pcm_dirty(site, l->data, now, error))
				return FALSE;
	}
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO logon_dirs(dir, mtime) "
		                               "VALUES (?, ?)", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, master);
		sqlite3_bind_int64(st, 2, mt);
		return sms_db_step_done(site->db, st, error);
	}
}

/* Client status files from each logon server to RECEIVE: status MIFs (.PCK) first. */
static gboolean
collect_status(SmsSite *site, SmsTime now, GError **error)
{
	g_autofree char *receive = sms_layout_receive(site);
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		g_autofree char *box = NULL;
		const char *suffixes[] = { ".PCK", ".SNI" };
		if (!sms_str_equal_ci(s->site, site->code) || !(s->roles & SMS_ROLE_LOGON))
			continue;
		box = sms_layout_logon_despool(site, s->name);
		for (gsize k = 0; k < G_N_ELEMENTS(suffixes); k++) {
			g_autoptr(GPtrArray) files = list_dir(box, suffixes[k]);
			for (guint f = 0; f < files->len; f++) {
				g_autofree char *src = g_build_filename(box, files->pdata[f], NULL);
				g_autofree char *dst = g_build_filename(receive, files->pdata[f], NULL);
				/* same file system: one atomic rename; across file systems copy, then
				 * remove the original */
				if (rename(src, dst) == 0) {
					if (!sms_fsync_dir(receive, error))
						return FALSE;
				} else if (errno == EXDEV) {
					if (!sms_atomic_copy(src, dst, SMS_SYNC_FILE, error))
						return FALSE;
					if (unlink(src) < 0 && errno != ENOENT)
						return sms_throw_errno(error, "removing %s", src);
				} else {
					return sms_throw_errno(error, "moving %s to %s", src, dst);
				}
				sms_log(site, LOGON, now, "Moved %s from %s to the site server", (char *)files->pdata[f],
				        s->name);
			}
		}
	}
	return TRUE;
}

gboolean
sms_logon_pass(SmsSite *site, SmsTime now, GError **error)
{
	if (!ensure_schema(site, error))
		return FALSE;
	for (guint i = 0; i < site->def->domains->len; i++) {
		SmsDomainDef *d = site->def->domains->pdata[i];
		if (!sms_str_equal_ci(d->site, site->code))
			continue;
		if (!replicate_domain(site, d, now, error))
			return FALSE;
	}
	return collect_status(site, now, error);
}

SmsTime
sms_logon_next_wakeup(SmsSite *site, SmsTime now)
{
	g_autoptr(GError) error = NULL;
	if (!ensure_schema(site, &error))
		return SMS_TIME_NEVER;
	for (guint i = 0; i < site->def->domains->len; i++) {
		SmsDomainDef *d = site->def->domains->pdata[i];
		g_autofree char *master = NULL;
		if (!sms_str_equal_ci(d->site, site->code))
			continue;
		master = sms_layout_pcmdom(site, d->name);
		if (dir_mtime(master) != recorded_mtime(site, master)) {
			if (g_getenv("SMSEMU_DEBUG"))
				g_printerr("logon due: %s %" G_GINT64_FORMAT " != %" G_GINT64_FORMAT "\n",
				           master, dir_mtime(master), recorded_mtime(site, master));
			return sms_poll_ceil(site, now);
		}
	}
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		g_autofree char *box = NULL;
		g_autoptr(GPtrArray) files = NULL;
		if (!sms_str_equal_ci(s->site, site->code) || !(s->roles & SMS_ROLE_LOGON))
			continue;
		box = sms_layout_logon_despool(site, s->name);
		files = list_dir(box, NULL);
		for (guint f = 0; f < files->len; f++)
			if (g_str_has_suffix(files->pdata[f], ".SNI") ||
			    g_str_has_suffix(files->pdata[f], ".PCK"))
				return sms_poll_ceil(site, now);
	}
	return SMS_TIME_NEVER;
}

/* ---- SMS IDs ---------------------------------------------------------------------- */

static gboolean
next_smsid(SmsSite *site, const char *id, char **out, GError **error)
{
	/* site (3) + range (2) + sequence (3), base 36; a new range after ***Y00 */
	guint64 seq, range;
	char r[3], s[4];
	g_autofree char *rs = g_strndup(id + 3, 2);
	if (strlen(id) != 8 || !sms_base36_parse(id + 5, &seq) || !sms_base36_parse(rs, &range))
		return sms_throw(error, SMS_ERROR_INVALID, "'%s' is not an SMS ID", id);
	seq++;
	if (seq >= 34 * 36 * 36) {   /* passed Y00: Maintenance Manager issues a new range */
		sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT INTO counters(name, value) VALUES "
		                               "('smsid_range', 100) ON CONFLICT(name) DO UPDATE SET "
		                               "value = value + 1 RETURNING value", error);
		gboolean row;
		if (st == NULL || !sms_db_step(site->db, st, &row, error))
			return FALSE;
		range = (guint64)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		seq = 0;
	}
	if (!sms_base36(range, 2, r) || !sms_base36(seq, 3, s))
		return sms_throw(error, SMS_ERROR_STATE, "SMS IDs of site %s are exhausted", site->code);
	*out = g_strdup_printf("%.3s%s%s", id, r, s);
	return TRUE;
}

gboolean
sms_logon_take_smsid(SmsSite *site, const char *server, char **out, GError **error)
{
	g_autofree char *dir = sms_layout_smsid(site, server);
	for (int attempt = 0; attempt < 30; attempt++) {
		g_autoptr(GPtrArray) uids = list_dir(dir, ".UID");
		g_autofree char *id = NULL;
		g_autofree char *next = NULL;
		g_autofree char *from = NULL;
		g_autofree char *to = NULL;
		if (uids->len == 0)
			continue;   /* someone is renaming it right now */
		id = g_strndup(uids->pdata[0], strlen(uids->pdata[0]) - 4);
		if (!next_smsid(site, id, &next, error)) {
			g_prefix_error(error, "%s: ", dir);
			return FALSE;
		}
		from = g_build_filename(dir, uids->pdata[0], NULL);
		to = g_strdup_printf("%s/%s.UID", dir, next);
		/* the client that renames the file owns the ID (notes §6.2) */
		if (rename(from, to) == 0) {
			*out = g_steal_pointer(&id);
			return TRUE;
		}
		if (errno != ENOENT)
			return sms_throw_errno(error, "Unexpected error creating the Unique Id file %s",
			                       to);
		g_usleep(1000 * (attempt + 1));   /* "#": sharing violation, try again */
	}
	return sms_throw(error, SMS_ERROR_STATE, "%s: no SMS ID after 30 attempts", dir);
}

/* ---- logon (SMSLS) ----------------------------------------------------------------- */

static gboolean
logon_servers_of(SmsSite *site, const char *domain, GPtrArray *out)
{
	SmsDomainDef *d = sms_world_def_domain(site->def, domain);
	if (d == NULL)
		return FALSE;
	for (guint i = 0; i < d->logon_servers->len; i++) {
		g_autofree char *dir = sms_layout_logon_srv(site, d->logon_servers->pdata[i]);
		if (g_file_test(dir, G_FILE_TEST_IS_DIR))   /* a missing server is skipped */
			g_ptr_array_add(out, g_strdup(d->logon_servers->pdata[i]));
	}
	return TRUE;
}

gboolean
sms_logon_user(SmsSite *site, const char *machine, const char *user, SmsTime now,
               GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_autofree char *wdir = sms_layout_workstation(site, up);
	g_autofree char *inipath = g_build_filename(wdir, "SMS.INI", NULL);
	g_autoptr(SmsIni) ini = NULL;
	g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *domain = NULL;
	g_autofree char *platform = NULL;
	g_autofree char *smsid = NULL;
	g_autofree char *db_smsid = NULL;
	const char *server = NULL;
	const char *cur;
	sqlite3_stmt *st;
	gboolean row, fresh;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	g_autofree char *data = NULL;
	gsize len;

	if (!sms_txn_begin(&txn, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT domain, platform, smsid FROM machines WHERE name = ? AND "
	                 "site = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	sms_db_bind_text(st, 2, site->code);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "workstation %s is not in a domain of "
		                 "site %s (add it to a [Workstations] section of site.ini)", up,
		                 site->code);
	domain = sms_db_col_text(st, 0);
	platform = sms_db_col_text(st, 1);
	db_smsid = sms_db_col_text(st, 2);
	sqlite3_reset(st);
	if (!logon_servers_of(site, domain, servers) || servers->len == 0)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "domain %s has no reachable logon server",
		                 domain);
	/* SMS.INI: repair what is garbled, keep the SMS ID */
	if (g_file_test(inipath, G_FILE_TEST_EXISTS)) {
		g_autoptr(GError) local = NULL;
		ini = sms_ini_load(inipath, &local);
		if (ini == NULL) {
			sms_log(site, LOGON, now, "%s: %s; rebuilding SMS.INI", up, local->message);
			/* salvage the SMS ID from the raw text */
			if (g_file_get_contents(inipath, &data, &len, NULL)) {
				char *p = strstr(data, "SMS Unique ID=");
				if (p) {
					g_autofree char *id = g_strndup(p + 14, 8);
					if (strlen(id) == 8 && g_str_has_prefix(id, site->code))
						smsid = g_steal_pointer(&id);
				}
			}
		}
	}
	if (ini == NULL)
		ini = sms_ini_new(inipath);
	fresh = sms_ini_get(ini, "SMS", "SMS Unique ID") == NULL && smsid == NULL;
	if (smsid == NULL && sms_ini_get(ini, "SMS", "SMS Unique ID"))
		smsid = g_strdup(sms_ini_get(ini, "SMS", "SMS Unique ID"));
	if (smsid && (strlen(smsid) != 8)) {
		sms_log(site, LOGON, now, "%s: SMS.INI has a garbled SMS Unique ID '%s'", up, smsid);
		g_clear_pointer(&smsid, g_free);
	}
	if (smsid == NULL && db_smsid)
		smsid = g_strdup(db_smsid);
	/* logon server: CurrentLogonServer first, then the listed ones */
	cur = sms_ini_get(ini, "Servers", "CurrentLogonServer");
	for (guint i = 0; cur && i < servers->len; i++)
		if (sms_str_equal_ci(servers->pdata[i], cur))
			server = servers->pdata[i];
	if (server == NULL)
		server = servers->pdata[0];
	if (smsid == NULL && !sms_logon_take_smsid(site, server, &smsid, error))
		return FALSE;
	sms_ini_set(ini, "SMS", "SMS Unique ID", smsid);
	sms_ini_set(ini, "SMS", "SiteCode", site->code);
	sms_ini_set(ini, "SMS", "OS", platform ? platform : "");
	sms_ini_set(ini, "Servers", "Domain", domain);
	sms_ini_set(ini, "Servers", "CurrentLogonServer", server);
	for (guint i = 0; i < servers->len && i < 8; i++) {
		char key[16];
		g_snprintf(key, sizeof key, "Server%u", i + 1);
		sms_ini_set(ini, "Servers", key, servers->pdata[i]);
	}
	sms_ini_set(ini, "Package Command Manager", "InstructionSharePoint",
	            site->self->instruction_share);
	sms_ini_set(ini, "Package Command Manager", "ResultSharePoint", "despoolr.box");
	{
		char v[16];
		const char *pi = sms_ini_get(ini, "Package Command Manager", "PollingInterval");
		if (pi == NULL || atoi(pi) <= 0) {
			g_snprintf(v, sizeof v, "%d", site->self->pcm_polling);
			sms_ini_set(ini, "Package Command Manager", "PollingInterval", v);
		}
	}
	sms_ini_set(ini, "Local", "MachineName", up);
	sms_ini_set(ini, "Local", "SetupPhase", "installed");
	if (user)
		sms_ini_set(ini, "LogonHistory", "LastLoggedUser", user);
	g_free(data);
	data = sms_ini_to_data(ini, &len);
	if (!sms_mkdir_p(wdir, error) ||
	    !sms_atomic_write(inipath, data, len, 0644, SMS_SYNC_NONE, error))
		return FALSE;
	st = sms_db_stmt(site->db, "UPDATE machines SET smsid = ?, user = COALESCE(?, user), "
	                 "registered = COALESCE(registered, ?) WHERE name = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, smsid);
	sms_db_bind_text(st, 2, user);
	sqlite3_bind_int64(st, 3, now);
	sms_db_bind_text(st, 4, up);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (db_smsid == NULL &&
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = LOGON,
	                                 .event = "machine.registered", .server = server,
	                                 .machine = up, .user = user, .detail = smsid }, error,
	              "%s%s registered %s with SMS ID %s at logon server %s", fresh ? "New client: " : "",
	              user ? user : "a user", up, smsid, server))
		return FALSE;
	if (!sms_pcm_logon(site, up, now, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}
