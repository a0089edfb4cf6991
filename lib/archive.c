/* archive.c -- the compressed package format (see archive.h). */
#include "archive.h"
#include "atomic.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

G_DEFINE_QUARK(sms-archive-error-quark, sms_archive_error)

#define MAGIC "SMSPKG\r\n"
#define VERSION 1
#define BUF (64 * 1024)
#define T_FILE 1
#define T_DIR 2
#define T_END 0xFF

/* z_stream owners, cleaned up with g_auto() (ending a never-initialised zeroed
 * stream is a harmless Z_STREAM_ERROR). */
typedef z_stream SmsDeflate;
typedef z_stream SmsInflate;
static void
deflate_clear(SmsDeflate *z)
{
	deflateEnd(z);
}
static void
inflate_clear(SmsInflate *z)
{
	inflateEnd(z);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SmsDeflate, deflate_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SmsInflate, inflate_clear)

/* ---- writer ------------------------------------------------------------------- */

typedef struct {
	int fd;
	const char *path;
	guint8 *buf;
	gsize len;
	guint32 crc;         /* over every byte written */
	guint64 total;
} Writer;

static gboolean
w_flush(Writer *w, GError **error)
{
	gsize off = 0;
	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSPC) {
				g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE,
				            "%s: no space left on device", w->path);
				return FALSE;
			}
			return sms_throw_errno(error, "writing %s", w->path);
		}
		off += (gsize)n;
	}
	w->len = 0;
	return TRUE;
}

