/* fuzz-ini.c -- libFuzzer target: the INI reader (site.ini, SMS.INI, PDFs). Replayed over corpus/ini/ by make check. */
#include "common.h"
#include "ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsIni) ini = sms_ini_parse("fuzz.ini", (const char *)data, size, NULL);
	if (ini) {
		gsize n;
		g_autofree char *out = sms_ini_to_data(ini, &n);
		(void)out;
	}
	return 0;
}
