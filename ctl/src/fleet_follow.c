/*
 * Following logs through a controller: tail -f, maintail -f and mtail.
 * A controller relays commands, not byte streams, so each log is polled:
 * ACTION_TAIL (or ACTION_MAINTAIL) with the words "-1600" first, then
 * "+OFFSET", the offset the last answer's TailChunk ended at (4.2.5's
 * tailProcessStdoutLog(name, offset, length) triple). One Command per
 * process and channel per round serves every host at once: the offsets
 * differ per host, so each goes as "HOST/+OFFSET", which the controller
 * routes to that host alone. Rounds run every CTL_FOLLOW_PERIOD_MS until
 * Ctrl-C (a uv_signal_t on ctl->loop), a closed output, or no log left.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cmd.h"
#include "cmd_mtail.h"
#include "common/xalloc.h"
#include "fleet_conv.h"
#include "fleet_run.h"

#define CTL_FOLLOW_PERIOD_MS 1000
#define CTL_FOLLOW_FIRST     "-1600"

struct ctl_follow_log {
	char *host;
	char *spec; /* NULL for the main log */
	char *channel; /* "stdout"/"stderr", or NULL: as typed */
	int64_t offset;
	bool started, dead, silent;
	struct ctl_lines lines;
};

struct ctl_follow {
	struct ctl *ctl;
	Fleetvisor__V1__Command__Action action;
	struct ctl_follow_log *v;
	size_t n;
	bool raw; /* one log: its bytes as they are, as tail -f prints */
	bool banner; /* "Press Ctrl-C" is out */
	bool interrupted, closed;
	int code;
	uv_signal_t sig;
	uv_timer_t timer;
	bool fired;
	int open_handles;
	struct ctl_fleet_sel sel;
};

static void
ctl_follow_add(struct ctl_follow *f, const char *host, const char *spec,
    const char *channel)
{
	struct ctl_follow_log *l;

	f->v = fv_xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	l = &f->v[f->n++];
	memset(l, 0, sizeof(*l));
	l->host = fv_xstrdup(host);
	l->spec = spec != NULL ? fv_xstrdup(spec) : NULL;
	l->channel = channel != NULL ? fv_xstrdup(channel) : NULL;
}

/* ctl_follow_label names the log in front of its lines. */
static char *
ctl_follow_label(const struct ctl_follow_log *l)
{
	return fv_xasprintf("%s%s%s%s", l->host, l->spec != NULL ? "/" : "",
	    l->spec != NULL ? l->spec : "",
	    l->channel != NULL && strcmp(l->channel, "stderr") == 0
	        ? " (stderr)"
	        : "");
}

static void
ctl_follow_labels(struct ctl_follow *f)
{
	size_t width = 0;
	char **labels = fv_xcalloc(f->n + 1, sizeof(*labels));

	for (size_t i = 0; i < f->n; i++) {
		labels[i] = ctl_follow_label(&f->v[i]);
		width = strlen(labels[i]) > width ? strlen(labels[i]) : width;
	}
	for (size_t i = 0; i < f->n; i++) {
		ctl_lines_init(&f->v[i].lines, labels[i], width);
		free(labels[i]);
	}
	free(labels);
}

/* ctl_follow_emit prints bytes of log l. */
static void
ctl_follow_emit(
    struct ctl_follow *f, struct ctl_follow_log *l, const void *p, size_t n)
{
	FILE *out = f->ctl->out;

	if (n == 0) {
		return;
	}
	if (f->raw) {
		fwrite(p, 1, n, out);
		if (fflush(out) != 0 || ferror(out)) {
			f->closed = true;
		}
	} else if (!ctl_lines_feed(&l->lines, out, p, n)) {
		f->closed = true;
	}
}

/* ctl_follow_failed reports why log l stopped (or, once, why its host is
 * silent) on stderr. */
