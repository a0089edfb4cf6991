/* test-despooler.c -- the Despooler's locked-file timeline (KB Q140403): forced delivery
 * exactly to the minute for every Service Response and several (y, z), the 100-retry
 * failure without it, a lock released before the force, the target site's registry only,
 * Remove jobs never forced, permissions restored exactly, legacy vs staged copy, the
 * retry counter across restarts (and Compat=Q140374), pause and continue. */
#include "test-despooler-fixture.h"

static const struct {
	const char *name;
	int x;                    /* retry interval, minutes */
} modes[] = { { "Very Fast", 24 }, { "Fast", 120 }, { "Medium", 360 }, { "Slow", 720 } };

/* Run Command job A0100001 to WKS01 (registered), package v1 on DIST1, alice holding
 * SETUP.EXE since 08:00 and never letting go; instruction at 09:00 = t0. */
static void
start_locked_job(Fx *f, SmsTime until_lock)
{
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1 setup", "DATA/A.DAT=v1 data", NULL);
	g_autoptr(SmsInstruction) ins = fx_instruction(SMS_INSTR_INSTALL, 1, SMS_JOB_RUN_COMMAND,
	                                               "A0100001", "A01");
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_db_exec(f->site->db, "UPDATE machines SET smsid = 'A0101000' WHERE "
	                          "name = 'WKS01'", &error));
	sms_instruction_add_target(ins, "WKS01", "CORP", "A0101000");
	fx_lock(f, "A0100001", "SETUP.EXE", "alice", T("1996-02-01 08:00"), until_lock);
	fx_deliver(f, ins, src);
	f->now = T("1996-02-01 09:00");
}

static void
test_forced_timeline(void)
{
	static const struct {
		int y, z;                 /* y < 0: registry without the two values (12, 5) */
	} yz[] = { { -1, 5 }, { 10, 5 }, { 3, 17 }, { 0, 1 } };
	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		for (guint c = 0; c < G_N_ELEMENTS(yz); c++) {
			g_autoptr(Fx) f = fx_new(modes[m].name, NULL);
			g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
			g_autoptr(GArray) wakes = g_array_new(FALSE, FALSE, sizeof(SmsTime));
			int y = yz[c].y < 0 ? 12 : yz[c].y, z = yz[c].z;
			SmsTime x = modes[m].x * SMS_MINUTE, t0 = T("1996-02-01 09:00");
			SmsTime tr = t0 + (y + 1) * x, tf = tr + z * SMS_MINUTE;
			g_autofree char *dir = NULL;
			g_autofree char *text = NULL;

			g_test_message("%s, y=%d, z=%d: forced delivery %d min after t0", modes[m].name, y,
			               z, modes[m].x * (y + 1) + z);
			fx_forced(f, yz[c].y, yz[c].z);
			start_locked_job(f, SMS_TIME_NONE);
			fx_run_until(f, SMS_TIME_NEVER);

			g_ptr_array_add(want, fx_event(t0, "despool.received", NULL, NULL));
			for (int k = 0; k <= y; k++) {
				g_autofree char *n = g_strdup_printf("%d", k);
				g_ptr_array_add(want, fx_event(t0 + k * x, "distribute.locked", n, "alice"));
				g_array_append_val(wakes, (SmsTime){ t0 + k * x });
			}
			g_ptr_array_add(want, fx_event(tr, "share.access_revoked", "SMSSVC", NULL));
			g_ptr_array_add(want, fx_event(tr, "distribute.forced_warning", NULL, "alice"));
			g_ptr_array_add(want, fx_event(tr, "message.sent", NULL, "alice"));
			g_ptr_array_add(want, fx_event(tf, "distribute.forced_disconnect", NULL, "alice"));
			g_ptr_array_add(want, fx_event(tf, "distribute.installed", NULL, NULL));
			g_ptr_array_add(want, fx_event(tf, "share.access_restored", NULL, NULL));
			g_ptr_array_add(want, fx_event(tf, "message.sent", NULL, "alice"));
			g_ptr_array_add(want, fx_event(tf, "ins.written", NULL, "WKS01"));
			fx_assert_events(f, want);
			/* next_wakeup named exactly these times, nothing in between */
			g_array_append_val(wakes, tr);
			g_array_append_val(wakes, tf);
			g_assert_cmpuint(f->wakes->len, ==, wakes->len);
			for (guint i = 0; i < wakes->len; i++)
				g_assert_cmpint(g_array_index(f->wakes, SmsTime, i), ==,
				                g_array_index(wakes, SmsTime, i));
			if (g_str_equal(modes[m].name, "Fast") && y == 10)
				g_assert_cmpint(tf - t0, ==, 22 * SMS_HOUR + 5 * SMS_MINUTE);   /* KB Q140403 */
			/* the package is there, alice was disconnected, the job is done */
			dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
			text = fx_read(dir, "SETUP.EXE");
			g_assert_cmpstr(text, ==, "v1 setup");
			g_assert_cmpint(fx_sql_int(f, "SELECT closed FROM share_sessions"), ==, tf);
			g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE "
			                              "closed_reason = 'forced disconnect'"), ==, 1);
			g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_server_detail WHERE server ="
			                              " 'DIST1'"), ==, SMS_STATUS_COMPLETE);
			g_assert_cmpint(fx_sql_int(f, "SELECT retries FROM desp_work"), ==, y + 1);
		}
	}
}

