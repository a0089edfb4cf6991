/* fuzz-extract.c -- libFuzzer target: package archive extraction to disk, as the
 * Despooler does it (a size limit, a fresh destination). Any input either extracts a
 * tree that stays inside the destination, holds no symbolic link and nothing writable
 * by others, or fails with an SMS_ARCHIVE_ERROR and leaves nothing behind. Replayed over
 * corpus/extract/ by make check (current-format archives: whole, truncated, damaged). */
#include "common.h"
#include "archive.h"

#include <ftw.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean bad_entry;

static int
check_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)path; (void)ftw;
	if (type == FTW_SL || type == FTW_SLN || (sb->st_mode & (S_IWOTH | S_ISUID | S_ISGID)))
		bad_entry = TRUE;
	return 0;
}

static char *work;

static void
remove_work(void)
{
	if (work && !sms_rm_rf(work, NULL))
		g_printerr("fuzz-extract: could not remove %s\n", work);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *arc = NULL;
	g_autofree char *dest = NULL;
	g_autoptr(GError) error = NULL;
	SmsArchiveStats st;

	if (work == NULL) {
		work = g_dir_make_tmp("smsemu-fuzz-extract-XXXXXX", NULL);
		g_assert(work != NULL);
		atexit(remove_work);
	}
	arc = g_build_filename(work, "IN.PCK", NULL);
	dest = g_build_filename(work, "OUT", NULL);
	g_assert(g_file_set_contents(arc, (const char *)data, (gssize)size, NULL));
	if (sms_archive_extract(arc, dest, 16 << 20, &st, &error)) {
		bad_entry = FALSE;
		g_assert(nftw(dest, check_entry, 16, FTW_PHYS) == 0);
		g_assert(!bad_entry);
		g_assert(sms_rm_rf(dest, NULL));
	} else {
		g_assert(error != NULL && error->domain == SMS_ARCHIVE_ERROR);
		g_assert(!g_file_test(dest, G_FILE_TEST_EXISTS));   /* nothing left behind */
	}
	unlink(arc);
	return 0;
}
