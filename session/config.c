/* Loading the configuration: see include/sandbox/config.h.
 *
 * One load reads the main file and its drop-ins (each through libconfig,
 * with its own @include), validates each tree (config-schema.c), then runs
 * the checks that need every file: missing default, inheritance (undefined
 * parents, cycles), constraints on the effective roles, assignments to
 * undefined roles.  Every message is collected, sorted by file and line, and
 * reported at once; only a configuration without a single problem is
 * returned. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config-internal.h"
#include "sandbox/cleanup.h"

#define DEFAULT_NAMESPACES (SBX_NS_MOUNT | SBX_NS_IPC | SBX_NS_UTS | SBX_NS_PID)
#define DEFAULT_CGROUP_PARENT "pam_sandbox"
#define DEFAULT_STATE_DIR "/run/pam_sandbox"

static const char *const ns_names[] = { "mount", "ipc", "uts", "pid", "net", "cgroup" };

static const char *const limit_names[SBX_LIMIT__MAX] = {
	[SBX_LIMIT_MEMORY] = "memory",
	[SBX_LIMIT_MEMORY_HIGH] = "memory_high",
	[SBX_LIMIT_SWAP] = "swap",
	[SBX_LIMIT_PIDS] = "pids",
	[SBX_LIMIT_CPUS] = "cpus",
	[SBX_LIMIT_IO_WEIGHT] = "io_weight",
};

const char *sbx_ns_name(unsigned flag)
{
	for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
		if (flag == 1u << i)
			return ns_names[i];
	return NULL;
}

unsigned sbx_ns_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
		if (!strcmp(name, ns_names[i]))
			return 1u << i;
	return 0;
}

const char *sbx_limit_name(enum sbx_limit l)
{
	if ((unsigned)l >= SBX_LIMIT__MAX)
		return NULL;
	return limit_names[l];
}

char *sbx_config_dropin_dir(const char *path)
{
	size_t n = strlen(path);
	char *d;

	if (n > 5 && !strcmp(path + n - 5, ".conf")) {
		d = malloc(n - 5 + 3);
		if (!d)
			return NULL;
		memcpy(d, path, n - 5);
		memcpy(d + n - 5, ".d", 3);
		return d;
	}
	if (asprintf(&d, "%s.d", path) < 0)
		return NULL;
	return d;
}

/* ---- roles: copy and release ------------------------------------------- */

