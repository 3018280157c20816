/*
 * proc_spawn_prepare's environment, which is built in one block: 4.2.5's
 * dict semantics (supervisord's environment, then the SUPERVISOR_* names,
 * then the program's; a name set again keeps its first place and takes
 * the last value), the agent's mark last, entries without '=' skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/str.h"
#include "common/xalloc.h"
#include "daemon.h"
#include "process/proc_spawn.h"

/* count returns the entries of the NULL-terminated v. */
static size_t
count(char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL) {
		n++;
	}
	return n;
}

/* strs makes a NULL-terminated vector of copies of the n strings in v. */
static char **
strs(const char *const *v, size_t n)
{
	char **out = fv_xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++) {
		out[i] = fv_xstrdup(v[i]);
	}
	return out;
}

static void
strs_free(char **v)
{
	for (size_t i = 0; v[i] != NULL; i++) {
		free(v[i]);
	}
	free(v);
}

static void
test_env_order_and_overrides(void **state)
{
	static const char *const env[] = { "A=1", "PATH=/bin:/usr/bin", "NOEQ",
		"B=2", "SUPERVISOR_ENABLED=0", "A=3", "EMPTY=" };
	static const char *const want[] = { "A=3", "PATH=/bin:/usr/bin", "B=x",
		"SUPERVISOR_ENABLED=1",
		"EMPTY=", "SUPERVISOR_SERVER_URL=unix:///tmp/x.sock",
		"SUPERVISOR_PROCESS_NAME=web_01", "SUPERVISOR_GROUP_NAME=web",
		"NEW=y", DAEMON_MARK_VAR "=/run/fv.pid" };
	char **environ_ = strs(env, sizeof(env) / sizeof(env[0]));
	struct cfg_process pc = { .name = fv_xstrdup("web_01"),
		.command = fv_xstrdup("/bin/true a b"),
		.uid = -1,
		.umask = -1 };
	struct proc_spawn_ctx ctx = { .group_name = "web",
		.serverurl = "unix:///tmp/x.sock",
		.environ = environ_,
		.mark = "/run/fv.pid" };
	struct proc_spawn_req req;
	char *msg = NULL;

	(void)state;
	fv_kvmap_set(&pc.environment, "B", "x");
	fv_kvmap_set(&pc.environment, "NEW", "y");
	/* A program cannot replace the mark by configuration. */
	fv_kvmap_set(&pc.environment, DAEMON_MARK_VAR, "forged");
	assert_int_equal(proc_spawn_prepare(&pc, &ctx, &req, &msg), 0);
	assert_null(msg);
	assert_int_equal(count(req.envp), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(req.envp[i], want[i]);
	}
	assert_int_equal(count(req.argv), 3);
	assert_string_equal(req.argv[2], "b");
	proc_spawn_req_fini(&req);
	assert_null(req.envp);
	fv_kvmap_free(&pc.environment);
	free(pc.name);
	free(pc.command);
	strs_free(environ_);
}

static void
test_env_without_environ_or_url(void **state)
{
	struct cfg_process pc = { .name = fv_xstrdup("solo"),
		.command = fv_xstrdup("/bin/true"),
		.uid = -1,
		.umask = -1 };
	struct proc_spawn_ctx ctx = { 0 };
	struct proc_spawn_req req;
	char *msg = NULL;

	(void)state;
	assert_int_equal(proc_spawn_prepare(&pc, &ctx, &req, &msg), 0);
	assert_int_equal(count(req.envp), 2);
	assert_string_equal(req.envp[0], "SUPERVISOR_ENABLED=1");
	assert_string_equal(req.envp[1], "SUPERVISOR_PROCESS_NAME=solo");
	proc_spawn_req_fini(&req);
	free(pc.name);
	free(pc.command);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_order_and_overrides),
		cmocka_unit_test(test_env_without_environ_or_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
