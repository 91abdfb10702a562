/* sandboxctl explain USER: which role USER gets, which rule chose it, and
 * the effective policy after inheritance and template expansion. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "json.h"
#include "sandbox/cleanup.h"
#include "sandbox/config.h"
#include "sandbox/identity.h"
#include "sandbox/policy.h"
#include "sandbox/role.h"
#include "sandbox/size.h"
#include "sandboxctl-cmds.h"

SBX_DEFINE_CLEANUP(struct sbx_config, sbx_config_free)
SBX_DEFINE_CLEANUP(struct sbx_user, sbx_user_free)
SBX_DEFINE_CLEANUP(struct sbx_policy, sbx_policy_free)

static const char *verdict_name(enum sbx_verdict_kind k)
{
	switch (k) {
	case SBX_VERDICT_ROLE: return "role";
	case SBX_VERDICT_DENY: return "deny";
	case SBX_VERDICT_NONE: return "none";
	}
	return "?";
}

/* "user entry", "group \"sudo\"", "default" with where it is written. */
static void describe_rule(const struct sbx_verdict *v, char *buf, size_t len)
{
	const struct sbx_assign *a = v->match;

	switch (v->rule) {
	case SBX_RULE_USER:
		snprintf(buf, len, "user entry \"%s\" (%s:%d)", a->name, a->file, a->line);
		break;
	case SBX_RULE_GROUP:
		snprintf(buf, len, "member of group \"%s\" (%s:%d)", a->name, a->file, a->line);
		break;
	case SBX_RULE_DEFAULT:
		snprintf(buf, len, "default (%s:%d)", a->file ? a->file : "?", a->line);
		break;
	}
}

/* The value of limit L as the config writes it. */
static const char *limit_text(const struct sbx_limits *lim, enum sbx_limit l, char *buf, size_t len)
{
	uint64_t v = lim->value[l];

	if (v == SBX_UNLIMITED)
		return "max";
	switch (l) {
	case SBX_LIMIT_MEMORY:
	case SBX_LIMIT_MEMORY_HIGH:
	case SBX_LIMIT_SWAP:
		return sbx_format_size(v, buf, len);
	case SBX_LIMIT_CPUS:
		snprintf(buf, len, "%llu.%02llu", (unsigned long long)(v / 1000),
			 (unsigned long long)(v % 1000) / 10);
		return buf;
	default:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return buf;
	}
}

static void print_caps(FILE *f, uint64_t caps, struct json *j)
{
	int any = 0;

	for (int c = 0; c < 64; c++) {
		char *name;

		if (!(caps & (1ull << c)))
			continue;
		name = cap_to_name(c);
		if (j)
			json_string(j, NULL, name ? name : "?");
		else
			fprintf(f, "%s%s", any ? " " : "", name ? name : "?");
		cap_free(name);
		any = 1;
	}
	if (!j && !any)
		fputs("(none)", f);
}

