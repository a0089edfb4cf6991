/* simulate.h -- run a scenario on one virtual clock (`jobsvc simulate`, smsemu-scenario(5)).
 *
 * Builds fresh site roots from the scenario, then repeatedly: asks every component of
 * every site (and the scenario's own timed events) when it next has work, moves the
 * virtual clock of every site to the earliest of those times and runs the passes due
 * then, in the fixed order of components.h. Quiet weeks cost nothing; the same input
 * gives byte-identical output.
 */
#pragma once
#include "common.h"
#include "scenario.h"
#include "site.h"

typedef struct {
	const char *scenario_path;
	const char *site_dir;     /* NULL: a new directory under $TMPDIR (printed) */
	SmsTime until;            /* SMS_TIME_NONE: the scenario's Until, else run until idle */
	FILE *events;             /* JSON lines, or NULL */
	FILE *timeline;           /* human timeline, or NULL */
} SmsSimOptions;

typedef struct {
	char *site_dir;           /* where the site roots are */
	guint64 events;           /* number of events emitted */
	guint64 steps;            /* number of distinct instants simulated */
	SmsTime end;              /* virtual time when the run stopped */
	GPtrArray *job_ids;       /* "NAME=ID@SITE" for each scenario job */
} SmsSimResult;

void sms_sim_result_clear(SmsSimResult *r);
gboolean sms_simulate(const SmsSimOptions *opt, SmsSimResult *out, GError **error);

/* One JSON object (no newline) for an event, as written to --events. */
void sms_event_to_json(GString *out, const char *site, const SmsEvent *ev);
