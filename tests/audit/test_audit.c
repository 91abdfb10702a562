/* Unit tests of the audit record builder, the encoding that keeps untrusted
 * strings from forging fields, the failure policy and the identity parser. */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox/audit.h"

static const char *const hostile_user = "bob res=success' auid=0 x='";

/* Split a message into NAME=VALUE words the way ausearch's parser and a
 * naive reader would, and count how often NAME= starts a word. */
static int count_field(const char *msg, const char *name)
{
	int n = 0;
	size_t k = strlen(name);

	for (const char *p = msg; (p = strstr(p, name)); p += k) {
		if ((p == msg || p[-1] == ' ' || p[-1] == '\'') && p[k] == '=')
			n++;
	}
	return n;
}

/* Every field name in MSG (the words before '=' of each space-separated
 * word), checked against the blacklist; libaudit's own acct= is fine. */
static void assert_field_names_ok(const char *msg)
{
	char *copy = strdup(msg), *save = NULL;

	assert_non_null(copy);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		assert_non_null(eq);
		*eq = '\0';
		if (!strcmp(w, "acct"))
			continue;
		if (sbx_audit_field_name_bad(w))
			fail_msg("bad field name %s", w);
	}
	free(copy);
}

static void build(const struct sbx_audit_record *rec, struct sbx_audit_msg *m)
{
	struct sbx_error err = SBX_ERROR_INIT;

	assert_int_equal(sbx_audit_build(rec, m, &err), 0);
	assert_non_null(m->text);
	sbx_error_clear(&err);
}

static void test_start_fields(void **state)
{
	struct sbx_limits lim = { 0 };
	lim.value[SBX_LIMIT_MEMORY] = 4294967296ull;
	lim.value[SBX_LIMIT_PIDS] = 512;
	lim.value[SBX_LIMIT_CPUS] = 2000;
	lim.value[SBX_LIMIT_IO_WEIGHT] = 100;
	lim.set = (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_PIDS) | (1u << SBX_LIMIT_CPUS) |
		  (1u << SBX_LIMIT_IO_WEIGHT);
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_START,
		.user = "alice",
		.sandbox_id = "sbx-alice-1",
		.role = "developer",
		.cgroup = "/sys/fs/cgroup/unified/pam_sandbox/alice",
		.ns = { .mnt = 4026532177, .pid = 4026532180, .net = 4026532181 },
		.limits = &lim,
		.rhost = "203.0.113.7",
		.terminal = "/dev/pts/3",
	};
	struct sbx_audit_msg m;

	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_USER_START);
	assert_int_equal(m.result, 1);
	assert_string_equal(m.text,
			    "op=sandbox-start acct=\"alice\" sandbox=sbx-alice-1 sandbox-role=developer "
			    "cgroup=\"/sys/fs/cgroup/unified/pam_sandbox/alice\" mntns=4026532177 "
			    "pidns=4026532180 netns=4026532181 mem-max=4294967296 pids-max=512 "
			    "cpu-quota=200000 cpu-period=100000 io-weight=100");
	assert_string_equal(m.hostname, "203.0.113.7");
	assert_string_equal(m.addr, "203.0.113.7");
	assert_string_equal(m.terminal, "pts/3");
	assert_field_names_ok(m.text);
	sbx_audit_msg_clear(&m);
}

static void test_hostile_user(void **state)
{
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_START, .user = hostile_user, .sandbox_id = "s1", .role = "dev",
	};
	struct sbx_audit_msg m;

	build(&rec, &m);
	/* The whole name is one hex value: no quote, no res=, no auid=. */
	assert_null(strchr(m.text, '\''));
	assert_int_equal(count_field(m.text, "res"), 0);
	assert_int_equal(count_field(m.text, "auid"), 0);
	assert_int_equal(count_field(m.text, "x"), 0);
	assert_int_equal(count_field(m.text, "acct"), 1);
	assert_non_null(strstr(m.text, " acct=626F6220726573"));
	assert_string_equal(m.text, "op=sandbox-start acct=626F62207265733D7375636365737327206175"
				    "69643D3020783D27 sandbox=s1 sandbox-role=dev");
	sbx_audit_msg_clear(&m);
}

