/* ins.c -- PCM instruction files (see ins.h). */
#include "ins.h"

#include <zlib.h>

G_DEFINE_QUARK(sms-ins-error-quark, sms_ins_error)

#define MAGIC "SMSPCMI\x1a"
#define FORMAT 1

static void
server_free(gpointer p)
{
	SmsInsServer *s = p;
	g_free(s->path);
	g_free(s);
}

SmsInsRecord *
sms_ins_record_new(void)
{
	SmsInsRecord *r = g_new0(SmsInsRecord, 1);
	r->pcm_version = SMS_INS_RECORD_VERSION;
	r->install_by = r->display_date = r->expiration = SMS_TIME_NONE;
	r->servers = g_ptr_array_new_with_free_func(server_free);
	return r;
}

void
sms_ins_record_free(SmsInsRecord *r)
{
	if (r == NULL)
		return;
	g_free(r->site_id); g_free(r->request_id); g_free(r->package_id); g_free(r->job_id);
	g_free(r->run_command); g_free(r->wcl_name); g_free(r->package_name); g_free(r->comments);
	g_free(r->domain);
	g_ptr_array_unref(r->servers);
	g_free(r);
}

void
sms_ins_record_add_server(SmsInsRecord *r, const char *path, int type)
{
	SmsInsServer *s = g_new0(SmsInsServer, 1);
	s->path = g_strdup(path);
	s->type = type;
	g_ptr_array_add(r->servers, s);
}

SmsInsRecord *
sms_ins_record_copy(const SmsInsRecord *r)
{
	SmsInsRecord *c = g_new0(SmsInsRecord, 1);
	*c = *r;
	c->site_id = g_strdup(r->site_id); c->request_id = g_strdup(r->request_id);
	c->package_id = g_strdup(r->package_id); c->job_id = g_strdup(r->job_id);
	c->run_command = g_strdup(r->run_command); c->wcl_name = g_strdup(r->wcl_name);
	c->package_name = g_strdup(r->package_name); c->comments = g_strdup(r->comments);
	c->domain = g_strdup(r->domain);
	c->servers = g_ptr_array_new_with_free_func(server_free);
	for (guint i = 0; i < r->servers->len; i++) {
		SmsInsServer *s = r->servers->pdata[i];
		sms_ins_record_add_server(c, s->path, s->type);
	}
	return c;
}

SmsInsFile *
sms_ins_file_new(void)
{
	SmsInsFile *f = g_new0(SmsInsFile, 1);
	f->records = g_ptr_array_new_with_free_func((GDestroyNotify)sms_ins_record_free);
	return f;
}

void
sms_ins_file_free(SmsInsFile *f)
{
	if (f == NULL)
		return;
	g_ptr_array_unref(f->records);
	g_free(f);
}

/* ---- serialise ----------------------------------------------------------------- */

static void
put16(GByteArray *b, guint16 v)
{
	v = GUINT16_TO_LE(v);
	g_byte_array_append(b, (guint8 *)&v, 2);
}

static void
put32(GByteArray *b, guint32 v)
{
	v = GUINT32_TO_LE(v);
	g_byte_array_append(b, (guint8 *)&v, 4);
}

static void
put64(GByteArray *b, gint64 v)
{
	guint64 u = GUINT64_TO_LE((guint64)v);
	g_byte_array_append(b, (guint8 *)&u, 8);
}

static void
putstr(GByteArray *b, const char *s)
{
	gsize n = s ? MIN(strlen(s), 0xFFFF) : 0;
	put16(b, (guint16)n);
	if (n)
		g_byte_array_append(b, (const guint8 *)s, (guint)n);
}

static void
puttime(GByteArray *b, SmsTime t)
{
	put64(b, t == SMS_TIME_NONE ? -1 : t);
}

