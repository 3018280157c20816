#ifndef FV_AGENT_H
#define FV_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "config/cfg.h"
#include "http/http_server.h"
#include "process/supervisor.h"
#include "rpc/rpc.h"
#include "rpc/rpc_http.h"
#include "web/web.h"

/*
 * The daemon: one libuv loop, the signals, the pidfile, the main log and
 * the process table, run and re-run (SIGHUP) as supervisord 4.2.5's main()
 * and Supervisor.run() do.
 */

struct mainlog;
struct agent;

/*
 * An extension that lives for one run of the daemon, beside the process
 * table: the fleet link. It is opened once the run is under way (the
 * process table started, the daemon forked, so that its threads are the
 * child's) and closed when the run ends, on the loop thread both times.
 * fleetvisord's main() supplies it; agent_core does not depend on it.
 */
struct agent_ext {
	/* open returns the extension's state, or NULL when it has nothing
	 * to do this run (it logs why). */
	void *(*open)(struct agent *a);
	void (*close)(void *state);
};

struct agent {
	const char *prog; /* argv[0], borrowed */
	const struct cfg_cli *cli; /* borrowed */
	struct cfg *cfg; /* owned: the configuration in force */
	struct cfg *next_cfg; /* owned: validated, for the reload */
	struct cfg *prev_cfg; /* owned: what ran before a reload, until
	                       * the new one is in force */
	char *fallback_msg; /* why a reload went back to prev_cfg */
	uv_loop_t loop;
	struct mainlog *log; /* owned */
	struct supervisor sv;
	struct rpc_ctx rpc; /* the XML-RPC methods' view of this run */
	bool rpc_open;
	uint64_t event_serial; /* the hub's last serial, kept across runs */
	struct rpc_http rpc_http; /* POST /RPC2 */
	struct web web; /* the status page and the log tails */
	struct http_route routes[4];
	size_t nroutes;
	struct http_server *http; /* every configured server, or NULL */
	uv_signal_t sigs[6];
	int nsigs;
	int lock_fd; /* the locked pidfile, or -1 */
	char *lock_path; /* its path */
	const struct agent_ext *ext; /* borrowed, or NULL */
	void *ext_state; /* what ext->open returned for this run */
	bool first; /* the first run, not a reload */
	bool daemonized;
	int exit_status;
};

/*
 * agent_main runs the daemon with cfg (taken) until a shutdown request,
 * re-reading the configuration on SIGHUP, with ext (may be NULL) beside
 * every run. Returns the process exit status: 0 after an orderly
 * shutdown, 2 for a start-up error (4.2.5's usage()).
 */
int agent_main(const char *prog, const struct cfg_cli *cli, struct cfg *cfg,
    const struct agent_ext *ext);

#endif
