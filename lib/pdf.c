/* pdf.c -- Package Definition Files (see pdf.h, man/smsemu-pdf.5). */
#include "pdf.h"
#include "boxfile.h"
#include "ini.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-pdf-error-quark, sms_pdf_error)

/* ---- platforms -------------------------------------------------------------------- */

/* "" or a version such as 3.51, 6.22, 6.x (checked for form only). */
static gboolean
is_version(const char *s, gsize n)
{
	if (n == 0)
		return TRUE;
	if (!g_ascii_isdigit(s[0]))
		return FALSE;
	for (gsize i = 1; i < n; i++)
		if (!g_ascii_isdigit(s[i]) && s[i] != '.' && s[i] != 'x')
			return FALSE;
	return TRUE;
}

/* Does n (lower case, single spaces) start with prefix followed by the end or a space? */
static const char *
after_word(const char *n, const char *prefix)
{
	gsize l = strlen(prefix);
	if (strncmp(n, prefix, l) != 0 || (n[l] != '\0' && n[l] != ' ' && n[l] != '('))
		return NULL;
	n += l;
	while (*n == ' ')
		n++;
	return n;
}

guint32
sms_platform_from_name(const char *name)
{
	g_autoptr(GString) n = g_string_new(NULL);
	const char *r;
	gsize vl;

	/* lower case, quotes and surrounding blanks removed, blanks collapsed */
	for (const char *p = name; *p; p++) {
		char ch = g_ascii_tolower(*p);
		if (ch == '"')
			continue;
		if (ch == ' ' || ch == '\t') {
			if (n->len && n->str[n->len - 1] != ' ')
				g_string_append_c(n, ' ');
			continue;
		}
		g_string_append_c(n, ch);
	}
	if (n->len && n->str[n->len - 1] == ' ')
		g_string_truncate(n, n->len - 1);

	if ((r = after_word(n->str, "macintosh")) || (r = after_word(n->str, "mac")))
		return *r == '\0' || is_version(r, strlen(r)) ? SMS_PLATFORM_MACINTOSH : 0;
	if ((r = after_word(n->str, "windows nt")) || (r = after_word(n->str, "winnt"))) {
		guint32 bit = SMS_PLATFORM_WIN32_X86;
		vl = strcspn(r, " (");
		if (!is_version(r, vl))
			return 0;
		r += vl;
		while (*r == ' ')
			r++;
		if (*r == '(') {
			if (g_str_equal(r, "(x86)") || g_str_equal(r, "(intel)") || g_str_equal(r, "(i386)"))
				bit = SMS_PLATFORM_WIN32_X86;
			else if (g_str_equal(r, "(mips)"))
				bit = SMS_PLATFORM_WIN32_MIPS;
			else if (g_str_equal(r, "(alpha)"))
				bit = SMS_PLATFORM_WIN32_ALPHA;
			else
				return 0;
		} else if (*r != '\0') {
			return 0;
		}
		return bit;
	}
	if (g_str_equal(n->str, "windows95") || g_str_equal(n->str, "windows 95") ||
	    g_str_equal(n->str, "win95"))
		return SMS_PLATFORM_WIN95;
	if (g_str_equal(n->str, "win16") || g_str_equal(n->str, "windows") ||
	    g_str_equal(n->str, "windows 3.1") || g_str_equal(n->str, "windows 3.11") ||
	    g_str_equal(n->str, "windows 3.x") ||
	    g_str_equal(n->str, "windows for workgroups") ||
	    g_str_equal(n->str, "windows for workgroups 3.1") ||
	    g_str_equal(n->str, "windows for workgroups 3.11"))
		return SMS_PLATFORM_WIN16;
	if ((r = after_word(n->str, "ms-dos")) || (r = after_word(n->str, "msdos")) ||
	    (r = after_word(n->str, "dos"))) {
		if (*r == '\0')
			return SMS_PLATFORM_MSDOS;
		if (!is_version(r, strlen(r)))
			return 0;
		if (r[0] == '5' && (r[1] == '\0' || r[1] == '.'))
			return SMS_PLATFORM_DOS5;
		if (r[0] == '6' && (r[1] == '\0' || r[1] == '.'))
			return SMS_PLATFORM_DOS6;
		return 0;
	}
	return 0;
}

gboolean
sms_platform_parse_list(const char *list, guint32 *out, char **out_bad)
{
	g_auto(GStrv) items = sms_ini_split_list(list ? list : "");
	guint32 mask = 0;
	for (char **p = items; *p; p++) {
		guint32 bit = sms_platform_from_name(*p);
		if (bit == 0) {
			if (out_bad)
				*out_bad = g_strdup(g_strstrip(g_strdelimit(*p, "\"", ' ')));
			return FALSE;
		}
		mask |= bit;
	}
	*out = mask;
	return TRUE;
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
	if (left)
		g_string_append_printf(s, "%s0x%x", s->len ? ", " : "", left);
	return g_string_free(s, FALSE);
}

/* ---- the structures --------------------------------------------------------------- */

void
sms_pdf_entry_free(SmsPdfEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->section); g_free(e->key); g_free(e->value); g_free(e);
}

void
sms_pdf_command_free(SmsPdfCommand *c)
{
	if (c == NULL)
		return;
	g_free(c->variation); g_free(c->name); g_free(c->command_line); g_free(c);
}

