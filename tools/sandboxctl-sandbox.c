/* sandboxctl list / enter / stop / gc: the live sandboxes, through the
 * engine's state directory (settings.state_dir of the configuration). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "sandbox/cgroup.h"
#include "sandbox/cleanup.h"
#include "sandbox/config.h"
#include "sandbox/identity.h"
#include "sandbox/sandbox.h"
#include "sandboxctl-cmds.h"

SBX_DEFINE_CLEANUP(struct sbx_config, sbx_config_free)
SBX_DEFINE_CLEANUP(struct sbx_user, sbx_user_free)

/* The state directory comes from the configuration, so sandboxctl and the
 * module always agree on it. */
static int load(const struct ctl_opts *o, struct sbx_config **cfg)
{
	struct sbx_error err = SBX_ERROR_INIT;

	if (sbx_config_load(o->conf, cfg, &err) < 0) {
		ctl_print_error(&err);
		sbx_error_clear(&err);
		return -1;
	}
	return 0;
}

static int lookup(const char *name, struct sbx_user **u)
{
	struct sbx_error err = SBX_ERROR_INIT;

	if (sbx_user_lookup(name, u, &err) < 0) {
		ctl_print_error(&err);
		sbx_error_clear(&err);
		return -1;
	}
	return 0;
}

/* The module's view of the state and cgroups, from the configuration. */
static struct sbx_paths paths_of(const struct sbx_config *cfg, struct sbx_cgroup_env *env)
{
	sbx_cgroup_env_init(env, &cfg->settings);
	return (struct sbx_paths){
		.state_dir = cfg->settings.state_dir,
		.cgroup = cfg->settings.cgroup_driver == SBX_CGROUP_NONE ? NULL : env,
	};
}

static int fail(struct sbx_error *err)
{
	ctl_print_error(err);
	sbx_error_clear(err);
	return CTL_FAIL;
}

/* Resource use of one user's cgroup (SID NULL) or one of its sessions. */
static bool usage_of(struct sbx_cgroup *cg, const char *sid, struct sbx_cgroup_usage *u)
{
	return cg && sbx_cgroup_usage(cg, sid, u, NULL) == 0 && u->known;
}

static void json_usage(struct json *j, const char *key, const struct sbx_cgroup_usage *u)
{
	json_begin_object(j, key);
	if (u->known & SBX_CGUSE_MEM_CURRENT)
		json_uint(j, "memory_current", u->mem_current);
	if (u->known & SBX_CGUSE_MEM_PEAK)
		json_uint(j, "memory_peak", u->mem_peak);
	if (u->known & SBX_CGUSE_PIDS)
		json_uint(j, "pids", u->pids);
	if (u->known & SBX_CGUSE_CPU_USEC)
		json_uint(j, "cpu_usec", u->cpu_usec);
	if (u->known & SBX_CGUSE_OOM_KILLS)
		json_uint(j, "oom_kills", u->oom_kills);
	json_end_object(j);
}

/* "  mem 12.3M peak 40.0M pids 3 cpu 1.25s oom 0", what the host reports. */
static void text_usage(const struct sbx_cgroup_usage *u)
{
	if (u->known & SBX_CGUSE_MEM_CURRENT)
		printf(" mem %.1fM", (double)u->mem_current / 1048576.0);
	if (u->known & SBX_CGUSE_MEM_PEAK)
		printf(" peak %.1fM", (double)u->mem_peak / 1048576.0);
	if (u->known & SBX_CGUSE_PIDS)
		printf(" pids %llu", (unsigned long long)u->pids);
	if (u->known & SBX_CGUSE_CPU_USEC)
		printf(" cpu %.2fs", (double)u->cpu_usec / 1e6);
	if (u->known & SBX_CGUSE_OOM_KILLS)
		printf(" oom-kills %llu", (unsigned long long)u->oom_kills);
}

