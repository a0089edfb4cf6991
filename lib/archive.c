/* archive.c -- the compressed package format (see archive.h and smsemu-archive(5)).
 *
 * Both directions are a pipeline of Items in archive order: the main thread walks the
 * source tree (or parses the archive) and submits items; chunk items are compressed
 * (or decompressed) by worker threads; the main thread consumes finished items strictly
 * in order (writes the archive, or creates the files). At most a few chunks are in
 * flight, so memory stays constant whatever the size of the package.
 */
#include "archive.h"
#include "atomic.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <zlib.h>

G_DEFINE_QUARK(sms-archive-error-quark, sms_archive_error)

#define MAGIC "SMSPKG\r\n"
#define MAGIC_LEN 8
#define VERSION 2
#define HEADER_LEN (MAGIC_LEN + 4 + 4)
#define TRAILER_LEN (1 + 8 + 8 + 4)
#define T_DIR 'D'
#define T_FILE 'F'
#define T_END 'E'
#define CHUNK ((gsize)1 << 20)          /* uncompressed bytes per zlib stream */
#define IO_BUF ((gsize)256 << 10)       /* archive read/write buffer */
#define MAX_PATH_LEN 4096
#define MAX_NAME_LEN 255
#define MAX_DEPTH 128
#define MAX_ITEMS 64                    /* items queued in the pipeline */
#define DEFAULT_THREADS 2
#define INLINE_DEFLATE ((gsize)4 << 10)    /* chunks up to this size are done inline */
#define INLINE_INFLATE ((gsize)32 << 10)
#define MAX_THREADS 64

static gsize
max_clen(void)
{
	return compressBound(CHUNK);    /* any level fits (zlib's bound for compress2) */
}

static gsize
buf_cap(void)
{
	return max_clen() + 64;         /* > CHUNK + 1 too: inflate overrun detection */
}

/* ---- paths -------------------------------------------------------------------- */

/* NULL if p (len bytes) may be an entry path, else why not. The writer refuses what the
 * reader would refuse, so every archive we write can be extracted. */
static const char *
path_problem(const char *p, gsize len)
{
	guint depth = 1;
	gsize comp = 0;

	if (len == 0)
		return "is empty";
	if (len > MAX_PATH_LEN)
		return "is longer than 4096 bytes";
	if (memchr(p, '\0', len) != NULL)
		return "contains a NUL byte";
	if (p[0] == '/')
		return "is absolute";
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)p[i];
		if (c == '\\')
			return "contains a backslash";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	if (!sms_path_is_safe_relative(p))
		return "has an empty, '.' or '..' component or a drive letter";
	for (gsize i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if (comp > MAX_NAME_LEN)
				return "has a name longer than 255 bytes";
			comp = 0;
			if (i < len && ++depth > MAX_DEPTH)
				return "is nested deeper than 128 directories";
		} else {
			comp++;
		}
	}
	return NULL;
}

/* Compare two valid paths component by component (bytes): the order of a depth-first
 * walk with each directory's names sorted by strcmp. */
static int
path_cmp(const char *a, const char *b)
{
	for (;;) {
		gsize la = strcspn(a, "/"), lb = strcspn(b, "/");
		int c = memcmp(a, b, MIN(la, lb));
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += la;
		b += lb;
		if (*a == '\0' || *b == '\0')
			return (*a != '\0') - (*b != '\0');
		a++;
		b++;
	}
}

/* Length of the directory part of path ("" = the root). */
static gsize
parent_len(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? (gsize)(s - path) : 0;
}

static const char *
leaf_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- pipeline ----------------------------------------------------------------- */

enum { K_DIR, K_FILE, K_CHUNK, K_FILE_END };
typedef enum { JOB_NONE, JOB_DEFLATE, JOB_INFLATE } JobKind;
/* job results */
enum { JE_OK, JE_DATA, JE_LONG, JE_SHORT, JE_INCOMPLETE, JE_TRAILING, JE_ZLIB };

typedef struct {
	int kind;
	JobKind job;
	gint done;                      /* atomic */
	int jerr;                       /* JE_* */
	guint8 *in, *out;               /* chunk buffers (buf_cap() each), recycled */
	gsize in_len, out_len;          /* in: raw (deflate) or compressed (inflate) */
	gsize raw_len;                  /* uncompressed length of the chunk */
	guint32 crc;                    /* CRC-32 of the uncompressed chunk */
	gboolean zero;                  /* create: a hole, written from the cached stream */
	guint32 index;                  /* chunk number within its file */
	char *path;
	guint32 mode, want_crc;
	guint64 size, offset;           /* offset: where the item starts in the archive */
	gint64 mtime;
} Item;

typedef gboolean (*ConsumeFunc)(gpointer ctx, Item *it, GError **error);

typedef struct Pipe Pipe;
typedef struct {
	Pipe *pipe;
	GThread *thread;
	z_stream z;
	gboolean z_ok;
} Worker;

struct Pipe {
	gboolean deflate;
	int level;
	guint want_workers;             /* started at the first job worth a thread */
	gboolean started;
	guint nworkers;                 /* 0: jobs run inline in the main thread */
	Worker *workers;
	GAsyncQueue *todo;
	GMutex lock;
	GCond cond;
	GQueue fifo;                    /* items in archive order (main thread only) */
	guint chunks, max_chunks;       /* items with buffers in the fifo */
	GPtrArray *spare;               /* recycled items with buffers */
	z_stream z;                     /* inline jobs */
	gboolean z_init, z_ok;
	ConsumeFunc consume;
	gpointer ctx;
	gboolean failed;                /* the consumer failed: consume nothing more */
};

static Item stop_item;              /* tells a worker to exit */

static gboolean
zinit(z_stream *z, gboolean deflating, int level)
{
	memset(z, 0, sizeof *z);
	return (deflating ? deflateInit(z, level) : inflateInit(z)) == Z_OK;
}

static void
zend(z_stream *z, gboolean deflating)
{
	if (deflating)
		deflateEnd(z);
	else
		inflateEnd(z);
}