static void print_text(const struct sbx_user *u, const struct sbx_verdict *v,
		       const struct sbx_policy *p)
{
	const struct sbx_role *r = p ? &p->role : NULL;
	char rule[512], buf[64];

	describe_rule(v, rule, sizeof(rule));
	printf("user:        %s (uid %u, gid %u)\n", u->name, (unsigned)u->uid, (unsigned)u->gid);
	printf("groups:     ");
	for (char **g = u->groups; g && *g; g++)
		printf(" %s", *g);
	printf("\n");
	if (v->kind == SBX_VERDICT_DENY) {
		printf("verdict:     deny: the login is refused\nrule:        %s\n", rule);
		return;
	}
	if (v->kind == SBX_VERDICT_NONE) {
		printf("verdict:     none: not confined by pam_sandbox\nrule:        %s\n", rule);
		return;
	}
	printf("role:        %s (%s:%d)\n", r->name, r->file ? r->file : "?", r->line);
	printf("rule:        %s\n", rule);
	if (r->inherits)
		printf("inherits:    %s\n", r->inherits);
	if (!r->sandbox) {
		printf("sandbox:     no (exempt role: not confined, still audited)\n");
		return;
	}
	printf("sandbox:     yes\n");
	printf("namespaces: ");
	for (unsigned f = 1; f & SBX_NS_ALL; f <<= 1)
		if (r->namespaces & f)
			printf(" %s", sbx_ns_name(f));
	printf("\nhostname:    %s\n", r->hostname ? r->hostname : "(the host's)");
	printf("network:     %s\n", r->network == SBX_NETWORK_NONE ? "none (loopback only)" : "host");
	printf("filesystem:\n");
	printf("  private /tmp and /var/tmp: %s\n", r->fs.private_tmp ? "yes" : "no");
	printf("  other users' homes hidden: %s", r->fs.hide_other_homes ? "yes" : "no");
	if (r->fs.hide_other_homes)
		printf(" (own home %s stays writable)", p->home);
	printf("\n");
	for (size_t i = 0; i < r->fs.n_read_only; i++)
		printf("  read-only:  %s%s\n", r->fs.read_only[i].path,
		       r->fs.read_only[i].optional ? " (optional)" : "");
	for (size_t i = 0; i < r->fs.n_hidden; i++)
		printf("  hidden:     %s%s\n", r->fs.hidden[i].path,
		       r->fs.hidden[i].optional ? " (optional)" : "");
	for (size_t i = 0; i < r->fs.n_binds; i++)
		printf("  bind:       %s -> %s%s%s\n", r->fs.binds[i].source, r->fs.binds[i].target,
		       r->fs.binds[i].read_only ? " (read-only)" : "",
		       r->fs.binds[i].optional ? " (optional)" : "");
	printf("limits:");
	if (!r->limits.set)
		printf("      (none)");
	printf("\n");
	for (int l = 0; l < SBX_LIMIT__MAX; l++)
		if (r->limits.set & (1u << l))
			printf("  %-12s %s%s\n", sbx_limit_name((enum sbx_limit)l),
			       limit_text(&r->limits, (enum sbx_limit)l, buf, sizeof(buf)),
			       r->limits.optional & (1u << l) ? " (optional)" : "");
	printf("privileges:\n  capabilities: ");
	print_caps(stdout, r->priv.capabilities, NULL);
	printf("\n  no_new_privs: %s\n", r->priv.no_new_privs ? "yes" : "no");
	printf("session:\n  linger:       %s\n", r->session.linger ? "yes" : "no");
	if (r->session.max_sessions)
		printf("  max_sessions: %u\n", r->session.max_sessions);
	else
		printf("  max_sessions: unlimited\n");
	printf("audit:\n  tty:          %s\n  log_passwd:   %s\n",
	       r->audit.tty ? "yes" : "no", r->audit.log_passwd ? "yes" : "no");
}

