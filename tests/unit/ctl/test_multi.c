/*
 * fleetvisorctl with several servers: naming servers, routing
 * HOST/NAME words and host globs, merging exit codes (hosts.c), and whole
 * commands fanned out over scripted servers (multi.c, report.c): the one
 * status table with its host column, per-server lines, an unreachable
 * server beside working ones, --json, ';' between commands.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "hosts.h"
#include "options.h"

/* ---- Names ---- */

static void
names_of(const char *const *urls, const char *const *idents, size_t n,
    const char *const *want)
{
	char *got[8];

	ctl_host_names(urls, idents, n, got);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(got[i], want[i]);
		free(got[i]);
	}
}

static void
test_names_from_urls(void **state)
{
	const char *urls[] = { "http://web1:9001", "http://10.0.0.2:9001/",
		"unix:///run/a/fleet.sock", "unix:///tmp/b/sv",
		"unix:///srv/app1/supervisor.sock" };
	const char *none[] = { NULL, NULL, NULL, NULL, NULL };
	const char *want[] = { "web1", "10.0.0.2", "fleet", "sv", "app1" };

	(void)state;
	names_of(urls, none, 5, want);
}

static void
test_names_prefer_identification(void **state)
{
	const char *urls[] = { "http://h1:9001", "http://h2:9001",
		"http://h3:9001", "http://h4:9001" };
	/* A name that cannot be typed as HOST/... is not used. */
	const char *idents[] = { "db", NULL, "has space", "a/b" };
	const char *want[] = { "db", "h2", "h3", "h4" };

	(void)state;
	names_of(urls, idents, 4, want);
}

static void
test_names_shared_get_longer_then_numbered(void **state)
{
	const char *urls[] = { "http://127.0.0.1:9001", "http://127.0.0.1:9002",
		"unix:///tmp/x/supervisor.sock",
		"unix:///tmp/y/supervisor.sock", "unix:///z/supervisor.sock",
		"unix:///q/z/supervisor.sock" };
	const char *none[] = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char *want[] = { "127.0.0.1:9001", "127.0.0.1:9002", "x", "y",
		"z", "z#2" };

	(void)state;
	names_of(urls, none, 6, want);
}

static void
test_names_same_identification(void **state)
{
	const char *urls[] = { "http://h1:9001", "http://h2:9001" };
	const char *idents[] = { "app", "app" };
	const char *want[] = { "h1", "h2" };

	(void)state;
	names_of(urls, idents, 2, want);
}

static void
test_name_ok(void **state)
{
	(void)state;
	assert_true(ctl_host_name_ok("web-1.example"));
	assert_true(ctl_host_name_ok("10.0.0.1:9001"));
	assert_false(ctl_host_name_ok(""));
	assert_false(ctl_host_name_ok(NULL));
	assert_false(ctl_host_name_ok("a/b"));
	assert_false(ctl_host_name_ok("web*"));
	assert_false(ctl_host_name_ok("a b"));
}

/* ---- Routing ---- */

static const char *const hostnames[] = { "web1", "web2", "db1" };

/* route_words returns host i's words joined by spaces ("-" when the host
 * is not addressed). */
static const char *
route_words(const struct fv_fleet_route *r, size_t i)
{
	static char buf[256];
	size_t off = 0;

	if (!r->selected[i]) {
		return "-";
	}
	buf[0] = '\0';
	for (size_t w = 0; w < r->words[i].n; w++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    w > 0 ? " " : "", r->words[i].v[w]);
	}
	return buf;
}

static void
route(const char *line, struct fv_fleet_route *r)
{
	char *copy = fv_xstrdup(line), *save = NULL;
	char *words[16];
	size_t n = 0;

	for (char *w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		words[n++] = w;
	}
	fv_fleet_route(hostnames, 3, (const char *const *)words, n, r);
	free(copy);
}

static void
test_route_unqualified_goes_everywhere(void **state)
{
	struct fv_fleet_route r;

	(void)state;
	route("web:* db", &r);
	assert_int_equal(r.nselected, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(route_words(&r, i), "web:* db");
	}
	assert_int_equal(r.unmatched.n, 0);
	fv_fleet_route_fini(&r);
	route("", &r);
	assert_int_equal(r.nselected, 3);
	assert_string_equal(route_words(&r, 0), "");
	fv_fleet_route_fini(&r);
}

