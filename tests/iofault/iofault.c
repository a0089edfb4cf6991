/* iofault.c -- an LD_PRELOAD shim that makes the N-th write, fsync or rename of a run
 * fail, in the spirit of SQLite's test VFS: the error paths of a pass are exercised with
 * the errors a real disk gives (EIO, ENOSPC, EDQUOT, a short write).
 *
 *   SMSEMU_IOFAULT="op:N:err[,op:N:err...]"
 *     op   write (write, pwrite, pwrite64, writev, copy_file_range), fsync (fsync,
 *          fdatasync, syncfs) or rename (rename, renameat, renameat2)
 *     N    the N-th such call fails; "N+" makes it and every later one fail
 *     err  EIO, ENOSPC, EDQUOT, or short (a write does half of what was asked)
 *   SMSEMU_IOFAULT_PATH=substring   count only calls on files whose path contains it
 *                                    (default: every regular file)
 *   SMSEMU_IOFAULT_LOG=file          append one line per injected fault
 *
 * Only calls on regular files (and renames) are counted: the terminal, pipes and sockets
 * are left alone. Used by tests/t58-iofault.sh; built by the Makefile without sanitizers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum { OP_WRITE, OP_FSYNC, OP_RENAME, OP_N };
static const char *const op_names[OP_N] = { "write", "fsync", "rename" };

typedef struct {
	int op;
	long n;
	int from_on;
	int err;      /* errno, or -1: short write */
} Rule;

static Rule rules[16];
static int nrules = -1;
static long counts[OP_N];
static const char *path_filter;

static int
parse_err(const char *s)
{
	if (strcmp(s, "EIO") == 0)
		return EIO;
	if (strcmp(s, "ENOSPC") == 0)
		return ENOSPC;
	if (strcmp(s, "EDQUOT") == 0)
		return EDQUOT;
	if (strcmp(s, "short") == 0)
		return -1;
	return EIO;
}

__attribute__((constructor)) static void
load(void)
{
	const char *spec = getenv("SMSEMU_IOFAULT");
	char buf[512], *save = NULL;
	nrules = 0;
	path_filter = getenv("SMSEMU_IOFAULT_PATH");
	if (spec == NULL || strlen(spec) >= sizeof buf)
		return;
	strcpy(buf, spec);
	for (char *tok = strtok_r(buf, ",", &save); tok && nrules < 16;
	     tok = strtok_r(NULL, ",", &save)) {
		char *c1 = strchr(tok, ':'), *c2, *end;
		Rule r = { 0 };
		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c1 = *c2 = '\0';
		r.op = -1;
		for (int i = 0; i < OP_N; i++)
			if (strcmp(tok, op_names[i]) == 0)
				r.op = i;
		r.n = strtol(c1 + 1, &end, 10);
		r.from_on = *end == '+';
		r.err = parse_err(c2 + 1);
		if (r.op >= 0 && r.n > 0)
			rules[nrules++] = r;
	}
}

static __thread const char *cur_path;
static __thread char cur_buf[4096];

static int
counted_fd(int fd)
{
	struct stat st;
	char link[64], target[4096];
	ssize_t k;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	k = readlink(link, target, sizeof target - 1);
	target[k < 0 ? 0 : k] = '\0';
	memcpy(cur_buf, target, (size_t)(k < 0 ? 0 : k) + 1);
	cur_path = cur_buf;
	if (path_filter == NULL || *path_filter == '\0')
		return 1;
	return k >= 0 && strstr(target, path_filter) != NULL;
}

static void
log_fault(int op, long n, int err)
{
	const char *file = getenv("SMSEMU_IOFAULT_LOG");
	FILE *f;
	if (file == NULL || (f = fopen(file, "ae")) == NULL)
		return;
	fprintf(f, "%d %s %ld %s %s\n", (int)getpid(), op_names[op], n,
	        err < 0 ? "short" : strerror(err), cur_path ? cur_path : "");
	fclose(f);
}

/* 0: go on; an errno to fail with; -1: a short write */
static int
check(int op, int counted)
{
	long n;
	if (nrules < 0)
		load();
	if (nrules == 0 || !counted)
		return 0;
	n = ++counts[op];
	for (int i = 0; i < nrules; i++) {
		Rule *r = &rules[i];
		if (r->op == op && (n == r->n || (r->from_on && n > r->n))) {
			log_fault(op, n, r->err);
			return r->err;
		}
	}
	return 0;
}

#define REAL(ret, name, ...) \
	static ret (*real_##name)(__VA_ARGS__); \
	if (real_##name == NULL) \
		real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t count)
{
	REAL(ssize_t, write, int, const void *, size_t);
	int e = count > 0 ? check(OP_WRITE, counted_fd(fd)) : 0;
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real_write(fd, buf, e < 0 && count > 1 ? count / 2 : count);
}

ssize_t
pwrite(int fd, const void *buf, size_t count, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	int e = count > 0 ? check(OP_WRITE, counted_fd(fd)) : 0;
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real_pwrite(fd, buf, e < 0 && count > 1 ? count / 2 : count, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t count, off_t off)
{
	REAL(ssize_t, pwrite64, int, const void *, size_t, off_t);
	int e = count > 0 ? check(OP_WRITE, counted_fd(fd)) : 0;
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real_pwrite64(fd, buf, e < 0 && count > 1 ? count / 2 : count, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(ssize_t, writev, int, const struct iovec *, int);
	int e = check(OP_WRITE, counted_fd(fd));
	if (e > 0) {
		errno = e;
		return -1;
	}
	if (e < 0 && cnt > 0 && iov[0].iov_len > 1) {
		REAL(ssize_t, write, int, const void *, size_t);
		return real_write(fd, iov[0].iov_base, iov[0].iov_len / 2);
	}
	return real_writev(fd, iov, cnt);
}

ssize_t
copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t len, unsigned flags)
{
	REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t, unsigned);
	int e = check(OP_WRITE, counted_fd(out));
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real_copy_file_range(in, in_off, out, out_off, e < 0 && len > 1 ? len / 2 : len,
	                            flags);
}

static int
sync_fault(int fd)
{
	int e = check(OP_FSYNC, counted_fd(fd));
	if (e > 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int
fsync(int fd)
{
	REAL(int, fsync, int);
	return sync_fault(fd) < 0 ? -1 : real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(int, fdatasync, int);
	return sync_fault(fd) < 0 ? -1 : real_fdatasync(fd);
}

int
syncfs(int fd)
{
	REAL(int, syncfs, int);
	int e;
	cur_path = "(syncfs)";
	e = check(OP_FSYNC, 1);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return real_syncfs(fd);
}

static int
rename_fault(const char *to)
{
	cur_path = to;
	int e = check(OP_RENAME, path_filter == NULL || *path_filter == '\0' ||
	                         strstr(to, path_filter) != NULL);
	if (e > 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int
rename(const char *from, const char *to)
{
	REAL(int, rename, const char *, const char *);
	return rename_fault(to) < 0 ? -1 : real_rename(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL(int, renameat, int, const char *, int, const char *);
	return rename_fault(to) < 0 ? -1 : real_renameat(fd1, from, fd2, to);
}

int
renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	REAL(int, renameat2, int, const char *, int, const char *, unsigned);
	return rename_fault(to) < 0 ? -1 : real_renameat2(fd1, from, fd2, to, flags);
}
