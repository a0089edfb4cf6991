/* rundiff.c -- two runs compared (see rundiff.h). */
#include "rundiff.h"

#include <string.h>

typedef struct {
	char *what;               /* "job", "server", "machine" */
	char *job, *name;         /* job key; server or machine name (NULL for a job) */
	char *a, *b;              /* final status in each run; NULL when absent */
} Change;

typedef struct {
	char *event, *job, *server;
	SmsTime delta;            /* moved: B - A; only-in: 0 */
	guint count;
	SmsTime first_a, first_b; /* the first event of the group in each run (or NONE) */
	char *first_subject, *last_subject;
} Group;

struct SmsRunDiff {
	GPtrArray *changes;       /* Change* */
	GPtrArray *moved;         /* Group* */
	GPtrArray *only_a;        /* Group* */
	GPtrArray *only_b;        /* Group* */
	guint events_a, events_b, moved_events, only_a_events, only_b_events;
};

static void
change_free(gpointer p)
{
	Change *c = p;
	g_free(c->what); g_free(c->job); g_free(c->name); g_free(c->a); g_free(c->b);
	g_free(c);
}

static void
group_free(gpointer p)
{
	Group *g = p;
	g_free(g->event); g_free(g->job); g_free(g->server);
	g_free(g->first_subject); g_free(g->last_subject);
	g_free(g);
}

void
sms_run_diff_free(SmsRunDiff *d)
{
	if (d == NULL)
		return;
	g_ptr_array_unref(d->changes);
	g_ptr_array_unref(d->moved);
	g_ptr_array_unref(d->only_a);
	g_ptr_array_unref(d->only_b);
	g_free(d);
}

gboolean
sms_run_diff_equal(const SmsRunDiff *d)
{
	return d->changes->len == 0 && d->moved->len == 0 && d->only_a->len == 0 &&
	       d->only_b->len == 0;
}

static void
add_change(SmsRunDiff *d, const char *what, const char *job, const char *name, const char *a,
           const char *b)
{
	Change *c;
	if (g_strcmp0(a, b) == 0)
		return;
	c = g_new0(Change, 1);
	c->what = g_strdup(what);
	c->job = g_strdup(job);
	c->name = g_strdup(name);
	c->a = g_strdup(a);
	c->b = g_strdup(b);
	g_ptr_array_add(d->changes, c);
}

static SmsRunServer *
find_server(SmsRunJob *j, const char *server)
{
	for (guint i = 0; j && i < j->servers->len; i++)
		if (g_strcmp0(((SmsRunServer *)j->servers->pdata[i])->server, server) == 0)
			return j->servers->pdata[i];
	return NULL;
}

static void
compare_jobs(SmsRunDiff *d, SmsRunModel *a, SmsRunModel *b)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	for (guint i = 0; i < a->jobs->len; i++)
		g_ptr_array_add(keys, (gpointer)((SmsRunJob *)a->jobs->pdata[i])->key);
	for (guint i = 0; i < b->jobs->len; i++) {
		const char *k = ((SmsRunJob *)b->jobs->pdata[i])->key;
		if (!sms_run_model_job(a, k))
			g_ptr_array_add(keys, (gpointer)k);
	}
	for (guint i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];
		SmsRunJob *ja = sms_run_model_job(a, key), *jb = sms_run_model_job(b, key);
		add_change(d, "job", key, NULL, ja ? (ja->status ? ja->status : "(no status)") : NULL,
		           jb ? (jb->status ? jb->status : "(no status)") : NULL);
		for (int pass = 0; pass < 2; pass++) {
			SmsRunJob *j = pass ? jb : ja, *o = pass ? ja : jb;
			if (j == NULL)
				continue;
			for (guint k = 0; k < j->servers->len; k++) {
				SmsRunServer *s = j->servers->pdata[k], *t = find_server(o, s->server);
				if (pass == 1 && t)
					continue;
				add_change(d, "server", key, s->server, pass ? (t ? t->state : NULL) : s->state,
				           pass ? s->state : (t ? t->state : NULL));
			}
			for (guint k = 0; k < j->machines->len; k++) {
				SmsRunMachine *x = j->machines->pdata[k];
				SmsRunMachine *y = o ? g_hash_table_lookup(o->machine_index, x->machine) : NULL;
				const char *sx = sms_run_state_name(x->state);
				const char *sy = y ? sms_run_state_name(y->state) : NULL;
				if (pass == 1 && y)
					continue;
				add_change(d, "machine", key, x->machine, pass ? sy : sx, pass ? sx : sy);
			}
		}
	}
}

