/* despooler-private.h -- what the pieces of the Despooler (despooler.c,
 * despooler-receive.c, despooler-install.c, despooler-run.c) share; not part of the
 * library API (that is despooler.h and components.h). */
#pragma once
#include "components.h"
#include "instruction.h"

#define DESP "despooler"
#define MAX_RETRIES 100

/* desp_work.state */
enum { ST_PENDING = 0, ST_RETRYING = 1, ST_DONE = 2, ST_FAILED = 3, ST_REVOKED = 4,
       ST_CANCELLED = 5 };

/* One statement with its arguments (lib/db.h). */
#define exec_args(site, error, ...) sms_db_execf((site)->db, error, __VA_ARGS__)

/* The Despooler's registry settings (of this site's site server). */
typedef struct {
	gboolean forced;
	guint32 retries;      /* y */
	guint32 delay;        /* z, minutes */
	guint32 min_free;     /* MB */
	gboolean compat_reset;/* Compat=Q140374: a restart resets the retry counts */
} Settings;

/* One install or removal of a job's package on a server (a desp_work row). */
typedef struct {
	char *job, *server, *kind;
	int state, retries;
	SmsTime t0, next_attempt, forced_at;
	char *path;
} Work;

/* despooler.c */
gboolean despool_move_aside(SmsSite *site, const char *dir, const char *name,
                            const GError *why, SmsTime now, GError **error);
gboolean despool_report(SmsSite *site, const SmsInstruction *job, const char *table,
                        const char *server, const char *machine, int status, const char *path,
                        const char *detail, SmsTime now, GError **error);

/* despooler-receive.c */
gboolean despool_load_job(SmsSite *site, const char *job, SmsInstruction **out, GError **error);
gboolean despool_check_instruction(SmsSite *site, const SmsInstruction *ins, GError **error);
gboolean despool_accept_install(SmsSite *site, const char *receive, const char *base,
                                SmsInstruction *ins, SmsTime now, GError **error);
gboolean despool_strip_ins(SmsSite *site, const char *job, const char *package, guint *out_n,
                           GError **error);
gboolean despool_accept_cancel(SmsSite *site, SmsInstruction *ins, SmsTime now, GError **error);
gboolean despool_strip_ins_machine_job(SmsSite *site, const char *machine, const char *job,
                                       guint *out_n, GError **error);
gboolean despool_process_sni(SmsSite *site, const char *receive, const char *name, SmsTime now,
                             gboolean *out_deferred, char **out_done, char **out_mif,
                             GError **error);

/* despooler-install.c */
void despool_work_free(gpointer p);
char *despool_unc_path(SmsSite *site, const char *server, const char *path);
gboolean despool_retry_later(SmsSite *site, Work *w, const char *why, SmsTime now,
                             GError **error);
gboolean despool_attempt(SmsSite *site, const Settings *cfg, Work *w, SmsTime now,
                         GHashTable *trees, GHashTable *remaining, GError **error);

/* despooler-run.c */
gboolean despool_job_installs_final(SmsSite *site, const char *job, gboolean *final,
                                    GError **error);
gboolean despool_write_run_phase(SmsSite *site, const char *job, SmsTime now, GError **error);
gboolean despool_finish_site(SmsSite *site, const char *job, SmsTime now, GError **error);