static void
put_record(GByteArray *b, const SmsInsRecord *r)
{
	guint start = b->len;
	put32(b, 0);   /* length, patched below */
	put16(b, (guint16)r->pcm_version);
	putstr(b, r->site_id);
	putstr(b, r->request_id);
	putstr(b, r->package_id);
	putstr(b, r->job_id);
	g_byte_array_append(b, (guint8 *)&(guint8){ (guint8)r->install_flag }, 1);
	puttime(b, r->install_by);
	g_byte_array_append(b, (guint8 *)&(guint8){ (guint8)r->install_by_full }, 1);
	puttime(b, r->display_date);
	g_byte_array_append(b, (guint8 *)&(guint8){ (guint8)r->display_full }, 1);
	puttime(b, r->expiration);
	g_byte_array_append(b, (guint8 *)&(guint8){ (guint8)r->expiration_full }, 1);
	g_byte_array_append(b, (guint8 *)&(guint8){ (guint8)r->user_input }, 1);
	put32(b, r->os_mask);
	put32(b, r->disk_usage);
	putstr(b, r->run_command);
	putstr(b, r->wcl_name);
	put16(b, (guint16)r->servers->len);
	for (guint i = 0; i < r->servers->len; i++) {
		SmsInsServer *s = r->servers->pdata[i];
		putstr(b, s->path);
		put16(b, (guint16)s->type);
	}
	putstr(b, r->package_name);
	putstr(b, r->comments);
	putstr(b, r->domain);
	put32(b, r->flags);
	{
		guint32 len = GUINT32_TO_LE(b->len - start - 4);
		memcpy(b->data + start, &len, 4);
	}
}

GBytes *
sms_ins_serialize(const SmsInsFile *f)
{
	GByteArray *b = g_byte_array_sized_new(512);
	guint32 crc;
	g_byte_array_append(b, (const guint8 *)MAGIC, 8);
	put16(b, FORMAT);
	put16(b, (guint16)f->records->len);
	for (guint i = 0; i < f->records->len; i++)
		put_record(b, f->records->pdata[i]);
	crc = (guint32)crc32(0, b->data, b->len);
	put32(b, crc);
	return g_byte_array_free_to_bytes(b);
}

