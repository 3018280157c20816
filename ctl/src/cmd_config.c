/*
 * The configuration commands: avail, reread, update, add and remove,
 * with 4.2.5's wording and codes. Like 4.2.5, none of them runs the
 * upcheck first, so a dead server shows up as the escaped socket error
 * rather than as "refused connection".
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "report.h"

char *
ctl_fmt_configinfo(const struct xr_value *ci)
{
	char *name = ctl_namespec(ctl_str(ci, "group"), ctl_str(ci, "name"));
	char *prio = fv_xasprintf(
	    "%d:%d", ctl_int(ci, "group_prio"), ctl_int(ci, "process_prio"));
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (f == NULL) {
		fv_xmalloc(SIZE_MAX); /* aborts, as every failed allocation */
	}
	ctl_print_padded(f, name, 32);
	fputc(' ', f);
	ctl_print_padded(f, ctl_int(ci, "inuse") ? "in use" : "avail", 9);
	fputc(' ', f);
	ctl_print_padded(f, ctl_int(ci, "autostart") ? "auto" : "manual", 9);
	fputc(' ', f);
	fputs(prio, f);
	fclose(f);
	free(name);
	free(prio);
	return line;
}

static int
ctl_change_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(x[0], y[0]);
}

void
ctl_print_changes(FILE *out, const struct xr_value *changes)
{
	static const char *const what[] = { "available", "changed",
		"disappeared" };
	/* Pairs of name and word; a later list's word wins, as in the dict
	 * 4.2.5 builds. */
	const char **pairs = NULL;
	size_t n = 0;

	for (size_t l = 0; l < 3; l++) {
		const struct xr_value *list = xr_array_at(changes, l);

		for (size_t i = 0; i < xr_array_len(list); i++) {
			const char *name =
			    xr_string_get(xr_array_at(list, i), NULL);
			size_t k;

			if (name == NULL) {
				continue;
			}
			for (k = 0; k < n && strcmp(pairs[2 * k], name); k++) {
			}
			if (k == n) {
				pairs = fv_xreallocarray(
				    pairs, 2 * (n + 1), sizeof(*pairs));
				n++;
			}
			pairs[2 * k] = name;
			pairs[2 * k + 1] = what[l];
		}
	}
	if (n == 0) {
		fputs("No config updates to processes\n", out);
		return;
	}
	qsort(pairs, n, 2 * sizeof(*pairs), ctl_change_cmp);
	for (size_t k = 0; k < n; k++) {
		fprintf(out, "%s: %s\n", pairs[2 * k], pairs[2 * k + 1]);
	}
	free(pairs);
}

static struct xr_value *
ctl_name_param(const char *name)
{
	struct xr_value *p = xr_array_new();

	xr_array_add_take(p, xr_string_new(name));
	return p;
}

/* avail */

static void
ctl_avail_help(struct ctl *ctl)
{
	ctl_out(ctl, "avail\t\t\tDisplay all configured processes");
}

