/* scheduler.c -- the SMS Scheduler: activation on the poll grid, targets, repeat, the
 * send phase (compression into TOSEND, one instruction and one send request per target
 * site), cancel, and the job status roll-up (smsinfo.h; SMS 1.2 Resource Guide, "Run
 * Command On Workstation Jobs").
 *
 * Registry (HKLM\SOFTWARE\Microsoft\SMS\Components\SMS_Scheduler on the site server,
 * registry/<SERVER>.reg), read whenever a package is compressed:
 *   Use Compression      dword, default 1 (0: packages are stored, zlib level 0)
 *   Compression Level    dword 0-9, default 6
 *
 * Status columns of a job (smsinfo.h JOBSTAT_*), rolled up from the detail tables and from the
 * send requests (sched_sends) whenever one of them changed (sched_dirty, filled by
 * triggers and by the Sender):
 *   sending  Pending (requests queued) -> Active (some sent) -> Retrying (a send failed,
 *            will retry) -> Complete / Failed (given up) / Cancelled (withdrawn unsent);
 *   working  Pending until a target site has the job, then as the overall status;
 *   cancel   Active while the cancel instructions travel, Complete once all delivered;
 *   overall  Run Command: Complete when every target computer and every site completed,
 *            Failed when every server failed, Retrying when a computer or server retries
 *            (sticky, KB Q150026); Share / Remove: Complete when every site completed,
 *            Failed when the others finished and one failed. A failed send makes the
 *            job Failed, a send being retried Retrying.
 * A job that cannot be activated (bad query, no address for a target site, unreadable
 * source) fails alone with a status message; the loop goes on (KB Q159201). */
#include "components.h"
#include "archive.h"
#include "atomic.h"
#include "db.h"
#include "instruction.h"
#include "job.h"
#include "query.h"
#include "reg.h"
#include "sender.h"

static const SmsMigration sched_migrations[] = {
	{ 1,
	  "CREATE TABLE sched_sends(request TEXT PRIMARY KEY, job TEXT NOT NULL,"
	  "  target_site TEXT NOT NULL, kind INTEGER NOT NULL, state INTEGER NOT NULL,"
	  "  attempts INTEGER NOT NULL DEFAULT 0, created INTEGER, done INTEGER);"
	  "CREATE INDEX sched_sends_job ON sched_sends(job);"
	  "CREATE TABLE sched_dirty(job TEXT PRIMARY KEY);"
	  "CREATE TABLE sched_sent_packages(package TEXT NOT NULL, kind TEXT NOT NULL,"
	  "  file TEXT NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (package, kind));"
	  "CREATE TRIGGER sched_dirty_site AFTER INSERT ON job_site_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	  "CREATE TRIGGER sched_dirty_site_u AFTER UPDATE ON job_site_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	  "CREATE TRIGGER sched_dirty_server AFTER INSERT ON job_server_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	  "CREATE TRIGGER sched_dirty_server_u AFTER UPDATE ON job_server_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	  "CREATE TRIGGER sched_dirty_machine AFTER INSERT ON job_machine_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	  "CREATE TRIGGER sched_dirty_machine_u AFTER UPDATE ON job_machine_detail BEGIN"
	  "  INSERT INTO sched_dirty(job) SELECT NEW.job WHERE NOT EXISTS (SELECT 1 FROM sched_dirty WHERE job = NEW.job); END;"
	},
};

gboolean
sms_scheduler_ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, "scheduler", sched_migrations,
	                      G_N_ELEMENTS(sched_migrations), error);
}

static gboolean
emit_status(SmsSite *site, SmsTime now, const char *job, SmsStatus s, GError **error)
{
	return sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                   .event = "job.status", .job = job,
	                                   .detail = sms_status_name(s) },
	                error, "Job %s status: %s", job, sms_status_name(s));
}

/* ---- targets --------------------------------------------------------------------- */

/* Sites below `code` (children, grandchildren) per the sites table. */
static gboolean
site_is_below(SmsSite *site, const char *code, const char *ancestor, GError **error)
{
	g_autofree char *cur = g_strdup(code);
	for (int depth = 0; cur && depth < 32; depth++) {
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT parent FROM sites WHERE code = ?", error);
		gboolean row;
		char *parent;
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, cur);
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		parent = row ? sms_db_col_text(st, 0) : NULL;
		sqlite3_reset(st);
		g_free(cur);
		cur = parent;
		if (cur && sms_str_equal_ci(cur, ancestor))
			return TRUE;
	}
	return FALSE;
}

static gboolean
site_in_scope(SmsSite *site, const SmsJob *j, const char *code)
{
	g_autoptr(GError) e = NULL;
	const char *limit = j->limit_site;
	if (j->limit_kind == SMS_LIMIT_NONE)
		return TRUE;
	if (sms_str_equal_ci(code, limit))
		return TRUE;
	return j->include_subsites && site_is_below(site, code, limit, &e);
}

typedef struct {
	char *machine, *site, *domain, *smsid;
} Target;

