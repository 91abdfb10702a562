/* The cgroup façade: driver selection, the handle, and the helpers the
 * drivers share (file access, paths, /proc/PID/cgroup).  See
 * include/sandbox/cgroup.h. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

#define DEFAULT_ROOT "/sys/fs/cgroup"
#define DEFAULT_PROC "/proc"
#define DEFAULT_RUN "/run"
#define DEFAULT_PARENT "pam_sandbox"
#define DEFAULT_TIMEOUT_MS 2000

/* v1 controllers the v1 driver uses, in this order (memory first: its path
 * is the one reported by sbx_cgroup_path()). */
static const char *const v1_ctrls[] = { "memory", "pids", "cpu", "cpuacct", "blkio", "freezer" };

const char *sbx_cgroup_kind_name(enum sbx_cgroup_kind kind)
{
	switch (kind) {
	case SBX_CGKIND_NONE:
		return "none";
	case SBX_CGKIND_V2:
		return "cgroupfs-v2";
	case SBX_CGKIND_V1:
		return "cgroupfs-v1";
	case SBX_CGKIND_SYSTEMD:
		return "systemd";
	}
	return "?";
}

/* ---- helpers ------------------------------------------------------------ */

char *sbx_cg_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	char *r;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (!*b)
		return strndup(a, la);
	if (asprintf(&r, "%.*s%s%s", (int)la, a, (la == 1 && a[0] == '/') ? "" : "/", b) < 0)
		return NULL;
	return r;
}

int sbx_cg_read(const char *dir, const char *file, char **ret)
{
	_cleanup_free_ char *path = file ? sbx_cg_join(dir, file) : strdup(dir);
	_cleanup_fclose_ FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* cgroup files are small; read until EOF */
	{
		size_t cap = 0;
		char chunk[4096];
		size_t got;

		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			if (len + got + 1 > cap) {
				char *nb;

				cap = (len + got + 1) * 2;
				nb = realloc(buf, cap);
				if (!nb) {
					free(buf);
					return -ENOMEM;
				}
				buf = nb;
			}
			memcpy(buf + len, chunk, got);
			len += got;
		}
		if (ferror(f)) {
			int e = errno ? errno : EIO;

			free(buf);
			return -e;
		}
	}
	if (!buf) {
		buf = strdup("");
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	n = (ssize_t)len;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	*ret = buf;
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || s[3] == '\n' || s[3] == ' ')) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end && *end != '\n' && *end != ' ')
		return -EINVAL;
	*ret = v;
	return 0;
}

int sbx_cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = sbx_cg_read(dir, file, &s);

	if (r < 0)
		return r;
	return parse_u64(s, ret);
}

int sbx_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	size_t kl = strlen(key);
	int r = sbx_cg_read(dir, file, &s);

	if (r < 0)
		return r;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return parse_u64(line + kl + 1, ret);
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int sbx_cg_write(const char *dir, const char *file, const char *value, struct sbx_error *err)
{
	_cleanup_free_ char *path = sbx_cg_join(dir, file);
	_cleanup_close_ int fd = -1;
	size_t len;
	ssize_t n;

	if (!path)
		return sbx_error_set(err, ENOMEM, "out of memory");
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return sbx_error_set(err, e, "%s: missing (controller or feature not available)", path);
		if (e == EACCES || e == EROFS || e == EPERM)
			return sbx_error_set(err, e, "cannot write \"%s\" to %s: %s (read-only)", value,
					     path, strerror(e));
		return sbx_error_set(err, e, "cannot open %s: %s", path, strerror(e));
	}
	len = strlen(value);
	n = write(fd, value, len);
	if (n < 0 || (size_t)n != len) {
		int e = n < 0 ? errno : EIO;

		return sbx_error_set(err, e, "cannot write \"%s\" to %s: %s", value, path, strerror(e));
	}
	return 0;
}

int sbx_cg_mkdir(const char *dir, bool *ret_created, struct sbx_error *err)
{
	if (mkdir(dir, 0755) == 0) {
		*ret_created = true;
		return 0;
	}
	if (errno == EEXIST) {
		struct stat st;

		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			*ret_created = false;
			return 0;
		}
		return sbx_error_set(err, ENOTDIR, "%s exists and is not a cgroup directory", dir);
	}
	return sbx_error_set(err, errno, "cannot create cgroup %s: %s", dir, strerror(errno));
}

