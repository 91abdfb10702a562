/* Test driver of the confinement engine: builds a policy by hand (no
 * config file) and drives sbx_session_open/close and the sandboxctl calls,
 * so the shell tests in this directory can check the result from inside
 * and outside the sandbox.  Root only.
 *
 *   confine_driver run [POLICY] [--as-user] [--report FILE] -- CMD...
 *       open a session in this process (it plays sshd's monitor), run CMD
 *       in a child (which lands in the sandbox's pid namespace; as the
 *       user with --as-user), close the session; exit with CMD's status,
 *       or 3 when open failed (the error on stderr).  --report FILE gets
 *       "created PID" or "joined PID" (PID: the init, host pid).
 *   confine_driver race N [POLICY]   N first logins at the same instant
 *   confine_driver cycles N [POLICY] open/close N times in this process
 *       (for valgrind), checking that no descriptor leaks
 *   confine_driver time N [POLICY]   medians of creating and joining
 *   confine_driver list | stop UID | gc
 *   confine_driver reaper -- CMD...  run CMD as a child subreaper (this
 *       machine's pid 1 may not reap orphans; a real init does)
 *
 * Common options: --state DIR, --init PATH (sandbox-init).
 * POLICY: --user NAME [--home DIR] [--role NAME] [--ns mount,pid,...]
 *   [--net-none] [--hostname H] [--private-tmp] [--hide-homes] [--linger]
 *   [--ro [-]PATH]... [--hidden [-]PATH]... [--bind [-]SRC:DST[:ro]]...
 *   [--caps HEX] [--nnp] [--max N]            ('-' = optional path) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cleanup.h"
#include "sandbox/sandbox.h"

static struct sbx_paths paths;

static void die(const char *what, struct sbx_error *err)
{
	fprintf(stderr, "confine_driver: %s: %s\n", what, sbx_error_text(err));
	exit(3);
}

static char *xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r)
		abort();
	return r;
}

static void *xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n);
	if (!r)
		abort();
	return r;
}

static void add_path(struct sbx_path **v, size_t *n, const char *arg)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].optional = arg[0] == '-';
	(*v)[*n].path = xstrdup(arg + (arg[0] == '-'));
	(*n)++;
}

static void add_bind(struct sbx_filesystem *fs, const char *arg)
{
	char *s = xstrdup(arg + (arg[0] == '-')), *colon;
	struct sbx_bind *b;

	fs->binds = xrealloc(fs->binds, (fs->n_binds + 1) * sizeof(*fs->binds));
	b = &fs->binds[fs->n_binds++];
	*b = (struct sbx_bind){ .optional = arg[0] == '-' };
	colon = strchr(s, ':');
	if (!colon) {
		fprintf(stderr, "confine_driver: --bind SRC:DST[:ro]\n");
		exit(2);
	}
	*colon++ = 0;
	b->source = xstrdup(s);
	if (strlen(colon) > 3 && strcmp(colon + strlen(colon) - 3, ":ro") == 0) {
		colon[strlen(colon) - 3] = 0;
		b->read_only = true;
	}
	b->target = xstrdup(colon);
	free(s);
}

static unsigned parse_ns(const char *s)
{
	static const struct { const char *n; unsigned f; } map[] = {
		{ "mount", SBX_NS_MOUNT }, { "pid", SBX_NS_PID }, { "ipc", SBX_NS_IPC },
		{ "uts", SBX_NS_UTS },     { "net", SBX_NS_NET }, { "cgroup", SBX_NS_CGROUP },
	};
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	unsigned ns = 0;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool ok = false;
		for (size_t i = 0; i < ELEMENTSOF(map); i++)
			if (strcmp(t, map[i].n) == 0) {
				ns |= map[i].f;
				ok = true;
			}
		if (!ok) {
			fprintf(stderr, "confine_driver: unknown namespace %s\n", t);
			exit(2);
		}
	}
	return ns;
}

static void policy_free(struct sbx_policy *p)
{
	struct sbx_filesystem *fs = &p->role.fs;

	for (size_t i = 0; i < fs->n_read_only; i++)
		free(fs->read_only[i].path);
	for (size_t i = 0; i < fs->n_hidden; i++)
		free(fs->hidden[i].path);
	for (size_t i = 0; i < fs->n_binds; i++) {
		free(fs->binds[i].source);
		free(fs->binds[i].target);
	}
	free(fs->read_only);
	free(fs->hidden);
	free(fs->binds);
	free(p->role.name);
	free(p->role.hostname);
	free(p->user);
	free(p->group);
	free(p->home);
}

struct opts {
	struct sbx_policy p;
	bool as_user;
	const char *report;
	char **cmd;
};

/* Parse the options of every command; the rest after "--" is the command. */
static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_STATE = 256, O_INIT, O_USER, O_HOME, O_ROLE, O_NS, O_NETNONE, O_HOST, O_TMP,
	       O_HOMES, O_LINGER, O_RO, O_HIDDEN, O_BIND, O_CAPS, O_NNP, O_MAX, O_ASUSER,
	       O_REPORT };
	static const struct option lo[] = {
		{ "state", required_argument, NULL, O_STATE },
		{ "init", required_argument, NULL, O_INIT },
		{ "user", required_argument, NULL, O_USER },
		{ "home", required_argument, NULL, O_HOME },
		{ "role", required_argument, NULL, O_ROLE },
		{ "ns", required_argument, NULL, O_NS },
		{ "net-none", no_argument, NULL, O_NETNONE },
		{ "hostname", required_argument, NULL, O_HOST },
		{ "private-tmp", no_argument, NULL, O_TMP },
		{ "hide-homes", no_argument, NULL, O_HOMES },
		{ "linger", no_argument, NULL, O_LINGER },
		{ "ro", required_argument, NULL, O_RO },
		{ "hidden", required_argument, NULL, O_HIDDEN },
		{ "bind", required_argument, NULL, O_BIND },
		{ "caps", required_argument, NULL, O_CAPS },
		{ "nnp", no_argument, NULL, O_NNP },
		{ "max", required_argument, NULL, O_MAX },
		{ "as-user", no_argument, NULL, O_ASUSER },
		{ "report", required_argument, NULL, O_REPORT },
		{ 0 },
	};
	struct sbx_policy *p = &o->p;
	struct sbx_role *r = &p->role;
	const char *home = NULL;
	int c;

	r->sandbox = true;
	r->namespaces = SBX_NS_MOUNT | SBX_NS_PID | SBX_NS_IPC | SBX_NS_UTS;
	r->name = xstrdup("test");
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_STATE: paths.state_dir = optarg; break;
		case O_INIT: paths.init_path = optarg; break;
		case O_USER: {
			struct passwd *pw = getpwnam(optarg);
			if (!pw) {
				fprintf(stderr, "confine_driver: no user %s\n", optarg);
				exit(2);
			}
			p->user = xstrdup(pw->pw_name);
			p->uid = pw->pw_uid;
			p->gid = pw->pw_gid;
			p->group = xstrdup(pw->pw_name);
			if (!home)
				home = pw->pw_dir;
			free(p->home);
			p->home = xstrdup(home);
			break;
		}
		case O_HOME:
			home = optarg;
			free(p->home);
			p->home = xstrdup(optarg);
			break;
		case O_ROLE: free(r->name); r->name = xstrdup(optarg); break;
		case O_NS: r->namespaces = parse_ns(optarg); break;
		case O_NETNONE: r->network = SBX_NETWORK_NONE; break;
		case O_HOST: r->hostname = xstrdup(optarg); break;
		case O_TMP: r->fs.private_tmp = true; break;
		case O_HOMES: r->fs.hide_other_homes = true; break;
		case O_LINGER: r->session.linger = true; break;
		case O_RO: add_path(&r->fs.read_only, &r->fs.n_read_only, optarg); break;
		case O_HIDDEN: add_path(&r->fs.hidden, &r->fs.n_hidden, optarg); break;
		case O_BIND: add_bind(&r->fs, optarg); break;
		case O_CAPS: r->priv.capabilities = strtoull(optarg, NULL, 16); break;
		case O_NNP: r->priv.no_new_privs = true; break;
		case O_MAX: r->session.max_sessions = (unsigned)atoi(optarg); break;
		case O_ASUSER: o->as_user = true; break;
		case O_REPORT: o->report = optarg; break;
		default: exit(2);
		}
	}
	o->cmd = argv + optind;
}

