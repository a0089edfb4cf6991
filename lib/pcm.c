/* pcm.c -- the Package Command Manager (notes §3): polling, offer / mandatory / expiry
 * on the workstation's clock, the 5-minute countdown, running a command from a
 * distribution server while holding its files, status MIF + .SNI back. See pcm.h. */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "ini.h"
#include "ins.h"
#include "job.h"
#include "mif.h"
#include "pcm.h"
#include "pdf.h"
#include "share.h"
#include "smsini.h"
#include "sni.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

G_DEFINE_QUARK(sms-pcm-error-quark, sms_pcm_error)

#define PCM "pcm"
#define COUNTDOWN (SMS_PCM_COUNTDOWN_MINUTES * SMS_MINUTE)

static gboolean execute_mode;

void
sms_pcm_set_execute(gboolean execute)
{
	execute_mode = execute;
}

/* pcm_clients: one row per workstation whose PCM runs (since its logon): poll grid
 * (logon_time + k * polling), next_due (when anything is next due, for the site pass),
 * the logon server in use and the listed ones, the identity of the last instruction
 * file read (mtime:size:inode), the status sequence. pcm_cmds: the commands it knows.
 * pcm_outbox: status files written but not yet moved to a logon server. */
static const SmsMigration pcm_migrations[] = {
	{ 1,
	  "CREATE TABLE pcm_clients(machine TEXT PRIMARY KEY, logon_time INTEGER NOT NULL,"
	  "  polling INTEGER NOT NULL, next_due INTEGER, dirty INTEGER NOT NULL DEFAULT 1,"
	  "  file_mtime INTEGER, server TEXT, countdown INTEGER NOT NULL DEFAULT 300,"
	  "  seq INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX pcm_clients_due ON pcm_clients(next_due);"
	  "CREATE TABLE pcm_cmds(machine TEXT NOT NULL, job TEXT NOT NULL, state INTEGER NOT NULL,"
	  "  offer INTEGER, mandatory INTEGER, expires INTEGER, os_mask INTEGER, flags INTEGER,"
	  "  command_line TEXT, wcl_name TEXT, package TEXT, package_name TEXT, site TEXT,"
	  "  servers TEXT, run_at INTEGER, finish_at INTEGER, dist_server TEXT, session INTEGER,"
	  "  result TEXT, PRIMARY KEY (machine, job));"
	},
	{ 2,
	  "ALTER TABLE pcm_clients ADD COLUMN file_id TEXT;"
	  "ALTER TABLE pcm_clients ADD COLUMN logon_servers TEXT;"
	  "CREATE INDEX pcm_cmds_state ON pcm_cmds(state);"
	  "CREATE TABLE pcm_outbox(id INTEGER PRIMARY KEY, machine TEXT NOT NULL,"
	  "  base TEXT NOT NULL, mif INTEGER NOT NULL, UNIQUE (machine, base));"
	  "ALTER TABLE pcm_clients ADD COLUMN last_check INTEGER;"
	},
};

const char *
sms_pcm_state_name(SmsPcmState s)
{
	static const char *names[] = { "Pending", "Offered", "Countdown", "Running", "Executed",
		"Archived", "Expired", "Removed" };
	return (guint)s <= SMS_PCM_REMOVED ? names[s] : "?";
}

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, PCM, pcm_migrations, G_N_ELEMENTS(pcm_migrations), error);
}

/* One statement with its arguments (lib/db.h). */
#define exec_args(site, error, ...) sms_db_execf((site)->db, error, __VA_ARGS__)

/* ---- clients ------------------------------------------------------------------------ */

typedef struct {
	char *machine, *smsid, *domain, *platform, *user, *server, *file_id, *logon_servers;
	int offset;          /* minutes */
	SmsTime logon_time, polling;
	SmsTime last_check;  /* SMS_TIME_NONE: none since logon */
	SmsTime countdown;
	int seq;
	gboolean dirty;      /* pcm_clients.dirty, kept up to date by this check */
	gboolean outbox;     /* status files waiting (pcm_outbox rows), likewise */
} Client;

static void
client_clear(Client *c)
{
	g_free(c->machine); g_free(c->smsid); g_free(c->domain); g_free(c->platform);
	g_free(c->user); g_free(c->server); g_free(c->file_id); g_free(c->logon_servers);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Client, client_clear)

static gboolean
load_client(SmsSite *site, const char *machine, Client *c, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT c.machine, m.smsid, m.domain, m.platform, "
	                               "m.user, c.server, m.clock_offset, c.logon_time, c.polling, "
	                               "c.file_id, c.logon_servers, c.countdown, c.seq, "
	                               "c.last_check, c.dirty, EXISTS (SELECT 1 FROM pcm_outbox o "
	                               "WHERE o.machine = c.machine) FROM pcm_clients c JOIN "
	                               "machines m ON m.name = c.machine WHERE c.machine = ?", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_NOT_LOGGED_ON,
		                        "workstation %s has not logged on (run 'logon --site %s user "
		                        "NAME --workstation %s')", machine, site->root, machine);
	c->machine = sms_db_col_text(st, 0);
	c->smsid = sms_db_col_text(st, 1);
	c->domain = sms_db_col_text(st, 2);
	c->platform = sms_db_col_text(st, 3);
	c->user = sms_db_col_text(st, 4);
	c->server = sms_db_col_text(st, 5);
	c->offset = sqlite3_column_int(st, 6);
	c->logon_time = sqlite3_column_int64(st, 7);
	c->polling = MAX(sqlite3_column_int64(st, 8), SMS_MINUTE);
	c->file_id = sms_db_col_text(st, 9);
	c->logon_servers = sms_db_col_text(st, 10);
	c->countdown = sqlite3_column_int64(st, 11);
	c->seq = sqlite3_column_int(st, 12);
	c->last_check = sms_db_col_time(st, 13);
	c->dirty = sqlite3_column_int(st, 14) != 0;
	c->outbox = sqlite3_column_int(st, 15) != 0;
	sqlite3_reset(st);
	return TRUE;
}

/* Next poll of the client at or after t (polls: logon + k * interval). */
static SmsTime
poll_at(const Client *c, SmsTime t)
{
	SmsTime k;
	if (t <= c->logon_time)
		return c->logon_time;
	k = (t - c->logon_time + c->polling - 1) / c->polling;
	return c->logon_time + k * c->polling;
}

static char *
smsini_path(SmsSite *site, const char *machine)
{
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	return g_build_filename(wdir, "SMS.INI", NULL);
}

typedef struct {
	SmsTime polling, countdown;
	char *server;
	char *servers;       /* Server1..8, '\n' separated */
} Settings;

static void
settings_clear(Settings *s)
{
	g_free(s->server);
	g_free(s->servers);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Settings, settings_clear)

/* The PCM's settings from SMS.INI (lib/smsini.h: defaults for what is absent or
 * garbled). */
static void
settings_from(SmsSite *site, SmsSmsIni *ini, Settings *s)
{
	g_autoptr(GString) list = g_string_new(NULL);
	const char *pi;
	s->polling = site->self->pcm_polling * SMS_MINUTE;
	s->countdown = COUNTDOWN;
	if (ini == NULL)
		return;
	pi = sms_ini_get(ini->ini, "Package Command Manager", "PollingInterval");
	if (pi && ini->polling_interval > 0)
		s->polling = ini->polling_interval * SMS_MINUTE;
	if (ini->disable_pcm_countdown)
		s->countdown = 0;
	if (ini->current_logon_server && *ini->current_logon_server)
		s->server = sms_strup(ini->current_logon_server);
	for (guint i = 0; i < ini->servers->len; i++) {
		g_autofree char *up = sms_strup(ini->servers->pdata[i]);
		g_string_append_printf(list, "%s%s", list->len ? "\n" : "", up);
	}
	s->servers = g_string_free(g_steal_pointer(&list), FALSE);
}

static void
read_settings(SmsSite *site, const char *machine, Settings *s)
{
	g_autofree char *path = smsini_path(site, machine);
	g_autoptr(SmsSmsIni) ini = NULL;
	(void)sms_smsini_load(path, &ini, NULL);   /* unreadable: the defaults */
	settings_from(site, ini, s);
}

gboolean
sms_pcm_logon(SmsSite *site, const char *machine, SmsSmsIni *ini, SmsTime now,
              GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_auto(Settings) s = { 0 };
	if (!ensure_schema(site, error))
		return FALSE;
	if (ini)
		settings_from(site, ini, &s);
	else
		read_settings(site, up, &s);
	/* the PCM starts: it reads its instruction file whatever its time (file_id NULL) */
	return exec_args(site, error, "INSERT INTO pcm_clients(machine, logon_time, polling, "
	                 "next_due, dirty, server, countdown, logon_servers) VALUES (?1, ?2, ?3, ?2, "
	                 "1, ?4, ?5, ?6) ON CONFLICT(machine) DO UPDATE SET logon_time = ?2, polling "
	                 "= ?3, next_due = ?2, dirty = 1, server = ?4, countdown = ?5, logon_servers "
	                 "= ?6, file_id = NULL, last_check = NULL", "siisis", up, now, s.polling,
	                 s.server, s.countdown, s.servers);
}

