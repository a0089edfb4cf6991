/* fuzz-mif.c -- libFuzzer target: the status MIF reader. Replayed over corpus/mif/ by make check. */
#include "common.h"
#include "mif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsStatusMif) mif = NULL;
	(void)sms_mif_parse("fuzz.mif", (const char *)data, size, &mif, NULL);
	return 0;
}
