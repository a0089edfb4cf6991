/* sender.c -- the LAN Sender: send requests (.SRQ -> .SRS) in the outbox, package then
 * instruction into the target site's RECEIVE, retries (KB Q123221, DUMPSEND).
 *
 * Registry (HKLM\SOFTWARE\Microsoft\SMS\Components\SMS_LAN_SENDER on the site server,
 * registry/<SERVER>.reg), read at every pass:
 *   Maximum Concurrent Sendings       dword, default 5
 *   Maximum Concurrent Site Sendings  dword, default 3
 *   Number of Retries                 dword, default 2 (the LAN sender: at least 1)
 *   Retry Delay in Minutes            dword, default 1
 * A failed sending is retried by the Sender after Retry Delay; when the retries are used
 * up, the request is rescheduled (as the Scheduler does, KB Q214485) at
 * now + Retry Delay x Retries x 2 rounded up to the next poll, and given up (Failed)
 * 7 days after it was created.
 *
 * Request states in sched_sends: 1 queued, 2 sent, 3 failed, 4 retrying, 5 cancelled. */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "job.h"
#include "reg.h"
#include "sender.h"

#include <stdio.h>

#define SENDER_KEY "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_LAN_SENDER"

typedef struct {
	guint max_sendings, max_per_site, retries, retry_delay;
} SenderSettings;

typedef struct {
	char *name;     /* file name in the outbox */
	SmsSendRequest *req;
} Pending;

static void
pending_free(gpointer p)
{
	Pending *x = p;
	g_free(x->name);
	sms_send_request_free(x->req);
	g_free(x);
}