/* Events whose detail is a generated ID or path: compared without it. */
static gboolean
detail_is_id(const char *event)
{
	static const char *const ids[] = { "machine.registered", "package.compressed",
		"distribute.installed", "job.repeated", "send.complete", "despool.received", NULL };
	for (const char *const *p = ids; *p; p++)
		if (g_str_equal(*p, event))
			return TRUE;
	return FALSE;
}

typedef struct {
	GArray *ta, *tb;          /* SmsTime */
	GPtrArray *ra, *rb;       /* const SmsEvRec* */
} Occ;

static void
occ_free(gpointer p)
{
	Occ *o = p;
	g_array_unref(o->ta); g_array_unref(o->tb);
	g_ptr_array_unref(o->ra); g_ptr_array_unref(o->rb);
	g_free(o);
}

static char *
event_key(const SmsEvRec *r)
{
	const char *job = sms_evrec_job_key(r);
	return g_strdup_printf("%s|%s|%s|%s|%s|%s|%s", r->site, r->event, job ? job : "",
	                       r->server ? r->server : "", r->machine ? r->machine : "",
	                       r->user ? r->user : "",
	                       r->detail && !detail_is_id(r->event) ? r->detail : "");
}

static const char *
subject(const SmsEvRec *r)
{
	return r->machine ? r->machine : r->user ? r->user : r->detail ? r->detail : "";
}

static void
group_add(GPtrArray *groups, GHashTable *index, const SmsEvRec *r, SmsTime delta,
          SmsTime ta, SmsTime tb)
{
	const char *job = sms_evrec_job_key(r);
	g_autofree char *key = g_strdup_printf("%s|%s|%s|%" G_GINT64_FORMAT, r->event,
	                                       job ? job : "", r->server ? r->server : "", delta);
	Group *g = g_hash_table_lookup(index, key);
	if (g == NULL) {
		g = g_new0(Group, 1);
		g->event = g_strdup(r->event);
		g->job = g_strdup(job);
		g->server = g_strdup(r->server);
		g->delta = delta;
		g->first_a = ta;
		g->first_b = tb;
		g->first_subject = g_strdup(subject(r));
		g_ptr_array_add(groups, g);
		g_hash_table_insert(index, g_steal_pointer(&key), g);
	}
	g->count++;
	g_free(g->last_subject);
	g->last_subject = g_strdup(subject(r));
}

static void
compare_events(SmsRunDiff *d, SmsRunModel *a, SmsRunModel *b)
{
	g_autoptr(GHashTable) occ = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, occ_free);
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	g_autoptr(GHashTable) gm = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) ga = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) gb = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int pass = 0; pass < 2; pass++) {
		GArray *recs = (pass ? b : a)->log->recs;
		for (guint i = 0; i < recs->len; i++) {
			const SmsEvRec *r = &g_array_index(recs, SmsEvRec, i);
			char *key = event_key(r);
			Occ *o = g_hash_table_lookup(occ, key);
			if (o == NULL) {
				o = g_new0(Occ, 1);
				o->ta = g_array_new(FALSE, FALSE, sizeof(SmsTime));
				o->tb = g_array_new(FALSE, FALSE, sizeof(SmsTime));
				o->ra = g_ptr_array_new();
				o->rb = g_ptr_array_new();
				g_hash_table_insert(occ, key, o);
				g_ptr_array_add(order, key);
			} else {
				g_free(key);
			}
			g_array_append_val(pass ? o->tb : o->ta, r->time);
			g_ptr_array_add(pass ? o->rb : o->ra, (gpointer)r);
		}
	}
	d->events_a = a->log->recs->len;
	d->events_b = b->log->recs->len;
	for (guint i = 0; i < order->len; i++) {
		Occ *o = g_hash_table_lookup(occ, order->pdata[i]);
		guint n = MIN(o->ta->len, o->tb->len);
		for (guint k = 0; k < n; k++) {
			SmsTime x = g_array_index(o->ta, SmsTime, k), y = g_array_index(o->tb, SmsTime, k);
			if (x == y)
				continue;
			d->moved_events++;
			group_add(d->moved, gm, o->ra->pdata[k], y - x, x, y);
		}
		for (guint k = n; k < o->ta->len; k++) {
			d->only_a_events++;
			group_add(d->only_a, ga, o->ra->pdata[k], 0, g_array_index(o->ta, SmsTime, k),
			          SMS_TIME_NONE);
		}
		for (guint k = n; k < o->tb->len; k++) {
			d->only_b_events++;
			group_add(d->only_b, gb, o->rb->pdata[k], 0, SMS_TIME_NONE,
			          g_array_index(o->tb, SmsTime, k));
		}
	}
}

