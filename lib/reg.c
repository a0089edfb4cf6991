/* reg.c -- .reg files and Windows text decoding (see reg.h). */
#include "reg.h"
#include "atomic.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-reg-error-quark, sms_reg_error)

/* ---- Windows text ----------------------------------------------------------------- */

/* Windows-1252 0x80..0x9F; the five holes map to the C1 controls, as Windows does. */
static const gunichar cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void
append_unichar(GString *s, gunichar c)
{
	char buf[6];
	gint n = g_unichar_to_utf8(c, buf);
	g_string_append_len(s, buf, n);
}

static int
ansi_byte(gunichar c)
{
	if (c < 0x80 || (c >= 0xA0 && c <= 0xFF))
		return (int)c;
	for (int i = 0; i < 32; i++)
		if (cp1252_c1[i] == c)
			return 0x80 + i;
	return -1;
}

/* Append the Windows-1252 form of n bytes of UTF-8 (embedded NULs kept). */
static void
append_ansi(GByteArray *out, const char *s, gsize n)
{
	const char *end;
	guint8 *p;
	guint start;
	if (n == 0)
		return;
	end = s + n;
	/* at most one byte out per byte in */
	start = out->len;
	g_byte_array_set_size(out, start + (guint)n);
	p = out->data + start;
	while (s < end) {
		gunichar c;
		guint8 b;
		if ((guchar)*s < 0x80) {
			*p++ = (guint8)*s++;   /* ASCII and NUL as they are */
			continue;
		}
		c = g_utf8_get_char_validated(s, end - s);
		if (c == 0) {
			b = 0;
			s++;
		} else if (c == (gunichar)-1 || c == (gunichar)-2) {
			b = '?';
			s++;
		} else {
			int a = ansi_byte(c);
			b = a < 0 ? '?' : (guint8)a;
			s = g_utf8_next_char(s);
		}
		*p++ = b;
	}
	g_byte_array_set_size(out, (guint)(p - out->data));
}

char *
sms_text_to_ansi(const char *utf8, gsize *out_len)
{
	GByteArray *out = g_byte_array_new();
	guint8 nul = 0;
	append_ansi(out, utf8, strlen(utf8));
	if (out_len)
		*out_len = out->len;
	g_byte_array_append(out, &nul, 1);
	return (char *)g_byte_array_free(out, FALSE);
}

/* Windows-1252 bytes to UTF-8; unless strict, text that is valid UTF-8 stays as it is. */
static char *
ansi_to_utf8(const char *s, gsize n, gboolean strict, gsize *out_len)
{
	GString *o;
	if (!strict && g_utf8_validate(s, (gssize)n, NULL)) {
		if (out_len)
			*out_len = n;
		return g_strndup(s, n);
	}
	o = g_string_sized_new(n + n / 4);
	for (gsize i = 0; i < n; i++) {
		guchar b = (guchar)s[i];
		if (b < 0x80)
			g_string_append_c(o, (char)b);
		else
			append_unichar(o, b < 0xA0 ? cp1252_c1[b - 0x80] : (gunichar)b);
	}
	if (out_len)
		*out_len = o->len;
	return g_string_free(o, FALSE);
}

static gboolean
encoding_error(GError **error, const char *path, gsize offset, const char *what)
{
	return sms_throw_domain(error, SMS_REG_ERROR, SMS_REG_ERROR_ENCODING,
	                        "%s: byte %" G_GSIZE_FORMAT ": %s", path, offset, what);
}

/* UTF-16 code units (after the BOM) to UTF-8; `start` is the byte offset of data. */
static gboolean
utf16_to_utf8(const char *path, const guchar *d, gsize len, gboolean le, gsize start,
              GString *o, GError **error)
{
	if (len % 2)
		return encoding_error(error, path, start + len - 1,
		                      "odd number of bytes in UTF-16 text (truncated file?)");
	for (gsize i = 0; i < len; i += 2) {
		gunichar u = le ? (gunichar)(d[i] | d[i + 1] << 8) : (gunichar)(d[i] << 8 | d[i + 1]);
		if (u >= 0xD800 && u <= 0xDBFF) {
			gunichar lo;
			if (i + 3 >= len)
				return encoding_error(error, path, start + i,
				                      "UTF-16 high surrogate without its low half");
			lo = le ? (gunichar)(d[i + 2] | d[i + 3] << 8) : (gunichar)(d[i + 2] << 8 | d[i + 3]);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return encoding_error(error, path, start + i,
				                      "UTF-16 high surrogate without its low half");
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			return encoding_error(error, path, start + i, "UTF-16 low surrogate alone");
		} else if (u == 0x1A) {
			break;             /* Ctrl-Z: end of file */
		} else if (u == 0) {
			return encoding_error(error, path, start + i, "NUL character in UTF-16 text");
		}
		append_unichar(o, u);
	}
	return TRUE;
}

