/* Audit records of pam_sandbox: what is sent to the kernel audit subsystem
 * from the PAM process, how it is encoded so that no user-controlled string
 * can forge a field, and what happens when the kernel cannot take it.
 *
 * Three layers, apart so the first two can be unit tested:
 *   - building a record (audit.c, pure): struct sbx_audit_record -> the
 *     message text handed to libaudit, with every untrusted string encoded;
 *   - the failure policy (audit.c, pure): errno of a failed open/send ->
 *     "sent", "dropped (fine)", or "refuse";
 *   - sending (audit-send.c) and TTY auditing (tty-audit.c): the only code
 *     here that talks to the kernel.
 *
 * Record types (see pam_sandbox(8), "AUDIT RECORDS"):
 *   USER_START  op=sandbox-start   a sandbox was created for the session
 *   USER_START  op=sandbox-join    the session joined the user's sandbox
 *   USER_START  op=sandbox-start sandbox=exempt   exempt role, not confined
 *   USER_START  op=sandbox-start res=failed reason=TOKEN   session refused
 *   ANOM_LOGIN_SESSIONS op=sandbox-deny reason=max-sessions  (with the above)
 *   USER_END    op=sandbox-stop    session closed, with usage
 *   USER_ERR    op=sandbox-error reason=TOKEN        internal error (teardown)
 *   USER_ERR    op=sandbox-unconfined reason=TOKEN   setup failed, on_error=allow
 * libaudit appends exe= hostname= addr= terminal= res=; the kernel adds
 * pid uid auid ses. */
#ifndef SANDBOX_AUDIT_H
#define SANDBOX_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/config.h"
#include "sandbox/error.h"

/* The fixed table of reason tokens (reason= field).  Append only: the
 * tokens are an interface for auditors' searches. */
enum sbx_audit_reason {
	SBX_AUDIT_REASON_NONE = 0,      /* no reason= field */
	SBX_AUDIT_REASON_LOGOUT,        /* "logout": normal session close */
	SBX_AUDIT_REASON_CONFIG_INVALID,   /* "config-invalid" */
	SBX_AUDIT_REASON_ROLE_DENY,        /* "role-deny": role assignment says deny */
	SBX_AUDIT_REASON_USER_UNKNOWN,     /* "user-unknown": NSS lookup failed */
	SBX_AUDIT_REASON_NO_LOGINUID,      /* "no-loginuid": pam_loginuid missing/after us */
	SBX_AUDIT_REASON_NAMESPACE_FAILED, /* "namespace-failed" */
	SBX_AUDIT_REASON_MOUNT_FAILED,     /* "mount-failed" */
	SBX_AUDIT_REASON_CGROUP_FAILED,    /* "cgroup-failed" */
	SBX_AUDIT_REASON_NETWORK_FAILED,   /* "network-failed" */
	SBX_AUDIT_REASON_PRIVILEGES_FAILED, /* "privileges-failed" */
	SBX_AUDIT_REASON_MAX_SESSIONS,     /* "max-sessions": session.max_sessions reached */
	SBX_AUDIT_REASON_AUDIT_FAILED,     /* "audit-failed": audit required but unavailable */
	SBX_AUDIT_REASON_STATE_FAILED,     /* "state-failed": state directory / lock */
	SBX_AUDIT_REASON_TEARDOWN_FAILED,  /* "teardown-failed" (USER_ERR) */
	SBX_AUDIT_REASON_INTERNAL,         /* "internal": anything else */
	SBX_AUDIT_REASON__MAX
};

/* The token of a reason ("mount-failed"); NULL for NONE or out of range. */
const char *sbx_audit_reason_name(enum sbx_audit_reason r);
/* The reason for a token, or -1 when unknown. */
int sbx_audit_reason_from_name(const char *name);

enum sbx_audit_event {
	SBX_AUDIT_START,      /* USER_START op=sandbox-start res=success */
	SBX_AUDIT_JOIN,       /* USER_START op=sandbox-join res=success */
	SBX_AUDIT_EXEMPT,     /* USER_START op=sandbox-start sandbox=exempt res=success */
	SBX_AUDIT_REFUSE,     /* USER_START op=sandbox-start res=failed reason= */
	SBX_AUDIT_SESSION_LIMIT, /* ANOM_LOGIN_SESSIONS op=sandbox-deny res=failed */
	SBX_AUDIT_STOP,       /* USER_END op=sandbox-stop (res=success) */
	SBX_AUDIT_ERROR,      /* USER_ERR op=sandbox-error res=failed reason= */
	SBX_AUDIT_UNCONFINED, /* USER_ERR op=sandbox-unconfined res=failed reason= */
	SBX_AUDIT_EVENT__MAX
};

