/* The user's cgroup: resource limits for the user as a whole, a child cgroup
 * per session, a leaf for the sandbox's init, usage, and teardown.
 *
 * A façade over one driver per kind of host (as crun does it):
 *
 *   cgroupfs v2   <mount>/<parent>/user-UID/{session-ID,init}, controllers
 *                 enabled in cgroup.subtree_control from the top down to the
 *                 user cgroup; processes only in leaves.
 *   cgroupfs v1   the same tree in each controller hierarchy used (memory,
 *                 pids, cpu, cpuacct, blkio, freezer under <root>/<ctrl>).
 *   systemd       never moves a login out of its session-N.scope, never
 *                 writes below cgroups it was not delegated: per-user limits
 *                 on user-UID.slice over D-Bus, per-session limits handed to
 *                 pam_systemd as PAM data (sbx_cgroup_systemd_pam_data), the
 *                 sandbox init in pam-sandbox-UID.scope under the user's slice.
 *   none          no cgroup; a limit that is set and not optional is an error.
 *
 * Every path is built from the roots in struct sbx_cgroup_env, so the tests
 * point them at a temporary directory.
 *
 * Calls for one user must be serialised by the caller (the engine holds the
 * user's lock around open and close): a session cgroup created while another
 * login removes the user cgroup would otherwise fail with ENOENT.
 *
 * Every function returns 0 or a negative errno and fills err; a call that
 * fails leaves nothing it created (directories, moves) behind. */
#ifndef SANDBOX_CGROUP_H
#define SANDBOX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/config.h"
#include "sandbox/error.h"

/* What the driver selection found; SBX_CGROUP_AUTO resolves to one of these. */
enum sbx_cgroup_kind {
	SBX_CGKIND_NONE,
	SBX_CGKIND_V2,
	SBX_CGKIND_V1,
	SBX_CGKIND_SYSTEMD,
};

/* "none", "cgroupfs-v2", "cgroupfs-v1", "systemd". */
const char *sbx_cgroup_kind_name(enum sbx_cgroup_kind kind);

struct sbx_cgroup_env {
	const char *root;      /* cgroup mount root; NULL = "/sys/fs/cgroup" */
	const char *proc_root; /* NULL = "/proc" */
	const char *run_root;  /* where systemd/system is looked for; NULL = "/run" */
	const char *parent;    /* cgroupfs: relative path below the hierarchy root;
				* NULL = "pam_sandbox" */
	enum sbx_cgroup_driver driver; /* settings.cgroup_driver */
	/* cgroupfs: put <parent> below the cgroup the calling process is in
	 * (per hierarchy, from /proc/self/cgroup) instead of below the
	 * hierarchy root.  For tests and nested setups; the PAM module leaves
	 * it false so every login finds the same tree. */
	bool parent_below_self;
	unsigned bus_timeout_ms; /* systemd: bound of each D-Bus call; 0 = 2000 */
	/* Set by sbx_cgroup_env_detect(): the handles opened with this env use
	 * KIND instead of looking at the host again. */
	bool detected;
	enum sbx_cgroup_kind kind;
};

/* The environment the configuration asks for: driver, parent, nesting.
 * Roots are the real ones (NULL). */
void sbx_cgroup_env_init(struct sbx_cgroup_env *env, const struct sbx_settings *settings);

/* Which driver ENV selects on this host.  auto: systemd when
 * <run_root>/systemd/system exists, else v2 when the unified hierarchy has
 * one of the controllers limits use (memory, pids, cpu, io: a hybrid host's
 * lone hugetlb does not count), else v1 when v1 controllers are mounted, else none.
 * cgroupfs: v2, else v1, else -ENOENT.  systemd: -EOPNOTSUPP when built
 * without libsystemd.  Returns 0 or a negative errno. */
int sbx_cgroup_detect(const struct sbx_cgroup_env *env, enum sbx_cgroup_kind *ret,
		      struct sbx_error *err);

