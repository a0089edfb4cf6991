/* fuzz-instruction.c -- libFuzzer target: the despooler instruction reader. Replayed over corpus/instruction/ by make check. */
#include "common.h"
#include "instruction.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsInstruction) i = NULL;
	if (sms_instruction_parse("fuzz.ins", (const char *)data, size, &i, NULL)) {
		gsize n;
		g_autofree char *t = sms_instruction_serialize(i, &n);
		(void)t;
	}
	return 0;
}
