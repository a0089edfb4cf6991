/* mif.c -- status MIFs and .SNI files (see mif.h). */
#include "mif.h"
#include "boxfile.h"
#include "atomic.h"
#include "ini.h"
#include "reg.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-mif-error-quark, sms_mif_error)

SmsStatusMif *
sms_status_mif_new(void)
{
	SmsStatusMif *m = g_new0(SmsStatusMif, 1);
	m->warnings = g_ptr_array_new_with_free_func(g_free);
	return m;
}

void
sms_status_mif_free(SmsStatusMif *m)
{
	if (m == NULL)
		return;
	g_free(m->component);
	g_free(m->manufacturer); g_free(m->product); g_free(m->version); g_free(m->locale);
	g_free(m->serial); g_free(m->installation); g_free(m->status); g_free(m->description);
	if (m->warnings)
		g_ptr_array_unref(m->warnings);
	g_free(m);
}

static gboolean
mif_throw(GError **error, int code, const char *name, int line, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);

static gboolean
mif_throw(GError **error, int code, const char *name, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_MIF_ERROR, code, "%s:%d: %s", name, line, msg);
	return FALSE;
}

enum { LVL_TOP, LVL_COMPONENT, LVL_GROUP, LVL_ATTRIBUTE };

static const char *const block_names[] = { "", "COMPONENT", "GROUP", "ATTRIBUTE" };

/* Blocks a status MIF may contain but that carry nothing for us. */
static gboolean
is_skipped_block(const char *w)
{
	return sms_str_equal_ci(w, "TABLE") || sms_str_equal_ci(w, "ENUM") ||
	       sms_str_equal_ci(w, "PATH");
}

static int
block_level(const char *w)
{
	for (int i = LVL_COMPONENT; i <= LVL_ATTRIBUTE; i++)
		if (sms_str_equal_ci(w, block_names[i]))
			return i;
	return -1;
}

static const char *const keywords[] = {
	"NAME", "ID", "CLASS", "KEY", "DESCRIPTION", "ACCESS", "STORAGE", "TYPE", "VALUE",
	"LANGUAGE", "PRAGMA", "UNITS",
};

/* Is the rest of a line blank or a // comment? */
static gboolean
rest_is_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || (p[0] == '/' && p[1] == '/');
}

/* VALUE part after '=': "text" or a bare word, either followed by an optional // comment.
 * A quoted value ends at the first quote followed only by blanks or a comment, so that
 * "C:\DIR\" and "see http://x" read as written; inside, \" stands for a quote. NULL
 * with *what set when malformed. */
static char *
parse_value(const char *v, const char **what)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '"') {
		const char *end = NULL;
		GString *s;
		for (const char *q = strchr(v + 1, '"'); q && end == NULL; q = strchr(q + 1, '"'))
			if (rest_is_blank(q + 1))
				end = q;
		if (end == NULL) {
			*what = strchr(v + 1, '"') ? "unexpected text after the closing '\"'"
			                           : "expected a closing '\"' on the same line";
			return NULL;
		}
		s = g_string_sized_new((gsize)(end - v));
		for (const char *p = v + 1; p < end; p++) {
			if (p[0] == '\\' && p[1] == '"' && p + 1 < end)
				p++;
			g_string_append_c(s, *p);
		}
		return g_string_free(s, FALSE);
	}
	{
		const char *c = strstr(v, "//");
		g_autofree char *bare = g_strstrip(c ? g_strndup(v, (gsize)(c - v)) : g_strdup(v));
		if (*bare == '\0') {
			*what = "expected a value after '='";
			return NULL;
		}
		return g_steal_pointer(&bare);
	}
}

typedef struct {
	char *klass, *name;
	gboolean status_group, id_group;
} Group;

static void
take(char **slot, char **value)
{
	if (*slot == NULL)
		*slot = g_steal_pointer(value);
}

