#ifndef FV_CTL_CTL_H
#define FV_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <uv.h>

#include "common/str.h"
#include "ctl_client.h"

/*
 * fleetvisorctl: supervisorctl 4.2.5's commands, options, output and exit
 * codes. One struct ctl per run: the options and [supervisorctl] settings,
 * the server(s), the output streams; commands are rows of a table
 * (ctl_cmds), each in a cmd_<area>.c file, matched by exact name as
 * 4.2.5's cmd.Cmd does.
 */

/* 4.2.5's LSBInitExitStatuses. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_GENERIC = 1,
	CTL_EXIT_INVALID_ARGS = 2,
	CTL_EXIT_UNIMPLEMENTED = 3,
	CTL_EXIT_NO_PERMISSION = 4,
	CTL_EXIT_NOT_INSTALLED = 5,
	CTL_EXIT_NOT_RUNNING = 7,
};

/* The options and [supervisorctl] settings, as 4.2.5's ClientOptions. */
struct ctl_options {
	char *configfile; /* the file read, or NULL */
	char *serverurl; /* the first of serverurls */
	struct fv_strv serverurls; /* each -s, else serverurl= (one URL, or
	                            * several separated by spaces or commas),
	                            * else http://localhost:9001 */
	char *username, *password; /* -u/-p, else the file's */
	char *prompt; /* prompt=, default "supervisor" */
	char *history_file; /* -r, else history_file=, else NULL */
	bool interactive; /* -i, or no command given */
	bool json; /* --json: status, avail and pid print JSON */
	/* Ours, for a controller URL (tcp://, tls+tcp://, ipc://). */
	unsigned timeout_ms; /* -t/--timeout, else timeout=; 0: default */
	char *labels; /* -l/--labels "k=v,k=v": select hosts by label */
	char *tls_ca, *tls_cert, *tls_key; /* --tls-*, else tls_*= */
	int tls_verify; /* 0: verify when tls_ca is set; 1 yes; -1 no */
	char **args; /* the command words after the options */
	size_t nargs;
};

struct ctl {
	uv_loop_t loop;
	struct ctl_options opt;
	struct ctl_server *server; /* the one server of this session; NULL
	                            * when the URL is unusable (server_error) */
	FILE *out, *err; /* stdout and stderr; tests redirect them */
	bool interactive; /* in the shell (confirmations, prompts) */
	int exit_status; /* the LSB code the run ends with */
	bool upchecked; /* getVersion checked for this server */
	char *server_error; /* owned: why opt.serverurl has no server */
	const char *arg; /* borrowed: the running command's argument text,
	                  * stripped, as 4.2.5's do_NAME(arg) gets it */
	bool stop; /* quit, exit or EOF ran: the shell ends */
	char *raised; /* owned: the "error: ..." line of an escaped error */
	int raised_http; /* its HTTP status (401: credentials), else 0 */
	struct ctl_multi *multi; /* several servers: commands fan out to
	                          * them (multi.c); NULL with one */
	bool fleet_mode; /* the URL is a controller's (fleet_run.c) */
	struct ctl_fleet *fleet; /* its link; NULL when it could not be
	                          * opened (server_error says why) */
	struct ctl_report *report; /* when set, status, avail and pid add
	                            * records here instead of printing
	                            * (report.h) */
	/* Test seam: when set, every call goes here instead of the server. */
	void (*call)(struct ctl *ctl, const char *method,
	    struct xr_value *params, struct ctl_result *out);
};

/*
 * CTL_RAISED is what exec (and ctl_upcheck, ctl_call_or_report) return
 * where 4.2.5 lets an exception escape the command: ctl->raised holds
 * the line 4.2.5's onecmd prints for it ("error: <class ...>, ...: file:
 * ... line: N"), and ctl_onecmd prints it (or, for a 401, says "Server
 * requires authentication" first) and ends the command with code 1.
 */
#define CTL_RAISED (-1)

/*
 * ctl_init fills ctl from opt (taken) with out and err as its streams:
 * the loop, and the server of opt.serverurl (a URL 4.2.5 would refuse at
 * its first call leaves server NULL and server_error set, so that each
 * command fails as 4.2.5's does). Returns 0 or a negative libuv error.
 */
