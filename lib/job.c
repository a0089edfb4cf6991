/* job.c -- jobs and packages in the site database (see job.h). */
#include "job.h"
#include "db.h"
#include "pdf.h"
#include "query.h"

#include <stdarg.h>

G_DEFINE_QUARK(sms-job-error-quark, sms_job_error)

const char *
sms_status_name(SmsStatus s)
{
	switch (s) {
	case SMS_STATUS_NONE: return "None";
	case SMS_STATUS_PENDING: return "Pending";
	case SMS_STATUS_ACTIVE: return "Active";
	case SMS_STATUS_CANCELLED: return "Cancelled";
	case SMS_STATUS_COMPLETE: return "Complete";
	case SMS_STATUS_FAILED: return "Failed";
	case SMS_STATUS_RETRYING: return "Retrying";
	}
	return "Unknown";
}

const char *
sms_job_type_name(SmsJobType t)
{
	switch (t) {
	case SMS_JOB_RUN_COMMAND: return "Run Command On Workstation";
	case SMS_JOB_SHARE_PACKAGE: return "Share Package On Server";
	case SMS_JOB_REMOVE_PACKAGE: return "Remove Package From Server";
	case SMS_JOB_SYSTEM: return "System";
	}
	return "Unknown";
}

const char *
sms_priority_name(SmsPriority p)
{
	return p == SMS_PRIORITY_HIGH ? "High" : p == SMS_PRIORITY_LOW ? "Low" : "Medium";
}

const char *
sms_repeat_name(SmsRepeat r)
{
	switch (r) {
	case SMS_REPEAT_DAILY: return "Daily";
	case SMS_REPEAT_WEEKLY: return "Weekly";
	case SMS_REPEAT_BIWEEKLY: return "Every Other Week";
	case SMS_REPEAT_MONTHLY: return "Monthly";
	default: return "Never";
	}
}

void
sms_job_free(SmsJob *j)
{
	if (j == NULL)
		return;
	g_free(j->id); g_free(j->name); g_free(j->comment); g_free(j->site); g_free(j->package);
	g_free(j->target); g_free(j->limit_site); g_free(j->dist_servers); g_free(j->command);
	g_free(j->origin_job);
	g_free(j);
}

static void
command_free(gpointer p)
{
	SmsPackageCommand *c = p;
	g_free(c->name);
	g_free(c->variation);
	g_free(c->command_line);
	g_free(c);
}

void
sms_package_free(SmsPackage *p)
{
	if (p == NULL)
		return;
	g_free(p->id); g_free(p->name); g_free(p->version); g_free(p->comment); g_free(p->site);
	g_free(p->pdf_path); g_free(p->source); g_free(p->server_source); g_free(p->share_name);
	g_free(p->share_access);
	g_free(p->pdf_text);
	if (p->commands)
		g_ptr_array_unref(p->commands);
	g_free(p);
}

/* ---- property parsing ---------------------------------------------------------- */

typedef struct {
	const char *where;
	GArray *lines;
	guint idx;
	GError **error;
} Ctx;

static gboolean
bad_code(Ctx *c, int code, const char *fmt, va_list ap) G_GNUC_PRINTF(3, 0);

static gboolean
bad_code(Ctx *c, int code, const char *fmt, va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	if (c->lines && c->idx < c->lines->len) {
		/* "file.ini:42" (the section's line) -> "file.ini:<line of the key>" */
		g_autofree char *base = g_strdup(c->where);
		char *colon = strrchr(base, ':');
		if (colon && g_ascii_isdigit(colon[1]))
			*colon = '\0';
		g_set_error(c->error, SMS_JOB_ERROR, code, "%s:%d: %s", base,
		            g_array_index(c->lines, int, c->idx), msg);
	} else {
		g_set_error(c->error, SMS_JOB_ERROR, code, "%s: %s", c->where, msg);
	}
	return FALSE;
}

