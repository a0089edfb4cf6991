/* cmd-pcm.c -- pcm poll|run|list|execute|archive|messages (dump: cmd-dump.c). */
#include "commands.h"
#include "components.h"
#include "daemon.h"
#include "pcm.h"

#include <glib-unix.h>
#include <stdio.h>

static SmsPcmMode
cli_mode(SmsCli *cli)
{
	return cli->service ? SMS_PCM_MODE_SERVICE : SMS_PCM_MODE_APP;
}

static gboolean
open_ws(SmsCli *cli, SmsSite **out, char **machine, GError **error)
{
	sms_pcm_set_execute(cli->execute);
	if (!sms_cli_require_site(cli, error))
		return FALSE;
	if (cli->workstation == NULL)
		return sms_throw(error, SMS_ERROR_USAGE, "this command needs --workstation WKS");
	if (!sms_site_open(cli->site_dir, out, error))
		return FALSE;
	*machine = sms_strup(cli->workstation);
	return TRUE;
}

gboolean
sms_pcm_cmd_poll(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *m = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	gboolean all = FALSE;
	GOptionEntry entries[] = {
		{ "all-workstations", 0, 0, G_OPTION_ARG_NONE, &all, "run what is due on every "
		  "registered workstation of the site (polls, countdowns, running commands; PCMWIN32 "
		  "and PCMSVC32 alike)", NULL },
		{ NULL }
	};
	if (!sms_cli_parse(cli, "poll", NULL, "One check of the logon server's instruction file "
	                   "(as at logon or when the polling interval elapsed), then the list.",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "poll: unexpected argument '%s'", argv[1]);
	if (all) {
		sms_pcm_set_execute(cli->execute);
		if (!sms_cli_require_site(cli, error) || !sms_site_open(cli->site_dir, &site, error))
			return FALSE;
		return sms_pcm_site_pass(site, sms_site_now(site), error);
	}
	if (!open_ws(cli, &site, &m, error) ||
	    !sms_pcm_check(site, m, cli_mode(cli), sms_site_now(site), error) ||
	    !sms_pcm_list(site, m, cli->json, o, error))
		return FALSE;
	fputs(o->str, stdout);
	return TRUE;
}

typedef struct {
	SmsSite *site;
	char *machine;           /* NULL: every workstation of the site */
	SmsPcmMode mode;
	GMainLoop *loop;
	gboolean reload;
	const char *stop_reason;
} Run;

static gboolean
tick(gpointer data)
{
	Run *r = data;
	g_autoptr(GError) error = NULL;
	SmsTime now = sms_site_now(r->site);
	gboolean ok = TRUE;
	if (r->reload) {
		r->reload = FALSE;
		if (r->machine && !sms_pcm_reload(r->site, r->machine, now, &error)) {
			g_printerr("pcm: re-reading SMS.INI: %s\n", error->message);
			g_clear_error(&error);
		} else {
			sms_log(r->site, "pcm", now, "%s: settings re-read (SIGHUP)",
			        r->machine ? r->machine : "all workstations");
		}
	}
	/* wakes every tick (60 s of a real PCM); acts when something is due on the clock */
	if (r->machine)
		ok = sms_pcm_client_pass(r->site, r->machine, r->mode, now, &error);
	else if (sms_pcm_site_next_wakeup(r->site, now) <= now)
		ok = sms_pcm_site_pass(r->site, now, &error);
	if (!ok) {
		sms_log(r->site, "pcm", now, "check failed, retrying: %s", error->message);
		g_printerr("pcm: %s\n", error->message);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
on_quit(gpointer data)
{
	Run *r = data;
	r->stop_reason = "signal";
	g_main_loop_quit(r->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer data)
{
	((Run *)data)->reload = TRUE;
	return G_SOURCE_CONTINUE;
}

gboolean
sms_pcm_cmd_run(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *machine = NULL;
	gboolean all = FALSE;
	Run r = { 0 };
	guint s1, s2, s3, t;
	int lock = -1;
	g_autofree char *lock_name = NULL;
	GOptionEntry entries[] = {
		{ "all-workstations", 0, 0, G_OPTION_ARG_NONE, &all, "one daemon for every "
		  "registered workstation of the site (PCMWIN32 and PCMSVC32 alike)", NULL },
		{ NULL }
	};
	if (!sms_cli_parse(cli, "run", NULL, "The client daemon: wakes every second of wall time, "
	                   "checks every PollingInterval minutes of the site clock and at logon, "
	                   "runs due commands; SIGHUP re-reads SMS.INI, SIGTERM stops.", entries,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "run: unexpected argument '%s'", argv[1]);
	if (all) {
		sms_pcm_set_execute(cli->execute);
		if (!sms_cli_require_site(cli, error) || !sms_site_open(cli->site_dir, &site, error))
			return FALSE;
	} else if (!open_ws(cli, &site, &machine, error)) {
		return FALSE;
	}
	/* one PCM per workstation (and one for all of them) */
	lock_name = machine ? g_strdup_printf("pcm-%s", machine) : g_strdup("pcm-all");
	if (!sms_daemon_lock(site, lock_name, &lock, error))
		return FALSE;
	/* PCM starts: a check now (fails if the workstation never logged on) */
	if (machine && !sms_pcm_check(site, machine, cli_mode(cli), sms_site_now(site), error)) {
		sms_daemon_unlock(lock);
		return FALSE;
	}
	r.site = site;
	r.machine = machine;
	r.mode = all ? SMS_PCM_MODE_ALL : cli_mode(cli);
	r.loop = g_main_loop_new(NULL, FALSE);
	s1 = g_unix_signal_add(SIGTERM, on_quit, &r);
	s2 = g_unix_signal_add(SIGINT, on_quit, &r);
	s3 = g_unix_signal_add(SIGHUP, on_hup, &r);
	sms_log(site, "pcm", SMS_TIME_NONE, "%s started for %s", cli->service ? "PCMSVC32" :
	        "PCM", machine ? machine : "every workstation");
	t = g_timeout_add(sms_daemon_tick_ms(), tick, &r);
	g_main_loop_run(r.loop);
	g_source_remove(t);
	g_source_remove(s1);
	g_source_remove(s2);
	g_source_remove(s3);
	g_main_loop_unref(r.loop);
	sms_daemon_unlock(lock);
	sms_log(site, "pcm", SMS_TIME_NONE, "pcm stopping (%s)", r.stop_reason ? r.stop_reason :
	        "done");
	return TRUE;
}

gboolean
sms_pcm_cmd_list(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *m = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	if (!sms_cli_parse(cli, "list", NULL, "Pending, Executed and Archived commands with their "
	                   "offer, mandatory and expiry times.", NULL, &argc, &argv, error) ||
	    !open_ws(cli, &site, &m, error) || !sms_pcm_list(site, m, cli->json, o, error))
		return FALSE;
	fputs(o->str, stdout);
	return TRUE;
}

static gboolean
job_action(SmsCli *cli, int argc, char **argv, gboolean execute, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *m = NULL;
	if (!sms_cli_parse(cli, execute ? "execute" : "archive", "JOB", execute ?
	                   "Run an offered command now." : "Move a command to Archived.", NULL,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "expected a job ID");
	if (!open_ws(cli, &site, &m, error))
		return FALSE;
	if (execute ? !sms_pcm_execute(site, m, argv[1], sms_site_now(site), error)
	            : !sms_pcm_archive(site, m, argv[1], sms_site_now(site), error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{\"workstation\":");
		sms_json_append_string(o, m);
		g_string_append(o, ",\"job\":");
		sms_json_append_string(o, argv[1]);
		g_string_append(o, ",\"action\":");
		sms_json_append_string(o, execute ? "started" : "archived");
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else {
		g_print("%s: job %s %s\n", m, argv[1], execute ? "started" : "archived");
	}
	return TRUE;
}

gboolean
sms_pcm_cmd_execute(SmsCli *cli, int argc, char **argv, GError **error)
{
	return job_action(cli, argc, argv, TRUE, error);
}

gboolean
sms_pcm_cmd_archive(SmsCli *cli, int argc, char **argv, GError **error)
{
	return job_action(cli, argc, argv, FALSE, error);
}

gboolean
sms_pcm_cmd_messages(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *m = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	if (!sms_cli_parse(cli, "messages", NULL, "Messages the site sent to this workstation's "
	                   "user (forced-disconnect warnings, ...).", NULL, &argc, &argv, error) ||
	    !open_ws(cli, &site, &m, error) || !sms_pcm_messages(site, m, cli->json, o, error))
		return FALSE;
	fputs(o->str, stdout);
	return TRUE;
}
