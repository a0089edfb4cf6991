/* despooler.h -- Despooler entry points beyond components.h. */
#pragma once
#include "site.h"

/* Re-read the Despooler's registry settings (forced disconnect, retries, delay,
 * minimum free space) from the site server's registry file. */
gboolean sms_despooler_reload(SmsSite *site, GError **error);
/* The Despooler service starts (`despooler run`): re-reads the registry; with the
 * registry value Compat=Q140374 (REG_SZ under SMS_Despooler) the retry counts of pending
 * installations start over at the next poll, as SMS 1.2 before SP4 did (KB Q140374);
 * by default they continue where they were. */
gboolean sms_despooler_restart(SmsSite *site, SmsTime now, GError **error);
/* Create the Despooler's tables if needed (and read its settings once). */
gboolean sms_despooler_ensure_schema(SmsSite *site, GError **error);
/* Staged install: build `dest`.NEW from `tree` (unchanged files hard-linked from the old
 * `dest`, the rest linked or copied from `tree`), then swap it in with one atomic
 * RENAME_EXCHANGE: a reader sees the old tree or the new one, never a mix.
 * *out_copied (may be NULL) = the files the installed tree holds. */
gboolean sms_despooler_swap_in(const char *tree, const char *dest, guint *out_copied,
                               GError **error);
