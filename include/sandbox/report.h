/* The audit report engine behind `sandboxctl report`: reads audit logs with
 * libauparse and prints one timeline per login session (start, commands,
 * denials, stop with usage).
 *
 * It streams: a session is printed when its sandbox-stop record is read,
 * and only sessions still open are held in memory, so memory does not grow
 * with the number of sessions in the logs.  Sessions still open at the end
 * of the input are printed last, marked as not ended. */
#ifndef SANDBOX_REPORT_H
#define SANDBOX_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "sandbox/error.h"

enum sbx_report_format { SBX_REPORT_TEXT, SBX_REPORT_JSON, SBX_REPORT_CSV };

struct sbx_report_opts {
	const char *file;  /* a raw log file; NULL: the live logs (AUSOURCE_LOGS) */
	const char *user;  /* only sessions of this user (acct or login uid name); NULL all */
	const char *role;  /* only sessions in this role; NULL all */
	bool has_session;
	uint32_t session;  /* only this audit session id */
	time_t since, until; /* sessions started in [since, until]; 0 = open end */
	enum sbx_report_format format;
	FILE *out;
};

struct sbx_report_stats {
	uint64_t events;      /* audit events read */
	uint64_t sessions;    /* sessions printed */
	uint64_t max_open;    /* most sessions held open at once */
	uint64_t unattributed; /* tracked events of no open session (skipped) */
};

/* Run the report.  Returns 0 (also when nothing matched), -ENOENT (no such
 * file), -EIO (auparse failed), -ENOMEM. */
int sbx_report_run(const struct sbx_report_opts *opts, struct sbx_report_stats *stats,
		   struct sbx_error *err);

/* Parse a time for --since/--until: "@EPOCH", "YYYY-MM-DD", "YYYY-MM-DD
 * HH:MM[:SS]" or with 'T' (local time), "now", "today", "yesterday".
 * Returns 0 or -EINVAL. */
int sbx_report_parse_time(const char *s, time_t now, time_t *ret);

#endif
