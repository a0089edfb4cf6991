/* site.c -- opened site roots: layout, clock, logs, status messages, IDs. */
#include "site.h"
#include "atomic.h"
#include "boxfile.h"
#include "reg.h"
#include "db.h"
#include "components.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

G_DEFINE_QUARK(sms-site-error-quark, sms_site_error)

/* ---- layout ------------------------------------------------------------------ */

char *
sms_site_path(SmsSite *site, const char *rel)
{
	return g_build_filename(site->root, rel, NULL);
}

char *
sms_layout_drive(SmsSite *site, const char *server, char letter)
{
	char d[2] = { g_ascii_toupper(letter), 0 };
	return g_build_filename(site->root, "servers", server, d, NULL);
}

static char
first_drive(SmsSite *site, const char *server)
{
	SmsServerDef *s = sms_world_def_server(site->def, server);
	if (s == NULL || s->drives->len == 0)
		return 'C';
	return g_array_index(s->drives, SmsDriveDef, 0).letter;
}

/* Layout paths depend only on the site root and its definition, fixed while the site is
 * open: the frequent ones are computed once per process and argument (key: the argument
 * as given; a per-site cache table per function). */
static char *
layout_memo(SmsSite *site, const char *what, const char *arg,
            char *(*compute)(SmsSite *site, const char *arg))
{
	GHashTable *m;
	const char *path;
	if (arg == NULL)
		return compute(site, arg);
	m = sms_site_cache_get(site, what);
	if (m == NULL) {
		m = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		sms_site_cache_put(site, what, m, (GDestroyNotify)g_hash_table_unref);
	}
	path = g_hash_table_lookup(m, arg);
	if (path == NULL) {
		char *p = compute(site, arg);
		g_hash_table_insert(m, g_strdup(arg), p);
		path = p;
	}
	return g_strdup(path);
}

static char *
compute_sms_root(SmsSite *site, const char *server)
{
	g_autofree char *drive = sms_layout_drive(site, server, first_drive(site, server));
	return g_build_filename(drive, "SMS", NULL);
}

char *
sms_layout_sms_root(SmsSite *site, const char *server)
{
	return layout_memo(site, "layout:sms_root", server, compute_sms_root);
}

const char *
sms_site_server_name(SmsSite *site)
{
	SmsServerDef *s = sms_world_def_site_server(site->def, site->code);
	return s ? s->name : "SERVER";
}

static char *
compute_site_srv(SmsSite *site, const char *unused)
{
	g_autofree char *root = sms_layout_sms_root(site, sms_site_server_name(site));
	(void)unused;
	return g_build_filename(root, "SITE.SRV", NULL);
}

char *
sms_layout_site_srv(SmsSite *site)
{
	return layout_memo(site, "layout:site_srv", "", compute_site_srv);
}

char *
sms_layout_tosend(SmsSite *site)
{
	g_autofree char *s = sms_layout_site_srv(site);
	return g_build_filename(s, "SENDER.BOX", "TOSEND", NULL);
}

char *
sms_layout_outbox(SmsSite *site)
{
	g_autofree char *s = sms_layout_site_srv(site);
	return g_build_filename(s, "SENDER.BOX", "REQUESTS", "LAN_DEFA.000", NULL);
}

char *
sms_layout_receive(SmsSite *site)
{
	g_autofree char *s = sms_layout_site_srv(site);
	return g_build_filename(s, "DESPOOLR.BOX", "RECEIVE", NULL);
}

char *
sms_layout_store(SmsSite *site)
{
	g_autofree char *s = sms_layout_site_srv(site);
	return g_build_filename(s, "DESPOOLR.BOX", "STORE", NULL);
}

static char *
compute_pcmdom(SmsSite *site, const char *domain)
{
	g_autofree char *s = sms_layout_site_srv(site);
	g_autofree char *up = sms_strup(domain);
	g_autofree char *box = g_strdup_printf("%s.000", up);
	return g_build_filename(s, "MAINCFG.BOX", "PCMDOM.BOX", box, NULL);
}

