/* smsini.c -- the workstation's SMS.INI: load with repairs, save atomically. */
#include "smsini.h"

#include <errno.h>
#include <sys/stat.h>

#include <stdarg.h>

G_DEFINE_QUARK(sms-smsini-error-quark, sms_smsini_error)

#define S_SMS "SMS"
#define S_SERVERS "Servers"
#define S_SHARE "Share"
#define S_PCM "Package Command Manager"
#define S_LOCAL "Local"
#define S_HISTORY "LogonHistory"
#define PARSE_NAME "<smsini>"
#define MAX_REPAIRS 200
#define MAX_INTERVAL 10080   /* minutes: a week */

static const char *const random_modes[] = { "LOCALONLY", "DRIVEMAPPINGS", "RANDOM", "RANDOMONLY",
                                            "PREFERREDONLY", "PREFERREDFIRST", NULL };

gboolean
sms_smsid_is_valid(const char *id)
{
	if (id == NULL || strlen(id) != 8)
		return FALSE;
	for (int i = 0; i < 8; i++)
		if (!g_ascii_isdigit(id[i]) && !g_ascii_isupper(id[i]))
			return FALSE;
	return TRUE;
}

static gboolean
site_code_valid(const char *s)
{
	if (s == NULL || strlen(s) != 3)
		return FALSE;
	for (int i = 0; i < 3; i++)
		if (!g_ascii_isdigit(s[i]) && !g_ascii_isupper(s[i]))
			return FALSE;
	return TRUE;
}

SmsSmsIni *
sms_smsini_new(const char *path)
{
	SmsSmsIni *s = g_new0(SmsSmsIni, 1);
	s->path = g_strdup(path ? path : "SMS.INI");
	s->ini = sms_ini_new(s->path);
	s->warnings = g_ptr_array_new_with_free_func(g_free);
	s->servers = g_ptr_array_new_with_free_func(g_free);
	s->instruction_share = g_strdup(SMS_SMSINI_DEFAULT_INSTRUCTION_SHARE);
	s->result_share = g_strdup(SMS_SMSINI_DEFAULT_RESULT_SHARE);
	s->polling_interval = SMS_SMSINI_DEFAULT_POLLING;
	s->last_pcm_file_time = -1;
	s->show_pcm_intro_dialog = TRUE;
	return s;
}

void
sms_smsini_free(SmsSmsIni *s)
{
	if (s == NULL)
		return;
	g_free(s->path);
	sms_ini_free(s->ini);
	g_ptr_array_unref(s->warnings);
	g_free(s->sms_id); g_free(s->site_code); g_free(s->last_logon_server_path);
	g_free(s->unique_id_path); g_free(s->domain); g_free(s->current_logon_server);
	g_ptr_array_unref(s->servers);
	g_free(s->instruction_share); g_free(s->result_share); g_free(s->local_registry);
	g_free(s->machine_name); g_free(s->setup_phase); g_free(s->disable_random_pcm_servers);
	g_free(s->last_logged_user);
	g_free(s);
}

static void G_GNUC_PRINTF(3, 4)
warn(SmsSmsIni *s, int line, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		g_ptr_array_add(s->warnings, g_strdup_printf("%s:%d: %s", s->path, line, msg));
	else
		g_ptr_array_add(s->warnings, g_strdup_printf("%s: %s", s->path, msg));
}

/* ---- repairing lines ------------------------------------------------------------- */

typedef struct {
	GString *text;
	int line;        /* line number in the original file */
} Line;

static void
line_free(gpointer p)
{
	Line *l = p;
	g_string_free(l->text, TRUE);
	g_free(l);
}

