/* test-archive.c -- the package archive (smsemu-archive(5)): round trips, determinism,
 * every truncation, byte flips, hostile source trees, hand-made hostile archives,
 * size limits, ENOSPC and a 4 GiB sparse file. */
#include "testlib.h"
#include "archive.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <zlib.h>

#define MIB ((gsize)1 << 20)

/* ---- helpers ------------------------------------------------------------------ */

static char *
path_in(const char *dir, const char *rel)
{
	return g_build_filename(dir, rel, NULL);
}

static void
write_bytes(const char *dir, const char *rel, const void *data, gsize len, int mode,
            gint64 mtime)
{
	g_autofree char *p = path_in(dir, rel);
	g_autofree char *parent = g_path_get_dirname(p);
	g_autoptr(GError) error = NULL;
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };

	g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
	g_assert_true(g_file_set_contents(p, data, (gssize)len, &error));
	g_assert_no_error(error);
	g_assert_cmpint(chmod(p, (mode_t)mode), ==, 0);
	g_assert_cmpint(utimensat(AT_FDCWD, p, ts, 0), ==, 0);
}

static void
make_dir(const char *dir, const char *rel, int mode, gint64 mtime)
{
	g_autofree char *p = path_in(dir, rel);
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
	g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
	g_assert_cmpint(chmod(p, (mode_t)mode), ==, 0);
	g_assert_cmpint(utimensat(AT_FDCWD, p, ts, 0), ==, 0);
}

/* Deterministic pseudo-random bytes (incompressible). */
static guint8 *
noise(gsize len, guint32 seed)
{
	guint8 *b = g_malloc(len);
	guint32 x = seed | 1;
	for (gsize i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (guint8)x;
	}
	return b;
}

/* A package tree: multi-chunk files, empty file and directory, modes, fixed mtimes. */
static char *
make_tree(const char *dir)
{
	char *src = path_in(dir, "src");
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree guint8 *rnd = noise(MIB + 12345, 7);

	for (int i = 0; s->len < 2 * MIB + MIB / 2; i++)
		g_string_append_printf(s, "line %d of a compressible file\n", i);
	write_bytes(src, "SETUP.EXE", "MZ setup", 8, 0755, 820000000);
	write_bytes(src, "BIG.TXT", s->str, s->len, 0644, 830000000);
	write_bytes(src, "RANDOM.BIN", rnd, MIB + 12345, 0600, 840000000);
	write_bytes(src, "SUB/DEEP/A.TXT", "a", 1, 0644, 850000000);
	write_bytes(src, "SUB/EMPTY.DAT", "", 0, 0640, 860000000);
	make_dir(src, "EMPTYDIR", 0700, 870000000);
	make_dir(src, "SUB/DEEP", 0755, 880000000);
	make_dir(src, "SUB", 0750, 890000000);
	return src;
}

/* Compare two trees: names, types, contents, permission bits and mtimes. */
static void
assert_same_tree(const char *a, const char *b)
{
	g_autoptr(GDir) da = g_dir_open(a, 0, NULL);
	const char *name;
	guint na = 0, nb = 0;

	g_assert_nonnull(da);
	while ((name = g_dir_read_name(da)) != NULL) {
		g_autofree char *pa = path_in(a, name);
		g_autofree char *pb = path_in(b, name);
		struct stat sa, sb;
		na++;
		g_assert_cmpint(lstat(pa, &sa), ==, 0);
		if (lstat(pb, &sb) != 0)
			g_error("%s is missing", pb);
		g_assert_cmpint(sa.st_mode, ==, sb.st_mode);
		g_assert_cmpint(sa.st_mtime, ==, sb.st_mtime);
		if (S_ISDIR(sa.st_mode)) {
			assert_same_tree(pa, pb);
		} else {
			g_autofree char *x = NULL, *y = NULL;
			gsize lx, ly;
			g_assert_true(g_file_get_contents(pa, &x, &lx, NULL));
			g_assert_true(g_file_get_contents(pb, &y, &ly, NULL));
			g_assert_cmpmem(x, lx, y, ly);
		}
	}
	{
		g_autoptr(GDir) db = g_dir_open(b, 0, NULL);
		while (db && g_dir_read_name(db) != NULL)
			nb++;
	}
	g_assert_cmpuint(na, ==, nb);
}

static guint
count_entries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

static GBytes *
slurp(const char *path)
{
	char *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	return g_bytes_new_take(data, len);
}

/* Overwrite a file in place (g_file_set_contents would fsync every time). */
static void
spit(const char *path, const void *data, gsize len)
{
	g_auto(SmsFd) fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
}

/* ---- hand-made archives (the format, written independently of the library) ------ */

static void
le(GByteArray *b, guint64 v, int n)
{
	for (int i = 0; i < n; i++) {
		guint8 c = (guint8)(v >> (8 * i));
		g_byte_array_append(b, &c, 1);
	}
}

static void
c_header(GByteArray *b, guint32 version, guint32 flags)
{
	g_byte_array_append(b, (const guint8 *)"SMSPKG\r\n", 8);
	le(b, version, 4);
	le(b, flags, 4);
}

