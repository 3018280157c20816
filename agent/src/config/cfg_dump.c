/*
 * The model as JSON (fleetvisord --dump-config), in the exact shape of
 * docs/internals/config-dump.md, which the differential test also builds
 * from Supervisor 4.2.5's parser.
 */
#include <stdio.h>

#include "common/json.h"
#include "config/cfg.h"

static void
cfg_dump_kv(struct fv_json *j, const struct fv_kvmap *m)
{
	fv_json_obj_begin(j);
	for (size_t i = 0; i < m->n; i++) {
		fv_json_key(j, m->v[i].key);
		fv_json_str(j, m->v[i].val);
	}
	fv_json_obj_end(j);
}

static void
cfg_dump_strv(struct fv_json *j, const struct fv_strv *sv)
{
	fv_json_arr_begin(j);
	for (size_t i = 0; i < sv->n; i++) {
		fv_json_str(j, sv->v[i]);
	}
	fv_json_arr_end(j);
}

static void
cfg_dump_id(struct fv_json *j, long id)
{
	if (id < 0) {
		fv_json_null(j);
	} else {
		fv_json_int(j, id);
	}
}

static void
cfg_dump_log(struct fv_json *j, const char *chan, const struct cfg_logcfg *lc)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_logfile", chan);
	fv_json_key(j, key);
	switch (lc->kind) {
	case CFG_LOGFILE_AUTO:
		fv_json_str(j, "AUTO");
		break;
	case CFG_LOGFILE_PATH:
		fv_json_str(j, lc->path);
		break;
	case CFG_LOGFILE_NONE:
	case CFG_LOGFILE_SYSLOG:
		fv_json_null(j);
		break;
	}
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", chan);
	fv_json_key(j, key);
	fv_json_int(j, lc->maxbytes);
	snprintf(key, sizeof(key), "%s_logfile_backups", chan);
	fv_json_key(j, key);
	fv_json_int(j, lc->backups);
	snprintf(key, sizeof(key), "%s_capture_maxbytes", chan);
	fv_json_key(j, key);
	fv_json_int(j, lc->capture_maxbytes);
	snprintf(key, sizeof(key), "%s_events_enabled", chan);
	fv_json_key(j, key);
	fv_json_bool(j, lc->events_enabled);
	snprintf(key, sizeof(key), "%s_syslog", chan);
	fv_json_key(j, key);
	fv_json_bool(j, lc->syslog);
}

static void
cfg_dump_fleet(struct fv_json *j, const struct cfg_fleet *f)
{
	fv_json_obj_begin(j);
	fv_json_key(j, "controller");
	cfg_dump_strv(j, &f->controllers);
	fv_json_key(j, "name");
	fv_json_str(j, f->name);
	fv_json_key(j, "labels");
	cfg_dump_kv(j, &f->labels);
	fv_json_key(j, "tls_ca");
	fv_json_str_or_null(j, f->tls_ca);
	fv_json_key(j, "tls_cert");
	fv_json_str_or_null(j, f->tls_cert);
	fv_json_key(j, "tls_key");
	fv_json_str_or_null(j, f->tls_key);
	fv_json_key(j, "tls_verify");
	fv_json_bool(j, f->tls_verify);
	fv_json_key(j, "secret_file");
	fv_json_str_or_null(j, f->secret_file);
	fv_json_key(j, "heartbeat");
	fv_json_int(j, f->heartbeat);
	fv_json_obj_end(j);
}

