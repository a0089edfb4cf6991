/* cmd-group.c -- jobsvc machine-group create|add|list, machine list. */
#include "commands.h"
#include "db.h"
#include "util.h"

#include <stdio.h>

gboolean
sms_cmd_machine_group(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "add", "list", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	if (!jobsvc_subcommand(argc, argv, "machine-group", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (!sms_cli_parse(cli, "machine-group", "create NAME | add NAME MACHINE... | list",
	                   "Machine groups (job targets; members are frozen when a job activates).",
	                   NULL, &argc, &argv, error) ||
	    !jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "create")) {
		sqlite3_stmt *st;
		if (argc != 2)
			return sms_throw(error, SMS_ERROR_USAGE, "machine-group create: expected NAME");
		st = sms_db_stmt(site->db, "INSERT INTO machine_groups(name, site) VALUES (?, ?)", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, argv[1]);
		sms_db_bind_text(st, 2, site->code);
		if (!sms_db_step_done(site->db, st, error)) {
			g_prefix_error(error, "machine group %s: ", argv[1]);
			return FALSE;
		}
		g_print("Created machine group %s\n", argv[1]);
		return TRUE;
	}
	if (g_str_equal(sub, "add")) {
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		sqlite3_stmt *st;
		gboolean row;
		if (argc < 3)
			return sms_throw(error, SMS_ERROR_USAGE, "machine-group add: expected NAME MACHINE...");
		if (!sms_txn_begin(&txn, error))
			return FALSE;
		st = sms_db_stmt(site->db, "SELECT 1 FROM machine_groups WHERE name = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, argv[1]);
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		sqlite3_reset(st);
		if (!row)
			return sms_throw(error, SMS_ERROR_NOT_FOUND, "no machine group '%s'", argv[1]);
		for (int i = 2; i < argc; i++) {
			g_autofree char *m = sms_strup(argv[i]);
			st = sms_db_stmt(site->db, "SELECT 1 FROM machines WHERE name = ?", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, m);
			if (!sms_db_step(site->db, st, &row, error))
				return FALSE;
			sqlite3_reset(st);
			if (!row)
				return sms_throw(error, SMS_ERROR_NOT_FOUND, "no computer '%s' at site %s "
				                 "(nothing was added)", m, site->code);
			st = sms_db_stmt(site->db, "INSERT OR IGNORE INTO machine_group_members(grp, machine)"
			                 " VALUES (?, ?)", error);
			if (st == NULL)
				return FALSE;
			sms_db_bind_text(st, 1, argv[1]);
			sms_db_bind_text(st, 2, m);
			if (!sms_db_step_done(site->db, st, error))
				return FALSE;
		}
		if (!sms_txn_commit(&txn, error))
			return FALSE;
		g_print("Added %d computer(s) to %s\n", argc - 2, argv[1]);
		return TRUE;
	}
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT g.name, (SELECT group_concat(machine, "
		                               "', ') FROM (SELECT machine FROM machine_group_members m "
		                               "WHERE m.grp = g.name ORDER BY machine)) FROM "
		                               "machine_groups g ORDER BY g.name", error);
		gboolean row;
		if (st == NULL)
			return FALSE;
		while (sms_db_step(site->db, st, &row, error) && row)
			g_print("%-15s %s\n", sms_db_col_ctext(st, 0),
			        sms_db_col_ctext(st, 1) ? sms_db_col_ctext(st, 1) : "");
	}
	return TRUE;
}

gboolean
sms_cmd_machine(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "list", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	sqlite3_stmt *st;
	gboolean row, first = TRUE;
	if (!jobsvc_subcommand(argc, argv, "machine", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (!sms_cli_parse(cli, "machine list", NULL, "Computers known to the site.", NULL, &argc,
	                   &argv, error) ||
	    !jobsvc_open_site(cli, &site, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT name, site, domain, platform, smsid, user FROM machines "
	                 "ORDER BY site, name", error);
	if (st == NULL)
		return FALSE;
	if (cli->json)
		g_print("[");
	else
		g_print("%-15s %-4s %-12s %-9s %-20s %s\n", "NAME", "SITE", "DOMAIN", "SMS ID",
		        "PLATFORM", "USER");
	while (sms_db_step(site->db, st, &row, error) && row) {
		const char *v[6];
		for (int i = 0; i < 6; i++)
			v[i] = sms_db_col_ctext(st, i) ? sms_db_col_ctext(st, i) : "";
		if (cli->json) {
			g_autoptr(GString) o = g_string_new(first ? "{\"name\":" : ",{\"name\":");
			sms_json_append_string(o, v[0]);
			g_string_append(o, ",\"site\":");
			sms_json_append_string(o, v[1]);
			g_string_append(o, ",\"domain\":");
			sms_json_append_string(o, v[2]);
			g_string_append(o, ",\"platform\":");
			sms_json_append_string(o, v[3]);
			g_string_append(o, ",\"smsid\":");
			sms_json_append_string(o, v[4]);
			g_string_append_c(o, '}');
			fputs(o->str, stdout);
		} else {
			g_print("%-15s %-4s %-12s %-9s %-20s %s\n", v[0], v[1], v[2], *v[4] ? v[4] : "-",
			        v[3], v[5]);
		}
		first = FALSE;
	}
	if (cli->json)
		g_print("]\n");
	return TRUE;
}
