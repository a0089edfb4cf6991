/* test-reg.c -- .reg files (REGEDIT4, version 5), import semantics, REGEDIT4 output and
 * the Windows text decoding the format readers share. */
#include "testlib.h"
#include "reg.h"

#define DESP "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler"
#define MAINT "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Maintenance_Manager"
#define IDENT "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Identification"

static SmsReg *
parse_ok(const char *text)
{
	SmsReg *reg = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_reg_parse("t.reg", text, strlen(text), &reg, &error))
		g_error("unexpected: %s", error->message);
	return reg;
}

static guint32
dword(const SmsReg *reg, const char *key, const char *name, guint32 def)
{
	guint32 v = 0xdeadbeef;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_reg_get_dword(reg, key, name, def, &v, &error));
	g_assert_no_error(error);
	return v;
}

/* UTF-16LE with a byte order mark, from UTF-8 text. */
static GBytes *
utf16(const char *text)
{
	GByteArray *b = g_byte_array_new();
	glong n = 0;
	g_autofree gunichar2 *u = g_utf8_to_utf16(text, -1, NULL, &n, NULL);
	g_byte_array_append(b, (const guint8 *)"\xff\xfe", 2);
	for (glong i = 0; i < n; i++) {
		guint8 le[2] = { (guint8)(u[i] & 0xff), (guint8)(u[i] >> 8) };
		g_byte_array_append(b, le, 2);
	}
	return g_byte_array_free_to_bytes(b);
}

