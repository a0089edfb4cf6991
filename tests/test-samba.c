/* test-samba.c -- the shares of a server as SMS named them, their ACLs as smb.conf
 * parameters, the smb.conf fragment, and the reader of `smbstatus --json` on output
 * recorded from smbd 4.17 (tests/data/smbstatus/), mapped onto share sessions. */
#include "testlib.h"
#include "db.h"
#include "samba.h"
#include "share.h"
#include "site.h"

static char *
params_of(const char *acl, const char *guest)
{
	g_autoptr(GPtrArray) p = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	SmsSambaConfOptions opts = { .guest_account = guest };
	g_assert_true(sms_samba_acl_params(acl, &opts, p, &error));
	g_assert_no_error(error);
	g_ptr_array_add(p, NULL);
	return g_strjoinv("|", (char **)p->pdata);
}

static void
test_acl_params(void)
{
	static const struct {
		const char *acl, *params;
	} cases[] = {
		{ "Everyone:Read", "guest ok = yes|read only = yes" },
		{ "Everyone:Full", "guest ok = yes|read only = no" },
		{ "everyone:change", "guest ok = yes|read only = no" },
		{ "Users:Read", "guest ok = no|read only = yes" },
		{ "Users:Change", "guest ok = no|read only = no" },
		{ "Users:Read;Guests:Read", "guest ok = yes|read only = yes" },
		/* users write, guests read: guests on the read list */
		{ "Users:Change;Guests:Read", "guest ok = yes|read only = no|read list = gst" },
		/* users read, guests write: guests on the write list */
		{ "Users:Read;Guests:Change", "guest ok = yes|read only = yes|write list = gst" },
		{ "Guests:Read", "guest ok = yes|guest only = yes|read only = yes" },
		{ "Guests:Change", "guest ok = yes|guest only = yes|read only = no" },
		/* revoked: only the service account */
		{ "SMSSVC:Full", "valid users = SMSSVC|guest ok = no|read only = no" },
		{ "ADMIN:Full;AUDIT:Read", "valid users = ADMIN AUDIT|guest ok = no|read only = no|"
		  "read list = AUDIT" },
		{ "Users:Read;ADMIN:Full", "guest ok = no|read only = yes|write list = ADMIN" },
		{ "Everyone:None", "available = no" },
		{ " Users : Read ; ", "guest ok = no|read only = yes" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = params_of(cases[i].acl, "gst");
		g_assert_cmpstr(got, ==, cases[i].params);
	}
	/* the default guest account */
	{
		g_autofree char *got = params_of("Users:Read;Guests:Full", NULL);
		g_assert_cmpstr(got, ==, "guest ok = yes|read only = yes|write list = nobody");
	}
}

static void
test_acl_errors(void)
{
	static const struct {
		const char *acl, *message;
	} cases[] = {
		{ "Everyone:Maybe", "entry 'Everyone:Maybe': expected None, Read, Change or Full" },
		{ "Everyone", "entry 'Everyone': expected WHO:RIGHT" },
		{ "", "expected at least one WHO:RIGHT entry" },
		{ "bad name:Read", "'bad name' is not an account name smb.conf can list" },
		{ "@admins:Read", "'@admins' is not an account name" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) p = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_samba_acl_params(cases[i].acl, NULL, p, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_ACL);
		g_assert_nonnull(strstr(error->message, cases[i].message));
		g_assert_cmpuint(p->len, ==, 0);
	}
}

static SmsSite *
make_site(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *ini = sms_test_write(dir, "site.ini",
		"[Site A01]\nResponse=Fast\nServiceAccount=SMSSVC\n"
		"[Server SRV01]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:2000, D:4000\n"
		"[Server DIST1]\nSite=A01\nRoles=distribution\nDrives=C:2000, E:9000\n"
		"[Domain CORP]\nSite=A01\nLogonServers=SRV01\n");
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	return site;
}

static void
exec_ok(SmsSite *site, const char *sql)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_db_exec(site->db, sql, &error));
	g_assert_no_error(error);
}

static SmsSambaShare *
share_at(GPtrArray *shares, guint i)
{
	g_assert_cmpuint(i, <, shares->len);
	return shares->pdata[i];
}

