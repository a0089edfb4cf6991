/* cmd-despooler.c -- despooler run|poll|pause|continue|status|share. */
#include "commands.h"
#include "components.h"
#include "daemon.h"
#include "db.h"
#include "despooler.h"

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
	g_print("%-9s %-12s %-8s %-10s %-7s %-19s %-19s %s\n", "JOB", "SERVER", "KIND", "STATE",
	        "RETRY", "NEXT ATTEMPT", "FORCED DELIVERY", "DETAIL");
	while (sms_db_step(site->db, st, &row, error) && row) {
		static const char *states[] = { "Pending", "Retrying", "Done", "Failed", "Revoked",
			"Cancelled" };
		int s = sqlite3_column_int(st, 3);
		char a[24], b[24];
		SmsTime t0 = sms_db_col_time(st, 4);
		gboolean forced = sqlite3_column_int(st, 9) && g_strcmp0(sms_db_col_ctext(st, 2),
		                                                         "install") == 0;
		SmsTime fd = SMS_TIME_NONE;
		if (forced && t0 != SMS_TIME_NONE)
			fd = t0 + (x * (sqlite3_column_int64(st, 10) + 1) + sqlite3_column_int64(st, 11)) *
			          SMS_MINUTE;
		sms_time_format_buf(sms_db_col_time(st, 6), a);
		sms_time_format_buf(fd, b);
		g_print("%-9s %-12s %-8s %-10s %-7d %-19s %-19s %s\n", sms_db_col_ctext(st, 0),
		        sms_db_col_ctext(st, 1), sms_db_col_ctext(st, 2), s < 6 ? states[s] : "?",
		        sqlite3_column_int(st, 5), *a ? a : "-", *b ? b : "-",
		        sms_db_col_ctext(st, 8) ? sms_db_col_ctext(st, 8) : "");
	}
	return TRUE;
}

gboolean
sms_despooler_cmd_share(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *until = NULL;
	g_autofree char *user = NULL;
	g_autofree char *machine = NULL;
	GOptionEntry entries[] = {
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until, "open: the session ends then", "TIME" },
		{ "user", 0, 0, G_OPTION_ARG_STRING, &user, "open: the user holding the file", "USER" },
		{ "machine", 0, 0, G_OPTION_ARG_STRING, &machine, "open: the user's workstation", "WKS" },
		{ NULL }
	};
	const char *sub = argc > 1 ? argv[1] : "";
	if (argc > 1) {
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "share", "list | open SERVER PACKAGE FILE --user U | close ID",
	                   "Share sessions: who holds which file of a package directory open.",
	                   entries, &argc, &argv, error) ||
	    !open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "open")) {
		sqlite3_stmt *st;
		SmsTime end = SMS_TIME_NONE, now = sms_site_now(site);
		g_autofree char *server = NULL;
		if (argc != 4 || user == NULL)
			return sms_throw(error, SMS_ERROR_USAGE, "share open: expected SERVER PACKAGE FILE "
			                 "--user USER");
		if (!sms_path_is_safe_relative(argv[3]))
			return sms_throw(error, SMS_ERROR_USAGE, "share open: %s is not a path inside the "
			                 "package", argv[3]);
		if (until && !sms_time_parse(until, &end, error))
			return FALSE;
		server = sms_strup(argv[1]);
		st = sms_db_stmt(site->db, "SELECT revoked FROM share_acl WHERE server = ? AND share = ?",
		                 error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, server);
		sms_db_bind_text(st, 2, argv[2]);
		{
			gboolean row;
			if (!sms_db_step(site->db, st, &row, error))
				return FALSE;
			if (row && sqlite3_column_int(st, 0) &&
			    !sms_str_equal_ci(user, site->self->service_account)) {
				sqlite3_reset(st);
				return sms_throw(error, SMS_ERROR_STATE, "access to %s on %s is revoked: only %s "
				                 "may connect", argv[2], server, site->self->service_account);
			}
			sqlite3_reset(st);
		}
		st = sms_db_stmt(site->db, "INSERT INTO share_sessions(server, package, share, file, user,"
		                 " machine, opened, closes, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'user')",
		                 error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, server);
		sms_db_bind_text(st, 2, argv[2]);
		sms_db_bind_text(st, 3, argv[2]);
		sms_db_bind_text(st, 4, argv[3]);
		sms_db_bind_text(st, 5, user);
		sms_db_bind_text(st, 6, machine);
		sqlite3_bind_int64(st, 7, now);
		sms_db_bind_time(st, 8, end);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		g_print("Session %lld: %s holds %s of %s on %s\n",
		        (long long)sqlite3_last_insert_rowid(site->db), user, argv[3], argv[2], server);
		return TRUE;
	}
	if (g_str_equal(sub, "close")) {
		sqlite3_stmt *st;
		gint64 id;
		if (argc != 2 || !sms_parse_int(argv[1], 1, G_MAXINT64, &id, error))
			return sms_throw(error, SMS_ERROR_USAGE, "share close: expected a session ID");
		st = sms_db_stmt(site->db, "UPDATE share_sessions SET closed = ?, closed_reason = "
		                 "'closed' WHERE id = ? AND closed IS NULL", error);
		if (st == NULL)
			return FALSE;
		sqlite3_bind_int64(st, 1, sms_site_now(site));
		sqlite3_bind_int64(st, 2, id);
		return sms_db_step_done(site->db, st, error);
	}
	if (*sub && !g_str_equal(sub, "list"))
		return sms_throw(error, SMS_ERROR_USAGE, "share: expected list, open or close");
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id, server, share, file, user, machine, "
		                               "opened, closes, closed, closed_reason, kind FROM "
		                               "share_sessions ORDER BY id", error);
		gboolean row;
		if (st == NULL)
			return FALSE;
		g_print("%-4s %-12s %-10s %-24s %-10s %-19s %-19s %s\n", "ID", "SERVER", "SHARE", "FILE",
		        "USER", "OPENED", "CLOSES", "STATE");
		while (sms_db_step(site->db, st, &row, error) && row) {
			char a[24], b[24];
			sms_time_format_buf(sqlite3_column_int64(st, 6), a);
			sms_time_format_buf(sms_db_col_time(st, 7), b);
			g_print("%-4lld %-12s %-10s %-24s %-10s %-19s %-19s %s\n",
			        (long long)sqlite3_column_int64(st, 0), sms_db_col_ctext(st, 1),
			        sms_db_col_ctext(st, 2), sms_db_col_ctext(st, 3), sms_db_col_ctext(st, 4), a,
			        *b ? b : "never",
			        sms_db_col_ctext(st, 9) ? sms_db_col_ctext(st, 9) : "open");
		}
	}
	return TRUE;
}
