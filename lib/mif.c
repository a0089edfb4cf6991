/* mif.c -- status MIFs and .SNI files (see mif.h). */
#include "mif.h"
#include "boxfile.h"
#include "atomic.h"
#include "ini.h"
#include "reg.h"

#include <errno.h>
#include <stdarg.h>

G_DEFINE_QUARK(sms-mif-error-quark, sms_mif_error)

SmsStatusMif *
sms_status_mif_new(void)
{
	SmsStatusMif *m = g_new0(SmsStatusMif, 1);
	m->warnings = g_ptr_array_new_with_free_func(g_free);
	return m;
}

void
sms_status_mif_free(SmsStatusMif *m)
{
	if (m == NULL)
		return;
	g_free(m->component);
	g_free(m->manufacturer); g_free(m->product); g_free(m->version); g_free(m->locale);
	g_free(m->serial); g_free(m->installation); g_free(m->status); g_free(m->description);
	if (m->warnings)
		g_ptr_array_unref(m->warnings);
	g_free(m);
}

/* ---- reading: a tokenizer and a recursive-descent parser ------------------------- */

/* The tokens of the DMTF MIF syntax: keywords and other bare words (numbers, READ-ONLY,
 * STRING(64)), "strings" (adjacent ones joined), '=', and the '{' ',' '}' of table
 * rows. Blanks, line ends and // comments only separate tokens. */
typedef enum { TK_EOF, TK_WORD, TK_STRING, TK_EQ, TK_LBRACE, TK_RBRACE, TK_COMMA } TokKind;

typedef struct {
	TokKind kind;
	char *text;               /* TK_WORD, TK_STRING */
	int line, col;            /* where it starts (1-based; columns count characters) */
} Tok;

enum { BLK_NONE, BLK_COMPONENT, BLK_GROUP, BLK_ATTRIBUTE, BLK_TABLE, BLK_ENUM, BLK_PATH };
static const char *const blocks[] = { "", "COMPONENT", "GROUP", "ATTRIBUTE", "TABLE", "ENUM",
                                      "PATH" };

static const char *const keywords[] = {
	"NAME", "ID", "CLASS", "KEY", "DESCRIPTION", "ACCESS", "STORAGE", "TYPE", "VALUE",
	"LANGUAGE", "PRAGMA", "UNITS",
};

typedef struct {
	char *name, *value;
	int line, col;            /* of its START ATTRIBUTE */
} Attr;

static void
attr_free(gpointer p)
{
	Attr *a = p;
	g_free(a->name);
	g_free(a->value);
	g_free(a);
}

typedef struct {
	const char *name;         /* for messages */
	const char *p;            /* the next character of the text */
	int line, col;            /* of p */
	Tok cur;                  /* the token being looked at */
	SmsStatusMif *m;
	/* attributes of the ComponentID group, and the same names seen in the status group */
	char *id_attr[6], *st_attr[6];
	int desc_line, desc_col;
	/* the group being read: its CLASS, NAME and attributes */
	char *gclass, *gname;
	GPtrArray *gattrs;
	Attr *attr;               /* the attribute being read */
} Parser;

static const char *const id_names[6] = { "Manufacturer", "Product", "Version", "Locale",
                                         "Serial Number", "Installation" };

static gboolean
perr(const Parser *P, GError **error, int code, int line, int col, const char *fmt, ...)
	G_GNUC_PRINTF(6, 7);

/* "name:line:column: what" */
static gboolean
perr(const Parser *P, GError **error, int code, int line, int col, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_MIF_ERROR, code, "%s:%d:%d: %s", P->name, line, col, msg);
	return FALSE;
}

static gboolean
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static gboolean
is_space(char c)
{
	return is_blank(c) || c == '\r' || c == '\n';
}

/* A character of a bare word: anything but blanks, line ends and = " { } , */
static gboolean
is_word_char(const char *p)
{
	return *p != '\0' && !is_space(*p) && strchr("=\"{},", *p) == NULL &&
	       !(p[0] == '/' && p[1] == '/');
}

/* Past one byte; the column counts characters (UTF-8 continuation bytes belong to the
 * character before them). */