static void
c_entry_raw(GByteArray *b, guint8 type, const char *path, gsize plen, guint32 mode,
            guint64 size)
{
	guint start = b->len;
	g_byte_array_append(b, &type, 1);
	le(b, plen, 2);
	g_byte_array_append(b, (const guint8 *)path, (guint)plen);
	le(b, mode, 4);
	le(b, size, 8);
	le(b, 946684800, 8);
	le(b, crc32(0, b->data + start, b->len - start), 4);
}

static void
c_dir(GByteArray *b, const char *path)
{
	c_entry_raw(b, 'D', path, strlen(path), 0755, 0);
}

/* A file entry whose header says size, followed by the chunks of data. */
static void
c_file_sized(GByteArray *b, const char *path, const void *data, gsize len, guint64 size,
             guint32 crc)
{
	c_entry_raw(b, 'F', path, strlen(path), 0644, size);
	for (gsize off = 0; off < len; off += MIB) {
		gsize n = MIN(MIB, len - off);
		uLongf clen = compressBound(n);
		g_autofree guint8 *z = g_malloc(clen);
		g_assert_cmpint(compress2(z, &clen, (const guint8 *)data + off, n, 6), ==, Z_OK);
		le(b, clen, 4);
		g_byte_array_append(b, z, (guint)clen);
	}
	le(b, crc, 4);
}

static void
c_file(GByteArray *b, const char *path, const char *text)
{
	gsize n = strlen(text);
	c_file_sized(b, path, text, n, n, (guint32)crc32(0, (const guint8 *)text, (uInt)n));
}

static void
c_trailer(GByteArray *b, guint64 entries, guint64 total)
{
	g_byte_array_append(b, (const guint8 *)"E", 1);
	le(b, entries, 8);
	le(b, total, 8);
	le(b, crc32(0, b->data, b->len), 4);
}

/* Extract the bytes into box/out; must fail with code, leaving box empty. */
static void
assert_extract_fails(const char *dir, GByteArray *b, int code, const char *needle)
{
	g_autofree char *arc = path_in(dir, "crafted.w00");
	g_autofree char *box = path_in(dir, "box");
	g_autofree char *out = path_in(box, "out");
	g_autoptr(GError) error = NULL;

	spit(arc, b->data, b->len);
	g_assert_cmpint(g_mkdir_with_parents(box, 0755), ==, 0);
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, code);
	if (needle && strstr(error->message, needle) == NULL)
		g_error("'%s' not in: %s", needle, error->message);
	g_assert_nonnull(strstr(error->message, arc));
	g_assert_nonnull(strstr(error->message, "offset "));
	g_assert_cmpuint(count_entries(box), ==, 0);
	g_clear_error(&error);
	g_assert_false(sms_archive_verify_buffer(b->data, b->len, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, code);
}

/* ---- tests -------------------------------------------------------------------- */

