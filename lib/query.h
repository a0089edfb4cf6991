/* query.h -- machine queries of job targets ("Target=Query: ...", SMS 1.2 SDK).
 *
 * Attributes Name, Domain, Site, Platform, SMSID and User (any case) are compared with
 * `=` (whole value, case-insensitive) or LIKE (SQL wildcards '%' any run, '_' one
 * character, case-insensitive), combined with NOT, AND, OR and parentheses; AND binds
 * tighter than OR, NOT tighter than AND. Values are quoted with ' or "; the quote
 * character doubled inside stands for itself ('O''Brien'). Platform = compares
 * platforms, not spellings: 'Windows NT (x86)' also matches a computer whose platform is
 * written 'Windows NT 4.0 (x86)' (SMS 1.2 dropped platform versions, SDK PDF format).
 * Example:
 *   Platform = 'Windows NT (x86)' AND (Domain = 'SALES' OR Name LIKE 'ENG%')
 * The Scheduler evaluates a query per computer when the job activates (targets frozen).
 */
#pragma once
#include "common.h"

#define SMS_QUERY_ERROR (sms_query_error_quark())
GQuark sms_query_error_quark(void);
typedef enum {
	SMS_QUERY_ERROR_SYNTAX,     /* "query ...: at offset N: expected X, found Y" */
	SMS_QUERY_ERROR_TOO_DEEP,   /* parentheses / NOT nested deeper than SMS_QUERY_MAX_DEPTH */
} SmsQueryError;

#define SMS_QUERY_MAX_DEPTH 64

typedef struct SmsQuery SmsQuery;

/* A computer's attributes; a NULL field is the empty text for LIKE and equals nothing. */
typedef struct {
	const char *name, *domain, *site, *platform, *smsid, *user;
} SmsMachineAttrs;

/* Parse a query; NULL with an error giving the character offset and what was expected. */
SmsQuery *sms_query_parse(const char *text, GError **error);
void sms_query_free(SmsQuery *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsQuery, sms_query_free)
gboolean sms_query_match(const SmsQuery *q, const SmsMachineAttrs *m);
/* Canonical text (newly allocated): attribute names as above, upper-case operators,
 * single quotes, every compound operand in parentheses; parses back to the same query. */
char *sms_query_to_string(const SmsQuery *q);
/* SQL LIKE-style match, case-insensitive ('%' any run, '_' one char); also used for
 * machine path wildcards after translating '*' to '%'. NULL text is "". Linear in the
 * text for each '%' (no exponential backtracking). */
gboolean sms_like(const char *pattern, const char *text);
