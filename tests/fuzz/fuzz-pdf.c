/* fuzz-pdf.c -- libFuzzer target: the PDF reader. Replayed over corpus/pdf/ by make check.
 * What parses is usable: every command has a command line and a platform, every warning
 * names the file. */
#include "common.h"
#include "pdf.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsPdf) pdf = NULL;
	if (!sms_pdf_parse("fuzz.pdf", (const char *)data, size, &pdf, NULL))
		return 0;
	if (pdf->product == NULL || *pdf->product == '\0')
		abort();
	for (guint i = 0; i < pdf->commands->len; i++) {
		SmsPdfCommand *c = pdf->commands->pdata[i];
		g_autofree char *names = sms_platform_mask_to_string(c->platforms);
		guint32 back = 0;
		if (c->platforms == 0 || c->command_line == NULL || *c->command_line == '\0' ||
		    !sms_platform_parse_list(names, &back, NULL) || back != c->platforms)
			abort();
	}
	for (guint i = 0; i < pdf->program_items->len; i++)
		if (((SmsPdfProgramItem *)pdf->program_items->pdata[i])->platforms == 0)
			abort();
	for (guint i = 0; i < pdf->warnings->len; i++)
		if (!g_str_has_prefix(pdf->warnings->pdata[i], "fuzz.pdf"))
			abort();
	if (pdf->commands->len == 0 && pdf->share_name == NULL && !pdf->inventory)
		abort();
	return 0;
}
