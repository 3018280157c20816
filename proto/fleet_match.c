/*
 * Selector and subscription matching (fleet_match.h): pure functions over
 * decoded messages, with no state and no allocation beyond one bounded
 * name buffer on the stack.
 */
#include "proto/fleet_match.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "proto/fleet_codec.h"

static const char *
match_str(const char *s)
{
	return s == NULL ? "" : s;
}

/* match_any: one of n globs matches s. */
static bool
match_any(char *const *globs, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (fnmatch(match_str(globs[i]), s, 0) == 0) {
			return true;
		}
	}
	return false;
}

static const char *
match_get(Fleetvisor__V1__KeyValue *const *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(match_str(kv[i]->key), key) == 0) {
			return match_str(kv[i]->value);
		}
	}
	return NULL;
}

bool
fv_pb_selector_match(const Fleetvisor__V1__Selector *s, const char *node,
    Fleetvisor__V1__KeyValue *const *labels, size_t nlabels)
{
	const char *v;

	if (s == NULL || s->all) {
		return true;
	}
	if (s->n_names == 0 && s->n_labels == 0) {
		return false;
	}
	if (s->n_names > 0 && !match_any(s->names, s->n_names, node)) {
		return false;
	}
	for (size_t i = 0; i < s->n_labels; i++) {
		v = match_get(labels, nlabels, match_str(s->labels[i]->key));
		if (v == NULL ||
		    strcmp(v, match_str(s->labels[i]->value)) != 0) {
			return false;
		}
	}
	return true;
}

/* match_type: event type t is covered by subscription name want. */
static bool
match_type(const char *want, const char *t)
{
	size_t n = strlen(want);

	return strcmp(want, "EVENT") == 0 ||
	    (strncmp(want, t, n) == 0 && (t[n] == '\0' || t[n] == '_'));
}

static bool
match_process(
    const Fleetvisor__V1__Subscribe *f, const Fleetvisor__V1__Event *ev)
{
	const char *name = match_get(ev->headers, ev->n_headers, "processname");
	const char *group = match_get(ev->headers, ev->n_headers, "groupname");
	char full[2 * FV_PROTO_TEXT_MAX + 2];

	if (name == NULL) {
		return false;
	}
	snprintf(
	    full, sizeof(full), "%s:%s", group == NULL ? name : group, name);
	return match_any(f->processes, f->n_processes, full) ||
	    match_any(f->processes, f->n_processes, name);
}

bool
fv_pb_event_match(
    const Fleetvisor__V1__Subscribe *f, const Fleetvisor__V1__Event *ev)
{
	bool ok = false;

	if (f->n_hosts > 0 &&
	    !match_any(f->hosts, f->n_hosts, match_str(ev->host))) {
		return false;
	}
	for (size_t i = 0; i < f->n_types && !ok; i++) {
		ok = match_type(match_str(f->types[i]), match_str(ev->type));
	}
	if (f->n_types > 0 && !ok) {
		return false;
	}
	return f->n_processes == 0 || match_process(f, ev);
}

bool
fv_pb_controller_event_match(const Fleetvisor__V1__Subscribe *f,
    const Fleetvisor__V1__ControllerEvent *ev)
{
	return f->controller_events &&
	    (f->n_hosts == 0 ||
	        match_any(f->hosts, f->n_hosts, match_str(ev->node)));
}
