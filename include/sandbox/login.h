/* One login, from the PAM module's point of view: the single call into the
 * engine at session open, and its counterpart at close.
 *
 * sbx_login_open() loads the configuration, finds the user's role, builds
 * the policy and puts the calling process into the user's sandbox (see
 * sandbox.h).  It does everything or nothing: on failure the calling
 * process is left as it was, and whatever this call created is gone. */
#ifndef SANDBOX_LOGIN_H
#define SANDBOX_LOGIN_H

#include <stdbool.h>

#include "sandbox/error.h"
#include "sandbox/role.h"

enum sbx_outcome {
	SBX_LOGIN_CONFINED,  /* in the user's sandbox (started or joined) */
	SBX_LOGIN_EXEMPT,    /* exempt role: not confined */
	SBX_LOGIN_UNMANAGED, /* assignment "none": pam_sandbox stays out */
	SBX_LOGIN_ALLOWED,   /* setup failed, but on_error = allow let it through */
};

struct sbx_login_request {
	const char *conf;    /* configuration file; NULL for the default */
	const char *cache_dir; /* compiled copy of it (sbx_config_load_cached); NULL: none */
	const char *user;    /* PAM_USER */
	const char *service; /* PAM_SERVICE, for messages */
	const char *rhost;   /* PAM_RHOST, may be NULL */
	const char *tty;     /* PAM_TTY, may be NULL */
	const char *init_path; /* the sandbox-init program; NULL: the installed one */
	const char *xdg_session_id; /* pam_getenv(XDG_SESSION_ID): set when pam_systemd ran first */
};

struct sbx_login {
	enum sbx_outcome outcome;
	char *user;
	char *role;   /* NULL for UNMANAGED */
	bool created; /* CONFINED: this login started the sandbox */
	struct sbx_error overridden; /* ALLOWED: the failure on_error let through */
	struct sbx_error warning;    /* to log once, e.g. "audit records are being dropped" */
	char **pam_data; /* systemd hosts: key, value, ..., NULL for pam_set_data
			  * (systemd.memory_max ...), read by pam_systemd after us */
	void *priv;   /* engine state kept until close */
};

/* Returns 0 with *ret filled for every outcome above.  Refusals return a
 * negative errno and fill err: -EACCES for a "deny" assignment, -ENXIO for
 * an unknown user, anything else for a setup failure (the login must be
 * refused: on_error = allow was not set or could not be read). */
int sbx_login_open(const struct sbx_login_request *req, struct sbx_login **ret,
		   struct sbx_error *err);

/* Leave the sandbox at session close.  Returns 0 or a negative errno (the
 * teardown failed; the session is over either way). */
int sbx_login_close(struct sbx_login *login, struct sbx_error *err);

void sbx_login_free(struct sbx_login *login);

#endif
