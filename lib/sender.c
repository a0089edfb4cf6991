/* sender.c -- the LAN Sender: send requests (.SRQ -> .SRS) in the outbox, package then
 * instruction into the target site's RECEIVE, retries (notes §5.3-§5.4). */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "job.h"
#include "sender.h"

#include <stdio.h>

#define MAX_SENDINGS 5
#define MAX_PER_SITE 3

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

/* Move a file that cannot be processed to BAD/ next to it (KB Q159201: never loop). */
static gboolean
move_aside(SmsSite *site, const char *dir, const char *name, const char *component,
           const GError *why, SmsTime now, GError **error)
{
	g_autofree char *bad = g_build_filename(dir, "BAD", NULL);
	g_autofree char *from = g_build_filename(dir, name, NULL);
	g_autofree char *to = g_build_filename(bad, name, NULL);
	if (!sms_mkdir_p(bad, error))
		return FALSE;
	if (rename(from, to) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "moving %s aside", from);
	return sms_emit(site, &(SmsEvent){ .time = now, .component = component,
	                                   .event = "file.rejected", .severity = SMS_SEV_ERROR,
	                                   .detail = name }, error,
	                "%s is unusable and was moved to %s: %s", from, bad, why->message);
}

static gboolean
list_requests(SmsSite *site, const char *outbox, SmsTime now, GPtrArray *out,
              gboolean *out_waiting, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(outbox, 0, NULL);
	const char *name;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	*out_waiting = FALSE;
	if (d == NULL)
		return TRUE;
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".SRQ") || g_str_has_suffix(name, ".SRS"))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(outbox, names->pdata[i], NULL);
		g_autoptr(GError) local = NULL;
		SmsSendRequest *r = NULL;
		Pending *p;
		if (!sms_send_request_load(path, &r, &local)) {
			if (now != SMS_TIME_NONE &&
			    !move_aside(site, outbox, names->pdata[i], "sender", local, now, error))
				return FALSE;
			continue;
		}
		if (r->next_attempt != SMS_TIME_NONE && r->next_attempt > now) {
			*out_waiting = TRUE;
			sms_send_request_free(r);
			continue;
		}
		p = g_new0(Pending, 1);
		p->name = g_strdup(names->pdata[i]);
		p->req = r;
		g_ptr_array_add(out, p);
	}
	g_ptr_array_sort(out, pending_cmp);
	return TRUE;
}

