/*
 * The command table and the dispatcher: one line becomes a command name
 * and its argument exactly as Python's cmd.Cmd.parseline splits it for
 * 4.2.5, the command runs, and what escaped it (CTL_RAISED) is printed as
 * 4.2.5's onecmd prints it, with its 401 handling (a prompt for
 * credentials in the shell, one more attempt otherwise). Also the small
 * helpers every command file uses. No command logic lives here.
 */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd_tail.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "fleet_run.h"
#include "multi.h"
#include "report.h"

/* Sorted by name (strcmp), as help lists them and ctl_cmd_find expects. */
const struct ctl_cmd *const ctl_cmds[] = {
	&ctl_cmd_eof,
	&ctl_cmd_add,
	&ctl_cmd_avail,
	&ctl_cmd_clear,
	&ctl_cmd_events,
	&ctl_cmd_exit,
	&ctl_cmd_fg,
	&ctl_cmd_help,
	&ctl_cmd_hosts,
	&ctl_cmd_maintail,
	&ctl_cmd_mtail,
	&ctl_cmd_open,
	&ctl_cmd_pid,
	&ctl_cmd_quit,
	&ctl_cmd_reload,
	&ctl_cmd_remove,
	&ctl_cmd_reopen,
	&ctl_cmd_reread,
	&ctl_cmd_restart,
	&ctl_cmd_shutdown,
	&ctl_cmd_signal,
	&ctl_cmd_start,
	&ctl_cmd_status,
	&ctl_cmd_stop,
	&ctl_cmd_tail,
	&ctl_cmd_update,
	&ctl_cmd_version,
};
const size_t ctl_ncmds = nitems(ctl_cmds);

/* The streaming commands live in cmd_tail.c. */
const struct ctl_cmd ctl_cmd_tail = {
	.name = "tail",
	.exec = ctl_tail_exec,
	.help = ctl_tail_help,
	.complete = CTL_COMPLETE_PROCESSES,
	.multi = CTL_MULTI_FOLLOW,
};
const struct ctl_cmd ctl_cmd_maintail = {
	.name = "maintail",
	.exec = ctl_maintail_exec,
	.help = ctl_maintail_help,
	.multi = CTL_MULTI_FOLLOW,
};
const struct ctl_cmd ctl_cmd_fg = {
	.name = "fg",
	.exec = ctl_fg_exec,
	.help = ctl_fg_help,
	.complete = CTL_COMPLETE_PROCESSES,
	.multi = CTL_MULTI_ONE,
};

static int
ctl_cmd_cmp(const void *key, const void *elem)
{
	const struct ctl_cmd *const *c = elem;

	return strcmp(key, (*c)->name);
}

const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	const struct ctl_cmd *const *c;

	c = bsearch(name, ctl_cmds, ctl_ncmds, sizeof(*ctl_cmds), ctl_cmd_cmp);
	return c != NULL ? *c : NULL;
}

void
ctl_out(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(ctl->out, fmt, ap);
	va_end(ap);
	fputc('\n', ctl->out);
}

int
ctl_exit_from_fault(int fault, int ignored, int current)
{
	if (fault == CTL_F_SUCCESS || (ignored != 0 && fault == ignored)) {
		return current;
	}
	if (fault == CTL_F_SPAWN_ERROR || fault == CTL_F_ABNORMAL_TERMINATION ||
	    fault == CTL_F_NOT_RUNNING) {
		return CTL_EXIT_NOT_RUNNING;
	}
	return CTL_EXIT_GENERIC;
}

char *
ctl_namespec(const char *group, const char *name)
{
	if (strcmp(group, name) == 0) {
		return fv_xstrdup(name);
	}
	return fv_xasprintf("%s:%s", group, name);
}

void
ctl_split_namespec(const char *spec, char **group, char **process)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL) {
		*group = fv_xstrdup(spec);
		*process = fv_xstrdup(spec);
		return;
	}
	*group = fv_xstrndup(spec, (size_t)(colon - spec));
	*process = colon[1] == '\0' || strcmp(colon + 1, "*") == 0
	    ? NULL
	    : fv_xstrdup(colon + 1);
}

const char *
ctl_str(const struct xr_value *v, const char *key)
{
	const char *s = xr_string_get(xr_struct_get(v, key), NULL);

	return s != NULL ? s : "";
}

int
ctl_int(const struct xr_value *v, const char *key)
{
	const struct xr_value *m = xr_struct_get(v, key);
	int32_t i = 0;
	bool b;

	if (!xr_int_get(m, &i) && xr_bool_get(m, &b)) {
		i = b;
	}
	return i;
}

void
ctl_print_padded(FILE *out, const char *s, size_t width)
{
	size_t chars = 0;

	for (const char *p = s; *p != '\0'; p++) {
		/* Count code points: every byte that starts one. */
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	}
	fputs(s, out);
	for (; chars < width; chars++) {
		fputc(' ', out);
	}
}

/* Python's str.split() on the whitespace an ASCII line can hold. */
static bool
ctl_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