int sbx_cg_strv_push(char ***v, char *s)
{
	size_t n = 0;
	char **nv;

	if (!s)
		return -ENOMEM;
	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int sbx_cg_mkdir_p(const char *mount, const char *rel, char ***created, struct sbx_error *err)
{
	_cleanup_free_ char *copy = strdup(rel);
	_cleanup_free_ char *cur = strdup(mount);
	char *save = NULL;

	if (!copy || !cur)
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next = sbx_cg_join(cur, c);
		bool made = false;
		int r;

		if (!next)
			return sbx_error_set(err, ENOMEM, "out of memory");
		free(cur);
		cur = next;
		r = sbx_cg_mkdir(cur, &made, err);
		if (r < 0)
			return r;
		if (made && sbx_cg_strv_push(created, strdup(cur)) < 0) {
			rmdir(cur);
			return sbx_error_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

void sbx_cg_rollback(char **created)
{
	size_t n = 0;

	if (!created)
		return;
	while (created[n])
		n++;
	while (n-- > 0)
		(void)rmdir(created[n]);
	sbx_strv_free(created);
}

/* Read PID's cgroup file through the /proc directory PROC_FD. */
static int read_proc_cgroup(int proc_fd, const char *pidbuf, char **ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char rel[48];
	size_t len = 0, cap = 0;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%s/cgroup", pidbuf);
	fd = openat(proc_fd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 512 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 1024);

			if (!b)
				return -ENOMEM;
			buf = b;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int sbx_cg_proc_path(const char *proc_root, int proc_fd, pid_t pid, const char *ctrl, char **ret)
{
	_cleanup_free_ char *s = NULL;
	char pidbuf[32];
	_cleanup_free_ char *dir = NULL;
	int r;

	if (pid > 0 || proc_fd >= 0)
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)(pid > 0 ? pid : getpid()));
	else
		snprintf(pidbuf, sizeof(pidbuf), "self");
	if (proc_fd >= 0) {
		r = read_proc_cgroup(proc_fd, pidbuf, &s);
	} else {
		dir = sbx_cg_join(proc_root, pidbuf);
		if (!dir)
			return -ENOMEM;
		r = sbx_cg_read(dir, "cgroup", &s);
	}
	if (r == -ENOENT || r == -ESRCH)
		return -ESRCH;
	if (r < 0)
		return r;
	/* lines: "ID:CONTROLLERS:PATH"; v2 is "0::PATH" */
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		char *c1, *c2;

		if (nl)
			*nl = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			bool match;

			*c2 = '\0';
			if (!*ctrl) {
				match = c1[1] == '\0' && strcmp(line, "0:") == 0;
			} else {
				/* "cpu,cpuacct" lists co-mounted controllers */
				_cleanup_free_ char *list = strdup(c1 + 1);
				char *save = NULL;

				if (!list)
					return -ENOMEM;
				match = false;
				for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
					if (strcmp(t, ctrl) == 0)
						match = true;
			}
			if (match) {
				*ret = strdup(c2 + 1);
				return *ret ? 0 : -ENOMEM;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int sbx_cg_pids_recursive(const char *dir, pid_t **pids, size_t *n)
{
	_cleanup_free_ char *s = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = sbx_cg_read(dir, "cgroup.procs", &s);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return r;
	for (char *p = s; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0) {
			pid_t *np = realloc(*pids, (*n + 1) * sizeof(pid_t));

			if (!np)
				return -ENOMEM;
			*pids = np;
			(*pids)[(*n)++] = (pid_t)v;
		}
		p = end;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = sbx_cg_join(dir, de->d_name);
		if (!sub)
			return -ENOMEM;
		r = sbx_cg_pids_recursive(sub, pids, n);
		if (r < 0)
			return r;
	}
	return 0;
}

int sbx_cg_rmdir_tree(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int first = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		int r;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = sbx_cg_join(dir, de->d_name);
		if (!sub)
			return -ENOMEM;
		r = sbx_cg_rmdir_tree(sub);
		if (r < 0 && !first)
			first = r;
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return first ? first : -errno;
	return first;
}

static bool id_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

bool sbx_cg_id_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; s[n]; n++)
		if (!id_char(s[n]) || n >= 64)
			return false;
	return true;
}

bool sbx_cg_parent_ok(const char *p)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	bool any = false;

	if (!p)
		return false;
	copy = strdup(p);
	if (!copy)
		return false;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return false;
		for (char *q = c; *q; q++)
			if (!id_char(*q))
				return false;
		any = true;
	}
	return any;
}

bool sbx_cg_list_has(const char *list, const char *name)
{
	size_t nl = strlen(name);

	if (!list)
		return false;
	for (const char *p = list; *p;) {
		size_t tl;

		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (*p == '+')
			p++;
		tl = strcspn(p, " \n\t");
		if (tl == nl && strncmp(p, name, nl) == 0)
			return true;
		p += tl;
	}
	return false;
}

