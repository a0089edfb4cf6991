/* samba.c -- a site's shares as smb.conf sections; smbstatus --json (see samba.h). */
#include "samba.h"
#include "db.h"
#include "share.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

G_DEFINE_QUARK(sms-samba-error-quark, sms_samba_error)

void
sms_samba_share_free(SmsSambaShare *s)
{
	if (s == NULL)
		return;
	g_free(s->server);
	g_free(s->name);
	g_free(s->path);
	g_free(s->comment);
	g_free(s->acl);
	g_free(s->package);
	g_free(s->package_dir);
	if (s->revoked_dirs)
		g_ptr_array_unref(s->revoked_dirs);
	g_free(s);
}

void
sms_samba_open_free(SmsSambaOpen *o)
{
	if (o == NULL)
		return;
	g_free(o->path);
	g_free(o->service_path);
	g_free(o->file);
	g_free(o->service);
	g_free(o->user);
	g_free(o->machine);
	g_free(o->access);
	g_free(o);
}

/* ---- the shares of a server --------------------------------------------------------- */

static SmsSambaShare *
share_new(const char *server, const char *name, char *path, const char *comment,
          const char *acl)
{
	SmsSambaShare *s = g_new0(SmsSambaShare, 1);
	s->server = g_strdup(server);
	s->name = g_strdup(name);
	s->path = path;
	s->comment = g_strdup(comment);
	s->acl = g_strdup(acl);
	s->revoked_dirs = g_ptr_array_new_with_free_func(g_free);
	return s;
}

static SmsSambaShare *
find_share(GPtrArray *shares, const char *name)
{
	for (guint i = 0; i < shares->len; i++) {
		SmsSambaShare *s = shares->pdata[i];
		if (sms_str_equal_ci(s->name, name))
			return s;
	}
	return NULL;
}

/* Share packages and SMS_PKG<x> directories the Despooler installed on the server. */
static gboolean
add_packages(SmsSite *site, SmsServerDef *srv, GPtrArray *shares, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT package, path FROM package_locations "
	                               "WHERE server = ? AND site = ? ORDER BY package", error);
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv->name);
	sms_db_bind_text(st, 2, site->code);
	for (;;) {
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		g_ptr_array_add(rows, sms_db_col_text(st, 0));
		g_ptr_array_add(rows, sms_db_col_text(st, 1));
	}
	for (guint i = 0; i + 1 < rows->len; i += 2) {
		const char *pkg = rows->pdata[i], *path = rows->pdata[i + 1];
		gboolean placed = FALSE;
		for (guint j = 0; j < srv->drives->len && !placed; j++) {
			char letter = g_array_index(srv->drives, SmsDriveDef, j).letter;
			g_autofree char *drive = sms_layout_drive(site, srv->name, letter);
			g_autofree char *pkgs = sms_layout_pkg_share(site, srv->name, letter);
			g_autofree char *acl = NULL;
			gboolean revoked = FALSE;
			const char *rel;
			if (path == NULL || !g_str_has_prefix(path, drive) || path[strlen(drive)] != '/')
				continue;
			placed = TRUE;
			if (!sms_share_get_acl(site, srv->name, pkg, &acl, &revoked, error))
				return FALSE;
			if (g_str_has_prefix(path, pkgs) && path[strlen(pkgs)] == '/') {
				/* SMS_PKG<x>\<PackageID>: a directory of the drive's share */
				g_autofree char *base = g_path_get_basename(pkgs);
				SmsSambaShare *s = find_share(shares, base);
				if (s == NULL) {
					s = share_new(srv->name, base, g_strdup(pkgs), "SMS package share",
					              "Everyone:Full");
					g_ptr_array_add(shares, s);
				}
				if (revoked)
					g_ptr_array_add(s->revoked_dirs, g_strdup(path + strlen(pkgs) + 1));
			} else {
				/* a Share Package job's directory: the share is its first component */
				g_autofree char *first = NULL;
				const char *slash;
				SmsSambaShare *had;
				rel = path + strlen(drive) + 1;
				slash = strchr(rel, '/');
				first = slash ? g_strndup(rel, (gsize)(slash - rel)) : g_strdup(rel);
				had = find_share(shares, first);
				if (had != NULL && g_strcmp0(had->package, pkg) != 0) {
					/* two packages under one share (SMS 1.x would have renamed the
					 * second one's root): its files count for both */
					g_clear_pointer(&had->package, g_free);
					g_clear_pointer(&had->package_dir, g_free);
				} else if (had == NULL) {
					SmsSambaShare *s = share_new(srv->name, first,
					                             g_build_filename(drive, first, NULL),
					                             "SMS shared package", acl);
					s->package = g_strdup(pkg);
					s->package_dir = slash ? g_strdup(slash + 1) : NULL;
					s->revoked = revoked;
					g_ptr_array_add(shares, s);
				}
			}
		}
	}
	return TRUE;
}

