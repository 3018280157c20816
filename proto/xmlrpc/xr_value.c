/*
 * The XML-RPC value tree: constructors, accessors, copy, comparison and
 * release. This module owns the representation of struct xr_value and the
 * rule that every node has one owner (its container, or the caller for a
 * root). It never parses or formats, and its accessors never abort on a
 * value of the wrong type: a peer chooses the types, so a mismatch is an
 * ordinary answer (false / NULL / 0) for the caller to turn into a fault.
 *
 * The functions that walk a tree recurse once per nesting level. Trees that
 * come from a peer are at most XR_MAX_DEPTH_HARD deep (xr_parse.c), and the
 * writers refuse deeper ones, so the recursion is bounded where it matters.
 */
#include "proto/xmlrpc/xr_value.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "proto/xmlrpc/xr_private.h"

static struct xr_value *
xr_value_alloc(enum xr_type t)
{
	struct xr_value *v = fv_xcalloc(1, sizeof(*v));

	v->type = t;
	return v;
}

struct xr_value *
xr_int_new(int32_t i)
{
	struct xr_value *v = xr_value_alloc(XR_INT);

	v->u.i = i;
	return v;
}

struct xr_value *
xr_bool_new(bool b)
{
	struct xr_value *v = xr_value_alloc(XR_BOOL);

	v->u.b = b;
	return v;
}

struct xr_value *
xr_double_new(double d)
{
	struct xr_value *v = xr_value_alloc(XR_DOUBLE);

	v->u.d = d;
	return v;
}

struct xr_value *
xr_bytes_new_take(enum xr_type t, char *p, size_t n)
{
	struct xr_value *v = xr_value_alloc(t);

	v->u.bytes.p = p;
	v->u.bytes.n = n;
	return v;
}

/*
 * xr_bytes_new copies the bytes into the node's own allocation, just past
 * it: one malloc and one free per string instead of two.
 */
static struct xr_value *
xr_bytes_new(enum xr_type t, const void *p, size_t n)
{
	struct xr_value *v;

	/* Sizes from peers are capped long before this; like fv_xmalloc,
	 * an impossible size aborts. */
	if (n > SIZE_MAX - sizeof(*v) - 1) {
		abort();
	}
	v = fv_xmalloc(sizeof(*v) + n + 1);
	memset(v, 0, sizeof(*v));
	v->type = t;
	v->flags = XR_VF_BYTES_SHARED;
	v->u.bytes.p = (char *)(v + 1);
	v->u.bytes.n = n;
	if (n > 0) {
		memcpy(v->u.bytes.p, p, n);
	}
	v->u.bytes.p[n] = '\0';
	return v;
}

struct xr_value *
xr_string_new(const char *s)
{
	return xr_bytes_new(XR_STRING, s, strlen(s));
}

struct xr_value *
xr_string_newn(const void *p, size_t n)
{
	return xr_bytes_new(XR_STRING, p, n);
}

struct xr_value *
xr_base64_new(const void *p, size_t n)
{
	return xr_bytes_new(XR_BASE64, p, n);
}

struct xr_value *
xr_datetime_new(const struct xr_datetime *dt)
{
	struct xr_value *v = xr_value_alloc(XR_DATETIME);

	v->u.dt = *dt;
	return v;
}

struct xr_value *
xr_array_new(void)
{
	return xr_value_alloc(XR_ARRAY);
}

struct xr_value *
xr_struct_new(void)
{
	return xr_value_alloc(XR_STRUCT);
}

struct xr_value *
xr_struct_new_fields(const struct xr_field *f, size_t n)
{
	size_t head = sizeof(struct xr_value) +
	    n * (sizeof(struct xr_member) + sizeof(struct xr_value));
	size_t total = head, k;
	struct xr_value *s, *vals;
	char *bytes;

	/* Header, members, value nodes, then every string's bytes and NUL:
	 * one allocation, so a process-info struct costs one malloc. */
	for (k = 0; k < n; k++) {
		if (f[k].type == XR_STRING) {
			total += strlen(f[k].s) + 1;
		} else if (f[k].type != XR_INT && f[k].type != XR_BOOL) {
			abort(); /* a programming error: see xr_value.h */
		}
	}
	s = fv_xmalloc(total);
	memset(s, 0, head);
	s->type = XR_STRUCT;
	s->flags = XR_VF_ITEMS_SHARED;
	s->u.st.m = (struct xr_member *)(s + 1);
	s->u.st.n = s->u.st.cap = n;
	vals = (struct xr_value *)(s->u.st.m + n);
	bytes = (char *)(vals + n);
	for (k = 0; k < n; k++) {
		struct xr_value *v = &vals[k];

		v->type = f[k].type;
		v->flags = XR_VF_EMBEDDED;
		if (f[k].type == XR_INT) {
			v->u.i = f[k].i;
		} else if (f[k].type == XR_BOOL) {
			v->u.b = f[k].i != 0;
		} else {
			size_t len = strlen(f[k].s);

			v->flags |= XR_VF_BYTES_SHARED;
			v->u.bytes.p = bytes;
			v->u.bytes.n = len;
			memcpy(bytes, f[k].s, len + 1);
			bytes += len + 1;
		}
		s->u.st.m[k].name = f[k].name;
		s->u.st.m[k].value = v;
	}
	return s;
}

