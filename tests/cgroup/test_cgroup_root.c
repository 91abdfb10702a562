/* Integration tests of the cgroupfs drivers on this machine's real cgroups
 * (root only; exit 77 otherwise).  Every cgroup is created below the cgroup
 * this test runs in, per hierarchy (parent_below_self), under a parent
 * named after the test's pid, and the group teardown checks that none of
 * them remains.
 *
 *   placement  a forked child moved into a session and the init leaf,
 *              verified by the driver and here through /proc/PID/cgroup
 *   fork bomb  stops at pids.max; the test process is unaffected
 *   OOM        a memory hog under a 64M limit is OOM-killed inside the
 *              cgroup only, and the oom_kill count goes up
 *   cpu        a busy loop under cpus=500 gets 0.5 cpu +- 10% over 3 s
 *   kill       empties the cgroup */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

static char parent[64];
static struct sbx_cgroup_env env;
static enum sbx_cgroup_kind kind;
static const char *const v1_ctrls[] = { "memory", "pids", "cpu", "cpuacct", "blkio", "freezer" };

/* Every child forked, killed by the teardown whatever a test did. */
static pid_t spawned[64];
static size_t n_spawned;

/* A child that waits for a byte on GO, then runs FN; its pid. */
static pid_t spawn(int go[2], void (*fn)(int out), int out)
{
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		fn(out);
		_exit(0);
	}
	close(go[0]);
	if (n_spawned < ELEMENTSOF(spawned))
		spawned[n_spawned++] = pid;
	return pid;
}

static void release(int go[2])
{
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
}

static void sleeper(int out)
{
	for (;;)
		pause();
}

static struct sbx_cgroup *open_user(uid_t uid, const struct sbx_limits *lim)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;

	if (sbx_cgroup_user_open(&env, uid, lim, &cg, &err) < 0)
		fail_msg("user_open: %s", sbx_error_text(&err));
	return cg;
}

static void reap(pid_t pid, int want_signal);

/* Kill the user's cgroup, check it is empty, reap our children, remove it. */
static void kill_and_remove(struct sbx_cgroup *cg, pid_t child, pid_t child2)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup_usage u;

	if (sbx_cgroup_user_kill(cg, &err) < 0)
		fail_msg("kill: %s", sbx_error_text(&err));
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		assert_int_equal(sbx_cg_pids_recursive(cg->h[i].user, &pids, &n), 0);
		assert_int_equal(n, 0);
	}
	if (child > 0)
		reap(child, SIGKILL);
	if (child2 > 0)
		reap(child2, SIGKILL);
	/* pids.current also counts zombies until someone reaps them (the
	 * fork bomb's orphans wait for pid 1): not checked here */
	assert_int_equal(sbx_cgroup_usage(cg, NULL, &u, &err), 0);
	if (sbx_cgroup_user_remove(cg, &err) < 0)
		fail_msg("remove: %s", sbx_error_text(&err));
	sbx_cgroup_free(cg);
}

static void reap(pid_t pid, int want_signal)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (want_signal) {
		if (!WIFSIGNALED(st) || WTERMSIG(st) != want_signal)
			fail_msg("pid %d: status 0x%x, expected signal %d", (int)pid, st, want_signal);
	}
}

