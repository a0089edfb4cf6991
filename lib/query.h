/* query.h -- machine queries of job targets: attributes Name, Domain, Site, Platform,
 * SMSID, User compared with = or LIKE ('%' and '_' wildcards, case-insensitive),
 * combined with AND, OR, NOT and parentheses. Example:
 *   Platform = 'Windows NT (x86)' AND (Domain = 'SALES' OR Name LIKE 'ENG%')
 */
#pragma once
#include "common.h"

typedef struct SmsQuery SmsQuery;

typedef struct {
	const char *name, *domain, *site, *platform, *smsid, *user;
} SmsMachineAttrs;

/* Errors give the character offset and what was expected. */
SmsQuery *sms_query_parse(const char *text, GError **error);
void sms_query_free(SmsQuery *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsQuery, sms_query_free)
gboolean sms_query_match(const SmsQuery *q, const SmsMachineAttrs *m);
/* SQL LIKE-style match, case-insensitive ('%' any run, '_' one char); also used for
 * machine path wildcards after translating '*' to '%'. */
gboolean sms_like(const char *pattern, const char *text);
