#ifndef FV_COMMON_XALLOC_H
#define FV_COMMON_XALLOC_H

#include <stddef.h>

/*
 * Allocation that cannot fail: on exhaustion these print a message and
 * abort, as tmux, relayd and redis do. Sizes that come from a peer or a file
 * must go through struct fv_buf, which is capped, never straight here.
 */
void *fv_xmalloc(size_t n);
void *fv_xcalloc(size_t nmemb, size_t size);
void *fv_xrealloc(void *p, size_t n);
/* fv_xreallocarray grows an array, checking nmemb * size for overflow. */
void *fv_xreallocarray(void *p, size_t nmemb, size_t size);
char *fv_xstrdup(const char *s);
char *fv_xstrndup(const char *s, size_t n);
/* fv_xasprintf returns a newly allocated formatted string. */
char *fv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#endif