static GPtrArray *
split_lines(const char *data, gsize len)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(line_free);
	gsize pos = 0;
	int n = 0;
	while (pos < len) {
		gsize eol = pos;
		Line *l = g_new0(Line, 1);
		/* a line ends at LF, CR LF or a lone CR (as Windows reads INI files): no value
		 * keeps a CR that the writer could not put back */
		while (eol < len && data[eol] != '\n' && data[eol] != '\r')
			eol++;
		l->text = g_string_new_len(data + pos, (gssize)(eol - pos));
		l->line = ++n;
		g_ptr_array_add(lines, l);
		pos = eol + 1;
		if (eol + 1 < len && data[eol] == '\r' && data[eol + 1] == '\n')
			pos++;
	}
	return lines;
}

static GString *
join_lines(GPtrArray *lines)
{
	GString *o = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++) {
		Line *l = lines->pdata[i];
		g_string_append_len(o, l->text->str, (gssize)l->text->len);
		g_string_append_c(o, '\n');
	}
	return o;
}

/* Repair or drop the line the INI reader refused (msg: its complaint). */
static void
repair_line(SmsSmsIni *s, GPtrArray *lines, guint index, const char *msg)
{
	Line *l = lines->pdata[index];
	g_autofree char *t = g_strstrip(g_strndup(l->text->str, l->text->len));
	gboolean has_nul = memchr(l->text->str, '\0', l->text->len) != NULL;
	if (!has_nul && t[0] == '[') {
		char *close = strchr(t, ']');
		g_autofree char *name = g_strstrip(g_strndup(t + 1, close ? (gsize)(close - t - 1)
		                                                          : strlen(t + 1)));
		if (*name && strchr(name, '[') == NULL) {
			g_string_printf(l->text, "[%s]", name);
			warn(s, l->line, "%s; read as [%s]", msg, name);
			return;
		}
	}
	warn(s, l->line, "%s; line dropped", msg);
	g_ptr_array_remove_index(lines, index);
}

/* Parse, repairing one refused line at a time. */
static SmsIni *
parse_repairing(SmsSmsIni *s, const char *data, gsize len)
{
	g_autoptr(GPtrArray) lines = NULL;
	/* The usual file needs no repair: without a CR, the lines the INI reader sees are
	 * the lines counted here, so a clean parse of the file as it is is the answer
	 * (same sections, entries and line numbers), without splitting it first. */
	if (memchr(data, '\r', len) == NULL) {
		SmsIni *ini = sms_ini_parse(PARSE_NAME, data, len, NULL);
		if (ini)
			return ini;
	}
	lines = split_lines(data, len);
	for (int round = 0; round <= MAX_REPAIRS; round++) {
		g_autoptr(GString) text = join_lines(lines);
		g_autoptr(GError) e = NULL;
		SmsIni *ini = sms_ini_parse(PARSE_NAME, text->str, text->len, &e);
		int n = 0, skip = 0;
		if (ini) {
			/* line numbers of the original file, not of the repaired text */
			for (guint i = 0; i < ini->sections->len; i++) {
				SmsIniSection *sec = ini->sections->pdata[i];
				if (sec->line > 0 && (guint)sec->line <= lines->len)
					sec->line = ((Line *)lines->pdata[sec->line - 1])->line;
				for (guint j = 0; j < sec->entries->len; j++) {
					SmsIniEntry *en = sec->entries->pdata[j];
					if (en->line > 0 && (guint)en->line <= lines->len)
						en->line = ((Line *)lines->pdata[en->line - 1])->line;
				}
			}
			return ini;
		}
		/* "<smsini>:N: message": N counts the lines handed over */
		if (sscanf(e->message, PARSE_NAME ":%d: %n", &n, &skip) < 1 || n < 1 ||
		    (guint)n > lines->len || skip == 0)
			break;
		repair_line(s, lines, (guint)n - 1, e->message + skip);
	}
	warn(s, 0, "too many garbled lines; the file is rebuilt");
	return sms_ini_new(s->path);
}

/* ---- reading values ---------------------------------------------------------------- */

