/* The confinement engine: the per-user sandbox that every session of a user
 * shares, created by the first login and joined by the others.
 *
 * A sandbox is a set of namespaces (mount, pid, ipc, uts, and net / cgroup
 * when the role asks) held by one long-lived process of our own, the
 * sandbox's init (pid 1 of its pid namespace, the program sandbox-init).
 * Nothing else holds them: no bind-mounted namespace files, so once the
 * sandbox has no processes nothing of it remains.
 *
 * State lives under paths->state_dir (root-owned, 0700):
 *   users/UID.lock            flock(2) held around check/create/join/leave
 *   users/UID                 the sandbox: init pid + start time, role, ...
 *   users/UID.sessions/P.S    one empty file per open session: P is the pid
 *                             of the process that opened it, S its start
 *                             time, so a crashed sshd never leaves a count.
 *
 * Every function returns 0 or a negative errno and fills err. */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "sandbox/error.h"
#include "sandbox/policy.h"

/* What sbx_session_open hands to sbx_session_close (PAM keeps it with
 * pam_set_data). */
struct sbx_session;

/* Roots, so tests can use a temporary directory.  Fields left NULL take
 * the defaults: state_dir "/run/pam_sandbox", init_path
 * SBX_LIBEXECDIR "/sandbox-init". */
struct sbx_cgroup_env;
struct sbx_cgroup_usage;
struct sbx_paths {
	const char *state_dir;
	const char *init_path; /* the sandbox-init program */
	/* The cgroup driver's environment; NULL: no cgroups (driver "none").
	 * With one, the user's cgroup holds the role's limits, the init goes
	 * into its "init" leaf and the calling process into a session child,
	 * all under the user's lock. */
	const struct sbx_cgroup_env *cgroup;
};

/* Called in the PAM process (sshd's privileged monitor, root).  Creates the
 * user's sandbox or joins the existing one, then moves the calling process
 * into its namespaces with one setns(2) (its later children land in the pid
 * namespace; the caller itself stays in its own), drops every capability the
 * role does not keep from the bounding set and sets no_new_privs when the
 * role says so.  The caller keeps its effective and permitted capabilities.
 *
 * On failure nothing is half-applied: the calling process's namespaces are
 * untouched and a sandbox created by this call is torn down; err says what
 * failed ("mount /usr read-only: Permission denied").  The one step after
 * setns is the capability drop, which cannot fail for a root caller.
 *
 * *ret_created is true when this call started the sandbox, false when it
 * joined an existing one (may be NULL).
 *
 * Returns 0; -EUSERS when role.session.max_sessions live sessions already
 * exist; -ELOOP when a path goes through a symbolic link; -ENOENT for a
 * missing required path; another negative errno otherwise. */
int sbx_session_open(const struct sbx_policy *p, const struct sbx_paths *paths,
		     struct sbx_session **ret, bool *ret_created, struct sbx_error *err);

/* Called at session close (same process).  Removes this session's record;
 * with linger off and no other live session, ends the sandbox (kills its
 * init: the kernel kills the whole pid namespace) and removes its state;
 * with linger on, tells the init to re-check (it exits once no session is
 * open and it is alone).  Does not free s. */
int sbx_session_close(struct sbx_session *s, struct sbx_error *err);

/* Accepts NULL.  Does not close the session (closes its descriptors). */
void sbx_session_free(struct sbx_session *s);

/* Resource use of the session's cgroup, read when it closed.  Returns false
 * when there is none (no cgroup driver, or not closed yet). */
bool sbx_session_usage(const struct sbx_session *s, struct sbx_cgroup_usage *ret);
/* The inode number of the sandbox's namespace NS (one SBX_NS_* flag), as
 * recorded when the sandbox was made (else read from its init through the
 * host's /proc: the caller's own /proc is the sandbox's after joining); 0
 * when unknown. */
uint64_t sbx_session_ns_inode(const struct sbx_session *s, unsigned ns);

/* The user's cgroup path, for the audit record; NULL without cgroups. */
const char *sbx_session_cgroup(const struct sbx_session *s);

/* Accessors for the glue (audit records, cgroup placement). */
pid_t sbx_session_init_pid(const struct sbx_session *s); /* host pid of the init */
/* "UID-STARTTIME": unique per sandbox for the boot.  Never NULL. */
const char *sbx_session_sandbox_id(const struct sbx_session *s);

/* For sandboxctl. */
struct sbx_sandbox_info {
	char *user;
	uid_t uid;
	char *role;
	pid_t init_pid;
	unsigned sessions; /* live session records */
	time_t since;      /* creation time */
	bool linger;
	char *id;          /* as sbx_session_sandbox_id */
	unsigned namespaces; /* SBX_NS_* held by the sandbox */
};

/* Every live sandbox (dead ones are skipped, not removed: that is gc's
 * job), sorted by uid. */
int sbx_sandbox_list(const struct sbx_paths *paths, struct sbx_sandbox_info **ret, size_t *n,
		     struct sbx_error *err);
void sbx_sandbox_info_free(struct sbx_sandbox_info *v, size_t n);

/* setns into the user's sandbox (all its namespaces at once).  The caller
 * then forks/execs: the pid namespace applies to its children.  No session
 * record is made, no privilege dropped.  -ESRCH when the user has none. */
int sbx_sandbox_enter(const struct sbx_paths *paths, uid_t uid, struct sbx_error *err);

/* End the user's sandbox: kill its init (and so every process in it) and
 * remove its state.  -ESRCH when the user has none. */
int sbx_sandbox_stop(const struct sbx_paths *paths, uid_t uid, struct sbx_error *err);

/* Remove stale state (a dead init, dead session records, orphan lock files
 * and record directories) and end sandboxes that have no live session when
 * their linger is off.  *ret_removed (may be NULL) counts the sandboxes
 * removed, stale or ended. */
int sbx_sandbox_gc(const struct sbx_paths *paths, unsigned *ret_removed, struct sbx_error *err);

#endif
