/* test-pdf.c -- Package Definition Files: the real Office 95 PDF (KB Q140055) read and
 * imported, the sample PDFs, Windows INI quirks, every error with file:line, platform
 * names and masks. */
#include "testlib.h"
#include "job.h"
#include "pdf.h"
#include "site.h"

static SmsPdf *
parse_ok(const char *text)
{
	SmsPdf *pdf = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_pdf_parse("t.pdf", text, strlen(text), &pdf, &error))
		g_error("unexpected: %s", error->message);
	return pdf;
}

static SmsPdf *
load_ok(const char *rel)
{
	g_autofree char *path = sms_test_srcpath(rel);
	SmsPdf *pdf = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_pdf_load(path, &pdf, &error))
		g_error("unexpected: %s", error->message);
	return pdf;
}

static gboolean
has_warning(const SmsPdf *pdf, const char *fragment)
{
	for (guint i = 0; i < pdf->warnings->len; i++)
		if (strstr(pdf->warnings->pdata[i], fragment))
			return TRUE;
	return FALSE;
}

static void
dump_warnings(const SmsPdf *pdf)
{
	for (guint i = 0; i < pdf->warnings->len; i++)
		g_test_message("warning: %s", (char *)pdf->warnings->pdata[i]);
}

static SmsPdfCommand *
command(const SmsPdf *pdf, guint i)
{
	g_assert_cmpuint(i, <, pdf->commands->len);
	return pdf->commands->pdata[i];
}

/* The PDF shipped with Office 95 (KB Q140055), as printed in the article. */
static void
test_office95_kb(void)
{
	g_autoptr(SmsPdf) pdf = load_ok("samples/packages/off95std-q140055.pdf");
	static const char *const names[] = { "Compact", "Typical", "Complete", "Workstation",
	                                     "Custom", "Uninstall" };
	SmsPdfFile *f;
	SmsPdfEntry *e;

	dump_warnings(pdf);
	g_assert_cmpuint(pdf->warnings->len, ==, 0);
	g_assert_cmpuint(pdf->extras->len, ==, 0);
	g_assert_cmpstr(pdf->pdf_version, ==, "1.0");
	g_assert_cmpstr(pdf->product, ==, "Microsoft Office 95");
	g_assert_cmpstr(pdf->version, ==, "7.0");
	g_assert_cmpstr(pdf->comment, ==, "Microsoft Office 95 Standard");
	g_assert_cmpuint(pdf->access, ==, SMS_ACCESS_ALL);
	g_assert_cmpuint(pdf->commands->len, ==, 6);
	for (guint i = 0; i < 6; i++) {
		SmsPdfCommand *c = command(pdf, i);
		g_assert_cmpstr(c->variation, ==, names[i]);
		g_assert_cmpstr(c->name, ==, names[i]);
		g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
		g_assert_false(c->sync_exit);
		g_assert_false(c->system_task);
		/* "The first 4 command lines are unattended" */
		g_assert_cmpint(c->automated, ==, i < 4);
		g_assert_cmpint(c->user_input_required, ==, i >= 4);
	}
	g_assert_cmpstr(command(pdf, 1)->command_line, ==, "setup.exe /Q1 /B1");
	g_assert_cmpint(command(pdf, 1)->line, ==, 16);
	g_assert_null(pdf->share_name);
	g_assert_cmpuint(pdf->program_items->len, ==, 0);
	/* inventory: one file; the commented-out rule parts do not count */
	g_assert_true(pdf->inventory);
	g_assert_cmpuint(pdf->detection_rule->len, ==, 1);
	g_assert_cmpstr(pdf->detection_rule->pdata[0], ==, "File 1");
	g_assert_cmpuint(pdf->inventory_files->len, ==, 1);
	f = pdf->inventory_files->pdata[0];
	g_assert_cmpstr(f->filename, ==, "MSOFFICE.EXE");
	g_assert_false(f->collect);
	g_assert_cmpuint(f->attributes->len, ==, 3);   /* Checksum= is empty: absent */
	e = f->attributes->pdata[0];
	g_assert_cmpstr(e->key, ==, "SIZE");
	g_assert_cmpstr(e->value, ==, "365056");
	e = f->attributes->pdata[1];
	g_assert_cmpstr(e->key, ==, "DATE");
	g_assert_cmpstr(e->value, ==, "7, 20, 95");
	g_assert_cmpuint(pdf->inventory_rules->len, ==, 8);
	e = pdf->inventory_rules->pdata[0];
	g_assert_cmpstr(e->section, ==, "Setup Package for Inventory");
	g_assert_cmpstr(e->key, ==, "InventoryThisPackage");
	g_assert_cmpint(e->line, ==, 47);
}

