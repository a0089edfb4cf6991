/* report.c -- the HTML report of a run (see report.h). */
#include "report.h"
#include "atomic.h"

#include <string.h>

/* ---- text helpers ---------------------------------------------------------------- */

static void
html(GString *out, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '&': g_string_append(out, "&amp;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		default: g_string_append_c(out, *p);
		}
	}
}

/* A JSON string safe inside <script>: no '<', '>' or '&' appears literally. */
static void
js_str(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '<': g_string_append(out, "\\u003c"); break;
		case '>': g_string_append(out, "\\u003e"); break;
		case '&': g_string_append(out, "\\u0026"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

static const char *
tstr(SmsTime t, char buf[static 24])
{
	return t == SMS_TIME_NONE ? "" : sms_time_format_buf(t, buf);
}

/* "1996-02-02 07:05" */
static const char *
tshort(SmsTime t, char buf[static 24])
{
	sms_time_format_buf(t, buf);
	buf[16] = '\0';
	return buf;
}

/* Strings of the embedded data, each once. */
typedef struct {
	GHashTable *index;        /* const char* -> index + 1 */
	GPtrArray *list;
} StrTab;

static void
strtab_init(StrTab *t)
{
	t->index = g_hash_table_new(g_str_hash, g_str_equal);
	t->list = g_ptr_array_new_with_free_func(g_free);
}

static void
strtab_clear(StrTab *t)
{
	g_hash_table_unref(t->index);
	g_ptr_array_unref(t->list);
}

static guint
strtab_id(StrTab *t, const char *s)
{
	gpointer v;
	char *copy;
	if (s == NULL)
		s = "";
	v = g_hash_table_lookup(t->index, s);
	if (v)
		return GPOINTER_TO_UINT(v) - 1;
	copy = g_strdup(s);
	g_ptr_array_add(t->list, copy);
	g_hash_table_insert(t->index, copy, GUINT_TO_POINTER(t->list->len));
	return t->list->len - 1;
}

static void
strtab_json(StrTab *t, GString *out)
{
	g_string_append_c(out, '[');
	for (guint i = 0; i < t->list->len; i++) {
		if (i)
			g_string_append_c(out, ',');
		js_str(out, t->list->pdata[i]);
	}
	g_string_append_c(out, ']');
}

/* ---- SVG: time axis --------------------------------------------------------------- */

typedef struct {
	SmsTime t0, t1;           /* span shown */
	double x0, width;         /* pixels */
} Scale;

static double
sx(const Scale *s, SmsTime t)
{
	if (s->t1 <= s->t0)
		return s->x0;
	return s->x0 + s->width * (double)(t - s->t0) / (double)(s->t1 - s->t0);
}

static void
axis(GString *out, const Scale *s, double y)
{
	static const SmsTime steps[] = { 60, 300, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600,
		12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400 };
	SmsTime span = s->t1 - s->t0, step = steps[G_N_ELEMENTS(steps) - 1];
	char b[24];
	for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
		if (span / steps[i] <= 6) {
			step = steps[i];
			break;
		}
	}
	g_string_append_printf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	                       "y2=\"%.1f\"/>", s->x0, y, s->x0 + s->width, y);
	for (SmsTime t = (s->t0 + step - 1) / step * step; t <= s->t1; t += step) {
		double x = sx(s, t);
		sms_time_format_buf(t, b);
		g_string_append_printf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		                       "y2=\"%.1f\"/><text class=\"tl\" x=\"%.1f\" y=\"%.1f\">",
		                       x, y, x, y + 4, x, y + 16);
		/* "02-02 07:05" */
		b[16] = '\0';
		html(out, b + 5);
		g_string_append(out, "</text>");
	}
}

/* ---- per job: Job Details and the stacked area ---------------------------------- */

static const char *const state_colour[SMS_RUN_N_STATES] = {
	"#bdbdbd", "#9ecae1", "#4292c6", "#fdae6b", "#31a354", "#de2d26", "#756bb1",
};
/* bottom to top */
static const SmsRunState stack_order[SMS_RUN_N_STATES] = {
	SMS_RUN_COMPLETE, SMS_RUN_RETRYING, SMS_RUN_EXPIRED, SMS_RUN_EXECUTED, SMS_RUN_COUNTDOWN,
	SMS_RUN_OFFERED, SMS_RUN_PENDING,
};