char *sbx_cg_v2_cpu_max(uint64_t milli)
{
	char *r;

	if (milli == SBX_UNLIMITED)
		return strdup("max 100000");
	/* period 100 ms; quota in µs per period: 1000 millicores = 100000 */
	if (asprintf(&r, "%" PRIu64 " 100000", milli * 100) < 0)
		return NULL;
	return r;
}

uint64_t sbx_cg_v1_blkio_weight(uint64_t io_weight)
{
	uint64_t w;

	if (io_weight > 10000)
		io_weight = 10000;
	w = io_weight * 5;
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return w;
}

const char *sbx_cg_controller(enum sbx_limit l, bool v1)
{
	switch (l) {
	case SBX_LIMIT_MEMORY:
	case SBX_LIMIT_MEMORY_HIGH:
	case SBX_LIMIT_SWAP:
		return "memory";
	case SBX_LIMIT_PIDS:
		return "pids";
	case SBX_LIMIT_CPUS:
		return "cpu";
	case SBX_LIMIT_IO_WEIGHT:
		return v1 ? "blkio" : "io";
	case SBX_LIMIT__MAX:
		break;
	}
	return NULL;
}

int sbx_cg_limits_available(struct sbx_cgroup *cg, const struct sbx_limits *lim, bool v1,
			    bool (*have)(struct sbx_cgroup *cg, const void *ctx, const char *controller),
			    const void *ctx, const char *where, unsigned *ret_apply,
			    struct sbx_error *err)
{
	unsigned apply = 0;
	int missing = 0;

	for (int l = 0; l < SBX_LIMIT__MAX; l++) {
		unsigned bit = 1u << l;
		const char *c = sbx_cg_controller((enum sbx_limit)l, v1);
		const char *name = sbx_limit_name((enum sbx_limit)l);

		if (!(lim->set & bit))
			continue;
		if (have(cg, ctx, c)) {
			apply |= bit;
		} else if (lim->optional & bit) {
			cg->skipped |= bit;
		} else if (v1) {
			missing = sbx_error_add(err, EOPNOTSUPP,
						"limit %s: the cgroup v1 %s controller is not mounted under %s "
						"(list it in limits.optional to allow this)",
						name, c, where);
		} else {
			missing = sbx_error_add(err, EOPNOTSUPP,
						"limit %s: the %s controller is not available in cgroup v2 at %s "
						"(list it in limits.optional to allow this)",
						name, c, where);
		}
	}
	*ret_apply = apply;
	return missing;
}

int sbx_cg_moved_add(struct sbx_cgroup *cg, const char *leaf, pid_t pid, char **origin)
{
	struct sbx_cg_moved *nm = realloc(cg->moved, (cg->n_moved + 1) * sizeof(*nm));
	struct sbx_cg_moved *m;

	if (!nm)
		return -ENOMEM;
	cg->moved = nm;
	m = &nm[cg->n_moved];
	memset(m, 0, sizeof(*m));
	m->leaf = strdup(leaf);
	if (!m->leaf)
		return -ENOMEM;
	m->pid = pid;
	for (size_t i = 0; i < SBX_CG_MAX_HIER; i++) {
		m->origin[i] = origin[i];
		origin[i] = NULL;
	}
	cg->n_moved++;
	return 0;
}

struct sbx_cg_moved *sbx_cg_moved_find(struct sbx_cgroup *cg, const char *leaf)
{
	for (size_t i = 0; i < cg->n_moved; i++)
		if (strcmp(cg->moved[i].leaf, leaf) == 0)
			return &cg->moved[i];
	return NULL;
}

static void moved_clear(struct sbx_cg_moved *m)
{
	free(m->leaf);
	for (size_t i = 0; i < SBX_CG_MAX_HIER; i++)
		free(m->origin[i]);
}

void sbx_cg_moved_drop(struct sbx_cgroup *cg, const char *leaf)
{
	struct sbx_cg_moved *m = sbx_cg_moved_find(cg, leaf);
	size_t i;

	if (!m)
		return;
	i = (size_t)(m - cg->moved);
	moved_clear(m);
	memmove(&cg->moved[i], &cg->moved[i + 1], (cg->n_moved - i - 1) * sizeof(*m));
	cg->n_moved--;
}

int sbx_cg_move(const char *dir, pid_t pid, struct sbx_error *err)
{
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = sbx_cg_write(dir, "cgroup.procs", buf, err);
	if (r < 0)
		sbx_error_prefix(err, "move pid %d: ", (int)pid);
	return r;
}

