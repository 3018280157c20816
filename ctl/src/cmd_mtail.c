/*
 * mtail: follow the logs of several processes at once, on one server or
 * several, each line after the name of the process it came from. Ours;
 * 4.2.5 has no such command. Everything runs on ctl->loop: the names are
 * resolved with one getAllProcessInfo per server, sent at once, then one
 * /logtail stream per process and channel, until Ctrl-C or until every
 * stream has ended. Lines are whole when printed: a stream's partial
 * line waits for its end (or for CTL_MTAIL_MAX_LINE bytes), so two
 * processes never mix within a line.
 */
#include "cmd_mtail.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "fleet_run.h"
#include "hosts.h"
#include "multi.h"

#define CTL_MTAIL_MAX_LINE (64u * 1024)

void
ctl_lines_init(struct ctl_lines *l, const char *label, size_t width)
{
	memset(l, 0, sizeof(*l));
	l->label = fv_xstrdup(label);
	l->width = width;
	fv_buf_init(&l->partial, CTL_MTAIL_MAX_LINE);
}

static void
ctl_lines_emit(struct ctl_lines *l, FILE *out, const char *p, size_t n)
{
	ctl_print_padded(out, l->label, l->width);
	fputs(" | ", out);
	fwrite(l->partial.data, 1, l->partial.len, out);
	fwrite(p, 1, n, out);
	fputc('\n', out);
	fv_buf_reset(&l->partial);
}

bool
ctl_lines_feed(struct ctl_lines *l, FILE *out, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - p) : n;

		if (nl != NULL) {
			ctl_lines_emit(l, out, p, len);
			len++;
		} else if (fv_buf_append(&l->partial, p, len) != 0) {
			/* A line longer than the bound goes out in pieces
			 * rather than grow without limit. */
			size_t room = CTL_MTAIL_MAX_LINE - l->partial.len;

			ctl_lines_emit(l, out, p, room);
			len = room;
		}
		p += len;
		n -= len;
	}
	return fflush(out) == 0 && !ferror(out);
}

void
ctl_lines_flush(struct ctl_lines *l, FILE *out)
{
	if (l->partial.len > 0) {
		ctl_lines_emit(l, out, "", 0);
		fflush(out);
	}
}

void
ctl_lines_fini(struct ctl_lines *l)
{
	free(l->label);
	fv_buf_fini(&l->partial);
}

/* ---- The command ---- */

struct ctl_mtail;

/* One followed log. */
struct ctl_mtail_server;

struct ctl_mtail_stream {
	struct ctl_mtail *mt; /* borrowed */
	struct ctl_mtail_server *srv; /* borrowed: where it comes from */
	struct ctl_stream *st; /* NULL once ended */
	struct ctl_lines lines;
	char *path;
};

/* One server addressed. */
struct ctl_mtail_server {
	char *name; /* HOST, or NULL with one server */
	struct ctl_server *server; /* borrowed (ctl->server) or owned */
	bool owned;
	struct fv_strv words; /* its names */
	struct ctl_call *call; /* getAllProcessInfo */
};

struct ctl_mtail {
	struct ctl *ctl;
	struct ctl_mtail_server *srv;
	size_t nsrv;
	struct ctl_mtail_stream *s;
	size_t ns, running;
	uv_signal_t sig;
	bool sig_open;
	bool interrupted;
	int code;
};

static void
ctl_mtail_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "mtail [--stderr|--both] <name> <name>...\n"
	    "\t\t\tFollow the stdout (or stderr, or both) of several\n"
	    "\t\t\tprocesses at once, each line after its process's\n"
	    "\t\t\tname. Names are as for status (all, group:*, with\n"
	    "\t\t\tHOST/ for several servers). Ctrl-C to exit.");
}

