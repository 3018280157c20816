/*
 * The fleet's nng sockets: URL rules, socket options, TLS from files, and
 * envelopes in and out of nng messages. See fleet_net.h.
 */
#include "fleet_net.h"

#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/supplemental/tls/tls.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "fleet_codec.h"
#include "fleet_proof.h"

/* The longest URL we accept: a host name, a port, and a scheme; an ipc
 * path must fit in sun_path. */
#define URL_MAX 512

static int
url_hostport(const char *url, const char *hp, struct fv_diag *d)
{
	const char *colon;
	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (close == NULL || close[1] != ':') {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: an IPv6 host needs [ADDR]:PORT", url);
		}
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL) {
			return fv_diagf(
			    d, FV_EBADCONF, "%s: no :PORT after the host", url);
		}
		if (memchr(hp, ':', (size_t)(colon - hp)) != NULL) {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: an IPv6 host needs [ADDR]:PORT", url);
		}
	}
	if (colon == hp) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: no host (use * or 0.0.0.0 for every interface)", url);
	}
	for (const char *c = hp; c < colon; c++) {
		if (*c == '/' || *c == ' ' || (unsigned char)*c < 0x21) {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: invalid character in the host", url);
		}
	}
	const char *port = colon + 1;
	size_t n = strlen(port);
	if (n == 0 || n > 5 || strspn(port, "0123456789") != n) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: the port is not a number "
		    "from 0 to 65535",
		    url);
	}
	if (strtol(port, NULL, 10) > 65535) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: the port is not a number "
		    "from 0 to 65535",
		    url);
	}
	return 0;
}

int
fv_fleet_url_check(
    const char *url, enum fv_fleet_scheme *scheme, struct fv_diag *d)
{
	static const struct {
		const char *prefix;
		enum fv_fleet_scheme scheme;
	} schemes[] = {
		{ "tcp://", FV_FLEET_TCP },
		{ "tls+tcp://", FV_FLEET_TLS },
		{ "ipc://", FV_FLEET_IPC },
	};
	if (url == NULL || *url == '\0') {
		return fv_diagf(d, FV_EBADCONF, "an empty URL");
	}
	if (strlen(url) > URL_MAX) {
		return fv_diagf(d, FV_EBADCONF,
		    "a URL of more than %d characters", URL_MAX);
	}
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncmp(url, schemes[i].prefix, n) != 0) {
			continue;
		}
		if (scheme != NULL) {
			*scheme = schemes[i].scheme;
		}
		if (schemes[i].scheme != FV_FLEET_IPC) {
			return url_hostport(url, url + n, d);
		}
		const char *path = url + n;
		if (*path == '\0') {
			return fv_diagf(d, FV_EBADCONF, "%s: no path", url);
		}
		if (strlen(path) >= 108) {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: a socket path longer than 107 bytes", url);
		}
		return 0;
	}
	return fv_diagf(
	    d, FV_EBADCONF, "%s: not a tcp://, tls+tcp:// or ipc:// URL", url);
}

int
fv_fleet_events_url(const char *url, char *buf, size_t n, struct fv_diag *d)
{
	enum fv_fleet_scheme scheme;
	int err = fv_fleet_url_check(url, &scheme, d);
	if (err != 0) {
		return err;
	}
	int len;
	if (scheme == FV_FLEET_IPC) {
		len = snprintf(buf, n, "%s.events", url);
		if (len > 0 && strlen(url + 6) + 7 >= 108) {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: the events socket path (.events appended) "
			    "is longer than 107 bytes",
			    url);
		}
	} else {
		const char *colon = strrchr(url, ':');
		long port = strtol(colon + 1, NULL, 10);
		if (port >= 65535 || port == 0) {
			return fv_diagf(d, FV_EBADCONF,
			    "%s: events use the next port, so the port must "
			    "be 1 to 65534",
			    url);
		}
		len = snprintf(
		    buf, n, "%.*s:%ld", (int)(colon - url), url, port + 1);
	}
	if (len < 0 || (size_t)len >= n) {
		return fv_diagf(d, FV_ETOOBIG, "%s: URL too long", url);
	}
	return 0;
}

