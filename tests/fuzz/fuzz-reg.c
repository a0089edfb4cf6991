/* fuzz-reg.c -- libFuzzer target: the .reg reader. Replayed over corpus/reg/ by make check.
 *
 * Besides not crashing: whatever parses can be written as REGEDIT4, that text parses
 * again, and after that one round (Windows-1252 may turn characters into '?' and so join
 * names) writing and reading is stable; an import of the file onto a registry gives what
 * the file alone gives. */
#include "common.h"
#include "reg.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SmsReg *
reparse(const char *text)
{
	SmsReg *reg = NULL;
	g_autoptr(GError) error = NULL;
	if (!sms_reg_parse("again.reg", text, strlen(text), &reg, &error)) {
		fprintf(stderr, "written text does not parse: %s\n%s", error->message, text);
		abort();
	}
	return reg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsReg) reg = NULL;
	g_autoptr(SmsReg) r2 = NULL, r3 = NULL, merged = NULL;
	g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *tm = NULL;
	guint32 v;

	if (!sms_reg_parse("fuzz.reg", (const char *)data, size, &reg, NULL))
		return 0;
	(void)sms_reg_get_dword(reg, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\"
	                        "SMS_Despooler", "Use Forced Disconnect", 0, &v, NULL);
	t1 = sms_reg_to_text(reg);
	r2 = reparse(t1);
	t2 = sms_reg_to_text(r2);
	r3 = reparse(t2);
	t3 = sms_reg_to_text(r3);
	if (strcmp(t2, t3) != 0) {
		fprintf(stderr, "REGEDIT4 output not stable:\n%s\n----\n%s", t2, t3);
		abort();
	}
	/* importing the file into an empty registry = reading the file */
	merged = sms_reg_new();
	(void)sms_reg_merge(merged, reg, NULL);
	tm = sms_reg_to_text(merged);
	if (strcmp(tm, t1) != 0) {
		fprintf(stderr, "import differs from the file:\n%s\n----\n%s", t1, tm);
		abort();
	}
	return 0;
}
