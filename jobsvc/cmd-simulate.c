/* cmd-simulate.c -- jobsvc simulate: replay a scenario on a virtual clock. */
#include "commands.h"
#include "expect.h"
#include "report.h"
#include "simulate.h"

#include <stdio.h>
#include <unistd.h>

gboolean
sms_cmd_simulate(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autofree char *until = NULL;
	g_autofree char *events = NULL;
	g_autofree char *site_dir = NULL;
	gboolean quiet = FALSE, force = FALSE, check = FALSE;
	gint max_days = 0;
	g_autofree char *report_path = NULL;
	g_autoptr(SmsScenario) scn = NULL;
	g_autoptr(SmsEvLog) collected = NULL;
	GOptionEntry entries[] = {
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until, "stop at this time", "\"YYYY-MM-DD HH:MM\"" },
		{ "max-days", 0, 0, G_OPTION_ARG_INT, &max_days,
		  "without Until= (or --until), stop N days after Start", "N" },
		{ "events", 0, 0, G_OPTION_ARG_FILENAME, &events,
		  "write the event log (one JSON object per line) to FILE, - for stdout", "FILE" },
		{ "site-dir", 0, 0, G_OPTION_ARG_FILENAME, &site_dir,
		  "build the site roots under DIR (default: a new temporary directory)", "DIR" },
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force,
		  "replace the site roots an earlier run left in --site-dir", NULL },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &check,
		  "only check the scenario (nothing is kept, nothing runs)", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
		  "do not print the timeline (nor progress)", NULL },
		{ "report", 0, 0, G_OPTION_ARG_FILENAME, &report_path,
		  "also write the HTML report of the run to FILE (see jobsvc report)", "FILE" },
		{ NULL }
	};
	SmsSimOptions opt = { 0 };
	SmsSimResult res = { 0 };
	FILE *ev = NULL;
	FILE *report;
	gboolean ok;

	if (!sms_cli_parse(cli, "simulate", "SCENARIO.ini",
	                   "Build fresh site roots from a scenario and run every component of every "
	                   "site on one virtual clock. See smsemu-scenario(5).",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "simulate: expected one SCENARIO.ini");
	if (max_days < 0)
		return sms_throw(error, SMS_ERROR_USAGE, "--max-days: expected a number of days >= 1");
	/* The expectations are read here (the run reads the scenario again, the same way). */
	if (!sms_scenario_load(argv[1], &scn, error))
		return FALSE;
	if (scn->expects->len > 0 || report_path)
		collected = sms_evlog_new(NULL);
	opt.collect = collected;
	opt.scenario_path = argv[1];
	opt.site_dir = site_dir;
	opt.force = force;
	opt.check = check;
	opt.max_days = max_days;
	opt.until = SMS_TIME_NONE;
	if (until && !sms_time_parse(until, &opt.until, error)) {
		g_prefix_error(error, "--until: ");
		return FALSE;
	}
	if (check) {
		if (!sms_simulate(&opt, &res, error))
			return FALSE;
		if (cli->json) {
			g_autoptr(GString) js = g_string_new("{\"scenario\":");
			sms_json_append_string(js, argv[1]);
			g_string_append_printf(js, ",\"valid\":true,\"sites\":%u,\"workstations\":%u,"
			                       "\"packages\":%u,\"jobs\":%u,\"events\":%u}\n", res.sites,
			                       res.workstations, res.packages, res.jobs,
			                       res.scenario_events);
			fputs(js->str, stdout);
		} else {
			printf("%s: OK (%u site(s), %u workstation(s), %u package(s), %u job(s), %u "
			       "event(s))\n", argv[1], res.sites, res.workstations, res.packages, res.jobs,
			       res.scenario_events);
		}
		sms_sim_result_clear(&res);
		return TRUE;
	}
	if (events && g_strcmp0(events, "-") == 0) {
		ev = stdout;
	} else if (events) {
		ev = fopen(events, "w");
		if (ev == NULL)
			return sms_throw_errno(error, "%s", events);
	}
	/* stdout holds one thing: the event log, the JSON summary, or the readable report */
	report = ev == stdout || cli->json ? stderr : stdout;
	opt.events = ev;
	opt.timeline = quiet ? NULL : report;
	opt.progress = !quiet && isatty(fileno(stderr)) ? stderr : NULL;
	ok = sms_simulate(&opt, &res, error);
	if (ev && ev != stdout) {
		if (fclose(ev) != 0 && ok)
			ok = sms_throw_errno(error, "%s", events);
	} else if (ev) {
		fflush(ev);
	}
	if (!ok)
		return FALSE;
	if (!quiet) {
		char tbuf[24];
		fprintf(report, "\nSimulated until %s: %" G_GUINT64_FORMAT " events at %"
		        G_GUINT64_FORMAT " instants.\nSite roots: %s\n",
		        sms_time_format_buf(res.end, tbuf), res.events, res.steps, res.site_dir);
		for (guint i = 0; i < res.job_ids->len; i++)
			fprintf(report, "Job %s\n", (char *)res.job_ids->pdata[i]);
	} else if (!cli->json) {
		/* the site roots are kept: say where, even when quiet */
		fprintf(ev == stdout ? stderr : stdout, "Site roots: %s\n", res.site_dir);
	}
	if (collected) {
		g_autoptr(SmsRunModel) model = sms_run_model_new(collected);
		if (report_path) {
			g_autofree char *title = g_path_get_basename(argv[1]);
			if (!sms_report_write(model, title, report_path, error)) {
				sms_sim_result_clear(&res);
				return FALSE;
			}
			if (!quiet || ev != stdout)
				fprintf(report, "Report: %s\n", report_path);
		}
		if (scn->expects->len > 0 && opt.until != SMS_TIME_NONE &&
		    (scn->until == SMS_TIME_NONE || opt.until < scn->until)) {
			/* --until cut the run short: what was expected may still be to come */
			fprintf(ev == stdout || cli->json ? stderr : stdout, "\nExpectations not checked "
			        "(%u): --until ends the run before the scenario does.\n",
			        scn->expects->len);
		} else if (scn->expects->len > 0) {
			g_autoptr(GPtrArray) results = sms_expect_check(scn->expects, model);
			g_autoptr(GString) text = g_string_new(NULL);
			guint failed = sms_expect_format(results, text);
			/* the verdict is printed even with --quiet */
			fprintf(ev == stdout || cli->json ? stderr : stdout, "\nExpectations (%u):\n%s%s",
			        results->len, text->str, failed ? "" : "All expectations held.\n");
			if (failed) {
				fprintf(ev == stdout || cli->json ? stderr : stdout,
				        "%u of %u expectation(s) FAILED.\n", failed, results->len);
				cli->exit_status = 3;
			}
		}
	}
	if (cli->json) {
		/* machine-readable summary on stdout */
		char tbuf[24];
		g_autoptr(GString) js = g_string_new("{\"site_dir\":");
		sms_json_append_string(js, res.site_dir);
		g_string_append(js, ",\"until\":");
		sms_json_append_string(js, sms_time_format_buf(res.end, tbuf));
		g_string_append_printf(js, ",\"events\":%" G_GUINT64_FORMAT ",\"instants\":%"
		                       G_GUINT64_FORMAT ",\"jobs\":[", res.events, res.steps);
		for (guint i = 0; i < res.job_ids->len; i++) {
			if (i)
				g_string_append_c(js, ',');
			sms_json_append_string(js, res.job_ids->pdata[i]);
		}
		g_string_append(js, "]}\n");
		if (ev == stdout)
			fputs(js->str, stderr);   /* stdout is the event log */
		else
			fputs(js->str, stdout);
	}
	sms_sim_result_clear(&res);
	return TRUE;
}
