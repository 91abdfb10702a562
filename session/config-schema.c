/* The schema of pam_sandbox.conf: walks one parsed libconfig tree, checks
 * every key and value strictly, and records what it found in the loader.
 * Cross-file checks (duplicate roles across files, inheritance, undefined
 * roles) are in config.c.
 *
 * Every problem is recorded, never just the first: an administrator fixing
 * a policy wants the whole list at once.  A value that fails its check is
 * not recorded as set, and the load as a whole fails, so nothing invalid
 * can ever be applied. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "config-internal.h"
#include "sandbox/cleanup.h"
#include "sandbox/size.h"
#include "sandbox/template.h"

#define PATH_MAX_MSG 1024 /* key paths longer than this are cut in messages */
#define PIDS_MAX 4194304u /* the kernel's PID_MAX_LIMIT */
#define IO_WEIGHT_MIN 1
#define IO_WEIGHT_MAX 10000
#define MAX_SESSIONS_MAX 65535
#define HOSTNAME_MAX 64
#define NAME_MAX_LEN 256 /* user and group names */

struct cfg_walk {
	struct cfg_loader *L;
	config_t *cf;
	size_t first_file;
	struct cfg_raw_role *role; /* the role being read, NULL outside roles */
	struct cfg_assign *entry;  /* the assignment being read */
	bool entry_has_name, entry_has_role;
	struct sbx_bind *bind; /* the bind entry being read */
	bool bind_has_source, bind_has_target;
};

typedef void (*key_fn)(struct cfg_walk *w, const config_setting_t *s, const char *path);

struct key {
	const char *name;
	key_fn fn;
};

/* ---- helpers ----------------------------------------------------------- */

const char *cfg_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool cfg_role_name_ok(const char *name)
{
	if (!isalpha((unsigned char)name[0]))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Edit distance, capped: anything above 3 counts as "far". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return 99;
	if ((la > lb ? la - lb : lb - la) > 2)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], up;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best;

			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *cfg_suggest(const char *name, const char *const *known, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = distance(name, known[i]);

		if (d < best_d) {
			best_d = d;
			best = known[i];
		}
	}
	return best;
}

static size_t file_of(struct cfg_walk *w, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	if (f)
		for (unsigned i = 0; i < w->cf->num_filenames; i++)
			if (w->cf->filenames[i] && !strcmp(w->cf->filenames[i], f))
				return w->first_file + i;
	return w->first_file;
}

/* Report a problem with setting S, named PATH. */
static void bad(struct cfg_walk *w, const config_setting_t *s, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void bad(struct cfg_walk *w, const config_setting_t *s, const char *path,
		const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		w->L->oom = true;
		return;
	}
	cfg_msg_add(w->L, file_of(w, s), config_setting_source_line(s), "%s: %s", path, msg);
	free(msg);
	if (w->role)
		w->role->bad = true;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a floating-point number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	}
	return "nothing";
}

static bool is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64;
}

static void child_path(char *buf, const char *parent, const config_setting_t *s)
{
	const char *name = config_setting_name(s);

	if (name)
		snprintf(buf, PATH_MAX_MSG, "%s%s%s", parent, *parent ? "." : "", name);
	else
		snprintf(buf, PATH_MAX_MSG, "%s.[%d]", parent, config_setting_index(s));
}

static char *dup_or_oom(struct cfg_walk *w, const char *s)
{
	char *d = strdup(s);

	if (!d)
		w->L->oom = true;
	return d;
}

/* Replace *field with a copy of VALUE. */
static bool set_str(struct cfg_walk *w, char **field, const char *value)
{
	char *d = dup_or_oom(w, value);

	if (!d)
		return false;
	free(*field);
	*field = d;
	return true;
}

static void mark(struct cfg_walk *w, enum cfg_rk k, const config_setting_t *s)
{
	w->role->set |= 1u << k;
	w->role->key_line[k] = config_setting_source_line(s);
}

/* Check every member of group S against KEYS: unknown keys are errors
 * (with the nearest known key as a hint), known ones go to their handler. */
