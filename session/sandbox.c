/* The per-user sandbox: open (create or join), close, and the admin
 * operations (list, enter, stop, gc).  See sandbox.h for the model and
 * confine.h for the pieces. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "sandbox/cgroup.h"
#include "sandbox/cleanup.h"
#include "sandbox/sandbox.h"

/* How long close/stop wait for a killed sandbox to be gone (its init's exit
 * comes after every other process of its pid namespace is reaped). */
#define END_WAIT_MS 2000

struct sbx_session {
	int users_fd; /* state_dir/users, opened before setns */
	int proc_fd;  /* the host's /proc, opened before setns */
	int pidfd;    /* the init */
	uid_t uid;
	pid_t self_pid;
	unsigned long long self_start;
	pid_t init_pid;
	unsigned long long init_start;
	uint64_t ns_ino[SBX_NS_COUNT]; /* from the state */
	bool closed;
	char id[48];
	struct sbx_cgroup *cg;  /* the user's cgroup, NULL without a driver */
	char sid[24];           /* our session cgroup: the opener's pid */
	bool in_session_cg;     /* the caller was moved into it */
	bool have_usage;
	struct sbx_cgroup_usage usage; /* of the session cgroup, at close */
};

static void session_free(struct sbx_session *s)
{
	if (!s)
		return;
	if (s->users_fd >= 0)
		close(s->users_fd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	sbx_cgroup_free(s->cg);
	free(s);
}

void sbx_session_free(struct sbx_session *s)
{
	session_free(s);
}

SBX_DEFINE_CLEANUP(struct sbx_session, session_free)

pid_t sbx_session_init_pid(const struct sbx_session *s)
{
	return s ? s->init_pid : 0;
}

const char *sbx_session_sandbox_id(const struct sbx_session *s)
{
	return s ? s->id : "";
}

bool sbx_session_usage(const struct sbx_session *s, struct sbx_cgroup_usage *ret)
{
	if (!s || !s->have_usage)
		return false;
	*ret = s->usage;
	return true;
}

uint64_t sbx_session_ns_inode(const struct sbx_session *s, unsigned ns)
{
	int i = sbx_ns_index(ns);
	char rel[64];
	struct stat st;

	if (!s || i < 0)
		return 0;
	if (s->ns_ino[i])
		return s->ns_ino[i];
	/* A state written before the numbers were kept in it. */
	if (s->proc_fd < 0 || s->init_pid <= 0)
		return 0;
	snprintf(rel, sizeof(rel), "%d/ns/%s", (int)s->init_pid, sbx_ns_proc_name(ns));
	return fstatat(s->proc_fd, rel, &st, 0) == 0 ? (uint64_t)st.st_ino : 0;
}

const char *sbx_session_cgroup(const struct sbx_session *s)
{
	return s && s->cg ? sbx_cgroup_path(s->cg) : NULL;
}

static void make_id(char *buf, size_t len, uid_t uid, unsigned long long start)
{
	snprintf(buf, len, "%u-%llu", (unsigned)uid, start);
}

static void unlock(int *fd)
{
	sbx_closep(fd); /* closing the descriptor releases the flock */
	*fd = -1;
}

static int open_host_proc(int *ret_fd, struct sbx_error *err)
{
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sbx_error_set(err, errno, "open /proc: %m");
	*ret_fd = fd;
	return 0;
}

/* Kill the init behind handle FD and wait (bounded) until it is gone. */
static void end_init(int fd, pid_t pid)
{
	if (sbx_ns_signal(fd, pid, SIGKILL) < 0)
		return;
	sbx_ns_wait_exit(fd, END_WAIT_MS);
}

/* The calling process must be able to drop bounding-set capabilities after
 * it joined (CAP_SETPCAP), or it would be half-confined: check first. */
static int check_caps(struct sbx_error *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return sbx_error_set(err, errno, "read capabilities: %m");
	if (!(d[CAP_SETPCAP / 32].effective & (1u << (CAP_SETPCAP % 32))) ||
	    !(d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))))
		return sbx_error_set(err, EPERM, "not privileged (CAP_SYS_ADMIN and CAP_SETPCAP needed)");
	return 0;
}

