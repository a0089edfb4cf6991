/* common.c -- error helpers, fault points, paths, strings. */
#include "common.h"
#include "boxfile.h"

#include <stdio.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>

G_DEFINE_QUARK(sms-error-quark, sms_error)

gboolean
sms_throw(GError **error, gint code, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL)
		return FALSE;
	g_return_val_if_fail(*error == NULL, FALSE);
	va_start(ap, fmt);
	*error = g_error_new_valist(SMS_ERROR, code, fmt, ap);
	va_end(ap);
	return FALSE;
}

gboolean
sms_throw_domain(GError **error, GQuark domain, gint code, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL)
		return FALSE;
	g_return_val_if_fail(*error == NULL, FALSE);
	va_start(ap, fmt);
	*error = g_error_new_valist(domain, code, fmt, ap);
	va_end(ap);
	return FALSE;
}

gboolean
sms_throw_errno(GError **error, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	g_autofree char *msg = NULL;

	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (saved == ENOSPC || saved == EDQUOT)
		*error = g_error_new(SMS_ERROR, SMS_ERROR_IO, "%s: disk full (%s)", msg,
		                     g_strerror(saved));
	else
		*error = g_error_new(SMS_ERROR, SMS_ERROR_IO, "%s: %s", msg, g_strerror(saved));
	errno = saved;
	return FALSE;
}

void
sms_fd_clear(SmsFd *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

/* ---- fault points ---------------------------------------------------- */

static GHashTable *fault_points;   /* name -> remaining hits (GINT) ; negative: abort */
static GHashTable *fault_abort;
G_LOCK_DEFINE_STATIC(fault);

static void
fault_load(void)
{
	const char *spec = g_getenv("SMSEMU_FAULT");
	g_auto(GStrv) parts = NULL;

	fault_points = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fault_abort = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (spec == NULL || *spec == '\0')
		return;
	parts = g_strsplit(spec, ",", -1);
	for (char **p = parts; *p; p++) {
		g_autofree char *name = g_strstrip(g_strdup(*p));
		char *bang = strstr(name, "!abort");
		char *colon;
		gint n = 1;

		if (bang)
			*bang = '\0';
		colon = strchr(name, ':');
		if (colon) {
			*colon = '\0';
			n = (gint)g_ascii_strtoll(colon + 1, NULL, 10);
			if (n < 1)
				n = 1;
		}
		if (*name)
			g_hash_table_insert(fault_points, g_strdup(name), GINT_TO_POINTER(n));
		if (*name && bang)
			g_hash_table_add(fault_abort, g_strdup(name));
	}
}

gboolean
sms_fault(const char *point, GError **error)
{
	gboolean fire = FALSE, do_abort = FALSE;
	gpointer val;

	{
		/* crash tests: record every fault point a run passes (SMSEMU_FAULT_TRACE=file) */
		const char *trace = g_getenv("SMSEMU_FAULT_TRACE");
		if (trace && *trace) {
			FILE *f = fopen(trace, "ae");
			if (f) {
				fprintf(f, "%s\n", point);
				fclose(f);
			}
		}
	}
	G_LOCK(fault);
	if (fault_points == NULL)
		fault_load();
	if (g_hash_table_size(fault_points) > 0 &&
	    g_hash_table_lookup_extended(fault_points, point, NULL, &val)) {
		gint n = GPOINTER_TO_INT(val);
		if (n <= 1) {
			fire = TRUE;
			do_abort = g_hash_table_contains(fault_abort, point);
			g_hash_table_remove(fault_points, point);
		} else {
			g_hash_table_insert(fault_points, g_strdup(point), GINT_TO_POINTER(n - 1));
		}
	}
	G_UNLOCK(fault);
	if (!fire)
		return FALSE;
	if (do_abort) {
		g_printerr("smsemu: fault point '%s' reached, aborting\n", point);
		_exit(134);
	}
	sms_throw(error, SMS_ERROR_FAULT, "injected fault at '%s'", point);
	return TRUE;
}

/* ---- paths ----------------------------------------------------------- */

gboolean
sms_mkdir_p(const char *path, GError **error)
{
	if (g_mkdir_with_parents(path, 0755) < 0)
		return sms_throw_errno(error, "creating directory '%s'", path);
	return TRUE;
}

static int
rm_cb(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftwbuf)
{
	(void)sb; (void)ftwbuf;
	if (typeflag == FTW_DP)
		return rmdir(fpath) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(fpath) < 0 && errno != ENOENT ? -1 : 0;
}

gboolean
sms_rm_rf(const char *path, GError **error)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return TRUE;
		return sms_throw_errno(error, "removing '%s'", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing '%s'", path);
		return TRUE;
	}
	if (nftw(path, rm_cb, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return sms_throw_errno(error, "removing tree '%s'", path);
	return TRUE;
}

gboolean
sms_path_is_safe_relative(const char *rel)
{
	g_auto(GStrv) parts = NULL;

	if (rel == NULL || *rel == '\0' || rel[0] == '/' || rel[0] == '\\')
		return FALSE;
	if (g_ascii_isalpha(rel[0]) && rel[1] == ':')
		return FALSE;
	if (strchr(rel, '\\') != NULL)
		return FALSE;
	parts = g_strsplit(rel, "/", -1);
	for (char **p = parts; *p; p++) {
		if (**p == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
			return FALSE;
	}
	return TRUE;
}

gboolean
sms_read_file(const char *path, char **out_data, gsize *out_len, GError **error)
{
	return sms_read_regular(path, SMS_READ_MAX_DEFAULT, SMS_READ_FOLLOW, out_data, out_len,
	                        error);
}

char *
sms_find_child_ci(const char *dir, const char *name)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *ent;

	if (d == NULL)
		return NULL;
	while ((ent = g_dir_read_name(d)) != NULL) {
		if (g_ascii_strcasecmp(ent, name) == 0)
			return g_strdup(ent);
	}
	return NULL;
}

char *
sms_resolve_path(const char *base_dir, const char *rel)
{
	if (g_path_is_absolute(rel) || base_dir == NULL)
		return g_strdup(rel);
	return g_build_filename(base_dir, rel, NULL);
}

/* ---- strings --------------------------------------------------------- */

char *
sms_strup(const char *s)
{
	return s ? g_ascii_strup(s, -1) : NULL;
}

gboolean
sms_str_equal_ci(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	/* as g_ascii_strcasecmp() == 0, without its call and checks (called millions of
	 * times by the parsers; most comparisons differ at the first byte) */
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca != cb && g_ascii_tolower(ca) != g_ascii_tolower(cb))
			return FALSE;
		if (ca == '\0')
			return TRUE;
	}
}