static gint
pending_cmp(gconstpointer a, gconstpointer b)
{
	const Pending *x = *(Pending *const *)a, *y = *(Pending *const *)b;
	if (x->req->priority != y->req->priority)
		return x->req->priority - y->req->priority;
	if (x->req->created != y->req->created)
		return x->req->created < y->req->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

static gboolean
read_settings(SmsSite *site, SenderSettings *out, GError **error)
{
	g_autofree char *path = sms_layout_registry(site, sms_site_server_name(site));
	g_autoptr(SmsReg) reg = NULL;
	guint32 v[4];
	if (!sms_reg_load_settings(path, &reg, error) ||
	    !sms_reg_get_dword(reg, SENDER_KEY, "Maximum Concurrent Sendings", 5, &v[0], error) ||
	    !sms_reg_get_dword(reg, SENDER_KEY, "Maximum Concurrent Site Sendings", 3, &v[1],
	                       error) ||
	    !sms_reg_get_dword(reg, SENDER_KEY, "Number of Retries", SMS_SENDER_LAN_RETRIES, &v[2],
	                       error) ||
	    !sms_reg_get_dword(reg, SENDER_KEY, "Retry Delay in Minutes", 1, &v[3], error))
		return FALSE;
	out->max_sendings = CLAMP(v[0], 1, 100);
	out->max_per_site = CLAMP(v[1], 1, out->max_sendings);
	out->retries = CLAMP(v[2], 1, 100);      /* "cannot be 0" for the LAN sender */
	out->retry_delay = CLAMP(v[3], 1, 24 * 60);
	return TRUE;
}

static char *
request_stem(const char *name)
{
	const char *dot = strrchr(name, '.');
	return g_strndup(name, dot ? (gsize)(dot - name) : strlen(name));
}

static gboolean
set_send_state(SmsSite *site, const char *req, int state, int attempts, SmsTime now,
               GError **error)
{
	sqlite3_stmt *st;
	if (!sms_scheduler_ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "UPDATE sched_sends SET state = ?, attempts = max(attempts, ?),"
	                 " done = ? WHERE request = ?", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int(st, 2, attempts);
	sms_db_bind_time(st, 3, now);
	sms_db_bind_text(st, 4, req);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	/* the job's sending status is rolled up by the Scheduler */
	st = sms_db_stmt(site->db, "INSERT OR IGNORE INTO sched_dirty(job) SELECT job FROM "
	                 "sched_sends WHERE request = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, req);
	return sms_db_step_done(site->db, st, error);
}

/* State of a request in sched_sends, 0 if unknown. */
static gboolean
send_state(SmsSite *site, const char *req, int *out, GError **error)
{
	sqlite3_stmt *st;
	gboolean row;
	if (!sms_scheduler_ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT state FROM sched_sends WHERE request = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, req);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	*out = row ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return TRUE;
}

/* Move a file that cannot be processed to BAD/ next to it (KB Q159201: never loop). */
static gboolean
move_aside(SmsSite *site, const char *dir, const char *name, const char *job,
           const GError *why, SmsTime now, GError **error)
{
	g_autofree char *bad = g_build_filename(dir, "BAD", NULL);
	g_autofree char *from = g_build_filename(dir, name, NULL);
	g_autofree char *to = g_build_filename(bad, name, NULL);
	if (!sms_mkdir_p(bad, error))
		return FALSE;
	if (rename(from, to) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "moving %s aside to %s", from, bad);
	return sms_emit(site, &(SmsEvent){ .time = now, .component = "sender",
	                                   .event = "file.rejected", .severity = SMS_SEV_ERROR,
	                                   .job = job, .detail = name }, error,
	                "%s is unusable and was moved to %s: %s", from, bad, why->message);
}

/* A send request that can never be delivered: the request (and the named file, if it is
 * the culprit) go to BAD/, the sending is Failed. */
static gboolean
reject_request(SmsSite *site, const char *outbox, const char *name, const char *job,
               const char *tosend_file, const GError *why, SmsTime now, GError **error)
{
	g_autofree char *stem = request_stem(name);
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (tosend_file) {
		g_autofree char *tosend = sms_layout_tosend(site);
		if (!move_aside(site, tosend, tosend_file, job, why, now, error))
			return FALSE;
	}
	if (!move_aside(site, outbox, name, job, why, now, error) ||
	    !set_send_state(site, stem, 3, 0, now, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}

static gboolean
remove_file(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	if (unlink(path) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "removing %s", path);
	return TRUE;
}

/* Requests ready at `now`, by priority. Cleans up on the way: a request both as .SRQ and
 * .SRS (a crash while rescheduling: the .SRQ is the newer), a request already sent or
 * cancelled (a crash before its file was removed), unreadable requests (moved aside). */
static gboolean
list_requests(SmsSite *site, const char *outbox, SmsTime now, GPtrArray *out,
              GError **error)
{
	g_autoptr(GDir) d = g_dir_open(outbox, 0, NULL);
	const char *name;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) srq = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (d == NULL)
		return TRUE;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(name, ".SRQ"))
			g_hash_table_add(srq, request_stem(name));
		if (g_str_has_suffix(name, ".SRQ") || g_str_has_suffix(name, ".SRS"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		g_autofree char *path = g_build_filename(outbox, n, NULL);
		g_autofree char *stem = request_stem(n);
		g_autoptr(GError) local = NULL;
		SmsSendRequest *r = NULL;
		Pending *p;
		int state;
		if (g_str_has_suffix(n, ".SRS") && g_hash_table_contains(srq, stem)) {
			if (!remove_file(outbox, n, error))
				return FALSE;
			continue;
		}
		if (!send_state(site, stem, &state, error))
			return FALSE;
		if (state == 2 || state == 5) {
			if (!remove_file(outbox, n, error))
				return FALSE;
			continue;
		}
		if (!sms_send_request_load(path, &r, &local)) {
			if (!reject_request(site, outbox, n, NULL, NULL, local, now, error))
				return FALSE;
			continue;
		}
		if (r->next_attempt != SMS_TIME_NONE && r->next_attempt > now) {
			sms_send_request_free(r);
			continue;
		}
		p = g_new0(Pending, 1);
		p->name = g_strdup(n);
		p->req = r;
		g_ptr_array_add(out, p);
	}
	g_ptr_array_sort(out, pending_cmp);
	return TRUE;
}

/* The files a request names must be there and the instruction must be whole; a bad
 * instruction is never passed on. FALSE with `*out_bad` = the culprit in TOSEND (or
 * NULL for the request itself) when the request can never be delivered. */
static gboolean
check_request(SmsSite *site, const SmsSendRequest *r, const char **out_bad, GError **error)
{
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *ipath = g_build_filename(tosend, r->instruction_file, NULL);
	g_autoptr(SmsInstruction) ins = NULL;
	*out_bad = NULL;
	if (!g_file_test(ipath, G_FILE_TEST_EXISTS))
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: the instruction file of send "
		                 "request %s is missing", ipath, r->id);
	if (!sms_instruction_load(ipath, &ins, error)) {
		*out_bad = r->instruction_file;
		return FALSE;
	}
	if (r->package_file) {
		g_autofree char *ppath = g_build_filename(tosend, r->package_file, NULL);
		if (!g_file_test(ppath, G_FILE_TEST_IS_REGULAR))
			return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: the package file of send "
			                 "request %s is missing", ppath, r->id);
	}
	return TRUE;
}

/* Deliver one request: package (as <req>.PCK) first, then the instruction (<req>.TMP
 * renamed <req>.INS), so the Despooler never sees an instruction without its package. */
static gboolean
deliver(SmsSite *site, const SmsSendRequest *r, GError **error)
{
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *key = g_strdup_printf("sender-receive:%s", r->target_root);
	const char *receive = sms_site_cache_get(site, key);
	if (sms_fault("sender-deliver", error))
		return FALSE;
	if (receive == NULL) {
		char *found = NULL;
		if (!sms_layout_receive_of_root(r->target_root, &found, error))
			return FALSE;
		sms_site_cache_put(site, key, found, g_free);
		receive = found;
	}
	if (!g_file_test(receive, G_FILE_TEST_IS_DIR))
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: the target's inbox is missing",
		                 receive);
	if (r->package_file) {
		g_autofree char *src = g_build_filename(tosend, r->package_file, NULL);
		g_autofree char *dst = g_strdup_printf("%s/%s.PCK", receive, r->id);
		if (!sms_atomic_copy(src, dst, SMS_SYNC_FILE, error))
			return FALSE;
	}
	if (sms_fault("sender-between-package-and-instruction", error))
		return FALSE;
	{
		g_autofree char *src = g_build_filename(tosend, r->instruction_file, NULL);
		g_autofree char *tmp = g_strdup_printf("%s/%s.TMP", receive, r->id);
		g_autofree char *dst = g_strdup_printf("%s/%s.INS", receive, r->id);
		if (!sms_atomic_copy(src, tmp, SMS_SYNC_FILE, error) ||
		    !sms_rename_durable(tmp, dst, error))
			return FALSE;
	}
	return TRUE;
}

/* What a delivery came to; recorded for a whole round in one transaction, after the
 * files are durable, and only then are the requests' files changed. */
typedef struct {
	Pending *p;
	GError *why;            /* NULL: delivered */
	SmsSendRequest next;    /* failed: the request as rescheduled (shallow copy) */
	gboolean give_up;
} Outcome;

static gboolean
record(SmsSite *site, const SenderSettings *set, Outcome *o, SmsTime now, GError **error)
{
	const SmsSendRequest *r = o->p->req;
	const char *event;
	gboolean reschedule;
	if (o->why == NULL) {
		if (!set_send_state(site, r->id, 2, r->attempts + 1, now, error))
			return FALSE;
		return sms_emit(site, &(SmsEvent){ .time = now, .component = "sender",
		                                   .event = "send.complete", .job = r->job_id,
		                                   .detail = r->target_site }, error,
		                "Sent %s%s%s to site %s (request %s)", r->instruction_file,
		                r->package_file ? " with package " : "",
		                r->package_file ? r->package_file : "", r->target_site, r->id);
	}
	/* failed: retry after Retry Delay, reschedule when the retries are used up, give up
	 * (Failed) 7 days after the request was created */
	o->next = *r;
	o->next.attempts = r->attempts + 1;
	o->give_up = r->created != SMS_TIME_NONE && now - r->created >= SMS_SENDER_GIVE_UP;
	reschedule = o->next.attempts % (int)(set->retries + 1) == 0;
	if (reschedule)
		o->next.next_attempt = sms_poll_ceil(site, now + (SmsTime)set->retry_delay *
		                                           set->retries * 2 * SMS_MINUTE);
	else
		o->next.next_attempt = now + (SmsTime)set->retry_delay * SMS_MINUTE;
	event = o->give_up ? "send.failed" : reschedule ? "send.rescheduled" : "send.retry";
	if (!set_send_state(site, r->id, o->give_up ? 3 : 4, o->next.attempts, now, error))
		return FALSE;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = "sender", .event = event,
	                                   .severity = o->give_up ? SMS_SEV_ERROR : SMS_SEV_WARNING,
	                                   .job = r->job_id, .detail = r->target_site }, error,
	                "Sending request %s to site %s failed (attempt %d): %s%s%s", r->id,
	                r->target_site, o->next.attempts, o->why->message,
	                o->give_up ? "; giving up after 7 days" : "; next attempt at ",
	                o->give_up ? "" : sms_time_str(o->next.next_attempt));
}

