/* pdf.h -- Package Definition Files (.PDF, notes §2.5) and platform masks (§2.2).
 *
 * A PDF is a Windows INI file: [PDF] Version, [Package Definition] (Product, Version,
 * Comment, SetupVariations, WorkstationAccess, ImportDirectory, SetupDirectory),
 * one [<Variation> Setup] per setup variation (CommandName, CommandLine,
 * UserInputRequired, SynchronousSystemExitRequired, SupportedPlatforms, SystemTask),
 * [Setup Package for Sharing] (ShareName, ShareAccess), [Program Item Properties n],
 * [Setup Package for Inventory] and [File n] (kept as they are). Keys SMS ignored
 * (vendor extras such as Company=) and unknown sections are kept as warnings; a missing
 * required key or a bad value is an error naming file:line.
 */
#pragma once
#include "common.h"

#define SMS_PDF_ERROR (sms_pdf_error_quark())
GQuark sms_pdf_error_quark(void);
typedef enum {
	SMS_PDF_ERROR_INVALID,    /* file:line: what was expected */
	SMS_PDF_ERROR_VERSION,    /* [PDF] Version is not 1.x */
} SmsPdfError;

/* Platform bits = smsinfo.h PLTFRM_* = the OS mask of PCM instruction files. */
enum {
	SMS_PLATFORM_WIN16 = 0x01,        /* Windows 3.1 */
	SMS_PLATFORM_WIN32_X86 = 0x02,    /* Windows NT (x86) */
	SMS_PLATFORM_WIN32_MIPS = 0x04,
	SMS_PLATFORM_WIN32_ALPHA = 0x08,
	SMS_PLATFORM_DOS5 = 0x10,
	SMS_PLATFORM_DOS6 = 0x20,
	SMS_PLATFORM_MACINTOSH = 0x40,
	SMS_PLATFORM_WIN95 = 0x80,
	SMS_PLATFORM_MSDOS = 0x30,
	SMS_PLATFORM_ALL = 0xff,
};
/* A platform name, versioned or not ("Windows NT 3.51 (x86)", "Windows95", "MS-DOS 6.22",
 * "Windows 95", "Macintosh"); 0 when unknown. */
guint32 sms_platform_from_name(const char *name);
/* "Windows NT (x86), Windows 95" (newly allocated). */
char *sms_platform_mask_to_string(guint32 mask);

enum {
	SMS_ACCESS_USER_READ = 0x1, SMS_ACCESS_USER_WRITE = 0x2,
	SMS_ACCESS_GUEST_READ = 0x4, SMS_ACCESS_GUEST_WRITE = 0x8,
};

typedef struct {
	char *variation;          /* "Typical" */
	char *name;               /* CommandName (or the variation) */
	char *command_line;
	guint32 platforms;
	gboolean user_input_required;
	gboolean sync_exit;
	gboolean system_task;     /* background task: PCMSVC32 runs it */
	int line;
} SmsPdfCommand;

typedef struct {
	char *description, *command_line, *drive_mode;
	guint32 platforms;
} SmsPdfProgramItem;

typedef struct {
	char *path;
	char *pdf_version;
	char *product, *version, *comment;
	guint access;             /* WorkstationAccess bits */
	char *import_directory;   /* relative to the PDF, or NULL */
	char *setup_directory;
	GPtrArray *commands;      /* SmsPdfCommand* */
	char *share_name;         /* NULL: no sharing properties */
	guint share_access;
	GPtrArray *program_items; /* SmsPdfProgramItem* */
	gboolean inventory;       /* InventoryThisPackage */
	GPtrArray *inventory_rules; /* "section: key=value" strings, kept verbatim */
	GPtrArray *warnings;      /* char*: ignored keys and sections */
} SmsPdf;

void sms_pdf_free(SmsPdf *pdf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdf, sms_pdf_free)
gboolean sms_pdf_parse(const char *path, const char *data, gsize len, SmsPdf **out,
                       GError **error);
gboolean sms_pdf_load(const char *path, SmsPdf **out, GError **error);
