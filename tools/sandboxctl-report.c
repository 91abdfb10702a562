/* sandboxctl report / sandboxctl audit-rules: the auditor's commands.
 * Option parsing and printing only; the work is in session/report.c and
 * session/audit-rules.c. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sandbox/audit.h"
#include "sandbox/cleanup.h"
#include "sandbox/config.h"
#include "sandbox/defaults.h"
#include "sandbox/report.h"
#include "sandboxctl-cmds.h"

static void print_err(const struct sbx_error *err)
{
	const char *t = sbx_error_text(err);

	while (*t) {
		const char *nl = strchr(t, '\n');
		int n = nl ? (int)(nl - t) : (int)strlen(t);
		fprintf(stderr, "sandboxctl: %.*s\n", n, t);
		t += n + (nl ? 1 : 0);
	}
}

static void report_usage(FILE *f)
{
	fputs("Usage: sandboxctl report [OPTIONS]\n"
	      "Per-session audit timeline: who, from where, role, limits, commands,\n"
	      "denials, end and resource use.\n\n"
	      "  -f, --file FILE     read this raw audit log (default: the live logs)\n"
	      "  -u, --user USER     only sessions of USER\n"
	      "  -s, --session N     only audit session N (ausearch --session)\n"
	      "  -r, --role ROLE     only sessions in ROLE\n"
	      "      --since TIME    sessions started at or after TIME\n"
	      "      --until TIME    sessions started at or before TIME\n"
	      "                      TIME: YYYY-MM-DD[ HH:MM[:SS]], @EPOCH, now, recent (10 min ago), today, yesterday\n"
	      "      --json          JSON array of sessions\n"
	      "      --csv           CSV, one row per timeline event\n"
	      "      --stats         print counts, time and peak memory to stderr\n",
	      f);
}

int sbx_cmd_report(int argc, char **argv)
{
	enum { O_SINCE = 256, O_UNTIL, O_JSON, O_CSV, O_STATS, O_FORMAT };
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "session", required_argument, NULL, 's' },
		{ "role", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "stats", no_argument, NULL, O_STATS },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_report_opts o = { .format = SBX_REPORT_TEXT, .out = stdout };
	struct sbx_report_stats st;
	struct sbx_error err = SBX_ERROR_INIT;
	bool stats = false;
	struct timespec t0, t1;
	time_t now = time(NULL);
	char *end;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:u:s:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.file = optarg; break;
		case 'u': o.user = optarg; break;
		case 'r': o.role = optarg; break;
		case 'c': break; /* the report reads logs, not the config */
		case 's': {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v >= UINT32_MAX) {
				fprintf(stderr, "sandboxctl: --session: not a session id: %s\n", optarg);
				return CTL_USAGE;
			}
			o.has_session = true;
			o.session = (uint32_t)v;
			break;
		}
		case O_SINCE:
		case O_UNTIL:
			if (sbx_report_parse_time(optarg, now, c == O_SINCE ? &o.since : &o.until) < 0) {
				fprintf(stderr, "sandboxctl: %s: not a time: %s\n",
					c == O_SINCE ? "--since" : "--until", optarg);
				return CTL_USAGE;
			}
			break;
		case O_JSON: o.format = SBX_REPORT_JSON; break;
		case O_CSV: o.format = SBX_REPORT_CSV; break;
		case O_FORMAT:
			if (!strcmp(optarg, "text"))
				o.format = SBX_REPORT_TEXT;
			else if (!strcmp(optarg, "json"))
				o.format = SBX_REPORT_JSON;
			else if (!strcmp(optarg, "csv"))
				o.format = SBX_REPORT_CSV;
			else {
				fprintf(stderr, "sandboxctl: --format: text, json or csv\n");
				return CTL_USAGE;
			}
			break;
		case O_STATS: stats = true; break;
		case 'h': report_usage(stdout); return CTL_OK;
		default: report_usage(stderr); return CTL_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sandboxctl: report: unexpected argument %s\n", argv[optind]);
		return CTL_USAGE;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sbx_report_run(&o, &st, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		print_err(&err);
		sbx_error_clear(&err);
		return CTL_FAIL;
	}
	if (stats) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr,
			"events=%" PRIu64 " sessions=%" PRIu64 " max_open=%" PRIu64
			" unattributed=%" PRIu64 " seconds=%.2f max_rss_kb=%ld\n",
			st.events, st.sessions, st.max_open, st.unattributed,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			ru.ru_maxrss);
	}
	return CTL_OK;
}

static void rules_usage(FILE *f)
{
	fputs("Usage: sandboxctl audit-rules [-c FILE] [--uid-min N] [--json]\n"
	      "Print kernel audit rules (for /etc/audit/rules.d/) tracking the users the\n"
	      "configuration sandboxes; exempt users are left out by login uid.\n",
	      f);
}

int sbx_cmd_audit_rules(int argc, char **argv)
{
	enum { O_UID_MIN = 256, O_JSON };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "uid-min", required_argument, NULL, O_UID_MIN },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = SBX_DEFAULT_CONF;
	uint32_t uid_min = 1000;
	bool json = false;
	struct sbx_config *cfg = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	_cleanup_free_ uint32_t *ex = NULL;
	_cleanup_free_ char *note = NULL, *text = NULL;
	size_t n_ex = 0;
	char *end;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case O_UID_MIN: {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v >= UINT32_MAX) {
				fprintf(stderr, "sandboxctl: --uid-min: not a uid: %s\n", optarg);
				return CTL_USAGE;
			}
			uid_min = (uint32_t)v;
			break;
		}
		case O_JSON: json = true; break;
		case 'h': rules_usage(stdout); return CTL_OK;
		default: rules_usage(stderr); return CTL_USAGE;
		}
	}
	if (optind < argc) {
		rules_usage(stderr);
		return CTL_USAGE;
	}

	r = sbx_config_load(conf, &cfg, &err);
	if (r >= 0)
		r = sbx_audit_rules_exempt(cfg, uid_min, &ex, &n_ex, &note, &err);
	if (r >= 0)
		r = sbx_audit_rules_text(uid_min, ex, n_ex, note, &text, &err);
	sbx_config_free(cfg);
	if (r < 0) {
		print_err(&err);
		sbx_error_clear(&err);
		return CTL_FAIL;
	}
	if (!json) {
		fputs(text, stdout);
		return fflush(stdout) ? CTL_FAIL : CTL_OK;
	}
	/* JSON: the rule lines (comments dropped) and the excluded uids. */
	fputs("{\"rules\":[", stdout);
	bool first = true;
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!*line || line[0] == '#')
			continue;
		printf("%s\"", first ? "" : ",");
		for (const char *p = line; *p; p++) {
			if (*p == '"' || *p == '\\')
				putchar('\\');
			putchar(*p);
		}
		putchar('"');
		first = false;
	}
	printf("],\"uid_min\":%" PRIu32 ",\"excluded_uids\":[", uid_min);
	for (size_t i = 0; i < n_ex; i++)
		printf("%s%" PRIu32, i ? "," : "", ex[i]);
	puts("]}");
	return fflush(stdout) ? CTL_FAIL : CTL_OK;
}
