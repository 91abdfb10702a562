/* The sandbox's init (the program sandbox-init): pid 1 of the sandbox's pid
 * namespace and the only holder of its namespaces besides the processes
 * in it.
 *
 * It reaps every child (orphans of the sandbox reparent to it) and wakes on
 * SIGCHLD, on SIGUSR1 (sent by a closing session) and on a timer.  At each
 * wake it takes the user's lock and decides:
 *   - the state file no longer names it (stopped, or its creator died before
 *     registering it): end everything, touch no state that is not its own;
 *   - a live session exists: keep going;
 *   - none, linger off: kill every process of the sandbox, remove the state,
 *     exit;
 *   - none, linger on: when it is alone, remove the state and exit.
 * The timer settles every race with the signals (a signal sent before the
 * init blocked it, an sshd killed mid-login that never closed).
 *
 * Exiting as pid 1 makes the kernel kill whatever is left in the pid
 * namespace; once the processes are gone the namespaces and mounts are
 * freed with them. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "sandbox/cleanup.h"

static int loopback_up(struct sbx_error *err)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int s = -1;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return sbx_error_set(err, errno, "loopback: socket: %m");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return sbx_error_set(err, errno, "loopback: get flags: %m");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return sbx_error_set(err, errno, "loopback: bring up: %m");
	return 0;
}

/* The kernel takes longer to make a network namespace than the init takes
 * for the whole filesystem view (~450 us against ~300 us here, mostly the
 * per-namespace set-up of every network protocol): a thread makes it, with
 * loopback up, while the init builds the view, and the init moves into it
 * once both are done.  Namespaces belong to each thread, so the thread's
 * unshare() leaves the init where it is until its setns(). */
struct net_job {
	pthread_t thread;
	int fd; /* the new network namespace, -1 until made */
	struct sbx_error err;
};

static void *make_net(void *arg)
{
	struct net_job *j = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		sbx_error_set(&j->err, errno, "create the network namespace: %m");
		return NULL;
	}
	if (loopback_up(&j->err) < 0)
		return NULL;
	/* Through the host's /proc: the sandbox's /proc is being replaced
	 * meanwhile (and covered while the hides are made). */
	j->fd = openat(SBX_INIT_FD_PROC, "thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (j->fd < 0)
		sbx_error_set(&j->err, errno, "open the new network namespace: %m");
	return NULL;
}

static int view_and_name(const struct sbx_policy *p, unsigned ns, struct sbx_error *err)
{
	int r;

	if (ns & SBX_NS_MOUNT) {
		r = sbx_mounts_setup(p, (ns & SBX_NS_PID) != 0, err);
		if (r < 0)
			return r;
		if (chdir("/") < 0)
			return sbx_error_set(err, errno, "init: chdir /: %m");
	}
	if ((ns & SBX_NS_UTS) && p->role.hostname &&
	    sethostname(p->role.hostname, strlen(p->role.hostname)) < 0)
		return sbx_error_set(err, errno, "set host name %s: %m", p->role.hostname);
	return 0;
}

int sbx_init_setup(const struct sbx_policy *p, unsigned ns, struct sbx_error *err)
{
	struct net_job net = { .fd = -1, .err = SBX_ERROR_INIT };
	int r, e;

	if (ns & SBX_NS_NET) {
		e = pthread_create(&net.thread, NULL, make_net, &net);
		if (e)
			return sbx_error_set(err, e, "create the network namespace: %s", strerror(e));
	}
	r = view_and_name(p, ns, err);
	if (!(ns & SBX_NS_NET))
		return r;
	/* Always wait for the thread, also when the view failed. */
	e = pthread_join(net.thread, NULL);
	if (r == 0 && e)
		r = sbx_error_set(err, e, "create the network namespace: %s", strerror(e));
	if (r == 0 && net.fd < 0) {
		*err = net.err;
		net.err = (struct sbx_error)SBX_ERROR_INIT;
		r = -(err->code ? err->code : EIO);
	}
	if (r == 0 && setns(net.fd, CLONE_NEWNET) < 0)
		r = sbx_error_set(err, errno, "enter the new network namespace: %m");
	if (net.fd >= 0)
		close(net.fd);
	sbx_error_clear(&net.err);
	return r;
}

int sbx_init_limit(unsigned ns, struct sbx_error *err)
{
	uint64_t keep;

	/* From here the init needs CAP_KILL (to end the sandbox) and, without
	 * a pid namespace, CAP_SYS_PTRACE (to find the sandbox's processes
	 * through /proc/PID/ns/mnt).  Nothing else. */
	keep = 1ULL << CAP_KILL;
	if (!(ns & SBX_NS_PID))
		keep |= 1ULL << CAP_SYS_PTRACE;
	return sbx_priv_limit_self(keep, err);
}

