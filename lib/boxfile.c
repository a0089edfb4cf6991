/* boxfile.c -- only regular files of a bounded size are read from a box (see boxfile.h). */
#include "boxfile.h"

#include <fcntl.h>

G_DEFINE_QUARK(sms-boxfile-error-quark, sms_boxfile_error)

static const char *
kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a file";
}

static gboolean
too_large(GError **error, const char *path, guint64 size, gsize max)
{
	return sms_throw_domain(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_TOO_LARGE,
	                        "%s: %" G_GUINT64_FORMAT " bytes or more, larger than the limit "
	                        "of %" G_GSIZE_FORMAT " bytes for this kind of file", path, size,
	                        max);
}

int
sms_open_regular(const char *path, gsize max_bytes, SmsReadFlags flags, struct stat *out_st,
                 GError **error)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	g_auto(SmsFd) fd = -1;
	struct stat st;

	if (!(flags & SMS_READ_FOLLOW))
		oflags |= O_NOFOLLOW;
	fd = open(path, oflags);
	if (fd < 0) {
		if (errno == ENOENT && !(flags & SMS_READ_FOLLOW)) {
			sms_throw_domain(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_FOUND,
			                 "%s: no such file", path);
			return -1;
		}
		if (errno == ELOOP && !(flags & SMS_READ_FOLLOW)) {
			sms_throw_domain(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR,
			                 "%s: not a regular file (a symbolic link)", path);
			return -1;
		}
		sms_throw_errno(error, "opening %s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		sms_throw_errno(error, "reading %s", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sms_throw_domain(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR,
		                 "%s: not a regular file (%s)", path, kind_of(st.st_mode));
		return -1;
	}
	if ((guint64)st.st_size > max_bytes) {
		too_large(error, path, (guint64)st.st_size, max_bytes);
		return -1;
	}
	/* a regular file never blocks; reads stay blocking for EINTR-free simplicity */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		sms_throw_errno(error, "reading %s", path);
		return -1;
	}
	if (out_st)
		*out_st = st;
	{
		int r = fd;
		fd = -1;
		return r;
	}
}

gboolean
sms_read_regular(const char *path, gsize max_bytes, SmsReadFlags flags, char **out_data,
                 gsize *out_len, GError **error)
{
	struct stat st;
	g_auto(SmsFd) fd = sms_open_regular(path, max_bytes, flags, &st, error);
	g_autofree char *buf = NULL;
	gsize cap, n = 0;

	if (fd < 0)
		return FALSE;
	cap = (gsize)st.st_size + 1;
	buf = g_malloc(cap + 1);
	for (;;) {
		ssize_t k;
		if (n == cap) {
			if (cap > max_bytes)
				return too_large(error, path, (guint64)n, max_bytes);
			cap = MIN(cap * 2, max_bytes + 1);
			buf = g_realloc(buf, cap + 1);
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sms_throw_errno(error, "reading %s", path);
		if (k == 0)
			break;
		n += (gsize)k;
	}
	if (n > max_bytes)
		return too_large(error, path, (guint64)n, max_bytes);
	buf[n] = '\0';
	*out_data = g_steal_pointer(&buf);
	if (out_len)
		*out_len = n;
	return TRUE;
}

gboolean
sms_box_read(const char *path, gsize max_bytes, char **out_data, gsize *out_len, GError **error)
{
	return sms_read_regular(path, max_bytes, SMS_READ_NOFOLLOW, out_data, out_len, error);
}

gboolean
sms_box_is_regular(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

gboolean
sms_box_move_to_bad(const char *dir, const char *name, GError **error)
{
	g_autofree char *bad = g_build_filename(dir, "BAD", NULL);
	g_autofree char *from = g_build_filename(dir, name, NULL);
	g_autofree char *to = g_build_filename(bad, name, NULL);
	if (!sms_mkdir_p(bad, error))
		return FALSE;
	if (rename(from, to) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "moving %s to %s", from, bad);
	return TRUE;
}

gboolean
sms_box_error_is_refusal(const GError *e)
{
	return e && e->domain == SMS_BOXFILE_ERROR &&
	       (e->code == SMS_BOXFILE_ERROR_NOT_REGULAR || e->code == SMS_BOXFILE_ERROR_TOO_LARGE);
}