gboolean
sms_pcm_reload(SmsSite *site, const char *machine, SmsTime now, GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_auto(Settings) s = { 0 };
	sqlite3_stmt *st;
	if (!ensure_schema(site, error))
		return FALSE;
	read_settings(site, up, &s);
	st = sms_db_stmt(site->db, "UPDATE pcm_clients SET polling = ?1, countdown = ?2, server = "
	                 "coalesce(?3, server), logon_servers = ?4, next_due = ?5 WHERE machine = ?6",
	                 error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, s.polling);
	sqlite3_bind_int64(st, 2, s.countdown);
	sms_db_bind_text(st, 3, s.server);
	sms_db_bind_text(st, 4, s.servers);
	sqlite3_bind_int64(st, 5, now);
	sms_db_bind_text(st, 6, up);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (sqlite3_changes(site->db) == 0)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_NOT_LOGGED_ON,
		                        "workstation %s has not logged on", up);
	return TRUE;
}

gboolean
sms_pcm_file_changed(SmsSite *site, const char *smsid, SmsTime now, GError **error)
{
	g_autofree char *machine = NULL;
	g_auto(Client) c = { 0 };
	g_autoptr(GError) local = NULL;
	sqlite3_stmt *st;
	gboolean row;
	if (!ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT name FROM machines WHERE smsid = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, smsid);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	machine = row ? sms_db_col_text(st, 0) : NULL;
	sqlite3_reset(st);
	if (machine == NULL || !load_client(site, machine, &c, &local))
		return TRUE;   /* not logged on yet: it reads the file at logon */
	return exec_args(site, error, "UPDATE pcm_clients SET dirty = 1, next_due = min(coalesce("
	                 "next_due, ?1), ?1) WHERE machine = ?2", "is", poll_at(&c, now), machine);
}

/* ---- the logon server and the instruction file ------------------------------------- */

#define REACHABLE_MEMO "pcm-reachable"

/* During a site pass, a logon server's reachability is looked at once (server name ->
 * 1 reachable, 2 not): sms_pcm_site_pass puts the memo in the site cache. */
static gboolean
server_reachable(SmsSite *site, const char *server)
{
	GHashTable *memo = sms_site_cache_get(site, REACHABLE_MEMO);
	g_autofree char *dir = NULL;
	gboolean yes;
	int known = memo ? GPOINTER_TO_INT(g_hash_table_lookup(memo, server)) : 0;
	if (known)
		return known == 1;
	dir = sms_layout_logon_srv(site, server);
	yes = g_file_test(dir, G_FILE_TEST_IS_DIR);
	if (memo)
		g_hash_table_insert(memo, g_strdup(server), GINT_TO_POINTER(yes ? 1 : 2));
	return yes;
}

/* The logon server this check talks to: CurrentLogonServer, else the first reachable
 * listed one (NULL: none reachable). */
static char *
reachable_logon_server(SmsSite *site, const Client *c)
{
	g_auto(GStrv) list = NULL;
	if (c->server && server_reachable(site, c->server))
		return g_strdup(c->server);
	list = g_strsplit(c->logon_servers ? c->logon_servers : "", "\n", -1);
	for (char **s = list; *s; s++)
		if (**s && server_reachable(site, *s))
			return g_strdup(*s);
	return NULL;
}

static gboolean
use_logon_server(SmsSite *site, Client *c, SmsTime now, GError **error)
{
	g_autofree char *server = reachable_logon_server(site, c);
	if (server == NULL) {
		sms_log(site, PCM, now, "%s: no logon server reachable (CurrentLogonServer %s); keeping "
		        "the commands it has", c->machine, c->server ? c->server : "(none)");
		return TRUE;
	}
	if (g_strcmp0(server, c->server) == 0)
		return TRUE;
	sms_log(site, PCM, now, "%s: logon server %s not reachable; using %s", c->machine,
	        c->server ? c->server : "(none)", server);
	g_free(c->server);
	c->server = g_steal_pointer(&server);
	return exec_args(site, error, "UPDATE pcm_clients SET server = ? WHERE machine = ?", "ss",
	                 c->server, c->machine);
}

static char *
servers_text(const SmsInsRecord *r)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < r->servers->len; i++)
		g_string_append_printf(s, "%s%s", i ? "\n" : "",
		                       ((SmsInsServer *)r->servers->pdata[i])->path);
	return g_string_free(s, FALSE);
}

static gboolean
record_file_time(SmsSite *site, Client *c, const struct stat *sb, GError **error)
{
	/* [Local] LastPCMFileTime in SMS.INI: the time of the file last read, 0 once it is
	 * gone; absent while the PCM has read none (a first check without a file leaves the
	 * SMS.INI the logon wrote as it is: no rewrite of every workstation's file) */
	g_autofree char *ipath = smsini_path(site, c->machine);
	g_autoptr(SmsSmsIni) ini = NULL;
	if (!sms_smsini_load(ipath, &ini, NULL))
		return TRUE;
	if (sb == NULL && ini->last_pcm_file_time < 0)
		return TRUE;
	ini->last_pcm_file_time = sb ? (gint64)sb->st_mtime : 0;
	return sms_smsini_save(ini, SMS_SYNC_NONE, NULL, error);
}

static gboolean
read_instructions(SmsSite *site, Client *c, SmsTime now, GError **error)
{
	g_autofree char *box = NULL;
	g_autofree char *name = NULL;
	g_autofree char *path = NULL;
	g_autofree char *id = NULL;
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GHashTable) present = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
	struct stat sb;
	gboolean exists;
	sqlite3_stmt *st;
	gboolean row;

	if (c->smsid == NULL || c->server == NULL || !server_reachable(site, c->server))
		return TRUE;
	box = sms_layout_pcins(site, c->server);
	name = g_strdup_printf("%s.INS", c->smsid);
	path = g_build_filename(box, name, NULL);
	exists = stat(path, &sb) == 0;
	id = exists ? g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT,
	                              (gint64)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
	                              (gint64)sb.st_size, (guint64)sb.st_ino)
	            : g_strdup("none");
	if (g_strcmp0(id, c->file_id) == 0)
		return TRUE;    /* unchanged since the last read: not re-read (KB Q163488) */
	if (exists && !sms_ins_load(path, &f, &local)) {
		if (!g_error_matches(local, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND)) {
			/* refused: keep the last good state until the file changes again */
			sms_log(site, PCM, now, "%s: instruction file refused: %s; keeping the last good "
			        "commands", c->machine, local->message);
			g_free(c->file_id);
			c->file_id = g_steal_pointer(&id);
			c->dirty = FALSE;
			return exec_args(site, error, "UPDATE pcm_clients SET file_id = ?, dirty = 0 WHERE "
			                 "machine = ?", "ss", c->file_id, c->machine);
		}
		exists = FALSE;   /* removed between stat and open */
	}
	for (guint i = 0; f && i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		g_autofree char *servers = servers_text(r);
		g_hash_table_add(present, r->job_id);
		if (!exec_args(site, error, "INSERT INTO pcm_cmds(machine, job, state, offer, mandatory,"
		               " expires, os_mask, flags, command_line, wcl_name, package, package_name,"
		               " site, servers) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		               "?12, ?13) ON CONFLICT(machine, job) DO UPDATE SET offer = ?3, mandatory "
		               "= ?4, expires = ?5, os_mask = ?6, flags = ?7, command_line = ?8, "
		               "wcl_name = ?9, package_name = ?11, servers = ?13, state = CASE WHEN "
		               "state = 7 THEN 0 ELSE state END", "sstttiissssss", c->machine,
		               r->job_id, r->display_date,
		               r->install_by_full ? r->install_by : SMS_TIME_NONE,
		               r->expiration_full ? r->expiration : SMS_TIME_NONE, (gint64)r->os_mask,
		               (gint64)r->flags, r->run_command, r->wcl_name, r->package_id,
		               r->package_name, r->site_id, servers))
			return FALSE;
	}
	/* commands no longer in the file were withdrawn (cancel, expiry: KB Q188042) */
	st = sms_db_stmt(site->db, "SELECT job FROM pcm_cmds WHERE machine = ? AND state BETWEEN 0 "
	                 "AND 2", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, c->machine);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		if (!g_hash_table_contains(present, sms_db_col_ctext(st, 0)))
			g_ptr_array_add(gone, sms_db_col_text(st, 0));
	}
	for (guint i = 0; i < gone->len; i++) {
		if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 7 WHERE machine = ? AND job = ?",
		               "ss", c->machine, (const char *)gone->pdata[i]))
			return FALSE;
		sms_log(site, PCM, now, "%s: command of job %s withdrawn", c->machine,
		        (char *)gone->pdata[i]);
	}
	if (!record_file_time(site, c, exists ? &sb : NULL, error))
		return FALSE;
	g_free(c->file_id);
	c->file_id = g_steal_pointer(&id);
	c->dirty = FALSE;
	return exec_args(site, error, "UPDATE pcm_clients SET file_id = ?, dirty = 0 WHERE "
	                 "machine = ?", "ss", c->file_id, c->machine);
}

