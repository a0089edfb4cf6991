/* pdf.c -- Package Definition Files (see pdf.h). */
#include "pdf.h"
#include "ini.h"

G_DEFINE_QUARK(sms-pdf-error-quark, sms_pdf_error)

guint32
sms_platform_from_name(const char *name)
{
	g_autofree char *n = g_ascii_strdown(name, -1);
	g_strstrip(n);
	if (strstr(n, "macintosh") || g_str_equal(n, "mac"))
		return SMS_PLATFORM_MACINTOSH;
	if (g_str_has_prefix(n, "windows nt") || g_str_has_prefix(n, "winnt")) {
		if (strstr(n, "mips"))
			return SMS_PLATFORM_WIN32_MIPS;
		if (strstr(n, "alpha"))
			return SMS_PLATFORM_WIN32_ALPHA;
		return SMS_PLATFORM_WIN32_X86;   /* "(x86)" or unqualified */
	}
	if (g_str_has_prefix(n, "windows95") || g_str_has_prefix(n, "windows 95") ||
	    g_str_equal(n, "win95"))
		return SMS_PLATFORM_WIN95;
	if (g_str_has_prefix(n, "windows 3") || g_str_has_prefix(n, "windows for workgroups") ||
	    g_str_equal(n, "win16") || g_str_equal(n, "windows"))
		return SMS_PLATFORM_WIN16;
	if (g_str_has_prefix(n, "ms-dos") || g_str_has_prefix(n, "msdos") ||
	    g_str_has_prefix(n, "dos")) {
		if (strstr(n, "5."))
			return SMS_PLATFORM_DOS5;
		if (strstr(n, "6."))
			return SMS_PLATFORM_DOS6;
		return SMS_PLATFORM_MSDOS;
	}
	return 0;
}

char *
sms_platform_mask_to_string(guint32 mask)
{
	static const struct { guint32 bit; const char *name; } names[] = {
		{ SMS_PLATFORM_MSDOS, "MS-DOS" }, { SMS_PLATFORM_DOS5, "MS-DOS 5.0" },
		{ SMS_PLATFORM_DOS6, "MS-DOS 6.x" }, { SMS_PLATFORM_WIN16, "Windows 3.1" },
		{ SMS_PLATFORM_WIN95, "Windows 95" }, { SMS_PLATFORM_WIN32_X86, "Windows NT (x86)" },
		{ SMS_PLATFORM_WIN32_MIPS, "Windows NT (MIPS)" },
		{ SMS_PLATFORM_WIN32_ALPHA, "Windows NT (Alpha)" },
		{ SMS_PLATFORM_MACINTOSH, "Macintosh" },
	};
	GString *s = g_string_new(NULL);
	guint32 left = mask;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if ((left & names[i].bit) == names[i].bit) {
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", names[i].name);
			left &= ~names[i].bit;
		}
	}
	return g_string_free(s, FALSE);
}

static void
cmd_free(gpointer p)
{
	SmsPdfCommand *c = p;
	g_free(c->variation); g_free(c->name); g_free(c->command_line); g_free(c);
}

static void
item_free(gpointer p)
{
	SmsPdfProgramItem *i = p;
	g_free(i->description); g_free(i->command_line); g_free(i->drive_mode); g_free(i);
}

void
sms_pdf_free(SmsPdf *pdf)
{
	if (pdf == NULL)
		return;
	g_free(pdf->path); g_free(pdf->pdf_version); g_free(pdf->product); g_free(pdf->version);
	g_free(pdf->comment); g_free(pdf->import_directory); g_free(pdf->setup_directory);
	g_free(pdf->share_name);
	g_ptr_array_unref(pdf->commands);
	g_ptr_array_unref(pdf->program_items);
	g_ptr_array_unref(pdf->inventory_rules);
	g_ptr_array_unref(pdf->warnings);
	g_free(pdf);
}

static gboolean
pdf_bool(SmsIni *ini, SmsIniSection *sec, const char *key, gboolean def, gboolean *out,
         GError **error)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, key);
	if (e == NULL || *e->value == '\0') {
		*out = def;
		return TRUE;
	}
	if (sms_str_equal_ci(e->value, "TRUE") || sms_str_equal_ci(e->value, "YES") ||
	    g_str_equal(e->value, "1")) {
		*out = TRUE;
		return TRUE;
	}
	if (sms_str_equal_ci(e->value, "FALSE") || sms_str_equal_ci(e->value, "NO") ||
	    g_str_equal(e->value, "0")) {
		*out = FALSE;
		return TRUE;
	}
	return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE,
	                     "%s: expected TRUE or FALSE, got '%s'", key, e->value);
}

