/* fuzz-evlog.c -- libFuzzer target: event logs read back (evlog.h), the run model built
 * from them, the HTML report and a run compared with itself -- what `jobsvc report` and
 * `jobsvc diff` do with a file a user hands them. On success every record has a time, a
 * site, a component and an event, the report is valid UTF-8 and a run equals itself; on
 * failure nothing is returned and the error names the file. Replayed over corpus/evlog/ by
 * make check.
 *
 * The reader is a small one-object-a-line JSON reader of its own rather than json-glib
 * (which the smbstatus reader uses): event logs of large runs have millions of flat lines,
 * read without building a node tree per line, and its errors give line and column. */
#include "common.h"
#include "evlog.h"
#include "report.h"
#include "rundiff.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SmsEvLog *log = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_evlog_parse("fuzz.jsonl", (const char *)data, size, &log, &error)) {
		if (log != NULL || error == NULL || error->message == NULL ||
		    !g_str_has_prefix(error->message, "fuzz.jsonl:"))
			abort();
		return 0;
	}
	if (log == NULL || error != NULL)
		abort();
	for (guint i = 0; i < log->recs->len; i++) {
		SmsEvRec *r = &g_array_index(log->recs, SmsEvRec, i);
		if (r->time == SMS_TIME_NONE || r->site == NULL || r->component == NULL ||
		    r->event == NULL || r->line == 0)
			abort();
	}
	{
		g_autoptr(SmsRunModel) a = sms_run_model_new(log);
		g_autoptr(SmsRunModel) b = sms_run_model_new(log);
		g_autoptr(SmsRunDiff) d = sms_run_diff(a, b);
		g_autoptr(GString) html = g_string_new(NULL);
		if (!sms_run_diff_equal(d))
			abort();
		sms_report_html(a, "fuzz", html);
		if (!g_utf8_validate(html->str, (gssize)html->len, NULL))
			abort();
	}
	sms_evlog_free(log);
	return 0;
}
