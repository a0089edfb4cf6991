/* scenario.c -- scenario files (see scenario.h). */
#include "scenario.h"
#include "ini.h"
#include "job.h"
#include "query.h"
#include "reg.h"

G_DEFINE_QUARK(sms-scenario-error-quark, sms_scenario_error)

static void
pkg_free(gpointer p)
{
	SmsScnPackage *x = p;
	g_free(x->name); g_free(x->site); g_free(x->pdf); g_free(x->source);
	g_free(x->server_source); g_free(x);
}

static void
job_free(gpointer p)
{
	SmsScnJob *x = p;
	g_free(x->name); g_free(x->site);
	g_ptr_array_unref(x->keys); g_ptr_array_unref(x->values); g_array_unref(x->lines);
	g_free(x);
}

static void
lock_free(gpointer p)
{
	SmsScnLock *x = p;
	g_free(x->name); g_free(x->server); g_free(x->package); g_free(x->file);
	g_free(x->user); g_free(x->workstation); g_free(x->share); g_free(x);
}

static void
outcome_free(gpointer p)
{
	SmsScnOutcome *x = p;
	g_free(x->name); g_free(x->job); g_ptr_array_unref(x->workstations);
	g_free(x->status_mif); g_free(x);
}

static void
event_free(gpointer p)
{
	SmsScnEvent *x = p;
	g_free(x->name); g_free(x->arg1); g_free(x->arg2); g_free(x);
}

static void
expect_free(gpointer p)
{
	SmsScnExpect *x = p;
	g_free(x->name); g_free(x->job); g_free(x->server); g_free(x->event);
	g_free(x->machines); g_free(x->status); g_free(x);
}

void
sms_scenario_free(SmsScenario *s)
{
	if (s == NULL)
		return;
	g_free(s->path);
	sms_world_def_free(s->world);
	g_ptr_array_unref(s->packages);
	g_ptr_array_unref(s->jobs);
	g_ptr_array_unref(s->locks);
	g_ptr_array_unref(s->outcomes);
	g_ptr_array_unref(s->events);
	g_ptr_array_unref(s->expects);
	g_free(s);
}

static gboolean
get_time(SmsIni *ini, SmsIniSection *sec, const char *key, gboolean required,
         gboolean allow_never, SmsTime *out, GError **error)
{
	const char *v = sms_ini_section_get(sec, key);
	g_autoptr(GError) local = NULL;
	if (v == NULL || *v == '\0') {
		if (required)
			return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_MISSING_KEY,
			                     "[%s]: missing %s (expected YYYY-MM-DD HH:MM)", sec->name, key);
		*out = SMS_TIME_NONE;
		return TRUE;
	}
	if (allow_never && sms_str_equal_ci(v, "never")) {
		*out = SMS_TIME_NEVER;
		return TRUE;
	}
	if (!sms_time_parse(v, out, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, key), SMS_INI_ERROR_BAD_VALUE,
		                     "%s: %s", key, local->message);
	return TRUE;
}

static char *
name_of(SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *n = g_strstrip(g_strdup(arg));
	if (*n == '\0') {
		sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		              "[%s]: expected a name after the section kind", sec->name);
		return NULL;
	}
	return g_steal_pointer(&n);
}

static gboolean
parse_package(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *dir = sms_ini_dir(ini);
	const char *site, *pdf, *v;
	SmsScnPackage *p;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	p = g_new0(SmsScnPackage, 1);
	p->name = name;
	p->line = sec->line;
	g_ptr_array_add(s->packages, p);
	if (!sms_ini_require(ini, sec, "Site", &site, error) ||
	    !sms_ini_require(ini, sec, "PDF", &pdf, error))
		return FALSE;
	p->site = sms_strup(site);
	p->pdf = sms_resolve_path(dir, pdf);
	if ((v = sms_ini_section_get(sec, "Source")) && *v)
		p->source = sms_resolve_path(dir, v);
	if ((v = sms_ini_section_get(sec, "ServerSource")) && *v)
		p->server_source = sms_resolve_path(dir, v);
	if (!g_file_test(p->pdf, G_FILE_TEST_IS_REGULAR))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "PDF"), SMS_INI_ERROR_BAD_VALUE,
		                     "PDF: %s: no such file", p->pdf);
	return sms_ini_section_check_unused(ini, sec, "Site, PDF, Source, ServerSource", error);
}

