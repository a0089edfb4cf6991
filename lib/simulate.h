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
#include "evlog.h"
#include "scenario.h"
#include "site.h"

typedef struct {
	const char *scenario_path;
	const char *site_dir;     /* NULL: a new directory under $TMPDIR (printed) */
	SmsTime until;            /* SMS_TIME_NONE: the scenario's Until, else run until idle */
	FILE *events;             /* JSON lines, or NULL */
	FILE *timeline;           /* human timeline, or NULL */
	gboolean force;           /* site_dir may hold the site roots of an earlier run: replace
	                           * them (without it, such a site_dir is refused) */
	FILE *progress;           /* a terminal: after about two seconds, the virtual date
	                           * reached, events so far and the rate, on one line */
	int max_days;             /* > 0: without an end time, stop this many days after Start */
	gboolean check;           /* validate only: the whole scenario is checked and built in a
	                           * private temporary directory, which is removed */
	SmsEvLog *collect;        /* every event is also added here (expectations, report) */
} SmsSimOptions;

typedef struct {
	char *site_dir;           /* where the site roots are */
	guint64 events;           /* number of events emitted */
	guint64 steps;            /* number of distinct instants simulated */
	SmsTime end;              /* virtual time when the run stopped */
	GPtrArray *job_ids;       /* "NAME=ID@SITE" for each scenario job */
	guint sites, workstations, packages, jobs, scenario_events;   /* what the scenario has */
} SmsSimResult;

void sms_sim_result_clear(SmsSimResult *r);
/* Run a scenario. The scenario is checked whole first (scenario.h); then the site roots,
 * packages and jobs are built. When any of that fails, nothing it made is left behind
 * (site roots, the temporary directory, site_dir if it was made for the run) and the
 * error names file:line. With site_dir of an earlier run (subdirectories with a site.ini)
 * the run is refused unless opt->force. When the run itself fails, a temporary directory
 * is removed; a site_dir given is kept for inspection. */
gboolean sms_simulate(const SmsSimOptions *opt, SmsSimResult *out, GError **error);

/* One JSON object (no newline) for an event, as written to --events. */
void sms_event_to_json(GString *out, const char *site, const SmsEvent *ev);
