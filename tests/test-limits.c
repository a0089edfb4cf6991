/* test-limits.c -- hostile inputs: every kind of input file has a size limit and only
 * regular files are read (a FIFO would block, /dev/zero would never end); a world of
 * millions of workstations is refused before it is built. */
#include "testlib.h"
#include "boxfile.h"
#include "ins.h"
#include "instruction.h"
#include "mif.h"
#include "pdf.h"
#include "reg.h"
#include "sitedef.h"

#include <fcntl.h>
#include <sys/stat.h>

/* A sparse file of `size` bytes: the limit is checked before a byte is read. */
static char *
sparse(const char *dir, const char *name, gsize size)
{
	char *path = g_build_filename(dir, name, NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
	close(fd);
	return path;
}

static void
assert_too_large(gboolean ok, GError *error, const char *path)
{
	g_assert_false(ok);
	g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_TOO_LARGE);
	g_assert_nonnull(strstr(error->message, path));
	g_assert_nonnull(strstr(error->message, "limit"));
}

static void
test_sizes(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	struct {
		const char *name;
		gsize limit;
	} files[] = {
		{ "BIG.PDF", SMS_PDF_MAX_BYTES },       { "BIG.PCK", SMS_MIF_MAX_BYTES },
		{ "BIG.SNI", SMS_SNI_MAX_BYTES },       { "BIG.REG", SMS_REG_MAX_BYTES },
		{ "BIG.INS", SMS_INS_MAX_BYTES },       { "BIG.IN2", SMS_INSTRUCTION_MAX_BYTES },
		{ "BIG.SRQ", SMS_SEND_REQUEST_MAX_BYTES }, { "BIG.INI", SMS_READ_MAX_DEFAULT },
	};
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = sparse(dir, files[i].name, files[i].limit + 1);
		g_autoptr(GError) error = NULL;
		gboolean ok = FALSE;
		switch (i) {
		case 0: { g_autoptr(SmsPdf) x = NULL; ok = sms_pdf_load(path, &x, &error); break; }
		case 1: { g_autoptr(SmsStatusMif) x = NULL; ok = sms_mif_load(path, &x, &error); break; }
		case 2: { g_autoptr(SmsSni) x = NULL; ok = sms_sni_load(path, &x, &error); break; }
		case 3: { g_autoptr(SmsReg) x = NULL; ok = sms_reg_load(path, &x, &error); break; }
		case 4: { g_autoptr(SmsInsFile) x = NULL; ok = sms_ins_load(path, &x, &error); break; }
		case 5: {
			g_autoptr(SmsInstruction) x = NULL;
			ok = sms_instruction_load(path, &x, &error);
			break;
		}
		case 6: {
			g_autoptr(SmsSendRequest) x = NULL;
			ok = sms_send_request_load(path, &x, &error);
			break;
		}
		default: {
			g_autofree char *data = NULL;
			gsize len;
			ok = sms_read_file(path, &data, &len, &error);
			break;
		}
		}
		assert_too_large(ok, error, path);
	}
	/* a file at the limit is read (and then parsed: not a valid MIF) */
	{
		g_autofree char *path = sparse(dir, "EDGE.SNI", SMS_SNI_MAX_BYTES);
		g_autofree char *data = NULL;
		gsize len = 0;
		g_autoptr(GError) error = NULL;
		g_assert_true(sms_box_read(path, SMS_SNI_MAX_BYTES, &data, &len, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(len, ==, SMS_SNI_MAX_BYTES);
	}
}

static void
test_kinds(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	g_autofree char *fifo = g_build_filename(dir, "PIPE.SNI", NULL);
	g_autofree char *zero = g_build_filename(dir, "ZERO.PCK", NULL);
	g_autofree char *good = sms_test_write(dir, "GOOD.PDF", "[PDF]\r\nVersion=2.0\r\n");
	g_autofree char *link = g_build_filename(dir, "LINK.PDF", NULL);
	g_autofree char *data = NULL;
	gsize len;
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(symlink("/dev/zero", zero), ==, 0);
	g_assert_cmpint(symlink(good, link), ==, 0);
	{
		g_autoptr(SmsSni) x = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_sni_load(fifo, &x, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
		g_assert_nonnull(strstr(error->message, "a FIFO"));
		g_assert_true(sms_box_error_is_refusal(error));
	}
	{
		g_autoptr(SmsStatusMif) x = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_mif_load(zero, &x, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
	}
	{
		/* a command-line file may be a link, but never to a device or a FIFO */
		g_autoptr(GError) error = NULL;
		g_assert_true(sms_read_file(link, &data, &len, &error));
		g_assert_no_error(error);
		g_clear_pointer(&data, g_free);
		g_assert_false(sms_read_file(zero, &data, &len, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
		g_assert_nonnull(strstr(error->message, "a character device"));
		g_clear_error(&error);
		g_assert_false(sms_read_file(fifo, &data, &len, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
		g_clear_error(&error);
		/* a box file is never read through a link */
		g_assert_false(sms_box_read(link, 1024, &data, &len, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
		g_clear_error(&error);
		g_assert_false(sms_box_read(fifo, 1024, &data, &len, &error));
		g_assert_error(error, SMS_BOXFILE_ERROR, SMS_BOXFILE_ERROR_NOT_REGULAR);
		g_assert_null(data);
	}
	g_assert_false(sms_box_is_regular(dir, "LINK.PDF"));
	g_assert_true(sms_box_is_regular(dir, "GOOD.PDF"));
	{
		g_autoptr(GError) error = NULL;
		g_autofree char *moved = g_build_filename(dir, "BAD", "PIPE.SNI", NULL);
		g_assert_true(sms_box_move_to_bad(dir, "PIPE.SNI", &error));
		g_assert_no_error(error);
		g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS));
		g_assert_true(sms_box_move_to_bad(dir, "PIPE.SNI", &error));   /* gone: no error */
	}
}

/* A PDF value that cannot fit a .INS record field is refused at import (it made every
 * Despooler pass fail until the job was cancelled). */
static void
test_pdf_comment(void)
{
	GString *pdf = g_string_new("[PDF]\r\nVersion=1.0\r\n[Package Definition]\r\n"
	                            "Product=P\r\nVersion=1\r\nComment=");
	g_autoptr(SmsPdf) p = NULL;
	g_autoptr(GError) error = NULL;
	gsize at;
	for (int i = 0; i < 65535; i++)
		g_string_append_c(pdf, 'c');
	at = pdf->len;
	g_string_append(pdf, "\r\nSetupVariations=A\r\n[A Setup]\r\nCommandLine=a.exe\r\n"
	                "CommandName=A\r\nSupportedPlatforms=Windows NT (x86)\r\n");
	g_assert_true(sms_pdf_parse("ok.pdf", pdf->str, pdf->len, &p, &error));
	g_assert_no_error(error);
	g_clear_pointer(&p, sms_pdf_free);
	g_string_insert_c(pdf, (gssize)at, 'c');   /* 65,536 bytes */
	g_assert_false(sms_pdf_parse("big.pdf", pdf->str, pdf->len, &p, &error));
	g_assert_error(error, SMS_PDF_ERROR, SMS_PDF_ERROR_BAD_VALUE);
	g_assert_nonnull(strstr(error->message, "big.pdf:6:"));
	g_assert_nonnull(strstr(error->message, "Comment: at most 65,535 bytes"));
	g_string_free(pdf, TRUE);
}

static const char *site_head = "[Site A01]\n[Server SRV01]\nSite=A01\nRoles=site, logon\n"
                               "Drives=C:100\n[Domain CORP]\nSite=A01\nLogonServers=SRV01\n";

static void
test_workstations(void)
{
	g_autofree char *dir = sms_test_tmpdir();
	/* one range over the limit: refused from the range itself */
	{
		g_autofree char *text = g_strconcat(site_head, "[Workstations W]\nDomain=CORP\n"
		                                    "Names=W000001-W200000\n", NULL);
		g_autofree char *path = sms_test_write(dir, "one.ini", text);
		g_autoptr(SmsWorldDef) w = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_site_ini_load(path, &w, &error));
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, "one.ini:11:"));
		g_assert_nonnull(strstr(error->message, "100000"));
	}
	/* two sections together over the limit: refused at the second */
	{
		g_autofree char *text = g_strconcat(site_head, "[Workstations A]\nDomain=CORP\n"
		                                    "Names=A000001-A060000\n[Workstations B]\n"
		                                    "Domain=CORP\nNames=B000001-B060000\n", NULL);
		g_autofree char *path = sms_test_write(dir, "two.ini", text);
		g_autoptr(SmsWorldDef) w = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_false(sms_site_ini_load(path, &w, &error));
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, "two.ini:14:"));
		g_assert_nonnull(strstr(error->message, "limit"));
	}
	/* at the limit: accepted */
	{
		g_autofree char *text = g_strconcat(site_head, "[Workstations W]\nDomain=CORP\n"
		                                    "Names=W000001-W100000\n", NULL);
		g_autofree char *path = sms_test_write(dir, "edge.ini", text);
		g_autoptr(SmsWorldDef) w = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_true(sms_site_ini_load(path, &w, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(w->workstations->len, ==, SMS_WORLD_MAX_WORKSTATIONS);
	}
}

int
main(int argc, char **argv)
{
	sms_test_init(&argc, &argv);
	g_test_add_func("/limits/sizes", test_sizes);
	g_test_add_func("/limits/kinds", test_kinds);
	g_test_add_func("/limits/workstations", test_workstations);
	g_test_add_func("/limits/pdf-comment", test_pdf_comment);
	return g_test_run();
}
