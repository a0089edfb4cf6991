/* fuzz-smsini.c -- libFuzzer target: SMS.INI loading with repairs (lib/smsini.h). Any
 * input loads; what it saves loads again without a repair (but the missing SMS ID) and
 * with the same SMS ID. Replayed over corpus/smsini/ by make check. */
#include "common.h"
#include "smsini.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsSmsIni) s = sms_smsini_parse("SMS.INI", (const char *)data, size);
	g_autoptr(SmsSmsIni) back = NULL;
	g_autofree char *text = NULL;
	gsize len;
	text = sms_smsini_to_data(s, &len, NULL);
	if (text == NULL)
		abort();
	back = sms_smsini_parse("SMS.INI", text, len);
	if (back->warnings->len != (s->sms_id ? 0u : 1u) || g_strcmp0(back->sms_id, s->sms_id) ||
	    back->polling_interval != s->polling_interval)
		abort();
	return 0;
}
