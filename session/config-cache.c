/* A compiled copy of the validated configuration, so that a login does not
 * parse libconfig text every time.  See sbx_config_load_cached() in
 * include/sandbox/config.h.
 *
 * Parsing and validating the shipped configuration costs about 0.1 ms of
 * every login (mostly libconfig's scanner); checking that the copy is
 * current and reading it back costs a few stat() calls and one read.
 *
 * The copy is a file per configuration path in the cache directory (by
 * default the state directory, /run: it does not outlive a reboot).  It
 * names every source it was made from (the main file, every drop-in and
 * @include, the drop-in directory, or its absence) with the identity and
 * times of each; it is used only when every one of them still matches.
 * Adding, removing or renaming a drop-in changes the directory's times;
 * editing a file changes its own.
 *
 * Only root writes it, in a directory only root may write, with a checksum
 * over its content; anything unexpected (owner, mode, size, version,
 * checksum, a field out of bounds) makes the loader ignore it and parse the
 * files, never fail: the copy is an optimisation, not a source of truth.
 *
 * A copy is made only from sources whose last change is more than
 * FRESH_SEC older than the parse that read them.  A file changed while it
 * was being parsed could otherwise be cached with the times of its new
 * content and the policy of its old one (file times are coarse: the
 * clock tick, not the nanosecond they claim). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config-internal.h"
#include "sandbox/cleanup.h"
#include "sandbox/config.h"

#define CACHE_MAGIC "SBXCONF1"
#define CACHE_VERSION 1u
#define CACHE_MAX (1u << 20)
#define FRESH_SEC 2
#define HEADER_LEN 24 /* magic[8], version u32, length u32, checksum u64 */

/* Every field of these is written below: a new field must be added there
 * too (and the size here updated), or the cached policy would silently
 * lack it. */
#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(sizeof(struct sbx_role) == 200, "struct sbx_role changed: update config-cache.c");
_Static_assert(sizeof(struct sbx_settings) == 40, "struct sbx_settings changed: update config-cache.c");
_Static_assert(sizeof(struct sbx_config) == 128, "struct sbx_config changed: update config-cache.c");
_Static_assert(sizeof(struct sbx_assign) == 32, "struct sbx_assign changed: update config-cache.c");
_Static_assert(sizeof(struct sbx_bind) == 24, "struct sbx_bind changed: update config-cache.c");
#endif

/* ---- writing ----------------------------------------------------------- */

