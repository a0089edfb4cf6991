/* test-sender.c -- the LAN Sender and the site hierarchy: delivery to the own site and
 * to a child site in its own root (package before instruction, .TMP renamed .INS),
 * status flowing back up to the parent's Job Details, priority and the concurrency
 * limits, retries then rescheduling then giving up, registry settings, routing through
 * the parent, corrupt instructions and requests, crashes between the steps. */
#include "testlib.h"
#include "components.h"
#include "db.h"
#include "job.h"
#include "reg.h"
#include "sender.h"
#include "site.h"

typedef struct {
	char *dir;
	SmsSite *a01;   /* central site */
	SmsSite *b01;   /* its child, in its own root */
} World;

static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static void
world_init(World *w)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *root_a = NULL, *root_b = NULL, *ini_a = NULL, *ini_b = NULL;
	g_autofree char *text_a = NULL, *text_b = NULL, *id = NULL;
	g_autofree char *pdf = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	w->dir = sms_test_tmpdir();
	root_a = g_build_filename(w->dir, "A01", NULL);
	root_b = g_build_filename(w->dir, "B01", NULL);
	text_a = g_strdup_printf(
		"[Site A01]\nResponse=Fast\n[Address B01]\nRoot=%s\n[Address C01]\n"
		"Root=%s/nowhere\n"
		"[Server CENTRAL]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:4000\n"
		"[Domain HQ]\nSite=A01\nLogonServers=CENTRAL\n"
		"[Workstations HQ]\nDomain=HQ\nNames=HQ001-HQ003\nPlatform=Windows NT (x86)\n",
		root_b, w->dir);
	text_b = g_strdup_printf(
		"[Site B01]\nParent=A01\nParentAddress=%s\nResponse=Medium\n"
		"[Server BRANCH]\nSite=B01\nRoles=site, logon, distribution\nDrives=C:2000\n"
		"[Domain BRANCH]\nSite=B01\nLogonServers=BRANCH\n"
		"[Workstations BR]\nDomain=BRANCH\nNames=BR001-BR002\nPlatform=Windows 95\n",
		root_a);
	ini_a = sms_test_write(w->dir, "a01.ini", text_a);
	ini_b = sms_test_write(w->dir, "b01.ini", text_b);
	g_assert_true(sms_site_init(root_b, ini_b, &w->b01, &error));
	g_assert_no_error(error);
	g_assert_true(sms_site_init(root_a, ini_a, &w->a01, &error));
	g_assert_no_error(error);
	g_assert_true(sms_clock_set_virtual(w->a01, T("1996-04-01 08:00"), &error));
	g_assert_true(sms_clock_set_virtual(w->b01, T("1996-04-01 08:00"), &error));
	/* the central site knows the child's computers (inventory flows up) */
	g_assert_true(sms_db_exec(w->a01->db, "INSERT INTO machines(name, site, domain, platform) "
	                          "VALUES ('BR001', 'B01', 'BRANCH', 'Windows 95'), "
	                          "('BR002', 'B01', 'BRANCH', 'Windows 95')", &error));
	g_assert_true(sms_package_import(w->a01, pdf, src, NULL, NULL, &id, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(id, ==, "A0100001");
}

static void
world_clear(World *w)
{
	g_clear_pointer(&w->a01, sms_site_free);
	g_clear_pointer(&w->b01, sms_site_free);
	g_clear_pointer(&w->dir, g_free);
}

static char *
create_job(SmsSite *site, const char *first, ...)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsJob) job = NULL;
	g_autoptr(GError) error = NULL;
	va_list ap;
	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *)) {
		g_ptr_array_add(keys, g_strdup(k));
		g_ptr_array_add(values, g_strdup(va_arg(ap, const char *)));
	}
	va_end(ap);
	g_assert_true(sms_job_from_props(site, keys, values, NULL, "test", &job, &error));
	g_assert_no_error(error);
	g_assert_true(sms_job_insert(site, job, &error));
	return g_strdup(job->id);
}

static int
count(SmsSite *site, const char *sql, const char *arg)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row;
	int n;
	g_assert_nonnull(st);
	if (arg)
		sms_db_bind_text(st, 1, arg);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	n = row ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

/* Names in dir with the suffix, sorted, joined by spaces. */
static char *
files(const char *dir, const char *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	GString *out = g_string_new(NULL);
	while (d && (n = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(n, suffix))
			g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, sms_strptr_cmp);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s%s", i ? " " : "", (char *)names->pdata[i]);
	return g_string_free(out, FALSE);
}