static void
run_job(z_stream *z, gboolean z_ok, Item *it)
{
	int rc;

	if (!z_ok) {
		it->jerr = JE_ZLIB;
		return;
	}
	if (it->job == JOB_DEFLATE) {
		deflateReset(z);
		z->next_in = it->in;
		z->avail_in = (uInt)it->raw_len;
		z->next_out = it->out;
		z->avail_out = (uInt)buf_cap();
		rc = deflate(z, Z_FINISH);
		it->out_len = buf_cap() - z->avail_out;
		it->jerr = rc == Z_STREAM_END ? JE_OK : JE_ZLIB;
		it->crc = (guint32)crc32(0, it->in, (uInt)it->raw_len);
		return;
	}
	inflateReset(z);
	z->next_in = it->in;
	z->avail_in = (uInt)it->in_len;
	z->next_out = it->out;
	z->avail_out = (uInt)(it->raw_len + 1);
	rc = inflate(z, Z_FINISH);
	it->out_len = it->raw_len + 1 - z->avail_out;
	if (rc == Z_STREAM_END)
		it->jerr = it->out_len > it->raw_len ? JE_LONG : it->out_len < it->raw_len ? JE_SHORT :
		           z->avail_in > 0 ? JE_TRAILING : JE_OK;
	else if (rc == Z_BUF_ERROR || rc == Z_OK)
		it->jerr = z->avail_out == 0 ? JE_LONG : JE_INCOMPLETE;
	else if (rc == Z_MEM_ERROR)
		it->jerr = JE_ZLIB;
	else
		it->jerr = JE_DATA;
	if (it->jerr == JE_OK)
		it->crc = (guint32)crc32(0, it->out, (uInt)it->out_len);
}

static gpointer
worker_main(gpointer data)
{
	Worker *w = data;
	Pipe *p = w->pipe;

	w->z_ok = zinit(&w->z, p->deflate, p->level);
	for (;;) {
		Item *it = g_async_queue_pop(p->todo);
		if (it == &stop_item)
			break;
		run_job(&w->z, w->z_ok, it);
		g_mutex_lock(&p->lock);
		g_atomic_int_set(&it->done, 1);
		g_cond_broadcast(&p->cond);
		g_mutex_unlock(&p->lock);
	}
	if (w->z_ok)
		zend(&w->z, p->deflate);
	return NULL;
}

static Pipe *
pipe_new(gboolean deflating, int level, guint threads, ConsumeFunc consume, gpointer ctx)
{
	Pipe *p = g_new0(Pipe, 1);

	p->deflate = deflating;
	p->level = level;
	p->consume = consume;
	p->ctx = ctx;
	g_mutex_init(&p->lock);
	g_cond_init(&p->cond);
	g_queue_init(&p->fifo);
	p->spare = g_ptr_array_new();
	p->want_workers = MIN(threads, MAX_THREADS);
	p->max_chunks = 1;
	return p;
}

static void
pipe_start_workers(Pipe *p)
{
	p->started = TRUE;
	p->todo = g_async_queue_new();
	p->workers = g_new0(Worker, p->want_workers);
	for (guint i = 0; i < p->want_workers; i++) {
		p->workers[i].pipe = p;
		p->workers[i].thread = g_thread_try_new("sms-archive", worker_main, &p->workers[i],
		                                        NULL);
		if (p->workers[i].thread == NULL)
			break;          /* fewer threads (or inline) still work */
		p->nworkers++;
	}
	if (p->nworkers > 0)
		p->max_chunks = 2 * p->nworkers + 2;
}

/* Small chunks are not worth a hand-over to a thread (and tiny archives, fuzzing
 * included, never start one). */
static gboolean
worth_a_thread(Pipe *p, const Item *it)
{
	return it->raw_len > (p->deflate ? INLINE_DEFLATE : INLINE_INFLATE);
}

static void
item_free(Item *it)
{
	g_free(it->in);
	g_free(it->out);
	g_free(it->path);
	g_free(it);
}

/* An item; with_buffers: room for one chunk in and out. */
static Item *
item_new(Pipe *p, int kind, gboolean with_buffers)
{
	Item *it;

	if (with_buffers && p->spare->len > 0) {
		it = g_ptr_array_steal_index_fast(p->spare, p->spare->len - 1);
	} else {
		it = g_new0(Item, 1);
		if (with_buffers) {
			it->in = g_malloc(buf_cap());
			it->out = g_malloc(buf_cap());
		}
	}
	it->kind = kind;
	return it;
}

static void
item_recycle(Pipe *p, Item *it)
{
	if (it->in != NULL && p->spare->len < p->max_chunks) {
		guint8 *in = it->in, *out = it->out;
		g_free(it->path);
		memset(it, 0, sizeof *it);
		it->in = in;
		it->out = out;
		g_ptr_array_add(p->spare, it);
	} else {
		item_free(it);
	}
}

static gboolean
consume_head(Pipe *p, GError **error)
{
	Item *it = g_queue_peek_head(&p->fifo);
	gboolean ok;

	if (!g_atomic_int_get(&it->done)) {
		g_mutex_lock(&p->lock);
		while (!g_atomic_int_get(&it->done))
			g_cond_wait(&p->cond, &p->lock);
		g_mutex_unlock(&p->lock);
	}
	g_queue_pop_head(&p->fifo);
	if (it->in != NULL)
		p->chunks--;
	ok = p->consume(p->ctx, it, error);
	item_recycle(p, it);
	if (!ok)
		p->failed = TRUE;
	return ok;
}

/* Queue it (taking it), run its job, consume what is ready, and wait while too much
 * is in flight. A FALSE return is a consumer error: stop submitting. */
static gboolean
pipe_submit(Pipe *p, Item *it, GError **error)
{
	if (it->job != JOB_NONE && !p->started && p->want_workers > 0 && worth_a_thread(p, it))
		pipe_start_workers(p);
	if (it->job == JOB_NONE) {
		it->done = 1;
	} else if (p->nworkers == 0 || !worth_a_thread(p, it)) {
		if (!p->z_init) {
			p->z_init = TRUE;
			p->z_ok = zinit(&p->z, p->deflate, p->level);
		}
		run_job(&p->z, p->z_ok, it);
		it->done = 1;
	} else {
		g_async_queue_push(p->todo, it);
	}
	if (it->in != NULL)
		p->chunks++;
	g_queue_push_tail(&p->fifo, it);
	while (p->fifo.length > 0) {
		Item *head = g_queue_peek_head(&p->fifo);
		if (!g_atomic_int_get(&head->done) && p->fifo.length <= MAX_ITEMS &&
		    p->chunks < p->max_chunks)
			break;
		if (!consume_head(p, error))
			return FALSE;
	}
	return TRUE;
}

/* Consume everything left, in order. */
static gboolean
pipe_finish(Pipe *p, GError **error)
{
	while (p->fifo.length > 0)
		if (!consume_head(p, error))
			return FALSE;
	return TRUE;
}

