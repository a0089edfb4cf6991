/* sitedef.c -- site.ini / scenario site sections (see sitedef.h). */
#include "sitedef.h"
#include "pdf.h"

#include <ctype.h>

G_DEFINE_QUARK(sms-sitedef-error-quark, sms_sitedef_error)

int
sms_response_poll_minutes(SmsResponse r)
{
	switch (r) {
	case SMS_RESPONSE_VERY_FAST: return 1;
	case SMS_RESPONSE_FAST: return 5;
	case SMS_RESPONSE_MEDIUM: return 15;
	case SMS_RESPONSE_SLOW: return 30;
	}
	return 5;
}

int
sms_response_retry_minutes(SmsResponse r)
{
	return 24 * sms_response_poll_minutes(r);
}

const char *
sms_response_name(SmsResponse r)
{
	switch (r) {
	case SMS_RESPONSE_VERY_FAST: return "Very Fast";
	case SMS_RESPONSE_FAST: return "Fast";
	case SMS_RESPONSE_MEDIUM: return "Medium";
	case SMS_RESPONSE_SLOW: return "Slow";
	}
	return "Fast";
}

gboolean
sms_response_parse(const char *s, SmsResponse *out)
{
	static const struct { const char *n; SmsResponse r; } names[] = {
		{ "Very Fast", SMS_RESPONSE_VERY_FAST }, { "VeryFast", SMS_RESPONSE_VERY_FAST },
		{ "Test", SMS_RESPONSE_VERY_FAST }, { "1", SMS_RESPONSE_VERY_FAST },
		{ "Fast", SMS_RESPONSE_FAST }, { "2", SMS_RESPONSE_FAST },
		{ "Medium", SMS_RESPONSE_MEDIUM }, { "3", SMS_RESPONSE_MEDIUM },
		{ "Slow", SMS_RESPONSE_SLOW }, { "4", SMS_RESPONSE_SLOW },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if (sms_str_equal_ci(s, names[i].n)) {
			*out = names[i].r;
			return TRUE;
		}
	}
	return FALSE;
}

static void
site_def_free(gpointer p)
{
	SmsSiteDef *s = p;
	g_free(s->code);
	g_free(s->name);
	g_free(s->parent);
	g_free(s->service_account);
	g_free(s->instruction_share);
	g_free(s);
}

static void
address_def_free(gpointer p)
{
	SmsAddressDef *a = p;
	g_free(a->code);
	g_free(a->root);
	g_free(a);
}

static void
domain_def_free(gpointer p)
{
	SmsDomainDef *d = p;
	g_free(d->name);
	g_free(d->site);
	g_ptr_array_unref(d->logon_servers);
	g_free(d);
}

static void
server_def_free(gpointer p)
{
	SmsServerDef *s = p;
	g_free(s->name);
	g_free(s->site);
	g_array_unref(s->drives);
	g_free(s->registry);
	g_free(s);
}

static void
wks_def_free(gpointer p)
{
	SmsWorkstationDef *w = p;
	g_free(w->name);
	g_free(w->domain);
	g_free(w->platform);
	g_free(w->user);
	g_free(w);
}

static void
group_def_free(gpointer p)
{
	SmsGroupDef *g = p;
	g_free(g->name);
	g_free(g->site);
	g_ptr_array_unref(g->members);
	g_free(g);
}

SmsWorldDef *
sms_world_def_new(const char *path)
{
	SmsWorldDef *w = g_new0(SmsWorldDef, 1);
	w->path = g_strdup(path);
	w->sites = g_ptr_array_new_with_free_func(site_def_free);
	w->addresses = g_ptr_array_new_with_free_func(address_def_free);
	w->domains = g_ptr_array_new_with_free_func(domain_def_free);
	w->servers = g_ptr_array_new_with_free_func(server_def_free);
	w->workstations = g_ptr_array_new_with_free_func(wks_def_free);
	w->groups = g_ptr_array_new_with_free_func(group_def_free);
	return w;
}