static guint
parse_access(const char *v)
{
	g_auto(GStrv) items = sms_ini_split_list(v);
	guint bits = 0;
	for (char **p = items; *p; p++) {
		if (sms_str_equal_ci(*p, "UserRead")) bits |= SMS_ACCESS_USER_READ;
		else if (sms_str_equal_ci(*p, "UserWrite")) bits |= SMS_ACCESS_USER_WRITE;
		else if (sms_str_equal_ci(*p, "GuestRead")) bits |= SMS_ACCESS_GUEST_READ;
		else if (sms_str_equal_ci(*p, "GuestWrite")) bits |= SMS_ACCESS_GUEST_WRITE;
		else return G_MAXUINT;
	}
	return bits;
}

static void
warn_unused(SmsPdf *pdf, SmsIni *ini, SmsIniSection *sec)
{
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (!e->used)
			g_ptr_array_add(pdf->warnings,
			                g_strdup_printf("%s:%d: key '%s' in [%s] is not used by SMS "
			                                "(ignored)", ini->path, e->line, e->name,
			                                sec->name));
	}
}

static gboolean
parse_platforms(SmsIni *ini, SmsIniSection *sec, guint32 *out, gboolean required,
                GError **error)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, "SupportedPlatforms");
	g_auto(GStrv) items = NULL;
	guint32 mask = 0;
	if (e == NULL || *e->value == '\0') {
		if (required)
			return sms_ini_throw(error, ini, sec->line, SMS_INI_ERROR_MISSING_KEY,
			                     "[%s]: missing SupportedPlatforms (at least one platform)",
			                     sec->name);
		*out = 0;
		return TRUE;
	}
	items = sms_ini_split_list(e->value);
	for (char **p = items; *p; p++) {
		guint32 bit = sms_platform_from_name(*p);
		if (bit == 0)
			return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE,
			                     "SupportedPlatforms: unknown platform '%s' (expected MS-DOS, "
			                     "Windows 3.1, Windows95, Windows NT (x86|MIPS|Alpha), "
			                     "Macintosh)", *p);
		mask |= bit;
	}
	*out = mask;
	return TRUE;
}

