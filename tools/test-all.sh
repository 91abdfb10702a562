#!/usr/bin/env bash
# Install the dependencies, build, and run every test suite:
#
#   build        autoreconf, configure --enable-werror in build/ci, make
#   check        make check in build/ci (unit tests, config corpus, and the
#                root-only suites against real sshd, kernel and auditd)
#   distcheck    make distcheck (the tarball builds and passes make check)
#   sanitizers   ASan+UBSan build in build/san running the unit tests and the
#                config corpus (the PAM module cannot be loaded by a
#                non-ASan sshd, so the sshd suites are not run twice)
#   fuzz         libFuzzer on the config loader for $FUZZ_SECONDS (default
#                60) seconds, seeded with tests/config/valid and conf/
#                (when tests/fuzz/fuzz_config.c exists)
#
# Needs root (the integration suites run real logins; install-deps uses apt).
# Exits non-zero if any suite failed; ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=${JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-60}

results=()
passed=0
failed=0
record() { # record NAME STATUS [NOTE]
	results+=("$(printf '%-11s %-5s %s' "$1" "$2" "${3:-}")")
	case $2 in
	PASS) passed=$((passed + 1)) ;;
	FAIL) failed=$((failed + 1)) ;;
	esac
}
step() { printf '\n==== %s ====\n' "$*"; }

# Print a build's test-suite.log (the failing tests' output) after a failure.
show_test_log() {
	local f
	for f in "$1"/test-suite.log "$1"/pam_sandbox-*/_build/sub/test-suite.log; do
		[ -f "$f" ] && { echo "---- $f"; cat "$f"; }
	done
	return 0
}

summary() {
	step "summary"
	printf '%s\n' "${results[@]}"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

step "dependencies"
if ! tools/install-deps.sh; then
	record deps FAIL "tools/install-deps.sh failed"
	summary
	exit 1
fi

# ---- build ----------------------------------------------------------------
step "build (build/ci, --enable-werror)"
built=0
if autoreconf -fi && mkdir -p build/ci &&
	(cd build/ci && "$top/configure" --enable-werror >configure.out ||
		{ tail -n 30 configure.out config.log; exit 1; }) &&
	make -C build/ci -j"$jobs"; then
	record build PASS
	built=1
else
	record build FAIL
fi

# ---- make check -----------------------------------------------------------
if [ "$built" = 1 ]; then
	step "make check"
	if make -C build/ci -j"$jobs" check; then
		record check PASS
	else
		show_test_log build/ci
		record check FAIL "see test-suite.log above"
	fi

	step "make check-vm (systemd host in a qemu guest)"
	if make -C build/ci check-vm; then
		record check-vm PASS
	else
		record check-vm FAIL "see the suite output above"
	fi

	step "benchmark smoke run (bench/run.sh --smoke, no targets)"
	if bench/run.sh --smoke; then
		record bench-smoke PASS
	else
		record bench-smoke FAIL
	fi

	step "make distcheck"
	if make -C build/ci -j"$jobs" distcheck; then
		record distcheck PASS
	else
		show_test_log build/ci
		record distcheck FAIL
	fi
else
	record check FAIL "not run: build failed"
	record distcheck FAIL "not run: build failed"
fi

# ---- sanitizers -------------------------------------------------------------
step "sanitizers (build/san, ASan+UBSan, unit tests and config corpus)"
san_ok=0
if mkdir -p build/san &&
	(cd build/san && "$top/configure" --enable-sanitizers --enable-werror >configure.out ||
		{ tail -n 30 configure.out config.log; exit 1; }) &&
	make -C build/san -j"$jobs"; then
	# The unit tests and config corpus out of the full TESTS list.
	san_tests=$(make -s -C build/san -f Makefile -f - print-sbx-tests <<<'print-sbx-tests: ; @echo $(TESTS)' |
		tr ' ' '\n' | grep -E '^tests/(unit|config)/' | tr '\n' ' ')
	if [ -z "$san_tests" ]; then
		record sanitizers FAIL "no unit or config tests found in TESTS"
	elif ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C build/san -j"$jobs" check TESTS="$san_tests"; then
		record sanitizers PASS "$(echo "$san_tests" | wc -w) tests"
		san_ok=1
	else
		show_test_log build/san
		record sanitizers FAIL
	fi
else
	record sanitizers FAIL "sanitizer build failed"
fi

# ---- fuzz -------------------------------------------------------------------
if [ -f tests/fuzz/fuzz_config.c ]; then
	step "fuzz (build/fuzz, clang libFuzzer, ${fuzz_seconds}s)"
	if mkdir -p build/fuzz &&
		(cd build/fuzz && "$top/configure" CC=clang --enable-fuzz >configure.out ||
			{ tail -n 30 configure.out config.log; exit 1; }) &&
		make -C build/fuzz -j"$jobs" tests/fuzz/fuzz_config; then
		corpus=build/fuzz/corpus-run
		rm -rf "$corpus" && mkdir -p "$corpus"
		seeds=()
		for d in tests/config/valid conf; do [ -d "$d" ] && seeds+=("$d"); done
		if build/fuzz/tests/fuzz/fuzz_config -max_total_time="$fuzz_seconds" -timeout=10 \
			-artifact_prefix=build/fuzz/ \
			-rss_limit_mb=2048 -print_final_stats=1 "$corpus" "${seeds[@]}" \
			>build/fuzz/fuzz.log 2>&1; then
			record fuzz PASS "$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' build/fuzz/fuzz.log | grep -o '[0-9]*$') runs, no crash"
		else
			tail -n 60 build/fuzz/fuzz.log
			record fuzz FAIL "crash or error: see build/fuzz/fuzz.log and crash-* files"
		fi
	else
		record fuzz FAIL "fuzz build failed"
	fi
else
	record fuzz SKIP "tests/fuzz/fuzz_config.c not present"
fi

summary