int sbx_cg_verify(struct sbx_cgroup *cg, size_t i, const char *leaf, pid_t pid,
		  struct sbx_error *err)
{
	_cleanup_free_ char *have = NULL, *want = NULL, *user_rel = NULL;
	const struct sbx_cg_hier *h = &cg->h[i];
	int r;

	user_rel = sbx_cg_join(h->base_rel, cg->name);
	if (!user_rel)
		return sbx_error_set(err, ENOMEM, "out of memory");
	want = leaf ? sbx_cg_join(user_rel, leaf) : strdup(user_rel);
	if (!want)
		return sbx_error_set(err, ENOMEM, "out of memory");
	r = sbx_cg_proc_path(cg->proc_root, cg->proc_fd, pid, h->ctrl, &have);
	if (r == -ESRCH)
		return sbx_error_set(err, ESRCH, "pid %d vanished during placement", (int)pid);
	if (r == -ENOENT)
		return sbx_error_set(err, EIO,
				     "placement of pid %d not verified: %s/%d/cgroup has no %s%s line",
				     (int)pid, cg->proc_root, (int)pid, *h->ctrl ? h->ctrl : "cgroup2 (0::)",
				     *h->ctrl ? " hierarchy" : "");
	if (r < 0)
		return sbx_error_set(err, -r, "cannot read %s/%d/cgroup: %s", cg->proc_root, (int)pid,
				     strerror(-r));
	if (strcmp(have, want) != 0)
		return sbx_error_set(err, EIO,
				     "placement of pid %d did not happen: %s%s%s is \"%s\", expected \"%s\"",
				     (int)pid, *h->ctrl ? "its " : "its cgroup", h->ctrl,
				     *h->ctrl ? " cgroup" : "", have, want);
	return 0;
}

void sbx_cg_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- detection ---------------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists_in(const char *dir, const char *file)
{
	_cleanup_free_ char *p = sbx_cg_join(dir, file);

	return p && access(p, F_OK) == 0;
}

/* The unified (v2) mount: ROOT itself on a pure v2 host, ROOT/unified on a
 * hybrid one.  Returns a malloc'd path, or NULL (none, or ENOMEM). */
static char *unified_mount(const char *root)
{
	if (exists_in(root, "cgroup.controllers"))
		return strdup(root);
	{
		_cleanup_free_ char *u = sbx_cg_join(root, "unified");

		if (u && exists_in(u, "cgroup.controllers"))
			return TAKE_PTR(u);
	}
	return NULL;
}

/* Whether the unified hierarchy has a controller the limits use.  Others
 * (hugetlb, rdma, misc) do not count: a hybrid host often has hugetlb alone
 * in its unified hierarchy and everything that matters in v1. */
static bool v2_has_controllers(const char *root)
{
	static const char *const ours[] = { "memory", "pids", "cpu", "io" };
	_cleanup_free_ char *m = unified_mount(root);
	_cleanup_free_ char *s = NULL;

	if (!m || sbx_cg_read(m, "cgroup.controllers", &s) < 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(ours); i++)
		if (sbx_cg_list_has(s, ours[i]))
			return true;
	return false;
}

static bool v1_mounted(const char *root, const char *ctrl)
{
	_cleanup_free_ char *d = sbx_cg_join(root, ctrl);

	return d && is_dir(d) && exists_in(d, "cgroup.procs") && !exists_in(d, "cgroup.controllers");
}

static bool v1_any(const char *root)
{
	for (size_t i = 0; i < ELEMENTSOF(v1_ctrls); i++)
		if (v1_mounted(root, v1_ctrls[i]))
			return true;
	return false;
}

int sbx_cgroup_detect(const struct sbx_cgroup_env *env, enum sbx_cgroup_kind *ret,
		      struct sbx_error *err)
{
	const char *root = env->root ? env->root : DEFAULT_ROOT;
	const char *run = env->run_root ? env->run_root : DEFAULT_RUN;

