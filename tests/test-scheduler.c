/* test-scheduler.c -- the Scheduler and Sender: activation on the poll grid of each
 * Service Response, frozen targets, every target kind, repeat, priority, cancel of an
 * active job, corrupt send requests moved aside. */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "job.h"
#include "sender.h"
#include "site.h"

static const char *site_rest =
	"[Server SRV01]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:2000\n"
	"[Domain CORP]\nSite=A01\nLogonServers=SRV01\n"
	"[Workstations NT]\nDomain=CORP\nNames=NT01-NT04\nPlatform=Windows NT (x86)\n"
	"[Workstations W95]\nDomain=CORP\nNames=W9501-W9503\nPlatform=Windows 95\n"
	"[MachineGroup PILOT]\nSite=A01\nMembers=NT01, W9501\n";

static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static SmsSite *
make_site(const char *response)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *text = g_strconcat("[Site A01]\nResponse=", response, "\n", site_rest,
	                                    NULL);
	g_autofree char *ini = sms_test_write(dir, "site.ini", text);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autofree char *pdf = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	g_autofree char *id = NULL;
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	g_assert_true(sms_clock_set_virtual(site, T("1996-02-01 08:00"), &error));
	g_assert_true(sms_package_import(site, pdf, src, NULL, NULL, &id, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(id, ==, "A0100001");
	return site;
}

static char *
create_job(SmsSite *site, const char *first, ...)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsJob) job = NULL;
	g_autoptr(GError) error = NULL;
	va_list ap;
	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *)) {
		g_ptr_array_add(keys, g_strdup(k));
		g_ptr_array_add(values, g_strdup(va_arg(ap, const char *)));
	}
	va_end(ap);
	g_assert_true(sms_job_from_props(site, keys, values, NULL, "test", &job, &error));
	g_assert_no_error(error);
	g_assert_true(sms_job_insert(site, job, &error));
	return g_strdup(job->id);
}

static int
count(SmsSite *site, const char *sql, const char *arg)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row;
	int n;
	g_assert_nonnull(st);
	if (arg)
		sms_db_bind_text(st, 1, arg);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	n = row ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

static SmsStatus
status_of(SmsSite *site, const char *id)
{
	g_autoptr(SmsJob) j = NULL;
	g_assert_true(sms_job_load(site, id, &j, NULL));
	return j->status;
}

static void
test_quantised_activation(void)
{
	static const struct { const char *mode; const char *poll; } cases[] = {
		{ "Very Fast", "1996-02-01 09:02" }, { "Fast", "1996-02-01 09:05" },
		{ "Medium", "1996-02-01 09:15" }, { "Slow", "1996-02-01 09:30" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsSite) site = make_site(cases[i].mode);
		g_autofree char *id = create_job(site, "Type", "Run Command On Workstation",
		                                 "Package", "A0100001", "Command", "Typical",
		                                 "Target", "Machine Path: A01|CORP|*",
		                                 "StartAfter", "1996-02-01 09:02", NULL);
		g_autoptr(GError) error = NULL;
		SmsTime poll = T(cases[i].poll);
		g_autoptr(SmsJob) j = NULL;
		/* the Scheduler next polls at the first grid time at or after Start After */
		g_assert_cmpint(sms_scheduler_next_wakeup(site, T("1996-02-01 08:00")), ==, poll);
		/* a pass before Start After leaves the job Pending */
		g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:01"), &error));
		g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_PENDING);
		g_assert_true(sms_scheduler_pass(site, poll, &error));
		g_assert_no_error(error);
		g_assert_true(sms_job_load(site, id, &j, NULL));
		g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);
		g_assert_cmpint(j->activated, ==, poll);
		g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", id), ==, 7);
	}
}

static void
test_targets_frozen_and_kinds(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *grp = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                  "A0100001", "Command", "Typical", "Target",
	                                  "Machine Group: PILOT", "StartAfter", "1996-02-01 09:00",
	                                  NULL);
	g_autofree char *qry = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                  "A0100001", "Command", "Typical", "Target",
	                                  "Query: Platform = 'Windows 95' OR Name LIKE 'NT0_' AND "
	                                  "NOT (Name = 'NT02')", "StartAfter", "1996-02-01 09:00",
	                                  NULL);
	g_autofree char *path = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                   "A0100001", "Command", "Typical", "Target",
	                                   "Machine Path: A01|CORP|W95*", "StartAfter",
	                                   "1996-02-01 09:00", NULL);
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", grp), ==, 2);
	/* 3 Windows 95 + NT01, NT03, NT04 */
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", qry), ==, 6);
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", path), ==, 3);
	/* members added after activation are not included (notes §1.6) */
	g_assert_true(sms_db_exec(site->db, "INSERT INTO machine_group_members(grp, machine) "
	                          "VALUES ('PILOT', 'NT03')", &error));
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:05"), &error));
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", grp), ==, 2);
}

