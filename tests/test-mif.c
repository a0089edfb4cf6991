/* test-mif.c -- package command status MIFs: reading real layouts, syntax errors with
 * line numbers, and the writer (InstallStatusMIF); the .SNI status instruction. */
#include "testlib.h"
#include "mif.h"

static SmsStatusMif *
parse_ok(const char *text)
{
	SmsStatusMif *m = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_mif_parse("t.mif", text, strlen(text), &m, &error))
		g_error("unexpected: %s", error->message);
	return m;
}

static void
test_samples(void)
{
	g_autofree char *ok_path = sms_test_srcpath("samples/mifs/success.mif");
	g_autofree char *fail_path = sms_test_srcpath("samples/mifs/failed.mif");
	g_autofree char *bad_path = sms_test_srcpath("samples/mifs/malformed.mif");
	g_autofree char *sqla_path = sms_test_srcpath("samples/mifs/sqlany-failed.mif");
	g_autoptr(SmsStatusMif) a = NULL, b = NULL, c = NULL, d = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *where = NULL;

	g_assert_true(sms_mif_load(ok_path, &a, &error));
	g_assert_no_error(error);
	g_assert_true(a->success);
	g_assert_cmpstr(a->status, ==, "Success");
	g_assert_cmpstr(a->component, ==, "WORKSTATION");
	g_assert_cmpstr(a->manufacturer, ==, "Microsoft");
	g_assert_cmpstr(a->description, ==, "Installation completed");
	g_assert_cmpuint(a->warnings->len, ==, 0);

	g_assert_true(sms_mif_load(fail_path, &b, &error));
	g_assert_false(b->success);
	g_assert_cmpstr(b->status, ==, "Failed");
	g_assert_cmpstr(b->description, ==, "Setup could not write to C:\\MSOFFICE: disk full");
	g_assert_cmpstr(b->product, ==, "Office 95 Standard");
	g_assert_cmpstr(b->version, ==, "7.0");
	g_assert_null(b->locale);
	g_assert_cmpint(b->status_line, ==, 36);

	/* an attribute left open: the line where END GROUP came */
	g_assert_false(sms_mif_load(bad_path, &c, &error));
	g_assert_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_SYNTAX);
	where = g_strdup_printf("%s:30:2: END GROUP does not close the open block (expected END "
	                        "ATTRIBUTE)", bad_path);
	g_assert_cmpstr(error->message, ==, where);
	g_assert_null(c);
	g_clear_error(&error);

	/* the SQL Anywhere setup's layout: mixed case, no ComponentID group, FAILED, LF,
	 * a path ending in a backslash */
	g_assert_true(sms_mif_load(sqla_path, &d, &error));
	g_assert_no_error(error);
	g_assert_false(d->success);
	g_assert_cmpstr(d->status, ==, "FAILED");
	g_assert_cmpstr(d->component, ==, "Workstation");
	g_assert_cmpstr(d->description, ==, "Not enough disk space on drive C:\\");
	g_assert_null(d->manufacturer);
}

static SmsStatusMif *
load_data(const char *file)
{
	g_autofree char *path = g_build_filename("tests", "data", "mif", file, NULL);
	g_autofree char *full = sms_test_srcpath(path);
	SmsStatusMif *m = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_mif_load(full, &m, &error))
		g_error("%s: %s", file, error->message);
	return m;
}

/* Every status MIF printed in the KB articles and SDK / Resource Guide pages, typed in
 * (tests/data/mif/README.md says which file comes from where). */
