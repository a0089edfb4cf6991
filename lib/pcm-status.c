/* pcm-status.c -- the PCM's status back: status MIF + .SNI written into the workstation's
 * OUTBOX and delivered to a logon server's DESPOOLR.BOX. */
#include "components.h"
#include "atomic.h"
#include "db.h"
#include "ini.h"
#include "ins.h"
#include "job.h"
#include "mif.h"
#include "pcm.h"
#include "pcm-private.h"
#include "pdf.h"
#include "share.h"
#include "smsini.h"
#include "sni.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* ---- status back ------------------------------------------------------------------ */

static char *
outbox_dir(SmsSite *site, const char *machine)
{
	g_autofree char *wdir = sms_layout_workstation(site, machine);
	return g_build_filename(wdir, "OUTBOX", NULL);
}


/* Status into the workstation's OUTBOX: the status MIF (.PCK) first, then the .SNI
 * naming it (KB Q138241: never an .SNI without its MIF), and a pcm_outbox row; moved to
 * the logon server by pcm_deliver() once the transaction committed. Names come from the
 * sequence in pcm_clients, so a pass re-run after a crash writes the same names. */
/* A description fits an .SNI: at most 255 bytes, cut at a character boundary. */
static char *
sni_description(const char *d)
{
	const char *end;
	if (d == NULL)
		return NULL;
	if (strlen(d) <= 255)
		return g_strdup(d);
	end = d + 255;
	if (g_utf8_validate(d, -1, NULL))
		end = g_utf8_find_prev_char(d, end + 1) ? g_utf8_find_prev_char(d, end + 1) : d;
	return g_strndup(d, (gsize)(end - d));
}

gboolean
pcm_write_status(SmsSite *site, Client *c, const char *job, const char *site_code,
                 const char *status, const char *description, const StatusMif *mif, SmsTime now,
                 GError **error)
{
	g_autofree char *box = outbox_dir(site, c->machine);
	g_autofree char *base = NULL;
	g_autofree char *mif_name = NULL;
	g_autoptr(SmsSni) sni = g_new0(SmsSni, 1);
	SmsTime wt = now + c->offset * SMS_MINUTE;   /* the workstation's clock */
	c->seq++;
	base = sms_sni_base_name(c->smsid, (guint)c->seq & 0xFFF);
	if (!sms_mkdir_p(box, error))
		return FALSE;
	/* files of this name can only be left over by a pass that did not commit */
	for (int k = 0; k < 2; k++) {
		g_autofree char *old = g_strdup_printf("%s/%s.%s", box, base, k ? "SNI" : "PCK");
		if (unlink(old) < 0 && errno != ENOENT)
			return sms_throw_errno(error, "removing %s", old);
	}
	if (mif && mif->kind != MIF_NONE) {
		g_autofree char *dst = NULL;
		mif_name = g_strdup_printf("%s.PCK", base);
		dst = g_build_filename(box, mif_name, NULL);
		if (mif->kind == MIF_COPY) {
			if (!sms_atomic_copy(mif->path, dst, SMS_SYNC_FILE, error))
				return FALSE;
		} else if (mif->kind == MIF_MOVE) {
			/* the MIF the setup program wrote, passed on as it is */
			if (rename(mif->path, dst) < 0 &&
			    (errno != EXDEV || !sms_atomic_copy(mif->path, dst, SMS_SYNC_FILE, error) ||
			     unlink(mif->path) < 0))
				return sms_throw_errno(error, "moving %s to %s", mif->path, dst);
		} else if (!sms_mif_write_status(dst, "smsemu PCM", mif->product, NULL, "ENU", NULL,
		                                 description, mif->success, wt, error)) {
			return FALSE;
		}
	}
	sni->type = g_strdup(SMS_SNI_TYPE);
	/* the site code of the job (its ID begins with the creating site's code, KB Q172899:
	 * "VAQ VAQ0000F"); the record's SiteID is the client's site (KB Q123499) */
	sni->site = strlen(job) >= 8 ? g_strndup(job, 3)
	                             : g_strdup(site_code ? site_code : site->code);
	sni->job_id = g_strdup(job);
	sni->smsid = g_strdup(c->smsid);
	sni->machine = g_strdup(c->machine);
	sni->status = g_strdup(status);
	sni->mif = g_strdup(mif_name);
	sni->description = sni_description(description);
	sni->time = wt;
	/* after its status MIF (KB Q138241) */
	if (!sms_sni_write(box, base, sni, SMS_SYNC_FILE, NULL, error))
		return FALSE;
	c->outbox = TRUE;
	return exec_args(site, error, "INSERT OR REPLACE INTO pcm_outbox(machine, base, mif) VALUES "
	                 "(?, ?, ?)", "ssi", c->machine, base, (gint64)(mif_name != NULL)) &&
	       exec_args(site, error, "UPDATE pcm_clients SET seq = ? WHERE machine = ?", "is",
	                 (gint64)c->seq, c->machine);
}