static void
ctl_follow_failed(struct ctl_follow *f, struct ctl_follow_log *l,
    const Fleetvisor__V1__CommandResult *r)
{
	struct ctl_fleet_out o;
	char *label = ctl_follow_label(l);
	bool timed_out = r->outcome ==
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT;

	if (timed_out && l->silent) {
		free(label);
		return;
	}
	ctl_fleet_convert(
	    r, f->action, false, ctl_fleet_timeout(f->ctl->fleet), &o);
	for (const char *p = o.out; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, "\n");

		fprintf(f->ctl->err, "%s: %.*s\n", label, (int)len, p);
		p += len + (p[len] == '\n');
	}
	fflush(f->ctl->err);
	ctl_fleet_out_fini(&o);
	free(label);
	if (timed_out) {
		l->silent = true;
	} else {
		l->dead = true;
		f->code = CTL_EXIT_GENERIC;
	}
}

/* ctl_follow_apply hands one host's answer to its log. */
static void
ctl_follow_apply(struct ctl_follow *f, struct ctl_follow_log *l,
    const Fleetvisor__V1__CommandResult *r)
{
	if (r->outcome != FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK ||
	    r->tail == NULL) {
		ctl_follow_failed(f, l, r);
		return;
	}
	l->silent = false;
	l->started = true;
	ctl_follow_emit(f, l, r->tail->data.data, r->tail->data.len);
	l->offset = r->tail->offset;
}

/* ctl_follow_send sends one Command; false (reported) when the
 * controller failed. */
static bool
ctl_follow_send(struct ctl_follow *f, const struct fv_strv *args,
    struct ctl_fleet_pages *pages)
{
	struct fv_diag d = { { 0 } };

	if (ctl_fleet_command(f->ctl->fleet, &f->sel.sel, f->action, args->v,
	        args->n, pages, &d) != 0) {
		fprintf(f->ctl->err, "Error: %s\n", d.msg);
		fflush(f->ctl->err);
		f->code = CTL_EXIT_GENERIC;
		return false;
	}
	return true;
}

static bool
ctl_follow_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* ctl_follow_round polls every live log once: one Command per process
 * and channel. false when the controller failed. */
static bool
ctl_follow_round(struct ctl_follow *f)
{
	bool *done = fv_xcalloc(f->n + 1, sizeof(*done));
	bool ok = true;

	for (size_t i = 0; ok && i < f->n; i++) {
		struct ctl_follow_log *first = &f->v[i];
		struct fv_strv args = { 0 };
		struct ctl_fleet_pages pages;

		if (done[i] || first->dead) {
			continue;
		}
		for (size_t k = i; k < f->n; k++) {
			struct ctl_follow_log *l = &f->v[k];

			if (l->dead || done[k] ||
			    !ctl_follow_same(l->spec, first->spec) ||
			    !ctl_follow_same(l->channel, first->channel)) {
				continue;
			}
			done[k] = true;
			if (l->started) {
				fv_strv_push_take(&args,
				    fv_xasprintf(
				        "%s/+%" PRId64, l->host, l->offset));
			} else {
				fv_strv_push_take(&args,
				    fv_xasprintf(
				        "%s/%s", l->host, CTL_FOLLOW_FIRST));
			}
		}
		if (first->spec != NULL) {
			fv_strv_push(&args, first->spec);
		}
		if (first->channel != NULL) {
			fv_strv_push(&args, first->channel);
		}
		if ((ok = ctl_follow_send(f, &args, &pages))) {
			for (size_t p = 0; p < pages.n; p++) {
				const Fleetvisor__V1__CommandReply *cr =
				    pages.v[p]->command_reply;

				for (size_t r = 0; r < cr->n_results; r++) {
					for (size_t k = i; k < f->n; k++) {
						struct ctl_follow_log *l =
						    &f->v[k];

						if (ctl_follow_same(
						        l->spec, first->spec) &&
						    ctl_follow_same(l->channel,
						        first->channel) &&
						    !l->dead &&
						    strcmp(l->host,
						        cr->results[r]->host) ==
						        0) {
							ctl_follow_apply(f, l,
							    cr->results[r]);
						}
					}
				}
			}
			ctl_fleet_pages_fini(&pages);
		}
		fv_strv_free(&args);
	}
	free(done);
	return ok;
}

