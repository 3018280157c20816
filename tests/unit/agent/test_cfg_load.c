/*
 * cfg_ini and cfg_load: Python configparser line rules, includes, and the
 * refusals that name file, line, section and key.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/xalloc.h"
#include "config/cfg.h"
#include "config/cfg_ini.h"
#include "tests/support/testsupport.h"

static void
test_ini_python_line_rules(void **state)
{
	static const char text[] = "[a]\n"
	                           "Key = v1 ; comment\n"
	                           "  more\n"
	                           "\n"
	                           "  tail\n"
	                           "k2=#not a comment\n"
	                           "k3= ;comment\n"
	                           "  k4=x\n"
	                           "  k5=y\n"
	                           "[c]\n"
	                           "  k6=1\n"
	                           "  k7=2\n"
	                           "[b]x]\n"
	                           "k: colon\n";
	struct cfg_ini ini = { 0 };
	struct fv_diag d;
	const struct cfg_ini_section *a, *b, *c;

	(void)state;
	assert_int_equal(
	    cfg_ini_read_string(&ini, text, strlen(text), "t", &d), 0);
	a = cfg_ini_section(&ini, "a");
	assert_non_null(a);
	assert_string_equal(
	    cfg_ini_get(&ini, a, "key")->value, "v1\nmore\n\ntail");
	assert_string_equal(
	    cfg_ini_get(&ini, a, "k2")->value, "#not a comment");
	/* Deeper than its key: a continuation, as configparser reads it. */
	assert_string_equal(cfg_ini_get(&ini, a, "k3")->value, "\nk4=x\nk5=y");
	assert_null(cfg_ini_get(&ini, a, "k4"));
	/* Equally indented keys after a header are keys. */
	c = cfg_ini_section(&ini, "c");
	assert_string_equal(cfg_ini_get(&ini, c, "k6")->value, "1");
	assert_string_equal(cfg_ini_get(&ini, c, "k7")->value, "2");
	assert_int_equal(cfg_ini_get(&ini, c, "k7")->line, 12);
	/* A section name runs to the last ']'. */
	b = cfg_ini_section(&ini, "b]x");
	assert_non_null(b);
	assert_string_equal(cfg_ini_get(&ini, b, "k")->value, "colon");
	cfg_ini_free(&ini);
}

static void
test_ini_errors_name_the_line(void **state)
{
	struct cfg_ini ini = { 0 };
	struct fv_diag d;

	(void)state;
	assert_int_equal(
	    cfg_ini_read_string(&ini, "k=v\n", 4, "f.conf", &d), FV_EBADCONF);
	assert_string_equal(
	    d.msg, "f.conf:1: a key appears before any [section] header");
	cfg_ini_free(&ini);
	assert_int_equal(
	    cfg_ini_read_string(&ini, "[s]\nnovalue\n", 12, "f.conf", &d),
	    FV_EBADCONF);
	assert_non_null(strstr(d.msg, "f.conf:2:"));
	cfg_ini_free(&ini);
	assert_int_equal(
	    cfg_ini_read_string(&ini, "[s]\nk=\xff\n", 7, "f.conf", &d),
	    FV_EBADCONF);
	assert_string_equal(d.msg, "f.conf:2: the file is not valid UTF-8");
	cfg_ini_free(&ini);
}

static void
test_ini_long_lines_and_bom(void **state)
{
	struct cfg_ini ini = { 0 };
	struct fv_diag d;
	size_t n = 100000;
	char *text = malloc(n + 64);
	static const char head[] = "\xef\xbb\xbf[s]\ncommand=";
	size_t h = sizeof(head) - 1;

	(void)state;
	memcpy(text, head, h);
	memset(text + h, 'x', n);
	memcpy(text + h + n, "\n", 2);
	assert_int_equal(
	    cfg_ini_read_string(&ini, text, strlen(text), "t", &d), 0);
	assert_int_equal(
	    strlen(cfg_ini_get(&ini, cfg_ini_section(&ini, "s"), "command")
	               ->value),
	    n);
	cfg_ini_free(&ini);
	free(text);
}

