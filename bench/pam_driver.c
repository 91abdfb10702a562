/* pam_driver: time PAM sessions through the real libpam, the way a login
 * program does it, and time whole-process sandboxes for comparison.
 *
 *   pam_driver open   -s SERVICE -u USER[,USER...] | -U FILE -n N [-w W]
 *       N logins, each in a freshly forked child (as sshd and login fork per
 *       connection): pam_start, pam_open_session, pam_close_session,
 *       pam_end.  The child times only the open and the close, with
 *       CLOCK_MONOTONIC, and reports through a pipe.  Users are taken
 *       round-robin, so with enough users every open is a user's first;
 *       -F STATE_DIR makes sure of it (waits, untimed, until the user's
 *       previous sandbox is gone).
 *   pam_driver hold   -s SERVICE -u ... | -U FILE
 *       open one session per user, each in its own child, print
 *       "READY ok=K failed=F" and keep them open until SIGTERM (or
 *       SIGINT); then close them all and print "CLOSED".  A signal, not
 *       EOF on a pipe: a pipe's write end leaks into every process started
 *       later, sandbox inits included, and would keep the sessions open.
 *   pam_driver inproc -s SERVICE -u USER -n N [-w W]
 *       N cycles of pam_start .. pam_end in THIS process; reports its
 *       descriptors, heap (mallinfo2) and RSS before and after, to show
 *       what a long-lived caller keeps per login.  Each cycle runs in a
 *       thread of its own (see cycle_thread).
 *   pam_driver exec   -n N [-w W] -- CMD [ARG...]
 *       N runs of CMD, each timed from fork to the parent's waitpid.
 *   pam_driver floor  -u USER -n N [-w W]
 *       What a login pays to the host whoever asks, each timed in a freshly
 *       forked child as in a login: "nss", getgrouplist() of USER (every
 *       name service of nsswitch.conf is asked, systemd's included); and
 *       "audit", one user record through libaudit (open, send and wait
 *       for the kernel's answer, close), of type AUDIT_USER so that no
 *       auditor takes it for a login.
 *
 * Every mode prints one JSON object on stdout (-o FILE writes it there
 * instead); times are microseconds.  -r FILE appends every sample to FILE,
 * one line each ("OPEN CLOSE" or "WALL"), so that runs split into rounds
 * can be merged.  Exit status 0, or 1 when any run
 * failed (the JSON says how many and the first error). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <grp.h>
#include <libaudit.h>
#include <security/pam_appl.h>

struct result {
	int rc_start, rc_open, rc_close;
	int64_t open_ns, close_ns;
	char err[200];
};

struct opts {
	const char *service;
	char **users;
	size_t n_users;
	long n, warmup;
	const char *out;
	const char *raw; /* append every sample here, one line each */
	const char *fresh; /* state dir: wait until the user has no sandbox */
	bool verbose;
};

static FILE *out, *raw;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A conversation that answers no prompt (sessions need none) and passes
 * messages to stderr, so a module's complaint is visible. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			fprintf(stderr, "pam_driver: module says: %s\n", msg[i]->msg);
			break;
		default:
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const struct pam_conv the_conv = { conv, NULL };

/* pam_start with the items a remote login has.  Like sshd and login, look
 * the user up first: they do before any PAM call (to authenticate), so the
 * name service modules are loaded and warm when the session opens. */
static int start(const char *service, const char *user, pam_handle_t **ret)
{
	int r;

	(void)getpwnam(user);
	r = pam_start(service, user, &the_conv, ret);

	if (r != PAM_SUCCESS)
		return r;
	pam_set_item(*ret, PAM_RHOST, "127.0.0.1");
	pam_set_item(*ret, PAM_TTY, "ssh");
	return PAM_SUCCESS;
}

