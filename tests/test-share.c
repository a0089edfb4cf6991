/* test-share.c -- share sessions (open, close, time windows, revoked access), the
 * locked-file check by package ID or share name, real flock() holders, and ACLs that
 * come back exactly as they were after a revoke. */
#include "testlib.h"
#include "db.h"
#include "share.h"
#include "site.h"

#include <fcntl.h>
#include <sys/file.h>

static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static SmsSite *
make_site(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *ini = sms_test_write(dir, "site.ini",
		"[Site A01]\nResponse=Fast\nServiceAccount=SMSSVC\n"
		"[Server SRV01]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:2000\n"
		"[Server DIST1]\nSite=A01\nRoles=distribution\nDrives=C:2000\n"
		"[Domain CORP]\nSite=A01\nLogonServers=SRV01\n");
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	/* a package known by its ID and its share name */
	g_assert_true(sms_db_exec(site->db, "INSERT INTO packages(id, name, site, share_name) VALUES "
	                          "('A0100001', 'Office', 'A01', 'OFFICE95')", &error));
	g_assert_no_error(error);
	return site;
}

static void
test_sessions(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) h = NULL;
	gint64 a = 0, b = 0, c = 0;
	SmsShareSession *s;

	/* alice 09:00-10:00 on the share name, bob open-ended from 09:30 on the package ID */
	g_assert_true(sms_share_open_session(site, "dist1", "OFFICE95", "BIN\\WINWORD.EXE",
	                                     "alice", "WKS0001", T("1996-02-01 09:00"),
	                                     T("1996-02-01 10:00"), "scenario", NULL, &a, &error));
	g_assert_no_error(error);
	g_assert_true(sms_share_open_session(site, "DIST1", "A0100001", "SETUP.EXE", "bob", NULL,
	                                     T("1996-02-01 09:30"), SMS_TIME_NONE, "pcm", "A0100002",
	                                     &b, &error));
	g_assert_no_error(error);
	g_assert_cmpint(b, >, a);
	/* another server, another package: never in the way */
	g_assert_true(sms_share_open_session(site, "SRV01", "A0100001", "X", "carol", NULL,
	                                     T("1996-02-01 08:00"), SMS_TIME_NONE, "user", NULL, &c,
	                                     &error));
	g_assert_true(sms_share_open_session(site, "DIST1", "A0100009", "X", "dave", NULL,
	                                     T("1996-02-01 08:00"), SMS_TIME_NONE, "user", NULL, NULL,
	                                     &error));
	g_assert_no_error(error);

	g_assert_false(sms_share_is_locked(site, "DIST1", "OFFICE95", T("1996-02-01 08:59"), NULL));
	g_assert_true(sms_share_is_locked(site, "DIST1", "A0100001", T("1996-02-01 09:00"), &h));
	g_assert_cmpuint(h->len, ==, 1);
	s = h->pdata[0];
	g_assert_cmpstr(s->user, ==, "alice");
	g_assert_cmpstr(s->file, ==, "BIN/WINWORD.EXE");   /* backslashes normalised */
	g_assert_cmpstr(s->server, ==, "DIST1");
	g_assert_cmpstr(s->package, ==, "A0100001");        /* resolved from the share name */
	g_clear_pointer(&h, g_ptr_array_unref);
	g_assert_true(sms_share_is_locked(site, "dist1", "office95", T("1996-02-01 09:45"), &h));
	g_assert_cmpuint(h->len, ==, 2);
	g_clear_pointer(&h, g_ptr_array_unref);
	/* the window is [opened, closes) */
	g_assert_true(sms_share_is_locked(site, "DIST1", "OFFICE95", T("1996-02-01 10:00"), &h));
	g_assert_cmpuint(h->len, ==, 1);
	g_assert_cmpstr(((SmsShareSession *)h->pdata[0])->user, ==, "bob");
	g_clear_pointer(&h, g_ptr_array_unref);
	/* closing ends it; closing twice is an error naming the session */
	g_assert_true(sms_share_close_session(site, b, T("1996-02-01 11:00"), "forced disconnect",
	                                      &error));
	g_assert_no_error(error);
	g_assert_false(sms_share_is_locked(site, "DIST1", "OFFICE95", T("1996-02-01 11:00"), NULL));
	g_assert_false(sms_share_close_session(site, b, T("1996-02-01 11:00"), NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	{
		g_autoptr(GPtrArray) all = NULL;
		g_assert_true(sms_share_list(site, FALSE, 0, &all, &error));
		g_assert_cmpuint(all->len, ==, 4);
		s = all->pdata[1];
		g_assert_cmpstr(s->closed_reason, ==, "forced disconnect");
		g_assert_cmpint(s->closed, ==, T("1996-02-01 11:00"));
		g_assert_cmpstr(s->job, ==, "A0100002");
		g_clear_pointer(&all, g_ptr_array_unref);
		g_assert_true(sms_share_list(site, TRUE, T("1996-02-01 11:00"), &all, &error));
		g_assert_cmpuint(all->len, ==, 2);   /* carol and dave */
	}
}

static void
test_bad_sessions(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	SmsTime t = T("1996-02-01 09:00");
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "../SMS/secret", "eve",
	                                      NULL, t, SMS_TIME_NONE, "user", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "../SMS/secret"));
	g_clear_error(&error);
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "/etc/passwd", "eve", NULL,
	                                      t, SMS_TIME_NONE, "user", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "A", "eve", NULL, t, t,
	                                      "user", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "A", "eve", NULL, t,
	                                      SMS_TIME_NONE, "hacker", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "A", "", NULL, t,
	                                      SMS_TIME_NONE, "user", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_share_is_locked(site, "DIST1", "OFFICE95", t, NULL));
}

