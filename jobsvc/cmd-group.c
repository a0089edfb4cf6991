/* cmd-group.c -- jobsvc machine-group create|add|list, machine list. */
#include "commands.h"
#include "db.h"
#include "job.h"
#include "query.h"
#include "util.h"

#include <stdio.h>

static gboolean
group_list(SmsCli *cli, SmsSite *site, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT g.name, g.site, (SELECT count(*) FROM "
	                               "machine_group_members m WHERE m.grp = g.name), (SELECT "
	                               "group_concat(machine, ', ') FROM (SELECT machine FROM "
	                               "machine_group_members m WHERE m.grp = g.name ORDER BY "
	                               "machine)) FROM machine_groups g ORDER BY g.name", error);
	g_autoptr(GString) o = g_string_new(cli->json ? "[" : NULL);
	gboolean row, first = TRUE;
	if (st == NULL)
		return FALSE;
	if (!cli->json)
		g_string_append_printf(o, "%-15s %-4s %7s  %s\n", "GROUP", "SITE", "MEMBERS",
		                       "COMPUTERS");
	for (;;) {
		const char *members;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		members = sms_db_col_ctext(st, 3) ? sms_db_col_ctext(st, 3) : "";
		if (cli->json) {
			g_auto(GStrv) list = g_strsplit(members, ", ", -1);
			g_string_append(o, first ? "{\"name\":" : ",{\"name\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 0));
			g_string_append(o, ",\"site\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 1));
			g_string_append(o, ",\"members\":[");
			for (char **m = list; *m && **m; m++) {
				if (m != list)
					g_string_append_c(o, ',');
				sms_json_append_string(o, *m);
			}
			g_string_append(o, "]}");
		} else {
			g_string_append_printf(o, "%-15s %-4s %7d  %s\n", sms_db_col_ctext(st, 0),
			                       sms_db_col_ctext(st, 1) ? sms_db_col_ctext(st, 1) : "",
			                       sqlite3_column_int(st, 2), members);
		}
		first = FALSE;
	}
	if (cli->json)
		g_string_append(o, "]\n");
	fputs(o->str, stdout);
	return TRUE;
}

gboolean
sms_cmd_machine_group(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "add", "list", NULL };
	const char *sub;
	g_autofree char *group_site = NULL;
	GOptionEntry entries[] = {
		{ "group-site", 0, 0, G_OPTION_ARG_STRING, &group_site, "create: the site the group "
		  "belongs to (default: this site)", "CODE" },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "machine-group", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "machine-group", "create NAME [--group-site CODE] | add NAME "
	                   "MACHINE... | list", "Machine groups: job targets whose members are "
	                   "frozen when the job activates.", entries, &argc, &argv, error))
		return FALSE;
	if (g_str_equal(sub, "create") && argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "machine-group create: expected NAME");
	if (g_str_equal(sub, "add") && argc < 3)
		return sms_throw(error, SMS_ERROR_USAGE, "machine-group add: expected NAME MACHINE...");
	if (g_str_equal(sub, "list") && argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "machine-group list: unexpected argument "
		                 "'%s'", argv[1]);
	if (group_site && !g_str_equal(sub, "create"))
		return sms_throw(error, SMS_ERROR_USAGE, "machine-group %s: --group-site belongs to "
		                 "create", sub);
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "create")) {
		if (!sms_machine_group_create(site, argv[1], group_site, error))
			return FALSE;
		if (cli->json) {
			g_autoptr(GString) o = g_string_new("{\"name\":");
			sms_json_append_string(o, argv[1]);
			g_string_append(o, "}\n");
			fputs(o->str, stdout);
		} else {
			g_print("Created machine group %s\n", argv[1]);
		}
		return TRUE;
	}
	if (g_str_equal(sub, "add")) {
		guint added;
		if (!sms_machine_group_add(site, argv[1], argv + 2, &added, error))
			return FALSE;
		if (cli->json)
			g_print("{\"added\":%u}\n", added);
		else
			g_print("Added %u computer(s) to %s (%d already members)\n", added, argv[1],
			        argc - 2 - (int)added);
		return TRUE;
	}
	return group_list(cli, site, error);
}

gboolean
sms_cmd_machine(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "list", NULL };
	const char *sub;
	g_autofree char *query_text = NULL;
	GOptionEntry entries[] = {
		{ "query", 0, 0, G_OPTION_ARG_STRING, &query_text, "only computers a job with "
		  "Target=Query: EXPR would target now", "EXPR" },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsQuery) query = NULL;
	g_autoptr(GString) o = NULL;
	sqlite3_stmt *st;
	gboolean row, first = TRUE;
	guint n = 0;
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "machine", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "machine list", "[--query EXPR]", "Computers known to the site "
	                   "(with --query: those the query selects).", entries, &argc, &argv,
	                   error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "machine list: unexpected argument '%s'",
		                 argv[1]);
	if (query_text && (query = sms_query_parse(query_text, error)) == NULL)
		return FALSE;
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT name, site, domain, platform, smsid, user, clock_offset "
	                 "FROM machines ORDER BY site, name", error);
	if (st == NULL)
		return FALSE;
	o = g_string_new(cli->json ? "[" : NULL);
	if (!cli->json)
		g_string_append_printf(o, "%-15s %-4s %-12s %-9s %-20s %s\n", "NAME", "SITE", "DOMAIN",
		                       "SMS ID", "PLATFORM", "USER");
	for (;;) {
		SmsMachineAttrs m;
		const char *v[6];
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		m = (SmsMachineAttrs){ sms_db_col_ctext(st, 0), sms_db_col_ctext(st, 2),
		                       sms_db_col_ctext(st, 1), sms_db_col_ctext(st, 3),
		                       sms_db_col_ctext(st, 4), sms_db_col_ctext(st, 5) };
		if (query && !sms_query_match(query, &m))
			continue;
		n++;
		for (int i = 0; i < 6; i++)
			v[i] = sms_db_col_ctext(st, i) ? sms_db_col_ctext(st, i) : "";
		if (cli->json) {
			g_string_append(o, first ? "{\"name\":" : ",{\"name\":");
			sms_json_append_string(o, v[0]);
			g_string_append(o, ",\"site\":");
			sms_json_append_string(o, v[1]);
			g_string_append(o, ",\"domain\":");
			sms_json_append_string(o, v[2]);
			g_string_append(o, ",\"platform\":");
			sms_json_append_string(o, v[3]);
			g_string_append(o, ",\"smsid\":");
			sms_json_append_string(o, v[4]);
			g_string_append(o, ",\"user\":");
			sms_json_append_string(o, v[5]);
			g_string_append_printf(o, ",\"clock_offset\":%d}", sqlite3_column_int(st, 6));
		} else {
			g_string_append_printf(o, "%-15s %-4s %-12s %-9s %-20s %s\n", v[0], v[1], v[2],
			                       *v[4] ? v[4] : "-", v[3], v[5]);
		}
		first = FALSE;
	}
	if (cli->json)
		g_string_append(o, "]\n");
	else if (query)
		g_string_append_printf(o, "%u computer(s) match\n", n);
	fputs(o->str, stdout);
	return TRUE;
}