static void
step(Parser *P)
{
	char c = *P->p++;
	if (c == '\n') {
		P->line++;
		P->col = 1;
	} else if (((unsigned char)*P->p & 0xC0) != 0x80) {
		P->col++;
	}
}

/* Blanks, line ends and // comments. */
static void
skip_space(Parser *P)
{
	for (;;) {
		if (is_space(*P->p)) {
			step(P);
		} else if (P->p[0] == '/' && P->p[1] == '/') {
			while (*P->p && *P->p != '\n')
				step(P);
		} else {
			return;
		}
	}
}

static int
block_kind(const char *w)
{
	for (int i = BLK_COMPONENT; i <= BLK_PATH; i++)
		if (sms_str_equal_ci(w, blocks[i]))
			return i;
	return -1;
}

static gboolean
is_keyword(const char *w)
{
	for (gsize k = 0; k < G_N_ELEMENTS(keywords); k++)
		if (sms_str_equal_ci(w, keywords[k]))
			return TRUE;
	return FALSE;
}

/* Does text at q begin a new statement: START/END and a block name, or a keyword and
 * '='? */
static gboolean
begins_statement(const char *q)
{
	const char *e = q;
	g_autofree char *w = NULL;
	while (is_word_char(e))
		e++;
	if (e == q)
		return FALSE;
	w = g_strndup(q, (gsize)(e - q));
	while (is_blank(*e))
		e++;
	if (sms_str_equal_ci(w, "START") || sms_str_equal_ci(w, "END")) {
		const char *b = e;
		g_autofree char *kind = NULL;
		while (is_word_char(e))
			e++;
		kind = g_strndup(b, (gsize)(e - b));
		return block_kind(kind) >= 0;
	}
	return is_keyword(w) && *e == '=';
}

/* Is the quote just before q the end of its string? It is when only blanks follow it on
 * its line, or a comment, a table's ',' or '}', the next statement or (quote_ok) the next
 * string; otherwise it is part of the text ("C:\" and "say "hi"" read as written). */
static gboolean
closes_string(const char *q, gboolean quote_ok)
{
	while (is_blank(*q))
		q++;
	return *q == '\0' || *q == '\r' || *q == '\n' || (q[0] == '/' && q[1] == '/') ||
	       *q == ',' || *q == '}' || (quote_ok && *q == '"') || begins_statement(q);
}

/* A string from the quote at P->p, appended to out. A line break inside it, with the
 * blanks around it, reads as one blank; \" is a quote that does not end the string,
 * any other backslash is itself. */
static gboolean
read_string(Parser *P, GString *out, GError **error)
{
	int line = P->line, col = P->col;
	int text_line = 0, text_col = 0;     /* text after the first quote taken as text */
	gsize base = out->len;
	step(P);
	for (;;) {
		char c = *P->p;
		gboolean eof = c == '\0';
		if (c == '\r' || c == '\n') {
			while (out->len > base && is_blank(out->str[out->len - 1]))
				g_string_truncate(out, out->len - 1);
			while (is_space(*P->p))
				step(P);
			eof = *P->p == '\0' || (begins_statement(P->p) &&
			                        (g_ascii_strncasecmp(P->p, "START", 5) == 0 ||
			                         g_ascii_strncasecmp(P->p, "END", 3) == 0));
		}
		if (eof && text_line > 0)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, text_line, text_col, "unexpected text "
			            "after the closing '\"' of a string (expected a comment or the next "
			            "statement)");
		if (eof)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "the string that starts "
			            "here is not closed (expected '\"' before %s)", *P->p ?
			            "the next block" : "the end of the file");
		if (c == '\r' || c == '\n') {
			if (out->len > base)
				g_string_append_c(out, ' ');
			continue;
		}
		if (c == '\\' && P->p[1] == '"') {
			if (closes_string(P->p + 2, FALSE)) {
				g_string_append_c(out, '\\');
				step(P);
				step(P);
				return TRUE;
			}
			g_string_append_c(out, '"');
			step(P);
			step(P);
			continue;
		}
		if (c == '"') {
			step(P);
			if (closes_string(P->p, TRUE))
				return TRUE;
			if (text_line == 0 && P->line == line) {
				const char *q = P->p;
				text_line = P->line;
				text_col = P->col;
				for (; is_blank(*q); q++)
					text_col++;
			}
			g_string_append_c(out, '"');
			continue;
		}
		g_string_append_c(out, c);
		step(P);
	}
}

