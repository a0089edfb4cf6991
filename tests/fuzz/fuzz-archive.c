/* fuzz-archive.c -- libFuzzer target: the package archive reader (header, entries, zlib
 * chunks, CRCs, trailer), from memory and writing nothing. Replayed over
 * corpus/archive/ by make check. */
#include "common.h"
#include "archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SmsArchiveStats st;
	g_autoptr(GError) error = NULL;

	if (sms_archive_verify_buffer(data, size, &st, &error))
		g_assert(st.bytes_out == size);
	else
		g_assert(error != NULL && error->domain == SMS_ARCHIVE_ERROR);
	return 0;
}
