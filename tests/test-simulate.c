/* test-simulate.c -- jobsvc simulate as a library call: what it does to the process. */
#include "testlib.h"
#include "atomic.h"
#include "simulate.h"

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

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	/* durability as a daemon has it (sms_test_init turns it off for speed) */
	g_setenv("SMSEMU_FSYNC", "1", TRUE);
	g_test_add_func("/simulate/no-sync", test_simulate_no_sync);
	return g_test_run();
}
