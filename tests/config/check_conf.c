/* check_conf FILE: load FILE (and its drop-ins) the way `sandboxctl check`
 * does and print every problem to stderr, one per line, exactly as the
 * validator words it.  Exit 0 when valid, 1 when not.  The config corpus
 * (corpus.sh) compares this output with the expected .err files. */
#include "config.h"

#include <stdio.h>

#include "sandbox/config.h"

int main(int argc, char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;

	if (argc != 2) {
		fputs("usage: check_conf FILE\n", stderr);
		return 2;
	}
	if (sbx_config_load(argv[1], &cfg, &err) < 0) {
		fprintf(stderr, "%s\n", sbx_error_text(&err));
		sbx_error_clear(&err);
		return 1;
	}
	sbx_config_free(cfg);
	return 0;
}
