#ifndef FV_COMMON_JSON_H
#define FV_COMMON_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

/*
 * A streaming JSON writer into a struct fv_buf. It inserts commas and
 * colons itself, so callers only say what comes next. Strings are written
 * as UTF-8 with control characters escaped; invalid UTF-8 bytes are
 * replaced by U+FFFD so the output is always valid JSON.
 */
#define FV_JSON_MAXDEPTH 32

struct fv_json {
	struct fv_buf *out; /* borrowed */
	int depth;
	bool first[FV_JSON_MAXDEPTH];
	bool after_key;
	int err; /* first error (FV_ETOOBIG), sticky */
};

void fv_json_init(struct fv_json *j, struct fv_buf *out);
void fv_json_obj_begin(struct fv_json *j);
void fv_json_obj_end(struct fv_json *j);
void fv_json_arr_begin(struct fv_json *j);
void fv_json_arr_end(struct fv_json *j);
/* fv_json_key writes an object key; the next call writes its value. */
void fv_json_key(struct fv_json *j, const char *key);
void fv_json_str(struct fv_json *j, const char *s);
void fv_json_int(struct fv_json *j, int64_t v);
void fv_json_bool(struct fv_json *j, bool v);
void fv_json_null(struct fv_json *j);
/* fv_json_str_or_null writes s, or null when s is NULL. */
void fv_json_str_or_null(struct fv_json *j, const char *s);

#endif
