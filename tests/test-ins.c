/* test-ins.c -- PCM instruction files: layout, versions, every truncation and flip,
 * upsert/remove semantics, PCMDUMP text and JSON. */
#include "common.h"
#include "boxfile.h"
#include "ins.h"
#include "job.h"
#include "testlib.h"

#include <sys/stat.h>
#include <zlib.h>

int main(int argc, char **argv);

/* The first record of KB Q123499's PCMDUMP example. */
static SmsInsRecord *
kb_record(void)
{
	SmsInsRecord *r = sms_ins_record_new();
	r->site_id = g_strdup("BPC");
	r->request_id = g_strdup("BPC001M");
	r->package_id = g_strdup("BPC0000A");
	r->job_id = g_strdup("BPC000AA");
	r->display_date = sms_time_from_fields(1994, 9, 21, 17, 56, 0);
	r->display_full = TRUE;
	r->expiration = sms_time_from_fields(1995, 3, 7, 17, 56, 0);
	r->expiration_full = TRUE;
	r->os_mask = 15;
	r->run_command = g_strdup("acmewkst.exe smsproxy\\complete.stf /I:C");
	r->wcl_name = g_strdup("Complete");
	sms_ins_record_add_server_zone(r, "\\\\CNS-SMS\\SMS_PKGD\\BPC0000A\\", SMS_SERVER_WINNT3,
	                               "\\\\CNS-SMS\\SMS_PKGD\\BPC0000A\\");
	sms_ins_record_add_server(r, "\\\\CNSAPPS1\\SMS_PKGD\\BPC0000A\\", SMS_SERVER_WINNT3);
	r->package_name = g_strdup("Microsoft Office Professional 4");
	r->comments = g_strdup("Microsoft Office Professional 4.3");
	r->flags = SMS_CMD_AUTOMATED | SMS_CMD_BACKGROUND;
	return r;
}

static SmsInsRecord *
job_record(const char *job, const char *package)
{
	SmsInsRecord *r = sms_ins_record_new();
	r->site_id = g_strdup("A01");
	r->request_id = g_strndup(job, 7);
	r->package_id = g_strdup(package);
	r->job_id = g_strdup(job);
	r->display_date = sms_time_from_fields(1996, 1, 1, 9, 0, 0);
	r->display_full = TRUE;
	r->run_command = g_strdup("setup.exe /q");
	r->wcl_name = g_strdup("Typical");
	sms_ins_record_add_server(r, "\\\\SRV01\\SMS_PKGC\\A0100001\\", SMS_SERVER_WINNT3);
	return r;
}

static guint8 *
bytes_of(const SmsInsFile *f, gsize *n)
{
	g_autoptr(GBytes) b = sms_ins_serialize(f);
	const void *d = g_bytes_get_data(b, n);
	return g_memdup2(d, *n);
}

static void
fix_crc(guint8 *data, gsize n)
{
	guint32 crc = GUINT32_TO_LE((guint32)crc32(0, data, (uInt)(n - 4)));
	memcpy(data + n - 4, &crc, 4);
}

static char *
read_text(const char *path)
{
	char *s = NULL;
	g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
	return s;
}

static void
assert_same_record(const SmsInsRecord *a, const SmsInsRecord *b)
{
	g_assert_cmpint(a->pcm_version, ==, b->pcm_version);
	g_assert_cmpstr(a->site_id, ==, b->site_id);
	g_assert_cmpstr(a->request_id, ==, b->request_id);
	g_assert_cmpstr(a->package_id, ==, b->package_id);
	g_assert_cmpstr(a->job_id, ==, b->job_id);
	g_assert_cmpint(a->install_flag, ==, b->install_flag);
	g_assert_cmpint(a->install_by, ==, b->install_by);
	g_assert_cmpint(a->install_by_full, ==, b->install_by_full);
	g_assert_cmpint(a->display_date, ==, b->display_date);
	g_assert_cmpint(a->display_full, ==, b->display_full);
	g_assert_cmpint(a->expiration, ==, b->expiration);
	g_assert_cmpint(a->expiration_full, ==, b->expiration_full);
	g_assert_cmpint(a->user_input, ==, b->user_input);
	g_assert_cmpuint(a->os_mask, ==, b->os_mask);
	g_assert_cmpuint(a->disk_usage, ==, b->disk_usage);
	g_assert_cmpstr(a->run_command, ==, b->run_command);
	g_assert_cmpstr(a->wcl_name, ==, b->wcl_name);
	g_assert_cmpuint(a->servers->len, ==, b->servers->len);
	for (guint i = 0; i < a->servers->len; i++) {
		SmsInsServer *x = a->servers->pdata[i], *y = b->servers->pdata[i];
		g_assert_cmpstr(x->path, ==, y->path);
		g_assert_cmpint(x->type, ==, y->type);
		g_assert_cmpstr(x->zone, ==, y->zone);
	}
	g_assert_cmpstr(a->package_name, ==, b->package_name);
	g_assert_cmpstr(a->comments, ==, b->comments);
	g_assert_cmpstr(a->domain, ==, b->domain);
	g_assert_cmpuint(a->flags, ==, b->flags);
}