/* After the commit: a sent request's .SRS goes; a failed one is rewritten as .SRQ with
 * its next attempt first (if we crash between the two, the .SRQ wins, list_requests). */
static gboolean
settle(const char *outbox, const Outcome *o, GError **error)
{
	g_autofree char *srs = g_strdup_printf("%s.SRS", o->p->req->id);
	if (o->why && !o->give_up) {
		g_autofree char *srq = g_strdup_printf("%s/%s.SRQ", outbox, o->p->req->id);
		if (!sms_send_request_save(&o->next, srq, error))
			return FALSE;
	}
	return remove_file(outbox, srs, error);
}

/* Deliveries are synchronous, so a round of at most Maximum Concurrent Sendings (Maximum
 * Concurrent Site Sendings per site) completes before the next starts; requests beyond
 * the limits wait for the next round, in priority order. Each request is tried once per
 * pass. */
static gboolean
sender_round(SmsSite *site, const SenderSettings *set, const char *outbox, GPtrArray *reqs,
             GHashTable *tried, SmsTime now, gboolean *out_any, GError **error)
{
	g_autoptr(GHashTable) per_site = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GArray) done = g_array_new(FALSE, TRUE, sizeof(Outcome));
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	gboolean ok = TRUE;

	*out_any = FALSE;
	for (guint i = 0; i < reqs->len && done->len < set->max_sendings; i++) {
		Pending *p = reqs->pdata[i];
		SmsSendRequest *r = p->req;
		g_autofree char *from = g_build_filename(outbox, p->name, NULL);
		g_autofree char *srs = g_strdup_printf("%s/%s.SRS", outbox, r->id);
		g_autoptr(GError) local = NULL;
		const char *bad = NULL;
		Outcome o = { p, NULL, { 0 }, FALSE };
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_site, r->target_site));
		if (g_hash_table_contains(tried, r->id) || n >= set->max_per_site)
			continue;
		g_hash_table_add(tried, g_strdup(r->id));
		*out_any = TRUE;
		if (!check_request(site, r, &bad, &local)) {
			if (!reject_request(site, outbox, p->name, r->job_id, bad, local, now, error))
				return FALSE;
			continue;
		}
		g_hash_table_insert(per_site, r->target_site, GUINT_TO_POINTER(n + 1));
		/* .SRQ -> .SRS: in progress */
		if (g_str_has_suffix(p->name, ".SRQ") && rename(from, srs) < 0) {
			ok = sms_throw_errno(error, "renaming %s to %s", from, srs);
			break;
		}
		if (!deliver(site, r, &local)) {
			if (g_error_matches(local, SMS_ERROR, SMS_ERROR_FAULT)) {
				g_propagate_error(error, g_steal_pointer(&local));
				ok = FALSE;
				break;
			}
			o.why = g_steal_pointer(&local);
		}
		g_array_append_val(done, o);
	}
	/* what was delivered is durable: record the round (also when stopping on an error,
	 * so nothing delivered is sent again) */
	if (done->len > 0) {
		gboolean recorded = sms_txn_begin(&txn, ok ? error : NULL);
		for (guint i = 0; recorded && i < done->len; i++)
			recorded = record(site, set, &g_array_index(done, Outcome, i), now,
			                  ok ? error : NULL);
		recorded = recorded && sms_txn_commit(&txn, ok ? error : NULL) &&
		           !sms_fault("sender-after-commit", ok ? error : NULL);
		for (guint i = 0; recorded && i < done->len; i++)
			recorded = settle(outbox, &g_array_index(done, Outcome, i), ok ? error : NULL);
		ok = ok && recorded;
	}
	for (guint i = 0; i < done->len; i++)
		g_clear_error(&g_array_index(done, Outcome, i).why);
	return ok;
}

