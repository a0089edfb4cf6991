/* pdf.h -- Package Definition Files (.PDF, SMS 1.2 SDK "Package Definition File Format")
 * and platform masks (smsinfo.h PLTFRM_*).
 *
 * A PDF is a Windows INI file (lib/ini.h) read as the SMS importer read it with
 * GetPrivateProfileString: ANSI (Windows-1252) or UTF-8 text, CRLF, trailing blanks and
 * a Ctrl-Z at the end are fine; the first of two sections or keys with the same name
 * counts; a value wrapped in quotes loses them; ';' starts a comment only at the start of
 * a line; lines Windows ignored (no '=', keys before any section) are ignored with a
 * warning. Sections and keys:
 *
 *   [PDF]                      Version (required, 1.x)
 *   [Package Definition]       Product (required), Version, Comment, SetupVariations,
 *                              WorkstationAccess, ImportDirectory, SetupDirectory
 *   [<Variation> Setup]        one per SetupVariations item: CommandLine (required),
 *                              CommandName, UserInputRequired, SynchronousSystemExitRequired,
 *                              SystemTask, SupportedPlatforms (required)
 *   [Setup Package for Sharing]  ShareName (required there), ShareAccess
 *   [Program Item Properties n]  n = 1, 2, ...: Description, CommandLine (required),
 *                              ConfigurationScript, RegistryName, DefaultINIFile,
 *                              RunMinimized, RunLocalCopyIfPresent, DriveMode,
 *                              SupportedPlatforms (required), DisplayIconInProgGroup,
 *                              SetupIcon
 *   [Setup Package for Inventory]  InventoryThisPackage, Detection Rule Part n
 *   [File n]                   each file a detection rule names: Filename or FILE
 *                              (required), Collect, Size, Date, Time, BYTE, WORD, LONG,
 *                              Checksum, CRC, Token 1..4
 *
 * Keys SMS did not read (vendor extras such as Company=) and sections it did not read are
 * kept in `extras` with a warning; a missing required key or a value that does not parse
 * is an error naming file:line. man/smsemu-pdf.5 has the details and the defaults.
 */
#pragma once
#include "common.h"
#include "reg.h"

#define SMS_PDF_ERROR (sms_pdf_error_quark())
GQuark sms_pdf_error_quark(void);
typedef enum {
	SMS_PDF_ERROR_SYNTAX,          /* file:line: not INI text */
	SMS_PDF_ERROR_ENCODING,        /* NUL bytes, broken UTF-16 (byte offset) */
	SMS_PDF_ERROR_VERSION,         /* [PDF] Version is not 1.x */
	SMS_PDF_ERROR_MISSING_SECTION, /* [PDF], [Package Definition], [X Setup], [File n] */
	SMS_PDF_ERROR_MISSING_KEY,     /* a key the import cannot do without */
	SMS_PDF_ERROR_BAD_VALUE,       /* a value that does not parse */
	SMS_PDF_ERROR_DUPLICATE,       /* a setup variation or command name given twice */
	SMS_PDF_ERROR_EMPTY,           /* no command lines, no sharing, no inventory */
} SmsPdfError;

/* Platform bits = smsinfo.h PLTFRM_* = the OS mask of PCM instruction files (KB Q123499). */
typedef enum {
	SMS_PLATFORM_WIN16 = 0x01,        /* Windows 3.1 */
	SMS_PLATFORM_WIN32_X86 = 0x02,    /* Windows NT (x86) */
	SMS_PLATFORM_WIN32_MIPS = 0x04,   /* Windows NT (MIPS) */
	SMS_PLATFORM_WIN32_ALPHA = 0x08,  /* Windows NT (Alpha) */
	SMS_PLATFORM_DOS5 = 0x10,         /* MS-DOS 5.x */
	SMS_PLATFORM_DOS6 = 0x20,         /* MS-DOS 6.x */
	SMS_PLATFORM_MACINTOSH = 0x40,
	SMS_PLATFORM_WIN95 = 0x80,
	SMS_PLATFORM_MSDOS = 0x30,        /* "MS-DOS" without a version: both */
	SMS_PLATFORM_ALL = 0xff,
} SmsPlatform;
/* A platform name, versioned or not, any case: "MS-DOS", "MS-DOS 6.22", "Windows 3.1",
 * "Windows", "Windows for Workgroups 3.11", "Windows95", "Windows 95", "Windows NT (x86)",
 * "Windows NT 3.51 (x86)", "Windows NT 4.0 (Alpha)", "Windows NT" (= x86), "Macintosh".
 * The version is checked for form and discarded, as SMS 1.2 did. 0 when unknown. */
guint32 sms_platform_from_name(const char *name);
/* "v1, v2" (quotes around items removed) -> mask. FALSE with *out_bad (newly allocated,
 * may be NULL) set to the first unknown name. An empty list gives 0. */