/* One whole login in the calling process; fills res. */
static void one_login(const char *service, const char *user, struct result *res)
{
	pam_handle_t *pamh = NULL;
	int64_t t0, t1, t2;

	memset(res, 0, sizeof(*res));
	res->rc_start = start(service, user, &pamh);
	if (res->rc_start != PAM_SUCCESS) {
		snprintf(res->err, sizeof(res->err), "pam_start: %s", pam_strerror(NULL, res->rc_start));
		return;
	}
	t0 = now_ns();
	res->rc_open = pam_open_session(pamh, 0);
	t1 = now_ns();
	if (res->rc_open != PAM_SUCCESS) {
		snprintf(res->err, sizeof(res->err), "pam_open_session(%s): %s", user,
			 pam_strerror(pamh, res->rc_open));
		pam_end(pamh, res->rc_open);
		return;
	}
	res->rc_close = pam_close_session(pamh, 0);
	t2 = now_ns();
	if (res->rc_close != PAM_SUCCESS)
		snprintf(res->err, sizeof(res->err), "pam_close_session(%s): %s", user,
			 pam_strerror(pamh, res->rc_close));
	res->open_ns = t1 - t0;
	res->close_ns = t2 - t1;
	pam_end(pamh, res->rc_close);
}

static bool ok(const struct result *r)
{
	return r->rc_start == PAM_SUCCESS && r->rc_open == PAM_SUCCESS && r->rc_close == PAM_SUCCESS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v. */
static double pct(const double *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static void print_stats(const char *name, double *v, size_t n)
{
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	fprintf(out,
		"\"%s\":{\"n\":%zu,\"median\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"mean\":%.1f,\"min\":%.1f,\"max\":%.1f}",
		name, n, pct(v, n, 50), pct(v, n, 90), pct(v, n, 99), n ? sum / (double)n : 0,
		n ? v[0] : 0, n ? v[n - 1] : 0);
}

/* The end of a mode's JSON object: two sets of N samples, then "}". */
static void print_two_stats(const char *a, double *va, const char *b, double *vb, size_t n)
{
	print_stats(a, va, n);
	fputc(',', out);
	print_stats(b, vb, n);
	fprintf(out, "}\n");
}

static void print_json_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(fd, (char *)buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return done ? (ssize_t)done : r;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* -F STATE_DIR: wait (untimed, at most 5 s) until the user's sandbox of a
 * previous iteration is gone (STATE_DIR/users/UID, see
 * include/sandbox/sandbox.h), so that the open measured creates one.
 * Returns 0 when none exists, 1 when we had to wait, -1 when one is still
 * there. */
static int wait_fresh(const char *state_dir, const char *user)
{
	struct passwd *pw = getpwnam(user);
	char p[4096];
	struct stat st;
	int waited = 0;

	if (!pw)
		return -1;
	snprintf(p, sizeof(p), "%s/users/%u", state_dir, (unsigned)pw->pw_uid);
	for (int i = 0; i < 5000; i++) {
		if (stat(p, &st) < 0)
			return waited;
		waited = 1;
		usleep(1000);
	}
	return -1;
}

static int mode_open(const struct opts *o)
{
	long waits = 0, not_fresh = 0;
	double *vo = calloc((size_t)o->n, sizeof(double)), *vc = calloc((size_t)o->n, sizeof(double));
	long failed = 0, total = o->n + o->warmup;
	size_t n_ok = 0;
	char first_err[200] = "";

	if (!vo || !vc)
		return 2;
	for (long i = 0; i < total; i++) {
		const char *user = o->users[(size_t)i % o->n_users];
		struct result res;
		int p[2], st;
		pid_t pid;

		if (o->fresh) {
			int f = wait_fresh(o->fresh, user);

			waits += f == 1;
			not_fresh += f < 0;
		}

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("pipe");
			return 2;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			close(p[0]);
			one_login(o->service, user, &res);
			if (write(p[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
				_exit(3);
			_exit(0);
		}
		close(p[1]);
		if (read_full(p[0], &res, sizeof(res)) != (ssize_t)sizeof(res)) {
			memset(&res, 0, sizeof(res));
			res.rc_open = PAM_SYSTEM_ERR;
			snprintf(res.err, sizeof(res.err), "child died before reporting");
		}
		close(p[0]);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!ok(&res)) {
			failed++;
			if (!*first_err)
				snprintf(first_err, sizeof(first_err), "%s", res.err);
			if (o->verbose)
				fprintf(stderr, "pam_driver: %s\n", res.err);
			continue;
		}
		if (i < o->warmup)
			continue;
		vo[n_ok] = (double)res.open_ns / 1000.0;
		vc[n_ok] = (double)res.close_ns / 1000.0;
		if (raw)
			fprintf(raw, "%.1f %.1f\n", vo[n_ok], vc[n_ok]);
		n_ok++;
	}
	fprintf(out, "{\"mode\":\"open\",\"service\":");
	print_json_string(o->service);
	fprintf(out, ",\"users\":%zu,\"runs\":%ld,\"failed\":%ld,\"fresh_waits\":%ld,\"not_fresh\":%ld,\"error\":",
		o->n_users, total, failed, waits, not_fresh);
	print_json_string(first_err);
	fputc(',', out);
	print_two_stats("open", vo, "close", vc, n_ok);
	free(vo);
	free(vc);
	return failed ? 1 : 0;
}

static volatile sig_atomic_t got_term;
static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* Child of hold mode: open a session for user, report, wait for the
 * release pipe to reach EOF, close. */
static void hold_child(const char *service, const char *user, int ready_fd, int release_fd)
{
	pam_handle_t *pamh = NULL;
	int r = start(service, user, &pamh), status[2];
	char c;

	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, 0);
	status[0] = r;
	status[1] = 0;
	if (write(ready_fd, status, sizeof(status)) != (ssize_t)sizeof(status))
		_exit(3);
	close(ready_fd);
	if (r != PAM_SUCCESS)
		_exit(1);
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	r = pam_close_session(pamh, 0);
	pam_end(pamh, r);
	_exit(r == PAM_SUCCESS ? 0 : 1);
}

static int mode_hold(const struct opts *o)
{
	pid_t *pids = calloc(o->n_users, sizeof(pid_t));
	int release[2], ready[2], failed = 0, okc = 0, close_failed = 0;
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t term, old;

	if (!pids || pipe2(release, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		return 2;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (size_t i = 0; i < o->n_users; i++) {
		int st[2];

		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			break;
		}
		if (pids[i] == 0) {
			close(release[1]);
			close(ready[0]);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_IGN);
			hold_child(o->service, o->users[i], ready[1], release[0]);
		}
		if (read_full(ready[0], st, sizeof(st)) != (ssize_t)sizeof(st) || st[0] != PAM_SUCCESS) {
			failed++;
			if (o->verbose)
				fprintf(stderr, "pam_driver: hold %s: %s\n", o->users[i],
					pam_strerror(NULL, st[0]));
		} else {
			okc++;
		}
	}
	close(release[0]);
	close(ready[1]);
	close(ready[0]);
	fprintf(out, "READY ok=%d failed=%d\n", okc, failed);
	fflush(out);
	sigprocmask(SIG_BLOCK, &term, &old);
	while (!got_term)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(release[1]);
	for (size_t i = 0; i < o->n_users; i++) {
		int st;

		if (pids[i] <= 0)
			continue;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			close_failed++;
	}
	fprintf(out, "CLOSED close_failed=%d\n", close_failed - failed);
	free(pids);
	return failed ? 1 : 0;
}

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static unsigned long long ns_inode(const char *name)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/self/ns/%s", name);
	return stat(p, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* pam_sandbox moves the process that opens a session into the user's
 * sandbox and drops its capability bounding set (a login process exits after
 * its one session), so the same thread cannot open a second session.  Those
 * are per-thread properties while descriptors and the heap are per-process:
 * so each cycle runs in a thread of its own, which first stops sharing its
 * filesystem context (setns into a mount namespace requires that), and ends
 * with the session.  What is left after the threads is what the module
 * keeps per session. */
struct cycle {
	const char *service, *user;
	struct result res;
};

static void *cycle_thread(void *data)
{
	struct cycle *c = data;

	if (unshare(CLONE_FS) < 0) {
		memset(&c->res, 0, sizeof(c->res));
		c->res.rc_start = PAM_SYSTEM_ERR;
		snprintf(c->res.err, sizeof(c->res.err), "unshare(CLONE_FS): %s", strerror(errno));
		return NULL;
	}
	one_login(c->service, c->user, &c->res);
	return NULL;
}

static void one_login_thread(const char *service, const char *user, struct result *res)
{
	struct cycle c = { .service = service, .user = user };
	pthread_t t;
	int r = pthread_create(&t, NULL, cycle_thread, &c);

	if (r != 0) {
		memset(res, 0, sizeof(*res));
		res->rc_start = PAM_SYSTEM_ERR;
		snprintf(res->err, sizeof(res->err), "pthread_create: %s", strerror(r));
		return;
	}
	pthread_join(t, NULL);
	*res = c.res;
}

static int mode_inproc(const struct opts *o)
{
	double *vo = calloc((size_t)o->n, sizeof(double)), *vc = calloc((size_t)o->n, sizeof(double));
	long fd0 = 0, rss0 = 0, rss1 = 0, failed = 0;
	size_t heap0 = 0, heap1 = 0, n_ok = 0;
	unsigned long long mnt0 = 0;
	char first_err[200] = "";

	if (!vo || !vc)
		return 2;
	/* One arena for every thread, so that mallinfo2 sees all of the heap. */
	mallopt(M_ARENA_MAX, 1);
	for (long i = 0; i < o->n + o->warmup; i++) {
		struct result res;

		if (i == o->warmup) {
			fd0 = count_fds();
			heap0 = mallinfo2().uordblks;
			rss0 = rss_kb();
			mnt0 = ns_inode("mnt");
		}
		if (i == o->warmup + o->n / 2) {
			heap1 = mallinfo2().uordblks;
			rss1 = rss_kb();
		}
		one_login_thread(o->service, o->users[(size_t)i % o->n_users], &res);
		if (!ok(&res)) {
			failed++;
			if (!*first_err)
				snprintf(first_err, sizeof(first_err), "%s", res.err);
			continue;
		}
		if (i >= o->warmup) {
			vo[n_ok] = (double)res.open_ns / 1000.0;
			vc[n_ok] = (double)res.close_ns / 1000.0;
			n_ok++;
		}
	}
	fprintf(out, "{\"mode\":\"inproc\",\"service\":");
	print_json_string(o->service);
	fprintf(out,
		",\"runs\":%ld,\"failed\":%ld,\"fd_before\":%ld,\"fd_after\":%ld,"
		"\"heap_before\":%zu,\"heap_mid\":%zu,\"heap_after\":%zu,"
		"\"rss_kb_before\":%ld,\"rss_kb_mid\":%ld,\"rss_kb_after\":%ld,"
		"\"mntns_same\":%s,\"error\":",
		o->n + o->warmup, failed, fd0, count_fds(), heap0, heap1, mallinfo2().uordblks, rss0, rss1,
		rss_kb(),
		mnt0 == ns_inode("mnt") ? "true" : "false");
	print_json_string(first_err);
	fputc(',', out);
	print_two_stats("open", vo, "close", vc, n_ok);
	free(vo);
	free(vc);
	return failed ? 1 : 0;
}

static int mode_exec(const struct opts *o, char **argv)
{
	double *v = calloc((size_t)o->n, sizeof(double));
	long failed = 0;
	size_t n_ok = 0;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (!v || devnull < 0)
		return 2;
	for (long i = 0; i < o->n + o->warmup; i++) {
		int64_t t0 = now_ns(), t1;
		int st;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			if (i > 0 && !o->verbose)
				dup2(devnull, 2); /* the first run's errors stay visible */
			execvp(argv[0], argv);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		t1 = now_ns();
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			failed++;
			continue;
		}
		if (i < o->warmup)
			continue;
		v[n_ok] = (double)(t1 - t0) / 1000.0;
		if (raw)
			fprintf(raw, "%.1f\n", v[n_ok]);
		n_ok++;
	}
	fprintf(out, "{\"mode\":\"exec\",\"command\":");
	print_json_string(argv[0]);
	fprintf(out, ",\"runs\":%ld,\"failed\":%ld,", o->n + o->warmup, failed);
	print_stats("wall", v, n_ok);
	fprintf(out, "}\n");
	free(v);
	return failed ? 1 : 0;
}

/* One floor sample: WHAT ("nss" or "audit") in a fresh child; returns its
 * time in us, or -1 when it failed. */
static double floor_sample(const char *what, const char *user)
{
	int p[2], st;
	int64_t t = -1;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct passwd *pw = getpwnam(user);
		int64_t t0 = now_ns(), t1 = -1;

		close(p[0]);
		if (pw && !strcmp(what, "nss")) {
			gid_t g[256];
			int ng = 256;

			t0 = now_ns();
			if (getgrouplist(user, pw->pw_gid, g, &ng) >= 0)
				t1 = now_ns();
		} else if (!strcmp(what, "audit")) {
			int fd = audit_open();

			if (fd >= 0 && audit_log_user_message(fd, AUDIT_USER,
					"op=pam_sandbox-bench-floor acct=\"bench\" sandbox=0-0 role=developer "
					"ns-mnt=4026531841 ns-pid=4026531836 ns-ipc=4026531839 ns-uts=4026531838",
					NULL, NULL, NULL, 1) > 0)
				t1 = now_ns();
			if (fd >= 0)
				audit_close(fd);
			if (t1 >= 0)
				t1 = now_ns();
		}
		t = t1 >= 0 ? t1 - t0 : -1;
		if (write(p[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &t, sizeof(t)) != sizeof(t))
		t = -1;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return t < 0 ? -1 : (double)t / 1000.0;
}

static int mode_floor(const struct opts *o)
{
	double *vn = calloc((size_t)o->n, sizeof(double));
	double *va = calloc((size_t)o->n, sizeof(double));
	long failed = 0;
	size_t n_ok = 0;

	if (!vn || !va)
		return 2;
	for (long i = 0; i < o->n + o->warmup; i++) {
		double a = floor_sample("nss", o->users[0]);
		double b = floor_sample("audit", o->users[0]);

		if (a < 0 || b < 0) {
			failed++;
			continue;
		}
		if (i < o->warmup)
			continue;
		vn[n_ok] = a;
		va[n_ok] = b;
		if (raw)
			fprintf(raw, "%.1f %.1f\n", a, b);
		n_ok++;
	}
	fprintf(out, "{\"mode\":\"floor\",\"runs\":%ld,\"failed\":%ld,", o->n + o->warmup, failed);
	print_two_stats("nss", vn, "audit", va, n_ok);
	free(vn);
	free(va);
	return failed ? 1 : 0;
}

static int add_user(struct opts *o, const char *name)
{
	char **u = realloc(o->users, (o->n_users + 1) * sizeof(*u));

	if (!u)
		return -1;
	o->users = u;
	if (!(u[o->n_users] = strdup(name)))
		return -1;
	o->n_users++;
	return 0;
}

static int read_users(struct opts *o, const char *spec, bool file)
{
	char *s, *tok, *save = NULL;

	if (file) {
		FILE *f = fopen(spec, "re");
		char line[256];

		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = 0;
			if (*line && add_user(o, line) < 0)
				return -1;
		}
		fclose(f);
		return 0;
	}
	if (!(s = strdup(spec)))
		return -1;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (add_user(o, tok) < 0)
			return -1;
	free(s);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pam_driver open|hold|inproc -s SERVICE (-u USER[,USER...] | -U FILE) [-n N] [-w W] [-o OUT] [-r RAW] [-F STATE_DIR] [-v]\n"
		"       pam_driver exec [-n N] [-w W] [-o OUT] [-r RAW] [-v] -- CMD [ARG...]\n"
		"       pam_driver floor -u USER [-n N] [-w W] [-o OUT] [-r RAW]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .n = 100, .warmup = 0 };
	const char *mode;
	int c, r;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "+s:u:U:n:w:o:r:F:v")) != -1) {
		switch (c) {
		case 's': o.service = optarg; break;
		case 'u':
		case 'U':
			if (read_users(&o, optarg, c == 'U') < 0) {
				perror(optarg);
				return 2;
			}
			break;
		case 'n': o.n = atol(optarg); break;
		case 'w': o.warmup = atol(optarg); break;
		case 'o': o.out = optarg; break;
		case 'r': o.raw = optarg; break;
		case 'F': o.fresh = optarg; break;
		case 'v': o.verbose = true; break;
		default: usage();
		}
	}
	if (o.n < 1 || o.warmup < 0)
		usage();
	out = stdout;
	if (o.out && !(out = fopen(o.out, "we"))) {
		perror(o.out);
		return 2;
	}
	if (o.raw && !(raw = fopen(o.raw, "ae"))) {
		perror(o.raw);
		return 2;
	}
	if (!strcmp(mode, "exec")) {
		if (optind >= argc)
			usage();
		r = mode_exec(&o, argv + optind);
	} else if (!strcmp(mode, "floor")) {
		if (!o.n_users)
			usage();
		r = mode_floor(&o);
	} else {
		if (!o.service || !o.n_users)
			usage();
		if (!strcmp(mode, "open"))
			r = mode_open(&o);
		else if (!strcmp(mode, "hold"))
			r = mode_hold(&o);
		else if (!strcmp(mode, "inproc"))
			r = mode_inproc(&o);
		else
			usage();
	}
	if (fclose(out) != 0 || (raw && fclose(raw) != 0))
		r = 2;
	return r;
}
