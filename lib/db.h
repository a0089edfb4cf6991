/* db.h -- the SQLite site database: open (WAL, busy timeout, big page cache),
 * versioned migrations, transactions and prepared-statement helpers.
 *
 * The core schema (sites, servers, machines, packages, jobs, job detail, status
 * messages, share sessions, messages to users, the clock) is created by sms_db_open().
 * A component that needs tables of its own keeps them in its module and applies them
 * with sms_db_migrate(db, "despooler", steps, n) -- versions are tracked per component
 * in schema_versions, so modules never edit one shared list.
 */
#pragma once
#include "common.h"

#define SMS_DB_ERROR (sms_db_error_quark())
GQuark sms_db_error_quark(void);
typedef enum {
	SMS_DB_ERROR_OPEN,      /* cannot open or not a site database */
	SMS_DB_ERROR_SQL,       /* statement failed (message has the SQL error) */
	SMS_DB_ERROR_BUSY,      /* still locked after the busy timeout */
	SMS_DB_ERROR_VERSION,   /* database is newer than this program */
	SMS_DB_ERROR_CONSTRAINT,/* unique / foreign key violation */
} SmsDbError;

/* Open (creating if asked) and bring the core schema up to date. */
gboolean sms_db_open(const char *path, gboolean create, sqlite3 **out, GError **error);
/* Databases opened from now on hold their lock until closed (SQLite locking_mode =
 * EXCLUSIVE: no file lock per transaction, the WAL index in the process's memory). Only
 * for a process that is the only user of its databases (the simulator); returns the
 * previous setting. */
gboolean sms_db_set_exclusive(gboolean on);

typedef struct {
	int version;            /* 1, 2, ... in order */
	const char *sql;        /* one or more statements */
} SmsMigration;

/* Apply the steps of `component` newer than its recorded version, each in its own
 * transaction. Cheap when up to date (one SELECT, cached per connection). */
gboolean sms_db_migrate(sqlite3 *db, const char *component, const SmsMigration *steps,
                        gsize n_steps, GError **error);

/* Set an error from the connection's last error: "what: sqlite message". */
gboolean sms_db_throw(sqlite3 *db, GError **error, const char *what);

/* Run statements without results. */
gboolean sms_db_exec(sqlite3 *db, const char *sql, GError **error);

/* Prepared statement from a per-connection cache (do NOT finalize it; it is reset and
 * its bindings cleared for you). NULL with error on failure. */
sqlite3_stmt *sms_db_stmt(sqlite3 *db, const char *sql, GError **error);

/* Transactions: BEGIN IMMEDIATE (so writers queue on the busy timeout instead of failing
 * on upgrade); nested calls are counted and only the outermost commits. */
gboolean sms_db_begin(sqlite3 *db, GError **error);
gboolean sms_db_commit(sqlite3 *db, GError **error);
void sms_db_rollback(sqlite3 *db);

/* Guard: `g_auto(SmsTxn) txn = SMS_TXN_INIT(db);` ... sms_txn_begin / sms_txn_commit;
 * rolls back when it goes out of scope uncommitted. */
typedef struct {
	sqlite3 *db;
	gboolean active;
} SmsTxn;
#define SMS_TXN_INIT(d) { (d), FALSE }
gboolean sms_txn_begin(SmsTxn *t, GError **error);
gboolean sms_txn_commit(SmsTxn *t, GError **error);
void sms_txn_clear(SmsTxn *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SmsTxn, sms_txn_clear)

/* Let go of the write lock in the middle of a (possibly nested) transaction, e.g. while a
 * real command runs for minutes: what was done so far is committed and *out_depth says
 * how deep the transaction was (0: none); sms_db_resume begins a new one at that depth, so
 * that the callers' commits and guards work as before. */
gboolean sms_db_suspend(sqlite3 *db, int *out_depth, GError **error);
gboolean sms_db_resume(sqlite3 *db, int depth, GError **error);

/* Step a statement expecting SQLITE_DONE. */
gboolean sms_db_step_done(sqlite3 *db, sqlite3_stmt *st, GError **error);
/* Step expecting a row or done: returns TRUE with *has_row. */
gboolean sms_db_step(sqlite3 *db, sqlite3_stmt *st, gboolean *has_row, GError **error);

/* Run one cached statement expecting SQLITE_DONE; fmt gives the types of the arguments
 * that follow, one letter per '?': s text (const char *), i integer (gint64), t time
 * (gint64, SMS_TIME_NONE binds NULL), n NULL (no argument). */
gboolean sms_db_execf(sqlite3 *db, GError **error, const char *sql, const char *fmt, ...);

/* Binding helpers: NULL text binds NULL; SMS_TIME_NONE binds NULL. */
void sms_db_bind_text(sqlite3_stmt *st, int idx, const char *s);
void sms_db_bind_time(sqlite3_stmt *st, int idx, gint64 t);
/* Column helpers: NULL column -> NULL / SMS_TIME_NONE. Text is copied. */
char *sms_db_col_text(sqlite3_stmt *st, int idx);
const char *sms_db_col_ctext(sqlite3_stmt *st, int idx);
gint64 sms_db_col_time(sqlite3_stmt *st, int idx);

/* Key/value in table meta. */
gboolean sms_db_meta_get(sqlite3 *db, const char *key, char **out, GError **error);
gboolean sms_db_meta_set(sqlite3 *db, const char *key, const char *value, GError **error);

/* Current core schema version (PRAGMA user_version target). */
#define SMS_DB_SCHEMA_VERSION 2
