/* expect.h -- a scenario's [Expect NAME] sections checked against what a run did
 * (smsemu-scenario(5), EXPECTATIONS). One line per expectation: held, or failed with
 * what happened instead.
 */
#pragma once
#include "common.h"
#include "evlog.h"
#include "scenario.h"

typedef struct {
	const SmsScnExpect *expect;
	gboolean held;
	char *text;               /* what was found (held) or what happened instead (failed) */
} SmsExpectResult;

/* Check every expectation; returns SmsExpectResult* in the scenario's order. */
GPtrArray *sms_expect_check(const GPtrArray *expects, SmsRunModel *model);
/* "held   NAME: ..." / "FAILED NAME: ..." lines; returns the number that failed. */
guint sms_expect_format(const GPtrArray *results, GString *out);