static int
ctl_avail_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code;

	if (argc > 0) {
		ctl_out(ctl, "Error: avail accepts no arguments");
		ctl_avail_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (!ctl_call_or_report(
	        ctl, "supervisor.getAllConfigInfo", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		if (r.fault_code == CTL_F_SHUTDOWN_STATE) {
			ctl_out(ctl, "ERROR: supervisor shutting down");
			code = CTL_EXIT_GENERIC;
		} else {
			code = ctl_raise_fault(ctl, &r);
		}
	} else {
		for (size_t i = 0; i < xr_array_len(r.value); i++) {
			const struct xr_value *ci = xr_array_at(r.value, i);
			char *line;

			if (ctl->report != NULL) {
				line = ctl_namespec(
				    ctl_str(ci, "group"), ctl_str(ci, "name"));
				ctl_report_add(ctl->report, line, ci, NULL);
			} else {
				line = ctl_fmt_configinfo(ci);
				ctl_out(ctl, "%s", line);
			}
			free(line);
		}
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_avail = {
	.name = "avail",
	.exec = ctl_avail_exec,
	.help = ctl_avail_help,
	.json = true,
};

/* reread */

static void
ctl_reread_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "reread \t\t\tReload the daemon's configuration files "
	    "without add/remove");
}

static int
ctl_reread_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r;
	int code;

	if (argc > 0) {
		ctl_out(ctl, "Error: reread accepts no arguments");
		ctl_reread_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (!ctl_call_or_report(
	        ctl, "supervisor.reloadConfig", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		code = CTL_EXIT_GENERIC;
		if (r.fault_code == CTL_F_SHUTDOWN_STATE) {
			ctl_out(ctl, "ERROR: supervisor shutting down");
		} else if (r.fault_code == CTL_F_CANT_REREAD) {
			ctl_out(ctl, "ERROR: %s", r.fault_string);
		} else {
			code = ctl_raise_fault(ctl, &r);
		}
	} else {
		ctl_print_changes(ctl->out, xr_array_at(r.value, 0));
	}
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_reread = {
	.name = "reread",
	.exec = ctl_reread_exec,
	.help = ctl_reread_help,
};

/* add */

static void
ctl_add_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "add <name> [...]\tActivates any updates in config for "
	    "process/group");
}

/*
 * add and remove: one call per name, and 4.2.5's words for each outcome;
 * a fault not listed is raised as 4.2.5's uncaught exception.
 */
struct ctl_group_word {
	int fault; /* 0: the end of the list */
	const char *text; /* printed after "ERROR: " */
	bool with_name; /* the name follows the text */
	bool fails; /* the run's exit code becomes 1 */
};

struct ctl_group_op {
	const char *method;
	const char *done; /* after "NAME: " */
	struct ctl_group_word words[4];
};

static int
ctl_group_op_exec(
    struct ctl *ctl, const struct ctl_group_op *op, int argc, char **argv)
{
	struct ctl_result r;
	int code = 0, rc;

	/* 4.2.5 builds its proxy before looking at the names. */
	if ((rc = ctl_proxy_check(ctl)) != 0) {
		return rc;
	}
	for (int a = 0; a < argc; a++) {
		const struct ctl_group_word *w = NULL;

		if (!ctl_call_or_report(
		        ctl, op->method, ctl_name_param(argv[a]), &r, &rc)) {
			return rc;
		}
		if (r.outcome == CTL_OK) {
			ctl_out(ctl, "%s: %s", argv[a], op->done);
			ctl_result_fini(&r);
			continue;
		}
		for (size_t i = 0; op->words[i].fault != 0; i++) {
			if (op->words[i].fault == r.fault_code) {
				w = &op->words[i];
			}
		}
		if (w == NULL) {
			rc = ctl_raise_fault(ctl, &r);
			ctl_result_fini(&r);
			return rc;
		}
		ctl_out(
		    ctl, "ERROR: %s%s", w->text, w->with_name ? argv[a] : "");
		code = w->fails ? CTL_EXIT_GENERIC : code;
		ctl_result_fini(&r);
	}
	return code;
}

static const struct ctl_group_op ctl_add_op = {
	.method = "supervisor.addProcessGroup",
	.done = "added process group",
	.words = {
	    { CTL_F_SHUTDOWN_STATE, "shutting down", false, true },
	    { CTL_F_ALREADY_ADDED, "process group already active", false,
	        false },
	    { CTL_F_BAD_NAME, "no such process/group: ", true, true },
	},
};

static const struct ctl_group_op ctl_remove_op = {
	.method = "supervisor.removeProcessGroup",
	.done = "removed process group",
	.words = {
	    { CTL_F_STILL_RUNNING, "process/group still running: ", true,
	        true },
	    { CTL_F_BAD_NAME, "no such process/group: ", true, true },
	},
};

static int
ctl_add_exec(struct ctl *ctl, int argc, char **argv)
{
	return ctl_group_op_exec(ctl, &ctl_add_op, argc, argv);
}

const struct ctl_cmd ctl_cmd_add = {
	.name = "add",
	.exec = ctl_add_exec,
	.help = ctl_add_help,
	.complete = CTL_COMPLETE_GROUPS,
};

/* remove */

static void
ctl_remove_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "remove <name> [...]\tRemoves process/group from active "
	    "config");
}

