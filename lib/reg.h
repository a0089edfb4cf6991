/* reg.h -- Windows registry files: REGEDIT4 and "Windows Registry Editor Version 5.00".
 *
 * An SmsReg is an in-memory registry: keys (case-insensitive paths such as
 * HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SMS\Components\SMS_Despooler) holding named
 * values. Parsing understands strings with \\ and \" escapes, dword:, hex:, hex(N):,
 * continuation lines ending in '\', key deletion [-KEY], value deletion "name"=-, the
 * default value @, UTF-16LE files with a BOM (version 5), CRLF and Ctrl-Z. Importing a
 * file into a registry (sms_reg_merge) applies its deletions too.
 */
#pragma once
#include "common.h"

#define SMS_REG_ERROR (sms_reg_error_quark())
GQuark sms_reg_error_quark(void);
typedef enum {
	SMS_REG_ERROR_SYNTAX,    /* path:line: what was expected */
	SMS_REG_ERROR_HEADER,    /* not a REGEDIT4 / version 5 file */
	SMS_REG_ERROR_TYPE,      /* a value has another type than asked for */
} SmsRegError;

typedef enum {
	SMS_REG_SZ = 1, SMS_REG_EXPAND_SZ = 2, SMS_REG_BINARY = 3, SMS_REG_DWORD = 4,
	SMS_REG_MULTI_SZ = 7,
} SmsRegType;

typedef struct SmsReg SmsReg;

SmsReg *sms_reg_new(void);
void sms_reg_free(SmsReg *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsReg, sms_reg_free)

gboolean sms_reg_parse(const char *path, const char *data, gsize len, SmsReg **out,
                       GError **error);
gboolean sms_reg_load(const char *path, SmsReg **out, GError **error);
/* Apply `patch` (as parsed from a .reg file, with its deletions) onto reg. */
gboolean sms_reg_merge(SmsReg *reg, const SmsReg *patch, GError **error);
/* REGEDIT4 text, keys and values in a stable (sorted) order; atomic write. */
char *sms_reg_to_text(const SmsReg *reg);
gboolean sms_reg_save(const SmsReg *reg, const char *path, GError **error);

/* DWORD value, or a string holding a number; absent key/value -> def. */
gboolean sms_reg_get_dword(const SmsReg *reg, const char *key, const char *name, guint32 def,
                           guint32 *out, GError **error);
/* String value (copied) or NULL when absent. */
char *sms_reg_get_string(const SmsReg *reg, const char *key, const char *name);
void sms_reg_set_dword(SmsReg *reg, const char *key, const char *name, guint32 value);
void sms_reg_set_string(SmsReg *reg, const char *key, const char *name, const char *value);
gboolean sms_reg_delete_value(SmsReg *reg, const char *key, const char *name);
gboolean sms_reg_delete_key(SmsReg *reg, const char *key);   /* and its subkeys */
gboolean sms_reg_has_key(const SmsReg *reg, const char *key);

/* Read a server's registry file if it exists (an empty registry otherwise). */
gboolean sms_reg_load_optional(const char *path, SmsReg **out, GError **error);
