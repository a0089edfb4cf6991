/* pcm.c -- the Package Command Manager (notes §3): polling, offer / mandatory / expiry
 * on the workstation's clock, the 5-minute countdown, running a command from a
 * distribution server while holding its files, status MIF + .SNI back. */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "ini.h"
#include "ins.h"
#include "job.h"
#include "mif.h"
#include "pcm.h"
#include "pdf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PCM "pcm"

static gboolean execute_mode;

void
sms_pcm_set_execute(gboolean execute)
{
	execute_mode = execute;
}
#define COUNTDOWN (5 * SMS_MINUTE)

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
};

const char *
sms_pcm_state_name(SmsPcmState s)
{
	static const char *names[] = { "Pending", "Offered", "Countdown", "Running", "Executed",
		"Archived", "Expired", "Removed" };
	return s <= SMS_PCM_REMOVED ? names[s] : "?";
}

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, PCM, pcm_migrations, G_N_ELEMENTS(pcm_migrations), error);
}

typedef struct {
	char *machine, *smsid, *domain, *platform, *user, *server;
	int offset;          /* minutes */
	SmsTime logon_time, polling;
	gint64 file_mtime;
	gboolean dirty;
	SmsTime countdown;
	int seq;
} Client;

static void
client_clear(Client *c)
{
	g_free(c->machine); g_free(c->smsid); g_free(c->domain); g_free(c->platform);
	g_free(c->user); g_free(c->server);
}

static gboolean
load_client(SmsSite *site, const char *machine, Client *c, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT c.machine, m.smsid, m.domain, m.platform, "
	                               "m.user, c.server, m.clock_offset, c.logon_time, c.polling, "
	                               "c.file_mtime, c.dirty, c.countdown, c.seq FROM pcm_clients c "
	                               "JOIN machines m ON m.name = c.machine WHERE c.machine = ?",
	                               error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "workstation %s has not logged on (run "
		                 "'logon --site %s user NAME --workstation %s')", machine, site->root,
		                 machine);
	c->machine = sms_db_col_text(st, 0);
	c->smsid = sms_db_col_text(st, 1);
	c->domain = sms_db_col_text(st, 2);
	c->platform = sms_db_col_text(st, 3);
	c->user = sms_db_col_text(st, 4);
	c->server = sms_db_col_text(st, 5);
	c->offset = sqlite3_column_int(st, 6);
	c->logon_time = sqlite3_column_int64(st, 7);
	c->polling = sqlite3_column_int64(st, 8);
	c->file_mtime = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
	c->dirty = sqlite3_column_int(st, 10);
	c->countdown = sqlite3_column_int64(st, 11);
	c->seq = sqlite3_column_int(st, 12);
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

static gboolean
exec_args(SmsSite *site, GError **error, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
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
	}
	va_end(ap);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_pcm_logon(SmsSite *site, const char *machine, SmsTime now, GError **error)
{
	g_autofree char *ini = NULL;
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	g_autofree char *path = g_build_filename(wdir, "SMS.INI", NULL);
	g_autoptr(SmsIni) smsini = NULL;
	SmsTime polling = site->self->pcm_polling * SMS_MINUTE;
	SmsTime countdown = COUNTDOWN;
	const char *v, *server = NULL;
	if (!ensure_schema(site, error))
		return FALSE;
	smsini = sms_ini_load(path, NULL);
	if (smsini) {
		if ((v = sms_ini_get(smsini, "Package Command Manager", "PollingInterval")) &&
		    atoi(v) > 0)
			polling = atoi(v) * SMS_MINUTE;
		if ((v = sms_ini_get(smsini, "Local", "DisablePCMCountdown")) &&
		    (sms_str_equal_ci(v, "TRUE") || g_str_equal(v, "1")))
			countdown = 0;
		server = sms_ini_get(smsini, "Servers", "CurrentLogonServer");
	}
	return exec_args(site, error, "INSERT INTO pcm_clients(machine, logon_time, polling, "
	                 "next_due, dirty, server, countdown) VALUES (?1, ?2, ?3, ?2, 1, ?4, ?5) ON "
	                 "CONFLICT(machine) DO UPDATE SET logon_time = ?2, polling = ?3, next_due = "
	                 "?2, dirty = 1, server = ?4, countdown = ?5", "siisi", machine, now, polling,
	                 server, countdown);
}