/* The Office PDF imports into a site as SMS's Import button did. */
static void
test_office95_import(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autofree char *ini = sms_test_srcpath("samples/site/site.ini");
	g_autofree char *pdf = sms_test_srcpath("samples/packages/off95std-q140055.pdf");
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	g_autofree char *id = NULL;
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsPackage) pkg = NULL;
	g_autoptr(GError) error = NULL;
	SmsPackageCommand *c;

	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	g_assert_true(sms_package_import(site, pdf, src, NULL, NULL, &id, &error));
	g_assert_no_error(error);
	g_assert_true(sms_package_load(site, id, &pkg, &error));
	/* Name = Product + " " + Version (SDK sample importer pdf.cpp) */
	g_assert_cmpstr(pkg->name, ==, "Microsoft Office 95 7.0");
	g_assert_cmpstr(pkg->version, ==, "7.0");
	g_assert_cmpuint(pkg->commands->len, ==, 6);
	c = sms_package_command(pkg, "Typical");
	g_assert_nonnull(c);
	g_assert_cmpstr(c->command_line, ==, "setup.exe /Q1 /B1");
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
	g_assert_true(c->flags & SMS_CMD_AUTOMATED);
	c = sms_package_command(pkg, "Custom");
	g_assert_true(c->flags & SMS_CMD_USER_INPUT);
}

/* The modelled Office PDF the scenarios use: sharing and program items too. */
static void
test_office95_modelled(void)
{
	g_autoptr(SmsPdf) pdf = load_ok("samples/packages/off95std.pdf");
	SmsPdfProgramItem *it;
	dump_warnings(pdf);
	g_assert_cmpuint(pdf->warnings->len, ==, 0);
	g_assert_cmpstr(pdf->product, ==, "Microsoft Office for Windows 95 Standard");
	g_assert_cmpuint(pdf->commands->len, ==, 4);
	g_assert_cmpuint(command(pdf, 0)->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
	g_assert_cmpuint(pdf->access, ==, SMS_ACCESS_USER_READ | SMS_ACCESS_GUEST_READ);
	g_assert_cmpstr(pdf->share_name, ==, "OFFICE95");
	g_assert_cmpuint(pdf->share_access, ==, SMS_ACCESS_USER_READ | SMS_ACCESS_GUEST_READ);
	g_assert_cmpuint(pdf->program_items->len, ==, 2);
	it = pdf->program_items->pdata[1];
	g_assert_cmpint(it->index, ==, 2);
	g_assert_cmpstr(it->command_line, ==, "EXCEL\\EXCEL.EXE");
	g_assert_cmpint(it->drive_mode, ==, SMS_PDF_DRIVE_UNC);
	g_assert_true(it->run_local_copy);
	g_assert_true(pdf->inventory);
	g_assert_cmpuint(pdf->detection_rule->len, ==, 3);
	g_assert_cmpuint(pdf->inventory_files->len, ==, 2);
}

/* Written by hand in 1995: ANSI, trailing blanks, quotes, a key twice, Ctrl-Z. */
static void
test_sample_dos_windows(void)
{
	g_autoptr(SmsPdf) pdf = load_ok("samples/packages/expense21.pdf");
	SmsPdfCommand *c;
	SmsPdfFile *f;
	dump_warnings(pdf);
	g_assert_cmpint(pdf->encoding, ==, SMS_TEXT_ANSI);
	g_assert_cmpstr(pdf->product, ==, "Contoso Expense Reporter");
	g_assert_cmpstr(pdf->comment, ==, "Notes de frais -- Soci\xc3\xa9t\xc3\xa9 Contoso, "
	                "D\xc3\xa9partement Finance");
	g_assert_cmpuint(pdf->access, ==, SMS_ACCESS_USER_READ | SMS_ACCESS_GUEST_READ);
	g_assert_cmpuint(pdf->commands->len, ==, 3);
	c = command(pdf, 0);
	g_assert_cmpstr(c->command_line, ==, "setup.exe /s /d=C:\\EXPENSE");
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN16 | SMS_PLATFORM_WIN95);
	c = command(pdf, 1);
	g_assert_true(c->sync_exit);
	g_assert_true(c->automated);
	/* SupportedPlatforms given twice: the first one counts, as with Windows */
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_DOS5 | SMS_PLATFORM_DOS6);
	g_assert_true(has_warning(pdf, "expense21.pdf:27: 'SupportedPlatforms' given again in "
	                          "[DOS Setup]: Windows reads the first one (line 26)"));
	c = command(pdf, 2);
	g_assert_true(c->user_input_required);
	g_assert_false(c->automated);
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN16 | SMS_PLATFORM_WIN95 |
	                 SMS_PLATFORM_DOS6);
	/* File 1 AND ( File 2 OR File 3 ) */
	g_assert_true(pdf->inventory);
	g_assert_cmpuint(pdf->detection_rule->len, ==, 7);
	g_assert_cmpstr(pdf->detection_rule->pdata[2], ==, "(");
	g_assert_cmpuint(pdf->inventory_files->len, ==, 3);
	f = pdf->inventory_files->pdata[0];
	g_assert_true(f->collect);
	f = pdf->inventory_files->pdata[1];
	g_assert_cmpstr(f->filename, ==, "EXPWIN.EXE");
	g_assert_cmpuint(f->attributes->len, ==, 4);
	f = pdf->inventory_files->pdata[2];
	g_assert_cmpstr(((SmsPdfEntry *)f->attributes->pdata[1])->value, ==,
	                "512, \"CONTOSO EXPENSE\"");
	g_assert_cmpuint(pdf->warnings->len, ==, 1);
}

