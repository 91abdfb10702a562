/* Unit tests of the configuration loader and validator (config.c,
 * config-schema.c): every field of a full config, defaults, inheritance,
 * drop-ins and @include, and the wording of each class of error. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "sandbox/config.h"

static struct sbx_config *load_ok(const char *text)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	int r = sbx_config_load_string(text, "t.conf", &cfg, &err);

	if (r < 0)
		fprintf(stderr, "unexpected errors:\n%s\n", sbx_error_text(&err));
	assert_int_equal(r, 0);
	assert_non_null(cfg);
	sbx_error_clear(&err);
	return cfg;
}

/* Load TEXT, expect it refused with exactly the messages EXPECTED. */
static void load_bad(const char *text, const char *expected)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = (struct sbx_config *)1;
	int r = sbx_config_load_string(text, "t.conf", &cfg, &err);

	assert_int_equal(r, -EINVAL);
	assert_null(cfg);
	assert_string_equal(sbx_error_text(&err), expected);
	sbx_error_clear(&err);
}

static const char full[] =
	"settings = {\n"
	"  on_error = \"allow\";\n"
	"  cgroup_driver = \"cgroupfs\";\n"
	"  cgroup_parent = \"a/b.c\";\n"
	"  state_dir = \"/var/lib/sbx\";\n"
	"  audit_required = true;\n"
	"};\n"
	"assign = {\n"
	"  users = ( { name = \"alice\"; role = \"admin\"; },\n"
	"            { name = \"1.bob\"; role = \"deny\"; } );\n"
	"  groups = ( { name = \"contractors\"; role = \"restricted\"; },\n"
	"             { name = \"sudo\"; role = \"admin\"; } );\n"
	"  default = \"developer\";\n"
	"};\n"
	"roles = {\n"
	"  developer = {\n"
	"    namespaces = [ \"mount\", \"ipc\", \"uts\", \"pid\", \"cgroup\" ];\n"
	"    hostname = \"%u-dev\";\n"
	"    filesystem = {\n"
	"      private_tmp = false;\n"
	"      hide_other_homes = false;\n"
	"      read_only = [ \"/usr\", \"-/opt\" ];\n"
	"      hidden = [ \"/root\", \"-/run/docker.sock\" ];\n"
	"      bind = ( { source = \"/srv/%u\"; target = \"/projects\"; read_only = true; optional = true; },\n"
	"               { source = \"%h/x\"; target = \"/x\"; } );\n"
	"    };\n"
	"    network = \"host\";\n"
	"    limits = { memory = \"4G\"; memory_high = \"3G\"; swap = \"0\"; pids = 1024;\n"
	"               cpus = 2.5; io_weight = 100; optional = [ \"io_weight\", \"swap\" ]; };\n"
	"    privileges = { capabilities = [ \"CAP_NET_BIND_SERVICE\", \"chown\" ]; no_new_privs = true; };\n"
	"    session = { linger = false; max_sessions = 3; };\n"
	"    audit = { tty = true; log_passwd = true; };\n"
	"  };\n"
	"  restricted = { inherits = \"developer\"; network = \"none\"; };\n"
	"  admin = { sandbox = false; };\n"
	"};\n";