gboolean
sms_pcm_file_changed(SmsSite *site, const char *smsid, SmsTime now, GError **error)
{
	g_autofree char *machine = NULL;
	sqlite3_stmt *st;
	gboolean row;
	Client c = { 0 };
	SmsTime due;
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
	if (machine == NULL)
		return TRUE;
	{
		g_autoptr(GError) local = NULL;
		if (!load_client(site, machine, &c, &local))
			return TRUE;   /* not logged on yet: it reads the file at logon */
	}
	due = poll_at(&c, now);
	client_clear(&c);
	return exec_args(site, error, "UPDATE pcm_clients SET dirty = 1, next_due = min(coalesce("
	                 "next_due, ?1), ?1) WHERE machine = ?2", "is", due, machine);
}

/* ---- reading the instruction file ---------------------------------------------- */

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
read_instructions(SmsSite *site, Client *c, SmsTime now, GError **error)
{
	g_autofree char *box = sms_layout_pcins(site, c->server ? c->server : "");
	g_autofree char *name = g_strdup_printf("%s.INS", c->smsid ? c->smsid : "NONE");
	g_autofree char *path = g_build_filename(box, name, NULL);
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GHashTable) present = g_hash_table_new(g_str_hash, g_str_equal);
	struct stat sb;
	gint64 mtime = -1;

	if (c->server == NULL || !g_file_test(box, G_FILE_TEST_IS_DIR)) {
		sms_log(site, PCM, now, "%s: logon server %s not reachable", c->machine,
		        c->server ? c->server : "(none)");
		return TRUE;
	}
	if (stat(path, &sb) == 0)
		mtime = (gint64)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	if (mtime == c->file_mtime && !c->dirty)
		return TRUE;    /* LastPCMFileTime unchanged: the file is not re-read */
	if (mtime >= 0 && !sms_ins_load(path, &f, &local)) {
		/* keep the last good state */
		sms_log(site, PCM, now, "%s: %s; keeping the last good instructions", c->machine,
		        local->message);
		return exec_args(site, error, "UPDATE pcm_clients SET file_mtime = ?, dirty = 0 WHERE "
		                 "machine = ?", "is", mtime, c->machine);
	}
	for (guint i = 0; f && i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		g_autofree char *servers = servers_text(r);
		g_hash_table_add(present, r->job_id);
		if (!exec_args(site, error, "INSERT INTO pcm_cmds(machine, job, state, offer, mandatory,"
		               " expires, os_mask, flags, command_line, wcl_name, package, package_name,"
		               " site, servers) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		               "?12, ?13) ON CONFLICT(machine, job) DO UPDATE SET offer = ?3, mandatory "
		               "= ?4, expires = ?5, servers = ?13", "sstttiissssss", c->machine,
		               r->job_id, r->display_date,
		               r->install_by_full ? r->install_by : SMS_TIME_NONE,
		               r->expiration_full ? r->expiration : SMS_TIME_NONE, (gint64)r->os_mask,
		               (gint64)r->flags, r->run_command, r->wcl_name, r->package_id,
		               r->package_name, r->site_id, servers))
			return FALSE;
	}
	/* commands no longer in the file were cancelled (KB Q188042) */
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT job FROM pcm_cmds WHERE machine = ? "
		                               "AND state IN (0, 1, 2)", error);
		g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
		gboolean row;
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, c->machine);
		while (sms_db_step(site->db, st, &row, error) && row)
			if (!g_hash_table_contains(present, sms_db_col_ctext(st, 0)))
				g_ptr_array_add(gone, sms_db_col_text(st, 0));
		for (guint i = 0; i < gone->len; i++) {
			if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 7 WHERE machine = ? AND "
			               "job = ?", "ss", c->machine, (const char *)gone->pdata[i]))
				return FALSE;
			sms_log(site, PCM, now, "%s: command of job %s withdrawn", c->machine,
			        (char *)gone->pdata[i]);
		}
	}
	c->file_mtime = mtime;
	{
		/* LastPCMFileTime in SMS.INI */
		g_autofree char *wdir = sms_layout_workstation(site, c->machine);
		g_autofree char *ipath = g_build_filename(wdir, "SMS.INI", NULL);
		g_autoptr(SmsIni) ini = sms_ini_load(ipath, NULL);
		if (ini) {
			char v[32];
			gsize len;
			g_autofree char *data = NULL;
			g_snprintf(v, sizeof v, "%" G_GINT64_FORMAT, mtime < 0 ? 0 : mtime / 1000000000);
			sms_ini_set(ini, "Local", "LastPCMFileTime", v);
			data = sms_ini_to_data(ini, &len);
			if (!sms_atomic_write(ipath, data, len, 0644, SMS_SYNC_NONE, error))
				return FALSE;
		}
	}
	return exec_args(site, error, "UPDATE pcm_clients SET file_mtime = ?, dirty = 0 WHERE "
	                 "machine = ?", "is", mtime, c->machine);
}