static gboolean
parse_job(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	SmsScnJob *j;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	j = g_new0(SmsScnJob, 1);
	j->name = name;
	j->line = sec->line;
	j->keys = g_ptr_array_new_with_free_func(g_free);
	j->values = g_ptr_array_new_with_free_func(g_free);
	j->lines = g_array_new(FALSE, FALSE, sizeof(int));
	g_ptr_array_add(s->jobs, j);
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (sms_str_equal_ci(e->name, "Site")) {
			e->used = TRUE;
			g_free(j->site);
			j->site = sms_strup(e->value);
			continue;
		}
		/* validated by sms_job_from_props() when the job is created */
		e->used = TRUE;
		g_ptr_array_add(j->keys, g_strdup(e->name));
		g_ptr_array_add(j->values, g_strdup(e->value));
		g_array_append_val(j->lines, e->line);
	}
	if (j->site == NULL || *j->site == '\0')
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_MISSING_KEY,
		                     "[%s]: missing Site (the originating site)", sec->name);
	return TRUE;
}

static gboolean
parse_lock(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	const char *server, *file, *user, *v;
	SmsScnLock *l;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	l = g_new0(SmsScnLock, 1);
	l->name = name;
	l->line = sec->line;
	g_ptr_array_add(s->locks, l);
	if (!sms_ini_require(ini, sec, "Server", &server, error) ||
	    !sms_ini_require(ini, sec, "File", &file, error) ||
	    !sms_ini_require(ini, sec, "User", &user, error))
		return FALSE;
	l->server = sms_strup(server);
	l->file = g_strdup(file);
	l->user = g_strdup(user);
	if ((v = sms_ini_section_get(sec, "Package")) && *v)
		l->package = g_strdup(v);
	if ((v = sms_ini_section_get(sec, "Share")) && *v)
		l->share = g_strdup(v);
	if (l->package == NULL && l->share == NULL)
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_MISSING_KEY,
		                     "[%s]: expected Package= (or Share=)", sec->name);
	if ((v = sms_ini_section_get(sec, "Workstation")) && *v)
		l->workstation = sms_strup(v);
	if (!sms_path_is_safe_relative(l->file))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "File"), SMS_INI_ERROR_BAD_VALUE,
		                     "File: expected a path inside the package directory, got '%s'",
		                     l->file);
	if (!get_time(ini, sec, "From", TRUE, FALSE, &l->from, error) ||
	    !get_time(ini, sec, "Until", FALSE, TRUE, &l->until, error))
		return FALSE;
	if (l->until == SMS_TIME_NONE)
		l->until = SMS_TIME_NEVER;
	if (l->until != SMS_TIME_NEVER && l->until <= l->from)
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Until"),
		                     SMS_INI_ERROR_BAD_VALUE, "Until: must be later than From");
	return sms_ini_section_check_unused(ini, sec,
		"Server, Package, Share, File, User, Workstation, From, Until", error);
}

static gboolean
parse_outcome(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *dir = sms_ini_dir(ini);
	const char *job, *v;
	gint64 n;
	SmsScnOutcome *o;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	o = g_new0(SmsScnOutcome, 1);
	o->name = name;
	o->line = sec->line;
	g_ptr_array_add(s->outcomes, o);
	if (!sms_ini_require(ini, sec, "Job", &job, error))
		return FALSE;
	o->job = g_strdup(job);
	v = sms_ini_section_get(sec, "Workstations");
	if (v == NULL || *v == '\0' || g_strcmp0(g_strstrip((char *)v), "*") == 0) {
		o->workstations = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(o->workstations, g_strdup("*"));
	} else {
		g_autoptr(GError) local = NULL;
		if (!sms_expand_names(v, &o->workstations, NULL, &local))
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Workstations"),
			                     SMS_INI_ERROR_BAD_VALUE, "Workstations: %s", local->message);
	}
	if (!sms_ini_get_int(ini, sec, "Duration", 0, 100000, 5, &n, error))
		return FALSE;
	o->duration = (int)n;
	if (!sms_ini_get_int(ini, sec, "ExitCode", -255, 255, 0, &n, error))
		return FALSE;
	o->exit_code = (int)n;
	if ((v = sms_ini_section_get(sec, "StatusMIF")) && *v) {
		o->status_mif = sms_resolve_path(dir, v);
		if (!g_file_test(o->status_mif, G_FILE_TEST_IS_REGULAR))
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "StatusMIF"),
			                     SMS_INI_ERROR_BAD_VALUE, "StatusMIF: %s: no such file",
			                     o->status_mif);
	}
	return sms_ini_section_check_unused(ini, sec, "Job, Workstations, Duration, ExitCode, "
	                                    "StatusMIF", error);
}