/* Sections this module knows given twice: their keys are merged into the first. */
static void
merge_sections(SmsSmsIni *s)
{
	static const char *const known[] = { S_SMS, S_SERVERS, S_SHARE, S_PCM, S_LOCAL,
	                                     S_HISTORY, NULL };
	for (int k = 0; known[k]; k++) {
		SmsIniSection *first = NULL;
		for (guint i = 0; i < s->ini->sections->len; i++) {
			SmsIniSection *sec = s->ini->sections->pdata[i];
			if (g_ascii_strcasecmp(sec->name, known[k]) != 0)
				continue;
			if (first == NULL) {
				first = sec;
				continue;
			}
			warn(s, sec->line, "[%s] given again (first at line %d); its keys are merged "
			     "into the first", known[k], first->line);
			for (guint j = 0; j < sec->entries->len; j++)
				g_ptr_array_add(first->entries, sec->entries->pdata[j]);
			g_ptr_array_set_free_func(sec->entries, NULL);
			g_ptr_array_remove_index(s->ini->sections, i);
			i--;
		}
	}
}

/* The first value of key (NULL if absent or empty); later duplicates are removed. */
static const char *
value(SmsSmsIni *s, const char *section, const char *key, int *out_line)
{
	SmsIniSection *sec = sms_ini_find(s->ini, section);
	SmsIniEntry *first = NULL;
	for (guint i = 0; sec && i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		if (g_ascii_strcasecmp(e->name, key) != 0)
			continue;
		if (first == NULL) {
			first = e;
			continue;
		}
		warn(s, e->line, "%s given again in [%s]; the value of line %d is used", key,
		     section, first->line);
		g_ptr_array_remove_index(sec->entries, i);
		i--;
	}
	if (out_line)
		*out_line = first ? first->line : (sec ? sec->line : 0);
	return first && *first->value ? first->value : NULL;
}

static char *
dup_value(SmsSmsIni *s, const char *section, const char *key)
{
	return g_strdup(value(s, section, key, NULL));
}

static void
int_value(SmsSmsIni *s, const char *section, const char *key, gint64 min, gint64 max,
          gint64 def, gboolean missing_warns, gint64 *out)
{
	int line;
	const char *v = value(s, section, key, &line);
	g_autoptr(GError) e = NULL;
	*out = def;
	if (v == NULL) {
		if (missing_warns)
			warn(s, line, "no %s in [%s]; using %" G_GINT64_FORMAT, key, section, def);
		return;
	}
	if (!sms_parse_int(v, min, max, out, &e)) {
		*out = def;
		warn(s, line, "%s: %s; using %" G_GINT64_FORMAT, key, e->message, def);
	}
}

static void
bool_value(SmsSmsIni *s, const char *section, const char *key, gboolean def, gboolean *out)
{
	int line;
	const char *v = value(s, section, key, &line);
	*out = def;
	if (v && !sms_parse_bool(v, out, NULL)) {
		*out = def;
		warn(s, line, "%s: expected TRUE or FALSE, got '%s'; using %s", key, v,
		     def ? "TRUE" : "FALSE");
	}
}

static void
share_value(SmsSmsIni *s, const char *key, const char *def, char **out)
{
	int line;
	const char *v = value(s, S_PCM, key, &line);
	g_free(*out);
	if (v == NULL || strpbrk(v, "/\\:") != NULL) {
		if (v)
			warn(s, line, "%s: expected a directory name, got '%s'; using %s", key, v, def);
		else
			warn(s, line, "no %s in [%s]; using %s", key, S_PCM, def);
		*out = g_strdup(def);
		return;
	}
	*out = g_strdup(v);
}

static gint
server_number(const char *key)
{
	gint64 n;
	if (g_ascii_strncasecmp(key, "Server", 6) != 0 || key[6] == '\0')
		return -1;
	for (const char *p = key + 6; *p; p++)
		if (!g_ascii_isdigit(*p))
			return -1;
	if (!sms_parse_int(key + 6, 1, 999, &n, NULL))
		return -1;
	return (gint)n;
}

