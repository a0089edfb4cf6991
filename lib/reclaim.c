/* reclaim.c -- remove what a killed run left behind (see reclaim.h). */
#include "reclaim.h"

#include <sys/stat.h>

/* ".NAME.tmp-XXXXXX" (lib/atomic.c), "NAME.tmp.XXXXXX" (lib/archive.c), "NAME.NEW"
 * (staged package trees), and in RECEIVE "NAME.TMP" (an instruction being delivered). */
gboolean
sms_reclaim_name_matches(const char *name, gboolean in_receive)
{
	gsize n = strlen(name);
	const char *t;
	if (name[0] == '.' && (t = strstr(name, ".tmp-")) != NULL && strlen(t) == 11)
		return TRUE;
	if (n > 11 && strncmp(name + n - 11, ".tmp.", 5) == 0)
		return TRUE;
	if (n > 4 && strcmp(name + n - 4, ".NEW") == 0)
		return TRUE;
	return in_receive && n > 4 && strcmp(name + n - 4, ".TMP") == 0;
}

/* Entries of dir that match (or every entry when `all`), older than started. */
static guint
sweep(SmsSite *site, const char *component, const char *dir, gboolean in_receive,
      gboolean all, gint64 started)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint n = 0;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = NULL;
		g_autoptr(GError) error = NULL;
		struct stat st;
		if (!all && !sms_reclaim_name_matches(name, in_receive))
			continue;
		p = g_build_filename(dir, name, NULL);
		if (lstat(p, &st) < 0 ||
		    (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 >= started)
			continue;
		if (!sms_rm_rf(p, &error)) {
			sms_log(site, component, SMS_TIME_NONE, "could not remove the leftover %s: %s",
			        p, error->message);
			continue;
		}
		n++;
	}
	return n;
}

static gboolean
local(SmsSite *site, SmsServerDef *s)
{
	return sms_str_equal_ci(s->site, site->code);
}

guint
sms_reclaim_leftovers(SmsSite *site, const char *component, gint64 started)
{
	guint n = 0;
	if (g_strcmp0(component, "scheduler") == 0) {
		g_autofree char *tosend = sms_layout_tosend(site);
		g_autofree char *outbox = sms_layout_outbox(site);
		n += sweep(site, component, tosend, FALSE, FALSE, started);
		n += sweep(site, component, outbox, FALSE, FALSE, started);
	} else if (g_strcmp0(component, "despooler") == 0) {
		g_autofree char *receive = sms_layout_receive(site);
		g_autofree char *store = sms_layout_store(site);
		n += sweep(site, component, receive, TRUE, FALSE, started);
		n += sweep(site, component, store, FALSE, FALSE, started);
		for (guint i = 0; i < site->def->domains->len; i++) {
			SmsDomainDef *dom = site->def->domains->pdata[i];
			g_autofree char *dir = NULL;
			if (!sms_str_equal_ci(dom->site, site->code))
				continue;
			dir = sms_layout_pcmdom(site, dom->name);
			n += sweep(site, component, dir, FALSE, FALSE, started);
		}
		/* every drive of the site's servers: shares and SMS_PKGx (staged *.NEW trees),
		 * DESPOOL.TMP (decompressed packages) */
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			if (!local(site, s))
				continue;
			for (guint k = 0; k < s->drives->len; k++) {
				SmsDriveDef *dr = &g_array_index(s->drives, SmsDriveDef, k);
				g_autofree char *drive = sms_layout_drive(site, s->name, dr->letter);
				g_autofree char *tmp = g_build_filename(drive, "DESPOOL.TMP", NULL);
				g_autoptr(GDir) d = g_dir_open(drive, 0, NULL);
				const char *name;
				n += sweep(site, component, drive, FALSE, FALSE, started);
				n += sweep(site, component, tmp, FALSE, TRUE, started);
				while (d && (name = g_dir_read_name(d)) != NULL) {
					g_autofree char *sub = NULL;
					if (!g_str_has_prefix(name, "SMS_PKG"))
						continue;
					sub = g_build_filename(drive, name, NULL);
					n += sweep(site, component, sub, FALSE, FALSE, started);
				}
			}
		}
	} else if (g_strcmp0(component, "logon") == 0) {
		for (guint i = 0; i < site->def->servers->len; i++) {
			SmsServerDef *s = site->def->servers->pdata[i];
			g_autofree char *pcins = NULL;
			g_autofree char *box = NULL;
			if (!local(site, s) || !(s->roles & SMS_ROLE_LOGON))
				continue;
			pcins = sms_layout_pcins(site, s->name);
			box = sms_layout_logon_despool(site, s->name);
			n += sweep(site, component, pcins, FALSE, FALSE, started);
			n += sweep(site, component, box, FALSE, FALSE, started);
		}
	}
	if (n > 0)
		sms_log(site, component, SMS_TIME_NONE, "Removed %u leftover temporary file(s) or "
		        "director(ies) of an interrupted run", n);
	return n;
}
