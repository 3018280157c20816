/*
 * The XML-RPC parsers: a POST body (methodCall) or an HTTP answer
 * (methodResponse) from untrusted bytes to an owned xr_value tree.
 *
 * libxml2 builds a DOM under the rules of STYLE 2.1: the body is measured
 * against our cap before libxml2 sees a byte; it is read as UTF-8 whatever
 * it declares (as 4.2.5 does: it decodes the body as UTF-8 before parsing);
 * the options are XML_PARSE_NONET, _NOERROR and _NOWARNING and never NOENT,
 * DTDLOAD or HUGE; a DOCTYPE stops the parser from its SAX internalSubset
 * callback, before any declaration in it is read, so no entity is ever
 * defined, let alone expanded or fetched. libxml2 refuses elements nested
 * more than 256 deep and text runs over 10,000,000 bytes on its own.
 *
 * The DOM is then walked into xr_value nodes, recursing once per array or
 * struct level, which max_depth bounds (at most XR_MAX_DEPTH_HARD), and
 * counting the items of every container against max_items. The xmlDoc
 * never leaves this file: it is freed before the parse returns.
 *
 * Requests of the plain shape most clients send are read by xr_fast.c
 * first, without libxml2; everything else comes here, and libxml2 is
 * loaded the first time something does (xr_libxml.h).
 *
 * This module never logs and never echoes more than a few bytes of the
 * input into a message: the caller decides what a peer gets to see.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "proto/xmlrpc/xr_codec.h"
#include "proto/xmlrpc/xr_libxml.h"
#include "proto/xmlrpc/xr_private.h"

/* The only libxml2 options we ever use on a peer's bytes (STYLE 2.1). */
#define XR_XML_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
/* The longest <double> text read; Python's repr writes at most 24. */
#define XR_DOUBLE_MAX 800
/* The most bytes of a peer's element name quoted in a message. */
#define XR_QUOTE_MAX 32
/* The most bytes of a libxml2 message (which may quote names) kept. */
#define XR_XMLMSG_MAX 120
/* A kept parser context is dropped once its dictionary (the names of every
 * element parsed with it, which a peer chooses) holds more than this. */
#define XR_DICT_KEEP_MAX 4096

struct xr_parser {
	xmlParserCtxt *ctxt; /* owned; NULL until the first request */
};

const struct xr_limits xr_limits_request = {
	.max_body = 1u << 20,
	.max_depth = 32,
	.max_items = 10000,
	.max_method = 256,
};

const struct xr_limits xr_limits_response = {
	.max_body = 64u << 20,
	.max_depth = 32,
	.max_items = 1u << 20,
	.max_method = 256,
};

/* One parse: its limits, where detail goes, and the failure class. */
struct xr_pctx {
	const struct xr_limits *lim;
	size_t max_depth;
	struct fv_diag *d;
	enum xr_perr perr;
	bool doctype; /* set by xr_on_doctype */
};

const char *
xr_perr_name(enum xr_perr p)
{
	switch (p) {
	case XR_PERR_NONE:
		return "none";
	case XR_PERR_SIZE:
		return "size";
	case XR_PERR_XML:
		return "xml";
	case XR_PERR_SHAPE:
		return "shape";
	case XR_PERR_LIMIT:
		return "limit";
	case XR_PERR_NAME:
		return "name";
	case XR_PERR_VALUE:
		return "value";
	}
	return "unknown";
}

/*
 * xr_fail records class p and a message about node n (NULL: none) and
 * returns the error code of that class.
 */
