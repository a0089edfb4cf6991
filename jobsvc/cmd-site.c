/* cmd-site.c -- jobsvc init / site show. */
#include "commands.h"
#include "db.h"
#include "util.h"

#include <stdio.h>

static char *
roles_text(guint roles)
{
	GString *s = g_string_new(NULL);
	if (roles & SMS_ROLE_SITE)
		g_string_append(s, "site, ");
	if (roles & SMS_ROLE_LOGON)
		g_string_append(s, "logon, ");
	if (roles & SMS_ROLE_DISTRIBUTION)
		g_string_append(s, "distribution, ");
	if (s->len >= 2)
		g_string_truncate(s, s->len - 2);
	return g_string_free(s, FALSE);
}

static void
append_drives(GString *o, SmsServerDef *s)
{
	for (guint j = 0; j < s->drives->len; j++) {
		SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, j);
		g_string_append_printf(o, "%s%c: %" G_GINT64_FORMAT " MB", j ? ", " : "", d->letter,
		                       d->capacity_mb);
	}
}

static guint
workstations_of(SmsSite *site, const char *domain)
{
	guint n = 0;
	for (guint i = 0; i < site->def->workstations->len; i++) {
		SmsWorkstationDef *w = site->def->workstations->pdata[i];
		if (domain == NULL || sms_str_equal_ci(w->domain, domain))
			n++;
	}
	return n;
}

