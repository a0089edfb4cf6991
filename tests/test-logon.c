/* test-logon.c -- SMS IDs (sequence, ranges, many processes at once), the Maintenance
 * Manager (instruction replication, status collection, unreachable logon servers) and
 * users logging on (SMS.INI keys and repairs, logon server choice, registration). */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "ins.h"
#include "logon.h"
#include "mif.h"
#include "pcm.h"
#include "site.h"
#include "smsini.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *site_ini =
	"[Site A01]\n"
	"Response=Fast\n"
	"PCMPollingInterval=30\n"
	"[Server SRV01]\n"
	"Site=A01\n"
	"Roles=site, logon, distribution\n"
	"Drives=C:2000\n"
	"[Server SRV02]\n"
	"Site=A01\n"
	"Roles=logon, distribution\n"
	"Drives=C:2000\n"
	"[Domain CORP]\n"
	"Site=A01\n"
	"LogonServers=SRV01, SRV02\n"
	"[Domain SALES]\n"
	"Site=A01\n"
	"LogonServers=SRV02\n"
	"[Workstations W]\n"
	"Domain=CORP\n"
	"Names=WKS0001-WKS0005\n"
	"Platform=Windows NT (x86)\n"
	"[Workstations S]\n"
	"Domain=SALES\n"
	"Names=SAL0001\n"
	"Platform=Windows 95\n";

#define T0 ((SmsTime)820483200)   /* 1996-01-01 08:00 */

static SmsSite *
new_site(char **out_dir)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *ini = sms_test_write(dir, "site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	if (out_dir)
		*out_dir = g_steal_pointer(&dir);
	return site;
}

static int
count_events(SmsSite *site, const char *event)
{
	g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM status_messages WHERE event = "
	                                       "'%s'", event);
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row = FALSE;
	int n;
	g_assert_nonnull(st);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	g_assert_true(row);
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

static char *
last_detail(SmsSite *site, const char *event)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT detail FROM status_messages WHERE event = ? "
	                               "ORDER BY id DESC LIMIT 1", NULL);
	gboolean row = FALSE;
	char *d = NULL;
	g_assert_nonnull(st);
	sms_db_bind_text(st, 1, event);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	if (row)
		d = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return d;
}

static char *
machine_smsid(SmsSite *site, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT smsid FROM machines WHERE name = ?", NULL);
	gboolean row = FALSE;
	char *id = NULL;
	sms_db_bind_text(st, 1, machine);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	g_assert_true(row);
	id = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return id;
}

/* ---- SMS IDs ------------------------------------------------------------------------- */

