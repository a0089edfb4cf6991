/* test-smsini.c -- SMS.INI: the real sample, saving with unknown keys kept, repairs with
 * warnings, SMS ID salvage, refusing values that cannot be written. */
#include "common.h"
#include "smsini.h"
#include "testlib.h"

#include <sys/stat.h>

int main(int argc, char **argv);

/* RG:S3D58.HTM, abridged, with its CRLF line ends and the stray blank before [Sight]. */
static const char sample[] =
	"[Package Command Manager]\r\n"
	"InstructionSharePoint=pcmins.box\r\n"
	"ResultSharePoint=despoolr.box\r\n"
	"LocalRegistryLocation=C:\\MS\\SMS\\DATA\\pcmhist.reg\r\n"
	"PollingInterval=60\r\n"
	"\r\n"
	"[Servers]\r\n"
	"Domain=S1DOMAIN\r\n"
	"CurrentLogonServer=STEVEBDC\r\n"
	"Server1=STEVEBDC\r\n"
	"Server2=STEVEPDC\r\n"
	"\r\n"
	"[Share]\r\n"
	"CurrentLogonServer=SMS_SHR\r\n"
	"Server1=SMS_SHR\r\n"
	"Server2=SMS_SHR\r\n"
	"\r\n"
	"[SMS]\r\n"
	"BuildNo=786\r\n"
	"SiteCode=SKZ\r\n"
	"SMS Unique ID=SKZ01000\r\n"
	"LastLogonServerPath=\\\\STEVEPDC\\SMS_SHR\r\n"
	"UniqueIdPath=\\\\STEVEPDC\\SMS_SHR\\SMSID\\\r\n"
	"LastSoftwareScan=19960715135536.000000+000\r\n"
	"SlowNetFlag=no\r\n"
	"\r\n"
	"[Local]\r\n"
	"SetupPhase=installed\r\n"
	"NetCardID=52:41:53:48:00:01\r\n"
	"MachineName=STEVEK1\r\n"
	"ShowPCMIntroDialog=FALSE\r\n"
	"LastPCMFileTime=837217035\r\n"
	"\r\n"
	" [Sight]\r\n"
	"Allow Takeover=Yes\r\n"
	"\r\n"
	"[LogonHistory]\r\n"
	"LastLoggedUser=stevek\r\n"
	"Counter=0\r\n";

static void
print_warnings(const SmsSmsIni *s)
{
	for (guint i = 0; i < s->warnings->len; i++)
		g_test_message("warning: %s", (char *)s->warnings->pdata[i]);
}

static gboolean
has_warning(const SmsSmsIni *s, const char *text)
{
	for (guint i = 0; i < s->warnings->len; i++)
		if (strstr(s->warnings->pdata[i], text))
			return TRUE;
	print_warnings(s);
	g_test_message("no warning with '%s'", text);
	return FALSE;
}

static char *
read_text(const char *path)
{
	char *s = NULL;
	g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
	return s;
}

static void
test_sample(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "SMS.INI", sample);
	g_autoptr(SmsSmsIni) s = NULL;
	g_autoptr(SmsSmsIni) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gboolean changed;
	g_assert_true(sms_smsini_load(path, &s, &error));
	print_warnings(s);
	g_assert_cmpuint(s->warnings->len, ==, 0);
	g_assert_cmpstr(s->sms_id, ==, "SKZ01000");
	g_assert_cmpstr(s->site_code, ==, "SKZ");
	g_assert_cmpstr(s->domain, ==, "S1DOMAIN");
	g_assert_cmpstr(s->current_logon_server, ==, "STEVEBDC");
	g_assert_cmpuint(s->servers->len, ==, 2);
	g_assert_cmpstr(s->servers->pdata[1], ==, "STEVEPDC");
	g_assert_cmpstr(s->instruction_share, ==, "pcmins.box");
	g_assert_cmpstr(s->result_share, ==, "despoolr.box");
	g_assert_cmpstr(s->local_registry, ==, "C:\\MS\\SMS\\DATA\\pcmhist.reg");
	g_assert_cmpint(s->polling_interval, ==, 60);
	g_assert_cmpstr(s->last_logon_server_path, ==, "\\\\STEVEPDC\\SMS_SHR");
	g_assert_cmpstr(s->machine_name, ==, "STEVEK1");
	g_assert_cmpstr(s->setup_phase, ==, "installed");
	g_assert_cmpint(s->last_pcm_file_time, ==, 837217035);
	g_assert_false(s->show_pcm_intro_dialog);
	g_assert_false(s->disable_pcm_countdown);
	g_assert_cmpstr(s->last_logged_user, ==, "stevek");
	/* saved: every unknown key kept where it was, the known ones with real names */
	g_assert_true(sms_smsini_save(s, SMS_SYNC_NONE, &changed, &error));
	g_assert_no_error(error);
	text = read_text(path);
	g_assert_nonnull(strstr(text, "[SMS]\nBuildNo=786\nSiteCode=SKZ\nSMS Unique ID=SKZ01000\n"
	                              "LastLogonServerPath=\\\\STEVEPDC\\SMS_SHR\n"));
	g_assert_nonnull(strstr(text, "[Sight]\nAllow Takeover=Yes\n"));
	g_assert_nonnull(strstr(text, "NetCardID=52:41:53:48:00:01\n"));
	g_assert_nonnull(strstr(text, "ShowPCMIntroDialog=FALSE\nLastPCMFileTime=837217035\n"));
	g_assert_nonnull(strstr(text, "[LogonHistory]\nLastLoggedUser=stevek\nCounter=0\n"));
	g_assert_null(strstr(text, "DisablePCMCountdown"));   /* optional keys stay absent */
	/* reloading and saving again changes nothing */
	g_assert_true(sms_smsini_load(path, &again, &error));
	g_assert_cmpuint(again->warnings->len, ==, 0);
	g_assert_true(sms_smsini_save(again, SMS_SYNC_FILE, &changed, &error));
	g_assert_false(changed);
}