char *
sms_layout_pcmdom(SmsSite *site, const char *domain)
{
	return layout_memo(site, "layout:pcmdom", domain, compute_pcmdom);
}

static char *
compute_logon_srv(SmsSite *site, const char *server)
{
	g_autofree char *r = sms_layout_sms_root(site, server);
	return g_build_filename(r, "LOGON.SRV", NULL);
}

char *
sms_layout_logon_srv(SmsSite *site, const char *server)
{
	return layout_memo(site, "layout:logon_srv", server, compute_logon_srv);
}

static char *
compute_pcins(SmsSite *site, const char *server)
{
	g_autofree char *l = sms_layout_logon_srv(site, server);
	g_autofree char *box = sms_strup(site->self->instruction_share);
	return g_build_filename(l, box, NULL);
}

char *
sms_layout_pcins(SmsSite *site, const char *server)
{
	return layout_memo(site, "layout:pcins", server, compute_pcins);
}

static char *
compute_logon_despool(SmsSite *site, const char *server)
{
	g_autofree char *l = sms_layout_logon_srv(site, server);
	return g_build_filename(l, "DESPOOLR.BOX", NULL);
}

char *
sms_layout_logon_despool(SmsSite *site, const char *server)
{
	return layout_memo(site, "layout:logon_despool", server, compute_logon_despool);
}

static char *
compute_smsid(SmsSite *site, const char *server)
{
	g_autofree char *l = sms_layout_logon_srv(site, server);
	return g_build_filename(l, "SMSID", NULL);
}

char *
sms_layout_smsid(SmsSite *site, const char *server)
{
	return layout_memo(site, "layout:smsid", server, compute_smsid);
}

char *
sms_layout_pkg_share(SmsSite *site, const char *server, char letter)
{
	g_autofree char *d = sms_layout_drive(site, server, letter);
	char name[16];
	g_snprintf(name, sizeof name, "SMS_PKG%c", g_ascii_toupper(letter));
	return g_build_filename(d, name, NULL);
}

char *
sms_layout_workstation(SmsSite *site, const char *machine)
{
	g_autofree char *up = sms_strup(machine);
	return g_build_filename(site->root, "workstations", up, NULL);
}

char *
sms_layout_registry(SmsSite *site, const char *server)
{
	g_autofree char *up = sms_strup(server);
	g_autofree char *name = g_strdup_printf("%s.reg", up);
	return g_build_filename(site->root, "registry", name, NULL);
}

char *
sms_layout_logs(SmsSite *site)
{
	return g_build_filename(site->root, "logs", NULL);
}

gboolean
sms_layout_receive_of_root(const char *root, char **out, GError **error)
{
	g_autofree char *ini = g_build_filename(root, "site.ini", NULL);
	g_autoptr(SmsWorldDef) def = NULL;
	SmsSite tmp = { 0 };

	if (!sms_site_ini_load(ini, &def, error))
		return FALSE;
	tmp.root = (char *)root;
	tmp.def = def;
	tmp.self = def->sites->pdata[0];
	tmp.code = tmp.self->code;
	*out = sms_layout_receive(&tmp);
	if (tmp.cache)
		g_hash_table_unref(tmp.cache);   /* the layout memo of the stand-in site */
	return TRUE;
}

/* ---- opening and creating --------------------------------------------------- */

void
sms_site_free(SmsSite *site)
{
	if (site == NULL)
		return;
	if (site->logs)
		g_hash_table_unref(site->logs);
	if (site->cache)
		g_hash_table_unref(site->cache);
	sms_db_close(site->db);
	sms_world_def_free(site->def);
	g_free(site->root);
	g_free(site);
}

/* An open component log and its size as this process knows it (the size at open plus
 * what it wrote since): the rollover check costs no system call per line. */
typedef struct {
	FILE *f;
	gint64 size;
} SiteLog;

static void
log_close(gpointer p)
{
	SiteLog *l = p;
	fclose(l->f);
	g_free(l);
}