void
sms_pdf_program_item_free(SmsPdfProgramItem *i)
{
	if (i == NULL)
		return;
	g_free(i->description); g_free(i->command_line); g_free(i->configuration_script);
	g_free(i->registry_name); g_free(i->default_ini_file); g_free(i->setup_icon);
	g_free(i);
}

void
sms_pdf_file_free(SmsPdfFile *f)
{
	if (f == NULL)
		return;
	g_free(f->section); g_free(f->filename);
	if (f->attributes)
		g_ptr_array_unref(f->attributes);
	g_free(f);
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
	g_ptr_array_unref(pdf->detection_rule);
	g_ptr_array_unref(pdf->inventory_files);
	g_ptr_array_unref(pdf->inventory_rules);
	g_ptr_array_unref(pdf->extras);
	g_ptr_array_unref(pdf->warnings);
	g_free(pdf);
}

static SmsPdf *
pdf_new(const char *path)
{
	SmsPdf *pdf = g_new0(SmsPdf, 1);
	pdf->path = g_strdup(path);
	pdf->commands = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_command_free);
	pdf->program_items = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_program_item_free);
	pdf->detection_rule = g_ptr_array_new_with_free_func(g_free);
	pdf->inventory_files = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_file_free);
	pdf->inventory_rules = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_entry_free);
	pdf->extras = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_entry_free);
	pdf->warnings = g_ptr_array_new_with_free_func(g_free);
	pdf->access = SMS_ACCESS_ALL;
	return pdf;
}

static SmsPdfEntry *
entry_new(const char *section, const char *key, const char *value, int line)
{
	SmsPdfEntry *e = g_new0(SmsPdfEntry, 1);
	e->section = g_strdup(section);
	e->key = g_strdup(key);
	e->value = g_strdup(value);
	e->line = line;
	return e;
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct {
	SmsPdf *pdf;
	SmsIni *ini;
	GHashTable *first;        /* lower-case section name -> first SmsIniSection */
	GHashTable *inv_files;    /* SmsIniSection* of [File n] named by the rule */
	GPtrArray *warnings;      /* Warning* */
} Ctx;

static void
warn(Ctx *c, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Warnings are collected with their line and handed out in line order. */
typedef struct {
	int line;
	char *text;
} Warning;

static void
warning_free(gpointer p)
{
	Warning *w = p;
	g_free(w->text);
	g_free(w);
}

static gint
warning_cmp(gconstpointer a, gconstpointer b)
{
	const Warning *x = *(Warning *const *)a, *y = *(Warning *const *)b;
	return (x->line > y->line) - (x->line < y->line);
}

static void
warn(Ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	Warning *w = g_new0(Warning, 1);
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	w->line = line;
	w->text = line > 0 ? g_strdup_printf("%s:%d: %s", c->pdf->path, line, msg)
	                   : g_strdup_printf("%s: %s", c->pdf->path, msg);
	g_ptr_array_add(c->warnings, w);
}

static gboolean
fail(Ctx *c, GError **error, int line, SmsPdfError code, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean
fail(Ctx *c, GError **error, int line, SmsPdfError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		g_set_error(error, SMS_PDF_ERROR, code, "%s:%d: %s", c->pdf->path, line, msg);
	else
		g_set_error(error, SMS_PDF_ERROR, code, "%s: %s", c->pdf->path, msg);
	return FALSE;
}

static char *
skip_blanks(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Make the text acceptable to lib/ini.c the way GetPrivateProfileString read it, line for
 * line (numbers unchanged): text after a section's ']' is dropped, lines without '=' and
 * keys before any section are blanked (Windows skipped them). */
static char *
normalize(Ctx *c, const char *in, GStrv *out_lines)
{
	char *text;
	g_auto(GStrv) lines = g_strsplit(in, "\n", -1);
	gboolean in_section = FALSE;
	for (int i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);
		char *end, *eq, *after;
		if (*l == '\0' || *l == ';' || *l == '#')
			continue;
		if (*l == '[') {
			end = strchr(l, ']');
			if (end == NULL)
				continue;          /* lib/ini.c says what is wrong */
			after = skip_blanks(end + 1);
			if (*after != '\0' && *after != ';') {
				warn(c, i + 1, "text after ']' ignored, as Windows does");
				end[1] = '\0';
			}
			in_section = TRUE;
			continue;
		}
		eq = strchr(l, '=');
		if (eq == NULL) {
			warn(c, i + 1, "line without '=' ignored, as Windows does");
			*l = '\0';
		} else if (!in_section) {
			warn(c, i + 1, "'%s' before any [section] ignored, as Windows does", l);
			*l = '\0';
		} else if (eq == l) {
			warn(c, i + 1, "'=' without a key name ignored, as Windows does");
			*l = '\0';
		}
	}
	text = g_strjoinv("\n", lines);
	*out_lines = g_steal_pointer(&lines);
	return (char *)text;
}

/* The value GetPrivateProfileString returned for the key on this line: everything after
 * the first '=', blanks trimmed, one pair of surrounding quotes removed. */
static char *
windows_value(const char *line)
{
	const char *eq = strchr(line, '=');
	char *v = g_strstrip(g_strdup(eq ? eq + 1 : ""));
	gsize n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	return v;
}

static SmsIniSection *
section(Ctx *c, const char *name)
{
	g_autofree char *k = g_ascii_strdown(name, -1);
	SmsIniSection *s = g_hash_table_lookup(c->first, k);
	if (s)
		s->used = TRUE;
	return s;
}

/* Non-empty value of key (marked read), or NULL. */
static SmsIniEntry *
get(SmsIniSection *sec, const char *key)
{
	SmsIniEntry *e = sec ? sms_ini_section_entry(sec, key) : NULL;
	return e && *e->value ? e : NULL;
}

static const char *
get_value(SmsIniSection *sec, const char *key)
{
	SmsIniEntry *e = get(sec, key);
	return e ? e->value : NULL;
}

static gboolean
require(Ctx *c, SmsIniSection *sec, const char *key, SmsIniEntry **out, GError **error)
{
	SmsIniEntry *e = get(sec, key);
	if (e == NULL)
		return fail(c, error, sec->line, SMS_PDF_ERROR_MISSING_KEY, "[%s] needs '%s ='",
		            sec->name, key);
	*out = e;
	return TRUE;
}

/* TRUE / FALSE in any case (warning when SMS documents upper case only). */
static gboolean
get_bool(Ctx *c, SmsIniSection *sec, const char *key, gboolean def, gboolean upper_only,
         gboolean *out, GError **error)
{
	SmsIniEntry *e = get(sec, key);
	gboolean v;
	if (e == NULL) {
		*out = def;
		return TRUE;
	}
	if (sms_str_equal_ci(e->value, "TRUE"))
		v = TRUE;
	else if (sms_str_equal_ci(e->value, "FALSE"))
		v = FALSE;
	else
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected TRUE or FALSE, "
		            "got '%s'", key, e->value);
	if (upper_only && strcmp(e->value, v ? "TRUE" : "FALSE") != 0)
		warn(c, e->line, "%s: SMS 1.2 documents TRUE and FALSE in capitals only, got '%s'",
		     key, e->value);
	*out = v;
	return TRUE;
}

/* UserRead, UserWrite, GuestRead, GuestWrite (matched case-sensitively, as SMS did). */
static gboolean
get_access(Ctx *c, SmsIniSection *sec, const char *key, guint def, guint *out, GError **error)
{
	static const struct { const char *name; guint bit; } bits[] = {
		{ "UserRead", SMS_ACCESS_USER_READ }, { "UserWrite", SMS_ACCESS_USER_WRITE },
		{ "GuestRead", SMS_ACCESS_GUEST_READ }, { "GuestWrite", SMS_ACCESS_GUEST_WRITE },
	};
	SmsIniEntry *e = get(sec, key);
	g_auto(GStrv) items = NULL;
	guint v = 0;
	if (e == NULL) {
		*out = def;
		return TRUE;
	}
	items = sms_ini_split_list(e->value);
	for (char **p = items; *p; p++) {
		gboolean found = FALSE;
		for (gsize i = 0; i < G_N_ELEMENTS(bits) && !found; i++) {
			if (strcmp(*p, bits[i].name) == 0) {
				v |= bits[i].bit;
				found = TRUE;
			} else if (sms_str_equal_ci(*p, bits[i].name)) {
				warn(c, e->line, "%s: SMS matches %s case-sensitively and ignores '%s'", key,
				     bits[i].name, *p);
				found = TRUE;
			}
		}
		if (!found)
			return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected UserRead, "
			            "UserWrite, GuestRead or GuestWrite, got '%s'", key, *p);
	}
	*out = v;
	return TRUE;
}

