/* cmd-despooler.c -- despooler run|poll|pause|continue|status|share. */
#include "commands.h"
#include "components.h"
#include "daemon.h"
#include "db.h"
#include "despooler.h"
#include "share.h"

#include <stdio.h>

static const SmsDaemon despooler_daemon = {
	"despooler",
	{ sms_despooler_pass, NULL },
	{ sms_despooler_next_wakeup, NULL },
	sms_despooler_reload,
};

static gboolean
open_site(SmsCli *cli, SmsSite **out, GError **error)
{
	return sms_cli_require_site(cli, error) && sms_site_open(cli->site_dir, out, error);
}

gboolean
sms_despooler_cmd_run(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "run", NULL, "Run the Despooler on the site's Service Response "
	                   "interval until SIGTERM; SIGHUP re-reads its registry settings.", NULL,
	                   &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	{
		g_autoptr(SmsSite) site = NULL;
		if (!sms_site_open(cli->site_dir, &site, error) ||
		    !sms_despooler_restart(site, sms_site_now(site), error))
			return FALSE;
	}
	return sms_daemon_run(cli->site_dir, &despooler_daemon, error);
}

gboolean
sms_despooler_cmd_poll(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "poll", NULL, "One Despooler pass at the site clock's current time.",
	                   NULL, &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	return sms_daemon_poll(cli->site_dir, &despooler_daemon, error);
}

static gboolean
set_paused(SmsCli *cli, int argc, char **argv, gboolean pause, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	if (!sms_cli_parse(cli, pause ? "pause" : "continue", NULL, pause ?
	                   "Pause the Despooler (as pausing SMS_DESPOOLER in Services)." :
	                   "Continue a paused Despooler; it re-reads its registry settings.", NULL,
	                   &argc, &argv, error) ||
	    !open_site(cli, &site, error) ||
	    !sms_despooler_set_paused(site, pause, sms_site_now(site), error))
		return FALSE;
	if (cli->json)
		g_print("{\"component\":\"SMS_DESPOOLER\",\"paused\":%s}\n", pause ? "true" : "false");
	else
		g_print("SMS_DESPOOLER %s\n", pause ? "paused" : "continued");
	return TRUE;
}

gboolean
sms_despooler_cmd_pause(SmsCli *cli, int argc, char **argv, GError **error)
{
	return set_paused(cli, argc, argv, TRUE, error);
}

gboolean
sms_despooler_cmd_continue(SmsCli *cli, int argc, char **argv, GError **error)
{
	return set_paused(cli, argc, argv, FALSE, error);
}

gboolean
sms_despooler_cmd_status(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	sqlite3_stmt *st;
	gboolean row;
	SmsTime x;
	g_autoptr(GString) json = g_string_new(NULL);
	if (!sms_cli_parse(cli, "status", NULL, "Pending installs and removals, retry counts, and "
	                   "forced-delivery times.", NULL, &argc, &argv, error) ||
	    !open_site(cli, &site, error))
		return FALSE;
	if (!sms_despooler_ensure_schema(site, error))
		return FALSE;
	x = sms_response_retry_minutes(site->self->response);
	st = sms_db_stmt(site->db, "SELECT w.job, w.server, w.kind, w.state, w.t0, w.retries, "
	                 "w.next_attempt, w.forced_at, w.detail, s.forced, s.retries, s.delay FROM "
	                 "desp_work w, desp_settings s ORDER BY w.job, w.server", error);
	if (st == NULL)
		return FALSE;
	if (!cli->json)
		g_print("%-9s %-12s %-8s %-10s %-7s %-19s %-19s %s\n", "JOB", "SERVER", "KIND", "STATE",
		        "RETRY", "NEXT ATTEMPT", "FORCED DELIVERY", "DETAIL");
	else
		g_string_append_c(json, '[');
	while (sms_db_step(site->db, st, &row, error) && row) {
		static const char *states[] = { "Pending", "Retrying", "Done", "Failed", "Revoked",
			"Cancelled" };
		int s = sqlite3_column_int(st, 3), retries = sqlite3_column_int(st, 5);
		char a[24], b[24];
		SmsTime next = sms_db_col_time(st, 6);
		gint64 y = sqlite3_column_int64(st, 10), z = sqlite3_column_int64(st, 11);
		gboolean forced = sqlite3_column_int(st, 9) && g_strcmp0(sms_db_col_ctext(st, 2),
		                                                         "install") == 0;
		SmsTime fd = SMS_TIME_NONE;
		/* the retry that revokes is number y + 1; the delivery z minutes after it */
		if (forced && s == 4)
			fd = sms_db_col_time(st, 7);
		else if (forced && s == 1 && next != SMS_TIME_NONE)
			fd = next + (MAX(0, y - retries) * x + z) * SMS_MINUTE;
		sms_time_format_buf(next, a);
		sms_time_format_buf(fd, b);
		if (cli->json) {
			g_string_append_printf(json, "%s{\"job\":", json->len > 1 ? "," : "");
			sms_json_append_string(json, sms_db_col_ctext(st, 0));
			g_string_append(json, ",\"server\":");
			sms_json_append_string(json, sms_db_col_ctext(st, 1));
			g_string_append(json, ",\"kind\":");
			sms_json_append_string(json, sms_db_col_ctext(st, 2));
			g_string_append(json, ",\"state\":");
			sms_json_append_string(json, s < 6 ? states[s] : "?");
			/* unset values are null (jobsvc(1)) */
			g_string_append_printf(json, ",\"retries\":%d,\"next_attempt\":", retries);
			if (*a)
				sms_json_append_string(json, a);
			else
				g_string_append(json, "null");
			g_string_append(json, ",\"forced_delivery\":");
			if (*b)
				sms_json_append_string(json, b);
			else
				g_string_append(json, "null");
			g_string_append(json, ",\"detail\":");
			if (sms_db_col_ctext(st, 8))
				sms_json_append_string(json, sms_db_col_ctext(st, 8));
			else
				g_string_append(json, "null");
			g_string_append_c(json, '}');
			continue;
		}
		g_print("%-9s %-12s %-8s %-10s %-7d %-19s %-19s %s\n", sms_db_col_ctext(st, 0),
		        sms_db_col_ctext(st, 1), sms_db_col_ctext(st, 2), s < 6 ? states[s] : "?",
		        retries, *a ? a : "-", *b ? b : "-",
		        sms_db_col_ctext(st, 8) ? sms_db_col_ctext(st, 8) : "");
	}
	if (cli->json)
		g_print("%s]\n", json->str);
	return TRUE;
}

