/* Who the user is, as the name service (NSS) says: passwd entry and every
 * group, primary and supplementary, so LDAP/SSSD groups count too.
 * identity.c does the lookups; role resolution takes the filled struct, so
 * tests can build one by hand. */
#ifndef SANDBOX_IDENTITY_H
#define SANDBOX_IDENTITY_H

#include <sys/types.h>

#include "sandbox/error.h"

struct sbx_user {
	char *name;
	uid_t uid;
	gid_t gid;
	char *group; /* primary group name (the gid as a number if it has none) */
	char *home;
	char **groups; /* NULL-terminated names of all groups, primary first;
			* NULL until sbx_user_lookup_groups() */
};

/* Look NAME up: passwd entry and every group.  Returns 0, -ENOENT (no such
 * user), -EINVAL (a name that cannot be a user name), or another negative
 * errno from NSS. */
int sbx_user_lookup(const char *name, struct sbx_user **ret, struct sbx_error *err);

/* The same without the groups (user->groups stays NULL): enumerating a
 * user's groups is most of the name service's cost of a login (every
 * source is asked, systemd's userdb included), and a login needs them only
 * when a group rule is reached (sbx_role_needs_groups). */
int sbx_user_lookup_account(const char *name, struct sbx_user **ret, struct sbx_error *err);

/* Fill USER->groups (no-op when filled).  Returns 0 or a negative errno. */
int sbx_user_lookup_groups(struct sbx_user *user, struct sbx_error *err);

void sbx_user_free(struct sbx_user *user);

/* Whether USER is a member of GROUP (by name).  Without the groups looked
 * up, only the primary group counts. */
int sbx_user_in_group(const struct sbx_user *user, const char *group);

#endif
