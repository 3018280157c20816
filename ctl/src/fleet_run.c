/*
 * The 4.2.5 commands through a controller (fleet_run.h). One command is
 * one Command: its words go as typed, HOST/ prefixes included, since the
 * controller splits them per host as the several-server mode routes
 * them; we only ask the registry first when a word names hosts (to
 * report "HOST: ERROR (no such host)" as that mode does) or when reload
 * or shutdown must count what it asks about. The answers are converted
 * (fleet_conv.c) and printed by hostout.c, never here.
 */
#include "fleet_run.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "fleet_conv.h"
#include "hostout.h"
#include "hosts.h"
#include "report.h"

/* What each 4.2.5 command is on the wire; commands not listed cannot go
 * through a controller. */
static const struct {
	const char *name;
	Fleetvisor__V1__Command__Action action;
} ctl_fleet_actions[] = {
	{ "add", FLEETVISOR__V1__COMMAND__ACTION__ACTION_ADD },
	{ "avail", FLEETVISOR__V1__COMMAND__ACTION__ACTION_AVAIL },
	{ "clear", FLEETVISOR__V1__COMMAND__ACTION__ACTION_CLEAR },
	{ "maintail", FLEETVISOR__V1__COMMAND__ACTION__ACTION_MAINTAIL },
	{ "pid", FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID },
	{ "reload", FLEETVISOR__V1__COMMAND__ACTION__ACTION_RELOAD },
	{ "remove", FLEETVISOR__V1__COMMAND__ACTION__ACTION_REMOVE },
	{ "reopen", FLEETVISOR__V1__COMMAND__ACTION__ACTION_REOPEN },
	{ "reread", FLEETVISOR__V1__COMMAND__ACTION__ACTION_REREAD },
	{ "restart", FLEETVISOR__V1__COMMAND__ACTION__ACTION_RESTART },
	{ "shutdown", FLEETVISOR__V1__COMMAND__ACTION__ACTION_SHUTDOWN },
	{ "signal", FLEETVISOR__V1__COMMAND__ACTION__ACTION_SIGNAL },
	{ "start", FLEETVISOR__V1__COMMAND__ACTION__ACTION_START },
	{ "status", FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS },
	{ "stop", FLEETVISOR__V1__COMMAND__ACTION__ACTION_STOP },
	{ "tail", FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL },
	{ "update", FLEETVISOR__V1__COMMAND__ACTION__ACTION_UPDATE },
	{ "version", FLEETVISOR__V1__COMMAND__ACTION__ACTION_VERSION },
};

void
ctl_fleet_attach(struct ctl *ctl, const char *url)
{
	struct fv_diag d = { { 0 } };
	struct fv_fleet_tls tls = {
		.ca_file = ctl->opt.tls_ca,
		.cert_file = ctl->opt.tls_cert,
		.key_file = ctl->opt.tls_key,
		.verify = ctl->opt.tls_verify > 0 ||
		    (ctl->opt.tls_verify == 0 && ctl->opt.tls_ca != NULL),
	};

	ctl->fleet_mode = true;
	/* TLS that does not verify the controller only looks safe: whoever
	 * sits on the path would see and answer every command
	 * (RELIABILITY C14). So tls+tcp:// needs the CA, and verifies. */
	if (strncmp(url, "tls+tcp://", 10) == 0 &&
	    (ctl->opt.tls_ca == NULL || ctl->opt.tls_verify < 0)) {
		ctl->fleet = NULL;
		ctl->server_error = fv_xstrdup(ctl->opt.tls_ca == NULL
		        ? "a tls+tcp:// controller is verified against its CA: "
		          "give --tls-ca FILE (or tls_ca= in [supervisorctl])"
		        : "--tls-verify no is refused with tls+tcp://: use "
		          "tcp:// on a trusted network instead");
		return;
	}
	if (ctl_fleet_open(url, &tls, ctl->opt.timeout_ms, &ctl->fleet, &d) !=
	    0) {
		ctl->fleet = NULL;
		ctl->server_error = fv_xstrdup(d.msg);
	}
}