void
sms_world_def_free(SmsWorldDef *w)
{
	if (w == NULL)
		return;
	g_free(w->path);
	g_ptr_array_unref(w->sites);
	g_ptr_array_unref(w->addresses);
	g_ptr_array_unref(w->domains);
	g_ptr_array_unref(w->servers);
	g_ptr_array_unref(w->workstations);
	g_ptr_array_unref(w->groups);
	g_free(w);
}

static gboolean
valid_name(const char *s, gsize maxlen)
{
	gsize n = strlen(s);
	if (n == 0 || n > maxlen)
		return FALSE;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '$' && *p != '.')
			return FALSE;
	return TRUE;
}

static gboolean
valid_site_code(const char *s)
{
	if (strlen(s) != 3)
		return FALSE;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p))
			return FALSE;
	return TRUE;
}

static gboolean
parse_site(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *code = g_strstrip(sms_strup(arg));
	SmsSiteDef *s;
	const char *v;
	gint64 n;

	if (!valid_site_code(code))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		                     "[%s]: expected a 3-character alphanumeric site code", sec->name);
	if (sms_world_def_site(w, code))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_DUPLICATE,
		                     "site %s defined twice", code);
	s = g_new0(SmsSiteDef, 1);
	g_ptr_array_add(w->sites, s);
	s->code = g_steal_pointer(&code);
	s->line = sec->line;
	s->name = g_strdup((v = sms_ini_section_get(sec, "Name")) && *v ? v : s->code);
	v = sms_ini_section_get(sec, "Parent");
	s->parent = v && *v ? g_strstrip(sms_strup(v)) : NULL;
	s->response = SMS_RESPONSE_FAST;
	if ((v = sms_ini_section_get(sec, "Response")) && *v &&
	    !sms_response_parse(v, &s->response))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Response"),
		                     SMS_INI_ERROR_BAD_VALUE,
		                     "Response: '%s' is not one of Very Fast, Fast, Medium, Slow", v);
	v = sms_ini_section_get(sec, "ServiceAccount");
	s->service_account = g_strdup(v && *v ? v : "SMSSVC");
	if (!sms_ini_get_int(ini, sec, "PCMPollingInterval", 1, 10080, 60, &n, error))
		return FALSE;
	s->pcm_polling = (int)n;
	v = sms_ini_section_get(sec, "InstructionSharePoint");
	s->instruction_share = g_strdup(v && *v ? v : "pcins.box");
	if (!valid_name(s->instruction_share, 64))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "InstructionSharePoint"),
		                     SMS_INI_ERROR_BAD_VALUE,
		                     "InstructionSharePoint: expected a directory name, got '%s'",
		                     s->instruction_share);
	s->copy_mode = SMS_COPY_STAGED;
	if ((v = sms_ini_section_get(sec, "CopyMode")) && *v) {
		if (sms_str_equal_ci(v, "legacy"))
			s->copy_mode = SMS_COPY_LEGACY;
		else if (!sms_str_equal_ci(v, "staged"))
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "CopyMode"),
			                     SMS_INI_ERROR_BAD_VALUE,
			                     "CopyMode: expected staged or legacy, got '%s'", v);
	}
	/* ParentAddress= is shorthand for an [Address <parent>] section (site.ini). */
	if ((v = sms_ini_section_get(sec, "ParentAddress")) && *v) {
		SmsAddressDef *a;
		g_autofree char *dir = sms_ini_dir(ini);
		if (s->parent == NULL)
			return sms_ini_throw(error, ini, sms_ini_key_line(sec, "ParentAddress"),
			                     SMS_INI_ERROR_BAD_VALUE, "ParentAddress without Parent");
		a = g_new0(SmsAddressDef, 1);
		a->code = g_strdup(s->parent);
		a->root = sms_resolve_path(dir, v);
		a->line = sms_ini_key_line(sec, "ParentAddress");
		g_ptr_array_add(w->addresses, a);
	}
	return sms_ini_section_check_unused(ini, sec,
		"Name, Parent, ParentAddress, Response, ServiceAccount, PCMPollingInterval, "
		"InstructionSharePoint, CopyMode", error);
}

