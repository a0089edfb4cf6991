/* test-daemon.c -- the daemon loop on a virtual clock: a pass that fails is retried on a
 * backoff (1, 2, 4... at most 60 minutes of site time), not at every tick, even though
 * its component says work is waiting; one success ends the backoff. */
#include "testlib.h"
#include "daemon.h"
#include "smstime.h"

static const char *site_ini = "[Site A01]\nResponse=Fast\n[Server SRV01]\nSite=A01\n"
                              "Roles=site, logon\nDrives=C:100\n[Domain CORP]\nSite=A01\n"
                              "LogonServers=SRV01\n[Workstations W]\nDomain=CORP\nNames=WKS1\n";

static guint calls;
static gboolean failing;

static gboolean
pass(SmsSite *site, SmsTime now, GError **error)
{
	(void)site; (void)now;
	calls++;
	if (failing)
		return sms_throw(error, SMS_ERROR_IO, "writing X: disk full");
	return TRUE;
}

static SmsTime
wake(SmsSite *site, SmsTime now)
{
	(void)site;
	return failing ? now : SMS_TIME_NEVER;   /* "work is waiting" while it fails */
}

/* Ticks (many, as a real daemon would between clock moves) at site time t. */
static guint
ticks_at(SmsSite *site, SmsDaemonLoop *r, SmsTime t)
{
	g_autoptr(GError) error = NULL;
	guint before = calls;
	g_assert_true(sms_clock_set_virtual(site, t, &error));
	g_assert_no_error(error);
	for (int i = 0; i < 50; i++)
		(void)sms_daemon_loop_tick(r);
	return calls - before;
}

static void
test_backoff(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsDaemonLoop) r = NULL;
	g_autofree char *log = NULL;
	g_autofree char *logpath = NULL;
	SmsDaemon d = { .component = "scheduler", .passes = { pass }, .wakes = { wake } };
	SmsTime t0;
	gsize len;

	g_assert_true(sms_time_parse("1996-02-01 08:00:00", &t0, &error));
	g_assert_true(sms_site_init(root, path, &site, &error));
	g_assert_no_error(error);
	r = sms_daemon_loop_new(site, &d);
	failing = TRUE;
	calls = 0;
	g_assert_cmpuint(ticks_at(site, r, t0), ==, 1);          /* fails: retry at 08:01 */
	g_assert_cmpuint(sms_daemon_loop_failures(r), ==, 1);
	g_assert_cmpuint(ticks_at(site, r, t0 + 59), ==, 0);
	g_assert_cmpuint(ticks_at(site, r, t0 + 60), ==, 1);     /* 2nd failure: wait 2 min */
	g_assert_cmpuint(ticks_at(site, r, t0 + 179), ==, 0);
	g_assert_cmpuint(ticks_at(site, r, t0 + 180), ==, 1);    /* 3rd: wait 4 min */
	g_assert_cmpuint(ticks_at(site, r, t0 + 419), ==, 0);
	g_assert_cmpuint(ticks_at(site, r, t0 + 420), ==, 1);
	g_assert_cmpuint(sms_daemon_loop_failures(r), ==, 4);
	/* the wait is capped */
	g_assert_cmpint(sms_daemon_backoff(1), ==, SMS_MINUTE);
	g_assert_cmpint(sms_daemon_backoff(7), ==, 60 * SMS_MINUTE);
	g_assert_cmpint(sms_daemon_backoff(1000), ==, 60 * SMS_MINUTE);
	/* a clock set back before the failure retries at once (5th failure: wait 16 min) */
	g_assert_cmpuint(ticks_at(site, r, t0 - 3600), ==, 1);
	/* the fault is gone: the next retry succeeds and the loop polls normally again */
	failing = FALSE;
	g_assert_cmpuint(ticks_at(site, r, t0 - 3600 + 16 * 60 - 1), ==, 0);
	g_assert_cmpuint(ticks_at(site, r, t0 - 3600 + 16 * 60), ==, 1);
	g_assert_cmpuint(sms_daemon_loop_failures(r), ==, 0);
	logpath = g_build_filename(root, "logs", "sched.log", NULL);
	g_assert_true(g_file_get_contents(logpath, &log, &len, NULL));
	g_assert_nonnull(strstr(log, "pass failed (1 in a row), retrying at 1996-02-01 08:01:00: "
	                        "writing X: disk full"));
	g_assert_nonnull(strstr(log, "pass succeeded after 5 failed pass(es)"));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/daemon/backoff", test_backoff);
	return g_test_run();
}
