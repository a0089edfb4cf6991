/* boxwatch.c -- kept answers about boxes, dropped by inotify events (boxwatch.h). */
#include "boxwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Events that change a box's listing, and events that mean a directory is no longer
 * where its path points. */
#define BOX_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF | \
                  IN_DELETE_SELF | IN_UNMOUNT | IN_ONLYDIR | IN_MASK_ADD)
#define PARENT_MASK (IN_MOVE_SELF | IN_DELETE_SELF | IN_UNMOUNT | IN_ONLYDIR | IN_MASK_ADD)
#define SELF_EVENTS (IN_MOVE_SELF | IN_DELETE_SELF | IN_UNMOUNT | IN_IGNORED)

typedef struct {
	char *key;
	int box_wd;           /* -1: not watched */
	GArray *parent_wds;   /* int */
	guint64 armed;        /* bumped by every sms_box_watch */
	gboolean armed_clean; /* no event since the last arming */
	gboolean valid;
	gboolean answer;
} Entry;

static int watch_fd = -2;   /* -2: not opened yet; -1: unavailable */
static GHashTable *entries; /* key -> Entry* */
static GHashTable *live;    /* wd -> TRUE while the kernel watches it */
static guint64 events_seen;
static gboolean quiet;      /* between sms_box_quiet_begin and _end: queue read once */

static void
entry_free(gpointer p)
{
	Entry *e = p;
	g_free(e->key);
	g_array_unref(e->parent_wds);
	g_free(e);
}

static gboolean
ready(void)
{
	if (watch_fd == -2) {
		watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (watch_fd < 0)
			watch_fd = -1;
		entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
		live = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	return watch_fd >= 0;
}

static void
drop(Entry *e)
{
	e->valid = FALSE;
	e->armed_clean = FALSE;
}

static void
drop_all(void)
{
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, NULL, &v))
		drop(v);
}

static void
on_event(const struct inotify_event *ev)
{
	GHashTableIter it;
	gpointer v;
	events_seen++;
	if (ev->wd < 0 || (ev->mask & IN_Q_OVERFLOW)) {
		drop_all();
		return;
	}
	if (ev->mask & IN_IGNORED)
		g_hash_table_remove(live, GINT_TO_POINTER(ev->wd));
	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Entry *e = v;
		if (e->box_wd == ev->wd) {
			drop(e);
			continue;
		}
		if (ev->mask & SELF_EVENTS)
			for (guint i = 0; i < e->parent_wds->len; i++)
				if (g_array_index(e->parent_wds, int, i) == ev->wd)
					drop(e);
	}
}

/* Read every event queued so far (one read when there is none). */
static void
drain(void)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(watch_fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;   /* EAGAIN: nothing more */
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			on_event(ev);
			p += sizeof *ev + ev->len;
		}
	}
}

gboolean
sms_box_answer_get(const char *key, gboolean *out)
{
	Entry *e;
	if (!ready())
		return FALSE;
	e = g_hash_table_lookup(entries, key);
	if (e == NULL || !e->valid)
		return FALSE;
	if (!quiet)
		drain();
	if (!e->valid)
		return FALSE;
	*out = e->answer;
	return TRUE;
}

static gboolean
watched(Entry *e)
{
	if (e->box_wd < 0 || !g_hash_table_contains(live, GINT_TO_POINTER(e->box_wd)))
		return FALSE;
	for (guint i = 0; i < e->parent_wds->len; i++)
		if (!g_hash_table_contains(live, GINT_TO_POINTER(g_array_index(e->parent_wds, int,
		                                                                i))))
			return FALSE;
	return TRUE;
}

static int
add_watch(const char *path, guint32 mask)
{
	int wd = inotify_add_watch(watch_fd, path, mask);
	if (wd >= 0)
		g_hash_table_add(live, GINT_TO_POINTER(wd));
	return wd;
}

SmsBoxToken
sms_box_watch(const char *key, const char *dir, const char *top)
{
	SmsBoxToken t = { NULL, 0 };
	Entry *e;
	if (!ready())
		return t;
	drain();
	e = g_hash_table_lookup(entries, key);
	if (e == NULL) {
		e = g_new0(Entry, 1);
		e->key = g_strdup(key);
		e->box_wd = -1;
		e->parent_wds = g_array_new(FALSE, FALSE, sizeof(int));
		g_hash_table_insert(entries, e->key, e);
	}
	drop(e);
	if (!watched(e)) {
		g_autofree char *p = NULL;
		g_array_set_size(e->parent_wds, 0);
		e->box_wd = add_watch(dir, BOX_MASK);
		if (e->box_wd < 0)
			return t;   /* missing directory, no watches left: list every time */
		/* the parents up to top: a rename of one of them moves the box away */
		p = g_path_get_dirname(dir);
		while (top && g_str_has_prefix(p, top) && strlen(p) >= strlen(top)) {
			char *up;
			int wd = add_watch(p, PARENT_MASK);
			if (wd < 0) {
				e->box_wd = -1;
				return t;
			}
			g_array_append_val(e->parent_wds, wd);
			if (strlen(p) == strlen(top))
				break;
			up = g_path_get_dirname(p);
			g_free(p);
			p = up;
		}
	}
	e->armed++;
	e->armed_clean = TRUE;
	t.entry = e;
	t.armed = e->armed;
	return t;
}

void
sms_box_answer_put(SmsBoxToken token, gboolean answer)
{
	Entry *e = token.entry;
	if (e == NULL)
		return;
	drain();
	if (e->armed != token.armed || !e->armed_clean)
		return;   /* changed while it was listed: compute again next time */
	e->valid = TRUE;
	e->answer = answer;
}

void
sms_box_quiet_begin(void)
{
	if (ready())
		drain();
	quiet = TRUE;
}

void
sms_box_quiet_end(void)
{
	quiet = FALSE;
}

void
sms_box_forget_all(void)
{
	if (entries)
		drop_all();
}

guint64
sms_box_events_seen(void)
{
	return events_seen;
}
