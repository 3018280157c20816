/*
 * Several servers (multi.h). Why a thread per server rather than one
 * loop: 4.2.5's commands are sequences whose next call depends on the
 * last answer (restart is stop then start, update is reloadConfig then a
 * stop, remove and add per group), and each server's session already
 * runs them top to bottom on its own loop. A thread per server runs those
 * unchanged, at once; the threads share nothing but the read-only command
 * table, and the main thread reads a server's buffers only after joining
 * its thread.
 */
#include "multi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "hostout.h"
#include "hosts.h"
#include "report.h"

struct ctl_host {
	struct ctl sess; /* the one-server session */
	char *url;
	char *ident; /* getIdentification's answer when not the default */
	bool ident_known; /* asked, and the server answered */
	/* One command. */
	char *line; /* what the session runs; NULL: not addressed */
	bool identify; /* ask the identification instead */
	bool infos; /* or call getAllProcessInfo into result */
	struct ctl_result result;
	bool want_report;
	struct ctl_report rep;
	int code;
	char *out, *err; /* what the session printed */
	size_t outlen, errlen;
	pthread_t thread;
	bool threaded;
};

struct ctl_multi {
	struct ctl_host *h;
	size_t n;
	char **names; /* the current names */
	const char **urls; /* views for ctl_multi_servers */
	size_t width; /* of the widest name */
};

void
ctl_multi_init(struct ctl *ctl, const struct fv_strv *urls)
{
	struct ctl_multi *m = fv_xcalloc(1, sizeof(*m));

	m->n = urls->n;
	m->h = fv_xcalloc(m->n, sizeof(*m->h));
	m->names = fv_xcalloc(m->n, sizeof(*m->names));
	m->urls = fv_xcalloc(m->n, sizeof(*m->urls));
	for (size_t i = 0; i < m->n; i++) {
		struct ctl_host *h = &m->h[i];
		struct ctl_options o = { 0 };

		h->url = fv_xstrdup(urls->v[i]);
		m->urls[i] = h->url;
		o.serverurl = fv_xstrdup(h->url);
		fv_strv_push(&o.serverurls, h->url);
		o.username = ctl->opt.username != NULL
		    ? fv_xstrdup(ctl->opt.username)
		    : NULL;
		o.password = ctl->opt.password != NULL
		    ? fv_xstrdup(ctl->opt.password)
		    : NULL;
		o.prompt = fv_xstrdup(ctl->opt.prompt);
		/* A loop that cannot be made is as fatal as an allocation. */
		if (ctl_init(&h->sess, &o, NULL, NULL) != 0) {
			abort();
		}
		m->names[i] = fv_xstrdup(h->url);
	}
	ctl->multi = m;
}

void
ctl_multi_fini(struct ctl *ctl)
{
	struct ctl_multi *m = ctl->multi;

	if (m == NULL) {
		return;
	}
	for (size_t i = 0; i < m->n; i++) {
		ctl_fini(&m->h[i].sess);
		free(m->h[i].url);
		free(m->h[i].ident);
		free(m->names[i]);
	}
	free(m->h);
	free(m->names);
	free(m->urls);
	free(m);
	ctl->multi = NULL;
}

static FILE *
ctl_multi_memstream(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (f == NULL) {
		fv_xmalloc(SIZE_MAX); /* aborts, as every failed allocation */
	}
	return f;
}

/* ctl_host_identify asks the server's identification once it answers. */
static void
ctl_host_identify(struct ctl_host *h)
{
	struct ctl_result r;
	const char *id;

	if (ctl_call_any(&h->sess, "supervisor.getIdentification", NULL, &r) !=
	    0) {
		h->ident_known = true; /* a URL that cannot be called */
		return;
	}
	switch (r.outcome) {
	case CTL_OK:
		id = xr_string_get(r.value, NULL);
		if (id != NULL && strcmp(id, "supervisor") != 0) {
			h->ident = fv_xstrdup(id);
		}
		h->ident_known = true;
		break;
	case CTL_FAULT:
	case CTL_HTTP_ERROR:
		h->ident_known = true;
		break;
	case CTL_NET_ERROR:
		break; /* ask again at the next command */
	}
	ctl_result_fini(&r);
}

static void *
ctl_host_main(void *arg)
{
	struct ctl_host *h = arg;

	h->sess.out = ctl_multi_memstream(&h->out, &h->outlen);
	h->sess.err = ctl_multi_memstream(&h->err, &h->errlen);
	if (h->identify) {
		ctl_host_identify(h);
	} else if (h->infos) {
		(void)ctl_call_any(
		    &h->sess, "supervisor.getAllProcessInfo", NULL, &h->result);
	} else if (h->want_report) {
		h->code = ctl_report_run(&h->sess, h->line, &h->rep);
	} else {
		h->code = ctl_onecmd(&h->sess, h->line);
	}
	fclose(h->sess.out);
	fclose(h->sess.err);
	h->sess.out = h->sess.err = NULL;
	return NULL;
}

