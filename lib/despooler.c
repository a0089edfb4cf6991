/* despooler.c -- the SMS Despooler (SMS 1.2 Resource Guide, "Run Command On Workstation
 * Jobs"; KB Q128458, KB Q169491, KB Q140403).
 *
 * One pass: process RECEIVE (instructions with their packages, status from
 * workstations), then every install / removal that is due (first attempts, retries on
 * the retry interval x = 24 polls, forced disconnects), then the run phase (one .INS
 * record per target workstation that has an SMS ID). All state is in the site database,
 * so a restart continues where it stopped (the retry counter included).
 *
 * This file: tables, registry settings, pause / restart, status to the origin site, the
 * pass and its wake-up. RECEIVE is in despooler-receive.c, installing in
 * despooler-install.c, the run phase in despooler-run.c (despooler-private.h).
 */
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

#define REG_KEY "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler"

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


/* The SMS_Despooler values of one registry file. Compat (our own value, REG_SZ) lists
 * the KB articles whose old behaviour to reproduce: "Q140374" = stopping and starting the
 * Despooler resets its retry counts (SMS 1.2 before SP4). */
static gboolean
read_registry(const char *path, Settings *s, GError **error)
{
	g_autoptr(SmsReg) reg = NULL;
	g_autofree char *compat = NULL;
	guint32 forced;
	if (!sms_reg_load_settings(path, &reg, error))
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

gboolean
despool_move_aside(SmsSite *site, const char *dir, const char *name, const GError *why, SmsTime now,
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

/* ---- status to the origin site ------------------------------------------------------ */

gboolean
despool_report(SmsSite *site, const SmsInstruction *job, const char *table, const char *server,
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
			if (!despool_move_aside(site, receive, name, &e, now, error))
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
			if (!despool_move_aside(site, receive, fname, local, now, error))
				return FALSE;
			(void)despool_move_aside(site, receive, pck, local, now, NULL);
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
			gboolean ok = despool_check_instruction(site, ins, &local);
			switch (ok ? ins->kind : 0) {
			case SMS_INSTR_INSTALL:
			case SMS_INSTR_REMOVE:
				ok = despool_accept_install(site, receive, base, ins, now, &local);
				break;
			case SMS_INSTR_CANCEL:
				ok = despool_accept_cancel(site, ins, now, &local);
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
				if (!despool_move_aside(site, receive, fname, local, now, error))
					return FALSE;
				{
					g_autofree char *pck = g_strdup_printf("%s.PCK", base);
					(void)despool_move_aside(site, receive, pck, local, now, NULL);
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
			if (!despool_process_sni(site, receive, sni_files->pdata[i], now, &deferred, &done, &mif,
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
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(despool_work_free);
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
		if (!despool_attempt(site, &cfg, w, now, trees, remaining, &local)) {
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
			if (!sms_txn_begin(&txn, error) || !despool_retry_later(site, w, local->message, now, error))
				return FALSE;
		}
		g_hash_table_insert(remaining, g_strdup(w->job),
		                    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(remaining,
		                                                                        w->job)) - 1));
		if (!despool_job_installs_final(site, w->job, &final, error))
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
		if (!sms_txn_begin(&txn, error) || !despool_load_job(site, jobs->pdata[i], &ins, error))
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
			if (!despool_write_run_phase(site, ins->job_id, now, error))
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
			if (!despool_strip_ins(site, NULL, ins->package_id, NULL, error))
				return FALSE;
		}
		if (first && !despool_finish_site(site, ins->job_id, now, error))
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
