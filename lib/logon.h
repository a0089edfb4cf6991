/* logon.h -- Maintenance Manager, SMS IDs and logons (beyond components.h). */
#pragma once
#include "site.h"
#include "pcm.h"

/* Take the next SMS ID from a logon server's SMSID/<next>.UID (notes §6.2): the client
 * that renames the file to the following ID owns it; safe across processes. */
gboolean sms_logon_take_smsid(SmsSite *site, const char *server, char **out, GError **error);
