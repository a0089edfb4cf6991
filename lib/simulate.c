/* simulate.c -- scenarios on a virtual clock (see simulate.h). */
#include "simulate.h"
#include "atomic.h"
#include "components.h"
#include "db.h"
#include "ini.h"
#include "job.h"
#include "reg.h"
#include "site.h"
#include "smsini.h"

#include <stdio.h>

void
sms_sim_result_clear(SmsSimResult *r)
{
	g_clear_pointer(&r->site_dir, g_free);
	g_clear_pointer(&r->job_ids, g_ptr_array_unref);
}

void
sms_event_to_json(GString *out, const char *site, const SmsEvent *ev)
{
	char tbuf[24];
	g_string_append(out, "{\"time\":");
	sms_json_append_string(out, sms_time_format_buf(ev->time, tbuf));
	g_string_append(out, ",\"site\":");
	sms_json_append_string(out, site);
	g_string_append(out, ",\"component\":");
	sms_json_append_string(out, ev->component);
	g_string_append(out, ",\"event\":");
	sms_json_append_string(out, ev->event);
/* Wake-ups in a row without an event after which a run without an end time stops. */
#define SIM_MAX_QUIET_STEPS 20000

	/* every key on every line, null when unset (jobsvc(1)) */
#define FIELD(name) \
	g_string_append(out, ",\"" #name "\":"); \
	if (ev->name) \
		sms_json_append_string(out, ev->name); \
	else \
		g_string_append(out, "null");
	FIELD(job) FIELD(job_name) FIELD(package) FIELD(server) FIELD(machine) FIELD(domain)
	FIELD(user) FIELD(detail)
#undef FIELD
	g_string_append_c(out, '}');
}

/* ---- the run ------------------------------------------------------------------ */

typedef struct {
	SmsTime at;
	int order;               /* file order for ties */
	SmsScnEvent *event;      /* scenario event, or NULL for a logon */
	char *machine, *user;    /* logon */
} Timed;

typedef struct {
	const SmsSimOptions *opt;
	SmsScenario *scn;
	GPtrArray *sites;        /* SmsSite*, scenario order */
	GHashTable *job_ids;     /* scenario job name (upper) -> job ID */
	GHashTable *job_site;    /* scenario job name (upper) -> origin site code */
	GHashTable *job_names;   /* job ID (every instance of a repeating job) -> scenario name */
	GHashTable *pkg_ids;     /* scenario package name (upper) -> package ID */
	GHashTable *machines;    /* workstation name -> SmsWorkstationDef* */
	GPtrArray *timed;        /* Timed*, sorted */
	guint next_timed;
	guint64 events;
	GString *json;
	/* timeline aggregation of identical consecutive events */
	char *agg_key;
	char *agg_line;
	GPtrArray *agg_subjects;
	guint agg_count;
	gboolean trace;          /* SMSEMU_SIM_TRACE: say on stderr what is due when */
	gboolean strict;         /* SMSEMU_SIM_STRICT: a wake-up that finds nothing due fails */
	char next_who[64];       /* "A01 logon": what the last next_due() found earliest */
	gint64 progress_start, progress_last;   /* host monotonic clock, progress line only */
	gint64 progress_after;   /* ms before the first progress line; -1: not read yet */
	gboolean progress_shown;
} Sim;

static void
timed_free(gpointer p)
{
	Timed *t = p;
	g_free(t->machine);
	g_free(t->user);
	g_free(t);
}

/* "SAL0001" -> prefix "SAL", number 1, width 4; FALSE without trailing digits. */
static gboolean
split_number(const char *name, gsize *prefix_len, gint64 *number, int *width)
{
	gsize n = strlen(name), d = 0;
	while (d < n && d < 9 && g_ascii_isdigit(name[n - 1 - d]))
		d++;
	if (d == 0)
		return FALSE;
	*prefix_len = n - d;
	*number = g_ascii_strtoll(name + n - d, NULL, 10);
	*width = (int)d;
	return TRUE;
}

/* The machines of a collapsed line as exact ranges in their order ("SAL0001-SAL0006,
 * SAL0008-SAL0250"): a machine with another outcome, which has its own line, leaves a
 * gap in the range instead of hiding inside "first .. last". At most 8 ranges, then
 * how many machines more. */
static void
append_subjects(GString *out, GPtrArray *names)
{
	guint ranges = 0, i = 0;
	while (i < names->len) {
		const char *first = names->pdata[i];
		gsize pl;
		gint64 num;
		int w;
		guint j = i + 1;
		if (split_number(first, &pl, &num, &w)) {
			while (j < names->len) {
				const char *next = names->pdata[j];
				gsize pl2;
				gint64 num2;
				int w2;
				if (!split_number(next, &pl2, &num2, &w2) || pl2 != pl || w2 != w ||
				    strncmp(first, next, pl) != 0 || num2 != num + (gint64)(j - i))
					break;
				j++;
			}
		}
		if (ranges == 8) {
			g_string_append_printf(out, ", ... %u more", names->len - i);
			return;
		}
		g_string_append_printf(out, "%s%s", ranges ? ", " : "", first);
		if (j - i > 1)
			g_string_append_printf(out, "-%s", (char *)names->pdata[j - 1]);
		ranges++;
		i = j;
	}
}

static void
timeline_flush(Sim *sim)
{
	FILE *f = sim->opt->timeline;
	if (sim->agg_count == 0 || f == NULL)
		goto out;
	if (sim->agg_count == 1) {
		fprintf(f, "%s\n", sim->agg_line);
	} else {
		g_autoptr(GString) subjects = g_string_new(NULL);
		append_subjects(subjects, sim->agg_subjects);
		fprintf(f, "%s  [x%u: %s]\n", sim->agg_line, sim->agg_count, subjects->str);
	}
out:
	sim->agg_count = 0;
	g_clear_pointer(&sim->agg_key, g_free);
	g_clear_pointer(&sim->agg_line, g_free);
	if (sim->agg_subjects)
		g_ptr_array_set_size(sim->agg_subjects, 0);
}

static SmsSite *site_of_machine(Sim *sim, const char *machine, SmsWorkstationDef **out_def);

/* The event as logged: with the job's scenario name (a repeat keeps its origin's name)
 * and the domain of a registered machine. */
static void
enrich_event(Sim *sim, const SmsEvent *ev, SmsEvent *out)
{
	*out = *ev;
	if (ev->job) {
		if (g_str_equal(ev->event, "job.repeated") && ev->detail &&
		    !g_hash_table_contains(sim->job_names, ev->job)) {
			const char *n = g_hash_table_lookup(sim->job_names, ev->detail);
			if (n)
				g_hash_table_insert(sim->job_names, g_strdup(ev->job), g_strdup(n));
		}
		out->job_name = g_hash_table_lookup(sim->job_names, ev->job);
	}
	if (ev->machine && g_str_equal(ev->event, "machine.registered")) {
		SmsWorkstationDef *def = NULL;
		if (site_of_machine(sim, ev->machine, &def) && def)
			out->domain = def->domain;
	}
}

static void
on_event(SmsSite *site, const SmsEvent *raw, const char *message, gpointer user_data)
{
	Sim *sim = user_data;
	char tbuf[24];
	SmsEvent full;
	const SmsEvent *ev = &full;
	enrich_event(sim, raw, &full);
	sim->events++;
	if (sim->opt->collect)
		sms_evlog_add(sim->opt->collect, site->code, ev);
	if (sim->opt->events) {
		g_string_truncate(sim->json, 0);
		sms_event_to_json(sim->json, site->code, ev);
		g_string_append_c(sim->json, '\n');
		fwrite(sim->json->str, 1, sim->json->len, sim->opt->events);
	}
	if (sim->opt->timeline) {
		/* Per-machine events of one instant with the same outcome (detail) collapse into
		 * one line; the detail of a registration is the machine's own SMS ID, not an
		 * outcome */
		gboolean per_machine = ev->machine != NULL;
		gboolean id_detail = g_str_equal(ev->event, "machine.registered");
		g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT "|%s|%s|%s|%s|%s", ev->time,
		                                       site->code, ev->component, ev->event,
		                                       ev->job ? ev->job : "",
		                                       ev->detail && !id_detail ? ev->detail : "");
		if (per_machine && sim->agg_key && g_strcmp0(key, sim->agg_key) == 0) {
			sim->agg_count++;
			g_ptr_array_add(sim->agg_subjects, g_strdup(ev->machine));
			return;
		}
		timeline_flush(sim);
		sim->agg_line = g_strdup_printf("%s  %s  %-10s %-28s %s",
		                                sms_time_format_buf(ev->time, tbuf), site->code,
		                                ev->component, ev->event, message);
		sim->agg_count = 1;
		if (per_machine) {
			sim->agg_key = g_steal_pointer(&key);
			g_ptr_array_add(sim->agg_subjects, g_strdup(ev->machine));
		}
	}
}

