/* test-despooler-fixture.h -- what the Despooler tests share: a site with a site server
 * SRV01 and a distribution server DIST1, instructions built directly (no Scheduler) and
 * dropped into RECEIVE with their archive, the Despooler driven the way the simulator
 * drives it (every pass at the time next_wakeup names), and its events recorded. */
#pragma once
#include "testlib.h"
#include "archive.h"
#include "components.h"
#include "db.h"
#include "despooler.h"
#include "instruction.h"
#include "job.h"
#include "share.h"
#include "site.h"

#include <stdio.h>

typedef struct {
	char *dir;                /* the test's temporary directory */
	SmsSite *site;
	SmsTime now;
	GPtrArray *events;        /* char*: fx_event() strings of this site's Despooler */
	GArray *wakes;            /* SmsTime of every pass run_until made */
} Fx;

static Fx *fx_current;

G_GNUC_UNUSED static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

/* "1996-02-01 09:00:00 distribute.locked 3 alice": detail only for the events whose
 * detail is a count or a name worth checking, user when there is one. */
static char *
fx_event(SmsTime t, const char *event, const char *detail, const char *user)
{
	return g_strdup_printf("%s %s%s%s%s%s", sms_time_str(t), event, detail ? " " : "",
	                       detail ? detail : "", user ? " @" : "", user ? user : "");
}

static void
fx_hook(SmsSite *site, const SmsEvent *ev, const char *message, gpointer data)
{
	static const char *const with_detail[] = {
		"distribute.locked", "distribute.failed", "share.access_revoked", "status.received",
		"distribute.partial", "file.rejected", "despooler.started", NULL
	};
	Fx *f = data;
	const char *detail = NULL;
	if (f == NULL || site != f->site || g_strcmp0(ev->component, "despooler") != 0)
		return;
	if (g_strv_contains(with_detail, ev->event))
		detail = ev->detail;
	if (g_str_equal(ev->event, "ins.written") || g_str_equal(ev->event, "status.received"))
		g_ptr_array_add(f->events, fx_event(ev->time, ev->event, detail, ev->machine));
	else
		g_ptr_array_add(f->events, fx_event(ev->time, ev->event, detail, ev->user));
}

#define FX_SITE_REST \
	"ServiceAccount=SMSSVC\n" \
	"[Server SRV01]\nSite=%s\nRoles=site, logon\nDrives=C:2000, D:500\n" \
	"[Server DIST1]\nSite=%s\nRoles=distribution\nDrives=C:2000, D:8000\n" \
	"[Domain CORP%s]\nSite=%s\nLogonServers=SRV01\n" \
	"[Workstations W]\nDomain=CORP%s\nNames=WKS01-WKS03\nPlatform=Windows NT (x86)\n"

/* A site (code A01 unless `code`), Service Response `response`, optional extra [Site]
 * lines (e.g. "CopyMode=legacy\n"), its clock at 08:00 on 1996-02-01. */
static Fx *
fx_new_site(const char *code, const char *response, const char *site_extra, const char *dir)
{
	Fx *f = g_new0(Fx, 1);
	g_autofree char *rest = NULL;
	g_autofree char *text = NULL;
	g_autofree char *ini = NULL;
	g_autofree char *root = NULL;
	g_autofree char *name = g_strdup_printf("%s.ini", code);
	g_autoptr(GError) error = NULL;
	const char *sfx = g_str_equal(code, "A01") ? "" : code;
	f->dir = dir ? g_strdup(dir) : sms_test_tmpdir();
	rest = g_strdup_printf(FX_SITE_REST, code, code, sfx, code, sfx);
	text = g_strdup_printf("[Site %s]\nResponse=%s\n%s%s", code, response,
	                       site_extra ? site_extra : "", rest);
	ini = sms_test_write(f->dir, name, text);
	root = g_build_filename(f->dir, code, NULL);
	g_assert_true(sms_site_init(root, ini, &f->site, &error));
	g_assert_no_error(error);
	f->now = T("1996-02-01 08:00");
	g_assert_true(sms_clock_set_virtual(f->site, f->now, &error));
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->wakes = g_array_new(FALSE, FALSE, sizeof(SmsTime));
	fx_current = f;
	sms_event_set_hook(fx_hook, f);
	return f;
}

G_GNUC_UNUSED static Fx *
fx_new(const char *response, const char *site_extra)
{
	return fx_new_site("A01", response, site_extra, NULL);
}