int
fv_fleet_socket_setup(nng_socket s, struct fv_diag *d)
{
	int rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, FV_PROTO_MAXMSG);
	if (rv == 0) {
		rv = nng_socket_set_ms(
		    s, NNG_OPT_RECONNMINT, FV_FLEET_RECONN_MIN_MS);
	}
	if (rv == 0) {
		rv = nng_socket_set_ms(
		    s, NNG_OPT_RECONNMAXT, FV_FLEET_RECONN_MAX_MS);
	}
	if (rv != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "nng socket options: %s", nng_strerror(rv));
	}
	return 0;
}

/* read_pem reads a whole PEM file (bounded: certificates and keys are
 * small) into a NUL-terminated string. */
static int
read_pem(const char *path, char **out, struct fv_diag *d)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		return fv_diagf(d, -errno, "%s: %s", path, strerror(errno));
	}
	struct fv_buf b;
	fv_buf_init(&b, 1u << 20);
	char chunk[4096];
	size_t n;
	int rv = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (fv_buf_append(&b, chunk, n) != 0) {
			rv = fv_diagf(d, FV_ETOOBIG,
			    "%s: larger than 1 MiB, not a PEM file", path);
			break;
		}
	}
	if (rv == 0 && ferror(f)) {
		rv = fv_diagf(d, FV_EBADCONF, "%s: read error", path);
	}
	fclose(f);
	if (rv != 0) {
		fv_buf_fini(&b);
		return rv;
	}
	/* fv_buf keeps its data NUL-terminated once it holds any. */
	*out = b.data != NULL ? b.data : fv_xstrdup("");
	return 0;
}

static int
tls_config(const char *url, const struct fv_fleet_tls *tls, bool server,
    nng_tls_config **out, struct fv_diag *d)
{
	nng_tls_config *cfg = NULL;
	char *cert = NULL, *key = NULL;
	int rv = nng_tls_config_alloc(
	    &cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT);
	if (rv != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "%s: TLS: %s", url, nng_strerror(rv));
	}
	int err = 0;
	if (tls->ca_file != NULL &&
	    (rv = nng_tls_config_ca_file(cfg, tls->ca_file)) != 0) {
		err = fv_diagf(d, FV_EBADCONF, "%s: TLS CA file %s: %s", url,
		    tls->ca_file, nng_strerror(rv));
		goto out;
	}
	if (tls->cert_file != NULL) {
		const char *kf = tls->key_file ? tls->key_file : tls->cert_file;
		if ((err = read_pem(tls->cert_file, &cert, d)) != 0 ||
		    (err = read_pem(kf, &key, d)) != 0) {
			goto out;
		}
		if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0) {
			err = fv_diagf(d, FV_EBADCONF,
			    "%s: TLS certificate %s with key %s: %s", url,
			    tls->cert_file, kf, nng_strerror(rv));
			goto out;
		}
	} else if (server) {
		err = fv_diagf(d, FV_EBADCONF,
		    "%s: a TLS listener needs a certificate and key", url);
		goto out;
	}
	if (tls->verify && tls->ca_file == NULL) {
		err = fv_diagf(d, FV_EBADCONF,
		    "%s: verifying the peer needs a CA file", url);
		goto out;
	}
	rv = nng_tls_config_auth_mode(cfg,
	    tls->verify ? NNG_TLS_AUTH_MODE_REQUIRED : NNG_TLS_AUTH_MODE_NONE);
	if (rv == 0 && !server && tls->server_name != NULL) {
		rv = nng_tls_config_server_name(cfg, tls->server_name);
	}
	if (rv != 0) {
		err = fv_diagf(
		    d, FV_EBADCONF, "%s: TLS: %s", url, nng_strerror(rv));
	}
out:
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	if (err != 0) {
		nng_tls_config_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

int
fv_fleet_listen(nng_socket s, const char *url, const struct fv_fleet_tls *tls,
    nng_listener *out, struct fv_diag *d)
{
	enum fv_fleet_scheme scheme;
	int err = fv_fleet_url_check(url, &scheme, d);
	if (err != 0) {
		return err;
	}
	nng_listener l;
	int rv = nng_listener_create(&l, s, url);
	if (rv != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "%s: %s", url, nng_strerror(rv));
	}
	if (scheme == FV_FLEET_TLS) {
		nng_tls_config *cfg;
		if (tls == NULL) {
			err = fv_diagf(d, FV_EBADCONF,
			    "%s: TLS needs a certificate and key", url);
		} else if ((err = tls_config(url, tls, true, &cfg, d)) == 0) {
			rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
			nng_tls_config_free(cfg); /* the listener holds it */
			if (rv != 0) {
				err = fv_diagf(d, FV_EBADCONF, "%s: %s", url,
				    nng_strerror(rv));
			}
		}
		if (err != 0) {
			nng_listener_close(l);
			return err;
		}
	}
	if ((rv = nng_listener_start(l, 0)) != 0) {
		nng_listener_close(l);
		return fv_diagf(d, FV_EBADCONF, "%s: cannot listen: %s", url,
		    nng_strerror(rv));
	}
	if (out != NULL) {
		*out = l;
	}
	return 0;
}