static gboolean
bad(Ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
bad(Ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_code(c, SMS_JOB_ERROR_INVALID, fmt, ap);
	va_end(ap);
	return FALSE;
}

static gboolean
not_found(Ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
not_found(Ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_code(c, SMS_JOB_ERROR_NOT_FOUND, fmt, ap);
	va_end(ap);
	return FALSE;
}

static gboolean
parse_time_prop(Ctx *c, const char *key, const char *v, SmsTime *out)
{
	g_autoptr(GError) local = NULL;
	if (!sms_time_parse(v, out, &local))
		return bad(c, "%s: expected a time \"YYYY-MM-DD HH:MM\", got '%s'", key, v);
	return TRUE;
}

static gboolean
parse_yes_no(Ctx *c, const char *key, const char *v, gboolean *out)
{
	g_autoptr(GError) local = NULL;
	if (!sms_parse_bool(v, out, &local))
		return bad(c, "%s: expected yes or no, got '%s'", key, v);
	return TRUE;
}

static gboolean
eq(const char *a, const char *b)
{
	return sms_str_equal_ci(a, b);
}

static char *
after_prefix(const char *v, const char *prefix)
{
	gsize n = strlen(prefix);
	if (g_ascii_strncasecmp(v, prefix, n) != 0)
		return NULL;
	return g_strstrip(g_strdup(v + n));
}

/* "SRV01, SRV02" -> "SRV01, SRV02" upper case, every name a server name. */
static gboolean
parse_server_list(Ctx *c, const char *key, const char *list, char **out)
{
	g_auto(GStrv) names = g_strsplit(list, ",", -1);
	g_autoptr(GString) norm = g_string_new(NULL);
	if (names[0] == NULL)
		return bad(c, "%s: expected 'Servers: NAME, NAME...', got an empty server list", key);
	for (char **p = names; *p; p++) {
		g_strstrip(*p);
		if (**p == '\0')
			return bad(c, "%s: expected 'Servers: NAME, NAME...', got an empty server name in "
			           "'%s'", key, list);
		for (const char *q = *p; *q; q++)
			if (!g_ascii_isalnum(*q) && *q != '-' && *q != '_' && *q != '$' && *q != '.')
				return bad(c, "%s: '%s' is not a server name", key, *p);
		g_string_append_printf(norm, "%s%s", norm->len ? ", " : "", *p);
	}
	*out = sms_strup(norm->str);
	return TRUE;
}

static gboolean
row_exists(SmsSite *site, const char *sql, const char *arg, gboolean *out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, arg);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	sqlite3_reset(st);
	*out = row;
	return TRUE;
}

/* Which keys a job type accepts besides the common ones (Type, Package, StartAfter,
 * Priority, Repeat, LimitToSite, IncludeSubsites, Comment, Name, Site). */
enum {
	K_COMMAND = 1 << 0, K_RUN = 1 << 1, K_TARGET = 1 << 2, K_OFFER = 1 << 3,
	K_MANDATORY = 1 << 4, K_EXPIRES = 1 << 5, K_SLOW = 1 << 6, K_SEND = 1 << 7,
	K_DIST = 1 << 8, K_REMOVE = 1 << 9,
};
static const struct { guint bit; const char *name; } type_keys[] = {
	{ K_COMMAND, "Command" }, { K_RUN, "RunCommand" }, { K_TARGET, "Target" },
	{ K_OFFER, "OfferAfter" }, { K_MANDATORY, "MandatoryAfter" },
	{ K_EXPIRES, "ExpiresAfter" }, { K_SLOW, "ForceOverSlowLink" }, { K_SEND, "Send" },
	{ K_DIST, "Distribute" }, { K_REMOVE, "RemoveFrom" },
};

static guint
keys_of_type(SmsJobType t)
{
	switch (t) {
	case SMS_JOB_RUN_COMMAND:
		return K_COMMAND | K_RUN | K_TARGET | K_OFFER | K_MANDATORY | K_EXPIRES | K_SLOW |
		       K_SEND | K_DIST;
	case SMS_JOB_SHARE_PACKAGE:
		return K_SEND | K_DIST;
	case SMS_JOB_REMOVE_PACKAGE:
		return K_REMOVE;
	default:
		return 0;
	}
}

gboolean
sms_job_from_props(SmsSite *site, GPtrArray *keys, GPtrArray *values, GArray *lines,
                   const char *where, SmsJob **out, GError **error)
{
	static const char *const known =
		"Type, Package, Command, RunCommand, Target, LimitToSite, IncludeSubsites, "
		"StartAfter, OfferAfter, MandatoryAfter, ExpiresAfter, ForceOverSlowLink, Priority, "
		"Repeat, Send, Distribute, RemoveFrom, Comment, Name, Site";
	g_autoptr(SmsJob) j = g_new0(SmsJob, 1);
	g_autoptr(SmsPackage) pkg = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	Ctx c = { where, lines, G_MAXUINT, error };
	guint given = 0;            /* K_* bits of the keys present */
	guint key_idx[G_N_ELEMENTS(type_keys)] = { 0 };
	gboolean have_type = FALSE, have_start = FALSE, have_subsites = FALSE;

	j->site = g_strdup(site->code);
	j->priority = SMS_PRIORITY_MEDIUM;
	j->repeat = SMS_REPEAT_NEVER;
	j->send_mode = SMS_SEND_IF_NOT_SENT;
	j->offer_after = j->mandatory_after = j->expires_after = SMS_TIME_NONE;
	j->remove_tasks = SMS_REMOVE_ALL;
	j->status = SMS_STATUS_PENDING;
	j->created = j->activated = j->finished = j->cancel_requested = SMS_TIME_NONE;

	for (guint i = 0; i < keys->len; i++) {
		const char *k = keys->pdata[i];
		g_autofree char *v = g_strstrip(g_strdup(values->pdata[i] ? values->pdata[i] : ""));
		g_autofree char *kup = sms_strup(k);
		c.idx = i;
		if (g_hash_table_contains(seen, kup))
			return bad(&c, "%s given twice", k);
		g_hash_table_add(seen, g_steal_pointer(&kup));
		for (gsize t = 0; t < G_N_ELEMENTS(type_keys); t++) {
			if (eq(k, type_keys[t].name)) {
				given |= type_keys[t].bit;
				key_idx[t] = i;
			}
		}
		if (eq(k, "Type")) {
			if (eq(v, "Run Command On Workstation"))
				j->type = SMS_JOB_RUN_COMMAND;
			else if (eq(v, "Share Package On Server"))
				j->type = SMS_JOB_SHARE_PACKAGE;
			else if (eq(v, "Remove Package From Server"))
				j->type = SMS_JOB_REMOVE_PACKAGE;
			else
				return bad(&c, "Type: expected Run Command On Workstation, Share Package On "
				           "Server or Remove Package From Server, got '%s'", v);
			have_type = TRUE;
		} else if (eq(k, "Package")) {
			g_autofree char *id = NULL;
			g_autoptr(GError) local = NULL;
			if (*v == '\0')
				return bad(&c, "Package: expected a package ID or name");
			if (!sms_package_resolve(site, v, &id, &local)) {
				if (g_error_matches(local, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND))
					return not_found(&c, "Package: %s", local->message);
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			j->package = g_steal_pointer(&id);
		} else if (eq(k, "Command")) {
			j->command = *v ? g_strdup(v) : NULL;
		} else if (eq(k, "RunCommand")) {
			if (!parse_yes_no(&c, k, v, &j->run_command))
				return FALSE;
		} else if (eq(k, "Target")) {
			char *rest;
			if ((rest = after_prefix(v, "Machine Path:"))) {
				g_auto(GStrv) parts = g_strsplit(rest, "|", -1);
				j->target_kind = SMS_TARGET_MACHINE_PATH;
				j->target = rest;
				if (g_strv_length(parts) != 3)
					return bad(&c, "Target: a machine path is SITE|DOMAIN|COMPUTER (with * "
					           "wildcards), got '%s'", rest);
				for (int p = 0; p < 3; p++)
					if (*g_strstrip(parts[p]) == '\0')
						return bad(&c, "Target: the %s part of machine path '%s' is empty "
						           "(use * for any)", p == 0 ? "site" : p == 1 ? "domain"
						           : "computer", rest);
			} else if ((rest = after_prefix(v, "Machine Group:"))) {
				j->target_kind = SMS_TARGET_MACHINE_GROUP;
				j->target = rest;
			} else if ((rest = after_prefix(v, "Query:"))) {
				g_autoptr(GError) local = NULL;
				g_autoptr(SmsQuery) q = NULL;
				j->target_kind = SMS_TARGET_QUERY;
				j->target = rest;
				if (*rest && (q = sms_query_parse(rest, &local)) == NULL)
					return bad(&c, "Target: %s", local->message);
			} else {
				return bad(&c, "Target: expected 'Machine Path: SITE|DOMAIN|COMPUTER', "
				           "'Machine Group: NAME' or 'Query: EXPRESSION', got '%s'", v);
			}
			if (*j->target == '\0')
				return bad(&c, "Target: '%s' names nothing", v);
		} else if (eq(k, "LimitToSite")) {
			j->limit_site = *v ? sms_strup(v) : NULL;
			j->limit_kind = *v ? SMS_LIMIT_SITE : SMS_LIMIT_NONE;
		} else if (eq(k, "IncludeSubsites")) {
			if (!parse_yes_no(&c, k, v, &j->include_subsites))
				return FALSE;
			have_subsites = TRUE;
		} else if (eq(k, "StartAfter")) {
			if (!parse_time_prop(&c, k, v, &j->start_after))
				return FALSE;
			have_start = TRUE;
		} else if (eq(k, "OfferAfter")) {
			if (!parse_time_prop(&c, k, v, &j->offer_after))
				return FALSE;
		} else if (eq(k, "MandatoryAfter")) {
			/* the Mandatory After checkbox needs its date: an empty value = unchecked */
			if (*v && !parse_time_prop(&c, k, v, &j->mandatory_after))
				return FALSE;
		} else if (eq(k, "ExpiresAfter")) {
			if (*v && !eq(v, "never") && !parse_time_prop(&c, k, v, &j->expires_after))
				return FALSE;
		} else if (eq(k, "ForceOverSlowLink")) {
			if (!parse_yes_no(&c, k, v, &j->force_slow_link))
				return FALSE;
		} else if (eq(k, "Priority")) {
			if (eq(v, "High")) j->priority = SMS_PRIORITY_HIGH;
			else if (eq(v, "Medium")) j->priority = SMS_PRIORITY_MEDIUM;
			else if (eq(v, "Low")) j->priority = SMS_PRIORITY_LOW;
			else return bad(&c, "Priority: expected High, Medium or Low, got '%s'", v);
		} else if (eq(k, "Repeat")) {
			if (eq(v, "Never")) j->repeat = SMS_REPEAT_NEVER;
			else if (eq(v, "Daily")) j->repeat = SMS_REPEAT_DAILY;
			else if (eq(v, "Weekly")) j->repeat = SMS_REPEAT_WEEKLY;
			else if (eq(v, "Every Other Week") || eq(v, "Biweekly")) j->repeat = SMS_REPEAT_BIWEEKLY;
			else if (eq(v, "Monthly")) j->repeat = SMS_REPEAT_MONTHLY;
			else return bad(&c, "Repeat: expected Never, Daily, Weekly, Every Other Week or "
			                "Monthly, got '%s'", v);
		} else if (eq(k, "Send")) {
			if (eq(v, "Only if not previously sent")) j->send_mode = SMS_SEND_IF_NOT_SENT;
			else if (eq(v, "Even if previously sent")) j->send_mode = SMS_SEND_ALWAYS;
			else return bad(&c, "Send: expected 'Only if not previously sent' or 'Even if "
			                "previously sent', got '%s'", v);
		} else if (eq(k, "Distribute")) {
			g_autofree char *rest = NULL;
			if (eq(v, "Default Servers")) {
				j->dist_mode = 0;
			} else if (eq(v, "Refresh Existing")) {
				j->dist_mode = SMS_DIST_EXISTING;
			} else if ((rest = after_prefix(v, "Servers:"))) {
				j->dist_mode = SMS_DIST_SPECIFIED;
				if (!parse_server_list(&c, k, rest, &j->dist_servers))
					return FALSE;
			} else {
				return bad(&c, "Distribute: expected 'Default Servers', 'Refresh Existing' or "
				           "'Servers: A, B', got '%s'", v);
			}
		} else if (eq(k, "RemoveFrom")) {
			g_autofree char *rest = NULL;
			if (eq(v, "All Servers")) {
				j->remove_tasks = SMS_REMOVE_ALL;
			} else if ((rest = after_prefix(v, "Servers:"))) {
				j->remove_tasks = SMS_REMOVE_SELECTED;
				if (!parse_server_list(&c, k, rest, &j->dist_servers))
					return FALSE;
			} else {
				return bad(&c, "RemoveFrom: expected 'All Servers' or 'Servers: A, B', got "
				           "'%s'", v);
			}
		} else if (eq(k, "Comment")) {
			if (strlen(v) > 255)
				return bad(&c, "Comment: at most 255 characters (SMS's limit), got %zu",
				           strlen(v));
			j->comment = *v ? g_strdup(v) : NULL;
		} else if (eq(k, "Name")) {
			j->name = *v ? g_strdup(v) : NULL;
		} else if (eq(k, "Site")) {
			if (!eq(v, site->code))
				return bad(&c, "Site: a job is created at the site it is given to (%s), got "
				           "'%s'", site->code, v);
		} else {
			return bad(&c, "unknown job property '%s' (expected %s)", k, known);
		}
	}

	/* ---- the whole job ---- */
	c.idx = G_MAXUINT;
	if (!have_type)
		return bad(&c, "missing Type (Run Command On Workstation, Share Package On Server or "
		           "Remove Package From Server)");
	if (j->package == NULL)
		return bad(&c, "missing Package");
	for (gsize t = 0; t < G_N_ELEMENTS(type_keys); t++) {
		if ((given & type_keys[t].bit) && !(keys_of_type(j->type) & type_keys[t].bit)) {
			c.idx = key_idx[t];
			return bad(&c, "%s does not belong to a %s job", type_keys[t].name,
			           sms_job_type_name(j->type));
		}
	}
	if (!have_start)
		j->start_after = sms_site_now(site);
	if (!sms_package_load(site, j->package, &pkg, error))
		return FALSE;
	switch (j->type) {
	case SMS_JOB_RUN_COMMAND:
		if (pkg->commands->len == 0 || pkg->source == NULL)
			return bad(&c, "package %s has no workstation properties (command lines and a "
			           "Workstations source): a Run Command job needs them", pkg->id);
		if (j->target == NULL)
			return bad(&c, "a Run Command job needs a Target ('Machine Path: SITE|DOMAIN|"
			           "COMPUTER', 'Machine Group: NAME' or 'Query: EXPRESSION')");
		if (!(given & K_RUN))
			j->run_command = j->command != NULL;
		if (!j->run_command) {
			/* send and distribute only (RunCommand=no) */
			if (j->command)
				return bad(&c, "Command given with RunCommand=no");
			if (given & (K_OFFER | K_MANDATORY | K_EXPIRES | K_SLOW))
				return bad(&c, "OfferAfter, MandatoryAfter, ExpiresAfter and "
				           "ForceOverSlowLink belong to the run phase: give a Command");
			break;
		}
		if (j->command == NULL)
			return bad(&c, "missing Command (one of the package's command lines)");
		{
			SmsPackageCommand *cmd;
			g_autoptr(GError) local = NULL;
			if (!sms_package_command_find(pkg, j->command, &cmd, &local)) {
				if (local->code == SMS_JOB_ERROR_NOT_FOUND)
					return not_found(&c, "%s", local->message);
				return bad(&c, "%s", local->message);
			}
			/* the job keeps the CommandName, whichever name was given */
			g_free(j->command);
			j->command = g_strdup(cmd->name);
		}
		if (j->offer_after == SMS_TIME_NONE)
			j->offer_after = j->start_after;
		/* Expires After: the Job Details default (about six months, BackOffice Resource
		 * Kit); the real PCMDUMP of KB Q123499 shows exactly 168 days (24 weeks) between
		 * Display Date and Expiration Date in each record whose expiry was left alone */
		if (!(given & K_EXPIRES))
			j->expires_after = j->offer_after + SMS_JOB_DEFAULT_EXPIRY;
		/* "Not Mandatory Over Slow Link" is unchecked unless asked for: the mandatory
		 * record of KB Q123499 has Install Flag 0 */
		if (!(given & K_SLOW) && j->mandatory_after != SMS_TIME_NONE)
			j->force_slow_link = TRUE;
		if (j->mandatory_after != SMS_TIME_NONE && j->mandatory_after < j->offer_after)
			return bad(&c, "MandatoryAfter (%s) is earlier than OfferAfter (%s)",
			           sms_time_str(j->mandatory_after), sms_time_str(j->offer_after));
		if (j->expires_after != SMS_TIME_NONE && j->expires_after <= j->offer_after)
			return bad(&c, "ExpiresAfter (%s) must be later than OfferAfter (%s)",
			           sms_time_str(j->expires_after), sms_time_str(j->offer_after));
		if (j->expires_after != SMS_TIME_NONE && j->mandatory_after != SMS_TIME_NONE &&
		    j->expires_after <= j->mandatory_after)
			return bad(&c, "ExpiresAfter (%s) must be later than MandatoryAfter (%s)",
			           sms_time_str(j->expires_after), sms_time_str(j->mandatory_after));
		if ((given & K_SLOW) && j->force_slow_link && j->mandatory_after == SMS_TIME_NONE)
			return bad(&c, "ForceOverSlowLink needs MandatoryAfter (it only applies to "
			           "mandatory jobs)");
		break;
	case SMS_JOB_SHARE_PACKAGE:
		if (pkg->share_name == NULL || (pkg->server_source == NULL && pkg->source == NULL))
			return bad(&c, "package %s has no sharing properties ([Setup Package for Sharing] "
			           "and a source): a Share Package job needs them", pkg->id);
		break;
	default:
		break;
	}
	if (have_subsites && j->include_subsites && j->limit_kind == SMS_LIMIT_NONE)
		return bad(&c, "IncludeSubsites needs LimitToSite (without a limit, every site "
		           "below is included anyway)");
	if (j->limit_site) {
		gboolean known_site;
		if (!row_exists(site, "SELECT 1 FROM sites WHERE code = ?", j->limit_site,
		                &known_site, error))
			return FALSE;
		if (!known_site)
			return not_found(&c, "LimitToSite: site %s is not known to site %s (neither "
			                 "itself nor an [Address] of its site.ini)", j->limit_site,
			                 site->code);
	}
	if (j->target_kind == SMS_TARGET_MACHINE_GROUP) {
		gboolean known_group;
		if (!row_exists(site, "SELECT 1 FROM machine_groups WHERE name = ?", j->target,
		                &known_group, error))
			return FALSE;
		if (!known_group)
			return not_found(&c, "Target: no machine group '%s' at site %s", j->target,
			                 site->code);
	}
	*out = g_steal_pointer(&j);
	return TRUE;
}

/* ---- storage ------------------------------------------------------------------- */

#define JOB_COLS "id, name, type, comment, site, package, start_after, priority, repeat, " \
	"target_kind, target, limit_kind, limit_site, include_subsites, send_mode, dist_mode, " \
	"dist_servers, run_command, command, offer_after, mandatory_after, force_slow_link, " \
	"expires_after, remove_tasks, status, sending_status, working_status, cancel_status, " \
	"created, activated, finished, cancel_requested, origin_job, instance"

gboolean
sms_job_insert(SmsSite *site, SmsJob *j, GError **error)
{
	g_autofree char *id = NULL;
	sqlite3_stmt *st;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);

	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (j->id == NULL) {
		if (!sms_site_next_id(site, "job", &id, error))
			return FALSE;
	} else {
		id = g_strdup(j->id);
	}
	if (j->created == 0 || j->created == SMS_TIME_NONE)
		j->created = sms_site_now(site);
	st = sms_db_stmt(site->db, "INSERT INTO jobs(" JOB_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,"
	                 "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id);
	sms_db_bind_text(st, 2, j->name);
	sqlite3_bind_int(st, 3, j->type);
	sms_db_bind_text(st, 4, j->comment);
	sms_db_bind_text(st, 5, j->site);
	sms_db_bind_text(st, 6, j->package);
	sqlite3_bind_int64(st, 7, j->start_after);
	sqlite3_bind_int(st, 8, j->priority);
	sqlite3_bind_int(st, 9, j->repeat);
	sqlite3_bind_int(st, 10, j->target_kind);
	sms_db_bind_text(st, 11, j->target);
	sqlite3_bind_int(st, 12, j->limit_kind);
	sms_db_bind_text(st, 13, j->limit_site);
	sqlite3_bind_int(st, 14, j->include_subsites);
	sqlite3_bind_int(st, 15, j->send_mode);
	sqlite3_bind_int(st, 16, (int)j->dist_mode);
	sms_db_bind_text(st, 17, j->dist_servers);
	sqlite3_bind_int(st, 18, j->run_command);
	sms_db_bind_text(st, 19, j->command);
	sms_db_bind_time(st, 20, j->offer_after);
	sms_db_bind_time(st, 21, j->mandatory_after);
	sqlite3_bind_int(st, 22, j->force_slow_link);
	sms_db_bind_time(st, 23, j->expires_after);
	sqlite3_bind_int(st, 24, j->remove_tasks);
	sqlite3_bind_int(st, 25, j->status);
	sqlite3_bind_int(st, 26, j->sending_status);
	sqlite3_bind_int(st, 27, j->working_status);
	sqlite3_bind_int(st, 28, j->cancel_status);
	sms_db_bind_time(st, 29, j->created);
	sms_db_bind_time(st, 30, j->activated);
	sms_db_bind_time(st, 31, j->finished);
	sms_db_bind_time(st, 32, j->cancel_requested);
	sms_db_bind_text(st, 33, j->origin_job);
	sqlite3_bind_int(st, 34, j->instance);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	if (!sms_txn_commit(&txn, error))
		return FALSE;
	g_free(j->id);
	j->id = g_steal_pointer(&id);
	return TRUE;
}

static SmsJob *
job_from_row(sqlite3_stmt *st)
{
	SmsJob *j = g_new0(SmsJob, 1);
	j->id = sms_db_col_text(st, 0);
	j->name = sms_db_col_text(st, 1);
	j->type = sqlite3_column_int(st, 2);
	j->comment = sms_db_col_text(st, 3);
	j->site = sms_db_col_text(st, 4);
	j->package = sms_db_col_text(st, 5);
	j->start_after = sqlite3_column_int64(st, 6);
	j->priority = sqlite3_column_int(st, 7);
	j->repeat = sqlite3_column_int(st, 8);
	j->target_kind = sqlite3_column_int(st, 9);
	j->target = sms_db_col_text(st, 10);
	j->limit_kind = sqlite3_column_int(st, 11);
	j->limit_site = sms_db_col_text(st, 12);
	j->include_subsites = sqlite3_column_int(st, 13);
	j->send_mode = sqlite3_column_int(st, 14);
	j->dist_mode = (guint)sqlite3_column_int(st, 15);
	j->dist_servers = sms_db_col_text(st, 16);
	j->run_command = sqlite3_column_int(st, 17);
	j->command = sms_db_col_text(st, 18);
	j->offer_after = sms_db_col_time(st, 19);
	j->mandatory_after = sms_db_col_time(st, 20);
	j->force_slow_link = sqlite3_column_int(st, 21);
	j->expires_after = sms_db_col_time(st, 22);
	j->remove_tasks = sqlite3_column_int(st, 23);
	j->status = sqlite3_column_int(st, 24);
	j->sending_status = sqlite3_column_int(st, 25);
	j->working_status = sqlite3_column_int(st, 26);
	j->cancel_status = sqlite3_column_int(st, 27);
	j->created = sms_db_col_time(st, 28);
	j->activated = sms_db_col_time(st, 29);
	j->finished = sms_db_col_time(st, 30);
	j->cancel_requested = sms_db_col_time(st, 31);
	j->origin_job = sms_db_col_text(st, 32);
	j->instance = sqlite3_column_int(st, 33);
	return j;
}

gboolean
sms_job_load(SmsSite *site, const char *id, SmsJob **out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT " JOB_COLS " FROM jobs WHERE id = ?",
	                               error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND, "no job %s at site %s", id,
		            site->code);
		return FALSE;
	}
	*out = job_from_row(st);
	sqlite3_reset(st);
	return TRUE;
}

