/* Unit tests: role resolution (with users built by hand, the seam for the
 * name service) and building a user's policy from a role. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox/cleanup.h"
#include "sandbox/policy.h"
#include "sandbox/role.h"

static struct sbx_role roles[] = {
	{ .name = (char *)"developer", .sandbox = true },
	{ .name = (char *)"restricted", .sandbox = true },
	{ .name = (char *)"admin", .sandbox = false },
};
static struct sbx_assign users[] = {
	{ .name = (char *)"1st.user", .role = (char *)"admin", .file = (char *)"a.conf", .line = 3 },
	{ .name = (char *)"mallory", .role = (char *)"deny", .file = (char *)"a.conf", .line = 4 },
	{ .name = (char *)"bob", .role = (char *)"none", .file = (char *)"a.conf", .line = 5 },
};
static struct sbx_assign groups[] = {
	{ .name = (char *)"contractors", .role = (char *)"restricted", .file = (char *)"a.conf", .line = 8 },
	{ .name = (char *)"sudo", .role = (char *)"admin", .file = (char *)"b.conf", .line = 2 },
};

static struct sbx_config make_config(const char *default_role)
{
	struct sbx_config c = {
		.users = users, .n_users = ELEMENTSOF(users),
		.groups = groups, .n_groups = ELEMENTSOF(groups),
		.roles = roles, .n_roles = ELEMENTSOF(roles),
	};
	c.default_role.role = (char *)default_role;
	c.default_role.file = (char *)"a.conf";
	c.default_role.line = 10;
	return c;
}

/* sbx_config_role() lives in config.c; the resolver only needs lookup. */
static void check(const struct sbx_config *cfg, const char *name, char **grps,
		  enum sbx_verdict_kind kind, const char *role, enum sbx_rule rule, int line)
{
	struct sbx_user u = { .name = (char *)name, .group = grps ? grps[0] : (char *)"users", .groups = grps };
	struct sbx_verdict v;
	struct sbx_error err = SBX_ERROR_INIT;

	assert_int_equal(sbx_role_resolve(cfg, &u, &v, &err), 0);
	assert_int_equal(v.kind, kind);
	assert_int_equal(v.rule, rule);
	assert_int_equal(v.match->line, line);
	if (role) {
		assert_non_null(v.role);
		assert_string_equal(v.role->name, role);
	} else {
		assert_null(v.role);
	}
}

static void test_user_entry_wins(void **state)
{
	struct sbx_config cfg = make_config("developer");
	char *g[] = { (char *)"contractors", NULL };

	(void)state;
	/* Explicit user entry beats a matching group. */
	check(&cfg, "1st.user", g, SBX_VERDICT_ROLE, "admin", SBX_RULE_USER, 3);
	check(&cfg, "mallory", NULL, SBX_VERDICT_DENY, NULL, SBX_RULE_USER, 4);
	check(&cfg, "bob", NULL, SBX_VERDICT_NONE, NULL, SBX_RULE_USER, 5);
}

static void test_group_order(void **state)
{
	struct sbx_config cfg = make_config("developer");
	/* Member of both: the first entry in file order wins, whatever the
	 * order of the user's own group list. */
	char *both[] = { (char *)"staff", (char *)"sudo", (char *)"contractors", NULL };
	char *sudo_only[] = { (char *)"sudo", NULL };
	char *primary[] = { (char *)"contractors", NULL };

	(void)state;
	check(&cfg, "carol", both, SBX_VERDICT_ROLE, "restricted", SBX_RULE_GROUP, 8);
	check(&cfg, "dave", sudo_only, SBX_VERDICT_ROLE, "admin", SBX_RULE_GROUP, 2);
	check(&cfg, "erin", primary, SBX_VERDICT_ROLE, "restricted", SBX_RULE_GROUP, 8);
}

static void test_default(void **state)
{
	struct sbx_config cfg = make_config("developer");
	struct sbx_config deny = make_config("deny");
	struct sbx_config none = make_config("none");
	char *g[] = { (char *)"staff", NULL };

	(void)state;
	check(&cfg, "frank", g, SBX_VERDICT_ROLE, "developer", SBX_RULE_DEFAULT, 10);
	check(&deny, "frank", g, SBX_VERDICT_DENY, NULL, SBX_RULE_DEFAULT, 10);
	check(&none, "frank", g, SBX_VERDICT_NONE, NULL, SBX_RULE_DEFAULT, 10);
	/* No group list at all: only the primary group name counts. */
	check(&cfg, "grace", NULL, SBX_VERDICT_ROLE, "developer", SBX_RULE_DEFAULT, 10);
}

