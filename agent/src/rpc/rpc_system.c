/*
 * The system namespace: introspection read from the method table, and
 * system.multicall, which runs calls one after another through
 * rpc_dispatch and, when one of them waits, waits for it before going on
 * (4.2.5 keeps at most one deferred callback at a time). A multicall
 * never calls itself, and its state lives until its last inner call is
 * done or it is cancelled.
 */

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "rpc/rpc_methods.h"

/* More calls than this in one multicall is refused outright. */
#define RPC_MULTICALL_MAX 10000

enum rpc_status
rpc_list_methods(struct rpc_call *call, const struct xr_value *params)
{
	struct xr_value *a = xr_array_new();

	/* The table is sorted by strcmp, as Python sorts ASCII names. */
	for (size_t i = 0; i < rpc_nmethods; i++) {
		if (!(rpc_methods[i].flags & RPC_F_UNLISTED)) {
			xr_array_add_take(
			    a, xr_string_new(rpc_methods[i].name));
		}
	}
	return rpc_result(call, a);
}

/* rpc_system_lookup finds the row a name param designates, or NULL. */
static const struct rpc_method *
rpc_system_lookup(const struct xr_value *v)
{
	size_t len;
	const char *name = rpc_param_string(v, &len);

	if (name == NULL || strlen(name) != len) {
		return NULL;
	}
	return rpc_method_find(name);
}

enum rpc_status
rpc_method_help(struct rpc_call *call, const struct xr_value *params)
{
	const struct rpc_method *m = rpc_system_lookup(xr_array_at(params, 0));

	if (m == NULL) {
		return rpc_fault(call, RPC_FAULT_SIGNATURE_UNSUPPORTED, NULL);
	}
	return rpc_result(call, xr_string_new(m->help));
}

enum rpc_status
rpc_method_signature(struct rpc_call *call, const struct xr_value *params)
{
	const struct rpc_method *m = rpc_system_lookup(xr_array_at(params, 0));
	struct xr_value *a;
	const char *p, *sp;

	if (m == NULL) {
		return rpc_fault(call, RPC_FAULT_SIGNATURE_UNSUPPORTED, NULL);
	}
	a = xr_array_new();
	for (p = m->signature; *p != '\0'; p = *sp == ' ' ? sp + 1 : sp) {
		if ((sp = strchr(p, ' ')) == NULL) {
			sp = p + strlen(p);
		}
		xr_array_add_take(a, xr_string_newn(p, (size_t)(sp - p)));
	}
	return rpc_result(call, a);
}

/* One multicall in progress. */
struct rpc_multi {
	struct rpc_call *outer; /* borrowed: the multicall itself */
	const struct xr_value *calls; /* borrowed from the outer params */
	size_t next; /* index of the next call to start */
	struct xr_value *results; /* owned */
	struct rpc_call inner; /* the call in progress */
	struct xr_value *inner_params; /* owned, when made from a non-array */
	bool in_start; /* inside rpc_multi_run's dispatch */
	bool inner_done; /* the inner call finished during that dispatch */
};

/* rpc_multi_free releases m; the inner call must not be pending. */
static void
rpc_multi_free(struct rpc_multi *m)
{
	rpc_call_fini(&m->inner);
	xr_value_free(m->inner_params);
	xr_value_free(m->results);
	free(m);
}

/* rpc_multi_collect appends the finished inner call's outcome, as 4.2.5
 * does: the bare value, or {faultCode, faultString}. */
static void
rpc_multi_collect(struct rpc_multi *m)
{
	struct rpc_call *in = &m->inner;
	struct xr_value *v;

	if (in->fault_code != 0) {
		v = xr_struct_new();
		xr_struct_set_take(v, "faultCode", xr_int_new(in->fault_code));
		xr_struct_set_take(v, "faultString",
		    xr_string_new(
		        in->fault_string != NULL ? in->fault_string : ""));
	} else {
		v = in->result;
		in->result = NULL;
		if (v == NULL) {
			/* A handler that answered nothing: impossible, but
			 * the client must get an answer per call. */
			v = xr_bool_new(true);
		}
	}
	xr_array_add_take(m->results, v);
	rpc_call_fini(in);
	xr_value_free(m->inner_params);
	m->inner_params = NULL;
}

/*
 * rpc_multi_params makes 4.2.5's func(*params) out of any value: an array
 * as is, a string (or base64) as its characters, a struct as its member
 * names; NULL for what Python cannot unpack (a TypeError there).
 */
static const struct xr_value *
rpc_multi_params(struct rpc_multi *m, const struct xr_value *p)
{
	const char *s;
	size_t len, i, n;

	if (p == NULL || xr_value_type(p) == XR_ARRAY) {
		return p; /* NULL: 4.2.5's default [] */
	}
	if ((s = rpc_param_string(p, &len)) != NULL) {
		m->inner_params = xr_array_new();
		for (i = 0; i < len; i += n) {
			/* One character: a lead byte and its continuation
			 * bytes. */
			n = 1;
			while (i + n < len &&
			    ((unsigned char)s[i + n] & 0xc0) == 0x80) {
				n++;
			}
			xr_array_add_take(
			    m->inner_params, xr_string_newn(s + i, n));
		}
		return m->inner_params;
	}
	if (xr_value_type(p) == XR_STRUCT) {
		m->inner_params = xr_array_new();
		for (i = 0; i < xr_struct_len(p); i++) {
			xr_array_add_take(m->inner_params,
			    xr_string_new(xr_struct_name(p, i)));
		}
		return m->inner_params;
	}
	return NULL;
}