static void
test_roundtrip(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *arc = path_in(dir, "A0100001.W00");
	g_autofree char *out = path_in(dir, "out");
	g_autoptr(GError) error = NULL;
	SmsArchiveStats st, st2, st3;
	struct stat sb;

	g_assert_true(sms_archive_create(src, arc, 6, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.files, ==, 5);
	g_assert_cmpuint(st.dirs, ==, 3);
	{
		g_autofree char *big = path_in(src, "BIG.TXT");
		g_assert_cmpint(stat(big, &sb), ==, 0);
		g_assert_cmpuint(st.bytes_in, ==, 8 + (guint64)sb.st_size + MIB + 12345 + 1 + 0);
	}
	g_assert_cmpint(stat(arc, &sb), ==, 0);
	g_assert_cmpuint(st.bytes_out, ==, (guint64)sb.st_size);
	g_assert_cmpuint(st.bytes_out, <, st.bytes_in);
	g_assert_true(sms_archive_verify(arc, &st2, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st2.crc, ==, st.crc);
	g_assert_cmpuint(st2.files, ==, st.files);
	g_assert_cmpuint(st2.dirs, ==, st.dirs);
	g_assert_cmpuint(st2.bytes_in, ==, st.bytes_in);
	g_assert_cmpuint(st2.bytes_out, ==, st.bytes_out);
	g_assert_true(sms_archive_extract(arc, out, 0, &st3, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st3.crc, ==, st.crc);
	assert_same_tree(src, out);
	/* no temporary file is left next to the archive */
	g_assert_cmpuint(count_entries(dir), ==, 3);
}

/* The same tree gives the same bytes whatever the number of threads. */
static void
test_deterministic(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *a1 = path_in(dir, "t1.w00");
	g_autofree char *a2 = path_in(dir, "t2.w00");
	g_autofree char *a5 = path_in(dir, "t5.w00");
	g_autofree char *l0 = path_in(dir, "l0.w00");
	g_autofree char *l9 = path_in(dir, "l9.w00");
	SmsArchiveOptions o1 = { 6, 1 }, o2 = { -1, 0 }, o5 = { 6, 5 }, z0 = { 0, 2 }, z9 = { 9, 2 };
	SmsArchiveStats s0, s9;
	g_autoptr(GBytes) b1 = NULL, b2 = NULL, b5 = NULL;

	g_assert_true(sms_archive_create_full(src, a1, &o1, NULL, NULL));
	g_assert_true(sms_archive_create_full(src, a2, &o2, NULL, NULL));
	g_assert_true(sms_archive_create_full(src, a5, &o5, NULL, NULL));
	b1 = slurp(a1);
	b2 = slurp(a2);
	b5 = slurp(a5);
	g_assert_true(g_bytes_equal(b1, b2));
	g_assert_true(g_bytes_equal(b1, b5));
	/* level 0 stores, level 9 squeezes; both read back */
	g_assert_true(sms_archive_create_full(src, l0, &z0, &s0, NULL));
	g_assert_true(sms_archive_create_full(src, l9, &z9, &s9, NULL));
	g_assert_cmpuint(s0.bytes_out, >, s0.bytes_in);
	g_assert_cmpuint(s9.bytes_out, <, s0.bytes_out);
	g_assert_true(sms_archive_verify(l0, NULL, NULL));
	g_assert_true(sms_archive_verify(l9, NULL, NULL));
}

typedef struct {
	GPtrArray *lines;
} ListCtx;

static gboolean
collect(const SmsArchiveEntry *e, gpointer data, GError **error)
{
	ListCtx *c = data;
	g_ptr_array_add(c->lines, g_strdup_printf("%c %04o %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT
	                                          " %08x %s", e->is_dir ? 'd' : '-', e->mode,
	                                          e->size, e->mtime, e->crc, e->path));
	return TRUE;
}

static gboolean
stop_at_second(const SmsArchiveEntry *e, gpointer data, GError **error)
{
	int *n = data;
	if (++*n == 2)
		return sms_throw(error, SMS_ERROR_FAILED, "stop");
	return TRUE;
}

static void
test_list(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autoptr(GError) error = NULL;
	ListCtx c = { g_ptr_array_new_with_free_func(g_free) };
	g_autofree char *want = NULL;
	int n = 0;

	write_bytes(src, "b/x.txt", "xx", 2, 0600, 1000);
	write_bytes(src, "a-b", "hello", 5, 0644, 2000);
	write_bytes(src, "a/z", "", 0, 0644, 3000);
	make_dir(src, "a", 0755, 4000);
	make_dir(src, "b", 0700, 5000);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	g_assert_true(sms_archive_list(arc, collect, &c, &error));
	g_assert_no_error(error);
	/* depth first, names in byte order, each directory before its contents */
	want = g_strdup_printf("d 0755 0 4000 00000000 a|- 0644 0 3000 00000000 a/z|"
	                       "- 0644 5 2000 %08x a-b|d 0700 0 5000 00000000 b|"
	                       "- 0600 2 1000 %08x b/x.txt",
	                       (guint32)crc32(0, (const guint8 *)"hello", 5),
	                       (guint32)crc32(0, (const guint8 *)"xx", 2));
	g_ptr_array_add(c.lines, NULL);
	{
		g_autofree char *got = g_strjoinv("|", (char **)c.lines->pdata);
		g_assert_cmpstr(got, ==, want);
	}
	g_ptr_array_unref(c.lines);
	/* the callback's error stops the listing */
	g_assert_false(sms_archive_list(arc, stop_at_second, &n, &error));
	g_assert_error(error, SMS_ERROR, SMS_ERROR_FAILED);
	g_assert_cmpint(n, ==, 2);
}

static void
test_destination(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = make_tree(dir);
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autofree char *full = path_in(dir, "full");
	g_autofree char *empty = path_in(dir, "empty");
	g_autofree char *deep = path_in(dir, "new/parents/out");
	g_autofree char *small = path_in(dir, "small");
	g_autoptr(GError) error = NULL;

	g_assert_true(sms_archive_create(src, arc, 1, NULL, NULL));
	/* a non-empty destination is refused and left alone */
	write_bytes(full, "KEEP", "k", 1, 0644, 1);
	g_assert_false(sms_archive_extract(arc, full, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NOT_EMPTY);
	g_assert_cmpuint(count_entries(full), ==, 1);
	g_clear_error(&error);
	/* an existing empty directory and a new one with new parents both work */
	g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
	g_assert_true(sms_archive_extract(arc, empty, 0, NULL, &error));
	g_assert_no_error(error);
	assert_same_tree(src, empty);
	g_assert_true(sms_archive_extract(arc, deep, 0, NULL, &error));
	g_assert_no_error(error);
	/* a size limit refuses before writing anything: not even the directory is made */
	g_assert_false(sms_archive_extract(arc, small, 1000, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
	g_assert_false(g_file_test(small, G_FILE_TEST_EXISTS));
	g_clear_error(&error);
	/* the exact size fits */
	{
		SmsArchiveStats st;
		g_assert_true(sms_archive_verify(arc, &st, NULL));
		g_assert_true(sms_archive_extract(arc, small, st.bytes_in, NULL, &error));
		g_assert_no_error(error);
	}
	/* a trailer that lies about the size is corruption, not "too large" */
	{
		g_autoptr(GBytes) b = slurp(arc);
		gsize len;
		guint8 *d = g_bytes_unref_to_data(g_bytes_ref(b), &len);
		g_autofree char *liar = path_in(dir, "liar.w00");
		g_autofree char *out = path_in(dir, "liar");
		d[len - 5] = 0x7f;          /* high byte of the total */
		spit(liar, d, len);
		g_free(d);
		g_assert_false(sms_archive_extract(liar, out, 1000, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT);
		g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
		g_clear_error(&error);
	}
	/* without a readable trailer the limit is still enforced while streaming */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		g_autofree char *big = g_malloc0(5000);
		g_autofree char *t = path_in(dir, "stream.w00");
		g_autofree char *out = path_in(dir, "stream");
		memset(big, 'x', 5000);
		c_header(b, 2, 0);
		c_file_sized(b, "A", "aa", 2, 2, (guint32)crc32(0, (const guint8 *)"aa", 2));
		c_file_sized(b, "B", big, 5000, 5000, (guint32)crc32(0, (guint8 *)big, 5000));
		spit(t, b->data, b->len);     /* no trailer */
		g_assert_false(sms_archive_extract(t, out, 1000, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
		g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	}
}

/* A small archive: one directory, three files. */
static GBytes *
small_archive(const char *dir)
{
	g_autofree char *src = path_in(dir, "small-src");
	g_autofree char *arc = path_in(dir, "small.w00");
	write_bytes(src, "DATA.TXT", "the data of the package, twice: the data of the package",
	            55, 0644, 100);
	write_bytes(src, "SUB/B.INI", "[x]\r\nA=1\r\n", 10, 0644, 200);
	write_bytes(src, "SUB/Z.DAT", "", 0, 0644, 300);
	g_assert_true(sms_archive_create(src, arc, 9, NULL, NULL));
	return slurp(arc);
}

static void
test_truncation(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autoptr(GBytes) b = small_archive(dir);
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autofree char *arc = path_in(dir, "cut.w00");
	g_autofree char *out = path_in(dir, "out");

	g_assert_true(sms_archive_verify_buffer(data, len, NULL, NULL));
	g_assert_cmpuint(len, <, 400);
	for (gsize cut = 0; cut < len; cut++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *where = g_strdup_printf("truncated at offset %" G_GSIZE_FORMAT ":",
		                                         cut);
		g_assert_false(sms_archive_verify_buffer(data, cut, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED);
		g_assert_nonnull(strstr(error->message, where));
		g_clear_error(&error);
		/* and on disk: extraction fails the same way and leaves nothing */
		spit(arc, data, cut);
		g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED);
		g_assert_nonnull(strstr(error->message, arc));
		g_assert_nonnull(strstr(error->message, where));
		g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
		g_clear_error(&error);
		g_assert_false(sms_archive_verify(arc, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED);
	}
	/* one byte too many */
	{
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *more = g_malloc0(len + 1);
		memcpy(more, data, len);
		g_assert_false(sms_archive_verify_buffer(more, len + 1, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT);
		g_assert_nonnull(strstr(error->message, "after the trailer"));
	}
}

static void
test_flips(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autoptr(GBytes) b = small_archive(dir);
	gsize len;
	g_autofree guint8 *data = g_bytes_unref_to_data(g_bytes_ref(b), &len);
	g_autofree char *arc = path_in(dir, "flip.w00");
	g_autofree char *out = path_in(dir, "out");
	/* DATA.TXT is the first entry: its data starts after the 16-byte header and its
	 * 1+2+8+4+8+8+4-byte entry header, with the chunk length; then the file CRC */
	gsize data_start = 16 + 35 + 4, data_end;
	guint64 clen = data[16 + 35] | (guint64)data[16 + 35 + 1] << 8;
	static const guint8 masks[] = { 0x01, 0x80, 0xff, 0x10 };

	data_end = data_start + clen + 4;
	g_assert_true(memcmp(data + 16 + 3, "DATA.TXT", 8) == 0);
	for (gsize i = 0; i < len; i++) {
		for (guint m = 0; m < G_N_ELEMENTS(masks); m++) {
			g_autoptr(GError) error = NULL;
			data[i] ^= masks[m];
			g_assert_false(sms_archive_verify_buffer(data, len, NULL, &error));
			g_assert_nonnull(error);
			if (i < 8 || i >= 16) {
				/* the magic, entries, data, trailer: corruption (a length field made
				 * larger may run into the end of the archive) */
				if (!g_error_matches(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT) &&
				    !g_error_matches(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED))
					g_error("flip %02x at %" G_GSIZE_FORMAT ": %s", masks[m], i,
					        error->message);
			} else {
				g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_VERSION);
			}
			if (i >= data_start && i < data_end) {
				g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT);
				if (strstr(error->message, "DATA.TXT") == NULL)
					g_error("flip at %" G_GSIZE_FORMAT ": no file name in: %s", i,
					        error->message);
			}
			if (m == 0) {
				/* extraction of the damaged archive leaves nothing behind */
				g_clear_error(&error);
				spit(arc, data, len);
				g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
				g_assert_nonnull(error);
				g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
			}
			data[i] ^= masks[m];
		}
	}
	g_assert_true(sms_archive_verify_buffer(data, len, NULL, NULL));
}

/* Damage inside the second chunk of a large file names the file and the chunk. */
static void
test_flip_large(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autofree char *out = path_in(dir, "out");
	g_autofree guint8 *rnd = noise(3 * MIB, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = NULL;
	guint8 *d;
	gsize len, clen0;

	write_bytes(src, "LARGE.BIN", rnd, 3 * MIB, 0644, 1);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	b = slurp(arc);
	d = g_bytes_unref_to_data(g_bytes_ref(b), &len);
	/* header, entry header (36 bytes with "LARGE.BIN"), chunk 0, chunk 1 */
	g_assert_true(memcmp(d + 16 + 3, "LARGE.BIN", 9) == 0);
	clen0 = d[52] | (gsize)d[53] << 8 | (gsize)d[54] << 16 | (gsize)d[55] << 24;
	d[52 + 4 + clen0 + 4 + 5000] ^= 0x40;               /* inside chunk 1 */
	spit(arc, d, len);
	g_free(d);
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "chunk 1 of LARGE.BIN"));
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

static void
assert_create_refused(const char *src, const char *dir, const char *needle)
{
	g_autofree char *arc = path_in(dir, "refused.w00");
	g_autoptr(GError) error = NULL;
	guint before = count_entries(dir);

	g_assert_false(sms_archive_create(src, arc, 6, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED);
	if (strstr(error->message, needle) == NULL)
		g_error("'%s' not in: %s", needle, error->message);
	/* neither the archive nor its temporary file is left */
	g_assert_cmpuint(count_entries(dir), ==, before);
}

static void
test_hostile_source(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *link = path_in(src, "SUB/LINK");
	g_autofree char *fifo = path_in(src, "SUB/FIFO");
	g_autofree char *sock = path_in(src, "SUB/SOCK");
	g_autofree char *dev = path_in(src, "SUB/NULL");
	g_autofree char *bad = NULL;

	write_bytes(src, "SUB/OK.TXT", "ok", 2, 0644, 1);
	g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
	assert_create_refused(src, dir, "SUB/LINK is a symbolic link");
	unlink(link);
	g_assert_cmpint(symlink("..", link), ==, 0);      /* to a directory */
	assert_create_refused(src, dir, "SUB/LINK is a symbolic link");
	unlink(link);
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	assert_create_refused(src, dir, "SUB/FIFO is a device, FIFO or socket");
	unlink(fifo);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		g_assert_cmpint(fd, >=, 0);
		if (strlen(sock) < sizeof sa.sun_path) {
			strcpy(sa.sun_path, sock);
			g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
			assert_create_refused(src, dir, "SUB/SOCK is a device, FIFO or socket");
			unlink(sock);
		}
		close(fd);
	}
	if (mknod(dev, S_IFCHR | 0644, makedev(1, 3)) == 0) {
		assert_create_refused(src, dir, "SUB/NULL is a device, FIFO or socket");
		unlink(dev);
	} else {
		g_test_message("mknod: %s: device files not tested", g_strerror(errno));
	}
	/* names the reader would refuse are refused when writing */
	bad = path_in(src, "SUB/A\\..\\B");
	write_bytes(src, "SUB/A\\..\\B", "x", 1, 0644, 1);
	assert_create_refused(src, dir, "contains a backslash");
	unlink(bad);
	g_free(bad);
	bad = path_in(src, "NEW\nLINE");
	write_bytes(src, "NEW\nLINE", "x", 1, 0644, 1);
	assert_create_refused(src, dir, "contains a control character");
	unlink(bad);
	/* a missing source */
	{
		g_autofree char *none = path_in(dir, "none");
		g_autofree char *arc = path_in(dir, "none.w00");
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_archive_create(none, arc, 6, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO);
		g_assert_nonnull(strstr(error->message, none));
	}
}

/* Names that are not UTF-8 are raw bytes: they round-trip. */
static void
test_raw_names(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autofree char *out = path_in(dir, "out");
	const char *latin1 = "CAF\xc9.TXT";           /* "CAFÉ.TXT" in code page 1252 */
	const char *utf8 = "na\xc3\xafve/r\xc3\xa9sum\xc3\xa9.doc";
	ListCtx c = { g_ptr_array_new_with_free_func(g_free) };
	g_autofree char *back = NULL;

	write_bytes(src, latin1, "latin-1 name", 12, 0644, 1);
	write_bytes(src, utf8, "utf-8 name", 10, 0644, 2);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	g_assert_true(sms_archive_extract(arc, out, 0, NULL, NULL));
	assert_same_tree(src, out);
	back = path_in(out, latin1);
	g_assert_true(g_file_test(back, G_FILE_TEST_IS_REGULAR));
	g_assert_true(sms_archive_list(arc, collect, &c, NULL));
	g_assert_cmpuint(c.lines->len, ==, 3);
	g_assert_true(g_str_has_suffix(c.lines->pdata[0], latin1));
	g_ptr_array_unref(c.lines);
}

static void
test_empty(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "empty");
	g_autofree char *arc = path_in(dir, "e.w00");
	g_autofree char *out = path_in(dir, "eout");
	g_autofree char *src2 = path_in(dir, "zero");
	g_autofree char *arc2 = path_in(dir, "z.w00");
	g_autofree char *out2 = path_in(dir, "zout");
	SmsArchiveStats st;

	g_assert_cmpint(g_mkdir(src, 0755), ==, 0);
	g_assert_true(sms_archive_create(src, arc, 6, &st, NULL));
	g_assert_cmpuint(st.files, ==, 0);
	g_assert_cmpuint(st.dirs, ==, 0);
	g_assert_cmpuint(st.bytes_out, ==, 16 + 21);
	g_assert_true(sms_archive_verify(arc, NULL, NULL));
	g_assert_true(sms_archive_extract(arc, out, 0, NULL, NULL));
	g_assert_true(g_file_test(out, G_FILE_TEST_IS_DIR));
	g_assert_cmpuint(count_entries(out), ==, 0);
	/* 0-byte files only */
	write_bytes(src2, "A", "", 0, 0644, 5);
	write_bytes(src2, "D/B", "", 0, 0600, 6);
	g_assert_true(sms_archive_create(src2, arc2, 6, &st, NULL));
	g_assert_cmpuint(st.files, ==, 2);
	g_assert_cmpuint(st.bytes_in, ==, 0);
	g_assert_true(sms_archive_extract(arc2, out2, 0, NULL, NULL));
	assert_same_tree(src2, out2);
}

/* Modes: permission bits only; read-only directories still get their files. */
static void
test_modes(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autofree char *out = path_in(dir, "out");
	g_autofree char *suid = NULL;
	struct stat sb;

	write_bytes(src, "RO/FILE", "f", 1, 0444, 10);
	write_bytes(src, "SUID", "s", 1, 0755, 20);
	suid = path_in(src, "SUID");
	g_assert_cmpint(chmod(suid, 04755 | 02000 | 01000), ==, 0);
	make_dir(src, "RO", 0555, 30);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	g_assert_true(sms_archive_extract(arc, out, 0, NULL, NULL));
	{
		g_autofree char *p = path_in(out, "SUID");
		g_autofree char *ro = path_in(out, "RO");
		g_autofree char *f = path_in(out, "RO/FILE");
		g_assert_cmpint(stat(p, &sb), ==, 0);
		g_assert_cmpint(sb.st_mode & 07777, ==, 0755);   /* never setuid */
		g_assert_cmpint(stat(ro, &sb), ==, 0);
		g_assert_cmpint(sb.st_mode & 07777, ==, 0555);
		g_assert_cmpint(sb.st_mtime, ==, 30);
		g_assert_cmpint(stat(f, &sb), ==, 0);
		g_assert_cmpint(sb.st_mode & 07777, ==, 0444);
		g_assert_cmpint(chmod(ro, 0755), ==, 0);       /* let the cleanup in */
	}
	/* damage after a finished read-only directory: everything is still removed */
	{
		g_autoptr(GBytes) b = slurp(arc);
		g_autofree char *cut = path_in(dir, "cut.w00");
		g_autofree char *out2 = path_in(dir, "out2");
		g_autoptr(GError) error = NULL;
		spit(cut, g_bytes_get_data(b, NULL), g_bytes_get_size(b) - 1);
		g_assert_false(sms_archive_extract(cut, out2, 0, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED);
		g_assert_false(g_file_test(out2, G_FILE_TEST_EXISTS));
	}
	g_assert_cmpint(chmod(suid, 0755), ==, 0);
	{
		g_autofree char *ro = path_in(src, "RO");
		g_assert_cmpint(chmod(ro, 0755), ==, 0);
	}
}

/* An archive written inside its own source tree does not contain itself. */
static void
test_inside_source(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(src, "SELF.W00");
	ListCtx c = { g_ptr_array_new_with_free_func(g_free) };
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *rnd = noise(3 * MIB, 5);

	write_bytes(src, "A.BIN", rnd, 3 * MIB, 0644, 1);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(sms_archive_list(arc, collect, &c, NULL));
	g_assert_cmpuint(c.lines->len, ==, 1);
	g_assert_true(g_str_has_suffix(c.lines->pdata[0], " A.BIN"));
	g_ptr_array_unref(c.lines);
	g_assert_cmpuint(count_entries(src), ==, 2);
}

/* Hand-made archives that try to escape or lie. */
static void
test_hostile_archives(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *evil = path_in(dir, "EVIL");
	static const char *const unsafe[] = {
		"../EVIL", "a/../../EVIL", "/EVIL", "./EVIL", "a//b", "a/", "a\\..\\..\\EVIL",
		"..\\EVIL", "C:EVIL", "a/./b", "..", ".", "tab\there", "del\x7f",
	};
	g_autofree char *abs_evil = g_strdup(evil);

	for (guint i = 0; i <= G_N_ELEMENTS(unsafe); i++) {
		g_autoptr(GByteArray) b = g_byte_array_new();
		const char *p = i < G_N_ELEMENTS(unsafe) ? unsafe[i] : abs_evil;
		c_header(b, 2, 0);
		c_dir(b, "a");
		c_file(b, p, "pwned");
		c_trailer(b, 2, 5);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_UNSAFE_PATH, "entry path");
		g_assert_false(g_file_test(evil, G_FILE_TEST_EXISTS));
	}
	/* a NUL inside the path, an empty path */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		c_header(b, 2, 0);
		c_entry_raw(b, 'F', "ok\0/../x", 8, 0644, 0);
		le(b, 0, 4);
		c_trailer(b, 1, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_UNSAFE_PATH, "NUL");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_entry_raw(b, 'F', "", 0, 0644, 0);
		c_trailer(b, 1, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "path length 0");
	}
	/* a symlink entry (no such type), through a file, without its directory */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		c_header(b, 2, 0);
		c_entry_raw(b, 'L', "link", 4, 0777, 0);
		c_trailer(b, 1, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "entry type 0x4c");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file(b, "f", "file");
		c_file(b, "f/x", "through a file");
		c_trailer(b, 2, 18);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "its directory");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file(b, "nodir/x", "no directory entry");
		c_trailer(b, 1, 18);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "its directory");
	}
	/* duplicates and disorder */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		c_header(b, 2, 0);
		c_file(b, "x", "one");
		c_file(b, "x", "two");
		c_trailer(b, 2, 6);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "out of order or duplicated");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file(b, "b", "one");
		c_file(b, "a", "two");
		c_trailer(b, 2, 6);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "out of order or duplicated");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_dir(b, "d");
		c_dir(b, "d");
		c_trailer(b, 2, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "out of order or duplicated");
	}
	/* sizes, CRCs, modes and the trailer */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		const char *t = "0123456789";
		guint32 crc = (guint32)crc32(0, (const guint8 *)t, 10);
		c_header(b, 2, 0);
		c_file_sized(b, "SIZE.TXT", t, 10, 9, crc);      /* data longer than the size */
		c_trailer(b, 1, 9);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "SIZE.TXT: the data is longer");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file_sized(b, "SIZE.TXT", t, 10, 11, crc);     /* shorter */
		c_trailer(b, 1, 11);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "SIZE.TXT: the data is shorter");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file_sized(b, "SIZE.TXT", t, 10, MIB + 10, crc);  /* a chunk too few */
		c_trailer(b, 1, MIB + 10);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "SIZE.TXT");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file_sized(b, "CRC.TXT", t, 10, 10, crc ^ 1);
		c_trailer(b, 1, 10);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "CRC mismatch in CRC.TXT");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_entry_raw(b, 'F', "SETUID", 6, 04755, 0);
		le(b, 0, 4);
		c_trailer(b, 1, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "permission bits only");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_entry_raw(b, 'D', "DIR", 3, 0755, 7);
		c_trailer(b, 1, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "directory DIR with a size");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file(b, "A", t);
		c_trailer(b, 2, 10);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "the trailer says 2 entries");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 0);
		c_file(b, "A", t);
		c_trailer(b, 1, 10);
		b->data[b->len - 1] ^= 0x20;
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "archive CRC mismatch");
	}
	/* a chunk with bytes after its zlib stream */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		uLongf clen = 64;
		guint8 z[64];
		g_assert_cmpint(compress2(z, &clen, (const guint8 *)"abc", 3, 6), ==, Z_OK);
		c_header(b, 2, 0);
		c_entry_raw(b, 'F', "T", 1, 0644, 3);
		le(b, clen + 2, 4);
		g_byte_array_append(b, z, (guint)clen);
		g_byte_array_append(b, (const guint8 *)"!!", 2);
		le(b, crc32(0, (const guint8 *)"abc", 3), 4);
		c_trailer(b, 1, 3);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "after the end of the zlib");
	}
	/* versions and flags; the version 1 layout */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		c_header(b, 3, 0);
		c_trailer(b, 0, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_VERSION, "version 3 is not supported");
		g_byte_array_set_size(b, 0);
		c_header(b, 1, 0);
		g_byte_array_append(b, (const guint8 *)"\xff", 1);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_VERSION, "version 1");
		g_byte_array_set_size(b, 0);
		c_header(b, 2, 4);
		c_trailer(b, 0, 0);
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_VERSION, "flags 0x4");
		g_byte_array_set_size(b, 0);
		{
			static const char zip[] = "PK\x03\x04 not ours at all";
			g_byte_array_append(b, (const guint8 *)zip, sizeof zip - 1);
		}
		assert_extract_fails(dir, b, SMS_ARCHIVE_ERROR_CORRUPT, "not an smsemu package");
	}
	/* a valid hand-made archive extracts: the test writer agrees with the library */
	{
		g_autoptr(GByteArray) b = g_byte_array_new();
		g_autofree char *arc = path_in(dir, "good.w00");
		g_autofree char *out = path_in(dir, "good");
		g_autofree char *f = path_in(out, "a/f.txt");
		g_autofree char *text = NULL;
		c_header(b, 2, 0);
		c_dir(b, "a");
		c_file(b, "a/f.txt", "fine");
		c_file(b, "b", "");
		c_trailer(b, 3, 4);
		spit(arc, b->data, b->len);
		g_assert_true(sms_archive_extract(arc, out, 0, NULL, NULL));
		g_assert_true(g_file_get_contents(f, &text, NULL, NULL));
		g_assert_cmpstr(text, ==, "fine");
	}
}

