/*
 * The process commands: status, start, stop, restart, signal, pid and
 * clear, with 4.2.5's calls, messages and LSB codes, including the order
 * in which 4.2.5 assigns codes (the last assignment wins, so "status"
 * with an unknown name and a stopped process ends with 3, not 4). The
 * formatting of a server's answers is kept in pure functions for the
 * unit tests and for printing several servers later.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "report.h"

/* supervisorctl.py lines where the result formatters raise ValueError. */
#define CTL_PYLINE_STARTRESULT  761
#define CTL_PYLINE_SIGNALRESULT 835
#define CTL_PYLINE_CLEARRESULT  1260

void
ctl_print_statuses(FILE *out, const struct xr_value *const *infos, size_t n)
{
	size_t maxlen = 30;
	char **specs = fv_xcalloc(n + 1, sizeof(*specs));

	for (size_t i = 0; i < n; i++) {
		size_t chars = 0;

		specs[i] = ctl_namespec(
		    ctl_str(infos[i], "group"), ctl_str(infos[i], "name"));
		for (const char *p = specs[i]; *p != '\0'; p++) {
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		}
		if (chars > maxlen) {
			maxlen = chars;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ctl_print_padded(out, specs[i], maxlen + 3);
		ctl_print_padded(out, ctl_str(infos[i], "statename"), 10);
		fputs(ctl_str(infos[i], "description"), out);
		fputc('\n', out);
		free(specs[i]);
	}
	free(specs);
}

char *
ctl_fmt_startresult(const char *name, int code)
{
	const char *why;

	switch (code) {
	case CTL_F_SUCCESS:
		return fv_xasprintf("%s: started", name);
	case CTL_F_BAD_NAME:
		why = "no such process";
		break;
	case CTL_F_NO_FILE:
		why = "no such file";
		break;
	case CTL_F_NOT_EXECUTABLE:
		why = "file is not executable";
		break;
	case CTL_F_ALREADY_STARTED:
		why = "already started";
		break;
	case CTL_F_SPAWN_ERROR:
		why = "spawn error";
		break;
	case CTL_F_ABNORMAL_TERMINATION:
		why = "abnormal termination";
		break;
	default:
		return NULL;
	}
	return fv_xasprintf("%s: ERROR (%s)", name, why);
}

char *
ctl_fmt_signalresult(
    const char *name, int code, const char *description, const char *success)
{
	const char *why;

	switch (code) {
	case CTL_F_SUCCESS:
		return fv_xasprintf("%s: %s", name, success);
	case CTL_F_FAILED:
		/* 4.2.5 prints the fault string alone. */
		return fv_xstrdup(description);
	case CTL_F_BAD_NAME:
		why = "no such process";
		break;
	case CTL_F_BAD_SIGNAL:
		why = "bad signal name";
		break;
	case CTL_F_NOT_RUNNING:
		why = "not running";
		break;
	default:
		return NULL;
	}
	return fv_xasprintf("%s: ERROR (%s)", name, why);
}

char *
ctl_fmt_clearresult(const char *name, int code)
{
	switch (code) {
	case CTL_F_SUCCESS:
		return fv_xasprintf("%s: cleared", name);
	case CTL_F_BAD_NAME:
		return fv_xasprintf("%s: ERROR (no such process)", name);
	case CTL_F_FAILED:
		return fv_xasprintf("%s: ERROR (failed)", name);
	default:
		return NULL;
	}
}

int
ctl_raise_unknown_result(
    struct ctl *ctl, int code, const char *name, int pyline)
{
	return ctl_raisef(ctl,
	    "error: <class 'ValueError'>, Unknown result code %d for %s: "
	    "file: /usr/lib/python3/dist-packages/supervisor/supervisorctl.py "
	    "line: %d",
	    code, name, pyline);
}

/* The kinds of result a process command prints. */
enum ctl_rkind {
	CTL_R_START,
	CTL_R_STOP,
	CTL_R_SIGNAL,
	CTL_R_CLEAR,
};

/*
 * ctl_print_result prints one result (name from group and process) and
 * returns the new code, or CTL_RAISED for a code 4.2.5 cannot format.
 */
static int
ctl_print_result(struct ctl *ctl, enum ctl_rkind kind, const char *group,
    const char *process, int status, const char *description, int code)
{
	char *name = ctl_namespec(group, process), *line = NULL;
	int ignored = 0, pyline = 0;

	switch (kind) {
	case CTL_R_START:
		line = ctl_fmt_startresult(name, status);
		ignored = CTL_F_ALREADY_STARTED;
		pyline = CTL_PYLINE_STARTRESULT;
		break;
	case CTL_R_STOP:
		line =
		    ctl_fmt_signalresult(name, status, description, "stopped");
		ignored = CTL_F_NOT_RUNNING;
		pyline = CTL_PYLINE_SIGNALRESULT;
		break;
	case CTL_R_SIGNAL:
		line = ctl_fmt_signalresult(
		    name, status, description, "signalled");
		pyline = CTL_PYLINE_SIGNALRESULT;
		break;
	case CTL_R_CLEAR:
		line = ctl_fmt_clearresult(name, status);
		pyline = CTL_PYLINE_CLEARRESULT;
		break;
	}
	if (line == NULL) {
		code = ctl_raise_unknown_result(ctl, status, name, pyline);
	} else {
		ctl_out(ctl, "%s", line);
		code = ctl_exit_from_fault(status, ignored, code);
	}
	free(line);
	free(name);
	return code;
}

/* ctl_print_results prints each struct of an array of results. */
static int
ctl_print_results(struct ctl *ctl, enum ctl_rkind kind,
    const struct xr_value *results, int code)
{
	for (size_t i = 0; i < xr_array_len(results); i++) {
		const struct xr_value *r = xr_array_at(results, i);

		code = ctl_print_result(ctl, kind, ctl_str(r, "group"),
		    ctl_str(r, "name"), ctl_int(r, "status"),
		    ctl_str(r, "description"), code);
		if (code == CTL_RAISED) {
			break;
		}
	}
	return code;
}

static bool
ctl_has_all(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "all") == 0) {
			return true;
		}
	}
	return false;
}

