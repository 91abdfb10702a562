/* Unit tests of the report engine on a small fixed raw log
 * (tests/audit/sample.raw: four sessions recorded by a real auditd, one
 * interleaved with the others; see tests/audit/README.md), compared with the
 * expected text, JSON and CSV; filters; time parsing; and the shipped rules
 * file against the generator. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "json.h"
#include "sandbox/audit.h"
#include "sandbox/report.h"

static char *srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *p = NULL;

	if (asprintf(&p, "%s/%s", top ? top : ".", rel) < 0)
		return NULL;
	return p;
}

static char *slurp(const char *rel)
{
	char *path = srcpath(rel), *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m = open_memstream(&buf, &len);
	int c;

	if (!f)
		fail_msg("cannot open %s", path);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	free(path);
	return buf;
}

/* Run the report on the sample log with OPTS (file and out filled in). */
static char *run(struct sbx_report_opts o, struct sbx_report_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	char *log = srcpath("tests/audit/sample.raw");
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_report_stats local;

	o.file = log;
	o.out = open_memstream(&buf, &len);
	assert_non_null(o.out);
	assert_int_equal(sbx_report_run(&o, st ? st : &local, &err), 0);
	fclose(o.out);
	free(log);
	sbx_error_clear(&err);
	return buf;
}

static void assert_same(const char *got, const char *expected_file)
{
	char *want = slurp(expected_file);

	if (strcmp(got, want)) {
		fprintf(stderr, "--- got ---\n%s--- expected (%s) ---\n%s", got, expected_file, want);
		fail_msg("report differs from %s", expected_file);
	}
	free(want);
}

static void test_text(void **state)
{
	struct sbx_report_stats st;
	char *out;

	setenv("TZ", "UTC", 1);
	tzset();
	out = run((struct sbx_report_opts){ .format = SBX_REPORT_TEXT }, &st);
	assert_same(out, "tests/audit/sample.txt");
	assert_int_equal(st.sessions, 4);
	/* Sessions 15 and 18 overlap: two open at once, no more. */
	assert_int_equal(st.max_open, 2);
	free(out);
}

static void test_json(void **state)
{
	char *out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON }, NULL);
	assert_same(out, "tests/audit/sample.json");
	/* The hostile user name is data, decoded and escaped, not a field. */
	assert_non_null(strstr(out, "\"user\":\"bob res=success' auid=0 x='\""));
	free(out);
}

static void test_csv(void **state)
{
	char *out = run((struct sbx_report_opts){ .format = SBX_REPORT_CSV }, NULL);
	assert_same(out, "tests/audit/sample.csv");
	free(out);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* --session goes through ausearch_next_event(): it must see every event of
 * the session (the trap: also calling auparse_next_event() skips half). */
static void test_session_filter(void **state)
{
	char *all = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON }, NULL);
	char *one = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .has_session = true,
						  .session = 15 }, NULL);

	assert_int_equal(count(one, "\"session\":"), 1);
	assert_non_null(strstr(one, "\"session\":15,"));
	assert_int_equal(count(one, "\"type\":\"exec\""), 10);
	assert_int_equal(count(one, "\"type\":\"deny\""), 1);
	assert_int_equal(count(one, "\"type\":\"tty\""), 2);
	assert_int_equal(count(all, "\"type\":\"exec\""), 10);
	/* The same timeline as in the full report. */
	const char *a = strstr(all, "{\"session\":15,");
	assert_non_null(a);
	assert_memory_equal(a, strstr(one, "{\"session\":15,"), strlen(strstr(one, "{\"session\":15,")) - 3);
	free(all);
	free(one);
}

static void test_user_role_time_filters(void **state)
{
	char *out;

	out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .user = "root" }, NULL);
	assert_int_equal(count(out, "\"session\":"), 1);
	assert_non_null(strstr(out, "\"session\":18,"));
	free(out);

	out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .role = "developer" }, NULL);
	assert_int_equal(count(out, "\"session\":"), 3);
	assert_null(strstr(out, "\"session\":18,"));
	free(out);

	/* Session 18 started at 1795464922.036, the others before. */
	out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .since = 1795464922 }, NULL);
	assert_int_equal(count(out, "\"session\":"), 1);
	assert_non_null(strstr(out, "\"session\":18,"));
	free(out);
	out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .until = 1795464921 }, NULL);
	assert_int_equal(count(out, "\"session\":"), 3);
	free(out);

	out = run((struct sbx_report_opts){ .format = SBX_REPORT_JSON, .user = "nobody-here" }, NULL);
	assert_string_equal(out, "[\n]\n");
	free(out);
}

