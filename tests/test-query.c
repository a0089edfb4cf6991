/* test-query.c -- machine queries: syntax, precedence, LIKE, platform comparison, every
 * error with its offset, nesting limit, canonical text, and sms_like's cost. */
#include "testlib.h"
#include "query.h"

static const SmsMachineAttrs nt01 = { "NT01", "CORP", "A01", "Windows NT (x86)", "A0101000",
                                      "ann" };
static const SmsMachineAttrs w95 = { "W9501", "SALES", "A01", "Windows 95", NULL, NULL };
static const SmsMachineAttrs nt4 = { "ENG7", "ENG", "B02", "Windows NT 4.0 (x86)", "B0201003",
                                     "O'Brien" };

static gboolean
matches(const char *text, const SmsMachineAttrs *m)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsQuery) q = sms_query_parse(text, &error);
	g_assert_no_error(error);
	g_assert_nonnull(q);
	return sms_query_match(q, m);
}

static void
test_compare(void)
{
	g_assert_true(matches("Name = 'NT01'", &nt01));
	g_assert_true(matches("name = 'nt01'", &nt01));          /* any case */
	g_assert_false(matches("Name = 'NT0'", &nt01));          /* whole value */
	g_assert_true(matches("Domain=\"CORP\"", &nt01));
	g_assert_true(matches("Site = 'a01'", &w95));
	g_assert_true(matches("SMSID = 'A0101000'", &nt01));
	g_assert_false(matches("SMSID = ''", &w95));             /* NULL equals nothing */
	g_assert_true(matches("SMSID LIKE '%'", &w95));          /* ... but is "" for LIKE */
	g_assert_true(matches("User = 'O''Brien'", &nt4));       /* doubled quote */
	g_assert_true(matches("User = \"O'Brien\"", &nt4));
	g_assert_true(matches("  Name\t=\n'NT01'  ", &nt01));
}

static void
test_like(void)
{
	g_assert_true(matches("Name LIKE 'NT%'", &nt01));
	g_assert_true(matches("Name like 'nt0_'", &nt01));
	g_assert_false(matches("Name LIKE 'NT0'", &nt01));
	g_assert_true(matches("Platform LIKE 'Windows NT%'", &nt4));
	g_assert_true(sms_like("%", ""));
	g_assert_true(sms_like("%", NULL));
	g_assert_true(sms_like("", ""));
	g_assert_false(sms_like("", "a"));
	g_assert_false(sms_like("_", ""));
	g_assert_true(sms_like("a%b%c", "aXXbYYc"));
	g_assert_true(sms_like("a%b%c", "abc"));
	g_assert_false(sms_like("a%b%c", "aXXcYYb"));
	g_assert_true(sms_like("%%a", "bba"));
	g_assert_true(sms_like("%a_", "xxaab"));
	g_assert_false(sms_like("%a_", "xxab_c"));
	g_assert_true(sms_like("W%9_0%", "WKS9501"));
	g_assert_true(sms_like("ENG%", "eng7"));
}

static void
test_like_linear(void)
{
	/* a backtracking matcher takes ~2^20 steps on this; ours is quadratic at worst */
	g_autoptr(GString) pat = g_string_new(NULL);
	g_autoptr(GString) text = g_string_new(NULL);
	gint64 t0;
	for (int i = 0; i < 20; i++)
		g_string_append(pat, "%a");
	g_string_append(pat, "%b");
	for (int i = 0; i < 20000; i++)
		g_string_append_c(text, 'a');
	t0 = g_get_monotonic_time();
	g_assert_false(sms_like(pat->str, text->str));
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
}

static void
test_precedence(void)
{
	/* AND binds tighter than OR, NOT tighter than AND */
	g_assert_true(matches("Name = 'X' AND Name = 'Y' OR Domain = 'CORP'", &nt01));
	g_assert_false(matches("Name = 'X' AND (Name = 'Y' OR Domain = 'CORP')", &nt01));
	g_assert_true(matches("Domain = 'CORP' OR Name = 'X' AND Name = 'Y'", &nt01));
	g_assert_false(matches("NOT Domain = 'CORP' AND Name = 'NT01'", &nt01));
	g_assert_true(matches("NOT (Domain = 'CORP' AND Name = 'X')", &nt01));
	g_assert_true(matches("NOT NOT Name = 'NT01'", &nt01));
	g_assert_true(matches("((Name = 'NT01'))", &nt01));
	g_assert_true(matches("Platform = 'Windows 95' OR Name LIKE 'NT0_' AND NOT (Name = 'NT02')",
	                      &w95));
	g_assert_true(matches("Platform = 'Windows 95' OR Name LIKE 'NT0_' AND NOT (Name = 'NT02')",
	                      &nt01));
}

static void
test_platform(void)
{
	/* versioned and unversioned spellings name one platform (notes §2.5) */
	g_assert_true(matches("Platform = 'Windows NT (x86)'", &nt4));
	g_assert_true(matches("Platform = 'Windows NT 3.51 (x86)'", &nt01));
	g_assert_true(matches("Platform = 'Windows95'", &w95));
	g_assert_false(matches("Platform = 'Windows NT (Alpha)'", &nt4));
	g_assert_false(matches("Platform = 'Windows NT (x86)'", &w95));
	g_assert_false(matches("Platform = 'OS/2'", &w95));
	g_assert_true(matches("Platform = 'os/2' OR Platform = 'windows 95'", &w95));
}

