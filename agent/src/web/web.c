/*
 * The web interface's routing: which page answers which path, the form
 * fields a page sees (query, then a POST body over it, as 4.2.5 reads
 * them), and the small fixed answers (ok.html, the style sheet, 404 and
 * 405). It never resolves a file path from a URL: the only files served
 * are process and main logs, named by the configuration.
 */
#include "web/web.h"

#include <string.h>

#include "common/xalloc.h"
#include "web/web_form.h"
#include "web/web_int.h"
#include "web/web_page.h"

void
web_init(struct web *w, struct rpc_ctx *rpc, struct supervisor *sv)
{
	*w = (struct web){ .rpc = rpc, .sv = sv };
	LIST_INIT(&w->streams);
	LIST_INIT(&w->calls);
}

void
web_fini(struct web *w)
{
	web_streams_forget(w);
	web_calls_forget(w);
	*w = (struct web){ 0 };
}

void
web_add_nocache(struct http_exchange *ex)
{
	http_add_header(ex, "Pragma", "no-cache");
	http_add_header(ex, "Cache-Control", "no-cache");
	http_add_header(ex, "Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
}

void
web_respond_page(struct http_exchange *ex, struct fv_buf *body, int rv)
{
	if (rv < 0) {
		http_respond_error(ex, 500, false);
		return;
	}
	web_add_nocache(ex);
	http_respond_take(ex, 200, "text/html;charset=utf-8", body);
}

/* The largest form body a page takes: its forms are a few fields. */
#define WEB_POST_MAX (64 * 1024)

/* The only fields the pages read. */
static const char *const web_fields[] = { "action", "processname", "message",
	"limit", NULL };

/* web_form_of collects the fields of req: the query, then a POST body. */
static void
web_form_of(const struct http_request *req, struct fv_kvmap *form)
{
	web_form_parse(form, web_fields, req->query, strlen(req->query), true);
	if (strcmp(req->method, "POST") == 0 && req->body != NULL) {
		web_form_parse(
		    form, web_fields, req->body, req->body_len, false);
	}
}

enum web_page_id {
	WEB_PAGE_NONE,
	WEB_PAGE_STATUS,
	WEB_PAGE_TAIL,
	WEB_PAGE_OK,
	WEB_PAGE_CSS,
};

/* web_page_of maps a decoded path to a page; leading slashes are
 * dropped, as 4.2.5 drops them. */
static enum web_page_id
web_page_of(const struct http_request *req)
{
	const char *p = req->path;
	size_t n = req->path_len;

	if (memchr(p, '\0', n) != NULL) {
		return WEB_PAGE_NONE;
	}
	while (n > 0 && *p == '/') {
		p++;
		n--;
	}
	if (n == 0 || strcmp(p, "index.html") == 0) {
		return WEB_PAGE_STATUS;
	}
	if (strcmp(p, "tail.html") == 0) {
		return WEB_PAGE_TAIL;
	}
	if (strcmp(p, "ok.html") == 0) {
		return WEB_PAGE_OK;
	}
	if (strcmp(p, "stylesheets/supervisor.css") == 0) {
		return WEB_PAGE_CSS;
	}
	return WEB_PAGE_NONE;
}

void
web_handle_ui(
    void *arg, struct http_exchange *ex, const struct http_request *req)
{
	struct web *w = arg;
	enum web_page_id page = web_page_of(req);
	bool get = strcmp(req->method, "GET") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	struct fv_kvmap form = { 0 };

	if (page == WEB_PAGE_NONE) {
		http_respond_error(ex, 404, false);
		return;
	}
	if (!get && !(post && page != WEB_PAGE_CSS)) {
		http_add_header(
		    ex, "Allow", page == WEB_PAGE_CSS ? "GET" : "GET, POST");
		http_respond_error(ex, 405, false);
		return;
	}
	if (post && req->body_len > WEB_POST_MAX) {
		http_respond_error(ex, 413, false);
		return;
	}
	switch (page) {
	case WEB_PAGE_STATUS:
		web_form_of(req, &form);
		web_status_handle(w, ex, req, &form);
		break;
	case WEB_PAGE_TAIL:
		web_form_of(req, &form);
		web_tail_handle(w, ex, &form);
		break;
	case WEB_PAGE_OK:
		/* 4.2.5's health probe: plain "OK", nothing else. */
		http_respond(ex, 200, "text/plain", "OK", 2);
		break;
	case WEB_PAGE_CSS:
		http_respond(ex, 200, "text/css", web_css, strlen(web_css));
		break;
	case WEB_PAGE_NONE:
		break;
	}
	fv_kvmap_free(&form);
}
