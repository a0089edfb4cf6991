/* cmd-job.c -- jobsvc job create|list|show|cancel|delete, and status messages. */
#include "commands.h"
#include "db.h"
#include "job.h"
#include "util.h"

#include <stdio.h>

/* ---- small JSON helpers: ,"key":value --------------------------------------------- */

static void
json_key(GString *o, const char *key)
{
	if (o->len && o->str[o->len - 1] != '{' && o->str[o->len - 1] != '[')
		g_string_append_c(o, ',');
	sms_json_append_string(o, key);
	g_string_append_c(o, ':');
}

static void
json_str(GString *o, const char *key, const char *v)
{
	json_key(o, key);
	if (v)
		sms_json_append_string(o, v);
	else
		g_string_append(o, "null");
}

static void
json_time(GString *o, const char *key, SmsTime t)
{
	char buf[24];
	json_str(o, key, t == SMS_TIME_NONE ? NULL : sms_time_format_buf(t, buf));
}

static void
json_bool(GString *o, const char *key, gboolean v)
{
	json_key(o, key);
	g_string_append(o, v ? "true" : "false");
}

/* ---- job create ------------------------------------------------------------------ */

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
		{ "start-after", 0, 0, G_OPTION_ARG_STRING, &start, "Start After (default: now)", "TIME" },
		{ "offer-after", 0, 0, G_OPTION_ARG_STRING, &offer, "Offer After (default: Start "
		  "After)", "TIME" },
		{ "mandatory-after", 0, 0, G_OPTION_ARG_STRING, &mandatory, "Mandatory After (default: "
		  "not mandatory)", "TIME" },
		{ "expires-after", 0, 0, G_OPTION_ARG_STRING, &expires, "Expires After (default: "
		  "never)", "TIME" },
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
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "any key of a scenario's [Job] section "
		  "(repeatable)", "KEY=VALUE" },
		{ NULL }
	};
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SmsJob) job = NULL;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	static const char *const map[] = {
		"Type", "Package", "Command", "Target", "LimitToSite", "IncludeSubsites", "StartAfter",
		"OfferAfter", "MandatoryAfter", "ExpiresAfter", "Priority", "Repeat", "Send",
		"Distribute", "RemoveFrom", "Comment", "Name",
	};

	if (!sms_cli_parse(cli, "job create", "--type TYPE --package ID [OPTIONS]",
	                   "Create a job with the properties of SMS 1.x (validated as SMS did). "
	                   "Every option is a key of a scenario's [Job] section "
	                   "(smsemu-scenario(5)); --set KEY=VALUE gives any of them.",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "job create: unexpected argument '%s'", argv[1]);
	{
		const char *given[] = { type, package, command, target, limit, subsites, start, offer,
		                        mandatory, expires, priority, repeat, send, distribute,
		                        remove_from, comment, name };
		G_STATIC_ASSERT(G_N_ELEMENTS(given) == G_N_ELEMENTS(map));
		for (gsize i = 0; i < G_N_ELEMENTS(map); i++) {
			if (given[i]) {
				g_ptr_array_add(keys, g_strdup(map[i]));
				g_ptr_array_add(values, g_strdup(given[i]));
			}
		}
	}
	for (char **s = sets; s && *s; s++) {
		char *eq = strchr(*s, '=');
		if (eq == NULL || eq == *s)
			return sms_throw(error, SMS_ERROR_USAGE, "job create: --set '%s': expected "
			                 "KEY=VALUE", *s);
		g_ptr_array_add(keys, g_strstrip(g_strndup(*s, (gsize)(eq - *s))));
		g_ptr_array_add(values, g_strdup(eq + 1));
	}
	/* one transaction: the job and its status message, or nothing */
	if (!sms_txn_begin(&txn, error) ||
	    !sms_job_from_props(site, keys, values, NULL, "job create", &job, error) ||
	    !sms_job_insert(site, job, error) ||
	    !sms_emit(site, &(SmsEvent){ .component = "jobsvc", .event = "job.created",
	                                 .job = job->id, .package = job->package,
	                                 .detail = sms_job_type_name(job->type) }, error,
	              "Job %s created (%s, package %s), Pending until %s", job->id,
	              sms_job_type_name(job->type), job->package, sms_time_str(job->start_after)) ||
	    !sms_txn_commit(&txn, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{");
		json_str(o, "id", job->id);
		json_str(o, "status", sms_status_name(job->status));
		json_time(o, "start_after", job->start_after);
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else {
		g_print("Created job %s (%s, package %s), Pending until %s\n", job->id,
		        sms_job_type_name(job->type), job->package, sms_time_str(job->start_after));
	}
	return TRUE;
}

/* ---- job list -------------------------------------------------------------------- */

static gboolean
job_list(SmsCli *cli, SmsSite *site, int argc, char **argv, GError **error)
{
	gboolean ids = FALSE, local = FALSE;
	GOptionEntry entries[] = {
		{ "ids", 0, 0, G_OPTION_ARG_NONE, &ids, "print only the job IDs", NULL },
		{ "local", 0, 0, G_OPTION_ARG_NONE, &local, "only jobs created at this site", NULL },
		{ NULL }
	};
	g_autoptr(GString) o = NULL;
	sqlite3_stmt *st;
	gboolean row;
	if (!sms_cli_parse(cli, "job list", "[--local] [--ids]", "The Jobs window: every job "
	                   "of the site's database, oldest first.", entries, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "job list: unexpected argument '%s'", argv[1]);
	st = sms_db_stmt(site->db, "SELECT id, type, package, status, start_after, site, name, "
	                 "priority, cancel_status FROM jobs WHERE ?1 = 0 OR site = ?2 ORDER BY id",
	                 error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, local);
	sms_db_bind_text(st, 2, site->code);
	o = g_string_new(cli->json ? "[" : NULL);
	if (!cli->json && !ids)
		g_string_append_printf(o, "%-9s %-27s %-9s %-9s %-19s %-4s %s\n", "ID", "TYPE",
		                       "PACKAGE", "STATUS", "START AFTER", "SITE", "NAME");
	for (;;) {
		char t[24];
		const char *id, *pkg, *name;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		id = sms_db_col_ctext(st, 0);
		pkg = sms_db_col_ctext(st, 2);
		name = sms_db_col_ctext(st, 6);
		sms_time_format_buf(sqlite3_column_int64(st, 4), t);
		if (cli->json) {
			if (o->len > 1)
				g_string_append_c(o, ',');
			g_string_append_c(o, '{');
			json_str(o, "id", id);
			json_str(o, "name", name);
			json_str(o, "type", sms_job_type_name(sqlite3_column_int(st, 1)));
			json_str(o, "package", pkg);
			json_str(o, "status", sms_status_name(sqlite3_column_int(st, 3)));
			json_str(o, "cancel_status", sms_status_name(sqlite3_column_int(st, 8)));
			json_str(o, "start_after", t);
			json_str(o, "priority", sms_priority_name(sqlite3_column_int(st, 7)));
			json_str(o, "site", sms_db_col_ctext(st, 5));
			g_string_append_c(o, '}');
		} else if (ids) {
			g_string_append_printf(o, "%s\n", id);
		} else {
			g_string_append_printf(o, "%-9s %-27s %-9s %-9s %-19s %-4s %s\n", id,
			                       sms_job_type_name(sqlite3_column_int(st, 1)), pkg ? pkg : "",
			                       sms_status_name(sqlite3_column_int(st, 3)), t,
			                       sms_db_col_ctext(st, 5), name ? name : "");
		}
	}
	if (cli->json)
		g_string_append(o, "]\n");
	fputs(o->str, stdout);
	return TRUE;
}

/* ---- job show: the Job Details window ---------------------------------------------- */

#define MAX_ROWS 20   /* rows per table in the human output; --json has all */

static gboolean
detail_rows(SmsSite *site, GString *o, gboolean json, const char *sql, const char *job,
            const char *title, const char *what, gboolean all, int state, GError **error)
{
	guint listed = 0;
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
	g_autoptr(GString) rows = g_string_new(NULL);
	gboolean row;
	int counts[SMS_STATUS_RETRYING + 1] = { 0 };
	guint n = 0;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job);
	for (;;) {
		int s;
		const char *detail;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		s = sqlite3_column_int(st, 2);
		detail = sms_db_col_ctext(st, 3);
		if (s >= 0 && s <= SMS_STATUS_RETRYING)
			counts[s]++;
		n++;
		if (state >= 0 && s != state)
			continue;   /* --state: counted, not listed */
		listed++;
		if (json) {
			if (rows->len)
				g_string_append_c(rows, ',');
			g_string_append_c(rows, '{');
			json_str(rows, "name", sms_db_col_ctext(st, 0));
			json_str(rows, "site", sms_db_col_ctext(st, 1));
			json_str(rows, "status", sms_status_name(s));
			json_str(rows, "detail", detail);   /* null when unset */
			json_time(rows, "updated", sms_db_col_time(st, 4));
			g_string_append_c(rows, '}');
		} else if (all || listed <= MAX_ROWS) {
			char t[24];
			g_string_append_printf(rows, "  %-15s %-4s %-9s %-19s %s\n",
			                       sms_db_col_ctext(st, 0), sms_db_col_ctext(st, 1),
			                       sms_status_name(s),
			                       sms_time_format_buf(sms_db_col_time(st, 4), t),
			                       detail ? detail : "");
		}
	}
	if (json) {
		g_autofree char *counts_key = g_strconcat(what, "_counts", NULL);
		json_key(o, what);
		g_string_append_printf(o, "[%s]", rows->str);
		json_key(o, counts_key);
		g_string_append_c(o, '{');
		for (int s = 0; s <= SMS_STATUS_RETRYING; s++)
			if (counts[s]) {
				json_key(o, sms_status_name(s));
				g_string_append_printf(o, "%d", counts[s]);
			}
		g_string_append_c(o, '}');
	} else {
		g_string_append_printf(o, "\n%s\n%s", title, rows->str);
		if (!all && listed > MAX_ROWS)
			g_string_append_printf(o, "  ... %u more (see --all)\n", listed - MAX_ROWS);
		g_string_append_printf(o, "  Total %u:", n);
		for (int s = 0; s <= SMS_STATUS_RETRYING; s++)
			if (counts[s])
				g_string_append_printf(o, " %s %d", sms_status_name(s), counts[s]);
		g_string_append_c(o, '\n');
	}
	return TRUE;
}

static const char *
target_prefix(SmsTargetKind k)
{
	switch (k) {
	case SMS_TARGET_MACHINE_PATH: return "Machine Path: ";
	case SMS_TARGET_MACHINE_GROUP: return "Machine Group: ";
	case SMS_TARGET_QUERY: return "Query: ";
	}
	return "";
}

static char *
distribute_text(const SmsJob *j)
{
	if (j->dist_mode & SMS_DIST_SPECIFIED)
		return g_strdup_printf("%sServers: %s", j->dist_mode & SMS_DIST_EXISTING ?
		                       "Refresh Existing, " : "", j->dist_servers ? j->dist_servers : "");
	if (j->dist_mode & SMS_DIST_EXISTING)
		return g_strdup("Refresh Existing");
	return g_strdup("Default Servers");
}

static const char *
send_text(const SmsJob *j)
{
	return j->send_mode == SMS_SEND_ALWAYS ? "Even if previously sent"
	                                       : "Only if not previously sent";
}

static char *
remove_text(const SmsJob *j)
{
	if (j->remove_tasks == SMS_REMOVE_SELECTED)
		return g_strdup_printf("Servers: %s", j->dist_servers ? j->dist_servers : "");
	return g_strdup("All Servers");
}

static void
show_json(GString *o, const SmsJob *j, const char *package_name)
{
	g_autofree char *target = j->target ? g_strconcat(target_prefix(j->target_kind),
	                                                  j->target, NULL) : NULL;
	g_string_append_c(o, '{');
	json_str(o, "id", j->id);
	json_str(o, "name", j->name);
	json_str(o, "type", sms_job_type_name(j->type));
	json_str(o, "site", j->site);
	json_str(o, "package", j->package);
	json_str(o, "package_name", package_name);
	json_str(o, "comment", j->comment);
	json_str(o, "status", sms_status_name(j->status));
	json_str(o, "sending_status", sms_status_name(j->sending_status));
	json_str(o, "working_status", sms_status_name(j->working_status));
	json_str(o, "cancel_status", sms_status_name(j->cancel_status));
	json_time(o, "created", j->created);
	json_time(o, "start_after", j->start_after);
	json_str(o, "priority", sms_priority_name(j->priority));
	json_str(o, "repeat", sms_repeat_name(j->repeat));
	json_time(o, "activated", j->activated);
	json_time(o, "finished", j->finished);
	json_time(o, "cancel_requested", j->cancel_requested);
	json_str(o, "origin_job", j->origin_job);
	json_str(o, "limit_to_site", j->limit_site);
	json_bool(o, "include_subsites", j->include_subsites);
	if (j->type == SMS_JOB_RUN_COMMAND || j->type == SMS_JOB_SHARE_PACKAGE) {
		g_autofree char *dist = distribute_text(j);
		json_str(o, "send", send_text(j));
		json_str(o, "distribute", dist);
	}
	if (j->type == SMS_JOB_RUN_COMMAND) {
		json_str(o, "target", target);
		json_bool(o, "run_command", j->run_command);
		json_str(o, "command", j->command);
		json_time(o, "offer_after", j->offer_after);
		json_time(o, "mandatory_after", j->mandatory_after);
		json_bool(o, "force_over_slow_link", j->force_slow_link);
		json_time(o, "expires_after", j->expires_after);
	}
	if (j->type == SMS_JOB_REMOVE_PACKAGE) {
		g_autofree char *rm = remove_text(j);
		json_str(o, "remove_from", rm);
	}
}

static void
show_text(GString *o, const SmsJob *j, const char *package_name)
{
	char t[24];
#define ROW(label, ...) do { g_string_append_printf(o, "  %-19s", label); \
	g_string_append_printf(o, __VA_ARGS__); g_string_append_c(o, '\n'); } while (0)
	g_string_append_printf(o, "Job %s%s%s%s  %s\n", j->id, j->name ? " (" : "",
	                       j->name ? j->name : "", j->name ? ")" : "",
	                       sms_job_type_name(j->type));
	ROW("Package", "%s  %s", j->package ? j->package : "", package_name ? package_name : "");
	if (j->comment)
		ROW("Comment", "%s", j->comment);
	ROW("Created", "%s at site %s%s%s", sms_time_format_buf(j->created, t), j->site,
	    j->origin_job ? ", a repeat of " : "", j->origin_job ? j->origin_job : "");
	ROW("Overall status", "%s", sms_status_name(j->status));
	ROW("Sending status", "%s", sms_status_name(j->sending_status));
	ROW("Working status", "%s", sms_status_name(j->working_status));
	ROW("Cancel status", "%s", sms_status_name(j->cancel_status));
	ROW("Start After", "%s  (priority %s, repeat %s)", sms_time_format_buf(j->start_after, t),
	    sms_priority_name(j->priority), sms_repeat_name(j->repeat));
	if (j->activated != SMS_TIME_NONE)
		ROW("Activated", "%s", sms_time_format_buf(j->activated, t));
	if (j->cancel_requested != SMS_TIME_NONE)
		ROW("Cancel requested", "%s", sms_time_format_buf(j->cancel_requested, t));
	if (j->finished != SMS_TIME_NONE)
		ROW("Finished", "%s", sms_time_format_buf(j->finished, t));
	if (j->type == SMS_JOB_RUN_COMMAND)
		ROW("Target", "%s%s", target_prefix(j->target_kind), j->target ? j->target : "");
	if (j->limit_site)
		ROW("Limit to site", "%s%s", j->limit_site,
		    j->include_subsites ? " and its subsites" : " only");
	else if (j->type != SMS_JOB_RUN_COMMAND)
		ROW("Sites", "%s and every site below it", j->site);
	if (j->type == SMS_JOB_RUN_COMMAND || j->type == SMS_JOB_SHARE_PACKAGE) {
		g_autofree char *dist = distribute_text(j);
		ROW("Send phase", "%s", send_text(j));
		ROW("Distribute phase", "%s", dist);
	}
	if (j->type == SMS_JOB_RUN_COMMAND) {
		if (j->run_command) {
			char m[24], e[24];
			sms_time_format_buf(j->mandatory_after, m);
			sms_time_format_buf(j->expires_after, e);
			ROW("Run phase", "%s: Offer After %s, Mandatory After %s%s, Expires After %s",
			    j->command ? j->command : "", sms_time_format_buf(j->offer_after, t),
			    *m ? m : "-", j->force_slow_link ? " (also over slow links)" : "",
			    *e ? e : "never");
		} else {
			ROW("Run phase", "none (send and distribute only)");
		}
	}
	if (j->type == SMS_JOB_REMOVE_PACKAGE) {
		g_autofree char *rm = remove_text(j);
		ROW("Remove from", "%s", rm);
	}
#undef ROW
}

static gboolean
job_show(SmsCli *cli, SmsSite *site, const char *arg, gboolean all, int state, GError **error)
{
	g_autofree char *id = NULL;
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(SmsPackage) pkg = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	if (!sms_job_resolve(site, arg, &id, error) || !sms_job_load(site, id, &j, error))
		return FALSE;
	if (j->package)
		(void)sms_package_load(site, j->package, &pkg, NULL);  /* may be deleted */
	if (cli->json)
		show_json(o, j, pkg ? pkg->name : NULL);
	else
		show_text(o, j, pkg ? pkg->name : NULL);
	if (!detail_rows(site, o, cli->json, "SELECT site, site, status, detail, updated FROM "
	                 "job_site_detail WHERE job = ? ORDER BY site", id, "Sites:", "sites",
	                 all, state, error) ||
	    !detail_rows(site, o, cli->json, "SELECT server, site, status, detail, updated FROM "
	                 "job_server_detail WHERE job = ? ORDER BY site, server", id,
	                 "Distribution servers:", "servers", all, state, error) ||
	    !detail_rows(site, o, cli->json, "SELECT machine, site, status, detail, updated FROM "
	                 "job_machine_detail WHERE job = ? ORDER BY site, machine", id,
	                 "Computers:", "machines", all, state, error))
		return FALSE;
	if (cli->json)
		g_string_append(o, "}\n");
	fputs(o->str, stdout);
	return TRUE;
}

/* ---- job cancel / delete ----------------------------------------------------------- */

static gboolean
job_cancel(SmsCli *cli, SmsSite *site, const char *id, GError **error)
{
	g_autoptr(SmsJob) before = NULL;
	g_autoptr(SmsJob) after = NULL;
	const char *what;
	if (!sms_job_load(site, id, &before, error) ||
	    !sms_job_cancel(site, id, sms_site_now(site), error) ||
	    !sms_job_load(site, id, &after, error))
		return FALSE;
	if (after->status == SMS_STATUS_CANCELLED)
		what = "cancelled (it had not started)";
	else if (before->cancel_requested != SMS_TIME_NONE)
		what = "is being cancelled already";
	else
		what = "cancel requested: the Scheduler cancels it at every target at its next poll";
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{");
		json_str(o, "id", id);
		json_str(o, "status", sms_status_name(after->status));
		json_str(o, "cancel_status", sms_status_name(after->cancel_status));
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else {
		g_print("Job %s %s\n", id, what);
	}
	return TRUE;
}

static gboolean
job_delete(SmsCli *cli, SmsSite *site, const char *id, GError **error)
{
	g_autoptr(SmsJob) j = NULL;
	SmsTime now = sms_site_now(site);
	if (!sms_job_load(site, id, &j, error) || !sms_job_delete(site, id, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{");
		json_str(o, "id", id);
		json_bool(o, "deleted", TRUE);
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else {
		g_print("Deleted job %s\n", id);
	}
	/* KB Q269768: a finished job deleted without a cancel leaves its command in the
	 * PCM instruction files until it expires */
	if (j->type == SMS_JOB_RUN_COMMAND && j->run_command && j->activated != SMS_TIME_NONE &&
	    j->status != SMS_STATUS_CANCELLED &&
	    (j->expires_after == SMS_TIME_NONE || j->expires_after > now))
		g_printerr("jobsvc: note: job %s was not cancelled, so its command stays in the PCM "
		           "instruction files %s (KB Q269768)\n", id,
		           j->expires_after == SMS_TIME_NONE ? "for good" : "until it expires");
	return TRUE;
}

gboolean
sms_cmd_job(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "list", "show", "cancel", "delete", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *id = NULL;
	g_autofree char *state_name = NULL;
	gboolean all = FALSE;
	int state = -1;
	GOptionEntry entries[] = {
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "show: every detail row (not only the first 20)",
		  NULL },
		{ "state", 0, 0, G_OPTION_ARG_STRING, &state_name, "show: only the detail rows in "
		  "this state (Pending, Active, Cancelled, Complete, Failed, Retrying, None)", "STATE" },
		{ NULL }
	};
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "job", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (g_str_equal(sub, "create") || g_str_equal(sub, "list")) {
		if (!jobsvc_open_site(cli, &site, error))
			return FALSE;
		if (g_str_equal(sub, "create"))
			return job_create(cli, site, argc, argv, error);
		return job_list(cli, site, argc, argv, error);
	}
	if (!sms_cli_parse(cli, "job", "create OPTIONS | list [--local] [--ids] | show ID [--all] "
	                   "[--state STATE] | cancel ID | delete ID", "Jobs (`job create --help` "
	                   "lists the job properties). show: the Job Details window. cancel and "
	                   "delete follow SMS 1.x: a Pending job is cancelled at once, an Active "
	                   "one by the Scheduler at its next poll; Active jobs cannot be deleted.",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (state_name) {
		for (int s = 0; s <= SMS_STATUS_RETRYING; s++)
			if (sms_str_equal_ci(state_name, sms_status_name(s)))
				state = s;
		if (state < 0)
			return sms_throw(error, SMS_ERROR_USAGE, "job show: --state: '%s' is not one of "
			                 "Pending, Active, Cancelled, Complete, Failed, Retrying, None",
			                 state_name);
	}
	if ((all || state_name) && !g_str_equal(sub, "show"))
		return sms_throw(error, SMS_ERROR_USAGE, "job %s: --all and --state belong to job show",
		                 sub);
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "job %s: expected one job ID (or name)", sub);
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "show"))
		return job_show(cli, site, argv[1], all, state, error);
	if (!sms_job_resolve(site, argv[1], &id, error))
		return FALSE;
	if (g_str_equal(sub, "cancel"))
		return job_cancel(cli, site, id, error);
	return job_delete(cli, site, id, error);
}

/* ---- status messages --------------------------------------------------------------- */

gboolean
sms_cmd_status(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *job = NULL, *component = NULL, *machine = NULL;
	gint limit = 0;
	GOptionEntry entries[] = {
		{ "job", 0, 0, G_OPTION_ARG_STRING, &job, "only this job (ID or name)", "ID" },
		{ "component", 0, 0, G_OPTION_ARG_STRING, &component, "only this component "
		  "(jobsvc, scheduler, sender, despooler, logon, pcm ...)", "NAME" },
		{ "machine", 0, 0, G_OPTION_ARG_STRING, &machine, "only this workstation's "
		  "history", "NAME" },
		{ "limit", 0, 0, G_OPTION_ARG_INT, &limit, "the last N messages", "N" },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GString) o = NULL;
	g_autofree char *job_id = NULL;
	sqlite3_stmt *st;
	gboolean row;
	if (!sms_cli_parse(cli, "status", "[--job ID] [--component NAME] [--machine NAME] [--limit N]",
	                   "Status messages of the site's components, oldest first.", entries,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "status: unexpected argument '%s'", argv[1]);
	if (limit < 0)
		return sms_throw(error, SMS_ERROR_USAGE, "status: --limit: expected N >= 0, got %d",
		                 limit);
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	/* a job name given to `job create --name` works too; a deleted job's ID as well */
	if (job && !sms_job_resolve(site, job, &job_id, NULL))
		job_id = sms_strup(job);
	st = sms_db_stmt(site->db, "SELECT time, component, event, severity, code, message, job, "
	                 "package, server, machine, user, detail FROM (SELECT * FROM "
	                 "status_messages WHERE (?1 IS NULL OR job = ?1) AND (?2 IS NULL OR "
	                 "component = ?2 COLLATE NOCASE) AND (?4 IS NULL OR machine = ?4 COLLATE "
	                 "NOCASE) ORDER BY id DESC LIMIT ?3) ORDER BY id",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, job_id);
	sms_db_bind_text(st, 2, component);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	sms_db_bind_text(st, 4, machine);
	o = g_string_new(cli->json ? "[" : NULL);
	for (;;) {
		char t[24];
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		sms_time_format_buf(sqlite3_column_int64(st, 0), t);
		if (cli->json) {
			static const char *const fields[] = { "job", "package", "server", "machine",
			                                      "user", "detail" };
			if (o->len > 1)
				g_string_append_c(o, ',');
			g_string_append_c(o, '{');
			json_str(o, "time", t);
			json_str(o, "component", sms_db_col_ctext(st, 1));
			json_str(o, "event", sms_db_col_ctext(st, 2));
			json_str(o, "severity", sms_db_col_ctext(st, 3));
			json_key(o, "code");
			g_string_append_printf(o, "%d", sqlite3_column_int(st, 4));
			json_str(o, "message", sms_db_col_ctext(st, 5));
			for (int f = 0; f < 6; f++)
				json_str(o, fields[f], sms_db_col_ctext(st, 6 + f));   /* null if unset */
			g_string_append_c(o, '}');
		} else {
			g_string_append_printf(o, "%s %-9s %-7s %s\n", t, sms_db_col_ctext(st, 1),
			                       sms_db_col_ctext(st, 3), sms_db_col_ctext(st, 5));
		}
	}
	if (cli->json)
		g_string_append(o, "]\n");
	fputs(o->str, stdout);
	return TRUE;
}