static void test_full(void **state)
{
	struct sbx_config *cfg = load_ok(full);
	const struct sbx_role *d, *r, *a;
	(void)state;

	assert_int_equal(cfg->settings.on_error, SBX_ON_ERROR_ALLOW);
	assert_int_equal(cfg->settings.cgroup_driver, SBX_CGROUP_CGROUPFS);
	assert_string_equal(cfg->settings.cgroup_parent, "a/b.c");
	assert_string_equal(cfg->settings.state_dir, "/var/lib/sbx");
	assert_true(cfg->settings.audit_required);

	assert_int_equal(cfg->n_users, 2);
	assert_string_equal(cfg->users[0].name, "alice");
	assert_string_equal(cfg->users[0].role, "admin");
	assert_int_equal(cfg->users[0].line, 9);
	assert_string_equal(cfg->users[0].file, "t.conf");
	assert_string_equal(cfg->users[1].name, "1.bob");
	assert_string_equal(cfg->users[1].role, "deny");
	assert_int_equal(cfg->n_groups, 2);
	assert_string_equal(cfg->groups[0].name, "contractors");
	assert_string_equal(cfg->groups[1].name, "sudo");
	assert_null(cfg->default_role.name);
	assert_string_equal(cfg->default_role.role, "developer");
	assert_int_equal(cfg->default_role.line, 13);

	assert_int_equal(cfg->n_roles, 3);
	assert_non_null(cfg->files);
	assert_string_equal(cfg->files[0], "t.conf");
	assert_null(cfg->files[1]);

	d = sbx_config_role(cfg, "developer");
	assert_non_null(d);
	assert_string_equal(d->name, "developer");
	assert_int_equal(d->line, 16);
	assert_null(d->inherits);
	assert_true(d->sandbox);
	assert_int_equal(d->namespaces, SBX_NS_MOUNT | SBX_NS_IPC | SBX_NS_UTS | SBX_NS_PID | SBX_NS_CGROUP);
	assert_string_equal(d->hostname, "%u-dev");
	assert_false(d->fs.private_tmp);
	assert_false(d->fs.hide_other_homes);
	assert_int_equal(d->fs.n_read_only, 2);
	assert_string_equal(d->fs.read_only[0].path, "/usr");
	assert_false(d->fs.read_only[0].optional);
	assert_string_equal(d->fs.read_only[1].path, "/opt");
	assert_true(d->fs.read_only[1].optional);
	assert_int_equal(d->fs.n_hidden, 2);
	assert_string_equal(d->fs.hidden[1].path, "/run/docker.sock");
	assert_true(d->fs.hidden[1].optional);
	assert_int_equal(d->fs.n_binds, 2);
	assert_string_equal(d->fs.binds[0].source, "/srv/%u");
	assert_string_equal(d->fs.binds[0].target, "/projects");
	assert_true(d->fs.binds[0].read_only);
	assert_true(d->fs.binds[0].optional);
	assert_string_equal(d->fs.binds[1].source, "%h/x");
	assert_false(d->fs.binds[1].read_only);
	assert_false(d->fs.binds[1].optional);
	assert_int_equal(d->network, SBX_NETWORK_HOST);
	assert_true(d->limits.set == (1u << SBX_LIMIT__MAX) - 1);
	assert_true(d->limits.value[SBX_LIMIT_MEMORY] == 4ull << 30);
	assert_true(d->limits.value[SBX_LIMIT_MEMORY_HIGH] == 3ull << 30);
	assert_true(d->limits.value[SBX_LIMIT_SWAP] == 0);
	assert_true(d->limits.value[SBX_LIMIT_PIDS] == 1024);
	assert_true(d->limits.value[SBX_LIMIT_CPUS] == 2500);
	assert_true(d->limits.value[SBX_LIMIT_IO_WEIGHT] == 100);
	assert_int_equal(d->limits.optional, (1u << SBX_LIMIT_IO_WEIGHT) | (1u << SBX_LIMIT_SWAP));
	assert_true(d->priv.capabilities == ((1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_CHOWN)));
	assert_true(d->priv.no_new_privs);
	assert_false(d->session.linger);
	assert_int_equal(d->session.max_sessions, 3);
	assert_true(d->audit.tty);
	assert_true(d->audit.log_passwd);

	/* network = "none" adds the net namespace. */
	r = sbx_config_role(cfg, "restricted");
	assert_non_null(r);
	assert_string_equal(r->inherits, "developer");
	assert_int_equal(r->network, SBX_NETWORK_NONE);
	assert_int_equal(r->namespaces, d->namespaces | SBX_NS_NET);

	a = sbx_config_role(cfg, "admin");
	assert_non_null(a);
	assert_false(a->sandbox);
	assert_null(sbx_config_role(cfg, "deny"));
	assert_null(sbx_config_role(cfg, "nobody"));
	sbx_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct sbx_config *cfg = load_ok("assign = { default = \"r\"; }; roles = { r = { }; };");
	const struct sbx_role *r = sbx_config_role(cfg, "r");
	(void)state;

	assert_int_equal(cfg->settings.on_error, SBX_ON_ERROR_DENY);
	assert_int_equal(cfg->settings.cgroup_driver, SBX_CGROUP_AUTO);
	assert_string_equal(cfg->settings.cgroup_parent, "pam_sandbox");
	assert_string_equal(cfg->settings.state_dir, "/run/pam_sandbox");
	assert_false(cfg->settings.audit_required);
	assert_int_equal(cfg->n_users, 0);
	assert_int_equal(cfg->n_groups, 0);

	assert_non_null(r);
	assert_true(r->sandbox);
	assert_int_equal(r->namespaces, SBX_NS_MOUNT | SBX_NS_IPC | SBX_NS_UTS | SBX_NS_PID);
	assert_null(r->hostname);
	assert_null(r->inherits);
	assert_true(r->fs.private_tmp);
	assert_true(r->fs.hide_other_homes);
	assert_int_equal(r->fs.n_read_only + r->fs.n_hidden + r->fs.n_binds, 0);
	assert_int_equal(r->network, SBX_NETWORK_HOST);
	assert_int_equal(r->limits.set, 0);
	assert_int_equal(r->limits.optional, 0);
	assert_true(r->priv.capabilities == 0);
	assert_false(r->priv.no_new_privs);
	assert_true(r->session.linger);
	assert_int_equal(r->session.max_sessions, 0);
	assert_false(r->audit.tty);
	assert_false(r->audit.log_passwd);
	sbx_config_free(cfg);
}

