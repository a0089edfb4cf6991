/* fuzz-query.c -- libFuzzer target: machine queries (Target=Query: ...). Replayed over
 * corpus/query/ by make check. A query that parses prints as canonical text that parses
 * to the same query (same text, same answers); sms_like agrees with a plain dynamic-
 * programming matcher on the first line (pattern) and second line (text). */
#include "common.h"
#include "query.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference: dp[i][j] = pattern[i..] matches text[j..]. */
static gboolean
like_reference(const char *p, const char *s)
{
	gsize np = strlen(p), ns = strlen(s);
	g_autofree gboolean *dp = g_new0(gboolean, (np + 1) * (ns + 1));
#define DP(i, j) dp[(i) * (ns + 1) + (j)]
	DP(np, ns) = TRUE;
	for (gsize i = np; i-- > 0;) {
		for (gsize j = ns + 1; j-- > 0;) {
			if (p[i] == '%')
				DP(i, j) = DP(i + 1, j) || (j < ns && DP(i, j + 1));
			else if (j < ns && (p[i] == '_' || g_ascii_tolower(p[i]) == g_ascii_tolower(s[j])))
				DP(i, j) = DP(i + 1, j + 1);
		}
	}
	return DP(0, 0);
#undef DP
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const SmsMachineAttrs machines[] = {
		{ "WKS0001", "CORP", "A01", "Windows NT (x86)", "A0101000", "ann" },
		{ "SAL001", "SALES", "A01", "Windows 95", NULL, NULL },
		{ "ENG7", "ENG", "B02", "Windows NT 4.0 (Alpha)", "B0201003", "O'Brien" },
	};
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autoptr(SmsQuery) q = NULL;
	g_autoptr(GError) error = NULL;
	char *nl;

	q = sms_query_parse(text, &error);
	if (q == NULL) {
		if (error == NULL || error->domain != SMS_QUERY_ERROR ||
		    strstr(error->message, "at offset ") == NULL)
			abort();
	} else {
		g_autofree char *canon = sms_query_to_string(q);
		g_autoptr(SmsQuery) again = sms_query_parse(canon, NULL);
		g_autofree char *canon2 = NULL;
		if (error || again == NULL)
			abort();
		canon2 = sms_query_to_string(again);
		if (strcmp(canon, canon2) != 0)
			abort();
		for (gsize i = 0; i < G_N_ELEMENTS(machines); i++)
			if (sms_query_match(q, &machines[i]) != sms_query_match(again, &machines[i]))
				abort();
	}
	if (size <= 512 && (nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		if (sms_like(text, nl + 1) != like_reference(text, nl + 1))
			abort();
	}
	return 0;
}