static SmsSite *
sim_site(Sim *sim, const char *code)
{
	for (guint i = 0; i < sim->sites->len; i++) {
		SmsSite *s = sim->sites->pdata[i];
		if (sms_str_equal_ci(s->code, code))
			return s;
	}
	return NULL;
}

static SmsSite *
site_of_server(Sim *sim, const char *server)
{
	SmsServerDef *d = sms_world_def_server(sim->scn->world, server);
	return d ? sim_site(sim, d->site) : NULL;
}

static SmsSite *
site_of_machine(Sim *sim, const char *machine, SmsWorkstationDef **out_def)
{
	SmsWorldDef *w = sim->scn->world;
	g_autofree char *up = sms_strup(machine);
	SmsWorkstationDef *k;
	SmsDomainDef *d;
	if (sim->machines == NULL) {
		sim->machines = g_hash_table_new(g_str_hash, g_str_equal);
		for (guint i = 0; i < w->workstations->len; i++) {
			SmsWorkstationDef *x = w->workstations->pdata[i];
			g_hash_table_insert(sim->machines, x->name, x);
		}
	}
	k = g_hash_table_lookup(sim->machines, up);
	if (k == NULL)
		return NULL;
	d = sms_world_def_domain(w, k->domain);
	if (out_def)
		*out_def = k;
	return d ? sim_site(sim, d->site) : NULL;
}

static gboolean
exec_sql(SmsSite *site, GError **error, const char *sql, int n, const char *const *args)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
	if (st == NULL)
		return FALSE;
	for (int i = 0; i < n; i++)
		sms_db_bind_text(st, i + 1, args[i]);
	return sms_db_step_done(site->db, st, error);
}