static gboolean
get_platforms(Ctx *c, SmsIniSection *sec, guint32 *out, GError **error)
{
	SmsIniEntry *e = get(sec, "SupportedPlatforms");
	g_autofree char *bad = NULL;
	if (e == NULL)
		return fail(c, error, sec->line, SMS_PDF_ERROR_MISSING_KEY, "[%s] needs "
		            "'SupportedPlatforms =' (at least one platform)", sec->name);
	if (!sms_platform_parse_list(e->value, out, &bad))
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "SupportedPlatforms: unknown "
		            "platform '%s' (expected MS-DOS, Windows 3.1, Windows95, Windows NT (x86), "
		            "Windows NT (MIPS), Windows NT (Alpha) or Macintosh, with or without a "
		            "version)", bad ? bad : "");
	if (*out == 0)
		return fail(c, error, e->line, SMS_PDF_ERROR_MISSING_KEY, "SupportedPlatforms: "
		            "expected at least one platform");
	return TRUE;
}

static gboolean
check_length(Ctx *c, SmsIniEntry *e, gsize max, GError **error)
{
	if (g_utf8_strlen(e->value, -1) > (glong)max)
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: at most %" G_GSIZE_FORMAT
		            " characters, got %ld", e->name, max, g_utf8_strlen(e->value, -1));
	return TRUE;
}

/* A value that goes into a PCM .INS record field: at most 65,535 bytes (the field's
 * 16-bit length). Longer, the job could never be written for any workstation. */
static gboolean
check_ins_field(Ctx *c, SmsIniEntry *e, GError **error)
{
	gsize n = e ? strlen(e->value) : 0;
	if (n > 0xFFFF)
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: at most 65,535 bytes (a "
		            "field of the Package Command Manager's instruction file), got %"
		            G_GSIZE_FORMAT, e->name, n);
	return TRUE;
}

