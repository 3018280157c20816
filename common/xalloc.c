/*
 * Aborting allocators. Out of memory is not an error the daemon can report
 * to anyone, so it ends the process with a message instead of returning.
 */
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fv_xalloc_die(size_t n)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
fv_xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL) {
		fv_xalloc_die(n);
	}
	return p;
}

void *
fv_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL) {
		fv_xalloc_die(nmemb * size);
	}
	return p;
}

void *
fv_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n == 0 ? 1 : n);

	if (q == NULL) {
		fv_xalloc_die(n);
	}
	return q;
}

void *
fv_xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		fv_xalloc_die(SIZE_MAX);
	}
	return fv_xrealloc(p, nmemb * size);
}

char *
fv_xstrdup(const char *s)
{
	return fv_xstrndup(s, strlen(s));
}

char *
fv_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = fv_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
fv_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fv_xalloc_die(0);
	}
	return s;
}
