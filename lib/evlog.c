/* evlog.c -- event logs read back, and what a run did (see evlog.h). */
#include "evlog.h"

#include <string.h>

G_DEFINE_QUARK(sms-evlog-error-quark, sms_evlog_error)

SmsEvLog *
sms_evlog_new(const char *path)
{
	SmsEvLog *log = g_new0(SmsEvLog, 1);
	log->path = g_strdup(path);
	log->strings = g_string_chunk_new(64 * 1024);
	log->recs = g_array_new(FALSE, TRUE, sizeof(SmsEvRec));
	return log;
}

void
sms_evlog_free(SmsEvLog *log)
{
	if (log == NULL)
		return;
	g_free(log->path);
	g_string_chunk_free(log->strings);
	g_array_unref(log->recs);
	g_free(log);
}

static const char *
intern(SmsEvLog *log, const char *s)
{
	return s ? g_string_chunk_insert_const(log->strings, s) : NULL;
}

void
sms_evlog_add(SmsEvLog *log, const char *site, const SmsEvent *ev)
{
	SmsEvRec r = { .time = ev->time };
	r.site = intern(log, site);
	r.component = intern(log, ev->component);
	r.event = intern(log, ev->event);
	r.job = intern(log, ev->job);
	r.job_name = intern(log, ev->job_name);
	r.package = intern(log, ev->package);
	r.server = intern(log, ev->server);
	r.machine = intern(log, ev->machine);
	r.domain = intern(log, ev->domain);
	r.user = intern(log, ev->user);
	r.detail = intern(log, ev->detail);
	g_array_append_val(log->recs, r);
}

const char *
sms_evrec_job_key(const SmsEvRec *r)
{
	return r->job_name ? r->job_name : r->job;
}

/* ---- reading: one flat JSON object per line ------------------------------------ */

/* ---- the reader ------------------------------------------------------------------
 * One flat JSON object a line. Its own small reader rather than json-glib (used for
 * smbstatus's nested output): event logs of large runs have millions of lines, read here
 * without a node tree per line, and errors give line and column (fuzz-evlog). */

typedef struct {
	const char *p, *end;
	const char *path;
	guint line;
	const char *line_start;
} Cursor;

static gboolean
cur_throw(Cursor *c, GError **error, int code, const char *what)
{
	return sms_throw_domain(error, SMS_EVLOG_ERROR, code, "%s:%u:%u: %s", c->path, c->line,
	                        (guint)(c->p - c->line_start) + 1, what);
}

static void
skip_ws(Cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static gboolean
read_u4(Cursor *c, gunichar *out)
{
	gunichar v = 0;
	if (c->end - c->p < 4)
		return FALSE;
	for (int i = 0; i < 4; i++) {
		int h = hexval(c->p[i]);
		if (h < 0)
			return FALSE;
		v = v * 16 + (gunichar)h;
	}
	c->p += 4;
	*out = v;
	return TRUE;
}

/* A JSON string at c->p (the opening quote) into buf. */
static gboolean
read_string(Cursor *c, GString *buf, GError **error)
{
	g_string_truncate(buf, 0);
	if (c->p >= c->end || *c->p != '"')
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "expected a string");
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '\n' || ch < 0x20)
			return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX,
			                 "unterminated string (expected '\"')");
		if (ch != '\\') {
			g_string_append_c(buf, (char)ch);
			c->p++;
			continue;
		}
		c->p++;
		if (c->p >= c->end)
			break;
		switch (*c->p++) {
		case '"': g_string_append_c(buf, '"'); break;
		case '\\': g_string_append_c(buf, '\\'); break;
		case '/': g_string_append_c(buf, '/'); break;
		case 'b': g_string_append_c(buf, '\b'); break;
		case 'f': g_string_append_c(buf, '\f'); break;
		case 'n': g_string_append_c(buf, '\n'); break;
		case 'r': g_string_append_c(buf, '\r'); break;
		case 't': g_string_append_c(buf, '\t'); break;
		case 'u': {
			gunichar u, lo;
			if (!read_u4(c, &u))
				return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX,
				                 "expected four hex digits after \\u");
			if (u >= 0xD800 && u < 0xDC00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
			    c->p[1] == 'u') {
				c->p += 2;
				if (!read_u4(c, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX,
					                 "expected a low surrogate after a high one");
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (u == 0 || (u >= 0xD800 && u <= 0xDFFF))
				return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX,
				                 "\\u escape of NUL or a lone surrogate");
			g_string_append_unichar(buf, u);
			break;
		}
		default:
			c->p--;
			return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "unknown escape in a string");
		}
	}
	if (c->p >= c->end)
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "unterminated string (expected '\"')");
	c->p++;
	if (!g_utf8_validate(buf->str, (gssize)buf->len, NULL))
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "string is not valid UTF-8");
	return TRUE;
}

