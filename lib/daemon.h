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

/* One daemon of a kind per site: an exclusive lock (flock) on ROOT/NAME.lock holding the
 * daemon's pid. A second one is refused with an error naming the pid of the first; the
 * lock of a daemon that crashed went with its process, so its file (pid left in it) is
 * taken over and the takeover logged. *out_fd is released by sms_daemon_unlock. */
gboolean sms_daemon_lock(SmsSite *site, const char *name, int *out_fd, GError **error);
void sms_daemon_unlock(int fd);
/* Runs until SIGTERM/SIGINT (after sms_daemon_lock(site, component)). A failing pass is logged and retried at the next poll
 * (a daemon never dies of one bad file); only opening the site is fatal. */
gboolean sms_daemon_run(const char *site_dir, const SmsDaemon *d, GError **error);
/* How often a daemon looks at the clock: 1 s, or SMSEMU_TICK_MS (scripts driving daemons
 * on a virtual clock use a shorter tick). */
guint sms_daemon_tick_ms(void);
/* One pass of every function at the site's current time. */
gboolean sms_daemon_poll(const char *site_dir, const SmsDaemon *d, GError **error);