/* ---- parse --------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const guint8 *p;
	gsize len, off;
	GError **error;
} Rd;

static gboolean
need(Rd *r, gsize n, const char *what)
{
	if (r->len - r->off < n) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_TRUNCATED,
		            "%s: truncated at offset %" G_GSIZE_FORMAT ": expected %s", r->name,
		            r->off, what);
		return FALSE;
	}
	return TRUE;
}

static gboolean
get16(Rd *r, guint16 *v, const char *what)
{
	guint16 x;
	if (!need(r, 2, what))
		return FALSE;
	memcpy(&x, r->p + r->off, 2);
	r->off += 2;
	*v = GUINT16_FROM_LE(x);
	return TRUE;
}

static gboolean
get32(Rd *r, guint32 *v, const char *what)
{
	guint32 x;
	if (!need(r, 4, what))
		return FALSE;
	memcpy(&x, r->p + r->off, 4);
	r->off += 4;
	*v = GUINT32_FROM_LE(x);
	return TRUE;
}

static gboolean
gettime(Rd *r, SmsTime *v, const char *what)
{
	guint64 x;
	if (!need(r, 8, what))
		return FALSE;
	memcpy(&x, r->p + r->off, 8);
	r->off += 8;
	*v = (gint64)GUINT64_FROM_LE(x);
	if (*v == -1)
		*v = SMS_TIME_NONE;
	return TRUE;
}

static gboolean
get8(Rd *r, int *v, const char *what)
{
	if (!need(r, 1, what))
		return FALSE;
	*v = r->p[r->off++];
	return TRUE;
}

static gboolean
getstr(Rd *r, char **out, const char *what)
{
	guint16 n;
	if (!get16(r, &n, what) || !need(r, n, what))
		return FALSE;
	if (memchr(r->p + r->off, 0, n)) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": NUL byte in %s", r->name, r->off, what);
		return FALSE;
	}
	*out = n ? g_strndup((const char *)r->p + r->off, n) : NULL;
	r->off += n;
	return TRUE;
}

static gboolean
get_record(Rd *r, SmsInsRecord **out)
{
	g_autoptr(SmsInsRecord) rec = sms_ins_record_new();
	guint32 len;
	guint16 v16, nserv;
	gsize end;
	int b;
	if (!get32(r, &len, "a record length") || !need(r, len, "the record"))
		return FALSE;
	end = r->off + len;
	if (!get16(r, &v16, "PCM Version"))
		return FALSE;
	rec->pcm_version = v16;
	if (!getstr(r, &rec->site_id, "SiteID") || !getstr(r, &rec->request_id, "RequestID") ||
	    !getstr(r, &rec->package_id, "PackageID") || !getstr(r, &rec->job_id, "JobID") ||
	    !get8(r, &rec->install_flag, "Install Flag") ||
	    !gettime(r, &rec->install_by, "Install By Date") || !get8(r, &b, "Install By Full"))
		return FALSE;
	rec->install_by_full = b;
	if (!gettime(r, &rec->display_date, "Display Date") || !get8(r, &b, "Display Full"))
		return FALSE;
	rec->display_full = b;
	if (!gettime(r, &rec->expiration, "Expiration Date") || !get8(r, &b, "Expiration Full"))
		return FALSE;
	rec->expiration_full = b;
	if (!get8(r, &rec->user_input, "User Input Flags") ||
	    !get32(r, &rec->os_mask, "Operating System") ||
	    !get32(r, &rec->disk_usage, "Disk Usage") ||
	    !getstr(r, &rec->run_command, "Run Command") || !getstr(r, &rec->wcl_name, "WCL Name") ||
	    !get16(r, &nserv, "the server count"))
		return FALSE;
	for (guint i = 0; i < nserv; i++) {
		g_autofree char *path = NULL;
		guint16 type;
		if (!getstr(r, &path, "a server path") || !get16(r, &type, "a server type"))
			return FALSE;
		sms_ins_record_add_server(rec, path, type);
	}
	if (!getstr(r, &rec->package_name, "Package Name") ||
	    !getstr(r, &rec->comments, "Comments") || !getstr(r, &rec->domain, "Domain Name") ||
	    !get32(r, &rec->flags, "the flags"))
		return FALSE;
	if (r->off != end) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": record length does not match its fields",
		            r->name, r->off);
		return FALSE;
	}
	if (rec->job_id == NULL) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": record without a JobID", r->name, r->off);
		return FALSE;
	}
	*out = g_steal_pointer(&rec);
	return TRUE;
}

gboolean
sms_ins_parse(const char *name, const guint8 *data, gsize len, SmsInsFile **out,
              GError **error)
{
	Rd r = { name, data, len, 0, error };
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	guint16 ver, count;
	guint32 crc_stored, crc;
	if (!need(&r, 8, "the SMSPCMI header"))
		return FALSE;
	if (memcmp(data, MAGIC, 8) != 0) {
		g_set_error(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset 0: not a PCM instruction file (bad magic)", name);
		return FALSE;
	}
	r.off = 8;
	if (!get16(&r, &ver, "the format version"))
		return FALSE;
	if (ver != FORMAT) {
		g_set_error(error, SMS_INS_ERROR, SMS_INS_ERROR_VERSION,
		            "%s: offset 8: instruction file format %u (this program reads %d)", name,
		            ver, FORMAT);
		return FALSE;
	}
	if (!get16(&r, &count, "the record count"))
		return FALSE;
	if (len < 16) {
		r.off = len;
		return need(&r, 4, "the checksum");
	}
	memcpy(&crc_stored, data + len - 4, 4);
	crc_stored = GUINT32_FROM_LE(crc_stored);
	crc = (guint32)crc32(0, data, (uInt)(len - 4));
	if (crc != crc_stored) {
		g_set_error(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": checksum mismatch (stored %08x, computed "
		            "%08x): truncated or corrupt", name, len - 4, crc_stored, crc);
		return FALSE;
	}
	r.len = len - 4;
	for (guint i = 0; i < count; i++) {
		SmsInsRecord *rec = NULL;
		if (!get_record(&r, &rec))
			return FALSE;
		g_ptr_array_add(f->records, rec);
	}
	if (r.off != r.len) {
		g_set_error(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": data after the last record", name, r.off);
		return FALSE;
	}
	*out = g_steal_pointer(&f);
	return TRUE;
}

gboolean
sms_ins_load(const char *path, SmsInsFile **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	g_autoptr(GError) local = NULL;
	if (!g_file_get_contents(path, &data, &len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_set_error(error, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND, "%s: no such file",
			            path);
		else
			g_set_error(error, SMS_ERROR, SMS_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	return sms_ins_parse(path, (const guint8 *)data, len, out, error);
}

gboolean
sms_ins_save(const char *path, const SmsInsFile *f, SmsSyncMode sync, GError **error)
{
	g_autoptr(GBytes) b = sms_ins_serialize(f);
	gsize n;
	const void *d = g_bytes_get_data(b, &n);
	return sms_atomic_write(path, d, n, 0644, sync, error);
}

static gboolean
load_or_empty(const char *path, SmsInsFile **out, GError **error)
{
	g_autoptr(GError) local = NULL;
	if (sms_ins_load(path, out, &local))
		return TRUE;
	if (g_error_matches(local, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND)) {
		*out = sms_ins_file_new();
		return TRUE;
	}
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

gboolean
sms_ins_upsert(const char *path, const SmsInsRecord *rec, SmsSyncMode sync,
               gboolean *out_changed, GError **error)
{
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GBytes) b = NULL;
	gsize n;
	const void *d;
	gboolean replaced = FALSE;
	if (!load_or_empty(path, &f, error))
		return FALSE;
	for (guint i = 0; i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		if (g_strcmp0(r->job_id, rec->job_id) == 0) {
			f->records->pdata[i] = sms_ins_record_copy(rec);
			sms_ins_record_free(r);
			replaced = TRUE;
			break;
		}
	}
	if (!replaced)
		g_ptr_array_add(f->records, sms_ins_record_copy(rec));
	b = sms_ins_serialize(f);
	d = g_bytes_get_data(b, &n);
	return sms_atomic_write_if_changed(path, d, n, 0644, sync, out_changed, error);
}

gboolean
sms_ins_remove(const char *path, const char *job_id, const char *package_id,
               SmsSyncMode sync, gboolean *out_changed, GError **error)
{
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GError) local = NULL;
	gboolean changed = FALSE;
	if (!sms_ins_load(path, &f, &local)) {
		if (g_error_matches(local, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND)) {
			if (out_changed)
				*out_changed = FALSE;
			return TRUE;
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	for (guint i = f->records->len; i-- > 0;) {
		SmsInsRecord *r = f->records->pdata[i];
		if ((job_id && g_strcmp0(r->job_id, job_id) == 0) ||
		    (package_id && g_strcmp0(r->package_id, package_id) == 0)) {
			g_ptr_array_remove_index(f->records, i);
			changed = TRUE;
		}
	}
	if (out_changed)
		*out_changed = changed;
	if (!changed)
		return TRUE;
	if (f->records->len == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing %s", path);
		return TRUE;
	}
	return sms_ins_save(path, f, sync, error);
}

static const char *
pcm_date(SmsTime t, char buf[24])
{
	g_autofree char *s = sms_time_format_pcm(t);
	g_strlcpy(buf, s, 24);
	return buf;
}

void
sms_ins_dump(const SmsInsFile *f, const char *name, GString *out)
{
	char b1[24];
	g_string_append_printf(out, "PCM instruction file %s: %u record(s)\n", name,
	                       f->records->len);
	for (guint i = 0; i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		g_autofree char *os = NULL;
		g_string_append_printf(out, "\nRecord %u\n", i + 1);
		g_string_append_printf(out, "  PCM Version      : %d\n", r->pcm_version);
		g_string_append_printf(out, "  SiteID           : %s\n", r->site_id ? r->site_id : "");
		g_string_append_printf(out, "  RequestID        : %s\n", r->request_id ? r->request_id : "");
		g_string_append_printf(out, "  PackageID        : %s\n", r->package_id ? r->package_id : "");
		g_string_append_printf(out, "  JobID            : %s\n", r->job_id);
		g_string_append_printf(out, "  Install Flag     : %d\n", r->install_flag);
		g_string_append_printf(out, "  Install By Date  : %s\n", pcm_date(r->install_by, b1));
		g_string_append_printf(out, "  Install By Full  : %d\n", r->install_by_full);
		g_string_append_printf(out, "  Display Date     : %s\n", pcm_date(r->display_date, b1));
		g_string_append_printf(out, "  Display Full     : %d\n", r->display_full);
		g_string_append_printf(out, "  Expiration Date  : %s\n", pcm_date(r->expiration, b1));
		g_string_append_printf(out, "  Expiration Full  : %d\n", r->expiration_full);
		g_string_append_printf(out, "  User Input Flags : %d\n", r->user_input);
		os = g_strdup_printf("%u (0x%02x)", r->os_mask, r->os_mask);
		g_string_append_printf(out, "  Operating System : %s\n", os);
		g_string_append_printf(out, "  Disk Usage       : %u\n", r->disk_usage);
		g_string_append_printf(out, "  Run Command      : %s\n", r->run_command ? r->run_command : "");
		g_string_append_printf(out, "  WCL Name         : %s\n", r->wcl_name ? r->wcl_name : "");
		for (guint k = 0; k < r->servers->len; k++) {
			SmsInsServer *s = r->servers->pdata[k];
			g_string_append_printf(out, "  Server(s)        : %s (server type %d)\n", s->path,
			                       s->type);
		}
		if (r->servers->len == 0)
			g_string_append(out, "  Server(s)        :\n");
		g_string_append_printf(out, "  Package Name     : %s\n", r->package_name ? r->package_name : "");
		g_string_append_printf(out, "  Comments         : %s\n", r->comments ? r->comments : "");
		g_string_append_printf(out, "  Domain Name      : %s\n", r->domain ? r->domain : "");
		g_string_append_printf(out, "  Reserved         : 0x%08x\n", r->flags);
	}
}

static void
jstr(GString *o, const char *k, const char *v, gboolean comma)
{
	g_string_append_printf(o, "%s\"%s\":", comma ? "," : "", k);
	if (v)
		sms_json_append_string(o, v);
	else
		g_string_append(o, "null");
}

void
sms_ins_dump_json(const SmsInsFile *f, const char *name, GString *out)
{
	char b[24];
	g_string_append(out, "{\"file\":");
	sms_json_append_string(out, name);
	g_string_append(out, ",\"records\":[");
	for (guint i = 0; i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		g_string_append_printf(out, "%s{\"pcm_version\":%d", i ? "," : "", r->pcm_version);
		jstr(out, "site_id", r->site_id, TRUE);
		jstr(out, "request_id", r->request_id, TRUE);
		jstr(out, "package_id", r->package_id, TRUE);
		jstr(out, "job_id", r->job_id, TRUE);
		g_string_append_printf(out, ",\"install_flag\":%d", r->install_flag);
		jstr(out, "install_by", pcm_date(r->install_by, b), TRUE);
		g_string_append_printf(out, ",\"install_by_full\":%d", r->install_by_full);
		jstr(out, "display_date", pcm_date(r->display_date, b), TRUE);
		g_string_append_printf(out, ",\"display_full\":%d", r->display_full);
		jstr(out, "expiration", pcm_date(r->expiration, b), TRUE);
		g_string_append_printf(out, ",\"expiration_full\":%d,\"user_input\":%d,"
		                       "\"os_mask\":%u", r->expiration_full, r->user_input, r->os_mask);
		jstr(out, "run_command", r->run_command, TRUE);
		jstr(out, "wcl_name", r->wcl_name, TRUE);
		g_string_append(out, ",\"servers\":[");
		for (guint k = 0; k < r->servers->len; k++) {
			SmsInsServer *s = r->servers->pdata[k];
			g_string_append_printf(out, "%s{\"path\":", k ? "," : "");
			sms_json_append_string(out, s->path);
			g_string_append_printf(out, ",\"type\":%d}", s->type);
		}
		g_string_append_c(out, ']');
		jstr(out, "package_name", r->package_name, TRUE);
		jstr(out, "comments", r->comments, TRUE);
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]}");
}