static unsigned policy_namespaces(const struct sbx_policy *p)
{
	unsigned ns = p->role.namespaces;

	if (p->role.network == SBX_NETWORK_NONE)
		ns |= SBX_NS_NET;
	return ns;
}

/* Under the lock: find the user's live sandbox, or clean up a stale one.
 * Returns 1 with *st and *pidfd filled, 0 when there is none, or <0. */
static int find_sandbox(int users_fd, int proc_fd, uid_t uid, struct sbx_state *st, int *pidfd,
			struct sbx_error *err)
{
	int r;

	r = sbx_state_read(users_fd, uid, st, err);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG) {
		sbx_error_clear(err);
		(void)sbx_state_remove(users_fd, uid, false);
		return 0;
	}
	if (r < 0)
		return r;
	r = sbx_ns_init_pidfd(proc_fd, st, pidfd);
	if (r == -ESRCH) {
		/* The init died (killed, or the host rebooted without clearing
		 * /run): its sessions are gone with its pid namespace. */
		sbx_state_clear(st);
		(void)sbx_state_remove(users_fd, uid, false);
		return 0;
	}
	if (r < 0) {
		sbx_state_clear(st);
		return sbx_error_set(err, -r, "sandbox of uid %u: pidfd: %s", (unsigned)uid,
				     strerror(-r));
	}
	return 1;
}

/* Kill whatever is left in the user's cgroup (processes of a role without
 * a pid namespace; stragglers of the pid namespace still being reaped) and
 * remove it.  Best effort: sandboxctl gc removes what is still busy. */
static void end_cgroup(struct sbx_cgroup *cg)
{
	if (!cg)
		return;
	(void)sbx_cgroup_user_kill(cg, NULL);
	for (int i = 0; i < 50; i++) {
		if (sbx_cgroup_user_remove(cg, NULL) != -EBUSY)
			break;
		usleep(2000);
	}
}

/* Leave the sandbox: remove our record; end the sandbox when nothing keeps
 * it.  Called with the lock held, as the last thing before letting it go
 * (ending the sandbox unlinks the lock file).  CREATED: this call made the
 * sandbox and failed, so end it even with linger on (no session ever
 * used it). */
static void leave_locked(struct sbx_session *s, bool linger, bool created)
{
	unsigned live = 0;

	/* Out of the session cgroup first (the caller is still in it), so
	 * that it can be removed and its usage read for the audit record;
	 * -EBUSY just means processes of the session linger in it. */
	if (s->in_session_cg) {
		s->have_usage = sbx_cgroup_session_close(s->cg, s->sid, &s->usage, NULL) == 0 ||
				s->usage.known;
		s->in_session_cg = false;
	}
	(void)sbx_state_del_session(s->users_fd, s->uid, s->self_pid, s->self_start);
	if (sbx_state_live_sessions(s->users_fd, s->uid, s->proc_fd, true, &live) < 0)
		live = 1;
	if (live > 0)
		return;
	if (!linger || created) {
		end_init(s->pidfd, s->init_pid);
		(void)sbx_state_remove(s->users_fd, s->uid, true);
		end_cgroup(s->cg);
	} else {
		/* The init re-checks now instead of at its next tick. */
		(void)sbx_ns_signal(s->pidfd, s->init_pid, SIGUSR1);
	}
}

int sbx_session_open(const struct sbx_policy *p, const struct sbx_paths *paths,
		     struct sbx_session **ret, bool *ret_created, struct sbx_error *err)
{
	_cleanup_(session_freep) struct sbx_session *s = NULL;
	_cleanup_close_ int lock = -1, exe_fd = -1;
	struct sbx_state st = { 0 };
	unsigned ns = policy_namespaces(p);
	bool created = false, found;
	int r;

