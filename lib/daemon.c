/* daemon.c -- component poll loops (see daemon.h). */
#include "daemon.h"
#include "components.h"
#include "reclaim.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

struct _SmsDaemonLoop {
	const SmsDaemon *d;
	SmsSite *site;
	GMainLoop *loop;
	SmsTime last_poll;
	gboolean reload;
	guint failures;       /* failed passes in a row */
	SmsTime failed_at;    /* site time of the last failure */
	SmsTime retry_at;     /* no pass before this while failures > 0 */
};

static gboolean
run_passes(SmsSite *site, const SmsDaemon *d, SmsTime now, GError **error)
{
	for (int i = 0; i < 4 && d->passes[i]; i++)
		if (!d->passes[i](site, now, error))
			return FALSE;
	return TRUE;
}

gboolean
sms_daemon_poll(const char *site_dir, const SmsDaemon *d, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	gint64 started = g_get_real_time();
	if (!sms_site_open(site_dir, &site, error))
		return FALSE;
	(void)sms_reclaim_leftovers(site, d->component, started);
	return run_passes(site, d, sms_site_now(site), error);
}

SmsTime
sms_daemon_backoff(guint failures)
{
	SmsTime wait = SMS_DAEMON_BACKOFF_FIRST;
	for (guint i = 1; i < failures && wait < SMS_DAEMON_BACKOFF_MAX; i++)
		wait *= 2;
	return MIN(wait, SMS_DAEMON_BACKOFF_MAX);
}

SmsDaemonLoop *
sms_daemon_loop_new(SmsSite *site, const SmsDaemon *d)
{
	SmsDaemonLoop *r = g_new0(SmsDaemonLoop, 1);
	r->d = d;
	r->site = site;
	r->last_poll = SMS_TIME_NONE;
	r->failed_at = r->retry_at = SMS_TIME_NONE;
	return r;
}

void
sms_daemon_loop_free(SmsDaemonLoop *r)
{
	g_free(r);
}

guint
sms_daemon_loop_failures(const SmsDaemonLoop *r)
{
	return r->failures;
}