static int xr_fail(struct xr_pctx *c, enum xr_perr p, const xmlNode *n,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
xr_fail(
    struct xr_pctx *c, enum xr_perr p, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;
	size_t off = 0;
	int err = p == XR_PERR_SIZE || p == XR_PERR_LIMIT || p == XR_PERR_NAME
	    ? FV_ETOOBIG
	    : FV_EPROTO;

	c->perr = p;
	if (c->d == NULL) {
		return err;
	}
	if (n != NULL) {
		int k = snprintf(c->d->msg, sizeof(c->d->msg),
		    "line %ld: ", xr_xml.GetLineNo(n));

		off = k > 0 && (size_t)k < sizeof(c->d->msg) ? (size_t)k : 0;
	}
	va_start(ap, fmt);
	vsnprintf(c->d->msg + off, sizeof(c->d->msg) - off, fmt, ap);
	va_end(ap);
	return err;
}

/* xr_quote_len is how many bytes of s to quote: a UTF-8-whole prefix. */
static int
xr_quote_len(const xmlChar *s)
{
	size_t n = strlen((const char *)s);

	return (int)fv_str_utf8_prefix(
	    (const char *)s, n < XR_QUOTE_MAX ? n : XR_QUOTE_MAX);
}

static bool
xr_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool
xr_all_ws(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (!xr_is_ws((char)*s)) {
			return false;
		}
	}
	return true;
}

/* xr_trim narrows [*s, *s + *n) to drop XML white space at both ends. */
static void
xr_trim(const char **s, size_t *n)
{
	while (*n > 0 && xr_is_ws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && xr_is_ws((*s)[*n - 1])) {
		(*n)--;
	}
}

/* xr_is tells whether n is the un-namespaced element called name. */
static bool
xr_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * xr_next_elem finds the first element at or after n among siblings, in a
 * place where only elements belong: white space, comments and processing
 * instructions are skipped, anything else is XR_PERR_SHAPE. *out is NULL
 * when there is none.
 */
static int
xr_next_elem(struct xr_pctx *c, xmlNode *n, xmlNode **out)
{
	for (*out = NULL; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			*out = n;
			return 0;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (!xr_all_ws(n->content)) {
				return xr_fail(c, XR_PERR_SHAPE, n,
				    "text inside <%s>", n->parent->name);
			}
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		default:
			return xr_fail(c, XR_PERR_SHAPE, n,
			    "unexpected XML node type %d", (int)n->type);
		}
	}
	return 0;
}

/*
 * xr_expect finds the next element after n and checks it is called name
 * (NULL: that there is none).
 */
static int
xr_expect(struct xr_pctx *c, const xmlNode *parent, xmlNode *n,
    const char *name, xmlNode **out)
{
	int rv;

	if ((rv = xr_next_elem(c, n, out)) != 0) {
		return rv;
	}
	if (name == NULL && *out != NULL) {
		return xr_fail(c, XR_PERR_SHAPE, *out,
		    "unexpected <%.*s> in <%s>", xr_quote_len((*out)->name),
		    (*out)->name, parent->name);
	}
	if (name != NULL && !xr_is(*out, name)) {
		return xr_fail(c, XR_PERR_SHAPE, *out != NULL ? *out : parent,
		    "<%s> expected in <%s>", name, parent->name);
	}
	return 0;
}

/*
 * xr_text collects the character data of element e, which may hold only
 * text, CDATA, comments and processing instructions. *out is owned by the
 * caller and NUL-terminated; libxml2 guarantees UTF-8 without NUL.
 */
static int
xr_text(struct xr_pctx *c, const xmlNode *e, char **out, size_t *lenp)
{
	struct fv_buf b;
	int rv = 0;

	fv_buf_init(&b, c->lim->max_body);
	for (const xmlNode *n = e->children; n != NULL && rv == 0;
	     n = n->next) {
		switch (n->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content != NULL &&
			    fv_buf_puts(&b, (const char *)n->content) != 0) {
				rv = xr_fail(
				    c, XR_PERR_SIZE, n, "text too long");
			}
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		default:
			rv = xr_fail(c, XR_PERR_SHAPE, n,
			    "<%.*s> may hold only text", xr_quote_len(e->name),
			    e->name);
			break;
		}
	}
	if (rv != 0) {
		fv_buf_fini(&b);
		return rv;
	}
	*lenp = b.len;
	*out = fv_buf_take(&b);
	return 0;
}

