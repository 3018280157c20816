/*
 * Capped growable buffers. The cap is checked before any allocation, so a
 * hostile size never reaches the allocator.
 */
#include "common/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xalloc.h"

void
fv_buf_init(struct fv_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
fv_buf_fini(struct fv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
fv_buf_reset(struct fv_buf *b)
{
	b->len = 0;
	if (b->data != NULL) {
		b->data[0] = '\0';
	}
}

int
fv_buf_reserve(struct fv_buf *b, size_t n)
{
	size_t want, ncap;

	if (n > b->max || b->len > b->max - n) {
		return FV_ETOOBIG;
	}
	want = b->len + n + 1;
	if (want <= b->cap) {
		return 0;
	}
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < want) {
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	}
	b->data = fv_xrealloc(b->data, ncap);
	b->cap = ncap;
	return 0;
}

int
fv_buf_append(struct fv_buf *b, const void *p, size_t n)
{
	int rv;

	if ((rv = fv_buf_reserve(b, n)) != 0) {
		return rv;
	}
	if (n > 0) {
		memcpy(b->data + b->len, p, n);
	}
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
fv_buf_puts(struct fv_buf *b, const char *s)
{
	return fv_buf_append(b, s, strlen(s));
}

int
fv_buf_putc(struct fv_buf *b, char c)
{
	return fv_buf_append(b, &c, 1);
}

int
fv_buf_vprintf(struct fv_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rv;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		return FV_EPROTO;
	}
	if ((rv = fv_buf_reserve(b, (size_t)n)) != 0) {
		return rv;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
fv_buf_printf(struct fv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = fv_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rv;
}

const char *
fv_buf_cstr(struct fv_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
fv_buf_take(struct fv_buf *b)
{
	char *p = b->data != NULL ? b->data : fv_xstrdup("");

	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
