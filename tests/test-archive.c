/* test-archive.c -- the package archive: round trip, every truncation, byte flips,
 * hostile sources and entries. */
#include "testlib.h"
#include "archive.h"

#include <fcntl.h>
#include <sys/stat.h>

static char *
make_tree(const char *dir)
{
	g_autofree char *src = g_build_filename(dir, "src", NULL);
	g_autofree char *big = NULL;
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 20000; i++)
		g_string_append_printf(s, "line %d of a compressible file\n", i);
	g_free(sms_test_write(src, "SETUP.EXE", "MZ setup"));
	g_free(sms_test_write(src, "SUB/DEEP/A.TXT", "a"));
	g_free(sms_test_write(src, "SUB/EMPTY.DAT", ""));
	big = sms_test_write(src, "BIG.TXT", s->str);
	g_string_free(s, TRUE);
	{
		g_autofree char *e = g_build_filename(src, "EMPTYDIR", NULL);
		g_assert_cmpint(g_mkdir_with_parents(e, 0755), ==, 0);
	}
	return g_steal_pointer(&src);
}

static void
test_roundtrip(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *arc = g_build_filename(dir, "A0100001.W00", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *a = NULL, *b = NULL;
	g_autoptr(GError) error = NULL;
	SmsArchiveStats st, st2;

	g_assert_true(sms_archive_create(src, arc, 6, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.files, ==, 4);
	g_assert_cmpuint(st.dirs, ==, 3);
	g_assert_cmpuint(st.bytes_out, <, st.bytes_in);
	g_assert_true(sms_archive_verify(arc, &st2, &error));
	g_assert_cmpuint(st2.crc, ==, st.crc);
	g_assert_true(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_no_error(error);
	a = g_build_filename(src, "BIG.TXT", NULL);
	b = g_build_filename(out, "BIG.TXT", NULL);
	{
		g_autofree char *x = NULL, *y = NULL;
		g_assert_true(g_file_get_contents(a, &x, NULL, NULL));
		g_assert_true(g_file_get_contents(b, &y, NULL, NULL));
		g_assert_cmpstr(x, ==, y);
	}
	{
		g_autofree char *e1 = g_build_filename(out, "EMPTYDIR", NULL);
		g_autofree char *e2 = g_build_filename(out, "SUB/EMPTY.DAT", NULL);
		g_assert_true(g_file_test(e1, G_FILE_TEST_IS_DIR));
		g_assert_true(g_file_test(e2, G_FILE_TEST_IS_REGULAR));
	}
	/* extracting into a non-empty directory is refused */
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_clear_error(&error);
	/* a size limit refuses before writing */
	{
		g_autofree char *small = g_build_filename(dir, "small", NULL);
		g_assert_false(sms_archive_extract(arc, small, 100, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
	}
}

static void
test_truncation_and_flips(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *arc = g_build_filename(dir, "p.w00", NULL);
	g_autofree char *data = NULL;
	gsize len;
	g_assert_true(sms_archive_create(src, arc, 1, NULL, NULL));
	g_assert_true(g_file_get_contents(arc, &data, &len, NULL));
	g_assert_true(sms_archive_verify_buffer((guint8 *)data, len, NULL));
	for (gsize cut = 0; cut < len; cut += (cut < 200 ? 1 : 97)) {
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_archive_verify_buffer((guint8 *)data, cut, &error));
		g_assert_nonnull(error);
	}
	for (gsize i = 0; i < len; i += 13) {
		g_autoptr(GError) error = NULL;
		data[i] ^= 0x5a;
		g_assert_false(sms_archive_verify_buffer((guint8 *)data, len, &error));
		g_assert_nonnull(error);
		data[i] ^= 0x5a;
	}
	/* a truncated file on disk extracts nothing */
	{
		g_autofree char *t = g_build_filename(dir, "t.w00", NULL);
		g_autofree char *out = g_build_filename(dir, "tout", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(GDir) d = NULL;
		g_assert_true(g_file_set_contents(t, data, (gssize)(len - 10), NULL));
		g_assert_false(sms_archive_extract(t, out, 0, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED);
		d = g_dir_open(out, 0, NULL);
		g_assert_null(g_dir_read_name(d));
	}
}

static void
test_hostile_source(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *arc = g_build_filename(dir, "p.w00", NULL);
	g_autofree char *link = g_build_filename(src, "LINK", NULL);
	g_autoptr(GError) error = NULL;
	g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
	g_assert_false(sms_archive_create(src, arc, 6, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED);
	g_assert_nonnull(strstr(error->message, "LINK is a symbolic link"));
	g_assert_false(g_file_test(arc, G_FILE_TEST_EXISTS));
	g_clear_error(&error);
	unlink(link);
	g_assert_cmpint(mkfifo(link, 0644), ==, 0);
	g_assert_false(sms_archive_create(src, arc, 6, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED);
}

/* Hand-made archive with an entry "../evil": refused, nothing written outside. */
static void
test_unsafe_entry(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = g_build_filename(dir, "src", NULL);
	g_autofree char *arc = g_build_filename(dir, "p.w00", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	char *hit;
	g_free(sms_test_write(src, "AAAAEVIL", "x"));
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	g_assert_true(g_file_get_contents(arc, &data, &len, NULL));
	hit = memmem(data, len, "AAAAEVIL", 8);
	g_assert_nonnull(hit);
	memcpy(hit, "../EVIL", 8);     /* same length incl. the changed byte: "../EVIL\0"? */
	memcpy(hit, "a/../../", 8);
	g_assert_true(g_file_set_contents(arc, data, (gssize)len, NULL));
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSAFE_PATH);
	{
		g_autofree char *evil = g_build_filename(dir, "EVIL", NULL);
		g_assert_false(g_file_test(evil, G_FILE_TEST_EXISTS));
	}
	g_clear_error(&error);
	memcpy(hit, "/tmp/EVI", 8);
	g_assert_true(g_file_set_contents(arc, data, (gssize)len, NULL));
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSAFE_PATH);
}

static void
test_empty_and_sparse(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = g_build_filename(dir, "empty", NULL);
	g_autofree char *arc = g_build_filename(dir, "e.w00", NULL);
	g_autofree char *out = g_build_filename(dir, "eout", NULL);
	SmsArchiveStats st;
	g_assert_cmpint(g_mkdir_with_parents(src, 0755), ==, 0);
	g_assert_true(sms_archive_create(src, arc, 6, &st, NULL));
	g_assert_cmpuint(st.files, ==, 0);
	g_assert_true(sms_archive_extract(arc, out, 0, NULL, NULL));
	if (g_test_slow()) {
		/* 4 GB sparse file: 64-bit sizes */
		g_autofree char *s2 = g_build_filename(dir, "sparse", NULL);
		g_autofree char *f = g_build_filename(s2, "HUGE.BIN", NULL);
		g_autofree char *a2 = g_build_filename(dir, "s.w00", NULL);
		g_auto(SmsFd) fd = -1;
		g_assert_cmpint(g_mkdir_with_parents(s2, 0755), ==, 0);
		fd = open(f, O_WRONLY | O_CREAT, 0644);
		g_assert_cmpint(ftruncate(fd, (off_t)4 << 30), ==, 0);
		g_assert_true(sms_archive_create(s2, a2, 1, &st, NULL));
		g_assert_cmpuint(st.bytes_in, ==, (guint64)4 << 30);
		g_assert_true(sms_archive_verify(a2, NULL, NULL));
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/archive/roundtrip", test_roundtrip);
	g_test_add_func("/archive/truncation-and-flips", test_truncation_and_flips);
	g_test_add_func("/archive/hostile-source", test_hostile_source);
	g_test_add_func("/archive/unsafe-entry", test_unsafe_entry);
	g_test_add_func("/archive/empty-and-sparse", test_empty_and_sparse);
	return g_test_run();
}