static void
test_route_hosts_and_globs(void **state)
{
	struct fv_fleet_route r;

	(void)state;
	route("web*/app db1/pg:*", &r);
	assert_int_equal(r.nselected, 3);
	assert_string_equal(route_words(&r, 0), "app");
	assert_string_equal(route_words(&r, 1), "app");
	assert_string_equal(route_words(&r, 2), "pg:*");
	fv_fleet_route_fini(&r);
	/* Words without a host go with every addressed host, in order. */
	route("HUP web2/app", &r);
	assert_int_equal(r.nselected, 1);
	assert_string_equal(route_words(&r, 0), "-");
	assert_string_equal(route_words(&r, 1), "HUP app");
	assert_string_equal(route_words(&r, 2), "-");
	fv_fleet_route_fini(&r);
	route("web[12]/a -f ?b1/c", &r);
	assert_string_equal(route_words(&r, 0), "a -f");
	assert_string_equal(route_words(&r, 2), "-f c");
	fv_fleet_route_fini(&r);
}

static void
test_route_unmatched(void **state)
{
	struct fv_fleet_route r;

	(void)state;
	route("nohost/app web1/x other*/y", &r);
	assert_int_equal(r.nselected, 1);
	assert_string_equal(route_words(&r, 0), "x");
	assert_int_equal(r.unmatched.n, 2);
	assert_string_equal(r.unmatched.v[0], "nohost");
	assert_string_equal(r.unmatched.v[1], "other*");
	fv_fleet_route_fini(&r);
	route("/app", &r);
	assert_int_equal(r.nselected, 0);
	assert_int_equal(r.unmatched.n, 1);
	assert_string_equal(r.unmatched.v[0], "");
	fv_fleet_route_fini(&r);
}

static void
test_exit_merge(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_merge(0, 0), 0);
	assert_int_equal(ctl_exit_merge(0, 3), 3);
	assert_int_equal(ctl_exit_merge(7, 1), 7);
	assert_int_equal(ctl_exit_merge(ctl_exit_merge(0, 1), 0), 1);
	/* The order of answers does not matter. */
	assert_int_equal(ctl_exit_merge(ctl_exit_merge(0, 4), 7),
	    ctl_exit_merge(ctl_exit_merge(0, 7), 4));
}

/* ---- Whole commands on scripted servers ---- */

/*
 * The scripted servers, told apart by URL: "up1" and "up2" run two
 * processes each, "down" refuses connections. Calls come from several
 * threads at once; the seam only reads.
 */
static struct xr_value *
fake_info(const char *group, const char *name, const char *statename, int state,
    int pid)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(name));
	xr_struct_set_take(s, "group", xr_string_new(group));
	xr_struct_set_take(s, "statename", xr_string_new(statename));
	xr_struct_set_take(s, "state", xr_int_new(state));
	xr_struct_set_take(s, "description",
	    xr_string_new(pid != 0 ? "pid 1, uptime 0:00:01" : "Not started"));
	xr_struct_set_take(s, "pid", xr_int_new(pid));
	return s;
}

static void
fake_call(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *out)
{
	const char *url = ctl->opt.serverurl;
	bool two = strstr(url, "up2") != NULL;

	memset(out, 0, sizeof(*out));
	if (strstr(url, "down") != NULL) {
		xr_value_free(params);
		out->outcome = CTL_NET_ERROR;
		out->err = -ECONNREFUSED;
		out->msg = fv_xstrdup("refused");
		return;
	}
	out->outcome = CTL_OK;
	if (strcmp(method, "supervisor.getVersion") == 0) {
		out->value = xr_string_new("3.0");
	} else if (strcmp(method, "supervisor.getIdentification") == 0) {
		out->value = xr_string_new(two ? "second" : "supervisor");
	} else if (strcmp(method, "supervisor.getAllProcessInfo") == 0) {
		out->value = xr_array_new();
		xr_array_add_take(
		    out->value, fake_info("app", "app", "RUNNING", 20, 7));
		xr_array_add_take(out->value,
		    fake_info("workers",
		        two ? "a_long_worker_name_of_40_chars_" : "w0",
		        "STOPPED", 0, 0));
	} else if (strcmp(method, "supervisor.getPID") == 0) {
		out->value = xr_int_new(two ? 200 : 100);
	} else if (strcmp(method, "supervisor.getProcessInfo") == 0) {
		const char *name = xr_string_get(xr_array_at(params, 0), NULL);

		if (strcmp(name, "app") == 0) {
			out->value = fake_info("app", "app", "RUNNING", 20, 7);
		} else {
			out->outcome = CTL_FAULT;
			out->fault_code = 10;
			out->fault_string = fv_xstrdup("BAD_NAME");
			out->msg = fv_xstrdup("fault");
		}
	} else if (strcmp(method, "supervisor.startProcess") == 0) {
		const char *name = xr_string_get(xr_array_at(params, 0), NULL);

		if (strcmp(name, "app") == 0) {
			out->outcome = CTL_FAULT;
			out->fault_code = 60;
			out->fault_string = fv_xstrdup("ALREADY_STARTED: app");
			out->msg = fv_xstrdup("fault");
		} else {
			out->value = xr_bool_new(true);
		}
	} else {
		out->value = xr_bool_new(true);
	}
	xr_value_free(params);
}

