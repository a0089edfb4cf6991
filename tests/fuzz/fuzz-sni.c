/* fuzz-sni.c -- libFuzzer target: the .SNI status instruction reader. Replayed over corpus/sni/ by make check. */
#include "common.h"
#include "mif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsSni) sni = NULL;
	if (sms_sni_parse("fuzz.sni", (const char *)data, size, &sni, NULL)) {
		g_autofree char *t = sms_sni_format(sni);
		(void)t;
	}
	return 0;
}