bool
xr_scan_i32(const char *s, size_t n, int32_t *out)
{
	int64_t v = 0;
	bool neg = false;
	size_t i = 0;

	xr_trim(&s, &n);
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n) {
		return false;
	}
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (s[i] - '0');
		if (v > (int64_t)INT32_MAX + 1) {
			return false;
		}
	}
	if (neg) {
		v = -v;
	}
	if (v > INT32_MAX || v < INT32_MIN) {
		return false;
	}
	*out = (int32_t)v;
	return true;
}

/*
 * xr_scan_double reads a finite decimal number, [+-]digits[.digits] or
 * [+-].digits, with an optional exponent: what Python's repr writes and
 * float() reads, less nan, inf, hex and "_" separators.
 */
static bool
xr_scan_double(const char *s, size_t n, double *out)
{
	size_t i = 0, mant = 0;
	locale_t c_loc;
	char *end;
	double v;

	xr_trim(&s, &n);
	if (n > XR_DOUBLE_MAX) {
		return false;
	}
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		mant++;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			mant++;
		}
	}
	if (mant == 0) {
		return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-')) {
			i++;
		}
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			exp++;
		}
		if (exp == 0) {
			return false;
		}
	}
	if (i != n) {
		return false;
	}
	/* The text ends in white space or NUL, where strtod stops too. */
	if ((c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) == (locale_t)0) {
		return false;
	}
	v = strtod_l(s, &end, c_loc);
	freelocale(c_loc);
	if (end != s + n || !isfinite(v)) {
		return false;
	}
	*out = v;
	return true;
}

static bool
xr_scan_2(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
		return false;
	}
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

/* xr_scan_datetime reads exactly YYYYMMDDTHH:MM:SS, a real date. */
static bool
xr_scan_datetime(const char *s, size_t n, struct xr_datetime *dt)
{
	int hi, lo;

	xr_trim(&s, &n);
	if (n != 17 || s[8] != 'T' || s[11] != ':' || s[14] != ':' ||
	    !xr_scan_2(s, &hi) || !xr_scan_2(s + 2, &lo) ||
	    !xr_scan_2(s + 4, &dt->month) || !xr_scan_2(s + 6, &dt->day) ||
	    !xr_scan_2(s + 9, &dt->hour) || !xr_scan_2(s + 12, &dt->minute) ||
	    !xr_scan_2(s + 15, &dt->second)) {
		return false;
	}
	dt->year = hi * 100 + lo;
	return xr_datetime_valid(dt);
}

static int
xr_b64_val(char ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return ch - 'A';
	}
	if (ch >= 'a' && ch <= 'z') {
		return ch - 'a' + 26;
	}
	if (ch >= '0' && ch <= '9') {
		return ch - '0' + 52;
	}
	if (ch == '+') {
		return 62;
	}
	if (ch == '/') {
		return 63;
	}
	return -1;
}

/*
 * xr_scan_base64 decodes standard base64 in place into out (at least n
 * bytes): XML white space anywhere is skipped (Python breaks lines every
 * 76 characters), any other byte outside the alphabet is refused, and the
 * padding must be complete, as Python's decoder insists.
 */
static bool
xr_scan_base64(const char *s, size_t n, char *out, size_t *outlen)
{
	unsigned quad[4];
	size_t q = 0, k = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (xr_is_ws(s[i])) {
			continue;
		}
		if (s[i] == '=') {
			/* "xx==" or "xxx=" only, and nothing after. */
			if (q < 2) {
				return false;
			}
			pad++;
			v = 0;
		} else if (pad > 0 || (v = xr_b64_val(s[i])) < 0) {
			return false;
		}
		quad[q++] = (unsigned)v;
		if (q < 4) {
			continue;
		}
		out[k++] = (char)((quad[0] << 2) | (quad[1] >> 4));
		if (pad < 2) {
			out[k++] =
			    (char)(((quad[1] & 15) << 4) | (quad[2] >> 2));
		}
		if (pad < 1) {
			out[k++] = (char)(((quad[2] & 3) << 6) | quad[3]);
		}
		q = 0;
		if (pad > 0) {
			/* Only white space may follow the padding. */
			for (i++; i < n; i++) {
				if (!xr_is_ws(s[i])) {
					return false;
				}
			}
			break;
		}
	}
	if (q != 0) {
		return false;
	}
	*outlen = k;
	out[k] = '\0';
	return true;
}

