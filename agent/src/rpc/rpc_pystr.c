/*
 * How 4.2.5 renders a param it formats with '%s': Python's str() of what
 * its unmarshaller made of the XML-RPC value (a str for <string> and
 * <base64>, an int, a bool, a float, a datetime.datetime, a list, a
 * dict). Fault details such as "BAD_NAME: [1, 'a']" and the event that
 * sendRemoteCommEvent publishes depend on it. Rendering only: no method
 * logic here.
 */

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "rpc/rpc_methods.h"

/* Containers render into at most this many bytes (the rest is cut). */
#define RPC_PYSTR_MAX (64 * 1024)

/*
 * rpc_pystr_double writes d as Python's repr: the fewest digits that read
 * back the same, positional for exponents -4..15 (".0" on whole numbers),
 * else like "1e+16".
 */
static char *
rpc_pystr_double(double d)
{
	char *out = NULL;
	int digits, exp;

	for (digits = 1; digits <= 17; digits++) {
		free(out);
		out = fv_xasprintf("%.*e", digits - 1, d);
		if (strtod(out, NULL) == d) {
			break;
		}
	}
	exp = (int)strtol(strchr(out, 'e') + 1, NULL, 10);
	if (exp < -4 || exp >= 16) {
		return out;
	}
	free(out);
	if (digits - 1 - exp > 0) {
		return fv_xasprintf("%.*f", digits - 1 - exp, d);
	}
	return fv_xasprintf("%.0f.0", d);
}

/* Python's repr of a str: quotes chosen as Python does, backslash
 * escapes for controls; other characters as they are. */
static void
rpc_pystr_repr_str(struct fv_buf *b, const char *s, size_t n)
{
	char q = '\'';

	if (memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL) {
		q = '"';
	}
	fv_buf_putc(b, q);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == (unsigned char)q) {
			fv_buf_putc(b, '\\');
			fv_buf_putc(b, (char)c);
		} else if (c == '\n') {
			fv_buf_puts(b, "\\n");
		} else if (c == '\r') {
			fv_buf_puts(b, "\\r");
		} else if (c == '\t') {
			fv_buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			fv_buf_printf(b, "\\x%02x", c);
		} else {
			fv_buf_putc(b, (char)c);
		}
	}
	fv_buf_putc(b, q);
}

static void
rpc_pystr_put(struct fv_buf *b, const struct xr_value *v, bool repr)
{
	struct xr_datetime dt;
	const char *s;
	char *t;
	size_t n;
	int32_t i;
	double d;
	bool bo;

	switch (xr_value_type(v)) {
	case XR_STRING:
	case XR_BASE64:
		s = rpc_param_string(v, &n);
		if (repr) {
			rpc_pystr_repr_str(b, s, n);
		} else {
			fv_buf_append(b, s, n);
		}
		break;
	case XR_INT:
		xr_int_get(v, &i);
		fv_buf_printf(b, "%d", (int)i);
		break;
	case XR_BOOL:
		xr_bool_get(v, &bo);
		fv_buf_puts(b, bo ? "True" : "False");
		break;
	case XR_DOUBLE:
		xr_double_get(v, &d);
		t = rpc_pystr_double(d);
		fv_buf_puts(b, t);
		free(t);
		break;
	case XR_DATETIME:
		xr_datetime_get(v, &dt);
		if (!repr) {
			fv_buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d",
			    dt.year, dt.month, dt.day, dt.hour, dt.minute,
			    dt.second);
		} else if (dt.second != 0) {
			fv_buf_printf(b,
			    "datetime.datetime(%d, %d, %d, %d, %d, %d)",
			    dt.year, dt.month, dt.day, dt.hour, dt.minute,
			    dt.second);
		} else {
			fv_buf_printf(b,
			    "datetime.datetime(%d, %d, %d, %d, %d)", dt.year,
			    dt.month, dt.day, dt.hour, dt.minute);
		}
		break;
	case XR_ARRAY:
		fv_buf_putc(b, '[');
		for (size_t k = 0; k < xr_array_len(v); k++) {
			if (k > 0) {
				fv_buf_puts(b, ", ");
			}
			rpc_pystr_put(b, xr_array_at(v, k), true);
		}
		fv_buf_putc(b, ']');
		break;
	case XR_STRUCT:
		/* A dict keeps the last of duplicate keys, in the place of
		 * the first. */
		fv_buf_putc(b, '{');
		for (size_t k = 0, out = 0; k < xr_struct_len(v); k++) {
			const char *name = xr_struct_name(v, k);
			size_t j;

			for (j = 0; j < k; j++) {
				if (strcmp(xr_struct_name(v, j), name) == 0) {
					break;
				}
			}
			if (j < k) {
				continue;
			}
			if (out++ > 0) {
				fv_buf_puts(b, ", ");
			}
			rpc_pystr_repr_str(b, name, strlen(name));
			fv_buf_puts(b, ": ");
			rpc_pystr_put(b, xr_struct_get(v, name), true);
		}
		fv_buf_putc(b, '}');
		break;
	}
}

char *
rpc_pystr(const struct xr_value *v, size_t *lenp)
{
	struct fv_buf b;
	size_t n;
	char *out;

	if (rpc_param_string(v, &n) != NULL) {
		/* Strings may be longer than the cap and hold any byte. */
		out = fv_xmalloc(n + 1);
		memcpy(out, rpc_param_string(v, NULL), n);
		out[n] = '\0';
		*lenp = n;
		return out;
	}
	fv_buf_init(&b, RPC_PYSTR_MAX);
	rpc_pystr_put(&b, v, false);
	*lenp = b.len;
	return fv_buf_take(&b);
}
