/*
 * Stored command replies and their pages (ctr_store.h). This module owns
 * the packed results; it builds nng messages but never sends them.
 */
#include "ctr_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_net.h"

/* Room left in a page for the envelope and the reply's own fields. */
#define CTR_PAGE_BYTES (FV_PROTO_MAXMSG - 64 * 1024)

void
ctr_store_init(struct ctr_store *s, size_t max, uint64_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->max_bytes = max_bytes;
}

void
ctr_store_fini(struct ctr_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		ctr_stored_free(s->v[i]);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct ctr_stored *
ctr_stored_new(uint64_t id, uint32_t hosts_expected)
{
	struct ctr_stored *st = fv_xcalloc(1, sizeof(*st));

	st->id = id;
	st->hosts_expected = hosts_expected;
	return st;
}

void
ctr_stored_add_packed(struct ctr_stored *st, const uint8_t *p, size_t n)
{
	ProtobufCBinaryData *b;

	st->results = fv_xreallocarray(
	    st->results, st->nresults + 1, sizeof(*st->results));
	b = &st->results[st->nresults++];
	b->len = n;
	b->data = fv_xmalloc(n + 1);
	if (n > 0) {
		memcpy(b->data, p, n);
	}
	st->bytes += n;
}

void
ctr_stored_add(struct ctr_stored *st, const Fleetvisor__V1__CommandResult *r)
{
	size_t n = fleetvisor__v1__command_result__get_packed_size(r);
	uint8_t *p = fv_xmalloc(n + 1);

	fleetvisor__v1__command_result__pack(r, p);
	ctr_stored_add_packed(st, p, n);
	free(p);
}

void
ctr_stored_free(struct ctr_stored *st)
{
	if (st == NULL) {
		return;
	}
	for (size_t i = 0; i < st->nresults; i++) {
		free(st->results[i].data);
	}
	free(st->results);
	free(st->pages);
	free(st);
}

/* ctr_stored_build makes the reply envelope for results [from, to);
 * the unpacked results are returned in *rs for ctr_stored_unbuild. */
static void
ctr_stored_build(const struct ctr_stored *st, size_t from, size_t to,
    Fleetvisor__V1__Envelope *env, Fleetvisor__V1__CommandReply *rep,
    Fleetvisor__V1__CommandResult ***rs)
{
	size_t n = to - from, k = 0;

	*rs = fv_xcalloc(n + 1, sizeof(**rs));
	for (size_t i = from; i < to; i++) {
		Fleetvisor__V1__CommandResult *r =
		    fleetvisor__v1__command_result__unpack(
		        NULL, st->results[i].len, st->results[i].data);

		if (r != NULL) {
			(*rs)[k++] = r;
		}
	}
	fleetvisor__v1__envelope__init(env);
	fleetvisor__v1__command_reply__init(rep);
	env->version = FV_PROTO_VERSION;
	env->body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY;
	env->command_reply = rep;
	rep->results = *rs;
	rep->n_results = k;
	rep->hosts_expected = st->hosts_expected;
}

static void
ctr_stored_unbuild(
    Fleetvisor__V1__CommandReply *rep, Fleetvisor__V1__CommandResult **rs)
{
	for (size_t i = 0; i < rep->n_results; i++) {
		fleetvisor__v1__command_result__free_unpacked(rs[i], NULL);
	}
	free(rs);
}

/* ctr_stored_replace puts an error row in place of result i, which is
 * too large to relay in any page. */
static void
ctr_stored_replace(struct ctr_stored *st, size_t i)
{
	Fleetvisor__V1__CommandResult *old =
	    fleetvisor__v1__command_result__unpack(
	        NULL, st->results[i].len, st->results[i].data);
	Fleetvisor__V1__CommandResult r;
	fleetvisor__v1__command_result__init(&r);
	static char line[] = "fleetvisor-controller: this host's result is "
	                     "too large to relay";
	static char empty[1];
	char *lines[1] = { line };
	size_t n;

	r.host = old != NULL ? old->host : empty;
	r.outcome = FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_ERROR;
	r.exit_code = 2;
	r.err_lines = lines;
	r.n_err_lines = 1;
	n = fleetvisor__v1__command_result__get_packed_size(&r);
	st->bytes -= st->results[i].len;
	free(st->results[i].data);
	st->results[i].data = fv_xmalloc(n + 1);
	st->results[i].len = n;
	fleetvisor__v1__command_result__pack(&r, st->results[i].data);
	st->bytes += n;
	if (old != NULL) {
		fleetvisor__v1__command_result__free_unpacked(old, NULL);
	}
}

static bool
ctr_stored_fits(const struct ctr_stored *st, size_t from, size_t to)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__CommandReply rep;
	Fleetvisor__V1__CommandResult **rs;
	bool ok;

	ctr_stored_build(st, from, to, &env, &rep, &rs);
	/* The largest ids and page numbers a reply can carry. */
	env.request_id = UINT64_MAX;
	rep.page = UINT32_MAX;
	rep.more = true;
	ok = fv_pb_envelope_check(&env, NULL) != FV_ETOOBIG &&
	    fleetvisor__v1__envelope__get_packed_size(&env) <= FV_PROTO_MAXMSG;
	ctr_stored_unbuild(&rep, rs);
	return ok;
}