/* A network application only: sharing and program items, no command lines. */
static void
test_sample_sharing(void)
{
	g_autoptr(SmsPdf) pdf = load_ok("samples/packages/excel5-share.pdf");
	SmsPdfProgramItem *it;
	dump_warnings(pdf);
	g_assert_cmpuint(pdf->warnings->len, ==, 0);
	g_assert_cmpuint(pdf->commands->len, ==, 0);
	g_assert_false(pdf->inventory);
	g_assert_cmpstr(pdf->share_name, ==, "EXCEL5");
	g_assert_cmpuint(pdf->share_access, ==, SMS_ACCESS_USER_READ | SMS_ACCESS_GUEST_READ);
	g_assert_cmpuint(pdf->program_items->len, ==, 2);
	it = pdf->program_items->pdata[0];
	g_assert_cmpstr(it->description, ==, "Microsoft Excel 5.0");
	g_assert_cmpstr(it->configuration_script, ==, "exc50a0n.PCD");
	g_assert_cmpstr(it->default_ini_file, ==, "EXCEL5.INI");
	g_assert_cmpstr(it->setup_icon, ==, "exc50a01.ico");
	g_assert_cmpint(it->drive_mode, ==, SMS_PDF_DRIVE_SPECIFIC_LETTER);
	g_assert_cmpint(it->drive_letter, ==, 'W');
	g_assert_true(it->display_icon);
	g_assert_cmpuint(it->platforms, ==, SMS_PLATFORM_WIN16 | SMS_PLATFORM_WIN95 |
	                 SMS_PLATFORM_WIN32_X86);
	it = pdf->program_items->pdata[1];
	g_assert_null(it->configuration_script);     /* "can be NULL" */
	g_assert_cmpint(it->drive_mode, ==, SMS_PDF_DRIVE_ANY_LETTER);
	g_assert_false(it->display_icon);
}

/* Written by a vendor's generator: sections in another order, vendor keys, FILE=,
 * TOKEN1= keys SMS never read. */
static void
test_sample_vendor(void)
{
	g_autoptr(SmsPdf) pdf = load_ok("samples/packages/sqlany50.pdf");
	SmsPdfEntry *e;
	dump_warnings(pdf);
	g_assert_cmpuint(pdf->commands->len, ==, 2);
	g_assert_cmpstr(command(pdf, 1)->variation, ==, "UnInstall");
	g_assert_cmpstr(command(pdf, 1)->name, ==, "Automated UnInstall");
	g_assert_cmpuint(command(pdf, 0)->platforms, ==, SMS_PLATFORM_WIN32_X86);
	g_assert_cmpuint(pdf->access, ==, SMS_ACCESS_USER_READ | SMS_ACCESS_USER_WRITE |
	                 SMS_ACCESS_GUEST_READ);
	g_assert_cmpuint(pdf->inventory_files->len, ==, 2);
	g_assert_cmpstr(((SmsPdfFile *)pdf->inventory_files->pdata[1])->filename, ==, "setup.inf");
	g_assert_cmpuint(((SmsPdfFile *)pdf->inventory_files->pdata[0])->attributes->len, ==, 7);
	/* Company= is kept with a warning; the empty TOKENn= quietly */
	g_assert_cmpuint(pdf->warnings->len, ==, 1);
	g_assert_true(has_warning(pdf, "sqlany50.pdf:24: key 'Company' in [Package Definition] is "
	                          "not used by SMS (ignored)"));
	g_assert_cmpuint(pdf->extras->len, ==, 9);
	e = pdf->extras->pdata[0];
	g_assert_cmpstr(e->section, ==, "Package Definition");
	g_assert_cmpstr(e->key, ==, "Company");
	g_assert_cmpstr(e->value, ==, "Sybase, Inc.");
	e = pdf->extras->pdata[1];
	g_assert_cmpstr(e->key, ==, "TOKEN1");
}