static int xr_parse_value(
    struct xr_pctx *c, xmlNode *ve, size_t depth, struct xr_value **out);

/* xr_parse_array reads <array><data><value>*</data></array>. */
static int
xr_parse_array(
    struct xr_pctx *c, xmlNode *ae, size_t depth, struct xr_value **out)
{
	struct xr_value *arr, *item;
	xmlNode *de, *n, *ve;
	size_t count = 0;
	int rv;

	if ((rv = xr_expect(c, ae, ae->children, "data", &de)) != 0 ||
	    (rv = xr_expect(c, ae, de->next, NULL, &n)) != 0) {
		return rv;
	}
	arr = xr_array_new();
	for (n = de->children;; n = ve->next) {
		if ((rv = xr_next_elem(c, n, &ve)) != 0) {
			goto fail;
		}
		if (ve == NULL) {
			break;
		}
		if (!xr_is(ve, "value")) {
			rv = xr_expect(c, de, ve, "value", &ve);
			goto fail;
		}
		if (++count > c->lim->max_items) {
			rv = xr_fail(c, XR_PERR_LIMIT, ve,
			    "more than %zu array items", c->lim->max_items);
			goto fail;
		}
		if ((rv = xr_parse_value(c, ve, depth + 1, &item)) != 0) {
			goto fail;
		}
		xr_array_add_take(arr, item);
	}
	*out = arr;
	return 0;
fail:
	xr_value_free(arr);
	return rv;
}

/* xr_parse_struct reads <struct>(<member><name/><value/></member>)*. */
static int
xr_parse_struct(
    struct xr_pctx *c, xmlNode *se, size_t depth, struct xr_value **out)
{
	struct xr_value *st, *item;
	xmlNode *n, *me, *ne, *ve;
	size_t count = 0, len;
	char *name;
	int rv;

	st = xr_struct_new();
	for (n = se->children;; n = me->next) {
		if ((rv = xr_next_elem(c, n, &me)) != 0) {
			goto fail;
		}
		if (me == NULL) {
			break;
		}
		if (!xr_is(me, "member")) {
			rv = xr_expect(c, se, me, "member", &me);
			goto fail;
		}
		if (++count > c->lim->max_items) {
			rv = xr_fail(c, XR_PERR_LIMIT, me,
			    "more than %zu struct members", c->lim->max_items);
			goto fail;
		}
		if ((rv = xr_expect(c, me, me->children, "name", &ne)) != 0 ||
		    (rv = xr_expect(c, me, ne->next, "value", &ve)) != 0 ||
		    (rv = xr_expect(c, me, ve->next, NULL, &n)) != 0 ||
		    (rv = xr_text(c, ne, &name, &len)) != 0) {
			goto fail;
		}
		if ((rv = xr_parse_value(c, ve, depth + 1, &item)) != 0) {
			free(name);
			goto fail;
		}
		xr_struct_append_take(st, name, item);
	}
	*out = st;
	return 0;
fail:
	xr_value_free(st);
	return rv;
}

/* The scalar type elements, by name (<i4> is an alias of <int>). */
static const struct xr_scalar {
	const char *name;
	enum xr_type type;
} xr_scalars[] = {
	{ "base64", XR_BASE64 },
	{ "boolean", XR_BOOL },
	{ "dateTime.iso8601", XR_DATETIME },
	{ "double", XR_DOUBLE },
	{ "i4", XR_INT },
	{ "int", XR_INT },
	{ "string", XR_STRING },
};