static gboolean siterep_pass(SmsSite *site, SmsTime now, GError **error);
static SmsTime siterep_next_wakeup(SmsSite *site);

gboolean
sms_sender_pass(SmsSite *site, SmsTime now, GError **error)
{
	SenderSettings set;
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autoptr(GPtrArray) reqs = g_ptr_array_new_with_free_func(pending_free);
	g_autoptr(GHashTable) tried = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* the Site Reporter's batches first, so that they go out in this pass */
	if (!siterep_pass(site, now, error))
		return FALSE;
	if (!sms_scheduler_ensure_schema(site, error) || !read_settings(site, &set, error) ||
	    !list_requests(site, outbox, now, reqs, error))
		return FALSE;
	for (;;) {
		gboolean any;
		if (!sender_round(site, &set, outbox, reqs, tried, now, &any, error))
			return FALSE;
		if (!any)
			return TRUE;
	}
}

SmsTime
sms_sender_next_wakeup(SmsSite *site, SmsTime now)
{
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autoptr(GDir) d = g_dir_open(outbox, 0, NULL);
	const char *name;
	SmsTime next = siterep_next_wakeup(site);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = NULL;
		g_autoptr(SmsSendRequest) r = NULL;
		if (!g_str_has_suffix(name, ".SRQ") && !g_str_has_suffix(name, ".SRS"))
			continue;
		path = g_build_filename(outbox, name, NULL);
		if (g_str_has_suffix(name, ".SRS") || !sms_send_request_load(path, &r, NULL))
			return now;   /* left over from a crash, or a bad file: the pass cleans up */
		if (r->next_attempt == SMS_TIME_NONE || r->next_attempt <= now)
			return now;   /* the Sender is event driven: it starts at once */
		next = MIN(next, r->next_attempt);
	}
	return next;
}

