/* Building the effective policy of one user: see include/sandbox/policy.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "sandbox/policy.h"
#include "sandbox/template.h"

void sbx_policy_free(struct sbx_policy *p)
{
	if (!p)
		return;
	sbx_role_clear(&p->role);
	free(p->user);
	free(p->group);
	free(p->home);
	free(p);
}
SBX_DEFINE_CLEANUP(struct sbx_policy, sbx_policy_free)

int sbx_path_normalize(char *path)
{
	char *w = path;
	const char *r = path;

	if (path[0] != '/')
		return -EINVAL;
	while (*r) {
		const char *end;
		size_t n;

		while (*r == '/')
			r++;
		if (!*r)
			break;
		end = strchrnul(r, '/');
		n = (size_t)(end - r);
		if ((n == 1 && r[0] == '.') || (n == 2 && r[0] == '.' && r[1] == '.'))
			return -EINVAL;
		*w++ = '/';
		memmove(w, r, n);
		w += n;
		r = end;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return 0;
}

/* A host name the kernel and every tool will take: 1..64 bytes of letters,
 * digits, '-', '.' and '_' (user names may hold the last two). */
static int hostname_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 64 || h[0] == '-' || h[0] == '.')
		return 0;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return 0;
	return 1;
}

/* Expand *field in place; for paths, also normalise and check it.  WHAT
 * names the setting in error messages. */
static int expand(char **field, const struct sbx_template_vars *v, int is_path,
		  const char *what, struct sbx_error *err)
{
	char *out = NULL;
	int r;

	if (!*field)
		return 0;
	r = sbx_template_expand(*field, v, &out, err);
	if (r < 0)
		return sbx_error_prefix(err, "%s: ", what);
	if (is_path && sbx_path_normalize(out) < 0) {
		r = sbx_error_set(err, EINVAL,
				  "%s: \"%s\" expands to \"%s\", which is not an absolute path without \".\" or \"..\" components",
				  what, *field, out);
		free(out);
		return r;
	}
	free(*field);
	*field = out;
	return 0;
}

int sbx_policy_build(const struct sbx_role *role, const struct sbx_user *user,
		     struct sbx_policy **ret, struct sbx_error *err)
{
	_cleanup_(sbx_policy_freep) struct sbx_policy *p = NULL;
	struct sbx_filesystem *fs;
	struct sbx_template_vars v;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return sbx_error_set(err, ENOMEM, "out of memory");
	if (sbx_role_copy(&p->role, role) < 0)
		return sbx_error_set(err, ENOMEM, "out of memory");
	p->user = strdup(user->name);
	p->group = strdup(user->group ? user->group : "");
	p->home = strdup(user->home ? user->home : "");
	if (!p->user || !p->group || !p->home)
		return sbx_error_set(err, ENOMEM, "out of memory");
	p->uid = user->uid;
	p->gid = user->gid;

	v = (struct sbx_template_vars){
		.user = p->user, .uid = p->uid, .group = p->group,
		.home = p->home, .role = role->name,
	};

	r = expand(&p->role.hostname, &v, 0, "hostname", err);
	if (r < 0)
		return r;
	if (p->role.hostname && !hostname_ok(p->role.hostname))
		return sbx_error_set(err, EINVAL, "hostname: \"%s\" is not a valid host name",
				     p->role.hostname);

	fs = &p->role.fs;
	for (size_t i = 0; i < fs->n_read_only; i++)
		if ((r = expand(&fs->read_only[i].path, &v, 1, "filesystem.read_only", err)) < 0)
			return r;
	for (size_t i = 0; i < fs->n_hidden; i++)
		if ((r = expand(&fs->hidden[i].path, &v, 1, "filesystem.hidden", err)) < 0)
			return r;
	for (size_t i = 0; i < fs->n_binds; i++) {
		if ((r = expand(&fs->binds[i].source, &v, 1, "filesystem.bind source", err)) < 0 ||
		    (r = expand(&fs->binds[i].target, &v, 1, "filesystem.bind target", err)) < 0)
			return r;
		if (!strcmp(fs->binds[i].target, "/"))
			return sbx_error_set(err, EINVAL, "filesystem.bind: cannot bind over /");
	}
	/* The home is a path we mount (hide_other_homes keeps it visible). */
	if (p->role.sandbox && fs->hide_other_homes && sbx_path_normalize(p->home) < 0)
		return sbx_error_set(err, EINVAL,
				     "home directory \"%s\" of %s is not an absolute path",
				     user->home ? user->home : "", user->name);

	*ret = TAKE_PTR(p);
	return 0;
}
