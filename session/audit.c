/* Building audit records, and the pure policy around them: reason tokens,
 * field encoding, the failure rule, parsing the audit identity.  No system
 * call here besides reading two /proc files in sbx_audit_identity(); the
 * sending is in audit-send.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libaudit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/audit.h"
#include "sandbox/cleanup.h"

static const char *const reason_names[SBX_AUDIT_REASON__MAX] = {
	[SBX_AUDIT_REASON_NONE] = NULL,
	[SBX_AUDIT_REASON_LOGOUT] = "logout",
	[SBX_AUDIT_REASON_CONFIG_INVALID] = "config-invalid",
	[SBX_AUDIT_REASON_ROLE_DENY] = "role-deny",
	[SBX_AUDIT_REASON_USER_UNKNOWN] = "user-unknown",
	[SBX_AUDIT_REASON_NO_LOGINUID] = "no-loginuid",
	[SBX_AUDIT_REASON_NAMESPACE_FAILED] = "namespace-failed",
	[SBX_AUDIT_REASON_MOUNT_FAILED] = "mount-failed",
	[SBX_AUDIT_REASON_CGROUP_FAILED] = "cgroup-failed",
	[SBX_AUDIT_REASON_NETWORK_FAILED] = "network-failed",
	[SBX_AUDIT_REASON_PRIVILEGES_FAILED] = "privileges-failed",
	[SBX_AUDIT_REASON_MAX_SESSIONS] = "max-sessions",
	[SBX_AUDIT_REASON_AUDIT_FAILED] = "audit-failed",
	[SBX_AUDIT_REASON_STATE_FAILED] = "state-failed",
	[SBX_AUDIT_REASON_TEARDOWN_FAILED] = "teardown-failed",
	[SBX_AUDIT_REASON_INTERNAL] = "internal",
};

const char *sbx_audit_reason_name(enum sbx_audit_reason r)
{
	if ((unsigned)r >= SBX_AUDIT_REASON__MAX)
		return NULL;
	return reason_names[r];
}

int sbx_audit_reason_from_name(const char *name)
{
	for (unsigned i = 1; name && i < SBX_AUDIT_REASON__MAX; i++)
		if (!strcmp(reason_names[i], name))
			return (int)i;
	return -1;
}

/* Per event: record type, op= value, and res= value. */
static const struct {
	int type;
	const char *op;
	int result;
} events[SBX_AUDIT_EVENT__MAX] = {
	[SBX_AUDIT_START] = { AUDIT_USER_START, "sandbox-start", 1 },
	[SBX_AUDIT_JOIN] = { AUDIT_USER_START, "sandbox-join", 1 },
	[SBX_AUDIT_EXEMPT] = { AUDIT_USER_START, "sandbox-start", 1 },
	[SBX_AUDIT_REFUSE] = { AUDIT_USER_START, "sandbox-start", 0 },
	[SBX_AUDIT_SESSION_LIMIT] = { AUDIT_ANOM_LOGIN_SESSIONS, "sandbox-deny", 0 },
	[SBX_AUDIT_STOP] = { AUDIT_USER_END, "sandbox-stop", 1 },
	[SBX_AUDIT_ERROR] = { AUDIT_USER_ERR, "sandbox-error", 0 },
	[SBX_AUDIT_UNCONFINED] = { AUDIT_USER_ERR, "sandbox-unconfined", 0 },
};

bool sbx_audit_token_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
		if (n >= 64)
			return false;
	}
	return true;
}

/* Bytes that may stay unencoded inside "...": no space, no quote of either
 * kind, no '=', nothing outside printable ASCII. */
static bool quoted_ok(const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._/:@+,~-", c)))
			return false;
	}
	return true;
}

char *sbx_audit_encode_field(const char *name, const char *value)
{
	char *out = NULL;
	size_t len = strlen(value);

	/* libaudit decides quoted-or-hex with audit_value_needs_encoding(),
	 * which lets `'` and '=' through.  Use its encoder for the hex form,
	 * and decide ourselves. */
	if (len > 0 && quoted_ok(value)) {
		if (asprintf(&out, "%s=\"%s\"", name, value) < 0)
			return NULL;
		return out;
	}
	_cleanup_free_ char *hex = malloc(2 * len + 1);
	if (!hex)
		return NULL;
	audit_encode_value(hex, value, (unsigned)len);
	hex[2 * len] = '\0';
	if (len == 0) {
		/* An empty value has no hex form the tools decode. */
		if (asprintf(&out, "%s=?", name) < 0)
			return NULL;
		return out;
	}
	if (asprintf(&out, "%s=%s", name, hex) < 0)
		return NULL;
	return out;
}

