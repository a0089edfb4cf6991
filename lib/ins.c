/* ins.c -- PCM instruction files (see ins.h and smsemu-ins(5)). */
#include "ins.h"
#include "boxfile.h"
#include "job.h"
#include "pdf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

G_DEFINE_QUARK(sms-ins-error-quark, sms_ins_error)

#define MAGIC "SMSPCMI\x1a"
#define MAGIC_LEN 8
#define HEADER_V1 12         /* magic, version, count */
#define HEADER_V2 16         /* + compat, reserved */
#define COMPAT 2             /* oldest reader that understands what we write */
#define TIME_MAX G_GINT64_CONSTANT(253402300799)   /* 9999-12-31 23:59:59 */
#define STR_MAX 0xFFFF

/* ---- records ------------------------------------------------------------------- */

static void
server_free(gpointer p)
{
	SmsInsServer *s = p;
	g_free(s->path);
	g_free(s->zone);
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
sms_ins_record_add_server_zone(SmsInsRecord *r, const char *path, int type, const char *zone)
{
	SmsInsServer *s = g_new0(SmsInsServer, 1);
	s->path = g_strdup(path);
	s->type = type;
	s->zone = zone && *zone ? g_strdup(zone) : NULL;
	g_ptr_array_add(r->servers, s);
}

void
sms_ins_record_add_server(SmsInsRecord *r, const char *path, int type)
{
	sms_ins_record_add_server_zone(r, path, type, NULL);
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
		sms_ins_record_add_server_zone(c, s->path, s->type, s->zone);
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

static gboolean
check_str(const char *s, const char *field, const char *job, GError **error)
{
	if (s && strlen(s) > STR_MAX)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction for job %s: %s: expected at most 65,535 bytes, "
		                        "got %" G_GSIZE_FORMAT, job, field, strlen(s));
	return TRUE;
}

static gboolean
check_time(SmsTime t, const char *field, const char *job, GError **error)
{
	if (t == SMS_TIME_NONE || t == SMS_TIME_NEVER || (t >= 0 && t <= TIME_MAX))
		return TRUE;
	return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
	                        "instruction for job %s: %s: expected a time between 1970 and "
	                        "9999, got %" G_GINT64_FORMAT, job, field, t);
}

gboolean
sms_ins_record_check(const SmsInsRecord *r, GError **error)
{
	const char *job = r->job_id ? r->job_id : "(none)";
	const struct { const char *s, *name; } strs[] = {
		{ r->site_id, "SiteID" }, { r->request_id, "RequestID" },
		{ r->package_id, "PackageID" }, { r->job_id, "JobID" },
		{ r->run_command, "Run Command" }, { r->wcl_name, "WCL Name" },
		{ r->package_name, "Package Name" }, { r->comments, "Comments" },
		{ r->domain, "Domain Name" },
	};
	if (r->job_id == NULL || *r->job_id == '\0')
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction record without a JobID");
	for (gsize i = 0; i < G_N_ELEMENTS(strs); i++)
		if (!check_str(strs[i].s, strs[i].name, job, error))
			return FALSE;
	if (r->pcm_version < 0 || r->pcm_version > 0xFFFF)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction for job %s: PCM Version: expected 0-65535, got %d",
		                        job, r->pcm_version);
	if (r->install_flag < 0 || r->install_flag > 2)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction for job %s: Install Flag: expected 0, 1 or 2, "
		                        "got %d", job, r->install_flag);
	if (r->user_input < 0 || r->user_input > 1)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction for job %s: User Input Flags: expected 0 or 1, "
		                        "got %d", job, r->user_input);
	if (!check_time(r->install_by, "Install By Date", job, error) ||
	    !check_time(r->display_date, "Display Date", job, error) ||
	    !check_time(r->expiration, "Expiration Date", job, error))
		return FALSE;
	if (r->servers->len > 0xFFFF)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "instruction for job %s: expected at most 65,535 servers, "
		                        "got %u", job, r->servers->len);
	for (guint i = 0; i < r->servers->len; i++) {
		SmsInsServer *s = r->servers->pdata[i];
		if (s->path == NULL || *s->path == '\0')
			return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
			                        "instruction for job %s: server %u has no path", job,
			                        i + 1);
		if (s->type < SMS_SERVER_UNKNOWN || s->type > SMS_SERVER_NETWARE4)
			return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
			                        "instruction for job %s: server %s: expected a server "
			                        "type 1-7, got %d", job, s->path, s->type);
		if (!check_str(s->path, "server path", job, error) ||
		    !check_str(s->zone, "server zone", job, error))
			return FALSE;
	}
	return TRUE;
}

