/* instruction.c -- despooler instructions and send requests (see instruction.h). */
#include "instruction.h"
#include "atomic.h"
#include "ini.h"

#include <zlib.h>

G_DEFINE_QUARK(sms-instr-error-quark, sms_instr_error)

static void
target_free(gpointer p)
{
	SmsInstrTarget *t = p;
	g_free(t->machine); g_free(t->domain); g_free(t->smsid); g_free(t);
}

static void
row_free(gpointer p)
{
	SmsInstrStatusRow *r = p;
	g_free(r->table); g_free(r->site); g_free(r->server); g_free(r->machine);
	g_free(r->path); g_free(r->detail); g_free(r);
}

SmsInstruction *
sms_instruction_new(SmsInstrKind kind)
{
	SmsInstruction *i = g_new0(SmsInstruction, 1);
	i->kind = kind;
	i->targets = g_ptr_array_new_with_free_func(target_free);
	i->status_rows = g_ptr_array_new_with_free_func(row_free);
	i->offer_after = i->mandatory_after = i->expires_after = SMS_TIME_NONE;
	return i;
}

void
sms_instruction_free(SmsInstruction *i)
{
	if (i == NULL)
		return;
	g_free(i->id); g_free(i->job_id); g_free(i->request_id); g_free(i->origin_site);
	g_free(i->from_site);
	g_free(i->target_site); g_free(i->package_id); g_free(i->package_name);
	g_free(i->package_version); g_free(i->package_comment); g_free(i->package_file);
	g_free(i->share_name); g_free(i->share_access); g_free(i->dist_servers);
	g_free(i->command_name); g_free(i->command_line);
	g_ptr_array_unref(i->targets);
	g_ptr_array_unref(i->status_rows);
	g_free(i);
}

void
sms_instruction_add_target(SmsInstruction *ins, const char *machine, const char *domain,
                           const char *smsid)
{
	SmsInstrTarget *t = g_new0(SmsInstrTarget, 1);
	t->machine = g_strdup(machine);
	t->domain = g_strdup(domain);
	t->smsid = g_strdup(smsid);
	g_ptr_array_add(ins->targets, t);
}

static const char *kind_names[] = { "", "Install", "Remove", "Cancel", "Status" };

/* A value as the INI reader gives it back unchanged: single-line (white space becomes
 * blanks, other control characters '?', so nothing can inject a key
 * or a section), no blanks at either end (the reader strips them) and no ';' after a
 * blank or at its start, which the reader takes for a comment (it becomes ','). May
 * return "". */