void sbx_role_clear(struct sbx_role *role)
{
	if (!role)
		return;
	free(role->name);
	free(role->file);
	free(role->inherits);
	free(role->hostname);
	for (size_t i = 0; i < role->fs.n_read_only; i++)
		free(role->fs.read_only[i].path);
	free(role->fs.read_only);
	for (size_t i = 0; i < role->fs.n_hidden; i++)
		free(role->fs.hidden[i].path);
	free(role->fs.hidden);
	for (size_t i = 0; i < role->fs.n_binds; i++) {
		free(role->fs.binds[i].source);
		free(role->fs.binds[i].target);
	}
	free(role->fs.binds);
	memset(role, 0, sizeof(*role));
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int copy_paths(struct sbx_path **dst, const struct sbx_path *src, size_t n)
{
	*dst = NULL;
	if (!n)
		return 0;
	*dst = calloc(n, sizeof(**dst));
	if (!*dst)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i].optional = src[i].optional;
		if (dup_str(&(*dst)[i].path, src[i].path) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Returns 0 or -ENOMEM; on failure dst holds what was copied (clear it). */
int sbx_role_copy(struct sbx_role *dst, const struct sbx_role *src)
{
	*dst = *src;
	dst->name = dst->file = dst->inherits = dst->hostname = NULL;
	dst->fs.read_only = dst->fs.hidden = NULL;
	dst->fs.binds = NULL;
	dst->fs.n_read_only = dst->fs.n_hidden = dst->fs.n_binds = 0;

	if (dup_str(&dst->name, src->name) < 0 || dup_str(&dst->file, src->file) < 0 ||
	    dup_str(&dst->inherits, src->inherits) < 0 || dup_str(&dst->hostname, src->hostname) < 0)
		goto oom;
	dst->fs.n_read_only = src->fs.n_read_only;
	if (copy_paths(&dst->fs.read_only, src->fs.read_only, src->fs.n_read_only) < 0)
		goto oom;
	dst->fs.n_hidden = src->fs.n_hidden;
	if (copy_paths(&dst->fs.hidden, src->fs.hidden, src->fs.n_hidden) < 0)
		goto oom;
	if (src->fs.n_binds) {
		dst->fs.binds = calloc(src->fs.n_binds, sizeof(*dst->fs.binds));
		if (!dst->fs.binds)
			goto oom;
		dst->fs.n_binds = src->fs.n_binds;
		for (size_t i = 0; i < src->fs.n_binds; i++) {
			dst->fs.binds[i].read_only = src->fs.binds[i].read_only;
			dst->fs.binds[i].optional = src->fs.binds[i].optional;
			if (dup_str(&dst->fs.binds[i].source, src->fs.binds[i].source) < 0 ||
			    dup_str(&dst->fs.binds[i].target, src->fs.binds[i].target) < 0)
				goto oom;
		}
	}
	return 0;
oom:
	/* Leave dst in a state sbx_role_clear() releases. */
	if (!dst->fs.read_only)
		dst->fs.n_read_only = 0;
	if (!dst->fs.hidden)
		dst->fs.n_hidden = 0;
	return -ENOMEM;
}

/* ---- messages ---------------------------------------------------------- */

void cfg_msg_add(struct cfg_loader *L, size_t file, int line, const char *fmt, ...)
{
	struct cfg_msg *bigger;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text) {
		L->oom = true;
		return;
	}
	bigger = realloc(L->msgs, (L->n_msgs + 1) * sizeof(*L->msgs));
	if (!bigger) {
		free(text);
		L->oom = true;
		return;
	}
	L->msgs = bigger;
	L->msgs[L->n_msgs] = (struct cfg_msg){ .file = file, .line = line, .seq = L->n_msgs, .text = text };
	L->n_msgs++;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct cfg_msg *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- the loader -------------------------------------------------------- */

static void assign_free(struct cfg_assign *a)
{
	free(a->a.name);
	free(a->a.role);
	free(a->a.file);
}

static void loader_done(struct cfg_loader *L)
{
	sbx_strv_free(L->files);
	for (size_t i = 0; i < L->n_msgs; i++)
		free(L->msgs[i].text);
	free(L->msgs);
	free(L->settings.cgroup_parent);
	free(L->settings.state_dir);
	for (size_t i = 0; i < L->n_users; i++)
		assign_free(&L->users[i]);
	free(L->users);
	for (size_t i = 0; i < L->n_groups; i++)
		assign_free(&L->groups[i]);
	free(L->groups);
	assign_free(&L->def);
	for (size_t i = 0; i < L->n_roles; i++)
		sbx_role_clear(&L->roles[i].role);
	free(L->roles);
}

/* Append NAME to the list of files; returns its index (0 when out of
 * memory, which is then reported as such). */
static size_t add_file(struct cfg_loader *L, const char *dir, const char *name)
{
	char **bigger;
	char *path;

	if (dir && name[0] != '/') {
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			path = NULL;
	} else {
		path = strdup(name);
	}
	bigger = path ? realloc(L->files, (L->n_files + 2) * sizeof(*L->files)) : NULL;
	if (!bigger) {
		free(path);
		L->oom = true;
		return 0;
	}
	L->files = bigger;
	L->files[L->n_files] = path;
	L->files[L->n_files + 1] = NULL;
	return L->n_files++;
}

/* Report a libconfig parse failure of the file(s) starting at FIRST. */
static void parse_error(struct cfg_loader *L, config_t *cf, size_t first)
{
	const char *text = config_error_text(cf) ? config_error_text(cf) : "unknown error";
	const char *file = config_error_file(cf);
	size_t idx = first;

	L->incomplete = true;
	if (file)
		for (unsigned i = 0; i < cf->num_filenames; i++)
			if (cf->filenames[i] && !strcmp(cf->filenames[i], file))
				idx = first + i;
	/* libconfig's own text is often just "syntax error". */
	if (!strncmp(text, "syntax error", 12))
		cfg_msg_add(L, idx, config_error_line(cf), "%s", text);
	else
		cfg_msg_add(L, idx, config_error_line(cf), "syntax error: %s", text);
}

/* The files libconfig opened for @include, after the first. */
static void add_includes(struct cfg_loader *L, config_t *cf, const char *dir)
{
	for (unsigned i = 1; i < cf->num_filenames; i++)
		add_file(L, dir, cf->filenames[i] ? cf->filenames[i] : "?");
}

/* Read and validate one file.  @include is relative to its directory
 * (libconfig 1.5 takes one include directory per parse). */
static void load_file(struct cfg_loader *L, const char *path)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/');
	size_t first = add_file(L, NULL, path);
	struct stat st;
	FILE *f;
	config_t cf;

	if (L->oom)
		return;
	dir = slash ? strndup(path, (size_t)(slash - path == 0 ? 1 : slash - path)) : strdup(".");
	if (!dir) {
		L->oom = true;
		return;
	}
	/* Open it once ourselves for a clear errno (libconfig says only
	 * "file I/O error"). */
	f = fopen(path, "re");
	if (!f) {
		cfg_msg_add(L, first, 0, "cannot open: %s", strerror(errno));
		L->incomplete = true;
		return;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		cfg_msg_add(L, first, 0, "not a regular file");
		L->incomplete = true;
		return;
	}
	fclose(f);

	config_init(&cf);
	config_set_include_dir(&cf, dir);
	if (!config_read_file(&cf, path)) {
		add_includes(L, &cf, dir);
		L->incomplete = true;
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO && !config_error_file(&cf))
			cfg_msg_add(L, first, 0, "cannot read: %s", config_error_text(&cf));
		else
			parse_error(L, &cf, first);
		config_destroy(&cf);
		return;
	}
	add_includes(L, &cf, dir);
	cfg_walk_root(L, &cf, first);
	config_destroy(&cf);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "*.conf" in DIR in strcmp order; a missing directory is no error.
 * Hidden files (editor and package-manager leftovers) are skipped, and so
 * is anything that is not a regular file. */
static void load_dropins(struct cfg_loader *L, const char *dir, size_t main_file)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT) {
			cfg_msg_add(L, main_file, 0, "drop-in directory %s: cannot read: %s", dir, strerror(errno));
			L->incomplete = true;
		}
		return;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		size_t len = strlen(de->d_name);
		char **bigger;

		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		bigger = realloc(names, (n + 2) * sizeof(*names));
		if (!bigger) {
			L->oom = true;
			return;
		}
		names = bigger;
		names[n] = strdup(de->d_name);
		names[n + 1] = NULL;
		if (!names[n]) {
			L->oom = true;
			return;
		}
		n++;
	}
	if (errno) {
		cfg_msg_add(L, main_file, 0, "drop-in directory %s: cannot read: %s", dir, strerror(errno));
		return;
	}
	if (!n)
		return;
	qsort(names, n, sizeof(*names), strcmp_p);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			L->oom = true;
			return;
		}
		if (stat(path, &st) < 0) {
			size_t idx = add_file(L, NULL, path);

			cfg_msg_add(L, idx, 0, "cannot open: %s", strerror(errno));
			L->incomplete = true;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		load_file(L, path);
	}
}