static guint
nfiles(const char *dir, const char *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;
	guint k = 0;
	while (d && (n = g_dir_read_name(d)) != NULL)
		k += g_str_has_suffix(n, suffix);
	return k;
}

/* Order in which the Sender completed requests: "JOB>SITE ..." */
static char *
send_order(SmsSite *site)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT job, detail FROM status_messages WHERE "
	                               "event = 'send.complete' ORDER BY id", NULL);
	GString *out = g_string_new(NULL);
	gboolean row;
	while (sms_db_step(site->db, st, &row, NULL) && row)
		g_string_append_printf(out, "%s%s>%s", out->len ? " " : "",
		                       sms_db_col_ctext(st, 0), sms_db_col_ctext(st, 1));
	return g_string_free(out, FALSE);
}

/* A small instruction with no package, queued for `to` with a priority. */
static void
queue(SmsSite *site, const char *job, const char *to, int priority, SmsTime now)
{
	g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_STATUS);
	g_autoptr(GError) error = NULL;
	ins->id = g_strdup_printf("X%s%s", job, to);
	ins->job_id = g_strdup(job);
	ins->origin_site = g_strdup(site->code);
	ins->from_site = g_strdup(site->code);
	ins->target_site = g_strdup(to);
	ins->priority = priority;
	ins->created = now;
	g_assert_true(sms_scheduler_queue_instruction(site, ins, 2, now, &error));
	g_assert_no_error(error);
}

static void
set_registry(SmsSite *site, const char *name, guint32 value)
{
	g_autofree char *path = sms_layout_registry(site, sms_site_server_name(site));
	g_autoptr(SmsReg) reg = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_reg_load_optional(path, &reg, &error));
	sms_reg_set_dword(reg, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\"
	                  "SMS_LAN_SENDER", name, value);
	g_assert_true(sms_reg_save(reg, path, &error));
	g_assert_no_error(error);
}

/* ---- tests ------------------------------------------------------------------------ */

static void
test_own_site(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL, *receive = NULL, *outbox = NULL, *pck = NULL, *ins = NULL;
	g_autofree char *req = NULL;
	g_autofree char *tosend = NULL;
	world_init(&w);
	id = create_job(w.a01, "Type", "Share Package On Server", "Package", "A0100001",
	                "StartAfter", "1996-04-01 09:00", "LimitToSite", "A01", NULL);
	receive = sms_layout_receive(w.a01);
	outbox = sms_layout_outbox(w.a01);
	tosend = sms_layout_tosend(w.a01);
	g_assert_true(sms_scheduler_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	/* TOSEND: the compressed sharing package and one instruction for the own site */
	pck = files(tosend, ".S00");
	g_assert_cmpstr(pck, ==, "A0100001.S00");
	ins = files(tosend, ".I00");
	g_assert_cmpstr(ins, ==, "00001A01.I00");
	req = files(outbox, ".SRQ");
	g_assert_cmpuint(strlen(req), ==, 11);   /* <4 base36><A01>.SRQ */
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, T("1996-04-01 09:00")), ==,
	                T("1996-04-01 09:00"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	/* the package as <req>.PCK, then the instruction as <req>.INS; nothing left over */
	{
		g_autofree char *stem = g_strndup(req, 7);
		g_autofree char *want_pck = g_strdup_printf("%s.PCK", stem);
		g_autofree char *want_ins = g_strdup_printf("%s.INS", stem);
		g_autofree char *got_pck = files(receive, ".PCK");
		g_autofree char *got_ins = files(receive, ".INS");
		g_assert_cmpstr(got_pck, ==, want_pck);
		g_assert_cmpstr(got_ins, ==, want_ins);
	}
	g_assert_cmpuint(nfiles(receive, ".TMP"), ==, 0);
	g_assert_cmpuint(nfiles(outbox, ".SRQ") + nfiles(outbox, ".SRS"), ==, 0);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM sched_sends WHERE job = ? AND state = 2",
	                      id), ==, 1);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete' AND detail = 'A01'", NULL), ==, 1);
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, T("1996-04-01 09:00")), ==, SMS_TIME_NEVER);
	/* the roll-up notices the sending phase is over */
	g_assert_true(sms_scheduler_pass(w.a01, T("1996-04-01 09:05"), &error));
	{
		g_autoptr(SmsJob) j = NULL;
		g_assert_true(sms_job_load(w.a01, id, &j, NULL));
		g_assert_cmpint(j->sending_status, ==, SMS_STATUS_COMPLETE);
		g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);
	}
	world_clear(&w);
}