static SmsSite *
site_new(const char *root, SmsWorldDef *def)
{
	SmsSite *site = g_new0(SmsSite, 1);
	site->root = g_canonicalize_filename(root, NULL);
	site->def = def;
	site->self = def->sites->pdata[0];
	site->code = site->self->code;
	site->logs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, log_close);
	site->now_override = SMS_TIME_NONE;
	return site;
}

gboolean
sms_site_open(const char *root, SmsSite **out, GError **error)
{
	g_autofree char *ini = g_build_filename(root, "site.ini", NULL);
	g_autofree char *dbpath = g_build_filename(root, "site.db", NULL);
	g_autoptr(SmsWorldDef) def = NULL;
	g_autoptr(SmsSite) site = NULL;

	if (!g_file_test(ini, G_FILE_TEST_EXISTS)) {
		g_set_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_NOT_A_SITE,
		            "%s: not a site root (no site.ini; create one with 'jobsvc --site %s init "
		            "SITE.ini')", root, root);
		return FALSE;
	}
	if (!sms_site_ini_load(ini, &def, error))
		return FALSE;
	site = site_new(root, g_steal_pointer(&def));
	if (!sms_db_open(dbpath, FALSE, &site->db, error))
		return FALSE;
	*out = g_steal_pointer(&site);
	return TRUE;
}

static gboolean
mkdirs(GError **error, ...)
{
	va_list ap;
	char *p;
	va_start(ap, error);
	while ((p = va_arg(ap, char *)) != NULL) {
		gboolean ok = sms_mkdir_p(p, error);
		g_free(p);
		if (!ok) {
			while ((p = va_arg(ap, char *)) != NULL)
				g_free(p);
			va_end(ap);
			return FALSE;
		}
	}
	va_end(ap);
	return TRUE;
}

