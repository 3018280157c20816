/*
 * Reading XML-RPC params as 4.2.5 reads the Python values its
 * unmarshaller makes: strings (base64 included), truth values, int() of
 * numbers and strings, signal names and numbers, and the names of
 * processes and groups. It faults a call only through rpc_fault and never
 * changes the process table.
 */
#include "rpc/rpc_param.h"

#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "process/supervisor.h"

const char *
rpc_param_string(const struct xr_value *v, size_t *lenp)
{
	switch (xr_value_type(v)) {
	case XR_STRING:
		return xr_string_get(v, lenp);
	case XR_BASE64:
		return xr_base64_get(v, lenp);
	default:
		return NULL;
	}
}

/* Python's truth value of a param. */
static bool
rpc_param_truthy(const struct xr_value *v)
{
	int32_t i;
	bool b;
	double d;
	size_t n;

	switch (xr_value_type(v)) {
	case XR_INT:
		return xr_int_get(v, &i) && i != 0;
	case XR_BOOL:
		return xr_bool_get(v, &b) && b;
	case XR_DOUBLE:
		return xr_double_get(v, &d) && d != 0.0;
	case XR_STRING:
		xr_string_get(v, &n);
		return n > 0;
	case XR_BASE64:
		xr_base64_get(v, &n);
		return n > 0;
	case XR_ARRAY:
		return xr_array_len(v) > 0;
	case XR_STRUCT:
		return xr_struct_len(v) > 0;
	case XR_DATETIME:
		return true;
	}
	return true;
}

bool
rpc_param_wait(const struct xr_value *params, size_t i)
{
	const struct xr_value *v = xr_array_at(params, i);

	return v == NULL || rpc_param_truthy(v);
}

static bool
rpc_param_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/*
 * Python's int() of a string: blanks around, a sign, decimal digits with
 * single underscores between them. Out-of-range values saturate.
 */
