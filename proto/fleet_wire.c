/*
 * The schema-wide rules of the fleet codec (see fleet_wire.h), driven by
 * protobuf-c's descriptors so that a field added to fleet.proto is covered
 * without code here, except for a repeated field, which needs a row in
 * fv_pb_repeat_limits. The wire scanner runs before protobuf-c sees a
 * peer's bytes: it must never allocate and never recurse without bound.
 */
#include "proto/fleet_wire.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/str.h"
#include "common/xalloc.h"
#include "fleet.pb-c.h"
#include "proto/fleet_codec.h"

/* The longest field path a diagnostic names; deeper ones are cut. */
#define WIRE_PATH_MAX 192
/* The largest field number protobuf allows (2^29 - 1). */
#define WIRE_FIELD_ID_MAX 536870911u

struct wire_path {
	char buf[WIRE_PATH_MAX];
	size_t len;
};

/* One row per repeated field of the schema (a unit test checks coverage). */
struct wire_limit {
	const ProtobufCMessageDescriptor *msg;
	const char *field;
	size_t max;
};

static const struct wire_limit fv_pb_repeat_limits[] = {
	{ &fleetvisor__v1__selector__descriptor, "names",
	    FV_PROTO_SELECTOR_MAX },
	{ &fleetvisor__v1__selector__descriptor, "labels",
	    FV_PROTO_LABELS_MAX },
	{ &fleetvisor__v1__hello__descriptor, "labels", FV_PROTO_LABELS_MAX },
	{ &fleetvisor__v1__heartbeat__descriptor, "processes",
	    FV_PROTO_PROCS_MAX },
	{ &fleetvisor__v1__command__descriptor, "args", FV_PROTO_ARGS_MAX },
	{ &fleetvisor__v1__command_result__descriptor, "items",
	    FV_PROTO_PROCS_MAX },
	{ &fleetvisor__v1__command_result__descriptor, "lines",
	    FV_PROTO_LINES_MAX },
	{ &fleetvisor__v1__command_result__descriptor, "processes",
	    FV_PROTO_PROCS_MAX },
	{ &fleetvisor__v1__command_result__descriptor, "err_lines",
	    FV_PROTO_LINES_MAX },
	{ &fleetvisor__v1__command_result__descriptor, "configs",
	    FV_PROTO_PROCS_MAX },
	{ &fleetvisor__v1__command_reply__descriptor, "results",
	    FV_PROTO_HOSTS_MAX },
	{ &fleetvisor__v1__event__descriptor, "headers", FV_PROTO_HEADERS_MAX },
	{ &fleetvisor__v1__subscribe__descriptor, "hosts",
	    FV_PROTO_FILTER_MAX },
	{ &fleetvisor__v1__subscribe__descriptor, "types",
	    FV_PROTO_FILTER_MAX },
	{ &fleetvisor__v1__subscribe__descriptor, "processes",
	    FV_PROTO_FILTER_MAX },
	{ &fleetvisor__v1__hosts_reply__descriptor, "hosts",
	    FV_PROTO_HOSTS_MAX },
	{ &fleetvisor__v1__host_row__descriptor, "labels",
	    FV_PROTO_LABELS_MAX },
};

size_t
fv_pb_repeat_limit(
    const ProtobufCMessageDescriptor *m, const ProtobufCFieldDescriptor *fd)
{
	for (size_t i = 0; i < nitems(fv_pb_repeat_limits); i++) {
		if (fv_pb_repeat_limits[i].msg == m &&
		    strcmp(fv_pb_repeat_limits[i].field, fd->name) == 0) {
			return fv_pb_repeat_limits[i].max;
		}
	}
	return 0;
}

/* wire_path_name appends ".name" (or "name" at the top); returns the old
 * length for wire_path_pop. */
static size_t
wire_path_name(struct wire_path *wp, const char *name)
{
	size_t old = wp->len;
	int n = snprintf(wp->buf + wp->len, sizeof(wp->buf) - wp->len, "%s%s",
	    wp->len > 0 ? "." : "", name);

	wp->len += n > 0 ? (size_t)n : 0;
	if (wp->len >= sizeof(wp->buf)) {
		wp->len = sizeof(wp->buf) - 1;
	}
	return old;
}