void
ctl_split_words(const char *s, struct fv_strv *out)
{
	while (*s != '\0') {
		const char *w;

		while (ctl_isspace((unsigned char)*s)) {
			s++;
		}
		if (*s == '\0') {
			break;
		}
		w = s;
		while (*s != '\0' && !ctl_isspace((unsigned char)*s)) {
			s++;
		}
		fv_strv_push_take(out, fv_xstrndup(w, (size_t)(s - w)));
	}
}

/* ctl_strip returns a new copy of s without surrounding whitespace. */
static char *
ctl_strip(const char *s)
{
	size_t n;

	while (ctl_isspace((unsigned char)*s)) {
		s++;
	}
	n = strlen(s);
	while (n > 0 && ctl_isspace((unsigned char)s[n - 1])) {
		n--;
	}
	return fv_xstrndup(s, n);
}

static bool
ctl_isident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
ctl_run(struct ctl *ctl, const struct ctl_cmd *c, const char *arg)
{
	struct fv_strv words = { 0 };
	int rv;

	ctl_split_words(arg, &words);
	ctl->arg = arg;
	free(ctl->raised);
	ctl->raised = NULL;
	ctl->raised_http = 0;
	rv = c->exec(ctl, (int)words.n, words.v);
	ctl->arg = NULL;
	fv_strv_free(&words);
	return rv;
}

/* ctl_readline reads one line from stdin without its newline; NULL at
 * EOF. */
static char *
ctl_readline(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n') {
		line[n - 1] = '\0';
	}
	return line;
}

int
ctl_confirm(struct ctl *ctl, const char *question, bool *yes)
{
	char *line;

	fputs(question, ctl->out);
	fflush(ctl->out);
	if ((line = ctl_readline()) == NULL) {
		return CTL_RAISED;
	}
	*yes = line[0] == 'y' || line[0] == 'Y';
	free(line);
	return 0;
}

/* ctl_getpass reads a password with echo off on the terminal, as
 * Python's getpass does (from stdin when there is no terminal). */
static char *
ctl_getpass(struct ctl *ctl, const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+");
	FILE *in = tty != NULL ? tty : stdin,
	     *out = tty != NULL ? tty : ctl->err;
	struct termios old, noecho;
	bool restore = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* Echo goes off before the prompt shows, as in Python's getpass:
	 * a password typed as soon as the prompt appears is neither echoed
	 * nor flushed away by TCSAFLUSH. */
	if (tcgetattr(fileno(in), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(in), TCSAFLUSH, &noecho) == 0;
	}
	fputs(prompt, out);
	fflush(out);
	n = getline(&line, &cap, in);
	if (restore) {
		(void)tcsetattr(fileno(in), TCSAFLUSH, &old);
		fputc('\n', out);
	}
	if (tty != NULL) {
		fclose(tty);
	}
	if (n < 0) {
		free(line);
		return fv_xstrdup("");
	}
	if (n > 0 && line[n - 1] == '\n') {
		line[n - 1] = '\0';
	}
	return line;
}

/* ctl_ask_credentials is 4.2.5's answer to a 401 in the shell. */
static bool
ctl_ask_credentials(struct ctl *ctl)
{
	char *user, *pass;

	ctl_out(ctl, "Server requires authentication");
	fputs("Username:", ctl->out);
	fflush(ctl->out);
	if ((user = ctl_readline()) == NULL) {
		return false;
	}
	pass = ctl_getpass(ctl, "Password:");
	ctl_out(ctl, "%s", "");
	free(ctl->opt.username);
	free(ctl->opt.password);
	ctl->opt.username = user;
	ctl->opt.password = pass;
	if (ctl->server != NULL) {
		ctl_server_set_auth(ctl->server, user, pass);
	}
	return true;
}

static void
ctl_print_raised(struct ctl *ctl)
{
	ctl_out(ctl, "%s", ctl->raised != NULL ? ctl->raised : "error");
	free(ctl->raised);
	ctl->raised = NULL;
}

/* ctl_json_run runs one command in report mode and prints its records
 * as JSON. */
static int
ctl_json_run(struct ctl *ctl, const char *line)
{
	struct ctl_report rep = { 0 };
	bool first = true;
	int code = ctl_report_run(ctl, line, &rep);

	ctl_report_print_begin(ctl->out);
	for (size_t i = 0; i < rep.n; i++) {
		ctl_report_print_one(ctl->out, &first, NULL, &rep.v[i]);
	}
	ctl_report_print_end(ctl->out, first);
	ctl_report_fini(&rep);
	return code;
}