static void test_placement(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg;
	int go1[2], go2[2];
	pid_t a, b;
	char want[512];

	lim.value[SBX_LIMIT_PIDS] = 64;
	lim.value[SBX_LIMIT_MEMORY] = 64ull << 20;
	lim.value[SBX_LIMIT_CPUS] = 500;
	lim.value[SBX_LIMIT_IO_WEIGHT] = 100;
	lim.set = (1u << SBX_LIMIT_PIDS) | (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_CPUS) |
		  (1u << SBX_LIMIT_IO_WEIGHT);
	lim.optional = 1u << SBX_LIMIT_IO_WEIGHT; /* no blkio.weight without CFQ/BFQ */
	cg = open_user(60001, &lim);
	assert_true(sbx_cgroup_created(cg));
	/* the values the kernel holds */
	for (size_t i = 0; i < cg->n_h; i++) {
		uint64_t v;

		if (sbx_cg_read_u64(cg->h[i].user, "pids.max", &v) == 0)
			assert_int_equal(v, 64);
		if (sbx_cg_read_u64(cg->h[i].user, "memory.limit_in_bytes", &v) == 0)
			assert_int_equal(v, 64ull << 20);
		if (sbx_cg_read_u64(cg->h[i].user, "memory.max", &v) == 0)
			assert_int_equal(v, 64ull << 20);
		if (sbx_cg_read_u64(cg->h[i].user, "cpu.cfs_quota_us", &v) == 0)
			assert_int_equal(v, 50000);
		if (sbx_cg_read_u64(cg->h[i].user, "blkio.weight", &v) == 0)
			assert_int_equal(v, 500);
	}
	if (!(sbx_cgroup_skipped(cg) & (1u << SBX_LIMIT_IO_WEIGHT)))
		print_message("io_weight applied\n");

	a = spawn(go1, sleeper, -1);
	b = spawn(go2, sleeper, -1);
	if (sbx_cgroup_attach_session(cg, "t1", a, &err) < 0)
		fail_msg("attach_session: %s", sbx_error_text(&err));
	if (sbx_cgroup_attach_init(cg, b, &err) < 0)
		fail_msg("attach_init: %s", sbx_error_text(&err));
	/* read back independently of the driver */
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *pa = NULL, *pb = NULL;

		assert_int_equal(sbx_cg_proc_path("/proc", -1, a, cg->h[i].ctrl, &pa), 0);
		assert_int_equal(sbx_cg_proc_path("/proc", -1, b, cg->h[i].ctrl, &pb), 0);
		snprintf(want, sizeof(want), "%s/%s/session-t1", cg->h[i].base_rel, "user-60001");
		assert_string_equal(pa, want);
		snprintf(want, sizeof(want), "%s/%s/init", cg->h[i].base_rel, "user-60001");
		assert_string_equal(pb, want);
	}
	/* close: the remembered process (the PAM process, in real life) goes
	 * back where it came from; another one in the session keeps it
	 * (linger) */
	{
		_cleanup_free_ char *origin = NULL, *back = NULL;
		int goc[2];
		pid_t c = spawn(goc, sleeper, -1);

		for (size_t i = 0; i < cg->n_h; i++) {
			_cleanup_free_ char *dir = sbx_cg_join(cg->h[i].user, "session-t1");

			assert_int_equal(sbx_cg_move(dir, c, &err), 0);
		}
		assert_int_equal(sbx_cg_proc_path("/proc", -1, 0, "pids", &origin), 0);
		assert_int_equal(sbx_cgroup_session_close(cg, "t1", NULL, &err), -EBUSY);
		assert_non_null(strstr(sbx_error_text(&err), "still has processes"));
		sbx_error_clear(&err);
		assert_int_equal(sbx_cg_proc_path("/proc", -1, a, "pids", &back), 0);
		assert_string_equal(back, origin);
		release(goc);
		release(go1);
		release(go2);
		kill_and_remove(cg, c, b);
		/* a is out of the user's cgroup: the kill did not reach it */
		assert_int_equal(kill(a, 0), 0);
		kill(a, SIGKILL);
		reap(a, SIGKILL);
	}
}

/* Fork until fork fails; report how many forks succeeded, then wait. */
static void bomb(int out)
{
	unsigned n = 0;

	for (;;) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			if (write(out, &n, sizeof(n)) != sizeof(n))
				_exit(4);
			for (;;)
				pause();
		}
		n++;
	}
}

static void test_fork_bomb(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 1u << SBX_LIMIT_PIDS };
	struct sbx_cgroup_usage u;
	struct sbx_cgroup *cg;
	struct pollfd pfd;
	int go[2], res[2];
	unsigned n = 0;
	pid_t pid;

	lim.value[SBX_LIMIT_PIDS] = 32;
	cg = open_user(60002, &lim);
	assert_int_equal(pipe(res), 0);
	pid = spawn(go, bomb, res[1]);
	close(res[1]);
	if (sbx_cgroup_attach_session(cg, "bomb", pid, &err) < 0)
		fail_msg("attach: %s", sbx_error_text(&err));
	release(go);
	pfd = (struct pollfd){ .fd = res[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1); /* bounded: 10 s */
	assert_int_equal(read(res[0], &n, sizeof(n)), sizeof(n));
	close(res[0]);
	/* the bomb itself plus 31 children: the limit, not memory, stopped it */
	assert_int_equal(n, 31);
	assert_int_equal(sbx_cgroup_usage(cg, NULL, &u, &err), 0);
	assert_true(u.known & SBX_CGUSE_PIDS);
	assert_int_equal(u.pids, 32);
	/* this process can still fork: the host is unaffected */
	{
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		assert_true(p > 0);
		reap(p, 0);
	}
	kill_and_remove(cg, pid, 0);
}