int
ctl_fleet_need(struct ctl *ctl, const char *cmd)
{
	if (ctl->fleet != NULL) {
		return 0;
	}
	if (ctl->fleet_mode) {
		ctl_out(ctl, "Error: %s", ctl->server_error);
	} else {
		ctl_out(ctl,
		    "Error: %s needs a controller (-s tcp://HOST:7410, "
		    "tls+tcp://... or ipc://...)",
		    cmd);
	}
	return CTL_EXIT_INVALID_ARGS;
}

int
ctl_fleet_fail(struct ctl *ctl, const struct fv_diag *d)
{
	ctl_out(ctl, "Error: %s", d->msg);
	return CTL_EXIT_GENERIC;
}

bool
ctl_fleet_registry(struct ctl *ctl, struct fv_strv *names, size_t *connected,
    struct fv_diag *d)
{
	struct ctl_fleet_sel sel;
	struct ctl_fleet_pages pages;

	if (connected != NULL) {
		*connected = 0;
	}
	if (ctl_fleet_selector(&sel, ctl->opt.labels, NULL, 0, d) != 0) {
		return false;
	}
	if (ctl_fleet_hosts(ctl->fleet, &sel.sel, &pages, d) != 0) {
		ctl_fleet_selector_fini(&sel);
		return false;
	}
	for (size_t p = 0; p < pages.n; p++) {
		const Fleetvisor__V1__HostsReply *hr = pages.v[p]->hosts_reply;

		for (size_t i = 0; i < hr->n_hosts; i++) {
			fv_strv_push(names, hr->hosts[i]->node);
			if (connected != NULL &&
			    hr->hosts[i]->state ==
			        FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED) {
				(*connected)++;
			}
		}
	}
	ctl_fleet_pages_fini(&pages);
	ctl_fleet_selector_fini(&sel);
	return true;
}

static int
ctl_fleet_result_cmp(const void *a, const void *b)
{
	const Fleetvisor__V1__CommandResult *const *x = a, *const *y = b;

	return strcmp((*x)->host, (*y)->host);
}

/* ctl_fleet_results gathers the results of every page, by host name. */
static const Fleetvisor__V1__CommandResult **
ctl_fleet_results(const struct ctl_fleet_pages *pages, size_t *n)
{
	const Fleetvisor__V1__CommandResult **v;
	size_t total = 0;

	for (size_t p = 0; p < pages->n; p++) {
		total += pages->v[p]->command_reply->n_results;
	}
	v = fv_xcalloc(total + 1, sizeof(*v));
	*n = 0;
	for (size_t p = 0; p < pages->n; p++) {
		const Fleetvisor__V1__CommandReply *cr =
		    pages->v[p]->command_reply;

		for (size_t i = 0; i < cr->n_results; i++) {
			v[(*n)++] = cr->results[i];
		}
	}
	qsort(v, *n, sizeof(*v), ctl_fleet_result_cmp);
	return v;
}

/* ctl_fleet_confirm asks once, in the shell, what reload and shutdown
 * ask each server in 4.2.5's. */
static int
ctl_fleet_confirm(
    struct ctl *ctl, const struct ctl_cmd *c, size_t nhosts, bool *yes)
{
	char *q;
	int rv;

	*yes = true;
	if (!ctl->interactive ||
	    (c != &ctl_cmd_reload && c != &ctl_cmd_shutdown)) {
		return 0;
	}
	q = fv_xasprintf("Really %s %zu remote supervisord processes y/N? ",
	    c == &ctl_cmd_reload ? "restart" : "shut down", nhosts);
	rv = ctl_confirm(ctl, q, yes);
	free(q);
	if (rv != 0) {
		return ctl_raisef(
		    ctl, "error: <class 'EOFError'>, EOF when reading a line");
	}
	return 0;
}