static void
target_free(gpointer p)
{
	Target *t = p;
	g_free(t->machine); g_free(t->site); g_free(t->domain); g_free(t->smsid); g_free(t);
}

static gboolean
resolve_targets(SmsSite *site, const SmsJob *j, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st;
	g_autoptr(SmsQuery) q = NULL;
	g_auto(GStrv) path = NULL;
	g_autoptr(GHashTable) members = NULL;
	gboolean row;

	if (j->target_kind == SMS_TARGET_QUERY) {
		q = sms_query_parse(j->target, error);
		if (q == NULL)
			return FALSE;
	} else if (j->target_kind == SMS_TARGET_MACHINE_PATH) {
		path = g_strsplit(j->target, "|", 3);
		for (int i = 0; path[i]; i++) {
			g_strstrip(path[i]);
			for (char *p = path[i]; *p; p++)
				if (*p == '*')
					*p = '%';
		}
	} else if (j->target_kind == SMS_TARGET_MACHINE_GROUP) {
		/* frozen now: members added later are not included (SMS 1.2 SDK, Job target) */
		members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		st = sms_db_stmt(site->db, "SELECT machine FROM machine_group_members WHERE grp = ?",
		                 error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, j->target);
		while (sms_db_step(site->db, st, &row, error) && row)
			g_hash_table_add(members, sms_strup(sms_db_col_ctext(st, 0)));
	}
	st = sms_db_stmt(site->db, "SELECT name, site, domain, platform, smsid, user FROM machines "
	                 "ORDER BY name", error);
	if (st == NULL)
		return FALSE;
	for (;;) {
		SmsMachineAttrs m;
		gboolean hit = FALSE;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		m.name = sms_db_col_ctext(st, 0);
		m.site = sms_db_col_ctext(st, 1);
		m.domain = sms_db_col_ctext(st, 2);
		m.platform = sms_db_col_ctext(st, 3);
		m.smsid = sms_db_col_ctext(st, 4);
		m.user = sms_db_col_ctext(st, 5);
		if (q)
			hit = sms_query_match(q, &m);
		else if (path) {
			/* A specific site in the path excludes its subsites. */
			hit = sms_like(path[0], m.site) && sms_like(path[1], m.domain) &&
			      sms_like(path[2], m.name);
		} else if (members)
			hit = g_hash_table_contains(members, m.name);
		if (hit && !site_in_scope(site, j, m.site))
			hit = FALSE;
		if (hit) {
			Target *t = g_new0(Target, 1);
			t->machine = g_strdup(m.name);
			t->site = g_strdup(m.site);
			t->domain = g_strdup(m.domain);
			t->smsid = g_strdup(m.smsid);
			g_ptr_array_add(out, t);
		}
	}
	return TRUE;
}

/* Target sites of a Share / Remove job: the limit site (and its subsites) or the own
 * site and every site beneath it. */
static gboolean
server_job_sites(SmsSite *site, const SmsJob *j, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT code FROM sites ORDER BY code", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	for (;;) {
		const char *code;
		gboolean take;
		g_autoptr(GError) e = NULL;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		code = sms_db_col_ctext(st, 0);
		if (j->limit_kind != SMS_LIMIT_NONE)
			take = site_in_scope(site, j, code);
		else
			take = sms_str_equal_ci(code, site->code) || site_is_below(site, code, site->code, &e);
		if (take)
			g_ptr_array_add(out, g_strdup(code));
	}
	return TRUE;
}

/* ---- send phase ------------------------------------------------------------------ */

static gboolean
compression_settings(SmsSite *site, int *level, GError **error)
{
	g_autofree char *path = sms_layout_registry(site, sms_site_server_name(site));
	g_autoptr(SmsReg) reg = NULL;
	guint32 v;
	const char *key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Scheduler";
	*level = 6;
	if (!sms_reg_load_settings(path, &reg, error))
		return FALSE;
	if (!sms_reg_get_dword(reg, key, "Compression Level", 6, &v, error))
		return FALSE;
	*level = (int)MIN(v, 9);
	if (!sms_reg_get_dword(reg, key, "Use Compression", 1, &v, error))
		return FALSE;
	if (v == 0)
		*level = 0;
	return TRUE;
}

/* Compress the package source into TOSEND unless a previous send can be reused.
 * Returns the file name (in TOSEND) and its CRC. */