static void
test_samples(void)
{
	g_autofree char *kb = sms_test_srcpath("samples/registry/forced-kb.reg");
	g_autofree char *v5 = sms_test_srcpath("samples/registry/site-v5.reg");
	g_autoptr(SmsReg) a = NULL, b = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *s = NULL, *s2 = NULL;
	g_auto(GStrv) multi = NULL;
	guint32 type = 0;
	g_autoptr(GBytes) data = NULL;

	g_assert_true(sms_reg_load(kb, &a, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(dword(a, DESP, "Use Forced Disconnect", 0), ==, 1);
	g_assert_cmpuint(dword(a, DESP, "Number Of Retries Before Forced Disconnection", 12), ==, 10);
	g_assert_cmpuint(dword(a, DESP, "Forced Disconnection Delay In Minutes", 99), ==, 5);
	g_assert_cmpuint(dword(a, DESP, "MaxFileEnum", 50), ==, 50);           /* default */
	g_assert_cmpuint(dword(a, "HKLM\\Software\\Nowhere", "x", 7), ==, 7);

	/* version 5, UTF-16LE with BOM, CRLF: strings, hex(2), hex(7) over two lines, a
	 * deleted key and a deleted value */
	g_assert_true(sms_reg_load(v5, &b, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(dword(b, DESP, "Number Of Retries Before Forced Disconnection", 12), ==, 10);
	/* a REG_SZ holding a number is read as a DWORD */
	g_assert_cmpuint(dword(b, DESP, "SMS Drive Minimum Free Space in Mbytes", 100), ==, 250);
	s = sms_reg_get_string(b, IDENT, "Site Name");
	g_assert_cmpstr(s, ==, "Z\xc3\xbcrich \xe2\x80\x93 Hauptsitz");
	g_assert_true(sms_reg_get_string_value(b, IDENT, "Installation Directory", NULL, &s2, &error));
	g_assert_cmpstr(s2, ==, "D:\\SMS");
	data = sms_reg_get_data(b, IDENT, "Installation Directory", &type);
	g_assert_cmpuint(type, ==, SMS_REG_EXPAND_SZ);
	multi = sms_reg_get_multi_string(b, IDENT, "Site Servers");
	g_assert_nonnull(multi);
	g_assert_cmpuint(g_strv_length(multi), ==, 2);
	g_assert_cmpstr(multi[0], ==, "ZUR1");
	g_assert_cmpstr(multi[1], ==, "ZUR2");
	g_assert_false(sms_reg_has_key(b, "HKLM\\SOFTWARE\\Microsoft\\SMS\\Tracing"));
	g_assert_false(sms_reg_has_value(b, MAINT, "Obsolete Value"));
	g_assert_true(sms_reg_has_value(b, MAINT, "next sms unique id"));
}

static void
test_values(void)
{
	const char *text =
		"REGEDIT4\r\n"
		"\r\n"
		"; comment\r\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]   \r\n"
		"@=\"default value\"\r\n"
		"\"Path\"=\"C:\\\\SMS\\\\\"\r\n"
		"\"Quote\"=\"say \\\"hi\\\"\"  ; trailing comment\r\n"
		"\"Odd\"=\"a\\b\"\r\n"
		"\"Hex\"=dword:0000000C\r\n"
		"\"Short\"=dword:c\r\n"
		"\"Number\"=\" 42 \"\r\n"
		"\"HexNumber\"=\"0x1F\"\r\n"
		"\"Word\"=\"Yes\"\r\n"
		"\"Big\"=\"4294967296\"\r\n"
		"\"Bin\"=hex:01,2,ff,\\\r\n"
		"   10,20\r\n"
		"\"Bin4\"=hex:2a,00,00,00\r\n"
		"\"Expand\"=hex(2):25,57,49,4e,44,49,52,25,5c,e9,00\r\n"
		"\"Multi\"=hex(7):61,00,62,63,00,00\r\n"
		"\"DwordHex\"=hex(4):07,00,00,00\r\n"
		"\"Qword\"=hex(b):01,00,00,00,00,00,00,00\r\n"
		"\"Empty\"=hex:\r\n"
		"\"EmptyStr\"=\"\"\r\n"
		"\"EmptyExp\"=hex(2):\r\n"
		"\x1a garbage after the end of file";
	g_autoptr(SmsReg) reg = parse_ok(text);
	g_autoptr(GError) error = NULL;
	g_autofree char *def = sms_reg_get_string(reg, "HKLM\\software\\test", "");
	g_autofree char *path = sms_reg_get_string(reg, "HKLM\\SOFTWARE\\Test", "path");
	g_autofree char *quote = sms_reg_get_string(reg, "HKLM\\SOFTWARE\\Test", "Quote");
	g_autofree char *odd = sms_reg_get_string(reg, "HKLM\\SOFTWARE\\Test", "Odd");
	g_autofree char *expand = NULL, *absent = NULL;
	g_autoptr(GBytes) bin = NULL;
	g_auto(GStrv) multi = NULL;
	guint32 v, type;

	g_assert_cmpstr(def, ==, "default value");
	g_assert_cmpstr(path, ==, "C:\\SMS\\");
	g_assert_cmpstr(quote, ==, "say \"hi\"");
	g_assert_cmpstr(odd, ==, "a\\b");   /* unknown escapes keep the backslash */
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "Hex", 0), ==, 12);
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "Short", 0), ==, 12);
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "Number", 0), ==, 42);
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "HexNumber", 0), ==, 31);
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "Bin4", 0), ==, 42);
	g_assert_cmpuint(dword(reg, "HKLM\\SOFTWARE\\Test", "DwordHex", 0), ==, 7);
	g_assert_false(sms_reg_get_dword(reg, "HKLM\\SOFTWARE\\Test", "Word", 0, &v, &error));
	g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE);
	g_assert_nonnull(strstr(error->message, "HKLM\\SOFTWARE\\Test\\Word: expected a DWORD"));
	g_clear_error(&error);
	g_assert_false(sms_reg_get_dword(reg, "HKLM\\SOFTWARE\\Test", "Big", 0, &v, &error));
	g_clear_error(&error);
	g_assert_false(sms_reg_get_dword(reg, "HKLM\\SOFTWARE\\Test", "Bin", 0, &v, &error));
	g_clear_error(&error);
	g_assert_false(sms_reg_get_dword(reg, "HKLM\\SOFTWARE\\Test", "Qword", 0, &v, &error));
	g_clear_error(&error);
	g_assert_false(sms_reg_get_string_value(reg, "HKLM\\SOFTWARE\\Test", "Hex", "d", &absent,
	                                        &error));
	g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE);
	g_clear_error(&error);
	g_assert_true(sms_reg_get_string_value(reg, "HKLM\\SOFTWARE\\Test", "None", "dflt", &absent,
	                                       &error));
	g_assert_cmpstr(absent, ==, "dflt");

	bin = sms_reg_get_data(reg, "HKLM\\SOFTWARE\\Test", "Bin", &type);
	g_assert_cmpuint(type, ==, SMS_REG_BINARY);
	g_assert_cmpmem(g_bytes_get_data(bin, NULL), g_bytes_get_size(bin), "\x01\x02\xff\x10\x20", 5);
	/* REGEDIT4 hex(2) is ANSI: 0xe9 is e-acute */
	g_assert_true(sms_reg_get_string_value(reg, "HKLM\\SOFTWARE\\Test", "Expand", NULL, &expand,
	                                       &error));
	g_assert_cmpstr(expand, ==, "%WINDIR%\\\xc3\xa9");
	multi = sms_reg_get_multi_string(reg, "HKLM\\SOFTWARE\\Test", "Multi");
	g_assert_cmpuint(g_strv_length(multi), ==, 2);
	g_assert_cmpstr(multi[1], ==, "bc");
	g_assert_true(sms_reg_has_value(reg, "HKLM\\SOFTWARE\\Test", "Empty"));
	{
		g_autofree char *e1 = sms_reg_get_string(reg, "HKLM\\SOFTWARE\\Test", "EmptyStr");
		g_autofree char *e2 = sms_reg_get_string(reg, "HKLM\\SOFTWARE\\Test", "EmptyExp");
		g_assert_cmpstr(e1, ==, "");
		g_assert_cmpstr(e2, ==, "");
		g_assert_false(sms_reg_get_dword(reg, "HKLM\\SOFTWARE\\Test", "EmptyStr", 0, &v,
		                                 &error));
		g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE);
		g_clear_error(&error);
	}
	g_assert_false(sms_reg_has_value(reg, "HKLM\\SOFTWARE\\Test", "garbage"));
}