static void
test_repeat_and_priority(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *low = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                  "A0100001", "Command", "Typical", "Target",
	                                  "Machine Path: *|*|*", "StartAfter", "1996-02-01 09:00",
	                                  "Priority", "Low", "Repeat", "Daily", "OfferAfter",
	                                  "1996-02-01 10:00", "MandatoryAfter", "1996-02-02 08:00",
	                                  NULL);
	g_autofree char *high = create_job(site, "Type", "Share Package On Server", "Package",
	                                   "A0100001", "StartAfter", "1996-02-01 09:00", "Priority",
	                                   "High", NULL);
	g_autoptr(SmsJob) next = NULL;
	sqlite3_stmt *st;
	gboolean row;
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	/* the High job was activated first */
	st = sms_db_stmt(site->db, "SELECT job FROM status_messages WHERE event = 'job.activated' "
	                 "ORDER BY id", NULL);
	g_assert_true(sms_db_step(site->db, st, &row, NULL) && row);
	g_assert_cmpstr(sms_db_col_ctext(st, 0), ==, high);
	g_assert_true(sms_db_step(site->db, st, &row, NULL) && row);
	g_assert_cmpstr(sms_db_col_ctext(st, 0), ==, low);
	sqlite3_reset(st);
	/* repeat: a new instance a day later with every time shifted (not KB Q141192) */
	g_assert_true(sms_job_load(site, "A0100003", &next, &error));
	g_assert_cmpstr(next->origin_job, ==, low);
	g_assert_cmpint(next->status, ==, SMS_STATUS_PENDING);
	g_assert_cmpint(next->start_after, ==, T("1996-02-02 09:00"));
	g_assert_cmpint(next->offer_after, ==, T("1996-02-02 10:00"));
	g_assert_cmpint(next->mandatory_after, ==, T("1996-02-03 08:00"));
}

static void
test_cancel_active(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *id = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                 "A0100001", "Command", "Typical", "Target",
	                                 "Machine Path: A01|*|*", "StartAfter", "1996-02-01 09:00",
	                                 NULL);
	g_autoptr(SmsJob) j = NULL;
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_true(sms_sender_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_true(sms_job_cancel(site, id, T("1996-02-01 09:10"), &error));
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);      /* not immediate (KB Q191338) */
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_PENDING);
	g_assert_cmpint(sms_scheduler_next_wakeup(site, T("1996-02-01 09:10")), ==,
	                T("1996-02-01 09:10"));
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:10"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_CANCELLED);
	/* a cancel instruction goes to the target site */
	g_assert_cmpint(count(site, "SELECT count(*) FROM sched_sends WHERE job = ? AND kind = 3",
	                      id), ==, 1);
	/* cancelling again is refused */
	g_assert_false(sms_job_cancel(site, id, T("1996-02-01 09:20"), &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
}

static void
test_corrupt_send_request(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autofree char *bad = g_build_filename(outbox, "ZZZZA01.SRQ", NULL);
	g_autofree char *moved = g_build_filename(outbox, "BAD", "ZZZZA01.SRQ", NULL);
	g_autofree char *id = create_job(site, "Type", "Share Package On Server", "Package",
	                                 "A0100001", "StartAfter", "1996-02-01 09:00", NULL);
	/* KB Q159201: a record of length 0 looped the real Scheduler forever */
	g_assert_true(g_file_set_contents(bad, "", 0, NULL));
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_true(sms_sender_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS));
	g_assert_cmpint(count(site, "SELECT count(*) FROM sched_sends WHERE job = ? AND state = 2",
	                      id), ==, 1);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'file.rejected'", NULL), ==, 1);
	/* the sender has nothing more to do */
	g_assert_cmpint(sms_sender_next_wakeup(site, T("1996-02-01 09:00")), ==, SMS_TIME_NEVER);
}

static void
test_missing_source_fails(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *id = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                 "A0100001", "Command", "Typical", "Target",
	                                 "Machine Path: *|*|*", "StartAfter", "1996-02-01 09:00",
	                                 NULL);
	g_assert_true(sms_db_exec(site->db, "UPDATE packages SET source = '/nonexistent/office'",
	                          &error));
	g_assert_true(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_FAILED);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE code = 330 AND "
	                      "message LIKE '%/nonexistent/office%'", NULL), ==, 1);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/scheduler/quantised-activation", test_quantised_activation);
	g_test_add_func("/scheduler/targets", test_targets_frozen_and_kinds);
	g_test_add_func("/scheduler/repeat-priority", test_repeat_and_priority);
	g_test_add_func("/scheduler/cancel-active", test_cancel_active);
	g_test_add_func("/sender/corrupt-request", test_corrupt_send_request);
	g_test_add_func("/scheduler/missing-source", test_missing_source_fails);
	return g_test_run();
}
