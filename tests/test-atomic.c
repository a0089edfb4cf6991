/* test-atomic.c -- atomic writes honour the umask and never make a file writable by
 * others; copies keep the source's mode the same way. */
#include "testlib.h"
#include "atomic.h"

#include <sys/stat.h>

static mode_t
mode_of(const char *path)
{
	struct stat st;
	g_assert_cmpint(stat(path, &st), ==, 0);
	return st.st_mode & 07777;
}

static void
test_umask(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *a = g_build_filename(dir, "A.INS", NULL);
	g_autofree char *b = g_build_filename(dir, "B.INS", NULL);
	g_autofree char *c = g_build_filename(dir, "C.INS", NULL);
	g_autoptr(GError) error = NULL;
	mode_t old = umask(027);
	g_assert_true(sms_atomic_write(a, "x", 1, 0644, SMS_SYNC_NONE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(mode_of(a), ==, 0640);
	/* an explicit 0666 under umask 0: still not writable by others */
	umask(0);
	g_assert_true(sms_atomic_write(b, "x", 1, 0666, SMS_SYNC_NONE, &error));
	g_assert_cmpint(mode_of(b), ==, 0664);
	/* a copy of a world-writable file is not world-writable */
	g_assert_cmpint(chmod(a, 0777), ==, 0);
	g_assert_true(sms_atomic_copy(a, c, SMS_SYNC_NONE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(mode_of(c), ==, 0775);
	umask(old);
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/atomic/umask", test_umask);
	return g_test_run();
}