gboolean
sms_mif_parse(const char *name, const char *data, gsize len, SmsStatusMif **out,
              GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(SmsStatusMif) m = sms_status_mif_new();
	g_autoptr(GError) local = NULL;
	/* attributes of the ComponentID group, and the same names seen in the status group */
	char *id_attr[6] = { NULL }, *st_attr[6] = { NULL };
	static const char *const id_names[6] = { "Manufacturer", "Product", "Version", "Locale",
	                                         "Serial Number", "Installation" };
	Group g = { NULL, NULL, FALSE, FALSE };
	g_autofree char *attr_name = NULL;
	g_autofree char *attr_value = NULL;
	int depth = LVL_TOP, skip = 0, attr_line = 0, components = 0, nlines, desc_line = 0;
	const char *skip_what = NULL;
	gboolean ok = FALSE;

	if (name == NULL)
		name = "<memory>";
	if (!sms_text_decode(name, data, len, &text, NULL, NULL, &local)) {
		g_set_error_literal(error, SMS_MIF_ERROR, SMS_MIF_ERROR_ENCODING, local->message);
		return FALSE;
	}
	lines = g_strsplit(text, "\n", -1);
	nlines = (int)g_strv_length(lines);
	while (nlines > 1 && g_strstrip(lines[nlines - 1])[0] == '\0')
		nlines--;            /* errors at the end name the last line with text */
	for (int i = 0; lines[i]; i++) {
		int ln = i + 1;
		char *l = lines[i];
		char *eq, *word, *rest;
		const char *what = NULL;
		gsize wlen;

		l = g_strstrip(l);
		eq = strchr(l, '=');
		{
			/* a // before any '=' starts a comment (after '=' it may be in the value) */
			char *c = strstr(l, "//");
			if (c && (eq == NULL || c < eq)) {
				*c = '\0';
				l = g_strstrip(l);
				eq = NULL;
			}
		}
		if (*l == '\0')
			continue;
		/* first word */
		word = l;
		rest = l;
		while (*rest && *rest != ' ' && *rest != '\t' && *rest != '=')
			rest++;
		wlen = (gsize)(rest - word);
		if ((wlen == 5 && g_ascii_strncasecmp(word, "START", 5) == 0) ||
		    (wlen == 3 && g_ascii_strncasecmp(word, "END", 3) == 0)) {
			gboolean start = g_ascii_toupper(*word) == 'S';
			const char *what_block = g_strstrip(rest);
			int level = block_level(what_block);
			if (skip > 0) {
				if (is_skipped_block(what_block))
					skip += start ? 1 : -1;
				continue;
			}
			if (start && is_skipped_block(what_block)) {
				if (depth == LVL_TOP)
					goto fail_expected_component;
				skip = 1;
				skip_what = "table, enum or path";
				continue;
			}
			if (level < 0) {
				mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "expected COMPONENT, GROUP, "
				          "ATTRIBUTE, TABLE, ENUM or PATH after %s, got '%s'",
				          start ? "START" : "END", what_block);
				goto out;
			}
			if (start) {
				if (level != depth + 1) {
					mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "START %s %s (expected "
					          "%s)", block_names[level],
					          depth == LVL_TOP ? "outside of a component" :
					          depth == LVL_ATTRIBUTE ? "inside an attribute" :
					          level == LVL_COMPONENT ? "inside a component" :
					          "outside of a group",
					          depth == LVL_ATTRIBUTE ? "END ATTRIBUTE" :
					          depth == LVL_TOP ? "START COMPONENT" :
					          depth == LVL_COMPONENT ? "START GROUP or END COMPONENT"
					                                 : "START ATTRIBUTE or END GROUP");
					goto out;
				}
				if (level == LVL_COMPONENT && components++ > 0) {
					mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "a second START COMPONENT "
					          "(a status MIF holds one component)");
					goto out;
				}
				if (level == LVL_GROUP) {
					g_clear_pointer(&g.klass, g_free);
					g_clear_pointer(&g.name, g_free);
					g.status_group = g.id_group = FALSE;
				}
				if (level == LVL_ATTRIBUTE) {
					g_clear_pointer(&attr_name, g_free);
					g_clear_pointer(&attr_value, g_free);
					attr_line = ln;
				}
				depth = level;
				continue;
			}
			if (level != depth) {
				mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "END %s does not close the "
				          "open block (expected %s%s)", block_names[level],
				          depth == LVL_TOP ? "START COMPONENT" : "END ",
				          block_names[depth]);
				goto out;
			}
			if (level == LVL_ATTRIBUTE && attr_name) {
				gboolean is_status = sms_str_equal_ci(attr_name, "Status") ||
				                     sms_str_equal_ci(attr_name, "InstallStatus");
				if (g.status_group && is_status) {
					if (m->status) {
						g_ptr_array_add(m->warnings, g_strdup_printf(
							"%s:%d: a second Status attribute (the first one counts)",
							name, attr_line));
					} else if (attr_value) {
						m->status = g_steal_pointer(&attr_value);
						m->status_line = attr_line;
					}
				} else if (g.status_group && sms_str_equal_ci(attr_name, "Description")) {
					if (m->description)
						g_ptr_array_add(m->warnings, g_strdup_printf(
							"%s:%d: a second Description attribute (the first one counts)",
							name, attr_line));
					else {
						m->description = g_steal_pointer(&attr_value);
						desc_line = attr_line;
					}
				} else if (g.id_group || g.status_group) {
					for (int k = 0; k < 6; k++)
						if (sms_str_equal_ci(attr_name, id_names[k]) && attr_value)
							take(g.id_group ? &id_attr[k] : &st_attr[k], &attr_value);
				}
			}
			depth--;
			continue;
		}
		if (skip > 0)
			continue;
		if (depth == LVL_TOP && components > 0) {
			mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "expected the end of the file "
			          "after END COMPONENT");
			goto out;
		}
		if (eq == NULL) {
			if (depth == LVL_TOP)
				goto fail_expected_component;
			mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "expected KEYWORD = value, START "
			          "or END");
			goto out;
		}
		*eq = '\0';
		{
			char *key = g_strstrip(l);
			g_autofree char *val = NULL;
			gboolean known = FALSE;
			char *v = eq + 1;
			for (gsize k = 0; k < G_N_ELEMENTS(keywords) && !known; k++)
				if (sms_str_equal_ci(key, keywords[k]))
					known = TRUE;
			if (!known) {
				mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "unknown keyword '%s' (expected "
				          "NAME, ID, CLASS, KEY, DESCRIPTION, ACCESS, STORAGE, TYPE or VALUE)",
				          key);
				goto out;
			}
			if (depth == LVL_TOP && !sms_str_equal_ci(key, "LANGUAGE") &&
			    !sms_str_equal_ci(key, "PRAGMA"))
				goto fail_expected_component;
			while (*v == ' ' || *v == '\t')
				v++;
			if (sms_str_equal_ci(key, "TYPE") && g_ascii_strncasecmp(v, "START", 5) == 0) {
				/* TYPE = START ENUM ... END ENUM */
				skip = 1;
				skip_what = "enum";
				continue;
			}
			val = parse_value(v, &what);
			if (val == NULL) {
				mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "%s: %s", key, what);
				goto out;
			}
			if (sms_str_equal_ci(key, "ID")) {
				gint64 id;
				if (!sms_parse_int(val, 0, G_MAXINT32, &id, NULL)) {
					mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, ln, "ID: expected a number, "
					          "got '%s'", val);
					goto out;
				}
			} else if (depth == LVL_COMPONENT && sms_str_equal_ci(key, "NAME")) {
				g_free(m->component);
				m->component = g_steal_pointer(&val);
			} else if (depth == LVL_GROUP && sms_str_equal_ci(key, "CLASS")) {
				g_free(g.klass);
				g.klass = g_steal_pointer(&val);
				g.status_group = g_ascii_strncasecmp(g.klass, "MICROSOFT|JOBSTATUS|", 20) == 0;
				g.id_group = g_ascii_strncasecmp(g.klass, "DMTF|ComponentID|", 17) == 0;
			} else if (depth == LVL_GROUP && sms_str_equal_ci(key, "NAME")) {
				g_free(g.name);
				g.name = g_steal_pointer(&val);
			} else if (depth == LVL_ATTRIBUTE && sms_str_equal_ci(key, "NAME")) {
				g_free(attr_name);
				attr_name = g_steal_pointer(&val);
			} else if (depth == LVL_ATTRIBUTE && sms_str_equal_ci(key, "VALUE")) {
				g_free(attr_value);
				attr_value = g_steal_pointer(&val);
			}
		}
	}
	if (skip > 0) {
		mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, nlines, "unexpected end of file inside "
		          "a %s block (expected END)", skip_what);
		goto out;
	}
	if (components == 0 || depth != LVL_TOP) {
		if (components == 0)
			goto fail_expected_component;
		mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, nlines, "unexpected end of file (expected "
		          "END %s)", block_names[depth]);
		goto out;
	}
	if (m->status == NULL) {
		g_set_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_NO_STATUS,
		            "%s: no Status attribute in a MICROSOFT|JOBSTATUS|1.0 group", name);
		goto out;
	}
	g_strstrip(m->status);
	if (sms_str_equal_ci(m->status, "Success")) {
		m->success = TRUE;
	} else if (!sms_str_equal_ci(m->status, "Failed")) {
		mif_throw(error, SMS_MIF_ERROR_BAD_STATUS, name, m->status_line, "Status: expected "
		          "\"Success\" or \"Failed\", got \"%s\"", m->status);
		goto out;
	}
	if (m->description && *m->description == '\0')
		g_ptr_array_add(m->warnings, g_strdup_printf("%s:%d: empty Description (SMS 1.2 logged "
		                "\"error code = cb\" for it, harmless: KB Q169491)", name, desc_line));
	take(&m->manufacturer, id_attr[0] ? &id_attr[0] : &st_attr[0]);
	take(&m->product, id_attr[1] ? &id_attr[1] : &st_attr[1]);
	take(&m->version, id_attr[2] ? &id_attr[2] : &st_attr[2]);
	take(&m->locale, id_attr[3] ? &id_attr[3] : &st_attr[3]);
	take(&m->serial, id_attr[4] ? &id_attr[4] : &st_attr[4]);
	take(&m->installation, id_attr[5] ? &id_attr[5] : &st_attr[5]);
	ok = TRUE;
	goto out;