/* ctl_multi_start starts every host that has work (a line, or identify);
 * one whose thread cannot be made runs here and now instead. */
static void
ctl_multi_start(struct ctl *ctl)
{
	struct ctl_multi *m = ctl->multi;

	for (size_t i = 0; i < m->n; i++) {
		struct ctl_host *h = &m->h[i];

		h->sess.call = ctl->call; /* the unit tests' seam */
		h->code = 0;
		h->threaded = false;
		if (h->line == NULL && !h->identify && !h->infos) {
			continue;
		}
		if (pthread_create(&h->thread, NULL, ctl_host_main, h) == 0) {
			h->threaded = true;
		} else {
			ctl_host_main(h);
		}
	}
}

static void
ctl_multi_join(struct ctl_host *h)
{
	if (h->threaded) {
		pthread_join(h->thread, NULL);
		h->threaded = false;
	}
}

/* ctl_host_clear forgets what the last command left in h. */
static void
ctl_host_clear(struct ctl_host *h)
{
	free(h->line);
	free(h->out);
	free(h->err);
	h->line = h->out = h->err = NULL;
	h->outlen = h->errlen = 0;
	h->identify = h->want_report = h->infos = false;
	ctl_report_fini(&h->rep);
	ctl_result_fini(&h->result);
	memset(&h->result, 0, sizeof(h->result));
}

/* ctl_multi_name asks the servers not yet identified, then names all. */
static void
ctl_multi_name(struct ctl *ctl)
{
	struct ctl_multi *m = ctl->multi;
	const char **idents = fv_xcalloc(m->n, sizeof(*idents));
	bool ask = false;

	for (size_t i = 0; i < m->n; i++) {
		m->h[i].identify = !m->h[i].ident_known;
		ask = ask || m->h[i].identify;
	}
	if (ask) {
		ctl_multi_start(ctl);
		for (size_t i = 0; i < m->n; i++) {
			ctl_multi_join(&m->h[i]);
			ctl_host_clear(&m->h[i]);
		}
	}
	m->width = 0;
	for (size_t i = 0; i < m->n; i++) {
		idents[i] = m->h[i].ident;
		free(m->names[i]);
	}
	ctl_host_names(m->urls, idents, m->n, m->names);
	for (size_t i = 0; i < m->n; i++) {
		size_t len = strlen(m->names[i]);

		m->width = len > m->width ? len : m->width;
	}
	free(idents);
}

size_t
ctl_multi_servers(
    struct ctl *ctl, const char *const **names, const char *const **urls)
{
	struct ctl_multi *m = ctl->multi;

	ctl_multi_name(ctl);
	*names = (const char *const *)m->names;
	*urls = m->urls;
	return m->n;
}

struct xr_value *
ctl_multi_all_infos(struct ctl *ctl)
{
	struct ctl_multi *m = ctl->multi;
	struct xr_value *all = xr_array_new();

	for (size_t i = 0; i < m->n; i++) {
		m->h[i].infos = true;
	}
	ctl_multi_start(ctl);
	for (size_t i = 0; i < m->n; i++) {
		const struct ctl_result *r = &m->h[i].result;

		ctl_multi_join(&m->h[i]);
		for (size_t k = 0; r->outcome == CTL_OK &&
		     xr_value_type(r->value) == XR_ARRAY &&
		     k < xr_array_len(r->value);
		     k++) {
			xr_array_add_take(
			    all, xr_value_dup(xr_array_at(r->value, k)));
		}
		ctl_host_clear(&m->h[i]);
	}
	return all;
}

static bool
ctl_multi_has_word(const struct fv_strv *w, const char *word)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->v[i], word) == 0) {
			return true;
		}
	}
	return false;
}

/* ctl_multi_line is the command line one server runs: the command's
 * name and that server's words. */
static char *
ctl_multi_line(const char *name, const struct fv_strv *words)
{
	size_t len = strlen(name) + 1;
	char *line, *p;

	for (size_t i = 0; i < words->n; i++) {
		len += strlen(words->v[i]) + 1;
	}
	p = line = fv_xmalloc(len);
	p = stpcpy(p, name);
	for (size_t i = 0; i < words->n; i++) {
		*p++ = ' ';
		p = stpcpy(p, words->v[i]);
	}
	return line;
}

/* ctl_multi_one runs an attaching command on the one server addressed,
 * with the terminal, as a one-server session would. */
static int
ctl_multi_one(
    struct ctl *ctl, const struct ctl_cmd *c, const struct fv_fleet_route *r)
{
	struct ctl_host *h = NULL;
	int code;

