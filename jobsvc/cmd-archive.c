/* cmd-archive.c -- jobsvc archive create|list|extract|verify. */
#include "cmd-archive.h"
#include "archive.h"
#include "smstime.h"
#include "util.h"

#include <stdio.h>

static void
json_entry(GString *o, const SmsArchiveEntry *e)
{
	gboolean utf8 = g_utf8_validate(e->path, -1, NULL);
	g_autofree char *valid = utf8 ? NULL : g_utf8_make_valid(e->path, -1);

	if (o->len > 1)
		g_string_append_c(o, ',');
	g_string_append(o, "\n{\"path\":");
	sms_json_append_string(o, utf8 ? e->path : valid);
	if (!utf8) {
		/* the name is raw bytes: give them exactly, as hex */
		g_string_append(o, ",\"path_hex\":\"");
		for (const guchar *p = (const guchar *)e->path; *p; p++)
			g_string_append_printf(o, "%02x", *p);
		g_string_append_c(o, '"');
	}
	g_string_append_printf(o, ",\"type\":\"%s\",\"mode\":\"%04o\",\"size\":%" G_GUINT64_FORMAT
	                       ",\"mtime\":\"%s\",\"crc\":\"%08x\"}", e->is_dir ? "dir" : "file",
	                       e->mode, e->size, sms_time_str(e->mtime), e->crc);
}

static gboolean
print_entry(const SmsArchiveEntry *e, gpointer data, GError **error)
{
	char t[24];

	if (data != NULL) {
		json_entry(data, e);
		return TRUE;
	}
	/* paths are printed as stored (raw bytes); they never hold control characters */
	printf("%c %04o %12" G_GUINT64_FORMAT " %s %08x %s%s\n", e->is_dir ? 'd' : '-', e->mode,
	       e->size, sms_time_format_buf(e->mtime, t), e->crc, e->path, e->is_dir ? "/" : "");
	return TRUE;
}