static gboolean
on_quit(gpointer data)
{
	SmsDaemonLoop *r = data;
	sms_log(r->site, r->d->component, SMS_TIME_NONE, "%s stopping (signal)", r->d->component);
	g_main_loop_quit(r->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer data)
{
	SmsDaemonLoop *r = data;
	r->reload = TRUE;
	return G_SOURCE_CONTINUE;
}

gboolean
sms_daemon_loop_tick(SmsDaemonLoop *r)
{
	SmsTime now = sms_site_now(r->site);
	SmsTime due = r->last_poll == SMS_TIME_NONE ? now : sms_poll_ceil(r->site, r->last_poll + 1);
	g_autoptr(GError) error = NULL;

	if (r->reload) {
		r->reload = FALSE;
		if (r->d->reload && !r->d->reload(r->site, &error)) {
			sms_log(r->site, r->d->component, now, "re-reading settings failed: %s",
			        error->message);
			g_clear_error(&error);
		} else {
			sms_log(r->site, r->d->component, now, "settings re-read (SIGHUP)");
			r->retry_at = now;   /* new settings: retry a failing pass at once */
		}
	}
	if (r->failures > 0) {
		/* backing off: neither the poll interval nor pending work brings the pass
		 * forward (a clock set back before the failure does) */
		if (now < r->retry_at && now >= r->failed_at)
			return FALSE;
	} else {
		for (int i = 0; i < 4 && r->d->wakes[i]; i++) {
			SmsTime w = r->d->wakes[i](r->site, now);
			if (w <= now)
				due = MIN(due, now);
		}
		if (now < due)
			return FALSE;
	}
	r->last_poll = now;
	if (!run_passes(r->site, r->d, now, &error)) {
		g_autofree char *at = NULL;
		r->failures++;
		r->failed_at = now;
		r->retry_at = now + sms_daemon_backoff(r->failures);
		at = sms_time_format(r->retry_at);
		sms_log(r->site, r->d->component, now, "pass failed (%u in a row), retrying at %s: %s",
		        r->failures, at, error->message);
		g_printerr("%s: %s (retrying at %s)\n", r->d->component, error->message, at);
	} else if (r->failures > 0) {
		sms_log(r->site, r->d->component, now, "pass succeeded after %u failed pass(es)",
		        r->failures);
		r->failures = 0;
	}
	return TRUE;
}

static gboolean
on_tick(gpointer data)
{
	(void)sms_daemon_loop_tick(data);
	return G_SOURCE_CONTINUE;
}

guint
sms_daemon_tick_ms(void)
{
	const char *v = g_getenv("SMSEMU_TICK_MS");
	gint64 ms = v ? g_ascii_strtoll(v, NULL, 10) : 1000;
	return (guint)CLAMP(ms, 10, 60000);
}

gboolean
sms_daemon_lock(SmsSite *site, const char *name, int *out_fd, GError **error)
{
	g_autofree char *file = g_strdup_printf("%s.lock", name);
	g_autofree char *path = g_build_filename(site->root, file, NULL);
	g_autofree char *pid = g_strdup_printf("%ld\n", (long)getpid());
	g_auto(SmsFd) fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	char old[32] = "";
	ssize_t n;
	if (fd < 0)
		return sms_throw_errno(error, "%s", path);
	n = pread(fd, old, sizeof old - 1, 0);
	old[n > 0 ? n : 0] = '\0';
	g_strstrip(old);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return sms_throw(error, SMS_ERROR_STATE, "another %s daemon (pid %s) already runs "
			                 "on site %s (lock file %s): stop it first", name,
			                 *old ? old : "unknown", site->root, path);
		return sms_throw_errno(error, "locking %s", path);
	}
	/* the lock of a daemon that died goes with its process: its pid is left in the file */
	if (*old)
		sms_log(site, name, SMS_TIME_NONE, "%s: the %s daemon with pid %s ended without "
		        "stopping (stale lock taken over)", path, name, old);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid))
		return sms_throw_errno(error, "writing %s", path);
	*out_fd = fd;
	fd = -1;
	return TRUE;
}

void
sms_daemon_unlock(int fd)
{
	if (fd < 0)
		return;
	/* a clean stop leaves an empty file: no pid, nothing stale */
	if (ftruncate(fd, 0) < 0)
		g_warning("lock file: %s", g_strerror(errno));
	close(fd);   /* releases the lock */
}

gboolean
sms_daemon_run(const char *site_dir, const SmsDaemon *d, GError **error)
{
	g_autoptr(SmsSite) site = NULL;
	g_autoptr(SmsDaemonLoop) r = NULL;
	gint64 started = g_get_real_time();
	guint s1, s2, s3, t;
	int lock = -1;
	if (!sms_site_open(site_dir, &site, error) ||
	    !sms_daemon_lock(site, d->component, &lock, error))
		return FALSE;
	(void)sms_reclaim_leftovers(site, d->component, started);
	r = sms_daemon_loop_new(site, d);
	r->loop = g_main_loop_new(NULL, FALSE);
	s1 = g_unix_signal_add(SIGTERM, on_quit, r);
	s2 = g_unix_signal_add(SIGINT, on_quit, r);
	s3 = g_unix_signal_add(SIGHUP, on_hup, r);
	sms_log(site, d->component, SMS_TIME_NONE, "%s started, polling every %d minute(s)",
	        d->component, sms_response_poll_minutes(site->self->response));
	on_tick(r);
	/* checks every second: real time polls on the interval, a virtual clock moved by
	 * `jobsvc clock` is noticed at once */
	t = g_timeout_add(sms_daemon_tick_ms(), on_tick, r);
	g_main_loop_run(r->loop);
	g_source_remove(t);
	g_source_remove(s1);
	g_source_remove(s2);
	g_source_remove(s3);
	g_main_loop_unref(r->loop);
	sms_daemon_unlock(lock);
	return TRUE;
}
