#ifndef FV_COMMON_BUF_H
#define FV_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable byte buffer with a mandatory cap (curl's dynbuf). Everything
 * whose size comes from a file or a peer is accumulated in one of these, so
 * that no input can make us allocate without bound. The data is always
 * NUL-terminated for convenience; len does not count the NUL.
 */
struct fv_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* the largest len ever allowed */
};

/* fv_buf_init prepares an empty buffer that may grow up to max bytes. */
void fv_buf_init(struct fv_buf *b, size_t max);
/* fv_buf_fini releases the storage; the buffer may be initialised again. */
void fv_buf_fini(struct fv_buf *b);
/* fv_buf_reset empties the buffer, keeping its storage. */
void fv_buf_reset(struct fv_buf *b);
/*
 * fv_buf_reserve makes room for n more bytes (and the NUL) at once, so a
 * writer that knows its size grows the storage once; FV_ETOOBIG past the
 * cap, with nothing changed.
 */
int fv_buf_reserve(struct fv_buf *b, size_t n);
/* fv_buf_append adds n bytes; FV_ETOOBIG (nothing added) past the cap. */
int fv_buf_append(struct fv_buf *b, const void *p, size_t n);
/* fv_buf_puts appends a C string. */
int fv_buf_puts(struct fv_buf *b, const char *s);
/* fv_buf_putc appends one byte. */
int fv_buf_putc(struct fv_buf *b, char c);
/* fv_buf_printf appends formatted text, all of it or nothing. */
int fv_buf_printf(struct fv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int fv_buf_vprintf(struct fv_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* fv_buf_cstr returns the contents as a C string (never NULL). */
const char *fv_buf_cstr(struct fv_buf *b);
/* fv_buf_take hands the contents to the caller (free() them) and resets. */
char *fv_buf_take(struct fv_buf *b);

#endif
