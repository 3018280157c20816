/*
 * fleetvisor.getEventPoolStats: what each event-listener pool holds, has
 * taken in and has lost. 4.2.5 only logs an overflow; a count a client
 * can read is how a test or a monitor tells "delivered exactly once" from
 * "dropped because the buffer was full" (RELIABILITY C11). Ours only, so
 * unlisted, like fleetvisor.reopenLogs.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "event/pool.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"

/* XML-RPC ints are 32-bit (4.2.5's clients know no i8): a count past that
 * reads as the largest one, never as a negative number. */
static struct xr_value *
rpc_events_count(uint64_t n)
{
	return xr_int_new(n > INT32_MAX ? INT32_MAX : (int32_t)n);
}

static int
rpc_events_by_name(const void *a, const void *b)
{
	const struct proc_group *ga = *(struct proc_group *const *)a;
	const struct proc_group *gb = *(struct proc_group *const *)b;

	return strcmp(event_pool_name(ga->pool), event_pool_name(gb->pool));
}

static struct xr_value *
rpc_events_pool_struct(const struct event_pool *pool)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(event_pool_name(pool)));
	xr_struct_set_take(
	    s, "buffer_size", rpc_events_count(event_pool_buffer_size(pool)));
	xr_struct_set_take(
	    s, "buffered", rpc_events_count(event_pool_buffered(pool)));
	xr_struct_set_take(
	    s, "dropped", rpc_events_count(event_pool_dropped(pool)));
	xr_struct_set_take(
	    s, "accepted", rpc_events_count(event_pool_accepted(pool)));
	return s;
}

/*
 * One struct per pool of the running groups, sorted by name so that the
 * answer does not depend on priorities. Any state: the counts matter most
 * while the daemon is stopping.
 */
enum rpc_status
rpc_get_event_pool_stats(struct rpc_call *call, const struct xr_value *params)
{
	const struct supervisor *sv = call->ctx->sv;
	struct proc_group **pools;
	struct xr_value *a = xr_array_new();
	size_t n = 0;

	(void)params;
	pools = fv_xcalloc(sv->ngroups ? sv->ngroups : 1, sizeof(*pools));
	for (size_t i = 0; i < sv->ngroups; i++) {
		if (sv->groups[i]->pool != NULL) {
			pools[n++] = sv->groups[i];
		}
	}
	qsort(pools, n, sizeof(*pools), rpc_events_by_name);
	for (size_t i = 0; i < n; i++) {
		xr_array_add_take(a, rpc_events_pool_struct(pools[i]->pool));
	}
	free(pools);
	return rpc_result(call, a);
}