typedef struct {
	gint n;
	const char *value;
} NumberedServer;

static gint
numbered_cmp(gconstpointer a, gconstpointer b)
{
	const NumberedServer *x = a, *y = b;
	return x->n - y->n;
}

static void
read_servers(SmsSmsIni *s)
{
	SmsIniSection *sec = sms_ini_find(s->ini, S_SERVERS);
	g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(NumberedServer));
	for (guint i = 0; sec && i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		NumberedServer ns = { server_number(e->name), e->value };
		if (ns.n < 0)
			continue;
		(void)value(s, S_SERVERS, e->name, NULL);   /* drops duplicates of this key */
		if (*e->value)
			g_array_append_val(list, ns);
	}
	g_array_sort(list, numbered_cmp);
	for (guint i = 0; i < list->len; i++)
		g_ptr_array_add(s->servers, g_strdup(g_array_index(list, NumberedServer, i).value));
}

/* "SMS Unique ID = XXXXXXXX" anywhere in the raw text: the first valid one. */
static char *
salvage_smsid(const char *data, gsize len, int *out_line)
{
	static const char key[] = "SMS Unique ID";
	int line = 1;
	for (gsize i = 0; i + sizeof key - 1 < len; i++) {
		gsize p = i + sizeof key - 1;
		char id[9];
		gsize k = 0;
		if (data[i] == '\n')
			line++;
		if (g_ascii_strncasecmp(data + i, key, sizeof key - 1) != 0)
			continue;
		while (p < len && (data[p] == ' ' || data[p] == '\t'))
			p++;
		if (p >= len || data[p] != '=')
			continue;
		p++;
		while (p < len && (data[p] == ' ' || data[p] == '\t'))
			p++;
		while (p < len && k < 8 && g_ascii_isalnum(data[p]))
			id[k++] = g_ascii_toupper(data[p++]);
		id[k] = '\0';
		if (k == 8 && (p == len || !g_ascii_isalnum(data[p])) && sms_smsid_is_valid(id)) {
			*out_line = line;
			return g_strdup(id);
		}
	}
	return NULL;
}