static gboolean
parse_address(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *code = g_strstrip(sms_strup(arg));
	g_autofree char *dir = sms_ini_dir(ini);
	const char *root;
	SmsAddressDef *a;

	if (!valid_site_code(code))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		                     "[%s]: expected a 3-character site code", sec->name);
	if (!sms_ini_require(ini, sec, "Root", &root, error))
		return FALSE;
	a = g_new0(SmsAddressDef, 1);
	a->code = g_steal_pointer(&code);
	a->root = sms_resolve_path(dir, root);
	a->line = sec->line;
	g_ptr_array_add(w->addresses, a);
	return sms_ini_section_check_unused(ini, sec, "Root", error);
}

static gboolean
parse_domain(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *name = g_strstrip(sms_strup(arg));
	const char *site, *v;
	g_auto(GStrv) list = NULL;
	SmsDomainDef *d;

	if (!valid_name(name, 15))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		                     "[%s]: expected a domain name (letters, digits, - _ $ .; at most 15)",
		                     sec->name);
	if (sms_world_def_domain(w, name))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_DUPLICATE,
		                     "domain %s defined twice", name);
	if (!sms_ini_require(ini, sec, "Site", &site, error))
		return FALSE;
	d = g_new0(SmsDomainDef, 1);
	g_ptr_array_add(w->domains, d);
	d->name = g_steal_pointer(&name);
	d->site = sms_strup(site);
	d->line = sec->line;
	d->logon_servers = g_ptr_array_new_with_free_func(g_free);
	if (!sms_ini_require(ini, sec, "LogonServers", &v, error))
		return FALSE;
	list = sms_ini_split_list(v);
	for (char **p = list; *p; p++)
		g_ptr_array_add(d->logon_servers, sms_strup(*p));
	if (d->logon_servers->len == 0)
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "LogonServers"),
		                     SMS_INI_ERROR_BAD_VALUE, "LogonServers: expected a server list");
	return sms_ini_section_check_unused(ini, sec, "Site, LogonServers", error);
}

static gboolean
parse_server(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	g_autofree char *name = g_strstrip(sms_strup(arg));
	const char *site, *v;
	g_auto(GStrv) roles = NULL;
	g_auto(GStrv) drives = NULL;
	SmsServerDef *s;
	int line;

	if (!valid_name(name, 15))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		                     "[%s]: expected a server name (letters, digits, - _; at most 15)",
		                     sec->name);
	if (sms_world_def_server(w, name))
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_DUPLICATE,
		                     "server %s defined twice", name);
	if (!sms_ini_require(ini, sec, "Site", &site, error))
		return FALSE;
	s = g_new0(SmsServerDef, 1);
	g_ptr_array_add(w->servers, s);
	s->name = g_steal_pointer(&name);
	s->site = sms_strup(site);
	s->line = sec->line;
	s->drives = g_array_new(FALSE, TRUE, sizeof(SmsDriveDef));
	if (!sms_ini_require(ini, sec, "Roles", &v, error))
		return FALSE;
	line = sms_ini_key_line(sec, "Roles");
	roles = sms_ini_split_list(v);
	for (char **p = roles; *p; p++) {
		if (sms_str_equal_ci(*p, "site") || sms_str_equal_ci(*p, "site server"))
			s->roles |= SMS_ROLE_SITE;
		else if (sms_str_equal_ci(*p, "logon") || sms_str_equal_ci(*p, "logon server"))
			s->roles |= SMS_ROLE_LOGON;
		else if (sms_str_equal_ci(*p, "distribution") ||
		         sms_str_equal_ci(*p, "distribution server"))
			s->roles |= SMS_ROLE_DISTRIBUTION;
		else
			return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
			                     "Roles: unknown role '%s' (expected site, logon, distribution)",
			                     *p);
	}
	if (!sms_ini_require(ini, sec, "Drives", &v, error))
		return FALSE;
	line = sms_ini_key_line(sec, "Drives");
	drives = sms_ini_split_list(v);
	for (char **p = drives; *p; p++) {
		SmsDriveDef d = { 0 };
		const char *colon = strchr(*p, ':');
		char *fs;
		g_autoptr(GError) local = NULL;
		if (colon == NULL || colon != *p + 1 || !g_ascii_isalpha(**p))
			return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
			                     "Drives: expected LETTER:MEGABYTES[:NTFS|FAT|HPFS], got "
			                     "'%s'", *p);
		d.letter = g_ascii_toupper(**p);
		/* C:2000:FAT -- the file system (NTFS when not given): the Despooler prefers
		 * NTFS drives for packages */
		if ((fs = strchr(colon + 1, ':')) != NULL) {
			*fs++ = '\0';
			g_strstrip(fs);
			if (g_ascii_strcasecmp(fs, "NTFS") == 0)
				d.fs = SMS_FS_NTFS;
			else if (g_ascii_strcasecmp(fs, "FAT") == 0)
				d.fs = SMS_FS_FAT;
			else if (g_ascii_strcasecmp(fs, "HPFS") == 0)
				d.fs = SMS_FS_HPFS;
			else
				return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
				                     "Drives: file system of %c: expected NTFS, FAT or HPFS, "
				                     "got '%s'", d.letter, fs);
		}
		if (!sms_parse_int(g_strstrip((char *)colon + 1), 1, G_GINT64_CONSTANT(1) << 40,
		                   &d.capacity_mb, &local))
			return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
			                     "Drives: capacity of %c: %s", d.letter, local->message);
		for (guint i = 0; i < s->drives->len; i++)
			if (g_array_index(s->drives, SmsDriveDef, i).letter == d.letter)
				return sms_ini_throw(error, ini, line, SMS_INI_ERROR_DUPLICATE,
				                     "Drives: drive %c: listed twice", d.letter);
		g_array_append_val(s->drives, d);
	}
	if (s->drives->len == 0)
		return sms_ini_throw(error, ini, line, SMS_INI_ERROR_BAD_VALUE,
		                     "Drives: expected at least one drive");
	if ((v = sms_ini_section_get(sec, "Registry")) && *v) {
		g_autofree char *dir = sms_ini_dir(ini);
		s->registry = sms_resolve_path(dir, v);
	}
	return sms_ini_section_check_unused(ini, sec, "Site, Roles, Drives, Registry", error);
}