static void hog(int out)
{
	size_t chunk = 1 << 20;

	for (int i = 0; i < 512; i++) { /* 512 MB, far above the limit */
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(5);
		memset(p, 1, chunk);
	}
	_exit(6); /* survived: the limit did nothing */
}

static void test_oom(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_SWAP) };
	struct sbx_cgroup_usage before, after;
	struct sbx_cgroup *cg;
	int go[2];
	pid_t pid;

	lim.value[SBX_LIMIT_MEMORY] = 64ull << 20;
	lim.value[SBX_LIMIT_SWAP] = 0; /* no swapping instead of dying */
	lim.optional = 1u << SBX_LIMIT_SWAP;
	cg = open_user(60003, &lim);
	assert_int_equal(sbx_cgroup_usage(cg, NULL, &before, &err), 0);
	assert_true(before.known & SBX_CGUSE_OOM_KILLS);
	pid = spawn(go, hog, -1);
	if (sbx_cgroup_attach_session(cg, "hog", pid, &err) < 0)
		fail_msg("attach: %s", sbx_error_text(&err));
	release(go);
	reap(pid, SIGKILL); /* the OOM killer's signal */
	assert_int_equal(sbx_cgroup_usage(cg, NULL, &after, &err), 0);
	assert_true(after.oom_kills >= before.oom_kills + 1);
	assert_true(after.known & SBX_CGUSE_MEM_PEAK);
	assert_true(after.mem_peak <= 64ull << 20);
	assert_true(after.mem_peak >= 32ull << 20);
	assert_int_equal(sbx_cgroup_session_close(cg, "hog", NULL, &err), 0);
	kill_and_remove(cg, 0, 0);
}

static void spin(int out)
{
	for (volatile unsigned long i = 0;; i++)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_cpu(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 1u << SBX_LIMIT_CPUS };
	struct sbx_cgroup_usage u0, u1;
	struct sbx_cgroup *cg;
	double t0, t1, cpus;
	int go[2];
	pid_t pid;

	lim.value[SBX_LIMIT_CPUS] = 500;
	cg = open_user(60004, &lim);
	pid = spawn(go, spin, -1);
	if (sbx_cgroup_attach_session(cg, "spin", pid, &err) < 0)
		fail_msg("attach: %s", sbx_error_text(&err));
	release(go);
	sbx_cg_sleep_ms(300);
	/* The quota caps the loop at 0.5 cpu; on a shared 2-core machine the
	 * loop can also get less than its quota while other tests run, so a
	 * low reading is measured again (up to 3 times).  A reading above the
	 * quota always fails: that is the limit not working. */
	for (int attempt = 0; attempt < 3; attempt++) {
		assert_int_equal(sbx_cgroup_usage(cg, NULL, &u0, &err), 0);
		assert_true(u0.known & SBX_CGUSE_CPU_USEC);
		t0 = now_s();
		sbx_cg_sleep_ms(3000);
		assert_int_equal(sbx_cgroup_usage(cg, NULL, &u1, &err), 0);
		t1 = now_s();
		cpus = (double)(u1.cpu_usec - u0.cpu_usec) / 1e6 / (t1 - t0);
		print_message("busy loop under cpus=0.5: %.3f cpu\n", cpus);
		assert_true(cpus <= 0.55);
		if (cpus >= 0.45)
			break;
	}
	assert_true(cpus >= 0.45 && cpus <= 0.55);
	kill_and_remove(cg, pid, 0);
}