/* Importing a file replays its operations in order, deletions included. */
static void
test_merge(void)
{
	g_autoptr(SmsReg) reg = parse_ok(
		"REGEDIT4\n\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\App]\n\"keep\"=\"1\"\n\"old\"=\"1\"\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\App\\Sub]\n\"x\"=dword:00000001\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\App\\Sub\\Deeper]\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\AppSibling]\n\"y\"=dword:00000002\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\n\"gone\"=\"1\"\n\"back\"=\"1\"\n");
	g_autoptr(SmsReg) patch = parse_ok(
		"Windows Registry Editor Version 5.00\n\n"
		"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\App\\Sub]\n\n"
		"[hkey_local_machine\\software\\app]\n\"old\"=-\n\"new\"=\"2\"\n"
		"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\n\"fresh\"=\"3\"\n"
		"\"x\"=\"a\"\n\"x\"=-\n\"z\"=-\n\"z\"=\"b\"\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = NULL;

	/* the patch alone is what it describes */
	g_assert_false(sms_reg_has_key(patch, "HKLM\\SOFTWARE\\App\\Sub"));
	g_assert_true(sms_reg_has_value(patch, "HKLM\\SOFTWARE\\Other", "z"));
	g_assert_false(sms_reg_has_value(patch, "HKLM\\SOFTWARE\\Other", "x"));

	g_assert_true(sms_reg_merge(reg, patch, &error));
	g_assert_no_error(error);
	g_assert_false(sms_reg_has_key(reg, "HKLM\\SOFTWARE\\App\\Sub"));
	g_assert_false(sms_reg_has_key(reg, "HKLM\\SOFTWARE\\App\\Sub\\Deeper"));
	g_assert_true(sms_reg_has_key(reg, "HKLM\\SOFTWARE\\AppSibling"));  /* not a subkey */
	g_assert_true(sms_reg_has_value(reg, "HKLM\\SOFTWARE\\App", "keep"));
	g_assert_false(sms_reg_has_value(reg, "HKLM\\SOFTWARE\\App", "old"));
	g_assert_true(sms_reg_has_value(reg, "HKLM\\SOFTWARE\\App", "new"));
	/* [-Other] then [Other]: the old values are gone, the new ones there */
	names = sms_reg_value_names(reg, "HKLM\\SOFTWARE\\Other");
	g_assert_cmpuint(names->len, ==, 2);
	g_assert_cmpstr(names->pdata[0], ==, "fresh");
	g_assert_cmpstr(names->pdata[1], ==, "z");
	/* the key keeps the case it was created with */
	{
		g_autoptr(GPtrArray) keys = sms_reg_key_paths(reg);
		gboolean found = FALSE;
		for (guint i = 0; i < keys->len; i++)
			found |= g_str_equal(keys->pdata[i], "HKEY_LOCAL_MACHINE\\SOFTWARE\\App");
		g_assert_true(found);
	}
	/* merging the registry it came from again changes nothing */
	{
		g_autofree char *before = sms_reg_to_text(reg);
		g_autofree char *after = NULL;
		g_assert_true(sms_reg_merge(reg, patch, &error));
		after = sms_reg_to_text(reg);
		g_assert_cmpstr(before, ==, after);
	}
}

static void
test_save(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "SERVER.reg", NULL);
	g_autoptr(SmsReg) reg = sms_reg_new();
	g_autoptr(SmsReg) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL, *file = NULL, *again = NULL;
	guint8 bin[40];     /* wrapped as regedit did: 25 bytes a line, at most 80 columns */
	const char *const items[] = { "A", "B\xc3\xa9", NULL };
	gsize len;
	const char *expected =
		"REGEDIT4\r\n"
		"\r\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\B]\r\n"
		"@=\"d\"\r\n"
		"\"a\\\\b\"=\"quote \\\" and \\\\\"\r\n"
		"\"Bin\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,\\\r\n"
		"  16,17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27\r\n"
		"\"Count\"=dword:0000000c\r\n"
		"\"Exp\"=hex(2):25,53,4d,53,25,00\r\n"
		"\"Latin\"=\"Soci\xe9t\xe9 \x80 ?\"\r\n"
		"\"Lines\"=hex(1):61,0a,62,00\r\n"
		"\"Multi\"=hex(7):41,00,42,e9,00,00\r\n"
		"\r\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\B\\Child]\r\n"
		"\r\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\B C]\r\n"
		"\"x\"=dword:00000000\r\n"
		"\r\n";

	for (int i = 0; i < 40; i++)
		bin[i] = (guint8)i;
	sms_reg_set_dword(reg, "HKLM\\SOFTWARE\\B C", "x", 0);
	sms_reg_create_key(reg, "HKLM\\SOFTWARE\\B\\Child");
	sms_reg_set_dword(reg, "HKLM\\SOFTWARE\\B", "Count", 12);
	sms_reg_set_string(reg, "HKLM\\SOFTWARE\\B", "a\\b", "quote \" and \\");
	sms_reg_set_string(reg, "HKLM\\SOFTWARE\\B", "", "d");
	sms_reg_set_data(reg, "HKLM\\SOFTWARE\\B", "Bin", SMS_REG_BINARY, bin, sizeof bin);
	sms_reg_set_expand_string(reg, "HKLM\\SOFTWARE\\B", "Exp", "%SMS%");
	/* e-acute and the euro sign exist in Windows-1252, the Greek omega does not */
	sms_reg_set_string(reg, "HKLM\\SOFTWARE\\B", "Latin",
	                   "Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xce\xa9");
	sms_reg_set_string(reg, "HKLM\\SOFTWARE\\B", "Lines", "a\nb");
	sms_reg_set_multi_string(reg, "HKLM\\SOFTWARE\\B", "Multi", items);

	text = sms_reg_to_text(reg);
	g_assert_cmpstr(text, ==, expected);
	g_assert_true(sms_reg_save(reg, path, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &file, &len, NULL));
	g_assert_cmpstr(file, ==, expected);
	/* nothing but the file in the directory (temp + rename) */
	{
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		g_assert_cmpstr(g_dir_read_name(d), ==, "SERVER.reg");
		g_assert_null(g_dir_read_name(d));
	}
	/* read back: the same values, and the same text again */
	g_assert_true(sms_reg_load(path, &back, &error));
	g_assert_no_error(error);
	{
		g_autofree char *lines = sms_reg_get_string(back, "HKLM\\SOFTWARE\\B", "Lines");
		g_autofree char *latin = sms_reg_get_string(back, "HKLM\\SOFTWARE\\B", "Latin");
		g_auto(GStrv) multi = sms_reg_get_multi_string(back, "HKLM\\SOFTWARE\\B", "Multi");
		g_assert_cmpstr(lines, ==, "a\nb");
		g_assert_cmpstr(latin, ==, "Soci\xc3\xa9t\xc3\xa9 \xe2\x82\xac ?");
		g_assert_cmpstr(multi[1], ==, "B\xc3\xa9");
	}
	again = sms_reg_to_text(back);
	g_assert_cmpstr(again, ==, expected);
}