static void
test_forced_off_fails_after_100(void)
{
	for (guint m = 0; m < G_N_ELEMENTS(modes); m += 3) {   /* Very Fast and Slow */
		g_autoptr(Fx) f = fx_new(modes[m].name, NULL);
		g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
		SmsTime x = modes[m].x * SMS_MINUTE, t0 = T("1996-02-01 09:00");
		g_autofree char *dir = NULL;
		/* an explicit 0 and a retry count that would matter if it were on */
		fx_registry(f, "SRV01", "\"Use Forced Disconnect\"=dword:00000000\n"
		            "\"Number Of Retries Before Forced Disconnection\"=dword:00000002\n");
		start_locked_job(f, SMS_TIME_NONE);
		fx_run_until(f, SMS_TIME_NEVER);
		g_ptr_array_add(want, fx_event(t0, "despool.received", NULL, NULL));
		for (int k = 0; k < 100; k++) {
			g_autofree char *n = g_strdup_printf("%d", k);
			g_ptr_array_add(want, fx_event(t0 + k * x, "distribute.locked", n, "alice"));
		}
		g_ptr_array_add(want, fx_event(t0 + 100 * x, "distribute.failed", "100", NULL));
		fx_assert_events(f, want);
		g_assert_cmpuint(f->wakes->len, ==, 101);
		g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_server_detail"), ==,
		                SMS_STATUS_FAILED);
		g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_site_detail"), ==,
		                SMS_STATUS_FAILED);
		g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_acl WHERE revoked"), ==, 0);
		/* nothing was installed; the lock holder was never disturbed */
		dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
		g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
		g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE closed IS "
		                              "NULL"), ==, 1);
	}
}

static void
test_lock_released_before_force(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
	SmsTime x = 120 * SMS_MINUTE, t0 = T("1996-02-01 09:00");
	fx_forced(f, 10, 5);
	/* alice closes her file 30 minutes after the second retry */
	start_locked_job(f, t0 + 2 * x + 30 * SMS_MINUTE);
	fx_run_until(f, SMS_TIME_NEVER);
	g_ptr_array_add(want, fx_event(t0, "despool.received", NULL, NULL));
	g_ptr_array_add(want, fx_event(t0, "distribute.locked", "0", "alice"));
	g_ptr_array_add(want, fx_event(t0 + x, "distribute.locked", "1", "alice"));
	g_ptr_array_add(want, fx_event(t0 + 2 * x, "distribute.locked", "2", "alice"));
	g_ptr_array_add(want, fx_event(t0 + 3 * x, "distribute.installed", NULL, NULL));
	g_ptr_array_add(want, fx_event(t0 + 3 * x, "ins.written", NULL, "WKS01"));
	fx_assert_events(f, want);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM user_messages"), ==, 0);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE closed_reason IS "
	                              "NOT NULL"), ==, 0);
}

