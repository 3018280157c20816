/*
 * The commands about the server and the session: reload, shutdown,
 * version, open, help, quit, exit and EOF, as 4.2.5 words them. The
 * confirmation that reload and shutdown ask for is tied, as in 4.2.5, to
 * the interactive option (-i or no command), not to the terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "options.h"
#include "sockowner.h"

#define CTL_PY_CTL "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py"

/* ctl_ask is 4.2.5's raw_input confirmation; pyline is where an EOF
 * escapes it. */
static int
ctl_ask(struct ctl *ctl, const char *question, int pyline, bool *yes)
{
	*yes = true;
	if (!ctl->interactive) {
		return 0;
	}
	if (ctl_confirm(ctl, question, yes) != 0) {
		return ctl_raisef(ctl,
		    "error: <class 'EOFError'>, EOF when reading a line: file: "
		    "%s line: %d",
		    CTL_PY_CTL, pyline);
	}
	return 0;
}

/* reload */

static void
ctl_reload_help(struct ctl *ctl)
{
	ctl_out(ctl, "reload \t\tRestart the remote supervisord.");
}

static int
ctl_reload_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	bool yes;
	int code;

	if (argc > 0) {
		ctl_out(ctl, "Error: reload accepts no arguments");
		ctl_reload_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if ((code = ctl_ask(ctl,
	         "Really restart the remote supervisord process y/N? ", 1027,
	         &yes)) != 0 ||
	    !yes) {
		return code;
	}
	if (!ctl_call_or_report(ctl, "supervisor.restart", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_OK) {
		ctl_out(ctl, "Restarted supervisord");
	} else if (r.fault_code == CTL_F_SHUTDOWN_STATE) {
		ctl_out(ctl, "ERROR: already shutting down");
		code = CTL_EXIT_GENERIC;
	} else {
		code = ctl_raise_fault(ctl, &r);
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_reload = {
	.name = "reload",
	.exec = ctl_reload_exec,
	.help = ctl_reload_help,
};

/* shutdown */

static void
ctl_shutdown_help(struct ctl *ctl)
{
	ctl_out(ctl, "shutdown \tShut the remote supervisord down.");
}

static int
ctl_shutdown_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	bool yes;
	int code;

	if (argc > 0) {
		ctl_out(ctl, "Error: shutdown accepts no arguments");
		ctl_shutdown_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if ((code = ctl_ask(ctl,
	         "Really shut the remote supervisord process down y/N? ", 987,
	         &yes)) != 0 ||
	    !yes) {
		return code;
	}
	if ((code = ctl_call_any(ctl, "supervisor.shutdown", NULL, &r)) != 0) {
		return code;
	}
	switch (r.outcome) {
	case CTL_OK:
		ctl_out(ctl, "Shut down");
		break;
	case CTL_FAULT:
		/* 4.2.5 leaves the exit status alone here. */
		if (r.fault_code == CTL_F_SHUTDOWN_STATE) {
			ctl_out(ctl, "ERROR: already shutting down");
		} else {
			code = ctl_raise_fault(ctl, &r);
		}
		break;
	case CTL_NET_ERROR:
		if (r.err == -ECONNREFUSED || r.err == -ENOENT) {
			ctl_out(ctl, "ERROR: %s %s (already shut down?)",
			    ctl->opt.serverurl,
			    r.err == -ENOENT ? "no such file"
			                     : "refused connection");
			code = CTL_EXIT_GENERIC;
		} else {
			code = ctl_raise_result(ctl, &r);
		}
		break;
	case CTL_HTTP_ERROR:
		code = ctl_raise_result(ctl, &r);
		break;
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_shutdown = {
	.name = "shutdown",
	.exec = ctl_shutdown_exec,
	.help = ctl_shutdown_help,
};

/* reopen (ours) */

static void
ctl_reopen_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "reopen\t\t\tReopen the log files of the remote supervisord "
	    "and its\n\t\t\tprocesses (after logrotate moved them).");
}

/*
 * ctl_reopen_signal is reopen for a server without fleetvisor.reopenLogs
 * (4.2.5): SIGUSR2 to the pid getPID names, but only when the kernel shows
 * that process listening on our UNIX socket here (sockowner.h);
 * otherwise the user is told what to do.
 */
static int
ctl_reopen_signal(struct ctl *ctl)
{
	const char *url = ctl->opt.serverurl;
	struct ctl_result r;
	int code;
	int32_t pid = 0;

	if (!ctl_call_or_report(ctl, "supervisor.getPID", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		code = ctl_raise_fault(ctl, &r);
		ctl_result_fini(&r);
		return code;
	}
	(void)xr_int_get(r.value, &pid);
	ctl_result_fini(&r);
	if (strncmp(url, "unix://", 7) == 0 &&
	    ctl_sock_signal_owner(url + 7, (pid_t)pid, SIGUSR2) == 0) {
		ctl_out(ctl,
		    "Reopened log files (SIGUSR2 to supervisord, pid %d)",
		    (int)pid);
		return 0;
	}
	ctl_out(ctl,
	    "ERROR: this supervisord cannot reopen its logs over the API; "
	    "send SIGUSR2 to it (pid %d) on its host",
	    (int)pid);
	return CTL_EXIT_GENERIC;
}

static int
ctl_reopen_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code;

	(void)argv;
	if (argc > 0) {
		ctl_out(ctl, "Error: reopen accepts no arguments");
		ctl_reopen_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (!ctl_call_or_report(
	        ctl, "fleetvisor.reopenLogs", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_OK) {
		ctl_out(ctl, "Reopened log files");
	} else if (r.fault_code == CTL_F_UNKNOWN_METHOD) {
		code = ctl_reopen_signal(ctl);
	} else {
		code = ctl_raise_fault(ctl, &r);
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_reopen = {
	.name = "reopen",
	.exec = ctl_reopen_exec,
	.help = ctl_reopen_help,
	.ours = true,
};

/* version */

static void
ctl_version_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "version\t\t\tShow the version of the remote supervisord "
	    "process");
}

static int
ctl_version_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code;

	if (argc > 0) {
		ctl_out(ctl, "Error: version accepts no arguments");
		ctl_version_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (!ctl_call_or_report(
	        ctl, "supervisor.getSupervisorVersion", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		code = ctl_raise_fault(ctl, &r);
	} else {
		const char *v = xr_string_get(r.value, NULL);

		ctl_out(ctl, "%s", v != NULL ? v : "");
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_version = {
	.name = "version",
	.exec = ctl_version_exec,
	.help = ctl_version_help,
};

/* open */

static void
ctl_open_help(struct ctl *ctl)
{
	ctl_out(ctl, "open <url>\tConnect to a remote supervisord process.");
	ctl_out(ctl, "\t\t(for UNIX domain socket, use unix:///socket/path)");
}

static int
ctl_open_exec(struct ctl *ctl, int argc, char **argv)
{
	char scheme[16];
	int code;

	ctl_url_scheme(ctl->arg, scheme, sizeof(scheme));
	if (strcmp(scheme, "unix") != 0 && strcmp(scheme, "http") != 0) {
		ctl_out(ctl, "ERROR: url must be http:// or unix://");
		return CTL_EXIT_GENERIC;
	}
	ctl_set_server(ctl, ctl->arg);
	/* 4.2.5 shows the status but keeps the exit status it had. */
	code = ctl_cmd_status.exec(ctl, 0, NULL);
	return code == CTL_RAISED ? code : 0;
}

const struct ctl_cmd ctl_cmd_open = {
	.name = "open",
	.exec = ctl_open_exec,
	.help = ctl_open_help,
	.multi = CTL_MULTI_LOCAL,
};

/* help */

static int
ctl_help_exec(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *c;

	if (strcmp(ctl->arg, "help") == 0) {
		ctl_out(ctl, "help\t\tPrint a list of available actions");
		ctl_out(ctl, "help <action>\tPrint help for <action>");
		return 0;
	}
	if (ctl->arg[0] == '\0') {
		ctl_help_list(ctl);
		return 0;
	}
	if ((c = ctl_cmd_find(ctl->arg)) != NULL && c->help != NULL) {
		c->help(ctl);
	} else {
		ctl_out(ctl, "*** No help on %s", ctl->arg);
	}
	return 0;
}

const struct ctl_cmd ctl_cmd_help = {
	.name = "help",
	.exec = ctl_help_exec,
	.multi = CTL_MULTI_LOCAL,
};

/* quit, exit and EOF end the shell after an empty line. */

static int
ctl_quit_exec(struct ctl *ctl, int argc, char **argv)
{
	ctl_out(ctl, "%s", "");
	ctl->stop = true;
	return 0;
}

static void
ctl_quit_help(struct ctl *ctl)
{
	ctl_out(ctl, "quit\tExit the supervisor shell.");
}

static void
ctl_exit_help(struct ctl *ctl)
{
	ctl_out(ctl, "exit\tExit the supervisor shell.");
}

const struct ctl_cmd ctl_cmd_quit = {
	.name = "quit",
	.exec = ctl_quit_exec,
	.help = ctl_quit_help,
	.multi = CTL_MULTI_LOCAL,
};

const struct ctl_cmd ctl_cmd_exit = {
	.name = "exit",
	.exec = ctl_quit_exec,
	.help = ctl_exit_help,
	.multi = CTL_MULTI_LOCAL,
};

/* 4.2.5's "help EOF" finds no help: EOF has none here either. */
const struct ctl_cmd ctl_cmd_eof = {
	.name = "EOF",
	.exec = ctl_quit_exec,
	.multi = CTL_MULTI_LOCAL,
};