gboolean
sms_samba_shares(SmsSite *site, const char *server, GPtrArray **out, GError **error)
{
	SmsServerDef *srv = sms_world_def_server(site->def, server);
	g_autoptr(GPtrArray) shares = NULL;
	g_autofree char *service = NULL;
	if (srv == NULL || !sms_str_equal_ci(srv->site, site->code))
		return sms_throw_domain(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN,
		                        "%s: no server %s in site %s", site->root, server, site->code);
	shares = g_ptr_array_new_with_free_func((GDestroyNotify)sms_samba_share_free);
	service = g_strdup_printf("%s:Full", site->self->service_account);
	if (srv->roles & (SMS_ROLE_SITE | SMS_ROLE_LOGON)) {
		char letter = srv->drives->len ? g_array_index(srv->drives, SmsDriveDef, 0).letter
		                               : 'C';
		g_autofree char *name = g_strdup_printf("SMS_SHR%c", g_ascii_toupper(letter));
		g_ptr_array_add(shares, share_new(srv->name, name,
		                                  sms_layout_sms_root(site, srv->name),
		                                  "SMS root directory", service));
	}
	if (srv->roles & SMS_ROLE_LOGON)
		g_ptr_array_add(shares, share_new(srv->name, "SMS_SHR",
		                                  sms_layout_logon_srv(site, srv->name),
		                                  "SMS logon server share", "Everyone:Full"));
	if (srv->roles & SMS_ROLE_SITE)
		g_ptr_array_add(shares, share_new(srv->name, "SMS_SITE", sms_layout_receive(site),
		                                  "SMS site server inbox", service));
	if (srv->roles & SMS_ROLE_DISTRIBUTION) {
		for (guint j = 0; j < srv->drives->len; j++) {
			char letter = g_array_index(srv->drives, SmsDriveDef, j).letter;
			g_autofree char *pkgs = sms_layout_pkg_share(site, srv->name, letter);
			g_autofree char *base = g_path_get_basename(pkgs);
			if (g_file_test(pkgs, G_FILE_TEST_IS_DIR))
				g_ptr_array_add(shares, share_new(srv->name, base, g_steal_pointer(&pkgs),
				                                  "SMS package share", "Everyone:Full"));
		}
	}
	if (!add_packages(site, srv, shares, error))
		return FALSE;
	*out = g_steal_pointer(&shares);
	return TRUE;
}

/* ---- smb.conf -------------------------------------------------------------------------- */

enum { NONE, READ, WRITE };

static gboolean
parse_right(const char *acl, const char *entry, const char *right, int *out, GError **error)
{
	if (g_ascii_strcasecmp(right, "None") == 0)
		*out = NONE;
	else if (g_ascii_strcasecmp(right, "Read") == 0)
		*out = READ;
	else if (g_ascii_strcasecmp(right, "Change") == 0 || g_ascii_strcasecmp(right, "Full") == 0)
		*out = WRITE;
	else
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_ACL,
		                        "ACL '%s': entry '%s': expected None, Read, Change or Full",
		                        acl, entry);
	return TRUE;
}