gboolean
sms_job_save_status(SmsSite *site, const SmsJob *j, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "UPDATE jobs SET status = ?, sending_status = ?, "
	                               "working_status = ?, cancel_status = ?, activated = ?, "
	                               "finished = ?, cancel_requested = ? WHERE id = ?", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int(st, 1, j->status);
	sqlite3_bind_int(st, 2, j->sending_status);
	sqlite3_bind_int(st, 3, j->working_status);
	sqlite3_bind_int(st, 4, j->cancel_status);
	sms_db_bind_time(st, 5, j->activated);
	sms_db_bind_time(st, 6, j->finished);
	sms_db_bind_time(st, 7, j->cancel_requested);
	sms_db_bind_text(st, 8, j->id);
	return sms_db_step_done(site->db, st, error);
}

gboolean
sms_job_resolve(SmsSite *site, const char *id_or_name, char **out_id, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id FROM jobs WHERE id = ?1 COLLATE NOCASE "
	                               "OR name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1", error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id_or_name);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND, "no job '%s' at site %s",
		            id_or_name, site->code);
		return FALSE;
	}
	*out_id = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return TRUE;
}

static gboolean
status_cancellable(SmsStatus s)
{
	return s == SMS_STATUS_PENDING || s == SMS_STATUS_ACTIVE || s == SMS_STATUS_RETRYING;
}

