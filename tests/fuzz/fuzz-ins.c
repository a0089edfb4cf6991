/* fuzz-ins.c -- libFuzzer target: the PCM instruction file reader. Replayed over corpus/ins/ by make check. */
#include "common.h"
#include "ins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsInsFile) f = NULL;
	if (sms_ins_parse("fuzz.ins", data, size, &f, NULL)) {
		g_autoptr(GString) s = g_string_new(NULL);
		g_autoptr(GBytes) b = sms_ins_serialize(f);
		sms_ins_dump(f, "fuzz.ins", s);
	}
	return 0;
}