/* ---- status back ------------------------------------------------------------------ */

static char *
outbox_dir(SmsSite *site, const char *machine)
{
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	return g_build_filename(wdir, "OUTBOX", NULL);
}

typedef enum { MIF_NONE, MIF_COPY, MIF_MOVE, MIF_WRITE } MifSource;

typedef struct {
	MifSource kind;
	const char *path;         /* MIF_COPY / MIF_MOVE */
	const char *product;      /* MIF_WRITE */
	gboolean success;         /* MIF_WRITE */
} StatusMif;

/* Status into the workstation's OUTBOX: the status MIF (.PCK) first, then the .SNI
 * naming it (KB Q138241: never an .SNI without its MIF), and a pcm_outbox row; moved to
 * the logon server by deliver() once the transaction committed. Names come from the
 * sequence in pcm_clients, so a pass re-run after a crash writes the same names. */
/* A description fits an .SNI: at most 255 bytes, cut at a character boundary. */
static char *
sni_description(const char *d)
{
	const char *end;
	if (d == NULL)
		return NULL;
	if (strlen(d) <= 255)
		return g_strdup(d);
	end = d + 255;
	if (g_utf8_validate(d, -1, NULL))
		end = g_utf8_find_prev_char(d, end + 1) ? g_utf8_find_prev_char(d, end + 1) : d;
	return g_strndup(d, (gsize)(end - d));
}

static gboolean
write_status(SmsSite *site, Client *c, const char *job, const char *site_code,
             const char *status, const char *description, const StatusMif *mif, SmsTime now,
             GError **error)
{
	g_autofree char *box = outbox_dir(site, c->machine);
	g_autofree char *base = NULL;
	g_autofree char *mif_name = NULL;
	g_autoptr(SmsSni) sni = g_new0(SmsSni, 1);
	SmsTime wt = now + c->offset * SMS_MINUTE;   /* the workstation's clock */
	c->seq++;
	base = sms_sni_base_name(c->smsid, (guint)c->seq & 0xFFF);
	if (!sms_mkdir_p(box, error))
		return FALSE;
	/* files of this name can only be left over by a pass that did not commit */
	for (int k = 0; k < 2; k++) {
		g_autofree char *old = g_strdup_printf("%s/%s.%s", box, base, k ? "SNI" : "PCK");
		if (unlink(old) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing %s", old);
	}
	if (mif && mif->kind != MIF_NONE) {
		g_autofree char *dst = NULL;
		mif_name = g_strdup_printf("%s.PCK", base);
		dst = g_build_filename(box, mif_name, NULL);
		if (mif->kind == MIF_COPY) {
			if (!sms_atomic_copy(mif->path, dst, SMS_SYNC_FILE, error))
				return FALSE;
		} else if (mif->kind == MIF_MOVE) {
			/* the MIF the setup program wrote, passed on as it is */
			if (rename(mif->path, dst) < 0 &&
			    (errno != EXDEV || !sms_atomic_copy(mif->path, dst, SMS_SYNC_FILE, error) ||
			     unlink(mif->path) < 0))
				return sms_throw_errno(error, "moving %s to %s", mif->path, dst);
		} else if (!sms_mif_write_status(dst, "smsemu PCM", mif->product, NULL, "ENU", NULL,
		                                 description, mif->success, wt, error)) {
			return FALSE;
		}
	}
	sni->type = g_strdup(SMS_SNI_TYPE);
	sni->site = g_strdup(site_code ? site_code : site->code);
	sni->job_id = g_strdup(job);
	sni->smsid = g_strdup(c->smsid);
	sni->machine = g_strdup(c->machine);
	sni->status = g_strdup(status);
	sni->mif = g_strdup(mif_name);
	sni->description = sni_description(description);
	sni->time = wt;
	/* after its status MIF (KB Q138241) */
	if (!sms_sni_write(box, base, sni, SMS_SYNC_FILE, NULL, error))
		return FALSE;
	c->outbox = TRUE;
	return exec_args(site, error, "INSERT OR REPLACE INTO pcm_outbox(machine, base, mif) VALUES "
	                 "(?, ?, ?)", "ssi", c->machine, base, (gint64)(mif_name != NULL)) &&
	       exec_args(site, error, "UPDATE pcm_clients SET seq = ? WHERE machine = ?", "is",
	                 (gint64)c->seq, c->machine);
}

static gboolean
move_into(const char *from, const char *to, gboolean *moved, GError **error)
{
	*moved = FALSE;
	if (rename(from, to) == 0) {
		*moved = TRUE;
		return TRUE;
	}
	if (errno == ENOENT)
		return TRUE;    /* delivered already (a crash before the row was deleted) */
	if (errno != EXDEV)
		return sms_throw_errno(error, "moving %s to %s", from, to);
	if (!sms_atomic_copy(from, to, SMS_SYNC_FILE, error))
		return FALSE;
	if (unlink(from) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "removing %s", from);
	*moved = TRUE;
	return TRUE;
}

/* A workstation's status files moved to a logon server, their rows still to delete. */
typedef struct {
	char *machine;
	char *box;     /* NULL: no logon server reachable, the files wait in out */
	char *out;
	GPtrArray *bases;
} Delivered;

static void
delivered_free(gpointer p)
{
	Delivered *d = p;
	g_free(d->machine);
	g_free(d->box);
	g_free(d->out);
	g_ptr_array_unref(d->bases);
	g_free(d);
}

/* Move a workstation's waiting status files into its logon server's DESPOOLR.BOX,
 * each .PCK before its .SNI. Runs outside the check's transaction (after its commit);
 * what was moved is added to done (its pcm_outbox rows are deleted afterwards). */
static gboolean
deliver(SmsSite *site, const char *machine, SmsTime now, GPtrArray *done, GError **error)
{
	g_auto(Client) c = { 0 };
	g_autofree char *server = NULL;
	g_autofree char *box = NULL;
	g_autofree char *out = outbox_dir(site, machine);
	g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) mifs = g_array_new(FALSE, FALSE, sizeof(gboolean));
	sqlite3_stmt *st;
	gboolean row;
	Delivered *d;
	if (!load_client(site, machine, &c, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT base, mif FROM pcm_outbox WHERE machine = ? ORDER BY id",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	for (;;) {
		gboolean m;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(bases, sms_db_col_text(st, 0));
		m = sqlite3_column_int(st, 1) != 0;
		g_array_append_val(mifs, m);
	}
	if (bases->len == 0)
		return TRUE;
	server = reachable_logon_server(site, &c);
	if (server == NULL) {
		/* logged in turn with the deliveries, rows kept */
		d = g_new0(Delivered, 1);
		d->machine = g_strdup(machine);
		d->out = g_steal_pointer(&out);
		d->bases = g_steal_pointer(&bases);
		g_ptr_array_add(done, d);
		return TRUE;
	}
	box = sms_layout_logon_despool(site, server);
	if (!sms_mkdir_p(box, error))
		return FALSE;
	for (guint i = 0; i < bases->len; i++) {
		const char *base = bases->pdata[i];
		gboolean moved;
		if (g_array_index(mifs, gboolean, i)) {
			g_autofree char *from = g_strdup_printf("%s/%s.PCK", out, base);
			g_autofree char *to = g_strdup_printf("%s/%s.PCK", box, base);
			if (!move_into(from, to, &moved, error) || (moved && !sms_fsync_dir(box, error)))
				return FALSE;
			if (sms_fault("pcm-between-mif-and-sni", error))
				return FALSE;
		}
		{
			g_autofree char *from = g_strdup_printf("%s/%s.SNI", out, base);
			g_autofree char *to = g_strdup_printf("%s/%s.SNI", box, base);
			if (!move_into(from, to, &moved, error))
				return FALSE;
		}
	}
	if (!sms_fsync_dir(box, error))
		return FALSE;
	d = g_new0(Delivered, 1);
	d->machine = g_strdup(machine);
	d->box = g_steal_pointer(&box);
	d->bases = g_steal_pointer(&bases);
	g_ptr_array_add(done, d);
	return TRUE;
}

/* Machines with status files waiting (pcm_outbox rows). */
static GHashTable *
outbox_machines(SmsSite *site, GError **error)
{
	g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT DISTINCT machine FROM pcm_outbox", error);
	gboolean row;
	if (st == NULL)
		return NULL;
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return NULL;
		if (!row)
			break;
		g_hash_table_add(set, sms_db_col_text(st, 0));
	}
	return g_steal_pointer(&set);
}

