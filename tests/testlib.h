/* testlib.h -- shared set-up for GTest binaries: TAP output, fixed TZ/LANG, a fresh
 * temporary directory per test case, helpers to write files. */
#pragma once
#include "common.h"

/* Call first in main(): forces --tap, TZ=UTC, LANG=C, SMSEMU_FSYNC=0 unless set. */
void sms_test_init(int *argc, char ***argv);
/* A new empty directory for the running test; removed at process exit unless
 * SMSEMU_KEEP_TMP is set. */
char *sms_test_tmpdir(void);
/* Write text to dir/rel (creating parent directories). Returns the full path. */
char *sms_test_write(const char *dir, const char *rel, const char *text);
/* Path of a file under the source tree (SMSEMU_TOP or the current directory). */
char *sms_test_srcpath(const char *rel);
