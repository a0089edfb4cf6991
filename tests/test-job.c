/* test-job.c -- the job and package model (lib/job.c): job properties of the three job
 * kinds with SMS's defaults and every validation error, storage round trip, cancel and
 * delete rules of notes §1.7, package import (PDF text kept, command line flags, source
 * directories, nothing stored on failure), machine groups. */
#include "testlib.h"
#include "db.h"
#include "job.h"
#include "pdf.h"
#include "site.h"

#include <stdarg.h>

static const char *site_ini =
	"[Site A01]\nResponse=Fast\n"
	"[Address B02]\nRoot=../B02\n"
	"[Server SRV01]\nSite=A01\nRoles=site, logon, distribution\nDrives=C:2000\n"
	"[Server SRV02]\nSite=A01\nRoles=distribution\nDrives=C:2000\n"
	"[Domain CORP]\nSite=A01\nLogonServers=SRV01\n"
	"[Workstations NT]\nDomain=CORP\nNames=NT01-NT04\nPlatform=Windows NT (x86)\n"
	"[Workstations W95]\nDomain=CORP\nNames=W9501-W9503\nPlatform=Windows 95\n"
	"[MachineGroup PILOT]\nSite=A01\nMembers=NT01, W9501\n";

/* sharing only: no setup variations */
static const char *share_pdf =
	"[PDF]\nVersion=1.0\n[Package Definition]\nProduct=Shared Tools\n"
	"[Setup Package for Sharing]\nShareName=TOOLS\nShareAccess=UserRead, UserWrite\n";

/* workstation command lines only, with every flag */
static const char *cmd_pdf =
	"[PDF]\nVersion=1.0\n[Package Definition]\nProduct=Flags\nVersion=2.1\n"
	"SetupVariations=Ask, Quiet, Service, Reboot\n"
	"[Ask Setup]\nCommandLine=setup.exe\nUserInputRequired=TRUE\n"
	"SupportedPlatforms=Windows 3.1\n"
	"[Quiet Setup]\nCommandLine=setup.exe /q\nUserInputRequired=FALSE\n"
	"SupportedPlatforms=MS-DOS 6.22, Windows95\n"
	"[Service Setup]\nCommandLine=svc.exe\nUserInputRequired=FALSE\nSystemTask=TRUE\n"
	"SupportedPlatforms=Windows NT 4.0 (x86), Windows NT (Alpha)\n"
	"[Reboot Setup]\nCommandLine=reboot.bat\nUserInputRequired=FALSE\n"
	"SynchronousSystemExitRequired=TRUE\nSupportedPlatforms=Macintosh\n";

static SmsTime
T(const char *s)
{
	SmsTime t;
	g_assert_true(sms_time_parse(s, &t, NULL));
	return t;
}

static int
count(SmsSite *site, const char *sql)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row;
	int n;
	g_assert_nonnull(st);
	g_assert_true(sms_db_step(site->db, st, &row, NULL));
	n = row ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

/* A01 with the Office 95 package A0100001, the sharing-only A0100002 and the
 * command-line-only A0100003; virtual clock 1996-02-01 08:00. */
static SmsSite *
make_site(char **out_dir)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *ini = sms_test_write(dir, "site.ini", site_ini);
	g_autofree char *root = g_build_filename(dir, "A01", NULL);
	g_autofree char *pdf = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	g_autofree char *spdf = sms_test_write(dir, "share.pdf", share_pdf);
	g_autofree char *cpdf = sms_test_write(dir, "flags.pdf", cmd_pdf);
	g_autofree char *id1 = NULL, *id2 = NULL, *id3 = NULL;
	g_autoptr(GError) error = NULL;
	SmsSite *site = NULL;
	g_assert_true(sms_site_init(root, ini, &site, &error));
	g_assert_no_error(error);
	g_assert_true(sms_clock_set_virtual(site, T("1996-02-01 08:00"), &error));
	g_assert_true(sms_package_import(site, pdf, src, NULL, NULL, &id1, &error));
	g_assert_no_error(error);
	g_assert_true(sms_package_import(site, spdf, NULL, dir, NULL, &id2, &error));
	g_assert_no_error(error);
	g_assert_true(sms_package_import(site, cpdf, dir, NULL, NULL, &id3, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(id1, ==, "A0100001");
	g_assert_cmpstr(id2, ==, "A0100002");
	g_assert_cmpstr(id3, ==, "A0100003");
	if (out_dir)
		*out_dir = g_steal_pointer(&dir);
	return site;
}

/* Build a job from "Key", "Value", ..., NULL. */
static SmsJob *
props_v(SmsSite *site, GArray *lines, const char *where, GError **error, va_list ap)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	SmsJob *job = NULL;
	for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
		g_ptr_array_add(keys, g_strdup(k));
		g_ptr_array_add(values, g_strdup(va_arg(ap, const char *)));
	}
	if (!sms_job_from_props(site, keys, values, lines, where, &job, error)) {
		g_assert_null(job);
		return NULL;
	}
	return job;
}

static SmsJob *
props(SmsSite *site, GError **error, ...)
{
	va_list ap;
	SmsJob *job;
	va_start(ap, error);
	job = props_v(site, NULL, "test", error, ap);
	va_end(ap);
	return job;
}