/* sbx_cgroup_detect() once for every handle opened with ENV afterwards (a
 * login needs the answer before it opens the user's cgroup). */
int sbx_cgroup_env_detect(struct sbx_cgroup_env *env, struct sbx_error *err);

struct sbx_cgroup; /* a user's cgroup handle */

/* Create or reuse the cgroup of user UID and apply LIM to it (idempotent:
 * a second login rewrites the same values; a limit that is not set is reset
 * to unlimited where the file exists).  A limit whose controller or file the
 * host lacks is an error (-EOPNOTSUPP) unless its bit is in lim->optional;
 * skipped optional limits are reported by sbx_cgroup_skipped().  LIM may be
 * NULL (no limits).  Returns 0, -EINVAL (bad env), -EOPNOTSUPP, -ENOMEM, or
 * the errno of the failing mkdir/write; on failure every directory this call
 * created is removed again. */
int sbx_cgroup_user_open(const struct sbx_cgroup_env *env, uid_t uid,
			 const struct sbx_limits *lim, struct sbx_cgroup **ret,
			 struct sbx_error *err);

/* A handle on the existing cgroup of UID, without creating anything or
 * touching limits (sandboxctl list/stop).  Returns 0, -ENOENT (no such
 * cgroup), -EINVAL, -ENOMEM. */
int sbx_cgroup_user_get(const struct sbx_cgroup_env *env, uid_t uid,
			struct sbx_cgroup **ret, struct sbx_error *err);

/* Create <user>/session-SESSION_ID and move PID into it (every hierarchy on
 * v1), then read /proc/PID/cgroup back: a placement that did not happen is
 * -EIO.  PID's previous cgroups are remembered so sbx_cgroup_session_close()
 * can move it back (the PAM process is moved itself, so that the session's
 * processes inherit the cgroup; it must leave before the cgroup can go).
 * SESSION_ID: [A-Za-z0-9._-]{1,64}.  systemd: nothing is moved (pam_systemd
 * puts the session into its scope); PID is only remembered for usage.
 * Returns 0, -EINVAL, -ESRCH (no such process), -EIO, or an errno; on
 * failure PID is back where it was and the session cgroup is gone. */
int sbx_cgroup_attach_session(struct sbx_cgroup *cg, const char *session_id, pid_t pid,
			      struct sbx_error *err);

/* Move the sandbox init PID into the leaf <user>/init (systemd: into the
 * transient unit pam-sandbox-UID.scope in user-UID.slice) and verify it.
 * Same returns as sbx_cgroup_attach_session(). */
int sbx_cgroup_attach_init(struct sbx_cgroup *cg, pid_t pid, struct sbx_error *err);

/* Resource use; a field is meaningful when its bit is in `known`. */
enum {
	SBX_CGUSE_MEM_CURRENT = 1u << 0,
	SBX_CGUSE_MEM_PEAK = 1u << 1,
	SBX_CGUSE_PIDS = 1u << 2,
	SBX_CGUSE_CPU_USEC = 1u << 3,
	SBX_CGUSE_OOM_KILLS = 1u << 4,
};
struct sbx_cgroup_usage {
	uint64_t mem_current; /* bytes */
	uint64_t mem_peak;    /* bytes */
	uint64_t pids;        /* processes and threads now */
	uint64_t cpu_usec;    /* cpu time used, microseconds */
	uint64_t oom_kills;   /* processes killed by the OOM killer */
	unsigned known;
};

/* End session SESSION_ID: move the process remembered by attach_session
 * back to where it came from (when it is still in the session cgroup),
 * read the session's usage into RET_USAGE (may be NULL), and remove the
 * session cgroup.  Returns 0 (removed, or never existed), -EBUSY (processes
 * remain: linger; sbx_cgroup_gc() or the last logout removes it later), or
 * a negative errno. */
int sbx_cgroup_session_close(struct sbx_cgroup *cg, const char *session_id,
			     struct sbx_cgroup_usage *ret_usage, struct sbx_error *err);

