/* cli.h -- the command table every program uses.
 *
 * A program is `prog [GLOBAL OPTIONS] COMMAND [ARGS]`. Global options (--site DIR,
 * --workstation NAME, --json, --help, --version) are parsed once by
 * sms_cli_main(); the command then gets argv starting at its own name and parses its
 * own options (sms_cli_parse). A command returns FALSE with an error; main prints the
 * one message "prog: message" and exits 1 (2 for usage errors).
 */
#pragma once
#include "common.h"

typedef struct {
	const char *prog;        /* "jobsvc" */
	char *site_dir;          /* --site DIR (may be NULL) */
	char *workstation;       /* --workstation NAME (pcm) */
	gboolean json;           /* --json */
	gboolean service;        /* --service (pcm) */
	gboolean execute;        /* --execute (pcm real mode) */
	int exit_status;         /* set by a command that succeeds with a verdict (diff: 1 when
	                          * the runs differ; simulate: 3 when an expectation failed) */
	int error_status;        /* set by a command whose errors exit otherwise than 1 */
} SmsCli;

typedef gboolean (*SmsCmdFunc)(SmsCli *cli, int argc, char **argv, GError **error);

typedef struct {
	const char *name;        /* "package", "job", "dump" ... */
	SmsCmdFunc func;
	const char *summary;     /* one line for --help */
} SmsCommand;

/* Parse global options, dispatch to a command of the table, print the error once.
 * Returns the process exit status. */
int sms_cli_main(const char *prog, const char *description, const SmsCommand *commands,
                 int argc, char **argv);

/* Parse a command's own options. argv[0] is the command name (or "command sub").
 * parameter_string e.g. "FILE"; On --help prints help and exits 0. */
gboolean sms_cli_parse(SmsCli *cli, const char *cmdname, const char *parameter_string,
                       const char *summary, GOptionEntry *entries, int *argc, char ***argv,
                       GError **error);

/* Error for a command that needs --site. */
gboolean sms_cli_require_site(SmsCli *cli, GError **error);