static void
test_api(void)
{
	g_autoptr(SmsReg) reg = sms_reg_new();
	g_autoptr(SmsReg) copy = sms_reg_new();
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *t1 = NULL, *t2 = NULL;

	sms_reg_set_dword(reg, "HKLM\\A\\B\\C", "v", 1);
	sms_reg_set_dword(reg, "HKEY_LOCAL_MACHINE\\A B", "v", 1);
	sms_reg_set_dword(reg, "HKLM\\A", "v", 1);
	sms_reg_set_dword(reg, "HKCU\\A", "v", 1);
	g_assert_true(sms_reg_has_key(reg, "HKLM\\A\\B"));           /* a parent */
	g_assert_true(sms_reg_has_key(reg, "hkey_local_machine\\a\\b\\c\\"));
	g_assert_false(sms_reg_has_key(reg, "HKLM\\A\\B\\C\\D"));
	g_assert_false(sms_reg_has_key(reg, "HKXX\\A"));
	keys = sms_reg_key_paths(reg);
	g_assert_cmpuint(keys->len, ==, 4);
	g_assert_cmpstr(keys->pdata[0], ==, "HKEY_CURRENT_USER\\A");
	g_assert_cmpstr(keys->pdata[1], ==, "HKEY_LOCAL_MACHINE\\A");
	g_assert_cmpstr(keys->pdata[2], ==, "HKEY_LOCAL_MACHINE\\A\\B\\C");
	g_assert_cmpstr(keys->pdata[3], ==, "HKEY_LOCAL_MACHINE\\A B");
	g_assert_true(sms_reg_delete_value(reg, "HKLM\\A", "V"));
	g_assert_false(sms_reg_delete_value(reg, "HKLM\\A", "V"));
	g_assert_true(sms_reg_delete_key(reg, "HKLM\\A"));
	g_assert_false(sms_reg_has_key(reg, "HKLM\\A\\B\\C"));
	g_assert_true(sms_reg_has_key(reg, "HKLM\\A B"));
	g_assert_false(sms_reg_delete_key(reg, "HKLM\\Nothing"));
	/* what was done through the API replays onto another registry */
	g_assert_true(sms_reg_merge(copy, reg, &error));
	t1 = sms_reg_to_text(reg);
	t2 = sms_reg_to_text(copy);
	g_assert_cmpstr(t1, ==, t2);
	/* load_optional: a missing file is an empty registry */
	{
		g_autofree char *dir = sms_test_tmpdir();
		g_autofree char *missing = g_build_filename(dir, "NONE.reg", NULL);
		g_autoptr(SmsReg) empty = NULL;
		g_autoptr(GPtrArray) none = NULL;
		g_assert_true(sms_reg_load_optional(missing, &empty, &error));
		none = sms_reg_key_paths(empty);
		g_assert_cmpuint(none->len, ==, 0);
		g_assert_false(sms_reg_load(missing, &copy, &error));
		g_assert_error(error, SMS_ERROR, SMS_ERROR_IO);
		g_assert_nonnull(copy);   /* untouched on failure */
	}
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char *text;
		int code;
		const char *fragment;
	} cases[] = {
		{ "", SMS_REG_ERROR_HEADER, "bad.reg:1: empty file" },
		{ "[HKEY_LOCAL_MACHINE\\X]\n", SMS_REG_ERROR_HEADER, "bad.reg:1: expected 'REGEDIT4'" },
		{ "\nREGEDIT5\n", SMS_REG_ERROR_HEADER, "bad.reg:2: expected 'REGEDIT4'" },
		{ "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\X\n", SMS_REG_ERROR_SYNTAX, "bad.reg:3: expected ']'" },
		{ "REGEDIT4\n[HKLM\\X]\n", SMS_REG_ERROR_SYNTAX, "bad.reg:2: key 'HKLM\\X': expected a "
		  "path under HKEY_LOCAL_MACHINE" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\\\X]\n", SMS_REG_ERROR_SYNTAX, "bad.reg:2: key" },
		{ "REGEDIT4\n[-HKEY_LOCAL_MACHINE]\n", SMS_REG_ERROR_SYNTAX, "bad.reg:2: [-HKEY_LOCAL_"
		  "MACHINE]: a root key cannot be deleted" },
		{ "REGEDIT4\n\"x\"=\"1\"\n", SMS_REG_ERROR_SYNTAX, "bad.reg:2: a value before any [KEY]" },
		{ "REGEDIT4\n[-HKEY_LOCAL_MACHINE\\X]\n\"x\"=\"1\"\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: a value in a deleted [-KEY] section" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\nx=1\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: expected \"name\"=value" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: expected a closing '\"' after the value name" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\" \"1\"\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: expected '=' after the value name" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=\"1\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected a closing '\"'" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=\"1\" 2\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": unexpected text after the closing" },
		{ "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=dword:nothex\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:4: value \"x\": expected dword: and 1 to 8 hex digits" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=dword:123456789\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected dword:" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex:01,zz\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected comma-separated hex bytes, got 'zz'" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex(q):01\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected hex(N): with N a type in hex digits" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex 01\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected ':' after hex" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex(4):01,02,03\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": hex(4) (REG_DWORD) needs 4 bytes, got 3" },
		{ "Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex(2):41,00,42\n",
		  SMS_REG_ERROR_SYNTAX, "bad.reg:3: hex(2): expected an even number of bytes" },
		{ "Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex(1):00,dc\n",
		  SMS_REG_ERROR_SYNTAX, "bad.reg:3: hex(1) data: byte 0: UTF-16 low surrogate alone" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:3: value \"x\": expected \"string\", dword:, hex:, hex(N): or -" },
		{ "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"x\"=hex:01,\\\n\n\"y\"=1\n", SMS_REG_ERROR_SYNTAX,
		  "bad.reg:5: value \"y\"" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsReg) reg = NULL;
		g_autoptr(GError) error = NULL;
		if (sms_reg_parse("bad.reg", cases[i].text, strlen(cases[i].text), &reg, &error))
			g_error("case %" G_GSIZE_FORMAT " parsed: %s", i, cases[i].text);
		g_assert_null(reg);
		if (!g_error_matches(error, SMS_REG_ERROR, cases[i].code) ||
		    strstr(error->message, cases[i].fragment) == NULL)
			g_error("case %" G_GSIZE_FORMAT ": expected code %d and '%s', got %d '%s'", i,
			        cases[i].code, cases[i].fragment, error->code, error->message);
	}
}