static const char inherit_text[] =
	"assign = { default = \"c\"; };\n"
	"roles = {\n"
	"  a = {\n"
	"    hostname = \"a\";\n"
	"    namespaces = [ \"mount\", \"pid\", \"uts\" ];\n"
	"    filesystem = { private_tmp = false; read_only = [ \"/usr\", \"-/opt\" ];\n"
	"                   hidden = [ \"/root\" ];\n"
	"                   bind = ( { source = \"/s1\"; target = \"/t\"; }, { source = \"/s2\"; target = \"/u\"; } ); };\n"
	"    limits = { memory = \"1G\"; pids = 10; optional = [ \"pids\" ]; };\n"
	"    privileges = { capabilities = [ \"CAP_CHOWN\" ]; no_new_privs = true; };\n"
	"    session = { max_sessions = 5; };\n"
	"    audit = { tty = true; };\n"
	"  };\n"
	"  b = {\n"
	"    inherits = \"a\";\n"
	"    hostname = \"b\";\n"
	"    filesystem = { read_only = [ \"/etc\", \"/opt\" ]; hidden = [ \"/root\", \"-/srv\" ];\n"
	"                   bind = ( { source = \"/s3\"; target = \"/t\"; read_only = true; } ); };\n"
	"    limits = { pids = 20; cpus = 1; optional = [ \"cpus\" ]; };\n"
	"    privileges = { capabilities = [ ]; };\n"
	"    session = { linger = false; };\n"
	"  };\n"
	"  c = {\n"
	"    inherits = \"b\";\n"
	"    namespaces = [ \"mount\", \"pid\", \"uts\", \"ipc\" ];\n"
	"    filesystem = { read_only = [ \"/boot\" ]; };\n"
	"    limits = { memory = \"max\"; };\n"
	"  };\n"
	"};\n";