/* Every site learns the whole hierarchy (codes, parents, roots); every ancestor learns
 * its descendants' computers ("inventory already collected", as Site Reporter would
 * have done before the scenario starts). */
static gboolean
seed_hierarchy(Sim *sim, GError **error)
{
	SmsWorldDef *w = sim->scn->world;
	for (guint i = 0; i < sim->sites->len; i++) {
		SmsSite *site = sim->sites->pdata[i];
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		for (guint j = 0; j < w->sites->len; j++) {
			SmsSiteDef *d = w->sites->pdata[j];
			SmsSite *other = sim_site(sim, d->code);
			char resp[8];
			const char *args[5];
			g_snprintf(resp, sizeof resp, "%d", (int)d->response);
			args[0] = d->code; args[1] = d->name; args[2] = d->parent; args[3] = resp;
			args[4] = other->root;
			if (!exec_sql(site, error, "INSERT INTO sites(code, name, parent, response, root,"
			              " is_local) VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT(code) DO "
			              "UPDATE SET name = ?2, parent = ?3, response = ?4, root = ?5", 5, args))
				return FALSE;
		}
		for (guint j = 0; j < w->workstations->len; j++) {
			SmsWorkstationDef *k = w->workstations->pdata[j];
			SmsDomainDef *d = sms_world_def_domain(w, k->domain);
			gboolean below = FALSE;
			const char *args[6];
			char off[16];
			/* is d->site a descendant of site? */
			for (SmsSiteDef *p = sms_world_def_site(w, d->site); p && p->parent;
			     p = sms_world_def_site(w, p->parent)) {
				if (sms_str_equal_ci(p->parent, site->code)) {
					below = TRUE;
					break;
				}
			}
			if (!below)
				continue;
			g_snprintf(off, sizeof off, "%d", k->clock_offset);
			args[0] = k->name; args[1] = d->site; args[2] = d->name; args[3] = k->platform;
			args[4] = k->user; args[5] = off;
			if (!exec_sql(site, error, "INSERT OR IGNORE INTO machines(name, site, domain, "
			              "platform, user, clock_offset) VALUES (?, ?, ?, ?, ?, ?)", 6, args))
				return FALSE;
		}
		if (!sms_txn_commit(&txn, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
create_packages_and_jobs(Sim *sim, GError **error)
{
	SmsScenario *scn = sim->scn;
	for (guint i = 0; i < scn->packages->len; i++) {
		SmsScnPackage *p = scn->packages->pdata[i];
		SmsSite *site = sim_site(sim, p->site);
		g_autofree char *id = NULL;
		site->now_override = scn->start;
		/* the section name is only the scenario's label: the package is named as the
		 * SDK importer named it (Product + " " + Version) */
		if (!sms_package_import(site, p->pdf, p->source, p->server_source, NULL, &id,
		                        error)) {
			g_prefix_error(error, "%s:%d: [Package %s]: ", scn->path, p->line, p->name);
			return FALSE;
		}
		site->now_override = SMS_TIME_NONE;
		g_hash_table_insert(sim->pkg_ids, sms_strup(p->name), g_steal_pointer(&id));
	}
	for (guint i = 0; i < scn->jobs->len; i++) {
		SmsScnJob *j = scn->jobs->pdata[i];
		SmsSite *site = sim_site(sim, j->site);
		g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(SmsJob) job = NULL;
		g_autofree char *where = g_strdup_printf("%s:%d", scn->path, j->line);
		for (guint k = 0; k < j->keys->len; k++) {
			const char *v = j->values->pdata[k];
			if (sms_str_equal_ci(j->keys->pdata[k], "Package")) {
				g_autofree char *up = sms_strup(v);
				const char *id = g_hash_table_lookup(sim->pkg_ids, up);
				if (id)
					v = id;
			}
			g_ptr_array_add(values, g_strdup(v));
		}
		site->now_override = scn->start;
		if (!sms_job_from_props(site, j->keys, values, j->lines, where, &job, error))
			return FALSE;
		g_free(job->name);
		job->name = g_strdup(j->name);
		if (!sms_job_insert(site, job, error)) {
			g_prefix_error(error, "%s: [Job %s]: ", where, j->name);
			return FALSE;
		}
		site->now_override = SMS_TIME_NONE;
		g_hash_table_insert(sim->job_ids, sms_strup(j->name), g_strdup(job->id));
		g_hash_table_insert(sim->job_site, sms_strup(j->name), g_strdup(site->code));
		g_hash_table_insert(sim->job_names, g_strdup(job->id), g_strdup(j->name));
	}
	return TRUE;
}

static const char *
job_id(Sim *sim, const char *name)
{
	g_autofree char *up = sms_strup(name);
	return g_hash_table_lookup(sim->job_ids, up);
}

static gboolean
seed_locks_and_outcomes(Sim *sim, GError **error)
{
	SmsScenario *scn = sim->scn;
	for (guint i = 0; i < scn->locks->len; i++) {
		SmsScnLock *l = scn->locks->pdata[i];
		SmsSite *site = site_of_server(sim, l->server);
		g_autofree char *up = l->package ? sms_strup(l->package) : NULL;
		const char *pkg = up ? g_hash_table_lookup(sim->pkg_ids, up) : NULL;
		sqlite3_stmt *st = sms_db_stmt(site->db,
			"INSERT INTO share_sessions(server, package, share, file, user, machine, opened, "
			"closes, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scenario')", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, l->server);
		sms_db_bind_text(st, 2, pkg);
		sms_db_bind_text(st, 3, l->share ? l->share : pkg);
		sms_db_bind_text(st, 4, l->file);
		sms_db_bind_text(st, 5, l->user);
		sms_db_bind_text(st, 6, l->workstation);
		sqlite3_bind_int64(st, 7, l->from);
		if (l->until == SMS_TIME_NEVER)
			sqlite3_bind_null(st, 8);
		else
			sqlite3_bind_int64(st, 8, l->until);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
	}
	for (guint i = 0; i < scn->outcomes->len; i++) {
		SmsScnOutcome *o = scn->outcomes->pdata[i];
		const char *jid = job_id(sim, o->job);
		for (guint k = 0; k < o->workstations->len; k++) {
			const char *m = o->workstations->pdata[k];
			for (guint s = 0; s < sim->sites->len; s++) {
				SmsSite *site = sim->sites->pdata[s];
				sqlite3_stmt *st;
				if (g_strcmp0(m, "*") != 0 && site_of_machine(sim, m, NULL) != site)
					continue;
				st = sms_db_stmt(site->db, "INSERT INTO pcm_outcomes(job, machine, duration, "
				                           "exit_code, status_mif) VALUES (?, ?, ?, ?, ?)", error);
				if (st == NULL)
					return FALSE;
				sms_db_bind_text(st, 1, jid);
				sms_db_bind_text(st, 2, m);
				sqlite3_bind_int(st, 3, o->duration);
				sqlite3_bind_int64(st, 4, o->exit_code);
				sms_db_bind_text(st, 5, o->status_mif);
				if (!sms_db_step_done(site->db, st, error))
					return FALSE;
			}
		}
	}
	return TRUE;
}

static gint
timed_cmp(gconstpointer a, gconstpointer b)
{
	const Timed *x = *(Timed *const *)a, *y = *(Timed *const *)b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->order - y->order;
}

static void
build_timed(Sim *sim)
{
	SmsScenario *scn = sim->scn;
	int order = 0;
	for (guint i = 0; i < scn->world->workstations->len; i++) {
		SmsWorkstationDef *k = scn->world->workstations->pdata[i];
		Timed *t = g_new0(Timed, 1);
		t->at = k->logon_at == SMS_TIME_NONE ? scn->start : k->logon_at;
		t->order = order++;
		t->machine = g_strdup(k->name);
		t->user = g_strdup(k->user);
		g_ptr_array_add(sim->timed, t);
	}
	for (guint i = 0; i < scn->events->len; i++) {
		SmsScnEvent *e = scn->events->pdata[i];
		Timed *t = g_new0(Timed, 1);
		t->at = e->at;
		t->order = order++;
		t->event = e;
		g_ptr_array_add(sim->timed, t);
	}
	g_ptr_array_sort(sim->timed, timed_cmp);
}

static gboolean
import_registry(SmsSite *site, const char *server, const char *file, GError **error)
{
	g_autofree char *path = sms_layout_registry(site, server);
	g_autoptr(SmsReg) reg = NULL;
	g_autoptr(SmsReg) add = NULL;
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (!sms_reg_load(path, &reg, error))
			return FALSE;
	} else {
		reg = sms_reg_new();
	}
	if (!sms_reg_load(file, &add, error) || !sms_reg_merge(reg, add, error))
		return FALSE;
	return sms_reg_save(reg, path, error);
}

static gboolean
run_timed(Sim *sim, Timed *t, SmsTime now, GError **error)
{
	SmsScnEvent *e = t->event;
	if (e == NULL) {
		SmsSite *site = site_of_machine(sim, t->machine, NULL);
		return sms_logon_user(site, t->machine, t->user, now, error);
	}
	switch (e->kind) {
	case SMS_SCN_LOGON: {
		SmsWorkstationDef *def = NULL;
		SmsSite *site = site_of_machine(sim, e->arg1, &def);
		return sms_logon_user(site, e->arg1, e->arg2 ? e->arg2 : def->user, now, error);
	}
	case SMS_SCN_CANCEL_JOB: {
		g_autofree char *up = sms_strup(e->arg1);
		SmsSite *site = sim_site(sim, g_hash_table_lookup(sim->job_site, up));
		const char *id = g_hash_table_lookup(sim->job_ids, up);
		g_autofree char *refused = NULL;
		/* an action that cannot apply is what the operator saw happen, not the end of
		 * the run */
		if (!sms_job_cancel_refusal(site, id, &refused, error))
			return FALSE;
		if (refused)
			return sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc",
			                                   .event = "operator.refused", .job = id,
			                                   .detail = refused }, error,
			                "Operator could not cancel job %s (%s): %s", id, e->arg1,
			                refused);
		if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc",
		                                 .event = "operator.cancel", .job = id }, error,
		              "Operator cancelled job %s (%s)", id, e->arg1))
			return FALSE;
		return sms_job_cancel(site, id, now, error);
	}
	case SMS_SCN_PAUSE_DESPOOLER:
	case SMS_SCN_CONTINUE_DESPOOLER: {
		SmsSite *site = sim_site(sim, e->arg1);
		return sms_despooler_set_paused(site, e->kind == SMS_SCN_PAUSE_DESPOOLER, now, error);
	}
	case SMS_SCN_UPDATE_PACKAGE: {
		g_autofree char *up = sms_strup(e->arg1);
		const char *id = g_hash_table_lookup(sim->pkg_ids, up);
		SmsScnPackage *p = sms_scenario_package(sim->scn, e->arg1);
		SmsSite *site = sim_site(sim, p->site);
		sqlite3_stmt *st = sms_db_stmt(site->db, "UPDATE packages SET source = ?1, server_source "
		                               "= ?1 WHERE id = ?2", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, e->arg2);
		sms_db_bind_text(st, 2, id);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		return sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc",
		                                   .event = "package.updated", .package = id }, error,
		                "Source files of package %s replaced by %s (send again with 'Even if "
		                "previously sent', KB Q160567)", id, e->arg2);
	}
	case SMS_SCN_IMPORT_REGISTRY: {
		SmsSite *site = site_of_server(sim, e->arg1);
		if (!import_registry(site, e->arg1, e->arg2, error))
			return FALSE;
		return sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc",
		                                   .event = "registry.imported", .server = e->arg1 },
		                error, "Registry of %s: imported %s", e->arg1, e->arg2);
	}
	}
	return TRUE;
}