/* A job at the parent reaches the child's Despooler; its detail and the package
 * location come back up through the child's Sender into the parent's database. */
static void
test_child_site_and_status_up(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;
	g_autofree char *recv_b = NULL, *recv_a = NULL;
	SmsTime t;
	world_init(&w);
	id = create_job(w.a01, "Type", "Run Command On Workstation", "Package", "A0100001",
	                "Command", "Typical", "Target", "Machine Path: *|*|*",
	                "LimitToSite", "A01", "IncludeSubsites", "yes",
	                "StartAfter", "1996-04-01 09:00", NULL);
	g_assert_true(sms_scheduler_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	/* frozen targets at both sites; one instruction per target site */
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM job_targets WHERE job = ?", id), ==, 5);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM job_site_detail WHERE job = ?", id),
	                ==, 2);
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	recv_b = sms_layout_receive(w.b01);
	recv_a = sms_layout_receive(w.a01);
	g_assert_cmpuint(nfiles(recv_b, ".PCK"), ==, 1);
	g_assert_cmpuint(nfiles(recv_b, ".INS"), ==, 1);
	/* the child's instruction names only the child's computers */
	{
		g_autofree char *name = files(recv_b, ".INS");
		g_autofree char *path = g_build_filename(recv_b, name, NULL);
		g_autoptr(SmsInstruction) ins = NULL;
		g_assert_true(sms_instruction_load(path, &ins, &error));
		g_assert_cmpstr(ins->target_site, ==, "B01");
		g_assert_cmpstr(ins->origin_site, ==, "A01");
		g_assert_cmpstr(ins->id, ==, "00001B01");
		g_assert_cmpuint(ins->targets->len, ==, 2);
		g_assert_cmpstr(((SmsInstrTarget *)ins->targets->pdata[0])->machine, ==, "BR001");
	}
	/* the child's Despooler installs, reporting up through the child's Sender */
	for (t = T("1996-04-01 09:15"); t < T("1996-04-01 12:00"); t += 15 * SMS_MINUTE) {
		g_assert_true(sms_despooler_pass(w.b01, t, &error));
		g_assert_no_error(error);
		g_assert_true(sms_sender_pass(w.b01, t, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(nfiles(recv_a, ".INS"), >, 0);
	g_assert_true(sms_despooler_pass(w.a01, T("1996-04-01 12:00"), &error));
	g_assert_no_error(error);
	/* the parent's Job Details show the child site, its server and the location */
	g_assert_cmpint(count(w.a01, "SELECT status FROM job_site_detail WHERE job = ? AND site = "
	                      "'B01'", id), ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(count(w.a01, "SELECT status FROM job_server_detail WHERE job = ? AND "
	                      "server = 'BRANCH'", id), ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM package_locations WHERE package = ? "
	                      "AND site = 'B01' AND server = 'BRANCH'", "A0100001"), ==, 1);
	/* the roll-up: sending done, the run phase waits for the computers */
	g_assert_true(sms_scheduler_pass(w.a01, T("1996-04-01 12:00"), &error));
	g_assert_no_error(error);
	{
		g_autoptr(SmsJob) j = NULL;
		g_assert_true(sms_job_load(w.a01, id, &j, NULL));
		g_assert_cmpint(j->sending_status, ==, SMS_STATUS_COMPLETE);
		g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);
	}
	world_clear(&w);
}

/* Priority first; at most 3 sendings per site in a round, so a low-priority request to
 * another site overtakes the 4th high-priority one to a busy site. */
static void
test_priority_and_limits(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *order = NULL;
	SmsTime now = T("1996-04-01 09:00");
	world_init(&w);
	queue(w.a01, "L1", "B01", SMS_PRIORITY_LOW, now);
	queue(w.a01, "M1", "A01", SMS_PRIORITY_MEDIUM, now);
	queue(w.a01, "H1", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "H2", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "H3", "A01", SMS_PRIORITY_HIGH, now);
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	order = send_order(w.a01);
	g_assert_cmpstr(order, ==, "H1>A01 H2>A01 H3>A01 L1>B01 M1>A01");
	world_clear(&w);
}

static void
test_registry_limits(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *order = NULL;
	SmsTime now = T("1996-04-01 09:00");
	world_init(&w);
	set_registry(w.a01, "Maximum Concurrent Sendings", 2);
	set_registry(w.a01, "Maximum Concurrent Site Sendings", 1);
	queue(w.a01, "H1", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "H2", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "H3", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "L1", "B01", SMS_PRIORITY_LOW, now);
	queue(w.a01, "L2", "B01", SMS_PRIORITY_LOW, now);
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	order = send_order(w.a01);
	g_assert_cmpstr(order, ==, "H1>A01 L1>B01 H2>A01 L2>B01 H3>A01");
	world_clear(&w);
}

static int
send_state_of(SmsSite *site, const char *job)
{
	return count(site, "SELECT state FROM sched_sends WHERE job = ?", job);
}

static SmsTime
next_attempt(SmsSite *site)
{
	g_autofree char *outbox = sms_layout_outbox(site);
	g_autofree char *name = files(outbox, ".SRQ");
	g_autofree char *path = g_build_filename(outbox, name, NULL);
	g_autoptr(SmsSendRequest) r = NULL;
	g_assert_true(sms_send_request_load(path, &r, NULL));
	return r->next_attempt;
}

/* LAN: the Sender retries twice (1 minute apart), then the request is rescheduled
 * (now + delay x retries x 2, on the poll grid), and given up after 7 days. */
static void
test_retry_reschedule_give_up(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *outbox = NULL;
	world_init(&w);
	outbox = sms_layout_outbox(w.a01);
	queue(w.a01, "J1", "C01", SMS_PRIORITY_MEDIUM, T("1996-04-01 09:00"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(send_state_of(w.a01, "J1"), ==, 4);          /* retrying */
	g_assert_cmpint(next_attempt(w.a01), ==, T("1996-04-01 09:01"));
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, T("1996-04-01 09:00")), ==,
	                T("1996-04-01 09:01"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:01"), &error));
	g_assert_cmpint(next_attempt(w.a01), ==, T("1996-04-01 09:02"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:02"), &error));
	/* third failure: retries used up; 09:02 + 1 x 2 x 2 = 09:06 -> next poll 09:10 */
	g_assert_cmpint(next_attempt(w.a01), ==, T("1996-04-01 09:10"));
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.retry'", NULL), ==, 2);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.rescheduled'", NULL), ==, 1);
	/* a pass before the time does nothing */
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:05"), &error));
	g_assert_cmpint(count(w.a01, "SELECT attempts FROM sched_sends WHERE job = ?", "J1"), ==, 3);
	/* 7 days later: Failed, request gone */
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-08 09:00"), &error));
	g_assert_no_error(error);
	g_assert_cmpint(send_state_of(w.a01, "J1"), ==, 3);
	g_assert_cmpuint(nfiles(outbox, ".SRQ") + nfiles(outbox, ".SRS"), ==, 0);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.failed' AND message LIKE '%nowhere%'", NULL), ==, 1);
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, T("1996-04-08 09:00")), ==, SMS_TIME_NEVER);
	world_clear(&w);
}

static void
test_registry_retries(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	world_init(&w);
	set_registry(w.a01, "Number of Retries", 1);
	set_registry(w.a01, "Retry Delay in Minutes", 3);
	queue(w.a01, "J1", "C01", SMS_PRIORITY_MEDIUM, T("1996-04-01 09:00"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:00"), &error));
	g_assert_cmpint(next_attempt(w.a01), ==, T("1996-04-01 09:03"));
	g_assert_true(sms_sender_pass(w.a01, T("1996-04-01 09:03"), &error));
	/* 09:03 + 3 x 1 x 2 = 09:09 -> 09:10 */
	g_assert_cmpint(next_attempt(w.a01), ==, T("1996-04-01 09:10"));
	g_assert_no_error(error);
	world_clear(&w);
}

/* A child knows only its parent: status for a site it has no address for goes to the
 * parent, which relays it. */
static void
test_route_through_parent(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_STATUS);
	g_autoptr(SmsInstruction) ins2 = sms_instruction_new(SMS_INSTR_STATUS);
	g_autoptr(SmsInstruction) got = NULL;
	g_autofree char *outbox = NULL, *name = NULL, *path = NULL, *box = NULL, *jmf = NULL;
	g_autofree char *recv = NULL, *srv = NULL;
	SmsInstrStatusRow *row;
	world_init(&w);
	ins->job_id = g_strdup("Z9900001");
	ins->origin_site = g_strdup("Z99");
	ins2->job_id = g_strdup("Z9900001");
	ins2->origin_site = g_strdup("Z99");
	row = g_new0(SmsInstrStatusRow, 1);
	row->table = g_strdup("machine"); row->site = g_strdup("B01");
	row->machine = g_strdup("BR001"); row->status = SMS_STATUS_COMPLETE;
	g_ptr_array_add(ins->status_rows, row);
	row = g_new0(SmsInstrStatusRow, 1);
	row->table = g_strdup("machine"); row->site = g_strdup("B01");
	row->machine = g_strdup("BR002"); row->status = SMS_STATUS_RETRYING;
	g_ptr_array_add(ins2->status_rows, row);
	g_assert_true(sms_sender_queue_status(w.b01, "Z99", ins, T("1996-04-01 09:00"), &error));
	g_assert_no_error(error);
	g_assert_true(sms_sender_queue_status(w.b01, "Z99", ins2, T("1996-04-01 09:01"), &error));
	g_assert_no_error(error);
	g_assert_cmpstr(ins->target_site, ==, "Z99");
	g_assert_cmpstr(ins->from_site, ==, "B01");
	g_assert_true(g_str_has_prefix(ins->id, "S"));
	/* two job status MIFs wait in SITEREP.BOX; nothing is queued yet (SMS 1.2 Resource
	 * Guide: the Site Reporter batches .JMF files to the parent) */
	srv = sms_layout_site_srv(w.b01);
	box = g_build_filename(srv, "SITEREP.BOX", NULL);
	jmf = files(box, ".JMF");
	g_assert_cmpuint(strlen(jmf), >, 0);
	g_assert_nonnull(strchr(jmf, ' '));                 /* two files */
	outbox = sms_layout_outbox(w.b01);
	name = files(outbox, ".SRQ");
	g_assert_cmpstr(name, ==, "");
	/* the parent's schedule (not known here: B01's own, Medium = 15 min): nothing at
	 * 09:14, one batch at 09:15 */
	g_assert_cmpint(sms_sender_next_wakeup(w.b01, T("1996-04-01 09:01")), ==,
	                T("1996-04-01 09:15"));
	g_assert_true(sms_sender_pass(w.b01, T("1996-04-01 09:14"), &error));
	g_assert_no_error(error);
	recv = sms_layout_receive(w.a01);
	g_free(name);
	name = files(recv, ".INS");
	g_assert_cmpstr(name, ==, "");
	g_assert_true(sms_sender_pass(w.b01, T("1996-04-01 09:15"), &error));
	g_assert_no_error(error);
	g_free(jmf);
	jmf = files(box, ".JMF");
	g_assert_cmpstr(jmf, ==, "");
	/* routed through the parent A01: one instruction with both rows */
	g_free(name);
	name = files(recv, ".INS");
	g_assert_cmpuint(strlen(name), >, 0);
	g_assert_null(strchr(name, ' '));
	path = g_build_filename(recv, name, NULL);
	g_assert_true(sms_instruction_load(path, &got, &error));
	g_assert_no_error(error);
	g_assert_cmpint(got->kind, ==, SMS_INSTR_STATUS);
	g_assert_cmpstr(got->target_site, ==, "Z99");
	g_assert_cmpuint(got->status_rows->len, ==, 2);
	/* the central site has no parent: an unknown site is an error naming site.ini */
	{
		g_autoptr(SmsInstruction) x = sms_instruction_new(SMS_INSTR_STATUS);
		x->job_id = g_strdup("Z9900001");
		x->origin_site = g_strdup("Z99");
		g_assert_false(sms_sender_queue_status(w.a01, "Z99", x, T("1996-04-01 09:00"),
		                                       &error));
		g_assert_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN);
		g_assert_nonnull(strstr(error->message, "[Address Z99]"));
	}
	world_clear(&w);
}

/* Status for a job deleted at the origin: detail dropped, package location kept. */
static void
test_apply_status_unknown_job(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsInstruction) ins = sms_instruction_new(SMS_INSTR_STATUS);
	SmsInstrStatusRow *r;
	world_init(&w);
	ins->id = g_strdup("S0001B01");
	ins->job_id = g_strdup("A01GONE1");
	ins->package_id = g_strdup("A0100001");
	ins->origin_site = g_strdup("A01");
	ins->target_site = g_strdup("A01");
	r = g_new0(SmsInstrStatusRow, 1);
	r->table = g_strdup("site");
	r->site = g_strdup("B01");
	r->status = SMS_STATUS_COMPLETE;
	g_ptr_array_add(ins->status_rows, r);
	r = g_new0(SmsInstrStatusRow, 1);
	r->table = g_strdup("location");
	r->site = g_strdup("B01");
	r->server = g_strdup("BRANCH");
	r->path = g_strdup("/x");
	r->status = SMS_STATUS_COMPLETE;
	g_ptr_array_add(ins->status_rows, r);
	g_assert_true(sms_instruction_apply_status(w.a01, ins, &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM job_site_detail WHERE job = ?",
	                      "A01GONE1"), ==, 0);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM package_locations WHERE server = ?",
	                      "BRANCH"), ==, 1);
	world_clear(&w);
}

