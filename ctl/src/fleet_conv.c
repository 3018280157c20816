/*
 * From CommandResult to a session's leavings (fleet_conv.h). The rows an
 * agent reports as data (ProcessInfo, ConfigInfo, tail bytes) are put
 * back into the form the one-server commands produce, so that every
 * byte printed for a fleet comes from the same printing code as for
 * several servers. Nothing here may print or block.
 */
#include "fleet_conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/buf.h"
#include "common/xalloc.h"

struct xr_value *
ctl_fleet_procinfo(const Fleetvisor__V1__ProcessInfo *p)
{
	struct xr_value *v = xr_struct_new();

	/* 4.2.5's members, in its order. */
	xr_struct_set_take(v, "name", xr_string_new(p->name));
	xr_struct_set_take(v, "group", xr_string_new(p->group));
	xr_struct_set_take(v, "start", xr_int_new((int32_t)p->start));
	xr_struct_set_take(v, "stop", xr_int_new((int32_t)p->stop));
	xr_struct_set_take(v, "now", xr_int_new((int32_t)p->now));
	xr_struct_set_take(v, "state", xr_int_new(p->state));
	xr_struct_set_take(v, "statename", xr_string_new(p->statename));
	xr_struct_set_take(v, "spawnerr", xr_string_new(p->spawnerr));
	xr_struct_set_take(v, "exitstatus", xr_int_new(p->exitstatus));
	xr_struct_set_take(v, "logfile", xr_string_new(p->logfile));
	xr_struct_set_take(
	    v, "stdout_logfile", xr_string_new(p->stdout_logfile));
	xr_struct_set_take(
	    v, "stderr_logfile", xr_string_new(p->stderr_logfile));
	xr_struct_set_take(v, "pid", xr_int_new(p->pid));
	xr_struct_set_take(v, "description", xr_string_new(p->description));
	return v;
}

struct xr_value *
ctl_fleet_configinfo(const Fleetvisor__V1__ConfigInfo *c)
{
	struct xr_value *v = xr_struct_new();

	xr_struct_set_take(v, "autostart", xr_bool_new(c->autostart));
	xr_struct_set_take(v, "group", xr_string_new(c->group));
	xr_struct_set_take(v, "group_prio", xr_int_new(c->group_prio));
	xr_struct_set_take(v, "inuse", xr_bool_new(c->inuse));
	xr_struct_set_take(v, "name", xr_string_new(c->name));
	xr_struct_set_take(v, "process_prio", xr_int_new(c->process_prio));
	return v;
}

void
ctl_fleet_out_fini(struct ctl_fleet_out *o)
{
	free(o->name);
	free(o->out);
	free(o->err);
	ctl_report_fini(&o->rep);
	memset(o, 0, sizeof(*o));
}

/* ctl_fleet_error_line adds one text line to the report: "NAME: ERROR
 * (WHY)" (status) and "No such process NAME" (pid) as records about
 * NAME, as the one-server commands add them, anything else as a
 * server-wide error. */
static void
ctl_fleet_error_line(struct ctl_report *rep, const char *line)
{
	const char *mark = strstr(line, ": ERROR (");
	size_t n = strlen(line);

	if (mark != NULL && mark > line && n > 0 && line[n - 1] == ')' &&
	    memchr(line, ' ', (size_t)(mark - line)) == NULL) {
		char *name = fv_xstrndup(line, (size_t)(mark - line));
		const char *why = mark + strlen(": ERROR (");
		char *reason = fv_xstrndup(why, (size_t)(line + n - 1 - why));

		ctl_report_add(rep, name, NULL, reason);
		free(name);
		free(reason);
		return;
	}
	if (fv_str_startswith(line, "No such process ")) {
		ctl_report_add(rep, line + strlen("No such process "), NULL,
		    "no such process");
		return;
	}
	if (line[0] != '\0') {
		ctl_report_add(rep, NULL, NULL, line);
	}
}

static void
ctl_fleet_text_lines(struct fv_buf *b, char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		(void)fv_buf_puts(b, lines[i]);
		(void)fv_buf_putc(b, '\n');
	}
}

static char *
ctl_fleet_take(struct fv_buf *b, size_t *len)
{
	*len = b->len;
	return b->len > 0 ? fv_buf_take(b) : NULL;
}

/* ctl_fleet_failed is the text of a host that did not run the command
 * and gave no lines of its own. */
