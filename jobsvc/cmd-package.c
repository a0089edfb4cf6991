/* cmd-package.c -- jobsvc package import|list|show. */
#include "commands.h"
#include "db.h"
#include "job.h"
#include "pdf.h"
#include "util.h"

#include <stdio.h>

static void
json_str(GString *o, const char *key, const char *v)
{
	g_string_append_c(o, ',');
	sms_json_append_string(o, key);
	g_string_append_c(o, ':');
	if (v)
		sms_json_append_string(o, v);
	else
		g_string_append(o, "null");
}

static gboolean
package_show(SmsCli *cli, SmsSite *site, const char *arg, gboolean pdf_text, GError **error)
{
	g_autofree char *id = NULL;
	g_autoptr(SmsPackage) p = NULL;
	g_autoptr(SmsPdf) pdf = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	char t[24];
	if (!sms_package_resolve(site, arg, &id, error) || !sms_package_load(site, id, &p, error))
		return FALSE;
	if (pdf_text) {
		if (p->pdf_text == NULL)
			return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
			                        "package %s: no PDF text stored", p->id);
		if (cli->json) {
			/* the text as Windows read it (ANSI or UTF-16 decoded to UTF-8) */
			g_autofree char *text = NULL;
			gsize tlen;
			if (!sms_text_decode(p->id, p->pdf_text, p->pdf_text_len, &text, &tlen, NULL,
			                     error))
				return FALSE;
			g_string_append(o, "{\"id\":");
			sms_json_append_string(o, p->id);
			g_string_append(o, ",\"pdf_text\":");
			sms_json_append_string(o, text);
			g_string_append(o, "}\n");
			fputs(o->str, stdout);
			return TRUE;
		}
		fwrite(p->pdf_text, 1, p->pdf_text_len, stdout);
		return TRUE;
	}
	/* program items and inventory rules live in the stored PDF text */
	if (p->pdf_text)
		(void)sms_pdf_parse(p->pdf_path ? p->pdf_path : p->id, p->pdf_text, p->pdf_text_len,
		                    &pdf, NULL);
	if (cli->json) {
		g_string_append(o, "{\"id\":");
		sms_json_append_string(o, p->id);
		json_str(o, "name", p->name);
		json_str(o, "version", p->version);
		json_str(o, "comment", p->comment);
		json_str(o, "site", p->site);
		json_str(o, "created", p->created == SMS_TIME_NONE ? NULL
		                                                  : sms_time_format_buf(p->created, t));
		json_str(o, "pdf", p->pdf_path);
		json_str(o, "source", p->source);
		json_str(o, "server_source", p->server_source);
		json_str(o, "share_name", p->share_name);
		json_str(o, "share_access", p->share_access);
		g_string_append_printf(o, ",\"program_items\":%u,\"inventory\":%s",
		                       pdf ? pdf->program_items->len : 0,
		                       pdf && pdf->inventory ? "true" : "false");
		g_string_append(o, ",\"commands\":[");
		for (guint i = 0; i < p->commands->len; i++) {
			SmsPackageCommand *c = p->commands->pdata[i];
			g_autofree char *pl = sms_platform_mask_to_string(c->platforms);
			g_autofree char *fl = sms_command_flags_to_string(c->flags);
			g_string_append_printf(o, "%s{\"name\":", i ? "," : "");
			sms_json_append_string(o, c->name);
			json_str(o, "variation", c->variation);
			json_str(o, "command_line", c->command_line);
			g_string_append_printf(o, ",\"platforms\":%u", c->platforms);
			json_str(o, "platform_names", pl);
			g_string_append_printf(o, ",\"flags\":%u", c->flags);
			json_str(o, "flag_names", fl);
			g_string_append_c(o, '}');
		}
		g_string_append(o, "]}\n");
	} else {
		g_string_append_printf(o, "Package %s  %s\n", p->id, p->name);
		if (p->version)
			g_string_append_printf(o, "  Version             %s\n", p->version);
		if (p->comment)
			g_string_append_printf(o, "  Comment             %s\n", p->comment);
		g_string_append_printf(o, "  Created             %s at site %s\n",
		                       sms_time_format_buf(p->created, t), p->site);
		g_string_append_printf(o, "  PDF                 %s\n", p->pdf_path ? p->pdf_path : "");
		g_string_append_printf(o, "  Workstations source %s\n", p->source ? p->source : "(none)");
		g_string_append_printf(o, "  Sharing source      %s\n",
		                       p->server_source ? p->server_source : "(none)");
		if (p->share_name)
			g_string_append_printf(o, "  Share name          %s (%s)\n", p->share_name,
			                       p->share_access ? p->share_access : "");
		if (pdf && pdf->program_items->len)
			g_string_append_printf(o, "  Program items       %u\n", pdf->program_items->len);
		if (pdf)
			g_string_append_printf(o, "  Inventory           %s\n",
			                       pdf->inventory ? "detection rule kept" : "no");
		g_string_append(o, "  Workstation command lines:\n");
		if (p->commands->len == 0)
			g_string_append(o, "    (none)\n");
		for (guint i = 0; i < p->commands->len; i++) {
			SmsPackageCommand *c = p->commands->pdata[i];
			g_autofree char *pl = sms_platform_mask_to_string(c->platforms);
			g_autofree char *fl = sms_command_flags_to_string(c->flags);
			/* by CommandName, as the Administrator's "Command to run" list showed it */
			g_string_append_printf(o, "    %s\n      command line: %s\n", c->name,
			                       c->command_line);
			if (c->variation && !sms_str_equal_ci(c->variation, c->name))
				g_string_append_printf(o, "      setup variation: %s (accepted as an alias)\n",
				                       c->variation);
			g_string_append_printf(o, "      platforms: %s; %s\n", pl, fl);
		}
	}
	fputs(o->str, stdout);
	return TRUE;
}