/* ---- after every file: inheritance and cross checks -------------------- */

static void role_defaults(struct sbx_role *r)
{
	memset(r, 0, sizeof(*r));
	r->sandbox = true;
	r->namespaces = DEFAULT_NAMESPACES;
	r->fs.private_tmp = true;
	r->fs.hide_other_homes = true;
	r->network = SBX_NETWORK_HOST;
	r->session.linger = true;
}

static struct cfg_raw_role *find_raw(struct cfg_loader *L, const char *name)
{
	for (size_t i = 0; i < L->n_roles; i++)
		if (!strcmp(L->roles[i].role.name, name))
			return &L->roles[i];
	return NULL;
}

/* Extend DST with SRC: same path kept once at its first place, and
 * optional only when every mention says so (mandatory wins). */
static int merge_paths(struct sbx_path **dst, size_t *n, const struct sbx_path *src, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		struct sbx_path *bigger;
		size_t j;

		for (j = 0; j < *n; j++)
			if (!strcmp((*dst)[j].path, src[i].path))
				break;
		if (j < *n) {
			(*dst)[j].optional = (*dst)[j].optional && src[i].optional;
			continue;
		}
		bigger = realloc(*dst, (*n + 1) * sizeof(**dst));
		if (!bigger)
			return -ENOMEM;
		*dst = bigger;
		(*dst)[*n].optional = src[i].optional;
		(*dst)[*n].path = strdup(src[i].path);
		if (!(*dst)[*n].path)
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

/* Extend with SRC binds; a child's bind on the same target replaces the
 * parent's in place. */
static int merge_binds(struct sbx_filesystem *fs, const struct sbx_bind *src, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		struct sbx_bind b = src[i];
		size_t j;

		b.source = strdup(src[i].source);
		b.target = strdup(src[i].target);
		if (!b.source || !b.target) {
			free(b.source);
			free(b.target);
			return -ENOMEM;
		}
		for (j = 0; j < fs->n_binds; j++)
			if (!strcmp(fs->binds[j].target, b.target))
				break;
		if (j < fs->n_binds) {
			free(fs->binds[j].source);
			free(fs->binds[j].target);
			fs->binds[j] = b;
			continue;
		}
		struct sbx_bind *bigger = realloc(fs->binds, (fs->n_binds + 1) * sizeof(*fs->binds));
		if (!bigger) {
			free(b.source);
			free(b.target);
			return -ENOMEM;
		}
		fs->binds = bigger;
		fs->binds[fs->n_binds++] = b;
	}
	return 0;
}

