/* mif.h -- package command status MIFs (notes §3.6) and the .SNI status instruction.
 *
 * A status MIF is DMI text: START COMPONENT / START GROUP / START ATTRIBUTE blocks
 * with NAME = , ID = , CLASS = , VALUE = lines and // comments. The group whose CLASS
 * is "MICROSOFT|JOBSTATUS|1.0" holds Status ("Success" / "Failed") and Description;
 * the ComponentID group holds Manufacturer, Product, Version, Locale, Serial Number,
 * Installation. Attribute names match case-insensitively.
 */
#pragma once
#include "common.h"
#include "smstime.h"

#define SMS_MIF_ERROR (sms_mif_error_quark())
GQuark sms_mif_error_quark(void);
typedef enum {
	SMS_MIF_ERROR_SYNTAX,      /* path:line: what was expected */
	SMS_MIF_ERROR_NO_STATUS,   /* well-formed, but no JOBSTATUS group / Status */
} SmsMifError;

typedef struct {
	char *manufacturer, *product, *version, *locale, *serial, *installation;
	gboolean success;
	char *status;             /* as written */
	char *description;
} SmsStatusMif;

void sms_status_mif_free(SmsStatusMif *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsStatusMif, sms_status_mif_free)
gboolean sms_mif_parse(const char *name, const char *data, gsize len, SmsStatusMif **out,
                       GError **error);
gboolean sms_mif_load(const char *path, SmsStatusMif **out, GError **error);
/* What ISMIF32's InstallStatusMIF() writes. */
char *sms_mif_format_status(const char *manufacturer, const char *product,
                            const char *version, const char *description, gboolean success);

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
