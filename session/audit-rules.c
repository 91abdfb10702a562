/* Kernel audit rules for sandboxed logins: the text (pure), and the login
 * uids of exempt users to leave out (name service lookups).
 *
 * Why the filter is on auid and nothing else: the login uid is the one
 * identity a sandboxed user cannot change (pam_loginuid sets it,
 * --loginuid-immutable locks it, CAP_AUDIT_CONTROL is never in a sandbox).
 * auditctl's gid/egid fields match the process's current group, not group
 * membership, so a rule on the exempt role's group would miss members whose
 * primary group differs and would be dodged with newgrp or a setgid program.
 * Exempt users are therefore resolved to their uids when the rules are
 * generated, and excluded one by one (-F auid!=UID). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/audit.h"
#include "sandbox/cleanup.h"
#include "sandbox/identity.h"
#include "sandbox/role.h"

/* A rule holds at most 64 fields (AUDIT_MAX_FIELDS); ours use up to 5. */
#define MAX_EXCLUDE 59

static const struct {
	const char *comment;
	const char *syscalls;
	const char *exit;
	const char *key;
} rule_set[] = {
	{ "Commands run by sandboxed users", "execve,execveat", NULL, "sandbox-exec" },
	{ "Opens refused by permissions or by the sandbox (ausearch -k sandbox-denied)",
	  "open,openat,openat2,creat,truncate", "-EACCES", "sandbox-denied" },
	{ NULL, "open,openat,openat2,creat,truncate", "-EPERM", "sandbox-denied" },
	{ "Namespace and mount changes", "unshare,setns,mount,umount2,pivot_root", NULL, "sandbox-ns" },
};

int sbx_audit_rules_text(uint32_t uid_min, const uint32_t *exclude, size_t n_exclude,
			 const char *note, char **ret, struct sbx_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (n_exclude > MAX_EXCLUDE)
		return sbx_error_set(err, E2BIG,
				     "%zu exempt users to leave out, but a kernel audit rule holds at "
				     "most %d: give them uids below --uid-min instead",
				     n_exclude, MAX_EXCLUDE);
	f = open_memstream(&text, &len);
	if (!f)
		return sbx_error_set(err, ENOMEM, "out of memory");
	fputs("## pam_sandbox: kernel audit rules for sandboxed logins.\n"
	      "## Install as /etc/audit/rules.d/50-pam_sandbox.rules, then run augenrules --load.\n"
	      "## `sandboxctl audit-rules` prints these rules for the configured roles.\n", f);
	if (note)
		fprintf(f, "##\n%s", note);
	fputs("\n## Tie every record to the person: once pam_loginuid has set the login uid,\n"
	      "## no process (not even root inside a sandbox) may change it.  Needs a reboot\n"
	      "## to undo; containers that set their own login uids cannot run under it.\n"
	      "--loginuid-immutable\n", f);
	for (size_t i = 0; i < ELEMENTSOF(rule_set); i++) {
		if (rule_set[i].comment)
			fprintf(f, "\n## %s\n", rule_set[i].comment);
		for (int arch = 64; arch >= 32; arch -= 32) {
			fprintf(f, "-a always,exit -F arch=b%d -S %s", arch, rule_set[i].syscalls);
			if (rule_set[i].exit)
				fprintf(f, " -F exit=%s", rule_set[i].exit);
			fprintf(f, " -F auid>=%" PRIu32 " -F auid!=unset", uid_min);
			for (size_t j = 0; j < n_exclude; j++)
				fprintf(f, " -F auid!=%" PRIu32, exclude[j]);
			fprintf(f, " -k %s\n", rule_set[i].key);
		}
	}
	if (fclose(f) != 0 || !text) {
		free(text);
		return sbx_error_set(err, ENOMEM, "out of memory");
	}
	*ret = text;
	return 0;
}