static void walk_group(struct cfg_walk *w, const config_setting_t *s, const char *path,
		       const struct key *keys, size_t n, const char *what)
{
	const char *names[32];

	if (!config_setting_is_group(s)) {
		bad(w, s, path, "expected a group (%s), got %s", what, type_name(s));
		return;
	}
	for (size_t i = 0; i < n && i < ELEMENTSOF(names); i++)
		names[i] = keys[i].name;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m);
		char sub[PATH_MAX_MSG];
		size_t k;

		child_path(sub, path, m);
		for (k = 0; k < n; k++)
			if (!strcmp(keys[k].name, name))
				break;
		if (k < n) {
			keys[k].fn(w, m, sub);
			continue;
		}
		const char *hint = cfg_suggest(name, names, n);
		if (hint) {
			bad(w, m, sub, "unknown setting (did you mean \"%s\"?)", hint);
		} else {
			char known[512] = "";
			size_t len = 0;

			for (k = 0; k < n && len < sizeof(known); k++)
				len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
							k ? ", " : "", keys[k].name);
			bad(w, m, sub, "unknown setting (known here: %s)", known);
		}
	}
}

static bool get_bool(struct cfg_walk *w, const config_setting_t *s, const char *path, bool *ret)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		bad(w, s, path, "expected true or false, got %s", type_name(s));
		return false;
	}
	*ret = config_setting_get_bool(s);
	return true;
}

/* A string among CHOICES; returns its index or -1 (reported). */
static int get_enum(struct cfg_walk *w, const config_setting_t *s, const char *path,
		    const char *const *choices, size_t n)
{
	char expected[256] = "";
	size_t len = 0;
	const char *v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v, choices[i]))
				return (int)i;
	}
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s\"%s\"",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i]);
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		bad(w, s, path, "expected %s, got \"%s\"", expected, config_setting_get_string(s));
	else
		bad(w, s, path, "expected %s, got %s", expected, type_name(s));
	return -1;
}

static const char *get_string(struct cfg_walk *w, const config_setting_t *s, const char *path,
			      const char *what)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		bad(w, s, path, "expected %s, got %s", what, type_name(s));
		return NULL;
	}
	return config_setting_get_string(s);
}

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* A path template: absolute ("/..." or "%h" + "/..."), no "." or ".."
 * component, no control character, known templates only.  Returns true
 * when valid; reports otherwise. */
static bool path_ok(struct cfg_walk *w, const config_setting_t *s, const char *path, const char *p)
{
	struct sbx_error e = SBX_ERROR_INIT;
	const char *c;

	if (!*p) {
		bad(w, s, path, "expected an absolute path, got an empty string");
		return false;
	}
	if (!(p[0] == '/' || (p[0] == '%' && p[1] == 'h' && (p[2] == '/' || p[2] == '\0')))) {
		bad(w, s, path, "expected an absolute path (starting with \"/\" or \"%%h\"), got \"%s\"", p);
		return false;
	}
	if (has_control(p)) {
		bad(w, s, path, "path contains a control character");
		return false;
	}
	for (c = p; *c;) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);

		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			bad(w, s, path, "path \"%s\" must not contain \".\" or \"..\" components", p);
			return false;
		}
		c = *end ? end + 1 : end;
	}
	if (sbx_template_check(p, &e) < 0) {
		bad(w, s, path, "%s", sbx_error_text(&e));
		sbx_error_clear(&e);
		return false;
	}
	return true;
}

/* Elements of an array or list S, each checked by FN. */
static bool is_sequence(struct cfg_walk *w, const config_setting_t *s, const char *path,
			const char *what)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		bad(w, s, path, "expected %s, got %s", what, type_name(s));
		return false;
	}
	return true;
}

/* ---- settings ---------------------------------------------------------- */

static void k_on_error(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	static const char *const c[] = { "deny", "allow" };
	int i = get_enum(w, s, path, c, ELEMENTSOF(c));

	if (i >= 0)
		w->L->settings.on_error = i == 0 ? SBX_ON_ERROR_DENY : SBX_ON_ERROR_ALLOW;
}

static void k_cgroup_driver(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	static const char *const c[] = { "auto", "systemd", "cgroupfs", "none" };
	static const enum sbx_cgroup_driver v[] = {
		SBX_CGROUP_AUTO, SBX_CGROUP_SYSTEMD, SBX_CGROUP_CGROUPFS, SBX_CGROUP_NONE,
	};
	int i = get_enum(w, s, path, c, ELEMENTSOF(c));

	if (i >= 0)
		w->L->settings.cgroup_driver = v[i];
}

/* A relative cgroup path: components of [A-Za-z0-9._-], no "." or "..",
 * so it can never leave the cgroup it is created under. */