static void
test_roundtrip(void)
{
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autoptr(SmsInsFile) back = NULL;
	g_autoptr(GError) error = NULL;
	SmsInsRecord *r2 = job_record("A0100002", "A0100001");
	g_autofree guint8 *data = NULL;
	gsize n;
	g_ptr_array_add(f->records, kb_record());
	r2->install_by = sms_time_from_fields(1996, 2, 1, 10, 0, 0);
	r2->install_by_full = TRUE;
	r2->install_flag = 2;
	r2->user_input = 1;
	r2->disk_usage = 1234;
	r2->domain = g_strdup("SALES");
	r2->comments = g_strdup("line one\r\nline two");
	r2->pcm_version = 6;
	g_ptr_array_add(f->records, r2);
	data = bytes_of(f, &n);
	g_assert_cmpmem(data, 8, "SMSPCMI\x1a", 8);
	g_assert_cmpint(data[8] | data[9] << 8, ==, SMS_INS_FORMAT_VERSION);
	g_assert_cmpint(data[10] | data[11] << 8, ==, 2);    /* record count */
	g_assert_true(sms_ins_parse("rt", data, n, &back, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(back->records->len, ==, 2);
	for (guint i = 0; i < 2; i++)
		assert_same_record(f->records->pdata[i], back->records->pdata[i]);
	{
		gsize n2;
		g_autofree guint8 *again = bytes_of(back, &n2);
		g_assert_cmpmem(data, n, again, n2);   /* deterministic bytes */
	}
}

static void
assert_code(const guint8 *data, gsize n, int code, const char *needle)
{
	g_autoptr(SmsInsFile) x = NULL;
	g_autoptr(GError) e = NULL;
	g_assert_false(sms_ins_parse("T.INS", data, n, &x, &e));
	g_assert_null(x);
	g_assert_error(e, SMS_INS_ERROR, code);
	g_assert_true(g_str_has_prefix(e->message, "T.INS: offset "));
	if (needle && strstr(e->message, needle) == NULL)
		g_error("'%s' not in '%s'", needle, e->message);
}

static void
test_truncations(void)
{
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autofree guint8 *data = NULL;
	gsize n;
	g_ptr_array_add(f->records, kb_record());
	g_ptr_array_add(f->records, job_record("A0100002", "A0100001"));
	data = bytes_of(f, &n);
	/* every cut names the offset and what was expected there: TRUNCATED, never more */
	for (gsize cut = 0; cut < n; cut++)
		assert_code(data, cut, SMS_INS_ERROR_TRUNCATED, "expected ");
	/* a cut inside the first record's Run Command names that field */
	{
		gsize at = (gsize)((guint8 *)memmem(data, n, "acmewkst", 8) - data) + 5;
		assert_code(data, at, SMS_INS_ERROR_TRUNCATED, "expected Run Command (39 bytes)");
	}
	assert_code(data, n - 2, SMS_INS_ERROR_TRUNCATED, "expected the CRC-32");
	assert_code(data, 9, SMS_INS_ERROR_TRUNCATED, "offset 8: expected the format version");
}

static void
test_flips(void)
{
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autofree guint8 *data = NULL;
	gsize n;
	g_ptr_array_add(f->records, kb_record());
	data = bytes_of(f, &n);
	for (gsize i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			g_autoptr(SmsInsFile) x = NULL;
			g_autoptr(GError) e = NULL;
			data[i] ^= (guint8)(1 << bit);
			g_assert_false(sms_ins_parse("flip", data, n, &x, &e));
			g_assert_nonnull(strstr(e->message, "offset"));
			data[i] ^= (guint8)(1 << bit);
		}
	}
	/* a flipped byte of a string: the checksum says so */
	{
		gsize at = (gsize)((guint8 *)memmem(data, n, "Complete", 8) - data);
		data[at] ^= 1;
		assert_code(data, n, SMS_INS_ERROR_CORRUPT, "expected the CRC-32");
		data[at] ^= 1;
	}
	assert_code((const guint8 *)"MZ\x90\x00", 4, SMS_INS_ERROR_CORRUPT, "magic");
}

/* Fields out of range with a valid checksum: INVALID with the offset of the field. */
static void
test_invalid_fields(void)
{
	g_autoptr(SmsInsRecord) r = job_record("A0100001", "A0100001");
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autofree guint8 *data = NULL;
	gsize n, flag_at;
	g_ptr_array_add(f->records, sms_ins_record_copy(r));
	data = bytes_of(f, &n);
	/* header 16, record length 4, PCM Version 2, four strings (2 + len each) */
	flag_at = 16 + 4 + 2 + (2 + 3) + (2 + 7) + (2 + 8) + (2 + 8);
	g_assert_cmpint(data[flag_at], ==, 0);
	data[flag_at] = 7;
	fix_crc(data, n);
	{
		g_autofree char *want = g_strdup_printf("offset %" G_GSIZE_FORMAT ": Install Flag: "
		                                        "expected 0, 1 or 2, found 7", flag_at);
		assert_code(data, n, SMS_INS_ERROR_INVALID, want);
	}
	data[flag_at] = 0;
	data[flag_at + 1] = 0x55;   /* Install By Date: garbage time */
	fix_crc(data, n);
	assert_code(data, n, SMS_INS_ERROR_INVALID, "Install By Date: expected -1 (not set)");
	data[flag_at + 1] = 0xFF;
	fix_crc(data, n);
	{
		g_autoptr(SmsInsFile) ok = NULL;
		g_assert_true(sms_ins_parse("ok", data, n, &ok, NULL));
	}
	/* a record length that disagrees with its fields */
	data[16] += 1;
	fix_crc(data, n);
	assert_code(data, n, SMS_INS_ERROR_CORRUPT, "expected");
	data[16] -= 1;
	/* a record count that promises more records */
	data[10] = 2;
	fix_crc(data, n);
	assert_code(data, n, SMS_INS_ERROR_CORRUPT, "expected a record length");
}

/* Format 1 (the first layout: 12-byte header, no zones) is still read; a later format
 * that only appended fields is read with them skipped; an incompatible one is refused. */
static void
test_versions(void)
{
	g_autoptr(SmsInsRecord) r = kb_record();
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autoptr(GByteArray) v1 = g_byte_array_new();
	g_autoptr(GByteArray) v3 = g_byte_array_new();
	g_autofree guint8 *data = NULL;
	gsize n, rec_len_at = 16;
	guint32 len;
	g_ptr_array_add(f->records, sms_ins_record_copy(r));
	data = bytes_of(f, &n);
	memcpy(&len, data + rec_len_at, 4);
	len = GUINT32_FROM_LE(len);
	{
		/* v1: drop compat/reserved and the zone list (2 + 2 zones) */
		gsize zones = 2 + 2 + strlen(((SmsInsServer *)r->servers->pdata[0])->zone) + 2;
		guint32 l1 = GUINT32_TO_LE(len - (guint32)zones);
		guint8 ver[2] = { 1, 0 };
		g_autoptr(SmsInsFile) back = NULL;
		g_autoptr(GError) e = NULL;
		g_byte_array_append(v1, data, 8);
		g_byte_array_append(v1, ver, 2);
		g_byte_array_append(v1, data + 10, 2);
		g_byte_array_append(v1, (guint8 *)&l1, 4);
		g_byte_array_append(v1, data + 20, len - (guint)zones);
		g_byte_array_append(v1, (guint8 *)"CRC!", 4);
		fix_crc(v1->data, v1->len);
		g_assert_true(sms_ins_parse("v1", v1->data, v1->len, &back, &e));
		g_assert_no_error(e);
		g_assert_cmpstr(((SmsInsRecord *)back->records->pdata[0])->wcl_name, ==, "Complete");
		g_assert_null(((SmsInsServer *)((SmsInsRecord *)back->records->pdata[0])->servers
		               ->pdata[0])->zone);
		g_assert_cmpuint(((SmsInsRecord *)back->records->pdata[0])->flags, ==, r->flags);
	}
	{
		/* v3, compat 2: 5 unknown bytes appended to the record */
		guint32 l3 = GUINT32_TO_LE(len + 5);
		g_autoptr(SmsInsFile) back = NULL;
		g_autoptr(GError) e = NULL;
		g_byte_array_append(v3, data, 16);
		v3->data[8] = 3;
		g_byte_array_append(v3, (guint8 *)&l3, 4);
		g_byte_array_append(v3, data + 20, len);
		g_byte_array_append(v3, (guint8 *)"newer", 5);
		g_byte_array_append(v3, (guint8 *)"CRC!", 4);
		fix_crc(v3->data, v3->len);
		g_assert_true(sms_ins_parse("v3", v3->data, v3->len, &back, &e));
		g_assert_no_error(e);
		assert_same_record(r, back->records->pdata[0]);
		/* the same extra bytes in a format 2 file are corruption */
		v3->data[8] = 2;
		fix_crc(v3->data, v3->len);
		assert_code(v3->data, v3->len, SMS_INS_ERROR_CORRUPT, "expected the end of the record");
		/* compat 3: a reader of format 2 may not read it */
		v3->data[8] = 3;
		v3->data[12] = 3;
		fix_crc(v3->data, v3->len);
		assert_code(v3->data, v3->len, SMS_INS_ERROR_VERSION, "reads formats 1-2");
	}
}

static void
test_check(void)
{
	g_autoptr(SmsInsRecord) r = job_record("A0100001", "A0100001");
	g_autoptr(GError) e = NULL;
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "A0101000.INS", NULL);
	g_autofree char *big = g_strnfill(70000, 'x');
	g_assert_true(sms_ins_record_check(r, NULL));
	r->install_flag = 3;
	g_assert_false(sms_ins_upsert(path, r, SMS_SYNC_NONE, NULL, &e));
	g_assert_error(e, SMS_INS_ERROR, SMS_INS_ERROR_INVALID);
	g_assert_nonnull(strstr(e->message, "Install Flag"));
	g_clear_error(&e);
	r->install_flag = 0;
	g_free(r->comments);
	r->comments = g_strdup(big);
	g_assert_false(sms_ins_record_check(r, &e));
	g_assert_nonnull(strstr(e->message, "Comments: expected at most 65,535 bytes"));
	g_clear_error(&e);
	g_clear_pointer(&r->comments, g_free);
	((SmsInsServer *)r->servers->pdata[0])->type = 9;
	g_assert_false(sms_ins_record_check(r, &e));
	g_assert_nonnull(strstr(e->message, "server type 1-7"));
	g_clear_error(&e);
	((SmsInsServer *)r->servers->pdata[0])->type = 2;
	g_clear_pointer(&r->job_id, g_free);
	g_assert_false(sms_ins_upsert(path, r, SMS_SYNC_NONE, NULL, &e));
	g_assert_error(e, SMS_INS_ERROR, SMS_INS_ERROR_INVALID);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));   /* nothing half-written */
}