int ctl_init(struct ctl *ctl, struct ctl_options *opt, FILE *out, FILE *err);
/* ctl_fini releases everything ctl_init and the commands left in ctl. */
void ctl_fini(struct ctl *ctl);
/* ctl_set_server points ctl at url ("open"), with the current user and
 * password. */
void ctl_set_server(struct ctl *ctl, const char *url);

/*
 * ctl_raise_fault records an XML-RPC fault that the command does not
 * handle (4.2.5 re-raises it) and returns CTL_RAISED. r is borrowed.
 */
int ctl_raise_fault(struct ctl *ctl, const struct ctl_result *r);
/* ctl_raise_result records a failed outcome (fault, HTTP or network
 * error) of r as 4.2.5's escaping exception; 0 for CTL_OK. */
int ctl_raise_result(struct ctl *ctl, const struct ctl_result *r);
/* ctl_raisef records an escaped error whose line is already known. */
int ctl_raisef(struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One command. exec gets the words after the command name (argv[0] is the
 * first argument), writes its output, and returns an LSB code. */
enum ctl_complete {
	CTL_COMPLETE_NONE,
	CTL_COMPLETE_PROCESSES, /* process names and group:* */
	CTL_COMPLETE_GROUPS, /* group names */
};

/* What a command does when there are several servers (multi.c). */
enum ctl_multi_kind {
	CTL_MULTI_FANOUT, /* runs on each addressed server at once */
	CTL_MULTI_LOCAL, /* about the session itself: runs once, here */
	CTL_MULTI_ONE, /* attaches to one server (fg) */
	CTL_MULTI_FOLLOW, /* one server with -f, else fans out */
};

struct ctl_cmd {
	const char *name;
	int (*exec)(struct ctl *ctl, int argc, char **argv);
	void (*help)(struct ctl *ctl); /* "help NAME": 4.2.5's text */
	enum ctl_complete complete;
	enum ctl_multi_kind multi;
	bool json; /* adds records to ctl->report when it is set */
	bool ours; /* not a 4.2.5 command: "help" and Tab leave it out, so
	            * that they show exactly 4.2.5's; "help NAME" works */
};

/* ctl_cmds: every command, sorted by name; ctl_ncmds of them. */
extern const struct ctl_cmd *const ctl_cmds[];
extern const size_t ctl_ncmds;
/* ctl_cmd_find returns the command called name, or NULL. */
const struct ctl_cmd *ctl_cmd_find(const char *name);

/*
 * ctl_onecmd runs one line: commands separated by ';' in turn (4.2.5
 * reads the whole line as one command), each as 4.2.5's onecmd (Python's
 * cmd.Cmd) does: the leading identifier is the command, the rest its
 * argument; "?" is "help"; 4.2.5's "*** Unknown syntax: ..." for anything
 * else. Returns the LSB code of the last command; every code that is not
 * OK also goes to ctl->exit_status, so a run ends with the last failure.
 */
int ctl_onecmd(struct ctl *ctl, const char *line);

/*
 * ctl_upcheck is 4.2.5's upcheck(): supervisor.getVersion must answer
 * "3.0"; otherwise it prints 4.2.5's message (refused connection, no such
 * socket, "enable [rpcinterface:supervisor]", version mismatch) and
 * returns the LSB code; 0 when the server is usable. What 4.2.5 does not
 * catch there (a 401, another fault or socket error) is CTL_RAISED.
 */
int ctl_upcheck(struct ctl *ctl);

/* ctl_call_or_report runs one call (params taken). Returns true for
 * CTL_OK or CTL_FAULT: the caller reads r and finis it. A network or
 * HTTP error escapes as 4.2.5's exception does: it returns false with r
 * already fini'd and *code = CTL_RAISED, which the command returns. */
bool ctl_call_or_report(struct ctl *ctl, const char *method,
    struct xr_value *params, struct ctl_result *r, int *code);

/* ctl_call_any runs one call (params taken) and leaves every outcome in
 * r for the caller, who finis it; CTL_RAISED (r zeroed) when the URL is
 * one 4.2.5 cannot call. */
int ctl_call_any(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r);

/* ctl_proxy_check is 4.2.5's get_supervisor() before any call: 0, or
 * CTL_RAISED when the URL is one its transport refuses. */
int ctl_proxy_check(struct ctl *ctl);

/* The shell (shell.c): the interactive loop with libedit; returns the
 * exit status. */
int ctl_shell(struct ctl *ctl);

#endif