/* ---- status back ------------------------------------------------------------------ */

static gboolean
write_status(SmsSite *site, Client *c, const char *job, const char *site_code,
             const char *status, const char *description, const char *mif_src, SmsTime now,
             GError **error)
{
	g_autofree char *box = sms_layout_logon_despool(site, c->server);
	g_autofree char *base = NULL;
	g_autofree char *mif_name = NULL;
	g_autoptr(SmsSni) sni = g_new0(SmsSni, 1);
	g_autofree char *text = NULL;
	g_autofree char *sni_path = NULL;
	c->seq++;
	base = g_strdup_printf("%s%03X", c->smsid, c->seq & 0xFFF);
	if (!sms_mkdir_p(box, error))
		return FALSE;
	if (mif_src) {
		/* status MIF first, renamed .PCK, then the .SNI naming it: the Despooler never
		 * sees a Failed job's .SNI without its MIF (KB Q138241) */
		g_autofree char *dst = NULL;
		mif_name = g_strdup_printf("%s.PCK", base);
		dst = g_build_filename(box, mif_name, NULL);
		if (!sms_atomic_copy(mif_src, dst, SMS_SYNC_FILE, error))
			return FALSE;
	}
	sni->site = g_strdup(site_code ? site_code : site->code);
	sni->job_id = g_strdup(job);
	sni->smsid = g_strdup(c->smsid);
	sni->machine = g_strdup(c->machine);
	sni->status = g_strdup(status);
	sni->mif = g_steal_pointer(&mif_name);
	sni->description = g_strdup(description);
	sni->time = now + c->offset * SMS_MINUTE;   /* the workstation's clock */
	text = sms_sni_format(sni);
	sni_path = g_strdup_printf("%s/%s.SNI", box, base);
	if (!sms_atomic_write(sni_path, text, strlen(text), 0644, SMS_SYNC_FILE, error))
		return FALSE;
	return exec_args(site, error, "UPDATE pcm_clients SET seq = ? WHERE machine = ?", "is",
	                 (gint64)c->seq, c->machine);
}

/* ---- running ------------------------------------------------------------------------ */

typedef struct {
	char *job, *servers, *command_line, *package, *site;
	SmsTime offer, mandatory, expires, run_at, finish_at;
	guint32 os_mask, flags;
	int state;
	gint64 session;
	char *dist_server;
} Cmd;

static void
cmd_free(gpointer p)
{
	Cmd *c = p;
	g_free(c->job); g_free(c->servers); g_free(c->command_line); g_free(c->package);
	g_free(c->site); g_free(c->dist_server); g_free(c);
}

static gboolean
load_cmds(SmsSite *site, const char *machine, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT job, state, offer, mandatory, expires, "
	                               "os_mask, flags, servers, command_line, package, site, run_at,"
	                               " finish_at, session, dist_server FROM pcm_cmds WHERE machine "
	                               "= ? AND state IN (0, 1, 2, 3) ORDER BY coalesce(mandatory, "
	                               "offer), job", error);
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
		g_ptr_array_add(out, c);
	}
	return TRUE;
}

static char *
unc_server(const char *unc)
{
	const char *p = unc;
	const char *end;
	while (*p == '\\')
		p++;
	end = strchr(p, '\\');
	return end ? g_strndup(p, (gsize)(end - p)) : g_strdup(p);
}

static gboolean
server_revoked(SmsSite *site, const char *server, const char *package)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT revoked FROM share_acl WHERE server = ? AND"
	                               " share = ?", NULL);
	gboolean row, r = FALSE;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, server);
	sms_db_bind_text(st, 2, package);
	if (sms_db_step(site->db, st, &row, NULL) && row)
		r = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return r;
}

/* Distribution server (notes §3.2): the current logon server if it has the package,
 * else one of the listed servers (a stable pick per workstation, where SMS was random),
 * skipping servers whose package directory refuses new connections. */
static char *
choose_server(SmsSite *site, Client *c, Cmd *cmd)
{
	g_auto(GStrv) list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	guint n = g_strv_length(list);
	if (n == 0 || *list[0] == '\0')
		return NULL;
	for (guint i = 0; i < n; i++) {
		g_autofree char *s = unc_server(list[i]);
		if (c->server && sms_str_equal_ci(s, c->server) && !server_revoked(site, s, cmd->package))
			return g_steal_pointer(&s);
	}
	for (guint k = 0; k < n; k++) {
		guint i = (g_str_hash(c->machine) + k) % n;
		g_autofree char *s = unc_server(list[i]);
		if (!server_revoked(site, s, cmd->package))
			return g_steal_pointer(&s);
	}
	return NULL;
}

