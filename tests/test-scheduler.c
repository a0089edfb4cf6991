/* test-scheduler.c -- the Scheduler and Sender: activation on the poll grid of each
 * Service Response, frozen targets, every target kind, limits and subsites, repeat of
 * every kind, priority, the status roll-up (notes §1.5), cancel of an active job and
 * before sending, compression reuse and registry settings, corrupt send requests moved
 * aside, a job that cannot activate failing alone, a crash before the commit. */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "job.h"
#include "reg.h"
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

static void
run_scheduler(SmsSite *site, const char *when)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_scheduler_pass(site, T(when), &error));
	g_assert_no_error(error);
}

static void
sql(SmsSite *site, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_db_exec(site->db, text, &error));
	g_assert_no_error(error);
}

/* "Active Retrying ..." : the job.status events of a job in order. */
static char *
status_events(SmsSite *site, const char *job)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT detail FROM status_messages WHERE event = "
	                               "'job.status' AND job = ? ORDER BY id", NULL);
	GString *out = g_string_new(NULL);
	gboolean row;
	sms_db_bind_text(st, 1, job);
	while (sms_db_step(site->db, st, &row, NULL) && row)
		g_string_append_printf(out, "%s%s", out->len ? " " : "", sms_db_col_ctext(st, 0));
	return g_string_free(out, FALSE);
}

/* Run Command: Complete only when every targeted computer completed; Retrying is sticky
 * while other computers are still None (KB Q150026). */
static void
test_rollup_run_command(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autofree char *id = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                 "A0100001", "Command", "Typical", "Target",
	                                 "Machine Group: PILOT", "StartAfter", "1996-02-01 09:00",
	                                 NULL);
	g_autofree char *events = NULL;
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(GError) error = NULL;
	run_scheduler(site, "1996-02-01 09:00");
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_machine_detail WHERE job = ? AND "
	                      "status = 0", id), ==, 2);
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->sending_status, ==, SMS_STATUS_PENDING);
	g_assert_cmpint(j->working_status, ==, SMS_STATUS_PENDING);
	g_clear_pointer(&j, sms_job_free);
	g_assert_true(sms_sender_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	/* the site has it, the server too: Active, computers still None */
	sql(site, "UPDATE job_site_detail SET status = 4");
	sql(site, "INSERT INTO job_server_detail(job, site, server, status) SELECT id, 'A01', "
	          "'SRV01', 4 FROM jobs");
	g_assert_cmpint(sms_scheduler_next_wakeup(site, T("1996-02-01 09:01")), ==,
	                T("1996-02-01 09:05"));
	run_scheduler(site, "1996-02-01 09:05");
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);
	g_assert_cmpint(j->sending_status, ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(j->working_status, ==, SMS_STATUS_ACTIVE);
	g_clear_pointer(&j, sms_job_free);
	/* nothing changed: nothing to do */
	g_assert_cmpint(sms_scheduler_next_wakeup(site, T("1996-02-01 09:05")), ==, SMS_TIME_NEVER);
	sql(site, "UPDATE job_machine_detail SET status = 6 WHERE machine = 'NT01'");
	run_scheduler(site, "1996-02-01 09:10");
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_RETRYING);
	sql(site, "UPDATE job_machine_detail SET status = 4 WHERE machine = 'NT01'");
	run_scheduler(site, "1996-02-01 09:15");
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_RETRYING);
	sql(site, "UPDATE job_machine_detail SET status = 4 WHERE machine = 'W9501'");
	run_scheduler(site, "1996-02-01 09:20");
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(j->working_status, ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(j->finished, ==, T("1996-02-01 09:20"));
	events = status_events(site, id);
	g_assert_cmpstr(events, ==, "Active Retrying Complete");
	/* a finished job is not rolled up again */
	sql(site, "UPDATE job_machine_detail SET status = 6 WHERE machine = 'W9501'");
	run_scheduler(site, "1996-02-01 09:25");
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_COMPLETE);
}