static void
ctl_follow_on_sigint(uv_signal_t *h, int signum)
{
	struct ctl_follow *f = h->data;

	(void)signum;
	f->interrupted = true;
}

static void
ctl_follow_on_timer(uv_timer_t *h)
{
	struct ctl_follow *f = h->data;

	f->fired = true;
}

static void
ctl_follow_on_close(uv_handle_t *h)
{
	struct ctl_follow *f = h->data;

	f->open_handles--;
}

static void
ctl_follow_banner(struct ctl_follow *f)
{
	if (!f->banner) {
		ctl_out(f->ctl, "==> Press Ctrl-C to exit <==");
		fflush(f->ctl->out);
		f->banner = true;
	}
}

static bool
ctl_follow_live(const struct ctl_follow *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (!f->v[i].dead) {
			return true;
		}
	}
	return false;
}

/* ctl_follow_loop polls until Ctrl-C, a closed output or no live log. */
static void
ctl_follow_loop(struct ctl_follow *f)
{
	uv_loop_t *loop = &f->ctl->loop;
	int rv;

	if ((rv = uv_signal_init(loop, &f->sig)) != 0 ||
	    (rv = uv_timer_init(loop, &f->timer)) != 0) {
		ctl_out(f->ctl, "error: %s", uv_strerror(rv));
		f->code = CTL_EXIT_GENERIC;
		return;
	}
	f->sig.data = f->timer.data = f;
	f->open_handles = 2;
	(void)uv_signal_start(&f->sig, ctl_follow_on_sigint, SIGINT);
	ctl_follow_banner(f);
	while (!f->interrupted && !f->closed && ctl_follow_live(f)) {
		if (!ctl_follow_round(f)) {
			break;
		}
		f->fired = false;
		(void)uv_timer_start(
		    &f->timer, ctl_follow_on_timer, CTL_FOLLOW_PERIOD_MS, 0);
		while (!f->fired && !f->interrupted) {
			uv_run(loop, UV_RUN_ONCE);
		}
		(void)uv_timer_stop(&f->timer);
	}
	uv_close((uv_handle_t *)&f->sig, ctl_follow_on_close);
	uv_close((uv_handle_t *)&f->timer, ctl_follow_on_close);
	while (f->open_handles > 0) {
		uv_run(loop, UV_RUN_ONCE);
	}
}

static void
ctl_follow_fini(struct ctl_follow *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].lines.label != NULL) {
			ctl_lines_flush(&f->v[i].lines, f->ctl->out);
			ctl_lines_fini(&f->v[i].lines);
		}
		free(f->v[i].host);
		free(f->v[i].spec);
		free(f->v[i].channel);
	}
	free(f->v);
	ctl_fleet_selector_fini(&f->sel);
}

/* ctl_follow_finish ends a follow as mtail ends: a newline after ^C. */
static int
ctl_follow_finish(struct ctl_follow *f)
{
	bool interrupted = f->interrupted;
	int code = f->code;

	ctl_follow_fini(f);
	if (interrupted) {
		ctl_out(f->ctl, "%s", "");
	}
	return code;
}

static const char *
ctl_follow_rest(const char *word)
{
	const char *slash = strchr(word, '/');

	return slash != NULL ? slash + 1 : word;
}

int
ctl_fleet_follow(
    struct ctl *ctl, const struct ctl_cmd *c, int argc, char **argv)
{
	struct ctl_follow f = { .ctl = ctl };
	struct fv_strv first = { 0 };
	struct ctl_fleet_pages pages = { 0 };
	struct fv_diag d = { { 0 } };
	const char *spec = NULL, *channel = NULL;