/* A value other than a string: number, true, false or null (kept as text; unknown keys
 * may carry them). NULL result for null. */
static gboolean
read_scalar(Cursor *c, GString *buf, gboolean *is_null, GError **error)
{
	const char *s = c->p;
	while (c->p < c->end && (g_ascii_isalnum(*c->p) || *c->p == '-' || *c->p == '+' ||
	                         *c->p == '.'))
		c->p++;
	g_string_truncate(buf, 0);
	g_string_append_len(buf, s, c->p - s);
	*is_null = g_str_equal(buf->str, "null");
	if (buf->len == 0 || (!*is_null && !g_str_equal(buf->str, "true") &&
	                      !g_str_equal(buf->str, "false") &&
	                      !(g_ascii_isdigit(buf->str[0]) || buf->str[0] == '-')))
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX,
		                 "expected a string, number, true, false or null");
	return TRUE;
}

static const char *
field_slot_name(guint i)
{
	static const char *const names[] = { "site", "component", "event", "job", "job_name",
		"package", "server", "machine", "domain", "user", "detail" };
	return i < G_N_ELEMENTS(names) ? names[i] : NULL;
}

static const char **
field_slot(SmsEvRec *r, guint i)
{
	const char **slots[] = { &r->site, &r->component, &r->event, &r->job, &r->job_name,
		&r->package, &r->server, &r->machine, &r->domain, &r->user, &r->detail };
	return slots[i];
}

static gboolean
parse_line(SmsEvLog *log, Cursor *c, GString *key, GString *val, GError **error)
{
	SmsEvRec r = { .time = SMS_TIME_NONE, .line = c->line };
	gboolean have_time = FALSE;
	skip_ws(c);
	if (c->p >= c->end || *c->p != '{')
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "expected '{' (one JSON object a line)");
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
	} else {
		for (;;) {
			gboolean is_null = FALSE, is_string;
			const char *vstart;
			skip_ws(c);
			if (!read_string(c, key, error))
				return FALSE;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "expected ':' after a key");
			c->p++;
			skip_ws(c);
			vstart = c->p;
			is_string = c->p < c->end && *c->p == '"';
			if (is_string ? !read_string(c, val, error)
			              : !read_scalar(c, val, &is_null, error))
				return FALSE;
			if (g_str_equal(key->str, "time")) {
				g_autoptr(GError) local = NULL;
				if (!is_string || !sms_time_parse(val->str, &r.time, &local)) {
					c->p = vstart;
					return cur_throw(c, error, SMS_EVLOG_ERROR_FIELD,
					                 "\"time\": expected \"YYYY-MM-DD HH:MM:SS\"");
				}
				have_time = TRUE;
			} else {
				for (guint i = 0; field_slot_name(i); i++) {
					if (!g_str_equal(key->str, field_slot_name(i)))
						continue;
					if (!is_string && !is_null) {
						g_autofree char *m = g_strdup_printf("\"%s\": expected a string",
						                                     key->str);
						c->p = vstart;
						return cur_throw(c, error, SMS_EVLOG_ERROR_FIELD, m);
					}
					*field_slot(&r, i) = is_null ? NULL : intern(log, val->str);
					break;
				}
			}
			skip_ws(c);
			if (c->p < c->end && *c->p == ',') {
				c->p++;
				continue;
			}
			if (c->p < c->end && *c->p == '}') {
				c->p++;
				break;
			}
			return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "expected ',' or '}'");
		}
	}
	skip_ws(c);
	if (c->p < c->end && *c->p != '\n')
		return cur_throw(c, error, SMS_EVLOG_ERROR_SYNTAX, "expected the end of the line after '}'");
	if (!have_time || r.event == NULL || r.site == NULL || r.component == NULL)
		return cur_throw(c, error, SMS_EVLOG_ERROR_FIELD,
		                 "expected the fields \"time\", \"site\", \"component\" and \"event\"");
	g_array_append_val(log->recs, r);
	return TRUE;
}

