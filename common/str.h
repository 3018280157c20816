#ifndef FV_COMMON_STR_H
#define FV_COMMON_STR_H

#include <stdbool.h>
#include <stddef.h>

/* fv_strlcpy copies like OpenBSD strlcpy (glibc 2.36 has none). */
size_t fv_strlcpy(char *dst, const char *src, size_t size);
/* fv_str_lower lower-cases ASCII letters in place and returns s. */
char *fv_str_lower(char *s);
/* fv_str_strip removes leading and trailing whitespace in place. */
char *fv_str_strip(char *s);
/* fv_str_startswith tells whether s begins with prefix. */
bool fv_str_startswith(const char *s, const char *prefix);
/* fv_str_casecmp_eq compares ASCII case-insensitively for equality. */
bool fv_str_caseeq(const char *a, const char *b);
/* fv_str_utf8_prefix returns the length of the longest valid UTF-8 prefix
 * of the n bytes at p (n when all of them are valid). */
size_t fv_str_utf8_prefix(const char *p, size_t n);
/* fv_str_utf8_valid tells whether n bytes at p are well-formed UTF-8. */
bool fv_str_utf8_valid(const char *p, size_t n);

/* A vector of owned strings, NULL-terminated (v[n] == NULL once any was
 * pushed); it grows by doubling (cap slots), so n pushes cost O(n). */
struct fv_strv {
	char **v;
	size_t n;
	size_t cap;
};

/* fv_strv_push appends a copy of s. */
void fv_strv_push(struct fv_strv *sv, const char *s);
/* fv_strv_push_take appends s, taking ownership of it. */
void fv_strv_push_take(struct fv_strv *sv, char *s);
/* fv_strv_free releases every string and the vector itself. */
void fv_strv_free(struct fv_strv *sv);

/* An insertion-ordered map of owned strings (a Python dict of str). */
struct fv_kv {
	char *key;
	char *val;
};

struct fv_kvmap {
	struct fv_kv *v;
	size_t n;
};

/* fv_kvmap_set stores copies; an existing key keeps its position. */
void fv_kvmap_set(struct fv_kvmap *m, const char *key, const char *val);
/* fv_kvmap_get returns the borrowed value of key, or NULL. */
const char *fv_kvmap_get(const struct fv_kvmap *m, const char *key);
/* fv_kvmap_update sets every pair of src into dst, in src's order. */
void fv_kvmap_update(struct fv_kvmap *dst, const struct fv_kvmap *src);
/* fv_kvmap_free releases all pairs. */
void fv_kvmap_free(struct fv_kvmap *m);

#endif