static void
area_chart(GString *out, SmsRunModel *m, SmsRunJob *j)
{
	GArray *sm = j->samples;
	const double W = 900, H = 200, L = 50, T = 10;
	Scale sc = { .x0 = L, .width = W - L - 20 };
	guint max = 0;
	gboolean used[SMS_RUN_N_STATES] = { FALSE };
	char b[24];
	if (sm->len == 0)
		return;
	sc.t0 = g_array_index(sm, SmsRunSample, 0).time;
	sc.t1 = MAX(m->last, g_array_index(sm, SmsRunSample, sm->len - 1).time);
	if (sc.t1 <= sc.t0)
		sc.t1 = sc.t0 + 3600;
	for (guint i = 0; i < sm->len; i++) {
		const SmsRunSample *s = &g_array_index(sm, SmsRunSample, i);
		guint tot = 0;
		for (int k = 0; k < SMS_RUN_N_STATES; k++) {
			tot += s->counts[k];
			if (s->counts[k])
				used[k] = TRUE;
		}
		max = MAX(max, tot);
	}
	if (max == 0)
		return;
	g_string_append_printf(out, "<svg class=\"area\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 "
	                       "%.0f %.0f\" role=\"img\"><title>Computers of job ", W, H + 40, W,
	                       H + 40);
	html(out, j->key);
	g_string_append(out, " by state over time</title>");
	for (int o = 0; o < SMS_RUN_N_STATES; o++) {
		SmsRunState st = stack_order[o];
		if (!used[st])
			continue;
		g_string_append_printf(out, "<path class=\"st-%s\" fill=\"%s\" d=\"",
		                       sms_run_state_name(st), state_colour[st]);
		/* upper edge left to right, lower edge right to left (steps) */
		for (int pass = 0; pass < 2; pass++) {
			for (guint n = 0; n < sm->len; n++) {
				guint i = pass == 0 ? n : sm->len - 1 - n;
				const SmsRunSample *s = &g_array_index(sm, SmsRunSample, i);
				SmsTime next = i + 1 < sm->len ? g_array_index(sm, SmsRunSample, i + 1).time
				                               : sc.t1;
				guint below = 0;
				double y;
				for (int q = 0; q < o + (pass == 0); q++)
					below += s->counts[stack_order[q]];
				y = T + H - H * below / max;
				if (pass == 0)
					g_string_append_printf(out, "%s%.1f %.1fH%.1f", n ? "L" : "M", sx(&sc, s->time),
					                       y, sx(&sc, next));
				else
					g_string_append_printf(out, "L%.1f %.1fH%.1f", sx(&sc, next), y,
					                       sx(&sc, s->time));
			}
		}
		g_string_append_printf(out, "Z\"><title>%s</title></path>", sms_run_state_name(st));
	}
	g_string_append_printf(out, "<text class=\"yl\" x=\"%.0f\" y=\"%.0f\">%u</text>"
	                       "<text class=\"yl\" x=\"%.0f\" y=\"%.0f\">0</text>",
	                       L - 6, T + 4, max, L - 6, T + H);
	axis(out, &sc, T + H);
	g_string_append(out, "</svg><p class=\"legend\">");
	for (int o = 0; o < SMS_RUN_N_STATES; o++) {
		SmsRunState st = stack_order[o];
		if (used[st])
			g_string_append_printf(out, "<span><i style=\"background:%s\"></i>%s</span> ",
			                       state_colour[st], sms_run_state_name(st));
	}
	g_string_append_printf(out, "(from %s)</p>\n", tshort(sc.t0, b));
}

static void
count_line(GString *out, const guint *counts, const char *const *names, int n, guint total)
{
	g_string_append_printf(out, "Total %u", total);
	for (int k = 0; k < n; k++)
		if (counts[k])
			g_string_append_printf(out, ": %s %u", names[k], counts[k]);
}

