#ifndef FV_CONTROLLER_CTR_CONFIG_H
#define FV_CONTROLLER_CTR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/str.h"

/*
 * The controller's configuration: the [controller] section of its INI
 * file (controller/README.md documents every key). Loading is strict: an
 * unknown section or key, a bad value or a key given twice is an error
 * that names the file, the line and the key.
 */

#define CTR_DEFAULT_AGENTS  "tcp://127.0.0.1:7400"
#define CTR_DEFAULT_CLIENTS "tcp://127.0.0.1:7410"

struct ctr_config {
	struct fv_strv agents; /* URLs agents dial (commands; events on the
	                        * companion URL) */
	struct fv_strv clients; /* URLs clients dial, likewise */
	char *tls_ca, *tls_cert, *tls_key; /* NULL when not set */
	bool agents_verify, clients_verify;
	char *secrets_dir; /* NULL: no node can prove itself */
	bool allow_unproven;
	uint32_t heartbeat_ms;
	uint32_t lost_after_ms;
	uint32_t command_timeout_ms; /* when a client sets no deadline */
	uint32_t max_inflight;
	uint32_t client_queue;
	uint32_t max_hosts;
	uint32_t join_timeout_ms; /* agent pipes that do not join by then
	                           * are closed */
	uint32_t agent_rate_limit; /* messages per second per events pipe */
	uint32_t max_agent_connections; /* agent pipes tracked at once */
	uint32_t max_stored; /* replies kept for resends and pages */
	uint64_t max_stored_bytes;
	char *logfile; /* path, or "syslog" */
	long long logfile_maxbytes;
	int logfile_backups;
	int loglevel; /* 4.2.5's level numbers (ctr_log.h) */
	char *pidfile;
	bool nodaemon;
	char *identifier; /* prefix of the controller id */
};

/* ctr_config_init sets every default (no file read). */
void ctr_config_init(struct ctr_config *c);
/* ctr_config_fini releases what c holds. */
void ctr_config_fini(struct ctr_config *c);

/*
 * ctr_config_load reads path over the defaults in c (ctr_config_init
 * first) and checks the result as a whole (URLs, TLS files that go
 * together, lost_after against heartbeat). 0, or FV_EBADCONF / a negated
 * errno with "FILE:LINE: key: what" (or "FILE: what") in d.
 */
int ctr_config_load(struct ctr_config *c, const char *path, struct fv_diag *d);

/* ctr_config_load_string parses text as if it were the file name. */
int ctr_config_load_string(struct ctr_config *c, const char *text,
    const char *name, struct fv_diag *d);

/* ctr_config_level parses a 4.2.5 level name ("info", "warn", ...) into
 * its number; -1 when unknown. */
int ctr_config_level(const char *name);

#endif
