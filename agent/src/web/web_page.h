#ifndef FV_WEB_WEB_PAGE_H
#define FV_WEB_WEB_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"

/*
 * What the web pages say and look like, without the process table or the
 * network: the status page from a list of rows, the tail page, the style
 * sheet, the actions and the messages they end with (4.2.5's words).
 */

/* The largest page we build: far above 1000 processes' worth. */
#define WEB_PAGE_MAX (32u * 1024 * 1024)

/* The actions of 4.2.5's status page (its "action" form field). */
enum web_act {
	WEB_ACT_REFRESH,
	WEB_ACT_STOPALL,
	WEB_ACT_RESTARTALL,
	WEB_ACT_START,
	WEB_ACT_STOP,
	WEB_ACT_RESTART,
	WEB_ACT_CLEARLOG,
};

/* web_act_parse maps "start" to WEB_ACT_START; -1 for anything else. */
int web_act_parse(const char *s);

/* web_act_per_process tells whether act needs a processname. */
bool web_act_per_process(enum web_act act);

/*
 * web_act_message returns (owned) the message a finished action leaves on
 * the page, in 4.2.5's words: "Process foo started", "ERROR: Process foo:
 * spawn error", "unexpected rpc fault [70] NOT_RUNNING: foo", "All stopped
 * at <ctime>", ... fault_code is 0 when the call succeeded; fault_string
 * may then be NULL. ns is the name as the form gave it; now is for the
 * messages that carry a time.
 */
char *web_act_message(enum web_act act, const char *ns, int fault_code,
    const char *fault_string, time_t now);

/* web_msg_no_such_process is "No such process named <ns>" (owned). */
char *web_msg_no_such_process(const char *ns);

/* One process of the status page; every string is borrowed. */
struct web_row {
	const char *group;
	const char *name;
	int state; /* enum proc_state's wire value */
	const char *statename; /* "RUNNING" */
	const char *description;
};

struct web_status_page {
	const char *identification; /* getIdentification */
	const char *version; /* getSupervisorVersion */
	const char *message; /* the ?message= line, or NULL */
};

/*
 * web_render_status appends the status page to out: a row per process,
 * sorted by group then name as 4.2.5 lists them (rows is sorted in
 * place), each with its state (colour class), description, name and the
 * actions its state allows. Every text is HTML-escaped. Returns 0 or
 * FV_ETOOBIG when out's cap is reached.
 */
int web_render_status(struct fv_buf *out, const struct web_status_page *pg,
    struct web_row *rows, size_t n);

/* web_state_class is 4.2.5's CSS class of a state: "statusrunning",
 * "statuserror" (FATAL, BACKOFF) or "statusnominal". */
const char *web_state_class(int state);

/*
 * web_render_tail appends the tail page: the n bytes at text in a <pre>,
 * a title naming processname (NULL: no process, as 4.2.5's "None") and,
 * when there is a process, a refresh link asking for limit bytes.
 */
int web_render_tail(struct fv_buf *out, const char *processname,
    const char *text, size_t n, unsigned long limit);

/* web_css is the style sheet of the pages (stylesheets/supervisor.css). */
extern const char web_css[];

#endif