static void
test_documented(void)
{
	static const char *const smsdesc = "The most effective multi-site management system that "
		"provides integrated desktop management for customers with medium to large Windows "
		"environments.";
	/* KB Q186415: START GROUP and NAME = on one line, a Description over three lines,
	 * Failed (the line-based reader called this malformed, and so successful) */
	{
		g_autoptr(SmsStatusMif) m = load_data("kb-q186415-ismif32.mif");
		g_assert_false(m->success);
		g_assert_cmpstr(m->status, ==, "Failed");
		g_assert_cmpint(m->status_line, ==, 59);
		g_assert_cmpint(m->status_col, ==, 10);
		g_assert_cmpstr(m->component, ==, "WORKSTATION");
		g_assert_cmpstr(m->manufacturer, ==, "Microsoft");
		g_assert_cmpstr(m->product, ==, "SMS");
		g_assert_cmpstr(m->version, ==, "1.2");
		g_assert_cmpstr(m->locale, ==, "");
		g_assert_cmpstr(m->serial, ==, "");
		g_assert_cmpstr(m->installation, ==, "DateTime");
		g_assert_cmpstr(m->description, ==, smsdesc);
		g_assert_cmpuint(strlen(m->description), <=, 148);     /* its TYPE = STRING(148) */
		g_assert_cmpuint(m->warnings->len, ==, 0);
	}
	/* KB Q166833's example: Success, whatever its Description says */
	{
		g_autoptr(SmsStatusMif) m = load_data("kb-q166833-example.mif");
		g_assert_true(m->success);
		g_assert_cmpstr(m->manufacturer, ==, "Jamalz");
		g_assert_cmpstr(m->product, ==, "JamalTest");
		g_assert_cmpstr(m->version, ==, "3.15");
		g_assert_null(m->locale);
		g_assert_cmpstr(m->serial, ==, "01122121r");
		g_assert_cmpstr(m->installation, ==, "12/12/95");
		g_assert_cmpstr(m->description, ==, "ErrorJamalz");
	}
	/* the SDK's copy of KB Q186415's example: same reading */
	{
		g_autoptr(SmsStatusMif) m = load_data("sdk-ismif32-example.mif");
		g_assert_false(m->success);
		g_assert_cmpstr(m->product, ==, "SMS");
		g_assert_cmpstr(m->description, ==, smsdesc);
	}
	/* the SDK's OFFICE97.MIF: NAME="x" without blanks, class DMTF|Component|1.0 */
	{
		g_autoptr(SmsStatusMif) m = load_data("sdk-office97.mif");
		g_assert_true(m->success);
		g_assert_cmpstr(m->manufacturer, ==, "Microsoft");
		g_assert_cmpstr(m->product, ==, "Office 97");
		g_assert_cmpstr(m->version, ==, "999.999");
		g_assert_cmpstr(m->locale, ==, "ENU");
		g_assert_cmpstr(m->serial, ==, "1234");
		g_assert_cmpstr(m->description, ==, "Completed Successfully");
	}
	/* the Resource Guide's template: TYPE = STRING (255), blanks after values */
	{
		g_autoptr(SmsStatusMif) m = load_data("rg-template.mif");
		g_assert_false(m->success);
		g_assert_cmpstr(m->manufacturer, ==, "Manufacturer");
		g_assert_cmpstr(m->serial, ==, "Serial Number");
		g_assert_cmpstr(m->installation, ==, "Date Time");
		g_assert_cmpstr(m->description, ==, "Error Message");
	}
	/* KB Q169491: VALUE = "" for the Description: a warning, still a success */
	{
		g_autoptr(SmsStatusMif) m = load_data("kb-q169491-empty-description.mif");
		g_autofree char *path = sms_test_srcpath("tests/data/mif/kb-q169491-empty-description.mif");
		g_autofree char *want = g_strdup_printf("%s:15:9: empty Description", path);
		g_assert_true(m->success);
		g_assert_cmpstr(m->description, ==, "");
		g_assert_cmpuint(m->warnings->len, ==, 1);
		g_assert_true(g_str_has_prefix(m->warnings->pdata[0], want));
	}
	/* KB Q239534's piece of MIF: two statements on one line */
	{
		g_autoptr(SmsStatusMif) m = load_data("kb-q239534-date-fragment.mif");
		g_assert_true(m->success);
		g_assert_cmpstr(m->installation, ==, "20311011051024.000000+000");
		g_assert_null(m->description);
	}
	/* free form: all on one line, lower case, adjacent strings joined */
	{
		g_autoptr(SmsStatusMif) m = load_data("joined-one-line.mif");
		g_assert_false(m->success);
		g_assert_cmpint(m->status_line, ==, 1);
		g_assert_cmpint(m->status_col, ==, 114);
		g_assert_cmpstr(m->description, ==, "Setup could not find C:\\MSOFFICE\\");
	}
	/* one token a line, comments and blank lines, the Status after the Description */
	{
		g_autoptr(SmsStatusMif) m = load_data("spread-out.mif");
		g_assert_false(m->success);
		g_assert_cmpstr(m->status, ==, "FAILED");
		g_assert_cmpint(m->status_line, ==, 18);
		g_assert_cmpstr(m->component, ==, "WORKSTATION");
		g_assert_cmpstr(m->description, ==, "Not enough disk space on drive C:\\");
	}
}