/* The next token into P->cur. */
static gboolean
advance(Parser *P, GError **error)
{
	Tok *t = &P->cur;
	int end_line = P->line, end_col = P->col;      /* just after the token before */
	g_clear_pointer(&t->text, g_free);
	skip_space(P);
	t->line = P->line;
	t->col = P->col;
	switch (*P->p) {
	case '\0':
		/* named where the text ends, not after the blank lines at the end */
		t->kind = TK_EOF;
		if (end_line > 1 || end_col > 1) {
			t->line = end_line;
			t->col = end_col;
		}
		return TRUE;
	case '=':
		t->kind = TK_EQ;
		break;
	case '{':
		t->kind = TK_LBRACE;
		break;
	case '}':
		t->kind = TK_RBRACE;
		break;
	case ',':
		t->kind = TK_COMMA;
		break;
	case '"': {
		g_autoptr(GString) s = g_string_new(NULL);
		/* "literal strings separated by white space are concatenated" */
		do {
			if (!read_string(P, s, error))
				return FALSE;
			skip_space(P);
		} while (*P->p == '"');
		t->kind = TK_STRING;
		t->text = g_string_free(g_steal_pointer(&s), FALSE);
		return TRUE;
	}
	default: {
		const char *s = P->p;
		while (is_word_char(P->p))
			step(P);
		t->kind = TK_WORD;
		t->text = g_strndup(s, (gsize)(P->p - s));
		return TRUE;
	}
	}
	step(P);
	return TRUE;
}

static gboolean
is_word(const Tok *t, const char *w)
{
	return t->kind == TK_WORD && sms_str_equal_ci(t->text, w);
}

/* How a token is named in a message. */
static char *
describe(const Tok *t)
{
	switch (t->kind) {
	case TK_EOF:
		return g_strdup("the end of the file");
	case TK_WORD:
		return g_strdup_printf("'%s'", t->text);
	case TK_STRING:
		return g_strdup_printf("the string \"%s\"", t->text);
	case TK_EQ:
		return g_strdup("'='");
	case TK_LBRACE:
		return g_strdup("'{'");
	case TK_RBRACE:
		return g_strdup("'}'");
	default:
		return g_strdup("','");
	}
}

static gboolean
unexpected(const Parser *P, GError **error, const char *expected)
{
	g_autofree char *got = describe(&P->cur);
	return perr(P, error, SMS_MIF_ERROR_SYNTAX, P->cur.line, P->cur.col, "expected %s, got %s",
	            expected, got);
}

