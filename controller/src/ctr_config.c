/*
 * Loading the controller's INI file (ctr_config.h). inih splits the text;
 * this module owns the key table, the value parsers and the checks that
 * span keys. It never opens sockets or TLS files: those are checked when
 * the controller starts them, with their own messages.
 */
#include "ctr_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "ctr_log.h"
#include "proto/fleet_net.h"

enum ctr_cfg_type {
	CTR_CFG_URLS, /* one or more URLs, space, comma or line separated */
	CTR_CFG_STR, /* a non-empty string */
	CTR_CFG_BOOL,
	CTR_CFG_SECONDS, /* decimal seconds, stored in milliseconds */
	CTR_CFG_UINT,
	CTR_CFG_BYTES, /* 4.2.5's byte sizes: 1024, 10KB, 50MB, 1GB */
	CTR_CFG_LEVEL,
	CTR_CFG_ID, /* [A-Za-z0-9._-] */
};

struct ctr_cfg_key {
	const char *name;
	enum ctr_cfg_type type;
	size_t off;
	long long min, max; /* numbers: bounds in the stored unit */
};

#define CTR_OFF(f) offsetof(struct ctr_config, f)

/* Sorted by name: looked up with bsearch. */
static const struct ctr_cfg_key ctr_cfg_keys[] = {
	{ "agent_rate_limit", CTR_CFG_UINT, CTR_OFF(agent_rate_limit), 10,
	    100000000 },
	{ "agents", CTR_CFG_URLS, CTR_OFF(agents), 0, 0 },
	{ "agents_verify", CTR_CFG_BOOL, CTR_OFF(agents_verify), 0, 0 },
	{ "allow_unproven", CTR_CFG_BOOL, CTR_OFF(allow_unproven), 0, 0 },
	{ "client_queue", CTR_CFG_UINT, CTR_OFF(client_queue), 1, 8192 },
	{ "clients", CTR_CFG_URLS, CTR_OFF(clients), 0, 0 },
	{ "clients_verify", CTR_CFG_BOOL, CTR_OFF(clients_verify), 0, 0 },
	{ "command_timeout", CTR_CFG_SECONDS, CTR_OFF(command_timeout_ms), 100,
	    86400000 },
	{ "heartbeat", CTR_CFG_SECONDS, CTR_OFF(heartbeat_ms), 100, 3600000 },
	{ "identifier", CTR_CFG_ID, CTR_OFF(identifier), 1, 40 },
	{ "join_timeout", CTR_CFG_SECONDS, CTR_OFF(join_timeout_ms), 1000,
	    3600000 },
	{ "logfile", CTR_CFG_STR, CTR_OFF(logfile), 0, 0 },
	{ "logfile_backups", CTR_CFG_UINT, CTR_OFF(logfile_backups), 0, 1000 },
	{ "logfile_maxbytes", CTR_CFG_BYTES, CTR_OFF(logfile_maxbytes), 0,
	    LLONG_MAX },
	{ "loglevel", CTR_CFG_LEVEL, CTR_OFF(loglevel), 0, 0 },
	{ "lost_after", CTR_CFG_SECONDS, CTR_OFF(lost_after_ms), 100,
	    86400000 },
	{ "max_agent_connections", CTR_CFG_UINT, CTR_OFF(max_agent_connections),
	    16, 10000000 },
	{ "max_hosts", CTR_CFG_UINT, CTR_OFF(max_hosts), 1, 1000000 },
	{ "max_inflight", CTR_CFG_UINT, CTR_OFF(max_inflight), 1, 4096 },
	{ "max_stored", CTR_CFG_UINT, CTR_OFF(max_stored), 1, 100000 },
	{ "max_stored_bytes", CTR_CFG_BYTES, CTR_OFF(max_stored_bytes), 1 << 20,
	    LLONG_MAX },
	{ "nodaemon", CTR_CFG_BOOL, CTR_OFF(nodaemon), 0, 0 },
	{ "pidfile", CTR_CFG_STR, CTR_OFF(pidfile), 0, 0 },
	{ "secrets_dir", CTR_CFG_STR, CTR_OFF(secrets_dir), 0, 0 },
	{ "tls_ca", CTR_CFG_STR, CTR_OFF(tls_ca), 0, 0 },
	{ "tls_cert", CTR_CFG_STR, CTR_OFF(tls_cert), 0, 0 },
	{ "tls_key", CTR_CFG_STR, CTR_OFF(tls_key), 0, 0 },
};

