/* pcm-run.c -- the PCM's commands: loading them, choosing the distribution server,
 * running a command (simulated outcome or a real one with --execute) while holding its
 * files, and its end. */
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

static gboolean execute_mode;

void
sms_pcm_set_execute(gboolean execute)
{
	execute_mode = execute;
}
/* ---- commands ------------------------------------------------------------------------ */


void
pcm_cmd_free(gpointer p)
{
	Cmd *c = p;
	g_free(c->job); g_free(c->servers); g_free(c->command_line); g_free(c->package);
	g_free(c->package_name); g_free(c->site); g_free(c->dist_server); g_free(c);
}

/* Live commands, due mandatory ones in mandatory-time order (KB Q173388, fixed SP4). */
gboolean
pcm_load_cmds(SmsSite *site, const char *machine, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT job, state, offer, mandatory, expires, "
	                               "os_mask, flags, servers, command_line, package, site, run_at,"
	                               " finish_at, session, dist_server, package_name FROM pcm_cmds "
	                               "WHERE machine = ? AND state BETWEEN 0 AND 3 ORDER BY "
	                               "coalesce(mandatory, offer), job", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, machine);
	for (;;) {
		Cmd *c;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		c = g_new0(Cmd, 1);
		c->job = sms_db_col_text(st, 0);
		c->state = sqlite3_column_int(st, 1);
		c->offer = sms_db_col_time(st, 2);
		c->mandatory = sms_db_col_time(st, 3);
		c->expires = sms_db_col_time(st, 4);
		c->os_mask = (guint32)sqlite3_column_int64(st, 5);
		c->flags = (guint32)sqlite3_column_int64(st, 6);
		c->servers = sms_db_col_text(st, 7);
		c->command_line = sms_db_col_text(st, 8);
		c->package = sms_db_col_text(st, 9);
		c->site = sms_db_col_text(st, 10);
		c->run_at = sms_db_col_time(st, 11);
		c->finish_at = sms_db_col_time(st, 12);
		c->session = sqlite3_column_type(st, 13) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 13);
		c->dist_server = sms_db_col_text(st, 14);
		c->package_name = sms_db_col_text(st, 15);
		g_ptr_array_add(out, c);
	}
	return TRUE;
}

gboolean
pcm_is_background(const Cmd *cmd)
{
	return (cmd->flags & SMS_CMD_BACKGROUND) != 0;
}

/* Does this PCM act on the command? PCMWIN32 leaves System (Background) Tasks to
 * PCMSVC32 ("marked for service-only execution"), PCMSVC32 runs nothing else. */
gboolean
pcm_mode_allows(SmsPcmMode mode, const Cmd *cmd)
{
	return mode == SMS_PCM_MODE_ALL || (mode == SMS_PCM_MODE_SERVICE) == pcm_is_background(cmd);
}

static char *
unc_server(const char *unc)
{
	const char *p = unc;
	const char *end;
	while (*p == '\\')
		p++;
	end = strchr(p, '\\');
	return end ? g_ascii_strup(p, end - p) : g_ascii_strup(p, -1);
}

/* Local directory of the package on `server`: where the Despooler installed it, else
 * \\SERVER\SMS_PKG<d>\PKG\ of the command's server list mapped into the site root. */
static char *
package_dir(SmsSite *site, const char *server, const Cmd *cmd)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT path FROM package_locations WHERE package = "
	                               "? AND server = ? AND kind = 'package'", NULL);
	g_auto(GStrv) list = NULL;
	gboolean row;
	if (st) {
		g_autofree char *p = NULL;
		sms_db_bind_text(st, 1, cmd->package);
		sms_db_bind_text(st, 2, server);
		if (sms_db_step(site->db, st, &row, NULL) && row)
			p = sms_db_col_text(st, 0);
		sqlite3_reset(st);
		if (p && g_path_is_absolute(p))
			return g_steal_pointer(&p);
	}
	list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	for (char **p = list; *p; p++) {
		g_autofree char *s = unc_server(*p);
		g_auto(GStrv) parts = NULL;
		if (!sms_str_equal_ci(s, server) || !g_str_has_prefix(*p, "\\\\"))
			continue;
		parts = g_strsplit(*p + 2, "\\", -1);
		if (g_strv_length(parts) >= 3 && g_ascii_strncasecmp(parts[1], "SMS_PKG", 7) == 0 &&
		    parts[1][7] && sms_path_is_safe_relative(parts[2])) {
			g_autofree char *share = sms_layout_pkg_share(site, s, parts[1][7]);
			return g_build_filename(share, parts[2], NULL);
		}
	}
	return NULL;
}