static gboolean
has_outbox(SmsSite *site, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT 1 FROM pcm_outbox WHERE machine = ? LIMIT 1",
	                               NULL);
	gboolean row = FALSE;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, NULL))
		row = FALSE;
	sqlite3_reset(st);
	return row;
}

/* ---- commands ------------------------------------------------------------------------ */

typedef struct {
	char *job, *servers, *command_line, *package, *package_name, *site, *dist_server;
	SmsTime offer, mandatory, expires, run_at, finish_at;
	guint32 os_mask, flags;
	int state;
	gint64 session;
} Cmd;

static void
cmd_free(gpointer p)
{
	Cmd *c = p;
	g_free(c->job); g_free(c->servers); g_free(c->command_line); g_free(c->package);
	g_free(c->package_name); g_free(c->site); g_free(c->dist_server); g_free(c);
}

/* Live commands, due mandatory ones in mandatory-time order (KB Q173388, fixed SP4). */
static gboolean
load_cmds(SmsSite *site, const char *machine, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT job, state, offer, mandatory, expires, "
	                               "os_mask, flags, servers, command_line, package, site, run_at,"
	                               " finish_at, session, dist_server, package_name FROM pcm_cmds "
	                               "WHERE machine = ? AND state BETWEEN 0 AND 3 ORDER BY "
	                               "coalesce(mandatory, offer), job", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	for (;;) {
		Cmd *c;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		c = g_new0(Cmd, 1);
		c->job = sms_db_col_text(st, 0);
		c->state = sqlite3_column_int(st, 1);
		c->offer = sms_db_col_time(st, 2);
		c->mandatory = sms_db_col_time(st, 3);
		c->expires = sms_db_col_time(st, 4);
		c->os_mask = (guint32)sqlite3_column_int64(st, 5);
		c->flags = (guint32)sqlite3_column_int64(st, 6);
		c->servers = sms_db_col_text(st, 7);
		c->command_line = sms_db_col_text(st, 8);
		c->package = sms_db_col_text(st, 9);
		c->site = sms_db_col_text(st, 10);
		c->run_at = sms_db_col_time(st, 11);
		c->finish_at = sms_db_col_time(st, 12);
		c->session = sqlite3_column_type(st, 13) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 13);
		c->dist_server = sms_db_col_text(st, 14);
		c->package_name = sms_db_col_text(st, 15);
		g_ptr_array_add(out, c);
	}
	return TRUE;
}

static gboolean
is_background(const Cmd *cmd)
{
	return (cmd->flags & SMS_CMD_BACKGROUND) != 0;
}

/* Does this PCM act on the command? PCMWIN32 leaves System (Background) Tasks to
 * PCMSVC32 ("marked for service-only execution"), PCMSVC32 runs nothing else. */
static gboolean
mode_allows(SmsPcmMode mode, const Cmd *cmd)
{
	return mode == SMS_PCM_MODE_ALL || (mode == SMS_PCM_MODE_SERVICE) == is_background(cmd);
}

static char *
unc_server(const char *unc)
{
	const char *p = unc;
	const char *end;
	while (*p == '\\')
		p++;
	end = strchr(p, '\\');
	return end ? g_ascii_strup(p, end - p) : g_ascii_strup(p, -1);
}

/* Local directory of the package on `server`: where the Despooler installed it, else
 * \\SERVER\SMS_PKG<d>\PKG\ of the command's server list mapped into the site root. */
static char *
package_dir(SmsSite *site, const char *server, const Cmd *cmd)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT path FROM package_locations WHERE package = "
	                               "? AND server = ? AND kind = 'package'", NULL);
	g_auto(GStrv) list = NULL;
	gboolean row;
	if (st) {
		g_autofree char *p = NULL;
		sms_db_bind_text(st, 1, cmd->package);
		sms_db_bind_text(st, 2, server);
		if (sms_db_step(site->db, st, &row, NULL) && row)
			p = sms_db_col_text(st, 0);
		sqlite3_reset(st);
		if (p && g_path_is_absolute(p))
			return g_steal_pointer(&p);
	}
	list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	for (char **p = list; *p; p++) {
		g_autofree char *s = unc_server(*p);
		g_auto(GStrv) parts = NULL;
		if (!sms_str_equal_ci(s, server) || !g_str_has_prefix(*p, "\\\\"))
			continue;
		parts = g_strsplit(*p + 2, "\\", -1);
		if (g_strv_length(parts) >= 3 && g_ascii_strncasecmp(parts[1], "SMS_PKG", 7) == 0 &&
		    parts[1][7] && sms_path_is_safe_relative(parts[2])) {
			g_autofree char *share = sms_layout_pkg_share(site, s, parts[1][7]);
			return g_build_filename(share, parts[2], NULL);
		}
	}
	return NULL;
}

/* Can the workstation connect to the package on `server` now? */
static gboolean
connectable(SmsSite *site, const char *server, const Cmd *cmd)
{
	g_autofree char *dir = package_dir(site, server, cmd);
	return dir && g_file_test(dir, G_FILE_TEST_IS_DIR) &&
	       !sms_share_is_revoked(site, server, cmd->package);
}

static gboolean
listed(char **list, const char *server)
{
	for (char **p = list; *p; p++) {
		g_autofree char *s = unc_server(*p);
		if (**p && sms_str_equal_ci(s, server))
			return TRUE;
	}
	return FALSE;
}

/* A server this workstation ran an earlier command from ("already mapped to a drive
 * letter"), most recent first. */
static char *
mapped_server(SmsSite *site, const Client *c, char **list, const Cmd *cmd)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT dist_server FROM pcm_cmds WHERE machine = ? "
	                               "AND dist_server IS NOT NULL ORDER BY finish_at DESC, job",
	                               NULL);
	gboolean row;
	char *found = NULL;
	if (st == NULL)
		return NULL;
	sms_db_bind_text(st, 1, c->machine);
	while (found == NULL && sms_db_step(site->db, st, &row, NULL) && row) {
		const char *s = sms_db_col_ctext(st, 0);
		if (listed(list, s) && connectable(site, s, cmd))
			found = g_strdup(s);
	}
	sqlite3_reset(st);
	return found;
}

/* Distribution server (notes §3.2, KB Q165508 / Q180151 / Q195944): 1. the current logon
 * server if it is in the package's list; 2. a server already mapped that is in the list;
 * 3. the current logon server by the explicit package share if it holds the package;
 * 4. a server of the list (SMS picked at random; here a stable pick per workstation),
 * trying the others until one connects. NULL when none does. */
static char *
choose_server(SmsSite *site, const Client *c, const Cmd *cmd)
{
	g_auto(GStrv) list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	guint n = g_strv_length(list);
	char *s;
	if (c->server && listed(list, c->server) && connectable(site, c->server, cmd))
		return g_strdup(c->server);
	if ((s = mapped_server(site, c, list, cmd)) != NULL)
		return s;
	if (c->server && connectable(site, c->server, cmd))
		return g_strdup(c->server);
	for (guint k = 0; k < n; k++) {
		guint i = (g_str_hash(c->machine) + k) % n;
		g_autofree char *cand = unc_server(list[i]);
		if (*list[i] && connectable(site, cand, cmd))
			return g_steal_pointer(&cand);
	}
	return NULL;
}

typedef struct {
	int duration, exit_code;
	char *mif;
} Outcome;

/* The scenario's outcome of the job on this machine (default: success after 5 min). */
static void
outcome_for(SmsSite *site, const char *job, const char *machine, Outcome *o)
{
	/* the machine's own first (by id), else the first for '*' (picked here: ORDER BY ..
	 * LIMIT would build a temporary b-tree per lookup) */
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT duration, exit_code, status_mif, "
	                               "machine = '*', id FROM pcm_outcomes WHERE job = ? AND "
	                               "(machine = ? OR machine = '*')", NULL);
	gboolean row, found = FALSE, best_star = FALSE;
	gint64 best_id = 0;
	o->duration = 5;
	o->exit_code = 0;
	o->mif = NULL;
	if (st == NULL)
		return;
	sms_db_bind_text(st, 1, job);
	sms_db_bind_text(st, 2, machine);
	while (sms_db_step(site->db, st, &row, NULL) && row) {
		gboolean star = sqlite3_column_int(st, 3) != 0;
		gint64 id = sqlite3_column_int64(st, 4);
		if (found && (star > best_star || (star == best_star && id >= best_id)))
			continue;
		found = TRUE;
		best_star = star;
		best_id = id;
		o->duration = sqlite3_column_int(st, 0);
		o->exit_code = sqlite3_column_int(st, 1);
		g_free(o->mif);
		o->mif = sms_db_col_text(st, 2);
	}
	sqlite3_reset(st);
}

