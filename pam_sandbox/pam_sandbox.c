/* pam_sandbox: PAM session module.  Thin glue: parse the arguments, read
 * the PAM items, make one call into the engine (login.h), map its result to
 * a PAM code in one place, log it once.  Everything else is the engine's.
 *
 * pam_sm_open_session runs in sshd's privileged monitor (or login), as
 * root; the engine moves that process into the user's sandbox so that the
 * session's children start inside it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "sandbox/defaults.h"
#include "sandbox/login.h"

#define DATA_NAME "pam_sandbox_login"

struct args {
	bool debug;
	const char *conf;
	const char *cache; /* NULL: no compiled copy of the configuration */
};

/* Module arguments: conf=PATH, cache=DIR|none, debug.  An unknown argument
 * is logged and ignored, as Linux-PAM modules do, rather than locking
 * everyone out. */
static void parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	a->debug = false;
	a->conf = SBX_DEFAULT_CONF;
	a->cache = SBX_DEFAULT_CACHE_DIR;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "debug"))
			a->debug = true;
		else if (!strncmp(argv[i], "conf=", 5) && argv[i][5] == '/')
			a->conf = argv[i] + 5;
		else if (!strcmp(argv[i], "cache=none"))
			a->cache = NULL;
		else if (!strncmp(argv[i], "cache=", 6) && argv[i][6] == '/')
			a->cache = argv[i] + 6;
		else
			pam_syslog(pamh, LOG_ERR, "unknown or malformed option: %s", argv[i]);
	}
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* pam_set_data cleanup: called by pam_end in every process holding the
 * handle (sshd's children too).  It only frees memory; leaving the sandbox
 * is pam_sm_close_session's job, in the process that opened it. */
static void cleanup_login(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	sbx_login_free(data);
}

static void cleanup_string(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

static void tell_user(pam_handle_t *pamh, int flags, const char *msg)
{
	if (!(flags & PAM_SILENT))
		pam_error(pamh, "%s", msg);
}

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_login *login = NULL;
	struct sbx_login_request req;
	struct args a;
	const char *user = NULL;
	char first[512];
	int r, pr;

	parse_args(pamh, argc, argv, &a);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		return PAM_SESSION_ERR;
	}
	req = (struct sbx_login_request){
		.conf = a.conf,
		.cache_dir = a.cache,
		.user = user,
		.service = item(pamh, PAM_SERVICE),
		.rhost = item(pamh, PAM_RHOST),
		.tty = item(pamh, PAM_TTY),
		.xdg_session_id = pam_getenv(pamh, "XDG_SESSION_ID"),
#ifdef SBX_TEST_INIT_PATH
		/* Only in the module built for `make check`, which runs the
		 * sandbox-init of the build tree. */
		.init_path = SBX_TEST_INIT_PATH,
#endif
	};

	r = sbx_login_open(&req, &login, &err);
	if (r < 0) {
		/* The one place engine errors become PAM codes. */
		const char *why = sbx_error_first(&err, first, sizeof(first));

		if (r == -EACCES) {
			pam_syslog(pamh, LOG_NOTICE, "user %s: login refused: %s", user, why);
			tell_user(pamh, flags, "Login refused by the sandbox policy.");
			pr = PAM_PERM_DENIED;
		} else if (r == -ENXIO) {
			pam_syslog(pamh, LOG_ERR, "user %s: %s", user, why);
			pr = PAM_USER_UNKNOWN;
		} else {
			pam_syslog(pamh, LOG_ERR, "user %s: session refused: %s%s", user, why,
				   err.count > 1 ? " (and more: run sandboxctl check)" : "");
			tell_user(pamh, flags, "Could not set up your sandbox; the session is refused.");
			pr = PAM_SESSION_ERR;
		}
		sbx_error_clear(&err);
		return pr;
	}

	switch (login->outcome) {
	case SBX_LOGIN_CONFINED:
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "user %s: %s sandbox of role %s", user,
				   login->created ? "started" : "joined", login->role);
		break;
	case SBX_LOGIN_EXEMPT:
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "user %s: role %s is exempt: not confined",
				   user, login->role);
		break;
	case SBX_LOGIN_UNMANAGED:
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "user %s: assigned \"none\": not confined", user);
		break;
	case SBX_LOGIN_ALLOWED:
		pam_syslog(pamh, LOG_WARNING,
			   "user %s: sandbox setup failed (%s); letting the login through UNCONFINED because on_error = allow",
			   user, sbx_error_first(&login->overridden, first, sizeof(first)));
		break;
	}

	/* Per-session limits for pam_systemd, which runs after us on systemd
	 * hosts and reads them from PAM data. */
	for (char **kv = login->pam_data; kv && kv[0] && kv[1]; kv += 2) {
		char *value = strdup(kv[1]);

		if (!value || pam_set_data(pamh, kv[0], value, cleanup_string) != PAM_SUCCESS) {
			free(value);
			pam_syslog(pamh, LOG_ERR, "user %s: cannot hand %s to pam_systemd", user, kv[0]);
			sbx_login_close(login, &err);
			sbx_login_free(login);
			sbx_error_clear(&err);
			return PAM_SESSION_ERR;
		}
	}

	if (login->warning.msg)
		pam_syslog(pamh, LOG_WARNING, "user %s: %s", user,
			   sbx_error_first(&login->warning, first, sizeof(first)));

	if (pam_set_data(pamh, DATA_NAME, login, cleanup_login) != PAM_SUCCESS) {
		/* Without the data, close could not leave the sandbox: undo now. */
		sbx_login_close(login, &err);
		sbx_login_free(login);
		sbx_error_clear(&err);
		pam_syslog(pamh, LOG_CRIT, "user %s: cannot keep session state", user);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	const void *data = NULL;
	struct sbx_login *login;
	struct args a;
	char first[512];
	int r;

	(void)flags;
	parse_args(pamh, argc, argv, &a);
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data) {
		/* open did not succeed (or another module failed first). */
		return PAM_SUCCESS;
	}
	/* Our own object, stored by open: PAM only hands it back as const. */
	login = (struct sbx_login *)(uintptr_t)data;
	r = sbx_login_close(login, &err);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user %s: sandbox teardown failed: %s", login->user,
			   sbx_error_first(&err, first, sizeof(first)));
		sbx_error_clear(&err);
	}
	/* Free now; the session is over whatever teardown said. */
	pam_set_data(pamh, DATA_NAME, NULL, NULL);
	return r < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}