static void k_cgroup_parent(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a cgroup name such as \"pam_sandbox\"");
	const char *c;

	if (!v)
		return;
	if (!*v || v[0] == '/' || strlen(v) > 255)
		goto invalid;
	for (c = v; *c;) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			goto invalid;
		for (const char *q = c; q < end; q++)
			if (!isalnum((unsigned char)*q) && !strchr("._-", *q))
				goto invalid;
		c = *end ? end + 1 : end;
	}
	set_str(w, &w->L->settings.cgroup_parent, v);
	return;
invalid:
	bad(w, s, path,
	    "invalid cgroup name \"%s\" (expected a relative path of names made of letters, digits, '.', '_' and '-', without \"..\")",
	    v);
}

static void k_state_dir(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "an absolute path");

	if (!v)
		return;
	if (strchr(v, '%')) {
		bad(w, s, path, "templates are not allowed here, got \"%s\"", v);
		return;
	}
	if (!path_ok(w, s, path, v))
		return;
	if (!strcmp(v, "/")) {
		bad(w, s, path, "the state directory cannot be \"/\"");
		return;
	}
	set_str(w, &w->L->settings.state_dir, v);
}

static void k_audit_required(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	bool b;

	if (get_bool(w, s, path, &b))
		w->L->settings.audit_required = b;
}

static void k_cgroup_nested(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	bool b;

	if (get_bool(w, s, path, &b))
		w->L->settings.cgroup_nested = b;
}

static const struct key settings_keys[] = {
	{ "on_error", k_on_error },
	{ "cgroup_driver", k_cgroup_driver },
	{ "cgroup_parent", k_cgroup_parent },
	{ "cgroup_nested", k_cgroup_nested },
	{ "state_dir", k_state_dir },
	{ "audit_required", k_audit_required },
};

static void k_settings(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, settings_keys, ELEMENTSOF(settings_keys), "{ on_error = ...; }");
}

/* ---- assign ------------------------------------------------------------ */

/* User and group names come from NSS (LDAP, SSSD ...), so anything but
 * the characters that break passwd/group syntax or logs is allowed. */
static void k_entry_name(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a name as a string");

	w->entry_has_name = true;
	if (!v)
		return;
	if (!*v) {
		bad(w, s, path, "expected a name, got an empty string");
		return;
	}
	if (strlen(v) > NAME_MAX_LEN || has_control(v) || strpbrk(v, "/: \t")) {
		bad(w, s, path, "invalid name \"%s\" (no '/', ':', blanks or control characters, at most %d bytes)",
		    v, NAME_MAX_LEN);
		return;
	}
	set_str(w, &w->entry->a.name, v);
}

static void k_entry_role(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a role name, \"deny\" or \"none\"");

	w->entry_has_role = true;
	if (!v)
		return;
	if (!*v) {
		bad(w, s, path, "expected a role name, \"deny\" or \"none\", got an empty string");
		return;
	}
	if (set_str(w, &w->entry->a.role, v))
		w->entry->role_line = config_setting_source_line(s);
}

static const struct key entry_keys[] = {
	{ "name", k_entry_name },
	{ "role", k_entry_role },
};

static void assign_list(struct cfg_walk *w, const config_setting_t *s, const char *path,
			bool users)
{
	struct cfg_assign **list = users ? &w->L->users : &w->L->groups;
	size_t *n = users ? &w->L->n_users : &w->L->n_groups;

	if (!config_setting_is_list(s)) {
		bad(w, s, path, "expected a list of { name = ...; role = ...; } entries, got %s",
		    type_name(s));
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct cfg_assign entry = { .index = i };
		char sub[PATH_MAX_MSG];
		size_t before = w->L->n_msgs;
		struct cfg_assign *bigger;

		child_path(sub, path, e);
		w->entry = &entry;
		w->entry_has_name = w->entry_has_role = false;
		walk_group(w, e, sub, entry_keys, ELEMENTSOF(entry_keys), "{ name = ...; role = ...; }");
		if (config_setting_is_group(e)) {
			if (!w->entry_has_name)
				bad(w, e, sub, "missing \"name\"");
			if (!w->entry_has_role)
				bad(w, e, sub, "missing \"role\"");
		}
		w->entry = NULL;
		if (w->L->n_msgs != before || !entry.a.name || !entry.a.role) {
			free(entry.a.name);
			free(entry.a.role);
			continue;
		}
		/* The same name twice is a policy mistake whatever the roles:
		 * the second line would silently never apply. */
		for (size_t j = 0; j < *n; j++) {
			const struct cfg_assign *o = &(*list)[j];

			if (strcmp(o->a.name, entry.a.name))
				continue;
			const config_setting_t *nm = config_setting_get_member(e, "name");
			strncat(sub, ".name", sizeof(sub) - strlen(sub) - 1);
			bad(w, nm ? nm : e, sub, "%s \"%s\" is already assigned at %s:%d",
			    users ? "user" : "group", entry.a.name, cfg_basename(o->a.file), o->a.line);
			free(entry.a.name);
			free(entry.a.role);
			entry.a.name = NULL;
			break;
		}
		if (!entry.a.name)
			continue;
		entry.file = file_of(w, e);
		entry.a.line = config_setting_source_line(config_setting_get_member(e, "name"));
		entry.a.file = dup_or_oom(w, w->L->files[entry.file]);
		bigger = entry.a.file ? realloc(*list, (*n + 1) * sizeof(**list)) : NULL;
		if (!bigger) {
			w->L->oom = true;
			free(entry.a.name);
			free(entry.a.role);
			free(entry.a.file);
			continue;
		}
		*list = bigger;
		(*list)[(*n)++] = entry;
	}
}

