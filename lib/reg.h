/* reg.h -- Windows registry files: REGEDIT4 and "Windows Registry Editor Version 5.00".
 *
 * An SmsReg is an in-memory registry: keys (case-insensitive paths such as
 * HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SMS\Components\SMS_Despooler) holding named
 * values (the default value is the name "" and is written @). Values are typed:
 * REG_SZ "strings" (\\ and \" escapes), dword:0000000c, hex: (REG_BINARY), hex(2):
 * (REG_EXPAND_SZ), hex(7): (REG_MULTI_SZ), any other hex(N):; hex lists may continue on
 * the next line after a trailing '\'. [-KEY] deletes a key with its subkeys and
 * "name"=- deletes a value.
 *
 * Text is decoded as Windows did: version 5 files are usually UTF-16LE with a BOM,
 * REGEDIT4 files are ANSI (Windows-1252; UTF-8 is accepted too); CRLF, trailing blanks
 * and a Ctrl-Z at the end are fine. Strings are kept as UTF-8; hex(2)/hex(7) data is
 * decoded from ANSI (REGEDIT4) or UTF-16LE (version 5).
 *
 * Parsing a file gives the registry the file describes (as if imported into an empty
 * registry) and also remembers the file's operations in order, so that sms_reg_merge
 * can import it onto another registry with the same semantics as regedit /s, deletions
 * included. The set/delete functions record their operations the same way.
 *
 * Key arguments of the lookup functions may use the usual abbreviations of the roots
 * (HKLM, HKCU, HKCR, HKU, HKCC); files must spell the roots out, as regedit requires.
 */
#pragma once
#include "common.h"

#define SMS_REG_ERROR (sms_reg_error_quark())
GQuark sms_reg_error_quark(void);
typedef enum {
	SMS_REG_ERROR_SYNTAX,    /* path:line: what was expected */
	SMS_REG_ERROR_HEADER,    /* not a REGEDIT4 / version 5 file */
	SMS_REG_ERROR_TYPE,      /* a value has another type than asked for */
	SMS_REG_ERROR_ENCODING,  /* bad UTF-16, NUL bytes in ANSI text (byte offset) */
	SMS_REG_ERROR_RANGE,     /* an SMS setting outside what SMS could hold (path:line) */
} SmsRegError;

typedef enum {
	SMS_REG_NONE = 0, SMS_REG_SZ = 1, SMS_REG_EXPAND_SZ = 2, SMS_REG_BINARY = 3,
	SMS_REG_DWORD = 4, SMS_REG_DWORD_BIG_ENDIAN = 5, SMS_REG_LINK = 6, SMS_REG_MULTI_SZ = 7,
	SMS_REG_QWORD = 11,
} SmsRegType;

typedef struct SmsReg SmsReg;

SmsReg *sms_reg_new(void);
void sms_reg_free(SmsReg *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsReg, sms_reg_free)

/* Parse a .reg file held in memory (path is for messages: "path:line: expected ..."). */
gboolean sms_reg_parse(const char *path, const char *data, gsize len, SmsReg **out,
                       GError **error);
gboolean sms_reg_load(const char *path, SmsReg **out, GError **error);
/* Read a server's registry file if it exists (an empty registry otherwise). */
gboolean sms_reg_load_optional(const char *path, SmsReg **out, GError **error);
/* The SMS component settings of a site server's registry (SMS_Despooler forced
 * disconnection, SMS_LAN_Sender retries and limits, SMS_Scheduler compression): each one
 * present must be a DWORD (or a string holding a number) within what SMS could hold.
 * The error names path:line of the value (line 0 for a value not read from a file). */
gboolean sms_reg_check_settings(const SmsReg *reg, const char *path, GError **error);
/* sms_reg_load_optional + sms_reg_check_settings: how the components read their settings. */
gboolean sms_reg_load_settings(const char *path, SmsReg **out, GError **error);
/* Import `patch` onto reg: replay the patch's operations in order (key deletions with
 * their subkeys, value deletions, values set). Nothing fails today; the error is there
 * for the signature's sake. */
gboolean sms_reg_merge(SmsReg *reg, const SmsReg *patch, GError **error);

/* REGEDIT4 text: CRLF line ends, keys sorted component by component, the default value
 * first and the other values sorted by name (case-insensitively), hex lists wrapped at 80
 * columns like regedit. Strings are written in Windows-1252; a character it cannot hold
 * is written as '?', as Windows did when exporting REGEDIT4. */