static int
ctl_dispatch(struct ctl *ctl, const char *line)
{
	const struct ctl_cmd *c;
	char *cmd, *arg;
	size_t i = 0;
	int rv;

	while (ctl_isident((unsigned char)line[i])) {
		i++;
	}
	cmd = fv_xstrndup(line, i);
	c = ctl_cmd_find(cmd);
	free(cmd);
	if (i == 0 || c == NULL) {
		ctl_out(ctl, "*** Unknown syntax: %s", line);
		return CTL_EXIT_GENERIC;
	}
	arg = ctl_strip(line + i);
	if (ctl->multi != NULL && c->multi != CTL_MULTI_LOCAL) {
		rv = ctl_multi_run(ctl, c, arg);
		goto out;
	}
	if (ctl->fleet_mode && c->multi != CTL_MULTI_LOCAL) {
		rv = ctl_fleet_run(ctl, c, arg);
		goto out;
	}
	if (ctl->opt.json && c->json && ctl->report == NULL) {
		rv = ctl_json_run(ctl, line);
		goto out;
	}
	for (;;) {
		rv = ctl_run(ctl, c, arg);
		if (rv != CTL_RAISED || ctl->raised_http != 401) {
			break;
		}
		if (!ctl->interactive) {
			/* 4.2.5 says so, then calls the command once more. */
			ctl_out(ctl, "Server requires authentication");
			rv = ctl_run(ctl, c, arg);
			if (rv == 0) {
				rv = CTL_EXIT_GENERIC;
			}
			break;
		}
		if (!ctl_ask_credentials(ctl)) {
			ctl_raisef(ctl,
			    "error: <class 'EOFError'>, EOF when reading a "
			    "line: "
			    "file: /usr/lib/python3/dist-packages/supervisor/"
			    "supervisorctl.py line: 212");
			break;
		}
	}
out:
	free(arg);
	if (rv == CTL_RAISED) {
		ctl_print_raised(ctl);
		rv = CTL_EXIT_GENERIC;
	}
	return rv;
}

/* ctl_onecmd_one runs one command of a line. */
static int
ctl_onecmd_one(struct ctl *ctl, const char *line)
{
	char *s = ctl_strip(line), *full;
	int rv;

	if (s[0] == '\0') {
		free(s);
		return 0;
	}
	if (s[0] == '?') {
		full = fv_xasprintf("help %s", s + 1);
		free(s);
		s = full;
	}
	rv = ctl_dispatch(ctl, s);
	free(s);
	if (rv != 0) {
		ctl->exit_status = rv;
	}
	fflush(ctl->out);
	return rv;
}

int
ctl_onecmd(struct ctl *ctl, const char *line)
{
	const char *semi;
	int rv = 0;

	/* --json prints one document per command: two commands on a line
	 * would make two. */
	if (ctl->opt.json && ctl->report == NULL && strchr(line, ';') != NULL) {
		ctl_out(ctl,
		    "Error: with --json, give one command per line (no ';')");
		ctl->exit_status = CTL_EXIT_INVALID_ARGS;
		return CTL_EXIT_INVALID_ARGS;
	}
	while ((semi = strchr(line, ';')) != NULL) {
		char *one = fv_xstrndup(line, (size_t)(semi - line));

		rv = ctl_onecmd_one(ctl, one);
		free(one);
		line = semi + 1;
		if (ctl->stop) {
			return rv;
		}
	}
	return ctl_onecmd_one(ctl, line);
}

/*
 * ctl_help_list prints Python's cmd.Cmd.print_topics for the documented
 * commands: the fewest rows whose columns fit in 79 characters.
 */
void
ctl_help_list(struct ctl *ctl)
{
	static const char header[] = "default commands (type help <topic>):";
	const char *names[nitems(ctl_cmds)];
	size_t n = 0, nrows, ncols = 1, widths[nitems(ctl_cmds)];

	for (size_t i = 0; i < ctl_ncmds; i++) {
		if (ctl_cmds[i]->help != NULL && !ctl_cmds[i]->ours) {
			names[n++] = ctl_cmds[i]->name;
		}
	}
	ctl_out(ctl, "%s", "");
	ctl_out(ctl, "%s", header);
	for (size_t i = 0; i < sizeof(header) - 1; i++) {
		fputc('=', ctl->out);
	}
	fputc('\n', ctl->out);
	for (nrows = 1; nrows < n; nrows++) {
		long total = -2;

		ncols = (n + nrows - 1) / nrows;
		for (size_t col = 0; col < ncols; col++) {
			size_t w = 0;

			for (size_t row = 0; row < nrows; row++) {
				size_t k = row + nrows * col;

				if (k < n && strlen(names[k]) > w) {
					w = strlen(names[k]);
				}
			}
			widths[col] = w;
			total += (long)w + 2;
			if (total > 79) {
				break;
			}
		}
		if (total <= 79) {
			break;
		}
	}
	if (nrows >= n) {
		nrows = n;
		ncols = 1;
		widths[0] = 0;
	}
	for (size_t row = 0; row < nrows; row++) {
		size_t last = 0;

		for (size_t col = 0; col < ncols; col++) {
			if (row + nrows * col < n) {
				last = col + 1;
			}
		}
		for (size_t col = 0; col < last; col++) {
			if (col > 0) {
				fputs("  ", ctl->out);
			}
			ctl_print_padded(
			    ctl->out, names[row + nrows * col], widths[col]);
		}
		fputc('\n', ctl->out);
	}
	fputc('\n', ctl->out);
}
