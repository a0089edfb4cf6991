/* reclaim.h -- leftovers of a run that was killed: temporary files of atomic writes
 * (".NAME.tmp-XXXXXX"), archives being written ("NAME.tmp.XXXXXX"), instruction files a
 * Sender was copying ("*.TMP" in RECEIVE), staged package directories ("*.NEW") and
 * decompression directories (DESPOOL.TMP/ entries). Each component removes those in the
 * boxes it owns when it starts, if they are older than the process (by modification
 * time): a file another process is writing right now is left alone.
 */
#pragma once
#include "site.h"

/* Remove the leftovers in the boxes `component` owns ("scheduler", "despooler",
 * "logon"; others own none) older than `started` (µs since the epoch, real time); logs
 * how many were removed. Never fails: what cannot be removed is logged and left. */
guint sms_reclaim_leftovers(SmsSite *site, const char *component, gint64 started);
/* Is `name` (of a directory entry) a leftover pattern? For tests. */
gboolean sms_reclaim_name_matches(const char *name, gboolean in_receive);
