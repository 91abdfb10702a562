/* Unit tests of the cgroup drivers against a fake cgroup filesystem in a
 * temporary directory.
 *
 * The fake kernel: mkdir, rmdir and write are wrapped at link time
 * (-Wl,--wrap=...) so that, below the fake root only, a new cgroup
 * directory gets the control files the kernel would create, rmdir refuses a
 * populated cgroup (EBUSY) and removes the control files, a write to
 * cgroup.procs moves the pid (out of every other cgroup of that hierarchy,
 * and into the fake /proc/PID/cgroup), a write to cgroup.subtree_control
 * merges "+ctrl" tokens, and every other write replaces the file's content
 * as the kernel's files do. */
#include "config.h"

/* Paths in this test are a temporary directory plus short names: a
 * truncation would show up as a failing assertion, not silently. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

/* ---- the fake kernel ----------------------------------------------------- */

int __real_mkdir(const char *path, mode_t mode);
int __real_rmdir(const char *path);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_rmdir(const char *path);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

static char fake_root[1024];  /* <tmp>/cg */
static char fake_proc[1024];  /* <tmp>/proc */
static char fake_run[1024];   /* <tmp>/run */
static char fake_tmp[1024];
static char fake_v2[1024];    /* the unified mount, "" when none */
static bool fake_no_swap;         /* no memory.swap.max / memsw */
static bool fake_no_blkio_weight;
static bool fake_ignore_moves;    /* writes to cgroup.procs do nothing */
static const char *fake_ignore_ctrl; /* ... in this v1 hierarchy only */
static const char *fake_readonly; /* a control file created read-only */

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);

	return l && strncmp(path, dir, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

static void put_file(const char *dir, const char *name, const char *content, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	if (content)
		assert_int_equal(__real_write(fd, content, strlen(content)), (ssize_t)strlen(content));
	fchmod(fd, mode);
	close(fd);
}

/* A control file, created once (the kernel's files appear when a cgroup or
 * a controller does, and keep their value). */
static void ctl(const char *dir, const char *name, const char *content)
{
	mode_t mode = (fake_readonly && strcmp(name, fake_readonly) == 0) ? 0444 : 0644;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (access(p, F_OK) == 0)
		return;
	put_file(dir, name, content, mode);
}

static char *slurp(const char *dir, const char *name)
{
	char *s = NULL;

	if (sbx_cg_read(dir, name, &s) < 0)
		return NULL;
	return s;
}

/* The v1 controller whose hierarchy PATH is in, or "" for the unified one. */
static const char *hier_of(const char *path, char *mount, size_t len)
{
	static char ctrl[64];
	const char *rest;
	size_t n;

	if (fake_v2[0] && under(path, fake_v2)) {
		snprintf(mount, len, "%s", fake_v2);
		return "";
	}
	rest = path + strlen(fake_root) + 1;
	n = strcspn(rest, "/");
	snprintf(ctrl, sizeof(ctrl), "%.*s", (int)n, rest);
	snprintf(mount, len, "%s/%s", fake_root, ctrl);
	return ctrl;
}

static void populate(const char *path)
{
	char mount[PATH_MAX], parent[PATH_MAX];
	const char *ctrl = hier_of(path, mount, sizeof(mount));

	ctl(path, "cgroup.procs", "");
	if (!*ctrl) {
		_cleanup_free_ char *sc = NULL;

		snprintf(parent, sizeof(parent), "%s", path);
		*strrchr(parent, '/') = '\0';
		sc = slurp(parent, "cgroup.subtree_control");
		put_file(path, "cgroup.controllers", sc ? sc : "", 0444);
		ctl(path, "cgroup.subtree_control", "");
		ctl(path, "cgroup.events", "populated 0\nfrozen 0\n");
		ctl(path, "cgroup.freeze", "0");
		ctl(path, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
		if (sbx_cg_list_has(sc, "memory")) {
			ctl(path, "memory.max", "max");
			ctl(path, "memory.high", "max");
			if (!fake_no_swap)
				ctl(path, "memory.swap.max", "max");
			ctl(path, "memory.current", "0");
			ctl(path, "memory.peak", "0");
			ctl(path, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
		}
		if (sbx_cg_list_has(sc, "pids")) {
			ctl(path, "pids.max", "max");
			ctl(path, "pids.current", "0");
		}
		if (sbx_cg_list_has(sc, "cpu"))
			ctl(path, "cpu.max", "max 100000");
		if (sbx_cg_list_has(sc, "io"))
			ctl(path, "io.weight", "default 100");
		return;
	}
	ctl(path, "tasks", "");
	ctl(path, "notify_on_release", "0");
	if (strcmp(ctrl, "memory") == 0) {
		ctl(path, "memory.limit_in_bytes", "9223372036854771712");
		ctl(path, "memory.soft_limit_in_bytes", "9223372036854771712");
		if (!fake_no_swap)
			ctl(path, "memory.memsw.limit_in_bytes", "9223372036854771712");
		ctl(path, "memory.usage_in_bytes", "0");
		ctl(path, "memory.max_usage_in_bytes", "0");
		ctl(path, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
	} else if (strcmp(ctrl, "pids") == 0) {
		ctl(path, "pids.max", "max");
		ctl(path, "pids.current", "0");
	} else if (strcmp(ctrl, "cpu") == 0) {
		ctl(path, "cpu.cfs_period_us", "100000");
		ctl(path, "cpu.cfs_quota_us", "-1");
	} else if (strcmp(ctrl, "cpuacct") == 0) {
		ctl(path, "cpuacct.usage", "0");
	} else if (strcmp(ctrl, "blkio") == 0) {
		if (!fake_no_blkio_weight)
			ctl(path, "blkio.weight", "500");
	} else if (strcmp(ctrl, "freezer") == 0) {
		ctl(path, "freezer.state", "THAWED");
	}
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	int r = __real_mkdir(path, mode);

	if (r == 0 && fake_root[0] && under(path, fake_root) && strcmp(path, fake_root) != 0)
		populate(path);
	return r;
}

static bool has_subdir_or_procs(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool busy = false;
	_cleanup_free_ char *procs = slurp(path, "cgroup.procs");

	if (procs && *procs)
		busy = true;
	while (d && (de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			busy = true;
	if (d)
		closedir(d);
	return busy;
}

int __wrap_rmdir(const char *path)
{
	DIR *d;
	struct dirent *de;

	if (!fake_root[0] || !under(path, fake_root))
		return __real_rmdir(path);
	if (access(path, F_OK) < 0)
		return __real_rmdir(path); /* ENOENT */
	if (has_subdir_or_procs(path)) {
		errno = EBUSY;
		return -1;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char p[PATH_MAX];

		if (de->d_type != DT_REG)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	return __real_rmdir(path);
}

/* Remove PID from every cgroup.procs below DIR. */
static void unlist(const char *dir, const char *pid)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	_cleanup_free_ char *procs = slurp(dir, "cgroup.procs");

	if (procs) {
		char out[4096] = "";

		for (char *t = strtok(procs, "\n"); t; t = strtok(NULL, "\n"))
			if (strcmp(t, pid) != 0)
				snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", t);
		put_file(dir, "cgroup.procs", out, 0644);
	}
	while (d && (de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		unlist(sub, pid);
	}
	if (d)
		closedir(d);
}

/* Set PID's line for hierarchy CTRL in the fake /proc/PID/cgroup. */
static void fake_proc_set(const char *pid, const char *ctrl, const char *rel)
{
	char dir[PATH_MAX], out[4096] = "";
	_cleanup_free_ char *cur = NULL;
	bool done = false;
	int id = 1;

	snprintf(dir, sizeof(dir), "%s/%s", fake_proc, pid);
	__real_mkdir(dir, 0755);
	cur = slurp(dir, "cgroup");
	for (char *t = cur ? strtok(cur, "\n") : NULL; t; t = strtok(NULL, "\n")) {
		char *c1 = strchr(t, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		id++;
		if (c2 && (size_t)(c2 - c1 - 1) == strlen(ctrl) && strncmp(c1 + 1, ctrl, strlen(ctrl)) == 0) {
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%.*s%s\n",
				 (int)(c2 - t + 1), t, rel);
			done = true;
		} else {
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", t);
		}
	}
	if (!done)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%d:%s:%s\n", *ctrl ? id : 0, ctrl, rel);
	put_file(dir, "cgroup", out, 0644);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	char link[64], path[PATH_MAX], dir[PATH_MAX], mount[PATH_MAX];
	const char *base;
	ssize_t l;

	if (!fake_root[0])
		return __real_write(fd, buf, n);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	l = readlink(link, path, sizeof(path) - 1);
	if (l < 0)
		return __real_write(fd, buf, n);
	path[l] = '\0';
	if (!under(path, fake_root))
		return __real_write(fd, buf, n);
	base = strrchr(path, '/') + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path - 1), path);
	if (strcmp(base, "cgroup.procs") == 0) {
		char pid[32];
		const char *ctrl;
		_cleanup_free_ char *cur = NULL;
		char out[4096];

		snprintf(pid, sizeof(pid), "%.*s", (int)n, (const char *)buf);
		ctrl = hier_of(path, mount, sizeof(mount));
		if (fake_ignore_moves || (fake_ignore_ctrl && strcmp(ctrl, fake_ignore_ctrl) == 0))
			return (ssize_t)n;
		unlist(mount, pid);
		cur = slurp(dir, "cgroup.procs");
		snprintf(out, sizeof(out), "%s%s%s\n", cur ? cur : "", cur && *cur ? "\n" : "", pid);
		put_file(dir, "cgroup.procs", out, 0644);
		fake_proc_set(pid, ctrl, strcmp(dir, mount) == 0 ? "/" : dir + strlen(mount));
		return (ssize_t)n;
	}
	if (strcmp(base, "cgroup.subtree_control") == 0) {
		_cleanup_free_ char *cur = slurp(dir, "cgroup.subtree_control");
		char req[256], out[256];

		snprintf(out, sizeof(out), "%s", cur ? cur : "");
		snprintf(req, sizeof(req), "%.*s", (int)n, (const char *)buf);
		for (char *t = strtok(req, " "); t; t = strtok(NULL, " ")) {
			if (t[0] == '+' && !sbx_cg_list_has(out, t + 1))
				snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", *out ? " " : "", t + 1);
		}
		put_file(dir, "cgroup.subtree_control", out, 0644);
		/* the children get the controllers' files */
		{
			DIR *d = opendir(dir);
			struct dirent *de;

			while (d && (de = readdir(d))) {
				char sub[PATH_MAX];

				if (de->d_type != DT_DIR || de->d_name[0] == '.')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
				populate(sub);
			}
			if (d)
				closedir(d);
		}
		return (ssize_t)n;
	}
	/* kernel files are replaced by each write, not appended to */
	if (ftruncate(fd, 0) < 0)
		return -1;
	return pwrite(fd, buf, n, 0);
}

/* ---- fixtures ------------------------------------------------------------- */

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char p[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR)
			rm_rf(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	__real_rmdir(path);
}

static int setup(void **state)
{
	snprintf(fake_tmp, sizeof(fake_tmp), "%s/test_cgroup.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fake_tmp))
		return -1;
	snprintf(fake_root, sizeof(fake_root), "%s/cg", fake_tmp);
	snprintf(fake_proc, sizeof(fake_proc), "%s/proc", fake_tmp);
	snprintf(fake_run, sizeof(fake_run), "%s/run", fake_tmp);
	__real_mkdir(fake_proc, 0755);
	__real_mkdir(fake_run, 0755);
	__real_mkdir(fake_root, 0755);
	fake_v2[0] = '\0';
	fake_no_swap = fake_no_blkio_weight = fake_ignore_moves = false;
	fake_readonly = NULL;
	fake_ignore_ctrl = NULL;
	/* the test process itself: in the root cgroup everywhere */
	fake_proc_set("self", "", "/");
	return 0;
}

static int teardown(void **state)
{
	char root[PATH_MAX];

	snprintf(root, sizeof(root), "%s", fake_tmp);
	fake_root[0] = '\0';
	rm_rf(root);
	return 0;
}

/* A v2 hierarchy at MOUNT (fake_root itself, or fake_root/unified) with
 * the controllers AVAIL. */
static void make_v2(const char *mount, const char *avail)
{
	__real_mkdir(mount, 0755);
	snprintf(fake_v2, sizeof(fake_v2), "%s", mount);
	put_file(mount, "cgroup.controllers", avail, 0444);
	put_file(mount, "cgroup.subtree_control", "", 0644);
	put_file(mount, "cgroup.procs", "1\n", 0644);
}

/* v1 hierarchies for CTRLS (NULL-terminated). */
static void make_v1(const char *const *ctrls)
{
	for (; *ctrls; ctrls++) {
		char d[PATH_MAX];

		snprintf(d, sizeof(d), "%s/%s", fake_root, *ctrls);
		__real_mkdir(d, 0755);
		put_file(d, "cgroup.procs", "1\n", 0644);
		put_file(d, "tasks", "1\n", 0644);
		fake_proc_set("self", *ctrls, "/");
	}
}

static const char *const all_v1[] = { "memory", "pids", "cpu", "cpuacct", "blkio", "freezer", NULL };

static struct sbx_cgroup_env env_for(enum sbx_cgroup_driver d)
{
	struct sbx_cgroup_env env = {
		.root = fake_root, .proc_root = fake_proc, .run_root = fake_run, .driver = d,
	};
	return env;
}

static char *at(const char *rel)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", fake_root, rel);
	return p;
}

static bool exists(const char *rel)
{
	return access(at(rel), F_OK) == 0;
}

static void assert_file(const char *rel_dir, const char *file, const char *want)
{
	_cleanup_free_ char *s = slurp(at(rel_dir), file);

	if (!s)
		fail_msg("%s/%s missing", rel_dir, file);
	if (strcmp(s, want) != 0)
		fail_msg("%s/%s is \"%s\", expected \"%s\"", rel_dir, file, s, want);
}

static void set_limit(struct sbx_limits *l, enum sbx_limit k, uint64_t v)
{
	l->value[k] = v;
	l->set |= 1u << k;
}

/* ---- detection ---------------------------------------------------------- */

static void test_detect(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	enum sbx_cgroup_kind k;
	char d[PATH_MAX];

	/* nothing: none; cgroupfs asked for explicitly: an error */
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_NONE);
	env.driver = SBX_CGROUP_CGROUPFS;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), -ENOENT);
	assert_non_null(strstr(sbx_error_text(&err), "no cgroup v2 controllers"));
	sbx_error_clear(&err);

	/* hybrid: controller-less unified + v1 (this machine) -> v1 */
	snprintf(d, sizeof(d), "%s/unified", fake_root);
	make_v2(d, "");
	make_v1(all_v1);
	env.driver = SBX_CGROUP_AUTO;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V1);
	/* ... also when it has only controllers no limit uses (this machine) */
	put_file(d, "cgroup.controllers", "hugetlb", 0444);
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V1);

	/* the unified hierarchy gets controllers -> v2 */
	put_file(d, "cgroup.controllers", "memory pids", 0444);
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V2);
	env.driver = SBX_CGROUP_CGROUPFS;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V2);

	/* none asked for: none, whatever the host has */
	env.driver = SBX_CGROUP_NONE;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_NONE);

	/* systemd as pid 1 wins for auto */
	snprintf(d, sizeof(d), "%s/systemd", fake_run);
	__real_mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/systemd/system", fake_run);
	__real_mkdir(d, 0755);
	env.driver = SBX_CGROUP_AUTO;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_SYSTEMD);
	env.driver = SBX_CGROUP_CGROUPFS;
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V2);
	sbx_error_clear(&err);
}