/* Open an existing site root again (a restarted process). */
G_GNUC_UNUSED static Fx *
fx_reopen(const char *dir, const char *code)
{
	Fx *f = g_new0(Fx, 1);
	g_autofree char *root = g_build_filename(dir, code, NULL);
	g_autoptr(GError) error = NULL;
	f->dir = g_strdup(dir);
	g_assert_true(sms_site_open(root, &f->site, &error));
	g_assert_no_error(error);
	f->now = sms_site_now(f->site);
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->wakes = g_array_new(FALSE, FALSE, sizeof(SmsTime));
	sms_event_set_hook(fx_hook, f);
	return f;
}

static void
fx_free(Fx *f)
{
	if (f == NULL)
		return;
	sms_event_set_hook(NULL, NULL);
	sms_site_free(f->site);
	g_ptr_array_unref(f->events);
	g_array_unref(f->wakes);
	g_free(f->dir);
	g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fx, fx_free)

/* The SMS_Despooler key of a server's registry, then the Despooler re-reads it (as
 * pausing and continuing SMS_DESPOOLER). values: .reg lines. */
G_GNUC_UNUSED static void
fx_registry(Fx *f, const char *server, const char *values)
{
	g_autofree char *path = sms_layout_registry(f->site, server);
	g_autofree char *text = g_strdup_printf("REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\"
	                                        "Microsoft\\SMS\\Components\\SMS_Despooler]\n%s",
	                                        values);
	g_autoptr(GError) error = NULL;
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_true(sms_despooler_reload(f->site, &error));
	g_assert_no_error(error);
}

/* Forced disconnect on with y retries and z minutes (y < 0: the defaults). */
G_GNUC_UNUSED static void
fx_forced(Fx *f, int y, int z)
{
	g_autofree char *v = y < 0 ? g_strdup("\"Use Forced Disconnect\"=dword:00000001\n") :
		g_strdup_printf("\"Use Forced Disconnect\"=dword:00000001\n"
		                "\"Number Of Retries Before Forced Disconnection\"=dword:%08x\n"
		                "\"Forced Disconnection Delay In Minutes\"=dword:%08x\n", y, z);
	fx_registry(f, "SRV01", v);
}

/* A package source tree: files given as "NAME=content" pairs, NULL-terminated. */
G_GNUC_UNUSED static char *
fx_source(Fx *f, const char *name, ...)
{
	g_autofree char *dir = g_build_filename(f->dir, "src", name, NULL);
	va_list ap;
	va_start(ap, name);
	for (const char *kv = va_arg(ap, const char *); kv; kv = va_arg(ap, const char *)) {
		const char *eq = strchr(kv, '=');
		g_autofree char *rel = g_strndup(kv, (gsize)(eq - kv));
		g_free(sms_test_write(dir, rel, eq + 1));
	}
	va_end(ap);
	return g_steal_pointer(&dir);
}

/* An instruction of `kind` for job A01000<n> of package `pkg`, origin A01, to `code`. */
G_GNUC_UNUSED static SmsInstruction *
fx_instruction(SmsInstrKind kind, int n, int type, const char *pkg, const char *target)
{
	SmsInstruction *ins = sms_instruction_new(kind);
	ins->job_id = g_strdup_printf("A01%05d", n);
	ins->id = g_strdup_printf("%05d%s", n, target);
	ins->job_type = type;
	ins->origin_site = g_strdup("A01");
	ins->from_site = g_strdup("A01");
	ins->target_site = g_strdup(target);
	ins->package_id = g_strdup(pkg);
	ins->package_name = g_strdup("Microsoft Office 95");
	ins->package_comment = g_strdup("Standard");
	ins->priority = SMS_PRIORITY_MEDIUM;
	ins->created = T("1996-02-01 08:00");
	ins->offer_after = SMS_TIME_NONE;
	ins->mandatory_after = SMS_TIME_NONE;
	ins->expires_after = SMS_TIME_NONE;
	if (type == SMS_JOB_RUN_COMMAND) {
		ins->run_command = TRUE;
		ins->command_name = g_strdup("Typical");
		ins->command_line = g_strdup("SETUP.EXE /Q");
		ins->platforms = 0x02;
		ins->command_flags = SMS_CMD_AUTOMATED;
	}
	if (type == SMS_JOB_SHARE_PACKAGE) {
		ins->share_name = g_strdup("OFFICE95");
		ins->share_access = g_strdup("UserRead, GuestRead");
	}
	if (kind == SMS_INSTR_REMOVE)
		ins->remove_tasks = SMS_REMOVE_ALL;
	return ins;
}

