/*
 * The process table as 4.2.5's rpcinterface walks it (_getAllProcesses
 * order, make_namespec) and the result structs its group and "all"
 * methods answer with. Read-only: nothing here changes a process.
 */
#include "rpc/rpc_proc.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"

static int
rpc_proc_cmp_lexical(const void *a, const void *b)
{
	const struct rpc_proc_ref *x = a, *y = b;
	int c = strcmp(x->group->cfg->name, y->group->cfg->name);

	return c != 0 ? c : strcmp(proc_name(x->proc), proc_name(y->proc));
}

/* rpc_proc_sorted tells whether v is in lexical order already, as it is
 * whenever group priorities agree with names: a check is one pass, the
 * sort n log n comparisons, for every getAllProcessInfo. */
static bool
rpc_proc_sorted(const struct rpc_proc_ref *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (rpc_proc_cmp_lexical(&v[i - 1], &v[i]) > 0) {
			return false;
		}
	}
	return true;
}

/* Python's list.sort() by priority is stable: insertion sort keeps it. */
static void
rpc_proc_sort_priority(struct rpc_proc_ref *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rpc_proc_ref r = v[i];
		size_t j = i;

		while (j > 0 &&
		    v[j - 1].proc->cfg->priority > r.proc->cfg->priority) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = r;
	}
}

struct rpc_proc_ref *
rpc_proc_group_list(struct proc_group *g, size_t *np)
{
	struct rpc_proc_ref *v =
	    fv_xcalloc(g->nprocs ? g->nprocs : 1, sizeof(*v));

	for (size_t i = 0; i < g->nprocs; i++) {
		v[i] = (struct rpc_proc_ref){ g, g->procs[i] };
	}
	rpc_proc_sort_priority(v, g->nprocs);
	*np = g->nprocs;
	return v;
}

struct rpc_proc_ref *
rpc_proc_list(const struct supervisor *sv, bool lexical, size_t *np)
{
	struct rpc_proc_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < sv->ngroups; i++) {
		n += sv->groups[i]->nprocs;
	}
	v = fv_xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	/* sv->groups is already in (priority, name) order. */
	for (size_t i = 0; i < sv->ngroups; i++) {
		size_t k;
		struct rpc_proc_ref *g = rpc_proc_group_list(sv->groups[i], &k);

		memcpy(&v[n], g, k * sizeof(*v));
		n += k;
		free(g);
	}
	if (lexical && n > 1 && !rpc_proc_sorted(v, n)) {
		qsort(v, n, sizeof(*v), rpc_proc_cmp_lexical);
	}
	*np = n;
	return v;
}

char *
rpc_proc_namespec(const struct proc_group *g, const struct proc *p)
{
	if (strcmp(g->cfg->name, proc_name(p)) == 0) {
		return fv_xstrdup(proc_name(p));
	}
	return fv_xasprintf("%s:%s", g->cfg->name, proc_name(p));
}

/* The fault text rpc_fault would make, for a result struct. */
static char *
rpc_proc_fault_text(int code, const char *detail)
{
	struct rpc_call scratch = { 0 };
	char *text;

	if (detail != NULL) {
		rpc_fault(&scratch, code, "%s", detail);
	} else {
		rpc_fault(&scratch, code, NULL);
	}
	text = scratch.fault_string;
	scratch.fault_string = NULL;
	rpc_call_fini(&scratch);
	return text;
}

struct xr_value *
rpc_proc_result_names(
    const char *name, const char *group, int code, const char *detail)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(name));
	xr_struct_set_take(s, "group", xr_string_new(group));
	if (code == 0) {
		xr_struct_set_take(s, "status", xr_int_new(RPC_FAULT_SUCCESS));
		xr_struct_set_take(s, "description", xr_string_new("OK"));
	} else {
		char *text = rpc_proc_fault_text(code, detail);

		xr_struct_set_take(s, "status", xr_int_new(code));
		xr_struct_set_take(s, "description", xr_string_new(text));
		free(text);
	}
	return s;
}

struct xr_value *
rpc_proc_result_struct(const struct proc_group *g, const struct proc *p,
    int code, const char *detail)
{
	return rpc_proc_result_names(proc_name(p), g->cfg->name, code, detail);
}