/* START TABLE / ENUM / PATH ... END: nothing in it is ours. P->cur is the block's name. */
static gboolean
skip_block(Parser *P, int kind, int line, int col, GError **error)
{
	int depth = 1;
	if (!advance(P, error))
		return FALSE;
	while (depth > 0) {
		gboolean start = is_word(&P->cur, "START"), end = is_word(&P->cur, "END");
		int l = P->cur.line, c = P->cur.col;
		if (P->cur.kind == TK_EOF)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "START %s is not closed "
			            "(expected END %s before the end of the file)", blocks[kind],
			            blocks[kind]);
		if (!advance(P, error))
			return FALSE;
		if (!start && !end)
			continue;
		if (P->cur.kind != TK_WORD || block_kind(P->cur.text) < 0)
			continue;
		depth += start ? 1 : -1;
		if (depth == 0 && block_kind(P->cur.text) != kind)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, l, c, "END %s does not close the open "
			            "block (expected END %s)", P->cur.text, blocks[kind]);
		if (!advance(P, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
parse_id(const char *s, gint64 *out)
{
	char *end = NULL;
	gint64 v;
	if (!g_ascii_isdigit(*s))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoll(s, &end, 0);     /* DMTF: nnn, 0nnn (octal), 0xnnn */
	if (errno != 0 || *end != '\0' || v > G_MAXINT32)
		return FALSE;
	*out = v;
	return TRUE;
}

/* KEYWORD = value in a block of the given kind; P->cur is the keyword. */
static gboolean
parse_statement(Parser *P, int kind, GError **error)
{
	g_autofree char *key = g_strdup(P->cur.text);
	g_autofree char *val = NULL;
	int vline, vcol;
	TokKind vkind;
	if (!advance(P, error))
		return FALSE;
	if (P->cur.kind != TK_EQ) {
		g_autofree char *what = g_strdup_printf("'=' after %s", key);
		return unexpected(P, error, what);
	}
	if (!advance(P, error))
		return FALSE;
	vline = P->cur.line;
	vcol = P->cur.col;
	if (sms_str_equal_ci(key, "TYPE") && is_word(&P->cur, "START")) {
		/* TYPE = START ENUM ... END ENUM */
		if (!advance(P, error))
			return FALSE;
		if (!is_word(&P->cur, "ENUM"))
			return unexpected(P, error, "ENUM after TYPE = START");
		return skip_block(P, BLK_ENUM, vline, vcol, error);
	}
	if (P->cur.kind != TK_STRING && (P->cur.kind != TK_WORD || is_word(&P->cur, "START") ||
	                                 is_word(&P->cur, "END"))) {
		g_autofree char *got = describe(&P->cur);
		return perr(P, error, SMS_MIF_ERROR_SYNTAX, vline, vcol, "%s: expected a value after "
		            "'=', got %s", key, got);
	}
	vkind = P->cur.kind;
	val = g_steal_pointer(&P->cur.text);
	if (!advance(P, error))
		return FALSE;
	if (vkind == TK_WORD && P->cur.kind == TK_WORD && P->cur.text[0] == '(') {
		/* TYPE = STRING (64): a blank before the length (SMS 1.2 Resource Guide's
		 * template of a package command status MIF) */
		char *joined = g_strconcat(val, P->cur.text, NULL);
		g_free(val);
		val = joined;
		if (!advance(P, error))
			return FALSE;
	}
	if (sms_str_equal_ci(key, "ID")) {
		gint64 id;
		if (!parse_id(val, &id))
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, vline, vcol, "ID: expected a number, "
			            "got '%s'", val);
	} else if (kind == BLK_COMPONENT && sms_str_equal_ci(key, "NAME")) {
		g_free(P->m->component);
		P->m->component = g_steal_pointer(&val);
	} else if (kind == BLK_GROUP && sms_str_equal_ci(key, "CLASS")) {
		g_free(P->gclass);
		P->gclass = g_steal_pointer(&val);
	} else if (kind == BLK_GROUP && sms_str_equal_ci(key, "NAME")) {
		g_free(P->gname);
		P->gname = g_steal_pointer(&val);
	} else if (kind == BLK_ATTRIBUTE && sms_str_equal_ci(key, "NAME")) {
		g_free(P->attr->name);
		P->attr->name = g_steal_pointer(&val);
	} else if (kind == BLK_ATTRIBUTE && sms_str_equal_ci(key, "VALUE")) {
		g_free(P->attr->value);
		P->attr->value = g_steal_pointer(&val);
	}
	return TRUE;
}

static void
take(char **slot, char **value)
{
	if (*slot == NULL)
		*slot = g_steal_pointer(value);
}

/* END GROUP: what its attributes say, now that its CLASS is known (it may come last). */
static void
finish_group(Parser *P)
{
	const char *k = P->gclass ? P->gclass : "";
	gboolean status_group = g_ascii_strncasecmp(k, "MICROSOFT|JOBSTATUS|", 20) == 0;
	/* the SDK's sample OFFICE97.MIF names the class DMTF|Component|1.0; a group without
	 * a class is known by its name */
	gboolean id_group = g_ascii_strncasecmp(k, "DMTF|ComponentID|", 17) == 0 ||
	                    g_ascii_strncasecmp(k, "DMTF|Component|", 15) == 0 ||
	                    (P->gclass == NULL && sms_str_equal_ci(P->gname, "ComponentID"));
	SmsStatusMif *m = P->m;
	for (guint i = 0; i < P->gattrs->len; i++) {
		Attr *a = P->gattrs->pdata[i];
		if (a->name == NULL)
			continue;
		if (status_group && (sms_str_equal_ci(a->name, "Status") ||
		                     sms_str_equal_ci(a->name, "InstallStatus"))) {
			if (m->status) {
				g_ptr_array_add(m->warnings, g_strdup_printf("%s:%d:%d: a second Status "
				                "attribute (the first one counts)", P->name, a->line, a->col));
			} else if (a->value) {
				m->status = g_steal_pointer(&a->value);
				m->status_line = a->line;
				m->status_col = a->col;
			}
		} else if (status_group && sms_str_equal_ci(a->name, "Description")) {
			if (m->description) {
				g_ptr_array_add(m->warnings, g_strdup_printf("%s:%d:%d: a second Description "
				                "attribute (the first one counts)", P->name, a->line, a->col));
			} else {
				m->description = g_steal_pointer(&a->value);
				P->desc_line = a->line;
				P->desc_col = a->col;
			}
		} else if ((id_group || status_group) && a->value) {
			for (int j = 0; j < 6; j++)
				if (sms_str_equal_ci(a->name, id_names[j]))
					take(id_group ? &P->id_attr[j] : &P->st_attr[j], &a->value);
		}
	}
	g_ptr_array_set_size(P->gattrs, 0);
	g_clear_pointer(&P->gclass, g_free);
	g_clear_pointer(&P->gname, g_free);
}

/* The body of START <kind> ... END <kind>; P->cur is the first token after the START
 * line's block name. */
static gboolean
parse_block(Parser *P, int kind, GError **error)
{
	for (;;) {
		Tok *t = &P->cur;
		int line = t->line, col = t->col;
		if (t->kind == TK_EOF) {
			g_autofree char *what = g_strdup_printf("END %s", blocks[kind]);
			return unexpected(P, error, what);
		}
		if (is_word(t, "START") || is_word(t, "END")) {
			gboolean start = is_word(t, "START");
			int k;
			if (!advance(P, error))
				return FALSE;
			k = P->cur.kind == TK_WORD ? block_kind(P->cur.text) : -1;
			if (k < 0)
				return unexpected(P, error, start ? "COMPONENT, GROUP, ATTRIBUTE, TABLE, ENUM "
				                  "or PATH after START" : "COMPONENT, GROUP, ATTRIBUTE, "
				                  "TABLE, ENUM or PATH after END");
			if (start && k >= BLK_TABLE) {
				if (!skip_block(P, k, line, col, error))
					return FALSE;
				continue;
			}
			if (start && k != kind + 1)
				return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "START %s %s (expected "
				            "%s)", blocks[k],
				            kind == BLK_ATTRIBUTE ? "inside an attribute" :
				            k == BLK_COMPONENT ? "inside a component" : "outside of a group",
				            kind == BLK_ATTRIBUTE ? "END ATTRIBUTE" :
				            kind == BLK_COMPONENT ? "START GROUP or END COMPONENT"
				                                  : "START ATTRIBUTE or END GROUP");
			if (!start && k != kind)
				return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "END %s does not close "
				            "the open block (expected END %s)", blocks[k], blocks[kind]);
			if (!advance(P, error))
				return FALSE;
			if (!start)
				return TRUE;
			if (k == BLK_ATTRIBUTE) {
				Attr *a = g_new0(Attr, 1);
				a->line = line;
				a->col = col;
				g_ptr_array_add(P->gattrs, a);
				P->attr = a;
			}
			if (!parse_block(P, k, error))
				return FALSE;
			if (k == BLK_GROUP)
				finish_group(P);
			P->attr = NULL;
			continue;
		}
		if (t->kind == TK_WORD && is_keyword(t->text)) {
			if (!parse_statement(P, kind, error))
				return FALSE;
			continue;
		}
		if (t->kind == TK_WORD)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "unknown keyword '%s' "
			            "(expected NAME, ID, CLASS, KEY, DESCRIPTION, ACCESS, STORAGE, TYPE, "
			            "VALUE, START or END)", t->text);
		return unexpected(P, error, "KEYWORD = value, START or END");
	}
}

