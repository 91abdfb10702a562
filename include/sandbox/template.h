/* Templates in configuration strings: %u user name, %U uid, %g primary group
 * name, %h home directory, %r role name, %% a literal '%'.  Pure logic. */
#ifndef SANDBOX_TEMPLATE_H
#define SANDBOX_TEMPLATE_H

#include <sys/types.h>

#include "sandbox/error.h"

struct sbx_template_vars {
	const char *user;
	uid_t uid;
	const char *group;
	const char *home;
	const char *role;
};

/* Check the syntax of TMPL: 0, or -EINVAL with one message in err naming
 * the unknown sequence (a lone '%' at the end counts as unknown). */
int sbx_template_check(const char *tmpl, struct sbx_error *err);

/* Expand TMPL into a malloc'd *ret.  -EINVAL for bad syntax, -ENOMEM. */
int sbx_template_expand(const char *tmpl, const struct sbx_template_vars *vars,
			char **ret, struct sbx_error *err);

#endif
