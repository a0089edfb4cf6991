/* test-formats.c -- .reg, PDF, status MIF, .SNI, .INS and instruction files. */
#include "testlib.h"
#include "ins.h"
#include "instruction.h"
#include "mif.h"
#include "pdf.h"
#include "reg.h"

#define KEY "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler"

static void
test_reg(void)
{
	const char *v4 = "REGEDIT4\r\n\r\n[" KEY "]\r\n\"Use Forced Disconnect\"=dword:00000001\r\n"
	                 "\"Number Of Retries Before Forced Disconnection\"=dword:0000000a\r\n"
	                 "\"Name\"=\"a \\\"quoted\\\" \\\\ value\"\r\n\"Bin\"=hex:01,02,\\\r\n  03\r\n";
	g_autoptr(SmsReg) reg = NULL, patch = NULL, again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *s = NULL, *text = NULL;
	guint32 v;
	g_assert_true(sms_reg_parse("t.reg", v4, strlen(v4), &reg, &error));
	g_assert_no_error(error);
	g_assert_true(sms_reg_get_dword(reg, KEY, "use forced disconnect", 0, &v, &error));
	g_assert_cmpuint(v, ==, 1);
	g_assert_true(sms_reg_get_dword(reg, "hkey_local_machine\\software\\microsoft\\sms\\"
	                                "components\\sms_despooler",
	                                "Number Of Retries Before Forced Disconnection", 12, &v, &error));
	g_assert_cmpuint(v, ==, 10);
	g_assert_true(sms_reg_get_dword(reg, KEY, "Forced Disconnection Delay In Minutes", 5, &v,
	                                &error));
	g_assert_cmpuint(v, ==, 5);   /* default */
	s = sms_reg_get_string(reg, KEY, "Name");
	g_assert_cmpstr(s, ==, "a \"quoted\" \\ value");
	g_assert_false(sms_reg_get_dword(reg, KEY, "Name", 0, &v, &error));
	g_clear_error(&error);
	/* version 5 in UTF-16LE with a deletion */
	{
		const char *v5 = "Windows Registry Editor Version 5.00\r\n\r\n[" KEY "]\r\n"
		                 "\"Use Forced Disconnect\"=-\r\n";
		GString *u = g_string_new(NULL);
		g_string_append_c(u, (char)0xFF);
		g_string_append_c(u, (char)0xFE);
		for (const char *p = v5; *p; p++) {
			g_string_append_c(u, *p);
			g_string_append_c(u, 0);
		}
		g_assert_true(sms_reg_parse("t5.reg", u->str, u->len, &patch, &error));
		g_assert_no_error(error);
		g_string_free(u, TRUE);
	}
	g_assert_true(sms_reg_merge(reg, patch, &error));
	g_assert_true(sms_reg_get_dword(reg, KEY, "Use Forced Disconnect", 0, &v, &error));
	g_assert_cmpuint(v, ==, 0);
	/* write and read back */
	text = sms_reg_to_text(reg);
	g_assert_true(sms_reg_parse("again.reg", text, strlen(text), &again, &error));
	g_assert_true(sms_reg_get_dword(again, KEY, "Number Of Retries Before Forced Disconnection",
	                                0, &v, &error));
	g_assert_cmpuint(v, ==, 10);
	/* errors name the line */
	{
		g_autoptr(SmsReg) bad = NULL;
		const char *b = "REGEDIT4\n\n[" KEY "]\n\"x\"=dword:nothex\n";
		g_assert_false(sms_reg_parse("bad.reg", b, strlen(b), &bad, &error));
		g_assert_nonnull(strstr(error->message, "bad.reg:4:"));
		g_clear_error(&error);
		g_assert_false(sms_reg_parse("hdr.reg", "[X]\n", 4, &bad, &error));
		g_assert_error(error, SMS_REG_ERROR, SMS_REG_ERROR_HEADER);
	}
}

