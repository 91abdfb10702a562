/* sandbox-init: the init of a user's sandbox.
 *
 * Started only by the engine (session/namespaces.c), as root, inside the
 * sandbox's new namespaces, with its descriptors at fixed numbers (see
 * confine.h): the status pipe, state_dir/users, the host's /proc and the
 * policy memfd.  It builds the sandbox's view from the policy (init.c,
 * mounts.c), reports on the status pipe ('E', errno, text on failure;
 * closing it means success), then drops to the capabilities it still
 * needs and runs the init loop.
 * Usage: sandbox-init UID pidns|nopidns */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "sandbox/cleanup.h"

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

static int fail(struct sbx_error *err)
{
	const char *text = sbx_error_text(err);
	int32_t code = err->code ? err->code : EIO;

	write_all(SBX_INIT_FD_STATUS, "E", 1);
	write_all(SBX_INIT_FD_STATUS, &code, sizeof(code));
	write_all(SBX_INIT_FD_STATUS, text, strlen(text));
	return 1;
}

static int read_policy(struct sbx_policy *p, unsigned *ns, struct sbx_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;
	int r;

	if (fstat(SBX_INIT_FD_POLICY, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 24))
		return sbx_error_set(err, EINVAL, "init: no policy");
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return sbx_error_set(err, ENOMEM, "init: out of memory");
	n = pread(SBX_INIT_FD_POLICY, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return sbx_error_set(err, EIO, "init: read policy");
	close(SBX_INIT_FD_POLICY);
	r = sbx_wire_decode(buf, (size_t)n, p, ns);
	if (r < 0)
		return sbx_error_set(err, -r, "init: bad policy");
	return 0;
}

int main(int argc, char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_policy p;
	unsigned long long uid;
	unsigned ns = 0;
	bool pidns;
	int r;

	if (argc != 3 || sbx_parse_ull(argv[1], &uid) < 0 || uid >= (uid_t)-1 ||
	    (strcmp(argv[2], "pidns") != 0 && strcmp(argv[2], "nopidns") != 0))
		return 2;
	pidns = strcmp(argv[2], "pidns") == 0;
	if (fcntl(SBX_INIT_FD_STATUS, F_GETFD) < 0 || fcntl(SBX_INIT_FD_USERS, F_GETFD) < 0 ||
	    fcntl(SBX_INIT_FD_PROC, F_GETFD) < 0)
		return 2;
	if (read_policy(&p, &ns, &err) < 0)
		return fail(&err);
	if (p.uid != (uid_t)uid || ((ns & SBX_NS_PID) != 0) != pidns) {
		sbx_wire_free(&p);
		sbx_error_set(&err, EINVAL, "init: policy does not match its arguments");
		return fail(&err);
	}
	r = sbx_init_setup(&p, ns, &err);
	sbx_wire_free(&p);
	if (r < 0)
		return fail(&err);
	close(SBX_INIT_FD_STATUS); /* success: the creator reads EOF */
	/* Dropping what the init no longer needs takes some 40 system calls:
	 * done after the report, it is off the login's path (the login goes on
	 * in parallel).  The yield lets the creator, woken by the EOF, run
	 * first when the scheduler put it on our CPU (measured: it otherwise
	 * waited for the drop).  What may run in the sandbox meanwhile cannot
	 * reach the init (root, and signals blocked); should the drop ever
	 * fail, the init ends, and the sandbox with it. */
	sched_yield();
	if (sbx_init_limit(ns, &err) < 0)
		return 1;
	return sbx_init_main(SBX_INIT_FD_USERS, SBX_INIT_FD_PROC, (uid_t)uid, pidns);
}
