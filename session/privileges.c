/* Privileges of a sandbox: the capability bounding set and no_new_privs.
 *
 * Both are applied to the PAM process (sshd's monitor) after it joined the
 * sandbox.  The bounding set only limits what a later execve() can grant,
 * so the monitor keeps its effective and permitted capabilities and sshd
 * keeps working, while the user's shell and every setuid program it runs
 * inherit the reduced set. */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"

/* The highest capability the running kernel knows: probe instead of
 * reading /proc (which, after setns, is the sandbox's), starting from the
 * header's value and going up while the kernel accepts the number. */
static int cap_last(void)
{
	int c = CAP_LAST_CAP;

	while (c > 0 && prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) < 0)
		c--;
	while (c < 63 && prctl(PR_CAPBSET_READ, (unsigned long)(c + 1), 0, 0, 0) >= 0)
		c++;
	return c;
}

/* Returns 0, or -errno of the first PR_CAPBSET_DROP that failed (EPERM
 * without CAP_SETPCAP). */
int sbx_priv_drop_bounding(uint64_t keep, struct sbx_error *err)
{
	int last = cap_last();

	keep &= ~((1ULL << CAP_AUDIT_CONTROL) | (1ULL << CAP_AUDIT_WRITE));
	for (int c = 0; c <= last; c++) {
		if (keep & (1ULL << c))
			continue;
		/* Drop first, ask only when that fails: one system call per
		 * capability at every login instead of two.  Dropping one that
		 * is gone already succeeds; without CAP_SETPCAP it fails, which
		 * is an error only if the capability is still there. */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			int e = errno;

			if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
				continue; /* already gone */
			return sbx_error_set(err, e, "drop capability %d from the bounding set: %s",
					     c, strerror(e));
		}
	}
	return 0;
}

int sbx_priv_no_new_privs(struct sbx_error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_error_set(err, errno, "set no_new_privs: %m");
	return 0;
}

int sbx_priv_limit_self(uint64_t keep, struct sbx_error *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	int r;

	r = sbx_priv_drop_bounding(keep, err);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return sbx_error_set(err, errno, "clear ambient capabilities: %m");
	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = (uint32_t)(keep >> (32 * i));
	if (syscall(SYS_capset, &h, d) < 0)
		return sbx_error_set(err, errno, "set capabilities: %m");
	return 0;
}
