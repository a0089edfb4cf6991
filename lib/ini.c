/* ini.c -- Windows-style INI reader/writer with line numbers. */
#include "ini.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-ini-error-quark, sms_ini_error)

static void
entry_free(gpointer p)
{
	SmsIniEntry *e = p;
	g_free(e->name);
	g_free(e->value);
	g_free(e);
}

static void
section_free(gpointer p)
{
	SmsIniSection *s = p;
	g_free(s->name);
	g_ptr_array_unref(s->entries);
	g_free(s);
}

SmsIni *
sms_ini_new(const char *path)
{
	SmsIni *ini = g_new0(SmsIni, 1);
	ini->path = g_strdup(path ? path : "<memory>");
	ini->sections = g_ptr_array_new_with_free_func(section_free);
	return ini;
}

void
sms_ini_free(SmsIni *ini)
{
	if (ini == NULL)
		return;
	g_free(ini->path);
	g_ptr_array_unref(ini->sections);
	g_free(ini);
}

gboolean
sms_ini_throw(GError **error, SmsIni *ini, int line, SmsIniError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		*error = g_error_new(SMS_INI_ERROR, code, "%s:%d: %s", ini ? ini->path : "<memory>",
		                     line, msg);
	else
		*error = g_error_new(SMS_INI_ERROR, code, "%s: %s", ini ? ini->path : "<memory>", msg);
	return FALSE;
}

static SmsIniSection *
section_new(const char *name, int line)
{
	SmsIniSection *s = g_new0(SmsIniSection, 1);
	s->name = g_strdup(name);
	s->line = line;
	s->entries = g_ptr_array_new_with_free_func(entry_free);
	return s;
}

/* Strip a trailing comment: ';' preceded by white space (or at column 0). Quoted text
 * is left alone. */
static void
strip_comment(char *s)
{
	gboolean quoted = FALSE;

	for (char *p = s; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ';' && !quoted && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

SmsIni *
sms_ini_parse(const char *path, const char *data, gsize len, GError **error)
{
	g_autoptr(SmsIni) ini = sms_ini_new(path);
	SmsIniSection *cur = NULL;
	gsize pos = 0;
	int lineno = 0;

	/* UTF-8 byte order mark */
	if (len >= 3 && (guchar)data[0] == 0xEF && (guchar)data[1] == 0xBB && (guchar)data[2] == 0xBF)
		pos = 3;
	while (pos < len) {
		gsize eol = pos;
		g_autofree char *line = NULL;
		char *s;

		while (eol < len && data[eol] != '\n')
			eol++;
		lineno++;
		if (memchr(data + pos, '\0', eol - pos) != NULL) {
			sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
			              "NUL byte in text file");
			return NULL;
		}
		line = g_strndup(data + pos, eol - pos);
		pos = eol + 1;
		s = g_strstrip(line);
		if (*s == '\x1a')      /* Ctrl-Z: DOS end of file */
			break;
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			g_autofree char *name = NULL;
			if (end == NULL) {
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "expected ']' to close the section name");
				return NULL;
			}
			strip_comment(end + 1);
			if (*g_strstrip(end + 1) != '\0') {
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "unexpected text after ']'");
				return NULL;
			}
			name = g_strstrip(g_strndup(s + 1, (gsize)(end - s - 1)));
			if (*name == '\0') {
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "empty section name");
				return NULL;
			}
			cur = section_new(name, lineno);
			g_ptr_array_add(ini->sections, cur);
			continue;
		}
		{
			char *eq = strchr(s, '=');
			SmsIniEntry *e;
			if (eq == NULL) {
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "expected 'name = value' or '[section]'");
				return NULL;
			}
			if (cur == NULL) {
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "'name = value' before any [section]");
				return NULL;
			}
			*eq = '\0';
			strip_comment(eq + 1);
			e = g_new0(SmsIniEntry, 1);
			e->name = g_strdup(g_strstrip(s));
			e->value = g_strdup(g_strstrip(eq + 1));
			e->line = lineno;
			if (*e->name == '\0') {
				entry_free(e);
				sms_ini_throw(error, ini, lineno, SMS_INI_ERROR_SYNTAX,
				              "empty name before '='");
				return NULL;
			}
			g_ptr_array_add(cur->entries, e);
		}
	}
	return g_steal_pointer(&ini);
}

SmsIni *
sms_ini_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;

	if (!sms_read_file(path, &data, &len, error))
		return NULL;
	return sms_ini_parse(path, data, len, error);
}

char *
sms_ini_dir(SmsIni *ini)
{
	return g_path_get_dirname(ini->path);
}

const char *
sms_ini_section_arg(SmsIniSection *sec, const char *kind)
{
	gsize n = strlen(kind);
	if (g_ascii_strncasecmp(sec->name, kind, n) != 0)
		return NULL;
	if (sec->name[n] == '\0')
		return "";
	if (sec->name[n] != ' ' && sec->name[n] != '\t')
		return NULL;
	return sec->name + n + 1;
}

SmsIniSection *
sms_ini_find(SmsIni *ini, const char *section)
{
	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *s = ini->sections->pdata[i];
		if (g_ascii_strcasecmp(s->name, section) == 0) {
			s->used = TRUE;
			return s;
		}
	}
	return NULL;
}

SmsIniSection *
sms_ini_find_or_add(SmsIni *ini, const char *section)
{
	SmsIniSection *s = sms_ini_find(ini, section);
	if (s == NULL) {
		s = section_new(section, 0);
		s->used = TRUE;
		g_ptr_array_add(ini->sections, s);
	}
	return s;
}