static void
ctl_mtail_on_data(void *arg, const char *p, size_t n)
{
	struct ctl_mtail_stream *s = arg;

	/* Nobody reads any more (mtail | head): stop, as a closed pipe
	 * stops tail -f. */
	if (!ctl_lines_feed(&s->lines, s->mt->ctl->out, p, n)) {
		s->mt->interrupted = true;
		s->mt->code = CTL_EXIT_GENERIC;
	}
}

static void
ctl_mtail_on_end(void *arg, const struct ctl_result *r)
{
	struct ctl_mtail_stream *s = arg;
	struct ctl *ctl = s->mt->ctl;

	s->st = NULL;
	s->mt->running--;
	ctl_lines_flush(&s->lines, ctl->out);
	if (r->outcome != CTL_OK) {
		fprintf(ctl->err, "%s: %s\n", s->lines.label,
		    r->msg != NULL ? r->msg : "stream failed");
		fflush(ctl->err);
		s->mt->code = CTL_EXIT_GENERIC;
	}
}

static void
ctl_mtail_on_sigint(uv_signal_t *h, int signum)
{
	struct ctl_mtail *mt = h->data;

	(void)signum;
	mt->interrupted = true;
}

/* ctl_mtail_match adds the processes of infos that word names. */
static bool
ctl_mtail_match(
    const struct xr_value *infos, const char *word, struct fv_strv *specs)
{
	char *group, *process;
	bool found = false, all = strcmp(word, "all") == 0;

	ctl_split_namespec(word, &group, &process);
	for (size_t i = 0; i < xr_array_len(infos); i++) {
		const struct xr_value *info = xr_array_at(infos, i);

		if (all ||
		    (strcmp(ctl_str(info, "group"), group) == 0 &&
		        (process == NULL ||
		            strcmp(ctl_str(info, "name"), process) == 0))) {
			char *spec = ctl_namespec(
			    ctl_str(info, "group"), ctl_str(info, "name"));
			bool seen = false;

			/* "mtail all web" follows web once. */
			for (size_t k = 0; k < specs->n && !seen; k++) {
				seen = strcmp(specs->v[k], spec) == 0;
			}
			if (seen) {
				free(spec);
			} else {
				fv_strv_push_take(specs, spec);
			}
			found = true;
		}
	}
	free(group);
	free(process);
	return found;
}

/* ctl_mtail_servers fills mt->srv with the servers addressed and the
 * names each gets; false when none is. */
static bool
ctl_mtail_servers(struct ctl_mtail *mt, int argc, char **argv)
{
	struct ctl *ctl = mt->ctl;
	const char *const *names, *const *urls;
	struct fv_fleet_route r;
	size_t n;

	if (ctl->multi == NULL) {
		mt->srv = fv_xcalloc(1, sizeof(*mt->srv));
		mt->nsrv = 1;
		mt->srv[0].server = ctl->server;
		for (int i = 0; i < argc; i++) {
			fv_strv_push(&mt->srv[0].words, argv[i]);
		}
		return ctl->server != NULL;
	}
	n = ctl_multi_servers(ctl, &names, &urls);
	fv_fleet_route(names, n, (const char *const *)argv, (size_t)argc, &r);
	for (size_t u = 0; u < r.unmatched.n; u++) {
		ctl_out(ctl, "%s: ERROR (no such host)", r.unmatched.v[u]);
		mt->code = CTL_EXIT_GENERIC;
	}
	mt->srv = fv_xcalloc(n + 1, sizeof(*mt->srv));
	for (size_t i = 0; i < n; i++) {
		struct ctl_mtail_server *s = &mt->srv[mt->nsrv];
		struct fv_diag d = { { 0 } };

		if (!r.selected[i]) {
			continue;
		}
		if (ctl_server_new(&ctl->loop, urls[i], ctl->opt.username,
		        ctl->opt.password, &s->server, &d) != 0) {
			ctl_out(ctl, "%s: ERROR (%s)", names[i], d.msg);
			mt->code = CTL_EXIT_GENERIC;
			continue;
		}
		s->owned = true;
		s->name = fv_xstrdup(names[i]);
		s->words = r.words[i];
		memset(&r.words[i], 0, sizeof(r.words[i]));
		mt->nsrv++;
	}
	fv_fleet_route_fini(&r);
	return mt->nsrv > 0;
}

