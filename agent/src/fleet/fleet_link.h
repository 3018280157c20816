#ifndef FV_FLEET_FLEET_LINK_H
#define FV_FLEET_FLEET_LINK_H

#include "agent.h"

/*
 * The agent's link to fleetvisor-controllers ([fleet]): for each
 * controller URL it dials a RESPONDENT socket (the controller's surveys:
 * Challenge, HelloAck, Command) and a PUB socket on the companion URL
 * (heartbeats and events), proves its node name with the per-agent
 * secret, publishes a heartbeat with its process summary and every
 * Supervisor event it emits, and runs the commands clients send through
 * the controller (fleet_exec.h). Dialers retry forever with backoff; the
 * agent supervises as usual whether or not a controller answers, and
 * after any reconnect it proves itself again, so the controller's view
 * converges by itself. A controller only relays what clients ask: the
 * link acts on nothing else.
 *
 * nng calls back on its own threads; those callbacks only queue what
 * arrived and wake the loop (a uv_async_t). Everything else happens on
 * the loop thread, which never waits on nng.
 *
 * fleet_link_ext is what main() gives agent_main: a link per run, opened
 * when the run is under way and closed when it ends.
 */
extern const struct agent_ext fleet_link_ext;

#endif