/* Cancel one job that is Pending, Active or Retrying (in the caller's transaction). */
static gboolean
cancel_one(SmsSite *site, SmsJob *j, SmsTime now, GError **error)
{
	if (j->status == SMS_STATUS_PENDING) {
		j->status = SMS_STATUS_CANCELLED;
		j->cancel_status = SMS_STATUS_COMPLETE;
		j->cancel_requested = now;
		j->finished = now;
	} else {
		if (j->cancel_requested != SMS_TIME_NONE)
			return TRUE;   /* already being cancelled */
		j->cancel_requested = now;
		j->cancel_status = SMS_STATUS_PENDING;
	}
	if (!sms_job_save_status(site, j, error))
		return FALSE;
	if (!sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc", .event = "job.cancel",
	                                 .job = j->id }, error,
	              j->status == SMS_STATUS_CANCELLED ? "Job %s cancelled before it started"
	                                                : "Cancel of job %s requested", j->id))
		return FALSE;
	if (j->status == SMS_STATUS_CANCELLED &&
	    !sms_emit(site, &(SmsEvent){ .time = now, .component = "jobsvc", .event = "job.status",
	                                 .job = j->id, .detail = "Cancelled" }, error,
	              "Job %s status: Cancelled", j->id))
		return FALSE;
	return TRUE;
}