SmsSmsIni *
sms_smsini_parse(const char *path, const char *data, gsize len)
{
	SmsSmsIni *s = sms_smsini_new(path);
	g_autofree char *salvaged = NULL;
	int line = 0, salvaged_line = 0;
	const char *v;
	gint64 n;

	sms_ini_free(s->ini);
	s->ini = parse_repairing(s, data, len);
	g_free(s->ini->path);
	s->ini->path = g_strdup(s->path);
	merge_sections(s);

	/* [SMS] */
	v = value(s, S_SMS, "SMS Unique ID", &line);
	if (v) {
		g_autofree char *up = g_ascii_strup(v, -1);
		if (sms_smsid_is_valid(up)) {
			if (strcmp(up, v) != 0)
				warn(s, line, "SMS Unique ID '%s' read as %s", v, up);
			s->sms_id = g_steal_pointer(&up);
		} else {
			warn(s, line, "SMS Unique ID: expected 8 letters and digits (site code, "
			     "range, sequence), got '%s'; dropped", v);
		}
	}
	if (s->sms_id == NULL && (salvaged = salvage_smsid(data, len, &salvaged_line))) {
		warn(s, salvaged_line, "SMS Unique ID %s recovered from a damaged line", salvaged);
		s->sms_id = g_steal_pointer(&salvaged);
	}
	if (s->sms_id == NULL && v == NULL)
		warn(s, line, "no SMS Unique ID in [SMS]: a new one has to be allocated");
	v = value(s, S_SMS, "SiteCode", &line);
	if (v) {
		g_autofree char *up = g_ascii_strup(v, -1);
		if (site_code_valid(up))
			s->site_code = g_steal_pointer(&up);
		else
			warn(s, line, "SiteCode: expected 3 letters or digits, got '%s'; dropped", v);
	}
	s->last_logon_server_path = dup_value(s, S_SMS, "LastLogonServerPath");
	s->unique_id_path = dup_value(s, S_SMS, "UniqueIdPath");

	/* [Servers] */
	s->domain = dup_value(s, S_SERVERS, "Domain");
	s->current_logon_server = dup_value(s, S_SERVERS, "CurrentLogonServer");
	read_servers(s);

	/* [Package Command Manager] */
	share_value(s, "InstructionSharePoint", SMS_SMSINI_DEFAULT_INSTRUCTION_SHARE,
	            &s->instruction_share);
	share_value(s, "ResultSharePoint", SMS_SMSINI_DEFAULT_RESULT_SHARE, &s->result_share);
	s->local_registry = dup_value(s, S_PCM, "LocalRegistryLocation");
	int_value(s, S_PCM, "PollingInterval", 1, MAX_INTERVAL, SMS_SMSINI_DEFAULT_POLLING, TRUE,
	          &n);
	s->polling_interval = (int)n;

	/* [Local] */
	s->machine_name = dup_value(s, S_LOCAL, "MachineName");
	s->setup_phase = dup_value(s, S_LOCAL, "SetupPhase");
	if (value(s, S_LOCAL, "LastPCMFileTime", NULL) == NULL &&
	    value(s, S_PCM, "LastPCMFileTime", &line) != NULL) {
		/* the time belongs in [Local] (RG:S3D58.HTM) */
		warn(s, line, "LastPCMFileTime belongs in [Local]; moved");
		sms_ini_set(s->ini, S_LOCAL, "LastPCMFileTime", value(s, S_PCM, "LastPCMFileTime",
		                                                       NULL));
	}
	sms_ini_section_remove(sms_ini_find(s->ini, S_PCM), "LastPCMFileTime");
	int_value(s, S_LOCAL, "LastPCMFileTime", 0, G_MAXINT64, -1, FALSE, &s->last_pcm_file_time);
	bool_value(s, S_LOCAL, "ShowPCMIntroDialog", TRUE, &s->show_pcm_intro_dialog);
	bool_value(s, S_LOCAL, "DisablePCMCountdown", FALSE, &s->disable_pcm_countdown);
	int_value(s, S_LOCAL, "PCMPackageReminderInterval", 0, MAX_INTERVAL, 0, FALSE, &n);
	s->pcm_reminder_interval = (int)n;
	v = value(s, S_LOCAL, "DisableRandomPCMServers", &line);
	if (v) {
		for (int i = 0; random_modes[i]; i++)
			if (g_ascii_strcasecmp(v, random_modes[i]) == 0)
				s->disable_random_pcm_servers = g_strdup(random_modes[i]);
		if (s->disable_random_pcm_servers == NULL)
			warn(s, line, "DisableRandomPCMServers: expected LOCALONLY, DRIVEMAPPINGS, "
			     "RANDOM, RANDOMONLY, PREFERREDONLY or PREFERREDFIRST, got '%s'; ignored", v);
	}

	/* [LogonHistory] */
	s->last_logged_user = dup_value(s, S_HISTORY, "LastLoggedUser");
	return s;
}

/* ---- the files last read or written, while a simulation runs ------------------------ */

/* What a path held when this process last read or wrote it, and the file's identity
 * then: while the file has the same device, inode, size, modification and change
 * times, these are its bytes. Atomic writes (temp + rename) give every new version a
 * new inode. */
typedef struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char *data;
	gsize len;
} Cached;

/* A PCM check loads and saves its SMS.INI within moments; the files of the workstations
 * checked last are all that is worth keeping, and memory stays bounded at any size. */
#define CACHE_MAX 256

static GHashTable *file_cache;   /* path -> Cached*, NULL while off */
static GQueue cache_order = G_QUEUE_INIT;   /* paths (the table's keys), oldest first */

