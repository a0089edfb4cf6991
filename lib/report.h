/* report.h -- one self-contained HTML file that shows a run (`jobsvc report`,
 * `jobsvc simulate --report`): per job the Job Details summary and a stacked area of its
 * computers by state over time; per distribution server a swimlane of its install with
 * the forced-delivery arithmetic x*(y+1)+z; a sortable, filterable, paged table of the
 * workstations; the event log, filterable. Inline SVG written in C in one pass over the
 * derived run (as systemd-analyze plot does), CSS and a little plain JavaScript: no
 * network, no other file. Rows of the tables are embedded as compact JSON and paged in
 * the browser, so a 10,000-workstation month stays a few megabytes.
 */
#pragma once
#include "common.h"
#include "evlog.h"

/* Append the whole document to out. title: shown in the page (e.g. the log's name). */
void sms_report_html(SmsRunModel *m, const char *title, GString *out);
/* Write the report to path atomically. */
gboolean sms_report_write(SmsRunModel *m, const char *title, const char *path,
                          GError **error);
