/* bench-scheduler.c -- the Scheduler and the Sender at scale, each against a plain
 * baseline measured in the same run:
 *  - activating one Run Command job to N computers (target resolution by machine path
 *    and by query, N frozen targets + N detail rows, one instruction with N targets,
 *    the send request) against one transaction inserting the same 2N rows with a
 *    prepared statement plus writing a file of the instruction's size atomically;
 *    SMS 1.0/1.1 took ~1 s per computer (notes §1.6, KB Q154861);
 *  - the status roll-up of that job after all N computers reported;
 *  - the Sender delivering M send requests (instruction + package each) to the own site
 *    against a loop of 2M atomic copies of the same files.
 * The package is samples/packages (run from the source tree or set SMSEMU_TOP).
 *   usage: bench-scheduler [N [M]]      (defaults 50,000 and 1,000) */
#include "common.h"
#include "atomic.h"
#include "components.h"
#include "db.h"
#include "instruction.h"
#include "job.h"
#include "sender.h"
#include "site.h"

#include <stdio.h>
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
	g_printerr("bench-scheduler: %s: %s\n", what, e ? e->message : "failed");
	exit(1);
}

static char *
create_job(SmsSite *site, const char *target, const char *start)
{
	const char *kv[][2] = {
		{ "Type", "Run Command On Workstation" }, { "Package", "A0100001" },
		{ "Command", "Typical" }, { "Target", target }, { "StartAfter", start },
	};
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsJob) job = NULL;
	g_autoptr(GError) error = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(kv); i++) {
		g_ptr_array_add(keys, g_strdup(kv[i][0]));
		g_ptr_array_add(values, g_strdup(kv[i][1]));
	}
	if (!sms_job_from_props(site, keys, values, NULL, "bench", &job, &error) ||
	    !sms_job_insert(site, job, &error))
		die("job", error);
	return g_strdup(job->id);
}

static gint64
file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (gint64)sb.st_size : 0;
}