static void
cached_free(gpointer p)
{
	Cached *c = p;
	g_free(c->data);
	g_free(c);
}

void
sms_smsini_cache_enable(gboolean on)
{
	if (on && file_cache == NULL) {
		file_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
	} else if (!on) {
		g_queue_clear_full(&cache_order, g_free);
		g_clear_pointer(&file_cache, g_hash_table_unref);
	}
}

static gboolean
same_file(const Cached *c, const struct stat *st)
{
	return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
	       c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       c->ctime.tv_sec == st->st_ctim.tv_sec && c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The cached bytes of path if the file is still the one they came from; NULL and the
 * entry dropped otherwise. *out_missing: the file does not exist. */
static Cached *
cache_lookup(const char *path, gboolean *out_missing)
{
	struct stat st;
	Cached *c = g_hash_table_lookup(file_cache, path);
	*out_missing = FALSE;
	if (stat(path, &st) < 0) {
		*out_missing = errno == ENOENT;
		g_hash_table_remove(file_cache, path);
		return NULL;
	}
	if (c && S_ISREG(st.st_mode) && same_file(c, &st))
		return c;
	g_hash_table_remove(file_cache, path);
	return NULL;
}

/* Remember data as the content of path (after the stat that identifies it). */
static void
cache_store(const char *path, const char *data, gsize len)
{
	struct stat st;
	Cached *c;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (gsize)st.st_size != len) {
		g_hash_table_remove(file_cache, path);
		return;
	}
	c = g_new0(Cached, 1);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->mtime = st.st_mtim;
	c->ctime = st.st_ctim;
	c->data = g_memdup2(data, len + 1);
	c->data[len] = '\0';
	c->len = len;
	if (!g_hash_table_contains(file_cache, path)) {
		g_queue_push_tail(&cache_order, g_strdup(path));
		while (cache_order.length > CACHE_MAX) {
			g_autofree char *old = g_queue_pop_head(&cache_order);
			g_hash_table_remove(file_cache, old);
		}
	}
	g_hash_table_replace(file_cache, g_strdup(path), c);
}

gboolean
sms_smsini_load(const char *path, SmsSmsIni **out, GError **error)
{
	g_autofree char *data = NULL;
	gsize len;
	g_autoptr(GError) local = NULL;
	if (file_cache) {
		gboolean missing;
		Cached *c = cache_lookup(path, &missing);
		if (c) {
			*out = sms_smsini_parse(path, c->data, c->len);
			return TRUE;
		}
		if (missing)
			return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_NOT_FOUND,
			                        "%s: no such file (a new client)", path);
	}
	if (!g_file_get_contents(path, &data, &len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_NOT_FOUND,
			                        "%s: no such file (a new client)", path);
		return sms_throw(error, SMS_ERROR_IO, "%s", local->message);
	}
	if (file_cache)
		cache_store(path, data, len);
	*out = sms_smsini_parse(path, data, len);
	return TRUE;
}

/* ---- writing ----------------------------------------------------------------------- */

static gboolean
check_text(const SmsSmsIni *s, const char *key, const char *v, GError **error)
{
	if (v && strpbrk(v, "\r\n"))
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: %s: expected one line of text", s->path, key);
	return TRUE;
}