fail_expected_component:
	mif_throw(error, SMS_MIF_ERROR_SYNTAX, name, 1, "expected START COMPONENT (not a DMI MIF)");
out:
	for (int k = 0; k < 6; k++) {
		g_free(id_attr[k]);
		g_free(st_attr[k]);
	}
	g_free(g.klass);
	g_free(g.name);
	if (ok)
		*out = g_steal_pointer(&m);
	return ok;
}

gboolean
sms_mif_load(const char *path, SmsStatusMif **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_box_read(path, SMS_MIF_MAX_BYTES, &data, &len, error))
		return FALSE;
	return sms_mif_parse(path, data, len, out, error);
}

/* ---- writing ---------------------------------------------------------------------- */

/* A value as ISMIF wrote it: at most max characters on one line; control characters
 * become blanks and a quote an apostrophe (a MIF string cannot hold one reliably). */
static void
put_attr(GString *o, int id, const char *name, const char *value, int width)
{
	g_autoptr(GString) v = g_string_new(NULL);
	glong n = 0;
	for (const char *p = value ? value : ""; *p && n < width; p = g_utf8_next_char(p), n++) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || c == 0x7F)
			g_string_append_c(v, ' ');
		else if (c == '"')
			g_string_append_c(v, '\'');
		else
			g_string_append_len(v, p, g_utf8_next_char(p) - p);
	}
	g_string_append_printf(o, "    START ATTRIBUTE\r\n      NAME = \"%s\"\r\n      ID = %d\r\n"
	                       "      ACCESS = READ-ONLY\r\n      STORAGE = SPECIFIC\r\n"
	                       "      TYPE = STRING(%d)\r\n      VALUE = \"%s\"\r\n"
	                       "    END ATTRIBUTE\r\n", name, id, width, v->str);
}