static gboolean
cmd_create(SmsCli *cli, int argc, char **argv, GError **error)
{
	gint level = 6, threads = 2;
	GOptionEntry entries[] = {
		{ "level", 0, 0, G_OPTION_ARG_INT, &level, "zlib level 0-9 (default 6)", "N" },
		{ "threads", 0, 0, G_OPTION_ARG_INT, &threads, "compression threads (default 2)", "N" },
		{ NULL }
	};
	SmsArchiveOptions opt = SMS_ARCHIVE_OPTIONS_INIT;
	SmsArchiveStats st;

	if (!sms_cli_parse(cli, "archive create", "DIR FILE",
	                   "Pack the tree DIR into the package archive FILE (written atomically).",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (argc != 3)
		return sms_throw(error, SMS_ERROR_USAGE, "archive create: expected DIR FILE");
	if (level < 0 || level > 9)
		return sms_throw(error, SMS_ERROR_USAGE, "archive create: --level %d: expected 0 to 9",
		                 level);
	if (threads < 1 || threads > 64)
		return sms_throw(error, SMS_ERROR_USAGE, "archive create: --threads %d: expected 1 "
		                 "to 64", threads);
	opt.level = level;
	opt.threads = (guint)threads;
	if (!sms_archive_create_full(argv[1], argv[2], &opt, &st, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new(NULL);
		sms_json_append_string(o, argv[2]);
		printf("{\"archive\":%s,\"files\":%" G_GUINT64_FORMAT ",\"dirs\":%" G_GUINT64_FORMAT ",\"bytes_in\":%"
		       G_GUINT64_FORMAT ",\"bytes_out\":%" G_GUINT64_FORMAT ",\"crc\":\"%08x\"}\n",
		       o->str, st.files, st.dirs, st.bytes_in, st.bytes_out, st.crc);
	} else {
		printf("%s: %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " directories, %"
		       G_GUINT64_FORMAT " bytes -> %" G_GUINT64_FORMAT " bytes, CRC %08x\n", argv[2],
		       st.files, st.dirs, st.bytes_in, st.bytes_out, st.crc);
	}
	return TRUE;
}

static gboolean
cmd_extract(SmsCli *cli, int argc, char **argv, GError **error)
{
	gint64 max_bytes = 0;
	GOptionEntry entries[] = {
		{ "max-bytes", 0, 0, G_OPTION_ARG_INT64, &max_bytes,
		  "refuse before writing if the files need more (default: no limit)", "N" },
		{ NULL }
	};
	SmsArchiveStats st;

	if (!sms_cli_parse(cli, "archive extract", "FILE DIR",
	                   "Unpack FILE into DIR, which must be new or empty; on failure nothing "
	                   "is left behind.", entries, &argc, &argv, error))
		return FALSE;
	if (argc != 3)
		return sms_throw(error, SMS_ERROR_USAGE, "archive extract: expected FILE DIR");
	if (max_bytes < 0)
		return sms_throw(error, SMS_ERROR_USAGE, "archive extract: --max-bytes must not be "
		                 "negative");
	if (!sms_archive_extract(argv[1], argv[2], (guint64)max_bytes, &st, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{\"archive\":");
		sms_json_append_string(o, argv[1]);
		g_string_append(o, ",\"dir\":");
		sms_json_append_string(o, argv[2]);
		g_string_append_printf(o, ",\"files\":%" G_GUINT64_FORMAT ",\"dirs\":%"
		                       G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT "}\n",
		                       st.files, st.dirs, st.bytes_in);
		fputs(o->str, stdout);
		return TRUE;
	}
	printf("%s: extracted %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " directories (%"
	       G_GUINT64_FORMAT " bytes) into %s\n", argv[1], st.files, st.dirs, st.bytes_in,
	       argv[2]);
	return TRUE;
}

static gboolean
cmd_verify(SmsCli *cli, int argc, char **argv, GError **error)
{
	SmsArchiveStats st;

	if (!sms_cli_parse(cli, "archive verify", "FILE",
	                   "Read FILE completely, checking every CRC, size and the trailer.", NULL,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "archive verify: expected FILE");
	if (!sms_archive_verify(argv[1], &st, error))
		return FALSE;
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("{\"archive\":");
		sms_json_append_string(o, argv[1]);
		g_string_append_printf(o, ",\"ok\":true,\"files\":%" G_GUINT64_FORMAT ",\"dirs\":%"
		                       G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT ",\"crc\":"
		                       "\"%08x\"}\n", st.files, st.dirs, st.bytes_in, st.crc);
		fputs(o->str, stdout);
		return TRUE;
	}
	printf("%s: OK, %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " directories, %"
	       G_GUINT64_FORMAT " bytes, CRC %08x\n", argv[1], st.files, st.dirs, st.bytes_in,
	       st.crc);
	return TRUE;
}

static gboolean
cmd_list(SmsCli *cli, int argc, char **argv, GError **error)
{
	g_autoptr(GString) o = NULL;

	if (!sms_cli_parse(cli, "archive list", "FILE",
	                   "One line per entry: type, mode, size, mtime (UTC), CRC-32, path.", NULL,
	                   &argc, &argv, error))
		return FALSE;
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "archive list: expected FILE");
	if (cli->json)
		o = g_string_new("[");
	if (!sms_archive_list(argv[1], print_entry, o, error))
		return FALSE;
	if (o) {
		g_string_append(o, "\n]\n");
		fputs(o->str, stdout);
	}
	return TRUE;
}

gboolean
sms_cmd_archive(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "list", "extract", "verify", NULL };
	const char *sub;

	if (!jobsvc_subcommand(argc, argv, "archive", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (g_str_equal(sub, "create"))
		return cmd_create(cli, argc, argv, error);
	if (g_str_equal(sub, "extract"))
		return cmd_extract(cli, argc, argv, error);
	if (g_str_equal(sub, "verify"))
		return cmd_verify(cli, argc, argv, error);
	return cmd_list(cli, argc, argv, error);
}