static gboolean
compress_package(SmsSite *site, const SmsJob *j, const SmsPackage *pkg, SmsTime now,
                 char **out_file, guint32 *out_crc, GError **error)
{
	gboolean share = j->type == SMS_JOB_SHARE_PACKAGE;
	const char *kind = share ? "S" : "W";
	const char *src = share ? (pkg->server_source ? pkg->server_source : pkg->source)
	                        : pkg->source;
	g_autofree char *file = g_strdup_printf("%s.%s00", pkg->id, kind);
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *path = g_build_filename(tosend, file, NULL);
	sqlite3_stmt *st;
	gboolean row;
	SmsArchiveStats stats;
	int level;

	st = sms_db_stmt(site->db, "SELECT crc FROM sched_sent_packages WHERE package = ? AND "
	                 "kind = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, pkg->id);
	sms_db_bind_text(st, 2, kind);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (row && j->send_mode == SMS_SEND_IF_NOT_SENT && g_file_test(path, G_FILE_TEST_EXISTS)) {
		*out_crc = (guint32)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		*out_file = g_steal_pointer(&file);
		return sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
		                                   .event = "send.reused", .job = j->id,
		                                   .package = pkg->id }, error,
		                "Package %s was sent before: reusing %s", pkg->id, *out_file);
	}
	sqlite3_reset(st);
	if (src == NULL || !g_file_test(src, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, SMS_ERROR, SMS_ERROR_NOT_FOUND,
		            "Compress/Package: the package source %s of package %s is not accessible "
		            "(return code 4865)", src ? src : "(none)", pkg->id);
		return FALSE;
	}
	if (!compression_settings(site, &level, error) ||
	    !sms_archive_create(src, path, level, &stats, error))
		return FALSE;
	st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO sched_sent_packages(package, kind, file,"
	                 " crc) VALUES (?, ?, ?, ?)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, pkg->id);
	sms_db_bind_text(st, 2, kind);
	sms_db_bind_text(st, 3, file);
	sqlite3_bind_int64(st, 4, stats.crc);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	*out_crc = stats.crc;
	*out_file = g_steal_pointer(&file);
	return sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                   .event = "package.compressed", .job = j->id,
	                                   .package = pkg->id,
	                                   .detail = *out_file }, error,
	                "Compressed package %s (%" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT
	                " bytes) into %s", pkg->id, stats.files, stats.bytes_in, *out_file);
}

static char *
instruction_id(const char *job_id, const char *site_code)
{
	gsize n = strlen(job_id);
	return g_strdup_printf("%s%s", n > 5 ? job_id + n - 5 : job_id, site_code);
}

/* Root of a site we can send to: our own, an [Address] of site.ini, or the sites table
 * (root column). NULL if none is known. */
static char *
address_of(SmsSite *site, const char *code)
{
	const char *root;
	sqlite3_stmt *st;
	gboolean row;
	char *found = NULL;
	if (sms_str_equal_ci(code, site->code))
		return g_strdup(site->root);
	if ((root = sms_world_def_address(site->def, code)) != NULL)
		return g_strdup(root);
	st = sms_db_stmt(site->db, "SELECT root FROM sites WHERE code = ? AND root IS NOT NULL",
	                 NULL);
	if (st == NULL)
		return NULL;
	sms_db_bind_text(st, 1, code);
	if (sms_db_step(site->db, st, &row, NULL) && row)
		found = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return found;
}

/* Next hop towards site `code`: the site itself if we have its address, else our parent
 * (which relays; a child site knows only its parent). */
static gboolean
route(SmsSite *site, const char *code, const char **out_hop, char **out_root, GError **error)
{
	char *root = address_of(site, code);
	const char *parent = site->self->parent;
	if (root) {
		*out_hop = code;
		*out_root = root;
		return TRUE;
	}
	if (parent && (root = address_of(site, parent)) != NULL) {
		*out_hop = parent;
		*out_root = root;
		return TRUE;
	}
	return sms_throw_domain(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN,
	                        "no address for site %s in %s/site.ini (expected an [Address %s] "
	                        "section with Root=)", code, site->root, code);
}

gboolean
sms_scheduler_route_known(SmsSite *site, const char *code, GError **error)
{
	const char *hop = NULL;
	g_autofree char *root = NULL;
	return route(site, code, &hop, &root, error);
}

gboolean
sms_scheduler_queue_instruction(SmsSite *site, SmsInstruction *ins, int kind, SmsTime now,
                                GError **error)
{
	g_autofree char *req = NULL;
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *ifile = NULL;
	g_autofree char *ipath = NULL;
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autofree char *srq = NULL;
	g_autofree char *root = NULL;
	const char *hop = NULL;
	SmsSendRequest r = { 0 };
	sqlite3_stmt *st;

	if (!sms_scheduler_ensure_schema(site, error) ||
	    !route(site, ins->target_site, &hop, &root, error) ||
	    !sms_site_next_request_id(site, &req, error))
		return FALSE;
	/* the instruction ID is stable (job + site): a re-run after a crash writes the same
	 * file, and the Despooler applies an instruction ID once */
	ifile = g_strdup_printf("%s.I%02d", ins->id, kind);
	ipath = g_build_filename(tosend, ifile, NULL);
	if (!sms_instruction_save(ins, ipath, error))
		return FALSE;
	r.id = req;
	r.job_id = ins->job_id;
	r.priority = ins->priority ? ins->priority : SMS_PRIORITY_MEDIUM;
	r.target_site = (char *)hop;
	r.target_root = root;
	r.package_file = ins->package_file;
	r.instruction_file = ifile;
	r.next_attempt = SMS_TIME_NONE;
	r.created = now;
	srq = g_strdup_printf("%s/%s.SRQ", outbox, req);
	if (!sms_send_request_save(&r, srq, error))
		return FALSE;
	st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO sched_sends(request, job, target_site, "
	                 "kind, state, created) VALUES (?, ?, ?, ?, 1, ?)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, req);
	sms_db_bind_text(st, 2, ins->job_id);
	sms_db_bind_text(st, 3, ins->target_site);
	sqlite3_bind_int(st, 4, ins->kind);
	sqlite3_bind_int64(st, 5, now);
	return sms_db_step_done(site->db, st, error);
}

/* An error that belongs to the job (bad query, unknown address, unreadable source ...)
 * rather than to the machine (database busy, injected fault): the job fails, the
 * Scheduler goes on with the others (KB Q159201: one bad item never stops the loop). */
static gboolean
job_error(const GError *e)
{
	return e->domain != SMS_DB_ERROR && !g_error_matches(e, SMS_ERROR, SMS_ERROR_FAULT);
}

static gboolean
fail_job(SmsSite *site, SmsJob *j, SmsTime now, int code, const GError *why, GError **error)
{
	j->status = SMS_STATUS_FAILED;
	j->sending_status = SMS_STATUS_FAILED;
	j->finished = now;
	if (!sms_job_save_status(site, j, error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                 .event = "job.failed", .severity = SMS_SEV_ERROR,
	                                 .code = code, .job = j->id, .package = j->package },
	              error, "Job %s failed: %s", j->id, why->message))
		return FALSE;
	return emit_status(site, now, j->id, SMS_STATUS_FAILED, error);
}