/* Share: Complete when every target site has it on its servers; Failed when a site
 * failed and the others finished; a send being retried shows as Retrying. */
static void
test_rollup_share(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autofree char *ok = create_job(site, "Type", "Share Package On Server", "Package",
	                                 "A0100001", "StartAfter", "1996-02-01 09:00", NULL);
	g_autofree char *bad = create_job(site, "Type", "Share Package On Server", "Package",
	                                  "A0100001", "StartAfter", "1996-02-01 09:00", NULL);
	g_autofree char *upd = NULL;
	g_autoptr(SmsJob) j = NULL;
	run_scheduler(site, "1996-02-01 09:00");
	/* the Sender failed once for the first: Retrying */
	upd = g_strdup_printf("UPDATE sched_sends SET state = 4 WHERE job = '%s'; INSERT OR "
	                      "IGNORE INTO sched_dirty(job) VALUES ('%s')", ok, ok);
	sql(site, upd);
	run_scheduler(site, "1996-02-01 09:05");
	g_assert_true(sms_job_load(site, ok, &j, NULL));
	g_assert_cmpint(j->sending_status, ==, SMS_STATUS_RETRYING);
	g_assert_cmpint(j->status, ==, SMS_STATUS_RETRYING);
	g_clear_pointer(&j, sms_job_free);
	g_free(upd);
	upd = g_strdup_printf("UPDATE sched_sends SET state = 2 WHERE job = '%s'; UPDATE "
	                      "job_site_detail SET status = 4 WHERE job = '%s'; UPDATE "
	                      "job_site_detail SET status = 5 WHERE job = '%s'", ok, ok, bad);
	sql(site, upd);
	run_scheduler(site, "1996-02-01 09:10");
	g_assert_cmpint(status_of(site, ok), ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(status_of(site, bad), ==, SMS_STATUS_FAILED);
}

/* Cancel before the Sender picked the request up: the request is withdrawn (sending
 * Cancelled), a cancel instruction goes out, cancel status Complete once delivered. */
static void
test_cancel_before_send(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autoptr(GError) error = NULL;
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autofree char *id = create_job(site, "Type", "Run Command On Workstation", "Package",
	                                 "A0100001", "Command", "Typical", "Target",
	                                 "Machine Path: A01|*|*", "StartAfter", "1996-02-01 09:00",
	                                 NULL);
	g_autoptr(SmsJob) j = NULL;
	run_scheduler(site, "1996-02-01 09:00");
	g_assert_true(sms_job_cancel(site, id, T("1996-02-01 09:01"), &error));
	g_assert_no_error(error);
	run_scheduler(site, "1996-02-01 09:05");
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_CANCELLED);
	g_assert_cmpint(j->sending_status, ==, SMS_STATUS_CANCELLED);
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_ACTIVE);
	g_clear_pointer(&j, sms_job_free);
	g_assert_cmpint(count(site, "SELECT count(*) FROM sched_sends WHERE job = ? AND kind = 1 "
	                      "AND state = 5", id), ==, 1);
	/* only the cancel request is left */
	g_assert_true(sms_sender_pass(site, T("1996-02-01 09:05"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete'", NULL), ==, 1);
	run_scheduler(site, "1996-02-01 09:10");
	g_assert_true(sms_job_load(site, id, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_CANCELLED);
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_COMPLETE);
	(void)outbox;
}

static void
set_sched_registry(SmsSite *site, const char *name, guint32 value)
{
	g_autofree char *path = sms_layout_registry(site, sms_site_server_name(site));
	g_autoptr(SmsReg) reg = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_reg_load_optional(path, &reg, &error));
	sms_reg_set_dword(reg, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\"
	                  "SMS_Scheduler", name, value);
	g_assert_true(sms_reg_save(reg, path, &error));
	g_assert_no_error(error);
}

static goffset
file_size(const char *path)
{
	GStatBuf sb;
	g_assert_cmpint(g_stat(path, &sb), ==, 0);
	return sb.st_size;
}

/* "Only if not previously sent" reuses TOSEND/<pkg>.S00, "Even if previously sent"
 * compresses again with the registry's Compression settings. */
static void
test_compression_reuse_and_registry(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autofree char *tosend = sms_layout_tosend(site);
	g_autofree char *s00 = g_build_filename(tosend, "A0100001.S00", NULL);
	goffset compressed, stored;
	g_free(create_job(site, "Type", "Share Package On Server", "Package", "A0100001", "StartAfter",
	           "1996-02-01 09:00", NULL));
	run_scheduler(site, "1996-02-01 09:00");
	compressed = file_size(s00);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'package.compressed'", NULL), ==, 1);
	set_sched_registry(site, "Use Compression", 0);
	g_free(create_job(site, "Type", "Share Package On Server", "Package", "A0100001", "StartAfter",
	           "1996-02-01 10:00", "Send", "Only if not previously sent", NULL));
	run_scheduler(site, "1996-02-01 10:00");
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.reused'", NULL), ==, 1);
	g_assert_cmpint(file_size(s00), ==, compressed);
	g_free(create_job(site, "Type", "Share Package On Server", "Package", "A0100001", "StartAfter",
	           "1996-02-01 11:00", "Send", "Even if previously sent", NULL));
	run_scheduler(site, "1996-02-01 11:00");
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'package.compressed'", NULL), ==, 2);
	stored = file_size(s00);
	g_assert_cmpint(stored, >, compressed);   /* Use Compression = 0: stored */
	set_sched_registry(site, "Use Compression", 1);
	set_sched_registry(site, "Compression Level", 9);
	g_free(create_job(site, "Type", "Share Package On Server", "Package", "A0100001", "StartAfter",
	           "1996-02-01 12:00", "Send", "Even if previously sent", NULL));
	run_scheduler(site, "1996-02-01 12:00");
	g_assert_cmpint(file_size(s00), <, stored);
}

/* Limit to site without subsites leaves the child's computers out; with subsites they
 * are in, and a target site without an address fails that job alone. */
static void
test_limits_and_unknown_address(void)
{
	g_autoptr(SmsSite) site = make_site("Fast");
	g_autofree char *own = NULL, *sub = NULL, *after = NULL;
	sql(site, "INSERT INTO sites(code, name, parent) VALUES ('B01', 'Branch', 'A01');"
	          "INSERT INTO machines(name, site, domain, platform) VALUES "
	          "('BR001', 'B01', 'BRANCH', 'Windows 95')");
	sub = create_job(site, "Type", "Run Command On Workstation", "Package", "A0100001",
	                 "Command", "Typical", "Target", "Machine Path: *|*|*", "LimitToSite",
	                 "A01", "IncludeSubsites", "yes", "StartAfter", "1996-02-01 09:00",
	                 "Priority", "High", NULL);
	own = create_job(site, "Type", "Run Command On Workstation", "Package", "A0100001",
	                 "Command", "Typical", "Target", "Machine Path: *|*|*", "LimitToSite",
	                 "A01", "StartAfter", "1996-02-01 09:00", NULL);
	after = create_job(site, "Type", "Run Command On Workstation", "Package", "A0100001",
	                   "Command", "Typical", "Target", "Machine Path: B01|*|*",
	                   "StartAfter", "1996-02-01 09:00", "Priority", "Low", NULL);
	run_scheduler(site, "1996-02-01 09:00");
	/* the first failed (no address for B01), the loop went on */
	g_assert_cmpint(status_of(site, sub), ==, SMS_STATUS_FAILED);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'job.failed' AND job = ? AND message LIKE '%[Address B01]%'", sub),
	                ==, 1);
	/* nothing of the failed activation is left behind */
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", sub), ==, 0);
	g_assert_cmpint(status_of(site, own), ==, SMS_STATUS_ACTIVE);
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ?", own), ==, 7);
	g_assert_cmpint(count(site, "SELECT count(*) FROM job_targets WHERE job = ? AND site = "
	                      "'B01'", own), ==, 0);
	g_assert_cmpint(status_of(site, after), ==, SMS_STATUS_FAILED);
}