static void
test_features(void)
{
	/* CRLF, Ctrl-Z, comments everywhere, a // inside a string, an escaped quote, bare
	 * values, LANGUAGE at the top, tables and enums skipped, the component attributes
	 * written into the status group, Windows-1252 text */
	const char *text =
		"// written by a setup program\r\n"
		"LANGUAGE = \"English|US|iso8859-1\"\r\n"
		"Start Component // the one component\r\n"
		"  Name = \"WORKSTATION\"\r\n"
		"  START TABLE\r\n"
		"    NAME = \"Files\"\r\n"
		"    { \"a\", 1 }\r\n"
		"    START ENUM\r\n"
		"      0x01 = \"x\"\r\n"
		"    END ENUM\r\n"
		"  END TABLE\r\n"
		"  START GROUP\r\n"
		"    NAME = \"InstallStatus\"\r\n"
		"    ID = 2 // second group\r\n"
		"    CLASS = \"microsoft|jobstatus|1.0\"\r\n"
		"    START ATTRIBUTE\r\n"
		"      NAME = \"Product\"\r\n"
		"      VALUE = \"Soci\xe9t\xe9 App\"\r\n"
		"    END ATTRIBUTE\r\n"
		"    START ATTRIBUTE\r\n"
		"      NAME = \"status\"\r\n"
		"      ID = 1\r\n"
		"      TYPE = START ENUM\r\n"
		"        0 = \"Failed\"\r\n"
		"        1 = \"Success\"\r\n"
		"      END ENUM\r\n"
		"      VALUE = success   // bare word\r\n"
		"    END ATTRIBUTE\r\n"
		"    START ATTRIBUTE\r\n"
		"      NAME = \"Description\"\r\n"
		"      VALUE = \"see http://example/ and \\\"readme\\\"\" // note\r\n"
		"    END ATTRIBUTE\r\n"
		"  END GROUP\r\n"
		"END COMPONENT\r\n"
		"\x1a\x00 binary junk after Ctrl-Z";
	g_autoptr(SmsStatusMif) m = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_mif_parse("f.mif", text, strlen(text) + 20, &m, &error));
	g_assert_no_error(error);
	g_assert_true(m->success);
	g_assert_cmpstr(m->status, ==, "success");
	g_assert_cmpint(m->status_line, ==, 20);
	g_assert_cmpstr(m->product, ==, "Soci\xc3\xa9t\xc3\xa9 App");
	g_assert_cmpstr(m->description, ==, "see http://example/ and \"readme\"");
	/* a ComponentID group without a CLASS is known by its NAME; a CLASS after the
	 * attributes counts */
	{
		const char *t2 = "START COMPONENT NAME = \"W\"\n"
			"START GROUP NAME = \"ComponentID\" START ATTRIBUTE NAME = \"Product\" "
			"VALUE = \"P\" END ATTRIBUTE END GROUP\n"
			"START GROUP START ATTRIBUTE NAME = \"Status\" VALUE = \"Success\" END ATTRIBUTE\n"
			"CLASS = \"MICROSOFT|JOBSTATUS|1.0\" END GROUP END COMPONENT\n";
		g_autoptr(SmsStatusMif) m2 = NULL;
		g_assert_true(sms_mif_parse("g.mif", t2, strlen(t2), &m2, &error));
		g_assert_cmpstr(m2->product, ==, "P");
		g_assert_true(m2->success);
		g_assert_cmpint(m2->status_line, ==, 3);
	}
}

