/*
 * The interactive shell: 4.2.5's Controller.cmdloop on libedit's native
 * API. It owns the line editor, the history file and the completion cache
 * (getAllProcessInfo, kept from one Tab to the next until a command runs,
 * as 4.2.5 keeps it). It reads lines and hands them to ctl_onecmd; it
 * never interprets a command itself, and it never leaves a signal
 * disposition changed once a line has been read.
 *
 * What 4.2.5 does and we do: "status" runs before the first prompt; an
 * empty line does nothing; Ctrl-D or Ctrl-C at the prompt prints a newline
 * and leaves; the exit status is always 0. The history file is plain
 * lines, as GNU readline writes it (libedit's own format would not read
 * the files supervisorctl users already have). Without a terminal on
 * stdin and stdout 4.2.5 prints the prompt and reads plain lines, and so
 * do we.
 */
#include "shell.h"

#include <sys/ioctl.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "fleet_run.h"
#include "multi.h"

/* GNU readline's word breaks as Python sets them, less ':', '*' and '-'
 * (4.2.5 removes those so that "group:*" and "a-b" are one word). */
/* A line typed at the prompt; 4.2.5 has no limit, we stop somewhere. */
#define CTL_SHELL_MAX_LINE (1u << 20)

static const char ctl_shell_delims[] = " \t\n`~!@#$%^&()=+[{]}\\|;'\",<>/?";

struct ctl_shell {
	struct ctl *ctl; /* borrowed */
	EditLine *el; /* NULL without a terminal */
	History *hist;
	char *prompt; /* owned: "<prompt>> " */
	char *last; /* owned: the newest history line, or NULL */
	struct xr_value *info; /* owned: cached getAllProcessInfo */
	bool info_tried; /* asked since the last command */
	/* What the line looked like after the last Tab, to tell a second
	 * Tab in a row (which lists the matches) from a first one. */
	char *tab_line;
	int tab_cursor;
	bool tab_changed; /* that Tab changed the line */
	sigset_t waitmask; /* the signal mask while waiting for a key */
	mbstate_t mbs; /* a character being decoded */
};

static const struct xr_value *
ctl_shell_complete_info(void *arg)
{
	struct ctl_shell *sh = arg;
	struct ctl *ctl = sh->ctl;
	struct ctl_result r = { 0 };

	if (sh->info != NULL || sh->info_tried) {
		return sh->info;
	}
	sh->info_tried = true;
	if (ctl->multi != NULL) {
		/* Names from every server; completion drops repeats. */
		sh->info = ctl_multi_all_infos(ctl);
		return sh->info;
	}
	if (ctl->fleet_mode) {
		/* Every host's, through the controller. */
		sh->info = ctl_fleet_all_infos(ctl);
		return sh->info;
	}
	if (ctl->call != NULL) {
		ctl->call(ctl, "supervisor.getAllProcessInfo", NULL, &r);
	} else if (ctl->server != NULL) {
		ctl_call_sync(
		    ctl->server, "supervisor.getAllProcessInfo", NULL, &r);
	} else {
		return NULL;
	}
	/* 4.2.5's completer swallows any error: no matches, and a later
	 * Tab asks again. */
	if (r.outcome == CTL_OK && xr_value_type(r.value) == XR_ARRAY) {
		sh->info = r.value;
		r.value = NULL;
	} else {
		sh->info_tried = false;
	}
	ctl_result_fini(&r);
	return sh->info;
}

static void
ctl_complete_push(struct fv_strv *out, const char *word, const char *text)
{
	if (fv_str_startswith(word, text)) {
		fv_strv_push_take(out, fv_xasprintf("%s ", word));
	}
}

static void
ctl_complete_actions(const char *text, struct fv_strv *out)
{
	/* 4.2.5's vocabulary is "help" and then every command of its
	 * plugin in name order, which repeats "help"; EOF is not in it. */
	ctl_complete_push(out, "help", text);
	for (size_t i = 0; i < ctl_ncmds; i++) {
		if (strcmp(ctl_cmds[i]->name, "EOF") != 0 &&
		    !ctl_cmds[i]->ours) {
			ctl_complete_push(out, ctl_cmds[i]->name, text);
		}
	}
}