/* The later instances of a repeating job (origin_job = the first instance's ID) that can
 * still be cancelled, oldest first. */
static gboolean
future_instances(SmsSite *site, const SmsJob *j, GPtrArray **out, GError **error)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func((GDestroyNotify)sms_job_free);
	const char *origin = j->origin_job ? j->origin_job : j->id;
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id FROM jobs WHERE origin_job = ? AND "
	                               "instance > ? ORDER BY instance", error);
	gboolean row = FALSE, ok;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, origin);
	sqlite3_bind_int(st, 2, j->instance);
	while ((ok = sms_db_step(site->db, st, &row, error)) && row)
		g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (!ok)
		return FALSE;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(SmsJob) x = NULL;
		if (!sms_job_load(site, ids->pdata[i], &x, error))
			return FALSE;
		if (status_cancellable(x->status))
			g_ptr_array_add(jobs, g_steal_pointer(&x));
	}
	*out = g_steal_pointer(&jobs);
	return TRUE;
}

gboolean
sms_job_cancel_refusal(SmsSite *site, const char *id, char **out_reason, GError **error)
{
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(GPtrArray) later = NULL;
	if (!sms_job_load(site, id, &j, error))
		return FALSE;
	if (status_cancellable(j->status)) {
		*out_reason = NULL;
		return TRUE;
	}
	if (!future_instances(site, j, &later, error))
		return FALSE;
	*out_reason = later->len > 0 ? NULL
	            : g_strdup_printf("job %s is %s: only Pending, Active or Retrying jobs can be "
	                              "cancelled", id, sms_status_name(j->status));
	return TRUE;
}

gboolean
sms_job_cancel(SmsSite *site, const char *id, SmsTime now, GError **error)
{
	g_autoptr(SmsJob) j = NULL;
	g_autoptr(GPtrArray) later = NULL;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	if (!sms_txn_begin(&txn, error) || !sms_job_load(site, id, &j, error) ||
	    !future_instances(site, j, &later, error))
		return FALSE;
	if (!status_cancellable(j->status) && later->len == 0) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE,
		            "job %s is %s: only Pending, Active or Retrying jobs can be cancelled", id,
		            sms_status_name(j->status));
		return FALSE;
	}
	if (status_cancellable(j->status) && !cancel_one(site, j, now, error))
		return FALSE;
	/* a repeating job: its next instances go with it (SMS cancelled the job, not one
	 * run of it) */
	for (guint i = 0; i < later->len; i++)
		if (!cancel_one(site, later->pdata[i], now, error))
			return FALSE;
	return sms_txn_commit(&txn, error);
}