char *
sms_mif_format(const SmsStatusMif *m, gsize *out_len)
{
	g_autoptr(GString) o = g_string_new("START COMPONENT\r\n  NAME = \"WORKSTATION\"\r\n");
	g_string_append(o, "  START GROUP\r\n    NAME = \"ComponentID\"\r\n    ID = 1\r\n"
	                   "    CLASS = \"DMTF|ComponentID|1.0\"\r\n");
	put_attr(o, 1, "Manufacturer", m->manufacturer, 64);
	put_attr(o, 2, "Product", m->product, 64);
	put_attr(o, 3, "Version", m->version, 64);
	put_attr(o, 4, "Locale", m->locale, 16);
	put_attr(o, 5, "Serial Number", m->serial, 64);
	put_attr(o, 6, "Installation", m->installation, 64);
	g_string_append(o, "  END GROUP\r\n  START GROUP\r\n    NAME = \"InstallStatus\"\r\n"
	                   "    ID = 2\r\n    CLASS = \"MICROSOFT|JOBSTATUS|1.0\"\r\n");
	put_attr(o, 1, "Status", m->success ? "Success" : "Failed", 32);
	put_attr(o, 2, "Description", m->description, 128);
	g_string_append(o, "  END GROUP\r\nEND COMPONENT\r\n");
	return sms_text_to_ansi(o->str, out_len);
}

char *
sms_mif_format_status(const char *manufacturer, const char *product, const char *version,
                      const char *description, gboolean success)
{
	SmsStatusMif m = { 0 };
	m.manufacturer = (char *)manufacturer;
	m.product = (char *)product;
	m.version = (char *)version;
	m.locale = (char *)"ENU";
	m.description = (char *)description;
	m.success = success;
	return sms_mif_format(&m, NULL);
}