/* Can the workstation connect to the package on `server` now? */
static gboolean
connectable(SmsSite *site, const char *server, const Cmd *cmd)
{
	g_autofree char *dir = package_dir(site, server, cmd);
	return dir && g_file_test(dir, G_FILE_TEST_IS_DIR) &&
	       !sms_share_is_revoked(site, server, cmd->package);
}

static gboolean
listed(char **list, const char *server)
{
	for (char **p = list; *p; p++) {
		g_autofree char *s = unc_server(*p);
		if (**p && sms_str_equal_ci(s, server))
			return TRUE;
	}
	return FALSE;
}

/* A server this workstation ran an earlier command from ("already mapped to a drive
 * letter"), most recent first. */
static char *
mapped_server(SmsSite *site, const Client *c, char **list, const Cmd *cmd)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT dist_server FROM pcm_cmds WHERE machine = ? "
	                               "AND dist_server IS NOT NULL ORDER BY finish_at DESC, job",
	                               NULL);
	gboolean row;
	char *found = NULL;
	if (st == NULL)
		return NULL;
	sms_db_bind_text(st, 1, c->machine);
	while (found == NULL && sms_db_step(site->db, st, &row, NULL) && row) {
		const char *s = sms_db_col_ctext(st, 0);
		if (listed(list, s) && connectable(site, s, cmd))
			found = g_strdup(s);
	}
	sqlite3_reset(st);
	return found;
}

/* Distribution server (KB Q165508 / Q180151 / Q195944): 1. the current logon
 * server if it is in the package's list; 2. a server already mapped that is in the list;
 * 3. the current logon server by the explicit package share if it holds the package;
 * 4. a server of the list (SMS picked at random; here a stable pick per workstation),
 * trying the others until one connects. NULL when none does. */
static char *
choose_server(SmsSite *site, const Client *c, const Cmd *cmd)
{
	g_auto(GStrv) list = g_strsplit(cmd->servers ? cmd->servers : "", "\n", -1);
	guint n = g_strv_length(list);
	char *s;
	if (c->server && listed(list, c->server) && connectable(site, c->server, cmd))
		return g_strdup(c->server);
	if ((s = mapped_server(site, c, list, cmd)) != NULL)
		return s;
	if (c->server && connectable(site, c->server, cmd))
		return g_strdup(c->server);
	for (guint k = 0; k < n; k++) {
		guint i = (g_str_hash(c->machine) + k) % n;
		g_autofree char *cand = unc_server(list[i]);
		if (*list[i] && connectable(site, cand, cmd))
			return g_steal_pointer(&cand);
	}
	return NULL;
}

typedef struct {
	int duration, exit_code;
	char *mif;
} Outcome;

/* The scenario's outcome of the job on this machine (default: success after 5 min). */
static void
outcome_for(SmsSite *site, const char *job, const char *machine, Outcome *o)
{
	/* the machine's own first (by id), else the first for '*' (picked here: ORDER BY ..
	 * LIMIT would build a temporary b-tree per lookup) */
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT duration, exit_code, status_mif, "
	                               "machine = '*', id FROM pcm_outcomes WHERE job = ? AND "
	                               "(machine = ? OR machine = '*')", NULL);
	gboolean row, found = FALSE, best_star = FALSE;
	gint64 best_id = 0;
	o->duration = 5;
	o->exit_code = 0;
	o->mif = NULL;
	if (st == NULL)
		return;
	sms_db_bind_text(st, 1, job);
	sms_db_bind_text(st, 2, machine);
	while (sms_db_step(site->db, st, &row, NULL) && row) {
		gboolean star = sqlite3_column_int(st, 3) != 0;
		gint64 id = sqlite3_column_int64(st, 4);
		if (found && (star > best_star || (star == best_star && id >= best_id)))
			continue;
		found = TRUE;
		best_star = star;
		best_id = id;
		o->duration = sqlite3_column_int(st, 0);
		o->exit_code = sqlite3_column_int(st, 1);
		g_free(o->mif);
		o->mif = sms_db_col_text(st, 2);
	}
	sqlite3_reset(st);
}

/* The file a command line starts, relative to the package directory, for its share
 * session: quotes, a drive letter and leading separators dropped ("(command)" when the
 * command line names nothing usable). */