static gboolean
parse_event(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *dir = sms_ini_dir(ini);
	const char *action;
	g_auto(GStrv) words = NULL;
	SmsScnEvent *e;
	int line;
	guint n;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	e = g_new0(SmsScnEvent, 1);
	e->name = name;
	e->line = sec->line;
	g_ptr_array_add(s->events, e);
	if (!get_time(ini, sec, "At", TRUE, FALSE, &e->at, error) ||
	    !sms_ini_require(ini, sec, "Action", &action, error))
		return FALSE;
	line = sms_ini_key_line(sec, "Action");
	words = g_strsplit_set(action, " \t", -1);
	{
		/* drop empty words */
		char **w = words, **o = words;
		for (; *w; w++) {
			if (**w)
				*o++ = *w;
			else
				g_free(*w);
		}
		*o = NULL;
	}
	n = g_strv_length(words);
	if (n == 3 && sms_str_equal_ci(words[0], "Cancel") && sms_str_equal_ci(words[1], "Job")) {
		e->kind = SMS_SCN_CANCEL_JOB;
		e->arg1 = g_strdup(words[2]);
	} else if (n == 3 && sms_str_equal_ci(words[1], "Despooler") &&
	           (sms_str_equal_ci(words[0], "Pause") || sms_str_equal_ci(words[0], "Continue"))) {
		e->kind = sms_str_equal_ci(words[0], "Pause") ? SMS_SCN_PAUSE_DESPOOLER
		                                               : SMS_SCN_CONTINUE_DESPOOLER;
		e->arg1 = sms_strup(words[2]);
	} else if (n == 4 && sms_str_equal_ci(words[0], "Import") &&
	           sms_str_equal_ci(words[1], "Registry")) {
		e->kind = SMS_SCN_IMPORT_REGISTRY;
		e->arg1 = sms_strup(words[2]);
		e->arg2 = sms_resolve_path(dir, words[3]);
		if (!g_file_test(e->arg2, G_FILE_TEST_IS_REGULAR))
			return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
			                     "Action: %s: no such registry file", e->arg2);
	} else if ((n == 2 || n == 3) && sms_str_equal_ci(words[0], "Logon")) {
		e->kind = SMS_SCN_LOGON;
		e->arg1 = sms_strup(words[1]);
		e->arg2 = n == 3 ? g_strdup(words[2]) : NULL;
	} else if (n == 4 && sms_str_equal_ci(words[0], "Update") &&
	           sms_str_equal_ci(words[1], "Package")) {
		e->kind = SMS_SCN_UPDATE_PACKAGE;
		e->arg1 = g_strdup(words[2]);
		e->arg2 = sms_resolve_path(dir, words[3]);
		if (!g_file_test(e->arg2, G_FILE_TEST_IS_DIR))
			return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
			                     "Action: %s: no such source directory", e->arg2);
	} else {
		return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
		                     "Action: '%s' is not one of: Cancel Job NAME | Pause Despooler SITE"
		                     " | Continue Despooler SITE | Import Registry SERVER FILE.reg | "
		                     "Logon WORKSTATION [USER] | Update Package NAME DIR", action);
	}
	return sms_ini_section_check_unused(ini, sec, "At, Action", error);
}

static gboolean
valid_event_name(const char *v)
{
	gsize n = strlen(v);
	if (n == 0 || !g_ascii_islower(v[0]))
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		if (v[i] == '*' && i == n - 1)
			return TRUE;
		if (!g_ascii_islower(v[i]) && !g_ascii_isdigit(v[i]) && v[i] != '_' && v[i] != '.')
			return FALSE;
	}
	return strchr(v, '.') != NULL;
}