gboolean
sms_expand_names(const char *spec, GPtrArray **out_names, GArray **out_numbers, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) numbers = g_array_new(FALSE, FALSE, sizeof(int));
	g_auto(GStrv) items = sms_ini_split_list(spec);

	for (char **p = items; *p; p++) {
		char *dash = strchr(*p, '-');
		/* A range is PREFIXnnn-PREFIXmmm with equal prefixes and digit widths. */
		if (dash) {
			g_autofree char *a = g_strstrip(g_strndup(*p, dash - *p));
			g_autofree char *b = g_strstrip(g_strdup(dash + 1));
			gsize la = strlen(a), lb = strlen(b), da = 0, db = 0;
			while (da < la && g_ascii_isdigit(a[la - 1 - da]))
				da++;
			while (db < lb && g_ascii_isdigit(b[lb - 1 - db]))
				db++;
			if (da > 0 && db > 0 && la - da == lb - db &&
			    g_ascii_strncasecmp(a, b, la - da) == 0 && da <= 9) {
				gint64 from = g_ascii_strtoll(a + la - da, NULL, 10);
				gint64 to = g_ascii_strtoll(b + lb - db, NULL, 10);
				g_autofree char *prefix = sms_strup(a);
				prefix[la - da] = '\0';
				if (to < from || to - from > 1000000)
					return sms_throw(error, SMS_ERROR_INVALID,
					                 "range '%s': expected FIRST-LAST with LAST >= FIRST", *p);
				for (gint64 n = from; n <= to; n++) {
					int num = (int)n;
					g_ptr_array_add(names, g_strdup_printf("%s%0*" G_GINT64_FORMAT, prefix,
					                                       (int)da, n));
					g_array_append_val(numbers, num);
				}
				continue;
			}
		}
		{
			int num = -1;
			if (!valid_name(*p, 15))
				return sms_throw(error, SMS_ERROR_INVALID,
				                 "'%s' is not a computer name or a range NAME001-NAME099", *p);
			g_ptr_array_add(names, sms_strup(*p));
			g_array_append_val(numbers, num);
		}
	}
	*out_names = g_steal_pointer(&names);
	if (out_numbers)
		*out_numbers = g_steal_pointer(&numbers);
	return TRUE;
}

