/* Template expansion: see include/sandbox/template.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "sandbox/template.h"

#define KNOWN "%%u %%U %%g %%h %%r %%%%"

int sbx_template_check(const char *tmpl, struct sbx_error *err)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (!*p)
			return sbx_error_set(err, EINVAL,
					     "template ends with a lone '%%' (write %%%% for a literal '%%'; known: " KNOWN ")");
		if (!strchr("uUghr%", *p))
			return sbx_error_set(err, EINVAL,
					     "unknown template '%%%c' (known: " KNOWN ")", *p);
	}
	return 0;
}

int sbx_template_expand(const char *tmpl, const struct sbx_template_vars *vars,
			char **ret, struct sbx_error *err)
{
	_cleanup_free_ char *out = NULL;
	char uidbuf[16];
	size_t len = 0, cap = strlen(tmpl) + 64;
	int r;

	r = sbx_template_check(tmpl, err);
	if (r < 0)
		return r;
	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)vars->uid);

	out = malloc(cap);
	if (!out)
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (const char *p = tmpl; *p; p++) {
		const char *piece;
		char one[2] = { *p, '\0' };
		size_t n;

		if (*p == '%') {
			switch (*++p) {
			case 'u': piece = vars->user; break;
			case 'U': piece = uidbuf; break;
			case 'g': piece = vars->group; break;
			case 'h': piece = vars->home; break;
			case 'r': piece = vars->role; break;
			default: piece = "%"; break; /* "%%": checked above */
			}
			if (!piece)
				piece = "";
		} else {
			piece = one;
		}
		n = strlen(piece);
		if (len + n + 1 > cap) {
			char *bigger;

			cap = (len + n + 1) * 2;
			bigger = realloc(out, cap);
			if (!bigger)
				return sbx_error_set(err, ENOMEM, "out of memory");
			out = bigger;
		}
		memcpy(out + len, piece, n);
		len += n;
	}
	out[len] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}
