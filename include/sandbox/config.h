/* The configuration as loaded and validated: settings, role assignment and
 * roles.  Loading merges the main file with its drop-ins, validates every
 * key strictly and resolves role inheritance, so every struct sbx_role held
 * here is already effective (templates still unexpanded: that happens per
 * user, see policy.h).  A configuration that fails validation is never
 * returned, so it can never be applied partially.
 *
 * Pure logic: no system calls beyond reading the files. */
#ifndef SANDBOX_CONFIG_H
#define SANDBOX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/error.h"

/* Namespace kinds a role may ask for.  A user namespace is never offered:
 * the kernel drops every audit record of a process inside one. */
enum sbx_ns {
	SBX_NS_MOUNT = 1u << 0,
	SBX_NS_IPC = 1u << 1,
	SBX_NS_UTS = 1u << 2,
	SBX_NS_PID = 1u << 3,
	SBX_NS_NET = 1u << 4,
	SBX_NS_CGROUP = 1u << 5,
};
#define SBX_NS_ALL (SBX_NS_MOUNT | SBX_NS_IPC | SBX_NS_UTS | SBX_NS_PID | SBX_NS_NET | SBX_NS_CGROUP)
#define SBX_NS_COUNT 6

/* "mount", "ipc", "uts", "pid", "net", "cgroup"; NULL for an unknown flag. */
const char *sbx_ns_name(unsigned flag);
/* The flag for a name, or 0 when unknown. */
unsigned sbx_ns_from_name(const char *name);

enum sbx_network { SBX_NETWORK_HOST, SBX_NETWORK_NONE };
enum sbx_on_error { SBX_ON_ERROR_DENY, SBX_ON_ERROR_ALLOW };
enum sbx_cgroup_driver {
	SBX_CGROUP_AUTO,
	SBX_CGROUP_SYSTEMD,
	SBX_CGROUP_CGROUPFS,
	SBX_CGROUP_NONE,
};

/* Resource limits of a role, for the user as a whole. */
enum sbx_limit {
	SBX_LIMIT_MEMORY,      /* bytes; "memory" */
	SBX_LIMIT_MEMORY_HIGH, /* bytes; "memory_high" */
	SBX_LIMIT_SWAP,        /* bytes; "swap" */
	SBX_LIMIT_PIDS,        /* count; "pids" */
	SBX_LIMIT_CPUS,        /* millicores (1.5 cores = 1500); "cpus" */
	SBX_LIMIT_IO_WEIGHT,   /* 1..10000; "io_weight" */
	SBX_LIMIT__MAX
};
#define SBX_UNLIMITED UINT64_MAX /* the value "max" */

/* Setting name of a limit ("memory", ...); NULL when out of range. */
const char *sbx_limit_name(enum sbx_limit l);

struct sbx_limits {
	uint64_t value[SBX_LIMIT__MAX];
	unsigned set;      /* bit (1u << limit) when configured */
	unsigned optional; /* bit (1u << limit) when the host may lack the controller */
};

/* A path entry of filesystem.read_only / filesystem.hidden.  In the config a
 * leading '-' marks it optional: missing is skipped instead of failing the
 * session. */
struct sbx_path {
	char *path; /* template; absolute after expansion */
	bool optional;
};

struct sbx_bind {
	char *source; /* template */
	char *target; /* template */
	bool read_only;
	bool optional; /* a missing source is skipped instead of failing */
};

struct sbx_filesystem {
	bool private_tmp;      /* private /tmp and /var/tmp per user */
	bool hide_other_homes; /* hide the homes of others; the user's own stays writable */
	struct sbx_path *read_only;
	size_t n_read_only;
	struct sbx_path *hidden;
	size_t n_hidden;
	struct sbx_bind *binds;
	size_t n_binds;
};

struct sbx_privileges {
	uint64_t capabilities; /* bit (1ull << CAP_X) kept in the bounding set */
	bool no_new_privs;
};

struct sbx_session_opts {
	bool linger;           /* sandbox outlives the last logout while processes live */
	unsigned max_sessions; /* concurrent sessions per user; 0 = no limit */
};

struct sbx_audit_opts {
	bool tty;        /* TTY input auditing for the session */
	bool log_passwd; /* also log input typed with echo off */
};

/* An effective role: inheritance merged, defaults filled in. */
struct sbx_role {
	char *name;
	char *file; /* where it is defined */
	int line;
	char *inherits; /* parent role name, NULL for none */
	bool sandbox;   /* false: exempt (not confined, still audited) */
	unsigned namespaces;
	char *hostname; /* template; NULL keeps the host's name */
	struct sbx_filesystem fs;
	enum sbx_network network; /* SBX_NETWORK_NONE implies SBX_NS_NET */
	struct sbx_limits limits;
	struct sbx_privileges priv;
	struct sbx_session_opts session;
	struct sbx_audit_opts audit;
};

struct sbx_settings {
	enum sbx_on_error on_error;           /* default deny */
	enum sbx_cgroup_driver cgroup_driver; /* default auto */
	char *cgroup_parent;                  /* default "pam_sandbox" */
	bool cgroup_nested;                   /* parent below the caller's own cgroup; default false */
	char *state_dir;                      /* default "/run/pam_sandbox" */
	bool audit_required;                  /* default false */
};

/* One line of role assignment.  role is a role name, "deny" or "none". */
struct sbx_assign {
	char *name; /* user or group name; NULL for the default */
	char *role;
	char *file;
	int line;
};

struct sbx_config {
	struct sbx_settings settings;
	struct sbx_assign *users; /* in file order */
	size_t n_users;
	struct sbx_assign *groups; /* in file order: first match wins */
	size_t n_groups;
	struct sbx_assign default_role; /* name == NULL */
	struct sbx_role *roles;
	size_t n_roles;
	char **files; /* NULL-terminated: every file read, in order */
};

/* The drop-in directory of a main config file: "X.conf" -> "X.d".
 * Returns a malloc'd string, or NULL when out of memory. */
char *sbx_config_dropin_dir(const char *path);

/* Load PATH and every "*.conf" in its drop-in directory (lexical order; a
 * missing directory is fine).  On failure every problem found is in err,
 * one message each, in the form "FILE:LINE: KEY.PATH: what was expected".
 * Returns 0, -ENOENT (main file missing), -EINVAL (invalid), -ENOMEM. */
int sbx_config_load(const char *path, struct sbx_config **ret, struct sbx_error *err);

/* Load from a string, as file NAME, without drop-ins (tests, fuzzing). */
/* sbx_config_load() through a compiled copy kept in CACHE_DIR (made when
 * missing, used only if owned by the caller and writable by nobody else):
 * when the copy names the same files with the same identity and times, it
 * is read instead of parsing them; otherwise the files are parsed and, when
 * they are valid and have not changed in the last seconds, copied.  The
 * copy is never a reason to fail: without one (CACHE_DIR NULL, a relative
 * PATH, a copy that does not check out) this is sbx_config_load().  The
 * admin tools (sandboxctl check/explain) always parse. */
int sbx_config_load_cached(const char *path, const char *cache_dir, struct sbx_config **ret,
			   struct sbx_error *err);

int sbx_config_load_string(const char *text, const char *name,
			   struct sbx_config **ret, struct sbx_error *err);

void sbx_config_free(struct sbx_config *cfg);

/* The role called NAME, or NULL. */
const struct sbx_role *sbx_config_role(const struct sbx_config *cfg, const char *name);

/* Deep copy / release of a role (policy.c uses these). */
int sbx_role_copy(struct sbx_role *dst, const struct sbx_role *src);
void sbx_role_clear(struct sbx_role *role);

#endif