static gboolean
set_send_state(SmsSite *site, const char *req, int state, int attempts, SmsTime now,
               GError **error)
{
	sqlite3_stmt *st;
	if (!sms_scheduler_ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "UPDATE sched_sends SET state = ?, attempts = ?, done = ? "
	                 "WHERE request = ?", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, now);
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

/* Deliver one request: package (as <req>.PCK) first, then the instruction (<req>.TMP
 * renamed <req>.INS), so the Despooler never sees an instruction without its package. */
static gboolean
deliver(SmsSite *site, const SmsSendRequest *r, GError **error)
{
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *key = g_strdup_printf("sender-receive:%s", r->target_root);
	const char *receive = sms_site_cache_get(site, key);
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

static gboolean sender_round(SmsSite *site, SmsTime now, gboolean *out_sent, GError **error);

/* Deliveries are synchronous, so a round of at most 5 sendings (3 per site) completes
 * before the next starts; a pass runs rounds until nothing is ready. */
gboolean
sms_sender_pass(SmsSite *site, SmsTime now, GError **error)
{
	for (int round = 0; round < 10000; round++) {
		gboolean sent = FALSE;
		if (!sender_round(site, now, &sent, error))
			return FALSE;
		if (!sent)
			break;
	}
	return TRUE;
}

static gboolean
sender_round(SmsSite *site, SmsTime now, gboolean *out_sent, GError **error)
{
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autoptr(GPtrArray) reqs = g_ptr_array_new_with_free_func(pending_free);
	g_autoptr(GHashTable) per_site = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean waiting;
	int sent = 0;

	if (!list_requests(site, outbox, now, reqs, &waiting, error))
		return FALSE;
	for (guint i = 0; i < reqs->len && sent < MAX_SENDINGS; i++) {
		Pending *p = reqs->pdata[i];
		SmsSendRequest *r = p->req;
		g_autofree char *from = g_build_filename(outbox, p->name, NULL);
		g_autofree char *srs = g_strdup_printf("%s/%s.SRS", outbox, r->id);
		g_autoptr(GError) local = NULL;
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_site, r->target_site));
		if (n >= MAX_PER_SITE)
			continue;
		g_hash_table_insert(per_site, r->target_site, GUINT_TO_POINTER(n + 1));
		sent++;
		*out_sent = TRUE;
		/* .SRQ -> .SRS: in progress */
		if (g_str_has_suffix(p->name, ".SRQ") && rename(from, srs) < 0)
			return sms_throw_errno(error, "renaming %s", from);
		if (deliver(site, r, &local)) {
			g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
			if (!sms_txn_begin(&txn, error) || !set_send_state(site, r->id, 2, r->attempts + 1,
			                                                   now, error))
				return FALSE;
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "sender",
			                                 .event = "send.complete", .job = r->job_id,
			                                 .detail = r->target_site }, error,
			              "Sent %s%s%s to site %s (request %s)", r->instruction_file,
			              r->package_file ? " with package " : "",
			              r->package_file ? r->package_file : "", r->target_site, r->id))
				return FALSE;
			if (!sms_txn_commit(&txn, error))
				return FALSE;
			if (unlink(srs) < 0 && errno != ENOENT)
				return sms_throw_errno(error, "removing %s", srs);
			continue;
		}
		if (g_error_matches(local, SMS_ERROR, SMS_ERROR_FAULT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		/* failed: retry (LAN: 2 attempts), then reschedule, give up after 7 days */
		{
			SmsSendRequest copy = *r;
			gboolean give_up = now - r->created >= SMS_SENDER_GIVE_UP;
			g_autofree char *srq = g_strdup_printf("%s/%s.SRQ", outbox, r->id);
			g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
			copy.attempts = r->attempts + 1;
			copy.next_attempt = now + (copy.attempts % SMS_SENDER_LAN_RETRIES == 0
			                           ? 24 * sms_response_poll_minutes(site->self->response)
			                           : sms_response_poll_minutes(site->self->response)) *
			                          SMS_MINUTE;
			if (!sms_txn_begin(&txn, error))
				return FALSE;
			if (give_up) {
				if (!set_send_state(site, r->id, 3, copy.attempts, now, error) ||
				    unlink(srs) < 0)
					return FALSE;
			} else {
				if (!sms_send_request_save(&copy, srq, error) || unlink(srs) < 0)
					return FALSE;
			}
			if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "sender",
			                                 .event = give_up ? "send.failed" : "send.retry",
			                                 .severity = SMS_SEV_WARNING, .job = r->job_id,
			                                 .detail = r->target_site }, error,
			              "Sending request %s to site %s failed (attempt %d): %s", r->id,
			              r->target_site, copy.attempts, local->message))
				return FALSE;
			if (!sms_txn_commit(&txn, error))
				return FALSE;
		}
	}
	return TRUE;
}

SmsTime
sms_sender_next_wakeup(SmsSite *site, SmsTime now)
{
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autoptr(GDir) d = g_dir_open(outbox, 0, NULL);
	const char *name;
	SmsTime next = SMS_TIME_NEVER;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = NULL;
		g_autoptr(SmsSendRequest) r = NULL;
		if (!g_str_has_suffix(name, ".SRQ") && !g_str_has_suffix(name, ".SRS"))
			continue;
		path = g_build_filename(outbox, name, NULL);
		if (!sms_send_request_load(path, &r, NULL))
			return now;   /* a bad file: the pass moves it aside */
		if (r->next_attempt == SMS_TIME_NONE || r->next_attempt <= now)
			return now;   /* the Sender is event driven: it starts at once */
		next = MIN(next, r->next_attempt);
	}
	return next;
}

/* ---- status going up --------------------------------------------------------------- */

gboolean
sms_sender_queue_status(SmsSite *site, const char *to_site, SmsInstruction *ins, SmsTime now,
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
sms_instruction_apply_status(SmsSite *site, const SmsInstruction *ins, GError **error)
{
	for (guint i = 0; i < ins->status_rows->len; i++) {
		SmsInstrStatusRow *r = ins->status_rows->pdata[i];
		sqlite3_stmt *st = NULL;
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