static const char *
ctl_complete_field(const struct xr_value *info, const char *key)
{
	const char *s = xr_string_get(xr_struct_get(info, key), NULL);

	return s != NULL ? s : "";
}

static bool
ctl_complete_seen(const struct fv_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

static void
ctl_complete_groups(
    const struct xr_value *infos, const char *text, struct fv_strv *out)
{
	struct fv_strv groups = { 0 };

	for (size_t i = 0; i < xr_array_len(infos); i++) {
		const char *g =
		    ctl_complete_field(xr_array_at(infos, i), "group");

		if (!ctl_complete_seen(&groups, g)) {
			fv_strv_push(&groups, g);
		}
	}
	for (size_t i = 0; i < groups.n; i++) {
		ctl_complete_push(out, groups.v[i], text);
	}
	fv_strv_free(&groups);
}

static void
ctl_complete_processes(
    const struct xr_value *infos, const char *text, struct fv_strv *out)
{
	struct fv_strv names = { 0 };

	for (size_t i = 0; i < xr_array_len(infos); i++) {
		const struct xr_value *info = xr_array_at(infos, i);
		const char *g = ctl_complete_field(info, "group");
		const char *n = ctl_complete_field(info, "name");
		char *all;

		/* A process alone in its own group goes by its bare name
		 * until the word being completed has a ':'. */
		if (strchr(text, ':') == NULL && strcmp(n, g) == 0) {
			fv_strv_push(&names, n);
			continue;
		}
		fv_strv_push_take(&names, fv_xasprintf("%s:%s", g, n));
		all = fv_xasprintf("%s:*", g);
		if (!ctl_complete_seen(&names, all)) {
			fv_strv_push_take(&names, all);
		} else {
			free(all);
		}
	}
	for (size_t i = 0; i < names.n; i++) {
		ctl_complete_push(out, names.v[i], text);
	}
	fv_strv_free(&names);
}

void
ctl_complete_words(const char *line, const char *text,
    ctl_complete_info_fn *info, void *arg, struct fv_strv *out)
{
	const struct ctl_cmd *cmd;
	const char *p = line, *q;
	char *action;
	size_t nwords = 0, len = strlen(line);

	while (*p != '\0' && isspace((unsigned char)*p)) {
		p++;
	}
	if (*p == '\0') {
		ctl_complete_actions(text, out);
		return;
	}
	for (q = p; *q != '\0' && !isspace((unsigned char)*q); q++) {
		continue;
	}
	action = fv_xstrndup(p, (size_t)(q - p));
	for (const char *s = p; *s != '\0';) {
		while (*s != '\0' && isspace((unsigned char)*s)) {
			s++;
		}
		if (*s == '\0') {
			break;
		}
		nwords++;
		while (*s != '\0' && !isspace((unsigned char)*s)) {
			s++;
		}
	}
	cmd = ctl_cmd_find(action);
	if (nwords == 1 && line[len - 1] != ' ') {
		ctl_complete_actions(text, out);
	} else if (strstr("help", action) != NULL) {
		/* 4.2.5 tests `action in ('help')`, a substring test on the
		 * string "help", so "h", "el" or "p" complete commands too. */
		ctl_complete_actions(text, out);
	} else if (cmd != NULL && cmd->complete == CTL_COMPLETE_GROUPS) {
		ctl_complete_groups(info(arg), text, out);
	} else if (cmd != NULL && cmd->complete == CTL_COMPLETE_PROCESSES) {
		ctl_complete_processes(info(arg), text, out);
	}
	free(action);
}

/*
 * ctl_shell_complete_hosts offers "HOST/" (no space: a name follows) for a
 * process-name word that has no host yet, with several servers. word
 * points at the start of the word in the line buffer, text is the word
 * up to the cursor ('/' ends a word for completion, so a word with a host
 * is seen as the name after it).
 */
static void
ctl_shell_complete_hosts(struct ctl *ctl, const char *line, const char *word,
    const char *text, struct fv_strv *out)
{
	const char *const *names, *const *urls;
	const struct ctl_cmd *cmd;
	size_t n, len = strcspn(line + strspn(line, " \t"), " \t");
	struct fv_strv registry = { 0 };
	char *action;

	if ((ctl->multi == NULL && ctl->fleet == NULL) ||
	    (word > line && word[-1] == '/') || strchr(line, ' ') == NULL) {
		return;
	}
	action = fv_xstrndup(line + strspn(line, " \t"), len);
	cmd = ctl_cmd_find(action);
	free(action);
	if (cmd == NULL || cmd->complete != CTL_COMPLETE_PROCESSES) {
		return;
	}
	if (ctl->fleet != NULL) {
		/* The registry's nodes; none when it does not answer. */
		struct fv_diag d = { { 0 } };

		(void)ctl_fleet_registry(ctl, &registry, NULL, &d);
		names = (const char *const *)registry.v;
		n = registry.n;
	} else {
		n = ctl_multi_servers(ctl, &names, &urls);
	}
	for (size_t i = 0; i < n; i++) {
		if (fv_str_startswith(names[i], text)) {
			fv_strv_push_take(out, fv_xasprintf("%s/", names[i]));
		}
	}
	fv_strv_free(&registry);
}

static int
ctl_shell_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ctl_shell_list prints matches in columns, down then across, as GNU
 * readline's display_match_list does. */
static void
ctl_shell_list(struct ctl_shell *sh, char **m, size_t n)
{
	FILE *out = sh->ctl->out;
	struct winsize ws;
	size_t max = 0, cols = 80, per_row, rows;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		cols = ws.ws_col;
	}
	for (size_t i = 0; i < n; i++) {
		if (strlen(m[i]) > max) {
			max = strlen(m[i]);
		}
	}
	max += 2;
	per_row = cols / max;
	if (per_row != 1 && per_row * max == cols) {
		per_row--;
	}
	if (per_row == 0) {
		per_row = 1;
	}
	rows = (n + per_row - 1) / per_row;
	fputs("\n", out);
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < per_row; c++) {
			size_t i = r + c * rows;

			if (i >= n) {
				break;
			}
			fputs(m[i], out);
			if (c + 1 < per_row) {
				fprintf(
				    out, "%*s", (int)(max - strlen(m[i])), "");
			}
		}
		fputs("\n", out);
	}
	fflush(out);
}