static void test_detect_pure_v2(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	enum sbx_cgroup_kind k;

	make_v2(fake_root, "cpuset cpu io memory pids");
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V2);
	/* v1 only */
	teardown(state);
	setup(state);
	make_v1((const char *const[]){ "pids", NULL });
	assert_int_equal(sbx_cgroup_detect(&env, &k, &err), 0);
	assert_int_equal(k, SBX_CGKIND_V1);
}

/* A login detects once (sbx_cgroup_env_detect) and the handles it opens use
 * that answer: the host is not examined again for them. */
static void test_env_detect_once(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;
	char d[PATH_MAX];

	(void)state;
	make_v2(fake_root, "cpuset cpu io memory pids");
	assert_int_equal(sbx_cgroup_env_detect(&env, &err), 0);
	assert_true(env.detected);
	assert_int_equal(env.kind, SBX_CGKIND_V2);
	/* systemd appears afterwards: the handle still takes the recorded v2
	 * (a second detection would pick systemd) */
	snprintf(d, sizeof(d), "%s/systemd", fake_run);
	__real_mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/systemd/system", fake_run);
	__real_mkdir(d, 0755);
	if (sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_int_equal(sbx_cgroup_kind(cg), SBX_CGKIND_V2);
	sbx_cgroup_free(cg);
	sbx_error_clear(&err);
}

/* ---- v2 ------------------------------------------------------------------- */

static void test_v2_limits(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_CGROUPFS);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;

	make_v2(fake_root, "cpuset cpu io memory pids");
	set_limit(&lim, SBX_LIMIT_MEMORY, 512ull << 20);
	set_limit(&lim, SBX_LIMIT_MEMORY_HIGH, 256ull << 20);
	set_limit(&lim, SBX_LIMIT_SWAP, 0);
	set_limit(&lim, SBX_LIMIT_PIDS, 100);
	set_limit(&lim, SBX_LIMIT_CPUS, 500);
	set_limit(&lim, SBX_LIMIT_IO_WEIGHT, 200);
	if (sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_true(sbx_cgroup_created(cg));
	assert_int_equal(sbx_cgroup_kind(cg), SBX_CGKIND_V2);
	assert_string_equal(sbx_cgroup_path(cg), "/pam_sandbox/user-1001");
	assert_file("pam_sandbox/user-1001", "memory.max", "536870912");
	assert_file("pam_sandbox/user-1001", "memory.high", "268435456");
	assert_file("pam_sandbox/user-1001", "memory.swap.max", "0");
	assert_file("pam_sandbox/user-1001", "pids.max", "100");
	assert_file("pam_sandbox/user-1001", "cpu.max", "50000 100000");
	assert_file("pam_sandbox/user-1001", "io.weight", "default 200");
	/* enabled from the top down to the user's cgroup, not beyond */
	assert_file("", "cgroup.subtree_control", "memory pids cpu io");
	assert_file("pam_sandbox", "cgroup.subtree_control", "memory pids cpu io");
	assert_file("pam_sandbox/user-1001", "cgroup.subtree_control", "memory pids cpu io");
	assert_int_equal(sbx_cgroup_skipped(cg), 0);
	sbx_cgroup_free(cg);

	/* idempotent: a second login reuses and rewrites; an unset limit
	 * goes back to unlimited */
	lim.set &= ~(1u << SBX_LIMIT_PIDS);
	lim.value[SBX_LIMIT_CPUS] = 1500;
	if (sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_false(sbx_cgroup_created(cg));
	assert_file("pam_sandbox/user-1001", "cpu.max", "150000 100000");
	assert_file("pam_sandbox/user-1001", "pids.max", "max");
	assert_file("", "cgroup.subtree_control", "memory pids cpu io");
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	assert_false(exists("pam_sandbox/user-1001"));
	sbx_cgroup_free(cg);
}

static void test_v2_missing_controller(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;

	make_v2(fake_root, "memory pids");
	set_limit(&lim, SBX_LIMIT_MEMORY, 1ull << 30);
	set_limit(&lim, SBX_LIMIT_CPUS, 2000);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_null(cg);
	assert_non_null(strstr(sbx_error_text(&err), "limit cpus: the cpu controller is not available"));
	assert_non_null(strstr(sbx_error_text(&err), "limits.optional"));
	assert_false(exists("pam_sandbox"));
	sbx_error_clear(&err);

	/* optional: skipped, reported, the rest applied */
	lim.optional = 1u << SBX_LIMIT_CPUS;
	if (sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_int_equal(sbx_cgroup_skipped(cg), 1u << SBX_LIMIT_CPUS);
	assert_file("pam_sandbox/user-1001", "memory.max", "1073741824");
	assert_false(exists("pam_sandbox/user-1001/cpu.max"));
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);
}

static void test_v2_missing_swap(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;

	make_v2(fake_root, "memory pids");
	fake_no_swap = true;
	set_limit(&lim, SBX_LIMIT_SWAP, 0);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -ENOENT);
	assert_non_null(strstr(sbx_error_text(&err), "memory.swap.max: missing"));
	assert_false(exists("pam_sandbox"));
	sbx_error_clear(&err);
	lim.optional = 1u << SBX_LIMIT_SWAP;
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), 0);
	assert_int_equal(sbx_cgroup_skipped(cg), 1u << SBX_LIMIT_SWAP);
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);
}