static void print_json(const struct sbx_user *u, const struct sbx_verdict *v,
		       const struct sbx_policy *p)
{
	const struct sbx_role *r = p ? &p->role : NULL;
	struct json j;
	char buf[64];

	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_string(&j, "user", u->name);
	json_uint(&j, "uid", u->uid);
	json_uint(&j, "gid", u->gid);
	json_begin_array(&j, "groups");
	for (char **g = u->groups; g && *g; g++)
		json_string(&j, NULL, *g);
	json_end_array(&j);
	json_string(&j, "verdict", verdict_name(v->kind));
	json_begin_object(&j, "rule");
	json_string(&j, "kind", sbx_rule_name(v->rule));
	json_string(&j, "name", v->match->name);
	json_string(&j, "file", v->match->file);
	json_int(&j, "line", v->match->line);
	json_end_object(&j);
	if (!r) {
		json_null(&j, "role");
		json_end_object(&j);
		return;
	}
	json_string(&j, "role", r->name);
	json_string(&j, "inherits", r->inherits);
	json_bool(&j, "sandbox", r->sandbox);
	if (r->sandbox) {
		json_begin_object(&j, "policy");
		json_begin_array(&j, "namespaces");
		for (unsigned f = 1; f & SBX_NS_ALL; f <<= 1)
			if (r->namespaces & f)
				json_string(&j, NULL, sbx_ns_name(f));
		json_end_array(&j);
		json_string(&j, "hostname", r->hostname);
		json_string(&j, "network", r->network == SBX_NETWORK_NONE ? "none" : "host");
		json_begin_object(&j, "filesystem");
		json_bool(&j, "private_tmp", r->fs.private_tmp);
		json_bool(&j, "hide_other_homes", r->fs.hide_other_homes);
		json_string(&j, "home", p->home);
		json_begin_array(&j, "read_only");
		for (size_t i = 0; i < r->fs.n_read_only; i++) {
			json_begin_object(&j, NULL);
			json_string(&j, "path", r->fs.read_only[i].path);
			json_bool(&j, "optional", r->fs.read_only[i].optional);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_begin_array(&j, "hidden");
		for (size_t i = 0; i < r->fs.n_hidden; i++) {
			json_begin_object(&j, NULL);
			json_string(&j, "path", r->fs.hidden[i].path);
			json_bool(&j, "optional", r->fs.hidden[i].optional);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_begin_array(&j, "bind");
		for (size_t i = 0; i < r->fs.n_binds; i++) {
			json_begin_object(&j, NULL);
			json_string(&j, "source", r->fs.binds[i].source);
			json_string(&j, "target", r->fs.binds[i].target);
			json_bool(&j, "read_only", r->fs.binds[i].read_only);
			json_bool(&j, "optional", r->fs.binds[i].optional);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		json_begin_object(&j, "limits");
		for (int l = 0; l < SBX_LIMIT__MAX; l++) {
			if (!(r->limits.set & (1u << l)))
				continue;
			if (r->limits.value[l] == SBX_UNLIMITED)
				json_string(&j, sbx_limit_name((enum sbx_limit)l), "max");
			else if (l == SBX_LIMIT_CPUS)
				json_string(&j, "cpus", limit_text(&r->limits, SBX_LIMIT_CPUS, buf, sizeof(buf)));
			else
				json_uint(&j, sbx_limit_name((enum sbx_limit)l), r->limits.value[l]);
		}
		json_begin_array(&j, "optional");
		for (int l = 0; l < SBX_LIMIT__MAX; l++)
			if (r->limits.optional & (1u << l))
				json_string(&j, NULL, sbx_limit_name((enum sbx_limit)l));
		json_end_array(&j);
		json_end_object(&j);
		json_begin_object(&j, "privileges");
		json_begin_array(&j, "capabilities");
		print_caps(stdout, r->priv.capabilities, &j);
		json_end_array(&j);
		json_bool(&j, "no_new_privs", r->priv.no_new_privs);
		json_end_object(&j);
		json_begin_object(&j, "session");
		json_bool(&j, "linger", r->session.linger);
		json_uint(&j, "max_sessions", r->session.max_sessions);
		json_end_object(&j);
		json_begin_object(&j, "audit");
		json_bool(&j, "tty", r->audit.tty);
		json_bool(&j, "log_passwd", r->audit.log_passwd);
		json_end_object(&j);
		json_end_object(&j);
	}
	json_end_object(&j);
}

int ctl_explain(const struct ctl_opts *o, int argc, char **argv)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_user_freep) struct sbx_user *user = NULL;
	_cleanup_(sbx_policy_freep) struct sbx_policy *policy = NULL;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_verdict v;
	int r;

	if (argc != 2) {
		fputs("sandboxctl: usage: sandboxctl explain USER [-c FILE] [--json]\n", stderr);
		return CTL_USAGE;
	}
	r = sbx_config_load(o->conf, &cfg, &err);
	if (r >= 0)
		r = sbx_user_lookup(argv[1], &user, &err);
	if (r >= 0)
		r = sbx_role_resolve(cfg, user, &v, &err);
	if (r >= 0 && v.kind == SBX_VERDICT_ROLE)
		r = sbx_policy_build(v.role, user, &policy, &err);
	if (r < 0) {
		ctl_print_error(&err);
		sbx_error_clear(&err);
		return CTL_FAIL;
	}
	if (o->json)
		print_json(user, &v, policy);
	else
		print_text(user, &v, policy);
	return CTL_OK;
}