/* The disk fills up while extracting: NO_SPACE, nothing left. The fault point is read
 * from SMSEMU_FAULT when the process starts using it, hence a subprocess. */
static void
test_enospc_fault(void)
{
	if (g_test_subprocess()) {
		g_autofree char *dir = NULL;
		g_autofree char *src = NULL;
		g_autofree char *arc = NULL;
		g_autofree char *out = NULL;
		g_autoptr(GError) error = NULL;
		/* before anything reads SMSEMU_FAULT (and before any thread exists) */
		g_setenv("SMSEMU_FAULT", "archive-extract-enospc:2", TRUE);
		dir = sms_test_tmpdir();
		src = make_tree(dir);
		arc = path_in(dir, "p.w00");
		out = path_in(dir, "out");
		g_assert_true(sms_archive_create(src, arc, 1, NULL, NULL));
		g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
		g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
		g_assert_nonnull(strstr(error->message, "RANDOM.BIN"));
		g_assert_nonnull(strstr(error->message, "No space left on device"));
		g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
		return;
	}
	g_test_trap_subprocess(NULL, 0, 0);
	g_test_trap_assert_passed();
}

/* A real full file system (a small tmpfs; needs root, skipped otherwise). */
static void
test_enospc_tmpfs(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *mnt = path_in(dir, "mnt");
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *arc = path_in(dir, "p.w00");
	g_autofree char *out = path_in(mnt, "out");
	g_autofree char *arc2 = path_in(mnt, "p.w00");
	g_autofree guint8 *rnd = noise(2 * MIB, 11);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir(mnt, 0755), ==, 0);
	if (mount("smsemu-test", mnt, "tmpfs", 0, "size=1m") != 0) {
		g_test_skip("cannot mount a small tmpfs here (not root?)");
		return;
	}
	write_bytes(src, "A.TXT", "small", 5, 0644, 1);
	write_bytes(src, "B.BIN", rnd, 2 * MIB, 0644, 1);
	g_assert_true(sms_archive_create(src, arc, 6, NULL, NULL));
	g_assert_false(sms_archive_extract(arc, out, 0, NULL, &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
	g_assert_nonnull(strstr(error->message, "B.BIN"));
	g_assert_cmpuint(count_entries(mnt), ==, 0);
	g_clear_error(&error);
	/* writing an archive onto a full disk: no archive, no temporary file */
	g_assert_false(sms_archive_create_full(src, arc2, &(SmsArchiveOptions){ 0, 2 }, NULL,
	                                       &error));
	g_assert_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE);
	g_assert_cmpuint(count_entries(mnt), ==, 0);
	g_assert_cmpint(umount2(mnt, MNT_DETACH), ==, 0);
}