static void
ctl_shell_replace(EditLine *el, size_t textlen, const char *with)
{
	el_deletestr(el, (int)textlen);
	el_insertstr(el, with);
}

/* ctl_shell_on_tab is bound to Tab: GNU readline's complete as 4.2.5 uses
 * it (a sole match replaces the word, several extend it to their common
 * prefix, a second Tab that changed nothing lists them). */
static unsigned char
ctl_shell_on_tab(EditLine *el, int ch)
{
	struct ctl_shell *sh;
	const LineInfo *li = el_line(el);
	const char *start = li->cursor;
	struct fv_strv m = { 0 };
	char *line, *text;
	size_t k = 0, lcp;
	unsigned char rv = CC_REFRESH_BEEP;
	bool again;

	(void)ch;
	if (el_get(el, EL_CLIENTDATA, &sh) != 0 || sh == NULL) {
		return CC_ERROR;
	}
	while (
	    start > li->buffer && strchr(ctl_shell_delims, start[-1]) == NULL) {
		start--;
	}
	line = fv_xstrndup(li->buffer, (size_t)(li->lastchar - li->buffer));
	text = fv_xstrndup(start, (size_t)(li->cursor - start));
	/* readline lists on a Tab that follows a Tab which changed
	 * nothing. */
	again = sh->tab_line != NULL && !sh->tab_changed &&
	    strcmp(sh->tab_line, line) == 0 &&
	    sh->tab_cursor == (int)(li->cursor - li->buffer);
	ctl_complete_words(line, text, ctl_shell_complete_info, sh, &m);
	/* word must point into line, the copy, not into libedit's buffer. */
	ctl_shell_complete_hosts(
	    sh->ctl, line, line + (start - li->buffer), text, &m);
	/* readline sorts the matches and drops duplicates. */
	if (m.n > 1) {
		qsort(m.v, m.n, sizeof(*m.v), ctl_shell_strcmp);
		for (size_t i = 0; i < m.n; i++) {
			if (k > 0 && strcmp(m.v[k - 1], m.v[i]) == 0) {
				free(m.v[i]);
				continue;
			}
			m.v[k++] = m.v[i];
		}
		m.n = k;
	}
	sh->tab_changed = false;
	if (m.n == 1) {
		ctl_shell_replace(el, strlen(text), m.v[0]);
		sh->tab_changed = true;
		rv = CC_REFRESH;
	} else if (m.n > 1) {
		for (lcp = 0;
		     m.v[0][lcp] != '\0' && m.v[0][lcp] == m.v[m.n - 1][lcp];
		     lcp++) {
			continue;
		}
		if (lcp > strlen(text)) {
			char *pre = fv_xstrndup(m.v[0], lcp);

			ctl_shell_replace(el, strlen(text), pre);
			sh->tab_changed = true;
			free(pre);
		} else if (again) {
			ctl_shell_list(sh, m.v, m.n);
			rv = CC_REDISPLAY;
		}
	}
	free(sh->tab_line);
	li = el_line(el);
	sh->tab_line =
	    fv_xstrndup(li->buffer, (size_t)(li->lastchar - li->buffer));
	sh->tab_cursor = (int)(li->cursor - li->buffer);
	fv_strv_free(&m);
	free(line);
	free(text);
	return rv;
}