/* Usage of the user (SESSION_ID NULL) or of one session.  Fields the host
 * does not report stay out of `known`.  Returns 0, -ENOENT (no such
 * cgroup), or a negative errno. */
int sbx_cgroup_usage(struct sbx_cgroup *cg, const char *session_id,
		     struct sbx_cgroup_usage *ret, struct sbx_error *err);

/* Session ids with a cgroup below the user's, as a NULL-terminated vector
 * (free with sbx_strv_free).  systemd: always empty. */
int sbx_cgroup_sessions(struct sbx_cgroup *cg, char ***ret, struct sbx_error *err);

/* Kill every process of the user's cgroup and wait until it is empty
 * (bounded: about 5 s).  v2: cgroup.kill when the kernel has it, else a
 * freeze-and-kill loop; v1: freeze, SIGKILL every pid, thaw, until empty.
 * The calling process must not be inside (move it out first with
 * sbx_cgroup_session_close): that is -EDEADLK, before anything is killed.
 * systemd: SIGKILL to pam-sandbox-UID.scope (the init, and with it the
 * sandbox's pid namespace).  Returns 0, -EDEADLK, -ETIMEDOUT, or an errno. */
int sbx_cgroup_user_kill(struct sbx_cgroup *cg, struct sbx_error *err);

/* Remove the empty leaves of the user's cgroup, then the user's cgroup.
 * Returns 0 (gone), -EBUSY (processes remain), or a negative errno.
 * systemd: 0 (systemd removes empty scopes and logind the slice). */
int sbx_cgroup_user_remove(struct sbx_cgroup *cg, struct sbx_error *err);

/* Remove empty leftovers (user cgroups and their leaves) below the parent,
 * after a crash.  Busy ones are left alone.  *RET_REMOVED (may be NULL):
 * user cgroups removed.  Returns 0 or a negative errno. */
int sbx_cgroup_gc(const struct sbx_cgroup_env *env, unsigned *ret_removed,
		  struct sbx_error *err);

/* The user's cgroup as a path relative to the (first) hierarchy root,
 * e.g. "/pam_sandbox/user-1001" or "/user.slice/user-1001.slice": for the
 * audit cgroup= field and sandboxctl list. */
const char *sbx_cgroup_path(const struct sbx_cgroup *cg);
enum sbx_cgroup_kind sbx_cgroup_kind(const struct sbx_cgroup *cg);
/* Bits (1u << SBX_LIMIT_X) of optional limits the host could not apply. */
unsigned sbx_cgroup_skipped(const struct sbx_cgroup *cg);
/* Whether sbx_cgroup_user_open() created the user's cgroup (first login). */
bool sbx_cgroup_created(const struct sbx_cgroup *cg);

void sbx_cgroup_free(struct sbx_cgroup *cg);

/* ---- systemd hosts (pure helpers for the PAM glue) -------------------- */

/* The PAM data pam_systemd reads for the session scope, as a
 * NULL-terminated vector of key, value, key, value, ... (free with
 * sbx_strv_free): "systemd.memory_max", "systemd.tasks_max",
 * "systemd.io_weight" for the limits that are set (a session can never use
 * more than the user; the values are the user's).  The glue sets each with
 * pam_set_data() before pam_systemd runs, i.e. in pam_sandbox's open hook
 * placed above pam_systemd.  Returns 0 or -ENOMEM. */
int sbx_cgroup_systemd_pam_data(const struct sbx_limits *lim, char ***ret,
				struct sbx_error *err);

/* Detect pam_systemd running before pam_sandbox: XDG_SESSION_ID is what
 * pam_systemd puts into the PAM environment of this handle (the glue passes
 * pam_getenv(pamh, "XDG_SESSION_ID"), never getenv()).  Returns 0 when the
 * order is right, -EINVAL with a message naming the session scope otherwise. */
int sbx_cgroup_systemd_check_order(const char *xdg_session_id, const char *proc_root,
				   pid_t pid, struct sbx_error *err);

#endif
