/* TTY input auditing per role, as pam_tty_audit does it: AUDIT_TTY_SET on
 * the PAM process, inherited by everything the session starts; the old
 * state is saved and put back at close.
 *
 * The kernel allows this only with CAP_AUDIT_CONTROL in the initial pid
 * namespace, so it runs in the PAM process before the session's processes
 * move into the sandbox (../shared/reference/audit.md, section 5). */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "sandbox/audit.h"
#include "sandbox/cleanup.h"

/* libaudit has no public call for AUDIT_TTY_GET/SET, so talk netlink
 * directly, as pam_tty_audit does. */
static int nl_open(struct sbx_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0)
		return sbx_error_set(err, errno, "tty audit: cannot open the audit socket: %s",
				     strerror(errno));
	return fd;
}

/* Send TYPE with PAYLOAD, asking for an ack.  Returns 0 or -errno. */
static int nl_send(int fd, int type, const void *payload, size_t len)
{
	struct {
		struct nlmsghdr nlh;
		struct audit_tty_status s;
	} req = { 0 };
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	ssize_t n;

	req.nlh.nlmsg_len = NLMSG_LENGTH(len);
	req.nlh.nlmsg_type = (uint16_t)type;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nlh.nlmsg_seq = 1;
	if (len)
		memcpy(&req.s, payload, len);
	do
		n = sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&addr, sizeof(addr));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* Read replies until the ack (and, for GET, the status) came.  Bounded:
 * this runs in the login path.  Returns 0 or -errno. */
static int nl_wait(int fd, struct audit_tty_status *ret)
{
	bool acked = false, got = ret == NULL;
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	} u;

	while (!acked || !got) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, &u, sizeof(u), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = &u.nlh; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error)
					return e->error;
				acked = true;
			} else if (h->nlmsg_type == AUDIT_TTY_GET && ret) {
				size_t len = h->nlmsg_len - NLMSG_HDRLEN;
				memset(ret, 0, sizeof(*ret));
				memcpy(ret, NLMSG_DATA(h), len < sizeof(*ret) ? len : sizeof(*ret));
				got = true;
			}
		}
	}
	return 0;
}

int sbx_tty_audit_get(struct sbx_tty_audit_state *ret, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1;
	struct audit_tty_status s;
	int r;

	fd = nl_open(err);
	if (fd < 0)
		return fd;
	r = nl_send(fd, AUDIT_TTY_GET, NULL, 0);
	if (r >= 0)
		r = nl_wait(fd, &s);
	if (r < 0)
		return sbx_error_set(err, -r, "tty audit: AUDIT_TTY_GET: %s", strerror(-r));
	ret->enabled = s.enabled;
	ret->log_passwd = s.log_passwd;
	return 0;
}

static int tty_set(uint32_t enabled, uint32_t log_passwd, struct sbx_error *err)
{
	_cleanup_close_ int fd = -1;
	struct audit_tty_status s = { .enabled = enabled, .log_passwd = log_passwd };
	int r;

	fd = nl_open(err);
	if (fd < 0)
		return fd;
	r = nl_send(fd, AUDIT_TTY_SET, &s, sizeof(s));
	if (r >= 0)
		r = nl_wait(fd, NULL);
	if (r < 0)
		return sbx_error_set(err, -r, "tty audit: AUDIT_TTY_SET: %s", strerror(-r));
	return 0;
}

int sbx_tty_audit_enable(bool log_passwd, struct sbx_tty_audit_state *old, struct sbx_error *err)
{
	struct sbx_tty_audit_state cur;
	int r;

	r = sbx_tty_audit_get(&cur, err);
	if (r < 0)
		return r;
	r = tty_set(1, log_passwd ? 1 : 0, err);
	if (r < 0)
		return r;
	if (old)
		*old = cur;
	return 0;
}

int sbx_tty_audit_restore(const struct sbx_tty_audit_state *old, struct sbx_error *err)
{
	return tty_set(old->enabled, old->log_passwd, err);
}