/* One transaction inserting 2n rows, then one atomic file of `bytes`. */
static double
baseline_activation(const char *dir, int n, gint64 bytes)
{
	g_autofree char *dbpath = g_build_filename(dir, "baseline.db", NULL);
	g_autofree char *file = g_build_filename(dir, "baseline.I00", NULL);
	g_autofree char *data = g_malloc0((gsize)bytes + 1);
	g_autoptr(GError) error = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	double t0;
	if (sqlite3_open(dbpath, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(job TEXT, machine TEXT, "
	                 "site TEXT, domain TEXT, smsid TEXT, PRIMARY KEY (job, machine));"
	                 "CREATE TABLE d(job TEXT, machine TEXT, site TEXT, status INTEGER, "
	                 "updated INTEGER, PRIMARY KEY (job, machine));", NULL, NULL, NULL))
		die("baseline db", NULL);
	t0 = now_s();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t VALUES ('J', ?, 'A01', 'D', NULL)", -1, &st, NULL);
	for (int i = 0; i < n; i++) {
		char m[32];
		g_snprintf(m, sizeof m, "W%07d", i);
		sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("baseline insert", NULL);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "INSERT INTO d VALUES ('J', ?, 'A01', 0, 1)", -1, &st, NULL);
	for (int i = 0; i < n; i++) {
		char m[32];
		g_snprintf(m, sizeof m, "W%07d", i);
		sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("baseline insert", NULL);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (!sms_atomic_write(file, data, (gsize)bytes, 0644, SMS_SYNC_FILE, &error))
		die("baseline write", error);
	t0 = now_s() - t0;
	sqlite3_close(db);
	return t0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50000;
	int m = argc > 2 ? atoi(argv[2]) : 1000;
	const int domains = 50;
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("smsemu-bench-XXXXXX", NULL);
	g_autoptr(GString) ini = g_string_new("[Site A01]\nResponse=Fast\n[Server SRV01]\nSite=A01\n"
	                                      "Roles=site, logon, distribution\nDrives=C:100000\n");
	g_autofree char *inipath = g_build_filename(tmp, "site.ini", NULL);
	g_autofree char *root = g_build_filename(tmp, "A01", NULL);
	g_autofree char *src = g_build_filename(tmp, "pkg", NULL);
	g_autofree char *tosend = NULL, *ipath = NULL, *pdf = NULL;
	const char *top;
	g_autofree char *by_path = NULL, *by_query = NULL, *pkg = NULL;
	g_autoptr(SmsSite) site = NULL;
	SmsTime start = 820486800;   /* 1996-01-01 09:00 */
	double t0, t_path, t_query, t_base, t_roll, t_send, t_copy;
	gint64 ins_bytes;

	if (n < domains)
		n = domains;
	for (int i = 0; i < domains; i++)
		g_string_append_printf(ini, "[Domain D%02d]\nSite=A01\nLogonServers=SRV01\n"
		                       "[Workstations W%02d]\nDomain=D%02d\nNames=W%02d%05d-W%02d%05d\n"
		                       "Platform=%s\n", i, i, i, i, 0, i, n / domains - 1,
		                       i % 2 ? "Windows 95" : "Windows NT (x86)");
	n = n - n % domains;
	top = g_getenv("SMSEMU_TOP") ? g_getenv("SMSEMU_TOP") : ".";
	pdf = g_build_filename(top, "samples/packages/off95std.pdf", NULL);
	g_free(src);
	src = g_build_filename(top, "samples/packages/office", NULL);
	if (!g_file_set_contents(inipath, ini->str, -1, &error) ||
	    !sms_site_init(root, inipath, &site, &error) ||
	    !sms_clock_set_virtual(site, start - 3600, &error) ||
	    !sms_package_import(site, pdf, src, NULL, NULL, &pkg, &error))
		die("setup", error);

	/* activation by machine path and by query */
	by_path = create_job(site, "Machine Path: A01|*|*", "1996-01-01 09:00");
	by_query = create_job(site, "Query: Platform = 'Windows 95' OR Name LIKE 'W0%'",
	                      "1996-01-01 09:05");
	t0 = now_s();
	if (!sms_scheduler_pass(site, start, &error))
		die("activation", error);
	t_path = now_s() - t0;
	t0 = now_s();
	if (!sms_scheduler_pass(site, start + 300, &error))
		die("activation (query)", error);
	t_query = now_s() - t0;
	tosend = sms_layout_tosend(site);
	{
		g_autofree char *id = g_strdup_printf("%s%s", by_path + strlen(by_path) - 5, "A01");
		g_autofree char *name = g_strdup_printf("%s.I00", id);
		ipath = g_build_filename(tosend, name, NULL);
	}
	ins_bytes = file_size(ipath);
	if (ins_bytes == 0)
		die("no instruction written", NULL);
	t_base = baseline_activation(tmp, n, ins_bytes);

	/* roll-up after every computer reported Complete */
	{
		g_autofree char *sql = g_strdup_printf("UPDATE job_site_detail SET status = 4 WHERE job "
		                                       "= '%s'; UPDATE job_machine_detail SET status = "
		                                       "4 WHERE job = '%s'", by_path, by_path);
		g_autoptr(SmsJob) j = NULL;
		if (!sms_db_exec(site->db, sql, &error))
			die("roll-up setup", error);
		t0 = now_s();
		if (!sms_scheduler_pass(site, start + 600, &error))
			die("roll-up", error);
		t_roll = now_s() - t0;
		if (!sms_job_load(site, by_path, &j, &error) || j->status != SMS_STATUS_COMPLETE)
			die("roll-up did not complete the job", error);
	}

	/* the Sender: the two activation requests are pending; add m-2 more */
	for (int i = 2; i < m; i++) {
		g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_INSTALL);
		ins->id = g_strdup_printf("B%05dA01", i);
		ins->job_id = g_strdup_printf("B%06d", i);
		ins->origin_site = g_strdup("A01");
		ins->from_site = g_strdup("A01");
		ins->target_site = g_strdup("A01");
		ins->package_id = g_strdup(pkg);
		ins->package_file = g_strdup_printf("%s.W00", pkg);
		ins->priority = 1 + i % 3;
		sms_instruction_add_target(ins, "W0000000", "D00", NULL);
		if (!sms_scheduler_queue_instruction(site, ins, 0, start, &error))
			die("queue", error);
	}
	t0 = now_s();
	if (!sms_sender_pass(site, start + 600, &error))
		die("sender", error);
	t_send = now_s() - t0;
	{
		/* baseline: the same copies (package + instruction per request, instruction via a
		 * temporary name), fsync'ed the same way */
		g_autofree char *dst = g_build_filename(tmp, "baseline-receive", NULL);
		g_autofree char *pfile = g_strdup_printf("%s/%s.W00", tosend, pkg);
		g_autofree char *small = g_build_filename(tosend, "B00002A01.I00", NULL);
		if (!sms_mkdir_p(dst, &error))
			die("baseline", error);
		t0 = now_s();
		for (int i = 0; i < m; i++) {
			g_autofree char *a = g_strdup_printf("%s/%07d.PCK", dst, i);
			g_autofree char *b = g_strdup_printf("%s/%07d.TMP", dst, i);
			g_autofree char *c = g_strdup_printf("%s/%07d.INS", dst, i);
			if (!sms_atomic_copy(pfile, a, SMS_SYNC_FILE, &error) ||
			    !sms_atomic_copy(i < 2 ? ipath : small, b, SMS_SYNC_FILE, &error) ||
			    !sms_rename_durable(b, c, &error))
				die("baseline copy", error);
		}
		t_copy = now_s() - t0;
	}
	printf("| operation | smsemu | baseline (same run) | ratio |\n|---|---|---|---|\n");
	printf("| activate a Run Command job to %d computers by machine path (targets frozen, "
	       "%" G_GINT64_FORMAT " byte instruction) | %.2f s (%.1f us per computer) | %d+%d row "
	       "inserts + one atomic write: %.2f s | %.2f |\n", n, ins_bytes, t_path,
	       t_path * 1e6 / n, n, n, t_base, t_path / t_base);
	printf("| activate the same by query (Platform = 'Windows 95' OR Name LIKE 'W0%%') | "
	       "%.2f s | | %.2f |\n", t_query, t_query / t_base);
	printf("| roll-up after %d computers reported | %.3f s | | |\n", n, t_roll);
	printf("| Sender: %d requests (package + instruction each) to the own site | %.2f s "
	       "(%.0f per second) | %d atomic copies + renames: %.2f s | %.2f |\n", m, t_send,
	       m / t_send, 2 * m, t_copy, t_send / t_copy);
	printf("\nSMS 1.0/1.1 added targets at about 1 s per computer (%d computers: %.1f h; "
	       "KB Q154861).\n", n, n / 3600.0);
	if (!g_getenv("SMSEMU_KEEP_TMP"))
		if (!sms_rm_rf(tmp, NULL))
			return 1;
	return 0;
}