static int
load(const char *dir, const char *conf, struct cfg **cfgp, struct fv_diag *d)
{
	struct cfg_cli cli;
	int rv;

	cfg_cli_init(&cli);
	cli.configfile = fv_test_write(dir, "supervisord.conf", conf);
	rv = cfg_load(&cli, cfgp, d);
	cfg_cli_fini(&cli);
	return rv;
}

static void
test_load_numprocs_and_includes(void **state)
{
	char *dir = fv_test_mkdtemp();
	struct cfg *cfg;
	struct fv_diag d;
	char *conf;

	(void)state;
	free(fv_test_write(dir, "conf.d/a.conf",
	    "[program:inc]\ncommand=/bin/true %(here)s\n"));
	conf = fv_xasprintf("[supervisord]\nlogfile=%s/l\npidfile=%s/p\n"
	                    "[include]\nfiles=conf.d/*.conf nomatch/*.conf\n"
	                    "[program:w]\ncommand=/bin/sleep %%(process_num)d\n"
	                    "process_name=w%%(process_num)02d\nnumprocs=3\n"
	                    "numprocs_start=8\n",
	    dir, dir);
	assert_int_equal(load(dir, conf, &cfg, &d), 0);
	assert_int_equal(cfg->ngroups, 2);
	assert_string_equal(cfg->groups[0].name, "inc");
	assert_non_null(strstr(cfg->groups[0].procs[0].command, "/conf.d"));
	assert_int_equal(cfg->groups[1].nprocs, 3);
	assert_string_equal(cfg->groups[1].procs[0].name, "w08");
	assert_string_equal(cfg->groups[1].procs[2].name, "w10");
	assert_string_equal(cfg->groups[1].procs[2].command, "/bin/sleep 10");
	assert_int_equal(cfg->warnings.n, 1);
	assert_non_null(strstr(cfg->warnings.v[0], "No file matches"));
	cfg_free(cfg);
	free(conf);
	fv_test_rmtree(dir);
	free(dir);
}

static void
test_load_without_programs(void **state)
{
	char *dir = fv_test_mkdtemp();
	struct cfg *cfg;
	struct fv_diag d;
	char *conf, *json;

	(void)state;
	conf = fv_xasprintf(
	    "[supervisord]\nlogfile=%s/l\npidfile=%s/p\n", dir, dir);
	assert_int_equal(load(dir, conf, &cfg, &d), 0);
	assert_int_equal(cfg->ngroups, 0);
	assert_null(cfg->sd.serverurl);
	json = cfg_dump_json(cfg);
	assert_non_null(strstr(json, "\"groups\":[]"));
	free(json);
	cfg_free(cfg);
	free(conf);
	fv_test_rmtree(dir);
	free(dir);
}

static void
test_load_refusals_name_section_and_key(void **state)
{
	static const struct {
		const char *body;
		const char *want;
	} cases[] = {
		{ "[program:a]\ncommand=x\nstopsignal=NOPE\n",
		    "[program:a] stopsignal: value 'NOPE' is not a valid "
		    "signal name" },
		{ "[program:a]\ncommand=x\nnumprocs=2\n",
		    "[program:a] process_name: %(process_num) must be "
		    "present" },
		{ "[program:a]\ncommand=x\nnumprocs=0\n",
		    "[program:a] numprocs: 0 is out of range" },
		{ "[group:g]\nprograms=nope\n",
		    "[group:g] programs: [group:g] names unknown program" },
		{ "[program:a]\nstartsecs=1\n", "does not specify a command" },
		{ "[program:a]\ncommand=x\n[group:a]\nprograms=\n",
		    "two process groups are named 'a'" },
	};
	char *dir = fv_test_mkdtemp();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *cfg = NULL;
		struct fv_diag d;
		char *conf = fv_xasprintf("[supervisord]\nlogfile=%s/l\n"
		                          "pidfile=%s/p\n%s",
		    dir, dir, cases[i].body);

		assert_int_equal(load(dir, conf, &cfg, &d), FV_EBADCONF);
		assert_null(cfg);
		if (strstr(d.msg, cases[i].want) == NULL) {
			fail_msg("case %zu: '%s' lacks '%s'", i, d.msg,
			    cases[i].want);
		}
		assert_non_null(strstr(d.msg, "supervisord.conf:"));
		free(conf);
	}
	fv_test_rmtree(dir);
	free(dir);
}