/* Lay the keys RAW sets over EFF (a copy of the parent's effective role,
 * or the defaults).  Returns 0 or -ENOMEM. */
static int overlay(struct sbx_role *eff, const struct cfg_raw_role *raw)
{
	const struct sbx_role *r = &raw->role;
	unsigned set = raw->set;

#define HAS(k) (set & (1u << (k)))
	free(eff->name);
	free(eff->file);
	free(eff->inherits);
	eff->name = eff->file = eff->inherits = NULL;
	if (dup_str(&eff->name, r->name) < 0 || dup_str(&eff->file, r->file) < 0 ||
	    dup_str(&eff->inherits, HAS(RK_INHERITS) ? r->inherits : NULL) < 0)
		return -ENOMEM;
	eff->line = r->line;
	if (HAS(RK_SANDBOX))
		eff->sandbox = r->sandbox;
	if (HAS(RK_NAMESPACES))
		eff->namespaces = r->namespaces;
	if (HAS(RK_HOSTNAME)) {
		free(eff->hostname);
		if (dup_str(&eff->hostname, r->hostname) < 0)
			return -ENOMEM;
	}
	if (HAS(RK_NETWORK))
		eff->network = r->network;
	if (HAS(RK_PRIVATE_TMP))
		eff->fs.private_tmp = r->fs.private_tmp;
	if (HAS(RK_HIDE_HOMES))
		eff->fs.hide_other_homes = r->fs.hide_other_homes;
	if (merge_paths(&eff->fs.read_only, &eff->fs.n_read_only, r->fs.read_only, r->fs.n_read_only) < 0 ||
	    merge_paths(&eff->fs.hidden, &eff->fs.n_hidden, r->fs.hidden, r->fs.n_hidden) < 0 ||
	    merge_binds(&eff->fs, r->fs.binds, r->fs.n_binds) < 0)
		return -ENOMEM;
	for (int l = 0; l < SBX_LIMIT__MAX; l++)
		if (r->limits.set & (1u << l)) {
			eff->limits.value[l] = r->limits.value[l];
			eff->limits.set |= 1u << l;
		}
	if (HAS(RK_LIMIT_OPTIONAL))
		eff->limits.optional = r->limits.optional;
	if (HAS(RK_CAPS))
		eff->priv.capabilities = r->priv.capabilities;
	if (HAS(RK_NNP))
		eff->priv.no_new_privs = r->priv.no_new_privs;
	if (HAS(RK_LINGER))
		eff->session.linger = r->session.linger;
	if (HAS(RK_MAX_SESSIONS))
		eff->session.max_sessions = r->session.max_sessions;
	if (HAS(RK_TTY))
		eff->audit.tty = r->audit.tty;
	if (HAS(RK_LOG_PASSWD))
		eff->audit.log_passwd = r->audit.log_passwd;
#undef HAS
	return 0;
}

