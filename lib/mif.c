/* mif.c -- status MIFs and .SNI files (see mif.h). */
#include "mif.h"
#include "ini.h"

G_DEFINE_QUARK(sms-mif-error-quark, sms_mif_error)

void
sms_status_mif_free(SmsStatusMif *m)
{
	if (m == NULL)
		return;
	g_free(m->manufacturer); g_free(m->product); g_free(m->version); g_free(m->locale);
	g_free(m->serial); g_free(m->installation); g_free(m->status); g_free(m->description);
	g_free(m);
}

static gboolean
mif_throw(GError **error, const char *name, int line, const char *what)
{
	g_set_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_SYNTAX, "%s:%d: %s", name, line, what);
	return FALSE;
}

/* VALUE = "text" | number | bare word; returns a copy without quotes, NULL on error. */
static char *
parse_value(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '"') {
		const char *end = strrchr(v + 1, '"');
		if (end == NULL)
			return NULL;
		for (const char *p = end + 1; *p; p++)
			if (*p != ' ' && *p != '\t')
				return NULL;
		return g_strndup(v + 1, (gsize)(end - v - 1));
	}
	if (*v == '\0')
		return NULL;
	return g_strstrip(g_strdup(v));
}

gboolean
sms_mif_parse(const char *name, const char *data, gsize len, SmsStatusMif **out,
              GError **error)
{
	g_autofree char *text = g_strndup(data, len);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(SmsStatusMif) m = g_new0(SmsStatusMif, 1);
	int depth = 0;                 /* 1 component, 2 group, 3 attribute */
	g_autofree char *group_class = NULL;
	g_autofree char *group_name = NULL;
	g_autofree char *attr_name = NULL;
	g_autofree char *attr_value = NULL;
	gboolean seen_component = FALSE;

	if (memchr(data, '\0', len))
		return mif_throw(error, name, 1, "NUL byte: not a text MIF");
	for (int i = 0; lines[i]; i++) {
		int ln = i + 1;
		char *l = g_strstrip(lines[i]);
		char *eq;
		char *c = strstr(l, "//");
		if (c && (c == l || !strchr(l, '"') || c > strrchr(l, '"')))
			*c = '\0';
		g_strstrip(l);
		if (*l == '\0' || *l == '\x1a')
			continue;
		if (g_ascii_strncasecmp(l, "START ", 6) == 0 || g_ascii_strncasecmp(l, "END ", 4) == 0) {
			gboolean start = g_ascii_toupper(l[0]) == 'S';
			const char *what = g_strstrip(l + (start ? 6 : 4));
			int level = sms_str_equal_ci(what, "COMPONENT") ? 1 :
			            sms_str_equal_ci(what, "GROUP") ? 2 :
			            sms_str_equal_ci(what, "ATTRIBUTE") ? 3 :
			            (sms_str_equal_ci(what, "TABLE") || sms_str_equal_ci(what, "ENUM") ||
			             sms_str_equal_ci(what, "PATH")) ? 4 : 0;
			if (level == 0)
				return mif_throw(error, name, ln, "expected COMPONENT, GROUP or ATTRIBUTE "
				                 "after START/END");
			if (level == 4)
				continue;   /* tables and enums are not part of status MIFs; skip */
			if (start) {
				if (level != depth + 1)
					return mif_throw(error, name, ln, "START out of order (expected START "
					                 "COMPONENT, then GROUP, then ATTRIBUTE)");
				depth = level;
				if (level == 1)
					seen_component = TRUE;
				if (level == 2) {
					g_clear_pointer(&group_class, g_free);
					g_clear_pointer(&group_name, g_free);
				}
				if (level == 3) {
					g_clear_pointer(&attr_name, g_free);
					g_clear_pointer(&attr_value, g_free);
				}
			} else {
				if (level != depth)
					return mif_throw(error, name, ln, "END does not match the open block");
				if (level == 3 && attr_name) {
					gboolean status_group = group_class &&
						g_ascii_strncasecmp(group_class, "MICROSOFT|JOBSTATUS", 19) == 0;
					char **slot = NULL;
					if (status_group && sms_str_equal_ci(attr_name, "Status"))
						slot = &m->status;
					else if (status_group && sms_str_equal_ci(attr_name, "Description"))
						slot = &m->description;
					else if (sms_str_equal_ci(attr_name, "Manufacturer"))
						slot = &m->manufacturer;
					else if (sms_str_equal_ci(attr_name, "Product"))
						slot = &m->product;
					else if (sms_str_equal_ci(attr_name, "Version"))
						slot = &m->version;
					else if (sms_str_equal_ci(attr_name, "Locale"))
						slot = &m->locale;
					else if (sms_str_equal_ci(attr_name, "Serial Number"))
						slot = &m->serial;
					else if (sms_str_equal_ci(attr_name, "Installation"))
						slot = &m->installation;
					if (slot) {
						g_free(*slot);
						*slot = g_steal_pointer(&attr_value);
					}
				}
				depth--;
			}
			continue;
		}
		eq = strchr(l, '=');
		if (eq == NULL || depth == 0)
			return mif_throw(error, name, ln, depth == 0 ? "expected START COMPONENT"
			                                             : "expected KEYWORD = value");
		*eq = '\0';
		{
			char *key = g_strstrip(l);
			g_autofree char *val = parse_value(eq + 1);
			if (val == NULL)
				return mif_throw(error, name, ln, "expected a value after '=' (a quoted "
				                 "string must be closed)");
			if (depth == 2 && sms_str_equal_ci(key, "CLASS")) {
				g_free(group_class);
				group_class = g_steal_pointer(&val);
			} else if (depth == 2 && sms_str_equal_ci(key, "NAME")) {
				g_free(group_name);
				group_name = g_steal_pointer(&val);
			} else if (depth == 3 && sms_str_equal_ci(key, "NAME")) {
				g_free(attr_name);
				attr_name = g_steal_pointer(&val);
			} else if (depth == 3 && sms_str_equal_ci(key, "VALUE")) {
				g_free(attr_value);
				attr_value = g_steal_pointer(&val);
			}
		}
	}
	if (!seen_component || depth != 0)
		return mif_throw(error, name, g_strv_length(lines),
		                 seen_component ? "unexpected end of file: a block is not closed"
		                                : "expected START COMPONENT");
	if (m->status == NULL) {
		g_set_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_NO_STATUS,
		            "%s: no Status attribute in a MICROSOFT|JOBSTATUS group", name);
		return FALSE;
	}
	m->success = !sms_str_equal_ci(m->status, "Failed");
	*out = g_steal_pointer(&m);
	return TRUE;
}

