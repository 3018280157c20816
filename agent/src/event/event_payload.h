#ifndef FV_EVENT_EVENT_PAYLOAD_H
#define FV_EVENT_EVENT_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "process/proc_fsm.h"

/*
 * The text of Supervisor 4.2.5's event payloads, byte for byte, built from
 * plain values so that it can be checked without a process table. Each
 * renderer appends to a caller-owned buffer and returns 0 or FV_ETOOBIG
 * when the buffer's cap would be passed.
 */

/*
 * event_utf8_valid tells whether the n bytes at s decode as Python 3's
 * strict UTF-8 decoder accepts (no overlong forms, no surrogates, nothing
 * past U+10FFFF, no truncated sequence).
 */
bool event_utf8_valid(const char *s, size_t n);

/*
 * event_utf8_chars counts the code points of n bytes of valid UTF-8: what
 * Python's len() says of the decoded str.
 */
size_t event_utf8_chars(const char *s, size_t n);

/*
 * event_bytes_repr appends Python's repr() of the bytes object holding
 * the n bytes at s: b'...' (or b"..." when only single quotes occur) with
 * \\, \t, \n, \r, \xNN and the quote escaped as CPython does.
 */
int event_bytes_repr(struct fv_buf *b, const char *s, size_t n);

/*
 * event_data_put appends child output as 4.2.5's PROCESS_LOG and
 * PROCESS_COMMUNICATION payloads carry it: the text when it is UTF-8,
 * else "Undecodable: " and the bytes' repr.
 */
int event_data_put(struct fv_buf *b, const char *s, size_t n);

/*
 * event_render_state appends a PROCESS_STATE_* payload:
 * "processname:P groupname:G from_state:S" and the extras of the new
 * state's event (tries for STARTING and BACKOFF; expected and pid for
 * EXITED; pid for RUNNING, STOPPING, STOPPED; none otherwise).
 */
int event_render_state(struct fv_buf *b, const char *proc, const char *group,
    enum proc_state from, enum proc_state to, bool expected, long long tries,
    long long pid);

/* event_render_log appends "processname:P groupname:G pid:N channel:C\n"
 * and the data (PROCESS_LOG_*). */
int event_render_log(struct fv_buf *b, const char *proc, const char *group,
    long long pid, const char *channel, const char *data, size_t n);

/* event_render_comm appends "processname:P groupname:G pid:N\n" and the
 * data (PROCESS_COMMUNICATION_*). */
int event_render_comm(struct fv_buf *b, const char *proc, const char *group,
    long long pid, const char *data, size_t n);

/* event_render_remote appends "type:T\n" and the data, both already as
 * 4.2.5's '%s' renders them (REMOTE_COMMUNICATION). */
int event_render_remote(struct fv_buf *b, const char *type, size_t type_len,
    const char *data, size_t n);

/* event_render_group appends "groupname:G\n" (PROCESS_GROUP_*). */
int event_render_group(struct fv_buf *b, const char *group);

/* event_render_tick appends "when:N" (TICK_*). */
int event_render_tick(struct fv_buf *b, int64_t when);

#endif