static void test_inheritance(void **state)
{
	struct sbx_config *cfg = load_ok(inherit_text);
	const struct sbx_role *b = sbx_config_role(cfg, "b"), *c = sbx_config_role(cfg, "c");
	(void)state;

	assert_non_null(b);
	assert_non_null(c);
	/* Scalars: the child's value wins; unset ones come from the parent. */
	assert_string_equal(b->hostname, "b");
	assert_string_equal(c->hostname, "b");
	assert_false(c->fs.private_tmp);
	assert_true(c->fs.hide_other_homes);
	assert_true(c->priv.no_new_privs);
	assert_false(c->session.linger);
	assert_int_equal(c->session.max_sessions, 5);
	assert_true(c->audit.tty);
	assert_string_equal(c->inherits, "b");
	assert_string_equal(b->inherits, "a");

	/* namespaces replace the parent's list. */
	assert_int_equal(b->namespaces, SBX_NS_MOUNT | SBX_NS_PID | SBX_NS_UTS);
	assert_int_equal(c->namespaces, SBX_NS_MOUNT | SBX_NS_PID | SBX_NS_UTS | SBX_NS_IPC);

	/* read_only / hidden extend, parent first, duplicates once; a path
	 * stays optional only if every mention says so. */
	assert_int_equal(b->fs.n_read_only, 3);
	assert_string_equal(b->fs.read_only[0].path, "/usr");
	assert_string_equal(b->fs.read_only[1].path, "/opt");
	assert_false(b->fs.read_only[1].optional);
	assert_string_equal(b->fs.read_only[2].path, "/etc");
	assert_int_equal(c->fs.n_read_only, 4);
	assert_string_equal(c->fs.read_only[3].path, "/boot");
	assert_int_equal(c->fs.n_hidden, 2);
	assert_string_equal(c->fs.hidden[0].path, "/root");
	assert_string_equal(c->fs.hidden[1].path, "/srv");
	assert_true(c->fs.hidden[1].optional);

	/* bind extends; the child's bind on the same target replaces it. */
	assert_int_equal(c->fs.n_binds, 2);
	assert_string_equal(c->fs.binds[0].source, "/s3");
	assert_string_equal(c->fs.binds[0].target, "/t");
	assert_true(c->fs.binds[0].read_only);
	assert_string_equal(c->fs.binds[1].source, "/s2");

	/* limits merge key by key; limits.optional replaces. */
	assert_true(b->limits.value[SBX_LIMIT_MEMORY] == 1ull << 30);
	assert_true(b->limits.value[SBX_LIMIT_PIDS] == 20);
	assert_true(b->limits.value[SBX_LIMIT_CPUS] == 1000);
	assert_int_equal(b->limits.set, (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_PIDS) | (1u << SBX_LIMIT_CPUS));
	assert_int_equal(b->limits.optional, 1u << SBX_LIMIT_CPUS);
	assert_true(c->limits.value[SBX_LIMIT_MEMORY] == SBX_UNLIMITED);
	assert_true(c->limits.value[SBX_LIMIT_PIDS] == 20);
	assert_int_equal(c->limits.optional, 1u << SBX_LIMIT_CPUS);

	/* capabilities replace: [ ] clears the parent's. */
	assert_true(sbx_config_role(cfg, "a")->priv.capabilities == 1ull << CAP_CHOWN);
	assert_true(b->priv.capabilities == 0);
	sbx_config_free(cfg);
}

static void test_inheritance_errors(void **state)
{
	(void)state;
	load_bad("assign = { default = \"a\"; };\nroles = {\n  a = { inherits = \"b\"; };\n  b = { inherits = \"c\"; };\n"
		 "  c = { inherits = \"a\"; };\n  d = { inherits = \"c\"; };\n};\n",
		 "t.conf:3: roles.a.inherits: inheritance cycle: a -> b -> c -> a\n"
		 "t.conf:4: roles.b.inherits: inheritance cycle: b -> c -> a -> b\n"
		 "t.conf:5: roles.c.inherits: inheritance cycle: c -> a -> b -> c");
	load_bad("assign = { default = \"a\"; };\nroles = {\n  a = { inherits = \"a\"; };\n};\n",
		 "t.conf:3: roles.a.inherits: inheritance cycle: a -> a");
	load_bad("assign = { default = \"a\"; };\nroles = {\n  a = {\n    inherits = \"developer\";\n  };\n  developr = { };\n};\n",
		 "t.conf:4: roles.a.inherits: role \"developer\" is not defined (did you mean \"developr\"?)");
	/* A constraint broken only in the effective role. */
	load_bad("assign = { default = \"b\"; };\nroles = {\n  a = { audit = { log_passwd = true; tty = true; }; };\n"
		 "  b = {\n    inherits = \"a\";\n    audit = { tty = false; };\n  };\n};\n",
		 "t.conf:4: roles.b.audit.log_passwd: audit.log_passwd = true needs audit.tty = true");
}

