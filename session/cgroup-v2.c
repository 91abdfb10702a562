/* cgroupfs driver, cgroup v2 (a pure v2 host, or the unified hierarchy of a
 * hybrid one when it has controllers):
 *
 *   <mount>/<parent>/user-UID/session-ID   the sessions (and the PAM process)
 *   <mount>/<parent>/user-UID/init         the sandbox's init
 *
 * Limits live on user-UID, so all sessions share them.  Processes are only
 * ever in leaves ("no internal processes"), which is what lets controllers
 * be enabled in user-UID's cgroup.subtree_control for per-session usage. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

struct v2_limit_file {
	enum sbx_limit limit;
	const char *file;
	const char *fallback; /* tried when FILE is missing */
};

static const struct v2_limit_file v2_files[] = {
	{ SBX_LIMIT_MEMORY, "memory.max", NULL },
	{ SBX_LIMIT_MEMORY_HIGH, "memory.high", NULL },
	{ SBX_LIMIT_SWAP, "memory.swap.max", NULL },
	{ SBX_LIMIT_PIDS, "pids.max", NULL },
	{ SBX_LIMIT_CPUS, "cpu.max", NULL },
	/* io.weight comes with io.cost; BFQ has its own file */
	{ SBX_LIMIT_IO_WEIGHT, "io.weight", "io.bfq.weight" },
};

/* The value to write for limit L (V is SBX_UNLIMITED to reset).  Returns a
 * malloc'd string or NULL. */
static char *v2_value(enum sbx_limit l, uint64_t v)
{
	char buf[32];

	switch (l) {
	case SBX_LIMIT_CPUS:
		return sbx_cg_v2_cpu_max(v);
	case SBX_LIMIT_IO_WEIGHT:
		/* "default N" is understood by io.cost and BFQ alike */
		snprintf(buf, sizeof(buf), "default %u", v == SBX_UNLIMITED ? 100u : (unsigned)v);
		return strdup(buf);
	default:
		return strdup(sbx_cg_fmt(buf, sizeof(buf), v, "max"));
	}
}

/* Enable the controllers in WANT (space-separated) that DIR's
 * cgroup.subtree_control lacks.  Returns 0 or a negative errno. */
static int enable(const char *dir, char **want, struct sbx_error *err)
{
	_cleanup_free_ char *have = NULL, *line = NULL;
	size_t len = 0;
	int r;

	r = sbx_cg_read(dir, "cgroup.subtree_control", &have);
	if (r < 0)
		return sbx_error_set(err, -r, "cannot read %s/cgroup.subtree_control: %s", dir, strerror(-r));
	for (char **w = want; w && *w; w++) {
		if (sbx_cg_list_has(have, *w))
			continue;
		len += strlen(*w) + 2;
	}
	if (!len)
		return 0;
	line = calloc(1, len + 1);
	if (!line)
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (char **w = want; w && *w; w++) {
		if (sbx_cg_list_has(have, *w))
			continue;
		if (*line)
			strcat(line, " ");
		strcat(line, "+");
		strcat(line, *w);
	}
	r = sbx_cg_write(dir, "cgroup.subtree_control", line, err);
	if (r == -EBUSY)
		sbx_error_prefix(err, "processes in an inner cgroup: ");
	return r;
}

/* enable() on START, each component of REST below it, and USER.
 * Returns 0 or a negative errno. */
static int enable_chain(const char *start, const char *rest, const char *user, char **want,
			struct sbx_error *err)
{
	_cleanup_free_ char *copy = strdup(rest);
	_cleanup_free_ char *cur = strdup(start);
	char *save = NULL;
	int r;

	if (!copy || !cur)
		return sbx_error_set(err, ENOMEM, "out of memory");
	r = enable(cur, want, err);
	for (char *c = strtok_r(copy, "/", &save); r == 0 && c; c = strtok_r(NULL, "/", &save)) {
		char *next = sbx_cg_join(cur, c);

		if (!next)
			return sbx_error_set(err, ENOMEM, "out of memory");
		free(cur);
		cur = next;
		r = enable(cur, want, err);
	}
	if (r == 0)
		r = enable(user, want, err);
	return r;
}

static bool v2_have(struct sbx_cgroup *cg, const void *avail, const char *ctrl)
{
	(void)cg;
	return sbx_cg_list_has(avail, ctrl);
}

/* Create (or reuse) the user's cgroup, enable what the limits need from
 * the top down, write the limits.  Returns 0 or a negative errno; on
 * failure the directories created here are removed. */
static int v2_user_open(struct sbx_cgroup *cg, const struct sbx_limits *lim,
			struct sbx_error *err)
{
	struct sbx_cg_hier *h = &cg->h[0];
	_cleanup_free_ char *avail = NULL, *start = NULL, *start_rel = NULL;
	_cleanup_strv_free_ char **created = NULL;
	_cleanup_strv_free_ char **need = NULL;
	unsigned apply = 0;
	bool made = false;
	int r;

	/* where enabling starts: the hierarchy root, or our own cgroup */
	if (cg->parent_below_self) {
		size_t bl = strlen(h->base_rel), pl = strlen(cg->parent);

		/* base_rel is "<self>/<parent>" */
		start_rel = strndup(h->base_rel, bl > pl + 1 ? bl - pl - 1 : 0);
	} else {
		start_rel = strdup("");
	}
	if (!start_rel || !(start = sbx_cg_join(h->mount, start_rel)))
		return sbx_error_set(err, ENOMEM, "out of memory");
	r = sbx_cg_read(start, "cgroup.controllers", &avail);
	if (r < 0)
		return sbx_error_set(err, -r, "cannot read %s/cgroup.controllers: %s", start, strerror(-r));

