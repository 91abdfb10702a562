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

static int fail(struct sbx_error *err)
{
	ctl_print_error(err);
	sbx_error_clear(err);
	return CTL_FAIL;
}

int ctl_list(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_sandbox_info *v = NULL;
	struct sbx_paths paths;
	size_t n = 0;

	(void)argv;
	if (argc != 1) {
		fputs("sandboxctl: list takes no arguments\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0)
		return CTL_FAIL;
	paths = (struct sbx_paths){ .state_dir = cfg->settings.state_dir };
	if (sbx_sandbox_list(&paths, &v, &n, &err) < 0)
		return fail(&err);

	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_array(&j, NULL);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&j, NULL);
			json_string(&j, "user", v[i].user);
			json_uint(&j, "uid", v[i].uid);
			json_string(&j, "role", v[i].role);
			json_uint(&j, "sessions", v[i].sessions);
			json_int(&j, "init_pid", v[i].init_pid);
			json_int(&j, "since", (int64_t)v[i].since);
			json_bool(&j, "linger", v[i].linger);
			json_end_object(&j);
		}
		json_end_array(&j);
	} else {
		printf("%-16s %-7s %-12s %8s %8s %-6s %s\n", "USER", "UID", "ROLE", "SESSIONS",
		       "INIT", "LINGER", "SINCE");
		for (size_t i = 0; i < n; i++) {
			char since[32];
			struct tm tm;

			strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S",
				 localtime_r(&v[i].since, &tm));
			printf("%-16s %-7u %-12s %8u %8d %-6s %s\n", v[i].user, (unsigned)v[i].uid,
			       v[i].role, v[i].sessions, (int)v[i].init_pid,
			       v[i].linger ? "yes" : "no", since);
		}
	}
	sbx_sandbox_info_free(v, n);
	return CTL_OK;
}

int ctl_enter(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *u = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_paths paths;
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
	paths = (struct sbx_paths){ .state_dir = cfg->settings.state_dir };
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

	if (argc != 2) {
		fputs("sandboxctl: usage: sandboxctl stop USER\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0 || lookup(argv[1], &u) < 0)
		return CTL_FAIL;
	paths = (struct sbx_paths){ .state_dir = cfg->settings.state_dir };
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
	unsigned removed = 0;

	(void)argv;
	if (argc != 1) {
		fputs("sandboxctl: gc takes no arguments\n", stderr);
		return CTL_USAGE;
	}
	if (load(o, &cfg) < 0)
		return CTL_FAIL;
	paths = (struct sbx_paths){ .state_dir = cfg->settings.state_dir };
	if (sbx_sandbox_gc(&paths, &removed, &err) < 0)
		return fail(&err);
	if (o->json)
		printf("{\"removed\":%u}\n", removed);
	else
		printf("removed %u stale sandbox%s\n", removed, removed == 1 ? "" : "es");
	return CTL_OK;
}
