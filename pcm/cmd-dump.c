/* cmd-dump.c -- pcm dump (PCMDUMP). See cmd-dump.h. */
#include "cmd-dump.h"
#include "ins.h"
#include "site.h"
#include "smsini.h"

#include <stdio.h>

/* The instruction file a workstation's PCM reads:
 * <logon server>/LOGON.SRV/<InstructionSharePoint>/<SMS ID>.INS, all from its SMS.INI. */
static gboolean
workstation_file(SmsCli *cli, char **out, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsSmsIni) ini = NULL;
	g_autofree char *wdir = NULL;
	g_autofree char *path = NULL;
	g_autofree char *srv = NULL;
	g_autofree char *box = NULL;
	g_autofree char *name = NULL;
	const char *server;
	if (!sms_cli_require_site(cli, error))
		return FALSE;
	if (cli->workstation == NULL)
		return sms_throw(error, SMS_ERROR_USAGE, "dump --all needs --workstation WKS");
	if (!sms_site_open(cli->site_dir, &site, error))
		return FALSE;
	wdir = sms_layout_workstation(site, cli->workstation);
	path = g_build_filename(wdir, "SMS.INI", NULL);
	if (!sms_smsini_load(path, &ini, error))
		return FALSE;
	if (ini->sms_id == NULL)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: no SMS Unique ID: the workstation "
		                 "has no instruction file yet", path);
	server = ini->current_logon_server;
	if (server == NULL && ini->servers->len > 0)
		server = ini->servers->pdata[0];
	if (server == NULL)
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "%s: no CurrentLogonServer or Server1 in "
		                 "[Servers]", path);
	srv = sms_layout_logon_srv(site, server);
	if (!g_file_test(srv, G_FILE_TEST_IS_DIR))
		return sms_throw(error, SMS_ERROR_NOT_FOUND, "logon server %s (from %s) not found: no "
		                 "%s", server, path, srv);
	box = sms_find_child_ci(srv, ini->instruction_share);
	if (box == NULL)
		box = sms_strup(ini->instruction_share);
	name = g_strdup_printf("%s.INS", ini->sms_id);
	*out = g_build_filename(srv, box, name, NULL);
	return TRUE;
}

gboolean
sms_pcm_cmd_dump(SmsCli *cli, int argc, char **argv, GError **error)
{
	gboolean all = FALSE, detailed = FALSE;
	GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all, "the file this workstation's PCM reads "
		  "(needs --site and --workstation)", NULL },
		{ "detailed", 'd', 0, G_OPTION_ARG_NONE, &detailed, "names after the numbers: "
		  "platforms, server types, command flags", NULL },
		{ NULL }
	};
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) o = g_string_new(NULL);
	g_autoptr(GError) failed = NULL;
	guint shown = 0;

	if (!sms_cli_parse(cli, "dump", "[FILE... | --all]", "Print PCM instruction files field "
	                   "by field, as PCMDUMP did (dates MM/DD/YY HH:MM:SS).", entries, &argc,
	                   &argv, error))
		return FALSE;
	for (int i = 1; i < argc; i++)
		g_ptr_array_add(files, g_strdup(argv[i]));
	if (all) {
		char *path = NULL;
		if (files->len > 0)
			return sms_throw(error, SMS_ERROR_USAGE, "dump: FILE... or --all, not both");
		if (!workstation_file(cli, &path, error))
			return FALSE;
		g_ptr_array_add(files, path);
	}
	if (files->len == 0)
		return sms_throw(error, SMS_ERROR_USAGE, "dump: expected FILE... or --all");
	if (cli->json)
		g_string_append_c(o, '[');
	for (guint i = 0; i < files->len; i++) {
		g_autoptr(SmsInsFile) f = NULL;
		g_autoptr(GError) local = NULL;
		if (!sms_ins_load(files->pdata[i], &f, &local)) {
			if (failed)   /* every failure is reported; the last one by the caller */
				g_printerr("%s: %s\n", cli->prog, failed->message);
			g_clear_error(&failed);
			failed = g_steal_pointer(&local);
			continue;
		}
		if (cli->json) {
			if (shown)
				g_string_append_c(o, ',');
			sms_ins_dump_json(f, files->pdata[i], o);
		} else {
			if (shown)
				g_string_append_c(o, '\n');
			sms_ins_dump_with_flags(f, files->pdata[i], detailed ? SMS_INS_DUMP_DETAILED : 0,
			                        o);
		}
		shown++;
	}
	if (cli->json)
		g_string_append(o, "]\n");
	if (fputs(o->str, stdout) == EOF || fflush(stdout) != 0)
		return sms_throw_errno(error, "writing the dump");
	if (failed) {
		g_propagate_error(error, g_steal_pointer(&failed));
		return FALSE;
	}
	return TRUE;
}
