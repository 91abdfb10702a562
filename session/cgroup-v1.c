/* cgroupfs driver, cgroup v1 (legacy and hybrid hosts): the same tree
 *
 *   <root>/<ctrl>/<parent>/user-UID/{session-ID,init}
 *
 * in each controller hierarchy that is mounted (memory, pids, cpu, cpuacct,
 * blkio, freezer), limits on user-UID.  v1 has no "no internal processes"
 * rule, but the layout stays the v2 one so the drivers behave alike. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

/* The directory of the user's cgroup in the hierarchy of CTRL (a
 * co-mounted "cpu,cpuacct" answers for both), or NULL. */
static const char *v1_user_dir(struct sbx_cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n_h; i++)
		if (strcmp(cg->h[i].ctrl, ctrl) == 0)
			return cg->h[i].user;
	/* co-mounted: look for the controller's own files */
	for (size_t i = 0; i < cg->n_h; i++) {
		if (strcmp(ctrl, "cpu") == 0 && sbx_cg_exists(cg->h[i].mount, "cpu.cfs_quota_us"))
			return cg->h[i].user;
		if (strcmp(ctrl, "cpuacct") == 0 && sbx_cg_exists(cg->h[i].mount, "cpuacct.usage"))
			return cg->h[i].user;
	}
	return NULL;
}

static bool v1_have(struct sbx_cgroup *cg, const void *ctx, const char *ctrl)
{
	(void)ctx;
	return v1_user_dir(cg, ctrl) != NULL;
}

/* Write FILE in DIR; a missing file is -EOPNOTSUPP unless BIT is optional,
 * then it is skipped.  Returns 0 or a negative errno. */
static int put(struct sbx_cgroup *cg, const struct sbx_limits *lim, unsigned bit, const char *dir,
	       const char *file, const char *val, struct sbx_error *err)
{
	int r;

	if (!sbx_cg_exists(dir, file)) {
		if (lim->optional & bit) {
			cg->skipped |= bit;
			return 0;
		}
		return sbx_error_set(err, EOPNOTSUPP,
				     "%s/%s: missing, this kernel's v1 controller cannot enforce it "
				     "(list the limit in limits.optional to allow this)", dir, file);
	}
	r = sbx_cg_write(dir, file, val, err);
	return r;
}

/* Reset FILE in DIR to unlimited when it exists (a limit the role no
 * longer sets); failures are ignored. */
static void reset(const char *dir, const char *file, const char *val)
{
	struct sbx_error ignored = SBX_ERROR_INIT;

	if (dir && sbx_cg_exists(dir, file))
		(void)sbx_cg_write(dir, file, val, &ignored);
	sbx_error_clear(&ignored);
}

/* Write the limits into the user's cgroups.  Returns 0 or a negative errno. */
static int v1_apply(struct sbx_cgroup *cg, const struct sbx_limits *lim, unsigned apply,
		    struct sbx_error *err)
{
	const char *mem = v1_user_dir(cg, "memory");
	const char *pids = v1_user_dir(cg, "pids");
	const char *cpu = v1_user_dir(cg, "cpu");
	const char *blkio = v1_user_dir(cg, "blkio");
	char buf[32];
	int r;

	if (mem) {
		uint64_t m = (apply & (1u << SBX_LIMIT_MEMORY)) ? lim->value[SBX_LIMIT_MEMORY] : SBX_UNLIMITED;

		/* memsw >= limit at every step: open memsw up first */
		reset(mem, "memory.memsw.limit_in_bytes", "-1");
		r = sbx_cg_write(mem, "memory.limit_in_bytes", sbx_cg_fmt(buf, sizeof(buf), m, "-1"), err);
		if (r < 0)
			return sbx_error_prefix(err, "limit memory: ");
		if (apply & (1u << SBX_LIMIT_SWAP)) {
			uint64_t s = lim->value[SBX_LIMIT_SWAP], sw;
			unsigned bit = 1u << SBX_LIMIT_SWAP;

			if (m == SBX_UNLIMITED && s != SBX_UNLIMITED) {
				/* v1 limits memory+swap together: no sum without a memory limit */
				if (lim->optional & bit)
					cg->skipped |= bit;
				else
					return sbx_error_set(err, EOPNOTSUPP,
							     "limit swap: cgroup v1 can only limit swap together with memory "
							     "(set limits.memory, or list swap in limits.optional)");
			} else {
				sw = (s == SBX_UNLIMITED || m == SBX_UNLIMITED) ? SBX_UNLIMITED : m + s;
				r = put(cg, lim, bit, mem, "memory.memsw.limit_in_bytes",
					sbx_cg_fmt(buf, sizeof(buf), sw, "-1"), err);
				if (r < 0)
					return sbx_error_prefix(err, "limit swap: ");
			}
		}
		if (apply & (1u << SBX_LIMIT_MEMORY_HIGH)) {
			r = put(cg, lim, 1u << SBX_LIMIT_MEMORY_HIGH, mem, "memory.soft_limit_in_bytes",
				sbx_cg_fmt(buf, sizeof(buf), lim->value[SBX_LIMIT_MEMORY_HIGH], "-1"), err);
			if (r < 0)
				return sbx_error_prefix(err, "limit memory_high: ");
		} else {
			reset(mem, "memory.soft_limit_in_bytes", "-1");
		}
	}
	if (pids) {
		if (apply & (1u << SBX_LIMIT_PIDS)) {
			r = put(cg, lim, 1u << SBX_LIMIT_PIDS, pids, "pids.max",
				sbx_cg_fmt(buf, sizeof(buf), lim->value[SBX_LIMIT_PIDS], "max"), err);
			if (r < 0)
				return sbx_error_prefix(err, "limit pids: ");
		} else {
			reset(pids, "pids.max", "max");
		}
	}
	if (cpu) {
		if (apply & (1u << SBX_LIMIT_CPUS)) {
			uint64_t milli = lim->value[SBX_LIMIT_CPUS];
			unsigned bit = 1u << SBX_LIMIT_CPUS;

			r = put(cg, lim, bit, cpu, "cpu.cfs_period_us", "100000", err);
			if (r == 0 && !(cg->skipped & bit))
				r = put(cg, lim, bit, cpu, "cpu.cfs_quota_us",
					milli == SBX_UNLIMITED ? "-1" : sbx_cg_fmt(buf, sizeof(buf), milli * 100, "-1"),
					err);
			if (r < 0)
				return sbx_error_prefix(err, "limit cpus: ");
		} else {
			reset(cpu, "cpu.cfs_quota_us", "-1");
		}
	}
	if (blkio) {
		if (apply & (1u << SBX_LIMIT_IO_WEIGHT)) {
			const char *file = sbx_cg_exists(blkio, "blkio.weight") ? "blkio.weight" :
					   sbx_cg_exists(blkio, "blkio.bfq.weight") ? "blkio.bfq.weight" :
					   "blkio.weight";
			uint64_t w = sbx_cg_v1_blkio_weight(lim->value[SBX_LIMIT_IO_WEIGHT]);

			r = put(cg, lim, 1u << SBX_LIMIT_IO_WEIGHT, blkio, file,
				sbx_cg_fmt(buf, sizeof(buf), w, "500"), err);
			if (r < 0)
				return sbx_error_prefix(err, "limit io_weight: ");
		}
	}
	return 0;
}