static void
ctl_fleet_failed(const Fleetvisor__V1__CommandResult *r, unsigned timeout_ms,
    struct fv_buf *b)
{
	switch (r->outcome) {
	case FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT:
		/* The controller says why when it knew beforehand (a lost
		 * host); a host that was silent past the deadline gets the
		 * deadline. */
		if (r->n_err_lines > 0 &&
		    strncmp(r->err_lines[0], "lost", 4) == 0) {
			(void)fv_buf_printf(
			    b, "timed out: %s\n", r->err_lines[0]);
		} else if (timeout_ms % 1000 == 0) {
			(void)fv_buf_printf(b,
			    "timed out: no answer within %u s\n",
			    timeout_ms / 1000);
		} else {
			(void)fv_buf_printf(b,
			    "timed out: no answer within %u ms\n", timeout_ms);
		}
		break;
	case FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_FAULT:
		(void)fv_buf_printf(b, "error: fault %d: %s\n",
		    (int)r->fault_code,
		    r->fault_string != NULL && r->fault_string[0] != '\0'
		        ? r->fault_string
		        : "(no description)");
		break;
	default:
		(void)fv_buf_puts(b, "error: the agent could not run it\n");
		break;
	}
}

void
ctl_fleet_convert(const Fleetvisor__V1__CommandResult *r,
    Fleetvisor__V1__Command__Action action, bool report, unsigned timeout_ms,
    struct ctl_fleet_out *o)
{
	bool status = action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS;
	bool ok =
	    r->outcome == FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK;
	bool timed_out = r->outcome ==
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT;
	struct fv_buf out, err;

	memset(o, 0, sizeof(*o));
	o->name = fv_xstrdup(r->host);
	fv_buf_init(&out, SIZE_MAX / 2);
	fv_buf_init(&err, SIZE_MAX / 2);
	report = report || status;
	o->code = r->exit_code;
	if (timed_out) {
		/* Whatever code the controller put, a host that did not
		 * answer reads as an unreachable server: 4 for status (its
		 * state is unknown), 1 otherwise. */
		o->code = status ? 4 : CTL_EXIT_GENERIC;
		ctl_fleet_failed(r, timeout_ms, &out);
	} else if (!ok) {
		if (o->code == 0) {
			o->code = status ? 4 : CTL_EXIT_GENERIC;
		}
		if (r->n_lines == 0 && r->n_err_lines == 0) {
			ctl_fleet_failed(r, timeout_ms, &out);
		}
	}
	if (report) {
		char *text;
		size_t len;

		ctl_fleet_text_lines(&out, r->lines, r->n_lines);
		text = ctl_fleet_take(&out, &len);
		for (char *p = text, *nl; p != NULL && *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			*nl = '\0';
			/* pid: supervisord's own pid comes as the line pid
			 * prints, a number. */
			if (action ==
			        FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID &&
			    *p != '\0' &&
			    strspn(p, "0123456789") == strlen(p) &&
			    strlen(p) < 10) {
				ctl_report_add_pid(
				    &o->rep, NULL, (int)strtol(p, NULL, 10));
				continue;
			}
			ctl_fleet_error_line(&o->rep, p);
		}
		free(text);
	} else {
		ctl_fleet_text_lines(&out, r->lines, r->n_lines);
	}
	for (size_t i = 0; i < r->n_processes; i++) {
		const Fleetvisor__V1__ProcessInfo *p = r->processes[i];
		char *spec =
		    p->name[0] != '\0' ? ctl_namespec(p->group, p->name) : NULL;

		if (action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID) {
			if (report) {
				ctl_report_add_pid(&o->rep, spec, p->pid);
			} else {
				(void)fv_buf_printf(&out, "%d\n", (int)p->pid);
			}
		} else if (report) {
			struct xr_value *info = ctl_fleet_procinfo(p);

			ctl_report_add(&o->rep, spec, info, NULL);
			xr_value_free(info);
		}
		free(spec);
	}
	for (size_t i = 0; i < r->n_configs; i++) {
		struct xr_value *ci = ctl_fleet_configinfo(r->configs[i]);

		if (report) {
			char *spec = ctl_namespec(
			    r->configs[i]->group, r->configs[i]->name);

			ctl_report_add(&o->rep, spec, ci, NULL);
			free(spec);
		} else {
			char *line = ctl_fmt_configinfo(ci);

			(void)fv_buf_printf(&out, "%s\n", line);
			free(line);
		}
		xr_value_free(ci);
	}
	if (r->tail != NULL && r->tail->data.len > 0 && !report) {
		(void)fv_buf_append(
		    &out, r->tail->data.data, r->tail->data.len);
	}
	if (!timed_out) { /* its reason is in the timed-out line */
		ctl_fleet_text_lines(&err, r->err_lines, r->n_err_lines);
	}
	o->out = ctl_fleet_take(&out, &o->outlen);
	o->err = ctl_fleet_take(&err, &o->errlen);
	fv_buf_fini(&out);
	fv_buf_fini(&err);
}
