/* bench-archive.c -- the package archive: worker threads against one thread.
 *
 *   bench-archive                      64 MB tree: create with 1 and 2 threads (level 6),
 *                                      verify, extract; prints markdown rows
 *   bench-archive gen DIR [MB] [FILES] write a deterministic tree of mixed compressibility
 *                                      (bench/archive.sh uses it for tar vs archive)
 *
 * The tree: a third of the files random (incompressible), a third text, a third
 * structured binary records; five large files hold 30 % of the bytes (several 1 MiB
 * chunks each), the rest have sizes spread from 512 bytes to 64 KiB, in 40 directories.
 */
#include "common.h"
#include "archive.h"

#include <stdio.h>

int main(int argc, char **argv);

static guint32 rng = 2463534242u;

static guint32
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
fill(guint8 *b, gsize n, int kind)
{
	static const char *const words[] = {
		"setup", "office", "windows", "package", "install", "kernel32", "dll", "SMS",
		"workstation", "server", "%s\\system32", "[Settings]", "Version=4.00.950", "\r\n",
	};
	gsize i = 0;

	if (kind == 0) {
		for (; i + 4 <= n; i += 4) {
			guint32 v = next();
			memcpy(b + i, &v, 4);
		}
		for (; i < n; i++)
			b[i] = (guint8)next();
	} else if (kind == 1) {
		while (i < n) {
			const char *w = words[next() % G_N_ELEMENTS(words)];
			char num[16];
			gsize k = strlen(w);
			for (gsize j = 0; j < k && i < n; j++)
				b[i++] = (guint8)w[j];
			if (next() % 4 == 0) {
				gsize m = (gsize)g_snprintf(num, sizeof num, " %u", next() % 10000);
				for (gsize j = 0; j < m && i < n; j++)
					b[i++] = (guint8)num[j];
			}
			if (i < n)
				b[i++] = ' ';
		}
	} else {
		/* 32-byte records: a counter, a type, a few random bytes, padding */
		for (guint32 rec = 0; i < n; rec++) {
			guint8 r[32] = { 0 };
			memcpy(r, &rec, 4);
			r[4] = (guint8)(rec % 7);
			for (int j = 8; j < 14; j++)
				r[j] = (guint8)next();
			memcpy(r + 16, "RECORD\0\0", 8);
			for (gsize j = 0; j < 32 && i < n; j++)
				b[i++] = r[j];
		}
	}
}

static gboolean
gen(const char *root, guint64 total, guint files, GError **error)
{
	g_autofree double *w = g_new(double, files);
	guint64 large = total * 3 / 10 / 5, rest = total - large * 5;
	double sum = 0;
	g_autofree guint8 *buf = NULL;

	for (guint i = 5; i < files; i++) {
		/* spread from 512 bytes to 64 KiB, about evenly per power of two */
		w[i] = (double)(512u << (next() % 7)) * (1.0 + (double)(next() % 1000) / 1000.0);
		sum += w[i];
	}
	buf = g_malloc(MAX(large, (guint64)1 << 20) + 1);
	for (guint i = 0; i < files; i++) {
		g_autofree char *dir = g_strdup_printf("%s/DIR%02u/SUB%u", root, i % 40, i % 7);
		g_autofree char *path = g_strdup_printf("%s/F%05u.%s", dir, i,
		                                        i % 3 == 0 ? "BIN" : i % 3 == 1 ? "TXT" : "DAT");
		gsize n = i < 5 ? (gsize)large : (gsize)(w[i] / sum * (double)rest);
		if (!sms_mkdir_p(dir, error))
			return FALSE;
		fill(buf, n, (int)(i % 3));
		if (!g_file_set_contents_full(path, (const char *)buf, (gssize)n,
		                              G_FILE_SET_CONTENTS_NONE, 0644, error))
			return FALSE;
	}
	return TRUE;
}

static double
seconds_since(gint64 t0)
{
	return (double)(g_get_monotonic_time() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL, *src = NULL, *arc1 = NULL, *arc2 = NULL, *out = NULL;
	SmsArchiveOptions one = { 6, 1 }, two = { 6, 2 };
	SmsArchiveStats st;
	double t1, t2, tv, te;
	gint64 t0;

	g_setenv("SMSEMU_FSYNC", "0", FALSE);
	if (argc >= 3 && strcmp(argv[1], "gen") == 0) {
		guint64 mb = argc > 3 ? g_ascii_strtoull(argv[3], NULL, 10) : 200;
		guint files = argc > 4 ? (guint)g_ascii_strtoull(argv[4], NULL, 10) : 5500;
		if (mb == 0 || files < 6 || !gen(argv[2], mb << 20, files, &error)) {
			g_printerr("bench-archive gen: %s\n", error ? error->message :
			           "expected DIR [MB > 0] [FILES >= 6]");
			return 1;
		}
		return 0;
	}
	dir = g_dir_make_tmp("smsemu-bench-XXXXXX", &error);
	if (dir == NULL)
		g_error("%s", error->message);
	src = g_build_filename(dir, "src", NULL);
	arc1 = g_build_filename(dir, "one.w00", NULL);
	arc2 = g_build_filename(dir, "two.w00", NULL);
	out = g_build_filename(dir, "out", NULL);
	if (!gen(src, (guint64)64 << 20, 1500, &error))
		g_error("%s", error->message);
	t0 = g_get_monotonic_time();
	if (!sms_archive_create_full(src, arc1, &one, &st, &error))
		g_error("%s", error->message);
	t1 = seconds_since(t0);
	t0 = g_get_monotonic_time();
	if (!sms_archive_create_full(src, arc2, &two, &st, &error))
		g_error("%s", error->message);
	t2 = seconds_since(t0);
	t0 = g_get_monotonic_time();
	if (!sms_archive_verify(arc2, NULL, &error))
		g_error("%s", error->message);
	tv = seconds_since(t0);
	t0 = g_get_monotonic_time();
	if (!sms_archive_extract(arc2, out, 0, NULL, &error))
		g_error("%s", error->message);
	te = seconds_since(t0);
	printf("| archive, 64 MB in 1,500 files, level 6 | 1 thread | 2 threads | ratio |\n");
	printf("|---|---|---|---|\n");
	printf("| create (%" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " bytes) | %.2f s | %.2f s "
	       "| %.2f |\n", st.bytes_in, st.bytes_out, t1, t2, t2 / t1);
	printf("| verify, extract (2 threads) | | %.2f s, %.2f s | |\n", tv, te);
	if (!sms_rm_rf(dir, &error))
		g_printerr("%s\n", error->message);
	return 0;
}
