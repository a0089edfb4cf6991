/* fuzz-pdf.c -- libFuzzer target: the Package Definition File reader. Replayed over corpus/pdf/ by make check. */
#include "common.h"
#include "pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsPdf) pdf = NULL;
	(void)sms_pdf_parse("fuzz.pdf", (const char *)data, size, &pdf, NULL);
	return 0;
}
