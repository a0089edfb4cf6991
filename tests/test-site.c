/* test-site.c -- site.ini language, site roots, database, clock, IDs, scenarios. */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "scenario.h"
#include "site.h"
#include "sitedef.h"

static const char *site_ini =
	"; a small site\n"
	"[Site A01]\n"
	"Name=Central Site\n"
	"Response=Fast\n"
	"PCMPollingInterval=30\n"
	"[Domain CORP]\n"
	"Site=A01\n"
	"LogonServers=SRV01, SRV02\n"
	"[Server SRV01]\n"
	"Site=A01\n"
	"Roles=site, logon, distribution\n"
	"Drives=C:2000, D:8000\n"
	"[Server SRV02]\n"
	"Site=A01\n"
	"Roles=logon\n"
	"Drives=C:500\n"
	"[Workstations W]\n"
	"Domain=CORP\n"
	"Names=WKS0001-WKS0012, LAPTOP\n"
	"Platform=Windows 95\n"
	"User=user%02d\n"
	"ClockOffset=-30\n"
	"[MachineGroup PILOT]\n"
	"Site=A01\n"
	"Members=WKS0001, WKS0002\n";

static void
test_site_ini_parse(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "site.ini", site_ini);
	g_autoptr(SmsWorldDef) w = NULL;
	g_autoptr(GError) error = NULL;
	SmsSiteDef *s;
	SmsWorkstationDef *k;

	g_assert_true(sms_site_ini_load(path, &w, &error));
	g_assert_no_error(error);
	s = sms_world_def_site(w, "a01");
	g_assert_nonnull(s);
	g_assert_cmpstr(s->name, ==, "Central Site");
	g_assert_cmpint(s->response, ==, SMS_RESPONSE_FAST);
	g_assert_cmpint(s->pcm_polling, ==, 30);
	g_assert_cmpstr(s->instruction_share, ==, "pcins.box");
	g_assert_cmpstr(s->service_account, ==, "SMSSVC");
	g_assert_cmpuint(w->workstations->len, ==, 13);
	k = w->workstations->pdata[0];
	g_assert_cmpstr(k->name, ==, "WKS0001");
	g_assert_cmpstr(k->user, ==, "user01");
	g_assert_cmpint(k->clock_offset, ==, -30);
	k = w->workstations->pdata[12];
	g_assert_cmpstr(k->name, ==, "LAPTOP");
	g_assert_cmpuint(((SmsGroupDef *)w->groups->pdata[0])->members->len, ==, 2);
	g_assert_cmpint(sms_world_def_server(w, "srv01")->roles, ==,
	                SMS_ROLE_SITE | SMS_ROLE_LOGON | SMS_ROLE_DISTRIBUTION);
	g_assert_cmpint(g_array_index(sms_world_def_server(w, "SRV01")->drives, SmsDriveDef, 1)
	                .capacity_mb, ==, 8000);
}

static void
expect_error(const char *text, const char *fragment)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "site.ini", text);
	g_autoptr(SmsWorldDef) w = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_false(sms_site_ini_load(path, &w, &error));
	g_assert_nonnull(error);
	if (strstr(error->message, fragment) == NULL)
		g_error("expected '%s' in: %s", fragment, error->message);
	g_assert_null(w);
}

static void
test_site_ini_errors(void)
{
	g_autofree char *bad_resp = g_strdup(site_ini);
	expect_error("[Site A01]\nResponse=Quick\n[Server S]\nSite=A01\nRoles=site\nDrives=C:1\n",
	             "site.ini:2: Response: 'Quick' is not one of");
	expect_error("[Site A01]\nColour=blue\n", "site.ini:2: unknown key 'Colour'");
	expect_error("[Site A01]\n[Bogus]\n", "site.ini:2: unknown section [Bogus]");
	expect_error("[Site A0]\n", "3-character");
	expect_error("[Site A01]\n[Server S]\nSite=A01\nRoles=site\nDrives=C2000\n",
	             "site.ini:5: Drives: expected LETTER:MEGABYTES");
	expect_error("[Site A01]\n[Server S]\nSite=A01\nRoles=site, printer\nDrives=C:1\n",
	             "unknown role 'printer'");
	expect_error("[Site A01]\n[Server S]\nSite=A01\nRoles=site\nDrives=C:1\n"
	             "[Domain D]\nSite=A01\nLogonServers=NOPE\n", "unknown logon server 'NOPE'");
	expect_error("[Site A01]\n[Server S]\nSite=A01\nRoles=site\nDrives=C:1\n"
	             "[Domain D]\nSite=A01\nLogonServers=S\n", "does not have Roles=logon");
	expect_error("[Site A01]\n[Server S]\nSite=A01\nRoles=site,logon\nDrives=C:1\n"
	             "[Domain D]\nSite=A01\nLogonServers=S\n[Workstations X]\nDomain=D\n"
	             "Names=W9-W1\n", "Names: range 'W9-W1'");
	expect_error("[Site A01]\n[Site A02]\n", "exactly one [Site CODE]");
	expect_error("[Site A01]\nPCMPollingInterval=0\n", "PCMPollingInterval");
	(void)bad_resp;
}

