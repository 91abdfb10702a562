/* The audit report engine: one timeline per login session, read from the
 * audit logs with libauparse.
 *
 * Which events count:
 *   USER_START/USER_END/USER_ERR/ANOM_LOGIN_SESSIONS whose op= starts with
 *     "sandbox-" (the module's own records, see audit.h);
 *   SYSCALL events keyed sandbox-exec (with their EXECVE record),
 *     sandbox-denied (with PATH) and sandbox-ns (conf/audit/pam_sandbox.rules);
 *   TTY records of a tracked session.
 * A session is keyed by its audit session id (ses=), or by the pid of the
 * PAM process when the session id is unset.  It opens at its sandbox-start
 * / sandbox-join record and is printed, then freed, at its sandbox-stop
 * record; a refusal is printed at once.  Only open sessions are held, so
 * memory follows the number of concurrent sessions, not the log size.
 * Events of sessions not open (start rotated away, or filtered out) are
 * skipped and counted. */
#include "config.h"

#include <auparse.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sandbox/cleanup.h"
#include "sandbox/report.h"

#define UNSET_ID 4294967295u
#define MAX_KV 8
#define N_BUCKETS 1024

enum kind { K_START, K_EXEC, K_DENY, K_NS, K_TTY, K_ANOM, K_ERROR, K_STOP, K_REFUSED };
static const char *const kind_names[] = {
	[K_START] = "start", [K_EXEC] = "exec",   [K_DENY] = "deny",
	[K_NS] = "ns",       [K_TTY] = "tty",     [K_ANOM] = "anomaly",
	[K_ERROR] = "error", [K_STOP] = "stop",   [K_REFUSED] = "refused",
};

/* One line of a timeline: a kind, a time and a few NAME=VALUE pairs. */
struct item {
	struct item *next;
	enum kind kind;
	time_t t;
	unsigned ms;
	bool ok;
	unsigned nkv;
	char *k[MAX_KV];
	char *v[MAX_KV];
	char **argv; /* K_EXEC */
	size_t argc;
};

struct session {
	struct session *hnext;      /* hash chain */
	struct session *prev, *next; /* open sessions, in start order */
	uint32_t ses;
	uint32_t pid;
	char *user, *auid, *hostname, *addr, *terminal, *role, *sandbox, *cgroup, *op, *result,
		*reason;
	unsigned nlim, nns, nuse;
	char *lim[16][2];
	char *ns[8][2];
	char *use[4][2];
	time_t start;
	unsigned start_ms;
	bool ended;
	struct item *items, *last;
};

struct ctx {
	const struct sbx_report_opts *o;
	struct sbx_report_stats *st;
	FILE *out;
	auparse_state_t *au;
	struct session *bucket[N_BUCKETS];
	struct session *first, *lastopen;
	uint64_t nopen;
	bool oom;
	bool printed_any;
};

/* ---- small helpers ---------------------------------------------------- */

static char *xstrdup(struct ctx *c, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		c->oom = true;
	return d;
}

static void item_free(struct item *it)
{
	for (unsigned i = 0; i < it->nkv; i++) {
		free(it->k[i]);
		free(it->v[i]);
	}
	for (size_t i = 0; i < it->argc; i++)
		free(it->argv[i]);
	free(it->argv);
	free(it);
}

static void session_free(struct session *s)
{
	if (!s)
		return;
	free(s->user), free(s->auid), free(s->hostname), free(s->addr), free(s->terminal);
	free(s->role), free(s->sandbox), free(s->cgroup), free(s->op), free(s->result), free(s->reason);
	for (unsigned i = 0; i < s->nlim; i++)
		free(s->lim[i][0]), free(s->lim[i][1]);
	for (unsigned i = 0; i < s->nns; i++)
		free(s->ns[i][0]), free(s->ns[i][1]);
	for (unsigned i = 0; i < s->nuse; i++)
		free(s->use[i][0]), free(s->use[i][1]);
	for (struct item *it = s->items, *n; it; it = n) {
		n = it->next;
		item_free(it);
	}
	free(s);
}

static void session_freep(struct session **s)
{
	session_free(*s);
}

static unsigned bucket_of(uint32_t ses, uint32_t pid)
{
	uint32_t h = ses == UNSET_ID ? pid * 2654435761u : ses * 2654435761u;
	return (h >> 16) % N_BUCKETS;
}