/* ---- status going up --------------------------------------------------------------- */

/* ---- the Site Reporter ---------------------------------------------------------------
 *
 * Status for a job of another site does not go up the moment it arises: the Despooler
 * writes a job status MIF (.JMF) into SITE.SRV/SITEREP.BOX and the Site Reporter sends
 * what has gathered there, batched into one status instruction per job, at the next
 * poll of the parent's schedule (its Service Response interval; this site's when the
 * parent's is not known here) after it arose (SMS 1.2 Resource Guide, "Status Reporting
 * for Run Command On Workstation Jobs": .JMF files go to SITEREP.BOX and the Site
 * Reporter batches them to the parent). siterep_pending keeps the due time of each file
 * (the wake-up is stored when the work arises). */
static const SmsMigration siterep_migrations[] = {
	{ 1,
	  "CREATE TABLE siterep_pending(file TEXT PRIMARY KEY, job TEXT NOT NULL,"
	  "  to_site TEXT NOT NULL, due INTEGER NOT NULL);"
	  "CREATE INDEX siterep_pending_due ON siterep_pending(due);"
	},
};

static gboolean
siterep_ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, "siterep", siterep_migrations,
	                      G_N_ELEMENTS(siterep_migrations), error);
}

static char *
siterep_box(SmsSite *site)
{
	g_autofree char *s = sms_layout_site_srv(site);
	return g_build_filename(s, "SITEREP.BOX", NULL);
}