/* 4.2.5's name for what a non-string methodName unmarshals to. */
static const char *
rpc_multi_pytype(const struct xr_value *v)
{
	switch (xr_value_type(v)) {
	case XR_INT:
		return "int";
	case XR_BOOL:
		return "bool";
	case XR_DOUBLE:
		return "float";
	case XR_DATETIME:
		return "datetime.datetime";
	case XR_ARRAY:
		return "list";
	case XR_STRUCT:
		return "dict";
	default:
		return "str";
	}
}

static void rpc_multi_on_inner_done(struct rpc_call *in, void *arg);

/*
 * rpc_multi_start runs call m->next as 4.2.5's multi() does. Returns true
 * when it finished at once (its outcome is in m->inner), false when it
 * waits.
 */
static bool
rpc_multi_start(struct rpc_multi *m)
{
	const struct xr_value *item = xr_array_at(m->calls, m->next++);
	const struct xr_value *namev = xr_struct_get(item, "methodName");
	const struct xr_value *params;
	const char *name;
	size_t len;
	enum rpc_status st;

	memset(&m->inner, 0, sizeof(m->inner));
	m->inner.ctx = m->outer->ctx;
	m->inner.on_done = rpc_multi_on_inner_done;
	m->inner.on_done_arg = m;
	if (namev == NULL) {
		rpc_fault(
		    &m->inner, RPC_FAULT_INCORRECT_PARAMETERS, "No methodName");
		return true;
	}
	if ((name = rpc_param_string(namev, &len)) == NULL) {
		/* traverse() calls name.split('.') on it. */
		rpc_fault(&m->inner, RPC_FAULT_FAILED,
		    "<class 'AttributeError'>:'%s' object has no attribute "
		    "'split'",
		    rpc_multi_pytype(namev));
		return true;
	}
	if (strlen(name) != len) {
		rpc_fault(&m->inner, RPC_FAULT_UNKNOWN_METHOD, NULL);
		return true;
	}
	if (strcmp(name, "system.multicall") == 0) {
		rpc_fault(&m->inner, RPC_FAULT_INCORRECT_PARAMETERS,
		    "Recursive system.multicall forbidden");
		return true;
	}
	if (rpc_method_find(name) == NULL) {
		/* Name faults come before anything about the params. */
		rpc_fault(&m->inner, RPC_FAULT_UNKNOWN_METHOD, NULL);
		return true;
	}
	params = rpc_multi_params(m, xr_struct_get(item, "params"));
	if (params == NULL && xr_struct_get(item, "params") != NULL) {
		rpc_fault(&m->inner, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
		return true;
	}
	if (params == NULL) {
		params = m->inner_params = xr_array_new();
	}
	m->in_start = true;
	m->inner_done = false;
	st = rpc_dispatch(&m->inner, name, params);
	m->in_start = false;
	return st == RPC_DONE || m->inner_done;
}

/*
 * rpc_multi_run starts calls until one waits (false) or none is left
 * (true: m->results holds every answer).
 */
static bool
rpc_multi_run(struct rpc_multi *m)
{
	while (m->next < xr_array_len(m->calls)) {
		if (!rpc_multi_start(m)) {
			return false;
		}
		rpc_multi_collect(m);
	}
	return true;
}

static void
rpc_multi_on_inner_done(struct rpc_call *in, void *arg)
{
	struct rpc_multi *m = arg;
	struct rpc_call *outer = m->outer;

	if (m->in_start) {
		m->inner_done = true; /* rpc_multi_start sees it */
		return;
	}
	rpc_multi_collect(m);
	if (!rpc_multi_run(m)) {
		return;
	}
	rpc_result(outer, m->results);
	m->results = NULL;
	rpc_multi_free(m);
	rpc_finish(outer);
}

static void
rpc_multi_cancel(struct rpc_call *outer)
{
	struct rpc_multi *m = outer->wait;

	rpc_call_cancel(&m->inner);
	rpc_multi_free(m);
}

enum rpc_status
rpc_multicall(struct rpc_call *call, const struct xr_value *params)
{
	const struct xr_value *calls = xr_array_at(params, 0);
	struct rpc_multi *m;
	size_t n = xr_array_len(calls);

	if (xr_value_type(calls) != XR_ARRAY) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (n > RPC_MULTICALL_MAX) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS,
		    "more than %d calls", RPC_MULTICALL_MAX);
	}
	/* 4.2.5 fails the whole request (HTTP 500) on an item that is not
	 * a struct, after running the calls before it; we refuse it before
	 * running any. */
	for (size_t i = 0; i < n; i++) {
		if (xr_value_type(xr_array_at(calls, i)) != XR_STRUCT) {
			return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS,
			    "call %zu is not a struct", i);
		}
	}
	m = fv_xcalloc(1, sizeof(*m));
	m->outer = call;
	m->calls = calls;
	m->results = xr_array_new();
	if (rpc_multi_run(m)) {
		rpc_result(call, m->results);
		m->results = NULL;
		rpc_multi_free(m);
		return RPC_DONE;
	}
	return rpc_wait(call, rpc_multi_cancel, m);
}