static char *
safe_value(const char *value)
{
	char prev = ' ';
	g_autofree char *v = g_strdup(value);
	GString *out = g_string_new(NULL);
	for (char *p = v; *p; p++) {
		if (g_ascii_isspace(*p))   /* what the reader strips */
			*p = ' ';
		else if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	g_strstrip(v);
	for (const char *p = v; *p; p++) {
		char c = *p == ';' && (prev == ' ' || prev == '\t') ? ',' : *p;
		g_string_append_c(out, c);
		prev = c;
	}
	return g_string_free(out, FALSE);
}

static void
kv(GString *out, const char *key, const char *value)
{
	g_autofree char *v = value ? safe_value(value) : NULL;
	if (v == NULL || *v == '\0')
		return;
	g_string_append_printf(out, "%s=%s\n", key, v);
}

static void
kv_int(GString *out, const char *key, gint64 v)
{
	g_string_append_printf(out, "%s=%" G_GINT64_FORMAT "\n", key, v);
}

static void
kv_time(GString *out, const char *key, SmsTime t)
{
	if (t != SMS_TIME_NONE) {
		g_autofree char *s = sms_time_format(t);
		kv(out, key, s);
	}
}

static char *
finish(GString *out, gsize *out_len)
{
	guint32 crc = (guint32)crc32(0, (const Bytef *)out->str, (uInt)out->len);
	g_string_append_printf(out, "[End]\nCRC32=%08x\n", crc);
	if (out_len)
		*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* A field of a tab-separated row ("-" for none). */
static char *
clean(const char *s)
{
	char *v = safe_value(s ? s : "");
	if (*v == '\0') {
		g_free(v);
		v = g_strdup("-");
	}
	return v;
}

char *
sms_instruction_serialize(const SmsInstruction *i, gsize *out_len)
{
	GString *o = g_string_new("[Instruction]\n");
	kv(o, "Kind", kind_names[i->kind]);
	kv(o, "ID", i->id);
	kv(o, "JobID", i->job_id);
	kv(o, "RequestID", i->request_id);
	kv_int(o, "JobType", i->job_type);
	kv(o, "OriginSite", i->origin_site);
	kv(o, "FromSite", i->from_site);
	kv(o, "TargetSite", i->target_site);
	kv_int(o, "Priority", i->priority);
	kv_time(o, "Created", i->created);
	kv(o, "PackageID", i->package_id);
	kv(o, "PackageName", i->package_name);
	kv(o, "PackageVersion", i->package_version);
	kv(o, "PackageComment", i->package_comment);
	kv(o, "PackageFile", i->package_file);
	if (i->package_file)
		g_string_append_printf(o, "PackageCRC=%08x\n", i->package_crc);
	kv(o, "ShareName", i->share_name);
	kv(o, "ShareAccess", i->share_access);
	kv_int(o, "DistributeMode", i->dist_mode);
	kv(o, "DistributionServers", i->dist_servers);
	kv_int(o, "RemoveTasks", i->remove_tasks);
	kv_int(o, "RunCommand", i->run_command);
	kv(o, "CommandName", i->command_name);
	kv(o, "CommandLine", i->command_line);
	g_string_append_printf(o, "Platforms=0x%02x\n", i->platforms);
	kv_int(o, "CommandFlags", i->command_flags);
	kv_time(o, "OfferAfter", i->offer_after);
	kv_time(o, "MandatoryAfter", i->mandatory_after);
	kv_time(o, "ExpiresAfter", i->expires_after);
	kv_int(o, "ForceOverSlowLink", i->force_slow_link);
	if (i->targets->len) {
		g_string_append(o, "[Targets]\n");
		for (guint k = 0; k < i->targets->len; k++) {
			SmsInstrTarget *t = i->targets->pdata[k];
			g_autofree char *m = clean(t->machine), *d = clean(t->domain);
			g_autofree char *s = clean(t->smsid);
			g_string_append_printf(o, "%u=%s\t%s\t%s\n", k + 1, m, d, s);
		}
	}
	if (i->status_rows->len) {
		g_string_append(o, "[Status]\n");
		for (guint k = 0; k < i->status_rows->len; k++) {
			SmsInstrStatusRow *r = i->status_rows->pdata[k];
			g_autofree char *a = clean(r->table), *b = clean(r->site), *c = clean(r->server);
			g_autofree char *d = clean(r->machine), *e = clean(r->path), *f = clean(r->detail);
			g_string_append_printf(o, "%u=%s\t%s\t%s\t%s\t%d\t%" G_GINT64_FORMAT "\t%s\t%s\n",
			                       k + 1, a, b, c, d, r->status,
			                       r->updated == SMS_TIME_NONE ? (gint64)-1 : r->updated, e, f);
		}
	}
	return finish(o, out_len);
}

/* Check "[End]\nCRC32=xxxxxxxx\n" at the end; returns the length of the body. */
static gboolean
check_crc(const char *name, const char *data, gsize len, gsize *body, GError **error)
{
	static const char tail[] = "[End]\nCRC32=";
	const gsize tl = sizeof tail - 1;
	gsize end = len;
	guint32 want, got;
	char hex[9], written[9];
	while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r'))
		end--;
	if (end < tl + 8 || memcmp(data + end - 8 - tl, tail, tl) != 0) {
		g_set_error(error, SMS_INSTR_ERROR, SMS_INSTR_ERROR_TRUNCATED,
		            "%s: truncated at offset %" G_GSIZE_FORMAT ": expected the closing "
		            "'[End] CRC32=' line", name, len);
		return FALSE;
	}
	memcpy(hex, data + end - 8, 8);
	hex[8] = '\0';
	want = (guint32)g_ascii_strtoull(hex, NULL, 16);
	*body = end - 8 - tl;
	got = (guint32)crc32(0, (const Bytef *)data, (uInt)*body);
	/* the stored digits exactly as written (lower case): a flipped letter case is
	 * damage too */
	g_snprintf(written, sizeof written, "%08x", got);
	if (got != want || memcmp(hex, written, 8) != 0) {
		g_set_error(error, SMS_INSTR_ERROR, SMS_INSTR_ERROR_CORRUPT,
		            "%s: checksum mismatch (stored %08x, computed %08x): the file is corrupt",
		            name, want, got);
		return FALSE;
	}
	return TRUE;
}

static gboolean
get_int(SmsIni *ini, SmsIniSection *s, const char *k, gint64 def, gint64 *out, GError **error)
{
	return sms_ini_get_int(ini, s, k, G_MININT64 / 2, G_MAXINT64 / 2, def, out, error);
}

static gboolean
get_time(SmsIni *ini, SmsIniSection *s, const char *k, SmsTime *out, GError **error)
{
	const char *v = sms_ini_section_get(s, k);
	g_autoptr(GError) local = NULL;
	if (v == NULL || *v == '\0') {
		*out = SMS_TIME_NONE;
		return TRUE;
	}
	if (!sms_time_parse(v, out, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(s, k), SMS_INI_ERROR_BAD_VALUE,
		                     "%s: %s", k, local->message);
	return TRUE;
}

static char *
dup_or_null(const char *s)
{
	return s && *s && strcmp(s, "-") != 0 ? g_strdup(s) : NULL;
}

gboolean
sms_instruction_parse(const char *name, const char *data, gsize len, SmsInstruction **out,
                      GError **error)
{
	gsize body;
	g_autoptr(SmsIni) ini = NULL;
	g_autoptr(SmsInstruction) i = NULL;
	SmsIniSection *s;
	const char *v;
	gint64 n;

	if (!check_crc(name, data, len, &body, error))
		return FALSE;
	ini = sms_ini_parse(name, data, body, error);
	if (ini == NULL)
		return FALSE;
	s = sms_ini_find(ini, "Instruction");
	if (s == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "no [Instruction] section");
	v = sms_ini_section_get(s, "Kind");
	i = sms_instruction_new(0);
	for (gsize k = 1; k < G_N_ELEMENTS(kind_names); k++)
		if (v && sms_str_equal_ci(v, kind_names[k]))
			i->kind = (SmsInstrKind)k;
	if (i->kind == 0)
		return sms_ini_throw(error, ini, sms_ini_key_line(s, "Kind"), SMS_INI_ERROR_BAD_VALUE,
		                     "Kind: expected Install, Remove, Cancel or Status");
	if (!sms_ini_require(ini, s, "ID", &v, error))
		return FALSE;
	i->id = g_strdup(v);
	if (!sms_ini_require(ini, s, "JobID", &v, error))
		return FALSE;
	i->job_id = g_strdup(v);
	if ((v = sms_ini_section_get(s, "RequestID")) != NULL) {
		gboolean ok = strlen(v) == 7;
		for (const char *p = v; ok && *p; p++)
			ok = g_ascii_isalnum(*p);
		if (!ok)
			return sms_ini_throw(error, ini, sms_ini_key_line(s, "RequestID"),
			                     SMS_INI_ERROR_BAD_VALUE, "RequestID: expected 7 letters "
			                     "or digits, got '%s'", v);
		i->request_id = g_strdup(v);
	}
	if (!get_int(ini, s, "JobType", 0, &n, error))
		return FALSE;
	i->job_type = (int)n;
	i->origin_site = dup_or_null(sms_ini_section_get(s, "OriginSite"));
	i->from_site = dup_or_null(sms_ini_section_get(s, "FromSite"));
	i->target_site = dup_or_null(sms_ini_section_get(s, "TargetSite"));
	if (i->origin_site == NULL || i->target_site == NULL)
		return sms_ini_throw(error, ini, s->line, SMS_INI_ERROR_MISSING_KEY,
		                     "missing OriginSite or TargetSite");
	if (!get_int(ini, s, "Priority", 2, &n, error))
		return FALSE;
	i->priority = (int)n;
	if (!get_time(ini, s, "Created", &i->created, error))
		return FALSE;
	i->package_id = dup_or_null(sms_ini_section_get(s, "PackageID"));
	i->package_name = dup_or_null(sms_ini_section_get(s, "PackageName"));
	i->package_version = dup_or_null(sms_ini_section_get(s, "PackageVersion"));
	i->package_comment = dup_or_null(sms_ini_section_get(s, "PackageComment"));
	i->package_file = dup_or_null(sms_ini_section_get(s, "PackageFile"));
	if ((v = sms_ini_section_get(s, "PackageCRC")))
		i->package_crc = (guint32)g_ascii_strtoull(v, NULL, 16);
	if (i->package_file && (strchr(i->package_file, '/') || i->package_file[0] == '.'))
		return sms_ini_throw(error, ini, sms_ini_key_line(s, "PackageFile"),
		                     SMS_INI_ERROR_BAD_VALUE, "PackageFile: expected a file name");
	i->share_name = dup_or_null(sms_ini_section_get(s, "ShareName"));
	i->share_access = dup_or_null(sms_ini_section_get(s, "ShareAccess"));
	if (!get_int(ini, s, "DistributeMode", 0, &n, error))
		return FALSE;
	i->dist_mode = (guint)n;
	i->dist_servers = dup_or_null(sms_ini_section_get(s, "DistributionServers"));
	if (!get_int(ini, s, "RemoveTasks", 1, &n, error))
		return FALSE;
	i->remove_tasks = (int)n;
	if (!get_int(ini, s, "RunCommand", 0, &n, error))
		return FALSE;
	i->run_command = n != 0;
	i->command_name = dup_or_null(sms_ini_section_get(s, "CommandName"));
	i->command_line = dup_or_null(sms_ini_section_get(s, "CommandLine"));
	if (!get_int(ini, s, "Platforms", 0, &n, error))
		return FALSE;
	i->platforms = (guint32)n;
	if (!get_int(ini, s, "CommandFlags", 0, &n, error))
		return FALSE;
	i->command_flags = (guint)n;
	if (!get_time(ini, s, "OfferAfter", &i->offer_after, error) ||
	    !get_time(ini, s, "MandatoryAfter", &i->mandatory_after, error) ||
	    !get_time(ini, s, "ExpiresAfter", &i->expires_after, error))
		return FALSE;
	if (!get_int(ini, s, "ForceOverSlowLink", 0, &n, error))
		return FALSE;
	i->force_slow_link = n != 0;
	if ((s = sms_ini_find(ini, "Targets"))) {
		for (guint k = 0; k < s->entries->len; k++) {
			SmsIniEntry *e = s->entries->pdata[k];
			g_auto(GStrv) f = g_strsplit(e->value, "\t", -1);
			if (g_strv_length(f) != 3 || *f[0] == '\0')
				return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE,
				                     "target: expected MACHINE<tab>DOMAIN<tab>SMSID");
			sms_instruction_add_target(i, f[0], f[1], strcmp(f[2], "-") != 0 ? f[2] : NULL);
		}
	}
	if ((s = sms_ini_find(ini, "Status"))) {
		for (guint k = 0; k < s->entries->len; k++) {
			SmsIniEntry *e = s->entries->pdata[k];
			g_auto(GStrv) f = g_strsplit(e->value, "\t", -1);
			SmsInstrStatusRow *r;
			gint64 up;
			if (g_strv_length(f) != 8)
				return sms_ini_throw(error, ini, e->line, SMS_INI_ERROR_BAD_VALUE,
				                     "status row: expected 8 tab-separated fields");
			r = g_new0(SmsInstrStatusRow, 1);
			r->table = dup_or_null(f[0]);
			r->site = dup_or_null(f[1]);
			r->server = dup_or_null(f[2]);
			r->machine = dup_or_null(f[3]);
			r->status = atoi(f[4]);
			up = g_ascii_strtoll(f[5], NULL, 10);
			r->updated = up < 0 ? SMS_TIME_NONE : up;
			r->path = dup_or_null(f[6]);
			r->detail = dup_or_null(f[7]);
			g_ptr_array_add(i->status_rows, r);
		}
	}
	*out = g_steal_pointer(&i);
	return TRUE;
}

gboolean
sms_instruction_load(const char *path, SmsInstruction **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_instruction_parse(path, data, len, out, error);
}

gboolean
sms_instruction_save(const SmsInstruction *ins, const char *path, GError **error)
{
	gsize len;
	g_autofree char *text = sms_instruction_serialize(ins, &len);
	return sms_atomic_write(path, text, len, 0644, SMS_SYNC_FILE, error);
}

/* ---- send requests ------------------------------------------------------------ */

void
sms_send_request_free(SmsSendRequest *r)
{
	if (r == NULL)
		return;
	g_free(r->id); g_free(r->job_id); g_free(r->target_site); g_free(r->target_root);
	g_free(r->package_file); g_free(r->instruction_file);
	g_free(r);
}

char *
sms_send_request_serialize(const SmsSendRequest *r, gsize *out_len)
{
	GString *o = g_string_new("[Send Request]\n");
	kv(o, "ID", r->id);
	kv(o, "JobID", r->job_id);
	kv_int(o, "Priority", r->priority);
	kv(o, "TargetSite", r->target_site);
	kv(o, "TargetRoot", r->target_root);
	kv(o, "PackageFile", r->package_file);
	kv(o, "InstructionFile", r->instruction_file);
	kv_int(o, "Attempts", r->attempts);
	kv_time(o, "NextAttempt", r->next_attempt);
	kv_time(o, "Created", r->created);
	return finish(o, out_len);
}

gboolean
sms_send_request_parse(const char *name, const char *data, gsize len, SmsSendRequest **out,
                       GError **error)
{
	gsize body;
	g_autoptr(SmsIni) ini = NULL;
	g_autoptr(SmsSendRequest) r = NULL;
	SmsIniSection *s;
	const char *v;
	gint64 n;

	if (!check_crc(name, data, len, &body, error))
		return FALSE;
	ini = sms_ini_parse(name, data, body, error);
	if (ini == NULL)
		return FALSE;
	s = sms_ini_find(ini, "Send Request");
	if (s == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "no [Send Request] section");
	r = g_new0(SmsSendRequest, 1);
	if (!sms_ini_require(ini, s, "ID", &v, error))
		return FALSE;
	r->id = g_strdup(v);
	if (!sms_ini_require(ini, s, "JobID", &v, error))
		return FALSE;
	r->job_id = g_strdup(v);
	if (!sms_ini_require(ini, s, "TargetSite", &v, error))
		return FALSE;
	r->target_site = g_strdup(v);
	if (!sms_ini_require(ini, s, "TargetRoot", &v, error))
		return FALSE;
	r->target_root = g_strdup(v);
	if (!sms_ini_require(ini, s, "InstructionFile", &v, error))
		return FALSE;
	r->instruction_file = g_strdup(v);
	r->package_file = dup_or_null(sms_ini_section_get(s, "PackageFile"));
	if (!get_int(ini, s, "Priority", 2, &n, error))
		return FALSE;
	r->priority = (int)n;
	if (!get_int(ini, s, "Attempts", 0, &n, error))
		return FALSE;
	r->attempts = (int)n;
	if (!get_time(ini, s, "NextAttempt", &r->next_attempt, error) ||
	    !get_time(ini, s, "Created", &r->created, error))
		return FALSE;
	if (strchr(r->instruction_file, '/') || (r->package_file && strchr(r->package_file, '/')))
		return sms_ini_throw(error, ini, s->line, SMS_INI_ERROR_BAD_VALUE,
		                     "file names in a send request must not contain '/'");
	*out = g_steal_pointer(&r);
	return TRUE;
}

gboolean
sms_send_request_load(const char *path, SmsSendRequest **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_send_request_parse(path, data, len, out, error);
}

gboolean
sms_send_request_save(const SmsSendRequest *r, const char *path, GError **error)
{
	gsize len;
	g_autofree char *text = sms_send_request_serialize(r, &len);
	return sms_atomic_write(path, text, len, 0644, SMS_SYNC_FILE, error);
}