static const struct {
	const char *name;
	int level;
} ctr_cfg_levels[] = {
	{ "critical", CTR_LOG_CRIT },
	{ "error", CTR_LOG_ERRO },
	{ "warn", CTR_LOG_WARN },
	{ "info", CTR_LOG_INFO },
	{ "debug", CTR_LOG_DEBG },
	{ "trace", CTR_LOG_TRAC },
	{ "blather", CTR_LOG_BLAT },
};

/* The parse's state: inih calls ctr_cfg_on_key with no line number, so
 * the reader counts lines itself. */
struct ctr_cfg_parse {
	struct ctr_config *c;
	const char *name;
	const char *text; /* the whole file */
	size_t pos;
	int line; /* of the last line handed to inih */
	bool at_line_start;
	bool seen[sizeof(ctr_cfg_keys) / sizeof(ctr_cfg_keys[0])];
	bool failed;
	struct fv_diag *d;
};

void
ctr_config_init(struct ctr_config *c)
{
	memset(c, 0, sizeof(*c));
	fv_strv_push(&c->agents, CTR_DEFAULT_AGENTS);
	fv_strv_push(&c->clients, CTR_DEFAULT_CLIENTS);
	c->heartbeat_ms = 5000;
	c->lost_after_ms = 0; /* 3 heartbeats, set when the file is read */
	c->command_timeout_ms = 60000;
	c->max_inflight = 64;
	c->client_queue = 1024;
	c->max_hosts = 10000;
	/* A real agent's burst is a state change of each of its processes
	 * at once (1000 is a big host): allow several times that. */
	c->agent_rate_limit = 5000;
	c->join_timeout_ms = 0; /* max(10 s, 3 heartbeats), set on reading */
	c->max_agent_connections = 0; /* from max_hosts, set on reading */
	c->max_stored = 1024;
	c->max_stored_bytes = 256ull << 20;
	c->logfile = fv_xstrdup("fleetvisor-controller.log");
	c->logfile_maxbytes = 50ll << 20;
	c->logfile_backups = 10;
	c->loglevel = CTR_LOG_INFO;
	c->pidfile = fv_xstrdup("fleetvisor-controller.pid");
	c->identifier = fv_xstrdup("controller");
}

void
ctr_config_fini(struct ctr_config *c)
{
	fv_strv_free(&c->agents);
	fv_strv_free(&c->clients);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->secrets_dir);
	free(c->logfile);
	free(c->pidfile);
	free(c->identifier);
	memset(c, 0, sizeof(*c));
}

int
ctr_config_level(const char *name)
{
	for (size_t i = 0; i < nitems(ctr_cfg_levels); i++) {
		if (strcasecmp(name, ctr_cfg_levels[i].name) == 0) {
			return ctr_cfg_levels[i].level;
		}
	}
	return -1;
}

static int
ctr_cfg_key_cmp(const void *a, const void *b)
{
	return strcmp(a, ((const struct ctr_cfg_key *)b)->name);
}

/* ctr_cfg_bool accepts what 4.2.5's boolean() does. */
static int
ctr_cfg_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* ctr_cfg_seconds parses "5", "0.25" (at most 3 decimals) into ms. */
static int
ctr_cfg_seconds(const char *v, long long *ms)
{
	long long whole = 0, frac = 0;
	int digits = 0;
	const char *p = v;

	if (!isdigit((unsigned char)*p)) {
		return -1;
	}
	while (isdigit((unsigned char)*p)) {
		if (whole > 1000000000ll) {
			return -1;
		}
		whole = whole * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (++digits > 3) {
				return -1;
			}
			frac = frac * 10 + (*p++ - '0');
		}
		if (digits == 0) {
			return -1;
		}
	}
	if (*p != '\0') {
		return -1;
	}
	for (; digits < 3; digits++) {
		frac *= 10;
	}
	*ms = whole * 1000 + frac;
	return 0;
}

