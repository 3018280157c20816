/*
 * The fast path of the request parser: the plain calls that clients send
 * all the time (Python's xmlrpc.client, supervisorctl, health checkers)
 * read without building a libxml2 document, which is most of the cost of
 * a small request such as getProcessInfo.
 *
 * It is a recogniser, not an XML parser: it takes a body only when every
 * byte of it is in a shape whose meaning no XML rule can change, and
 * answers "not mine" for anything else, which the full parser
 * (xr_parse.c) then reads, with all its checks and messages. Taken:
 *
 *   [<?xml version="1.0"[ encoding="utf-8"]?>]  ('' or "", any case of
 *                                               utf-8, XML white space)
 *   <methodCall><methodName>T</methodName>
 *     [<params>(<param><value>V</value></param>)*</params>]
 *   </methodCall>
 *
 * with space, tab and newline between the elements, and V one of T,
 * <string>T</string>, <int>T</int>, <i4>T</i4>, <boolean>T</boolean>
 * (space around the type element). T is printable ASCII, tab and newline,
 * less '<' (markup), '&' (references) and ']' (so "]]>" cannot occur):
 * text that XML hands back byte for byte, which is valid UTF-8 whatever
 * the body declares. No carriage return anywhere (XML rewrites it), no
 * comment, PI, CDATA, DOCTYPE, attribute, namespace or empty-element tag.
 * Limits are not refused here: a body over one of them goes to the full
 * parser, which refuses it with its message. Nor are bodies over
 * XR_FAST_MAX_BODY taken: libxml2 has size limits of its own (text runs,
 * look-ahead, both 10,000,000 bytes), and the fast path pays off on small
 * calls only.
 *
 * Whatever it takes, the full parser takes too and gives an equal call:
 * tests/unit/xmlrpc/test_xr_fast.c and the fuzz target fuzz_xr_request
 * check that on every input they try.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/xalloc.h"
#include "proto/xmlrpc/xr_codec.h"
#include "proto/xmlrpc/xr_private.h"

#define XR_FAST_MAX_BODY (64u * 1024)

struct xr_cur {
	const char *p;
	const char *end;
};

static bool
xr_fast_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n';
}

/* xr_fast_is_text: a byte of T (see above). */
static bool
xr_fast_is_text(unsigned char ch)
{
	return (ch >= 0x20 && ch <= 0x7e && ch != '<' && ch != '&' &&
	           ch != ']') ||
	    ch == '\t' || ch == '\n';
}

static void
xr_fast_ws(struct xr_cur *c)
{
	while (c->p < c->end && xr_fast_is_ws(*c->p)) {
		c->p++;
	}
}

/* xr_fast_lit consumes s if the input continues with it. */
static bool
xr_fast_lit(struct xr_cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) {
		return false;
	}
	c->p += n;
	return true;
}

/* xr_fast_text consumes the longest run of T. */
static void
xr_fast_text(struct xr_cur *c, const char **s, size_t *n)
{
	*s = c->p;
	while (c->p < c->end && xr_fast_is_text((unsigned char)*c->p)) {
		c->p++;
	}
	*n = (size_t)(c->p - *s);
}

/* xr_fast_quoted consumes 'v' or "v", v compared by cmp over its length. */
static bool
xr_fast_quoted(struct xr_cur *c, const char *v,
    int (*cmp)(const char *, const char *, size_t))
{
	size_t n = strlen(v);
	char q;

	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
		return false;
	}
	q = *c->p;
	if ((size_t)(c->end - c->p) < n + 2 || cmp(c->p + 1, v, n) != 0 ||
	    c->p[n + 1] != q) {
		return false;
	}
	c->p += n + 2;
	return true;
}

static int
xr_fast_eq(const char *a, const char *b, size_t n)
{
	return memcmp(a, b, n);
}

/* xr_fast_caseeq compares a with lower-case b, ignoring ASCII case. */
static int
xr_fast_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];

		if (x != b[i]) {
			return 1;
		}
	}
	return 0;
}

/* xr_fast_attr consumes S name S* = S* quoted value. */
static bool
xr_fast_attr(struct xr_cur *c, const char *name, const char *value,
    int (*cmp)(const char *, const char *, size_t))
{
	const char *start = c->p;

	xr_fast_ws(c);
	if (c->p == start || !xr_fast_lit(c, name)) {
		return false;
	}
	xr_fast_ws(c);
	if (!xr_fast_lit(c, "=")) {
		return false;
	}
	xr_fast_ws(c);
	return xr_fast_quoted(c, value, cmp);
}

/* xr_fast_decl consumes the XML declaration if there is one; false if
 * there is one the fast path does not take. */
static bool
xr_fast_decl(struct xr_cur *c)
{
	struct xr_cur save;

	if (!xr_fast_lit(c, "<?xml")) {
		return true;
	}
	if (!xr_fast_attr(c, "version", "1.0", xr_fast_eq)) {
		return false;
	}
	save = *c;
	if (!xr_fast_attr(c, "encoding", "utf-8", xr_fast_caseeq)) {
		*c = save;
	}
	xr_fast_ws(c);
	return xr_fast_lit(c, "?>");
}

