/* query.c -- machine queries (see query.h): a recursive-descent parser into a tree whose
 * AND / OR nodes hold all their operands (so "a AND b AND ... " of any length is one
 * flat node; only parentheses and NOT nest, and they are bounded). */
#include "query.h"
#include "pdf.h"

G_DEFINE_QUARK(sms-query-error-quark, sms_query_error)

typedef enum { Q_CMP, Q_AND, Q_OR, Q_NOT } QKind;

enum { A_NAME, A_DOMAIN, A_SITE, A_PLATFORM, A_SMSID, A_USER };
static const char *const attr_names[] = { "Name", "Domain", "Site", "Platform", "SMSID", "User" };

struct SmsQuery {
	QKind kind;
	int attr;            /* Q_CMP: index into attr_names */
	gboolean like;
	char *value;
	guint32 platform;    /* Q_CMP on Platform with '=': the value's platform bits, or 0 */
	GPtrArray *kids;     /* Q_AND, Q_OR: two or more operands; Q_NOT: one */
};

void
sms_query_free(SmsQuery *q)
{
	if (q == NULL)
		return;
	if (q->kids)
		g_ptr_array_unref(q->kids);
	g_free(q->value);
	g_free(q);
}

static SmsQuery *
node_new(QKind kind)
{
	SmsQuery *q = g_new0(SmsQuery, 1);
	q->kind = kind;
	if (kind != Q_CMP)
		q->kids = g_ptr_array_new_with_free_func((GDestroyNotify)sms_query_free);
	return q;
}

typedef struct {
	const char *text;
	const char *p;
	int depth;
	GError **error;
} Parser;

static void
skip_ws(Parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		ps->p++;
}

/* What is at the parse position, for messages: a word, a quoted value, one character or
 * "the end". */
static char *
found_here(Parser *ps)
{
	const char *p = ps->p;
	gsize n = 0;
	if (*p == '\0')
		return g_strdup("the end of the query");
	while (p[n] && (g_ascii_isalnum(p[n]) || p[n] == '_' || p[n] == '-') && n < 40)
		n++;
	if (n == 0)
		n = g_utf8_skip[*(const guchar *)p];
	return g_strdup_printf("'%.*s'", (int)strnlen(p, n), p);
}

static SmsQuery *
fail(Parser *ps, int code, const char *what)
{
	if (ps->error && *ps->error == NULL) {
		g_autofree char *found = found_here(ps);
		g_set_error(ps->error, SMS_QUERY_ERROR, code,
		            "query \"%.80s%s\": at offset %d: expected %s, found %s", ps->text,
		            strlen(ps->text) > 80 ? "..." : "", (int)(ps->p - ps->text), what, found);
	}
	return NULL;
}

static gboolean
keyword(Parser *ps, const char *kw)
{
	gsize n = strlen(kw);
	skip_ws(ps);
	if (g_ascii_strncasecmp(ps->p, kw, n) == 0 && !g_ascii_isalnum(ps->p[n]) &&
	    ps->p[n] != '_') {
		ps->p += n;
		return TRUE;
	}
	return FALSE;
}

static SmsQuery *parse_or(Parser *ps);

static SmsQuery *
parse_comparison(Parser *ps, int attr)
{
	g_autoptr(GString) value = g_string_new(NULL);
	gboolean like;
	char quote;
	SmsQuery *q;

	skip_ws(ps);
	if (*ps->p == '=') {
		like = FALSE;
		ps->p++;
	} else if (keyword(ps, "LIKE")) {
		like = TRUE;
	} else {
		g_autofree char *what = g_strdup_printf("'=' or LIKE after %s", attr_names[attr]);
		return fail(ps, SMS_QUERY_ERROR_SYNTAX, what);
	}
	skip_ws(ps);
	quote = *ps->p;
	if (quote != '\'' && quote != '"')
		return fail(ps, SMS_QUERY_ERROR_SYNTAX, "a quoted value ('...' or \"...\")");
	for (ps->p++;; ps->p++) {
		if (*ps->p == '\0')
			return fail(ps, SMS_QUERY_ERROR_SYNTAX, "a closing quote");
		if (*ps->p == quote) {
			if (ps->p[1] != quote)
				break;
			ps->p++;   /* doubled quote: one quote character */
		}
		g_string_append_c(value, *ps->p);
	}
	ps->p++;
	q = node_new(Q_CMP);
	q->attr = attr;
	q->like = like;
	if (attr == A_PLATFORM && !like)
		q->platform = sms_platform_from_name(value->str);
	q->value = g_string_free(g_steal_pointer(&value), FALSE);
	return q;
}

