/* test-pcm.c -- the Package Command Manager: offer on a skewed clock, mandatory countdown,
 * running from the chosen distribution server while holding a share session, status MIF
 * then .SNI back, re-reading only a changed instruction file, corrupt files, platforms,
 * expiry, one command at a time in mandatory-time order, PCMSVC32, forced disconnects,
 * outcomes (exit codes, status MIFs, malformed MIFs, hanging commands), an unreachable
 * logon server, user actions. */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "ins.h"
#include "job.h"
#include "logon.h"
#include "mif.h"
#include "pcm.h"
#include "pdf.h"
#include "share.h"
#include "site.h"
#include "smsini.h"

#include <fcntl.h>
#include <sys/stat.h>

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
	"[Workstations W]\n"
	"Domain=CORP\n"
	"Names=WKS0001-WKS0003\n"
	"Platform=Windows NT (x86)\n"
	"[Workstations SKEW]\n"
	"Domain=CORP\n"
	"Names=AHEAD\n"
	"Platform=Windows NT (x86)\n"
	"ClockOffset=90\n";

static SmsTime
at(const char *hhmm)
{
	g_autofree char *s = g_strdup_printf("1996-02-01 %s", hhmm);
	SmsTime t = 0;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static SmsSite *
new_site(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *ini = sms_test_write(dir, "site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	/* the package on both distribution servers, as the Despooler leaves it */
	for (int i = 1; i <= 2; i++) {
		g_autofree char *srv = g_strdup_printf("SRV0%d", i);
		g_autofree char *share = sms_layout_pkg_share(site, srv, 'C');
		g_autofree char *pkg = g_build_filename(share, "A0100001", NULL);
		g_free(sms_test_write(pkg, "setup.exe", "MZ"));
	}
	return site;
}

typedef struct {
	const char *job;
	const char *offer, *mandatory, *expires;   /* "HH:MM" or NULL */
	guint32 os_mask;                           /* 0: x86 */
	guint32 flags;
	const char *servers;                       /* "SRV01,SRV02"; NULL: SRV01 */
} Rec;

/* The master instruction file of a workstation, as the Despooler writes it; the
 * Maintenance Manager copies it to the logon servers. */
static void
put_ins(SmsSite *site, const char *smsid, const Rec *recs, gsize n, SmsTime now)
{
	g_autofree char *dir = sms_layout_pcmdom(site, "CORP");
	g_autofree char *path = g_strdup_printf("%s/%s.INS", dir, smsid);
	g_autoptr(SmsInsFile) f = sms_ins_file_new();
	g_autoptr(GError) error = NULL;
	for (gsize i = 0; i < n; i++) {
		SmsInsRecord *r = sms_ins_record_new();
		g_auto(GStrv) servers = g_strsplit(recs[i].servers ? recs[i].servers : "SRV01", ",", -1);
		r->pcm_version = SMS_INS_RECORD_VERSION;
		r->site_id = g_strdup("A01");
		r->request_id = g_strdup("0001A01");
		r->package_id = g_strdup("A0100001");
		r->job_id = g_strdup(recs[i].job);
		r->display_date = recs[i].offer ? at(recs[i].offer) : SMS_TIME_NONE;
		r->display_full = TRUE;
		r->install_by_full = recs[i].mandatory != NULL;
		r->install_by = recs[i].mandatory ? at(recs[i].mandatory) : SMS_TIME_NONE;
		r->expiration_full = recs[i].expires != NULL;
		r->expiration = recs[i].expires ? at(recs[i].expires) : SMS_TIME_NONE;
		r->os_mask = recs[i].os_mask ? recs[i].os_mask : SMS_PLATFORM_WIN32_X86;
		r->flags = recs[i].flags;
		r->run_command = g_strdup("setup.exe /q");
		r->wcl_name = g_strdup("Typical");
		r->package_name = g_strdup("Office");
		for (char **s = servers; *s; s++) {
			g_autofree char *unc = g_strdup_printf("\\\\%s\\SMS_PKGC\\A0100001\\", *s);
			sms_ins_record_add_server(r, unc, SMS_SERVER_WINNT3);
		}
		g_ptr_array_add(f->records, r);
	}
	g_assert_true(sms_ins_save(path, f, SMS_SYNC_NONE, &error));
	g_assert_no_error(error);
	g_assert_true(sms_logon_pass(site, now, &error));
	g_assert_no_error(error);
}

/* Run the Maintenance Manager and every PCM of the site as the simulator does, up to
 * and including `end`. */
static void
run_until(SmsSite *site, SmsTime *now, SmsTime end)
{
	g_autoptr(GError) error = NULL;
	for (int guard = 0; guard < 10000; guard++) {
		SmsTime lw = sms_logon_next_wakeup(site, *now);
		SmsTime pw = sms_pcm_site_next_wakeup(site, *now);
		SmsTime t = MIN(lw, pw);
		if (t > end)
			break;
		*now = t;
		if (lw <= t)
			g_assert_true(sms_logon_pass(site, t, &error));
		g_assert_no_error(error);
		if (sms_pcm_site_next_wakeup(site, t) <= t)
			g_assert_true(sms_pcm_site_pass(site, t, &error));
		g_assert_no_error(error);
		g_assert_cmpint(sms_pcm_site_next_wakeup(site, t), >, t);
	}
	*now = end;
}

static void
logon(SmsSite *site, const char *machine, SmsTime now)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_logon_user(site, machine, "user", now, &error));
	g_assert_no_error(error);
}