/* [Expect NAME]: Job, Server, Event, Machines, Status, At | Before / After, Count, Never */
static gboolean
parse_expect(SmsScenario *s, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	static const char *const job_states[] = { "Pending", "Active", "Cancelled", "Complete",
		"Failed", "Retrying", NULL };
	static const char *const machine_states[] = { "Pending", "Offered", "Countdown",
		"Executed", "Complete", "Retrying", "Expired", NULL };
	static const char *const server_states[] = { "Complete", "Retrying", "Failed", NULL };
	const char *const *states;
	const char *v;
	gint64 n;
	SmsScnExpect *x;
	char *name = name_of(ini, sec, arg, error);
	if (name == NULL)
		return FALSE;
	x = g_new0(SmsScnExpect, 1);
	x->name = name;
	x->line = sec->line;
	x->count = -1;
	g_ptr_array_add(s->expects, x);
	if ((v = sms_ini_section_get(sec, "Job")) && *v)
		x->job = g_strdup(v);
	if ((v = sms_ini_section_get(sec, "Server")) && *v)
		x->server = sms_strup(v);
	if ((v = sms_ini_section_get(sec, "Machines")) && *v)
		x->machines = sms_strup(v);
	if ((v = sms_ini_section_get(sec, "Event")) && *v) {
		if (!valid_event_name(v))
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Event"),
			                     SMS_INI_ERROR_BAD_VALUE, "Event: expected an event name "
			                     "such as distribute.forced_disconnect (or distribute.*), "
			                     "got '%s'", v);
		x->event = g_strdup(v);
	}
	if (!get_time(ini, sec, "At", FALSE, FALSE, &x->at, error) ||
	    !get_time(ini, sec, "Before", FALSE, FALSE, &x->before, error) ||
	    !get_time(ini, sec, "After", FALSE, FALSE, &x->after, error) ||
	    !sms_ini_get_bool(ini, sec, "Never", FALSE, &x->never, error))
		return FALSE;
	if ((v = sms_ini_section_get(sec, "Count")) && *v) {
		if (!sms_ini_get_int(ini, sec, "Count", 0, G_MAXINT32, 0, &n, error))
			return FALSE;
		x->count = n;
	}
	if (x->at != SMS_TIME_NONE && (x->before != SMS_TIME_NONE || x->after != SMS_TIME_NONE))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "At"), SMS_INI_ERROR_BAD_VALUE,
		                     "[%s]: At= excludes Before= and After=", sec->name);
	if (x->before != SMS_TIME_NONE && x->after != SMS_TIME_NONE && x->before <= x->after)
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Before"),
		                     SMS_INI_ERROR_BAD_VALUE, "Before: must be later than After");
	if (x->never && x->count >= 0)
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Never"),
		                     SMS_INI_ERROR_BAD_VALUE, "[%s]: Never=yes excludes Count=",
		                     sec->name);
	if ((v = sms_ini_section_get(sec, "Status")) && *v) {
		states = x->machines ? machine_states : x->server ? server_states : job_states;
		for (const char *const *p = states; *p; p++)
			if (sms_str_equal_ci(*p, v))
				x->status = g_strdup(*p);
		if (x->status == NULL) {
			g_autofree char *list = g_strjoinv(", ", (char **)states);
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Status"),
			                     SMS_INI_ERROR_BAD_VALUE, "Status: expected one of %s (a %s's "
			                     "status), got '%s'", list, x->machines ? "computer" :
			                     x->server ? "distribution server" : "job", v);
		}
		if (x->job == NULL)
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Status"),
			                     SMS_INI_ERROR_MISSING_KEY, "[%s]: Status= needs Job=",
			                     sec->name);
		if (x->event)
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Status"),
			                     SMS_INI_ERROR_BAD_VALUE, "[%s]: expected Event= or Status=, "
			                     "not both", sec->name);
		if (x->never)
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Never"),
			                     SMS_INI_ERROR_BAD_VALUE, "[%s]: Never=yes goes with Event=",
			                     sec->name);
		if ((x->machines || x->server) && (x->at != SMS_TIME_NONE ||
		    x->before != SMS_TIME_NONE || x->after != SMS_TIME_NONE))
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Status"),
			                     SMS_INI_ERROR_BAD_VALUE, "[%s]: the final Status= of computers "
			                     "or of a server takes no time (At=, Before=, After= go with "
			                     "Event= or a job's Status=)", sec->name);
	} else if (x->event == NULL) {
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_MISSING_KEY,
		                     "[%s]: expected Event= (what must happen) or Status= (how a job, "
		                     "its computers or a server end)", sec->name);
	}
	return sms_ini_section_check_unused(ini, sec, "Job, Server, Event, Machines, Status, At, "
	                                    "Before, After, Count, Never", error);
}

static gint
event_cmp(gconstpointer a, gconstpointer b)
{
	const SmsScnEvent *x = *(SmsScnEvent *const *)a, *y = *(SmsScnEvent *const *)b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->line - y->line;
}

static gboolean
scn_throw(GError **error, SmsScenario *s, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
scn_throw(GError **error, SmsScenario *s, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_SCENARIO_ERROR, SMS_SCENARIO_ERROR_INVALID, "%s:%d: %s", s->path,
	            line, msg);
	return FALSE;
}

static gboolean
has_workstation(SmsScenario *s, const char *name)
{
	for (guint i = 0; i < s->world->workstations->len; i++)
		if (sms_str_equal_ci(((SmsWorkstationDef *)s->world->workstations->pdata[i])->name,
		                     name))
			return TRUE;
	return FALSE;
}


/* "A01, B01" / "WKS0001, WKS0002, ... (2000 in all)": the names a reference could have
 * named, for the error message. */
static char *
known_names(GPtrArray *items, gsize name_offset)
{
	GString *out = g_string_new(NULL);
	guint n = items->len, shown = MIN(n, 8);
	for (guint i = 0; i < shown; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "",
		                       *(char **)((char *)items->pdata[i] + name_offset));
	if (n > shown)
		g_string_append_printf(out, ", ... (%u in all)", n);
	if (n == 0)
		g_string_append(out, "none");
	return g_string_free(out, FALSE);
}