/* ---- serialise ----------------------------------------------------------------- */

static void
put8(GByteArray *b, guint8 v)
{
	g_byte_array_append(b, &v, 1);
}

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
	gsize n = s ? MIN(strlen(s), STR_MAX) : 0;
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
	gboolean zones = FALSE;
	put32(b, 0);   /* length, patched below */
	put16(b, (guint16)r->pcm_version);
	putstr(b, r->site_id);
	putstr(b, r->request_id);
	putstr(b, r->package_id);
	putstr(b, r->job_id);
	put8(b, (guint8)r->install_flag);
	puttime(b, r->install_by);
	put8(b, r->install_by_full ? 1 : 0);
	puttime(b, r->display_date);
	put8(b, r->display_full ? 1 : 0);
	puttime(b, r->expiration);
	put8(b, r->expiration_full ? 1 : 0);
	put8(b, (guint8)r->user_input);
	put32(b, r->os_mask);
	put32(b, r->disk_usage);
	putstr(b, r->run_command);
	putstr(b, r->wcl_name);
	put16(b, (guint16)r->servers->len);
	for (guint i = 0; i < r->servers->len; i++) {
		SmsInsServer *s = r->servers->pdata[i];
		putstr(b, s->path);
		put16(b, (guint16)s->type);
		zones |= s->zone != NULL;
	}
	putstr(b, r->package_name);
	putstr(b, r->comments);
	putstr(b, r->domain);
	put32(b, r->flags);
	/* format 2: one zone per server, or none at all */
	put16(b, zones ? (guint16)r->servers->len : 0);
	for (guint i = 0; zones && i < r->servers->len; i++)
		putstr(b, ((SmsInsServer *)r->servers->pdata[i])->zone);
	{
		guint32 len = GUINT32_TO_LE(b->len - start - 4);
		memcpy(b->data + start, &len, 4);
	}
}

/* records: SmsInsRecord* (borrowed) */
static GBytes *
serialize_records(GPtrArray *records)
{
	GByteArray *b = g_byte_array_sized_new(256 + 512 * records->len);
	guint32 crc;
	g_byte_array_append(b, (const guint8 *)MAGIC, MAGIC_LEN);
	put16(b, SMS_INS_FORMAT_VERSION);
	put16(b, (guint16)MIN(records->len, 0xFFFF));
	put16(b, COMPAT);
	put16(b, 0);
	for (guint i = 0; i < records->len && i < 0xFFFF; i++)
		put_record(b, records->pdata[i]);
	crc = (guint32)crc32(0, b->data, b->len);
	put32(b, crc);
	return g_byte_array_free_to_bytes(b);
}

GBytes *
sms_ins_serialize(const SmsInsFile *f)
{
	return serialize_records(f->records);
}

/* ---- parse --------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const guint8 *p;
	gsize len;        /* end of the data the records may use */
	gsize file_len;   /* size of the whole file (for messages) */
	gsize off;
	gsize limit;      /* end of the current record (<= len) */
	gsize rec_start;
	gboolean rec_cut; /* the current record's length runs past len */
	gboolean checked; /* the CRC matched: running out of data is corruption */
	GError **error;
} Rd;