/* [LANGUAGE = "..."] START COMPONENT ... END COMPONENT, and nothing after it. */
static gboolean
parse_file(Parser *P, GError **error)
{
	int line, col;
	if (!advance(P, error))
		return FALSE;
	while (is_word(&P->cur, "LANGUAGE") || is_word(&P->cur, "PRAGMA"))
		if (!parse_statement(P, BLK_NONE, error))
			return FALSE;
	line = P->cur.line;
	col = P->cur.col;
	if (is_word(&P->cur, "START")) {
		int k;
		if (!advance(P, error))
			return FALSE;
		k = P->cur.kind == TK_WORD ? block_kind(P->cur.text) : -1;
		if (k > BLK_COMPONENT)
			return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "START %s outside of a "
			            "component (expected START COMPONENT)", blocks[k]);
		if (k < 0)
			return unexpected(P, error, "COMPONENT after START");
	} else {
		return perr(P, error, SMS_MIF_ERROR_SYNTAX, line, col, "expected START COMPONENT (not "
		            "a DMI MIF)");
	}
	if (!advance(P, error) || !parse_block(P, BLK_COMPONENT, error))
		return FALSE;
	if (P->cur.kind == TK_EOF)
		return TRUE;
	if (is_word(&P->cur, "START"))
		return perr(P, error, SMS_MIF_ERROR_SYNTAX, P->cur.line, P->cur.col, "a second START "
		            "(a status MIF holds one component, and nothing after it)");
	return unexpected(P, error, "the end of the file after END COMPONENT");
}