	if (!p->role.sandbox)
		return sbx_error_set(err, EINVAL, "role %s is exempt: no sandbox to open",
				     p->role.name ? p->role.name : "?");
	if (!(ns & SBX_NS_MOUNT))
		return sbx_error_set(err, EINVAL, "role %s: a sandbox needs the mount namespace",
				     p->role.name ? p->role.name : "?");
	if (!p->role.session.linger && !(ns & SBX_NS_PID))
		return sbx_error_set(err, EINVAL,
				     "role %s: linger off needs the pid namespace (to end every process)",
				     p->role.name ? p->role.name : "?");
	r = check_caps(err);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return sbx_error_set(err, ENOMEM, "out of memory");
	s->users_fd = s->proc_fd = s->pidfd = -1;
	s->uid = p->uid;
	s->self_pid = getpid();

	r = sbx_state_open(paths ? paths->state_dir : NULL, true, &s->users_fd, err);
	if (r < 0)
		return r;
	r = open_host_proc(&s->proc_fd, err);
	if (r < 0)
		return r;
	if (sbx_proc_starttime(s->proc_fd, s->self_pid, &s->self_start) < 0)
		return sbx_error_set(err, EIO, "read own start time");

	r = sbx_state_lock(s->users_fd, s->uid, &lock, err);
	if (r < 0)
		return r;
	r = find_sandbox(s->users_fd, s->proc_fd, s->uid, &st, &s->pidfd, err);
	if (r < 0)
		return r;
	found = r > 0;
	/* The user's cgroup with the role's limits (idempotent on join: the
	 * limits of the current configuration win). */
	if (paths && paths->cgroup) {
		r = sbx_cgroup_user_open(paths->cgroup, s->uid, &p->role.limits, &s->cg, err);
		if (r < 0) {
			sbx_state_clear(&st);
			return r;
		}
	}
	if (found) {
		unsigned max = p->role.session.max_sessions, live = 0;

		if (max > 0 &&
		    sbx_state_live_sessions(s->users_fd, s->uid, s->proc_fd, true, &live) == 0 &&
		    live >= max) {
			sbx_state_clear(&st);
			return sbx_error_set(err, EUSERS, "session limit reached (%u of %u)", live,
					     max);
		}
	} else {
		const char *init = paths && paths->init_path ? paths->init_path
							      : SBX_LIBEXECDIR "/" SBX_INIT_NAME;

		exe_fd = open(init, O_PATH | O_CLOEXEC);
		if (exe_fd < 0)
			return sbx_error_set(err, errno, "%s: %m", init);
		st = (struct sbx_state){
			.uid = p->uid,
			.created = time(NULL),
			.linger = p->role.session.linger,
			.namespaces = ns,
		};
		st.user = strdup(p->user ? p->user : "");
		st.role = strdup(p->role.name ? p->role.name : "");
		if (!st.user || !st.role) {
			sbx_state_clear(&st);
			return sbx_error_set(err, ENOMEM, "out of memory");
		}
		r = sbx_ns_create(p, ns, s->users_fd, s->proc_fd, exe_fd, &st.init_pid,
				  &st.init_start, &s->pidfd, err);
		if (r < 0) {
			sbx_state_clear(&st);
			return r;
		}
		created = true;
		/* The init lives as long as the sandbox: in the user's cgroup
		 * ("init" leaf), or its own scope on systemd hosts, never in the
		 * cgroup of the sshd that happened to start it. */
		if (r == 0 && s->cg)
			r = sbx_cgroup_attach_init(s->cg, st.init_pid, err);
		if (r == 0) {
			sbx_state_read_ns_inodes(s->proc_fd, &st);
			r = sbx_state_write(s->users_fd, &st, err);
		}
		if (r < 0) {
			if (s->pidfd >= 0)
				end_init(s->pidfd, st.init_pid);
			(void)sbx_state_remove(s->users_fd, s->uid, false);
			end_cgroup(s->cg);
			sbx_state_clear(&st);
			return r;
		}
	}
	s->init_pid = st.init_pid;
	s->init_start = st.init_start;
	memcpy(s->ns_ino, st.ns_ino, sizeof(s->ns_ino));
	make_id(s->id, sizeof(s->id), s->uid, st.init_start);

