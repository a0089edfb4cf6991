/* bench-ins.c -- writing one new <SMSID>.INS per workstation, as the Despooler's run
 * phase does: sms_ins_upsert (SMS_SYNC_NONE, one syncfs for the batch) against a plain C
 * loop that writes the same bytes to a temp file and renames it (one syncfs too), in
 * the same run, N files in D directories. Then the same upsert again (nothing changes:
 * no file is rewritten) and a second job added to 10,000 of them (read, modify, replace).
 * Removing the files at the end is not measured (and is slow where deletes discard).
 *   usage: bench-ins [N [D [ROUNDS]]]     defaults 100000 100 2 (best of ROUNDS) */
#include "common.h"
#include "atomic.h"
#include "ins.h"

#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv);

static double
now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static void
die(GError *e)
{
	g_printerr("bench-ins: %s\n", e->message);
	exit(1);
}

static SmsInsRecord *
record(const char *job)
{
	SmsInsRecord *r = sms_ins_record_new();
	r->site_id = g_strdup("A01");
	r->request_id = g_strndup(job, 7);
	r->package_id = g_strdup("A0100001");
	r->job_id = g_strdup(job);
	r->display_date = sms_time_from_fields(1996, 2, 1, 9, 0, 0);
	r->display_full = TRUE;
	r->install_by = sms_time_from_fields(1996, 2, 2, 9, 0, 0);
	r->install_by_full = TRUE;
	r->os_mask = 0x82;
	r->run_command = g_strdup("setup.exe /q /b:c:\\office");
	r->wcl_name = g_strdup("Typical installation");
	r->package_name = g_strdup("Microsoft Office 95 Standard");
	r->comments = g_strdup("Rolled out by the help desk");
	r->domain = g_strdup("SALES");
	sms_ins_record_add_server(r, "\\\\SRV01\\SMS_PKGC\\A0100001\\", SMS_SERVER_WINNT3);
	sms_ins_record_add_server(r, "\\\\SRV02\\SMS_PKGD\\A0100001\\", SMS_SERVER_WINNT3);
	return r;
}

/* root/DNN/<SMSID>.INS for every workstation. */
static GPtrArray *
make_paths(const char *root, int n, int d)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) e = NULL;
	for (int k = 0; k < d; k++) {
		g_autofree char *dir = g_strdup_printf("%s/D%03d", root, k);
		if (!sms_mkdir_p(dir, &e))
			die(e);
	}
	for (int i = 0; i < n; i++)
		g_ptr_array_add(paths, g_strdup_printf("%s/D%03d/A01%05X.INS", root, i % d, i));
	return paths;
}

static double
run_upsert(GPtrArray *paths, const SmsInsRecord *rec, const char *root, guint *changed_n)
{
	g_autoptr(GError) e = NULL;
	SmsBatch batch;
	double t0 = now_s();
	*changed_n = 0;
	sms_batch_init(&batch, root);
	for (guint i = 0; i < paths->len; i++) {
		gboolean changed;
		if (!sms_ins_upsert(paths->pdata[i], rec, SMS_SYNC_NONE, &changed, &e))
			die(e);
		if (changed) {
			batch.written++;
			(*changed_n)++;
		}
	}
	if (!sms_batch_commit(&batch, &e))
		die(e);
	sms_batch_clear(&batch);
	return now_s() - t0;
}