static gboolean
move_into(const char *from, const char *to, gboolean *moved, GError **error)
{
	*moved = FALSE;
	if (rename(from, to) == 0) {
		*moved = TRUE;
		return TRUE;
	}
	if (errno == ENOENT)
		return TRUE;    /* delivered already (a crash before the row was deleted) */
	if (errno != EXDEV)
		return sms_throw_errno(error, "moving %s to %s", from, to);
	if (!sms_atomic_copy(from, to, SMS_SYNC_FILE, error))
		return FALSE;
	if (unlink(from) < 0 && errno != ENOENT)
		return sms_throw_errno(error, "removing %s", from);
	*moved = TRUE;
	return TRUE;
}


void
pcm_delivered_free(gpointer p)
{
	Delivered *d = p;
	g_free(d->machine);
	g_free(d->box);
	g_free(d->out);
	g_ptr_array_unref(d->bases);
	g_free(d);
}

/* Move a workstation's waiting status files into its logon server's DESPOOLR.BOX,
 * each .PCK before its .SNI. Runs outside the check's transaction (after its commit);
 * what was moved is added to done (its pcm_outbox rows are deleted afterwards). */
gboolean
pcm_deliver(SmsSite *site, const char *machine, SmsTime now, GPtrArray *done, GError **error)
{
	g_auto(Client) c = { 0 };
	g_autofree char *server = NULL;
	g_autofree char *box = NULL;
	g_autofree char *out = outbox_dir(site, machine);
	g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) mifs = g_array_new(FALSE, FALSE, sizeof(gboolean));
	sqlite3_stmt *st;
	gboolean row;
	Delivered *d;
	if (!pcm_load_client(site, machine, &c, error))
		return FALSE;
	st = sms_db_stmt(site->db, "SELECT base, mif FROM pcm_outbox WHERE machine = ? ORDER BY id",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	for (;;) {
		gboolean m;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(bases, sms_db_col_text(st, 0));
		m = sqlite3_column_int(st, 1) != 0;
		g_array_append_val(mifs, m);
	}
	if (bases->len == 0)
		return TRUE;
	server = pcm_reachable_logon_server(site, &c);
	if (server == NULL) {
		/* logged in turn with the deliveries, rows kept */
		d = g_new0(Delivered, 1);
		d->machine = g_strdup(machine);
		d->out = g_steal_pointer(&out);
		d->bases = g_steal_pointer(&bases);
		g_ptr_array_add(done, d);
		return TRUE;
	}
	box = sms_layout_logon_despool(site, server);
	if (!sms_mkdir_p(box, error))
		return FALSE;
	for (guint i = 0; i < bases->len; i++) {
		const char *base = bases->pdata[i];
		gboolean moved;
		if (g_array_index(mifs, gboolean, i)) {
			g_autofree char *from = g_strdup_printf("%s/%s.PCK", out, base);
			g_autofree char *to = g_strdup_printf("%s/%s.PCK", box, base);
			if (!move_into(from, to, &moved, error) || (moved && !sms_fsync_dir(box, error)))
				return FALSE;
			if (sms_fault("pcm-between-mif-and-sni", error))
				return FALSE;
		}
		{
			g_autofree char *from = g_strdup_printf("%s/%s.SNI", out, base);
			g_autofree char *to = g_strdup_printf("%s/%s.SNI", box, base);
			if (!move_into(from, to, &moved, error))
				return FALSE;
		}
	}
	if (!sms_fsync_dir(box, error))
		return FALSE;
	d = g_new0(Delivered, 1);
	d->machine = g_strdup(machine);
	d->box = g_steal_pointer(&box);
	d->bases = g_steal_pointer(&bases);
	g_ptr_array_add(done, d);
	return TRUE;
}

/* Machines with status files waiting (pcm_outbox rows). */
GHashTable *
pcm_outbox_machines(SmsSite *site, GError **error)
{
	g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT DISTINCT machine FROM pcm_outbox", error);
	gboolean row;
	if (st == NULL)
		return NULL;
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return NULL;
		if (!row)
			break;
		g_hash_table_add(set, sms_db_col_text(st, 0));
	}
	return g_steal_pointer(&set);
}

gboolean
pcm_has_outbox(SmsSite *site, const char *machine)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT 1 FROM pcm_outbox WHERE machine = ? LIMIT 1",
	                               NULL);
	gboolean row = FALSE;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	if (!sms_db_step(site->db, st, &row, NULL))
		row = FALSE;
	sqlite3_reset(st);
	return row;
}
