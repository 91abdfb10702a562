/* Creating a sandbox's namespaces and joining them.
 *
 * Create: the PAM process starts an intermediate, which unshare()s the new
 * namespaces (all but the network one, which the init makes itself while
 * it builds the view: init.c) and starts the init (pid 1 of the new pid
 * namespace), then exits at once.  Both are vfork-style clones (CLONE_VM |
 * CLONE_VFORK) on stacks of their own: no copy of the PAM process's address
 * space is made and none is torn down at exec, so the cost does not grow
 * with sshd's size.  The init is therefore not a child of sshd (whose
 * serverloop reaps with waitpid(-1)); the PAM process waits for the
 * intermediate only, by pid.  The init sets up the filesystem view and
 * execs sandbox-init through a descriptor opened in the host's view (so no
 * hidden or read-only path of the sandbox can stand in its way).
 *
 * Why exec at all: the init lives as long as the sandbox; a fork of sshd's
 * monitor would pin the monitor's memory (host keys included) for that
 * long, page tables and all.  After exec it is a small program that only
 * holds what it needs (see confine.h for its descriptors).
 *
 * The forked init does as little as it can in its copy of the PAM process:
 * it arranges its descriptors and execs sandbox-init at once; the program
 * builds the view from the policy it reads from a memfd (policy-wire.c).
 *
 * Status pipe: the init writes 'P' and its host pid first; then either 'E',
 * an errno and the error text before exiting, or nothing: sandbox-init
 * closes the pipe once the view is set up.  So EOF after 'P' means "view
 * set up and sandbox-init running".
 *
 * Join: one setns(pidfd, flags) with every namespace at once, which the
 * kernel applies all or nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "sandbox/cleanup.h"

/* The longest a login waits for a new sandbox's view (a hung NFS mount). */
#define CREATE_TIMEOUT_MS 10000
/* Stack of each short-lived child (they call little beyond syscalls). */
#define CHILD_STACK (64 * 1024)