/* Namespace inode numbers (from /proc/PID/ns/X of a process inside the
 * sandbox); 0 = not recorded. */
struct sbx_audit_ns {
	uint64_t mnt, pid, net, ipc, uts, cgroup;
};

/* Resource use at stop; a field is written when its bit is in `set`. */
enum {
	SBX_AUDIT_USAGE_MEM_PEAK = 1u << 0, /* bytes */
	SBX_AUDIT_USAGE_OOM_KILL = 1u << 1, /* count */
	SBX_AUDIT_USAGE_CPU_USEC = 1u << 2, /* microseconds */
};
struct sbx_audit_usage {
	uint64_t mem_peak, oom_kill, cpu_usec;
	unsigned set;
};

/* Everything one record may say.  Strings may be NULL (field omitted, or
 * "?" for the fields libaudit always writes).  Untrusted strings (user,
 * cgroup, hostname, terminal) may hold anything: the builder encodes them. */
struct sbx_audit_record {
	enum sbx_audit_event event;
	enum sbx_audit_reason reason;
	const char *user;       /* acct=, encoded */
	const char *sandbox_id; /* sandbox=; [A-Za-z0-9._-] or written as "?" */
	const char *role;       /* sandbox-role=; [A-Za-z0-9._-] or written as "?" */
	const char *cgroup;     /* cgroup=, encoded */
	struct sbx_audit_ns ns;
	const struct sbx_limits *limits; /* mem-max= ... only those set; NULL none */
	struct sbx_audit_usage usage;    /* at stop */
	const char *rhost;    /* PAM_RHOST: an address or a host name */
	const char *terminal; /* PAM_TTY */
};

/* The message and the arguments for audit_log_user_message(), all
 * owned by this struct and safe to pass as they are. */
struct sbx_audit_msg {
	int type;        /* AUDIT_USER_START, ... */
	char *text;      /* "op=sandbox-start acct=... sandbox=... ..." */
	char *hostname;  /* never NULL (no DNS lookup in libaudit) */
	char *addr;      /* never NULL or empty (ditto) */
	char *terminal;  /* never NULL or empty ("?" when unknown) */
	int result;      /* 1 success, 0 failed: libaudit writes res= last */
};

/* Build the record (pure: no system calls).  Returns 0, -EINVAL (event out
 * of range), -ENOMEM.  Free with sbx_audit_msg_clear(). */
int sbx_audit_build(const struct sbx_audit_record *rec, struct sbx_audit_msg *ret,
		    struct sbx_error *err);
void sbx_audit_msg_clear(struct sbx_audit_msg *msg);

/* Encode VALUE as NAME=VALUE the way the audit tools decode it: quoted when
 * every byte is in [A-Za-z0-9._/:@+,~-], hex otherwise (libaudit's own check
 * misses `'` and `=`, which is how a name like "bob res=success' auid=0"
 * would forge a field).  Only use it for fields the tools decode (acct,
 * cgroup, ...).  Returns a malloc'd string or NULL (ENOMEM). */
char *sbx_audit_encode_field(const char *name, const char *value);

/* Whether S is a plain token [A-Za-z0-9._-]{1,64}: safe unencoded. */
bool sbx_audit_token_ok(const char *s);

/* Whether NAME is a field name that ausearch's substring matching would
 * confuse with one of its own (ends in uid, res, ses, acct, exe, ...). */
bool sbx_audit_field_name_bad(const char *name);

/* ---- failure policy (pure) ------------------------------------------- */

/* Result of an audit operation. */
enum {
	SBX_AUDIT_SENT = 0,
	SBX_AUDIT_DROPPED = 1, /* kernel cannot take it; fine since not required */
};

/* What ERRNO_VAL (positive) from opening the audit socket (AT_OPEN) or
 * sending a record means.  Like libpam: a kernel without audit
 * (EPROTONOSUPPORT, EINVAL, EAFNOSUPPORT at open), ECONNREFUSED (a
 * container: the kernel drops records of non-initial namespaces) and EPERM
 * (no CAP_AUDIT_WRITE) are SBX_AUDIT_DROPPED unless REQUIRED; 0 is SENT;
 * anything else is -ERRNO_VAL (refuse sandbox-start). */