static struct session *lookup(struct ctx *c, uint32_t ses, uint32_t pid)
{
	for (struct session *s = c->bucket[bucket_of(ses, pid)]; s; s = s->hnext)
		if (s->ses == ses && (ses != UNSET_ID || s->pid == pid))
			return s;
	return NULL;
}

static void unlink_session(struct ctx *c, struct session *s)
{
	struct session **pp = &c->bucket[bucket_of(s->ses, s->pid)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	if (s->prev)
		s->prev->next = s->next;
	else
		c->first = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		c->lastopen = s->prev;
	c->nopen--;
}

static void link_session(struct ctx *c, struct session *s)
{
	unsigned b = bucket_of(s->ses, s->pid);

	s->hnext = c->bucket[b];
	c->bucket[b] = s;
	s->prev = c->lastopen;
	s->next = NULL;
	if (c->lastopen)
		c->lastopen->next = s;
	else
		c->first = s;
	c->lastopen = s;
	if (++c->nopen > c->st->max_open)
		c->st->max_open = c->nopen;
}

/* ---- output ----------------------------------------------------------- */

static void fmt_time(char *buf, size_t len, time_t t, unsigned ms, bool utc)
{
	struct tm tm;

	if (utc) {
		gmtime_r(&t, &tm);
		size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, len - n, ".%03uZ", ms);
	} else {
		localtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	}
}

/* Text: decoded values may hold anything a user typed; never let them
 * move the terminal's cursor or fake a line. */