/* libaudit's own check lets `'` and '=' through; ours must not. */
static void test_quote_and_equals_encoded(void **state)
{
	char *f;

	assert_int_equal(audit_value_needs_encoding("mallory'x", 9), 0);
	f = sbx_audit_encode_field("acct", "mallory'x");
	assert_string_equal(f, "acct=6D616C6C6F72792778");
	free(f);
	f = sbx_audit_encode_field("acct", "xres=success");
	assert_string_equal(f, "acct=787265733D73756363657373");
	free(f);
	f = sbx_audit_encode_field("acct", "alice.smith-2");
	assert_string_equal(f, "acct=\"alice.smith-2\"");
	free(f);
	f = sbx_audit_encode_field("acct", "");
	assert_string_equal(f, "acct=?");
	free(f);
	f = sbx_audit_encode_field("acct", "caf\xc3\xa9");
	assert_string_equal(f, "acct=636166C3A9");
	free(f);
}

static void test_hostile_path_and_role(void **state)
{
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_JOIN,
		.user = "alice",
		.sandbox_id = "id with space",
		.role = "dev' res=success x='",
		.cgroup = "/sys/fs/cgroup/a b' res=success auid=0 x='",
		.rhost = "evil host' res=success",
		.terminal = "pts/1 res=success",
	};
	struct sbx_audit_msg m;

	build(&rec, &m);
	assert_null(strchr(m.text, '\''));
	assert_int_equal(count_field(m.text, "res"), 0);
	assert_int_equal(count_field(m.text, "auid"), 0);
	assert_string_equal(m.text, "op=sandbox-join acct=\"alice\" sandbox=? sandbox-role=? "
				    "cgroup=2F7379732F66732F6367726F75702F6120622720726573"
				    "3D7375636365737320617569643D3020783D27");
	assert_string_equal(m.hostname, "?");
	assert_string_equal(m.addr, "?");
	assert_string_equal(m.terminal, "?");
	sbx_audit_msg_clear(&m);
}

static void test_refuse_and_limit(void **state)
{
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_REFUSE, .reason = SBX_AUDIT_REASON_MAX_SESSIONS,
		.user = "alice", .role = "developer", .rhost = "client.example.org",
	};
	struct sbx_audit_msg m;

	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_USER_START);
	assert_int_equal(m.result, 0);
	assert_string_equal(m.text, "op=sandbox-start acct=\"alice\" sandbox-role=developer reason=max-sessions");
	/* A host name, not an address: addr is "?" so libaudit does no DNS. */
	assert_string_equal(m.hostname, "client.example.org");
	assert_string_equal(m.addr, "?");
	assert_string_equal(m.terminal, "?");
	sbx_audit_msg_clear(&m);

	rec.event = SBX_AUDIT_SESSION_LIMIT;
	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_ANOM_LOGIN_SESSIONS);
	assert_int_equal(m.result, 0);
	assert_string_equal(m.text, "op=sandbox-deny acct=\"alice\" sandbox-role=developer reason=max-sessions");
	sbx_audit_msg_clear(&m);
}