/* xr_parse_scalar reads the text of type element te as its type. */
static int
xr_parse_scalar(struct xr_pctx *c, xmlNode *te, struct xr_value **out)
{
	const struct xr_scalar *sc = NULL;
	struct xr_datetime dt;
	size_t len, blen;
	const char *s;
	char *text;
	int32_t i;
	double d;
	int rv;

	for (size_t k = 0; k < nitems(xr_scalars); k++) {
		if (strcmp((const char *)te->name, xr_scalars[k].name) == 0) {
			sc = &xr_scalars[k];
		}
	}
	if (sc == NULL) {
		return xr_fail(c, XR_PERR_VALUE, te, "unknown type <%.*s>",
		    xr_quote_len(te->name), te->name);
	}
	if ((rv = xr_text(c, te, &text, &len)) != 0) {
		return rv;
	}
	switch (sc->type) {
	case XR_STRING:
		*out = xr_bytes_new_take(XR_STRING, text, len);
		return 0;
	case XR_BASE64:
		/* Decoding only shrinks: reuse the text's storage. */
		if (!xr_scan_base64(text, len, text, &blen)) {
			free(text);
			return xr_fail(c, XR_PERR_VALUE, te, "bad <base64>");
		}
		*out = xr_bytes_new_take(XR_BASE64, text, blen);
		return 0;
	case XR_INT:
		if (!xr_scan_i32(text, len, &i)) {
			rv = xr_fail(c, XR_PERR_VALUE, te,
			    "<%s> is not a 32-bit integer", sc->name);
			break;
		}
		*out = xr_int_new(i);
		break;
	case XR_BOOL:
		s = text;
		xr_trim(&s, &len);
		if (len != 1 || (s[0] != '0' && s[0] != '1')) {
			rv = xr_fail(
			    c, XR_PERR_VALUE, te, "<boolean> is not 0 or 1");
			break;
		}
		*out = xr_bool_new(s[0] == '1');
		break;
	case XR_DOUBLE:
		if (!xr_scan_double(text, len, &d)) {
			rv = xr_fail(c, XR_PERR_VALUE, te,
			    "<double> is not a finite decimal number");
			break;
		}
		*out = xr_double_new(d);
		break;
	case XR_DATETIME:
		if (!xr_scan_datetime(text, len, &dt)) {
			rv = xr_fail(c, XR_PERR_VALUE, te,
			    "<dateTime.iso8601> is not YYYYMMDDTHH:MM:SS");
			break;
		}
		*out = xr_datetime_new(&dt);
		break;
	case XR_ARRAY:
	case XR_STRUCT:
		rv = xr_fail(c, XR_PERR_VALUE, te, "not a scalar");
		break;
	}
	free(text);
	return rv;
}

/*
 * xr_parse_value reads <value> element ve, enclosed in depth containers:
 * one type element (white space, comments around it), or text only, which
 * is a string (the spec's default type).
 */
static int
xr_parse_value(
    struct xr_pctx *c, xmlNode *ve, size_t depth, struct xr_value **out)
{
	xmlNode *te = NULL;
	bool text = false;
	size_t len;
	char *s;
	int rv;

	for (xmlNode *n = ve->children; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			if (te != NULL) {
				return xr_fail(c, XR_PERR_SHAPE, n,
				    "two types in one <value>");
			}
			te = n;
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			text = text || !xr_all_ws(n->content);
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		default:
			return xr_fail(c, XR_PERR_SHAPE, n,
			    "unexpected XML node type %d", (int)n->type);
		}
	}
	if (te == NULL) {
		if ((rv = xr_text(c, ve, &s, &len)) != 0) {
			return rv;
		}
		*out = xr_bytes_new_take(XR_STRING, s, len);
		return 0;
	}
	if (text) {
		return xr_fail(c, XR_PERR_SHAPE, te, "text beside <%.*s>",
		    xr_quote_len(te->name), te->name);
	}
	if (te->ns != NULL) {
		return xr_fail(c, XR_PERR_VALUE, te,
		    "unknown type <%.*s> (namespaced)", xr_quote_len(te->name),
		    te->name);
	}
	if (strcmp((const char *)te->name, "array") == 0 ||
	    strcmp((const char *)te->name, "struct") == 0) {
		if (depth >= c->max_depth) {
			return xr_fail(c, XR_PERR_LIMIT, te,
			    "values nested more than %zu deep", c->max_depth);
		}
		return te->name[0] == 'a' ? xr_parse_array(c, te, depth, out)
		                          : xr_parse_struct(c, te, depth, out);
	}
	return xr_parse_scalar(c, te, out);
}

