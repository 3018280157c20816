/*
 * Work that nng 1.5.2 may never finish, waited for with a bound; and
 * closing sockets that way. See fleet_close.h.
 */
#include "fleet_close.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"

/* Shared by the worker thread and the waiter; the last to let go frees
 * it, so a waiter that gives up leaves nothing dangling. */
struct fleet_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int refs;
	fv_fleet_job_fn *fn;
	void *arg;
};

static void
fleet_job_rele(struct fleet_job *j)
{
	pthread_mutex_lock(&j->mu);
	bool last = --j->refs == 0;

	pthread_mutex_unlock(&j->mu);
	if (last) {
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		free(j);
	}
}

static void *
fleet_job_main(void *arg)
{
	struct fleet_job *j = arg;

	j->fn(j->arg);
	pthread_mutex_lock(&j->mu);
	j->done = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	fleet_job_rele(j);
	return NULL;
}

bool
fv_fleet_bounded(fv_fleet_job_fn *fn, void *arg, unsigned wait_ms)
{
	struct fleet_job *j = fv_xcalloc(1, sizeof(*j));
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t th;
	sigset_t all, old;
	struct timespec until;
	bool done;
	int rv;

	j->fn = fn;
	j->arg = arg;
	j->refs = 2;
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/* Signals stay with the thread that handles them (the agent's and
	 * the ctl's loops take theirs through libuv). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&th, &ta, fleet_job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&ta);
	if (rv != 0) {
		/* No thread to spare: here, without the bound. */
		j->refs = 1;
		fleet_job_main(j);
		return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done &&
	    pthread_cond_timedwait(&j->cv, &j->mu, &until) != ETIMEDOUT) {
	}
	done = j->done;
	pthread_mutex_unlock(&j->mu);
	fleet_job_rele(j);
	return done;
}

/* The sockets of one fv_fleet_close, owned by its job. */
struct fleet_socks {
	size_t n;
	nng_socket v[];
};

static void
fleet_close_job(void *arg)
{
	struct fleet_socks *s = arg;

	for (size_t i = 0; i < s->n; i++) {
		nng_close(s->v[i]);
	}
	free(s);
}

bool
fv_fleet_close(const nng_socket *socks, size_t n, unsigned wait_ms)
{
	struct fleet_socks *s;

	if (n == 0) {
		return true;
	}
	s = fv_xcalloc(1, sizeof(*s) + n * sizeof(s->v[0]));
	s->n = n;
	memcpy(s->v, socks, n * sizeof(s->v[0]));
	return fv_fleet_bounded(fleet_close_job, s, wait_ms);
}
