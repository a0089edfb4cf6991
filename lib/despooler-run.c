/* despooler-run.c -- the Despooler's run phase: one .INS record per target workstation
 * once a job's installs are final, and the job's status for the site. */
#include "components.h"
#include "archive.h"
#include "atomic.h"
#include "db.h"
#include "despooler.h"
#include "despooler-private.h"
#include "ins.h"
#include "instruction.h"
#include "job.h"
#include "logon.h"
#include "mif.h"
#include "reg.h"
#include "sender.h"
#include "share.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

/* ---- run phase ------------------------------------------------------------------- */

gboolean
despool_job_installs_final(SmsSite *site, const char *job, gboolean *final, GError **error)
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
	if (!despool_move_aside(site, dir, name, why, now, error) ||
	    !exec_args(site, error, "UPDATE desp_targets SET written = 0 WHERE machine = ? AND job IN"
	               " (SELECT job FROM desp_jobs WHERE cancelled = 0 AND ins_written = 1)", "s",
	               machine))
		return FALSE;
	return sms_ins_upsert(path, rec, SMS_SYNC_NONE, changed, error);
}

gboolean
despool_write_run_phase(SmsSite *site, const char *job, SmsTime now, GError **error)
{
	g_autoptr(SmsInstruction) ins = NULL;
	g_autoptr(SmsInsRecord) rec = sms_ins_record_new();
	g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st;
	gboolean row;
	SmsBatch batch;
	g_autofree char *req = NULL;
	guint written = 0;

	if (!despool_load_job(site, job, &ins, error))
		return FALSE;
	/* As the PCMDUMP of KB Q123499 shows them: SiteID is the client's site (this one:
	 * BPC in every record there, GBL's job included), RequestID the 7-character request
	 * identifier of the site that created the job (GBL00B9 for job GBL0015B); an
	 * instruction from before RequestID existed falls back to its instruction ID. */
	rec->site_id = g_strdup(site->code);
	rec->request_id = ins->request_id ? g_strdup(ins->request_id) : g_strndup(ins->id, 7);
	rec->package_id = g_strdup(ins->package_id);
	rec->job_id = g_strdup(ins->job_id);
	/* Install Flag (KB Q123499): 0 install regardless of link speed, 2 not over a slow
	 * link ("Not Mandatory Over Slow Link" checked on a mandatory job); the mandatory
	 * record of the real dump has 0 */
	rec->install_flag = ins->mandatory_after != SMS_TIME_NONE && !ins->force_slow_link ? 2 : 0;
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
		g_autofree char *unc = despool_unc_path(site, sms_db_col_ctext(st, 0), sms_db_col_ctext(st, 1));
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
		if (!g_ptr_array_find_with_equal_func(domains, sms_db_col_ctext(st, 1), g_str_equal,
		                                      NULL))
			g_ptr_array_add(domains, g_strdup(sms_db_col_ctext(st, 1)));
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
	for (guint i = 0; i < domains->len; i++)
		if (!sms_logon_master_changed(site, domains->pdata[i], error))
			return FALSE;
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
gboolean
despool_finish_site(SmsSite *site, const char *job, SmsTime now, GError **error)
{
	g_autoptr(SmsInstruction) ins = NULL;
	sqlite3_stmt *st;
	gboolean row;
	int done = 0, failed = 0;
	if (!despool_load_job(site, job, &ins, error))
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
	return despool_report(site, ins, "site", NULL, NULL,
	                      failed && !done ? SMS_STATUS_FAILED : SMS_STATUS_COMPLETE, NULL,
	                      failed ? "Some servers failed" : "Distributed", now, error);
}
