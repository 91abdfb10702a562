/* Private to the configuration loader (config.c, config-schema.c): the
 * state of one load, shared between the per-file schema walk and the
 * cross-file checks that run once every file has been read. */
#ifndef SANDBOX_CONFIG_INTERNAL_H
#define SANDBOX_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sandbox/config.h"

/* Keys of a role, one bit each in cfg_raw_role.set when the role itself
 * sets them (limits are tracked per limit in role.limits.set). */
enum cfg_rk {
	RK_INHERITS,
	RK_SANDBOX,
	RK_NAMESPACES,
	RK_HOSTNAME,
	RK_NETWORK,
	RK_PRIVATE_TMP,
	RK_HIDE_HOMES,
	RK_READ_ONLY,
	RK_HIDDEN,
	RK_BIND,
	RK_LIMIT_OPTIONAL,
	RK_CAPS,
	RK_NNP,
	RK_LINGER,
	RK_MAX_SESSIONS,
	RK_TTY,
	RK_LOG_PASSWD,
	RK__MAX
};

/* A role as written in one file, before inheritance. */
struct cfg_raw_role {
	struct sbx_role role; /* only the keys in `set` are meaningful */
	unsigned set;         /* bit (1u << RK_x) */
	size_t file;          /* index in cfg_loader.files */
	int key_line[RK__MAX];
	bool bad; /* an error was reported inside it */
};

/* One assignment (users, groups or the default) and where it was written. */
struct cfg_assign {
	struct sbx_assign a;
	size_t file;
	int index;     /* position in its file's list, -1 for the default */
	int role_line; /* line of the role = ... setting */
};

/* One error message, sorted by (file, line, seq) before it is reported. */
struct cfg_msg {
	size_t file;
	int line; /* 0: about the file as a whole */
	size_t seq;
	char *text; /* "KEY.PATH: what was expected" */
};

struct cfg_loader {
	char **files; /* every file read, as opened; NULL-terminated */
	size_t n_files;
	struct cfg_msg *msgs;
	size_t n_msgs;
	bool oom;
	bool incomplete; /* a file could not be read or parsed */

	struct sbx_settings settings;
	struct cfg_assign *users;
	size_t n_users;
	struct cfg_assign *groups;
	size_t n_groups;
	struct cfg_assign def;
	bool have_default;
	bool have_assign; /* an assign group was seen: where, for "missing default" */
	size_t assign_file;
	int assign_line;
	struct cfg_raw_role *roles;
	size_t n_roles;
};

/* Record one error (printf style) about FILE:LINE. */
void cfg_msg_add(struct cfg_loader *L, size_t file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Validate one parsed file (and what it included) into L.  FIRST_FILE is
 * the index in L->files of the file libconfig read first. */
void cfg_walk_root(struct cfg_loader *L, config_t *cf, size_t first_file);

/* The known word closest to NAME (edit distance at most 2), or NULL. */
const char *cfg_suggest(const char *name, const char *const *known, size_t n);

/* The basename of a file name, for messages. */
const char *cfg_basename(const char *path);

/* A role name: a letter, then letters, digits, '_' or '-'. */
bool cfg_role_name_ok(const char *name);

/* config-cache.c, also for its tests: sbx_config_load_cached() with the
 * time of the parse given (sources changed less than a few seconds before
 * NOW are not copied), and the bytes a configuration is copied as. */
int cfg_cache_load(const char *path, const char *cache_dir, time_t now, struct sbx_config **ret,
		   struct sbx_error *err);
int cfg_cache_encode(const struct sbx_config *cfg, char **ret, size_t *ret_len);

#endif
