/*
 * [fleet]: the agent's link to fleetvisor-controllers. The section is
 * ours and 4.2.5 ignores it, so nothing here has a 4.2.5 behaviour to
 * match; it is read strictly instead: an unknown key, a URL the link
 * could not dial, a TLS setup that cannot work or a secret others can
 * read is refused at load time with file:line, section and key, rather
 * than found out later by an agent that never joins its fleet.
 */
#include <arpa/inet.h>
#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "config/cfg_keys.h"
#include "config/cfg_loader.h"
#include "proto/fleet_check.h"

/* sizeof(sun_path) less the terminating NUL. */
#define CFG_FLEET_MAX_IPC_PATH 107

static bool
cfg_fleet_chars(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) &&
		    strchr(extra, s[i]) == NULL) {
			return false;
		}
	}
	return true;
}

/* cfg_fleet_url checks one controller URL; NULL when fine, else why. */
static const char *
cfg_fleet_url(const char *url)
{
	const char *hp, *colon, *port;
	char *end;
	long n;

	if (strncmp(url, "ipc://", 6) == 0) {
		if (url[6] != '/') {
			return "an ipc:// URL needs an absolute path";
		}
		/* The events socket is the path with ".events". */
		if (strlen(url + 6) + 7 > CFG_FLEET_MAX_IPC_PATH) {
			return "the ipc:// path is longer than a UNIX socket "
			       "path can be (107 bytes, with \".events\" "
			       "appended for the events socket)";
		}
		return NULL;
	}
	if (strncmp(url, "tcp://", 6) == 0) {
		hp = url + 6;
	} else if (strncmp(url, "tls+tcp://", 10) == 0) {
		hp = url + 10;
	} else {
		return "a controller URL is tcp://HOST:PORT, "
		       "tls+tcp://HOST:PORT or ipc:///PATH";
	}
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');
		char addr[INET6_ADDRSTRLEN];
		struct in6_addr in6;

		if (close == NULL || close[1] != ':' ||
		    (size_t)(close - hp - 1) >= sizeof(addr)) {
			return "an IPv6 address is written [ADDRESS]:PORT";
		}
		memcpy(addr, hp + 1, (size_t)(close - hp - 1));
		addr[close - hp - 1] = '\0';
		if (inet_pton(AF_INET6, addr, &in6) != 1) {
			return "not an IPv6 address between the brackets";
		}
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL || colon == hp) {
			return "a controller URL needs HOST:PORT";
		}
		if (!cfg_fleet_chars(hp, (size_t)(colon - hp), ".-_")) {
			return "the host is not a name or an address";
		}
	}
	port = colon + 1;
	n = strtol(port, &end, 10);
	/* Events go to the next port (fv_fleet_events_url). */
	if (!isdigit((unsigned char)*port) || *end != '\0' || n < 1 ||
	    n > 65534) {
		return "the port must be a number from 1 to 65534 (events "
		       "use the next one)";
	}
	return NULL;
}

static int
cfg_fleet_controllers(struct cfg_loader *L, const struct cfg_ini_section *sec,
    struct cfg_fleet *f)
{
	char *s, *save = NULL;
	int rv;

	if ((rv = cfg_get(L, sec, "controller", NULL, NULL, true, &s)) != 0) {
		return rv;
	}
	if (s == NULL) {
		return cfg_fail(L, sec, NULL,
		    "section [fleet] has no controller value (the URL of a "
		    "fleetvisor-controller, e.g. tls+tcp://ctl.example:7100)");
	}
	for (char *u = strtok_r(s, " \t\r\n,", &save); u != NULL;
	     u = strtok_r(NULL, " \t\r\n,", &save)) {
		const char *why = cfg_fleet_url(u);

		if (why != NULL) {
			rv = cfg_fail(L, sec, "controller", "%s: %s", u, why);
			break;
		}
		for (size_t i = 0; i < f->controllers.n; i++) {
			if (strcmp(f->controllers.v[i], u) == 0) {
				rv = cfg_fail(L, sec, "controller",
				    "%s is given twice", u);
				break;
			}
		}
		if (rv != 0) {
			break;
		}
		if (f->controllers.n == CFG_FLEET_MAX_CONTROLLERS) {
			rv = cfg_fail(L, sec, "controller",
			    "at most %d controllers",
			    CFG_FLEET_MAX_CONTROLLERS);
			break;
		}
		fv_strv_push(&f->controllers, u);
	}
	if (rv == 0 && f->controllers.n == 0) {
		rv = cfg_fail(L, sec, "controller", "no URL given");
	}
	free(s);
	return rv;
}

