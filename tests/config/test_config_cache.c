/* Unit tests of the compiled copy of the configuration (config-cache.c):
 * the copy holds exactly what the parse gives, it is used only while every
 * source is unchanged, and anything wrong with it means a parse, never a
 * failure or a stale policy. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config-internal.h"
#include "sandbox/config.h"

/* Later than any file of the test: its sources count as settled. */
#define LATER (time(NULL) + 60)

struct fixture {
	char dir[64];    /* everything of the test */
	char conf[96];   /* DIR/t.conf */
	char dropd[96];  /* DIR/t.d */
	char cache[96];  /* DIR/cache */
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static const char base[] =
	"assign = { default = \"dev\"; groups = ( { name = \"sudo\"; role = \"admin\"; } ); };\n"
	"roles = {\n"
	"  dev = { hostname = \"box\"; filesystem = { read_only = [\"/usr\", \"-/opt\"]; hidden = [\"/srv\"];\n"
	"          bind = ( { source = \"/var/cache/x\"; target = \"/mnt/x\"; read_only = true; optional = true; } ); };\n"
	"          limits = { memory = \"1G\"; pids = 64; cpus = 1.5; optional = [\"io_weight\"]; io_weight = 50; };\n"
	"          privileges = { capabilities = [\"net_bind_service\"]; no_new_privs = true; };\n"
	"          session = { linger = false; max_sessions = 3; }; audit = { tty = true; }; };\n"
	"  admin = { sandbox = false; };\n"
	"  child = { inherits = \"dev\"; network = \"none\"; };\n"
	"};\n";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sbx-cache-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->conf, sizeof(f->conf), "%s/t.conf", f->dir);
	snprintf(f->dropd, sizeof(f->dropd), "%s/t.d", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	write_file(f->conf, base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct sbx_config *load(const struct fixture *f, time_t now)
{
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	int r = cfg_cache_load(f->conf, f->cache, now, &cfg, &err);

	if (r < 0)
		fprintf(stderr, "%s\n", sbx_error_text(&err));
	assert_int_equal(r, 0);
	assert_non_null(cfg);
	return cfg;
}

/* The inode of the one cache file in the cache directory (0: none).  A
 * copy is written to a new file and renamed, so a new inode means the
 * sources were parsed again; the same inode means the copy was read. */
static ino_t cache_inode(const struct fixture *f, char *name, size_t len)
{
	char cmd[160];
	FILE *p;
	struct stat st;
	char path[256];
	ino_t ino = 0;

	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null", f->cache);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(name, (int)len, p)) {
		name[strcspn(name, "\n")] = 0;
		snprintf(path, sizeof(path), "%s/%s", f->cache, name);
		if (stat(path, &st) == 0)
			ino = st.st_ino;
	}
	pclose(p);
	return ino;
}

static void assert_same(const struct sbx_config *a, const struct sbx_config *b)
{
	char *ea, *eb;
	size_t la, lb;

	assert_int_equal(cfg_cache_encode(a, &ea, &la), 0);
	assert_int_equal(cfg_cache_encode(b, &eb, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ea, eb, la);
	free(ea);
	free(eb);
}

/* The copy gives back the parse, field for field, and is read (not made
 * again) while nothing changed. */
static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *parsed = NULL, *first, *second;
	char name[128];
	ino_t ino;
	const struct sbx_role *dev;

	assert_int_equal(sbx_config_load(f->conf, &parsed, &err), 0);
	first = load(f, LATER);
	ino = cache_inode(f, name, sizeof(name));
	assert_true(ino != 0);
	second = load(f, LATER);
	assert_int_equal(cache_inode(f, name, sizeof(name)), ino);
	assert_same(parsed, first);
	assert_same(parsed, second);

	/* Spot checks that the decoded struct is the real thing. */
	dev = sbx_config_role(second, "dev");
	assert_non_null(dev);
	assert_string_equal(dev->hostname, "box");
	assert_int_equal(dev->fs.n_read_only, 2);
	assert_true(dev->fs.read_only[1].optional);
	assert_string_equal(dev->fs.binds[0].target, "/mnt/x");
	assert_int_equal(dev->limits.value[SBX_LIMIT_PIDS], 64);
	assert_int_equal(dev->limits.value[SBX_LIMIT_CPUS], 1500);
	assert_int_equal(dev->session.max_sessions, 3);
	assert_string_equal(second->groups[0].name, "sudo");
	assert_string_equal(second->files[0], f->conf);
	assert_string_equal(sbx_config_role(second, "child")->inherits, "dev");

	sbx_config_free(parsed);
	sbx_config_free(first);
	sbx_config_free(second);
}

/* Sources changed within the last seconds are not copied: a file written
 * during the parse would otherwise be cached with its new times and its
 * old content. */
static void test_fresh_not_copied(void **state)
{
	struct fixture *f = *state;
	char name[128];

	sbx_config_free(load(f, time(NULL)));
	assert_int_equal(cache_inode(f, name, sizeof(name)), 0);
}

static void test_edit_invalidates(void **state)
{
	struct fixture *f = *state;
	struct sbx_config *cfg;
	char name[128], text[sizeof(base) + 64];
	ino_t ino;

	sbx_config_free(load(f, LATER));
	ino = cache_inode(f, name, sizeof(name));
	assert_true(ino != 0);

	/* Same size, different content: the times tell (file times move with
	 * the clock tick, so let one pass). */
	usleep(20000);
	snprintf(text, sizeof(text), "%s", base);
	memcpy(strstr(text, "\"box\""), "\"xob\"", 5);
	write_file(f->conf, text);
	cfg = load(f, LATER);
	assert_string_equal(sbx_config_role(cfg, "dev")->hostname, "xob");
	assert_true(cache_inode(f, name, sizeof(name)) != ino);
	sbx_config_free(cfg);
}

static void test_dropin_invalidates(void **state)
{
	struct fixture *f = *state;
	struct sbx_config *cfg;
	char name[128], path[160];
	ino_t ino;

	sbx_config_free(load(f, LATER));
	ino = cache_inode(f, name, sizeof(name));
	assert_true(ino != 0);

	/* A drop-in directory appears (it was recorded as absent). */
	usleep(20000);
	assert_int_equal(mkdir(f->dropd, 0755), 0);
	snprintf(path, sizeof(path), "%s/50-x.conf", f->dropd);
	write_file(path, "assign = { default = \"admin\"; };\n");
	cfg = load(f, LATER);
	assert_string_equal(cfg->default_role.role, "admin");
	ino = cache_inode(f, name, sizeof(name));
	sbx_config_free(cfg);

	/* ...and goes again: the directory's times change. */
	usleep(20000);
	assert_int_equal(unlink(path), 0);
	cfg = load(f, LATER);
	assert_string_equal(cfg->default_role.role, "dev");
	assert_true(cache_inode(f, name, sizeof(name)) != ino);
	sbx_config_free(cfg);
}

/* A damaged or foreign copy is ignored (and replaced), never trusted. */
static void test_damaged_ignored(void **state)
{
	struct fixture *f = *state;
	struct sbx_config *cfg;
	char name[128], path[256];
	struct stat st;
	ino_t ino;
	int fd;

	sbx_config_free(load(f, LATER));
	ino = cache_inode(f, name, sizeof(name));
	assert_true(ino != 0);
	snprintf(path, sizeof(path), "%s/%s", f->cache, name);

	/* One byte of the payload changed: the checksum no longer matches. */
	assert_int_equal(stat(path, &st), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, st.st_size - 3), 1);
	close(fd);
	cfg = load(f, LATER);
	assert_string_equal(cfg->default_role.role, "dev");
	assert_true(cache_inode(f, name, sizeof(name)) != ino);
	sbx_config_free(cfg);

	/* Readable by others: not ours alone, so not used. */
	ino = cache_inode(f, name, sizeof(name));
	assert_int_equal(chmod(path, 0644), 0);
	sbx_config_free(load(f, LATER));
	assert_true(cache_inode(f, name, sizeof(name)) != ino);

	/* A cache directory others may write to is not used at all. */
	assert_int_equal(chmod(f->cache, 0777), 0);
	ino = cache_inode(f, name, sizeof(name));
	sbx_config_free(load(f, LATER));
	assert_int_equal(cache_inode(f, name, sizeof(name)), ino);
	assert_int_equal(chmod(f->cache, 0700), 0);
}

/* A configuration that does not load is never copied, and a copy of the
 * valid one before it is not used for it. */
static void test_invalid_not_cached(void **state)
{
	struct fixture *f = *state;
	struct sbx_error err = SBX_ERROR_INIT;
	struct sbx_config *cfg = NULL;
	char name[128];

	sbx_config_free(load(f, LATER));
	assert_true(cache_inode(f, name, sizeof(name)) != 0);
	write_file(f->conf, "assign = { default = \"ghost\"; };\n");
	assert_int_equal(cfg_cache_load(f->conf, f->cache, LATER, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_non_null(strstr(sbx_error_text(&err), "ghost"));
	sbx_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_not_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_invalidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropin_invalidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_not_cached, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