/* ImportDirectory / SetupDirectory: relative to the PDF. */
static gboolean
get_directory(Ctx *c, SmsIniSection *sec, const char *key, char **out, GError **error)
{
	SmsIniEntry *e = get(sec, key);
	char *d;
	if (e == NULL)
		return TRUE;
	d = g_strdelimit(g_strdup(e->value), "\\", '/');
	if (d[0] == '/' || (g_ascii_isalpha(d[0]) && d[1] == ':')) {
		g_free(d);
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected a directory "
		            "relative to the PDF's directory, got '%s'", key, e->value);
	}
	*out = d;
	return TRUE;
}

static gboolean
parse_package_definition(Ctx *c, SmsIniSection *def, GError **error)
{
	SmsPdf *pdf = c->pdf;
	SmsIniEntry *e = NULL;
	if (!require(c, def, "Product", &e, error) || !check_ins_field(c, e, error) ||
	    !check_ins_field(c, get(def, "Comment"), error))
		return FALSE;
	pdf->product = g_strdup(e->value);
	pdf->version = g_strdup(get_value(def, "Version"));
	if (pdf->version == NULL)
		warn(c, def->line, "[Package Definition] has no Version (documented as required; "
		     "the package gets none)");
	pdf->comment = g_strdup(get_value(def, "Comment"));
	return get_access(c, def, "WorkstationAccess", SMS_ACCESS_ALL, &pdf->access, error) &&
	       get_directory(c, def, "ImportDirectory", &pdf->import_directory, error) &&
	       get_directory(c, def, "SetupDirectory", &pdf->setup_directory, error);
}

static gboolean
parse_variation(Ctx *c, const char *var, SmsIniEntry *list, GError **error)
{
	g_autofree char *secname = g_strdup_printf("%s Setup", var);
	SmsIniSection *vs = section(c, secname);
	SmsPdfCommand *cmd;
	SmsIniEntry *e = NULL;
	gboolean have_input;

	if (vs == NULL)
		return fail(c, error, list->line, SMS_PDF_ERROR_MISSING_SECTION,
		            "SetupVariations names '%s' but there is no [%s] section", var, secname);
	cmd = g_new0(SmsPdfCommand, 1);
	g_ptr_array_add(c->pdf->commands, cmd);
	cmd->variation = g_strdup(var);
	cmd->line = vs->line;
	if (!require(c, vs, "CommandLine", &e, error) || !check_length(c, e, 255, error))
		return FALSE;
	cmd->command_line = g_strdup(e->value);
	if ((e = get(vs, "CommandName")) != NULL) {
		if (!check_length(c, e, 255, error))
			return FALSE;
		cmd->name = g_strdup(e->value);
	} else {
		warn(c, vs->line, "[%s] has no CommandName (documented as required): the command "
		     "is named '%s'", vs->name, var);
		cmd->name = g_strdup(var);
	}
	have_input = get(vs, "UserInputRequired") != NULL;
	if (!have_input)
		warn(c, vs->line, "[%s] has no UserInputRequired (documented as required): SMS "
		     "imports the command as automated (FALSE)", vs->name);
	if (!get_bool(c, vs, "UserInputRequired", FALSE, TRUE, &cmd->user_input_required, error) ||
	    !get_bool(c, vs, "SynchronousSystemExitRequired", FALSE, FALSE, &cmd->sync_exit,
	              error) ||
	    !get_bool(c, vs, "SystemTask", FALSE, TRUE, &cmd->system_task, error) ||
	    !get_platforms(c, vs, &cmd->platforms, error))
		return FALSE;
	if (cmd->system_task && cmd->user_input_required)
		return fail(c, error, sms_ini_key_line(vs, "SystemTask"), SMS_PDF_ERROR_BAD_VALUE,
		            "[%s]: SystemTask=TRUE requires UserInputRequired=FALSE", vs->name);
	cmd->automated = !cmd->user_input_required || cmd->system_task;
	for (guint i = 0; i + 1 < c->pdf->commands->len; i++) {
		SmsPdfCommand *o = c->pdf->commands->pdata[i];
		if (sms_str_equal_ci(o->name, cmd->name))
			return fail(c, error, sms_ini_key_line(vs, "CommandName"), SMS_PDF_ERROR_DUPLICATE,
			            "command name '%s' is used twice (also in [%s Setup])", cmd->name,
			            o->variation);
	}
	return TRUE;
}

static gboolean
parse_variations(Ctx *c, SmsIniSection *def, GError **error)
{
	SmsIniEntry *list = get(def, "SetupVariations");
	g_auto(GStrv) vars = NULL;
	if (list == NULL)
		return TRUE;
	vars = sms_ini_split_list(list->value);
	for (char **v = vars; *v; v++) {
		for (char **w = vars; w < v; w++)
			if (sms_str_equal_ci(*w, *v))
				return fail(c, error, list->line, SMS_PDF_ERROR_DUPLICATE, "SetupVariations: "
				            "'%s' is listed twice", *v);
		if (!parse_variation(c, *v, list, error))
			return FALSE;
	}
	return TRUE;
}

