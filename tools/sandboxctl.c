/* sandboxctl: the administrator's command for pam_sandbox.
 *
 * Subcommands are parsed here and each calls into the engine
 * (libsandbox); errors come back as one struct sbx_error and are printed
 * once, as "sandboxctl: message". */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "sandbox/config.h"
#include "sandbox/defaults.h"
#include "sandboxctl-cmds.h"

static void usage(FILE *f)
{
	fputs("Usage: sandboxctl [-c FILE] [--json] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  check                 validate the configuration (exit 0 valid, 1 invalid)\n"
	      "  explain USER          the role USER gets, why, and the effective policy\n"
	      "  list                  live sandboxes and their sessions\n"
	      "  enter USER [CMD...]   run CMD (default: a shell) inside USER's sandbox, as root\n"
	      "  stop USER             end USER's sandbox and every process in it\n"
	      "  gc                    remove what crashed sandboxes left behind\n"
	      "  report [OPTIONS]      audit report per session (see sandboxctl(8))\n"
	      "  audit-rules           kernel audit rules for the configured roles\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE     configuration file (default " SBX_DEFAULT_CONF ")\n"
	      "      --json            machine-readable output\n"
	      "  -h, --help            this help\n"
	      "  -V, --version         version\n", f);
}

void ctl_print_error(const struct sbx_error *err)
{
	const char *text = sbx_error_text(err);

	while (*text) {
		const char *nl = strchrnul(text, '\n');

		fprintf(stderr, "sandboxctl: %.*s\n", (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

int ctl_check(const struct ctl_opts *o, int argc, char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	int r;

	(void)argv;
	if (argc > 1) {
		fputs("sandboxctl: check takes no arguments\n", stderr);
		return CTL_USAGE;
	}
	r = sbx_config_load(o->conf, &cfg, &err);
	if (r < 0) {
		/* One problem per line, exactly as the validator worded it, so
		 * editors and scripts can jump to FILE:LINE. */
		fprintf(stderr, "%s\n", sbx_error_text(&err));
		sbx_error_clear(&err);
		return CTL_FAIL;
	}
	if (!o->json) {
		size_t nfiles = 0;

		while (cfg->files && cfg->files[nfiles])
			nfiles++;
		printf("%s: valid (%zu file%s, %zu role%s)\n", o->conf, nfiles,
		       nfiles == 1 ? "" : "s", cfg->n_roles, cfg->n_roles == 1 ? "" : "s");
	} else {
		printf("{\"valid\":true,\"roles\":%zu}\n", cfg->n_roles);
	}
	sbx_config_free(cfg);
	return CTL_OK;
}

static const struct {
	const char *name;
	int (*fn)(const struct ctl_opts *, int, char **);
} commands[] = {
	{ "check", ctl_check },
	{ "explain", ctl_explain },
	{ "list", ctl_list },
	{ "enter", ctl_enter },
	{ "stop", ctl_stop },
	{ "gc", ctl_gc },
};

/* report and audit-rules parse their own options: hand them the global
 * ones too, so `sandboxctl -c F --json report` and `sandboxctl report -c F
 * --json` mean the same. */
static int run_own_parser(int (*fn)(int, char **), const struct ctl_opts *o,
			  char *conf_arg, int argc, char **argv)
{
	static char opt_c[] = "-c", opt_json[] = "--json";
	_cleanup_free_ char **v = calloc((size_t)argc + 4, sizeof(char *));
	int n = 0;

	if (!v) {
		fputs("sandboxctl: out of memory\n", stderr);
		return CTL_FAIL;
	}
	v[n++] = argv[0];
	if (conf_arg) {
		v[n++] = opt_c;
		v[n++] = conf_arg;
	}
	if (o->json)
		v[n++] = opt_json;
	for (int i = 1; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	return fn(n, v);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .conf = SBX_DEFAULT_CONF };
	char *conf_arg = NULL;
	char *cmd;
	int c;

	/* Options may come before or after the command; '+' stops at the
	 * command so each subcommand sees its own arguments. */
	while ((c = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.conf = conf_arg = optarg; break;
		case 'J': o.json = true; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': puts(PACKAGE_STRING); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;

	if (!strcmp(cmd, "report"))
		return run_own_parser(sbx_cmd_report, &o, conf_arg, argc, argv);
	if (!strcmp(cmd, "audit-rules"))
		return run_own_parser(sbx_cmd_audit_rules, &o, conf_arg, argc, argv);

	/* Global options after the command too; `enter` stops at its USER so
	 * the command it runs keeps its own options. */
	optind = 0; /* 0, not 1: makes GNU getopt start over, permutation included */
	while ((c = getopt_long(argc, argv, strcmp(cmd, "enter") ? "c:h" : "+c:h",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.conf = optarg; break;
		case 'J': o.json = true; break;
		case 'h': usage(stdout); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	/* Leave argv[0] as the command name, the rest as its arguments. */
	argv[optind - 1] = cmd;
	argc -= optind - 1;
	argv += optind - 1;

	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(&o, argc, argv);
	fprintf(stderr, "sandboxctl: unknown command \"%s\" (see sandboxctl --help)\n", cmd);
	return CTL_USAGE;
}