	f.action = c == &ctl_cmd_tail
	    ? FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL
	    : FLEETVISOR__V1__COMMAND__ACTION__ACTION_MAINTAIL;
	if (ctl_fleet_selector(&f.sel, ctl->opt.labels, NULL, 0, &d) != 0) {
		ctl_fleet_selector_fini(&f.sel);
		return ctl_fleet_fail(ctl, &d);
	}
	/* The first round goes as typed, "-f" read as the last bytes: the
	 * answers say which hosts have the log. */
	for (int i = 0; i < argc; i++) {
		const char *rest = ctl_follow_rest(argv[i]);

		if (strcmp(rest, "-f") == 0) {
			fv_strv_push_take(&first,
			    fv_xasprintf("%.*s%s", (int)(rest - argv[i]),
			        argv[i], CTL_FOLLOW_FIRST));
			continue;
		}
		fv_strv_push(&first, argv[i]);
		if (rest[0] == '-') {
			continue;
		}
		if (spec == NULL &&
		    f.action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL) {
			spec = rest;
		} else if (channel == NULL) {
			channel = rest;
		}
	}
	if (!ctl_follow_send(&f, &first, &pages)) {
		fv_strv_free(&first);
		return ctl_follow_finish(&f);
	}
	for (size_t p = 0; p < pages.n; p++) {
		const Fleetvisor__V1__CommandReply *cr =
		    pages.v[p]->command_reply;

		for (size_t r = 0; r < cr->n_results; r++) {
			ctl_follow_add(&f, cr->results[r]->host, spec, channel);
		}
	}
	f.raw = f.n == 1;
	ctl_follow_labels(&f);
	if (f.n > 0) {
		ctl_follow_banner(&f);
	}
	for (size_t p = 0, k = 0; p < pages.n; p++) {
		const Fleetvisor__V1__CommandReply *cr =
		    pages.v[p]->command_reply;

		for (size_t r = 0; r < cr->n_results; r++, k++) {
			ctl_follow_apply(&f, &f.v[k], cr->results[r]);
		}
	}
	ctl_fleet_pages_fini(&pages);
	fv_strv_free(&first);
	if (f.n == 0) {
		ctl_out(ctl, "Error: no connected host is selected");
		f.code = CTL_EXIT_GENERIC;
	} else {
		ctl_follow_loop(&f);
	}
	return ctl_follow_finish(&f);
}

int
ctl_fleet_mtail(struct ctl *ctl, const char *const *channels, size_t nchannels,
    int argc, char **argv)
{
	struct ctl_follow f = { .ctl = ctl,
		.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL };
	struct ctl_fleet_pages pages = { 0 };
	struct fv_diag d = { { 0 } };

	if (ctl_fleet_selector(&f.sel, ctl->opt.labels, NULL, 0, &d) != 0 ||
	    ctl_fleet_command(ctl->fleet, &f.sel.sel,
	        FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS, argv,
	        (size_t)argc, &pages, &d) != 0) {
		ctl_fleet_selector_fini(&f.sel);
		return ctl_fleet_fail(ctl, &d);
	}
	for (size_t p = 0; p < pages.n; p++) {
		const Fleetvisor__V1__CommandReply *cr =
		    pages.v[p]->command_reply;

		for (size_t r = 0; r < cr->n_results; r++) {
			const Fleetvisor__V1__CommandResult *res =
			    cr->results[r];

			if (res->outcome !=
			    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK) {
				struct ctl_follow_log l = { .host = res->host };

				ctl_follow_failed(&f, &l, res);
				continue;
			}
			/* "x: ERROR (no such process)", as mtail says it. */
			for (size_t i = 0; i < res->n_lines; i++) {
				ctl_out(ctl, "%s/%s", res->host, res->lines[i]);
				f.code = CTL_EXIT_GENERIC;
			}
			for (size_t i = 0; i < res->n_processes; i++) {
				const Fleetvisor__V1__ProcessInfo *pi =
				    res->processes[i];
				char *spec = ctl_namespec(pi->group, pi->name);

				for (size_t ch = 0; ch < nchannels; ch++) {
					ctl_follow_add(
					    &f, res->host, spec, channels[ch]);
				}
				free(spec);
			}
		}
	}
	ctl_fleet_pages_fini(&pages);
	ctl_follow_labels(&f);
	if (f.n > 0) {
		ctl_follow_loop(&f);
	} else if (f.code == 0) {
		ctl_out(ctl, "Error: no process is selected");
		f.code = CTL_EXIT_GENERIC;
	}
	return ctl_follow_finish(&f);
}
