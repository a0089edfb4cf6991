/* fuzz-archive.c -- libFuzzer target: the package archive reader. Replayed over corpus/archive/ by make check. */
#include "common.h"
#include "archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)sms_archive_verify_buffer(data, size, NULL);
	return 0;
}