typedef struct {
	int duration, exit_code;
	char *mif;
} Outcome;

static void
outcome_for(SmsSite *site, const char *job, const char *machine, Outcome *o)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT duration, exit_code, status_mif FROM "
	                               "pcm_outcomes WHERE job = ? AND (machine = ? OR machine = '*')"
	                               " ORDER BY machine = '*', id LIMIT 1", NULL);
	gboolean row;
	o->duration = 5;
	o->exit_code = 0;
	o->mif = NULL;
	if (st == NULL)
		return;
	sms_db_bind_text(st, 1, job);
	sms_db_bind_text(st, 2, machine);
	if (sms_db_step(site->db, st, &row, NULL) && row) {
		o->duration = sqlite3_column_int(st, 0);
		o->exit_code = sqlite3_column_int(st, 1);
		o->mif = sms_db_col_text(st, 2);
	}
	sqlite3_reset(st);
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
	return g_ascii_strup(p, (gssize)(e - p));
}

/* Local directory of \\SERVER\SMS_PKGC\PKG\ in the site root. */
static char *
package_dir(SmsSite *site, const char *server, Cmd *cmd)
{
	g_auto(GStrv) list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	for (char **p = list; *p; p++) {
		g_autofree char *s = unc_server(*p);
		if (sms_str_equal_ci(s, server)) {
			/* \\S\SHARE\DIR\ -> servers/S/<drive>/SHARE/DIR, drive from SMS_PKG<drive> */
			g_auto(GStrv) parts = g_strsplit(*p + 2, "\\", -1);
			if (g_strv_length(parts) >= 3 && g_str_has_prefix(parts[1], "SMS_PKG")) {
				char drive[2] = { parts[1][7], 0 };
				return g_build_filename(site->root, "servers", parts[0], drive, parts[1],
				                        parts[2], NULL);
			}
		}
	}
	return NULL;
}

/* pcm --execute: run the command line through /bin/sh in the package directory with a
 * timeout, holding a real lock on the file it starts. Returns the result text. */
static char *
run_real(SmsSite *site, Client *c, Cmd *cmd, const char *server, gboolean *ok)
{
	g_autofree char *dir = package_dir(site, server, cmd);
	g_autofree char *exe = first_word(cmd->command_line);
	g_autofree char *windir = NULL;
	const char *t = g_getenv("SMSEMU_PCM_TIMEOUT");
	gint64 timeout = t ? g_ascii_strtoll(t, NULL, 10) : 600;
	gint64 start = g_get_real_time();
	int lockfd = -1, status = 0;
	pid_t pid;
	*ok = FALSE;
	if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR))
		return g_strdup_printf("package directory on %s not found", server);
	{
		g_autofree char *wdir = sms_layout_workstation(site, c->machine);
		windir = g_build_filename(wdir, "WINDOWS", NULL);
		(void)g_mkdir_with_parents(windir, 0755);
	}
	{
		g_autofree char *lockpath = g_build_filename(dir, exe, NULL);
		lockfd = open(lockpath, O_RDONLY | O_CLOEXEC);
		if (lockfd >= 0)
			(void)flock(lockfd, LOCK_SH);
	}
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(127);
		g_setenv("WINDIR", windir, TRUE);
		execl("/bin/sh", "sh", "-c", cmd->command_line, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		if (lockfd >= 0)
			close(lockfd);
		return g_strdup_printf("cannot start the command: %s", g_strerror(errno));
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if ((g_get_real_time() - start) / G_USEC_PER_SEC >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (lockfd >= 0)
				close(lockfd);
			return g_strdup_printf("timed out after %" G_GINT64_FORMAT " s", timeout);
		}
		g_usleep(20000);
	}
	if (lockfd >= 0)
		close(lockfd);
	/* a status MIF written into the Windows directory after the start wins */
	{
		g_autoptr(GDir) d = g_dir_open(windir, 0, NULL);
		const char *name;
		while (d && (name = g_dir_read_name(d)) != NULL) {
			g_autofree char *p = g_build_filename(windir, name, NULL);
			struct stat sb;
			g_autoptr(SmsStatusMif) mif = NULL;
			if (!g_str_has_suffix(name, ".MIF") && !g_str_has_suffix(name, ".mif"))
				continue;
			if (stat(p, &sb) < 0 || (gint64)sb.st_mtime * G_USEC_PER_SEC < start - G_USEC_PER_SEC)
				continue;
			if (sms_mif_load(p, &mif, NULL)) {
				*ok = mif->success;
				return g_strdup_printf("status MIF %s: %s%s%s", name, mif->status,
				                       mif->description ? " - " : "",
				                       mif->description ? mif->description : "");
			}
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*ok = TRUE;
		return g_strdup("exit code 0");
	}
	if (WIFEXITED(status))
		return g_strdup_printf("exit code %d", WEXITSTATUS(status));
	return g_strdup_printf("killed by signal %d", WTERMSIG(status));
}

