/*
 * The ctl's REQ link to a controller (fleet.h). One request at a time on
 * a cooked REQ socket: a new request abandons an old one, so a reply
 * that comes after its deadline can never be taken for the next
 * request's. Everything received goes through the codec before it is
 * read. nng's pipe callbacks run on nng's threads and only count.
 */
#include "fleet.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "common/xalloc.h"
#include "proto/fleet_check.h"
#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"

struct ctl_fleet {
	nng_socket sock;
	char *url;
	char *ca, *cert, *key, *server_name; /* owned copies for tls */
	struct fv_fleet_tls tls;
	unsigned timeout_ms;
	atomic_int pipes; /* connected pipes, counted on nng's threads */
	atomic_bool ever; /* a pipe was ever connected */
};

static void
ctl_fleet_on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ctl_fleet *f = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&f->pipes, 1);
		atomic_store(&f->ever, true);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(&f->pipes, 1);
	}
}

static char *
ctl_fleet_dup(const char *s)
{
	return s != NULL ? fv_xstrdup(s) : NULL;
}

int
ctl_fleet_open(const char *url, const struct fv_fleet_tls *tls,
    unsigned timeout_ms, struct ctl_fleet **out, struct fv_diag *d)
{
	struct ctl_fleet *f;
	int rv, err;

	if ((err = fv_fleet_url_check(url, NULL, d)) != 0) {
		return err;
	}
	f = fv_xcalloc(1, sizeof(*f));
	f->url = fv_xstrdup(url);
	f->timeout_ms = timeout_ms != 0 ? timeout_ms : CTL_FLEET_TIMEOUT_MS;
	if (tls != NULL) {
		f->tls = *tls;
		f->tls.ca_file = f->ca = ctl_fleet_dup(tls->ca_file);
		f->tls.cert_file = f->cert = ctl_fleet_dup(tls->cert_file);
		f->tls.key_file = f->key = ctl_fleet_dup(tls->key_file);
		f->tls.server_name = f->server_name =
		    ctl_fleet_dup(tls->server_name);
	}
	atomic_init(&f->pipes, 0);
	atomic_init(&f->ever, false);
	if ((rv = nng_req0_open(&f->sock)) != 0) {
		err = fv_diagf(d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
		free(f->url);
		free(f);
		return err;
	}
	(void)nng_pipe_notify(
	    f->sock, NNG_PIPE_EV_ADD_POST, ctl_fleet_on_pipe, f);
	(void)nng_pipe_notify(
	    f->sock, NNG_PIPE_EV_REM_POST, ctl_fleet_on_pipe, f);
	if ((err = fv_fleet_socket_setup(f->sock, d)) != 0 ||
	    (err = fv_fleet_dial(f->sock, url, &f->tls, NULL, d)) != 0) {
		ctl_fleet_close(f);
		return err;
	}
	*out = f;
	return 0;
}

void
ctl_fleet_close(struct ctl_fleet *f)
{
	if (f == NULL) {
		return;
	}
	fv_fleet_close(&f->sock, 1, CTL_FLEET_CLOSE_WAIT_MS);
	free(f->url);
	free(f->ca);
	free(f->cert);
	free(f->key);
	free(f->server_name);
	free(f);
}

const char *
ctl_fleet_url(const struct ctl_fleet *f)
{
	return f->url;
}

unsigned
ctl_fleet_timeout(const struct ctl_fleet *f)
{
	return f->timeout_ms;
}

const struct fv_fleet_tls *
ctl_fleet_tls(const struct ctl_fleet *f)
{
	return &f->tls;
}

/* The words a user reads for an Error's code. */
static const char *
ctl_fleet_code_text(Fleetvisor__V1__Error__Code c)
{
	switch (c) {
	case FLEETVISOR__V1__ERROR__CODE__CODE_VERSION:
		return "speaks another protocol version";
	case FLEETVISOR__V1__ERROR__CODE__CODE_MALFORMED:
		return "could not read our request";
	case FLEETVISOR__V1__ERROR__CODE__CODE_TOO_BIG:
		return "found our request too big";
	case FLEETVISOR__V1__ERROR__CODE__CODE_UNAUTHENTICATED:
		return "did not accept us";
	case FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST:
		return "refused the request";
	case FLEETVISOR__V1__ERROR__CODE__CODE_BUSY:
		return "is busy, try again later";
	case FLEETVISOR__V1__ERROR__CODE__CODE_UNKNOWN_REQUEST:
		return "no longer knows this request";
	case FLEETVISOR__V1__ERROR__CODE__CODE_SHUTTING_DOWN:
		return "is shutting down";
	case FLEETVISOR__V1__ERROR__CODE__CODE_INTERNAL:
		return "failed internally";
	default:
		return "refused the request";
	}
}

static uint64_t
ctl_fleet_new_id(void)
{
	uint64_t id = 0;

	while (id == 0) {
		fv_fleet_random(&id, sizeof(id));
	}
	return id;
}

int
ctl_fleet_request(struct ctl_fleet *f, Fleetvisor__V1__Envelope *env,
    Fleetvisor__V1__Envelope__BodyCase want, unsigned wait_ms,
    Fleetvisor__V1__Envelope **reply, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope *r = NULL;
	struct fv_diag why = { { 0 } };
	nng_msg *m = NULL;
	int rv, err;

	*reply = NULL;
	env->version = FV_PROTO_VERSION;
	env->request_id = ctl_fleet_new_id();
	if (env->deadline_ms == 0) {
		env->deadline_ms = f->timeout_ms;
	}
	if ((err = fv_fleet_msg_new(env, &m, d)) != 0) {
		return err;
	}
	(void)nng_socket_set_ms(f->sock, NNG_OPT_SENDTIMEO, (int)wait_ms);
	(void)nng_socket_set_ms(f->sock, NNG_OPT_RECVTIMEO, (int)wait_ms);
	if ((rv = nng_sendmsg(f->sock, m, 0)) != 0) {
		nng_msg_free(m);
		goto fail;
	}
	for (;;) {
		if ((rv = nng_recvmsg(f->sock, &m, 0)) != 0) {
			goto fail;
		}
		err = fv_fleet_msg_decode(m, &r, NULL, NULL, &why);
		nng_msg_free(m);
		if (err != 0) {
			return fv_diagf(d, err,
			    "the controller at %s sent what we cannot read "
			    "(%s)",
			    f->url, why.msg);
		}
		/* REQ drops stale replies itself; this is a second belt. */
		if (r->request_id == env->request_id) {
			break;
		}
		fleetvisor__v1__envelope__free_unpacked(r, NULL);
		r = NULL;
	}
	if (r->body_case == FLEETVISOR__V1__ENVELOPE__BODY_ERROR) {
		const Fleetvisor__V1__Error *e = r->error;

		err = fv_diagf(d, CTL_FLEET_EREFUSED, "the controller %s%s%s",
		    ctl_fleet_code_text(e->code),
		    e->message != NULL && e->message[0] != '\0' ? ": " : "",
		    e->message != NULL ? e->message : "");
		fleetvisor__v1__envelope__free_unpacked(r, NULL);
		return err;
	}
	if (r->body_case != want) {
		fleetvisor__v1__envelope__free_unpacked(r, NULL);
		return fv_diagf(d, FV_EPROTO,
		    "the controller at %s answered with another kind of "
		    "message",
		    f->url);
	}
	*reply = r;
	return 0;
fail:
	if (rv == NNG_ETIMEDOUT) {
		if (!atomic_load(&f->ever)) {
			return fv_diagf(d, CTL_FLEET_ETIMEDOUT,
			    "cannot connect to the controller at %s "
			    "(no connection within %u ms)",
			    f->url, wait_ms);
		}
		return fv_diagf(d, CTL_FLEET_ETIMEDOUT,
		    "no answer from the controller at %s within %u ms", f->url,
		    wait_ms);
	}
	return fv_diagf(
	    d, FV_EPROTO, "the controller at %s: %s", f->url, nng_strerror(rv));
}

void
ctl_fleet_pages_fini(struct ctl_fleet_pages *p)
{
	for (size_t i = 0; i < p->n; i++) {
		fleetvisor__v1__envelope__free_unpacked(p->v[i], NULL);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static void
ctl_fleet_pages_add(struct ctl_fleet_pages *p, Fleetvisor__V1__Envelope *e)
{
	p->v = fv_xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	p->v[p->n++] = e;
}

/* A reply of more pages than this is refused: the controller's paging
 * is bounded by the registry, and a peer must not keep us forever. */
#define CTL_FLEET_PAGES_MAX 4096

int
ctl_fleet_command(struct ctl_fleet *f, const Fleetvisor__V1__Selector *s,
    Fleetvisor__V1__Command__Action action, char *const *args, size_t nargs,
    struct ctl_fleet_pages *pages, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope env, *r;
	Fleetvisor__V1__Command cmd;
	Fleetvisor__V1__PageRequest pr;
	uint64_t id;
	int err;

	memset(pages, 0, sizeof(*pages));
	fleetvisor__v1__envelope__init(&env);
	fleetvisor__v1__command__init(&cmd);
	cmd.selector = (Fleetvisor__V1__Selector *)(uintptr_t)s;
	cmd.action = action;
	cmd.args = (char **)(uintptr_t)args;
	cmd.n_args = nargs;
	cmd.wait = true;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND;
	env.command = &cmd;
	if ((err = ctl_fleet_request(f, &env,
	         FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY,
	         f->timeout_ms + CTL_FLEET_GRACE_MS, &r, d)) != 0) {
		return err;
	}
	id = env.request_id;
	ctl_fleet_pages_add(pages, r);
	while (r->command_reply->more) {
		if (pages->n >= CTL_FLEET_PAGES_MAX) {
			err = fv_diagf(d, FV_ETOOBIG,
			    "the controller's answer has more than %d pages",
			    CTL_FLEET_PAGES_MAX);
			goto fail;
		}
		fleetvisor__v1__envelope__init(&env);
		fleetvisor__v1__page_request__init(&pr);
		pr.request_id = id;
		pr.page = r->command_reply->page + 1;
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST;
		env.page_request = &pr;
		if ((err = ctl_fleet_request(f, &env,
		         FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY,
		         f->timeout_ms + CTL_FLEET_GRACE_MS, &r, d)) != 0) {
			goto fail;
		}
		ctl_fleet_pages_add(pages, r);
	}
	return 0;
fail:
	ctl_fleet_pages_fini(pages);
	return err;
}

int
ctl_fleet_hosts(struct ctl_fleet *f, const Fleetvisor__V1__Selector *s,
    struct ctl_fleet_pages *pages, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope env, *r;
	Fleetvisor__V1__HostsRequest hr;
	uint32_t page = 0;
	int err;

	memset(pages, 0, sizeof(*pages));
	do {
		if (pages->n >= CTL_FLEET_PAGES_MAX) {
			err = fv_diagf(d, FV_ETOOBIG,
			    "the controller's answer has more than %d pages",
			    CTL_FLEET_PAGES_MAX);
			goto fail;
		}
		fleetvisor__v1__envelope__init(&env);
		fleetvisor__v1__hosts_request__init(&hr);
		hr.selector = (Fleetvisor__V1__Selector *)(uintptr_t)s;
		hr.page = page++;
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST;
		env.hosts_request = &hr;
		if ((err = ctl_fleet_request(f, &env,
		         FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY,
		         f->timeout_ms + CTL_FLEET_GRACE_MS, &r, d)) != 0) {
			goto fail;
		}
		ctl_fleet_pages_add(pages, r);
	} while (r->hosts_reply->more);
	return 0;
fail:
	ctl_fleet_pages_fini(pages);
	return err;
}

int
ctl_fleet_selector(struct ctl_fleet_sel *s, const char *labels,
    char *const *words, size_t nwords, struct fv_diag *d)
{
	struct fv_strv keys = { 0 }, values = { 0 };
	size_t nnames = 0;
	int err = 0;

	memset(s, 0, sizeof(*s));
	fleetvisor__v1__selector__init(&s->sel);
	for (const char *p = labels; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, ",");
		char *one = fv_xstrndup(p, n);
		char *eq = strchr(one, '=');

		if (eq == NULL) {
			err = fv_diagf(d, FV_EUSAGE,
			    "a label is KEY=VALUE, not '%s'", one);
			free(one);
			goto out;
		}
		*eq = '\0';
		fv_strv_push(&keys, one);
		fv_strv_push(&values, eq + 1);
		free(one);
		p += n + (p[n] == ',');
	}
	s->names = fv_xcalloc(nwords + 1, sizeof(*s->names));
	for (size_t i = 0; i < nwords; i++) {
		const char *eq = strchr(words[i], '=');

		if (eq == NULL) {
			s->names[nnames++] = words[i];
			continue;
		}
		fv_strv_push_take(
		    &keys, fv_xstrndup(words[i], (size_t)(eq - words[i])));
		fv_strv_push(&values, eq + 1);
	}
	s->kv = fv_xcalloc(keys.n + 1, sizeof(*s->kv));
	s->kvp = fv_xcalloc(keys.n + 1, sizeof(*s->kvp));
	for (size_t i = 0; i < keys.n; i++) {
		if ((err = fv_pb_label_check(
		         "label", keys.v[i], values.v[i], d)) != 0) {
			err = FV_EUSAGE;
			goto out;
		}
		fleetvisor__v1__key_value__init(&s->kv[i]);
		fv_strv_push(&s->store, keys.v[i]);
		s->kv[i].key = s->store.v[s->store.n - 1];
		fv_strv_push(&s->store, values.v[i]);
		s->kv[i].value = s->store.v[s->store.n - 1];
		s->kvp[i] = &s->kv[i];
	}
	s->sel.names = s->names;
	s->sel.n_names = nnames;
	s->sel.labels = s->kvp;
	s->sel.n_labels = keys.n;
	s->sel.all = nnames == 0 && keys.n == 0;
out:
	fv_strv_free(&keys);
	fv_strv_free(&values);
	return err;
}

void
ctl_fleet_selector_fini(struct ctl_fleet_sel *s)
{
	free(s->kv);
	free(s->kvp);
	free(s->names);
	fv_strv_free(&s->store);
	memset(s, 0, sizeof(*s));
}
