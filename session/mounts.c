/* The filesystem view of a sandbox, built once by its init inside the new
 * mount namespace, as root, before anything of the user runs there.
 *
 * Root must never be redirected by a path the user controls: every path is
 * opened with openat2(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) as an
 * O_PATH descriptor and every mount is made through descriptors (the new
 * mount API: open_tree, fsmount, mount_setattr, move_mount), so there is no
 * second lookup of a path between the check and the mount.  A path through
 * a symbolic link is an error that names it.
 *
 * Order, and why:
 *  1. "/" becomes a recursive slave: host mounts still appear inside,
 *     nothing mounted inside leaks out.
 *  2. The user's home and every bind source are opened first, in the
 *     untouched view, so a later hide cannot make them unreachable and a
 *     read-only path above them does not make them read-only (an explicit
 *     bind carries its own read_only flag; the home is re-bound from the
 *     original, writable mount).
 *  3. read_only paths: recursive bind on themselves, MOUNT_ATTR_RDONLY
 *     (other flags such as nosuid/nodev kept).  First, so the writable
 *     mounts below land on top of them: read_only = ["/"] still leaves a
 *     writable /tmp and home.
 *  4. private /tmp and /var/tmp: a tmpfs each (1777, nosuid, nodev), shared
 *     by the user's sessions because they share this namespace.
 *  5. hide_other_homes: a read-only tmpfs over the parent of the home, with
 *     the home bound back (writable) at its place.
 *  6. hidden paths: an empty read-only directory or file (mode 0000) bound
 *     over each, from one detached tmpfs that is never attached anywhere.
 *  7. binds (nosuid, nodev; read-only when asked), last so they win.
 *  8. a fresh /proc for the new pid namespace (only its processes).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "linux-compat.h"
#include "sandbox/cleanup.h"

/* openat2() missing (kernel < 5.6, or valgrind): walk the path one
 * component at a time with O_NOFOLLOW and refuse any link met on the way.
 * Same result as RESOLVE_NO_SYMLINKS for the normalised absolute paths a
 * policy holds ("." and ".." are refused by the policy builder). */
static int open_walk(int dirfd, const char *path, int flags)
{
	_cleanup_free_ char *copy = strdup(path);
	char *save = NULL, *comp, *next;
	int cur;

	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	cur = openat(dirfd, path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -1;
	for (comp = strtok_r(copy, "/", &save); comp; comp = next) {
		struct stat st;
		int fd;

		next = strtok_r(NULL, "/", &save);
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY : 0));
		if (fd < 0 && errno == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			errno = ELOOP;
		close(cur);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			close(fd);
			errno = ELOOP;
			return -1;
		}
		if (!next && (flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
			close(fd);
			errno = ENOTDIR;
			return -1;
		}
		cur = fd;
	}
	return cur;
}

int sbx_open_nofollow(int dirfd, const char *path, int flags, int *ret_fd, struct sbx_error *err)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = open_walk(dirfd, path, flags);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			return sbx_error_set(err, ELOOP, "%s goes through a symbolic link", path);
		if (e == ENOTDIR && (flags & O_DIRECTORY))
			return sbx_error_set(err, ENOTDIR, "%s: not a directory", path);
		return sbx_error_set(err, e, "%s: %s", path, strerror(e));
	}
	*ret_fd = (int)fd;
	return 0;
}

/* Open PATH; a missing optional path is reported as 0 with *ret_fd = -1. */
static int open_path(const char *path, bool optional, int *ret_fd, struct sbx_error *err)
{
	int r = sbx_open_nofollow(AT_FDCWD, path, 0, ret_fd, err);

	if (r == -ENOENT && optional) {
		sbx_error_clear(err);
		*ret_fd = -1;
		return 0;
	}
	return r;
}

static int set_attr(int tree, unsigned flags, uint64_t set, const char *what,
		    struct sbx_error *err)
{
	struct mount_attr attr = { .attr_set = set };

	if (!set)
		return 0;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | flags, &attr, sizeof(attr)) < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	return 0;
}

static int attach(int tree, int target, const char *what, struct sbx_error *err)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	return 0;
}

/* Bind (a clone of) the tree at SRC onto TARGET with attributes SET added
 * to every mount in it (recursive). */
static int bind_tree(int src, int target, uint64_t set, const char *what, struct sbx_error *err)
{
	_cleanup_close_ int tree = -1;
	int r;

	tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	/* Attributes on the detached copy: it is never visible writable. */
	r = set_attr(tree, AT_RECURSIVE, set, what, err);
	if (r < 0)
		return r;
	return attach(tree, target, what, err);
}