gboolean
sms_job_delete(SmsSite *site, const char *id, GError **error)
{
	g_autoptr(SmsJob) j = NULL;
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	static const char *const tables[] = { "job_targets", "job_site_detail",
		"job_server_detail", "job_machine_detail" };
	if (!sms_txn_begin(&txn, error) || !sms_job_load(site, id, &j, error))
		return FALSE;
	if (j->status == SMS_STATUS_ACTIVE || j->status == SMS_STATUS_RETRYING) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_STATE,
		            "job %s is %s: cancel it first and wait until it is Cancelled (KB Q168130: "
		            "deleting active jobs leaves stale instructions)", id,
		            sms_status_name(j->status));
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_autofree char *sql = g_strdup_printf("DELETE FROM %s WHERE job = ?", tables[i]);
		sqlite3_stmt *st = sms_db_stmt(site->db, sql, error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, id);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
	}
	{
		sqlite3_stmt *st = sms_db_stmt(site->db, "DELETE FROM jobs WHERE id = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, id);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
	}
	if (!sms_emit(site, &(SmsEvent){ .component = "jobsvc", .event = "job.deleted", .job = id,
	                                 .package = j->package,
	                                 .detail = sms_status_name(j->status) }, error,
	              "Job %s (%s) deleted", id, sms_status_name(j->status)))
		return FALSE;
	return sms_txn_commit(&txn, error);
}

/* ---- packages ------------------------------------------------------------------ */

gboolean
sms_package_load(SmsSite *site, const char *id, SmsPackage **out, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id, name, version, comment, site, "
	                               "pdf_path, source, server_source, share_name, share_access, "
	                               "pdf_text, created FROM packages WHERE id = ?", error);
	g_autoptr(SmsPackage) p = NULL;
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND, "no package %s at site %s",
		            id, site->code);
		return FALSE;
	}
	p = g_new0(SmsPackage, 1);
	p->id = sms_db_col_text(st, 0);
	p->name = sms_db_col_text(st, 1);
	p->version = sms_db_col_text(st, 2);
	p->comment = sms_db_col_text(st, 3);
	p->site = sms_db_col_text(st, 4);
	p->pdf_path = sms_db_col_text(st, 5);
	p->source = sms_db_col_text(st, 6);
	p->server_source = sms_db_col_text(st, 7);
	p->share_name = sms_db_col_text(st, 8);
	p->share_access = sms_db_col_text(st, 9);
	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		const void *blob = sqlite3_column_blob(st, 10);
		p->pdf_text_len = (gsize)sqlite3_column_bytes(st, 10);
		p->pdf_text = g_malloc(p->pdf_text_len + 1);
		if (p->pdf_text_len)
			memcpy(p->pdf_text, blob, p->pdf_text_len);
		p->pdf_text[p->pdf_text_len] = '\0';
	}
	p->created = sms_db_col_time(st, 11);
	sqlite3_reset(st);
	p->commands = g_ptr_array_new_with_free_func(command_free);
	st = sms_db_stmt(site->db, "SELECT name, command_line, platforms, flags, variation FROM "
	                 "package_commands WHERE package = ? ORDER BY ord", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id);
	for (;;) {
		SmsPackageCommand *c;
		if (!sms_db_step(site->db, st, &row, error))
			return FALSE;
		if (!row)
			break;
		c = g_new0(SmsPackageCommand, 1);
		c->name = sms_db_col_text(st, 0);
		c->command_line = sms_db_col_text(st, 1);
		c->platforms = (guint32)sqlite3_column_int64(st, 2);
		c->flags = (guint)sqlite3_column_int(st, 3);
		c->variation = sms_db_col_text(st, 4);
		g_ptr_array_add(p->commands, c);
	}
	*out = g_steal_pointer(&p);
	return TRUE;
}

gboolean
sms_package_resolve(SmsSite *site, const char *id_or_name, char **out_id, GError **error)
{
	sqlite3_stmt *st = sms_db_stmt(site->db, "SELECT id FROM packages WHERE id = ?1 COLLATE "
	                               "NOCASE OR name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
	                               error);
	gboolean row;
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id_or_name);
	if (!sms_db_step(site->db, st, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
		            "no package '%s' at site %s", id_or_name, site->code);
		return FALSE;
	}
	*out_id = sms_db_col_text(st, 0);
	sqlite3_reset(st);
	return TRUE;
}

SmsPackageCommand *
sms_package_command(SmsPackage *pkg, const char *name)
{
	for (guint i = 0; i < pkg->commands->len; i++) {
		SmsPackageCommand *c = pkg->commands->pdata[i];
		if (sms_str_equal_ci(c->name, name))
			return c;
	}
	return NULL;
}

gboolean
sms_package_command_find(SmsPackage *pkg, const char *name, SmsPackageCommand **out,
                         GError **error)
{
	SmsPackageCommand *by_name = sms_package_command(pkg, name);
	SmsPackageCommand *by_variation = NULL;
	g_autoptr(GString) names = NULL;

	for (guint i = 0; i < pkg->commands->len; i++) {
		SmsPackageCommand *c = pkg->commands->pdata[i];
		if (c->variation && sms_str_equal_ci(c->variation, name)) {
			by_variation = c;
			break;
		}
	}
	if (by_name && by_variation && by_name != by_variation)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		                        "Command '%s' of package %s is ambiguous: it is the command "
		                        "name of '%s' (setup variation %s) and the setup variation "
		                        "of '%s': give the command name", name, pkg->id, by_name->name,
		                        by_name->variation ? by_name->variation : "none",
		                        by_variation->name);
	if (by_name || by_variation) {
		*out = by_name ? by_name : by_variation;
		return TRUE;
	}
	names = g_string_new(NULL);
	for (guint i = 0; i < pkg->commands->len; i++) {
		SmsPackageCommand *c = pkg->commands->pdata[i];
		g_string_append_printf(names, "%s'%s'", i ? ", " : "", c->name);
		if (c->variation && !sms_str_equal_ci(c->variation, c->name))
			g_string_append_printf(names, " (setup variation %s)", c->variation);
	}
	return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
	                        "Command: package %s has no command line '%s' (it has: %s)",
	                        pkg->id, name, names->str);
}

