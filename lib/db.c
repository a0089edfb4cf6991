/* db.c -- SQLite site database (see db.h). */
#include "db.h"
#include "smstime.h"
#include "atomic.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-db-error-quark, sms_db_error)

/* Core schema. Times are SmsTime (naive local seconds) in INTEGER columns. Status
 * columns hold the values of smsinfo.h JOBSTAT_* (1 Pending .. 6 Retrying; 0 None). */
static const SmsMigration core_migrations[] = {
	{ 1,
	  "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	  "CREATE TABLE schema_versions(component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
	  "CREATE TABLE clock(id INTEGER PRIMARY KEY CHECK (id = 1), mode TEXT NOT NULL"
	  "  CHECK (mode IN ('real','virtual')), now INTEGER);"
	  "INSERT INTO clock(id, mode, now) VALUES (1, 'real', NULL);"
	  "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	  "CREATE TABLE sites(code TEXT PRIMARY KEY, name TEXT, parent TEXT, response INTEGER,"
	  "  root TEXT, is_local INTEGER NOT NULL DEFAULT 0);"
	  "CREATE TABLE domains(name TEXT PRIMARY KEY, site TEXT NOT NULL);"
	  "CREATE TABLE domain_logon_servers(domain TEXT NOT NULL, server TEXT NOT NULL,"
	  "  ord INTEGER NOT NULL, PRIMARY KEY (domain, server));"
	  "CREATE TABLE servers(name TEXT PRIMARY KEY, site TEXT NOT NULL, roles INTEGER NOT NULL);"
	  "CREATE TABLE drives(server TEXT NOT NULL, letter TEXT NOT NULL,"
	  "  capacity_mb INTEGER NOT NULL, ord INTEGER NOT NULL, PRIMARY KEY (server, letter));"
	  "CREATE TABLE machines(name TEXT PRIMARY KEY, site TEXT NOT NULL, domain TEXT,"
	  "  platform TEXT, smsid TEXT UNIQUE, user TEXT, clock_offset INTEGER NOT NULL DEFAULT 0,"
	  "  registered INTEGER);"
	  "CREATE INDEX machines_site ON machines(site, domain);"
	  "CREATE TABLE machine_groups(name TEXT PRIMARY KEY COLLATE NOCASE, site TEXT,"
	  "  comment TEXT);"
	  "CREATE TABLE machine_group_members(grp TEXT NOT NULL COLLATE NOCASE,"
	  "  machine TEXT NOT NULL, PRIMARY KEY (grp, machine));"
	  "CREATE TABLE packages(id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT,"
	  "  comment TEXT, site TEXT NOT NULL, pdf_path TEXT, pdf_text BLOB, source TEXT,"
	  "  server_source TEXT, share_name TEXT, share_access TEXT, created INTEGER);"
	  "CREATE TABLE package_commands(package TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE,"
	  "  command_line TEXT NOT NULL, platforms INTEGER NOT NULL, flags INTEGER NOT NULL,"
	  "  ord INTEGER NOT NULL, PRIMARY KEY (package, name));"
	  "CREATE TABLE jobs(id TEXT PRIMARY KEY, name TEXT, type INTEGER NOT NULL,"
	  "  comment TEXT, site TEXT NOT NULL, package TEXT, start_after INTEGER NOT NULL,"
	  "  priority INTEGER NOT NULL, repeat INTEGER NOT NULL, target_kind INTEGER,"
	  "  target TEXT, limit_kind INTEGER NOT NULL DEFAULT 0, limit_site TEXT,"
	  "  include_subsites INTEGER NOT NULL DEFAULT 0, send_mode INTEGER NOT NULL DEFAULT 1,"
	  "  dist_mode INTEGER NOT NULL DEFAULT 0, dist_servers TEXT,"
	  "  run_command INTEGER NOT NULL DEFAULT 0, command TEXT, offer_after INTEGER,"
	  "  mandatory_after INTEGER, force_slow_link INTEGER NOT NULL DEFAULT 0,"
	  "  expires_after INTEGER, remove_pkgtype INTEGER, remove_tasks INTEGER,"
	  "  status INTEGER NOT NULL DEFAULT 1, sending_status INTEGER NOT NULL DEFAULT 0,"
	  "  working_status INTEGER NOT NULL DEFAULT 0, cancel_status INTEGER NOT NULL DEFAULT 0,"
	  "  cancel_requested INTEGER, created INTEGER, activated INTEGER, finished INTEGER,"
	  "  origin_job TEXT, instance INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX jobs_status ON jobs(status, start_after);"
	  "CREATE TABLE job_targets(job TEXT NOT NULL, machine TEXT NOT NULL, site TEXT NOT NULL,"
	  "  domain TEXT, smsid TEXT, PRIMARY KEY (job, machine));"
	  "CREATE TABLE job_site_detail(job TEXT NOT NULL, site TEXT NOT NULL,"
	  "  status INTEGER NOT NULL, detail TEXT, updated INTEGER, PRIMARY KEY (job, site));"
	  "CREATE TABLE job_server_detail(job TEXT NOT NULL, site TEXT NOT NULL,"
	  "  server TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT, retries INTEGER"
	  "  NOT NULL DEFAULT 0, updated INTEGER, PRIMARY KEY (job, server));"
	  "CREATE TABLE job_machine_detail(job TEXT NOT NULL, machine TEXT NOT NULL,"
	  "  site TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT, updated INTEGER,"
	  "  PRIMARY KEY (job, machine));"
	  "CREATE TABLE package_locations(package TEXT NOT NULL, site TEXT NOT NULL,"
	  "  server TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, updated INTEGER,"
	  "  PRIMARY KEY (package, server, kind));"
	  "CREATE TABLE status_messages(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	  "  site TEXT, component TEXT NOT NULL, event TEXT NOT NULL, severity TEXT NOT NULL,"
	  "  code INTEGER, job TEXT, package TEXT, server TEXT, machine TEXT, user TEXT,"
	  "  detail TEXT, message TEXT NOT NULL);"
	  "CREATE INDEX status_messages_job ON status_messages(job);"
	  "CREATE TABLE share_sessions(id INTEGER PRIMARY KEY, server TEXT NOT NULL,"
	  "  package TEXT, share TEXT NOT NULL, file TEXT NOT NULL, user TEXT NOT NULL,"
	  "  machine TEXT, opened INTEGER NOT NULL, closes INTEGER, kind TEXT NOT NULL,"
	  "  job TEXT, closed INTEGER, closed_reason TEXT);"
	  "CREATE INDEX share_sessions_server ON share_sessions(server, share);"
	  "CREATE TABLE share_acl(server TEXT NOT NULL, share TEXT NOT NULL, acl TEXT NOT NULL,"
	  "  saved_acl TEXT, revoked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (server, share));"
	  "CREATE TABLE user_messages(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	  "  user TEXT, machine TEXT, server TEXT, sender TEXT NOT NULL, job TEXT, package TEXT,"
	  "  text TEXT NOT NULL);"
	  "CREATE TABLE pcm_outcomes(id INTEGER PRIMARY KEY, job TEXT NOT NULL,"
	  "  machine TEXT NOT NULL, duration INTEGER NOT NULL DEFAULT 5, exit_code INTEGER"
	  "  NOT NULL DEFAULT 0, status_mif TEXT);"
	  "CREATE TABLE component_state(component TEXT PRIMARY KEY, paused INTEGER NOT NULL"
	  "  DEFAULT 0, last_pass INTEGER, next_pass INTEGER);"
	},
	/* 2: a command line is known by its CommandName (the WCL Name of PCMDUMP); the
	 * setup variation of the PDF that defined it stays as an alias. */
	{ 2,
	  "ALTER TABLE package_commands ADD COLUMN variation TEXT;"
	},
};

typedef struct {
	GHashTable *stmts;     /* sql -> sqlite3_stmt* */
	GHashTable *by_ptr;    /* address of the caller's sql -> sqlite3_stmt* (not owned) */
	GHashTable *migrated;  /* component names up to date */
	int txn_depth;
} DbExtra;

static void
db_extra_free(void *p)
{
	DbExtra *x = p;
	g_hash_table_unref(x->by_ptr);
	g_hash_table_unref(x->stmts);
	g_hash_table_unref(x->migrated);
	g_free(x);
}

/* Per-connection extras (statement cache, transaction depth), keyed by connection;
 * freed by sms_db_close(). Connections are used by one thread at a time. */
static GMutex extras_lock;
static GHashTable *extras;

static void
stmt_finalize(gpointer p)
{
	sqlite3_finalize(p);
}

static DbExtra *
db_extra(sqlite3 *db)
{
	DbExtra *x;
	g_mutex_lock(&extras_lock);
	if (extras == NULL)
		extras = g_hash_table_new(g_direct_hash, g_direct_equal);
	x = g_hash_table_lookup(extras, db);
	if (x == NULL) {
		x = g_new0(DbExtra, 1);
		x->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                 stmt_finalize);
		x->by_ptr = g_hash_table_new(g_direct_hash, g_direct_equal);
		x->migrated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_insert(extras, db, x);
	}
	g_mutex_unlock(&extras_lock);
	return x;
}

void
sms_db_close(sqlite3 *db)
{
	DbExtra *x = NULL;
	if (db == NULL)
		return;
	g_mutex_lock(&extras_lock);
	if (extras && g_hash_table_steal_extended(extras, db, NULL, (gpointer *)&x)) {
	}
	g_mutex_unlock(&extras_lock);
	if (x) {
		if (x->txn_depth > 0 && !sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		db_extra_free(x);
	}
	sqlite3_close_v2(db);
}

gboolean
sms_db_throw(sqlite3 *db, GError **error, const char *what)
{
	int rc = sqlite3_extended_errcode(db);
	int code = SMS_DB_ERROR_SQL;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		code = SMS_DB_ERROR_BUSY;
	else if ((rc & 0xff) == SQLITE_CONSTRAINT)
		code = SMS_DB_ERROR_CONSTRAINT;
	g_set_error(error, SMS_DB_ERROR, code, "%s: %s", what, sqlite3_errmsg(db));
	return FALSE;
}

gboolean
sms_db_exec(sqlite3 *db, const char *sql, GError **error)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sqlite3_extended_errcode(db);
		g_set_error(error, SMS_DB_ERROR,
		            (rc & 0xff) == SQLITE_BUSY ? SMS_DB_ERROR_BUSY : SMS_DB_ERROR_SQL,
		            "database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return FALSE;
	}
	return TRUE;
}

sqlite3_stmt *
sms_db_stmt(sqlite3 *db, const char *sql, GError **error)
{
	DbExtra *x = db_extra(db);
	/* Callers pass string literals mostly: look up by address first (the text is
	 * compared, as an address may be reused for other text), by text otherwise. */
	sqlite3_stmt *st = g_hash_table_lookup(x->by_ptr, sql);

	if (st == NULL || strcmp(sqlite3_sql(st), sql) != 0) {
		st = g_hash_table_lookup(x->stmts, sql);
		if (st == NULL) {
			if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			                       NULL) != SQLITE_OK) {
				g_autofree char *what = g_strdup_printf("preparing \"%.60s\"", sql);
				sms_db_throw(db, error, what);
				return NULL;
			}
			g_hash_table_insert(x->stmts, g_strdup(sql), st);
			g_hash_table_insert(x->by_ptr, (gpointer)sql, st);
			return st;
		}
		g_hash_table_insert(x->by_ptr, (gpointer)sql, st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

gboolean
sms_db_begin(sqlite3 *db, GError **error)
{
	DbExtra *x = db_extra(db);
	if (x->txn_depth++ > 0)
		return TRUE;
	if (!sms_db_exec(db, "BEGIN IMMEDIATE", error)) {
		x->txn_depth--;
		return FALSE;
	}
	return TRUE;
}

gboolean
sms_db_commit(sqlite3 *db, GError **error)
{
	DbExtra *x = db_extra(db);
	g_return_val_if_fail(x->txn_depth > 0, FALSE);
	if (x->txn_depth > 1) {
		x->txn_depth--;
		return TRUE;
	}
	if (sms_fault("db-before-commit", error)) {
		sms_db_rollback(db);
		return FALSE;
	}
	if (!sms_db_exec(db, "COMMIT", error)) {
		sms_db_rollback(db);
		return FALSE;
	}
	x->txn_depth = 0;
	return TRUE;
}

void
sms_db_rollback(sqlite3 *db)
{
	DbExtra *x = db_extra(db);
	if (x->txn_depth == 0)
		return;
	x->txn_depth = 0;
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
sms_db_suspend(sqlite3 *db, int *out_depth, GError **error)
{
	DbExtra *x = db_extra(db);
	int depth = x->txn_depth;
	if (depth > 0) {
		if (!sms_db_exec(db, "COMMIT", error)) {
			sms_db_rollback(db);
			return FALSE;
		}
		x->txn_depth = 0;
	}
	*out_depth = depth;
	return TRUE;
}

gboolean
sms_db_resume(sqlite3 *db, int depth, GError **error)
{
	DbExtra *x = db_extra(db);
	g_return_val_if_fail(x->txn_depth == 0, FALSE);
	if (depth == 0)
		return TRUE;
	if (!sms_db_exec(db, "BEGIN IMMEDIATE", error))
		return FALSE;
	x->txn_depth = depth;
	return TRUE;
}

gboolean
sms_txn_begin(SmsTxn *t, GError **error)
{
	if (!sms_db_begin(t->db, error))
		return FALSE;
	t->active = TRUE;
	return TRUE;
}

gboolean
sms_txn_commit(SmsTxn *t, GError **error)
{
	t->active = FALSE;
	return sms_db_commit(t->db, error);
}

void
sms_txn_clear(SmsTxn *t)
{
	if (t->active) {
		DbExtra *x = db_extra(t->db);
		t->active = FALSE;
		/* A nested guard going out of scope aborts the whole transaction. */
		if (x->txn_depth > 0) {
			x->txn_depth = 1;
			sms_db_rollback(t->db);
		}
	}
}

gboolean
sms_db_execf(sqlite3 *db, GError **error, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = sms_db_stmt(db, sql, error);
	va_list ap;
	int idx = 1;
	if (st == NULL)
		return FALSE;
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++, idx++) {
		if (*f == 's')
			sms_db_bind_text(st, idx, va_arg(ap, const char *));
		else if (*f == 'i')
			sqlite3_bind_int64(st, idx, va_arg(ap, gint64));
		else if (*f == 't')
			sms_db_bind_time(st, idx, va_arg(ap, gint64));
		else if (*f == 'n')
			sqlite3_bind_null(st, idx);
		else
			g_return_val_if_reached((va_end(ap), sqlite3_reset(st), FALSE));
	}
	va_end(ap);
	return sms_db_step_done(db, st, error);
}

gboolean
sms_db_step_done(sqlite3 *db, sqlite3_stmt *st, GError **error)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		g_autofree char *what = g_strdup_printf("\"%.60s\"", sqlite3_sql(st));
		sqlite3_reset(st);
		return sms_db_throw(db, error, what);
	}
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_db_step(sqlite3 *db, sqlite3_stmt *st, gboolean *has_row, GError **error)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*has_row = TRUE;
		return TRUE;
	}
	if (rc == SQLITE_DONE) {
		*has_row = FALSE;
		sqlite3_reset(st);
		return TRUE;
	}
	{
		g_autofree char *what = g_strdup_printf("\"%.60s\"", sqlite3_sql(st));
		sqlite3_reset(st);
		return sms_db_throw(db, error, what);
	}
}

