/* despooler-receive.c -- what the Despooler finds in RECEIVE: instructions (checked,
 * accepted for install, cancelled; .INS records stripped) and status (.SNI + MIF) from
 * workstations. */
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
gboolean
despool_load_job(SmsSite *site, const char *job, SmsInstruction **out, GError **error)
{
	SmsInstruction *c = NULL;
	SmsInstruction *i;
	if (!load_job_cached(site, job, &c, error))
		return FALSE;
	i = sms_instruction_new(c->kind);
	i->id = g_strdup(c->id); i->job_id = g_strdup(c->job_id); i->job_type = c->job_type;
	i->request_id = g_strdup(c->request_id);
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
		/* a group without a server here: this site's Default Servers (SDK job scalars) */
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
gboolean
despool_check_instruction(SmsSite *site, const SmsInstruction *ins, GError **error)
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

gboolean
despool_accept_install(SmsSite *site, const char *receive, const char *base, SmsInstruction *ins,
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
	return despool_report(site, ins, "site", NULL, NULL, SMS_STATUS_ACTIVE, NULL,
	                      servers->len ? "Distributing" : "No distribution servers", now, error);
}

/* Remove one job's records from every master .INS of this site (cancel / expiry). */
gboolean
despool_strip_ins(SmsSite *site, const char *job, const char *package, guint *out_n, GError **error)
{
	guint n = 0;
	for (guint d = 0; d < site->def->domains->len; d++) {
		SmsDomainDef *dom = site->def->domains->pdata[d];
		g_autofree char *dir = NULL;
		g_autoptr(GDir) gd = NULL;
		const char *name;
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		guint n_dom = 0;
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
			n_dom += changed;
		}
		if (n_dom > 0 && !sms_logon_master_changed(site, dom->name, error))
			return FALSE;
		n += n_dom;
	}
	if (out_n)
		*out_n = n;
	return TRUE;
}

gboolean
despool_accept_cancel(SmsSite *site, SmsInstruction *ins, SmsTime now, GError **error)
{
	guint n = 0;
	if (!despool_strip_ins(site, ins->job_id, NULL, &n, error))
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
machine_ins_path(SmsSite *site, const char *machine, char **out, char **out_domain,
                 GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT domain, smsid FROM machines WHERE name = ?",
	                               error);
	gboolean row;
	*out = NULL;
	*out_domain = NULL;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		g_autofree char *dir = sms_layout_pcmdom(site, sms_db_col_ctext(st, 0));
		g_autofree char *name = g_strdup_printf("%s.INS", sms_db_col_ctext(st, 1));
		*out = g_build_filename(dir, name, NULL);
		*out_domain = g_strdup(sms_db_col_ctext(st, 0));
	}
	sqlite3_reset(st);
	return TRUE;
}

gboolean
despool_strip_ins_machine_job(SmsSite *site, const char *machine, const char *job, guint *out_n,
                              GError **error)
{
	g_autofree char *path = NULL;
	g_autofree char *domain = NULL;
	gboolean changed = FALSE;
	if (!machine_ins_path(site, machine, &path, &domain, error))
		return FALSE;
	if (path && !sms_ins_remove(path, job, NULL, SMS_SYNC_FILE, &changed, error))
		return FALSE;
	if (changed && !sms_logon_master_changed(site, domain, error))
		return FALSE;
	*out_n = changed;
	return TRUE;
}

/* ---- status from workstations ------------------------------------------------------ */

gboolean
despool_process_sni(SmsSite *site, const char *receive, const char *name, SmsTime now,
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
		return despool_move_aside(site, receive, name, local, now, error);
	if (sni->time > now) {
		/* KB Q172899: a future-dated status waits until its time */
		*out_deferred = TRUE;
		return TRUE;
	}
	if (!despool_load_job(site, sni->job_id, &job, &local)) {
		g_autofree char *m = g_strdup_printf("status for unknown job %s", sni->job_id);
		GError e = { SMS_ERROR, SMS_ERROR_NOT_FOUND, m };
		return despool_move_aside(site, receive, name, &e, now, error);
	}
	if (sni->mif)
		mifpath = g_build_filename(receive, sni->mif, NULL);
	if (sms_str_equal_ci(sni->status, "Expired")) {
		/* the PCM dropped an expired command: take it out of the master file */
		guint n = 0;
		if (!despool_strip_ins_machine_job(site, sni->machine, sni->job_id, &n, error))
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
	if (status >= 0 && !despool_report(site, job, "machine", NULL, sni->machine, status, NULL,
	                                   detail ? detail : result, now, error))
		return FALSE;
	/* the files go once the transaction is committed (see process_receive) */
	*out_done = g_steal_pointer(&path);
	*out_mif = g_steal_pointer(&mifpath);
	return TRUE;
}