gboolean
sms_mif_parse(const char *name, const char *data, gsize len, SmsStatusMif **out,
              GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(SmsStatusMif) m = sms_status_mif_new();
	g_autoptr(GError) local = NULL;
	Parser P = { 0 };
	gboolean ok = FALSE;

	if (name == NULL)
		name = "<memory>";
	if (!sms_text_decode(name, data, len, &text, NULL, NULL, &local)) {
		g_set_error_literal(error, SMS_MIF_ERROR, SMS_MIF_ERROR_ENCODING, local->message);
		return FALSE;
	}
	P.name = name;
	P.p = text;
	P.line = P.col = 1;
	P.m = m;
	P.gattrs = g_ptr_array_new_with_free_func(attr_free);
	if (!parse_file(&P, error))
		goto out;
	if (m->status == NULL) {
		g_set_error(error, SMS_MIF_ERROR, SMS_MIF_ERROR_NO_STATUS,
		            "%s: no Status attribute in a MICROSOFT|JOBSTATUS|1.0 group", name);
		goto out;
	}
	g_strstrip(m->status);
	if (sms_str_equal_ci(m->status, "Success")) {
		m->success = TRUE;
	} else if (!sms_str_equal_ci(m->status, "Failed")) {
		perr(&P, error, SMS_MIF_ERROR_BAD_STATUS, m->status_line, m->status_col, "Status: "
		     "expected \"Success\" or \"Failed\", got \"%s\"", m->status);
		goto out;
	}
	if (m->description && *m->description == '\0')
		g_ptr_array_add(m->warnings, g_strdup_printf("%s:%d:%d: empty Description (SMS 1.2 "
		                "logged \"error code = cb\" for it, harmless: KB Q169491)", name,
		                P.desc_line, P.desc_col));
	take(&m->manufacturer, P.id_attr[0] ? &P.id_attr[0] : &P.st_attr[0]);
	take(&m->product, P.id_attr[1] ? &P.id_attr[1] : &P.st_attr[1]);
	take(&m->version, P.id_attr[2] ? &P.id_attr[2] : &P.st_attr[2]);
	take(&m->locale, P.id_attr[3] ? &P.id_attr[3] : &P.st_attr[3]);
	take(&m->serial, P.id_attr[4] ? &P.id_attr[4] : &P.st_attr[4]);
	take(&m->installation, P.id_attr[5] ? &P.id_attr[5] : &P.st_attr[5]);
	ok = TRUE;
out:
	for (int k = 0; k < 6; k++) {
		g_free(P.id_attr[k]);
		g_free(P.st_attr[k]);
	}
	g_free(P.cur.text);
	g_free(P.gclass);
	g_free(P.gname);
	g_ptr_array_unref(P.gattrs);
	if (ok)
		*out = g_steal_pointer(&m);
	return ok;
}