gboolean
sms_evlog_parse(const char *path, const char *data, gsize len, SmsEvLog **out,
                GError **error)
{
	g_autoptr(SmsEvLog) log = sms_evlog_new(path);
	g_autoptr(GString) key = g_string_new(NULL);
	g_autoptr(GString) val = g_string_new(NULL);
	Cursor c = { .p = data, .end = data + len, .path = path, .line = 0 };

	while (c.p < c.end) {
		const char *nl = memchr(c.p, '\n', (gsize)(c.end - c.p));
		const char *eol = nl ? nl : c.end;
		const char *q = c.p;
		c.line++;
		c.line_start = c.p;
		while (q < eol && g_ascii_isspace(*q))
			q++;
		if (q < eol) {
			Cursor lc = c;
			lc.end = eol;
			if (!parse_line(log, &lc, key, val, error))
				return FALSE;
		}
		c.p = nl ? nl + 1 : c.end;
	}
	*out = g_steal_pointer(&log);
	return TRUE;
}

gboolean
sms_evlog_load(const char *path, SmsEvLog **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_evlog_parse(path, data, len, out, error);
}

/* ---- the run model --------------------------------------------------------------- */

static const char *const state_names[SMS_RUN_N_STATES] = {
	"Pending", "Offered", "Countdown", "Executed", "Complete", "Retrying", "Expired",
};

const char *
sms_run_state_name(SmsRunState s)
{
	return s < SMS_RUN_N_STATES ? state_names[s] : "?";
}

gboolean
sms_run_state_parse(const char *name, SmsRunState *out)
{
	for (int i = 0; i < SMS_RUN_N_STATES; i++) {
		if (g_ascii_strcasecmp(name, state_names[i]) == 0) {
			*out = (SmsRunState)i;
			return TRUE;
		}
	}
	return FALSE;
}

static void
run_server_free(gpointer p)
{
	SmsRunServer *s = p;
	g_ptr_array_unref(s->marks);
	g_free(s);
}

static void
run_job_free(gpointer p)
{
	SmsRunJob *j = p;
	g_ptr_array_unref(j->ids);
	g_ptr_array_unref(j->history);
	g_ptr_array_unref(j->machines);
	g_hash_table_unref(j->machine_index);
	g_ptr_array_unref(j->servers);
	g_array_unref(j->samples);
	g_free(j);
}

void
sms_run_model_free(SmsRunModel *m)
{
	if (m == NULL)
		return;
	g_ptr_array_unref(m->jobs);
	g_hash_table_unref(m->job_index);
	g_hash_table_unref(m->domains);
	g_free(m);
}

SmsRunJob *
sms_run_model_job(SmsRunModel *m, const char *key_or_id)
{
	SmsRunJob *j = g_hash_table_lookup(m->job_index, key_or_id);
	if (j)
		return j;
	for (guint i = 0; i < m->jobs->len; i++) {
		j = m->jobs->pdata[i];
		if (g_ascii_strcasecmp(j->key, key_or_id) == 0)
			return j;
	}
	return NULL;
}

static SmsRunJob *
job_for(SmsRunModel *m, const SmsEvRec *r)
{
	const char *key = sms_evrec_job_key(r);
	SmsRunJob *j = g_hash_table_lookup(m->job_index, key);
	if (j == NULL && r->job)
		j = g_hash_table_lookup(m->job_index, r->job);
	if (j == NULL) {
		j = g_new0(SmsRunJob, 1);
		j->key = key;
		j->name = r->job_name;
		j->ids = g_ptr_array_new();
		j->site = r->site;
		j->activated = SMS_TIME_NONE;
		j->status_time = SMS_TIME_NONE;
		j->history = g_ptr_array_new();
		j->machines = g_ptr_array_new_with_free_func(g_free);
		j->machine_index = g_hash_table_new(g_str_hash, g_str_equal);
		j->servers = g_ptr_array_new_with_free_func(run_server_free);
		j->samples = g_array_new(FALSE, TRUE, sizeof(SmsRunSample));
		g_ptr_array_add(m->jobs, j);
		g_hash_table_insert(m->job_index, (gpointer)key, j);
	}
	if (r->job && !g_ptr_array_find_with_equal_func(j->ids, r->job, g_str_equal, NULL)) {
		g_ptr_array_add(j->ids, (gpointer)r->job);
		g_hash_table_insert(m->job_index, (gpointer)r->job, j);
	}
	if (j->package == NULL && r->package)
		j->package = r->package;
	return j;
}

