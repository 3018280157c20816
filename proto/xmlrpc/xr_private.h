#ifndef FV_PROTO_XMLRPC_XR_PRIVATE_H
#define FV_PROTO_XMLRPC_XR_PRIVATE_H

/*
 * The representation of struct xr_value, shared by xr_value.c, xr_parse.c,
 * xr_fast.c and xr_write.c only. Nothing outside proto/xmlrpc includes this
 * file: users go through the accessors of xr_value.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/xmlrpc/xr_value.h"

struct xr_member {
	const char *name; /* NUL-terminated; owned through name_owned */
	/* name itself when the member owns it; NULL for a string literal
	 * given to xr_struct_add_static_take, which is never freed. */
	char *name_owned;
	struct xr_value *value;
};

/*
 * Where a node's storage lives. A node and its parts are normally
 * separate allocations, each freed by xr_value_free; these flags mark the
 * parts that share an allocation with something else and so are never
 * passed to free() on their own.
 */
enum {
	/* The node lies inside its parent's allocation (a struct made by
	 * xr_struct_new_fields), released with the parent. */
	XR_VF_EMBEDDED = 1 << 0,
	/* u.bytes.p lies inside the node's allocation or its parent's. */
	XR_VF_BYTES_SHARED = 1 << 1,
	/* u.st.m lies inside the node's allocation; growing it copies it
	 * out to a heap array first. */
	XR_VF_ITEMS_SHARED = 1 << 2,
};

struct xr_value {
	enum xr_type type;
	unsigned flags; /* XR_VF_* */
	struct xr_memo *memo; /* a reference, or NULL: see xr_memo_attach */
	union {
		int32_t i;
		bool b;
		double d;
		struct xr_datetime dt;
		struct {
			/* Owned (see XR_VF_BYTES_SHARED); one extra NUL
			 * after n bytes. */
			char *p;
			size_t n;
		} bytes; /* XR_STRING, XR_BASE64 */
		struct {
			struct xr_value **v;
			size_t n;
			size_t cap;
		} arr;
		struct {
			struct xr_member *m;
			size_t n;
			size_t cap;
		} st;
	} u;
};

struct xr_memo {
	size_t refs;
	struct xr_value *value; /* owned: the value the bytes encode */
	/* Nested containers in value (0 for a scalar): the writer may use
	 * the bytes only where the value would not pass the depth limit. */
	size_t height;
	size_t len;
	char bytes[]; /* len bytes, then a NUL */
};

/* xr_scan_i32 reads [+-]digits, XML white space around them, into a
 * 32-bit int; false if it is not one (xr_parse.c, used by xr_fast.c). */
bool xr_scan_i32(const char *s, size_t n, int32_t *out);

/* xr_memo_drop releases v's memo, if any: v is about to change. */
void xr_memo_drop(struct xr_value *v);

/* xr_bytes_new_take makes a string or base64 value that owns p[0..n]. */
struct xr_value *xr_bytes_new_take(enum xr_type t, char *p, size_t n);
/*
 * xr_struct_append_take appends a member without looking for its name
 * (the parser keeps duplicates); it owns name and v from now on.
 */
void xr_struct_append_take(struct xr_value *s, char *name, struct xr_value *v);

#endif