	/* Into the session cgroup before joining: everything the caller
	 * starts from now on (the user's session) is accounted there. */
	if (s->cg) {
		snprintf(s->sid, sizeof(s->sid), "%d", (int)s->self_pid);
		r = sbx_cgroup_attach_session(s->cg, s->sid, s->self_pid, err);
		if (r < 0) {
			if (created) {
				end_init(s->pidfd, st.init_pid);
				(void)sbx_state_remove(s->users_fd, s->uid, false);
				end_cgroup(s->cg);
			}
			sbx_state_clear(&st);
			return r;
		}
		s->in_session_cg = true;
	}
	r = sbx_state_add_session(s->users_fd, s->uid, s->self_pid, s->self_start, err);
	if (r == 0)
		r = sbx_ns_join(s->pidfd, st.namespaces, err);
	if (r < 0) {
		leave_locked(s, st.linger, created);
		sbx_state_clear(&st);
		return r;
	}
	unlock(&lock);

	/* Joined: from here on only privilege drops, which a caller holding
	 * CAP_SETPCAP (checked above) cannot fail. */
	r = sbx_priv_drop_bounding(p->role.priv.capabilities, err);
	if (r == 0 && p->role.priv.no_new_privs)
		r = sbx_priv_no_new_privs(err);
	if (r < 0) {
		/* Refused: PAM will not call close, so leave now. */
		if (sbx_state_lock(s->users_fd, s->uid, &lock, NULL) == 0)
			leave_locked(s, st.linger, created);
		sbx_state_clear(&st);
		return r;
	}
	sbx_state_clear(&st);
	if (ret_created)
		*ret_created = created;
	*ret = TAKE_PTR(s);
	return 0;
}

int sbx_session_close(struct sbx_session *s, struct sbx_error *err)
{
	_cleanup_close_ int lock = -1;
	struct sbx_state st = { 0 };
	int r;

	if (!s || s->closed)
		return 0;
	r = sbx_state_lock(s->users_fd, s->uid, &lock, err);
	if (r < 0)
		return r;
	s->closed = true;
	r = sbx_state_read(s->users_fd, s->uid, &st, err);
	if (r == 0 && st.init_pid == s->init_pid && st.init_start == s->init_start) {
		leave_locked(s, st.linger, false);
	} else {
		/* Our sandbox was stopped (and maybe another made since): only
		 * our record and session cgroup may be left. */
		sbx_error_clear(err);
		if (s->in_session_cg) {
			s->have_usage = sbx_cgroup_session_close(s->cg, s->sid, &s->usage, NULL) == 0;
			s->in_session_cg = false;
		}
		(void)sbx_state_del_session(s->users_fd, s->uid, s->self_pid, s->self_start);
	}
	sbx_state_clear(&st);
	return 0;
}

/* ---- sandboxctl ---- */

static bool is_uid_name(const char *s, uid_t *uid)
{
	unsigned long long v;

	if (sbx_parse_ull(s, &v) < 0 || v > UINT32_MAX - 1)
		return false;
	*uid = (uid_t)v;
	return true;
}

void sbx_sandbox_info_free(struct sbx_sandbox_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].user);
		free(v[i].role);
		free(v[i].id);
	}
	free(v);
}