/* A Unix account name smb.conf can list (no spaces, quotes, commas or '@+&'). */
static gboolean
check_account(const char *acl, const char *name, GError **error)
{
	if (*name == '\0' || strpbrk(name, " \t\r\n\",;@+&=[]#") != NULL)
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_ACL,
		                        "ACL '%s': '%s' is not an account name smb.conf can list", acl,
		                        name);
	return TRUE;
}

static void
add_list(GPtrArray *out, const char *key, GPtrArray *names)
{
	g_autoptr(GString) s = g_string_new(NULL);
	if (names->len == 0)
		return;
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (const char *)names->pdata[i]);
	g_ptr_array_add(out, g_strdup_printf("%s = %s", key, s->str));
}

gboolean
sms_samba_acl_params(const char *acl, const SmsSambaConfOptions *opts, GPtrArray *out,
                     GError **error)
{
	const char *guest = opts && opts->guest_account ? opts->guest_account : "nobody";
	g_auto(GStrv) entries = g_strsplit(acl ? acl : "", ";", -1);
	g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) writers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) named = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
	int users = NONE, guests = NONE;
	guint n = 0;

	if (!check_account(acl ? acl : "", guest, error))
		return FALSE;
	for (guint i = 0; entries[i]; i++) {
		g_autofree char *e = g_strstrip(g_strdup(entries[i]));
		char *colon;
		int right = NONE;
		if (*e == '\0')
			continue;
		colon = strchr(e, ':');
		if (colon == NULL)
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_ACL,
			                        "ACL '%s': entry '%s': expected WHO:RIGHT", acl, e);
		*colon = '\0';
		g_strstrip(e);
		if (!parse_right(acl, entries[i], g_strstrip(colon + 1), &right, error))
			return FALSE;
		n++;
		if (g_ascii_strcasecmp(e, "Everyone") == 0) {
			users = MAX(users, right);
			guests = MAX(guests, right);
		} else if (g_ascii_strcasecmp(e, "Users") == 0) {
			users = MAX(users, right);
		} else if (g_ascii_strcasecmp(e, "Guests") == 0) {
			guests = MAX(guests, right);
		} else {
			if (!check_account(acl, e, error))
				return FALSE;
			if (right == READ)
				g_ptr_array_add(readers, g_strdup(e));
			else if (right == WRITE)
				g_ptr_array_add(writers, g_strdup(e));
		}
	}
	if (n == 0)
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_ACL,
		                        "ACL '%s': expected at least one WHO:RIGHT entry",
		                        acl ? acl : "");
	if (users == NONE && guests == NONE && readers->len == 0 && writers->len == 0) {
		g_ptr_array_add(out, g_strdup("available = no"));
		return TRUE;
	}
	if (users == NONE && guests == NONE) {
		/* named accounts only (a revoked share: the service account) */
		for (guint i = 0; i < writers->len; i++)
			g_ptr_array_add(named, g_strdup(writers->pdata[i]));
		for (guint i = 0; i < readers->len; i++)
			g_ptr_array_add(named, g_strdup(readers->pdata[i]));
		add_list(out, "valid users", named);
		g_ptr_array_add(out, g_strdup("guest ok = no"));
		g_ptr_array_add(out, g_strdup_printf("read only = %s", writers->len ? "no" : "yes"));
		if (writers->len && readers->len)
			add_list(out, "read list", readers);
		return TRUE;
	}
	if (users == NONE) {
		/* guests only: every connection is the guest account */
		g_ptr_array_add(out, g_strdup("guest ok = yes"));
		g_ptr_array_add(out, g_strdup("guest only = yes"));
		g_ptr_array_add(out, g_strdup_printf("read only = %s", guests == WRITE ? "no" : "yes"));
		return TRUE;
	}
	g_ptr_array_add(out, g_strdup_printf("guest ok = %s", guests != NONE ? "yes" : "no"));
	g_ptr_array_add(out, g_strdup_printf("read only = %s", users == WRITE ? "no" : "yes"));
	if (users == WRITE) {
		/* write by default: guests that may only read, and read-only accounts */
		if (guests == READ)
			g_ptr_array_add(list, g_strdup(guest));
		for (guint i = 0; i < readers->len; i++)
			g_ptr_array_add(list, g_strdup(readers->pdata[i]));
		add_list(out, "read list", list);
	} else {
		/* read by default: guests that may write, and writing accounts */
		if (guests == WRITE)
			g_ptr_array_add(list, g_strdup(guest));
		for (guint i = 0; i < writers->len; i++)
			g_ptr_array_add(list, g_strdup(writers->pdata[i]));
		add_list(out, "write list", list);
	}
	return TRUE;
}

