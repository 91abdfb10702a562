/* Scope-bound cleanup, in the style of systemd's _cleanup_ helpers.
 *
 *   _cleanup_free_ char *s = strdup("x");
 *   _cleanup_close_ int fd = open(...);
 *   return TAKE_PTR(s);     -- hand ownership out without freeing
 *
 * Every destructor accepts NULL / -1. */
#ifndef SANDBOX_CLEANUP_H
#define SANDBOX_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void sbx_freep(void *p)
{
	free(*(void **)p);
}

/* close() that keeps errno, for use on error paths. */
static inline void sbx_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void sbx_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void sbx_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Free a NULL-terminated vector of strings. */
static inline void sbx_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static inline void sbx_strv_freep(char ***v)
{
	sbx_strv_free(*v);
}

#define _cleanup_free_ _cleanup_(sbx_freep)
#define _cleanup_close_ _cleanup_(sbx_closep)
#define _cleanup_fclose_ _cleanup_(sbx_fclosep)
#define _cleanup_closedir_ _cleanup_(sbx_closedirp)
#define _cleanup_strv_free_ _cleanup_(sbx_strv_freep)

/* Define a cleanup helper NAME##p for a destructor NAME(T *). */
#define SBX_DEFINE_CLEANUP(type, func)            \
	static inline void func##p(type **p)      \
	{                                         \
		if (*p)                           \
			func(*p);                 \
	}

#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _ptr_ = (p);   \
		(p) = NULL;                  \
		_ptr_;                       \
	})

#define TAKE_FD(fd)                    \
	({                             \
		int _fd_ = (fd);       \
		(fd) = -1;             \
		_fd_;                  \
	})

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#endif