/* Expand "user%04d" with the range number. Only one %d-style conversion is allowed. */
static char *
expand_user(const char *fmt, int number, const char *machine)
{
	GString *out = g_string_new(NULL);
	for (const char *p = fmt; *p; p++) {
		if (*p == '%' && p[1] == '%') {
			g_string_append_c(out, '%');
			p++;
		} else if (*p == '%') {
			int width = 0;
			gboolean zero = FALSE;
			p++;
			if (*p == '0') {
				zero = TRUE;
				p++;
			}
			while (g_ascii_isdigit(*p))
				width = width * 10 + (*p++ - '0');
			if (*p == 'd')
				g_string_append_printf(out, zero ? "%0*d" : "%*d", width, number < 0 ? 0 : number);
			else if (*p == 's')
				g_string_append(out, machine);
			else
				break;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

static gboolean
parse_workstations(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg,
                   GError **error)
{
	const char *domain, *names, *platform, *v;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GArray) numbers = NULL;
	g_autoptr(GError) local = NULL;
	SmsTime logon_at = SMS_TIME_NONE;
	gint64 offset;
	const char *user_fmt;

	if (!sms_ini_require(ini, sec, "Domain", &domain, error) ||
	    !sms_ini_require(ini, sec, "Names", &names, error))
		return FALSE;
	platform = sms_ini_section_get(sec, "Platform");
	if (platform == NULL || *platform == '\0')
		platform = "Windows NT (x86)";
	if (sms_platform_from_name(platform) == 0)
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Platform"),
		                     SMS_INI_ERROR_BAD_VALUE,
		                     "Platform: '%s' is not a platform SMS 1.x knew (expected MS-DOS, "
		                     "MS-DOS 5.0, MS-DOS 6.x, Windows 3.1, Windows95, Windows NT (x86), "
		                     "Windows NT (MIPS), Windows NT (Alpha) or Macintosh; SMS 1.2 SDK, "
		                     "Package Definition File format)", platform);
	user_fmt = sms_ini_section_get(sec, "User");
	if ((v = sms_ini_section_get(sec, "LogonAt")) && *v && !sms_time_parse(v, &logon_at, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "LogonAt"),
		                     SMS_INI_ERROR_BAD_VALUE, "LogonAt: %s", local->message);
	if (!sms_ini_get_int(ini, sec, "ClockOffset", -100000, 100000, 0, &offset, error))
		return FALSE;
	if (!sms_expand_names(names, &list, &numbers, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Names"),
		                     SMS_INI_ERROR_BAD_VALUE, "Names: %s", local->message);
	for (guint i = 0; i < list->len; i++) {
		SmsWorkstationDef *d = g_new0(SmsWorkstationDef, 1);
		d->name = g_strdup(list->pdata[i]);
		d->domain = sms_strup(domain);
		d->platform = g_strdup(platform);
		d->number = g_array_index(numbers, int, i);
		d->user = user_fmt && *user_fmt ? expand_user(user_fmt, d->number, d->name) : NULL;
		d->logon_at = logon_at;
		d->clock_offset = (int)offset;
		d->line = sec->line;
		g_ptr_array_add(w->workstations, d);
	}
	(void)arg;
	return sms_ini_section_check_unused(ini, sec,
		"Domain, Names, Platform, User, LogonAt, ClockOffset", error);
}

static gboolean
parse_group(SmsWorldDef *w, SmsIni *ini, SmsIniSection *sec, const char *arg, GError **error)
{
	const char *site, *members;
	g_autoptr(GError) local = NULL;
	g_autoptr(GPtrArray) list = NULL;
	SmsGroupDef *g;

	if (*arg == '\0')
		return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_BAD_VALUE,
		                     "[MachineGroup]: expected [MachineGroup NAME]");
	if (!sms_ini_require(ini, sec, "Site", &site, error))
		return FALSE;
	members = sms_ini_section_get(sec, "Members");
	if (!sms_expand_names(members ? members : "", &list, NULL, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Members"),
		                     SMS_INI_ERROR_BAD_VALUE, "Members: %s", local->message);
	g = g_new0(SmsGroupDef, 1);
	g->name = g_strstrip(g_strdup(arg));
	g->site = sms_strup(site);
	g->members = g_steal_pointer(&list);
	g->line = sec->line;
	g_ptr_array_add(w->groups, g);
	return sms_ini_section_check_unused(ini, sec, "Site, Members", error);
}

gboolean
sms_world_def_parse_sections(SmsWorldDef *w, SmsIni *ini, GError **error)
{
	static const struct {
		const char *kind;
		gboolean (*parse)(SmsWorldDef *, SmsIni *, SmsIniSection *, const char *, GError **);
	} kinds[] = {
		{ "Site", parse_site }, { "Address", parse_address }, { "Domain", parse_domain },
		{ "Server", parse_server }, { "Workstations", parse_workstations },
		{ "MachineGroup", parse_group },
	};

	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *sec = ini->sections->pdata[i];
		for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
			const char *arg = sms_ini_section_arg(sec, kinds[k].kind);
			if (arg == NULL)
				continue;
			sec->used = TRUE;
			if (!kinds[k].parse(w, ini, sec, arg, error))
				return FALSE;
			break;
		}
	}
	return TRUE;
}

