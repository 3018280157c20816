/*
 * Routing a command's words to hosts (fleet_route.h). The rule is
 * fleetvisorctl's multi-server rule; this module owns only the pure
 * computation and never looks at a registry or a socket.
 */
#include "fleet_route.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* fleet_route_match tells whether the pattern word[0..slash) matches name. */
static bool
fleet_route_match(const char *word, const char *slash, const char *name)
{
	char *pattern = fv_xstrndup(word, (size_t)(slash - word));
	bool match = fnmatch(pattern, name, 0) == 0;

	free(pattern);
	return match;
}

void
fv_fleet_route(const char *const *names, size_t n, const char *const *words,
    size_t nwords, struct fv_fleet_route *r)
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
			if (fleet_route_match(words[w], slash, names[i])) {
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
			} else if (fleet_route_match(
			               words[w], slash, names[i])) {
				fv_strv_push(&r->words[i], slash + 1);
			}
		}
	}
}

void
fv_fleet_route_fini(struct fv_fleet_route *r)
{
	for (size_t i = 0; i < r->n; i++) {
		fv_strv_free(&r->words[i]);
	}
	free(r->words);
	free(r->selected);
	fv_strv_free(&r->unmatched);
	memset(r, 0, sizeof(*r));
}

bool
fv_fleet_route_same(const struct fv_fleet_route *r, size_t i, size_t j)
{
	const struct fv_strv *a = &r->words[i], *b = &r->words[j];

	if (a->n != b->n) {
		return false;
	}
	for (size_t k = 0; k < a->n; k++) {
		if (strcmp(a->v[k], b->v[k]) != 0) {
			return false;
		}
	}
	return true;
}
