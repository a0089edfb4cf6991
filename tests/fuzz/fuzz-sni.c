/* fuzz-sni.c -- libFuzzer target: the .SNI status instruction reader (mif.h) and its
 * checks (sni.h). A status instruction that passes the checks must format to text that
 * reads back to the same fields. Replayed over corpus/sni/ by make check. */
#include "common.h"
#include "sni.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsSni) sni = NULL;
	g_autoptr(SmsSni) back = NULL;
	g_autofree char *t = NULL;
	if (!sms_sni_parse("fuzz.sni", (const char *)data, size, &sni, NULL))
		return 0;
	(void)sms_sni_status_from_string(sni->status);
	if (!sms_sni_check("fuzz.sni", sni, NULL))
		return 0;
	t = sms_sni_format(sni);
	if (!sms_sni_parse("again.sni", t, strlen(t), &back, NULL) ||
	    !sms_sni_check("again.sni", back, NULL) || g_strcmp0(sni->job_id, back->job_id) ||
	    g_strcmp0(sni->status, back->status) || g_strcmp0(sni->machine, back->machine) ||
	    g_strcmp0(sni->smsid, back->smsid) || g_strcmp0(sni->mif, back->mif) ||
	    g_strcmp0(sni->description, back->description) || sni->time != back->time)
		abort();
	return 0;
}