gboolean sms_platform_parse_list(const char *list, guint32 *out, char **out_bad);
/* "Windows 3.1, Windows 95, Windows NT (x86)" (newly allocated; names that
 * sms_platform_from_name reads back; unknown bits as 0x..). */
char *sms_platform_mask_to_string(guint32 mask);

/* WorkstationAccess / ShareAccess bits (smsinfo.h PACKAGE_*). */
enum {
	SMS_ACCESS_USER_READ = 0x1, SMS_ACCESS_USER_WRITE = 0x2,
	SMS_ACCESS_GUEST_READ = 0x4, SMS_ACCESS_GUEST_WRITE = 0x8,
	SMS_ACCESS_ALL = 0xf,
};

/* Program item DriveMode (smsinfo.h PI_DRIVEMODE_*). */
typedef enum {
	SMS_PDF_DRIVE_UNC = 1, SMS_PDF_DRIVE_ANY_LETTER = 2, SMS_PDF_DRIVE_SPECIFIC_LETTER = 3,
} SmsPdfDriveMode;

/* One "key = value" of the file, value as Windows returned it. */
typedef struct {
	char *section;
	char *key;
	char *value;
	int line;
} SmsPdfEntry;

typedef struct {
	char *variation;          /* "Typical": the command line's name in jobs */
	char *name;               /* CommandName (PCM's "Command Name"), or the variation */
	char *command_line;
	guint32 platforms;        /* at least one bit */
	gboolean user_input_required;
	gboolean sync_exit;       /* SynchronousSystemExitRequired */
	gboolean system_task;     /* System (Background) Task: PCMSVC32 runs it */
	gboolean automated;       /* WCL_AUTOMATED_COMMAND_LINE: no user input (or system task) */
	int line;                 /* of the [X Setup] section */
} SmsPdfCommand;

typedef struct {
	int index;                /* n of [Program Item Properties n] */
	char *description, *command_line;
	char *configuration_script, *registry_name, *default_ini_file, *setup_icon; /* or NULL */
	gboolean run_minimized, run_local_copy, display_icon;
	SmsPdfDriveMode drive_mode;
	char drive_letter;        /* 'W' for SPECIFIC_DRIVE_LETTER W:, else 0 */
	guint32 platforms;
	int line;
} SmsPdfProgramItem;

typedef struct {
	char *section;            /* "File 1", as the detection rule names it */
	char *filename;
	gboolean collect;
	GPtrArray *attributes;    /* SmsPdfEntry*: the non-empty Size, Date, Time, BYTE, WORD,
	                           * LONG, Checksum, CRC, Token n (checked for form) */
	int line;
} SmsPdfFile;

typedef struct {
	char *path;
	SmsTextEncoding encoding;
	char *pdf_version;
	char *product, *version, *comment;   /* version, comment: NULL when absent */
	guint access;             /* WorkstationAccess bits; default SMS_ACCESS_ALL */
	char *import_directory;   /* relative to the PDF ('\' turned into '/'), or NULL */
	char *setup_directory;
	GPtrArray *commands;      /* SmsPdfCommand*, in SetupVariations order */
	char *share_name;         /* NULL: no [Setup Package for Sharing] */
	guint share_access;
	GPtrArray *program_items; /* SmsPdfProgramItem*, by index */
	gboolean inventory;       /* InventoryThisPackage and a detection rule */
	GPtrArray *detection_rule;  /* char*: "File 1", "AND", "(", ... */
	GPtrArray *inventory_files; /* SmsPdfFile*, in rule order, each once */
	GPtrArray *inventory_rules; /* SmsPdfEntry*: [Setup Package for Inventory] and the
	                             * [File n] it names, in file order */
	GPtrArray *extras;        /* SmsPdfEntry*: keys SMS did not read (an entry with key
	                           * NULL stands for an empty unknown section) */
	GPtrArray *warnings;      /* char* "file:line: ..." */
} SmsPdf;

void sms_pdf_free(SmsPdf *pdf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdf, sms_pdf_free)
void sms_pdf_entry_free(SmsPdfEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdfEntry, sms_pdf_entry_free)
void sms_pdf_command_free(SmsPdfCommand *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdfCommand, sms_pdf_command_free)
void sms_pdf_program_item_free(SmsPdfProgramItem *it);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdfProgramItem, sms_pdf_program_item_free)
void sms_pdf_file_free(SmsPdfFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsPdfFile, sms_pdf_file_free)
/* path is for messages (and is kept in pdf->path). */
gboolean sms_pdf_parse(const char *path, const char *data, gsize len, SmsPdf **out,
                       GError **error);
gboolean sms_pdf_load(const char *path, SmsPdf **out, GError **error);