static void need_user(const struct opts *o)
{
	if (!o->p.user) {
		fprintf(stderr, "confine_driver: --user is required\n");
		exit(2);
	}
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static void become_user(const struct sbx_policy *p)
{
	if (setgroups(0, NULL) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		perror("confine_driver: drop to user");
		_exit(126);
	}
	setenv("HOME", p->home, 1);
	setenv("USER", p->user, 1);
	setenv("LOGNAME", p->user, 1);
	if (chdir(p->home) < 0 && chdir("/") < 0)
		_exit(126);
}

static int cmd_run(struct opts *o)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_session *s = NULL;
	FILE *report = NULL;
	bool created = false;
	pid_t pid;
	int status;

	need_user(o);
	if (!o->cmd[0]) {
		fprintf(stderr, "confine_driver: run: no command\n");
		return 2;
	}
	/* Opened before the session: after it this process sees the
	 * sandbox's view, where the file may be hidden. */
	if (o->report && !(report = fopen(o->report, "we"))) {
		perror(o->report);
		return 2;
	}
	if (sbx_session_open(&o->p, &paths, &s, &created, &err) < 0)
		die("open", &err);
	if (report) {
		fprintf(report, "%s %d\n", created ? "created" : "joined",
			(int)sbx_session_init_pid(s));
		fclose(report);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		if (o->as_user)
			become_user(&o->p);
		execvp(o->cmd[0], o->cmd);
		perror(o->cmd[0]);
		_exit(127);
	}
	status = wait_status(pid);
	if (sbx_session_close(s, &err) < 0)
		die("close", &err);
	sbx_session_free(s);
	return status;
}

