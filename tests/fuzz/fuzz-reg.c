/* fuzz-reg.c -- libFuzzer target: the .reg reader. Replayed over corpus/reg/ by make check. */
#include "common.h"
#include "reg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsReg) reg = NULL;
	if (sms_reg_parse("fuzz.reg", (const char *)data, size, &reg, NULL)) {
		guint32 v;
		g_autofree char *text = sms_reg_to_text(reg);
		(void)sms_reg_get_dword(reg, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler", "Use Forced Disconnect", 0, &v, NULL);
		(void)text;
	}
	return 0;
}