static struct xr_value *
ctl_params(const char *a, const char *b)
{
	struct xr_value *p = xr_array_new();

	if (a != NULL) {
		xr_array_add_take(p, xr_string_new(a));
	}
	if (b != NULL) {
		xr_array_add_take(p, xr_string_new(b));
	}
	return p;
}

/* status */

/* ctl_report_infos adds process infos to the report under their
 * namespecs. */
static void
ctl_report_infos(
    struct ctl_report *rep, const struct xr_value *const *infos, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *spec = ctl_namespec(
		    ctl_str(infos[i], "group"), ctl_str(infos[i], "name"));

		ctl_report_add(rep, spec, infos[i], NULL);
		free(spec);
	}
}

static bool
ctl_stopped_state(int state)
{
	/* STOPPED, EXITED, FATAL, UNKNOWN */
	return state == 0 || state == 100 || state == 200 || state == 1000;
}

static int
ctl_status_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	const struct xr_value **match = NULL;
	size_t nmatch = 0, n;
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code == CTL_RAISED ? code : 4;
	}
	if (!ctl_call_or_report(
	        ctl, "supervisor.getAllProcessInfo", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		code = ctl_raise_fault(ctl, &r);
		ctl_result_fini(&r);
		return code;
	}
	n = xr_array_len(r.value);
	match = fv_xcalloc(n + 1, sizeof(*match));
	if (argc == 0 || ctl_has_all(argc, argv)) {
		for (size_t i = 0; i < n; i++) {
			match[nmatch++] = xr_array_at(r.value, i);
		}
		argc = 0;
	}
	for (int a = 0; a < argc; a++) {
		char *group, *process;
		bool found = false;

		ctl_split_namespec(argv[a], &group, &process);
		for (size_t i = 0; i < n; i++) {
			const struct xr_value *info = xr_array_at(r.value, i);

			if (strcmp(ctl_str(info, "group"), group) != 0 ||
			    (process != NULL &&
			        strcmp(ctl_str(info, "name"), process) != 0)) {
				continue;
			}
			found = true;
			match =
			    fv_xreallocarray(match, nmatch + 1, sizeof(*match));
			match[nmatch++] = info;
		}
		if (!found) {
			const char *shown = process == NULL ? group : argv[a],
			           *why = process == NULL ? "no such group"
			                                  : "no such process";

			if (ctl->report != NULL) {
				ctl_report_add(ctl->report, shown, NULL, why);
			} else {
				ctl_out(ctl, "%s: ERROR (%s)", shown, why);
			}
			code = 4;
		}
		free(group);
		free(process);
	}
	if (ctl->report != NULL) {
		ctl_report_infos(ctl->report, match, nmatch);
	} else {
		ctl_print_statuses(ctl->out, match, nmatch);
	}
	for (size_t i = 0; i < nmatch; i++) {
		if (ctl_stopped_state(ctl_int(match[i], "state"))) {
			code = 3;
		}
	}
	free(match);
	ctl_result_fini(&r);
	return code;
}