/* A truncated instruction in TOSEND is never passed on (KB Q159201): instruction and
 * request are moved to BAD/, the sending is Failed, the loop goes on with the others. */
static void
test_corrupt_instruction(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *tosend = NULL, *outbox = NULL, *receive = NULL, *ipath = NULL;
	g_autofree char *data = NULL, *bad_ins = NULL, *bad_srq = NULL, *order = NULL;
	g_autofree char *bad_dir = NULL;
	gsize len;
	SmsTime now = T("1996-04-01 09:00");
	world_init(&w);
	tosend = sms_layout_tosend(w.a01);
	outbox = sms_layout_outbox(w.a01);
	receive = sms_layout_receive(w.a01);
	queue(w.a01, "J1", "A01", SMS_PRIORITY_HIGH, now);
	queue(w.a01, "J2", "A01", SMS_PRIORITY_LOW, now);
	ipath = g_build_filename(tosend, "XJ1A01.I02", NULL);
	g_assert_true(g_file_get_contents(ipath, &data, &len, NULL));
	g_assert_true(g_file_set_contents(ipath, data, (gssize)len / 2, NULL));
	/* and a send request whose instruction is missing altogether */
	queue(w.a01, "J3", "A01", SMS_PRIORITY_LOW, now);
	{
		g_autofree char *p3 = g_build_filename(tosend, "XJ3A01.I02", NULL);
		g_assert_cmpint(unlink(p3), ==, 0);
	}
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	order = send_order(w.a01);
	g_assert_cmpstr(order, ==, "J2>A01");
	bad_dir = g_build_filename(tosend, "BAD", NULL);
	bad_ins = files(bad_dir, ".I02");
	g_assert_cmpstr(bad_ins, ==, "XJ1A01.I02");
	bad_srq = g_build_filename(outbox, "BAD", NULL);
	g_assert_cmpuint(nfiles(bad_srq, ".SRQ"), ==, 2);
	g_assert_cmpint(send_state_of(w.a01, "J1"), ==, 3);
	g_assert_cmpint(send_state_of(w.a01, "J3"), ==, 3);
	g_assert_cmpuint(nfiles(receive, ".INS"), ==, 1);
	/* one status message per file moved aside: the instruction and its request */
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'file.rejected' AND message LIKE '%XJ1A01.I02%truncated%'", NULL),
	                ==, 2);
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, now), ==, SMS_TIME_NEVER);
	world_clear(&w);
}