static void
test_run_command_defaults(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsJob) j = props(site, &error, "Type", "Run Command On Workstation", "Package",
	                            "a0100001", "Command", "typical", "Target",
	                            "Machine Path: A01|CORP|*", NULL);
	g_assert_no_error(error);
	g_assert_cmpint(j->type, ==, SMS_JOB_RUN_COMMAND);
	g_assert_cmpstr(j->package, ==, "A0100001");     /* resolved, any case */
	g_assert_cmpstr(j->site, ==, "A01");
	g_assert_cmpint(j->start_after, ==, T("1996-02-01 08:00"));   /* now */
	g_assert_cmpint(j->offer_after, ==, j->start_after);          /* Offer = Start */
	g_assert_cmpint(j->mandatory_after, ==, SMS_TIME_NONE);
	/* Expires After: 168 days after Offer After, as in each defaulted record of the
	 * KB Q123499 PCMDUMP (09/21/94 17:56 -> 03/07/95 17:56 with 0-based months) */
	g_assert_cmpint(j->expires_after, ==, T("1996-07-18 08:00"));
	g_assert_cmpstr(j->command, ==, "Automated Office 95 Typical installation");
	g_assert_false(j->force_slow_link);
	g_assert_cmpint(j->priority, ==, SMS_PRIORITY_MEDIUM);
	g_assert_cmpint(j->repeat, ==, SMS_REPEAT_NEVER);
	g_assert_cmpint(j->send_mode, ==, SMS_SEND_IF_NOT_SENT);
	g_assert_cmpint(j->dist_mode, ==, 0);                          /* Default Servers */
	g_assert_null(j->dist_servers);
	g_assert_true(j->run_command);
	g_assert_cmpint(j->target_kind, ==, SMS_TARGET_MACHINE_PATH);
	g_assert_cmpstr(j->target, ==, "A01|CORP|*");
	g_assert_cmpint(j->limit_kind, ==, SMS_LIMIT_NONE);
	g_assert_cmpint(j->status, ==, SMS_STATUS_PENDING);
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_NONE);

	/* RunCommand=no: send and distribute only */
	{
		g_autoptr(SmsJob) s = props(site, &error, "Type", "Run Command On Workstation",
		                            "Package", "A0100001", "Target", "Machine Group: pilot",
		                            "RunCommand", "no", "Distribute", "Servers: srv01 ,SRV02",
		                            NULL);
		g_assert_no_error(error);
		g_assert_false(s->run_command);
		g_assert_null(s->command);
		g_assert_cmpint(s->dist_mode, ==, SMS_DIST_SPECIFIED);
		g_assert_cmpstr(s->dist_servers, ==, "SRV01, SRV02");
		g_assert_cmpint(s->target_kind, ==, SMS_TARGET_MACHINE_GROUP);
	}
}

/* A command line is known by its CommandName (SDK sample importer pdf.cpp: the WCL
 * folder's Name is CommandName); the setup variation is an alias, any case; a name that
 * is one command's CommandName and another's variation is ambiguous. */
static const char *alias_pdf =
	"[PDF]\nVersion=1.0\n[Package Definition]\nProduct=Alias Test\nVersion=1.0\n"
	"SetupVariations=Full, Quick\n"
	"[Full Setup]\nCommandLine=setup.exe /full\nCommandName=Quick\n"
	"UserInputRequired=FALSE\nSupportedPlatforms=Windows95\n"
	"[Quick Setup]\nCommandLine=setup.exe /quick\nCommandName=Quick install\n"
	"UserInputRequired=FALSE\nSupportedPlatforms=Windows95\n";

static void
test_command_names(void)
{
	g_autofree char *dir = NULL;
	g_autoptr(SmsSite) site = make_site(&dir);
	g_autofree char *pdf = sms_test_write(dir, "alias.pdf", alias_pdf);
	g_autofree char *id = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsJob) a = NULL, b = NULL, c = NULL, d = NULL;

	/* Office 95: the variation is accepted, any case; the job keeps the CommandName */
	a = props(site, &error, "Type", "Run Command On Workstation", "Package", "A0100001",
	          "Target", "Machine Path: *|*|*", "Command", "tYPICAL", NULL);
	g_assert_no_error(error);
	g_assert_cmpstr(a->command, ==, "Automated Office 95 Typical installation");
	b = props(site, &error, "Type", "Run Command On Workstation", "Package", "A0100001",
	          "Target", "Machine Path: *|*|*", "Command",
	          "AUTOMATED OFFICE 95 COMPACT INSTALLATION", NULL);
	g_assert_no_error(error);
	g_assert_cmpstr(b->command, ==, "Automated Office 95 Compact installation");

	g_assert_true(sms_package_import(site, pdf, dir, NULL, NULL, &id, &error));
	g_assert_no_error(error);
	/* "Quick" is the CommandName of [Full Setup] and the variation of [Quick Setup] */
	g_assert_null(props(site, &error, "Type", "Run Command On Workstation", "Package", id,
	                    "Target", "Machine Path: *|*|*", "Command", "quick", NULL));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "'quick' of package A0100004 is ambiguous: it is "
	                        "the command name of 'Quick' (setup variation Full) and the setup "
	                        "variation of 'Quick install'"));
	g_clear_error(&error);
	c = props(site, &error, "Type", "Run Command On Workstation", "Package", id, "Target",
	          "Machine Path: *|*|*", "Command", "full", NULL);
	g_assert_no_error(error);
	g_assert_cmpstr(c->command, ==, "Quick");
	d = props(site, &error, "Type", "Run Command On Workstation", "Package", "alias test 1.0",
	          "Target", "Machine Path: *|*|*", "Command", "Quick Install", NULL);
	g_assert_no_error(error);
	g_assert_cmpstr(d->command, ==, "Quick install");
}

