/* cmd-report.c -- jobsvc report (an HTML file that shows a run) and jobsvc diff (two runs
 * compared by job name, server and workstation). Both read `simulate --events` logs. */
#include "commands.h"
#include "evlog.h"
#include "report.h"
#include "rundiff.h"

#include <stdio.h>

gboolean
sms_cmd_report(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *output = NULL;
	g_autofree char *base = NULL;
	g_autoptr(SmsEvLog) log = NULL;
	g_autoptr(SmsRunModel) model = NULL;
	GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "write the report to FILE (default: EVENTS with .html instead of .jsonl)", "FILE" },
		{ NULL }
	};
	if (!sms_cli_parse(cli, "report", "EVENTS.jsonl",
	                   "Write one self-contained HTML file (inline SVG, CSS and a little "
	                   "JavaScript; no network, no other file) that shows a run: Job Details "
	                   "and computers by state over time, the install swimlane of each "
	                   "distribution server with the forced-delivery arithmetic, a table of the "
	                   "workstations and the event log.", entries, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "report: expected one EVENTS.jsonl");
	if (output == NULL) {
		g_autofree char *stem = g_str_has_suffix(argv[1], ".jsonl")
		                        ? g_strndup(argv[1], strlen(argv[1]) - 6) : g_strdup(argv[1]);
		output = g_strconcat(stem, ".html", NULL);
	}
	if (!sms_evlog_load(argv[1], &log, error))
		return FALSE;
	model = sms_run_model_new(log);
	base = g_path_get_basename(argv[1]);
	if (!sms_report_write(model, base, output, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) js = g_string_new("{\"report\":");
		sms_json_append_string(js, output);
		g_string_append_printf(js, ",\"events\":%u,\"jobs\":%u}\n", log->recs->len,
		                       model->jobs->len);
		fputs(js->str, stdout);
	} else {
		printf("Report of %u events, %u job(s): %s\n", log->recs->len, model->jobs->len, output);
	}
	return TRUE;
}

gboolean
sms_cmd_diff(SmsCli *cli, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autoptr(SmsEvLog) la = NULL;
	g_autoptr(SmsEvLog) lb = NULL;
	g_autoptr(SmsRunModel) ma = NULL;
	g_autoptr(SmsRunModel) mb = NULL;
	g_autoptr(SmsRunDiff) d = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON document instead of text", NULL },
		{ NULL }
	};
	cli->error_status = 2;
	if (!sms_cli_parse(cli, "diff", "A.jsonl B.jsonl",
	                   "Compare two runs (event logs of jobsvc simulate --events) by job name, "
	                   "server and workstation, not by generated IDs: jobs, servers and "
	                   "computers whose final status changed, events that moved in time and by "
	                   "how much, events in only one run. Exit status 0 when the runs are the "
	                   "same, 1 when they differ, 2 on error.", entries, &argc, &argv, error))
		return FALSE;
	if (argc != 3)
		return sms_throw(error, SMS_ERROR_USAGE, "diff: expected two event logs A.jsonl B.jsonl");
	if (!sms_evlog_load(argv[1], &la, error) || !sms_evlog_load(argv[2], &lb, error))
		return FALSE;
	ma = sms_run_model_new(la);
	mb = sms_run_model_new(lb);
	d = sms_run_diff(ma, mb);
	if (json || cli->json)
		sms_run_diff_json(d, argv[1], argv[2], out);
	else
		sms_run_diff_text(d, argv[1], argv[2], out);
	fputs(out->str, stdout);
	cli->exit_status = sms_run_diff_equal(d) ? 0 : 1;
	return TRUE;
}