gboolean
sms_text_decode(const char *path, const char *data, gsize len, char **out, gsize *out_len,
                SmsTextEncoding *out_enc, GError **error)
{
	const guchar *d = (const guchar *)data;
	g_autoptr(GString) o = NULL;
	SmsTextEncoding enc;
	gsize start = 0, n;
	const char *z, *nul;

	if (data == NULL)
		len = 0;
	if (len >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF))) {
		enc = d[0] == 0xFF ? SMS_TEXT_UTF16LE : SMS_TEXT_UTF16BE;
		o = g_string_sized_new(len / 2 + 1);
		if (!utf16_to_utf8(path, d + 2, len - 2, enc == SMS_TEXT_UTF16LE, 2, o, error))
			return FALSE;
		if (out_len)
			*out_len = o->len;
		if (out_enc)
			*out_enc = enc;
		*out = g_string_free(g_steal_pointer(&o), FALSE);
		return TRUE;
	}
	if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
		start = 3;
	n = len - start;
	z = n ? memchr(data + start, 0x1A, n) : NULL;
	if (z)
		n = (gsize)(z - (data + start));
	nul = n ? memchr(data + start, 0, n) : NULL;
	if (nul)
		return encoding_error(error, path, (gsize)(nul - data),
		                      "NUL byte in a text file (UTF-16 without a byte order mark?)");
	if (start == 3) {
		const char *bad = NULL;
		if (!g_utf8_validate(data + start, (gssize)n, &bad))
			return encoding_error(error, path, (gsize)(bad - data),
			                      "invalid UTF-8 after a UTF-8 byte order mark");
	}
	enc = start == 3 || g_utf8_validate(data + start, (gssize)n, NULL) ? SMS_TEXT_UTF8
	                                                                     : SMS_TEXT_ANSI;
	*out = ansi_to_utf8(data + start, n, FALSE, out_len);
	if (out_enc)
		*out_enc = enc;
	return TRUE;
}

/* ---- the registry ----------------------------------------------------------------- */

typedef struct {
	char *name;          /* as first written ("" = default value @) */
	char *fold;
	guint32 type;
	GBytes *data;        /* see sms_reg_set_data */
	int line;            /* of the file it was read from, 0 if set otherwise */
} Value;

typedef struct {
	char *path;          /* root spelled out in capitals, the rest as first written */
	char *fold;
	GPtrArray *values;   /* Value*, in creation order */
} Key;

typedef enum { OP_CREATE_KEY, OP_DELETE_KEY, OP_SET_VALUE, OP_DELETE_VALUE } OpKind;

typedef struct {
	OpKind kind;
	char *key;
	char *name;
	guint32 type;
	GBytes *data;
} Op;

struct SmsReg {
	GHashTable *keys;    /* fold -> Key* */
	GPtrArray *ops;      /* Op*: what was done to this registry, in order */
	int cur_line;        /* while parsing: the line values come from */
};

static void
value_free(gpointer p)
{
	Value *v = p;
	g_free(v->name);
	g_free(v->fold);
	if (v->data)
		g_bytes_unref(v->data);
	g_free(v);
}

static void
key_free(gpointer p)
{
	Key *k = p;
	g_free(k->path);
	g_free(k->fold);
	g_ptr_array_unref(k->values);
	g_free(k);
}

static void
op_free(gpointer p)
{
	Op *o = p;
	g_free(o->key);
	g_free(o->name);
	if (o->data)
		g_bytes_unref(o->data);
	g_free(o);
}

SmsReg *
sms_reg_new(void)
{
	SmsReg *r = g_new0(SmsReg, 1);
	r->keys = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, key_free);
	r->ops = g_ptr_array_new_with_free_func(op_free);
	return r;
}

void
sms_reg_free(SmsReg *reg)
{
	if (reg == NULL)
		return;
	g_hash_table_unref(reg->keys);
	g_ptr_array_unref(reg->ops);
	g_free(reg);
}

static char *
fold(const char *s)
{
	if (g_utf8_validate(s, -1, NULL))
		return g_utf8_casefold(s, -1);
	return g_ascii_strdown(s, -1);
}

static const struct {
	const char *name, *abbrev;
} roots[] = {
	{ "HKEY_LOCAL_MACHINE", "HKLM" }, { "HKEY_CURRENT_USER", "HKCU" },
	{ "HKEY_CLASSES_ROOT", "HKCR" }, { "HKEY_USERS", "HKU" },
	{ "HKEY_CURRENT_CONFIG", "HKCC" }, { "HKEY_DYN_DATA", "HKDD" },
	{ "HKEY_PERFORMANCE_DATA", NULL },
};

/* Canonical key path: known root in capitals (abbreviations if allowed), no empty
 * component, no trailing backslash; NULL if not a valid path. */
static char *
norm_key(const char *key, gboolean abbrev)
{
	const char *slash = strchr(key, '\\');
	gsize rlen = slash ? (gsize)(slash - key) : strlen(key);
	const char *root = NULL;
	g_autofree char *rest = NULL;
	gsize n;

	for (gsize i = 0; i < G_N_ELEMENTS(roots) && root == NULL; i++) {
		if (strlen(roots[i].name) == rlen && g_ascii_strncasecmp(key, roots[i].name, rlen) == 0)
			root = roots[i].name;
		else if (abbrev && roots[i].abbrev && strlen(roots[i].abbrev) == rlen &&
		         g_ascii_strncasecmp(key, roots[i].abbrev, rlen) == 0)
			root = roots[i].name;
	}
	if (root == NULL)
		return NULL;
	if (slash == NULL)
		return g_strdup(root);
	rest = g_strdup(slash + 1);
	n = strlen(rest);
	if (n > 0 && rest[n - 1] == '\\')
		rest[--n] = '\0';
	if (n == 0)
		return g_strdup(root);
	if (rest[0] == '\\' || strstr(rest, "\\\\") || rest[n - 1] == '\\')
		return NULL;
	return g_strconcat(root, "\\", rest, NULL);
}

