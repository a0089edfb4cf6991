/* mif.h -- package command status MIFs and the .SNI status instruction.
 *
 * A status MIF is text in the DMTF MIF syntax (Desktop Management Interface
 * specification; SMS 1.2 Resource Guide, "Package Command Status MIF File"): a
 * tokenizer and a small recursive-descent parser, so the layout is free: tokens are
 * keywords and bare words (case-insensitive: START, NAME, READ-ONLY, STRING(64)),
 * "strings", '=' and the { , } of table rows; blanks, line ends, blank lines and //
 * comments only separate them, so `START GROUP NAME = "InstallStatus"` may share a line
 * (KB Q186415's ISMIF32 output does) and a whole MIF may be one line. The grammar:
 *
 *   file      = { LANGUAGE|PRAGMA = value } START COMPONENT body END COMPONENT
 *   component: NAME/DESCRIPTION/... = value, groups, and START TABLE/ENUM/PATH blocks
 *              (skipped: nothing in them is status)
 *   group    : NAME, ID, CLASS, KEY, ... = value, and attributes
 *   attribute: NAME, ID, ACCESS, STORAGE, TYPE, VALUE, ... = value (TYPE = START ENUM ...
 *              END ENUM skipped)
 *   value    = "string" { "string" } | word        (adjacent strings are joined)
 *
 * The group whose CLASS is MICROSOFT|JOBSTATUS|1.0 holds Status ("Success" / "Failed",
 * any case) and Description; the DMTF|ComponentID|1.0 group (DMTF|Component|1.0 in the
 * SMS 1.2 SDK's sample OFFICE97.MIF) holds Manufacturer, Product, Version, Locale,
 * Serial Number and Installation (taken from the JOBSTATUS group when a writer put them
 * there). Attribute names match case-insensitively. Text is ANSI (Windows-1252), UTF-8
 * or UTF-16 with a BOM; CRLF and a Ctrl-Z at the end are fine.
 *
 * Strings as the writers of the time wrote them (none escaped anything): a string may
 * continue over line ends (the SDK's and KB Q186415's ISMIF32 example), and a line end
 * with the blanks around it reads as one blank; a string not closed before a line that
 * starts a block (START / END ...) is an error there. A quote ends the string when what
 * follows it on its line is nothing, a comment, ',' '}', another string or the next
 * statement (START/END and a block name, or KEYWORD =); otherwise it is text, so "C:\",
 * "C:\MSOFFICE\" and texts with quotes in them read as written. Inside, \" is a quote
 * that does not end the string; any other backslash is itself.
 *
 * Malformed syntax is an error "path:line:column: what was expected"; what a caller does
 * with it (SMS 1.2 counted the job as successful, KB Q190135) is the caller's policy.
 */
#pragma once
#include "common.h"
#include "smstime.h"

#define SMS_MIF_ERROR (sms_mif_error_quark())
GQuark sms_mif_error_quark(void);
typedef enum {
	SMS_MIF_ERROR_SYNTAX,      /* path:line:column: what was expected */
	SMS_MIF_ERROR_NO_STATUS,   /* well-formed, but no JOBSTATUS group / Status in it */
	SMS_MIF_ERROR_BAD_STATUS,  /* Status is neither Success nor Failed */
	SMS_MIF_ERROR_ENCODING,    /* NUL bytes, broken UTF-16 (byte offset) */
} SmsMifError;

typedef struct {
	char *component;          /* NAME of the component, e.g. "WORKSTATION" */
	char *manufacturer, *product, *version, *locale, *serial, *installation;
	gboolean success;         /* Status is Success */
	char *status;             /* as written ("Success", "FAILED", ...) */
	char *description;        /* NULL when absent */
	int status_line, status_col; /* where the Status attribute starts */
	GPtrArray *warnings;      /* char* "path:line:column: ...": harmless oddities (below) */
} SmsStatusMif;
/* Warnings: an empty Description (SMS 1.2 logged "error code = cb" for it, harmless,
 * KB Q169491), a Status or Description given twice (the first one counts). */

SmsStatusMif *sms_status_mif_new(void);
void sms_status_mif_free(SmsStatusMif *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsStatusMif, sms_status_mif_free)
/* name is used in messages only. */
gboolean sms_mif_parse(const char *name, const char *data, gsize len, SmsStatusMif **out,
                       GError **error);
/* Status MIFs and .SNI files are box files (lib/boxfile.h): only a regular file, never
 * through a symbolic link, of at most these sizes (a status MIF holds a few groups; a
 * MIF or .SNI over the limit goes to BAD/ with a status message). */
#define SMS_MIF_MAX_BYTES ((gsize)1 << 20)
#define SMS_SNI_MAX_BYTES ((gsize)64 << 10)
gboolean sms_mif_load(const char *path, SmsStatusMif **out, GError **error);

/* The status MIF text setup programs wrote with ISMIF32's InstallStatusMIF(): component
 * "WORKSTATION", group 1 ComponentID (Manufacturer 1, Product 2, Version 3, Locale 4,
 * Serial Number 5, Installation 6), group 2 InstallStatus (Status 1, Description 2);
 * CRLF line ends, ANSI (Windows-1252). Values are cut to ISMIF's limits (64 characters,
 * Locale 16, Description 128); control characters become blanks and a '"' an
 * apostrophe.
 * Fields of m that are NULL are written empty; m->success gives Status. */
char *sms_mif_format(const SmsStatusMif *m, gsize *out_len);
/* Shorthand kept for callers: Locale "ENU", no serial number or installation time. */
char *sms_mif_format_status(const char *manufacturer, const char *product,
                            const char *version, const char *description, gboolean success);
/* Write a status MIF atomically (lib/atomic.h), as InstallStatusMIF(szFileName,
 * szCompany, szProduct, szVersion, szLocale, szSerialNo, szMessage, bStatus) did; the
 * Installation attribute is `when` as "MM/DD/YY HH:MM:SS" (empty for SMS_TIME_NONE). */
gboolean sms_mif_write_status(const char *path, const char *manufacturer,
                              const char *product, const char *version, const char *locale,
                              const char *serial, const char *description, gboolean success,
                              SmsTime when, GError **error);

/* .SNI: the status instruction a PCM writes next to the status MIF (INI text). */
typedef struct {
	char *type;               /* "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE" */
	char *site;               /* site code */
	char *job_id;
	char *smsid;
	char *machine;
	char *status;             /* "Success", "Failed", "Expired", "Executed" */
	char *mif;                /* name of the .PCK status MIF next to it, or NULL */
	char *description;
	SmsTime time;             /* workstation clock */
} SmsSni;

void sms_sni_free(SmsSni *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSni, sms_sni_free)
char *sms_sni_format(const SmsSni *s);
gboolean sms_sni_parse(const char *name, const char *data, gsize len, SmsSni **out,
                       GError **error);
gboolean sms_sni_load(const char *path, SmsSni **out, GError **error);
