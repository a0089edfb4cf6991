/* ini.h -- Windows-style INI files (PDFs, SMS.INI, site.ini, scenarios).
 *
 * ';' starts a comment at the start of a line or after white space; section and key
 * names are case-insensitive; order and line numbers are kept so that every error can
 * name "file:line". Entries are marked as used when read, so a caller can reject the
 * keys it did not expect (sms_ini_section_check_unused).
 */
#pragma once
#include "common.h"

#define SMS_INI_ERROR (sms_ini_error_quark())
GQuark sms_ini_error_quark(void);
typedef enum {
	SMS_INI_ERROR_SYNTAX,          /* not "[section]", "key=value", comment or blank */
	SMS_INI_ERROR_MISSING_SECTION, /* a required section is absent */
	SMS_INI_ERROR_MISSING_KEY,     /* a required key is absent or empty */
	SMS_INI_ERROR_BAD_VALUE,       /* a value does not parse */
	SMS_INI_ERROR_UNKNOWN_KEY,     /* a key the reader does not know */
	SMS_INI_ERROR_UNKNOWN_SECTION, /* a section the reader does not know */
	SMS_INI_ERROR_DUPLICATE,       /* a section or key given twice where that is not allowed */
} SmsIniError;

typedef struct {
	char *name;
	char *value;
	int line;
	gboolean used;
} SmsIniEntry;

typedef struct {
	char *name;          /* as written, without brackets */
	int line;
	GPtrArray *entries;  /* SmsIniEntry* */
	gboolean used;
} SmsIniSection;

typedef struct {
	char *path;          /* for messages and relative paths; may be "<memory>" */
	GPtrArray *sections; /* SmsIniSection*, in file order */
} SmsIni;

SmsIni *sms_ini_new(const char *path);
void sms_ini_free(SmsIni *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsIni, sms_ini_free)

/* Parse from memory; path is used in messages only. Keys before any section are an error. */
SmsIni *sms_ini_parse(const char *path, const char *data, gsize len, GError **error);
SmsIni *sms_ini_load(const char *path, GError **error);
/* Directory holding the file (for resolving relative paths). */
char *sms_ini_dir(SmsIni *ini);

SmsIniSection *sms_ini_find(SmsIni *ini, const char *section);        /* first match, ci */
/* "[Site A01]" of kind "Site" -> "A01" ("" for "[Site]"); NULL if of another kind. */
const char *sms_ini_section_arg(SmsIniSection *sec, const char *kind);
SmsIniSection *sms_ini_find_or_add(SmsIni *ini, const char *section);
SmsIniEntry *sms_ini_section_entry(SmsIniSection *sec, const char *key); /* marks used */
/* Value of key (marks it used) or NULL. */
const char *sms_ini_section_get(SmsIniSection *sec, const char *key);
const char *sms_ini_get(SmsIni *ini, const char *section, const char *key);
void sms_ini_section_set(SmsIniSection *sec, const char *key, const char *value);
void sms_ini_set(SmsIni *ini, const char *section, const char *key, const char *value);
gboolean sms_ini_section_remove(SmsIniSection *sec, const char *key);

/* Split "v1, v2 ,v3" into trimmed, non-empty items (quotes around an item are removed). */
GStrv sms_ini_split_list(const char *value);
/* Remove surrounding double quotes if present (copy). */
char *sms_ini_unquote(const char *value);

/* Set "path:line: message" as an SMS_INI_ERROR. line <= 0 omits the line. */
gboolean sms_ini_throw(GError **error, SmsIni *ini, int line, SmsIniError code,
                       const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* Reject keys of sec not read so far: "path:line: unknown key 'X' in [sec]
 * (expected one of: ...)". */
gboolean sms_ini_section_check_unused(SmsIni *ini, SmsIniSection *sec, const char *expected,
                                      GError **error);

/* Typed getters: absent -> default (return TRUE); malformed -> error naming file:line. */
gboolean sms_ini_get_int(SmsIni *ini, SmsIniSection *sec, const char *key, gint64 min,
                         gint64 max, gint64 def, gint64 *out, GError **error);
gboolean sms_ini_get_bool(SmsIni *ini, SmsIniSection *sec, const char *key, gboolean def,
                          gboolean *out, GError **error);
/* Required non-empty string. */
gboolean sms_ini_require(SmsIni *ini, SmsIniSection *sec, const char *key, const char **out,
                         GError **error);
/* Line of key in sec (0 if absent); does not mark used. */
int sms_ini_key_line(SmsIniSection *sec, const char *key);

/* Serialise ("[Sec]\r\n" is not used: '\n' line ends, "key=value"). */
char *sms_ini_to_data(SmsIni *ini, gsize *out_len);
