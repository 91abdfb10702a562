/* User and group lookups through NSS: see include/sandbox/identity.h.
 * Reentrant calls only (getpwnam_r, getgrgid_r, getgrouplist): this runs
 * inside sshd, which may use the non-reentrant ones itself. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cleanup.h"
#include "sandbox/identity.h"

/* The name service accepts almost anything; we refuse names that could only
 * be an attack on something downstream (paths, audit fields, log lines).
 * Dots, digits first, '@', '-' and '_' are all fine. */
static int name_is_sane(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 256 || name[0] == '-')
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x21 || *p == 0x7f || *p == '/' || *p == ':')
			return 0;
	return 1;
}

static long buf_size(int which)
{
	long n = sysconf(which);

	return n > 0 ? n : 16384;
}

/* The name of group GID, or its number as text when it has no name.
 * Returns a malloc'd string or NULL (out of memory). */
static char *group_name(gid_t gid)
{
	_cleanup_free_ char *buf = NULL;
	struct group gr, *res = NULL;
	size_t len = (size_t)buf_size(_SC_GETGR_R_SIZE_MAX);
	char *out;
	int r;

	for (;;) {
		buf = malloc(len);
		if (!buf)
			return NULL;
		r = getgrgid_r(gid, &gr, buf, len, &res);
		if (r != ERANGE)
			break;
		free(buf);
		buf = NULL;
		len *= 2;
		if (len > (1u << 24))
			break;
	}
	if (r == 0 && res && res->gr_name)
		return strdup(res->gr_name);
	if (asprintf(&out, "%u", (unsigned)gid) < 0)
		return NULL;
	return out;
}

void sbx_user_free(struct sbx_user *user)
{
	if (!user)
		return;
	free(user->name);
	free(user->group);
	free(user->home);
	sbx_strv_free(user->groups);
	free(user);
}
SBX_DEFINE_CLEANUP(struct sbx_user, sbx_user_free)

int sbx_user_lookup_account(const char *name, struct sbx_user **ret, struct sbx_error *err)
{
	_cleanup_(sbx_user_freep) struct sbx_user *u = NULL;
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *res = NULL;
	size_t len = (size_t)buf_size(_SC_GETPW_R_SIZE_MAX);
	int r;

	if (!name || !name_is_sane(name))
		return sbx_error_set(err, EINVAL, "refusing a user name that cannot be valid");

	for (;;) {
		buf = malloc(len);
		if (!buf)
			return sbx_error_set(err, ENOMEM, "out of memory");
		errno = 0;
		r = getpwnam_r(name, &pw, buf, len, &res);
		if (r != ERANGE)
			break;
		free(buf);
		buf = NULL;
		len *= 2;
		if (len > (1u << 24))
			return sbx_error_set(err, ERANGE, "user %s: passwd entry too large", name);
	}
	if (r != 0)
		return sbx_error_set(err, r, "user %s: name service lookup failed: %s", name, strerror(r));
	if (!res)
		return sbx_error_set(err, ENOENT, "no such user: %s", name);

	u = calloc(1, sizeof(*u));
	if (!u)
		return sbx_error_set(err, ENOMEM, "out of memory");
	u->name = strdup(pw.pw_name);
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	u->home = strdup(pw.pw_dir ? pw.pw_dir : "");
	u->group = group_name(pw.pw_gid);
	if (!u->name || !u->home || !u->group)
		return sbx_error_set(err, ENOMEM, "out of memory");
	*ret = TAKE_PTR(u);
	return 0;
}

int sbx_user_lookup_groups(struct sbx_user *u, struct sbx_error *err)
{
	_cleanup_free_ gid_t *gids = NULL;
	_cleanup_strv_free_ char **groups = NULL;
	int ngids = 32, n;

	if (u->groups)
		return 0;
	/* Primary and supplementary groups, as initgroups() would set them. */
	for (;;) {
		gid_t *more = realloc(gids, (size_t)ngids * sizeof(gid_t));

		if (!more)
			return sbx_error_set(err, ENOMEM, "out of memory");
		gids = more;
		n = ngids;
		if (getgrouplist(u->name, u->gid, gids, &n) >= 0) {
			ngids = n;
			break;
		}
		if (n <= ngids)
			n = ngids * 2;
		if (n > 65536)
			return sbx_error_set(err, ERANGE, "user %s: too many groups", u->name);
		ngids = n;
	}

	groups = calloc((size_t)ngids + 2, sizeof(char *));
	if (!groups || !(groups[0] = strdup(u->group)))
		return sbx_error_set(err, ENOMEM, "out of memory");
	for (int i = 0, k = 1; i < ngids; i++) {
		if (gids[i] == u->gid)
			continue;
		if (!(groups[k++] = group_name(gids[i])))
			return sbx_error_set(err, ENOMEM, "out of memory");
	}
	u->groups = TAKE_PTR(groups);
	return 0;
}

int sbx_user_lookup(const char *name, struct sbx_user **ret, struct sbx_error *err)
{
	_cleanup_(sbx_user_freep) struct sbx_user *u = NULL;
	int r;

	r = sbx_user_lookup_account(name, &u, err);
	if (r == 0)
		r = sbx_user_lookup_groups(u, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(u);
	return 0;
}

int sbx_user_in_group(const struct sbx_user *user, const char *group)
{
	if (!user->groups)
		return user->group && !strcmp(user->group, group);
	for (char **g = user->groups; *g; g++)
		if (!strcmp(*g, group))
			return 1;
	return 0;
}