struct init_ctx {
	int users_fd;
	int proc_fd; /* the host's /proc */
	int own_proc_fd; /* the sandbox's /proc (pid namespace only) */
	uid_t uid;
	bool pidns;
	pid_t hostpid;
	unsigned long long start;
	ino_t mntns;
};

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Without a pid namespace, the sandbox's processes are those in our mount
 * namespace.  Counts them (but us), killing each when KILL_THEM. */
static unsigned host_members(const struct init_ctx *c, bool kill_them)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned found = 0;
	int fd;

	fd = openat(c->proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 1; /* cannot tell: assume not alone */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 1;
	}
	while ((de = readdir(d))) {
		char path[sizeof(de->d_name) + 8];
		struct stat st;

		if (!is_pid_name(de->d_name) || atoi(de->d_name) == c->hostpid)
			continue;
		snprintf(path, sizeof(path), "%s/ns/mnt", de->d_name);
		if (fstatat(c->proc_fd, path, &st, 0) < 0 || st.st_ino != c->mntns)
			continue;
		found++;
		if (kill_them)
			kill(atoi(de->d_name), SIGKILL);
	}
	return found;
}

/* Whether no process but us is left in the sandbox. */
static bool alone(const struct init_ctx *c)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (!c->pidns)
		return host_members(c, false) == 0;
	fd = openat(c->own_proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d)))
		if (is_pid_name(de->d_name) && strcmp(de->d_name, "1") != 0)
			return false;
	return true;
}

static void kill_all(const struct init_ctx *c)
{
	if (c->pidns)
		kill(-1, SIGKILL); /* every process of our pid namespace but us */
	else
		host_members(c, true);
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Returns true when the init must exit. */
static bool check(const struct init_ctx *c)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_state st = { 0 };
	_cleanup_close_ int lock = -1;
	unsigned live = 0;
	bool done = false;
	int r;

	r = sbx_state_lock(c->users_fd, c->uid, &lock, &err);
	sbx_error_clear(&err);
	if (r == -ENOENT) {
		/* The state directory itself was removed: nobody can join,
		 * list or stop this sandbox any more, so end it. */
		kill_all(c);
		return true;
	}
	if (r < 0)
		return false; /* try again at the next tick */
	r = sbx_state_read(c->users_fd, c->uid, &st, &err);
	sbx_error_clear(&err);
	if (r < 0 || st.init_pid != c->hostpid || st.init_start != c->start) {
		/* Not (or no longer) registered: nobody can join or stop us
		 * through the state, so end now.  With no state at all the
		 * lock file is stale too (we hold it: unlinking it is safe). */
		kill_all(c);
		if (r == -ENOENT)
			(void)sbx_state_remove(c->users_fd, c->uid, true);
		sbx_state_clear(&st);
		return true;
	}
	if (sbx_state_live_sessions(c->users_fd, c->uid, c->proc_fd, true, &live) < 0)
		live = 1; /* cannot tell: keep the sandbox */
	if (live == 0 && !st.linger) {
		kill_all(c);
		done = true;
	} else if (live == 0 && alone(c)) {
		done = true;
	}
	if (done)
		(void)sbx_state_remove(c->users_fd, c->uid, true);
	sbx_state_clear(&st);
	return done;
}

int sbx_init_main(int users_fd, int proc_fd, uid_t uid, bool pidns)
{
	struct init_ctx c = {
		.users_fd = users_fd, .proc_fd = proc_fd, .own_proc_fd = -1,
		.uid = uid, .pidns = pidns,
	};
	struct itimerspec its = {
		.it_interval = { SBX_INIT_TICK_SEC, 0 },
		.it_value = { SBX_INIT_TICK_SEC, 0 },
	};
	char self[32];
	struct stat st;
	sigset_t mask;
	ssize_t n;
	int sfd, tfd;

	n = readlinkat(proc_fd, "self", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = 0;
	c.hostpid = atoi(self);
	if (sbx_proc_starttime(proc_fd, c.hostpid, &c.start) < 0)
		return 1;
	if (fstatat(proc_fd, "self/ns/mnt", &st, 0) < 0)
		return 1;
	c.mntns = st.st_ino;
	if (pidns) {
		c.own_proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c.own_proc_fd < 0)
			return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return 1;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		return 1;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = tfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		uint64_t ticks;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return 1;
		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			;
		while (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
			;
		reap();
		if (check(&c))
			return 0;
	}
}