/* A share name smb.conf can hold: printable, no ']' or the characters Windows forbids. */
static gboolean
check_share(const SmsSambaShare *s, GError **error)
{
	const char *bad = "\"/\\[]:|<>+=;,*?%";
	if (s->name == NULL || *s->name == '\0' || strlen(s->name) > 80)
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
		                        "share of %s: expected a name of 1 to 80 characters",
		                        s->server);
	for (const char *c = s->name; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f || strchr(bad, *c))
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
			                        "share '%s' of %s: character '%c' at offset %d cannot be "
			                        "in a share name", s->name, s->server,
			                        g_ascii_isprint(*c) ? *c : '?', (int)(c - s->name));
	if (s->path == NULL || !g_path_is_absolute(s->path) || strpbrk(s->path, "\r\n") != NULL ||
	    g_str_has_suffix(s->path, "\\"))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
		                        "share '%s' of %s: path '%s' is not an absolute path smb.conf "
		                        "can hold on one line", s->name, s->server,
		                        s->path ? s->path : "");
	return TRUE;
}

gboolean
sms_samba_conf(GPtrArray *shares, const SmsSambaConfOptions *opts, char **out, GError **error)
{
	g_autoptr(GString) conf = g_string_new(NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < shares->len; i++) {
		SmsSambaShare *s = shares->pdata[i];
		g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *key = NULL;
		if (!check_share(s, error))
			return FALSE;
		key = g_ascii_strup(s->name, -1);
		if (!g_hash_table_add(seen, g_steal_pointer(&key)))
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
			                        "share '%s' of %s: two shares of that name", s->name,
			                        s->server);
		if (!sms_samba_acl_params(s->acl, opts, params, error)) {
			g_prefix_error(error, "share '%s' of %s: ", s->name, s->server);
			return FALSE;
		}
		g_string_append_printf(conf, "\n# \\\\%s\\%s (ACL %s%s)\n[%s]\n", s->server, s->name,
		                       s->acl, s->revoked ? ", access revoked" : "", s->name);
		g_string_append_printf(conf, "\tpath = %s\n", s->path);
		if (s->comment)
			g_string_append_printf(conf, "\tcomment = %s\n", s->comment);
		for (guint j = 0; j < params->len; j++)
			g_string_append_printf(conf, "\t%s\n", (const char *)params->pdata[j]);
		if (s->revoked_dirs && s->revoked_dirs->len) {
			/* package directories whose access is revoked: invisible over SMB */
			g_string_append(conf, "\tveto files = ");
			for (guint j = 0; j < s->revoked_dirs->len; j++) {
				const char *d = s->revoked_dirs->pdata[j];
				if (strpbrk(d, "/\r\n?*") != NULL)
					return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
					                        "share '%s' of %s: directory '%s' cannot be "
					                        "vetoed", s->name, s->server, d);
				g_string_append_printf(conf, "/%s", d);
			}
			g_string_append(conf, "/\n");
		}
		if (opts && opts->force_user)
			g_string_append_printf(conf, "\tforce user = %s\n", opts->force_user);
		/* Windows semantics over SMB: no Unix extensions, no symlinks out of the share */
		g_string_append(conf, "\twide links = no\n\tfollow symlinks = no\n");
	}
	*out = g_string_free(g_steal_pointer(&conf), FALSE);
	return TRUE;
}

/* ---- smbstatus --json --------------------------------------------------------------- */