static void
test_repeat_kinds(void)
{
	static const struct { const char *repeat, *next; } cases[] = {
		{ "Weekly", "1996-02-08 09:00" }, { "Every Other Week", "1996-02-15 09:00" },
		{ "Monthly", "1996-03-01 09:00" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsSite) site = make_site("Fast");
		g_autofree char *id = create_job(site, "Type", "Share Package On Server", "Package",
		                                 "A0100001", "StartAfter", "1996-02-01 09:00",
		                                 "Repeat", cases[i].repeat, NULL);
		g_autoptr(SmsJob) next = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *next_id = NULL;
		sqlite3_stmt *st;
		gboolean row;
		run_scheduler(site, "1996-02-01 09:00");
		st = sms_db_stmt(site->db, "SELECT id FROM jobs WHERE origin_job = ?", NULL);
		sms_db_bind_text(st, 1, id);
		g_assert_true(sms_db_step(site->db, st, &row, NULL) && row);
		next_id = sms_db_col_text(st, 0);
		sqlite3_reset(st);
		g_assert_true(sms_job_load(site, next_id, &next, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(next->origin_job, ==, id);
		g_assert_cmpint(next->start_after, ==, T(cases[i].next));
		/* the instance is activated at its own time and begets the next one */
		g_assert_cmpint(sms_scheduler_next_wakeup(site, T("1996-02-01 09:05")), ==,
		                T(cases[i].next));
		g_assert_true(sms_scheduler_pass(site, T(cases[i].next), &error));
		g_assert_cmpint(next->instance + 1, ==,
		                count(site, "SELECT max(instance) FROM jobs", NULL));
	}
}

/* A crash before the commit: the re-run converges (same instruction, one request). */
static void
test_crash_before_commit(void)
{
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *outbox = NULL, *tosend = NULL, *id = NULL;
	g_autoptr(GDir) d = NULL;
	const char *n;
	int srq = 0;
	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_setenv("SMSEMU_FAULT", "scheduler-before-commit", TRUE);
	site = make_site("Fast");
	outbox = sms_layout_outbox(site);
	tosend = sms_layout_tosend(site);
	id = create_job(site, "Type", "Share Package On Server", "Package", "A0100001",
	                "StartAfter", "1996-02-01 09:00", NULL);
	g_assert_false(sms_scheduler_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_error(error, SMS_ERROR, SMS_ERROR_FAULT);
	g_clear_error(&error);
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_PENDING);
	run_scheduler(site, "1996-02-01 09:00");
	g_assert_cmpint(status_of(site, id), ==, SMS_STATUS_ACTIVE);
	d = g_dir_open(outbox, 0, NULL);
	while ((n = g_dir_read_name(d)) != NULL)
		srq += g_str_has_suffix(n, ".SRQ");
	g_assert_cmpint(srq, ==, 1);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'job.activated'", NULL), ==, 1);
	g_assert_true(sms_sender_pass(site, T("1996-02-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete'", NULL), ==, 1);
	(void)tosend;
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
	g_test_add_func("/scheduler/rollup-run-command", test_rollup_run_command);
	g_test_add_func("/scheduler/rollup-share", test_rollup_share);
	g_test_add_func("/scheduler/cancel-before-send", test_cancel_before_send);
	g_test_add_func("/scheduler/compression", test_compression_reuse_and_registry);
	g_test_add_func("/scheduler/limits-unknown-address", test_limits_and_unknown_address);
	g_test_add_func("/scheduler/repeat-kinds", test_repeat_kinds);
	g_test_add_func("/scheduler/crash-before-commit", test_crash_before_commit);
	return g_test_run();
}
