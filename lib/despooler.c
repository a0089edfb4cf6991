/* despooler.c -- the SMS Despooler (notes §5.5-§5.6, §4.3, §3.1, §3.6; KB Q140403).
 *
 * One pass: process RECEIVE (instructions with their packages, status from
 * workstations), then every install / removal that is due (first attempts, retries on
 * the retry interval x = 24 polls, forced disconnects), then the run phase (one .INS
 * record per target workstation that has an SMS ID). All state is in the site database,
 * so a restart continues where it stopped (the retry counter included).
 */
#include "components.h"
#include "archive.h"
#include "atomic.h"
#include "db.h"
#include "despooler.h"
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

#define DESP "despooler"
#define REG_KEY "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler"
#define MAX_RETRIES 100

enum { ST_PENDING = 0, ST_RETRYING = 1, ST_DONE = 2, ST_FAILED = 3, ST_REVOKED = 4,
       ST_CANCELLED = 5 };

static const SmsMigration desp_migrations[] = {
	{ 1,
	  "CREATE TABLE desp_done(instruction TEXT PRIMARY KEY, processed INTEGER NOT NULL);"
	  "CREATE TABLE desp_jobs(job TEXT PRIMARY KEY, instruction BLOB NOT NULL,"
	  "  store_file TEXT, ins_written INTEGER NOT NULL DEFAULT 0);"
	  "CREATE TABLE desp_work(job TEXT NOT NULL, server TEXT NOT NULL, kind TEXT NOT NULL,"
	  "  state INTEGER NOT NULL, t0 INTEGER, retries INTEGER NOT NULL DEFAULT 0,"
	  "  next_attempt INTEGER, forced_at INTEGER, path TEXT, detail TEXT,"
	  "  PRIMARY KEY (job, server));"
	  "CREATE TABLE desp_targets(job TEXT NOT NULL, machine TEXT NOT NULL, domain TEXT,"
	  "  written INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (job, machine));"
	  "CREATE INDEX desp_targets_open ON desp_targets(written, machine);"
	  "CREATE TABLE desp_settings(id INTEGER PRIMARY KEY CHECK (id = 1), forced INTEGER,"
	  "  retries INTEGER, delay INTEGER, min_free INTEGER);"
	},
	{ 2,
	  /* Compat=Q140374 (a restart resets retry counts); cancelled jobs (a rebuilt .INS
	   * must not get their records back) */
	  "ALTER TABLE desp_settings ADD COLUMN compat_reset INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE desp_jobs ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;"
	},
};

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, DESP, desp_migrations, G_N_ELEMENTS(desp_migrations), error);
}

/* ---- settings (registry of this site's site server) ------------------------------ */

typedef struct {
	gboolean forced;
	guint32 retries;      /* y */
	guint32 delay;        /* z, minutes */
	guint32 min_free;     /* MB */
	gboolean compat_reset;/* Compat=Q140374: a restart resets the retry counts */
} Settings;

/* The SMS_Despooler values of one registry file. Compat (our own value, REG_SZ) lists
 * the KB articles whose old behaviour to reproduce: "Q140374" = stopping and starting the
 * Despooler resets its retry counts (SMS 1.2 before SP4). */
static gboolean
read_registry(const char *path, Settings *s, GError **error)
{
	g_autoptr(SmsReg) reg = NULL;
	g_autofree char *compat = NULL;
	guint32 forced;
	if (!sms_reg_load_optional(path, &reg, error))
		return FALSE;
	if (!sms_reg_get_dword(reg, REG_KEY, "Use Forced Disconnect", 0, &forced, error) ||
	    !sms_reg_get_dword(reg, REG_KEY, "Number Of Retries Before Forced Disconnection", 12,
	                       &s->retries, error) ||
	    !sms_reg_get_dword(reg, REG_KEY, "Forced Disconnection Delay In Minutes", 5, &s->delay,
	                       error) ||
	    !sms_reg_get_dword(reg, REG_KEY, "SMS Drive Minimum Free Space in Mbytes", 100,
	                       &s->min_free, error)) {
		g_prefix_error(error, "%s: %s: ", path, REG_KEY);
		return FALSE;
	}
	s->forced = forced != 0;
	compat = sms_reg_get_string(reg, REG_KEY, "Compat");
	if (compat) {
		g_autofree char *up = g_ascii_strup(compat, -1);
		s->compat_reset = strstr(up, "Q140374") != NULL;
	}
	return TRUE;
}

gboolean
sms_despooler_reload(SmsSite *site, GError **error)
{
	g_autofree char *path = sms_layout_registry(site, sms_site_server_name(site));
	g_autoptr(GError) local = NULL;
	Settings s = { FALSE, 12, 5, 100, FALSE };
	sqlite3_stmt *st;
	if (!ensure_schema(site, error))
		return FALSE;
	if (!read_registry(path, &s, &local)) {
		/* a damaged registry: say so and keep the settings in force (the defaults if
		 * there were none); the Despooler goes on */
		gboolean row;
		st = sms_db_stmt(site->db, "SELECT 1 FROM desp_settings WHERE id = 1", error);
		if (st == NULL || !sms_db_step(site->db, st, &row, error))
			return FALSE;
		sqlite3_reset(st);
		if (!sms_emit(site, &(SmsEvent){ .time = SMS_TIME_NONE, .component = DESP,
		                                 .event = "registry.rejected",
		                                 .severity = SMS_SEV_ERROR,
		                                 .server = sms_site_server_name(site) }, error,
		              "The registry of %s cannot be read (%s); the Despooler keeps %s",
		              sms_site_server_name(site), local->message,
		              row ? "its previous settings" : "the default settings"))
			return FALSE;
		if (row)
			return TRUE;
		s = (Settings){ FALSE, 12, 5, 100, FALSE };
	}
	st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO desp_settings(id, forced, retries, "
	                 "delay, min_free, compat_reset) VALUES (1, ?, ?, ?, ?, ?)", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, s.forced);
	sqlite3_bind_int64(st, 2, s.retries);
	sqlite3_bind_int64(st, 3, s.delay);
	sqlite3_bind_int64(st, 4, s.min_free);
	sqlite3_bind_int(st, 5, s.compat_reset);
	return sms_db_step_done(site->db, st, error);
}

static gboolean
settings(SmsSite *site, Settings *s, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT forced, retries, delay, min_free, "
	                               "compat_reset FROM desp_settings WHERE id = 1", error);
	gboolean row;
	if (st == NULL || !sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row) {
		if (!sms_despooler_reload(site, error))
			return FALSE;
		return settings(site, s, error);
	}
	s->forced = sqlite3_column_int(st, 0);
	s->retries = (guint32)sqlite3_column_int64(st, 1);
	s->delay = (guint32)sqlite3_column_int64(st, 2);
	s->min_free = (guint32)sqlite3_column_int64(st, 3);
	s->compat_reset = sqlite3_column_int(st, 4);
	sqlite3_reset(st);
	return TRUE;
}

static gboolean
paused(SmsSite *site)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT paused FROM component_state WHERE "
	                               "component = 'despooler'", NULL);
	gboolean row = FALSE, p = FALSE;
	if (st && sms_db_step(site->db, st, &row, NULL) && row)
		p = sqlite3_column_int(st, 0);
	if (st)
		sqlite3_reset(st);
	return p;
}