static gboolean
start_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	g_autofree char *server = choose_server(site, c, cmd);
	g_autofree char *file = first_word(cmd->command_line);
	Outcome o;
	sqlite3_stmt *st;
	if (server == NULL) {
		/* nowhere to connect now: try at the next poll */
		cmd->run_at = poll_at(c, now + 1);
		sms_log(site, PCM, now, "%s: no distribution server for job %s accepts connections; "
		        "retrying at %s", c->machine, cmd->job, sms_time_str(cmd->run_at));
		return exec_args(site, error, "UPDATE pcm_cmds SET run_at = ? WHERE machine = ? AND "
		                 "job = ?", "iss", cmd->run_at, c->machine, cmd->job);
	}
	if (execute_mode) {
		gboolean ok;
		g_autofree char *result = run_real(site, c, cmd, server, &ok);
		if (!write_status(site, c, cmd->job, cmd->site, ok ? "Success" : "Failed",
		                  ok ? NULL : result, NULL, now, error) ||
		    !exec_args(site, error, "UPDATE pcm_cmds SET state = 4, result = ?, dist_server = ? "
		               "WHERE machine = ? AND job = ?", "ssss", result, server, c->machine,
		               cmd->job))
			return FALSE;
		cmd->finish_at = SMS_TIME_NONE;
		cmd->session = -1;
		return sms_emit(site, &(SmsEvent){ .time = now, .component = PCM,
		                                   .event = "pcm.executed", .job = cmd->job,
		                                   .package = cmd->package, .server = server,
		                                   .machine = c->machine, .user = c->user,
		                                   .detail = ok ? "Success" : "Failed" }, error,
		                "%s: job %s ran %s from %s (real mode): %s", c->machine, cmd->job,
		                cmd->command_line, server, result);
	}
	outcome_for(site, cmd->job, c->machine, &o);
	st = sms_db_stmt(site->db, "INSERT INTO share_sessions(server, package, share, file, user, "
	                 "machine, opened, closes, kind, job) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pcm', ?)"
	                 " RETURNING id", error);
	if (st == NULL) {
		g_free(o.mif);
		return FALSE;
	}
	sms_db_bind_text(st, 1, server);
	sms_db_bind_text(st, 2, cmd->package);
	sms_db_bind_text(st, 3, cmd->package);
	sms_db_bind_text(st, 4, file);
	sms_db_bind_text(st, 5, c->user ? c->user : c->machine);
	sms_db_bind_text(st, 6, c->machine);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now + o.duration * SMS_MINUTE);
	sms_db_bind_text(st, 9, cmd->job);
	{
		gboolean row;
		if (!sms_db_step(site->db, st, &row, error)) {
			g_free(o.mif);
			return FALSE;
		}
		cmd->session = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	g_free(o.mif);
	cmd->finish_at = now + o.duration * SMS_MINUTE;
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 3, finish_at = ?, session = ?, "
	               "dist_server = ? WHERE machine = ? AND job = ?", "iisss", cmd->finish_at,
	               cmd->session, server, c->machine, cmd->job))
		return FALSE;
	sms_log(site, PCM, now, "%s: running %s for job %s from \\\\%s (package %s)", c->machine,
	        cmd->command_line, cmd->job, server, cmd->package);
	return TRUE;
}