/* The next poll of the parent's schedule strictly after t. */
static SmsTime
parent_poll_after(SmsSite *site, SmsTime t)
{
	int minutes = sms_response_poll_minutes(site->self->response);
	sqlite3_stmt *st;
	gboolean row;
	if (site->self->parent &&
	    (st = sms_db_stmt(site->db, "SELECT response FROM sites WHERE code = ?", NULL))) {
		sms_db_bind_text(st, 1, site->self->parent);
		if (sms_db_step(site->db, st, &row, NULL) && row &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			minutes = sms_response_poll_minutes((SmsResponse)sqlite3_column_int(st, 0));
		sqlite3_reset(st);
	}
	return sms_time_ceil(t + 1, (SmsTime)minutes * SMS_MINUTE);
}

/* Queue a status instruction for sending now (the Site Reporter's batch). */
static gboolean
queue_status_now(SmsSite *site, const char *to_site, SmsInstruction *ins, SmsTime now,
                 GError **error)
{
	g_autofree char *req = NULL;
	if (!sms_site_next_request_id(site, &req, error))
		return FALSE;
	g_free(ins->id);
	ins->id = g_strdup_printf("S%s%s", req, site->code);
	g_free(ins->target_site);
	ins->target_site = g_strdup(to_site);
	g_free(ins->from_site);
	ins->from_site = g_strdup(site->code);
	ins->created = now;
	return sms_scheduler_queue_instruction(site, ins, 2, now, error);
}

gboolean
sms_sender_queue_status(SmsSite *site, const char *to_site, SmsInstruction *ins, SmsTime now,
                        GError **error)
{
	g_autofree char *req = NULL;
	g_autofree char *box = siterep_box(site);
	g_autofree char *name = NULL;
	g_autofree char *path = NULL;
	if (!sms_scheduler_route_known(site, to_site, error) || !siterep_ensure_schema(site, error) ||
	    !sms_site_next_request_id(site, &req, error))
		return FALSE;
	g_free(ins->id);
	ins->id = g_strdup_printf("S%s%s", req, site->code);
	g_free(ins->target_site);
	ins->target_site = g_strdup(to_site);
	g_free(ins->from_site);
	ins->from_site = g_strdup(site->code);
	ins->created = now;
	name = g_strdup_printf("%s.JMF", ins->id);
	path = g_build_filename(box, name, NULL);
	/* a re-run after a crash draws the same request ID (the counter is in this
	 * transaction) and writes the same file */
	if (!sms_mkdir_p(box, error) || !sms_instruction_save(ins, path, error))
		return FALSE;
	return sms_db_execf(site->db, error, "INSERT OR REPLACE INTO siterep_pending(file, job, "
	                    "to_site, due) VALUES (?, ?, ?, ?)", "sssi", name, ins->job_id, to_site,
	                    (gint64)parent_poll_after(site, now));
}

/* Send the job status MIFs that are due: one status instruction per job and site. */
static gboolean
siterep_pass(SmsSite *site, SmsTime now, GError **error)
{
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	g_autofree char *box = siterep_box(site);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsInstruction) batch = NULL;
	g_autofree char *batch_to = NULL;
	guint n = 0;
	sqlite3_stmt *st;
	gboolean row;

	if (!siterep_ensure_schema(site, error) || !sms_txn_begin(&txn, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT file, job, to_site FROM siterep_pending WHERE due <= ?"
	                 " ORDER BY job, to_site, file", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, now);
	for (;;) {
		g_autoptr(SmsInstruction) one = NULL;
		g_autoptr(GError) local = NULL;
		g_autofree char *path = NULL;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(files, sms_db_col_text(st, 0));
		path = g_build_filename(box, sms_db_col_ctext(st, 0), NULL);
		if (!sms_instruction_load(path, &one, &local)) {
			sms_log(site, "sitereporter", now, "job status MIF %s dropped: %s",
			        sms_db_col_ctext(st, 0), local->message);
			continue;
		}
		if (batch && (g_strcmp0(batch->job_id, one->job_id) != 0 ||
		              g_strcmp0(batch_to, sms_db_col_ctext(st, 2)) != 0)) {
			sqlite3_reset(st);
			goto flush;
		}
		if (batch == NULL) {
			batch = g_steal_pointer(&one);
			batch_to = sms_db_col_text(st, 2);
		} else {
			while (one->status_rows->len)
				g_ptr_array_add(batch->status_rows,
				                g_ptr_array_steal_index(one->status_rows, 0));
		}
		n++;
		continue;
flush:
		/* a new job or site: send what was gathered, then start again from the query */
		g_ptr_array_set_size(files, files->len - 1);
		break;
	}
	sqlite3_reset(st);
	if (batch) {
		if (!queue_status_now(site, batch_to, batch, now, error) ||
		    !sms_emit(site, &(SmsEvent){ .time = now, .component = "sitereporter",
		                                 .event = "status.batched", .job = batch->job_id,
		                                 .detail = batch_to }, error,
		              "Site Reporter: %u job status MIF(s) of job %s sent to site %s", n,
		              batch->job_id, batch_to))
			return FALSE;
	}
	for (guint i = 0; i < files->len; i++)
		if (!sms_db_execf(site->db, error, "DELETE FROM siterep_pending WHERE file = ?", "s",
		                  (char *)files->pdata[i]))
			return FALSE;
	if (!sms_txn_commit(&txn, error))
		return FALSE;
	for (guint i = 0; i < files->len; i++) {
		g_autofree char *path = g_build_filename(box, (char *)files->pdata[i], NULL);
		(void)g_unlink(path);
	}
	/* more batches due: one per call keeps each in its own transaction */
	return batch == NULL ? TRUE : siterep_pass(site, now, error);
}

static SmsTime
siterep_next_wakeup(SmsSite *site)
{
	SmsTime next = SMS_TIME_NEVER;
	sqlite3_stmt *st;
	gboolean row;
	if (!siterep_ensure_schema(site, NULL))
		return SMS_TIME_NEVER;
	st = sms_db_stmt(site->db, "SELECT min(due) FROM siterep_pending", NULL);
	if (st == NULL)
		return SMS_TIME_NEVER;
	if (sms_db_step(site->db, st, &row, NULL) && row && sqlite3_column_type(st, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return next;
}

gboolean
sms_instruction_apply_status(SmsSite *site, const SmsInstruction *ins, GError **error)
{
	sqlite3_stmt *q = sms_db_stmt(site->db, "SELECT 1 FROM jobs WHERE id = ?", error);
	gboolean known;
	if (q == NULL)
		return FALSE;
	sms_db_bind_text(q, 1, ins->job_id);
	if (!sms_db_step(site->db, q, &known, error))
		return FALSE;
	sqlite3_reset(q);
	if (!known)
		/* the job was deleted here (KB Q269768): its late detail rows are dropped (package
		 * locations are still true and kept) */
		sms_log(site, "sender", SMS_TIME_NONE, "Job detail in %s for unknown job %s from "
		        "site %s ignored", ins->id, ins->job_id, ins->from_site ? ins->from_site : "?");
	for (guint i = 0; i < ins->status_rows->len; i++) {
		SmsInstrStatusRow *r = ins->status_rows->pdata[i];
		sqlite3_stmt *st = NULL;
		if (!known && g_strcmp0(r->table, "location") != 0)
			continue;
		if (g_strcmp0(r->table, "site") == 0) {
			st = sms_db_stmt(site->db, "INSERT INTO job_site_detail(job, site, status, detail,"
			                 " updated) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(job, site) DO "
			                 "UPDATE SET status = ?3, detail = ?4, updated = ?5", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, ins->job_id);
			sms_db_bind_text(st, 2, r->site);
		} else if (g_strcmp0(r->table, "server") == 0) {
			st = sms_db_stmt(site->db, "INSERT INTO job_server_detail(job, site, server, "
			                 "status, detail, updated) VALUES (?1, ?2, ?6, ?3, ?4, ?5) ON "
			                 "CONFLICT(job, server) DO UPDATE SET status = ?3, detail = ?4, "
			                 "updated = ?5", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, ins->job_id);
			sms_db_bind_text(st, 2, r->site);
			sms_db_bind_text(st, 6, r->server);
		} else if (g_strcmp0(r->table, "machine") == 0) {
			st = sms_db_stmt(site->db, "INSERT INTO job_machine_detail(job, machine, site, "
			                 "status, detail, updated) VALUES (?1, ?6, ?2, ?3, ?4, ?5) ON "
			                 "CONFLICT(job, machine) DO UPDATE SET status = ?3, detail = ?4, "
			                 "updated = ?5", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, ins->job_id);
			sms_db_bind_text(st, 2, r->site);
			sms_db_bind_text(st, 6, r->machine);
		} else if (g_strcmp0(r->table, "location") == 0) {
			st = sms_db_stmt(site->db, "INSERT OR REPLACE INTO package_locations(package, site,"
			                 " server, path, kind, updated) VALUES (?1, ?2, ?6, ?4, 'package', "
			                 "?5)", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, ins->package_id);
			sms_db_bind_text(st, 2, r->site);
			sms_db_bind_text(st, 6, r->server);
			if (r->status == SMS_STATUS_CANCELLED) {
				/* removed */
				st = sms_db_stmt(site->db, "DELETE FROM package_locations WHERE package = ?1 "
				                 "AND server = ?6 AND ?2 IS NOT NULL", error);
				if (st == NULL)
					return FALSE;
				sms_db_bind_text(st, 1, ins->package_id);
				sms_db_bind_text(st, 2, r->site);
				sms_db_bind_text(st, 6, r->server);
				if (!sms_db_step_done(site->db, st, error))
					return FALSE;
				continue;
			}
		} else {
			continue;
		}
		if (g_strcmp0(r->table, "location") != 0)
			sqlite3_bind_int(st, 3, r->status);
		sms_db_bind_text(st, 4, g_strcmp0(r->table, "location") == 0 ? r->path : r->detail);
		sqlite3_bind_int64(st, 5, r->updated == SMS_TIME_NONE ? 0 : r->updated);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
	}
	return TRUE;
}
