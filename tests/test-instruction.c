/* test-instruction.c -- despooler instructions and send requests: every field round
 * trips, values cannot inject keys, every truncation and every flipped byte is
 * detected, bad fields name the line. */
#include "testlib.h"
#include "instruction.h"

#include <zlib.h>

static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static SmsInstruction *
sample(void)
{
	SmsInstruction *i = sms_instruction_new(SMS_INSTR_INSTALL);
	i->id = g_strdup("00001B01");
	i->job_id = g_strdup("A0100001");
	i->request_id = g_strdup("A01001M");
	i->job_type = 1;
	i->origin_site = g_strdup("A01");
	i->from_site = g_strdup("A01");
	i->target_site = g_strdup("B01");
	i->package_id = g_strdup("A0100001");
	i->package_name = g_strdup("Microsoft Office 95");
	i->package_version = g_strdup("7.0");
	i->package_comment = g_strdup("line one\nline two\t[Targets]\r\n9=EVIL\tX\tY");
	i->package_file = g_strdup("A0100001.W00");
	i->package_crc = 0xdeadbeef;
	i->share_name = g_strdup("OFFICE95");
	i->share_access = g_strdup("Everyone:Read");
	i->dist_mode = 3;
	i->dist_servers = g_strdup("SRV01, SRV02");
	i->remove_tasks = 2;
	i->run_command = TRUE;
	i->command_name = g_strdup("Typical");
	i->command_line = g_strdup("setup.exe /q1 /b1");
	i->platforms = 0x1c;
	i->command_flags = 5;
	i->offer_after = T("1996-04-01 09:00");
	i->mandatory_after = T("1996-04-01 10:00");
	i->force_slow_link = TRUE;
	i->priority = 1;
	i->created = T("1996-04-01 08:55");
	sms_instruction_add_target(i, "BR001", "BRANCH", "B0100001");
	sms_instruction_add_target(i, "BR\t002", "BRANCH", NULL);
	return i;
}

static void
test_roundtrip(void)
{
	g_autoptr(SmsInstruction) i = sample();
	g_autoptr(SmsInstruction) o = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	g_autofree char *text = sms_instruction_serialize(i, &len);
	SmsInstrTarget *t;

	g_assert_cmpuint(strlen(text), ==, len);
	g_assert_true(g_str_has_prefix(text, "[Instruction]\nKind=Install\n"));
	/* a value with newlines stays on its line: no injected section or key */
	g_assert_null(strstr(text, "\n[Targets]\r"));
	g_assert_null(strstr(text, "\n9=EVIL"));
	g_assert_true(sms_instruction_parse("x.INS", text, len, &o, &error));
	g_assert_no_error(error);
	g_assert_cmpint(o->kind, ==, SMS_INSTR_INSTALL);
	g_assert_cmpstr(o->id, ==, "00001B01");
	g_assert_cmpstr(o->job_id, ==, "A0100001");
	g_assert_cmpstr(o->request_id, ==, "A01001M");   /* PCMDUMP RequestID (KB Q123499) */
	g_assert_cmpstr(o->origin_site, ==, "A01");
	g_assert_cmpstr(o->target_site, ==, "B01");
	g_assert_cmpstr(o->package_name, ==, "Microsoft Office 95");
	g_assert_cmpstr(o->package_comment, ==, "line one line two [Targets]  9=EVIL X Y");
	g_assert_cmpstr(o->package_file, ==, "A0100001.W00");
	g_assert_cmphex(o->package_crc, ==, 0xdeadbeef);
	g_assert_cmpstr(o->share_name, ==, "OFFICE95");
	g_assert_cmpuint(o->dist_mode, ==, 3);
	g_assert_cmpstr(o->dist_servers, ==, "SRV01, SRV02");
	g_assert_cmpint(o->remove_tasks, ==, 2);
	g_assert_true(o->run_command);
	g_assert_cmpstr(o->command_line, ==, "setup.exe /q1 /b1");
	g_assert_cmphex(o->platforms, ==, 0x1c);
	g_assert_cmpuint(o->command_flags, ==, 5);
	g_assert_cmpint(o->offer_after, ==, T("1996-04-01 09:00"));
	g_assert_cmpint(o->mandatory_after, ==, T("1996-04-01 10:00"));
	g_assert_cmpint(o->expires_after, ==, SMS_TIME_NONE);
	g_assert_true(o->force_slow_link);
	g_assert_cmpint(o->priority, ==, 1);
	g_assert_cmpint(o->created, ==, T("1996-04-01 08:55"));
	g_assert_cmpuint(o->targets->len, ==, 2);
	t = o->targets->pdata[0];
	g_assert_cmpstr(t->machine, ==, "BR001");
	g_assert_cmpstr(t->smsid, ==, "B0100001");
	t = o->targets->pdata[1];
	g_assert_cmpstr(t->machine, ==, "BR 002");
	g_assert_null(t->smsid);
	/* serialising the parsed copy gives the same text back, byte for byte */
	{
		g_autoptr(SmsInstruction) o2 = NULL;
		gsize len2, len3;
		g_autofree char *text2 = sms_instruction_serialize(o, &len2);
		g_autofree char *text3 = NULL;
		g_assert_true(sms_instruction_parse("y.INS", text2, len2, &o2, NULL));
		text3 = sms_instruction_serialize(o2, &len3);
		g_assert_cmpstr(text2, ==, text3);
	}
}