/* N first logins of one user at the same instant: exactly one must create
 * the sandbox and every one must join the same init. */
static int cmd_race(struct opts *o, int n)
{
	int go[2], res[2], done[2];
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	int created = 0, failed = 0;
	pid_t init = 0;
	bool same = true;

	need_user(o);
	if (!kids || pipe(go) < 0 || pipe(res) < 0 || pipe(done) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct sbx_error err = SBX_ERROR_INIT;
			struct sbx_session *s = NULL;
			bool c = false;
			char line[64], b;
			int r;

			close(go[1]);
			close(done[1]);
			(void)!read(go[0], &b, 1); /* EOF: everyone starts now */
			r = sbx_session_open(&o->p, &paths, &s, &c, &err);
			if (r < 0)
				fprintf(stderr, "confine_driver: race open: %s\n", sbx_error_text(&err));
			snprintf(line, sizeof(line), "%c %d\n", r < 0 ? 'F' : c ? 'C' : 'J',
				 r < 0 ? 0 : (int)sbx_session_init_pid(s));
			(void)!write(res[1], line, strlen(line));
			(void)!read(done[0], &b, 1); /* stay open until all reported */
			if (s)
				sbx_session_close(s, &err);
			sbx_session_free(s);
			_exit(r < 0);
		}
	}
	close(go[0]);
	close(res[1]);
	close(done[0]);
	close(go[1]); /* start */
	{
		FILE *f = fdopen(res[0], "r");
		char kind;
		int pid;

		for (int i = 0; i < n && fscanf(f, " %c %d", &kind, &pid) == 2; i++) {
			if (kind == 'F') {
				failed++;
				continue;
			}
			if (kind == 'C')
				created++;
			if (init && pid != init)
				same = false;
			init = pid;
		}
		fclose(f);
	}
	close(done[1]);
	for (int i = 0; i < n; i++)
		wait_status(kids[i]);
	free(kids);
	printf("race: %d sessions, %d created, %d failed, same init: %s\n", n, created, failed,
	       same ? "yes" : "no");
	return created == 1 && failed == 0 && same ? 0 : 1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own */
}

/* Open and close N sessions in this very process, as valgrind wants it.
 * After each close it goes back to its original namespaces (test only: an
 * sshd monitor opens once and exits), so every cycle starts from the
 * host's view. */
static int cmd_cycles(struct opts *o, int n)
{
	static const char *const ns[] = { "mnt", "ipc", "uts", "pid_for_children", "net" };
	int saved[ELEMENTSOF(ns)];
	int before, after;

	need_user(o);
	for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		saved[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (saved[i] < 0) {
			perror(path);
			return 2;
		}
	}
	before = count_fds();
	for (int i = 0; i < n; i++) {
		struct sbx_error err = SBX_ERROR_INIT;
		struct sbx_session *s = NULL;
		bool created = false;

		if (sbx_session_open(&o->p, &paths, &s, &created, &err) < 0)
			die("open", &err);
		if (!created) {
			fprintf(stderr, "confine_driver: cycle %d joined instead of creating\n", i);
			return 1;
		}
		if (sbx_session_close(s, &err) < 0)
			die("close", &err);
		sbx_session_free(s);
		for (size_t k = 0; k < ELEMENTSOF(ns); k++)
			if (setns(saved[k], 0) < 0) {
				perror("setns back");
				return 2;
			}
	}
	after = count_fds();
	for (size_t i = 0; i < ELEMENTSOF(ns); i++)
		close(saved[i]);
	printf("cycles: %d, descriptors before %d after %d\n", n, before, after);
	return before == after ? 0 : 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* One login in a fresh child, as sshd does: returns the open time (ns). */
static long long timed_login(struct opts *o, bool expect_created)
{
	int fd[2];
	long long t = -1;
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sbx_error err = SBX_ERROR_INIT;
		struct sbx_session *s = NULL;
		bool created;
		long long t0 = now_ns(), dt;

		if (sbx_session_open(&o->p, &paths, &s, &created, &err) < 0)
			die("open", &err);
		dt = now_ns() - t0;
		if (created != expect_created)
			dt = -1;
		(void)!write(fd[1], &dt, sizeof(dt));
		sbx_session_close(s, &err);
		sbx_session_free(s);
		_exit(0);
	}
	close(fd[1]);
	(void)!read(fd[0], &t, sizeof(t));
	close(fd[0]);
	wait_status(pid);
	return t;
}

