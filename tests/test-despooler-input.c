/* test-despooler-input.c -- what the Despooler reads and writes besides the shares: the
 * run-phase .INS files (every PCMDUMP field, workstations that register later, cancel),
 * status from workstations (.SNI + status MIF), bad input of every kind moved aside
 * while the loop goes on, and crash/restart convergence at every fault point. */
#include "test-despooler-fixture.h"
#include "ins.h"
#include "mif.h"

#include <sys/wait.h>
#include <zlib.h>

/* WKS01 and WKS02 registered, WKS03 not yet. */
static void
register_some(Fx *f)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_db_exec(f->site->db, "UPDATE machines SET smsid = 'A0101000' WHERE name = "
	                          "'WKS01'; UPDATE machines SET smsid = 'A0101001' WHERE name = "
	                          "'WKS02'", &error));
	g_assert_no_error(error);
}

static SmsInstruction *
run_command(int n, SmsTime offer)
{
	SmsInstruction *ins = fx_instruction(SMS_INSTR_INSTALL, n, SMS_JOB_RUN_COMMAND, "A0100001",
	                                     "A01");
	ins->request_id = g_strdup("A0100B9");
	ins->offer_after = offer;
	ins->mandatory_after = offer + SMS_DAY;
	ins->expires_after = offer + 30 * SMS_DAY;
	ins->command_flags = SMS_CMD_USER_INPUT;
	ins->platforms = 0x33;
	sms_instruction_add_target(ins, "WKS01", "CORP", "A0101000");
	sms_instruction_add_target(ins, "WKS02", "CORP", "A0101001");
	sms_instruction_add_target(ins, "WKS03", "CORP", NULL);
	return ins;
}

static SmsInsFile *
load_ins(Fx *f, const char *smsid)
{
	g_autofree char *dir = sms_layout_pcmdom(f->site, "CORP");
	g_autofree char *name = g_strdup_printf("%s.INS", smsid);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;
	SmsInsFile *ins = NULL;
	if (!sms_ins_load(path, &ins, &error))
		return NULL;
	return ins;
}

