/* Role resolution: which role a user gets, and why.
 *
 * Order: an explicit user entry (assign.users), then the first entry of
 * assign.groups, in file order, naming a group the user is a member of
 * (primary or supplementary), then assign.default.  Pure logic. */
#ifndef SANDBOX_ROLE_H
#define SANDBOX_ROLE_H

#include "sandbox/config.h"
#include "sandbox/identity.h"

enum sbx_verdict_kind {
	SBX_VERDICT_ROLE, /* confine (or exempt) with role */
	SBX_VERDICT_DENY, /* refuse the login */
	SBX_VERDICT_NONE, /* leave the user unconfined and unaudited by us */
};

enum sbx_rule {
	SBX_RULE_USER,
	SBX_RULE_GROUP,
	SBX_RULE_DEFAULT,
};

struct sbx_verdict {
	enum sbx_verdict_kind kind;
	const struct sbx_role *role;   /* SBX_VERDICT_ROLE only */
	enum sbx_rule rule;            /* which kind of rule decided */
	const struct sbx_assign *match; /* the entry that decided */
};

/* Whether resolving USER (whose passwd entry is known) may need the user's
 * groups: some group rule exists and no user rule names USER first. */
bool sbx_role_needs_groups(const struct sbx_config *cfg, const struct sbx_user *user);

/* Fills *ret.  Never fails for a validated config; returns -EINVAL if the
 * config names a role it does not define (defensive). */
int sbx_role_resolve(const struct sbx_config *cfg, const struct sbx_user *user,
		     struct sbx_verdict *ret, struct sbx_error *err);

/* "user", "group", "default". */
const char *sbx_rule_name(enum sbx_rule rule);

#endif