static char *
session_file(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";
	g_autofree char *w = NULL;
	char *q;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		const char *e = strchr(p + 1, '"');
		w = e ? g_strndup(p + 1, (gsize)(e - p - 1)) : g_strdup(p + 1);
	} else {
		const char *e = strchr(p, ' ');
		w = e ? g_strndup(p, (gsize)(e - p)) : g_strdup(p);
	}
	g_strdelimit(w, "\\", '/');
	q = w;
	if (g_ascii_isalpha(q[0]) && q[1] == ':')
		q += 2;
	while (*q == '/')
		q++;
	if (sms_path_is_safe_relative(q))
		return g_strdup(q);
	q = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
	return sms_path_is_safe_relative(q) ? g_strdup(q) : g_strdup("(command)");
}

static char *
first_word(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";
	const char *e;
	while (*p == ' ')
		p++;
	e = p;
	while (*e && *e != ' ')
		e++;
	return g_strndup(p, (gsize)(e - p));
}

/* Result of a status MIF: Success / Failed; bad syntax counts as success with a warning
 * (KB Q190135). */
static const char *
mif_result(SmsSite *site, const Client *c, const Cmd *cmd, const char *path, char **detail,
           SmsTime now)
{
	g_autoptr(SmsStatusMif) m = NULL;
	g_autoptr(GError) local = NULL;
	if (!sms_mif_load(path, &m, &local)) {
		sms_log(site, PCM, now, "%s: job %s: status MIF %s: %s; counted as success (as SMS 1.2 "
		        "did, KB Q190135)", c->machine, cmd->job, path, local->message);
		return "Success";
	}
	if (m->description && *m->description)
		*detail = g_strdup(m->description);
	return m->success ? "Success" : "Failed";
}

static gboolean
executed(SmsSite *site, Client *c, Cmd *cmd, const char *server, const char *result,
         const char *detail, const StatusMif *mif, SmsTime now, GError **error)
{
	if (!pcm_write_status(site, c, cmd->job, cmd->site, result, detail, mif, now, error) ||
	    !exec_args(site, error, "UPDATE pcm_cmds SET state = 4, result = ?, dist_server = ?, "
	               "finish_at = ? WHERE machine = ? AND job = ?", "ssiss",
	               detail ? detail : result, server, now, c->machine, cmd->job))
		return FALSE;
	cmd->state = SMS_PCM_EXECUTED;
	return sms_emit(site, &(SmsEvent){ .time = now, .component = PCM, .event = "pcm.executed",
	                                   .job = cmd->job, .package = cmd->package,
	                                   .server = server, .machine = c->machine,
	                                   .user = c->user, .detail = result }, error,
	                "%s: job %s ran %s from %s: %s%s%s", c->machine, cmd->job, cmd->command_line,
	                server ? server : "?", result, detail ? " - " : "", detail ? detail : "");
}

/* pcm --execute: run the command line through /bin/sh in the package directory with a
 * timeout, holding a real lock on the file it starts. */
