/* test-ini.c -- INI reader: comments, case, lists, errors with file:line. */
#include "ini.h"
#include "testlib.h"

static void
test_basic(void)
{
	g_autoptr(GError) error = NULL;
	const char *text = "; comment\n[Package Definition]\nProduct = Office 95  ; trailing\n"
	                   "SetupVariations = Typical, Compact ,Custom\n\n[typical setup]\n"
	                   "CommandLine=setup.exe /q1 /b1\n";
	g_autoptr(SmsIni) ini = sms_ini_parse("x.pdf", text, strlen(text), &error);
	g_auto(GStrv) list = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(sms_ini_get(ini, "package definition", "PRODUCT"), ==, "Office 95");
	list = sms_ini_split_list(sms_ini_get(ini, "Package Definition", "SetupVariations"));
	g_assert_cmpuint(g_strv_length(list), ==, 3);
	g_assert_cmpstr(list[1], ==, "Compact");
	g_assert_cmpstr(sms_ini_get(ini, "Typical Setup", "commandline"), ==, "setup.exe /q1 /b1");
}

static void
test_errors(void)
{
	g_autoptr(GError) error = NULL;
	const char *t1 = "[A]\nfoo\n";
	const char *t2 = "x=1\n";
	const char *t3 = "[A\n";
	g_autoptr(SmsIni) ini = sms_ini_parse("bad.ini", t1, strlen(t1), &error);

	g_assert_null(ini);
	g_assert_error(error, SMS_INI_ERROR, SMS_INI_ERROR_SYNTAX);
	g_assert_nonnull(strstr(error->message, "bad.ini:2:"));
	g_clear_error(&error);
	g_assert_null(sms_ini_parse("bad.ini", t2, strlen(t2), &error));
	g_assert_nonnull(strstr(error->message, "bad.ini:1:"));
	g_clear_error(&error);
	g_assert_null(sms_ini_parse("bad.ini", t3, strlen(t3), &error));
	g_assert_nonnull(strstr(error->message, "']'"));
}

static void
test_unused_and_typed(void)
{
	g_autoptr(GError) error = NULL;
	const char *t = "[S]\nA=5\nB=yes\nC=oops\nD=x\n";
	g_autoptr(SmsIni) ini = sms_ini_parse("t.ini", t, strlen(t), &error);
	SmsIniSection *s = sms_ini_find(ini, "s");
	gint64 a;
	gboolean b;

	g_assert_true(sms_ini_get_int(ini, s, "a", 0, 10, 1, &a, &error));
	g_assert_cmpint(a, ==, 5);
	g_assert_true(sms_ini_get_bool(ini, s, "b", FALSE, &b, &error));
	g_assert_true(b);
	g_assert_false(sms_ini_get_int(ini, s, "c", 0, 10, 1, &a, &error));
	g_assert_nonnull(strstr(error->message, "t.ini:4:"));
	g_clear_error(&error);
	g_assert_false(sms_ini_section_check_unused(ini, s, "A, B, C", &error));
	g_assert_error(error, SMS_INI_ERROR, SMS_INI_ERROR_UNKNOWN_KEY);
	g_assert_nonnull(strstr(error->message, "t.ini:5:"));
	g_clear_error(&error);
	/* a known key given twice is said to be given twice, not unknown */
	{
		const char *text = "[S]\nResponse=Fast\nresponse=Slow\n";
		g_autoptr(SmsIni) twice = sms_ini_parse("twice.ini", text, strlen(text), &error);
		SmsIniSection *sec = sms_ini_find(twice, "S");
		g_assert_cmpstr(sms_ini_section_get(sec, "Response"), ==, "Fast");
		g_assert_false(sms_ini_section_check_unused(twice, sec, "Response", &error));
		g_assert_error(error, SMS_INI_ERROR, SMS_INI_ERROR_DUPLICATE);
		g_assert_nonnull(strstr(error->message, "twice.ini:3: response given twice in [S] "
		                                        "(first at line 2)"));
	}
}

static void
test_roundtrip(void)
{
	g_autoptr(SmsIni) ini = sms_ini_new("SMS.INI");
	g_autofree char *data = NULL;
	g_autoptr(SmsIni) back = NULL;
	gsize len;

	sms_ini_set(ini, "SMS", "SMS Unique ID", "A0100000");
	sms_ini_set(ini, "Servers", "CurrentLogonServer", "SRV01");
	sms_ini_set(ini, "SMS", "SiteCode", "A01");
	data = sms_ini_to_data(ini, &len);
	back = sms_ini_parse("SMS.INI", data, len, NULL);
	g_assert_cmpstr(sms_ini_get(back, "sms", "sms unique id"), ==, "A0100000");
	g_assert_cmpstr(sms_ini_get(back, "SMS", "SiteCode"), ==, "A01");
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/ini/basic", test_basic);
	g_test_add_func("/ini/errors", test_errors);
	g_test_add_func("/ini/unused-and-typed", test_unused_and_typed);
	g_test_add_func("/ini/roundtrip", test_roundtrip);
	return g_test_run();
}