gboolean
sms_pdf_parse(const char *path, const char *data, gsize len, SmsPdf **out, GError **error)
{
	g_autoptr(SmsIni) ini = sms_ini_parse(path, data, len, error);
	g_autoptr(SmsPdf) pdf = NULL;
	SmsIniSection *sec, *def;
	const char *v;
	g_auto(GStrv) variations = NULL;

	if (ini == NULL)
		return FALSE;
	pdf = g_new0(SmsPdf, 1);
	pdf->path = g_strdup(path);
	pdf->commands = g_ptr_array_new_with_free_func(cmd_free);
	pdf->program_items = g_ptr_array_new_with_free_func(item_free);
	pdf->inventory_rules = g_ptr_array_new_with_free_func(g_free);
	pdf->warnings = g_ptr_array_new_with_free_func(g_free);
	pdf->access = SMS_ACCESS_USER_READ | SMS_ACCESS_USER_WRITE | SMS_ACCESS_GUEST_READ |
	              SMS_ACCESS_GUEST_WRITE;

	sec = sms_ini_find(ini, "PDF");
	if (sec == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "not a package definition file: no [PDF] section");
	sec->used = TRUE;
	if (!sms_ini_require(ini, sec, "Version", &v, error))
		return FALSE;
	if (v[0] != '1' || (v[1] != '\0' && v[1] != '.'))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Version"),
		                     SMS_INI_ERROR_BAD_VALUE,
		                     "[PDF] Version: expected 1.0 (an SMS 1.x PDF), got '%s'", v);
	pdf->pdf_version = g_strdup(v);
	warn_unused(pdf, ini, sec);

	def = sms_ini_find(ini, "Package Definition");
	if (def == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "no [Package Definition] section");
	def->used = TRUE;
	if (!sms_ini_require(ini, def, "Product", &v, error))
		return FALSE;
	pdf->product = g_strdup(v);
	pdf->version = g_strdup(sms_ini_section_get(def, "Version"));
	pdf->comment = g_strdup(sms_ini_section_get(def, "Comment"));
	if ((v = sms_ini_section_get(def, "WorkstationAccess")) && *v) {
		pdf->access = parse_access(v);
		if (pdf->access == G_MAXUINT)
			return sms_ini_throw(error, ini, sms_ini_key_line(def, "WorkstationAccess"),
			                     SMS_INI_ERROR_BAD_VALUE, "WorkstationAccess: expected "
			                     "UserRead, UserWrite, GuestRead, GuestWrite, got '%s'", v);
	}
	if ((v = sms_ini_section_get(def, "ImportDirectory")) && *v)
		pdf->import_directory = g_strdup(v);
	if ((v = sms_ini_section_get(def, "SetupDirectory")) && *v)
		pdf->setup_directory = g_strdup(v);
	v = sms_ini_section_get(def, "SetupVariations");
	variations = sms_ini_split_list(v ? v : "");
	warn_unused(pdf, ini, def);

	for (char **var = variations; *var; var++) {
		g_autofree char *secname = g_strdup_printf("%s Setup", *var);
		SmsPdfCommand *c;
		SmsIniSection *vs = sms_ini_find(ini, secname);
		if (vs == NULL)
			return sms_ini_throw(error, ini, sms_ini_key_line(def, "SetupVariations"),
			                     SMS_INI_ERROR_MISSING_SECTION,
			                     "SetupVariations names '%s' but there is no [%s] section",
			                     *var, secname);
		vs->used = TRUE;
		c = g_new0(SmsPdfCommand, 1);
		g_ptr_array_add(pdf->commands, c);
		c->variation = g_strdup(*var);
		c->line = vs->line;
		v = sms_ini_section_get(vs, "CommandName");
		c->name = g_strdup(v && *v ? v : *var);
		if (!sms_ini_require(ini, vs, "CommandLine", &v, error))
			return FALSE;
		c->command_line = g_strdup(v);
		if (!pdf_bool(ini, vs, "UserInputRequired", TRUE, &c->user_input_required, error) ||
		    !pdf_bool(ini, vs, "SynchronousSystemExitRequired", FALSE, &c->sync_exit, error) ||
		    !pdf_bool(ini, vs, "SystemTask", FALSE, &c->system_task, error) ||
		    !parse_platforms(ini, vs, &c->platforms, TRUE, error))
			return FALSE;
		if (c->system_task && c->user_input_required)
			return sms_ini_throw(error, ini, sms_ini_key_line(vs, "SystemTask"),
			                     SMS_INI_ERROR_BAD_VALUE,
			                     "[%s]: SystemTask=TRUE requires UserInputRequired=FALSE",
			                     vs->name);
		for (guint i = 0; i + 1 < pdf->commands->len; i++)
			if (sms_str_equal_ci(((SmsPdfCommand *)pdf->commands->pdata[i])->name, c->name))
				return sms_ini_throw(error, ini, vs->line, SMS_INI_ERROR_DUPLICATE,
				                     "command name '%s' is used twice", c->name);
		warn_unused(pdf, ini, vs);
	}

	if ((sec = sms_ini_find(ini, "Setup Package for Sharing")) != NULL) {
		sec->used = TRUE;
		if (!sms_ini_require(ini, sec, "ShareName", &v, error))
			return FALSE;
		pdf->share_name = g_strdup(v);
		pdf->share_access = SMS_ACCESS_USER_READ | SMS_ACCESS_GUEST_READ;
		if ((v = sms_ini_section_get(sec, "ShareAccess")) && *v) {
			pdf->share_access = parse_access(v);
			if (pdf->share_access == G_MAXUINT)
				return sms_ini_throw(error, ini, sms_ini_key_line(sec, "ShareAccess"),
				                     SMS_INI_ERROR_BAD_VALUE, "ShareAccess: expected UserRead,"
				                     " UserWrite, GuestRead, GuestWrite, got '%s'", v);
		}
		warn_unused(pdf, ini, sec);
	}
	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *s = ini->sections->pdata[i];
		if (s->used)
			continue;
		if (g_ascii_strncasecmp(s->name, "Program Item Properties", 23) == 0) {
			SmsPdfProgramItem *it = g_new0(SmsPdfProgramItem, 1);
			s->used = TRUE;
			g_ptr_array_add(pdf->program_items, it);
			it->description = g_strdup(sms_ini_section_get(s, "Description"));
			it->command_line = g_strdup(sms_ini_section_get(s, "CommandLine"));
			it->drive_mode = g_strdup(sms_ini_section_get(s, "DriveMode"));
			if (!parse_platforms(ini, s, &it->platforms, FALSE, error))
				return FALSE;
			for (guint j = 0; j < s->entries->len; j++)
				((SmsIniEntry *)s->entries->pdata[j])->used = TRUE;  /* kept as given */
		} else if (sms_str_equal_ci(s->name, "Setup Package for Inventory") ||
		           g_ascii_strncasecmp(s->name, "File ", 5) == 0) {
			s->used = TRUE;
			if (sms_str_equal_ci(s->name, "Setup Package for Inventory"))
				pdf_bool(ini, s, "InventoryThisPackage", FALSE, &pdf->inventory, NULL);
			for (guint j = 0; j < s->entries->len; j++) {
				SmsIniEntry *e = s->entries->pdata[j];
				e->used = TRUE;
				g_ptr_array_add(pdf->inventory_rules,
				                g_strdup_printf("[%s] %s=%s", s->name, e->name, e->value));
			}
		} else {
			g_ptr_array_add(pdf->warnings,
			                g_strdup_printf("%s:%d: section [%s] is not used by SMS (ignored)",
			                                ini->path, s->line, s->name));
		}
	}
	if (pdf->commands->len == 0 && pdf->share_name == NULL)
		return sms_ini_throw(error, ini, def->line, SMS_INI_ERROR_MISSING_KEY,
		                     "the package has neither SetupVariations (workstation command "
		                     "lines) nor [Setup Package for Sharing]");
	*out = g_steal_pointer(&pdf);
	return TRUE;
}

gboolean
sms_pdf_load(const char *path, SmsPdf **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_pdf_parse(path, data, len, out, error);
}