static gboolean
need(Rd *r, gsize n, const char *what)
{
	if (r->limit - r->off >= n)
		return TRUE;
	if (!r->checked && (r->rec_cut || r->limit == r->file_len))
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_TRUNCATED,
		            "%s: offset %" G_GSIZE_FORMAT ": expected %s (%" G_GSIZE_FORMAT
		            " byte%s), the file ends at %" G_GSIZE_FORMAT " (truncated)", r->name,
		            r->off, what, n, n == 1 ? "" : "s", r->file_len);
	else if (r->limit == r->len)
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": expected %s (%" G_GSIZE_FORMAT
		            " byte%s), found the CRC-32 at offset %" G_GSIZE_FORMAT "%s", r->name,
		            r->off, what, n, n == 1 ? "" : "s", r->len,
		            r->rec_cut ? " (a record length runs past it)" : "");
	else
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": expected %s (%" G_GSIZE_FORMAT
		            " byte%s), the record that starts at %" G_GSIZE_FORMAT " ends at %"
		            G_GSIZE_FORMAT, r->name, r->off, what, n, n == 1 ? "" : "s",
		            r->rec_start, r->limit);
	return FALSE;
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
invalid(Rd *r, gsize off, const char *what, const char *expected, gint64 got)
{
	g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
	            "%s: offset %" G_GSIZE_FORMAT ": %s: expected %s, found %" G_GINT64_FORMAT,
	            r->name, off, what, expected, got);
	return FALSE;
}

static gboolean
gettime(Rd *r, SmsTime *v, const char *what)
{
	guint64 x;
	gint64 t;
	if (!need(r, 8, what))
		return FALSE;
	memcpy(&x, r->p + r->off, 8);
	t = (gint64)GUINT64_FROM_LE(x);
	if (t != -1 && t != SMS_TIME_NEVER && (t < 0 || t > TIME_MAX))
		return invalid(r, r->off, what, "-1 (not set) or seconds between 1970 and 9999", t);
	r->off += 8;
	*v = t == -1 ? SMS_TIME_NONE : t;
	return TRUE;
}

static gboolean
get8(Rd *r, int *v, int max, const char *what)
{
	if (!need(r, 1, what))
		return FALSE;
	if (r->p[r->off] > max)
		return invalid(r, r->off, what, max == 1 ? "0 or 1" : "0, 1 or 2", r->p[r->off]);
	*v = r->p[r->off++];
	return TRUE;
}

static gboolean
getstr(Rd *r, char **out, const char *what)
{
	guint16 n;
	/* the message only when get16() fails (it names the length field) */
	g_autofree char *len_what = r->limit - r->off >= 2 ? NULL
	                            : g_strdup_printf("the length of %s", what);
	if (!get16(r, &n, len_what ? len_what : what) || !need(r, n, what))
		return FALSE;
	if (memchr(r->p + r->off, 0, n)) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		            "%s: offset %" G_GSIZE_FORMAT ": %s: expected text without NUL bytes",
		            r->name, r->off, what);
		return FALSE;
	}
	*out = n ? g_strndup((const char *)r->p + r->off, n) : NULL;
	r->off += n;
	return TRUE;
}

