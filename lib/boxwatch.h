/* boxwatch.h -- what a component learnt from listing a box, kept until the box changes.
 *
 * A component that asks "is anything waiting in this directory?" at every wake-up does
 * not list the directory again while the kernel reports no change to it (inotify on
 * Linux): the answer it computed last time is kept under a key, and any entry created,
 * deleted or renamed in the directory, or the directory itself (or one of its parents up
 * to a given top) moved or deleted, drops it. So the component knows when a file lands
 * in its inbox, whichever process put it there, without scanning.
 *
 *     gboolean waiting;
 *     if (!sms_box_answer_get(key, &waiting)) {
 *             SmsBoxToken t = sms_box_watch(key, dir, top);   // before the listing
 *             waiting = <list dir>;
 *             sms_box_answer_put(t, waiting);                 // kept unless dir changed since
 *     }
 *
 * Where the kernel cannot watch (no inotify, out of watches, a directory that does not
 * exist yet) nothing is kept and the caller lists every time, as before. One process-wide
 * set of watches; not thread-safe (the components' passes run in one thread).
 */
#pragma once
#include "common.h"

typedef struct {
	gpointer entry;   /* NULL: nothing will be kept */
	guint64 armed;    /* the entry's arming this token belongs to */
} SmsBoxToken;

/* The answer kept under key, if the directory has not changed since it was computed. */
gboolean sms_box_answer_get(const char *key, gboolean *out);
/* Watch dir (and its parents up to top, which may be NULL) for changes before it is
 * listed; drops what was kept under key. */
SmsBoxToken sms_box_watch(const char *key, const char *dir, const char *top);
/* Keep answer under the token's key unless the directory changed since sms_box_watch. */
void sms_box_answer_put(SmsBoxToken token, gboolean answer);
/* A stretch of code that changes no file (a next wake-up): the event queue is read once
 * at the beginning instead of at every sms_box_answer_get. Changes made by other
 * processes meanwhile are seen at the next read, as if they had come a moment later. */
void sms_box_quiet_begin(void);
void sms_box_quiet_end(void);
/* Forget every kept answer (a caller that changed what its answers depend on). */
void sms_box_forget_all(void);
/* Answers kept and watch events read so far (tests). */
guint64 sms_box_events_seen(void);