/* Suffixes ausearch's strstr() parser takes as its own fields (see
 * ../shared/reference/audit.md, "Field-name traps"). */
static const char *const bad_suffixes[] = {
	"uid", "res", "ses", "acct", "exe", "comm", "hostname", "addr",
	"terminal", "vm", "uuid", "cwd",
};

bool sbx_audit_field_name_bad(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ELEMENTSOF(bad_suffixes); i++) {
		size_t k = strlen(bad_suffixes[i]);
		if (n >= k && !strcmp(name + n - k, bad_suffixes[i]))
			return true;
	}
	return false;
}

/* A growing message buffer; on allocation failure it remembers and every
 * later append is a no-op, so the caller checks once at the end. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
}

static void buf_add_encoded(struct buf *b, const char *name, const char *value)
{
	_cleanup_free_ char *f = NULL;

	if (b->oom)
		return;
	f = sbx_audit_encode_field(name, value);
	if (!f) {
		b->oom = true;
		return;
	}
	buf_add(b, " %s", f);
}

static void buf_add_token(struct buf *b, const char *name, const char *value)
{
	buf_add(b, " %s=%s", name, sbx_audit_token_ok(value) ? value : "?");
}

static void buf_add_limit(struct buf *b, const char *name, uint64_t v)
{
	if (v == SBX_UNLIMITED)
		buf_add(b, " %s=max", name);
	else
		buf_add(b, " %s=%" PRIu64, name, v);
}

/* Limit fields, in the order of enum sbx_limit.  CPU is written as the
 * cgroup quota and period in microseconds (two numbers, not "a/b"). */
#define CPU_PERIOD_USEC 100000
static void add_limits(struct buf *b, const struct sbx_limits *l)
{
	static const char *const names[SBX_LIMIT__MAX] = {
		[SBX_LIMIT_MEMORY] = "mem-max",
		[SBX_LIMIT_MEMORY_HIGH] = "mem-high",
		[SBX_LIMIT_SWAP] = "swap-max",
		[SBX_LIMIT_PIDS] = "pids-max",
		[SBX_LIMIT_CPUS] = NULL,
		[SBX_LIMIT_IO_WEIGHT] = "io-weight",
	};

	if (!l)
		return;
	for (unsigned i = 0; i < SBX_LIMIT__MAX; i++) {
		if (!(l->set & (1u << i)))
			continue;
		if (i == SBX_LIMIT_CPUS) {
			uint64_t mc = l->value[i];
			if (mc == SBX_UNLIMITED)
				buf_add(b, " cpu-quota=max");
			else
				buf_add(b, " cpu-quota=%" PRIu64, mc * (CPU_PERIOD_USEC / 1000));
			buf_add(b, " cpu-period=%u", CPU_PERIOD_USEC);
			continue;
		}
		buf_add_limit(b, names[i], l->value[i]);
	}
}

static void add_ns(struct buf *b, const struct sbx_audit_ns *ns)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "mntns", ns->mnt }, { "pidns", ns->pid }, { "netns", ns->net },
		{ "ipcns", ns->ipc }, { "utsns", ns->uts }, { "cgroupns", ns->cgroup },
	};

	for (size_t i = 0; i < ELEMENTSOF(f); i++)
		if (f[i].v)
			buf_add(b, " %s=%" PRIu64, f[i].name, f[i].v);
}

/* Host names and terminals go into fields libaudit writes and the tools do
 * not decode, so they are kept only when they cannot be misparsed. */
static bool host_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(".:-_%/", c)))
			return false;
	}
	return true;
}

static bool is_address(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return s && (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1);
}

void sbx_audit_msg_clear(struct sbx_audit_msg *msg)
{
	if (!msg)
		return;
	free(msg->text);
	free(msg->hostname);
	free(msg->addr);
	free(msg->terminal);
	*msg = (struct sbx_audit_msg){ 0 };
}

int sbx_audit_build(const struct sbx_audit_record *rec, struct sbx_audit_msg *ret,
		    struct sbx_error *err)
{
	struct buf b = { 0 };
	struct sbx_audit_msg m = { 0 };
	const char *term;
	enum sbx_audit_event ev = rec->event;

	if ((unsigned)ev >= SBX_AUDIT_EVENT__MAX)
		return sbx_error_set(err, EINVAL, "audit: unknown event %d", (int)ev);