static gboolean
member(JsonObject *o, const char *what, const char *ctx, const char *name, JsonNodeType type,
       JsonNode **out, GError **error)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || JSON_NODE_TYPE(n) != type)
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
		                        "%s: %s: expected member \"%s\" (%s)", what, ctx, name,
		                        type == JSON_NODE_OBJECT ? "an object" :
		                        type == JSON_NODE_VALUE ? "a value" : "an array");
	*out = n;
	return TRUE;
}

static gboolean
member_object(JsonObject *o, const char *what, const char *ctx, const char *name,
              JsonObject **out, GError **error)
{
	JsonNode *n = NULL;
	if (!member(o, what, ctx, name, JSON_NODE_OBJECT, &n, error))
		return FALSE;
	*out = json_node_get_object(n);
	return TRUE;
}

/* A string member (numbers are accepted as their decimal text: smbstatus prints uids as
 * numbers and pids as strings). */
static gboolean
member_text(JsonObject *o, const char *what, const char *ctx, const char *name, char **out,
            GError **error)
{
	JsonNode *n = NULL;
	GType t;
	if (!member(o, what, ctx, name, JSON_NODE_VALUE, &n, error))
		return FALSE;
	t = json_node_get_value_type(n);
	if (t == G_TYPE_STRING)
		*out = g_strdup(json_node_get_string(n));
	else if (t == G_TYPE_INT64)
		*out = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	else
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
		                        "%s: %s: member \"%s\": expected a string or an integer", what,
		                        ctx, name);
	return TRUE;
}