static int
ctr_cfg_uint(const char *v, long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*v)) {
		return -1;
	}
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* ctr_cfg_bytes parses 4.2.5's byte sizes (KB, MB, GB are powers of
 * 1024, case-insensitive). */
static int
ctr_cfg_bytes(const char *v, long long *out)
{
	static const struct {
		const char *suffix;
		long long mult;
	} units[] = { { "kb", 1ll << 10 }, { "mb", 1ll << 20 },
		{ "gb", 1ll << 30 } };
	size_t n = strlen(v);
	long long mult = 1, num;
	char tmp[32];

	if (n == 0 || n >= sizeof(tmp)) {
		return -1;
	}
	memcpy(tmp, v, n + 1);
	for (size_t i = 0; i < nitems(units); i++) {
		if (n > 2 && strcasecmp(tmp + n - 2, units[i].suffix) == 0) {
			mult = units[i].mult;
			tmp[n - 2] = '\0';
			break;
		}
	}
	if (ctr_cfg_uint(tmp, &num) != 0 || num > LLONG_MAX / mult) {
		return -1;
	}
	*out = num * mult;
	return 0;
}

static bool
ctr_cfg_id_ok(const char *v)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL) {
			return false;
		}
	}
	return *v != '\0';
}

/* ctr_cfg_urls splits v on white space and commas into a fresh list. */
static int
ctr_cfg_urls(struct ctr_cfg_parse *ps, const struct ctr_cfg_key *k,
    const char *v, struct fv_strv *out)
{
	char *copy = fv_xstrdup(v), *save = NULL;
	struct fv_diag ud;
	int rv = 0;

	for (char *t = strtok_r(copy, " \t\r\n,", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r\n,", &save)) {
		if (fv_fleet_url_check(t, NULL, &ud) != 0) {
			rv = fv_diagf(ps->d, FV_EBADCONF, "%s:%d: %s: %s",
			    ps->name, ps->line, k->name, ud.msg);
			break;
		}
		fv_strv_push(out, t);
	}
	free(copy);
	return rv;
}

static int
ctr_cfg_bad(
    struct ctr_cfg_parse *ps, const char *key, const char *what, const char *v)
{
	return fv_diagf(ps->d, FV_EBADCONF, "%s:%d: %s: %s: '%.200s'", ps->name,
	    ps->line, key, what, v);
}

static int
ctr_cfg_set(
    struct ctr_cfg_parse *ps, const struct ctr_cfg_key *k, const char *v)
{
	char *base = (char *)ps->c + k->off;
	long long num = 0;
	bool b;
	int lvl;

	switch (k->type) {
	case CTR_CFG_URLS: {
		struct fv_strv list = { 0 };

		if (ctr_cfg_urls(ps, k, v, &list) != 0) {
			fv_strv_free(&list);
			return FV_EBADCONF;
		}
		if (list.n == 0) {
			return ctr_cfg_bad(ps, k->name, "no URL", v);
		}
		fv_strv_free((struct fv_strv *)(void *)base);
		*(struct fv_strv *)(void *)base = list;
		return 0;
	}
	case CTR_CFG_STR:
	case CTR_CFG_ID:
		if (*v == '\0') {
			return ctr_cfg_bad(ps, k->name, "an empty value", v);
		}
		if (k->type == CTR_CFG_ID &&
		    (!ctr_cfg_id_ok(v) || (long long)strlen(v) > k->max)) {
			return ctr_cfg_bad(
			    ps, k->name, "not 1 to 40 of [A-Za-z0-9._-]", v);
		}
		free(*(char **)(void *)base);
		*(char **)(void *)base = fv_xstrdup(v);
		return 0;
	case CTR_CFG_BOOL:
		if (ctr_cfg_bool(v, &b) != 0) {
			return ctr_cfg_bad(ps, k->name,
			    "not a boolean (true/false, yes/no, on/off, 1/0)",
			    v);
		}
		*(bool *)(void *)base = b;
		return 0;
	case CTR_CFG_LEVEL:
		if ((lvl = ctr_config_level(v)) < 0) {
			return ctr_cfg_bad(ps, k->name,
			    "not a level (critical, error, warn, info, debug, "
			    "trace, blather)",
			    v);
		}
		*(int *)(void *)base = lvl;
		return 0;
	case CTR_CFG_SECONDS:
		if (ctr_cfg_seconds(v, &num) != 0) {
			return ctr_cfg_bad(ps, k->name,
			    "not a number of seconds (at most 3 decimals)", v);
		}
		break;
	case CTR_CFG_UINT:
		if (ctr_cfg_uint(v, &num) != 0) {
			return ctr_cfg_bad(ps, k->name, "not a number", v);
		}
		break;
	case CTR_CFG_BYTES:
		if (ctr_cfg_bytes(v, &num) != 0) {
			return ctr_cfg_bad(ps, k->name,
			    "not a byte size (like 1024, 10KB, 50MB, 1GB)", v);
		}
		break;
	}
	if (num < k->min || num > k->max) {
		return fv_diagf(ps->d, FV_EBADCONF,
		    "%s:%d: %s: '%.40s' is out of range (%lld to %lld%s)",
		    ps->name, ps->line, k->name, v,
		    k->type == CTR_CFG_SECONDS ? k->min / 1000 : k->min,
		    k->type == CTR_CFG_SECONDS ? k->max / 1000 : k->max,
		    k->type == CTR_CFG_SECONDS ? " seconds" : "");
	}
	if (k->type == CTR_CFG_BYTES && k->off == CTR_OFF(max_stored_bytes)) {
		*(uint64_t *)(void *)base = (uint64_t)num;
	} else if (k->type == CTR_CFG_BYTES) {
		*(long long *)(void *)base = num;
	} else if (k->off == CTR_OFF(logfile_backups)) {
		*(int *)(void *)base = (int)num;
	} else {
		*(uint32_t *)(void *)base = (uint32_t)num;
	}
	return 0;
}

static int
ctr_cfg_on_key(
    void *user, const char *section, const char *name, const char *value)
{
	struct ctr_cfg_parse *ps = user;
	const struct ctr_cfg_key *k;
	size_t idx;

	if (ps->failed) {
		return 0;
	}
	if (strcmp(section, "controller") != 0) {
		ps->failed = true;
		if (*section == '\0') {
			fv_diagf(ps->d, FV_EBADCONF,
			    "%s:%d: %s: outside of any section (expected "
			    "[controller])",
			    ps->name, ps->line, name);
		} else {
			fv_diagf(ps->d, FV_EBADCONF,
			    "%s:%d: %s: unknown section [%.60s] (expected "
			    "[controller])",
			    ps->name, ps->line, name, section);
		}
		return 0;
	}
	k = bsearch(name, ctr_cfg_keys, nitems(ctr_cfg_keys), sizeof(*k),
	    ctr_cfg_key_cmp);
	if (k == NULL) {
		ps->failed = true;
		fv_diagf(ps->d, FV_EBADCONF, "%s:%d: %.100s: unknown key",
		    ps->name, ps->line, name);
		return 0;
	}
	idx = (size_t)(k - ctr_cfg_keys);
	if (ps->seen[idx]) {
		ps->failed = true;
		fv_diagf(ps->d, FV_EBADCONF,
		    "%s:%d: %s: given twice (list several URLs on one line)",
		    ps->name, ps->line, name);
		return 0;
	}
	ps->seen[idx] = true;
	if (ctr_cfg_set(ps, k, value) != 0) {
		ps->failed = true;
		return 0;
	}
	return 1;
}

/* ctr_cfg_reader hands inih one line at a time (or a part of a long one)
 * and counts lines, since Debian's inih gives the handler none. */
static char *
ctr_cfg_reader(char *str, int num, void *stream)
{
	struct ctr_cfg_parse *ps = stream;
	size_t n = 0;

	if (ps->text[ps->pos] == '\0' || num < 2) {
		return NULL;
	}
	if (ps->at_line_start) {
		ps->line++;
	}
	while (n < (size_t)num - 1 && ps->text[ps->pos] != '\0') {
		char ch = ps->text[ps->pos++];

		str[n++] = ch;
		if (ch == '\n') {
			break;
		}
	}
	str[n] = '\0';
	ps->at_line_start = n > 0 && str[n - 1] == '\n';
	return str;
}

/* ctr_cfg_check applies the rules that span keys. */
static int
ctr_cfg_check(struct ctr_config *c, const char *name, struct fv_diag *d)
{
	const struct fv_strv *lists[] = { &c->agents, &c->clients };

	if (c->lost_after_ms == 0) {
		c->lost_after_ms = c->heartbeat_ms > UINT32_MAX / 3
		    ? UINT32_MAX
		    : c->heartbeat_ms * 3;
	}
	if (c->join_timeout_ms == 0) {
		uint64_t three = (uint64_t)c->heartbeat_ms * 3;

		c->join_timeout_ms = three > 10000
		    ? (uint32_t)(three > 3600000 ? 3600000 : three)
		    : 10000;
	}
	if (c->max_agent_connections == 0) {
		/* Each node holds two pipes; the rest is room for joins
		 * and reconnections in progress. */
		uint64_t n = (uint64_t)c->max_hosts * 2 + 1024;

		c->max_agent_connections =
		    n > 10000000 ? 10000000 : (uint32_t)n;
	}
	if (c->lost_after_ms <= c->heartbeat_ms) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: lost_after must be longer than heartbeat", name);
	}
	for (size_t l = 0; l < nitems(lists); l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			enum fv_fleet_scheme sch;
			char ev[600];

			if (fv_fleet_url_check(lists[l]->v[i], &sch, d) != 0 ||
			    fv_fleet_events_url(
			        lists[l]->v[i], ev, sizeof(ev), d) != 0) {
				return FV_EBADCONF;
			}
			if (sch == FV_FLEET_TLS && c->tls_cert == NULL) {
				return fv_diagf(d, FV_EBADCONF,
				    "%s: %s needs tls_cert (and tls_key)", name,
				    lists[l]->v[i]);
			}
		}
	}
	if ((c->agents_verify || c->clients_verify) && c->tls_ca == NULL) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: agents_verify and clients_verify need tls_ca", name);
	}
	if (c->tls_key != NULL && c->tls_cert == NULL) {
		return fv_diagf(
		    d, FV_EBADCONF, "%s: tls_key without tls_cert", name);
	}
	if (c->secrets_dir == NULL && !c->allow_unproven) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s: no agent could join: set secrets_dir (or "
		    "allow_unproven = true on a trusted network)",
		    name);
	}
	return 0;
}