	/* acct= first, encoded by us: libaudit's acct_message would
	 * truncate it to 32 bytes and leave `'` unencoded. */
	buf_add(&b, "op=%s", events[ev].op);
	buf_add_encoded(&b, "acct", rec->user ? rec->user : "");
	if (ev == SBX_AUDIT_EXEMPT)
		buf_add(&b, " sandbox=exempt");
	else if (rec->sandbox_id)
		buf_add_token(&b, "sandbox", rec->sandbox_id);
	if (rec->role)
		buf_add_token(&b, "sandbox-role", rec->role);
	if (rec->cgroup)
		buf_add_encoded(&b, "cgroup", rec->cgroup);
	add_ns(&b, &rec->ns);
	if (ev == SBX_AUDIT_START || ev == SBX_AUDIT_JOIN || ev == SBX_AUDIT_EXEMPT)
		add_limits(&b, rec->limits);
	if (ev == SBX_AUDIT_STOP) {
		if (rec->usage.set & SBX_AUDIT_USAGE_MEM_PEAK)
			buf_add(&b, " mem-peak=%" PRIu64, rec->usage.mem_peak);
		if (rec->usage.set & SBX_AUDIT_USAGE_OOM_KILL)
			buf_add(&b, " oom-kill=%" PRIu64, rec->usage.oom_kill);
		if (rec->usage.set & SBX_AUDIT_USAGE_CPU_USEC)
			buf_add(&b, " cpu-usec=%" PRIu64, rec->usage.cpu_usec);
	}
	if (sbx_audit_reason_name(rec->reason))
		buf_add(&b, " reason=%s", sbx_audit_reason_name(rec->reason));
	if (b.oom) {
		free(b.s);
		return sbx_error_set(err, ENOMEM, "audit: out of memory");
	}
	m.text = b.s;
	m.type = events[ev].type;
	m.result = events[ev].result;

	/* Never NULL or empty: libaudit would resolve the host name (DNS in
	 * the login path) or fill in the local one. */
	m.hostname = strdup(host_ok(rec->rhost) ? rec->rhost : "?");
	m.addr = strdup(is_address(rec->rhost) ? rec->rhost : "?");
	term = rec->terminal;
	if (term && !strncmp(term, "/dev/", 5))
		term += 5;
	m.terminal = strdup(host_ok(term) ? term : "?");
	if (!m.hostname || !m.addr || !m.terminal) {
		sbx_audit_msg_clear(&m);
		return sbx_error_set(err, ENOMEM, "audit: out of memory");
	}
	*ret = m;
	return 0;
}

int sbx_audit_classify(int errno_val, bool at_open, bool required)
{
	if (errno_val < 0)
		errno_val = -errno_val;
	if (errno_val == 0)
		return SBX_AUDIT_SENT;
	if (!required) {
		if (at_open && (errno_val == EPROTONOSUPPORT || errno_val == EINVAL ||
				errno_val == EAFNOSUPPORT))
			return SBX_AUDIT_DROPPED;
		if (errno_val == ECONNREFUSED || errno_val == EPERM)
			return SBX_AUDIT_DROPPED;
	}
	return -errno_val;
}

int sbx_audit_parse_id(const char *text, uint32_t *ret)
{
	char *end;
	long long v;

	if (!text)
		return -EINVAL;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text)
		return -EINVAL;
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return -EINVAL;
	if (v == -1 || v == (long long)UINT32_MAX) {
		*ret = SBX_AUDIT_ID_UNSET;
		return 0;
	}
	if (v < 0 || v > (long long)UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int read_id(const char *proc, const char *name, uint32_t *ret, struct sbx_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char buf[32];
	ssize_t n;

	if (asprintf(&path, "%s/self/%s", proc, name) < 0)
		return sbx_error_set(err, ENOMEM, "audit: out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_error_set(err, errno, "audit: %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return sbx_error_set(err, errno, "audit: %s: %s", path, strerror(errno));
	buf[n] = '\0';
	if (sbx_audit_parse_id(buf, ret) < 0)
		return sbx_error_set(err, EINVAL, "audit: %s: unexpected contents", path);
	return 0;
}

int sbx_audit_identity(const char *proc, uint32_t *ret_loginuid, uint32_t *ret_sessionid,
		       struct sbx_error *err)
{
	uint32_t uid, ses;
	int r;

	r = read_id(proc, "loginuid", &uid, err);
	if (r < 0)
		return r;
	r = read_id(proc, "sessionid", &ses, err);
	if (r < 0)
		return r;
	if (uid == SBX_AUDIT_ID_UNSET || ses == SBX_AUDIT_ID_UNSET)
		return sbx_error_set(err, ENODATA,
				     "audit login uid or session id not set: pam_loginuid must "
				     "run before pam_sandbox in the session stack");
	if (ret_loginuid)
		*ret_loginuid = uid;
	if (ret_sessionid)
		*ret_sessionid = ses;
	return 0;
}