/* Only the registry of the site server of the site that installs counts. */
static void
test_target_site_only(void)
{
	SmsTime x = 120 * SMS_MINUTE, t0 = T("1996-02-01 09:00");
	{
		/* forced delivery set on the distribution server's registry, not the site server's */
		g_autoptr(Fx) f = fx_new("Fast", NULL);
		fx_registry(f, "DIST1", "\"Use Forced Disconnect\"=dword:00000001\n"
		            "\"Number Of Retries Before Forced Disconnection\"=dword:00000001\n");
		start_locked_job(f, SMS_TIME_NONE);
		fx_run_until(f, t0 + 5 * x);
		g_assert_cmpuint(f->events->len, ==, 1 + 6);   /* received, locked 0..5 */
		g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_acl WHERE revoked"), ==, 0);
	}
	{
		/* a job of A01 for child site B01: A01 has forced delivery, B01 does not */
		g_autofree char *dir = sms_test_tmpdir();
		g_autoptr(Fx) a = fx_new_site("A01", "Fast", NULL, dir);
		g_autofree char *extra = g_strdup_printf("Parent=A01\nParentAddress=%s\n", a->site->root);
		g_autoptr(Fx) b = NULL;
		g_autofree char *src = NULL;
		g_autoptr(SmsInstruction) ins = NULL;
		fx_forced(a, 0, 5);
		b = fx_new_site("B01", "Fast", extra, dir);
		src = fx_source(b, "v1", "SETUP.EXE=v1", NULL);
		ins = fx_instruction(SMS_INSTR_INSTALL, 1, SMS_JOB_SHARE_PACKAGE, "A0100001", "B01");
		fx_lock(b, "OFFICE95", "SETUP.EXE", "alice", T("1996-02-01 08:00"), SMS_TIME_NONE);
		fx_deliver(b, ins, src);
		b->now = t0;
		fx_run_until(b, t0 + 3 * x);
		g_assert_cmpuint(b->events->len, ==, 1 + 4);   /* received, locked 0..3 */
		g_assert_cmpint(fx_sql_int(b, "SELECT count(*) FROM share_acl WHERE revoked"), ==, 0);
		/* now B01's own registry turns it on (y = 0): the next retry revokes */
		fx_forced(b, 0, 5);
		fx_run_until(b, SMS_TIME_NEVER);
		{
			g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(want, fx_event(t0 + 4 * x, "share.access_revoked", "SMSSVC",
			                               NULL));
			g_ptr_array_add(want, fx_event(t0 + 4 * x, "distribute.forced_warning", NULL,
			                               "alice"));
			g_ptr_array_add(want, fx_event(t0 + 4 * x, "message.sent", NULL, "alice"));
			g_ptr_array_add(want, fx_event(t0 + 4 * x + 5 * SMS_MINUTE,
			                               "distribute.forced_disconnect", NULL, "alice"));
			g_ptr_array_add(want, fx_event(t0 + 4 * x + 5 * SMS_MINUTE,
			                               "distribute.installed", NULL, NULL));
			g_ptr_array_add(want, fx_event(t0 + 4 * x + 5 * SMS_MINUTE,
			                               "share.access_restored", NULL, NULL));
			g_ptr_array_add(want, fx_event(t0 + 4 * x + 5 * SMS_MINUTE, "message.sent", NULL,
			                               "alice"));
			g_ptr_array_remove_range(b->events, 0, 5);
			fx_assert_events(b, want);
		}
		/* the share package went to the root of DIST1's drive with the most free space,
		 * with the package's permissions; the status for the origin site waits in
		 * SITEREP.BOX as job status MIFs for the Site Reporter (the Sender's pass) */
		{
			g_autofree char *p = g_build_filename(b->site->root, "servers/DIST1/D/OFFICE95/"
			                                      "SETUP.EXE", NULL);
			g_autofree char *acl = NULL;
			g_autoptr(GError) error = NULL;
			g_autofree char *srv = sms_layout_site_srv(b->site);
			g_autofree char *box = g_build_filename(srv, "SITEREP.BOX", NULL);
			g_autoptr(GDir) d = g_dir_open(box, 0, NULL);
			g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
			g_assert_true(sms_share_get_acl(b->site, "DIST1", "OFFICE95", &acl, NULL, &error));
			g_assert_cmpstr(acl, ==, "Users:Read;Guests:Read");
			g_assert_nonnull(d);
			g_assert_true(g_str_has_suffix(g_dir_read_name(d), ".JMF"));   /* for A01 */
		}
	}
}