static void
list_dir_names(const char *dir, GString *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s ", (char *)names->pdata[i]);
}

static void
test_upsert_remove(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "A0101000.INS", NULL);
	g_autoptr(SmsInsRecord) a = job_record("A0100001", "A0100001");
	g_autoptr(SmsInsRecord) b = job_record("A0100002", "A0100002");
	g_autoptr(SmsInsRecord) c = job_record("A0100003", "A0100002");
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) names = g_string_new(NULL);
	struct stat st1, st2;
	gboolean changed = FALSE;

	g_assert_true(sms_ins_upsert(path, a, SMS_SYNC_NONE, &changed, &error));
	g_assert_no_error(error);
	g_assert_true(changed);
	g_assert_cmpint(stat(path, &st1), ==, 0);
	/* the same record again: the file is not rewritten (same inode, no temp left) */
	g_assert_true(sms_ins_upsert(path, a, SMS_SYNC_NONE, &changed, &error));
	g_assert_false(changed);
	g_assert_cmpint(stat(path, &st2), ==, 0);
	g_assert_cmpuint(st1.st_ino, ==, st2.st_ino);
	list_dir_names(dir, names);
	g_assert_cmpstr(names->str, ==, "A0101000.INS ");
	g_assert_true(sms_ins_upsert(path, b, SMS_SYNC_FILE, &changed, &error));
	g_assert_true(sms_ins_upsert(path, c, SMS_SYNC_NONE, &changed, &error));
	/* a changed record of job A0100001 replaces it in place */
	a->install_by = sms_time_from_fields(1996, 3, 1, 8, 0, 0);
	a->install_by_full = TRUE;
	g_assert_true(sms_ins_upsert(path, a, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	g_assert_true(sms_ins_load(path, &f, &error));
	g_assert_cmpuint(f->records->len, ==, 3);
	g_assert_cmpstr(((SmsInsRecord *)f->records->pdata[0])->job_id, ==, "A0100001");
	assert_same_record(a, f->records->pdata[0]);
	g_clear_pointer(&f, sms_ins_file_free);
	/* remove by job, by package, nothing left: the file is gone */
	g_assert_true(sms_ins_remove_job(path, "A0100001", SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	g_assert_true(sms_ins_remove_job(path, "A0109999", SMS_SYNC_NONE, &changed, &error));
	g_assert_false(changed);
	g_assert_true(sms_ins_remove(path, NULL, "A0100002", SMS_SYNC_FILE, &changed, &error));
	g_assert_true(changed);
	g_assert_no_error(error);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_true(sms_ins_remove_job(path, "A0100001", SMS_SYNC_NONE, &changed, &error));
	g_assert_false(changed);
	g_assert_false(sms_ins_load(path, &f, &error));
	g_assert_error(error, SMS_INS_ERROR, SMS_INS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* an existing corrupt file is an error and left as it was */
	{
		g_autofree char *before = NULL;
		g_autofree char *after = NULL;
		g_autoptr(GString) n2 = g_string_new(NULL);
		g_assert_true(sms_ins_upsert(path, a, SMS_SYNC_NONE, NULL, &error));
		g_assert_cmpint(truncate(path, 40), ==, 0);
		before = read_text(path);
		g_assert_false(sms_ins_upsert(path, b, SMS_SYNC_NONE, &changed, &error));
		g_assert_error(error, SMS_INS_ERROR, SMS_INS_ERROR_TRUNCATED);
		g_assert_true(g_str_has_prefix(error->message, path));
		g_clear_error(&error);
		g_assert_false(sms_ins_remove_job(path, "A0100001", SMS_SYNC_NONE, &changed, &error));
		g_assert_error(error, SMS_INS_ERROR, SMS_INS_ERROR_TRUNCATED);
		g_clear_error(&error);
		after = read_text(path);
		g_assert_cmpmem(before, 40, after, 40);
		list_dir_names(dir, n2);
		g_assert_cmpstr(n2->str, ==, "A0101000.INS ");
	}
	/* a directory in the way is refused as not a regular file, not "not found" */
	{
		g_autofree char *sub = g_build_filename(dir, "B.INS", NULL);
		g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
		g_assert_false(sms_ins_load(sub, &f, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
	}
}

/* A failure just before the rename leaves the old file and no temporary file. */
static void
test_fault(void)
{
	if (g_test_subprocess()) {
		g_autofree char *dir = sms_test_tmpdir();
		g_autofree char *path = g_build_filename(dir, "A0101000.INS", NULL);
		g_autoptr(SmsInsRecord) a = job_record("A0100001", "A0100001");
		g_autoptr(SmsInsRecord) b = job_record("A0100002", "A0100001");
		g_autoptr(SmsInsFile) f = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GString) names = g_string_new(NULL);
		g_setenv("SMSEMU_FAULT", "atomic-before-rename:2", TRUE);
		g_assert_true(sms_ins_upsert(path, a, SMS_SYNC_NONE, NULL, &error));
		g_assert_false(sms_ins_upsert(path, b, SMS_SYNC_NONE, NULL, &error));
		g_assert_error(error, SMS_ERROR, SMS_ERROR_FAULT);
		g_clear_error(&error);
		g_assert_true(sms_ins_load(path, &f, &error));
		g_assert_cmpuint(f->records->len, ==, 1);
		list_dir_names(dir, names);
		g_assert_cmpstr(names->str, ==, "A0101000.INS ");
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

static const char kb_dump[] =
	"File Name       : mdm00005.ins\n"
	"PCM Version     : 8\n"
	"SiteID          : BPC\n"
	"RequestID       : BPC001M\n"
	"PackageID       : BPC0000A\n"
	"JobID           : BPC000AA\n"
	"Install Flag    : 0\n"
	"Install By Date : 00/00/00 00:00:00\n"
	"Install By Full : 0\n"
	"Display Date    : 09/21/94 17:56:00\n"
	"Display Full    : 1\n"
	"Expiration Date : 03/07/95 17:56:00\n"
	"Expiration Full : 1\n"
	"User Input Flags: 0\n"
	"Operating System: 15\n"
	"Disk Usage      :\n"
	"Run Command     : acmewkst.exe smsproxy\\complete.stf /I:C\n"
	"WCL Name        : Complete\n"
	"Server(s)       : \\\\CNS-SMS\\SMS_PKGD\\BPC0000A\\ Type: 2\n"
	"                  Zone: \\\\CNS-SMS\\SMS_PKGD\\BPC0000A\\\n"
	"                : \\\\CNSAPPS1\\SMS_PKGD\\BPC0000A\\ Type: 2\n"
	"Package Name    : Microsoft Office Professional 4\n"
	"Comments        : Microsoft Office Professional 4.3\n"
	"Domain Name     :\n"
	"Reserved        : 0A 00 00 00\n";

static void
test_dump(void)
{
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autoptr(GString) o = g_string_new(NULL);
	g_autoptr(GString) d = g_string_new(NULL);
	g_autoptr(GString) j = g_string_new(NULL);
	SmsInsRecord *old;
	g_ptr_array_add(f->records, kb_record());
	sms_ins_dump(f, "mdm00005.ins", o);
	g_assert_cmpstr(o->str, ==, kb_dump);
	/* an SMS 1.0 record (version 6): "Beta 455", months 00-11 as that PCMDUMP printed
	 * them (KB Q123499 shows 11/31/94 for December 31), multi-line comments */
	old = kb_record();
	old->pcm_version = 6;
	old->expiration = sms_time_from_fields(1994, 12, 31, 7, 0, 0);
	g_free(old->comments);
	old->comments = g_strdup("This package will search\r\nyour hard disk drives");
	g_ptr_array_add(f->records, old);
	g_string_truncate(o, 0);
	sms_ins_dump(f, "mdm00005.ins", o);
	g_assert_true(g_str_has_prefix(o->str, kb_dump));
	g_assert_nonnull(strstr(o->str + sizeof kb_dump - 1,
	                        "PCM Version     : Beta 455\n"));
	g_assert_nonnull(strstr(o->str, "Expiration Date : 11/31/94 07:00:00\n"));
	g_assert_nonnull(strstr(o->str, "Display Date    : 08/21/94 17:56:00\n"));
	g_assert_nonnull(strstr(o->str, "Comments        : This package will search\n"
	                                "                  your hard disk drives\n"));
	/* detailed: names after the numbers */
	sms_ins_dump_with_flags(f, "x", SMS_INS_DUMP_DETAILED, d);
	g_assert_nonnull(strstr(d->str, "Operating System: 15 (0x0f: Windows 3.1, "
	                                "Windows NT (x86), Windows NT (MIPS), Windows NT (Alpha))\n"));
	g_assert_nonnull(strstr(d->str, "BPC0000A\\ Type: 2 (WINNT3)\n"));
	g_assert_nonnull(strstr(d->str, "Reserved        : 0A 00 00 00 (automated, "
	                                "system (background) task)\n"));
	/* JSON: every field, times ISO-like, not set = null */
	sms_ins_dump_json(f, "mdm00005.ins", j);
	g_assert_true(g_str_has_prefix(j->str, "{\"file\":\"mdm00005.ins\",\"records\":[{"
	                               "\"pcm_version\":8,\"site_id\":\"BPC\""));
	g_assert_nonnull(strstr(j->str, "\"install_by\":null,\"install_by_full\":false,"
	                                "\"display_date\":\"1994-09-21 17:56:00\""));
	g_assert_nonnull(strstr(j->str, "\"type\":2,\"type_name\":\"WINNT3\",\"zone\":"
	                                "\"\\\\\\\\CNS-SMS\\\\SMS_PKGD\\\\BPC0000A\\\\\"}"));
	g_assert_nonnull(strstr(j->str, "\"comments\":\"This package will search\\r\\nyour"));
	g_assert_nonnull(strstr(j->str, "\"flags\":10,\"flag_names\":\"automated, system "
	                                "(background) task\"}"));
	g_assert_true(g_str_has_suffix(j->str, "}]}"));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/ins/roundtrip", test_roundtrip);
	g_test_add_func("/ins/truncations", test_truncations);
	g_test_add_func("/ins/flips", test_flips);
	g_test_add_func("/ins/invalid-fields", test_invalid_fields);
	g_test_add_func("/ins/versions", test_versions);
	g_test_add_func("/ins/check", test_check);
	g_test_add_func("/ins/upsert-remove", test_upsert_remove);
	g_test_add_func("/ins/fault", test_fault);
	g_test_add_func("/ins/dump", test_dump);
	return g_test_run();
}