gboolean
sms_despooler_cmd_share(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *until = NULL;
	g_autofree char *user = NULL;
	g_autofree char *machine = NULL;
	gboolean all = FALSE;
	GOptionEntry entries[] = {
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until, "open: the session ends then", "TIME" },
		{ "user", 0, 0, G_OPTION_ARG_STRING, &user, "open: the user holding the file", "USER" },
		{ "machine", 0, 0, G_OPTION_ARG_STRING, &machine, "open: the user's workstation", "WKS" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "list: closed and future sessions too", NULL },
		{ NULL }
	};
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "";
	g_autoptr(GPtrArray) list = NULL;
	SmsTime now;
	if (argc > 1 && argv[1][0] != '-') {
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "share", "list [--all] | open SERVER SHARE FILE --user U | close ID",
	                   "Share sessions: who holds which file of a package directory open.",
	                   entries, &argc, &argv, error) ||
	    !open_site(cli, &site, error))
		return FALSE;
	now = sms_site_now(site);
	if (g_str_equal(sub, "open")) {
		SmsTime end = SMS_TIME_NONE;
		gint64 id = 0;
		if (argc != 4 || user == NULL)
			return sms_throw(error, SMS_ERROR_USAGE, "share open: expected SERVER SHARE FILE "
			                 "--user USER");
		if (until && !sms_time_parse(until, &end, error))
			return FALSE;
		if (!sms_share_open_session(site, argv[1], argv[2], argv[3], user, machine, now, end,
		                            "user", NULL, &id, error))
			return FALSE;
		if (cli->json) {
			g_print("{\"session\":%" G_GINT64_FORMAT "}\n", id);
			return TRUE;
		}
		g_print("Session %" G_GINT64_FORMAT ": %s holds %s of %s on %s\n", id, user, argv[3],
		        argv[2], argv[1]);
		return TRUE;
	}
	if (g_str_equal(sub, "close")) {
		gint64 id;
		if (argc != 2 || !sms_parse_int(argv[1], 1, G_MAXINT64, &id, NULL))
			return sms_throw(error, SMS_ERROR_USAGE, "share close: expected a session ID");
		return sms_share_close_session(site, id, now, "closed", error);
	}
	if (*sub && !g_str_equal(sub, "list"))
		return sms_throw(error, SMS_ERROR_USAGE, "share: expected list, open or close");
	if (!sms_share_list(site, !all, now, &list, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) out = g_string_new("[");
		for (guint i = 0; i < list->len; i++) {
			SmsShareSession *s = list->pdata[i];
			char a[24], b[24], c[24];
			g_string_append_printf(out, "%s{\"id\":%" G_GINT64_FORMAT ",\"server\":",
			                       i ? "," : "", s->id);
			sms_json_append_string(out, s->server);
			g_string_append(out, ",\"share\":");
			sms_json_append_string(out, s->share);
			g_string_append(out, ",\"file\":");
			sms_json_append_string(out, s->file);
			g_string_append(out, ",\"user\":");
			sms_json_append_string(out, s->user);
			g_string_append(out, ",\"machine\":");
			sms_json_append_string(out, s->machine ? s->machine : "");
			g_string_append(out, ",\"kind\":");
			sms_json_append_string(out, s->kind);
			g_string_append(out, ",\"opened\":");
			sms_json_append_string(out, sms_time_format_buf(s->opened, a));
			g_string_append(out, ",\"closes\":");
			sms_json_append_string(out, sms_time_format_buf(s->closes, b));
			g_string_append(out, ",\"closed\":");
			sms_json_append_string(out, sms_time_format_buf(s->closed, c));
			g_string_append(out, ",\"closed_reason\":");
			sms_json_append_string(out, s->closed_reason ? s->closed_reason : "");
			g_string_append_c(out, '}');
		}
		g_print("%s]\n", out->str);
		return TRUE;
	}
	g_print("%-4s %-12s %-10s %-24s %-10s %-8s %-19s %-19s %s\n", "ID", "SERVER", "SHARE",
	        "FILE", "USER", "KIND", "OPENED", "CLOSES", "STATE");
	for (guint i = 0; i < list->len; i++) {
		SmsShareSession *s = list->pdata[i];
		char a[24], b[24];
		sms_time_format_buf(s->opened, a);
		sms_time_format_buf(s->closes, b);
		g_print("%-4" G_GINT64_FORMAT " %-12s %-10s %-24s %-10s %-8s %-19s %-19s %s\n", s->id,
		        s->server, s->share, s->file, s->user, s->kind, a, *b ? b : "never",
		        s->closed_reason ? s->closed_reason : "open");
	}
	return TRUE;
}