static void
cfg_dump_process(struct fv_json *j, const struct cfg_process *p)
{
	static const char *const ar[] = { "false", "unexpected", "true" };

	fv_json_obj_begin(j);
	fv_json_key(j, "name");
	fv_json_str(j, p->name);
	fv_json_key(j, "command");
	fv_json_str(j, p->command);
	fv_json_key(j, "directory");
	fv_json_str_or_null(j, p->directory);
	fv_json_key(j, "umask");
	cfg_dump_id(j, (long)p->umask);
	fv_json_key(j, "priority");
	fv_json_int(j, p->priority);
	fv_json_key(j, "autostart");
	fv_json_bool(j, p->autostart);
	fv_json_key(j, "autorestart");
	fv_json_str(j, ar[p->autorestart]);
	fv_json_key(j, "startsecs");
	fv_json_int(j, p->startsecs);
	fv_json_key(j, "startretries");
	fv_json_int(j, p->startretries);
	fv_json_key(j, "uid");
	cfg_dump_id(j, p->uid);
	cfg_dump_log(j, "stdout", &p->out);
	cfg_dump_log(j, "stderr", &p->err);
	fv_json_key(j, "stopsignal");
	fv_json_int(j, p->stopsignal);
	fv_json_key(j, "stopwaitsecs");
	fv_json_int(j, p->stopwaitsecs);
	fv_json_key(j, "stopasgroup");
	fv_json_bool(j, p->stopasgroup);
	fv_json_key(j, "killasgroup");
	fv_json_bool(j, p->killasgroup);
	fv_json_key(j, "exitcodes");
	fv_json_arr_begin(j);
	for (size_t i = 0; i < p->nexitcodes; i++) {
		fv_json_int(j, p->exitcodes[i]);
	}
	fv_json_arr_end(j);
	fv_json_key(j, "redirect_stderr");
	fv_json_bool(j, p->redirect_stderr);
	fv_json_key(j, "environment");
	cfg_dump_kv(j, &p->environment);
	fv_json_key(j, "serverurl");
	fv_json_str_or_null(j, p->serverurl);
	fv_json_obj_end(j);
}

static void
cfg_dump_group(struct fv_json *j, const struct cfg_group *g)
{
	static const char *const types[] = { "process", "eventlistener",
		"fcgi" };

	fv_json_obj_begin(j);
	fv_json_key(j, "name");
	fv_json_str(j, g->name);
	fv_json_key(j, "type");
	fv_json_str(j, types[g->type]);
	fv_json_key(j, "priority");
	fv_json_int(j, g->priority);
	if (g->type == CFG_GROUP_EVENTLISTENER) {
		fv_json_key(j, "buffer_size");
		fv_json_int(j, g->buffer_size);
		fv_json_key(j, "events");
		cfg_dump_strv(j, &g->events);
		fv_json_key(j, "result_handler");
		fv_json_str(j, g->result_handler);
	}
	if (g->type == CFG_GROUP_FCGI) {
		fv_json_key(j, "socket");
		fv_json_obj_begin(j);
		fv_json_key(j, "url");
		fv_json_str(j, g->socket.url);
		fv_json_key(j, "backlog");
		cfg_dump_id(j, (long)g->socket.backlog);
		fv_json_key(j, "mode");
		cfg_dump_id(j, (long)g->socket.mode);
		fv_json_key(j, "owner");
		if (g->socket.has_owner) {
			fv_json_arr_begin(j);
			fv_json_int(j, g->socket.owner_uid);
			fv_json_int(j, g->socket.owner_gid);
			fv_json_arr_end(j);
		} else {
			fv_json_null(j);
		}
		fv_json_obj_end(j);
	}
	fv_json_key(j, "processes");
	fv_json_arr_begin(j);
	for (size_t i = 0; i < g->nprocs; i++) {
		cfg_dump_process(j, &g->procs[i]);
	}
	fv_json_arr_end(j);
	fv_json_obj_end(j);
}

static void
cfg_dump_server(struct fv_json *j, const struct cfg_server *sv)
{
	fv_json_obj_begin(j);
	fv_json_key(j, "section");
	fv_json_str(j, sv->section);
	fv_json_key(j, "name");
	fv_json_str_or_null(j, sv->name);
	fv_json_key(j, "family");
	fv_json_str(j, sv->family == CFG_SERVER_INET ? "inet" : "unix");
	if (sv->family == CFG_SERVER_INET) {
		fv_json_key(j, "host");
		fv_json_str(j, sv->host);
		fv_json_key(j, "port");
		fv_json_int(j, sv->port);
	} else {
		fv_json_key(j, "file");
		fv_json_str(j, sv->file);
		fv_json_key(j, "chmod");
		fv_json_int(j, sv->chmod);
		fv_json_key(j, "chown");
		fv_json_arr_begin(j);
		fv_json_int(j, sv->chown_uid);
		fv_json_int(j, sv->chown_gid);
		fv_json_arr_end(j);
	}
	fv_json_key(j, "username");
	fv_json_str_or_null(j, sv->username);
	fv_json_key(j, "password");
	fv_json_str_or_null(j, sv->password);
	fv_json_obj_end(j);
}