static void
ctl_status_help(struct ctl *ctl)
{
	ctl_out(ctl, "status <name>\t\tGet status for a single process");
	ctl_out(ctl,
	    "status <gname>:*\tGet status for all processes in a "
	    "group");
	ctl_out(ctl,
	    "status <name> <name>\tGet status for multiple named "
	    "processes");
	ctl_out(ctl, "status\t\t\tGet all process status info");
}

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.exec = ctl_status_exec,
	.help = ctl_status_help,
	.complete = CTL_COMPLETE_PROCESSES,
	.json = true,
};

/*
 * start, stop and signal share their shape: "all", then each name as a
 * group ("g:*") or a process. What differs is in this table.
 */
struct ctl_action {
	enum ctl_rkind kind;
	const char *all_method, *group_method, *one_method;
	int group_bad_name_code; /* the code for an unknown group */
};

static const struct ctl_action ctl_action_start = {
	CTL_R_START,
	"supervisor.startAllProcesses",
	"supervisor.startProcessGroup",
	"supervisor.startProcess",
	CTL_EXIT_INVALID_ARGS,
};
static const struct ctl_action ctl_action_stop = {
	CTL_R_STOP,
	"supervisor.stopAllProcesses",
	"supervisor.stopProcessGroup",
	"supervisor.stopProcess",
	CTL_EXIT_GENERIC,
};
static const struct ctl_action ctl_action_signal = {
	CTL_R_SIGNAL,
	"supervisor.signalAllProcesses",
	"supervisor.signalProcessGroup",
	"supervisor.signalProcess",
	CTL_EXIT_GENERIC,
};

static int
ctl_action_run(struct ctl *ctl, const struct ctl_action *act, const char *sig,
    int argc, char **argv)
{
	struct ctl_result r;
	int code = 0, rc;

	if (ctl_has_all(argc, argv)) {
		if (!ctl_call_or_report(
		        ctl, act->all_method, ctl_params(sig, NULL), &r, &rc)) {
			return rc;
		}
		if (r.outcome == CTL_FAULT) {
			code = ctl_raise_fault(ctl, &r);
		} else {
			code = ctl_print_results(ctl, act->kind, r.value, code);
		}
		ctl_result_fini(&r);
		return code;
	}
	for (int a = 0; a < argc && code != CTL_RAISED; a++) {
		char *group, *process;
		bool ok;

		ctl_split_namespec(argv[a], &group, &process);
		/* signalProcessGroup and signalProcess take the name first. */
		ok = ctl_call_or_report(ctl,
		    process == NULL ? act->group_method : act->one_method,
		    ctl_params(process == NULL ? group : argv[a], sig), &r,
		    &rc);
		if (!ok) {
			code = rc;
		} else if (process == NULL) {
			if (r.outcome == CTL_OK) {
				code = ctl_print_results(
				    ctl, act->kind, r.value, code);
			} else if (r.fault_code == CTL_F_BAD_NAME) {
				ctl_out(
				    ctl, "%s: ERROR (no such group)", group);
				code = act->group_bad_name_code;
			} else {
				code = ctl_raise_fault(ctl, &r);
			}
		} else if (r.outcome == CTL_OK) {
			code = ctl_print_result(ctl, act->kind, group, process,
			    CTL_F_SUCCESS, "", code);
		} else {
			code = ctl_print_result(ctl, act->kind, group, process,
			    r.fault_code, r.fault_string, code);
		}
		if (ok) {
			ctl_result_fini(&r);
		}
		free(group);
		free(process);
	}
	return code;
}

/* start */

static void
ctl_start_help(struct ctl *ctl)
{
	ctl_out(ctl, "start <name>\t\tStart a process");
	ctl_out(ctl, "start <gname>:*\t\tStart all processes in a group");
	ctl_out(ctl, "start <name> <name>\tStart multiple processes or groups");
	ctl_out(ctl, "start all\t\tStart all processes");
}