/* One line of config per class of error, and its exact message. */
static void test_validator_messages(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "assign = { default = \"deny\"; };\nsetings = { };\n",
		  "t.conf:2: setings: unknown setting (did you mean \"settings\"?)" },
		{ "assign = { default = \"deny\"; };\nsettings = { on_error = \"alow\"; };\n",
		  "t.conf:2: settings.on_error: expected \"deny\" or \"allow\", got \"alow\"" },
		{ "assign = { default = \"deny\"; };\nsettings = { state_dir = \"run\"; };\n",
		  "t.conf:2: settings.state_dir: expected an absolute path (starting with \"/\" or \"%h\"), got \"run\"" },
		{ "assign = { default = \"deny\"; };\nsettings = { cgroup_parent = \"a/../b\"; };\n",
		  "t.conf:2: settings.cgroup_parent: invalid cgroup name \"a/../b\" (expected a relative path of names made of letters, digits, '.', '_' and '-', without \"..\")" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { memroy = \"4G\"; }; }; };\n",
		  "t.conf:3: roles.r.limits.memroy: unknown setting (did you mean \"memory\"?)" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { memory = \"4GB\"; }; }; };\n",
		  "t.conf:3: roles.r.limits.memory: invalid size \"4GB\" (expected a number with an optional K, M, G or T suffix, or \"max\")" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { pids = \"many\"; }; }; };\n",
		  "t.conf:3: roles.r.limits.pids: expected an integer or \"max\", got a string" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { cpus = 0.001; }; }; };\n",
		  "t.conf:3: roles.r.limits.cpus: expected a number of cores from 0.01 to 4096 in steps of 0.01 (e.g. 0.5 or 2.0), got 0.001" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { io_weight = 0; }; }; };\n",
		  "t.conf:3: roles.r.limits.io_weight: expected an integer from 1 to 10000, got 0" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n limits = { optional = [ \"cpu\" ]; }; }; };\n",
		  "t.conf:3: roles.r.limits.optional.[0]: unknown limit \"cpu\" (did you mean \"cpus\"?)" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n namespaces = [ \"user\" ]; }; };\n",
		  "t.conf:3: roles.r.namespaces.[0]: the \"user\" namespace is never allowed (the kernel drops the audit records of processes inside one)" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n privileges = { capabilities = [ \"CAP_AUDIT_WRITE\" ]; }; }; };\n",
		  "t.conf:3: roles.r.privileges.capabilities.[0]: CAP_AUDIT_WRITE is never kept (with it the user could silence or forge audit records)" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n filesystem = { read_only = [ \"/a/../b\" ]; }; }; };\n",
		  "t.conf:3: roles.r.filesystem.read_only.[0]: path \"/a/../b\" must not contain \".\" or \"..\" components" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n filesystem = { hidden = [ \"%y/x\" ]; }; }; };\n",
		  "t.conf:3: roles.r.filesystem.hidden.[0]: expected an absolute path (starting with \"/\" or \"%h\"), got \"%y/x\"" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n filesystem = { hidden = [ \"/x/%y\" ]; }; }; };\n",
		  "t.conf:3: roles.r.filesystem.hidden.[0]: unknown template '%y' (known: %u %U %g %h %r %%)" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n filesystem = { bind = ( { source = \"/a\"; target = \"/\"; } ); }; }; };\n",
		  "t.conf:3: roles.r.filesystem.bind.[0].target: cannot bind over \"/\"" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n filesystem = { bind = ( { target = \"/a\"; } ); }; }; };\n",
		  "t.conf:3: roles.r.filesystem.bind.[0]: missing \"source\"" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n hostname = \"a b\"; }; };\n",
		  "t.conf:3: roles.r.hostname: invalid host name \"a b\" (expected 1 to 64 letters, digits, '-', '.', '_' or templates, not starting with '-' or '.')" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n session = { linger = false; }; namespaces = [ \"mount\" ]; }; };\n",
		  "t.conf:3: roles.r.session.linger: session.linger = false needs the \"pid\" namespace" },
		{ "assign = { default = \"r\"; };\nroles = { r = {\n audit = { log_passwd = true; }; }; };\n",
		  "t.conf:3: roles.r.audit.log_passwd: audit.log_passwd = true needs audit.tty = true" },
		{ "assign = { default = \"r\"; };\nroles = { r = { };\n deny = { }; };\n",
		  "t.conf:3: roles.deny: \"deny\" is reserved (an assignment to \"deny\" means refuse the login) and cannot name a role" },
		{ "assign = {\n users = ( { name = \"a:b\"; role = \"deny\"; } );\n default = \"deny\"; };\n",
		  "t.conf:2: assign.users.[0].name: invalid name \"a:b\" (no '/', ':', blanks or control characters, at most 256 bytes)" },
		{ "assign = {\n users = ( { name = \"a\"; role = \"deny\"; },\n { name = \"a\"; role = \"none\"; } );\n default = \"deny\"; };\n",
		  "t.conf:3: assign.users.[1].name: user \"a\" is already assigned at t.conf:2" },
		{ "assign = {\n groups = ( { name = \"g\"; role = \"dev\"; } );\n default = \"deny\"; };\n",
		  "t.conf:2: assign.groups.[0].role: role \"dev\" is not defined (use a role from roles, \"deny\" or \"none\")" },
		{ "assign = {\n users = ( );\n};\n",
		  "t.conf:1: assign.default: missing (set it to a role, \"deny\" or \"none\": there is no implicit default)" },
		{ "assign = { default = \"deny\"; }\nroles = { r = { sandbox = 1; }; };\n",
		  "t.conf:2: roles.r.sandbox: expected true or false, got an integer" },
		{ "assign = { default = \"deny\"; }\nroles = {\n r = { };\n};\nx = ;\n",
		  "t.conf:5: syntax error" },
		{ "@include \"other.conf\"\nassign = { default = \"deny\"; };\n",
		  "t.conf:1: @include is only supported in files" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_bad(cases[i].text, cases[i].msg);
}

/* Every problem is reported, sorted by line, not just the first one. */
static void test_all_errors(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	(void)state;

	assert_int_equal(sbx_config_load_string(
				 "roles = {\n"
				 "  r = {\n"
				 "    inherits = \"q\";\n"
				 "    limits = { memory = \"1X\"; pids = 0; };\n"
				 "    bogus = 1;\n"
				 "  };\n"
				 "};\n"
				 "settings = { on_error = \"maybe\"; };\n"
				 "assign = { default = \"nobody\"; };\n",
				 "many.conf", &cfg, &err),
			 -EINVAL);
	assert_null(cfg);
	assert_int_equal(err.count, 6);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(sbx_error_text(&err),
			    "many.conf:3: roles.r.inherits: role \"q\" is not defined (did you mean \"r\"?)\n"
			    "many.conf:4: roles.r.limits.memory: invalid size \"1X\" (expected a number with an optional K, M, G or T suffix, or \"max\")\n"
			    "many.conf:4: roles.r.limits.pids: expected an integer from 1 to 4194304 or \"max\", got 0\n"
			    "many.conf:5: roles.r.bogus: unknown setting (known here: inherits, sandbox, namespaces, hostname, filesystem, network, limits, privileges, session, audit)\n"
			    "many.conf:8: settings.on_error: expected \"deny\" or \"allow\", got \"maybe\"\n"
			    "many.conf:9: assign.default: role \"nobody\" is not defined (use a role from roles, \"deny\" or \"none\")");
	sbx_error_clear(&err);
}

/* ---- files: drop-ins and @include ---------------------------------------- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	static const char *const files[] = {
		"main.d/10-b.conf", "main.d/02-a.conf", "main.d/.hidden.conf", "main.d/x.txt",
		"main.conf", "inc.part",
	};
	char path[256];
	(void)state;

	/* Only what this test made, in its own mkdtemp directory. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/main.d/sub.conf", tmpdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/main.d", tmpdir);
	rmdir(path);
	return rmdir(tmpdir);
}

static void test_dropins(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	char path[256], d[256];
	(void)state;

	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	snprintf(d, sizeof(d), "%s/main.d", tmpdir);
	assert_int_equal(mkdir(d, 0755), 0);
	write_file("main.conf",
		   "settings = { on_error = \"allow\"; state_dir = \"/run/a\"; };\n"
		   "assign = { users = ( { name = \"u1\"; role = \"base\"; } );\n"
		   "           groups = ( { name = \"g1\"; role = \"base\"; } );\n"
		   "           default = \"deny\"; };\n"
		   "@include \"inc.part\"\n");
	write_file("inc.part", "roles = { base = { }; };\n");
	/* Read in strcmp order: 02-a before 10-b. */
	write_file("main.d/10-b.conf",
		   "settings = { state_dir = \"/run/b\"; };\n"
		   "assign = { users = ( { name = \"u3\"; role = \"b\"; } ); default = \"b\"; };\n"
		   "roles = { b = { inherits = \"a\"; }; };\n");
	write_file("main.d/02-a.conf",
		   "settings = { state_dir = \"/run/x\"; on_error = \"deny\"; };\n"
		   "assign = { users = ( { name = \"u2\"; role = \"a\"; } );\n"
		   "           groups = ( { name = \"g2\"; role = \"a\"; } ); default = \"a\"; };\n"
		   "roles = { a = { inherits = \"base\"; }; };\n");
	write_file("main.d/.hidden.conf", "this is ignored");
	write_file("main.d/x.txt", "so is this");
	snprintf(d, sizeof(d), "%s/main.d/sub.conf", tmpdir);
	assert_int_equal(mkdir(d, 0755), 0); /* a directory: skipped */

	assert_int_equal(sbx_config_load(path, &cfg, &err), 0);
	assert_non_null(cfg);
	/* Later files override settings and the default. */
	assert_int_equal(cfg->settings.on_error, SBX_ON_ERROR_DENY);
	assert_string_equal(cfg->settings.state_dir, "/run/b");
	assert_string_equal(cfg->default_role.role, "b");
	assert_non_null(strstr(cfg->default_role.file, "10-b.conf"));
	/* Assignments are appended in file order. */
	assert_int_equal(cfg->n_users, 3);
	assert_string_equal(cfg->users[0].name, "u1");
	assert_string_equal(cfg->users[1].name, "u2");
	assert_string_equal(cfg->users[2].name, "u3");
	assert_int_equal(cfg->n_groups, 2);
	assert_string_equal(cfg->groups[1].name, "g2");
	/* Roles from the include and the drop-ins, in file order. */
	assert_int_equal(cfg->n_roles, 3);
	assert_string_equal(cfg->roles[0].name, "base");
	assert_non_null(strstr(cfg->roles[0].file, "inc.part"));
	assert_string_equal(cfg->roles[1].name, "a");
	assert_string_equal(cfg->roles[2].name, "b");
	/* Every file read, in order. */
	assert_string_equal(cfg->files[0], path);
	assert_non_null(strstr(cfg->files[1], "/inc.part"));
	assert_non_null(strstr(cfg->files[2], "/main.d/02-a.conf"));
	assert_non_null(strstr(cfg->files[3], "/main.d/10-b.conf"));
	assert_null(cfg->files[4]);
	sbx_config_free(cfg);

	/* Conflicts across files name both places. */
	write_file("main.d/10-b.conf",
		   "assign = { users = ( { name = \"u1\"; role = \"a\"; } ); };\n"
		   "roles = {\n  base = { };\n};\n");
	assert_int_equal(sbx_config_load(path, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_string_equal(sbx_error_text(&err),
			    "10-b.conf:1: assign.users.[0].name: user \"u1\" is already assigned at main.conf:2\n"
			    "10-b.conf:3: roles.base: role \"base\" is already defined at inc.part:1");
	sbx_error_clear(&err);

	/* Errors in an included file name that file. */
	write_file("main.d/10-b.conf", "\n");
	write_file("inc.part", "roles = {\n  base = { network = \"wifi\"; };\n};\n");
	assert_int_equal(sbx_config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(sbx_error_text(&err),
			    "inc.part:2: roles.base.network: expected \"host\" or \"none\", got \"wifi\"");
	sbx_error_clear(&err);

	/* A syntax error in a drop-in. */
	write_file("inc.part", "roles = { base = { }; };\n");
	write_file("main.d/10-b.conf", "roles = {\n  x = {\n};\n");
	assert_int_equal(sbx_config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(sbx_error_text(&err), "10-b.conf:4: syntax error");
	sbx_error_clear(&err);
	write_file("main.d/10-b.conf", "\n");
	assert_int_equal(sbx_config_load(path, &cfg, &err), 0);
	sbx_config_free(cfg);
}

static void test_missing_file(void **state)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = (struct sbx_config *)1;
	(void)state;

	assert_int_equal(sbx_config_load("/nonexistent/pam_sandbox.conf", &cfg, &err), -ENOENT);
	assert_null(cfg);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(sbx_error_text(&err),
			    "/nonexistent/pam_sandbox.conf: cannot read the configuration: No such file or directory");
	sbx_error_clear(&err);
}

static void test_names(void **state)
{
	char *d;
	(void)state;

	assert_string_equal(sbx_ns_name(SBX_NS_MOUNT), "mount");
	assert_string_equal(sbx_ns_name(SBX_NS_IPC), "ipc");
	assert_string_equal(sbx_ns_name(SBX_NS_UTS), "uts");
	assert_string_equal(sbx_ns_name(SBX_NS_PID), "pid");
	assert_string_equal(sbx_ns_name(SBX_NS_NET), "net");
	assert_string_equal(sbx_ns_name(SBX_NS_CGROUP), "cgroup");
	assert_null(sbx_ns_name(0));
	assert_null(sbx_ns_name(SBX_NS_MOUNT | SBX_NS_PID));
	assert_int_equal(sbx_ns_from_name("pid"), SBX_NS_PID);
	assert_int_equal(sbx_ns_from_name("cgroup"), SBX_NS_CGROUP);
	assert_int_equal(sbx_ns_from_name("user"), 0);
	assert_int_equal(sbx_ns_from_name("PID"), 0);
	assert_string_equal(sbx_limit_name(SBX_LIMIT_MEMORY_HIGH), "memory_high");
	assert_string_equal(sbx_limit_name(SBX_LIMIT_IO_WEIGHT), "io_weight");
	assert_null(sbx_limit_name(SBX_LIMIT__MAX));

	d = sbx_config_dropin_dir("/etc/security/pam_sandbox.conf");
	assert_string_equal(d, "/etc/security/pam_sandbox.d");
	free(d);
	d = sbx_config_dropin_dir("/etc/sbx");
	assert_string_equal(d, "/etc/sbx.d");
	free(d);
	d = sbx_config_dropin_dir("a.conf.bak");
	assert_string_equal(d, "a.conf.bak.d");
	free(d);
}

static void test_role_copy(void **state)
{
	struct sbx_config *cfg = load_ok(full);
	const struct sbx_role *src = sbx_config_role(cfg, "restricted");
	struct sbx_role copy;
	(void)state;

	assert_int_equal(sbx_role_copy(&copy, src), 0);
	sbx_config_free(cfg); /* the copy must not share memory with it */
	assert_string_equal(copy.name, "restricted");
	assert_string_equal(copy.inherits, "developer");
	assert_string_equal(copy.hostname, "%u-dev");
	assert_int_equal(copy.fs.n_read_only, 2);
	assert_string_equal(copy.fs.read_only[1].path, "/opt");
	assert_string_equal(copy.fs.binds[0].target, "/projects");
	assert_true(copy.limits.value[SBX_LIMIT_CPUS] == 2500);
	sbx_role_clear(&copy);
	assert_null(copy.name);
	assert_int_equal(copy.fs.n_binds, 0);
	sbx_role_clear(&copy); /* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_inheritance_errors),
		cmocka_unit_test(test_validator_messages),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test_setup_teardown(test_dropins, setup_dir, teardown_dir),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_role_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