/* A share name: at most 8 characters for the share, then optional subdirectories. */
static gboolean
check_share_name(Ctx *c, SmsIniEntry *e, GError **error)
{
	g_auto(GStrv) parts = g_strsplit_set(e->value, "\\/", -1);
	for (int i = 0; parts[i]; i++) {
		const char *p = parts[i];
		if (*p == '\0' || g_str_equal(p, ".") || g_str_equal(p, "..") ||
		    strpbrk(p, ":*?\"<>|") != NULL)
			return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "ShareName: expected a "
			            "share name, optionally with subdirectories (SHARE\\DIR), got '%s'",
			            e->value);
	}
	if (g_utf8_strlen(parts[0], -1) > 8)
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "ShareName: the share name "
		            "'%s' is longer than 8 characters", parts[0]);
	return TRUE;
}

static gboolean
parse_sharing(Ctx *c, GError **error)
{
	SmsIniSection *sec = section(c, "Setup Package for Sharing");
	SmsIniEntry *e = NULL;
	if (sec == NULL)
		return TRUE;
	if (!require(c, sec, "ShareName", &e, error) || !check_share_name(c, e, error))
		return FALSE;
	c->pdf->share_name = g_strdup(e->value);
	if (get(sec, "ShareAccess") == NULL)
		warn(c, sec->line, "[Setup Package for Sharing] has no ShareAccess (documented as "
		     "required): UserRead, UserWrite, GuestRead, GuestWrite");
	return get_access(c, sec, "ShareAccess", SMS_ACCESS_ALL, &c->pdf->share_access, error);
}

static gboolean
parse_drive_mode(Ctx *c, SmsIniSection *sec, SmsPdfProgramItem *it, GError **error)
{
	SmsIniEntry *e = get(sec, "DriveMode");
	g_autofree char *v = NULL;
	const char *rest = NULL;
	if (e == NULL) {
		warn(c, sec->line, "[%s] has no DriveMode (documented as required): UNC", sec->name);
		it->drive_mode = SMS_PDF_DRIVE_UNC;
		return TRUE;
	}
	v = g_ascii_strup(e->value, -1);
	if (g_str_equal(v, "UNC")) {
		it->drive_mode = SMS_PDF_DRIVE_UNC;
	} else if (g_str_equal(v, "ANY_DRIVE_LETTER") || g_str_equal(v, "ANYDRIVELETTER")) {
		it->drive_mode = SMS_PDF_DRIVE_ANY_LETTER;
	} else if (g_str_has_prefix(v, "SPECIFIC_DRIVE_LETTER") ||
	           g_str_has_prefix(v, "SPECIFICDRIVELETTER")) {
		rest = v + (v[8] == '_' ? 21 : 19);
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (!g_ascii_isalpha(rest[0]) || rest[1] != ':' || rest[2] != '\0')
			return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "DriveMode: expected a "
			            "drive letter and a colon after SPECIFIC_DRIVE_LETTER (W:), got '%s'",
			            e->value);
		it->drive_mode = SMS_PDF_DRIVE_SPECIFIC_LETTER;
		it->drive_letter = rest[0];
	} else {
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "DriveMode: expected UNC, "
		            "ANY_DRIVE_LETTER or SPECIFIC_DRIVE_LETTER X:, got '%s'", e->value);
	}
	if (strcmp(v, e->value) != 0)
		warn(c, e->line, "DriveMode: SMS 1.2 documents the values in capitals only, got '%s'",
		     e->value);
	return TRUE;
}

/* [Program Item Properties 1], 2, ... up to the first number missing, as SMS read them. */
static gboolean
parse_program_items(Ctx *c, GError **error)
{
	for (int n = 1;; n++) {
		g_autofree char *name = g_strdup_printf("Program Item Properties %d", n);
		SmsIniSection *sec = section(c, name);
		SmsPdfProgramItem *it;
		SmsIniEntry *e = NULL;
		if (sec == NULL)
			return TRUE;
		it = g_new0(SmsPdfProgramItem, 1);
		g_ptr_array_add(c->pdf->program_items, it);
		it->index = n;
		it->line = sec->line;
		if (!require(c, sec, "CommandLine", &e, error) || !check_length(c, e, 255, error))
			return FALSE;
		it->command_line = g_strdup(e->value);
		it->description = g_strdup(get_value(sec, "Description"));
		if (it->description == NULL) {
			warn(c, sec->line, "[%s] has no Description (documented as required): '%s'",
			     sec->name, it->command_line);
			it->description = g_strdup(it->command_line);
		}
		it->configuration_script = g_strdup(get_value(sec, "ConfigurationScript"));
		it->registry_name = g_strdup(get_value(sec, "RegistryName"));
		it->default_ini_file = g_strdup(get_value(sec, "DefaultINIFile"));
		it->setup_icon = g_strdup(get_value(sec, "SetupIcon"));
		if (!get_bool(c, sec, "RunMinimized", FALSE, FALSE, &it->run_minimized, error) ||
		    !get_bool(c, sec, "RunLocalCopyIfPresent", FALSE, FALSE, &it->run_local_copy,
		              error) ||
		    !get_bool(c, sec, "DisplayIconInProgGroup", TRUE, FALSE, &it->display_icon, error) ||
		    !parse_drive_mode(c, sec, it, error) ||
		    !get_platforms(c, sec, &it->platforms, error))
			return FALSE;
		if (c->pdf->share_name == NULL && n == 1)
			warn(c, sec->line, "program items without [Setup Package for Sharing] are not "
			     "used by Share Package jobs");
	}
}

/* Numbers "a, b, c" (decimal or 0x-hex). Space-separated values were mis-imported by
 * SMS 1.2 (KB Q167630): warning. */
