#ifndef FV_FLEET_FLEET_EXEC_H
#define FV_FLEET_FLEET_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "fleet.pb-c.h"

/*
 * Running a controller's Command on this agent: as a one-server
 * fleetvisorctl would run it against this very daemon, so that a fleet
 * command prints, per host, exactly what supervisorctl prints for one
 * server. Each command runs in a worker thread with its own ctl session
 * whose XML-RPC calls are not sent over HTTP but handed to the loop
 * thread, which dispatches them to the agent's methods (rpc_dispatch)
 * and hands the outcome back: the loop never waits for a worker, and a
 * waiting method (start with wait) holds only its worker.
 *
 * status, pid and avail report their rows (ProcessInfo, ConfigInfo), tail
 * and maintail their bytes (TailChunk); everything else is the lines the
 * session printed (fleet.proto, CommandResult).
 */

struct rpc_ctx;
struct fleet_exec;

/* Workers running at once; a command beyond them is refused (busy). */
#define FLEET_EXEC_MAX_JOBS 32

/* fleet_exec_new prepares a runner on loop for the methods of rpc; node
 * names this host in results. */
struct fleet_exec *fleet_exec_new(
    uv_loop_t *loop, struct rpc_ctx *rpc, const char *node);

/*
 * The outcome of one command, on the loop thread: res belongs to the
 * callee (free it with fleet_result_free).
 */
typedef void fleet_exec_done_fn(void *arg, Fleetvisor__V1__CommandResult *res);

/*
 * fleet_exec_start runs cmd (copied; its words already checked by
 * fleet_exec_check) in a worker; done(arg, res) runs later on the loop
 * thread. FV_ETOOBIG when FLEET_EXEC_MAX_JOBS are running, FV_ESTATE when
 * the runner is closing.
 */
int fleet_exec_start(struct fleet_exec *x, const Fleetvisor__V1__Command *cmd,
    fleet_exec_done_fn *done, void *arg);

/*
 * fleet_exec_check tells whether the runner can take cmd: a known action
 * and words a command line can carry (no ';', blanks or control
 * characters, which would make another command of them). NULL when
 * fine, else why.
 */
const char *fleet_exec_check(const Fleetvisor__V1__Command *cmd);

/* fleet_exec_running is the number of commands not finished. */
size_t fleet_exec_running(const struct fleet_exec *x);

/*
 * fleet_exec_free ends the runner: every method call a worker waits for
 * fails (as a lost connection would), the workers are joined, and the
 * done callbacks of unfinished commands do not run. On the loop thread;
 * run the loop afterwards to finish closing its handle.
 */
void fleet_exec_free(struct fleet_exec *x);

/* fleet_result_free releases a result made by the runner (or by
 * fleet_result_new). */
void fleet_result_free(Fleetvisor__V1__CommandResult *res);

/* fleet_result_new is an empty result for host with outcome and code,
 * and one line when line is not NULL. */
Fleetvisor__V1__CommandResult *fleet_result_new(const char *host,
    Fleetvisor__V1__CommandResult__Outcome outcome, int code, const char *line);

#endif
