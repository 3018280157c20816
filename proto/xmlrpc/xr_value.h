#ifndef FV_PROTO_XMLRPC_XR_VALUE_H
#define FV_PROTO_XMLRPC_XR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The XML-RPC value model: an owned tree of struct xr_value. Every node has
 * exactly one owner; containers own their children, and xr_value_free
 * releases a whole tree. A node may share its allocation with its bytes
 * or, in a struct made by xr_struct_new_fields, with its siblings; that is
 * invisible to users, since only the owner of a tree ever frees it. There
 * is no nil: Supervisor 4.2.5 never sends one
 * (xmlrpclib.dumps without allow_none) and its clients cannot send one
 * either, so <nil/> is refused by the parser like any unknown type.
 *
 * Types and what they carry:
 *   XR_INT       <int> or <i4>: 32-bit signed, as the spec and Python's
 *                marshaller (which refuses anything wider) agree.
 *   XR_BOOL      <boolean>: 0 or 1.
 *   XR_STRING    <string> (or a <value> with no type element): any bytes.
 *                Parsed strings are always valid UTF-8 without NUL; the
 *                writer maps what XML 1.0 cannot carry (see xr_escape).
 *   XR_DOUBLE    <double>: finite only.
 *   XR_DATETIME  <dateTime.iso8601>: YYYYMMDDTHH:MM:SS, no zone.
 *   XR_BASE64    <base64>: the decoded bytes.
 *   XR_ARRAY     <array><data>: ordered values.
 *   XR_STRUCT    <struct>: ordered members. The parser keeps duplicate
 *                names in document order and xr_struct_get returns the
 *                last one, which is what a Python dict would hold.
 */
enum xr_type {
	XR_INT = 1,
	XR_BOOL,
	XR_STRING,
	XR_DOUBLE,
	XR_DATETIME,
	XR_BASE64,
	XR_ARRAY,
	XR_STRUCT,
};

/* A calendar time without zone, as dateTime.iso8601 carries it. */
struct xr_datetime {
	int year; /* 1..9999 */
	int month; /* 1..12 */
	int day; /* 1..days in month */
	int hour; /* 0..23 */
	int minute; /* 0..59 */
	int second; /* 0..59 */
};

struct xr_value;

/*
 * Constructors. Each returns a new tree node owned by the caller; they
 * cannot fail (allocation failure aborts, STYLE 2.5). Byte arguments are
 * borrowed and copied.
 */
struct xr_value *xr_int_new(int32_t i);
struct xr_value *xr_bool_new(bool b);
/* xr_double_new stores d; a writer refuses a non-finite one (FV_EPROTO). */
struct xr_value *xr_double_new(double d);
/* xr_string_new copies the C string s. */
struct xr_value *xr_string_new(const char *s);
/* xr_string_newn copies n bytes at p, which may hold any byte. */
struct xr_value *xr_string_newn(const void *p, size_t n);
/* xr_datetime_new copies *dt; a writer refuses an invalid one (FV_EPROTO). */
struct xr_value *xr_datetime_new(const struct xr_datetime *dt);
/* xr_base64_new copies n bytes at p. */
struct xr_value *xr_base64_new(const void *p, size_t n);
struct xr_value *xr_array_new(void);
struct xr_value *xr_struct_new(void);

/*
 * A member of a struct made at once by xr_struct_new_fields: name is a
 * literal (borrowed for ever, as in xr_struct_add_static_take); type is
 * XR_INT (i), XR_BOOL (i != 0) or XR_STRING (the C string s, copied).
 */
struct xr_field {
	const char *name;
	enum xr_type type;
	int32_t i;
	const char *s;
};

/*
 * xr_struct_new_fields makes a struct of the n members f, in order and as
 * given (no duplicate check), in a single allocation: for answers with a
 * fixed shape built many times a second. The result is an ordinary struct
 * for every other function here. Any other type in f aborts.
 */
struct xr_value *xr_struct_new_fields(const struct xr_field *f, size_t n);

/* xr_value_free releases v and everything below it; NULL is a no-op. */
void xr_value_free(struct xr_value *v);
/* xr_value_dup returns a deep copy of v owned by the caller (NULL: NULL). */
struct xr_value *xr_value_dup(const struct xr_value *v);
/*
 * xr_value_equal tells whether two trees hold the same types and values;
 * doubles compare bit for bit (so -0.0 differs from 0.0), struct members
 * in order, duplicates included.
 */
