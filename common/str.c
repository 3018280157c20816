/*
 * Small string helpers: bounded copies, ASCII case and whitespace handling,
 * UTF-8 validation, and two owned containers (a string vector and an ordered
 * string map). Nothing here allocates except through fv_x*.
 */
#include "common/str.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

size_t
fv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *
fv_str_lower(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	return s;
}

static bool
fv_str_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

char *
fv_str_strip(char *s)
{
	char *start = s;
	size_t len;

	while (fv_str_isspace(*start)) {
		start++;
	}
	len = strlen(start);
	while (len > 0 && fv_str_isspace(start[len - 1])) {
		len--;
	}
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool
fv_str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
fv_str_caseeq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a, cb = *b;

		if (ca >= 'A' && ca <= 'Z') {
			ca = (char)(ca - 'A' + 'a');
		}
		if (cb >= 'A' && cb <= 'Z') {
			cb = (char)(cb - 'A' + 'a');
		}
		if (ca != cb) {
			return false;
		}
		if (ca == '\0') {
			return true;
		}
	}
}

size_t
fv_str_utf8_prefix(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t need;
		unsigned int cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i - 1 < need) {
			return i;
		}
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return i;
			}
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			return i;
		}
		i += need + 1;
	}
	return n;
}

bool
fv_str_utf8_valid(const char *p, size_t n)
{
	return fv_str_utf8_prefix(p, n) == n;
}

void
fv_strv_push_take(struct fv_strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap < 8 ? 8 : sv->cap * 2;

		if (cap < sv->n + 2) {
			cap = sv->n + 2; /* filled by hand, as { v, n } */
		}

		sv->v = fv_xreallocarray(sv->v, cap, sizeof(*sv->v));
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
fv_strv_push(struct fv_strv *sv, const char *s)
{
	fv_strv_push_take(sv, fv_xstrdup(s));
}

void
fv_strv_free(struct fv_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		free(sv->v[i]);
	}
	free(sv->v);
	sv->v = NULL;
	sv->cap = 0;
	sv->n = 0;
}

void
fv_kvmap_set(struct fv_kvmap *m, const char *key, const char *val)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].key, key) == 0) {
			char *nv = fv_xstrdup(val);

			free(m->v[i].val);
			m->v[i].val = nv;
			return;
		}
	}
	m->v = fv_xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n].key = fv_xstrdup(key);
	m->v[m->n].val = fv_xstrdup(val);
	m->n++;
}

const char *
fv_kvmap_get(const struct fv_kvmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].key, key) == 0) {
			return m->v[i].val;
		}
	}
	return NULL;
}

void
fv_kvmap_update(struct fv_kvmap *dst, const struct fv_kvmap *src)
{
	for (size_t i = 0; i < src->n; i++) {
		fv_kvmap_set(dst, src->v[i].key, src->v[i].val);
	}
}

void
fv_kvmap_free(struct fv_kvmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].val);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