static void
test_status_rows(void)
{
	g_autoptr(SmsInstruction) i = sms_instruction_new(SMS_INSTR_STATUS);
	g_autoptr(SmsInstruction) o = NULL;
	SmsInstrStatusRow *r = g_new0(SmsInstrStatusRow, 1);
	g_autoptr(GError) error = NULL;
	gsize len;
	g_autofree char *text = NULL;
	i->id = g_strdup("S0001B01B01");
	i->job_id = g_strdup("A0100001");
	i->origin_site = g_strdup("A01");
	i->target_site = g_strdup("A01");
	r->table = g_strdup("location");
	r->site = g_strdup("B01");
	r->server = g_strdup("BRANCH");
	r->path = g_strdup("servers/BRANCH/C/SMS_PKGC/A0100001");
	r->status = 4;
	r->updated = T("1996-04-01 09:20");
	g_ptr_array_add(i->status_rows, r);
	r = g_new0(SmsInstrStatusRow, 1);
	r->table = g_strdup("machine");
	r->site = g_strdup("B01");
	r->machine = g_strdup("BR001");
	r->status = 6;
	r->updated = SMS_TIME_NONE;
	r->detail = g_strdup("Failed\twith tab");
	g_ptr_array_add(i->status_rows, r);
	text = sms_instruction_serialize(i, &len);
	g_assert_true(sms_instruction_parse("s.INS", text, len, &o, &error));
	g_assert_no_error(error);
	g_assert_cmpint(o->kind, ==, SMS_INSTR_STATUS);
	g_assert_cmpuint(o->status_rows->len, ==, 2);
	r = o->status_rows->pdata[0];
	g_assert_cmpstr(r->table, ==, "location");
	g_assert_cmpstr(r->server, ==, "BRANCH");
	g_assert_null(r->machine);
	g_assert_cmpstr(r->path, ==, "servers/BRANCH/C/SMS_PKGC/A0100001");
	g_assert_cmpint(r->status, ==, 4);
	g_assert_cmpint(r->updated, ==, T("1996-04-01 09:20"));
	r = o->status_rows->pdata[1];
	g_assert_cmpstr(r->machine, ==, "BR001");
	g_assert_cmpint(r->updated, ==, SMS_TIME_NONE);
	g_assert_cmpstr(r->detail, ==, "Failed with tab");
}