struct mx {
	struct ctl ctl;
	char *buf;
	size_t len;
};

static struct mx *
mx_new(bool json, size_t n, ...)
{
	struct mx *mx = fv_xcalloc(1, sizeof(*mx));
	struct ctl_options o = { 0 };
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		fv_strv_push(&o.serverurls, va_arg(ap, const char *));
	}
	va_end(ap);
	o.serverurl = fv_xstrdup(o.serverurls.v[0]);
	o.prompt = fv_xstrdup("supervisor");
	o.json = json;
	FILE *out = open_memstream(&mx->buf, &mx->len);
	assert_int_equal(ctl_init(&mx->ctl, &o, out, out), 0);
	mx->ctl.call = fake_call;
	return mx;
}

static const char *
mx_output(struct mx *mx)
{
	static char copy[8192];

	fflush(mx->ctl.out);
	snprintf(copy, sizeof(copy), "%s", mx->buf != NULL ? mx->buf : "");
	fclose(mx->ctl.out);
	free(mx->buf);
	mx->buf = NULL;
	mx->ctl.out = mx->ctl.err = open_memstream(&mx->buf, &mx->len);
	return copy;
}

static void
mx_free(struct mx *mx)
{
	FILE *out = mx->ctl.out;

	ctl_fini(&mx->ctl);
	fclose(out);
	free(mx->buf);
	free(mx);
}

static void
test_multi_status_one_table(void **state)
{
	struct mx *mx = mx_new(
	    false, 3, "http://up1:9001", "http://up2:9001", "http://down:9001");

	(void)state;
	/* A stopped process anywhere: 3; the refused server: 4. */
	assert_int_equal(ctl_onecmd(&mx->ctl, "status"), 4);
	assert_string_equal(mx_output(mx),
	    "down    http://down:9001 refused connection\n"
	    "up1     app                                       RUNNING   "
	    "pid 1, uptime 0:00:01\n"
	    "up1     workers:w0                                STOPPED   "
	    "Not started\n"
	    "second  app                                       RUNNING   "
	    "pid 1, uptime 0:00:01\n"
	    "second  workers:a_long_worker_name_of_40_chars_   STOPPED   "
	    "Not started\n");
	assert_int_equal(ctl_onecmd(&mx->ctl, "status up1/app sec*/nope"), 4);
	assert_string_equal(mx_output(mx),
	    "second  nope: ERROR (no such process)\n"
	    "up1     app                              RUNNING   pid 1, "
	    "uptime 0:00:01\n");
	assert_int_equal(ctl_onecmd(&mx->ctl, "status up1/app"), 0);
	mx_output(mx);
	assert_int_equal(ctl_onecmd(&mx->ctl, "status elsewhere/app"), 1);
	assert_string_equal(mx_output(mx), "elsewhere: ERROR (no such host)\n");
	mx_free(mx);
}

static void
test_multi_actions_per_host(void **state)
{
	struct mx *mx = mx_new(
	    false, 3, "http://up1:9001", "http://up2:9001", "http://down:9001");

	(void)state;
	assert_int_equal(ctl_onecmd(&mx->ctl, "start app workers:w0"), 4);
	assert_string_equal(mx_output(mx),
	    "up1     app: ERROR (already started)\n"
	    "up1     workers:w0: started\n"
	    "second  app: ERROR (already started)\n"
	    "second  workers:w0: started\n"
	    "down    http://down:9001 refused connection\n");
	assert_int_equal(ctl_onecmd(&mx->ctl, "start up*/workers:w0"), 0);
	assert_string_equal(mx_output(mx), "up1     workers:w0: started\n");
	/* fg and tail -f attach to one server. */
	assert_int_equal(ctl_onecmd(&mx->ctl, "tail -f app"), 1);
	assert_string_equal(mx_output(mx),
	    "Error: tail follows one server; name it as HOST/NAME\n");
	/* Session commands run once. */
	assert_int_equal(ctl_onecmd(&mx->ctl, "help quit"), 0);
	assert_string_equal(
	    mx_output(mx), "quit\tExit the supervisor shell.\n");
	mx_free(mx);
}

