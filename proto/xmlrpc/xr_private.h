#ifndef FV_PROTO_XMLRPC_XR_PRIVATE_H
#define FV_PROTO_XMLRPC_XR_PRIVATE_H

/*
 * The representation of struct xr_value, shared by xr_value.c, xr_parse.c
 * and xr_write.c only. Nothing outside proto/xmlrpc includes this file:
 * users go through the accessors of xr_value.h.
 */
#include <stddef.h>

#include "proto/xmlrpc/xr_value.h"

struct xr_member {
	char *name; /* owned, NUL-terminated */
	struct xr_value *value;
};

struct xr_value {
	enum xr_type type;
	union {
		int32_t i;
		bool b;
		double d;
		struct xr_datetime dt;
		struct {
			char *p; /* owned; one extra NUL after n bytes */
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

/* xr_bytes_new_take makes a string or base64 value that owns p[0..n]. */
struct xr_value *xr_bytes_new_take(enum xr_type t, char *p, size_t n);
/*
 * xr_struct_append_take appends a member without looking for its name
 * (the parser keeps duplicates); it owns name and v from now on.
 */
void xr_struct_append_take(struct xr_value *s, char *name, struct xr_value *v);

#endif