static void
test_every_property(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsJob) j = props(site, &error, "Type", "run command on workstation",
	                            "Package", "Microsoft Office for Windows 95 Standard 7.0",
	                            "Command", "Office 95 Custom installation", "RunCommand", "yes",
	                            "Target", "Query: Platform = 'Windows 95'",
	                            "LimitToSite", "b02", "IncludeSubsites", "yes",
	                            "StartAfter", "1996-02-01 09:00", "OfferAfter", "1996-02-01 10:00",
	                            "MandatoryAfter", "1996-02-02 09:00",
	                            "ForceOverSlowLink", "yes", "ExpiresAfter", "1996-08-01 09:00",
	                            "Priority", "High", "Repeat", "Every Other Week",
	                            "Send", "Even if previously sent", "Distribute", "Refresh Existing",
	                            "Comment", "pilot", "Name", "office-pilot", "Site", "a01", NULL);
	g_autoptr(SmsJob) back = NULL;
	g_autofree char *id = NULL;
	g_assert_no_error(error);
	g_assert_cmpstr(j->package, ==, "A0100001");    /* by name */
	g_assert_cmpint(j->target_kind, ==, SMS_TARGET_QUERY);
	g_assert_cmpstr(j->target, ==, "Platform = 'Windows 95'");
	g_assert_cmpint(j->limit_kind, ==, SMS_LIMIT_SITE);
	g_assert_cmpstr(j->limit_site, ==, "B02");
	g_assert_true(j->include_subsites);
	g_assert_cmpint(j->repeat, ==, SMS_REPEAT_BIWEEKLY);
	g_assert_cmpint(j->priority, ==, SMS_PRIORITY_HIGH);
	g_assert_cmpint(j->send_mode, ==, SMS_SEND_ALWAYS);
	g_assert_cmpint(j->dist_mode, ==, SMS_DIST_EXISTING);
	g_assert_true(j->force_slow_link);

	/* stored and read back unchanged, with a fresh ID and the creation time */
	g_assert_true(sms_job_insert(site, j, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(j->id, ==, "A0100001");
	g_assert_cmpint(j->created, ==, T("1996-02-01 08:00"));
	g_assert_true(sms_job_load(site, "A0100001", &back, &error));
	g_assert_cmpstr(back->name, ==, "office-pilot");
	g_assert_cmpstr(back->comment, ==, "pilot");
	g_assert_cmpstr(back->command, ==, "Office 95 Custom installation");
	g_assert_cmpstr(back->target, ==, j->target);
	g_assert_cmpstr(back->limit_site, ==, "B02");
	g_assert_cmpint(back->start_after, ==, T("1996-02-01 09:00"));
	g_assert_cmpint(back->offer_after, ==, T("1996-02-01 10:00"));
	g_assert_cmpint(back->mandatory_after, ==, T("1996-02-02 09:00"));
	g_assert_cmpint(back->expires_after, ==, T("1996-08-01 09:00"));
	g_assert_cmpint(back->activated, ==, SMS_TIME_NONE);
	g_assert_cmpint(back->repeat, ==, SMS_REPEAT_BIWEEKLY);
	g_assert_true(back->force_slow_link && back->include_subsites && back->run_command);
	g_assert_cmpint(back->status, ==, SMS_STATUS_PENDING);
	/* by name or ID, any case */
	g_assert_true(sms_job_resolve(site, "OFFICE-PILOT", &id, &error));
	g_assert_cmpstr(id, ==, "A0100001");
	g_clear_pointer(&id, g_free);
	g_assert_true(sms_job_resolve(site, "a0100001", &id, &error));
	g_assert_cmpstr(id, ==, "A0100001");
	g_assert_false(sms_job_resolve(site, "nope", &id, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(sms_job_load(site, "A0100999", &back, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_assert_nonnull(back);   /* out-param untouched on failure */
}

static void
test_share_and_remove(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsJob) share = props(site, &error, "Type", "Share Package On Server", "Package",
	                                "Shared Tools", "StartAfter", "1996-02-03", "Send",
	                                "Only if not previously sent", "Distribute",
	                                "Default Servers", "Priority", "Low", NULL);
	g_autoptr(SmsJob) rm_all = NULL, rm_some = NULL;
	g_assert_no_error(error);
	g_assert_cmpint(share->type, ==, SMS_JOB_SHARE_PACKAGE);
	g_assert_cmpstr(share->package, ==, "A0100002");
	g_assert_cmpint(share->start_after, ==, T("1996-02-03 00:00"));
	g_assert_cmpint(share->target_kind, ==, 0);
	g_assert_false(share->run_command);
	rm_all = props(site, &error, "Type", "Remove Package From Server", "Package", "A0100003",
	               NULL);
	g_assert_no_error(error);
	g_assert_cmpint(rm_all->remove_tasks, ==, SMS_REMOVE_ALL);
	rm_some = props(site, &error, "Type", "Remove Package From Server", "Package", "A0100001",
	                "RemoveFrom", "Servers: SRV02", "LimitToSite", "A01", NULL);
	g_assert_no_error(error);
	g_assert_cmpint(rm_some->remove_tasks, ==, SMS_REMOVE_SELECTED);
	g_assert_cmpstr(rm_some->dist_servers, ==, "SRV02");
	g_assert_true(sms_job_insert(site, share, &error));
	g_assert_true(sms_job_insert(site, rm_all, &error));
	g_assert_cmpstr(rm_all->id, ==, "A0100002");
}

typedef struct {
	int code;
	const char *msg;
	const char *kv[40];
} ErrCase;

#define RCOW "Type", "Run Command On Workstation", "Package", "A0100001"
#define RCOW_T RCOW, "Target", "Machine Path: *|*|*"
#define RCOW_C RCOW_T, "Command", "Typical"

static const ErrCase err_cases[] = {
	{ SMS_JOB_ERROR_INVALID, "test: missing Type", { "Package", "A0100001" } },
	{ SMS_JOB_ERROR_INVALID, "Type: expected Run Command On Workstation, Share Package On "
	  "Server or Remove Package From Server, got 'Install'", { "Type", "Install" } },
	{ SMS_JOB_ERROR_INVALID, "missing Package", { "Type", "Share Package On Server" } },
	{ SMS_JOB_ERROR_INVALID, "Package: expected a package ID or name", { "Type",
	  "Share Package On Server", "Package", " " } },
	{ SMS_JOB_ERROR_NOT_FOUND, "Package: no package 'NOPE' at site A01", { "Type",
	  "Run Command On Workstation", "Package", "NOPE" } },
	{ SMS_JOB_ERROR_INVALID, "unknown job property 'Colour' (expected Type, Package",
	  { RCOW_C, "Colour", "blue" } },
	{ SMS_JOB_ERROR_INVALID, "test: priority given twice", { RCOW_C, "Priority", "High", "priority",
	  "Low" } },
	{ SMS_JOB_ERROR_NOT_FOUND, "Command: package A0100001 has no command line 'Deluxe' (it "
	  "has: 'Automated Office 95 Typical installation' (setup variation Typical), 'Automated "
	  "Office 95 Compact installation' (setup variation Compact), 'Office 95 Custom "
	  "installation' (setup variation Custom), 'Automated Office 95 removal' (setup "
	  "variation Uninstall))", { RCOW_T, "Command", "Deluxe" } },
	{ SMS_JOB_ERROR_INVALID, "missing Command", { RCOW_T, "RunCommand", "yes" } },
	{ SMS_JOB_ERROR_INVALID, "Command given with RunCommand=no", { RCOW_C, "RunCommand", "no" } },
	{ SMS_JOB_ERROR_INVALID, "belong to the run phase: give a Command", { RCOW_T,
	  "MandatoryAfter", "1996-03-01 00:00" } },
	{ SMS_JOB_ERROR_INVALID, "RunCommand: expected yes or no, got 'maybe'", { RCOW_C,
	  "RunCommand", "maybe" } },
	{ SMS_JOB_ERROR_INVALID, "MandatoryAfter (1996-02-01 00:00:00) is earlier than OfferAfter "
	  "(1996-03-01 00:00:00)", { RCOW_C, "OfferAfter", "1996-03-01", "MandatoryAfter",
	  "1996-02-01" } },
	{ SMS_JOB_ERROR_INVALID, "ExpiresAfter (1996-02-01 08:00:00) must be later than OfferAfter",
	  { RCOW_C, "ExpiresAfter", "1996-02-01 08:00" } },
	{ SMS_JOB_ERROR_INVALID, "ExpiresAfter (1996-02-02 08:00:00) must be later than "
	  "MandatoryAfter", { RCOW_C, "MandatoryAfter", "1996-02-03", "ExpiresAfter",
	  "1996-02-02 08:00" } },
	{ SMS_JOB_ERROR_INVALID, "ForceOverSlowLink needs MandatoryAfter", { RCOW_C,
	  "ForceOverSlowLink", "yes" } },
	{ SMS_JOB_ERROR_INVALID, "MandatoryAfter: expected a time \"YYYY-MM-DD HH:MM\", got 'yes'",
	  { RCOW_C, "MandatoryAfter", "yes" } },
	{ SMS_JOB_ERROR_INVALID, "StartAfter: expected a time \"YYYY-MM-DD HH:MM\", got "
	  "'1996-02-30 09:00'", { RCOW_C, "StartAfter", "1996-02-30 09:00" } },
	{ SMS_JOB_ERROR_INVALID, "OfferAfter: expected a time", { RCOW_C, "OfferAfter", "soon" } },
	{ SMS_JOB_ERROR_INVALID, "ExpiresAfter: expected a time", { RCOW_C, "ExpiresAfter",
	  "6 months" } },
	{ SMS_JOB_ERROR_INVALID, "Priority: expected High, Medium or Low, got 'Urgent'", { RCOW_C,
	  "Priority", "Urgent" } },
	{ SMS_JOB_ERROR_INVALID, "Repeat: expected Never, Daily, Weekly, Every Other Week or "
	  "Monthly, got 'Hourly'", { RCOW_C, "Repeat", "Hourly" } },
	{ SMS_JOB_ERROR_INVALID, "Send: expected 'Only if not previously sent' or 'Even if "
	  "previously sent', got 'Always'", { RCOW_C, "Send", "Always" } },
	{ SMS_JOB_ERROR_INVALID, "Distribute: expected 'Default Servers', 'Refresh Existing' or "
	  "'Servers: A, B', got 'All'", { RCOW_C, "Distribute", "All" } },
	{ SMS_JOB_ERROR_INVALID, "Distribute: expected 'Servers: NAME, NAME...', got an empty "
	  "server name in 'SRV01,,SRV02'", { RCOW_C, "Distribute", "Servers: SRV01,,SRV02" } },
	{ SMS_JOB_ERROR_INVALID, "Distribute: expected 'Servers: NAME, NAME...', got an empty",
	  { RCOW_C, "Distribute", "Servers:" } },
	{ SMS_JOB_ERROR_INVALID, "Distribute: 'SRV 01' is not a server name", { RCOW_C,
	  "Distribute", "Servers: SRV 01" } },
	{ SMS_JOB_ERROR_INVALID, "RemoveFrom: expected 'All Servers' or 'Servers: A, B', got "
	  "'Everywhere'", { "Type", "Remove Package From Server", "Package", "A0100001",
	  "RemoveFrom", "Everywhere" } },
	{ SMS_JOB_ERROR_INVALID, "IncludeSubsites: expected yes or no, got 'both'", { RCOW_C,
	  "IncludeSubsites", "both" } },
	{ SMS_JOB_ERROR_INVALID, "Target: expected 'Machine Path: SITE|DOMAIN|COMPUTER', 'Machine "
	  "Group: NAME' or 'Query: EXPRESSION', got 'NT01'", { RCOW, "Command", "Typical",
	  "Target", "NT01" } },
	{ SMS_JOB_ERROR_INVALID, "Target: a machine path is SITE|DOMAIN|COMPUTER (with * "
	  "wildcards), got 'A01|NT01'", { RCOW, "Command", "Typical", "Target",
	  "Machine Path: A01|NT01" } },
	{ SMS_JOB_ERROR_INVALID, "Target: the domain part of machine path 'A01| |NT01' is empty",
	  { RCOW, "Command", "Typical", "Target", "Machine Path: A01| |NT01" } },
	{ SMS_JOB_ERROR_INVALID, "Target: 'Machine Group:' names nothing", { RCOW, "Command",
	  "Typical", "Target", "Machine Group:" } },
	{ SMS_JOB_ERROR_INVALID, "Target: 'Query:' names nothing", { RCOW, "Command", "Typical",
	  "Target", "Query: " } },
	{ SMS_JOB_ERROR_NOT_FOUND, "Target: no machine group 'BETA' at site A01", { RCOW,
	  "Command", "Typical", "Target", "Machine Group: BETA" } },
	{ SMS_JOB_ERROR_INVALID, "Target: query \"Colour = 'blue'\": at offset 0: expected an "
	  "attribute", { RCOW, "Command", "Typical", "Target", "Query: Colour = 'blue'" } },
	{ SMS_JOB_ERROR_INVALID, "a Run Command job needs a Target", { RCOW, "Command",
	  "Typical" } },
	{ SMS_JOB_ERROR_INVALID, "package A0100002 has no workstation properties", { "Type",
	  "Run Command On Workstation", "Package", "A0100002", "Target", "Machine Path: *|*|*" } },
	{ SMS_JOB_ERROR_INVALID, "package A0100003 has no sharing properties", { "Type",
	  "Share Package On Server", "Package", "A0100003" } },
	{ SMS_JOB_ERROR_INVALID, "Target does not belong to a Share Package On Server job",
	  { "Type", "Share Package On Server", "Package", "A0100001", "Target",
	  "Machine Path: *|*|*" } },
	{ SMS_JOB_ERROR_INVALID, "ExpiresAfter does not belong to a Share Package On Server job",
	  { "Type", "Share Package On Server", "Package", "A0100001", "ExpiresAfter",
	  "1996-03-01" } },
	{ SMS_JOB_ERROR_INVALID, "RemoveFrom does not belong to a Share Package On Server job",
	  { "Type", "Share Package On Server", "Package", "A0100001", "RemoveFrom",
	  "All Servers" } },
	{ SMS_JOB_ERROR_INVALID, "Send does not belong to a Remove Package From Server job",
	  { "Type", "Remove Package From Server", "Package", "A0100001", "Send",
	  "Even if previously sent" } },
	{ SMS_JOB_ERROR_INVALID, "Distribute does not belong to a Remove Package From Server job",
	  { "Distribute", "Default Servers", "Type", "Remove Package From Server", "Package",
	  "A0100001" } },
	{ SMS_JOB_ERROR_INVALID, "Command does not belong to a Remove Package From Server job",
	  { "Type", "Remove Package From Server", "Package", "A0100001", "Command", "Typical" } },
	{ SMS_JOB_ERROR_INVALID, "RemoveFrom does not belong to a Run Command On Workstation job",
	  { RCOW_C, "RemoveFrom", "All Servers" } },
	{ SMS_JOB_ERROR_INVALID, "IncludeSubsites needs LimitToSite", { RCOW_C, "IncludeSubsites",
	  "yes" } },
	{ SMS_JOB_ERROR_NOT_FOUND, "LimitToSite: site C03 is not known to site A01", { RCOW_C,
	  "LimitToSite", "C03" } },
	{ SMS_JOB_ERROR_INVALID, "Comment: at most 255 characters (SMS's limit), got 256", { RCOW_C,
	  "Comment", "@256" } },
	{ SMS_JOB_ERROR_INVALID, "Site: a job is created at the site it is given to (A01), got "
	  "'B02'", { RCOW_C, "Site", "B02" } },
};

static void
test_errors(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	int jobs_before = count(site, "SELECT count(*) FROM jobs");
	g_autofree char *long_comment = g_strnfill(256, 'x');
	for (gsize i = 0; i < G_N_ELEMENTS(err_cases); i++) {
		const ErrCase *c = &err_cases[i];
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		SmsJob *job = NULL;
		for (int k = 0; c->kv[k]; k += 2) {
			g_ptr_array_add(keys, g_strdup(c->kv[k]));
			g_ptr_array_add(values, g_strdup(g_str_equal(c->kv[k + 1], "@256") ? long_comment
			                                                                   : c->kv[k + 1]));
		}
		g_assert_false(sms_job_from_props(site, keys, values, NULL, "test", &job, &error));
		g_assert_null(job);
		g_assert_nonnull(error);
		if (error->domain != SMS_JOB_ERROR || error->code != c->code ||
		    strstr(error->message, c->msg) == NULL)
			g_error("case %" G_GSIZE_FORMAT ": expected job error %d with \"%s\", got %s %d "
			        "\"%s\"", i, c->code, c->msg, g_quark_to_string(error->domain),
			        error->code, error->message);
		g_assert_true(g_str_has_prefix(error->message, "test: "));
	}
	g_assert_cmpint(count(site, "SELECT count(*) FROM jobs"), ==, jobs_before);
}

static void
test_error_lines(void)
{
	/* a scenario's [Job] section: the message names the file and the key's line */
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GPtrArray) values = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	SmsJob *job = NULL;
	const char *kv[] = { "Type", "Run Command On Workstation", "Package", "A0100001",
	                     "Command", "Typical", "Target", "Machine Path: *|*|*",
	                     "Priority", "Soon" };
	for (int i = 0; i < 10; i += 2) {
		int line = 41 + i / 2;
		g_ptr_array_add(keys, (char *)kv[i]);
		g_ptr_array_add(values, (char *)kv[i + 1]);
		g_array_append_val(lines, line);
	}
	g_assert_false(sms_job_from_props(site, keys, values, lines, "scn.ini:40", &job, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_assert_cmpstr(error->message, ==, "scn.ini:45: Priority: expected High, Medium or Low, "
	                "got 'Soon'");
	g_clear_error(&error);
	/* a problem of the whole job: the section's line */
	g_ptr_array_set_size(keys, 3);
	g_ptr_array_set_size(values, 3);
	g_assert_false(sms_job_from_props(site, keys, values, lines, "scn.ini:40", &job, &error));
	g_assert_cmpstr(error->message, ==, "scn.ini:40: a Run Command job needs a Target "
	                "('Machine Path: SITE|DOMAIN|COMPUTER', 'Machine Group: NAME' or "
	                "'Query: EXPRESSION')");
}

static char *
insert(SmsSite *site, const char *start)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsJob) j = props(site, &error, RCOW_C, "StartAfter", start, NULL);
	g_assert_no_error(error);
	g_assert_true(sms_job_insert(site, j, &error));
	g_assert_no_error(error);
	return g_strdup(j->id);
}

static void
set_status(SmsSite *site, const char *id, SmsStatus s)
{
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_job_load(site, id, &j, &error));
	j->status = s;
	j->activated = T("1996-02-01 09:00");
	g_assert_true(sms_job_save_status(site, j, &error));
	g_assert_no_error(error);
}

static void
test_cancel(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *pending = insert(site, "1996-02-02 09:00");
	g_autofree char *active = insert(site, "1996-02-01 09:00");
	g_autofree char *done = insert(site, "1996-02-01 09:00");
	g_autoptr(SmsJob) j = NULL;

	/* Pending: Cancelled at once, it never starts */
	g_assert_true(sms_job_cancel(site, pending, T("1996-02-01 08:30"), &error));
	g_assert_no_error(error);
	g_assert_true(sms_job_load(site, pending, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_CANCELLED);
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_COMPLETE);
	g_assert_cmpint(j->cancel_requested, ==, T("1996-02-01 08:30"));
	g_assert_cmpint(j->finished, ==, T("1996-02-01 08:30"));
	g_clear_pointer(&j, sms_job_free);
	/* ... and not again */
	g_assert_false(sms_job_cancel(site, pending, T("1996-02-01 08:31"), &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
	g_clear_error(&error);

	/* Active: the cancel is requested; the Scheduler carries it out */
	set_status(site, active, SMS_STATUS_ACTIVE);
	g_assert_true(sms_job_cancel(site, active, T("1996-02-01 09:10"), &error));
	g_assert_true(sms_job_load(site, active, &j, NULL));
	g_assert_cmpint(j->status, ==, SMS_STATUS_ACTIVE);
	g_assert_cmpint(j->cancel_status, ==, SMS_STATUS_PENDING);
	g_assert_cmpint(j->cancel_requested, ==, T("1996-02-01 09:10"));
	g_clear_pointer(&j, sms_job_free);
	/* a second request changes nothing (the first time is kept) */
	g_assert_true(sms_job_cancel(site, active, T("1996-02-01 09:20"), &error));
	g_assert_true(sms_job_load(site, active, &j, NULL));
	g_assert_cmpint(j->cancel_requested, ==, T("1996-02-01 09:10"));
	g_clear_pointer(&j, sms_job_free);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'job.cancel'"), ==, 2);

	/* Complete, Failed: nothing to cancel */
	set_status(site, done, SMS_STATUS_COMPLETE);
	g_assert_false(sms_job_cancel(site, done, T("1996-02-01 09:30"), &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
	g_assert_nonnull(strstr(error->message, "is Complete: only Pending, Active or Retrying"));
	g_clear_error(&error);
	set_status(site, done, SMS_STATUS_FAILED);
	g_assert_false(sms_job_cancel(site, done, T("1996-02-01 09:30"), &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
	g_clear_error(&error);
	/* Retrying counts as active */
	set_status(site, done, SMS_STATUS_RETRYING);
	g_assert_true(sms_job_cancel(site, done, T("1996-02-01 09:30"), &error));
	g_assert_false(sms_job_cancel(site, "A01ZZZZZ", T("1996-02-01 09:30"), &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
}

static void
test_delete(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *pending = insert(site, "1996-02-02 09:00");
	g_autofree char *active = insert(site, "1996-02-01 09:00");
	g_autofree char *retrying = insert(site, "1996-02-01 09:00");
	g_autofree char *complete = insert(site, "1996-02-01 09:00");
	g_autofree char *sql = NULL;
	g_autoptr(SmsJob) j = NULL;

	/* detail rows of the Complete job go with it */
	sql = g_strdup_printf("INSERT INTO job_targets VALUES ('%s', 'NT01', 'A01', 'CORP', NULL);"
	                      "INSERT INTO job_site_detail VALUES ('%s', 'A01', 4, NULL, 0);"
	                      "INSERT INTO job_server_detail VALUES ('%s', 'A01', 'SRV01', 4, NULL, "
	                      "0, 0);"
	                      "INSERT INTO job_machine_detail VALUES ('%s', 'NT01', 'A01', 4, NULL, "
	                      "0);", complete, complete, complete, complete);
	g_assert_true(sms_db_exec(site->db, sql, &error));
	set_status(site, active, SMS_STATUS_ACTIVE);
	set_status(site, retrying, SMS_STATUS_RETRYING);
	set_status(site, complete, SMS_STATUS_COMPLETE);

	/* never an Active (or Retrying) job: cancel it first (KB Q168130) */
	g_assert_false(sms_job_delete(site, active, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
	g_assert_nonnull(strstr(error->message, "is Active: cancel it first"));
	g_clear_error(&error);
	g_assert_false(sms_job_delete(site, retrying, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE);
	g_clear_error(&error);
	g_assert_true(sms_job_load(site, active, &j, NULL));

	g_assert_true(sms_job_delete(site, pending, &error));
	g_assert_no_error(error);
	g_assert_true(sms_job_delete(site, complete, &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM jobs"), ==, 2);
	g_assert_cmpint(count(site, "SELECT (SELECT count(*) FROM job_targets) + (SELECT count(*) "
	                      "FROM job_site_detail) + (SELECT count(*) FROM job_server_detail) + "
	                      "(SELECT count(*) FROM job_machine_detail)"), ==, 0);
	g_assert_cmpint(count(site, "SELECT count(*) FROM status_messages WHERE event = "
	                      "'job.deleted'"), ==, 2);
	g_assert_false(sms_job_delete(site, pending, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* cancel, then delete: a Cancelled job may go */
	g_assert_true(sms_job_cancel(site, active, T("1996-02-01 09:10"), &error));
	j->status = SMS_STATUS_CANCELLED;
	g_assert_true(sms_job_save_status(site, j, &error));
	g_assert_true(sms_job_delete(site, active, &error));
	g_assert_no_error(error);
}

static void
test_status_names(void)
{
	g_assert_cmpstr(sms_status_name(SMS_STATUS_NONE), ==, "None");
	g_assert_cmpstr(sms_status_name(SMS_STATUS_RETRYING), ==, "Retrying");
	g_assert_cmpstr(sms_status_name(42), ==, "Unknown");
	g_assert_cmpstr(sms_job_type_name(SMS_JOB_REMOVE_PACKAGE), ==, "Remove Package From Server");
	g_assert_cmpstr(sms_priority_name(SMS_PRIORITY_LOW), ==, "Low");
	g_assert_cmpstr(sms_repeat_name(SMS_REPEAT_BIWEEKLY), ==, "Every Other Week");
}

/* ---- packages ---------------------------------------------------------------------- */

static void
test_import(void)
{
	g_autofree char *dir = NULL;
	g_autoptr(SmsSite) site = make_site(&dir);
	g_autoptr(SmsPackage) office = NULL, share = NULL, flags = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *pdf = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autofree char *bytes = NULL;
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	g_autofree char *src_abs = g_canonicalize_filename(src, NULL);
	gsize len;
	SmsPackageCommand *c;

	g_assert_true(sms_package_load(site, "A0100001", &office, &error));
	/* Name = Product + " " + Version, as the SDK's sample importer (pdf.cpp) set it */
	g_assert_cmpstr(office->name, ==, "Microsoft Office for Windows 95 Standard 7.0");
	g_assert_cmpstr(office->version, ==, "7.0");
	g_assert_cmpstr(office->source, ==, src_abs);              /* absolute */
	g_assert_cmpstr(office->server_source, ==, src_abs);       /* sharing: same source */
	g_assert_cmpstr(office->share_name, ==, "OFFICE95");
	g_assert_cmpstr(office->share_access, ==, "UserRead, GuestRead");
	g_assert_cmpint(office->created, ==, T("1996-02-01 08:00"));
	g_assert_cmpuint(office->commands->len, ==, 4);
	/* known by its CommandName (the WCL Folder's Name the SDK importer set) */
	g_assert_null(sms_package_command(office, "TYPICAL"));
	c = sms_package_command(office, "automated office 95 typical installation");
	g_assert_nonnull(c);
	g_assert_cmpstr(c->name, ==, "Automated Office 95 Typical installation");
	g_assert_cmpstr(c->variation, ==, "Typical");
	g_assert_cmpstr(c->command_line, ==, "setup.exe /B1 /Q1 /S OFF95STD.STF");
	g_assert_cmpuint(c->platforms, ==, SMS_PLATFORM_WIN95 | SMS_PLATFORM_WIN32_X86);
	g_assert_null(sms_package_command(office, "Deluxe"));
	/* the PDF is kept byte for byte (program items, inventory rules) */
	g_assert_true(sms_read_file(pdf, &bytes, &len, NULL));
	g_assert_cmpuint(office->pdf_text_len, ==, len);
	g_assert_cmpmem(office->pdf_text, office->pdf_text_len, bytes, len);

	g_assert_true(sms_package_load(site, "A0100002", &share, &error));
	g_assert_cmpuint(share->commands->len, ==, 0);
	g_assert_null(share->source);
	g_assert_cmpstr(share->server_source, ==, dir);
	g_assert_cmpstr(share->share_access, ==, "UserRead, UserWrite");

	/* flags of workstation command lines (notes §2.2) */
	g_assert_true(sms_package_load(site, "A0100003", &flags, &error));
	g_assert_null(flags->share_name);
	g_assert_cmpuint(sms_package_command(flags, "Ask")->flags, ==, SMS_CMD_USER_INPUT);
	g_assert_cmpuint(sms_package_command(flags, "Ask")->platforms, ==, SMS_PLATFORM_WIN16);
	g_assert_cmpuint(sms_package_command(flags, "Quiet")->flags, ==, SMS_CMD_AUTOMATED);
	g_assert_cmpuint(sms_package_command(flags, "Quiet")->platforms, ==,
	                 SMS_PLATFORM_DOS6 | SMS_PLATFORM_WIN95);
	g_assert_cmpuint(sms_package_command(flags, "Service")->flags, ==,
	                 SMS_CMD_AUTOMATED | SMS_CMD_BACKGROUND);
	g_assert_cmpuint(sms_package_command(flags, "Service")->platforms, ==,
	                 SMS_PLATFORM_WIN32_X86 | SMS_PLATFORM_WIN32_ALPHA);
	g_assert_cmpuint(sms_package_command(flags, "Reboot")->flags, ==,
	                 SMS_CMD_AUTOMATED | SMS_CMD_SYSTEM_EXIT);
	{
		g_autofree char *f = sms_command_flags_to_string(SMS_CMD_AUTOMATED | SMS_CMD_BACKGROUND |
		                                                 SMS_CMD_SYSTEM_EXIT);
		g_autofree char *a = sms_access_to_string(0xf);
		g_assert_cmpstr(f, ==, "automated, system (background) task, synchronous system exit");
		g_assert_cmpstr(a, ==, "UserRead, UserWrite, GuestRead, GuestWrite");
	}
}

static void
test_import_defaults(void)
{
	/* ImportDirectory / SetupDirectory are relative to the PDF; --name wins */
	g_autofree char *dir = NULL;
	g_autoptr(SmsSite) site = make_site(&dir);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = g_strconcat("[PDF]\nVersion=1.0\n[Package Definition]\nProduct=P\n"
	                                    "ImportDirectory=wks\nSetupDirectory=srv\n"
	                                    "SetupVariations=Go\n[Go Setup]\nCommandLine=go.bat\n"
	                                    "SupportedPlatforms=MS-DOS\n"
	                                    "[Setup Package for Sharing]\nShareName=GO\n", NULL);
	g_autofree char *pdf = sms_test_write(dir, "pkg/p.pdf", text);
	g_autofree char *wks = g_build_filename(dir, "pkg", "wks", NULL);
	g_autofree char *srv = g_build_filename(dir, "pkg", "srv", NULL);
	g_autofree char *id = NULL;
	g_autoptr(SmsPackage) p = NULL;
	g_assert_cmpint(g_mkdir(wks, 0755), ==, 0);
	g_assert_cmpint(g_mkdir(srv, 0755), ==, 0);
	g_assert_true(sms_package_import(site, pdf, NULL, NULL, "  Go Package ", &id, &error));
	g_assert_no_error(error);
	g_assert_true(sms_package_load(site, id, &p, &error));
	g_assert_cmpstr(p->name, ==, "Go Package");
	g_assert_cmpstr(p->source, ==, wks);
	g_assert_cmpstr(p->server_source, ==, srv);
	g_assert_cmpuint(sms_package_command(p, "Go")->platforms, ==, SMS_PLATFORM_MSDOS);
	g_clear_pointer(&id, g_free);
	g_assert_true(sms_package_resolve(site, "go package", &id, &error));
	g_assert_cmpstr(id, ==, "A0100004");
	g_clear_pointer(&id, g_free);
	g_assert_false(sms_package_resolve(site, "no such", &id, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_assert_null(id);
}

static void
test_import_errors(void)
{
	g_autofree char *dir = NULL;
	g_autoptr(SmsSite) site = make_site(&dir);
	g_autofree char *office = sms_test_srcpath("samples/packages/off95std.pdf");
	g_autofree char *src = sms_test_srcpath("samples/packages/office");
	g_autofree char *file = sms_test_write(dir, "plain.txt", "x");
	g_autofree char *missing = g_build_filename(dir, "nope", NULL);
	g_autofree char *bad = sms_test_write(dir, "bad.pdf", "[PDF]\nVersion=1.0\n"
	                                      "[Package Definition]\nProduct=X\n"
	                                      "SetupVariations=Typical\n");
	g_autofree char *wks = sms_test_write(dir, "wks.pdf", cmd_pdf);
	g_autofree char *shr = sms_test_write(dir, "shr.pdf", share_pdf);
	g_autofree char *id = NULL;
	int packages = count(site, "SELECT count(*) FROM packages");
	int commands = count(site, "SELECT count(*) FROM package_commands");
	struct {
		const char *pdf, *source, *server_source, *name;
		GQuark domain;
		int code;
		const char *msg;
	} cases[] = {
		{ office, missing, NULL, NULL, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		  "Workstations source directory" },
		{ office, file, NULL, NULL, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE, "is not a directory" },
		{ office, src, missing, NULL, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		  "Sharing source directory" },
		{ wks, NULL, NULL, NULL, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		  "has workstation command lines: give the Workstations source directory" },
		{ shr, NULL, NULL, NULL, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		  "has sharing properties: give the Sharing source directory" },
		{ office, src, NULL, " ", SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		  "the package name is empty" },
		{ bad, dir, NULL, NULL, SMS_PDF_ERROR, -1, "bad.pdf:" },
		{ missing, dir, NULL, NULL, SMS_ERROR, SMS_ERROR_IO, "nope" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_package_import(site, cases[i].pdf, cases[i].source,
		                                  cases[i].server_source, cases[i].name, &id, &error));
		g_assert_null(id);
		g_assert_nonnull(error);
		if (error->domain != cases[i].domain ||
		    (cases[i].code >= 0 && error->code != cases[i].code) ||
		    strstr(error->message, cases[i].msg) == NULL)
			g_error("case %" G_GSIZE_FORMAT ": expected %s %d \"%s\", got %s %d \"%s\"", i,
			        g_quark_to_string(cases[i].domain), cases[i].code, cases[i].msg,
			        g_quark_to_string(error->domain), error->code, error->message);
	}
	/* nothing stored, and no package ID used up */
	g_assert_cmpint(count(site, "SELECT count(*) FROM packages"), ==, packages);
	g_assert_cmpint(count(site, "SELECT count(*) FROM package_commands"), ==, commands);
	{
		g_autoptr(GError) error = NULL;
		g_assert_true(sms_package_import(site, office, src, NULL, NULL, &id, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(id, ==, "A0100004");
	}
}

/* ---- machine groups ---------------------------------------------------------------- */

static void
test_groups(void)
{
	g_autoptr(SmsSite) site = make_site(NULL);
	g_autoptr(GError) error = NULL;
	char *some[] = { "nt02", "W9502", "NT01", NULL };
	char *again[] = { "NT02", "nt03", NULL };
	char *unknown[] = { "NT04", "NOSUCH", NULL };
	char *none[] = { NULL };
	guint added = 99;

	g_assert_true(sms_machine_group_create(site, "Beta Testers", NULL, &error));
	g_assert_no_error(error);
	g_assert_true(sms_machine_group_create(site, "REMOTE", "b02", &error));
	g_assert_no_error(error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM machine_groups WHERE name = 'REMOTE' AND "
	                      "site = 'B02'"), ==, 1);
	/* names are case-insensitive: no second BETA TESTERS */
	g_assert_false(sms_machine_group_create(site, "BETA TESTERS", NULL, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(sms_machine_group_create(site, "pilot", NULL, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(sms_machine_group_create(site, "", NULL, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_machine_group_create(site, " padded", NULL, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(sms_machine_group_create(site, "tab\there", NULL, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "control character at offset 3"));
	g_clear_error(&error);
	g_assert_false(sms_machine_group_create(site, "X", "C03", &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(sms_machine_group_add(site, "beta testers", some, &added, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(added, ==, 3);
	g_assert_true(sms_machine_group_add(site, "Beta Testers", again, &added, &error));
	g_assert_cmpuint(added, ==, 1);     /* NT02 was a member already */
	/* all or nothing: NT04 is not added because NOSUCH is unknown */
	g_assert_false(sms_machine_group_add(site, "Beta Testers", unknown, &added, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "no computer 'NOSUCH' at site A01 (nothing was "
	                        "added to Beta Testers)"));
	g_assert_cmpuint(added, ==, 1);
	g_clear_error(&error);
	g_assert_cmpint(count(site, "SELECT count(*) FROM machine_group_members WHERE grp = "
	                      "'Beta Testers'"), ==, 4);
	g_assert_false(sms_machine_group_add(site, "GAMMA", some, &added, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(sms_machine_group_add(site, "PILOT", none, &added, &error));
	g_assert_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID);
	g_clear_error(&error);

	/* a job can target the new group, in any case */
	{
		g_autoptr(SmsJob) j = props(site, &error, RCOW, "Command", "Typical", "Target",
		                            "Machine Group: BETA TESTERS", NULL);
		g_assert_no_error(error);
		g_assert_cmpint(j->target_kind, ==, SMS_TARGET_MACHINE_GROUP);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/job/run-command-defaults", test_run_command_defaults);
	g_test_add_func("/job/every-property", test_every_property);
	g_test_add_func("/job/command-names", test_command_names);
	g_test_add_func("/job/share-and-remove", test_share_and_remove);
	g_test_add_func("/job/errors", test_errors);
	g_test_add_func("/job/error-lines", test_error_lines);
	g_test_add_func("/job/cancel", test_cancel);
	g_test_add_func("/job/delete", test_delete);
	g_test_add_func("/job/status-names", test_status_names);
	g_test_add_func("/package/import", test_import);
	g_test_add_func("/package/import-defaults", test_import_defaults);
	g_test_add_func("/package/import-errors", test_import_errors);
	g_test_add_func("/machine-group/create-add", test_groups);
	return g_test_run();
}
