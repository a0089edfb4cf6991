/* fuzz-srq.c -- libFuzzer target: the send request reader. Replayed over corpus/srq/ by make check. */
#include "common.h"
#include "instruction.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsSendRequest) r = NULL;
	(void)sms_send_request_parse("fuzz.srq", (const char *)data, size, &r, NULL);
	return 0;
}