gboolean
sms_mif_load(const char *path, SmsStatusMif **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_box_read(path, SMS_MIF_MAX_BYTES, &data, &len, error))
		return FALSE;
	return sms_mif_parse(path, data, len, out, error);
}

/* ---- writing ---------------------------------------------------------------------- */

/* A value as ISMIF wrote it: at most max characters on one line; control characters
 * become blanks and a quote an apostrophe (a MIF string cannot hold one reliably). */
static void
put_attr(GString *o, int id, const char *name, const char *value, int width)
{
	g_autoptr(GString) v = g_string_new(NULL);
	glong n = 0;
	for (const char *p = value ? value : ""; *p && n < width; p = g_utf8_next_char(p), n++) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || c == 0x7F)
			g_string_append_c(v, ' ');
		else if (c == '"')
			g_string_append_c(v, '\'');
		else
			g_string_append_len(v, p, g_utf8_next_char(p) - p);
	}
	g_string_append_printf(o, "    START ATTRIBUTE\r\n      NAME = \"%s\"\r\n      ID = %d\r\n"
	                       "      ACCESS = READ-ONLY\r\n      STORAGE = SPECIFIC\r\n"
	                       "      TYPE = STRING(%d)\r\n      VALUE = \"%s\"\r\n"
	                       "    END ATTRIBUTE\r\n", name, id, width, v->str);
}

char *
sms_mif_format(const SmsStatusMif *m, gsize *out_len)
{
	g_autoptr(GString) o = g_string_new("START COMPONENT\r\n  NAME = \"WORKSTATION\"\r\n");
	g_string_append(o, "  START GROUP\r\n    NAME = \"ComponentID\"\r\n    ID = 1\r\n"
	                   "    CLASS = \"DMTF|ComponentID|1.0\"\r\n");
	put_attr(o, 1, "Manufacturer", m->manufacturer, 64);
	put_attr(o, 2, "Product", m->product, 64);
	put_attr(o, 3, "Version", m->version, 64);
	put_attr(o, 4, "Locale", m->locale, 16);
	put_attr(o, 5, "Serial Number", m->serial, 64);
	put_attr(o, 6, "Installation", m->installation, 64);
	g_string_append(o, "  END GROUP\r\n  START GROUP\r\n    NAME = \"InstallStatus\"\r\n"
	                   "    ID = 2\r\n    CLASS = \"MICROSOFT|JOBSTATUS|1.0\"\r\n");
	put_attr(o, 1, "Status", m->success ? "Success" : "Failed", 32);
	put_attr(o, 2, "Description", m->description, 128);
	g_string_append(o, "  END GROUP\r\nEND COMPONENT\r\n");
	return sms_text_to_ansi(o->str, out_len);
}

char *
sms_mif_format_status(const char *manufacturer, const char *product, const char *version,
                      const char *description, gboolean success)
{
	SmsStatusMif m = { 0 };
	m.manufacturer = (char *)manufacturer;
	m.product = (char *)product;
	m.version = (char *)version;
	m.locale = (char *)"ENU";
	m.description = (char *)description;
	m.success = success;
	return sms_mif_format(&m, NULL);
}