static void k_users(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	assign_list(w, s, path, true);
}

static void k_groups(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	assign_list(w, s, path, false);
}

static void k_default(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct cfg_assign *d = &w->L->def;
	const char *v = get_string(w, s, path, "a role name, \"deny\" or \"none\"");

	if (!v)
		return;
	if (!*v) {
		bad(w, s, path, "expected a role name, \"deny\" or \"none\", got an empty string");
		return;
	}
	/* A later file overrides an earlier one. */
	if (!set_str(w, &d->a.role, v))
		return;
	d->file = file_of(w, s);
	d->index = -1;
	d->a.line = d->role_line = config_setting_source_line(s);
	set_str(w, &d->a.file, w->L->files[d->file]);
	w->L->have_default = true;
}

static const struct key assign_keys[] = {
	{ "users", k_users },
	{ "groups", k_groups },
	{ "default", k_default },
};

static void k_assign(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (!w->L->have_assign && config_setting_is_group(s)) {
		w->L->have_assign = true;
		w->L->assign_file = file_of(w, s);
		w->L->assign_line = config_setting_source_line(s);
	}
	walk_group(w, s, path, assign_keys, ELEMENTSOF(assign_keys), "{ users = ...; groups = ...; default = ...; }");
}

/* ---- roles ------------------------------------------------------------- */

static void k_inherits(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a role name");

	if (!v)
		return;
	if (!cfg_role_name_ok(v)) {
		bad(w, s, path, "invalid role name \"%s\" (expected a letter, then letters, digits, '_' or '-')", v);
		return;
	}
	if (set_str(w, &w->role->role.inherits, v))
		mark(w, RK_INHERITS, s);
}

static void k_sandbox(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.sandbox))
		mark(w, RK_SANDBOX, s);
}

static void k_namespaces(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	unsigned ns = 0;
	bool ok = true;

	if (!is_sequence(w, s, path, "an array of namespace names such as [ \"mount\", \"pid\" ]"))
		return;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char sub[PATH_MAX_MSG];
		const char *v;
		unsigned f;

		child_path(sub, path, e);
		v = get_string(w, e, sub, "a namespace name");
		if (!v) {
			ok = false;
			continue;
		}
		f = sbx_ns_from_name(v);
		if (!strcmp(v, "user")) {
			bad(w, e, sub, "the \"user\" namespace is never allowed (the kernel drops the audit records of processes inside one)");
			ok = false;
		} else if (!f) {
			static const char *const known[] = { "mount", "ipc", "uts", "pid", "net", "cgroup" };
			const char *hint = cfg_suggest(v, known, ELEMENTSOF(known));

			if (hint)
				bad(w, e, sub, "unknown namespace \"%s\" (did you mean \"%s\"?)", v, hint);
			else
				bad(w, e, sub, "unknown namespace \"%s\" (known: mount, ipc, uts, pid, net, cgroup)", v);
			ok = false;
		}
		ns |= f;
	}
	if (ok) {
		w->role->role.namespaces = ns;
		mark(w, RK_NAMESPACES, s);
	}
}

/* The template must be able to yield a host name: letters, digits, '-',
 * '.', '_' and templates; the expansion is checked again per user. */