/* Every truncation and every single flipped byte is detected, never half-parsed. */
static void
test_truncated_and_flipped(void)
{
	g_autoptr(SmsInstruction) i = sample();
	gsize len;
	g_autofree char *text = sms_instruction_serialize(i, &len);
	g_autofree char *copy = g_memdup2(text, len);
	/* the trailer is "[End]\nCRC32=xxxxxxxx\n": dropping the final newline is harmless */
	for (gsize n = 0; n < len - 1; n++) {
		g_autoptr(SmsInstruction) o = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_instruction_parse("t.INS", text, n, &o, &error));
		g_assert_nonnull(error);
		g_assert_true(error->domain == SMS_INSTR_ERROR);
		g_assert_null(o);
	}
	for (gsize n = 0; n < len - 1; n++) {
		g_autoptr(SmsInstruction) o = NULL;
		g_autoptr(GError) error = NULL;
		copy[n] ^= 0x20;
		g_assert_false(sms_instruction_parse("f.INS", copy, len, &o, &error));
		g_assert_nonnull(error);
		g_assert_null(o);
		copy[n] ^= 0x20;
	}
	{
		g_autoptr(SmsInstruction) o = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_instruction_parse("e.INS", "", 0, &o, &error));
		g_assert_error(error, SMS_INSTR_ERROR, SMS_INSTR_ERROR_TRUNCATED);
		g_assert_nonnull(strstr(error->message, "e.INS"));
	}
}

/* A well-formed trailer over bad content: the error names the file and line. */
static char *
with_crc(const char *body, gsize *out_len)
{
	GString *s = g_string_new(body);
	guint32 crc = (guint32)crc32(0, (const Bytef *)body, (uInt)strlen(body));
	g_string_append_printf(s, "[End]\nCRC32=%08x\n", crc);
	*out_len = s->len;
	return g_string_free(s, FALSE);
}

static void
test_bad_fields(void)
{
	static const struct { const char *body; const char *want; } cases[] = {
		{ "[Instruction]\nKind=Explode\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n",
		  "b.INS:2:" },
		{ "[Instruction]\nKind=Install\nJobID=J\nOriginSite=A\nTargetSite=B\n", "ID" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nTargetSite=B\n", "OriginSite" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n"
		  "Priority=high\n", "b.INS:7:" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n"
		  "PackageFile=../../etc/passwd\n", "PackageFile" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n"
		  "OfferAfter=yesterday\n", "b.INS:7:" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n"
		  "[Targets]\n1=ONLYNAME\n", "b.INS:8:" },
		{ "[Instruction]\nKind=Status\nID=1\nJobID=J\nOriginSite=A\nTargetSite=B\n"
		  "[Status]\n1=a\tb\n", "b.INS:8:" },
		{ "[Other]\nKind=Install\n", "[Instruction]" },
		{ "[Instruction]\nKind=Install\nID=1\nJobID=J\nRequestID=A0100001\nOriginSite=A\n"
		  "TargetSite=B\n", "b.INS:5: RequestID: expected 7 letters or digits" },
	};
	for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
		gsize len;
		g_autofree char *text = with_crc(cases[k].body, &len);
		g_autoptr(SmsInstruction) o = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_instruction_parse("b.INS", text, len, &o, &error));
		g_assert_nonnull(error);
		if (strstr(error->message, cases[k].want) == NULL)
			g_error("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", k, error->message,
			        cases[k].want);
		g_assert_null(o);
	}
}