/* cfg_fleet_relay reports a wire rule's refusal (rv) as a config error. */
static int
cfg_fleet_relay(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, int rv)
{
	return cfg_relay(L, sec, key, rv) != 0 ? FV_EBADCONF : 0;
}

static int
cfg_fleet_name(struct cfg_loader *L, const struct cfg_ini_section *sec,
    struct cfg_fleet *f)
{
	char *what;
	int rv;

	if ((rv = cfg_get(L, sec, "name", L->node, NULL, true, &f->name)) !=
	    0) {
		return rv;
	}
	/* The wire's rule (proto/fleet_check.h), so that a name the
	 * controller would refuse never gets this far. */
	what = fv_xasprintf("'%s'%s", f->name,
	    cfg_ini_get(&L->ini, sec, "name") == NULL
	        ? " (the host's name: set name=)"
	        : "");
	rv = cfg_fleet_relay(
	    L, sec, "name", fv_pb_node_check(what, f->name, L->d));
	free(what);
	return rv;
}

static int
cfg_fleet_labels(struct cfg_loader *L, const struct cfg_ini_section *sec,
    struct cfg_fleet *f)
{
	char *s, *save = NULL;
	int rv;

	if ((rv = cfg_get(L, sec, "labels", NULL, NULL, true, &s)) != 0 ||
	    s == NULL) {
		return rv;
	}
	for (char *item = strtok_r(s, ",", &save); item != NULL && rv == 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *kv = fv_str_strip(item), *eq = strchr(kv, '='), *what;
		const char *val;

		if (*kv == '\0') {
			continue;
		}
		if (eq == NULL) {
			rv = cfg_fail(
			    L, sec, "labels", "'%s' is not KEY=VALUE", kv);
			break;
		}
		*eq = '\0';
		fv_str_strip(kv);
		val = fv_str_strip(eq + 1);
		what = fv_xasprintf("'%s'", kv);
		rv = cfg_fleet_relay(
		    L, sec, "labels", fv_pb_label_check(what, kv, val, L->d));
		free(what);
		if (rv != 0) {
			break;
		}
		if (fv_kvmap_get(&f->labels, kv) != NULL) {
			rv =
			    cfg_fail(L, sec, "labels", "%s is given twice", kv);
		} else if (f->labels.n == CFG_FLEET_MAX_LABELS) {
			rv = cfg_fail(L, sec, "labels", "at most %d labels",
			    CFG_FLEET_MAX_LABELS);
		} else {
			fv_kvmap_set(&f->labels, kv, val);
		}
	}
	free(s);
	return rv;
}

/* cfg_fleet_file reads a path key: expanded with %(here)s, made absolute,
 * and a readable regular file. */
static int
cfg_fleet_file(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, char **out)
{
	struct cfg_expansions here = { 0 };
	struct stat st;
	char *s;
	int rv;

	cfg_xset_str(&here, "here", L->cfg->here);
	rv = cfg_get(L, sec, key, NULL, &here, true, &s);
	cfg_expansions_fini(&here);
	if (rv != 0 || s == NULL) {
		return rv;
	}
	if (*fv_str_strip(s) == '\0') {
		free(s);
		return cfg_fail(
		    L, sec, key, "empty: give a file, or leave %s out", key);
	}
	*out = cfg_normalize_path(s);
	free(s);
	if (stat(*out, &st) != 0 || access(*out, R_OK) != 0) {
		return cfg_fail(L, sec, key, "cannot read %s", *out);
	}
	if (!S_ISREG(st.st_mode)) {
		return cfg_fail(L, sec, key, "%s is not a regular file", *out);
	}
	return 0;
}

static bool
cfg_fleet_uses_tls(const struct cfg_fleet *f)
{
	for (size_t i = 0; i < f->controllers.n; i++) {
		if (strncmp(f->controllers.v[i], "tls+tcp://", 10) == 0) {
			return true;
		}
	}
	return false;
}

