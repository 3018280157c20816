/*
 * The set of HTTP servers of one agent run: opened together (all or
 * none), closed together. See http_server.h.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "http/http_internal.h"
#include "log/mainlog.h"

void
http_server_feed_starved(struct http_server *s)
{
	struct http_conn *next;

	s->starved_any = false;
	for (struct http_conn *c = s->conns; c != NULL; c = next) {
		next = c->next; /* c may close */
		if (c->starved) {
			c->starved = false;
			http_conn_feed(c);
		}
		if (s->starved_any) {
			break; /* over the budget again */
		}
	}
}

void
http_server_handle_closed(struct http_server *s)
{
	if (--s->open_handles > 0 || !s->closing) {
		return;
	}
	for (size_t i = 0; i < s->nlisteners; i++) {
		struct http_listener *l = &s->listeners[i];

		free(l->section);
		free(l->path);
		free(l->username);
		free(l->password);
	}
	free(s->listeners);
	for (size_t i = 0; i < s->nspares; i++) {
		free(s->spares[i].p);
	}
	free(s);
}

void
http_server_recycle(struct http_server *s, char *p, size_t cap)
{
	if (s->closing || cap < HTTP_SPARE_MIN || s->nspares >= HTTP_SPARES ||
	    cap > HTTP_SPARE_TOTAL - s->spare_bytes) {
		free(p);
		return;
	}
	s->spares[s->nspares++] = (struct http_spare){ p, cap };
	s->spare_bytes += cap;
}

int
http_server_open(uv_loop_t *loop, struct mainlog *log, const struct cfg *cfg,
    const struct http_route *routes, size_t nroutes,
    const struct http_server_limits *lim, struct http_server **out,
    struct fv_diag *d)
{
	struct http_server *s = fv_xcalloc(1, sizeof(*s));
	int rv;

	s->loop = loop;
	s->log = log;
	s->routes = routes;
	s->nroutes = nroutes;
	s->lim = lim != NULL ? *lim : http_server_limits_default;
	s->listeners = fv_xcalloc(
	    cfg->nservers > 0 ? cfg->nservers : 1, sizeof(*s->listeners));
	/* A handle count of one for the server itself, dropped by close. */
	s->open_handles = 1;
	for (size_t i = 0; i < cfg->nservers; i++) {
		const struct cfg_server *cs = &cfg->servers[i];

		s->nlisteners++;
		if ((rv = http_listen_open(s, &s->listeners[i], cs, d)) != 0) {
			http_server_close(s);
			return rv;
		}
		for (size_t j = 0; j < cfg->nrpcinterfaces; j++) {
			mainlog_log(log, MAINLOG_INFO,
			    "RPC interface '%s' initialized",
			    cfg->rpcinterfaces[j].name);
		}
		if (cs->username == NULL) {
			mainlog_log(log, MAINLOG_CRIT,
			    "Server '%s' running without any HTTP "
			    "authentication checking",
			    cs->section);
		} else if (cs->password != NULL &&
		    strncmp(cs->password, "{SHA}", 5) == 0) {
			mainlog_log(log, MAINLOG_WARN,
			    "Server '%s' checks an unsalted SHA-1 password "
			    "hash; prefer a long random password",
			    cs->section);
		}
	}
	*out = s;
	return 0;
}

void
http_server_close(struct http_server *s)
{
	if (s == NULL || s->closing) {
		return;
	}
	s->closing = true;
	for (size_t i = 0; i < s->nlisteners; i++) {
		http_listen_close(&s->listeners[i]);
	}
	while (s->conns != NULL) {
		http_conn_close(s->conns);
	}
	http_server_handle_closed(s);
}
