/* pcm-client.c -- the PCM's client state: pcm_clients rows, SMS.INI settings, logon and
 * reload, the logon server in use and reading the instruction file (<SMSID>.INS). */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "ini.h"
#include "ins.h"
#include "job.h"
#include "mif.h"
#include "pcm.h"
#include "pcm-private.h"
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

#define COUNTDOWN (SMS_PCM_COUNTDOWN_MINUTES * SMS_MINUTE)
/* ---- clients ------------------------------------------------------------------------ */


void
pcm_client_clear(Client *c)
{
	g_free(c->machine); g_free(c->smsid); g_free(c->domain); g_free(c->platform);
	g_free(c->user); g_free(c->server); g_free(c->file_id); g_free(c->logon_servers);
}

gboolean
pcm_load_client(SmsSite *site, const char *machine, Client *c, GError **error)
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
SmsTime
pcm_poll_at(const Client *c, SmsTime t)
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
	if (!pcm_ensure_schema(site, error))
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
	if (!pcm_ensure_schema(site, error))
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
	if (!pcm_ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT name FROM machines WHERE smsid = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, smsid);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	machine = row ? sms_db_col_text(st, 0) : NULL;
	sqlite3_reset(st);
	if (machine == NULL || !pcm_load_client(site, machine, &c, &local))
		return TRUE;   /* not logged on yet: it reads the file at logon */
	return exec_args(site, error, "UPDATE pcm_clients SET dirty = 1, next_due = min(coalesce("
	                 "next_due, ?1), ?1) WHERE machine = ?2", "is", pcm_poll_at(&c, now), machine);
}

/* ---- the logon server and the instruction file ------------------------------------- */


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
char *
pcm_reachable_logon_server(SmsSite *site, const Client *c)
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

gboolean
pcm_use_logon_server(SmsSite *site, Client *c, SmsTime now, GError **error)
{
	g_autofree char *server = pcm_reachable_logon_server(site, c);
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
record_file_time(SmsSite *site, Client *c, const struct stat *sb, SmsTime now,
                 GError **error)
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
	/* the date of the file read, on the site's clock (virtual in simulations): the
	 * check that read a changed file is when it was seen written (SMS.INI sample of the
	 * SMS 1.2 Resource Guide: seconds, e.g. 837217035) */
	ini->last_pcm_file_time = sb ? (gint64)now : 0;
	return sms_smsini_save(ini, SMS_SYNC_NONE, NULL, error);
}

gboolean
pcm_read_instructions(SmsSite *site, Client *c, SmsTime now, GError **error)
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
	if (!record_file_time(site, c, exists ? &sb : NULL, now, error))
		return FALSE;
	g_free(c->file_id);
	c->file_id = g_steal_pointer(&id);
	c->dirty = FALSE;
	return exec_args(site, error, "UPDATE pcm_clients SET file_id = ?, dirty = 0 WHERE "
	                 "machine = ?", "ss", c->file_id, c->machine);
}