static gboolean
package_list(SmsCli *cli, SmsSite *site, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id, name, version, (SELECT count(*) FROM "
	                               "package_commands c WHERE c.package = p.id), share_name, "
	                               "site FROM packages p ORDER BY id", error);
	g_autoptr(GString) o = NULL;
	gboolean row;
	if (st == NULL)
		return FALSE;
	o = g_string_new(cli->json ? "[" : NULL);
	if (!cli->json)
		g_string_append_printf(o, "%-9s %-5s %-8s %s\n", "ID", "CMDS", "SHARE", "NAME");
	for (;;) {
		const char *share, *version;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		share = sms_db_col_ctext(st, 4);
		version = sms_db_col_ctext(st, 2);
		if (cli->json) {
			g_string_append(o, o->len > 1 ? ",{\"id\":" : "{\"id\":");
			sms_json_append_string(o, sms_db_col_ctext(st, 0));
			json_str(o, "name", sms_db_col_ctext(st, 1));
			json_str(o, "version", version);
			g_string_append_printf(o, ",\"commands\":%d", sqlite3_column_int(st, 3));
			json_str(o, "share_name", share);
			json_str(o, "site", sms_db_col_ctext(st, 5));
			g_string_append_c(o, '}');
		} else {
			g_string_append_printf(o, "%-9s %-5d %-8s %s%s%s\n", sms_db_col_ctext(st, 0),
			                       sqlite3_column_int(st, 3), share ? share : "-",
			                       sms_db_col_ctext(st, 1), version ? " " : "",
			                       version ? version : "");
		}
	}
	if (cli->json)
		g_string_append(o, "]\n");
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
	gboolean pdf_text = FALSE;
	GOptionEntry entries[] = {
		{ "source", 0, 0, G_OPTION_ARG_FILENAME, &source, "import: Workstations source "
		  "directory (default: the PDF's ImportDirectory)", "DIR" },
		{ "server-source", 0, 0, G_OPTION_ARG_FILENAME, &server_source, "import: Sharing source "
		  "directory (default: SetupDirectory, else the Workstations source)", "DIR" },
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "import: package name (default: the PDF's "
		  "Product)", "NAME" },
		{ "pdf", 0, 0, G_OPTION_ARG_NONE, &pdf_text, "show: print the PDF as it was imported",
		  NULL },
		{ NULL }
	};
	g_autoptr(SmsSite) site = NULL;
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "package", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "package", "import FILE.PDF [--source DIR] [--server-source DIR] "
	                   "[--name NAME] | list | show ID [--pdf]",
	                   "Packages, imported from Package Definition Files (smsemu-pdf(5)).",
	                   entries, &argc, &argv, error))
		return FALSE;
	if ((source || server_source || name) && !g_str_equal(sub, "import"))
		return sms_throw(error, SMS_ERROR_USAGE, "package %s: --source, --server-source and "
		                 "--name belong to import", sub);
	if (pdf_text && !g_str_equal(sub, "show"))
		return sms_throw(error, SMS_ERROR_USAGE, "package %s: --pdf belongs to show", sub);
	if (g_str_equal(sub, "list") ? argc != 1 : argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "package %s: expected %s", sub,
		                 g_str_equal(sub, "import") ? "FILE.PDF" :
		                 g_str_equal(sub, "show") ? "one package ID (or name)" : "no arguments");
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (g_str_equal(sub, "import")) {
		g_autofree char *id = NULL;
		g_autoptr(SmsPackage) p = NULL;
		if (!sms_package_import(site, argv[1], source, server_source, name, &id, error) ||
		    !sms_package_load(site, id, &p, error))
			return FALSE;
		if (cli->json) {
			g_autoptr(GString) o = g_string_new("{\"id\":");
			sms_json_append_string(o, id);
			json_str(o, "name", p->name);
			g_string_append_printf(o, ",\"commands\":%u", p->commands->len);
			json_str(o, "share_name", p->share_name);
			g_string_append(o, "}\n");
			fputs(o->str, stdout);
		} else {
			g_print("Imported %s as package %s (%s): %u workstation command line(s)%s%s\n",
			        argv[1], id, p->name, p->commands->len,
			        p->share_name ? ", share " : "", p->share_name ? p->share_name : "");
		}
		return TRUE;
	}
	if (g_str_equal(sub, "show"))
		return package_show(cli, site, argv[1], pdf_text, error);
	return package_list(cli, site, error);
}