typedef gboolean (*PassFn)(SmsSite *, SmsTime, GError **);
typedef SmsTime (*WakeFn)(SmsSite *, SmsTime);

static const struct {
	const char *name;
	PassFn pass;
	WakeFn wake;
} components[] = {
	{ "scheduler", sms_scheduler_pass, sms_scheduler_next_wakeup },
	{ "sender", sms_sender_pass, sms_sender_next_wakeup },
	{ "despooler", sms_despooler_pass, sms_despooler_next_wakeup },
	{ "logon", sms_logon_pass, sms_logon_next_wakeup },
	{ "pcm", sms_pcm_site_pass, sms_pcm_site_next_wakeup },
};

static gboolean
set_clocks(Sim *sim, SmsTime now, GError **error)
{
	for (guint i = 0; i < sim->sites->len; i++)
		if (!sms_clock_set_virtual(sim->sites->pdata[i], now, error))
			return FALSE;
	return TRUE;
}

/* The wake-up queries read the database only: one transaction around them instead of
 * one per statement. */
static void
read_begin(SmsSite *site, gboolean *open)
{
	*open = sms_db_begin(site->db, NULL);
}

static void
read_end(SmsSite *site, gboolean open)
{
	if (open && !sms_db_commit(site->db, NULL))
		sms_db_rollback(site->db);
}