static void k_hostname(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct sbx_error e = SBX_ERROR_INIT;
	const char *v = get_string(w, s, path, "a host name template such as \"%u-dev\"");

	if (!v)
		return;
	if (!*v || strlen(v) > HOSTNAME_MAX || v[0] == '-' || v[0] == '.' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.%_-") != strlen(v)) {
		bad(w, s, path,
		    "invalid host name \"%s\" (expected 1 to %d letters, digits, '-', '.', '_' or templates, not starting with '-' or '.')",
		    v, HOSTNAME_MAX);
		return;
	}
	if (sbx_template_check(v, &e) < 0) {
		bad(w, s, path, "%s", sbx_error_text(&e));
		sbx_error_clear(&e);
		return;
	}
	if (set_str(w, &w->role->role.hostname, v))
		mark(w, RK_HOSTNAME, s);
}

static void k_network(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	static const char *const c[] = { "host", "none" };
	int i = get_enum(w, s, path, c, ELEMENTSOF(c));

	if (i < 0)
		return;
	w->role->role.network = i == 0 ? SBX_NETWORK_HOST : SBX_NETWORK_NONE;
	mark(w, RK_NETWORK, s);
}

/* -- filesystem -- */

static void k_private_tmp(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.fs.private_tmp))
		mark(w, RK_PRIVATE_TMP, s);
}

static void k_hide_other_homes(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.fs.hide_other_homes))
		mark(w, RK_HIDE_HOMES, s);
}

/* read_only and hidden: path templates, a leading '-' for optional. */
static void path_list(struct cfg_walk *w, const config_setting_t *s, const char *path,
		      struct sbx_path **list, size_t *n, enum cfg_rk key)
{
	size_t before = w->L->n_msgs;

	if (!is_sequence(w, s, path, "an array of paths such as [ \"/usr\", \"-/opt\" ]"))
		return;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char sub[PATH_MAX_MSG];
		const char *v;
		bool optional;
		struct sbx_path *bigger;
		char *copy;

		child_path(sub, path, e);
		v = get_string(w, e, sub, "a path");
		if (!v)
			continue;
		optional = v[0] == '-';
		if (optional)
			v++;
		if (!path_ok(w, e, sub, v))
			continue;
		if (key == RK_HIDDEN && (!strcmp(v, "/") || !strcmp(v, "%h") || !strcmp(v, "%h/"))) {
			bad(w, e, sub, "cannot hide \"%s\"", v);
			continue;
		}
		copy = dup_or_oom(w, v);
		bigger = copy ? realloc(*list, (*n + 1) * sizeof(**list)) : NULL;
		if (!bigger) {
			free(copy);
			w->L->oom = true;
			continue;
		}
		*list = bigger;
		(*list)[(*n)++] = (struct sbx_path){ .path = copy, .optional = optional };
	}
	if (w->L->n_msgs == before)
		mark(w, key, s);
}

static void k_read_only(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct sbx_filesystem *fs = &w->role->role.fs;

	path_list(w, s, path, &fs->read_only, &fs->n_read_only, RK_READ_ONLY);
}

static void k_hidden(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct sbx_filesystem *fs = &w->role->role.fs;

	path_list(w, s, path, &fs->hidden, &fs->n_hidden, RK_HIDDEN);
}

static void k_bind_source(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a path");

	w->bind_has_source = true;
	if (v && path_ok(w, s, path, v))
		set_str(w, &w->bind->source, v);
}

static void k_bind_target(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *v = get_string(w, s, path, "a path");

	w->bind_has_target = true;
	if (!v || !path_ok(w, s, path, v))
		return;
	if (strspn(v, "/") == strlen(v)) {
		bad(w, s, path, "cannot bind over \"/\"");
		return;
	}
	set_str(w, &w->bind->target, v);
}

static void k_bind_read_only(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	get_bool(w, s, path, &w->bind->read_only);
}

static void k_bind_optional(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	get_bool(w, s, path, &w->bind->optional);
}

static const struct key bind_keys[] = {
	{ "source", k_bind_source },
	{ "target", k_bind_target },
	{ "read_only", k_bind_read_only },
	{ "optional", k_bind_optional },
};