static void
test_run_phase(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1", NULL);
	SmsTime offer = T("1996-02-02 08:00");
	g_autoptr(SmsInstruction) one = run_command(1, offer);
	g_autoptr(SmsInstruction) three = run_command(3, offer);
	g_autoptr(SmsInsFile) ins = NULL;
	g_autoptr(GError) error = NULL;
	SmsInsRecord *r;
	SmsInsServer *s;

	register_some(f);
	fx_deliver(f, one, src);
	f->now = T("1996-02-01 09:00");
	fx_run_until(f, T("1996-02-01 09:30"));
	{
		g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
		SmsTime t = T("1996-02-01 09:00");
		g_ptr_array_add(want, fx_event(t, "despool.received", NULL, NULL));
		g_ptr_array_add(want, fx_event(t, "distribute.installed", NULL, NULL));
		g_ptr_array_add(want, fx_event(t, "ins.written", NULL, "WKS01"));
		g_ptr_array_add(want, fx_event(t, "ins.written", NULL, "WKS02"));
		fx_assert_events(f, want);
	}
	/* every PCMDUMP field of the record (KB Q123499) */
	ins = load_ins(f, "A0101000");
	g_assert_nonnull(ins);
	g_assert_cmpuint(ins->records->len, ==, 1);
	r = ins->records->pdata[0];
	g_assert_cmpstr(r->site_id, ==, "A01");          /* the client's site */
	g_assert_cmpstr(r->request_id, ==, "A0100B9");   /* the instruction's RequestID */
	g_assert_cmpstr(r->package_id, ==, "A0100001");
	g_assert_cmpstr(r->job_id, ==, "A0100001");
	/* mandatory with "Not Mandatory Over Slow Link" checked (ForceOverSlowLink=no) */
	g_assert_cmpint(r->install_flag, ==, 2);
	g_assert_cmpint(r->install_by, ==, offer + SMS_DAY);
	g_assert_true(r->install_by_full);
	g_assert_cmpint(r->display_date, ==, offer);
	g_assert_true(r->display_full);
	g_assert_cmpint(r->expiration, ==, offer + 30 * SMS_DAY);
	g_assert_true(r->expiration_full);
	g_assert_cmpint(r->user_input, ==, 1);
	g_assert_cmpuint(r->os_mask, ==, 0x33);
	g_assert_cmpstr(r->run_command, ==, "SETUP.EXE /Q");
	g_assert_cmpstr(r->wcl_name, ==, "Typical");
	g_assert_cmpstr(r->package_name, ==, "Microsoft Office 95");
	g_assert_cmpstr(r->comments, ==, "Standard");
	g_assert_cmpstr(r->domain, ==, "CORP");
	g_assert_cmpuint(r->servers->len, ==, 1);
	s = r->servers->pdata[0];
	g_assert_cmpstr(s->path, ==, "\\\\DIST1\\SMS_PKGC\\A0100001\\");
	g_assert_cmpint(s->type, ==, SMS_SERVER_WINNT3);
	g_clear_pointer(&ins, sms_ins_file_free);
	ins = load_ins(f, "A0101001");
	g_assert_nonnull(ins);
	g_clear_pointer(&ins, sms_ins_file_free);
	g_assert_cmpint(sms_despooler_next_wakeup(f->site, f->now), ==, SMS_TIME_NEVER);

	/* WKS03 logs on for the first time and gets its SMS ID: its record follows at the
	 * next poll */
	g_assert_true(sms_db_exec(f->site->db, "UPDATE machines SET smsid = 'A0101002' WHERE name ="
	                          " 'WKS03'", &error));
	g_assert_cmpint(sms_despooler_next_wakeup(f->site, T("1996-02-01 10:02")), ==,
	                T("1996-02-01 10:05"));
	g_ptr_array_set_size(f->events, 0);
	f->now = T("1996-02-01 10:02");
	fx_run_until(f, SMS_TIME_NEVER);
	g_assert_cmpuint(f->events->len, ==, 1);
	{
		g_autofree char *w = fx_event(T("1996-02-01 10:05"), "ins.written", NULL, "WKS03");
		g_assert_cmpstr(f->events->pdata[0], ==, w);
	}
	ins = load_ins(f, "A0101002");
	g_assert_nonnull(ins);
	g_clear_pointer(&ins, sms_ins_file_free);

	/* a second job for the same machines: a second record in each file */
	fx_deliver(f, three, NULL);
	fx_run_until(f, SMS_TIME_NEVER);
	ins = load_ins(f, "A0101000");
	g_assert_cmpuint(ins->records->len, ==, 2);
	g_clear_pointer(&ins, sms_ins_file_free);

	/* cancel job 1: its records go, job 3's stay */
	{
		g_autoptr(SmsInstruction) cancel = fx_instruction(SMS_INSTR_CANCEL, 1,
		                                                  SMS_JOB_RUN_COMMAND, "A0100001",
		                                                  "A01");
		g_free(cancel->id);
		cancel->id = g_strdup("00001A01C");
		fx_deliver(f, cancel, NULL);
		fx_run_until(f, SMS_TIME_NEVER);
	}
	ins = load_ins(f, "A0101000");
	g_assert_cmpuint(ins->records->len, ==, 1);
	g_assert_cmpstr(((SmsInsRecord *)ins->records->pdata[0])->job_id, ==, "A0100003");
	g_clear_pointer(&ins, sms_ins_file_free);

	/* a damaged master file is moved aside and rebuilt with the records it should hold */
	{
		g_autofree char *dir = sms_layout_pcmdom(f->site, "CORP");
		g_autofree char *path = g_build_filename(dir, "A0101001.INS", NULL);
		g_autofree char *bad = g_build_filename(dir, "BAD", "A0101001.INS", NULL);
		g_autoptr(SmsInstruction) four = run_command(4, offer);
		g_assert_true(g_file_set_contents(path, "SMSPCMI\x1a garbage", -1, &error));
		fx_deliver(f, four, NULL);
		fx_run_until(f, SMS_TIME_NEVER);
		g_assert_true(g_file_test(bad, G_FILE_TEST_IS_REGULAR));
		ins = load_ins(f, "A0101001");
		g_assert_nonnull(ins);
		g_assert_cmpuint(ins->records->len, ==, 2);   /* jobs 4 and 3, not cancelled 1 */
		g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM status_messages WHERE event = "
		                              "'file.rejected' AND message LIKE 'A0101001.INS was moved "
		                              "to CORP.000/BAD%'"), ==, 1);
	}
}