static void
test_expand_names(void)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GArray) nums = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_expand_names("PC8-PC11, srv", &names, &nums, &error));
	g_assert_cmpuint(names->len, ==, 5);
	g_assert_cmpstr(names->pdata[0], ==, "PC8");
	g_assert_cmpstr(names->pdata[3], ==, "PC11");
	g_assert_cmpstr(names->pdata[4], ==, "SRV");
	g_assert_cmpint(g_array_index(nums, int, 3), ==, 11);
	g_assert_cmpint(g_array_index(nums, int, 4), ==, -1);
}

static void
test_site_init_open(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "def/site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsSite) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *p = NULL;
	g_autofree char *id1 = NULL;
	g_autofree char *id2 = NULL;
	gboolean virt;
	SmsTime now, t;

	g_assert_true(sms_site_init(root, path, &site, &error));
	g_assert_no_error(error);
	/* layout */
	p = sms_layout_receive(site);
	g_assert_true(g_str_has_suffix(p, "servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE"));
	g_assert_true(g_file_test(p, G_FILE_TEST_IS_DIR));
	g_free(p);
	p = sms_layout_pcins(site, "SRV02");
	g_assert_true(g_str_has_suffix(p, "servers/SRV02/C/SMS/LOGON.SRV/PCINS.BOX"));
	g_assert_true(g_file_test(p, G_FILE_TEST_IS_DIR));
	g_free(p);
	p = sms_layout_pcmdom(site, "corp");
	g_assert_true(g_str_has_suffix(p, "MAINCFG.BOX/PCMDOM.BOX/CORP.000"));
	g_assert_true(g_file_test(p, G_FILE_TEST_IS_DIR));
	g_free(p);
	p = g_build_filename(root, "servers/SRV02/C/SMS/LOGON.SRV/SMSID/A0102000.UID", NULL);
	g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
	g_free(p);
	p = sms_layout_pkg_share(site, "SRV01", 'd');
	g_assert_true(g_str_has_suffix(p, "servers/SRV01/D/SMS_PKGD"));

	/* a second init refuses */
	g_assert_false(sms_site_init(root, path, &again, &error));
	g_assert_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_EXISTS);
	g_clear_error(&error);

	/* clock */
	g_assert_true(sms_clock_get(site, &virt, &now, &error));
	g_assert_false(virt);
	g_assert_true(sms_time_parse("1996-02-01 08:02", &t, NULL));
	g_assert_true(sms_clock_set_virtual(site, t, &error));
	g_assert_cmpint(sms_site_now(site), ==, t);
	g_assert_cmpint(sms_poll_ceil(site, t), ==, t + 3 * 60);   /* Fast: 5-minute grid */
	g_assert_cmpint(sms_poll_ceil(site, t + 180), ==, t + 180);

	/* IDs */
	g_assert_true(sms_site_next_id(site, "job", &id1, &error));
	g_assert_true(sms_site_next_id(site, "job", &id2, &error));
	g_assert_cmpstr(id1, ==, "A0100001");
	g_assert_cmpstr(id2, ==, "A0100002");

	/* reopen: the same state */
	sms_site_free(g_steal_pointer(&site));
	g_assert_true(sms_site_open(root, &site, &error));
	g_assert_no_error(error);
	g_assert_cmpint(sms_site_now(site), ==, t);
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT count(*) FROM machines", &error);
		gboolean row;
		g_assert_nonnull(st);
		g_assert_true(sms_db_step(site->db, st, &row, &error));
		g_assert_cmpint(sqlite3_column_int(st, 0), ==, 13);
		sqlite3_reset(st);
	}
}

static void
test_base36(void)
{
	char buf[8];
	guint64 v;
	g_assert_true(sms_base36(35, 2, buf));
	g_assert_cmpstr(buf, ==, "0Z");
	g_assert_true(sms_base36(36 * 36 - 1, 2, buf));
	g_assert_cmpstr(buf, ==, "ZZ");
	g_assert_false(sms_base36(36 * 36, 2, buf));
	g_assert_true(sms_base36_parse("Y00", &v));
	g_assert_cmpuint(v, ==, 34 * 36 * 36);
	g_assert_false(sms_base36_parse("a-b", &v));
}