/* How a Description string reads, written as the writers of the time wrote them. */
static void
test_strings(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "\"plain\"", "plain" },
		{ "\"joined\" \"strings\"", "joinedstrings" },
		{ "\"joined\"\n  // a comment between\n  \" over lines\"", "joined over lines" },
		{ "\"a comment after\"// x \"y\"", "a comment after" },
		{ "\"He said \"no\" twice\"", "He said \"no\" twice" },
		{ "\"an \\\"escaped\\\" quote\"", "an \"escaped\" quote" },
		{ "\"C:\\\"", "C:\\" },
		{ "\"C:\\MSOFFICE\\\" END ATTRIBUTE START ATTRIBUTE NAME = \"x\"", "C:\\MSOFFICE\\" },
		{ "\"see http://example/\"", "see http://example/" },
		{ "\"line one   \n\n     line two\"", "line one line two" },
		{ "\"\"", "" },
		{ "bare-word", "bare-word" },
		{ "\"tab\tinside\"", "tab\tinside" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf(
			"START COMPONENT NAME = \"W\" START GROUP CLASS = \"MICROSOFT|JOBSTATUS|1.0\"\n"
			"START ATTRIBUTE NAME = \"Status\" VALUE = \"Failed\" END ATTRIBUTE\n"
			"START ATTRIBUTE NAME = \"Description\" VALUE = %s\nEND ATTRIBUTE\n"
			"END GROUP END COMPONENT\n", cases[i].value);
		g_autoptr(SmsStatusMif) m = NULL;
		g_autoptr(GError) error = NULL;
		if (!sms_mif_parse("s.mif", text, strlen(text), &m, &error))
			g_error("case %" G_GSIZE_FORMAT ": %s", i, error->message);
		g_assert_cmpstr(m->description, ==, cases[i].want);
		g_assert_false(m->success);
	}
}