/* Crash between package and instruction: the re-run delivers the instruction once. */
static void
test_crash_between_package_and_instruction(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *receive = NULL, *outbox = NULL;
	SmsTime now = T("1996-04-01 09:00");
	/* fault points are read once per process: run in a fresh one */
	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_setenv("SMSEMU_FAULT", "sender-between-package-and-instruction", TRUE);
	world_init(&w);
	receive = sms_layout_receive(w.b01);
	outbox = sms_layout_outbox(w.a01);
	g_free(create_job(w.a01, "Type", "Share Package On Server", "Package", "A0100001",
	           "StartAfter", "1996-04-01 09:00", "LimitToSite", "B01", NULL));
	g_assert_true(sms_scheduler_pass(w.a01, now, &error));
	g_assert_no_error(error);
	g_assert_false(sms_sender_pass(w.a01, now, &error));
	g_assert_error(error, SMS_ERROR, SMS_ERROR_FAULT);
	g_clear_error(&error);
	g_assert_cmpuint(nfiles(receive, ".PCK"), ==, 1);
	g_assert_cmpuint(nfiles(receive, ".INS"), ==, 0);
	g_assert_cmpuint(nfiles(outbox, ".SRS"), ==, 1);
	g_assert_cmpint(sms_sender_next_wakeup(w.a01, now), ==, now);
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(nfiles(receive, ".PCK"), ==, 1);
	g_assert_cmpuint(nfiles(receive, ".INS"), ==, 1);
	g_assert_cmpuint(nfiles(receive, ".TMP"), ==, 0);
	g_assert_cmpuint(nfiles(outbox, ".SRS") + nfiles(outbox, ".SRQ"), ==, 0);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete'", NULL), ==, 1);
	world_clear(&w);
}

