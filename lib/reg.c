/* reg.c -- .reg files (see reg.h). */
#include "reg.h"
#include "atomic.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-reg-error-quark, sms_reg_error)

typedef struct {
	char *name;          /* as written ("" = default value @) */
	int type;            /* SmsRegType or other hex(N) */
	GBytes *data;        /* SZ: UTF-8 without NUL; DWORD: 4 bytes LE; else raw */
	gboolean deleted;    /* patch: "name"=- */
} Value;

typedef struct {
	char *path;          /* as written */
	GPtrArray *values;   /* Value* */
	gboolean deleted;    /* patch: [-KEY] */
} Key;

struct SmsReg {
	GPtrArray *keys;     /* Key*, in insertion order */
};

static void
value_free(gpointer p)
{
	Value *v = p;
	g_free(v->name);
	if (v->data)
		g_bytes_unref(v->data);
	g_free(v);
}

static void
key_free(gpointer p)
{
	Key *k = p;
	g_free(k->path);
	g_ptr_array_unref(k->values);
	g_free(k);
}

SmsReg *
sms_reg_new(void)
{
	SmsReg *r = g_new0(SmsReg, 1);
	r->keys = g_ptr_array_new_with_free_func(key_free);
	return r;
}

void
sms_reg_free(SmsReg *reg)
{
	if (reg == NULL)
		return;
	g_ptr_array_unref(reg->keys);
	g_free(reg);
}

static Key *
find_key(const SmsReg *reg, const char *path)
{
	for (guint i = 0; i < reg->keys->len; i++) {
		Key *k = reg->keys->pdata[i];
		if (g_ascii_strcasecmp(k->path, path) == 0)
			return k;
	}
	return NULL;
}

static Key *
get_key(SmsReg *reg, const char *path)
{
	Key *k = find_key(reg, path);
	if (k == NULL) {
		k = g_new0(Key, 1);
		k->path = g_strdup(path);
		k->values = g_ptr_array_new_with_free_func(value_free);
		g_ptr_array_add(reg->keys, k);
	}
	return k;
}

static Value *
find_value(const Key *k, const char *name)
{
	for (guint i = 0; i < k->values->len; i++) {
		Value *v = k->values->pdata[i];
		if (g_ascii_strcasecmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

static void
put_value(Key *k, const char *name, int type, GBytes *data, gboolean deleted)
{
	Value *v = find_value(k, name);
	if (v == NULL) {
		v = g_new0(Value, 1);
		v->name = g_strdup(name);
		g_ptr_array_add(k->values, v);
	}
	if (v->data)
		g_bytes_unref(v->data);
	v->type = type;
	v->data = data;
	v->deleted = deleted;
}

static gboolean
reg_throw(GError **error, const char *path, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
reg_throw(GError **error, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_SYNTAX, "%s:%d: %s", path, line, msg);
	return FALSE;
}

/* Parse a quoted string starting at *p (on the opening quote); returns the unescaped
 * text and moves *p past the closing quote. */
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

static gboolean
parse_hex_bytes(const char *s, GByteArray *out)
{
	while (*s) {
		unsigned v;
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]) ||
		    (s[2] && s[2] != ',' && s[2] != ' ' && s[2] != '\t'))
			return FALSE;
		v = (unsigned)(g_ascii_xdigit_value(s[0]) * 16 + g_ascii_xdigit_value(s[1]));
		g_byte_array_append(out, (guint8 *)&(guint8){ (guint8)v }, 1);
		s += 2;
	}
	return TRUE;
}

/* Decode the file into UTF-8 text (UTF-16LE with BOM for version 5 files). */
static char *
decode(const char *data, gsize len, gsize *out_len)
{
	if (len >= 2 && (guchar)data[0] == 0xFF && (guchar)data[1] == 0xFE) {
		glong n = 0;
		gsize units = (len - 2) / 2;
		gunichar2 *u = g_new(gunichar2, units + 1);
		char *utf8;
		for (gsize i = 0; i < units; i++)
			u[i] = (gunichar2)((guchar)data[2 + 2 * i] | ((guchar)data[3 + 2 * i] << 8));
		utf8 = g_utf16_to_utf8(u, (glong)units, NULL, &n, NULL);
		g_free(u);
		if (utf8) {
			*out_len = (gsize)n;
			return utf8;
		}
	}
	if (len >= 3 && (guchar)data[0] == 0xEF && (guchar)data[1] == 0xBB &&
	    (guchar)data[2] == 0xBF) {
		*out_len = len - 3;
		return g_strndup(data + 3, len - 3);
	}
	*out_len = len;
	return g_strndup(data ? data : "", len);
}