static gboolean
def_throw(GError **error, SmsWorldDef *w, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
def_throw(GError **error, SmsWorldDef *w, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_SITEDEF_ERROR, SMS_SITEDEF_ERROR_INVALID, "%s:%d: %s", w->path,
	            line, msg);
	return FALSE;
}

gboolean
sms_world_def_validate(SmsWorldDef *w, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (w->sites->len == 0) {
		g_set_error(error, SMS_SITEDEF_ERROR, SMS_SITEDEF_ERROR_MISSING,
		            "%s: no [Site CODE] section", w->path);
		return FALSE;
	}
	for (guint i = 0; i < w->sites->len; i++) {
		SmsSiteDef *s = w->sites->pdata[i];
		if (s->parent && g_strcmp0(s->parent, s->code) == 0)
			return def_throw(error, w, s->line, "site %s is its own parent", s->code);
		/* no cycles among the sites we know */
		for (SmsSiteDef *p = s; p && p->parent; ) {
			SmsSiteDef *next = sms_world_def_site(w, p->parent);
			if (next == s)
				return def_throw(error, w, s->line, "site %s: parent chain loops", s->code);
			p = next;
		}
		if (sms_world_def_site_server(w, s->code) == NULL && w->servers->len > 0)
			return def_throw(error, w, s->line, "site %s has no server with Roles=site",
			                 s->code);
	}
	for (guint i = 0; i < w->domains->len; i++) {
		SmsDomainDef *d = w->domains->pdata[i];
		if (!sms_world_def_site(w, d->site))
			return def_throw(error, w, d->line, "domain %s: unknown site '%s'", d->name,
			                 d->site);
		for (guint j = 0; j < d->logon_servers->len; j++) {
			SmsServerDef *s = sms_world_def_server(w, d->logon_servers->pdata[j]);
			if (s == NULL)
				return def_throw(error, w, d->line, "domain %s: unknown logon server '%s'",
				                 d->name, (char *)d->logon_servers->pdata[j]);
			if (!(s->roles & SMS_ROLE_LOGON))
				return def_throw(error, w, d->line,
				                 "domain %s: server %s does not have Roles=logon", d->name,
				                 s->name);
			if (g_strcmp0(s->site, d->site) != 0)
				return def_throw(error, w, d->line,
				                 "domain %s: logon server %s belongs to site %s, not %s",
				                 d->name, s->name, s->site, d->site);
		}
	}
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *s = w->servers->pdata[i];
		if (!sms_world_def_site(w, s->site))
			return def_throw(error, w, s->line, "server %s: unknown site '%s'", s->name,
			                 s->site);
	}
	for (guint i = 0; i < w->workstations->len; i++) {
		SmsWorkstationDef *d = w->workstations->pdata[i];
		if (!sms_world_def_domain(w, d->domain)) {
			g_autoptr(GString) known = g_string_new(NULL);
			for (guint j = 0; j < w->domains->len; j++)
				g_string_append_printf(known, "%s%s", j ? ", " : "",
				                       ((SmsDomainDef *)w->domains->pdata[j])->name);
			return def_throw(error, w, d->line, "workstation %s: unknown domain '%s' (known: "
			                 "%s)", d->name, d->domain, known->len ? known->str : "none");
		}
		if (g_hash_table_contains(seen, d->name))
			return def_throw(error, w, d->line, "workstation %s is listed twice", d->name);
		g_hash_table_add(seen, d->name);
	}
	for (guint i = 0; i < w->groups->len; i++) {
		SmsGroupDef *g = w->groups->pdata[i];
		if (!sms_world_def_site(w, g->site))
			return def_throw(error, w, g->line, "machine group %s: unknown site '%s'",
			                 g->name, g->site);
	}
	return TRUE;
}