/* xr_on_doctype is libxml2's internalSubset callback: stop right there. */
static void
xr_on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
    const xmlChar *system_id)
{
	xmlParserCtxt *ctxt = ctx;
	struct xr_pctx *c = ctxt->_private;

	c->doctype = true;
	xr_xml.StopParser(ctxt);
}

/*
 * xr_read checks the size of the body and has libxml2 parse it, with p's
 * context when p is not NULL; on success *docp is the caller's to
 * xmlFreeDoc.
 */
static int
xr_read(struct xr_pctx *c, struct xr_parser *p, const char *body, size_t len,
    xmlDoc **docp)
{
	const xmlError *e;
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	size_t n;
	int rv = 0;

	*docp = NULL;
	if (len > c->lim->max_body || len > XR_MAX_BODY_HARD) {
		return xr_fail(c, XR_PERR_SIZE, NULL,
		    "body of %zu bytes exceeds the limit of %zu", len,
		    c->lim->max_body);
	}
	if ((rv = xr_libxml_load(c->d)) != 0) {
		c->perr = XR_PERR_XML;
		return rv;
	}
	if (p != NULL && p->ctxt != NULL) {
		ctxt = p->ctxt; /* xmlCtxtReadMemory resets it first */
	} else if ((ctxt = xr_xml.NewParserCtxt()) == NULL) {
		c->perr = XR_PERR_XML;
		return fv_diagf(c->d, -ENOMEM, "libxml2: out of memory");
	}
	ctxt->_private = c;
	ctxt->sax->internalSubset = xr_on_doctype;
	doc = xr_xml.CtxtReadMemory(
	    ctxt, body, (int)len, NULL, "UTF-8", XR_XML_OPTIONS);
	if (c->doctype ||
	    (doc != NULL &&
	        (doc->intSubset != NULL || doc->extSubset != NULL))) {
		rv = xr_fail(c, XR_PERR_XML, NULL, "DOCTYPE is not allowed");
	} else if (doc == NULL || !ctxt->wellFormed) {
		e = xr_xml.CtxtGetLastError(ctxt);
		if (e == NULL || e->message == NULL) {
			rv = xr_fail(
			    c, XR_PERR_XML, NULL, "not well-formed XML");
		} else {
			/* libxml2 may quote element names: keep it short. */
			n = strlen(e->message);
			while (n > 0 &&
			    (e->message[n - 1] == '\n' ||
			        e->message[n - 1] == ' ')) {
				n--;
			}
			n = fv_str_utf8_prefix(
			    e->message, n < XR_XMLMSG_MAX ? n : XR_XMLMSG_MAX);
			rv = xr_fail(c, XR_PERR_XML, NULL, "XML line %d: %.*s",
			    e->line, (int)n, e->message);
		}
	}
	if (rv != 0) {
		xr_xml.FreeDoc(doc);
	} else {
		*docp = doc;
	}
	ctxt->_private = NULL;
	if (p != NULL && xr_xml.DictSize(ctxt->dict) <= XR_DICT_KEEP_MAX) {
		p->ctxt = ctxt;
	} else {
		if (p != NULL) {
			p->ctxt = NULL;
		}
		xr_xml.FreeParserCtxt(ctxt);
	}
	return rv;
}

struct xr_parser *
xr_parser_new(void)
{
	return fv_xcalloc(1, sizeof(struct xr_parser));
}

void
xr_parser_free(struct xr_parser *p)
{
	if (p == NULL) {
		return;
	}
	if (p->ctxt != NULL) { /* else libxml2 may never have been loaded */
		xr_xml.FreeParserCtxt(p->ctxt);
	}
	free(p);
}

/* xr_root returns the root element of doc if it is called name. */
static int
xr_root(struct xr_pctx *c, xmlDoc *doc, const char *name, xmlNode **out)
{
	*out = xr_xml.DocGetRootElement(doc);
	if (!xr_is(*out, name)) {
		return xr_fail(
		    c, XR_PERR_SHAPE, *out, "root is not <%s>", name);
	}
	return 0;
}

