/* cmd-site.c -- jobsvc init / site show. */
#include "commands.h"
#include "db.h"
#include "util.h"

#include <stdio.h>

gboolean
sms_cmd_init(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	if (!sms_cli_parse(cli, "init", "SITE.ini", "Create a site root (directory tree of every "
	                   "server, site database, registry files) from a site.ini.", NULL, &argc,
	                   &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "init: expected one SITE.ini");
	if (!sms_cli_require_site(cli, error) || !sms_site_init(cli->site_dir, argv[1], &site, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{\"site\":");
		sms_json_append_string(o, site->code);
		g_string_append(o, ",\"root\":");
		sms_json_append_string(o, site->root);
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else {
		g_print("Created site %s (%s) in %s: %u server(s), %u domain(s), %u workstation(s)\n",
		        site->code, site->self->name, site->root, site->def->servers->len,
		        site->def->domains->len, site->def->workstations->len);
	}
	return TRUE;
}

gboolean
sms_cmd_site(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "show", NULL };
	const char *sub;
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	gboolean virt;
	SmsTime now;
	char t[24];
	if (!jobsvc_subcommand(argc, argv, "site", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (!sms_cli_parse(cli, "site show", NULL, "Show the site, its servers, domains and "
	                   "workstations.", NULL, &argc, &argv, error) ||
	    !jobsvc_open_site(cli, &site, error) || !sms_clock_get(site, &virt, &now, error))
		return FALSE;
	if (cli->json) {
		g_string_append(o, "{\"code\":");
		sms_json_append_string(o, site->code);
		g_string_append(o, ",\"name\":");
		sms_json_append_string(o, site->self->name);
		g_string_append(o, ",\"parent\":");
		if (site->self->parent)
			sms_json_append_string(o, site->self->parent);
		else
			g_string_append(o, "null");
		g_string_append(o, ",\"response\":");
		sms_json_append_string(o, sms_response_name(site->self->response));
		g_string_append_printf(o, ",\"poll_minutes\":%d,\"retry_minutes\":%d,"
		                       "\"pcm_polling\":%d,\"clock\":",
		                       sms_response_poll_minutes(site->self->response),
		                       sms_response_retry_minutes(site->self->response),
		                       site->self->pcm_polling);
		sms_json_append_string(o, virt ? "virtual" : "real");
		g_string_append(o, ",\"now\":");
		sms_json_append_string(o, sms_time_format_buf(now, t));
		g_string_append(o, ",\"servers\":[");
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_string_append_printf(o, "%s{\"name\":", i ? "," : "");
			sms_json_append_string(o, s->name);
			g_string_append_printf(o, ",\"roles\":%u}", s->roles);
		}
		g_string_append_printf(o, "],\"workstations\":%u}\n", site->def->workstations->len);
	} else {
		g_string_append_printf(o, "Site %s  %s\n", site->code, site->self->name);
		g_string_append_printf(o, "  Parent site        %s\n",
		                       site->self->parent ? site->self->parent : "(central site)");
		g_string_append_printf(o, "  Service Response   %s (poll every %d min, Despooler retry "
		                       "every %d min)\n", sms_response_name(site->self->response),
		                       sms_response_poll_minutes(site->self->response),
		                       sms_response_retry_minutes(site->self->response));
		g_string_append_printf(o, "  PCM polling        %d min\n", site->self->pcm_polling);
		g_string_append_printf(o, "  Service account    %s\n", site->self->service_account);
		g_string_append_printf(o, "  Copy mode          %s\n",
		                       site->self->copy_mode == SMS_COPY_LEGACY ? "legacy" : "staged");
		g_string_append_printf(o, "  Clock              %s, %s\n", virt ? "virtual" : "real",
		                       sms_time_format_buf(now, t));
		g_string_append_printf(o, "  Root               %s\n\nServers:\n", site->root);
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_string_append_printf(o, "  %-15s %s%s%s  drives", s->name,
			                       s->roles & SMS_ROLE_SITE ? "site " : "",
			                       s->roles & SMS_ROLE_LOGON ? "logon " : "",
			                       s->roles & SMS_ROLE_DISTRIBUTION ? "distribution " : "");
			for (guint j = 0; j < s->drives->len; j++) {
				SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, j);
				g_string_append_printf(o, " %c:%" G_GINT64_FORMAT "MB", d->letter,
				                       d->capacity_mb);
			}
			g_string_append_c(o, '\n');
		}
		g_string_append(o, "\nDomains:\n");
		for (guint i = 0; i < site->def->domains->len; i++) {
			SmsDomainDef *d = site->def->domains->pdata[i];
			g_string_append_printf(o, "  %-15s logon servers:", d->name);
			for (guint j = 0; j < d->logon_servers->len; j++)
				g_string_append_printf(o, " %s", (char *)d->logon_servers->pdata[j]);
			g_string_append_c(o, '\n');
		}
		g_string_append_printf(o, "\nWorkstations: %u\n", site->def->workstations->len);
		for (guint i = 0; i < site->def->addresses->len; i++) {
			SmsAddressDef *a = site->def->addresses->pdata[i];
			g_string_append_printf(o, "Address of site %s: %s\n", a->code, a->root);
		}
	}
	fputs(o->str, stdout);
	return TRUE;
}