enum { R_NEW, R_BUSY, R_DONE, R_FAILED };

struct resolver {
	struct cfg_loader *L;
	struct sbx_role *eff; /* per raw role */
	int *state;
	size_t cycle_head; /* the role where the last cycle closed */
	bool oom;
};

/* Report a message about key KEY of role R, at the line of that key when
 * the role sets it, else at the role's own line. */
static void role_msg(struct cfg_loader *L, const struct cfg_raw_role *r, enum cfg_rk key,
		     const char *keypath, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void role_msg(struct cfg_loader *L, const struct cfg_raw_role *r, enum cfg_rk key,
		     const char *keypath, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int line = (r->set & (1u << key)) ? r->key_line[key] : r->role.line;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text) {
		L->oom = true;
		return;
	}
	cfg_msg_add(L, r->file, line, "roles.%s%s%s: %s", r->role.name, *keypath ? "." : "", keypath, text);
	free(text);
}

static const char *role_hint(struct cfg_loader *L, const char *name)
{
	const char *names[256];
	size_t n = 0;

	for (size_t i = 0; i < L->n_roles && n < ELEMENTSOF(names); i++)
		names[n++] = L->roles[i].role.name;
	return cfg_suggest(name, names, n);
}

/* The effective role of raw role I (depth first, parents before
 * children).  Undefined parents and cycles are reported on the role whose
 * inherits = ... names them; a role below a broken one fails silently (the
 * cause is reported once). */
static int resolve(struct resolver *R, size_t i)
{
	struct cfg_loader *L = R->L;
	struct cfg_raw_role *raw = &L->roles[i];
	struct sbx_role *eff = &R->eff[i];

	if (R->state[i] == R_DONE)
		return 0;
	if (R->state[i] == R_FAILED)
		return -EINVAL;
	if (R->state[i] == R_BUSY) {
		/* A cycle: each role on it reports it, up to this one. */
		R->cycle_head = i;
		return -ELOOP;
	}
	R->state[i] = R_BUSY;
	if (raw->set & (1u << RK_INHERITS)) {
		struct cfg_raw_role *parent = find_raw(L, raw->role.inherits);
		size_t p;
		int r;

		if (!parent) {
			const char *hint = role_hint(L, raw->role.inherits);

			if (hint)
				role_msg(L, raw, RK_INHERITS, "inherits", "role \"%s\" is not defined (did you mean \"%s\"?)",
					 raw->role.inherits, hint);
			else
				role_msg(L, raw, RK_INHERITS, "inherits", "role \"%s\" is not defined", raw->role.inherits);
			R->state[i] = R_FAILED;
			return -EINVAL;
		}
		p = (size_t)(parent - L->roles);
		r = resolve(R, p);
		if (r == -ELOOP) {
			/* Report the cycle on each role in it, once. */
			char chain[1024];
			size_t len = 0;
			const struct cfg_raw_role *c = raw;

			len += (size_t)snprintf(chain + len, sizeof(chain) - len, "%s", raw->role.name);
			for (int guard = 0; guard < 256 && len < sizeof(chain); guard++) {
				c = find_raw(L, c->role.inherits);
				if (!c)
					break;
				len += (size_t)snprintf(chain + len, sizeof(chain) - len, " -> %s", c->role.name);
				if (c == raw)
					break;
			}
			role_msg(L, raw, RK_INHERITS, "inherits", "inheritance cycle: %s", chain);
			R->state[i] = R_FAILED;
			/* Tell the caller whether it is still on the cycle. */
			return R->cycle_head == i ? -EINVAL : -ELOOP;
		}
		if (r < 0) {
			R->state[i] = R_FAILED;
			return -EINVAL;
		}
		if (sbx_role_copy(eff, &R->eff[p]) < 0) {
			R->oom = true;
			R->state[i] = R_FAILED;
			return -ENOMEM;
		}
	} else {
		role_defaults(eff);
	}
	if (overlay(eff, raw) < 0) {
		R->oom = true;
		R->state[i] = R_FAILED;
		return -ENOMEM;
	}
	R->state[i] = R_DONE;
	return 0;
}