static void
xr_pctx_init(struct xr_pctx *c, const struct xr_limits *lim, struct fv_diag *d)
{
	c->lim = lim;
	c->max_depth = lim->max_depth < XR_MAX_DEPTH_HARD ? lim->max_depth
	                                                  : XR_MAX_DEPTH_HARD;
	c->d = d;
	c->perr = XR_PERR_NONE;
	c->doctype = false;
	if (d != NULL) {
		d->msg[0] = '\0';
	}
}

/* xr_parse_params reads <params>(<param><value/></param>)* into *out. */
static int
xr_parse_params(struct xr_pctx *c, xmlNode *pe, struct xr_value *arr)
{
	struct xr_value *item;
	xmlNode *n, *param, *ve;
	size_t count = 0;
	int rv;

	for (n = pe->children;; n = param->next) {
		if ((rv = xr_next_elem(c, n, &param)) != 0) {
			return rv;
		}
		if (param == NULL) {
			return 0;
		}
		if (!xr_is(param, "param")) {
			return xr_expect(c, pe, param, "param", &param);
		}
		if (++count > c->lim->max_items) {
			return xr_fail(c, XR_PERR_LIMIT, param,
			    "more than %zu params", c->lim->max_items);
		}
		if ((rv = xr_expect(c, param, param->children, "value", &ve)) !=
		        0 ||
		    (rv = xr_expect(c, param, ve->next, NULL, &n)) != 0 ||
		    (rv = xr_parse_value(c, ve, 0, &item)) != 0) {
			return rv;
		}
		xr_array_add_take(arr, item);
	}
}

static int
xr_parse_call(struct xr_pctx *c, xmlDoc *doc, struct xr_request *out)
{
	xmlNode *root, *ne, *pe, *n;
	size_t len;
	int rv;

	if ((rv = xr_root(c, doc, "methodCall", &root)) != 0 ||
	    (rv = xr_expect(c, root, root->children, "methodName", &ne)) != 0 ||
	    (rv = xr_text(c, ne, &out->method, &len)) != 0) {
		return rv;
	}
	if (len == 0) {
		return xr_fail(c, XR_PERR_SHAPE, ne, "empty <methodName>");
	}
	if (len > c->lim->max_method) {
		return xr_fail(c, XR_PERR_NAME, ne,
		    "methodName of %zu bytes exceeds %zu", len,
		    c->lim->max_method);
	}
	out->params = xr_array_new();
	if ((rv = xr_next_elem(c, ne->next, &pe)) != 0) {
		return rv;
	}
	if (pe == NULL) {
		return 0; /* no <params>: allowed, as 4.2.5 does */
	}
	if (!xr_is(pe, "params")) {
		return xr_expect(c, root, pe, "params", &pe);
	}
	if ((rv = xr_parse_params(c, pe, out->params)) != 0) {
		return rv;
	}
	return xr_expect(c, root, pe->next, NULL, &n);
}

/* xr_parser_request_xml reads any body with libxml2. */
static int
xr_parser_request_xml(struct xr_parser *p, const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out, struct fv_diag *d)
{
	struct xr_pctx c;
	xmlDoc *doc;
	int rv;

	xr_pctx_init(&c, lim, d);
	out->method = NULL;
	out->params = NULL;
	if ((rv = xr_read(&c, p, body, len, &doc)) == 0) {
		rv = xr_parse_call(&c, doc, out);
		xr_xml.FreeDoc(doc);
	}
	if (rv != 0) {
		xr_request_fini(out);
	}
	out->perr = c.perr;
	return rv;
}

int
xr_parser_request(struct xr_parser *p, const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out, struct fv_diag *d)
{
	if (xr_request_parse_fast(body, len, lim, out)) {
		if (d != NULL) {
			d->msg[0] = '\0';
		}
		return 0;
	}
	return xr_parser_request_xml(p, body, len, lim, out, d);
}