/* The file a command line starts, relative to the package directory, for its share
 * session: quotes, a drive letter and leading separators dropped ("(command)" when the
 * command line names nothing usable). */
static char *
session_file(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";
	g_autofree char *w = NULL;
	char *q;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		const char *e = strchr(p + 1, '"');
		w = e ? g_strndup(p + 1, (gsize)(e - p - 1)) : g_strdup(p + 1);
	} else {
		const char *e = strchr(p, ' ');
		w = e ? g_strndup(p, (gsize)(e - p)) : g_strdup(p);
	}
	g_strdelimit(w, "\\", '/');
	q = w;
	if (g_ascii_isalpha(q[0]) && q[1] == ':')
		q += 2;
	while (*q == '/')
		q++;
	if (sms_path_is_safe_relative(q))
		return g_strdup(q);
	q = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
	return sms_path_is_safe_relative(q) ? g_strdup(q) : g_strdup("(command)");
}

static char *
first_word(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";
	const char *e;
	while (*p == ' ')
		p++;
	e = p;
	while (*e && *e != ' ')
		e++;
	return g_strndup(p, (gsize)(e - p));
}

/* Result of a status MIF: Success / Failed; bad syntax counts as success with a warning
 * (KB Q190135). */
static const char *
mif_result(SmsSite *site, const Client *c, const Cmd *cmd, const char *path, char **detail,
           SmsTime now)
{
	g_autoptr(SmsStatusMif) m = NULL;
	g_autoptr(GError) local = NULL;
	if (!sms_mif_load(path, &m, &local)) {
		sms_log(site, PCM, now, "%s: job %s: status MIF %s: %s; counted as success (as SMS 1.2 "
		        "did, KB Q190135)", c->machine, cmd->job, path, local->message);
		return "Success";
	}
	if (m->description && *m->description)
		*detail = g_strdup(m->description);
	return m->success ? "Success" : "Failed";
}

static gboolean
executed(SmsSite *site, Client *c, Cmd *cmd, const char *server, const char *result,
         const char *detail, const StatusMif *mif, SmsTime now, GError **error)
{
	if (!write_status(site, c, cmd->job, cmd->site, result, detail, mif, now, error) ||
	    !exec_args(site, error, "UPDATE pcm_cmds SET state = 4, result = ?, dist_server = ?, "
	               "finish_at = ? WHERE machine = ? AND job = ?", "ssiss",
	               detail ? detail : result, server, now, c->machine, cmd->job))
		return FALSE;
	cmd->state = SMS_PCM_EXECUTED;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.executed",
	                                   .job = cmd->job, .package = cmd->package,
	                                   .server = server, .machine = c->machine,
	                                   .user = c->user, .detail = result }, error,
	                "%s: job %s ran %s from %s: %s%s%s", c->machine, cmd->job, cmd->command_line,
	                server ? server : "?", result, detail ? " - " : "", detail ? detail : "");
}

/* pcm --execute: run the command line through /bin/sh in the package directory with a
 * timeout, holding a real lock on the file it starts. */
static gboolean
run_real(SmsSite *site, Client *c, Cmd *cmd, const char *server, SmsTime now, GError **error)
{
	g_autofree char *dir = package_dir(site, server, cmd);
	g_autofree char *exe = first_word(cmd->command_line);
	g_autofree char *windir = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *mif_path = NULL;
	const char *t = g_getenv("SMSEMU_PCM_TIMEOUT");
	gint64 timeout = t ? g_ascii_strtoll(t, NULL, 10) : 600;
	gint64 start = g_get_real_time();
	g_auto(SmsFd) lockfd = -1;
	StatusMif mif = { MIF_NONE, NULL, NULL, FALSE };
	const char *result = "Failed";
	int status = 0, depth = 0;
	pid_t pid;
	{
		g_autofree char *wdir = sms_layout_workstation(site, c->machine);
		windir = g_build_filename(wdir, "WINDOWS", NULL);
		if (!sms_mkdir_p(windir, error))
			return FALSE;
	}
	if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR))
		return executed(site, c, cmd, server, "Failed", detail = g_strdup_printf(
		                "package directory of %s on %s not found", cmd->package, server), NULL,
		                now, error);
	if (sms_path_is_safe_relative(exe)) {
		g_autofree char *lockpath = g_build_filename(dir, exe, NULL);
		lockfd = open(lockpath, O_RDONLY | O_CLOEXEC);
		if (lockfd >= 0)
			(void)flock(lockfd, LOCK_SH);
	}
	sms_log(site, PCM, now, "%s: running %s for job %s in %s (timeout %" G_GINT64_FORMAT " s)",
	        c->machine, cmd->command_line, cmd->job, dir, timeout);
	/* The site database is not held while the command runs (it may take minutes, and
	 * may itself use the site): what was done so far is committed; a crash meanwhile
	 * runs the command again at the next check. */
	if (!sms_db_suspend(site->db, &depth, error))
		return FALSE;
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(127);
		g_setenv("WINDIR", windir, TRUE);
		execl("/bin/sh", "sh", "-c", cmd->command_line, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		int e = errno;
		if (!sms_db_resume(site->db, depth, error))
			return FALSE;
		return executed(site, c, cmd, server, "Failed", detail = g_strdup_printf(
		                "cannot start the command: %s", g_strerror(e)), NULL, now, error);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if ((g_get_real_time() - start) / G_USEC_PER_SEC >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (!sms_db_resume(site->db, depth, error))
				return FALSE;
			detail = g_strdup_printf("timed out after %" G_GINT64_FORMAT " s (the command did "
			                         "not end; killed)", timeout);
			return executed(site, c, cmd, server, "Failed", detail, NULL, now, error);
		}
		g_usleep(20000);
	}
	if (!sms_db_resume(site->db, depth, error))
		return FALSE;
	/* a status MIF written into the Windows directory after the start wins, and is
	 * passed on as it is */
	{
		g_autoptr(GDir) d = g_dir_open(windir, 0, NULL);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		const char *name;
		while (d && (name = g_dir_read_name(d)) != NULL)
			if (g_str_has_suffix(name, ".MIF") || g_str_has_suffix(name, ".mif"))
				g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_sort(names, sms_strptr_cmp);
		for (guint i = 0; i < names->len && mif_path == NULL; i++) {
			g_autofree char *p = g_build_filename(windir, names->pdata[i], NULL);
			struct stat sb;
			if (stat(p, &sb) == 0 &&
			    (gint64)sb.st_mtim.tv_sec * G_USEC_PER_SEC + sb.st_mtim.tv_nsec / 1000 >=
			    start - G_USEC_PER_SEC)
				mif_path = g_steal_pointer(&p);
		}
	}
	if (mif_path) {
		result = mif_result(site, c, cmd, mif_path, &detail, now);
		mif.kind = MIF_MOVE;
		mif.path = mif_path;
		if (detail == NULL) {
			g_autofree char *base = g_path_get_basename(mif_path);
			detail = g_strdup_printf("status MIF %s: %s", base, result);
		} else {
			g_autofree char *base = g_path_get_basename(mif_path);
			g_autofree char *d2 = g_strdup_printf("status MIF %s: %s - %s", base, result, detail);
			g_free(detail);
			detail = g_steal_pointer(&d2);
		}
	} else if (WIFEXITED(status)) {
		result = WEXITSTATUS(status) == 0 ? "Success" : "Failed";
		detail = g_strdup_printf("exit code %d", WEXITSTATUS(status));
	} else {
		detail = g_strdup_printf("killed by signal %d", WTERMSIG(status));
	}
	return executed(site, c, cmd, server, result, detail, &mif, now, error);
}

static SmsTime
sim_end(SmsTime start, const Outcome *o, gboolean *timed_out)
{
	*timed_out = o->duration < 0 || o->duration > SMS_PCM_SIM_TIMEOUT;
	return start + (*timed_out ? SMS_PCM_SIM_TIMEOUT : o->duration) * SMS_MINUTE;
}

