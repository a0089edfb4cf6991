/* bench-pcm.c -- peak memory (getrusage of the child: ru_maxrss) of `pcm poll` for one
 * workstation with N offered commands in its instruction file (goal: under 8 MB for
 * 50), against `pcm --help` (the process floor: libc, GLib, SQLite) measured in the same
 * run, and the time of one poll. The site, the registration and the .INS file are made
 * with the library, as the Despooler and the Maintenance Manager would.
 *   usage: bench-pcm [N [RUNS]]   (the pcm program: $SMSEMU_BIN/pcm, default bin/pcm) */
#include "common.h"
#include "components.h"
#include "db.h"
#include "ins.h"
#include "logon.h"
#include "pdf.h"
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(int argc, char **argv);

static void
die(const char *what, GError *e)
{
	g_printerr("bench-pcm: %s: %s\n", what, e ? e->message : g_strerror(errno));
	exit(1);
}

/* Run argv with stdout to /dev/null; peak RSS in KB and wall time in ms. */
static void
measure(char **argv, long *rss_kb, double *ms)
{
	struct rusage ru;
	int status = 0;
	gint64 t0 = g_get_monotonic_time();
	pid_t pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		die("wait4", NULL);
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 2)) {
		g_printerr("bench-pcm: %s failed (status %d)\n", argv[0], status);
		exit(1);
	}
	*ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
	*rss_kb = ru.ru_maxrss;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	const char *bin = g_getenv("SMSEMU_BIN");
	g_autofree char *pcm = g_build_filename(bin ? bin : "bin", "pcm", NULL);
	g_autofree char *tmp = g_dir_make_tmp("smsemu-bench-XXXXXX", NULL);
	g_autofree char *ini = g_build_filename(tmp, "site.ini", NULL);
	g_autofree char *root = g_build_filename(tmp, "A01", NULL);
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *smsid = NULL;
	g_autofree char *master = NULL;
	g_autofree char *pkg = NULL;
	long rss[64], floor_rss[64];
	double ms[64], floor_ms[64];
	SmsTime t0;
	const char *site_ini = "[Site A01]\nResponse=Fast\n[Server SRV01]\nSite=A01\n"
	                       "Roles=site, logon, distribution\nDrives=C:2000\n[Domain CORP]\n"
	                       "Site=A01\nLogonServers=SRV01\n[Workstations W]\nDomain=CORP\n"
	                       "Names=WKS0001\nPlatform=Windows NT (x86)\n";
	char *poll_argv[] = { pcm, (char *)"--site", root, (char *)"--workstation",
	                      (char *)"WKS0001", (char *)"poll", NULL };
	char *help_argv[] = { pcm, (char *)"--help", NULL };

	runs = CLAMP(runs, 1, 64);
	if (!g_file_test(pcm, G_FILE_TEST_IS_EXECUTABLE)) {
		g_printerr("bench-pcm: %s not found (build it, or set SMSEMU_BIN)\n", pcm);
		return 1;
	}
	g_setenv("SMSEMU_FSYNC", "0", TRUE);
	if (!g_file_set_contents(ini, site_ini, -1, &error) ||
	    !sms_site_init(root, ini, &site, &error) ||
	    !sms_time_parse("1996-02-01 08:00", &t0, &error) ||
	    !sms_clock_set_virtual(site, t0, &error) ||
	    !sms_logon_user(site, "WKS0001", "alice", t0, &error))
		die("site", error);
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT smsid FROM machines WHERE name = "
		                               "'WKS0001'", &error);
		gboolean row = FALSE;
		if (st == NULL || !sms_db_step(site->db, st, &row, &error) || !row)
			die("smsid", error);
		smsid = sms_db_col_text(st, 0);
		sqlite3_reset(st);
	}
	/* N offered commands, as the Despooler writes them, replicated to the logon server */
	for (int i = 0; i < n; i++) {
		SmsInsRecord *r = sms_ins_record_new();
		r->pcm_version = SMS_INS_RECORD_VERSION;
		r->site_id = g_strdup("A01");
		r->request_id = g_strdup_printf("%04XA01", i + 1);
		r->package_id = g_strdup("A0100001");
		r->job_id = g_strdup_printf("A01%05X", i + 1);
		r->display_date = t0;
		r->display_full = TRUE;
		r->os_mask = SMS_PLATFORM_WIN32_X86;
		r->run_command = g_strdup("setup.exe /B1 /Q1 /S OFF95STD.STF");
		r->wcl_name = g_strdup("Typical");
		r->package_name = g_strdup("Microsoft Office for Windows 95 Standard");
		r->comments = g_strdup("Word, Excel, PowerPoint, Schedule+");
		sms_ins_record_add_server(r, "\\\\SRV01\\SMS_PKGC\\A0100001\\", SMS_SERVER_WINNT3);
		g_ptr_array_add(f->records, r);
	}
	{
		g_autofree char *dom = sms_layout_pcmdom(site, "CORP");
		master = g_strdup_printf("%s/%s.INS", dom, smsid);
	}
	pkg = g_build_filename(root, "servers/SRV01/C/SMS_PKGC/A0100001", NULL);
	if (!sms_mkdir_p(pkg, &error) || !sms_ins_save(master, f, SMS_SYNC_NONE, &error) ||
	    !sms_logon_pass(site, t0, &error))
		die("instructions", error);
	g_clear_pointer(&site, sms_site_free);

	for (int i = 0; i < runs; i++) {
		measure(help_argv, &floor_rss[i], &floor_ms[i]);
		/* every run reads the file again: a logon restarts the PCM */
		if (i > 0) {
			g_autoptr(SmsSite) s = NULL;
			if (!sms_site_open(root, &s, &error) ||
			    !sms_logon_user(s, "WKS0001", "alice", t0, &error))
				die("logon", error);
		}
		measure(poll_argv, &rss[i], &ms[i]);
	}
	qsort(rss, (size_t)runs, sizeof rss[0], cmp_long);
	qsort(floor_rss, (size_t)runs, sizeof floor_rss[0], cmp_long);
	qsort(ms, (size_t)runs, sizeof ms[0], cmp_double);
	qsort(floor_ms, (size_t)runs, sizeof floor_ms[0], cmp_double);
	g_print("| what (median of %d runs) | peak RSS | wall time |\n|---|---|---|\n", runs);
	g_print("| `pcm --help` (process floor) | %ld KB | %.1f ms |\n", floor_rss[runs / 2],
	        floor_ms[runs / 2]);
	g_print("| `pcm poll`, %d offered commands (largest of the runs: %ld KB) | %ld KB "
	        "(%+ld KB over the floor; goal < 8192 KB: %s) | %.1f ms |\n", n, rss[runs - 1],
	        rss[runs / 2], rss[runs / 2] - floor_rss[runs / 2],
	        rss[runs - 1] < 8192 ? "met" : "NOT met", ms[runs / 2]);
	if (!g_getenv("SMSEMU_KEEP_TMP") && !sms_rm_rf(tmp, &error))
		die("cleanup", error);
	return 0;
}