static SmsTime
repeat_next(SmsRepeat r, SmsTime t)
{
	switch (r) {
	case SMS_REPEAT_DAILY: return t + SMS_DAY;
	case SMS_REPEAT_WEEKLY: return t + 7 * SMS_DAY;
	case SMS_REPEAT_BIWEEKLY: return t + 14 * SMS_DAY;
	case SMS_REPEAT_MONTHLY: return sms_time_add_months(t, 1);
	default: return SMS_TIME_NONE;
	}
}

static SmsTime
shift(SmsTime t, SmsTime delta)
{
	return t == SMS_TIME_NONE ? t : t + delta;
}

/* A repeating job gets its next instance, all times shifted (not the stale Mandatory
 * After of KB Q141192). */
static gboolean
create_repeat(SmsSite *site, const SmsJob *j, SmsTime now, GError **error)
{
	SmsTime next = repeat_next(j->repeat, j->start_after);
	g_autoptr(SmsJob) n = NULL;
	SmsTime delta;
	if (next == SMS_TIME_NONE)
		return TRUE;
	delta = next - j->start_after;
	n = g_new0(SmsJob, 1);
	*n = *j;
	n->id = NULL;
	n->name = g_strdup(j->name);
	n->comment = g_strdup(j->comment);
	n->site = g_strdup(j->site);
	n->package = g_strdup(j->package);
	n->target = g_strdup(j->target);
	n->limit_site = g_strdup(j->limit_site);
	n->dist_servers = g_strdup(j->dist_servers);
	n->command = g_strdup(j->command);
	n->origin_job = g_strdup(j->origin_job ? j->origin_job : j->id);
	n->instance = j->instance + 1;
	n->start_after = next;
	n->offer_after = shift(j->offer_after, delta);
	n->mandatory_after = shift(j->mandatory_after, delta);
	n->expires_after = shift(j->expires_after, delta);
	n->status = SMS_STATUS_PENDING;
	n->sending_status = n->working_status = n->cancel_status = SMS_STATUS_NONE;
	n->created = now;
	n->activated = n->finished = n->cancel_requested = SMS_TIME_NONE;
	if (!sms_job_insert(site, n, error))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                   .event = "job.repeated", .job = n->id,
	                                   .detail = n->origin_job }, error,
	                "Repeat of job %s: new job %s starts after %s", n->origin_job, n->id,
	                sms_time_str(next));
}