static void
write_sni(Fx *f, const char *name, const char *job, const char *machine, const char *smsid,
          const char *status, const char *mif_sample, SmsTime when)
{
	g_autofree char *receive = sms_layout_receive(f->site);
	g_autofree char *path = g_strdup_printf("%s/%s.SNI", receive, name);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	SmsSni sni = { (char *)"MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE", (char *)"A01",
	               (char *)job, (char *)smsid, (char *)machine, (char *)status, NULL, NULL,
	               when };
	g_autofree char *mifname = g_strdup_printf("%s.PCK", name);
	if (mif_sample) {
		g_autofree char *sample = sms_test_srcpath(mif_sample);
		g_autofree char *dst = g_build_filename(receive, mifname, NULL);
		g_autofree char *data = NULL;
		gsize len;
		g_assert_true(g_file_get_contents(sample, &data, &len, &error));
		g_assert_true(g_file_set_contents(dst, data, (gssize)len, &error));
		sni.mif = mifname;
	}
	text = sms_sni_format(&sni);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
}

static void
test_status(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1", NULL);
	g_autoptr(SmsInstruction) one = run_command(1, T("1996-02-01 08:00"));
	g_autofree char *receive = NULL;
	SmsTime t = T("1996-02-01 12:00"), future = T("1996-02-03 07:58");

	register_some(f);
	fx_deliver(f, one, src);
	f->now = T("1996-02-01 09:00");
	fx_run_until(f, T("1996-02-01 11:00"));
	g_ptr_array_set_size(f->events, 0);
	write_sni(f, "SNI00000", "A0100001", "WKS01", "A0101000", "Success", "samples/mifs/success.mif",
	          t - 600);
	write_sni(f, "SNI00001", "A0100001", "WKS02", "A0101001", "Success", "samples/mifs/failed.mif",
	          t - 600);   /* the MIF wins over the .SNI (notes §3.6) */
	write_sni(f, "SNI00002", "A0100001", "WKS03", "A0101002", "Success",
	          "samples/mifs/malformed.mif", t - 600);
	write_sni(f, "SNI00003", "A0100001", "WKS01", "A0101000", "Success", NULL, future);
	write_sni(f, "SNI00004", "A0100099", "WKS01", "A0101000", "Success", NULL, t - 600);
	f->now = t;
	fx_run_until(f, t);
	{
		g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(want, fx_event(t, "status.received", "Success", "WKS01"));
		g_ptr_array_add(want, fx_event(t, "status.received", "Failed", "WKS02"));
		g_ptr_array_add(want, fx_event(t, "status.failed", NULL, NULL));
		g_ptr_array_add(want, fx_event(t, "status.mif_malformed", NULL, NULL));
		g_ptr_array_add(want, fx_event(t, "status.received", "Malformed", "WKS03"));
		g_ptr_array_add(want, fx_event(t, "file.rejected", "SNI00004.SNI", NULL));
		fx_assert_events(f, want);
	}
	g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_machine_detail WHERE machine = "
	                              "'WKS01'"), ==, SMS_STATUS_COMPLETE);
	/* a Failed MIF never yields Failed: Retrying, with message 374 (KB Q166833) */
	g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_machine_detail WHERE machine = "
	                              "'WKS02'"), ==, SMS_STATUS_RETRYING);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM status_messages WHERE code = 374 AND "
	                              "machine = 'WKS02' AND message LIKE '%disk full%'"), ==, 1);
	/* a malformed MIF counts as success with a warning (KB Q190135) */
	g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_machine_detail WHERE machine = "
	                              "'WKS03'"), ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM status_messages WHERE severity = "
	                              "'warning' AND message LIKE '%error code = cb%'"), ==, 1);
	/* processed files are gone, the future one waits (KB Q172899), the unknown job's is aside */
	receive = sms_layout_receive(f->site);
	{
		g_autoptr(GDir) d = g_dir_open(receive, 0, NULL);
		g_autoptr(GPtrArray) left = g_ptr_array_new_with_free_func(g_free);
		const char *name;
		while ((name = g_dir_read_name(d)) != NULL)
			g_ptr_array_add(left, g_strdup(name));
		g_ptr_array_sort(left, sms_strptr_cmp);
		g_assert_cmpuint(left->len, ==, 2);
		g_assert_cmpstr(left->pdata[0], ==, "BAD");
		g_assert_cmpstr(left->pdata[1], ==, "SNI00003.SNI");
	}
	/* it is processed at the first poll at or after its time, not before */
	g_assert_cmpint(sms_despooler_next_wakeup(f->site, t), ==, T("1996-02-03 08:00"));
	g_ptr_array_set_size(f->events, 0);
	fx_run_until(f, SMS_TIME_NEVER);
	g_assert_cmpuint(f->events->len, ==, 1);
	{
		g_autofree char *w = fx_event(T("1996-02-03 08:00"), "status.received", "Success",
		                              "WKS01");
		g_assert_cmpstr(f->events->pdata[0], ==, w);
	}
}

