/* test-report.c -- event logs read back (errors with file:line:column), the run model,
 * [Expect] sections (parsing with file:line, evaluation held / failed), the HTML report
 * (self-contained, the KB Q140403 swimlane and arithmetic) and the diff of two runs. */
#include "testlib.h"
#include "evlog.h"
#include "expect.h"
#include "report.h"
#include "rundiff.h"
#include "scenario.h"

static SmsEvLog *
parse_ok(const char *text)
{
	SmsEvLog *log = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_evlog_parse("t.jsonl", text, strlen(text), &log, &error))
		g_error("unexpected: %s", error->message);
	return log;
}

static SmsEvLog *
golden(const char *name)
{
	g_autofree char *rel = g_strdup_printf("samples/expected/%s.jsonl", name);
	g_autofree char *path = sms_test_srcpath(rel);
	SmsEvLog *log = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_evlog_load(path, &log, &error))
		g_error("unexpected: %s", error->message);
	return log;
}

static void
test_evlog_parse(void)
{
	const char *text =
		"{\"time\":\"1996-02-01 09:00:00\",\"site\":\"A01\",\"component\":\"despooler\","
		"\"event\":\"distribute.locked\",\"job\":\"A0100002\",\"job_name\":\"REFRESH\","
		"\"server\":\"SRV01\",\"user\":\"al\\\"ice\",\"detail\":\"0\",\"future\":12}\n"
		"\n"
		"  {\"time\":\"1996-02-01 09:05\", \"site\":\"A01\", \"component\":\"pcm\", "
		"\"event\":\"pcm.offered\", \"machine\":\"B\\u00fcro\", \"detail\":null}\r\n";
	g_autoptr(SmsEvLog) log = parse_ok(text);
	const SmsEvRec *r;
	char b[24];
	g_assert_cmpuint(log->recs->len, ==, 2);
	r = &g_array_index(log->recs, SmsEvRec, 0);
	g_assert_cmpstr(r->event, ==, "distribute.locked");
	g_assert_cmpstr(r->user, ==, "al\"ice");
	g_assert_cmpstr(sms_evrec_job_key(r), ==, "REFRESH");
	g_assert_cmpuint(r->line, ==, 1);
	r = &g_array_index(log->recs, SmsEvRec, 1);
	g_assert_cmpstr(sms_time_format_buf(r->time, b), ==, "1996-02-01 09:05:00");
	g_assert_cmpstr(r->machine, ==, "B\xc3\xbcro");
	g_assert_null(r->detail);
	g_assert_null(sms_evrec_job_key(r));
	g_assert_cmpuint(r->line, ==, 3);
}

static void
expect_parse_error(const char *text, const char *what)
{
	SmsEvLog *log = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_false(sms_evlog_parse("bad.jsonl", text, strlen(text), &log, &error));
	g_assert_null(log);
	g_assert_nonnull(error);
	if (strstr(error->message, what) == NULL)
		g_error("'%s' not in '%s'", what, error->message);
}

static void
test_evlog_errors(void)
{
	const char *ok = "{\"time\":\"1996-02-01 09:00:00\",\"site\":\"A01\",\"component\":\"x\","
	                 "\"event\":\"a.b\"}\n";
	g_autofree char *l2 = g_strconcat(ok, "{\"time\":\"1996-02-01 09:00:00\",\"site\":\"A01\"",
	                                  "\n", NULL);
	g_autofree char *l3 = g_strconcat(ok, ok, "[1]\n", NULL);
	expect_parse_error(l2, "bad.jsonl:2:");
	expect_parse_error(l2, "expected ',' or '}'");
	expect_parse_error(l3, "bad.jsonl:3:1: expected '{'");
	expect_parse_error("{\"time\":\"yesterday\",\"site\":\"A\",\"component\":\"c\","
	                   "\"event\":\"e.f\"}", "bad.jsonl:1:9: \"time\": expected");
	expect_parse_error("{\"time\":\"1996-02-01 09:00\",\"site\":\"A01\"}",
	                   "expected the fields \"time\", \"site\", \"component\" and \"event\"");
	expect_parse_error("{\"time\":\"1996-02-01 09:00\",\"site\":1}", "\"site\": expected a string");
	expect_parse_error("{\"site\":\"A\\q\"}", "unknown escape");
	expect_parse_error("{\"site\":\"A} x", "unterminated string");
	expect_parse_error("{\"time\":\"1996-02-01 09:00\",\"site\":\"A\",\"component\":\"c\","
	                   "\"event\":\"e.f\"} trailing", "expected the end of the line");
}