void
ctr_stored_paginate(struct ctr_stored *st)
{
	size_t from = 0;

	free(st->pages);
	st->pages = fv_xcalloc(st->nresults + 2, sizeof(*st->pages));
	st->npages = 0;
	do {
		size_t to = from, bytes = 0;

		while (to < st->nresults && to - from < FV_PROTO_HOSTS_MAX &&
		    bytes + st->results[to].len + 16 <= CTR_PAGE_BYTES) {
			bytes += st->results[to].len + 16;
			to++;
		}
		if (to == from && to < st->nresults) {
			to++;
		}
		while (to - from > 1 && !ctr_stored_fits(st, from, to)) {
			to = from + (to - from) / 2;
		}
		if (to - from == 1 && !ctr_stored_fits(st, from, to)) {
			ctr_stored_replace(st, from);
		}
		st->pages[st->npages++] = from;
		from = to;
	} while (from < st->nresults);
	st->pages[st->npages] = st->nresults;
}

int
ctr_stored_page_msg(const struct ctr_stored *st, uint32_t page,
    uint64_t request_id, nng_msg **out, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__CommandReply rep;
	Fleetvisor__V1__CommandResult **rs;
	int rv;

	if (page >= st->npages) {
		return fv_diagf(
		    d, FV_ESTATE, "page %u of %zu", page, st->npages);
	}
	ctr_stored_build(
	    st, st->pages[page], st->pages[page + 1], &env, &rep, &rs);
	env.request_id = request_id;
	rep.page = page;
	rep.more = page + 1 < st->npages;
	rv = fv_fleet_msg_new(&env, out, d);
	ctr_stored_unbuild(&rep, rs);
	return rv;
}

static void
ctr_store_remove(struct ctr_store *s, size_t i)
{
	s->bytes -= s->v[i]->bytes;
	ctr_stored_free(s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

void
ctr_store_put_take(struct ctr_store *s, struct ctr_stored *st)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i]->id == st->id) {
			ctr_store_remove(s, i);
			break;
		}
	}
	if (st->pages == NULL) {
		ctr_stored_paginate(st);
	}
	while (s->n > 0 &&
	    (s->n >= s->max || s->bytes + st->bytes > s->max_bytes)) {
		ctr_store_remove(s, 0);
		s->evicted++;
	}
	s->v = fv_xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = st;
	s->bytes += st->bytes;
}

struct ctr_stored *
ctr_store_find(const struct ctr_store *s, uint64_t id)
{
	for (size_t i = s->n; i > 0; i--) {
		if (s->v[i - 1]->id == id) {
			return s->v[i - 1];
		}
	}
	return NULL;
}