static gboolean
check_numbers(Ctx *c, SmsIniEntry *e, int count, const gint64 *min, const gint64 *max,
              GError **error)
{
	g_auto(GStrv) parts = g_strsplit(e->value, ",", -1);
	int n = (int)g_strv_length(parts);
	if (n == 1 && count > 1 && strchr(g_strstrip(parts[0]), ' ')) {
		warn(c, e->line, "%s: values separated by blanks only; SMS 1.2 mis-imports them "
		     "(KB Q167630), separate them with ', '", e->name);
		g_strfreev(parts);
		parts = g_strsplit_set(e->value, " \t", -1);
		/* drop empty items */
		n = 0;
		for (int i = 0; parts[i]; i++)
			if (*parts[i])
				parts[n++] = parts[i];
			else
				g_free(parts[i]);
		parts[n] = NULL;
	}
	if (n != count)
		return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected %d number%s "
		            "separated by ', ', got '%s'", e->name, count, count > 1 ? "s" : "",
		            e->value);
	for (int i = 0; i < n; i++) {
		char *p = g_strstrip(parts[i]), *end = NULL;
		guint64 v;
		gboolean hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
		errno = 0;
		v = g_ascii_strtoull(p + (hex ? 2 : 0), &end, hex ? 16 : 10);
		if (!g_ascii_isxdigit(p[hex ? 2 : 0]) || (!hex && !g_ascii_isdigit(p[0])) ||
		    errno || end == NULL || *end != '\0' || v > G_MAXUINT32 ||
		    (min && (gint64)v < min[i]) || (max && (gint64)v > max[i]))
			return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: '%s' is not a "
			            "valid number here (decimal or 0x-hex%s)", e->name, p,
			            min ? " in range" : "");
	}
	return TRUE;
}

static gboolean
parse_file(Ctx *c, SmsIniSection *sec, GError **error)
{
	static const gint64 date_min[] = { 1, 1, 0 }, date_max[] = { 12, 31, 9999 };
	static const gint64 time_min[] = { 0, 0 }, time_max[] = { 23, 59 };
	static const struct { const char *key; int count; } attrs[] = {
		{ "Size", 1 }, { "Date", 3 }, { "Time", 2 }, { "BYTE", 2 }, { "WORD", 2 },
		{ "LONG", 2 }, { "Checksum", 3 }, { "CRC", 3 },
		{ "Token 1", 0 }, { "Token 2", 0 }, { "Token 3", 0 }, { "Token 4", 0 },
	};
	SmsPdfFile *f = g_new0(SmsPdfFile, 1);
	SmsIniEntry *e = NULL;

	g_ptr_array_add(c->pdf->inventory_files, f);
	f->section = g_strdup(sec->name);
	f->line = sec->line;
	f->attributes = g_ptr_array_new_with_free_func((GDestroyNotify)sms_pdf_entry_free);
	e = get(sec, "Filename");
	if (e == NULL)
		e = get(sec, "FILE");
	if (e == NULL)
		return fail(c, error, sec->line, SMS_PDF_ERROR_MISSING_KEY, "[%s] needs 'Filename =' "
		            "(or 'FILE =')", sec->name);
	f->filename = g_strdup(e->value);
	if (!get_bool(c, sec, "Collect", FALSE, FALSE, &f->collect, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(attrs); i++) {
		e = get(sec, attrs[i].key);
		if (e == NULL)
			continue;
		if (attrs[i].count == 0) {
			/* Token n = offset, "string" */
			const char *comma = strchr(e->value, ',');
			g_autofree char *off = comma ? g_strndup(e->value, (gsize)(comma - e->value))
			                             : NULL;
			g_autofree char *str = comma ? g_strstrip(g_strdup(comma + 1)) : NULL;
			gsize sl = str ? strlen(str) : 0;
			gint64 o;
			if (off == NULL || !sms_parse_int(g_strstrip(off), 0, G_MAXUINT32, &o, NULL) ||
			    sl < 2 || str[0] != '"' || str[sl - 1] != '"')
				return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected an "
				            "offset and a quoted string (710, \"WIN\"), got '%s'", e->name,
				            e->value);
		} else {
			gboolean is_date = g_ascii_strcasecmp(attrs[i].key, "Date") == 0;
			gboolean is_time = g_ascii_strcasecmp(attrs[i].key, "Time") == 0;
			if (!check_numbers(c, e, attrs[i].count,
			                   is_date ? date_min : is_time ? time_min : NULL,
			                   is_date ? date_max : is_time ? time_max : NULL, error))
				return FALSE;
		}
		g_ptr_array_add(f->attributes, entry_new(sec->name, e->name, e->value, e->line));
	}
	return TRUE;
}

static gboolean
is_op(const char *t, const char *op)
{
	return sms_str_equal_ci(t, op);
}

/* [Setup Package for Inventory]: Detection Rule Part 1, 2, ... up to the first missing
 * one; AND, OR, ( and ) between names of [File n] sections. */