gboolean
sms_site_ini_load(const char *path, SmsWorldDef **out, GError **error)
{
	g_autoptr(SmsIni) ini = sms_ini_load(path, error);
	g_autoptr(SmsWorldDef) w = NULL;

	if (ini == NULL)
		return FALSE;
	w = sms_world_def_new(path);
	if (!sms_world_def_parse_sections(w, ini, error))
		return FALSE;
	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *sec = ini->sections->pdata[i];
		if (!sec->used)
			return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_UNKNOWN_SECTION,
			                     "unknown section [%s] (a site.ini has [Site CODE], [Address "
			                     "CODE], [Domain], [Server], [Workstations], [MachineGroup])",
			                     sec->name);
	}
	if (w->sites->len != 1) {
		g_set_error(error, SMS_SITEDEF_ERROR, SMS_SITEDEF_ERROR_MISSING,
		            "%s: expected exactly one [Site CODE] section, found %u", path,
		            w->sites->len);
		return FALSE;
	}
	if (!sms_world_def_validate(w, error))
		return FALSE;
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *s = w->servers->pdata[i];
		SmsSiteDef *site = w->sites->pdata[0];
		if (g_strcmp0(s->site, site->code) != 0)
			return def_throw(error, w, s->line, "server %s belongs to site %s, not %s",
			                 s->name, s->site, site->code);
	}
	if (sms_world_def_site_server(w, ((SmsSiteDef *)w->sites->pdata[0])->code) == NULL) {
		g_set_error(error, SMS_SITEDEF_ERROR, SMS_SITEDEF_ERROR_MISSING,
		            "%s: no [Server] with Roles=site", path);
		return FALSE;
	}
	*out = g_steal_pointer(&w);
	return TRUE;
}

static void
append_range_or_list(GString *out, GPtrArray *names)
{
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "", (char *)names->pdata[i]);
}