static char *
smsid_of(SmsSite *site, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT smsid FROM machines WHERE name = ?", NULL);
	gboolean row = FALSE;
	char *id;
	sms_db_bind_text(st, 1, machine);
	g_assert_true(sms_db_step(site->db, st, &row, NULL) && row);
	id = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return id;
}

static int
state_of(SmsSite *site, const char *machine, const char *job)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT state FROM pcm_cmds WHERE machine = ? AND "
	                               "job = ?", NULL);
	gboolean row = FALSE;
	int s = -1;
	sms_db_bind_text(st, 1, machine);
	sms_db_bind_text(st, 2, job);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	if (row)
		s = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return s;
}

static char *
cmd_field(SmsSite *site, const char *machine, const char *job, const char *field)
{
	g_autofree char *sql = g_strdup_printf("SELECT %s FROM pcm_cmds WHERE machine = ? AND job = ?",
	                                       field);
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row = FALSE;
	char *v = NULL;
	sms_db_bind_text(st, 1, machine);
	sms_db_bind_text(st, 2, job);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	if (row)
		v = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return v;
}

/* "HH:MM event job detail" lines of the PCM events of a machine. */
static char *
events_of(SmsSite *site, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT time, event, job, detail FROM "
	                               "status_messages WHERE component = 'pcm' AND machine = ? "
	                               "ORDER BY id", NULL);
	GString *out = g_string_new(NULL);
	gboolean row;
	sms_db_bind_text(st, 1, machine);
	while (sms_db_step(site->db, st, &row, NULL) && row) {
		int h, mi, d, mo, y, sec;
		sms_time_fields(sqlite3_column_int64(st, 0), &y, &mo, &d, &h, &mi, &sec);
		g_string_append_printf(out, "%02d:%02d %s %s%s%s\n", h, mi, sms_db_col_ctext(st, 1),
		                       sms_db_col_ctext(st, 2), sms_db_col_ctext(st, 3) ? " " : "",
		                       sms_db_col_ctext(st, 3) ? sms_db_col_ctext(st, 3) : "");
	}
	sqlite3_reset(st);
	return g_string_free(out, FALSE);
}

static char *
read_text(const char *path)
{
	char *data = NULL;
	if (!g_file_get_contents(path, &data, NULL, NULL))
		return g_strdup("");
	return data;
}

static char *
pcm_log(SmsSite *site)
{
	g_autofree char *logs = sms_layout_logs(site);
	g_autofree char *path = g_build_filename(logs, "pcm.log", NULL);
	return read_text(path);
}

/* Files in a logon server's DESPOOLR.BOX, or (server NULL) in the site's RECEIVE. */
static char *
box_dir(SmsSite *site, const char *server)
{
	return server ? sms_layout_logon_despool(site, server) : sms_layout_receive(site);
}