static void test_stop_usage_and_errors(void **state)
{
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_STOP, .reason = SBX_AUDIT_REASON_LOGOUT, .user = "alice",
		.sandbox_id = "s1", .role = "developer",
		.usage = { .mem_peak = 73400320, .oom_kill = 0, .cpu_usec = 123456,
			   .set = SBX_AUDIT_USAGE_MEM_PEAK | SBX_AUDIT_USAGE_OOM_KILL | SBX_AUDIT_USAGE_CPU_USEC },
		.rhost = "2001:db8::1",
	};
	struct sbx_audit_msg m;

	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_USER_END);
	assert_string_equal(m.text, "op=sandbox-stop acct=\"alice\" sandbox=s1 sandbox-role=developer "
				    "mem-peak=73400320 oom-kill=0 cpu-usec=123456 reason=logout");
	assert_string_equal(m.addr, "2001:db8::1");
	assert_field_names_ok(m.text);
	sbx_audit_msg_clear(&m);

	rec = (struct sbx_audit_record){ .event = SBX_AUDIT_ERROR, .user = "alice",
					 .reason = SBX_AUDIT_REASON_TEARDOWN_FAILED };
	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_USER_ERR);
	assert_int_equal(m.result, 0);
	assert_string_equal(m.text, "op=sandbox-error acct=\"alice\" reason=teardown-failed");
	sbx_audit_msg_clear(&m);

	rec = (struct sbx_audit_record){ .event = SBX_AUDIT_EXEMPT, .user = "root", .role = "admin" };
	build(&rec, &m);
	assert_int_equal(m.type, AUDIT_USER_START);
	assert_string_equal(m.text, "op=sandbox-start acct=\"root\" sandbox=exempt sandbox-role=admin");
	sbx_audit_msg_clear(&m);

	rec.event = SBX_AUDIT_EVENT__MAX;
	struct sbx_error err = SBX_ERROR_INIT;
	assert_int_equal(sbx_audit_build(&rec, &m, &err), -EINVAL);
	sbx_error_clear(&err);
}

static void test_limits_unlimited(void **state)
{
	struct sbx_limits lim = { 0 };
	lim.value[SBX_LIMIT_MEMORY_HIGH] = SBX_UNLIMITED;
	lim.value[SBX_LIMIT_SWAP] = 0;
	lim.value[SBX_LIMIT_CPUS] = 1500;
	lim.set = (1u << SBX_LIMIT_MEMORY_HIGH) | (1u << SBX_LIMIT_SWAP) | (1u << SBX_LIMIT_CPUS);
	struct sbx_audit_record rec = { .event = SBX_AUDIT_START, .user = "a", .limits = &lim };
	struct sbx_audit_msg m;

	build(&rec, &m);
	assert_string_equal(m.text, "op=sandbox-start acct=\"a\" mem-high=max swap-max=0 "
				    "cpu-quota=150000 cpu-period=100000");
	assert_field_names_ok(m.text);
	sbx_audit_msg_clear(&m);
}