static SmsTime
wake_at(SmsSite *site, gsize c, SmsTime now)
{
	gboolean open;
	SmsTime t;
	read_begin(site, &open);
	t = components[c].wake(site, now);
	read_end(site, open);
	return t;
}

static SmsTime
next_due(Sim *sim, SmsTime now)
{
	SmsTime next = SMS_TIME_NEVER;
	g_strlcpy(sim->next_who, "a scenario event", sizeof sim->next_who);
	if (sim->next_timed < sim->timed->len)
		next = ((Timed *)sim->timed->pdata[sim->next_timed])->at;
	for (guint i = 0; i < sim->sites->len; i++) {
		SmsSite *site = sim->sites->pdata[i];
		gboolean open;
		read_begin(site, &open);
		for (gsize c = 0; c < G_N_ELEMENTS(components); c++) {
			SmsTime t = components[c].wake(site, now);
			if (t < next) {
				next = t;
				g_snprintf(sim->next_who, sizeof sim->next_who, "%s %s", site->code,
				           components[c].name);
			}
			if (sim->trace && t != SMS_TIME_NEVER)
				g_printerr("sim-trace %s: %s %s due at %s\n", sms_time_str(now), site->code,
				           components[c].name, sms_time_str(t));
		}
		read_end(site, open);
	}
	return next;
}

/* Progress on a terminal (the host clock decides only whether and when this line is
 * drawn, never anything of the simulation): from two seconds on (SMSEMU_PROGRESS_MS),
 * twice a second. */
static void
progress_show(Sim *sim, FILE *f, SmsTime now, gboolean done)
{
	gint64 t = g_get_monotonic_time();
	char tbuf[24];
	double secs;
	if (sim->progress_start == 0)
		sim->progress_start = t;
	secs = (double)(t - sim->progress_start) / 1e6;
	if (done) {
		if (sim->progress_shown)
			fputs("\r\033[K", f);
		fflush(f);
		return;
	}
	if (sim->progress_after < 0) {
		const char *v = g_getenv("SMSEMU_PROGRESS_MS");
		sim->progress_after = v ? CLAMP(g_ascii_strtoll(v, NULL, 10), 0, 3600000) : 2000;
	}
	if (secs * 1000 < sim->progress_after || t - sim->progress_last < 500000)
		return;
	sim->progress_last = t;
	sim->progress_shown = TRUE;
	fprintf(f, "\r\033[K%s  %" G_GUINT64_FORMAT " events  %.0f events/s",
	        sms_time_format_buf(now, tbuf), sim->events, secs > 0 ? sim->events / secs : 0.0);
	fflush(f);
}

