/* fuzz-mif.c -- libFuzzer target: the status MIF reader. Replayed over corpus/mif/ by
 * make check. Whatever parses, written back as InstallStatusMIF would, parses again with
 * the same status. */
#include "common.h"
#include "mif.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsStatusMif) mif = NULL;
	g_autoptr(SmsStatusMif) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize len;

	if (!sms_mif_parse("fuzz.mif", (const char *)data, size, &mif, NULL))
		return 0;
	if (mif->status == NULL || mif->warnings == NULL)
		abort();
	text = sms_mif_format(mif, &len);
	if (!sms_mif_parse("again.mif", text, len, &back, &error)) {
		fprintf(stderr, "written MIF does not parse: %s\n%s", error->message, text);
		abort();
	}
	if (back->success != mif->success)
		abort();
	return 0;
}