/* wire_path_index appends "[i]"; returns the old length. */
static size_t
wire_path_index(struct wire_path *wp, size_t i)
{
	size_t old = wp->len;
	int n =
	    snprintf(wp->buf + wp->len, sizeof(wp->buf) - wp->len, "[%zu]", i);

	wp->len += n > 0 ? (size_t)n : 0;
	if (wp->len >= sizeof(wp->buf)) {
		wp->len = sizeof(wp->buf) - 1;
	}
	return old;
}

static void
wire_path_pop(struct wire_path *wp, size_t old)
{
	wp->len = old;
	wp->buf[old] = '\0';
}

/*
 * wire_path_field names field fd of a message of type desc at depth: a
 * field of the outermost message that is not a message itself is called
 * "envelope.version" rather than plain "version".
 */
static size_t
wire_path_field(struct wire_path *wp, const ProtobufCMessageDescriptor *desc,
    const ProtobufCFieldDescriptor *fd, unsigned depth)
{
	char top[64];
	size_t i;

	if (depth == 0 && wp->len == 0 && fd->type != PROTOBUF_C_TYPE_MESSAGE) {
		for (i = 0; desc->short_name[i] != '\0' && i + 1 < sizeof(top);
		     i++) {
			top[i] =
			    (char)tolower((unsigned char)desc->short_name[i]);
		}
		top[i] = '\0';
		wire_path_name(wp, top);
		wire_path_name(wp, fd->name);
		return 0;
	}
	return wire_path_name(wp, fd->name);
}

/* wire_here names the message being scanned, for whole-message errors. */
static const char *
wire_here(const struct wire_path *wp)
{
	return wp->len > 0 ? wp->buf : "envelope";
}

/* wire_text checks n bytes of a string field: length, UTF-8, no NUL. */
static int
wire_text(
    const struct wire_path *wp, const char *s, size_t n, struct fv_diag *d)
{
	const char *nul;
	size_t ok;

	if (n > FV_PROTO_TEXT_MAX) {
		return fv_diagf(d, FV_ETOOBIG, "%s: %zu bytes, at most %u",
		    wp->buf, n, FV_PROTO_TEXT_MAX);
	}
	if ((nul = memchr(s, '\0', n)) != NULL) {
		return fv_diagf(d, FV_EPROTO, "%s: NUL byte at %zu", wp->buf,
		    (size_t)(nul - s));
	}
	if ((ok = fv_str_utf8_prefix(s, n)) != n) {
		return fv_diagf(
		    d, FV_EPROTO, "%s: invalid UTF-8 at byte %zu", wp->buf, ok);
	}
	return 0;
}

static int
wire_bytes(const struct wire_path *wp, size_t n, struct fv_diag *d)
{
	if (n > FV_PROTO_PAYLOAD_MAX) {
		return fv_diagf(d, FV_ETOOBIG, "%s: %zu bytes, at most %u",
		    wp->buf, n, FV_PROTO_PAYLOAD_MAX);
	}
	return 0;
}

static int
wire_enum(const struct wire_path *wp, const ProtobufCFieldDescriptor *fd,
    int value, struct fv_diag *d)
{
	if (protobuf_c_enum_descriptor_get_value(fd->descriptor, value) ==
	    NULL) {
		return fv_diagf(
		    d, FV_EPROTO, "%s: unknown value %d", wp->buf, value);
	}
	return 0;
}

/* wire_count adds one item to repeated field fd and checks its limit. */
static int
wire_count(const struct wire_path *wp, const ProtobufCMessageDescriptor *desc,
    const ProtobufCFieldDescriptor *fd, size_t *count, struct fv_diag *d)
{
	size_t max = fv_pb_repeat_limit(desc, fd);

	if (++*count > max) {
		if (max == 0) {
			return fv_diagf(d, FV_ETOOBIG,
			    "%s: repeated field without a limit in "
			    "fv_pb_repeat_limits",
			    wp->buf);
		}
		return fv_diagf(
		    d, FV_ETOOBIG, "%s: more than %zu items", wp->buf, max);
	}
	return 0;
}

/* The wire type a field's values are written with (packed aside). */
static unsigned
wire_type_of(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 1;
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return 5;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return 2;
	default:
		return 0;
	}
}