/* Remove Package: retried like an install, never forced; everything of the package goes. */
static void
test_remove_never_forced(void)
{
	g_autoptr(Fx) f = fx_new("Very Fast", NULL);
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1", "README.TXT=read me", NULL);
	g_autoptr(SmsInstruction) inst = fx_instruction(SMS_INSTR_INSTALL, 1, SMS_JOB_RUN_COMMAND,
	                                                "A0100001", "A01");
	g_autoptr(SmsInstruction) rm = fx_instruction(SMS_INSTR_REMOVE, 2, SMS_JOB_REMOVE_PACKAGE,
	                                              "A0100001", "A01");
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
	g_autofree char *store = sms_layout_store(f->site);
	g_autofree char *wks = g_build_filename(store, "A0100001.WKS", NULL);
	g_autofree char *insfile = NULL;
	SmsTime x = 24 * SMS_MINUTE, t0 = T("1996-02-01 10:00");

	g_assert_true(sms_db_exec(f->site->db, "UPDATE machines SET smsid = 'A0101000' WHERE "
	                          "name = 'WKS01'", &error));
	sms_instruction_add_target(inst, "WKS01", "CORP", "A0101000");
	fx_deliver(f, inst, src);
	f->now = T("1996-02-01 09:00");
	fx_run_until(f, T("1996-02-01 09:59"));
	g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
	g_assert_true(g_file_test(wks, G_FILE_TEST_IS_REGULAR));
	{
		g_autofree char *pcm = sms_layout_pcmdom(f->site, "CORP");
		insfile = g_build_filename(pcm, "A0101000.INS", NULL);
		g_assert_true(g_file_test(insfile, G_FILE_TEST_IS_REGULAR));
	}
	/* forced delivery on with y = 0: it would revoke at the first retry of an install */
	fx_forced(f, 0, 5);
	g_ptr_array_set_size(f->events, 0);
	fx_lock(f, "A0100001", "README.TXT", "bob", T("1996-02-01 09:30"), t0 + 3 * x + 10 *
	        SMS_MINUTE);
	fx_deliver(f, rm, NULL);
	f->now = t0;
	fx_run_until(f, SMS_TIME_NEVER);
	g_ptr_array_add(want, fx_event(t0, "despool.received", NULL, NULL));
	for (int k = 0; k <= 3; k++) {
		g_autofree char *n = g_strdup_printf("%d", k);
		g_ptr_array_add(want, fx_event(t0 + k * x, "distribute.locked", n, "bob"));
	}
	g_ptr_array_add(want, fx_event(t0 + 4 * x, "package.removed", NULL, NULL));
	fx_assert_events(f, want);
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(wks, G_FILE_TEST_EXISTS));        /* the stored copy */
	g_assert_false(g_file_test(insfile, G_FILE_TEST_EXISTS));    /* its only record went */
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM package_locations"), ==, 0);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM user_messages"), ==, 0);
}

/* Forced delivery on a directory with its own ACL: revoked for everyone but SMSSVC while
 * the users are warned, then restored byte for byte (KB Q182414 lost it). */