/* Root writes through mode bits: drop the capabilities that allow it. */
static void dac_override(bool on)
{
	cap_t caps = cap_get_proc();
	cap_value_t v[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH };

	assert_non_null(caps);
	assert_int_equal(cap_set_flag(caps, CAP_EFFECTIVE, 2, v, on ? CAP_SET : CAP_CLEAR), 0);
	if (geteuid() == 0)
		assert_int_equal(cap_set_proc(caps), 0);
	cap_free(caps);
}

static void test_v2_readonly_file(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;
	int r;

	make_v2(fake_root, "memory pids");
	fake_readonly = "pids.max";
	set_limit(&lim, SBX_LIMIT_MEMORY, 1ull << 30);
	set_limit(&lim, SBX_LIMIT_PIDS, 50);
	dac_override(false);
	r = sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err);
	dac_override(true);
	assert_int_equal(r, -EACCES);
	assert_non_null(strstr(sbx_error_text(&err), "limit pids: cannot write \"50\""));
	assert_non_null(strstr(sbx_error_text(&err), "read-only"));
	/* nothing left: not the user's cgroup, not the parent */
	assert_false(exists("pam_sandbox"));
	sbx_error_clear(&err);
}

static void test_v2_placement(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;
	struct sbx_cgroup_usage u;
	_cleanup_free_ char *procs = NULL;

	make_v2(fake_root, "memory pids");
	__wrap_mkdir(at("elsewhere"), 0755);
	fake_proc_set("4242", "", "/elsewhere");
	put_file(at("elsewhere"), "cgroup.procs", "4242\n", 0644);
	if (sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	if (sbx_cgroup_attach_session(cg, "7", 4242, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_file("pam_sandbox/user-1001/session-7", "cgroup.procs", "4242");
	assert_file("elsewhere", "cgroup.procs", "");
	/* a second session of the same id is refused */
	assert_int_equal(sbx_cgroup_attach_session(cg, "7", 4242, &err), -EEXIST);
	sbx_error_clear(&err);
	/* bad ids never reach the filesystem */
	assert_int_equal(sbx_cgroup_attach_session(cg, "../x", 4242, &err), -EINVAL);
	assert_int_equal(sbx_cgroup_attach_session(cg, "", 4242, &err), -EINVAL);
	sbx_error_clear(&err);

	/* session list and usage */
	{
		_cleanup_strv_free_ char **ids = NULL;

		assert_int_equal(sbx_cgroup_sessions(cg, &ids, &err), 0);
		assert_non_null(ids[0]);
		assert_string_equal(ids[0], "7");
		assert_null(ids[1]);
	}
	put_file(at("pam_sandbox/user-1001/session-7"), "memory.current", "1000\n", 0644);
	put_file(at("pam_sandbox/user-1001/session-7"), "memory.peak", "2000\n", 0644);
	put_file(at("pam_sandbox/user-1001/session-7"), "pids.current", "3\n", 0644);
	put_file(at("pam_sandbox/user-1001/session-7"), "cpu.stat", "usage_usec 5000\nuser_usec 4000\n", 0644);
	put_file(at("pam_sandbox/user-1001/session-7"), "memory.events",
		 "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\n", 0644);
	/* close: moved back, usage read, cgroup gone */
	if (sbx_cgroup_session_close(cg, "7", &u, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_int_equal(u.known, SBX_CGUSE_MEM_CURRENT | SBX_CGUSE_MEM_PEAK | SBX_CGUSE_PIDS |
					  SBX_CGUSE_CPU_USEC | SBX_CGUSE_OOM_KILLS);
	assert_int_equal(u.mem_current, 1000);
	assert_int_equal(u.mem_peak, 2000);
	assert_int_equal(u.pids, 3);
	assert_int_equal(u.cpu_usec, 5000);
	assert_int_equal(u.oom_kills, 2);
	assert_file("elsewhere", "cgroup.procs", "4242");
	assert_false(exists("pam_sandbox/user-1001/session-7"));
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	assert_false(exists("pam_sandbox/user-1001"));
	sbx_cgroup_free(cg);
}

static void test_v2_placement_not_verified(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;

	make_v2(fake_root, "memory pids");
	fake_proc_set("4242", "", "/elsewhere");
	if (sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	/* the kernel "accepts" the write but the process stays put */
	fake_ignore_moves = true;
	assert_int_equal(sbx_cgroup_attach_session(cg, "9", 4242, &err), -EIO);
	assert_non_null(strstr(sbx_error_text(&err), "placement of pid 4242 did not happen"));
	assert_non_null(strstr(sbx_error_text(&err), "\"/elsewhere\", expected \"/pam_sandbox/user-1001/session-9\""));
	assert_false(exists("pam_sandbox/user-1001/session-9"));
	sbx_error_clear(&err);
	/* a process that does not exist */
	fake_ignore_moves = false;
	assert_int_equal(sbx_cgroup_attach_init(cg, 999999, &err), -ESRCH);
	assert_false(exists("pam_sandbox/user-1001/init"));
	sbx_error_clear(&err);
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);
}

static void test_v2_init_and_kill_guard(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;
	char self[32];

	make_v2(fake_root, "memory pids");
	snprintf(self, sizeof(self), "%d", (int)getpid());
	fake_proc_set(self, "", "/");
	if (sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	/* fake placement of this very process: the files only */
	if (sbx_cgroup_attach_init(cg, getpid(), &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_file("pam_sandbox/user-1001/init", "cgroup.procs", self);
	assert_int_equal(sbx_cgroup_user_kill(cg, &err), -EDEADLK);
	assert_non_null(strstr(sbx_error_text(&err), "is inside: move it out first"));
	sbx_error_clear(&err);
	/* busy: not removed */
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), -EBUSY);
	assert_true(exists("pam_sandbox/user-1001/init"));
	sbx_error_clear(&err);
	put_file(at("pam_sandbox/user-1001/init"), "cgroup.procs", "", 0644);
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);
}

static void test_v2_below_self(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;

	make_v2(fake_root, "memory pids");
	__wrap_mkdir(at("a"), 0755);
	__wrap_mkdir(at("a/b"), 0755);
	fake_proc_set("self", "", "/a/b");
	env.parent_below_self = true;
	env.parent = "t/x";
	if (sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_string_equal(sbx_cgroup_path(cg), "/a/b/t/x/user-1001");
	assert_true(exists("a/b/t/x/user-1001/cgroup.procs"));
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);
	/* an invalid parent */
	env.parent = "../up";
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err), -EINVAL);
	sbx_error_clear(&err);
}

static void test_gc(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	unsigned removed = 99;

	make_v2(fake_root, "memory pids");
	assert_int_equal(sbx_cgroup_gc(&env, &removed, &err), 0); /* no parent yet */
	assert_int_equal(removed, 0);
	__wrap_mkdir(at("pam_sandbox"), 0755);
	__wrap_mkdir(at("pam_sandbox/user-1001"), 0755);
	__wrap_mkdir(at("pam_sandbox/user-1001/session-1"), 0755);
	__wrap_mkdir(at("pam_sandbox/user-1001/init"), 0755);
	__wrap_mkdir(at("pam_sandbox/user-1002"), 0755);
	__wrap_mkdir(at("pam_sandbox/user-1002/session-2"), 0755);
	put_file(at("pam_sandbox/user-1002/session-2"), "cgroup.procs", "4242\n", 0644);
	__wrap_mkdir(at("pam_sandbox/other"), 0755);
	assert_int_equal(sbx_cgroup_gc(&env, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_false(exists("pam_sandbox/user-1001"));
	assert_true(exists("pam_sandbox/user-1002/session-2"));
	assert_true(exists("pam_sandbox/other")); /* not ours */
}

/* ---- v1 -------------------------------------------------------------------- */

static void test_v1_limits(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;
	struct sbx_cgroup_usage u;

	make_v1(all_v1);
	set_limit(&lim, SBX_LIMIT_MEMORY, 512ull << 20);
	set_limit(&lim, SBX_LIMIT_MEMORY_HIGH, 256ull << 20);
	set_limit(&lim, SBX_LIMIT_SWAP, 256ull << 20);
	set_limit(&lim, SBX_LIMIT_PIDS, 100);
	set_limit(&lim, SBX_LIMIT_CPUS, 500);
	set_limit(&lim, SBX_LIMIT_IO_WEIGHT, 100);
	if (sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	assert_int_equal(sbx_cgroup_kind(cg), SBX_CGKIND_V1);
	assert_string_equal(sbx_cgroup_path(cg), "/pam_sandbox/user-1001");
	assert_file("memory/pam_sandbox/user-1001", "memory.limit_in_bytes", "536870912");
	assert_file("memory/pam_sandbox/user-1001", "memory.soft_limit_in_bytes", "268435456");
	assert_file("memory/pam_sandbox/user-1001", "memory.memsw.limit_in_bytes", "805306368");
	assert_file("pids/pam_sandbox/user-1001", "pids.max", "100");
	assert_file("cpu/pam_sandbox/user-1001", "cpu.cfs_period_us", "100000");
	assert_file("cpu/pam_sandbox/user-1001", "cpu.cfs_quota_us", "50000");
	assert_file("blkio/pam_sandbox/user-1001", "blkio.weight", "500");
	assert_true(exists("freezer/pam_sandbox/user-1001/freezer.state"));
	assert_true(exists("cpuacct/pam_sandbox/user-1001"));

	/* placement in every hierarchy, verified per hierarchy */
	for (const char *const *c = all_v1; *c; c++)
		fake_proc_set("4242", *c, "/");
	if (sbx_cgroup_attach_session(cg, "3", 4242, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	for (const char *const *c = all_v1; *c; c++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "%s/pam_sandbox/user-1001/session-3", *c);
		assert_file(rel, "cgroup.procs", "4242");
	}
	put_file(at("memory/pam_sandbox/user-1001"), "memory.usage_in_bytes", "111\n", 0644);
	put_file(at("memory/pam_sandbox/user-1001"), "memory.max_usage_in_bytes", "222\n", 0644);
	put_file(at("memory/pam_sandbox/user-1001"), "memory.oom_control",
		 "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", 0644);
	put_file(at("pids/pam_sandbox/user-1001"), "pids.current", "4\n", 0644);
	put_file(at("cpuacct/pam_sandbox/user-1001"), "cpuacct.usage", "7000000\n", 0644);
	assert_int_equal(sbx_cgroup_usage(cg, NULL, &u, &err), 0);
	assert_int_equal(u.known, SBX_CGUSE_MEM_CURRENT | SBX_CGUSE_MEM_PEAK | SBX_CGUSE_PIDS |
					  SBX_CGUSE_CPU_USEC | SBX_CGUSE_OOM_KILLS);
	assert_int_equal(u.mem_current, 111);
	assert_int_equal(u.mem_peak, 222);
	assert_int_equal(u.oom_kills, 3);
	assert_int_equal(u.pids, 4);
	assert_int_equal(u.cpu_usec, 7000);
	assert_int_equal(sbx_cgroup_session_close(cg, "3", NULL, &err), 0);
	assert_file("pids", "cgroup.procs", "1\n4242");
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	for (const char *const *c = all_v1; *c; c++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "%s/pam_sandbox/user-1001", *c);
		assert_false(exists(rel));
	}
	sbx_cgroup_free(cg);
}

static void test_v1_placement_one_hierarchy_fails(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_cgroup *cg = NULL;

	make_v1(all_v1);
	for (const char *const *c = all_v1; *c; c++)
		fake_proc_set("4242", *c, "/");
	if (sbx_cgroup_user_open(&env, 1001, NULL, &cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	/* the move in the freezer hierarchy does not happen */
	fake_ignore_ctrl = "freezer";
	assert_int_equal(sbx_cgroup_attach_session(cg, "3", 4242, &err), -EIO);
	assert_non_null(strstr(sbx_error_text(&err),
			       "its freezer cgroup is \"/\", expected \"/pam_sandbox/user-1001/session-3\""));
	fake_ignore_ctrl = NULL;
	sbx_error_clear(&err);
	/* /proc/PID/cgroup lacks the freezer line: not verifiable either */
	{
		char d[PATH_MAX];

		snprintf(d, sizeof(d), "%s/4242", fake_proc);
		put_file(d, "cgroup", "8:pids:/\n7:memory:/\n6:cpu:/\n5:cpuacct:/\n4:blkio:/\n", 0644);
	}
	fake_ignore_ctrl = "freezer";
	assert_int_equal(sbx_cgroup_attach_session(cg, "3", 4242, &err), -EIO);
	assert_non_null(strstr(sbx_error_text(&err), "has no freezer hierarchy line"));
	/* moved back, and no session cgroup anywhere */
	for (const char *const *c = all_v1; *c; c++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "%s/pam_sandbox/user-1001/session-3", *c);
		assert_false(exists(rel));
	}
	assert_file("memory", "cgroup.procs", "1\n4242");
	sbx_error_clear(&err);
	if (sbx_cgroup_user_remove(cg, &err) < 0)
		fail_msg("%s", sbx_error_text(&err));
	sbx_cgroup_free(cg);
}

static void test_v1_missing(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_AUTO);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;

	/* no blkio hierarchy at all */
	make_v1((const char *const[]){ "memory", "pids", "cpu", NULL });
	set_limit(&lim, SBX_LIMIT_PIDS, 10);
	set_limit(&lim, SBX_LIMIT_IO_WEIGHT, 100);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_non_null(strstr(sbx_error_text(&err), "limit io_weight: the cgroup v1 blkio controller is not mounted"));
	assert_false(exists("pids/pam_sandbox"));
	sbx_error_clear(&err);

	/* blkio mounted but without a weight file (no CFQ/BFQ: this machine) */
	make_v1((const char *const[]){ "blkio", NULL });
	fake_no_blkio_weight = true;
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_non_null(strstr(sbx_error_text(&err), "blkio.weight: missing"));
	assert_false(exists("pids/pam_sandbox"));
	assert_false(exists("blkio/pam_sandbox"));
	sbx_error_clear(&err);
	lim.optional = 1u << SBX_LIMIT_IO_WEIGHT;
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), 0);
	assert_int_equal(sbx_cgroup_skipped(cg), 1u << SBX_LIMIT_IO_WEIGHT);
	assert_file("pids/pam_sandbox/user-1001", "pids.max", "10");
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	sbx_cgroup_free(cg);

	/* swap without memsw (swapaccount=0), and swap without memory */
	fake_no_swap = true;
	lim = (struct sbx_limits){ .set = 0 };
	set_limit(&lim, SBX_LIMIT_MEMORY, 1ull << 30);
	set_limit(&lim, SBX_LIMIT_SWAP, 1ull << 30);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_non_null(strstr(sbx_error_text(&err), "memory.memsw.limit_in_bytes: missing"));
	assert_false(exists("memory/pam_sandbox/user-1001"));
	sbx_error_clear(&err);
	fake_no_swap = false;
	lim.set &= ~(1u << SBX_LIMIT_MEMORY);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_non_null(strstr(sbx_error_text(&err), "only limit swap together with memory"));
	assert_false(exists("memory/pam_sandbox/user-1001"));
	sbx_error_clear(&err);
}

static void test_v1_blkio_mapping(void **state)
{
	assert_int_equal(sbx_cg_v1_blkio_weight(1), 10);
	assert_int_equal(sbx_cg_v1_blkio_weight(2), 10);
	assert_int_equal(sbx_cg_v1_blkio_weight(100), 500); /* defaults match */
	assert_int_equal(sbx_cg_v1_blkio_weight(150), 750);
	assert_int_equal(sbx_cg_v1_blkio_weight(200), 1000);
	assert_int_equal(sbx_cg_v1_blkio_weight(10000), 1000);
	assert_int_equal(sbx_cg_v1_blkio_weight(UINT64_MAX), 1000);
}

static void test_pure_helpers(void **state)
{
	_cleanup_free_ char *a = sbx_cg_v2_cpu_max(500);
	_cleanup_free_ char *b = sbx_cg_v2_cpu_max(SBX_UNLIMITED);
	_cleanup_free_ char *c = sbx_cg_join("/sys/fs/cgroup/", "/x/y");
	_cleanup_free_ char *d = sbx_cg_join("/", "x");

	assert_string_equal(a, "50000 100000");
	assert_string_equal(b, "max 100000");
	assert_string_equal(c, "/sys/fs/cgroup/x/y");
	assert_string_equal(d, "/x");
	assert_true(sbx_cg_id_ok("c12.a_b-3"));
	assert_false(sbx_cg_id_ok("a/b"));
	assert_false(sbx_cg_id_ok(".."));
	assert_false(sbx_cg_id_ok("12345678901234567890123456789012345678901234567890123456789012345"));
	assert_true(sbx_cg_parent_ok("pam_sandbox"));
	assert_true(sbx_cg_parent_ok("/a/b"));
	assert_false(sbx_cg_parent_ok("a/../b"));
	assert_false(sbx_cg_parent_ok("a b"));
	assert_false(sbx_cg_parent_ok(""));
	assert_true(sbx_cg_list_has("cpu io memory", "io"));
	assert_false(sbx_cg_list_has("cpuset", "cpu"));
}

/* ---- none, systemd -------------------------------------------------------- */

static void test_none(void **state)
{
	struct sbx_cgroup_env env = env_for(SBX_CGROUP_NONE);
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cgroup *cg = NULL;

	make_v1(all_v1);
	set_limit(&lim, SBX_LIMIT_PIDS, 10);
	set_limit(&lim, SBX_LIMIT_MEMORY, 10);
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), -EOPNOTSUPP);
	assert_int_equal(err.count, 2);
	assert_non_null(strstr(sbx_error_text(&err), "limit pids is set but no cgroup driver can enforce it"));
	sbx_error_clear(&err);
	lim.optional = lim.set;
	assert_int_equal(sbx_cgroup_user_open(&env, 1001, &lim, &cg, &err), 0);
	assert_int_equal(sbx_cgroup_skipped(cg), lim.set);
	assert_int_equal(sbx_cgroup_attach_session(cg, "1", getpid(), &err), 0);
	assert_int_equal(sbx_cgroup_session_close(cg, "1", NULL, &err), 0);
	assert_int_equal(sbx_cgroup_user_kill(cg, &err), 0);
	assert_int_equal(sbx_cgroup_user_remove(cg, &err), 0);
	assert_false(exists("pids/pam_sandbox"));
	sbx_cgroup_free(cg);
}

static void test_systemd_props(void **state)
{
	struct sbx_limits lim = { .set = 0 };
	struct sbx_cg_sd_prop p[SBX_LIMIT__MAX];
	size_t n;

	assert_int_equal(sbx_cg_systemd_props(&lim, p), 0);
	set_limit(&lim, SBX_LIMIT_MEMORY, 1ull << 30);
	set_limit(&lim, SBX_LIMIT_PIDS, SBX_UNLIMITED);
	set_limit(&lim, SBX_LIMIT_CPUS, 500);
	set_limit(&lim, SBX_LIMIT_IO_WEIGHT, 20000);
	n = sbx_cg_systemd_props(&lim, p);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].name, "MemoryMax");
	assert_int_equal(p[0].value, 1ull << 30);
	assert_string_equal(p[1].name, "TasksMax");
	assert_true(p[1].value == UINT64_MAX);
	assert_string_equal(p[2].name, "CPUQuotaPerSecUSec");
	assert_int_equal(p[2].value, 500000); /* half a second of cpu per second */
	assert_string_equal(p[3].name, "IOWeight");
	assert_int_equal(p[3].value, 10000);
}

