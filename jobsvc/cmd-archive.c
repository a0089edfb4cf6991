/* cmd-archive.c -- jobsvc archive create|list|extract|verify. */
#include "commands.h"
#include "archive.h"
#include "util.h"

#include <stdio.h>

static gboolean
print_entry(const SmsArchiveEntry *e, gpointer data, GError **error)
{
	GString *o = data;
	char t[24];
	if (o) {
		if (o->len > 1)
			g_string_append_c(o, ',');
		g_string_append(o, "{\"path\":");
		sms_json_append_string(o, e->path);
		g_string_append_printf(o, ",\"type\":\"%s\",\"mode\":\"%04o\",\"size\":%" G_GUINT64_FORMAT
		                       ",\"mtime\":%" G_GINT64_FORMAT ",\"crc\":\"%08x\"}",
		                       e->is_dir ? "dir" : "file", e->mode, e->size, e->mtime, e->crc);
	} else {
		g_print("%s %04o %12" G_GUINT64_FORMAT " %s %08x %s\n", e->is_dir ? "d" : "-", e->mode,
		        e->size, sms_time_format_buf(e->mtime, t), e->crc, e->path);
	}
	return TRUE;
}

gboolean
sms_cmd_archive(SmsCli *cli, int argc, char **argv, GError **error)
{
	static const char *const subs[] = { "create", "list", "extract", "verify", NULL };
	const char *sub;
	gint level = 6;
	GOptionEntry entries[] = {
		{ "level", 0, 0, G_OPTION_ARG_INT, &level, "zlib level 0-9 (create; default 6)", "N" },
		{ NULL }
	};
	SmsArchiveStats st;
	if (!jobsvc_subcommand(argc, argv, "archive", subs, &sub, error))
		return FALSE;
	argc--;
	argv++;
	if (!sms_cli_parse(cli, "archive", "create DIR FILE | list FILE | extract FILE DIR | verify FILE",
	                   "The compressed package format of TOSEND and STORE (smsemu-archive(5)).",
	                   entries, &argc, &argv, error))
		return FALSE;
	if (g_str_equal(sub, "create")) {
		if (argc != 3)
			return sms_throw(error, SMS_ERROR_USAGE, "archive create: expected DIR FILE");
		if (level < 0 || level > 9)
			return sms_throw(error, SMS_ERROR_USAGE, "archive create: --level is 0 to 9");
		if (!sms_archive_create(argv[1], argv[2], level, &st, error))
			return FALSE;
		g_print("%s: %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " directories, %"
		        G_GUINT64_FORMAT " bytes -> %" G_GUINT64_FORMAT " bytes, CRC %08x\n", argv[2],
		        st.files, st.dirs, st.bytes_in, st.bytes_out, st.crc);
		return TRUE;
	}
	if (g_str_equal(sub, "extract")) {
		if (argc != 3)
			return sms_throw(error, SMS_ERROR_USAGE, "archive extract: expected FILE DIR");
		if (!sms_archive_extract(argv[1], argv[2], 0, &st, error))
			return FALSE;
		g_print("%s: extracted %" G_GUINT64_FORMAT " files (%" G_GUINT64_FORMAT " bytes) into %s\n",
		        argv[1], st.files, st.bytes_in, argv[2]);
		return TRUE;
	}
	if (argc != 2)
		return sms_throw(error, SMS_ERROR_USAGE, "archive %s: expected FILE", sub);
	if (g_str_equal(sub, "verify")) {
		if (!sms_archive_verify(argv[1], &st, error))
			return FALSE;
		g_print("%s: OK, %" G_GUINT64_FORMAT " files, %" G_GUINT64_FORMAT " bytes, CRC %08x\n",
		        argv[1], st.files, st.bytes_in, st.crc);
		return TRUE;
	}
	if (cli->json) {
		g_autoptr(GString) o = g_string_new("[");
		if (!sms_archive_list(argv[1], print_entry, o, error))
			return FALSE;
		g_string_append(o, "]\n");
		fputs(o->str, stdout);
		return TRUE;
	}
	return sms_archive_list(argv[1], print_entry, NULL, error);
}
