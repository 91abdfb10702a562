/* The effective policy for one user: the role with every template expanded
 * for that user and every expanded path checked.  Pure logic. */
#ifndef SANDBOX_POLICY_H
#define SANDBOX_POLICY_H

#include "sandbox/config.h"
#include "sandbox/identity.h"

struct sbx_policy {
	struct sbx_role role; /* copy; strings expanded */
	char *user;
	uid_t uid;
	gid_t gid;
	char *group;
	char *home;
};

/* Build the policy of ROLE for USER.  Fails with -EINVAL when an expanded
 * path is not absolute or holds "." or ".." components, or an expanded
 * hostname is not a valid host name. */
int sbx_policy_build(const struct sbx_role *role, const struct sbx_user *user,
		     struct sbx_policy **ret, struct sbx_error *err);

void sbx_policy_free(struct sbx_policy *policy);

/* Normalise an absolute path in place: collapse "//", drop a trailing '/'.
 * Returns -EINVAL when it is not absolute or has "." / ".." components. */
int sbx_path_normalize(char *path);

#endif