/* Whether the role or any role it inherits from had an error. */
static bool chain_bad(struct cfg_loader *L, const struct cfg_raw_role *r)
{
	for (int guard = 0; r && guard < 1024; guard++) {
		if (r->bad)
			return true;
		if (!(r->set & (1u << RK_INHERITS)))
			return false;
		r = find_raw(L, r->role.inherits);
	}
	return true;
}

/* Constraints between keys, on the effective role (they may come from
 * different roles of the chain).  Exempt roles are not confined, so their
 * other keys do not matter. */
static void check_effective(struct cfg_loader *L, const struct cfg_raw_role *raw,
			    const struct sbx_role *e)
{
	unsigned ns = e->namespaces;
	const struct sbx_filesystem *fs = &e->fs;

	if (!e->sandbox)
		return;
	if (!(ns & SBX_NS_MOUNT)) {
		const char *need = fs->private_tmp ? "filesystem.private_tmp"
				 : fs->hide_other_homes ? "filesystem.hide_other_homes"
				 : fs->n_read_only ? "filesystem.read_only"
				 : fs->n_hidden ? "filesystem.hidden"
				 : fs->n_binds ? "filesystem.bind"
				 : (ns & SBX_NS_PID) ? "the \"pid\" namespace (for a /proc of its own)"
				 : NULL;
		if (need)
			role_msg(L, raw, RK_NAMESPACES, "namespaces",
				 "the \"mount\" namespace is needed by %s", need);
	}
	if (e->hostname && !(ns & SBX_NS_UTS))
		role_msg(L, raw, RK_HOSTNAME, "hostname", "a hostname needs the \"uts\" namespace");
	if ((ns & SBX_NS_NET) && e->network != SBX_NETWORK_NONE)
		role_msg(L, raw, RK_NAMESPACES, "namespaces",
			 "the \"net\" namespace leaves only loopback: say so with network = \"none\"");
	if (!e->session.linger && !(ns & SBX_NS_PID))
		role_msg(L, raw, RK_LINGER, "session.linger",
			 "session.linger = false needs the \"pid\" namespace");
	if (e->audit.log_passwd && !e->audit.tty)
		role_msg(L, raw, RK_LOG_PASSWD, "audit.log_passwd",
			 "audit.log_passwd = true needs audit.tty = true");
}

static void check_assignment(struct cfg_loader *L, const struct cfg_assign *a, const char *list)
{
	const char *hint;

	if (!strcmp(a->a.role, "deny") || !strcmp(a->a.role, "none") || find_raw(L, a->a.role))
		return;
	hint = role_hint(L, a->a.role);
	char key[64];
	if (a->index >= 0)
		snprintf(key, sizeof(key), "assign.%s.[%d].role", list, a->index);
	else
		snprintf(key, sizeof(key), "assign.default");
	if (hint)
		cfg_msg_add(L, a->file, a->role_line, "%s: role \"%s\" is not defined (did you mean \"%s\"?)",
			    key, a->a.role, hint);
	else
		cfg_msg_add(L, a->file, a->role_line, "%s: role \"%s\" is not defined (use a role from roles, \"deny\" or \"none\")",
			    key, a->a.role);
}