static int cmd_time(struct opts *o, int n)
{
	long long *c = calloc((size_t)n, sizeof(*c)), *j = calloc((size_t)n, sizeof(*j));
	int hold[2];
	pid_t holder;

	need_user(o);
	if (!c || !j || pipe(hold) < 0)
		return 2;
	o->p.role.session.linger = false;
	for (int i = 0; i < n; i++)
		if ((c[i] = timed_login(o, true)) < 0)
			return 1;
	/* A session that stays open, so every other login joins. */
	holder = fork();
	if (holder == 0) {
		struct sbx_error err = SBX_ERROR_INIT;
		struct sbx_session *s = NULL;
		char b;

		close(hold[1]);
		if (sbx_session_open(&o->p, &paths, &s, NULL, &err) < 0)
			die("open", &err);
		(void)!read(hold[0], &b, 1);
		sbx_session_close(s, &err);
		_exit(0);
	}
	close(hold[0]);
	usleep(200000);
	for (int i = 0; i < n; i++)
		if ((j[i] = timed_login(o, false)) < 0)
			return 1;
	close(hold[1]);
	wait_status(holder);
	qsort(c, (size_t)n, sizeof(*c), cmp_ll);
	qsort(j, (size_t)n, sizeof(*j), cmp_ll);
	printf("create: median %lld us (min %lld, p90 %lld)\n", c[n / 2] / 1000, c[0] / 1000,
	       c[n * 9 / 10] / 1000);
	printf("join:   median %lld us (min %lld, p90 %lld)\n", j[n / 2] / 1000, j[0] / 1000,
	       j[n * 9 / 10] / 1000);
	free(c);
	free(j);
	return 0;
}

static int cmd_list(void)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_sandbox_info *v;
	size_t n;

	if (sbx_sandbox_list(&paths, &v, &n, &err) < 0)
		die("list", &err);
	for (size_t i = 0; i < n; i++)
		printf("%s uid=%u role=%s init=%d sessions=%u linger=%d id=%s\n", v[i].user,
		       (unsigned)v[i].uid, v[i].role, (int)v[i].init_pid, v[i].sessions,
		       v[i].linger, v[i].id);
	sbx_sandbox_info_free(v, n);
	return 0;
}

static int cmd_reaper(char **cmd)
{
	pid_t pid, w;
	int st, status = 127;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	while ((w = waitpid(-1, &st, 0)) > 0 || errno == EINTR) {
		if (w == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return status;
}

int main(int argc, char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct opts o = { 0 };
	const char *cmd;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: confine_driver COMMAND [OPTIONS] [-- CMD...]\n");
		return 2;
	}
	cmd = argv[1];
	parse(argc - 1, argv + 1, &o);

	if (strcmp(cmd, "run") == 0)
		r = cmd_run(&o);
	else if (strcmp(cmd, "race") == 0 && o.cmd[0])
		r = cmd_race(&o, atoi(o.cmd[0]));
	else if (strcmp(cmd, "cycles") == 0 && o.cmd[0])
		r = cmd_cycles(&o, atoi(o.cmd[0]));
	else if (strcmp(cmd, "time") == 0 && o.cmd[0])
		r = cmd_time(&o, atoi(o.cmd[0]));
	else if (strcmp(cmd, "list") == 0)
		r = cmd_list();
	else if (strcmp(cmd, "stop") == 0 && o.cmd[0]) {
		r = sbx_sandbox_stop(&paths, (uid_t)atoi(o.cmd[0]), &err);
		if (r < 0)
			die("stop", &err);
	} else if (strcmp(cmd, "gc") == 0) {
		unsigned removed = 0;
		if (sbx_sandbox_gc(&paths, &removed, &err) < 0)
			die("gc", &err);
		printf("removed %u\n", removed);
		r = 0;
	} else if (strcmp(cmd, "reaper") == 0 && o.cmd[0])
		r = cmd_reaper(o.cmd);
	else {
		fprintf(stderr, "confine_driver: bad command %s\n", cmd);
		r = 2;
	}
	policy_free(&o.p);
	return r;
}
