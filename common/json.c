/*
 * A minimal JSON emitter for machine-readable output (--dump-config, and
 * later --json in the ctl). It never parses JSON.
 */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void
fv_json_init(struct fv_json *j, struct fv_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

static void
fv_json_put(struct fv_json *j, const char *s, size_t n)
{
	int rv;

	if (j->err == 0 && (rv = fv_buf_append(j->out, s, n)) != 0) {
		j->err = rv;
	}
}

static void
fv_json_sep(struct fv_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth]) {
		fv_json_put(j, ",", 1);
	}
	j->first[j->depth] = false;
}

static void
fv_json_open(struct fv_json *j, const char *c)
{
	fv_json_sep(j);
	fv_json_put(j, c, 1);
	if (j->depth + 1 < FV_JSON_MAXDEPTH) {
		j->depth++;
	}
	j->first[j->depth] = true;
}

static void
fv_json_close(struct fv_json *j, const char *c)
{
	if (j->depth > 0) {
		j->depth--;
	}
	fv_json_put(j, c, 1);
}

void
fv_json_obj_begin(struct fv_json *j)
{
	fv_json_open(j, "{");
}

void
fv_json_obj_end(struct fv_json *j)
{
	fv_json_close(j, "}");
}

void
fv_json_arr_begin(struct fv_json *j)
{
	fv_json_open(j, "[");
}

void
fv_json_arr_end(struct fv_json *j)
{
	fv_json_close(j, "]");
}

static void
fv_json_quote(struct fv_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fv_json_put(j, "\"", 1);
	while (*p != '\0') {
		char esc[8];
		size_t seq = 1;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			fv_json_put(j, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			fv_json_put(j, esc, 6);
		} else if (*p < 0x80) {
			fv_json_put(j, (const char *)p, 1);
		} else {
			if ((*p & 0xe0) == 0xc0) {
				seq = 2;
			} else if ((*p & 0xf0) == 0xe0) {
				seq = 3;
			} else if ((*p & 0xf8) == 0xf0) {
				seq = 4;
			} else {
				seq = 0;
			}
			for (size_t k = 1; k < seq; k++) {
				if ((p[k] & 0xc0) != 0x80) {
					seq = 0;
					break;
				}
			}
			if (seq == 0) {
				fv_json_put(j, "\xef\xbf\xbd", 3);
				seq = 1;
			} else {
				fv_json_put(j, (const char *)p, seq);
			}
		}
		p += seq;
	}
	fv_json_put(j, "\"", 1);
}

void
fv_json_key(struct fv_json *j, const char *key)
{
	fv_json_sep(j);
	fv_json_quote(j, key);
	fv_json_put(j, ":", 1);
	j->after_key = true;
}

void
fv_json_str(struct fv_json *j, const char *s)
{
	fv_json_sep(j);
	fv_json_quote(j, s);
}

void
fv_json_int(struct fv_json *j, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	fv_json_sep(j);
	fv_json_put(j, num, (size_t)n);
}

void
fv_json_bool(struct fv_json *j, bool v)
{
	fv_json_sep(j);
	fv_json_put(j, v ? "true" : "false", v ? 4 : 5);
}

void
fv_json_null(struct fv_json *j)
{
	fv_json_sep(j);
	fv_json_put(j, "null", 4);
}

void
fv_json_str_or_null(struct fv_json *j, const char *s)
{
	if (s == NULL) {
		fv_json_null(j);
	} else {
		fv_json_str(j, s);
	}
}