char *sms_reg_to_text(const SmsReg *reg);
/* Write sms_reg_to_text() to path atomically (lib/atomic.h). */
gboolean sms_reg_save(const SmsReg *reg, const char *path, GError **error);

/* Lookups. A missing key or value gives the default; a value of an unsuitable type is an
 * SMS_REG_ERROR_TYPE error naming key and value. */
/* REG_DWORD (also REG_BINARY/hex(4) of 4 bytes) or a string holding a number (decimal or
 * 0x-hex, surrounding blanks allowed), as SMS stored some counters as REG_SZ. */
gboolean sms_reg_get_dword(const SmsReg *reg, const char *key, const char *name, guint32 def,
                           guint32 *out, GError **error);
/* REG_SZ or REG_EXPAND_SZ (not expanded); *out is a copy of def (may be NULL) if absent. */
gboolean sms_reg_get_string_value(const SmsReg *reg, const char *key, const char *name,
                                  const char *def, char **out, GError **error);
/* String value (copied) or NULL when absent or not a string. */
char *sms_reg_get_string(const SmsReg *reg, const char *key, const char *name);
/* REG_MULTI_SZ as a NULL-terminated list, or NULL when absent or of another type. */
GStrv sms_reg_get_multi_string(const SmsReg *reg, const char *key, const char *name);
/* The value's data (see sms_reg_set_data for its form) or NULL when absent; *out_type
 * (may be NULL) receives the type. */
GBytes *sms_reg_get_data(const SmsReg *reg, const char *key, const char *name,
                         guint32 *out_type);

gboolean sms_reg_has_key(const SmsReg *reg, const char *key);   /* also TRUE for parents */
gboolean sms_reg_has_value(const SmsReg *reg, const char *key, const char *name);
/* Names of the values of key ("" = default value), sorted; empty if the key is absent. */
GPtrArray *sms_reg_value_names(const SmsReg *reg, const char *key);
/* Full paths of every key, sorted as sms_reg_to_text writes them. */
GPtrArray *sms_reg_key_paths(const SmsReg *reg);

/* Changes (recorded as operations, see sms_reg_merge). Setting a value creates the key. */
void sms_reg_create_key(SmsReg *reg, const char *key);
void sms_reg_set_dword(SmsReg *reg, const char *key, const char *name, guint32 value);
void sms_reg_set_string(SmsReg *reg, const char *key, const char *name, const char *value);
void sms_reg_set_expand_string(SmsReg *reg, const char *key, const char *name,
                               const char *value);
void sms_reg_set_multi_string(SmsReg *reg, const char *key, const char *name,
                              const char *const *values);
/* Any type; data in the form sms_reg_get_data returns (REG_SZ/EXPAND_SZ: UTF-8 without
 * NUL; REG_MULTI_SZ: each UTF-8 string followed by a NUL; REG_DWORD: 4 bytes little-endian;
 * anything else: the bytes as stored). */
void sms_reg_set_data(SmsReg *reg, const char *key, const char *name, guint32 type,
                      const void *data, gsize len);
gboolean sms_reg_delete_value(SmsReg *reg, const char *key, const char *name);
gboolean sms_reg_delete_key(SmsReg *reg, const char *key);   /* and its subkeys */

/* Windows text files (shared by the .reg, status MIF and PDF readers). */
typedef enum {
	SMS_TEXT_ANSI,       /* Windows-1252 (8-bit, not valid UTF-8) */
	SMS_TEXT_UTF8,       /* valid UTF-8 (plain ASCII included), BOM or not */
	SMS_TEXT_UTF16LE,    /* FF FE byte order mark */
	SMS_TEXT_UTF16BE,    /* FE FF byte order mark */
} SmsTextEncoding;
/* Decode a file as Windows did into NUL-terminated UTF-8: a UTF-16 file needs its BOM;
 * 8-bit text that is not valid UTF-8 is Windows-1252. The text ends at the first Ctrl-Z
 * (DOS end of file). A NUL byte in 8-bit text or broken UTF-16 is an
 * SMS_REG_ERROR_ENCODING error naming path and byte offset. out_enc may be NULL. */
gboolean sms_text_decode(const char *path, const char *data, gsize len, char **out,
                         gsize *out_len, SmsTextEncoding *out_enc, GError **error);
/* UTF-8 to Windows-1252; characters it cannot hold become '?'. */
char *sms_text_to_ansi(const char *utf8, gsize *out_len);
