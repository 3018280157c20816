/*
 * The process logs as the control API sees them: which file a channel
 * writes, making what the asynchronous writer holds visible before the
 * file is read, and clearing the logs as 4.2.5's removelogs() does. The
 * writer itself (log/logfile.c) and the pipes (proc_io.c) stay the owners
 * of the files and the bytes; this module never reads a log.
 */
#include <errno.h>
#include <stdlib.h>

#include "log/logfile.h"
#include "process/proc.h"

static struct proc_chan *
proc_logs_chan(struct proc *p, enum evbus_channel ch)
{
	return ch == EVBUS_STDOUT ? &p->out : &p->err;
}

const char *
proc_log_path(const struct proc *p, enum evbus_channel ch)
{
	/* 4.2.5 never has a stderr log when stderr goes to stdout. */
	if (ch == EVBUS_STDERR && p->cfg->redirect_stderr) {
		return NULL;
	}
	return ch == EVBUS_STDOUT ? p->out.logpath : p->err.logpath;
}

void
proc_log_settle(struct proc *p, enum evbus_channel ch)
{
	struct proc_chan *c = proc_logs_chan(p, ch);
	struct logfile_stats st;

	if (c->log == NULL) {
		return;
	}
	logfile_stats(c->log, &st);
	if (st.special || st.pending == 0) {
		return;
	}
	/* A regular file takes the bytes at disk speed; the queue is
	 * bounded by the writer's limit, so this wait is too. */
	logfile_flush_sync(c->log);
}

struct logfile *
proc_log_writer(struct proc *p, enum evbus_channel ch)
{
	return proc_logs_chan(p, ch)->log;
}

static int
proc_logs_clear_chan(struct proc_chan *c)
{
	struct logfile_stats st;
	int rv;

	if (c->log == NULL) {
		return 0;
	}
	logfile_stats(c->log, &st);
	if (st.special) {
		/* A device or FIFO: 4.2.5 would unlink /dev/stdout. We keep
		 * it and reopen nothing. */
		return 0;
	}
	/* What the child wrote before the clear belongs to the removed
	 * file, as with 4.2.5's synchronous writes. */
	logfile_flush_sync(c->log);
	rv = logfile_remove_files(c->logpath, 0);
	logfile_reopen(c->log);
	/* Reopen now, not on the pool: a read right after the clear finds
	 * the new empty file, as 4.2.5's synchronous reopen leaves it. */
	logfile_flush_sync(c->log);
	return rv;
}

int
proc_clear_logs(struct proc *p)
{
	int rv = proc_logs_clear_chan(&p->out);
	int rv2 = proc_logs_clear_chan(&p->err);

	return rv != 0 ? rv : rv2;
}
