/* cli.c -- global options and command dispatch shared by all programs. */
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

static void
print_help(const char *prog, const char *description, const SmsCommand *commands)
{
	g_print("Usage: %s [OPTIONS] COMMAND [ARGS...]\n\n%s\n\nCommands:\n", prog, description);
	for (const SmsCommand *c = commands; c->name; c++)
		g_print("  %-14s %s\n", c->name, c->summary);
	g_print("\nOptions:\n"
	        "  --site DIR          site root directory (or $SMSEMU_SITE)\n");
	if (g_str_equal(prog, "pcm"))
		g_print("  --workstation NAME  the workstation this PCM runs on\n"
		        "  --service           PCMSVC32: run only commands marked for the service\n"
		        "  --execute           run command lines for real (/bin/sh -c in the package)\n");
	g_print("  --json              machine-readable output\n"
	        "  --help              this help; COMMAND --help for a command's options\n"
	        "  --version           print the version\n\n"
	        "See %s(1).\n", prog);
}

int
sms_cli_main(const char *prog, const char *description, const SmsCommand *commands,
             int argc, char **argv)
{
	SmsCli cli = { .prog = prog };
	g_autoptr(GError) error = NULL;
	int i = 1;
	const SmsCommand *cmd = NULL;

	/* names (Büro) and option help in the user's character set; numbers stay C so that
	 * nothing written for machines depends on the locale */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
	g_set_prgname(prog);
	cli.site_dir = g_strdup(g_getenv("SMSEMU_SITE"));
	/* global options come before the command */
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		gboolean takes = FALSE;

		if (a[0] != '-')
			break;
		if (g_str_equal(a, "--help") || g_str_equal(a, "-h")) {
			print_help(prog, description, commands);
			return 0;
		}
		if (g_str_equal(a, "--version")) {
			g_print("%s (smsemu) %s\n", prog, SMS_VERSION);
			return 0;
		}
		if (g_str_equal(a, "--json")) { cli.json = TRUE; continue; }
		if (g_str_equal(a, "--service")) { cli.service = TRUE; continue; }
		if (g_str_equal(a, "--execute")) { cli.execute = TRUE; continue; }
		if (g_str_has_prefix(a, "--site") || g_str_has_prefix(a, "--workstation")) {
			const char *eq = strchr(a, '=');
			takes = TRUE;
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				g_printerr("%s: option %s needs a value\n", prog, a);
				return 2;
			}
			if (g_str_has_prefix(a, "--site")) {
				g_free(cli.site_dir);
				cli.site_dir = g_strdup(val);
			} else {
				g_free(cli.workstation);
				cli.workstation = g_strdup(val);
			}
		}
		if (!takes) {
			g_printerr("%s: unknown option '%s' (see %s --help)\n", prog, a, prog);
			return 2;
		}
	}
	if (i >= argc) {
		g_printerr("%s: no command given (see %s --help)\n", prog, prog);
		return 2;
	}
	for (const SmsCommand *c = commands; c->name; c++)
		if (g_str_equal(c->name, argv[i]))
			cmd = c;
	if (cmd == NULL) {
		g_printerr("%s: unknown command '%s' (see %s --help)\n", prog, argv[i], prog);
		return 2;
	}
	if (cmd->func == NULL) {
		g_printerr("%s: command '%s' is not part of this build\n", prog, argv[i]);
		return 1;
	}
	if (!cmd->func(&cli, argc - i, argv + i, &error)) {
		g_printerr("%s: %s\n", prog, error ? error->message : "failed");
		g_free(cli.site_dir);
		g_free(cli.workstation);
		if (error && error->domain == SMS_ERROR && error->code == SMS_ERROR_USAGE)
			return 2;
		return cli.error_status ? cli.error_status : 1;
	}
	fflush(stdout);
	g_free(cli.site_dir);
	g_free(cli.workstation);
	return cli.exit_status;
}

gboolean
sms_cli_parse(SmsCli *cli, const char *cmdname, const char *parameter_string,
              const char *summary, GOptionEntry *entries, int *argc, char ***argv,
              GError **error)
{
	g_autofree char *title = g_strdup_printf("%s %s", cmdname,
	                                         parameter_string ? parameter_string : "");
	g_autoptr(GOptionContext) ctx = g_option_context_new(title);
	g_autoptr(GError) local = NULL;
	/* glib wants argv[0] = program name for the usage line */
	g_autofree char *old0 = NULL;

	/* the global options are accepted after the command name too */
	GOptionEntry globals[] = {
		{ "site", 0, 0, G_OPTION_ARG_FILENAME, &cli->site_dir, "site root", "DIR" },
		{ "workstation", 0, 0, G_OPTION_ARG_STRING, &cli->workstation, "workstation", "WKS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "JSON output", NULL },
		{ "service", 0, 0, G_OPTION_ARG_NONE, &cli->service, "PCM service mode", NULL },
		{ "execute", 0, 0, G_OPTION_ARG_NONE, &cli->execute, "PCM real mode", NULL },
		{ NULL }
	};
	GOptionGroup *group = g_option_group_new("global", "Global options:",
	                                         "Show global options", NULL, NULL);
	g_option_group_add_entries(group, globals);
	g_option_context_add_group(ctx, group);
	g_option_context_set_summary(ctx, summary);
	if (entries)
		g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_help_enabled(ctx, TRUE);
	g_set_prgname(cli->prog);
	if (!g_option_context_parse(ctx, argc, argv, &local))
		return sms_throw(error, SMS_ERROR_USAGE, "%s: %s", cmdname, local->message);
	return TRUE;
}

gboolean
sms_cli_require_site(SmsCli *cli, GError **error)
{
	if (cli->site_dir == NULL || *cli->site_dir == '\0')
		return sms_throw(error, SMS_ERROR_USAGE,
		                 "this command needs --site DIR (the site root), or $SMSEMU_SITE");
	return TRUE;
}
