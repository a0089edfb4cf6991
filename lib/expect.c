/* expect.c -- expectations checked against a run (see expect.h). */
#include "expect.h"

#include <string.h>

static void
result_free(gpointer p)
{
	SmsExpectResult *r = p;
	g_free(r->text);
	g_free(r);
}

static gboolean
event_matches(const char *pattern, const char *event)
{
	gsize n = strlen(pattern);
	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, event, n - 1) == 0;
	return g_str_equal(pattern, event);
}

static gboolean
job_matches(const char *want, const SmsEvRec *r)
{
	if (want == NULL)
		return TRUE;
	if (r->job_name && g_ascii_strcasecmp(want, r->job_name) == 0)
		return TRUE;
	return r->job && g_ascii_strcasecmp(want, r->job) == 0;
}

static gboolean
in_window(const SmsScnExpect *x, SmsTime t)
{
	if (x->at != SMS_TIME_NONE && t != x->at)
		return FALSE;
	if (x->before != SMS_TIME_NONE && t >= x->before)
		return FALSE;
	if (x->after != SMS_TIME_NONE && t <= x->after)
		return FALSE;
	return TRUE;
}

static void
append_window(GString *s, const SmsScnExpect *x)
{
	char b[24];
	if (x->at != SMS_TIME_NONE)
		g_string_append_printf(s, " at %s", sms_time_format_buf(x->at, b));
	if (x->after != SMS_TIME_NONE)
		g_string_append_printf(s, " after %s", sms_time_format_buf(x->after, b));
	if (x->before != SMS_TIME_NONE)
		g_string_append_printf(s, " before %s", sms_time_format_buf(x->before, b));
}

/* "distribute.forced_disconnect of REFRESH on SRV01 for WKS*" */
static void
append_subject(GString *s, const SmsScnExpect *x, const char *what)
{
	g_string_append(s, what);
	if (x->job)
		g_string_append_printf(s, " of %s", x->job);
	if (x->server)
		g_string_append_printf(s, " on %s", x->server);
	if (x->machines)
		g_string_append_printf(s, " for %s", x->machines);
}

/* Up to three times of the given records, "at T1, T2, T3 (and N more)". */
static void
append_times(GString *s, GPtrArray *recs)
{
	char b[24];
	for (guint i = 0; i < recs->len && i < 3; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : " at ",
		                       sms_time_format_buf(((SmsEvRec *)recs->pdata[i])->time, b));
	if (recs->len > 3)
		g_string_append_printf(s, " (and %u more)", recs->len - 3);
}

static void
check_event(const SmsScnExpect *x, SmsRunModel *m, SmsExpectResult *res)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	g_autoptr(GPtrArray) inside = g_ptr_array_new();
	g_autoptr(GString) want = g_string_new(NULL);
	g_autoptr(GString) got = g_string_new(NULL);
	GArray *recs = m->log->recs;
	const char *event = x->event ? x->event : "job.status";
	for (guint i = 0; i < recs->len; i++) {
		SmsEvRec *r = &g_array_index(recs, SmsEvRec, i);
		if (!event_matches(event, r->event) || !job_matches(x->job, r))
			continue;
		if (x->server && (r->server == NULL || g_ascii_strcasecmp(x->server, r->server) != 0))
			continue;
		if (x->machines && (r->machine == NULL ||
		                    !sms_scenario_name_matches(x->machines, r->machine)))
			continue;
		if (x->event == NULL && g_strcmp0(r->detail, x->status) != 0)
			continue;   /* Status= with a time: the job reached that status */
		g_ptr_array_add(all, r);
		if (in_window(x, r->time))
			g_ptr_array_add(inside, r);
	}
	if (x->event == NULL) {
		g_string_append_printf(want, "job %s status %s", x->job, x->status);
		append_window(want, x);
	} else {
		append_subject(want, x, event);
		append_window(want, x);
	}
	if (x->never) {
		res->held = inside->len == 0;
		if (res->held)
			g_string_append_printf(got, "no %s", want->str);
		else {
			g_string_append_printf(got, "expected no %s; it happened %u time(s)", want->str,
			                       inside->len);
			append_times(got, inside);
		}
	} else if (x->count >= 0) {
		res->held = inside->len == (guint)x->count;
		if (res->held)
			g_string_append_printf(got, "%u x %s", inside->len, want->str);
		else {
			g_string_append_printf(got, "expected %" G_GINT64_FORMAT " x %s; happened %u "
			                       "time(s)", x->count, want->str, inside->len);
			append_times(got, inside);
		}
	} else {
		res->held = inside->len > 0;
		if (res->held) {
			g_string_append(got, want->str);
			if (x->at == SMS_TIME_NONE)
				append_times(got, inside);
		} else if (all->len == 0) {
			g_string_append_printf(got, "expected %s; it never happened", want->str);
		} else {
			g_string_append_printf(got, "expected %s; it happened", want->str);
			append_times(got, all);
		}
	}
	res->text = g_string_free(g_steal_pointer(&got), FALSE);
}