	switch (env->driver) {
	case SBX_CGROUP_NONE:
		*ret = SBX_CGKIND_NONE;
		return 0;
	case SBX_CGROUP_SYSTEMD:
#ifdef HAVE_LIBSYSTEMD
		*ret = SBX_CGKIND_SYSTEMD;
		return 0;
#else
		return sbx_error_set(err, EOPNOTSUPP,
				     "cgroup driver \"systemd\": pam_sandbox was built without libsystemd");
#endif
	case SBX_CGROUP_AUTO: {
		_cleanup_free_ char *sd = sbx_cg_join(run, "systemd/system");

		if (!sd)
			return sbx_error_set(err, ENOMEM, "out of memory");
#ifdef HAVE_LIBSYSTEMD
		if (is_dir(sd)) {
			*ret = SBX_CGKIND_SYSTEMD;
			return 0;
		}
#else
		if (is_dir(sd))
			return sbx_error_set(err, EOPNOTSUPP,
					     "this host runs systemd but pam_sandbox was built without libsystemd");
#endif
	}
		/* fall through */
	case SBX_CGROUP_CGROUPFS:
		if (v2_has_controllers(root))
			*ret = SBX_CGKIND_V2;
		else if (v1_any(root))
			*ret = SBX_CGKIND_V1;
		else if (env->driver == SBX_CGROUP_AUTO)
			*ret = SBX_CGKIND_NONE;
		else
			return sbx_error_set(err, ENOENT,
					     "cgroup driver \"cgroupfs\": no cgroup v2 controllers and no v1 controller under %s",
					     root);
		return 0;
	}
	return sbx_error_set(err, EINVAL, "unknown cgroup driver %d", (int)env->driver);
}

/* ---- the handle --------------------------------------------------------- */

void sbx_cgroup_free(struct sbx_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_h; i++) {
		free(cg->h[i].ctrl);
		free(cg->h[i].mount);
		free(cg->h[i].base_rel);
		free(cg->h[i].user);
	}
	for (size_t i = 0; i < cg->n_moved; i++)
		moved_clear(&cg->moved[i]);
	free(cg->moved);
	free(cg->root);
	free(cg->proc_root);
	if (cg->proc_fd >= 0)
		close(cg->proc_fd);
	free(cg->run_root);
	free(cg->parent);
	free(cg->name);
	free(cg->path);
	free(cg);
}
SBX_DEFINE_CLEANUP(struct sbx_cgroup, sbx_cgroup_free)

/* Add hierarchy CTRL mounted at MOUNT; the parent goes below the caller's
 * own cgroup there when asked.  Returns 0 or a negative errno. */
static int add_hier(struct sbx_cgroup *cg, const char *ctrl, const char *mount,
		    struct sbx_error *err)
{
	struct sbx_cg_hier *h;
	_cleanup_free_ char *self = NULL;

	if (cg->n_h >= SBX_CG_MAX_HIER)
		return sbx_error_set(err, E2BIG, "too many cgroup hierarchies");
	if (cg->parent_below_self) {
		int r = sbx_cg_proc_path(cg->proc_root, cg->proc_fd, 0, ctrl, &self);

		if (r < 0)
			return sbx_error_set(err, -r, "cannot find own cgroup%s%s in %s/self/cgroup: %s",
					     *ctrl ? " for " : "", ctrl, cg->proc_root, strerror(-r));
	}
	h = &cg->h[cg->n_h];
	h->ctrl = strdup(ctrl);
	h->mount = strdup(mount);
	h->base_rel = sbx_cg_join(self ? self : "/", cg->parent);
	if (h->base_rel && h->base_rel[0] != '/') {
		char *abs = sbx_cg_join("/", h->base_rel);

		free(h->base_rel);
		h->base_rel = abs;
	}
	{
		_cleanup_free_ char *base = h->base_rel ? sbx_cg_join(mount, h->base_rel) : NULL;

		h->user = base ? sbx_cg_join(base, cg->name) : NULL;
	}
	cg->n_h++; /* freed by sbx_cgroup_free() whatever happened */
	if (!h->ctrl || !h->mount || !h->base_rel || !h->user)
		return sbx_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* Build the handle for ENV and UID: driver, hierarchies and paths; nothing
 * is created.  Returns 0 or a negative errno. */
static int handle_new(const struct sbx_cgroup_env *env, uid_t uid, struct sbx_cgroup **ret,
		      struct sbx_error *err)
{
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = calloc(1, sizeof(*cg));
	const char *root = env->root ? env->root : DEFAULT_ROOT;
	int r;

