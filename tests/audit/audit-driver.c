/* Test driver for the real-auditd tests: sends the records pam_sandbox
 * sends, through the same code, from a process whose login uid the test
 * has set (audit-records.sh writes /proc/self/loginuid before exec'ing us).
 *
 *   audit-driver identity           print "loginuid=N sessionid=N" or the error
 *   audit-driver records USER       send one record of each kind for USER
 *   audit-driver send EVENT USER    send one record: start join exempt refuse
 *                                   limit stop error unconfined
 *   audit-driver tty-get            print "enabled=N log_passwd=N"
 *   audit-driver tty-cycle          enable (log_passwd), print, restore, print
 *   audit-driver tty-exec CMD...    enable TTY auditing, then exec CMD
 *   audit-driver daemon             sbx_audit_check_daemon()
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/audit.h"

static int send_one(const char *what, const struct sbx_audit_record *rec)
{
	struct sbx_error err = SBX_ERROR_INIT;
	int r = sbx_audit_send(rec, true, &err);

	printf("%s: %d%s%s\n", what, r, r ? " " : "", r ? sbx_error_text(&err) : "");
	sbx_error_clear(&err);
	return r;
}

static int send_event(const char *ev, const char *user)
{
	struct sbx_limits lim = { 0 };
	struct sbx_audit_record rec = {
		.user = user, .sandbox_id = "sbx-1", .role = "developer",
		.cgroup = "/sys/fs/cgroup/unified/pam_sandbox/u/sess 1",
		.ns = { .mnt = 4026532177, .pid = 4026532180, .net = 4026532181,
			.ipc = 4026532178, .uts = 4026532179 },
		.limits = &lim, .rhost = "203.0.113.7", .terminal = "pts/3",
	};

	lim.value[SBX_LIMIT_MEMORY] = 1073741824;
	lim.value[SBX_LIMIT_PIDS] = 256;
	lim.value[SBX_LIMIT_CPUS] = 1500;
	lim.set = (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_PIDS) | (1u << SBX_LIMIT_CPUS);
	if (!strcmp(ev, "start")) {
		rec.event = SBX_AUDIT_START;
	} else if (!strcmp(ev, "join")) {
		rec.event = SBX_AUDIT_JOIN;
	} else if (!strcmp(ev, "exempt")) {
		rec = (struct sbx_audit_record){ .event = SBX_AUDIT_EXEMPT, .user = user,
						 .role = "admin", .rhost = "203.0.113.8",
						 .terminal = "pts/4" };
	} else if (!strcmp(ev, "refuse") || !strcmp(ev, "limit")) {
		rec = (struct sbx_audit_record){ .event = ev[0] == 'r' ? SBX_AUDIT_REFUSE : SBX_AUDIT_SESSION_LIMIT,
						 .reason = SBX_AUDIT_REASON_MAX_SESSIONS,
						 .user = user, .role = "developer",
						 .rhost = "198.51.100.9", .terminal = "ssh" };
	} else if (!strcmp(ev, "stop")) {
		rec.event = SBX_AUDIT_STOP;
		rec.reason = SBX_AUDIT_REASON_LOGOUT;
		rec.limits = NULL;
		rec.usage = (struct sbx_audit_usage){ .mem_peak = 73400320, .oom_kill = 0,
						      .cpu_usec = 1234567,
						      .set = SBX_AUDIT_USAGE_MEM_PEAK |
							     SBX_AUDIT_USAGE_OOM_KILL |
							     SBX_AUDIT_USAGE_CPU_USEC };
	} else if (!strcmp(ev, "error")) {
		rec.event = SBX_AUDIT_ERROR;
		rec.reason = SBX_AUDIT_REASON_TEARDOWN_FAILED;
	} else if (!strcmp(ev, "unconfined")) {
		rec.event = SBX_AUDIT_UNCONFINED;
		rec.reason = SBX_AUDIT_REASON_MOUNT_FAILED;
	} else {
		return 2;
	}
	return send_one(ev, &rec) != 0;
}

static int records(const char *user)
{
	struct sbx_limits lim = { 0 };
	int fails = 0;

	lim.value[SBX_LIMIT_MEMORY] = 4294967296ull;
	lim.value[SBX_LIMIT_PIDS] = 512;
	lim.value[SBX_LIMIT_CPUS] = 2000;
	lim.set = (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_PIDS) | (1u << SBX_LIMIT_CPUS);

	struct sbx_audit_record start = {
		.event = SBX_AUDIT_START,
		.user = user,
		.sandbox_id = "sbx-test-1",
		.role = "developer",
		.cgroup = "/sys/fs/cgroup/unified/pam_sandbox/it's here",
		.ns = { .mnt = 4026532177, .pid = 4026532180, .net = 4026532181 },
		.limits = &lim,
		.rhost = "203.0.113.7",
		.terminal = "/dev/pts/3",
	};
	fails += send_one("start", &start) != 0;

	struct sbx_audit_record join = start;
	join.event = SBX_AUDIT_JOIN;
	fails += send_one("join", &join) != 0;

	struct sbx_audit_record refuse = {
		.event = SBX_AUDIT_REFUSE, .reason = SBX_AUDIT_REASON_MAX_SESSIONS,
		.user = user, .role = "developer", .rhost = "198.51.100.9", .terminal = "ssh",
	};
	fails += send_one("refuse", &refuse) != 0;
	refuse.event = SBX_AUDIT_SESSION_LIMIT;
	fails += send_one("limit", &refuse) != 0;

	struct sbx_audit_record error = {
		.event = SBX_AUDIT_ERROR, .reason = SBX_AUDIT_REASON_TEARDOWN_FAILED,
		.user = user, .sandbox_id = "sbx-test-1", .role = "developer",
		.rhost = "203.0.113.7", .terminal = "pts/3",
	};
	fails += send_one("error", &error) != 0;

	struct sbx_audit_record stop = {
		.event = SBX_AUDIT_STOP, .reason = SBX_AUDIT_REASON_LOGOUT,
		.user = user, .sandbox_id = "sbx-test-1", .role = "developer",
		.usage = { .mem_peak = 73400320, .oom_kill = 1, .cpu_usec = 123456,
			   .set = SBX_AUDIT_USAGE_MEM_PEAK | SBX_AUDIT_USAGE_OOM_KILL |
				  SBX_AUDIT_USAGE_CPU_USEC },
		.rhost = "203.0.113.7", .terminal = "pts/3",
	};
	fails += send_one("stop", &stop) != 0;

	struct sbx_audit_record exempt = {
		.event = SBX_AUDIT_EXEMPT, .user = user, .role = "admin",
		.rhost = "203.0.113.8", .terminal = "pts/4",
	};
	fails += send_one("exempt", &exempt) != 0;
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_tty_audit_state st, old;
	uint32_t uid, ses;
	int r;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "identity")) {
		r = sbx_audit_identity("/proc", &uid, &ses, &err);
		if (r < 0) {
			printf("error=%d %s\n", -r, sbx_error_text(&err));
			return 1;
		}
		printf("loginuid=%u sessionid=%u\n", uid, ses);
		return 0;
	}
	if (!strcmp(argv[1], "send") && argc == 4)
		return send_event(argv[2], argv[3]);
	if (!strcmp(argv[1], "records") && argc == 3)
		return records(argv[2]);
	if (!strcmp(argv[1], "daemon")) {
		r = sbx_audit_check_daemon(&err);
		printf("daemon: %d %s\n", r, r ? sbx_error_text(&err) : "ok");
		return r ? 1 : 0;
	}
	if (!strcmp(argv[1], "tty-exec") && argc >= 3) {
		r = sbx_tty_audit_enable(false, &old, &err);
		if (r < 0) {
			printf("error: %s\n", sbx_error_text(&err));
			return 1;
		}
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (!strcmp(argv[1], "tty-get")) {
		r = sbx_tty_audit_get(&st, &err);
		if (r < 0) {
			printf("error: %s\n", sbx_error_text(&err));
			return 1;
		}
		printf("enabled=%u log_passwd=%u\n", st.enabled, st.log_passwd);
		return 0;
	}
	if (!strcmp(argv[1], "tty-cycle")) {
		r = sbx_tty_audit_enable(true, &old, &err);
		if (r < 0) {
			printf("error: %s\n", sbx_error_text(&err));
			return 1;
		}
		r = sbx_tty_audit_get(&st, &err);
		if (r < 0)
			return 1;
		printf("on: enabled=%u log_passwd=%u\n", st.enabled, st.log_passwd);
		r = sbx_tty_audit_restore(&old, &err);
		if (r < 0) {
			printf("error: %s\n", sbx_error_text(&err));
			return 1;
		}
		r = sbx_tty_audit_get(&st, &err);
		if (r < 0)
			return 1;
		printf("restored: enabled=%u log_passwd=%u\n", st.enabled, st.log_passwd);
		return 0;
	}
	return 2;
}