gboolean
sms_package_insert(SmsSite *site, SmsPackage *p, GError **error)
{
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	g_autofree char *id = NULL;
	sqlite3_stmt *st;
	SmsTime created = p->created == 0 || p->created == SMS_TIME_NONE ? sms_site_now(site)
	                                                                 : p->created;
	if (p->name == NULL || *p->name == '\0')
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		                        "a package needs a name");
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (p->id == NULL) {
		if (!sms_site_next_id(site, "package", &id, error))
			return FALSE;
	} else {
		id = g_strdup(p->id);
	}
	st = sms_db_stmt(site->db, "INSERT INTO packages(id, name, version, comment, site, pdf_path,"
	                 " pdf_text, source, server_source, share_name, share_access, created) "
	                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, id);
	sms_db_bind_text(st, 2, p->name);
	sms_db_bind_text(st, 3, p->version);
	sms_db_bind_text(st, 4, p->comment);
	sms_db_bind_text(st, 5, p->site ? p->site : site->code);
	sms_db_bind_text(st, 6, p->pdf_path);
	if (p->pdf_text)
		sqlite3_bind_blob64(st, 7, p->pdf_text, p->pdf_text_len, SQLITE_TRANSIENT);
	sms_db_bind_text(st, 8, p->source);
	sms_db_bind_text(st, 9, p->server_source);
	sms_db_bind_text(st, 10, p->share_name);
	sms_db_bind_text(st, 11, p->share_access);
	sqlite3_bind_int64(st, 12, created);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	for (guint i = 0; p->commands && i < p->commands->len; i++) {
		SmsPackageCommand *c = p->commands->pdata[i];
		st = sms_db_stmt(site->db, "INSERT INTO package_commands(package, name, command_line, "
		                 "platforms, flags, ord, variation) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, id);
		sms_db_bind_text(st, 2, c->name);
		sms_db_bind_text(st, 3, c->command_line);
		sqlite3_bind_int64(st, 4, c->platforms);
		sqlite3_bind_int(st, 5, (int)c->flags);
		sqlite3_bind_int(st, 6, (int)i);
		sms_db_bind_text(st, 7, c->variation);
		if (!sms_db_step_done(site->db, st, error)) {
			g_prefix_error(error, "package %s: command line '%s': ", id, c->name);
			return FALSE;
		}
	}
	if (!sms_txn_commit(&txn, error))
		return FALSE;
	g_free(p->id);
	p->id = g_steal_pointer(&id);
	p->created = created;
	return TRUE;
}

char *
sms_access_to_string(guint bits)
{
	GString *s = g_string_new(NULL);
	if (bits & SMS_ACCESS_USER_READ) g_string_append(s, "UserRead, ");
	if (bits & SMS_ACCESS_USER_WRITE) g_string_append(s, "UserWrite, ");
	if (bits & SMS_ACCESS_GUEST_READ) g_string_append(s, "GuestRead, ");
	if (bits & SMS_ACCESS_GUEST_WRITE) g_string_append(s, "GuestWrite, ");
	if (s->len >= 2)
		g_string_truncate(s, s->len - 2);
	return g_string_free(s, FALSE);
}

char *
sms_command_flags_to_string(guint flags)
{
	GString *s = g_string_new(flags & SMS_CMD_USER_INPUT ? "user input required"
	                                                     : "automated");
	if (flags & SMS_CMD_BACKGROUND)
		g_string_append(s, ", system (background) task");
	if (flags & SMS_CMD_SYSTEM_EXIT)
		g_string_append(s, ", synchronous system exit");
	return g_string_free(s, FALSE);
}

/* A source directory of `package import`: absolute, existing, a directory. */
static gboolean
check_source(const char *what, const char *dir, const char *pdf_path, GError **error)
{
	if (!g_file_test(dir, G_FILE_TEST_EXISTS))
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		                        "%s: %s directory %s does not exist", pdf_path, what, dir);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		                        "%s: %s %s is not a directory", pdf_path, what, dir);
	return TRUE;
}

/* What `package import` reads before it writes anything: the PDF (parsed) and the two
 * source directories (resolved as the PDF's ImportDirectory/SetupDirectory when not
 * given, and checked). */
static gboolean
package_prepare(const char *pdf_path, const char *source, const char *server_source,
                SmsPdf **out_pdf, char **out_data, gsize *out_len, char **out_src,
                char **out_ssrc, GError **error)
{
	g_autoptr(SmsPdf) pdf = NULL;
	g_autofree char *pdf_abs = g_canonicalize_filename(pdf_path, NULL);
	g_autofree char *pdf_dir = g_path_get_dirname(pdf_abs);
	g_autofree char *src = NULL;
	g_autofree char *ssrc = NULL;
	g_autofree char *data = NULL;
	gsize len;

	/* one read: the same bytes are parsed and kept in packages.pdf_text */
	if (!sms_read_file(pdf_path, &data, &len, error) ||
	    !sms_pdf_parse(pdf_path, data, len, &pdf, error))
		return FALSE;
	/* ImportDirectory / SetupDirectory of the PDF are relative to it (SDK sample). */
	if (source)
		src = g_canonicalize_filename(source, NULL);
	else if (pdf->import_directory)
		src = g_canonicalize_filename(pdf->import_directory, pdf_dir);
	if (server_source)
		ssrc = g_canonicalize_filename(server_source, NULL);
	else if (pdf->setup_directory)
		ssrc = g_canonicalize_filename(pdf->setup_directory, pdf_dir);
	if (src && !check_source("Workstations source", src, pdf_path, error))
		return FALSE;
	if (ssrc && !check_source("Sharing source", ssrc, pdf_path, error))
		return FALSE;
	if (pdf->commands->len > 0 && src == NULL && ssrc == NULL)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		                        "%s has workstation command lines: give the Workstations "
		                        "source directory (--source DIR or ImportDirectory=)", pdf_path);
	if (pdf->commands->len == 0 && pdf->share_name && src == NULL && ssrc == NULL)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_SOURCE,
		                        "%s has sharing properties: give the Sharing source directory "
		                        "(--server-source DIR or SetupDirectory=)", pdf_path);
	if (out_pdf)
		*out_pdf = g_steal_pointer(&pdf);
	if (out_data)
		*out_data = g_steal_pointer(&data);
	if (out_len)
		*out_len = len;
	if (out_src)
		*out_src = g_steal_pointer(&src);
	if (out_ssrc)
		*out_ssrc = g_steal_pointer(&ssrc);
	return TRUE;
}

gboolean
sms_package_check(const char *pdf_path, const char *source, const char *server_source,
                  char **out_source, char **out_server_source, GError **error)
{
	return package_prepare(pdf_path, source, server_source, NULL, NULL, NULL, out_source,
	                       out_server_source, error);
}