static bool
ctl_fleet_has_word(const struct fv_strv *w, const char *word)
{
	for (size_t i = 0; i < w->n; i++) {
		const char *slash = strchr(w->v[i], '/');

		if (strcmp(slash != NULL ? slash + 1 : w->v[i], word) == 0) {
			return true;
		}
	}
	return false;
}

/* ctl_fleet_print prints the results of one command as the
 * several-server mode prints its servers'. */
static int
ctl_fleet_print(struct ctl *ctl, const struct ctl_cmd *c,
    Fleetvisor__V1__Command__Action action, const struct ctl_fleet_pages *pages,
    bool json, bool *first)
{
	bool table = c == &ctl_cmd_status;
	size_t n, width = 0;
	const Fleetvisor__V1__CommandResult **res =
	    ctl_fleet_results(pages, &n);
	struct ctl_fleet_out *outs = fv_xcalloc(n + 1, sizeof(*outs));
	struct ctl_hostout *views = fv_xcalloc(n + 1, sizeof(*views));
	int code = 0;

	for (size_t i = 0; i < n; i++) {
		ctl_fleet_convert(res[i], action, json,
		    ctl_fleet_timeout(ctl->fleet), &outs[i]);
		views[i] = (struct ctl_hostout){ .name = outs[i].name,
			.out = outs[i].out,
			.outlen = outs[i].outlen,
			.err = outs[i].err,
			.errlen = outs[i].errlen,
			.rep = &outs[i].rep,
			.code = outs[i].code };
		width =
		    strlen(outs[i].name) > width ? strlen(outs[i].name) : width;
	}
	for (size_t i = 0; i < n; i++) {
		ctl_hostout_print(ctl, &views[i], width, json, table, first);
		code = ctl_exit_merge(code, views[i].code);
	}
	if (table && !json) {
		ctl_hostout_table(ctl, views, n, width);
	}
	if (n == 0) {
		if (json) {
			char why[] = "no connected host is selected";
			struct ctl_record rec = { .error = why };

			ctl_report_print_one(ctl->out, first, NULL, &rec);
		} else {
			ctl_out(ctl, "Error: no connected host is selected");
		}
		code = CTL_EXIT_GENERIC;
	}
	for (size_t i = 0; i < n; i++) {
		ctl_fleet_out_fini(&outs[i]);
	}
	free(outs);
	free(views);
	free(res);
	return code;
}

/* ctl_fleet_route checks the host patterns of words against the
 * registry: unmatched ones are reported; *go is false when no host is
 * left, *nhosts how many hosts the command addresses. */
static int
ctl_fleet_route(struct ctl *ctl, const struct fv_strv *words, bool need_count,
    bool json, bool *first, bool *go, size_t *nhosts)
{
	struct fv_strv names = { 0 };
	struct fv_diag d = { { 0 } };
	struct fv_fleet_route r;
	bool qualified = false;
	size_t connected;
	int code = 0;

	*go = true;
	for (size_t i = 0; i < words->n; i++) {
		qualified = qualified || strchr(words->v[i], '/') != NULL;
	}
	if (!qualified && !need_count) {
		return 0;
	}
	if (!ctl_fleet_registry(ctl, &names, &connected, &d)) {
		*go = false;
		return ctl_fleet_fail(ctl, &d);
	}
	*nhosts = connected;
	if (qualified) {
		fv_fleet_route((const char *const *)names.v, names.n,
		    (const char *const *)words->v, words->n, &r);
		code = ctl_hostout_unmatched(ctl, &r.unmatched, json, first);
		*go = r.nselected > 0;
		*nhosts = r.nselected;
		fv_fleet_route_fini(&r);
	}
	fv_strv_free(&names);
	return code;
}