gboolean
sms_mif_load(const char *path, SmsStatusMif **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_mif_parse(path, data, len, out, error);
}

static void
attr(GString *o, int id, const char *name, const char *value, int width)
{
	g_string_append_printf(o, "\t\tSTART ATTRIBUTE\r\n\t\t\tNAME = \"%s\"\r\n\t\t\tID = %d\r\n"
	                       "\t\t\tACCESS = READ-ONLY\r\n\t\t\tSTORAGE = SPECIFIC\r\n"
	                       "\t\t\tTYPE = STRING(%d)\r\n\t\t\tVALUE = \"%s\"\r\n"
	                       "\t\tEND ATTRIBUTE\r\n", name, id, width, value ? value : "");
}

char *
sms_mif_format_status(const char *manufacturer, const char *product, const char *version,
                      const char *description, gboolean success)
{
	GString *o = g_string_new("START COMPONENT\r\n\tNAME = \"WORKSTATION\"\r\n");
	g_string_append(o, "\tSTART GROUP\r\n\t\tNAME = \"ComponentID\"\r\n\t\tID = 1\r\n"
	                   "\t\tCLASS = \"DMTF|ComponentID|1.0\"\r\n");
	attr(o, 1, "Manufacturer", manufacturer, 64);
	attr(o, 2, "Product", product, 64);
	attr(o, 3, "Version", version, 64);
	attr(o, 4, "Locale", "ENU", 16);
	attr(o, 5, "Serial Number", "", 64);
	attr(o, 6, "Installation", "", 64);
	g_string_append(o, "\tEND GROUP\r\n\tSTART GROUP\r\n\t\tNAME = \"InstallStatus\"\r\n"
	                   "\t\tID = 2\r\n\t\tCLASS = \"MICROSOFT|JOBSTATUS|1.0\"\r\n");
	attr(o, 1, "Status", success ? "Success" : "Failed", 32);
	attr(o, 2, "Description", description, 128);
	g_string_append(o, "\tEND GROUP\r\nEND COMPONENT\r\n");
	return g_string_free(o, FALSE);
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
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_sni_parse(path, data, len, out, error);
}
