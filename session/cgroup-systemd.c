/* systemd driver.  systemd owns the cgroup tree: pam_systemd puts each login
 * into session-N.scope under user-UID.slice and logind finds sessions by
 * cgroup path, so this driver never moves a login and never creates
 * cgroups below ones it was not delegated (systemd's CGROUP_DELEGATION).
 * Instead:
 *
 *   per user     SetUnitProperties on user-UID.slice (runtime) over D-Bus;
 *   per session  PAM data "systemd.*" that pam_systemd reads when it creates
 *                the session scope (the glue sets it: pam_sandbox must come
 *                before pam_systemd in the stack; sbx_cgroup_systemd_check_order
 *                detects the wrong order);
 *   sandbox init a transient pam-sandbox-UID.scope in user-UID.slice.
 *
 * Every D-Bus call is bounded by cg->timeout_ms: a hung logind or D-Bus
 * otherwise stalls every login for minutes with a vague error. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>
#endif

#include "sandbox/cleanup.h"
#include "cgroup-internal.h"

/* ---- pure ------------------------------------------------------------------ */

size_t sbx_cg_systemd_props(const struct sbx_limits *lim, struct sbx_cg_sd_prop *out)
{
	static const struct {
		enum sbx_limit limit;
		const char *name;
	} map[] = {
		{ SBX_LIMIT_MEMORY, "MemoryMax" },
		{ SBX_LIMIT_MEMORY_HIGH, "MemoryHigh" },
		{ SBX_LIMIT_SWAP, "MemorySwapMax" },
		{ SBX_LIMIT_PIDS, "TasksMax" },
		{ SBX_LIMIT_CPUS, "CPUQuotaPerSecUSec" },
		{ SBX_LIMIT_IO_WEIGHT, "IOWeight" },
	};
	size_t n = 0;

	/* only what the role sets: anything else would override the admin's
	 * own user-.slice.d settings (TasksMax=33% by default) */
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		uint64_t v = lim->value[map[i].limit];

		if (!(lim->set & (1u << map[i].limit)))
			continue;
		if (map[i].limit == SBX_LIMIT_CPUS && v != SBX_UNLIMITED)
			v *= 1000; /* millicores -> µs of cpu per second */
		if (map[i].limit == SBX_LIMIT_IO_WEIGHT && v != SBX_UNLIMITED)
			v = v < 1 ? 1 : v > 10000 ? 10000 : v;
		out[n].name = map[i].name;
		out[n].value = v; /* UINT64_MAX is systemd's "infinity" too */
		n++;
	}
	return n;
}

int sbx_cgroup_systemd_pam_data(const struct sbx_limits *lim, char ***ret,
				struct sbx_error *err)
{
	static const struct {
		enum sbx_limit limit;
		const char *key;
	} map[] = {
		{ SBX_LIMIT_MEMORY, "systemd.memory_max" },
		{ SBX_LIMIT_PIDS, "systemd.tasks_max" },
		{ SBX_LIMIT_IO_WEIGHT, "systemd.io_weight" },
	};
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));

	if (!v)
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; lim && i < ELEMENTSOF(map); i++) {
		uint64_t x = lim->value[map[i].limit];
		char *val;

		if (!(lim->set & (1u << map[i].limit)))
			continue;
		if (x == SBX_UNLIMITED) {
			/* io_weight has no "infinity": leave the default */
			if (map[i].limit == SBX_LIMIT_IO_WEIGHT)
				continue;
			val = strdup("infinity");
		} else if (asprintf(&val, "%" PRIu64, x) < 0) {
			val = NULL;
		}
		if (sbx_cg_strv_push(&v, strdup(map[i].key)) < 0 || sbx_cg_strv_push(&v, val) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int sbx_cgroup_systemd_check_order(const char *xdg_session_id, const char *proc_root,
				   pid_t pid, struct sbx_error *err)
{
	_cleanup_free_ char *path = NULL;

	if (!xdg_session_id || !*xdg_session_id)
		return 0;
	/* pam_systemd sets XDG_SESSION_ID in this PAM handle once it has
	 * registered the session: it ran first, and it would move the process
	 * again after us (systemd#13535) */
	if (sbx_cg_proc_path(proc_root ? proc_root : "/proc", -1, pid, "", &path) < 0 || !*path ||
	    strcmp(path, "/") == 0) {
		free(path);
		path = NULL;
		(void)sbx_cg_proc_path(proc_root ? proc_root : "/proc", -1, pid, "name=systemd", &path);
	}
	return sbx_error_set(err, EINVAL,
			     "pam_systemd ran before pam_sandbox (session %s%s%s is registered already): "
			     "put \"session required pam_sandbox.so\" above pam_systemd.so in the PAM stack",
			     xdg_session_id, path ? ", cgroup " : "", path ? path : "");
}

#ifdef HAVE_LIBSYSTEMD


static int bus_open(struct sbx_cgroup *cg, sd_bus **ret, struct sbx_error *err)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);

	if (r < 0)
		return sbx_error_set(err, -r, "systemd: cannot connect to the system bus: %s", strerror(-r));
	r = sd_bus_set_method_call_timeout(bus, (uint64_t)cg->timeout_ms * 1000);
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		return sbx_error_set(err, -r, "systemd: cannot set the D-Bus timeout: %s", strerror(-r));
	}
	*ret = bus;
	return 0;
}