/* A repeating job never runs out of work: such a run needs an end. */
static gboolean
check_repeat_has_end(SmsScenario *scn, gboolean has_until, GError **error)
{
	if (has_until)
		return TRUE;
	for (guint i = 0; i < scn->jobs->len; i++) {
		SmsScnJob *j = scn->jobs->pdata[i];
		for (guint k = 0; k < j->keys->len; k++)
			if (g_ascii_strcasecmp(j->keys->pdata[k], "Repeat") == 0 &&
			    g_ascii_strcasecmp(j->values->pdata[k], "Never") != 0)
				return sms_throw_domain(error, SMS_INI_ERROR, SMS_INI_ERROR_MISSING_KEY,
				                        "%s:%d: [Job %s] Repeat=%s never runs out of work: "
				                        "expected Until= in [Scenario] (or --until, "
				                        "--max-days)",
				                        scn->path, g_array_index(j->lines, int, k), j->name,
				                        (const char *)j->values->pdata[k]);
	}
	return TRUE;
}

/* The site a logon of the timeline happens at; NULL for any other timed event. */
static SmsSite *
logon_site(Sim *sim, const Timed *t)
{
	if (t->event == NULL)
		return site_of_machine(sim, t->machine, NULL);
	if (t->event->kind == SMS_SCN_LOGON)
		return site_of_machine(sim, t->event->arg1, NULL);
	return NULL;
}

/* Logons of one instant share a transaction per site (a logon has nothing to do after
 * its commit; a failed one stops the simulation). */
static gboolean
commit_batch(GPtrArray *batch, GError **error)
{
	while (batch->len > 0) {
		SmsSite *site = batch->pdata[batch->len - 1];
		g_ptr_array_remove_index(batch, batch->len - 1);
		if (!sms_db_commit(site->db, error))
			return FALSE;
	}
	return TRUE;
}

static void
rollback_batch(GPtrArray *batch)
{
	for (guint i = 0; i < batch->len; i++)
		sms_db_rollback(((SmsSite *)batch->pdata[i])->db);
	g_ptr_array_set_size(batch, 0);
}

static gboolean
run_timed_due(Sim *sim, SmsTime now, GError **error)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	while (sim->next_timed < sim->timed->len &&
	       ((Timed *)sim->timed->pdata[sim->next_timed])->at <= now) {
		Timed *t = sim->timed->pdata[sim->next_timed];
		SmsSite *site = logon_site(sim, t);
		if (site == NULL) {
			if (!commit_batch(batch, error))
				goto fail;
		} else if (!g_ptr_array_find(batch, site, NULL)) {
			if (!sms_db_begin(site->db, error))
				goto fail;
			g_ptr_array_add(batch, site);
		}
		if (!run_timed(sim, t, now, error))
			goto fail;
		sim->next_timed++;
	}
	if (commit_batch(batch, error))
		return TRUE;
fail:
	rollback_batch(batch);
	return FALSE;
}

static gboolean
anything_due(Sim *sim, SmsTime now)
{
	if (sim->next_timed < sim->timed->len &&
	    ((Timed *)sim->timed->pdata[sim->next_timed])->at <= now)
		return TRUE;
	for (guint i = 0; i < sim->sites->len; i++)
		for (gsize c = 0; c < G_N_ELEMENTS(components); c++)
			if (components[c].wake(sim->sites->pdata[i], now) <= now)
				return TRUE;
	return FALSE;
}

static gboolean
run_instant(Sim *sim, SmsTime now, GError **error)
{
	/* Outside events first (a lock opening, a logon, an operator), then components;
	 * repeat while something is still due at this instant (a send delivered now is
	 * despooled now), with a bound against a component that never settles. */
	for (int round = 0; round < 50; round++) {
		if (!run_timed_due(sim, now, error))
			return FALSE;
		for (guint i = 0; i < sim->sites->len; i++) {
			SmsSite *site = sim->sites->pdata[i];
			for (gsize c = 0; c < G_N_ELEMENTS(components); c++) {
				if (wake_at(site, c, now) > now)
					continue;
				if (!components[c].pass(site, now, error)) {
					g_prefix_error(error, "%s %s at %s: ", site->code, components[c].name,
					               sms_time_str(now));
					return FALSE;
				}
			}
		}
		if (next_due(sim, now) > now)
			return TRUE;
	}
	for (guint i = 0; i < sim->sites->len; i++) {
		SmsSite *site = sim->sites->pdata[i];
		for (gsize c = 0; c < G_N_ELEMENTS(components); c++)
			if (components[c].wake(site, now) <= now)
				return sms_throw(error, SMS_ERROR_STATE,
				                 "%s %s still has work due at %s after 50 passes (a bug: "
				                 "please report it with the scenario)", site->code,
				                 components[c].name, sms_time_str(now));
	}
	return TRUE;
}