static int
ctl_start_exec(struct ctl *ctl, int argc, char **argv)
{
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc == 0) {
		ctl_out(ctl, "Error: start requires a process name");
		ctl_start_help(ctl);
		return CTL_EXIT_INVALID_ARGS;
	}
	return ctl_action_run(ctl, &ctl_action_start, NULL, argc, argv);
}

const struct ctl_cmd ctl_cmd_start = {
	.name = "start",
	.exec = ctl_start_exec,
	.help = ctl_start_help,
	.complete = CTL_COMPLETE_PROCESSES,
};

/* stop */

static void
ctl_stop_help(struct ctl *ctl)
{
	ctl_out(ctl, "stop <name>\t\tStop a process");
	ctl_out(ctl, "stop <gname>:*\t\tStop all processes in a group");
	ctl_out(ctl, "stop <name> <name>\tStop multiple processes or groups");
	ctl_out(ctl, "stop all\t\tStop all processes");
}

static int
ctl_stop_exec(struct ctl *ctl, int argc, char **argv)
{
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc == 0) {
		ctl_out(ctl, "Error: stop requires a process name");
		ctl_stop_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	return ctl_action_run(ctl, &ctl_action_stop, NULL, argc, argv);
}

const struct ctl_cmd ctl_cmd_stop = {
	.name = "stop",
	.exec = ctl_stop_exec,
	.help = ctl_stop_help,
	.complete = CTL_COMPLETE_PROCESSES,
};

/* restart: stop, then start, each with its own upcheck as in 4.2.5. */

static void
ctl_restart_help(struct ctl *ctl)
{
	ctl_out(ctl, "restart <name>\t\tRestart a process");
	ctl_out(ctl, "restart <gname>:*\tRestart all processes in a group");
	ctl_out(ctl,
	    "restart <name> <name>\tRestart multiple processes or "
	    "groups");
	ctl_out(ctl, "restart all\t\tRestart all processes");
	ctl_out(ctl,
	    "Note: restart does not reread config files. For that, "
	    "see reread and update.");
}

static int
ctl_restart_exec(struct ctl *ctl, int argc, char **argv)
{
	int code, start;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc == 0) {
		ctl_out(ctl, "Error: restart requires a process name");
		ctl_restart_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if ((code = ctl_stop_exec(ctl, argc, argv)) == CTL_RAISED) {
		return code;
	}
	start = ctl_start_exec(ctl, argc, argv);
	return start != 0 ? start : code;
}

const struct ctl_cmd ctl_cmd_restart = {
	.name = "restart",
	.exec = ctl_restart_exec,
	.help = ctl_restart_help,
	.complete = CTL_COMPLETE_PROCESSES,
};

/* signal */

static void
ctl_signal_help(struct ctl *ctl)
{
	ctl_out(ctl, "signal <signal name> <name>\t\tSignal a process");
	ctl_out(ctl,
	    "signal <signal name> <gname>:*\t\tSignal all processes "
	    "in a group");
	ctl_out(ctl,
	    "signal <signal name> <name> <name>\tSignal multiple "
	    "processes or groups");
	ctl_out(ctl, "signal <signal name> all\t\tSignal all processes");
}

static int
ctl_signal_exec(struct ctl *ctl, int argc, char **argv)
{
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc < 2) {
		ctl_out(ctl,
		    "Error: signal requires a signal name and a "
		    "process name");
		ctl_signal_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	return ctl_action_run(
	    ctl, &ctl_action_signal, argv[0], argc - 1, argv + 1);
}

const struct ctl_cmd ctl_cmd_signal = {
	.name = "signal",
	.exec = ctl_signal_exec,
	.help = ctl_signal_help,
	.complete = CTL_COMPLETE_PROCESSES,
};

/* pid */

static void
ctl_pid_help(struct ctl *ctl)
{
	ctl_out(ctl, "pid\t\t\tGet the PID of supervisord.");
	ctl_out(ctl,
	    "pid <name>\t\tGet the PID of a single child process by "
	    "name.");
	ctl_out(ctl,
	    "pid all\t\t\tGet the PID of every child process, one "
	    "per line.");
}

/* ctl_pid_out prints one pid, or adds it to the report with its name
 * (NULL: supervisord's own). */