/* What GetPrivateProfileString did, not what a strict INI reader would. */
static void
test_windows_ini(void)
{
	const char *text =
		"junk before any section\r\n"
		"Key=before any section\r\n"
		"[PDF]   trailing text\r\n"
		"Version = 1.0   \r\n"
		"\r\n"
		"[package definition]\r\n"
		"product = 'Tool ; with semicolon'   \r\n"
		"Comment=Word ; Excel ; \"quoted\" inside\r\n"
		"SetupVariations = \"Typical\" , Custom,  \r\n"
		"this line has no equals sign\r\n"
		"=no key\r\n"
		"[Typical Setup]\r\n"
		"CommandLine=\"setup.exe /q\"\r\n"
		"CommandName=Typical\r\n"
		"UserInputRequired=false\r\n"
		"SupportedPlatforms=\"Windows95\", \"Windows NT (x86)\"\r\n"
		"[Custom Setup]\r\n"
		"CommandLine=setup.exe\r\n"
		"UserInputRequired=TRUE\r\n"
		"SupportedPlatforms=Windows95\r\n"
		"[Typical Setup]\r\n"
		"CommandLine=ignored.exe\r\n"
		"[Vendor Extras]\r\n"
		"Built=1996-02-01\r\n"
		"[Empty Vendor Section]\r\n"
		"\x1a"
		"[Custom Setup]\r\nthis is after the end of file\r\n";
	g_autoptr(SmsPdf) pdf = parse_ok(text);
	SmsPdfCommand *c;
	dump_warnings(pdf);
	g_assert_cmpstr(pdf->product, ==, "Tool ; with semicolon");
	g_assert_cmpstr(pdf->comment, ==, "Word ; Excel ; \"quoted\" inside");
	g_assert_cmpuint(pdf->commands->len, ==, 2);
	c = command(pdf, 0);
	g_assert_cmpstr(c->command_line, ==, "setup.exe /q");
	g_assert_false(c->user_input_required);
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
	c = command(pdf, 1);
	g_assert_cmpstr(c->name, ==, "Custom");
	g_assert_true(has_warning(pdf, "t.pdf:1: line without '=' ignored, as Windows does"));
	g_assert_true(has_warning(pdf, "t.pdf:2: 'Key=before any section' before any [section] "
	                          "ignored"));
	g_assert_true(has_warning(pdf, "t.pdf:3: text after ']' ignored"));
	g_assert_true(has_warning(pdf, "t.pdf:10: line without '='"));
	g_assert_true(has_warning(pdf, "t.pdf:11: '=' without a key name ignored"));
	g_assert_true(has_warning(pdf, "t.pdf:15: UserInputRequired: SMS 1.2 documents TRUE and "
	                          "FALSE in capitals only, got 'false'"));
	g_assert_true(has_warning(pdf, "t.pdf:17: [Custom Setup] has no CommandName"));
	g_assert_true(has_warning(pdf, "t.pdf:21: section [Typical Setup] again: Windows reads "
	                          "only the first one (line 12)"));
	g_assert_true(has_warning(pdf, "t.pdf:23: section [Vendor Extras] ignored: it is not a PDF "
	                          "section SMS reads"));
	g_assert_true(has_warning(pdf, "t.pdf:25: section [Empty Vendor Section] ignored"));
	g_assert_cmpuint(pdf->warnings->len, ==, 11);
	/* kept: the second [Typical Setup], [Vendor Extras], [Empty Vendor Section] */
	g_assert_cmpuint(pdf->extras->len, ==, 3);
	g_assert_cmpstr(((SmsPdfEntry *)pdf->extras->pdata[0])->value, ==, "ignored.exe");
	g_assert_cmpstr(((SmsPdfEntry *)pdf->extras->pdata[1])->key, ==, "Built");
	g_assert_null(((SmsPdfEntry *)pdf->extras->pdata[2])->key);
}