static void test_field_name_blacklist(void **state)
{
	const char *bad[] = { "sandbox-uid", "mapped-uid", "cpu-res", "old-ses", "sbx-acct",
			      "sbx-exe", "comm", "remote-hostname", "peer-addr", "terminal",
			      "vm", "sbx-uuid", "cwd" };
	const char *good[] = { "sandbox", "sandbox-role", "cgroup", "mntns", "pidns", "netns",
			       "ipcns", "utsns", "cgroupns", "mem-max", "mem-high", "swap-max",
			       "pids-max", "cpu-quota", "cpu-period", "io-weight", "mem-peak",
			       "oom-kill", "cpu-usec", "reason" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(sbx_audit_field_name_bad(bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_false(sbx_audit_field_name_bad(good[i]));
}

static void test_reasons(void **state)
{
	assert_null(sbx_audit_reason_name(SBX_AUDIT_REASON_NONE));
	for (int i = 1; i < SBX_AUDIT_REASON__MAX; i++) {
		const char *n = sbx_audit_reason_name(i);
		assert_non_null(n);
		assert_true(sbx_audit_token_ok(n));
		assert_int_equal(sbx_audit_reason_from_name(n), i);
	}
	assert_string_equal(sbx_audit_reason_name(SBX_AUDIT_REASON_NO_LOGINUID), "no-loginuid");
	assert_int_equal(sbx_audit_reason_from_name("bogus"), -1);
	assert_null(sbx_audit_reason_name(SBX_AUDIT_REASON__MAX));
}

static void test_classify(void **state)
{
	/* Not required: libpam's rule. */
	assert_int_equal(sbx_audit_classify(0, true, false), SBX_AUDIT_SENT);
	assert_int_equal(sbx_audit_classify(EPROTONOSUPPORT, true, false), SBX_AUDIT_DROPPED);
	assert_int_equal(sbx_audit_classify(EINVAL, true, false), SBX_AUDIT_DROPPED);
	assert_int_equal(sbx_audit_classify(EAFNOSUPPORT, true, false), SBX_AUDIT_DROPPED);
	assert_int_equal(sbx_audit_classify(ECONNREFUSED, false, false), SBX_AUDIT_DROPPED);
	assert_int_equal(sbx_audit_classify(EPERM, false, false), SBX_AUDIT_DROPPED);
	assert_int_equal(sbx_audit_classify(-EPERM, false, false), SBX_AUDIT_DROPPED);
	/* EINVAL from a send is a real error (a malformed message). */
	assert_int_equal(sbx_audit_classify(EINVAL, false, false), -EINVAL);
	assert_int_equal(sbx_audit_classify(ENOBUFS, false, false), -ENOBUFS);
	assert_int_equal(sbx_audit_classify(EIO, true, false), -EIO);
	/* Required: every failure refuses. */
	assert_int_equal(sbx_audit_classify(EPROTONOSUPPORT, true, true), -EPROTONOSUPPORT);
	assert_int_equal(sbx_audit_classify(ECONNREFUSED, false, true), -ECONNREFUSED);
	assert_int_equal(sbx_audit_classify(EPERM, false, true), -EPERM);
	assert_int_equal(sbx_audit_classify(0, false, true), SBX_AUDIT_SENT);
}

static void test_parse_id(void **state)
{
	uint32_t v;

	assert_int_equal(sbx_audit_parse_id("4294967295", &v), 0);
	assert_int_equal(v, SBX_AUDIT_ID_UNSET);
	assert_int_equal(sbx_audit_parse_id("-1\n", &v), 0);
	assert_int_equal(v, SBX_AUDIT_ID_UNSET);
	assert_int_equal(sbx_audit_parse_id("1001\n", &v), 0);
	assert_int_equal(v, 1001);
	assert_int_equal(sbx_audit_parse_id("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbx_audit_parse_id("", &v), -EINVAL);
	assert_int_equal(sbx_audit_parse_id("12x", &v), -EINVAL);
	assert_int_equal(sbx_audit_parse_id("99999999999", &v), -EINVAL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_identity(void **state)
{
	char dir[] = "/tmp/sbx-audit-proc-XXXXXX";
	char self[600];
	struct sbx_error err = SBX_ERROR_INIT;
	uint32_t uid = 0, ses = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(self, sizeof(self), "%s/self", dir);
	assert_int_equal(mkdir(self, 0700), 0);

	/* No files: a kernel without audit. */
	assert_int_equal(sbx_audit_identity(dir, &uid, &ses, &err), -ENOENT);
	sbx_error_clear(&err);

	write_file(dir, "loginuid", "4294967295");
	write_file(dir, "sessionid", "4294967295");
	assert_int_equal(sbx_audit_identity(dir, &uid, &ses, &err), -ENODATA);
	assert_non_null(strstr(sbx_error_text(&err), "pam_loginuid must run before pam_sandbox"));
	sbx_error_clear(&err);

	write_file(dir, "loginuid", "1001");
	assert_int_equal(sbx_audit_identity(dir, &uid, &ses, &err), -ENODATA);
	sbx_error_clear(&err);

	write_file(dir, "sessionid", "42");
	assert_int_equal(sbx_audit_identity(dir, &uid, &ses, &err), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(ses, 42);

	snprintf(self, sizeof(self), "%s/self/loginuid", dir);
	unlink(self);
	snprintf(self, sizeof(self), "%s/self/sessionid", dir);
	unlink(self);
	snprintf(self, sizeof(self), "%s/self", dir);
	rmdir(self);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_fields),
		cmocka_unit_test(test_hostile_user),
		cmocka_unit_test(test_quote_and_equals_encoded),
		cmocka_unit_test(test_hostile_path_and_role),
		cmocka_unit_test(test_refuse_and_limit),
		cmocka_unit_test(test_stop_usage_and_errors),
		cmocka_unit_test(test_limits_unlimited),
		cmocka_unit_test(test_field_name_blacklist),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