gboolean
sms_cmd_init(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	if (!sms_cli_parse(cli, "init", "SITE.ini", "Create a site root (directory tree of every "
	                   "server, site database, registry files) from a site.ini "
	                   "(smsemu-site.ini(5)).", NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "init: expected one SITE.ini");
	if (!sms_cli_require_site(cli, error) || !sms_site_init(cli->site_dir, argv[1], &site, error))
		return FALSE;
	if (cli->json) {
		g_string_append(o, "{\"site\":");
		sms_json_append_string(o, site->code);
		g_string_append(o, ",\"root\":");
		sms_json_append_string(o, site->root);
		g_string_append_printf(o, ",\"servers\":%u,\"domains\":%u,\"workstations\":%u,"
		                       "\"machine_groups\":%u}\n", site->def->servers->len,
		                       site->def->domains->len, site->def->workstations->len,
		                       site->def->groups->len);
	} else {
		g_string_append_printf(o, "Created site %s (%s) in %s: %u server(s), %u domain(s), "
		                       "%u workstation(s)\n", site->code, site->self->name, site->root,
		                       site->def->servers->len, site->def->domains->len,
		                       site->def->workstations->len);
		g_string_append(o, "  site.db            site database (clock: real)\n");
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_autofree char *roles = roles_text(s->roles);
			g_autofree char *reg = sms_layout_registry(site, s->name);
			g_string_append_printf(o, "  servers/%-10s %s server; ", s->name, roles);
			append_drives(o, s);
			g_string_append_c(o, '\n');
			if (g_file_test(reg, G_FILE_TEST_EXISTS))
				g_string_append_printf(o, "  registry/%s.reg\n", s->name);
		}
		for (guint i = 0; i < site->def->domains->len; i++) {
			SmsDomainDef *d = site->def->domains->pdata[i];
			g_string_append_printf(o, "  domain %-11s %u workstation(s), logon servers ",
			                       d->name, workstations_of(site, d->name));
			for (guint j = 0; j < d->logon_servers->len; j++)
				g_string_append_printf(o, "%s%s", j ? ", " : "",
				                       (char *)d->logon_servers->pdata[j]);
			g_string_append_c(o, '\n');
		}
		for (guint i = 0; i < site->def->groups->len; i++) {
			SmsGroupDef *g = site->def->groups->pdata[i];
			g_string_append_printf(o, "  machine group %s: %u member(s)\n", g->name,
			                       g->members->len);
		}
	}
	fputs(o->str, stdout);
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
	if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
		sub = "";   /* sms_cli_parse prints the command's help and exits */
	} else {
		if (!jobsvc_subcommand(argc, argv, "site", subs, &sub, error))
			return FALSE;
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "site show", NULL, "Show the site, its servers, domains and "
	                   "workstations.", NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "site show: unexpected argument '%s'", argv[1]);
	if (!jobsvc_open_site(cli, &site, error) || !sms_clock_get(site, &virt, &now, error))
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
		g_string_append(o, ",\"root\":");
		sms_json_append_string(o, site->root);
		g_string_append(o, ",\"response\":");
		sms_json_append_string(o, sms_response_name(site->self->response));
		g_string_append_printf(o, ",\"poll_minutes\":%d,\"retry_minutes\":%d,"
		                       "\"pcm_polling\":%d,\"status_from\":\"%s\",\"clock\":",
		                       sms_response_poll_minutes(site->self->response),
		                       sms_response_retry_minutes(site->self->response),
		                       site->self->pcm_polling,
		                       sms_status_from_name(site->self->status_from));
		sms_json_append_string(o, virt ? "virtual" : "real");
		g_string_append(o, ",\"now\":");
		sms_json_append_string(o, sms_time_format_buf(now, t));
		g_string_append(o, ",\"servers\":[");
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_autofree char *roles = roles_text(s->roles);
			g_string_append_printf(o, "%s{\"name\":", i ? "," : "");
			sms_json_append_string(o, s->name);
			g_string_append_printf(o, ",\"roles\":%u,\"role_names\":", s->roles);
			sms_json_append_string(o, roles);
			g_string_append(o, ",\"drives\":[");
			for (guint j = 0; j < s->drives->len; j++) {
				SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, j);
				g_string_append_printf(o, "%s{\"letter\":\"%c\",\"capacity_mb\":%"
				                       G_GINT64_FORMAT "}", j ? "," : "", d->letter,
				                       d->capacity_mb);
			}
			g_string_append(o, "]}");
		}
		g_string_append(o, "],\"domains\":[");
		for (guint i = 0; i < site->def->domains->len; i++) {
			SmsDomainDef *d = site->def->domains->pdata[i];
			g_string_append_printf(o, "%s{\"name\":", i ? "," : "");
			sms_json_append_string(o, d->name);
			g_string_append(o, ",\"logon_servers\":[");
			for (guint j = 0; j < d->logon_servers->len; j++) {
				if (j)
					g_string_append_c(o, ',');
				sms_json_append_string(o, d->logon_servers->pdata[j]);
			}
			g_string_append_printf(o, "],\"workstations\":%u}", workstations_of(site, d->name));
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
		g_string_append_printf(o, "  Instruction share  %s\n", site->self->instruction_share);
		g_string_append_printf(o, "  Copy mode          %s\n",
		                       site->self->copy_mode == SMS_COPY_LEGACY ? "legacy" : "staged");
		g_string_append_printf(o, "  Status from        %s\n",
		                       site->self->status_from == SMS_STATUS_FROM_EXIT_CODE ?
		                       "exit-code (exit code when there is no status MIF, SMS 2.0)" :
		                       "mif (status MIF only, exit codes not read, SMS 1.x)");
		g_string_append_printf(o, "  Clock              %s, %s\n", virt ? "virtual" : "real",
		                       sms_time_format_buf(now, t));
		g_string_append_printf(o, "  Root               %s\n\nServers:\n", site->root);
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_autofree char *roles = roles_text(s->roles);
			g_string_append_printf(o, "  %-15s %-28s ", s->name, roles);
			append_drives(o, s);
			g_string_append_c(o, '\n');
		}
		g_string_append(o, "\nDomains:\n");
		for (guint i = 0; i < site->def->domains->len; i++) {
			SmsDomainDef *d = site->def->domains->pdata[i];
			g_string_append_printf(o, "  %-15s %4u workstation(s), logon servers:", d->name,
			                       workstations_of(site, d->name));
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