static void
test_shares(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) shares = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *sql = NULL;
	g_autofree char *pkgc = sms_layout_pkg_share(site, "DIST1", 'C');
	g_autofree char *drive_e = sms_layout_drive(site, "DIST1", 'E');
	SmsSambaConfOptions opts = { .force_user = "smsowner" };
	SmsSambaShare *s;

	/* the site server: SMS root, LOGON.SRV, RECEIVE; no package share before a package */
	g_assert_true(sms_samba_shares(site, "srv01", &shares, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(shares->len, ==, 3);
	s = share_at(shares, 0);
	g_assert_cmpstr(s->name, ==, "SMS_SHRC");
	g_assert_cmpstr(s->server, ==, "SRV01");
	g_assert_true(g_str_has_suffix(s->path, "/servers/SRV01/C/SMS"));
	g_assert_cmpstr(s->acl, ==, "SMSSVC:Full");
	s = share_at(shares, 1);
	g_assert_cmpstr(s->name, ==, "SMS_SHR");
	g_assert_true(g_str_has_suffix(s->path, "/servers/SRV01/C/SMS/LOGON.SRV"));
	g_assert_cmpstr(s->acl, ==, "Everyone:Full");
	s = share_at(shares, 2);
	g_assert_cmpstr(s->name, ==, "SMS_SITE");
	g_assert_true(g_str_has_suffix(s->path, "/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE"));
	g_clear_pointer(&shares, g_ptr_array_unref);

	/* DIST1: a Run Command package in SMS_PKGC (access revoked), a Share Package
	 * FRISBEE\TESTGROUP on E: with its PDF's access, and one of another site ignored */
	exec_ok(site, "INSERT INTO packages(id, name, site, share_name, share_access) VALUES "
	        "('A0100001', 'Word', 'A01', NULL, NULL), ('A0100002', 'Frisbee', 'A01', "
	        "'FRISBEE\\TESTGROUP', 'UserRead, GuestRead'), ('B0100001', 'Other', 'B01', NULL, "
	        "NULL)");
	sql = g_strdup_printf("INSERT INTO package_locations(package, site, server, path, kind) "
	                      "VALUES ('A0100001', 'A01', 'DIST1', '%s/A0100001', 'package'), "
	                      "('A0100002', 'A01', 'DIST1', '%s/FRISBEE/TESTGROUP', 'package'), "
	                      "('B0100001', 'B01', 'DIST1', '%s/B0100001', 'package')", pkgc,
	                      drive_e, pkgc);
	exec_ok(site, sql);
	g_assert_true(sms_share_set_acl(site, "DIST1", "A0100002", "Users:Read;Guests:Read",
	                                &error));
	g_assert_true(sms_share_revoke(site, "DIST1", "A0100001", &error));
	g_assert_no_error(error);
	g_assert_true(sms_samba_shares(site, "DIST1", &shares, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(shares->len, ==, 2);
	s = share_at(shares, 0);
	g_assert_cmpstr(s->name, ==, "SMS_PKGC");
	g_assert_cmpstr(s->path, ==, pkgc);
	g_assert_cmpstr(s->acl, ==, "Everyone:Full");
	g_assert_null(s->package);
	g_assert_cmpuint(s->revoked_dirs->len, ==, 1);
	g_assert_cmpstr(s->revoked_dirs->pdata[0], ==, "A0100001");
	s = share_at(shares, 1);
	g_assert_cmpstr(s->name, ==, "FRISBEE");
	g_assert_true(g_str_has_suffix(s->path, "/servers/DIST1/E/FRISBEE"));
	g_assert_cmpstr(s->package, ==, "A0100002");
	g_assert_cmpstr(s->package_dir, ==, "TESTGROUP");
	g_assert_cmpstr(s->acl, ==, "Users:Read;Guests:Read");
	g_assert_false(s->revoked);

	g_assert_true(sms_samba_conf(shares, &opts, &conf, &error));
	g_assert_no_error(error);
	{
		g_autofree char *want_pkg = g_strdup_printf("\n# \\\\DIST1\\SMS_PKGC (ACL Everyone:Full)"
		                                            "\n[SMS_PKGC]\n\tpath = %s\n\tcomment = SMS "
		                                            "package share\n\tguest ok = yes\n\tread "
		                                            "only = no\n\tveto files = /A0100001/\n"
		                                            "\tforce user = smsowner\n", pkgc);
		g_autofree char *want_share = g_strdup_printf("[FRISBEE]\n\tpath = %s/FRISBEE\n"
		                                              "\tcomment = SMS shared package\n\tguest "
		                                              "ok = yes\n\tread only = yes\n\tforce "
		                                              "user = smsowner\n", drive_e);
		g_assert_true(g_str_has_prefix(conf, want_pkg));
		g_assert_nonnull(strstr(conf, want_share));
	}

	/* restored: no veto any more; the Share Package revoked: only the service account */
	g_assert_true(sms_share_restore(site, "DIST1", "A0100001", &error));
	g_assert_true(sms_share_revoke(site, "DIST1", "FRISBEE\\TESTGROUP", &error));
	g_assert_no_error(error);
	g_clear_pointer(&shares, g_ptr_array_unref);
	g_clear_pointer(&conf, g_free);
	g_assert_true(sms_samba_shares(site, "DIST1", &shares, &error));
	g_assert_true(sms_samba_conf(shares, NULL, &conf, &error));
	g_assert_no_error(error);
	g_assert_null(strstr(conf, "veto files"));
	g_assert_null(strstr(conf, "force user"));
	g_assert_true(share_at(shares, 1)->revoked);
	g_assert_nonnull(strstr(conf, "[FRISBEE]\n\tpath = "));
	g_assert_nonnull(strstr(conf, "(ACL SMSSVC:Full, access revoked)\n[FRISBEE]"));
	g_assert_nonnull(strstr(conf, "\tvalid users = SMSSVC\n\tguest ok = no\n\tread only = no\n"));

	/* a second package whose share name begins with FRISBEE: the share is both's */
	exec_ok(site, "INSERT INTO packages(id, name, site, share_name) VALUES ('A0100004', "
	        "'Other', 'A01', 'FRISBEE\\OTHER')");
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("INSERT INTO package_locations(package, site, server, path, kind) "
	                      "VALUES ('A0100004', 'A01', 'DIST1', '%s/FRISBEE/OTHER', 'package')",
	                      drive_e);
	exec_ok(site, sql);
	g_clear_pointer(&shares, g_ptr_array_unref);
	g_assert_true(sms_samba_shares(site, "DIST1", &shares, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(shares->len, ==, 2);
	g_assert_cmpstr(share_at(shares, 1)->name, ==, "FRISBEE");
	g_assert_null(share_at(shares, 1)->package);
	g_assert_null(share_at(shares, 1)->package_dir);

	/* an unknown server */
	g_clear_pointer(&shares, g_ptr_array_unref);
	g_assert_false(sms_samba_shares(site, "NOSUCH", &shares, &error));
	g_assert_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN);
	g_assert_null(shares);
}

static void
test_conf_errors(void)
{
	static const struct {
		const char *name, *path, *acl, *message;
	} cases[] = {
		{ "BAD]NAME", "/srv/x", "Everyone:Read", "character ']' at offset 3" },
		{ "A;B", "/srv/x", "Everyone:Read", "character ';' at offset 1" },
		{ "", "/srv/x", "Everyone:Read", "expected a name of 1 to 80 characters" },
		{ "OK", "relative/x", "Everyone:Read", "is not an absolute path" },
		{ "OK", "/srv/x\n[evil]", "Everyone:Read", "is not an absolute path" },
		{ "OK", "/srv/x", "Everyone:Sometimes", "share 'OK' of SRV: ACL 'Everyone:Sometimes'" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func((GDestroyNotify)
		                                                             sms_samba_share_free);
		g_autoptr(GError) error = NULL;
		char *conf = NULL;
		SmsSambaShare *s = g_new0(SmsSambaShare, 1);
		s->server = g_strdup("SRV");
		s->name = g_strdup(cases[i].name);
		s->path = g_strdup(cases[i].path);
		s->acl = g_strdup(cases[i].acl);
		g_ptr_array_add(shares, s);
		g_assert_false(sms_samba_conf(shares, NULL, &conf, &error));
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, cases[i].message));
		g_assert_null(conf);
	}
	/* two shares of one name (case-insensitive, as Samba's) */
	{
		g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func((GDestroyNotify)
		                                                             sms_samba_share_free);
		g_autoptr(GError) error = NULL;
		char *conf = NULL;
		for (int i = 0; i < 2; i++) {
			SmsSambaShare *s = g_new0(SmsSambaShare, 1);
			s->server = g_strdup("SRV");
			s->name = g_strdup(i ? "office" : "OFFICE");
			s->path = g_strdup("/srv/x");
			s->acl = g_strdup("Everyone:Read");
			g_ptr_array_add(shares, s);
		}
		g_assert_false(sms_samba_conf(shares, NULL, &conf, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME);
		g_assert_nonnull(strstr(error->message, "two shares of that name"));
	}
}

static char *
recorded(const char *name)
{
	g_autofree char *rel = g_strdup_printf("tests/data/smbstatus/%s", name);
	g_autofree char *path = sms_test_srcpath(rel);
	char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	return text;
}

static SmsSambaOpen *
open_at(GPtrArray *opens, guint i)
{
	g_assert_cmpuint(i, <, opens->len);
	return opens->pdata[i];
}

static void
test_status_parse(void)
{
	g_autofree char *two = recorded("two-users.json");
	g_autofree char *one = recorded("one-open-root.json");
	g_autofree char *none = recorded("uid-names.json");
	g_autoptr(GPtrArray) opens = NULL;
	g_autoptr(GError) error = NULL;
	SmsSambaOpen *o;

	/* alice on WKS 10.77.0.11 holds hello.txt through SMS_SHR; bob on 10.77.0.12 holds
	 * new.txt through RO and hello.txt through SMS_SHR (one connection per share) */
	g_assert_true(sms_samba_status_parse(two, -1, "two-users.json", &opens, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 3);
	o = open_at(opens, 0);
	g_assert_cmpstr(o->path, ==, "/tmp/i14f/share/new.txt");
	g_assert_cmpstr(o->service_path, ==, "/tmp/i14f/share");
	g_assert_cmpstr(o->file, ==, "new.txt");
	g_assert_cmpstr(o->service, ==, "RO");
	g_assert_cmpstr(o->user, ==, "bob");
	g_assert_cmpstr(o->machine, ==, "10.77.0.12");
	g_assert_cmpstr(o->access, ==, "R");
	g_assert_cmpint(o->pid, ==, 23353);
	g_assert_cmpstr(sms_time_str(o->opened), ==, "2026-12-04 14:59:09");
	o = open_at(opens, 1);
	g_assert_cmpstr(o->file, ==, "hello.txt");
	g_assert_cmpstr(o->service, ==, "SMS_SHR");
	g_assert_cmpstr(o->user, ==, "bob");
	g_assert_cmpint(o->pid, ==, 23358);
	o = open_at(opens, 2);
	g_assert_cmpstr(o->file, ==, "hello.txt");
	g_assert_cmpstr(o->service, ==, "SMS_SHR");
	g_assert_cmpstr(o->user, ==, "alice");
	g_assert_cmpstr(o->machine, ==, "10.77.0.11");
	g_clear_pointer(&opens, g_ptr_array_unref);

	g_assert_true(sms_samba_status_parse(one, -1, "one-open-root.json", &opens, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 1);
	g_assert_cmpstr(open_at(opens, 0)->user, ==, "root");
	g_assert_cmpstr(open_at(opens, 0)->service, ==, "SMS_SHR");
	g_clear_pointer(&opens, g_ptr_array_unref);

	/* smbstatus outside smbd's passwd: user names are uids, still a user */
	g_assert_true(sms_samba_status_parse(none, -1, "uid-names.json", &opens, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 1);
	g_assert_cmpstr(open_at(opens, 0)->user, ==, "20001");
	g_clear_pointer(&opens, g_ptr_array_unref);

	/* numbers for names, '\\' in file names, an opening time that is not one */
	g_assert_true(sms_samba_status_parse("{\"sessions\":{\"1\":{\"server_id\":{\"pid\":\"5\","
	                                     "\"unique_id\":\"9\"},\"username\":7,\"remote_machine\":"
	                                     "\"m\"}},\"tcons\":{},\"open_files\":{\"/s/d/f\":{"
	                                     "\"service_path\":\"/s\",\"filename\":\"d\\\\f\","
	                                     "\"opens\":{\"5/1\":{\"server_id\":{\"pid\":\"5\","
	                                     "\"unique_id\":\"9\"},\"access_mask\":{\"text\":\"RW\"},"
	                                     "\"opened_at\":\"soon\"}}}}}", -1, "hand", &opens,
	                                     &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 1);
	g_assert_cmpstr(open_at(opens, 0)->user, ==, "7");
	g_assert_cmpstr(open_at(opens, 0)->file, ==, "d/f");
	g_assert_null(open_at(opens, 0)->service);
	g_assert_cmpint(open_at(opens, 0)->pid, ==, 5);
	g_assert_cmpint(open_at(opens, 0)->opened, ==, SMS_TIME_NONE);
	g_clear_pointer(&opens, g_ptr_array_unref);

	/* nothing open */
	g_assert_true(sms_samba_status_parse("{\"sessions\":{},\"tcons\":{},\"open_files\":{}}", -1,
	                                     "empty", &opens, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 0);
}

static char *
replace(const char *text, const char *from, const char *to)
{
	g_auto(GStrv) parts = g_strsplit(text, from, -1);
	g_assert_cmpuint(g_strv_length(parts), >=, 2);
	return g_strjoinv(to, parts);
}

static void
test_status_errors(void)
{
	g_autofree char *two = recorded("two-users.json");
	static const struct {
		const char *from, *to, *message;
	} cases[] = {
		{ "\"open_files\"", "\"files\"", "top level: expected member \"open_files\"" },
		{ "\"username\": \"alice\"", "\"username\": true", "member \"username\": expected a "
		  "string or an integer" },
		{ "\"pid\": \"22336\"", "\"pid\": \"x\"", "server_id.pid 'x'" },
		{ "\"service_path\"", "\"servicepath\"", "open_files[\"/tmp/i14f/share/new.txt\"]: "
		  "expected member \"service_path\"" },
		{ "\"sessions\": {", "\"sessions\": [", "two-users.json:" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *bad = replace(two, cases[i].from, cases[i].to);
		g_autoptr(GError) error = NULL;
		GPtrArray *opens = NULL;
		g_assert_false(sms_samba_status_parse(bad, -1, "two-users.json", &opens, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON);
		if (strstr(error->message, cases[i].message) == NULL)
			g_test_message("got: %s", error->message);
		g_assert_nonnull(strstr(error->message, cases[i].message));
		g_assert_true(g_str_has_prefix(error->message, "two-users.json"));
		g_assert_null(opens);
	}
	/* an open of a connection without a session */
	{
		g_autofree char *bad = replace(two, "\"unique_id\": \"8102711190834729954\"}, \"uid\": "
		                               "20001", "\"unique_id\": \"1\"}, \"uid\": 20001");
		g_autoptr(GError) error = NULL;
		GPtrArray *opens = NULL;
		g_assert_false(sms_samba_status_parse(bad, -1, "x.json", &opens, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON);
		g_assert_nonnull(strstr(error->message, "no session of server 22336/"));
	}
	/* not JSON, not an object */
	{
		g_autoptr(GError) error = NULL;
		GPtrArray *opens = NULL;
		g_assert_false(sms_samba_status_parse("[1,2]", -1, "arr", &opens, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON);
		g_clear_error(&error);
		g_assert_false(sms_samba_status_parse("{\"sessions\":", -1, "cut", &opens, &error));
		g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON);
		g_assert_true(g_str_has_prefix(error->message, "cut: "));
	}
}

static SmsSambaShare *
mkshare(const char *name, const char *path, const char *package, const char *dir)
{
	SmsSambaShare *s = g_new0(SmsSambaShare, 1);
	s->server = g_strdup("SRV01");
	s->name = g_strdup(name);
	s->path = g_strdup(path);
	s->acl = g_strdup("Everyone:Read");
	s->package = g_strdup(package);
	s->package_dir = g_strdup(dir);
	return s;
}

static SmsShareSession *
session_at(GPtrArray *a, guint i)
{
	g_assert_cmpuint(i, <, a->len);
	return a->pdata[i];
}

static void
test_sessions(void)
{
	g_autofree char *two = recorded("two-users.json");
	g_autoptr(GPtrArray) opens = NULL;
	g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                             sms_samba_share_free);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                          sms_share_session_free);
	g_autoptr(GError) error = NULL;
	SmsShareSession *s;

	/* two shares on one directory: the tree connect's name decides */
	g_assert_true(sms_samba_status_parse(two, -1, "two-users.json", &opens, &error));
	g_ptr_array_add(shares, mkshare("SMS_SHR", "/tmp/i14f/share", NULL, NULL));
	g_ptr_array_add(shares, mkshare("RO", "/tmp/i14f/share", NULL, NULL));
	g_assert_true(sms_samba_sessions(opens, shares, "srv01", out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(out->len, ==, 3);
	s = session_at(out, 0);
	g_assert_cmpstr(s->server, ==, "SRV01");
	g_assert_cmpstr(s->share, ==, "RO");
	g_assert_cmpstr(s->file, ==, "new.txt");
	g_assert_cmpstr(s->user, ==, "bob");
	g_assert_cmpstr(s->machine, ==, "10.77.0.12");
	g_assert_cmpstr(s->kind, ==, "smb");
	g_assert_null(s->package);
	g_assert_cmpint(s->closed, ==, SMS_TIME_NONE);
	g_assert_cmpint(s->closes, ==, SMS_TIME_NONE);
	g_assert_cmpint(s->pid, ==, 23353);
	g_assert_cmpstr(session_at(out, 1)->share, ==, "SMS_SHR");
	g_assert_cmpstr(session_at(out, 2)->user, ==, "alice");
	g_ptr_array_set_size(out, 0);
	g_clear_pointer(&opens, g_ptr_array_unref);

	/* the same files seen as in SMS_PKGC\A0100001 and in a Share Package share */
	{
		g_autofree char *pkg = replace(two, "\"filename\": \"new.txt\"",
		                               "\"filename\": \"A0100001/SETUP.EXE\"");
		g_autofree char *pkg2 = replace(pkg, "\"service_path\": \"/tmp/i14f/share\", "
		                                "\"filename\": \"hello.txt\"", "\"service_path\": "
		                                "\"/srv/E/FRISBEE\", \"filename\": \"TESTGROUP/APP.EXE\"");
		g_ptr_array_set_size(shares, 0);
		g_ptr_array_add(shares, mkshare("SMS_PKGC", "/tmp/i14f/share", NULL, NULL));
		g_ptr_array_add(shares, mkshare("FRISBEE", "/srv/E/FRISBEE", "A0100002", "TESTGROUP"));
		g_assert_true(sms_samba_status_parse(pkg2, -1, "pkg.json", &opens, &error));
		g_assert_no_error(error);
		g_assert_true(sms_samba_sessions(opens, shares, "DIST1", out, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(out->len, ==, 3);
		s = session_at(out, 0);
		g_assert_cmpstr(s->server, ==, "DIST1");
		g_assert_cmpstr(s->share, ==, "A0100001");
		g_assert_cmpstr(s->package, ==, "A0100001");
		g_assert_cmpstr(s->file, ==, "SETUP.EXE");
		for (guint i = 1; i < 3; i++) {
			s = session_at(out, i);
			g_assert_cmpstr(s->share, ==, "A0100002");
			g_assert_cmpstr(s->package, ==, "A0100002");
			g_assert_cmpstr(s->file, ==, "APP.EXE");
		}
	}
	/* opens of directories that are not shares of the site: none */
	g_ptr_array_set_size(out, 0);
	g_ptr_array_set_size(shares, 0);
	g_ptr_array_add(shares, mkshare("SMS_SHR", "/elsewhere", NULL, NULL));
	g_assert_true(sms_samba_sessions(opens, shares, "DIST1", out, &error));
	g_assert_cmpuint(out->len, ==, 0);
	g_assert_false(sms_samba_sessions(opens, shares, "", out, &error));
	g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME);
}

static void
test_status_run(void)
{
	g_autofree char *path = sms_test_srcpath("tests/data/smbstatus/two-users.json");
	const char *cat[] = { "cat", path, NULL };
	const char *fail[] = { "sh", "-c", "echo no smbd >&2; exit 3", NULL };
	const char *missing[] = { "/nonexistent/smbstatus", "--json", NULL };
	g_autoptr(GPtrArray) opens = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *none = NULL;

	g_assert_true(sms_samba_status_run(cat, &opens, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(opens->len, ==, 3);
	g_assert_false(sms_samba_status_run(fail, &none, &error));
	g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN);
	g_assert_nonnull(strstr(error->message, "no smbd"));
	g_clear_error(&error);
	g_assert_false(sms_samba_status_run(missing, &none, &error));
	g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN);
	g_assert_nonnull(strstr(error->message, "/nonexistent/smbstatus"));
	g_assert_null(none);
}

/* A server whose shares Samba serves: the locked-file check (sms_share_holders) sees the
 * files smbstatus lists as open in a package directory; a failing smbstatus counts as in
 * use; a server not served adds nothing. */
static void
test_holders(void)
{
	g_autoptr(SmsSite) site = make_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *two = recorded("two-users.json");
	g_autofree char *pkgc = sms_layout_pkg_share(site, "DIST1", 'C');
	g_autofree char *sql = NULL, *a = NULL, *b = NULL, *json = NULL, *cmd = NULL;
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *got = NULL;
	g_autoptr(GPtrArray) held = NULL;
	SmsShareSession *s;

	exec_ok(site, "INSERT INTO packages(id, name, site) VALUES ('A0100001', 'Word', 'A01'), "
	        "('A0100003', 'Excel', 'A01')");
	sql = g_strdup_printf("INSERT INTO package_locations(package, site, server, path, kind) "
	                      "VALUES ('A0100001', 'A01', 'DIST1', '%s/A0100001', 'package'), "
	                      "('A0100003', 'A01', 'DIST1', '%s/A0100003', 'package')", pkgc, pkgc);
	exec_ok(site, sql);
	g_assert_true(sms_mkdir_p(pkgc, &error));
	/* bob holds SMS_PKGC\A0100001\SETUP.EXE; the other opens are elsewhere */
	a = g_strdup_printf("\"service_path\": \"%s\", \"filename\": \"A0100001/SETUP.EXE\"", pkgc);
	b = replace(two, "\"service_path\": \"/tmp/i14f/share\", \"filename\": \"new.txt\"", a);
	json = sms_test_write(dir, "status.json", b);

	/* not served by Samba: nobody */
	g_assert_true(sms_samba_server_command(site, "DIST1", &got, &error));
	g_assert_null(got);
	g_assert_false(sms_share_is_locked(site, "DIST1", "A0100001", 0, NULL));

	cmd = g_strdup_printf("cat '%s'", json);
	g_assert_true(sms_samba_set_server(site, "dist1", cmd, &error));
	g_assert_no_error(error);
	g_assert_true(sms_samba_server_command(site, "DIST1", &got, &error));
	g_assert_cmpstr(got, ==, cmd);
	g_assert_true(sms_share_holders(site, "DIST1", "A0100001", 0, &held, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(held->len, ==, 1);
	s = held->pdata[0];
	g_assert_cmpstr(s->user, ==, "bob");
	g_assert_cmpstr(s->machine, ==, "10.77.0.12");
	g_assert_cmpstr(s->file, ==, "SETUP.EXE");
	g_assert_cmpstr(s->kind, ==, "smb");
	g_assert_cmpstr(s->server, ==, "DIST1");
	g_assert_true(sms_share_is_locked(site, "DIST1", "A0100001", 0, NULL));
	/* another package on the same share is free */
	g_assert_false(sms_share_is_locked(site, "DIST1", "A0100003", 0, NULL));

	/* two packages under one share (TOOLS\A, TOOLS\B): a file open in either counts for
	 * both (the Despooler must not overwrite what it cannot tell apart) */
	{
		g_autofree char *drive_c = sms_layout_drive(site, "DIST1", 'C');
		g_autofree char *sql2 = g_strdup_printf("INSERT INTO package_locations(package, site, "
		                                        "server, path, kind) VALUES ('A0100005', "
		                                        "'A01', 'DIST1', '%s/TOOLS/A', 'package'), "
		                                        "('A0100006', 'A01', 'DIST1', '%s/TOOLS/B', "
		                                        "'package')", drive_c, drive_c);
		g_autofree char *c = g_strdup_printf("\"service_path\": \"%s/TOOLS\", \"filename\": "
		                                     "\"A/X.EXE\"", drive_c);
		g_autofree char *b2 = replace(b, "\"service_path\": \"/tmp/i14f/share\", "
		                              "\"filename\": \"hello.txt\"", c);
		g_autofree char *json2 = sms_test_write(dir, "status2.json", b2);
		g_autofree char *cmd2 = g_strdup_printf("cat '%s'", json2);
		exec_ok(site, "INSERT INTO packages(id, name, site, share_name) VALUES ('A0100005', "
		        "'A', 'A01', 'TOOLS\\A'), ('A0100006', 'B', 'A01', 'TOOLS\\B')");
		exec_ok(site, sql2);
		g_assert_true(sms_samba_set_server(site, "DIST1", cmd2, &error));
		g_assert_no_error(error);
		for (int k = 0; k < 2; k++) {
			g_clear_pointer(&held, g_ptr_array_unref);
			g_assert_true(sms_share_holders(site, "DIST1", k ? "A0100006" : "TOOLS\\A", 0,
			                                &held, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(held->len, ==, 2);  /* both opens on hello.txt became X.EXE */
			s = held->pdata[0];
			g_assert_cmpstr(s->share, ==, "TOOLS");
			g_assert_cmpstr(s->file, ==, "A/X.EXE");
		}
		g_clear_pointer(&held, g_ptr_array_unref);
		g_assert_true(sms_share_holders(site, "DIST1", "A0100001", 0, &held, &error));
		g_assert_cmpuint(held->len, ==, 1);
		g_clear_pointer(&held, g_ptr_array_unref);
	}

	/* smbstatus fails: the directory counts as in use */
	g_assert_true(sms_samba_set_server(site, "DIST1", "sh -c 'exit 1'", &error));
	g_assert_true(sms_share_is_locked(site, "DIST1", "A0100003", 0, NULL));
	g_clear_pointer(&held, g_ptr_array_unref);
	g_assert_false(sms_share_holders(site, "DIST1", "A0100003", 0, &held, &error));
	g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN);
	g_clear_error(&error);

	/* no longer served; bad settings refused */
	g_assert_true(sms_samba_set_server(site, "DIST1", NULL, &error));
	g_assert_false(sms_share_is_locked(site, "DIST1", "A0100001", 0, NULL));
	g_assert_false(sms_samba_set_server(site, "NOSUCH", "smbstatus --json", &error));
	g_assert_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN);
	g_clear_error(&error);
	g_assert_false(sms_samba_set_server(site, "DIST1", "smbstatus 'unclosed", &error));
	g_assert_error(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/samba/acl-params", test_acl_params);
	g_test_add_func("/samba/acl-errors", test_acl_errors);
	g_test_add_func("/samba/shares", test_shares);
	g_test_add_func("/samba/conf-errors", test_conf_errors);
	g_test_add_func("/samba/status-parse", test_status_parse);
	g_test_add_func("/samba/status-errors", test_status_errors);
	g_test_add_func("/samba/sessions", test_sessions);
	g_test_add_func("/samba/status-run", test_status_run);
	g_test_add_func("/samba/holders", test_holders);
	return g_test_run();
}