static void
test_permissions_restored(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autofree char *v1 = fx_source(f, "v1", "SETUP.EXE=v1", "BIN/WORD.EXE=v1", NULL);
	g_autofree char *v2 = fx_source(f, "v2", "SETUP.EXE=v2", "BIN/WORD.EXE=v2", NULL);
	g_autoptr(SmsInstruction) one = fx_instruction(SMS_INSTR_INSTALL, 1, SMS_JOB_RUN_COMMAND,
	                                               "A0100001", "A01");
	g_autoptr(SmsInstruction) two = fx_instruction(SMS_INSTR_INSTALL, 2, SMS_JOB_RUN_COMMAND,
	                                               "A0100001", "A01");
	const char *custom = "Everyone:Read;Admins:Full;Sales:Change";
	g_autoptr(GError) error = NULL;
	g_autofree char *acl = NULL;
	g_autofree char *dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
	gboolean revoked = FALSE;
	SmsTime x = 120 * SMS_MINUTE, t0 = T("1996-02-01 10:00");
	SmsTime tr = t0 + x, tf = tr + 5 * SMS_MINUTE;

	fx_deliver(f, one, v1);
	f->now = T("1996-02-01 09:00");
	fx_run_until(f, T("1996-02-01 09:30"));
	g_assert_true(sms_share_get_acl(f->site, "DIST1", "A0100001", &acl, NULL, &error));
	g_assert_cmpstr(acl, ==, "Everyone:Read");   /* a new package directory (RG:S3CF3) */
	g_clear_pointer(&acl, g_free);
	g_assert_true(sms_share_set_acl(f->site, "DIST1", "A0100001", custom, &error));
	fx_forced(f, 0, 5);
	/* alice holds two files, bob one */
	fx_lock(f, "A0100001", "SETUP.EXE", "alice", T("1996-02-01 09:40"), SMS_TIME_NONE);
	fx_lock(f, "A0100001", "BIN/WORD.EXE", "alice", T("1996-02-01 09:40"), SMS_TIME_NONE);
	fx_lock(f, "A0100001", "BIN\\WORD.EXE", "bob", T("1996-02-01 09:45"), SMS_TIME_NONE);
	fx_deliver(f, two, v2);
	f->now = t0;
	fx_run_until(f, tr);
	g_assert_true(sms_share_get_acl(f->site, "DIST1", "A0100001", &acl, &revoked, &error));
	g_assert_cmpstr(acl, ==, "SMSSVC:Full");
	g_assert_true(revoked);
	g_clear_pointer(&acl, g_free);
	/* new connections are refused, the service account's are not; users stay connected */
	g_assert_false(sms_share_open_session(f->site, "DIST1", "A0100001", "SETUP.EXE", "carol",
	                                      NULL, tr + 60, SMS_TIME_NONE, "user", NULL, NULL,
	                                      &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_REVOKED);
	g_clear_error(&error);
	g_assert_true(sms_share_open_session(f->site, "DIST1", "A0100001", "SETUP.EXE", "smssvc",
	                                     NULL, tr + 60, tr + 120, "user", NULL, NULL, &error));
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE closed IS NULL "
	                              "AND user != 'smssvc'"), ==, 3);
	{
		g_autofree char *old = fx_read(dir, "SETUP.EXE");
		g_assert_cmpstr(old, ==, "v1");   /* nothing copied before the delay is over */
	}
	fx_run_until(f, SMS_TIME_NEVER);
	g_assert_true(sms_share_get_acl(f->site, "DIST1", "A0100001", &acl, &revoked, &error));
	g_assert_cmpstr(acl, ==, custom);
	g_assert_false(revoked);
	{
		g_autofree char *now = fx_read(dir, "BIN/WORD.EXE");
		g_assert_cmpstr(now, ==, "v2");
	}
	/* one warning and one "ready again" per user, in that order, naming the delay */
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM user_messages"), ==, 4);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM user_messages WHERE user = 'alice' AND"
	                              " text LIKE 'Warning:%in 5 minutes%'"), ==, 1);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM user_messages WHERE user = 'bob' AND "
	                              "text LIKE '%ready again%'"), ==, 1);
	{
		g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM user_messages WHERE time = "
		                                       "%" G_GINT64_FORMAT " AND text LIKE '%%ready%%'",
		                                       tf);
		g_assert_cmpint(fx_sql_int(f, sql), ==, 2);
	}
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE closed_reason = "
	                              "'forced disconnect'"), ==, 3);
}

/* CopyMode=legacy: the 1.x file-by-file copy stops at the locked file, leaving old and new
 * files mixed (seed 004: KB Q140403); staged: the old package stays whole until the swap. */