static void
test_model_rollout(void)
{
	g_autoptr(SmsEvLog) log = golden("office-rollout");
	g_autoptr(SmsRunModel) m = sms_run_model_new(log);
	SmsRunJob *j;
	SmsRunMachine *k;
	guint counts[SMS_RUN_N_STATES] = { 0 };
	const SmsRunSample *last;
	char b[24];
	g_assert_cmpuint(m->jobs->len, ==, 1);
	j = sms_run_model_job(m, "rollout");
	g_assert_nonnull(j);
	g_assert_true(j == sms_run_model_job(m, "A0100001"));
	g_assert_cmpstr(j->status, ==, "Retrying");
	g_assert_cmpuint(j->machines->len, ==, 500);
	g_assert_cmpuint(j->servers->len, ==, 3);
	for (guint i = 0; i < j->machines->len; i++)
		counts[((SmsRunMachine *)j->machines->pdata[i])->state]++;
	g_assert_cmpuint(counts[SMS_RUN_COMPLETE], ==, 498);
	g_assert_cmpuint(counts[SMS_RUN_RETRYING], ==, 2);
	k = g_hash_table_lookup(j->machine_index, "SAL0007");
	g_assert_nonnull(k);
	g_assert_cmpint(k->state, ==, SMS_RUN_RETRYING);
	g_assert_cmpstr(k->domain, ==, "SALES");
	g_assert_cmpstr(k->server, ==, "SALESDC1");
	g_assert_cmpstr(sms_time_format_buf(k->offered, b), ==, "1996-03-01 12:30:00");
	g_assert_cmpstr(sms_time_format_buf(k->countdown, b), ==, "1996-03-04 08:30:00");
	g_assert_cmpstr(sms_time_format_buf(k->executed, b), ==, "1996-03-04 08:47:00");
	/* the samples of the stacked area end with the final counts */
	last = &g_array_index(j->samples, SmsRunSample, j->samples->len - 1);
	g_assert_cmpuint(last->counts[SMS_RUN_COMPLETE], ==, 498);
	g_assert_cmpuint(last->counts[SMS_RUN_RETRYING], ==, 2);
	g_assert_cmpuint(g_array_index(j->samples, SmsRunSample, 0).counts[SMS_RUN_PENDING], ==, 500);
}

static void
test_model_forced(void)
{
	g_autoptr(SmsEvLog) log = golden("kb-forced-delivery");
	g_autoptr(SmsRunModel) m = sms_run_model_new(log);
	SmsRunJob *j = sms_run_model_job(m, "REFRESH");
	SmsRunServer *s;
	char b[24];
	g_assert_nonnull(j);
	g_assert_cmpuint(j->servers->len, ==, 1);
	s = j->servers->pdata[0];
	g_assert_cmpstr(s->server, ==, "SRV01");
	g_assert_cmpuint(s->retries, ==, 10);
	g_assert_cmpstr(sms_time_format_buf(s->first_locked, b), ==, "1996-02-01 09:00:00");
	g_assert_cmpstr(sms_time_format_buf(s->revoked, b), ==, "1996-02-02 07:00:00");
	g_assert_cmpstr(sms_time_format_buf(s->disconnected, b), ==, "1996-02-02 07:05:00");
	g_assert_cmpstr(s->state, ==, "Complete");
}

/* The KB sample with extra text appended, parsed as if it were the sample file. */
static gboolean
parse_kb_plus(const char *extra, SmsScenario **out, GError **error)
{
	g_autofree char *path = sms_test_srcpath("samples/scenarios/kb-forced-delivery.ini");
	g_autofree char *data = NULL;
	g_autofree char *all = NULL;
	gsize len;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	all = g_strconcat(data, "\n", extra, NULL);
	return sms_scenario_parse(path, all, strlen(all), out, error);
}

static void
expect_scenario_error(const char *extra, const char *what)
{
	g_autoptr(SmsScenario) s = NULL;
	g_autoptr(GError) error = NULL;
	g_assert_false(parse_kb_plus(extra, &s, &error));
	g_assert_nonnull(error);
	if (strstr(error->message, what) == NULL)
		g_error("'%s' not in '%s'", what, error->message);
	g_assert_nonnull(strstr(error->message, "kb-forced-delivery.ini:"));
}