static gboolean
start_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	g_autofree char *server = choose_server(site, c, cmd);
	g_autofree char *file = session_file(cmd->command_line);
	g_autoptr(GError) local = NULL;
	Outcome o;
	gboolean timed_out;
	if (server == NULL) {
		/* nowhere to connect now: try at the next poll */
		cmd->run_at = poll_at(c, now + 1);
		sms_log(site, PCM, now, "%s: no distribution server of job %s accepts connections; "
		        "retrying at %s", c->machine, cmd->job, sms_time_str(cmd->run_at));
		return exec_args(site, error, "UPDATE pcm_cmds SET run_at = ? WHERE machine = ? AND "
		                 "job = ?", "iss", cmd->run_at, c->machine, cmd->job);
	}
	if (execute_mode)
		return run_real(site, c, cmd, server, now, error);
	outcome_for(site, cmd->job, c->machine, &o);
	g_free(o.mif);
	cmd->finish_at = sim_end(now, &o, &timed_out);
	cmd->session = -1;
	/* the command holds the file it runs from the share while it runs */
	if (cmd->finish_at > now &&
	    !sms_share_open_session(site, server, cmd->package, file,
	                            c->user ? c->user : c->machine, c->machine, now, cmd->finish_at,
	                            "pcm", cmd->job, &cmd->session, &local)) {
		if (!g_error_matches(local, SMS_SHARE_ERROR, SMS_SHARE_ERROR_REVOKED)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		cmd->run_at = poll_at(c, now + 1);
		sms_log(site, PCM, now, "%s: cannot connect to %s for job %s (%s); retrying at %s",
		        c->machine, server, cmd->job, local->message, sms_time_str(cmd->run_at));
		return exec_args(site, error, "UPDATE pcm_cmds SET run_at = ? WHERE machine = ? AND "
		                 "job = ?", "iss", cmd->run_at, c->machine, cmd->job);
	}
	cmd->state = SMS_PCM_RUNNING;
	g_free(cmd->dist_server);
	cmd->dist_server = g_strdup(server);
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 3, finish_at = ?, session = ?, "
	               "dist_server = ? WHERE machine = ? AND job = ?", "iisss", cmd->finish_at,
	               cmd->session, server, c->machine, cmd->job))
		return FALSE;
	sms_log(site, PCM, now, "%s: running %s for job %s from \\\\%s (package %s)", c->machine,
	        cmd->command_line, cmd->job, server, cmd->package);
	return TRUE;
}

/* Was the running command's session closed by someone else (forced disconnect)? */
static gboolean
disconnected(SmsSite *site, const Cmd *cmd, char **reason)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT closed_reason FROM share_sessions WHERE id "
	                               "= ? AND closed IS NOT NULL", NULL);
	gboolean row = FALSE;
	if (st == NULL || cmd->session < 0)
		return FALSE;
	sqlite3_bind_int64(st, 1, cmd->session);
	if (!sms_db_step(site->db, st, &row, NULL))
		row = FALSE;
	if (row && reason)
		*reason = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return row;
}

static gboolean
finish_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	Outcome o;
	g_autofree char *reason = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *mif_path = NULL;
	const char *result;
	StatusMif mif = { MIF_NONE, NULL, NULL, FALSE };
	gboolean timed_out;
	outcome_for(site, cmd->job, c->machine, &o);
	mif_path = g_steal_pointer(&o.mif);
	(void)sim_end(now, &o, &timed_out);
	if (disconnected(site, cmd, &reason)) {
		result = "Failed";
		detail = g_strdup_printf("disconnected from \\\\%s (%s)", cmd->dist_server ?
		                         cmd->dist_server : "?", reason ? reason : "forced disconnect");
	} else {
		g_autoptr(GError) local = NULL;
		if (!sms_share_close_session(site, cmd->session, now, timed_out ? "timed out" :
		                             "command ended", &local) &&
		    !g_error_matches(local, SMS_SHARE_ERROR, SMS_SHARE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (timed_out) {
			result = "Failed";
			detail = g_strdup_printf("timed out after %d min (the command did not end)",
			                         SMS_PCM_SIM_TIMEOUT);
		} else if (mif_path && g_file_test(mif_path, G_FILE_TEST_EXISTS)) {
			/* the status MIF the setup program wrote, passed on as it is */
			result = mif_result(site, c, cmd, mif_path, &detail, now);
			mif.kind = MIF_COPY;
			mif.path = mif_path;
		} else {
			if (mif_path)
				sms_log(site, PCM, now, "%s: job %s: status MIF %s not found; the exit code "
				        "counts", c->machine, cmd->job, mif_path);
			result = o.exit_code == 0 ? "Success" : "Failed";
			if (o.exit_code != 0)
				detail = g_strdup_printf("exit code %d", o.exit_code);
			mif.kind = MIF_WRITE;
			mif.product = cmd->package_name ? cmd->package_name : cmd->package;
			mif.success = o.exit_code == 0;
		}
	}
	return executed(site, c, cmd, cmd->dist_server, result, detail, &mif, now, error);
}

/* ---- one check ---------------------------------------------------------------------- */

static gboolean
platform_ok(const Client *c, guint32 mask)
{
	guint32 mine = sms_platform_from_name(c->platform ? c->platform : "");
	return mask == 0 || (mine & mask) != 0;
}

static gboolean
set_state(SmsSite *site, const Client *c, Cmd *cmd, int state, GError **error)
{
	cmd->state = state;
	return exec_args(site, error, "UPDATE pcm_cmds SET state = ?, run_at = ? WHERE machine = ? "
	                 "AND job = ?", "itss", (gint64)state, cmd->run_at, c->machine, cmd->job);
}

/* Poll-time transitions of one command: expiry, offer, mandatory countdown. */
static gboolean
poll_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	SmsTime wt = now + c->offset * SMS_MINUTE;     /* the workstation's clock */
	gboolean background = is_background(cmd);
	if (cmd->state <= SMS_PCM_OFFERED && cmd->expires != SMS_TIME_NONE && cmd->expires <= wt) {
		return set_state(site, c, cmd, SMS_PCM_EXPIRED, error) &&
		       sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.expired",
		                                   .job = cmd->job, .machine = c->machine,
		                                   .user = c->user }, error,
		                "%s: job %s expired (Expires After %s on the workstation's clock)",
		                c->machine, cmd->job, sms_time_str(cmd->expires)) &&
		       write_status(site, c, cmd->job, cmd->site, "Expired", NULL, NULL, now, error);
	}
	if (cmd->state == SMS_PCM_PENDING && cmd->offer <= wt && platform_ok(c, cmd->os_mask)) {
		if (!set_state(site, c, cmd, SMS_PCM_OFFERED, error))
			return FALSE;
		/* PCMSVC32's commands are not shown to the user */
		if (!background &&
		    !sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.offered",
		                                 .job = cmd->job, .package = cmd->package,
		                                 .machine = c->machine, .user = c->user }, error,
		              "%s: offering job %s (%s)", c->machine, cmd->job, cmd->command_line))
			return FALSE;
		if (background && !(cmd->flags & SMS_CMD_AUTOMATED))
			sms_log(site, PCM, now, "%s: job %s is a system task that is not automated: it "
			        "never runs", c->machine, cmd->job);
	}
	if (cmd->state == SMS_PCM_OFFERED && cmd->mandatory != SMS_TIME_NONE &&
	    cmd->mandatory <= wt && (!background || (cmd->flags & SMS_CMD_AUTOMATED))) {
		/* PCMSVC32 runs background commands at their mandatory time, no countdown */
		SmsTime cd = background ? 0 : c->countdown;
		cmd->run_at = now + cd;
		if (!set_state(site, c, cmd, SMS_PCM_COUNTDOWN, error) ||
		    !sms_emit(site, &(SmsEvent){ .time = now, .component = PCM,
		                                 .event = "pcm.countdown", .job = cmd->job,
		                                 .machine = c->machine, .user = c->user }, error,
		              "%s: job %s is mandatory; running it in %d minute(s)", c->machine,
		              cmd->job, (int)(cd / 60)))
			return FALSE;
	}
	return TRUE;
}

/* When is this command next interesting? */
static SmsTime
command_next(const Client *c, const Cmd *cmd, gboolean allowed, SmsTime busy_until,
             SmsTime now)
{
	SmsTime off = c->offset * SMS_MINUTE;
	SmsTime floor = allowed ? now + 1 : poll_at(c, now + 1);
	SmsTime next = SMS_TIME_NEVER;
	switch (cmd->state) {
	case SMS_PCM_PENDING:
		if (platform_ok(c, cmd->os_mask))
			next = MIN(next, poll_at(c, MAX(now + 1, cmd->offer - off)));
		if (cmd->expires != SMS_TIME_NONE)
			next = MIN(next, poll_at(c, MAX(now + 1, cmd->expires - off)));
		break;
	case SMS_PCM_OFFERED:
		if (cmd->mandatory != SMS_TIME_NONE &&
		    (!is_background(cmd) || (cmd->flags & SMS_CMD_AUTOMATED)))
			next = MIN(next, poll_at(c, MAX(now + 1, cmd->mandatory - off)));
		if (cmd->expires != SMS_TIME_NONE)
			next = MIN(next, poll_at(c, MAX(now + 1, cmd->expires - off)));
		break;
	case SMS_PCM_COUNTDOWN:
		/* waits for its time, and for the command running now */
		next = MAX(cmd->run_at, busy_until);
		break;
	case SMS_PCM_RUNNING:
		next = cmd->finish_at;
		break;
	default:
		break;
	}
	return next == SMS_TIME_NEVER ? next : MAX(next, floor);
}

