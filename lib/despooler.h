/* despooler.h -- Despooler entry points beyond components.h. */
#pragma once
#include "site.h"

/* Re-read the Despooler's registry settings (forced disconnect, retries, delay,
 * minimum free space) from the site server's registry file. */
gboolean sms_despooler_reload(SmsSite *site, GError **error);
/* Create the Despooler's tables if needed (and read its settings once). */
gboolean sms_despooler_ensure_schema(SmsSite *site, GError **error);