gboolean
sms_despooler_set_paused(SmsSite *site, gboolean pause, SmsTime now, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT INTO component_state(component, paused) "
	                               "VALUES ('despooler', ?1) ON CONFLICT(component) DO UPDATE "
	                               "SET paused = ?1", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, pause);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (!pause && !sms_despooler_reload(site, error))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                   .event = pause ? "despooler.paused" : "despooler.continued" },
	                error, pause ? "SMS_DESPOOLER paused" :
	                "SMS_DESPOOLER continued; registry settings re-read");
}

gboolean
sms_despooler_restart(SmsSite *site, SmsTime now, GError **error)
{
	Settings cfg;
	int n = 0;
	if (!ensure_schema(site, error) || !sms_despooler_reload(site, error) ||
	    !settings(site, &cfg, error))
		return FALSE;
	if (cfg.compat_reset) {
		/* KB Q140374: the count starts over; the next poll is a new first attempt */
		sqlite3_stmt *st = sms_db_stmt(site->db, "UPDATE desp_work SET state = 0, retries = 0,"
		                               " t0 = NULL, next_attempt = ? WHERE state = 1", error);
		if (st == NULL)
			return FALSE;
		sqlite3_bind_int64(st, 1, now);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		n = sqlite3_changes(site->db);
	}
	if (!cfg.compat_reset)
		return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
		                                   .event = "despooler.started" }, error,
		                "SMS_DESPOOLER started; retry counts continue where they were");
	return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                   .event = "despooler.started", .detail = "Q140374" },
	                error, "SMS_DESPOOLER started; Compat=Q140374: the retry count of %d "
	                "pending installation(s) is now 0", n);
}

/* ---- helpers ---------------------------------------------------------------------- */

/* One statement with its arguments (lib/db.h). */
#define exec_args(site, error, ...) sms_db_execf((site)->db, error, __VA_ARGS__)

static gboolean
move_aside(SmsSite *site, const char *dir, const char *name, const GError *why, SmsTime now,
           GError **error)
{
	g_autofree char *bad = g_build_filename(dir, "BAD", NULL);
	g_autofree char *from = g_build_filename(dir, name, NULL);
	g_autofree char *to = g_build_filename(bad, name, NULL);
	g_autofree char *box = g_path_get_basename(dir);
	if (!sms_mkdir_p(bad, error))
		return FALSE;
	if (rename(from, to) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "moving %s aside", from);
	return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "file.rejected",
	                                   .severity = SMS_SEV_ERROR, .detail = name }, error,
	                "%s was moved to %s/BAD: %s", name, box, why->message);
}

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

/* Distribution drive (notes §4.3): the SMS drive if it has the minimum free space,
 * else the drive with the most free space. */
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
	if (drive_free_mb(site, server, first) - need_mb >= (gint64)min_free)
		return first->letter;
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

/* ---- status to the origin site ------------------------------------------------------ */

static gboolean
report(SmsSite *site, const SmsInstruction *job, const char *table, const char *server,
       const char *machine, int status, const char *path, const char *detail, SmsTime now,
       GError **error)
{
	g_autoptr(SmsInstruction) up = NULL;
	SmsInstrStatusRow *r;
	/* local copy first */
	if (g_strcmp0(table, "site") == 0) {
		if (!exec_args(site, error, "INSERT INTO job_site_detail(job, site, status, detail, "
		               "updated) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(job, site) DO UPDATE "
		               "SET status = ?3, detail = ?4, updated = ?5", "ssisi", job->job_id,
		               site->code, (gint64)status, detail, now))
			return FALSE;
	} else if (g_strcmp0(table, "server") == 0) {
		if (!exec_args(site, error, "INSERT INTO job_server_detail(job, site, server, status, "
		               "detail, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(job, server)"
		               " DO UPDATE SET status = ?4, detail = ?5, updated = ?6", "sssisi",
		               job->job_id, site->code, server, (gint64)status, detail, now))
			return FALSE;
	} else if (g_strcmp0(table, "machine") == 0) {
		if (!exec_args(site, error, "INSERT INTO job_machine_detail(job, machine, site, status,"
		               " detail, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(job, "
		               "machine) DO UPDATE SET status = ?4, detail = ?5, updated = ?6", "sssisi",
		               job->job_id, machine, site->code, (gint64)status, detail, now))
			return FALSE;
	} else if (g_strcmp0(table, "location") == 0) {
		if (status == SMS_STATUS_CANCELLED) {
			if (!exec_args(site, error, "DELETE FROM package_locations WHERE package = ? AND "
			               "server = ?", "ss", job->package_id, server))
				return FALSE;
		} else if (!exec_args(site, error, "INSERT OR REPLACE INTO package_locations(package, "
		                      "site, server, path, kind, updated) VALUES (?, ?, ?, ?, 'package',"
		                      " ?)", "ssssi", job->package_id, site->code, server, path, now)) {
			return FALSE;
		}
	}
	if (job->origin_site == NULL || sms_str_equal_ci(job->origin_site, site->code))
		return TRUE;
	up = sms_instruction_new(SMS_INSTR_STATUS);
	up->job_id = g_strdup(job->job_id);
	up->job_type = job->job_type;
	up->origin_site = g_strdup(job->origin_site);
	up->package_id = g_strdup(job->package_id);
	up->priority = SMS_PRIORITY_MEDIUM;
	r = g_new0(SmsInstrStatusRow, 1);
	r->table = g_strdup(table);
	r->site = g_strdup(site->code);
	r->server = g_strdup(server);
	r->machine = g_strdup(machine);
	r->status = status;
	r->updated = now;
	r->path = g_strdup(path);
	r->detail = g_strdup(detail);
	g_ptr_array_add(up->status_rows, r);
	/* to the parent (which relays to the origin if it is not the origin itself) */
	return sms_sender_queue_status(site, job->origin_site, up, now, error);
}

/* ---- instructions ---------------------------------------------------------------- */

/* The job's instruction as received. Parsed once per process (cached: a status from each
 * of 100,000 workstations must not re-parse a 100,000-target instruction); the caller
 * gets its own reference-free copy pointer valid until the cache entry is replaced. */
