/* The subcommands of sandboxctl, one function each: argc/argv start at the
 * subcommand's own name; the return value is the exit status. */
#ifndef SANDBOXCTL_CMDS_H
#define SANDBOXCTL_CMDS_H

#include <stdbool.h>

/* Options common to every subcommand, parsed before it. */
struct ctl_opts {
	const char *conf; /* -c FILE */
	bool json;        /* --json */
};

/* Exit statuses, like sshd -t and most admin tools. */
enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2 };

int ctl_check(const struct ctl_opts *o, int argc, char **argv);
int ctl_explain(const struct ctl_opts *o, int argc, char **argv);
int ctl_list(const struct ctl_opts *o, int argc, char **argv);
int ctl_enter(const struct ctl_opts *o, int argc, char **argv);
int ctl_stop(const struct ctl_opts *o, int argc, char **argv);
int ctl_gc(const struct ctl_opts *o, int argc, char **argv);

/* Print "sandboxctl: " + every line of the error to stderr. */
struct sbx_error;
void ctl_print_error(const struct sbx_error *err);

/* The audit subcommands (tools/sandboxctl-report.c). */
int sbx_cmd_report(int argc, char **argv);
int sbx_cmd_audit_rules(int argc, char **argv);

#endif