static void
test_smsid_next(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_assert_true(sms_smsid_next("A0101000", &a, &error));
	g_assert_cmpstr(a, ==, "A0101001");
	g_assert_true(sms_smsid_next("A01010ZZ", &b, &error));
	g_assert_cmpstr(b, ==, "A0101100");
	g_assert_true(sms_smsid_next("SKZ01Y00", &c, &error));
	g_assert_cmpstr(c, ==, "SKZ01Y01");
	g_assert_false(sms_smsid_next("A0101ZZZ", &a, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_RANGE_EXHAUSTED);
	g_clear_error(&error);
	g_assert_false(sms_smsid_next("a0101000", &a, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_BAD_UID);
	g_clear_error(&error);
	g_assert_false(sms_smsid_next("A01", &a, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_BAD_UID);
	g_assert_cmpstr(a, ==, "A0101001");   /* untouched on failure */
}

static void
test_smsid_take(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *p1 = NULL;
	g_autofree char *p2 = NULL;
	g_autofree char *t1 = NULL;
	g_autofree char *t2 = NULL;
	g_autofree char *p3 = NULL;
	/* one range per logon server, in server order */
	g_assert_true(sms_logon_peek_smsid(site, "SRV01", &p1, &error));
	g_assert_cmpstr(p1, ==, "A0101000");
	g_assert_true(sms_logon_peek_smsid(site, "srv02", &p2, &error));
	g_assert_cmpstr(p2, ==, "A0102000");
	g_assert_true(sms_logon_take_smsid(site, "SRV01", &t1, &error));
	g_assert_true(sms_logon_take_smsid(site, "SRV01", &t2, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(t1, ==, "A0101000");
	g_assert_cmpstr(t2, ==, "A0101001");
	g_assert_true(sms_logon_peek_smsid(site, "SRV01", &p3, &error));
	g_assert_cmpstr(p3, ==, "A0101002");
}

/* Many processes take IDs from one logon server at once: every ID once, none lost. */
static void
test_smsid_concurrent(void)
{
	g_autofree char *dir = NULL;
	g_autoptr(SmsSite) site = new_site(&dir);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *next = NULL;
	const int procs = 8, each = 40;
	pid_t pids[8];
	for (int p = 0; p < procs; p++) {
		pids[p] = fork();
		g_assert_cmpint(pids[p], >=, 0);
		if (pids[p] == 0) {
			/* the child uses only the file system (no database), as a client does */
			g_autofree char *out = g_strdup_printf("%s/ids.%d", dir, p);
			GString *ids = g_string_new(NULL);
			for (int i = 0; i < each; i++) {
				char *id = NULL;
				if (!sms_logon_take_smsid(site, "SRV01", &id, NULL))
					_exit(2);
				g_string_append_printf(ids, "%s\n", id);
				g_free(id);
			}
			_exit(g_file_set_contents(out, ids->str, -1, NULL) ? 0 : 3);
		}
	}
	for (int p = 0; p < procs; p++) {
		int status = 0;
		g_autofree char *path = g_strdup_printf("%s/ids.%d", dir, p);
		g_autofree char *text = NULL;
		g_auto(GStrv) lines = NULL;
		g_assert_cmpint(waitpid(pids[p], &status, 0), ==, pids[p]);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, 0);
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l; l++)
			if (**l)
				g_assert_true(g_hash_table_add(seen, g_strdup(*l)));   /* never twice */
	}
	g_assert_cmpuint(g_hash_table_size(seen), ==, (guint)(procs * each));
	/* no ID skipped either: the file names the one after the last */
	g_assert_true(sms_logon_peek_smsid(site, "SRV01", &next, &error));
	g_assert_cmpstr(next, ==, "A010108W");   /* 320 = 8 * 36 + 32 */
	for (int i = 0; i < procs * each; i++) {
		char s[4];
		g_autofree char *id = NULL;
		g_assert_true(sms_base36((guint64)i, 3, s));
		id = g_strdup_printf("A0101%s", s);
		g_assert_true(g_hash_table_contains(seen, id));
	}
}

static void
move_uid(SmsSite *site, const char *server, const char *to_id)
{
	g_autofree char *dir = sms_layout_smsid(site, server);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	g_autofree char *to = g_strdup_printf("%s/%s.UID", dir, to_id);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *from = g_build_filename(dir, name, NULL);
		g_assert_cmpint(rename(from, to), ==, 0);
		return;
	}
	g_assert_not_reached();
}

/* Past Y00 the Maintenance Manager issues a new range; a missing .UID file is made. */
static void
test_smsid_new_range(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_autofree char *p = NULL;
	g_autofree char *dir2 = sms_layout_smsid(site, "SRV02");
	g_autofree char *uid2 = g_build_filename(dir2, "A0102000.UID", NULL);
	g_autofree char *detail = NULL;

	g_assert_true(sms_logon_pass(site, T0, &error));   /* the first pass looks at everything */
	move_uid(site, "SRV01", "A0101Y00");
	g_assert_cmpint(sms_logon_next_wakeup(site, T0), >, T0);
	g_assert_true(sms_logon_take_smsid(site, "SRV01", &a, &error));
	g_assert_cmpstr(a, ==, "A0101Y00");   /* Y00 itself is still handed out */
	g_assert_cmpint(sms_logon_next_wakeup(site, T0), ==, T0);
	g_assert_true(sms_logon_pass(site, T0, &error));
	g_assert_no_error(error);
	g_assert_cmpint(count_events(site, "smsid.range"), ==, 1);
	detail = last_detail(site, "smsid.range");
	g_assert_cmpstr(detail, ==, "03");   /* 01 and 02 belong to SRV01 and SRV02 */
	g_assert_true(sms_logon_take_smsid(site, "SRV01", &b, &error));
	g_assert_cmpstr(b, ==, "A0103000");
	/* the .UID file of SRV02 is gone: clients cannot take an ID until the next poll */
	g_assert_cmpint(unlink(uid2), ==, 0);
	g_assert_false(sms_logon_take_smsid(site, "SRV02", &c, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_NO_UID_FILE);
	g_clear_error(&error);
	g_assert_cmpint(sms_logon_next_wakeup(site, T0 + 60), ==, T0 + 300);   /* Fast: 5 min grid */
	g_assert_true(sms_logon_pass(site, T0 + 300, &error));
	g_assert_true(sms_logon_peek_smsid(site, "SRV02", &p, &error));
	g_assert_cmpstr(p, ==, "A0104000");
	g_assert_cmpint(count_events(site, "smsid.range"), ==, 2);
	/* the last range is never handed out twice, even after the UID file moved on */
	g_assert_true(sms_logon_take_smsid(site, "SRV02", &c, &error));
	g_assert_cmpstr(c, ==, "A0104000");
}

/* ---- replication ------------------------------------------------------------------- */

static void
write_master(SmsSite *site, const char *domain, const char *smsid, const char *job)
{
	g_autofree char *dir = sms_layout_pcmdom(site, domain);
	g_autofree char *path = g_strdup_printf("%s/%s.INS", dir, smsid);
	g_autoptr(SmsInsRecord) r = sms_ins_record_new();
	g_autoptr(GError) error = NULL;
	gboolean changed = FALSE;
	r->site_id = g_strdup("A01");
	r->request_id = g_strdup("0001A01");
	r->package_id = g_strdup("A0100001");
	r->job_id = g_strdup(job);
	r->display_date = T0;
	r->display_full = TRUE;
	r->os_mask = 0xff;
	r->run_command = g_strdup("setup.exe /q");
	r->wcl_name = g_strdup("Typical");
	r->package_name = g_strdup("Office");
	sms_ins_record_add_server(r, "\\\\SRV01\\SMS_PKGC\\A0100001\\", SMS_SERVER_WINNT3);
	g_assert_true(sms_ins_upsert(path, r, SMS_SYNC_NONE, &changed, &error));
	g_assert_no_error(error);
	/* as the Despooler does with every change of a master directory */
	g_assert_true(sms_logon_master_changed(site, domain, &error));
	g_assert_no_error(error);
}

static char *
copy_path(SmsSite *site, const char *server, const char *smsid)
{
	g_autofree char *box = sms_layout_pcins(site, server);
	return g_strdup_printf("%s/%s.INS", box, smsid);
}

static gboolean
same_bytes(const char *a, const char *b)
{
	g_autofree char *x = NULL;
	g_autofree char *y = NULL;
	gsize lx, ly;
	return g_file_get_contents(a, &x, &lx, NULL) && g_file_get_contents(b, &y, &ly, NULL) &&
	       lx == ly && memcmp(x, y, lx) == 0;
}

static ino_t
inode(const char *path)
{
	struct stat sb;
	g_assert_cmpint(stat(path, &sb), ==, 0);
	return sb.st_ino;
}

static void
test_replicate(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *master_dir = sms_layout_pcmdom(site, "CORP");
	g_autofree char *m1 = g_strdup_printf("%s/A0101000.INS", master_dir);
	g_autofree char *c1a = copy_path(site, "SRV01", "A0101000");
	g_autofree char *c1b = copy_path(site, "SRV02", "A0101000");
	g_autofree char *c2a = copy_path(site, "SRV01", "A0101001");
	g_autofree char *s1 = copy_path(site, "SRV02", "A0102000");
	g_autofree char *s1x = copy_path(site, "SRV01", "A0102000");
	g_autofree char *m2 = g_strdup_printf("%s/A0101001.INS", master_dir);
	g_autofree char *detail = NULL;
	ino_t before;
	SmsTime now = T0;

	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, now);   /* never looked yet */
	write_master(site, "CORP", "A0101000", "A0100001");
	write_master(site, "SALES", "A0102000", "A0100001");
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, now);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_no_error(error);
	/* every logon server of the domain, and only of that domain */
	g_assert_true(same_bytes(m1, c1a));
	g_assert_true(same_bytes(m1, c1b));
	g_assert_true(g_file_test(s1, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(s1x, G_FILE_TEST_EXISTS));
	/* one event per logon server; SRV02 holds the files of both its domains */
	g_assert_cmpint(count_events(site, "ins.replicated"), ==, 2);
	detail = last_detail(site, "ins.replicated");
	g_assert_cmpstr(detail, ==, "2");
	g_assert_cmpint(sms_logon_next_wakeup(site, now), >, now);
	/* nothing changed: nothing copied, no event */
	now += 300;
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_cmpint(count_events(site, "ins.replicated"), ==, 2);
	g_assert_true(g_file_test(s1, G_FILE_TEST_EXISTS));
	/* a second file right after the first (same timestamp granularity): still seen */
	before = inode(c1a);
	write_master(site, "CORP", "A0101001", "A0100001");
	g_assert_cmpint(sms_logon_next_wakeup(site, now), <=, sms_poll_ceil(site, now + 1));
	now = sms_poll_ceil(site, now + 1);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_true(g_file_test(c2a, G_FILE_TEST_EXISTS));
	g_assert_cmpint(inode(c1a), ==, before);   /* the unchanged file is left alone */
	g_assert_cmpint(count_events(site, "ins.replicated"), ==, 4);
	g_assert_true(g_file_test(s1, G_FILE_TEST_EXISTS));   /* SALES's file stays on SRV02 */
	/* changed content replaces the copy; the master removing a file removes the copies */
	write_master(site, "CORP", "A0101000", "A0100002");
	g_assert_cmpint(unlink(m2), ==, 0);
	now = sms_poll_ceil(site, now + 1);
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, now);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_true(same_bytes(m1, c1a));
	g_assert_true(same_bytes(m1, c1b));
	g_assert_false(g_file_test(c2a, G_FILE_TEST_EXISTS));
	g_free(detail);
	detail = last_detail(site, "ins.replicated");
	g_assert_cmpstr(detail, ==, "2");   /* one copy replaced, one removed */
	/* no temporary file is left in the boxes */
	{
		g_autofree char *box = sms_layout_pcins(site, "SRV01");
		g_autoptr(GDir) d = g_dir_open(box, 0, NULL);
		const char *name;
		while ((name = g_dir_read_name(d)) != NULL)
			g_assert_true(g_str_has_suffix(name, ".INS"));
	}
}

/* A change of a master directory that leaves its mtime as it was (a file system with a
 * coarse timestamp clock) is seen through the generation the Despooler raises, and a
 * copied directory asks for no further look: no wake-up depends on the host's file
 * times (a re-check tied to them made the instants of a simulation vary). */
static void
test_replicate_same_mtime(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *master_dir = sms_layout_pcmdom(site, "CORP");
	g_autofree char *c1 = copy_path(site, "SRV01", "A0101001");
	struct timespec fixed[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	SmsTime now = T0;

	write_master(site, "CORP", "A0101000", "A0100001");
	g_assert_cmpint(utimensat(AT_FDCWD, master_dir, fixed, 0), ==, 0);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_no_error(error);
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, SMS_TIME_NEVER);
	/* a second file, and the directory's time put back: only the generation tells */
	write_master(site, "CORP", "A0101001", "A0100001");
	g_assert_cmpint(utimensat(AT_FDCWD, master_dir, fixed, 0), ==, 0);
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, sms_poll_ceil(site, now));
	now = sms_poll_ceil(site, now);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_test(c1, G_FILE_TEST_EXISTS));
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, SMS_TIME_NEVER);
	g_assert_cmpint(sms_logon_next_wakeup(site, now + 86400), ==, SMS_TIME_NEVER);
}

