/* bench-despooler.c -- the Despooler's two benchmarks of issue 4, each against its
 * baseline measured in the same run (medians of REPS alternating runs):
 *
 *   install   a package tree of MB megabytes in FILES files (half random, half zeros per
 *             file) arrives in RECEIVE and one Despooler pass installs it on a share
 *             (verify, store, decompress, stage, swap) -- against `cp -a` of the tree.
 *             Goal: within 1.2x.
 *   runphase  one Run Command job to N workstations in D domains: the whole pass (one
 *             .INS per workstation written atomically, one syncfs, an event and a status
 *             message each) -- against a plain C loop atomically writing as many files of
 *             the same size into as many directories, then one syncfs. Goal: within 1.5x.
 *
 * usage: bench-despooler [install [MB [FILES]]] [runphase [N [D]]] [--reps R]
 *        (no arguments: both, 200 MB / 5,500 files and 100,000 / 100, REPS 3)
 * The page cache is flushed (sync) before every measurement; SMSEMU_FSYNC=0 is set for
 * both sides unless given, so neither pays for durability the other does not.
 */
#include "common.h"
#include "archive.h"
#include "atomic.h"
#include "components.h"
#include "db.h"
#include "instruction.h"
#include "job.h"
#include "site.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv);

static double
now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static void
die(const char *what, GError *e)
{
	g_printerr("bench-despooler: %s: %s\n", what, e ? e->message : g_strerror(errno));
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
flush_cache(void)
{
	sync();
}

/* A site with one site server and one distribution server, virtual clock at 08:00. */
static SmsSite *
make_site(const char *dir, const char *extra)
{
	g_autofree char *ini = g_build_filename(dir, "site.ini", NULL);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autofree char *text = g_strdup_printf("[Site A01]\nResponse=Fast\n"
	                                        "[Server SRV01]\nSite=A01\nRoles=site, logon\n"
	                                        "Drives=C:100000\n"
	                                        "[Server DIST1]\nSite=A01\nRoles=distribution\n"
	                                        "Drives=C:100000\n%s", extra ? extra : "");
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	if (!g_file_set_contents(ini, text, -1, &error) || !sms_site_init(root, ini, &site, &error) ||
	    !sms_clock_set_virtual(site, 820486800, &error))
		die("site", error);
	return site;
}

static SmsInstruction *
instruction(int type)
{
	SmsInstruction *ins = sms_instruction_new(SMS_INSTR_INSTALL);
	ins->id = g_strdup("00001A01");
	ins->job_id = g_strdup("A0100001");
	ins->job_type = type;
	ins->origin_site = g_strdup("A01");
	ins->from_site = g_strdup("A01");
	ins->target_site = g_strdup("A01");
	ins->package_id = g_strdup("A0100001");
	ins->package_name = g_strdup("Benchmark package");
	ins->package_file = g_strdup("A0100001.W00");
	ins->priority = SMS_PRIORITY_MEDIUM;
	ins->offer_after = 820486800;
	ins->mandatory_after = SMS_TIME_NONE;
	ins->expires_after = SMS_TIME_NONE;
	if (type == SMS_JOB_RUN_COMMAND) {
		ins->run_command = TRUE;
		ins->command_name = g_strdup("Typical");
		ins->command_line = g_strdup("setup.exe /q");
		ins->platforms = 0x82;
	}
	return ins;
}

/* Archive src into RECEIVE with its instruction (not timed: the Sender's work). */
static void
deliver(SmsSite *site, SmsInstruction *ins, const char *src)
{
	g_autofree char *receive = sms_layout_receive(site);
	g_autofree char *pck = g_build_filename(receive, "00001A01.PCK", NULL);
	g_autofree char *insf = g_build_filename(receive, "00001A01.INS", NULL);
	g_autoptr(GError) error = NULL;
	SmsArchiveStats st;
	if (!sms_archive_create(src, pck, 1, &st, &error))
		die("archive", error);
	ins->package_crc = st.crc;
	if (!sms_instruction_save(ins, insf, &error))
		die("instruction", error);
}

static void
make_tree(const char *root, int mb, int files)
{
	gsize per = (gsize)mb * 1024 * 1024 / (gsize)files;
	g_autofree guint8 *buf = g_malloc0(per);
	GRand *rand = g_rand_new_with_seed(2);
	for (int i = 0; i < files; i++) {
		g_autofree char *dir = g_strdup_printf("%s/DIR%02d", root, i % 40);
		g_autofree char *path = g_strdup_printf("%s/F%05d.BIN", dir, i);
		g_autoptr(GError) error = NULL;
		for (gsize k = 0; k < per / 2; k += 4) {
			guint32 r = g_rand_int(rand);
			memcpy(buf + k, &r, MIN(4, per / 2 - k));
		}
		memset(buf + per / 2, 0, per - per / 2);
		if (g_mkdir_with_parents(dir, 0755) < 0 ||
		    !g_file_set_contents(path, (const char *)buf, (gssize)per, &error))
			die(path, error);
	}
	g_rand_free(rand);
}

static void
bench_install(const char *tmp, int mb, int files, int reps)
{
	g_autofree char *src = g_build_filename(tmp, "tree", NULL);
	double *t_cp = g_new0(double, reps), *t_pass = g_new0(double, reps);
	make_tree(src, mb, files);
	for (int r = 0; r < reps; r++) {
		g_autofree char *dir = g_strdup_printf("%s/install%d", tmp, r);
		g_autofree char *copy = g_strdup_printf("%s/cp%d", tmp, r);
		g_autoptr(SmsSite) site = NULL;
		g_autoptr(SmsInstruction) ins = instruction(SMS_JOB_SHARE_PACKAGE);
		g_autoptr(GError) error = NULL;
		g_autofree char *check = NULL;
		const char *cp[] = { "cp", "-a", src, copy, NULL };
		int status = 0;
		double t0;
		if (g_mkdir_with_parents(dir, 0755) < 0)
			die(dir, NULL);
		site = make_site(dir, NULL);
		ins->share_name = g_strdup("BENCH");
		deliver(site, ins, src);
		/* alternate which side runs first */
		for (int side = 0; side < 2; side++) {
			if ((side + r) % 2 == 0) {
				flush_cache();
				t0 = now_s();
				if (!g_spawn_sync(NULL, (char **)cp, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				                  NULL, NULL, &status, &error) ||
				    !g_spawn_check_wait_status(status, &error))
					die("cp -a", error);
				t_cp[r] = now_s() - t0;
			} else {
				flush_cache();
				t0 = now_s();
				if (!sms_despooler_pass(site, 820486800, &error))
					die("despooler pass", error);
				t_pass[r] = now_s() - t0;
			}
		}
		check = g_build_filename(site->root, "servers/DIST1/C/BENCH/DIR00/F00000.BIN", NULL);
		if (!g_file_test(check, G_FILE_TEST_IS_REGULAR)) {
			g_printerr("bench-despooler: the package was not installed (%s)\n", check);
			exit(1);
		}
		if (!sms_rm_rf(dir, NULL) || !sms_rm_rf(copy, NULL))
			die("cleanup", NULL);
	}
	{
		double a = median(t_cp, reps), b = median(t_pass, reps);
		printf("| install %d MB, %d files on a share (median of %d) | cp -a %.2f s | "
		       "despooler pass %.2f s | ratio %.2f (goal <= 1.2) |\n", mb, files, reps, a, b,
		       b / a);
	}
	g_free(t_cp);
	g_free(t_pass);
}

static void
bench_runphase(const char *tmp, int n, int d, int reps)
{
	double *t_loop = g_new0(double, reps), *t_pass = g_new0(double, reps);
	int files = 0;
	for (int r = 0; r < reps; r++) {
		g_autofree char *dir = g_strdup_printf("%s/runphase%d", tmp, r);
		g_autofree char *src = g_build_filename(dir, "pkg", NULL);
		g_autofree char *base = g_build_filename(dir, "baseline", NULL);
		g_autoptr(GString) ws = g_string_new(NULL);
		g_autoptr(SmsSite) site = NULL;
		g_autoptr(SmsInstruction) ins = instruction(SMS_JOB_RUN_COMMAND);
		g_autoptr(GError) error = NULL;
		sqlite3_stmt *q;
		gboolean row;
		guint64 bytes = 0;
		double t0;
		if (g_mkdir_with_parents(src, 0755) < 0)
			die(src, NULL);
		for (int i = 0; i < d; i++)
			g_string_append_printf(ws, "[Domain D%03d]\nSite=A01\nLogonServers=SRV01\n"
			                       "[Workstations W%03d]\nDomain=D%03d\n"
			                       "Names=W%03d00000-W%03d%05d\n", i, i, i, i, i, n / d - 1);
		site = make_site(dir, ws->str);
		if (!sms_db_exec(site->db, "UPDATE machines SET smsid = 'A' || substr('0000000' || "
		                 "rowid, -7)", &error))
			die("smsid", error);
		{
			g_autofree char *setup = g_build_filename(src, "SETUP.EXE", NULL);
			if (!g_file_set_contents(setup, "MZ setup", -1, &error))
				die(setup, error);
		}
		q = sms_db_stmt(site->db, "SELECT name, domain FROM machines ORDER BY name", &error);
		while (sms_db_step(site->db, q, &row, &error) && row)
			sms_instruction_add_target(ins, sms_db_col_ctext(q, 0), sms_db_col_ctext(q, 1),
			                           NULL);
		deliver(site, ins, src);

		flush_cache();
		t0 = now_s();
		if (!sms_despooler_pass(site, 820486800, &error))
			die("despooler pass", error);
		t_pass[r] = now_s() - t0;

		/* what was written: count and size of the .INS files */
		files = 0;
		for (int i = 0; i < d; i++) {
			g_autofree char *dn = g_strdup_printf("D%03d", i);
			g_autofree char *pd = sms_layout_pcmdom(site, dn);
			g_autoptr(GDir) gd = g_dir_open(pd, 0, NULL);
			const char *name;
			while (gd && (name = g_dir_read_name(gd))) {
				g_autofree char *p = g_build_filename(pd, name, NULL);
				struct stat sb;
				if (stat(p, &sb) == 0) {
					bytes += (guint64)sb.st_size;
					files++;
				}
			}
		}
		if (files != n - n % d) {
			g_printerr("bench-despooler: expected %d .INS files, found %d\n", n - n % d, files);
			exit(1);
		}
		/* the baseline: same number of same-size files, temp + rename, one syncfs */
		{
			gsize size = (gsize)(bytes / (guint64)files);
			g_autofree char *data = g_malloc0(size);
			flush_cache();
			t0 = now_s();
			for (int i = 0; i < d; i++) {
				g_autofree char *bd = g_strdup_printf("%s/D%03d.000", base, i);
				if (g_mkdir_with_parents(bd, 0755) < 0)
					die(bd, NULL);
				for (int k = 0; k < n / d; k++) {
					char path[512], t[520];
					int fd;
					g_snprintf(path, sizeof path, "%s/A%07d.INS", bd, i * (n / d) + k);
					g_snprintf(t, sizeof t, "%s.tmp", path);
					fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
					if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0 ||
					    rename(t, path) < 0)
						die(path, NULL);
				}
			}
			if (sms_sync_enabled() && !sms_syncfs(base, &error))
				die("syncfs", error);
			t_loop[r] = now_s() - t0;
		}
		if (!sms_rm_rf(dir, NULL))
			die("cleanup", NULL);
	}
	{
		double a = median(t_loop, reps), b = median(t_pass, reps);
		printf("| run phase, %d workstations in %d domains (median of %d) | despooler pass "
		       "%.2f s | plain atomic-write loop %.2f s | ratio %.2f (goal <= 1.5) |\n", files,
		       d, reps, b, a, b / a);
	}
	g_free(t_loop);
	g_free(t_pass);
}