gboolean
sms_package_import(SmsSite *site, const char *pdf_path, const char *source,
                   const char *server_source, const char *name, char **out_id, GError **error)
{
	g_autoptr(SmsPdf) pdf = NULL;
	g_autoptr(SmsPackage) p = g_new0(SmsPackage, 1);
	g_autofree char *pdf_abs = g_canonicalize_filename(pdf_path, NULL);
	g_autofree char *src = NULL;
	g_autofree char *ssrc = NULL;
	g_autofree char *data = NULL;
	g_autofree char *pkg_name = name ? g_strstrip(g_strdup(name)) : NULL;
	gsize len = 0;

	if (!package_prepare(pdf_path, source, server_source, &pdf, &data, &len, &src, &ssrc,
	                     error))
		return FALSE;
	if (pkg_name && *pkg_name == '\0')
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		                        "%s: the package name is empty", pdf_path);
	/* Name = Product + " " + Version, as the SDK's sample importer built it */
	if (pkg_name)
		p->name = g_steal_pointer(&pkg_name);
	else if (pdf->version && *pdf->version)
		p->name = g_strdup_printf("%s %s", pdf->product, pdf->version);
	else
		p->name = g_strdup(pdf->product);
	p->version = g_strdup(pdf->version);
	p->comment = g_strdup(pdf->comment);
	p->site = g_strdup(site->code);
	p->pdf_path = g_steal_pointer(&pdf_abs);
	p->pdf_text = g_steal_pointer(&data);
	p->pdf_text_len = len;
	p->source = g_strdup(src);
	p->server_source = g_strdup(ssrc ? ssrc : (pdf->share_name ? src : NULL));
	if (pdf->share_name) {
		p->share_name = g_strdup(pdf->share_name);
		p->share_access = sms_access_to_string(pdf->share_access);
	}
	p->commands = g_ptr_array_new_with_free_func(command_free);
	for (guint i = 0; src && i < pdf->commands->len; i++) {
		SmsPdfCommand *pc = pdf->commands->pdata[i];
		SmsPackageCommand *c = g_new0(SmsPackageCommand, 1);
		/* The CommandName is the command line's name, as the SDK's sample importer
		 * made the WCL folder's Name; the variation only found the [X Setup] section
		 * and stays an alias (Command=Typical). */
		c->name = g_strdup(pc->name);
		c->variation = g_strdup(pc->variation);
		c->command_line = g_strdup(pc->command_line);
		c->platforms = pc->platforms;
		c->flags = (pc->user_input_required ? SMS_CMD_USER_INPUT : SMS_CMD_AUTOMATED) |
		           (pc->system_task ? SMS_CMD_AUTOMATED | SMS_CMD_BACKGROUND : 0) |
		           (pc->sync_exit ? SMS_CMD_SYSTEM_EXIT : 0);
		g_ptr_array_add(p->commands, c);
	}
	if (!sms_package_insert(site, p, error))
		return FALSE;
	for (guint i = 0; i < pdf->warnings->len; i++)
		sms_log(site, "jobsvc", SMS_TIME_NONE, "package %s: %s", p->id,
		        (char *)pdf->warnings->pdata[i]);
	if (src == NULL && pdf->commands->len > 0)
		sms_log(site, "jobsvc", SMS_TIME_NONE, "package %s: no Workstations source, so its %u "
		        "setup variation(s) are not workstation command lines", p->id,
		        pdf->commands->len);
	*out_id = g_strdup(p->id);
	return TRUE;
}

/* ---- machine groups ------------------------------------------------------------ */

gboolean
sms_machine_group_create(SmsSite *site, const char *name, const char *group_site,
                         GError **error)
{
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	g_autofree char *gsite = sms_strup(group_site ? group_site : site->code);
	gboolean exists;
	sqlite3_stmt *st;
	gsize n = strlen(name);

	if (n == 0 || n > 64 || g_ascii_isspace(name[0]) || g_ascii_isspace(name[n - 1]))
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		                        "machine group name '%s': expected 1 to 64 characters without "
		                        "leading or trailing blanks", name);
	for (const char *p = name; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
			                        "machine group name: control character at offset %d",
			                        (int)(p - name));
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (!row_exists(site, "SELECT 1 FROM sites WHERE code = ?", gsite, &exists, error))
		return FALSE;
	if (!exists)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
		                        "machine group %s: site %s is not known to site %s", name,
		                        gsite, site->code);
	if (!row_exists(site, "SELECT 1 FROM machine_groups WHERE name = ?", name, &exists, error))
		return FALSE;
	if (exists)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_EXISTS,
		                        "machine group '%s' exists already", name);
	st = sms_db_stmt(site->db, "INSERT INTO machine_groups(name, site) VALUES (?, ?)", error);
	if (st == NULL)
		return FALSE;
	sms_db_bind_text(st, 1, name);
	sms_db_bind_text(st, 2, gsite);
	if (!sms_db_step_done(site->db, st, error))
		return FALSE;
	return sms_txn_commit(&txn, error);
}

gboolean
sms_machine_group_add(SmsSite *site, const char *name, char *const *machines,
                      guint *out_added, GError **error)
{
	g_auto(SmsTxn) txn = SMS_TXN_INIT(site->db);
	gboolean exists;
	guint added = 0;

	if (machines == NULL || machines[0] == NULL)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_INVALID,
		                        "machine group %s: no computers to add", name);
	if (!sms_txn_begin(&txn, error))
		return FALSE;
	if (!row_exists(site, "SELECT 1 FROM machine_groups WHERE name = ?", name, &exists, error))
		return FALSE;
	if (!exists)
		return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
		                        "no machine group '%s' at site %s", name, site->code);
	for (char *const *m = machines; *m; m++) {
		g_autofree char *up = g_strstrip(sms_strup(*m));
		sqlite3_stmt *st;
		if (!row_exists(site, "SELECT 1 FROM machines WHERE name = ?", up, &exists, error))
			return FALSE;
		if (!exists)
			return sms_throw_domain(error, SMS_JOB_ERROR, SMS_JOB_ERROR_NOT_FOUND,
			                        "no computer '%s' at site %s (nothing was added to %s)",
			                        up, site->code, name);
		st = sms_db_stmt(site->db, "INSERT OR IGNORE INTO machine_group_members(grp, machine) "
		                 "SELECT name, ? FROM machine_groups WHERE name = ?", error);
		if (st == NULL)
			return FALSE;
		sms_db_bind_text(st, 1, up);
		sms_db_bind_text(st, 2, name);
		if (!sms_db_step_done(site->db, st, error))
			return FALSE;
		added += (guint)sqlite3_changes(site->db);
	}
	if (!sms_txn_commit(&txn, error))
		return FALSE;
	if (out_added)
		*out_added = added;
	return TRUE;
}
