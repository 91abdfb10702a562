/* What the two cgroupfs drivers (v1 and v2) share: placement with
 * verification, closing a leaf, removal, usage and the pid-collection part
 * of killing.  On v2 there is one hierarchy, on v1 one per controller; the
 * code walks cg->h[] either way. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

/* Put PID into <user>/LEAF in every hierarchy and check /proc/PID/cgroup.
 * A "session-*" leaf remembers where PID was, for sbx_cg_fs_leaf_close().
 * On failure PID is moved back and the leaves created here are removed.
 * Returns 0, -ESRCH, -EIO, or the errno of the failing step. */
int sbx_cg_fs_attach(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err)
{
	char *origin[SBX_CG_MAX_HIER] = { NULL };
	_cleanup_strv_free_ char **created = NULL;
	size_t moved = 0;
	int r = 0;

	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *rel = NULL;

		r = sbx_cg_proc_path(cg->proc_root, cg->proc_fd, pid, cg->h[i].ctrl, &rel);
		if (r == -ESRCH) {
			r = sbx_error_set(err, ESRCH, "no process %d", (int)pid);
			goto fail;
		}
		if (r == 0) {
			origin[i] = sbx_cg_join(cg->h[i].mount, rel);
			if (!origin[i]) {
				r = sbx_error_set(err, ENOMEM, "out of memory");
				goto fail;
			}
		}
		r = 0;
	}
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *dir = sbx_cg_join(cg->h[i].user, leaf);
		bool made = false;

		if (!dir) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
		r = sbx_cg_mkdir(dir, &made, err);
		if (r == -ENOENT)
			sbx_error_prefix(err, "the user's cgroup is gone (removed by a concurrent logout?): ");
		if (r < 0)
			goto fail;
		if (made && sbx_cg_strv_push(&created, TAKE_PTR(dir)) < 0) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *dir = sbx_cg_join(cg->h[i].user, leaf);

		if (!dir) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
		r = sbx_cg_move(dir, pid, err);
		if (r < 0)
			goto fail;
		moved = i + 1;
	}
	/* the kernel may refuse a move silently (pam_cgroup's bug): read back */
	for (size_t i = 0; i < cg->n_h; i++) {
		r = sbx_cg_verify(cg, i, leaf, pid, err);
		if (r < 0)
			goto fail;
	}
	if (strncmp(leaf, "session-", 8) == 0 && sbx_cg_moved_add(cg, leaf, pid, origin) < 0) {
		r = sbx_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < SBX_CG_MAX_HIER; i++)
		free(origin[i]);
	return 0;
fail:
	for (size_t i = 0; i < moved; i++) {
		struct sbx_error ignored = SBX_ERROR_INIT;

		if (origin[i])
			(void)sbx_cg_move(origin[i], pid, &ignored);
		sbx_error_clear(&ignored);
	}
	sbx_cg_rollback(TAKE_PTR(created));
	for (size_t i = 0; i < SBX_CG_MAX_HIER; i++)
		free(origin[i]);
	return r;
}

/* Move the process remembered for LEAF back to where it came from (when it
 * is still inside), then rmdir LEAF in every hierarchy.  Returns 0, -EBUSY
 * (processes remain), or a negative errno. */
int sbx_cg_fs_leaf_close(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err)
{
	struct sbx_cg_moved *m = sbx_cg_moved_find(cg, leaf);
	int r;

	if (m) {
		for (size_t i = 0; i < cg->n_h; i++) {
			struct sbx_error e = SBX_ERROR_INIT;

			if (!m->origin[i])
				continue;
			/* only if still in the session: it may have moved on */
			if (sbx_cg_verify(cg, i, leaf, m->pid, &e) == 0) {
				r = sbx_cg_move(m->origin[i], m->pid, err);
				if (r < 0) {
					sbx_error_clear(&e);
					return r;
				}
			}
			sbx_error_clear(&e);
		}
		sbx_cg_moved_drop(cg, leaf);
	}
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *dir = sbx_cg_join(cg->h[i].user, leaf);

		if (!dir)
			return sbx_error_set(err, ENOMEM, "out of memory");
		r = sbx_cg_rmdir_tree(dir);
		if (r == -EBUSY)
			return sbx_error_set(err, EBUSY, "%s still has processes", dir);
		if (r < 0)
			return sbx_error_set(err, -r, "cannot remove %s: %s", dir, strerror(-r));
	}
	return 0;
}

/* rmdir the user's leaves, then the user's cgroup, in every hierarchy.
 * Returns 0, -EBUSY, or a negative errno. */