/* ctl_shell_on_eof is bound to Ctrl-D: the end of input on an empty line
 * (readline, unlike libedit, echoes nothing for it), else the character
 * under the cursor goes. */
static unsigned char
ctl_shell_on_eof(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);

	(void)ch;
	if (li->buffer == li->lastchar) {
		return CC_EOF;
	}
	if (li->cursor == li->lastchar) {
		return CC_ERROR;
	}
	el_cursor(el, 1);
	el_deletestr(el, 1);
	return CC_REFRESH;
}

static char *
ctl_shell_prompt(EditLine *el)
{
	struct ctl_shell *sh = NULL;

	/* EL_CLIENTDATA is set before EL_PROMPT, so sh is never NULL. */
	el_get(el, EL_CLIENTDATA, &sh);
	return sh->prompt;
}

/* ctl_shell_remember adds line to the history as Python's readline
 * module does: not when empty, not twice in a row. */
static void
ctl_shell_remember(struct ctl_shell *sh, const char *line)
{
	HistEvent ev;

	if (sh->hist == NULL || line[0] == '\0' ||
	    (sh->last != NULL && strcmp(sh->last, line) == 0)) {
		return;
	}
	history(sh->hist, &ev, H_ENTER, line);
	free(sh->last);
	sh->last = fv_xstrdup(line);
}

static void
ctl_shell_history_load(struct ctl_shell *sh, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* 4.2.5 ignores a history file it cannot read. */
	if ((f = fopen(path, "r")) == NULL) {
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n') {
			line[n - 1] = '\0';
		}
		/* readline loads every line, repeats included. */
		HistEvent ev;

		history(sh->hist, &ev, H_ENTER, line);
		free(sh->last);
		sh->last = fv_xstrdup(line);
	}
	free(line);
	fclose(f);
}

static void
ctl_shell_history_save(struct ctl_shell *sh, const char *path)
{
	HistEvent ev;
	FILE *f;
	int fd;

	if (sh->hist == NULL) {
		return;
	}
	/* As readline's write_history: the whole list, mode 0600, and any
	 * error is ignored as 4.2.5 ignores it. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0) {
		return;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	if (history(sh->hist, &ev, H_LAST) == 0) {
		do {
			fprintf(f, "%s\n", ev.str);
		} while (history(sh->hist, &ev, H_PREV) == 0);
	}
	fclose(f);
}

static void
ctl_shell_on_sigint(int signo)
{
	/* Nothing to do: the ppoll it interrupts returns EINTR, which is
	 * all the shell needs to know. */
	(void)signo;
}

