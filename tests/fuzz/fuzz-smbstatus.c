/* fuzz-smbstatus.c -- libFuzzer target: the reader of `smbstatus --json` (samba.h). On
 * success every open names a path, a file, a user, a machine, an access and a process;
 * on failure nothing is returned and the error says why. Replayed over
 * corpus/smbstatus/ by make check. */
#include "common.h"
#include "samba.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *opens = NULL;
	g_autoptr(GError) error = NULL;
	if (size > G_MAXSSIZE)
		return 0;
	if (!sms_samba_status_parse((const char *)data, (gssize)size, "fuzz.json", &opens,
	                            &error)) {
		if (opens != NULL || error == NULL || error->message == NULL ||
		    !g_str_has_prefix(error->message, "fuzz.json"))
			abort();
		return 0;
	}
	if (opens == NULL || error != NULL)
		abort();
	for (guint i = 0; i < opens->len; i++) {
		SmsSambaOpen *o = opens->pdata[i];
		if (o->path == NULL || o->service_path == NULL || o->file == NULL ||
		    o->user == NULL || o->machine == NULL || o->access == NULL || o->pid <= 0 ||
		    strchr(o->file, '\\') != NULL)
			abort();
	}
	g_ptr_array_unref(opens);
	return 0;
}
