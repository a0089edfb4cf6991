/* fuzz-ins.c -- libFuzzer target: the PCM instruction file reader (lib/ins.h). Whatever
 * parses must serialize to a file that parses to the same bytes again, and dump in every
 * form. Replayed over corpus/ins/ by make check. */
#include "common.h"
#include "ins.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsInsFile) f = NULL;
	g_autoptr(SmsInsFile) again = NULL;
	g_autoptr(GBytes) b = NULL;
	g_autoptr(GBytes) b2 = NULL;
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	const guint8 *d;
	gsize n;
	if (!sms_ins_parse("fuzz.ins", data, size, &f, &error)) {
		if (error == NULL || strstr(error->message, "offset") == NULL)
			abort();   /* every error names the offset */
		return 0;
	}
	for (guint i = 0; i < f->records->len; i++)
		if (!sms_ins_record_check(f->records->pdata[i], NULL))
			abort();
	sms_ins_dump(f, "fuzz.ins", s);
	sms_ins_dump_with_flags(f, "fuzz.ins", SMS_INS_DUMP_DETAILED, s);
	sms_ins_dump_json(f, "fuzz.ins", s);
	b = sms_ins_serialize(f);
	d = g_bytes_get_data(b, &n);
	if (!sms_ins_parse("again.ins", d, n, &again, NULL))
		abort();
	b2 = sms_ins_serialize(again);
	if (!g_bytes_equal(b, b2))
		abort();
	return 0;
}