int sbx_audit_classify(int errno_val, bool at_open, bool required);

/* ---- identity -------------------------------------------------------- */

#define SBX_AUDIT_ID_UNSET UINT32_MAX

/* Parse the contents of /proc/self/loginuid or /proc/self/sessionid.
 * Returns 0 and the number (SBX_AUDIT_ID_UNSET for "4294967295" or "-1"),
 * or -EINVAL. */
int sbx_audit_parse_id(const char *text, uint32_t *ret);

/* Check that this process has a login uid and an audit session id, i.e.
 * that pam_loginuid ran before pam_sandbox.  PROC is the proc root
 * ("/proc"; tests pass a directory).  Returns 0 (both set, *ret_* filled),
 * -ENODATA (unset: the message says pam_loginuid must run before
 * pam_sandbox), -ENOENT (kernel without audit: no such files), or another
 * negative errno.  The caller refuses the session (reason no-loginuid) when
 * audit is required and this fails. */
int sbx_audit_identity(const char *proc, uint32_t *ret_loginuid, uint32_t *ret_sessionid,
		       struct sbx_error *err);

/* ---- sending (audit-send.c) ------------------------------------------ */

/* Build and send one record.  Returns SBX_AUDIT_SENT, SBX_AUDIT_DROPPED
 * (err then holds one line to log once, "audit records are being dropped:
 * ..."), or a negative errno: the caller refuses the session when the
 * record was a start, and in any case logs err. */
int sbx_audit_send(const struct sbx_audit_record *rec, bool required, struct sbx_error *err);

/* When audit is required: check that the kernel has auditing enabled and an
 * audit daemon registered (otherwise records vanish without an error).
 * Returns 0, or -ENOTCONN with a message. */
int sbx_audit_check_daemon(struct sbx_error *err);

/* ---- kernel rules (audit-rules.c) ------------------------------------ */

/* The rules file: --loginuid-immutable, then exec (key sandbox-exec),
 * denied opens (sandbox-denied) and namespace/mount syscalls (sandbox-ns),
 * for b64 and b32, filtered on auid >= UID_MIN, auid set, and auid not one
 * of EXCLUDE.  NOTE (comment lines, may be NULL) goes in the header.
 * conf/audit/pam_sandbox.rules is this text for (1000, none, NULL).
 * Returns 0 and a malloc'd text, -E2BIG (more exclusions than a rule
 * holds), -ENOMEM. */
int sbx_audit_rules_text(uint32_t uid_min, const uint32_t *exclude, size_t n_exclude,
			 const char *note, char **ret, struct sbx_error *err);

/* The login uids (>= UID_MIN) of users the configuration leaves
 * unconfined: exempt roles and "none", found among the users and the
 * members of the groups named in the role assignment (name service
 * lookups).  *RET_NOTE gets "## ..." comment lines naming them.  Returns 0
 * or -ENOMEM. */
int sbx_audit_rules_exempt(const struct sbx_config *cfg, uint32_t uid_min, uint32_t **ret,
			   size_t *ret_n, char **ret_note, struct sbx_error *err);

/* ---- TTY auditing (tty-audit.c) -------------------------------------- */

/* The TTY audit state of the calling process, saved so close can restore
 * it (keep it with pam_set_data between open and close). */
struct sbx_tty_audit_state {
	uint32_t enabled;
	uint32_t log_passwd;
};

/* Switch TTY input auditing on for this process and the processes it
 * starts (the sandboxed session), saving the old state in *OLD.  Must run
 * in the PAM process: it needs CAP_AUDIT_CONTROL and the initial pid
 * namespace.  Returns 0, or a negative errno (-EPROTONOSUPPORT etc. when
 * the kernel has no audit; -EPERM without the capability). */
int sbx_tty_audit_enable(bool log_passwd, struct sbx_tty_audit_state *old, struct sbx_error *err);

/* Put back the state saved by sbx_tty_audit_enable().  Returns 0 or a
 * negative errno. */
int sbx_tty_audit_restore(const struct sbx_tty_audit_state *old, struct sbx_error *err);

/* The current state (tests and sandboxctl). */
int sbx_tty_audit_get(struct sbx_tty_audit_state *ret, struct sbx_error *err);

#endif