/*
 * ctl_shell_getbyte reads one byte of stdin: 1, 0 at its end, -1 on
 * Ctrl-C (or an error). SIGINT stays blocked except inside ppoll, so a
 * Ctrl-C that comes while a key is being handled is not lost: it ends
 * the next wait at once.
 */
static int
ctl_shell_getbyte(struct ctl_shell *sh, unsigned char *c)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if (ppoll(&pfd, 1, NULL, &sh->waitmask) < 0) {
			if (errno == EINTR) {
				return -1;
			}
			continue;
		}
		if ((n = read(STDIN_FILENO, c, 1)) == 1) {
			return 1;
		}
		if (n == 0) {
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR) {
			return -1;
		}
	}
}

/* ctl_shell_getc is libedit's character reader (EL_GETCFN): bytes from
 * ctl_shell_getbyte, decoded in the current locale. */
static int
ctl_shell_getc(EditLine *el, wchar_t *wc)
{
	struct ctl_shell *sh = NULL;
	unsigned char c;
	size_t k;
	int rv;

	el_get(el, EL_CLIENTDATA, &sh);
	for (;;) {
		if ((rv = ctl_shell_getbyte(sh, &c)) != 1) {
			memset(&sh->mbs, 0, sizeof(sh->mbs));
			return rv;
		}
		k = mbrtowc(wc, (const char *)&c, 1, &sh->mbs);
		if (k == (size_t)-2) {
			continue;
		}
		if (k == (size_t)-1) {
			/* Not text in this locale: pass the byte on. */
			memset(&sh->mbs, 0, sizeof(sh->mbs));
			*wc = (wchar_t)c;
		}
		return 1;
	}
}

/* ctl_shell_getline reads a plain line (no terminal): NULL at the end of
 * input, or on Ctrl-C. */
static char *
ctl_shell_getline(struct ctl_shell *sh)
{
	struct fv_buf b;
	unsigned char c;
	int rv;

	fv_buf_init(&b, CTL_SHELL_MAX_LINE);
	while ((rv = ctl_shell_getbyte(sh, &c)) == 1 && c != '\n') {
		if (fv_buf_putc(&b, (char)c) != 0) {
			break;
		}
	}
	/* Python's input() returns an unfinished last line. */
	if (rv < 0 || (rv == 0 && b.len == 0)) {
		fv_buf_fini(&b);
		return NULL;
	}
	if (b.len == 0) {
		fv_buf_fini(&b);
		return fv_xstrdup("");
	}
	return fv_buf_take(&b);
}

/*
 * ctl_shell_read returns the next line (owned; no newline), or NULL at
 * the end of input or on Ctrl-C, which 4.2.5 treats alike here. SIGINT
 * is caught only while the line is read, so that a command meets the
 * disposition it would meet outside the shell.
 */
static char *
ctl_shell_read(struct ctl_shell *sh)
{
	struct sigaction sa, old;
	sigset_t block, oldmask;
	char *rv = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_shell_on_sigint;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	sh->waitmask = oldmask;
	sigdelset(&sh->waitmask, SIGINT);
	sigaction(SIGINT, &sa, &old);
	if (sh->el != NULL) {
		const char *s;
		int count = 0;

		/* Raw mode before the prompt shows, as readline does: a key
		 * sent on seeing the prompt must not meet a cooked tty. */
		el_set(sh->el, EL_PREP_TERM, 1);
		if ((s = el_gets(sh->el, &count)) != NULL && count > 0) {
			rv = fv_xstrndup(s, (size_t)count);
			if (rv[count - 1] == '\n') {
				rv[count - 1] = '\0';
			}
		}
	} else {
		fputs(sh->prompt, sh->ctl->out);
		fflush(sh->ctl->out);
		rv = ctl_shell_getline(sh);
	}
	/* A Ctrl-C pending now meets our handler, then the old one is
	 * back. */
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGINT, &old, NULL);
	return rv;
}