/* wire_varint reads one varint; -1 if truncated, -2 if longer than 64
 * bits. */
static int
wire_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p == end) {
			return -1;
		}
		if (shift == 63 && (*p & 0xfe) != 0) {
			return -2;
		}
		r |= (uint64_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0) {
			*pp = p;
			*v = r;
			return 0;
		}
	}
	return -1;
}

struct wire_ctx {
	const uint8_t *base; /* for byte offsets in diagnostics */
	size_t fields;
	struct wire_path path;
	struct fv_diag *d;
};

/* wire_field reads one field's tag and value, leaving p past it. */
static int
wire_field(struct wire_ctx *c, const uint8_t **pp, const uint8_t *end,
    uint32_t *id, unsigned *wt, const uint8_t **val, uint64_t *vlen)
{
	size_t at = (size_t)(*pp - c->base);
	uint64_t tag;
	int rv = -1;

	if (wire_varint(pp, end, &tag) != 0) {
		return fv_diagf(c->d, FV_EPROTO,
		    "%s: bad field tag at byte %zu", wire_here(&c->path), at);
	}
	if (++c->fields > FV_PROTO_FIELDS_MAX) {
		return fv_diagf(c->d, FV_ETOOBIG,
		    "envelope: more than %u fields", FV_PROTO_FIELDS_MAX);
	}
	*wt = (unsigned)(tag & 7);
	if ((tag >> 3) == 0 || (tag >> 3) > WIRE_FIELD_ID_MAX) {
		return fv_diagf(c->d, FV_EPROTO,
		    "%s: bad field number %llu at byte %zu",
		    wire_here(&c->path), (unsigned long long)(tag >> 3), at);
	}
	*id = (uint32_t)(tag >> 3);
	*val = *pp;
	switch (*wt) {
	case 0:
		if ((rv = wire_varint(pp, end, vlen)) == 0) {
			return 0;
		}
		break;
	case 1:
	case 5:
		*vlen = *wt == 1 ? 8 : 4;
		if ((uint64_t)(end - *pp) >= *vlen) {
			*pp += *vlen;
			return 0;
		}
		break;
	case 2:
		if ((rv = wire_varint(pp, end, vlen)) == 0 &&
		    *vlen <= (uint64_t)(end - *pp)) {
			*val = *pp;
			*pp += *vlen;
			return 0;
		}
		break;
	default:
		return fv_diagf(c->d, FV_EPROTO,
		    "%s: unsupported wire type %u at byte %zu",
		    wire_here(&c->path), *wt, at);
	}
	return fv_diagf(c->d, FV_EPROTO, "%s: %s field %u at byte %zu",
	    wire_here(&c->path), rv == -2 ? "bad varint in" : "truncated", *id,
	    at);
}

static int wire_message(struct wire_ctx *c,
    const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t n,
    unsigned depth);

/* wire_value checks one value of a known field (path names it). */
static int
wire_value(struct wire_ctx *c, const ProtobufCFieldDescriptor *fd,
    const uint8_t *val, uint64_t vlen, unsigned depth)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return wire_text(&c->path, (const char *)val, vlen, c->d);
	case PROTOBUF_C_TYPE_BYTES:
		return wire_bytes(&c->path, vlen, c->d);
	case PROTOBUF_C_TYPE_ENUM:
		/* protobuf-c keeps the low 32 bits, as int32 does. */
		return wire_enum(
		    &c->path, fd, (int)(int32_t)(uint32_t)vlen, c->d);
	case PROTOBUF_C_TYPE_MESSAGE:
		if (depth + 1 > FV_PROTO_DEPTH_MAX) {
			return fv_diagf(c->d, FV_ETOOBIG,
			    "%s: nested deeper than %u", c->path.buf,
			    FV_PROTO_DEPTH_MAX);
		}
		return wire_message(c, fd->descriptor, val, vlen, depth + 1);
	default:
		return 0;
	}
}

