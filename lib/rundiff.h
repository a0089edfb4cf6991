/* rundiff.h -- two runs compared (`jobsvc diff A.jsonl B.jsonl`): by job name, server and
 * workstation, never by generated IDs. Reports the computers whose final status changed,
 * the distribution servers whose outcome changed, the events that moved in time (and by
 * how much) and what appears in only one of the runs.
 *
 * Events are matched by (site, event, job name, server, machine, user, and the detail
 * where it is a result rather than an ID) and their order among equals; per-machine
 * events that moved by the same amount are grouped into one line.
 */
#pragma once
#include "common.h"
#include "evlog.h"

typedef struct SmsRunDiff SmsRunDiff;

SmsRunDiff *sms_run_diff(SmsRunModel *a, SmsRunModel *b);
void sms_run_diff_free(SmsRunDiff *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsRunDiff, sms_run_diff_free)

gboolean sms_run_diff_equal(const SmsRunDiff *d);
/* Human summary; names are how the runs are called (file names). */
void sms_run_diff_text(const SmsRunDiff *d, const char *name_a, const char *name_b,
                       GString *out);
/* One JSON document (see jobsvc(1), diff). */
void sms_run_diff_json(const SmsRunDiff *d, const char *name_a, const char *name_b,
                       GString *out);