/* Send M and wait at most cg->timeout_ms; a clear message on failure.
 * Returns 0 or a negative errno (-ETIMEDOUT when systemd did not answer). */
static int bus_call(struct sbx_cgroup *cg, sd_bus *bus, sd_bus_message *m, const char *what,
		    const char *unit, struct sbx_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r = sd_bus_call(bus, m, (uint64_t)cg->timeout_ms * 1000, &e, &reply);

	if (r >= 0)
		return 0;
	if (r == -ETIMEDOUT)
		sbx_error_set(err, ETIMEDOUT,
			      "systemd: %s(%s): no answer within %u ms (systemd or D-Bus is not responding)",
			      what, unit, cg->timeout_ms);
	else if (sd_bus_error_is_set(&e))
		sbx_error_set(err, -r, "systemd: %s(%s): %s (%s)", what, unit,
			      e.message ? e.message : strerror(-r), e.name);
	else
		sbx_error_set(err, -r, "systemd: %s(%s): %s", what, unit, strerror(-r));
	if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists"))
		r = -EEXIST;
	else if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		r = -ENOENT;
	sd_bus_error_free(&e);
	return r;
}

static int new_call(sd_bus *bus, const char *method, sd_bus_message **ret)
{
	return sd_bus_message_new_method_call(bus, ret, "org.freedesktop.systemd1",
					      "/org/freedesktop/systemd1",
					      "org.freedesktop.systemd1.Manager", method);
}

/* Set the limits on user-UID.slice (runtime: gone at reboot).  Returns 0
 * or a negative errno. */
