/*
 * Equality of group configurations as 4.2.5's reloadConfig sees it
 * (ProcessGroupConfig, EventListenerPoolConfig, FastCGIGroupConfig and
 * ProcessConfig __eq__): it decides which groups count as "changed". It
 * compares models only; it never looks at running processes.
 */

#include <stdbool.h>
#include <string.h>

#include "config/cfg.h"

static bool
cfg_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

/* A Python dict comparison: the same pairs, in any order. */
static bool
cfg_kvmap_eq(const struct fv_kvmap *a, const struct fv_kvmap *b)
{
	if (a->n != b->n) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (!cfg_str_eq(fv_kvmap_get(b, a->v[i].key), a->v[i].val)) {
			return false;
		}
	}
	return true;
}

/*
 * One channel's logfile, maxbytes, backups, capture, events and syslog.
 * 4.2.5 skips a logfile that is Automatic on either side; the running
 * side's AUTO was replaced by a made-up path, so only a new AUTO is
 * skipped and a running AUTO against a new path differs.
 */
static bool
cfg_logcfg_eq(const struct cfg_logcfg *nw, const struct cfg_logcfg *cur)
{
	if (nw->kind != CFG_LOGFILE_AUTO) {
		if (nw->kind != cur->kind) {
			return false;
		}
		if (nw->kind == CFG_LOGFILE_PATH &&
		    !cfg_str_eq(nw->path, cur->path)) {
			return false;
		}
	}
	return nw->maxbytes == cur->maxbytes && nw->backups == cur->backups &&
	    nw->capture_maxbytes == cur->capture_maxbytes &&
	    nw->events_enabled == cur->events_enabled &&
	    nw->syslog == cur->syslog;
}

/* ProcessConfig.__eq__: req_param_names and optional_param_names. */
static bool
cfg_process_eq(const struct cfg_process *nw, const struct cfg_process *cur)
{
	return cfg_str_eq(nw->name, cur->name) && nw->uid == cur->uid &&
	    cfg_str_eq(nw->command, cur->command) &&
	    cfg_str_eq(nw->directory, cur->directory) &&
	    nw->umask == cur->umask && nw->priority == cur->priority &&
	    nw->autostart == cur->autostart &&
	    nw->autorestart == cur->autorestart &&
	    nw->startsecs == cur->startsecs &&
	    nw->startretries == cur->startretries &&
	    cfg_logcfg_eq(&nw->out, &cur->out) &&
	    cfg_logcfg_eq(&nw->err, &cur->err) &&
	    nw->stopsignal == cur->stopsignal &&
	    nw->stopwaitsecs == cur->stopwaitsecs &&
	    nw->stopasgroup == cur->stopasgroup &&
	    nw->killasgroup == cur->killasgroup &&
	    nw->nexitcodes == cur->nexitcodes &&
	    (nw->nexitcodes == 0 ||
	        memcmp(nw->exitcodes, cur->exitcodes,
	            nw->nexitcodes * sizeof(int)) == 0) &&
	    nw->redirect_stderr == cur->redirect_stderr &&
	    cfg_kvmap_eq(&nw->environment, &cur->environment) &&
	    cfg_str_eq(nw->serverurl, cur->serverurl);
}

bool
cfg_group_equal(const struct cfg_group *nw, const struct cfg_group *cur)
{
	/* new.__eq__(cur) is isinstance-based: a [program] group accepts a
	 * running FastCGI group (its class is a subclass), nothing else
	 * crosses types. */
	if (nw->type != cur->type &&
	    !(nw->type == CFG_GROUP_PROCESS && cur->type == CFG_GROUP_FCGI)) {
		return false;
	}
	if (nw->type == CFG_GROUP_FCGI &&
	    !cfg_str_eq(nw->socket.url, cur->socket.url)) {
		return false;
	}
	if (nw->type == CFG_GROUP_EVENTLISTENER) {
		/* 4.2.5 lists the events in set order, which changes from
		 * run to run; both lists here are sorted. */
		if (nw->buffer_size != cur->buffer_size ||
		    !cfg_str_eq(nw->result_handler, cur->result_handler) ||
		    nw->events.n != cur->events.n) {
			return false;
		}
		for (size_t i = 0; i < nw->events.n; i++) {
			if (strcmp(nw->events.v[i], cur->events.v[i]) != 0) {
				return false;
			}
		}
	}
	if (!cfg_str_eq(nw->name, cur->name) || nw->priority != cur->priority ||
	    nw->nprocs != cur->nprocs) {
		return false;
	}
	for (size_t i = 0; i < nw->nprocs; i++) {
		if (!cfg_process_eq(&nw->procs[i], &cur->procs[i])) {
			return false;
		}
	}
	return true;
}