static void
pipe_free(Pipe *p)
{
	Item *it;

	if (p == NULL)
		return;
	while ((it = g_queue_pop_head(&p->fifo)) != NULL) {
		g_mutex_lock(&p->lock);     /* a worker may still hold it */
		while (!g_atomic_int_get(&it->done))
			g_cond_wait(&p->cond, &p->lock);
		g_mutex_unlock(&p->lock);
		item_free(it);
	}
	for (guint i = 0; i < p->nworkers; i++)
		g_async_queue_push(p->todo, &stop_item);
	for (guint i = 0; i < p->nworkers; i++)
		g_thread_join(p->workers[i].thread);
	g_free(p->workers);
	if (p->todo)
		g_async_queue_unref(p->todo);
	if (p->z_ok)
		zend(&p->z, p->deflate);
	g_ptr_array_foreach(p->spare, (GFunc)(void (*)(void))item_free, NULL);
	g_ptr_array_unref(p->spare);
	g_mutex_clear(&p->lock);
	g_cond_clear(&p->cond);
	g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pipe, pipe_free)

/* ---- small helpers ------------------------------------------------------------ */

static void
put_le(guint8 *b, guint64 v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (guint8)(v >> (8 * i));
}

static guint64
get_le(const guint8 *b, int n)
{
	guint64 v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static gboolean
all_zero(const guint8 *p, gsize n)
{
	static const guint8 zeros[4096];
	while (n > 0) {
		gsize k = MIN(n, sizeof zeros);
		if (memcmp(p, zeros, k) != 0)
			return FALSE;
		p += k;
		n -= k;
	}
	return TRUE;
}

static gboolean
throw_write(GError **error, int err, const char *what, const char *path)
{
	if (err == ENOSPC || err == EDQUOT)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE,
		                        "%s %s: %s", what, path, g_strerror(err));
	return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO, "%s %s: %s", what,
	                        path, g_strerror(err));
}

static gboolean
write_all(int fd, const guint8 *p, gsize n, gboolean fail_nospc, const char *path,
          GError **error)
{
	while (n > 0) {
		ssize_t k = fail_nospc ? (errno = ENOSPC, -1) : write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return throw_write(error, errno, "writing", path);
		}
		p += k;
		n -= (gsize)k;
	}
	return TRUE;
}

/* ---- creating ----------------------------------------------------------------- */

typedef struct {
	int fd;
	const char *path;               /* the archive, for messages */
	guint8 *buf;
	gsize len;
	guint32 crc;                    /* of every byte written */
	guint64 total;
} Writer;

static gboolean
w_flush(Writer *w, GError **error)
{
	if (!write_all(w->fd, w->buf, w->len, FALSE, w->path, error))
		return FALSE;
	w->len = 0;
	return TRUE;
}

static gboolean
w_put(Writer *w, const void *data, gsize n, GError **error)
{
	w->crc = (guint32)crc32(w->crc, data, (uInt)n);
	w->total += n;
	if (w->len + n > IO_BUF) {
		if (!w_flush(w, error))
			return FALSE;
		if (n >= IO_BUF)
			return write_all(w->fd, data, n, FALSE, w->path, error);
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
	return TRUE;
}

static gboolean
w_le(Writer *w, guint64 v, int n, GError **error)
{
	guint8 b[8];
	put_le(b, v, n);
	return w_put(w, b, (gsize)n, error);
}

typedef struct {
	Writer w;
	Pipe *pipe;
	int level;
	const char *src;                /* source directory, for messages */
	SmsArchiveStats st;
	guint32 file_crc;
	guint8 *zero_out;               /* the zlib stream of CHUNK zero bytes (holes) */
	gsize zero_len;
	guint32 zero_crc;
	dev_t self_dev;                 /* the archive being written, if it is in the tree */
	ino_t self_ino;
} Creator;

static gboolean
write_entry_header(Writer *w, int type, const char *path, guint32 mode, guint64 size,
                   gint64 mtime, GError **error)
{
	guint8 hdr[1 + 2 + MAX_PATH_LEN + 4 + 8 + 8 + 4];
	gsize plen = strlen(path), n = 0;

	hdr[n++] = (guint8)type;
	put_le(hdr + n, plen, 2);
	n += 2;
	memcpy(hdr + n, path, plen);
	n += plen;
	put_le(hdr + n, mode, 4);
	n += 4;
	put_le(hdr + n, size, 8);
	n += 8;
	put_le(hdr + n, (guint64)mtime, 8);
	n += 8;
	put_le(hdr + n, crc32(0, hdr, (uInt)n), 4);
	n += 4;
	return w_put(w, hdr, n, error);
}

static gboolean
consume_create(gpointer ctx, Item *it, GError **error)
{
	Creator *c = ctx;

	switch (it->kind) {
	case K_DIR:
		return write_entry_header(&c->w, T_DIR, it->path, it->mode, 0, it->mtime, error);
	case K_FILE:
		c->file_crc = (guint32)crc32(0, NULL, 0);
		return write_entry_header(&c->w, T_FILE, it->path, it->mode, it->size, it->mtime,
		                          error);
	case K_CHUNK:
		if (it->zero) {
			c->file_crc = (guint32)crc32_combine(c->file_crc, c->zero_crc, (z_off_t)CHUNK);
			return w_le(&c->w, c->zero_len, 4, error) &&
			       w_put(&c->w, c->zero_out, c->zero_len, error);
		}
		if (it->jerr != JE_OK)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "%s: zlib failed to compress a chunk (out of memory?)",
			                        c->w.path);
		c->file_crc = (guint32)crc32_combine(c->file_crc, it->crc, (z_off_t)it->raw_len);
		return w_le(&c->w, it->out_len, 4, error) && w_put(&c->w, it->out, it->out_len, error);
	case K_FILE_END:
		return w_le(&c->w, c->file_crc, 4, error);
	default:
		g_assert_not_reached();
	}
}

static gboolean
unsupported(GError **error, const char *src, const char *path, const char *what)
{
	return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED,
	                        "%s/%s %s: a package holds only regular files and directories",
	                        src, path, what);
}

/* The zlib stream of a chunk of zeros, made once per archive (sparse files). */
static gboolean
make_zero_chunk(Creator *c, GError **error)
{
	g_autofree guint8 *zeros = g_malloc0(CHUNK);
	z_stream z;
	int rc;

	if (c->zero_out != NULL)
		return TRUE;
	if (!zinit(&z, TRUE, c->level))
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "zlib: deflateInit failed");
	c->zero_out = g_malloc(buf_cap());
	z.next_in = zeros;
	z.avail_in = (uInt)CHUNK;
	z.next_out = c->zero_out;
	z.avail_out = (uInt)buf_cap();
	rc = deflate(&z, Z_FINISH);
	c->zero_len = buf_cap() - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "zlib: compressing zeros failed");
	c->zero_crc = (guint32)crc32(0, zeros, (uInt)CHUNK);
	return TRUE;
}