static Key *
find_key(const SmsReg *reg, const char *canon)
{
	g_autofree char *f = fold(canon);
	return g_hash_table_lookup(reg->keys, f);
}

static Key *
lookup_key(const SmsReg *reg, const char *key)
{
	g_autofree char *canon = norm_key(key, TRUE);
	return canon ? find_key(reg, canon) : NULL;
}

static Key *
get_key(SmsReg *reg, const char *canon)
{
	Key *k = find_key(reg, canon);
	if (k == NULL) {
		k = g_new0(Key, 1);
		k->path = g_strdup(canon);
		k->fold = fold(canon);
		k->values = g_ptr_array_new_with_free_func(value_free);
		g_hash_table_insert(reg->keys, k->fold, k);
	}
	return k;
}

/* Never NULL, even for empty data. */
static const char *
value_data(const Value *v, gsize *n)
{
	const char *d = g_bytes_get_data(v->data, n);
	return d ? d : "";
}

static Value *
find_value(const Key *k, const char *name)
{
	g_autofree char *f = fold(name);
	for (guint i = 0; i < k->values->len; i++) {
		Value *v = k->values->pdata[i];
		if (strcmp(v->fold, f) == 0)
			return v;
	}
	return NULL;
}

static void
record(SmsReg *reg, OpKind kind, const char *key, const char *name, guint32 type, GBytes *data)
{
	Op *o = g_new0(Op, 1);
	o->kind = kind;
	o->key = g_strdup(key);
	o->name = g_strdup(name);
	o->type = type;
	o->data = data ? g_bytes_ref(data) : NULL;
	g_ptr_array_add(reg->ops, o);
}

static gboolean
is_under(const char *fold_path, const char *fold_parent)
{
	gsize n = strlen(fold_parent);
	return strncmp(fold_path, fold_parent, n) == 0 &&
	       (fold_path[n] == '\0' || fold_path[n] == '\\');
}

/* The operations themselves, on canonical key paths. */
static void
do_create_key(SmsReg *reg, const char *canon)
{
	get_key(reg, canon);
	record(reg, OP_CREATE_KEY, canon, NULL, 0, NULL);
}

static gboolean
do_delete_key(SmsReg *reg, const char *canon)
{
	g_autofree char *f = fold(canon);
	GHashTableIter it;
	gpointer kf, kv;
	gboolean found = FALSE;

	g_hash_table_iter_init(&it, reg->keys);
	while (g_hash_table_iter_next(&it, &kf, &kv)) {
		if (is_under(kf, f)) {
			g_hash_table_iter_remove(&it);
			found = TRUE;
		}
	}
	record(reg, OP_DELETE_KEY, canon, NULL, 0, NULL);
	return found;
}

static void
do_set(SmsReg *reg, const char *canon, const char *name, guint32 type, GBytes *data)
{
	Key *k = get_key(reg, canon);
	Value *v = find_value(k, name);
	if (v == NULL) {
		v = g_new0(Value, 1);
		v->name = g_strdup(name);
		v->fold = fold(name);
		g_ptr_array_add(k->values, v);
	}
	if (v->data)
		g_bytes_unref(v->data);
	v->type = type;
	v->data = g_bytes_ref(data);
	v->line = reg->cur_line;
	record(reg, OP_SET_VALUE, canon, name, type, data);
}

static gboolean
do_delete_value(SmsReg *reg, const char *canon, const char *name)
{
	Key *k = find_key(reg, canon);
	Value *v = k ? find_value(k, name) : NULL;
	record(reg, OP_DELETE_VALUE, canon, name, 0, NULL);
	if (v == NULL)
		return FALSE;
	g_ptr_array_remove(k->values, v);
	return TRUE;
}

/* ---- parsing ---------------------------------------------------------------------- */

static gboolean
reg_throw(GError **error, const char *path, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
reg_throw(GError **error, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_SYNTAX, "%s:%d: %s", path, line, msg);
	return FALSE;
}

/* A quoted string at *p (on the opening quote) with \\ and \" escapes (any other
 * backslash is kept, as regedit did); *p moves past the closing quote. NULL if unclosed. */
static char *
parse_quoted(const char **p)
{
	GString *s = g_string_new(NULL);
	const char *q = *p + 1;
	while (*q && *q != '"') {
		if (*q == '\\' && (q[1] == '\\' || q[1] == '"')) {
			g_string_append_c(s, q[1]);
			q += 2;
		} else {
			g_string_append_c(s, *q++);
		}
	}
	if (*q != '"') {
		g_string_free(s, TRUE);
		return NULL;
	}
	*p = q + 1;
	return g_string_free(s, FALSE);
}

/* Only blanks or a ';' comment left? */
static gboolean
rest_is_empty(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == ';';
}

/* "01,02, ff" -> bytes; 1 or 2 hex digits per byte, a trailing comma allowed. */
static gboolean
parse_hex_bytes(const char *s, GByteArray *out, const char **bad)
{
	for (;;) {
		guint8 v;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == ';')
			return TRUE;
		if (!g_ascii_isxdigit(*s)) {
			*bad = s;
			return FALSE;
		}
		v = (guint8)g_ascii_xdigit_value(*s++);
		if (g_ascii_isxdigit(*s))
			v = (guint8)(v * 16 + g_ascii_xdigit_value(*s++));
		g_byte_array_append(out, &v, 1);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',')
			s++;
		else if (*s != '\0' && *s != ';') {
			*bad = s;
			return FALSE;
		}
	}
}