static const SmsMigration test_steps[] = {
	{ 1, "CREATE TABLE t1(x);" },
	{ 2, "ALTER TABLE t1 ADD COLUMN y;" },
};

static void
test_db_migrate(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "x.db", NULL);
	g_autoptr(sqlite3) db = NULL;
	g_autoptr(sqlite3) db2 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_false(sms_db_open(path, FALSE, &db, &error));
	g_assert_error(error, SMS_DB_ERROR, SMS_DB_ERROR_OPEN);
	g_clear_error(&error);
	g_assert_true(sms_db_open(path, TRUE, &db, &error));
	g_assert_true(sms_db_migrate(db, "test", test_steps, 1, &error));
	g_assert_no_error(error);
	/* a second connection picks up where the first stopped */
	g_assert_true(sms_db_open(path, FALSE, &db2, &error));
	g_assert_true(sms_db_migrate(db2, "test", test_steps, 2, &error));
	g_assert_no_error(error);
	g_assert_true(sms_db_exec(db2, "INSERT INTO t1(x, y) VALUES (1, 2)", &error));
	/* a failing step rolls back and reports */
	{
		static const SmsMigration bad[] = { { 3, "CREATE TABLE t1(z);" } };
		g_autoptr(sqlite3) db3 = NULL;
		g_assert_true(sms_db_open(path, FALSE, &db3, &error));
		g_assert_false(sms_db_migrate(db3, "test", bad, 1, &error));
		g_assert_nonnull(strstr(error->message, "migrating test to version 3"));
	}
}

static void
test_txn_rollback(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "x.db", NULL);
	g_autoptr(sqlite3) db = NULL;
	g_autoptr(GError) error = NULL;
	char *v = NULL;

	g_assert_true(sms_db_open(path, TRUE, &db, &error));
	{
		g_auto(SmsTxn) txn = SMS_TXN_INIT(db);
		g_assert_true(sms_txn_begin(&txn, &error));
		g_assert_true(sms_db_meta_set(db, "k", "v", &error));
		/* leaves scope uncommitted */
	}
	g_assert_true(sms_db_meta_get(db, "k", &v, &error));
	g_assert_null(v);
	{
		g_auto(SmsTxn) txn = SMS_TXN_INIT(db);
		g_assert_true(sms_txn_begin(&txn, &error));
		g_assert_true(sms_db_meta_set(db, "k", "v", &error));
		g_assert_true(sms_txn_commit(&txn, &error));
	}
	g_assert_true(sms_db_meta_get(db, "k", &v, &error));
	g_assert_cmpstr(v, ==, "v");
	g_free(v);
}

static void
test_emit_logs(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "root", NULL);
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *log = NULL;
	g_autofree char *logpath = NULL;
	SmsTime t;

	g_assert_true(sms_site_init(root, path, &site, &error));
	g_assert_true(sms_time_parse("1996-02-01 09:00", &t, NULL));
	g_assert_true(sms_emit(site, &(SmsEvent){ .time = t, .component = "despooler",
	                                          .event = "distribute.locked", .job = "A0100001",
	                                          .detail = "1" }, &error,
	                       "Package %s locked on %s", "A0100001", "SRV01"));
	logpath = g_build_filename(root, "logs", "despool.log", NULL);
	g_assert_true(g_file_get_contents(logpath, &log, NULL, NULL));
	g_assert_cmpstr(log, ==, "Package A0100001 locked on SRV01  $$<SMS_DESPOOLER>"
	                         "<02-01-1996 09:00:00>\n");
}

static const char *scenario_text =
	"[Scenario]\nStart=1996-02-01 08:00\n"
	"[Site A01]\nResponse=Fast\n"
	"[Server SRV01]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:2000\n"
	"[Domain CORP]\nSite=A01\nLogonServers=SRV01\n"
	"[Workstations W]\nDomain=CORP\nNames=WKS01-WKS03\n"
	"[Package OFFICE]\nSite=A01\nPDF=x.pdf\nSource=src\n"
	"[Job J1]\nSite=A01\nType=Run Command On Workstation\nPackage=OFFICE\n"
	"[Lock L1]\nServer=SRV01\nPackage=OFFICE\nFile=SETUP.EXE\nUser=alice\n"
	"From=1996-02-01 07:00\nUntil=never\n"
	"[Outcome O1]\nJob=J1\nWorkstations=WKS02\nExitCode=1\n"
	"[Event E2]\nAt=1996-02-01 13:00\nAction=Continue Despooler A01\n"
	"[Event E1]\nAt=1996-02-01 12:00\nAction=Pause Despooler A01\n";

static const char *scenario_pdf =
	"[PDF]\nVersion=1.0\n[Package Definition]\nProduct=Office\nVersion=1.0\n"
	"SetupVariations=Typical\n[Typical Setup]\nCommandLine=setup.exe\n"
	"CommandName=Typical\nSupportedPlatforms=Windows 3.1\n";