static void
test_legacy_vs_staged(void)
{
	for (int legacy = 0; legacy <= 1; legacy++) {
		g_autoptr(Fx) f = fx_new("Fast", legacy ? "CopyMode=legacy\n" : NULL);
		g_autofree char *v1 = fx_source(f, "v1", "A.TXT=v1", "B.TXT=v1", "C.TXT=v1",
		                                "D/E.TXT=v1", NULL);
		g_autofree char *v2 = fx_source(f, "v2", "A.TXT=v2", "B.TXT=v2", "C.TXT=v2",
		                                "D/E.TXT=v2", "F.TXT=v2 new", NULL);
		g_autoptr(SmsInstruction) one = fx_instruction(SMS_INSTR_INSTALL, 1,
		                                               SMS_JOB_RUN_COMMAND, "A0100001", "A01");
		g_autoptr(SmsInstruction) two = fx_instruction(SMS_INSTR_INSTALL, 2,
		                                               SMS_JOB_RUN_COMMAND, "A0100001", "A01");
		g_autofree char *dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
		SmsTime t1 = T("1996-02-01 10:00"), x = 120 * SMS_MINUTE;
		const char *files[] = { "A.TXT", "B.TXT", "C.TXT", "D/E.TXT" };
		fx_deliver(f, one, v1);
		f->now = T("1996-02-01 09:00");
		fx_run_until(f, T("1996-02-01 09:30"));
		fx_lock(f, "A0100001", "b.txt", "alice", T("1996-02-01 09:50"), t1 + 30 * SMS_MINUTE);
		fx_deliver(f, two, v2);
		f->now = t1;
		fx_run_until(f, t1);
		for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
			g_autofree char *text = fx_read(dir, files[i]);
			/* legacy: A copied, stopped at B (locked), C, D/E and F not reached */
			g_assert_cmpstr(text, ==, legacy && i == 0 ? "v2" : "v1");
		}
		{
			g_autofree char *f_new = fx_read(dir, "F.TXT");
			g_autofree char *want = fx_event(t1, "distribute.partial", "B.TXT", NULL);
			g_assert_null(f_new);
			g_assert_cmpint(g_ptr_array_find_with_equal_func(f->events, want, g_str_equal,
			                                                 NULL), ==, legacy);
		}
		fx_run_until(f, SMS_TIME_NEVER);
		for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
			g_autofree char *text = fx_read(dir, files[i]);
			g_assert_cmpstr(text, ==, "v2");
		}
		{
			g_autofree char *f_new = fx_read(dir, "F.TXT");
			g_autofree char *staged = g_strdup_printf("%s.NEW", dir);
			g_autofree char *tmp = g_build_filename(f->site->root, "servers/SRV01/C/DESPOOL.TMP/"
			                                        "A0100001.WKS", NULL);
			g_assert_cmpstr(f_new, ==, "v2 new");
			g_assert_false(g_file_test(staged, G_FILE_TEST_EXISTS));
			g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
		}
		g_assert_cmpint(f->now, ==, t1 + x);
	}
}

/* The retry counter lives in the database: a new process continues it. With
 * Compat=Q140374 a restart starts it over (SMS 1.2 before SP4). */
static void
test_retry_counter_restarts(void)
{
	SmsTime x = 24 * SMS_MINUTE, t0 = T("1996-02-01 09:00");
	for (int compat = 0; compat <= 1; compat++) {
		g_autofree char *dir = NULL;
		g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		SmsTime restart = t0 + 5 * x + 10 * SMS_MINUTE;
		{
			g_autoptr(Fx) f = fx_new("Very Fast", NULL);
			dir = g_strdup(f->dir);
			fx_forced(f, 7, 5);
			if (compat)
				fx_registry(f, "SRV01", "\"Use Forced Disconnect\"=dword:00000001\n"
				            "\"Number Of Retries Before Forced Disconnection\"=dword:00000007\n"
				            "\"Compat\"=\"Q140374\"\n");
			start_locked_job(f, SMS_TIME_NONE);
			fx_run_until(f, restart);
			g_assert_cmpint(fx_sql_int(f, "SELECT retries FROM desp_work"), ==, 5);
		}
		{
			g_autoptr(Fx) f = fx_reopen(dir, "A01");
			g_assert_cmpint(f->now, ==, restart);
			g_assert_true(sms_despooler_restart(f->site, restart, &error));
			g_assert_no_error(error);
			fx_run_until(f, restart + 2 * x);
			if (compat) {
				/* the count starts over at the next poll */
				g_ptr_array_add(want, fx_event(restart, "despooler.started", "Q140374", NULL));
				g_ptr_array_add(want, fx_event(restart, "distribute.locked", "0", "alice"));
				g_ptr_array_add(want, fx_event(restart + x, "distribute.locked", "1", "alice"));
				g_ptr_array_add(want, fx_event(restart + 2 * x, "distribute.locked", "2",
				                               "alice"));
			} else {
				g_ptr_array_add(want, fx_event(restart, "despooler.started", NULL, NULL));
				g_ptr_array_add(want, fx_event(t0 + 6 * x, "distribute.locked", "6", "alice"));
				g_ptr_array_add(want, fx_event(t0 + 7 * x, "distribute.locked", "7", "alice"));
			}
			fx_assert_events(f, want);
			/* without Compat the force still comes at t0 + (7+1)x */
			fx_run_until(f, t0 + 8 * x);
			g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_acl WHERE revoked"), ==,
			                !compat);
		}
	}
}

