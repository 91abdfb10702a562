/* The part of a policy the sandbox's init needs to build the view, as
 * bytes: the creator writes it into a memfd that sandbox-init reads.
 *
 * Format: NUL-terminated strings, a tag then its fields:
 *   "uid" N | "ns" N | "home" PATH | "hostname" NAME | "tmp" | "homes" |
 *   "ro" PATH OPT | "hide" PATH OPT | "bind" SRC DST RO OPT
 * (OPT and RO are "0" or "1").  NUL cannot occur inside a C string, so no
 * escaping is needed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "sandbox/cleanup.h"

static void put(FILE *f, const char *s)
{
	fputs(s, f);
	fputc(0, f);
}

static void put_u(FILE *f, unsigned long long v)
{
	fprintf(f, "%llu", v);
	fputc(0, f);
}

int sbx_wire_encode(const struct sbx_policy *p, unsigned ns, char **ret, size_t *ret_len)
{
	const struct sbx_filesystem *fs = &p->role.fs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	put(f, "uid");
	put_u(f, p->uid);
	put(f, "ns");
	put_u(f, ns);
	if (p->home) {
		put(f, "home");
		put(f, p->home);
	}
	if (p->role.hostname) {
		put(f, "hostname");
		put(f, p->role.hostname);
	}
	if (fs->private_tmp)
		put(f, "tmp");
	if (fs->hide_other_homes)
		put(f, "homes");
	for (size_t i = 0; i < fs->n_read_only; i++) {
		put(f, "ro");
		put(f, fs->read_only[i].path);
		put(f, fs->read_only[i].optional ? "1" : "0");
	}
	for (size_t i = 0; i < fs->n_hidden; i++) {
		put(f, "hide");
		put(f, fs->hidden[i].path);
		put(f, fs->hidden[i].optional ? "1" : "0");
	}
	for (size_t i = 0; i < fs->n_binds; i++) {
		put(f, "bind");
		put(f, fs->binds[i].source);
		put(f, fs->binds[i].target);
		put(f, fs->binds[i].read_only ? "1" : "0");
		put(f, fs->binds[i].optional ? "1" : "0");
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

void sbx_wire_free(struct sbx_policy *p)
{
	struct sbx_filesystem *fs = &p->role.fs;

	for (size_t i = 0; i < fs->n_read_only; i++)
		free(fs->read_only[i].path);
	for (size_t i = 0; i < fs->n_hidden; i++)
		free(fs->hidden[i].path);
	for (size_t i = 0; i < fs->n_binds; i++) {
		free(fs->binds[i].source);
		free(fs->binds[i].target);
	}
	free(fs->read_only);
	free(fs->hidden);
	free(fs->binds);
	free(p->home);
	free(p->role.hostname);
	*p = (struct sbx_policy){ 0 };
}

/* Next string of the buffer, or NULL at its end / when unterminated. */
static const char *next(const char *buf, size_t len, size_t *off)
{
	const char *s, *nul;

	if (*off >= len)
		return NULL;
	s = buf + *off;
	nul = memchr(s, 0, len - *off);
	if (!nul)
		return NULL;
	*off = (size_t)(nul - buf) + 1;
	return s;
}

static int dup_to(char **dst, const char *s)
{
	if (!s)
		return -EINVAL;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int flag(const char *s, bool *ret)
{
	if (!s || (strcmp(s, "0") != 0 && strcmp(s, "1") != 0))
		return -EINVAL;
	*ret = s[0] == '1';
	return 0;
}

int sbx_wire_decode(const char *buf, size_t len, struct sbx_policy *p, unsigned *ret_ns)
{
	struct sbx_filesystem *fs = &p->role.fs;
	unsigned long long v;
	const char *tag;
	size_t off = 0;
	int r = 0;

	*p = (struct sbx_policy){ 0 };
	*ret_ns = 0;
	while (r == 0 && (tag = next(buf, len, &off))) {
		if (strcmp(tag, "uid") == 0 || strcmp(tag, "ns") == 0) {
			const char *s = next(buf, len, &off);
			r = s ? sbx_parse_ull(s, &v) : -EINVAL;
			if (r == 0 && tag[0] == 'u')
				p->uid = (uid_t)v;
			else if (r == 0)
				*ret_ns = (unsigned)v;
		} else if (strcmp(tag, "home") == 0) {
			free(p->home);
			r = dup_to(&p->home, next(buf, len, &off));
		} else if (strcmp(tag, "hostname") == 0) {
			free(p->role.hostname);
			r = dup_to(&p->role.hostname, next(buf, len, &off));
		} else if (strcmp(tag, "tmp") == 0) {
			fs->private_tmp = true;
		} else if (strcmp(tag, "homes") == 0) {
			fs->hide_other_homes = true;
		} else if (strcmp(tag, "ro") == 0 || strcmp(tag, "hide") == 0) {
			struct sbx_path **v2 = tag[0] == 'r' ? &fs->read_only : &fs->hidden;
			size_t *n = tag[0] == 'r' ? &fs->n_read_only : &fs->n_hidden;
			struct sbx_path *nv = realloc(*v2, (*n + 1) * sizeof(**v2));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			*v2 = nv;
			nv[*n] = (struct sbx_path){ 0 };
			(*n)++;
			r = dup_to(&nv[*n - 1].path, next(buf, len, &off));
			if (r == 0)
				r = flag(next(buf, len, &off), &nv[*n - 1].optional);
		} else if (strcmp(tag, "bind") == 0) {
			struct sbx_bind *nb = realloc(fs->binds, (fs->n_binds + 1) * sizeof(*nb));
			struct sbx_bind *b;
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			fs->binds = nb;
			b = &nb[fs->n_binds++];
			*b = (struct sbx_bind){ 0 };
			r = dup_to(&b->source, next(buf, len, &off));
			if (r == 0)
				r = dup_to(&b->target, next(buf, len, &off));
			if (r == 0)
				r = flag(next(buf, len, &off), &b->read_only);
			if (r == 0)
				r = flag(next(buf, len, &off), &b->optional);
		} else {
			r = -EINVAL;
		}
	}
	if (r == 0 && off != len)
		r = -EINVAL;
	if (r < 0)
		sbx_wire_free(p);
	return r;
}