/* Crash after the sending was recorded, before the .SRS was removed: not sent again. */
static void
test_crash_after_commit(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *receive = NULL, *outbox = NULL, *ins = NULL, *ipath = NULL;
	SmsTime now = T("1996-04-01 09:00");
	/* fault points are read once per process: run in a fresh one */
	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_setenv("SMSEMU_FAULT", "sender-after-commit", TRUE);
	world_init(&w);
	receive = sms_layout_receive(w.a01);
	outbox = sms_layout_outbox(w.a01);
	queue(w.a01, "J1", "A01", SMS_PRIORITY_MEDIUM, now);
	g_assert_false(sms_sender_pass(w.a01, now, &error));
	g_assert_error(error, SMS_ERROR, SMS_ERROR_FAULT);
	g_clear_error(&error);
	g_assert_cmpuint(nfiles(outbox, ".SRS"), ==, 1);
	g_assert_cmpint(send_state_of(w.a01, "J1"), ==, 2);
	/* meanwhile the Despooler consumed the instruction */
	ins = files(receive, ".INS");
	ipath = g_build_filename(receive, ins, NULL);
	g_assert_cmpint(unlink(ipath), ==, 0);
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(nfiles(receive, ".INS"), ==, 0);
	g_assert_cmpuint(nfiles(outbox, ".SRS"), ==, 0);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete'", NULL), ==, 1);
	world_clear(&w);
}