static int
cfg_fleet_tls(struct cfg_loader *L, const struct cfg_ini_section *sec,
    struct cfg_fleet *f)
{
	int rv;

	if ((rv = cfg_fleet_file(L, sec, "tls_ca", &f->tls_ca)) != 0 ||
	    (rv = cfg_fleet_file(L, sec, "tls_cert", &f->tls_cert)) != 0 ||
	    (rv = cfg_fleet_file(L, sec, "tls_key", &f->tls_key)) != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "tls_verify", "true", NULL, &f->tls_verify)) != 0) {
		return rv;
	}
	if ((f->tls_cert == NULL) != (f->tls_key == NULL)) {
		return cfg_fail(L, sec,
		    f->tls_cert == NULL ? "tls_key" : "tls_cert",
		    "tls_cert and tls_key go together");
	}
	if (!cfg_fleet_uses_tls(f)) {
		if (f->tls_ca != NULL || f->tls_cert != NULL) {
			cfg_notice(L,
			    "%s:%d: [fleet] tls_* files are unused: no "
			    "controller URL is tls+tcp://",
			    sec->file, sec->line);
		}
		return 0;
	}
	/* An unverified controller is anyone who can sit on the path, and
	 * a controller can stop and start everything here: TLS without
	 * verification would only look safe (RELIABILITY C14). */
	if (!f->tls_verify) {
		return cfg_fail(L, sec, "tls_verify",
		    "false is refused with a tls+tcp:// controller: anyone "
		    "on the path could command this agent; verify the "
		    "controller (tls_ca), or use tcp:// on a trusted network");
	}
	if (f->tls_ca == NULL) {
		return cfg_fail(L, sec, "tls_ca",
		    "a tls+tcp:// controller is verified against tls_ca (the "
		    "CA file that signed its certificate): set it");
	}
	return 0;
}

static int
cfg_fleet_secret(struct cfg_loader *L, const struct cfg_ini_section *sec,
    struct cfg_fleet *f)
{
	struct stat st;
	int rv;

	if ((rv = cfg_fleet_file(L, sec, "secret_file", &f->secret_file)) !=
	        0 ||
	    f->secret_file == NULL) {
		return rv;
	}
	if (stat(f->secret_file, &st) != 0) {
		return cfg_fail(
		    L, sec, "secret_file", "cannot read %s", f->secret_file);
	}
	if ((st.st_mode & 077) != 0) {
		return cfg_fail(L, sec, "secret_file",
		    "%s is open to its group or others (mode %04o): chmod 600 "
		    "it",
		    f->secret_file, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_size == 0) {
		return cfg_fail(
		    L, sec, "secret_file", "%s is empty", f->secret_file);
	}
	return 0;
}

int
cfg_load_fleet(struct cfg_loader *L)
{
	const struct cfg_ini_section *sec = cfg_ini_section(&L->ini, "fleet");
	struct cfg_fleet *f = &L->cfg->fleet;
	long long heartbeat;
	int rv;

	if (sec == NULL) {
		return 0;
	}
	for (size_t i = 0; i < sec->nkeys; i++) {
		if (!cfg_key_known(CFG_SECT_FLEET, sec->keys[i].name)) {
			return cfg_fail(L, sec, sec->keys[i].name,
			    "unknown key (known: controller, name, labels, "
			    "tls_ca, tls_cert, tls_key, tls_verify, "
			    "secret_file, heartbeat)");
		}
	}
	f->enabled = true;
	if ((rv = cfg_fleet_controllers(L, sec, f)) != 0 ||
	    (rv = cfg_fleet_name(L, sec, f)) != 0 ||
	    (rv = cfg_fleet_labels(L, sec, f)) != 0 ||
	    (rv = cfg_fleet_tls(L, sec, f)) != 0 ||
	    (rv = cfg_fleet_secret(L, sec, f)) != 0 ||
	    (rv = cfg_get_int(
	         L, sec, "heartbeat", "5", NULL, 1, 300, &heartbeat)) != 0) {
		return rv;
	}
	f->heartbeat = (int)heartbeat;
	return 0;
}