static void
ctl_pid_out(struct ctl *ctl, const char *namespec, int pid)
{
	if (ctl->report != NULL) {
		ctl_report_add_pid(ctl->report, namespec, pid);
	} else {
		ctl_out(ctl, "%d", pid);
	}
}

static int
ctl_pid_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code, rc;
	int32_t pid = 0;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc == 0 || ctl_has_all(argc, argv)) {
		bool all = argc != 0;

		if (!ctl_call_or_report(ctl,
		        all ? "supervisor.getAllProcessInfo"
		            : "supervisor.getPID",
		        NULL, &r, &rc)) {
			return rc;
		}
		if (r.outcome == CTL_FAULT) {
			code = ctl_raise_fault(ctl, &r);
		} else if (!all) {
			(void)xr_int_get(r.value, &pid);
			ctl_pid_out(ctl, NULL, (int)pid);
		} else {
			for (size_t i = 0; i < xr_array_len(r.value); i++) {
				const struct xr_value *info =
				    xr_array_at(r.value, i);
				char *spec =
				    ctl_namespec(ctl_str(info, "group"),
				        ctl_str(info, "name"));

				ctl_pid_out(ctl, spec, ctl_int(info, "pid"));
				free(spec);
			}
		}
		ctl_result_fini(&r);
		return code;
	}
	for (int a = 0; a < argc; a++) {
		if (!ctl_call_or_report(ctl, "supervisor.getProcessInfo",
		        ctl_params(argv[a], NULL), &r, &rc)) {
			return rc;
		}
		if (r.outcome == CTL_FAULT) {
			if (r.fault_code != CTL_F_BAD_NAME) {
				code = ctl_raise_fault(ctl, &r);
				ctl_result_fini(&r);
				return code;
			}
			if (ctl->report != NULL) {
				ctl_report_add(ctl->report, argv[a], NULL,
				    "no such process");
			} else {
				ctl_out(ctl, "No such process %s", argv[a]);
			}
			code = CTL_EXIT_GENERIC;
		} else {
			pid = ctl_int(r.value, "pid");
			ctl_pid_out(ctl, argv[a], (int)pid);
			if (pid == 0) {
				code = CTL_EXIT_NOT_RUNNING;
			}
		}
		ctl_result_fini(&r);
	}
	return code;
}

const struct ctl_cmd ctl_cmd_pid = {
	.name = "pid",
	.exec = ctl_pid_exec,
	.help = ctl_pid_help,
	.complete = CTL_COMPLETE_PROCESSES,
	.json = true,
};

/* clear */

static void
ctl_clear_help(struct ctl *ctl)
{
	ctl_out(ctl, "clear <name>\t\tClear a process' log files.");
	ctl_out(ctl, "clear <name> <name>\tClear multiple process' log files");
	ctl_out(ctl, "clear all\t\tClear all process' log files");
}

static int
ctl_clear_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code, rc;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc == 0) {
		ctl_out(ctl, "Error: clear requires a process name");
		ctl_clear_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (ctl_has_all(argc, argv)) {
		if (!ctl_call_or_report(
		        ctl, "supervisor.clearAllProcessLogs", NULL, &r, &rc)) {
			return rc;
		}
		if (r.outcome == CTL_FAULT) {
			code = ctl_raise_fault(ctl, &r);
		} else {
			code =
			    ctl_print_results(ctl, CTL_R_CLEAR, r.value, code);
		}
		ctl_result_fini(&r);
		return code;
	}
	for (int a = 0; a < argc && code != CTL_RAISED; a++) {
		char *group, *process;

		ctl_split_namespec(argv[a], &group, &process);
		if (!ctl_call_or_report(ctl, "supervisor.clearProcessLogs",
		        ctl_params(argv[a], NULL), &r, &rc)) {
			code = rc;
		} else {
			/* 4.2.5 names "g:*" by make_namespec(g, None). */
			code = ctl_print_result(ctl, CTL_R_CLEAR, group,
			    process != NULL ? process : "None",
			    r.outcome == CTL_OK ? CTL_F_SUCCESS : r.fault_code,
			    r.fault_string, code);
			ctl_result_fini(&r);
		}
		free(group);
		free(process);
	}
	return code;
}

const struct ctl_cmd ctl_cmd_clear = {
	.name = "clear",
	.exec = ctl_clear_exec,
	.help = ctl_clear_help,
	.complete = CTL_COMPLETE_PROCESSES,
};