bool xr_value_equal(const struct xr_value *a, const struct xr_value *b);

/*
 * An encoding memo: the bytes the writers produce for a value, kept with
 * a copy of that value, for answers rebuilt often with the same content
 * (a process's info between two seconds or two changes). Attached to an
 * equal value, it makes the writers copy those bytes instead of encoding
 * the value again. Reference counted: the keeper holds one reference and
 * every value it is attached to another, so either may go first.
 */
struct xr_memo;

/* xr_memo_new encodes a copy of v; NULL when v cannot be encoded or its
 * encoding would be over a MiB. */
struct xr_memo *xr_memo_new(const struct xr_value *v);
/* xr_memo_free drops the caller's reference; NULL is a no-op. */
void xr_memo_free(struct xr_memo *m);
/*
 * xr_memo_attach gives v a reference to m when v equals m's value
 * (xr_value_equal) and tells whether it did. Any later change to v
 * through the functions below drops it again, so the bytes always stay
 * those of v.
 */
bool xr_memo_attach(struct xr_memo *m, struct xr_value *v);

/* xr_array_add_take appends v to array a, taking ownership of v. */
void xr_array_add_take(struct xr_value *a, struct xr_value *v);
/*
 * xr_struct_set_take stores v under a copy of name in struct s, taking
 * ownership of v. An existing member of that name keeps its position and
 * gets the new value (the old one is freed), like a Python dict.
 */
void xr_struct_set_take(
    struct xr_value *s, const char *name, struct xr_value *v);
/*
 * xr_struct_add_static_take appends v under name, taking ownership of v,
 * without copying name or looking for a member of that name: name must
 * outlive the tree (a string literal) and the caller keeps names distinct.
 * It is for answers with fixed member names, built many times a second.
 */
void xr_struct_add_static_take(
    struct xr_value *s, const char *name, struct xr_value *v);
/*
 * xr_array_reserve and xr_struct_reserve make room for n more elements or
 * members, so that adding a known count grows the storage once. They
 * change nothing a reader can see.
 */
void xr_array_reserve(struct xr_value *a, size_t n);
void xr_struct_reserve(struct xr_value *s, size_t n);

/*
 * Accessors. They never abort: asking a value of the wrong type (or NULL)
 * returns false, NULL or 0, so a method handler checks its arguments with
 * the same call that reads them. Returned pointers are borrowed from the
 * tree and live as long as it does.
 */
enum xr_type xr_value_type(const struct xr_value *v);
/* xr_type_name is the element name of t ("int", "boolean", ...). */
const char *xr_type_name(enum xr_type t);
bool xr_int_get(const struct xr_value *v, int32_t *out);
bool xr_bool_get(const struct xr_value *v, bool *out);
bool xr_double_get(const struct xr_value *v, double *out);
bool xr_datetime_get(const struct xr_value *v, struct xr_datetime *out);
/*
 * xr_string_get returns the bytes of a string (NUL-terminated, though the
 * bytes may hold NUL when built with xr_string_newn) and their count in
 * *lenp when lenp is not NULL.
 */
const char *xr_string_get(const struct xr_value *v, size_t *lenp);
/* xr_base64_get returns the decoded bytes of a base64 value, as above. */
const void *xr_base64_get(const struct xr_value *v, size_t *lenp);
/* xr_array_len is the element count of an array, 0 for anything else. */
size_t xr_array_len(const struct xr_value *v);
/* xr_array_at returns element i, or NULL out of range or for a non-array. */
const struct xr_value *xr_array_at(const struct xr_value *v, size_t i);
/* xr_struct_len is the member count of a struct, 0 for anything else. */
size_t xr_struct_len(const struct xr_value *v);
/* xr_struct_name and xr_struct_at return member i's name and value. */
const char *xr_struct_name(const struct xr_value *v, size_t i);
const struct xr_value *xr_struct_at(const struct xr_value *v, size_t i);
/* xr_struct_get returns the value of the last member named name, or NULL. */
const struct xr_value *xr_struct_get(
    const struct xr_value *v, const char *name);
/* xr_datetime_valid tells whether *dt is a real calendar time. */
bool xr_datetime_valid(const struct xr_datetime *dt);

#endif