/* Defaults SMS applied, with a warning where the documentation says "required". */
static void
test_defaults(void)
{
	const char *text =
		"[PDF]\nVersion=1.2\n"
		"[Package Definition]\nProduct=P\nSetupVariations=A, B\n"
		"WorkstationAccess=userread, GuestWrite\n"
		"ImportDirectory=..\\SOURCE\\DISK1\n"
		"[A Setup]\nCommandLine=a.exe\nSupportedPlatforms=MS-DOS\n"
		"[B Setup]\nCommandLine=b.exe\nCommandName=Bee\nUserInputRequired=FALSE\n"
		"SystemTask=TRUE\nSynchronousSystemExitRequired=true\n"
		"SupportedPlatforms=Windows NT (Alpha), Windows NT 3.5 (MIPS), Macintosh\n"
		"[C Setup]\nCommandLine=c.exe\n"
		"[Setup Package for Sharing]\nShareName=FRISBEE\\TESTGROUP\n"
		"[Program Item Properties 1]\nCommandLine=a.exe\nSupportedPlatforms=Windows\n"
		"[Program Item Properties 3]\nCommandLine=c.exe\nSupportedPlatforms=Windows\n"
		"[Setup Package for Inventory]\nDetection Rule Part 1=File1\n"
		"Detection Rule Part 3=OR\n"
		"[File1]\nFILE=A.EXE\nCRC=1 2 3\nTOKEN1=\nLANG=\n"
		"[File2]\nFILE=B.EXE\n";
	g_autoptr(SmsPdf) pdf = parse_ok(text);
	SmsPdfCommand *c;
	SmsPdfProgramItem *it;
	dump_warnings(pdf);
	g_assert_cmpstr(pdf->pdf_version, ==, "1.2");
	g_assert_true(has_warning(pdf, "t.pdf:2: [PDF] Version=1.2: the SMS 1.x importer accepted "
	                          "only versions starting with 1.0"));
	g_assert_true(has_warning(pdf, "t.pdf:3: [Package Definition] has no Version"));
	/* case-sensitive, as SMS matched them: userread is ignored */
	g_assert_cmpuint(pdf->access, ==, SMS_ACCESS_GUEST_WRITE);
	g_assert_true(has_warning(pdf, "t.pdf:6: WorkstationAccess: SMS matches UserRead "
	                          "case-sensitively and ignores 'userread'"));
	g_assert_cmpstr(pdf->import_directory, ==, "../SOURCE/DISK1");
	c = command(pdf, 0);
	g_assert_cmpstr(c->name, ==, "A");
	g_assert_false(c->user_input_required);
	g_assert_true(c->automated);
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_MSDOS);
	g_assert_true(has_warning(pdf, "t.pdf:8: [A Setup] has no UserInputRequired (documented "
	                          "as required): SMS imports the command as automated (FALSE)"));
	c = command(pdf, 1);
	g_assert_true(c->system_task);
	g_assert_true(c->automated);
	g_assert_true(c->sync_exit);
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN32_ALPHA | SMS_PLATFORM_WIN32_MIPS |
	                 SMS_PLATFORM_MACINTOSH);
	g_assert_true(has_warning(pdf, "t.pdf:18: section [C Setup] ignored: SetupVariations does "
	                          "not list it"));
	g_assert_cmpstr(pdf->share_name, ==, "FRISBEE\\TESTGROUP");
	g_assert_cmpuint(pdf->share_access, ==, SMS_ACCESS_ALL);
	g_assert_true(has_warning(pdf, "t.pdf:20: [Setup Package for Sharing] has no ShareAccess"));
	/* items 1, 2, ...: 3 is never reached */
	g_assert_cmpuint(pdf->program_items->len, ==, 1);
	it = pdf->program_items->pdata[0];
	g_assert_cmpstr(it->description, ==, "a.exe");
	g_assert_cmpint(it->drive_mode, ==, SMS_PDF_DRIVE_UNC);
	g_assert_true(it->display_icon);
	g_assert_cmpuint(it->platforms, ==, SMS_PLATFORM_WIN16);
	g_assert_true(has_warning(pdf, "t.pdf:25: section [Program Item Properties 3] ignored: SMS "
	                          "reads Program Item Properties 1, 2, ... up to the first missing "
	                          "number"));
	/* rule parts 1, 2, ...: part 3 is never reached; no InventoryThisPackage: FALSE */
	g_assert_false(pdf->inventory);
	g_assert_cmpuint(pdf->detection_rule->len, ==, 1);
	g_assert_true(has_warning(pdf, "t.pdf:28: [Setup Package for Inventory] has no "
	                          "InventoryThisPackage"));
	g_assert_true(has_warning(pdf, "t.pdf:30: 'Detection Rule Part 3' ignored"));
	g_assert_true(has_warning(pdf, "t.pdf:33: CRC: values separated by blanks only; SMS 1.2 "
	                          "mis-imports them (KB Q167630)"));
	g_assert_true(has_warning(pdf, "t.pdf:36: section [File2] ignored: no Detection Rule Part "
	                          "names it"));
	g_assert_false(has_warning(pdf, "TOKEN1"));
	g_assert_false(has_warning(pdf, "LANG"));
}

