/* Private to the cgroup façade (cgroup.c) and its drivers (cgroup-v2.c,
 * cgroup-v1.c, cgroup-systemd.c); the unit tests include it for the pure
 * helpers.  See include/sandbox/cgroup.h for the public API. */
#ifndef SANDBOX_CGROUP_INTERNAL_H
#define SANDBOX_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/cgroup.h"

#define SBX_CG_MAX_HIER 8

/* One hierarchy the driver uses: the unified one (v2, ctrl ""), or one v1
 * controller hierarchy (ctrl "memory", ...). */
struct sbx_cg_hier {
	char *ctrl;     /* v1 controller, "" for v2 */
	char *mount;    /* absolute directory where the hierarchy is mounted */
	char *base_rel; /* the parent, relative to the hierarchy root, "/..." */
	char *user;     /* absolute directory of the user's cgroup */
};

/* A process moved by attach_session, and where it came from. */
struct sbx_cg_moved {
	char *leaf;
	pid_t pid;
	char *origin[SBX_CG_MAX_HIER]; /* absolute cgroup directory per hierarchy */
};

struct sbx_cgroup;

struct sbx_cg_ops {
	const char *name;
	/* create the user cgroup (or reuse it) and apply limits */
	int (*user_open)(struct sbx_cgroup *cg, const struct sbx_limits *lim, struct sbx_error *err);
	/* create LEAF below the user and move PID into it, verified */
	int (*attach)(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err);
	/* move the remembered process out of LEAF, then remove LEAF if empty */
	int (*leaf_close)(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err);
	int (*usage)(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		     struct sbx_error *err);
	int (*kill)(struct sbx_cgroup *cg, struct sbx_error *err);
	int (*user_remove)(struct sbx_cgroup *cg, struct sbx_error *err);
};

struct sbx_cgroup {
	const struct sbx_cg_ops *ops;
	enum sbx_cgroup_kind kind;
	char *root, *proc_root, *run_root, *parent;
	int proc_fd; /* the host /proc, opened with the handle; -1 if not */
	bool parent_below_self;
	unsigned timeout_ms;
	uid_t uid;
	char *name;     /* "user-1001" (cgroupfs) or "user-1001.slice" (systemd) */
	char *path;     /* the user's cgroup relative to the first hierarchy */
	bool created;   /* user_open created the user's cgroup */
	unsigned skipped;
	struct sbx_cg_hier h[SBX_CG_MAX_HIER];
	size_t n_h;
	struct sbx_cg_moved *moved;
	size_t n_moved;
};

extern const struct sbx_cg_ops sbx_cg_ops_v2;
extern const struct sbx_cg_ops sbx_cg_ops_v1;
extern const struct sbx_cg_ops sbx_cg_ops_none;
extern const struct sbx_cg_ops sbx_cg_ops_systemd;

/* ---- helpers (cgroup.c) ---------------------------------------------- */

/* "A/B" (one '/', whatever A ends and B starts with); NULL on ENOMEM. */
char *sbx_cg_join(const char *a, const char *b);

/* Read DIR/FILE whole (trailing newline stripped).  Returns 0 or -errno. */
int sbx_cg_read(const char *dir, const char *file, char **ret);
/* Read DIR/FILE as one unsigned number ("max" = UINT64_MAX). */
int sbx_cg_read_u64(const char *dir, const char *file, uint64_t *ret);
/* Read KEY's value from a flat-keyed file ("key value" lines). */
int sbx_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);

/* Write VALUE to DIR/FILE (no O_CREAT: cgroup files are never created).
 * err says which file and why ("read-only", "missing").  Returns 0 or -errno. */
int sbx_cg_write(const char *dir, const char *file, const char *value, struct sbx_error *err);

/* Create DIR (EEXIST is fine: *ret_created false).  Returns 0 or -errno. */
int sbx_cg_mkdir(const char *dir, bool *ret_created, struct sbx_error *err);
/* Create REL's components below MOUNT one by one; each created directory is
 * appended to CREATED (for rollback).  Returns 0 or -errno. */
int sbx_cg_mkdir_p(const char *mount, const char *rel, char ***created, struct sbx_error *err);
/* rmdir each entry of CREATED, last first, ignoring failures; frees it. */
void sbx_cg_rollback(char **created);
/* Append S (taking it) to a NULL-terminated vector.  0 or -ENOMEM. */
int sbx_cg_strv_push(char ***v, char *s);

/* The cgroup of PID (0 = self) in the hierarchy of CTRL ("" = the unified
 * one) from PROC_ROOT/PID/cgroup.  Returns 0, -ENOENT (no line), -ESRCH
 * (no such process), -ENOMEM. */
int sbx_cg_proc_path(const char *proc_root, int proc_fd, pid_t pid, const char *ctrl, char **ret);

/* Every pid listed in DIR/cgroup.procs and in those of its descendants,
 * appended to *PIDS (*N entries).  Returns 0 or -errno. */