static gboolean
get_record(Rd *r, guint version, SmsInsRecord **out)
{
	g_autoptr(SmsInsRecord) rec = sms_ins_record_new();
	guint32 len;
	guint16 v16, nserv;
	gsize end, claimed_end;
	int b;
	r->limit = r->len;
	r->rec_cut = FALSE;
	r->rec_start = r->off;
	if (!get32(r, &len, "a record length"))
		return FALSE;
	end = claimed_end = r->off + len;
	if (len > r->len - r->off) {
		r->rec_cut = TRUE;   /* read what is there: the message names the field cut */
		end = r->len;
	}
	r->limit = end;
	if (!get16(r, &v16, "PCM Version"))
		return FALSE;
	rec->pcm_version = v16;
	if (!getstr(r, &rec->site_id, "SiteID") || !getstr(r, &rec->request_id, "RequestID") ||
	    !getstr(r, &rec->package_id, "PackageID") || !getstr(r, &rec->job_id, "JobID") ||
	    !get8(r, &rec->install_flag, 2, "Install Flag") ||
	    !gettime(r, &rec->install_by, "Install By Date") ||
	    !get8(r, &b, 1, "Install By Full"))
		return FALSE;
	rec->install_by_full = b;
	if (!gettime(r, &rec->display_date, "Display Date") || !get8(r, &b, 1, "Display Full"))
		return FALSE;
	rec->display_full = b;
	if (!gettime(r, &rec->expiration, "Expiration Date") ||
	    !get8(r, &b, 1, "Expiration Full"))
		return FALSE;
	rec->expiration_full = b;
	if (!get8(r, &rec->user_input, 1, "User Input Flags") ||
	    !get32(r, &rec->os_mask, "Operating System") ||
	    !get32(r, &rec->disk_usage, "Disk Usage") ||
	    !getstr(r, &rec->run_command, "Run Command") || !getstr(r, &rec->wcl_name, "WCL Name") ||
	    !get16(r, &nserv, "the server count"))
		return FALSE;
	for (guint i = 0; i < nserv; i++) {
		g_autofree char *path = NULL;
		guint16 type;
		gsize at = r->off;
		if (!getstr(r, &path, "a server path") || !get16(r, &type, "a server type"))
			return FALSE;
		if (path == NULL)
			return invalid(r, at, "Server(s)", "a UNC path of at least 1 byte", 0);
		if (type < SMS_SERVER_UNKNOWN || type > SMS_SERVER_NETWARE4)
			return invalid(r, r->off - 2, "server type", "1-7", type);
		sms_ins_record_add_server(rec, path, type);
	}
	if (!getstr(r, &rec->package_name, "Package Name") ||
	    !getstr(r, &rec->comments, "Comments") || !getstr(r, &rec->domain, "Domain Name") ||
	    !get32(r, &rec->flags, "Reserved"))
		return FALSE;
	if (version >= 2) {
		guint16 nzones;
		if (!get16(r, &nzones, "the zone count"))
			return FALSE;
		if (nzones != 0 && nzones != nserv)
			return invalid(r, r->off - 2, "the zone count", "0 or the server count", nzones);
		for (guint i = 0; i < nzones; i++) {
			SmsInsServer *s = rec->servers->pdata[i];
			if (!getstr(r, &s->zone, "a server zone"))
				return FALSE;
		}
	}
	if (r->rec_cut)
		return need(r, claimed_end - r->off, "the rest of the record");
	if (r->off != end && version <= SMS_INS_FORMAT_VERSION) {
		g_set_error(r->error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		            "%s: offset %" G_GSIZE_FORMAT ": expected the end of the record that "
		            "starts at %" G_GSIZE_FORMAT " (its length says %" G_GSIZE_FORMAT ")",
		            r->name, r->off, r->rec_start, end);
		return FALSE;
	}
	r->off = end;   /* a newer format's fields: skipped */
	if (rec->job_id == NULL)
		return invalid(r, r->rec_start, "JobID", "a job ID of at least 1 byte", 0);
	*out = g_steal_pointer(&rec);
	return TRUE;
}

static gboolean
parse_records(Rd *r, guint version, guint count, SmsInsFile *f)
{
	for (guint i = 0; i < count; i++) {
		SmsInsRecord *rec = NULL;
		if (!get_record(r, version, &rec))
			return FALSE;
		g_ptr_array_add(f->records, rec);
	}
	return TRUE;
}