static void
sim_clear(Sim *sim)
{
	timeline_flush(sim);
	sms_event_set_hook(NULL, NULL);
	if (sim->sites)
		g_ptr_array_unref(sim->sites);
	if (sim->job_ids)
		g_hash_table_unref(sim->job_ids);
	if (sim->job_site)
		g_hash_table_unref(sim->job_site);
	if (sim->job_names)
		g_hash_table_unref(sim->job_names);
	if (sim->pkg_ids)
		g_hash_table_unref(sim->pkg_ids);
	if (sim->machines)
		g_hash_table_unref(sim->machines);
	if (sim->timed)
		g_ptr_array_unref(sim->timed);
	if (sim->json)
		g_string_free(sim->json, TRUE);
	if (sim->agg_subjects)
		g_ptr_array_unref(sim->agg_subjects);
	g_free(sim->agg_key);
	g_free(sim->agg_line);
	sms_scenario_free(sim->scn);
}

/* The site roots of an earlier run in dir: its subdirectories holding a site.ini, sorted
 * (directory order is the file system's). */
static GPtrArray *
earlier_roots(const char *dir, guint *n_entries)
{
	GPtrArray *roots = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	*n_entries = 0;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *ini = g_build_filename(dir, name, "site.ini", NULL);
		(*n_entries)++;
		if (g_file_test(ini, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(roots, g_strdup(name));
	}
	g_ptr_array_sort(roots, sms_strptr_cmp);
	return roots;
}

/* --site-dir: made if missing (*made), refused when it holds an earlier run's site roots
 * unless force, which removes them first. */
static gboolean
prepare_site_dir(const char *dir, gboolean force, gboolean *made, GError **error)
{
	g_autoptr(GPtrArray) roots = NULL;
	g_autoptr(GString) names = g_string_new(NULL);
	guint n;
	*made = FALSE;
	if (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
		if (!sms_mkdir_p(dir, error))
			return FALSE;
		*made = TRUE;
		return TRUE;
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return sms_throw(error, SMS_ERROR_INVALID, "--site-dir %s: not a directory", dir);
	roots = earlier_roots(dir, &n);
	if (roots->len == 0)
		return TRUE;
	for (guint i = 0; i < roots->len; i++)
		g_string_append_printf(names, "%s%s", i ? ", " : "", (char *)roots->pdata[i]);
	if (!force)
		return sms_throw(error, SMS_ERROR_STATE, "--site-dir %s already holds the site roots "
		                 "of an earlier run (%s): give --force to replace them, or another "
		                 "directory", dir, names->str);
	for (guint i = 0; i < roots->len; i++) {
		g_autofree char *p = g_build_filename(dir, roots->pdata[i], NULL);
		if (!sms_rm_rf(p, error))
			return FALSE;
	}
	return TRUE;
}

/* Undo what a failed build made: the site roots, and the directory if the run made it. */
static void
remove_built(const char *dir, gboolean dir_made, GPtrArray *roots)
{
	if (dir == NULL)
		return;
	if (dir_made) {
		if (!sms_rm_rf(dir, NULL))
			g_printerr("warning: could not remove %s\n", dir);
		return;
	}
	for (guint i = 0; roots && i < roots->len; i++)
		if (!sms_rm_rf(roots->pdata[i], NULL))
			g_printerr("warning: could not remove %s\n", (char *)roots->pdata[i]);
}

gboolean
sms_simulate(const SmsSimOptions *opt, SmsSimResult *out, GError **error)
{
	g_autoptr(GPtrArray) made_roots = g_ptr_array_new_with_free_func(g_free);
	gboolean dir_made = FALSE, built = FALSE;
	Sim sim = { .trace = g_getenv("SMSEMU_SIM_TRACE") != NULL,
	            .strict = g_getenv("SMSEMU_SIM_STRICT") != NULL, .progress_after = -1 };
	g_autofree char *dir = NULL;
	SmsTime now = SMS_TIME_NONE, until;
	gboolean ok = FALSE;
	guint64 steps = 0;
	guint quiet_steps = 0;
	gboolean sync_was_off, db_was_exclusive, logs_were_buffered;

	/* A simulation reproduces crashes with its own fault points; what it writes need
	 * not survive a real one: no fsync or syncfs, and SQLite with synchronous=OFF. */
	sync_was_off = sms_sync_set_off(TRUE);
	sms_smsini_cache_enable(TRUE);
	db_was_exclusive = sms_db_set_exclusive(TRUE);
	logs_were_buffered = sms_site_logs_buffered(TRUE);
	sim.opt = opt;
	if (!sms_scenario_load(opt->scenario_path, &sim.scn, error)) {
		sms_smsini_cache_enable(FALSE);
		sms_db_set_exclusive(db_was_exclusive);
		sms_site_logs_buffered(logs_were_buffered);
		sms_sync_set_off(sync_was_off);
		return FALSE;
	}
	if (!check_repeat_has_end(sim.scn, opt->until != SMS_TIME_NONE || sim.scn->until !=
	                          SMS_TIME_NONE || opt->max_days > 0, error))
		goto out;
	if (opt->site_dir && !opt->check) {
		dir = g_canonicalize_filename(opt->site_dir, NULL);
		if (!prepare_site_dir(dir, opt->force, &dir_made, error)) {
			g_clear_pointer(&dir, g_free);
			goto out;
		}
	} else {
		g_autofree char *tmp = g_dir_make_tmp("smsemu-sim-XXXXXX", error);
		if (tmp == NULL)
			goto out;
		dir = g_canonicalize_filename(tmp, NULL);
		dir_made = TRUE;
	}
	sim.sites = g_ptr_array_new_with_free_func((GDestroyNotify)sms_site_free);
	sim.job_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sim.job_site = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sim.job_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sim.pkg_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sim.timed = g_ptr_array_new_with_free_func(timed_free);
	sim.json = g_string_new(NULL);
	sim.agg_subjects = g_ptr_array_new_with_free_func(g_free);

	/* Every site gets the address (root) of every other site. */
	for (guint i = 0; i < sim.scn->world->sites->len; i++) {
		SmsSiteDef *d = sim.scn->world->sites->pdata[i];
		SmsAddressDef *a = g_new0(SmsAddressDef, 1);
		a->code = g_strdup(d->code);
		a->root = g_build_filename(dir, d->code, NULL);
		g_ptr_array_add(sim.scn->world->addresses, a);
	}
	for (guint i = 0; i < sim.scn->world->sites->len; i++) {
		SmsSiteDef *d = sim.scn->world->sites->pdata[i];
		g_autofree char *root = g_build_filename(dir, d->code, NULL);
		SmsSite *site = NULL;
		g_ptr_array_add(made_roots, g_strdup(root));
		if (!sms_site_init_from_def(root, sim.scn->world, d->code, &site, error))
			goto out;
		g_ptr_array_add(sim.sites, site);
		if (!sms_clock_set_virtual(site, sim.scn->start, error))
			goto out;
	}
	if (!seed_hierarchy(&sim, error) || !create_packages_and_jobs(&sim, error) ||
	    !seed_locks_and_outcomes(&sim, error))
		goto out;
	build_timed(&sim);
	built = TRUE;
	if (opt->check) {
		now = sim.scn->start;
		ok = TRUE;
		goto out;
	}

	sms_event_set_hook(on_event, &sim);
	until = opt->until != SMS_TIME_NONE ? opt->until : sim.scn->until;
	if (until == SMS_TIME_NONE && opt->max_days > 0)
		until = sim.scn->start + (SmsTime)opt->max_days * SMS_DAY;
	if (until == SMS_TIME_NONE)
		until = SMS_TIME_NEVER;
	now = sim.scn->start;
	if (opt->progress)
		sim.progress_start = g_get_monotonic_time();
	for (;;) {
		SmsTime next;
		guint64 events_before = sim.events;
		if (!set_clocks(&sim, now, error))
			goto out;
		/* SMSEMU_SIM_STRICT (the tests): the clock came here because something said it
		 * would be due now; if nothing is, that wake-up was a promise not kept. */
		if (sim.strict && steps > 0 && !anything_due(&sim, now)) {
			sms_throw(error, SMS_ERROR_STATE, "%s: %s said it had work due at %s, but "
			          "nothing was due then (a bug)", opt->scenario_path, sim.next_who,
			          sms_time_str(now));
			goto out;
		}
		if (!run_instant(&sim, now, error))
			goto out;
		steps++;
		if (opt->progress)
			progress_show(&sim, opt->progress, now, FALSE);
		next = next_due(&sim, now);
		if (next == SMS_TIME_NEVER || next > until)
			break;
		/* Without an end time the scenario runs until nothing is due; a component that
		 * keeps waking without anything to show would run it for ever. */
		quiet_steps = sim.events != events_before ? 0 : quiet_steps + 1;
		if (until == SMS_TIME_NEVER && quiet_steps >= SIM_MAX_QUIET_STEPS) {
			sms_throw(error, SMS_ERROR_STATE,
			          "%s: nothing happened in %u wake-ups up to %s, yet %s still has work "
			          "due at %s (a bug: please report it with the scenario; an Until= "
			          "in [Scenario] bounds the run)", opt->scenario_path,
			          SIM_MAX_QUIET_STEPS, sms_time_str(now), sim.next_who,
			          sms_time_str(next));
			goto out;
		}
		now = next;
	}
	if (opt->progress)
		progress_show(&sim, opt->progress, now, TRUE);
	if (until != SMS_TIME_NEVER && now < until) {
		now = until;
		if (!set_clocks(&sim, now, error))
			goto out;
	}
	ok = TRUE;
out:
	if (sim.scn && out) {
		out->sites = sim.scn->world->sites->len;
		out->workstations = sim.scn->world->workstations->len;
		out->packages = sim.scn->packages->len;
		out->jobs = sim.scn->jobs->len;
		out->scenario_events = sim.scn->events->len;
	}
	if (ok && out && !opt->check) {
		out->site_dir = g_strdup(dir);
		out->events = sim.events;
		out->steps = steps;
		out->end = now;
		out->job_ids = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < sim.scn->jobs->len; i++) {
			SmsScnJob *j = sim.scn->jobs->pdata[i];
			g_ptr_array_add(out->job_ids, g_strdup_printf("%s=%s@%s", j->name,
			                                              job_id(&sim, j->name), j->site));
		}
	}
	sim_clear(&sim);
	/* a build that failed leaves nothing; a failed run keeps a --site-dir to look at;
	 * --check never keeps anything */
	if (opt->check || (!ok && (!built || opt->site_dir == NULL)))
		remove_built(dir, dir_made || opt->site_dir == NULL, made_roots);
	sms_smsini_cache_enable(FALSE);
	sms_db_set_exclusive(db_was_exclusive);
	sms_site_logs_buffered(logs_were_buffered);
	sms_sync_set_off(sync_was_off);
	return ok;
}