gboolean
sms_parse_int(const char *s, gint64 min, gint64 max, gint64 *out, GError **error)
{
	char *end = NULL;
	gint64 v;

	if (s == NULL || *s == '\0')
		return sms_throw(error, SMS_ERROR_INVALID, "expected a number, got nothing");
	errno = 0;
	if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X"))
		v = (gint64)g_ascii_strtoull(s + 2, &end, 16);
	else
		v = g_ascii_strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return sms_throw(error, SMS_ERROR_INVALID, "expected a number, got '%s'", s);
	if (v < min || v > max)
		return sms_throw(error, SMS_ERROR_INVALID,
		                 "expected a number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
		                 ", got %" G_GINT64_FORMAT, min, max, v);
	*out = v;
	return TRUE;
}

gboolean
sms_parse_bool(const char *s, gboolean *out, GError **error)
{
	static const char *yes[] = { "1", "yes", "true", "on", NULL };
	static const char *no[] = { "0", "no", "false", "off", NULL };

	for (int i = 0; yes[i]; i++)
		if (s && g_ascii_strcasecmp(s, yes[i]) == 0) {
			*out = TRUE;
			return TRUE;
		}
	for (int i = 0; no[i]; i++)
		if (s && g_ascii_strcasecmp(s, no[i]) == 0) {
			*out = FALSE;
			return TRUE;
		}
	return sms_throw(error, SMS_ERROR_INVALID, "expected yes/no (or TRUE/FALSE), got '%s'",
	                 s ? s : "");
}

void
sms_json_append_string(GString *buf, const char *s)
{
	g_string_append_c(buf, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': g_string_append(buf, "\\\""); break;
		case '\\': g_string_append(buf, "\\\\"); break;
		case '\n': g_string_append(buf, "\\n"); break;
		case '\r': g_string_append(buf, "\\r"); break;
		case '\t': g_string_append(buf, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(buf, "\\u%04x", *p);
			else
				g_string_append_c(buf, (char)*p);
		}
	}
	g_string_append_c(buf, '"');
}

gint
sms_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}
