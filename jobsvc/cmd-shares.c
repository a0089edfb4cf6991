/* cmd-shares.c -- jobsvc shares: the shares of a server as SMS named them, and the
 * smb.conf fragment that serves them with Samba. */
#include "commands.h"
#include "atomic.h"
#include "samba.h"
#include "share.h"
#include "util.h"

#include <stdio.h>

/* The files held open over SMB on the server's shares, as the locked-file check sees
 * them. */
static gboolean
list_open(SmsCli *cli, SmsSite *site, const char *server, GError **error)
{
	g_autofree char *command = NULL;
	g_auto(GStrv) argv = NULL;
	g_autoptr(GPtrArray) opens = NULL, shares = NULL;
	g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                               sms_share_session_free);
	g_autoptr(GString) o = g_string_new(cli->json ? "[" : NULL);
	g_autoptr(GError) local = NULL;
	if (!sms_samba_server_command(site, server, &command, error))
		return FALSE;
	if (command == NULL)
		return sms_throw(error, SMS_ERROR_USAGE, "shares --open: the shares of %s are not "
		                 "served by Samba (set shares --smbstatus COMMAND first)", server);
	if (!g_shell_parse_argv(command, NULL, &argv, &local))
		return sms_throw(error, SMS_ERROR_USAGE, "shares --open: '%s': %s", command,
		                 local->message);
	if (!sms_samba_status_run((const char *const *)argv, &opens, error) ||
	    !sms_samba_shares(site, server, &shares, error) ||
	    !sms_samba_sessions(opens, shares, server, sessions, error))
		return FALSE;
	for (guint i = 0; i < sessions->len; i++) {
		SmsShareSession *s = sessions->pdata[i];
		if (cli->json) {
			g_string_append(o, i ? ",{\"server\":" : "{\"server\":");
			sms_json_append_string(o, s->server);
			g_string_append(o, ",\"share\":");
			sms_json_append_string(o, s->share);
			g_string_append(o, ",\"file\":");
			sms_json_append_string(o, s->file);
			g_string_append(o, ",\"user\":");
			sms_json_append_string(o, s->user);
			g_string_append(o, ",\"machine\":");
			sms_json_append_string(o, s->machine);
			g_string_append_printf(o, ",\"pid\":%d}", s->pid);
		} else {
			g_string_append_printf(o, "%-10s %-12s %-24s %-10s %s\n", s->server, s->share,
			                       s->file, s->user, s->machine ? s->machine : "");
		}
	}
	if (cli->json)
		g_string_append(o, "]\n");
	fputs(o->str, stdout);
	return TRUE;
}

gboolean
sms_cmd_shares(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *server = NULL, *output = NULL, *force_user = NULL, *guest = NULL;
	g_autofree char *smbstatus = NULL;
	gboolean samba = FALSE, open_files = FALSE;
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
		{ "smbstatus", 0, 0, G_OPTION_ARG_STRING, &smbstatus, "the server's shares are served "
		  "by Samba: COMMAND prints smbstatus --json of its smbd (\"none\": no longer)",
		  "COMMAND" },
		{ "open", 0, 0, G_OPTION_ARG_NONE, &open_files, "files of the server's shares held "
		  "open over SMB (needs --smbstatus set)", NULL },
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
	if (samba + open_files + (smbstatus != NULL) > 1)
		return sms_throw(error, SMS_ERROR_USAGE, "shares: --samba, --smbstatus and --open "
		                 "exclude each other");
	if (!jobsvc_open_site(cli, &site, error))
		return FALSE;
	if (smbstatus) {
		const char *srv = server ? server : sms_site_server_name(site);
		gboolean off = g_ascii_strcasecmp(smbstatus, "none") == 0;
		if (!sms_samba_set_server(site, srv, off ? NULL : smbstatus, error))
			return FALSE;
		if (off)
			g_print("%s: shares no longer served by Samba\n", srv);
		else
			g_print("%s: shares served by Samba; open files from: %s\n", srv, smbstatus);
		return TRUE;
	}
	if (open_files)
		return list_open(cli, site, server ? server : sms_site_server_name(site), error);
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
