/*
 * Naming several servers, routing a command's words to them, and merging
 * their exit codes (hosts.h). Host names are compared exactly; patterns
 * are fnmatch globs without flags, as the shell users type them.
 */
#include "hosts.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

bool
ctl_host_name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strpbrk(s, "/ \t\r\n*?[]") == NULL;
}

/* The network location of an http:// URL, without user info. */
static char *
ctl_host_netloc(const char *url)
{
	const char *p = url + strlen("http://"), *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));

	if (at != NULL) {
		p = at + 1;
	}
	return fv_xstrndup(p, (size_t)(end - p));
}

static bool
ctl_host_generic(const char *base)
{
	return strcmp(base, "supervisor.sock") == 0 ||
	    strcmp(base, "supervisord.sock") == 0;
}

/* ctl_host_short is level 0 (the host, the socket's name) or level 1
 * (HOST:PORT, the socket's directory) of a URL's short names. */
static char *
ctl_host_short(const char *url, int level)
{
	if (strncmp(url, "http://", 7) == 0) {
		char *netloc = ctl_host_netloc(url), *colon;

		if (level == 0) {
			colon = netloc[0] == '[' ? strchr(netloc, ']')
			                         : strrchr(netloc, ':');
			if (colon != NULL && netloc[0] == '[') {
				colon[1] = '\0';
			} else if (colon != NULL) {
				*colon = '\0';
			}
		}
		return netloc;
	}
	if (strncmp(url, "unix://", 7) == 0) {
		const char *path = url + 7, *base = strrchr(path, '/');
		size_t n;

		base = base != NULL ? base + 1 : path;
		/* supervisor.sock says nothing: 4.2.5's and Debian's
		 * default. */
		if (level == 0 && ctl_host_generic(base)) {
			level = 1;
		}
		if (level == 1 && base > path + 1) {
			const char *dir = base - 1;

			while (dir > path && dir[-1] != '/') {
				dir--;
			}
			return fv_xstrndup(dir, (size_t)(base - 1 - dir));
		}
		n = strlen(base);
		if (n > 5 && strcmp(base + n - 5, ".sock") == 0) {
			n -= 5;
		}
		return fv_xstrndup(base, n);
	}
	return fv_xstrdup(url);
}

/* ctl_host_clean replaces what a host name cannot hold with '_'. */
static char *
ctl_host_clean(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (strchr("/ \t\r\n*?[]", *p) != NULL) {
			*p = '_';
		}
	}
	if (s[0] == '\0') {
		free(s);
		s = fv_xstrdup("_");
	}
	return s;
}

static size_t
ctl_host_count(char *const *names, size_t n, const char *s)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		k += strcmp(names[i], s) == 0;
	}
	return k;
}

void
ctl_host_names(
    const char *const *urls, const char *const *idents, size_t n, char **out)
{
	bool *shared = fv_xcalloc(n + 1, sizeof(*shared));

	for (size_t i = 0; i < n; i++) {
		out[i] = ctl_host_name_ok(idents[i])
		    ? fv_xstrdup(idents[i])
		    : ctl_host_clean(ctl_host_short(urls[i], 0));
	}
	/* Two rounds of longer names, then numbers. */
	for (int level = 0; level < 2; level++) {
		for (size_t i = 0; i < n; i++) {
			shared[i] = ctl_host_count(out, n, out[i]) > 1;
		}
		for (size_t i = 0; i < n; i++) {
			if (shared[i]) {
				free(out[i]);
				out[i] = ctl_host_clean(
				    ctl_host_short(urls[i], level));
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 1;

		if (ctl_host_count(out, n, out[i]) <= 1) {
			continue;
		}
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(out[j], out[i]) == 0) {
				char *s;

				for (;;) {
					s = fv_xasprintf("%s#%zu", out[i], ++k);
					if (ctl_host_count(out, n, s) == 0) {
						break;
					}
					free(s);
				}
				free(out[j]);
				out[j] = s;
			}
		}
	}
	free(shared);
}

/* ctl_route_match tells whether the pattern word[0..slash) matches name. */
static bool
ctl_route_match(const char *word, const char *slash, const char *name)
{
	char *pattern = fv_xstrndup(word, (size_t)(slash - word));
	bool match = fnmatch(pattern, name, 0) == 0;

	free(pattern);
	return match;
}

void
ctl_route(const char *const *names, size_t n, char *const *words, size_t nwords,
    struct ctl_route *r)
{
	bool qualified = false;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->selected = fv_xcalloc(n + 1, sizeof(*r->selected));
	r->words = fv_xcalloc(n + 1, sizeof(*r->words));
	for (size_t w = 0; w < nwords; w++) {
		const char *slash = strchr(words[w], '/');
		bool any = false;

		if (slash == NULL) {
			continue;
		}
		qualified = true;
		for (size_t i = 0; i < n; i++) {
			if (ctl_route_match(words[w], slash, names[i])) {
				r->selected[i] = any = true;
			}
		}
		if (!any) {
			fv_strv_push_take(&r->unmatched,
			    fv_xstrndup(words[w], (size_t)(slash - words[w])));
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!qualified) {
			r->selected[i] = true;
		}
		if (!r->selected[i]) {
			continue;
		}
		r->nselected++;
		for (size_t w = 0; w < nwords; w++) {
			const char *slash = strchr(words[w], '/');

			if (slash == NULL) {
				fv_strv_push(&r->words[i], words[w]);
			} else if (ctl_route_match(words[w], slash, names[i])) {
				fv_strv_push(&r->words[i], slash + 1);
			}
		}
	}
}

void
ctl_route_fini(struct ctl_route *r)
{
	for (size_t i = 0; i < r->n; i++) {
		fv_strv_free(&r->words[i]);
	}
	free(r->words);
	free(r->selected);
	fv_strv_free(&r->unmatched);
	memset(r, 0, sizeof(*r));
}

int
ctl_exit_merge(int so_far, int one)
{
	return one > so_far ? one : so_far;
}