/* The archive of a one-file tree whose file name is rewritten to `path` (6 bytes), with
 * the entry header CRC and the archive CRC made right again: only the path is wrong. */
static void
hostile_archive(const char *src_parent, const char *pck, const char *path, guint32 *out_crc)
{
	g_autofree char *src = g_build_filename(src_parent, "hostile", NULL);
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	SmsArchiveStats st;
	gsize len;
	guint8 *b;
	guint32 crc;
	g_free(sms_test_write(src, "ZZZZZZ", "owned"));
	g_assert_true(sms_archive_create(src, pck, 1, &st, &error));
	g_assert_true(g_file_get_contents(pck, &data, &len, &error));
	b = (guint8 *)data;
	/* header 16 bytes, then 'F', u16 length 6, the name, mode, size, mtime, header CRC */
	g_assert_cmpint(b[16], ==, 'F');
	g_assert_cmpint(b[17], ==, 6);
	g_assert_cmpint(memcmp(b + 19, "ZZZZZZ", 6), ==, 0);
	memcpy(b + 19, path, 6);
	crc = (guint32)crc32(0, b + 16, 29);
	for (int i = 0; i < 4; i++)
		b[45 + i] = (guint8)(crc >> (8 * i));
	crc = (guint32)crc32(0, b, (uInt)(len - 4));
	for (int i = 0; i < 4; i++)
		b[len - 4 + i] = (guint8)(crc >> (8 * i));
	g_assert_true(g_file_set_contents(pck, data, (gssize)len, &error));
	*out_crc = crc;
}

/* Every bad input is refused with a status message naming it, moved to RECEIVE/BAD, and
 * the Despooler goes on with the rest in the same pass. */