static void k_bind(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct sbx_filesystem *fs = &w->role->role.fs;
	size_t before = w->L->n_msgs;

	if (!config_setting_is_list(s)) {
		bad(w, s, path, "expected a list of { source = ...; target = ...; } entries, got %s",
		    type_name(s));
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct sbx_bind b = { 0 };
		char sub[PATH_MAX_MSG];
		size_t errs = w->L->n_msgs;
		struct sbx_bind *bigger;

		child_path(sub, path, e);
		w->bind = &b;
		w->bind_has_source = w->bind_has_target = false;
		walk_group(w, e, sub, bind_keys, ELEMENTSOF(bind_keys),
			   "{ source = ...; target = ...; read_only = ...; optional = ...; }");
		w->bind = NULL;
		if (config_setting_is_group(e)) {
			if (!w->bind_has_source)
				bad(w, e, sub, "missing \"source\"");
			if (!w->bind_has_target)
				bad(w, e, sub, "missing \"target\"");
		}
		if (w->L->n_msgs == errs && b.source && b.target) {
			for (size_t j = 0; j < fs->n_binds; j++)
				if (!strcmp(fs->binds[j].target, b.target)) {
					bad(w, e, sub, "target \"%s\" is already bound by %s.[%zu]",
					    b.target, path, j);
					break;
				}
		}
		if (w->L->n_msgs != errs || !b.source || !b.target) {
			free(b.source);
			free(b.target);
			continue;
		}
		bigger = realloc(fs->binds, (fs->n_binds + 1) * sizeof(*fs->binds));
		if (!bigger) {
			free(b.source);
			free(b.target);
			w->L->oom = true;
			continue;
		}
		fs->binds = bigger;
		fs->binds[fs->n_binds++] = b;
	}
	if (w->L->n_msgs == before)
		mark(w, RK_BIND, s);
}

static const struct key fs_keys[] = {
	{ "private_tmp", k_private_tmp },
	{ "hide_other_homes", k_hide_other_homes },
	{ "read_only", k_read_only },
	{ "hidden", k_hidden },
	{ "bind", k_bind },
};

static void k_filesystem(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, fs_keys, ELEMENTSOF(fs_keys), "{ private_tmp = ...; read_only = [ ... ]; ... }");
}

/* -- limits -- */

static void set_limit(struct cfg_walk *w, enum sbx_limit l, uint64_t v)
{
	w->role->role.limits.value[l] = v;
	w->role->role.limits.set |= 1u << l;
}

static void size_limit(struct cfg_walk *w, const config_setting_t *s, const char *path,
		       enum sbx_limit l, bool zero_ok)
{
	const char *v;
	uint64_t n;
	int r;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		bad(w, s, path, "expected a size such as \"4G\" or \"max\", got %s", type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	r = sbx_parse_size(v, &n);
	if (r == -ERANGE) {
		bad(w, s, path, "size \"%s\" is too large (at most 16777215T, or \"max\")", v);
		return;
	}
	if (r < 0) {
		bad(w, s, path, "invalid size \"%s\" (expected a number with an optional K, M, G or T suffix, or \"max\")", v);
		return;
	}
	if (n == 0 && !zero_ok) {
		bad(w, s, path, "a limit of 0 bytes leaves no memory at all (\"max\" means no limit)");
		return;
	}
	set_limit(w, l, n);
}

static void k_memory(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	size_limit(w, s, path, SBX_LIMIT_MEMORY, false);
}

static void k_memory_high(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	size_limit(w, s, path, SBX_LIMIT_MEMORY_HIGH, false);
}

static void k_swap(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	size_limit(w, s, path, SBX_LIMIT_SWAP, true);
}

static bool is_max(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING && !strcmp(config_setting_get_string(s), "max");
}

static void k_pids(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	long long v;

	if (is_max(s)) {
		set_limit(w, SBX_LIMIT_PIDS, SBX_UNLIMITED);
		return;
	}
	if (!is_int(s)) {
		bad(w, s, path, "expected an integer or \"max\", got %s", type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v < 1 || v > PIDS_MAX) {
		bad(w, s, path, "expected an integer from 1 to %u or \"max\", got %lld", PIDS_MAX, v);
		return;
	}
	set_limit(w, SBX_LIMIT_PIDS, (uint64_t)v);
}

static void k_cpus(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	double v;
	uint64_t milli;

	if (is_max(s)) {
		set_limit(w, SBX_LIMIT_CPUS, SBX_UNLIMITED);
		return;
	}
	if (is_int(s))
		v = (double)config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		bad(w, s, path, "expected a number of cores such as 2.0 or \"max\", got %s", type_name(s));
		return;
	}
	if (sbx_cpus_to_milli(v, &milli) < 0) {
		bad(w, s, path, "expected a number of cores from 0.01 to 4096 in steps of 0.01 (e.g. 0.5 or 2.0), got %g", v);
		return;
	}
	set_limit(w, SBX_LIMIT_CPUS, milli);
}

static void k_io_weight(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	long long v;

	if (!is_int(s)) {
		bad(w, s, path, "expected an integer from %d to %d, got %s", IO_WEIGHT_MIN, IO_WEIGHT_MAX,
		    type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v < IO_WEIGHT_MIN || v > IO_WEIGHT_MAX) {
		bad(w, s, path, "expected an integer from %d to %d, got %lld", IO_WEIGHT_MIN, IO_WEIGHT_MAX, v);
		return;
	}
	set_limit(w, SBX_LIMIT_IO_WEIGHT, (uint64_t)v);
}

static void k_limits_optional(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	const char *names[SBX_LIMIT__MAX];
	unsigned opt = 0;
	bool ok = true;

	for (int l = 0; l < SBX_LIMIT__MAX; l++)
		names[l] = sbx_limit_name((enum sbx_limit)l);
	if (!is_sequence(w, s, path, "an array of limit names such as [ \"io_weight\" ]"))
		return;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char sub[PATH_MAX_MSG];
		const char *v;
		int l;

		child_path(sub, path, e);
		v = get_string(w, e, sub, "a limit name");
		if (!v) {
			ok = false;
			continue;
		}
		for (l = 0; l < SBX_LIMIT__MAX; l++)
			if (!strcmp(v, names[l]))
				break;
		if (l == SBX_LIMIT__MAX) {
			const char *hint = cfg_suggest(v, names, SBX_LIMIT__MAX);

			if (hint)
				bad(w, e, sub, "unknown limit \"%s\" (did you mean \"%s\"?)", v, hint);
			else
				bad(w, e, sub, "unknown limit \"%s\" (known: memory, memory_high, swap, pids, cpus, io_weight)", v);
			ok = false;
			continue;
		}
		opt |= 1u << l;
	}
	if (ok) {
		w->role->role.limits.optional = opt;
		mark(w, RK_LIMIT_OPTIONAL, s);
	}
}

static const struct key limit_keys[] = {
	{ "memory", k_memory },
	{ "memory_high", k_memory_high },
	{ "swap", k_swap },
	{ "pids", k_pids },
	{ "cpus", k_cpus },
	{ "io_weight", k_io_weight },
	{ "optional", k_limits_optional },
};

static void k_limits(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, limit_keys, ELEMENTSOF(limit_keys), "{ memory = \"4G\"; pids = 1024; ... }");
}