static int cmp_info(const void *a, const void *b)
{
	const struct sbx_sandbox_info *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* For list and gc: the state's users/ directory, the host's /proc and a
 * listing of users/.  Returns 0 with *ret_dir NULL when there is no state
 * directory (no sandbox ever ran), 0 with all three open, or <0. */
static int open_listing(const struct sbx_paths *paths, int *users_fd, int *proc_fd,
			DIR **ret_dir, struct sbx_error *err)
{
	int r, fd;

	*ret_dir = NULL;
	r = sbx_state_open(paths ? paths->state_dir : NULL, false, users_fd, err);
	if (r == -ENOENT) {
		sbx_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = open_host_proc(proc_fd, err);
	if (r < 0)
		return r;
	fd = openat(*users_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(*ret_dir = fdopendir(fd))) {
		r = sbx_error_set(err, errno, "read state directory: %m");
		if (fd >= 0)
			close(fd);
		return r;
	}
	return 0;
}

int sbx_sandbox_list(const struct sbx_paths *paths, struct sbx_sandbox_info **ret, size_t *n,
		     struct sbx_error *err)
{
	_cleanup_close_ int users_fd = -1, proc_fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct sbx_sandbox_info *v = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	int r;

	*ret = NULL;
	*n = 0;
	r = open_listing(paths, &users_fd, &proc_fd, &d, err);
	if (r < 0 || !d)
		return r;
	while ((de = readdir(d))) {
		struct sbx_state st = { 0 };
		struct sbx_sandbox_info *i;
		unsigned long long start;
		unsigned live = 0;
		uid_t uid;
		char id[48];

		if (!is_uid_name(de->d_name, &uid))
			continue;
		if (sbx_state_read(users_fd, uid, &st, NULL) < 0)
			continue;
		if (sbx_proc_starttime(proc_fd, st.init_pid, &start) < 0 || start != st.init_start) {
			sbx_state_clear(&st); /* stale: gc's job */
			continue;
		}
		(void)sbx_state_live_sessions(users_fd, uid, proc_fd, false, &live);
		if (count == cap) {
			struct sbx_sandbox_info *nv;
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				sbx_state_clear(&st);
				sbx_sandbox_info_free(v, count);
				return sbx_error_set(err, ENOMEM, "out of memory");
			}
			v = nv;
		}
		i = &v[count++];
		make_id(id, sizeof(id), uid, st.init_start);
		*i = (struct sbx_sandbox_info){
			.user = TAKE_PTR(st.user), .uid = uid, .role = TAKE_PTR(st.role),
			.init_pid = st.init_pid, .sessions = live, .since = st.created,
			.linger = st.linger, .id = strdup(id), .namespaces = st.namespaces,
		};
		sbx_state_clear(&st);
		if (!i->user || !i->role || !i->id) {
			sbx_sandbox_info_free(v, count);
			return sbx_error_set(err, ENOMEM, "out of memory");
		}
	}
	if (count)
		qsort(v, count, sizeof(*v), cmp_info);
	*ret = v;
	*n = count;
	return 0;
}

/* For enter and stop: the user's sandbox, with its lock held in *LOCK.
 * Returns 1 with *st and *pidfd filled, 0 when the user has none (or no
 * sandbox ever ran: *users_fd stays -1), or <0. */
static int locked_sandbox(const struct sbx_paths *paths, uid_t uid, int *users_fd, int *lock,
			  struct sbx_state *st, int *pidfd, struct sbx_error *err)
{
	_cleanup_close_ int proc_fd = -1;
	int r;

	r = sbx_state_open(paths ? paths->state_dir : NULL, false, users_fd, err);
	if (r == -ENOENT) {
		sbx_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = open_host_proc(&proc_fd, err);
	if (r < 0)
		return r;
	r = sbx_state_lock(*users_fd, uid, lock, err);
	if (r < 0)
		return r;
	return find_sandbox(*users_fd, proc_fd, uid, st, pidfd, err);
}

int sbx_sandbox_enter(const struct sbx_paths *paths, uid_t uid, struct sbx_error *err)
{
	_cleanup_close_ int users_fd = -1, lock = -1, pidfd = -1;
	struct sbx_state st = { 0 };
	int r;

	r = locked_sandbox(paths, uid, &users_fd, &lock, &st, &pidfd, err);
	if (r <= 0)
		return r < 0 ? r : sbx_error_set(err, ESRCH, "uid %u has no sandbox", (unsigned)uid);
	r = sbx_ns_join(pidfd, st.namespaces, err);
	sbx_state_clear(&st);
	return r;
}

int sbx_sandbox_stop(const struct sbx_paths *paths, uid_t uid, struct sbx_error *err)
{
	_cleanup_close_ int users_fd = -1, lock = -1, pidfd = -1;
	struct sbx_state st = { 0 };
	int r;

	r = locked_sandbox(paths, uid, &users_fd, &lock, &st, &pidfd, err);
	if (r < 0)
		return r;
	if (r > 0)
		end_init(pidfd, st.init_pid);
	sbx_state_clear(&st);
	if (users_fd >= 0)
		(void)sbx_state_remove(users_fd, uid, true);
	if (paths && paths->cgroup) {
		struct sbx_cgroup *cg = NULL;

		if (sbx_cgroup_user_get(paths->cgroup, uid, &cg, NULL) == 0) {
			end_cgroup(cg);
			sbx_cgroup_free(cg);
		}
	}
	return r > 0 ? 0 : sbx_error_set(err, ESRCH, "uid %u has no sandbox", (unsigned)uid);
}

/* gc of one user, under its lock.  Returns 1 when it removed a sandbox
 * (stale state or one that nothing keeps), else 0. */
static unsigned gc_user(int users_fd, int proc_fd, uid_t uid)
{
	_cleanup_close_ int lock = -1, pidfd = -1;
	struct sbx_state st = { 0 };
	unsigned removed = 0, live = 0;
	int r;

	if (sbx_state_lock(users_fd, uid, &lock, NULL) < 0)
		return 0;
	r = sbx_state_read(users_fd, uid, &st, NULL);
	if (r == 0 && sbx_ns_init_pidfd(proc_fd, &st, &pidfd) == 0) {
		(void)sbx_state_live_sessions(users_fd, uid, proc_fd, true, &live);
		if (live == 0 && !st.linger) {
			end_init(pidfd, st.init_pid);
			(void)sbx_state_remove(users_fd, uid, true);
			removed++;
		}
		sbx_state_clear(&st);
		return removed;
	}
	/* No state, a broken one, or a dead init: everything of this uid is
	 * stale.  (A first login in progress holds the lock, so it is not
	 * seen half-made here.) */
	if (r != -ENOENT)
		removed++;
	else {
		char name[32];
		struct stat sb;
		snprintf(name, sizeof(name), "%u.sessions", (unsigned)uid);
		if (fstatat(users_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			removed++;
	}
	sbx_state_clear(&st);
	(void)sbx_state_remove(users_fd, uid, true);
	return removed;
}

int sbx_sandbox_gc(const struct sbx_paths *paths, unsigned *ret_removed, struct sbx_error *err)
{
	_cleanup_close_ int users_fd = -1, proc_fd = -1;
	_cleanup_free_ uid_t *uids = NULL;
	size_t n = 0, cap = 0;
	unsigned removed = 0;
	DIR *d;
	struct dirent *de;
	int r;

	if (ret_removed)
		*ret_removed = 0;
	r = open_listing(paths, &users_fd, &proc_fd, &d, err);
	if (r < 0 || !d)
		return r;
	/* Collect first: gc removes entries while it goes. */
	while ((de = readdir(d))) {
		char name[64], *dot;
		uid_t uid;
		bool dup = false;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(name))
			continue;
		strcpy(name, de->d_name);
		dot = strchr(name, '.');
		if (dot)
			*dot = 0;
		if (!is_uid_name(name, &uid))
			continue;
		for (size_t i = 0; i < n; i++)
			dup |= uids[i] == uid;
		if (dup)
			continue;
		if (n == cap) {
			uid_t *nu;
			cap = cap ? cap * 2 : 16;
			nu = realloc(uids, cap * sizeof(*uids));
			if (!nu) {
				closedir(d);
				return sbx_error_set(err, ENOMEM, "out of memory");
			}
			uids = nu;
		}
		uids[n++] = uid;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		removed += gc_user(users_fd, proc_fd, uids[i]);
	/* Then the cgroups nothing lives in any more (a lingering sandbox
	 * that ended by itself, a crash). */
	if (paths && paths->cgroup) {
		unsigned cg_removed = 0;

		r = sbx_cgroup_gc(paths->cgroup, &cg_removed, err);
		if (r < 0)
			return r;
	}
	if (ret_removed)
		*ret_removed = removed;
	return 0;
}