static void
test_pdf(void)
{
	g_autofree char *path = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autoptr(SmsPdf) pdf = NULL;
	g_autoptr(GError) error = NULL;
	SmsPdfCommand *c;
	g_assert_true(sms_pdf_load(path, &pdf, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(pdf->product, ==, "Microsoft Office for Windows 95 Standard");
	g_assert_cmpuint(pdf->commands->len, ==, 4);
	c = pdf->commands->pdata[0];
	g_assert_cmpstr(c->variation, ==, "Typical");
	g_assert_false(c->user_input_required);
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
	g_assert_cmpstr(pdf->share_name, ==, "OFFICE95");
	g_assert_cmpuint(pdf->program_items->len, ==, 2);
	g_assert_true(pdf->inventory);
	g_assert_cmpuint(sms_platform_from_name("Windows NT 4.0 (Alpha)"), ==, SMS_PLATFORM_WIN32_ALPHA);
	g_assert_cmpuint(sms_platform_from_name("MS-DOS 6.22"), ==, SMS_PLATFORM_DOS6);
	g_assert_cmpuint(sms_platform_from_name("Windows 3.1"), ==, SMS_PLATFORM_WIN16);
	g_assert_cmpuint(sms_platform_from_name("OS/2"), ==, 0);
	{
		g_autoptr(SmsPdf) bad = NULL;
		const char *t = "[PDF]\nVersion=1.0\n[Package Definition]\nProduct=X\n"
		                "SetupVariations=A\n[A Setup]\nCommandLine=x.exe\n"
		                "SupportedPlatforms=Windows 95, BeOS\n";
		g_assert_false(sms_pdf_parse("bad.pdf", t, strlen(t), &bad, &error));
		g_assert_nonnull(strstr(error->message, "bad.pdf:8: SupportedPlatforms: unknown platform 'BeOS'"));
	}
}

static void
test_mif_sni(void)
{
	g_autofree char *ok_path = sms_test_srcpath("samples/mifs/success.mif");
	g_autofree char *fail_path = sms_test_srcpath("samples/mifs/failed.mif");
	g_autofree char *bad_path = sms_test_srcpath("samples/mifs/malformed.mif");
	g_autoptr(SmsStatusMif) a = NULL, b = NULL, c = NULL, d = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *written = NULL;
	g_assert_true(sms_mif_load(ok_path, &a, &error));
	g_assert_true(a->success);
	g_assert_true(sms_mif_load(fail_path, &b, &error));
	g_assert_false(b->success);
	g_assert_cmpstr(b->description, ==, "Setup could not write to C:\\MSOFFICE: disk full");
	g_assert_cmpstr(b->product, ==, "Office 95 Standard");
	g_assert_false(sms_mif_load(bad_path, &c, &error));
	g_assert_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_SYNTAX);
	g_clear_error(&error);
	written = sms_mif_format_status("Microsoft", "Word", "7.0", "failed badly", FALSE);
	g_assert_true(sms_mif_parse("w.mif", written, strlen(written), &d, &error));
	g_assert_false(d->success);
	g_assert_cmpstr(d->description, ==, "failed badly");
	{
		SmsSni s = { NULL, (char *)"A01", (char *)"A0100001", (char *)"A0101000",
		             (char *)"WKS1", (char *)"Failed", (char *)"X.PCK", NULL, 820454400 };
		g_autofree char *t = sms_sni_format(&s);
		g_autoptr(SmsSni) back = NULL;
		g_assert_true(sms_sni_parse("x.sni", t, strlen(t), &back, &error));
		g_assert_cmpstr(back->job_id, ==, "A0100001");
		g_assert_cmpstr(back->mif, ==, "X.PCK");
		g_assert_cmpint(back->time, ==, 820454400);
	}
}

static void
test_ins(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "A0101000.INS", NULL);
	g_autoptr(SmsInsRecord) r = sms_ins_record_new();
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) dump = g_string_new(NULL);
	gboolean changed;
	r->site_id = g_strdup("A01");
	r->request_id = g_strdup("0001A01");
	r->package_id = g_strdup("A0100001");
	r->job_id = g_strdup("A0100001");
	r->display_date = 820486800;          /* 1996-01-01 09:00 */
	r->install_by = 820573200;
	r->install_by_full = TRUE;
	r->os_mask = 0x82;
	r->run_command = g_strdup("setup.exe /q");
	r->wcl_name = g_strdup("Typical");
	sms_ins_record_add_server(r, "\\\\SRV01\\SMS_PKGC\\A0100001\\", 2);
	g_assert_true(sms_ins_upsert(path, r, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	g_assert_true(sms_ins_upsert(path, r, SMS_SYNC_NONE, &changed, &error));
	g_assert_false(changed);                      /* unchanged files are not rewritten */
	g_free(r->job_id);
	r->job_id = g_strdup("A0100002");
	g_assert_true(sms_ins_upsert(path, r, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(sms_ins_load(path, &f, &error));
	g_assert_cmpuint(f->records->len, ==, 2);
	sms_ins_dump(f, path, dump);
	g_assert_nonnull(strstr(dump->str, "Install By Date"));
	g_assert_nonnull(strstr(dump->str, ": 01/02/96 09:00:00"));
	g_assert_nonnull(strstr(dump->str, ": 130"));
	g_assert_true(sms_ins_remove(path, "A0100001", NULL, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	g_assert_true(sms_ins_remove(path, "A0100002", NULL, SMS_SYNC_NONE, &changed, &error));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));   /* no record left */
	/* every truncation and flipped byte is refused */
	{
		g_autoptr(SmsInsFile) one = sms_ins_file_new();
		g_autoptr(GBytes) b = NULL;
		gsize n;
		guint8 *data;
		g_ptr_array_add(one->records, sms_ins_record_copy(r));
		b = sms_ins_serialize(one);
		{
			const void *raw = g_bytes_get_data(b, &n);
			data = g_memdup2(raw, n);
		}
		for (gsize cut = 0; cut < n; cut++) {
			g_autoptr(SmsInsFile) x = NULL;
			g_autoptr(GError) e = NULL;
			g_assert_false(sms_ins_parse("cut", data, cut, &x, &e));
			g_assert_nonnull(strstr(e->message, "offset"));
		}
		for (gsize i = 0; i < n; i++) {
			g_autoptr(SmsInsFile) x = NULL;
			data[i] ^= 0x20;
			g_assert_false(sms_ins_parse("flip", data, n, &x, NULL));
			data[i] ^= 0x20;
		}
		g_free(data);
	}
}

static void
test_instruction(void)
{
	g_autoptr(SmsInstruction) i = sms_instruction_new(SMS_INSTR_INSTALL);
	g_autoptr(SmsInstruction) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize len;
	i->id = g_strdup("00001B01");
	i->job_id = g_strdup("A0100001");
	i->origin_site = g_strdup("A01");
	i->target_site = g_strdup("B01");
	i->package_id = g_strdup("A0100001");
	i->command_line = g_strdup("setup.exe\n[Evil]\nKind=Cancel");   /* no key injection */
	i->mandatory_after = 820573200;
	sms_instruction_add_target(i, "WKS1", "CORP", NULL);
	sms_instruction_add_target(i, "WKS2", "CORP", "B0101000");
	text = sms_instruction_serialize(i, &len);
	g_assert_true(sms_instruction_parse("x", text, len, &back, &error));
	g_assert_no_error(error);
	g_assert_cmpint(back->kind, ==, SMS_INSTR_INSTALL);
	g_assert_cmpuint(back->targets->len, ==, 2);
	g_assert_null(((SmsInstrTarget *)back->targets->pdata[0])->smsid);
	g_assert_cmpstr(((SmsInstrTarget *)back->targets->pdata[1])->smsid, ==, "B0101000");
	g_assert_cmpint(back->mandatory_after, ==, 820573200);
	g_assert_null(strchr(back->command_line, '\n'));
	text[len / 2] ^= 1;
	g_clear_pointer(&back, sms_instruction_free);
	g_assert_false(sms_instruction_parse("x", text, len, &back, &error));
	g_assert_error(error, SMS_INSTR_ERROR, SMS_INSTR_ERROR_CORRUPT);
	g_clear_error(&error);
	g_assert_false(sms_instruction_parse("x", text, len - 20, &back, &error));
	g_assert_error(error, SMS_INSTR_ERROR, SMS_INSTR_ERROR_TRUNCATED);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/formats/reg", test_reg);
	g_test_add_func("/formats/pdf", test_pdf);
	g_test_add_func("/formats/mif-sni", test_mif_sni);
	g_test_add_func("/formats/ins", test_ins);
	g_test_add_func("/formats/instruction", test_instruction);
	return g_test_run();
}
