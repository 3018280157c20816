/*
 * rpc_config.c and what it stands on (cfg_ref, cfg_group_equal,
 * supervisor_add_group/remove_group): reloadConfig's diff, adding and
 * removing groups across reloads, getAllConfigInfo's rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "rpc_testfx.h"

static const char conf[] = "[program:cat]\n"
                           "command=/bin/cat\n"
                           "autostart=false\n"
                           "\n"
                           "[program:sleeper]\n"
                           "command=/bin/sleep 1000\n"
                           "autostart=false\n"
                           "numprocs=2\n"
                           "process_name=%(program_name)s_%(process_num)d\n"
                           "stdout_logfile=NONE\n"
                           "directory=/tmp\n"
                           "exitcodes=0,2\n"
                           "stopsignal=INT\n"
                           "\n"
                           "[group:grp]\n"
                           "programs=sleeper\n"
                           "priority=5\n";

static void
expect_fault(struct rpc_testfx *fx, const char *method, struct xr_value *params,
    int code, const char *text)
{
	struct rpc_call call;

	rpc_testfx_call(fx, &call, method, params);
	assert_null(call.result);
	assert_int_equal(call.fault_code, code);
	assert_string_equal(call.fault_string, text);
	rpc_call_fini(&call);
}

static void
expect_true(struct rpc_testfx *fx, const char *method, const char *arg)
{
	struct rpc_call call;
	bool b = false;

	rpc_testfx_call(
	    fx, &call, method, rpc_testfx_args(1, xr_string_new(arg)));
	assert_int_equal(call.fault_code, 0);
	assert_true(xr_bool_get(call.result, &b));
	assert_true(b);
	rpc_call_fini(&call);
}

/* The names in one of reloadConfig's lists, comma-separated. */
static void
expect_names(const struct xr_value *list, const char *want)
{
	struct fv_buf got;

	fv_buf_init(&got, 4096);
	for (size_t i = 0; i < xr_array_len(list); i++) {
		fv_buf_printf(&got, "%s%s", i > 0 ? "," : "",
		    xr_string_get(xr_array_at(list, i), NULL));
	}
	assert_string_equal(fv_buf_cstr(&got), want);
	fv_buf_fini(&got);
}

static void
expect_reload(struct rpc_testfx *fx, const char *added, const char *changed,
    const char *removed)
{
	struct rpc_call call;
	const struct xr_value *inner;

	rpc_testfx_call(fx, &call, "supervisor.reloadConfig", NULL);
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 1);
	inner = xr_array_at(call.result, 0);
	assert_int_equal(xr_array_len(inner), 3);
	expect_names(xr_array_at(inner, 0), added);
	expect_names(xr_array_at(inner, 1), changed);
	expect_names(xr_array_at(inner, 2), removed);
	rpc_call_fini(&call);
}

static const char *
str_member(const struct xr_value *s, const char *name)
{
	const char *v = xr_string_get(xr_struct_get(s, name), NULL);

	assert_non_null(v);
	return v;
}

static int32_t
int_member(const struct xr_value *s, const char *name)
{
	int32_t i = -12345;

	assert_true(xr_int_get(xr_struct_get(s, name), &i));
	return i;
}

static bool
bool_member(const struct xr_value *s, const char *name)
{
	bool b = false;

	assert_true(xr_bool_get(xr_struct_get(s, name), &b));
	return b;
}