static void test_gc_and_guard(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = open_user(60005, NULL);
	unsigned removed = 0;
	int go[2];
	pid_t pid = spawn(go, sleeper, -1);

	if (sbx_cgroup_attach_session(cg, "s", pid, &err) < 0)
		fail_msg("attach: %s", sbx_error_text(&err));
	/* an empty leftover of a crashed login, and a live one */
	{
		struct sbx_cgroup *left = open_user(60006, NULL);

		sbx_cgroup_free(left);
	}
	assert_int_equal(sbx_cgroup_gc(&env, &removed, &err), 0);
	assert_int_equal(removed, 1);
	{
		struct sbx_cgroup *gone = NULL;

		assert_int_equal(sbx_cgroup_user_get(&env, 60006, &gone, &err), -ENOENT);
		assert_null(gone);
	}
	sbx_error_clear(&err);
	assert_int_equal(access(cg->h[0].user, F_OK), 0);
	release(go);
	kill_and_remove(cg, pid, 0);
}

static int group_setup(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;

	snprintf(parent, sizeof(parent), "pam_sandbox_test.%d", (int)getpid());
	env = (struct sbx_cgroup_env){
		.parent = parent, .driver = SBX_CGROUP_CGROUPFS, .parent_below_self = true,
	};
	if (sbx_cgroup_detect(&env, &kind, &err) < 0) {
		fprintf(stderr, "no cgroupfs: %s\n", sbx_error_text(&err));
		return -1;
	}
	return 0;
}

/* Remove the test's parent in every hierarchy; fail if anything the tests
 * created is still there. */
static int group_teardown(void **state)
{
	int bad = 0;
	const char *const v2[] = { "" };
	const char *const *ctrls = kind == SBX_CGKIND_V1 ? v1_ctrls : v2;
	size_t n = kind == SBX_CGKIND_V1 ? ELEMENTSOF(v1_ctrls) : 1;

	/* a failed test may have left children (and their cgroups) behind;
	 * the fork bomb's grandchildren die with their cgroup below */
	for (size_t i = 0; i < n_spawned; i++) {
		kill(spawned[i], SIGKILL);
		(void)waitpid(spawned[i], NULL, WNOHANG);
	}

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *self = NULL, *dir = NULL, *rel = NULL;
		_cleanup_free_ char *mount = sbx_cg_join("/sys/fs/cgroup", *ctrls[i] ? ctrls[i] :
							 access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "" : "unified");
		struct stat st;

		if (sbx_cg_proc_path("/proc", -1, 0, ctrls[i], &self) < 0 || !mount)
			continue;
		rel = sbx_cg_join(self, parent);
		dir = rel ? sbx_cg_join(mount, rel) : NULL;
		if (!dir)
			continue;
		if (stat(dir, &st) == 0) {
			DIR *d = opendir(dir);
			struct dirent *de;

			while (d && (de = readdir(d)))
				if (de->d_type == DT_DIR && de->d_name[0] != '.') {
					fprintf(stderr, "leftover cgroup: %s/%s\n", dir, de->d_name);
					bad = 1;
				}
			if (d)
				closedir(d);
			/* kill what is left, so the tree can go */
			for (int tries = 0; tries < 100; tries++) {
				_cleanup_free_ pid_t *pids = NULL;
				size_t np = 0;

				if (sbx_cg_pids_recursive(dir, &pids, &np) < 0 || np == 0)
					break;
				for (size_t k = 0; k < np; k++)
					kill(pids[k], SIGKILL);
				sbx_cg_sleep_ms(10);
			}
			(void)sbx_cg_rmdir_tree(dir);
			if (stat(dir, &st) == 0) {
				fprintf(stderr, "cannot remove %s\n", dir);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_fork_bomb),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_gc_and_guard),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root\n");
		return 77;
	}
	if (group_setup(NULL) < 0)
		return 99;
	if (kind != SBX_CGKIND_V1) {
		/* v2 below our own (populated) cgroup cannot enable controllers
		 * (no internal processes): that needs a delegated leaf, which the
		 * VM test bed provides */
		fprintf(stderr, "SKIP: these tests need cgroup v1 controllers (found %s)\n",
			sbx_cgroup_kind_name(kind));
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
