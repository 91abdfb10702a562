/* Unit tests of size.c: sizes, cores and their formatting. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sandbox/config.h"
#include "sandbox/size.h"

static void test_parse_size_valid(void **state)
{
	static const struct {
		const char *in;
		uint64_t out;
	} ok[] = {
		{ "0", 0 },
		{ "123", 123 },
		{ "1K", 1024 },
		{ "1k", 1024 },
		{ "512M", 512ull << 20 },
		{ "512m", 512ull << 20 },
		{ "4G", 4ull << 30 },
		{ "4g", 4ull << 30 },
		{ "1T", 1ull << 40 },
		{ "1t", 1ull << 40 },
		{ "16777215T", 16777215ull << 40 },
		{ "18446744073709551614", UINT64_MAX - 1 },
		{ "max", SBX_UNLIMITED },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 42;

		assert_int_equal(sbx_parse_size(ok[i].in, &v), 0);
		assert_true(v == ok[i].out);
	}
}

static void test_parse_size_invalid(void **state)
{
	static const char *const bad[] = {
		"", "4GB", "4 G", " 4G", "4G ", "-1", "+1", "1.5G", "G", "4X", "max ",
		"MAX", "0x10", "4KK", "1e3", "4Gi",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;

		assert_int_equal(sbx_parse_size(bad[i], &v), -EINVAL);
		assert_true(v == 42); /* untouched on failure */
	}
}

static void test_parse_size_overflow(void **state)
{
	uint64_t v = 42;
	(void)state;

	assert_int_equal(sbx_parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(sbx_parse_size("99999999999999999999999", &v), -ERANGE);
	assert_int_equal(sbx_parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(sbx_parse_size("17179869184G", &v), -ERANGE);
	/* UINT64_MAX itself is how "max" is held: a number may not alias it. */
	assert_int_equal(sbx_parse_size("18446744073709551615", &v), -ERANGE);
	assert_true(v == 42);
}

static void test_cpus(void **state)
{
	static const struct {
		double in;
		uint64_t out;
	} ok[] = {
		{ 0.01, 10 }, { 0.5, 500 }, { 1, 1000 }, { 1.5, 1500 }, { 2.0, 2000 },
		{ 2.25, 2250 }, { 0.1, 100 }, { 0.3, 300 }, { 4096, 4096000 }, { 33.33, 33330 },
	};
	uint64_t v;
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 0;
		assert_int_equal(sbx_cpus_to_milli(ok[i].in, &v), 0);
		assert_true(v == ok[i].out);
	}
	v = 42;
	assert_int_equal(sbx_cpus_to_milli(0, &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(-1, &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(-0.5, &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(0.005, &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(1.234, &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(4096.01, &v), -ERANGE);
	assert_int_equal(sbx_cpus_to_milli(1e300, &v), -ERANGE);
	assert_int_equal(sbx_cpus_to_milli(__builtin_nan(""), &v), -EINVAL);
	assert_int_equal(sbx_cpus_to_milli(__builtin_inf(), &v), -EINVAL);
	assert_true(v == 42);
}

static void test_format_size(void **state)
{
	static const struct {
		uint64_t in;
		const char *out;
	} cases[] = {
		{ 0, "0" }, { 17, "17" }, { 1024, "1K" }, { 1536ull << 20, "1536M" },
		{ 4ull << 30, "4G" }, { 1ull << 40, "1T" }, { 3ull << 40, "3T" },
		{ (4ull << 30) + 1, "4294967297" }, { SBX_UNLIMITED, "max" },
	};
	char buf[24];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t back;

		assert_string_equal(sbx_format_size(cases[i].in, buf, sizeof(buf)), cases[i].out);
		/* What we print reads back as the same value. */
		assert_int_equal(sbx_parse_size(buf, &back), 0);
		assert_true(back == cases[i].in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_valid),
		cmocka_unit_test(test_parse_size_invalid),
		cmocka_unit_test(test_parse_size_overflow),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_format_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
