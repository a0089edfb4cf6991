/* bench-runphase.c -- the Despooler's run phase for one job to N workstations in D
 * domains (one .INS per workstation, atomically, one syncfs) against a plain C loop
 * that atomically writes the same number of files of the same size into the same
 * directories, measured in the same run.   usage: bench-runphase [N [D]] */
#include "common.h"
#include "archive.h"
#include "atomic.h"
#include "components.h"
#include "db.h"
#include "instruction.h"
#include "site.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char **argv);

static double
now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static void
die(GError *e)
{
	g_printerr("bench-runphase: %s\n", e->message);
	exit(1);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	int d = argc > 2 ? atoi(argv[2]) : 100;
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("smsemu-bench-XXXXXX", NULL);
	g_autoptr(GString) ini = g_string_new("[Site A01]\nResponse=Fast\n[Server SRV01]\nSite=A01\n"
	                                      "Roles=site, logon, distribution\nDrives=C:100000\n");
	g_autofree char *inipath = g_build_filename(tmp, "site.ini", NULL);
	g_autofree char *root = g_build_filename(tmp, "A01", NULL);
	g_autofree char *src = g_build_filename(tmp, "pkg", NULL);
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_INSTALL);
	g_autofree char *receive = NULL;
	g_autofree char *pck = NULL, *insf = NULL;
	SmsArchiveStats st;
	double t0, t_pass, t_loop;
	guint64 bytes = 0;
	int files = 0;
	sqlite3_stmt *q;
	gboolean row;

	for (int i = 0; i < d; i++)
		g_string_append_printf(ini, "[Domain D%03d]\nSite=A01\nLogonServers=SRV01\n"
		                       "[Workstations W%03d]\nDomain=D%03d\nNames=W%03d00000-W%03d%05d\n",
		                       i, i, i, i, i, n / d - 1);
	if (!g_file_set_contents(inipath, ini->str, -1, &error) ||
	    !sms_site_init(root, inipath, &site, &error))
		die(error);
	if (!sms_db_exec(site->db, "UPDATE machines SET smsid = 'A' || substr('0000000' || rowid, -7)",
	                 &error))
		die(error);
	if (!sms_mkdir_p(src, &error) ||
	    !g_file_set_contents(g_build_filename(src, "SETUP.EXE", NULL), "MZ setup", -1, &error))
		die(error);
	receive = sms_layout_receive(site);
	pck = g_build_filename(receive, "0001A01.PCK", NULL);
	if (!sms_archive_create(src, pck, 6, &st, &error))
		die(error);
	ins->id = g_strdup("00001A01");
	ins->job_id = g_strdup("A0100001");
	ins->job_type = 1;
	ins->origin_site = g_strdup("A01");
	ins->from_site = g_strdup("A01");
	ins->target_site = g_strdup("A01");
	ins->package_id = g_strdup("A0100001");
	ins->package_name = g_strdup("Benchmark package");
	ins->package_file = g_strdup("A0100001.W00");
	ins->package_crc = st.crc;
	ins->run_command = TRUE;
	ins->command_name = g_strdup("Typical");
	ins->command_line = g_strdup("setup.exe /q");
	ins->platforms = 0x82;
	ins->offer_after = 820486800;
	q = sms_db_stmt(site->db, "SELECT name, domain FROM machines ORDER BY name", &error);
	while (sms_db_step(site->db, q, &row, &error) && row)
		sms_instruction_add_target(ins, sms_db_col_ctext(q, 0), sms_db_col_ctext(q, 1), NULL);
	insf = g_build_filename(receive, "0001A01.INS", NULL);
	if (!sms_instruction_save(ins, insf, &error) || !sms_clock_set_virtual(site, 820486800, &error))
		die(error);

	t0 = now_s();
	if (!sms_despooler_pass(site, 820486800, &error))
		die(error);
	t_pass = now_s() - t0;

	/* what was written: count and size of the .INS files */
	for (int i = 0; i < d; i++) {
		g_autofree char *dn = g_strdup_printf("D%03d", i);
		g_autofree char *dir = sms_layout_pcmdom(site, dn);
		g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
		const char *name;
		while (gd && (name = g_dir_read_name(gd))) {
			g_autofree char *p = g_build_filename(dir, name, NULL);
			struct stat sb;
			if (stat(p, &sb) == 0) {
				bytes += (guint64)sb.st_size;
				files++;
			}
		}
	}
	if (files != n - n % d) {
		g_printerr("bench-runphase: expected %d files, found %d\n", n - n % d, files);
		return 1;
	}
	/* baseline: the same number of same-size files, atomically, same directory layout */
	{
		g_autofree char *base = g_build_filename(tmp, "baseline", NULL);
		gsize size = (gsize)(bytes / (guint64)files);
		g_autofree char *data = g_malloc0(size);
		t0 = now_s();
		for (int i = 0; i < d; i++) {
			g_autofree char *dir = g_strdup_printf("%s/D%03d.000", base, i);
			if (g_mkdir_with_parents(dir, 0755) < 0)
				return 1;
			for (int k = 0; k < n / d; k++) {
				char path[512], t[520];
				int fd;
				g_snprintf(path, sizeof path, "%s/A%07d.INS", dir, i * (n / d) + k);
				g_snprintf(t, sizeof t, "%s.tmp", path);
				fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
				if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0 ||
				    rename(t, path) < 0)
					return 1;
			}
		}
		if (sms_sync_enabled())
			if (!sms_syncfs(base, NULL))
				return 1;
		t_loop = now_s() - t0;
	}
	printf("| run phase, %d workstations in %d domains | despooler pass %.2f s | plain "
	       "atomic-write loop %.2f s | ratio %.2f (goal <= 1.5) |\n", files, d, t_pass, t_loop,
	       t_pass / t_loop);
	if (!g_getenv("SMSEMU_KEEP_TMP"))
		if (!sms_rm_rf(tmp, NULL))
			return 1;
	return 0;
}
