/*
 * The pages of the web interface: HTML of our own (4.2.5's templates and
 * images are not used), with 4.2.5's structure, CSS class names, link
 * texts and messages, so that people and scrapers find what they know.
 * Rendering is pure: rows in, bytes out. Every text that comes from a
 * peer, a configuration or a log is HTML-escaped on its way out.
 */
#include "web/web_page.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "process/proc_fsm.h"
#include "rpc/rpc.h"
#include "web/web_form.h"

static const struct {
	const char *name;
	enum web_act act;
} web_acts[] = {
	{ "clearlog", WEB_ACT_CLEARLOG },
	{ "refresh", WEB_ACT_REFRESH },
	{ "restart", WEB_ACT_RESTART },
	{ "restartall", WEB_ACT_RESTARTALL },
	{ "start", WEB_ACT_START },
	{ "stop", WEB_ACT_STOP },
	{ "stopall", WEB_ACT_STOPALL },
};

int
web_act_parse(const char *s)
{
	for (size_t i = 0; i < nitems(web_acts); i++) {
		if (strcmp(s, web_acts[i].name) == 0) {
			return (int)web_acts[i].act;
		}
	}
	return -1;
}

bool
web_act_per_process(enum web_act act)
{
	return act == WEB_ACT_START || act == WEB_ACT_STOP ||
	    act == WEB_ACT_RESTART || act == WEB_ACT_CLEARLOG;
}

/* web_start_fault_text is 4.2.5's wording of a failed start. */
static char *
web_start_fault_text(int code, const char *text)
{
	switch (code) {
	case RPC_FAULT_NO_FILE:
		return fv_xstrdup("no such file");
	case RPC_FAULT_NOT_EXECUTABLE:
		return fv_xstrdup("file not executable");
	case RPC_FAULT_ALREADY_STARTED:
		return fv_xstrdup("already started");
	case RPC_FAULT_SPAWN_ERROR:
		return fv_xstrdup("spawn error");
	case RPC_FAULT_ABNORMAL_TERMINATION:
		return fv_xstrdup("abnormal termination");
	default:
		return fv_xasprintf("unexpected rpc fault [%d] %s", code, text);
	}
}

char *
web_act_message(enum web_act act, const char *ns, int fault_code,
    const char *fault_string, time_t now)
{
	const char *text = fault_string != NULL ? fault_string : "";
	char date[WEB_DATE_MAX];
	char *why, *msg;

	switch (act) {
	case WEB_ACT_REFRESH:
		web_ctime(now, date);
		return fv_xasprintf("Page refreshed at %s", date);
	case WEB_ACT_STOPALL:
		web_ctime(now, date);
		return fv_xasprintf("All stopped at %s", date);
	case WEB_ACT_RESTARTALL:
		web_ctime(now, date);
		return fv_xasprintf("All restarted at %s", date);
	case WEB_ACT_START:
		if (fault_code == 0) {
			return fv_xasprintf("Process %s started", ns);
		}
		why = web_start_fault_text(fault_code, text);
		msg = fv_xasprintf("ERROR: Process %s: %s", ns, why);
		free(why);
		return msg;
	case WEB_ACT_STOP:
		if (fault_code == 0) {
			return fv_xasprintf("Process %s stopped", ns);
		}
		break;
	case WEB_ACT_RESTART:
		/* 4.2.5 reports a restart whatever its multicall said. */
		return fv_xasprintf("Process %s restarted", ns);
	case WEB_ACT_CLEARLOG:
		if (fault_code == 0) {
			return fv_xasprintf("Log for %s cleared", ns);
		}
		break;
	}
	return fv_xasprintf("unexpected rpc fault [%d] %s", fault_code, text);
}

char *
web_msg_no_such_process(const char *ns)
{
	return fv_xasprintf("No such process named %s", ns);
}

const char *
web_state_class(int state)
{
	if (state == PROC_RUNNING) {
		return "statusrunning";
	}
	if (state == PROC_FATAL || state == PROC_BACKOFF) {
		return "statuserror";
	}
	return "statusnominal";
}

/*
 * A page is built with many appends; the first one that fails at the
 * buffer's cap makes the whole page fail (a later, shorter append could
 * still fit and hide it).
 */
struct web_out {
	struct fv_buf *b;
	int err;
};

static void
web_puts(struct web_out *o, const char *s)
{
	if (o->err == 0) {
		o->err = fv_buf_puts(o->b, s);
	}
}