gboolean
sms_reg_parse(const char *path, const char *data, gsize len, SmsReg **out, GError **error)
{
	gsize tlen;
	g_autofree char *text = decode(data, len, &tlen);
	g_autoptr(SmsReg) reg = sms_reg_new();
	g_auto(GStrv) lines = NULL;
	g_autofree char *buf = g_strndup(text, tlen);
	Key *cur = NULL;
	gboolean header = FALSE;

	lines = g_strsplit(buf, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		int lineno = i + 1;
		g_autoptr(GString) logical = g_string_new(NULL);
		char *l = g_strstrip(lines[i]);
		const char *p;
		g_autofree char *name = NULL;

		if (*l == '\x1a')
			break;
		if (!header) {
			if (*l == '\0')
				continue;
			if (g_strcmp0(l, "REGEDIT4") != 0 &&
			    g_strcmp0(l, "Windows Registry Editor Version 5.00") != 0) {
				g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_HEADER,
				            "%s:%d: expected 'REGEDIT4' or 'Windows Registry Editor Version "
				            "5.00' as the first line", path, lineno);
				return FALSE;
			}
			header = TRUE;
			continue;
		}
		if (*l == '\0' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strrchr(l, ']');
			gboolean del = l[1] == '-';
			g_autofree char *kp = NULL;
			if (end == NULL || end[1] != '\0')
				return reg_throw(error, path, lineno, "expected ']' at the end of the key");
			kp = g_strstrip(g_strndup(l + 1 + del, (gsize)(end - l - 1 - del)));
			if (*kp == '\0' || strstr(kp, "\\\\"))
				return reg_throw(error, path, lineno, "expected a key path");
			if (!g_str_has_prefix(kp, "HKEY_"))
				return reg_throw(error, path, lineno,
				                 "key '%s': expected a root such as HKEY_LOCAL_MACHINE", kp);
			cur = get_key(reg, kp);
			if (del) {
				cur->deleted = TRUE;
				g_ptr_array_set_size(cur->values, 0);
				cur = NULL;
			} else {
				cur->deleted = FALSE;
			}
			continue;
		}
		if (cur == NULL)
			return reg_throw(error, path, lineno, "a value outside of a [KEY] section");
		/* join continuation lines */
		g_string_append(logical, l);
		while (logical->len && logical->str[logical->len - 1] == '\\' && lines[i + 1]) {
			g_string_truncate(logical, logical->len - 1);
			g_string_append(logical, g_strstrip(lines[++i]));
		}
		p = logical->str;
		if (*p == '@') {
			name = g_strdup("");
			p++;
		} else if (*p == '"') {
			name = parse_quoted(&p);
			if (name == NULL)
				return reg_throw(error, path, lineno, "expected a closing '\"' after the name");
		} else {
			return reg_throw(error, path, lineno, "expected \"name\"=value or @=value");
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			return reg_throw(error, path, lineno, "expected '=' after the value name");
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '-' && p[1] == '\0') {
			put_value(cur, name, 0, NULL, TRUE);
		} else if (*p == '"') {
			char *s = parse_quoted(&p);
			if (s == NULL || *p != '\0') {
				g_free(s);
				return reg_throw(error, path, lineno, "expected a string in double quotes");
			}
			put_value(cur, name, SMS_REG_SZ, g_bytes_new_take(s, strlen(s)), FALSE);
		} else if (g_ascii_strncasecmp(p, "dword:", 6) == 0) {
			const char *h = p + 6;
			guint32 v = 0;
			int n = 0;
			for (; g_ascii_isxdigit(*h) && n < 8; h++, n++)
				v = v * 16 + (guint32)g_ascii_xdigit_value(*h);
			if (n == 0 || *h != '\0')
				return reg_throw(error, path, lineno,
				                 "expected dword: and up to 8 hex digits, got '%s'", p);
			v = GUINT32_TO_LE(v);
			put_value(cur, name, SMS_REG_DWORD, g_bytes_new(&v, 4), FALSE);
		} else if (g_ascii_strncasecmp(p, "hex", 3) == 0) {
			const char *h = p + 3;
			int type = SMS_REG_BINARY;
			g_autoptr(GByteArray) bytes = g_byte_array_new();
			if (*h == '(') {
				char *end = NULL;
				type = (int)g_ascii_strtoll(h + 1, &end, 16);
				if (end == NULL || *end != ')')
					return reg_throw(error, path, lineno, "expected hex(N): with a hex type");
				h = end + 1;
			}
			if (*h++ != ':')
				return reg_throw(error, path, lineno, "expected ':' after hex");
			if (!parse_hex_bytes(h, bytes))
				return reg_throw(error, path, lineno,
				                 "expected comma-separated two-digit hex bytes");
			put_value(cur, name, type,
			          g_byte_array_free_to_bytes(g_steal_pointer(&bytes)), FALSE);
		} else {
			return reg_throw(error, path, lineno,
			                 "value of \"%s\": expected \"string\", dword:, hex: or -", name);
		}
	}
	if (!header) {
		g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_HEADER,
		            "%s: empty file (expected REGEDIT4)", path);
		return FALSE;
	}
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