/* Create (or reuse) the user's cgroup in every hierarchy, write limits.
 * Returns 0 or a negative errno; on failure the directories created here
 * are removed. */
static int v1_user_open(struct sbx_cgroup *cg, const struct sbx_limits *lim,
			struct sbx_error *err)
{
	_cleanup_strv_free_ char **created = NULL;
	unsigned apply = 0;
	int r;

	r = sbx_cg_limits_available(cg, lim, true, v1_have, NULL, cg->root, &apply, err);
	if (r < 0)
		return r;

	for (size_t i = 0; i < cg->n_h; i++) {
		bool made = false;

		r = sbx_cg_mkdir_p(cg->h[i].mount, cg->h[i].base_rel, &created, err);
		if (r < 0)
			goto fail;
		r = sbx_cg_mkdir(cg->h[i].user, &made, err);
		if (r < 0)
			goto fail;
		if (made) {
			if (i == 0)
				cg->created = true;
			if (sbx_cg_strv_push(&created, strdup(cg->h[i].user)) < 0) {
				r = sbx_error_set(err, ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
	r = v1_apply(cg, lim, apply, err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	cg->created = false;
	sbx_cg_rollback(TAKE_PTR(created));
	return r;
}

/* Freeze (or thaw) the user's cgroup in the freezer hierarchy and wait for
 * the state, bounded: a frozen group cannot fork while its pids are read
 * and killed.  Without a freezer this does nothing. */
static void v1_freeze(struct sbx_cgroup *cg, bool on)
{
	const char *dir = v1_user_dir(cg, "freezer");
	struct sbx_error ignored = SBX_ERROR_INIT;
	const char *want = on ? "FROZEN" : "THAWED";

	if (!dir)
		return;
	if (sbx_cg_write(dir, "freezer.state", want, &ignored) == 0 && on) {
		for (int i = 0; i < 100; i++) {
			_cleanup_free_ char *state = NULL;

			if (sbx_cg_read(dir, "freezer.state", &state) < 0 || strcmp(state, want) == 0)
				break;
			sbx_cg_sleep_ms(5);
		}
	}
	sbx_error_clear(&ignored);
}

/* Freeze, SIGKILL every pid, thaw (frozen tasks die only once thawed),
 * until every hierarchy is empty; bounded to about 5 s.  Returns 0,
 * -EDEADLK, -ETIMEDOUT, or a negative errno. */
static int v1_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	uint64_t deadline = sbx_cg_now_ms() + 5000;

	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r;

		v1_freeze(cg, true);
		r = sbx_cg_fs_user_pids(cg, &pids, &n, err);
		if (r < 0) {
			v1_freeze(cg, false);
			return r;
		}
		sbx_cg_fs_kill_pids(pids, n);
		v1_freeze(cg, false);
		if (n == 0)
			return 0;
		if (sbx_cg_now_ms() > deadline)
			return sbx_error_set(err, ETIMEDOUT, "%zu processes still alive after 5 s", n);
		sbx_cg_sleep_ms(10);
	}
}

const struct sbx_cg_ops sbx_cg_ops_v1 = {
	.name = "cgroupfs-v1",
	.user_open = v1_user_open,
	.attach = sbx_cg_fs_attach,
	.leaf_close = sbx_cg_fs_leaf_close,
	.usage = sbx_cg_fs_usage,
	.kill = v1_kill,
	.user_remove = sbx_cg_fs_user_remove,
};