static gboolean
read_exact(int fd, guint8 *buf, gsize n, guint64 off, const char *src, const char *path,
           guint64 size, GError **error)
{
	gsize got = 0;
	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "reading %s/%s at offset %" G_GUINT64_FORMAT ": %s", src,
			                        path, off + got, g_strerror(errno));
		if (k == 0)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "%s/%s shrank while it was archived (%" G_GUINT64_FORMAT
			                        " bytes instead of %" G_GUINT64_FORMAT ")", src, path,
			                        off + got, size);
		got += (gsize)k;
	}
	return TRUE;
}

static gboolean
add_file(Creator *c, int fd, const char *path, const struct stat *sb, GError **error)
{
	guint64 size = (guint64)sb->st_size;
	/* only files with fewer blocks than bytes can have holes worth looking for */
	gboolean sparse = (guint64)sb->st_blocks * 512 < size;
	guint64 next_data = 0;          /* first data offset >= the current one, if sparse */
	Item *it = item_new(c->pipe, K_FILE, FALSE);
	guint8 probe;
	ssize_t k;

	it->path = g_strdup(path);
	it->mode = sb->st_mode & 0777;
	it->size = size;
	it->mtime = sb->st_mtime;
	if (!pipe_submit(c->pipe, it, error))
		return FALSE;
	for (guint64 off = 0; off < size; off += CHUNK) {
		gsize n = (gsize)MIN(CHUNK, size - off);
		if (sparse && n == CHUNK && next_data < off + n) {
			off_t d = lseek(fd, (off_t)off, SEEK_DATA);
			if (d >= 0)
				next_data = (guint64)d;
			else if (errno == ENXIO)
				next_data = G_MAXUINT64;    /* a hole up to the end */
			else
				sparse = FALSE;             /* not supported here */
		}
		if (sparse && n == CHUNK && next_data >= off + n) {
			if (!make_zero_chunk(c, error))
				return FALSE;
			it = item_new(c->pipe, K_CHUNK, FALSE);
			it->zero = TRUE;
			it->raw_len = n;
		} else {
			it = item_new(c->pipe, K_CHUNK, TRUE);
			if (!read_exact(fd, it->in, n, off, c->src, path, size, error)) {
				item_recycle(c->pipe, it);
				return FALSE;
			}
			it->raw_len = n;
			it->job = JOB_DEFLATE;
		}
		if (!pipe_submit(c->pipe, it, error))
			return FALSE;
	}
	do
		k = pread(fd, &probe, 1, (off_t)size);
	while (k < 0 && errno == EINTR);
	if (k != 0)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "%s/%s grew while it was archived (more than %"
		                        G_GUINT64_FORMAT " bytes)", c->src, path, size);
	c->st.files++;
	c->st.bytes_in += size;
	return pipe_submit(c->pipe, item_new(c->pipe, K_FILE_END, FALSE), error);
}

static gint
name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean
add_dir(Creator *c, int dfd, const char *rel, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;
	DIR *d;
	int dup_fd = dup(dfd);

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		int err = errno;
		if (dup_fd >= 0)
			close(dup_fd);
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "reading directory %s/%s: %s", c->src, *rel ? rel : ".",
		                        g_strerror(err));
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
		errno = 0;
	}
	if (errno != 0) {
		int err = errno;
		closedir(d);
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "reading directory %s/%s: %s", c->src, *rel ? rel : ".",
		                        g_strerror(err));
	}
	closedir(d);
	g_ptr_array_sort(names, name_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *path = *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
		const char *why = path_problem(path, strlen(path));
		g_auto(SmsFd) fd = -1;
		struct stat sb;

		if (why != NULL)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_UNSUPPORTED,
			                        "%s/%s: cannot be stored in a package: the path %s",
			                        c->src, path, why);
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "stat %s/%s: %s", c->src, path, g_strerror(errno));
		if (sb.st_dev == c->self_dev && sb.st_ino == c->self_ino)
			continue;       /* the archive itself (created inside its source) */
		if (S_ISLNK(sb.st_mode))
			return unsupported(error, c->src, path, "is a symbolic link");
		if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
			return unsupported(error, c->src, path, "is a device, FIFO or socket");
		/* O_NONBLOCK: a FIFO swapped in after the stat must not block us */
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		            (S_ISDIR(sb.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0 && errno == ELOOP)
			return unsupported(error, c->src, path, "is a symbolic link");
		if (fd < 0)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "opening %s/%s: %s", c->src, path, g_strerror(errno));
		if (fstat(fd, &sb) < 0)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "stat %s/%s: %s", c->src, path, g_strerror(errno));
		if (S_ISDIR(sb.st_mode)) {
			Item *it = item_new(c->pipe, K_DIR, FALSE);
			it->path = g_strdup(path);
			it->mode = sb.st_mode & 0777;
			it->mtime = sb.st_mtime;
			c->st.dirs++;
			if (!pipe_submit(c->pipe, it, error) || !add_dir(c, fd, path, error))
				return FALSE;
		} else if (S_ISREG(sb.st_mode)) {
			if (!add_file(c, fd, path, &sb, error))
				return FALSE;
		} else {
			return unsupported(error, c->src, path, "is a device, FIFO or socket");
		}
	}
	return TRUE;
}