static void
test_save_load(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "00001B01.I00", NULL);
	g_autoptr(SmsInstruction) i = sample();
	g_autoptr(SmsInstruction) o = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_instruction_save(i, path, &error));
	g_assert_true(sms_instruction_load(path, &o, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(o->command_name, ==, "Typical");
	g_clear_pointer(&o, sms_instruction_free);
	g_assert_false(sms_instruction_load("/nonexistent/x.INS", &o, &error));
	g_assert_nonnull(strstr(error->message, "/nonexistent/x.INS"));
}

static void
test_send_request(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "0001A01.SRQ", NULL);
	SmsSendRequest r = {
		.id = "0001A01", .job_id = "A0100001", .priority = 3, .target_site = "B01",
		.target_root = "/sites/B01", .package_file = "A0100001.W00",
		.instruction_file = "00001B01.I00", .attempts = 2,
		.next_attempt = T("1996-04-01 09:05"), .created = T("1996-04-01 09:00"),
	};
	g_autoptr(SmsSendRequest) o = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	g_autofree char *text = sms_send_request_serialize(&r, &len);
	g_assert_true(g_str_has_prefix(text, "[Send Request]\n"));
	g_assert_true(sms_send_request_save(&r, path, &error));
	g_assert_true(sms_send_request_load(path, &o, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(o->id, ==, "0001A01");
	g_assert_cmpstr(o->job_id, ==, "A0100001");
	g_assert_cmpint(o->priority, ==, 3);
	g_assert_cmpstr(o->target_site, ==, "B01");
	g_assert_cmpstr(o->target_root, ==, "/sites/B01");
	g_assert_cmpstr(o->package_file, ==, "A0100001.W00");
	g_assert_cmpstr(o->instruction_file, ==, "00001B01.I00");
	g_assert_cmpint(o->attempts, ==, 2);
	g_assert_cmpint(o->next_attempt, ==, T("1996-04-01 09:05"));
	g_assert_cmpint(o->created, ==, T("1996-04-01 09:00"));
	/* every truncation is detected; a record of length 0 too (KB Q159201) */
	for (gsize n = 0; n < len - 1; n++) {
		g_autoptr(SmsSendRequest) x = NULL;
		g_autoptr(GError) e = NULL;
		g_assert_false(sms_send_request_parse("t.SRQ", text, n, &x, &e));
		g_assert_nonnull(e);
		g_assert_null(x);
	}
	/* file names with a '/' would leave TOSEND */
	{
		SmsSendRequest evil = r;
		g_autofree char *t2 = NULL;
		g_autoptr(SmsSendRequest) x = NULL;
		g_autoptr(GError) e = NULL;
		gsize l2;
		evil.instruction_file = "../../../etc/passwd";
		t2 = sms_send_request_serialize(&evil, &l2);
		g_assert_false(sms_send_request_parse("e.SRQ", t2, l2, &x, &e));
		g_assert_nonnull(strstr(e->message, "e.SRQ:1:"));
	}
	/* the target is required */
	{
		SmsSendRequest no = r;
		g_autofree char *t2 = NULL;
		g_autoptr(SmsSendRequest) x = NULL;
		g_autoptr(GError) e = NULL;
		gsize l2;
		no.target_root = NULL;
		t2 = sms_send_request_serialize(&no, &l2);
		g_assert_false(sms_send_request_parse("n.SRQ", t2, l2, &x, &e));
		g_assert_nonnull(strstr(e->message, "TargetRoot"));
	}
}

/* Values the INI reader would cut or strip come back as written (KB Q159201: no file
 * we write can be one we refuse): ';' after a blank is no comment, control characters
 * cannot empty a required key. */
static void
test_unsafe_values(void)
{
	g_autoptr(SmsInstruction) i = sample();
	g_autoptr(SmsInstruction) o = NULL, o2 = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *t1 = NULL, *t2 = NULL;
	gsize n1, n2;
	g_free(i->id);
	i->id = g_strdup("\001X");
	g_free(i->package_comment);
	i->package_comment = g_strdup("Mi\r;Standard");
	g_free(i->command_line);
	i->command_line = g_strdup(";setup.exe ;q");
	sms_instruction_add_target(i, "\tW3\t", ";D", " ");
	t1 = sms_instruction_serialize(i, &n1);
	g_assert_true(sms_instruction_parse("u.INS", t1, n1, &o, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(o->id, ==, "?X");
	g_assert_cmpstr(o->package_comment, ==, "Mi ,Standard");
	g_assert_cmpstr(o->command_line, ==, ",setup.exe ,q");
	g_assert_cmpuint(o->targets->len, ==, 3);
	g_assert_cmpstr(((SmsInstrTarget *)o->targets->pdata[2])->machine, ==, "W3");
	g_assert_cmpstr(((SmsInstrTarget *)o->targets->pdata[2])->domain, ==, ",D");
	g_assert_null(((SmsInstrTarget *)o->targets->pdata[2])->smsid);
	t2 = sms_instruction_serialize(o, &n2);
	g_assert_cmpstr(t1, ==, t2);
	g_assert_true(sms_instruction_parse("u2.INS", t2, n2, &o2, &error));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/instruction/roundtrip", test_roundtrip);
	g_test_add_func("/instruction/status-rows", test_status_rows);
	g_test_add_func("/instruction/truncated-flipped", test_truncated_and_flipped);
	g_test_add_func("/instruction/bad-fields", test_bad_fields);
	g_test_add_func("/instruction/unsafe-values", test_unsafe_values);
	g_test_add_func("/instruction/save-load", test_save_load);
	g_test_add_func("/instruction/send-request", test_send_request);
	return g_test_run();
}