/* Decode the string types of hex(1)/hex(2)/hex(7) data into their canonical form:
 * REGEDIT4 holds ANSI bytes, version 5 UTF-16LE code units. */
static gboolean
decode_string_data(const char *path, int line, gboolean v5, guint32 type, GByteArray *raw,
                   GBytes **out, GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	gsize n = raw->len;

	if (v5) {
		if (n % 2)
			return reg_throw(error, path, line, "hex(%x): expected an even number of bytes "
			                 "(UTF-16LE text), got %u", type, raw->len);
	}
	/* drop the terminating NULs (one for strings, two for multi-strings) */
	if (v5) {
		while (n >= 2 && raw->data[n - 1] == 0 && raw->data[n - 2] == 0)
			n -= 2;
	} else {
		while (n >= 1 && raw->data[n - 1] == 0)
			n--;
	}
	/* convert NUL-separated segments, keeping the separators */
	for (gsize i = 0; n > 0 && i <= n;) {
		gsize j = i;
		if (v5) {
			while (j + 1 < n && (raw->data[j] || raw->data[j + 1]))
				j += 2;
			if (j > n)
				j = n;
			if (!utf16_to_utf8("", raw->data + i, j - i, TRUE, i, s, &local))
				return reg_throw(error, path, line, "hex(%x) data%s", type,
				                 local->message);
		} else {
			g_autofree char *u = NULL;
			gsize ul;
			while (j < n && raw->data[j])
				j++;
			u = ansi_to_utf8((const char *)raw->data + i, j - i, TRUE, &ul);
			g_string_append_len(s, u, (gssize)ul);
		}
		if (j >= n)
			break;
		g_string_append_c(s, '\0');
		i = j + (v5 ? 2 : 1);
	}
	if (type == SMS_REG_MULTI_SZ && s->len > 0)
		g_string_append_c(s, '\0');
	*out = g_bytes_new(s->str, s->len);
	return TRUE;
}

static gboolean
has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((guchar)*s >= 0x80)
			return TRUE;
	return FALSE;
}