static void
test_text_decode(void)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	gsize len = 0;
	SmsTextEncoding enc;

	/* Windows-1252: the euro sign at 0x80, e-acute at 0xe9; Ctrl-Z ends the text */
	g_assert_true(sms_text_decode("f", "a\x80\xe9\x1a\x00zz", 7, &out, &len, &enc, &error));
	g_assert_cmpstr(out, ==, "a\xe2\x82\xac\xc3\xa9");
	g_assert_cmpuint(len, ==, strlen(out));
	g_assert_cmpint(enc, ==, SMS_TEXT_ANSI);
	g_free(out);
	/* valid UTF-8 stays as it is; a UTF-8 BOM is dropped */
	g_assert_true(sms_text_decode("f", "\xef\xbb\xbf\xc3\xa9", 5, &out, NULL, &enc, &error));
	g_assert_cmpstr(out, ==, "\xc3\xa9");
	g_assert_cmpint(enc, ==, SMS_TEXT_UTF8);
	g_free(out);
	/* UTF-16 both ways, with a surrogate pair */
	g_assert_true(sms_text_decode("f", "\xff\xfe" "A\0=\xd8\x00\xde\x1a\0B\0", 12, &out, NULL,
	                              &enc, &error));
	g_assert_cmpstr(out, ==, "A\xf0\x9f\x98\x80");
	g_assert_cmpint(enc, ==, SMS_TEXT_UTF16LE);
	g_free(out);
	g_assert_true(sms_text_decode("f", "\xfe\xff\0A\0\xe9", 6, &out, NULL, &enc, &error));
	g_assert_cmpstr(out, ==, "A\xc3\xa9");
	g_assert_cmpint(enc, ==, SMS_TEXT_UTF16BE);
	g_free(out);
	/* errors name the byte offset */
	g_assert_false(sms_text_decode("f.reg", "abc\0def", 7, &out, NULL, NULL, &error));
	g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_ENCODING);
	g_assert_nonnull(strstr(error->message, "f.reg: byte 3: NUL byte"));
	g_clear_error(&error);
	g_assert_false(sms_text_decode("f.reg", "\xff\xfe" "A\0B", 5, &out, NULL, NULL, &error));
	g_assert_nonnull(strstr(error->message, "f.reg: byte 4: odd number of bytes"));
	g_clear_error(&error);
	g_assert_false(sms_text_decode("f.reg", "\xff\xfe" "A\0\x00\xd8" "B\0", 8, &out, NULL, NULL,
	                               &error));
	g_assert_nonnull(strstr(error->message, "f.reg: byte 4: UTF-16 high surrogate"));
	g_clear_error(&error);
	g_assert_false(sms_text_decode("f.reg", "\xef\xbb\xbf" "ab\xff", 6, &out, NULL, NULL,
	                               &error));
	g_assert_nonnull(strstr(error->message, "f.reg: byte 5: invalid UTF-8"));
	g_clear_error(&error);
	/* and back: Windows-1252, '?' for what it cannot hold */
	{
		g_autofree char *a = sms_text_to_ansi("\xc3\xa9\xe2\x82\xac\xce\xa9x", &len);
		g_assert_cmpmem(a, len, "\xe9\x80?x", 4);
	}
	/* a .reg file in UTF-16 without BOM is refused with the offset of the first NUL */
	{
		g_autoptr(SmsReg) reg = NULL;
		g_assert_false(sms_reg_parse("w.reg", "R\0E\0", 4, &reg, &error));
		g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_ENCODING);
		g_assert_nonnull(strstr(error->message, "w.reg: byte 1:"));
	}
}