static int
wire_message(struct wire_ctx *c, const ProtobufCMessageDescriptor *desc,
    const uint8_t *p, size_t n, unsigned depth)
{
	size_t counts[FV_PB_WIRE_FIELDS] = { 0 };
	const uint8_t *end = p + n;
	const ProtobufCFieldDescriptor *fd;
	/* Set by every successful read; zeroed for gcc -O3, which cannot
	 * see that. */
	const uint8_t *val = NULL;
	uint64_t vlen = 0;
	uint32_t id = 0;
	unsigned wt = 0;
	size_t idx, old;
	int rv;

	if (desc->n_fields > FV_PB_WIRE_FIELDS) {
		return fv_diagf(c->d, FV_EPROTO,
		    "%s: %s has more than %u fields", wire_here(&c->path),
		    desc->name, FV_PB_WIRE_FIELDS);
	}
	while (p < end) {
		if ((rv = wire_field(c, &p, end, &id, &wt, &val, &vlen)) != 0) {
			return rv;
		}
		if ((fd = protobuf_c_message_descriptor_get_field(desc, id)) ==
		    NULL) {
			continue; /* unknown: skipped, as protobuf-c does */
		}
		idx = (size_t)(fd - desc->fields);
		old = wire_path_field(&c->path, desc, fd, depth);
		if (fd->label == PROTOBUF_C_LABEL_REPEATED && wt == 2 &&
		    wire_type_of(fd) != 2) {
			/* Packed scalars: the schema has none (a unit test
			 * holds it so), and protobuf-c bounds them by size. */
			wire_path_pop(&c->path, old);
			continue;
		}
		if (wt != wire_type_of(fd)) {
			rv = fv_diagf(c->d, FV_EPROTO,
			    "%s: wire type %u, expected %u", c->path.buf, wt,
			    wire_type_of(fd));
			goto out;
		}
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			if ((rv = wire_count(&c->path, desc, fd, &counts[idx],
			         c->d)) != 0) {
				goto out;
			}
			wire_path_index(&c->path, counts[idx] - 1);
		} else if (fd->type == PROTOBUF_C_TYPE_MESSAGE &&
		    ++counts[idx] > 1) {
			/* protobuf-c merges repeats of a message field, each
			 * merge copying the arrays so far: quadratic time
			 * (64000 repeats took 4 s). No encoder writes one. */
			rv = fv_diagf(c->d, FV_EPROTO,
			    "%s: occurs more than once", c->path.buf);
			goto out;
		}
		rv = wire_value(c, fd, val, vlen, depth);
	out:
		wire_path_pop(&c->path, old);
		if (rv != 0) {
			return rv;
		}
	}
	return 0;
}

int
fv_pb_wire_scan(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
    size_t n, struct fv_diag *d)
{
	struct wire_ctx c = { .base = p, .d = d };

	return wire_message(&c, desc, p, n, 0);
}

int
fv_pb_wire_peek(const uint8_t *p, size_t n, uint64_t *field1, uint64_t *field2)
{
	struct wire_ctx c = { .base = p, .d = NULL };
	const uint8_t *end = p + n, *val;
	/* Set by every successful read; zeroed for gcc -O3, which cannot
	 * see that. */
	uint64_t vlen = 0;
	uint32_t id = 0;
	unsigned wt = 0;

	*field1 = 0;
	*field2 = 0;
	while (p < end) {
		if (wire_field(&c, &p, end, &id, &wt, &val, &vlen) != 0) {
			return c.fields > FV_PROTO_FIELDS_MAX ? FV_ETOOBIG
			                                      : FV_EPROTO;
		}
		if (wt == 0 && id == 1) {
			*field1 = vlen;
		} else if (wt == 0 && id == 2) {
			*field2 = vlen;
		}
	}
	return 0;
}

/* The tree scanner: the same rules over a message in memory. */

struct tree_ctx {
	struct wire_path path;
	size_t
	    fields; /* what the encoder will write, as the wire scan counts */
	struct fv_diag *d;
};

static int tree_message(
    struct tree_ctx *c, const ProtobufCMessage *m, unsigned depth);