SmsRunDiff *
sms_run_diff(SmsRunModel *a, SmsRunModel *b)
{
	SmsRunDiff *d = g_new0(SmsRunDiff, 1);
	d->changes = g_ptr_array_new_with_free_func(change_free);
	d->moved = g_ptr_array_new_with_free_func(group_free);
	d->only_a = g_ptr_array_new_with_free_func(group_free);
	d->only_b = g_ptr_array_new_with_free_func(group_free);
	compare_jobs(d, a, b);
	compare_events(d, a, b);
	return d;
}

/* ---- output ---------------------------------------------------------------------- */

static guint
count_changes(const SmsRunDiff *d, const char *what)
{
	guint n = 0;
	for (guint i = 0; i < d->changes->len; i++)
		if (g_str_equal(((Change *)d->changes->pdata[i])->what, what))
			n++;
	return n;
}

static void
group_text(GString *out, const Group *g, gboolean moved)
{
	char b1[24], b2[24];
	g_string_append_printf(out, "  %s", g->event);
	if (g->job)
		g_string_append_printf(out, " job %s", g->job);
	if (g->server)
		g_string_append_printf(out, " on %s", g->server);
	if (moved) {
		g_autofree char *dur = sms_run_duration_str(g->delta < 0 ? -g->delta : g->delta);
		g_string_append_printf(out, ": %u moved %s by %s (first %s -> %s)", g->count,
		                       g->delta < 0 ? "earlier" : "later", dur,
		                       sms_time_format_buf(g->first_a, b1),
		                       sms_time_format_buf(g->first_b, b2));
	} else {
		SmsTime t = g->first_a != SMS_TIME_NONE ? g->first_a : g->first_b;
		g_string_append_printf(out, ": %u (first at %s)", g->count, sms_time_format_buf(t, b1));
	}
	if (*g->first_subject) {
		if (g->count > 1 && g_strcmp0(g->first_subject, g->last_subject) != 0)
			g_string_append_printf(out, " [%s .. %s]", g->first_subject, g->last_subject);
		else
			g_string_append_printf(out, " [%s]", g->first_subject);
	}
	g_string_append_c(out, '\n');
}

void
sms_run_diff_text(const SmsRunDiff *d, const char *name_a, const char *name_b, GString *out)
{
	static const struct { const char *what, *title; } kinds[] = {
		{ "job", "Jobs whose final status changed" },
		{ "server", "Distribution servers whose outcome changed" },
		{ "machine", "Computers whose final status changed" },
	};
	g_string_append_printf(out, "A = %s (%u events)\nB = %s (%u events)\n", name_a, d->events_a,
	                       name_b, d->events_b);
	if (sms_run_diff_equal(d)) {
		g_string_append(out, "The runs are the same: every job, server and computer ended the "
		                "same way and every event happened at the same time (compared by job "
		                "name, server and workstation).\n");
		return;
	}
	for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
		guint n = count_changes(d, kinds[k].what), shown = 0;
		if (n == 0)
			continue;
		g_string_append_printf(out, "\n%s (%u):\n", kinds[k].title, n);
		for (guint i = 0; i < d->changes->len; i++) {
			Change *c = d->changes->pdata[i];
			if (!g_str_equal(c->what, kinds[k].what))
				continue;
			if (shown++ == 50) {
				g_string_append_printf(out, "  ... and %u more (see --json)\n", n - 50);
				break;
			}
			g_string_append_printf(out, "  %s%s%s: %s -> %s\n", c->job, c->name ? " " : "",
			                       c->name ? c->name : "", c->a ? c->a : "(not in A)",
			                       c->b ? c->b : "(not in B)");
		}
	}
	if (d->moved->len) {
		g_string_append_printf(out, "\nEvents that moved in time (%u):\n", d->moved_events);
		for (guint i = 0; i < d->moved->len; i++)
			group_text(out, d->moved->pdata[i], TRUE);
	}
	if (d->only_a->len) {
		g_string_append_printf(out, "\nEvents only in A (%u):\n", d->only_a_events);
		for (guint i = 0; i < d->only_a->len; i++)
			group_text(out, d->only_a->pdata[i], FALSE);
	}
	if (d->only_b->len) {
		g_string_append_printf(out, "\nEvents only in B (%u):\n", d->only_b_events);
		for (guint i = 0; i < d->only_b->len; i++)
			group_text(out, d->only_b->pdata[i], FALSE);
	}
	g_string_append_printf(out, "\nSummary: %u job(s), %u server(s), %u computer(s) changed; "
	                       "%u event(s) moved; %u only in A; %u only in B.\n",
	                       count_changes(d, "job"), count_changes(d, "server"),
	                       count_changes(d, "machine"), d->moved_events, d->only_a_events,
	                       d->only_b_events);
}