static gboolean
w_put(Writer *w, const void *data, gsize n, GError **error)
{
	const guint8 *p = data;
	w->crc = (guint32)crc32(w->crc, p, (uInt)n);
	w->total += n;
	while (n > 0) {
		gsize k = MIN(n, BUF - w->len);
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		n -= k;
		if (w->len == BUF && !w_flush(w, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
w_u8(Writer *w, guint8 v, GError **e) { return w_put(w, &v, 1, e); }
static gboolean
w_u16(Writer *w, guint16 v, GError **e) { v = GUINT16_TO_LE(v); return w_put(w, &v, 2, e); }
static gboolean
w_u32(Writer *w, guint32 v, GError **e) { v = GUINT32_TO_LE(v); return w_put(w, &v, 4, e); }
static gboolean
w_u64(Writer *w, guint64 v, GError **e) { v = GUINT64_TO_LE(v); return w_put(w, &v, 8, e); }

typedef struct {
	Writer *w;
	int level;
	guint8 *in, *out;
	SmsArchiveStats *st;
} Creator;

static gint
name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compress one open file; the compressed length is not known in advance, so the
 * stream is written into a temporary area of the archive and its length patched... we
 * avoid seeking by compressing twice? No: compress into a spill buffer per 64 KiB and
 * write length-prefixed chunks. Format detail: the "compressed length" field is the
 * sum of chunk bytes; chunks are u32 length + data, ending with a 0-length chunk. */
static gboolean
add_file(Creator *c, int fd, const char *rel, const struct stat *sb, GError **error)
{
	g_auto(SmsDeflate) z = { 0 };
	guint32 crc = (guint32)crc32(0, NULL, 0);
	guint64 seen = 0;
	int flush = Z_NO_FLUSH;

	if (!w_u8(c->w, T_FILE, error) || !w_u16(c->w, (guint16)strlen(rel), error) ||
	    !w_put(c->w, rel, strlen(rel), error) || !w_u32(c->w, sb->st_mode & 0777, error) ||
	    !w_u64(c->w, (guint64)sb->st_size, error) || !w_u64(c->w, (guint64)sb->st_mtime, error))
		return FALSE;
	if (deflateInit(&z, c->level) != Z_OK)
		return sms_throw(error, SMS_ERROR_FAILED, "zlib: deflateInit failed");
	while (flush != Z_FINISH) {
		ssize_t n = read(fd, c->in, BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sms_throw_errno(error, "reading %s", rel);
		}
		if (n == 0)
			flush = Z_FINISH;
		crc = (guint32)crc32(crc, c->in, (uInt)n);
		seen += (guint64)n;
		z.next_in = c->in;
		z.avail_in = (uInt)n;
		do {
			gsize have;
			z.next_out = c->out;
			z.avail_out = BUF;
			deflate(&z, flush);
			have = BUF - z.avail_out;
			if (have > 0) {
				if (!w_u32(c->w, (guint32)have, error) || !w_put(c->w, c->out, have, error))
					return FALSE;
				c->st->bytes_out += have;
			}
		} while (z.avail_out == 0);
	}
	if (seen != (guint64)sb->st_size)
		return sms_throw(error, SMS_ERROR_IO, "%s changed size while it was compressed", rel);
	c->st->bytes_in += seen;
	c->st->files++;
	return w_u32(c->w, 0, error) && w_u32(c->w, crc, error);
}

static gboolean
add_dir(Creator *c, int dfd, const char *rel, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	DIR *d;
	struct dirent *de;
	int dup_fd = dup(dfd);

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return sms_throw_errno(error, "reading directory %s", *rel ? rel : ".");
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
	closedir(d);
	g_ptr_array_sort(names, name_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *path = *rel ? g_strdup_printf("%s/%s", rel, name) : g_strdup(name);
		struct stat sb;
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return sms_throw_errno(error, "stat %s", path);
		if (strlen(path) > 0xFFFF)
			return sms_throw(error, SMS_ERROR_INVALID, "%s: path too long", path);
		if (S_ISLNK(sb.st_mode)) {
			g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED,
			            "%s is a symbolic link: packages may hold only files and directories",
			            path);
			return FALSE;
		} else if (S_ISDIR(sb.st_mode)) {
			g_auto(SmsFd) sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return sms_throw_errno(error, "opening %s", path);
			if (!w_u8(c->w, T_DIR, error) || !w_u16(c->w, (guint16)strlen(path), error) ||
			    !w_put(c->w, path, strlen(path), error) ||
			    !w_u32(c->w, sb.st_mode & 0777, error) || !w_u64(c->w, 0, error) ||
			    !w_u64(c->w, (guint64)sb.st_mtime, error))
				return FALSE;
			c->st->dirs++;
			if (!add_dir(c, sub, path, error))
				return FALSE;
		} else if (S_ISREG(sb.st_mode)) {
			g_auto(SmsFd) f = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (f < 0)
				return sms_throw_errno(error, "opening %s", path);
			if (!add_file(c, f, path, &sb, error))
				return FALSE;
		} else {
			g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED,
			            "%s is a device, FIFO or socket: packages may hold only files and "
			            "directories", path);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
sms_archive_create(const char *src_dir, const char *archive_path, int level,
                   SmsArchiveStats *out_stats, GError **error)
{
	g_auto(SmsFd) src = open(src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_autofree char *tmp = g_strdup_printf("%s.tmp.XXXXXX", archive_path);
	g_autofree guint8 *buf = g_malloc(BUF);
	g_autofree guint8 *in = g_malloc(BUF);
	g_autofree guint8 *outb = g_malloc(BUF);
	SmsArchiveStats st = { 0 };
	Writer w = { 0 };
	Creator c = { &w, level < 0 ? 6 : MIN(level, 9), in, outb, &st };
	int fd;
	gboolean ok = FALSE;

	if (src < 0)
		return sms_throw_errno(error, "package source %s", src_dir);
	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return sms_throw_errno(error, "creating %s", tmp);
	w.fd = fd;
	w.path = archive_path;
	w.buf = buf;
	w.crc = (guint32)crc32(0, NULL, 0);
	if (!w_put(&w, MAGIC, 8, error) || !w_u32(&w, VERSION, error) || !w_u32(&w, 0, error) ||
	    !add_dir(&c, src, "", error))
		goto out;
	{
		guint32 crc;
		if (!w_u8(&w, T_END, error) || !w_u64(&w, st.files + st.dirs, error) ||
		    !w_u64(&w, st.bytes_in, error))
			goto out;
		crc = w.crc;
		if (!w_u32(&w, crc, error) || !w_flush(&w, error))
			goto out;
		st.crc = crc;
	}
	if (sms_sync_enabled() && fsync(fd) < 0) {
		sms_throw_errno(error, "fsync %s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		sms_throw_errno(error, "closing %s", tmp);
		goto out;
	}
	fd = -1;
	if (sms_fault("archive-before-rename", error))
		goto out;
	if (!sms_rename_durable(tmp, archive_path, error))
		goto out;
	ok = TRUE;
	if (out_stats)
		*out_stats = st;
out:
	if (fd >= 0)
		close(fd);
	if (!ok)
		unlink(tmp);
	return ok;
}

/* ---- reader ------------------------------------------------------------------- */

typedef struct {
	const char *name;
	int fd;                 /* -1: memory */
	const guint8 *mem;
	gsize mem_len;
	guint8 *buf;
	gsize len, pos;
	guint64 offset;         /* of the next byte handed out */
	guint32 crc;
} Reader;

static gboolean
r_fill(Reader *r, GError **error)
{
	ssize_t n;
	if (r->fd < 0)
		return TRUE;
	r->len = r->len - r->pos;
	memmove(r->buf, r->buf + r->pos, r->len);
	r->pos = 0;
	do
		n = read(r->fd, r->buf + r->len, BUF - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sms_throw_errno(error, "reading %s", r->name);
	r->len += (gsize)n;
	return TRUE;
}

static gboolean
r_get(Reader *r, void *out, gsize n, const char *what, GError **error)
{
	guint8 *o = out;
	while (n > 0) {
		gsize k;
		if (r->pos == r->len) {
			if (!r_fill(r, error))
				return FALSE;
			if (r->pos == r->len) {
				g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_TRUNCATED,
				            "%s: truncated at offset %" G_GUINT64_FORMAT ": expected %s",
				            r->name, r->offset, what);
				return FALSE;
			}
		}
		k = MIN(n, r->len - r->pos);
		memcpy(o, r->buf + r->pos, k);
		r->crc = (guint32)crc32(r->crc, o, (uInt)k);
		r->pos += k;
		r->offset += k;
		o += k;
		n -= k;
	}
	return TRUE;
}

#define R_INT(bits) \
	static gboolean r_u##bits(Reader *r, guint##bits *v, const char *what, GError **e) { \
		guint##bits x; \
		if (!r_get(r, &x, sizeof x, what, e)) return FALSE; \
		*v = GUINT##bits##_FROM_LE(x); return TRUE; }
static gboolean
r_u8(Reader *r, guint8 *v, const char *what, GError **e)
{
	return r_get(r, v, 1, what, e);
}
R_INT(16) R_INT(32) R_INT(64)

static gboolean
corrupt(GError **error, Reader *r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
corrupt(GError **error, Reader *r, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_CORRUPT,
	            "%s: offset %" G_GUINT64_FORMAT ": %s", r->name, r->offset, msg);
	return FALSE;
}

static gboolean
safe_path(const char *p)
{
	if (!sms_path_is_safe_relative(p) || strchr(p, '\\') != NULL)
		return FALSE;
	for (const char *s = p; *s; s++)
		if ((guchar)*s < 0x20)
			return FALSE;
	return TRUE;
}

typedef struct {
	int root;                /* dest dir fd, -1 = verify only */
	guint64 max_bytes;
	SmsArchiveEntryFunc func;
	gpointer data;
} Sink;


/* Open the parent directory of rel (creating nothing: directories come first in the
 * archive) below root without following symlinks. */
static int
open_parent(int root, const char *rel, const char **leaf)
{
	g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
	guint n = g_strv_length(parts);
	int fd = dup(root);
	for (guint i = 0; fd >= 0 && i + 1 < n; i++) {
		int next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	*leaf = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	return fd;
}

static gboolean
read_all(Reader *r, Sink *s, SmsArchiveStats *st, GError **error)
{
	char magic[8];
	guint32 version, flags;
	g_autofree guint8 *outb = g_malloc(BUF);
	g_autofree guint8 *inb = g_malloc(BUF + 4);
	guint64 entries = 0, total = 0;

	if (!r_get(r, magic, 8, "the SMSPKG header", error))
		return FALSE;
	if (memcmp(magic, MAGIC, 8) != 0)
		return corrupt(error, r, "not an smsemu package archive (bad magic)");
	if (!r_u32(r, &version, "the format version", error) ||
	    !r_u32(r, &flags, "the header flags", error))
		return FALSE;
	if (version != VERSION) {
		g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_VERSION,
		            "%s: archive format version %u is not supported (this program reads %d)",
		            r->name, version, VERSION);
		return FALSE;
	}
	for (;;) {
		guint8 type;
		guint16 plen;
		guint32 mode;
		guint64 size, mtime;
		g_autofree char *path = NULL;
		guint64 entry_off = r->offset;

		if (!r_u8(r, &type, "an entry or the trailer", error))
			return FALSE;
		if (type == T_END) {
			guint64 n, bytes;
			guint32 crc_calc, crc;
			if (!r_u64(r, &n, "the entry count", error) ||
			    !r_u64(r, &bytes, "the total size", error))
				return FALSE;
			crc_calc = r->crc;
			if (!r_u32(r, &crc, "the archive CRC", error))
				return FALSE;
			if (n != entries || bytes != total)
				return corrupt(error, r, "trailer says %" G_GUINT64_FORMAT " entries / %"
				               G_GUINT64_FORMAT " bytes, the archive has %" G_GUINT64_FORMAT
				               " / %" G_GUINT64_FORMAT, n, bytes, entries, total);
			if (crc != crc_calc)
				return corrupt(error, r, "archive CRC mismatch (%08x, computed %08x)", crc,
				               crc_calc);
			st->crc = crc;
			{
				guint8 extra;
				GError *ignore = NULL;
				if (r_get(r, &extra, 1, "nothing", &ignore))
					return corrupt(error, r, "data after the trailer");
				g_clear_error(&ignore);
			}
			return TRUE;
		}
		if (type != T_FILE && type != T_DIR)
			return corrupt(error, r, "unknown entry type %u", type);
		if (!r_u16(r, &plen, "the path length", error))
			return FALSE;
		if (plen == 0)
			return corrupt(error, r, "empty path");
		path = g_malloc0((gsize)plen + 1);
		if (!r_get(r, path, plen, "the entry path", error) ||
		    !r_u32(r, &mode, "the mode", error) || !r_u64(r, &size, "the size", error) ||
		    !r_u64(r, &mtime, "the mtime", error))
			return FALSE;
		if (strlen(path) != plen || !safe_path(path)) {
			g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSAFE_PATH,
			            "%s: offset %" G_GUINT64_FORMAT ": entry path '%s' is absolute, "
			            "climbs out of the package or is malformed", r->name, entry_off,
			            path);
			return FALSE;
		}
		mode &= 0777;
		entries++;
		if (type == T_DIR) {
			st->dirs++;
			if (s->root >= 0) {
				const char *leaf;
				g_auto(SmsFd) pfd = open_parent(s->root, path, &leaf);
				if (pfd < 0)
					return corrupt(error, r, "directory %s: parent missing or not a "
					               "directory", path);
				if (mkdirat(pfd, leaf, 0755) < 0)
					return sms_throw_errno(error, "creating %s", path);
			}
			if (s->func) {
				SmsArchiveEntry e = { path, TRUE, mode, 0, (gint64)mtime, 0 };
				if (!s->func(&e, s->data, error))
					return FALSE;
			}
			continue;
		}
		/* file */
		{
			g_auto(SmsInflate) z = { 0 };
			g_auto(SmsFd) ofd = -1;
			guint32 crc = (guint32)crc32(0, NULL, 0), want;
			guint64 got = 0;
			gboolean ended = FALSE;

			total += size;
			if (s->max_bytes && total > s->max_bytes) {
				g_set_error(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE,
				            "%s: the package needs more than the %" G_GUINT64_FORMAT
				            " bytes available", r->name, s->max_bytes);
				return FALSE;
			}
			if (s->root >= 0) {
				const char *leaf;
				g_auto(SmsFd) pfd = open_parent(s->root, path, &leaf);
				if (pfd < 0)
					return corrupt(error, r, "file %s: parent missing or not a directory",
					               path);
				ofd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				             mode | 0600);
				if (ofd < 0)
					return sms_throw_errno(error, "creating %s", path);
			}
			if (inflateInit(&z) != Z_OK)
				return sms_throw(error, SMS_ERROR_FAILED, "zlib: inflateInit failed");
			for (;;) {
				guint32 clen;
				if (!r_u32(r, &clen, "a chunk length", error))
					return FALSE;
				if (clen == 0)
					break;
				if (clen > BUF)
					return corrupt(error, r, "chunk of %u bytes in %s (at most %d)", clen,
					               path, BUF);
				if (!r_get(r, inb, clen, "compressed data", error))
					return FALSE;
				if (ended)
					return corrupt(error, r, "data after the end of %s", path);
				z.next_in = inb;
				z.avail_in = clen;
				while (z.avail_in > 0 && !ended) {
					int rc;
					gsize have;
					z.next_out = outb;
					z.avail_out = BUF;
					rc = inflate(&z, Z_NO_FLUSH);
					if (rc != Z_OK && rc != Z_STREAM_END)
						return corrupt(error, r, "bad compressed data in %s", path);
					have = BUF - z.avail_out;
					got += have;
					if (got > size)
						return corrupt(error, r, "%s is longer than its size %"
						               G_GUINT64_FORMAT, path, size);
					crc = (guint32)crc32(crc, outb, (uInt)have);
					if (ofd >= 0 && have > 0) {
						gsize off = 0;
						while (off < have) {
							ssize_t n = write(ofd, outb + off, have - off);
							if (n < 0 && errno == EINTR)
								continue;
							if (n < 0 && errno == ENOSPC) {
								g_set_error(error, SMS_ARCHIVE_ERROR,
								            SMS_ARCHIVE_ERROR_NO_SPACE,
								            "writing %s: no space left on device", path);
								return FALSE;
							}
							if (n < 0)
								return sms_throw_errno(error, "writing %s", path);
							off += (gsize)n;
						}
					}
					if (rc == Z_STREAM_END)
						ended = TRUE;
					else if (have == 0 && z.avail_in == 0)
						break;
				}
			}
			if (!r_u32(r, &want, "the file CRC", error))
				return FALSE;
			if (!ended || got != size)
				return corrupt(error, r, "%s: %" G_GUINT64_FORMAT " bytes instead of %"
				               G_GUINT64_FORMAT, path, got, size);
			if (crc != want)
				return corrupt(error, r, "CRC mismatch in %s (%08x, stored %08x)", path, crc,
				               want);
			if (ofd >= 0) {
				struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
				if (fchmod(ofd, mode) < 0 || futimens(ofd, ts) < 0)
					return sms_throw_errno(error, "setting attributes of %s", path);
			}
			st->files++;
			st->bytes_in += size;
			if (s->func) {
				SmsArchiveEntry e = { path, FALSE, mode, size, (gint64)mtime, crc };
				if (!s->func(&e, s->data, error))
					return FALSE;
			}
		}
	}
}

static gboolean
read_file(const char *archive_path, Sink *s, SmsArchiveStats *out, GError **error)
{
	g_auto(SmsFd) fd = open(archive_path, O_RDONLY | O_CLOEXEC);
	g_autofree guint8 *buf = g_malloc(BUF);
	Reader r = { archive_path, fd, NULL, 0, buf, 0, 0, 0, 0 };
	SmsArchiveStats st = { 0 };
	if (fd < 0)
		return sms_throw_errno(error, "opening %s", archive_path);
	r.crc = (guint32)crc32(0, NULL, 0);
	if (!read_all(&r, s, &st, error))
		return FALSE;
	if (out)
		*out = st;
	return TRUE;
}

gboolean
sms_archive_verify(const char *archive_path, SmsArchiveStats *out, GError **error)
{
	Sink s = { -1, 0, NULL, NULL };
	return read_file(archive_path, &s, out, error);
}

gboolean
sms_archive_list(const char *archive_path, SmsArchiveEntryFunc func, gpointer user_data,
                 GError **error)
{
	Sink s = { -1, 0, func, user_data };
	return read_file(archive_path, &s, NULL, error);
}

gboolean
sms_archive_verify_buffer(const guint8 *data, gsize len, GError **error)
{
	Reader r = { "<buffer>", -1, data, len, (guint8 *)data, len, 0, 0, 0 };
	Sink s = { -1, 0, NULL, NULL };
	SmsArchiveStats st = { 0 };
	r.crc = (guint32)crc32(0, NULL, 0);
	return read_all(&r, &s, &st, error);
}

gboolean
sms_archive_extract(const char *archive_path, const char *dest_dir, guint64 max_bytes,
                    SmsArchiveStats *out, GError **error)
{
	g_auto(SmsFd) root = -1;
	Sink s = { -1, max_bytes, NULL, NULL };
	gboolean ok;

	if (g_mkdir_with_parents(dest_dir, 0755) < 0)
		return sms_throw_errno(error, "creating %s", dest_dir);
	{
		g_autoptr(GDir) d = g_dir_open(dest_dir, 0, NULL);
		if (d && g_dir_read_name(d) != NULL)
			return sms_throw(error, SMS_ERROR_EXISTS, "%s: extracting needs an empty directory",
			                 dest_dir);
	}
	root = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sms_throw_errno(error, "opening %s", dest_dir);
	s.root = root;
	ok = read_file(archive_path, &s, out, error);
	if (!ok) {
		/* leave nothing half-extracted */
		g_autoptr(GDir) d = g_dir_open(dest_dir, 0, NULL);
		const char *name;
		while (d && (name = g_dir_read_name(d)) != NULL) {
			g_autofree char *p = g_build_filename(dest_dir, name, NULL);
			if (!sms_rm_rf(p, NULL))
				g_warning("could not remove %s", p);
		}
	}
	return ok;
}