gboolean
sms_reg_parse(const char *path, const char *data, gsize len, SmsReg **out, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(SmsReg) reg = sms_reg_new();
	g_auto(GStrv) lines = NULL;
	g_autofree char *cur = NULL;   /* canonical path of the current [KEY] */
	gboolean header = FALSE, v5 = FALSE, deleted_section = FALSE;
	gsize tlen;
	SmsTextEncoding enc;
	const char *first;

	if (path == NULL)
		path = "<memory>";
	if (!sms_text_decode(path, data, len, &text, &tlen, &enc, error))
		return FALSE;
	for (first = text; g_ascii_isspace(*first); first++)
		;
	if (enc == SMS_TEXT_UTF8 && g_str_has_prefix(first, "REGEDIT4") &&
	    has_non_ascii(text) && !(len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)) {
		/* REGEDIT4 is ANSI, even where the bytes happen to be valid UTF-8 */
		const char *z = memchr(data, 0x1A, len);
		g_free(text);
		text = ansi_to_utf8(data, z ? (gsize)(z - data) : len, TRUE, &tlen);
	}
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		int lineno = i + 1;
		g_autoptr(GString) logical = NULL;
		char *l = g_strstrip(lines[i]);
		const char *p;
		g_autofree char *name = NULL;

		reg->cur_line = lineno;

		if (!header) {
			if (*l == '\0')
				continue;
			if (strcmp(l, "REGEDIT4") == 0) {
				header = TRUE;
			} else if (strcmp(l, "Windows Registry Editor Version 5.00") == 0) {
				header = v5 = TRUE;
			} else {
				g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_HEADER,
				            "%s:%d: expected 'REGEDIT4' or 'Windows Registry Editor Version "
				            "5.00' as the first line", path, lineno);
				return FALSE;
			}
			continue;
		}
		if (*l == '\0' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strrchr(l, ']');
			gboolean del = l[1] == '-';
			g_autofree char *kp = NULL;
			g_autofree char *canon = NULL;
			if (end == NULL || end[1] != '\0')
				return reg_throw(error, path, lineno, "expected ']' at the end of the key");
			kp = g_strndup(l + 1 + del, (gsize)(end - l - 1 - del));
			canon = norm_key(kp, FALSE);
			if (canon == NULL)
				return reg_throw(error, path, lineno, "key '%s': expected a path under "
				                 "HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT, "
				                 "HKEY_USERS or HKEY_CURRENT_CONFIG without empty parts", kp);
			g_clear_pointer(&cur, g_free);
			if (del) {
				if (strchr(canon, '\\') == NULL)
					return reg_throw(error, path, lineno, "[-%s]: a root key cannot be "
					                 "deleted", canon);
				do_delete_key(reg, canon);
				deleted_section = TRUE;
			} else {
				do_create_key(reg, canon);
				cur = g_steal_pointer(&canon);
				deleted_section = FALSE;
			}
			continue;
		}
		if (cur == NULL)
			return reg_throw(error, path, lineno, deleted_section
			                 ? "a value in a deleted [-KEY] section (expected [KEY])"
			                 : "a value before any [KEY] (expected [KEY])");
		logical = g_string_new(l);
		p = logical->str;
		if (*p == '@') {
			name = g_strdup("");
			p++;
		} else if (*p == '"') {
			name = parse_quoted(&p);
			if (name == NULL)
				return reg_throw(error, path, lineno, "expected a closing '\"' after the "
				                 "value name");
		} else {
			return reg_throw(error, path, lineno, "expected \"name\"=value or @=value");
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			return reg_throw(error, path, lineno, "expected '=' after the value name");
		while (*p == ' ' || *p == '\t')
			p++;
		if (g_ascii_strncasecmp(p, "hex", 3) == 0) {
			/* join continuation lines ending in '\' */
			gsize off = (gsize)(p - logical->str);
			while (logical->len && logical->str[logical->len - 1] == '\\' && lines[i + 1]) {
				g_string_truncate(logical, logical->len - 1);
				g_string_append(logical, g_strstrip(lines[++i]));
			}
			p = logical->str + off;
		}
		if (*p == '-' && rest_is_empty(p + 1)) {
			do_delete_value(reg, cur, name);
		} else if (*p == '"') {
			g_autofree char *s = parse_quoted(&p);
			g_autoptr(GBytes) b = NULL;
			if (s == NULL)
				return reg_throw(error, path, lineno, "value \"%s\": expected a closing '\"'",
				                 name);
			if (!rest_is_empty(p))
				return reg_throw(error, path, lineno, "value \"%s\": unexpected text after the "
				                 "closing '\"' (a '\"' inside a string is written \\\")", name);
			b = g_bytes_new(s, strlen(s));
			do_set(reg, cur, name, SMS_REG_SZ, b);
		} else if (g_ascii_strncasecmp(p, "dword:", 6) == 0) {
			const char *h = p + 6;
			guint32 v = 0, le;
			int n = 0;
			g_autoptr(GBytes) b = NULL;
			for (; g_ascii_isxdigit(*h) && n < 8; h++, n++)
				v = v * 16 + (guint32)g_ascii_xdigit_value(*h);
			if (n == 0 || !rest_is_empty(h))
				return reg_throw(error, path, lineno, "value \"%s\": expected dword: and 1 to 8 "
				                 "hex digits, got '%s'", name, p);
			le = GUINT32_TO_LE(v);
			b = g_bytes_new(&le, 4);
			do_set(reg, cur, name, SMS_REG_DWORD, b);
		} else if (g_ascii_strncasecmp(p, "hex", 3) == 0) {
			const char *h = p + 3, *bad = NULL;
			guint32 type = SMS_REG_BINARY;
			g_autoptr(GByteArray) bytes = g_byte_array_new();
			g_autoptr(GBytes) b = NULL;
			if (*h == '(') {
				guint64 t = 0;
				int n = 0;
				for (h++; g_ascii_isxdigit(*h) && n < 8; h++, n++)
					t = t * 16 + (guint64)g_ascii_xdigit_value(*h);
				if (n == 0 || *h != ')')
					return reg_throw(error, path, lineno, "value \"%s\": expected hex(N): with "
					                 "N a type in hex digits", name);
				type = (guint32)t;
				h++;
			}
			if (*h++ != ':')
				return reg_throw(error, path, lineno, "value \"%s\": expected ':' after hex",
				                 name);
			if (!parse_hex_bytes(h, bytes, &bad))
				return reg_throw(error, path, lineno, "value \"%s\": expected comma-separated "
				                 "hex bytes, got '%.10s'", name, bad);
			if (type == SMS_REG_SZ || type == SMS_REG_EXPAND_SZ || type == SMS_REG_MULTI_SZ) {
				if (!decode_string_data(path, lineno, v5, type, bytes, &b, error))
					return FALSE;
			} else if (type == SMS_REG_DWORD && bytes->len != 4) {
				return reg_throw(error, path, lineno, "value \"%s\": hex(4) (REG_DWORD) needs "
				                 "4 bytes, got %u", name, bytes->len);
			} else {
				b = g_byte_array_free_to_bytes(g_steal_pointer(&bytes));
			}
			do_set(reg, cur, name, type, b);
		} else {
			return reg_throw(error, path, lineno, "value \"%s\": expected \"string\", dword:, "
			                 "hex:, hex(N): or - after '='", name);
		}
	}
	if (!header) {
		g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_HEADER,
		            "%s:1: empty file (expected REGEDIT4)", path);
		return FALSE;
	}
	reg->cur_line = 0;
	*out = g_steal_pointer(&reg);
	return TRUE;
}

gboolean
sms_reg_load(const char *path, SmsReg **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	if (!sms_read_file(path, &data, &len, error))
		return FALSE;
	return sms_reg_parse(path, data, len, out, error);
}

/* The component settings the components read from a site server's registry, with the
 * ranges accepted (KB Q140403 for the Despooler's forced disconnection; the Sender's
 * limits are those the Sender applies). A value outside them is refused when read rather
 * than run with (a delay of 4294967295 minutes is no setting SMS ran with). */