static void
test_scenario_parse(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	/* the scenario is checked whole: a real PDF, a source holding the locked file */
	g_autofree char *pdf = sms_test_write(dir, "x.pdf", scenario_pdf);
	g_autofree char *exe = sms_test_write(dir, "src/SETUP.EXE", "MZ");
	g_autofree char *path = sms_test_write(dir, "s.ini", scenario_text);
	g_autoptr(SmsScenario) s = NULL;
	g_autoptr(GError) error = NULL;
	SmsScnLock *l;

	(void)sms_scenario_load(path, &s, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(s->packages->len, ==, 1);
	g_assert_cmpuint(s->jobs->len, ==, 1);
	g_assert_cmpuint(((SmsScnJob *)s->jobs->pdata[0])->keys->len, ==, 2);
	l = s->locks->pdata[0];
	g_assert_cmpint(l->until, ==, SMS_TIME_NEVER);
	g_assert_cmpstr(((SmsScnEvent *)s->events->pdata[0])->name, ==, "E1");  /* sorted */
	g_assert_true(g_str_has_suffix(((SmsScnPackage *)s->packages->pdata[0])->source, "/src"));
}

static void
scenario_error(const char *replace, const char *with, const char *fragment)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *pdf = sms_test_write(dir, "x.pdf", scenario_pdf);
	g_autofree char *exe = sms_test_write(dir, "src/SETUP.EXE", "MZ");
	g_autoptr(GString) text = g_string_new(scenario_text);
	g_autofree char *path = NULL;
	g_autoptr(SmsScenario) s = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_cmpint(g_string_replace(text, replace, with, 1), ==, 1);
	path = sms_test_write(dir, "s.ini", text->str);
	g_assert_false(sms_scenario_load(path, &s, &error));
	if (strstr(error->message, fragment) == NULL)
		g_error("expected '%s' in: %s", fragment, error->message);
}

static void
test_scenario_errors(void)
{
	scenario_error("Start=1996-02-01 08:00", "Start=yesterday", "s.ini:2: Start:");
	scenario_error("[Event E1]", "[Happening E1]", "unknown section [Happening E1]");
	scenario_error("Action=Pause Despooler A01", "Action=Reboot SRV01", "is not one of");
	scenario_error("Action=Pause Despooler A01", "Action=Pause Despooler B01",
	               "unknown site 'B01'");
	scenario_error("Job=J1", "Job=J9", "no [Job J9]");
	scenario_error("Server=SRV01\nPackage", "Server=SRV09\nPackage", "unknown server 'SRV09'");
	scenario_error("File=SETUP.EXE", "File=../../etc/passwd", "File: expected a path inside");
	scenario_error("Until=never", "Until=1996-01-01 00:00", "Until: must be later than From");
	scenario_error("PDF=x.pdf", "PDF=missing.pdf", "no such file");
	scenario_error("Workstations=WKS02", "Workstations=WKS99", "unknown workstation 'WKS99'");
	scenario_error("Package=OFFICE\n[Lock", "Package=WORD\n[Lock", "no [Package WORD]");
	scenario_error("[Site A01]\n", "[Site A01]\nParent=ZZZ\n", "parent site 'ZZZ'");
	scenario_error("File=SETUP.EXE", "File=SETUP.INF", "s.ini:23: lock L1: File=SETUP.INF is not "
	               "a file of package OFFICE");
	scenario_error("Names=WKS01-WKS03\n", "Names=WKS01-WKS03\nPlatform=Windows 98\n",
	               "Platform: 'Windows 98' is not a platform SMS 1.x knew");
	scenario_error("Response=Fast\n", "Response=Fast\nResponse=Slow\n", "Response given twice");
	scenario_error("Package=OFFICE\n[Lock", "Package=OFFICE\nTarget=Machine Path: A01|CORP|WKS09"
	               "\n[Lock", "Target: no workstation 'WKS09' in the scenario (known: WKS01, "
	               "WKS02, WKS03)");
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/site/ini-parse", test_site_ini_parse);
	g_test_add_func("/site/ini-errors", test_site_ini_errors);
	g_test_add_func("/site/expand-names", test_expand_names);
	g_test_add_func("/site/init-open", test_site_init_open);
	g_test_add_func("/site/base36", test_base36);
	g_test_add_func("/db/migrate", test_db_migrate);
	g_test_add_func("/db/txn-rollback", test_txn_rollback);
	g_test_add_func("/site/emit-logs", test_emit_logs);
	g_test_add_func("/scenario/parse", test_scenario_parse);
	g_test_add_func("/scenario/errors", test_scenario_errors);
	return g_test_run();
}
