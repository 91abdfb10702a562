/* One login: config -> role -> policy -> sandbox.  See include/sandbox/login.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "sandbox/config.h"
#include "sandbox/defaults.h"
#include "sandbox/identity.h"
#include "sandbox/login.h"
#include "sandbox/policy.h"
#include "sandbox/role.h"
#include "sandbox/sandbox.h"

SBX_DEFINE_CLEANUP(struct sbx_config, sbx_config_free)
SBX_DEFINE_CLEANUP(struct sbx_user, sbx_user_free)

/* What close needs from open. */
struct login_priv {
	struct sbx_policy *policy;
	struct sbx_session *session;
};

void sbx_login_free(struct sbx_login *l)
{
	struct login_priv *priv;

	if (!l)
		return;
	priv = l->priv;
	if (priv) {
		sbx_session_free(priv->session);
		sbx_policy_free(priv->policy);
		free(priv);
	}
	free(l->user);
	free(l->role);
	sbx_error_clear(&l->overridden);
	free(l);
}
SBX_DEFINE_CLEANUP(struct sbx_login, sbx_login_free)

static int new_login(const char *user, const char *role, enum sbx_outcome outcome,
		     struct sbx_login **ret, struct sbx_error *err)
{
	struct sbx_login *l = calloc(1, sizeof(*l));

	if (!l)
		return sbx_error_set(err, ENOMEM, "out of memory");
	l->outcome = outcome;
	l->user = strdup(user);
	l->role = role ? strdup(role) : NULL;
	if (!l->user || (role && !l->role)) {
		sbx_login_free(l);
		return sbx_error_set(err, ENOMEM, "out of memory");
	}
	*ret = l;
	return 0;
}

/* Confine: build the policy and enter the sandbox.  Returns 0 or a
 * negative errno with err filled; on failure nothing is applied. */
static int confine(const struct sbx_config *cfg, const struct sbx_role *role,
		   const struct sbx_user *user, struct sbx_login *l, struct sbx_error *err)
{
	_cleanup_free_ struct login_priv *priv = calloc(1, sizeof(*priv));
	struct sbx_paths paths = { .state_dir = cfg->settings.state_dir };
	int r;

	if (!priv)
		return sbx_error_set(err, ENOMEM, "out of memory");
	r = sbx_policy_build(role, user, &priv->policy, err);
	if (r < 0)
		return r;
	r = sbx_session_open(priv->policy, &paths, &priv->session, &l->created, err);
	if (r < 0) {
		sbx_policy_free(priv->policy);
		return r;
	}
	l->priv = TAKE_PTR(priv);
	return 0;
}

int sbx_login_open(const struct sbx_login_request *req, struct sbx_login **ret,
		   struct sbx_error *err)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *user = NULL;
	_cleanup_(sbx_login_freep) struct sbx_login *l = NULL;
	struct sbx_verdict v;
	int r;

	/* A configuration that does not validate is never applied, not even
	 * its on_error: refuse. */
	r = sbx_config_load(req->conf ? req->conf : SBX_DEFAULT_CONF, &cfg, err);
	if (r < 0)
		return sbx_error_prefix(err, "configuration: ");

	r = sbx_user_lookup(req->user, &user, err);
	if (r == -ENOENT)
		return -ENXIO;
	if (r < 0)
		return r;

	r = sbx_role_resolve(cfg, user, &v, err);
	if (r < 0)
		return r;
	switch (v.kind) {
	case SBX_VERDICT_DENY:
		return sbx_error_set(err, EACCES, "assigned \"deny\" by the %s rule (%s:%d)",
				     sbx_rule_name(v.rule), v.match->file, v.match->line);
	case SBX_VERDICT_NONE:
		r = new_login(user->name, NULL, SBX_LOGIN_UNMANAGED, ret, err);
		return r;
	case SBX_VERDICT_ROLE:
		break;
	}
	if (!v.role->sandbox)
		return new_login(user->name, v.role->name, SBX_LOGIN_EXEMPT, ret, err);

	r = new_login(user->name, v.role->name, SBX_LOGIN_CONFINED, &l, err);
	if (r < 0)
		return r;
	r = confine(cfg, v.role, user, l, err);
	if (r < 0) {
		sbx_error_prefix(err, "role %s: ", v.role->name);
		if (cfg->settings.on_error != SBX_ON_ERROR_ALLOW)
			return r;
		/* The administrator chose availability over confinement; keep
		 * the reason so the glue logs it as such. */
		l->outcome = SBX_LOGIN_ALLOWED;
		l->overridden = *err;
		*err = (struct sbx_error)SBX_ERROR_INIT;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int sbx_login_close(struct sbx_login *l, struct sbx_error *err)
{
	struct login_priv *priv = l ? l->priv : NULL;

	if (!priv || !priv->session)
		return 0;
	return sbx_session_close(priv->session, err);
}