#define KNOWN(arr, type) known_names((arr), G_STRUCT_OFFSET(type, name))

static char *
known_sites(SmsScenario *s)
{
	return known_names(s->world->sites, G_STRUCT_OFFSET(SmsSiteDef, code));
}

static gboolean
has_wildcard(const char *s)
{
	return strchr(s, '*') != NULL || strchr(s, '?') != NULL;
}

/* Target= of a job: the site, domain and computer of a machine path, a machine group and
 * a query must name what the scenario has. */
static gboolean
check_target(SmsScenario *s, SmsScnJob *j, const char *v, int line, GError **error)
{
	g_autofree char *val = g_strstrip(g_strdup(v));
	const char *colon = strchr(val, ':');
	g_autofree char *kind = colon ? g_strstrip(g_strndup(val, colon - val)) : NULL;
	g_autofree char *rest = colon ? g_strstrip(g_strdup(colon + 1)) : NULL;
	if (kind == NULL)
		return TRUE;   /* sms_job_from_props says what is expected */
	if (sms_str_equal_ci(kind, "Machine Path")) {
		g_auto(GStrv) parts = g_strsplit(rest, "|", -1);
		if (g_strv_length(parts) != 3)
			return TRUE;
		for (int i = 0; i < 3; i++)
			g_strstrip(parts[i]);
		if (!has_wildcard(parts[0]) && *parts[0] && !sms_world_def_site(s->world, parts[0])) {
			g_autofree char *known = known_sites(s);
			return scn_throw(error, s, line, "[Job %s] Target: no site '%s' in the scenario "
			                 "(known: %s)", j->name, parts[0], known);
		}
		if (!has_wildcard(parts[1]) && *parts[1] && !sms_world_def_domain(s->world, parts[1])) {
			g_autofree char *known = KNOWN(s->world->domains, SmsDomainDef);
			return scn_throw(error, s, line, "[Job %s] Target: no domain '%s' in the scenario "
			                 "(known: %s)", j->name, parts[1], known);
		}
		if (!has_wildcard(parts[2]) && *parts[2] && !has_workstation(s, parts[2])) {
			g_autofree char *known = KNOWN(s->world->workstations, SmsWorkstationDef);
			return scn_throw(error, s, line, "[Job %s] Target: no workstation '%s' in the "
			                 "scenario (known: %s)", j->name, parts[2], known);
		}
	} else if (sms_str_equal_ci(kind, "Machine Group")) {
		gboolean found = FALSE;
		for (guint i = 0; i < s->world->groups->len; i++) {
			SmsGroupDef *g = s->world->groups->pdata[i];
			if (g_strcmp0(g->name, rest) == 0 && sms_str_equal_ci(g->site, j->site))
				found = TRUE;
		}
		if (!found) {
			g_autofree char *known = KNOWN(s->world->groups, SmsGroupDef);
			return scn_throw(error, s, line, "[Job %s] Target: no [MachineGroup %s] at site "
			                 "%s (known: %s)", j->name, rest, j->site, known);
		}
	} else if (sms_str_equal_ci(kind, "Query") && *rest) {
		g_autoptr(GError) local = NULL;
		g_autoptr(SmsQuery) q = sms_query_parse(rest, &local);
		if (q == NULL)
			return scn_throw(error, s, line, "[Job %s] Target: %s", j->name, local->message);
	}
	return TRUE;
}

/* A registry file a server starts with or an event imports: it must read, and the SMS
 * settings in it must be values SMS could hold. */
static gboolean
check_registry(SmsScenario *s, const char *file, int line, const char *what, GError **error)
{
	g_autoptr(SmsReg) reg = NULL;
	g_autoptr(GError) local = NULL;
	if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
		return scn_throw(error, s, line, "%s: %s: no such registry file", what, file);
	if (!sms_reg_load(file, &reg, &local) || !sms_reg_check_settings(reg, file, &local))
		return scn_throw(error, s, line, "%s: %s", what, local->message);
	return TRUE;
}

/* Is rel (a path inside a package directory, either separator) a file under dir?
 * Matched case-insensitively, as on the FAT and NTFS shares of SMS servers. */
static gboolean
file_in_dir(const char *dir, const char *rel)
{
	g_auto(GStrv) parts = g_strsplit_set(rel, "/\\", -1);
	g_autofree char *cur = g_strdup(dir);
	for (char **p = parts; *p; p++) {
		g_autofree char *child = NULL;
		char *next;
		if (**p == '\0')
			continue;
		child = sms_find_child_ci(cur, *p);
		if (child == NULL)
			return FALSE;
		next = g_build_filename(cur, child, NULL);
		g_free(cur);
		cur = next;
	}
	return g_file_test(cur, G_FILE_TEST_IS_REGULAR);
}

