/* Sending audit records through libaudit.  The only code of the audit
 * layer that talks to the kernel besides tty-audit.c; what to send is
 * decided in audit.c. */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/audit.h"
#include "sandbox/cleanup.h"

static void audit_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		audit_close(*fd);
		errno = saved;
	}
}

/* The text for a record the kernel could not take but that is allowed. */
static int dropped(struct sbx_error *err, int e)
{
	sbx_error_set(err, e, "audit records are being dropped: %s%s", strerror(e),
		      e == ECONNREFUSED ? " (not in the initial user/network namespace?)" :
		      e == EPERM ? " (no CAP_AUDIT_WRITE)" : " (kernel without audit)");
	return SBX_AUDIT_DROPPED;
}

int sbx_audit_send(const struct sbx_audit_record *rec, bool required, struct sbx_error *err)
{
	_cleanup_(audit_closep) int fd = -1;
	struct sbx_audit_msg m = { 0 };
	int r, e;

	r = sbx_audit_build(rec, &m, err);
	if (r < 0)
		return r;

	fd = audit_open();
	if (fd < 0) {
		e = errno;
		r = sbx_audit_classify(e, true, required);
		sbx_audit_msg_clear(&m);
		if (r == SBX_AUDIT_DROPPED)
			return dropped(err, e);
		return sbx_error_set(err, e, "audit: cannot open the audit socket: %s", strerror(e));
	}

	/* audit_log_user_message() returns > 0 when the kernel acked the
	 * record.  It hides ECONNREFUSED (and EPERM for non-root) as 0 with
	 * errno set, and returns a negative errno for anything else. */
	errno = 0;
	r = audit_log_user_message(fd, m.type, m.text, m.hostname, m.addr, m.terminal, m.result);
	e = r > 0 ? 0 : r < 0 ? -r : errno;
	if (r == 0 && e == 0)
		e = ECONNREFUSED; /* not acked and no reason given: not delivered */
	sbx_audit_msg_clear(&m);
	r = sbx_audit_classify(e, false, required);
	if (r == SBX_AUDIT_DROPPED)
		return dropped(err, e);
	if (r < 0)
		return sbx_error_set(err, e, "audit: cannot send the record: %s", strerror(e));
	return SBX_AUDIT_SENT;
}

int sbx_audit_check_daemon(struct sbx_error *err)
{
	_cleanup_(audit_closep) int fd = -1;
	struct audit_reply rep;
	int r, e;

	fd = audit_open();
	if (fd < 0) {
		e = errno;
		return sbx_error_set(err, ENOTCONN, "audit is required but the kernel has no audit support: %s",
				     strerror(e));
	}
	r = audit_request_status(fd);
	if (r <= 0) {
		e = r < 0 ? -r : EIO;
		return sbx_error_set(err, ENOTCONN, "audit is required but its status cannot be read: %s",
				     strerror(e));
	}
	for (int tries = 0; tries < 10; tries++) {
		/* Bounded wait: this runs in the login path. */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 500) <= 0)
			break;
		r = audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0);
		if (r <= 0)
			break;
		if (rep.type == NLMSG_ERROR && rep.error->error)
			return sbx_error_set(err, ENOTCONN, "audit is required but its status cannot be read: %s",
					     strerror(-rep.error->error));
		if (rep.type != AUDIT_GET)
			continue;
		if (!rep.status->enabled)
			return sbx_error_set(err, ENOTCONN, "audit is required but disabled in the kernel (auditctl -e 1)");
		if (!rep.status->pid)
			return sbx_error_set(err, ENOTCONN, "audit is required but no audit daemon is running");
		return 0;
	}
	return sbx_error_set(err, ENOTCONN, "audit is required but its status cannot be read");
}