int
ctr_config_load_string(
    struct ctr_config *c, const char *text, const char *name, struct fv_diag *d)
{
	struct ctr_cfg_parse ps = { .c = c,
		.name = name,
		.text = text,
		.at_line_start = true,
		.d = d };
	int rv;

	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	rv = ini_parse_stream(ctr_cfg_reader, &ps, ctr_cfg_on_key, &ps);
	if (ps.failed) {
		return FV_EBADCONF;
	}
	if (rv > 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s:%d: not a [section] header, a key = value line or "
		    "a comment",
		    name, rv);
	}
	if (rv < 0) {
		return fv_diagf(d, -ENOMEM, "%s: out of memory", name);
	}
	return ctr_cfg_check(c, name, d);
}

int
ctr_config_load(struct ctr_config *c, const char *path, struct fv_diag *d)
{
	FILE *f = fopen(path, "re");
	struct fv_buf b;
	char chunk[8192];
	size_t n;
	int rv = 0;

	if (f == NULL) {
		return fv_diagf(d, -errno, "%s: %s", path, strerror(errno));
	}
	fv_buf_init(&b, 16u << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (fv_buf_append(&b, chunk, n) != 0) {
			rv = fv_diagf(
			    d, FV_EBADCONF, "%s: larger than 16 MiB", path);
			break;
		}
	}
	if (rv == 0 && ferror(f)) {
		rv = fv_diagf(d, FV_EBADCONF, "%s: read error", path);
	}
	fclose(f);
	if (rv == 0 && memchr(fv_buf_cstr(&b), '\0', b.len) != NULL) {
		rv = fv_diagf(d, FV_EBADCONF, "%s: holds a NUL byte", path);
	}
	if (rv == 0) {
		rv = ctr_config_load_string(c, fv_buf_cstr(&b), path, d);
	}
	fv_buf_fini(&b);
	return rv;
}