static void
test_expect_parse(void)
{
	g_autoptr(SmsScenario) s = NULL;
	g_autoptr(GError) error = NULL;
	const SmsScnExpect *x;
	char b[24];
	g_assert_true(parse_kb_plus("[Expect A]\nJob=refresh\nServer=srv01\nMachines=wks*\n"
	                            "Event=distribute.*\nBefore=1996-02-03 00:00\n"
	                            "After=1996-02-01 00:00\nCount=4\n", &s, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(s->expects->len, >=, 8);
	x = s->expects->pdata[s->expects->len - 1];
	g_assert_cmpstr(x->name, ==, "A");
	g_assert_cmpstr(x->server, ==, "SRV01");
	g_assert_cmpstr(x->machines, ==, "WKS*");
	g_assert_cmpstr(x->event, ==, "distribute.*");
	g_assert_cmpint(x->count, ==, 4);
	g_assert_cmpstr(sms_time_format_buf(x->before, b), ==, "1996-02-03 00:00:00");
	g_assert_true(sms_scenario_name_matches("X*, wks000?", "WKS0003"));
	g_assert_false(sms_scenario_name_matches("WKS000?", "WKS00031"));

	expect_scenario_error("[Expect B]\nJob=REFRESH\n", "expected Event= (what must happen)");
	expect_scenario_error("[Expect B]\nEvent=Forced Disconnect\n", "Event: expected an event");
	expect_scenario_error("[Expect B]\nEvent=a.b\nAt=1996-02-02 07:05\nBefore=1996-02-03 00:00\n",
	                      "At= excludes Before= and After=");
	expect_scenario_error("[Expect B]\nEvent=a.b\nNever=yes\nCount=2\n", "Never=yes excludes");
	expect_scenario_error("[Expect B]\nStatus=Complete\n", "Status= needs Job=");
	expect_scenario_error("[Expect B]\nJob=REFRESH\nStatus=Done\n", "Status: expected one of "
	                      "Pending, Active, Cancelled, Complete, Failed, Retrying");
	expect_scenario_error("[Expect B]\nJob=REFRESH\nMachines=WKS*\nStatus=Active\n",
	                      "a computer's status");
	expect_scenario_error("[Expect B]\nJob=NOPE\nEvent=a.b\n", "no [Job NOPE]");
	expect_scenario_error("[Expect B]\nServer=SRV99\nEvent=a.b\n", "unknown server 'SRV99'");
	expect_scenario_error("[Expect B]\nMachines=PC*\nEvent=a.b\n", "matches no workstation");
	expect_scenario_error("[Expect B]\nEvent=a.b\nColour=red\n", "Colour");
	expect_scenario_error("[Expect B]\nEvent=a.b\nAt=tomorrow\n", "At:");
	expect_scenario_error("[Expect FORCED-DELIVERY]\nEvent=a.b\n", "defined twice");
}

static void
test_expect_check(void)
{
	g_autoptr(SmsScenario) s = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsEvLog) log = golden("kb-forced-delivery");
	g_autoptr(SmsRunModel) m = sms_run_model_new(log);
	g_autoptr(GPtrArray) results = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	guint failed;
	g_assert_true(parse_kb_plus(
		"[Expect LATE]\nJob=REFRESH\nEvent=distribute.forced_disconnect\nAt=1996-02-02 07:10\n"
		"[Expect NONE]\nEvent=distribute.forced_disconnect\nNever=yes\n"
		"[Expect FAMILY]\nJob=REFRESH\nEvent=distribute.*\nBefore=1996-02-01 12:00\n"
		"[Expect SERVER]\nJob=REFRESH\nServer=SRV01\nStatus=Failed\n"
		"[Expect JOBAT]\nJob=INSTALL\nStatus=Complete\nBefore=1996-02-01 08:01\n"
		"[Expect TOO-MANY]\nJob=REFRESH\nEvent=distribute.locked\nCount=3\n", &s, &error));
	g_assert_no_error(error);
	results = sms_expect_check(s->expects, m);
	failed = sms_expect_format(results, text);
	g_test_message("%s", text->str);
	/* the sample's own seven hold */
	g_assert_cmpuint(failed, ==, 4);
	g_assert_nonnull(strstr(text->str, "held   FORCED-DELIVERY: distribute.forced_disconnect of "
	                        "REFRESH on SRV01 at 1996-02-02 07:05:00\n"));
	g_assert_nonnull(strstr(text->str, "FAILED LATE: expected distribute.forced_disconnect of "
	                        "REFRESH at 1996-02-02 07:10:00; it happened at 1996-02-02 07:05:00\n"));
	g_assert_nonnull(strstr(text->str, "FAILED NONE: expected no distribute.forced_disconnect; "
	                        "it happened 1 time(s) at 1996-02-02 07:05:00\n"));
	g_assert_nonnull(strstr(text->str, "held   FAMILY:"));
	g_assert_nonnull(strstr(text->str, "FAILED SERVER: expected job REFRESH on SRV01 to end "
	                        "Failed; Complete\n"));
	g_assert_nonnull(strstr(text->str, "held   JOBAT: job INSTALL status Complete before"));
	g_assert_nonnull(strstr(text->str, "FAILED TOO-MANY: expected 3 x distribute.locked of "
	                        "REFRESH; happened 11 time(s)"));
}

static void
test_report_kb(void)
{
	g_autoptr(SmsEvLog) log = golden("kb-forced-delivery");
	g_autoptr(SmsRunModel) m = sms_run_model_new(log);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *path = g_build_filename(dir, "r.html", NULL);
	g_autofree char *back = NULL;
	g_autoptr(GError) error = NULL;
	const char *p;
	guint scripts = 0;
	sms_report_html(m, "kb <test>", out);
	g_assert_true(g_str_has_prefix(out->str, "<!DOCTYPE html>"));
	g_assert_true(g_str_has_suffix(out->str, "</html>\n"));
	/* self-contained: nothing loaded from anywhere */
	g_assert_null(strstr(out->str, "http:"));
	g_assert_null(strstr(out->str, "https:"));
	g_assert_null(strstr(out->str, " src="));
	g_assert_null(strstr(out->str, "<link"));
	g_assert_nonnull(strstr(out->str, "smsemu run: kb &lt;test&gt;"));
	for (p = out->str; (p = strstr(p, "</script>")); p++)
		scripts++;
	g_assert_cmpuint(scripts, ==, 2);
	/* the swimlane of SRV01 marks the disconnect at 07:05 and t0 at 09:00 */
	g_assert_nonnull(strstr(out->str, "<g class=\"mark disconnect\" data-event=\"distribute."
	                        "forced_disconnect\" data-time=\"1996-02-02 07:05:00\"><title>"
	                        "disconnect: distribute.forced_disconnect 1996-02-02 07:05:00 "
	                        "(alice on WKS0001)</title>"));
	g_assert_nonnull(strstr(out->str, "<g class=\"mark t0\" data-event=\"distribute.locked\" "
	                        "data-time=\"1996-02-01 09:00:00\">"));
	g_assert_nonnull(strstr(out->str, "<g class=\"mark revoked\" data-event=\"share.access_"
	                        "revoked\" data-time=\"1996-02-02 07:00:00\">"));
	g_assert_nonnull(strstr(out->str, "x&middot;(y+1)+z = 120&middot;(10+1)+5 = 1325 min = 22 h "
	                        "05 min after t0 1996-02-01 09:00 &rarr; <b>1996-02-02 07:05</b>"));
	g_assert_nonnull(strstr(out->str, "<td class=\"status\">Complete since 1996-02-02 07:05:00"));
	g_assert_true(sms_report_write(m, "kb", path, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &back, NULL, NULL));
	g_assert_nonnull(strstr(back, "data-time=\"1996-02-02 07:05:00\""));
}

static void
test_report_rollout(void)
{
	g_autoptr(SmsEvLog) log = golden("office-rollout");
	g_autoptr(SmsRunModel) m = sms_run_model_new(log);
	g_autoptr(GString) out = g_string_new(NULL);
	sms_report_html(m, "rollout", out);
	/* Job Details, the stacked area, the table rows as data */
	g_assert_nonnull(strstr(out->str, "<td class=\"computers\">Total 500: Complete 498: "
	                        "Retrying 2</td>"));
	g_assert_nonnull(strstr(out->str, "<svg class=\"area\""));
	g_assert_nonnull(strstr(out->str, "<path class=\"st-Complete\""));
	g_assert_nonnull(strstr(out->str, "<path class=\"st-Retrying\""));
	g_assert_nonnull(strstr(out->str, "\"SAL0007\""));
	g_assert_nonnull(strstr(out->str, "\"SALESDC1\""));
	/* 3,016 events collapse into a few dozen rows; the file stays small */
	g_assert_cmpuint(out->len, <, 100 * 1024);
}

static void
test_diff(void)
{
	g_autoptr(SmsEvLog) la = golden("kb-forced-delivery");
	g_autoptr(SmsEvLog) lb = golden("lock-released");
	g_autoptr(SmsEvLog) lc = golden("kb-forced-delivery");
	g_autoptr(SmsRunModel) a = sms_run_model_new(la);
	g_autoptr(SmsRunModel) b = sms_run_model_new(lb);
	g_autoptr(SmsRunModel) c = sms_run_model_new(lc);
	g_autoptr(SmsRunDiff) same = sms_run_diff(a, c);
	g_autoptr(SmsRunDiff) d = sms_run_diff(a, b);
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GString) js = g_string_new(NULL);
	g_assert_true(sms_run_diff_equal(same));
	g_assert_false(sms_run_diff_equal(d));
	sms_run_diff_text(d, "kb", "released", text);
	g_test_message("%s", text->str);
	/* the install moved from the forced 07:05 to the retry at 17:00 the day before */
	g_assert_nonnull(strstr(text->str, "distribute.installed job REFRESH on SRV01: 1 moved "
	                        "earlier by 14 h 05 min (first 1996-02-02 07:05:00 -> 1996-02-01 "
	                        "17:00:00)"));
	g_assert_nonnull(strstr(text->str, "Events only in A"));
	g_assert_nonnull(strstr(text->str, "distribute.forced_disconnect job REFRESH on SRV01: 1 "
	                        "(first at 1996-02-02 07:05:00) [WKS0001]"));
	sms_run_diff_json(d, "kb", "released", js);
	g_assert_true(g_str_has_prefix(js->str, "{\"a\":\"kb\",\"b\":\"released\",\"equal\":false"));
	g_assert_nonnull(strstr(js->str, "\"delta_minutes\":-845"));
}