/* Drop the instruction (and the archive of `src`, if any) into RECEIVE. */
G_GNUC_UNUSED static void
fx_deliver(Fx *f, SmsInstruction *ins, const char *src)
{
	g_autofree char *receive = sms_layout_receive(f->site);
	g_autofree char *insf = g_strdup_printf("%s/%s.INS", receive, ins->id);
	g_autoptr(GError) error = NULL;
	if (src) {
		g_autofree char *pck = g_strdup_printf("%s/%s.PCK", receive, ins->id);
		SmsArchiveStats st;
		g_assert_true(sms_archive_create(src, pck, 1, &st, &error));
		g_assert_no_error(error);
		g_free(ins->package_file);
		ins->package_file = g_strdup_printf("%s.W00", ins->package_id);
		ins->package_crc = st.crc;
	}
	g_assert_true(sms_instruction_save(ins, insf, &error));
	g_assert_no_error(error);
}

/* One pass at t (the clock set to t first). */
G_GNUC_UNUSED static gboolean
fx_pass(Fx *f, SmsTime t, GError **error)
{
	f->now = t;
	if (!sms_clock_set_virtual(f->site, t, error))
		return FALSE;
	g_array_append_val(f->wakes, t);
	return sms_despooler_pass(f->site, t, error);
}

/* Run the Despooler as the simulator does until nothing is due up to `until`. */
G_GNUC_UNUSED static void
fx_run_until(Fx *f, SmsTime until)
{
	SmsTime last = SMS_TIME_NONE;
	int same = 0;
	for (;;) {
		g_autoptr(GError) error = NULL;
		SmsTime next = sms_despooler_next_wakeup(f->site, f->now);
		if (next == SMS_TIME_NEVER || next > until)
			break;
		g_assert_cmpint(next, >=, f->now);
		same = next == last ? same + 1 : 0;
		g_assert_cmpint(same, <, 3);   /* next_wakeup must move on once the work is done */
		last = next;
		(void)fx_pass(f, next, &error);
		g_assert_no_error(error);
	}
	if (until != SMS_TIME_NEVER && until > f->now) {
		f->now = until;
		g_assert_true(sms_clock_set_virtual(f->site, until, NULL));
	}
}

/* A user holding a file of a package directory from `from` (NONE: open-ended). */
G_GNUC_UNUSED static gint64
fx_lock(Fx *f, const char *share, const char *file, const char *user, SmsTime from,
        SmsTime until)
{
	g_autoptr(GError) error = NULL;
	gint64 id = 0;
	g_autofree char *machine = g_strdup_printf("WKS-%s", user);
	g_assert_true(sms_share_open_session(f->site, "DIST1", share, file, user, machine, from,
	                                     until, "scenario", NULL, &id, &error));
	g_assert_no_error(error);
	return id;
}

/* Assert the recorded events equal `expected` (char*), printing both on a mismatch. */
G_GNUC_UNUSED static void
fx_assert_events(Fx *f, GPtrArray *expected)
{
	gboolean same = f->events->len == expected->len;
	for (guint i = 0; same && i < expected->len; i++)
		same = g_str_equal(f->events->pdata[i], expected->pdata[i]);
	if (!same) {
		for (guint i = 0; i < MAX(f->events->len, expected->len); i++)
			g_test_message("%3u got %-60s want %s", i,
			               i < f->events->len ? (char *)f->events->pdata[i] : "-",
			               i < expected->len ? (char *)expected->pdata[i] : "-");
	}
	g_assert_true(same);
}

/* Text of a file of the installed package (NULL when absent). */
G_GNUC_UNUSED static char *
fx_read(const char *dir, const char *rel)
{
	g_autofree char *p = g_build_filename(dir, rel, NULL);
	char *text = NULL;
	if (!g_file_get_contents(p, &text, NULL, NULL))
		return NULL;
	return text;
}

/* One integer from SQL (first column of the first row; -1 when there is none). */
G_GNUC_UNUSED static gint64
fx_sql_int(Fx *f, const char *sql)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *st = sms_db_stmt(f->site->db, sql, &error);
	gboolean row;
	gint64 v = -1;
	g_assert_no_error(error);
	g_assert_true(sms_db_step(f->site->db, st, &row, &error));
	if (row && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

G_GNUC_UNUSED static char *
fx_sql_text(Fx *f, const char *sql)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *st = sms_db_stmt(f->site->db, sql, &error);
	gboolean row;
	char *v = NULL;
	g_assert_no_error(error);
	g_assert_true(sms_db_step(f->site->db, st, &row, &error));
	if (row)
		v = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return v;
}

/* Path of the package directory on DIST1 (SMS_PKGC/<pkg> or C/<share>). */
G_GNUC_UNUSED static char *
fx_pkg_dir(Fx *f, const char *rel)
{
	return g_build_filename(f->site->root, "servers", "DIST1", "C", rel, NULL);
}