static gboolean
validate(const SmsSmsIni *s, GError **error)
{
	const struct { const char *key, *v; } texts[] = {
		{ "SiteCode", s->site_code }, { "LastLogonServerPath", s->last_logon_server_path },
		{ "UniqueIdPath", s->unique_id_path }, { "Domain", s->domain },
		{ "CurrentLogonServer", s->current_logon_server },
		{ "InstructionSharePoint", s->instruction_share },
		{ "ResultSharePoint", s->result_share },
		{ "LocalRegistryLocation", s->local_registry }, { "MachineName", s->machine_name },
		{ "SetupPhase", s->setup_phase }, { "LastLoggedUser", s->last_logged_user },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(texts); i++)
		if (!check_text(s, texts[i].key, texts[i].v, error))
			return FALSE;
	for (guint i = 0; i < s->servers->len; i++)
		if (!check_text(s, "ServerN", s->servers->pdata[i], error))
			return FALSE;
	if (s->sms_id && !sms_smsid_is_valid(s->sms_id))
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: SMS Unique ID: expected 8 upper-case letters and digits, "
		                        "got '%s'", s->path, s->sms_id);
	if (s->site_code && !site_code_valid(s->site_code))
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: SiteCode: expected 3 upper-case letters or digits, got "
		                        "'%s'", s->path, s->site_code);
	if (s->instruction_share == NULL || s->result_share == NULL)
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: InstructionSharePoint and ResultSharePoint are needed",
		                        s->path);
	if (s->polling_interval < 1 || s->polling_interval > MAX_INTERVAL)
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: PollingInterval: expected 1-%d minutes, got %d", s->path,
		                        MAX_INTERVAL, s->polling_interval);
	if (s->pcm_reminder_interval < 0 || s->pcm_reminder_interval > MAX_INTERVAL)
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: PCMPackageReminderInterval: expected 0-%d minutes, got "
		                        "%d", s->path, MAX_INTERVAL, s->pcm_reminder_interval);
	if (s->disable_random_pcm_servers &&
	    !g_strv_contains(random_modes, s->disable_random_pcm_servers))
		return sms_throw_domain(error, SMS_SMSINI_ERROR, SMS_SMSINI_ERROR_INVALID,
		                        "%s: DisableRandomPCMServers: expected LOCALONLY, "
		                        "DRIVEMAPPINGS, RANDOM, RANDOMONLY, PREFERREDONLY or "
		                        "PREFERREDFIRST, got '%s'", s->path,
		                        s->disable_random_pcm_servers);
	return TRUE;
}

/* Set key, or remove it when v is NULL (no empty section is created for that). */
static void
put(SmsSmsIni *s, const char *section, const char *key, const char *v)
{
	if (v)
		sms_ini_set(s->ini, section, key, v);
	else
		sms_ini_section_remove(sms_ini_find(s->ini, section), key);
}

static void
put_int(SmsSmsIni *s, const char *section, const char *key, gint64 v, gboolean present)
{
	char buf[32];
	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	put(s, section, key, present ? buf : NULL);
}

/* Written when it differs from the default or the file already has it. */
static void
put_bool(SmsSmsIni *s, const char *section, const char *key, gboolean v, gboolean def)
{
	SmsIniSection *sec = sms_ini_find(s->ini, section);
	if (v != def || (sec && sms_ini_section_entry(sec, key)))
		sms_ini_set(s->ini, section, key, v ? "TRUE" : "FALSE");
}

/* Server1..N of a section: the old ones removed, the new ones appended. */
static void
put_servers(SmsSmsIni *s, const char *section, gboolean share)
{
	SmsIniSection *sec = sms_ini_find_or_add(s->ini, section);
	g_autoptr(GPtrArray) old = g_ptr_array_new_with_free_func(g_free);
	guint n = MIN(s->servers->len, SMS_SMSINI_MAX_SERVERS);
	for (guint i = 0; i < sec->entries->len; i++) {
		SmsIniEntry *e = sec->entries->pdata[i];
		gint k = server_number(e->name);
		if (k < 0)
			continue;
		if ((guint)k > old->len)
			g_ptr_array_set_size(old, (guint)k);
		if (old->pdata[k - 1] == NULL)
			old->pdata[k - 1] = g_strdup(e->value);
		g_ptr_array_remove_index(sec->entries, i);
		i--;
	}
	for (guint i = 0; i < n; i++) {
		char key[16];
		const char *v = s->servers->pdata[i];
		g_snprintf(key, sizeof key, "Server%u", i + 1);
		if (share)
			v = i < old->len && old->pdata[i] && *(char *)old->pdata[i] ? old->pdata[i]
			                                                            : SMS_SMSINI_DEFAULT_SHARE;
		sms_ini_section_set(sec, key, v);
	}
}