int
fv_fleet_dial(nng_socket s, const char *url, const struct fv_fleet_tls *tls,
    nng_dialer *out, struct fv_diag *d)
{
	enum fv_fleet_scheme scheme;
	int err = fv_fleet_url_check(url, &scheme, d);
	if (err != 0) {
		return err;
	}
	nng_dialer dl;
	int rv = nng_dialer_create(&dl, s, url);
	if (rv != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "%s: %s", url, nng_strerror(rv));
	}
	if (scheme == FV_FLEET_TLS) {
		static const struct fv_fleet_tls none = { 0 };
		nng_tls_config *cfg;
		err = tls_config(url, tls ? tls : &none, false, &cfg, d);
		if (err == 0) {
			rv = nng_dialer_set_ptr(dl, NNG_OPT_TLS_CONFIG, cfg);
			nng_tls_config_free(cfg);
			if (rv != 0) {
				err = fv_diagf(d, FV_EBADCONF, "%s: %s", url,
				    nng_strerror(rv));
			}
		}
		if (err != 0) {
			nng_dialer_close(dl);
			return err;
		}
	}
	/* NONBLOCK: the first attempt runs in the background and failures
	 * are retried with the socket's backoff, forever. */
	if ((rv = nng_dialer_start(dl, NNG_FLAG_NONBLOCK)) != 0) {
		nng_dialer_close(dl);
		return fv_diagf(d, FV_EBADCONF, "%s: cannot dial: %s", url,
		    nng_strerror(rv));
	}
	if (out != NULL) {
		*out = dl;
	}
	return 0;
}

int
fv_fleet_msg_new(
    const Fleetvisor__V1__Envelope *env, nng_msg **out, struct fv_diag *d)
{
	int err = fv_pb_envelope_check(env, d);
	if (err != 0) {
		return err;
	}
	struct fv_buf b;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	if ((err = fv_pb_envelope_encode(env, &b)) != 0) {
		fv_buf_fini(&b);
		return fv_diagf(d, err, "the message is larger than %u bytes",
		    FV_PROTO_MAXMSG);
	}
	nng_msg *m;
	int rv = nng_msg_alloc(&m, 0);
	if (rv == 0) {
		rv = nng_msg_append(m, b.data, b.len);
	}
	fv_buf_fini(&b);
	if (rv != 0) {
		if (rv != NNG_ENOMEM) {
			nng_msg_free(m);
		}
		return fv_diagf(
		    d, -ENOMEM, "nng message: %s", nng_strerror(rv));
	}
	*out = m;
	return 0;
}

int
fv_fleet_msg_decode(nng_msg *m, Fleetvisor__V1__Envelope **envp,
    uint64_t *request_id, uint32_t *version, struct fv_diag *d)
{
	const uint8_t *p = nng_msg_body(m);
	size_t n = nng_msg_len(m);
	int err = fv_pb_envelope_decode_diag(p, n, envp, d);
	if (err != 0) {
		uint32_t v = 0;
		uint64_t id = 0;
		if (fv_pb_envelope_peek(p, n, &v, &id) != 0) {
			v = 0, id = 0;
		}
		if (request_id != NULL) {
			*request_id = id;
		}
		if (version != NULL) {
			*version = v;
		}
	}
	return err;
}