SmsIniEntry *
sms_ini_section_entry(SmsIniSection *sec, const char *key)
{
	if (sec == NULL)
		return NULL;
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (g_ascii_strcasecmp(e->name, key) == 0) {
			e->used = TRUE;
			return e;
		}
	}
	return NULL;
}

const char *
sms_ini_section_get(SmsIniSection *sec, const char *key)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, key);
	return e ? e->value : NULL;
}

const char *
sms_ini_get(SmsIni *ini, const char *section, const char *key)
{
	return sms_ini_section_get(sms_ini_find(ini, section), key);
}

int
sms_ini_key_line(SmsIniSection *sec, const char *key)
{
	if (sec == NULL)
		return 0;
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (g_ascii_strcasecmp(e->name, key) == 0)
			return e->line;
	}
	return sec->line;
}

void
sms_ini_section_set(SmsIniSection *sec, const char *key, const char *value)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, key);

	if (e) {
		g_free(e->value);
		e->value = g_strdup(value ? value : "");
		return;
	}
	e = g_new0(SmsIniEntry, 1);
	e->name = g_strdup(key);
	e->value = g_strdup(value ? value : "");
	e->used = TRUE;
	g_ptr_array_add(sec->entries, e);
}

void
sms_ini_set(SmsIni *ini, const char *section, const char *key, const char *value)
{
	sms_ini_section_set(sms_ini_find_or_add(ini, section), key, value);
}

gboolean
sms_ini_section_remove(SmsIniSection *sec, const char *key)
{
	for (guint i = 0; sec && i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (g_ascii_strcasecmp(e->name, key) == 0) {
			g_ptr_array_remove_index(sec->entries, i);
			return TRUE;
		}
	}
	return FALSE;
}

char *
sms_ini_unquote(const char *value)
{
	gsize n;

	if (value == NULL)
		return NULL;
	n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
		return g_strndup(value + 1, n - 2);
	return g_strdup(value);
}

GStrv
sms_ini_split_list(const char *value)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) parts = NULL;

	if (value == NULL)
		value = "";
	parts = g_strsplit(value, ",", -1);
	for (char **p = parts; *p; p++) {
		char *t = g_strstrip(*p);
		if (*t)
			g_ptr_array_add(out, sms_ini_unquote(t));
	}
	g_ptr_array_add(out, NULL);
	return (GStrv)g_ptr_array_steal(out, NULL);
}

gboolean
sms_ini_section_check_unused(SmsIni *ini, SmsIniSection *sec, const char *expected,
                             GError **error)
{
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (e->used)
			continue;
		/* a known key given a second time is read once: say so, not "unknown" */
		for (guint j = 0; j < i; j++) {
			SmsIniEntry *first = sec->entries->pdata[j];
			if (first->used && g_ascii_strcasecmp(first->name, e->name) == 0)
				return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_DUPLICATE,
				                     "%s given twice in [%s] (first at line %d)", e->name,
				                     sec->name, first->line);
		}
		if (!e->used)
			return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_UNKNOWN_KEY,
			                     "unknown key '%s' in [%s] (expected one of: %s)", e->name,
			                     sec->name, expected);
	}
	return TRUE;
}

gboolean
sms_ini_get_int(SmsIni *ini, SmsIniSection *sec, const char *key, gint64 min, gint64 max,
                gint64 def, gint64 *out, GError **error)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, key);
	g_autoptr(GError) local = NULL;
	gint64 v;

	if (e == NULL || *e->value == '\0') {
		*out = def;
		return TRUE;
	}
	if (!sms_parse_int(e->value, min, max, &v, &local))
		return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE, "%s: %s", e->name,
		                     local->message);
	*out = v;
	return TRUE;
}

gboolean
sms_ini_get_bool(SmsIni *ini, SmsIniSection *sec, const char *key, gboolean def,
                 gboolean *out, GError **error)
{
	SmsIniEntry *e = sms_ini_section_entry(sec, key);
	g_autoptr(GError) local = NULL;
	gboolean v;

	if (e == NULL || *e->value == '\0') {
		*out = def;
		return TRUE;
	}
	if (!sms_parse_bool(e->value, &v, &local))
		return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE, "%s: %s", e->name,
		                     local->message);
	*out = v;
	return TRUE;
}

gboolean
sms_ini_require(SmsIni *ini, SmsIniSection *sec, const char *key, const char **out,
                GError **error)
{
	const char *v = sms_ini_section_get(sec, key);
	if (v == NULL || *v == '\0')
		return sms_ini_throw(error, ini, sec ? sec->line : 0, SMS_INI_ERROR_MISSING_KEY,
		                     "[%s] needs '%s ='", sec ? sec->name : "?", key);
	*out = v;
	return TRUE;
}

char *
sms_ini_to_data(SmsIni *ini, gsize *out_len)
{
	GString *buf = g_string_sized_new(1024);
	/* appended piece by piece (as "%s" would print: NULL as "(null)") */
#define PUT(str) g_string_append(buf, (str) ? (str) : "(null)")

	for (guint i = 0; i < ini->sections->len; i++) {
		SmsIniSection *s = ini->sections->pdata[i];
		if (i > 0)
			g_string_append_c(buf, '\n');
		g_string_append_c(buf, '[');
		PUT(s->name);
		g_string_append(buf, "]\n");
		for (guint j = 0; j < s->entries->len; j++) {
			SmsIniEntry *e = s->entries->pdata[j];
			PUT(e->name);
			g_string_append_c(buf, '=');
			PUT(e->value);
			g_string_append_c(buf, '\n');
		}
	}
#undef PUT
	if (out_len)
		*out_len = buf->len;
	return g_string_free(buf, FALSE);
}