static void
job_section(GString *out, SmsRunModel *m, SmsRunJob *j, guint index)
{
	char b[24];
	guint counts[SMS_RUN_N_STATES] = { 0 };
	const char *names[SMS_RUN_N_STATES];
	guint scounts[3] = { 0 };
	static const char *const snames[3] = { "Complete", "Retrying", "Failed" };
	g_string_append_printf(out, "<div class=\"job\" id=\"job-%u\" data-job=\"", index);
	html(out, j->key);
	g_string_append(out, "\"><h3>Job ");
	html(out, j->key);
	g_string_append(out, "</h3><table class=\"details\"><tr><th>Job ID</th><td>");
	for (guint i = 0; i < j->ids->len; i++) {
		if (i)
			g_string_append(out, ", ");
		html(out, j->ids->pdata[i]);
	}
	g_string_append(out, "</td></tr><tr><th>Package</th><td>");
	html(out, j->package);
	g_string_append(out, "</td></tr><tr><th>Site</th><td>");
	html(out, j->site);
	g_string_append_printf(out, "</td></tr><tr><th>Activated</th><td>%s</td></tr>",
	                       tstr(j->activated, b));
	g_string_append(out, "<tr><th>Overall status</th><td class=\"status\">");
	html(out, j->status ? j->status : "(none logged)");
	if (j->status)
		g_string_append_printf(out, " since %s", tstr(j->status_time, b));
	g_string_append(out, "</td></tr><tr><th>History</th><td>");
	for (guint i = 0; i < j->history->len; i++) {
		const SmsEvRec *r = j->history->pdata[i];
		g_string_append_printf(out, "%s%s ", i ? "; " : "", tshort(r->time, b));
		html(out, g_str_equal(r->event, "job.status") ? r->detail : r->event);
	}
	for (int k = 0; k < SMS_RUN_N_STATES; k++)
		names[k] = sms_run_state_name((SmsRunState)k);
	for (guint i = 0; i < j->machines->len; i++)
		counts[((SmsRunMachine *)j->machines->pdata[i])->state]++;
	for (guint i = 0; i < j->servers->len; i++) {
		SmsRunServer *s = j->servers->pdata[i];
		for (int k = 0; k < 3; k++)
			if (g_strcmp0(s->state, snames[k]) == 0)
				scounts[k]++;
	}
	g_string_append(out, "</td></tr><tr><th>Computers</th><td class=\"computers\">");
	count_line(out, counts, names, SMS_RUN_N_STATES, j->machines->len);
	g_string_append(out, "</td></tr><tr><th>Distribution servers</th><td>");
	count_line(out, scounts, snames, 3, j->servers->len);
	g_string_append_printf(out, "</td></tr><tr><th>Events</th><td>%u</td></tr></table>\n",
	                       j->events);
	area_chart(out, m, j);
	g_string_append(out, "</div>\n");
}

/* ---- per distribution server: the swimlane of its install ---------------------- */

static const char *
mark_class(const SmsEvRec *r)
{
	const char *e = r->event;
	if (g_str_equal(e, "distribute.locked"))
		return g_strcmp0(r->detail, "0") == 0 ? "t0" : "retry";
	if (g_str_equal(e, "share.access_revoked"))
		return "revoked";
	if (g_str_equal(e, "distribute.forced_warning"))
		return "warning";
	if (g_str_equal(e, "distribute.forced_disconnect"))
		return "disconnect";
	if (g_str_equal(e, "distribute.installed") || g_str_equal(e, "package.removed"))
		return "installed";
	if (g_str_equal(e, "share.access_restored"))
		return "restored";
	if (g_str_equal(e, "distribute.failed"))
		return "failed";
	return "other";
}