	r = sbx_cg_limits_available(cg, lim, false, v2_have, avail, start, &apply, err);
	if (r < 0)
		return r;
	/* controllers: what the limits need, plus memory and pids for usage */
	for (int l = 0; l < SBX_LIMIT__MAX; l++) {
		const char *c = sbx_cg_controller((enum sbx_limit)l, false);
		bool dup = false;

		if (!(apply & (1u << l)))
			continue;
		for (char **p = need; p && *p; p++)
			dup = dup || strcmp(*p, c) == 0;
		if (!dup && sbx_cg_strv_push(&need, strdup(c)) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
	}

	r = sbx_cg_mkdir_p(h->mount, h->base_rel, &created, err);
	if (r < 0)
		goto fail;
	r = sbx_cg_mkdir(h->user, &made, err);
	if (r < 0)
		goto fail;
	if (made) {
		cg->created = true;
		if (sbx_cg_strv_push(&created, strdup(h->user)) < 0) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
	}

	/* enable top-down, from START to the user's cgroup itself (its
	 * leaves get the controllers too: per-session usage) */
	r = enable_chain(start, h->base_rel + strlen(start_rel), h->user, need, err);
	if (r < 0)
		goto fail;
	/* memory and pids also for usage when the limits don't need them:
	 * best effort, not worth failing a login over */
	{
		_cleanup_strv_free_ char **extra = NULL;
		struct sbx_error ignored = SBX_ERROR_INIT;

		for (const char *const *c = (const char *const[]){ "memory", "pids", NULL }; *c; c++) {
			bool dup = false;

			for (char **p = need; p && *p; p++)
				dup = dup || strcmp(*p, *c) == 0;
			if (!dup && sbx_cg_list_has(avail, *c) && sbx_cg_strv_push(&extra, strdup(*c)) < 0) {
				r = sbx_error_set(err, ENOMEM, "out of memory");
				goto fail;
			}
		}
		for (char **p = extra; p && *p; p++) {
			char *one[] = { *p, NULL };

			(void)enable_chain(start, h->base_rel + strlen(start_rel), h->user, one, &ignored);
		}
		sbx_error_clear(&ignored);
	}

	for (size_t i = 0; i < ELEMENTSOF(v2_files); i++) {
		const struct v2_limit_file *f = &v2_files[i];
		unsigned bit = 1u << f->limit;
		_cleanup_free_ char *val = NULL;
		const char *file = f->file;

		if (f->fallback && !sbx_cg_exists(h->user, file) && sbx_cg_exists(h->user, f->fallback))
			file = f->fallback;
		if (!(apply & bit)) {
			/* not set: back to unlimited where the file exists
			 * (a role may have dropped the limit since) */
			if ((lim->set & bit) || !sbx_cg_exists(h->user, file))
				continue;
			val = v2_value(f->limit, SBX_UNLIMITED);
			if (val) {
				struct sbx_error ignored = SBX_ERROR_INIT;

				(void)sbx_cg_write(h->user, file, val, &ignored);
				sbx_error_clear(&ignored);
			}
			continue;
		}
		val = v2_value(f->limit, lim->value[f->limit]);
		if (!val) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
		if (!sbx_cg_exists(h->user, file) && (lim->optional & bit)) {
			cg->skipped |= bit; /* e.g. memory.swap.max without swap accounting */
			continue;
		}
		r = sbx_cg_write(h->user, file, val, err);
		if (r < 0) {
			sbx_error_prefix(err, "limit %s: ", sbx_limit_name(f->limit));
			goto fail;
		}
	}
	return 0;
fail:
	cg->created = false;
	sbx_cg_rollback(TAKE_PTR(created));
	return r;
}

/* Kill everything in the user's cgroup: cgroup.kill when the kernel has it
 * (5.14+, atomic against forks), else freeze, SIGKILL every pid, thaw,
 * until empty.  Bounded to about 5 s.  Returns 0, -EDEADLK, -ETIMEDOUT. */
static int v2_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	const char *user = cg->h[0].user;
	bool has_kill = sbx_cg_exists(user, "cgroup.kill");
	bool has_freeze = sbx_cg_exists(user, "cgroup.freeze");
	uint64_t deadline = sbx_cg_now_ms() + 5000;
	bool sent = false;

	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r;

		r = sbx_cg_fs_user_pids(cg, &pids, &n, err);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (n == 0) {
			if (has_freeze && !has_kill) {
				struct sbx_error ignored = SBX_ERROR_INIT;

				(void)sbx_cg_write(user, "cgroup.freeze", "0", &ignored);
				sbx_error_clear(&ignored);
			}
			return 0;
		}
		if (sbx_cg_now_ms() > deadline)
			return sbx_error_set(err, ETIMEDOUT, "%zu processes still alive after 5 s", n);
		if (has_kill) {
			if (!sent) {
				r = sbx_cg_write(user, "cgroup.kill", "1", err);
				if (r < 0)
					return r;
				sent = true;
			}
		} else {
			struct sbx_error ignored = SBX_ERROR_INIT;

			if (has_freeze)
				(void)sbx_cg_write(user, "cgroup.freeze", "1", &ignored);
			sbx_cg_fs_kill_pids(pids, n);
			if (has_freeze)
				(void)sbx_cg_write(user, "cgroup.freeze", "0", &ignored);
			sbx_error_clear(&ignored);
		}
		sbx_cg_sleep_ms(10);
	}
}

const struct sbx_cg_ops sbx_cg_ops_v2 = {
	.name = "cgroupfs-v2",
	.user_open = v2_user_open,
	.attach = sbx_cg_fs_attach,
	.leaf_close = sbx_cg_fs_leaf_close,
	.usage = sbx_cg_fs_usage,
	.kill = v2_kill,
	.user_remove = sbx_cg_fs_user_remove,
};
