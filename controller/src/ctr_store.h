#ifndef FV_CONTROLLER_CTR_STORE_H
#define FV_CONTROLLER_CTR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "common/err.h"
#include "fleet.pb-c.h"

/*
 * Finished commands, kept so that a resent request (REQ resends, a
 * client retrying) gets the first answer again instead of running twice,
 * and so that PageRequests are served without running anything. Bounded
 * by a count and a byte total: the oldest entries go first. Results are
 * kept packed (one CommandResult each). Pure: no locking, no clock.
 */

struct ctr_stored {
	uint64_t id; /* the client's request id */
	uint32_t hosts_expected;
	ProtobufCBinaryData *results; /* packed CommandResults, owned */
	size_t nresults;
	size_t *pages; /* [npages + 1]: first result of each page */
	size_t npages;
	size_t bytes;
};

struct ctr_store {
	struct ctr_stored **v; /* oldest first */
	size_t n;
	size_t max;
	uint64_t max_bytes;
	uint64_t bytes;
	uint64_t evicted;
};

void ctr_store_init(struct ctr_store *s, size_t max, uint64_t max_bytes);
void ctr_store_fini(struct ctr_store *s);

/* ctr_stored_new starts an entry for request id. */
struct ctr_stored *ctr_stored_new(uint64_t id, uint32_t hosts_expected);
/* ctr_stored_add packs r (borrowed) as the next result. */
void ctr_stored_add(
    struct ctr_stored *st, const Fleetvisor__V1__CommandResult *r);
/* ctr_stored_add_packed adds a result already packed (copied). */
void ctr_stored_add_packed(struct ctr_stored *st, const uint8_t *p, size_t n);
void ctr_stored_free(struct ctr_stored *st);

/*
 * ctr_stored_paginate splits the results into pages that each fit one
 * CommandReply (FV_PROTO_HOSTS_MAX results, the byte and field limits:
 * each page is checked with fv_pb_envelope_check). A single result that
 * cannot fit is replaced by an OUTCOME_ERROR row for its host.
 */
void ctr_stored_paginate(struct ctr_stored *st);

/*
 * ctr_stored_page_msg builds the CommandReply for page (0-based) as an
 * nng message carrying request_id. FV_ESTATE for a page past the last.
 */
int ctr_stored_page_msg(const struct ctr_stored *st, uint32_t page,
    uint64_t request_id, nng_msg **out, struct fv_diag *d);

/* ctr_store_put_take keeps st (paginated), evicting the oldest entries
 * past the bounds. A repeated id replaces the older entry. */
void ctr_store_put_take(struct ctr_store *s, struct ctr_stored *st);

/* ctr_store_find returns the entry for id (borrowed), or NULL. */
struct ctr_stored *ctr_store_find(const struct ctr_store *s, uint64_t id);

#endif