static void
test_multi_json(void **state)
{
	struct mx *mx = mx_new(
	    true, 3, "http://up1:9001", "http://up2:9001", "http://down:9001");

	(void)state;
	assert_int_equal(ctl_onecmd(&mx->ctl, "pid"), 4);
	assert_string_equal(mx_output(mx),
	    "[\n"
	    "{\"host\":\"up1\",\"pid\":100},\n"
	    "{\"host\":\"second\",\"pid\":200},\n"
	    "{\"host\":\"down\",\"error\":\"http://down:9001 refused "
	    "connection\"}\n"
	    "]\n");
	assert_int_equal(ctl_onecmd(&mx->ctl, "status up1/app x/y"), 1);
	assert_string_equal(mx_output(mx),
	    "[\n"
	    "{\"host\":\"x\",\"error\":\"no such host\"},\n"
	    "{\"host\":\"up1\",\"namespec\":\"app\",\"name\":\"app\","
	    "\"group\":\"app\",\"statename\":\"RUNNING\",\"state\":20,"
	    "\"description\":\"pid 1, uptime 0:00:01\",\"pid\":7}\n"
	    "]\n");
	/* Other commands print text. */
	assert_int_equal(ctl_onecmd(&mx->ctl, "start up1/workers:w0"), 0);
	assert_string_equal(mx_output(mx), "up1     workers:w0: started\n");
	mx_free(mx);
}

static void
test_single_json_and_semicolons(void **state)
{
	struct mx *mx = mx_new(true, 1, "http://up1:9001");

	(void)state;
	assert_int_equal(ctl_onecmd(&mx->ctl, "pid all"), 0);
	assert_string_equal(mx_output(mx),
	    "[\n"
	    "{\"namespec\":\"app\",\"pid\":7},\n"
	    "{\"namespec\":\"workers:w0\",\"pid\":0}\n"
	    "]\n");
	assert_int_equal(ctl_onecmd(&mx->ctl, "pid nope"), 1);
	mx_output(mx);
	mx->ctl.opt.json = false;
	mx->ctl.exit_status = 0;
	/* Each command in turn; the last failure is the run's code. */
	assert_int_equal(ctl_onecmd(&mx->ctl, "pid ; status app;;pid app"), 0);
	assert_string_equal(mx_output(mx),
	    "100\n"
	    "app                              RUNNING   pid 1, uptime "
	    "0:00:01\n"
	    "7\n");
	assert_int_equal(mx->ctl.exit_status, 0);
	assert_int_equal(ctl_onecmd(&mx->ctl, "status; pid"), 0);
	assert_int_equal(mx->ctl.exit_status, 3);
	mx_output(mx);
	mx_free(mx);
}

/* serverurl= is a list only when every part is a URL. */
static void
test_serverurl_lists(void **state)
{
	static const struct {
		const char *value;
		size_t n;
		const char *first, *last;
	} cases[] = {
		{ "unix:///tmp/a.sock, http://h2:9001\n  http://h3:9001", 3,
		    "unix:///tmp/a.sock", "http://h3:9001" },
		/* A socket path with a space is one URL, as 4.2.5 reads it. */
		{ "unix:///tmp/my dir/s.sock", 1, "unix:///tmp/my dir/s.sock",
		    "unix:///tmp/my dir/s.sock" },
		{ "http://h1:9001 nonsense", 1, "http://h1:9001 nonsense",
		    "http://h1:9001 nonsense" },
	};
	char path[] = "/tmp/fvctl-conf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char prog[] = "fleetvisorctl", c[] = "-c", cmd[] = "status";
		char *argv[] = { prog, c, path, cmd, NULL };
		struct ctl_options o;
		char *err = NULL;
		bool help;
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "[supervisorctl]\nserverurl = %s\n", cases[i].value);
		fclose(f);
		assert_int_equal(
		    ctl_options_parse(&o, 4, argv, &help, &err), 0);
		assert_int_equal(o.serverurls.n, cases[i].n);
		assert_string_equal(o.serverurls.v[0], cases[i].first);
		assert_string_equal(
		    o.serverurls.v[o.serverurls.n - 1], cases[i].last);
		assert_string_equal(o.serverurl, cases[i].first);
		ctl_options_fini(&o);
		free(err);
	}
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_from_urls),
		cmocka_unit_test(test_names_prefer_identification),
		cmocka_unit_test(test_names_shared_get_longer_then_numbered),
		cmocka_unit_test(test_names_same_identification),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_route_unqualified_goes_everywhere),
		cmocka_unit_test(test_route_hosts_and_globs),
		cmocka_unit_test(test_route_unmatched),
		cmocka_unit_test(test_exit_merge),
		cmocka_unit_test(test_multi_status_one_table),
		cmocka_unit_test(test_multi_actions_per_host),
		cmocka_unit_test(test_multi_json),
		cmocka_unit_test(test_single_json_and_semicolons),
		cmocka_unit_test(test_serverurl_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
