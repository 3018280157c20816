#ifndef FV_PROCESS_PROC_IO_H
#define FV_PROCESS_PROC_IO_H

#include "process/proc.h"

/*
 * The pipes between a process and the agent, and the path of its output
 * to the log files, the main log (debug) and the bus. Internal to
 * process/: proc.c drives it.
 */

/* The read chunk: 4.2.5 reads 128 KiB at a time. */
#define PROC_READ_CHUNK (128 * 1024)

/*
 * Read coalescing (see proc_io.c): a read of less than PROC_GATHER_SMALL
 * bytes makes us wait PROC_GATHER_MS before reading that pipe again, then
 * read up to PROC_GATHER_CHUNKS chunks; a pipe that took half its size in
 * that time is enlarged to PROC_PIPE_BIG bytes (the default pipe-max-size,
 * what an unprivileged user may ask for) while it stays busy.
 */
#define PROC_GATHER_MS     1
#define PROC_GATHER_SMALL  (PROC_READ_CHUNK / 4)
#define PROC_GATHER_CHUNKS 16
#define PROC_PIPE_BIG      (1024 * 1024)

/* The descriptors of one spawn; -1 where unused. */
struct proc_io_fds {
	int child_in, child_out, child_err;
	int parent_in, parent_out, parent_err;
};

void proc_io_chan_init(struct proc_chan *c, struct proc *p,
    enum evbus_channel channel, const struct cfg_logcfg *cfg);
void proc_io_chan_fini(struct proc_chan *c);

/* proc_io_make_autolog creates the AUTO log file of c in childlogdir, named
 * as 4.2.5 does (NAME-CHANNEL---IDENTIFIER-XXXXXXXX.log). */
int proc_io_make_autolog(struct proc_chan *c, const char *childlogdir,
    const char *identifier, struct fv_diag *d);

/* proc_io_prepare opens the log files (once) and makes the pipes of a
 * spawn. Returns 0 or a negated errno (nothing is left open then). */
int proc_io_prepare(struct proc *p, struct proc_io_fds *fds);
/* proc_io_abort closes every descriptor of a spawn that did not happen. */
void proc_io_abort(struct proc *p, struct proc_io_fds *fds);
/* proc_io_start closes the child's ends and starts reading ours. */
void proc_io_start(struct proc *p, struct proc_io_fds *fds);
/* proc_io_drain reads everything the pipes hold now, paused or not. */
void proc_io_drain(struct proc *p);
/* proc_io_chan_stop closes the channel's current pipe, if any. */
void proc_io_chan_stop(struct proc_chan *c);
/* proc_io_chan_reopen reopens the channel's log file. */
void proc_io_chan_reopen(struct proc_chan *c);
/* proc_io_chan_flush writes the channel's pending log bytes now. */
void proc_io_chan_flush(struct proc_chan *c);

/* Implemented by proc.c: a pipe handle of p finished closing. */
void proc_handle_closed(struct proc *p);

#endif
