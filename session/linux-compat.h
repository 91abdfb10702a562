/* System calls the C library may lack a wrapper for.
 *
 * glibc has wrappers for the new mount API since 2.36; musl (which
 * sandbox-init is built with where it is installed, see configure.ac) has
 * none.  Without them, call the kernel directly: same arguments, same
 * return convention (-1 and errno). */
#ifndef SANDBOX_LINUX_COMPAT_H
#define SANDBOX_LINUX_COMPAT_H

#include <sys/syscall.h>
#include <unistd.h>

#if defined(__GLIBC__)
#define SBX_LIBC_HAS_MOUNT_API __GLIBC_PREREQ(2, 36)
#else
#define SBX_LIBC_HAS_MOUNT_API 0
#endif

#if !SBX_LIBC_HAS_MOUNT_API
#include <linux/mount.h>

static inline int fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static inline int fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned flags, unsigned attrs)
{
	return (int)syscall(SYS_fsmount, fd, flags, attrs);
}

static inline int move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to,
			     unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}

static inline int open_tree(int dirfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int mount_setattr(int dirfd, const char *path, unsigned flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}
#endif

#endif