static const char *
mark_label(const char *cls)
{
	static const struct { const char *cls, *label; } labels[] = {
		{ "t0", "first attempt" }, { "retry", "retry" }, { "revoked", "access revoked" },
		{ "warning", "warning" }, { "disconnect", "disconnect" }, { "installed", "install" },
		{ "restored", "restore" }, { "failed", "failed" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++)
		if (g_str_equal(labels[i].cls, cls))
			return labels[i].label;
	return cls;
}

/* The forced-delivery arithmetic of KB Q140403, from what the log shows. */
static void
arithmetic(GString *out, SmsRunServer *s)
{
	SmsTime x = 0, z, total;
	char b[24], b2[24];
	g_autofree char *dur = NULL;
	SmsTime end = s->disconnected != SMS_TIME_NONE ? s->disconnected : s->installed;
	if (s->first_locked == SMS_TIME_NONE) {
		if (s->installed != SMS_TIME_NONE)
			g_string_append_printf(out, "<p class=\"arith\">Installed at %s at the first "
			                       "attempt (no file in use).</p>", tstr(s->installed, b));
		return;
	}
	for (guint i = 0; i < s->marks->len; i++) {
		const SmsEvRec *r = s->marks->pdata[i];
		if (g_str_equal(r->event, "distribute.locked") && g_strcmp0(r->detail, "1") == 0) {
			x = r->time - s->first_locked;
			break;
		}
	}
	if (s->revoked != SMS_TIME_NONE && end != SMS_TIME_NONE && end >= s->revoked) {
		if (x == 0)
			x = (s->revoked - s->first_locked) / (s->retries + 1);
		z = end - s->revoked;
		total = x * (s->retries + 1) + z;
		dur = sms_run_duration_str(total);
		g_string_append_printf(out, "<p class=\"arith\" data-x=\"%" G_GINT64_FORMAT "\" data-y="
		                       "\"%u\" data-z=\"%" G_GINT64_FORMAT "\">Forced delivery (KB "
		                       "Q140403): x&middot;(y+1)+z = %" G_GINT64_FORMAT "&middot;(%u+1)+%"
		                       G_GINT64_FORMAT " = %" G_GINT64_FORMAT " min = %s after t0 %s "
		                       "&rarr; <b>%s</b>",
		                       x / 60, s->retries, z / 60, x / 60, s->retries, z / 60,
		                       total / 60, dur, tshort(s->first_locked, b),
		                       tshort(s->first_locked + total, b2));
		if (s->first_locked + total != end)
			g_string_append_printf(out, " (the log shows %s)", tshort(end, b));
		g_string_append(out, "; x = retry interval, y = retries, z = delay after the "
		                "warning.</p>");
	} else if (s->failed != SMS_TIME_NONE) {
		g_string_append_printf(out, "<p class=\"arith\">No forced disconnect: %u retries",
		                       s->retries);
		if (x)
			g_string_append_printf(out, " every %" G_GINT64_FORMAT " min", x / 60);
		g_string_append_printf(out, " from t0 %s, then <b>Failed</b> at %s.</p>",
		                       tshort(s->first_locked, b), tshort(s->failed, b2));
	} else if (s->installed != SMS_TIME_NONE) {
		g_string_append_printf(out, "<p class=\"arith\">Installed at %s after %u retr%s from "
		                       "t0 %s: the files were closed before a forced disconnect.</p>",
		                       tshort(s->installed, b), s->retries, s->retries == 1 ? "y" : "ies",
		                       tshort(s->first_locked, b2));
	} else {
		g_string_append_printf(out, "<p class=\"arith\">Still retrying at the end of the log: "
		                       "%u retries from t0 %s.</p>", s->retries,
		                       tshort(s->first_locked, b));
	}
}

/* Rows of the swimlane: which marks go on which row. */
static int
mark_row(const char *cls)
{
	if (g_str_equal(cls, "t0") || g_str_equal(cls, "retry") || g_str_equal(cls, "failed"))
		return 0;
	if (g_str_equal(cls, "revoked") || g_str_equal(cls, "restored"))
		return 1;
	if (g_str_equal(cls, "warning") || g_str_equal(cls, "disconnect"))
		return 2;
	return 3;
}

static void
swimlane(GString *out, SmsRunJob *j, SmsRunServer *s)
{
	static const char *const rows[4] = { "attempts", "share access", "users", "package" };
	const double W = 960, L = 100, R = 330, RH = 22, T = 6;
	Scale sc = { .x0 = L, .width = W - L - R };
	GString *side[4] = { g_string_new(NULL), g_string_new(NULL), g_string_new(NULL),
	                     g_string_new(NULL) };
	guint nretry = 0;
	SmsTime last_retry = SMS_TIME_NONE;
	char b[24];
	if (s->first_locked == SMS_TIME_NONE && s->revoked == SMS_TIME_NONE &&
	    s->failed == SMS_TIME_NONE) {
		/* a plain install: one line, no chart */
		g_string_append(out, "<div class=\"lane plain\" data-server=\"");
		html(out, s->server);
		g_string_append(out, "\" data-job=\"");
		html(out, j->key);
		g_string_append(out, "\"><b>");
		html(out, s->server);
		g_string_append(out, "</b> (site ");
		html(out, s->site);
		g_string_append(out, ") job ");
		html(out, j->key);
		for (guint i = 0; i < s->marks->len; i++) {
			const SmsEvRec *r = s->marks->pdata[i];
			g_string_append_printf(out, "%s <span class=\"mark %s\" data-event=\"%s\" "
			                       "data-time=\"%s\">%s %s</span>", i ? "," : ":",
			                       mark_class(r), r->event, tstr(r->time, b),
			                       mark_label(mark_class(r)), tstr(r->time, b));
		}
		g_string_append(out, "</div>\n");
		return;
	}
	sc.t0 = ((SmsEvRec *)s->marks->pdata[0])->time;
	sc.t1 = ((SmsEvRec *)s->marks->pdata[s->marks->len - 1])->time;
	if (sc.t1 - sc.t0 < 3600) {
		sc.t0 -= 1800;
		sc.t1 = sc.t0 + 3600 + (sc.t1 - sc.t0);
	}
	g_string_append(out, "<div class=\"lane\" data-server=\"");
	html(out, s->server);
	g_string_append(out, "\" data-job=\"");
	html(out, j->key);
	g_string_append(out, "\"><h3>");
	html(out, s->server);
	g_string_append(out, " <small>(site ");
	html(out, s->site);
	g_string_append(out, ") job ");
	html(out, j->key);
	g_string_append(out, ": ");
	html(out, s->state ? s->state : "?");
	g_string_append_printf(out, "</small></h3><svg class=\"swim\" width=\"%.0f\" height=\"%.0f\" "
	                       "viewBox=\"0 0 %.0f %.0f\">", W, T + 4 * RH + 24, W, T + 4 * RH + 24);
	for (int r = 0; r < 4; r++) {
		double y = T + RH * r + RH / 2;
		g_string_append_printf(out, "<text class=\"rl\" x=\"%.0f\" y=\"%.1f\">%s</text>"
		                       "<line class=\"lane-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		                       "y2=\"%.1f\"/>", L - 8, y + 4, rows[r], sc.x0, y, sc.x0 + sc.width, y);
	}
	for (guint i = 0; i < s->marks->len; i++) {
		const SmsEvRec *r = s->marks->pdata[i];
		const char *cls = mark_class(r);
		int row = mark_row(cls);
		double x = sx(&sc, r->time), y = T + RH * row + RH / 2;
		g_string_append_printf(out, "<g class=\"mark %s\" data-event=\"%s\" data-time=\"%s\">"
		                       "<title>%s: %s %s", cls, r->event, tstr(r->time, b),
		                       mark_label(cls), r->event, tstr(r->time, b));
		if (r->machine || r->user) {
			g_string_append(out, " (");
			html(out, r->user);
			g_string_append(out, r->machine && r->user ? " on " : "");
			html(out, r->machine);
			g_string_append(out, ")");
		}
		if (g_str_equal(cls, "retry") || g_str_equal(cls, "t0")) {
			g_string_append(out, ", retry count ");
			html(out, r->detail);
		}
		g_string_append_printf(out, "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"/></g>", x,
		                       y, g_str_equal(cls, "retry") ? 3 : 6);
		/* the times beside the row */
		if (g_str_equal(cls, "retry")) {
			nretry++;
			last_retry = r->time;
		} else if (side[row]->len < 60) {
			g_string_append_printf(side[row], "%s%s %s", side[row]->len ? ", " : "",
			                       mark_label(cls), tshort(r->time, b) + 5);
		}
	}
	if (nretry > 0)
		g_string_append_printf(side[0], "%s%u retr%s, last %s", side[0]->len ? ", " : "", nretry,
		                       nretry == 1 ? "y" : "ies", tshort(last_retry, b) + 5);
	for (int r = 0; r < 4; r++) {
		g_string_append_printf(out, "<text class=\"rt\" x=\"%.0f\" y=\"%.1f\">", W - R + 10,
		                       T + RH * r + RH / 2 + 4);
		html(out, side[r]->str);
		g_string_append(out, "</text>");
		g_string_free(side[r], TRUE);
	}
	axis(out, &sc, T + 4 * RH);
	g_string_append(out, "</svg>");
	arithmetic(out, s);
	g_string_append(out, "</div>\n");
}

/* ---- embedded rows --------------------------------------------------------------- */

static void
time_val(GString *out, SmsTime t, SmsTime base)
{
	if (t == SMS_TIME_NONE)
		g_string_append(out, "-1");
	else
		g_string_append_printf(out, "%" G_GINT64_FORMAT, t - base);
}

static void
ws_data(GString *out, SmsRunModel *m, StrTab *st, SmsTime base)
{
	gboolean first = TRUE;
	g_string_append(out, "\"ws\":[");
	for (guint i = 0; i < m->jobs->len; i++) {
		SmsRunJob *j = m->jobs->pdata[i];
		guint jid = strtab_id(st, j->key);
		for (guint k = 0; k < j->machines->len; k++) {
			SmsRunMachine *x = j->machines->pdata[k];
			g_string_append_printf(out, "%s[%u,%u,%u,", first ? "" : ",",
			                       strtab_id(st, x->machine), strtab_id(st, x->domain), jid);
			first = FALSE;
			time_val(out, x->offered, base);
			g_string_append_c(out, ',');
			time_val(out, x->countdown, base);
			g_string_append_c(out, ',');
			time_val(out, x->executed, base);
			g_string_append_printf(out, ",%d,%u,%u]", (int)x->state, strtab_id(st, x->server),
			                       strtab_id(st, x->result));
		}
	}
	g_string_append(out, "]");
}

/* Events collapsed as the timeline does: per-machine events of one instant that differ
 * only in the machine are one row with a count and the first and last machine. */
static void
ev_data(GString *out, SmsRunModel *m, StrTab *st, SmsTime base)
{
	GArray *recs = m->log->recs;
	gboolean first = TRUE;
	g_string_append(out, "\"ev\":[");
	for (guint i = 0; i < recs->len;) {
		const SmsEvRec *r = &g_array_index(recs, SmsEvRec, i);
		guint n = 1;
		g_autofree char *subject = NULL;
		const char *job = sms_evrec_job_key(r);
		while (r->machine && i + n < recs->len) {
			const SmsEvRec *q = &g_array_index(recs, SmsEvRec, i + n);
			if (q->time != r->time || q->machine == NULL || q->site != r->site ||
			    q->event != r->event || q->component != r->component ||
			    g_strcmp0(q->job, r->job) != 0 || g_strcmp0(q->server, r->server) != 0 ||
			    g_strcmp0(q->detail, r->detail) != 0)
				break;
			n++;
		}
		if (n > 1)
			subject = g_strdup_printf("%s .. %s (%u)", r->machine,
			                          g_array_index(recs, SmsEvRec, i + n - 1).machine, n);
		else
			subject = g_strdup_printf("%s%s%s", r->machine ? r->machine : "",
			                          r->machine && r->user ? " " : "", r->user ? r->user : "");
		g_string_append_printf(out, "%s[", first ? "" : ",");
		first = FALSE;
		time_val(out, r->time, base);
		g_string_append_printf(out, ",%u,%u,%u,%u,%u,%u,%u,%u]", strtab_id(st, r->site),
		                       strtab_id(st, r->component), strtab_id(st, r->event),
		                       strtab_id(st, job), strtab_id(st, r->server),
		                       strtab_id(st, subject), strtab_id(st, r->detail), n);
		i += n;
	}
	g_string_append(out, "]");
}

/* ---- the page --------------------------------------------------------------------- */

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 3em;color:#222;background:#fff}"
	"h1{font-size:1.5em;margin:.8em 0 .2em}h2{border-bottom:2px solid #4292c6;margin-top:1.6em}"
	"h3{margin:1em 0 .3em;font-size:1.1em}nav a{margin-right:1em}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;vertical-align:top}"
	"table.details th{color:#555;font-weight:normal}table.details{margin-bottom:.5em}"
	"table.grid{width:100%;margin-top:.5em}table.grid th{background:#eef3f8;cursor:pointer;"
	"user-select:none;border-bottom:1px solid #aac}table.grid td{border-bottom:1px solid #eee;"
	"font-family:ui-monospace,monospace;font-size:12px}table.grid tr:hover td{background:#f7fbff}"
	"th.asc:after{content:' \\25B2'}th.desc:after{content:' \\25BC'}"
	".controls input,.controls select{margin-right:.8em}.pager{margin:.4em 0}"
	".pager button{margin:0 .3em}.legend span{margin-right:1em}"
	".legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}"
	"svg text{font:11px sans-serif;fill:#444}.tl{text-anchor:middle}.yl{text-anchor:end}"
	".axis,.tick{stroke:#888}.lane-line{stroke:#888;stroke-width:2}"
	".mark circle{stroke:#fff;stroke-width:1}.t0 circle{fill:#4292c6}.retry circle{fill:#fd8d3c}"
	".revoked circle{fill:#984ea3}.warning circle{fill:#e6ab02}.disconnect circle{fill:#de2d26}"
	".installed circle{fill:#31a354}.restored circle{fill:#1b9e77}.failed circle{fill:#000}"
	".other circle{fill:#999}.rl{text-anchor:end}table.grid td:first-child{white-space:nowrap}"
	".arith{margin:.2em 0 1em;"
	"font-family:ui-monospace,monospace}.st-Retrying,.status{font-weight:bold}"
	".job{margin-bottom:1.5em}.S4{color:#31a354}.S5{color:#de2d26}.muted{color:#888}";

static const char js[] =
	"(function(){'use strict';"
	"var D=JSON.parse(document.getElementById('run-data').textContent),S=D.s,B=D.base;"
	"function t(v){if(v<0)return '';var d=new Date((B+v)*1000);"
	"return d.toISOString().slice(0,16).replace('T',' ');}"
	"function el(n,a,x){var e=document.createElement(n);if(a)for(var k in a)e.setAttribute(k,a[k]);"
	"if(x!==undefined)e.textContent=x;return e;}"
	/* a paged, sortable, filterable table: cols = [[title, cell(row)->text, key(row)]] */
	"function grid(id,rows,cols,filters,q0){var root=document.getElementById(id),"
	"ctl=el('div',{'class':'controls'}),q=el('input',{type:'search',placeholder:'search',"
	"'class':'search'}),page=0,size=100,sortc=-1,dir=1,view=rows;if(q0)q.value=q0;"
	"ctl.appendChild(q);"
	"var sels=filters.map(function(f){var s=el('select',{'class':'filter','data-filter':f[0]});"
	"s.appendChild(el('option',{value:''},'all '+f[0]));var seen={};rows.forEach(function(r){"
	"seen[f[1](r)]=1;});Object.keys(seen).sort().forEach(function(v){"
	"s.appendChild(el('option',{value:v},v));});ctl.appendChild(s);"
	"s.onchange=function(){page=0;apply();};return s;});"
	"var info=el('span',{'class':'count'});ctl.appendChild(info);root.appendChild(ctl);"
	"var tb=el('table',{'class':'grid'}),th=el('tr');cols.forEach(function(c,i){"
	"var h=el('th',{'data-col':i},c[0]);h.onclick=function(){dir=sortc===i?-dir:1;sortc=i;"
	"Array.prototype.forEach.call(th.children,function(x){x.className='';});"
	"h.className=dir>0?'asc':'desc';apply();};th.appendChild(h);});"
	"var thead=el('thead');thead.appendChild(th);tb.appendChild(thead);"
	"var body=el('tbody');tb.appendChild(body);root.appendChild(tb);"
	"var pg=el('div',{'class':'pager'}),prev=el('button',{},'previous'),"
	"next=el('button',{},'next'),pi=el('span');pg.appendChild(prev);pg.appendChild(pi);"
	"pg.appendChild(next);root.appendChild(pg);"
	"prev.onclick=function(){if(page>0){page--;draw();}};"
	"next.onclick=function(){if((page+1)*size<view.length){page++;draw();}};"
	"q.oninput=function(){page=0;apply();};"
	"function apply(){var s=q.value.toLowerCase();view=rows.filter(function(r){"
	"for(var i=0;i<sels.length;i++)if(sels[i].value&&filters[i][1](r)!==sels[i].value)return false;"
	"if(!s)return true;for(var c=0;c<cols.length;c++)"
	"if(String(cols[c][1](r)).toLowerCase().indexOf(s)>=0)return true;return false;});"
	"if(sortc>=0){var k=cols[sortc][2]||cols[sortc][1];view=view.slice().sort(function(a,b){"
	"var x=k(a),y=k(b);return (x<y?-1:x>y?1:0)*dir;});}draw();}"
	"function draw(){body.textContent='';var n=Math.max(1,Math.ceil(view.length/size));"
	"view.slice(page*size,page*size+size).forEach(function(r){var tr=el('tr');"
	"cols.forEach(function(c){tr.appendChild(el('td',{},c[1](r)));});body.appendChild(tr);});"
	"pi.textContent=' page '+(page+1)+' of '+n+' ';info.textContent=view.length+' of '+"
	"rows.length+' rows';}apply();}"
	"var ST=D.states,H={};location.hash.slice(1).split('&').forEach(function(p){"
	"var i=p.indexOf('=');if(i>0)H[p.slice(0,i)]=decodeURIComponent(p.slice(i+1));});"
	"grid('ws-table',D.ws,[['Workstation',function(r){return S[r[0]];}],"
	"['Domain',function(r){return S[r[1]];}],['Job',function(r){return S[r[2]];}],"
	"['Offered',function(r){return t(r[3]);},function(r){return r[3];}],"
	"['Countdown',function(r){return t(r[4]);},function(r){return r[4];}],"
	"['Executed',function(r){return t(r[5]);},function(r){return r[5];}],"
	"['Status',function(r){return ST[r[6]];}],['Result',function(r){return S[r[8]];}],"
	"['Server used',function(r){return S[r[7]];}]],"
	"[['jobs',function(r){return S[r[2]];}],['domains',function(r){return S[r[1]];}],"
	"['states',function(r){return ST[r[6]];}]],H.ws);"
	"grid('ev-table',D.ev,[['Time',function(r){return t(r[0]);},function(r){return r[0];}],"
	"['Site',function(r){return S[r[1]];}],['Component',function(r){return S[r[2]];}],"
	"['Event',function(r){return S[r[3]];}],['Job',function(r){return S[r[4]];}],"
	"['Server',function(r){return S[r[5]];}],['Machine / user',function(r){return S[r[6]];}],"
	"['Detail',function(r){return S[r[7]];}]],"
	"[['components',function(r){return S[r[2]];}],['sites',function(r){return S[r[1]];}],"
	"['events',function(r){return S[r[3]];}],['jobs',function(r){return S[r[4]];}]],H.ev);"
	"document.body.setAttribute('data-ready','1');"
	"document.body.setAttribute('data-render-ms',String(Math.round(performance.now())));})();";

void
sms_report_html(SmsRunModel *m, const char *title, GString *out)
{
	StrTab st;
	char b[24], b2[24];
	guint lanes = 0, machines = 0;
	SmsTime base = m->first == SMS_TIME_NONE ? 0 : m->first;
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                "<meta name=\"generator\" content=\"smsemu " SMS_VERSION "\"><title>"
	                "smsemu run: ");
	html(out, title);
	g_string_append_printf(out, "</title><style>%s</style></head>\n<body>\n<h1>smsemu run: ",
	                       css);
	html(out, title);
	for (guint i = 0; i < m->jobs->len; i++)
		machines += ((SmsRunJob *)m->jobs->pdata[i])->machines->len;
	g_string_append_printf(out, "</h1><p class=\"summary\">%u events from %s to %s; %u job(s), "
	                       "%u computer(s) in jobs. Times are each site's local time.</p>\n"
	                       "<nav><a href=\"#jobs\">Jobs</a><a href=\"#servers\">Distribution "
	                       "servers</a><a href=\"#workstations\">Workstations</a><a href="
	                       "\"#events\">Event log</a></nav>\n",
	                       m->log->recs->len, tstr(m->first, b), tstr(m->last, b2),
	                       m->jobs->len, machines);
	g_string_append(out, "<section id=\"jobs\"><h2>Jobs</h2>\n");
	for (guint i = 0; i < m->jobs->len; i++)
		job_section(out, m, m->jobs->pdata[i], i);
	if (m->jobs->len == 0)
		g_string_append(out, "<p class=\"muted\">No job in this log.</p>");
	g_string_append(out, "</section>\n<section id=\"servers\"><h2>Distribution servers</h2>\n"
	                "<p class=\"legend\"><span><i style=\"background:#4292c6\"></i>first attempt"
	                "</span><span><i style=\"background:#fd8d3c\"></i>retry</span><span><i style="
	                "\"background:#984ea3\"></i>access revoked</span><span><i style=\"background:"
	                "#e6ab02\"></i>warning</span><span><i style=\"background:#de2d26\"></i>"
	                "disconnect</span><span><i style=\"background:#31a354\"></i>install</span>"
	                "<span><i style=\"background:#1b9e77\"></i>restore</span><span><i style="
	                "\"background:#000\"></i>failed</span> (hover a mark for its time)</p>\n");
	for (guint i = 0; i < m->jobs->len; i++) {
		SmsRunJob *j = m->jobs->pdata[i];
		for (guint k = 0; k < j->servers->len; k++, lanes++)
			if (((SmsRunServer *)j->servers->pdata[k])->marks->len > 0)
				swimlane(out, j, j->servers->pdata[k]);
	}
	if (lanes == 0)
		g_string_append(out, "<p class=\"muted\">No package was installed on a distribution "
		                "server in this log.</p>");
	g_string_append(out, "</section>\n<section id=\"workstations\"><h2>Workstations</h2>"
	                "<div id=\"ws-table\"></div><noscript>The tables need JavaScript."
	                "</noscript></section>\n<section id=\"events\"><h2>Event log</h2>"
	                "<div id=\"ev-table\"></div></section>\n");
	strtab_init(&st);
	{
		g_autoptr(GString) data = g_string_new(NULL);
		g_string_append_printf(data, "{\"base\":%" G_GINT64_FORMAT ",\"states\":[", base);
		for (int k = 0; k < SMS_RUN_N_STATES; k++)
			g_string_append_printf(data, "%s\"%s\"", k ? "," : "",
			                       sms_run_state_name((SmsRunState)k));
		g_string_append(data, "],");
		ws_data(data, m, &st, base);
		g_string_append_c(data, ',');
		ev_data(data, m, &st, base);
		g_string_append(data, ",\"s\":");
		strtab_json(&st, data);
		g_string_append(data, "}");
		g_string_append(out, "<script type=\"application/json\" id=\"run-data\">");
		g_string_append_len(out, data->str, (gssize)data->len);
		g_string_append(out, "</script>\n");
	}
	strtab_clear(&st);
	g_string_append_printf(out, "<script>%s</script>\n</body></html>\n", js);
}

gboolean
sms_report_write(SmsRunModel *m, const char *title, const char *path, GError **error)
{
	g_autoptr(GString) out = g_string_sized_new(64 * 1024);
	sms_report_html(m, title, out);
	return sms_atomic_write(path, out->str, out->len, 0644, SMS_SYNC_NONE, error);
}