int sbx_cg_pids_recursive(const char *dir, pid_t **pids, size_t *n);

/* rmdir the subdirectories of DIR (depth first), then DIR.  ENOENT counts as
 * removed.  Returns 0 or -errno of the first failure (-EBUSY: populated). */
int sbx_cg_rmdir_tree(const char *dir);

/* Whether S is a valid session id: [A-Za-z0-9._-]{1,64}, not "." or "..". */
bool sbx_cg_id_ok(const char *s);
/* Whether P is a valid relative parent path: components of [A-Za-z0-9._-],
 * none "." or "..", not empty (leading '/' allowed and ignored). */
bool sbx_cg_parent_ok(const char *p);

/* Whether NAME is in the space-separated list LIST (a leading '+' on a
 * token is ignored). */
bool sbx_cg_list_has(const char *list, const char *name);

/* v2 cpu.max value for MILLI millicores: "QUOTA 100000"; "max 100000" for
 * unlimited.  Returns a malloc'd string or NULL. */
char *sbx_cg_v2_cpu_max(uint64_t milli);
/* v1 blkio.weight for a v2-style io weight (1..10000, default 100): scaled
 * as systemd does (x * 500 / 100, so the defaults match) and clamped to
 * 10..1000. */
uint64_t sbx_cg_v1_blkio_weight(uint64_t io_weight);

/* Controller a limit needs: "memory", "pids", "cpu", and for the io weight
 * "io" on v2, "blkio" on v1. */
const char *sbx_cg_controller(enum sbx_limit l, bool v1);

/* Which limits of LIM the host can apply, both cgroupfs versions: HAVE(CTX,
 * controller) says whether a limit's controller is there.  A missing one is
 * skipped (recorded in cg->skipped) when LIM marks it optional, else an
 * error naming it and WHERE.  Returns 0 with the limits to apply in
 * *RET_APPLY, or a negative errno with every missing controller in ERR. */
int sbx_cg_limits_available(struct sbx_cgroup *cg, const struct sbx_limits *lim, bool v1,
			    bool (*have)(struct sbx_cgroup *cg, const void *ctx, const char *controller),
			    const void *ctx, const char *where, unsigned *ret_apply,
			    struct sbx_error *err);

/* Remember/forget a moved process (attach_session / leaf_close). */
int sbx_cg_moved_add(struct sbx_cgroup *cg, const char *leaf, pid_t pid, char **origin);
struct sbx_cg_moved *sbx_cg_moved_find(struct sbx_cgroup *cg, const char *leaf);
void sbx_cg_moved_drop(struct sbx_cgroup *cg, const char *leaf);

/* Move PID into DIR (cgroup.procs).  Returns 0 or -errno. */
int sbx_cg_move(const char *dir, pid_t pid, struct sbx_error *err);

/* Verify that PID is in the cgroup of hierarchy I below the user: LEAF
 * ("session-x", "init") or NULL for the user's own cgroup.  Returns 0,
 * -EIO (elsewhere), -ESRCH. */
int sbx_cg_verify(struct sbx_cgroup *cg, size_t i, const char *leaf, pid_t pid,
		  struct sbx_error *err);

/* Sleep MS milliseconds. */
void sbx_cg_sleep_ms(unsigned ms);

/* ---- shared by the cgroupfs drivers (cgroup-fs.c) ------------------------ */

int sbx_cg_fs_attach(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err);
int sbx_cg_fs_leaf_close(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err);
int sbx_cg_fs_user_remove(struct sbx_cgroup *cg, struct sbx_error *err);
int sbx_cg_fs_usage(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		    struct sbx_error *err);
int sbx_cg_fs_user_pids(struct sbx_cgroup *cg, pid_t **ret, size_t *ret_n, struct sbx_error *err);
void sbx_cg_fs_kill_pids(const pid_t *pids, size_t n);
void sbx_cg_fs_usage_dir(const char *dir, struct sbx_cgroup_usage *ret);
/* "N" or "max"/"-1" (UNLIMITED_WORD) for V into BUF. */
const char *sbx_cg_fmt(char *buf, size_t len, uint64_t v, const char *unlimited_word);
/* Whether PATH exists. */
bool sbx_cg_exists(const char *dir, const char *file);
/* Milliseconds on the monotonic clock. */
uint64_t sbx_cg_now_ms(void);

/* ---- systemd (cgroup-systemd.c), pure ---------------------------------- */

struct sbx_cg_sd_prop {
	const char *name; /* "MemoryMax", ... (D-Bus type "t") */
	uint64_t value;   /* UINT64_MAX = infinity */
};
/* The user-UID.slice properties for LIM, at most SBX_LIMIT__MAX.  Returns
 * the count. */
size_t sbx_cg_systemd_props(const struct sbx_limits *lim, struct sbx_cg_sd_prop *out);

#endif