static const struct {
	const char *key;
	const char *name;
	guint32 min, max;
	const char *unit;
} sms_settings[] = {
#define SMS_COMP "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\"
	{ SMS_COMP "SMS_Despooler", "Use Forced Disconnect", 0, 1, "(0 or 1)" },
	{ SMS_COMP "SMS_Despooler", "Number Of Retries Before Forced Disconnection", 0, 10000,
	  "retries" },
	{ SMS_COMP "SMS_Despooler", "Forced Disconnection Delay In Minutes", 0, 10080,
	  "minutes (at most a week)" },
	{ SMS_COMP "SMS_Despooler", "SMS Drive Minimum Free Space in Mbytes", 0, 1048576,
	  "megabytes" },
	{ SMS_COMP "SMS_LAN_Sender", "Maximum Concurrent Sendings", 1, 100, "sendings" },
	{ SMS_COMP "SMS_LAN_Sender", "Maximum Concurrent Site Sendings", 1, 100, "sendings" },
	{ SMS_COMP "SMS_LAN_Sender", "Number of Retries", 1, 100, "retries" },
	{ SMS_COMP "SMS_LAN_Sender", "Retry Delay in Minutes", 1, 1440,
	  "minutes (at most a day)" },
	{ SMS_COMP "SMS_Scheduler", "Compression Level", 0, 9, "(0 to 9)" },
	{ SMS_COMP "SMS_Scheduler", "Use Compression", 0, 1, "(0 or 1)" },
#undef SMS_COMP
};

gboolean
sms_reg_check_settings(const SmsReg *reg, const char *path, GError **error)
{
	for (gsize i = 0; i < G_N_ELEMENTS(sms_settings); i++) {
		const Key *k = find_key(reg, sms_settings[i].key);
		const Value *v = k ? find_value(k, sms_settings[i].name) : NULL;
		g_autoptr(GError) local = NULL;
		guint32 x;
		if (v == NULL)
			continue;
		if (!sms_reg_get_dword(reg, sms_settings[i].key, sms_settings[i].name, 0, &x, &local))
			return sms_throw_domain(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE, "%s:%d: %s",
			                        path, v->line, local->message);
		if (x < sms_settings[i].min || x > sms_settings[i].max)
			return sms_throw_domain(error, SMS_REG_ERROR, SMS_REG_ERROR_RANGE,
			                        "%s:%d: \"%s\"=%" G_GUINT32_FORMAT ": expected %"
			                        G_GUINT32_FORMAT " to %" G_GUINT32_FORMAT " %s (a value SMS "
			                        "could hold)", path, v->line, sms_settings[i].name, x,
			                        sms_settings[i].min, sms_settings[i].max,
			                        sms_settings[i].unit);
	}
	return TRUE;
}

gboolean
sms_reg_load_settings(const char *path, SmsReg **out, GError **error)
{
	g_autoptr(SmsReg) reg = NULL;
	if (!sms_reg_load_optional(path, &reg, error) || !sms_reg_check_settings(reg, path, error))
		return FALSE;
	*out = g_steal_pointer(&reg);
	return TRUE;
}

gboolean
sms_reg_load_optional(const char *path, SmsReg **out, GError **error)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		*out = sms_reg_new();
		return TRUE;
	}
	return sms_reg_load(path, out, error);
}

gboolean
sms_reg_merge(SmsReg *reg, const SmsReg *patch, GError **error)
{
	/* a registry merged into itself: replay a snapshot of its operations */
	guint n = patch->ops->len;
	for (guint i = 0; i < n; i++) {
		Op *o = patch->ops->pdata[i];
		switch (o->kind) {
		case OP_CREATE_KEY:
			do_create_key(reg, o->key);
			break;
		case OP_DELETE_KEY:
			do_delete_key(reg, o->key);
			break;
		case OP_SET_VALUE:
			do_set(reg, o->key, o->name, o->type, o->data);
			break;
		case OP_DELETE_VALUE:
			do_delete_value(reg, o->key, o->name);
			break;
		}
	}
	return TRUE;
}

/* ---- writing ---------------------------------------------------------------------- */

static gint
key_cmp(gconstpointer a, gconstpointer b)
{
	const char *x = (*(Key *const *)a)->fold, *y = (*(Key *const *)b)->fold;
	/* component by component: a parent sorts right before its children */
	while (*x && *x == *y) {
		x++;
		y++;
	}
	if (*x == *y)
		return 0;
	if (*x == '\\' || *x == '\0')
		return *y == '\0' ? 1 : -1;
	if (*y == '\\' || *y == '\0')
		return 1;
	return (guchar)*x < (guchar)*y ? -1 : 1;
}

static gint
value_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(Value *const *)a)->fold, (*(Value *const *)b)->fold);
}

/* Value* of k sorted by name (borrowed pointers). */
static GPtrArray *
sorted_values(const Key *k)
{
	GPtrArray *vals = g_ptr_array_sized_new(k->values->len);
	for (guint i = 0; i < k->values->len; i++)
		g_ptr_array_add(vals, k->values->pdata[i]);
	g_ptr_array_sort(vals, value_cmp);
	return vals;
}

/* Key*, in the order the file lists them. */
static GPtrArray *
sorted_keys(const SmsReg *reg)
{
	GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(reg->keys));
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, reg->keys);
	while (g_hash_table_iter_next(&it, NULL, &k))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, key_cmp);
	return keys;
}

static void
append_quoted(GString *out, const char *s, gsize n)
{
	g_string_append_c(out, '"');
	for (gsize i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			g_string_append_c(out, '\\');
		g_string_append_c(out, s[i]);
	}
	g_string_append_c(out, '"');
}