static SmsQuery *
parse_primary(Parser *ps)
{
	gboolean paren;
	SmsQuery *q;

	skip_ws(ps);
	paren = *ps->p == '(';
	if (paren || keyword(ps, "NOT")) {
		if (ps->depth >= SMS_QUERY_MAX_DEPTH)
			return fail(ps, SMS_QUERY_ERROR_TOO_DEEP, "at most "
			            G_STRINGIFY(SMS_QUERY_MAX_DEPTH) " nested parentheses and NOTs");
		ps->depth++;
		if (paren) {
			ps->p++;
			q = parse_or(ps);
			skip_ws(ps);
			if (q && *ps->p != ')') {
				sms_query_free(q);
				q = fail(ps, SMS_QUERY_ERROR_SYNTAX, "')', AND or OR");
			} else if (q) {
				ps->p++;
			}
		} else {
			SmsQuery *inner = parse_primary(ps);
			q = NULL;
			if (inner) {
				q = node_new(Q_NOT);
				g_ptr_array_add(q->kids, inner);
			}
		}
		ps->depth--;
		return q;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(attr_names); i++)
		if (keyword(ps, attr_names[i]))
			return parse_comparison(ps, (int)i);
	return fail(ps, SMS_QUERY_ERROR_SYNTAX,
	            "an attribute (Name, Domain, Site, Platform, SMSID, User), NOT or '('");
}

/* operand (KW operand)*: one node holding every operand, or the single operand. */
static SmsQuery *
parse_list(Parser *ps, QKind kind, const char *kw, SmsQuery *(*operand)(Parser *))
{
	SmsQuery *first = operand(ps);
	SmsQuery *node = NULL;
	if (first == NULL)
		return NULL;
	while (keyword(ps, kw)) {
		SmsQuery *next = operand(ps);
		if (next == NULL) {
			sms_query_free(node ? node : first);
			return NULL;
		}
		if (node == NULL) {
			node = node_new(kind);
			g_ptr_array_add(node->kids, first);
		}
		g_ptr_array_add(node->kids, next);
	}
	return node ? node : first;
}

static SmsQuery *
parse_and(Parser *ps)
{
	return parse_list(ps, Q_AND, "AND", parse_primary);
}

static SmsQuery *
parse_or(Parser *ps)
{
	return parse_list(ps, Q_OR, "OR", parse_and);
}

SmsQuery *
sms_query_parse(const char *text, GError **error)
{
	Parser ps = { text, text, 0, error };
	SmsQuery *q = parse_or(&ps);
	if (q == NULL)
		return NULL;
	skip_ws(&ps);
	if (*ps.p != '\0') {
		sms_query_free(q);
		return fail(&ps, SMS_QUERY_ERROR_SYNTAX, "AND, OR or the end of the query");
	}
	return q;
}

gboolean
sms_like(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	if (s == NULL)
		s = "";
	/* Greedy with one backtrack point: the last '%' seen. Each text position is retried
	 * at most once per '%', so the cost is O(len(pattern) * len(text)). */
	while (*s) {
		if (*pat == '%') {
			while (*pat == '%')
				pat++;
			if (*pat == '\0')
				return TRUE;
			star_p = pat;
			star_s = s;
			continue;
		}
		if (*pat && (*pat == '_' || g_ascii_tolower(*pat) == g_ascii_tolower(*s))) {
			pat++;
			s++;
			continue;
		}
		if (star_p == NULL)
			return FALSE;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '%')
		pat++;
	return *pat == '\0';
}

static const char *
attr_value(const SmsMachineAttrs *m, int attr)
{
	switch (attr) {
	case A_NAME: return m->name;
	case A_DOMAIN: return m->domain;
	case A_SITE: return m->site;
	case A_PLATFORM: return m->platform;
	case A_SMSID: return m->smsid;
	case A_USER: return m->user;
	}
	return NULL;
}

gboolean
sms_query_match(const SmsQuery *q, const SmsMachineAttrs *m)
{
	const char *v;
	switch (q->kind) {
	case Q_AND:
		for (guint i = 0; i < q->kids->len; i++)
			if (!sms_query_match(q->kids->pdata[i], m))
				return FALSE;
		return TRUE;
	case Q_OR:
		for (guint i = 0; i < q->kids->len; i++)
			if (sms_query_match(q->kids->pdata[i], m))
				return TRUE;
		return FALSE;
	case Q_NOT:
		return !sms_query_match(q->kids->pdata[0], m);
	case Q_CMP:
		v = attr_value(m, q->attr);
		if (q->like)
			return sms_like(q->value, v);
		if (v == NULL)
			return FALSE;
		if (g_ascii_strcasecmp(q->value, v) == 0)
			return TRUE;
		return q->platform != 0 && sms_platform_from_name(v) == q->platform;
	}
	return FALSE;
}

static void
append_query(GString *out, const SmsQuery *q, gboolean nested)
{
	switch (q->kind) {
	case Q_CMP:
		g_string_append_printf(out, "%s %s '", attr_names[q->attr], q->like ? "LIKE" : "=");
		for (const char *p = q->value; *p; p++) {
			if (*p == '\'')
				g_string_append_c(out, '\'');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '\'');
		return;
	case Q_NOT:
		g_string_append(out, "NOT ");
		append_query(out, q->kids->pdata[0], TRUE);
		return;
	case Q_AND:
	case Q_OR:
		if (nested)
			g_string_append_c(out, '(');
		for (guint i = 0; i < q->kids->len; i++) {
			if (i)
				g_string_append(out, q->kind == Q_AND ? " AND " : " OR ");
			append_query(out, q->kids->pdata[i], TRUE);
		}
		if (nested)
			g_string_append_c(out, ')');
		return;
	}
}

char *
sms_query_to_string(const SmsQuery *q)
{
	GString *out = g_string_new(NULL);
	append_query(out, q, FALSE);
	return g_string_free(out, FALSE);
}