gboolean
sms_reg_load_optional(const char *path, SmsReg **out, GError **error)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		*out = sms_reg_new();
		return TRUE;
	}
	return sms_reg_load(path, out, error);
}

static gboolean
is_subkey(const char *path, const char *parent)
{
	gsize n = strlen(parent);
	return g_ascii_strncasecmp(path, parent, n) == 0 && (path[n] == '\0' || path[n] == '\\');
}

gboolean
sms_reg_delete_key(SmsReg *reg, const char *key)
{
	gboolean found = FALSE;
	for (guint i = reg->keys->len; i-- > 0;) {
		Key *k = reg->keys->pdata[i];
		if (is_subkey(k->path, key)) {
			g_ptr_array_remove_index(reg->keys, i);
			found = TRUE;
		}
	}
	return found;
}

gboolean
sms_reg_delete_value(SmsReg *reg, const char *key, const char *name)
{
	Key *k = find_key(reg, key);
	Value *v = k ? find_value(k, name) : NULL;
	if (v == NULL)
		return FALSE;
	g_ptr_array_remove(k->values, v);
	return TRUE;
}

gboolean
sms_reg_merge(SmsReg *reg, const SmsReg *patch, GError **error)
{
	for (guint i = 0; i < patch->keys->len; i++) {
		Key *pk = patch->keys->pdata[i];
		Key *k;
		if (pk->deleted) {
			sms_reg_delete_key(reg, pk->path);
			continue;
		}
		k = get_key(reg, pk->path);
		for (guint j = 0; j < pk->values->len; j++) {
			Value *v = pk->values->pdata[j];
			if (v->deleted)
				sms_reg_delete_value(reg, pk->path, v->name);
			else
				put_value(k, v->name, v->type, g_bytes_ref(v->data), FALSE);
		}
	}
	return TRUE;
}

static gint
key_cmp(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp((*(Key *const *)a)->path, (*(Key *const *)b)->path);
}