static void
apply(SmsSmsIni *s)
{
	/* sections in the order of the sample SMS.INI (RG:S3D58.HTM) when they are new */
	put(s, S_PCM, "InstructionSharePoint", s->instruction_share);
	put(s, S_PCM, "ResultSharePoint", s->result_share);
	put(s, S_PCM, "LocalRegistryLocation", s->local_registry);
	put_int(s, S_PCM, "PollingInterval", s->polling_interval, TRUE);
	if (s->domain || s->current_logon_server || s->servers->len ||
	    sms_ini_find(s->ini, S_SERVERS)) {
		put(s, S_SERVERS, "Domain", s->domain);
		put(s, S_SERVERS, "CurrentLogonServer", s->current_logon_server);
		put_servers(s, S_SERVERS, FALSE);
	}
	if (s->current_logon_server || s->servers->len) {
		SmsIniSection *share = sms_ini_find_or_add(s->ini, S_SHARE);
		g_autofree char *cur = g_strdup(sms_ini_section_get(share, "CurrentLogonServer"));
		sms_ini_section_set(share, "CurrentLogonServer",
		                    cur && *cur ? cur : SMS_SMSINI_DEFAULT_SHARE);
		put_servers(s, S_SHARE, TRUE);
	}
	put(s, S_SMS, "SiteCode", s->site_code);
	put(s, S_SMS, "SMS Unique ID", s->sms_id);
	put(s, S_SMS, "LastLogonServerPath", s->last_logon_server_path);
	put(s, S_SMS, "UniqueIdPath", s->unique_id_path);
	put(s, S_LOCAL, "SetupPhase", s->setup_phase);
	put(s, S_LOCAL, "MachineName", s->machine_name);
	put_bool(s, S_LOCAL, "ShowPCMIntroDialog", s->show_pcm_intro_dialog, TRUE);
	put_int(s, S_LOCAL, "LastPCMFileTime", s->last_pcm_file_time, s->last_pcm_file_time >= 0);
	put_bool(s, S_LOCAL, "DisablePCMCountdown", s->disable_pcm_countdown, FALSE);
	put_int(s, S_LOCAL, "PCMPackageReminderInterval", s->pcm_reminder_interval,
	        s->pcm_reminder_interval > 0);
	put(s, S_LOCAL, "DisableRandomPCMServers", s->disable_random_pcm_servers);
	put(s, S_HISTORY, "LastLoggedUser", s->last_logged_user);
}

char *
sms_smsini_to_data(SmsSmsIni *s, gsize *out_len, GError **error)
{
	if (!validate(s, error))
		return NULL;
	apply(s);
	return sms_ini_to_data(s->ini, out_len);
}

gboolean
sms_smsini_save(SmsSmsIni *s, SmsSyncMode sync, gboolean *out_changed, GError **error)
{
	gsize len;
	g_autofree char *data = sms_smsini_to_data(s, &len, error);
	gboolean changed = TRUE;
	if (data == NULL)
		return FALSE;
	if (file_cache) {
		gboolean missing;
		Cached *c = cache_lookup(s->path, &missing);
		if (c && c->len == len && memcmp(c->data, data, len) == 0) {
			changed = FALSE;
		} else {
			/* not known: compare with the file, as without the cache */
			if (!(c || missing ? sms_atomic_write(s->path, data, len, 0644, sync, error)
			                   : sms_atomic_write_if_changed(s->path, data, len, 0644, sync,
			                                                 &changed, error)))
				return FALSE;
			cache_store(s->path, data, len);
		}
	} else if (!sms_atomic_write_if_changed(s->path, data, len, 0644, sync, &changed, error)) {
		return FALSE;
	}
	if (out_changed)
		*out_changed = changed;
	return TRUE;
}