/* A logon server that is down is skipped, and caught up when it is back. */
static void
test_replicate_unreachable(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *srv2 = sms_layout_logon_srv(site, "SRV02");
	g_autofree char *away = g_strdup_printf("%s.away", srv2);
	g_autofree char *c1a = copy_path(site, "SRV01", "A0101000");
	g_autofree char *c1b = copy_path(site, "SRV02", "A0101000");
	SmsTime now = T0;
	g_assert_cmpint(rename(srv2, away), ==, 0);
	write_master(site, "CORP", "A0101000", "A0100001");
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_test(c1a, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(srv2, G_FILE_TEST_EXISTS));   /* not created by us */
	g_assert_cmpint(rename(away, srv2), ==, 0);
	now = sms_poll_ceil(site, now + 1);
	g_assert_cmpint(sms_logon_next_wakeup(site, now), ==, now);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_true(g_file_test(c1b, G_FILE_TEST_EXISTS));
}

/* ---- status collection ------------------------------------------------------------- */

static void
test_collect_status(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *box = sms_layout_logon_despool(site, "SRV02");
	g_autofree char *receive = sms_layout_receive(site);
	g_autoptr(SmsSni) sni = g_new0(SmsSni, 1);
	g_autofree char *text = NULL;
	g_autofree char *mif = sms_mif_format_status("Acme", "Tool", "1.0", "disk full", FALSE);
	const char *names[] = { "A0101000001.PCK", "A0101000001.SNI", "OTHER.PCK", "A0101000002.SNI" };
	sni->site = g_strdup("A01");
	sni->job_id = g_strdup("A0100001");
	sni->smsid = g_strdup("A0101000");
	sni->machine = g_strdup("WKS0001");
	sni->status = g_strdup("Failed");
	sni->mif = g_strdup("A0101000001.PCK");
	sni->time = T0;
	text = sms_sni_format(sni);
	g_free(sms_test_write(box, "A0101000001.PCK", mif));
	g_free(sms_test_write(box, "A0101000001.SNI", text));
	/* an .SNI naming a status MIF of another name takes it along */
	g_free(sni->mif);
	sni->mif = g_strdup("OTHER.PCK");
	g_free(text);
	text = sms_sni_format(sni);
	g_free(sms_test_write(box, "OTHER.PCK", mif));
	g_free(sms_test_write(box, "A0101000002.SNI", text));
	g_assert_cmpint(sms_logon_next_wakeup(site, T0 + 60), ==, T0 + 300);
	g_assert_true(sms_logon_pass(site, T0 + 300, &error));
	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *in = g_build_filename(receive, names[i], NULL);
		g_autofree char *left = g_build_filename(box, names[i], NULL);
		g_assert_true(g_file_test(in, G_FILE_TEST_EXISTS));
		g_assert_false(g_file_test(left, G_FILE_TEST_EXISTS));
	}
	g_assert_cmpint(sms_logon_next_wakeup(site, T0 + 300), >, T0 + 300);
}

