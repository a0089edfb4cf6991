/* cmd-logon.c -- logon poll|run|user|smsid. */
#include "commands.h"
#include "components.h"
#include "daemon.h"
#include "ini.h"
#include "logon.h"

#include <stdio.h>
#include <string.h>

static const SmsDaemon logon_daemon = {
	"logon",
	{ sms_logon_pass, NULL },
	{ sms_logon_next_wakeup, NULL },
	NULL,
};

gboolean
sms_logon_cmd_run(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "run", NULL, "Run the Maintenance Manager on the site's Service "
	                   "Response interval until SIGTERM.", NULL, &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	return sms_daemon_run(cli->site_dir, &logon_daemon, error);
}

gboolean
sms_logon_cmd_poll(SmsCli *cli, int argc, char **argv, GError **error)
{
	if (!sms_cli_parse(cli, "poll", NULL, "One pass: copy each domain's instruction files to "
	                   "every logon server, move client status to the site server.", NULL,
	                   &argc, &argv, error) ||
	    !sms_cli_require_site(cli, error))
		return FALSE;
	return sms_daemon_poll(cli->site_dir, &logon_daemon, error);
}

gboolean
sms_logon_cmd_user(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autofree char *ini = NULL;
	g_autofree char *contents = NULL;
	if (!sms_cli_parse(cli, "user", "NAME --workstation WKS", "A user logs on at a workstation "
	                   "(SMSLS): logon server, SMS.INI, SMS ID, registration, PCM check.", NULL,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "user: expected the user NAME");
	if (cli->workstation == NULL)
		return sms_throw(error, SMS_ERROR_USAGE, "user: --workstation WKS is needed");
	if (!sms_cli_require_site(cli, error) || !sms_site_open(cli->site_dir, &site, error) ||
	    !sms_logon_user(site, cli->workstation, argv[1], sms_site_now(site), error))
		return FALSE;
	{
		g_autofree char *up = sms_strup(cli->workstation);
		g_autofree char *dir = sms_layout_workstation(site, up);
		ini = g_build_filename(dir, "SMS.INI", NULL);
	}
	if (!g_file_get_contents(ini, &contents, NULL, NULL))
		contents = NULL;
	if (cli->json) {
		/* the SMS.INI the logon left, section by section; null when there is none */
		g_autoptr(GString) o = g_string_new("{\"user\":");
		g_autoptr(SmsIni) parsed = contents ? sms_ini_parse(ini, contents, strlen(contents),
		                                                    NULL) : NULL;
		sms_json_append_string(o, argv[1]);
		g_string_append(o, ",\"workstation\":");
		sms_json_append_string(o, cli->workstation);
		g_string_append(o, ",\"sms_ini\":");
		if (parsed == NULL) {
			g_string_append(o, "null");
		} else {
			g_string_append_c(o, '{');
			for (guint i = 0; i < parsed->sections->len; i++) {
				SmsIniSection *sec = parsed->sections->pdata[i];
				if (i)
					g_string_append_c(o, ',');
				sms_json_append_string(o, sec->name);
				g_string_append(o, ":{");
				for (guint k = 0; k < sec->entries->len; k++) {
					SmsIniEntry *e = sec->entries->pdata[k];
					if (k)
						g_string_append_c(o, ',');
					sms_json_append_string(o, e->name);
					g_string_append_c(o, ':');
					sms_json_append_string(o, e->value);
				}
				g_string_append_c(o, '}');
			}
			g_string_append_c(o, '}');
		}
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
	} else if (contents) {
		g_print("%s logged on at %s\n%s", argv[1], cli->workstation, contents);
	}
	return TRUE;
}

gboolean
sms_logon_cmd_smsid(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "show";
	if (argc > 1 && argv[1][0] != '-') {
		argc--;
		argv++;
	}
	if (!sms_cli_parse(cli, "smsid", "show SERVER | take SERVER", "SMS ID allocation through "
	                   "LOGON.SRV/SMSID/<next>.UID (KB Q127052).", NULL, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "smsid: expected show|take SERVER");
	if (!sms_cli_require_site(cli, error) || !sms_site_open(cli->site_dir, &site, error))
		return FALSE;
	{
		SmsServerDef *s = sms_world_def_server(site->def, argv[1]);
		if (s == NULL || !(s->roles & SMS_ROLE_LOGON) || !sms_str_equal_ci(s->site, site->code))
			return sms_throw_domain(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN,
			                        "smsid: %s is not a logon server of site %s", argv[1],
			                        site->code);
	}
	if (g_str_equal(sub, "take")) {
		g_autofree char *id = NULL;
		g_autofree char *server = sms_strup(argv[1]);
		if (!sms_logon_take_smsid(site, server, &id, error))
			return FALSE;
		if (cli->json)
			g_print("{\"server\":\"%s\",\"smsid\":\"%s\"}\n", server, id);
		else
			g_print("%s\n", id);
		return TRUE;
	}
	if (g_str_equal(sub, "show")) {
		g_autofree char *id = NULL;
		g_autofree char *server = sms_strup(argv[1]);
		if (!sms_logon_peek_smsid(site, server, &id, error))
			return FALSE;
		if (cli->json)
			g_print("{\"server\":\"%s\",\"next_smsid\":\"%s\"}\n", server, id);
		else
			g_print("next SMS ID on %s: %s\n", server, id);
		return TRUE;
	}
	return sms_throw(error, SMS_ERROR_USAGE, "smsid: expected show or take");
}