void
xr_value_free(struct xr_value *v)
{
	if (v == NULL) {
		return;
	}
	xr_memo_free(v->memo);
	switch (v->type) {
	case XR_STRING:
	case XR_BASE64:
		if ((v->flags & XR_VF_BYTES_SHARED) == 0) {
			free(v->u.bytes.p);
		}
		break;
	case XR_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++) {
			xr_value_free(v->u.arr.v[i]);
		}
		free(v->u.arr.v);
		break;
	case XR_STRUCT:
		for (size_t i = 0; i < v->u.st.n; i++) {
			const struct xr_value *c = v->u.st.m[i].value;

			free(v->u.st.m[i].name_owned);
			/* The members of xr_struct_new_fields own nothing:
			 * skip the call for each (getAllProcessInfo frees
			 * thousands of them). */
			if (c != NULL && (c->flags & XR_VF_EMBEDDED) != 0 &&
			    c->memo == NULL &&
			    (c->type == XR_INT || c->type == XR_BOOL ||
			        (c->flags & XR_VF_BYTES_SHARED) != 0)) {
				continue;
			}
			xr_value_free(v->u.st.m[i].value);
		}
		if ((v->flags & XR_VF_ITEMS_SHARED) == 0) {
			free(v->u.st.m);
		}
		break;
	case XR_INT:
	case XR_BOOL:
	case XR_DOUBLE:
	case XR_DATETIME:
		break;
	}
	if ((v->flags & XR_VF_EMBEDDED) == 0) {
		free(v);
	}
}

/* xr_grow_cap is the capacity that holds n more items after len. */
static size_t
xr_grow_cap(size_t len, size_t cap, size_t n)
{
	if (n <= cap - len) {
		return cap;
	}
	if (n > SIZE_MAX / 4 - len) {
		abort();
	}
	cap = cap == 0 ? 4 : cap;
	while (cap - len < n) {
		cap *= 2;
	}
	return cap;
}

void
xr_array_reserve(struct xr_value *a, size_t n)
{
	size_t cap = xr_grow_cap(a->u.arr.n, a->u.arr.cap, n);

	if (cap != a->u.arr.cap) {
		a->u.arr.v =
		    fv_xreallocarray(a->u.arr.v, cap, sizeof(*a->u.arr.v));
		a->u.arr.cap = cap;
	}
}

void
xr_struct_reserve(struct xr_value *s, size_t n)
{
	size_t cap = xr_grow_cap(s->u.st.n, s->u.st.cap, n);

	struct xr_member *m;

	if (cap == s->u.st.cap) {
		return;
	}
	if ((s->flags & XR_VF_ITEMS_SHARED) != 0) {
		m = fv_xreallocarray(NULL, cap, sizeof(*m));
		memcpy(m, s->u.st.m, s->u.st.n * sizeof(*m));
		s->flags &= ~(unsigned)XR_VF_ITEMS_SHARED;
	} else {
		m = fv_xreallocarray(s->u.st.m, cap, sizeof(*m));
	}
	s->u.st.m = m;
	s->u.st.cap = cap;
}

void
xr_memo_free(struct xr_memo *m)
{
	if (m == NULL || --m->refs > 0) {
		return;
	}
	xr_value_free(m->value);
	free(m);
}

void
xr_memo_drop(struct xr_value *v)
{
	xr_memo_free(v->memo);
	v->memo = NULL;
}

bool
xr_memo_attach(struct xr_memo *m, struct xr_value *v)
{
	if (m == NULL || v->memo == m) {
		return m != NULL;
	}
	if (!xr_value_equal(m->value, v)) {
		return false;
	}
	xr_memo_drop(v);
	m->refs++;
	v->memo = m;
	return true;
}

