/* fuzz-scenario.c -- libFuzzer target: the scenario reader. Replayed over corpus/scenario/ by make check. */
#include "common.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SmsScenario) s = NULL;
	(void)sms_scenario_parse("/nonexistent/fuzz.ini", (const char *)data, size, &s, NULL);
	return 0;
}