static gboolean
cross_check(SmsScenario *s, GError **error)
{
	g_autoptr(GPtrArray) pkg_dirs = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < s->world->servers->len; i++) {
		SmsServerDef *sv = s->world->servers->pdata[i];
		g_autofree char *what = g_strdup_printf("[Server %s] Registry", sv->name);
		if (sv->registry && !check_registry(s, sv->registry, sv->line, what, error))
			return FALSE;
	}
	for (guint i = 0; i < s->world->groups->len; i++) {
		SmsGroupDef *g = s->world->groups->pdata[i];
		for (guint k = 0; k < g->members->len; k++) {
			if (!has_workstation(s, g->members->pdata[k])) {
				g_autofree char *known = KNOWN(s->world->workstations, SmsWorkstationDef);
				return scn_throw(error, s, g->line, "[MachineGroup %s] Members: no workstation "
				                 "'%s' in the scenario (known: %s)", g->name,
				                 (char *)g->members->pdata[k], known);
			}
		}
	}
	for (guint i = 0; i < s->packages->len; i++) {
		SmsScnPackage *p = s->packages->pdata[i];
		g_autoptr(GError) local = NULL;
		g_autofree char *src = NULL;
		g_autofree char *ssrc = NULL;
		if (!sms_world_def_site(s->world, p->site)) {
			g_autofree char *known = known_sites(s);
			return scn_throw(error, s, p->line, "package %s: unknown site '%s' (known: %s)",
			                 p->name, p->site, known);
		}
		for (guint j = 0; j < i; j++)
			if (sms_str_equal_ci(((SmsScnPackage *)s->packages->pdata[j])->name, p->name))
				return scn_throw(error, s, p->line, "package %s defined twice", p->name);
		if (!sms_package_check(p->pdf, p->source, p->server_source, &src, &ssrc, &local))
			return scn_throw(error, s, p->line, "[Package %s]: %s", p->name, local->message);
		/* where a [Lock] File= is looked for: the Sharing source, else the Workstations one */
		g_ptr_array_add(pkg_dirs, g_strdup(ssrc ? ssrc : src));
	}
	for (guint i = 0; i < s->jobs->len; i++) {
		SmsScnJob *j = s->jobs->pdata[i];
		if (!sms_world_def_site(s->world, j->site)) {
			g_autofree char *known = known_sites(s);
			return scn_throw(error, s, j->line, "job %s: unknown site '%s' (known: %s)",
			                 j->name, j->site, known);
		}
		for (guint k = 0; k < i; k++)
			if (sms_str_equal_ci(((SmsScnJob *)s->jobs->pdata[k])->name, j->name))
				return scn_throw(error, s, j->line, "job %s defined twice", j->name);
		for (guint k = 0; k < j->keys->len; k++) {
			const char *key = j->keys->pdata[k], *val = j->values->pdata[k];
			int line = g_array_index(j->lines, int, k);
			if (sms_str_equal_ci(key, "Package") && !sms_scenario_package(s, val)) {
				g_autofree char *known = KNOWN(s->packages, SmsScnPackage);
				return scn_throw(error, s, line, "Package: no [Package %s] in the scenario "
				                 "(known: %s)", val, known);
			}
			if (sms_str_equal_ci(key, "Target") && !check_target(s, j, val, line, error))
				return FALSE;
			if (sms_str_equal_ci(key, "LimitToSite") && *val &&
			    !sms_world_def_site(s->world, val)) {
				g_autofree char *known = known_sites(s);
				return scn_throw(error, s, line, "LimitToSite: no site '%s' in the scenario "
				                 "(known: %s)", val, known);
			}
		}
	}
	for (guint i = 0; i < s->locks->len; i++) {
		SmsScnLock *l = s->locks->pdata[i];
		if (!sms_world_def_server(s->world, l->server))
			return scn_throw(error, s, l->line, "lock %s: unknown server '%s'", l->name,
			                 l->server);
		if (l->package && !sms_scenario_package(s, l->package)) {
			g_autofree char *known = KNOWN(s->packages, SmsScnPackage);
			return scn_throw(error, s, l->line, "lock %s: no [Package %s] in the scenario "
			                 "(known: %s)", l->name, l->package, known);
		}
		if (l->package) {
			const char *dir = NULL;
			for (guint k = 0; k < s->packages->len; k++)
				if (sms_str_equal_ci(((SmsScnPackage *)s->packages->pdata[k])->name,
				                     l->package))
					dir = pkg_dirs->pdata[k];
			if (dir && !file_in_dir(dir, l->file))
				return scn_throw(error, s, l->line, "lock %s: File=%s is not a file of package "
				                 "%s (its source is %s)", l->name, l->file, l->package, dir);
		}
		if (l->workstation && !has_workstation(s, l->workstation))
			return scn_throw(error, s, l->line, "lock %s: unknown workstation '%s'", l->name,
			                 l->workstation);
	}
	for (guint i = 0; i < s->outcomes->len; i++) {
		SmsScnOutcome *o = s->outcomes->pdata[i];
		if (!sms_scenario_job(s, o->job))
			return scn_throw(error, s, o->line, "outcome %s: no [Job %s] in the scenario",
			                 o->name, o->job);
		for (guint k = 0; k < o->workstations->len; k++) {
			const char *w = o->workstations->pdata[k];
			if (g_strcmp0(w, "*") != 0 && !has_workstation(s, w))
				return scn_throw(error, s, o->line, "outcome %s: unknown workstation '%s'",
				                 o->name, w);
		}
	}
	for (guint i = 0; i < s->expects->len; i++) {
		SmsScnExpect *x = s->expects->pdata[i];
		gboolean any = FALSE;
		if (x->job && !sms_scenario_job(s, x->job))
			return scn_throw(error, s, x->line, "expect %s: no [Job %s] in the scenario",
			                 x->name, x->job);
		if (x->server && !sms_world_def_server(s->world, x->server))
			return scn_throw(error, s, x->line, "expect %s: unknown server '%s'", x->name,
			                 x->server);
		for (guint k = 0; x->machines && k < s->world->workstations->len && !any; k++)
			any = sms_scenario_name_matches(x->machines,
				((SmsWorkstationDef *)s->world->workstations->pdata[k])->name);
		if (x->machines && !any)
			return scn_throw(error, s, x->line, "expect %s: Machines=%s matches no "
			                 "workstation of the scenario", x->name, x->machines);
		for (guint k = 0; k < i; k++)
			if (sms_str_equal_ci(((SmsScnExpect *)s->expects->pdata[k])->name, x->name))
				return scn_throw(error, s, x->line, "expect %s defined twice", x->name);
	}
	for (guint i = 0; i < s->events->len; i++) {
		SmsScnEvent *e = s->events->pdata[i];
		switch (e->kind) {
		case SMS_SCN_CANCEL_JOB:
			if (!sms_scenario_job(s, e->arg1))
				return scn_throw(error, s, e->line, "event %s: no [Job %s]", e->name, e->arg1);
			break;
		case SMS_SCN_PAUSE_DESPOOLER:
		case SMS_SCN_CONTINUE_DESPOOLER:
			if (!sms_world_def_site(s->world, e->arg1))
				return scn_throw(error, s, e->line, "event %s: unknown site '%s'", e->name,
				                 e->arg1);
			break;
		case SMS_SCN_IMPORT_REGISTRY:
			if (!sms_world_def_server(s->world, e->arg1)) {
				g_autofree char *known = KNOWN(s->world->servers, SmsServerDef);
				return scn_throw(error, s, e->line, "event %s: unknown server '%s' (known: "
				                 "%s)", e->name, e->arg1, known);
			}
			if (!check_registry(s, e->arg2, e->line, "Import Registry", error))
				return FALSE;
			break;
		case SMS_SCN_UPDATE_PACKAGE:
			if (!sms_scenario_package(s, e->arg1))
				return scn_throw(error, s, e->line, "event %s: no [Package %s]", e->name,
				                 e->arg1);
			break;
		case SMS_SCN_LOGON:
			if (!has_workstation(s, e->arg1))
				return scn_throw(error, s, e->line, "event %s: unknown workstation '%s'",
				                 e->name, e->arg1);
			break;
		}
	}
	return TRUE;
}

