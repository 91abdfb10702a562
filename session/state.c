/* State files of the sandboxes: one directory per host (state_dir/users),
 * and per user a lock file, a state file and a directory of session records.
 *
 * Everything is reached through descriptors opened without following
 * symbolic links, relative to the users/ directory, so the same code works
 * from the PAM process after it moved into a sandbox's mount namespace (it
 * keeps the descriptor it opened before) and from the sandbox's init. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "sandbox/cleanup.h"

#define STATE_MAX 4096

/* By bit index of the SBX_NS_* flags. */
static const char *const ns_proc_names[SBX_NS_COUNT] = { "mnt", "ipc", "uts", "pid", "net", "cgroup" };

void sbx_state_clear(struct sbx_state *st)
{
	if (!st)
		return;
	free(st->user);
	free(st->role);
	*st = (struct sbx_state){ 0 };
}

int sbx_parse_ull(const char *s, unsigned long long *ret)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* A directory we keep state in must be ours alone: owned by root, not
 * writable by anyone else.  Returns 0 or -EPERM. */
static int check_private_dir(int fd, const char *what, struct sbx_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sbx_error_set(err, errno, "%s: %m", what);
	if (st.st_uid != 0 || (st.st_mode & 022))
		return sbx_error_set(err, EPERM,
				     "%s: not owned by root or writable by others (uid %u, mode %04o)",
				     what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Open directory NAME, made (0700) first when missing and CREATE.  Open
 * first: at every login the directories exist already.  Returns the fd or
 * -1 with errno set. */
static int open_or_make_dir(int dirfd, const char *name, bool create)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int open_dir_at(int dirfd, const char *name, const char *what, bool create, int *ret_fd,
		       struct sbx_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open_or_make_dir(dirfd, name, create);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return sbx_error_set(err, ELOOP, "%s: not a directory (or a symbolic link)",
					     what);
		return sbx_error_set(err, errno, "open %s: %m", what);
	}
	r = check_private_dir(fd, what, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int sbx_state_open(const char *state_dir, bool create, int *ret_fd, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!state_dir)
		state_dir = SBX_STATE_DIR_DEFAULT;
	if (state_dir[0] != '/')
		return sbx_error_set(err, EINVAL, "state directory %s: not an absolute path",
				     state_dir);
	/* Only the last component is created: its parent (/run) is the
	 * administrator's.  The last component must not be a link. */
	r = open_dir_at(AT_FDCWD, state_dir, state_dir, create, &fd, err);
	if (r < 0)
		return r;
	r = open_dir_at(fd, "users", "state directory users/", create, ret_fd, err);
	if (r < 0)
		return sbx_error_prefix(err, "%s: ", state_dir);
	return 0;
}

int sbx_state_lock(int users_fd, uid_t uid, int *ret_fd, struct sbx_error *err)
{
	char name[32];

	snprintf(name, sizeof(name), "%u.lock", (unsigned)uid);
	for (;;) {
		_cleanup_close_ int fd = -1;
		struct stat a, b;

		fd = openat(users_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return sbx_error_set(err, errno, "open lock %s: %m", name);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return sbx_error_set(err, errno, "lock %s: %m", name);
		if (fstat(fd, &a) < 0)
			return sbx_error_set(err, errno, "lock %s: %m", name);
		if (fstatat(users_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
		/* Unlinked (or replaced) by the holder before us: retry. */
	}
}

int sbx_proc_starttime(int proc_fd, pid_t pid, unsigned long long *ret)
{
	char path[32], buf[1024], *p, *save = NULL;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int field;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n == 0 ? -ESRCH : (errno == ESRCH ? -ESRCH : -errno);
	buf[n] = 0;
	/* "PID (COMM) S ..." - COMM may hold anything, ')' included. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	field = 2;
	for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 3 && (tok[0] == 'Z' || tok[0] == 'X'))
			return -ESRCH; /* exited, not yet reaped */
		if (field == 22)
			return sbx_parse_ull(tok, ret) < 0 ? -EIO : 0;
	}
	return -EIO;
}

int sbx_state_read(int users_fd, uid_t uid, struct sbx_state *ret, struct sbx_error *err)
{
	char name[32], buf[STATE_MAX], *save = NULL;
	_cleanup_close_ int fd = -1;
	struct sbx_state st = { .uid = uid };
	unsigned have = 0;
	ssize_t n;

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(users_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return sbx_error_set(err, errno, "open state %s: %m", name);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return sbx_error_set(err, errno, "read state %s: %m", name);
	buf[n] = 0;

	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');
		unsigned long long u;

		if (!v)
			continue;
		*v++ = 0;
		if (strcmp(line, "user") == 0 || strcmp(line, "role") == 0) {
			char **dst = line[0] == 'u' ? &st.user : &st.role;
			free(*dst);
			*dst = strdup(v);
			if (!*dst) {
				sbx_state_clear(&st);
				return sbx_error_set(err, ENOMEM, "read state %s: out of memory", name);
			}
			continue;
		}
		if (sbx_parse_ull(v, &u) < 0)
			continue;
		if (strcmp(line, "init_pid") == 0 && u > 0 && u <= INT32_MAX) {
			st.init_pid = (pid_t)u;
			have |= 1;
		} else if (strcmp(line, "init_start") == 0) {
			st.init_start = u;
			have |= 2;
		} else if (strcmp(line, "created") == 0) {
			st.created = (time_t)u;
		} else if (strcmp(line, "linger") == 0) {
			st.linger = u != 0;
		} else if (strcmp(line, "namespaces") == 0) {
			st.namespaces = (unsigned)u;
		} else if (strncmp(line, "ns_", 3) == 0) {
			for (int i = 0; i < SBX_NS_COUNT; i++)
				if (strcmp(line + 3, ns_proc_names[i]) == 0)
					st.ns_ino[i] = u;
		}
	}
	if (have != 3) {
		sbx_state_clear(&st);
		return sbx_error_set(err, EBADMSG, "state %s: no init pid or start time", name);
	}
	*ret = st;
	return 0;
}

int sbx_ns_index(unsigned ns)
{
	for (int i = 0; i < SBX_NS_COUNT; i++)
		if (ns == 1u << i)
			return i;
	return -1;
}

const char *sbx_ns_proc_name(unsigned ns)
{
	int i = sbx_ns_index(ns);

	return i < 0 ? NULL : ns_proc_names[i];
}

void sbx_state_read_ns_inodes(int proc_fd, struct sbx_state *st)
{
	char rel[64];
	struct stat sb;

	for (int i = 0; i < SBX_NS_COUNT; i++) {
		st->ns_ino[i] = 0;
		if (!(st->namespaces & (1u << i)))
			continue;
		snprintf(rel, sizeof(rel), "%d/ns/%s", (int)st->init_pid, ns_proc_names[i]);
		if (fstatat(proc_fd, rel, &sb, 0) == 0)
			st->ns_ino[i] = (uint64_t)sb.st_ino;
	}
}

int sbx_state_write(int users_fd, const struct sbx_state *st, struct sbx_error *err)
{
	char name[32], tmp[40], buf[STATE_MAX];
	_cleanup_close_ int fd = -1;
	int n;

	snprintf(name, sizeof(name), "%u", (unsigned)st->uid);
	snprintf(tmp, sizeof(tmp), "%u.tmp", (unsigned)st->uid);
	n = snprintf(buf, sizeof(buf),
		     "init_pid=%d\ninit_start=%llu\nuid=%u\nuser=%s\nrole=%s\ncreated=%lld\n"
		     "linger=%d\nnamespaces=%u\n",
		     (int)st->init_pid, st->init_start, (unsigned)st->uid, st->user ? st->user : "",
		     st->role ? st->role : "", (long long)st->created, st->linger ? 1 : 0,
		     st->namespaces);
	for (int i = 0; i < SBX_NS_COUNT && n >= 0 && (size_t)n < sizeof(buf); i++)
		if (st->ns_ino[i])
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "ns_%s=%llu\n",
				      ns_proc_names[i], (unsigned long long)st->ns_ino[i]);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return sbx_error_set(err, ENAMETOOLONG, "state %s: too long", name);
	/* The caller holds the user's lock, so a fixed temporary name is safe;
	 * a leftover from a crash is replaced. */
	(void)unlinkat(users_fd, tmp, 0);
	fd = openat(users_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sbx_error_set(err, errno, "write state %s: %m", name);
	if (write(fd, buf, (size_t)n) != n) {
		int e = errno ? errno : EIO;
		(void)unlinkat(users_fd, tmp, 0);
		return sbx_error_set(err, e, "write state %s: %s", name, strerror(e));
	}
	if (renameat(users_fd, tmp, users_fd, name) < 0) {
		int e = errno;
		(void)unlinkat(users_fd, tmp, 0);
		return sbx_error_set(err, e, "write state %s: %s", name, strerror(e));
	}
	return 0;
}

static void sessions_dir_name(char *buf, size_t len, uid_t uid)
{
	snprintf(buf, len, "%u.sessions", (unsigned)uid);
}

/* Parse "PID.START"; -EINVAL for anything else. */
static int parse_record(const char *name, pid_t *pid, unsigned long long *start)
{
	char buf[64], *dot;
	unsigned long long p;

	if (strlen(name) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, name);
	dot = strchr(buf, '.');
	if (!dot)
		return -EINVAL;
	*dot = 0;
	if (sbx_parse_ull(buf, &p) < 0 || p == 0 || p > INT32_MAX ||
	    sbx_parse_ull(dot + 1, start) < 0)
		return -EINVAL;
	*pid = (pid_t)p;
	return 0;
}

int sbx_state_remove(int users_fd, uid_t uid, bool lock_too)
{
	char name[32];
	int r = 0, dfd;

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (unlinkat(users_fd, name, 0) < 0 && errno != ENOENT)
		r = -errno;

	sessions_dir_name(name, sizeof(name), uid);
	dfd = openat(users_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		DIR *d = fdopendir(dfd);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)))
				if (de->d_name[0] != '.')
					(void)unlinkat(dirfd(d), de->d_name, 0);
			closedir(d);
		} else {
			close(dfd);
		}
		if (unlinkat(users_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	snprintf(name, sizeof(name), "%u.tmp", (unsigned)uid);
	(void)unlinkat(users_fd, name, 0);
	if (lock_too) {
		snprintf(name, sizeof(name), "%u.lock", (unsigned)uid);
		if (unlinkat(users_fd, name, 0) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	return r;
}

int sbx_state_add_session(int users_fd, uid_t uid, pid_t pid, unsigned long long start,
			  struct sbx_error *err)
{
	char dir[32], rec[64];
	_cleanup_close_ int dfd = -1;
	int fd;

	sessions_dir_name(dir, sizeof(dir), uid);
	dfd = open_or_make_dir(users_fd, dir, true);
	if (dfd < 0)
		return sbx_error_set(err, errno, "open %s: %m", dir);
	snprintf(rec, sizeof(rec), "%d.%llu", (int)pid, start);
	fd = openat(dfd, rec, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sbx_error_set(err, errno, "create session record %s/%s: %m", dir, rec);
	close(fd);
	return 0;
}

int sbx_state_del_session(int users_fd, uid_t uid, pid_t pid, unsigned long long start)
{
	char rec[96];
	int n;

	n = snprintf(rec, sizeof(rec), "%u.sessions/%d.%llu", (unsigned)uid, (int)pid, start);
	if (n < 0 || (size_t)n >= sizeof(rec))
		return -ENAMETOOLONG;
	/* The path is ours (made by us in a root-only directory), so a
	 * relative path with one component below users/ is fine here. */
	if (unlinkat(users_fd, rec, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

int sbx_state_live_sessions(int users_fd, uid_t uid, int proc_fd, bool prune, unsigned *ret)
{
	char dir[32];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned live = 0;
	int dfd;

	sessions_dir_name(dir, sizeof(dir), uid);
	dfd = openat(users_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		*ret = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return -e;
	}
	while ((de = readdir(d))) {
		unsigned long long start, now;
		pid_t pid;

		if (de->d_name[0] == '.')
			continue;
		if (parse_record(de->d_name, &pid, &start) == 0 &&
		    sbx_proc_starttime(proc_fd, pid, &now) == 0 && now == start) {
			live++;
			continue;
		}
		/* Dead (or not a record of ours): a crashed sshd. */
		if (prune)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	*ret = live;
	return 0;
}