	if (r->nselected != 1) {
		/* maintail reads the server's own log: a host, no process. */
		ctl_out(ctl, "Error: %s follows one server; name it as %s",
		    c->name, c == &ctl_cmd_maintail ? "HOST/" : "HOST/NAME");
		return CTL_EXIT_GENERIC;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->selected[i]) {
			h = &ctl->multi->h[i];
			h->line = ctl_multi_line(c->name, &r->words[i]);
		}
	}
	h->sess.out = ctl->out;
	h->sess.err = ctl->err;
	h->sess.interactive = ctl->interactive;
	code = ctl_onecmd(&h->sess, h->line);
	h->sess.interactive = false;
	h->sess.out = h->sess.err = NULL;
	ctl_host_clear(h);
	return code;
}

/* ctl_multi_confirm asks once for all servers what reload and shutdown
 * ask each server in 4.2.5's shell. */
static int
ctl_multi_confirm(struct ctl *ctl, const struct ctl_cmd *c, bool *yes)
{
	char *q;
	int rv;

	*yes = true;
	if (!ctl->interactive ||
	    (c != &ctl_cmd_reload && c != &ctl_cmd_shutdown)) {
		return 0;
	}
	q = fv_xasprintf("Really %s %zu remote supervisord processes y/N? ",
	    c == &ctl_cmd_reload ? "restart" : "shut down", ctl->multi->n);
	rv = ctl_confirm(ctl, q, yes);
	free(q);
	if (rv != 0) {
		return ctl_raisef(
		    ctl, "error: <class 'EOFError'>, EOF when reading a line");
	}
	return 0;
}

/* ctl_multi_follows tells whether c attaches to one server this time. */
static bool
ctl_multi_follows(const struct ctl_cmd *c, const struct fv_fleet_route *r)
{
	if (c->multi == CTL_MULTI_ONE) {
		return true;
	}
	for (size_t i = 0; c->multi == CTL_MULTI_FOLLOW && i < r->n; i++) {
		if (r->selected[i] && ctl_multi_has_word(&r->words[i], "-f")) {
			return true;
		}
	}
	return false;
}

/* ctl_multi_view is server i's results as hostout.c prints them. */
static struct ctl_hostout
ctl_multi_view(struct ctl_multi *m, size_t i)
{
	struct ctl_host *h = &m->h[i];

	return (struct ctl_hostout){ .name = m->names[i],
		.out = h->out,
		.err = h->err,
		.outlen = h->outlen,
		.errlen = h->errlen,
		.rep = &h->rep,
		.code = h->code };
}

int
ctl_multi_run(struct ctl *ctl, const struct ctl_cmd *c, const char *arg)
{
	struct ctl_multi *m = ctl->multi;
	struct fv_strv words = { 0 };
	struct fv_fleet_route r;
	bool json = c->json && ctl->opt.json, table = c == &ctl_cmd_status,
	     first = true, yes;
	int code = 0, rv;

	ctl_split_words(arg, &words);
	ctl_multi_name(ctl);
	fv_fleet_route((const char *const *)m->names, m->n,
	    (const char *const *)words.v, words.n, &r);
	fv_strv_free(&words);
	if (json) {
		ctl_report_print_begin(ctl->out);
	}
	code = ctl_hostout_unmatched(ctl, &r.unmatched, json, &first);
	if (r.nselected == 0) {
		goto out;
	}
	if (ctl_multi_follows(c, &r)) {
		code = ctl_exit_merge(code, ctl_multi_one(ctl, c, &r));
		goto out;
	}
	if ((rv = ctl_multi_confirm(ctl, c, &yes)) != 0 || !yes) {
		code = rv == CTL_RAISED ? rv : ctl_exit_merge(code, rv);
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (r.selected[i]) {
			m->h[i].line = ctl_multi_line(c->name, &r.words[i]);
			m->h[i].want_report = json || table;
		}
	}
	ctl_multi_start(ctl);
	for (size_t i = 0; i < m->n; i++) {
		if (r.selected[i]) {
			struct ctl_hostout v;

			ctl_multi_join(&m->h[i]);
			v = ctl_multi_view(m, i);
			ctl_hostout_print(
			    ctl, &v, m->width, json, table, &first);
			code = ctl_exit_merge(code, m->h[i].code);
		}
	}
	if (table && !json) {
		struct ctl_hostout *views =
		    fv_xcalloc(m->n + 1, sizeof(*views));
		size_t nv = 0;

		for (size_t i = 0; i < m->n; i++) {
			if (r.selected[i]) {
				views[nv++] = ctl_multi_view(m, i);
			}
		}
		ctl_hostout_table(ctl, views, nv, m->width);
		free(views);
	}
	for (size_t i = 0; i < m->n; i++) {
		ctl_host_clear(&m->h[i]);
	}
out:
	if (json) {
		ctl_report_print_end(ctl->out, first);
	}
	fflush(ctl->out);
	fv_fleet_route_fini(&r);
	return code;
}