static void test_missing_file(void **state)
{
	struct sbx_report_opts o = { .file = "/nonexistent/audit.log", .out = stdout };
	struct sbx_error err = SBX_ERROR_INIT;

	assert_int_equal(sbx_report_run(&o, NULL, &err), -ENOENT);
	assert_non_null(strstr(sbx_error_text(&err), "/nonexistent/audit.log"));
	sbx_error_clear(&err);
}

static void test_parse_time(void **state)
{
	time_t t, now = 1700000000;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(sbx_report_parse_time("@1700000123", now, &t), 0);
	assert_int_equal(t, 1700000123);
	assert_int_equal(sbx_report_parse_time("2023-11-14", now, &t), 0);
	assert_int_equal(t, 1699920000);
	assert_int_equal(sbx_report_parse_time("2023-11-14 22:13:20", now, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(sbx_report_parse_time("2023-11-14T22:13", now, &t), 0);
	assert_int_equal(t, 1699999980);
	assert_int_equal(sbx_report_parse_time("today", now, &t), 0);
	assert_int_equal(t, 1699920000);
	assert_int_equal(sbx_report_parse_time("yesterday", now, &t), 0);
	assert_int_equal(t, 1699920000 - 86400);
	assert_int_equal(sbx_report_parse_time("now", now, &t), 0);
	assert_int_equal(t, now);
	assert_int_equal(sbx_report_parse_time("2023-13-45", now, &t), -EINVAL);
	assert_int_equal(sbx_report_parse_time("soon", now, &t), -EINVAL);
	assert_int_equal(sbx_report_parse_time("2023-11-14 25:00x", now, &t), -EINVAL);
	assert_int_equal(sbx_report_parse_time("@", now, &t), -EINVAL);
}

/* conf/audit/pam_sandbox.rules is what the generator prints for the
 * default uid range and no exempt users. */
static void expect_escaped(const char *in, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_write_escaped(f, in);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, out);
	free(buf);
}

/* Valid UTF-8 kept as it is; anything else escaped, so the output is
 * always valid JSON (audit fields and file names need not be UTF-8). */
static void test_json_escaping(void **state)
{
	(void)state;
	expect_escaped("plain", "\"plain\"");
	expect_escaped("q\"b\\n\nt\tr\r", "\"q\\\"b\\\\n\\nt\\tr\\r\"");
	expect_escaped("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	expect_escaped("jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* a lone continuation byte, a truncated sequence, an overlong "/", a
	 * surrogate, Latin-1 */
	expect_escaped("\x80", "\"\\u0080\"");
	expect_escaped("a\xc3", "\"a\\u00c3\"");
	expect_escaped("\xc0\xaf", "\"\\u00c0\\u00af\"");
	expect_escaped("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	expect_escaped("caf\xe9", "\"caf\\u00e9\"");
}

static void test_shipped_rules(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	char *text = NULL, *shipped = slurp("conf/audit/pam_sandbox.rules");
	uint32_t ex[60];

	assert_int_equal(sbx_audit_rules_text(1000, NULL, 0, NULL, &text, &err), 0);
	assert_string_equal(text, shipped);
	assert_non_null(strstr(text, "\n--loginuid-immutable\n"));
	assert_non_null(strstr(text, "-F arch=b64 -S execve,execveat -F auid>=1000 -F auid!=unset -k sandbox-exec\n"));
	assert_non_null(strstr(text, "-F exit=-EACCES -F auid>=1000 -F auid!=unset -k sandbox-denied\n"));
	assert_non_null(strstr(text, "-F exit=-EPERM -F auid>=1000 -F auid!=unset -k sandbox-denied\n"));
	assert_non_null(strstr(text, "-S unshare,setns,mount,umount2,pivot_root -F auid>=1000 -F auid!=unset -k sandbox-ns\n"));
	free(text);
	free(shipped);

	ex[0] = 1005;
	ex[1] = 1010;
	assert_int_equal(sbx_audit_rules_text(500, ex, 2, "## note\n", &text, &err), 0);
	assert_non_null(strstr(text, "## note\n"));
	assert_int_equal(count(text, "-F auid>=500 -F auid!=unset -F auid!=1005 -F auid!=1010 -k "), 8);
	free(text);

	for (int i = 0; i < 60; i++)
		ex[i] = 2000 + (uint32_t)i;
	assert_int_equal(sbx_audit_rules_text(1000, ex, 60, NULL, &text, &err), -E2BIG);
	sbx_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_session_filter),
		cmocka_unit_test(test_user_role_time_filters),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_shipped_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