void
xr_array_add_take(struct xr_value *a, struct xr_value *v)
{
	xr_memo_drop(a);
	xr_array_reserve(a, 1);
	a->u.arr.v[a->u.arr.n++] = v;
}

static void
xr_struct_push(
    struct xr_value *s, const char *name, char *owned, struct xr_value *v)
{
	struct xr_member *m;

	xr_memo_drop(s);
	xr_struct_reserve(s, 1);
	m = &s->u.st.m[s->u.st.n++];
	m->name = name;
	m->name_owned = owned;
	m->value = v;
}

void
xr_struct_append_take(struct xr_value *s, char *name, struct xr_value *v)
{
	xr_struct_push(s, name, name, v);
}

void
xr_struct_add_static_take(
    struct xr_value *s, const char *name, struct xr_value *v)
{
	xr_struct_push(s, name, NULL, v);
}

void
xr_struct_set_take(struct xr_value *s, const char *name, struct xr_value *v)
{
	for (size_t i = 0; i < s->u.st.n; i++) {
		if (strcmp(s->u.st.m[i].name, name) == 0) {
			xr_memo_drop(s);
			xr_value_free(s->u.st.m[i].value);
			s->u.st.m[i].value = v;
			return;
		}
	}
	xr_struct_append_take(s, fv_xstrdup(name), v);
}

struct xr_value *
xr_value_dup(const struct xr_value *v)
{
	struct xr_value *c;

	if (v == NULL) {
		return NULL;
	}
	switch (v->type) {
	case XR_STRING:
	case XR_BASE64:
		return xr_bytes_new(v->type, v->u.bytes.p, v->u.bytes.n);
	case XR_ARRAY:
		c = xr_array_new();
		xr_array_reserve(c, v->u.arr.n);
		for (size_t i = 0; i < v->u.arr.n; i++) {
			xr_array_add_take(c, xr_value_dup(v->u.arr.v[i]));
		}
		return c;
	case XR_STRUCT:
		c = xr_struct_new();
		xr_struct_reserve(c, v->u.st.n);
		for (size_t i = 0; i < v->u.st.n; i++) {
			const struct xr_member *m = &v->u.st.m[i];
			char *own = NULL;

			/* A literal name outlives any tree: share it. */
			if (m->name_owned != NULL) {
				own = fv_xstrdup(m->name_owned);
			}
			xr_struct_push(c, own != NULL ? own : m->name, own,
			    xr_value_dup(m->value));
		}
		return c;
	case XR_INT:
	case XR_BOOL:
	case XR_DOUBLE:
	case XR_DATETIME:
		break;
	}
	c = xr_value_alloc(v->type);
	c->u = v->u;
	return c;
}

bool
xr_value_equal(const struct xr_value *a, const struct xr_value *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	if (a->type != b->type) {
		return false;
	}
	switch (a->type) {
	case XR_INT:
		return a->u.i == b->u.i;
	case XR_BOOL:
		return a->u.b == b->u.b;
	case XR_DOUBLE:
		/* Bit for bit: -0.0 and 0.0 are different values on the wire.
		 */
		return memcmp(&a->u.d, &b->u.d, sizeof(a->u.d)) == 0;
	case XR_DATETIME:
		return a->u.dt.year == b->u.dt.year &&
		    a->u.dt.month == b->u.dt.month &&
		    a->u.dt.day == b->u.dt.day &&
		    a->u.dt.hour == b->u.dt.hour &&
		    a->u.dt.minute == b->u.dt.minute &&
		    a->u.dt.second == b->u.dt.second;
	case XR_STRING:
	case XR_BASE64:
		return a->u.bytes.n == b->u.bytes.n &&
		    (a->u.bytes.n == 0 ||
		        memcmp(a->u.bytes.p, b->u.bytes.p, a->u.bytes.n) == 0);
	case XR_ARRAY:
		if (a->u.arr.n != b->u.arr.n) {
			return false;
		}
		for (size_t i = 0; i < a->u.arr.n; i++) {
			if (!xr_value_equal(a->u.arr.v[i], b->u.arr.v[i])) {
				return false;
			}
		}
		return true;
	case XR_STRUCT:
		if (a->u.st.n != b->u.st.n) {
			return false;
		}
		for (size_t i = 0; i < a->u.st.n; i++) {
			const char *an = a->u.st.m[i].name;
			const char *bn = b->u.st.m[i].name;

			/* Literal names are usually the same pointer. */
			if ((an != bn && strcmp(an, bn) != 0) ||
			    !xr_value_equal(
			        a->u.st.m[i].value, b->u.st.m[i].value)) {
				return false;
			}
		}
		return true;
	}
	return false;
}