static gboolean
activate(SmsSite *site, SmsJob *j, SmsTime now, GError **error)
{
	g_autoptr(SmsPackage) pkg = NULL;
	g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(target_free);
	g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *file = NULL;
	guint32 crc = 0;
	g_autoptr(GError) local = NULL;
	SmsPackageCommand *cmd = NULL;

	if (!sms_package_load(site, j->package, &pkg, error))
		return FALSE;
	j->activated = now;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                 .event = "job.activated", .job = j->id,
	                                 .package = j->package }, error,
	              "Job %s (%s) activated at the poll after its Start After %s", j->id,
	              sms_job_type_name(j->type), sms_time_str(j->start_after)))
		return FALSE;
	if (j->repeat != SMS_REPEAT_NEVER && !create_repeat(site, j, now, error))
		return FALSE;
	if (j->type == SMS_JOB_RUN_COMMAND) {
		if (!resolve_targets(site, j, targets, error))
			return FALSE;
		for (guint i = 0; i < targets->len; i++) {
			Target *t = targets->pdata[i];
			gboolean dup = FALSE;
			sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT OR IGNORE INTO job_targets(job, "
			                               "machine, site, domain, smsid) VALUES (?,?,?,?,?)",
			                               error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, j->id);
			sms_db_bind_text(st, 2, t->machine);
			sms_db_bind_text(st, 3, t->site);
			sms_db_bind_text(st, 4, t->domain);
			sms_db_bind_text(st, 5, t->smsid);
			if (!sms_db_step_done(site->db, st, error))
				return FALSE;
			for (guint k = 0; k < sites->len; k++)
				if (sms_str_equal_ci(sites->pdata[k], t->site))
					dup = TRUE;
			if (!dup)
				g_ptr_array_add(sites, g_strdup(t->site));
		}
		g_ptr_array_sort(sites, sms_strptr_cmp);
		/* jobs keep the CommandName; one stored before by its setup variation resolves
		 * through the alias */
		if (j->command && !sms_package_command_find(pkg, j->command, &cmd, NULL))
			cmd = NULL;
	} else if (!server_job_sites(site, j, sites, error)) {
		return FALSE;
	}
	if (j->type != SMS_JOB_REMOVE_PACKAGE &&
	    !compress_package(site, j, pkg, now, &file, &crc, &local)) {
		if (!job_error(local)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		return fail_job(site, j, now, 330, local, error);   /* Compress/Package */
	}
	j->status = SMS_STATUS_ACTIVE;
	j->sending_status = sites->len ? SMS_STATUS_PENDING : SMS_STATUS_COMPLETE;
	j->working_status = SMS_STATUS_PENDING;
	if (!sms_job_save_status(site, j, error) ||
	    !emit_status(site, now, j->id, SMS_STATUS_ACTIVE, error))
		return FALSE;
	for (guint s = 0; s < sites->len; s++) {
		const char *code = sites->pdata[s];
		g_autoptr(SmsInstruction) ins = sms_instruction_new(
			j->type == SMS_JOB_REMOVE_PACKAGE ? SMS_INSTR_REMOVE : SMS_INSTR_INSTALL);
		sqlite3_stmt *st;
		ins->id = instruction_id(j->id, code);
		ins->job_id = g_strdup(j->id);
		/* the request identifier of this site: RequestID of the PCM records */
		if (!sms_site_next_job_request_id(site, &ins->request_id, error))
			return FALSE;
		ins->job_type = j->type;
		ins->origin_site = g_strdup(site->code);
		ins->from_site = g_strdup(site->code);
		ins->target_site = g_strdup(code);
		ins->priority = j->priority;
		ins->created = now;
		ins->package_id = g_strdup(pkg->id);
		ins->package_name = g_strdup(pkg->name);
		ins->package_version = g_strdup(pkg->version);
		ins->package_comment = g_strdup(pkg->comment);
		ins->package_file = g_strdup(file);
		ins->package_crc = crc;
		ins->share_name = g_strdup(pkg->share_name);
		ins->share_access = g_strdup(pkg->share_access);
		ins->dist_mode = j->dist_mode;
		ins->dist_servers = g_strdup(j->dist_servers);
		ins->remove_tasks = j->remove_tasks;
		ins->run_command = j->run_command && cmd != NULL;
		if (cmd) {
			ins->command_name = g_strdup(cmd->name);
			ins->command_line = g_strdup(cmd->command_line);
			ins->platforms = cmd->platforms;
			ins->command_flags = cmd->flags;
			ins->offer_after = j->offer_after;
			ins->mandatory_after = j->mandatory_after;
			ins->expires_after = j->expires_after;
			ins->force_slow_link = j->force_slow_link;
		}
		for (guint i = 0; i < targets->len; i++) {
			Target *t = targets->pdata[i];
			if (sms_str_equal_ci(t->site, code))
				sms_instruction_add_target(ins, t->machine, t->domain, t->smsid);
		}
		if (!sms_scheduler_queue_instruction(site, ins, 0, now, error))
			return FALSE;
		st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO job_site_detail(job, site, status, "
		                 "detail, updated) VALUES (?, ?, 1, 'Instruction queued', ?)", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, j->id);
		sms_db_bind_text(st, 2, code);
		sqlite3_bind_int64(st, 3, now);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
		                                 .event = "send.requested", .job = j->id,
		                                 .package = pkg->id, .detail = code }, error,
		              "Send request for job %s to site %s (%u computers)", j->id, code,
		              ins->targets->len))
			return FALSE;
	}
	for (guint i = 0; i < targets->len; i++) {
		Target *t = targets->pdata[i];
		sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT OR IGNORE INTO job_machine_detail(job,"
		                               " machine, site, status, detail, updated) VALUES (?, ?, ?,"
		                               " 0, NULL, ?)", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, j->id);
		sms_db_bind_text(st, 2, t->machine);
		sms_db_bind_text(st, 3, t->site);
		sqlite3_bind_int64(st, 4, now);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
	}
	return TRUE;
}

/* ---- cancel -------------------------------------------------------------------- */

/* Send requests of the job not yet picked up by the Sender are withdrawn (sending status
 * Cancelled: "cancelled before sent"); one being sent right now finishes. */