gboolean
sms_scenario_parse(const char *path, const char *data, gsize len, SmsScenario **out,
                   GError **error)
{
	static const struct {
		const char *kind;
		gboolean (*parse)(SmsScenario *, SmsIni *, SmsIniSection *, const char *, GError **);
	} kinds[] = {
		{ "Package", parse_package }, { "Job", parse_job }, { "Lock", parse_lock },
		{ "Outcome", parse_outcome }, { "Event", parse_event }, { "Expect", parse_expect },
	};
	g_autoptr(SmsIni) ini = sms_ini_parse(path, data, len, error);
	g_autoptr(SmsScenario) s = NULL;
	SmsIniSection *head;

	if (ini == NULL)
		return FALSE;
	s = g_new0(SmsScenario, 1);
	s->path = g_strdup(path);
	s->world = sms_world_def_new(path);
	s->packages = g_ptr_array_new_with_free_func(pkg_free);
	s->jobs = g_ptr_array_new_with_free_func(job_free);
	s->locks = g_ptr_array_new_with_free_func(lock_free);
	s->outcomes = g_ptr_array_new_with_free_func(outcome_free);
	s->events = g_ptr_array_new_with_free_func(event_free);
	s->expects = g_ptr_array_new_with_free_func(expect_free);

	head = sms_ini_find(ini, "Scenario");
	if (head == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "no [Scenario] section (expected Start=YYYY-MM-DD HH:MM)");
	head->used = TRUE;
	if (!get_time(ini, head, "Start", TRUE, FALSE, &s->start, error) ||
	    !get_time(ini, head, "Until", FALSE, FALSE, &s->until, error) ||
	    !sms_ini_section_check_unused(ini, head, "Start, Until", error))
		return FALSE;
	if (!sms_world_def_parse_sections(s->world, ini, error))
		return FALSE;
	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *sec = ini->sections->pdata[i];
		if (sec->used)
			continue;
		for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
			const char *arg = sms_ini_section_arg(sec, kinds[k].kind);
			if (arg == NULL)
				continue;
			sec->used = TRUE;
			if (!kinds[k].parse(s, ini, sec, arg, error))
				return FALSE;
			break;
		}
		if (!sec->used)
			return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_UNKNOWN_SECTION,
			                     "unknown section [%s] (expected Scenario, Site, Domain, Server,"
			                     " Workstations, MachineGroup, Package, Job, Lock, Outcome, "
			                     "Event, Expect)", sec->name);
	}
	for (guint i = 1; i < ini->sections->len; i++) {
		SmsIniSection *sec = ini->sections->pdata[i];
		if (sms_str_equal_ci(sec->name, "Scenario"))
			return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_DUPLICATE,
			                     "second [Scenario] section");
	}
	if (!sms_world_def_validate(s->world, error))
		return FALSE;
	if (s->world->addresses->len > 0)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_BAD_VALUE,
		                     "[Address] sections belong in a site.ini, not in a scenario "
		                     "(the simulator places every site root itself)");
	for (guint i = 0; i < s->world->sites->len; i++) {
		SmsSiteDef *site = s->world->sites->pdata[i];
		if (site->parent && !sms_world_def_site(s->world, site->parent))
			return sms_ini_throw(error, ini, site->line, SMS_INI_ERROR_BAD_VALUE,
			                     "site %s: parent site '%s' is not in the scenario", site->code,
			                     site->parent);
		if (!sms_world_def_site_server(s->world, site->code))
			return sms_ini_throw(error, ini, site->line, SMS_INI_ERROR_MISSING_SECTION,
			                     "site %s has no [Server] with Roles=site", site->code);
	}
	if (s->until != SMS_TIME_NONE && s->until <= s->start)
		return sms_ini_throw(error, ini, sms_ini_key_line(head, "Until"),
		                     SMS_INI_ERROR_BAD_VALUE, "Until: must be later than Start");
	if (!cross_check(s, error))
		return FALSE;
	g_ptr_array_sort(s->events, event_cmp);
	*out = g_steal_pointer(&s);
	return TRUE;
}