gboolean
sms_ins_parse(const char *name, const guint8 *data, gsize len, SmsInsFile **out,
              GError **error)
{
	Rd r = { .name = name, .p = data, .len = len, .file_len = len, .limit = len,
	         .error = error };
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	guint16 version, count, compat = 1;
	gsize header;
	guint32 crc_stored, crc;

	if (len > 0 && memcmp(data, MAGIC, MIN(len, MAGIC_LEN)) != 0)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		                        "%s: offset 0: expected the magic \"SMSPCMI\\x1a\": not an "
		                        "smsemu PCM instruction file", name);
	if (!need(&r, MAGIC_LEN, "the magic \"SMSPCMI\\x1a\""))
		return FALSE;
	r.off = MAGIC_LEN;
	if (!get16(&r, &version, "the format version") || !get16(&r, &count, "the record count"))
		return FALSE;
	if (version >= 2 && !get16(&r, &compat, "the compatible format version"))
		return FALSE;
	if (version >= 2 && !need(&r, 2, "the reserved header field"))
		return FALSE;
	header = version >= 2 ? HEADER_V2 : HEADER_V1;
	r.off = header;
	if (!need(&r, 4, "the CRC-32"))
		return FALSE;
	memcpy(&crc_stored, data + len - 4, 4);
	crc_stored = GUINT32_FROM_LE(crc_stored);
	crc = (guint32)crc32(0, data, (uInt)(len - 4));
	if (crc != crc_stored) {
		/* Truncated (the usual cause) or damaged? Walk the records over the whole
		 * file: one that runs past the end names the field that was cut. */
		if (version >= 1 && version <= SMS_INS_FORMAT_VERSION) {
			g_autoptr(SmsInsFile) probe = sms_ins_file_new();
			g_autoptr(GError) local = NULL;
			Rd w = r;
			w.error = &local;
			if (!parse_records(&w, version, count, probe) &&
			    g_error_matches(local, SMS_INS_ERROR, SMS_INS_ERROR_TRUNCATED)) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			if (local == NULL && w.off + 4 > len) {
				r.off = w.off;
				r.limit = len;
				return need(&r, 4, "the CRC-32");
			}
		}
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		                        "%s: offset %" G_GSIZE_FORMAT ": expected the CRC-32 %08x of "
		                        "the bytes before it, found %08x: the file is corrupt", name,
		                        len - 4, crc, crc_stored);
	}
	if (version == 0)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		                        "%s: offset 8: expected a format version of at least 1, "
		                        "found 0", name);
	if (version >= 2 && (compat == 0 || compat > version))
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		                        "%s: offset 12: expected a compatible format version 1-%u, "
		                        "found %u", name, version, compat);
	if (compat > SMS_INS_FORMAT_VERSION)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_VERSION,
		                        "%s: offset 12: format version %u needs a reader of format "
		                        "%u or later; this program reads formats 1-%d", name, version,
		                        compat, SMS_INS_FORMAT_VERSION);
	r.len = r.limit = len - 4;
	r.checked = TRUE;
	r.off = header;
	if (!parse_records(&r, version, count, f))
		return FALSE;
	if (r.off != r.len)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_CORRUPT,
		                        "%s: offset %" G_GSIZE_FORMAT ": expected the CRC-32 after "
		                        "record %u, found %" G_GSIZE_FORMAT " more bytes", name, r.off,
		                        count, r.len - r.off);
	*out = g_steal_pointer(&f);
	return TRUE;
}

/* Read a whole file. Missing: SMS_INS_ERROR_NOT_FOUND. */
static gboolean
read_ins(const char *path, guint8 **out, gsize *out_len, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *data = NULL;
	if (!sms_box_read(path, SMS_INS_MAX_BYTES, &data, out_len, &local)) {
		if (g_error_matches(local, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_FOUND))
			return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND,
			                        "%s: no such file", path);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	*out = (guint8 *)data;
	return TRUE;
}

gboolean
sms_ins_load(const char *path, SmsInsFile **out, GError **error)
{
	g_autofree guint8 *data = NULL;
	gsize len;
	if (!read_ins(path, &data, &len, error))
		return FALSE;
	return sms_ins_parse(path, data, len, out, error);
}

gboolean
sms_ins_save(const char *path, const SmsInsFile *f, SmsSyncMode sync, GError **error)
{
	g_autoptr(GBytes) b = NULL;
	gsize n;
	const void *d;
	if (f->records->len > 0xFFFF)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "%s: expected at most 65,535 records, got %u", path,
		                        f->records->len);
	for (guint i = 0; i < f->records->len; i++)
		if (!sms_ins_record_check(f->records->pdata[i], error))
			return FALSE;
	b = sms_ins_serialize(f);
	d = g_bytes_get_data(b, &n);
	return sms_atomic_write(path, d, n, 0644, sync, error);
}