static gboolean
parse_inventory(Ctx *c, GError **error)
{
	SmsIniSection *sec = section(c, "Setup Package for Inventory");
	gboolean this_package = FALSE, expect_file = TRUE;
	int depth = 0, last_line = 0;
	SmsPdf *pdf = c->pdf;

	if (sec == NULL)
		return TRUE;
	if (get(sec, "InventoryThisPackage") == NULL)
		warn(c, sec->line, "[Setup Package for Inventory] has no InventoryThisPackage "
		     "(documented as required): FALSE");
	if (!get_bool(c, sec, "InventoryThisPackage", FALSE, FALSE, &this_package, error))
		return FALSE;
	for (int n = 1;; n++) {
		g_autofree char *key = g_strdup_printf("Detection Rule Part %d", n);
		SmsIniEntry *e = get(sec, key);
		const char *t;
		if (e == NULL)
			break;
		t = e->value;
		last_line = e->line;
		if (is_op(t, "(")) {
			if (!expect_file)
				return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected AND or "
				            "OR before '('", key);
			depth++;
		} else if (is_op(t, ")")) {
			if (expect_file || depth == 0)
				return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: %s", key,
				            depth == 0 ? "')' without '('" : "expected a file before ')'");
			depth--;
		} else if (is_op(t, "AND") || is_op(t, "OR")) {
			if (expect_file)
				return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected a file "
				            "(such as File 1) or '(' before %s", key, t);
			expect_file = TRUE;
		} else {
			SmsIniSection *fs;
			if (!expect_file)
				return fail(c, error, e->line, SMS_PDF_ERROR_BAD_VALUE, "%s: expected AND or "
				            "OR before '%s'", key, t);
			fs = section(c, t);
			if (fs == NULL)
				return fail(c, error, e->line, SMS_PDF_ERROR_MISSING_SECTION, "%s names '%s' "
				            "but there is no [%s] section", key, t, t);
			if (!g_hash_table_contains(c->inv_files, fs)) {
				g_hash_table_add(c->inv_files, fs);
				if (!parse_file(c, fs, error))
					return FALSE;
			}
			expect_file = FALSE;
		}
		g_ptr_array_add(pdf->detection_rule, g_strdup(t));
	}
	if (pdf->detection_rule->len > 0 && (expect_file || depth != 0))
		return fail(c, error, last_line, SMS_PDF_ERROR_BAD_VALUE, "the detection rule %s",
		            depth ? "has a '(' without ')'" : "ends with AND or OR");
	if (this_package && pdf->detection_rule->len == 0)
		warn(c, sec->line, "InventoryThisPackage=TRUE but no 'Detection Rule Part 1': "
		     "nothing to detect, the package is not inventoried");
	pdf->inventory = this_package && pdf->detection_rule->len > 0;
	return TRUE;
}

static gboolean
starts_with_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Everything SMS did not read goes to extras, with a warning. */
static void
collect_extras(Ctx *c)
{
	SmsPdf *pdf = c->pdf;
	for (guint i = 0; i < c->ini->sections->len; i++) {
		SmsIniSection *s = c->ini->sections->pdata[i];
		gboolean file_section = g_hash_table_contains(c->inv_files, s);
		if (!s->used) {
			const char *why = "it is not a PDF section SMS reads";
			gsize nl = strlen(s->name);
			if (nl > 6 && g_ascii_strcasecmp(s->name + nl - 6, " Setup") == 0)
				why = "SetupVariations does not list it";
			else if (starts_with_ci(s->name, "Program Item Properties"))
				why = "SMS reads Program Item Properties 1, 2, ... up to the first missing "
				      "number";
			else if (starts_with_ci(s->name, "File"))
				why = "no Detection Rule Part names it";
			warn(c, s->line, "section [%s] ignored: %s", s->name, why);
			if (s->entries->len == 0)
				g_ptr_array_add(pdf->extras, entry_new(s->name, NULL, NULL, s->line));
			for (guint j = 0; j < s->entries->len; j++) {
				SmsIniEntry *e = s->entries->pdata[j];
				g_ptr_array_add(pdf->extras, entry_new(s->name, e->name, e->value, e->line));
			}
			continue;
		}
		for (guint j = 0; j < s->entries->len; j++) {
			SmsIniEntry *e = s->entries->pdata[j];
			SmsIniEntry *first = NULL;
			if (e->used)
				continue;
			for (guint k = 0; k < j && first == NULL; k++) {
				SmsIniEntry *o = s->entries->pdata[k];
				if (g_ascii_strcasecmp(o->name, e->name) == 0)
					first = o;
			}
			if (first)
				warn(c, e->line, "'%s' given again in [%s]: Windows reads the first one "
				     "(line %d)", e->name, s->name, first->line);
			else if (starts_with_ci(e->name, "Detection Rule Part"))
				warn(c, e->line, "'%s' ignored: SMS reads Detection Rule Part 1, 2, ... up to "
				     "the first missing or empty one", e->name);
			else if (*e->value || !file_section)
				warn(c, e->line, "key '%s' in [%s] is not used by SMS (ignored)", e->name,
				     s->name);
			g_ptr_array_add(pdf->extras, entry_new(s->name, e->name, e->value, e->line));
		}
	}
}

/* The inventory sections' entries, in file order. */
static void
collect_inventory_rules(Ctx *c)
{
	SmsIniSection *inv = section(c, "Setup Package for Inventory");
	for (guint i = 0; inv && i < c->ini->sections->len; i++) {
		SmsIniSection *s = c->ini->sections->pdata[i];
		if (s != inv && !g_hash_table_contains(c->inv_files, s))
			continue;
		for (guint j = 0; j < s->entries->len; j++) {
			SmsIniEntry *e = s->entries->pdata[j];
			g_ptr_array_add(c->pdf->inventory_rules, entry_new(s->name, e->name, e->value,
			                                                   e->line));
		}
	}
}