static gboolean
run_real(SmsSite *site, Client *c, Cmd *cmd, const char *server, SmsTime now, GError **error)
{
	g_autofree char *dir = package_dir(site, server, cmd);
	g_autofree char *exe = first_word(cmd->command_line);
	g_autofree char *windir = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *mif_path = NULL;
	const char *t = g_getenv("SMSEMU_PCM_TIMEOUT");
	gint64 timeout = t ? g_ascii_strtoll(t, NULL, 10) : 600;
	gint64 start = g_get_real_time();
	g_auto(SmsFd) lockfd = -1;
	StatusMif mif = { MIF_NONE, NULL, NULL, FALSE };
	const char *result = "Failed";
	int status = 0, depth = 0;
	pid_t pid;
	{
		g_autofree char *wdir = sms_layout_workstation(site, c->machine);
		windir = g_build_filename(wdir, "WINDOWS", NULL);
		if (!sms_mkdir_p(windir, error))
			return FALSE;
	}
	if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR))
		return executed(site, c, cmd, server, "Failed", detail = g_strdup_printf(
		                "package directory of %s on %s not found", cmd->package, server), NULL,
		                now, error);
	if (sms_path_is_safe_relative(exe)) {
		g_autofree char *lockpath = g_build_filename(dir, exe, NULL);
		lockfd = open(lockpath, O_RDONLY | O_CLOEXEC);
		if (lockfd >= 0)
			(void)flock(lockfd, LOCK_SH);
	}
	sms_log(site, PCM, now, "%s: running %s for job %s in %s (timeout %" G_GINT64_FORMAT " s)",
	        c->machine, cmd->command_line, cmd->job, dir, timeout);
	/* The site database is not held while the command runs (it may take minutes, and
	 * may itself use the site): what was done so far is committed; a crash meanwhile
	 * runs the command again at the next check. */
	if (!sms_db_suspend(site->db, &depth, error))
		return FALSE;
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(127);
		g_setenv("WINDIR", windir, TRUE);
		execl("/bin/sh", "sh", "-c", cmd->command_line, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		int e = errno;
		if (!sms_db_resume(site->db, depth, error))
			return FALSE;
		return executed(site, c, cmd, server, "Failed", detail = g_strdup_printf(
		                "cannot start the command: %s", g_strerror(e)), NULL, now, error);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if ((g_get_real_time() - start) / G_USEC_PER_SEC >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (!sms_db_resume(site->db, depth, error))
				return FALSE;
			detail = g_strdup_printf("timed out after %" G_GINT64_FORMAT " s (the command did "
			                         "not end; killed)", timeout);
			return executed(site, c, cmd, server, "Failed", detail, NULL, now, error);
		}
		g_usleep(20000);
	}
	if (!sms_db_resume(site->db, depth, error))
		return FALSE;
	/* a status MIF written into the Windows directory after the start wins, and is
	 * passed on as it is */
	{
		g_autoptr(GDir) d = g_dir_open(windir, 0, NULL);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		const char *name;
		while (d && (name = g_dir_read_name(d)) != NULL)
			if (g_str_has_suffix(name, ".MIF") || g_str_has_suffix(name, ".mif"))
				g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_sort(names, sms_strptr_cmp);
		for (guint i = 0; i < names->len && mif_path == NULL; i++) {
			g_autofree char *p = g_build_filename(windir, names->pdata[i], NULL);
			struct stat sb;
			if (stat(p, &sb) == 0 &&
			    (gint64)sb.st_mtim.tv_sec * G_USEC_PER_SEC + sb.st_mtim.tv_nsec / 1000 >=
			    start - G_USEC_PER_SEC)
				mif_path = g_steal_pointer(&p);
		}
	}
	if (mif_path) {
		result = mif_result(site, c, cmd, mif_path, &detail, now);
		mif.kind = MIF_MOVE;
		mif.path = mif_path;
		if (detail == NULL) {
			g_autofree char *base = g_path_get_basename(mif_path);
			detail = g_strdup_printf("status MIF %s: %s", base, result);
		} else {
			g_autofree char *base = g_path_get_basename(mif_path);
			g_autofree char *d2 = g_strdup_printf("status MIF %s: %s - %s", base, result, detail);
			g_free(detail);
			detail = g_steal_pointer(&d2);
		}
	} else if (WIFEXITED(status)) {
		result = WEXITSTATUS(status) == 0 ? "Success" : "Failed";
		detail = g_strdup_printf("exit code %d", WEXITSTATUS(status));
	} else {
		detail = g_strdup_printf("killed by signal %d", WTERMSIG(status));
	}
	return executed(site, c, cmd, server, result, detail, &mif, now, error);
}

static SmsTime
sim_end(SmsTime start, const Outcome *o, gboolean *timed_out)
{
	*timed_out = o->duration < 0 || o->duration > SMS_PCM_SIM_TIMEOUT;
	return start + (*timed_out ? SMS_PCM_SIM_TIMEOUT : o->duration) * SMS_MINUTE;
}