int sbx_ns_clone_flags(unsigned ns)
{
	int f = 0;

	if (ns & SBX_NS_MOUNT)
		f |= CLONE_NEWNS;
	if (ns & SBX_NS_IPC)
		f |= CLONE_NEWIPC;
	if (ns & SBX_NS_UTS)
		f |= CLONE_NEWUTS;
	if (ns & SBX_NS_PID)
		f |= CLONE_NEWPID;
	if (ns & SBX_NS_NET)
		f |= CLONE_NEWNET;
	if (ns & SBX_NS_CGROUP)
		f |= CLONE_NEWCGROUP;
	return f;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* In a child (sharing the PAM process's memory: no allocation here):
 * report WHAT and errno CODE on the status pipe and end. */
static _Noreturn void child_fail(int status_fd, int code, const char *what)
{
	const char *text = strerror(code);
	int32_t c = code ? code : EIO;

	write_all(status_fd, "E", 1);
	write_all(status_fd, &c, sizeof(c));
	write_all(status_fd, what, strlen(what));
	write_all(status_fd, ": ", 2);
	write_all(status_fd, text, strlen(text));
	_exit(1);
}

/* Put the descriptors the init keeps at their fixed numbers, /dev/null on
 * 0-2 (the monitor's may be the client's socket: the init must not keep a
 * connection open), and close everything else.  Returns 0 or a failing
 * step's name (errno set). */
static const char *arrange_fds(const int src[5])
{
	int tmp[5], null;

	for (int i = 0; i < 5; i++) {
		tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, SBX_INIT_FD_POLICY + 1);
		if (tmp[i] < 0)
			return "init: dup";
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return "init: /dev/null";
	for (int i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			return "init: dup2";
	for (int i = 0; i < 5; i++) {
		/* only the program's own descriptor goes at exec */
		int cloexec = SBX_INIT_FD_STATUS + i == SBX_INIT_FD_EXE ? O_CLOEXEC : 0;
		if (dup3(tmp[i], SBX_INIT_FD_STATUS + i, cloexec) < 0)
			return "init: dup3";
	}
	if (close_range(SBX_INIT_FD_POLICY + 1, ~0U, 0) < 0)
		return "init: close_range";
	return NULL;
}

struct child_args {
	unsigned ns;
	uid_t uid;
	int fds[5]; /* status, users, proc, exe, policy */
	char *stack; /* the init's, below the intermediate's */
	size_t stack_size;
};

/* The init, pid 1 of the new pid namespace (or a plain holder of the
 * namespaces without one).  It runs in the memory of the PAM process (a
 * vfork: no copy of sshd's address space, which is most of the cost of a
 * fork), so it does as little as it can, allocates nothing, and execs
 * sandbox-init, which builds the view from the policy in the memfd. */
static int init_child(void *arg)
{
	const struct child_args *a = arg;
	char self[32], uidbuf[16];
	char name[] = SBX_INIT_NAME, pidns[] = "pidns", nopidns[] = "nopidns";
	char *argv[4], *envp[] = { NULL };
	int status_fd = a->fds[0];
	const char *step;
	sigset_t mask;
	ssize_t n;
	int32_t hostpid;

	n = readlinkat(a->fds[2], "self", self, sizeof(self) - 1);
	if (n <= 0)
		child_fail(status_fd, errno, "init: read own pid");
	self[n] = 0;
	hostpid = (int32_t)atoi(self);
	write_all(status_fd, "P", 1);
	write_all(status_fd, &hostpid, sizeof(hostpid));

	/* Block what the init waits for before anyone can send it: an init
	 * drops signals it has no handler for, but queues blocked ones. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (setsid() < 0)
		child_fail(status_fd, errno, "init: setsid");
	step = arrange_fds(a->fds);
	if (step)
		child_fail(status_fd, errno, step);
	status_fd = SBX_INIT_FD_STATUS;
	umask(022);

	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)a->uid);
	argv[0] = name;
	argv[1] = uidbuf;
	argv[2] = (a->ns & SBX_NS_PID) ? pidns : nopidns;
	argv[3] = NULL;
	/* fexecve: execveat(AT_EMPTY_PATH), or /proc/self/fd where that is
	 * missing (valgrind). */
	fexecve(SBX_INIT_FD_EXE, argv, envp);
	child_fail(status_fd, errno, "exec " SBX_INIT_NAME);
}

/* The intermediate: enters the new namespaces (the pid namespace applies
 * to its next child), starts the init and ends, so the init is not the PAM
 * process's child.  Also a vfork of the PAM process. */
static int intermediate(void *arg)
{
	struct child_args *a = arg;
	pid_t pid;

	/* All but the network namespace, which the init makes itself while
	 * it builds the view (see init.c). */
	if (unshare(sbx_ns_clone_flags(a->ns & ~SBX_NS_NET)) < 0)
		child_fail(a->fds[0], errno, "create namespaces");
	pid = clone(init_child, a->stack + a->stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	if (pid < 0)
		child_fail(a->fds[0], errno, "start sandbox init");
	_exit(0);
}

/* Read everything the intermediate and the init write, until EOF or the
 * deadline.  Returns bytes read, -ETIMEDOUT or -errno. */
static ssize_t read_status(int fd, char *buf, size_t len)
{
	struct timespec start, now;
	size_t got = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t n;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = CREATE_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
					    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)got;
		got += (size_t)n;
		if (got >= len - 1)
			return (ssize_t)got;
	}
}

static void wait_pid(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* A handle on process PID (see is_proc_dir below).  Returns it, or -1 with
 * errno set (ESRCH: no such process). */
static int init_handle(int proc_fd, pid_t pid)
{
	char name[16];
	int fd = pidfd_open(pid, 0);

	if (fd >= 0 || errno != ENOSYS)
		return fd;
	snprintf(name, sizeof(name), "%d", (int)pid);
	fd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		errno = ESRCH;
	return fd;
}

int sbx_ns_create(const struct sbx_policy *p, unsigned ns, int users_fd, int proc_fd,
		  int exe_fd, pid_t *ret_pid, unsigned long long *ret_start, int *ret_pidfd,
		  struct sbx_error *err)
{
	_cleanup_close_ int rd = -1, wr = -1, memfd = -1, pidfd = -1;
	_cleanup_free_ char *wire = NULL, *stacks = NULL;
	struct child_args args;
	size_t wire_len = 0;
	char buf[4096];
	int pipefd[2];
	int32_t initpid = 0;
	ssize_t n;
	pid_t mid;

	if (sbx_wire_encode(p, ns, &wire, &wire_len) < 0)
		return sbx_error_set(err, ENOMEM, "create sandbox: out of memory");
	memfd = memfd_create("sandbox-policy", MFD_CLOEXEC);
	if (memfd < 0)
		return sbx_error_set(err, errno, "create sandbox: memfd: %m");
	if (write(memfd, wire, wire_len) != (ssize_t)wire_len)
		return sbx_error_set(err, errno ? errno : EIO, "create sandbox: write policy: %m");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return sbx_error_set(err, errno, "create sandbox: pipe: %m");
	rd = pipefd[0];
	wr = pipefd[1];

	/* Two stacks: the intermediate's on top, the init's below it. */
	stacks = malloc(2 * CHILD_STACK);
	if (!stacks)
		return sbx_error_set(err, ENOMEM, "create sandbox: out of memory");
	args = (struct child_args){
		.ns = ns, .uid = p->uid, .fds = { wr, users_fd, proc_fd, exe_fd, memfd },
		.stack = stacks, .stack_size = CHILD_STACK,
	};
	/* CLONE_VFORK: we resume once the intermediate is gone, and it once
	 * the init has exec'd (or failed). */
	mid = clone(intermediate, stacks + 2 * CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	if (mid < 0)
		return sbx_error_set(err, errno, "create sandbox: clone: %m");
	close(TAKE_FD(wr));

	n = read_status(rd, buf, sizeof(buf));
	wait_pid(mid);

	if (n >= 1 + (ssize_t)sizeof(initpid) && buf[0] == 'P')
		memcpy(&initpid, buf + 1, sizeof(initpid));
	if (n == -ETIMEDOUT) {
		/* Stuck (a hung mount?): it is alive, so its pid is its own. */
		if (initpid > 0)
			kill(initpid, SIGKILL);
		return sbx_error_set(err, ETIMEDOUT, "create sandbox: set-up timed out");
	}
	if (n < 0)
		return sbx_error_set(err, (int)-n, "create sandbox: status: %s", strerror((int)-n));
	buf[n] = 0;
	{
		/* 'P' pid, then maybe 'E' code text; or 'E' code text alone from
		 * the intermediate (no init was made). */
		size_t off = initpid > 0 ? 1 + sizeof(initpid) : 0;
		if ((size_t)n >= off + 1 + sizeof(int32_t) && buf[off] == 'E') {
			/* The child exited by itself after writing this. */
			int32_t code;
			memcpy(&code, buf + off + 1, sizeof(code));
			if (code <= 0)
				code = EIO;
			return sbx_error_set(err, code, "%s", buf + off + 1 + sizeof(code));
		}
	}
	if (initpid <= 0)
		return sbx_error_set(err, EIO, "create sandbox: the init did not start");

	/* EOF after the pid: sandbox-init runs and now waits for our lock.
	 * The handle first, then the start time (read once): should the pid
	 * be reused in between, the handle is of a dead process and joining
	 * through it fails. */
	pidfd = init_handle(proc_fd, initpid);
	if (pidfd < 0)
		return sbx_error_set(err, errno, "create sandbox: the init died at start: %m");
	if (sbx_proc_starttime(proc_fd, initpid, ret_start) < 0) {
		/* Refused: should it still run, it must not outlive the refusal
		 * (it would end by itself, finding no state naming it, but only
		 * at its next look). */
		(void)sbx_ns_signal(pidfd, initpid, SIGKILL);
		return sbx_error_set(err, ESRCH, "create sandbox: the init died at start");
	}
	*ret_pid = initpid;
	*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

/* A handle on the init is a pidfd; where pidfd_open() is missing (kernel
 * < 5.3, or valgrind, which does not know it) it is a /proc/PID directory
 * descriptor, which also stays bound to that one process.  Tell them apart
 * by type: a pidfd is not a directory. */
static bool is_proc_dir(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

int sbx_ns_init_pidfd(int proc_fd, const struct sbx_state *st, int *ret_fd)
{
	unsigned long long start;
	int fd, r;

	fd = init_handle(proc_fd, st->init_pid);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	/* The pid may have been reused: the handle is the process that has
	 * the pid now; if it started when the init did, it is the init. */
	r = sbx_proc_starttime(proc_fd, st->init_pid, &start);
	if (r < 0 || start != st->init_start) {
		close(fd);
		return -ESRCH;
	}
	*ret_fd = fd;
	return 0;
}

int sbx_ns_signal(int fd, pid_t pid, int sig)
{
	if (pidfd_send_signal(fd, sig, NULL, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* /proc/PID handle: alive (its stat readable) means pid is still it */
	if (faccessat(fd, "stat", F_OK, 0) < 0)
		return -ESRCH;
	return kill(pid, sig) < 0 ? -errno : 0;
}

void sbx_ns_wait_exit(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (!is_proc_dir(fd)) {
		while (poll(&pfd, 1, timeout_ms) < 0 && errno == EINTR)
			;
		return;
	}
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		char st[512];
		int f = openat(fd, "stat", O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (f < 0)
			return;
		n = read(f, st, sizeof(st) - 1);
		close(f);
		if (n <= 0)
			return;
		st[n] = 0;
		if (strstr(st, ") Z") || strstr(st, ") X"))
			return;
		usleep(5000);
	}
}

int sbx_ns_join(int fd, unsigned ns, struct sbx_error *err)
{
	static const struct { unsigned flag; const char *name; } kinds[] = {
		{ SBX_NS_MOUNT, "mnt" }, { SBX_NS_IPC, "ipc" }, { SBX_NS_UTS, "uts" },
		{ SBX_NS_NET, "net" },   { SBX_NS_CGROUP, "cgroup" }, { SBX_NS_PID, "pid" },
	};
	int nsfd[6] = { -1, -1, -1, -1, -1, -1 }, r = 0;

	if (!is_proc_dir(fd)) {
		if (setns(fd, sbx_ns_clone_flags(ns)) < 0)
			return sbx_error_set(err, errno, "join the sandbox's namespaces: %m");
		return 0;
	}
	/* Without a pidfd there is no single setns: open every namespace
	 * first (the part that can fail), then enter them one by one. */
	for (size_t i = 0; i < 6 && r == 0; i++) {
		char path[32];
		if (!(ns & kinds[i].flag))
			continue;
		snprintf(path, sizeof(path), "ns/%s", kinds[i].name);
		nsfd[i] = openat(fd, path, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0)
			r = sbx_error_set(err, errno, "join the sandbox's %s namespace: %m", kinds[i].name);
	}
	for (size_t i = 0; i < 6 && r == 0; i++)
		if (nsfd[i] >= 0 && setns(nsfd[i], 0) < 0)
			r = sbx_error_set(err, errno, "join the sandbox's %s namespace: %m", kinds[i].name);
	for (size_t i = 0; i < 6; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	return r;
}