static gboolean
load_job_cached(SmsSite *site, const char *job, SmsInstruction **out, GError **error)
{
	g_autofree char *key = g_strdup_printf("despooler-job:%s", job);
	SmsInstruction *cached = sms_site_cache_get(site, key);
	sqlite3_stmt *st;
	gboolean row;
	if (cached) {
		*out = cached;
		return TRUE;
	}
	st = sms_db_stmt(site->db, "SELECT instruction FROM desp_jobs WHERE job = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "despooler: no instruction for job %s", job);
	{
		g_autofree char *text = g_strndup(sqlite3_column_blob(st, 0),
		                                  (gsize)sqlite3_column_bytes(st, 0));
		SmsInstruction *ins = NULL;
		sqlite3_reset(st);
		if (!sms_instruction_parse(job, text, strlen(text), &ins, error))
			return FALSE;
		sms_site_cache_put(site, key, ins, (GDestroyNotify)sms_instruction_free);
		*out = ins;
		return TRUE;
	}
}

/* Callers own *out (a copy without the target list). */
static gboolean
load_job(SmsSite *site, const char *job, SmsInstruction **out, GError **error)
{
	SmsInstruction *c = NULL;
	SmsInstruction *i;
	if (!load_job_cached(site, job, &c, error))
		return FALSE;
	i = sms_instruction_new(c->kind);
	i->id = g_strdup(c->id); i->job_id = g_strdup(c->job_id); i->job_type = c->job_type;
	i->origin_site = g_strdup(c->origin_site); i->from_site = g_strdup(c->from_site);
	i->target_site = g_strdup(c->target_site); i->package_id = g_strdup(c->package_id);
	i->package_name = g_strdup(c->package_name);
	i->package_version = g_strdup(c->package_version);
	i->package_comment = g_strdup(c->package_comment);
	i->package_file = g_strdup(c->package_file); i->package_crc = c->package_crc;
	i->share_name = g_strdup(c->share_name); i->share_access = g_strdup(c->share_access);
	i->dist_mode = c->dist_mode; i->dist_servers = g_strdup(c->dist_servers);
	i->remove_tasks = c->remove_tasks; i->run_command = c->run_command;
	i->command_name = g_strdup(c->command_name); i->command_line = g_strdup(c->command_line);
	i->platforms = c->platforms; i->command_flags = c->command_flags;
	i->offer_after = c->offer_after; i->mandatory_after = c->mandatory_after;
	i->expires_after = c->expires_after; i->force_slow_link = c->force_slow_link;
	i->priority = c->priority; i->created = c->created;
	*out = i;
	return TRUE;
}

static gboolean
server_is_here(SmsSite *site, const char *name, guint role)
{
	SmsServerDef *s = sms_world_def_server(site->def, name);
	return s && sms_str_equal_ci(s->site, site->code) && (s->roles & role);
}

static void
default_servers(SmsSite *site, GPtrArray *out)
{
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		if (sms_str_equal_ci(s->site, site->code) && (s->roles & SMS_ROLE_DISTRIBUTION))
			g_ptr_array_add(out, g_strdup(s->name));
	}
}

static gboolean
target_servers(SmsSite *site, const SmsInstruction *ins, GPtrArray *out, GError **error)
{
	gboolean removal = ins->kind == SMS_INSTR_REMOVE;
	if (ins->dist_servers && (removal ? ins->remove_tasks == SMS_REMOVE_SELECTED
	                                  : (ins->dist_mode & SMS_DIST_SPECIFIED))) {
		g_auto(GStrv) names = g_strsplit(ins->dist_servers, ",", -1);
		for (char **p = names; *p; p++) {
			g_strstrip(*p);
			if (**p && server_is_here(site, *p, SMS_ROLE_DISTRIBUTION))
				g_ptr_array_add(out, sms_strup(*p));
		}
		/* a group without a server here: this site's Default Servers (notes §1.3) */
		if (out->len > 0 || removal)
			return TRUE;
	}
	if (removal || (ins->dist_mode & SMS_DIST_EXISTING)) {
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT server FROM package_locations WHERE "
		                               "package = ? AND site = ? ORDER BY server", error);
		gboolean row;
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, ins->package_id);
		sms_db_bind_text(st, 2, site->code);
		while (sms_db_step(site->db, st, &row, error) && row)
			g_ptr_array_add(out, sms_db_col_text(st, 0));
		if (out->len > 0 || removal)
			return TRUE;
	}
	default_servers(site, out);
	return TRUE;
}

static gboolean
count_entry(const SmsArchiveEntry *e, gpointer data, GError **error)
{
	(*(guint64 *)data)++;
	return TRUE;
}

/* A package arriving in RECEIVE: its structure, every path and the archive CRC over all
 * its bytes are checked without decompressing (each file's data CRC is checked when it
 * is decompressed for the install); *out_crc is the archive CRC (the last 4 bytes). */
static gboolean
check_archive(const char *path, guint32 *out_crc, GError **error)
{
	g_auto(SmsFd) fd = -1;
	guint64 n = 0;
	guint8 b[4];
	struct stat sb;
	if (!sms_archive_list(path, count_entry, &n, error))
		return FALSE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < 4 ||
	    pread(fd, b, 4, sb.st_size - 4) != 4)
		return sms_throw_errno(error, "reading the CRC of %s", path);
	*out_crc = (guint32)b[0] | (guint32)b[1] << 8 | (guint32)b[2] << 16 | (guint32)b[3] << 24;
	return TRUE;
}

/* What makes an instruction unusable here whatever its kind: addressed to another site,
 * a removal of a package this site never had. */
static gboolean
check_instruction(SmsSite *site, const SmsInstruction *ins, GError **error)
{
	sqlite3_stmt *st;
	gboolean row;
	if (ins->kind != SMS_INSTR_STATUS && ins->target_site &&
	    !sms_str_equal_ci(ins->target_site, site->code))
		return sms_throw(error, SMS_ERROR_INVALID, "instruction %s is for site %s, not %s",
		                 ins->id, ins->target_site, site->code);
	if (ins->kind != SMS_INSTR_REMOVE)
		return TRUE;
	st = sms_db_stmt(site->db, "SELECT EXISTS (SELECT 1 FROM packages WHERE id = ?1) OR EXISTS "
	                 "(SELECT 1 FROM package_locations WHERE package = ?1)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, ins->package_id);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	row = row && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!row) {
		g_autofree char *store = sms_layout_store(site);
		g_autofree char *w = g_strdup_printf("%s/%s.WKS", store, ins->package_id);
		g_autofree char *s = g_strdup_printf("%s/%s.SRV", store, ins->package_id);
		if (!g_file_test(w, G_FILE_TEST_EXISTS) && !g_file_test(s, G_FILE_TEST_EXISTS))
			return sms_throw(error, SMS_ERROR_NOT_FOUND, "instruction %s removes package %s, "
			                 "which site %s does not have", ins->id,
			                 ins->package_id ? ins->package_id : "(none)", site->code);
	}
	return TRUE;
}