int sbx_cg_fs_user_remove(struct sbx_cgroup *cg, struct sbx_error *err)
{
	for (size_t i = 0; i < cg->n_h; i++) {
		int r = sbx_cg_rmdir_tree(cg->h[i].user);

		if (r == -EBUSY)
			return sbx_error_set(err, EBUSY, "%s still has processes", cg->h[i].user);
		if (r < 0)
			return sbx_error_set(err, -r, "cannot remove %s: %s", cg->h[i].user, strerror(-r));
	}
	return 0;
}

/* The v1 oom_kill counts of every cgroup below DIR. */
static uint64_t v1_oom_kills_below(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		uint64_t v;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = sbx_cg_join(dir, de->d_name);
		if (!sub)
			continue;
		if (sbx_cg_read_key(sub, "memory.oom_control", "oom_kill", &v) == 0)
			sum += v;
		sum += v1_oom_kills_below(sub);
	}
	return sum;
}

/* Usage from the files in DIR (v2 and v1 names differ, and co-mounted v1
 * controllers share a directory, so every name is tried).  Adds to `known`. */
void sbx_cg_fs_usage_dir(const char *dir, struct sbx_cgroup_usage *ret)
{
	uint64_t v;

	/* v2 */
	if (sbx_cg_read_u64(dir, "memory.current", &v) == 0) {
		ret->mem_current = v;
		ret->known |= SBX_CGUSE_MEM_CURRENT;
	}
	if (sbx_cg_read_u64(dir, "memory.peak", &v) == 0) {
		ret->mem_peak = v;
		ret->known |= SBX_CGUSE_MEM_PEAK;
	}
	if (sbx_cg_read_key(dir, "cpu.stat", "usage_usec", &v) == 0) {
		ret->cpu_usec = v;
		ret->known |= SBX_CGUSE_CPU_USEC;
	}
	if (sbx_cg_read_key(dir, "memory.events", "oom_kill", &v) == 0) {
		ret->oom_kills = v;
		ret->known |= SBX_CGUSE_OOM_KILLS;
	}
	/* both */
	if (sbx_cg_read_u64(dir, "pids.current", &v) == 0) {
		ret->pids = v;
		ret->known |= SBX_CGUSE_PIDS;
	}
	/* v1 */
	if (sbx_cg_read_u64(dir, "memory.usage_in_bytes", &v) == 0) {
		ret->mem_current = v;
		ret->known |= SBX_CGUSE_MEM_CURRENT;
	}
	if (sbx_cg_read_u64(dir, "memory.max_usage_in_bytes", &v) == 0) {
		ret->mem_peak = v;
		ret->known |= SBX_CGUSE_MEM_PEAK;
	}
	if (sbx_cg_read_u64(dir, "cpuacct.usage", &v) == 0) {
		ret->cpu_usec = v / 1000; /* ns */
		ret->known |= SBX_CGUSE_CPU_USEC;
	}
	if (sbx_cg_read_key(dir, "memory.oom_control", "oom_kill", &v) == 0) {
		/* v1 counts a kill only in the victim's own cgroup: sum the subtree */
		ret->oom_kills = v + v1_oom_kills_below(dir);
		ret->known |= SBX_CGUSE_OOM_KILLS;
	}
}

/* Usage of the user's cgroup or of LEAF, over every hierarchy.  Returns 0
 * or -ENOENT (no such cgroup). */
int sbx_cg_fs_usage(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		    struct sbx_error *err)
{
	bool found = false;

	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *dir = leaf ? sbx_cg_join(cg->h[i].user, leaf) : strdup(cg->h[i].user);

		if (!dir)
			return sbx_error_set(err, ENOMEM, "out of memory");
		if (access(dir, F_OK) < 0)
			continue;
		found = true;
		sbx_cg_fs_usage_dir(dir, ret);
	}
	if (!found)
		return sbx_error_set(err, ENOENT, "no cgroup %s%s%s", cg->path, leaf ? "/" : "",
				     leaf ? leaf : "");
	return 0;
}

/* Every pid in the user's cgroup, all hierarchies.  -EDEADLK when the
 * calling process is one of them: killing would kill the PAM process.
 * Returns 0 or a negative errno. */
int sbx_cg_fs_user_pids(struct sbx_cgroup *cg, pid_t **ret, size_t *ret_n, struct sbx_error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	pid_t self = getpid();

	for (size_t i = 0; i < cg->n_h; i++) {
		int r = sbx_cg_pids_recursive(cg->h[i].user, &pids, &n);

		if (r < 0)
			return sbx_error_set(err, -r, "cannot list the processes of %s: %s", cg->h[i].user,
					     strerror(-r));
	}
	for (size_t i = 0; i < n; i++)
		if (pids[i] == self)
			return sbx_error_set(err, EDEADLK,
					     "the calling process (pid %d) is inside: move it out first",
					     (int)self);
	*ret = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

/* SIGKILL each of PIDS; a pid already gone is fine. */
void sbx_cg_fs_kill_pids(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)kill(pids[i], SIGKILL);
}
