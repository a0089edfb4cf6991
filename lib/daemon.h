/* daemon.h -- the poll loop every component daemon uses: a GMainLoop that runs the
 * component's pass on the site's Service Response interval (or whenever the virtual
 * clock passed the next poll), stops cleanly on SIGTERM/SIGINT and calls `reload` on
 * SIGHUP. */
#pragma once
#include "site.h"

typedef gboolean (*SmsDaemonPass)(SmsSite *site, SmsTime now, GError **error);
typedef SmsTime (*SmsDaemonWake)(SmsSite *site, SmsTime now);
typedef gboolean (*SmsDaemonReload)(SmsSite *site, GError **error);

typedef struct {
	const char *component;       /* for logs: "despooler" */
	SmsDaemonPass passes[4];     /* run in order, NULL-terminated */
	SmsDaemonWake wakes[4];
	SmsDaemonReload reload;      /* may be NULL */
} SmsDaemon;

/* Runs until SIGTERM/SIGINT. A failing pass is logged and retried at the next poll
 * (a daemon never dies of one bad file); only opening the site is fatal. */
gboolean sms_daemon_run(const char *site_dir, const SmsDaemon *d, GError **error);
/* How often a daemon looks at the clock: 1 s, or SMSEMU_TICK_MS (scripts driving daemons
 * on a virtual clock use a shorter tick). */
guint sms_daemon_tick_ms(void);
/* One pass of every function at the site's current time. */
gboolean sms_daemon_poll(const char *site_dir, const SmsDaemon *d, GError **error);