int
fv_fleet_error_msg(uint64_t request_id, Fleetvisor__V1__Error__Code code,
    const char *message, nng_msg **out)
{
	/* The codec's text bound, cut on a UTF-8 boundary. */
	char text[FV_PROTO_TEXT_MAX + 1];
	size_t n = strlen(message);
	if (n > FV_PROTO_TEXT_MAX) {
		n = FV_PROTO_TEXT_MAX;
		while (n > 0 && ((unsigned char)message[n] & 0xC0) == 0x80) {
			n--;
		}
	}
	memcpy(text, message, n);
	text[n] = '\0';
	/* The _init functions: the INIT macros cast away const. */
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Error e;
	fleetvisor__v1__envelope__init(&env);
	fleetvisor__v1__error__init(&e);
	e.code = code;
	e.message = text;
	e.version = FV_PROTO_VERSION;
	env.version = FV_PROTO_VERSION;
	env.request_id = request_id;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_ERROR;
	env.error = &e;
	return fv_fleet_msg_new(&env, out, NULL);
}

void
fv_fleet_pipe_addr(nng_pipe p, char *buf, size_t n)
{
	nng_sockaddr sa;
	buf[0] = '\0';
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0) {
		return;
	}
	char host[INET6_ADDRSTRLEN];
	switch (sa.s_family) {
	case NNG_AF_INET:
		if (inet_ntop(AF_INET, &sa.s_in.sa_addr, host, sizeof(host))) {
			snprintf(buf, n, "%s:%u", host,
			    (unsigned)ntohs(sa.s_in.sa_port));
		}
		break;
	case NNG_AF_INET6:
		if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, host, sizeof(host))) {
			snprintf(buf, n, "[%s]:%u", host,
			    (unsigned)ntohs(sa.s_in6.sa_port));
		}
		break;
	case NNG_AF_IPC:
		snprintf(buf, n, "ipc://%s", sa.s_ipc.sa_path);
		break;
	default:
		break;
	}
}

int
fv_fleet_secret_read(
    const char *path, uint8_t *buf, size_t *len, struct fv_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		return fv_diagf(d, -errno, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0) {
		err = fv_diagf(d, -errno, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = fv_diagf(d, FV_EBADCONF, "%s: not a regular file", path);
	} else if ((st.st_mode & 077) != 0) {
		err = fv_diagf(d, FV_EBADCONF,
		    "%s: mode %04o lets others read or change the secret "
		    "(chmod 600)",
		    path, (unsigned)(st.st_mode & 07777));
	} else if (st.st_size > FV_FLEET_SECRET_MAX + 1) {
		err = fv_diagf(d, FV_ETOOBIG,
		    "%s: a secret of more than %d bytes", path,
		    FV_FLEET_SECRET_MAX);
	}
	size_t n = 0;
	while (err == 0) {
		ssize_t got = read(fd, buf + n, FV_FLEET_SECRET_MAX - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			err = fv_diagf(
			    d, -errno, "%s: %s", path, strerror(errno));
			break;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
		if (n == FV_FLEET_SECRET_MAX) {
			/* Full: only a final newline may follow. */
			char extra[2];
			got = read(fd, extra, sizeof(extra));
			if (got > 1 || (got == 1 && extra[0] != '\n')) {
				err = fv_diagf(d, FV_ETOOBIG,
				    "%s: a secret of more than %d bytes", path,
				    FV_FLEET_SECRET_MAX);
			}
			break;
		}
	}
	close(fd);
	if (err == 0 && n > 0 && buf[n - 1] == '\n') {
		n--;
	}
	if (err == 0 && n < FV_PB_SECRET_MIN) {
		err = fv_diagf(d, FV_EBADCONF,
		    "%s: a secret of %zu bytes; at least %d are needed", path,
		    n, FV_PB_SECRET_MIN);
	}
	if (err != 0) {
		explicit_bzero(buf, FV_FLEET_SECRET_MAX);
		return err;
	}
	*len = n;
	return 0;
}

void
fv_fleet_random(void *p, size_t n)
{
	unsigned char *c = p;
	while (n > 0) {
		ssize_t got = getrandom(c, n, 0);
		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			abort();
		}
		c += got;
		n -= (size_t)got;
	}
}

void
fv_fleet_random_id(char *buf, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "abcdefghijklmnopqrstuvwxyz0123456789";
	if (n == 0) {
		return;
	}
	unsigned char rnd[64];
	size_t len = n - 1;
	for (size_t i = 0; i < len; i++) {
		if (i % sizeof(rnd) == 0) {
			fv_fleet_random(rnd, sizeof(rnd));
		}
		/* 62 symbols: the bias of % 62 over 256 values is small and
		 * these ids are identifiers, not keys. */
		buf[i] = alphabet[rnd[i % sizeof(rnd)] % 62];
	}
	buf[len] = '\0';
}