/* The key of a server_id: "pid/unique_id". */
static gboolean
server_key(JsonObject *o, const char *what, const char *ctx, char **out, int *out_pid,
           GError **error)
{
	JsonObject *sid;
	g_autofree char *pid = NULL, *uniq = NULL;
	gint64 p;
	g_autoptr(GError) local = NULL;
	if (!member_object(o, what, ctx, "server_id", &sid, error) ||
	    !member_text(sid, what, ctx, "pid", &pid, error) ||
	    !member_text(sid, what, ctx, "unique_id", &uniq, error))
		return FALSE;
	if (!sms_parse_int(pid, 1, G_MAXINT, &p, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
		                        "%s: %s: server_id.pid '%s': %s", what, ctx, pid,
		                        local->message);
	*out = g_strdup_printf("%s/%s", pid, uniq);
	if (out_pid)
		*out_pid = (int)p;
	return TRUE;
}

/* "2026-12-04T14:58:58.350045+00:00" -> seconds (UTC offset applied). */
static SmsTime
parse_opened(const char *s)
{
	g_autoptr(GDateTime) dt = s ? g_date_time_new_from_iso8601(s, NULL) : NULL;
	g_autoptr(GDateTime) utc = NULL;
	if (dt == NULL)
		return SMS_TIME_NONE;
	utc = g_date_time_to_utc(dt);
	return sms_time_from_fields(g_date_time_get_year(utc), g_date_time_get_month(utc),
	                            g_date_time_get_day_of_month(utc), g_date_time_get_hour(utc),
	                            g_date_time_get_minute(utc), g_date_time_get_second(utc));
}

typedef struct {
	char *user, *machine;
} Session;

static void
session_free(Session *s)
{
	g_free(s->user);
	g_free(s->machine);
	g_free(s);
}

gboolean
sms_samba_status_parse(const char *json, gssize len, const char *what, GPtrArray **out,
                       GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	g_autoptr(GHashTable) sessions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                       (GDestroyNotify)session_free);
	/* server key -> service name, or "" when the connection has several */
	g_autoptr(GHashTable) services = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                       g_free);
	g_autoptr(GPtrArray) opens = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                            sms_samba_open_free);
	JsonNode *root;
	JsonObject *top, *obj;
	g_autoptr(GList) keys = NULL;

	if (!json_parser_load_from_data(parser, json, len, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON, "%s: %s", what,
		                        local->message);
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
		                        "%s: expected a JSON object (smbstatus --json)", what);
	top = json_node_get_object(root);

	/* sessions: who is at the other end of each smbd connection */
	if (!member_object(top, what, "top level", "sessions", &obj, error))
		return FALSE;
	keys = json_object_get_members(obj);
	for (GList *l = keys; l; l = l->next) {
		g_autofree char *ctx = g_strdup_printf("sessions.%s", (const char *)l->data);
		JsonNode *n = json_object_get_member(obj, l->data);
		g_autofree char *key = NULL;
		Session *s;
		if (!JSON_NODE_HOLDS_OBJECT(n))
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
			                        "%s: %s: expected an object", what, ctx);
		s = g_new0(Session, 1);
		if (!server_key(json_node_get_object(n), what, ctx, &key, NULL, error) ||
		    !member_text(json_node_get_object(n), what, ctx, "username", &s->user, error) ||
		    !member_text(json_node_get_object(n), what, ctx, "remote_machine", &s->machine,
		                 error)) {
			session_free(s);
			return FALSE;
		}
		g_hash_table_replace(sessions, g_steal_pointer(&key), s);
	}
	g_clear_pointer(&keys, g_list_free);

	/* tree connects: which share each connection is on */
	if (!member_object(top, what, "top level", "tcons", &obj, error))
		return FALSE;
	keys = json_object_get_members(obj);
	for (GList *l = keys; l; l = l->next) {
		g_autofree char *ctx = g_strdup_printf("tcons.%s", (const char *)l->data);
		JsonNode *n = json_object_get_member(obj, l->data);
		g_autofree char *key = NULL, *service = NULL;
		const char *had;
		if (!JSON_NODE_HOLDS_OBJECT(n))
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
			                        "%s: %s: expected an object", what, ctx);
		if (!server_key(json_node_get_object(n), what, ctx, &key, NULL, error) ||
		    !member_text(json_node_get_object(n), what, ctx, "service", &service, error))
			return FALSE;
		if (g_ascii_strcasecmp(service, "IPC$") == 0)
			continue;
		had = g_hash_table_lookup(services, key);
		if (had == NULL)
			g_hash_table_replace(services, g_steal_pointer(&key), g_steal_pointer(&service));
		else if (g_ascii_strcasecmp(had, service) != 0)
			g_hash_table_replace(services, g_steal_pointer(&key), g_strdup(""));
	}
	g_clear_pointer(&keys, g_list_free);

	/* open files, in the order smbstatus gives them */
	if (!member_object(top, what, "top level", "open_files", &obj, error))
		return FALSE;
	keys = json_object_get_members(obj);
	for (GList *l = keys; l; l = l->next) {
		const char *path = l->data;
		g_autofree char *ctx = g_strdup_printf("open_files[\"%s\"]", path);
		JsonNode *n = json_object_get_member(obj, path);
		JsonObject *f, *ops;
		g_autofree char *service_path = NULL, *filename = NULL;
		g_autoptr(GList) okeys = NULL;
		if (!JSON_NODE_HOLDS_OBJECT(n))
			return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
			                        "%s: %s: expected an object", what, ctx);
		f = json_node_get_object(n);
		if (!member_text(f, what, ctx, "service_path", &service_path, error) ||
		    !member_text(f, what, ctx, "filename", &filename, error) ||
		    !member_object(f, what, ctx, "opens", &ops, error))
			return FALSE;
		okeys = json_object_get_members(ops);
		for (GList *m = okeys; m; m = m->next) {
			g_autofree char *octx = g_strdup_printf("%s.opens[\"%s\"]", ctx,
			                                        (const char *)m->data);
			JsonNode *on = json_object_get_member(ops, m->data);
			JsonObject *o, *mask;
			g_autoptr(SmsSambaOpen) op = g_new0(SmsSambaOpen, 1);
			g_autofree char *key = NULL, *opened = NULL;
			Session *s;
			const char *service;
			if (!JSON_NODE_HOLDS_OBJECT(on))
				return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
				                        "%s: %s: expected an object", what, octx);
			o = json_node_get_object(on);
			if (!server_key(o, what, octx, &key, &op->pid, error) ||
			    !member_object(o, what, octx, "access_mask", &mask, error) ||
			    !member_text(mask, what, octx, "text", &op->access, error) ||
			    !member_text(o, what, octx, "opened_at", &opened, error))
				return FALSE;
			s = g_hash_table_lookup(sessions, key);
			if (s == NULL)
				return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_JSON,
				                        "%s: %s: no session of server %s", what, octx, key);
			op->path = g_strdup(path);
			op->service_path = g_strdup(service_path);
			op->file = g_strdup(filename);
			g_strdelimit(op->file, "\\", '/');
			service = g_hash_table_lookup(services, key);
			op->service = service && *service ? g_strdup(service) : NULL;
			op->user = g_strdup(s->user);
			op->machine = g_strdup(s->machine);
			op->opened = parse_opened(opened);
			g_ptr_array_add(opens, g_steal_pointer(&op));
		}
	}
	*out = g_steal_pointer(&opens);
	return TRUE;
}