int ctl_list(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_sandbox_info *v = NULL;
	struct sbx_paths paths;
	struct sbx_cgroup_env env;
	struct json j;
	size_t n = 0;

	(void)argv;
	if (argc != 1) {
		fputs("sandboxctl: list takes no arguments\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0)
		return CTL_FAIL;
	paths = paths_of(cfg, &env);
	if (sbx_sandbox_list(&paths, &v, &n, &err) < 0)
		return fail(&err);

	if (o->json) {
		json_init(&j, stdout);
		json_begin_array(&j, NULL);
	} else {
		printf("%-16s %-7s %-12s %8s %8s %-6s %s\n", "USER", "UID", "ROLE", "SESSIONS",
		       "INIT", "LINGER", "SINCE");
	}
	for (size_t i = 0; i < n; i++) {
		struct sbx_cgroup *cg = NULL;
		struct sbx_cgroup_usage u;
		char **sids = NULL;

		/* Usage comes from the cgroups; a host without a driver has none. */
		if (paths.cgroup && sbx_cgroup_user_get(paths.cgroup, v[i].uid, &cg, NULL) == 0)
			(void)sbx_cgroup_sessions(cg, &sids, NULL);
		if (o->json) {
			json_begin_object(&j, NULL);
			json_string(&j, "user", v[i].user);
			json_uint(&j, "uid", v[i].uid);
			json_string(&j, "role", v[i].role);
			json_string(&j, "sandbox", v[i].id);
			json_uint(&j, "sessions", v[i].sessions);
			json_int(&j, "init_pid", v[i].init_pid);
			json_int(&j, "since", (int64_t)v[i].since);
			json_bool(&j, "linger", v[i].linger);
			json_string(&j, "cgroup", cg ? sbx_cgroup_path(cg) : NULL);
			if (usage_of(cg, NULL, &u))
				json_usage(&j, "usage", &u);
			json_begin_array(&j, "session_usage");
			for (char **sid = sids; sid && *sid; sid++) {
				json_begin_object(&j, NULL);
				json_string(&j, "session", *sid);
				if (usage_of(cg, *sid, &u))
					json_usage(&j, "usage", &u);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		} else {
			char since[32];
			struct tm tm;

			strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S",
				 localtime_r(&v[i].since, &tm));
			printf("%-16s %-7u %-12s %8u %8d %-6s %s\n", v[i].user, (unsigned)v[i].uid,
			       v[i].role, v[i].sessions, (int)v[i].init_pid,
			       v[i].linger ? "yes" : "no", since);
			if (usage_of(cg, NULL, &u)) {
				printf("  total:");
				text_usage(&u);
				printf("\n");
			}
			for (char **sid = sids; sid && *sid; sid++) {
				if (!usage_of(cg, *sid, &u))
					continue;
				printf("  session %s:", *sid);
				text_usage(&u);
				printf("\n");
			}
		}
		sbx_strv_free(sids);
		sbx_cgroup_free(cg);
	}
	if (o->json)
		json_end_array(&j);
	sbx_sandbox_info_free(v, n);
	return CTL_OK;
}

int ctl_enter(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *u = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_paths paths;
	struct sbx_cgroup_env env;
	static char sh[] = "/bin/sh";
	char *shell[] = { sh, NULL };
	char **cmd = argc > 2 ? argv + 2 : shell;
	pid_t pid;
	int status;

	if (argc < 2) {
		fputs("sandboxctl: usage: sandboxctl enter USER [CMD [ARGS...]]\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0 || lookup(argv[1], &u) < 0)
		return CTL_FAIL;
	paths = paths_of(cfg, &env);
	if (sbx_sandbox_enter(&paths, u->uid, &err) < 0)
		return fail(&err);
	/* The pid namespace applies to children only: run CMD in one. */
	pid = fork();
	if (pid < 0) {
		perror("sandboxctl: fork");
		return CTL_FAIL;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "sandboxctl: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("sandboxctl: waitpid");
			return CTL_FAIL;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int ctl_stop(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *u = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_paths paths;
	struct sbx_cgroup_env env;

	if (argc != 2) {
		fputs("sandboxctl: usage: sandboxctl stop USER\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0 || lookup(argv[1], &u) < 0)
		return CTL_FAIL;
	paths = paths_of(cfg, &env);
	if (sbx_sandbox_stop(&paths, u->uid, &err) < 0)
		return fail(&err);
	if (!o->json)
		printf("stopped the sandbox of %s\n", u->name);
	return CTL_OK;
}

int ctl_gc(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_paths paths;
	struct sbx_cgroup_env env;
	unsigned removed = 0;

	(void)argv;
	if (argc != 1) {
		fputs("sandboxctl: gc takes no arguments\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0)
		return CTL_FAIL;
	paths = paths_of(cfg, &env);
	if (sbx_sandbox_gc(&paths, &removed, &err) < 0)
		return fail(&err);
	if (o->json)
		printf("{\"removed\":%u}\n", removed);
	else
		printf("removed %u stale sandbox%s\n", removed, removed == 1 ? "" : "es");
	return CTL_OK;
}
