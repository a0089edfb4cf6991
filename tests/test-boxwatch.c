/* test-boxwatch.c -- answers kept about a box until it changes (lib/boxwatch.h). */
#include "testlib.h"
#include "boxwatch.h"

#include <stdio.h>
#include <unistd.h>

static void
keep(const char *key, const char *dir, const char *top, gboolean answer)
{
	SmsBoxToken t = sms_box_watch(key, dir, top);
	g_assert_nonnull(t.entry);
	sms_box_answer_put(t, answer);
}

static void
test_kept_until_changed(void)
{
	g_autofree char *top = sms_test_tmpdir();
	g_autofree char *box = g_build_filename(top, "SRV", "LOGON.SRV", "BOX", NULL);
	g_autofree char *f = g_build_filename(box, "A.SNI", NULL);
	g_autofree char *g = g_build_filename(box, "B.SNI", NULL);
	g_autofree char *srv = g_build_filename(top, "SRV", NULL);
	g_autofree char *away = g_build_filename(top, "SRV.away", NULL);
	gboolean answer = TRUE;

	g_assert_cmpint(g_mkdir_with_parents(box, 0755), ==, 0);
	g_assert_false(sms_box_answer_get("k", &answer));   /* nothing kept yet */
	keep("k", box, top, FALSE);
	g_assert_true(sms_box_answer_get("k", &answer));
	g_assert_false(answer);
	g_assert_true(sms_box_answer_get("k", &answer));    /* still kept: nothing changed */

	/* a file lands in the box */
	g_assert_true(g_file_set_contents(f, "x", 1, NULL));
	g_assert_false(sms_box_answer_get("k", &answer));
	keep("k", box, top, TRUE);
	g_assert_true(sms_box_answer_get("k", &answer));
	g_assert_true(answer);
	/* a file written in place changes no listing: kept */
	{
		FILE *fp = fopen(f, "a");
		g_assert_nonnull(fp);
		fputs("more", fp);
		fclose(fp);
	}
	g_assert_true(sms_box_answer_get("k", &answer));
	/* renamed within the box, then deleted */
	g_assert_cmpint(rename(f, g), ==, 0);
	g_assert_false(sms_box_answer_get("k", &answer));
	keep("k", box, top, TRUE);
	g_assert_cmpint(unlink(g), ==, 0);
	g_assert_false(sms_box_answer_get("k", &answer));

	/* a parent moved away and back: the path may now be another directory */
	keep("k", box, top, FALSE);
	g_assert_cmpint(rename(srv, away), ==, 0);
	g_assert_cmpint(rename(away, srv), ==, 0);
	g_assert_false(sms_box_answer_get("k", &answer));

	/* a change between the watch and the answer: not kept */
	{
		SmsBoxToken t = sms_box_watch("k", box, top);
		g_assert_true(g_file_set_contents(f, "x", 1, NULL));
		sms_box_answer_put(t, FALSE);
		g_assert_false(sms_box_answer_get("k", &answer));
	}
	/* a quiet stretch reads the queue once, at its beginning */
	keep("k", box, top, TRUE);
	g_assert_cmpint(unlink(f), ==, 0);
	sms_box_quiet_begin();
	g_assert_false(sms_box_answer_get("k", &answer));   /* the deletion came before */
	sms_box_quiet_end();
	keep("k", box, top, FALSE);
	sms_box_quiet_begin();
	g_assert_true(sms_box_answer_get("k", &answer));
	sms_box_quiet_end();
	g_assert_true(g_file_set_contents(f, "x", 1, NULL));
	g_assert_false(sms_box_answer_get("k", &answer));   /* read again outside */
	/* forgetting drops everything */
	keep("k", box, top, TRUE);
	sms_box_forget_all();
	g_assert_false(sms_box_answer_get("k", &answer));
	g_assert_cmpuint(sms_box_events_seen(), >, 0);
}

static void
test_missing_dir(void)
{
	g_autofree char *top = sms_test_tmpdir();
	g_autofree char *box = g_build_filename(top, "NOPE", NULL);
	gboolean answer;
	SmsBoxToken t = sms_box_watch("missing", box, top);
	g_assert_null(t.entry);
	sms_box_answer_put(t, TRUE);
	g_assert_false(sms_box_answer_get("missing", &answer));
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/boxwatch/kept-until-changed", test_kept_until_changed);
	g_test_add_func("/boxwatch/missing-dir", test_missing_dir);
	return g_test_run();
}