static GPtrArray *
box_files(SmsSite *site, const char *server)
{
	g_autofree char *box = box_dir(site, server);
	g_autoptr(GDir) d = g_dir_open(box, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	return names;
}

static SmsSni *
load_sni(SmsSite *site, const char *server, const char *name)
{
	g_autofree char *box = box_dir(site, server);
	g_autofree char *path = g_build_filename(box, name, NULL);
	g_autoptr(GError) error = NULL;
	SmsSni *sni = NULL;
	g_assert_true(sms_sni_load(path, &sni, &error));
	g_assert_no_error(error);
	return sni;
}

/* ---- the whole path ------------------------------------------------------------------ */

static void
test_path(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *ahead = NULL;
	g_autofree char *wks = NULL;
	g_autofree char *ev = NULL;
	g_autofree char *ev2 = NULL;
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(SmsSni) sni = NULL;
	g_autoptr(SmsStatusMif) mif = NULL;
	g_autoptr(GPtrArray) holders = NULL;
	g_autofree char *server = NULL;
	SmsTime now = at("08:00");
	const Rec r = { "A0100001", "09:00", "10:00", NULL, 0, 0, NULL };

	logon(site, "AHEAD", now);     /* its clock says 09:30 */
	logon(site, "WKS0001", now);
	ahead = smsid_of(site, "AHEAD");
	wks = smsid_of(site, "WKS0001");
	g_assert_cmpstr(ahead, ==, "A0101000");
	put_ins(site, ahead, &r, 1, now);
	put_ins(site, wks, &r, 1, now);
	run_until(site, &now, at("08:37"));
	/* running from the logon server, holding the file it runs */
	g_assert_cmpint(state_of(site, "AHEAD", "A0100001"), ==, SMS_PCM_RUNNING);
	g_assert_true(sms_share_is_locked(site, "SRV01", "A0100001", now, &holders));
	g_assert_cmpuint(holders->len, ==, 1);
	g_assert_cmpstr(((SmsShareSession *)holders->pdata[0])->kind, ==, "pcm");
	g_assert_cmpstr(((SmsShareSession *)holders->pdata[0])->machine, ==, "AHEAD");
	g_assert_cmpstr(((SmsShareSession *)holders->pdata[0])->file, ==, "setup.exe");
	run_until(site, &now, at("08:39"));
	now = at("08:40");
	g_assert_cmpint(sms_pcm_site_next_wakeup(site, now), ==, now);
	g_assert_true(sms_pcm_site_pass(site, now, &error));   /* not the Maintenance Manager */
	g_assert_no_error(error);
	ev = events_of(site, "AHEAD");
	g_assert_cmpstr(ev, ==, "08:00 pcm.offered A0100001\n"
	                        "08:30 pcm.countdown A0100001\n"
	                        "08:40 pcm.executed A0100001 Success\n");
	server = cmd_field(site, "AHEAD", "A0100001", "dist_server");
	g_assert_cmpstr(server, ==, "SRV01");
	g_assert_false(sms_share_is_locked(site, "SRV01", "A0100001", now, NULL));
	/* status MIF (.PCK) and the .SNI naming it, in the logon server's DESPOOLR.BOX */
	files = box_files(site, "SRV01");
	g_assert_cmpuint(files->len, ==, 2);
	g_assert_cmpstr(files->pdata[0], ==, "A0101000001.PCK");
	g_assert_cmpstr(files->pdata[1], ==, "A0101000001.SNI");
	sni = load_sni(site, "SRV01", "A0101000001.SNI");
	g_assert_cmpstr(sni->status, ==, "Success");
	g_assert_cmpstr(sni->mif, ==, "A0101000001.PCK");
	g_assert_cmpstr(sni->job_id, ==, "A0100001");
	g_assert_cmpstr(sni->smsid, ==, "A0101000");
	g_assert_cmpint(sni->time, ==, at("10:10"));   /* the workstation's clock */
	{
		g_autofree char *box = sms_layout_logon_despool(site, "SRV01");
		g_autofree char *p = g_build_filename(box, "A0101000001.PCK", NULL);
		g_assert_true(sms_mif_load(p, &mif, &error));
		g_assert_true(mif->success);
	}
	/* LastPCMFileTime: the date of the instruction file it read, on the site's virtual
	 * clock (the check at 08:00 read it), not the host's file time */
	{
		g_autofree char *wdir = sms_layout_workstation(site, "AHEAD");
		g_autofree char *ipath = g_build_filename(wdir, "SMS.INI", NULL);
		g_autofree char *box = sms_layout_pcins(site, "SRV01");
		g_autofree char *ins = g_strdup_printf("%s/%s.INS", box, ahead);
		g_autoptr(SmsSmsIni) ini = NULL;
		struct stat sb;
		g_assert_true(sms_smsini_load(ipath, &ini, &error));
		g_assert_cmpint(stat(ins, &sb), ==, 0);
		g_assert_cmpint(ini->last_pcm_file_time, ==, at("08:00"));
		g_assert_cmpint(ini->last_pcm_file_time, !=, (gint64)sb.st_mtime);
	}
	/* the Maintenance Manager takes them to the site server */
	run_until(site, &now, sms_poll_ceil(site, now + 1));
	{
		g_autofree char *receive = sms_layout_receive(site);
		g_autofree char *p1 = g_build_filename(receive, "A0101000001.PCK", NULL);
		g_autofree char *p2 = g_build_filename(receive, "A0101000001.SNI", NULL);
		g_autoptr(GPtrArray) left = box_files(site, "SRV01");
		g_assert_true(g_file_test(p1, G_FILE_TEST_EXISTS));
		g_assert_true(g_file_test(p2, G_FILE_TEST_EXISTS));
		g_assert_cmpuint(left->len, ==, 0);
	}
	/* the workstation on the site's clock: offered at 09:00, mandatory at 10:00 */
	run_until(site, &now, at("12:00"));
	ev2 = events_of(site, "WKS0001");
	g_assert_cmpstr(ev2, ==, "09:00 pcm.offered A0100001\n"
	                         "10:00 pcm.countdown A0100001\n"
	                         "10:10 pcm.executed A0100001 Success\n");
	g_assert_cmpint(sms_pcm_site_next_wakeup(site, now), ==, SMS_TIME_NEVER);
}

/* ---- the instruction file ------------------------------------------------------------ */

static void
test_reread_and_corrupt(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *copy = NULL;
	g_autofree char *log = NULL;
	g_autofree char *log2 = NULL;
	SmsTime now = at("08:00");
	const Rec r1 = { "A0100001", "08:00", NULL, NULL, 0, 0, NULL };
	const Rec r2 = { "A0100002", "08:00", NULL, NULL, 0, 0, NULL };
	struct stat sb;

	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, &r1, 1, now);
	run_until(site, &now, at("08:00"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_OFFERED);
	{
		g_autofree char *box = sms_layout_pcins(site, "SRV01");
		copy = g_strdup_printf("%s/%s.INS", box, id);
	}
	/* the same file (time, size, inode) is not read again: garbage written into it in
	 * place, with its time put back, goes unnoticed */
	{
		struct timespec ts[2];
		int fd;
		g_assert_cmpint(stat(copy, &sb), ==, 0);
		ts[0] = sb.st_atim;
		ts[1] = sb.st_mtim;
		fd = open(copy, O_WRONLY);
		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(pwrite(fd, "XXXX", 4, 20), ==, 4);
		g_assert_cmpint(futimens(fd, ts), ==, 0);
		close(fd);
	}
	g_assert_true(sms_pcm_check(site, "WKS0001", SMS_PCM_MODE_APP, now, &error));
	g_assert_no_error(error);
	log = pcm_log(site);
	g_assert_null(strstr(log, "refused"));
	/* a changed file that is corrupt: refused with the offset, the commands kept */
	now = at("08:30");
	{
		g_autofree char *master_dir = sms_layout_pcmdom(site, "CORP");
		g_autofree char *master = g_strdup_printf("%s/%s.INS", master_dir, id);
		g_autofree char *data = NULL;
		gsize len;
		g_assert_true(g_file_get_contents(master, &data, &len, NULL));
		g_assert_cmpint(unlink(master), ==, 0);
		g_assert_true(g_file_set_contents(master, data, (gssize)len / 2, NULL));
		g_assert_true(sms_logon_pass(site, now, &error));
	}
	g_assert_true(sms_pcm_check(site, "WKS0001", SMS_PCM_MODE_APP, now, &error));
	g_assert_no_error(error);
	log2 = pcm_log(site);
	g_assert_nonnull(strstr(log2, "instruction file refused"));
	g_assert_nonnull(strstr(log2, "offset"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_OFFERED);
	/* a good file again: the new command comes, the one no longer there is withdrawn */
	now = at("09:00");
	put_ins(site, id, &r2, 1, now);
	run_until(site, &now, at("09:00"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100002"), ==, SMS_PCM_OFFERED);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_REMOVED);
}

static void
test_platform_and_expiry(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autofree char *id = NULL;
	g_autofree char *ev = NULL;
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(SmsSni) sni = NULL;
	SmsTime now = at("08:00");
	const Rec recs[] = {
		{ "A0100001", "08:00", NULL, NULL, SMS_PLATFORM_WIN95, 0, NULL },
		{ "A0100002", "08:00", NULL, NULL, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86, 0,
		  NULL },
		{ "A0100003", "08:00", NULL, "09:00", 0, 0, NULL },
	};
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	run_until(site, &now, at("10:00"));
	/* not for its platform: never offered */
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_PENDING);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100002"), ==, SMS_PCM_OFFERED);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100003"), ==, SMS_PCM_EXPIRED);
	ev = events_of(site, "WKS0001");
	g_assert_cmpstr(ev, ==, "08:00 pcm.offered A0100002\n"
	                        "08:00 pcm.offered A0100003\n"
	                        "09:00 pcm.expired A0100003\n");
	/* the expiry goes back as an .SNI of its own, without a status MIF */
	files = box_files(site, NULL);
	g_assert_cmpuint(files->len, ==, 1);
	sni = load_sni(site, NULL, files->pdata[0]);
	g_assert_cmpstr(sni->status, ==, "Expired");
	g_assert_cmpstr(sni->job_id, ==, "A0100003");
	g_assert_null(sni->mif);
}

/* A check before any instruction file leaves the SMS.INI the logon wrote untouched (no
 * LastPCMFileTime, same inode); the first file read records its time. */
static void
test_first_check_no_rewrite(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autofree char *id = NULL;
	g_autofree char *wdir = NULL;
	g_autofree char *ipath = NULL;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	SmsTime now = at("08:00");
	const Rec recs[] = { { "A0100002", "08:00", NULL, NULL, 0, 0, NULL } };
	struct stat sa, sb;
	logon(site, "WKS0001", now);
	wdir = sms_layout_workstation(site, "WKS0001");
	ipath = g_build_filename(wdir, "SMS.INI", NULL);
	before = read_text(ipath);
	g_assert_cmpint(stat(ipath, &sa), ==, 0);
	run_until(site, &now, at("09:00"));
	after = read_text(ipath);
	g_assert_cmpint(stat(ipath, &sb), ==, 0);
	g_assert_cmpstr(before, ==, after);
	g_assert_cmpint(sa.st_ino, ==, sb.st_ino);
	g_assert_null(strstr(after, "LastPCMFileTime"));
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	run_until(site, &now, at("11:00"));
	{
		g_autoptr(SmsSmsIni) ini = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_true(sms_smsini_load(ipath, &ini, &error));
		g_assert_cmpint(ini->last_pcm_file_time, >, 0);
	}
}

/* Due mandatory commands run one at a time in mandatory-time order; no countdown with
 * [Local] DisablePCMCountdown=TRUE. */
static void
test_mandatory_order(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *ev = NULL;
	SmsTime now = at("07:00");
	const Rec recs[] = {
		{ "A0100003", "07:00", "08:20", NULL, 0, 0, NULL },
		{ "A0100001", "07:00", "08:00", NULL, 0, 0, NULL },
		{ "A0100002", "07:00", "08:10", NULL, 0, 0, NULL },
	};
	logon(site, "WKS0002", now);
	id = smsid_of(site, "WKS0002");
	{
		g_autofree char *wdir = sms_layout_workstation(site, "WKS0002");
		g_autofree char *ipath = g_build_filename(wdir, "SMS.INI", NULL);
		g_autoptr(SmsSmsIni) ini = NULL;
		g_assert_true(sms_smsini_load(ipath, &ini, &error));
		ini->disable_pcm_countdown = TRUE;
		g_assert_true(sms_smsini_save(ini, SMS_SYNC_NONE, NULL, &error));
	}
	g_assert_true(sms_pcm_reload(site, "WKS0002", now, &error));
	g_assert_no_error(error);
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	/* polls at 07:00, 07:30, 08:00 (A0100001 due), 08:30 (the other two) */
	run_until(site, &now, at("12:00"));
	ev = events_of(site, "WKS0002");
	g_assert_cmpstr(ev, ==, "07:00 pcm.offered A0100001\n"
	                        "07:00 pcm.offered A0100002\n"
	                        "07:00 pcm.offered A0100003\n"
	                        "08:00 pcm.countdown A0100001\n"
	                        "08:05 pcm.executed A0100001 Success\n"
	                        "08:30 pcm.countdown A0100002\n"
	                        "08:30 pcm.countdown A0100003\n"
	                        "08:35 pcm.executed A0100002 Success\n"
	                        "08:40 pcm.executed A0100003 Success\n");
}

/* PCMSVC32: System (Background) Tasks only, at their mandatory time; PCMWIN32 leaves them. */
static void
test_service(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *ev = NULL;
	SmsTime now = at("08:00");
	const Rec recs[] = {
		{ "A0100001", "07:00", "08:00", NULL, 0, SMS_CMD_AUTOMATED | SMS_CMD_BACKGROUND, NULL },
		{ "A0100002", "07:00", NULL, NULL, 0, SMS_CMD_USER_INPUT, NULL },
	};
	logon(site, "WKS0003", now);
	id = smsid_of(site, "WKS0003");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	g_assert_true(sms_pcm_check(site, "WKS0003", SMS_PCM_MODE_APP, now, &error));
	g_assert_cmpint(state_of(site, "WKS0003", "A0100001"), ==, SMS_PCM_PENDING);
	g_assert_cmpint(state_of(site, "WKS0003", "A0100002"), ==, SMS_PCM_OFFERED);
	g_assert_false(sms_pcm_execute(site, "WKS0003", "A0100001", now, &error));
	g_assert_error(error, SMS_PCM_ERROR, SMS_PCM_ERROR_SERVICE_ONLY);
	g_clear_error(&error);
	g_assert_true(sms_pcm_check(site, "WKS0003", SMS_PCM_MODE_SERVICE, now, &error));
	g_assert_no_error(error);
	/* no countdown: running at once */
	g_assert_cmpint(state_of(site, "WKS0003", "A0100001"), ==, SMS_PCM_RUNNING);
	g_assert_cmpint(sms_pcm_client_next_wakeup(site, "WKS0003", now), ==, now + 300);
	now += 300;
	g_assert_true(sms_pcm_client_pass(site, "WKS0003", SMS_PCM_MODE_SERVICE, now, &error));
	g_assert_cmpint(state_of(site, "WKS0003", "A0100001"), ==, SMS_PCM_EXECUTED);
	g_assert_cmpint(state_of(site, "WKS0003", "A0100002"), ==, SMS_PCM_OFFERED);
	ev = events_of(site, "WKS0003");
	/* a background command is not offered to the user */
	g_assert_cmpstr(ev, ==, "08:00 pcm.offered A0100002\n"
	                        "08:00 pcm.countdown A0100001\n"
	                        "08:05 pcm.executed A0100001 Success\n");
}

/* ---- running ------------------------------------------------------------------------ */

static void
test_server_choice(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *s1 = NULL;
	g_autofree char *s2 = NULL;
	g_autofree char *s3 = NULL;
	g_autofree char *log = NULL;
	SmsTime now = at("08:00");
	const Rec recs[] = {
		{ "A0100001", "08:00", "08:00", NULL, 0, 0, "SRV02,SRV01" },
		{ "A0100002", "08:00", "08:30", NULL, 0, 0, "SRV02,SRV01" },
		{ "A0100003", "08:00", "09:00", NULL, 0, 0, "SRV02,SRV01" },
	};
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	run_until(site, &now, at("08:10"));
	/* 1. the current logon server is in the list */
	s1 = cmd_field(site, "WKS0001", "A0100001", "dist_server");
	g_assert_cmpstr(s1, ==, "SRV01");
	/* access to the package on SRV01 revoked: another listed server */
	g_assert_true(sms_share_revoke(site, "SRV01", "A0100001", &error));
	run_until(site, &now, at("08:40"));
	s2 = cmd_field(site, "WKS0001", "A0100002", "dist_server");
	g_assert_cmpstr(s2, ==, "SRV02");
	/* no server with the package: the command waits for the next poll */
	{
		g_autofree char *share = sms_layout_pkg_share(site, "SRV02", 'C');
		g_autofree char *pkg = g_build_filename(share, "A0100001", NULL);
		g_assert_true(sms_rm_rf(pkg, &error));
	}
	run_until(site, &now, at("09:10"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100003"), ==, SMS_PCM_COUNTDOWN);
	log = pcm_log(site);
	g_assert_nonnull(strstr(log, "no distribution server of job A0100003"));
	g_assert_true(sms_share_restore(site, "SRV01", "A0100001", &error));
	run_until(site, &now, at("09:40"));
	s3 = cmd_field(site, "WKS0001", "A0100003", "dist_server");
	g_assert_cmpstr(s3, ==, "SRV01");
	g_assert_cmpint(state_of(site, "WKS0001", "A0100003"), ==, SMS_PCM_EXECUTED);
}

static gint64
session_of(SmsSite *site, const char *machine, const char *job)
{
	g_autofree char *s = cmd_field(site, machine, job, "session");
	return g_ascii_strtoll(s, NULL, 10);
}

static void
test_forced_disconnect(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *result = NULL;
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(SmsSni) sni = NULL;
	SmsTime now = at("08:00");
	const Rec r = { "A0100001", "08:00", "08:00", NULL, 0, 0, NULL };
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, &r, 1, now);
	run_until(site, &now, at("08:07"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_RUNNING);
	/* the Despooler disconnects the workstation: the command ends now, Failed */
	g_assert_true(sms_share_close_session(site, session_of(site, "WKS0001", "A0100001"), now,
	                                      "forced disconnect", &error));
	g_assert_cmpint(sms_pcm_site_next_wakeup(site, now), ==, now);
	g_assert_true(sms_pcm_site_pass(site, now, &error));
	g_assert_no_error(error);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_EXECUTED);
	result = cmd_field(site, "WKS0001", "A0100001", "result");
	g_assert_nonnull(strstr(result, "disconnected"));
	files = box_files(site, "SRV01");
	g_assert_cmpuint(files->len, ==, 1);   /* no status MIF: the command did not finish */
	sni = load_sni(site, "SRV01", files->pdata[0]);
	g_assert_cmpstr(sni->status, ==, "Failed");
	g_assert_nonnull(strstr(sni->description, "disconnected"));
}

static void
add_outcome(SmsSite *site, const char *job, int duration, int exit_code, const char *mif)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT INTO pcm_outcomes(job, machine, duration, "
	                               "exit_code, status_mif) VALUES (?, '*', ?, ?, ?)", NULL);
	g_assert_nonnull(st);
	sms_db_bind_text(st, 1, job);
	sqlite3_bind_int(st, 2, duration);
	sqlite3_bind_int(st, 3, exit_code);
	sms_db_bind_text(st, 4, mif);
	g_assert_true(sms_db_step_done(site->db, st, NULL));
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

static void
test_outcomes(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *failed = sms_test_srcpath("samples/mifs/failed.mif");
	g_autofree char *malformed = sms_test_srcpath("samples/mifs/malformed.mif");
	g_autofree char *r1 = NULL;
	g_autofree char *r2 = NULL;
	g_autofree char *r4 = NULL;
	g_autofree char *ev = NULL;
	g_autofree char *log = NULL;
	g_autofree char *box = NULL;
	SmsTime now = at("08:00");
	const Rec recs[] = {
		{ "A0100001", "08:00", "08:00", NULL, 0, 0, NULL },
		{ "A0100002", "08:00", "08:01", NULL, 0, 0, NULL },
		{ "A0100003", "08:00", "08:02", NULL, 0, 0, NULL },
		{ "A0100004", "08:00", "08:03", NULL, 0, 0, NULL },
	};
	add_outcome(site, "A0100001", 2, 3, NULL);
	add_outcome(site, "A0100002", 0, 0, failed);
	add_outcome(site, "A0100003", 1, 0, malformed);
	add_outcome(site, "A0100004", 100000, 0, NULL);   /* never ends */
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	run_until(site, &now, at("23:59"));
	g_assert_cmpint(state_of(site, "WKS0004", "A0100004"), ==, -1);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100004"), ==, SMS_PCM_RUNNING);
	run_until(site, &now, sms_time_add_months(at("08:00"), 1));
	ev = events_of(site, "WKS0001");
	/* A0100001 due at the 08:00 poll; the others at 08:30, one after the other */
	g_assert_cmpstr(ev, ==, "08:00 pcm.offered A0100001\n"
	                        "08:00 pcm.countdown A0100001\n"
	                        "08:00 pcm.offered A0100002\n"
	                        "08:00 pcm.offered A0100003\n"
	                        "08:00 pcm.offered A0100004\n"
	                        "08:07 pcm.executed A0100001 Failed\n"
	                        "08:30 pcm.countdown A0100002\n"
	                        "08:30 pcm.countdown A0100003\n"
	                        "08:30 pcm.countdown A0100004\n"
	                        "08:35 pcm.executed A0100002 Failed\n"
	                        "08:36 pcm.executed A0100003 Success\n"
	                        "08:36 pcm.executed A0100004 Failed\n");   /* the next day */
	{
		g_autofree char *fin = cmd_field(site, "WKS0001", "A0100004", "finish_at");
		g_assert_cmpint(g_ascii_strtoll(fin, NULL, 10), ==, at("08:36") + SMS_DAY);
	}
	r1 = cmd_field(site, "WKS0001", "A0100001", "result");
	g_assert_cmpstr(r1, ==, "exit code 3");
	r2 = cmd_field(site, "WKS0001", "A0100002", "result");
	g_assert_nonnull(strstr(r2, "Setup could not write"));
	r4 = cmd_field(site, "WKS0001", "A0100004", "result");
	g_assert_nonnull(strstr(r4, "timed out"));
	log = pcm_log(site);
	g_assert_nonnull(strstr(log, "counted as success"));
	/* status MIFs: the PCM's own for the exit code; the setup program's passed on as is */
	box = box_dir(site, NULL);
	{
		g_autofree char *p1 = g_build_filename(box, "A0101000001.PCK", NULL);
		g_autofree char *p2 = g_build_filename(box, "A0101000002.PCK", NULL);
		g_autofree char *p3 = g_build_filename(box, "A0101000003.PCK", NULL);
		g_autofree char *p4 = g_build_filename(box, "A0101000004.PCK", NULL);
		g_autoptr(SmsStatusMif) m1 = NULL;
		g_assert_true(sms_mif_load(p1, &m1, &error));
		g_assert_false(m1->success);
		g_assert_cmpstr(m1->description, ==, "exit code 3");
		g_assert_true(same_bytes(p2, failed));
		g_assert_true(same_bytes(p3, malformed));
		g_assert_false(g_file_test(p4, G_FILE_TEST_EXISTS));   /* a hung command wrote none */
	}
}

/* Status written while no logon server is reachable waits in the workstation's OUTBOX. */
static void
test_unreachable_logon_server(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *l1 = sms_layout_logon_srv(site, "SRV01");
	g_autofree char *l2 = sms_layout_logon_srv(site, "SRV02");
	g_autofree char *a1 = g_strdup_printf("%s.away", l1);
	g_autofree char *a2 = g_strdup_printf("%s.away", l2);
	g_autofree char *wdir = sms_layout_workstation(site, "WKS0001");
	g_autofree char *outbox = g_build_filename(wdir, "OUTBOX", NULL);
	g_autofree char *waiting = g_build_filename(outbox, "A0101000001.SNI", NULL);
	g_autoptr(GPtrArray) f2 = NULL;
	SmsTime now = at("08:00");
	const Rec r = { "A0100001", "08:00", "08:00", NULL, 0, 0, NULL };
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, &r, 1, now);
	run_until(site, &now, at("08:07"));
	g_assert_cmpint(rename(l1, a1), ==, 0);
	g_assert_cmpint(rename(l2, a2), ==, 0);
	run_until(site, &now, at("08:20"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_EXECUTED);
	g_assert_true(g_file_test(waiting, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(l1, G_FILE_TEST_EXISTS));   /* nothing made it up */
	/* SRV02 is back: the PCM takes it there at its next poll (CurrentLogonServer SRV01
	 * is still down), the Maintenance Manager on to the site server */
	g_assert_cmpint(rename(a2, l2), ==, 0);
	run_until(site, &now, at("08:30"));
	g_assert_false(g_file_test(waiting, G_FILE_TEST_EXISTS));
	f2 = box_files(site, NULL);
	g_assert_cmpuint(f2->len, ==, 2);
	{
		/* a new instruction file while no logon server is reachable: read once one is */
		const Rec r2[] = { r, { "A0100002", "08:00", "09:00", NULL, 0, 0, "SRV02" } };
		g_assert_cmpint(rename(a1, l1), ==, 0);
		put_ins(site, id, r2, 2, now);
		g_assert_cmpint(rename(l1, a1), ==, 0);
		g_assert_cmpint(rename(l2, a2), ==, 0);
		run_until(site, &now, at("09:40"));
		g_assert_cmpint(state_of(site, "WKS0001", "A0100002"), ==, -1);
		g_assert_cmpint(rename(a1, l1), ==, 0);
		g_assert_cmpint(rename(a2, l2), ==, 0);
		run_until(site, &now, at("11:00"));
		g_assert_cmpint(state_of(site, "WKS0001", "A0100002"), ==, SMS_PCM_EXECUTED);
	}
}

/* ---- user actions ------------------------------------------------------------------- */

static void
test_user_actions(void)
{
	g_autoptr(SmsSite) site = new_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autoptr(GString) list = g_string_new(NULL);
	g_autoptr(GString) json = g_string_new(NULL);
	SmsTime now = at("08:00");
	const Rec recs[] = {
		{ "A0100001", "08:00", NULL, NULL, 0, 0, NULL },
		{ "A0100002", "08:00", NULL, NULL, 0, 0, NULL },
	};
	g_assert_false(sms_pcm_check(site, "WKS0001", SMS_PCM_MODE_APP, now, &error));
	g_assert_error(error, SMS_PCM_ERROR, SMS_PCM_ERROR_NOT_LOGGED_ON);
	g_clear_error(&error);
	logon(site, "WKS0001", now);
	id = smsid_of(site, "WKS0001");
	put_ins(site, id, recs, G_N_ELEMENTS(recs), now);
	run_until(site, &now, at("08:00"));
	g_assert_true(sms_pcm_execute(site, "wks0001", "A0100001", now, &error));
	g_assert_no_error(error);
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_RUNNING);
	g_assert_false(sms_pcm_execute(site, "WKS0001", "A0100001", now, &error));
	g_assert_error(error, SMS_PCM_ERROR, SMS_PCM_ERROR_STATE);
	g_clear_error(&error);
	g_assert_false(sms_pcm_execute(site, "WKS0001", "A0109999", now, &error));
	g_assert_error(error, SMS_PCM_ERROR, SMS_PCM_ERROR_NO_SUCH_COMMAND);
	g_clear_error(&error);
	run_until(site, &now, at("08:10"));
	g_assert_cmpint(state_of(site, "WKS0001", "A0100001"), ==, SMS_PCM_EXECUTED);
	g_assert_true(sms_pcm_archive(site, "WKS0001", "A0100001", now, &error));
	g_assert_true(sms_pcm_archive(site, "WKS0001", "A0100002", now, &error));
	g_assert_false(sms_pcm_archive(site, "WKS0001", "A0100002", now, &error));
	g_assert_error(error, SMS_PCM_ERROR, SMS_PCM_ERROR_STATE);
	g_clear_error(&error);
	g_assert_true(sms_pcm_list(site, "WKS0001", FALSE, list, &error));
	g_assert_nonnull(strstr(list->str, "A0100001   Archived"));
	g_assert_nonnull(strstr(list->str, "=> Success"));
	g_assert_true(sms_pcm_list(site, "WKS0001", TRUE, json, &error));
	g_assert_nonnull(strstr(json->str, "\"job\":\"A0100002\",\"folder\":\"Archived\""));
	g_assert_true(g_str_has_suffix(json->str, "}]\n"));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/pcm/path/skewed-clock", test_path);
	g_test_add_func("/pcm/ins/reread-and-corrupt", test_reread_and_corrupt);
	g_test_add_func("/pcm/offer/platform-and-expiry", test_platform_and_expiry);
	g_test_add_func("/pcm/ins/first-check-no-rewrite", test_first_check_no_rewrite);
	g_test_add_func("/pcm/mandatory/order", test_mandatory_order);
	g_test_add_func("/pcm/mandatory/service", test_service);
	g_test_add_func("/pcm/run/server-choice", test_server_choice);
	g_test_add_func("/pcm/run/forced-disconnect", test_forced_disconnect);
	g_test_add_func("/pcm/run/outcomes", test_outcomes);
	g_test_add_func("/pcm/status/unreachable-logon-server", test_unreachable_logon_server);
	g_test_add_func("/pcm/user/execute-archive", test_user_actions);
	return g_test_run();
}
