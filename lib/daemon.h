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
/* Runs until SIGTERM/SIGINT (after sms_daemon_lock(site, component)). A failing pass is
 * logged and retried on a backoff in site time (a daemon never dies of one bad file, nor
 * retries it every tick); only opening the site is fatal. */
gboolean sms_daemon_run(const char *site_dir, const SmsDaemon *d, GError **error);
/* How often a daemon looks at the clock: 1 s, or SMSEMU_TICK_MS (scripts driving daemons
 * on a virtual clock use a shorter tick). */
guint sms_daemon_tick_ms(void);
/* One pass of every function at the site's current time. */
gboolean sms_daemon_poll(const char *site_dir, const SmsDaemon *d, GError **error);

/* A failed pass is retried after 1 minute of site time, then 2, 4, 8... at most 60 minutes
 * (pending work does not bring it forward); one pass that succeeds, or settings re-read
 * on SIGHUP, ends the backoff. The wait after `failures` failures in a row: */
#define SMS_DAEMON_BACKOFF_FIRST SMS_MINUTE
#define SMS_DAEMON_BACKOFF_MAX (60 * SMS_MINUTE)
SmsTime sms_daemon_backoff(guint failures);

/* The loop's state, one tick at a time (sms_daemon_run calls the tick every
 * sms_daemon_tick_ms(); tests call it on a virtual clock). */
typedef struct _SmsDaemonLoop SmsDaemonLoop;
SmsDaemonLoop *sms_daemon_loop_new(SmsSite *site, const SmsDaemon *d);
void sms_daemon_loop_free(SmsDaemonLoop *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsDaemonLoop, sms_daemon_loop_free)
/* Run the passes if they are due; TRUE when they ran (successfully or not). */
gboolean sms_daemon_loop_tick(SmsDaemonLoop *r);
guint sms_daemon_loop_failures(const SmsDaemonLoop *r);