static bool
rpc_param_pyint_str(const char *s, size_t n, long long *out)
{
	size_t i = 0, end = n;
	bool neg = false, digit = false;
	unsigned long long v = 0;

	while (i < end && rpc_param_isspace(s[i])) {
		i++;
	}
	while (end > i && rpc_param_isspace(s[end - 1])) {
		end--;
	}
	if (i < end && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	for (; i < end; i++) {
		if (s[i] == '_' && digit && i + 1 < end && s[i + 1] >= '0' &&
		    s[i + 1] <= '9') {
			continue;
		}
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		digit = true;
		if (v <= (ULLONG_MAX - 9) / 10) {
			v = v * 10 + (unsigned)(s[i] - '0');
		} else {
			v = ULLONG_MAX;
		}
	}
	if (!digit) {
		return false;
	}
	if (v > LLONG_MAX) {
		v = LLONG_MAX;
	}
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

bool
rpc_param_pyint(const struct xr_value *v, long long *out)
{
	int32_t i;
	bool b;
	double d;
	const char *s;
	size_t n;

	switch (xr_value_type(v)) {
	case XR_INT:
		xr_int_get(v, &i);
		*out = i;
		return true;
	case XR_BOOL:
		xr_bool_get(v, &b);
		*out = b;
		return true;
	case XR_DOUBLE:
		xr_double_get(v, &d);
		if (!isfinite(d)) {
			return false;
		}
		/* The cast truncates toward zero, as int() does. */
		*out = d >= 9.2e18 ? LLONG_MAX
		    : d <= -9.2e18 ? -LLONG_MAX
		                   : (long long)d;
		return true;
	case XR_STRING:
		s = xr_string_get(v, &n);
		return rpc_param_pyint_str(s, n, out);
	case XR_BASE64:
		s = xr_base64_get(v, &n);
		return rpc_param_pyint_str(s, n, out);
	default:
		return false;
	}
}

int32_t
rpc_capped_int(long long v)
{
	return v > INT32_MAX ? INT32_MAX
	    : v < INT32_MIN  ? INT32_MIN
	                     : (int32_t)v;
}

/* The names Python's signal module has (SIG_DFL and friends included,
 * which 4.2.5's getattr(signal, 'SIG' + name) also finds). */
static const struct {
	const char *name;
	int num;
} rpc_param_signames[] = {
	{ "SIGABRT", 6 },
	{ "SIGALRM", 14 },
	{ "SIGBUS", 7 },
	{ "SIGCHLD", 17 },
	{ "SIGCLD", 17 },
	{ "SIGCONT", 18 },
	{ "SIGFPE", 8 },
	{ "SIGHUP", 1 },
	{ "SIGILL", 4 },
	{ "SIGINT", 2 },
	{ "SIGIO", 29 },
	{ "SIGIOT", 6 },
	{ "SIGKILL", 9 },
	{ "SIGPIPE", 13 },
	{ "SIGPOLL", 29 },
	{ "SIGPROF", 27 },
	{ "SIGPWR", 30 },
	{ "SIGQUIT", 3 },
	{ "SIGRTMAX", 64 },
	{ "SIGRTMIN", 34 },
	{ "SIGSEGV", 11 },
	{ "SIGSTKFLT", 16 },
	{ "SIGSTOP", 19 },
	{ "SIGSYS", 31 },
	{ "SIGTERM", 15 },
	{ "SIGTRAP", 5 },
	{ "SIGTSTP", 20 },
	{ "SIGTTIN", 21 },
	{ "SIGTTOU", 22 },
	{ "SIGURG", 23 },
	{ "SIGUSR1", 10 },
	{ "SIGUSR2", 12 },
	{ "SIGVTALRM", 26 },
	{ "SIGWINCH", 28 },
	{ "SIGXCPU", 24 },
	{ "SIGXFSZ", 25 },
	{ "SIG_BLOCK", 0 },
	{ "SIG_DFL", 0 },
	{ "SIG_IGN", 1 },
	{ "SIG_SETMASK", 2 },
	{ "SIG_UNBLOCK", 1 },
};

/* 4.2.5's SIGNUMS on Linux: 0 (SIG_BLOCK) to 31, SIGRTMIN, SIGRTMAX. */
static bool
rpc_param_signum_valid(long long n)
{
	return (n >= 0 && n <= 31) || n == 34 || n == 64;
}

int
rpc_param_signal(const struct xr_value *v)
{
	long long n;
	char name[32];
	const char *s;
	size_t len, i = 0, j = 0;

	if (rpc_param_pyint(v, &n)) {
		return rpc_param_signum_valid(n) ? (int)n : -1;
	}
	if ((s = rpc_param_string(v, &len)) == NULL) {
		return -1;
	}
	while (i < len && rpc_param_isspace(s[i])) {
		i++;
	}
	while (len > i && rpc_param_isspace(s[len - 1])) {
		len--;
	}
	if (len - i < 3 || strncasecmp(s + i, "SIG", 3) != 0) {
		memcpy(name, "SIG", 3);
		j = 3;
	}
	for (; i < len; i++) {
		if (j + 1 >= sizeof(name)) {
			return -1;
		}
		name[j++] =
		    (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	}
	name[j] = '\0';
	for (size_t k = 0; k < nitems(rpc_param_signames); k++) {
		if (strcmp(rpc_param_signames[k].name, name) == 0) {
			return rpc_param_signames[k].num;
		}
	}
	return -1;
}

const char *
rpc_param_proc(struct rpc_call *call, const struct xr_value *params,
    bool want_proc, struct proc_group **gp, struct proc **pp)
{
	const char *name = rpc_param_string(xr_array_at(params, 0), NULL);

	if (name == NULL) {
		rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
		return NULL;
	}
	if (!supervisor_find(call->ctx->sv, name, gp, pp) ||
	    (want_proc && *pp == NULL)) {
		rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
		return NULL;
	}
	return name;
}

struct proc_group *
rpc_param_group(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_param_string(xr_array_at(params, 0), NULL);
	struct proc_group *g;

	if (name == NULL) {
		rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
		return NULL;
	}
	if ((g = supervisor_find_group(call->ctx->sv, name)) == NULL) {
		rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	return g;
}