static void
test_pause_continue(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autoptr(GError) error = NULL;
	SmsTime t0 = T("1996-02-01 09:00"), x = 120 * SMS_MINUTE;
	start_locked_job(f, SMS_TIME_NONE);
	fx_run_until(f, t0 + x);
	g_assert_cmpint(fx_sql_int(f, "SELECT retries FROM desp_work"), ==, 1);
	g_assert_true(sms_despooler_set_paused(f->site, TRUE, t0 + x + 60, &error));
	g_assert_cmpint(sms_despooler_next_wakeup(f->site, t0 + x + 60), ==, SMS_TIME_NEVER);
	/* a paused Despooler does nothing, even when asked */
	g_assert_true(fx_pass(f, t0 + 3 * x, &error));
	g_assert_cmpint(fx_sql_int(f, "SELECT retries FROM desp_work"), ==, 1);
	/* the registry changes while paused; continuing re-reads it (KB Q140403 step 6) */
	{
		g_autofree char *path = sms_layout_registry(f->site, "SRV01");
		g_assert_true(g_file_set_contents(path, "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\"
		                                  "Microsoft\\SMS\\Components\\SMS_Despooler]\n"
		                                  "\"Use Forced Disconnect\"=dword:00000001\n"
		                                  "\"Number Of Retries Before Forced Disconnection\"="
		                                  "dword:00000001\n", -1, &error));
	}
	g_assert_cmpint(fx_sql_int(f, "SELECT forced FROM desp_settings"), ==, 0);
	g_assert_true(sms_despooler_set_paused(f->site, FALSE, t0 + 3 * x + 60, &error));
	g_assert_no_error(error);
	g_assert_cmpint(fx_sql_int(f, "SELECT forced FROM desp_settings"), ==, 1);
	/* the overdue retry happens at the next poll and counts as retry 2 > y: revoked */
	g_assert_cmpint(sms_despooler_next_wakeup(f->site, t0 + 3 * x + 60), ==, t0 + 3 * x + 60);
	f->now = t0 + 3 * x + 60;
	fx_run_until(f, t0 + 3 * x + 60);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_acl WHERE revoked"), ==, 1);
	g_assert_cmpint(fx_sql_int(f, "SELECT next_attempt FROM desp_work"), ==,
	                t0 + 3 * x + 60 + 5 * SMS_MINUTE);
	{
		g_autofree char *p = fx_event(t0 + x + 60, "despooler.paused", NULL, NULL);
		g_assert_true(g_ptr_array_find_with_equal_func(f->events, p, g_str_equal, NULL));
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/despooler/forced/timeline-every-mode", test_forced_timeline);
	g_test_add_func("/despooler/forced/off-fails-after-100-retries",
	                test_forced_off_fails_after_100);
	g_test_add_func("/despooler/forced/lock-released-first", test_lock_released_before_force);
	g_test_add_func("/despooler/forced/target-site-only", test_target_site_only);
	g_test_add_func("/despooler/forced/remove-never-forced", test_remove_never_forced);
	g_test_add_func("/despooler/forced/permissions-restored", test_permissions_restored);
	g_test_add_func("/despooler/copy/legacy-vs-staged", test_legacy_vs_staged);
	g_test_add_func("/despooler/retry-counter/restart-and-compat", test_retry_counter_restarts);
	g_test_add_func("/despooler/pause-continue", test_pause_continue);
	return g_test_run();
}