static gboolean
withdraw_unsent(SmsSite *site, const char *job, guint *out_withdrawn, GError **error)
{
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autoptr(GPtrArray) reqs = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT request FROM sched_sends WHERE job = ? "
	                               "AND kind IN (1, 2) AND state IN (1, 4) ORDER BY request",
	                               error);
	gboolean row;
	*out_withdrawn = 0;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(reqs, sms_db_col_text(st, 0));
	}
	for (guint i = 0; i < reqs->len; i++) {
		g_autofree char *srq = g_strdup_printf("%s/%s.SRQ", outbox, (char *)reqs->pdata[i]);
		if (unlink(srq) < 0) {
			if (errno == ENOENT)
				continue;   /* being sent (.SRS): let it finish */
			return sms_throw_errno(error, "withdrawing send request %s", srq);
		}
		st = sms_db_stmt(site->db, "UPDATE sched_sends SET state = 5 WHERE request = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, reqs->pdata[i]);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		(*out_withdrawn)++;
	}
	return TRUE;
}

static gboolean
do_cancel(SmsSite *site, SmsJob *j, SmsTime now, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT site FROM job_site_detail WHERE job = ? "
	                               "ORDER BY site", error);
	g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func(g_free);
	gboolean row;
	guint withdrawn;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, j->id);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(sites, sms_db_col_text(st, 0));
	}
	if (!withdraw_unsent(site, j->id, &withdrawn, error))
		return FALSE;
	for (guint i = 0; i < sites->len; i++) {
		g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_CANCEL);
		g_autofree char *base = instruction_id(j->id, sites->pdata[i]);
		ins->id = g_strdup_printf("%sC", base);
		ins->job_id = g_strdup(j->id);
		ins->job_type = j->type;
		ins->origin_site = g_strdup(site->code);
		ins->from_site = g_strdup(site->code);
		ins->target_site = g_strdup(sites->pdata[i]);
		ins->package_id = g_strdup(j->package);
		ins->priority = SMS_PRIORITY_HIGH;
		ins->created = now;
		if (!sms_scheduler_queue_instruction(site, ins, 1, now, error))
			return FALSE;
	}
	j->status = SMS_STATUS_CANCELLED;
	/* Active while the cancel instructions travel; Complete when all were delivered */
	j->cancel_status = sites->len ? SMS_STATUS_ACTIVE : SMS_STATUS_COMPLETE;
	j->working_status = SMS_STATUS_CANCELLED;
	if (withdrawn > 0 || j->sending_status == SMS_STATUS_PENDING ||
	    j->sending_status == SMS_STATUS_NONE)
		j->sending_status = SMS_STATUS_CANCELLED;
	j->finished = now;
	if (!sms_job_save_status(site, j, error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "scheduler",
	                                 .event = "job.cancelled", .job = j->id }, error,
	              "Job %s cancelled: %u unsent request(s) withdrawn, cancel instructions "
	              "queued for %u site(s)", j->id, withdrawn, sites->len))
		return FALSE;
	return emit_status(site, now, j->id, SMS_STATUS_CANCELLED, error);
}

/* ---- roll-up (smsinfo.h JOBSTAT_*) ------------------------------------------------ */

static gboolean
count_by_status(SmsSite *site, const char *sql, const char *job, int counts[8], int *total,
                GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
	gboolean row;
	memset(counts, 0, 8 * sizeof(int));
	*total = 0;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	for (;;) {
		int s;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		s = sqlite3_column_int(st, 0);
		if (s >= 0 && s < 8)
			counts[s] += sqlite3_column_int(st, 1);
		*total += sqlite3_column_int(st, 1);
	}
	return TRUE;
}

/* Sending / cancel status from the states of the job's send requests (1 queued, 2 sent,
 * 3 failed, 4 retrying, 5 withdrawn); `current` when there are none. */
static SmsStatus
send_status(const int c[8], int total, SmsStatus current)
{
	int live = total - c[5];
	if (live <= 0)
		return current;
	if (c[3] > 0)
		return SMS_STATUS_FAILED;
	if (c[4] > 0)
		return SMS_STATUS_RETRYING;
	if (c[2] == live)
		return SMS_STATUS_COMPLETE;
	return c[2] > 0 ? SMS_STATUS_ACTIVE : SMS_STATUS_PENDING;
}

static gboolean
save_if_changed(SmsSite *site, SmsJob *j, SmsStatus s, SmsStatus sending, SmsStatus working,
                SmsStatus cancel, SmsTime now, GError **error)
{
	gboolean changed = s != j->status;
	if (!changed && sending == j->sending_status && working == j->working_status &&
	    cancel == j->cancel_status)
		return TRUE;
	j->status = s;
	j->sending_status = sending;
	j->working_status = working;
	j->cancel_status = cancel;
	if (changed && (s == SMS_STATUS_COMPLETE || s == SMS_STATUS_FAILED))
		j->finished = now;
	if (!sms_job_save_status(site, j, error))
		return FALSE;
	return !changed || emit_status(site, now, j->id, s, error);
}