static gboolean
evaluate(SmsSite *site, Client *c, SmsTime now, gboolean is_poll, SmsPcmMode mode,
         SmsTime *out_next, GError **error)
{
	g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func(cmd_free);
	SmsTime next = SMS_TIME_NEVER;
	SmsTime busy_until = SMS_TIME_NONE;
	gboolean busy = FALSE;

	if (!load_cmds(site, c->machine, cmds, error))
		return FALSE;
	/* 1. at a poll: expiry, offer, mandatory */
	for (guint i = 0; is_poll && i < cmds->len; i++)
		if (mode_allows(mode, cmds->pdata[i]) &&
		    !poll_command(site, c, cmds->pdata[i], now, error))
			return FALSE;
	/* 2. commands that ended (or were disconnected) */
	for (guint i = 0; i < cmds->len; i++) {
		Cmd *cmd = cmds->pdata[i];
		if (cmd->state != SMS_PCM_RUNNING)
			continue;
		if (mode_allows(mode, cmd) && (cmd->finish_at <= now || disconnected(site, cmd, NULL))) {
			if (!finish_command(site, c, cmd, now, error))
				return FALSE;
		} else {
			busy = TRUE;
			busy_until = MAX(busy_until, cmd->finish_at);
		}
	}
	/* 3. start due commands one at a time, in mandatory-time order */
	for (guint i = 0; i < cmds->len && !busy; i++) {
		Cmd *cmd = cmds->pdata[i];
		if (cmd->state != SMS_PCM_COUNTDOWN || cmd->run_at > now || !mode_allows(mode, cmd))
			continue;
		if (!start_command(site, c, cmd, now, error))
			return FALSE;
		if (cmd->state == SMS_PCM_RUNNING && cmd->finish_at <= now &&
		    !finish_command(site, c, cmd, now, error))
			return FALSE;
		if (cmd->state == SMS_PCM_RUNNING) {
			busy = TRUE;
			busy_until = cmd->finish_at;
		}
	}
	/* 4. the next time anything changes */
	for (guint i = 0; i < cmds->len; i++)
		next = MIN(next, command_next(c, cmds->pdata[i], mode_allows(mode, cmds->pdata[i]),
		                              busy ? busy_until : SMS_TIME_NONE, now));
	*out_next = next;
	return TRUE;
}

static gboolean
check_client(SmsSite *site, const char *machine, SmsTime now, gboolean force_poll,
             SmsPcmMode mode, GError **error)
{
	g_auto(Client) c = { 0 };
	SmsTime next;
	gboolean is_poll;
	if (!load_client(site, machine, &c, error))
		return FALSE;
	/* a poll is due when a poll time passed since the last check (a daemon whose clock
	 * jumped catches up with the one it missed) */
	is_poll = force_poll ||
	          poll_at(&c, c.last_check == SMS_TIME_NONE ? c.logon_time : c.last_check + 1) <= now;
	if (is_poll && (!use_logon_server(site, &c, now, error) ||
	                !read_instructions(site, &c, now, error)))
		return FALSE;
	if (!evaluate(site, &c, now, is_poll, mode, &next, error))
		return FALSE;
	/* a changed file is read, and waiting status delivered, at the next poll */
	if (c.dirty || c.outbox)
		next = MIN(next, poll_at(&c, now + 1));
	return exec_args(site, error, "UPDATE pcm_clients SET next_due = ?, last_check = ? WHERE "
	                 "machine = ?", "tis", next == SMS_TIME_NEVER ? SMS_TIME_NONE : next, now,
	                 machine);
}

/* After the commit: status files of these machines to their logon servers, then their
 * pcm_outbox rows deleted in one transaction (a crash in between: the files are found
 * moved already at the next delivery). */
static gboolean
deliver_all(SmsSite *site, GPtrArray *machines, SmsTime now, GError **error)
{
	g_autoptr(GHashTable) waiting = outbox_machines(site, error);
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(delivered_free);
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (waiting == NULL)
		return FALSE;
	for (guint i = 0; i < machines->len; i++)
		if (g_hash_table_contains(waiting, machines->pdata[i]) &&
		    !deliver(site, machines->pdata[i], now, done, error))
			return FALSE;
	if (done->len == 0)
		return TRUE;
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	for (guint i = 0; i < done->len; i++) {
		Delivered *d = done->pdata[i];
		for (guint k = 0; d->box && k < d->bases->len; k++)
			if (!exec_args(site, error, "DELETE FROM pcm_outbox WHERE machine = ? AND base = ?",
			               "ss", d->machine, (const char *)d->bases->pdata[k]))
				return FALSE;
	}
	if (!sms_txn_commit(&txn, error))
		return FALSE;
	for (guint i = 0; i < done->len; i++) {
		Delivered *d = done->pdata[i];
		if (d->box == NULL)
			sms_log(site, PCM, now, "%s: no logon server reachable; %u status file(s) wait "
			        "in %s", d->machine, d->bases->len, d->out);
		else
			sms_log(site, PCM, now, "%s: %u status instruction(s) written to %s", d->machine,
			        d->bases->len, d->box);
	}
	return TRUE;
}

static gboolean
check_one(SmsSite *site, const char *machine, SmsTime now, gboolean force, SmsPcmMode mode,
          GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_autoptr(GPtrArray) one = g_ptr_array_new();
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
	    !check_client(site, up, now, force, mode, error) ||
	    sms_fault("pcm-before-commit", error) || !sms_txn_commit(&txn, error))
		return FALSE;
	g_ptr_array_add(one, up);
	return deliver_all(site, one, now, error);
}

gboolean
sms_pcm_check(SmsSite *site, const char *machine, SmsPcmMode mode, SmsTime now,
              GError **error)
{
	return check_one(site, machine, now, TRUE, mode, error);
}

/* Machines with a running command whose session was closed under it. */
#define DISCONNECTED_SQL "SELECT DISTINCT c.machine FROM pcm_cmds c JOIN share_sessions s ON " \
	"s.id = c.session WHERE c.state = 3 AND s.closed IS NOT NULL"

gboolean
sms_pcm_client_pass(SmsSite *site, const char *machine, SmsPcmMode mode, SmsTime now,
                    GError **error)
{
	g_autofree char *up = sms_strup(machine);
	if (!ensure_schema(site, error))
		return FALSE;
	if (sms_pcm_client_next_wakeup(site, up, now) > now && !has_outbox(site, up))
		return TRUE;
	return check_one(site, up, now, FALSE, mode, error);
}

/* A wake-up from a row (next due time or NULL, disconnected now?): now when a forced
 * disconnection waits, else the due time (not before now). */