static gboolean
finish_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	Outcome o;
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT closed, closed_reason FROM share_sessions "
	                               "WHERE id = ?", error);
	gboolean row, disconnected = FALSE;
	const char *result;
	g_autofree char *detail = NULL;
	g_autofree char *status_mif = NULL;
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, cmd->session);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) < cmd->finish_at)
		disconnected = TRUE;
	sqlite3_reset(st);
	outcome_for(site, cmd->job, c->machine, &o);
	status_mif = g_steal_pointer(&o.mif);
	if (disconnected) {
		result = "Failed";
		detail = g_strdup("disconnected from the distribution server (forced disconnect)");
		g_clear_pointer(&status_mif, g_free);
	} else if (status_mif) {
		g_autoptr(SmsStatusMif) m = NULL;
		result = sms_mif_load(status_mif, &m, NULL) ? (m->success ? "Success" : "Failed")
		                                            : "Success";
		if (m && m->description)
			detail = g_strdup(m->description);
	} else if (o.exit_code == 0) {
		result = "Success";
	} else {
		result = "Failed";
		detail = g_strdup_printf("exit code %d", o.exit_code);
	}
	if (!disconnected && !exec_args(site, error, "UPDATE share_sessions SET closed = ?, "
	                                "closed_reason = 'command ended' WHERE id = ? AND closed IS "
	                                "NULL", "ii", now, cmd->session))
		return FALSE;
	if (!write_status(site, c, cmd->job, cmd->site, result, detail, status_mif, now, error))
		return FALSE;
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 4, result = ? WHERE machine = ? AND"
	               " job = ?", "sss", detail ? detail : result, c->machine, cmd->job))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.executed",
	                                   .job = cmd->job, .package = cmd->package,
	                                   .server = cmd->dist_server, .machine = c->machine,
	                                   .user = c->user, .detail = result }, error,
	                "%s: job %s ran %s from %s: %s%s%s", c->machine, cmd->job, cmd->command_line,
	                cmd->dist_server ? cmd->dist_server : "?", result, detail ? " - " : "",
	                detail ? detail : "");
}

/* ---- one check ---------------------------------------------------------------------- */

static gboolean
platform_ok(const Client *c, guint32 mask)
{
	guint32 mine = sms_platform_from_name(c->platform ? c->platform : "");
	return mask == 0 || (mine & mask) != 0;
}

static gboolean
evaluate(SmsSite *site, Client *c, SmsTime now, gboolean is_poll, SmsTime *out_next,
         GError **error)
{
	g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func(cmd_free);
	SmsTime wt = now + c->offset * SMS_MINUTE;     /* the workstation's clock */
	SmsTime off = c->offset * SMS_MINUTE;
	SmsTime next = SMS_TIME_NEVER;

	if (!load_cmds(site, c->machine, cmds, error))
		return FALSE;
	for (guint i = 0; i < cmds->len; i++) {
		Cmd *cmd = cmds->pdata[i];
		gboolean background = (cmd->flags & SMS_CMD_BACKGROUND) != 0;
		if (is_poll && cmd->state <= SMS_PCM_OFFERED && cmd->expires != SMS_TIME_NONE &&
		    cmd->expires <= wt) {
			if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 6 WHERE machine = ? AND "
			               "job = ?", "ss", c->machine, cmd->job) ||
			    !sms_emit(site, &(SmsEvent){ .time = now, .component = PCM,
			                                 .event = "pcm.expired", .job = cmd->job,
			                                 .machine = c->machine, .user = c->user }, error,
			              "%s: job %s expired (Expires After %s on the workstation's clock)",
			              c->machine, cmd->job, sms_time_str(cmd->expires)) ||
			    !write_status(site, c, cmd->job, cmd->site, "Expired", NULL, NULL, now, error))
				return FALSE;
			continue;
		}
		if (is_poll && cmd->state == SMS_PCM_PENDING && cmd->offer <= wt &&
		    platform_ok(c, cmd->os_mask)) {
			cmd->state = SMS_PCM_OFFERED;
			if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 1 WHERE machine = ? AND "
			               "job = ?", "ss", c->machine, cmd->job))
				return FALSE;
			if (!background &&
			    !sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.offered",
			                                 .job = cmd->job, .package = cmd->package,
			                                 .machine = c->machine, .user = c->user }, error,
			              "%s: offering job %s (%s)", c->machine, cmd->job, cmd->command_line))
				return FALSE;
		}
		if (is_poll && cmd->state == SMS_PCM_OFFERED && cmd->mandatory != SMS_TIME_NONE &&
		    cmd->mandatory <= wt) {
			/* PCMSVC32 runs background commands at their mandatory time, no countdown */
			SmsTime cd = background ? 0 : c->countdown;
			cmd->state = SMS_PCM_COUNTDOWN;
			cmd->run_at = now + cd;
			if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 2, run_at = ? WHERE "
			               "machine = ? AND job = ?", "iss", cmd->run_at, c->machine, cmd->job))
				return FALSE;
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = PCM,
			                                 .event = "pcm.countdown", .job = cmd->job,
			                                 .machine = c->machine, .user = c->user }, error,
			              "%s: job %s is mandatory; running it in %d minute(s)", c->machine,
			              cmd->job, (int)(cd / 60)))
				return FALSE;
		}
		if (cmd->state == SMS_PCM_COUNTDOWN && cmd->run_at <= now) {
			if (!start_command(site, c, cmd, now, error))
				return FALSE;
			if (execute_mode)
				cmd->state = SMS_PCM_EXECUTED;
			else if (cmd->session >= 0 && cmd->finish_at != SMS_TIME_NONE)
				cmd->state = SMS_PCM_RUNNING;
		}
		if (cmd->state == SMS_PCM_RUNNING && cmd->finish_at <= now) {
			if (!finish_command(site, c, cmd, now, error))
				return FALSE;
			cmd->state = SMS_PCM_EXECUTED;
		}
		/* when is this command next interesting? */
		switch (cmd->state) {
		case SMS_PCM_PENDING:
			if (platform_ok(c, cmd->os_mask))
				next = MIN(next, poll_at(c, MAX(now + 1, cmd->offer - off)));
			if (cmd->expires != SMS_TIME_NONE)
				next = MIN(next, poll_at(c, MAX(now + 1, cmd->expires - off)));
			break;
		case SMS_PCM_OFFERED:
			if (cmd->mandatory != SMS_TIME_NONE)
				next = MIN(next, poll_at(c, MAX(now + 1, cmd->mandatory - off)));
			if (cmd->expires != SMS_TIME_NONE)
				next = MIN(next, poll_at(c, MAX(now + 1, cmd->expires - off)));
			break;
		case SMS_PCM_COUNTDOWN:
			next = MIN(next, MAX(cmd->run_at, now + 1));
			break;
		case SMS_PCM_RUNNING:
			next = MIN(next, MAX(cmd->finish_at, now + 1));
			break;
		default:
			break;
		}
	}
	*out_next = next;
	return TRUE;
}