/* "xx,yy,..." wrapped like regedit: no line longer than 80 columns. */
static void
append_hex(GString *out, gsize line_start, const guint8 *d, gsize n)
{
	gsize col = out->len - line_start;
	for (gsize i = 0; i < n; i++) {
		g_string_append_printf(out, "%02x", d[i]);
		col += 2;
		if (i + 1 < n) {
			g_string_append_c(out, ',');
			col++;
			if (col + 3 > 78) {
				g_string_append(out, "\\\r\n  ");
				col = 2;
			}
		}
	}
}

static gboolean
needs_hex_string(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if ((guchar)s[i] < 0x20)
			return TRUE;
	return FALSE;
}

char *
sms_reg_to_text(const SmsReg *reg)
{
	g_autoptr(GString) out = g_string_new("REGEDIT4\r\n");
	g_autoptr(GPtrArray) keys = sorted_keys(reg);
	g_autoptr(GByteArray) ansi = NULL;

	for (guint i = 0; i < keys->len; i++) {
		Key *k = keys->pdata[i];
		g_autoptr(GPtrArray) vals = sorted_values(k);
		g_string_append_printf(out, "\r\n[%s]\r\n", k->path);
		for (guint j = 0; j < vals->len; j++) {
			Value *v = vals->pdata[j];
			gsize n, line_start = out->len;
			const char *d = value_data(v, &n);
			if (*v->name == '\0')
				g_string_append_c(out, '@');
			else
				append_quoted(out, v->name, strlen(v->name));
			g_string_append_c(out, '=');
			if (v->type == SMS_REG_SZ && !needs_hex_string(d, n)) {
				append_quoted(out, d, n);
			} else if (v->type == SMS_REG_DWORD && n == 4) {
				guint32 x;
				memcpy(&x, d, 4);
				g_string_append_printf(out, "dword:%08x", GUINT32_FROM_LE(x));
			} else if (v->type == SMS_REG_SZ || v->type == SMS_REG_EXPAND_SZ ||
			           v->type == SMS_REG_MULTI_SZ) {
				/* REGEDIT4 holds ANSI bytes, NUL-terminated */
				g_autoptr(GByteArray) b = g_byte_array_new();
				guint8 nul = 0;
				/* a multi-string's items end in NUL already; one more ends the list */
				append_ansi(b, d, n);
				if (v->type != SMS_REG_MULTI_SZ || n == 0)
					g_byte_array_append(b, &nul, 1);
				if (v->type == SMS_REG_MULTI_SZ)
					g_byte_array_append(b, &nul, 1);
				g_string_append_printf(out, "hex(%x):", v->type);
				append_hex(out, line_start, b->data, b->len);
			} else {
				if (v->type == SMS_REG_BINARY)
					g_string_append(out, "hex:");
				else
					g_string_append_printf(out, "hex(%x):", v->type);
				append_hex(out, line_start, (const guint8 *)d, n);
			}
			g_string_append(out, "\r\n");
		}
	}
	g_string_append(out, "\r\n");
	/* everything was built as UTF-8; the file is ANSI */
	ansi = g_byte_array_new();
	append_ansi(ansi, out->str, out->len);
	g_byte_array_append(ansi, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(g_steal_pointer(&ansi), FALSE);
}

gboolean
sms_reg_save(const SmsReg *reg, const char *path, GError **error)
{
	g_autofree char *text = sms_reg_to_text(reg);
	return sms_atomic_write(path, text, strlen(text), 0644, SMS_SYNC_FILE, error);
}

/* ---- lookups ---------------------------------------------------------------------- */

static Value *
lookup(const SmsReg *reg, const char *key, const char *name)
{
	Key *k = lookup_key(reg, key);
	return k ? find_value(k, name) : NULL;
}

static gboolean
type_error(GError **error, const char *key, const char *name, guint32 type, const char *want)
{
	return sms_throw_domain(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE,
	                        "registry value %s\\%s: expected %s, found a value of type %u",
	                        key, *name ? name : "@", want, type);
}

gboolean
sms_reg_get_dword(const SmsReg *reg, const char *key, const char *name, guint32 def,
                  guint32 *out, GError **error)
{
	Value *v = lookup(reg, key, name);
	gsize n;
	const char *d;

	if (v == NULL) {
		*out = def;
		return TRUE;
	}
	d = value_data(v, &n);
	if ((v->type == SMS_REG_DWORD || v->type == SMS_REG_BINARY) && n == 4) {
		guint32 x;
		memcpy(&x, d, 4);
		*out = GUINT32_FROM_LE(x);
		return TRUE;
	}
	if (v->type == SMS_REG_SZ || v->type == SMS_REG_EXPAND_SZ) {
		g_autofree char *s = g_strstrip(g_strndup(d, n));
		char *end = NULL;
		guint64 x;
		gboolean hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
		if (*s && g_ascii_isxdigit(s[hex ? 2 : 0])) {
			errno = 0;
			x = g_ascii_strtoull(s + (hex ? 2 : 0), &end, hex ? 16 : 10);
			if (errno == 0 && end && *end == '\0' && x <= G_MAXUINT32) {
				*out = (guint32)x;
				return TRUE;
			}
		}
		return sms_throw_domain(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE,
		                        "registry value %s\\%s: expected a DWORD or a string holding a "
		                        "number from 0 to 4294967295, got \"%s\"", key,
		                        *name ? name : "@", s);
	}
	return type_error(error, key, name, v->type, "a DWORD");
}

gboolean
sms_reg_get_string_value(const SmsReg *reg, const char *key, const char *name, const char *def,
                         char **out, GError **error)
{
	Value *v = lookup(reg, key, name);
	gsize n;
	const char *d;
	if (v == NULL) {
		*out = g_strdup(def);
		return TRUE;
	}
	if (v->type != SMS_REG_SZ && v->type != SMS_REG_EXPAND_SZ)
		return type_error(error, key, name, v->type, "a string (REG_SZ)");
	d = value_data(v, &n);
	*out = g_strndup(d, n);
	return TRUE;
}

char *
sms_reg_get_string(const SmsReg *reg, const char *key, const char *name)
{
	char *s = NULL;
	if (!sms_reg_get_string_value(reg, key, name, NULL, &s, NULL))
		return NULL;
	return s;
}

GStrv
sms_reg_get_multi_string(const SmsReg *reg, const char *key, const char *name)
{
	Value *v = lookup(reg, key, name);
	g_autoptr(GPtrArray) list = NULL;
	gsize n;
	const char *d;
	if (v == NULL || v->type != SMS_REG_MULTI_SZ)
		return NULL;
	d = value_data(v, &n);
	list = g_ptr_array_new();
	for (gsize i = 0; i < n;) {
		const char *e = memchr(d + i, '\0', n - i);
		gsize l = e ? (gsize)(e - (d + i)) : n - i;
		g_ptr_array_add(list, g_strndup(d + i, l));
		i += l + 1;
	}
	g_ptr_array_add(list, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&list), FALSE);
}