gboolean
sms_scenario_load(const char *path, SmsScenario **out, GError **error)
{
	g_autofree char *data = NULL;
	g_autofree char *abs = g_canonicalize_filename(path, NULL);
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_scenario_parse(abs, data, len, out, error);
}

SmsScnJob *
sms_scenario_job(SmsScenario *s, const char *name)
{
	for (guint i = 0; i < s->jobs->len; i++)
		if (sms_str_equal_ci(((SmsScnJob *)s->jobs->pdata[i])->name, name))
			return s->jobs->pdata[i];
	return NULL;
}

SmsScnPackage *
sms_scenario_package(SmsScenario *s, const char *name)
{
	for (guint i = 0; i < s->packages->len; i++)
		if (sms_str_equal_ci(((SmsScnPackage *)s->packages->pdata[i])->name, name))
			return s->packages->pdata[i];
	return NULL;
}

static gboolean
glob_ci(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			if (p[1] == '\0')
				return TRUE;
			for (; *s; s++)
				if (glob_ci(p + 1, s))
					return TRUE;
			return FALSE;
		}
		if (*s == '\0' || (*p != '?' && g_ascii_toupper(*p) != g_ascii_toupper(*s)))
			return FALSE;
	}
	return *s == '\0';
}

gboolean
sms_scenario_name_matches(const char *patterns, const char *name)
{
	g_auto(GStrv) list = g_strsplit(patterns, ",", -1);
	for (char **p = list; *p; p++)
		if (glob_ci(g_strstrip(*p), name))
			return TRUE;
	return FALSE;
}