static void
test_errors(void)
{
#define HEAD "[PDF]\nVersion=1.0\n[Package Definition]\nProduct=X\n"
#define TEN "0123456789"
#define VAR "SetupVariations=A\n[A Setup]\nCommandLine=a.exe\nUserInputRequired=FALSE\n"
	static const struct {
		const char *text;
		int code;
		const char *message;
	} cases[] = {
		{ "", SMS_PDF_ERROR_MISSING_SECTION, "bad.pdf: not a package definition file: no [PDF]" },
		{ "[PDF\n", SMS_PDF_ERROR_SYNTAX, "bad.pdf:1: expected ']'" },
		{ "[]\n", SMS_PDF_ERROR_SYNTAX, "bad.pdf:1: empty section name" },
		{ "[PDF]\nVersion=1.0\0\n", SMS_PDF_ERROR_ENCODING, "bad.pdf: byte 17: NUL byte" },
		{ "[PDF]\nVersion=\n", SMS_PDF_ERROR_MISSING_KEY, "bad.pdf:1: [PDF] needs 'Version ='" },
		{ "[PDF]\nVersion=2.0\n", SMS_PDF_ERROR_VERSION, "bad.pdf:2: [PDF] Version: expected 1.0 "
		  "(a PDF for SMS 1.x), got '2.0'" },
		{ "[PDF]\nVersion=1.0\n", SMS_PDF_ERROR_MISSING_SECTION, "bad.pdf: no [Package "
		  "Definition] section" },
		{ "[PDF]\nVersion=1.0\n[Package Definition]\nVersion=1\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:3: [Package Definition] needs 'Product ='" },
		{ HEAD, SMS_PDF_ERROR_EMPTY, "bad.pdf:3: the package has neither SetupVariations" },
		{ HEAD "SetupVariations=Typical\n", SMS_PDF_ERROR_MISSING_SECTION,
		  "bad.pdf:5: SetupVariations names 'Typical' but there is no [Typical Setup] section" },
		{ HEAD "SetupVariations=A, a\n[A Setup]\nCommandLine=x\nSupportedPlatforms=MS-DOS\n",
		  SMS_PDF_ERROR_DUPLICATE, "bad.pdf:5: SetupVariations: 'a' is listed twice" },
		{ HEAD "SetupVariations=A\n[A Setup]\nCommandName=A\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:6: [A Setup] needs 'CommandLine ='" },
		{ HEAD VAR, SMS_PDF_ERROR_MISSING_KEY, "bad.pdf:6: [A Setup] needs 'SupportedPlatforms =' "
		  "(at least one platform)" },
		{ HEAD VAR "SupportedPlatforms=Windows 95, BeOS\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:9: SupportedPlatforms: unknown platform 'BeOS'" },
		{ HEAD VAR "SupportedPlatforms=Windows NT 4.0 (PowerPC)\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:9: SupportedPlatforms: unknown platform 'Windows NT 4.0 (PowerPC)'" },
		{ HEAD VAR "SupportedPlatforms= , ,\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:9: SupportedPlatforms: expected at least one platform" },
		{ HEAD "SetupVariations=A\n[A Setup]\nCommandLine=a.exe\nUserInputRequired=Yes\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:8: UserInputRequired: expected TRUE or FALSE, got "
		  "'Yes'" },
		{ HEAD "SetupVariations=A\n[A Setup]\nCommandLine=a.exe\nUserInputRequired=TRUE\n"
		  "SystemTask=TRUE\nSupportedPlatforms=Windows NT\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:9: [A Setup]: SystemTask=TRUE requires UserInputRequired=FALSE" },
		{ HEAD "SetupVariations=A, B\n[A Setup]\nCommandLine=a\nCommandName=Same\n"
		  "SupportedPlatforms=MS-DOS\n[B Setup]\nCommandLine=b\nCommandName=same\n"
		  "SupportedPlatforms=MS-DOS\n", SMS_PDF_ERROR_DUPLICATE,
		  "bad.pdf:12: command name 'same' is used twice (also in [A Setup])" },
		{ HEAD VAR "SupportedPlatforms=MS-DOS\nCommandName=" TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN
		  TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN "\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:10: CommandName: at most 255 characters, got 260" },
		{ HEAD "ImportDirectory=C:\\SOURCE\n" VAR "SupportedPlatforms=MS-DOS\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:5: ImportDirectory: expected a directory relative to "
		  "the PDF's directory, got 'C:\\SOURCE'" },
		{ HEAD "WorkstationAccess=UserRead, Everyone\n" VAR "SupportedPlatforms=MS-DOS\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:5: WorkstationAccess: expected UserRead, UserWrite, "
		  "GuestRead or GuestWrite, got 'Everyone'" },
		{ HEAD "[Setup Package for Sharing]\nShareAccess=UserRead\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:5: [Setup Package for Sharing] needs 'ShareName ='" },
		{ HEAD "[Setup Package for Sharing]\nShareName=OFFICE95X\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:6: ShareName: the share name 'OFFICE95X' is longer than 8 characters" },
		{ HEAD "[Setup Package for Sharing]\nShareName=APP\\..\\..\\ETC\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:6: ShareName: expected a share name" },
		{ HEAD "[Setup Package for Sharing]\nShareName=APP\n[Program Item Properties 1]\n"
		  "Description=x\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:7: [Program Item Properties 1] needs 'CommandLine ='" },
		{ HEAD "[Setup Package for Sharing]\nShareName=APP\n[Program Item Properties 1]\n"
		  "CommandLine=x.exe\nDriveMode=SPECIFIC_DRIVE_LETTER\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:9: DriveMode: expected a drive letter and a colon after SPECIFIC_DRIVE_LETTER" },
		{ HEAD "[Setup Package for Sharing]\nShareName=APP\n[Program Item Properties 1]\n"
		  "CommandLine=x.exe\nDriveMode=NETWORK\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:9: DriveMode: expected UNC, ANY_DRIVE_LETTER or SPECIFIC_DRIVE_LETTER X:, got "
		  "'NETWORK'" },
		{ HEAD "[Setup Package for Sharing]\nShareName=APP\n[Program Item Properties 1]\n"
		  "CommandLine=x.exe\nDriveMode=UNC\n", SMS_PDF_ERROR_MISSING_KEY,
		  "bad.pdf:7: [Program Item Properties 1] needs 'SupportedPlatforms ='" },
		{ HEAD "[Setup Package for Inventory]\nInventoryThisPackage=TRUE\n"
		  "Detection Rule Part 1=File 1\n", SMS_PDF_ERROR_MISSING_SECTION,
		  "bad.pdf:7: Detection Rule Part 1 names 'File 1' but there is no [File 1] section" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n"
		  "Detection Rule Part 2=AND\n[File 1]\nFilename=A\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:7: the detection rule ends with AND or OR" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=AND\n",
		  SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:6: Detection Rule Part 1: expected a file (such as "
		  "File 1) or '(' before AND" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n"
		  "Detection Rule Part 2=)\n[File 1]\nFilename=A\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:7: Detection Rule Part 2: ')' without '('" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=(\n"
		  "Detection Rule Part 2=File 1\n[File 1]\nFilename=A\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:7: the detection rule has a '(' without ')'" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n"
		  "Detection Rule Part 2=File 1\n[File 1]\nFilename=A\n", SMS_PDF_ERROR_BAD_VALUE,
		  "bad.pdf:7: Detection Rule Part 2: expected AND or OR before 'File 1'" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Collect=TRUE\n", SMS_PDF_ERROR_MISSING_KEY, "bad.pdf:7: [File 1] needs 'Filename =' "
		  "(or 'FILE =')" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Filename=A\nDate=13, 1, 95\n", SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:9: Date: '13' is not "
		  "a valid number here" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Filename=A\nChecksum=1, 2\n", SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:9: Checksum: expected "
		  "3 numbers separated by ', ', got '1, 2'" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Filename=A\nSize=-5\n", SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:9: Size: '-5' is not a "
		  "valid number" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Filename=A\nToken 1=WIN\n", SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:9: Token 1: expected an "
		  "offset and a quoted string (710, \"WIN\"), got 'WIN'" },
		{ HEAD "[Setup Package for Inventory]\nDetection Rule Part 1=File 1\n[File 1]\n"
		  "Filename=A\nCollect=sometimes\n", SMS_PDF_ERROR_BAD_VALUE, "bad.pdf:9: Collect: "
		  "expected TRUE or FALSE, got 'sometimes'" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsPdf) pdf = NULL;
		g_autoptr(GError) error = NULL;
		gsize len = strlen(cases[i].text) + (cases[i].code == SMS_PDF_ERROR_ENCODING ? 2 : 0);
		if (sms_pdf_parse("bad.pdf", cases[i].text, len, &pdf, &error))
			g_error("case %" G_GSIZE_FORMAT " parsed: %s", i, cases[i].text);
		g_assert_null(pdf);
		if (!g_error_matches(error, SMS_PDF_ERROR, cases[i].code) ||
		    !g_str_has_prefix(error->message, cases[i].message))
			g_error("case %" G_GSIZE_FORMAT ": expected %d '%s', got %d '%s'", i,
			        cases[i].code, cases[i].message, error->code, error->message);
	}
	/* a file that is not there: an I/O error naming it */
	{
		g_autoptr(SmsPdf) pdf = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_pdf_load("/nonexistent/x.pdf", &pdf, &error));
		g_assert_error(error, SMS_ERROR, SMS_ERROR_IO);
		g_assert_nonnull(strstr(error->message, "/nonexistent/x.pdf"));
	}
#undef HEAD
#undef VAR
#undef TEN
}

static void
test_platforms(void)
{
	static const struct { const char *name; guint32 mask; } names[] = {
		{ "MS-DOS", SMS_PLATFORM_MSDOS }, { "ms-dos 5.0", SMS_PLATFORM_DOS5 },
		{ "MS-DOS 6.0", SMS_PLATFORM_DOS6 }, { "MS-DOS 6.2", SMS_PLATFORM_DOS6 },
		{ "MS-DOS 6.21", SMS_PLATFORM_DOS6 }, { "MS-DOS 6.22", SMS_PLATFORM_DOS6 },
		{ "MS-DOS 6.x", SMS_PLATFORM_DOS6 }, { "MS-DOS 7.0", 0 },
		{ "Windows 3.1", SMS_PLATFORM_WIN16 }, { "Windows", SMS_PLATFORM_WIN16 },
		{ "Windows 3.11", SMS_PLATFORM_WIN16 },
		{ "Windows for Workgroups 3.11", SMS_PLATFORM_WIN16 }, { "Windows 3.0", 0 },
		{ "Windows95", SMS_PLATFORM_WIN95 }, { "Windows 95", SMS_PLATFORM_WIN95 },
		{ "Windows NT (x86)", SMS_PLATFORM_WIN32_X86 },
		{ "Windows NT 3.1 (x86)", SMS_PLATFORM_WIN32_X86 },
		{ "Windows NT 3.51 (x86)", SMS_PLATFORM_WIN32_X86 },
		{ "  windows  nt   4.0  (ALPHA) ", SMS_PLATFORM_WIN32_ALPHA },
		{ "Windows NT 3.5 (MIPS)", SMS_PLATFORM_WIN32_MIPS },
		{ "Windows NT (Alpha)", SMS_PLATFORM_WIN32_ALPHA },
		{ "Windows NT", SMS_PLATFORM_WIN32_X86 }, { "Windows NT Server", 0 },
		{ "Windows NT 4.0 (PPC)", 0 }, { "Macintosh", SMS_PLATFORM_MACINTOSH },
		{ "\"Windows95\"", SMS_PLATFORM_WIN95 }, { "OS/2", 0 }, { "", 0 }, { "Windows98", 0 },
	};
	guint32 mask = 0;
	g_autofree char *bad = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (sms_platform_from_name(names[i].name) != names[i].mask)
			g_error("'%s': expected 0x%x, got 0x%x", names[i].name, names[i].mask,
			        sms_platform_from_name(names[i].name));
	/* every mask is written with names that read back as the same mask */
	for (guint32 m = 0; m <= 0xff; m++) {
		g_autofree char *s = sms_platform_mask_to_string(m);
		guint32 back = 0;
		g_assert_true(sms_platform_parse_list(s, &back, NULL));
		g_assert_cmpuint(back, ==, m);
	}
	{
		g_autofree char *s = sms_platform_mask_to_string(0x33);
		g_assert_cmpstr(s, ==, "MS-DOS, Windows 3.1, Windows NT (x86)");
	}
	{
		g_autofree char *s = sms_platform_mask_to_string(0x102);
		g_assert_cmpstr(s, ==, "Windows NT (x86), 0x100");
	}
	g_assert_true(sms_platform_parse_list("Windows95,Windows NT 3.1 (x86)", &mask, NULL));
	g_assert_cmpuint(mask, ==, 0x82);
	g_assert_false(sms_platform_parse_list("Windows95, \"BeOS 5\"", &mask, &bad));
	g_assert_cmpstr(bad, ==, "BeOS 5");
	g_assert_cmpuint(mask, ==, 0x82);   /* untouched */
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/pdf/office95/kb-q140055", test_office95_kb);
	g_test_add_func("/pdf/office95/import", test_office95_import);
	g_test_add_func("/pdf/office95/modelled", test_office95_modelled);
	g_test_add_func("/pdf/samples/dos-windows", test_sample_dos_windows);
	g_test_add_func("/pdf/samples/sharing", test_sample_sharing);
	g_test_add_func("/pdf/samples/vendor", test_sample_vendor);
	g_test_add_func("/pdf/windows-ini", test_windows_ini);
	g_test_add_func("/pdf/defaults", test_defaults);
	g_test_add_func("/pdf/errors", test_errors);
	g_test_add_func("/pdf/platforms", test_platforms);
	return g_test_run();
}