GBytes *
sms_reg_get_data(const SmsReg *reg, const char *key, const char *name, guint32 *out_type)
{
	Value *v = lookup(reg, key, name);
	if (v == NULL)
		return NULL;
	if (out_type)
		*out_type = v->type;
	return g_bytes_ref(v->data);
}

gboolean
sms_reg_has_key(const SmsReg *reg, const char *key)
{
	g_autofree char *canon = norm_key(key, TRUE);
	g_autofree char *f = NULL;
	GHashTableIter it;
	gpointer kf;
	if (canon == NULL)
		return FALSE;
	f = fold(canon);
	if (g_hash_table_contains(reg->keys, f))
		return TRUE;
	g_hash_table_iter_init(&it, reg->keys);
	while (g_hash_table_iter_next(&it, &kf, NULL))
		if (is_under(kf, f))
			return TRUE;
	return FALSE;
}

gboolean
sms_reg_has_value(const SmsReg *reg, const char *key, const char *name)
{
	return lookup(reg, key, name) != NULL;
}

GPtrArray *
sms_reg_value_names(const SmsReg *reg, const char *key)
{
	Key *k = lookup_key(reg, key);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	if (k) {
		g_autoptr(GPtrArray) vals = sorted_values(k);
		for (guint i = 0; i < vals->len; i++)
			g_ptr_array_add(names, g_strdup(((Value *)vals->pdata[i])->name));
	}
	return names;
}

GPtrArray *
sms_reg_key_paths(const SmsReg *reg)
{
	g_autoptr(GPtrArray) keys = sorted_keys(reg);
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < keys->len; i++)
		g_ptr_array_add(paths, g_strdup(((Key *)keys->pdata[i])->path));
	return paths;
}

/* ---- changes ---------------------------------------------------------------------- */

static char *
api_key(const char *key)
{
	char *canon = norm_key(key, TRUE);
	if (canon == NULL)
		g_critical("sms_reg: '%s' is not a registry key path (HKEY_...\\...)", key);
	return canon;
}

void
sms_reg_create_key(SmsReg *reg, const char *key)
{
	g_autofree char *canon = api_key(key);
	if (canon)
		do_create_key(reg, canon);
}

void
sms_reg_set_data(SmsReg *reg, const char *key, const char *name, guint32 type,
                 const void *data, gsize len)
{
	g_autofree char *canon = api_key(key);
	g_autoptr(GBytes) b = g_bytes_new(data, len);
	if (canon)
		do_set(reg, canon, name, type, b);
}

void
sms_reg_set_dword(SmsReg *reg, const char *key, const char *name, guint32 value)
{
	guint32 le = GUINT32_TO_LE(value);
	sms_reg_set_data(reg, key, name, SMS_REG_DWORD, &le, 4);
}

void
sms_reg_set_string(SmsReg *reg, const char *key, const char *name, const char *value)
{
	sms_reg_set_data(reg, key, name, SMS_REG_SZ, value, strlen(value));
}

void
sms_reg_set_expand_string(SmsReg *reg, const char *key, const char *name, const char *value)
{
	sms_reg_set_data(reg, key, name, SMS_REG_EXPAND_SZ, value, strlen(value));
}

void
sms_reg_set_multi_string(SmsReg *reg, const char *key, const char *name,
                         const char *const *values)
{
	g_autoptr(GString) s = g_string_new(NULL);
	for (const char *const *p = values; p && *p; p++)
		g_string_append_len(s, *p, (gssize)strlen(*p) + 1);
	sms_reg_set_data(reg, key, name, SMS_REG_MULTI_SZ, s->str, s->len);
}

gboolean
sms_reg_delete_value(SmsReg *reg, const char *key, const char *name)
{
	g_autofree char *canon = norm_key(key, TRUE);
	return canon ? do_delete_value(reg, canon, name) : FALSE;
}

gboolean
sms_reg_delete_key(SmsReg *reg, const char *key)
{
	g_autofree char *canon = norm_key(key, TRUE);
	return canon ? do_delete_key(reg, canon) : FALSE;
}