static void
check_status(const SmsScnExpect *x, SmsRunModel *m, SmsExpectResult *res)
{
	SmsRunJob *j = sms_run_model_job(m, x->job);
	g_autoptr(GString) got = g_string_new(NULL);
	if (j == NULL) {
		res->held = FALSE;
		res->text = g_strdup_printf("expected job %s to end %s; the job does not appear in "
		                            "the event log", x->job, x->status);
		return;
	}
	if (x->machines) {
		guint total = 0, with = 0;
		g_autoptr(GString) others = g_string_new(NULL);
		guint shown = 0;
		for (guint i = 0; i < j->machines->len; i++) {
			SmsRunMachine *k = j->machines->pdata[i];
			const char *st = sms_run_state_name(k->state);
			if (!sms_scenario_name_matches(x->machines, k->machine))
				continue;
			total++;
			if (g_str_equal(st, x->status)) {
				with++;
			} else if (shown++ < 5) {
				g_string_append_printf(others, "%s%s %s", others->len ? ", " : "",
				                       k->machine, st);
			}
		}
		if (shown > 5)
			g_string_append_printf(others, " (and %u more)", shown - 5);
		res->held = x->count >= 0 ? with == (guint)x->count : total > 0 && with == total;
		if (res->held)
			g_string_append_printf(got, "%u of %u computer(s) %s of job %s are %s", with,
			                       total, x->machines, x->job, x->status);
		else if (total == 0)
			g_string_append_printf(got, "expected computers %s of job %s to be %s; none of "
			                       "them took part in the job", x->machines, x->job,
			                       x->status);
		else if (x->count >= 0)
			g_string_append_printf(got, "expected %" G_GINT64_FORMAT " computer(s) %s of job "
			                       "%s to be %s; %u of %u are%s%s", x->count, x->machines,
			                       x->job, x->status, with, total, others->len ? ": " : "",
			                       others->str);
		else
			g_string_append_printf(got, "expected every computer %s of job %s to be %s; "
			                       "%u of %u are: %s", x->machines, x->job, x->status, with,
			                       total, others->str);
	} else if (x->server) {
		SmsRunServer *s = NULL;
		for (guint i = 0; i < j->servers->len && !s; i++)
			if (g_ascii_strcasecmp(((SmsRunServer *)j->servers->pdata[i])->server,
			                       x->server) == 0)
				s = j->servers->pdata[i];
		res->held = s && g_strcmp0(s->state, x->status) == 0;
		if (res->held)
			g_string_append_printf(got, "job %s on %s ended %s", x->job, x->server, x->status);
		else
			g_string_append_printf(got, "expected job %s on %s to end %s; %s", x->job,
			                       x->server, x->status, s ? s->state : "the server does "
			                       "not appear in the job's events");
	} else {
		res->held = g_strcmp0(j->status, x->status) == 0;
		if (res->held)
			g_string_append_printf(got, "job %s ended %s", x->job, x->status);
		else
			g_string_append_printf(got, "expected job %s to end %s; it ended %s", x->job,
			                       x->status, j->status ? j->status : "without a status");
	}
	res->text = g_string_free(g_steal_pointer(&got), FALSE);
}

GPtrArray *
sms_expect_check(const GPtrArray *expects, SmsRunModel *model)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(result_free);
	for (guint i = 0; i < expects->len; i++) {
		const SmsScnExpect *x = expects->pdata[i];
		SmsExpectResult *r = g_new0(SmsExpectResult, 1);
		r->expect = x;
		if (x->event || x->at != SMS_TIME_NONE || x->before != SMS_TIME_NONE ||
		    x->after != SMS_TIME_NONE)
			check_event(x, model, r);
		else
			check_status(x, model, r);
		g_ptr_array_add(out, r);
	}
	return out;
}

guint
sms_expect_format(const GPtrArray *results, GString *out)
{
	guint failed = 0;
	for (guint i = 0; i < results->len; i++) {
		const SmsExpectResult *r = results->pdata[i];
		if (!r->held)
			failed++;
		g_string_append_printf(out, "%-6s %s: %s\n", r->held ? "held" : "FAILED",
		                       r->expect->name, r->text);
	}
	return failed;
}
