/* pcm-private.h -- what the pieces of the PCM (pcm.c, pcm-client.c, pcm-status.c,
 * pcm-run.c) share; not part of the library API (that is pcm.h). */
#pragma once
#include "components.h"
#include "pcm.h"

#define PCM "pcm"

/* One statement with its arguments (lib/db.h). */
#define exec_args(site, error, ...) sms_db_execf((site)->db, error, __VA_ARGS__)

typedef struct {
	char *machine, *smsid, *domain, *platform, *user, *server, *file_id, *logon_servers;
	int offset;          /* minutes */
	SmsTime logon_time, polling;
	SmsTime last_check;  /* SMS_TIME_NONE: none since logon */
	SmsTime countdown;
	int seq;
	gboolean dirty;      /* pcm_clients.dirty, kept up to date by this check */
	gboolean outbox;     /* status files waiting (pcm_outbox rows), likewise */
} Client;	/* one workstation's PCM (a pcm_clients row) */

/* Site-cache key of the logon servers' reachability during a site pass. */
#define REACHABLE_MEMO "pcm-reachable"

/* The status MIF that goes with an .SNI (pcm_write_status). */
typedef enum { MIF_NONE, MIF_COPY, MIF_MOVE, MIF_WRITE } MifSource;

typedef struct {
	MifSource kind;
	const char *path;         /* MIF_COPY / MIF_MOVE */
	const char *product;      /* MIF_WRITE */
	gboolean success;         /* MIF_WRITE */
} StatusMif;

/* A workstation's status files moved to a logon server, their rows still to delete. */
typedef struct {
	char *machine;
	char *box;     /* NULL: no logon server reachable, the files wait in out */
	char *out;
	GPtrArray *bases;  /* delivered whole (their rows deleted) */
	GPtrArray *sni_first; /* Compat=Q138241: the .SNI delivered, the .PCK not yet, or NULL */
} Delivered;

/* A command the PCM knows (a pcm_cmds row). */
typedef struct {
	char *job, *servers, *command_line, *package, *package_name, *site, *dist_server;
	SmsTime offer, mandatory, expires, run_at, finish_at;
	guint32 os_mask, flags;
	int state;
	gint64 session;
} Cmd;

void pcm_client_clear(Client *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Client, pcm_client_clear)

/* pcm.c */
gboolean pcm_ensure_schema(SmsSite *site, GError **error);

/* pcm-client.c */
gboolean pcm_load_client(SmsSite *site, const char *machine, Client *c, GError **error);
SmsTime pcm_poll_at(const Client *c, SmsTime t);
char *pcm_reachable_logon_server(SmsSite *site, const Client *c);
gboolean pcm_use_logon_server(SmsSite *site, Client *c, SmsTime now, GError **error);
gboolean pcm_read_instructions(SmsSite *site, Client *c, SmsTime now, GError **error);

/* pcm-status.c */
gboolean pcm_write_status(SmsSite *site, Client *c, const char *job, const char *site_code,
                          const char *status, const char *description, const StatusMif *mif,
                          SmsTime now, GError **error);
void pcm_delivered_free(gpointer p);
gboolean pcm_deliver(SmsSite *site, const char *machine, SmsTime now, GPtrArray *done,
                     GError **error);
GHashTable *pcm_outbox_machines(SmsSite *site, GError **error);
gboolean pcm_has_outbox(SmsSite *site, const char *machine);

/* pcm-run.c */
void pcm_cmd_free(gpointer p);
gboolean pcm_load_cmds(SmsSite *site, const char *machine, GPtrArray *out, GError **error);
gboolean pcm_is_background(const Cmd *cmd);
gboolean pcm_mode_allows(SmsPcmMode mode, const Cmd *cmd);
gboolean pcm_start_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error);
gboolean pcm_disconnected(SmsSite *site, const Cmd *cmd, char **reason);
gboolean pcm_finish_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error);