/* REGEDIT4 files are ANSI even when the bytes look like UTF-8; version 5 in UTF-16. */
static void
test_encodings(void)
{
	const char *v4 = "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"a\"=\"\xc3\xa9\"\n";
	g_autoptr(SmsReg) a = parse_ok(v4);
	g_autofree char *s = sms_reg_get_string(a, "HKLM\\X", "a");
	g_autoptr(GBytes) w = utf16("Windows Registry Editor Version 5.00\r\n\r\n"
	                            "[HKEY_LOCAL_MACHINE\\X]\r\n\"\xce\xa9\"=\"\xe2\x82\xac\"\r\n");
	g_autoptr(SmsReg) b = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *e = NULL;
	g_assert_cmpstr(s, ==, "\xc3\x83\xc2\xa9");   /* "Ã©", as regedit showed it */
	g_assert_true(sms_reg_parse("w.reg", g_bytes_get_data(w, NULL), g_bytes_get_size(w), &b,
	                            &error));
	g_assert_no_error(error);
	e = sms_reg_get_string(b, "HKLM\\X", "\xce\xa9");
	g_assert_cmpstr(e, ==, "\xe2\x82\xac");
}

/* The SMS settings are range-checked where they are read, with the file's line: a delay
 * of 4294967295 minutes is refused, as is a string that holds no number; other values
 * and absent ones are fine. */