static void
test_acl(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *acl = NULL;
	gboolean revoked = TRUE;
	SmsTime t = T("1996-02-01 09:00");

	g_assert_true(sms_share_get_acl(site, "DIST1", "A0100001", &acl, &revoked, &error));
	g_assert_cmpstr(acl, ==, SMS_SHARE_DEFAULT_ACL);
	g_assert_false(revoked);
	g_clear_pointer(&acl, g_free);
	g_assert_true(sms_share_set_acl(site, "DIST1", "OFFICE95",
	                                "Everyone:Read;Sales:Change;Admins:Full", &error));
	g_assert_no_error(error);
	/* the share name and the package ID are the same directory */
	g_assert_true(sms_share_get_acl(site, "dist1", "A0100001", &acl, NULL, &error));
	g_assert_cmpstr(acl, ==, "Everyone:Read;Sales:Change;Admins:Full");
	g_clear_pointer(&acl, g_free);

	g_assert_true(sms_share_revoke(site, "DIST1", "A0100001", &error));
	g_assert_true(sms_share_revoke(site, "DIST1", "OFFICE95", &error));   /* twice */
	g_assert_no_error(error);
	g_assert_true(sms_share_is_revoked(site, "DIST1", "OFFICE95"));
	g_assert_false(sms_share_is_revoked(site, "SRV01", "OFFICE95"));
	g_assert_true(sms_share_get_acl(site, "DIST1", "OFFICE95", &acl, &revoked, &error));
	g_assert_cmpstr(acl, ==, "SMSSVC:Full");
	g_assert_true(revoked);
	g_clear_pointer(&acl, g_free);
	/* new users are refused, the service account is not */
	g_assert_false(sms_share_open_session(site, "DIST1", "OFFICE95", "A", "bob", NULL, t,
	                                      SMS_TIME_NONE, "user", NULL, NULL, &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_REVOKED);
	g_assert_nonnull(strstr(error->message, "SMSSVC"));
	g_clear_error(&error);
	g_assert_true(sms_share_open_session(site, "DIST1", "A0100001", "A", "smssvc", NULL, t,
	                                     SMS_TIME_NONE, "user", NULL, NULL, &error));
	g_assert_no_error(error);

	g_assert_true(sms_share_restore(site, "DIST1", "OFFICE95", &error));
	g_assert_true(sms_share_restore(site, "DIST1", "OFFICE95", &error));   /* no-op */
	g_assert_no_error(error);
	g_assert_true(sms_share_get_acl(site, "DIST1", "OFFICE95", &acl, &revoked, &error));
	g_assert_cmpstr(acl, ==, "Everyone:Read;Sales:Change;Admins:Full");   /* exactly */
	g_assert_false(revoked);
	g_clear_pointer(&acl, g_free);

	/* a directory revoked before it ever had an ACL gets the default back */
	g_assert_true(sms_share_revoke(site, "DIST1", "PUBLIC", &error));
	g_assert_true(sms_share_restore(site, "DIST1", "PUBLIC", &error));
	g_assert_true(sms_share_get_acl(site, "DIST1", "PUBLIC", &acl, NULL, &error));
	g_assert_cmpstr(acl, ==, SMS_SHARE_DEFAULT_ACL);
	g_clear_pointer(&acl, g_free);
	/* setting an ACL while revoked changes what comes back, not the revoked ACL */
	g_assert_true(sms_share_revoke(site, "DIST1", "PUBLIC", &error));
	g_assert_true(sms_share_set_acl(site, "DIST1", "PUBLIC", "Everyone:Change", &error));
	g_assert_true(sms_share_get_acl(site, "DIST1", "PUBLIC", &acl, NULL, &error));
	g_assert_cmpstr(acl, ==, "SMSSVC:Full");
	g_clear_pointer(&acl, g_free);
	g_assert_true(sms_share_restore(site, "DIST1", "PUBLIC", &error));
	g_assert_true(sms_share_get_acl(site, "DIST1", "PUBLIC", &acl, NULL, &error));
	g_assert_cmpstr(acl, ==, "Everyone:Change");
	g_assert_no_error(error);
	g_assert_false(sms_share_set_acl(site, "DIST1", "PUBLIC", "", &error));
	g_assert_error(error, SMS_SHARE_ERROR, SMS_SHARE_ERROR_INVALID);
}

static void
test_real_locks(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) h = NULL;
	g_autofree char *dir = g_build_filename(site->root, "servers/DIST1/C/SMS_PKGC/A0100001",
	                                        NULL);
	g_autofree char *exe = sms_test_write(dir, "BIN/SETUP.EXE", "MZ");
	g_autofree char *other = sms_test_write(dir, "README.TXT", "hello");
	g_auto(SmsFd) fd = -1;
	SmsTime t = T("1996-02-01 09:00");
	SmsShareSession *s;

	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "INSERT INTO package_locations(package, site, "
		                               "server, path, kind) VALUES ('A0100001', 'A01', 'DIST1',"
		                               " ?, 'package')", &error);
		sms_db_bind_text(st, 1, dir);
		g_assert_true(sms_db_step_done(site->db, st, &error));
	}
	g_assert_false(sms_share_is_locked(site, "DIST1", "OFFICE95", t, NULL));
	/* a PCM running SETUP.EXE holds a shared flock on it (another open file description,
	 * as another process would) */
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(flock(fd, LOCK_SH), ==, 0);
	g_assert_true(sms_share_is_locked(site, "DIST1", "OFFICE95", t, &h));
	g_assert_cmpuint(h->len, ==, 1);
	s = h->pdata[0];
	g_assert_cmpstr(s->file, ==, "BIN/SETUP.EXE");
	g_assert_cmpstr(s->kind, ==, "lock");
	g_assert_cmpint(s->id, ==, 0);
	g_assert_cmpint(s->pid, ==, getpid());
	g_assert_cmpstr(s->server, ==, "DIST1");
	g_assert_nonnull(s->user);
	g_clear_pointer(&h, g_ptr_array_unref);
	/* the probe did not take the lock away, and README.TXT stays free */
	{
		g_auto(SmsFd) probe = open(other, O_RDONLY | O_CLOEXEC);
		g_assert_cmpint(flock(probe, LOCK_EX | LOCK_NB), ==, 0);
	}
	g_assert_true(sms_share_is_locked(site, "DIST1", "A0100001", t, NULL));
	(void)flock(fd, LOCK_UN);
	g_assert_false(sms_share_is_locked(site, "DIST1", "A0100001", t, NULL));
	/* a directory that does not exist holds nothing */
	{
		g_autoptr(GPtrArray) none = g_ptr_array_new();
		g_autofree char *gone = g_build_filename(dir, "NOPE", NULL);
		g_assert_true(sms_share_real_locks(gone, none, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(none->len, ==, 0);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/share/sessions", test_sessions);
	g_test_add_func("/share/bad-sessions", test_bad_sessions);
	g_test_add_func("/share/acl-restored-exactly", test_acl);
	g_test_add_func("/share/real-locks", test_real_locks);
	return g_test_run();
}