char *
sms_world_def_to_site_ini(SmsWorldDef *w, const char *code)
{
	GString *out = g_string_new("; site.ini -- written by smsemu; see smsemu-site.ini(5)\n");
	SmsSiteDef *s = sms_world_def_site(w, code);

	g_return_val_if_fail(s != NULL, NULL);
	g_string_append_printf(out, "\n[Site %s]\nName=%s\nParent=%s\nResponse=%s\n"
	                       "ServiceAccount=%s\nPCMPollingInterval=%d\nInstructionSharePoint=%s\n"
	                       "CopyMode=%s\n", s->code, s->name, s->parent ? s->parent : "",
	                       sms_response_name(s->response), s->service_account, s->pcm_polling,
	                       s->instruction_share,
	                       s->copy_mode == SMS_COPY_LEGACY ? "legacy" : "staged");
	for (guint i = 0; i < w->addresses->len; i++) {
		SmsAddressDef *a = w->addresses->pdata[i];
		if (g_strcmp0(a->code, code) != 0)
			g_string_append_printf(out, "\n[Address %s]\nRoot=%s\n", a->code, a->root);
	}
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *sv = w->servers->pdata[i];
		if (g_strcmp0(sv->site, code) != 0)
			continue;
		g_string_append_printf(out, "\n[Server %s]\nSite=%s\nRoles=", sv->name, sv->site);
		{
			const char *sep = "";
			if (sv->roles & SMS_ROLE_SITE) { g_string_append_printf(out, "%ssite", sep); sep = ", "; }
			if (sv->roles & SMS_ROLE_LOGON) { g_string_append_printf(out, "%slogon", sep); sep = ", "; }
			if (sv->roles & SMS_ROLE_DISTRIBUTION) g_string_append_printf(out, "%sdistribution", sep);
		}
		g_string_append(out, "\nDrives=");
		for (guint j = 0; j < sv->drives->len; j++) {
			SmsDriveDef *d = &g_array_index(sv->drives, SmsDriveDef, j);
			g_string_append_printf(out, "%s%c:%" G_GINT64_FORMAT "%s", j ? ", " : "",
			                       d->letter, d->capacity_mb,
			                       d->fs == SMS_FS_FAT ? ":FAT" : d->fs == SMS_FS_HPFS ? ":HPFS"
			                                                                    : "");
		}
		g_string_append_c(out, '\n');
	}
	for (guint i = 0; i < w->domains->len; i++) {
		SmsDomainDef *d = w->domains->pdata[i];
		g_autoptr(GPtrArray) names = g_ptr_array_new();
		if (g_strcmp0(d->site, code) != 0)
			continue;
		g_string_append_printf(out, "\n[Domain %s]\nSite=%s\nLogonServers=", d->name, d->site);
		append_range_or_list(out, d->logon_servers);
		g_string_append_c(out, '\n');
		/* one [Workstations] section per (domain, platform, user?, offset) run */
		for (guint j = 0; j < w->workstations->len; j++) {
			SmsWorkstationDef *k = w->workstations->pdata[j];
			if (g_strcmp0(k->domain, d->name) != 0)
				continue;
			g_string_append_printf(out, "\n[Workstations %s]\nDomain=%s\nNames=%s\n"
			                       "Platform=%s\n", k->name, d->name, k->name, k->platform);
			if (k->user)
				g_string_append_printf(out, "User=%s\n", k->user);
			if (k->clock_offset)
				g_string_append_printf(out, "ClockOffset=%d\n", k->clock_offset);
		}
	}
	for (guint i = 0; i < w->groups->len; i++) {
		SmsGroupDef *g = w->groups->pdata[i];
		if (g_strcmp0(g->site, code) != 0)
			continue;
		g_string_append_printf(out, "\n[MachineGroup %s]\nSite=%s\nMembers=", g->name, g->site);
		append_range_or_list(out, g->members);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

SmsSiteDef *
sms_world_def_site(SmsWorldDef *w, const char *code)
{
	for (guint i = 0; i < w->sites->len; i++) {
		SmsSiteDef *s = w->sites->pdata[i];
		if (sms_str_equal_ci(s->code, code))
			return s;
	}
	return NULL;
}

SmsServerDef *
sms_world_def_server(SmsWorldDef *w, const char *name)
{
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *s = w->servers->pdata[i];
		if (sms_str_equal_ci(s->name, name))
			return s;
	}
	return NULL;
}

SmsDomainDef *
sms_world_def_domain(SmsWorldDef *w, const char *name)
{
	for (guint i = 0; i < w->domains->len; i++) {
		SmsDomainDef *d = w->domains->pdata[i];
		if (sms_str_equal_ci(d->name, name))
			return d;
	}
	return NULL;
}

const char *
sms_world_def_address(SmsWorldDef *w, const char *code)
{
	for (guint i = 0; i < w->addresses->len; i++) {
		SmsAddressDef *a = w->addresses->pdata[i];
		if (sms_str_equal_ci(a->code, code))
			return a->root;
	}
	return NULL;
}

SmsServerDef *
sms_world_def_site_server(SmsWorldDef *w, const char *code)
{
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *s = w->servers->pdata[i];
		if (sms_str_equal_ci(s->site, code) && (s->roles & SMS_ROLE_SITE))
			return s;
	}
	return NULL;
}