static void
test_all_config_info(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;
	const struct xr_value *cat, *s0, *s1;
	char *prefix;

	(void)state;
	rpc_testfx_call(fx, &call, "supervisor.getAllConfigInfo", NULL);
	assert_int_equal(xr_array_len(call.result), 3);
	cat = xr_array_at(call.result, 0);
	s0 = xr_array_at(call.result, 1);
	s1 = xr_array_at(call.result, 2);
	/* Sorted by process name, whatever the group order. */
	assert_string_equal(str_member(cat, "name"), "cat");
	assert_string_equal(str_member(s0, "name"), "sleeper_0");
	assert_string_equal(str_member(s1, "name"), "sleeper_1");
	/* Every field 4.2.5 returns, and no other. */
	assert_int_equal(xr_struct_len(cat), 29);
	assert_string_equal(str_member(cat, "group"), "cat");
	assert_int_equal(int_member(cat, "group_prio"), 999);
	assert_int_equal(int_member(cat, "process_prio"), 999);
	assert_true(bool_member(cat, "inuse"));
	assert_false(bool_member(cat, "autostart"));
	assert_string_equal(str_member(cat, "directory"), "none");
	assert_string_equal(str_member(cat, "uid"), "none");
	assert_string_equal(str_member(cat, "serverurl"), "none");
	assert_string_equal(str_member(cat, "command"), "/bin/cat");
	assert_int_equal(int_member(cat, "stopsignal"), 15);
	assert_int_equal(int_member(cat, "stopwaitsecs"), 10);
	assert_int_equal(int_member(cat, "startsecs"), 1);
	assert_int_equal(int_member(cat, "startretries"), 3);
	assert_int_equal(int_member(cat, "stdout_logfile_maxbytes"), 52428800);
	assert_int_equal(int_member(cat, "stdout_logfile_backups"), 10);
	assert_int_equal(int_member(cat, "stdout_capture_maxbytes"), 0);
	assert_false(bool_member(cat, "stdout_events_enabled"));
	assert_false(bool_member(cat, "stdout_syslog"));
	assert_false(bool_member(cat, "redirect_stderr"));
	assert_false(bool_member(cat, "killasgroup"));
	/* A running group's AUTO log shows the name it was given. */
	prefix = fv_xasprintf("%s/cat-stdout---fxident-", fx->dir);
	assert_true(
	    fv_str_startswith(str_member(cat, "stdout_logfile"), prefix));
	free(prefix);
	assert_string_equal(str_member(s0, "group"), "grp");
	assert_int_equal(int_member(s0, "group_prio"), 5);
	assert_string_equal(str_member(s0, "stdout_logfile"), "none");
	assert_string_equal(str_member(s0, "directory"), "/tmp");
	assert_int_equal(int_member(s0, "stopsignal"), 2);
	assert_int_equal(xr_array_len(xr_struct_get(s0, "exitcodes")), 2);
	rpc_call_fini(&call);

	/* After a reread, AUTO is "auto" again and a group not running is
	 * not in use. */
	rpc_testfx_write(fx,
	    "[program:cat]\ncommand=/bin/cat\nautostart=false\n"
	    "[program:newp]\ncommand=/bin/cat\nautostart=false\n");
	expect_reload(fx, "newp", "", "grp");
	rpc_testfx_call(fx, &call, "supervisor.getAllConfigInfo", NULL);
	assert_int_equal(xr_array_len(call.result), 2);
	cat = xr_array_at(call.result, 0);
	assert_string_equal(str_member(cat, "stdout_logfile"), "auto");
	assert_true(bool_member(cat, "inuse"));
	assert_false(bool_member(xr_array_at(call.result, 1), "inuse"));
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

static void
test_reload_add_remove(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	expect_reload(fx, "", "", "");
	assert_int_equal(fx->nreread, 1);

	/* grp's command changes; newp appears. */
	rpc_testfx_write(fx,
	    "[program:cat]\ncommand=/bin/cat\nautostart=false\n"
	    "[program:newp]\ncommand=/bin/cat\nautostart=false\npriority=1\n"
	    "[program:sleeper]\ncommand=/bin/sleep 999\nautostart=false\n"
	    "numprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n"
	    "stdout_logfile=NONE\ndirectory=/tmp\nexitcodes=0,2\n"
	    "stopsignal=INT\n"
	    "[group:grp]\nprograms=sleeper\npriority=5\n");
	expect_reload(fx, "newp", "grp", "");
	expect_true(fx, "supervisor.addProcessGroup", "newp");
	assert_int_equal(fx->sv.ngroups, 3);
	/* Sorted by (priority, name). */
	assert_string_equal(fx->sv.groups[0]->cfg->name, "newp");
	assert_string_equal(fx->sv.groups[1]->cfg->name, "grp");
	assert_string_equal(fx->sv.groups[2]->cfg->name, "cat");
	expect_fault(fx, "supervisor.addProcessGroup",
	    rpc_testfx_args(1, xr_string_new("newp")), RPC_FAULT_ALREADY_ADDED,
	    "ALREADY_ADDED: newp");
	expect_fault(fx, "supervisor.addProcessGroup",
	    rpc_testfx_args(1, xr_string_new("nope")), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: nope");

	/* The group added from this model outlives it: the next reread
	 * frees the context's reference. Removed groups come in the order
	 * they were added, as 4.2.5's dict keeps them. */
	rpc_testfx_write(
	    fx, "[program:zz]\ncommand=/bin/cat\nautostart=false\n");
	expect_reload(fx, "zz", "", "grp,cat,newp");
	rpc_testfx_call(fx, &call, "supervisor.getAllConfigInfo", NULL);
	assert_int_equal(xr_array_len(call.result), 1);
	rpc_call_fini(&call);
	assert_string_equal(
	    proc_name(supervisor_find_group(&fx->sv, "newp")->procs[0]),
	    "newp");
	expect_fault(fx, "supervisor.addProcessGroup",
	    rpc_testfx_args(1, xr_string_new("cat")), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: cat");

	expect_true(fx, "supervisor.removeProcessGroup", "newp");
	expect_true(fx, "supervisor.removeProcessGroup", "cat");
	assert_int_equal(fx->sv.ngroups, 1);
	expect_fault(fx, "supervisor.removeProcessGroup",
	    rpc_testfx_args(1, xr_string_new("cat")), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: cat");
	expect_true(fx, "supervisor.addProcessGroup", "zz");
	expect_reload(fx, "", "", "grp");
	rpc_testfx_free(fx);
}

static void
test_remove_still_running(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct proc *p = supervisor_find_group(&fx->sv, "grp")->procs[1];

	(void)state;
	/* Only the state matters to the check; no child is needed. */
	p->fsm.state = PROC_BACKOFF;
	expect_fault(fx, "supervisor.removeProcessGroup",
	    rpc_testfx_args(1, xr_string_new("grp")), RPC_FAULT_STILL_RUNNING,
	    "STILL_RUNNING: grp");
	assert_non_null(supervisor_find_group(&fx->sv, "grp"));
	p->fsm.state = PROC_EXITED;
	expect_true(fx, "supervisor.removeProcessGroup", "grp");
	rpc_testfx_free(fx);
}

static void
test_bad_names(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct xr_value *list = xr_array_new();

	(void)state;
	/* As recorded from 4.2.5. */
	expect_fault(fx, "supervisor.addProcessGroup",
	    rpc_testfx_args(1, xr_int_new(5)), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: 5");
	expect_fault(fx, "supervisor.addProcessGroup",
	    rpc_testfx_args(1, xr_bool_new(true)), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: True");
	xr_array_add_take(list, xr_int_new(1));
	xr_array_add_take(list, xr_string_new("a"));
	expect_fault(fx, "supervisor.addProcessGroup", rpc_testfx_args(1, list),
	    RPC_FAULT_BAD_NAME, "BAD_NAME: [1, 'a']");
	expect_fault(fx, "supervisor.removeProcessGroup",
	    rpc_testfx_args(1, xr_int_new(5)), RPC_FAULT_BAD_NAME,
	    "BAD_NAME: 5");
	expect_fault(fx, "supervisor.removeProcessGroup",
	    rpc_testfx_args(1, xr_array_new()), RPC_FAULT_INCORRECT_PARAMETERS,
	    "INCORRECT_PARAMETERS");
	expect_fault(fx, "supervisor.removeProcessGroup",
	    rpc_testfx_args(1, xr_struct_new()), RPC_FAULT_INCORRECT_PARAMETERS,
	    "INCORRECT_PARAMETERS");
	rpc_testfx_free(fx);
}

static void
test_reload_parse_error(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct cfg *before = fx->ctx.parsed;
	struct rpc_call call;

	(void)state;
	rpc_testfx_write(fx, "[program:bad]\nautostart=false\n");
	rpc_testfx_call(fx, &call, "supervisor.reloadConfig", NULL);
	assert_int_equal(call.fault_code, RPC_FAULT_CANT_REREAD);
	assert_true(fv_str_startswith(call.fault_string, "CANT_REREAD: "));
	assert_non_null(strstr(call.fault_string,
	    "program section program:bad does not specify a command"));
	rpc_call_fini(&call);
	/* Nothing changed. */
	assert_ptr_equal(fx->ctx.parsed, before);
	expect_true(fx, "supervisor.removeProcessGroup", "cat");
	expect_true(fx, "supervisor.addProcessGroup", "cat");
	rpc_testfx_free(fx);
}

/* cfg_group_equal on two loads of (almost) the same text. */
static bool
groups_equal(const char *a, const char *b)
{
	char *dir = fv_test_mkdtemp();
	char *pa = fv_test_write(dir, "a.conf", a);
	char *pb = fv_test_write(dir, "b.conf", b);
	struct cfg *ca, *cb;
	struct fv_diag d;
	bool eq;

	assert_int_equal(rpc_testfx_load(pa, &ca, &d), 0);
	assert_int_equal(rpc_testfx_load(pb, &cb, &d), 0);
	assert_int_equal(ca->ngroups, 1);
	assert_int_equal(cb->ngroups, 1);
	eq = cfg_group_equal(&ca->groups[0], &cb->groups[0]);
	cfg_free(ca);
	cfg_free(cb);
	fv_test_rmtree(dir);
	free(dir);
	free(pa);
	free(pb);
	return eq;
}

static void
test_group_equal(void **state)
{
	static const char base[] = "[supervisord]\n[program:x]\ncommand=c\n";

	(void)state;
	assert_true(groups_equal(base, base));
	assert_false(
	    groups_equal(base, "[supervisord]\n[program:x]\ncommand=c2\n"));
	assert_false(groups_equal(
	    base, "[supervisord]\n[program:x]\ncommand=c\npriority=1\n"));
	assert_false(groups_equal(
	    base, "[supervisord]\n[program:x]\ncommand=c\nautorestart=true\n"));
	/* A path now where AUTO ran before differs: the old one was given
	 * a made-up name. */
	assert_false(groups_equal(
	    "[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=/tmp/l\n",
	    base));
	/* A new AUTO log matches whatever ran before. */
	assert_true(groups_equal(
	    "[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=AUTO\n",
	    "[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=/tmp/l\n"));
	/* Environments compare as dicts. */
	assert_true(groups_equal(
	    "[supervisord]\n[program:x]\ncommand=c\nenvironment=A=1,B=2\n",
	    "[supervisord]\n[program:x]\ncommand=c\nenvironment=B=2,A=1\n"));
	assert_false(groups_equal(
	    "[supervisord]\n[program:x]\ncommand=c\nenvironment=A=1\n",
	    "[supervisord]\n[program:x]\ncommand=c\nenvironment=A=2\n"));
	assert_false(groups_equal(
	    base, "[supervisord]\n[program:x]\ncommand=c\nexitcodes=0,1\n"));
	assert_false(groups_equal(base,
	    "[supervisord]\n[program:x]\ncommand=c\nnumprocs=2\n"
	    "process_name=%(process_num)s\n"));
	assert_false(groups_equal(base,
	    "[supervisord]\n[eventlistener:x]\ncommand=c\nevents=TICK_5\n"));
	assert_false(groups_equal(
	    "[supervisord]\n[eventlistener:x]\ncommand=c\nevents=TICK_5\n",
	    "[supervisord]\n[eventlistener:x]\ncommand=c\nevents=TICK_60\n"));
	assert_true(groups_equal("[supervisord]\n[eventlistener:x]\ncommand=c\n"
	                         "events=TICK_5,TICK_60\n",
	    "[supervisord]\n[eventlistener:x]\ncommand=c\n"
	    "events=TICK_60,TICK_5\n"));
}

static void
test_cfg_ref(void **state)
{
	char *dir = fv_test_mkdtemp();
	char *path = fv_test_write(dir, "s.conf", "[supervisord]\n");
	struct cfg *cfg;
	struct fv_diag d;

	(void)state;
	assert_int_equal(rpc_testfx_load(path, &cfg, &d), 0);
	assert_ptr_equal(cfg_ref(cfg), cfg);
	assert_ptr_equal(cfg_ref(cfg), cfg);
	assert_null(cfg_ref(NULL));
	cfg_free(cfg);
	cfg_free(cfg);
	/* Still alive: one reference left (ASan would tell). */
	assert_non_null(cfg->configfile);
	cfg_free(cfg);
	fv_test_rmtree(dir);
	free(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_config_info),
		cmocka_unit_test(test_reload_add_remove),
		cmocka_unit_test(test_remove_still_running),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_reload_parse_error),
		cmocka_unit_test(test_group_equal),
		cmocka_unit_test(test_cfg_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
