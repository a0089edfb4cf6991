/* test-sni.c -- status instructions: statuses, checks, writing without replacing,
 * the status MIF before the .SNI (KB Q138241). */
#include "common.h"
#include "sni.h"
#include "testlib.h"

#include <sys/stat.h>

int main(int argc, char **argv);

static SmsSni *
sample(void)
{
	SmsSni *s = g_new0(SmsSni, 1);
	s->type = g_strdup(SMS_SNI_TYPE);
	s->site = g_strdup("A01");
	s->job_id = g_strdup("A0100001");
	s->smsid = g_strdup("A0101000");
	s->machine = g_strdup("AHEAD");
	s->status = g_strdup("Failed");
	s->description = g_strdup("Setup failed\r\nreason ; disk full");
	s->time = sms_time_from_fields(1996, 2, 1, 10, 5, 0);
	return s;
}

static char *
read_text(const char *path)
{
	char *s = NULL;
	g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
	return s;
}

static void
test_status(void)
{
	g_assert_cmpint(sms_sni_status_from_string("success"), ==, SMS_SNI_SUCCESS);
	g_assert_cmpint(sms_sni_status_from_string("FAILED"), ==, SMS_SNI_FAILED);
	g_assert_cmpint(sms_sni_status_from_string("Executed"), ==, SMS_SNI_EXECUTED);
	g_assert_cmpint(sms_sni_status_from_string("Expired"), ==, SMS_SNI_EXPIRED);
	g_assert_cmpint(sms_sni_status_from_string("Complete"), ==, SMS_SNI_STATUS_UNKNOWN);
	g_assert_cmpint(sms_sni_status_from_string(NULL), ==, SMS_SNI_STATUS_UNKNOWN);
	g_assert_cmpstr(sms_sni_status_name(SMS_SNI_EXPIRED), ==, "Expired");
	g_assert_null(sms_sni_status_name(SMS_SNI_STATUS_UNKNOWN));
	for (int i = SMS_SNI_SUCCESS; i <= SMS_SNI_EXPIRED; i++)
		g_assert_cmpint(sms_sni_status_from_string(sms_sni_status_name(i)), ==, i);
}

static void
expect_invalid(SmsSni *s, const char *needle)
{
	g_autoptr(GError) e = NULL;
	g_assert_false(sms_sni_check("X.SNI", s, &e));
	g_assert_error(e, SMS_SNI_ERROR, SMS_SNI_ERROR_INVALID);
	if (strstr(e->message, needle) == NULL || !g_str_has_prefix(e->message, "X.SNI: "))
		g_error("'%s' not in '%s'", needle, e->message);
}

#define SWAP(field, v, needle) do { \
	char *old_ = s->field; s->field = (char *)(v); expect_invalid(s, needle); \
	s->field = old_; } while (0)

static void
test_check(void)
{
	g_autoptr(SmsSni) s = sample();
	g_assert_true(sms_sni_check(NULL, s, NULL));
	SWAP(site, "A1", "Site: expected a site code of 3");
	SWAP(site, NULL, "Site: expected");
	SWAP(job_id, "A01-0001", "JobID: expected a job ID of 8");
	SWAP(smsid, "a0101000", "SMSID: expected an SMS ID");
	SWAP(machine, "", "Machine: expected a computer name of 1-15");
	SWAP(machine, "SIXTEENCHARSLONG", "Machine: expected");
	SWAP(machine, "A B", "Machine: expected");
	SWAP(status, "Complete", "Status: expected Success, Failed, Executed or Expired");
	SWAP(status, "Failed\nStatus=Success", "Status: expected one line of text");
	SWAP(type, "MICROSOFT|SMS|OTHER", "Type: expected MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE");
	SWAP(mif, "../x.PCK", "StatusMIF: expected a file name ending in .PCK");
	SWAP(mif, "x.MIF", "StatusMIF: expected");
	s->time = SMS_TIME_NONE;
	expect_invalid(s, "Time: expected the workstation's time");
	s->time = 0;
	{
		g_autofree char *longd = g_strnfill(300, 'd');
		SWAP(description, longd, "Description: expected at most 255 bytes");
	}
	g_clear_pointer(&s->smsid, g_free);   /* optional */
	g_assert_true(sms_sni_check(NULL, s, NULL));
}