static gboolean
create_tree(SmsSite *site, GError **error)
{
	g_autofree char *srv = sms_layout_site_srv(site);

	if (!mkdirs(error, sms_layout_logs(site), sms_site_path(site, "registry"),
	            sms_site_path(site, "workstations"), sms_layout_tosend(site),
	            sms_layout_outbox(site), sms_layout_receive(site), sms_layout_store(site),
	            g_build_filename(srv, "MAINCFG.BOX", "PCMDOM.BOX", NULL),
	            g_build_filename(srv, "SCHEDULE.BOX", NULL), NULL))
		return FALSE;
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		for (guint j = 0; j < s->drives->len; j++) {
			g_autofree char *d = sms_layout_drive(site, s->name,
			                                      g_array_index(s->drives, SmsDriveDef, j).letter);
			if (!sms_mkdir_p(d, error))
				return FALSE;
		}
		if (s->roles & SMS_ROLE_LOGON) {
			if (!mkdirs(error, sms_layout_pcins(site, s->name),
			            sms_layout_logon_despool(site, s->name), sms_layout_smsid(site, s->name),
			            NULL))
				return FALSE;
		}
	}
	for (guint i = 0; i < site->def->domains->len; i++) {
		SmsDomainDef *d = site->def->domains->pdata[i];
		g_autofree char *p = sms_layout_pcmdom(site, d->name);
		if (!sms_mkdir_p(p, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
populate_db(SmsSite *site, GError **error)
{
	SmsWorldDef *w = site->def;
	sqlite3 *db = site->db;

	if (!sms_db_meta_set(db, "site_code", site->code, error) ||
	    !sms_db_meta_set(db, "created_by", "smsemu " SMS_VERSION, error))
		return FALSE;
	if (!sms_db_execf(db, error, "INSERT INTO sites(code, name, parent, response, root, is_local) "
	               "VALUES (?, ?, ?, ?, ?, 1)", "sssis", site->code, site->self->name,
	               site->self->parent, (gint64)site->self->response, site->root))
		return FALSE;
	for (guint i = 0; i < w->addresses->len; i++) {
		SmsAddressDef *a = w->addresses->pdata[i];
		const char *parent = NULL;
		if (sms_str_equal_ci(a->code, site->code))
			continue;
		/* a child site's parent is us unless our own parent's address */
		if (site->self->parent == NULL || !sms_str_equal_ci(a->code, site->self->parent))
			parent = site->code;
		if (!sms_db_execf(db, error, "INSERT OR REPLACE INTO sites(code, name, parent, response, "
		               "root, is_local) VALUES (?, ?, ?, NULL, ?, 0)", "ssss", a->code, a->code,
		               parent, a->root))
			return FALSE;
	}
	for (guint i = 0; i < w->servers->len; i++) {
		SmsServerDef *s = w->servers->pdata[i];
		if (!sms_db_execf(db, error, "INSERT INTO servers(name, site, roles) VALUES (?, ?, ?)",
		               "ssi", s->name, s->site, (gint64)s->roles))
			return FALSE;
		for (guint j = 0; j < s->drives->len; j++) {
			SmsDriveDef *d = &g_array_index(s->drives, SmsDriveDef, j);
			char letter[2] = { d->letter, 0 };
			if (!sms_db_execf(db, error, "INSERT INTO drives(server, letter, capacity_mb, ord) "
			               "VALUES (?, ?, ?, ?)", "ssii", s->name, letter, d->capacity_mb,
			               (gint64)j))
				return FALSE;
		}
	}
	for (guint i = 0; i < w->domains->len; i++) {
		SmsDomainDef *d = w->domains->pdata[i];
		if (!sms_db_execf(db, error, "INSERT INTO domains(name, site) VALUES (?, ?)", "ss",
		               d->name, d->site))
			return FALSE;
		for (guint j = 0; j < d->logon_servers->len; j++)
			if (!sms_db_execf(db, error, "INSERT INTO domain_logon_servers(domain, server, ord) "
			               "VALUES (?, ?, ?)", "ssi", d->name,
			               (const char *)d->logon_servers->pdata[j], (gint64)j))
				return FALSE;
	}
	for (guint i = 0; i < w->workstations->len; i++) {
		SmsWorkstationDef *k = w->workstations->pdata[i];
		SmsDomainDef *d = sms_world_def_domain(w, k->domain);
		if (!sms_db_execf(db, error, "INSERT INTO machines(name, site, domain, platform, user, "
		               "clock_offset) VALUES (?, ?, ?, ?, ?, ?)", "sssssi", k->name, d->site,
		               d->name, k->platform, k->user, (gint64)k->clock_offset))
			return FALSE;
	}
	for (guint i = 0; i < w->groups->len; i++) {
		SmsGroupDef *g = w->groups->pdata[i];
		if (!sms_db_execf(db, error, "INSERT INTO machine_groups(name, site) VALUES (?, ?)", "ss",
		               g->name, g->site))
			return FALSE;
		for (guint j = 0; j < g->members->len; j++)
			if (!sms_db_execf(db, error, "INSERT OR IGNORE INTO machine_group_members(grp, "
			               "machine) VALUES (?, ?)", "ss", g->name,
			               (const char *)g->members->pdata[j]))
				return FALSE;
	}
	return TRUE;
}

/* One UID file per logon server: <site><range><000>.UID, ranges 01, 02, ... in the
 * order the servers are defined (KB Q127052). */
static gboolean
create_uid_files(SmsSite *site, GError **error)
{
	guint range = 0;
	for (guint i = 0; i < site->def->servers->len; i++) {
		SmsServerDef *s = site->def->servers->pdata[i];
		g_autofree char *dir = NULL;
		g_autofree char *path = NULL;
		char r[3];
		if (!(s->roles & SMS_ROLE_LOGON))
			continue;
		range++;
		if (!sms_base36(range, 2, r))
			return sms_throw(error, SMS_ERROR_INVALID, "too many logon servers");
		dir = sms_layout_smsid(site, s->name);
		path = g_strdup_printf("%s/%s%s000.UID", dir, site->code, r);
		if (!sms_atomic_write(path, "", 0, 0644, SMS_SYNC_NONE, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
dir_is_empty_or_missing(const char *root)
{
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	return d == NULL || g_dir_read_name(d) == NULL;
}

static gboolean
init_tree(const char *root, SmsWorldDef *world, const char *code, SmsSite **out,
          GError **error)
{
	g_autofree char *text = sms_world_def_to_site_ini(world, code);
	g_autofree char *ini = NULL;
	g_autofree char *dbpath = NULL;
	g_autoptr(SmsWorldDef) def = NULL;
	g_autoptr(SmsSite) site = NULL;

	if (!sms_mkdir_p(root, error))
		return FALSE;
	ini = g_build_filename(root, "site.ini", NULL);
	dbpath = g_build_filename(root, "site.db", NULL);
	if (!sms_atomic_write(ini, text, strlen(text), 0644, SMS_SYNC_FILE, error))
		return FALSE;
	if (!sms_site_ini_load(ini, &def, error)) {
		g_prefix_error(error, "internal: written site.ini does not load: ");
		return FALSE;
	}
	site = site_new(root, g_steal_pointer(&def));
	if (!create_tree(site, error))
		return FALSE;
	if (!sms_db_open(dbpath, TRUE, &site->db, error))
		return FALSE;
	{
		g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
		if (!sms_txn_begin(&txn, error) || !populate_db(site, error) ||
		    !create_uid_files(site, error) || !sms_txn_commit(&txn, error))
			return FALSE;
	}
	/* registry files: copied as given (validated by the reg reader when read). */
	for (guint i = 0; i < world->servers->len; i++) {
		SmsServerDef *s = world->servers->pdata[i];
		g_autofree char *dst = NULL;
		if (!sms_str_equal_ci(s->site, code) || s->registry == NULL)
			continue;
		dst = sms_layout_registry(site, s->name);
		if (!sms_atomic_copy(s->registry, dst, SMS_SYNC_FILE, error))
			return FALSE;
	}
	*out = g_steal_pointer(&site);
	return TRUE;
}

/* Remove what a failed init created: the root itself, or the contents of a root that
 * existed (empty) before. */
static void
undo_init(const char *root, gboolean existed)
{
	g_autoptr(GDir) d = NULL;
	const char *name;
	if (!existed) {
		if (!sms_rm_rf(root, NULL))
			g_warning("could not remove %s", root);
		return;
	}
	d = g_dir_open(root, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(root, name, NULL);
		if (!sms_rm_rf(p, NULL))
			g_warning("could not remove %s", p);
	}
}

gboolean
sms_site_init_from_def(const char *root, SmsWorldDef *world, const char *code, SmsSite **out,
                       GError **error)
{
	gboolean existed = g_file_test(root, G_FILE_TEST_IS_DIR);
	if (!dir_is_empty_or_missing(root)) {
		g_autofree char *probe = g_build_filename(root, "site.ini", NULL);
		if (g_file_test(probe, G_FILE_TEST_EXISTS)) {
			g_set_error(error, SMS_SITE_ERROR, SMS_SITE_ERROR_EXISTS,
			            "%s: already holds a site (site.ini exists)", root);
			return FALSE;
		}
	}
	/* the registry files first: a missing one fails before anything is created (their
	 * content is checked by the reg reader when a component reads it) */
	for (guint i = 0; i < world->servers->len; i++) {
		SmsServerDef *s = world->servers->pdata[i];
		g_auto(SmsFd) fd = -1;
		if (!sms_str_equal_ci(s->site, code) || s->registry == NULL)
			continue;
		fd = sms_open_regular(s->registry, SMS_REG_MAX_BYTES, SMS_READ_FOLLOW, NULL, error);
		if (fd < 0)
			return FALSE;
	}
	if (!init_tree(root, world, code, out, error)) {
		undo_init(root, existed);
		return FALSE;
	}
	return TRUE;
}

gboolean
sms_site_init(const char *root, const char *site_ini, SmsSite **out, GError **error)
{
	g_autoptr(SmsWorldDef) def = NULL;
	if (!sms_site_ini_load(site_ini, &def, error))
		return FALSE;
	return sms_site_init_from_def(root, def, ((SmsSiteDef *)def->sites->pdata[0])->code, out,
	                              error);
}

/* ---- clock ------------------------------------------------------------------ */

gboolean
sms_clock_get(SmsSite *site, gboolean *out_virtual, SmsTime *out_now, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT mode, now FROM clock WHERE id = 1", error);
	gboolean row, virt;
	SmsTime now;
	if (st == NULL || !sms_db_step(site->db, st, &row, error))
		return FALSE;
	virt = row && g_strcmp0(sms_db_col_ctext(st, 0), "virtual") == 0;
	now = virt ? sms_db_col_time(st, 1) : sms_time_now_real();
	sqlite3_reset(st);
	if (virt && now == SMS_TIME_NONE)
		now = sms_time_now_real();
	*out_virtual = virt;
	*out_now = now;
	return TRUE;
}

SmsTime
sms_site_now(SmsSite *site)
{
	gboolean virt;
	SmsTime now;
	g_autoptr(GError) error = NULL;
	if (site->now_override != SMS_TIME_NONE)
		return site->now_override;
	if (!sms_clock_get(site, &virt, &now, &error)) {
		g_warning("%s: reading the clock: %s", site->root, error->message);
		return sms_time_now_real();
	}
	return now;
}

gboolean
sms_clock_set_virtual(SmsSite *site, SmsTime now, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "UPDATE clock SET mode = 'virtual', now = ? "
	                                         "WHERE id = 1", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, now);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_clock_set_real(SmsSite *site, GError **error)
{
	return sms_db_exec(site->db, "UPDATE clock SET mode = 'real', now = NULL WHERE id = 1",
	                   error);
}

/* ---- logs and events ---------------------------------------------------------- */

static const struct {
	const char *component, *file, *service;
} log_names[] = {
	{ "scheduler", "sched.log", "SMS_SCHEDULER" },
	{ "sender", "sender.log", "SMS_LAN_SENDER" },
	{ "despooler", "despool.log", "SMS_DESPOOLER" },
	{ "logon", "maintmgr.log", "SMS_MAINTENANCE_MANAGER" },
	{ "pcm", "pcm.log", "SMS_PCM" },
	{ "jobsvc", "jobsvc.log", "SMS_ADMINISTRATOR" },
	{ "simulate", "scenario.log", "SMS_SCENARIO" },
};

static SiteLog *
log_file(SmsSite *site, const char *component, const char **service)
{
	SiteLog *l = g_hash_table_lookup(site->logs, component);
	const char *file = NULL;
	FILE *f;
	*service = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(log_names); i++) {
		if (strcmp(log_names[i].component, component) == 0) {
			file = log_names[i].file;
			*service = log_names[i].service;
		}
	}
	if (l)
		return l;
	{
		g_autofree char *dir = sms_layout_logs(site);
		g_autofree char *name = file ? g_strdup(file) : g_strdup_printf("%s.log", component);
		g_autofree char *path = g_build_filename(dir, name, NULL);
		struct stat st = { 0 };
		int fd;
		(void)g_mkdir_with_parents(dir, 0755);
		/* close-on-exec (a command the PCM runs inherits no log) and never writable by
		 * others, whatever the umask or an earlier mode */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return NULL;
		if (fstat(fd, &st) == 0 && (st.st_mode & S_IWOTH))
			(void)fchmod(fd, st.st_mode & 07755 & ~(mode_t)S_IWOTH);
		f = fdopen(fd, "a");
		if (f == NULL) {
			close(fd);
			return NULL;
		}
		l = g_new0(SiteLog, 1);
		l->f = f;
		l->size = st.st_size;
		g_hash_table_insert(site->logs, g_strdup(component), l);
	}
	return l;
}

static gboolean logs_buffered;   /* sms_site_logs_buffered */

/* The largest a log grows before it is rolled over (SMSEMU_LOG_MAX_BYTES, default 1 MiB). */
static gint64
log_max_bytes(void)
{
	static gint64 max;   /* read once: the environment of a process does not change */
	if (max == 0) {
		const char *v = g_getenv("SMSEMU_LOG_MAX_BYTES");
		gint64 n = v ? g_ascii_strtoll(v, NULL, 10) : 0;
		max = n > 0 ? n : 1 << 20;
	}
	return max;
}

/* As SMS 1.x did with its logs: a full log is renamed NAME.LO_ (replacing the previous
 * one) before the next line, which begins a new one, so a log takes at most twice its
 * maximum size. A log another process rolled over already is only reopened. TRUE when
 * f was closed. */
static gboolean
log_rotate(SmsSite *site, const char *component, SiteLog *l)
{
	FILE *f = l->f;
	struct stat mine, now;
	g_autofree char *path = NULL;
	g_autofree char *old = NULL;
	char link[64];
	char buf[4096];
	ssize_t k;
	if (l->size < log_max_bytes())
		return FALSE;
	/* full as far as this process knows: ask the file (another process may have rolled
	 * it over already) */
	fflush(f);
	if (fstat(fileno(f), &mine) < 0)
		return FALSE;
	if (mine.st_size < log_max_bytes()) {
		l->size = mine.st_size;
		return FALSE;
	}
	g_snprintf(link, sizeof link, "/proc/self/fd/%d", fileno(f));
	k = readlink(link, buf, sizeof buf - 1);
	if (k <= 0)
		return FALSE;
	buf[k] = '\0';
	path = g_strdup(buf);
	if (g_str_has_suffix(path, " (deleted)"))
		path[strlen(path) - 10] = '\0';
	if (stat(path, &now) == 0 && now.st_ino == mine.st_ino && now.st_dev == mine.st_dev) {
		old = g_str_has_suffix(path, ".log") ? g_strdup_printf("%.*s.LO_",
		                                                         (int)strlen(path) - 4, path)
		                                       : g_strdup_printf("%s.LO_", path);
		if (rename(path, old) < 0)
			return FALSE;
	}
	g_hash_table_remove(site->logs, component);   /* closed; the caller opens a new one */
	return TRUE;
}

static void
log_line(SmsSite *site, const char *component, SmsTime t, const char *msg)
{
	const char *service;
	SiteLog *l = log_file(site, component, &service);
	int y, mo, d, h, mi, s, n;
	g_autofree char *up = NULL;
	if (l && log_rotate(site, component, l))
		l = log_file(site, component, &service);
	if (l == NULL)
		return;
	if (service == NULL)
		service = up = g_strdup_printf("SMS_%s", component);
	sms_time_fields(t, &y, &mo, &d, &h, &mi, &s);
	/* SMS 1.x style: text, then "$$<COMPONENT><MM-DD-YYYY HH:MM:SS>" */
	n = fprintf(l->f, "%s  $$<%s><%02d-%02d-%04d %02d:%02d:%02d>\n", msg, service, mo, d, y, h,
	            mi, s);
	if (n > 0)
		l->size += n;
	if (!logs_buffered)
		fflush(l->f);
}

gboolean
sms_site_logs_buffered(gboolean on)
{
	gboolean was = logs_buffered;
	logs_buffered = on;
	return was;
}

void
sms_log(SmsSite *site, const char *component, SmsTime t, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	log_line(site, component, t == SMS_TIME_NONE ? sms_site_now(site) : t, msg);
}

static SmsEventHook event_hook;
static gpointer event_hook_data;

void
sms_event_set_hook(SmsEventHook hook, gpointer user_data)
{
	event_hook = hook;
	event_hook_data = user_data;
}

static const char *
severity_name(SmsSeverity s)
{
	switch (s) {
	case SMS_SEV_WARNING: return "warning";
	case SMS_SEV_ERROR: return "error";
	default: return "info";
	}
}

gboolean
sms_emit(SmsSite *site, const SmsEvent *ev, GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	SmsEvent e = *ev;
	sqlite3_stmt *st;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (e.time == SMS_TIME_NONE || e.time == 0)
		e.time = sms_site_now(site);
	st = sms_db_stmt(site->db, "INSERT INTO status_messages(time, site, component, event, "
	                           "severity, code, job, package, server, machine, user, detail, "
	                           "message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64(st, 1, e.time);
	sms_db_bind_text(st, 2, site->code);
	sms_db_bind_text(st, 3, e.component);
	sms_db_bind_text(st, 4, e.event);
	sms_db_bind_text(st, 5, severity_name(e.severity));
	if (e.code)
		sqlite3_bind_int(st, 6, e.code);
	sms_db_bind_text(st, 7, e.job);
	sms_db_bind_text(st, 8, e.package);
	sms_db_bind_text(st, 9, e.server);
	sms_db_bind_text(st, 10, e.machine);
	sms_db_bind_text(st, 11, e.user);
	sms_db_bind_text(st, 12, e.detail);
	sms_db_bind_text(st, 13, msg);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	log_line(site, e.component, e.time, msg);
	if (event_hook)
		event_hook(site, &e, msg, event_hook_data);
	return TRUE;
}

/* ---- IDs -------------------------------------------------------------------- */

gboolean
sms_base36(guint64 value, int width, char *out)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (int i = width - 1; i >= 0; i--) {
		out[i] = digits[value % 36];
		value /= 36;
	}
	out[width] = '\0';
	return value == 0;
}

gboolean
sms_base36_parse(const char *s, guint64 *out)
{
	guint64 v = 0;
	if (*s == '\0')
		return FALSE;
	for (; *s; s++) {
		int d;
		if (g_ascii_isdigit(*s))
			d = *s - '0';
		else if (g_ascii_isalpha(*s))
			d = g_ascii_toupper(*s) - 'A' + 10;
		else
			return FALSE;
		if (v > (G_MAXUINT64 - (guint64)d) / 36)
			return FALSE;
		v = v * 36 + (guint64)d;
	}
	*out = v;
	return TRUE;
}

static gboolean
next_counter(SmsSite *site, const char *kind, guint64 *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db,
		"INSERT INTO counters(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET "
		"value = value + 1 RETURNING value", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	*out = (guint64)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_site_next_id(SmsSite *site, const char *kind, char **out, GError **error)
{
	guint64 n;
	char digits[8];
	if (!next_counter(site, kind, &n, error))
		return FALSE;
	if (!sms_base36(n, 5, digits))
		return sms_throw(error, SMS_ERROR_STATE, "%s IDs of site %s are exhausted", kind,
		                 site->code);
	*out = g_strdup_printf("%s%s", site->code, digits);
	return TRUE;
}

gboolean
sms_site_next_request_id(SmsSite *site, char **out, GError **error)
{
	guint64 n;
	char digits[8];
	if (!next_counter(site, "request", &n, error))
		return FALSE;
	if (!sms_base36(n % (36 * 36 * 36 * 36), 4, digits))
		return FALSE;
	*out = g_strdup_printf("%s%s", digits, site->code);
	return TRUE;
}

gboolean
sms_site_next_job_request_id(SmsSite *site, char **out, GError **error)
{
	guint64 n;
	char digits[8];
	if (!next_counter(site, "job-request", &n, error))
		return FALSE;
	if (!sms_base36(n % (36 * 36 * 36 * 36), 4, digits))
		return FALSE;
	*out = g_strdup_printf("%s%s", site->code, digits);
	return TRUE;
}

SmsTime
sms_poll_ceil(SmsSite *site, SmsTime t)
{
	return sms_time_ceil(t, sms_response_poll_minutes(site->self->response) * SMS_MINUTE);
}

typedef struct {
	gpointer value;
	GDestroyNotify destroy;
} CacheEntry;

static void
cache_entry_free(gpointer p)
{
	CacheEntry *e = p;
	if (e->destroy)
		e->destroy(e->value);
	g_free(e);
}

gpointer
sms_site_cache_get(SmsSite *site, const char *key)
{
	CacheEntry *e = site->cache ? g_hash_table_lookup(site->cache, key) : NULL;
	return e ? e->value : NULL;
}

void
sms_site_cache_put(SmsSite *site, const char *key, gpointer value, GDestroyNotify destroy)
{
	CacheEntry *e = g_new0(CacheEntry, 1);
	if (site->cache == NULL)
		site->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cache_entry_free);
	e->value = value;
	e->destroy = destroy;
	g_hash_table_insert(site->cache, g_strdup(key), e);
}

void
sms_site_cache_drop(SmsSite *site, const char *key)
{
	if (site->cache)
		g_hash_table_remove(site->cache, key);
}