int
main(int argc, char **argv)
{
	int reps = 3, mb = 200, nfiles = 5500, n = 100000, d = 100;
	gboolean install = FALSE, runphase = FALSE;
	g_autofree char *tmp = NULL;
	g_autoptr(GError) error = NULL;

	for (int i = 1; i < argc; i++) {
		if (g_str_equal(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1)
				reps = 1;
		} else if (g_str_equal(argv[i], "install")) {
			install = TRUE;
			if (i + 1 < argc && g_ascii_isdigit(argv[i + 1][0]))
				mb = atoi(argv[++i]);
			if (i + 1 < argc && g_ascii_isdigit(argv[i + 1][0]))
				nfiles = atoi(argv[++i]);
		} else if (g_str_equal(argv[i], "runphase")) {
			runphase = TRUE;
			if (i + 1 < argc && g_ascii_isdigit(argv[i + 1][0]))
				n = atoi(argv[++i]);
			if (i + 1 < argc && g_ascii_isdigit(argv[i + 1][0]))
				d = atoi(argv[++i]);
		} else {
			g_printerr("usage: bench-despooler [install [MB [FILES]]] [runphase [N [D]]] "
			           "[--reps R]\n");
			return 2;
		}
	}
	if (!install && !runphase)
		install = runphase = TRUE;
	if (mb < 1 || nfiles < 1 || n < 1 || d < 1 || d > n) {
		g_printerr("bench-despooler: sizes must be positive (and D <= N)\n");
		return 2;
	}
	g_setenv("SMSEMU_FSYNC", g_getenv("SMSEMU_FSYNC") ? g_getenv("SMSEMU_FSYNC") : "0", TRUE);
	tmp = g_dir_make_tmp("smsemu-bench-XXXXXX", &error);
	if (tmp == NULL)
		die("temporary directory", error);
	if (install)
		bench_install(tmp, mb, nfiles, reps);
	if (runphase)
		bench_runphase(tmp, n, d, reps);
	if (!g_getenv("SMSEMU_KEEP_TMP") && !sms_rm_rf(tmp, NULL))
		die("cleanup", NULL);
	return 0;
}
