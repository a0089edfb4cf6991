/* test-simulate.c -- jobsvc simulate as a library call: what it does to the process. */
#include "testlib.h"
#include "atomic.h"
#include "db.h"
#include "simulate.h"
#include "site.h"

/* A simulation never fsyncs or syncfs's, even where durability is on (daemons), and
 * durability is on again after it. */
static void
test_simulate_no_sync(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *scn = sms_test_srcpath("samples/scenarios/share-package.ini");
	g_autofree char *probe = g_build_filename(dir, "probe", NULL);
	g_autofree char *sites = g_build_filename(dir, "sites", NULL);
	g_autoptr(GError) error = NULL;
	SmsSimOptions opt = { .scenario_path = scn, .site_dir = sites, .until = SMS_TIME_NONE };
	SmsSimResult res = { 0 };
	guint64 before;

	g_assert_true(sms_sync_enabled());
	before = sms_sync_calls();
	g_assert_true(sms_atomic_write(probe, "x", 1, 0644, SMS_SYNC_FILE, &error));
	g_assert_no_error(error);
	/* the counter counts: a durable write syncs the file and its directory */
	g_assert_cmpuint(sms_sync_calls(), >=, before + 2);

	before = sms_sync_calls();
	g_assert_true(sms_simulate(&opt, &res, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res.events, >, 0);
	g_assert_cmpuint(sms_sync_calls(), ==, before);
	sms_sim_result_clear(&res);

	g_assert_true(sms_sync_enabled());
	before = sms_sync_calls();
	g_assert_true(sms_atomic_write(probe, "y", 1, 0644, SMS_SYNC_FILE, &error));
	g_assert_cmpuint(sms_sync_calls(), >=, before + 2);
}

/* The simulator holds its site databases exclusively while it runs; afterwards they are
 * closed, and the setting is back, so other programs open them as usual. */
static void
test_simulate_db_released(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *scn = sms_test_srcpath("samples/scenarios/share-package.ini");
	g_autofree char *sites = g_build_filename(dir, "sites", NULL);
	g_autofree char *root = g_build_filename(sites, "A01", NULL);
	g_autoptr(GError) error = NULL;
	SmsSimOptions opt = { .scenario_path = scn, .site_dir = sites, .until = SMS_TIME_NONE };
	SmsSimResult res = { 0 };
	SmsSite *site = NULL;
	sqlite3_stmt *st;
	gboolean row = FALSE;

	g_assert_true(sms_simulate(&opt, &res, &error));
	g_assert_no_error(error);
	sms_sim_result_clear(&res);
	g_assert_false(sms_db_set_exclusive(FALSE));
	g_assert_true(sms_site_open(root, &site, &error));
	g_assert_no_error(error);
	g_assert_true(sms_db_exec(site->db, "BEGIN IMMEDIATE; COMMIT;", &error));
	st = sms_db_stmt(site->db, "SELECT count(*) FROM jobs", &error);
	g_assert_nonnull(st);
	g_assert_true(sms_db_step(site->db, st, &row, &error));
	g_assert_true(row);
	g_assert_cmpint(sqlite3_column_int(st, 0), >, 0);
	sqlite3_reset(st);
	sms_site_free(site);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	/* durability as a daemon has it (sms_test_init turns it off for speed) */
	g_setenv("SMSEMU_FSYNC", "1", TRUE);
	g_test_add_func("/simulate/no-sync", test_simulate_no_sync);
	g_test_add_func("/simulate/db-released", test_simulate_db_released);
	return g_test_run();
}