static void
test_bad_input(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1", NULL);
	g_autofree char *receive = sms_layout_receive(f->site);
	g_autofree char *outside = g_build_filename(f->dir, "outside.txt", NULL);
	g_autoptr(GError) error = NULL;
	static const struct {
		int n;
		const char *expect;     /* in the status message */
	} cases[] = {
		{ 11, "CRC" },                    /* an archive byte flipped */
		{ 12, "does not match" },         /* archive fine, instruction's CRC not */
		{ 13, "\"../etc\"" },             /* a path climbing out */
		{ 14, "\"/etc/x\"" },             /* an absolute path */
		{ 15, "truncated" },              /* instruction cut short */
		{ 16, "not a regular file" },     /* a symbolic link */
		{ 17, "is for site B01" },        /* another site's instruction */
		{ 18, "does not have" },          /* removing an unknown package */
		{ 19, "missing" },                /* package file announced, not there */
	};
	g_autofree char *dir = NULL;

	g_assert_true(g_file_set_contents(outside, "do not touch", -1, &error));
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		int n = cases[i].n;
		g_autoptr(SmsInstruction) ins = fx_instruction(n == 18 ? SMS_INSTR_REMOVE :
		                                               SMS_INSTR_INSTALL, n, SMS_JOB_RUN_COMMAND,
		                                               n == 18 ? "A0100077" : "A0100001",
		                                               n == 17 ? "B01" : "A01");
		g_autofree char *base = g_strdup_printf("%s/%s", receive, ins->id);
		g_autofree char *pck = g_strdup_printf("%s.PCK", base);
		g_autofree char *insf = g_strdup_printf("%s.INS", base);
		switch (n) {
		case 11: {
			g_autofree char *data = NULL;
			gsize len;
			fx_deliver(f, ins, src);
			g_assert_true(g_file_get_contents(pck, &data, &len, &error));
			data[len / 2] ^= 0x40;
			g_assert_true(g_file_set_contents(pck, data, (gssize)len, &error));
			break;
		}
		case 12:
			fx_deliver(f, ins, src);
			ins->package_crc ^= 1;
			g_assert_true(sms_instruction_save(ins, insf, &error));
			break;
		case 13:
		case 14:
			hostile_archive(f->dir, pck, n == 13 ? "../etc" : "/etc/x", &ins->package_crc);
			ins->package_file = g_strdup("A0100001.W00");
			g_assert_true(sms_instruction_save(ins, insf, &error));
			break;
		case 15: {
			g_autofree char *data = NULL;
			gsize len;
			fx_deliver(f, ins, src);
			g_assert_true(g_file_get_contents(insf, &data, &len, &error));
			g_assert_true(g_file_set_contents(insf, data, (gssize)(len - 20), &error));
			break;
		}
		case 16:
			g_assert_cmpint(symlink(outside, insf), ==, 0);
			break;
		case 19:
			ins->package_file = g_strdup("A0100001.W00");
			ins->package_crc = 1;
			g_assert_true(sms_instruction_save(ins, insf, &error));
			break;
		default:
			fx_deliver(f, ins, NULL);
			break;
		}
		g_assert_no_error(error);
	}
	/* and a good one among them (sorted after the bad ones) */
	{
		g_autoptr(SmsInstruction) good = fx_instruction(SMS_INSTR_INSTALL, 20,
		                                                SMS_JOB_RUN_COMMAND, "A0100001", "A01");
		fx_deliver(f, good, src);
	}
	/* and a registry that cannot be read */
	{
		g_autofree char *reg = sms_layout_registry(f->site, "SRV01");
		g_assert_true(g_file_set_contents(reg, "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\n"
		                                  "\"broken=\n", -1, &error));
		g_assert_true(sms_despooler_reload(f->site, &error));
		g_assert_no_error(error);
	}
	f->now = T("1996-02-01 09:00");
	fx_run_until(f, SMS_TIME_NEVER);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = g_strdup_printf("%05dA01", cases[i].n);
		g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM status_messages WHERE event "
		                                       "= 'file.rejected' AND message LIKE '%s.INS was "
		                                       "moved to RECEIVE/BAD: %%%s%%'",
		                                       cases[i].n == 17 ? "00017B01" : id,
		                                       cases[i].expect);
		g_autofree char *bad = g_strdup_printf("%s/BAD/%s.INS", receive,
		                                       cases[i].n == 17 ? "00017B01" : id);
		g_test_message("case %d: %s", cases[i].n, cases[i].expect);
		g_assert_cmpint(fx_sql_int(f, sql), ==, 1);
		g_assert_true(g_file_test(bad, G_FILE_TEST_EXISTS));
	}
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM status_messages WHERE event = "
	                              "'registry.rejected' AND message LIKE '%default settings%'"), ==,
	                1);
	/* nothing was written outside, nothing half-installed, the good one installed */
	{
		g_autofree char *text = NULL;
		g_assert_true(g_file_get_contents(outside, &text, NULL, &error));
		g_assert_cmpstr(text, ==, "do not touch");
	}
	g_assert_false(g_file_test("/etc/x", G_FILE_TEST_EXISTS));
	dir = fx_pkg_dir(f, "SMS_PKGC/A0100001");
	{
		g_autofree char *text = fx_read(dir, "SETUP.EXE");
		g_assert_cmpstr(text, ==, "v1");
	}
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM desp_jobs"), ==, 1);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM desp_work WHERE state = 2"), ==, 1);
	{
		/* only the BAD directory is left in RECEIVE */
		g_autoptr(GDir) d = g_dir_open(receive, 0, NULL);
		g_assert_cmpstr(g_dir_read_name(d), ==, "BAD");
		g_assert_null(g_dir_read_name(d));
	}
}