/* A new detached tmpfs.  MODE as octal text. */
static int new_tmpfs(const char *mode, uint64_t attrs, int *ret_fd, const char *what,
		     struct sbx_error *err)
{
	_cleanup_close_ int fs = -1;
	int m;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sbx_error_set(err, errno, "%s: tmpfs: %m", what);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return sbx_error_set(err, errno, "%s: tmpfs: %m", what);
	m = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (m < 0)
		return sbx_error_set(err, errno, "%s: tmpfs: %m", what);
	*ret_fd = m;
	return 0;
}

static int mount_read_only(const struct sbx_path *rp, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1;
	char what[PATH_MAX + 32];
	int r;

	r = open_path(rp->path, rp->optional, &fd, err);
	if (r < 0)
		return sbx_error_prefix(err, "read-only: ");
	if (fd < 0)
		return 0;
	snprintf(what, sizeof(what), "mount %s read-only", rp->path);
	return bind_tree(fd, fd, MOUNT_ATTR_RDONLY, what, err);
}

static int mount_tmp(const char *path, bool optional, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1, m = -1;
	char what[64];
	int r;

	r = sbx_open_nofollow(AT_FDCWD, path, O_DIRECTORY, &fd, err);
	if (r == -ENOENT && optional) {
		sbx_error_clear(err);
		return 0;
	}
	if (r < 0)
		return sbx_error_prefix(err, "private tmp: ");
	snprintf(what, sizeof(what), "private %s", path);
	r = new_tmpfs("1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, &m, what, err);
	if (r < 0)
		return r;
	return attach(m, fd, what, err);
}

/* Where the hide source is attached while the hides are made: kernels
 * before about 6.15 refuse to clone (open_tree) from a mount that is not in
 * the caller's namespace, so the source must be attached somewhere first.
 * /proc always exists, hidden paths never lie below it (it is replaced
 * later), and the source is detached again right after the hides. */
#define HIDE_SOURCE_SPOT "/proc"

/* The source of every hide: a read-only tmpfs holding an empty directory
 * "d" and an empty file "f", both mode 0000 and root's, attached on
 * HIDE_SOURCE_SPOT until hide_source_detach(). */
static int hide_source(int *ret_fd, struct sbx_error *err)
{
	_cleanup_close_ int m = -1;
	int fd, r;

	r = new_tmpfs("0000", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &m,
		      "hide", err);
	if (r < 0)
		return r;
	if (mkdirat(m, "d", 0) < 0)
		return sbx_error_set(err, errno, "hide: mkdir: %m");
	fd = openat(m, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return sbx_error_set(err, errno, "hide: create: %m");
	close(fd);
	r = set_attr(m, 0, MOUNT_ATTR_RDONLY, "hide: read-only", err);
	if (r < 0)
		return r;
	if (move_mount(m, "", AT_FDCWD, HIDE_SOURCE_SPOT, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return sbx_error_set(err, errno, "hide: attach the source: %m");
	*ret_fd = TAKE_FD(m);
	return 0;
}

static int hide_source_detach(int *src, struct sbx_error *err)
{
	if (*src < 0)
		return 0;
	sbx_closep(src);
	*src = -1;
	if (umount2(HIDE_SOURCE_SPOT, MNT_DETACH) < 0)
		return sbx_error_set(err, errno, "hide: detach the source: %m");
	return 0;
}

static int mount_hidden(const struct sbx_path *hp, int *src, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1, tree = -1;
	char what[PATH_MAX + 16];
	struct stat st;
	int r;

	r = open_path(hp->path, hp->optional, &fd, err);
	if (r < 0)
		return sbx_error_prefix(err, "hidden: ");
	if (fd < 0)
		return 0;
	snprintf(what, sizeof(what), "hide %s", hp->path);
	if (fstat(fd, &st) < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	if (*src < 0) {
		r = hide_source(src, err);
		if (r < 0)
			return r;
	}
	tree = open_tree(*src, S_ISDIR(st.st_mode) ? "d" : "f", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	return attach(tree, fd, what, err);
}

/* Hide the homes of others: a read-only tmpfs over the parent of HOME with
 * one directory, where the home (HOME_FD, opened before anything changed)
 * is bound back writable.  A home directly under "/" is refused: hiding "/"
 * would hide everything. */
static int mount_homes(const char *home, int home_fd, struct sbx_error *err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1, m = -1, spot = -1;
	const char *base;
	char *slash;
	int r;

	parent = strdup(home);
	if (!parent)
		return sbx_error_set(err, ENOMEM, "hide other homes: out of memory");
	slash = strrchr(parent, '/');
	if (!slash || slash == parent || !slash[1])
		return sbx_error_set(err, EINVAL, "hide other homes: home %s has no parent to hide",
				     home);
	*slash = 0;
	base = slash + 1;

	r = sbx_open_nofollow(AT_FDCWD, parent, O_DIRECTORY, &pfd, err);
	if (r < 0)
		return sbx_error_prefix(err, "hide other homes: ");
	r = new_tmpfs("0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &m,
		      "hide other homes", err);
	if (r < 0)
		return r;
	if (mkdirat(m, base, 0755) < 0)
		return sbx_error_set(err, errno, "hide other homes: mkdir %s: %m", base);
	r = set_attr(m, 0, MOUNT_ATTR_RDONLY, "hide other homes: read-only", err);
	if (r < 0)
		return r;
	r = attach(m, pfd, "hide other homes: mount on parent", err);
	if (r < 0)
		return r;
	spot = openat(m, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (spot < 0)
		return sbx_error_set(err, errno, "hide other homes: %s: %m", home);
	return bind_tree(home_fd, spot, 0, "hide other homes: bind home back", err);
}

static int mount_proc(struct sbx_error *err)
{
	_cleanup_close_ int fs = -1, m = -1, target = -1;
	int r;

	r = sbx_open_nofollow(AT_FDCWD, "/proc", O_DIRECTORY, &target, err);
	if (r < 0)
		return sbx_error_prefix(err, "mount /proc: ");
	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return sbx_error_set(err, errno, "mount /proc: %m");
	m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (m < 0)
		return sbx_error_set(err, errno, "mount /proc: %m");
	return attach(m, target, "mount /proc", err);
}

int sbx_mounts_setup(const struct sbx_policy *p, bool with_proc, struct sbx_error *err)
{
	const struct sbx_filesystem *fs = &p->role.fs;
	_cleanup_close_ int home_fd = -1, hide_src = -1;
	_cleanup_free_ int *src = NULL;
	int r = 0;

	if (mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return sbx_error_set(err, errno, "make / a slave mount: %m");

	/* 2. Open what must be reached in the untouched view. */
	if (fs->hide_other_homes) {
		if (!p->home)
			return sbx_error_set(err, EINVAL, "hide other homes: no home directory");
		r = sbx_open_nofollow(AT_FDCWD, p->home, O_DIRECTORY, &home_fd, err);
		if (r < 0)
			return sbx_error_prefix(err, "home: ");
	}
	if (fs->n_binds) {
		src = malloc(fs->n_binds * sizeof(*src));
		if (!src)
			return sbx_error_set(err, ENOMEM, "binds: out of memory");
		for (size_t i = 0; i < fs->n_binds; i++)
			src[i] = -1;
		for (size_t i = 0; i < fs->n_binds && r == 0; i++) {
			r = open_path(fs->binds[i].source, fs->binds[i].optional, &src[i], err);
			if (r < 0)
				sbx_error_prefix(err, "bind source: ");
		}
	}

	/* 3..7 */
	for (size_t i = 0; i < fs->n_read_only && r == 0; i++)
		r = mount_read_only(&fs->read_only[i], err);
	if (r == 0 && fs->private_tmp) {
		r = mount_tmp("/tmp", false, err);
		if (r == 0)
			r = mount_tmp("/var/tmp", true, err);
	}
	if (r == 0 && fs->hide_other_homes)
		r = mount_homes(p->home, home_fd, err);
	for (size_t i = 0; i < fs->n_hidden && r == 0; i++)
		r = mount_hidden(&fs->hidden[i], &hide_src, err);
	if (r == 0)
		r = hide_source_detach(&hide_src, err);
	for (size_t i = 0; i < fs->n_binds && r == 0; i++) {
		const struct sbx_bind *b = &fs->binds[i];
		_cleanup_close_ int target = -1;
		char what[2 * PATH_MAX + 16];

		if (src[i] < 0)
			continue; /* optional, missing */
		snprintf(what, sizeof(what), "bind %s on %s", b->source, b->target);
		r = sbx_open_nofollow(AT_FDCWD, b->target, 0, &target, err);
		if (r < 0) {
			sbx_error_prefix(err, "bind target: ");
			break;
		}
		r = bind_tree(src[i], target,
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->read_only ? MOUNT_ATTR_RDONLY : 0),
			      what, err);
	}
	for (size_t i = 0; src && i < fs->n_binds; i++)
		if (src[i] >= 0)
			close(src[i]);
	if (r < 0)
		return r;

	/* 8. */
	if (with_proc)
		return mount_proc(err);
	return 0;
}