static gboolean
check_client(SmsSite *site, const char *machine, SmsTime now, gboolean force_poll,
             GError **error)
{
	Client c = { 0 };
	SmsTime next;
	gboolean is_poll, ok;
	if (!load_client(site, machine, &c, error))
		return FALSE;
	is_poll = force_poll || poll_at(&c, now) == now;
	ok = (!is_poll || read_instructions(site, &c, now, error)) &&
	     evaluate(site, &c, now, is_poll, &next, error);
	if (ok) {
		/* a changed file is read at the next poll */
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT dirty FROM pcm_clients WHERE "
		                               "machine = ?", error);
		gboolean row;
		ok = st != NULL && sms_db_step(site->db, st, &row, error);
		if (ok && row && sqlite3_column_int(st, 0))
			next = MIN(next, poll_at(&c, now + 1));
		if (st)
			sqlite3_reset(st);
		ok = ok && exec_args(site, error, "UPDATE pcm_clients SET next_due = ? WHERE machine = ?",
		                     "ts", next == SMS_TIME_NEVER ? SMS_TIME_NONE : next, machine);
	}
	client_clear(&c);
	return ok;
}

gboolean
sms_pcm_check(SmsSite *site, const char *machine, SmsTime now, GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
	    !exec_args(site, error, "UPDATE pcm_clients SET dirty = 1 WHERE machine = ?", "s", up) ||
	    !check_client(site, up, now, TRUE, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}

gboolean
sms_pcm_site_pass(SmsSite *site, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st;
	gboolean row;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT machine FROM pcm_clients WHERE next_due <= ? ORDER BY "
	                 "machine", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, now);
	while (sms_db_step(site->db, st, &row, error) && row)
		g_ptr_array_add(due, sms_db_col_text(st, 0));
	if (due->len == 0)
		return TRUE;
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	for (guint i = 0; i < due->len; i++)
		if (!check_client(site, due->pdata[i], now, FALSE, error))
			return FALSE;
	return sms_txn_commit(&txn, error);
}

