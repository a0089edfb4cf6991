/* query.c -- machine queries (see query.h): a small recursive-descent parser. */
#include "query.h"

typedef enum { Q_CMP, Q_AND, Q_OR, Q_NOT } QKind;

struct SmsQuery {
	QKind kind;
	int attr;            /* Q_CMP: index into attribute names */
	gboolean like;
	char *value;
	SmsQuery *a, *b;
};

static const char *attr_names[] = { "Name", "Domain", "Site", "Platform", "SMSID", "User" };

void
sms_query_free(SmsQuery *q)
{
	if (q == NULL)
		return;
	sms_query_free(q->a);
	sms_query_free(q->b);
	g_free(q->value);
	g_free(q);
}

typedef struct {
	const char *text;
	const char *p;
	GError **error;
} Parser;

static void
skip_ws(Parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static SmsQuery *
fail(Parser *ps, const char *what)
{
	if (ps->error && *ps->error == NULL)
		g_set_error(ps->error, SMS_ERROR, SMS_ERROR_INVALID,
		            "query: at offset %d: expected %s", (int)(ps->p - ps->text), what);
	return NULL;
}

static gboolean
keyword(Parser *ps, const char *kw)
{
	gsize n = strlen(kw);
	skip_ws(ps);
	if (g_ascii_strncasecmp(ps->p, kw, n) == 0 && !g_ascii_isalnum(ps->p[n])) {
		ps->p += n;
		return TRUE;
	}
	return FALSE;
}

static SmsQuery *parse_or(Parser *ps);

static SmsQuery *
parse_primary(Parser *ps)
{
	SmsQuery *q;
	skip_ws(ps);
	if (*ps->p == '(') {
		ps->p++;
		q = parse_or(ps);
		if (q == NULL)
			return NULL;
		skip_ws(ps);
		if (*ps->p != ')') {
			sms_query_free(q);
			return fail(ps, "')'");
		}
		ps->p++;
		return q;
	}
	if (keyword(ps, "NOT")) {
		SmsQuery *inner = parse_primary(ps);
		if (inner == NULL)
			return NULL;
		q = g_new0(SmsQuery, 1);
		q->kind = Q_NOT;
		q->a = inner;
		return q;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(attr_names); i++) {
		if (keyword(ps, attr_names[i])) {
			gboolean like;
			char quote;
			const char *start;
			skip_ws(ps);
			if (*ps->p == '=') {
				like = FALSE;
				ps->p++;
			} else if (keyword(ps, "LIKE")) {
				like = TRUE;
			} else {
				return fail(ps, "'=' or LIKE");
			}
			skip_ws(ps);
			quote = *ps->p;
			if (quote != '\'' && quote != '"')
				return fail(ps, "a quoted value");
			start = ++ps->p;
			while (*ps->p && *ps->p != quote)
				ps->p++;
			if (*ps->p != quote)
				return fail(ps, "a closing quote");
			q = g_new0(SmsQuery, 1);
			q->kind = Q_CMP;
			q->attr = (int)i;
			q->like = like;
			q->value = g_strndup(start, (gsize)(ps->p - start));
			ps->p++;
			return q;
		}
	}
	return fail(ps, "an attribute (Name, Domain, Site, Platform, SMSID, User), NOT or '('");
}

static SmsQuery *
parse_and(Parser *ps)
{
	SmsQuery *left = parse_primary(ps);
	while (left && keyword(ps, "AND")) {
		SmsQuery *right = parse_primary(ps), *n;
		if (right == NULL) {
			sms_query_free(left);
			return NULL;
		}
		n = g_new0(SmsQuery, 1);
		n->kind = Q_AND;
		n->a = left;
		n->b = right;
		left = n;
	}
	return left;
}

static SmsQuery *
parse_or(Parser *ps)
{
	SmsQuery *left = parse_and(ps);
	while (left && keyword(ps, "OR")) {
		SmsQuery *right = parse_and(ps), *n;
		if (right == NULL) {
			sms_query_free(left);
			return NULL;
		}
		n = g_new0(SmsQuery, 1);
		n->kind = Q_OR;
		n->a = left;
		n->b = right;
		left = n;
	}
	return left;
}

SmsQuery *
sms_query_parse(const char *text, GError **error)
{
	Parser ps = { text, text, error };
	SmsQuery *q = parse_or(&ps);
	if (q == NULL)
		return NULL;
	skip_ws(&ps);
	if (*ps.p != '\0') {
		sms_query_free(q);
		return fail(&ps, "AND, OR or the end of the query");
	}
	return q;
}

gboolean
sms_like(const char *pat, const char *s)
{
	if (s == NULL)
		s = "";
	for (; *pat; pat++, s++) {
		if (*pat == '%') {
			while (pat[1] == '%')
				pat++;
			if (pat[1] == '\0')
				return TRUE;
			for (; *s; s++)
				if (sms_like(pat + 1, s))
					return TRUE;
			return sms_like(pat + 1, s);
		}
		if (*s == '\0')
			return FALSE;
		if (*pat != '_' && g_ascii_tolower(*pat) != g_ascii_tolower(*s))
			return FALSE;
	}
	return *s == '\0';
}

gboolean
sms_query_match(const SmsQuery *q, const SmsMachineAttrs *m)
{
	const char *vals[] = { m->name, m->domain, m->site, m->platform, m->smsid, m->user };
	switch (q->kind) {
	case Q_AND: return sms_query_match(q->a, m) && sms_query_match(q->b, m);
	case Q_OR: return sms_query_match(q->a, m) || sms_query_match(q->b, m);
	case Q_NOT: return !sms_query_match(q->a, m);
	case Q_CMP:
		if (q->like)
			return sms_like(q->value, vals[q->attr]);
		return vals[q->attr] && g_ascii_strcasecmp(q->value, vals[q->attr]) == 0;
	}
	return FALSE;
}
