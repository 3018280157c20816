/*
 * Closing nng sockets without hanging on nng 1.5.2. See fleet_close.h.
 */
#include "fleet_close.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"

/* Shared by the closing thread and the waiter; the last to let go
 * frees it, so a waiter that gives up leaves nothing dangling. */
struct fleet_closer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int refs;
	size_t n;
	nng_socket socks[];
};

static void
fleet_closer_rele(struct fleet_closer *fc)
{
	pthread_mutex_lock(&fc->mu);
	bool last = --fc->refs == 0;

	pthread_mutex_unlock(&fc->mu);
	if (last) {
		pthread_mutex_destroy(&fc->mu);
		pthread_cond_destroy(&fc->cv);
		free(fc);
	}
}

static void *
fleet_closer_main(void *arg)
{
	struct fleet_closer *fc = arg;

	for (size_t i = 0; i < fc->n; i++) {
		nng_close(fc->socks[i]);
	}
	pthread_mutex_lock(&fc->mu);
	fc->done = true;
	pthread_cond_signal(&fc->cv);
	pthread_mutex_unlock(&fc->mu);
	fleet_closer_rele(fc);
	return NULL;
}

bool
fv_fleet_close(const nng_socket *socks, size_t n, unsigned wait_ms)
{
	struct fleet_closer *fc;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t th;
	struct timespec until;
	bool done;

	if (n == 0) {
		return true;
	}
	fc = fv_xcalloc(1, sizeof(*fc) + n * sizeof(fc->socks[0]));
	memcpy(fc->socks, socks, n * sizeof(fc->socks[0]));
	fc->n = n;
	fc->refs = 2;
	pthread_mutex_init(&fc->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fc->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &ta, fleet_closer_main, fc) != 0) {
		/* No thread to spare: close here, and hope. */
		pthread_attr_destroy(&ta);
		fc->refs = 1;
		fleet_closer_main(fc);
		return true;
	}
	pthread_attr_destroy(&ta);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fc->mu);
	while (!fc->done &&
	    pthread_cond_timedwait(&fc->cv, &fc->mu, &until) != ETIMEDOUT) {
	}
	done = fc->done;
	pthread_mutex_unlock(&fc->mu);
	fleet_closer_rele(fc);
	return done;
}