static void
test_diff_status(void)
{
	/* the same run with one computer's status changed: named by job and workstation */
	g_autofree char *path = sms_test_srcpath("samples/expected/office-rollout.jsonl");
	g_autofree char *data = NULL;
	g_autoptr(GString) changed = NULL;
	g_autoptr(SmsEvLog) la = NULL;
	g_autoptr(SmsEvLog) lb = NULL;
	g_autoptr(SmsRunModel) a = NULL;
	g_autoptr(SmsRunModel) b = NULL;
	g_autoptr(SmsRunDiff) d = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	const char *from = "\"machine\":\"SAL0007\",\"domain\":null,\"user\":null,"
	                   "\"detail\":\"Failed\"";
	g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
	changed = g_string_new(data);
	g_assert_cmpuint(g_string_replace(changed, from,
	                                  "\"machine\":\"SAL0007\",\"domain\":null,"
	                                  "\"user\":null,\"detail\":\"Success\"", 0), ==, 1);
	la = parse_ok(data);
	lb = parse_ok(changed->str);
	a = sms_run_model_new(la);
	b = sms_run_model_new(lb);
	d = sms_run_diff(a, b);
	sms_run_diff_text(d, "A", "B", text);
	g_test_message("%s", text->str);
	g_assert_nonnull(strstr(text->str, "Computers whose final status changed (1):\n"
	                        "  ROLLOUT SAL0007: Retrying -> Complete\n"));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/report/evlog/parse", test_evlog_parse);
	g_test_add_func("/report/evlog/errors", test_evlog_errors);
	g_test_add_func("/report/model/rollout", test_model_rollout);
	g_test_add_func("/report/model/forced", test_model_forced);
	g_test_add_func("/report/expect/parse", test_expect_parse);
	g_test_add_func("/report/expect/check", test_expect_check);
	g_test_add_func("/report/html/kb-forced-delivery", test_report_kb);
	g_test_add_func("/report/html/rollout", test_report_rollout);
	g_test_add_func("/report/diff/events", test_diff);
	g_test_add_func("/report/diff/status", test_diff_status);
	return g_test_run();
}