gboolean
sms_archive_create_full(const char *src_dir, const char *archive_path,
                        const SmsArchiveOptions *opt, SmsArchiveStats *out_stats,
                        GError **error)
{
	g_auto(SmsFd) src = -1;
	g_autofree char *tmp = g_strdup_printf("%s.tmp.XXXXXX", archive_path);
	g_autofree guint8 *wbuf = g_malloc(IO_BUF);
	g_autoptr(Pipe) pipe = NULL;
	Creator c = { 0 };
	int level = opt ? opt->level : -1;
	guint threads = opt && opt->threads ? opt->threads : DEFAULT_THREADS;
	int fd;
	gboolean ok = FALSE;

	c.level = level < 0 ? 6 : MIN(level, 9);
	c.src = src_dir;
	src = open(src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "package source %s: %s", src_dir, g_strerror(errno));
	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return throw_write(error, errno, "creating", tmp);
	{
		struct stat self;
		if (fstat(fd, &self) == 0) {
			c.self_dev = self.st_dev;
			c.self_ino = self.st_ino;
		}
	}
	c.w.fd = fd;
	c.w.path = archive_path;
	c.w.buf = wbuf;
	c.w.crc = (guint32)crc32(0, NULL, 0);
	pipe = pipe_new(TRUE, c.level, threads, consume_create, &c);
	c.pipe = pipe;
	if (!w_put(&c.w, MAGIC, MAGIC_LEN, error) || !w_le(&c.w, VERSION, 4, error) ||
	    !w_le(&c.w, 0, 4, error) || !add_dir(&c, src, "", error) ||
	    !pipe_finish(pipe, error))
		goto out;
	if (!w_le(&c.w, T_END, 1, error) || !w_le(&c.w, c.st.files + c.st.dirs, 8, error) ||
	    !w_le(&c.w, c.st.bytes_in, 8, error))
		goto out;
	c.st.crc = c.w.crc;
	if (!w_le(&c.w, c.st.crc, 4, error) || !w_flush(&c.w, error))
		goto out;
	c.st.bytes_out = c.w.total;
	if (!sms_sync_fd(fd)) {
		throw_write(error, errno, "fsync of", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		throw_write(error, errno, "closing", tmp);
		goto out;
	}
	fd = -1;
	if (sms_fault("archive-before-rename", error) ||
	    !sms_rename_durable(tmp, archive_path, error))
		goto out;
	ok = TRUE;
	if (out_stats)
		*out_stats = c.st;
out:
	g_clear_pointer(&pipe, pipe_free);
	if (fd >= 0)
		close(fd);
	if (!ok)
		unlink(tmp);
	g_free(c.zero_out);
	return ok;
}

gboolean
sms_archive_create(const char *src_dir, const char *archive_path, int level,
                   SmsArchiveStats *out_stats, GError **error)
{
	SmsArchiveOptions opt = { level, 0 };
	return sms_archive_create_full(src_dir, archive_path, &opt, out_stats, error);
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct {
	const char *name;               /* the archive, for messages */
	int fd;                         /* -1: reading from memory */
	const guint8 *buf;
	guint8 *own;                    /* the read buffer (files) */
	gsize len, pos;
	guint64 offset;                 /* archive offset of buf[pos] */
	guint32 crc;                    /* of every byte read */
	guint32 hcrc;                   /* of the current entry header */
} Reader;

static gboolean G_GNUC_PRINTF(5, 6)
rerr(GError **error, Reader *r, int code, guint64 off, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_ARCHIVE_ERROR, code, "%s: offset %" G_GUINT64_FORMAT ": %s",
	            r->name, off, msg);
	return FALSE;
}

static gboolean
r_fill(Reader *r, GError **error)
{
	ssize_t n;

	if (r->fd < 0)
		return TRUE;
	do
		n = read(r->fd, r->own, IO_BUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "reading %s at offset %" G_GUINT64_FORMAT ": %s", r->name,
		                        r->offset, g_strerror(errno));
	r->len = (gsize)n;
	r->pos = 0;
	return TRUE;
}

/* Read n bytes into out (NULL: skip them); what is named if the archive ends. */
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
		r->crc = (guint32)crc32(r->crc, r->buf + r->pos, (uInt)k);
		r->hcrc = (guint32)crc32(r->hcrc, r->buf + r->pos, (uInt)k);
		if (o) {
			memcpy(o, r->buf + r->pos, k);
			o += k;
		}
		r->pos += k;
		r->offset += k;
		n -= k;
	}
	return TRUE;
}

static gboolean
r_le(Reader *r, guint64 *v, int n, const char *what, GError **error)
{
	guint8 b[8];
	if (!r_get(r, b, (gsize)n, what, error))
		return FALSE;
	*v = get_le(b, n);
	return TRUE;
}

typedef enum { MODE_LIST, MODE_VERIFY, MODE_EXTRACT } Mode;

/* A directory being extracted: its mode and time are set when the archive leaves it
 * (depth first: nothing more goes into it), through the fd it was created with. */
typedef struct {
	char *path;
	int fd;
	guint32 mode;
	gint64 mtime;
} OpenDir;

typedef struct {
	Mode mode;
	Reader *r;
	Pipe *pipe;
	guint64 max_bytes;
	SmsArchiveEntryFunc func;
	gpointer data;
	SmsArchiveStats st;
	/* parser: the directories enclosing the current entry, the previous entry */
	GPtrArray *pstack;
	char *prev;
	guint64 entries, total;
	/* consumer: the file being read or written */
	char *cur;
	guint64 cur_size;
	guint32 cur_crc, cur_mode;
	gint64 cur_mtime;
	int cur_fd;
	gboolean cur_holes, cur_nospc;
	/* extraction */
	const char *dest;
	int root;
	GArray *dstack;                 /* OpenDir: directories open above the current entry */
} Sink;

static gboolean out_err(Sink *s, GError **error, int err, const char *what,
                        const char *path);

/* Close the open directories deeper than keep; finish: set their modes and times. */
static gboolean
sink_close_dirs(Sink *s, gsize keep, gboolean finish, GError **error)
{
	while (s->dstack && s->dstack->len > keep) {
		OpenDir d = g_array_index(s->dstack, OpenDir, s->dstack->len - 1);
		struct timespec ts[2] = { { (time_t)d.mtime, 0 }, { (time_t)d.mtime, 0 } };
		g_autofree char *path = d.path;
		g_auto(SmsFd) fd = d.fd;
		g_array_set_size(s->dstack, s->dstack->len - 1);
		if (finish && (fchmod(fd, d.mode) < 0 || futimens(fd, ts) < 0))
			return out_err(s, error, errno, "setting the mode and time of", path);
	}
	return TRUE;
}

static void
sink_clear(Sink *s)
{
	(void)sink_close_dirs(s, 0, FALSE, NULL);
	if (s->dstack)
		g_array_unref(s->dstack);
	if (s->pstack)
		g_ptr_array_unref(s->pstack);
	if (s->cur_fd >= 0)
		close(s->cur_fd);
	g_free(s->cur);
	g_free(s->prev);
}

/* The fd of the directory holding path, finishing the deeper ones (the parser checked
 * that the parent is open). */
static gboolean
sink_parent_fd(Sink *s, const char *path, int *out_fd, GError **error)
{
	gsize plen = parent_len(path);
	while (s->dstack->len > 0) {
		OpenDir *d = &g_array_index(s->dstack, OpenDir, s->dstack->len - 1);
		if (strlen(d->path) == plen && strncmp(d->path, path, plen) == 0) {
			*out_fd = d->fd;
			return TRUE;
		}
		if (!sink_close_dirs(s, s->dstack->len - 1, TRUE, error))
			return FALSE;
	}
	*out_fd = s->root;
	return TRUE;
}

