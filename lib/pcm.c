/* pcm.c -- the Package Command Manager (KB Q123499): its tables, one check of a workstation
 * (offer / mandatory / expiry on the workstation's clock, the 5-minute countdown), the
 * client and site passes and wake-ups, the user's actions and listings. The other phases
 * are in pcm-client.c, pcm-status.c and pcm-run.c (pcm-private.h). See pcm.h. */
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

G_DEFINE_QUARK(sms-pcm-error-quark, sms_pcm_error)

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

gboolean
pcm_ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, PCM, pcm_migrations, G_N_ELEMENTS(pcm_migrations), error);
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
	gboolean background = pcm_is_background(cmd);
	if (cmd->state <= SMS_PCM_OFFERED && cmd->expires != SMS_TIME_NONE && cmd->expires <= wt) {
		return set_state(site, c, cmd, SMS_PCM_EXPIRED, error) &&
		       sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.expired",
		                                   .job = cmd->job, .machine = c->machine,
		                                   .user = c->user }, error,
		                "%s: job %s expired (Expires After %s on the workstation's clock)",
		                c->machine, cmd->job, sms_time_str(cmd->expires)) &&
		       pcm_write_status(site, c, cmd->job, cmd->site, "Expired", NULL, NULL, now, error);
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
	SmsTime floor = allowed ? now + 1 : pcm_poll_at(c, now + 1);
	SmsTime next = SMS_TIME_NEVER;
	switch (cmd->state) {
	case SMS_PCM_PENDING:
		if (platform_ok(c, cmd->os_mask))
			next = MIN(next, pcm_poll_at(c, MAX(now + 1, cmd->offer - off)));
		if (cmd->expires != SMS_TIME_NONE)
			next = MIN(next, pcm_poll_at(c, MAX(now + 1, cmd->expires - off)));
		break;
	case SMS_PCM_OFFERED:
		if (cmd->mandatory != SMS_TIME_NONE &&
		    (!pcm_is_background(cmd) || (cmd->flags & SMS_CMD_AUTOMATED)))
			next = MIN(next, pcm_poll_at(c, MAX(now + 1, cmd->mandatory - off)));
		if (cmd->expires != SMS_TIME_NONE)
			next = MIN(next, pcm_poll_at(c, MAX(now + 1, cmd->expires - off)));
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
	g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func(pcm_cmd_free);
	SmsTime next = SMS_TIME_NEVER;
	SmsTime busy_until = SMS_TIME_NONE;
	gboolean busy = FALSE;

	if (!pcm_load_cmds(site, c->machine, cmds, error))
		return FALSE;
	/* 1. at a poll: expiry, offer, mandatory */
	for (guint i = 0; is_poll && i < cmds->len; i++)
		if (pcm_mode_allows(mode, cmds->pdata[i]) &&
		    !poll_command(site, c, cmds->pdata[i], now, error))
			return FALSE;
	/* 2. commands that ended (or were disconnected) */
	for (guint i = 0; i < cmds->len; i++) {
		Cmd *cmd = cmds->pdata[i];
		if (cmd->state != SMS_PCM_RUNNING)
			continue;
		if (pcm_mode_allows(mode, cmd) && (cmd->finish_at <= now || pcm_disconnected(site, cmd, NULL))) {
			if (!pcm_finish_command(site, c, cmd, now, error))
				return FALSE;
		} else {
			busy = TRUE;
			busy_until = MAX(busy_until, cmd->finish_at);
		}
	}
	/* 3. start due commands one at a time, in mandatory-time order */
	for (guint i = 0; i < cmds->len && !busy; i++) {
		Cmd *cmd = cmds->pdata[i];
		if (cmd->state != SMS_PCM_COUNTDOWN || cmd->run_at > now || !pcm_mode_allows(mode, cmd))
			continue;
		if (!pcm_start_command(site, c, cmd, now, error))
			return FALSE;
		if (cmd->state == SMS_PCM_RUNNING && cmd->finish_at <= now &&
		    !pcm_finish_command(site, c, cmd, now, error))
			return FALSE;
		if (cmd->state == SMS_PCM_RUNNING) {
			busy = TRUE;
			busy_until = cmd->finish_at;
		}
	}
	/* 4. the next time anything changes */
	for (guint i = 0; i < cmds->len; i++)
		next = MIN(next, command_next(c, cmds->pdata[i], pcm_mode_allows(mode, cmds->pdata[i]),
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
	if (!pcm_load_client(site, machine, &c, error))
		return FALSE;
	/* a poll is due when a poll time passed since the last check (a daemon whose clock
	 * jumped catches up with the one it missed) */
	is_poll = force_poll ||
	          pcm_poll_at(&c, c.last_check == SMS_TIME_NONE ? c.logon_time : c.last_check + 1) <= now;
	if (is_poll && (!pcm_use_logon_server(site, &c, now, error) ||
	                !pcm_read_instructions(site, &c, now, error)))
		return FALSE;
	if (!evaluate(site, &c, now, is_poll, mode, &next, error))
		return FALSE;
	/* a changed file is read, and waiting status delivered, at the next poll */
	if (c.dirty || c.outbox)
		next = MIN(next, pcm_poll_at(&c, now + 1));
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
	g_autoptr(GHashTable) waiting = pcm_outbox_machines(site, error);
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(pcm_delivered_free);
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (waiting == NULL)
		return FALSE;
	for (guint i = 0; i < machines->len; i++)
		if (g_hash_table_contains(waiting, machines->pdata[i]) &&
		    !pcm_deliver(site, machines->pdata[i], now, done, error))
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
	if (!pcm_ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
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
	if (!pcm_ensure_schema(site, error))
		return FALSE;
	if (sms_pcm_client_next_wakeup(site, up, now) > now && !pcm_has_outbox(site, up))
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
	if (!pcm_ensure_schema(site, NULL))
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
	if (!pcm_ensure_schema(site, error))
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
	if (!pcm_ensure_schema(site, NULL))
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
	if (!pcm_ensure_schema(site, error) || !sms_txn_begin(&txn, error) ||
	    !pcm_load_client(site, up, &c, error) || !command_state(site, up, job, &state, &flags, error))
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
	if (!pcm_ensure_schema(site, error) || !command_state(site, up, job, &state, &flags, error))
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
	if (!pcm_ensure_schema(site, error))
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
		                       "OFFER AFTER", "MANDATORY AFTER", "EXPIRES AFTER",
		                       "COMMAND NAME [COMMAND LINE]");
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
			/* the Command Name PCM showed (the WCL Name, KB Q123499), then the line */
			const char *name = sms_db_col_ctext(st, 5) ? sms_db_col_ctext(st, 5) : "";
			g_string_append_printf(out, "%-10s %-10s %-19s %-19s %-19s %s [%s]%s%s\n",
			                       sms_db_col_ctext(st, 0), folder_of(s), *a ? a : "-",
			                       *b ? b : "-", *c ? c : "never", name, cmdline,
			                       result ? "  => " : "", result ? result : "");
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
