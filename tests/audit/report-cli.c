/* The report and audit-rules commands without the rest of sandboxctl, so
 * the audit tests run whatever state sandboxctl's other commands are in:
 *   report-cli report [OPTIONS] | report-cli audit-rules [OPTIONS] */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sandbox/error.h"
#include "sandboxctl-cmds.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return sbx_cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "audit-rules"))
		return sbx_cmd_audit_rules(argc - 1, argv + 1);
	fputs("usage: report-cli report|audit-rules [OPTIONS]\n", stderr);
	return 2;
}