gboolean
sms_ins_upsert(const char *path, const SmsInsRecord *rec, SmsSyncMode sync,
               gboolean *out_changed, GError **error)
{
	g_autofree guint8 *old = NULL;
	gsize oldlen = 0, n;
	g_autoptr(GError) local = NULL;
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GPtrArray) view = g_ptr_array_new();
	g_autoptr(GBytes) b = NULL;
	gboolean replaced = FALSE;
	const void *d;

	if (!sms_ins_record_check(rec, error))
		return FALSE;
	if (!read_ins(path, &old, &oldlen, &local)) {
		if (!g_error_matches(local, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		f = NULL;   /* a new file: one record, nothing to compare */
	} else if (!sms_ins_parse(path, old, oldlen, &f, error)) {
		return FALSE;
	}
	/* a view of the records with rec in place of its job's record: no copies */
	for (guint i = 0; f && i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		if (!replaced && g_strcmp0(r->job_id, rec->job_id) == 0) {
			g_ptr_array_add(view, (gpointer)rec);
			replaced = TRUE;
		} else {
			g_ptr_array_add(view, r);
		}
	}
	if (!replaced)
		g_ptr_array_add(view, (gpointer)rec);
	if (view->len > 0xFFFF)
		return sms_throw_domain(error, SMS_INS_ERROR, SMS_INS_ERROR_INVALID,
		                        "%s: expected at most 65,535 records", path);
	b = serialize_records(view);
	d = g_bytes_get_data(b, &n);
	if (old && n == oldlen && memcmp(d, old, n) == 0) {
		if (out_changed)
			*out_changed = FALSE;
		return TRUE;
	}
	if (!sms_atomic_write(path, d, n, 0644, sync, error))
		return FALSE;
	if (out_changed)
		*out_changed = TRUE;
	return TRUE;
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
	if (changed && f->records->len == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing %s", path);
		if (sync == SMS_SYNC_FILE) {
			g_autofree char *dir = g_path_get_dirname(path);
			if (!sms_fsync_dir(dir, error))
				return FALSE;
		}
	} else if (changed && !sms_ins_save(path, f, sync, error)) {
		return FALSE;
	}
	if (out_changed)
		*out_changed = changed;
	return TRUE;
}

gboolean
sms_ins_remove_job(const char *path, const char *job_id, SmsSyncMode sync,
                   gboolean *out_changed, GError **error)
{
	g_return_val_if_fail(job_id != NULL, FALSE);
	return sms_ins_remove(path, job_id, NULL, sync, out_changed, error);
}

/* ---- PCMDUMP ------------------------------------------------------------------- */

#define VALUE_COL "                  "   /* 18 spaces: where values start */

/* "Label           : value"; continuation lines of a multi-line value under the value. */
static void
field(GString *o, const char *label, const char *value)
{
	const char *p = value ? value : "";
	g_string_append_printf(o, "%-16s:", label);
	if (*p == '\0') {
		g_string_append_c(o, '\n');
		return;
	}
	g_string_append_c(o, ' ');
	for (; *p; p++) {
		if (*p == '\r')
			continue;
		g_string_append_c(o, *p);
		if (*p == '\n' && p[1] != '\0')
			g_string_append(o, VALUE_COL);
	}
	if (o->str[o->len - 1] != '\n')
		g_string_append_c(o, '\n');
}

static void
field_int(GString *o, const char *label, gint64 v)
{
	char buf[32];
	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	field(o, label, buf);
}

/* SMS 1.0/1.1 stored months 0-11 and their PCMDUMP printed them so (KB Q153369). */
static void
field_date(GString *o, const char *label, SmsTime t, gboolean months_from_0)
{
	int y, mo, d, h, mi, s;
	char buf[32];
	if (!months_from_0 || t == SMS_TIME_NONE || t == SMS_TIME_NEVER) {
		g_autofree char *v = sms_time_format_pcm(t);
		field(o, label, v);
		return;
	}
	sms_time_fields(t, &y, &mo, &d, &h, &mi, &s);
	g_snprintf(buf, sizeof buf, "%02d/%02d/%02d %02d:%02d:%02d", mo - 1, d, y % 100, h, mi, s);
	field(o, label, buf);
}

static const char *
server_type_name(int type)
{
	static const char *const names[] = { "UNKNOWN", "WINNT3", "LANMAN1", "LANMAN2",
	                                     "NETWARE2", "NETWARE3", "NETWARE4" };
	return type >= 1 && type <= 7 ? names[type - 1] : "?";
}

static char *
flag_names(guint32 flags)
{
	static const struct { guint32 bit; const char *name; } names[] = {
		{ SMS_CMD_USER_INPUT, "user input" }, { SMS_CMD_AUTOMATED, "automated" },
		{ SMS_CMD_SYSTEM_EXIT, "system exit" },
		{ SMS_CMD_BACKGROUND, "system (background) task" },
	};
	GString *s = g_string_new(NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (flags & names[i].bit)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", names[i].name);
	flags &= ~(guint32)(SMS_CMD_USER_INPUT | SMS_CMD_AUTOMATED | SMS_CMD_SYSTEM_EXIT |
	                    SMS_CMD_BACKGROUND);
	if (flags)
		g_string_append_printf(s, "%s0x%x", s->len ? ", " : "", flags);
	return g_string_free(s, FALSE);
}

static void
dump_record(const SmsInsRecord *r, SmsInsDumpFlags flags, GString *o)
{
	gboolean detailed = (flags & SMS_INS_DUMP_DETAILED) != 0;
	gboolean legacy = r->pcm_version < SMS_INS_RECORD_VERSION;
	g_autofree char *os = NULL;
	char buf[64];
	if (r->pcm_version == 6)
		field(o, "PCM Version", "Beta 455");
	else
		field_int(o, "PCM Version", r->pcm_version);
	field(o, "SiteID", r->site_id);
	field(o, "RequestID", r->request_id);
	field(o, "PackageID", r->package_id);
	field(o, "JobID", r->job_id);
	field_int(o, "Install Flag", r->install_flag);
	field_date(o, "Install By Date", r->install_by, legacy);
	field_int(o, "Install By Full", r->install_by_full);
	field_date(o, "Display Date", r->display_date, legacy);
	field_int(o, "Display Full", r->display_full);
	field_date(o, "Expiration Date", r->expiration, legacy);
	field_int(o, "Expiration Full", r->expiration_full);
	field_int(o, "User Input Flags", r->user_input);
	if (detailed) {
		g_autofree char *names = sms_platform_mask_to_string(r->os_mask);
		os = g_strdup_printf("%u (0x%02x: %s)", r->os_mask, r->os_mask, names);
	} else {
		os = g_strdup_printf("%u", r->os_mask);
	}
	field(o, "Operating System", os);
	if (r->disk_usage)
		field_int(o, "Disk Usage", r->disk_usage);
	else
		field(o, "Disk Usage", NULL);
	field(o, "Run Command", r->run_command);
	field(o, "WCL Name", r->wcl_name);
	if (r->servers->len == 0)
		field(o, "Server(s)", NULL);
	for (guint i = 0; i < r->servers->len; i++) {
		SmsInsServer *s = r->servers->pdata[i];
		g_string_append_printf(o, "%-16s: %s Type: %d", i == 0 ? "Server(s)" : "", s->path,
		                       s->type);
		if (detailed)
			g_string_append_printf(o, " (%s)", server_type_name(s->type));
		g_string_append_c(o, '\n');
		if (s->zone)
			g_string_append_printf(o, VALUE_COL "Zone: %s\n", s->zone);
	}
	field(o, "Package Name", r->package_name);
	field(o, "Comments", r->comments);
	field(o, "Domain Name", r->domain);
	g_snprintf(buf, sizeof buf, "%02X %02X %02X %02X", r->flags & 0xFF, (r->flags >> 8) & 0xFF,
	           (r->flags >> 16) & 0xFF, r->flags >> 24);
	if (detailed && r->flags) {
		g_autofree char *names = flag_names(r->flags);
		g_autofree char *v = g_strdup_printf("%s (%s)", buf, names);
		field(o, "Reserved", v);
	} else {
		field(o, "Reserved", buf);
	}
}

void
sms_ins_dump_with_flags(const SmsInsFile *f, const char *name, SmsInsDumpFlags flags,
                        GString *out)
{
	field(out, "File Name", name);
	for (guint i = 0; i < f->records->len; i++)
		dump_record(f->records->pdata[i], flags, out);
}

void
sms_ins_dump(const SmsInsFile *f, const char *name, GString *out)
{
	sms_ins_dump_with_flags(f, name, 0, out);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void
jstr(GString *o, const char *k, const char *v)
{
	g_string_append_printf(o, ",\"%s\":", k);
	if (v) {
		g_autofree char *valid = g_utf8_make_valid(v, -1);
		sms_json_append_string(o, valid);
	} else {
		g_string_append(o, "null");
	}
}

static void
jtime(GString *o, const char *k, SmsTime t)
{
	char buf[24];
	if (t == SMS_TIME_NONE)
		g_string_append_printf(o, ",\"%s\":null", k);
	else
		g_string_append_printf(o, ",\"%s\":\"%s\"", k, sms_time_format_buf(t, buf));
}

void
sms_ins_dump_json(const SmsInsFile *f, const char *name, GString *out)
{
	g_autofree char *vname = g_utf8_make_valid(name, -1);
	g_string_append(out, "{\"file\":");
	sms_json_append_string(out, vname);
	g_string_append(out, ",\"records\":[");
	for (guint i = 0; i < f->records->len; i++) {
		SmsInsRecord *r = f->records->pdata[i];
		g_autofree char *platforms = sms_platform_mask_to_string(r->os_mask);
		g_autofree char *flags = flag_names(r->flags);
		g_string_append_printf(out, "%s{\"pcm_version\":%d", i ? "," : "", r->pcm_version);
		jstr(out, "site_id", r->site_id);
		jstr(out, "request_id", r->request_id);
		jstr(out, "package_id", r->package_id);
		jstr(out, "job_id", r->job_id);
		g_string_append_printf(out, ",\"install_flag\":%d", r->install_flag);
		jtime(out, "install_by", r->install_by);
		g_string_append_printf(out, ",\"install_by_full\":%s",
		                       r->install_by_full ? "true" : "false");
		jtime(out, "display_date", r->display_date);
		g_string_append_printf(out, ",\"display_full\":%s", r->display_full ? "true" : "false");
		jtime(out, "expiration", r->expiration);
		g_string_append_printf(out, ",\"expiration_full\":%s,\"user_input\":%d,"
		                       "\"os_mask\":%u", r->expiration_full ? "true" : "false",
		                       r->user_input, r->os_mask);
		jstr(out, "platforms", platforms);
		g_string_append_printf(out, ",\"disk_usage\":%u", r->disk_usage);
		jstr(out, "run_command", r->run_command);
		jstr(out, "wcl_name", r->wcl_name);
		g_string_append(out, ",\"servers\":[");
		for (guint k = 0; k < r->servers->len; k++) {
			SmsInsServer *s = r->servers->pdata[k];
			g_autofree char *vpath = g_utf8_make_valid(s->path, -1);
			g_string_append_printf(out, "%s{\"path\":", k ? "," : "");
			sms_json_append_string(out, vpath);
			g_string_append_printf(out, ",\"type\":%d,\"type_name\":\"%s\"", s->type,
			                       server_type_name(s->type));
			jstr(out, "zone", s->zone);
			g_string_append_c(out, '}');
		}
		g_string_append_c(out, ']');
		jstr(out, "package_name", r->package_name);
		jstr(out, "comments", r->comments);
		jstr(out, "domain", r->domain);
		g_string_append_printf(out, ",\"flags\":%u", r->flags);
		jstr(out, "flag_names", flags);
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]}");
}