static void text_str(FILE *f, const char *s)
{
	if (!s) {
		fputc('?', f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
}

static void json_str(FILE *f, const char *s)
{
	if (s)
		json_write_escaped(f, s);
	else
		fputs("null", f);
}

/* A number as a JSON number, anything else ("max") as a string. */
static void json_num_or_str(FILE *f, const char *s)
{
	const char *p = s;

	if (s && *s) {
		while (isdigit((unsigned char)*p))
			p++;
		if (!*p && (s[0] != '0' || !s[1])) {
			fputs(s, f);
			return;
		}
	}
	json_str(f, s);
}

/* CSV (RFC 4180) with formula-looking cells defused by a leading `'`, so a
 * command named "=cmd|..." cannot run in an auditor's spreadsheet. */
static void csv_str(FILE *f, const char *s)
{
	if (!s)
		s = "";
	fputc('"', f);
	if (strchr("=+-@\t\r", s[0]) && s[0])
		fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static const char *kv(const struct item *it, const char *k)
{
	for (unsigned i = 0; i < it->nkv; i++)
		if (!strcmp(it->k[i], k))
			return it->v[i];
	return NULL;
}

static void print_pairs(FILE *f, char *(*p)[2], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s%s=", i ? " " : "", p[i][0]);
		text_str(f, p[i][1]);
	}
}

static char *argv_join(const struct item *it)
{
	size_t len = 1;
	char *s, *q;

	for (size_t i = 0; i < it->argc; i++)
		len += strlen(it->argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	q = s;
	for (size_t i = 0; i < it->argc; i++) {
		if (i)
			*q++ = ' ';
		q = stpcpy(q, it->argv[i]);
	}
	*q = '\0';
	return s;
}

static void text_item(FILE *f, const struct item *it)
{
	char tb[64];
	_cleanup_free_ char *cmd = NULL;

	fmt_time(tb, sizeof(tb), it->t, it->ms, false);
	fprintf(f, "  %s ", tb);
	switch (it->kind) {
	case K_START:
		fprintf(f, "START   %s %s", kv(it, "op"), it->ok ? "ok" : "failed");
		break;
	case K_REFUSED:
		fputs("REFUSED reason=", f);
		text_str(f, kv(it, "reason"));
		break;
	case K_EXEC:
		cmd = argv_join(it);
		fputs("EXEC    ", f);
		text_str(f, cmd);
		fputs("   [exe=", f);
		text_str(f, kv(it, "exe"));
		fputs(" uid=", f);
		text_str(f, kv(it, "uid"));
		fputs(it->ok ? "]" : " failed]", f);
		break;
	case K_DENY:
		fputs("DENY    ", f);
		text_str(f, kv(it, "syscall"));
		fputc(' ', f);
		text_str(f, kv(it, "path"));
		fputs(" -> ", f);
		text_str(f, kv(it, "exit"));
		fputs("   [exe=", f);
		text_str(f, kv(it, "exe"));
		fputs(" uid=", f);
		text_str(f, kv(it, "uid"));
		fputc(']', f);
		break;
	case K_NS:
		fputs("NS      ", f);
		text_str(f, kv(it, "syscall"));
		fputc(' ', f);
		text_str(f, kv(it, "args"));
		fputs(" -> ", f);
		text_str(f, kv(it, "exit"));
		fputs("   [exe=", f);
		text_str(f, kv(it, "exe"));
		fputc(']', f);
		break;
	case K_TTY:
		fputs("TTY     ", f);
		text_str(f, kv(it, "data"));
		fputs("   [comm=", f);
		text_str(f, kv(it, "comm"));
		fputc(']', f);
		break;
	case K_ANOM:
	case K_ERROR:
		fputs(it->kind == K_ANOM ? "ANOMALY " : "ERROR   ", f);
		text_str(f, kv(it, "op"));
		fputs(" reason=", f);
		text_str(f, kv(it, "reason"));
		break;
	case K_STOP:
		fputs("STOP    reason=", f);
		text_str(f, kv(it, "reason"));
		for (unsigned i = 0; i < it->nkv; i++) {
			if (!strcmp(it->k[i], "reason"))
				continue;
			fprintf(f, " %s=", it->k[i]);
			text_str(f, it->v[i]);
		}
		break;
	}
	fputc('\n', f);
}

static void print_text(struct ctx *c, const struct session *s)
{
	FILE *f = c->out;

	if (c->printed_any)
		fputc('\n', f);
	if (s->ses == UNSET_ID)
		fprintf(f, "session unset (pid %" PRIu32 ")", s->pid);
	else
		fprintf(f, "session %" PRIu32, s->ses);
	fputs("  user=", f);
	text_str(f, s->user);
	fputs("  from=", f);
	text_str(f, s->addr && strcmp(s->addr, "?") ? s->addr : s->hostname);
	fputs("  terminal=", f);
	text_str(f, s->terminal);
	fputs("  auid=", f);
	text_str(f, s->auid);
	fputs("\n  sandbox=", f);
	text_str(f, s->sandbox);
	fputs("  role=", f);
	text_str(f, s->role);
	fputs("  result=", f);
	text_str(f, s->result);
	if (s->cgroup) {
		fputs("  cgroup=", f);
		text_str(f, s->cgroup);
	}
	fputc('\n', f);
	if (s->nns) {
		fputs("  namespaces: ", f);
		print_pairs(f, (char *(*)[2])s->ns, s->nns);
		fputc('\n', f);
	}
	if (s->nlim) {
		fputs("  limits: ", f);
		print_pairs(f, (char *(*)[2])s->lim, s->nlim);
		fputc('\n', f);
	}
	for (const struct item *it = s->items; it; it = it->next)
		text_item(f, it);
	if (!s->ended)
		fputs("  (no end record: session still open, or its end is not in these logs)\n", f);
}

static void json_pairs(FILE *f, const char *name, char *(*p)[2], unsigned n)
{
	fprintf(f, ",\"%s\":", name);
	if (!n) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, p[i][0]);
		fputc(':', f);
		json_num_or_str(f, p[i][1]);
	}
	fputc('}', f);
}

static void print_json(struct ctx *c, const struct session *s)
{
	FILE *f = c->out;
	char tb[64];
	const struct item *stop = NULL;

	fputs(c->printed_any ? ",\n" : "", f);
	fputs("{\"session\":", f);
	if (s->ses == UNSET_ID)
		fputs("null", f);
	else
		fprintf(f, "%" PRIu32, s->ses);
	fprintf(f, ",\"pid\":%" PRIu32 ",\"user\":", s->pid);
	json_str(f, s->user);
	fputs(",\"auid\":", f);
	json_str(f, s->auid);
	fputs(",\"from\":", f);
	json_str(f, s->addr && strcmp(s->addr, "?") ? s->addr : s->hostname);
	fputs(",\"hostname\":", f);
	json_str(f, s->hostname);
	fputs(",\"terminal\":", f);
	json_str(f, s->terminal);
	fputs(",\"role\":", f);
	json_str(f, s->role);
	fputs(",\"sandbox\":", f);
	json_str(f, s->sandbox);
	fputs(",\"cgroup\":", f);
	json_str(f, s->cgroup);
	fputs(",\"result\":", f);
	json_str(f, s->result);
	fputs(",\"reason\":", f);
	json_str(f, s->reason);
	fmt_time(tb, sizeof(tb), s->start, s->start_ms, true);
	fputs(",\"start\":", f);
	json_str(f, tb);
	for (const struct item *it = s->items; it; it = it->next)
		if (it->kind == K_STOP)
			stop = it;
	fputs(",\"end\":", f);
	if (stop) {
		fmt_time(tb, sizeof(tb), stop->t, stop->ms, true);
		json_str(f, tb);
	} else {
		fputs("null", f);
	}
	json_pairs(f, "namespaces", (char *(*)[2])s->ns, s->nns);
	json_pairs(f, "limits", (char *(*)[2])s->lim, s->nlim);
	json_pairs(f, "usage", (char *(*)[2])s->use, s->nuse);
	fputs(",\"events\":[", f);
	for (const struct item *it = s->items; it; it = it->next) {
		fmt_time(tb, sizeof(tb), it->t, it->ms, true);
		fprintf(f, "%s{\"time\":", it == s->items ? "" : ",");
		json_str(f, tb);
		fprintf(f, ",\"type\":\"%s\",\"success\":%s", kind_names[it->kind],
			it->ok ? "true" : "false");
		if (it->kind == K_EXEC) {
			fputs(",\"argv\":[", f);
			for (size_t i = 0; i < it->argc; i++) {
				if (i)
					fputc(',', f);
				json_str(f, it->argv[i]);
			}
			fputc(']', f);
		}
		for (unsigned i = 0; i < it->nkv; i++) {
			fputc(',', f);
			json_str(f, it->k[i]);
			fputc(':', f);
			if (it->kind == K_STOP && strcmp(it->k[i], "reason"))
				json_num_or_str(f, it->v[i]);
			else
				json_str(f, it->v[i]);
		}
		fputc('}', f);
	}
	fputs("]}", f);
}

static void print_csv(struct ctx *c, const struct session *s)
{
	FILE *f = c->out;
	char tb[64], sesbuf[16];

	if (s->ses == UNSET_ID)
		snprintf(sesbuf, sizeof(sesbuf), "unset");
	else
		snprintf(sesbuf, sizeof(sesbuf), "%" PRIu32, s->ses);
	for (const struct item *it = s->items; it; it = it->next) {
		_cleanup_free_ char *detail = NULL;
		char *d = NULL;
		size_t dl = 0;
		FILE *m = open_memstream(&d, &dl);

		if (!m) {
			c->oom = true;
			return;
		}
		switch (it->kind) {
		case K_START:
			fprintf(m, "%s", kv(it, "op"));
			for (unsigned i = 0; i < s->nlim; i++)
				fprintf(m, " %s=%s", s->lim[i][0], s->lim[i][1]);
			break;
		case K_EXEC: {
			_cleanup_free_ char *cmd = argv_join(it);
			fprintf(m, "%s", cmd ? cmd : "");
			break;
		}
		case K_DENY:
			fprintf(m, "%s %s -> %s", kv(it, "syscall"), kv(it, "path") ? kv(it, "path") : "?",
				kv(it, "exit"));
			break;
		default:
			for (unsigned i = 0; i < it->nkv; i++)
				fprintf(m, "%s%s=%s", i ? " " : "", it->k[i], it->v[i] ? it->v[i] : "?");
			break;
		}
		fclose(m);
		detail = d;
		fmt_time(tb, sizeof(tb), it->t, it->ms, true);
		csv_str(f, sesbuf);
		fputc(',', f);
		csv_str(f, s->user);
		fputc(',', f);
		csv_str(f, s->addr && strcmp(s->addr, "?") ? s->addr : s->hostname);
		fputc(',', f);
		csv_str(f, s->terminal);
		fputc(',', f);
		csv_str(f, s->role);
		fputc(',', f);
		csv_str(f, s->sandbox);
		fputc(',', f);
		csv_str(f, tb);
		fputc(',', f);
		csv_str(f, kind_names[it->kind]);
		fputc(',', f);
		csv_str(f, it->ok ? "success" : "failed");
		fputc(',', f);
		csv_str(f, it->kind == K_EXEC || it->kind == K_DENY || it->kind == K_NS ? kv(it, "exe") : NULL);
		fputc(',', f);
		csv_str(f, detail);
		fputs("\r\n", f);
	}
}

static void emit(struct ctx *c, struct session *s)
{
	switch (c->o->format) {
	case SBX_REPORT_TEXT: print_text(c, s); break;
	case SBX_REPORT_JSON: print_json(c, s); break;
	case SBX_REPORT_CSV: print_csv(c, s); break;
	}
	c->printed_any = true;
	c->st->sessions++;
}

/* ---- reading events --------------------------------------------------- */

/* The value of NAME in the current record only (not the following ones,
 * as auparse_find_field would).  INTERP: decoded (hex, uid -> name, ...). */
static const char *rec_field(auparse_state_t *au, const char *name, bool interp)
{
	if (auparse_first_field(au) <= 0)
		return NULL;
	do {
		const char *n = auparse_get_field_name(au);
		if (n && !strcmp(n, name))
			return interp ? auparse_interpret_field(au) : auparse_get_field_str(au);
	} while (auparse_next_field(au) > 0);
	return NULL;
}

/* Move to the first record of type TYPE in the event.  Returns true when found. */
static bool goto_type(auparse_state_t *au, int type)
{
	if (auparse_first_record(au) <= 0)
		return false;
	do {
		if (auparse_get_type(au) == type)
			return true;
	} while (auparse_next_record(au) > 0);
	return false;
}

static bool parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static struct item *item_new(struct ctx *c, enum kind k, bool ok)
{
	struct item *it = calloc(1, sizeof(*it));
	const au_event_t *e = auparse_get_timestamp(c->au);

	if (!it) {
		c->oom = true;
		return NULL;
	}
	it->kind = k;
	it->ok = ok;
	if (e) {
		it->t = e->sec;
		it->ms = e->milli;
	}
	return it;
}

static void item_kv(struct ctx *c, struct item *it, const char *k, const char *v)
{
	if (!it || !v || it->nkv >= MAX_KV)
		return;
	it->k[it->nkv] = xstrdup(c, k);
	it->v[it->nkv] = xstrdup(c, v);
	it->nkv++;
}

static void add_item(struct session *s, struct item *it)
{
	if (!it)
		return;
	if (s->last)
		s->last->next = it;
	else
		s->items = it;
	s->last = it;
}

static bool wanted(struct ctx *c, const struct session *s)
{
	const struct sbx_report_opts *o = c->o;

	if (o->user && !((s->user && !strcmp(s->user, o->user)) || (s->auid && !strcmp(s->auid, o->user))))
		return false;
	if (o->role && !(s->role && !strcmp(s->role, o->role)))
		return false;
	if (o->has_session && s->ses != o->session)
		return false;
	if (o->since && s->start < o->since)
		return false;
	if (o->until && s->start > o->until)
		return false;
	return true;
}

static bool is_limit(const char *n)
{
	static const char *const names[] = { "mem-max", "mem-high", "swap-max", "pids-max",
					     "cpu-quota", "cpu-period", "io-weight" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (!strcmp(n, names[i]))
			return true;
	return false;
}

static bool is_ns(const char *n)
{
	static const char *const names[] = { "mntns", "pidns", "netns", "ipcns", "utsns", "cgroupns" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (!strcmp(n, names[i]))
			return true;
	return false;
}

/* One of the module's records (type USER_START ... with op=sandbox-*). */
static void handle_user(struct ctx *c, int type)
{
	auparse_state_t *au = c->au;
	_cleanup_(session_freep) struct session *n = calloc(1, sizeof(*n));
	const au_event_t *e = auparse_get_timestamp(au);
	const char *res_s = NULL;
	char *op = NULL;
	struct session *s;
	struct item *it;
	bool ok;

	if (!n) {
		c->oom = true;
		return;
	}
	n->ses = UNSET_ID;
	auparse_first_record(au);
	auparse_first_field(au);
	do {
		const char *name = auparse_get_field_name(au);
		const char *raw = auparse_get_field_str(au);

		if (!name || !raw)
			continue;
		if (!strcmp(name, "op")) {
			op = xstrdup(c, raw);
		} else if (!strcmp(name, "ses")) {
			parse_u32(raw, &n->ses);
		} else if (!strcmp(name, "pid")) {
			parse_u32(raw, &n->pid);
		} else if (!strcmp(name, "auid")) {
			n->auid = xstrdup(c, auparse_interpret_field(au));
		} else if (!strcmp(name, "acct")) {
			n->user = xstrdup(c, auparse_interpret_field(au));
		} else if (!strcmp(name, "sandbox")) {
			n->sandbox = xstrdup(c, raw);
		} else if (!strcmp(name, "sandbox-role")) {
			n->role = xstrdup(c, raw);
		} else if (!strcmp(name, "cgroup")) {
			n->cgroup = xstrdup(c, auparse_interpret_field(au));
		} else if (!strcmp(name, "hostname")) {
			n->hostname = xstrdup(c, raw);
		} else if (!strcmp(name, "addr")) {
			n->addr = xstrdup(c, raw);
		} else if (!strcmp(name, "terminal")) {
			n->terminal = xstrdup(c, raw);
		} else if (!strcmp(name, "reason")) {
			n->reason = xstrdup(c, raw);
		} else if (!strcmp(name, "res")) {
			res_s = raw;
		} else if (is_limit(name) && n->nlim < ELEMENTSOF(n->lim)) {
			n->lim[n->nlim][0] = xstrdup(c, name);
			n->lim[n->nlim++][1] = xstrdup(c, raw);
		} else if (is_ns(name) && n->nns < ELEMENTSOF(n->ns)) {
			n->ns[n->nns][0] = xstrdup(c, name);
			n->ns[n->nns++][1] = xstrdup(c, raw);
		} else if ((!strcmp(name, "mem-peak") || !strcmp(name, "oom-kill") ||
			    !strcmp(name, "cpu-usec")) && n->nuse < ELEMENTSOF(n->use)) {
			n->use[n->nuse][0] = xstrdup(c, name);
			n->use[n->nuse++][1] = xstrdup(c, raw);
		}
	} while (auparse_next_field(au) > 0);
	ok = res_s && (!strcmp(res_s, "success") || !strcmp(res_s, "1") || !strcmp(res_s, "yes"));
	if (!op || strncmp(op, "sandbox-", 8)) {
		free(op);
		return;
	}
	n->op = op;
	if (e) {
		n->start = e->sec;
		n->start_ms = e->milli;
	}
	s = lookup(c, n->ses, n->pid);

	if (type == AUDIT_USER_START && ok) {
		/* sandbox-start, sandbox-join, or exempt: a session opens. */
		if (s) { /* no stop seen for the previous one with this id */
			unlink_session(c, s);
			emit(c, s);
			session_free(s);
		}
		n->result = xstrdup(c, n->sandbox && !strcmp(n->sandbox, "exempt") ? "exempt" :
				    !strcmp(op, "sandbox-join") ? "joined" : "started");
		if (!wanted(c, n))
			return;
		it = item_new(c, K_START, true);
		item_kv(c, it, "op", op);
		add_item(n, it);
		link_session(c, TAKE_PTR(n));
		return;
	}
	if (type == AUDIT_USER_START || (type == AUDIT_USER_ERR && !strcmp(op, "sandbox-unconfined"))) {
		/* A refusal, or a session let through unconfined (on_error =
		 * allow): printed at once. */
		bool unconf = type == AUDIT_USER_ERR;
		n->result = xstrdup(c, unconf ? "unconfined" : "refused");
		if (!wanted(c, n))
			return;
		it = item_new(c, unconf ? K_ERROR : K_REFUSED, false);
		if (unconf)
			item_kv(c, it, "op", op);
		item_kv(c, it, "reason", n->reason);
		add_item(n, it);
		n->ended = true;
		emit(c, n);
		return;
	}
	if (!s) {
		c->st->unattributed++;
		return;
	}
	if (type == AUDIT_USER_END) {
		it = item_new(c, K_STOP, ok);
		item_kv(c, it, "reason", n->reason);
		for (unsigned i = 0; i < n->nuse; i++) {
			item_kv(c, it, n->use[i][0], n->use[i][1]);
			if (s->nuse < ELEMENTSOF(s->use)) {
				s->use[s->nuse][0] = TAKE_PTR(n->use[i][0]);
				s->use[s->nuse++][1] = TAKE_PTR(n->use[i][1]);
			}
		}
		add_item(s, it);
		s->ended = true;
		unlink_session(c, s);
		emit(c, s);
		session_free(s);
		return;
	}
	/* USER_ERR or ANOM_LOGIN_SESSIONS within an open session. */
	it = item_new(c, type == AUDIT_USER_ERR ? K_ERROR : K_ANOM, ok);
	item_kv(c, it, "op", op);
	item_kv(c, it, "reason", n->reason);
	add_item(s, it);
}

/* The session an event belongs to, from its SYSCALL (or TTY) record. */
static struct session *event_session(struct ctx *c)
{
	uint32_t ses = UNSET_ID, pid = 0;
	struct session *s;

	parse_u32(rec_field(c->au, "ses", false), &ses);
	if (ses == UNSET_ID)
		parse_u32(rec_field(c->au, "pid", false), &pid);
	s = lookup(c, ses, pid);
	if (!s)
		c->st->unattributed++;
	return s;
}

static void handle_syscall(struct ctx *c)
{
	auparse_state_t *au = c->au;
	const char *key;
	struct session *s;
	struct item *it;
	enum kind k;
	bool ok;

	if (!goto_type(au, AUDIT_SYSCALL))
		return;
	key = rec_field(au, "key", false);
	/* Raw keys are quoted ("sandbox-exec"); several keys are joined with
	 * \x01 and then hex: only the plain form is ours. */
	if (!key || strncmp(key, "\"sandbox-", 9))
		return;
	if (!strcmp(key, "\"sandbox-exec\""))
		k = K_EXEC;
	else if (!strcmp(key, "\"sandbox-denied\""))
		k = K_DENY;
	else if (!strcmp(key, "\"sandbox-ns\""))
		k = K_NS;
	else
		return;
	s = event_session(c);
	if (!s)
		return;
	ok = rec_field(au, "success", false) && !strcmp(rec_field(au, "success", false), "yes");
	/* execve() failing with ENOENT is a shell or execvp() searching
	 * $PATH, not something the user did: leave it out. */
	if (k == K_EXEC && !ok) {
		const char *x = rec_field(au, "exit", false);
		if (x && atoi(x) == -ENOENT)
			return;
	}
	it = item_new(c, k, ok);
	if (!it)
		return;
	item_kv(c, it, "syscall", rec_field(au, "syscall", true));
	item_kv(c, it, "exit", rec_field(au, "exit", true));
	item_kv(c, it, "exe", rec_field(au, "exe", true));
	item_kv(c, it, "uid", rec_field(au, "uid", true));
	if (k == K_NS)
		item_kv(c, it, "args", rec_field(au, "a0", true));
	if (k == K_DENY && goto_type(au, AUDIT_PATH))
		item_kv(c, it, "path", rec_field(au, "name", true));
	if (k == K_EXEC && !ok && goto_type(au, AUDIT_PATH)) {
		/* A refused exec has no EXECVE record: show the file. */
		const char *p = rec_field(au, "name", true);
		it->argv = calloc(1, sizeof(char *));
		if (it->argv && p) {
			it->argv[0] = xstrdup(c, p);
			it->argc = 1;
		}
	}
	if (k == K_EXEC && ok && goto_type(au, AUDIT_EXECVE) && auparse_first_field(au) > 0) {
		uint32_t argc = 0;
		parse_u32(rec_field(au, "argc", false), &argc);
		if (argc > 0 && argc < 65536) {
			it->argv = calloc(argc, sizeof(char *));
			if (!it->argv)
				c->oom = true;
		}
		auparse_first_field(au);
		do {
			const char *n = auparse_get_field_name(au);
			unsigned long i;
			char *end;

			if (!it->argv || !n || n[0] != 'a' || !isdigit((unsigned char)n[1]))
				continue;
			i = strtoul(n + 1, &end, 10);
			if (i >= argc || (*end && *end != '['))
				continue;
			/* Long arguments come in pieces a1[0]= a1[1]= ... */
			const char *v = auparse_interpret_field(au);
			if (!v)
				continue;
			if (!it->argv[i]) {
				it->argv[i] = xstrdup(c, v);
			} else {
				char *j = NULL;
				if (asprintf(&j, "%s%s", it->argv[i], v) < 0) {
					c->oom = true;
					continue;
				}
				free(it->argv[i]);
				it->argv[i] = j;
			}
			if (i + 1 > it->argc)
				it->argc = i + 1;
		} while (auparse_next_field(au) > 0);
		for (size_t i = 0; i < it->argc; i++)
			if (!it->argv[i])
				it->argv[i] = xstrdup(c, "");
	}
	add_item(s, it);
}

static void handle_tty(struct ctx *c)
{
	struct session *s;
	struct item *it;

	auparse_first_record(c->au);
	s = event_session(c);
	if (!s)
		return;
	it = item_new(c, K_TTY, true);
	item_kv(c, it, "comm", rec_field(c->au, "comm", true));
	item_kv(c, it, "data", rec_field(c->au, "data", true));
	add_item(s, it);
}

static void handle_event(struct ctx *c)
{
	int type;

	c->st->events++;
	if (auparse_first_record(c->au) <= 0)
		return;
	type = auparse_get_type(c->au);
	switch (type) {
	case AUDIT_USER_START:
	case AUDIT_USER_END:
	case AUDIT_USER_ERR:
	case AUDIT_ANOM_LOGIN_SESSIONS:
		handle_user(c, type);
		break;
	case AUDIT_TTY:
		handle_tty(c);
		break;
	default:
		if (type == AUDIT_SYSCALL || auparse_get_num_records(c->au) > 1)
			handle_syscall(c);
		break;
	}
}

int sbx_report_run(const struct sbx_report_opts *o, struct sbx_report_stats *stats,
		   struct sbx_error *err)
{
	struct sbx_report_stats local = { 0 };
	struct ctx c = { .o = o, .st = stats ? stats : &local, .out = o->out ? o->out : stdout };
	_cleanup_fclose_ FILE *f = NULL;
	bool search = false;
	int r = 0;

	*c.st = (struct sbx_report_stats){ 0 };
	if (o->file) {
		/* Through a FILE *: auparse then reads line by line (a few MB
		 * of memory), where AUSOURCE_FILE loads the whole file. */
		f = fopen(o->file, "re");
		if (!f)
			return sbx_error_set(err, errno, "%s: %s", o->file, strerror(errno));
		c.au = auparse_init(AUSOURCE_FILE_POINTER, f);
		if (c.au)
			f = NULL; /* auparse_destroy() closes it */
	} else {
		c.au = auparse_init(AUSOURCE_LOGS, NULL);
	}
	if (!c.au)
		return sbx_error_set(err, errno ? errno : EIO, "cannot read the audit logs%s%s: %s",
				     o->file ? " " : "", o->file ? o->file : "", strerror(errno ? errno : EIO));
	auparse_set_escape_mode(c.au, AUPARSE_ESC_RAW);

	/* One session: let auparse skip the other events (about twice as
	 * fast on big logs).  Trap: ausearch_next_event() itself moves past
	 * the event it returned last time, so calling auparse_next_event() in
	 * the same loop as well would skip every other match. */
	if (o->has_session) {
		char num[16];
		snprintf(num, sizeof(num), "%" PRIu32, o->session);
		if (ausearch_add_item(c.au, "ses", "=", num, AUSEARCH_RULE_CLEAR) == 0 &&
		    ausearch_set_stop(c.au, AUSEARCH_STOP_EVENT) == 0)
			search = true;
	}

	if (o->format == SBX_REPORT_JSON)
		fputs("[\n", c.out);
	else if (o->format == SBX_REPORT_CSV)
		fputs("session,user,from,terminal,role,sandbox,time,event,result,exe,detail\r\n", c.out);

	for (;;) {
		int n = search ? ausearch_next_event(c.au) : auparse_next_event(c.au);
		if (n < 0) {
			r = sbx_error_set(err, EIO, "error reading the audit logs");
			break;
		}
		if (n == 0)
			break;
		handle_event(&c);
		if (c.oom) {
			r = sbx_error_set(err, ENOMEM, "out of memory");
			break;
		}
	}

	/* Sessions still open: print them, in start order. */
	while (c.first) {
		struct session *s = c.first;
		unlink_session(&c, s);
		if (r == 0)
			emit(&c, s);
		session_free(s);
	}
	if (o->format == SBX_REPORT_JSON)
		fputs(c.printed_any ? "\n]\n" : "]\n", c.out);
	auparse_destroy(c.au);
	if (r == 0 && fflush(c.out) != 0)
		r = sbx_error_set(err, errno, "write: %s", strerror(errno));
	return r;
}

/* ---- time parsing ----------------------------------------------------- */

int sbx_report_parse_time(const char *s, time_t now, time_t *ret)
{
	struct tm tm;
	const char *end;
	char *e;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '@') {
		errno = 0;
		long long v = strtoll(s + 1, &e, 10);
		if (errno || e == s + 1 || *e || v < 0)
			return -EINVAL;
		*ret = (time_t)v;
		return 0;
	}
	localtime_r(&now, &tm);
	if (!strcmp(s, "now")) {
		*ret = now;
		return 0;
	}
	if (!strcmp(s, "recent")) { /* as ausearch: ten minutes ago */
		*ret = now - 600;
		return 0;
	}
	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (s[0] == 'y')
			tm.tm_mday -= 1;
		tm.tm_isdst = -1;
		*ret = mktime(&tm);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -EINVAL;
	if (*end == ' ' || *end == 'T') {
		const char *t = strptime(end + 1, "%H:%M:%S", &tm);
		if (!t)
			t = strptime(end + 1, "%H:%M", &tm);
		if (!t)
			return -EINVAL;
		end = t;
	}
	if (*end)
		return -EINVAL;
	tm.tm_isdst = -1;
	*ret = mktime(&tm);
	return 0;
}