static gboolean
accept_install(SmsSite *site, const char *receive, const char *base, SmsInstruction *ins,
               SmsTime now, GError **error)
{
	g_autofree char *store = sms_layout_store(site);
	g_autofree char *store_file = NULL;
	g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *text = NULL;
	gsize len;

	if (ins->package_file) {
		g_autofree char *pck = g_strdup_printf("%s/%s.PCK", receive, base);
		g_autofree char *dst = NULL;
		guint32 crc = 0;
		store_file = g_strdup_printf("%s.%s", ins->package_id,
		                             ins->job_type == SMS_JOB_SHARE_PACKAGE ? "SRV" : "WKS");
		dst = g_build_filename(store, store_file, NULL);
		if (g_file_test(pck, G_FILE_TEST_EXISTS)) {
			if (!check_archive(pck, &crc, error))
				return FALSE;
			if (ins->package_crc && crc != ins->package_crc)
				return sms_throw(error, SMS_ERROR_INVALID, "%s: package CRC %08x does not "
				                 "match the instruction's %08x", pck, crc, ins->package_crc);
			if (!sms_rename_durable(pck, dst, error))
				return FALSE;
		} else if (!g_file_test(dst, G_FILE_TEST_EXISTS)) {
			return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: the package of instruction %s is "
			                 "missing", pck, ins->id);
		}
	} else if (ins->kind == SMS_INSTR_INSTALL) {
		/* no package sent with it: the copy this site stored for an earlier job, if any */
		g_autofree char *name = g_strdup_printf("%s.%s", ins->package_id,
		                                        ins->job_type == SMS_JOB_SHARE_PACKAGE ? "SRV"
		                                                                               : "WKS");
		g_autofree char *dst = g_build_filename(store, name, NULL);
		if (g_file_test(dst, G_FILE_TEST_IS_REGULAR))
			store_file = g_steal_pointer(&name);
	}
	/* the job as this site knows it (Job Details at child sites) */
	if (!exec_args(site, error, "INSERT OR IGNORE INTO packages(id, name, version, comment, "
	               "site, share_name, share_access, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	               "sssssssi", ins->package_id, ins->package_name ? ins->package_name
	                                                               : ins->package_id,
	               ins->package_version, ins->package_comment, ins->origin_site,
	               ins->share_name, ins->share_access, now) ||
	    !exec_args(site, error, "INSERT OR IGNORE INTO jobs(id, type, site, package, "
	               "start_after, priority, repeat, status, created, activated) VALUES (?, ?, ?, "
	               "?, ?, ?, 1, 2, ?, ?)", "sissiiii", ins->job_id, (gint64)ins->job_type,
	               ins->origin_site, ins->package_id, ins->created, (gint64)ins->priority, now,
	               now))
		return FALSE;
	text = sms_instruction_serialize(ins, &len);
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO desp_jobs(job, "
		                               "instruction, store_file, ins_written) VALUES (?, ?, ?, 0)",
		                               error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, ins->job_id);
		sqlite3_bind_blob(st, 2, text, (int)len, SQLITE_TRANSIENT);
		sms_db_bind_text(st, 3, store_file);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		{
			g_autofree char *key = g_strdup_printf("despooler-job:%s", ins->job_id);
			sms_site_cache_drop(site, key);
		}
	}
	if (!target_servers(site, ins, servers, error))
		return FALSE;
	for (guint i = 0; i < servers->len; i++) {
		if (!exec_args(site, error, "INSERT OR REPLACE INTO desp_work(job, server, kind, state,"
		               " retries, next_attempt) VALUES (?, ?, ?, 0, 0, ?)", "sssi", ins->job_id,
		               (const char *)servers->pdata[i],
		               ins->kind == SMS_INSTR_REMOVE ? "remove" : "install", now))
			return FALSE;
	}
	for (guint i = 0; i < ins->targets->len; i++) {
		SmsInstrTarget *t = ins->targets->pdata[i];
		if (!exec_args(site, error, "INSERT OR IGNORE INTO desp_targets(job, machine, domain, "
		               "written) VALUES (?, ?, ?, 0)", "sss", ins->job_id, t->machine,
		               t->domain))
			return FALSE;
	}
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                 .event = "despool.received", .job = ins->job_id,
	                                 .package = ins->package_id, .detail = ins->from_site },
	              error, "Received instruction %s for job %s (package %s) from site %s: %u "
	              "server(s), %u computer(s)", ins->id, ins->job_id, ins->package_id,
	              ins->from_site, servers->len, ins->targets->len))
		return FALSE;
	return report(site, ins, "site", NULL, NULL, SMS_STATUS_ACTIVE, NULL,
	              servers->len ? "Distributing" : "No distribution servers", now, error);
}

/* Remove one job's records from every master .INS of this site (cancel / expiry). */
static gboolean
strip_ins(SmsSite *site, const char *job, const char *package, guint *out_n, GError **error)
{
	guint n = 0;
	for (guint d = 0; d < site->def->domains->len; d++) {
		SmsDomainDef *dom = site->def->domains->pdata[d];
		g_autofree char *dir = NULL;
		g_autoptr(GDir) gd = NULL;
		const char *name;
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		if (!sms_str_equal_ci(dom->site, site->code))
			continue;
		dir = sms_layout_pcmdom(site, dom->name);
		gd = g_dir_open(dir, 0, NULL);
		while (gd && (name = g_dir_read_name(gd)) != NULL)
			if (g_str_has_suffix(name, ".INS"))
				g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_sort(names, sms_strptr_cmp);
		for (guint i = 0; i < names->len; i++) {
			g_autofree char *p = g_build_filename(dir, names->pdata[i], NULL);
			gboolean changed = FALSE;
			g_autoptr(GError) local = NULL;
			if (!sms_ins_remove(p, job, package, SMS_SYNC_NONE, &changed, &local)) {
				sms_log(site, DESP, SMS_TIME_NONE, "%s: %s (left alone)", p, local->message);
				continue;
			}
			n += changed;
		}
	}
	if (out_n)
		*out_n = n;
	return TRUE;
}

static gboolean
accept_cancel(SmsSite *site, SmsInstruction *ins, SmsTime now, GError **error)
{
	guint n = 0;
	if (!strip_ins(site, ins->job_id, NULL, &n, error))
		return FALSE;
	if (!exec_args(site, error, "UPDATE desp_work SET state = 5 WHERE job = ? AND state IN "
	               "(0, 1, 4)", "s", ins->job_id) ||
	    !exec_args(site, error, "UPDATE desp_targets SET written = 1 WHERE job = ?", "s",
	               ins->job_id) ||
	    !exec_args(site, error, "UPDATE desp_jobs SET cancelled = 1 WHERE job = ?", "s",
	               ins->job_id) ||
	    !exec_args(site, error, "UPDATE jobs SET status = 3, cancel_status = 4 WHERE id = ? "
	               "AND site != ?", "ss", ins->job_id, site->code))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "job.cancel_applied",
	                                   .job = ins->job_id, .detail = ins->origin_site }, error,
	                "Cancel of job %s: its commands removed from %u instruction file(s)",
	                ins->job_id, n);
}

static gboolean
machine_ins_path(SmsSite *site, const char *machine, char **out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT domain, smsid FROM machines WHERE name = ?",
	                               error);
	gboolean row;
	*out = NULL;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		g_autofree char *dir = sms_layout_pcmdom(site, sms_db_col_ctext(st, 0));
		g_autofree char *name = g_strdup_printf("%s.INS", sms_db_col_ctext(st, 1));
		*out = g_build_filename(dir, name, NULL);
	}
	sqlite3_reset(st);
	return TRUE;
}

static gboolean
strip_ins_machine_job(SmsSite *site, const char *machine, const char *job, guint *out_n,
                      GError **error)
{
	g_autofree char *path = NULL;
	gboolean changed = FALSE;
	if (!machine_ins_path(site, machine, &path, error))
		return FALSE;
	if (path && !sms_ins_remove(path, job, NULL, SMS_SYNC_FILE, &changed, error))
		return FALSE;
	*out_n = changed;
	return TRUE;
}

/* ---- status from workstations ------------------------------------------------------ */