	if (!cg)
		return sbx_error_set(err, ENOMEM, "out of memory");
	cg->proc_fd = -1;
	if (env->detected)
		cg->kind = env->kind;
	else if ((r = sbx_cgroup_detect(env, &cg->kind, err)) < 0)
		return r;
	if (env->parent && !sbx_cg_parent_ok(env->parent))
		return sbx_error_set(err, EINVAL,
				     "cgroup parent \"%s\": expected a relative path of [A-Za-z0-9._-] components",
				     env->parent);
	cg->root = strdup(root);
	cg->proc_root = strdup(env->proc_root ? env->proc_root : DEFAULT_PROC);
	/* The PAM process joins the sandbox's mount namespace after opening
	 * the handle, where /proc shows only the sandbox's pids: keep the
	 * host's /proc open to verify placements (and move out) at close. */
	if (!env->proc_root)
		cg->proc_fd = open(DEFAULT_PROC, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cg->run_root = strdup(env->run_root ? env->run_root : DEFAULT_RUN);
	cg->parent = strdup(env->parent ? env->parent : DEFAULT_PARENT);
	cg->parent_below_self = env->parent_below_self;
	cg->timeout_ms = env->bus_timeout_ms ? env->bus_timeout_ms : DEFAULT_TIMEOUT_MS;
	cg->uid = uid;
	if (!cg->root || !cg->proc_root || !cg->run_root || !cg->parent)
		return sbx_error_set(err, ENOMEM, "out of memory");

	switch (cg->kind) {
	case SBX_CGKIND_NONE:
		cg->ops = &sbx_cg_ops_none;
		if (asprintf(&cg->name, "user-%u", (unsigned)uid) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
		break;
	case SBX_CGKIND_V2: {
		_cleanup_free_ char *m = unified_mount(root);

		cg->ops = &sbx_cg_ops_v2;
		if (!m || asprintf(&cg->name, "user-%u", (unsigned)uid) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
		r = add_hier(cg, "", m, err);
		if (r < 0)
			return r;
		break;
	}
	case SBX_CGKIND_V1: {
		struct stat seen[ELEMENTSOF(v1_ctrls)];
		size_t n_seen = 0;

		cg->ops = &sbx_cg_ops_v1;
		if (asprintf(&cg->name, "user-%u", (unsigned)uid) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < ELEMENTSOF(v1_ctrls); i++) {
			_cleanup_free_ char *m = sbx_cg_join(root, v1_ctrls[i]);
			struct stat st;
			bool dup = false;

			if (!m)
				return sbx_error_set(err, ENOMEM, "out of memory");
			if (!v1_mounted(root, v1_ctrls[i]) || stat(m, &st) < 0)
				continue;
			/* co-mounted controllers ("cpu,cpuacct" with symlinks)
			 * share one hierarchy: use it once */
			for (size_t j = 0; j < n_seen; j++)
				if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino)
					dup = true;
			if (dup)
				continue;
			seen[n_seen++] = st;
			r = add_hier(cg, v1_ctrls[i], m, err);
			if (r < 0)
				return r;
		}
		break;
	}
	case SBX_CGKIND_SYSTEMD:
		cg->ops = &sbx_cg_ops_systemd;
		if (asprintf(&cg->name, "user-%u.slice", (unsigned)uid) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
		/* read-only view of the slice, for usage: the unified
		 * hierarchy when it has controllers, else v1 memory/pids/cpuacct */
		free(cg->parent);
		cg->parent = strdup("user.slice");
		cg->parent_below_self = false;
		if (!cg->parent)
			return sbx_error_set(err, ENOMEM, "out of memory");
		if (v2_has_controllers(root)) {
			_cleanup_free_ char *m = unified_mount(root);

			if (!m)
				return sbx_error_set(err, ENOMEM, "out of memory");
			r = add_hier(cg, "", m, err);
			if (r < 0)
				return r;
		} else {
			static const char *const sd_ctrls[] = { "memory", "pids", "cpuacct" };

			for (size_t i = 0; i < ELEMENTSOF(sd_ctrls); i++) {
				_cleanup_free_ char *m = sbx_cg_join(root, sd_ctrls[i]);

				if (!m)
					return sbx_error_set(err, ENOMEM, "out of memory");
				if (!v1_mounted(root, sd_ctrls[i]))
					continue;
				r = add_hier(cg, sd_ctrls[i], m, err);
				if (r < 0)
					return r;
			}
		}
		break;
	}
	if (cg->n_h > 0)
		cg->path = sbx_cg_join(cg->h[0].base_rel, cg->name);
	else
		cg->path = sbx_cg_join("/", cg->name);
	if (!cg->path)
		return sbx_error_set(err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(cg);
	return 0;
}

void sbx_cgroup_env_init(struct sbx_cgroup_env *env, const struct sbx_settings *settings)
{
	*env = (struct sbx_cgroup_env){
		.parent = settings->cgroup_parent,
		.driver = settings->cgroup_driver,
		.parent_below_self = settings->cgroup_nested,
	};
}

int sbx_cgroup_env_detect(struct sbx_cgroup_env *env, struct sbx_error *err)
{
	int r = sbx_cgroup_detect(env, &env->kind, err);

	env->detected = r == 0;
	return r;
}

int sbx_cgroup_user_open(const struct sbx_cgroup_env *env, uid_t uid,
			 const struct sbx_limits *lim, struct sbx_cgroup **ret,
			 struct sbx_error *err)
{
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	struct sbx_limits none = { .set = 0 };
	int r;

	r = handle_new(env, uid, &cg, err);
	if (r < 0)
		return r;
	r = cg->ops->user_open(cg, lim ? lim : &none, err);
	if (r < 0)
		return sbx_error_prefix(err, "cgroup (%s) of uid %u: ", cg->ops->name, (unsigned)uid);
	*ret = TAKE_PTR(cg);
	return 0;
}

int sbx_cgroup_user_get(const struct sbx_cgroup_env *env, uid_t uid,
			struct sbx_cgroup **ret, struct sbx_error *err)
{
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	int r;

	r = handle_new(env, uid, &cg, err);
	if (r < 0)
		return r;
	if (cg->kind != SBX_CGKIND_SYSTEMD && cg->kind != SBX_CGKIND_NONE && !is_dir(cg->h[0].user))
		return sbx_error_set(err, ENOENT, "no cgroup for uid %u (%s)", (unsigned)uid, cg->h[0].user);
	*ret = TAKE_PTR(cg);
	return 0;
}

static int leaf_name(const char *session_id, char **ret, struct sbx_error *err)
{
	if (!sbx_cg_id_ok(session_id))
		return sbx_error_set(err, EINVAL, "invalid session id \"%s\": expected [A-Za-z0-9._-]{1,64}",
				     session_id ? session_id : "(null)");
	if (asprintf(ret, "session-%s", session_id) < 0)
		return sbx_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int sbx_cgroup_attach_session(struct sbx_cgroup *cg, const char *session_id, pid_t pid,
			      struct sbx_error *err)
{
	_cleanup_free_ char *leaf = NULL;
	int r;

	r = leaf_name(session_id, &leaf, err);
	if (r < 0)
		return r;
	if (pid <= 0)
		return sbx_error_set(err, EINVAL, "invalid pid %d", (int)pid);
	if (sbx_cg_moved_find(cg, leaf))
		return sbx_error_set(err, EEXIST, "session %s is already attached", session_id);
	r = cg->ops->attach(cg, leaf, pid, err);
	if (r < 0)
		return sbx_error_prefix(err, "cgroup %s/%s: ", cg->path, leaf);
	return 0;
}

int sbx_cgroup_attach_init(struct sbx_cgroup *cg, pid_t pid, struct sbx_error *err)
{
	int r;

	if (pid <= 0)
		return sbx_error_set(err, EINVAL, "invalid pid %d", (int)pid);
	r = cg->ops->attach(cg, "init", pid, err);
	if (r < 0)
		return sbx_error_prefix(err, "cgroup %s/init: ", cg->path);
	return 0;
}

int sbx_cgroup_session_close(struct sbx_cgroup *cg, const char *session_id,
			     struct sbx_cgroup_usage *ret_usage, struct sbx_error *err)
{
	_cleanup_free_ char *leaf = NULL;
	int r;

	r = leaf_name(session_id, &leaf, err);
	if (r < 0)
		return r;
	if (ret_usage) {
		struct sbx_error ignored = SBX_ERROR_INIT;

		memset(ret_usage, 0, sizeof(*ret_usage));
		/* usage is best effort: a session cgroup that is gone has none */
		(void)cg->ops->usage(cg, leaf, ret_usage, &ignored);
		sbx_error_clear(&ignored);
	}
	r = cg->ops->leaf_close(cg, leaf, err);
	if (r < 0)
		return sbx_error_prefix(err, "cgroup %s/%s: ", cg->path, leaf);
	return 0;
}

int sbx_cgroup_usage(struct sbx_cgroup *cg, const char *session_id,
		     struct sbx_cgroup_usage *ret, struct sbx_error *err)
{
	_cleanup_free_ char *leaf = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (session_id) {
		r = leaf_name(session_id, &leaf, err);
		if (r < 0)
			return r;
	}
	return cg->ops->usage(cg, leaf, ret, err);
}

int sbx_cgroup_sessions(struct sbx_cgroup *cg, char ***ret, struct sbx_error *err)
{
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (!v)
		return sbx_error_set(err, ENOMEM, "out of memory");
	if (cg->kind == SBX_CGKIND_V1 || cg->kind == SBX_CGKIND_V2) {
		d = opendir(cg->h[0].user);
		if (!d && errno != ENOENT)
			return sbx_error_set(err, errno, "cannot list %s: %s", cg->h[0].user, strerror(errno));
		while (d && (de = readdir(d))) {
			if (de->d_type != DT_DIR || strncmp(de->d_name, "session-", 8) != 0 ||
			    !sbx_cg_id_ok(de->d_name + 8))
				continue;
			if (sbx_cg_strv_push(&v, strdup(de->d_name + 8)) < 0)
				return sbx_error_set(err, ENOMEM, "out of memory");
		}
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int sbx_cgroup_user_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	int r = cg->ops->kill(cg, err);

	if (r < 0)
		return sbx_error_prefix(err, "kill cgroup %s: ", cg->path);
	return 0;
}

int sbx_cgroup_user_remove(struct sbx_cgroup *cg, struct sbx_error *err)
{
	int r = cg->ops->user_remove(cg, err);

	if (r < 0)
		return sbx_error_prefix(err, "remove cgroup %s: ", cg->path);
	return 0;
}

int sbx_cgroup_gc(const struct sbx_cgroup_env *env, unsigned *ret_removed,
		  struct sbx_error *err)
{
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	unsigned removed = 0;
	int r;

	/* a handle for uid 0 only to get the hierarchies and base paths */
	r = handle_new(env, 0, &cg, err);
	if (r < 0)
		return r;
	if (cg->kind == SBX_CGKIND_V1 || cg->kind == SBX_CGKIND_V2) {
		for (size_t i = 0; i < cg->n_h; i++) {
			_cleanup_free_ char *base = sbx_cg_join(cg->h[i].mount, cg->h[i].base_rel);
			_cleanup_closedir_ DIR *d = NULL;
			struct dirent *de;

			if (!base)
				return sbx_error_set(err, ENOMEM, "out of memory");
			d = opendir(base);
			if (!d) {
				if (errno == ENOENT)
					continue;
				return sbx_error_set(err, errno, "cannot list %s: %s", base, strerror(errno));
			}
			while ((de = readdir(d))) {
				_cleanup_free_ char *u = NULL;

				if (de->d_type != DT_DIR || strncmp(de->d_name, "user-", 5) != 0)
					continue;
				u = sbx_cg_join(base, de->d_name);
				if (!u)
					return sbx_error_set(err, ENOMEM, "out of memory");
				/* busy cgroups refuse rmdir (EBUSY): left alone */
				if (sbx_cg_rmdir_tree(u) == 0 && i == 0)
					removed++;
			}
		}
	}
	if (ret_removed)
		*ret_removed = removed;
	return 0;
}

const char *sbx_cgroup_path(const struct sbx_cgroup *cg)
{
	return cg->path;
}

enum sbx_cgroup_kind sbx_cgroup_kind(const struct sbx_cgroup *cg)
{
	return cg->kind;
}

unsigned sbx_cgroup_skipped(const struct sbx_cgroup *cg)
{
	return cg->skipped;
}

bool sbx_cgroup_created(const struct sbx_cgroup *cg)
{
	return cg->created;
}

/* ---- the "none" driver --------------------------------------------------- */

/* No cgroup: fine as long as every limit set is optional. */
static int none_user_open(struct sbx_cgroup *cg, const struct sbx_limits *lim,
			  struct sbx_error *err)
{
	int r = 0;

	for (int l = 0; l < SBX_LIMIT__MAX; l++) {
		unsigned bit = 1u << l;

		if (!(lim->set & bit))
			continue;
		if (lim->optional & bit) {
			cg->skipped |= bit;
			continue;
		}
		r = sbx_error_add(err, EOPNOTSUPP,
				  "limit %s is set but no cgroup driver can enforce it on this host "
				  "(cgroup driver \"none\"; list it in limits.optional to allow this)",
				  sbx_limit_name((enum sbx_limit)l));
	}
	return r;
}

static int none_attach(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err)
{
	return 0;
}

static int none_leaf_close(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err)
{
	return 0;
}

static int none_usage(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		      struct sbx_error *err)
{
	return 0;
}

static int none_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return 0;
}

const struct sbx_cg_ops sbx_cg_ops_none = {
	.name = "none",
	.user_open = none_user_open,
	.attach = none_attach,
	.leaf_close = none_leaf_close,
	.usage = none_usage,
	.kill = none_kill,
	.user_remove = none_kill,
};

const char *sbx_cg_fmt(char *buf, size_t len, uint64_t v, const char *unlimited_word)
{
	if (v == SBX_UNLIMITED)
		snprintf(buf, len, "%s", unlimited_word);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

bool sbx_cg_exists(const char *dir, const char *file)
{
	return exists_in(dir, file);
}

uint64_t sbx_cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