static SmsRunMachine *
machine_for(SmsRunModel *m, SmsRunJob *j, const SmsEvRec *r)
{
	SmsRunMachine *k = g_hash_table_lookup(j->machine_index, r->machine);
	if (k == NULL) {
		k = g_new0(SmsRunMachine, 1);
		k->machine = r->machine;
		k->domain = g_hash_table_lookup(m->domains, r->machine);
		k->site = r->site;
		k->offered = k->countdown = k->executed = k->status_time = SMS_TIME_NONE;
		k->state = SMS_RUN_PENDING;
		g_ptr_array_add(j->machines, k);
		g_hash_table_insert(j->machine_index, (gpointer)r->machine, k);
	}
	return k;
}

static SmsRunServer *
server_for(SmsRunJob *j, const SmsEvRec *r)
{
	SmsRunServer *s;
	for (guint i = 0; i < j->servers->len; i++) {
		s = j->servers->pdata[i];
		if (g_strcmp0(s->server, r->server) == 0 && g_strcmp0(s->site, r->site) == 0)
			return s;
	}
	s = g_new0(SmsRunServer, 1);
	s->server = r->server;
	s->site = r->site;
	s->marks = g_ptr_array_new();
	s->first_locked = s->revoked = s->disconnected = s->installed = s->failed = SMS_TIME_NONE;
	g_ptr_array_add(j->servers, s);
	return s;
}

static void
set_state(SmsRunJob *j, SmsRunMachine *k, SmsRunState st, SmsTime t, gboolean fresh)
{
	SmsRunSample *last;
	if (!fresh && k->state == st)
		return;
	if (j->samples->len == 0 || g_array_index(j->samples, SmsRunSample, j->samples->len - 1).time
	                            != t) {
		SmsRunSample s = { .time = t };
		if (j->samples->len > 0)
			memcpy(s.counts, g_array_index(j->samples, SmsRunSample, j->samples->len - 1).counts,
			       sizeof s.counts);
		g_array_append_val(j->samples, s);
	}
	last = &g_array_index(j->samples, SmsRunSample, j->samples->len - 1);
	if (!fresh)
		last->counts[k->state]--;
	last->counts[st]++;
	k->state = st;
}

static void
machine_event(SmsRunModel *m, SmsRunJob *j, const SmsEvRec *r)
{
	gboolean fresh = !g_hash_table_contains(j->machine_index, r->machine);
	SmsRunMachine *k = machine_for(m, j, r);
	const char *e = r->event;
	if (fresh)
		set_state(j, k, SMS_RUN_PENDING, r->time, TRUE);
	if (g_str_equal(e, "pcm.offered")) {
		if (k->offered == SMS_TIME_NONE)
			k->offered = r->time;
		if (k->state < SMS_RUN_OFFERED)
			set_state(j, k, SMS_RUN_OFFERED, r->time, FALSE);
	} else if (g_str_equal(e, "pcm.countdown")) {
		k->countdown = r->time;
		set_state(j, k, SMS_RUN_COUNTDOWN, r->time, FALSE);
	} else if (g_str_equal(e, "pcm.executed")) {
		k->executed = r->time;
		k->result = r->detail;
		if (r->server)
			k->server = r->server;
		set_state(j, k, SMS_RUN_EXECUTED, r->time, FALSE);
	} else if (g_str_equal(e, "pcm.expired")) {
		set_state(j, k, SMS_RUN_EXPIRED, r->time, FALSE);
	} else if (g_str_equal(e, "status.received")) {
		k->status_time = r->time;
		if (g_strcmp0(r->detail, "Failed") == 0)
			set_state(j, k, SMS_RUN_RETRYING, r->time, FALSE);
		else if (g_strcmp0(r->detail, "Expired") == 0)
			set_state(j, k, SMS_RUN_EXPIRED, r->time, FALSE);
		else
			set_state(j, k, SMS_RUN_COMPLETE, r->time, FALSE);
	} else if (g_str_equal(e, "ins.written") && k->state == SMS_RUN_COMPLETE) {
		/* a repeat or a resend: the computer is pending again */
		set_state(j, k, SMS_RUN_PENDING, r->time, FALSE);
	}
}