/* tree_value checks the value at v (a pointer into a message) of fd. */
static int
tree_value(struct tree_ctx *c, const ProtobufCFieldDescriptor *fd,
    const void *v, unsigned depth)
{
	const ProtobufCBinaryData *bd;
	const ProtobufCMessage *sub;
	const char *s;

	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)v;
		return s == NULL ? 0 : wire_text(&c->path, s, strlen(s), c->d);
	case PROTOBUF_C_TYPE_BYTES:
		bd = v;
		return wire_bytes(&c->path, bd->len, c->d);
	case PROTOBUF_C_TYPE_ENUM:
		return wire_enum(&c->path, fd, *(const int *)v, c->d);
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(const ProtobufCMessage *const *)v;
		if (sub == NULL) {
			return 0;
		}
		if (depth + 1 > FV_PROTO_DEPTH_MAX) {
			return fv_diagf(c->d, FV_ETOOBIG,
			    "%s: nested deeper than %u", c->path.buf,
			    FV_PROTO_DEPTH_MAX);
		}
		return tree_message(c, sub, depth + 1);
	default:
		return 0;
	}
}

/* The size of one element of a repeated field of fd's type. */
static size_t
tree_elem_size(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

/* tree_written tells whether protobuf-c writes the proto3 field fd whose
 * value is at v: only when it is not zero or empty. */
static bool
tree_written(const ProtobufCFieldDescriptor *fd, const void *v)
{
	static const uint8_t zero[8];
	const char *s;

	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)v;
		return s != NULL && s[0] != '\0';
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)v)->len > 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(const void *const *)v != NULL;
	default:
		return memcmp(v, zero, tree_elem_size(fd)) != 0;
	}
}

/* tree_count adds n written fields and checks the envelope's total. */
static int
tree_count(struct tree_ctx *c, size_t n)
{
	c->fields += n;
	if (c->fields > FV_PROTO_FIELDS_MAX) {
		return fv_diagf(c->d, FV_ETOOBIG,
		    "envelope: more than %u fields", FV_PROTO_FIELDS_MAX);
	}
	return 0;
}

static int
tree_field(struct tree_ctx *c, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *fd, unsigned depth)
{
	const char *base = (const char *)m;
	const char *items;
	size_t n, max, old;
	int rv;

	if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		if (*(const uint32_t *)(base + fd->quantifier_offset) !=
		    fd->id) {
			return 0;
		}
	}
	old = wire_path_field(&c->path, m->descriptor, fd, depth);
	if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
		/* A oneof member is written whatever its value. */
		if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		    tree_written(fd, base + fd->offset)) {
			rv = tree_count(c, 1);
		} else {
			rv = 0;
		}
		if (rv == 0) {
			rv = tree_value(c, fd, base + fd->offset, depth);
		}
		wire_path_pop(&c->path, old);
		return rv;
	}
	n = *(const size_t *)(base + fd->quantifier_offset);
	items = *(const char *const *)(base + fd->offset);
	max = fv_pb_repeat_limit(m->descriptor, fd);
	if (n > max) {
		rv = max == 0
		    ? fv_diagf(c->d, FV_ETOOBIG,
		          "%s: repeated field without a limit in "
		          "fv_pb_repeat_limits",
		          c->path.buf)
		    : fv_diagf(c->d, FV_ETOOBIG, "%s: %zu items, at most %zu",
		          c->path.buf, n, max);
	} else {
		rv = tree_count(c, n);
	}
	for (size_t i = 0; rv == 0 && i < n; i++) {
		size_t at = wire_path_index(&c->path, i);

		rv = tree_value(c, fd, items + i * tree_elem_size(fd), depth);
		wire_path_pop(&c->path, at);
	}
	wire_path_pop(&c->path, old);
	return rv;
}

static int
tree_message(struct tree_ctx *c, const ProtobufCMessage *m, unsigned depth)
{
	const ProtobufCMessageDescriptor *desc = m->descriptor;
	int rv;

	/* Fields a peer sent that this build does not know are written
	 * back too. */
	if ((rv = tree_count(c, m->n_unknown_fields)) != 0) {
		return rv;
	}
	for (unsigned i = 0; i < desc->n_fields; i++) {
		if ((rv = tree_field(c, m, &desc->fields[i], depth)) != 0) {
			return rv;
		}
	}
	return 0;
}

int
fv_pb_tree_scan(const ProtobufCMessage *m, struct fv_diag *d)
{
	struct tree_ctx c = { .path = { .len = 0 }, .fields = 0, .d = d };

	return tree_message(&c, m, 0);
}