static void
test_utf16_and_warnings(void)
{
	const char *text =
		"START COMPONENT\nNAME = \"WORKSTATION\"\n"
		"START GROUP\nNAME = \"ComponentID\"\nCLASS = \"DMTF|ComponentID|1.0\"\n"
		"START ATTRIBUTE\nNAME = \"Manufacturer\"\nVALUE = \"\xce\xa9mega\"\nEND ATTRIBUTE\n"
		"END GROUP\n"
		"START GROUP\nNAME = \"InstallStatus\"\nCLASS = \"MICROSOFT|JOBSTATUS|1.0\"\n"
		"START ATTRIBUTE\nNAME = \"Status\"\nVALUE = \"Failed\"\nEND ATTRIBUTE\n"
		"START ATTRIBUTE\nNAME = \"Status\"\nVALUE = \"Success\"\nEND ATTRIBUTE\n"
		"START ATTRIBUTE\nNAME = \"Description\"\nVALUE = \"\"\nEND ATTRIBUTE\n"
		"END GROUP\nEND COMPONENT\n";
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autoptr(SmsStatusMif) m = NULL;
	g_autoptr(GError) error = NULL;
	glong n = 0;
	g_autofree gunichar2 *u = g_utf8_to_utf16(text, -1, NULL, &n, NULL);

	g_byte_array_append(b, (const guint8 *)"\xff\xfe", 2);
	for (glong i = 0; i < n; i++) {
		guint8 le[2] = { (guint8)(u[i] & 0xff), (guint8)(u[i] >> 8) };
		g_byte_array_append(b, le, 2);
	}
	g_assert_true(sms_mif_parse("u.mif", (const char *)b->data, b->len, &m, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(m->manufacturer, ==, "\xce\xa9mega");
	g_assert_false(m->success);                  /* the first Status counts */
	g_assert_cmpstr(m->description, ==, "");
	g_assert_cmpuint(m->warnings->len, ==, 2);
	g_assert_cmpstr(m->warnings->pdata[0], ==, "u.mif:18:1: a second Status attribute (the first "
	                "one counts)");
	g_assert_nonnull(strstr(m->warnings->pdata[1], "u.mif:22:1: empty Description"));
}

static void
test_errors(void)
{
#define HEAD "START COMPONENT\nNAME = \"WORKSTATION\"\nSTART GROUP\nNAME = \"InstallStatus\"\n" \
	"CLASS = \"MICROSOFT|JOBSTATUS|1.0\"\n"
#define STATUS(v) "START ATTRIBUTE\nNAME = \"Status\"\nVALUE = " v "\nEND ATTRIBUTE\n"
#define TAIL "END GROUP\nEND COMPONENT\n"
	static const struct {
		const char *text;
		int code;
		const char *message;
	} cases[] = {
		{ "", SMS_MIF_ERROR_SYNTAX, "e.mif:1:1: expected START COMPONENT (not a DMI MIF)" },
		{ "\n\n  [PDF]\nVersion=1.0\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:3:3: expected START COMPONENT (not a DMI MIF)" },
		{ "START GROUP\n", SMS_MIF_ERROR_SYNTAX, "e.mif:1:1: START GROUP outside of a "
		  "component (expected START COMPONENT)" },
		{ HEAD "START COMPONENT\n", SMS_MIF_ERROR_SYNTAX, "e.mif:6:1: START COMPONENT inside a "
		  "component (expected START ATTRIBUTE or END GROUP)" },
		{ HEAD "START ATTRIBUTE\nSTART ATTRIBUTE\n", SMS_MIF_ERROR_SYNTAX, "e.mif:7:1: START "
		  "ATTRIBUTE inside an attribute (expected END ATTRIBUTE)" },
		{ HEAD "START THING\n", SMS_MIF_ERROR_SYNTAX, "e.mif:6:7: expected COMPONENT, GROUP, "
		  "ATTRIBUTE, TABLE, ENUM or PATH after START, got 'THING'" },
		{ HEAD "  END COMPONENT\n", SMS_MIF_ERROR_SYNTAX, "e.mif:6:3: END COMPONENT does not "
		  "close the open block (expected END GROUP)" },
		{ HEAD STATUS("\"Success\"") "NAME \"x\"\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:10:6: expected '=' after NAME, got the string \"x\"" },
		{ HEAD STATUS("\"Success\"") "VALEU = \"x\"\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:10:1: unknown keyword 'VALEU'" },
		{ HEAD STATUS("\"Success\"") "= \"x\"\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:10:1: expected KEYWORD = value, START or END, got '='" },
		/* a string runs on over line ends, but not into the next block */
		{ HEAD STATUS("\"Success") TAIL, SMS_MIF_ERROR_SYNTAX,
		  "e.mif:8:9: the string that starts here is not closed (expected '\"' before the "
		  "next block)" },
		{ HEAD STATUS("\"Suc  \n  cess\"") TAIL, SMS_MIF_ERROR_BAD_STATUS,
		  "e.mif:6:1: Status: expected \"Success\" or \"Failed\", got \"Suc cess\"" },
		{ HEAD "START ATTRIBUTE\nVALUE = \"Success\nand more\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:7:9: the string that starts here is not closed (expected '\"' before the end "
		  "of the file)" },
		{ HEAD STATUS("\"Success\" extra") TAIL, SMS_MIF_ERROR_SYNTAX,
		  "e.mif:8:19: unexpected text after the closing '\"' of a string" },
		{ HEAD STATUS("\"Success\"") "extra\n" TAIL, SMS_MIF_ERROR_SYNTAX,
		  "e.mif:10:1: unknown keyword 'extra'" },
		{ HEAD STATUS("") TAIL, SMS_MIF_ERROR_SYNTAX, "e.mif:9:1: VALUE: expected a value after "
		  "'=', got 'END'" },
		{ HEAD "ID = two\n" TAIL, SMS_MIF_ERROR_SYNTAX, "e.mif:6:6: ID: expected a number, got "
		  "'two'" },
		{ HEAD "ID = 0x1G\n" TAIL, SMS_MIF_ERROR_SYNTAX, "e.mif:6:6: ID: expected a number, got "
		  "'0x1G'" },
		{ HEAD "TYPE = START TABLE\n" TAIL, SMS_MIF_ERROR_SYNTAX, "e.mif:6:14: expected ENUM "
		  "after TYPE = START, got 'TABLE'" },
		{ HEAD STATUS("\"Success\"") TAIL "NAME = \"x\"\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:12:1: expected the end of the file after END COMPONENT, got 'NAME'" },
		{ HEAD STATUS("\"Success\"") TAIL "START COMPONENT\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:12:1: a second START" },
		{ HEAD STATUS("\"Success\"") "END GROUP\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:10:10: expected END COMPONENT, got the end of the file" },
		{ HEAD "  START TABLE\n{1}\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:6:3: START TABLE is not closed (expected END TABLE before the end of the "
		  "file)" },
		{ HEAD "START TABLE\n{1}\nEND ENUM\n", SMS_MIF_ERROR_SYNTAX,
		  "e.mif:8:1: END ENUM does not close the open block (expected END TABLE)" },
		{ HEAD STATUS("\"Maybe\"") TAIL, SMS_MIF_ERROR_BAD_STATUS,
		  "e.mif:6:1: Status: expected \"Success\" or \"Failed\", got \"Maybe\"" },
		{ "START COMPONENT\nNAME = \"W\"\nSTART GROUP\nCLASS = \"DMTF|ComponentID|1.0\"\n"
		  STATUS("\"Success\"") TAIL, SMS_MIF_ERROR_NO_STATUS,
		  "e.mif: no Status attribute in a MICROSOFT|JOBSTATUS|1.0 group" },
		{ "START COMPONENT\n\0", SMS_MIF_ERROR_ENCODING, "e.mif: byte 16: NUL byte" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsStatusMif) m = NULL;
		g_autoptr(GError) error = NULL;
		gsize len = strlen(cases[i].text) + (cases[i].code == SMS_MIF_ERROR_ENCODING);
		if (sms_mif_parse("e.mif", cases[i].text, len, &m, &error))
			g_error("case %" G_GSIZE_FORMAT " parsed: %s", i, cases[i].text);
		g_assert_null(m);
		if (!g_error_matches(error, SMS_MIF_ERROR, cases[i].code) ||
		    !g_str_has_prefix(error->message, cases[i].message))
			g_error("case %" G_GSIZE_FORMAT ": expected %d '%s', got %d '%s'", i,
			        cases[i].code, cases[i].message, error->code, error->message);
	}
#undef HEAD
#undef STATUS
#undef TAIL
}

static void
test_write(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "SETUP.MIF", NULL);
	g_autofree char *data = NULL;
	g_autoptr(SmsStatusMif) m = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) longdesc = g_string_new(NULL);
	gsize len;

	for (int i = 0; i < 30; i++)
		g_string_append(longdesc, "0123456789");
	/* a description with a quote, a line break, a // and a path ending in '\' */
	g_assert_true(sms_mif_write_status(path, "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale",
	                                   "Expense \"Pro\"", "2.1", "FRA", "SN-1",
	                                   "Disk full on C:\\\r\nsee //server/share", FALSE,
	                                   sms_time_from_fields(1996, 2, 1, 10, 5, 0), &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	/* ANSI on disk, CRLF, the layout InstallStatusMIF wrote */
	g_assert_nonnull(strstr(data, "VALUE = \"Soci\xe9t\xe9 G\xe9n\xe9rale\"\r\n"));
	g_assert_true(g_str_has_prefix(data, "START COMPONENT\r\n  NAME = \"WORKSTATION\"\r\n"
	                               "  START GROUP\r\n    NAME = \"ComponentID\"\r\n"));
	g_assert_nonnull(strstr(data, "    CLASS = \"MICROSOFT|JOBSTATUS|1.0\"\r\n"));
	g_assert_nonnull(strstr(data, "      TYPE = STRING(16)\r\n      VALUE = \"FRA\"\r\n"));
	g_assert_true(g_str_has_suffix(data, "  END GROUP\r\nEND COMPONENT\r\n"));
	g_assert_true(sms_mif_parse(path, data, len, &m, &error));
	g_assert_no_error(error);
	g_assert_false(m->success);
	g_assert_cmpstr(m->manufacturer, ==, "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale");
	g_assert_cmpstr(m->product, ==, "Expense 'Pro'");
	g_assert_cmpstr(m->locale, ==, "FRA");
	g_assert_cmpstr(m->serial, ==, "SN-1");
	g_assert_cmpstr(m->installation, ==, "02/01/96 10:05:00");
	g_assert_cmpstr(m->description, ==, "Disk full on C:\\  see //server/share");
	g_clear_pointer(&m, sms_status_mif_free);
	g_clear_pointer(&data, g_free);

	/* rewritten in place; values cut to ISMIF's limits */
	g_assert_true(sms_mif_write_status(path, longdesc->str, "P", "1", NULL, NULL,
	                                   longdesc->str, TRUE, SMS_TIME_NONE, &error));
	g_assert_true(sms_mif_load(path, &m, &error));
	g_assert_true(m->success);
	g_assert_cmpuint(strlen(m->manufacturer), ==, 64);
	g_assert_cmpuint(strlen(m->description), ==, 128);
	g_assert_cmpstr(m->locale, ==, "");
	g_assert_cmpstr(m->installation, ==, "");
	{
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		g_assert_cmpstr(g_dir_read_name(d), ==, "SETUP.MIF");
		g_assert_null(g_dir_read_name(d));
	}
	/* a directory that does not exist: an I/O error naming the path */
	{
		g_autofree char *nowhere = g_build_filename(dir, "no", "X.MIF", NULL);
		g_assert_false(sms_mif_write_status(nowhere, "M", "P", "1", NULL, NULL, "d", TRUE,
		                                    SMS_TIME_NONE, &error));
		g_assert_error(error, SMS_ERROR, SMS_ERROR_IO);
	}
}

static void
test_format_status(void)
{
	g_autofree char *t = sms_mif_format_status("Microsoft", "Word", "7.0", "failed badly", FALSE);
	g_autoptr(SmsStatusMif) m = parse_ok(t);
	g_assert_false(m->success);
	g_assert_cmpstr(m->description, ==, "failed badly");
	g_assert_cmpstr(m->locale, ==, "ENU");
}

static void
test_sni(void)
{
	SmsSni s = { NULL, (char *)"A01", (char *)"A0100001", (char *)"A0101000", (char *)"WKS1",
	             (char *)"Failed", (char *)"X.PCK", (char *)"exit code 3", 820454400 };
	g_autofree char *t = sms_sni_format(&s);
	g_autoptr(SmsSni) back = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_sni_parse("x.sni", t, strlen(t), &back, &error));
	g_assert_cmpstr(back->type, ==, "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE");
	g_assert_cmpstr(back->job_id, ==, "A0100001");
	g_assert_cmpstr(back->mif, ==, "X.PCK");
	g_assert_cmpstr(back->description, ==, "exit code 3");
	g_assert_cmpint(back->time, ==, 820454400);
	{
		const char *bad = "[Status Instruction]\nSite=A01\nJobID=A0100001\nMachine=W\n"
		                  "Status=Success\nStatusMIF=../x\nTime=1996-01-01 00:00\n";
		g_autoptr(SmsSni) b = NULL;
		g_assert_false(sms_sni_parse("b.sni", bad, strlen(bad), &b, &error));
		g_assert_nonnull(strstr(error->message, "b.sni:6: StatusMIF: expected a file name"));
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/mif/samples", test_samples);
	g_test_add_func("/mif/documented", test_documented);
	g_test_add_func("/mif/features", test_features);
	g_test_add_func("/mif/strings", test_strings);
	g_test_add_func("/mif/utf16-and-warnings", test_utf16_and_warnings);
	g_test_add_func("/mif/errors", test_errors);
	g_test_add_func("/mif/write", test_write);
	g_test_add_func("/mif/format-status", test_format_status);
	g_test_add_func("/mif/sni", test_sni);
	return g_test_run();
}