static gboolean
is_server_mark(const char *e)
{
	static const char *const marks[] = { "distribute.locked", "share.access_revoked",
		"distribute.forced_warning", "distribute.forced_disconnect", "distribute.installed",
		"share.access_restored", "distribute.failed", "distribute.partial",
		"distribute.error", "package.removed", NULL };
	for (const char *const *p = marks; *p; p++)
		if (g_str_equal(*p, e))
			return TRUE;
	return FALSE;
}

static void
server_event(SmsRunJob *j, const SmsEvRec *r)
{
	SmsRunServer *s = server_for(j, r);
	const char *e = r->event;
	g_ptr_array_add(s->marks, (gpointer)r);
	if (g_str_equal(e, "distribute.locked")) {
		/* detail = the retry count: 0 at the first attempt */
		guint64 n = r->detail ? g_ascii_strtoull(r->detail, NULL, 10) : 0;
		if (s->first_locked == SMS_TIME_NONE || n == 0)
			s->first_locked = r->time;
		s->retries = (guint)n;
		s->state = "Retrying";
	} else if (g_str_equal(e, "share.access_revoked")) {
		s->revoked = r->time;
	} else if (g_str_equal(e, "distribute.forced_disconnect")) {
		if (s->disconnected == SMS_TIME_NONE)
			s->disconnected = r->time;
	} else if (g_str_equal(e, "distribute.installed") || g_str_equal(e, "package.removed")) {
		s->installed = r->time;
		s->state = "Complete";
	} else if (g_str_equal(e, "distribute.failed")) {
		s->failed = r->time;
		s->state = "Failed";
	}
}

SmsRunModel *
sms_run_model_new(SmsEvLog *log)
{
	SmsRunModel *m = g_new0(SmsRunModel, 1);
	m->log = log;
	m->jobs = g_ptr_array_new_with_free_func(run_job_free);
	m->job_index = g_hash_table_new(g_str_hash, g_str_equal);
	m->domains = g_hash_table_new(g_str_hash, g_str_equal);
	m->first = m->last = SMS_TIME_NONE;
	for (guint i = 0; i < log->recs->len; i++) {
		const SmsEvRec *r = &g_array_index(log->recs, SmsEvRec, i);
		SmsRunJob *j;
		if (m->first == SMS_TIME_NONE || r->time < m->first)
			m->first = r->time;
		if (m->last == SMS_TIME_NONE || r->time > m->last)
			m->last = r->time;
		if (r->machine && r->domain)
			g_hash_table_insert(m->domains, (gpointer)r->machine, (gpointer)r->domain);
		if (r->job == NULL && r->job_name == NULL)
			continue;
		j = job_for(m, r);
		j->events++;
		if (g_str_equal(r->event, "job.activated") && j->activated == SMS_TIME_NONE)
			j->activated = r->time;
		if (g_str_equal(r->event, "job.status")) {
			j->status = r->detail;
			j->status_time = r->time;
			g_ptr_array_add(j->history, (gpointer)r);
		} else if (g_str_has_prefix(r->event, "job.") || g_str_has_prefix(r->event, "operator.")) {
			g_ptr_array_add(j->history, (gpointer)r);
		}
		if (r->server && is_server_mark(r->event))
			server_event(j, r);
		else if (r->machine && (g_str_has_prefix(r->event, "pcm.") ||
		                        g_str_equal(r->event, "status.received") ||
		                        g_str_equal(r->event, "ins.written")))
			machine_event(m, j, r);
	}
	/* domains learnt after a machine's first job event */
	for (guint i = 0; i < m->jobs->len; i++) {
		SmsRunJob *j = m->jobs->pdata[i];
		for (guint k = 0; k < j->machines->len; k++) {
			SmsRunMachine *x = j->machines->pdata[k];
			if (x->domain == NULL)
				x->domain = g_hash_table_lookup(m->domains, x->machine);
		}
	}
	return m;
}

char *
sms_run_duration_str(SmsTime seconds)
{
	gint64 min = seconds / 60;
	gboolean neg = min < 0;
	if (neg)
		min = -min;
	if (min < 60)
		return g_strdup_printf("%s%" G_GINT64_FORMAT " min", neg ? "-" : "", min);
	if (min < 24 * 60)
		return g_strdup_printf("%s%" G_GINT64_FORMAT " h %02d min", neg ? "-" : "", min / 60,
		                       (int)(min % 60));
	return g_strdup_printf("%s%" G_GINT64_FORMAT " d %02d h %02d min", neg ? "-" : "",
	                       min / 1440, (int)(min / 60 % 24), (int)(min % 60));
}