enum xr_type
xr_value_type(const struct xr_value *v)
{
	return v != NULL ? v->type : (enum xr_type)0;
}

const char *
xr_type_name(enum xr_type t)
{
	switch (t) {
	case XR_INT:
		return "int";
	case XR_BOOL:
		return "boolean";
	case XR_STRING:
		return "string";
	case XR_DOUBLE:
		return "double";
	case XR_DATETIME:
		return "dateTime.iso8601";
	case XR_BASE64:
		return "base64";
	case XR_ARRAY:
		return "array";
	case XR_STRUCT:
		return "struct";
	}
	return "none";
}

bool
xr_int_get(const struct xr_value *v, int32_t *out)
{
	if (v == NULL || v->type != XR_INT) {
		return false;
	}
	*out = v->u.i;
	return true;
}

bool
xr_bool_get(const struct xr_value *v, bool *out)
{
	if (v == NULL || v->type != XR_BOOL) {
		return false;
	}
	*out = v->u.b;
	return true;
}

bool
xr_double_get(const struct xr_value *v, double *out)
{
	if (v == NULL || v->type != XR_DOUBLE) {
		return false;
	}
	*out = v->u.d;
	return true;
}

bool
xr_datetime_get(const struct xr_value *v, struct xr_datetime *out)
{
	if (v == NULL || v->type != XR_DATETIME) {
		return false;
	}
	*out = v->u.dt;
	return true;
}

const char *
xr_string_get(const struct xr_value *v, size_t *lenp)
{
	if (v == NULL || v->type != XR_STRING) {
		return NULL;
	}
	if (lenp != NULL) {
		*lenp = v->u.bytes.n;
	}
	return v->u.bytes.p;
}

const void *
xr_base64_get(const struct xr_value *v, size_t *lenp)
{
	if (v == NULL || v->type != XR_BASE64) {
		return NULL;
	}
	if (lenp != NULL) {
		*lenp = v->u.bytes.n;
	}
	return v->u.bytes.p;
}

size_t
xr_array_len(const struct xr_value *v)
{
	return v != NULL && v->type == XR_ARRAY ? v->u.arr.n : 0;
}

const struct xr_value *
xr_array_at(const struct xr_value *v, size_t i)
{
	if (v == NULL || v->type != XR_ARRAY || i >= v->u.arr.n) {
		return NULL;
	}
	return v->u.arr.v[i];
}

size_t
xr_struct_len(const struct xr_value *v)
{
	return v != NULL && v->type == XR_STRUCT ? v->u.st.n : 0;
}

const char *
xr_struct_name(const struct xr_value *v, size_t i)
{
	if (v == NULL || v->type != XR_STRUCT || i >= v->u.st.n) {
		return NULL;
	}
	return v->u.st.m[i].name;
}

const struct xr_value *
xr_struct_at(const struct xr_value *v, size_t i)
{
	if (v == NULL || v->type != XR_STRUCT || i >= v->u.st.n) {
		return NULL;
	}
	return v->u.st.m[i].value;
}

const struct xr_value *
xr_struct_get(const struct xr_value *v, const char *name)
{
	if (v == NULL || v->type != XR_STRUCT) {
		return NULL;
	}
	/* The last of duplicate names wins, as in a Python dict. */
	for (size_t i = v->u.st.n; i > 0; i--) {
		if (strcmp(v->u.st.m[i - 1].name, name) == 0) {
			return v->u.st.m[i - 1].value;
		}
	}
	return NULL;
}

bool
xr_datetime_valid(const struct xr_datetime *dt)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int dim;

	if (dt->year < 1 || dt->year > 9999 || dt->month < 1 ||
	    dt->month > 12 || dt->hour < 0 || dt->hour > 23 || dt->minute < 0 ||
	    dt->minute > 59 || dt->second < 0 || dt->second > 59) {
		return false;
	}
	dim = mdays[dt->month - 1];
	if (dt->month == 2 &&
	    (dt->year % 4 == 0 &&
	        (dt->year % 100 != 0 || dt->year % 400 == 0))) {
		dim = 29;
	}
	return dt->day >= 1 && dt->day <= dim;
}