static void
web_putc(struct web_out *o, char c)
{
	if (o->err == 0) {
		o->err = fv_buf_putc(o->b, c);
	}
}

static void __attribute__((format(printf, 2, 3)))
web_printf(struct web_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->err == 0) {
		va_start(ap, fmt);
		o->err = fv_buf_vprintf(o->b, fmt, ap);
		va_end(ap);
	}
}

static void
web_esc(struct web_out *o, const char *p, size_t n)
{
	if (o->err == 0) {
		o->err = web_html_escape(o->b, p, n);
	}
}

static void
web_esc_str(struct web_out *o, const char *s)
{
	web_esc(o, s, strlen(s));
}

static void
web_quote(struct web_out *o, const char *s)
{
	if (o->err == 0) {
		o->err = web_url_quote(o->b, s, false);
	}
}

static int
web_row_cmp(const void *a, const void *b)
{
	const struct web_row *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c != 0 ? c : strcmp(x->name, y->name);
}

/* The page head shared by both pages; title is already escaped. */
static void
web_render_head(struct web_out *o, const char *title_html)
{
	web_puts(o,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"en\">\n"
	    "<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<title>");
	web_puts(o, title_html);
	web_puts(o,
	    "</title>\n"
	    "<link rel=\"stylesheet\" href=\"stylesheets/supervisor.css\">\n"
	    "<link rel=\"icon\" href=\"data:,\">\n"
	    "</head>\n");
}

/* web_render_actions writes the action cell of one process. */
static void
web_render_actions(struct web_out *o, const struct web_row *r, const char *ns,
    const char *ns_q)
{
	bool running = r->state == PROC_RUNNING;
	bool stopped = r->state == PROC_STOPPED || r->state == PROC_EXITED ||
	    r->state == PROC_FATAL;

	web_puts(o,
	    "<td class=\"action\"><form method=\"post\" "
	    "action=\"index.html\"><input type=\"hidden\" "
	    "name=\"processname\" value=\"");
	web_esc_str(o, ns);
	web_puts(o, "\">");
	if (running) {
		web_puts(o,
		    "<button name=\"action\" value=\"restart\">"
		    "Restart</button>"
		    "<button name=\"action\" value=\"stop\">"
		    "Stop</button>");
	} else if (stopped) {
		web_puts(o,
		    "<button name=\"action\" value=\"start\">"
		    "Start</button>");
	}
	web_puts(o,
	    "<button name=\"action\" value=\"clearlog\">"
	    "Clear Log</button></form>");
	web_printf(o,
	    "<a href=\"logtail/%s\" target=\"_blank\">Tail -f Stdout</a>"
	    "<a href=\"logtail/%s/stderr\" target=\"_blank\">"
	    "Tail -f Stderr</a></td>",
	    ns_q, ns_q);
}