static double
run_plain(GPtrArray *paths, const guint8 *data, gsize len, const char *root)
{
	g_autoptr(GError) e = NULL;
	double t0 = now_s();
	for (guint i = 0; i < paths->len; i++) {
		const char *path = paths->pdata[i];
		char tmp[4096];
		int fd;
		g_snprintf(tmp, sizeof tmp, "%s.tmp", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0 ||
		    rename(tmp, path) < 0) {
			g_printerr("bench-ins: %s: %s\n", path, g_strerror(errno));
			exit(1);
		}
	}
	if (!sms_syncfs(root, &e))
		die(e);
	return now_s() - t0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	int d = argc > 2 ? atoi(argv[2]) : 100;
	int rounds = argc > 3 ? atoi(argv[3]) : 2;
	g_autoptr(GError) e = NULL;
	g_autofree char *tmp = g_dir_make_tmp("smsemu-bench-ins-XXXXXX", &e);
	g_autoptr(SmsInsRecord) rec = record("A0100001");
	g_autoptr(SmsInsRecord) rec2 = record("A0100002");
	g_autoptr(SmsInsFile) one = sms_ins_file_new();
	g_autoptr(GBytes) bytes = NULL;
	double best_plain = 1e9, best_upsert = 1e9, t_same = 0, t_second = 0;
	guint changed = 0, n_second = 0;
	const guint8 *data;
	gsize len;

	if (tmp == NULL)
		die(e);
	if (n <= 0 || d <= 0 || rounds <= 0) {
		g_printerr("usage: bench-ins [N [D [ROUNDS]]]\n");
		return 2;
	}
	g_ptr_array_add(one->records, sms_ins_record_copy(rec));
	bytes = sms_ins_serialize(one);
	data = g_bytes_get_data(bytes, &len);
	for (int round = 0; round < rounds; round++) {
		g_autofree char *proot = g_strdup_printf("%s/plain%d", tmp, round);
		g_autofree char *uroot = g_strdup_printf("%s/upsert%d", tmp, round);
		g_autoptr(GPtrArray) ppaths = make_paths(proot, n, d);
		g_autoptr(GPtrArray) upaths = make_paths(uroot, n, d);
		double tp, tu;
		/* alternate the order so neither variant always gets the warmer disk */
		if (round % 2 == 0) {
			tp = run_plain(ppaths, data, len, proot);
			tu = run_upsert(upaths, rec, uroot, &changed);
		} else {
			tu = run_upsert(upaths, rec, uroot, &changed);
			tp = run_plain(ppaths, data, len, proot);
		}
		if (changed != (guint)n) {
			g_printerr("bench-ins: only %u of %d files written\n", changed, n);
			return 1;
		}
		best_plain = MIN(best_plain, tp);
		best_upsert = MIN(best_upsert, tu);
		if (round == rounds - 1) {
			/* the same record again: nothing may be rewritten */
			t_same = run_upsert(upaths, rec, uroot, &changed);
			if (changed != 0) {
				g_printerr("bench-ins: %u unchanged files were rewritten\n", changed);
				return 1;
			}
			/* replacing a file costs far more than creating one here (discard):
			 * measured on the first 10,000 files only */
			g_ptr_array_set_size(upaths, MIN(upaths->len, 10000));
			n_second = upaths->len;
			t_second = run_upsert(upaths, rec2, uroot, &changed);
		}
	}
	printf("| .INS files (%d in %d dirs, %" G_GSIZE_FORMAT " bytes each, best of %d) | seconds "
	       "| us/file | ratio |\n|---|---|---|---|\n", n, d, len, rounds);
	printf("| plain C loop: temp + write + rename, one syncfs | %.2f | %.1f | 1.00 |\n",
	       best_plain, best_plain * 1e6 / n);
	printf("| sms_ins_upsert, new files, SMS_SYNC_NONE + one syncfs | %.2f | %.1f | %.2f |\n",
	       best_upsert, best_upsert * 1e6 / n, best_upsert / best_plain);
	printf("| sms_ins_upsert, same record again (nothing rewritten) | %.2f | %.1f | %.2f |\n",
	       t_same, t_same * 1e6 / n, t_same / best_plain);
	printf("| sms_ins_upsert, a second job into %u of the files (replace) | %.2f | %.1f | - |\n",
	       n_second, t_second, t_second * 1e6 / n_second);
	if (!sms_rm_rf(tmp, &e))
		die(e);
	return best_upsert / best_plain <= 1.5 ? 0 : 1;
}