int
xr_request_parse_xml(const char *body, size_t len, const struct xr_limits *lim,
    struct xr_request *out, struct fv_diag *d)
{
	return xr_parser_request_xml(NULL, body, len, lim, out, d);
}

int
xr_request_parse_with(const char *body, size_t len, const struct xr_limits *lim,
    struct xr_request *out, struct fv_diag *d)
{
	return xr_parser_request(NULL, body, len, lim, out, d);
}

int
xr_request_parse(
    const char *body, size_t len, struct xr_request *out, struct fv_diag *d)
{
	return xr_request_parse_with(body, len, &xr_limits_request, out, d);
}

void
xr_request_fini(struct xr_request *r)
{
	free(r->method);
	xr_value_free(r->params);
	r->method = NULL;
	r->params = NULL;
	r->perr = XR_PERR_NONE;
}

/* xr_parse_fault reads <fault><value><struct>{faultCode, faultString}. */
static int
xr_parse_fault(struct xr_pctx *c, xmlNode *fe, struct xr_response *out)
{
	struct xr_value *v = NULL;
	const char *s;
	xmlNode *ve, *n;
	size_t len;
	int rv;

	if ((rv = xr_expect(c, fe, fe->children, "value", &ve)) != 0 ||
	    (rv = xr_expect(c, fe, ve->next, NULL, &n)) != 0 ||
	    (rv = xr_parse_value(c, ve, 0, &v)) != 0) {
		return rv;
	}
	if (!xr_int_get(xr_struct_get(v, "faultCode"), &out->fault_code) ||
	    (s = xr_string_get(xr_struct_get(v, "faultString"), &len)) ==
	        NULL) {
		xr_value_free(v);
		return xr_fail(c, XR_PERR_SHAPE, ve,
		    "a fault needs an int faultCode and a string faultString");
	}
	out->fault = true;
	out->fault_string = fv_xstrndup(s, len);
	xr_value_free(v);
	return 0;
}

static int
xr_parse_reply(struct xr_pctx *c, xmlDoc *doc, struct xr_response *out)
{
	xmlNode *root, *e, *param, *ve, *n;
	int rv;

	if ((rv = xr_root(c, doc, "methodResponse", &root)) != 0 ||
	    (rv = xr_next_elem(c, root->children, &e)) != 0) {
		return rv;
	}
	if (xr_is(e, "fault")) {
		rv = xr_parse_fault(c, e, out);
	} else if (!xr_is(e, "params")) {
		return xr_expect(c, root, e, "params", &e);
	} else if ((rv = xr_expect(c, e, e->children, "param", &param)) != 0 ||
	    (rv = xr_expect(c, e, param->next, NULL, &n)) != 0 ||
	    (rv = xr_expect(c, param, param->children, "value", &ve)) != 0 ||
	    (rv = xr_expect(c, param, ve->next, NULL, &n)) != 0) {
		return rv;
	} else {
		rv = xr_parse_value(c, ve, 0, &out->value);
	}
	if (rv != 0) {
		return rv;
	}
	return xr_expect(c, root, e->next, NULL, &n);
}

int
xr_response_parse_with(const char *body, size_t len,
    const struct xr_limits *lim, struct xr_response *out, struct fv_diag *d)
{
	struct xr_pctx c;
	xmlDoc *doc;
	int rv;

	xr_pctx_init(&c, lim, d);
	memset(out, 0, sizeof(*out));
	if ((rv = xr_read(&c, NULL, body, len, &doc)) == 0) {
		rv = xr_parse_reply(&c, doc, out);
		xr_xml.FreeDoc(doc);
	}
	if (rv != 0) {
		xr_response_fini(out);
	}
	out->perr = c.perr;
	return rv;
}

int
xr_response_parse(
    const char *body, size_t len, struct xr_response *out, struct fv_diag *d)
{
	return xr_response_parse_with(body, len, &xr_limits_response, out, d);
}

void
xr_response_fini(struct xr_response *r)
{
	xr_value_free(r->value);
	free(r->fault_string);
	memset(r, 0, sizeof(*r));
}