SmsTime
sms_pcm_site_next_wakeup(SmsSite *site, SmsTime now)
{
	sqlite3_stmt *st;
	gboolean row;
	SmsTime next = SMS_TIME_NEVER;
	g_autoptr(GError) error = NULL;
	if (!ensure_schema(site, &error))
		return SMS_TIME_NEVER;
	st = sms_db_stmt(site->db, "SELECT min(next_due) FROM pcm_clients", &error);
	if (st && sms_db_step(site->db, st, &row, &error) && row &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = MAX(now, sqlite3_column_int64(st, 0));
	if (st)
		sqlite3_reset(st);
	return next;
}

/* ---- user actions -------------------------------------------------------------------- */

gboolean
sms_pcm_execute(SmsSite *site, const char *machine, const char *job, SmsTime now,
                GError **error)
{
	g_autofree char *up = sms_strup(machine);
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	sqlite3_stmt *st;
	gboolean row;
	int state;
	if (!ensure_schema(site, error) || !sms_txn_begin(&txn, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT state FROM pcm_cmds WHERE machine = ? AND job = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	sms_db_bind_text(st, 2, job);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	state = row ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (state != SMS_PCM_OFFERED)
		return sms_throw(error, SMS_ERROR_STATE, "job %s is not an offered command of %s", job,
		                 up);
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 2, run_at = ? WHERE machine = ? AND"
	               " job = ?", "iss", now, up, job) ||
	    !check_client(site, up, now, FALSE, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}

gboolean
sms_pcm_archive(SmsSite *site, const char *machine, const char *job, SmsTime now,
                GError **error)
{
	g_autofree char *up = sms_strup(machine);
	sqlite3_stmt *st;
	if (!ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "UPDATE pcm_cmds SET state = 5 WHERE machine = ? AND job = ? AND "
	                 "state IN (1, 4)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	sms_db_bind_text(st, 2, job);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (sqlite3_changes(site->db) == 0)
		return sms_throw(error, SMS_ERROR_STATE, "job %s is not an offered or executed command "
		                 "of %s", job, up);
	sms_log(site, PCM, now, "%s: job %s archived by the user", up, job);
	return TRUE;
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
	                 "command_line, result FROM pcm_cmds WHERE machine = ? ORDER BY job", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, up);
	if (json)
		g_string_append_c(out, '[');
	else
		g_string_append_printf(out, "%-10s %-10s %-19s %-19s %-19s %s\n", "JOB", "FOLDER",
		                       "OFFER AFTER", "MANDATORY AFTER", "EXPIRES AFTER", "COMMAND");
	while (sms_db_step(site->db, st, &row, error) && row) {
		int s = sqlite3_column_int(st, 1);
		const char *folder = s <= SMS_PCM_COUNTDOWN ? "Pending" :
		                     s == SMS_PCM_RUNNING ? "Running" :
		                     s == SMS_PCM_EXECUTED ? "Executed" :
		                     s == SMS_PCM_ARCHIVED ? "Archived" :
		                     s == SMS_PCM_EXPIRED ? "Expired" : "Removed";
		char a[24], b[24], c[24];
		sms_time_format_buf(sms_db_col_time(st, 2), a);
		sms_time_format_buf(sms_db_col_time(st, 3), b);
		sms_time_format_buf(sms_db_col_time(st, 4), c);
		if (json) {
			g_string_append_printf(out, "%s{\"job\":", first ? "" : ",");
			sms_json_append_string(out, sms_db_col_ctext(st, 0));
			g_string_append(out, ",\"folder\":");
			sms_json_append_string(out, folder);
			g_string_append(out, ",\"state\":");
			sms_json_append_string(out, sms_pcm_state_name(s));
			g_string_append(out, ",\"offer_after\":");
			sms_json_append_string(out, a);
			g_string_append(out, ",\"mandatory_after\":");
			sms_json_append_string(out, b);
			g_string_append(out, ",\"expires_after\":");
			sms_json_append_string(out, c);
			g_string_append(out, ",\"command\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 6) ? sms_db_col_ctext(st, 6) : "");
			g_string_append(out, ",\"result\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 7) ? sms_db_col_ctext(st, 7) : "");
			g_string_append_c(out, '}');
		} else {
			g_string_append_printf(out, "%-10s %-10s %-19s %-19s %-19s %s%s%s\n",
			                       sms_db_col_ctext(st, 0), folder, a, *b ? b : "-",
			                       *c ? c : "never", sms_db_col_ctext(st, 6),
			                       sms_db_col_ctext(st, 7) ? "  => " : "",
			                       sms_db_col_ctext(st, 7) ? sms_db_col_ctext(st, 7) : "");
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
	while (sms_db_step(site->db, st, &row, error) && row) {
		char t[24];
		sms_time_format_buf(sqlite3_column_int64(st, 0), t);
		if (json) {
			g_string_append_printf(out, "%s{\"time\":", first ? "" : ",");
			sms_json_append_string(out, t);
			g_string_append(out, ",\"from\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 1));
			g_string_append(out, ",\"user\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "");
			g_string_append(out, ",\"text\":");
			sms_json_append_string(out, sms_db_col_ctext(st, 3));
			g_string_append_c(out, '}');
		} else {
			g_string_append_printf(out, "%s  %s to %s: %s\n", t, sms_db_col_ctext(st, 1),
			                       sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "",
			                       sms_db_col_ctext(st, 3));
		}
		first = FALSE;
	}
	if (json)
		g_string_append(out, "]\n");
	return TRUE;
}
