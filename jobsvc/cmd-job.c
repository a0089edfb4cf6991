/* cmd-job.c -- jobsvc job create|list|show|cancel|delete, and status messages. */
#include "commands.h"
#include "db.h"
#include "job.h"
#include "util.h"

#include <stdio.h>

static gboolean
job_create(SmsCli *cli, SmsSite *site, int argc, char **argv, GError **error)
{
	g_autofree char *type = NULL, *package = NULL, *command = NULL, *target = NULL;
	g_autofree char *limit = NULL, *subsites = NULL, *start = NULL, *offer = NULL;
	g_autofree char *mandatory = NULL, *expires = NULL, *priority = NULL, *repeat = NULL;
	g_autofree char *send = NULL, *distribute = NULL, *remove_from = NULL, *comment = NULL;
	g_autofree char *name = NULL;
	g_auto(GStrv) sets = NULL;
	GOptionEntry entries[] = {
		{ "type", 0, 0, G_OPTION_ARG_STRING, &type, "Run Command On Workstation | Share Package "
		  "On Server | Remove Package From Server", "TYPE" },
		{ "package", 0, 0, G_OPTION_ARG_STRING, &package, "package ID or name", "ID" },
		{ "command", 0, 0, G_OPTION_ARG_STRING, &command, "workstation command line name", "NAME" },
		{ "target", 0, 0, G_OPTION_ARG_STRING, &target, "Machine Path: S|D|C | Machine Group: G | "
		  "Query: EXPR", "TARGET" },
		{ "limit-to-site", 0, 0, G_OPTION_ARG_STRING, &limit, "limit to this site", "CODE" },
		{ "include-subsites", 0, 0, G_OPTION_ARG_STRING, &subsites, "yes | no", "YESNO" },
		{ "start-after", 0, 0, G_OPTION_ARG_STRING, &start, "Start After", "TIME" },
		{ "offer-after", 0, 0, G_OPTION_ARG_STRING, &offer, "Offer After", "TIME" },
		{ "mandatory-after", 0, 0, G_OPTION_ARG_STRING, &mandatory, "Mandatory After", "TIME" },
		{ "expires-after", 0, 0, G_OPTION_ARG_STRING, &expires, "Expires After", "TIME" },
		{ "priority", 0, 0, G_OPTION_ARG_STRING, &priority, "High | Medium | Low", "P" },
		{ "repeat", 0, 0, G_OPTION_ARG_STRING, &repeat, "Never | Daily | Weekly | Every Other "
		  "Week | Monthly", "R" },
		{ "send", 0, 0, G_OPTION_ARG_STRING, &send, "Only if not previously sent | Even if "
		  "previously sent", "MODE" },
		{ "distribute", 0, 0, G_OPTION_ARG_STRING, &distribute, "Default Servers | Refresh "
		  "Existing | Servers: A, B", "D" },
		{ "remove-from", 0, 0, G_OPTION_ARG_STRING, &remove_from, "All Servers | Servers: A, B",
		  "R" },
		{ "comment", 0, 0, G_OPTION_ARG_STRING, &comment, "job comment", "TEXT" },
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "a name for scripts (job show NAME)", "NAME" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "any scenario [Job] key", "KEY=VALUE" },
		{ NULL }
	};
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsJob) job = NULL;
	if (!sms_cli_parse(cli, "job create", "--type TYPE --package ID [OPTIONS]",
	                   "Create a job with the properties of SMS 1.x (validated as SMS did).",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "job create: unexpected argument '%s'", argv[1]);
	{
		struct { const char *key; const char *v; } map[] = {
			{ "Type", type }, { "Package", package }, { "Command", command }, { "Target", target },
			{ "LimitToSite", limit }, { "IncludeSubsites", subsites }, { "StartAfter", start },
			{ "OfferAfter", offer }, { "MandatoryAfter", mandatory }, { "ExpiresAfter", expires },
			{ "Priority", priority }, { "Repeat", repeat }, { "Send", send },
			{ "Distribute", distribute }, { "RemoveFrom", remove_from }, { "Comment", comment },
			{ "Name", name },
		};
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++) {
		if (map[i].v) {
			g_ptr_array_add(keys, g_strdup(map[i].key));
			g_ptr_array_add(values, g_strdup(map[i].v));
		}
	}
	}
	for (char **s = sets; s && *s; s++) {
		char *eq = strchr(*s, '=');
		if (eq == NULL)
			return sms_throw(error, SMS_ERROR_USAGE, "--set %s: expected KEY=VALUE", *s);
		g_ptr_array_add(keys, g_strndup(*s, (gsize)(eq - *s)));
		g_ptr_array_add(values, g_strdup(eq + 1));
	}
	if (!sms_job_from_props(site, keys, values, NULL, "job create", &job, error) ||
	    !sms_job_insert(site, job, error))
		return FALSE;
	sms_log(site, "jobsvc", SMS_TIME_NONE, "Job %s created (%s, package %s)", job->id,
	        sms_job_type_name(job->type), job->package);
	if (cli->json)
		g_print("{\"id\":\"%s\"}\n", job->id);
	else
		g_print("Created job %s (%s, package %s), Pending until %s\n", job->id,
		        sms_job_type_name(job->type), job->package, sms_time_str(job->start_after));
	return TRUE;
}