/* ctl_mtail_resolve asks every server for its processes at once and
 * opens a stream per process and channel named. */
static void
ctl_mtail_resolve(
    struct ctl_mtail *mt, const char *const *channels, size_t nchannels)
{
	struct ctl *ctl = mt->ctl;
	struct ctl_call **calls = fv_xcalloc(mt->nsrv + 1, sizeof(*calls));
	struct fv_strv labels = { 0 }, paths = { 0 };
	size_t width = 0;

	for (size_t i = 0; i < mt->nsrv; i++) {
		calls[i] = mt->srv[i].call = ctl_call(
		    mt->srv[i].server, "supervisor.getAllProcessInfo", NULL);
	}
	ctl_client_wait(&ctl->loop, calls, mt->nsrv, 0);
	for (size_t i = 0; i < mt->nsrv; i++) {
		struct ctl_mtail_server *s = &mt->srv[i];
		const struct ctl_result *r = ctl_call_result(s->call);
		const char *who =
		    s->name != NULL ? s->name : ctl_server_url(s->server);
		struct fv_strv specs = { 0 };

		if (r->outcome != CTL_OK ||
		    xr_value_type(r->value) != XR_ARRAY) {
			ctl_out(ctl, "%s: ERROR (%s)", who,
			    r->msg != NULL ? r->msg : "unexpected answer");
			mt->code = CTL_EXIT_GENERIC;
			continue;
		}
		for (size_t w = 0; w < s->words.n; w++) {
			if (!ctl_mtail_match(r->value, s->words.v[w], &specs)) {
				ctl_out(ctl, "%s%s%s: ERROR (no such process)",
				    s->name != NULL ? s->name : "",
				    s->name != NULL ? "/" : "", s->words.v[w]);
				mt->code = CTL_EXIT_GENERIC;
			}
		}
		for (size_t k = 0; k < specs.n; k++) {
			for (size_t c = 0; c < nchannels; c++) {
				char *label = fv_xasprintf("%s%s%s%s",
				    s->name != NULL ? s->name : "",
				    s->name != NULL ? "/" : "", specs.v[k],
				    strcmp(channels[c], "stderr") == 0
				        ? " (stderr)"
				        : "");

				fv_strv_push_take(&labels, label);
				fv_strv_push_take(&paths,
				    fv_xasprintf("/logtail/%s/%s", specs.v[k],
				        channels[c]));
				width = strlen(label) > width ? strlen(label)
				                              : width;
			}
		}
		for (size_t k = 0; k < specs.n * nchannels; k++) {
			mt->s =
			    fv_xreallocarray(mt->s, mt->ns + 1, sizeof(*mt->s));
			memset(&mt->s[mt->ns], 0, sizeof(mt->s[mt->ns]));
			mt->s[mt->ns].mt = mt;
			mt->s[mt->ns].srv = s;
			mt->ns++;
		}
		fv_strv_free(&specs);
	}
	/* mt->s is not resized from here on: the streams keep pointers. */
	for (size_t k = 0; k < mt->ns; k++) {
		struct ctl_mtail_stream *st = &mt->s[k];

		ctl_lines_init(&st->lines, labels.v[k], width);
		st->path = fv_xstrdup(paths.v[k]);
		st->st = ctl_stream_open(st->srv->server, st->path,
		    ctl_mtail_on_data, ctl_mtail_on_end, st);
		mt->running++;
	}
	for (size_t i = 0; i < mt->nsrv; i++) {
		ctl_call_free(mt->srv[i].call);
		mt->srv[i].call = NULL;
	}
	free(calls);
	fv_strv_free(&labels);
	fv_strv_free(&paths);
}