/* -- privileges -- */

static void k_capabilities(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	uint64_t caps = 0;
	bool ok = true;

	if (!is_sequence(w, s, path, "an array of capability names such as [ \"CAP_NET_BIND_SERVICE\" ]"))
		return;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char sub[PATH_MAX_MSG], name[64];
		const char *v;
		cap_value_t cap;

		child_path(sub, path, e);
		v = get_string(w, e, sub, "a capability name");
		if (!v) {
			ok = false;
			continue;
		}
		/* Names only: libcap would also take numbers. */
		if (!*v || strlen(v) > 40 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(v)) {
			bad(w, e, sub, "unknown capability \"%s\" (expected a name such as \"CAP_NET_BIND_SERVICE\")", v);
			ok = false;
			continue;
		}
		snprintf(name, sizeof(name), "%s%s", strncasecmp(v, "cap_", 4) ? "cap_" : "", v);
		if (cap_from_name(name, &cap) < 0 || cap < 0 || cap > 63) {
			bad(w, e, sub, "unknown capability \"%s\" (expected a name such as \"CAP_NET_BIND_SERVICE\")", v);
			ok = false;
			continue;
		}
		if (cap == CAP_AUDIT_CONTROL || cap == CAP_AUDIT_WRITE) {
			bad(w, e, sub, "%s is never kept (with it the user could silence or forge audit records)",
			    cap == CAP_AUDIT_CONTROL ? "CAP_AUDIT_CONTROL" : "CAP_AUDIT_WRITE");
			ok = false;
			continue;
		}
		caps |= 1ull << cap;
	}
	if (ok) {
		w->role->role.priv.capabilities = caps;
		mark(w, RK_CAPS, s);
	}
}

static void k_no_new_privs(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.priv.no_new_privs))
		mark(w, RK_NNP, s);
}

static const struct key priv_keys[] = {
	{ "capabilities", k_capabilities },
	{ "no_new_privs", k_no_new_privs },
};

static void k_privileges(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, priv_keys, ELEMENTSOF(priv_keys), "{ capabilities = [ ... ]; no_new_privs = ...; }");
}