static gboolean
process_sni(SmsSite *site, const char *receive, const char *name, SmsTime now,
            gboolean *out_deferred, char **out_done, char **out_mif, GError **error)
{
	g_autofree char *path = g_build_filename(receive, name, NULL);
	g_autoptr(SmsSni) sni = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(SmsInstruction) job = NULL;
	const char *result;
	int status;
	g_autofree char *detail = NULL;
	g_autofree char *mifpath = NULL;

	*out_deferred = FALSE;
	if (!sms_sni_load(path, &sni, &local))
		return move_aside(site, receive, name, local, now, error);
	if (sni->time > now) {
		/* KB Q172899: a future-dated status waits until its time */
		*out_deferred = TRUE;
		return TRUE;
	}
	if (!load_job(site, sni->job_id, &job, &local)) {
		g_autofree char *m = g_strdup_printf("status for unknown job %s", sni->job_id);
		GError e = { SMS_ERROR, SMS_ERROR_NOT_FOUND, m };
		return move_aside(site, receive, name, &e, now, error);
	}
	if (sni->mif)
		mifpath = g_build_filename(receive, sni->mif, NULL);
	if (sms_str_equal_ci(sni->status, "Expired")) {
		/* the PCM dropped an expired command: take it out of the master file */
		guint n = 0;
		if (!strip_ins_machine_job(site, sni->machine, sni->job_id, &n, error))
			return FALSE;
		result = "Expired";
		status = -1;
	} else if (mifpath && g_file_test(mifpath, G_FILE_TEST_EXISTS)) {
		g_autoptr(SmsStatusMif) mif = NULL;
		g_autoptr(GError) mlocal = NULL;
		if (sms_mif_load(mifpath, &mif, &mlocal)) {
			result = mif->success ? "Success" : "Failed";
			status = mif->success ? SMS_STATUS_COMPLETE : SMS_STATUS_RETRYING;
			detail = g_strdup(mif->description);
		} else {
			/* KB Q190135: "Compilation failed ... error code = cb"; counted as success */
			result = "Malformed";
			status = SMS_STATUS_COMPLETE;
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
			                                 .event = "status.mif_malformed",
			                                 .severity = SMS_SEV_WARNING, .job = sni->job_id,
			                                 .machine = sni->machine }, error,
			              "Compilation failed for status MIF %s, error code = cb (%s); the "
			              "status defaults to success", sni->mif, mlocal->message))
				return FALSE;
		}
	} else {
		gboolean ok = sms_str_equal_ci(sni->status, "Success") ||
		              sms_str_equal_ci(sni->status, "Executed");
		result = ok ? "Success" : "Failed";
		status = ok ? SMS_STATUS_COMPLETE : SMS_STATUS_RETRYING;
		detail = g_strdup(sni->description);
	}
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "status.received",
	                                 .job = sni->job_id, .machine = sni->machine,
	                                 .detail = result }, error,
	              "Status of job %s from %s: %s%s%s", sni->job_id, sni->machine, result,
	              detail ? ": " : "", detail ? detail : ""))
		return FALSE;
	if (status == SMS_STATUS_RETRYING &&
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "status.failed",
	                                 .severity = SMS_SEV_ERROR, .code = 374, .job = sni->job_id,
	                                 .machine = sni->machine, .detail = detail }, error,
	              "The workstation install job has failed on %s: %s", sni->machine,
	              detail ? detail : "(no description)"))
		return FALSE;
	if (status >= 0 && !report(site, job, "machine", NULL, sni->machine, status, NULL,
	                           detail ? detail : result, now, error))
		return FALSE;
	/* the files go once the transaction is committed (see process_receive) */
	*out_done = g_steal_pointer(&path);
	*out_mif = g_steal_pointer(&mifpath);
	return TRUE;
}

/* ---- installing -------------------------------------------------------------------- */

typedef struct {
	char *job, *server, *kind;
	int state, retries;
	SmsTime t0, next_attempt, forced_at;
	char *path;
} Work;

static void
work_free(gpointer p)
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

static const char *
share_dir_name(const SmsInstruction *ins)
{
	return ins->job_type == SMS_JOB_SHARE_PACKAGE && ins->share_name ? ins->share_name
	                                                                : ins->package_id;
}

/* Who holds a file of the package directory: share sessions and real locks on the
 * recorded directory (lib/share.h) and, for a directory not recorded yet (files that
 * were there before the Despooler), real locks on dest itself. */
static gboolean
holders(SmsSite *site, const SmsInstruction *ins, const char *server, const char *dest,
        gboolean recorded, SmsTime now, GPtrArray **out, GError **error)
{
	g_autoptr(GPtrArray) held = NULL;
	if (!sms_share_holders(site, server, share_dir_name(ins), now, &held, error))
		return FALSE;
	if (!recorded && dest) {
		guint first = held->len;
		if (!sms_share_real_locks(dest, held, error))
			return FALSE;
		for (guint i = first; i < held->len; i++) {
			SmsShareSession *s = held->pdata[i];
			s->server = g_strdup(server);
			s->share = g_strdup(share_dir_name(ins));
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
	/* Run Command: the SMS drive if it has the minimum free space (notes §4.3); share
	 * packages: the root of the drive with the most free space (RG:S3D3F) */
	letter = choose_drive(site, server,
	                      ins->job_type == SMS_JOB_SHARE_PACKAGE ? G_MAXINT32 : min_free,
	                      need_mb);
	if (ins->job_type == SMS_JOB_SHARE_PACKAGE && ins->share_name) {
		g_autofree char *share = g_strdup(ins->share_name);
		for (char *c = share; *c; c++)
			if (*c == '\\')
				*c = '/';
		drive = sms_layout_drive(site, server, letter);
		return g_build_filename(drive, share, NULL);
	}
	drive = sms_layout_pkg_share(site, server, letter);
	return g_build_filename(drive, ins->package_id, NULL);
}

static char *
unc_path(SmsSite *site, const char *server, const char *path)
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
	unc = unc_path(site, w->server, dest);
	/* a new directory gets the package's permissions; later installs keep what is set */
	if (first && !sms_share_set_acl(site, w->server, share_dir_name(ins), acl, error))
		return FALSE;
	if (!save_work(site, w, "installed", error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                 .event = "distribute.installed", .job = ins->job_id,
	                                 .package = ins->package_id, .server = w->server,
	                                 .detail = unc }, error,
	              "Package %s installed on %s as %s (%u file(s) copied)", ins->package_id,
	              w->server, unc, copied))
		return FALSE;
	if (!report(site, ins, "location", w->server, NULL, SMS_STATUS_COMPLETE, dest, NULL, now,
	            error))
		return FALSE;
	return report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, unc, now,
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
	if (!report(site, ins, "location", w->server, NULL, SMS_STATUS_CANCELLED, dest, NULL, now,
	            error))
		return FALSE;
	return report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, "removed",
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
	g_autofree char *text = g_strdup_printf("The package directory %s on %s is ready again.",
	                                        share_dir_name(ins), w->server);
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
	if (!sms_share_restore(site, w->server, share_dir_name(ins), error) ||
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
	                                 .event = "share.access_restored", .job = w->job,
	                                 .package = ins->package_id, .server = w->server },
	              error, "Access to the package directory %s on %s restored",
	              share_dir_name(ins), w->server))
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
 * install, Failed after the 100th retry (notes §5.5). */
static gboolean
retry_later(SmsSite *site, Work *w, const char *why, SmsTime now, GError **error)
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
		unc = unc_path(site, w->server, recorded);
		w->state = ST_DONE;
		w->next_attempt = SMS_TIME_NONE;
		g_free(w->path);
		w->path = g_strdup(recorded);
		return save_work(site, w, "already installed", error) &&
		       report(site, ins, "server", w->server, NULL, SMS_STATUS_COMPLETE, NULL, unc, now,
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
	       report(site, ins, "server", w->server, NULL, SMS_STATUS_FAILED, NULL, "no package",
	              now, error);
}