static void
json_str_or_null(GString *out, const char *s)
{
	if (s)
		sms_json_append_string(out, s);
	else
		g_string_append(out, "null");
}

static void
json_time(GString *out, SmsTime t)
{
	char b[24];
	if (t == SMS_TIME_NONE)
		g_string_append(out, "null");
	else
		sms_json_append_string(out, sms_time_format_buf(t, b));
}

static void
groups_json(GString *out, const char *name, GPtrArray *groups, gboolean moved)
{
	g_string_append_printf(out, ",\"%s\":[", name);
	for (guint i = 0; i < groups->len; i++) {
		Group *g = groups->pdata[i];
		g_string_append_printf(out, "%s{\"event\":", i ? "," : "");
		sms_json_append_string(out, g->event);
		g_string_append(out, ",\"job\":");
		json_str_or_null(out, g->job);
		g_string_append(out, ",\"server\":");
		json_str_or_null(out, g->server);
		g_string_append_printf(out, ",\"count\":%u", g->count);
		if (moved)
			g_string_append_printf(out, ",\"delta_minutes\":%" G_GINT64_FORMAT, g->delta / 60);
		g_string_append(out, ",\"first_a\":");
		json_time(out, g->first_a);
		g_string_append(out, ",\"first_b\":");
		json_time(out, g->first_b);
		g_string_append(out, ",\"first\":");
		sms_json_append_string(out, g->first_subject);
		g_string_append(out, ",\"last\":");
		sms_json_append_string(out, g->last_subject ? g->last_subject : g->first_subject);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
}

void
sms_run_diff_json(const SmsRunDiff *d, const char *name_a, const char *name_b, GString *out)
{
	g_string_append(out, "{\"a\":");
	sms_json_append_string(out, name_a);
	g_string_append(out, ",\"b\":");
	sms_json_append_string(out, name_b);
	g_string_append_printf(out, ",\"equal\":%s,\"events_a\":%u,\"events_b\":%u,\"changes\":[",
	                       sms_run_diff_equal(d) ? "true" : "false", d->events_a, d->events_b);
	for (guint i = 0; i < d->changes->len; i++) {
		Change *c = d->changes->pdata[i];
		g_string_append_printf(out, "%s{\"kind\":", i ? "," : "");
		sms_json_append_string(out, c->what);
		g_string_append(out, ",\"job\":");
		sms_json_append_string(out, c->job);
		g_string_append(out, ",\"name\":");
		json_str_or_null(out, c->name);
		g_string_append(out, ",\"a\":");
		json_str_or_null(out, c->a);
		g_string_append(out, ",\"b\":");
		json_str_or_null(out, c->b);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
	groups_json(out, "moved", d->moved, TRUE);
	groups_json(out, "only_a", d->only_a, FALSE);
	groups_json(out, "only_b", d->only_b, FALSE);
	g_string_append_printf(out, ",\"moved_events\":%u,\"only_a_events\":%u,\"only_b_events\":"
	                       "%u}\n", d->moved_events, d->only_a_events, d->only_b_events);
}