void
sms_db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

void
sms_db_bind_time(sqlite3_stmt *st, int idx, gint64 t)
{
	if (t == SMS_TIME_NONE)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int64(st, idx, t);
}

char *
sms_db_col_text(sqlite3_stmt *st, int idx)
{
	const unsigned char *s = sqlite3_column_text(st, idx);
	return s ? g_strdup((const char *)s) : NULL;
}

const char *
sms_db_col_ctext(sqlite3_stmt *st, int idx)
{
	return (const char *)sqlite3_column_text(st, idx);
}

gint64
sms_db_col_time(sqlite3_stmt *st, int idx)
{
	if (sqlite3_column_type(st, idx) == SQLITE_NULL)
		return SMS_TIME_NONE;
	return sqlite3_column_int64(st, idx);
}

gboolean
sms_db_meta_get(sqlite3 *db, const char *key, char **out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(db, "SELECT value FROM meta WHERE key = ?", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (!sms_db_step(db, st, &row, error))
		return FALSE;
	*out = row ? sms_db_col_text(st, 0) : NULL;
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_db_meta_set(sqlite3 *db, const char *key, const char *value, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(db, "INSERT INTO meta(key, value) VALUES (?, ?) "
	                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                               error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sms_db_bind_text(st, 2, value);
	return sms_db_step_done(db, st, error);
}

static gboolean
get_component_version(sqlite3 *db, const char *component, int *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(db, "SELECT version FROM schema_versions WHERE component = ?",
	                               error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
	if (!sms_db_step(db, st, &row, error))
		return FALSE;
	*out = row ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_db_migrate(sqlite3 *db, const char *component, const SmsMigration *steps, gsize n_steps,
               GError **error)
{
	DbExtra *x = db_extra(db);
	int have;

	if (g_hash_table_contains(x->migrated, component))
		return TRUE;
	if (!get_component_version(db, component, &have, error))
		return FALSE;
	for (gsize i = 0; i < n_steps; i++) {
		g_auto(SmsTxn) txn = SMS_TXN_INIT(db);
		sqlite3_stmt *st;
		int now;
		if (steps[i].version <= have)
			continue;
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		/* Re-check under the write lock: another process may have migrated meanwhile. */
		if (!get_component_version(db, component, &now, error))
			return FALSE;
		if (steps[i].version <= now) {
			have = now;
			if (!sms_txn_commit(&txn, error))
				return FALSE;
			continue;
		}
		if (!sms_db_exec(db, steps[i].sql, error)) {
			g_prefix_error(error, "migrating %s to version %d: ", component, steps[i].version);
			return FALSE;
		}
		st = sms_db_stmt(db, "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
		                     "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
		                 error);
		if (st == NULL)
			return FALSE;
		sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, steps[i].version);
		if (!sms_db_step_done(db, st, error) || !sms_txn_commit(&txn, error))
			return FALSE;
		have = steps[i].version;
	}
	g_hash_table_add(x->migrated, g_strdup(component));
	return TRUE;
}

static gboolean
migrate_core(sqlite3 *db, GError **error)
{
	int version = 0;
	sqlite3_stmt *st = sms_db_stmt(db, "PRAGMA user_version", error);
	gboolean row;

	if (st == NULL || !sms_db_step(db, st, &row, error))
		return FALSE;
	version = row ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (version > SMS_DB_SCHEMA_VERSION) {
		g_set_error(error, SMS_DB_ERROR, SMS_DB_ERROR_VERSION,
		            "database schema version %d is newer than this program (%d)", version,
		            SMS_DB_SCHEMA_VERSION);
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(core_migrations); i++) {
		g_auto(SmsTxn) txn = SMS_TXN_INIT(db);
		g_autofree char *set = NULL;
		if (core_migrations[i].version <= version)
			continue;
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		/* re-read under the lock */
		st = sms_db_stmt(db, "PRAGMA user_version", error);
		if (st == NULL || !sms_db_step(db, st, &row, error))
			return FALSE;
		version = row ? sqlite3_column_int(st, 0) : 0;
		sqlite3_reset(st);
		if (core_migrations[i].version <= version) {
			if (!sms_txn_commit(&txn, error))
				return FALSE;
			continue;
		}
		set = g_strdup_printf("PRAGMA user_version = %d", core_migrations[i].version);
		if (!sms_db_exec(db, core_migrations[i].sql, error) || !sms_db_exec(db, set, error)) {
			g_prefix_error(error, "creating schema version %d: ", core_migrations[i].version);
			return FALSE;
		}
		if (!sms_txn_commit(&txn, error))
			return FALSE;
		version = core_migrations[i].version;
	}
	return TRUE;
}

static gboolean exclusive_for_process;

gboolean
sms_db_set_exclusive(gboolean on)
{
	gboolean was = exclusive_for_process;
	exclusive_for_process = on;
	return was;
}

gboolean
sms_db_open(const char *path, gboolean create, sqlite3 **out, GError **error)
{
	static gsize configured;
	g_autoptr(sqlite3) db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	if (!create && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, SMS_DB_ERROR, SMS_DB_ERROR_OPEN,
		            "%s: no site database (run 'jobsvc --site DIR init SITE.ini' first)", path);
		return FALSE;
	}
	if (g_once_init_enter(&configured)) {
		/* no memory statistics: saves a mutex round per allocation */
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		g_once_init_leave(&configured, 1);
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		g_set_error(error, SMS_DB_ERROR, SMS_DB_ERROR_OPEN, "%s: %s", path,
		            db ? sqlite3_errmsg(db) : "out of memory");
		return FALSE;
	}
	sqlite3_busy_timeout(db, 30000);
	sqlite3_extended_result_codes(db, 1);
	/* synchronous first: switching a new database to WAL syncs unless it is OFF */
	if (!sms_db_exec(db, sms_sync_enabled() ? "PRAGMA synchronous = NORMAL;"
	                                        : "PRAGMA synchronous = OFF;", error) ||
	    (exclusive_for_process &&
	     !sms_db_exec(db, "PRAGMA locking_mode = EXCLUSIVE;", error)) ||
	    !sms_db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
	                     "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;", error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	if (!migrate_core(db, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	*out = g_steal_pointer(&db);
	return TRUE;
}
