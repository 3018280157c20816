#ifndef FV_CONTROLLER_CTR_PIPES_H
#define FV_CONTROLLER_CTR_PIPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/*
 * The connections on the agents' two ports (the SURVEYOR's and the SUB's
 * pipes), tracked so that the controller can close those that never join
 * and those that flood it (RELIABILITY C14): nng 1.5.2 keeps a peer that
 * completed the SP handshake for as long as it stays, silent or not.
 * Pure: no sockets, no clock (callers pass the time), no locking (the
 * caller holds the controller's state lock). Every operation on one pipe
 * is O(1) on average (a hash table on the pipe id).
 */

enum ctr_pipe_kind {
	CTR_PIPE_AGENTS, /* the SURVEYOR's: commands and joins */
	CTR_PIPE_EVENTS, /* the SUB's: heartbeats and events */
};

/* A flood is this many consecutive one-second windows over the limit. */
#define CTR_FLOOD_WINDOWS 3
#define CTR_PIPE_ADDR_MAX 64

struct ctr_pipe {
	uint32_t id; /* nng's pipe id; 0 marks a free slot */
	uint8_t kind; /* enum ctr_pipe_kind */
	bool joined; /* a node joined on it, or it carried a session */
	bool closing; /* we asked nng to close it */
	bool flooded; /* closed for a flood: the rest is dropped */
	uint64_t added_ms;
	uint64_t closing_ms; /* the last ask (retries move it) */
	uint64_t closed_first_ms; /* the first ask */
	uint64_t win_start_ms; /* the current one-second rate window */
	uint32_t win_count;
	uint32_t over_streak; /* windows over the limit just before it */
	char addr[CTR_PIPE_ADDR_MAX]; /* the peer, for the log */
};

struct ctr_pipes {
	struct ctr_pipe *v; /* open addressing, size a power of two */
	size_t size;
	size_t n;
	size_t max; /* most pipes tracked at once */
};

/* ctr_pipes_init makes an empty table that will hold at most max pipes;
 * memory grows with the pipes actually open. */
void ctr_pipes_init(struct ctr_pipes *t, size_t max);
void ctr_pipes_fini(struct ctr_pipes *t);

/*
 * ctr_pipes_add tracks a new pipe (addr is copied, cut to fit; NULL for
 * none). 0; FV_ETOOBIG when max pipes are tracked already (the caller
 * closes it); FV_ESTATE when id is tracked already (nothing changes).
 */
int ctr_pipes_add(struct ctr_pipes *t, uint32_t id, enum ctr_pipe_kind kind,
    const char *addr, uint64_t now_ms);

/* ctr_pipes_remove forgets id; false when it was not tracked. */
bool ctr_pipes_remove(struct ctr_pipes *t, uint32_t id);

/* ctr_pipes_find returns the record of id (borrowed, valid until the next
 * add or remove), or NULL. */
struct ctr_pipe *ctr_pipes_find(const struct ctr_pipes *t, uint32_t id);

/* ctr_pipes_joined marks id as owned by a joined node, which exempts it
 * from the join timeout. Untracked ids are ignored. */
void ctr_pipes_joined(struct ctr_pipes *t, uint32_t id);

enum ctr_rate {
	CTR_RATE_OK,
	CTR_RATE_DROP, /* over the limit: drop the message */
	CTR_RATE_CLOSE, /* drop it and close the pipe: a sustained flood */
};

/*
 * ctr_pipe_rate counts one message on p against limit messages per
 * second (fixed one-second windows, so a burst of up to limit at once is
 * fine). Once CTR_FLOOD_WINDOWS consecutive windows went over, it says
 * CTR_RATE_CLOSE once and CTR_RATE_DROP for anything after.
 */
enum ctr_rate ctr_pipe_rate(
    struct ctr_pipe *p, uint64_t now_ms, uint32_t limit);

/*
 * ctr_pipes_expired copies into out (up to max) the pipes that did not
 * join within timeout_ms and are not being closed (or were asked to close
 * retry_ms ago or more, as a pipe whose close went unnoticed), and marks
 * them closing (the copies keep the flag as it was, so a retry shows
 * closing already). *next_ms gets the time a later call could find more: now
 * when out was too small, else the earliest deadline still to come
 * (UINT64_MAX when there is none). Returns how many were copied.
 */
size_t ctr_pipes_expired(struct ctr_pipes *t, uint64_t now_ms,
    uint64_t timeout_ms, uint64_t retry_ms, struct ctr_pipe *out, size_t max,
    uint64_t *next_ms);

/* ctr_pipe_close_asked marks p closing as of now (a retry keeps the
 * time of the first ask). */
void ctr_pipe_close_asked(struct ctr_pipe *p, uint64_t now_ms);

/*
 * ctr_pipes_stuck returns a pipe that nng has not torn down (no
 * REM_POST removed it) stuck_ms or more after we first asked it to
 * close, or NULL. nng 1.5.2's reaper can block for good on one pipe
 * (proto/fleet_close.h), and from then on no pipe of the process is
 * torn down: this is how the controller learns of it.
 */
const struct ctr_pipe *ctr_pipes_stuck(
    const struct ctr_pipes *t, uint64_t now_ms, uint64_t stuck_ms);

#endif