/* Crash while rescheduling (new .SRQ written, old .SRS not yet removed): one request. */
static void
test_crash_srq_and_srs(void)
{
	World w = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *outbox = NULL, *srq = NULL, *srq_path = NULL, *srs_path = NULL;
	SmsTime now = T("1996-04-01 09:00");
	world_init(&w);
	outbox = sms_layout_outbox(w.a01);
	queue(w.a01, "J1", "A01", SMS_PRIORITY_MEDIUM, now);
	srq = files(outbox, ".SRQ");
	srq_path = g_build_filename(outbox, srq, NULL);
	srs_path = g_strdup(srq_path);
	memcpy(srs_path + strlen(srs_path) - 3, "SRS", 3);
	g_assert_true(g_file_set_contents(srs_path, "half-written junk", -1, NULL));
	g_assert_true(sms_sender_pass(w.a01, now, &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'send.complete'", NULL), ==, 1);
	g_assert_cmpint(count(w.a01, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'file.rejected'", NULL), ==, 0);
	g_assert_cmpuint(nfiles(outbox, ".SRS") + nfiles(outbox, ".SRQ"), ==, 0);
	world_clear(&w);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/sender/own-site", test_own_site);
	g_test_add_func("/sender/child-site-status-up", test_child_site_and_status_up);
	g_test_add_func("/sender/priority-limits", test_priority_and_limits);
	g_test_add_func("/sender/registry-limits", test_registry_limits);
	g_test_add_func("/sender/retry-reschedule-give-up", test_retry_reschedule_give_up);
	g_test_add_func("/sender/registry-retries", test_registry_retries);
	g_test_add_func("/sender/route-through-parent", test_route_through_parent);
	g_test_add_func("/sender/apply-status-unknown-job", test_apply_status_unknown_job);
	g_test_add_func("/sender/corrupt-instruction", test_corrupt_instruction);
	g_test_add_func("/sender/crash-package-instruction",
	                test_crash_between_package_and_instruction);
	g_test_add_func("/sender/crash-after-commit", test_crash_after_commit);
	g_test_add_func("/sender/crash-srq-and-srs", test_crash_srq_and_srs);
	return g_test_run();
}
