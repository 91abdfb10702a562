/* One login: config -> role -> policy -> sandbox, with its audit records.
 * See include/sandbox/login.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/audit.h"
#include "sandbox/cgroup.h"
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
	bool audit_required;
	bool tty_audit; /* switched on at open: restore at close */
	struct sbx_tty_audit_state tty_old;
	char *rhost, *tty;
};

static void priv_free(struct login_priv *priv)
{
	if (!priv)
		return;
	sbx_session_free(priv->session);
	sbx_policy_free(priv->policy);
	free(priv->rhost);
	free(priv->tty);
	free(priv);
}
SBX_DEFINE_CLEANUP(struct login_priv, priv_free)

void sbx_login_free(struct sbx_login *l)
{
	if (!l)
		return;
	priv_free(l->priv);
	free(l->user);
	free(l->role);
	sbx_error_clear(&l->overridden);
	sbx_error_clear(&l->warning);
	sbx_strv_free(l->pam_data);
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

/* The audit reason for a failure of the sandbox setup, from its errno: the
 * one place engine errors become reason tokens. */
static enum sbx_audit_reason setup_reason(int r)
{
	switch (-r) {
	case EUSERS: return SBX_AUDIT_REASON_MAX_SESSIONS;
	case ELOOP:
	case ENOENT:
	case ENOTDIR:
	case EROFS: return SBX_AUDIT_REASON_MOUNT_FAILED;
	case ENOMEM: return SBX_AUDIT_REASON_INTERNAL;
	default: return SBX_AUDIT_REASON_NAMESPACE_FAILED;
	}
}

/* Send REC; a "dropped" outcome is kept as the warning for the glue to log
 * once.  Returns what sbx_audit_send returned. */
static int audit_send(struct sbx_audit_record *rec, bool required, struct sbx_error *warning,
		struct sbx_error *err)
{
	struct sbx_error e = SBX_ERROR_INIT;
	int r = sbx_audit_send(rec, required, &e);

	if (r == SBX_AUDIT_DROPPED && warning && !warning->msg) {
		*warning = e;
		return r;
	}
	if (r < 0 && err) {
		sbx_error_clear(err);
		*err = e;
		return r;
	}
	sbx_error_clear(&e);
	return r;
}

/* Record a refusal (best effort: the session is refused either way) and
 * hand back R. */
static int refuse(const struct sbx_login_request *req, const char *role,
		  enum sbx_audit_reason reason, bool required, int r)
{
	struct sbx_audit_record rec = {
		.event = SBX_AUDIT_REFUSE, .reason = reason, .user = req->user,
		.role = role, .rhost = req->rhost, .terminal = req->tty,
	};

	audit_send(&rec, required, NULL, NULL);
	if (reason == SBX_AUDIT_REASON_MAX_SESSIONS) {
		rec.event = SBX_AUDIT_SESSION_LIMIT;
		audit_send(&rec, required, NULL, NULL);
	}
	return r;
}

/* Inode numbers of the namespaces the sandbox has of its own (those it
 * shares with the host are not its own, so not recorded), for the start
 * record. */
static void ns_inodes(const struct sbx_session *session, const struct sbx_role *role,
		      struct sbx_audit_ns *ns)
{
	unsigned own = role->namespaces | (role->network == SBX_NETWORK_NONE ? SBX_NS_NET : 0);

	*ns = (struct sbx_audit_ns){
		.mnt = own & SBX_NS_MOUNT ? sbx_session_ns_inode(session, SBX_NS_MOUNT) : 0,
		.pid = own & SBX_NS_PID ? sbx_session_ns_inode(session, SBX_NS_PID) : 0,
		.net = own & SBX_NS_NET ? sbx_session_ns_inode(session, SBX_NS_NET) : 0,
		.ipc = own & SBX_NS_IPC ? sbx_session_ns_inode(session, SBX_NS_IPC) : 0,
		.uts = own & SBX_NS_UTS ? sbx_session_ns_inode(session, SBX_NS_UTS) : 0,
		.cgroup = own & SBX_NS_CGROUP ? sbx_session_ns_inode(session, SBX_NS_CGROUP) : 0,
	};
}

/* Confine: build the policy, enter the sandbox, switch TTY auditing on,
 * record the start.  Returns 0 or a negative errno with err filled and
 * *reason set; on failure nothing is applied. */
static int confine(const struct sbx_login_request *req, const struct sbx_config *cfg,
		   const struct sbx_role *role, const struct sbx_user *user,
		   struct sbx_login *l, enum sbx_audit_reason *reason, struct sbx_error *err)
{
	_cleanup_(priv_freep) struct login_priv *priv = calloc(1, sizeof(*priv));
	struct sbx_paths paths = { .state_dir = cfg->settings.state_dir,
				   .init_path = req->init_path };
	bool required = cfg->settings.audit_required;
	struct sbx_audit_record rec;
	struct sbx_cgroup_env cgenv;
	int r;

	*reason = SBX_AUDIT_REASON_INTERNAL;
	if (!priv)
		return sbx_error_set(err, ENOMEM, "out of memory");

	sbx_cgroup_env_init(&cgenv, &cfg->settings);
	if (cfg->settings.cgroup_driver != SBX_CGROUP_NONE) {
		paths.cgroup = &cgenv;
		r = sbx_cgroup_env_detect(&cgenv, err);
		if (r < 0) {
			*reason = SBX_AUDIT_REASON_CGROUP_FAILED;
			return r;
		}
	}
	/* On systemd hosts pam_systemd creates the session scope: it must run
	 * after us to take the limits we hand it as PAM data. */
	if (cgenv.detected && cgenv.kind == SBX_CGKIND_SYSTEMD) {
		r = sbx_cgroup_systemd_check_order(req->xdg_session_id, NULL, getpid(), err);
		if (r == 0)
			r = sbx_cgroup_systemd_pam_data(&role->limits, &l->pam_data, err);
		if (r < 0) {
			*reason = SBX_AUDIT_REASON_CGROUP_FAILED;
			return r;
		}
	}
	priv->audit_required = required;
	priv->rhost = req->rhost ? strdup(req->rhost) : NULL;
	priv->tty = req->tty ? strdup(req->tty) : NULL;
	if ((req->rhost && !priv->rhost) || (req->tty && !priv->tty))
		return sbx_error_set(err, ENOMEM, "out of memory");

	r = sbx_policy_build(role, user, &priv->policy, err);
	if (r < 0) {
		*reason = SBX_AUDIT_REASON_CONFIG_INVALID;
		return r;
	}
	r = sbx_session_open(priv->policy, &paths, &priv->session, &l->created, err);
	if (r < 0) {
		*reason = strstr(sbx_error_text(err), "cgroup") ? SBX_AUDIT_REASON_CGROUP_FAILED
								: setup_reason(r);
		return r;
	}

	/* TTY auditing must be switched on here, in the PAM process: it needs
	 * CAP_AUDIT_CONTROL and the initial pid namespace. */
	if (role->audit.tty) {
		struct sbx_error e = SBX_ERROR_INIT;

		r = sbx_tty_audit_enable(role->audit.log_passwd, &priv->tty_old, &e);
		if (r == 0) {
			priv->tty_audit = true;
		} else if (sbx_audit_classify(-r, true, required) == SBX_AUDIT_DROPPED) {
			if (!l->warning.msg)
				l->warning = e;
			else
				sbx_error_clear(&e);
		} else {
			*err = e;
			*reason = SBX_AUDIT_REASON_AUDIT_FAILED;
			goto undo;
		}
	}

	rec = (struct sbx_audit_record){
		.event = l->created ? SBX_AUDIT_START : SBX_AUDIT_JOIN,
		.user = user->name, .sandbox_id = sbx_session_sandbox_id(priv->session),
		.role = role->name, .limits = &role->limits,
		.cgroup = sbx_session_cgroup(priv->session),
		.rhost = req->rhost, .terminal = req->tty,
	};
	ns_inodes(priv->session, role, &rec.ns);
	r = audit_send(&rec, required, &l->warning, err);
	if (r < 0) {
		*reason = SBX_AUDIT_REASON_AUDIT_FAILED;
		goto undo;
	}
	l->priv = TAKE_PTR(priv);
	return 0;

undo:
	/* Not a session after all: leave the sandbox again. */
	if (priv->tty_audit)
		sbx_tty_audit_restore(&priv->tty_old, NULL);
	sbx_session_close(priv->session, NULL);
	return r < 0 ? r : -EIO;
}

int sbx_login_open(const struct sbx_login_request *req, struct sbx_login **ret,
		   struct sbx_error *err)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *user = NULL;
	_cleanup_(sbx_login_freep) struct sbx_login *l = NULL;
	enum sbx_audit_reason reason;
	struct sbx_verdict v;
	bool required;
	uint32_t auid, ses;
	int r;

	/* A configuration that does not validate is never applied, not even
	 * its on_error: refuse. */
	r = sbx_config_load_cached(req->conf ? req->conf : SBX_DEFAULT_CONF, req->cache_dir, &cfg,
				   err);
	if (r < 0) {
		sbx_error_prefix(err, "configuration: ");
		return refuse(req, NULL, SBX_AUDIT_REASON_CONFIG_INVALID, false, r);
	}
	required = cfg->settings.audit_required;

	r = sbx_user_lookup_account(req->user, &user, err);
	if (r == 0 && sbx_role_needs_groups(cfg, user))
		r = sbx_user_lookup_groups(user, err);
	if (r < 0)
		return refuse(req, NULL, SBX_AUDIT_REASON_USER_UNKNOWN, required,
			      r == -ENOENT ? -ENXIO : r);

	/* Every record of the session is tied to the person through the login
	 * uid and session id that pam_loginuid set before us. */
	if (required) {
		r = sbx_audit_identity("/proc", &auid, &ses, err);
		if (r < 0)
			return refuse(req, NULL, SBX_AUDIT_REASON_NO_LOGINUID, required, r);
		r = sbx_audit_check_daemon(err);
		if (r < 0)
			return refuse(req, NULL, SBX_AUDIT_REASON_AUDIT_FAILED, required, r);
	}

	r = sbx_role_resolve(cfg, user, &v, err);
	if (r < 0)
		return refuse(req, NULL, SBX_AUDIT_REASON_CONFIG_INVALID, required, r);
	switch (v.kind) {
	case SBX_VERDICT_DENY:
		sbx_error_set(err, EACCES, "assigned \"deny\" by the %s rule (%s:%d)",
			      sbx_rule_name(v.rule), v.match->file, v.match->line);
		return refuse(req, NULL, SBX_AUDIT_REASON_ROLE_DENY, required, -EACCES);
	case SBX_VERDICT_NONE:
		return new_login(user->name, NULL, SBX_LOGIN_UNMANAGED, ret, err);
	case SBX_VERDICT_ROLE:
		break;
	}

	if (!v.role->sandbox) {
		struct sbx_audit_record rec = {
			.event = SBX_AUDIT_EXEMPT, .user = user->name, .role = v.role->name,
			.rhost = req->rhost, .terminal = req->tty,
		};

		r = new_login(user->name, v.role->name, SBX_LOGIN_EXEMPT, &l, err);
		if (r < 0)
			return r;
		r = audit_send(&rec, required, &l->warning, err);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(l);
		return 0;
	}

	r = new_login(user->name, v.role->name, SBX_LOGIN_CONFINED, &l, err);
	if (r < 0)
		return r;
	r = confine(req, cfg, v.role, user, l, &reason, err);
	if (r < 0) {
		struct sbx_audit_record rec = {
			.event = SBX_AUDIT_UNCONFINED, .reason = reason, .user = user->name,
			.role = v.role->name, .rhost = req->rhost, .terminal = req->tty,
		};

		sbx_error_prefix(err, "role %s: ", v.role->name);
		if (cfg->settings.on_error != SBX_ON_ERROR_ALLOW ||
		    reason == SBX_AUDIT_REASON_MAX_SESSIONS)
			return refuse(req, v.role->name, reason, required, r);
		/* The administrator chose availability over confinement; keep
		 * the reason so the glue logs it as such, and tell the auditor. */
		l->outcome = SBX_LOGIN_ALLOWED;
		l->overridden = *err;
		*err = (struct sbx_error)SBX_ERROR_INIT;
		audit_send(&rec, required, &l->warning, NULL);
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int sbx_login_close(struct sbx_login *l, struct sbx_error *err)
{
	struct login_priv *priv = l ? l->priv : NULL;
	struct sbx_audit_record rec;
	struct sbx_cgroup_usage use;
	int r;

	if (!priv || !priv->session)
		return 0;
	rec = (struct sbx_audit_record){
		.event = SBX_AUDIT_STOP, .reason = SBX_AUDIT_REASON_LOGOUT, .user = l->user,
		.sandbox_id = sbx_session_sandbox_id(priv->session), .role = l->role,
		.rhost = priv->rhost, .terminal = priv->tty,
	};
	r = sbx_session_close(priv->session, err);
	if (sbx_session_usage(priv->session, &use)) {
		rec.usage = (struct sbx_audit_usage){
			.mem_peak = use.mem_peak, .oom_kill = use.oom_kills, .cpu_usec = use.cpu_usec,
			.set = (use.known & SBX_CGUSE_MEM_PEAK ? SBX_AUDIT_USAGE_MEM_PEAK : 0) |
			       (use.known & SBX_CGUSE_OOM_KILLS ? SBX_AUDIT_USAGE_OOM_KILL : 0) |
			       (use.known & SBX_CGUSE_CPU_USEC ? SBX_AUDIT_USAGE_CPU_USEC : 0),
		};
	}
	if (r < 0) {
		struct sbx_audit_record e = rec;

		e.event = SBX_AUDIT_ERROR;
		e.reason = SBX_AUDIT_REASON_TEARDOWN_FAILED;
		audit_send(&e, priv->audit_required, NULL, NULL);
	}
	audit_send(&rec, priv->audit_required, &l->warning, NULL);
	if (priv->tty_audit) {
		sbx_tty_audit_restore(&priv->tty_old, NULL);
		priv->tty_audit = false;
	}
	return r;
}