/* 64-bit sizes: a 4 GiB sparse file with data beyond 4 GiB, compressed at level 1 and
 * extracted (sparse again). */
static void
test_sparse_4g(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *src = path_in(dir, "src");
	g_autofree char *f = path_in(src, "HUGE.BIN");
	g_autofree char *arc = path_in(dir, "s.w00");
	g_autofree char *out = path_in(dir, "out");
	g_autofree char *back = path_in(out, "HUGE.BIN");
	const guint64 size = ((guint64)4 << 30) + 4097;
	SmsArchiveOptions opt = { 1, 2 };
	SmsArchiveStats st;
	struct statvfs vfs;
	struct stat sb;
	char tail[4];

	g_assert_cmpint(g_mkdir(src, 0755), ==, 0);
	if (statvfs(dir, &vfs) == 0 && (guint64)vfs.f_bavail * vfs.f_frsize < 256 * MIB) {
		g_test_skip("less than 256 MiB free");
		return;
	}
	{
		g_auto(SmsFd) fd = open(f, O_WRONLY | O_CREAT, 0644);
		g_assert_cmpint(fd, >=, 0);
		if (ftruncate(fd, (off_t)size) != 0) {
			g_test_skip("the file system refuses a 4 GiB sparse file");
			return;
		}
		g_assert_cmpint(pwrite(fd, "HEAD", 4, 1000), ==, 4);
		g_assert_cmpint(pwrite(fd, "TAIL", 4, (off_t)size - 4), ==, 4);
	}
	g_assert_true(sms_archive_create_full(src, arc, &opt, &st, NULL));
	g_assert_cmpuint(st.bytes_in, ==, size);
	g_assert_cmpuint(st.bytes_out, <, 64 * MIB);
	g_assert_true(sms_archive_extract(arc, out, 0, &st, NULL));
	g_assert_cmpuint(st.bytes_in, ==, size);
	g_assert_cmpint(stat(back, &sb), ==, 0);
	g_assert_cmpuint((guint64)sb.st_size, ==, size);
	g_assert_cmpuint((guint64)sb.st_blocks * 512, <, 16 * MIB);   /* holes stayed holes */
	{
		g_auto(SmsFd) fd = open(back, O_RDONLY);
		g_assert_cmpint(pread(fd, tail, 4, (off_t)size - 4), ==, 4);
		g_assert_cmpmem(tail, 4, "TAIL", 4);
		g_assert_cmpint(pread(fd, tail, 4, 1000), ==, 4);
		g_assert_cmpmem(tail, 4, "HEAD", 4);
		g_assert_cmpint(pread(fd, tail, 4, (off_t)3 << 30), ==, 4);
		g_assert_cmpmem(tail, 4, "\0\0\0\0", 4);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/archive/roundtrip", test_roundtrip);
	g_test_add_func("/archive/deterministic", test_deterministic);
	g_test_add_func("/archive/list", test_list);
	g_test_add_func("/archive/destination", test_destination);
	g_test_add_func("/archive/truncation", test_truncation);
	g_test_add_func("/archive/flips", test_flips);
	g_test_add_func("/archive/flip-large", test_flip_large);
	g_test_add_func("/archive/hostile-source", test_hostile_source);
	g_test_add_func("/archive/raw-names", test_raw_names);
	g_test_add_func("/archive/empty", test_empty);
	g_test_add_func("/archive/modes", test_modes);
	g_test_add_func("/archive/inside-source", test_inside_source);
	g_test_add_func("/archive/hostile-archives", test_hostile_archives);
	g_test_add_func("/archive/enospc-fault", test_enospc_fault);
	g_test_add_func("/archive/enospc-tmpfs", test_enospc_tmpfs);
	g_test_add_func("/archive/sparse-4g", test_sparse_4g);
	return g_test_run();
}