static void
test_settings_ranges(void)
{
	g_autoptr(SmsReg) ok = parse_ok("REGEDIT4\r\n\r\n[" DESP "]\r\n\"Use Forced Disconnect\"="
	                                "dword:00000001\r\n\"Forced Disconnection Delay In Minutes\""
	                                "=dword:00000005\r\n\"Unrelated\"=dword:ffffffff\r\n");
	g_autoptr(SmsReg) huge = parse_ok("REGEDIT4\r\n\r\n[" DESP "]\r\n\"Use Forced Disconnect\"="
	                                  "dword:00000001\r\n\"Forced Disconnection Delay In Minutes"
	                                  "\"=dword:ffffffff\r\n");
	g_autoptr(SmsReg) text = parse_ok("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"
	                                  "SMS\\Components\\SMS_LAN_Sender]\r\n\r\n\"Number of Retries\""
	                                  "=\"many\"\r\n");
	g_autoptr(SmsReg) empty = sms_reg_new();
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_reg_check_settings(ok, "ok.reg", &error));
	g_assert_no_error(error);
	g_assert_true(sms_reg_check_settings(empty, "none.reg", &error));
	g_assert_false(sms_reg_check_settings(huge, "huge.reg", &error));
	g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_RANGE);
	g_assert_nonnull(strstr(error->message, "huge.reg:5: \"Forced Disconnection Delay In "
	                                        "Minutes\"=4294967295: expected 0 to 10080"));
	g_clear_error(&error);
	g_assert_false(sms_reg_check_settings(text, "text.reg", &error));
	g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE);
	g_assert_nonnull(strstr(error->message, "text.reg:5:"));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/reg/samples", test_samples);
	g_test_add_func("/reg/values", test_values);
	g_test_add_func("/reg/merge", test_merge);
	g_test_add_func("/reg/save", test_save);
	g_test_add_func("/reg/api", test_api);
	g_test_add_func("/reg/syntax-errors", test_syntax_errors);
	g_test_add_func("/reg/settings-ranges", test_settings_ranges);
	g_test_add_func("/reg/text-decode", test_text_decode);
	g_test_add_func("/reg/encodings", test_encodings);
	return g_test_run();
}