static void take_assigns(struct sbx_assign **dst, size_t *n, struct cfg_assign *src, size_t m)
{
	*n = m;
	for (size_t i = 0; i < m; i++) {
		(*dst)[i] = src[i].a;
		memset(&src[i].a, 0, sizeof(src[i].a));
	}
}

/* The checks that need every file, then the result.  Returns 0, -EINVAL
 * (messages in err) or -ENOMEM. */
static int finish(struct cfg_loader *L, struct sbx_config **ret, struct sbx_error *err)
{
	struct resolver R = { .L = L };
	_cleanup_free_ struct sbx_role *eff = NULL;
	_cleanup_free_ int *state = NULL;
	struct sbx_config *cfg = NULL;
	int r = 0;

	if (L->oom)
		return sbx_error_set(err, ENOMEM, "out of memory");

	/* With a file missing, "undefined" and "missing" would be guesses:
	 * report what is known to be wrong and nothing else. */
	if (L->incomplete) {
		if (!L->n_msgs)
			cfg_msg_add(L, 0, 0, "the configuration could not be read completely");
		goto report;
	}
	if (!L->have_default)
		cfg_msg_add(L, L->have_assign ? L->assign_file : 0, L->have_assign ? L->assign_line : 1,
			    "assign.default: missing (set it to a role, \"deny\" or \"none\": there is no implicit default)");

	eff = calloc(L->n_roles + 1, sizeof(*eff));
	state = calloc(L->n_roles + 1, sizeof(*state));
	if (!eff || !state)
		return sbx_error_set(err, ENOMEM, "out of memory");
	R.eff = eff;
	R.state = state;
	for (size_t i = 0; i < L->n_roles; i++)
		resolve(&R, i);
	for (size_t i = 0; i < L->n_roles; i++) {
		if (state[i] != R_DONE || chain_bad(L, &L->roles[i]))
			continue;
		/* network = "none" is a net namespace with only loopback. */
		if (eff[i].network == SBX_NETWORK_NONE)
			eff[i].namespaces |= SBX_NS_NET;
		check_effective(L, &L->roles[i], &eff[i]);
	}
	for (size_t i = 0; i < L->n_users; i++)
		check_assignment(L, &L->users[i], "users");
	for (size_t i = 0; i < L->n_groups; i++)
		check_assignment(L, &L->groups[i], "groups");
	if (L->have_default)
		check_assignment(L, &L->def, "default");

report:
	if (R.oom || L->oom) {
		r = sbx_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (L->n_msgs) {
		qsort(L->msgs, L->n_msgs, sizeof(*L->msgs), msg_cmp);
		for (size_t i = 0; i < L->n_msgs; i++) {
			const struct cfg_msg *m = &L->msgs[i];
			const char *file = cfg_basename(L->files[m->file]);

			if (m->line > 0)
				sbx_error_add(err, EINVAL, "%s:%d: %s", file, m->line, m->text);
			else
				sbx_error_add(err, EINVAL, "%s: %s", file, m->text);
		}
		r = -EINVAL;
		goto out;
	}

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		r = sbx_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	cfg->settings = L->settings;
	memset(&L->settings, 0, sizeof(L->settings));
	cfg->users = calloc(L->n_users + 1, sizeof(*cfg->users));
	cfg->groups = calloc(L->n_groups + 1, sizeof(*cfg->groups));
	if (!cfg->users || !cfg->groups) {
		sbx_config_free(cfg);
		r = sbx_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	take_assigns(&cfg->users, &cfg->n_users, L->users, L->n_users);
	take_assigns(&cfg->groups, &cfg->n_groups, L->groups, L->n_groups);
	cfg->default_role = L->def.a;
	memset(&L->def.a, 0, sizeof(L->def.a));
	cfg->roles = TAKE_PTR(eff);
	cfg->n_roles = L->n_roles;
	cfg->files = TAKE_PTR(L->files);
	*ret = cfg;
	return 0;
out:
	for (size_t i = 0; eff && i < L->n_roles; i++)
		sbx_role_clear(&eff[i]);
	return r;
}

static void loader_init(struct cfg_loader *L)
{
	memset(L, 0, sizeof(*L));
	L->settings.on_error = SBX_ON_ERROR_DENY;
	L->settings.cgroup_driver = SBX_CGROUP_AUTO;
	L->settings.cgroup_parent = strdup(DEFAULT_CGROUP_PARENT);
	L->settings.state_dir = strdup(DEFAULT_STATE_DIR);
	if (!L->settings.cgroup_parent || !L->settings.state_dir)
		L->oom = true;
}

int sbx_config_load(const char *path, struct sbx_config **ret, struct sbx_error *err)
{
	_cleanup_free_ char *dropins = NULL;
	struct cfg_loader L;
	struct stat st;
	int r;

	*ret = NULL;
	/* A missing main file is its own error: callers (the PAM module with
	 * on_error, sandboxctl) tell "not installed" from "broken". */
	if (stat(path, &st) < 0) {
		int e = errno;

		return sbx_error_set(err, e == ENOENT ? ENOENT : e,
				     "%s: cannot read the configuration: %s", path, strerror(e));
	}
	dropins = sbx_config_dropin_dir(path);
	if (!dropins)
		return sbx_error_set(err, ENOMEM, "out of memory");
	loader_init(&L);
	load_file(&L, path);
	if (!L.oom)
		load_dropins(&L, dropins, 0);
	r = finish(&L, ret, err);
	loader_done(&L);
	return r;
}

/* libconfig 1.5 would open @include files relative to the working
 * directory here: refuse them, so a string never reads a file. */
static void refuse_includes(struct cfg_loader *L, const char *text)
{
	int line = 1;

	for (const char *p = text; *p;) {
		const char *q = p + strspn(p, " \t");

		if (!strncmp(q, "@include", 8)) {
			cfg_msg_add(L, 0, line, "@include is only supported in files");
			L->incomplete = true;
		}
		p = strchrnul(p, '\n');
		if (*p) {
			p++;
			line++;
		}
	}
}

int sbx_config_load_string(const char *text, const char *name,
			   struct sbx_config **ret, struct sbx_error *err)
{
	struct cfg_loader L;
	config_t cf;
	int r;

	*ret = NULL;
	loader_init(&L);
	add_file(&L, NULL, name ? name : "(string)");
	if (!L.oom) {
		refuse_includes(&L, text);
		if (!L.n_msgs) {
			config_init(&cf);
			if (!config_read_string(&cf, text))
				parse_error(&L, &cf, 0);
			else
				cfg_walk_root(&L, &cf, 0);
			config_destroy(&cf);
		}
	}
	r = finish(&L, ret, err);
	loader_done(&L);
	return r;
}

void sbx_config_free(struct sbx_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->settings.cgroup_parent);
	free(cfg->settings.state_dir);
	for (size_t i = 0; i < cfg->n_users; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].role);
		free(cfg->users[i].file);
	}
	free(cfg->users);
	for (size_t i = 0; i < cfg->n_groups; i++) {
		free(cfg->groups[i].name);
		free(cfg->groups[i].role);
		free(cfg->groups[i].file);
	}
	free(cfg->groups);
	free(cfg->default_role.name);
	free(cfg->default_role.role);
	free(cfg->default_role.file);
	for (size_t i = 0; i < cfg->n_roles; i++)
		sbx_role_clear(&cfg->roles[i]);
	free(cfg->roles);
	sbx_strv_free(cfg->files);
	free(cfg);
}

const struct sbx_role *sbx_config_role(const struct sbx_config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	for (size_t i = 0; i < cfg->n_roles; i++)
		if (cfg->roles[i].name && !strcmp(cfg->roles[i].name, name))
			return &cfg->roles[i];
	return NULL;
}
