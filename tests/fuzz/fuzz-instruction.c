/* fuzz-instruction.c -- libFuzzer target: the despooler instruction reader. Replayed over
 * corpus/instruction/ by make check.
 *
 * The input is parsed as it is (the CRC trailer gates almost everything), then again with
 * a correct trailer appended, so the fields themselves get fuzzed. Whatever parses must
 * survive serialize -> parse, and serialising is then stable (a second round gives the
 * same bytes): nothing the reader accepts can turn into a file the reader refuses. */
#include "common.h"
#include "instruction.h"

#include <stdlib.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const char *data, gsize size)
{
	g_autoptr(SmsInstruction) a = NULL, b = NULL, c = NULL;
	g_autofree char *t1 = NULL, *t2 = NULL;
	gsize n1, n2;
	if (!sms_instruction_parse("fuzz.ins", data, size, &a, NULL))
		return;
	t1 = sms_instruction_serialize(a, &n1);
	if (!sms_instruction_parse("fuzz-1.ins", t1, n1, &b, NULL))
		abort();
	t2 = sms_instruction_serialize(b, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0 ||
	    !sms_instruction_parse("fuzz-2.ins", t2, n2, &c, NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GString *s;
	roundtrip((const char *)data, size);
	if (size > 65536)
		return 0;
	s = g_string_new_len((const char *)data, (gssize)size);
	g_string_append_printf(s, "[End]\nCRC32=%08x\n",
	                       (guint32)crc32(0, (const Bytef *)data, (uInt)size));
	roundtrip(s->str, s->len);
	g_string_free(s, TRUE);
	return 0;
}