gboolean
sms_samba_status_run(const char *const *argv, GPtrArray **out, GError **error)
{
	g_autofree char *out_text = NULL, *err_text = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *cmd = NULL;
	int status = 0;
	if (argv == NULL || argv[0] == NULL)
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN,
		                        "smbstatus: no command given");
	cmd = g_strjoinv(" ", (char **)argv);
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out_text,
	                  &err_text, &status, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN, "%s: %s", cmd,
		                        local->message);
	if (!g_spawn_check_wait_status(status, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN, "%s: %s: %s",
		                        cmd, local->message, g_strstrip(err_text));
	return sms_samba_status_parse(out_text, -1, cmd, out, error);
}

/* ---- as share sessions ---------------------------------------------------------------- */

static gboolean
is_pkg_share(const char *name)
{
	return g_ascii_strncasecmp(name, "SMS_PKG", 7) == 0 && strlen(name) == 8;
}

gboolean
sms_samba_sessions(GPtrArray *opens, GPtrArray *shares, const char *server, GPtrArray *out,
                   GError **error)
{
	g_autofree char *srv = NULL;
	if (server == NULL || *server == '\0')
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_NAME,
		                        "smbstatus sessions: expected a server name");
	srv = sms_strup(server);
	for (guint i = 0; i < opens->len; i++) {
		SmsSambaOpen *o = opens->pdata[i];
		SmsSambaShare *by_path = NULL, *match = NULL;
		SmsShareSession *s;
		guint same_path = 0;
		const char *slash;
		for (guint j = 0; j < shares->len; j++) {
			SmsSambaShare *sh = shares->pdata[j];
			if (g_strcmp0(sh->path, o->service_path) != 0)
				continue;
			same_path++;
			by_path = sh;
			if (o->service && sms_str_equal_ci(o->service, sh->name))
				match = sh;
		}
		if (match == NULL && same_path == 1)
			match = by_path;
		if (match == NULL)
			continue;
		s = g_new0(SmsShareSession, 1);
		s->server = g_strdup(srv);
		s->user = g_strdup(o->user);
		s->machine = g_strdup(o->machine);
		s->kind = g_strdup("smb");
		s->opened = o->opened;
		s->closes = SMS_TIME_NONE;
		s->closed = SMS_TIME_NONE;
		s->pid = o->pid;
		slash = strchr(o->file, '/');
		if (is_pkg_share(match->name) && slash != NULL) {
			/* SMS_PKG<x>\<PackageID>\file */
			s->share = g_strndup(o->file, (gsize)(slash - o->file));
			s->package = g_strdup(s->share);
			s->file = g_strdup(slash + 1);
		} else if (match->package != NULL) {
			/* a Share Package share: the package's directory, by its ID */
			gsize n = match->package_dir ? strlen(match->package_dir) : 0;
			s->share = g_strdup(match->package);
			s->package = g_strdup(match->package);
			s->file = g_strdup(n && g_str_has_prefix(o->file, match->package_dir) &&
			                   o->file[n] == '/' ? o->file + n + 1 : o->file);
		} else {
			s->share = g_strdup(match->name);
			s->file = g_strdup(o->file);
		}
		g_ptr_array_add(out, s);
	}
	return TRUE;
}