/* A server the package cannot be written to (here: a file where the share directory
 * belongs) is retried on the retry interval; the other servers and jobs go on. */
static void
test_install_error_retried(void)
{
	g_autoptr(Fx) f = fx_new("Fast", NULL);
	g_autofree char *src = fx_source(f, "v1", "SETUP.EXE=v1", NULL);
	g_autoptr(SmsInstruction) ins = fx_instruction(SMS_INSTR_INSTALL, 1, SMS_JOB_RUN_COMMAND,
	                                               "A0100001", "A01");
	g_autofree char *blocker = fx_pkg_dir(f, "SMS_PKGC");
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
	SmsTime t0 = T("1996-02-01 09:00"), x = 120 * SMS_MINUTE;
	g_free(sms_test_write(f->site->root, "servers/DIST1/C/SMS_PKGC", "in the way"));
	fx_deliver(f, ins, src);
	f->now = t0;
	fx_run_until(f, t0 + x);
	g_assert_cmpint(unlink(blocker), ==, 0);
	fx_run_until(f, SMS_TIME_NEVER);
	g_ptr_array_add(want, fx_event(t0, "despool.received", NULL, NULL));
	g_ptr_array_add(want, fx_event(t0, "distribute.error", NULL, NULL));
	g_ptr_array_add(want, fx_event(t0 + x, "distribute.error", NULL, NULL));
	g_ptr_array_add(want, fx_event(t0 + 2 * x, "distribute.installed", NULL, NULL));
	fx_assert_events(f, want);
	g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM status_messages WHERE message LIKE "
	                              "'Installation of job A0100001 on DIST1 failed: %SMS_PKGC%'"),
	                ==, 2);
	g_assert_cmpint(fx_sql_int(f, "SELECT state FROM desp_work"), ==, 2);
}

/* ---- crash and restart ------------------------------------------------------------ */

/* A day of work: a Run Command job (two servers' worth of state: first install, a
 * locked refresh forced after one retry), a Share Package job, status from a workstation. */
static void
crash_scenario_setup(Fx *f)
{
	g_autofree char *v1 = fx_source(f, "v1", "SETUP.EXE=v1", "DATA/A.DAT=v1", "DATA/B.DAT=v1",
	                                NULL);
	g_autofree char *v2 = fx_source(f, "v2", "SETUP.EXE=v2", "DATA/A.DAT=v1", "DATA/C.DAT=v2",
	                                NULL);
	g_autoptr(SmsInstruction) one = run_command(1, T("1996-02-01 08:00"));
	g_autoptr(SmsInstruction) two = run_command(2, T("1996-02-01 08:00"));
	g_autoptr(SmsInstruction) share = fx_instruction(SMS_INSTR_INSTALL, 5, SMS_JOB_SHARE_PACKAGE,
	                                                 "A0100005", "A01");
	register_some(f);
	fx_forced(f, 1, 5);
	fx_deliver(f, one, v1);
	fx_deliver(f, share, v2);
	/* the refresh of job 2 arrives later, while bob runs SETUP.EXE */
	g_free(two->id);
	two->id = g_strdup("00002A01");
	{
		g_autofree char *later = g_build_filename(f->dir, "later", NULL);
		g_autofree char *pck = g_build_filename(later, "00002A01.PCK", NULL);
		g_autofree char *insf = g_build_filename(later, "00002A01.INS", NULL);
		g_autoptr(GError) error = NULL;
		SmsArchiveStats st;
		g_assert_cmpint(g_mkdir_with_parents(later, 0755), ==, 0);
		g_assert_true(sms_archive_create(v2, pck, 1, &st, &error));
		two->package_file = g_strdup("A0100001.W00");
		two->package_crc = st.crc;
		g_assert_true(sms_instruction_save(two, insf, &error));
	}
	fx_lock(f, "A0100001", "SETUP.EXE", "bob", T("1996-02-01 09:30"), SMS_TIME_NONE);
	f->now = T("1996-02-01 09:00");
}