static void
ctl_mtail_on_close(uv_handle_t *h)
{
	struct ctl_mtail *mt = h->data;

	mt->sig_open = false;
}

static void
ctl_mtail_fini(struct ctl_mtail *mt)
{
	for (size_t k = 0; k < mt->ns; k++) {
		if (mt->s[k].st != NULL) {
			ctl_stream_stop(mt->s[k].st);
		}
		ctl_lines_flush(&mt->s[k].lines, mt->ctl->out);
		ctl_lines_fini(&mt->s[k].lines);
		free(mt->s[k].path);
	}
	free(mt->s);
	for (size_t i = 0; i < mt->nsrv; i++) {
		if (mt->srv[i].owned) {
			ctl_server_free(mt->srv[i].server);
		}
		free(mt->srv[i].name);
		fv_strv_free(&mt->srv[i].words);
	}
	free(mt->srv);
}

static int
ctl_mtail_exec(struct ctl *ctl, int argc, char **argv)
{
	static const char *const out_only[] = { "stdout" },
	                         *const err_only[] = { "stderr" },
	                         *const both[] = { "stdout", "stderr" };
	const char *const *channels = out_only;
	size_t nchannels = 1;
	struct ctl_mtail mt = { .ctl = ctl };
	int rv;

	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--stderr") == 0) {
			channels = err_only;
			nchannels = 1;
		} else if (strcmp(argv[0], "--both") == 0) {
			channels = both;
			nchannels = 2;
		} else {
			ctl_out(ctl, "Error: bad argument %s", argv[0]);
			ctl_mtail_help(ctl);
			return CTL_EXIT_GENERIC;
		}
		argc--;
		argv++;
	}
	if (argc == 0) {
		ctl_out(ctl, "Error: mtail requires process names");
		ctl_mtail_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (ctl->fleet_mode) {
		if ((rv = ctl_fleet_need(ctl, "mtail")) != 0) {
			return rv;
		}
		return ctl_fleet_mtail(ctl, channels, nchannels, argc, argv);
	}
	if ((rv = ctl_proxy_check(ctl)) != 0) {
		return rv;
	}
	if (ctl_mtail_servers(&mt, argc, argv)) {
		ctl_mtail_resolve(&mt, channels, nchannels);
	}
	if (mt.running > 0) {
		ctl_out(ctl, "==> Press Ctrl-C to exit <==");
		fflush(ctl->out);
		if ((rv = uv_signal_init(&ctl->loop, &mt.sig)) == 0) {
			mt.sig.data = &mt;
			mt.sig_open = true;
			rv = uv_signal_start(
			    &mt.sig, ctl_mtail_on_sigint, SIGINT);
			while (rv == 0 && !mt.interrupted && mt.running > 0) {
				uv_run(&ctl->loop, UV_RUN_ONCE);
			}
			uv_close((uv_handle_t *)&mt.sig, ctl_mtail_on_close);
			while (mt.sig_open) {
				uv_run(&ctl->loop, UV_RUN_ONCE);
			}
		}
		if (rv != 0) {
			ctl_out(ctl, "error: %s", uv_strerror(rv));
			mt.code = CTL_EXIT_GENERIC;
		}
	}
	ctl_mtail_fini(&mt);
	/* Let the closed handles and stopped streams finish closing. */
	uv_run(&ctl->loop, UV_RUN_NOWAIT);
	if (mt.interrupted) {
		ctl_out(ctl, "%s", "");
	}
	return mt.code;
}

const struct ctl_cmd ctl_cmd_mtail = {
	.name = "mtail",
	.exec = ctl_mtail_exec,
	.help = ctl_mtail_help,
	.complete = CTL_COMPLETE_PROCESSES,
	.multi = CTL_MULTI_LOCAL,
	.ours = true,
};
