/* sni.c -- status instructions: checks, and the status files put in place in order. */
#include "sni.h"
#include "smsini.h"

#include <stdarg.h>
#include <sys/stat.h>

G_DEFINE_QUARK(sms-sni-error-quark, sms_sni_error)

static const char *const status_names[] = { "Success", "Failed", "Executed", "Expired" };

SmsSniStatus
sms_sni_status_from_string(const char *s)
{
	for (gsize i = 0; s && i < G_N_ELEMENTS(status_names); i++)
		if (g_ascii_strcasecmp(s, status_names[i]) == 0)
			return (SmsSniStatus)i;
	return SMS_SNI_STATUS_UNKNOWN;
}

const char *
sms_sni_status_name(SmsSniStatus status)
{
	if (status < 0 || (gsize)status >= G_N_ELEMENTS(status_names))
		return NULL;
	return status_names[status];
}

static gboolean
alnum_of(const char *s, gsize n)
{
	if (s == NULL || strlen(s) != n)
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]))
			return FALSE;
	return TRUE;
}

static gboolean G_GNUC_PRINTF(3, 4)
bad(GError **error, const char *name, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return sms_throw_domain(error, SMS_SNI_ERROR, SMS_SNI_ERROR_INVALID, "%s: %s",
	                        name ? name : "status instruction", msg);
}

gboolean
sms_sni_check(const char *name, const SmsSni *s, GError **error)
{
	const struct { const char *key, *v; } texts[] = {
		{ "Type", s->type }, { "Site", s->site }, { "JobID", s->job_id },
		{ "SMSID", s->smsid }, { "Machine", s->machine }, { "Status", s->status },
		{ "StatusMIF", s->mif },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(texts); i++)
		if (texts[i].v && strpbrk(texts[i].v, "\r\n"))
			return bad(error, name, "%s: expected one line of text", texts[i].key);
	if (s->type && strcmp(s->type, SMS_SNI_TYPE) != 0)
		return bad(error, name, "Type: expected %s, got '%s'", SMS_SNI_TYPE, s->type);
	if (!alnum_of(s->site, 3))
		return bad(error, name, "Site: expected a site code of 3 letters or digits, got '%s'",
		           s->site ? s->site : "");
	if (!alnum_of(s->job_id, 8))
		return bad(error, name, "JobID: expected a job ID of 8 letters or digits, got '%s'",
		           s->job_id ? s->job_id : "");
	if (s->smsid && !sms_smsid_is_valid(s->smsid))
		return bad(error, name, "SMSID: expected an SMS ID of 8 upper-case letters or digits, "
		           "got '%s'", s->smsid);
	if (s->machine == NULL || *s->machine == '\0' || strlen(s->machine) > 15 ||
	    strpbrk(s->machine, " \t\\/:*?\"<>|;=[]") != NULL)
		return bad(error, name, "Machine: expected a computer name of 1-15 characters, got "
		           "'%s'", s->machine ? s->machine : "");
	if (sms_sni_status_from_string(s->status) == SMS_SNI_STATUS_UNKNOWN)
		return bad(error, name, "Status: expected Success, Failed, Executed or Expired, got "
		           "'%s'", s->status ? s->status : "");
	if (s->time == SMS_TIME_NONE || s->time == SMS_TIME_NEVER)
		return bad(error, name, "Time: expected the workstation's time");
	if (s->mif && (!g_str_has_suffix(s->mif, ".PCK") || strpbrk(s->mif, "/\\:") ||
	               s->mif[0] == '.' || strlen(s->mif) > 64))
		return bad(error, name, "StatusMIF: expected a file name ending in .PCK, got '%s'",
		           s->mif);
	if (s->description && strlen(s->description) > 255)
		return bad(error, name, "Description: expected at most 255 bytes, got %" G_GSIZE_FORMAT,
		           strlen(s->description));
	return TRUE;
}

/* One line that reads back as written (as far as INI allows). */
static char *
one_line(const char *s)
{
	GString *o = g_string_new(NULL);
	for (const char *p = s; *p; p++) {
		char c = (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : *p;
		if (c == ';')
			while (o->len && o->str[o->len - 1] == ' ')
				g_string_truncate(o, o->len - 1);
		g_string_append_c(o, c);
	}
	return g_strstrip(g_string_free(o, FALSE));
}

static gboolean
check_free(const char *path, GError **error)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return sms_throw_domain(error, SMS_SNI_ERROR, SMS_SNI_ERROR_EXISTS,
		                        "%s exists already", path);
	if (errno != ENOENT)
		return sms_throw_errno(error, "checking %s", path);
	return TRUE;
}

gboolean
sms_sni_write(const char *dir, const char *base, const SmsSni *s, SmsSyncMode sync,
              char **out_path, GError **error)
{
	g_autofree char *file = g_strdup_printf("%s.SNI", base);
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_autofree char *desc = s->description ? one_line(s->description) : NULL;
	g_autofree char *text = NULL;
	SmsSni w = *s;
	if (!sms_sni_check(file, s, error) || !check_free(path, error))
		return FALSE;
	w.description = desc && *desc ? desc : NULL;
	text = sms_sni_format(&w);
	if (!sms_atomic_write(path, text, strlen(text), 0644, sync, error))
		return FALSE;
	if (out_path)
		*out_path = g_steal_pointer(&path);
	return TRUE;
}

gboolean
sms_sni_deliver(const char *dir, const char *base, const SmsSni *s, const char *mif_src,
                SmsSyncMode sync, GError **error)
{
	g_autofree char *pck_name = mif_src ? g_strdup_printf("%s.PCK", base) : NULL;
	g_autofree char *pck = pck_name ? g_build_filename(dir, pck_name, NULL) : NULL;
	g_autofree char *sni_path = NULL;
	g_autoptr(GError) local = NULL;
	SmsSni w = *s;
	w.mif = pck_name;
	sni_path = g_strdup_printf("%s/%s.SNI", dir, base);
	if (!sms_sni_check(sni_path, &w, error) || !check_free(sni_path, error) ||
	    (pck && !check_free(pck, error)))
		return FALSE;
	/* 1. the status MIF, 2. the .SNI that names it (KB Q138241) */
	if (pck && !sms_atomic_copy(mif_src, pck, sync, error))
		return FALSE;
	if (!sms_sni_write(dir, base, &w, sync, NULL, &local)) {
		if (pck)
			(void)unlink(pck);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

char *
sms_sni_base_name(const char *smsid, guint seq)
{
	return g_strdup_printf("%s%03X", smsid, seq & 0xFFF);
}