static gboolean
out_err(Sink *s, GError **error, int err, const char *what, const char *path)
{
	g_autofree char *full = g_build_filename(s->dest, path, NULL);
	return throw_write(error, err, what, full);
}

static const char *
job_problem(int jerr)
{
	switch (jerr) {
	case JE_DATA: return "bad compressed data";
	case JE_LONG: return "the data is longer than the entry's size says";
	case JE_SHORT: return "the data is shorter than the entry's size says";
	case JE_INCOMPLETE: return "the zlib stream is incomplete";
	case JE_TRAILING: return "bytes after the end of the zlib stream";
	default: return "zlib failed (out of memory?)";
	}
}

static gboolean
consume_read(gpointer ctx, Item *it, GError **error)
{
	Sink *s = ctx;

	switch (it->kind) {
	case K_DIR:
		if (s->mode == MODE_EXTRACT) {
			OpenDir d = { NULL, -1, it->mode, it->mtime };
			int pfd;
			if (!sink_parent_fd(s, it->path, &pfd, error))
				return FALSE;
			if (mkdirat(pfd, leaf_of(it->path), 0700) < 0)
				return out_err(s, error, errno, "creating directory", it->path);
			d.fd = openat(pfd, leaf_of(it->path),
			              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (d.fd < 0)
				return out_err(s, error, errno, "opening directory", it->path);
			d.path = g_strdup(it->path);
			g_array_append_val(s->dstack, d);
		} else if (s->mode == MODE_LIST && s->func) {
			SmsArchiveEntry e = { it->path, TRUE, it->mode, 0, it->mtime, 0 };
			return s->func(&e, s->data, error);
		}
		return TRUE;
	case K_FILE:
		g_free(s->cur);
		s->cur = g_steal_pointer(&it->path);
		s->cur_size = it->size;
		s->cur_mode = it->mode;
		s->cur_mtime = it->mtime;
		s->cur_crc = (guint32)crc32(0, NULL, 0);
		s->cur_holes = FALSE;
		if (s->mode == MODE_EXTRACT) {
			int pfd;
			if (!sink_parent_fd(s, s->cur, &pfd, error))
				return FALSE;
			s->cur_fd = openat(pfd, leaf_of(s->cur),
			                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (s->cur_fd < 0)
				return out_err(s, error, errno, "creating", s->cur);
			/* fault point: the disk fills up while this file is written */
			s->cur_nospc = s->cur_size > 0 && sms_fault("archive-extract-enospc", NULL);
		}
		return TRUE;
	case K_CHUNK:
		if (it->jerr != JE_OK)
			return rerr(error, s->r, SMS_ARCHIVE_ERROR_CORRUPT, it->offset,
			            "chunk %u of %s: %s", it->index, s->cur, job_problem(it->jerr));
		s->cur_crc = (guint32)crc32_combine(s->cur_crc, it->crc, (z_off_t)it->raw_len);
		if (s->mode == MODE_EXTRACT) {
			if (all_zero(it->out, it->raw_len) && !s->cur_nospc) {
				if (lseek(s->cur_fd, (off_t)it->raw_len, SEEK_CUR) < 0)
					return out_err(s, error, errno, "seeking in", s->cur);
				s->cur_holes = TRUE;
			} else {
				g_autofree char *full = g_build_filename(s->dest, s->cur, NULL);
				if (!write_all(s->cur_fd, it->out, it->raw_len, s->cur_nospc, full, error))
					return FALSE;
			}
		}
		return TRUE;
	case K_FILE_END:
		if (s->mode != MODE_LIST && s->cur_crc != it->want_crc)
			return rerr(error, s->r, SMS_ARCHIVE_ERROR_CORRUPT, it->offset,
			            "CRC mismatch in %s: the data has %08x, the archive says %08x",
			            s->cur, s->cur_crc, it->want_crc);
		if (s->mode == MODE_EXTRACT) {
			struct timespec ts[2] = { { (time_t)s->cur_mtime, 0 }, { (time_t)s->cur_mtime, 0 } };
			int fd = s->cur_fd;
			if (s->cur_holes && ftruncate(fd, (off_t)s->cur_size) < 0)
				return out_err(s, error, errno, "setting the size of", s->cur);
			if (fchmod(fd, s->cur_mode) < 0 || futimens(fd, ts) < 0)
				return out_err(s, error, errno, "setting the mode and time of", s->cur);
			s->cur_fd = -1;
			if (close(fd) < 0)
				return out_err(s, error, errno, "closing", s->cur);
		} else if (s->mode == MODE_LIST && s->func) {
			SmsArchiveEntry e = { s->cur, FALSE, s->cur_mode, s->cur_size, s->cur_mtime,
			                      it->want_crc };
			return s->func(&e, s->data, error);
		}
		return TRUE;
	default:
		g_assert_not_reached();
	}
}

static gboolean
parse_header(Reader *r, GError **error)
{
	guint8 magic[MAGIC_LEN];
	guint64 version, flags;

	if (!r_get(r, magic, MAGIC_LEN, "the SMSPKG magic", error))
		return FALSE;
	if (memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, 0,
		            "not an smsemu package archive (expected the magic \"SMSPKG\\r\\n\")");
	if (!r_le(r, &version, 4, "the format version", error) ||
	    !r_le(r, &flags, 4, "the header flags", error))
		return FALSE;
	if (version != VERSION)
		return rerr(error, r, SMS_ARCHIVE_ERROR_VERSION, MAGIC_LEN,
		            "archive format version %" G_GUINT64_FORMAT " is not supported "
		            "(this program reads version %d)", version, VERSION);
	if (flags != 0)
		return rerr(error, r, SMS_ARCHIVE_ERROR_VERSION, MAGIC_LEN + 4,
		            "header flags 0x%" G_GINT64_MODIFIER "x ask for features this program "
		            "does not know", flags);
	return TRUE;
}

static gboolean
parse_trailer(Sink *s, guint64 off, GError **error)
{
	Reader *r = s->r;
	guint64 n, bytes, stored;
	guint32 computed;
	guint8 extra;

	if (!r_le(r, &n, 8, "the entry count of the trailer", error) ||
	    !r_le(r, &bytes, 8, "the total size of the trailer", error))
		return FALSE;
	computed = r->crc;
	if (!r_le(r, &stored, 4, "the archive CRC", error))
		return FALSE;
	if (r_get(r, &extra, 1, "", NULL))
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, r->offset - 1,
		            "data after the trailer");
	if (stored != computed)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off + 17,
		            "archive CRC mismatch: the archive has %08x, the trailer says %08x",
		            computed, (guint32)stored);
	if (n != s->entries || bytes != s->total)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "the trailer says %" G_GUINT64_FORMAT " entries and %" G_GUINT64_FORMAT
		            " bytes, the archive holds %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
		            n, bytes, s->entries, s->total);
	s->st.crc = computed;
	s->st.bytes_out = r->offset;
	return TRUE;
}

