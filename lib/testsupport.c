/* testsupport.c -- helpers for the test binaries (declared in tests/testlib.h).
 * Lives in the library so every test links it; nothing here runs in the programs. */
#include "common.h"

#include <stdlib.h>

void sms_test_init(int *argc, char ***argv);
char *sms_test_tmpdir(void);
char *sms_test_write(const char *dir, const char *rel, const char *text);
char *sms_test_srcpath(const char *rel);

static GPtrArray *tmpdirs;

static void
cleanup_tmpdirs(void)
{
	if (tmpdirs == NULL || g_getenv("SMSEMU_KEEP_TMP"))
		return;
	for (guint i = 0; i < tmpdirs->len; i++)
		if (!sms_rm_rf(tmpdirs->pdata[i], NULL))
			g_printerr("# could not remove %s\n", (char *)tmpdirs->pdata[i]);
}

void
sms_test_init(int *argc, char ***argv)
{
	char **nargv = g_new0(char *, (gsize)*argc + 2);
	int n = 0;
	gboolean have_tap = FALSE;

	for (int i = 0; i < *argc; i++) {
		nargv[n++] = (*argv)[i];
		if (g_strcmp0((*argv)[i], "--tap") == 0)
			have_tap = TRUE;
	}
	if (!have_tap)
		nargv[n++] = (char *)"--tap";
	nargv[n] = NULL;
	*argc = n;
	*argv = nargv;   /* intentionally kept for the process lifetime */
	g_setenv("TZ", "UTC", TRUE);
	g_setenv("LANG", "C", TRUE);
	g_setenv("LC_ALL", "C", TRUE);
	g_setenv("SMSEMU_FSYNC", g_getenv("SMSEMU_FSYNC") ? g_getenv("SMSEMU_FSYNC") : "0", TRUE);
	g_test_init(argc, argv, NULL);
	atexit(cleanup_tmpdirs);
}

char *
sms_test_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("smsemu-test-XXXXXX", &error);

	g_assert_no_error(error);
	if (tmpdirs == NULL)
		tmpdirs = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(tmpdirs, g_strdup(dir));
	return dir;
}

char *
sms_test_write(const char *dir, const char *rel, const char *text)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename(dir, rel, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	return path;
}

char *
sms_test_srcpath(const char *rel)
{
	const char *top = g_getenv("SMSEMU_TOP");
	if (top == NULL)
		top = ".";
	return g_build_filename(top, rel, NULL);
}