static void test_systemd_pam_data(void **state)
{
	struct sbx_limits lim = { .set = 0 };
	struct sbx_error err = SBX_ERROR_INIT;
	_cleanup_strv_free_ char **kv = NULL, **empty = NULL;

	assert_int_equal(sbx_cgroup_systemd_pam_data(&lim, &empty, &err), 0);
	assert_null(empty[0]);
	set_limit(&lim, SBX_LIMIT_MEMORY, 512ull << 20);
	set_limit(&lim, SBX_LIMIT_PIDS, SBX_UNLIMITED);
	set_limit(&lim, SBX_LIMIT_IO_WEIGHT, 300);
	set_limit(&lim, SBX_LIMIT_CPUS, 500); /* no per-session equivalent */
	assert_int_equal(sbx_cgroup_systemd_pam_data(&lim, &kv, &err), 0);
	assert_string_equal(kv[0], "systemd.memory_max");
	assert_string_equal(kv[1], "536870912");
	assert_string_equal(kv[2], "systemd.tasks_max");
	assert_string_equal(kv[3], "infinity");
	assert_string_equal(kv[4], "systemd.io_weight");
	assert_string_equal(kv[5], "300");
	assert_null(kv[6]);
}

static void test_systemd_order(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;

	fake_proc_set("4242", "", "/user.slice/user-1001.slice/session-12.scope");
	assert_int_equal(sbx_cgroup_systemd_check_order(NULL, fake_proc, 4242, &err), 0);
	assert_int_equal(sbx_cgroup_systemd_check_order("", fake_proc, 4242, &err), 0);
	assert_int_equal(sbx_cgroup_systemd_check_order("12", fake_proc, 4242, &err), -EINVAL);
	assert_non_null(strstr(sbx_error_text(&err), "pam_systemd ran before pam_sandbox"));
	assert_non_null(strstr(sbx_error_text(&err), "session-12.scope"));
	assert_non_null(strstr(sbx_error_text(&err), "above pam_systemd.so"));
	sbx_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_pure_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_detect_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_readonly_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_placement_not_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_init_and_kill_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_below_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_placement_one_hierarchy_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_missing, setup, teardown),
		cmocka_unit_test(test_v1_blkio_mapping),
		cmocka_unit_test(test_pure_helpers),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test(test_systemd_props),
		cmocka_unit_test(test_systemd_pam_data),
		cmocka_unit_test_setup_teardown(test_systemd_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