gboolean
sms_mif_write_status(const char *path, const char *manufacturer, const char *product,
                     const char *version, const char *locale, const char *serial,
                     const char *description, gboolean success, SmsTime when, GError **error)
{
	SmsStatusMif m = { 0 };
	g_autofree char *installation = when == SMS_TIME_NONE ? NULL : sms_time_format_pcm(when);
	g_autofree char *text = NULL;
	gsize len;
	m.manufacturer = (char *)manufacturer;
	m.product = (char *)product;
	m.version = (char *)version;
	m.locale = (char *)locale;
	m.serial = (char *)serial;
	m.installation = installation;
	m.description = (char *)description;
	m.success = success;
	text = sms_mif_format(&m, &len);
	return sms_atomic_write(path, text, len, 0644, SMS_SYNC_FILE, error);
}

/* ---- .SNI ---------------------------------------------------------------------- */

void
sms_sni_free(SmsSni *s)
{
	if (s == NULL)
		return;
	g_free(s->type); g_free(s->site); g_free(s->job_id); g_free(s->smsid);
	g_free(s->machine); g_free(s->status); g_free(s->mif); g_free(s->description);
	g_free(s);
}

char *
sms_sni_format(const SmsSni *s)
{
	g_autofree char *t = sms_time_format(s->time);
	GString *o = g_string_new("[Status Instruction]\r\n");
	g_string_append_printf(o, "Type=%s\r\nSite=%s\r\nJobID=%s\r\nSMSID=%s\r\nMachine=%s\r\n"
	                       "Status=%s\r\nTime=%s\r\n",
	                       s->type ? s->type : "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE",
	                       s->site, s->job_id, s->smsid ? s->smsid : "", s->machine, s->status, t);
	if (s->mif)
		g_string_append_printf(o, "StatusMIF=%s\r\n", s->mif);
	if (s->description)
		g_string_append_printf(o, "Description=%s\r\n", s->description);
	return g_string_free(o, FALSE);
}

gboolean
sms_sni_parse(const char *name, const char *data, gsize len, SmsSni **out, GError **error)
{
	g_autoptr(SmsIni) ini = sms_ini_parse(name, data, len, error);
	g_autoptr(SmsSni) s = NULL;
	SmsIniSection *sec;
	const char *v;
	g_autoptr(GError) local = NULL;
	if (ini == NULL)
		return FALSE;
	sec = sms_ini_find(ini, "Status Instruction");
	if (sec == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "not a status instruction: no [Status Instruction] section");
	s = g_new0(SmsSni, 1);
	s->type = g_strdup(sms_ini_section_get(sec, "Type"));
	if (!sms_ini_require(ini, sec, "Site", &v, error))
		return FALSE;
	s->site = g_strdup(v);
	if (!sms_ini_require(ini, sec, "JobID", &v, error))
		return FALSE;
	s->job_id = g_strdup(v);
	if (!sms_ini_require(ini, sec, "Machine", &v, error))
		return FALSE;
	s->machine = sms_strup(v);
	if (!sms_ini_require(ini, sec, "Status", &v, error))
		return FALSE;
	s->status = g_strdup(v);
	v = sms_ini_section_get(sec, "SMSID");
	s->smsid = v && *v ? g_strdup(v) : NULL;
	v = sms_ini_section_get(sec, "StatusMIF");
	s->mif = v && *v ? g_strdup(v) : NULL;
	if (s->mif && (strchr(s->mif, '/') || s->mif[0] == '.'))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "StatusMIF"),
		                     SMS_INI_ERROR_BAD_VALUE, "StatusMIF: expected a file name");
	v = sms_ini_section_get(sec, "Description");
	s->description = v && *v ? g_strdup(v) : NULL;
	if (!sms_ini_require(ini, sec, "Time", &v, error))
		return FALSE;
	if (!sms_time_parse(v, &s->time, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Time"), SMS_INI_ERROR_BAD_VALUE,
		                     "Time: %s", local->message);
	*out = g_steal_pointer(&s);
	return TRUE;
}

gboolean
sms_sni_load(const char *path, SmsSni **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_box_read(path, SMS_SNI_MAX_BYTES, &data, &len, error))
		return FALSE;
	return sms_sni_parse(path, data, len, out, error);
}
