/* Unit tests: templates, the error object, path normalisation. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox/error.h"
#include "sandbox/policy.h"
#include "sandbox/template.h"

static const struct sbx_template_vars vars = {
	.user = "alice.b", .uid = 1042, .group = "staff", .home = "/home/alice.b", .role = "developer",
};

static void expect_expand(const char *tmpl, const char *want)
{
	struct sbx_error err = SBX_ERROR_INIT;
	char *out = NULL;

	assert_int_equal(sbx_template_expand(tmpl, &vars, &out, &err), 0);
	assert_string_equal(out, want);
	assert_null(err.msg);
	free(out);
}

static void test_expand_each(void **state)
{
	(void)state;
	expect_expand("%u", "alice.b");
	expect_expand("%U", "1042");
	expect_expand("%g", "staff");
	expect_expand("%h", "/home/alice.b");
	expect_expand("%r", "developer");
	expect_expand("%%", "%");
	expect_expand("/srv/%r/%u/%%u", "/srv/developer/alice.b/%u");
	expect_expand("", "");
	expect_expand("plain", "plain");
}

static void test_expand_long(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	char tmpl[1024], *out = NULL;

	(void)state;
	/* Grows the buffer many times over. */
	for (size_t i = 0; i + 2 < sizeof(tmpl); i += 2)
		memcpy(tmpl + i, "%h", 2);
	tmpl[sizeof(tmpl) - 2] = '\0';
	assert_int_equal(sbx_template_expand(tmpl, &vars, &out, &err), 0);
	assert_int_equal(strlen(out), 511 * strlen(vars.home));
	free(out);
}

static void test_bad_templates(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	char *out = NULL;

	(void)state;
	assert_int_equal(sbx_template_check("%x", &err), -EINVAL);
	assert_string_equal(err.msg, "unknown template '%x' (known: %u %U %g %h %r %%)");
	sbx_error_clear(&err);
	assert_int_equal(sbx_template_check("/tmp/%", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lone '%'"));
	sbx_error_clear(&err);
	assert_int_equal(sbx_template_expand("a%Zb", &vars, &out, &err), -EINVAL);
	assert_null(out);
	sbx_error_clear(&err);
	assert_int_equal(sbx_template_check("%u%%%U", &err), 0);
}

static void test_error_object(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	char buf[64];

	(void)state;
	assert_string_equal(sbx_error_first(&err, buf, sizeof(buf)), "unknown error");
	assert_int_equal(sbx_error_add(&err, EINVAL, "one %d", 1), -EINVAL);
	assert_int_equal(sbx_error_add(&err, ENOENT, "two"), -EINVAL); /* first code kept */
	assert_int_equal(err.count, 2);
	assert_string_equal(sbx_error_text(&err), "one 1\ntwo");
	assert_string_equal(sbx_error_first(&err, buf, sizeof(buf)), "one 1");
	assert_int_equal(sbx_error_prefix(&err, "role %s: ", "dev"), -EINVAL);
	assert_string_equal(sbx_error_text(&err), "role dev: one 1\nrole dev: two");
	assert_int_equal(sbx_error_set(&err, EPERM, "fresh"), -EPERM);
	assert_int_equal(err.count, 1);
	assert_int_equal(err.code, EPERM);
	assert_string_equal(err.msg, "fresh");
	sbx_error_clear(&err);
	assert_null(err.msg);
	assert_int_equal(err.code, 0);
	/* A NULL error object is allowed and still yields the code. */
	assert_int_equal(sbx_error_set(NULL, EBUSY, "x"), -EBUSY);
}

static void expect_norm(const char *in, const char *want)
{
	char buf[256];

	strcpy(buf, in);
	assert_int_equal(sbx_path_normalize(buf), 0);
	assert_string_equal(buf, want);
}

static void test_path_normalize(void **state)
{
	char buf[64];

	(void)state;
	expect_norm("/", "/");
	expect_norm("//", "/");
	expect_norm("/usr/", "/usr");
	expect_norm("/usr//lib///x/", "/usr/lib/x");
	expect_norm("/a.b/..c/c..", "/a.b/..c/c..");
	strcpy(buf, "usr");
	assert_int_equal(sbx_path_normalize(buf), -EINVAL);
	strcpy(buf, "/home/../etc");
	assert_int_equal(sbx_path_normalize(buf), -EINVAL);
	strcpy(buf, "/home/./x");
	assert_int_equal(sbx_path_normalize(buf), -EINVAL);
	strcpy(buf, "/home/..");
	assert_int_equal(sbx_path_normalize(buf), -EINVAL);
	strcpy(buf, "");
	assert_int_equal(sbx_path_normalize(buf), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_each),
		cmocka_unit_test(test_expand_long),
		cmocka_unit_test(test_bad_templates),
		cmocka_unit_test(test_error_object),
		cmocka_unit_test(test_path_normalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
