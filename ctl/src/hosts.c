/*
 * Naming several servers and merging their exit codes (hosts.h). The
 * routing of a command's words to them is proto/fleet_route.c.
 */
#include "hosts.h"

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

int
ctl_exit_merge(int so_far, int one)
{
	return one > so_far ? one : so_far;
}
