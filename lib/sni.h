/* sni.h -- the status instruction (.SNI) a workstation's PCM leaves in its logon server's
 * LOGON.SRV/DESPOOLR.BOX after running a command or seeing it expire (KB Q169491).
 *
 * Text, INI style (SMS's own was a line "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE VAQ
 * VAQ0000F ... VAQ00005", KB Q172899; ours names every field):
 *
 *   [Status Instruction]
 *   Type=MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE
 *   Site=A01                  site code of the job
 *   JobID=A0100001
 *   SMSID=A0101000            the workstation's SMS Unique ID
 *   Machine=AHEAD
 *   Status=Success            Success | Failed | Executed | Expired
 *   Time=1996-02-01 10:05:00  the workstation's clock (the Despooler holds a future one)
 *   StatusMIF=A0101000001.PCK the status MIF moved next to it, if any
 *   Description=...           the status MIF's description, if any
 *
 * The record SmsSni and its reader/writer (sms_sni_parse, sms_sni_load, sms_sni_format;
 * errors "file:line: ...") are declared in mif.h, included here; this module checks a
 * record and puts status files in place.
 *
 * Order (KB Q138241): SMS 1.2's PCM wrote the .SNI before the status MIF (.PCK), and a
 * Despooler that saw the .SNI alone reported a failed command as complete. Writers put
 * the status MIF in place first, then the .SNI that names it: sms_sni_deliver does both
 * in that order; a caller writing the two files itself must keep it.
 */
#pragma once
#include "common.h"
#include "atomic.h"
#include "mif.h"

#define SMS_SNI_ERROR (sms_sni_error_quark())
GQuark sms_sni_error_quark(void);
typedef enum {
	SMS_SNI_ERROR_INVALID,   /* a field that is missing, malformed, or would break the text */
	SMS_SNI_ERROR_EXISTS,    /* the .SNI or .PCK name is taken */
} SmsSniError;

#define SMS_SNI_TYPE "MICROSOFT|SMS|DOMAIN_COMMISSAR_WIREMOVE"

typedef enum {
	SMS_SNI_STATUS_UNKNOWN = -1,
	SMS_SNI_SUCCESS,         /* "Success": ran; its status MIF, if any, said Success */
	SMS_SNI_FAILED,          /* "Failed": did not start, or its status MIF said Failed */
	SMS_SNI_EXECUTED,        /* "Executed": ran, no status MIF (counted as success) */
	SMS_SNI_EXPIRED,         /* "Expired": expired on the workstation; the Despooler
	                          * removes the job from the .INS (KB Q152229, Q188042) */
} SmsSniStatus;

/* Case-insensitive; SMS_SNI_STATUS_UNKNOWN for anything else. */
SmsSniStatus sms_sni_status_from_string(const char *s);
/* "Success", "Failed", "Executed", "Expired"; NULL for UNKNOWN. */
const char *sms_sni_status_name(SmsSniStatus status);

/* Is s what a PCM writes? Site code 3 and job ID 8 letters/digits, SMS ID valid or NULL,
 * a machine name of 1-15 characters, a known status, a time, a status MIF name that is a
 * plain file name ending in .PCK, no line breaks anywhere, a description of at most 255
 * bytes. name (for messages): the file, or NULL. */
gboolean sms_sni_check(const char *name, const SmsSni *s, GError **error);

/* Write s as dir/<base>.SNI atomically (temp + rename; SMS_SYNC_FILE also fsyncs), after
 * sms_sni_check. An existing file of that name is never replaced (SMS_SNI_ERROR_EXISTS).
 * A description is stored on one line (line breaks become blanks; a ';' after a blank,
 * which a reader takes for a comment, loses the blank). *out_path may be NULL. */
gboolean sms_sni_write(const char *dir, const char *base, const SmsSni *s, SmsSyncMode sync,
                       char **out_path, GError **error);

/* The status of one command, in the order of KB Q138241's fix: the status MIF at
 * mif_src (if not NULL) copied to dir/<base>.PCK, then dir/<base>.SNI naming it (s->mif
 * is ignored). Nothing is written when s is invalid or a name is taken; when the .SNI
 * cannot be written the .PCK is removed again. */
gboolean sms_sni_deliver(const char *dir, const char *base, const SmsSni *s,
                         const char *mif_src, SmsSyncMode sync, GError **error);

/* A file base name unique per workstation and status: the SMS ID and a 3-digit hex
 * sequence ("A0101000" + 0x01A -> "A010100001A"). */
char *sms_sni_base_name(const char *smsid, guint seq);