/* -- session -- */

static void k_linger(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.session.linger))
		mark(w, RK_LINGER, s);
}

static void k_max_sessions(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	long long v;

	if (!is_int(s)) {
		bad(w, s, path, "expected an integer from 0 to %d (0 = no limit), got %s", MAX_SESSIONS_MAX,
		    type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v < 0 || v > MAX_SESSIONS_MAX) {
		bad(w, s, path, "expected an integer from 0 to %d (0 = no limit), got %lld", MAX_SESSIONS_MAX, v);
		return;
	}
	w->role->role.session.max_sessions = (unsigned)v;
	mark(w, RK_MAX_SESSIONS, s);
}

static const struct key session_keys[] = {
	{ "linger", k_linger },
	{ "max_sessions", k_max_sessions },
};

static void k_session(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, session_keys, ELEMENTSOF(session_keys), "{ linger = ...; max_sessions = ...; }");
}

/* -- audit -- */

static void k_tty(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.audit.tty))
		mark(w, RK_TTY, s);
}

static void k_log_passwd(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (get_bool(w, s, path, &w->role->role.audit.log_passwd))
		mark(w, RK_LOG_PASSWD, s);
}

static const struct key audit_keys[] = {
	{ "tty", k_tty },
	{ "log_passwd", k_log_passwd },
};

static void k_audit(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	walk_group(w, s, path, audit_keys, ELEMENTSOF(audit_keys), "{ tty = ...; log_passwd = ...; }");
}

static const struct key role_keys[] = {
	{ "inherits", k_inherits },
	{ "sandbox", k_sandbox },
	{ "namespaces", k_namespaces },
	{ "hostname", k_hostname },
	{ "filesystem", k_filesystem },
	{ "network", k_network },
	{ "limits", k_limits },
	{ "privileges", k_privileges },
	{ "session", k_session },
	{ "audit", k_audit },
};

static void k_role(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	struct cfg_loader *L = w->L;
	const char *name = config_setting_name(s);
	struct cfg_raw_role *bigger, *r;
	size_t file = file_of(w, s);

	if (!cfg_role_name_ok(name)) {
		bad(w, s, path, "invalid role name \"%s\" (expected a letter, then letters, digits, '_' or '-')", name);
		return;
	}
	if (!strcmp(name, "deny") || !strcmp(name, "none")) {
		bad(w, s, path, "\"%s\" is reserved (an assignment to \"%s\" means %s) and cannot name a role",
		    name, name, !strcmp(name, "deny") ? "refuse the login" : "no sandbox");
		return;
	}
	for (size_t i = 0; i < L->n_roles; i++)
		if (!strcmp(L->roles[i].role.name, name)) {
			bad(w, s, path, "role \"%s\" is already defined at %s:%d", name,
			    cfg_basename(L->files[L->roles[i].file]), L->roles[i].role.line);
			return;
		}
	bigger = realloc(L->roles, (L->n_roles + 1) * sizeof(*L->roles));
	if (!bigger) {
		L->oom = true;
		return;
	}
	L->roles = bigger;
	r = &L->roles[L->n_roles];
	*r = (struct cfg_raw_role){ .file = file };
	r->role.name = strdup(name);
	r->role.file = strdup(L->files[file]);
	r->role.line = config_setting_source_line(s);
	if (!r->role.name || !r->role.file) {
		sbx_role_clear(&r->role);
		L->oom = true;
		return;
	}
	L->n_roles++;
	w->role = r;
	walk_group(w, s, path, role_keys, ELEMENTSOF(role_keys), "{ inherits = ...; namespaces = [ ... ]; ... }");
	w->role = NULL;
}

static void k_roles(struct cfg_walk *w, const config_setting_t *s, const char *path)
{
	if (!config_setting_is_group(s)) {
		bad(w, s, path, "expected a group of roles ({ name = { ... }; }), got %s", type_name(s));
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		char sub[PATH_MAX_MSG];

		child_path(sub, path, m);
		k_role(w, m, sub);
	}
}

static const struct key root_keys[] = {
	{ "settings", k_settings },
	{ "assign", k_assign },
	{ "roles", k_roles },
};

void cfg_walk_root(struct cfg_loader *L, config_t *cf, size_t first_file)
{
	struct cfg_walk w = { .L = L, .cf = cf, .first_file = first_file };
	const config_setting_t *root = config_root_setting(cf);

	walk_group(&w, root, "", root_keys, ELEMENTSOF(root_keys), "");
}