static gboolean
parse_file_data(Sink *s, const char *path, guint64 size, GError **error)
{
	Reader *r = s->r;
	guint32 index = 0;
	guint64 v;
	Item *it;

	for (guint64 done = 0; done < size; done += CHUNK, index++) {
		guint64 off = r->offset;
		if (!r_le(r, &v, 4, "the compressed length of a chunk", error))
			return FALSE;
		if (v < 8 || v > max_clen())
			return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
			            "chunk %u of %s: compressed length %" G_GUINT64_FORMAT
			            " (expected 8 to %" G_GSIZE_FORMAT ")", index, path, v, max_clen());
		if (s->mode == MODE_LIST) {
			if (!r_get(r, NULL, (gsize)v, "compressed data", error))
				return FALSE;
			continue;
		}
		it = item_new(s->pipe, K_CHUNK, TRUE);
		if (!r_get(r, it->in, (gsize)v, "compressed data", error)) {
			item_recycle(s->pipe, it);
			return FALSE;
		}
		it->in_len = (gsize)v;
		it->raw_len = (gsize)MIN(CHUNK, size - done);
		it->job = JOB_INFLATE;
		it->index = index;
		it->offset = off;
		if (!pipe_submit(s->pipe, it, error))
			return FALSE;
	}
	it = item_new(s->pipe, K_FILE_END, FALSE);
	it->offset = r->offset;
	if (!r_le(r, &v, 4, "the CRC of the file", error)) {
		item_recycle(s->pipe, it);
		return FALSE;
	}
	it->want_crc = (guint32)v;
	return pipe_submit(s->pipe, it, error);
}

/* One entry; *end set at the trailer. */
static gboolean
parse_entry(Sink *s, gboolean *end, GError **error)
{
	Reader *r = s->r;
	guint64 off = r->offset, plen, mode, size, mtime, hcrc;
	guint8 type;
	guint32 computed;
	g_autofree char *path = NULL;
	const char *why;
	gsize parent;
	Item *it;

	r->hcrc = (guint32)crc32(0, NULL, 0);
	if (!r_get(r, &type, 1, "an entry or the trailer", error))
		return FALSE;
	if (type == T_END) {
		*end = TRUE;
		return parse_trailer(s, off, error);
	}
	if (type != T_DIR && type != T_FILE)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "entry type 0x%02x (expected 'D' directory, 'F' file or 'E' trailer)",
		            type);
	if (!r_le(r, &plen, 2, "the path length", error))
		return FALSE;
	if (plen == 0 || plen > MAX_PATH_LEN)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off + 1,
		            "path length %" G_GUINT64_FORMAT " (expected 1 to %d)", plen,
		            MAX_PATH_LEN);
	path = g_malloc((gsize)plen + 1);
	path[plen] = '\0';
	if (!r_get(r, path, (gsize)plen, "the entry path", error) ||
	    !r_le(r, &mode, 4, "the mode", error) || !r_le(r, &size, 8, "the size", error) ||
	    !r_le(r, &mtime, 8, "the mtime", error))
		return FALSE;
	computed = r->hcrc;
	if (!r_le(r, &hcrc, 4, "the entry header CRC", error))
		return FALSE;
	if (hcrc != computed)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "entry header CRC mismatch (the header has %08x, the archive says %08x)",
		            computed, (guint32)hcrc);
	if ((why = path_problem(path, (gsize)plen)) != NULL) {
		g_autofree char *shown = g_strescape(path, NULL);
		return rerr(error, r, SMS_ARCHIVE_ERROR_UNSAFE_PATH, off, "entry path \"%s\" %s",
		            shown, why);
	}
	if (mode & ~(guint64)0777)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "%s: mode 0%" G_GINT64_MODIFIER "o (expected permission bits only)", path,
		            mode);
	if (type == T_DIR && size != 0)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "directory %s with a size of %" G_GUINT64_FORMAT, path, size);
	if (s->prev && path_cmp(s->prev, path) >= 0)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "%s comes after %s: entries are out of order or duplicated", path, s->prev);
	parent = parent_len(path);
	while (s->pstack->len > 0) {
		const char *top = s->pstack->pdata[s->pstack->len - 1];
		if (strlen(top) == parent && strncmp(top, path, parent) == 0)
			break;
		g_ptr_array_set_size(s->pstack, s->pstack->len - 1);
	}
	if (parent > 0 && s->pstack->len == 0)
		return rerr(error, r, SMS_ARCHIVE_ERROR_CORRUPT, off,
		            "%s: its directory is not an entry before it", path);
	g_free(s->prev);
	s->prev = g_strdup(path);
	s->entries++;
	it = item_new(s->pipe, type == T_DIR ? K_DIR : K_FILE, FALSE);
	it->path = g_strdup(path);
	it->mode = (guint32)mode;
	it->size = size;
	it->mtime = (gint64)mtime;
	it->offset = off;
	if (type == T_DIR) {
		g_ptr_array_add(s->pstack, g_strdup(path));
		s->st.dirs++;
		return pipe_submit(s->pipe, it, error);
	}
	if (size > G_MAXUINT64 - s->total)
		s->total = G_MAXUINT64;
	else
		s->total += size;
	if (s->max_bytes && s->total > s->max_bytes) {
		item_free(it);
		return rerr(error, r, SMS_ARCHIVE_ERROR_NO_SPACE, off,
		            "%s: the package needs more than the %" G_GUINT64_FORMAT
		            " bytes available", path, s->max_bytes);
	}
	s->st.files++;
	s->st.bytes_in += size;
	return pipe_submit(s->pipe, it, error) && parse_file_data(s, path, size, error);
}

/* Parse the whole archive, feeding the sink in order. The first error in archive order
 * wins: on a parse error what was queued before it is consumed first. */