/* Drive the scenario to its end from wherever the site is (idempotent). */
static void
crash_scenario_run(Fx *f)
{
	g_autofree char *later = g_build_filename(f->dir, "later", NULL);
	g_autofree char *receive = sms_layout_receive(f->site);
	fx_run_until(f, T("1996-02-01 09:59"));
	if (f->now < T("1996-02-01 10:00") + 1) {
		/* the refresh arrives at 10:00 (moved in by "the Sender" once) */
		const char *names[] = { "00002A01.PCK", "00002A01.INS" };
		for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
			g_autofree char *from = g_build_filename(later, names[i], NULL);
			g_autofree char *to = g_build_filename(receive, names[i], NULL);
			if (g_file_test(from, G_FILE_TEST_EXISTS))
				g_assert_cmpint(rename(from, to), ==, 0);
		}
		if (f->now < T("1996-02-01 10:00"))
			f->now = T("1996-02-01 10:00");
	}
	fx_run_until(f, T("1996-02-01 14:00"));
	if (f->now <= T("1996-02-01 14:00")) {
		g_autofree char *sni = g_build_filename(receive, "SNI00000.SNI", NULL);
		g_autofree char *done = g_build_filename(f->dir, "sni-sent", NULL);
		if (!g_file_test(done, G_FILE_TEST_EXISTS)) {
			write_sni(f, "SNI00000", "A0100002", "WKS01", "A0101000", "Failed",
			          "samples/mifs/failed.mif", T("1996-02-01 13:00"));
			g_assert_true(g_file_set_contents(done, "", 0, NULL));
		}
		(void)sni;
	}
	fx_run_until(f, SMS_TIME_NEVER);
}

static void
tree_digest(const char *root, const char *rel, GString *out)
{
	g_autofree char *path = *rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *r = *rel ? g_strdup_printf("%s/%s", rel, (char *)names->pdata[i])
		                          : g_strdup(names->pdata[i]);
		g_autofree char *p = g_build_filename(root, r, NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		/* temp files of an interrupted atomic write are not state */
		if (((char *)names->pdata[i])[0] == '.' || strstr(names->pdata[i], ".tmp") ||
		    g_str_has_prefix(r, "logs") || g_str_has_prefix(r, "site.db") ||
		    strstr(r, "DESPOOL.TMP"))
			continue;
		if (g_file_test(p, G_FILE_TEST_IS_DIR)) {
			tree_digest(root, r, out);
		} else if (strstr(r, "/STORE/")) {
			/* archives hold the sources' times, which differ between the runs */
			g_string_append_printf(out, "%s\n", r);
		} else if (g_file_get_contents(p, &data, &len, NULL)) {
			g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
			                                                   (const guchar *)data, len);
			g_string_append_printf(out, "%s %s\n", r, sum);
		}
	}
}

static void
sql_digest(Fx *f, const char *sql, GString *out)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *st = sms_db_stmt(f->site->db, sql, &error);
	gboolean row;
	g_assert_no_error(error);
	g_string_append_printf(out, "-- %s\n", sql);
	while (sms_db_step(f->site->db, st, &row, &error) && row) {
		for (int c = 0; c < sqlite3_column_count(st); c++)
			g_string_append_printf(out, "%s|", sms_db_col_ctext(st, c) ?
			                       sms_db_col_ctext(st, c) : "NULL");
		g_string_append_c(out, '\n');
	}
}