static int
ctl_remove_exec(struct ctl *ctl, int argc, char **argv)
{
	return ctl_group_op_exec(ctl, &ctl_remove_op, argc, argv);
}

const struct ctl_cmd ctl_cmd_remove = {
	.name = "remove",
	.exec = ctl_remove_exec,
	.help = ctl_remove_help,
	.complete = CTL_COMPLETE_GROUPS,
};

/* update */

static void
ctl_update_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "update\t\t\tReload config and add/remove as necessary, "
	    "and will restart affected programs");
	ctl_out(ctl,
	    "update all\t\tReload config and add/remove as "
	    "necessary, and will restart affected programs");
	ctl_out(ctl, "update <gname> [...]\tUpdate specific groups");
}

static bool
ctl_in_list(const struct fv_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

/* ctl_update_call makes one call of update whose faults 4.2.5 does not
 * catch; *results borrows nothing (fini'd here) unless wanted. */
static int
ctl_update_call(struct ctl *ctl, const char *method, const char *gname,
    struct ctl_result *keep)
{
	struct ctl_result r;
	int rc;

	if (!ctl_call_or_report(ctl, method, ctl_name_param(gname), &r, &rc)) {
		return rc;
	}
	if (r.outcome == CTL_FAULT) {
		rc = ctl_raise_fault(ctl, &r);
		ctl_result_fini(&r);
		return rc;
	}
	if (keep != NULL) {
		*keep = r;
	} else {
		ctl_result_fini(&r);
	}
	return 0;
}

/* ctl_update_groups checks the names given against the known groups and
 * the added ones, as 4.2.5 does before changing anything. */
static int
ctl_update_check(struct ctl *ctl, const struct fv_strv *wanted,
    const struct xr_value *added, int code)
{
	struct ctl_result r;
	int rc;

	if (!ctl_call_or_report(
	        ctl, "supervisor.getAllProcessInfo", NULL, &r, &rc)) {
		return rc;
	}
	if (r.outcome == CTL_FAULT) {
		rc = ctl_raise_fault(ctl, &r);
		ctl_result_fini(&r);
		return rc;
	}
	for (size_t w = 0; w < wanted->n; w++) {
		bool known = false;

		for (size_t i = 0; i < xr_array_len(r.value) && !known; i++) {
			known =
			    strcmp(ctl_str(xr_array_at(r.value, i), "group"),
			        wanted->v[w]) == 0;
		}
		for (size_t i = 0; i < xr_array_len(added) && !known; i++) {
			const char *g =
			    xr_string_get(xr_array_at(added, i), NULL);

			known = g != NULL && strcmp(g, wanted->v[w]) == 0;
		}
		if (!known) {
			ctl_out(ctl, "ERROR: no such group: %s", wanted->v[w]);
			code = CTL_EXIT_GENERIC;
		}
	}
	ctl_result_fini(&r);
	return code;
}

static int
ctl_update_apply(struct ctl *ctl, const struct xr_value *changes,
    const struct fv_strv *wanted, int code)
{
	const struct xr_value *added = xr_array_at(changes, 0);
	const struct xr_value *changed = xr_array_at(changes, 1);
	const struct xr_value *removed = xr_array_at(changes, 2);
	int rc;

	for (size_t i = 0; i < xr_array_len(removed); i++) {
		const char *g = xr_string_get(xr_array_at(removed, i), NULL);
		struct ctl_result r;
		bool fails = false;

		if (g == NULL || (wanted->n > 0 && !ctl_in_list(wanted, g))) {
			continue;
		}
		if ((rc = ctl_update_call(
		         ctl, "supervisor.stopProcessGroup", g, &r)) != 0) {
			return rc;
		}
		ctl_out(ctl, "%s: stopped", g);
		for (size_t k = 0; k < xr_array_len(r.value); k++) {
			fails |= ctl_int(xr_array_at(r.value, k), "status") ==
			    CTL_F_FAILED;
		}
		ctl_result_fini(&r);
		if (fails) {
			ctl_out(ctl, "%s: has problems; not removing", g);
			code = CTL_EXIT_GENERIC;
			continue;
		}
		if ((rc = ctl_update_call(
		         ctl, "supervisor.removeProcessGroup", g, NULL)) != 0) {
			return rc;
		}
		ctl_out(ctl, "%s: removed process group", g);
	}
	for (size_t i = 0; i < xr_array_len(changed); i++) {
		const char *g = xr_string_get(xr_array_at(changed, i), NULL);

		if (g == NULL || (wanted->n > 0 && !ctl_in_list(wanted, g))) {
			continue;
		}
		if ((rc = ctl_update_call(
		         ctl, "supervisor.stopProcessGroup", g, NULL)) != 0) {
			return rc;
		}
		ctl_out(ctl, "%s: stopped", g);
		if ((rc = ctl_update_call(
		         ctl, "supervisor.removeProcessGroup", g, NULL)) != 0 ||
		    (rc = ctl_update_call(
		         ctl, "supervisor.addProcessGroup", g, NULL)) != 0) {
			return rc;
		}
		ctl_out(ctl, "%s: updated process group", g);
	}
	for (size_t i = 0; i < xr_array_len(added); i++) {
		const char *g = xr_string_get(xr_array_at(added, i), NULL);

		if (g == NULL || (wanted->n > 0 && !ctl_in_list(wanted, g))) {
			continue;
		}
		if ((rc = ctl_update_call(
		         ctl, "supervisor.addProcessGroup", g, NULL)) != 0) {
			return rc;
		}
		ctl_out(ctl, "%s: added process group", g);
	}
	return code;
}

static int
ctl_update_exec(struct ctl *ctl, int argc, char **argv)
{
	struct fv_strv wanted = { 0 };
	struct ctl_result r;
	const struct xr_value *changes;
	int code = 0;

	if (!ctl_call_or_report(
	        ctl, "supervisor.reloadConfig", NULL, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		if (r.fault_code == CTL_F_SHUTDOWN_STATE) {
			ctl_out(ctl, "ERROR: already shutting down");
			code = CTL_EXIT_GENERIC;
		} else {
			code = ctl_raise_fault(ctl, &r);
		}
		ctl_result_fini(&r);
		return code;
	}
	changes = xr_array_at(r.value, 0);
	/* A set in 4.2.5: duplicates go; "all" means every group. 4.2.5
	 * reports unknown names in hash order; we keep the order given. */
	for (int a = 0; a < argc; a++) {
		if (!ctl_in_list(&wanted, argv[a])) {
			fv_strv_push(&wanted, argv[a]);
		}
	}
	if (ctl_in_list(&wanted, "all")) {
		fv_strv_free(&wanted);
		memset(&wanted, 0, sizeof(wanted));
	}
	if (wanted.n > 0) {
		code = ctl_update_check(
		    ctl, &wanted, xr_array_at(changes, 0), code);
	}
	if (code != CTL_RAISED) {
		code = ctl_update_apply(ctl, changes, &wanted, code);
	}
	fv_strv_free(&wanted);
	ctl_result_fini(&r);
	return code;
}

const struct ctl_cmd ctl_cmd_update = {
	.name = "update",
	.exec = ctl_update_exec,
	.help = ctl_update_help,
	.complete = CTL_COMPLETE_GROUPS,
};