gboolean
sms_mif_write_status(const char *path, const char *manufacturer, const char *product,
                     const char *version, const char *locale, const char *serial,
                     const char *description, gboolean success, SmsTime when, GError **error)
{
	SmsStatusMif m = { 0 };
	g_autofree char *installation = when == SMS_TIME_NONE ? NULL : sms_time_format_pcm(when);
	g_autofree char *text = NULL;
	gsize len;
	m.manufacturer = (char *)manufacturer;
	m.product = (char *)product;
	m.version = (char *)version;
	m.locale = (char *)locale;
	m.serial = (char *)serial;
	m.installation = installation;
	m.description = (char *)description;
	m.success = success;
	text = sms_mif_format(&m, &len);
	return sms_atomic_write(path, text, len, 0644, SMS_SYNC_FILE, error);
}

/* ---- .SNI ---------------------------------------------------------------------- */

void
sms_sni_free(SmsSni *s)
{
	if (s == NULL)
		return;
	g_free(s->type); g_free(s->site); g_free(s->job_id); g_free(s->smsid);
	g_free(s->machine); g_free(s->status); g_free(s->mif); g_free(s->description);
	g_free(s);
}

char *
sms_sni_format(const SmsSni *s)
{
	g_autofree char *t = sms_time_format(s->time);
	GString *o = g_string_new("[Status Instruction]\r\n");
	g_string_append_printf(o, "Type=%s\r\nSite=%s\r\nJobID=%s\r\nSMSID=%s\r\nMachine=%s\r\n"
	                       "Status=%s\r\nTime=%s\r\n",
	                       s->type ? s->type : "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE",
	                       s->site, s->job_id, s->smsid ? s->smsid : "", s->machine, s->status, t);
	if (s->mif)
		g_string_append_printf(o, "StatusMIF=%s\r\n", s->mif);
	if (s->description)
		g_string_append_printf(o, "Description=%s\r\n", s->description);
	return g_string_free(o, FALSE);
}

gboolean
sms_sni_parse(const char *name, const char *data, gsize len, SmsSni **out, GError **error)
{
	g_autoptr(SmsIni) ini = sms_ini_parse(name, data, len, error);
	g_autoptr(SmsSni) s = NULL;
	SmsIniSection *sec;
	const char *v;
	g_autoptr(GError) local = NULL;
	if (ini == NULL)
		return FALSE;
	sec = sms_ini_find(ini, "Status Instruction");
	if (sec == NULL)
		return sms_ini_throw(error, ini, 0, SMS_INI_ERROR_MISSING_SECTION,
		                     "not a status instruction: no [Status Instruction] section");
	s = g_new0(SmsSni, 1);
	s->type = g_strdup(sms_ini_section_get(sec, "Type"));
	if (!sms_ini_require(ini, sec, "Site", &v, error))
		return FALSE;
	s->site = g_strdup(v);
	if (!sms_ini_require(ini, sec, "JobID", &v, error))
		return FALSE;
	s->job_id = g_strdup(v);
	if (!sms_ini_require(ini, sec, "Machine", &v, error))
		return FALSE;
	s->machine = sms_strup(v);
	if (!sms_ini_require(ini, sec, "Status", &v, error))
		return FALSE;
	s->status = g_strdup(v);
	v = sms_ini_section_get(sec, "SMSID");
	s->smsid = v && *v ? g_strdup(v) : NULL;
	v = sms_ini_section_get(sec, "StatusMIF");
	s->mif = v && *v ? g_strdup(v) : NULL;
	if (s->mif && (strchr(s->mif, '/') || s->mif[0] == '.'))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "StatusMIF"),
		                     SMS_INI_ERROR_BAD_VALUE, "StatusMIF: expected a file name");
	v = sms_ini_section_get(sec, "Description");
	s->description = v && *v ? g_strdup(v) : NULL;
	if (!sms_ini_require(ini, sec, "Time", &v, error))
		return FALSE;
	if (!sms_time_parse(v, &s->time, &local))
		return sms_ini_throw(error, ini, sms_ini_key_line(sec, "Time"), SMS_INI_ERROR_BAD_VALUE,
		                     "Time: %s", local->message);
	*out = g_steal_pointer(&s);
	return TRUE;
}

gboolean
sms_sni_load(const char *path, SmsSni **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_box_read(path, SMS_SNI_MAX_BYTES, &data, &len, error))
		return FALSE;
	return sms_sni_parse(path, data, len, out, error);
}