static gboolean
job_list(SmsCli *cli, SmsSite *site, int argc, char **argv, GError **error)
{
	gboolean ids = FALSE, local = FALSE;
	GOptionEntry entries[] = {
		{ "ids", 0, 0, G_OPTION_ARG_NONE, &ids, "print only the job IDs", NULL },
		{ "local", 0, 0, G_OPTION_ARG_NONE, &local, "only jobs created at this site", NULL },
		{ NULL }
	};
	sqlite3_stmt *st;
	gboolean row, first = TRUE;
	if (!sms_cli_parse(cli, "job list", NULL, "The Jobs window.", entries, &argc, &argv, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT id, type, package, status, start_after, site, name FROM "
	                 "jobs WHERE ?1 = 0 OR site = ?2 ORDER BY id", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, local);
	sms_db_bind_text(st, 2, site->code);
	if (cli->json)
		g_print("[");
	else if (!ids)
		g_print("%-9s %-27s %-9s %-9s %-19s %s\n", "ID", "TYPE", "PACKAGE", "STATUS",
		        "START AFTER", "SITE");
	while (sms_db_step(site->db, st, &row, error) && row) {
		char t[24];
		sms_time_format_buf(sqlite3_column_int64(st, 4), t);
		if (cli->json) {
			g_autoptr(GString) o = g_string_new(first ? "{\"id\":" : ",{\"id\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 0));
			g_string_append(o, ",\"type\":");
			sms_json_append_string(o, sms_job_type_name(sqlite3_column_int(st, 1)));
			g_string_append(o, ",\"package\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "");
			g_string_append(o, ",\"status\":");
			sms_json_append_string(o, sms_status_name(sqlite3_column_int(st, 3)));
			g_string_append(o, ",\"start_after\":");
			sms_json_append_string(o, t);
			g_string_append(o, ",\"site\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 5));
			g_string_append_c(o, '}');
			fputs(o->str, stdout);
		} else if (ids) {
			g_print("%s\n", sms_db_col_ctext(st, 0));
		} else {
			g_print("%-9s %-27s %-9s %-9s %-19s %s%s%s\n", sms_db_col_ctext(st, 0),
			        sms_job_type_name(sqlite3_column_int(st, 1)),
			        sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "",
			        sms_status_name(sqlite3_column_int(st, 3)), t, sms_db_col_ctext(st, 5),
			        sms_db_col_ctext(st, 6) ? "  " : "",
			        sms_db_col_ctext(st, 6) ? sms_db_col_ctext(st, 6) : "");
		}
		first = FALSE;
	}
	if (cli->json)
		g_print("]\n");
	return TRUE;
}

static void
detail_rows(SmsSite *site, GString *o, gboolean json, const char *sql, const char *job,
            const char *title, const char *what, guint *count_out)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, NULL);
	gboolean row, first = TRUE;
	int counts[8] = { 0 };
	guint n = 0;
	if (st == NULL)
		return;
	sms_db_bind_text(st, 1, job);
	if (json)
		g_string_append_printf(o, ",\"%s\":[", what);
	else
		g_string_append_printf(o, "\n%s\n", title);
	while (sms_db_step(site->db, st, &row, NULL) && row) {
		int s = sqlite3_column_int(st, 2);
		char t[24];
		const char *detail = sms_db_col_ctext(st, 3);
		sms_time_format_buf(sms_db_col_time(st, 4), t);
		if (s >= 0 && s < 8)
			counts[s]++;
		n++;
		if (json) {
			g_string_append(o, first ? "{\"name\":" : ",{\"name\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 0));
			g_string_append(o, ",\"site\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 1));
			g_string_append(o, ",\"status\":");
			sms_json_append_string(o, sms_status_name(s));
			g_string_append(o, ",\"detail\":");
			sms_json_append_string(o, detail ? detail : "");
			g_string_append(o, ",\"updated\":");
			sms_json_append_string(o, t);
			g_string_append_c(o, '}');
		} else if (n <= 20) {
			g_string_append_printf(o, "  %-15s %-4s %-9s %-19s %s\n", sms_db_col_ctext(st, 0),
			                       sms_db_col_ctext(st, 1), sms_status_name(s), t,
			                       detail ? detail : "");
		}
		first = FALSE;
	}
	if (json) {
		g_string_append_c(o, ']');
	} else {
		if (n > 20)
			g_string_append_printf(o, "  ... %u more (see --json)\n", n - 20);
		g_string_append_printf(o, "  Total %u:", n);
		for (int s = 0; s < 8; s++)
			if (counts[s])
				g_string_append_printf(o, " %s %d", sms_status_name(s), counts[s]);
		g_string_append_c(o, '\n');
	}
	if (count_out)
		*count_out = n;
}

static gboolean
job_show(SmsCli *cli, SmsSite *site, const char *arg, GError **error)
{
	g_autofree char *id = NULL;
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	char a[24], b[24], c[24], d[24];
	if (!sms_job_resolve(site, arg, &id, error) || !sms_job_load(site, id, &j, error))
		return FALSE;
	sms_time_format_buf(j->start_after, a);
	sms_time_format_buf(j->offer_after, b);
	sms_time_format_buf(j->mandatory_after, c);
	sms_time_format_buf(j->expires_after, d);
	if (cli->json) {
		g_string_append(o, "{\"id\":");
		sms_json_append_string(o, j->id);
		g_string_append(o, ",\"name\":");
		sms_json_append_string(o, j->name ? j->name : "");
		g_string_append(o, ",\"type\":");
		sms_json_append_string(o, sms_job_type_name(j->type));
		g_string_append(o, ",\"site\":");
		sms_json_append_string(o, j->site);
		g_string_append(o, ",\"package\":");
		sms_json_append_string(o, j->package ? j->package : "");
		g_string_append(o, ",\"status\":");
		sms_json_append_string(o, sms_status_name(j->status));
		g_string_append(o, ",\"sending_status\":");
		sms_json_append_string(o, sms_status_name(j->sending_status));
		g_string_append(o, ",\"working_status\":");
		sms_json_append_string(o, sms_status_name(j->working_status));
		g_string_append(o, ",\"cancel_status\":");
		sms_json_append_string(o, sms_status_name(j->cancel_status));
		g_string_append(o, ",\"start_after\":");
		sms_json_append_string(o, a);
		g_string_append(o, ",\"offer_after\":");
		sms_json_append_string(o, b);
		g_string_append(o, ",\"mandatory_after\":");
		sms_json_append_string(o, c);
		g_string_append(o, ",\"expires_after\":");
		sms_json_append_string(o, d);
	} else {
		g_string_append_printf(o, "Job %s%s%s%s  %s\n", j->id, j->name ? " (" : "",
		                       j->name ? j->name : "", j->name ? ")" : "",
		                       sms_job_type_name(j->type));
		g_string_append_printf(o, "  Package            %s\n", j->package ? j->package : "");
		g_string_append_printf(o, "  Created at site    %s\n", j->site);
		g_string_append_printf(o, "  Overall status     %s\n", sms_status_name(j->status));
		g_string_append_printf(o, "  Sending status     %s\n", sms_status_name(j->sending_status));
		g_string_append_printf(o, "  Working status     %s\n", sms_status_name(j->working_status));
		g_string_append_printf(o, "  Cancel status      %s\n", sms_status_name(j->cancel_status));
		g_string_append_printf(o, "  Start After        %s  (priority %s, repeat %s)\n", a,
		                       sms_priority_name(j->priority), sms_repeat_name(j->repeat));
		if (j->type == SMS_JOB_RUN_COMMAND) {
			g_string_append_printf(o, "  Target             %s\n", j->target ? j->target : "");
			g_string_append_printf(o, "  Run phase          %s: Offer After %s, Mandatory After "
			                       "%s, Expires After %s\n", j->command ? j->command : "(none)",
			                       b, *c ? c : "-", *d ? d : "never");
		}
	}
	detail_rows(site, o, cli->json, "SELECT site, site, status, detail, updated FROM "
	            "job_site_detail WHERE job = ? ORDER BY site", id, "Sites:", "sites", NULL);
	detail_rows(site, o, cli->json, "SELECT server, site, status, detail, updated FROM "
	            "job_server_detail WHERE job = ? ORDER BY site, server", id,
	            "Distribution servers:", "servers", NULL);
	detail_rows(site, o, cli->json, "SELECT machine, site, status, detail, updated FROM "
	            "job_machine_detail WHERE job = ? ORDER BY site, machine", id, "Computers:",
	            "machines", NULL);
	if (cli->json)
		g_string_append(o, "}\n");
	fputs(o->str, stdout);
	return TRUE;
}

gboolean
sms_cmd_job(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "list", "show", "cancel", "delete", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	if (!jobsvc_subcommand(argc, argv, "job", subs, &sub, error) ||
	    !jobsvc_open_site(cli, &site, error))
		return FALSE;
	argc--;
	argv++;
	if (g_str_equal(sub, "create"))
		return job_create(cli, site, argc, argv, error);
	if (g_str_equal(sub, "list"))
		return job_list(cli, site, argc, argv, error);
	if (!sms_cli_parse(cli, "job", "show|cancel|delete ID", "Job Details, cancel (notes §1.7) "
	                   "and delete.", NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "job %s: expected a job ID", sub);
	if (g_str_equal(sub, "show"))
		return job_show(cli, site, argv[1], error);
	{
		g_autofree char *id = NULL;
		if (!sms_job_resolve(site, argv[1], &id, error))
			return FALSE;
		if (g_str_equal(sub, "cancel")) {
			if (!sms_job_cancel(site, id, sms_site_now(site), error))
				return FALSE;
			g_print("Cancel of job %s requested\n", id);
		} else {
			if (!sms_job_delete(site, id, error))
				return FALSE;
			g_print("Deleted job %s\n", id);
		}
	}
	return TRUE;
}

gboolean
sms_cmd_status(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *job = NULL, *component = NULL;
	gint limit = 0;
	GOptionEntry entries[] = {
		{ "job", 0, 0, G_OPTION_ARG_STRING, &job, "only this job", "ID" },
		{ "component", 0, 0, G_OPTION_ARG_STRING, &component, "only this component", "NAME" },
		{ "limit", 0, 0, G_OPTION_ARG_INT, &limit, "the last N messages", "N" },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	sqlite3_stmt *st;
	gboolean row, first = TRUE;
	if (!sms_cli_parse(cli, "status", NULL, "Status messages of the site's components.", entries,
	                   &argc, &argv, error) ||
	    !jobsvc_open_site(cli, &site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT time, component, event, severity, code, message FROM "
	                 "(SELECT * FROM status_messages WHERE (?1 IS NULL OR job = ?1) AND (?2 IS "
	                 "NULL OR component = ?2) ORDER BY id DESC LIMIT ?3) ORDER BY id", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	sms_db_bind_text(st, 2, component);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	if (cli->json)
		g_print("[");
	while (sms_db_step(site->db, st, &row, error) && row) {
		char t[24];
		sms_time_format_buf(sqlite3_column_int64(st, 0), t);
		if (cli->json) {
			g_autoptr(GString) o = g_string_new(first ? "{\"time\":" : ",{\"time\":");
			sms_json_append_string(o, t);
			g_string_append(o, ",\"component\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 1));
			g_string_append(o, ",\"event\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 2));
			g_string_append(o, ",\"severity\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 3));
			g_string_append_printf(o, ",\"code\":%d,\"message\":", sqlite3_column_int(st, 4));
			sms_json_append_string(o, sms_db_col_ctext(st, 5));
			g_string_append_c(o, '}');
			fputs(o->str, stdout);
		} else {
			g_print("%s %-9s %-7s %s\n", t, sms_db_col_ctext(st, 1), sms_db_col_ctext(st, 3),
			        sms_db_col_ctext(st, 5));
		}
		first = FALSE;
	}
	if (cli->json)
		g_print("]\n");
	return TRUE;
}
