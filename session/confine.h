/* Private interfaces of the confinement engine (session/sandbox.c and the
 * files it is made of, plus the sandbox-init program).  Not installed. */
#ifndef SANDBOX_CONFINE_H
#define SANDBOX_CONFINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "sandbox/error.h"
#include "sandbox/policy.h"

#define SBX_STATE_DIR_DEFAULT "/run/pam_sandbox"
#define SBX_INIT_NAME "sandbox-init"

/* How often the init re-checks its sessions without being told (seconds).
 * The signal from close is only a shortcut: every race with it (a signal
 * sent before the init blocked it, a crashed sshd) is settled here. */
#define SBX_INIT_TICK_SEC 3

/* Fixed descriptor numbers handed to sandbox-init (see namespaces.c). */
#define SBX_INIT_FD_STATUS 3 /* closed by sandbox-init once the view is set up */
#define SBX_INIT_FD_USERS 4  /* state_dir/users */
#define SBX_INIT_FD_PROC 5   /* the host's /proc, opened before the new mount ns */
#define SBX_INIT_FD_EXE 6    /* close-on-exec: the program itself */
#define SBX_INIT_FD_POLICY 7 /* memfd: the policy, as policy-wire.c writes it */

/* ---- state.c: state directory, lock, state file, session records ---- */

struct sbx_state {
	pid_t init_pid;             /* in the host pid namespace */
	unsigned long long init_start; /* /proc/PID/stat field 22 */
	uid_t uid;
	char *user;
	char *role;
	time_t created;
	bool linger;
	unsigned namespaces; /* SBX_NS_* the sandbox holds (what joiners setns) */
	/* Inode numbers of the sandbox's namespaces, by SBX_NS_* bit index
	 * (sbx_ns_index); 0 when unknown.  Read once when the sandbox is made
	 * so that a joining login does not look them up in /proc again. */
	uint64_t ns_ino[SBX_NS_COUNT];
};

/* The bit index of the single namespace flag NS (0 for SBX_NS_MOUNT ...),
 * or -1; and its name under /proc/PID/ns/. */
int sbx_ns_index(unsigned ns);
const char *sbx_ns_proc_name(unsigned ns);

/* Fill st->ns_ino for the namespaces of st->namespaces from the init's
 * /proc/PID/ns/ entries (PROC_FD: the host's /proc).  Best effort: what
 * cannot be read stays 0. */
void sbx_state_read_ns_inodes(int proc_fd, struct sbx_state *st);

void sbx_state_clear(struct sbx_state *st);

/* Open (creating when asked) STATE_DIR and its users/ directory, refusing
 * symbolic links and anything not owned by root or writable by others.
 * Returns the users/ fd in *ret_fd; -ENOENT when missing and !create. */
int sbx_state_open(const char *state_dir, bool create, int *ret_fd, struct sbx_error *err);

/* Take the user's lock (blocking).  A lock file is unlinked by whoever ends
 * a sandbox while holding it, so after flock() we check that the file we
 * hold is still the one at the path, and retry otherwise. */
int sbx_state_lock(int users_fd, uid_t uid, int *ret_fd, struct sbx_error *err);

int sbx_state_read(int users_fd, uid_t uid, struct sbx_state *ret, struct sbx_error *err);
int sbx_state_write(int users_fd, const struct sbx_state *st, struct sbx_error *err);

/* Remove the state file and every session record, and with LOCK_TOO the
 * lock file (the caller holds the lock, and unlinking it must be the last
 * thing it does before letting go: see sbx_state_lock).  Best effort:
 * returns the first error. */
int sbx_state_remove(int users_fd, uid_t uid, bool lock_too);

int sbx_state_add_session(int users_fd, uid_t uid, pid_t pid, unsigned long long start,
			  struct sbx_error *err);
int sbx_state_del_session(int users_fd, uid_t uid, pid_t pid, unsigned long long start);

/* Count session records whose process is alive with the same start time,
 * removing the dead ones when PRUNE (the caller holds the lock).  proc_fd
 * is the host's /proc. */
int sbx_state_live_sessions(int users_fd, uid_t uid, int proc_fd, bool prune, unsigned *ret);