/* One attempt (first try, retry or forced delivery) for one server. */
static gboolean
attempt(SmsSite *site, const Settings *cfg, Work *w, SmsTime now, GHashTable *trees,
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

	if (!load_job(site, w->job, &ins, error))
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
				return retry_later(site, w, why, now, error);
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
		if (w->retries > 0 && !report(site, ins, "site", NULL, NULL, SMS_STATUS_ACTIVE, NULL,
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
			g_autofree char *text = g_strdup_printf("Warning: the package directory %s on %s "
			                                        "will be updated in %u minutes. Close the "
			                                        "files you have open there or you will be "
			                                        "disconnected.", share_dir_name(ins),
			                                        w->server, cfg->delay);
			w->state = ST_REVOKED;
			w->forced_at = now + (SmsTime)cfg->delay * SMS_MINUTE;
			w->next_attempt = w->forced_at;
			if (!save_work(site, w, "access revoked, forced disconnection pending", error))
				return FALSE;
			if (!sms_share_revoke(site, w->server, share_dir_name(ins), error) ||
			    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP,
			                                 .event = "share.access_revoked", .job = w->job,
			                                 .package = ins->package_id, .server = w->server,
			                                 .detail = site->self->service_account }, error,
			              "Retry count %d exceeds %u: access to %s on %s revoked for everyone "
			              "but %s", k, cfg->retries, share_dir_name(ins), w->server,
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
			return report(site, ins, "server", w->server, NULL, SMS_STATUS_FAILED, NULL,
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
			return report(site, ins, "server", w->server, NULL, SMS_STATUS_RETRYING, NULL,
			              "files in use", now, error);
		return TRUE;
	}
}

/* ---- run phase ------------------------------------------------------------------- */

static gboolean
job_installs_final(SmsSite *site, const char *job, gboolean *final, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT count(*) FROM desp_work WHERE job = ? AND "
	                               "state IN (0, 1, 4)", error);
	gboolean row;
	if (st == NULL || !sms_db_step(site->db, st, &row, error))
		return FALSE;
	*final = row && sqlite3_column_int(st, 0) == 0;
	sqlite3_reset(st);
	return TRUE;
}

/* Upsert a record into a master .INS; one that cannot be read is moved to BAD/ beside it
 * (status message) and rebuilt: this record now, the other jobs' records of the machine
 * at the next poll. */
static gboolean
upsert_or_rebuild(SmsSite *site, const char *path, const char *machine,
                  const SmsInsRecord *rec, gboolean *changed, SmsTime now, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *name = NULL;
	g_autoptr(SmsInsFile) old = NULL;
	g_autoptr(GError) why = NULL;
	if (sms_ins_upsert(path, rec, SMS_SYNC_NONE, changed, &local))
		return TRUE;
	/* is it the file? (and not, say, a record that cannot be written) */
	if (sms_ins_load(path, &old, &why) || why->domain != SMS_INS_ERROR ||
	    why->code == SMS_INS_ERROR_NOT_FOUND) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	dir = g_path_get_dirname(path);
	name = g_path_get_basename(path);
	if (!move_aside(site, dir, name, why, now, error) ||
	    !exec_args(site, error, "UPDATE desp_targets SET written = 0 WHERE machine = ? AND job IN"
	               " (SELECT job FROM desp_jobs WHERE cancelled = 0 AND ins_written = 1)", "s",
	               machine))
		return FALSE;
	return sms_ins_upsert(path, rec, SMS_SYNC_NONE, changed, error);
}

static gboolean
write_run_phase(SmsSite *site, const char *job, SmsTime now, GError **error)
{
	g_autoptr(SmsInstruction) ins = NULL;
	g_autoptr(SmsInsRecord) rec = sms_ins_record_new();
	g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st;
	gboolean row;
	SmsBatch batch;
	g_autofree char *req = NULL;
	guint written = 0;

	if (!load_job(site, job, &ins, error))
		return FALSE;
	rec->site_id = g_strdup(ins->origin_site);
	rec->request_id = g_strndup(ins->id, 7);
	rec->package_id = g_strdup(ins->package_id);
	rec->job_id = g_strdup(ins->job_id);
	/* Install Flag (notes §3.1): 1 any link speed, 2 mandatory but not over a slow link */
	rec->install_flag = ins->force_slow_link ? 1 : ins->mandatory_after != SMS_TIME_NONE ? 2 : 0;
	rec->install_by = ins->mandatory_after;
	rec->install_by_full = ins->mandatory_after != SMS_TIME_NONE;
	rec->display_date = ins->offer_after;
	rec->display_full = TRUE;
	rec->expiration = ins->expires_after;
	rec->expiration_full = ins->expires_after != SMS_TIME_NONE;
	rec->user_input = (ins->command_flags & SMS_CMD_USER_INPUT) ? 1 : 0;
	rec->os_mask = ins->platforms;
	rec->run_command = g_strdup(ins->command_line);
	rec->wcl_name = g_strdup(ins->command_name);
	rec->package_name = g_strdup(ins->package_name);
	rec->comments = g_strdup(ins->package_comment);
	rec->flags = ins->command_flags;
	st = sms_db_stmt(site->db, "SELECT server, path FROM desp_work WHERE job = ? AND state = 2 "
	                 "ORDER BY server", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	while (sms_db_step(site->db, st, &row, error) && row) {
		g_autofree char *unc = unc_path(site, sms_db_col_ctext(st, 0), sms_db_col_ctext(st, 1));
		sms_ins_record_add_server(rec, unc, SMS_SERVER_WINNT3);
	}
	if (rec->servers->len == 0)
		/* nowhere to run from: nothing to offer, now or later (the installs are final) */
		return exec_args(site, error, "UPDATE desp_targets SET written = 1 WHERE job = ?", "s",
		                 job);
	st = sms_db_stmt(site->db, "SELECT t.machine, m.domain, m.smsid FROM desp_targets t JOIN "
	                 "machines m ON m.name = t.machine WHERE t.job = ? AND t.written = 0 AND "
	                 "m.smsid IS NOT NULL ORDER BY t.machine", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	sms_batch_init(&batch, site->root);
	for (;;) {
		g_autofree char *dir = NULL;
		g_autofree char *path = NULL;
		gboolean changed;
		if (!sms_db_step(site->db, st, &row, error)) {
			sms_batch_clear(&batch);
			return FALSE;
		}
		if (!row)
			break;
		dir = sms_layout_pcmdom(site, sms_db_col_ctext(st, 1));
		path = g_strdup_printf("%s/%s.INS", dir, sms_db_col_ctext(st, 2));
		g_ptr_array_add(todo, g_strdup(sms_db_col_ctext(st, 0)));
		g_free(rec->domain);
		rec->domain = g_strdup(sms_db_col_ctext(st, 1));
		if (!sms_mkdir_p(dir, error) ||
		    !upsert_or_rebuild(site, path, sms_db_col_ctext(st, 0), rec, &changed, now,
		                       error)) {
			sqlite3_reset(st);
			sms_batch_clear(&batch);
			return FALSE;
		}
		batch.written++;
		written++;
	}
	if (!sms_batch_commit(&batch, error)) {
		sms_batch_clear(&batch);
		return FALSE;
	}
	sms_batch_clear(&batch);
	for (guint i = 0; i < todo->len; i++) {
		if (!exec_args(site, error, "UPDATE desp_targets SET written = 1 WHERE job = ? AND "
		               "machine = ?", "ss", job, (const char *)todo->pdata[i]) ||
		    !sms_emit(site, &(SmsEvent){ .time = now, .component = DESP, .event = "ins.written",
		                                 .job = job, .package = ins->package_id,
		                                 .machine = todo->pdata[i] }, error,
		              "Instruction for job %s written for %s", job, (char *)todo->pdata[i]))
			return FALSE;
	}
	(void)req;
	(void)written;
	return TRUE;
}

/* When every server of a job is done: the site's part is complete (or failed). */
static gboolean
finish_site(SmsSite *site, const char *job, SmsTime now, GError **error)
{
	g_autoptr(SmsInstruction) ins = NULL;
	sqlite3_stmt *st;
	gboolean row;
	int done = 0, failed = 0;
	if (!load_job(site, job, &ins, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT sum(state = 2), sum(state = 3) FROM desp_work WHERE "
	                 "job = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row) {
		done = sqlite3_column_int(st, 0);
		failed = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (!exec_args(site, error, "UPDATE desp_jobs SET ins_written = 1 WHERE job = ?", "s", job))
		return FALSE;
	return report(site, ins, "site", NULL, NULL,
	              failed && !done ? SMS_STATUS_FAILED : SMS_STATUS_COMPLETE, NULL,
	              failed ? "Some servers failed" : "Distributed", now, error);
}

/* ---- the pass --------------------------------------------------------------------- */

static gboolean
regular_file(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	struct stat sb;
	return lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static gint
receive_order(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean
process_receive(SmsSite *site, SmsTime now, GError **error)
{
	g_autofree char *receive = sms_layout_receive(site);
	g_autoptr(GDir) d = g_dir_open(receive, 0, NULL);
	g_autoptr(GPtrArray) ins_files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) sni_files = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		gboolean ins = g_str_has_suffix(name, ".INS"), sni = g_str_has_suffix(name, ".SNI");
		if ((ins || sni || g_str_has_suffix(name, ".PCK")) && !regular_file(receive, name)) {
			/* a symbolic link, directory or device: never read through it */
			GError e = { SMS_ERROR, SMS_ERROR_INVALID, (char *)"not a regular file" };
			if (!move_aside(site, receive, name, &e, now, error))
				return FALSE;
			continue;
		}
		if (ins)
			g_ptr_array_add(ins_files, g_strdup(name));
		else if (sni)
			g_ptr_array_add(sni_files, g_strdup(name));
	}
	g_ptr_array_sort(ins_files, receive_order);
	g_ptr_array_sort(sni_files, receive_order);
	/* instructions first, then status (1.2 hotfix order .ins before .sni, KB Q168130) */
	for (guint i = 0; i < ins_files->len; i++) {
		const char *fname = ins_files->pdata[i];
		g_autofree char *path = g_build_filename(receive, fname, NULL);
		g_autofree char *base = g_strndup(fname, strlen(fname) - 4);
		g_autoptr(SmsInstruction) ins = NULL;
		g_autoptr(GError) local = NULL;
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		gboolean row;
		sqlite3_stmt *st;

		if (!sms_instruction_load(path, &ins, &local)) {
			g_autofree char *pck = g_strdup_printf("%s.PCK", base);
			if (!move_aside(site, receive, fname, local, now, error))
				return FALSE;
			(void)move_aside(site, receive, pck, local, now, NULL);
			continue;
		}
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		st = sms_db_stmt(site->db, "SELECT 1 FROM desp_done WHERE instruction = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, ins->id);
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		sqlite3_reset(st);
		if (!row) {
			gboolean ok = check_instruction(site, ins, &local);
			switch (ok ? ins->kind : 0) {
			case SMS_INSTR_INSTALL:
			case SMS_INSTR_REMOVE:
				ok = accept_install(site, receive, base, ins, now, &local);
				break;
			case SMS_INSTR_CANCEL:
				ok = accept_cancel(site, ins, now, &local);
				break;
			default:
				break;
			case SMS_INSTR_STATUS:
				if (sms_str_equal_ci(ins->origin_site, site->code)) {
					ok = sms_instruction_apply_status(site, ins, &local);
				} else {
					/* relay towards the origin through our parent */
					g_autoptr(SmsInstruction) copy = NULL;
					gsize len;
					g_autofree char *text = sms_instruction_serialize(ins, &len);
					ok = sms_instruction_parse(fname, text, len, &copy, &local) &&
					     sms_sender_queue_status(site, ins->origin_site, copy, now, &local);
				}
				break;
			}
			if (!ok) {
				if (g_error_matches(local, SMS_DB_ERROR, SMS_DB_ERROR_BUSY) ||
				    g_error_matches(local, SMS_ERROR, SMS_ERROR_FAULT)) {
					g_propagate_error(error, g_steal_pointer(&local));
					return FALSE;
				}
				sms_db_rollback(site->db);
				txn.active = FALSE;
				if (!move_aside(site, receive, fname, local, now, error))
					return FALSE;
				{
					g_autofree char *pck = g_strdup_printf("%s.PCK", base);
					(void)move_aside(site, receive, pck, local, now, NULL);
				}
				continue;
			}
			if (!exec_args(site, error, "INSERT INTO desp_done(instruction, processed) VALUES "
			               "(?, ?)", "si", ins->id, now))
				return FALSE;
		}
		if (sms_fault("despooler-before-commit", error))
			return FALSE;
		if (!sms_txn_commit(&txn, error))
			return FALSE;
		{
			g_autofree char *pck = g_strdup_printf("%s/%s.PCK", receive, base);
			unlink(pck);
		}
		if (unlink(path) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing %s", path);
	}
	/* the status files in one transaction; their files removed once it committed */
	if (sni_files->len > 0) {
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		g_autoptr(GPtrArray) remove = g_ptr_array_new_with_free_func(g_free);
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		for (guint i = 0; i < sni_files->len; i++) {
			gboolean deferred;
			char *done = NULL;
			char *mif = NULL;
			if (!process_sni(site, receive, sni_files->pdata[i], now, &deferred, &done, &mif,
			                 error))
				return FALSE;
			g_ptr_array_add(remove, mif);   /* the MIF before its .SNI; NULL: none */
			g_ptr_array_add(remove, done);
		}
		if (!sms_txn_commit(&txn, error))
			return FALSE;
		/* a crash before this point processes the statuses again: same result */
		for (guint i = 0; i < remove->len; i++) {
			const char *f = remove->pdata[i];
			if (f && unlink(f) < 0 && errno != ENOENT)
				return sms_throw_errno(error, "removing %s", f);
		}
	}
	return TRUE;
}

static void
free_tree(gpointer p)
{
	char *dir = p;
	if (!sms_rm_rf(dir, NULL))
		g_warning("could not remove %s", dir);
	g_free(dir);
}

gboolean
sms_despooler_pass(SmsSite *site, SmsTime now, GError **error)
{
	Settings cfg;
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(work_free);
	g_autoptr(GHashTable) trees = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                    free_tree);
	g_autoptr(GHashTable) remaining = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                        NULL);
	g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st;
	gboolean row;

	if (!ensure_schema(site, error) || !settings(site, &cfg, error))
		return FALSE;
	if (paused(site))
		return TRUE;
	if (!process_receive(site, now, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT job, server, kind, state, t0, retries, next_attempt, "
	                 "forced_at, path FROM desp_work WHERE state IN (0, 1, 4) AND next_attempt "
	                 "<= ? ORDER BY next_attempt, job, server", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, now);
	while (sms_db_step(site->db, st, &row, error) && row) {
		Work *w = g_new0(Work, 1);
		w->job = sms_db_col_text(st, 0);
		w->server = sms_db_col_text(st, 1);
		w->kind = sms_db_col_text(st, 2);
		w->state = sqlite3_column_int(st, 3);
		w->t0 = sms_db_col_time(st, 4);
		w->retries = sqlite3_column_int(st, 5);
		w->next_attempt = sms_db_col_time(st, 6);
		w->forced_at = sms_db_col_time(st, 7);
		w->path = sms_db_col_text(st, 8);
		g_ptr_array_add(due, w);
	}
	for (guint i = 0; i < due->len; i++) {
		Work *w = due->pdata[i];
		g_hash_table_insert(remaining, g_strdup(w->job),
		                    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(remaining,
		                                                                        w->job)) + 1));
	}
	for (guint i = 0; i < due->len; i++) {
		Work *w = due->pdata[i];
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		gboolean final;
		g_autoptr(GError) local = NULL;
		Work before = *w;
		g_autofree char *before_path = g_strdup(w->path);
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		if (!attempt(site, &cfg, w, now, trees, remaining, &local)) {
			/* crashes (injected) and a locked database stop the pass; anything else is this
			 * server's problem: undo the attempt, retry it later */
			if (g_error_matches(local, SMS_ERROR, SMS_ERROR_FAULT) ||
			    local->domain == SMS_DB_ERROR) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			sms_txn_clear(&txn);
			g_free(w->path);
			*w = before;
			w->path = g_steal_pointer(&before_path);
			g_prefix_error(&local, "%s of job %s on %s failed: ",
			               g_strcmp0(w->kind, "remove") == 0 ? "Removal" : "Installation",
			               w->job, w->server);
			if (!sms_txn_begin(&txn, error) || !retry_later(site, w, local->message, now, error))
				return FALSE;
		}
		g_hash_table_insert(remaining, g_strdup(w->job),
		                    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(remaining,
		                                                                        w->job)) - 1));
		if (!job_installs_final(site, w->job, &final, error))
			return FALSE;
		if (!sms_txn_commit(&txn, error))
			return FALSE;
	}
	g_hash_table_remove_all(trees);
	/* jobs whose distribution just finished, and run phases waiting for SMS IDs */
	st = sms_db_stmt(site->db, "SELECT j.job FROM desp_jobs j WHERE j.ins_written = 0 AND NOT "
	                 "EXISTS (SELECT 1 FROM desp_work w WHERE w.job = j.job AND w.state IN "
	                 "(0, 1, 4)) UNION SELECT DISTINCT t.job FROM desp_targets t JOIN machines m "
	                 "ON m.name = t.machine WHERE t.written = 0 AND m.smsid IS NOT NULL AND "
	                 "t.job IN (SELECT job FROM desp_jobs WHERE ins_written = 1) ORDER BY 1",
	                 error);
	if (st == NULL)
		return FALSE;
	while (sms_db_step(site->db, st, &row, error) && row)
		g_ptr_array_add(jobs, sms_db_col_text(st, 0));
	for (guint i = 0; i < jobs->len; i++) {
		g_autoptr(SmsInstruction) ins = NULL;
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		gboolean first;
		if (!sms_txn_begin(&txn, error) || !load_job(site, jobs->pdata[i], &ins, error))
			return FALSE;
		st = sms_db_stmt(site->db, "SELECT ins_written FROM desp_jobs WHERE job = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, ins->job_id);
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		first = row && sqlite3_column_int(st, 0) == 0;
		sqlite3_reset(st);
		if (ins->kind == SMS_INSTR_INSTALL && ins->run_command) {
			if (!write_run_phase(site, ins->job_id, now, error))
				return FALSE;
		} else if (!exec_args(site, error, "UPDATE desp_targets SET written = 1 WHERE job = ?",
		                      "s", ins->job_id)) {
			return FALSE;   /* no run phase: nothing is waiting for SMS IDs */
		}
		if (ins->kind == SMS_INSTR_REMOVE && ins->remove_tasks == SMS_REMOVE_ALL && first) {
			/* all servers: the stored copy and the package's PCM commands go too */
			g_autofree char *store = sms_layout_store(site);
			g_autofree char *w = g_strdup_printf("%s/%s.WKS", store, ins->package_id);
			g_autofree char *s = g_strdup_printf("%s/%s.SRV", store, ins->package_id);
			unlink(w);
			unlink(s);
			if (!strip_ins(site, NULL, ins->package_id, NULL, error))
				return FALSE;
		}
		if (first && !finish_site(site, ins->job_id, now, error))
			return FALSE;
		if (!sms_txn_commit(&txn, error))
			return FALSE;
	}
	return TRUE;
}

SmsTime
sms_despooler_next_wakeup(SmsSite *site, SmsTime now)
{
	g_autofree char *receive = sms_layout_receive(site);
	g_autoptr(GDir) d = NULL;
	const char *name;
	SmsTime next = SMS_TIME_NEVER;
	sqlite3_stmt *st;
	gboolean row;
	g_autoptr(GError) error = NULL;

	if (!ensure_schema(site, &error) || paused(site))
		return SMS_TIME_NEVER;
	d = g_dir_open(receive, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(name, ".INS"))
			return sms_poll_ceil(site, now);
		if (g_str_has_suffix(name, ".SNI")) {
			g_autofree char *p = g_build_filename(receive, name, NULL);
			g_autoptr(SmsSni) sni = NULL;
			if (!sms_sni_load(p, &sni, NULL) || sni->time <= now)
				return sms_poll_ceil(site, now);
			next = MIN(next, sms_poll_ceil(site, sni->time));
		}
	}
	st = sms_db_stmt(site->db, "SELECT min(next_attempt) FROM desp_work WHERE state IN (0, 1, 4)",
	                 &error);
	if (st && sms_db_step(site->db, st, &row, &error) && row &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		/* retries fall on t0 + k*x (on the poll grid); the forced disconnection is a timer
		 * z minutes after the warning, to the minute */
		next = MIN(next, MAX(now, sqlite3_column_int64(st, 0)));
	if (st)
		sqlite3_reset(st);
	st = sms_db_stmt(site->db, "SELECT EXISTS (SELECT 1 FROM desp_jobs j WHERE j.ins_written = 0"
	                 " AND NOT EXISTS (SELECT 1 FROM desp_work w WHERE w.job = j.job AND w.state "
	                 "IN (0, 1, 4))) OR EXISTS (SELECT 1 FROM desp_targets t JOIN machines m ON "
	                 "m.name = t.machine JOIN desp_jobs j ON j.job = t.job WHERE t.written = 0 "
	                 "AND m.smsid IS NOT NULL AND j.ins_written = 1)", &error);
	if (st && sms_db_step(site->db, st, &row, &error) && row && sqlite3_column_int(st, 0))
		next = MIN(next, sms_poll_ceil(site, now));
	if (st)
		sqlite3_reset(st);
	return next;
}

gboolean
sms_despooler_ensure_schema(SmsSite *site, GError **error)
{
	Settings cfg;
	return ensure_schema(site, error) && settings(site, &cfg, error);
}