/* The groups are looked up only when a group rule can decide: a user rule
 * decides first, and without group rules there is nothing to look up. */
static void test_needs_groups(void **state)
{
	struct sbx_config cfg = make_config("developer");
	struct sbx_config no_groups = make_config("developer");
	struct sbx_user named = { .name = (char *)"mallory" };
	struct sbx_user other = { .name = (char *)"frank" };

	(void)state;
	no_groups.n_groups = 0;
	assert_false(sbx_role_needs_groups(&cfg, &named));
	assert_true(sbx_role_needs_groups(&cfg, &other));
	assert_false(sbx_role_needs_groups(&no_groups, &other));
	assert_false(sbx_role_needs_groups(&no_groups, &named));
}

static void test_undefined_role(void **state)
{
	struct sbx_config cfg = make_config("ghost");
	struct sbx_user u = { .name = (char *)"frank", .group = (char *)"x" };
	struct sbx_verdict v;
	struct sbx_error err = SBX_ERROR_INIT;

	(void)state;
	assert_int_equal(sbx_role_resolve(&cfg, &u, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "a.conf:10: role \"ghost\" is not defined");
	sbx_error_clear(&err);
}

static void test_policy_expansion(void **state)
{
	struct sbx_path ro[] = { { (char *)"/usr", false }, { (char *)"%h/.ssh", true } };
	struct sbx_path hid[] = { { (char *)"/srv//%r/", false } };
	struct sbx_bind b[] = { { (char *)"/data/%U", (char *)"/mnt/%u", true, false } };
	struct sbx_role r = {
		.name = (char *)"developer", .sandbox = true, .hostname = (char *)"%u-box",
		.namespaces = SBX_NS_MOUNT | SBX_NS_PID,
		.fs = { .private_tmp = true, .hide_other_homes = true,
			.read_only = ro, .n_read_only = 2, .hidden = hid, .n_hidden = 1,
			.binds = b, .n_binds = 1 },
	};
	struct sbx_user u = { .name = (char *)"alice.b", .uid = 1042, .gid = 100,
			      .group = (char *)"users", .home = (char *)"/home/alice.b/" };
	struct sbx_policy *p = NULL;
	struct sbx_error err = SBX_ERROR_INIT;

	(void)state;
	assert_int_equal(sbx_policy_build(&r, &u, &p, &err), 0);
	assert_string_equal(p->role.hostname, "alice.b-box");
	assert_string_equal(p->role.fs.read_only[0].path, "/usr");
	assert_string_equal(p->role.fs.read_only[1].path, "/home/alice.b/.ssh");
	assert_true(p->role.fs.read_only[1].optional);
	assert_string_equal(p->role.fs.hidden[0].path, "/srv/developer");
	assert_string_equal(p->role.fs.binds[0].source, "/data/1042");
	assert_string_equal(p->role.fs.binds[0].target, "/mnt/alice.b");
	assert_string_equal(p->home, "/home/alice.b");
	assert_int_equal(p->uid, 1042);
	/* The role itself is untouched. */
	assert_string_equal(r.hostname, "%u-box");
	sbx_policy_free(p);
}

static void test_policy_hostile_values(void **state)
{
	struct sbx_path ro[] = { { (char *)"%h/x", false } };
	struct sbx_role r = { .name = (char *)"developer", .sandbox = true,
			      .fs = { .read_only = ro, .n_read_only = 1 } };
	struct sbx_role h = { .name = (char *)"developer", .sandbox = true, .hostname = (char *)"%u" };
	struct sbx_user rel = { .name = (char *)"x", .group = (char *)"x", .home = (char *)"home/x" };
	struct sbx_user dots = { .name = (char *)"x", .group = (char *)"x", .home = (char *)"/home/../etc" };
	struct sbx_user odd = { .name = (char *)"a b;c", .group = (char *)"x", .home = (char *)"/h" };
	struct sbx_policy *p = NULL;
	struct sbx_error err = SBX_ERROR_INIT;

	(void)state;
	assert_int_equal(sbx_policy_build(&r, &rel, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "filesystem.read_only: \"%h/x\" expands to \"home/x/x\""));
	assert_null(p);
	sbx_error_clear(&err);
	assert_int_equal(sbx_policy_build(&r, &dots, &p, &err), -EINVAL);
	assert_null(p);
	sbx_error_clear(&err);
	assert_int_equal(sbx_policy_build(&h, &odd, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "hostname: \"a b;c\" is not a valid host name");
	sbx_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_entry_wins),
		cmocka_unit_test(test_group_order),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_needs_groups),
		cmocka_unit_test(test_undefined_role),
		cmocka_unit_test(test_policy_expansion),
		cmocka_unit_test(test_policy_hostile_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
