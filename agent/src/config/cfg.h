#ifndef FV_CONFIG_CFG_H
#define FV_CONFIG_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/str.h"
#include "config/cfg_value.h"

/*
 * The typed, fully expanded configuration of fleetvisord: what supervisord
 * 4.2.5's ServerOptions.realize() yields, built by cfg_load() from the
 * command line and the config file(s). Everything here is owned by the
 * struct cfg and freed by cfg_free(); nothing points into the INI text.
 */

enum cfg_group_type {
	CFG_GROUP_PROCESS, /* [program:x] and [group:x] */
	CFG_GROUP_EVENTLISTENER, /* [eventlistener:x] */
	CFG_GROUP_FCGI, /* [fcgi-program:x] */
};

/* One child-output channel (stdout or stderr) of a process. */
/* There is a cfg_process (with two cfg_logcfg) per program, a thousand
 * is common: fields in order of alignment, so that none is padded. */
struct cfg_logcfg {
	char *path; /* CFG_LOGFILE_PATH only */
	long long maxbytes;
	long long backups;
	long long capture_maxbytes;
	enum cfg_logfile_kind kind; /* NONE, AUTO or PATH (syslog -> NONE) */
	bool events_enabled;
	bool syslog;
};

struct cfg_process {
	char *name; /* expanded process_name */
	char *command; /* expanded, unsplit (split at spawn) */
	char *directory; /* NULL: inherit */
	long long umask; /* -1: inherit */
	long long priority;
	long long startsecs;
	long long startretries;
	long uid; /* -1: no user= */
	char *user; /* user= as written, or NULL */
	struct cfg_logcfg out, err;
	long long stopwaitsecs;
	int *exitcodes;
	size_t nexitcodes;
	struct fv_kvmap environment; /* [supervisord] env overlaid by ours */
	char *serverurl; /* NULL: AUTO */
	enum cfg_autorestart autorestart;
	int stopsignal;
	bool autostart;
	bool stopasgroup;
	bool killasgroup;
	bool redirect_stderr;
};

struct cfg_fcgi_socket {
	char *url; /* unix:///abs/path or tcp://host:port */
	char *path; /* unix only */
	char *host; /* tcp only */
	int port; /* tcp only */
	long long backlog; /* -1: default */
	long long mode; /* -1: unset (tcp) */
	bool has_owner;
	long owner_uid, owner_gid;
};

struct cfg_group {
	char *name;
	enum cfg_group_type type;
	long long priority;
	struct cfg_process *procs;
	size_t nprocs;
	/* CFG_GROUP_EVENTLISTENER */
	long long buffer_size;
	struct fv_strv events; /* sorted event type names */
	char *result_handler;
	/* CFG_GROUP_FCGI */
	struct cfg_fcgi_socket socket;
};

enum cfg_server_family {
	CFG_SERVER_INET,
	CFG_SERVER_UNIX,
};

struct cfg_server {
	char *section;
	char *name; /* after "inet_http_server:", or NULL */
	enum cfg_server_family family;
	char *host; /* inet: "" means all interfaces */
	int port;
	char *file; /* unix: absolute path */
	long long chmod;
	long chown_uid, chown_gid; /* -1 when unset */
	char *username; /* NULL: no authentication */
	char *password; /* plain, or "{SHA}" + hex */
};

struct cfg_rpcinterface {
	char *name;
	char *factory;
	struct fv_kvmap extras;
};

struct cfg_ctl {
	char *serverurl;
	char *username;
	char *password;
	char *prompt;
	char *history_file;
};

/*
 * [fleet]: ours (4.2.5 ignores the section): how this agent joins
 * fleetvisor-controllers. Present only when the section is.
 */
#define CFG_FLEET_MAX_LABELS      32
#define CFG_FLEET_MAX_CONTROLLERS 8

struct cfg_fleet {
	bool enabled; /* the file has a [fleet] section */
	struct fv_strv controllers; /* tcp://, tls+tcp:// or ipc:// URLs */
	char *name; /* node name; default: the host's name */
	struct fv_kvmap labels; /* in the order given */
	char *tls_ca, *tls_cert, *tls_key; /* absolute paths, or NULL */
	bool tls_verify; /* check the controller's certificate */
	char *secret_file; /* proves the node name; NULL: none */
	int heartbeat; /* seconds between heartbeats */
};