static char *
state_digest(Fx *f)
{
	GString *out = g_string_new(NULL);
	tree_digest(f->site->root, "", out);
	sql_digest(f, "SELECT job, server, kind, state, t0, retries, path FROM desp_work ORDER BY 1, 2",
	           out);
	sql_digest(f, "SELECT job, machine, written FROM desp_targets ORDER BY 1, 2", out);
	sql_digest(f, "SELECT job, server, status, detail FROM job_server_detail ORDER BY 1, 2", out);
	sql_digest(f, "SELECT job, machine, status, detail FROM job_machine_detail ORDER BY 1, 2",
	           out);
	sql_digest(f, "SELECT job, status FROM job_site_detail ORDER BY 1", out);
	sql_digest(f, "SELECT package, server, path FROM package_locations ORDER BY 1, 2", out);
	sql_digest(f, "SELECT server, share, acl, revoked FROM share_acl ORDER BY 1, 2", out);
	sql_digest(f, "SELECT id, closed, closed_reason FROM share_sessions ORDER BY 1", out);
	sql_digest(f, "SELECT DISTINCT user, text FROM user_messages ORDER BY 1, 2", out);
	sql_digest(f, "SELECT instruction FROM desp_done ORDER BY 1", out);
	/* the site roots differ between runs */
	g_string_replace(out, f->site->root, "$ROOT", 0);
	return g_string_free(out, FALSE);
}

/* Child: open the prepared site and run until the fault point aborts the process. */
static void
crash_child(void)
{
	const char *dir = g_getenv("SMSEMU_DESP_CRASH_DIR");
	g_autoptr(Fx) f = NULL;
	if (!g_test_subprocess() || dir == NULL) {
		g_test_skip("runs as a subprocess of /despooler/crash/convergence");
		return;
	}
	f = fx_reopen(dir, "A01");
	f->now = T("1996-02-01 09:00");
	crash_scenario_run(f);
}

static void
test_crash_convergence(void)
{
	static const char *const points[] = {
		"despooler-before-commit:1", "despooler-before-commit:2", "despooler-before-swap:1",
		"despooler-before-swap:3", "atomic-before-rename:1", "atomic-before-rename:3",
		"db-before-commit:2", "db-before-commit:9", "db-before-commit:12",
		"archive-extract-enospc:2",
	};
	g_autofree char *reference = NULL;
	{
		g_autoptr(Fx) f = fx_new("Fast", NULL);
		crash_scenario_setup(f);
		crash_scenario_run(f);
		reference = state_digest(f);
		/* the scenario does what it says */
		g_assert_nonnull(strstr(reference, "C/SMS_PKGC/A0100001/DATA/C.DAT"));
		g_assert_true(strstr(reference, "C/OFFICE95/SETUP.EXE") ||
		              strstr(reference, "D/OFFICE95/SETUP.EXE"));
		g_assert_cmpint(fx_sql_int(f, "SELECT count(*) FROM share_sessions WHERE closed_reason ="
		                              " 'forced disconnect'"), ==, 1);
		g_assert_cmpint(fx_sql_int(f, "SELECT status FROM job_machine_detail"), ==,
		                SMS_STATUS_RETRYING);
	}
	for (guint i = 0; i < G_N_ELEMENTS(points); i++) {
		g_autofree char *dir = NULL;
		g_autofree char *spec = g_strdup_printf("%s!abort", points[i]);
		g_autofree char *state = NULL;
		{
			g_autoptr(Fx) f = fx_new("Fast", NULL);
			crash_scenario_setup(f);
			dir = g_strdup(f->dir);
		}
		g_setenv("SMSEMU_DESP_CRASH_DIR", dir, TRUE);
		g_setenv("SMSEMU_FAULT", spec, TRUE);
		g_test_trap_subprocess("/despooler/crash/child", 0, 0);
		g_unsetenv("SMSEMU_FAULT");
		g_test_message("%s: child %s", points[i], g_test_trap_has_passed() ? "finished" :
		               "aborted");
		{
			g_autoptr(Fx) f = fx_reopen(dir, "A01");
			f->now = MAX(f->now, T("1996-02-01 09:00"));
			crash_scenario_run(f);
			state = state_digest(f);
		}
		if (g_strcmp0(state, reference) != 0) {
			g_test_message("after a crash at %s the state differs:\n--- reference\n%s\n--- got\n"
			               "%s", points[i], reference, state);
			g_test_fail();
		}
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/despooler/run-phase", test_run_phase);
	g_test_add_func("/despooler/status", test_status);
	g_test_add_func("/despooler/bad-input", test_bad_input);
	g_test_add_func("/despooler/install-error-retried", test_install_error_retried);
	g_test_add_func("/despooler/crash/convergence", test_crash_convergence);
	g_test_add_func("/despooler/crash/child", crash_child);
	return g_test_run();
}