/* ---- logon ------------------------------------------------------------------------- */

static SmsSmsIni *
load_ini(SmsSite *site, const char *machine)
{
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	g_autofree char *path = g_build_filename(wdir, "SMS.INI", NULL);
	g_autoptr(GError) error = NULL;
	SmsSmsIni *ini = NULL;
	g_assert_true(sms_smsini_load(path, &ini, &error));
	g_assert_no_error(error);
	return ini;
}

static char *
ini_path(SmsSite *site, const char *machine)
{
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	return g_build_filename(wdir, "SMS.INI", NULL);
}

static void
test_logon_fresh(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsSmsIni) ini = NULL;
	g_autofree char *id = NULL;
	sqlite3_stmt *st;
	gboolean row;
	g_assert_true(sms_logon_user(site, "wks0001", "alice", T0, &error));
	g_assert_no_error(error);
	ini = load_ini(site, "WKS0001");
	g_assert_cmpuint(ini->warnings->len, ==, 0);
	g_assert_cmpstr(ini->sms_id, ==, "A0101000");
	g_assert_cmpstr(ini->site_code, ==, "A01");
	g_assert_cmpstr(ini->domain, ==, "CORP");
	g_assert_cmpstr(ini->current_logon_server, ==, "SRV01");
	g_assert_cmpuint(ini->servers->len, ==, 2);
	g_assert_cmpstr(ini->servers->pdata[0], ==, "SRV01");
	g_assert_cmpstr(ini->servers->pdata[1], ==, "SRV02");
	g_assert_cmpstr(ini->instruction_share, ==, "pcins.box");
	g_assert_cmpstr(ini->result_share, ==, "despoolr.box");
	g_assert_cmpint(ini->polling_interval, ==, 30);
	g_assert_cmpstr(ini->unique_id_path, ==, "\\\\SRV01\\SMS_SHR\\SMSID\\");
	g_assert_cmpstr(ini->last_logged_user, ==, "alice");
	g_assert_cmpstr(ini->machine_name, ==, "WKS0001");
	/* registered in the site database, once */
	st = sms_db_stmt(site->db, "SELECT smsid, user, registered FROM machines WHERE name = "
	                 "'WKS0001'", NULL);
	g_assert_true(sms_db_step(site->db, st, &row, NULL) && row);
	g_assert_cmpstr(sms_db_col_ctext(st, 0), ==, "A0101000");
	g_assert_cmpstr(sms_db_col_ctext(st, 1), ==, "alice");
	g_assert_cmpint(sqlite3_column_int64(st, 2), ==, T0);
	sqlite3_reset(st);
	g_assert_cmpint(count_events(site, "machine.registered"), ==, 1);
	/* the PCM starts and checks now */
	g_assert_cmpint(sms_pcm_site_next_wakeup(site, T0), ==, T0);
	g_assert_cmpint(sms_pcm_client_next_wakeup(site, "WKS0001", T0), ==, T0);
	/* logging on again keeps everything */
	g_assert_true(sms_logon_user(site, "WKS0001", "bob", T0 + 3600, &error));
	id = machine_smsid(site, "WKS0001");
	g_assert_cmpstr(id, ==, "A0101000");
	g_assert_cmpint(count_events(site, "machine.registered"), ==, 1);
	g_assert_cmpint(count_events(site, "smsini.repaired"), ==, 0);
	/* the SALES workstation gets its ID from SALES's logon server */
	g_assert_true(sms_logon_user(site, "SAL0001", "sam", T0, &error));
	g_free(id);
	id = machine_smsid(site, "SAL0001");
	g_assert_cmpstr(id, ==, "A0102000");
}