static gint
value_cmp(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp((*(Value *const *)a)->name, (*(Value *const *)b)->name);
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

char *
sms_reg_to_text(const SmsReg *reg)
{
	GString *out = g_string_new("REGEDIT4\r\n");
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	for (guint i = 0; i < reg->keys->len; i++)
		if (!((Key *)reg->keys->pdata[i])->deleted)
			g_ptr_array_add(keys, reg->keys->pdata[i]);
	g_ptr_array_sort(keys, key_cmp);
	for (guint i = 0; i < keys->len; i++) {
		Key *k = keys->pdata[i];
		g_autoptr(GPtrArray) vals = g_ptr_array_new();
		g_string_append_printf(out, "\r\n[%s]\r\n", k->path);
		for (guint j = 0; j < k->values->len; j++)
			if (!((Value *)k->values->pdata[j])->deleted)
				g_ptr_array_add(vals, k->values->pdata[j]);
		g_ptr_array_sort(vals, value_cmp);
		for (guint j = 0; j < vals->len; j++) {
			Value *v = vals->pdata[j];
			gsize n;
			const guint8 *d = g_bytes_get_data(v->data, &n);
			if (*v->name == '\0')
				g_string_append_c(out, '@');
			else
				append_quoted(out, v->name, strlen(v->name));
			g_string_append_c(out, '=');
			if (v->type == SMS_REG_SZ) {
				append_quoted(out, (const char *)d, n);
			} else if (v->type == SMS_REG_DWORD && n == 4) {
				guint32 x;
				memcpy(&x, d, 4);
				g_string_append_printf(out, "dword:%08x", GUINT32_FROM_LE(x));
			} else {
				if (v->type == SMS_REG_BINARY)
					g_string_append(out, "hex:");
				else
					g_string_append_printf(out, "hex(%x):", v->type);
				for (gsize b = 0; b < n; b++)
					g_string_append_printf(out, "%s%02x", b ? "," : "", d[b]);
			}
			g_string_append(out, "\r\n");
		}
	}
	return g_string_free(out, FALSE);
}

gboolean
sms_reg_save(const SmsReg *reg, const char *path, GError **error)
{
	g_autofree char *text = sms_reg_to_text(reg);
	return sms_atomic_write(path, text, strlen(text), 0644, SMS_SYNC_FILE, error);
}

static Value *
lookup(const SmsReg *reg, const char *key, const char *name)
{
	Key *k = find_key(reg, key);
	Value *v = k && !k->deleted ? find_value(k, name) : NULL;
	return v && !v->deleted ? v : NULL;
}

gboolean
sms_reg_get_dword(const SmsReg *reg, const char *key, const char *name, guint32 def,
                  guint32 *out, GError **error)
{
	Value *v = lookup(reg, key, name);
	gsize n;
	const guint8 *d;
	if (v == NULL) {
		*out = def;
		return TRUE;
	}
	d = g_bytes_get_data(v->data, &n);
	if (v->type == SMS_REG_DWORD && n == 4) {
		guint32 x;
		memcpy(&x, d, 4);
		*out = GUINT32_FROM_LE(x);
		return TRUE;
	}
	if (v->type == SMS_REG_SZ) {
		g_autofree char *s = g_strndup((const char *)d, n);
		gint64 x;
		if (sms_parse_int(g_strstrip(s), 0, G_MAXUINT32, &x, NULL)) {
			*out = (guint32)x;
			return TRUE;
		}
	}
	g_set_error(error, SMS_REG_ERROR, SMS_REG_ERROR_TYPE,
	            "registry value %s\\%s: expected a DWORD", key, name);
	return FALSE;
}

char *
sms_reg_get_string(const SmsReg *reg, const char *key, const char *name)
{
	Value *v = lookup(reg, key, name);
	gsize n;
	const char *d;
	if (v == NULL || (v->type != SMS_REG_SZ && v->type != SMS_REG_EXPAND_SZ))
		return NULL;
	d = g_bytes_get_data(v->data, &n);
	return g_strndup(d, n);
}

void
sms_reg_set_dword(SmsReg *reg, const char *key, const char *name, guint32 value)
{
	guint32 le = GUINT32_TO_LE(value);
	put_value(get_key(reg, key), name, SMS_REG_DWORD, g_bytes_new(&le, 4), FALSE);
}

void
sms_reg_set_string(SmsReg *reg, const char *key, const char *name, const char *value)
{
	put_value(get_key(reg, key), name, SMS_REG_SZ, g_bytes_new(value, strlen(value)), FALSE);
}

gboolean
sms_reg_has_key(const SmsReg *reg, const char *key)
{
	Key *k = find_key(reg, key);
	return k && !k->deleted;
}