static void
test_write(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autoptr(SmsSni) s = sample();
	g_autoptr(SmsSni) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	g_assert_true(sms_sni_write(dir, "A0101000001", s, SMS_SYNC_FILE, &path, &error));
	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(path, "/A0101000001.SNI"));
	g_assert_true(sms_sni_load(path, &back, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(back->type, ==, SMS_SNI_TYPE);
	g_assert_cmpstr(back->site, ==, "A01");
	g_assert_cmpstr(back->job_id, ==, "A0100001");
	g_assert_cmpstr(back->smsid, ==, "A0101000");
	g_assert_cmpstr(back->machine, ==, "AHEAD");
	g_assert_cmpstr(back->status, ==, "Failed");
	g_assert_cmpint(back->time, ==, s->time);
	g_assert_null(back->mif);
	/* one line, and the part after ';' is not taken for a comment */
	g_assert_cmpstr(back->description, ==, "Setup failed  reason; disk full");
	g_assert_true(sms_sni_check(path, back, NULL));
	/* an existing status file is never replaced */
	before = read_text(path);
	g_free(s->status);
	s->status = g_strdup("Success");
	g_assert_false(sms_sni_write(dir, "A0101000001", s, SMS_SYNC_NONE, NULL, &error));
	g_assert_error(error, SMS_SNI_ERROR, SMS_SNI_ERROR_EXISTS);
	g_clear_error(&error);
	after = read_text(path);
	g_assert_cmpstr(before, ==, after);
	/* nor is an invalid one written */
	g_free(s->job_id);
	s->job_id = g_strdup("BAD");
	g_assert_false(sms_sni_write(dir, "A0101000002", s, SMS_SYNC_NONE, NULL, &error));
	g_assert_error(error, SMS_SNI_ERROR, SMS_SNI_ERROR_INVALID);
	{
		g_autofree char *p2 = g_build_filename(dir, "A0101000002.SNI", NULL);
		g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
	}
}

static void
test_deliver(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *box = g_build_filename(dir, "DESPOOLR.BOX", NULL);
	g_autofree char *mif = NULL;
	g_autofree char *mif_text = sms_mif_format_status("Contoso", "Tool", "1.0", "disk full",
	                                                  FALSE);
	g_autoptr(SmsSni) s = sample();
	g_autoptr(SmsSni) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *pck = g_build_filename(box, "A0101000001.PCK", NULL);
	g_autofree char *sni = g_build_filename(box, "A0101000001.SNI", NULL);
	g_autofree char *copied = NULL;
	g_assert_cmpint(g_mkdir(box, 0755), ==, 0);
	mif = sms_test_write(dir, "WINDOWS/setup.mif", mif_text);
	g_assert_true(sms_sni_deliver(box, "A0101000001", s, mif, SMS_SYNC_FILE, &error));
	g_assert_no_error(error);
	copied = read_text(pck);
	g_assert_cmpstr(copied, ==, mif_text);
	g_assert_true(sms_sni_load(sni, &back, &error));
	g_assert_cmpstr(back->mif, ==, "A0101000001.PCK");
	/* names taken: nothing written */
	g_assert_false(sms_sni_deliver(box, "A0101000001", s, mif, SMS_SYNC_NONE, &error));
	g_assert_error(error, SMS_SNI_ERROR, SMS_SNI_ERROR_EXISTS);
	g_clear_error(&error);
	/* no status MIF: no .PCK, no StatusMIF */
	g_clear_pointer(&back, sms_sni_free);
	{
		g_autofree char *sni2 = g_build_filename(box, "A0101000002.SNI", NULL);
		g_autofree char *pck2 = g_build_filename(box, "A0101000002.PCK", NULL);
		g_autofree char *sni3 = g_build_filename(box, "A0101000003.SNI", NULL);
		g_assert_true(sms_sni_deliver(box, "A0101000002", s, NULL, SMS_SYNC_NONE, &error));
		g_assert_true(sms_sni_load(sni2, &back, &error));
		g_assert_null(back->mif);
		g_assert_false(g_file_test(pck2, G_FILE_TEST_EXISTS));
		/* a missing status MIF file: nothing written either */
		g_assert_false(sms_sni_deliver(box, "A0101000003", s, "/nonexistent/x.mif",
		                               SMS_SYNC_NONE, &error));
		g_assert_false(g_file_test(sni3, G_FILE_TEST_EXISTS));
	}
}

/* The .PCK goes first: when the second write (the .SNI) fails, there is no .SNI alone and
 * the .PCK is taken back; when the first (the .PCK) fails, the .SNI is never written. */
static void
test_order(void)
{
	if (g_test_subprocess()) {
		const char *hit = g_getenv("SNI_TEST_HIT");
		g_autofree char *dir = sms_test_tmpdir();
		g_autofree char *mif = sms_test_write(dir, "setup.mif", "START COMPONENT\n");
		g_autoptr(SmsSni) s = sample();
		g_autoptr(GError) error = NULL;
		g_autoptr(GDir) d = NULL;
		g_autofree char *fault = g_strdup_printf("atomic-before-rename:%s", hit);
		g_setenv("SMSEMU_FAULT", fault, TRUE);
		g_assert_false(sms_sni_deliver(dir, "A0101000001", s, mif, SMS_SYNC_NONE, &error));
		g_assert_error(error, SMS_ERROR, SMS_ERROR_FAULT);
		d = g_dir_open(dir, 0, NULL);
		for (const char *n; (n = g_dir_read_name(d));)
			g_assert_cmpstr(n, ==, "setup.mif");
		return;
	}
	g_setenv("SNI_TEST_HIT", "1", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
	g_setenv("SNI_TEST_HIT", "2", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

static void
test_base_name(void)
{
	g_autofree char *a = sms_sni_base_name("A0101000", 0x1A);
	g_autofree char *b = sms_sni_base_name("A0101000", 0x1001);
	g_assert_cmpstr(a, ==, "A010100001A");
	g_assert_cmpstr(b, ==, "A0101000001");
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/sni/status", test_status);
	g_test_add_func("/sni/check", test_check);
	g_test_add_func("/sni/write", test_write);
	g_test_add_func("/sni/deliver", test_deliver);
	g_test_add_func("/sni/order", test_order);
	g_test_add_func("/sni/base-name", test_base_name);
	return g_test_run();
}