static void
ctl_shell_editor_open(struct ctl_shell *sh)
{
	HistEvent ev;

	sh->hist = history_init();
	history(sh->hist, &ev, H_SETSIZE, INT_MAX);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		return;
	}
	sh->el = el_init("supervisorctl", stdin, sh->ctl->out, stderr);
	el_set(sh->el, EL_CLIENTDATA, sh);
	el_set(sh->el, EL_EDITOR, "emacs");
	/* Our own SIGINT handling decides what Ctrl-C does. */
	el_set(sh->el, EL_SIGNAL, 0);
	el_set(sh->el, EL_GETCFN, ctl_shell_getc);
	el_set(sh->el, EL_PROMPT, ctl_shell_prompt);
	el_set(sh->el, EL_HIST, history, sh->hist);
	/* el_set would copy the names with wcsdup and libedit never frees
	 * those copies (LeakSanitizer fails every exit); el_wset keeps these
	 * static strings as they are. */
	el_wset(sh->el, EL_ADDFN, L"ctl-complete", L"4.2.5 completion",
	    ctl_shell_on_tab);
	el_set(sh->el, EL_BIND, "^I", "ctl-complete", NULL);
	el_wset(sh->el, EL_ADDFN, L"ctl-eof", L"end of input or delete",
	    ctl_shell_on_eof);
	el_set(sh->el, EL_BIND, "^D", "ctl-eof", NULL);
	el_source(sh->el, NULL);
}

static void
ctl_shell_fini(struct ctl_shell *sh)
{
	if (sh->el != NULL) {
		el_end(sh->el);
	}
	if (sh->hist != NULL) {
		history_end(sh->hist);
	}
	xr_value_free(sh->info);
	free(sh->prompt);
	free(sh->last);
	free(sh->tab_line);
}

/* ctl_shell_run hands one line to the command layer; a line that runs a
 * command forgets the completion cache, as 4.2.5's onecmd does. */
static void
ctl_shell_run(struct ctl_shell *sh, const char *line)
{
	const char *p = line;

	while (*p != '\0' && isspace((unsigned char)*p)) {
		p++;
	}
	if (*p == '\0') {
		return;
	}
	xr_value_free(sh->info);
	sh->info = NULL;
	sh->info_tried = false;
	ctl_onecmd(sh->ctl, line);
	fflush(sh->ctl->out);
	fflush(sh->ctl->err);
}

int
ctl_shell(struct ctl *ctl)
{
	struct ctl_shell sh = { .ctl = ctl };
	const char *hf = ctl->opt.history_file;
	char *line;

	sh.prompt = fv_xasprintf(
	    "%s> ", ctl->opt.prompt != NULL ? ctl->opt.prompt : "supervisor");
	ctl->interactive = true;
	/* Unbuffered, so that no line meant for a later reader (a
	 * confirmation) sits in stdin's buffer unseen; the shell itself
	 * reads stdin byte by byte for the same reason. */
	setvbuf(stdin, NULL, _IONBF, 0);
	ctl_shell_editor_open(&sh);
	if (hf != NULL && hf[0] != '\0') {
		ctl_shell_history_load(&sh, hf);
	}
	ctl_shell_run(&sh, "status");
	while (!ctl->stop) {
		if ((line = ctl_shell_read(&sh)) == NULL) {
			/* 4.2.5 prints an empty line for both EOF and
			 * KeyboardInterrupt, then leaves. */
			fputs("\n", ctl->out);
			break;
		}
		if (sh.el != NULL) {
			ctl_shell_remember(&sh, line);
		}
		ctl_shell_run(&sh, line);
		free(line);
		/* Saved after every line as well as at the end, so that a
		 * command killed by a signal loses no history. */
		if (hf != NULL && hf[0] != '\0') {
			ctl_shell_history_save(&sh, hf);
		}
	}
	if (hf != NULL && hf[0] != '\0') {
		ctl_shell_history_save(&sh, hf);
	}
	fflush(ctl->out);
	ctl_shell_fini(&sh);
	/* 4.2.5 always exits 0 from the shell. */
	return CTL_EXIT_OK;
}