int
ctl_fleet_run(struct ctl *ctl, const struct ctl_cmd *c, const char *arg)
{
	Fleetvisor__V1__Command__Action action = 0;
	struct fv_strv words = { 0 };
	struct fv_diag d = { { 0 } };
	struct ctl_fleet_sel sel = { 0 };
	struct ctl_fleet_pages pages = { 0 };
	bool json = c->json && ctl->opt.json, first = true, go, yes;
	bool confirm = c == &ctl_cmd_reload || c == &ctl_cmd_shutdown;
	size_t nhosts = 0;
	int code, rv;

	if ((code = ctl_fleet_need(ctl, c->name)) != 0) {
		return code;
	}
	ctl_split_words(arg, &words);
	for (size_t i = 0; i < nitems(ctl_fleet_actions); i++) {
		if (strcmp(ctl_fleet_actions[i].name, c->name) == 0) {
			action = ctl_fleet_actions[i].action;
		}
	}
	if ((c == &ctl_cmd_tail || c == &ctl_cmd_maintail) &&
	    ctl_fleet_has_word(&words, "-f")) {
		code = ctl_fleet_follow(ctl, c, (int)words.n, words.v);
		fv_strv_free(&words);
		return code;
	}
	if (action == 0) {
		ctl_out(ctl,
		    "Error: %s attaches to one supervisord and cannot go "
		    "through a controller; use -s with that agent's own URL",
		    c->name);
		fv_strv_free(&words);
		return CTL_EXIT_INVALID_ARGS;
	}
	if (json) {
		ctl_report_print_begin(ctl->out);
	}
	code = ctl_fleet_route(ctl, &words, confirm && ctl->interactive, json,
	    &first, &go, &nhosts);
	if (!go) {
		goto out;
	}
	if (confirm && (rv = ctl_fleet_confirm(ctl, c, nhosts, &yes)) != 0) {
		code = rv;
		goto out;
	}
	if (confirm && !yes) {
		goto out;
	}
	if (ctl_fleet_selector(&sel, ctl->opt.labels, NULL, 0, &d) != 0 ||
	    ctl_fleet_command(ctl->fleet, &sel.sel, action, words.v, words.n,
	        &pages, &d) != 0) {
		if (json) {
			struct ctl_record rec = { .error = d.msg };

			ctl_report_print_one(ctl->out, &first, NULL, &rec);
			code = CTL_EXIT_GENERIC;
		} else {
			code = ctl_fleet_fail(ctl, &d);
		}
		if (c == &ctl_cmd_status) {
			code = 4;
		}
		goto out;
	}
	code = ctl_exit_merge(
	    code, ctl_fleet_print(ctl, c, action, &pages, json, &first));
out:
	if (json) {
		ctl_report_print_end(ctl->out, first);
	}
	fflush(ctl->out);
	ctl_fleet_pages_fini(&pages);
	ctl_fleet_selector_fini(&sel);
	fv_strv_free(&words);
	return code;
}

struct xr_value *
ctl_fleet_all_infos(struct ctl *ctl)
{
	struct xr_value *all = xr_array_new();
	struct ctl_fleet_sel sel;
	struct ctl_fleet_pages pages = { 0 };
	struct fv_diag d = { { 0 } };

	if (ctl->fleet == NULL ||
	    ctl_fleet_selector(&sel, ctl->opt.labels, NULL, 0, &d) != 0) {
		return all;
	}
	if (ctl_fleet_command(ctl->fleet, &sel.sel,
	        FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS, NULL, 0, &pages,
	        &d) == 0) {
		for (size_t p = 0; p < pages.n; p++) {
			const Fleetvisor__V1__CommandReply *cr =
			    pages.v[p]->command_reply;

			for (size_t i = 0; i < cr->n_results; i++) {
				const Fleetvisor__V1__CommandResult *r =
				    cr->results[i];

				for (size_t k = 0; k < r->n_processes; k++) {
					xr_array_add_take(all,
					    ctl_fleet_procinfo(
					        r->processes[k]));
				}
			}
		}
	}
	ctl_fleet_pages_fini(&pages);
	ctl_fleet_selector_fini(&sel);
	return all;
}