static gboolean
roll_up(SmsSite *site, SmsJob *j, SmsTime now, GError **error)
{
	int sites[8], servers[8], machines[8], sends[8], cancels[8];
	int nsites, nservers, nmachines, nsends, ncancels;
	SmsStatus s, sending, working, cancel;
	gboolean started;

	if (!count_by_status(site, "SELECT state, count(*) FROM sched_sends WHERE job = ? AND "
	                     "kind IN (1, 2) GROUP BY state", j->id, sends, &nsends, error) ||
	    !count_by_status(site, "SELECT state, count(*) FROM sched_sends WHERE job = ? AND "
	                     "kind = 3 GROUP BY state", j->id, cancels, &ncancels, error))
		return FALSE;
	cancel = send_status(cancels, ncancels, j->cancel_status);
	if (j->status == SMS_STATUS_CANCELLED) {
		if (cancel == SMS_STATUS_PENDING)
			cancel = SMS_STATUS_ACTIVE;
		return save_if_changed(site, j, j->status, j->sending_status, j->working_status,
		                       cancel, now, error);
	}
	if (!count_by_status(site, "SELECT status, count(*) FROM job_site_detail WHERE job = ? "
	                     "GROUP BY status", j->id, sites, &nsites, error) ||
	    !count_by_status(site, "SELECT status, count(*) FROM job_server_detail WHERE job = ? "
	                     "GROUP BY status", j->id, servers, &nservers, error) ||
	    !count_by_status(site, "SELECT status, count(*) FROM job_machine_detail WHERE job = ? "
	                     "GROUP BY status", j->id, machines, &nmachines, error))
		return FALSE;
	sending = send_status(sends, nsends, j->sending_status);
	if (j->type == SMS_JOB_RUN_COMMAND && j->run_command) {
		/* Complete only when every targeted computer ran it (a computer whose platform
		 * is not supported never reports: the job stays Active, KB Q156250) */
		gboolean sites_ok = nsites > 0 && sites[SMS_STATUS_COMPLETE] == nsites;
		if (sites_ok && machines[SMS_STATUS_COMPLETE] == nmachines)
			s = SMS_STATUS_COMPLETE;
		else if (nservers > 0 && servers[SMS_STATUS_FAILED] == nservers)
			s = SMS_STATUS_FAILED;
		else if (machines[SMS_STATUS_RETRYING] > 0 || servers[SMS_STATUS_RETRYING] > 0 ||
		         j->status == SMS_STATUS_RETRYING)
			s = SMS_STATUS_RETRYING;   /* sticky while others are still None (KB Q150026) */
		else
			s = SMS_STATUS_ACTIVE;
	} else {
		/* Share: all distribution servers have it; Remove: removed from all; a Run
		 * Command job without a run phase: the package is on the servers */
		if (nsites > 0 && sites[SMS_STATUS_COMPLETE] == nsites)
			s = SMS_STATUS_COMPLETE;
		else if (nsites > 0 && sites[SMS_STATUS_FAILED] > 0 &&
		         sites[SMS_STATUS_FAILED] + sites[SMS_STATUS_COMPLETE] == nsites)
			s = SMS_STATUS_FAILED;
		else if (servers[SMS_STATUS_RETRYING] > 0 || sites[SMS_STATUS_RETRYING] > 0)
			s = SMS_STATUS_RETRYING;
		else
			s = SMS_STATUS_ACTIVE;
	}
	/* the sending phase: a send being retried makes the job Retrying, a send given up
	 * on makes it Failed */
	if (sending == SMS_STATUS_FAILED && s != SMS_STATUS_COMPLETE)
		s = SMS_STATUS_FAILED;
	else if (sending == SMS_STATUS_RETRYING && s == SMS_STATUS_ACTIVE)
		s = SMS_STATUS_RETRYING;
	/* working: Pending until a target site has the job */
	started = nsites - sites[SMS_STATUS_NONE] - sites[SMS_STATUS_PENDING] > 0 || nservers > 0 ||
	          nmachines - machines[SMS_STATUS_NONE] > 0;
	working = started || s == SMS_STATUS_COMPLETE || s == SMS_STATUS_FAILED ? s
	                                                                       : SMS_STATUS_PENDING;
	return save_if_changed(site, j, s, sending, working, cancel, now, error);
}

/* ---- the pass ------------------------------------------------------------------- */

static gboolean
list_jobs(SmsSite *site, const char *sql, SmsTime now, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, site->code);
	if (strchr(sql, '?') != strrchr(sql, '?'))
		sqlite3_bind_int64(st, 2, now);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(out, sms_db_col_text(st, 0));
	}
	return TRUE;
}

/* The latest poll of the site's grid at or before now: a job is due when
 * sms_poll_ceil(start_after) <= now, i.e. start_after <= this. */
static SmsTime
last_grid_poll(SmsSite *site, SmsTime now)
{
	SmsTime next = sms_poll_ceil(site, now);
	return next == now ? now
	                   : next - sms_response_poll_minutes(site->self->response) * SMS_MINUTE;
}

