/* Role resolution: see include/sandbox/role.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "sandbox/role.h"

const char *sbx_rule_name(enum sbx_rule rule)
{
	switch (rule) {
	case SBX_RULE_USER: return "user";
	case SBX_RULE_GROUP: return "group";
	case SBX_RULE_DEFAULT: return "default";
	}
	return "?";
}

/* Turn one assignment into a verdict.  "deny" and "none" are reserved
 * names, never role names, so they cannot be shadowed by a role. */
static int decide(const struct sbx_config *cfg, const struct sbx_assign *a,
		  enum sbx_rule rule, struct sbx_verdict *ret, struct sbx_error *err)
{
	ret->rule = rule;
	ret->match = a;
	ret->role = NULL;
	if (!strcmp(a->role, "deny")) {
		ret->kind = SBX_VERDICT_DENY;
		return 0;
	}
	if (!strcmp(a->role, "none")) {
		ret->kind = SBX_VERDICT_NONE;
		return 0;
	}
	ret->kind = SBX_VERDICT_ROLE;
	ret->role = sbx_config_role(cfg, a->role);
	if (!ret->role)
		return sbx_error_set(err, EINVAL, "%s:%d: role \"%s\" is not defined",
				     a->file ? a->file : "?", a->line, a->role);
	return 0;
}

bool sbx_role_needs_groups(const struct sbx_config *cfg, const struct sbx_user *user)
{
	for (size_t i = 0; i < cfg->n_users; i++)
		if (!strcmp(cfg->users[i].name, user->name))
			return false;
	return cfg->n_groups > 0;
}

int sbx_role_resolve(const struct sbx_config *cfg, const struct sbx_user *user,
		     struct sbx_verdict *ret, struct sbx_error *err)
{
	for (size_t i = 0; i < cfg->n_users; i++)
		if (!strcmp(cfg->users[i].name, user->name))
			return decide(cfg, &cfg->users[i], SBX_RULE_USER, ret, err);

	for (size_t i = 0; i < cfg->n_groups; i++)
		if (sbx_user_in_group(user, cfg->groups[i].name))
			return decide(cfg, &cfg->groups[i], SBX_RULE_GROUP, ret, err);

	if (!cfg->default_role.role)
		return sbx_error_set(err, EINVAL, "no default role configured");
	return decide(cfg, &cfg->default_role, SBX_RULE_DEFAULT, ret, err);
}
