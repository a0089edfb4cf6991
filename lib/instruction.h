/* instruction.h -- site-to-site hand-off files: despooler instructions (.INS in
 * RECEIVE, written by the Scheduler into TOSEND and delivered by the Sender) and send
 * requests (.SRQ/.SRS in the Sender's outbox).
 *
 * Both are INI text (so a user can read them) ending with a "[End] CRC32=xxxxxxxx" line
 * over everything before it: a truncated or corrupt file is detected and moved aside,
 * never half-processed (KB Q159201).
 */
#pragma once
#include "common.h"
#include "smstime.h"

#define SMS_INSTR_ERROR (sms_instr_error_quark())
GQuark sms_instr_error_quark(void);
typedef enum {
	SMS_INSTR_ERROR_TRUNCATED,  /* no [End] line */
	SMS_INSTR_ERROR_CORRUPT,    /* checksum mismatch */
	SMS_INSTR_ERROR_INVALID,    /* missing / bad key (file:line) */
} SmsInstrError;

typedef enum {
	SMS_INSTR_INSTALL = 1,      /* Run Command / Share Package: package + run phase */
	SMS_INSTR_REMOVE = 2,       /* Remove Package From Server */
	SMS_INSTR_CANCEL = 3,       /* cancel a job: remove its .INS records */
	SMS_INSTR_STATUS = 4,       /* job detail / package locations going up the hierarchy */
} SmsInstrKind;

typedef struct {
	char *machine, *domain, *smsid;   /* smsid may be NULL (not yet registered) */
} SmsInstrTarget;

typedef struct {
	char *table;      /* "site", "server", "machine", "location" */
	char *site, *server, *machine, *path, *detail;
	int status;
	SmsTime updated;
} SmsInstrStatusRow;

typedef struct {
	SmsInstrKind kind;
	char *id;                 /* instruction ID: 5-char job suffix + target site code */
	char *job_id;
	char *request_id;         /* RequestID of the PCM records it makes: 7 characters,
	                           * "<origin site><4 base-36>" (KB Q123499); NULL in files
	                           * written before it existed */
	int job_type;             /* SmsJobType */
	char *origin_site;        /* site that created the job */
	char *from_site;          /* site that sent this instruction */
	char *target_site;
	char *package_id, *package_name, *package_version, *package_comment;
	char *package_file;       /* archive file name delivered with it (e.g. A0100001.W00) or NULL */
	guint32 package_crc;      /* CRC-32 of the archive file */
	char *share_name, *share_access;  /* Share Package jobs */
	/* Distribute phase */
	guint dist_mode;
	char *dist_servers;       /* "SRV01, SRV02" or NULL (Default Servers) */
	int remove_tasks;         /* Remove jobs: 1 all servers, 2 selected */
	/* Run phase (Run Command jobs) */
	gboolean run_command;
	char *command_name, *command_line;
	guint32 platforms;
	guint command_flags;      /* SMS_CMD_* of job.h */
	SmsTime offer_after, mandatory_after, expires_after;   /* NONE if unset */
	gboolean force_slow_link;
	int priority;
	GPtrArray *targets;       /* SmsInstrTarget*, machines of the target site */
	GPtrArray *status_rows;   /* SmsInstrStatusRow*, SMS_INSTR_STATUS only */
	SmsTime created;
} SmsInstruction;

SmsInstruction *sms_instruction_new(SmsInstrKind kind);
void sms_instruction_free(SmsInstruction *ins);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsInstruction, sms_instruction_free)
void sms_instruction_add_target(SmsInstruction *ins, const char *machine, const char *domain,
                                const char *smsid);

char *sms_instruction_serialize(const SmsInstruction *ins, gsize *out_len);
gboolean sms_instruction_parse(const char *name, const char *data, gsize len,
                               SmsInstruction **out, GError **error);
gboolean sms_instruction_load(const char *path, SmsInstruction **out, GError **error);
/* Atomic write (temp + rename, fsync). */
gboolean sms_instruction_save(const SmsInstruction *ins, const char *path, GError **error);

/* Send request (KB Q123221, DUMPSEND): one per target site and job. */
typedef struct {
	char *id;                 /* 7-char request ID */
	char *job_id;
	int priority;
	char *target_site;
	char *target_root;        /* address: the target site's root */
	char *package_file;       /* file in TOSEND to copy first, or NULL */
	char *instruction_file;   /* file in TOSEND to copy after it */
	int attempts;             /* failed attempts so far */
	SmsTime next_attempt;     /* NONE: as soon as possible */
	SmsTime created;
} SmsSendRequest;

void sms_send_request_free(SmsSendRequest *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSendRequest, sms_send_request_free)
char *sms_send_request_serialize(const SmsSendRequest *r, gsize *out_len);
gboolean sms_send_request_parse(const char *name, const char *data, gsize len,
                                SmsSendRequest **out, GError **error);
gboolean sms_send_request_load(const char *path, SmsSendRequest **out, GError **error);
gboolean sms_send_request_save(const SmsSendRequest *r, const char *path, GError **error);