static bool
xr_fast_all_ws(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!xr_fast_is_ws(s[i])) {
			return false;
		}
	}
	return true;
}

/* The type elements taken, and their end tags. */
static const struct xr_fast_type {
	const char *open, *close;
	enum xr_type type;
} xr_fast_types[] = {
	{ "<string>", "</string>", XR_STRING },
	{ "<int>", "</int>", XR_INT },
	{ "<i4>", "</i4>", XR_INT },
	{ "<boolean>", "</boolean>", XR_BOOL },
};

/* xr_fast_typed reads T of type t into *out; false if the full parser
 * must say what is wrong with it. */
static bool
xr_fast_typed(enum xr_type t, const char *s, size_t n, struct xr_value **out)
{
	int32_t i;

	switch (t) {
	case XR_STRING:
		*out = xr_string_newn(s, n);
		return true;
	case XR_INT:
		if (!xr_scan_i32(s, n, &i)) {
			return false;
		}
		*out = xr_int_new(i);
		return true;
	case XR_BOOL:
		while (n > 0 && xr_fast_is_ws(*s)) {
			s++;
			n--;
		}
		while (n > 0 && xr_fast_is_ws(s[n - 1])) {
			n--;
		}
		if (n != 1 || (s[0] != '0' && s[0] != '1')) {
			return false;
		}
		*out = xr_bool_new(s[0] == '1');
		return true;
	default:
		return false;
	}
}

/* xr_fast_value reads <value>V</value>. */
static bool
xr_fast_value(struct xr_cur *c, struct xr_value **out)
{
	const struct xr_fast_type *ft = NULL;
	const char *s;
	size_t n;

	if (!xr_fast_lit(c, "<value>")) {
		return false;
	}
	xr_fast_text(c, &s, &n);
	if (xr_fast_lit(c, "</value>")) {
		/* Text alone is a string (the spec's default type). */
		*out = xr_string_newn(s, n);
		return true;
	}
	if (!xr_fast_all_ws(s, n)) {
		return false;
	}
	for (size_t k = 0; k < nitems(xr_fast_types) && ft == NULL; k++) {
		if (xr_fast_lit(c, xr_fast_types[k].open)) {
			ft = &xr_fast_types[k];
		}
	}
	if (ft == NULL) {
		return false;
	}
	xr_fast_text(c, &s, &n);
	if (!xr_fast_lit(c, ft->close) || !xr_fast_typed(ft->type, s, n, out)) {
		return false;
	}
	xr_fast_ws(c);
	if (!xr_fast_lit(c, "</value>")) {
		xr_value_free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

/* xr_fast_params reads (<param><value>V</value></param>)* into arr. */
static bool
xr_fast_params(
    struct xr_cur *c, const struct xr_limits *lim, struct xr_value *arr)
{
	struct xr_value *v;
	size_t count = 0;

	while (xr_fast_lit(c, "<param>")) {
		if (++count > lim->max_items) {
			return false;
		}
		xr_fast_ws(c);
		if (!xr_fast_value(c, &v)) {
			return false;
		}
		xr_array_add_take(arr, v);
		xr_fast_ws(c);
		if (!xr_fast_lit(c, "</param>")) {
			return false;
		}
		xr_fast_ws(c);
	}
	return true;
}

bool
xr_request_parse_fast(const char *body, size_t len, const struct xr_limits *lim,
    struct xr_request *out)
{
	struct xr_cur c = { body, body + len };
	struct xr_value *params;
	const char *name;
	size_t n;

	if (len > lim->max_body || len > XR_FAST_MAX_BODY ||
	    !xr_fast_decl(&c)) {
		return false;
	}
	xr_fast_ws(&c);
	if (!xr_fast_lit(&c, "<methodCall>")) {
		return false;
	}
	xr_fast_ws(&c);
	if (!xr_fast_lit(&c, "<methodName>")) {
		return false;
	}
	xr_fast_text(&c, &name, &n);
	if (n == 0 || n > lim->max_method ||
	    !xr_fast_lit(&c, "</methodName>")) {
		return false;
	}
	xr_fast_ws(&c);
	params = xr_array_new();
	if (xr_fast_lit(&c, "<params>")) {
		xr_fast_ws(&c);
		if (!xr_fast_params(&c, lim, params) ||
		    !xr_fast_lit(&c, "</params>")) {
			goto not_mine;
		}
		xr_fast_ws(&c);
	}
	if (!xr_fast_lit(&c, "</methodCall>")) {
		goto not_mine;
	}
	xr_fast_ws(&c);
	if (c.p != c.end) {
		goto not_mine;
	}
	out->method = fv_xstrndup(name, n);
	out->params = params;
	out->perr = XR_PERR_NONE;
	return true;
not_mine:
	xr_value_free(params);
	return false;
}
