/* libFuzzer target for the configuration loader: any byte string given to
 * sbx_config_load_string() must give a config or a list of errors, never a
 * crash, a leak or undefined behaviour.  Seeds: tests/config/valid and the
 * shipped conf/pam_sandbox.conf. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 (Debian 11's) leaks the string being scanned when a syntax
 * error interrupts it (fixed in libconfig 1.7); nothing the loader can
 * free.  Only those frames of its scanner are suppressed (the settings
 * themselves are allocated elsewhere, so a missing config_destroy() still
 * shows): a leak anywhere else still fails the run. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n"
	       "leak:libconfig_yylex\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sbx_config_load_string(text, "fuzz.conf", &cfg, &err) == 0)
		sbx_config_free(cfg);
	sbx_error_clear(&err);
	free(text);
	return 0;
}