static void
test_many_operands(void)
{
	/* a long flat AND/OR is one node: no recursion depth per operand */
	g_autoptr(GString) text = g_string_new("Name = 'NT01'");
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsQuery) q = NULL;
	for (int i = 0; i < 100000; i++)
		g_string_append(text, i % 2 ? " AND Domain = 'CORP'" : " OR Name = 'X'");
	q = sms_query_parse(text->str, &error);
	g_assert_no_error(error);
	g_assert_true(sms_query_match(q, &nt01));
	g_assert_false(sms_query_match(q, &w95));
}

static void
test_errors(void)
{
	static const struct { const char *text; int code; const char *msg; } cases[] = {
		{ "", SMS_QUERY_ERROR_SYNTAX, "at offset 0: expected an attribute (Name, Domain, Site, "
		  "Platform, SMSID, User), NOT or '(', found the end of the query" },
		{ "Colour = 'blue'", SMS_QUERY_ERROR_SYNTAX, "at offset 0: expected an attribute" },
		{ "Name 'X'", SMS_QUERY_ERROR_SYNTAX, "at offset 5: expected '=' or LIKE after Name, "
		  "found '''" },
		{ "Name = X", SMS_QUERY_ERROR_SYNTAX, "at offset 7: expected a quoted value" },
		{ "Name = 'X", SMS_QUERY_ERROR_SYNTAX, "at offset 9: expected a closing quote" },
		{ "Name = 'X' AND", SMS_QUERY_ERROR_SYNTAX, "at offset 14: expected an attribute" },
		{ "Name = 'X' Domain = 'Y'", SMS_QUERY_ERROR_SYNTAX, "at offset 11: expected AND, OR "
		  "or the end of the query, found 'Domain'" },
		{ "(Name = 'X'", SMS_QUERY_ERROR_SYNTAX, "at offset 11: expected ')', AND or OR" },
		{ "Name = 'X')", SMS_QUERY_ERROR_SYNTAX, "at offset 10: expected AND, OR or the end" },
		{ "NOT", SMS_QUERY_ERROR_SYNTAX, "at offset 3: expected an attribute" },
		{ "Names = 'X'", SMS_QUERY_ERROR_SYNTAX, "at offset 0: expected an attribute" },
		{ "Name LIKES 'X'", SMS_QUERY_ERROR_SYNTAX, "at offset 5: expected '=' or LIKE" },
		{ "Name = 'X' ANDDomain = 'Y'", SMS_QUERY_ERROR_SYNTAX, "at offset 11: expected AND, OR" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(SmsQuery) q = sms_query_parse(cases[i].text, &error);
		g_assert_null(q);
		g_assert_error(error, SMS_QUERY_ERROR, cases[i].code);
		if (strstr(error->message, cases[i].msg) == NULL)
			g_error("query \"%s\": message \"%s\" lacks \"%s\"", cases[i].text, error->message,
			        cases[i].msg);
		g_assert_true(g_str_has_prefix(error->message, "query \""));
	}
}

static void
test_depth(void)
{
	g_autoptr(GString) ok = g_string_new(NULL);
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(GString) nots = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SmsQuery) q = NULL;
	for (int i = 0; i < SMS_QUERY_MAX_DEPTH; i++)
		g_string_append_c(ok, '(');
	g_string_append(ok, "Name = 'NT01'");
	for (int i = 0; i < SMS_QUERY_MAX_DEPTH; i++)
		g_string_append_c(ok, ')');
	q = sms_query_parse(ok->str, &error);
	g_assert_no_error(error);
	g_assert_true(sms_query_match(q, &nt01));
	/* one more level, or a million, is refused without deep recursion */
	for (int i = 0; i < 1000000; i++)
		g_string_append_c(deep, '(');
	g_assert_null(sms_query_parse(deep->str, &error));
	g_assert_error(error, SMS_QUERY_ERROR, SMS_QUERY_ERROR_TOO_DEEP);
	g_assert_nonnull(strstr(error->message, "at offset 64: expected at most 64 nested"));
	g_clear_error(&error);
	for (int i = 0; i < 100000; i++)
		g_string_append(nots, "NOT ");
	g_assert_null(sms_query_parse(nots->str, &error));
	g_assert_error(error, SMS_QUERY_ERROR, SMS_QUERY_ERROR_TOO_DEEP);
}

static void
test_to_string(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "name='a'", "Name = 'a'" },
		{ "Name = \"O'Brien\"", "Name = 'O''Brien'" },
		{ "platform like 'Win%' or domain = 'X' and not site = 'A01'",
		  "Platform LIKE 'Win%' OR (Domain = 'X' AND NOT Site = 'A01')" },
		{ "(Name='a' OR Name='b') AND NOT (User='u' OR SMSID='s')",
		  "(Name = 'a' OR Name = 'b') AND NOT (User = 'u' OR SMSID = 's')" },
		{ "((((Name='a'))))", "Name = 'a'" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SmsQuery) q = sms_query_parse(cases[i].in, NULL);
		g_autofree char *s = NULL;
		g_autofree char *again = NULL;
		g_autoptr(SmsQuery) q2 = NULL;
		g_assert_nonnull(q);
		s = sms_query_to_string(q);
		g_assert_cmpstr(s, ==, cases[i].out);
		/* the canonical text parses back to the same query */
		q2 = sms_query_parse(s, NULL);
		g_assert_nonnull(q2);
		again = sms_query_to_string(q2);
		g_assert_cmpstr(again, ==, s);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/query/compare", test_compare);
	g_test_add_func("/query/like", test_like);
	g_test_add_func("/query/like-linear", test_like_linear);
	g_test_add_func("/query/precedence", test_precedence);
	g_test_add_func("/query/platform", test_platform);
	g_test_add_func("/query/many-operands", test_many_operands);
	g_test_add_func("/query/errors", test_errors);
	g_test_add_func("/query/depth", test_depth);
	g_test_add_func("/query/to-string", test_to_string);
	return g_test_run();
}