/* [fleet]: every key read and kept; what is wrong named by key. */
static void
test_load_fleet(void **state)
{
	static const struct {
		const char *body;
		const char *want;
	} bad[] = {
		{ "controller=http://c:1\n",
		    "[fleet] controller: http://c:1: a "
		    "controller URL is tcp://" },
		{ "controller=tcp://c\n", "needs HOST:PORT" },
		{ "controller=tcp://c:70000\n", "port must be a number" },
		{ "controller=tcp://c:65535\n", "events use the next one" },
		{ "controller=tcp://[::1:7\n", "[ADDRESS]:PORT" },
		{ "controller=tcp://[zz]:7100\n", "not an IPv6 address" },
		{ "controller=tcp://c:1\ntls_ca=\n",
		    "[fleet] tls_ca: empty: give a file, or leave tls_ca out" },
		{ "controller=ipc://x.sock\n", "needs an absolute path" },
		{ "controller=tcp://c:1 tcp://c:1\n", "is given twice" },
		{ "controller=tcp://c:1,tcp://c:2,tcp://c:3,tcp://c:4,"
		  "tcp://c:5,tcp://c:6,tcp://c:7,tcp://c:8,tcp://c:9\n",
		    "at most 8 controllers" },
		{ "name=x\n", "[fleet]: section [fleet] has no controller" },
		{ "controller=tcp://c:1\nname=a b\n",
		    "[fleet] name: 'a b': invalid character" },
		{ "controller=tcp://c:1\nlabels=a=1,a=2\n",
		    "[fleet] labels: a is given twice" },
		{ "controller=tcp://c:1\nlabels=k\n", "'k' is not KEY=VALUE" },
		{ "controller=tcp://c:1\nlabels=a/b=1\n",
		    "[fleet] labels: 'a/b'.key: invalid character '/'" },
		{ "controller=tls+tcp://c:1\n",
		    "[fleet] tls_ca: a tls+tcp://" },
		{ "controller=tls+tcp://c:1\ntls_verify=false\n",
		    "[fleet] tls_verify: false is refused" },
		{ "controller=tcp://c:1\ntls_ca=/nonexistent/ca.pem\n",
		    "[fleet] tls_ca: cannot read /nonexistent/ca.pem" },
		{ "controller=tcp://c:1\ntls_cert=%(here)s\n",
		    "[fleet] tls_cert: " },
		{ "controller=tcp://c:1\nheartbeat=301\n",
		    "[fleet] heartbeat: 301 is out of range (1..300)" },
		{ "controller=tcp://c:1\ntls_veriffy=false\n",
		    "[fleet] tls_veriffy: unknown key" },
	};
	char *dir = fv_test_mkdtemp();
	char *secret = fv_xasprintf("%s/secret", dir);
	char *conf;
	struct cfg *cfg = NULL;
	struct fv_diag d;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf = fv_xasprintf("[supervisord]\nlogfile=%s/l\n"
		                    "pidfile=%s/p\n[fleet]\n%s",
		    dir, dir, bad[i].body);
		assert_int_equal(load(dir, conf, &cfg, &d), FV_EBADCONF);
		assert_null(cfg);
		if (strstr(d.msg, bad[i].want) == NULL) {
			fail_msg(
			    "case %zu: '%s' lacks '%s'", i, d.msg, bad[i].want);
		}
		free(conf);
	}
	/* A secret others can read is refused; at 0600 it is taken. */
	f = fopen(secret, "w");
	assert_non_null(f);
	fputs("s3cret\n", f);
	fclose(f);
	conf = fv_xasprintf("[supervisord]\nlogfile=%s/l\npidfile=%s/p\n"
	                    "[fleet]\ncontroller = tls+tcp://ctl.example:7100,"
	                    "\n  ipc:///run/fv.ipc\nname = web-1\n"
	                    "labels = role=web, dc=eu/1,empty=\n"
	                    "tls_ca = %%(here)s/secret\ntls_verify = true\n"
	                    "secret_file = %%(here)s/secret\n",
	    dir, dir);
	assert_int_equal(chmod(secret, 0644), 0);
	assert_int_equal(load(dir, conf, &cfg, &d), FV_EBADCONF);
	if (strstr(d.msg, "is open to its group or others (mode 0644)") ==
	    NULL) {
		fail_msg("'%s'", d.msg);
	}
	assert_int_equal(chmod(secret, 0600), 0);
	assert_int_equal(load(dir, conf, &cfg, &d), 0);
	assert_true(cfg->fleet.enabled);
	assert_int_equal(cfg->fleet.controllers.n, 2);
	assert_string_equal(
	    cfg->fleet.controllers.v[0], "tls+tcp://ctl.example:7100");
	assert_string_equal(cfg->fleet.controllers.v[1], "ipc:///run/fv.ipc");
	assert_string_equal(cfg->fleet.name, "web-1");
	assert_int_equal(cfg->fleet.labels.n, 3);
	assert_string_equal(fv_kvmap_get(&cfg->fleet.labels, "dc"), "eu/1");
	assert_string_equal(fv_kvmap_get(&cfg->fleet.labels, "empty"), "");
	assert_string_equal(cfg->fleet.tls_ca, secret);
	assert_string_equal(cfg->fleet.secret_file, secret);
	assert_true(cfg->fleet.tls_verify);
	assert_int_equal(cfg->fleet.heartbeat, 5);
	cfg_free(cfg);
	free(conf);
	/* Without the section nothing is set. */
	conf = fv_xasprintf(
	    "[supervisord]\nlogfile=%s/l\npidfile=%s/p\n", dir, dir);
	assert_int_equal(load(dir, conf, &cfg, &d), 0);
	assert_false(cfg->fleet.enabled);
	cfg_free(cfg);
	free(conf);
	free(secret);
	fv_test_rmtree(dir);
	free(dir);
}