static int sd_user_open(struct sbx_cgroup *cg, const struct sbx_limits *lim,
			struct sbx_error *err)
{
	struct sbx_cg_sd_prop props[SBX_LIMIT__MAX];
	size_t n = sbx_cg_systemd_props(lim, props);
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	if (n == 0)
		return 0;
	r = bus_open(cg, &bus, err);
	if (r < 0)
		return r;
	r = new_call(bus, "SetUnitProperties", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", cg->name, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = sd_bus_message_append(m, "(sv)", props[i].name, "t", props[i].value);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0)
		return sbx_error_set(err, -r, "systemd: cannot build SetUnitProperties: %s", strerror(-r));
	return bus_call(cg, bus, m, "SetUnitProperties", cg->name, err);
}

static int scope_name(struct sbx_cgroup *cg, char **ret, struct sbx_error *err)
{
	if (asprintf(ret, "pam-sandbox-%u.scope", (unsigned)cg->uid) < 0)
		return sbx_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* Whether PID's cgroup ends in "/SUFFIX" (unified line, else name=systemd). */
static bool pid_in(struct sbx_cgroup *cg, pid_t pid, const char *suffix)
{
	static const char *const ctrls[] = { "", "name=systemd" };

	for (size_t i = 0; i < ELEMENTSOF(ctrls); i++) {
		_cleanup_free_ char *p = NULL;
		size_t pl, sl = strlen(suffix);

		if (sbx_cg_proc_path(cg->proc_root, cg->proc_fd, pid, ctrls[i], &p) < 0)
			continue;
		pl = strlen(p);
		if (pl > sl && strcmp(p + pl - sl, suffix) == 0 && p[pl - sl - 1] == '/')
			return true;
	}
	return false;
}

/* init: a transient scope of its own in the user's slice, then wait
 * (bounded) until /proc/PID/cgroup shows it.  Sessions: nothing is moved;
 * the PID is remembered for per-session usage.  Returns 0, -EEXIST (the
 * scope exists: an init is running), -EIO (not placed), or an errno. */
static int sd_attach(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_free_ char *scope = NULL, *slice_scope = NULL, *desc = NULL;
	uint64_t deadline;
	int r;

	if (strcmp(leaf, "init") != 0) {
		char *none[SBX_CG_MAX_HIER] = { NULL };

		if (sbx_cg_moved_add(cg, leaf, pid, none) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	r = scope_name(cg, &scope, err);
	if (r < 0)
		return r;
	if (asprintf(&slice_scope, "%s/%s", cg->name, scope) < 0 ||
	    asprintf(&desc, "pam_sandbox init of uid %u", (unsigned)cg->uid) < 0)
		return sbx_error_set(err, ENOMEM, "out of memory");
	r = bus_open(cg, &bus, err);
	if (r < 0)
		return r;
	r = new_call(bus, "StartTransientUnit", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", scope, "fail");
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sv)", 4,
					  "PIDs", "au", 1, (uint32_t)pid,
					  "Slice", "s", cg->name,
					  "Description", "s", desc,
					  "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return sbx_error_set(err, -r, "systemd: cannot build StartTransientUnit: %s", strerror(-r));
	r = bus_call(cg, bus, m, "StartTransientUnit", scope, err);
	if (r == -EEXIST)
		return sbx_error_prefix(err, "an init of this user runs already (or a stale one: "
					"sandboxctl stop): ");
	if (r < 0)
		return r;
	/* the start job runs after the reply: wait for the move, bounded */
	deadline = sbx_cg_now_ms() + cg->timeout_ms;
	while (!pid_in(cg, pid, slice_scope)) {
		if (sbx_cg_now_ms() > deadline)
			return sbx_error_set(err, EIO,
					     "placement of pid %d did not happen: not in %s after %u ms",
					     (int)pid, slice_scope, cg->timeout_ms);
		sbx_cg_sleep_ms(5);
	}
	return 0;
}

static int sd_leaf_close(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err)
{
	sbx_cg_moved_drop(cg, leaf);
	return 0;
}

/* User: the slice (read-only).  Session: the cgroup the remembered PID is
 * in now (its session-N.scope).  Returns 0 or -ENOENT. */
static int sd_usage(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		    struct sbx_error *err)
{
	struct sbx_cg_moved *m;

	if (!leaf)
		return sbx_cg_fs_usage(cg, NULL, ret, err);
	m = sbx_cg_moved_find(cg, leaf);
	if (!m)
		return sbx_error_set(err, ENOENT, "session %s is not known to this handle", leaf);
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_free_ char *rel = NULL, *dir = NULL;

		if (sbx_cg_proc_path(cg->proc_root, cg->proc_fd, m->pid, cg->h[i].ctrl, &rel) < 0)
			continue;
		dir = sbx_cg_join(cg->h[i].mount, rel);
		if (!dir)
			return sbx_error_set(err, ENOMEM, "out of memory");
		sbx_cg_fs_usage_dir(dir, ret);
	}
	return 0;
}

/* SIGKILL to the init's scope: with the init gone the kernel kills the
 * whole pid namespace of the sandbox.  A scope that is gone is fine.
 * Returns 0 or a negative errno. */
static int sd_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_free_ char *scope = NULL;
	int r;

	r = scope_name(cg, &scope, err);
	if (r < 0)
		return r;
	r = bus_open(cg, &bus, err);
	if (r < 0)
		return r;
	r = new_call(bus, "KillUnit", &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ssi", scope, "all", (int32_t)SIGKILL);
	if (r < 0)
		return sbx_error_set(err, -r, "systemd: cannot build KillUnit: %s", strerror(-r));
	r = bus_call(cg, bus, m, "KillUnit", scope, err);
	if (r == -ENOENT) {
		sbx_error_clear(err);
		return 0;
	}
	return r;
}

static int sd_user_remove(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return 0; /* systemd collects empty scopes; logind the slice */
}

#else /* !HAVE_LIBSYSTEMD: sbx_cgroup_detect() never selects this driver */

static int sd_unsupported(struct sbx_error *err)
{
	return sbx_error_set(err, EOPNOTSUPP, "pam_sandbox was built without libsystemd");
}

static int sd_user_open(struct sbx_cgroup *cg, const struct sbx_limits *lim,
			struct sbx_error *err)
{
	return sd_unsupported(err);
}

static int sd_attach(struct sbx_cgroup *cg, const char *leaf, pid_t pid, struct sbx_error *err)
{
	return sd_unsupported(err);
}

static int sd_leaf_close(struct sbx_cgroup *cg, const char *leaf, struct sbx_error *err)
{
	return sd_unsupported(err);
}

static int sd_usage(struct sbx_cgroup *cg, const char *leaf, struct sbx_cgroup_usage *ret,
		    struct sbx_error *err)
{
	return sd_unsupported(err);
}

static int sd_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return sd_unsupported(err);
}

static int sd_user_remove(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return sd_unsupported(err);
}

#endif

const struct sbx_cg_ops sbx_cg_ops_systemd = {
	.name = "systemd",
	.user_open = sd_user_open,
	.attach = sd_attach,
	.leaf_close = sd_leaf_close,
	.usage = sd_usage,
	.kill = sd_kill,
	.user_remove = sd_user_remove,
};