static SmsTime
wakeup_row(SmsSite *site, sqlite3_stmt *st, SmsTime now)
{
	SmsTime next = SMS_TIME_NEVER;
	gboolean row;
	if (sms_db_step(site->db, st, &row, NULL) && row) {
		if (sqlite3_column_int(st, 1))
			next = now;
		else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			next = MAX(now, sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	return next;
}

SmsTime
sms_pcm_client_next_wakeup(SmsSite *site, const char *machine, SmsTime now)
{
	g_autofree char *up = sms_strup(machine);
	sqlite3_stmt *st;
	if (!ensure_schema(site, NULL))
		return SMS_TIME_NEVER;
	st = sms_db_stmt(site->db, "SELECT next_due, EXISTS (" DISCONNECTED_SQL " AND c.machine = ?1)"
	                 " FROM pcm_clients WHERE machine = ?1", NULL);
	if (st == NULL)
		return SMS_TIME_NEVER;
	sms_db_bind_text(st, 1, up);
	return wakeup_row(site, st, now);
}

static gboolean
site_pass_due(SmsSite *site, GPtrArray *due, SmsTime now, SmsTxn *txn, GError **error)
{
	if (!sms_txn_begin(txn, error))
		return FALSE;
	for (guint i = 0; i < due->len; i++)
		if (!check_client(site, due->pdata[i], now, FALSE, SMS_PCM_MODE_ALL, error))
			return FALSE;
	if (sms_fault("pcm-before-commit", error) || !sms_txn_commit(txn, error))
		return FALSE;
	return deliver_all(site, due, now, error);
}

gboolean
sms_pcm_site_pass(SmsSite *site, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	sqlite3_stmt *st;
	gboolean row;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	gboolean ok;
	if (!ensure_schema(site, error))
		return FALSE;
	/* due, disconnected or with status waiting: each once, in name order (three queries,
	 * so that the first one uses pcm_clients_due) */
	for (int q = 0; q < 3; q++) {
		static const char *const sql[] = {
			"SELECT machine FROM pcm_clients WHERE next_due <= ?1",
			DISCONNECTED_SQL,
			"SELECT DISTINCT machine FROM pcm_outbox",
		};
		st = sms_db_stmt(site->db, sql[q], error);
		if (st == NULL)
			return FALSE;
		if (q == 0)
			sqlite3_bind_int64(st, 1, now);
		for (;;) {
			const char *m;
			if (!sms_db_step(site->db, st, &row, error))
				return FALSE;
			if (!row)
				break;
			m = sms_db_col_ctext(st, 0);
			if (m && !g_hash_table_contains(seen, m)) {
				char *name = g_strdup(m);
				g_ptr_array_add(due, name);
				g_hash_table_add(seen, name);
			}
		}
	}
	g_ptr_array_sort(due, sms_strptr_cmp);
	if (due->len == 0)
		return TRUE;
	sms_site_cache_put(site, REACHABLE_MEMO, g_hash_table_new_full(g_str_hash, g_str_equal,
	                                                               g_free, NULL),
	                   (GDestroyNotify)g_hash_table_unref);
	ok = site_pass_due(site, due, now, &txn, error);
	sms_site_cache_drop(site, REACHABLE_MEMO);
	return ok;
}

SmsTime
sms_pcm_site_next_wakeup(SmsSite *site, SmsTime now)
{
	sqlite3_stmt *st;
	if (!ensure_schema(site, NULL))
		return SMS_TIME_NEVER;
	st = sms_db_stmt(site->db, "SELECT min(next_due), EXISTS (" DISCONNECTED_SQL ") FROM "
	                 "pcm_clients", NULL);
	if (st == NULL)
		return SMS_TIME_NEVER;
	return wakeup_row(site, st, now);
}

/* ---- user actions -------------------------------------------------------------------- */

static gboolean
command_state(SmsSite *site, const char *machine, const char *job, int *state, guint32 *flags,
              GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT state, flags FROM pcm_cmds WHERE machine = ?"
	                               " AND job = ?", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	sms_db_bind_text(st, 2, job);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row) {
		*state = sqlite3_column_int(st, 0);
		*flags = (guint32)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (!row)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_NO_SUCH_COMMAND,
		                        "%s has no command of job %s", machine, job);
	return TRUE;
}

gboolean
sms_pcm_execute(SmsSite *site, const char *machine, const char *job, SmsTime now,
                GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_autoptr(GPtrArray) one = g_ptr_array_new();
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	g_auto(Client) c = { 0 };
	int state = -1;
	guint32 flags = 0;
	if (!ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
	    !load_client(site, up, &c, error) || !command_state(site, up, job, &state, &flags, error))
		return FALSE;
	if (flags & SMS_CMD_BACKGROUND)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_SERVICE_ONLY,
		                        "job %s is marked for service-only execution (a System "
		                        "(Background) Task: PCMSVC32 runs it)", job);
	if (state != SMS_PCM_OFFERED)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_STATE, "job %s is %s on %s, "
		                        "not an offered command", job, sms_pcm_state_name(state), up);
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 2, run_at = ? WHERE machine = ? AND"
	               " job = ?", "iss", now, up, job) ||
	    !check_client(site, up, now, FALSE, SMS_PCM_MODE_APP, error) ||
	    !sms_txn_commit(&txn, error))
		return FALSE;
	sms_log(site, PCM, now, "%s: the user executed job %s", up, job);
	g_ptr_array_add(one, up);
	return deliver_all(site, one, now, error);
}

gboolean
sms_pcm_archive(SmsSite *site, const char *machine, const char *job, SmsTime now,
                GError **error)
{
	g_autofree char *up = sms_strup(machine);
	int state = -1;
	guint32 flags = 0;
	if (!ensure_schema(site, error) || !command_state(site, up, job, &state, &flags, error))
		return FALSE;
	if (state != SMS_PCM_OFFERED && state != SMS_PCM_EXECUTED)
		return sms_throw_domain(error, SMS_PCM_ERROR, SMS_PCM_ERROR_STATE, "job %s is %s on %s: "
		                        "only offered or executed commands can be archived", job,
		                        sms_pcm_state_name(state), up);
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 5 WHERE machine = ? AND job = ?",
	               "ss", up, job))
		return FALSE;
	sms_log(site, PCM, now, "%s: job %s archived by the user", up, job);
	return TRUE;
}

static const char *
folder_of(int s)
{
	return s <= SMS_PCM_COUNTDOWN ? "Pending" : s == SMS_PCM_RUNNING ? "Running" :
	       s == SMS_PCM_EXECUTED ? "Executed" : s == SMS_PCM_ARCHIVED ? "Archived" :
	       s == SMS_PCM_EXPIRED ? "Expired" : "Removed";
}

gboolean
sms_pcm_list(SmsSite *site, const char *machine, gboolean json, GString *out, GError **error)
{
	g_autofree char *up = sms_strup(machine);
	sqlite3_stmt *st;
	gboolean row, first = TRUE;
	if (!ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT job, state, offer, mandatory, expires, wcl_name, "
	                 "command_line, result, dist_server FROM pcm_cmds WHERE machine = ? ORDER BY "
	                 "job", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	if (json)
		g_string_append_c(out, '[');
	else
		g_string_append_printf(out, "%-10s %-10s %-19s %-19s %-19s %s\n", "JOB", "FOLDER",
		                       "OFFER AFTER", "MANDATORY AFTER", "EXPIRES AFTER", "COMMAND");
	for (;;) {
		int s;
		char a[24], b[24], c[24];
		const char *cmdline, *result;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		s = sqlite3_column_int(st, 1);
		cmdline = sms_db_col_ctext(st, 6) ? sms_db_col_ctext(st, 6) : "";
		result = sms_db_col_ctext(st, 7);
		sms_time_format_buf(sms_db_col_time(st, 2), a);
		sms_time_format_buf(sms_db_col_time(st, 3), b);
		sms_time_format_buf(sms_db_col_time(st, 4), c);
		if (json) {
			const char *keys[] = { "job", "folder", "state", "offer_after", "mandatory_after",
				"expires_after", "command_name", "command", "result", "server" };
			const char *vals[] = { sms_db_col_ctext(st, 0), folder_of(s),
				sms_pcm_state_name(s), a, b, c, sms_db_col_ctext(st, 5), cmdline, result,
				sms_db_col_ctext(st, 8) };
			g_string_append(out, first ? "{" : ",{");
			for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
				g_string_append_printf(out, "%s\"%s\":", k ? "," : "", keys[k]);
				sms_json_append_string(out, vals[k] ? vals[k] : "");
			}
			g_string_append_c(out, '}');
		} else {
			g_string_append_printf(out, "%-10s %-10s %-19s %-19s %-19s %s%s%s\n",
			                       sms_db_col_ctext(st, 0), folder_of(s), *a ? a : "-",
			                       *b ? b : "-", *c ? c : "never", cmdline, result ? "  => " : "",
			                       result ? result : "");
		}
		first = FALSE;
	}
	if (json)
		g_string_append(out, "]\n");
	return TRUE;
}

gboolean
sms_pcm_messages(SmsSite *site, const char *machine, gboolean json, GString *out,
                 GError **error)
{
	g_autofree char *up = sms_strup(machine);
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT time, sender, user, text FROM user_messages"
	                               " WHERE machine = ?1 OR user = (SELECT user FROM machines "
	                               "WHERE name = ?1) ORDER BY id", error);
	gboolean row, first = TRUE;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	if (json)
		g_string_append_c(out, '[');
	for (;;) {
		char t[24];
		const char *user;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		user = sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "";
		sms_time_format_buf(sqlite3_column_int64(st, 0), t);
		if (json) {
			g_string_append(out, first ? "{\"time\":" : ",{\"time\":");
			sms_json_append_string(out, t);
			g_string_append(out, ",\"from\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 1));
			g_string_append(out, ",\"user\":");
			sms_json_append_string(out, user);
			g_string_append(out, ",\"text\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 3));
			g_string_append_c(out, '}');
		} else {
			g_string_append_printf(out, "%s  %s to %s: %s\n", t, sms_db_col_ctext(st, 1), user,
			                       sms_db_col_ctext(st, 3));
		}
		first = FALSE;
	}
	if (json)
		g_string_append(out, "]\n");
	else if (first)
		g_string_append(out, "(no messages)\n");
	return TRUE;
}