gboolean
pcm_start_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	g_autofree char *server = choose_server(site, c, cmd);
	g_autofree char *file = session_file(cmd->command_line);
	g_autoptr(GError) local = NULL;
	Outcome o;
	gboolean timed_out;
	if (server == NULL) {
		/* nowhere to connect now: try at the next poll */
		cmd->run_at = pcm_poll_at(c, now + 1);
		sms_log(site, PCM, now, "%s: no distribution server of job %s accepts connections; "
		        "retrying at %s", c->machine, cmd->job, sms_time_str(cmd->run_at));
		return exec_args(site, error, "UPDATE pcm_cmds SET run_at = ? WHERE machine = ? AND "
		                 "job = ?", "iss", cmd->run_at, c->machine, cmd->job);
	}
	if (execute_mode)
		return run_real(site, c, cmd, server, now, error);
	outcome_for(site, cmd->job, c->machine, &o);
	g_free(o.mif);
	cmd->finish_at = sim_end(now, &o, &timed_out);
	cmd->session = -1;
	/* the command holds the file it runs from the share while it runs */
	if (cmd->finish_at > now &&
	    !sms_share_open_session(site, server, cmd->package, file,
	                            c->user ? c->user : c->machine, c->machine, now, cmd->finish_at,
	                            "pcm", cmd->job, &cmd->session, &local)) {
		if (!g_error_matches(local, SMS_SHARE_ERROR, SMS_SHARE_ERROR_REVOKED)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		cmd->run_at = pcm_poll_at(c, now + 1);
		sms_log(site, PCM, now, "%s: cannot connect to %s for job %s (%s); retrying at %s",
		        c->machine, server, cmd->job, local->message, sms_time_str(cmd->run_at));
		return exec_args(site, error, "UPDATE pcm_cmds SET run_at = ? WHERE machine = ? AND "
		                 "job = ?", "iss", cmd->run_at, c->machine, cmd->job);
	}
	cmd->state = SMS_PCM_RUNNING;
	g_free(cmd->dist_server);
	cmd->dist_server = g_strdup(server);
	if (!exec_args(site, error, "UPDATE pcm_cmds SET state = 3, finish_at = ?, session = ?, "
	               "dist_server = ? WHERE machine = ? AND job = ?", "iisss", cmd->finish_at,
	               cmd->session, server, c->machine, cmd->job))
		return FALSE;
	sms_log(site, PCM, now, "%s: running %s for job %s from \\\\%s (package %s)", c->machine,
	        cmd->command_line, cmd->job, server, cmd->package);
	return TRUE;
}

/* Was the running command's session closed by someone else (forced disconnect)? */
gboolean
pcm_disconnected(SmsSite *site, const Cmd *cmd, char **reason)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT closed_reason FROM share_sessions WHERE id "
	                               "= ? AND closed IS NOT NULL", NULL);
	gboolean row = FALSE;
	if (st == NULL || cmd->session < 0)
		return FALSE;
	sqlite3_bind_int64(st, 1, cmd->session);
	if (!sms_db_step(site->db, st, &row, NULL))
		row = FALSE;
	if (row && reason)
		*reason = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return row;
}

gboolean
pcm_finish_command(SmsSite *site, Client *c, Cmd *cmd, SmsTime now, GError **error)
{
	Outcome o;
	g_autofree char *reason = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *mif_path = NULL;
	const char *result;
	StatusMif mif = { MIF_NONE, NULL, NULL, FALSE };
	gboolean timed_out;
	outcome_for(site, cmd->job, c->machine, &o);
	mif_path = g_steal_pointer(&o.mif);
	(void)sim_end(now, &o, &timed_out);
	if (pcm_disconnected(site, cmd, &reason)) {
		result = "Failed";
		detail = g_strdup_printf("disconnected from \\\\%s (%s)", cmd->dist_server ?
		                         cmd->dist_server : "?", reason ? reason : "forced disconnect");
	} else {
		g_autoptr(GError) local = NULL;
		if (!sms_share_close_session(site, cmd->session, now, timed_out ? "timed out" :
		                             "command ended", &local) &&
		    !g_error_matches(local, SMS_SHARE_ERROR, SMS_SHARE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (timed_out) {
			result = "Failed";
			detail = g_strdup_printf("timed out after %d min (the command did not end)",
			                         SMS_PCM_SIM_TIMEOUT);
		} else if (mif_path && g_file_test(mif_path, G_FILE_TEST_EXISTS)) {
			/* the status MIF the setup program wrote, passed on as it is */
			result = mif_result(site, c, cmd, mif_path, &detail, now);
			mif.kind = MIF_COPY;
			mif.path = mif_path;
		} else {
			if (mif_path)
				sms_log(site, PCM, now, "%s: job %s: status MIF %s not found; the exit code "
				        "counts", c->machine, cmd->job, mif_path);
			result = o.exit_code == 0 ? "Success" : "Failed";
			if (o.exit_code != 0)
				detail = g_strdup_printf("exit code %d", o.exit_code);
			mif.kind = MIF_WRITE;
			mif.product = cmd->package_name ? cmd->package_name : cmd->package;
			mif.success = o.exit_code == 0;
		}
	}
	return executed(site, c, cmd, cmd->dist_server, result, detail, &mif, now, error);
}