struct cfg_supervisord {
	bool nodaemon;
	bool silent;
	char *user; /* NULL: do not switch */
	long uid; /* -1 when no user */
	long long umask;
	char *directory;
	char *logfile; /* absolute path or "syslog" */
	long long logfile_maxbytes;
	long long logfile_backups;
	int loglevel;
	char *pidfile;
	char *identifier;
	char *childlogdir;
	long long minfds;
	long long minprocs;
	bool nocleanup;
	bool strip_ansi;
	struct fv_kvmap environment;
	char *serverurl; /* for SUPERVISOR_SERVER_URL, or NULL */
};

struct cfg {
	char *configfile; /* absolute */
	char *here; /* its directory */
	struct cfg_supervisord sd;
	struct cfg_server *servers;
	size_t nservers;
	struct cfg_group *groups; /* sorted by (priority, name) */
	size_t ngroups;
	struct cfg_rpcinterface *rpcinterfaces;
	size_t nrpcinterfaces;
	bool has_ctl;
	struct cfg_ctl ctl;
	struct cfg_fleet fleet;
	struct fv_strv warnings; /* 4.2.5's parse warnings, same words */
	struct fv_strv notices; /* ours: unknown keys, unsupported parts */
	struct fv_strv infos; /* "Included extra file ..." */
	/* References beyond the loader's, so that a zeroed cfg has one:
	 * groups built from a model keep it alive across reloadConfig. */
	unsigned extra_refs;
};

/*
 * The command line of fleetvisord: supervisord 4.2.5's options. A field
 * left NULL (or -1 for flags) was not given and the file or the default
 * decides.
 */
struct cfg_cli {
	char *configfile;
	int nodaemon, silent, nocleanup, strip_ansi; /* -1: not given */
	char *user, *umask, *directory, *logfile, *logfile_maxbytes;
	char *logfile_backups, *loglevel, *pidfile, *identifier;
	char *childlogdir, *minfds, *minprocs, *profile_options;
	bool help, version, dump_config;
};

/* cfg_cli_init resets cli to "nothing given". */
void cfg_cli_init(struct cfg_cli *cli);
/* cfg_cli_fini frees what cfg_cli_parse stored. */
void cfg_cli_fini(struct cfg_cli *cli);

/*
 * cfg_cli_parse reads argv as supervisord 4.2.5 does (getopt short and
 * long options, unique long prefixes, a repeated option is a conflict,
 * positional arguments refused), plus --dump-config. FV_EUSAGE with the
 * reason in d.
 */
int cfg_cli_parse(
    struct cfg_cli *cli, int argc, char *const argv[], struct fv_diag *d);

/*
 * cfg_find_configfile applies 4.2.5's search when no -c was given:
 * <exe>/../etc/supervisord.conf, <exe>/../supervisord.conf,
 * supervisord.conf, etc/supervisord.conf, /etc/supervisord.conf,
 * /etc/supervisor/supervisord.conf, where <exe> is the directory of argv0.
 * Returns a new string or NULL (d then lists the paths searched).
 */
char *cfg_find_configfile(const char *argv0, struct fv_diag *d);

/*
 * cfg_load builds the model from cli (whose configfile must be set) and
 * the files. On error returns FV_EBADCONF (nothing half-built is left in
 * *cfgp) and d says what, naming file:line, section and key.
 */
int cfg_load(const struct cfg_cli *cli, struct cfg **cfgp, struct fv_diag *d);

/* cfg_ref takes another reference to cfg (NULL: NULL) and returns it. */
struct cfg *cfg_ref(struct cfg *cfg);

/* cfg_free drops a reference and releases the model with the last one;
 * NULL is a no-op. */
void cfg_free(struct cfg *cfg);

/*
 * cfg_group_equal is 4.2.5's `nw == cur` for a newly parsed group and a
 * running one (reloadConfig's "changed" test): name, priority, type
 * specifics and every process field 4.2.5 compares. Not symmetric: an
 * AUTO log in nw matches anything, as Automatic does in 4.2.5.
 */
bool cfg_group_equal(const struct cfg_group *nw, const struct cfg_group *cur);

/* cfg_dump_json writes the model as docs/internals/config-dump.md says. */
char *cfg_dump_json(const struct cfg *cfg);

#endif