/*
 * Regression, found by fuzz_cfg_load on the seed
 * invalid-nonexistent_supervisord_user.conf (kept as
 * tests/fuzz/corpus/cfg_load/regress-supervisord-user-*.conf): an unknown
 * [supervisord] user= was reported by formatting d->msg into itself, which
 * is undefined behaviour and left the message empty, and the file's error
 * came back as FV_EUSAGE.
 */
static void
test_load_unknown_supervisord_user(void **state)
{
	char *dir = fv_test_mkdtemp();
	struct cfg_cli cli;
	struct cfg *cfg = NULL;
	struct fv_diag d;
	char *conf;

	(void)state;
	conf = fv_xasprintf("[supervisord]\nlogfile=%s/l\npidfile=%s/p\n"
	                    "user=no_such_user_fv\n",
	    dir, dir);
	assert_int_equal(load(dir, conf, &cfg, &d), FV_EBADCONF);
	assert_null(cfg);
	assert_non_null(strstr(d.msg,
	    "supervisord.conf:4: [supervisord] "
	    "user: Invalid user name "
	    "no_such_user_fv"));

	/* From -u the message stands alone, as 4.2.5 prints it. */
	cfg_cli_init(&cli);
	cli.configfile =
	    fv_test_write(dir, "supervisord.conf", "[supervisord]\n");
	cli.user = fv_xstrdup("no_such_user_fv");
	assert_int_equal(cfg_load(&cli, &cfg, &d), FV_EUSAGE);
	assert_null(cfg);
	assert_string_equal(d.msg, "Invalid user name no_such_user_fv");
	cfg_cli_fini(&cli);
	free(conf);
	fv_test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_python_line_rules),
		cmocka_unit_test(test_ini_errors_name_the_line),
		cmocka_unit_test(test_ini_long_lines_and_bom),
		cmocka_unit_test(test_load_numprocs_and_includes),
		cmocka_unit_test(test_load_without_programs),
		cmocka_unit_test(test_load_refusals_name_section_and_key),
		cmocka_unit_test(test_load_unknown_supervisord_user),
		cmocka_unit_test(test_load_fleet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
