/* test-despooler-swap.c -- staged installs: while a share is refreshed 1,000 times, a
 * concurrent reader that checks the package against its manifest never sees old and new
 * files mixed. */
#include "testlib.h"
#include "despooler.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define FILES 12
#define REFRESHES 1000

static void
make_version(const char *dir, int version)
{
	for (int i = 0; i < FILES; i++) {
		g_autofree char *rel = g_strdup_printf("%s/F%02d.DAT", i % 3 ? "SUB" : ".", i);
		g_autofree char *text = g_strdup_printf("version %d file %d\n", version, i);
		g_free(sms_test_write(dir, rel, text));
	}
}

/* Read every file of the package through one directory handle: returns the version all
 * files agree on, -1 on a mix, -2 when the directory vanished under the reader (retry). */
static int
read_snapshot(const char *share)
{
	int dfd = open(share, O_RDONLY | O_DIRECTORY);
	int version = -3;
	if (dfd < 0)
		return -2;
	for (int i = 0; i < FILES; i++) {
		char rel[32], buf[64];
		int fd, v, f;
		ssize_t n;
		g_snprintf(rel, sizeof rel, "%s/F%02d.DAT", i % 3 ? "SUB" : ".", i);
		fd = openat(dfd, rel, O_RDONLY);
		if (fd < 0) {
			close(dfd);
			return -2;
		}
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0 || sscanf((buf[n] = 0, buf), "version %d file %d", &v, &f) != 2) {
			close(dfd);
			return -1;
		}
		if (version == -3)
			version = v;
		else if (v != version) {
			close(dfd);
			return -1;
		}
	}
	close(dfd);
	return version;
}

static void
test_no_mix(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *a = g_build_filename(dir, "A", NULL);
	g_autofree char *b = g_build_filename(dir, "B", NULL);
	g_autofree char *share = g_build_filename(dir, "SMS_PKGC", "A0100001", NULL);
	g_autoptr(GError) error = NULL;
	int pipefd[2];
	pid_t reader;
	char result[64] = { 0 };

	make_version(a, 1);
	make_version(b, 2);
	g_assert_true(sms_despooler_swap_in(a, share, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(pipe(pipefd), ==, 0);
	reader = fork();
	if (reader == 0) {
		long reads = 0, mixes = 0, retries = 0;
		volatile sig_atomic_t stop = 0;   /* the parent ends us with SIGTERM */
		close(pipefd[0]);
		/* read until the parent kills us with SIGTERM after the last refresh */
		signal(SIGTERM, SIG_DFL);
		while (!stop) {
			int v = read_snapshot(share);
			if (v == -1)
				mixes++;
			else if (v == -2)
				retries++;
			else
				reads++;
			if ((reads + retries + mixes) % 64 == 0) {
				char msg[64];
				int len = g_snprintf(msg, sizeof msg, "%ld %ld %ld\n", reads, mixes, retries);
				if (write(pipefd[1], msg, (size_t)len) < 0)
					_exit(2);
			}
			if (mixes)
				break;
		}
		{
			char msg[64];
			int len = g_snprintf(msg, sizeof msg, "%ld %ld %ld\n", reads, mixes, retries);
			if (write(pipefd[1], msg, (size_t)len) < 0)
				_exit(2);
		}
		_exit(0);
	}
	close(pipefd[1]);
	for (int i = 0; i < REFRESHES; i++) {
		g_assert_true(sms_despooler_swap_in(i % 2 ? a : b, share, NULL, &error));
		g_assert_no_error(error);
	}
	kill(reader, SIGTERM);
	waitpid(reader, NULL, 0);
	{
		/* the last line the reader wrote */
		char buf[65536];
		ssize_t n, total = 0;
		while ((n = read(pipefd[0], buf + total, sizeof buf - 1 - (size_t)total)) > 0)
			total += n;
		buf[total] = 0;
		if (total > 0) {
			char *last = buf + total - 1;
			while (last > buf && last[-1] != '\n')
				last--;
			if (last > buf && *last == 0)
				last--;
			g_strlcpy(result, last, sizeof result);
		}
	}
	close(pipefd[0]);
	{
		long reads = 0, mixes = 0, retries = 0;
		if (*result)
			sscanf(result, "%ld %ld %ld", &reads, &mixes, &retries);
		g_test_message("reader: %ld consistent snapshots, %ld mixed, %ld retries", reads,
		               mixes, retries);
		g_assert_cmpint(mixes, ==, 0);
	}
	g_assert_cmpint(read_snapshot(share), ==, 1);   /* the last refresh installed A */
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/despooler/staged-refresh-never-mixes", test_no_mix);
	return g_test_run();
}
