/* cmd-shares.c -- jobsvc shares: the shares of a server as SMS named them, and the
 * smb.conf fragment that serves them with Samba. */
#include "commands.h"
#include "atomic.h"
#include "samba.h"
#include "util.h"

#include <stdio.h>

gboolean
sms_cmd_shares(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *server = NULL, *output = NULL, *force_user = NULL, *guest = NULL;
	gboolean samba = FALSE;
	GOptionEntry entries[] = {
		{ "server", 0, 0, G_OPTION_ARG_STRING, &server, "the server (default: the site "
		  "server)", "NAME" },
		{ "samba", 0, 0, G_OPTION_ARG_NONE, &samba, "print an smb.conf fragment serving the "
		  "shares", NULL },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "with --samba: write the fragment "
		  "to FILE (atomically) instead of standard output", "FILE" },
		{ "force-user", 0, 0, G_OPTION_ARG_STRING, &force_user, "with --samba: Unix user that "
		  "owns what workstations write (force user)", "USER" },
		{ "guest-account", 0, 0, G_OPTION_ARG_STRING, &guest, "with --samba: Unix account "
		  "Samba maps guests to (default: nobody)", "USER" },
		{ NULL },
	};
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(GPtrArray) shares = NULL;
	g_autoptr(GString) o = g_string_new(NULL);
	SmsSambaConfOptions opts = { 0 };

	if (!sms_cli_parse(cli, "shares", "", "The shares of a server as SMS 1.x named them "
	                   "(SMS_SHR<x>, SMS_SHR, SMS_SITE, SMS_PKG<x>, share names of Share "
	                   "Package jobs) with their access; --samba prints the smb.conf share "
	                   "sections that serve them.", entries, &argc, &argv, error))
		return FALSE;
	if (argc != 1)
		return sms_throw(error, SMS_ERROR_USAGE, "shares: unexpected argument '%s'", argv[1]);
	if (!samba && (output || force_user || guest))
		return sms_throw(error, SMS_ERROR_USAGE, "shares: --output, --force-user and "
		                 "--guest-account need --samba");
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (!sms_samba_shares(site, server ? server : sms_site_server_name(site), &shares, error))
		return FALSE;
	if (samba) {
		g_autofree char *conf = NULL;
		g_autofree char *srv = sms_strup(server ? server : sms_site_server_name(site));
		opts.force_user = force_user;
		opts.guest_account = guest;
		if (!sms_samba_conf(shares, &opts, &conf, error))
			return FALSE;
		g_string_append_printf(o, "# smb.conf shares of \\\\%s, site %s (%s), written by "
		                       "jobsvc shares --samba.\n# Include it from the [global] smb.conf "
		                       "of the smbd serving %s; Guests need\n# \"map to guest = Bad "
		                       "User\" there.\n%s", srv, site->code, site->root, srv, conf);
		if (output)
			return sms_atomic_write(output, o->str, o->len, 0644, SMS_SYNC_FILE, error);
		fputs(o->str, stdout);
		return TRUE;
	}
	if (cli->json)
		g_string_append_c(o, '[');
	for (guint i = 0; i < shares->len; i++) {
		SmsSambaShare *s = shares->pdata[i];
		if (cli->json) {
			g_string_append(o, i ? ",{\"server\":" : "{\"server\":");
			sms_json_append_string(o, s->server);
			g_string_append(o, ",\"share\":");
			sms_json_append_string(o, s->name);
			g_string_append(o, ",\"path\":");
			sms_json_append_string(o, s->path);
			g_string_append(o, ",\"acl\":");
			sms_json_append_string(o, s->acl);
			g_string_append(o, ",\"package\":");
			if (s->package)
				sms_json_append_string(o, s->package);
			else
				g_string_append(o, "null");
			g_string_append_printf(o, ",\"revoked\":%s}", s->revoked ? "true" : "false");
		} else {
			g_string_append_printf(o, "\\\\%s\\%-10s %-28s %s%s\n", s->server, s->name,
			                       s->acl, s->path, s->revoked ? " (access revoked)" : "");
		}
	}
	if (cli->json)
		g_string_append(o, "]\n");
	fputs(o->str, stdout);
	return TRUE;
}
