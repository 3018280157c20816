/*
 * The tables of names 4.2.5 knows. They only answer questions; the values
 * are read and checked in cfg_load.c.
 */
#include "config/cfg_keys.h"

#include <string.h>

#include "common/str.h"
#include "common/xalloc.h"

static const char *const cfg_keys_program[] = { "command", "process_name",
	"numprocs", "numprocs_start", "priority", "autostart", "startsecs",
	"startretries", "autorestart", "exitcodes", "stopsignal",
	"stopwaitsecs", "stopasgroup", "killasgroup", "user", "redirect_stderr",
	"stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
	"stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
	"stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
	"stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog",
	"environment", "directory", "umask", "serverurl", NULL };
static const char *const cfg_keys_fcgi[] = { "socket", "socket_backlog",
	"socket_owner", "socket_mode", NULL };
static const char *const cfg_keys_listener[] = { "buffer_size", "events",
	"result_handler", NULL };
static const char *const cfg_keys_supervisord[] = { "logfile",
	"logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask",
	"nodaemon", "silent", "minfds", "minprocs", "nocleanup", "childlogdir",
	"user", "directory", "strip_ansi", "environment", "identifier", NULL };
static const char *const cfg_keys_unix[] = { "file", "chmod", "chown",
	"username", "password", NULL };
static const char *const cfg_keys_inet[] = { "port", "username", "password",
	NULL };
static const char *const cfg_keys_ctl[] = { "serverurl", "username", "password",
	"prompt", "history_file",
	/* Ours: fleetvisorctl against a controller (ctl/src/options.c). */
	"timeout", "labels", "tls_ca", "tls_cert", "tls_key", "tls_verify",
	NULL };
static const char *const cfg_keys_group[] = { "programs", "priority", NULL };
static const char *const cfg_keys_include[] = { "files", NULL };

/* Ours: the agent's fleet link (cfg_fleet.c). */
static const char *const cfg_keys_fleet[] = { "controller", "name", "labels",
	"tls_ca", "tls_cert", "tls_key", "tls_verify", "secret_file",
	"heartbeat", NULL };

static const char *const cfg_event_types[] = { "EVENT", "PROCESS_STATE",
	"PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED",
	"PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPING",
	"PROCESS_STATE_BACKOFF", "PROCESS_STATE_FATAL", "PROCESS_STATE_RUNNING",
	"PROCESS_STATE_UNKNOWN", "PROCESS_COMMUNICATION",
	"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR",
	"PROCESS_LOG", "PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR",
	"REMOTE_COMMUNICATION", "SUPERVISOR_STATE_CHANGE",
	"SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING",
	"TICK", "TICK_5", "TICK_60", "TICK_3600", "PROCESS_GROUP",
	"PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED", NULL };

static bool
cfg_keys_in(const char *const *list, const char *key)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, key) == 0) {
			return true;
		}
	}
	return false;
}

enum cfg_sect_kind
cfg_sect_kind(const char *name)
{
	static const struct {
		const char *prefix;
		enum cfg_sect_kind kind;
	} kinds[] = {
		{ "program:", CFG_SECT_PROGRAM },
		{ "group:", CFG_SECT_GROUP },
		{ "fcgi-program:", CFG_SECT_FCGI },
		{ "eventlistener:", CFG_SECT_LISTENER },
		{ "rpcinterface:", CFG_SECT_RPC },
		{ "ctlplugin:", CFG_SECT_CTLPLUGIN },
		{ "unix_http_server", CFG_SECT_UNIX_HTTP },
		{ "inet_http_server", CFG_SECT_INET_HTTP },
	};

	if (strcmp(name, "supervisord") == 0) {
		return CFG_SECT_SUPERVISORD;
	}
	if (strcmp(name, "supervisorctl") == 0) {
		return CFG_SECT_CTL;
	}
	if (strcmp(name, "include") == 0) {
		return CFG_SECT_INCLUDE;
	}
	if (strcmp(name, "fleet") == 0) {
		return CFG_SECT_FLEET;
	}
	for (size_t i = 0; i < nitems(kinds); i++) {
		if (fv_str_startswith(name, kinds[i].prefix)) {
			return kinds[i].kind;
		}
	}
	return CFG_SECT_UNKNOWN;
}

bool
cfg_key_known(enum cfg_sect_kind kind, const char *key)
{
	switch (kind) {
	case CFG_SECT_SUPERVISORD:
		return cfg_keys_in(cfg_keys_supervisord, key);
	case CFG_SECT_UNIX_HTTP:
		return cfg_keys_in(cfg_keys_unix, key);
	case CFG_SECT_INET_HTTP:
		return cfg_keys_in(cfg_keys_inet, key);
	case CFG_SECT_CTL:
		return cfg_keys_in(cfg_keys_ctl, key);
	case CFG_SECT_PROGRAM:
		return cfg_keys_in(cfg_keys_program, key);
	case CFG_SECT_FCGI:
		return cfg_keys_in(cfg_keys_program, key) ||
		    cfg_keys_in(cfg_keys_fcgi, key);
	case CFG_SECT_LISTENER:
		return cfg_keys_in(cfg_keys_program, key) ||
		    cfg_keys_in(cfg_keys_listener, key);
	case CFG_SECT_GROUP:
		return cfg_keys_in(cfg_keys_group, key);
	case CFG_SECT_INCLUDE:
		return cfg_keys_in(cfg_keys_include, key);
	case CFG_SECT_FLEET:
		return cfg_keys_in(cfg_keys_fleet, key);
	case CFG_SECT_RPC:
	case CFG_SECT_CTLPLUGIN:
		/* Free-form: extra keys are factory arguments. */
		return true;
	case CFG_SECT_UNKNOWN:
		break;
	}
	return false;
}

bool
cfg_event_type_known(const char *name)
{
	return cfg_keys_in(cfg_event_types, name);
}