static void
cfg_dump_supervisord(struct fv_json *j, const struct cfg_supervisord *sd)
{
	fv_json_obj_begin(j);
	fv_json_key(j, "nodaemon");
	fv_json_bool(j, sd->nodaemon);
	fv_json_key(j, "silent");
	fv_json_bool(j, sd->silent);
	fv_json_key(j, "nocleanup");
	fv_json_bool(j, sd->nocleanup);
	fv_json_key(j, "strip_ansi");
	fv_json_bool(j, sd->strip_ansi);
	fv_json_key(j, "user");
	fv_json_str_or_null(j, sd->user);
	fv_json_key(j, "uid");
	cfg_dump_id(j, sd->uid);
	fv_json_key(j, "umask");
	fv_json_int(j, sd->umask);
	fv_json_key(j, "directory");
	fv_json_str_or_null(j, sd->directory);
	fv_json_key(j, "logfile");
	fv_json_str(j, sd->logfile);
	fv_json_key(j, "logfile_maxbytes");
	fv_json_int(j, sd->logfile_maxbytes);
	fv_json_key(j, "logfile_backups");
	fv_json_int(j, sd->logfile_backups);
	fv_json_key(j, "loglevel");
	fv_json_int(j, sd->loglevel);
	fv_json_key(j, "pidfile");
	fv_json_str(j, sd->pidfile);
	fv_json_key(j, "identifier");
	fv_json_str(j, sd->identifier);
	fv_json_key(j, "childlogdir");
	fv_json_str(j, sd->childlogdir);
	fv_json_key(j, "minfds");
	fv_json_int(j, sd->minfds);
	fv_json_key(j, "minprocs");
	fv_json_int(j, sd->minprocs);
	fv_json_key(j, "environment");
	cfg_dump_kv(j, &sd->environment);
	fv_json_key(j, "serverurl");
	fv_json_str_or_null(j, sd->serverurl);
	fv_json_obj_end(j);
}

char *
cfg_dump_json(const struct cfg *cfg)
{
	struct fv_buf out;
	struct fv_json j;

	fv_buf_init(&out, (size_t)1 << 30);
	fv_json_init(&j, &out);
	fv_json_obj_begin(&j);
	fv_json_key(&j, "configfile");
	fv_json_str(&j, cfg->configfile);
	fv_json_key(&j, "supervisord");
	cfg_dump_supervisord(&j, &cfg->sd);
	fv_json_key(&j, "servers");
	fv_json_arr_begin(&j);
	for (size_t i = 0; i < cfg->nservers; i++) {
		cfg_dump_server(&j, &cfg->servers[i]);
	}
	fv_json_arr_end(&j);
	fv_json_key(&j, "groups");
	fv_json_arr_begin(&j);
	for (size_t i = 0; i < cfg->ngroups; i++) {
		cfg_dump_group(&j, &cfg->groups[i]);
	}
	fv_json_arr_end(&j);
	fv_json_key(&j, "rpcinterfaces");
	fv_json_arr_begin(&j);
	for (size_t i = 0; i < cfg->nrpcinterfaces; i++) {
		fv_json_obj_begin(&j);
		fv_json_key(&j, "name");
		fv_json_str(&j, cfg->rpcinterfaces[i].name);
		fv_json_key(&j, "factory");
		fv_json_str(&j, cfg->rpcinterfaces[i].factory);
		fv_json_key(&j, "extras");
		cfg_dump_kv(&j, &cfg->rpcinterfaces[i].extras);
		fv_json_obj_end(&j);
	}
	fv_json_arr_end(&j);
	fv_json_key(&j, "supervisorctl");
	if (cfg->has_ctl) {
		fv_json_obj_begin(&j);
		fv_json_key(&j, "serverurl");
		fv_json_str(&j, cfg->ctl.serverurl);
		fv_json_key(&j, "username");
		fv_json_str_or_null(&j, cfg->ctl.username);
		fv_json_key(&j, "password");
		fv_json_str_or_null(&j, cfg->ctl.password);
		fv_json_key(&j, "prompt");
		fv_json_str(&j, cfg->ctl.prompt);
		fv_json_key(&j, "history_file");
		fv_json_str_or_null(&j, cfg->ctl.history_file);
		fv_json_obj_end(&j);
	} else {
		fv_json_null(&j);
	}
	if (cfg->fleet.enabled) {
		/* Ours alone: only when the file has [fleet], so that every
		 * other dump keeps 4.2.5's exact shape. */
		fv_json_key(&j, "fleet");
		cfg_dump_fleet(&j, &cfg->fleet);
	}
	fv_json_key(&j, "warnings");
	cfg_dump_strv(&j, &cfg->warnings);
	fv_json_obj_end(&j);
	fv_buf_putc(&out, '\n');
	return fv_buf_take(&out);
}
