/*
 * ctr_config: every key, the defaults, and errors naming file:line and
 * key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctr_config.h"
#include "ctr_log.h"

static int
load(struct ctr_config *c, const char *text, struct fv_diag *d)
{
	ctr_config_init(c);
	return ctr_config_load_string(c, text, "t.conf", d);
}

static void
test_defaults(void **state)
{
	struct ctr_config c;
	struct fv_diag d;

	(void)state;
	assert_int_equal(
	    load(&c, "[controller]\nallow_unproven = yes\n", &d), 0);
	assert_string_equal(c.agents.v[0], "tcp://127.0.0.1:7400");
	assert_string_equal(c.clients.v[0], "tcp://127.0.0.1:7410");
	assert_int_equal(c.heartbeat_ms, 5000);
	assert_int_equal(c.lost_after_ms, 15000);
	assert_int_equal(c.max_inflight, 64);
	assert_int_equal(c.loglevel, CTR_LOG_INFO);
	assert_false(c.nodaemon);
	assert_int_equal(c.join_timeout_ms, 15000);
	assert_int_equal(c.agent_rate_limit, 5000);
	assert_int_equal(c.max_agent_connections, 2 * 10000 + 1024);
	ctr_config_fini(&c);
	/* The join timeout is at least 10 s, else 3 heartbeats. */
	assert_int_equal(load(&c,
	                     "[controller]\nallow_unproven = yes\n"
	                     "heartbeat = 1\nmax_hosts = 5\n",
	                     &d),
	    0);
	assert_int_equal(c.join_timeout_ms, 10000);
	assert_int_equal(c.max_agent_connections, 2 * 5 + 1024);
	ctr_config_fini(&c);
}

static void
test_every_key(void **state)
{
	struct ctr_config c;
	struct fv_diag d;
	const char *text =
	    "[controller]\n"
	    "agents = tcp://0.0.0.0:7400, ipc:///tmp/a.sock\n"
	    "clients = tls+tcp://[::1]:7410\n"
	    "tls_ca = /ca.pem\ntls_cert = /c.pem\ntls_key = /k.pem\n"
	    "agents_verify = true\nclients_verify = on\n"
	    "secrets_dir = /s\nallow_unproven = false\n"
	    "heartbeat = 0.25\nlost_after = 2\ncommand_timeout = 30\n"
	    "max_inflight = 8\nclient_queue = 100\nmax_hosts = 50\n"
	    "max_stored = 10\nmax_stored_bytes = 10MB\n"
	    "logfile = /l.log\nlogfile_maxbytes = 1KB\nlogfile_backups = 3\n"
	    "loglevel = debug\npidfile = /p.pid\nnodaemon = 1\n"
	    "identifier = ctl-a\njoin_timeout = 2.5\n"
	    "agent_rate_limit = 300\nmax_agent_connections = 40\n";

	(void)state;
	assert_int_equal(load(&c, text, &d), 0);
	assert_int_equal(c.agents.n, 2);
	assert_string_equal(c.agents.v[1], "ipc:///tmp/a.sock");
	assert_string_equal(c.clients.v[0], "tls+tcp://[::1]:7410");
	assert_string_equal(c.tls_key, "/k.pem");
	assert_true(c.agents_verify && c.clients_verify);
	assert_string_equal(c.secrets_dir, "/s");
	assert_int_equal(c.heartbeat_ms, 250);
	assert_int_equal(c.lost_after_ms, 2000);
	assert_int_equal(c.command_timeout_ms, 30000);
	assert_int_equal(c.max_inflight, 8);
	assert_int_equal(c.client_queue, 100);
	assert_int_equal(c.max_hosts, 50);
	assert_int_equal(c.max_stored, 10);
	assert_int_equal(c.max_stored_bytes, 10u << 20);
	assert_string_equal(c.logfile, "/l.log");
	assert_int_equal(c.logfile_maxbytes, 1024);
	assert_int_equal(c.logfile_backups, 3);
	assert_int_equal(c.loglevel, CTR_LOG_DEBG);
	assert_string_equal(c.pidfile, "/p.pid");
	assert_true(c.nodaemon);
	assert_string_equal(c.identifier, "ctl-a");
	assert_int_equal(c.join_timeout_ms, 2500);
	assert_int_equal(c.agent_rate_limit, 300);
	assert_int_equal(c.max_agent_connections, 40);
	ctr_config_fini(&c);
}

static void
expect_error(const char *text, const char *msg)
{
	struct ctr_config c;
	struct fv_diag d;

	assert_int_equal(load(&c, text, &d), FV_EBADCONF);
	if (strstr(d.msg, msg) == NULL) {
		fail_msg("'%s' not in '%s'", msg, d.msg);
	}
	ctr_config_fini(&c);
}

static void
test_errors_name_file_line_key(void **state)
{
	(void)state;
	expect_error("[controller]\nsecrets_dir=/s\nbogus = 1\n",
	    "t.conf:3: bogus: unknown key");
	expect_error(
	    "[other]\nx = 1\n", "t.conf:2: x: unknown section [other]");
	expect_error("x = 1\n", "t.conf:1: x: outside of any section");
	expect_error("[controller]\n\nheartbeat = 5s\n",
	    "t.conf:3: heartbeat: not a number of seconds");
	expect_error("[controller]\nnodaemon = maybe\n",
	    "t.conf:2: nodaemon: not a boolean");
	expect_error("[controller]\nloglevel = loud\n",
	    "t.conf:2: loglevel: not a level");
	expect_error("[controller]\nmax_inflight = 0\n",
	    "t.conf:2: max_inflight: '0' is out of range");
	expect_error("[controller]\njoin_timeout = 0.5\n",
	    "t.conf:2: join_timeout: '0.5' is out of range (1 to 3600 "
	    "seconds)");
	expect_error("[controller]\nagent_rate_limit = 0\n",
	    "t.conf:2: agent_rate_limit: '0' is out of range");
	expect_error("[controller]\nmax_agent_connections = 2\n",
	    "t.conf:2: max_agent_connections: '2' is out of range");
	expect_error("[controller]\nagents = http://x:1\n",
	    "t.conf:2: agents: http://x:1: not a tcp://");
	expect_error("[controller]\nlogfile_maxbytes = 5XB\n",
	    "t.conf:2: logfile_maxbytes: not a byte size");
	expect_error("[controller]\nidentifier = a/b\n",
	    "t.conf:2: identifier: not 1 to 40");
	expect_error("[controller]\npidfile = /a\npidfile = /b\n",
	    "t.conf:3: pidfile: given twice");
	expect_error("[controller]\nthis is not ini\n", "t.conf:2: not a");
	expect_error("[controller]\nheartbeat = 1\n", "set secrets_dir");
	expect_error("[controller]\nallow_unproven=1\nheartbeat = 2\n"
	             "lost_after = 1\n",
	    "lost_after must be longer");
	expect_error("[controller]\nallow_unproven=1\nagents_verify = yes\n",
	    "need tls_ca");
	expect_error("[controller]\nallow_unproven=1\n"
	             "agents = tls+tcp://h:1\n",
	    "needs tls_cert");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_file_line_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