static void
web_render_row(struct web_out *o, const struct web_row *r)
{
	struct fv_buf nsb, q;
	const char *ns;

	fv_buf_init(&nsb, WEB_PAGE_MAX);
	fv_buf_init(&q, WEB_PAGE_MAX);
	if (strcmp(r->group, r->name) == 0) {
		fv_buf_puts(&nsb, r->name);
	} else {
		fv_buf_printf(&nsb, "%s:%s", r->group, r->name);
	}
	ns = fv_buf_cstr(&nsb);
	web_url_quote(&q, ns, false);

	web_printf(o, "<tr><td class=\"status\"><span class=\"%s\">",
	    web_state_class(r->state));
	for (const char *p = r->statename; *p != '\0'; p++) {
		char c = *p;

		web_putc(o, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
	}
	web_puts(o, "</span></td><td class=\"desc\">");
	web_esc_str(o, r->description);
	web_printf(o,
	    "</td><td class=\"name\"><a href=\"tail.html?processname=%s\" "
	    "target=\"_blank\">",
	    fv_buf_cstr(&q));
	web_esc_str(o, ns);
	web_puts(o, "</a></td>");
	web_render_actions(o, r, ns, fv_buf_cstr(&q));
	web_puts(o, "</tr>\n");
	fv_buf_fini(&q);
	fv_buf_fini(&nsb);
}

int
web_render_status(struct fv_buf *out, const struct web_status_page *pg,
    struct web_row *rows, size_t n)
{
	struct web_out ob = { .b = out }, *o = &ob;

	if (n > 1) {
		qsort(rows, n, sizeof(*rows), web_row_cmp);
	}
	web_render_head(o, "Supervisor Status");
	web_puts(o,
	    "<body>\n<header id=\"header\"><h1>Supervisor "
	    "status</h1><p><span id=\"identification\">");
	web_esc_str(o, pg->identification);
	web_puts(o, "</span> <span id=\"supervisor_version\">");
	web_esc_str(o, pg->version);
	web_puts(o, "</span></p></header>\n<main>\n");
	if (pg->message != NULL) {
		web_puts(o, "<div id=\"statusmessage\" class=\"status_msg\">");
		web_esc_str(o, pg->message);
		web_puts(o, "</div>\n");
	}
	web_puts(o,
	    "<form id=\"buttons\" method=\"post\" action=\"index.html\">"
	    "<button name=\"action\" value=\"refresh\">Refresh</button>"
	    "<button name=\"action\" value=\"restartall\">Restart All</button>"
	    "<button name=\"action\" value=\"stopall\">Stop All</button>"
	    "</form>\n");
	if (n == 0) {
		web_puts(
		    o, "<p id=\"statustable\">No programs to manage</p>\n");
	} else {
		web_puts(o,
		    "<table id=\"statustable\">\n<thead><tr>"
		    "<th class=\"state\">State</th>"
		    "<th class=\"desc\">Description</th>"
		    "<th class=\"name\">Name</th>"
		    "<th class=\"action\">Action</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < n; i++) {
			web_render_row(o, &rows[i]);
		}
		web_puts(o, "</tbody>\n</table>\n");
	}
	web_puts(o, "</main>\n</body>\n</html>\n");
	return o->err;
}

int
web_render_tail(struct fv_buf *out, const char *processname, const char *text,
    size_t n, unsigned long limit)
{
	struct web_out ob = { .b = out }, *o = &ob;
	struct fv_buf title;

	fv_buf_init(&title, WEB_PAGE_MAX);
	fv_buf_puts(&title, "Supervisor tail of process ");
	web_html_escape_str(&title, processname != NULL ? processname : "None");
	web_render_head(o, fv_buf_cstr(&title));
	fv_buf_fini(&title);
	web_puts(o, "<body class=\"tail\">\n<main>\n<pre id=\"tailbody\">");
	web_esc(o, text, n);
	web_puts(o, "</pre>\n");
	if (processname != NULL) {
		web_puts(o,
		    "<p><a class=\"button\" "
		    "href=\"tail.html?processname=");
		web_quote(o, processname);
		web_printf(o, "&amp;limit=%lu\">Refresh</a></p>\n", limit);
	}
	web_puts(o, "</main>\n</body>\n</html>\n");
	return o->err;
}

const char web_css[] =
    ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;"
    "--run:#1a7f37;--err:#cf222e;--nom:#6e7781;--accent:#0969da}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:#fff}\n"
    "#header{display:flex;align-items:baseline;gap:1em;padding:.8em 1.5em;"
    "background:var(--bg);border-bottom:1px solid var(--line)}\n"
    "#header h1{margin:0;font-size:1.3em;font-weight:600}\n"
    "#header p{margin:0;color:var(--muted)}\n"
    "main{padding:1em 1.5em}\n"
    ".status_msg{margin:0 0 1em;padding:.6em .9em;border:1px solid "
    "#9ec5fe;border-radius:6px;background:#ddf4ff}\n"
    "#buttons{margin:0 0 1em}\n"
    "button,a.button{font:inherit;padding:.25em .8em;margin:0 .4em .2em 0;"
    "border:1px solid var(--line);border-radius:6px;background:var(--bg);"
    "color:var(--fg);cursor:pointer;text-decoration:none;"
    "display:inline-block}\n"
    "button:hover,a.button:hover{background:#eaeef2}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{text-align:left;padding:.45em .7em;border-bottom:1px solid "
    "var(--line);vertical-align:middle}\n"
    "th{background:var(--bg);font-weight:600}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    "td.status span{display:inline-block;min-width:6em;padding:.1em .5em;"
    "border-radius:1em;color:#fff;text-align:center;font-size:.9em}\n"
    ".statusrunning{background:var(--run)}\n"
    ".statuserror{background:var(--err)}\n"
    ".statusnominal{background:var(--nom)}\n"
    "td.desc{color:var(--muted)}\n"
    "td.action form{display:inline}\n"
    "td.action button{padding:.1em .6em}\n"
    "td.action a{margin-right:.8em;color:var(--accent)}\n"
    "a{color:var(--accent)}\n"
    "pre#tailbody{background:var(--bg);border:1px solid var(--line);"
    "border-radius:6px;padding:1em;overflow:auto;white-space:pre-wrap}\n";
