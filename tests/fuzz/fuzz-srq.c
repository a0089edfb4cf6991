/* fuzz-srq.c -- libFuzzer target: the send request reader. Replayed over corpus/srq/ by
 * make check. As fuzz-instruction.c: parsed as is and with a correct CRC trailer
 * appended; whatever parses survives serialize -> parse with stable bytes. */
#include "common.h"
#include "instruction.h"

#include <stdlib.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const char *data, gsize size)
{
	g_autoptr(SmsSendRequest) a = NULL, b = NULL;
	g_autofree char *t1 = NULL, *t2 = NULL;
	gsize n1, n2;
	if (!sms_send_request_parse("fuzz.srq", data, size, &a, NULL))
		return;
	t1 = sms_send_request_serialize(a, &n1);
	if (!sms_send_request_parse("fuzz-1.srq", t1, n1, &b, NULL))
		abort();
	t2 = sms_send_request_serialize(b, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0)
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