static gboolean
read_archive(Sink *s, guint threads, GError **error)
{
	g_autoptr(Pipe) pipe = pipe_new(FALSE, 0, s->mode == MODE_LIST ? 0 : threads,
	                                consume_read, s);
	GError *perr = NULL;
	gboolean end = FALSE;

	s->pipe = pipe;
	s->pstack = g_ptr_array_new_with_free_func(g_free);
	s->r->crc = (guint32)crc32(0, NULL, 0);
	if (parse_header(s->r, &perr))
		while (!end && parse_entry(s, &end, &perr))
			;
	if (!pipe->failed) {
		/* a parse error (or none): what came before it is consumed first */
		GError *cerr = NULL;
		if (!pipe_finish(pipe, &cerr)) {
			g_clear_error(&perr);
			perr = cerr;
		}
	}
	if (perr != NULL) {
		g_propagate_error(error, perr);
		return FALSE;
	}
	return TRUE;
}

static gboolean
read_path(const char *archive_path, Sink *s, guint threads, GError **error)
{
	g_auto(SmsFd) fd = open(archive_path, O_RDONLY | O_CLOEXEC);
	g_autofree guint8 *buf = g_malloc(IO_BUF);
	Reader r = { archive_path, fd, buf, buf, 0, 0, 0, 0, 0 };

	if (fd < 0)
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
		                        "opening %s: %s", archive_path, g_strerror(errno));
	s->r = &r;
	return read_archive(s, threads, error);
}

gboolean
sms_archive_verify(const char *archive_path, SmsArchiveStats *out_stats, GError **error)
{
	Sink s = { .mode = MODE_VERIFY, .cur_fd = -1, .root = -1 };
	gboolean ok = read_path(archive_path, &s, DEFAULT_THREADS, error);

	if (ok && out_stats)
		*out_stats = s.st;
	sink_clear(&s);
	return ok;
}

gboolean
sms_archive_list(const char *archive_path, SmsArchiveEntryFunc func, gpointer user_data,
                 GError **error)
{
	Sink s = { .mode = MODE_LIST, .func = func, .data = user_data, .cur_fd = -1,
	           .root = -1 };
	gboolean ok = read_path(archive_path, &s, 0, error);

	sink_clear(&s);
	return ok;
}

gboolean
sms_archive_verify_buffer(const guint8 *data, gsize len, SmsArchiveStats *out_stats,
                          GError **error)
{
	Reader r = { "<buffer>", -1, data, NULL, len, 0, 0, 0, 0 };
	Sink s = { .mode = MODE_VERIFY, .r = &r, .cur_fd = -1, .root = -1 };
	gboolean ok = read_archive(&s, 0, error);

	if (ok && out_stats)
		*out_stats = s.st;
	sink_clear(&s);
	return ok;
}

/* ---- extracting --------------------------------------------------------------- */

/* The trailer's total, if the archive ends with a plausible one. */
static gboolean
peek_total(const char *archive_path, guint64 *out_total)
{
	g_auto(SmsFd) fd = open(archive_path, O_RDONLY | O_CLOEXEC);
	guint8 t[TRAILER_LEN];
	struct stat sb;

	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < HEADER_LEN + TRAILER_LEN ||
	    pread(fd, t, TRAILER_LEN, sb.st_size - TRAILER_LEN) != TRAILER_LEN || t[0] != T_END)
		return FALSE;
	*out_total = get_le(t + 9, 8);
	return TRUE;
}

/* Directories already finished may be read-only: open them up again for removal. */
static void
unlock_tree(const char *path)
{
	g_autoptr(GDir) d = NULL;
	const char *name;
	struct stat sb;

	if (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return;
	if ((sb.st_mode & 0700) != 0700 && chmod(path, 0700) < 0)
		return;
	d = g_dir_open(path, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(path, name, NULL);
		unlock_tree(p);
	}
}

/* Remove everything below dest (or dest itself when we made it). */
static void
remove_output(const char *dest, gboolean created)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	unlock_tree(dest);
	if (created) {
		if (!sms_rm_rf(dest, NULL))
			g_warning("could not remove %s", dest);
		return;
	}
	d = g_dir_open(dest, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dest, name, NULL);
		if (!sms_rm_rf(p, NULL))
			g_warning("could not remove %s", p);
	}
}

gboolean
sms_archive_extract(const char *archive_path, const char *dest_dir, guint64 max_bytes,
                    SmsArchiveStats *out_stats, GError **error)
{
	Sink s = { .mode = MODE_EXTRACT, .max_bytes = max_bytes, .cur_fd = -1, .root = -1,
	           .dest = dest_dir };
	g_autofree char *parent = g_path_get_dirname(dest_dir);
	gboolean created = FALSE, ok = FALSE;
	guint64 total;

	/* refuse before writing anything when the trailer says it will not fit; a damaged
	 * trailer must not pass for "too large", so the archive is verified first */
	if (max_bytes && peek_total(archive_path, &total) && total > max_bytes) {
		if (!sms_archive_verify(archive_path, NULL, error))
			return FALSE;
		return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NO_SPACE,
		                        "%s: the package needs %" G_GUINT64_FORMAT " bytes, only %"
		                        G_GUINT64_FORMAT " are available", archive_path, total,
		                        max_bytes);
	}
	if (g_mkdir_with_parents(parent, 0755) < 0)
		return throw_write(error, errno, "creating", parent);
	if (mkdir(dest_dir, 0755) == 0) {
		created = TRUE;
	} else if (errno == EEXIST) {
		g_autoptr(GDir) d = g_dir_open(dest_dir, 0, NULL);
		if (d == NULL)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_IO,
			                        "%s exists and is not a directory", dest_dir);
		if (g_dir_read_name(d) != NULL)
			return sms_throw_domain(error, SMS_ARCHIVE_ERROR, SMS_ARCHIVE_ERROR_NOT_EMPTY,
			                        "%s: extracting needs an empty or new directory",
			                        dest_dir);
	} else {
		return throw_write(error, errno, "creating", dest_dir);
	}
	s.root = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.root < 0) {
		throw_write(error, errno, "opening", dest_dir);
		goto out;
	}
	s.dstack = g_array_new(FALSE, FALSE, sizeof(OpenDir));
	if (!read_path(archive_path, &s, DEFAULT_THREADS, error) ||
	    !sink_close_dirs(&s, 0, TRUE, error) || !sms_syncfs(dest_dir, error))
		goto out;
	ok = TRUE;
	if (out_stats)
		*out_stats = s.st;
out:
	sink_clear(&s);
	if (s.root >= 0)
		close(s.root);
	if (!ok)
		remove_output(dest_dir, created);
	return ok;
}