static int add_uid(uint32_t **v, size_t *n, uint32_t uid)
{
	uint32_t *p;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == uid)
			return 0;
	p = realloc(*v, (*n + 1) * sizeof(**v));
	if (!p)
		return -ENOMEM;
	p[(*n)++] = uid;
	*v = p;
	return 0;
}

static int add_name(char ***v, size_t *n, const char *name)
{
	char **p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return 0;
	p = realloc(*v, (*n + 2) * sizeof(char *));
	if (!p)
		return -ENOMEM;
	*v = p;
	p[*n] = strdup(name);
	if (!p[*n])
		return -ENOMEM;
	p[++*n] = NULL;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int sbx_audit_rules_exempt(const struct sbx_config *cfg, uint32_t uid_min, uint32_t **ret,
			   size_t *ret_n, char **ret_note, struct sbx_error *err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ uint32_t *uids = NULL;
	size_t n_names = 0, n = 0;
	char *note = NULL;
	size_t note_len = 0;
	FILE *nf;

	/* Candidates: users named in the assignment, and the members of every
	 * group named there.  The role resolver then decides for each, so a
	 * user entry or an earlier group entry wins as at login. */
	for (size_t i = 0; i < cfg->n_users; i++)
		if (add_name(&names, &n_names, cfg->users[i].name) < 0)
			return sbx_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->n_groups; i++) {
		struct group *gr = getgrnam(cfg->groups[i].name);
		if (!gr)
			continue;
		for (char **m = gr->gr_mem; m && *m; m++)
			if (add_name(&names, &n_names, *m) < 0)
				return sbx_error_set(err, ENOMEM, "out of memory");
		gid_t gid = gr->gr_gid;
		struct passwd *pw;
		setpwent();
		while ((pw = getpwent()))
			if (pw->pw_gid == gid && add_name(&names, &n_names, pw->pw_name) < 0) {
				endpwent();
				return sbx_error_set(err, ENOMEM, "out of memory");
			}
		endpwent();
	}

	nf = open_memstream(&note, &note_len);
	if (!nf)
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n_names; i++) {
		struct sbx_user *u = NULL;
		struct sbx_verdict v;
		struct sbx_error e = SBX_ERROR_INIT;

		if (sbx_user_lookup(names[i], &u, &e) < 0) {
			sbx_error_clear(&e);
			continue;
		}
		if (sbx_role_resolve(cfg, u, &v, &e) == 0 && u->uid >= uid_min &&
		    ((v.kind == SBX_VERDICT_ROLE && !v.role->sandbox) || v.kind == SBX_VERDICT_NONE)) {
			if (add_uid(&uids, &n, (uint32_t)u->uid) < 0) {
				sbx_user_free(u);
				fclose(nf);
				free(note);
				return sbx_error_set(err, ENOMEM, "out of memory");
			}
			fprintf(nf, "## not tracked: %s (uid %u), role %s\n", u->name, (unsigned)u->uid,
				v.kind == SBX_VERDICT_NONE ? "none" : v.role->name);
		}
		sbx_error_clear(&e);
		sbx_user_free(u);
	}
	if (cfg->default_role.role) {
		const struct sbx_role *r = sbx_config_role(cfg, cfg->default_role.role);
		if (!strcmp(cfg->default_role.role, "none") || (r && !r->sandbox))
			fprintf(nf, "## note: the default role (%s) is not sandboxed; these rules still\n"
				    "## track every other uid >= %" PRIu32 ".\n",
				cfg->default_role.role, uid_min);
	}
	fprintf(nf, "## Exempt users are resolved when the rules are generated: run\n"
		    "## sandboxctl audit-rules again after changing roles or group members.\n");
	if (fclose(nf) != 0 || !note) {
		free(note);
		return sbx_error_set(err, ENOMEM, "out of memory");
	}
	if (n)
		qsort(uids, n, sizeof(*uids), cmp_u32);
	*ret = TAKE_PTR(uids);
	*ret_n = n;
	*ret_note = note;
	return 0;
}