static gboolean
parse_ini(Ctx *c, GError **error)
{
	SmsPdf *pdf = c->pdf;
	SmsIniSection *sec, *def;
	SmsIniEntry *e = NULL;
	const char *v;

	/* the first section of each name counts, as with GetPrivateProfileString */
	for (guint i = 0; i < c->ini->sections->len; i++) {
		SmsIniSection *s = c->ini->sections->pdata[i];
		g_autofree char *k = g_ascii_strdown(s->name, -1);
		SmsIniSection *first = g_hash_table_lookup(c->first, k);
		if (first == NULL) {
			g_hash_table_insert(c->first, g_steal_pointer(&k), s);
			continue;
		}
		s->used = TRUE;
		warn(c, s->line, "section [%s] again: Windows reads only the first one (line %d), "
		     "these keys are ignored", s->name, first->line);
		for (guint j = 0; j < s->entries->len; j++) {
			SmsIniEntry *x = s->entries->pdata[j];
			x->used = TRUE;
			g_ptr_array_add(pdf->extras, entry_new(s->name, x->name, x->value, x->line));
		}
	}

	sec = section(c, "PDF");
	if (sec == NULL)
		return fail(c, error, 0, SMS_PDF_ERROR_MISSING_SECTION, "not a package definition "
		            "file: no [PDF] section");
	if (!require(c, sec, "Version", &e, error))
		return FALSE;
	v = e->value;
	if (!(v[0] == '1' && (v[1] == '\0' || (v[1] == '.' && is_version(v + 2, strlen(v + 2)) &&
	                                       strchr(v + 2, 'x') == NULL))))
		return fail(c, error, e->line, SMS_PDF_ERROR_VERSION, "[PDF] Version: expected 1.0 "
		            "(a PDF for SMS 1.x), got '%s'", v);
	if (!g_str_has_prefix(v, "1.0"))
		warn(c, e->line, "[PDF] Version=%s: the SMS 1.x importer accepted only versions "
		     "starting with 1.0", v);
	pdf->pdf_version = g_strdup(v);

	def = section(c, "Package Definition");
	if (def == NULL)
		return fail(c, error, 0, SMS_PDF_ERROR_MISSING_SECTION, "no [Package Definition] "
		            "section");
	if (!parse_package_definition(c, def, error) || !parse_variations(c, def, error) ||
	    !parse_sharing(c, error) || !parse_program_items(c, error) ||
	    !parse_inventory(c, error))
		return FALSE;
	if (pdf->commands->len == 0 && pdf->share_name == NULL && !pdf->inventory)
		return fail(c, error, def->line, SMS_PDF_ERROR_EMPTY, "the package has neither "
		            "SetupVariations (workstation command lines), [Setup Package for "
		            "Sharing] nor an inventory rule");
	collect_inventory_rules(c);
	collect_extras(c);
	return TRUE;
}

gboolean
sms_pdf_parse(const char *path, const char *data, gsize len, SmsPdf **out, GError **error)
{
	g_autoptr(SmsPdf) pdf = pdf_new(path ? path : "<memory>");
	g_autoptr(GError) local = NULL;
	g_autoptr(SmsIni) ini = NULL;
	g_autoptr(GHashTable) first = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) inv_files = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(warning_free);
	g_autofree char *text = NULL;
	g_autofree char *norm = NULL;
	g_auto(GStrv) lines = NULL;
	Ctx c = { pdf, NULL, first, inv_files, warnings };
	int nlines;

	if (!sms_text_decode(pdf->path, data, len, &text, NULL, &pdf->encoding, &local)) {
		g_set_error_literal(error, SMS_PDF_ERROR, SMS_PDF_ERROR_ENCODING, local->message);
		return FALSE;
	}
	norm = normalize(&c, text, &lines);
	ini = sms_ini_parse(pdf->path, norm, strlen(norm), &local);
	if (ini == NULL) {
		g_set_error_literal(error, SMS_PDF_ERROR, SMS_PDF_ERROR_SYNTAX, local->message);
		return FALSE;
	}
	/* values as Windows returned them (lib/ini.c cuts "; comments" and keeps quotes) */
	nlines = (int)g_strv_length(lines);
	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *s = ini->sections->pdata[i];
		for (guint j = 0; j < s->entries->len; j++) {
			SmsIniEntry *e = s->entries->pdata[j];
			if (e->line >= 1 && e->line <= nlines) {
				g_free(e->value);
				e->value = windows_value(lines[e->line - 1]);
			}
		}
	}
	c.ini = ini;
	if (!parse_ini(&c, error))
		return FALSE;
	g_ptr_array_sort(warnings, warning_cmp);   /* stable: same line, order of finding */
	for (guint i = 0; i < warnings->len; i++) {
		Warning *w = warnings->pdata[i];
		g_ptr_array_add(pdf->warnings, g_steal_pointer(&w->text));
	}
	*out = g_steal_pointer(&pdf);
	return TRUE;
}

gboolean
sms_pdf_load(const char *path, SmsPdf **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_regular(path, SMS_PDF_MAX_BYTES, SMS_READ_FOLLOW, &data, &len, error))
		return FALSE;
	return sms_pdf_parse(path, data, len, out, error);
}