/* ---- servers whose shares Samba serves ------------------------------------------------ */

static const SmsMigration samba_migrations[] = {
	{ 1, "CREATE TABLE samba_servers(server TEXT PRIMARY KEY, smbstatus TEXT NOT NULL);" },
};

static gboolean
ensure_schema(SmsSite *site, GError **error)
{
	return sms_db_migrate(site->db, "samba", samba_migrations, G_N_ELEMENTS(samba_migrations),
	                      error);
}

gboolean
sms_samba_set_server(SmsSite *site, const char *server, const char *command, GError **error)
{
	SmsServerDef *srv = sms_world_def_server(site->def, server ? server : "");
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) local = NULL;
	sqlite3_stmt *st;
	if (srv == NULL || !sms_str_equal_ci(srv->site, site->code))
		return sms_throw_domain(error, SMS_SITE_ERROR, SMS_SITE_ERROR_UNKNOWN,
		                        "%s: no server %s in site %s", site->root,
		                        server ? server : "", site->code);
	if (command && !g_shell_parse_argv(command, NULL, &argv, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN,
		                        "smbstatus command '%s': %s", command, local->message);
	if (!ensure_schema(site, error))
		return FALSE;
	st = sms_db_stmt(site->db, command ? "INSERT OR REPLACE INTO samba_servers(server, "
	                 "smbstatus) VALUES (?, ?)" : "DELETE FROM samba_servers WHERE server = ?",
	                 error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv->name);
	if (command)
		sms_db_bind_text(st, 2, command);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_samba_server_command(SmsSite *site, const char *server, char **out, GError **error)
{
	g_autofree char *srv = sms_strup(server ? server : "");
	sqlite3_stmt *st;
	gboolean row;
	/* a site that never had the setting has no table (and gets none from a look-up) */
	st = sms_db_stmt(site->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
	                 "'samba_servers'", error);
	if (st == NULL || !sms_db_step(site->db, st, &row, error))
		return FALSE;
	sqlite3_reset(st);
	if (!row) {
		*out = NULL;
		return TRUE;
	}
	st = sms_db_stmt(site->db, "SELECT smbstatus FROM samba_servers WHERE server = ?", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, srv);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	*out = row ? sms_db_col_text(st, 0) : NULL;
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_samba_holders(SmsSite *site, const char *server, const char *package,
                  const char *share_name, GPtrArray *out, GError **error)
{
	g_autofree char *command = NULL;
	g_auto(GStrv) argv = NULL;
	g_autoptr(GPtrArray) opens = NULL;
	g_autoptr(GPtrArray) shares = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)
	                                                          sms_share_session_free);
	g_autoptr(GError) local = NULL;
	g_autofree char *root = NULL;
	if (!sms_samba_server_command(site, server, &command, error))
		return FALSE;
	if (command == NULL)
		return TRUE;
	if (!g_shell_parse_argv(command, NULL, &argv, &local))
		return sms_throw_domain(error, SMS_SAMBA_ERROR, SMS_SAMBA_ERROR_SPAWN,
		                        "smbstatus command '%s' of %s: %s", command, server,
		                        local->message);
	if (!sms_samba_status_run((const char *const *)argv, &opens, error) ||
	    !sms_samba_shares(site, server, &shares, error) ||
	    !sms_samba_sessions(opens, shares, server, all, error))
		return FALSE;
	/* a share holding several packages: its first component */
	if (share_name)
		root = g_strndup(share_name, strcspn(share_name, "\\/"));
	for (guint i = 0; i < all->len; i++) {
		SmsShareSession *s = all->pdata[i];
		if ((package && (sms_str_equal_ci(s->share, package) ||
		                 sms_str_equal_ci(s->package, package))) ||
		    (share_name && sms_str_equal_ci(s->share, share_name)) ||
		    (root && s->package == NULL && sms_str_equal_ci(s->share, root)))
			g_ptr_array_add(out, g_steal_pointer(&all->pdata[i]));
	}
	return TRUE;
}