struct wbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put_bytes(struct wbuf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u64(struct wbuf *b, uint64_t v)
{
	put_bytes(b, &v, sizeof(v));
}

/* Length-prefixed; UINT32_MAX stands for NULL. */
static void put_str(struct wbuf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;

	put_bytes(b, &n, sizeof(n));
	if (s)
		put_bytes(b, s, n);
}

static void put_assign(struct wbuf *b, const struct sbx_assign *a)
{
	put_str(b, a->name);
	put_str(b, a->role);
	put_str(b, a->file);
	put_u64(b, (uint64_t)(int64_t)a->line);
}

static void put_assigns(struct wbuf *b, const struct sbx_assign *v, size_t n)
{
	put_u64(b, n);
	for (size_t i = 0; i < n; i++)
		put_assign(b, &v[i]);
}

static void put_paths(struct wbuf *b, const struct sbx_path *v, size_t n)
{
	put_u64(b, n);
	for (size_t i = 0; i < n; i++) {
		put_str(b, v[i].path);
		put_u64(b, v[i].optional);
	}
}

static void put_role(struct wbuf *b, const struct sbx_role *r)
{
	put_str(b, r->name);
	put_str(b, r->file);
	put_u64(b, (uint64_t)(int64_t)r->line);
	put_str(b, r->inherits);
	put_u64(b, r->sandbox);
	put_u64(b, r->namespaces);
	put_str(b, r->hostname);
	put_u64(b, r->fs.private_tmp);
	put_u64(b, r->fs.hide_other_homes);
	put_paths(b, r->fs.read_only, r->fs.n_read_only);
	put_paths(b, r->fs.hidden, r->fs.n_hidden);
	put_u64(b, r->fs.n_binds);
	for (size_t i = 0; i < r->fs.n_binds; i++) {
		put_str(b, r->fs.binds[i].source);
		put_str(b, r->fs.binds[i].target);
		put_u64(b, r->fs.binds[i].read_only);
		put_u64(b, r->fs.binds[i].optional);
	}
	put_u64(b, r->network);
	for (int i = 0; i < SBX_LIMIT__MAX; i++)
		put_u64(b, r->limits.value[i]);
	put_u64(b, r->limits.set);
	put_u64(b, r->limits.optional);
	put_u64(b, r->priv.capabilities);
	put_u64(b, r->priv.no_new_privs);
	put_u64(b, r->session.linger);
	put_u64(b, r->session.max_sessions);
	put_u64(b, r->audit.tty);
	put_u64(b, r->audit.log_passwd);
}

static void put_config(struct wbuf *b, const struct sbx_config *c)
{
	size_t n_files = 0;

	put_u64(b, c->settings.on_error);
	put_u64(b, c->settings.cgroup_driver);
	put_str(b, c->settings.cgroup_parent);
	put_u64(b, c->settings.cgroup_nested);
	put_str(b, c->settings.state_dir);
	put_u64(b, c->settings.audit_required);
	put_assigns(b, c->users, c->n_users);
	put_assigns(b, c->groups, c->n_groups);
	put_assign(b, &c->default_role);
	put_u64(b, c->n_roles);
	for (size_t i = 0; i < c->n_roles; i++)
		put_role(b, &c->roles[i]);
	while (c->files && c->files[n_files])
		n_files++;
	put_u64(b, n_files);
	for (size_t i = 0; i < n_files; i++)
		put_str(b, c->files[i]);
}

/* ---- reading ----------------------------------------------------------- */

struct rbuf {
	const char *p;
	size_t len, off;
	bool bad; /* truncated, out of range or out of memory: give up */
};

static void get_bytes(struct rbuf *b, void *out, size_t n)
{
	if (b->bad || b->len - b->off < n) {
		b->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, b->p + b->off, n);
	b->off += n;
}

static uint64_t get_u64(struct rbuf *b)
{
	uint64_t v;

	get_bytes(b, &v, sizeof(v));
	return v;
}

static bool get_bool(struct rbuf *b)
{
	uint64_t v = get_u64(b);

	if (v > 1)
		b->bad = true;
	return v == 1;
}

/* A count of elements that each take at least one byte: never more than
 * what is left, so a corrupt count cannot make us allocate much. */
static size_t get_count(struct rbuf *b)
{
	uint64_t v = get_u64(b);

	if (v > b->len - b->off) {
		b->bad = true;
		return 0;
	}
	return (size_t)v;
}

static int get_int(struct rbuf *b)
{
	int64_t v = (int64_t)get_u64(b);

	if (v < INT32_MIN || v > INT32_MAX)
		b->bad = true;
	return (int)v;
}

static char *get_str(struct rbuf *b)
{
	uint32_t n;
	char *s;

	get_bytes(b, &n, sizeof(n));
	if (b->bad || n == UINT32_MAX)
		return NULL;
	if (n > b->len - b->off || memchr(b->p + b->off, 0, n)) {
		b->bad = true;
		return NULL;
	}
	s = strndup(b->p + b->off, n);
	if (!s)
		b->bad = true;
	b->off += n;
	return s;
}

static void *get_array(struct rbuf *b, size_t n, size_t size)
{
	void *v;

	if (b->bad)
		return NULL;
	v = calloc(n + 1, size);
	if (!v)
		b->bad = true;
	return v;
}

static void get_assign(struct rbuf *b, struct sbx_assign *a)
{
	a->name = get_str(b);
	a->role = get_str(b);
	a->file = get_str(b);
	a->line = get_int(b);
}

static struct sbx_assign *get_assigns(struct rbuf *b, size_t *ret_n)
{
	size_t n = get_count(b);
	struct sbx_assign *v = get_array(b, n, sizeof(*v));

	*ret_n = v ? n : 0;
	for (size_t i = 0; v && i < n; i++)
		get_assign(b, &v[i]);
	return v;
}

static struct sbx_path *get_paths(struct rbuf *b, size_t *ret_n)
{
	size_t n = get_count(b);
	struct sbx_path *v = get_array(b, n, sizeof(*v));

	*ret_n = v ? n : 0;
	for (size_t i = 0; v && i < n; i++) {
		v[i].path = get_str(b);
		v[i].optional = get_bool(b);
	}
	return v;
}

static void get_role(struct rbuf *b, struct sbx_role *r)
{
	size_t n;

	r->name = get_str(b);
	r->file = get_str(b);
	r->line = get_int(b);
	r->inherits = get_str(b);
	r->sandbox = get_bool(b);
	r->namespaces = (unsigned)get_u64(b);
	r->hostname = get_str(b);
	r->fs.private_tmp = get_bool(b);
	r->fs.hide_other_homes = get_bool(b);
	r->fs.read_only = get_paths(b, &r->fs.n_read_only);
	r->fs.hidden = get_paths(b, &r->fs.n_hidden);
	n = get_count(b);
	r->fs.binds = get_array(b, n, sizeof(*r->fs.binds));
	r->fs.n_binds = r->fs.binds ? n : 0;
	for (size_t i = 0; i < r->fs.n_binds; i++) {
		r->fs.binds[i].source = get_str(b);
		r->fs.binds[i].target = get_str(b);
		r->fs.binds[i].read_only = get_bool(b);
		r->fs.binds[i].optional = get_bool(b);
	}
	r->network = (enum sbx_network)get_u64(b);
	for (int i = 0; i < SBX_LIMIT__MAX; i++)
		r->limits.value[i] = get_u64(b);
	r->limits.set = (unsigned)get_u64(b);
	r->limits.optional = (unsigned)get_u64(b);
	r->priv.capabilities = get_u64(b);
	r->priv.no_new_privs = get_bool(b);
	r->session.linger = get_bool(b);
	r->session.max_sessions = (unsigned)get_u64(b);
	r->audit.tty = get_bool(b);
	r->audit.log_passwd = get_bool(b);
	if (r->network > SBX_NETWORK_NONE || (r->namespaces & ~(unsigned)SBX_NS_ALL))
		b->bad = true;
}

/* Returns the configuration, or NULL when the bytes do not decode. */
static struct sbx_config *get_config(struct rbuf *b)
{
	struct sbx_config *c = calloc(1, sizeof(*c));
	size_t n;

	if (!c)
		return NULL;
	c->settings.on_error = (enum sbx_on_error)get_u64(b);
	c->settings.cgroup_driver = (enum sbx_cgroup_driver)get_u64(b);
	c->settings.cgroup_parent = get_str(b);
	c->settings.cgroup_nested = get_bool(b);
	c->settings.state_dir = get_str(b);
	c->settings.audit_required = get_bool(b);
	if (c->settings.on_error > SBX_ON_ERROR_ALLOW || c->settings.cgroup_driver > SBX_CGROUP_NONE)
		b->bad = true;

	c->users = get_assigns(b, &c->n_users);
	c->groups = get_assigns(b, &c->n_groups);
	get_assign(b, &c->default_role);

	n = get_count(b);
	c->roles = get_array(b, n, sizeof(*c->roles));
	c->n_roles = c->roles ? n : 0;
	for (size_t i = 0; i < c->n_roles; i++)
		get_role(b, &c->roles[i]);

	n = get_count(b);
	c->files = get_array(b, n, sizeof(*c->files));
	for (size_t i = 0; c->files && i < n; i++)
		c->files[i] = get_str(b);

	if (b->bad || b->off != b->len || !c->settings.state_dir || !c->settings.cgroup_parent) {
		sbx_config_free(c);
		return NULL;
	}
	return c;
}

/* ---- sources ----------------------------------------------------------- */

/* What identifies one source: PATH's inode and times, or its absence. */
static void put_source(struct wbuf *b, const char *path, const struct stat *st)
{
	put_str(b, path);
	put_u64(b, st != NULL);
	if (!st)
		return;
	put_u64(b, st->st_dev);
	put_u64(b, st->st_ino);
	put_u64(b, st->st_mode);
	put_u64(b, (uint64_t)st->st_size);
	put_u64(b, (uint64_t)st->st_mtim.tv_sec);
	put_u64(b, (uint64_t)st->st_mtim.tv_nsec);
	put_u64(b, (uint64_t)st->st_ctim.tv_sec);
	put_u64(b, (uint64_t)st->st_ctim.tv_nsec);
}

/* Read one source back and compare it with what PATH is now. */
static bool source_current(struct rbuf *b)
{
	_cleanup_free_ char *path = get_str(b);
	bool present = get_bool(b);
	uint64_t was[8] = { 0 };
	struct stat st;

	for (size_t i = 0; present && i < 8; i++)
		was[i] = get_u64(b);
	if (b->bad || !path)
		return false;
	if (stat(path, &st) < 0)
		return !present && errno == ENOENT;
	return present && was[0] == (uint64_t)st.st_dev && was[1] == (uint64_t)st.st_ino &&
	       was[2] == (uint64_t)st.st_mode && was[3] == (uint64_t)st.st_size &&
	       was[4] == (uint64_t)st.st_mtim.tv_sec && was[5] == (uint64_t)st.st_mtim.tv_nsec &&
	       was[6] == (uint64_t)st.st_ctim.tv_sec && was[7] == (uint64_t)st.st_ctim.tv_nsec;
}

/* Append the sources of CFG (read from PATH) to B.  Returns false when one
 * of them changed too recently (see FRESH_SEC) or cannot be examined. */
static bool put_sources(struct wbuf *b, const char *path, const struct sbx_config *cfg,
			time_t parsed)
{
	_cleanup_free_ char *dropins = sbx_config_dropin_dir(path);
	size_t n = 0;
	struct stat st;

	if (!dropins)
		return false;
	while (cfg->files && cfg->files[n])
		n++;
	put_u64(b, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (stat(cfg->files[i], &st) < 0 || st.st_ctim.tv_sec + FRESH_SEC > parsed)
			return false;
		put_source(b, cfg->files[i], &st);
	}
	if (stat(dropins, &st) == 0) {
		if (st.st_ctim.tv_sec + FRESH_SEC > parsed)
			return false;
		put_source(b, dropins, &st);
	} else if (errno == ENOENT) {
		put_source(b, dropins, NULL);
	} else {
		return false;
	}
	return true;
}

/* ---- the cache file ---------------------------------------------------- */

static uint64_t fnv1a(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void cache_name(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "config-%016llx.cache",
		 (unsigned long long)fnv1a(path, strlen(path)));
}

/* The cache directory, made (one level) when missing; only if it is ours
 * alone: a directory, owned by us, writable by nobody else. */
static int open_cache_dir(const char *dir)
{
	int fd;
	struct stat st;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mkdir(dir, 0700) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The configuration cached for PATH in DIR_FD if it is current, else NULL. */
static struct sbx_config *cache_read(int dir_fd, const char *name, const char *path)
{
	_cleanup_free_ char *buf = NULL, *cached_path = NULL;
	_cleanup_close_ int fd = -1;
	struct rbuf b;
	struct stat st;
	uint32_t version, len;
	uint64_t sum;
	size_t n;

	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || st.st_size < HEADER_LEN || st.st_size > CACHE_MAX)
		return NULL;
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		return NULL;
	memcpy(&version, buf + 8, sizeof(version));
	memcpy(&len, buf + 12, sizeof(len));
	memcpy(&sum, buf + 16, sizeof(sum));
	if (memcmp(buf, CACHE_MAGIC, 8) || version != CACHE_VERSION ||
	    len != (uint64_t)st.st_size - HEADER_LEN || fnv1a(buf + HEADER_LEN, len) != sum)
		return NULL;

	b = (struct rbuf){ .p = buf + HEADER_LEN, .len = len };
	cached_path = get_str(&b);
	if (b.bad || !cached_path || strcmp(cached_path, path))
		return NULL;
	n = get_count(&b);
	for (size_t i = 0; i < n; i++)
		if (!source_current(&b))
			return NULL;
	return get_config(&b);
}

/* Best effort: a copy that cannot be written is simply not there. */
static void cache_write(int dir_fd, const char *name, const char *path,
			const struct sbx_config *cfg, time_t parsed)
{
	struct wbuf b = { 0 };
	char tmp[96];
	uint32_t version = CACHE_VERSION, len;
	uint64_t sum;
	int fd;

	put_bytes(&b, CACHE_MAGIC, 8);
	put_bytes(&b, &version, sizeof(version));
	put_bytes(&b, "\0\0\0\0", 4); /* length, filled in below */
	put_bytes(&b, "\0\0\0\0\0\0\0\0", 8); /* checksum */
	put_str(&b, path);
	if (!put_sources(&b, path, cfg, parsed))
		goto out;
	put_config(&b, cfg);
	if (b.oom || b.len > CACHE_MAX)
		goto out;
	len = (uint32_t)(b.len - HEADER_LEN);
	sum = fnv1a(b.p + HEADER_LEN, len);
	memcpy(b.p + 12, &len, sizeof(len));
	memcpy(b.p + 16, &sum, sizeof(sum));

	/* A name of our own, then rename: readers see the old copy or the
	 * whole new one, and concurrent logins do not write into each
	 * other's file. */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (write(fd, b.p, b.len) != (ssize_t)b.len || close(fd) < 0 ||
	    renameat(dir_fd, tmp, dir_fd, name) < 0)
		(void)unlinkat(dir_fd, tmp, 0);
out:
	free(b.p);
}

int cfg_cache_encode(const struct sbx_config *cfg, char **ret, size_t *ret_len)
{
	struct wbuf b = { 0 };

	put_config(&b, cfg);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	*ret_len = b.len;
	return 0;
}

int sbx_config_load_cached(const char *path, const char *cache_dir, struct sbx_config **ret,
			   struct sbx_error *err)
{
	return cfg_cache_load(path, cache_dir, time(NULL), ret, err);
}

int cfg_cache_load(const char *path, const char *cache_dir, time_t now, struct sbx_config **ret,
		   struct sbx_error *err)
{
	_cleanup_close_ int dir_fd = -1;
	struct sbx_config *cfg;
	char name[64];
	int r;

	/* Only absolute paths name the same file in every process. */
	if (!cache_dir || path[0] != '/' || cache_dir[0] != '/')
		return sbx_config_load(path, ret, err);
	dir_fd = open_cache_dir(cache_dir);
	if (dir_fd < 0)
		return sbx_config_load(path, ret, err);
	cache_name(path, name, sizeof(name));
	cfg = cache_read(dir_fd, name, path);
	if (cfg) {
		*ret = cfg;
		return 0;
	}
	r = sbx_config_load(path, ret, err);
	if (r == 0)
		cache_write(dir_fd, name, path, *ret, now);
	return r;
}