static void
test_logon_server_choice(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *srv2 = sms_layout_logon_srv(site, "SRV02");
	g_autofree char *away = g_strdup_printf("%s.away", srv2);
	g_autofree char *server = NULL;
	g_autofree char *sal = ini_path(site, "SAL0001");
	g_assert_true(sms_logon_user(site, "WKS0002", "u", T0, &error));
	{
		/* CurrentLogonServer is tried first */
		g_autoptr(SmsSmsIni) ini = load_ini(site, "WKS0002");
		g_free(ini->current_logon_server);
		ini->current_logon_server = g_strdup("SRV02");
		g_assert_true(sms_smsini_save(ini, SMS_SYNC_NONE, NULL, &error));
	}
	g_assert_true(sms_logon_user(site, "WKS0002", "u", T0 + 60, &error));
	{
		g_autoptr(SmsSmsIni) ini = load_ini(site, "WKS0002");
		g_assert_cmpstr(ini->current_logon_server, ==, "SRV02");
	}
	/* a logon server that is down is skipped */
	g_assert_cmpint(rename(srv2, away), ==, 0);
	g_assert_true(sms_logon_user(site, "WKS0002", "u", T0 + 120, &error));
	g_assert_no_error(error);
	{
		g_autoptr(SmsSmsIni) ini = load_ini(site, "WKS0002");
		g_assert_cmpstr(ini->current_logon_server, ==, "SRV01");
		g_assert_cmpuint(ini->servers->len, ==, 1);
	}
	g_assert_true(sms_logon_choose_server(site, "CORP", "SRV02", &server, NULL, &error));
	g_assert_cmpstr(server, ==, "SRV01");
	/* no logon server of the domain reachable: a clear error, nothing written */
	g_assert_false(sms_logon_user(site, "SAL0001", "sam", T0, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_NO_LOGON_SERVER);
	g_clear_error(&error);
	g_assert_false(g_file_test(sal, G_FILE_TEST_EXISTS));
	g_assert_cmpint(rename(away, srv2), ==, 0);
	/* a workstation of no domain of the site */
	g_assert_false(sms_logon_user(site, "NOSUCH", "x", T0, &error));
	g_assert_error(error, SMS_LOGON_ERROR, SMS_LOGON_ERROR_UNKNOWN_MACHINE);
}

static void
test_logon_garbled(void)
{
	g_autoptr(SmsSite) site = new_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *path = ini_path(site, "WKS0003");
	g_autofree char *id = NULL;
	g_autofree char *id2 = NULL;
	g_assert_true(sms_logon_user(site, "WKS0003", "carol", T0, &error));
	id = machine_smsid(site, "WKS0003");
	/* garbage lines, a broken section, a bad interval: repaired, the SMS ID kept */
	{
		g_autofree char *text = g_strdup_printf("garbage without a section\n[SMS]\nSMS Unique ID="
		                                        "%s\n[[[\n[Package Command Manager]\n"
		                                        "PollingInterval=often\n", id);
		g_assert_true(g_file_set_contents(path, text, -1, NULL));
	}
	g_assert_true(sms_logon_user(site, "WKS0003", "carol", T0 + 60, &error));
	g_assert_no_error(error);
	{
		g_autoptr(SmsSmsIni) ini = load_ini(site, "WKS0003");
		g_assert_cmpstr(ini->sms_id, ==, id);
		g_assert_cmpint(ini->polling_interval, ==, 30);
		g_assert_cmpstr(ini->current_logon_server, ==, "SRV01");
		g_assert_cmpstr(ini->domain, ==, "CORP");
	}
	g_assert_cmpint(count_events(site, "smsini.repaired"), ==, 1);
	g_assert_cmpint(count_events(site, "machine.registered"), ==, 1);
	/* a deleted SMS.INI makes a new client: a new SMS ID (notes §6.1) */
	g_assert_cmpint(unlink(path), ==, 0);
	g_assert_true(sms_logon_user(site, "WKS0003", "carol", T0 + 120, &error));
	id2 = machine_smsid(site, "WKS0003");
	g_assert_cmpstr(id2, !=, id);
	g_assert_cmpint(count_events(site, "machine.registered"), ==, 2);
	/* a copied SMS.INI (another machine's ID) gets an ID of its own */
	{
		g_autofree char *other = ini_path(site, "WKS0004");
		g_autofree char *data = NULL;
		g_autofree char *id4 = NULL;
		gsize len;
		g_autofree char *wdir = sms_layout_workstation(site, "WKS0004");
		g_assert_true(g_file_get_contents(path, &data, &len, NULL));
		g_assert_cmpint(g_mkdir_with_parents(wdir, 0755), ==, 0);
		g_assert_true(g_file_set_contents(other, data, (gssize)len, NULL));
		g_assert_true(sms_logon_user(site, "WKS0004", "dave", T0, &error));
		g_assert_no_error(error);
		id4 = machine_smsid(site, "WKS0004");
		g_assert_cmpstr(id4, !=, id2);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/logon/smsid/next", test_smsid_next);
	g_test_add_func("/logon/smsid/take", test_smsid_take);
	g_test_add_func("/logon/smsid/concurrent", test_smsid_concurrent);
	g_test_add_func("/logon/smsid/new-range", test_smsid_new_range);
	g_test_add_func("/logon/replicate/changed-only", test_replicate);
	g_test_add_func("/logon/replicate/same-mtime", test_replicate_same_mtime);
	g_test_add_func("/logon/replicate/unreachable", test_replicate_unreachable);
	g_test_add_func("/logon/status/collect", test_collect_status);
	g_test_add_func("/logon/user/fresh", test_logon_fresh);
	g_test_add_func("/logon/user/server-choice", test_logon_server_choice);
	g_test_add_func("/logon/user/garbled", test_logon_garbled);
	return g_test_run();
}