gboolean
sms_scheduler_pass(SmsSite *site, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) cancels = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dirty = g_ptr_array_new_with_free_func(g_free);

	if (!sms_scheduler_ensure_schema(site, error))
		return FALSE;
	/* Pending jobs of this site whose first poll at or after Start After has come, by
	 * priority: a pass run by hand between two polls of the Service Response grid
	 * (jobsvc poll) activates only what the poll before it would have (jobsvc(1)). */
	if (!list_jobs(site, "SELECT id FROM jobs WHERE site = ? AND status = 1 AND start_after <= ?"
	               " ORDER BY priority, start_after, id", last_grid_poll(site, now), due,
	               error))
		return FALSE;
	for (guint i = 0; i < due->len; i++) {
		g_autoptr(SmsJob) j = NULL;
		g_autoptr(GError) local = NULL;
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		if (!sms_txn_begin(&txn, error) || !sms_job_load(site, due->pdata[i], &j, error))
			return FALSE;
		if (!activate(site, j, now, &local)) {
			g_autoptr(SmsJob) again = NULL;
			if (!job_error(local)) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			/* undo the half activation, then record the failure on its own */
			sms_txn_clear(&txn);
			if (!sms_txn_begin(&txn, error) ||
			    !sms_job_load(site, due->pdata[i], &again, error) ||
			    !fail_job(site, again, now, 0, local, error) || !sms_txn_commit(&txn, error))
				return FALSE;
			continue;
		}
		if (sms_fault("scheduler-before-commit", error))
			return FALSE;
		if (!sms_txn_commit(&txn, error))
			return FALSE;
	}
	if (!list_jobs(site, "SELECT id FROM jobs WHERE site = ? AND status IN (2, 6) AND "
	               "cancel_requested IS NOT NULL ORDER BY id", now, cancels, error))
		return FALSE;
	for (guint i = 0; i < cancels->len; i++) {
		g_autoptr(SmsJob) j = NULL;
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		if (!sms_txn_begin(&txn, error) || !sms_job_load(site, cancels->pdata[i], &j, error) ||
		    !do_cancel(site, j, now, error) || !sms_txn_commit(&txn, error))
			return FALSE;
	}
	/* Roll-up of jobs whose detail changed. */
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT d.job FROM sched_dirty d JOIN jobs j "
		                               "ON j.id = d.job WHERE j.site = ? ORDER BY d.job", error);
		gboolean row;
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, site->code);
		while (sms_db_step(site->db, st, &row, error) && row)
			g_ptr_array_add(dirty, sms_db_col_text(st, 0));
	}
	for (guint i = 0; i < dirty->len; i++) {
		g_autoptr(SmsJob) j = NULL;
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		sqlite3_stmt *st;
		if (!sms_txn_begin(&txn, error) || !sms_job_load(site, dirty->pdata[i], &j, error))
			return FALSE;
		if ((j->status == SMS_STATUS_ACTIVE || j->status == SMS_STATUS_RETRYING ||
		     (j->status == SMS_STATUS_CANCELLED && j->cancel_status != SMS_STATUS_COMPLETE)) &&
		    !roll_up(site, j, now, error))
			return FALSE;
		st = sms_db_stmt(site->db, "DELETE FROM sched_dirty WHERE job = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, j->id);
		if (!sms_db_step_done(site->db, st, error) || !sms_txn_commit(&txn, error))
			return FALSE;
	}
	/* jobs of other sites marked dirty here are not ours to roll up */
	return sms_db_exec(site->db, "DELETE FROM sched_dirty WHERE job NOT IN (SELECT id FROM jobs "
	                   "WHERE site = (SELECT value FROM meta WHERE key = 'site_code'))", error);
}

SmsTime
sms_scheduler_next_wakeup(SmsSite *site, SmsTime now)
{
	SmsTime next = SMS_TIME_NEVER;
	sqlite3_stmt *st;
	gboolean row;
	g_autoptr(GError) error = NULL;

	if (!sms_scheduler_ensure_schema(site, &error))
		return SMS_TIME_NEVER;
	st = sms_db_stmt(site->db, "SELECT min(start_after) FROM jobs WHERE site = ? AND status = 1",
	                 &error);
	if (st == NULL)
		return SMS_TIME_NEVER;
	sms_db_bind_text(st, 1, site->code);
	if (sms_db_step(site->db, st, &row, &error) && row &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sms_poll_ceil(site, MAX(sqlite3_column_int64(st, 0), now));
	sqlite3_reset(st);
	st = sms_db_stmt(site->db, "SELECT (SELECT count(*) FROM sched_dirty d JOIN jobs j ON "
	                 "j.id = d.job AND j.site = ?1) + (SELECT count(*) FROM jobs WHERE site = ?1 "
	                 "AND status IN (2, 6) AND cancel_requested IS NOT NULL)", &error);
	if (st == NULL)
		return next;
	sms_db_bind_text(st, 1, site->code);
	if (sms_db_step(site->db, st, &row, &error) && row && sqlite3_column_int(st, 0) > 0)
		next = MIN(next, sms_poll_ceil(site, now));
	sqlite3_reset(st);
	return next;
}