/* Start time (field 22 of /proc/PID/stat, read through PROC_FD) of a live
 * process.  -ESRCH when it is gone or a zombie. */
int sbx_proc_starttime(int proc_fd, pid_t pid, unsigned long long *ret);

/* Parse a decimal number that fits; -EINVAL otherwise. */
int sbx_parse_ull(const char *s, unsigned long long *ret);

/* ---- namespaces.c ---- */

/* clone/setns flags for SBX_NS_* bits. */
int sbx_ns_clone_flags(unsigned ns);

/* Start a sandbox for P: an init in new namespaces with the filesystem view
 * set up, running sandbox-init.  Returns its host pid, start time and a
 * handle on it (as sbx_ns_init_pidfd).  On failure nothing of it is left
 * running. */
int sbx_ns_create(const struct sbx_policy *p, unsigned ns, int users_fd, int proc_fd,
		  int exe_fd, pid_t *ret_pid, unsigned long long *ret_start, int *ret_pidfd,
		  struct sbx_error *err);

/* A handle on the init of ST (a pidfd, or a /proc/PID directory where
 * pidfd_open is missing) after checking that PID still is that init (start
 * time).  -ESRCH when it is gone. */
int sbx_ns_init_pidfd(int proc_fd, const struct sbx_state *st, int *ret_fd);

/* Signal the init behind handle FD (PID for the fallback). */
int sbx_ns_signal(int fd, pid_t pid, int sig);

/* Wait until the process behind FD has exited, at most TIMEOUT_MS. */
void sbx_ns_wait_exit(int fd, int timeout_ms);

/* Move the caller into every namespace of NS held by the handle FD: one
 * setns(pidfd), which the kernel applies all or nothing. */
int sbx_ns_join(int fd, unsigned ns, struct sbx_error *err);

/* ---- mounts.c (runs in the new init, before exec) ---- */

/* Build the filesystem view of P in the current (new) mount namespace.
 * with_proc: mount a fresh /proc for the current pid namespace. */
int sbx_mounts_setup(const struct sbx_policy *p, bool with_proc, struct sbx_error *err);

/* Open PATH without following any symbolic link (O_PATH).  A path through
 * a link fails with -ELOOP and says so. */
int sbx_open_nofollow(int dirfd, const char *path, int flags, int *ret_fd,
		      struct sbx_error *err);

/* ---- privileges.c ---- */

/* Drop from the bounding set every capability not in KEEP (bit 1<<CAP_X);
 * CAP_AUDIT_CONTROL and CAP_AUDIT_WRITE are always dropped. */
int sbx_priv_drop_bounding(uint64_t keep, struct sbx_error *err);
int sbx_priv_no_new_privs(struct sbx_error *err);

/* ---- policy-wire.c ---- */

/* The init's part of a policy as bytes, and back.  Returns 0, -ENOMEM or
 * (decode) -EINVAL.  Decode fills only what encode writes; release it with
 * sbx_wire_free. */
int sbx_wire_encode(const struct sbx_policy *p, unsigned ns, char **ret, size_t *ret_len);
int sbx_wire_decode(const char *buf, size_t len, struct sbx_policy *p, unsigned *ret_ns);
void sbx_wire_free(struct sbx_policy *p);

/* Reduce the caller to KEEP: bounding set, then permitted and effective
 * (inheritable and ambient cleared).  For a process that will not exec. */
int sbx_priv_limit_self(uint64_t keep, struct sbx_error *err);

/* ---- init.c ---- */

/* Inside the new namespaces, as root: build the view (mounts.c), set the
 * host name, bring up loopback in a new network namespace. */
int sbx_init_setup(const struct sbx_policy *p, unsigned ns, struct sbx_error *err);

/* Then reduce the init's own privileges to what its loop needs. */
int sbx_init_limit(unsigned ns, struct sbx_error *err);

/* The sandbox's init: reap, re-check on SIGCHLD / SIGUSR1 / a timer, end
 * the sandbox when its last session is gone (linger off) or when it is
 * alone (linger on).  Returns the exit status of the program. */
int sbx_init_main(int users_fd, int proc_fd, uid_t uid, bool pidns);

#endif