static void
test_new_client(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "SMS.INI", NULL);
	g_autoptr(SmsSmsIni) s = sms_smsini_new(path);
	g_autoptr(SmsSmsIni) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gboolean changed;
	g_assert_false(sms_smsini_load(path, &back, &error));
	g_assert_error(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_NOT_FOUND);
	g_clear_error(&error);
	s->sms_id = g_strdup("A0101000");
	s->site_code = g_strdup("A01");
	s->domain = g_strdup("SALES");
	s->current_logon_server = g_strdup("SRV01");
	g_ptr_array_add(s->servers, g_strdup("SRV01"));
	g_ptr_array_add(s->servers, g_strdup("SRV02"));
	s->machine_name = g_strdup("AHEAD");
	s->setup_phase = g_strdup("installed");
	s->last_logged_user = g_strdup("alice");
	g_assert_true(sms_smsini_save(s, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	text = read_text(path);
	g_assert_cmpstr(text, ==,
	                "[Package Command Manager]\nInstructionSharePoint=pcins.box\n"
	                "ResultSharePoint=despoolr.box\nPollingInterval=60\n\n"
	                "[Servers]\nDomain=SALES\nCurrentLogonServer=SRV01\nServer1=SRV01\n"
	                "Server2=SRV02\n\n"
	                "[Share]\nCurrentLogonServer=SMS_SHR\nServer1=SMS_SHR\nServer2=SMS_SHR\n\n"
	                "[SMS]\nSiteCode=A01\nSMS Unique ID=A0101000\n\n"
	                "[Local]\nSetupPhase=installed\nMachineName=AHEAD\n\n"
	                "[LogonHistory]\nLastLoggedUser=alice\n");
	g_assert_true(sms_smsini_load(path, &back, &error));
	print_warnings(back);
	g_assert_cmpuint(back->warnings->len, ==, 0);
	g_assert_cmpstr(back->sms_id, ==, "A0101000");
	/* PCM options: written back with the real names; at most 8 servers */
	back->polling_interval = 30;
	back->disable_pcm_countdown = TRUE;
	back->last_pcm_file_time = 820486800;
	back->pcm_reminder_interval = 90;
	back->disable_random_pcm_servers = g_strdup("PREFERREDFIRST");
	g_ptr_array_set_size(back->servers, 0);
	for (int i = 0; i < 10; i++)
		g_ptr_array_add(back->servers, g_strdup_printf("SRV%02d", i + 1));
	g_assert_true(sms_smsini_save(back, SMS_SYNC_NONE, &changed, &error));
	g_free(text);
	text = read_text(path);
	g_assert_nonnull(strstr(text, "PollingInterval=30\n"));
	g_assert_nonnull(strstr(text, "[Local]\nSetupPhase=installed\nMachineName=AHEAD\n"
	                              "LastPCMFileTime=820486800\nDisablePCMCountdown=TRUE\n"
	                              "PCMPackageReminderInterval=90\n"
	                              "DisableRandomPCMServers=PREFERREDFIRST\n"));
	g_assert_nonnull(strstr(text, "Server8=SRV08\n\n[Share]"));
	g_assert_null(strstr(text, "Server9"));
	g_assert_nonnull(strstr(text, "Server2=SMS_SHR\nServer3=SMS_SHR\n"));
	/* unset again: the optional keys go away */
	back->disable_pcm_countdown = FALSE;
	back->pcm_reminder_interval = 0;
	g_clear_pointer(&back->disable_random_pcm_servers, g_free);
	g_assert_true(sms_smsini_save(back, SMS_SYNC_NONE, &changed, &error));
	g_free(text);
	text = read_text(path);
	g_assert_nonnull(strstr(text, "DisablePCMCountdown=FALSE\n"));   /* was there: kept */
	g_assert_null(strstr(text, "PCMPackageReminderInterval"));
	g_assert_null(strstr(text, "DisableRandomPCMServers"));
}

static void
test_repairs(void)
{
	static const char garbled[] =
		"[SMS\n"                                   /* 1 */
		"SMS Unique ID=skz01000\n"                 /* 2 */
		"SiteCode=SKZ\n"                           /* 3 */
		"garbage line without equals\n"            /* 4 */
		"[Package Command Manager]\n"              /* 5 */
		"PollingInterval=abc\n"                    /* 6 */
		"InstructionSharePoint=..\\..\\x\n"        /* 7 */
		"ResultSharePoint=despoolr.box\n"          /* 8 */
		"LastPCMFileTime=837217035\n"              /* 9 */
		"[Servers] trailing\n"                     /* 10 */
		"Domain=S1DOMAIN\n"                        /* 11 */
		"=novalue\n"                               /* 12 */
		"Server2=B\n"                              /* 13 */
		"Server1=A\n"                              /* 14 */
		"[Local]\n"                                /* 15 */
		"DisablePCMCountdown=maybe\n"              /* 16 */
		"PCMPackageReminderInterval=-5\n"          /* 17 */
		"DisableRandomPCMServers=sometimes\n"      /* 18 */
		"[SMS]\n"                                  /* 19 */
		"SMS Unique ID=ZZZ99999\n"                 /* 20 */
		"Extra=kept\n";                            /* 21 */
	g_autoptr(SmsSmsIni) s = sms_smsini_parse("W/SMS.INI", garbled, sizeof garbled - 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize len;
	print_warnings(s);
	g_assert_cmpstr(s->sms_id, ==, "SKZ01000");
	g_assert_cmpstr(s->site_code, ==, "SKZ");
	g_assert_cmpstr(s->domain, ==, "S1DOMAIN");
	g_assert_cmpint(s->polling_interval, ==, 60);
	g_assert_cmpstr(s->instruction_share, ==, "pcins.box");
	g_assert_cmpint(s->last_pcm_file_time, ==, 837217035);
	g_assert_false(s->disable_pcm_countdown);
	g_assert_cmpint(s->pcm_reminder_interval, ==, 0);
	g_assert_null(s->disable_random_pcm_servers);
	g_assert_cmpuint(s->servers->len, ==, 2);
	g_assert_cmpstr(s->servers->pdata[0], ==, "A");   /* by number, not by line */
	g_assert_true(has_warning(s, "W/SMS.INI:1: expected ']' to close the section name; "
	                             "read as [SMS]"));
	g_assert_true(has_warning(s, "W/SMS.INI:2: SMS Unique ID 'skz01000' read as SKZ01000"));
	g_assert_true(has_warning(s, "W/SMS.INI:4: expected 'name = value' or '[section]'; "
	                             "line dropped"));
	g_assert_true(has_warning(s, "W/SMS.INI:6: PollingInterval: "));
	g_assert_true(has_warning(s, "W/SMS.INI:7: InstructionSharePoint: expected a directory "
	                             "name, got '..\\..\\x'; using pcins.box"));
	g_assert_true(has_warning(s, "W/SMS.INI:9: LastPCMFileTime belongs in [Local]; moved"));
	g_assert_true(has_warning(s, "W/SMS.INI:10: unexpected text after ']'; read as [Servers]"));
	g_assert_true(has_warning(s, "W/SMS.INI:12: empty name before '='; line dropped"));
	g_assert_true(has_warning(s, "W/SMS.INI:16: DisablePCMCountdown: expected TRUE or FALSE, "
	                             "got 'maybe'; using FALSE"));
	g_assert_true(has_warning(s, "W/SMS.INI:17: PCMPackageReminderInterval: "));
	g_assert_true(has_warning(s, "W/SMS.INI:18: DisableRandomPCMServers: expected LOCALONLY"));
	g_assert_true(has_warning(s, "W/SMS.INI:19: [SMS] given again (first at line 1)"));
	g_assert_true(has_warning(s, "W/SMS.INI:20: SMS Unique ID given again in [SMS]; the value "
	                             "of line 2 is used"));
	/* the repaired file is clean and keeps the unknown key of the second [SMS] */
	text = sms_smsini_to_data(s, &len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(text, "Extra=kept\n"));
	g_assert_null(strstr(text, "ZZZ99999"));
	g_assert_null(strstr(text, "garbage"));
	{
		g_autoptr(SmsSmsIni) back = sms_smsini_parse("W/SMS.INI", text, len);
		print_warnings(back);
		g_assert_cmpuint(back->warnings->len, ==, 0);
		g_assert_cmpstr(back->sms_id, ==, "SKZ01000");
	}
}

static void
test_smsid(void)
{
	g_assert_true(sms_smsid_is_valid("SKZ01000"));
	g_assert_true(sms_smsid_is_valid("A01Y0ZZZ"));
	g_assert_false(sms_smsid_is_valid("SKZ0100"));
	g_assert_false(sms_smsid_is_valid("skz01000"));
	g_assert_false(sms_smsid_is_valid("SKZ-1000"));
	g_assert_false(sms_smsid_is_valid(NULL));
	/* a garbled ID is dropped: the caller allocates a new one */
	{
		static const char t[] = "[SMS]\nSMS Unique ID=SKZ0\n";
		g_autoptr(SmsSmsIni) s = sms_smsini_parse("SMS.INI", t, sizeof t - 1);
		g_assert_null(s->sms_id);
		g_assert_true(has_warning(s, "SMS.INI:2: SMS Unique ID: expected 8 letters and "
		                             "digits (site code, range, sequence), got 'SKZ0'; dropped"));
	}
	/* an ID in a line that is otherwise lost (no section yet, NUL bytes) is kept */
	{
		static const char t[] = "SMS Unique ID = A0101234\n[SMS]\nSiteCode=A01\n";
		g_autoptr(SmsSmsIni) s = sms_smsini_parse("SMS.INI", t, sizeof t - 1);
		g_assert_cmpstr(s->sms_id, ==, "A0101234");
		g_assert_true(has_warning(s, "SMS.INI:1: 'name = value' before any [section]; "
		                             "line dropped"));
		g_assert_true(has_warning(s, "SMS.INI:1: SMS Unique ID A0101234 recovered"));
	}
	{
		static const char t[] = "[SMS]\nSMS Unique ID=A0101235\0\x01\x02\n";
		g_autoptr(SmsSmsIni) s = sms_smsini_parse("SMS.INI", t, sizeof t - 1);
		g_assert_cmpstr(s->sms_id, ==, "A0101235");
		g_assert_true(has_warning(s, "SMS.INI:2: NUL byte in text file; line dropped"));
	}
	/* nothing at all */
	{
		g_autoptr(SmsSmsIni) s = sms_smsini_parse("SMS.INI", "", 0);
		g_assert_null(s->sms_id);
		g_assert_true(has_warning(s, "no SMS Unique ID in [SMS]: a new one has to be "
		                             "allocated"));
		g_assert_true(has_warning(s, "no PollingInterval in [Package Command Manager]; "
		                             "using 60"));
	}
}

static void
test_garbage(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	for (int round = 0; round < 50; round++) {
		gsize n = (gsize)g_rand_int_range(rand, 0, 4096);
		g_autofree char *data = g_malloc(n + 1);
		g_autoptr(SmsSmsIni) s = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL;
		gsize len;
		for (gsize i = 0; i < n; i++)
			data[i] = (char)(round % 2 ? g_rand_int_range(rand, 0, 256)
			                           : "[]=\n ;abcSMS Unique ID"[g_rand_int_range(rand, 0, 23)]);
		s = sms_smsini_parse("SMS.INI", data, n);
		text = sms_smsini_to_data(s, &len, &error);
		/* whatever came in, what goes out reads back without a single repair (but the
		 * missing SMS ID, which only the logon server can give) */
		g_assert_no_error(error);
		g_assert_nonnull(text);
		{
			g_autoptr(SmsSmsIni) back = sms_smsini_parse("SMS.INI", text, len);
			print_warnings(back);
			g_assert_cmpuint(back->warnings->len, ==, s->sms_id ? 0 : 1);
			g_assert_cmpstr(back->sms_id, ==, s->sms_id);
			g_assert_cmpint(back->polling_interval, ==, s->polling_interval);
		}
	}
}

static void
test_invalid_save(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = sms_test_write(dir, "SMS.INI", sample);
	g_autofree char *before = read_text(path);
	g_autofree char *after = NULL;
	g_autoptr(SmsSmsIni) s = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_true(sms_smsini_load(path, &s, &error));
	g_free(s->machine_name);
	s->machine_name = g_strdup("EVIL\n[SMS]\nSMS Unique ID=EVIL0000");
	g_assert_false(sms_smsini_save(s, SMS_SYNC_NONE, NULL, &error));
	g_assert_error(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "MachineName: expected one line of text"));
	g_clear_error(&error);
	g_clear_pointer(&s->machine_name, g_free);
	g_free(s->sms_id);
	s->sms_id = g_strdup("short");
	g_assert_false(sms_smsini_save(s, SMS_SYNC_NONE, NULL, &error));
	g_assert_error(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID);
	g_clear_error(&error);
	g_clear_pointer(&s->sms_id, g_free);
	s->polling_interval = 0;
	g_assert_false(sms_smsini_save(s, SMS_SYNC_NONE, NULL, &error));
	g_assert_nonnull(strstr(error->message, "PollingInterval: expected 1-10080 minutes"));
	after = read_text(path);
	g_assert_cmpstr(before, ==, after);   /* nothing written */
}

/* The simulator's cache of SMS.INI bytes: every change made outside load/save is seen
 * (a new file by rename, an in-place rewrite, a deletion), an unchanged save leaves the
 * file alone, and a changed one writes it. */
static void
test_cache(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "SMS.INI", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsSmsIni) a = NULL;
	g_autoptr(SmsSmsIni) b = NULL;
	g_autoptr(SmsSmsIni) c = NULL;
	g_autoptr(SmsSmsIni) d = NULL;
	g_autoptr(SmsSmsIni) e = NULL;
	g_autofree char *text = NULL;
	struct stat st1, st2;
	gboolean changed = TRUE;

	sms_smsini_cache_enable(TRUE);
	g_assert_true(g_file_set_contents(path, "[SMS]\nSMS Unique ID=A0101000\n", -1, NULL));
	g_assert_true(sms_smsini_load(path, &a, &error));
	g_assert_cmpstr(a->sms_id, ==, "A0101000");
	/* replaced by another writer (temp + rename: a new inode) */
	g_assert_true(g_file_set_contents(path, "[SMS]\nSMS Unique ID=A0101001\n", -1, NULL));
	g_assert_true(sms_smsini_load(path, &b, &error));
	g_assert_cmpstr(b->sms_id, ==, "A0101001");
	/* rewritten in place, other size */
	{
		FILE *f = fopen(path, "w");
		g_assert_nonnull(f);
		fputs("[SMS]\nSMS Unique ID=A0101002\n[Local]\nMachineName=W1\n", f);
		fclose(f);
	}
	g_assert_true(sms_smsini_load(path, &c, &error));
	g_assert_cmpstr(c->sms_id, ==, "A0101002");
	g_assert_cmpstr(c->machine_name, ==, "W1");
	/* a save of the same bytes leaves the file as it is; a change is written */
	g_assert_true(sms_smsini_save(c, SMS_SYNC_NONE, NULL, &error));
	g_assert_cmpint(stat(path, &st1), ==, 0);
	g_assert_true(sms_smsini_save(c, SMS_SYNC_NONE, &changed, &error));
	g_assert_false(changed);
	g_assert_cmpint(stat(path, &st2), ==, 0);
	g_assert_cmpuint(st1.st_ino, ==, st2.st_ino);
	g_free(c->machine_name);
	c->machine_name = g_strdup("W2");
	g_assert_true(sms_smsini_save(c, SMS_SYNC_NONE, &changed, &error));
	g_assert_true(changed);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "MachineName=W2"));
	g_assert_true(sms_smsini_load(path, &d, &error));
	g_assert_cmpstr(d->machine_name, ==, "W2");
	/* deleted: a new client again */
	g_assert_cmpint(unlink(path), ==, 0);
	g_assert_false(sms_smsini_load(path, &e, &error));
	g_assert_error(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_NOT_FOUND);
	sms_smsini_cache_enable(FALSE);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/smsini/sample", test_sample);
	g_test_add_func("/smsini/new-client", test_new_client);
	g_test_add_func("/smsini/repairs", test_repairs);
	g_test_add_func("/smsini/smsid", test_smsid);
	g_test_add_func("/smsini/garbage", test_garbage);
	g_test_add_func("/smsini/invalid-save", test_invalid_save);
	g_test_add_func("/smsini/cache", test_cache);
	return g_test_run();
}
