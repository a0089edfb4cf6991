/* cmd-package.c -- jobsvc package import|list|show. */
#include "commands.h"
#include "db.h"
#include "job.h"
#include "pdf.h"
#include "util.h"

#include <stdio.h>

static gboolean
package_show(SmsCli *cli, SmsSite *site, const char *arg, GError **error)
{
	g_autofree char *id = NULL;
	g_autoptr(SmsPackage) p = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	if (!sms_package_resolve(site, arg, &id, error) || !sms_package_load(site, id, &p, error))
		return FALSE;
	if (cli->json) {
		g_string_append(o, "{\"id\":");
		sms_json_append_string(o, p->id);
		g_string_append(o, ",\"name\":");
		sms_json_append_string(o, p->name);
		g_string_append(o, ",\"version\":");
		sms_json_append_string(o, p->version ? p->version : "");
		g_string_append(o, ",\"source\":");
		sms_json_append_string(o, p->source ? p->source : "");
		g_string_append(o, ",\"share_name\":");
		sms_json_append_string(o, p->share_name ? p->share_name : "");
		g_string_append(o, ",\"commands\":[");
		for (guint i = 0; i < p->commands->len; i++) {
			SmsPackageCommand *c = p->commands->pdata[i];
			g_autofree char *pl = sms_platform_mask_to_string(c->platforms);
			g_string_append_printf(o, "%s{\"name\":", i ? "," : "");
			sms_json_append_string(o, c->name);
			g_string_append(o, ",\"command_line\":");
			sms_json_append_string(o, c->command_line);
			g_string_append_printf(o, ",\"platforms\":%u,\"platform_names\":", c->platforms);
			sms_json_append_string(o, pl);
			g_string_append_printf(o, ",\"flags\":%u}", c->flags);
		}
		g_string_append(o, "]}\n");
	} else {
		g_string_append_printf(o, "Package %s  %s %s\n", p->id, p->name,
		                       p->version ? p->version : "");
		if (p->comment)
			g_string_append_printf(o, "  Comment            %s\n", p->comment);
		g_string_append_printf(o, "  PDF                %s\n", p->pdf_path ? p->pdf_path : "");
		g_string_append_printf(o, "  Workstations source %s\n", p->source ? p->source : "(none)");
		g_string_append_printf(o, "  Sharing source     %s\n",
		                       p->server_source ? p->server_source : "(none)");
		if (p->share_name)
			g_string_append_printf(o, "  Share name         %s (%s)\n", p->share_name,
			                       p->share_access ? p->share_access : "");
		g_string_append(o, "  Workstation command lines:\n");
		for (guint i = 0; i < p->commands->len; i++) {
			SmsPackageCommand *c = p->commands->pdata[i];
			g_autofree char *pl = sms_platform_mask_to_string(c->platforms);
			g_string_append_printf(o, "    %-12s %s\n                 platforms: %s; %s%s\n",
			                       c->name, c->command_line, pl,
			                       c->flags & SMS_CMD_USER_INPUT ? "user input required"
			                                                     : "automated",
			                       c->flags & SMS_CMD_BACKGROUND ? ", system (background) task"
			                                                     : "");
		}
	}
	fputs(o->str, stdout);
	return TRUE;
}

gboolean
sms_cmd_package(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "import", "list", "show", NULL };
	const char *sub;
	g_autofree char *source = NULL;
	g_autofree char *server_source = NULL;
	g_autofree char *name = NULL;
	GOptionEntry entries[] = {
		{ "source", 0, 0, G_OPTION_ARG_FILENAME, &source, "Workstations source directory", "DIR" },
		{ "server-source", 0, 0, G_OPTION_ARG_FILENAME, &server_source, "Sharing source directory",
		  "DIR" },
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "package name (default: the PDF's Product)",
		  "NAME" },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	if (!jobsvc_subcommand(argc, argv, "package", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (!sms_cli_parse(cli, "package", "import FILE.PDF --source DIR | list | show ID",
	                   "Packages, imported from Package Definition Files (smsemu-pdf(5)).",
	                   entries, &argc, &argv, error) ||
	    !jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "import")) {
		g_autofree char *id = NULL;
		if (argc != 2)
			return sms_throw(error, SMS_ERROR_USAGE, "package import: expected FILE.PDF");
		if (!sms_package_import(site, argv[1], source, server_source, name, &id, error))
			return FALSE;
		if (cli->json)
			g_print("{\"id\":\"%s\"}\n", id);
		else
			g_print("Imported %s as package %s\n", argv[1], id);
		return TRUE;
	}
	if (g_str_equal(sub, "show")) {
		if (argc != 2)
			return sms_throw(error, SMS_ERROR_USAGE, "package show: expected a package ID");
		return package_show(cli, site, argv[1], error);
	}
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id, name, version, (SELECT count(*) FROM "
		                               "package_commands c WHERE c.package = p.id), share_name "
		                               "FROM packages p ORDER BY id", error);
		gboolean row, first = TRUE;
		if (st == NULL)
			return FALSE;
		if (cli->json)
			g_print("[");
		else
			g_print("%-9s %-5s %-8s %s\n", "ID", "CMDS", "SHARE", "NAME");
		while (sms_db_step(site->db, st, &row, error) && row) {
			if (cli->json) {
				g_autoptr(GString) o = g_string_new(first ? "{\"id\":" : ",{\"id\":");
				sms_json_append_string(o, sms_db_col_ctext(st, 0));
				g_string_append(o, ",\"name\":");
				sms_json_append_string(o, sms_db_col_ctext(st, 1));
				g_string_append_printf(o, ",\"commands\":%d}", sqlite3_column_int(st, 3));
				fputs(o->str, stdout);
			} else {
				g_print("%-9s %-5d %-8s %s %s\n", sms_db_col_ctext(st, 0), sqlite3_column_int(st, 3),
				        sms_db_col_ctext(st, 4) ? sms_db_col_ctext(st, 4) : "-",
				        sms_db_col_ctext(st, 1), sms_db_col_ctext(st, 2) ? sms_db_col_ctext(st, 2) : "");
			}
			first = FALSE;
		}
		if (cli->json)
			g_print("]\n");
	}
	return TRUE;
}
