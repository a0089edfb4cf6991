/* atomic.c -- temp file in the same directory, fsync, rename, fsync directory. */
#include "atomic.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>

static gboolean sync_off_for_process;
static guint64 sync_calls;

gboolean
sms_sync_enabled(void)
{
	static int enabled = -1;
	if (sync_off_for_process)
		return FALSE;
	if (enabled < 0) {
		const char *v = g_getenv("SMSEMU_FSYNC");
		enabled = !(v && strcmp(v, "0") == 0);
	}
	return enabled;
}

gboolean
sms_sync_set_off(gboolean off)
{
	gboolean was = sync_off_for_process;
	sync_off_for_process = off;
	return was;
}

gboolean
sms_sync_fd(int fd)
{
	if (!sms_sync_enabled())
		return TRUE;
	sync_calls++;
	return fdatasync(fd) == 0;
}

guint64
sms_sync_calls(void)
{
	return sync_calls;
}

gboolean
sms_fsync_dir(const char *dir, GError **error)
{
	g_auto(SmsFd) fd = -1;

	if (!sms_sync_enabled())
		return TRUE;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sms_throw_errno(error, "opening directory '%s' to sync it", dir);
	sync_calls++;
	if (fsync(fd) < 0)
		return sms_throw_errno(error, "fsync of directory '%s'", dir);
	return TRUE;
}

gboolean
sms_syncfs(const char *path, GError **error)
{
	g_auto(SmsFd) fd = -1;

	if (!sms_sync_enabled())
		return TRUE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sms_throw_errno(error, "opening '%s' to sync its file system", path);
	sync_calls++;
	if (syncfs(fd) < 0)
		return sms_throw_errno(error, "syncfs on '%s'", path);
	return TRUE;
}

gboolean
sms_rename_durable(const char *from, const char *to, GError **error)
{
	g_autofree char *dir = NULL;

	if (rename(from, to) < 0)
		return sms_throw_errno(error, "renaming '%s' to '%s'", from, to);
	dir = g_path_get_dirname(to);
	return sms_fsync_dir(dir, error);
}

static gboolean
write_all(int fd, const void *data, gsize len, const char *path, GError **error)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sms_throw_errno(error, "writing '%s'", path);
		}
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* Open a fresh temp file next to path; returns fd and sets *out_tmp. */
static int
open_temp_beside(const char *path, int mode, char **out_tmp, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmpl = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
	int fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, mode);

	if (fd < 0) {
		sms_throw_errno(error, "creating temporary file for '%s'", path);
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) < 0) {
		sms_throw_errno(error, "setting mode of '%s'", tmpl);
		close(fd);
		unlink(tmpl);
		return -1;
	}
	*out_tmp = g_steal_pointer(&tmpl);
	return fd;
}

/* Copy src_fd to fd (copy_file_range, falling back to read/write). */
static gboolean
copy_fd(int src_fd, int fd, const char *what, GError **error)
{
	gboolean use_cfr = TRUE;
	char buf[65536];
	for (;;) {
		ssize_t n;
		if (use_cfr) {
			n = copy_file_range(src_fd, NULL, fd, NULL, 1 << 30, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			              errno == EOPNOTSUPP)) {
				use_cfr = FALSE;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return sms_throw_errno(error, "copying '%s'", what);
			if (n == 0)
				return TRUE;
			continue;
		}
		n = read(src_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sms_throw_errno(error, "reading '%s'", what);
		if (n == 0)
			return TRUE;
		if (!write_all(fd, buf, (gsize)n, what, error))
			return FALSE;
	}
}

static gboolean
atomic_write_impl(const char *path, const void *data, gsize len, int src_fd, int mode,
                  SmsSyncMode sync, const struct timeval *times, GError **error)
{
	g_autofree char *tmp = NULL;
	g_auto(SmsFd) fd = open_temp_beside(path, mode, &tmp, error);

	if (fd < 0)
		return FALSE;
	if (src_fd >= 0 ? !copy_fd(src_fd, fd, path, error) : !write_all(fd, data, len, tmp, error))
		goto fail;
	if (times && futimes(fd, times) < 0) {
		sms_throw_errno(error, "setting times of '%s'", tmp);
		goto fail;
	}
	if (sync == SMS_SYNC_FILE && !sms_sync_fd(fd)) {
		sms_throw_errno(error, "fsync of '%s'", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		sms_throw_errno(error, "closing '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (sms_fault("atomic-before-rename", error))
		goto fail;
	if (rename(tmp, path) < 0) {
		sms_throw_errno(error, "renaming '%s' to '%s'", tmp, path);
		goto fail;
	}
	if (sync == SMS_SYNC_FILE) {
		g_autofree char *dir = g_path_get_dirname(path);
		return sms_fsync_dir(dir, error);
	}
	return TRUE;
fail:
	unlink(tmp);
	return FALSE;
}

gboolean
sms_atomic_write(const char *path, const void *data, gsize len, int mode, SmsSyncMode sync,
                 GError **error)
{
	return atomic_write_impl(path, data, len, -1, mode, sync, NULL, error);
}

gboolean
sms_atomic_write_if_changed(const char *path, const void *data, gsize len, int mode,
                            SmsSyncMode sync, gboolean *out_changed, GError **error)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (gsize)st.st_size == len) {
		g_autofree char *old = NULL;
		gsize oldlen = 0;
		if (g_file_get_contents(path, &old, &oldlen, NULL) && oldlen == len &&
		    memcmp(old, data, len) == 0) {
			if (out_changed)
				*out_changed = FALSE;
			return TRUE;
		}
	}
	if (!atomic_write_impl(path, data, len, -1, mode, sync, NULL, error))
		return FALSE;
	if (out_changed)
		*out_changed = TRUE;
	return TRUE;
}

gboolean
sms_atomic_copy(const char *src, const char *dst, SmsSyncMode sync, GError **error)
{
	g_auto(SmsFd) in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	struct timeval tv[2];

	if (in < 0 || fstat(in, &st) < 0)
		return sms_throw_errno(error, "reading '%s'", src);
	if (!S_ISREG(st.st_mode))
		return sms_throw(error, SMS_ERROR_INVALID, "'%s' is not a regular file", src);
	tv[0].tv_sec = st.st_atim.tv_sec;
	tv[0].tv_usec = st.st_atim.tv_nsec / 1000;
	tv[1].tv_sec = st.st_mtim.tv_sec;
	tv[1].tv_usec = st.st_mtim.tv_nsec / 1000;
	return atomic_write_impl(dst, NULL, 0, in, (int)(st.st_mode & 0777), sync, tv, error);
}

void
sms_batch_init(SmsBatch *b, const char *sync_path)
{
	b->sync_path = g_strdup(sync_path);
	b->written = 0;
}

gboolean
sms_batch_write(SmsBatch *b, const char *path, const void *data, gsize len, GError **error)
{
	if (!sms_atomic_write(path, data, len, 0644, SMS_SYNC_NONE, error))
		return FALSE;
	b->written++;
	return TRUE;
}

gboolean
sms_batch_commit(SmsBatch *b, GError **error)
{
	if (b->written == 0)
		return TRUE;
	if (!sms_syncfs(b->sync_path, error))
		return FALSE;
	b->written = 0;
	return TRUE;
}

void
sms_batch_clear(SmsBatch *b)
{
	g_clear_pointer(&b->sync_path, g_free);
	b->written = 0;
}
