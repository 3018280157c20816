/*
 * Building the typed model from the INI text: supervisord 4.2.5's
 * ServerOptions.read_config, process_groups_from_parser,
 * _processes_from_section and server_configs_from_parser, step by step and
 * in the same order, so that the same file yields the same values, the
 * same warnings and the same refusals. Where 4.2.5 accepts something that
 * would break the daemon later (numprocs=0, negative durations, duplicate
 * group names, names that expand to ':' or '/'), we refuse it here; each
 * such place says so.
 *
 * Errors name the file, line, section and key. Nothing is kept from a
 * failed load.
 */
#include <sys/stat.h>
#include <sys/utsname.h>

#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "config/cfg.h"
#include "config/cfg_expand.h"
#include "config/cfg_ini.h"
#include "config/cfg_keys.h"
#include "config/cfg_loader.h"
#include "config/cfg_shlex.h"

extern char **environ;

#define CFG_MAX_NUMPROCS 10000

/* cfg_keep copies s into the loader's arena and returns the copy. */
static const char *
cfg_keep(struct cfg_loader *L, const char *s)
{
	fv_strv_push(&L->arena, s);
	return L->arena.v[L->arena.n - 1];
}

/* cfg_xset sets name in ex, replacing an existing entry in place. */
static void
cfg_xset(struct cfg_expansions *ex, const char *name, const char *s,
    long long i, enum cfg_exp_type type)
{
	for (size_t k = 0; k < ex->n; k++) {
		if (strcmp(ex->v[k].name, name) == 0) {
			ex->v[k].type = type;
			ex->v[k].s = s;
			ex->v[k].i = i;
			return;
		}
	}
	if (type == CFG_EXP_STR) {
		cfg_expansions_add_str(ex, name, s);
	} else {
		cfg_expansions_add_int(ex, name, i);
	}
}

void
cfg_xset_str(struct cfg_expansions *ex, const char *name, const char *s)
{
	cfg_xset(ex, name, s, 0, CFG_EXP_STR);
}

static void
cfg_xset_env(struct cfg_loader *L, struct cfg_expansions *ex, const char *k,
    const char *v)
{
	char *name = fv_xasprintf("ENV_%s", k);

	cfg_xset_str(ex, cfg_keep(L, name), cfg_keep(L, v));
	free(name);
}

/* cfg_where formats "file:line: [section] key" for messages. */
static char *
cfg_where(
    struct cfg_loader *L, const struct cfg_ini_section *sec, const char *key)
{
	const struct cfg_ini_key *k =
	    key != NULL ? cfg_ini_get(&L->ini, sec, key) : NULL;

	if (k != NULL) {
		return fv_xasprintf(
		    "%s:%d: [%s] %s", k->file, k->line, sec->name, key);
	}
	if (sec != NULL && key != NULL) {
		return fv_xasprintf(
		    "%s:%d: [%s] %s", sec->file, sec->line, sec->name, key);
	}
	if (sec != NULL) {
		return fv_xasprintf(
		    "%s:%d: [%s]", sec->file, sec->line, sec->name);
	}
	return fv_xasprintf("%s", L->cfg->configfile);
}

/* cfg_fail reports msg at sec/key and returns FV_EBADCONF. */
int
cfg_fail(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *fmt, ...)
{
	char msg[sizeof(L->d->msg)];
	char *where = cfg_where(L, sec, key);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fv_diagf(L->d, FV_EBADCONF, "%s: %s", where, msg);
	free(where);
	return FV_EBADCONF;
}

/* cfg_relay prefixes the converter's message in L->d with sec/key. */
int
cfg_relay(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, int rv)
{
	char msg[sizeof(L->d->msg)];

	if (rv == 0) {
		return 0;
	}
	fv_strlcpy(msg, L->d->msg, sizeof(msg));
	cfg_fail(L, sec, key, "%s", msg);
	return rv < 0 && rv > -4096 ? FV_EBADCONF : rv;
}

/*
 * cfg_get is 4.2.5's parser.saneget(section, key, default, do_expand,
 * expansions): the raw value (or def when absent; *out NULL when both are
 * missing), expanded with environ_expansions overlaid by extra.
 */
int
cfg_get(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    bool expand, char **out)
{
	const struct cfg_ini_key *k = cfg_ini_get(&L->ini, sec, key);
	const char *raw = k != NULL ? k->value : def;
	struct cfg_expansions all = { 0 };
	char *what;
	int rv;

	*out = NULL;
	if (raw == NULL) {
		return 0;
	}
	if (!expand) {
		*out = fv_xstrdup(raw);
		return 0;
	}
	/* cfg_expand lets a later entry win, so extra is simply appended. */
	all.n = L->env.n + (extra != NULL ? extra->n : 0);
	all.v = fv_xreallocarray(NULL, all.n, sizeof(*all.v));
	if (L->env.n > 0) {
		memcpy(all.v, L->env.v, L->env.n * sizeof(*all.v));
	}
	if (extra != NULL && extra->n > 0) {
		memcpy(all.v + L->env.n, extra->v, extra->n * sizeof(*all.v));
	}
	what = fv_xasprintf("%s.%s", sec != NULL ? sec->name : "", key);
	rv = cfg_expand(raw, &all, what, out, L->d);
	free(what);
	cfg_expansions_fini(&all);
	return cfg_relay(L, sec, key, rv);
}

/* cfg_reexpand is 4.2.5's second expand() of an already expanded value. */
static int
cfg_reexpand(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *whatname, const struct cfg_expansions *ex,
    char **val)
{
	char *out;
	int rv;

	rv = cfg_expand(*val, ex, whatname, &out, L->d);
	if (rv != 0) {
		return cfg_relay(L, sec, key, rv);
	}
	free(*val);
	*val = out;
	return 0;
}

/* The typed getters: value (or default) converted, then bound-checked. */
int
cfg_get_int(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    long long lo, long long hi, long long *out)
{
	char *s;
	int rv;

	if ((rv = cfg_get(L, sec, key, def, extra, true, &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(L, sec, key, cfg_integer(s, out, L->d));
	if (rv == 0 && (*out < lo || *out > hi)) {
		rv = cfg_fail(
		    L, sec, key, "%s is out of range (%lld..%lld)", s, lo, hi);
	}
	free(s);
	return rv;
}

static int
cfg_get_size(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    long long *out)
{
	char *s;
	int rv;

	if ((rv = cfg_get(L, sec, key, def, extra, true, &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(L, sec, key, cfg_byte_size(s, out, L->d));
	if (rv == 0 && *out < 0) {
		/* 4.2.5 takes a negative size; it can only be a mistake. */
		rv = cfg_fail(L, sec, key, "%s: a size cannot be negative", s);
	}
	free(s);
	return rv;
}

int
cfg_get_bool(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    bool *out)
{
	char *s;
	int rv;

	if ((rv = cfg_get(L, sec, key, def, extra, true, &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(L, sec, key, cfg_boolean(s, out, L->d));
	free(s);
	return rv;
}

static int
cfg_get_octal(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    long long *out)
{
	char *s;
	int rv;

	if ((rv = cfg_get(L, sec, key, def, extra, true, &s)) != 0) {
		return rv;
	}
	if (s == NULL) {
		*out = -1;
		return 0;
	}
	rv = cfg_relay(L, sec, key, cfg_octal(s, out, L->d));
	if (rv == 0 && (*out < 0 || *out > 07777)) {
		rv = cfg_fail(
		    L, sec, key, "%s is not a file mode (0..07777)", s);
	}
	free(s);
	return rv;
}

/* cfg_notice records one of our own remarks about the config. */
void
cfg_notice(struct cfg_loader *L, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		s = NULL;
	}
	va_end(ap);
	if (s != NULL) {
		fv_strv_push_take(&L->cfg->notices, s);
	}
}

/* cfg_check_keys notes keys that no part of 4.2.5 reads. */
static void
cfg_check_keys(struct cfg_loader *L, const struct cfg_ini_section *sec,
    enum cfg_sect_kind kind)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct cfg_ini_key *k = &sec->keys[i];

		if (!cfg_key_known(kind, k->name)) {
			cfg_notice(L, "%s:%d: [%s] unknown key '%s' is ignored",
			    k->file, k->line, sec->name, k->name);
		}
	}
}

static int cfg_load_supervisord(struct cfg_loader *L);
static int cfg_load_groups(struct cfg_loader *L);
static int cfg_load_servers(struct cfg_loader *L);
static int cfg_load_rpcinterfaces(struct cfg_loader *L);
static void cfg_load_ctl(struct cfg_loader *L);
static int cfg_apply_cli(struct cfg_loader *L, bool apply);

static int
cfg_load_includes(struct cfg_loader *L)
{
	struct cfg_ini_section *inc = cfg_ini_section(&L->ini, "include");
	const struct cfg_ini_key *files;
	struct cfg_expansions ex = { 0 };
	struct fv_strv patterns = { 0 };
	char *val = NULL, *tok, *save;
	int rv = 0;

	if (inc == NULL) {
		return 0;
	}
	cfg_ini_expand_here(&L->ini, L->cfg->here);
	if ((files = cfg_ini_get(&L->ini, inc, "files")) == NULL) {
		return cfg_fail(L, inc, NULL,
		    ".ini file has [include] section, but no files setting");
	}
	cfg_xset_str(&ex, "here", L->cfg->here);
	cfg_xset_str(&ex, "host_node_name", L->node);
	for (size_t i = 0; i < L->env.n; i++) {
		cfg_xset_str(&ex, L->env.v[i].name, L->env.v[i].s);
	}
	rv = cfg_expand(files->value, &ex, "include.files", &val, L->d);
	cfg_expansions_fini(&ex);
	if (rv != 0) {
		return cfg_relay(L, inc, "files", rv);
	}
	for (tok = strtok_r(val, " \t\n\r\f\v", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\n\r\f\v", &save)) {
		fv_strv_push_take(&patterns,
		    tok[0] == '/' ? fv_xstrdup(tok)
		                  : fv_xasprintf("%s/%s", L->cfg->here, tok));
	}
	free(val);
	for (size_t p = 0; p < patterns.n && rv == 0; p++) {
		glob_t g;
		int grv;

		/* Python's glob has no backslash escapes and sorts by name. */
		grv = glob(patterns.v[p], GLOB_NOESCAPE, NULL, &g);
		if (grv == GLOB_NOMATCH || (grv == 0 && g.gl_pathc == 0)) {
			fv_strv_push_take(&L->cfg->warnings,
			    fv_xasprintf("No file matches via include \"%s\"",
			        patterns.v[p]));
			globfree(&g);
			continue;
		}
		if (grv != 0) {
			globfree(&g);
			inc = cfg_ini_section(&L->ini, "include");
			rv = cfg_fail(L, inc, "files",
			    "cannot expand the include pattern %s",
			    patterns.v[p]);
			break;
		}
		for (size_t i = 0; i < g.gl_pathc && rv == 0; i++) {
			const char *fn = g.gl_pathv[i];
			char *dir, *slash;
			struct stat st;

			/* 4.2.5 silently skips what it cannot open as a
			 * file, such as a directory the glob matched. */
			if (stat(fn, &st) == 0 && S_ISDIR(st.st_mode)) {
				cfg_notice(L,
				    "include: %s is a directory; "
				    "skipped",
				    fn);
				continue;
			}

			fv_strv_push_take(&L->cfg->infos,
			    fv_xasprintf("Included extra file \"%s\" during "
			                 "parsing",
			        fn));
			if ((rv = cfg_ini_read_file(&L->ini, fn, L->d)) != 0) {
				char msg[sizeof(L->d->msg)];

				fv_strlcpy(msg, L->d->msg, sizeof(msg));
				/* Reading grew the section array: look again.
				 */
				inc = cfg_ini_section(&L->ini, "include");
				rv = cfg_fail(L, inc, "files", "%s", msg);
				break;
			}
			dir = cfg_normalize_path(fn);
			if ((slash = strrchr(dir, '/')) != NULL) {
				slash[slash == dir ? 1 : 0] = '\0';
			}
			cfg_ini_expand_here(&L->ini, dir);
			free(dir);
		}
		globfree(&g);
	}
	fv_strv_free(&patterns);
	return rv;
}

int
cfg_load(const struct cfg_cli *cli, struct cfg **cfgp, struct fv_diag *d)
{
	struct cfg_loader L;
	struct utsname un;
	char *slash;
	int rv;

	*cfgp = NULL;
	memset(&L, 0, sizeof(L));
	L.cli = cli;
	L.d = d;
	L.cfg = fv_xcalloc(1, sizeof(*L.cfg));
	L.node = fv_xstrdup(uname(&un) == 0 ? un.nodename : "");

	L.cfg->configfile = cfg_normalize_path(cli->configfile);
	L.cfg->here = fv_xstrdup(L.cfg->configfile);
	if ((slash = strrchr(L.cfg->here, '/')) != NULL) {
		slash[slash == L.cfg->here ? 1 : 0] = '\0';
	}
	for (char **e = environ; *e != NULL; e++) {
		char *eq = strchr(*e, '=');
		char *k;

		if (eq == NULL) {
			continue;
		}
		k = fv_xstrndup(*e, (size_t)(eq - *e));
		cfg_xset_env(&L, &L.env, k, eq + 1);
		free(k);
	}

	if ((rv = cfg_apply_cli(&L, false)) != 0) {
		goto out;
	}
	if (access(cli->configfile, F_OK) != 0) {
		rv = fv_diagf(d, FV_EBADCONF, "could not find config file %s",
		    cli->configfile);
		goto out;
	}
	if ((rv = cfg_ini_read_file(&L.ini, cli->configfile, d)) != 0) {
		rv = FV_EBADCONF;
		goto out;
	}
	if ((rv = cfg_load_includes(&L)) != 0) {
		goto out;
	}
	if (cfg_ini_section(&L.ini, "supervisord") == NULL) {
		rv = fv_diagf(d, FV_EBADCONF,
		    "%s: .ini file does not include supervisord section",
		    cli->configfile);
		goto out;
	}
	if ((rv = cfg_load_supervisord(&L)) != 0 ||
	    (rv = cfg_load_rpcinterfaces(&L)) != 0 ||
	    (rv = cfg_load_groups(&L)) != 0 ||
	    (rv = cfg_load_servers(&L)) != 0 ||
	    (rv = cfg_load_fleet(&L)) != 0 ||
	    (rv = cfg_apply_cli(&L, true)) != 0) {
		goto out;
	}
	cfg_load_ctl(&L);
	for (size_t i = 0; i < L.ini.nsections; i++) {
		const struct cfg_ini_section *s = &L.ini.sections[i];
		enum cfg_sect_kind kind = cfg_sect_kind(s->name);

		if (kind == CFG_SECT_UNKNOWN) {
			cfg_notice(&L,
			    "%s:%d: [%s] is not a section "
			    "supervisord reads; it is ignored",
			    s->file, s->line, s->name);
		} else {
			cfg_check_keys(&L, s, kind);
		}
	}
	*cfgp = L.cfg;
	L.cfg = NULL;
out:
	cfg_free(L.cfg);
	cfg_ini_free(&L.ini);
	cfg_expansions_fini(&L.env);
	fv_strv_free(&L.arena);
	free(L.node);
	return rv;
}

static int
cfg_load_supervisord(struct cfg_loader *L)
{
	struct cfg_ini_section *sec = cfg_ini_section(&L->ini, "supervisord");
	struct cfg_supervisord *sd = &L->cfg->sd;
	struct cfg_expansions here = { 0 }, ex = { 0 };
	const char *tmp = getenv("TMPDIR");
	char *s = NULL;
	int rv;

	cfg_xset_str(&here, "here", L->cfg->here);
	if (tmp == NULL || *tmp == '\0') {
		tmp = "/tmp";
	}
#define GET(key, def) cfg_get(L, sec, key, def, &here, true, &s)
	if ((rv = cfg_get_int(L, sec, "minfds", "1024", &here, 0, INT_MAX,
	         &sd->minfds)) != 0 ||
	    (rv = cfg_get_int(L, sec, "minprocs", "200", &here, 0, INT_MAX,
	         &sd->minprocs)) != 0) {
		goto out;
	}
	if ((rv = GET("directory", NULL)) != 0) {
		goto out;
	}
	if (s != NULL) {
		rv = cfg_relay(L, sec, "directory",
		    cfg_existing_directory(s, &sd->directory, L->d));
		free(s);
		s = NULL;
		if (rv != 0) {
			goto out;
		}
	}
	if ((rv = GET("user", NULL)) != 0) {
		goto out;
	}
	sd->user = s;
	s = NULL;
	if ((rv = cfg_get_octal(L, sec, "umask", "022", &here, &sd->umask)) !=
	    0) {
		goto out;
	}
	if ((rv = GET("logfile", "supervisord.log")) != 0) {
		goto out;
	}
	rv = cfg_relay(
	    L, sec, "logfile", cfg_existing_dirpath(s, &sd->logfile, L->d));
	free(s);
	s = NULL;
	if (rv != 0 ||
	    (rv = cfg_get_size(L, sec, "logfile_maxbytes", "50MB", &here,
	         &sd->logfile_maxbytes)) != 0 ||
	    (rv = cfg_get_int(L, sec, "logfile_backups", "10", &here, 0,
	         INT_MAX, &sd->logfile_backups)) != 0) {
		goto out;
	}
	if ((rv = GET("loglevel", "info")) != 0) {
		goto out;
	}
	rv = cfg_relay(
	    L, sec, "loglevel", cfg_logging_level(s, &sd->loglevel, L->d));
	free(s);
	s = NULL;
	if (rv != 0 || (rv = GET("pidfile", "supervisord.pid")) != 0) {
		goto out;
	}
	rv = cfg_relay(
	    L, sec, "pidfile", cfg_existing_dirpath(s, &sd->pidfile, L->d));
	free(s);
	s = NULL;
	if (rv != 0 || (rv = GET("identifier", "supervisor")) != 0) {
		goto out;
	}
	sd->identifier = s;
	s = NULL;
	if ((rv = cfg_get_bool(
	         L, sec, "nodaemon", "false", &here, &sd->nodaemon)) != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "silent", "false", &here, &sd->silent)) != 0) {
		goto out;
	}
	if ((rv = GET("childlogdir", tmp)) != 0) {
		goto out;
	}
	rv = cfg_relay(L, sec, "childlogdir",
	    cfg_existing_directory(s, &sd->childlogdir, L->d));
	free(s);
	s = NULL;
	if (rv != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "nocleanup", "false", &here, &sd->nocleanup)) != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "strip_ansi", "false", &here, &sd->strip_ansi)) != 0) {
		goto out;
	}
	/* 4.2.5 expands [supervisord] environment twice. */
	if ((rv = GET("environment", "")) != 0) {
		goto out;
	}
	cfg_xset_str(&ex, "here", L->cfg->here);
	cfg_xset_str(&ex, "host_node_name", L->node);
	for (size_t i = 0; i < L->env.n; i++) {
		cfg_xset_str(&ex, L->env.v[i].name, L->env.v[i].s);
	}
	if ((rv = cfg_reexpand(
	         L, sec, "environment", "environment", &ex, &s)) != 0) {
		goto out;
	}
	rv = cfg_relay(
	    L, sec, "environment", cfg_env_parse(s, &sd->environment, L->d));
	if (rv != 0) {
		goto out;
	}
	for (size_t i = 0; i < sd->environment.n; i++) {
		cfg_xset_env(L, &L->env, sd->environment.v[i].key,
		    sd->environment.v[i].val);
	}
#undef GET
out:
	free(s);
	cfg_expansions_fini(&here);
	cfg_expansions_fini(&ex);
	return rv;
}

static int
cfg_load_rpcinterfaces(struct cfg_loader *L)
{
	static const char fkey[] = "supervisor.rpcinterface_factory";
	static const char stdfactory[] =
	    "supervisor.rpcinterface:make_main_rpcinterface";

	for (size_t i = 0; i < L->ini.nsections; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];
		struct cfg_rpcinterface *ri;
		char *factory;
		int rv;

		if (!fv_str_startswith(sec->name, "rpcinterface:")) {
			continue;
		}
		if ((rv = cfg_get(L, sec, fkey, NULL, NULL, true, &factory)) !=
		    0) {
			return rv;
		}
		if (factory == NULL) {
			return cfg_fail(L, sec, NULL,
			    "section [%s] does not specify a %s", sec->name,
			    fkey);
		}
		fv_str_strip(factory);
		L->cfg->rpcinterfaces = fv_xreallocarray(L->cfg->rpcinterfaces,
		    L->cfg->nrpcinterfaces + 1, sizeof(*L->cfg->rpcinterfaces));
		ri = &L->cfg->rpcinterfaces[L->cfg->nrpcinterfaces++];
		memset(ri, 0, sizeof(*ri));
		ri->name = fv_xstrdup(strchr(sec->name, ':') + 1);
		ri->factory = factory;
		if (strcmp(factory, stdfactory) != 0) {
			cfg_notice(L,
			    "%s:%d: [%s] factory %s is a Python plugin; "
			    "fleetvisord serves only the built-in supervisor "
			    "and system namespaces, so it is not loaded",
			    sec->file, sec->line, sec->name, factory);
		}
		/* Every other key (and [DEFAULT]'s) is an extra argument. */
		for (int pass = 0; pass < 2; pass++) {
			const struct cfg_ini_section *from =
			    pass == 0 ? sec : &L->ini.defaults;

			for (size_t k = 0; k < from->nkeys; k++) {
				const char *name = from->keys[k].name;
				char *v;

				if (strcmp(name, fkey) == 0 ||
				    fv_kvmap_get(&ri->extras, name) != NULL) {
					continue;
				}
				if ((rv = cfg_get(L, sec, name, NULL, NULL,
				         true, &v)) != 0) {
					return rv;
				}
				fv_kvmap_set(&ri->extras, name, v);
				free(v);
			}
		}
	}
	return 0;
}

static void
cfg_process_fini(struct cfg_process *p)
{
	free(p->name);
	free(p->command);
	free(p->directory);
	free(p->user);
	free(p->out.path);
	free(p->err.path);
	free(p->exitcodes);
	fv_kvmap_free(&p->environment);
	free(p->serverurl);
}

static int
cfg_process_cmp(const void *a, const void *b)
{
	const struct cfg_process *x = a, *y = b;

	if (x->priority != y->priority) {
		return x->priority < y->priority ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/* The settings of one section shared by all its numprocs processes. */
struct cfg_proc_common {
	long long priority, startsecs, startretries, stopwaitsecs;
	long long numprocs, numprocs_start, umask;
	long long out_capture, err_capture;
	bool autostart, stopasgroup, killasgroup, redirect_stderr;
	bool out_events, err_events;
	enum cfg_autorestart autorestart;
	int stopsignal;
	int *exitcodes;
	size_t nexitcodes;
	char *environment, *serverurl, *user, *process_name;
	long uid;
};

static int
cfg_proc_common_read(struct cfg_loader *L, struct cfg_ini_section *sec,
    const struct cfg_expansions *cx, struct cfg_proc_common *c, bool listener)
{
	char *s = NULL;
	int rv;

	c->uid = -1;
	/* Even in an [eventlistener:x], whose pool defaults to -1, 4.2.5
	 * gives each process a default priority of 999. */
	(void)listener;
	if ((rv = cfg_get_int(L, sec, "priority", "999", cx, INT_MIN, INT_MAX,
	         &c->priority)) != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "autostart", "true", cx, &c->autostart)) != 0) {
		return rv;
	}
	if ((rv = cfg_get(L, sec, "autorestart", "unexpected", cx, true, &s)) !=
	    0) {
		return rv;
	}
	rv = cfg_relay(
	    L, sec, "autorestart", cfg_autorestart(s, &c->autorestart, L->d));
	free(s);
	s = NULL;
	if (rv != 0 ||
	    (rv = cfg_get_int(L, sec, "startsecs", "1", cx, 0, INT_MAX,
	         &c->startsecs)) != 0 ||
	    (rv = cfg_get_int(L, sec, "startretries", "3", cx, 0, INT_MAX,
	         &c->startretries)) != 0) {
		return rv;
	}
	if ((rv = cfg_get(L, sec, "stopsignal", "TERM", cx, true, &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(
	    L, sec, "stopsignal", cfg_signal_number(s, &c->stopsignal, L->d));
	free(s);
	s = NULL;
	if (rv != 0 ||
	    (rv = cfg_get_int(L, sec, "stopwaitsecs", "10", cx, 0, INT_MAX,
	         &c->stopwaitsecs)) != 0 ||
	    (rv = cfg_get_bool(
	         L, sec, "stopasgroup", "false", cx, &c->stopasgroup)) != 0 ||
	    (rv = cfg_get_bool(L, sec, "killasgroup",
	         c->stopasgroup ? "true" : "false", cx, &c->killasgroup)) !=
	        0) {
		return rv;
	}
	if ((rv = cfg_get(L, sec, "exitcodes", "0", cx, true, &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(L, sec, "exitcodes",
	    cfg_exitcodes(s, &c->exitcodes, &c->nexitcodes, L->d));
	free(s);
	s = NULL;
	if (rv != 0 ||
	    (rv = cfg_get_bool(L, sec, "redirect_stderr", "false", cx,
	         &c->redirect_stderr)) != 0 ||
	    (rv = cfg_get_int(L, sec, "numprocs", "1", cx, 1, CFG_MAX_NUMPROCS,
	         &c->numprocs)) != 0 ||
	    (rv = cfg_get_int(L, sec, "numprocs_start", "0", cx, 0,
	         INT_MAX - CFG_MAX_NUMPROCS, &c->numprocs_start)) != 0 ||
	    (rv = cfg_get(
	         L, sec, "environment", "", cx, false, &c->environment)) != 0 ||
	    (rv = cfg_get_size(L, sec, "stdout_capture_maxbytes", "0", cx,
	         &c->out_capture)) != 0 ||
	    (rv = cfg_get_bool(L, sec, "stdout_events_enabled", "false", cx,
	         &c->out_events)) != 0 ||
	    (rv = cfg_get_size(L, sec, "stderr_capture_maxbytes", "0", cx,
	         &c->err_capture)) != 0 ||
	    (rv = cfg_get_bool(L, sec, "stderr_events_enabled", "false", cx,
	         &c->err_events)) != 0 ||
	    (rv = cfg_get(
	         L, sec, "serverurl", NULL, cx, true, &c->serverurl)) != 0) {
		return rv;
	}
	if (c->serverurl != NULL) {
		char *t = fv_str_strip(fv_xstrdup(c->serverurl));

		if (fv_str_caseeq(t, "auto")) {
			free(c->serverurl);
			c->serverurl = NULL;
		}
		free(t);
	}
	if ((rv = cfg_get(L, sec, "user", NULL, cx, true, &c->user)) != 0) {
		return rv;
	}
	if (c->user != NULL &&
	    (rv = cfg_relay(L, sec, "user",
	         cfg_name_to_uid(c->user, &c->uid, L->d))) != 0) {
		return rv;
	}
	if ((rv = cfg_get_octal(L, sec, "umask", NULL, cx, &c->umask)) != 0 ||
	    (rv = cfg_get(L, sec, "process_name", "%(program_name)s", cx, false,
	         &s)) != 0) {
		return rv;
	}
	rv = cfg_relay(L, sec, "process_name",
	    cfg_process_or_group_name(s, &c->process_name, L->d));
	free(s);
	if (rv != 0) {
		return rv;
	}
	if (c->numprocs > 1 &&
	    strstr(c->process_name, "%(process_num)") == NULL) {
		return cfg_fail(L, sec, "process_name",
		    "%%(process_num) must be present within process_name when "
		    "numprocs > 1");
	}
	if (c->stopasgroup && !c->killasgroup) {
		return cfg_fail(L, sec, "killasgroup",
		    "Cannot set stopasgroup=true and killasgroup=false");
	}
	return 0;
}

static void
cfg_proc_common_fini(struct cfg_proc_common *c)
{
	free(c->exitcodes);
	free(c->environment);
	free(c->serverurl);
	free(c->user);
	free(c->process_name);
}

static int
cfg_logcfg_read(struct cfg_loader *L, struct cfg_ini_section *sec,
    const struct cfg_expansions *cx, const char *chan, struct cfg_logcfg *lc)
{
	char key[64], mbkey[64], *s = NULL;
	bool syslog_kind;
	int rv;

	snprintf(key, sizeof(key), "%s_logfile", chan);
	if ((rv = cfg_get(L, sec, key, NULL, cx, true, &s)) != 0) {
		return rv;
	}
	if (s == NULL) {
		lc->kind = CFG_LOGFILE_AUTO;
	} else {
		/* 4.2.5 expands a logfile name a second time. */
		if ((rv = cfg_reexpand(L, sec, key, key, cx, &s)) != 0) {
			free(s);
			return rv;
		}
		rv = cfg_relay(L, sec, key,
		    cfg_logfile_name(s, &lc->kind, &lc->path, L->d));
		free(s);
		if (rv != 0) {
			return rv;
		}
	}
	snprintf(mbkey, sizeof(mbkey), "%s_logfile_backups", chan);
	if ((rv = cfg_get_int(
	         L, sec, mbkey, "10", cx, 0, INT_MAX, &lc->backups)) != 0) {
		return rv;
	}
	snprintf(mbkey, sizeof(mbkey), "%s_logfile_maxbytes", chan);
	if ((rv = cfg_get_size(L, sec, mbkey, "50MB", cx, &lc->maxbytes)) !=
	    0) {
		return rv;
	}
	snprintf(mbkey, sizeof(mbkey), "%s_syslog", chan);
	if ((rv = cfg_get_bool(L, sec, mbkey, "false", cx, &lc->syslog)) != 0) {
		return rv;
	}
	syslog_kind = lc->kind == CFG_LOGFILE_SYSLOG;
	if (syslog_kind) {
		fv_strv_push_take(&L->cfg->warnings,
		    fv_xasprintf("For [%s], %s=syslog but this is deprecated "
		                 "and will be removed.  Use %s_syslog=true to "
		                 "enable syslog instead.",
		        sec->name, key, chan));
		lc->kind = CFG_LOGFILE_NONE;
		lc->syslog = true;
	}
	if (lc->kind == CFG_LOGFILE_AUTO && lc->maxbytes == 0) {
		fv_strv_push_take(&L->cfg->warnings,
		    fv_xasprintf("For [%s], AUTO logging used for %s without "
		                 "rollover, set maxbytes > 0 to avoid filling "
		                 "up filesystem unintentionally",
		        sec->name, key));
	}
	return 0;
}

/*
 * cfg_processes_read is 4.2.5's _processes_from_section. Its expansion
 * dictionary is shared across the numprocs loop and gains process_num,
 * numprocs and the program's ENV_ names on the first iteration, which
 * every later lookup then sees; cx reproduces that dictionary.
 */
static int
cfg_processes_read(struct cfg_loader *L, struct cfg_ini_section *sec,
    const char *group_name, bool listener, struct cfg_process **procsp,
    size_t *nprocsp)
{
	struct cfg_proc_common c;
	struct cfg_expansions cx = { 0 };
	struct cfg_process *procs = NULL;
	size_t n = 0;
	char *program_name = NULL;
	int rv;

	memset(&c, 0, sizeof(c));
	if ((rv = cfg_relay(L, sec, NULL,
	         cfg_process_or_group_name(
	             strchr(sec->name, ':') + 1, &program_name, L->d))) != 0) {
		goto out;
	}
	if (*program_name == '\0') {
		/* 4.2.5 makes an unaddressable process named "". */
		rv = cfg_fail(L, sec, NULL, "the section has an empty name");
		goto out;
	}
	cfg_xset_str(&cx, "here", L->cfg->here);
	/* cx lives only in this call, as do both names. */
	cfg_xset_str(&cx, "program_name", program_name);
	cfg_xset_str(&cx, "host_node_name", L->node);
	cfg_xset_str(&cx, "group_name", group_name);
	if ((rv = cfg_proc_common_read(L, sec, &cx, &c, listener)) != 0) {
		goto out;
	}
	procs = fv_xcalloc((size_t)c.numprocs, sizeof(*procs));
	for (long long num = c.numprocs_start;
	     num < c.numprocs_start + c.numprocs; num++) {
		struct cfg_process *p = &procs[n++];
		struct fv_kvmap penv = { 0 };
		char *envs = NULL;

		cfg_xset(&cx, "process_num", NULL, num, CFG_EXP_INT);
		cfg_xset(&cx, "numprocs", NULL, c.numprocs, CFG_EXP_INT);
		for (size_t i = 0; i < L->env.n; i++) {
			cfg_xset_str(&cx, L->env.v[i].name, L->env.v[i].s);
		}
		rv = cfg_expand(c.environment, &cx, "environment", &envs, L->d);
		if ((rv = cfg_relay(L, sec, "environment", rv)) != 0 ||
		    (rv = cfg_relay(L, sec, "environment",
		         cfg_env_parse(envs, &penv, L->d))) != 0) {
			free(envs);
			fv_kvmap_free(&penv);
			goto out;
		}
		free(envs);
		for (size_t i = 0; i < penv.n; i++) {
			cfg_xset_env(L, &cx, penv.v[i].key, penv.v[i].val);
		}
		/* [supervisord] environment, overlaid by the program's. */
		fv_kvmap_update(&p->environment, &L->cfg->sd.environment);
		fv_kvmap_update(&p->environment, &penv);
		fv_kvmap_free(&penv);

		p->umask = c.umask;
		p->priority = c.priority;
		p->autostart = c.autostart;
		p->autorestart = c.autorestart;
		p->startsecs = c.startsecs;
		p->startretries = c.startretries;
		p->uid = c.uid;
		p->user = c.user != NULL ? fv_xstrdup(c.user) : NULL;
		p->stopsignal = c.stopsignal;
		p->stopwaitsecs = c.stopwaitsecs;
		p->stopasgroup = c.stopasgroup;
		p->killasgroup = c.killasgroup;
		p->redirect_stderr = c.redirect_stderr;
		p->nexitcodes = c.nexitcodes;
		p->exitcodes = fv_xcalloc(c.nexitcodes + 1, sizeof(int));
		if (c.nexitcodes > 0) {
			memcpy(p->exitcodes, c.exitcodes,
			    c.nexitcodes * sizeof(int));
		}
		p->serverurl =
		    c.serverurl != NULL ? fv_xstrdup(c.serverurl) : NULL;
		p->out.capture_maxbytes = c.out_capture;
		p->out.events_enabled = c.out_events;
		p->err.capture_maxbytes = c.err_capture;
		p->err.events_enabled = c.err_events;

		if ((rv = cfg_get(L, sec, "directory", NULL, &cx, true,
		         &p->directory)) != 0 ||
		    (rv = cfg_logcfg_read(L, sec, &cx, "stdout", &p->out)) !=
		        0 ||
		    (rv = cfg_logcfg_read(L, sec, &cx, "stderr", &p->err)) !=
		        0) {
			goto out;
		}
		if (c.redirect_stderr) {
			if (p->err.kind == CFG_LOGFILE_PATH) {
				fv_strv_push_take(&L->cfg->warnings,
				    fv_xasprintf(
				        "For [%s], redirect_stderr=true "
				        "but stderr_logfile has also "
				        "been set to a filename, the "
				        "filename has been ignored",
				        sec->name));
			}
			p->err.kind = CFG_LOGFILE_NONE;
			free(p->err.path);
			p->err.path = NULL;
		}
		if ((rv = cfg_get(L, sec, "command", NULL, &cx, true,
		         &p->command)) != 0) {
			goto out;
		}
		if (p->command == NULL) {
			rv = cfg_fail(L, sec, NULL,
			    "program section %s does not specify a command",
			    sec->name);
			goto out;
		}
		if (*p->command == '\0') {
			/* 4.2.5 accepts it and fails at every spawn. */
			rv =
			    cfg_fail(L, sec, "command", "the command is empty");
			goto out;
		}
		rv = cfg_expand(
		    c.process_name, &cx, "process_name", &p->name, L->d);
		if ((rv = cfg_relay(L, sec, "process_name", rv)) != 0) {
			goto out;
		}
		/* 4.2.5 checks the name before expansion only. */
		{
			char *checked = NULL;

			rv = cfg_process_or_group_name(p->name, &checked, L->d);
			if (rv == 0 && strcmp(checked, p->name) != 0) {
				rv = fv_diagf(L->d, FV_EBADCONF,
				    "Invalid name: '%s' has surrounding "
				    "whitespace after expansion",
				    p->name);
			}
			free(checked);
			if ((rv = cfg_relay(L, sec, "process_name", rv)) != 0) {
				goto out;
			}
		}
	}
	qsort(procs, n, sizeof(*procs), cfg_process_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(procs[i - 1].name, procs[i].name) == 0) {
			rv = cfg_fail(L, sec, "process_name",
			    "two processes are named '%s'", procs[i].name);
			goto out;
		}
	}
	*procsp = procs;
	*nprocsp = n;
	procs = NULL;
	n = 0;
out:
	for (size_t i = 0; i < n; i++) {
		cfg_process_fini(&procs[i]);
	}
	free(procs);
	free(program_name);
	cfg_proc_common_fini(&c);
	cfg_expansions_fini(&cx);
	return rv;
}

static struct cfg_group *
cfg_group_add(struct cfg_loader *L, const char *name, enum cfg_group_type t,
    long long priority)
{
	struct cfg *cfg = L->cfg;
	struct cfg_group *g;

	cfg->groups = fv_xreallocarray(
	    cfg->groups, cfg->ngroups + 1, sizeof(*cfg->groups));
	g = &cfg->groups[cfg->ngroups++];
	memset(g, 0, sizeof(*g));
	g->name = fv_xstrdup(name);
	g->type = t;
	g->priority = priority;
	g->socket.backlog = -1;
	g->socket.mode = -1;
	return g;
}

static void
cfg_group_take(struct cfg_group *g, struct cfg_process *procs, size_t n)
{
	if (g->procs == NULL) {
		/* Most groups get one section's processes: keep its array
		 * instead of copying it and leaving a hole behind. */
		g->procs = procs;
		g->nprocs = n;
		return;
	}
	g->procs = fv_xreallocarray(g->procs, g->nprocs + n, sizeof(*procs));
	memcpy(g->procs + g->nprocs, procs, n * sizeof(*procs));
	g->nprocs += n;
	free(procs);
}

static int
cfg_group_cmp(const void *a, const void *b)
{
	const struct cfg_group *x = a, *y = b;

	if (x->priority != y->priority) {
		return x->priority < y->priority ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int
cfg_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cfg_load_hetero(struct cfg_loader *L, struct fv_strv *excluded)
{
	for (size_t i = 0; i < L->ini.nsections; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];
		struct cfg_expansions here = { 0 };
		struct fv_strv programs = { 0 };
		struct cfg_group *g;
		long long prio;
		char *gname = NULL, *s = NULL;
		int rv;

		if (!fv_str_startswith(sec->name, "group:")) {
			continue;
		}
		cfg_xset_str(&here, "here", L->cfg->here);
		rv = cfg_relay(L, sec, NULL,
		    cfg_process_or_group_name(sec->name + 6, &gname, L->d));
		if (rv == 0) {
			rv = cfg_get(L, sec, "programs", NULL, &here, true, &s);
		}
		if (rv == 0) {
			cfg_list_of_strings(s != NULL ? s : "", &programs);
			rv = cfg_get_int(L, sec, "priority", "999", &here,
			    INT_MIN, INT_MAX, &prio);
		}
		free(s);
		cfg_expansions_fini(&here);
		if (rv != 0) {
			free(gname);
			fv_strv_free(&programs);
			return rv;
		}
		g = cfg_group_add(L, gname, CFG_GROUP_PROCESS, prio);
		free(gname);
		for (size_t p = 0; p < programs.n && rv == 0; p++) {
			char *pn = fv_xasprintf("program:%s", programs.v[p]);
			char *fn =
			    fv_xasprintf("fcgi-program:%s", programs.v[p]);
			struct cfg_ini_section *ps =
			    cfg_ini_section(&L->ini, pn);
			struct cfg_ini_section *fs =
			    cfg_ini_section(&L->ini, fn);
			struct cfg_process *procs;
			size_t n;

			if (ps == NULL && fs == NULL) {
				rv = cfg_fail(L, sec, "programs",
				    "[%s] names unknown program or "
				    "fcgi-program %s",
				    sec->name, programs.v[p]);
			} else if (ps != NULL && fs != NULL) {
				rv = cfg_fail(L, sec, "programs",
				    "[%s] name %s is ambiguous (exists as "
				    "program and fcgi-program)",
				    sec->name, programs.v[p]);
			} else {
				ps = ps != NULL ? ps : fs;
				fv_strv_push(excluded, ps->name);
				rv = cfg_processes_read(
				    L, ps, g->name, false, &procs, &n);
				if (rv == 0) {
					cfg_group_take(g, procs, n);
				}
			}
			free(pn);
			free(fn);
		}
		fv_strv_free(&programs);
		if (rv != 0) {
			return rv;
		}
	}
	return 0;
}

static bool
cfg_strv_has(const struct fv_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

static int
cfg_load_listener(struct cfg_loader *L, struct cfg_ini_section *sec)
{
	struct cfg_expansions here = { 0 };
	struct fv_strv names = { 0 };
	struct cfg_group *g;
	struct cfg_process *procs;
	long long prio, bufsize;
	bool redirect;
	char *s = NULL;
	size_t n;
	int rv;

	cfg_xset_str(&here, "here", L->cfg->here);
	rv = cfg_get_int(
	    L, sec, "priority", "-1", &here, INT_MIN, INT_MAX, &prio);
	if (rv == 0) {
		rv = cfg_get_int(L, sec, "buffer_size", "10", &here, LLONG_MIN,
		    INT_MAX, &bufsize);
	}
	if (rv == 0 && bufsize < 1) {
		rv = cfg_fail(L, sec, "buffer_size",
		    "[%s] section sets invalid buffer_size (%lld)", sec->name,
		    bufsize);
	}
	if (rv == 0) {
		rv = cfg_get(L, sec, "result_handler",
		    "supervisor.dispatchers:default_handler", &here, true, &s);
	}
	if (rv != 0) {
		goto out;
	}
	g = cfg_group_add(
	    L, strchr(sec->name, ':') + 1, CFG_GROUP_EVENTLISTENER, prio);
	g->buffer_size = bufsize;
	g->result_handler = s;
	s = NULL;
	if (strcmp(fv_str_strip(g->result_handler),
	        "supervisor.dispatchers:default_handler") != 0) {
		cfg_notice(L,
		    "%s:%d: [%s] result_handler %s is Python code; "
		    "fleetvisord uses the default handler (OK accepts, "
		    "anything else rejects)",
		    sec->file, sec->line, sec->name, g->result_handler);
	}
	if ((rv = cfg_get(L, sec, "events", "", &here, true, &s)) != 0) {
		goto out;
	}
	cfg_list_of_strings(s, &names);
	for (size_t i = 0; i < names.n; i++) {
		for (char *c = names.v[i]; *c != '\0'; c++) {
			if (*c >= 'a' && *c <= 'z') {
				*c = (char)(*c - 'a' + 'A');
			}
		}
		if (!cfg_event_type_known(names.v[i])) {
			rv = cfg_fail(L, sec, "events",
			    "Unknown event type %s in [%s] events", names.v[i],
			    sec->name);
			goto out;
		}
		if (!cfg_strv_has(&g->events, names.v[i])) {
			fv_strv_push(&g->events, names.v[i]);
		}
	}
	if (g->events.n == 0) {
		rv = cfg_fail(L, sec, NULL,
		    "[%s] section requires an \"events\" line", sec->name);
		goto out;
	}
	qsort(g->events.v, g->events.n, sizeof(char *), cfg_strcmp_p);
	if ((rv = cfg_get_bool(
	         L, sec, "redirect_stderr", "false", &here, &redirect)) != 0) {
		goto out;
	}
	if (redirect) {
		rv = cfg_fail(L, sec, "redirect_stderr",
		    "[%s] section sets redirect_stderr=true but this is not "
		    "allowed because it will interfere with the eventlistener "
		    "protocol",
		    sec->name);
		goto out;
	}
	if ((rv = cfg_processes_read(L, sec, g->name, true, &procs, &n)) == 0) {
		cfg_group_take(g, procs, n);
	}
out:
	free(s);
	fv_strv_free(&names);
	cfg_expansions_fini(&here);
	return rv;
}

static int
cfg_fcgi_socket_parse(struct cfg_loader *L, struct cfg_ini_section *sec,
    const char *spec, long proc_uid, bool has_owner, long long mode,
    struct cfg_fcgi_socket *so)
{
	if (fv_str_startswith(spec, "unix://")) {
		const char *path = spec + 7;

		if (path[0] != '/') {
			return cfg_fail(L, sec, "socket",
			    "Unix socket path %s is not an absolute path in "
			    "[%s] socket",
			    path, sec->name);
		}
		so->path = cfg_normalize_path(path);
		so->url = fv_xasprintf("unix://%s", so->path);
		if (!has_owner && proc_uid >= 0 && proc_uid != (long)getuid()) {
			long gid;

			if (cfg_gid_for_uid(proc_uid, &gid, L->d) != 0) {
				return cfg_relay(L, sec, "user", FV_EBADCONF);
			}
			so->has_owner = true;
			so->owner_uid = proc_uid;
			so->owner_gid = gid;
		}
		so->mode = mode >= 0 ? mode : 0700;
		return 0;
	}
	if (has_owner || mode >= 0) {
		return cfg_fail(L, sec, "socket",
		    "socket_owner and socket_mode params should only be used "
		    "with a Unix domain socket in [%s] socket",
		    sec->name);
	}
	if (fv_str_startswith(spec, "tcp://")) {
		const char *hp = spec + 6, *colon = strrchr(hp, ':');
		const char *q;
		long long port = 0;

		for (q = hp; colon != NULL && q < colon; q++) {
			if (*q == ':' || *q == ' ' ||
			    (*q >= '\t' && *q <= '\r')) {
				break;
			}
		}
		if (colon != NULL && q == colon && colon > hp &&
		    colon[1] != '\0') {
			for (q = colon + 1; *q >= '0' && *q <= '9'; q++) {
				port = port > 100000 ? port
				                     : port * 10 + (*q - '0');
			}
			if (*q == '\0' || (*q == '\n' && q[1] == '\0')) {
				if (port < 1 || port > 65535) {
					return cfg_fail(L, sec, "socket",
					    "%lld is %s bound (%s) in [%s] "
					    "socket",
					    port,
					    port < 1 ? "below lower"
					             : "above upper",
					    port < 1 ? "1" : "65535",
					    sec->name);
				}
				so->host = fv_str_lower(
				    fv_xstrndup(hp, (size_t)(colon - hp)));
				so->port = (int)port;
				so->url = fv_xasprintf(
				    "tcp://%s:%d", so->host, so->port);
				return 0;
			}
		}
	}
	return cfg_fail(L, sec, "socket", "Bad socket format %s in [%s] socket",
	    spec, sec->name);
}

static int
cfg_load_fcgi(struct cfg_loader *L, struct cfg_ini_section *sec)
{
	struct cfg_expansions ex = { 0 };
	struct cfg_fcgi_socket so;
	struct cfg_group *g;
	struct cfg_process *procs;
	long long prio, backlog = -1, mode = -1;
	long proc_uid = -1, ouid = -1, ogid = -1;
	char *pname = NULL, *s = NULL;
	size_t n;
	int rv;

	memset(&so, 0, sizeof(so));
	so.mode = -1;
	so.backlog = -1;
	cfg_xset_str(&ex, "here", L->cfg->here);
	if ((rv = cfg_relay(L, sec, NULL,
	         cfg_process_or_group_name(
	             strchr(sec->name, ':') + 1, &pname, L->d))) != 0 ||
	    (rv = cfg_get_int(L, sec, "priority", "999", &ex, INT_MIN, INT_MAX,
	         &prio)) != 0 ||
	    (rv = cfg_get(L, sec, "user", NULL, &ex, true, &s)) != 0) {
		goto out;
	}
	if (s != NULL &&
	    (rv = cfg_relay(
	         L, sec, "user", cfg_name_to_uid(s, &proc_uid, L->d))) != 0) {
		goto out;
	}
	free(s);
	s = NULL;
	if ((rv = cfg_get(L, sec, "socket_backlog", NULL, &ex, true, &s)) !=
	    0) {
		goto out;
	}
	if (s != NULL) {
		if ((rv = cfg_relay(L, sec, "socket_backlog",
		         cfg_integer(s, &backlog, L->d))) != 0) {
			goto out;
		}
		if (backlog < 1 || backlog > 65535) {
			rv = cfg_fail(L, sec, "socket_backlog",
			    "Invalid socket_backlog value %lld", backlog);
			goto out;
		}
	}
	free(s);
	s = NULL;
	if ((rv = cfg_get(L, sec, "socket_owner", NULL, &ex, true, &s)) != 0) {
		goto out;
	}
	if (s != NULL && cfg_user_group(s, &ouid, &ogid, L->d) != 0) {
		rv = cfg_fail(
		    L, sec, "socket_owner", "Invalid socket_owner value %s", s);
		goto out;
	}
	so.has_owner = s != NULL;
	so.owner_uid = ouid;
	so.owner_gid = ogid;
	free(s);
	s = NULL;
	if ((rv = cfg_get(L, sec, "socket_mode", NULL, &ex, true, &s)) != 0) {
		goto out;
	}
	if (s != NULL && cfg_octal(s, &mode, L->d) != 0) {
		rv = cfg_fail(
		    L, sec, "socket_mode", "Invalid socket_mode value %s", s);
		goto out;
	}
	free(s);
	s = NULL;
	cfg_xset_str(&ex, "program_name", pname);
	if ((rv = cfg_get(L, sec, "socket", NULL, &ex, true, &s)) != 0) {
		goto out;
	}
	if (s == NULL || *s == '\0') {
		rv = cfg_fail(L, sec, NULL,
		    "[%s] section requires a \"socket\" line", sec->name);
		goto out;
	}
	if ((rv = cfg_fcgi_socket_parse(
	         L, sec, s, proc_uid, so.has_owner, mode, &so)) != 0) {
		goto out;
	}
	so.backlog = backlog;
	g = cfg_group_add(L, pname, CFG_GROUP_FCGI, prio);
	g->socket = so;
	memset(&so, 0, sizeof(so));
	if ((rv = cfg_processes_read(L, sec, pname, false, &procs, &n)) == 0) {
		cfg_group_take(g, procs, n);
	}
out:
	free(so.url);
	free(so.path);
	free(so.host);
	free(s);
	free(pname);
	cfg_expansions_fini(&ex);
	return rv;
}

static int
cfg_load_groups(struct cfg_loader *L)
{
	struct fv_strv excluded = { 0 };
	int rv = 0;

	if ((rv = cfg_load_hetero(L, &excluded)) != 0) {
		goto out;
	}
	for (size_t i = 0; i < L->ini.nsections && rv == 0; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];
		struct cfg_expansions here = { 0 };
		struct cfg_process *procs;
		struct cfg_group *g;
		char *gname = NULL;
		long long prio;
		size_t n;

		if (!fv_str_startswith(sec->name, "program:") ||
		    cfg_strv_has(&excluded, sec->name)) {
			continue;
		}
		cfg_xset_str(&here, "here", L->cfg->here);
		rv = cfg_relay(L, sec, NULL,
		    cfg_process_or_group_name(sec->name + 8, &gname, L->d));
		if (rv == 0) {
			rv = cfg_get_int(L, sec, "priority", "999", &here,
			    INT_MIN, INT_MAX, &prio);
		}
		cfg_expansions_fini(&here);
		if (rv == 0) {
			g = cfg_group_add(L, gname, CFG_GROUP_PROCESS, prio);
			rv = cfg_processes_read(
			    L, sec, gname, false, &procs, &n);
			if (rv == 0) {
				cfg_group_take(g, procs, n);
			}
		}
		free(gname);
	}
	for (size_t i = 0; i < L->ini.nsections && rv == 0; i++) {
		if (fv_str_startswith(
		        L->ini.sections[i].name, "eventlistener:")) {
			rv = cfg_load_listener(L, &L->ini.sections[i]);
		}
	}
	for (size_t i = 0; i < L->ini.nsections && rv == 0; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];

		if (fv_str_startswith(sec->name, "fcgi-program:") &&
		    !cfg_strv_has(&excluded, sec->name)) {
			rv = cfg_load_fcgi(L, sec);
		}
	}
	if (rv != 0) {
		goto out;
	}
	if (L->cfg->ngroups > 1) {
		/* qsort's base must not be NULL, even for no elements. */
		qsort(L->cfg->groups, L->cfg->ngroups, sizeof(*L->cfg->groups),
		    cfg_group_cmp);
	}
	/* 4.2.5 keeps the first of two same-named groups and drops the other
	 * at run time; refuse the ambiguity instead. */
	for (size_t i = 0; i < L->cfg->ngroups; i++) {
		for (size_t j = i + 1; j < L->cfg->ngroups; j++) {
			if (strcmp(L->cfg->groups[i].name,
			        L->cfg->groups[j].name) == 0) {
				rv = fv_diagf(L->d, FV_EBADCONF,
				    "%s: two process groups are named '%s' "
				    "(a [group:x], [program:x], "
				    "[fcgi-program:x] or [eventlistener:x] "
				    "name is used twice)",
				    L->cfg->configfile, L->cfg->groups[i].name);
				goto out;
			}
		}
	}
out:
	fv_strv_free(&excluded);
	return rv;
}

static int
cfg_server_auth(
    struct cfg_loader *L, struct cfg_ini_section *sec, struct cfg_server *sv)
{
	int rv;

	if ((rv = cfg_get(
	         L, sec, "username", NULL, NULL, true, &sv->username)) != 0 ||
	    (rv = cfg_get(
	         L, sec, "password", NULL, NULL, true, &sv->password)) != 0) {
		return rv;
	}
	if ((sv->username == NULL) != (sv->password == NULL)) {
		return cfg_fail(L, sec, NULL,
		    "Section [%s] contains incomplete authentication: If a "
		    "username or a password is specified, both the username "
		    "and password must be specified",
		    sec->name);
	}
	return 0;
}

static struct cfg_server *
cfg_server_add(struct cfg_loader *L, struct cfg_ini_section *sec,
    enum cfg_server_family fam)
{
	struct cfg *cfg = L->cfg;
	struct cfg_server *sv;
	const char *colon = strchr(sec->name, ':');

	cfg->servers = fv_xreallocarray(
	    cfg->servers, cfg->nservers + 1, sizeof(*cfg->servers));
	sv = &cfg->servers[cfg->nservers++];
	memset(sv, 0, sizeof(*sv));
	sv->section = fv_xstrdup(sec->name);
	sv->name = colon != NULL ? fv_xstrdup(colon + 1) : NULL;
	sv->family = fam;
	sv->chown_uid = sv->chown_gid = -1;
	sv->chmod = -1;
	return sv;
}

static int
cfg_load_servers(struct cfg_loader *L)
{
	int rv;

	for (size_t i = 0; i < L->ini.nsections; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];
		struct cfg_server *sv;
		char *s;

		if (!fv_str_startswith(sec->name, "inet_http_server")) {
			continue;
		}
		sv = cfg_server_add(L, sec, CFG_SERVER_INET);
		if ((rv = cfg_server_auth(L, sec, sv)) != 0 ||
		    (rv = cfg_get(L, sec, "port", NULL, NULL, true, &s)) != 0) {
			return rv;
		}
		if (s == NULL) {
			return cfg_fail(L, sec, NULL,
			    "section [%s] has no port value", sec->name);
		}
		rv = cfg_relay(L, sec, "port",
		    cfg_inet_address(s, &sv->host, &sv->port, L->d));
		free(s);
		if (rv != 0) {
			return rv;
		}
	}
	for (size_t i = 0; i < L->ini.nsections; i++) {
		struct cfg_ini_section *sec = &L->ini.sections[i];
		struct cfg_expansions here = { 0 };
		struct cfg_server *sv;
		char *s;

		if (!fv_str_startswith(sec->name, "unix_http_server")) {
			continue;
		}
		sv = cfg_server_add(L, sec, CFG_SERVER_UNIX);
		cfg_xset_str(&here, "here", L->cfg->here);
		rv = cfg_get(L, sec, "file", NULL, &here, true, &s);
		cfg_expansions_fini(&here);
		if (rv != 0) {
			return rv;
		}
		if (s == NULL) {
			return cfg_fail(L, sec, NULL,
			    "section [%s] has no file value", sec->name);
		}
		sv->file = cfg_normalize_path(fv_str_strip(s));
		free(s);
		if ((rv = cfg_server_auth(L, sec, sv)) != 0 ||
		    (rv = cfg_get(L, sec, "chown", NULL, NULL, true, &s)) !=
		        0) {
			return rv;
		}
		if (s != NULL &&
		    cfg_user_group(s, &sv->chown_uid, &sv->chown_gid, L->d) !=
		        0) {
			rv = cfg_fail(
			    L, sec, "chown", "Invalid sockchown value %s", s);
			free(s);
			return rv;
		}
		free(s);
		if ((rv = cfg_get(L, sec, "chmod", NULL, NULL, true, &s)) !=
		    0) {
			return rv;
		}
		if (s != NULL &&
		    (cfg_octal(s, &sv->chmod, L->d) != 0 || sv->chmod < 0 ||
		        sv->chmod > 07777)) {
			rv = cfg_fail(
			    L, sec, "chmod", "Invalid chmod value %s", s);
			free(s);
			return rv;
		}
		free(s);
		if (sv->chmod < 0) {
			sv->chmod = 0700;
		}
	}
	return 0;
}

/*
 * cfg_load_ctl reads [supervisorctl] as 4.2.5's ClientOptions does, for
 * the dump and for fleetvisorctl; supervisord itself ignores it, so a bad
 * value here is a notice, not an error.
 */
static void
cfg_load_ctl(struct cfg_loader *L)
{
	struct cfg_ini_section *sec = cfg_ini_section(&L->ini, "supervisorctl");
	struct cfg_ctl *c = &L->cfg->ctl;
	struct cfg_expansions here = { 0 };
	char *s;

	/* supervisorctl reads only the main file, never an [include]. */
	if (sec == NULL || sec->file != L->ini.files.v[0]) {
		return;
	}
	cfg_xset_str(&here, "here", L->cfg->here);
	if (cfg_get(L, sec, "serverurl", "http://localhost:9001", &here, true,
	        &c->serverurl) != 0 ||
	    cfg_get(L, sec, "prompt", "supervisor", NULL, true, &c->prompt) !=
	        0 ||
	    cfg_get(L, sec, "username", NULL, NULL, true, &c->username) != 0 ||
	    cfg_get(L, sec, "password", NULL, NULL, true, &c->password) != 0 ||
	    cfg_get(L, sec, "history_file", NULL, &here, true, &s) != 0) {
		cfg_notice(L, "%s", L->d->msg);
		cfg_expansions_fini(&here);
		return;
	}
	cfg_expansions_fini(&here);
	if (fv_str_startswith(c->serverurl, "unix://")) {
		char *p = cfg_normalize_path(c->serverurl + 7);

		free(c->serverurl);
		c->serverurl = fv_xasprintf("unix://%s", p);
		free(p);
	}
	if (s != NULL && *s != '\0') {
		c->history_file = cfg_normalize_path(s);
	}
	free(s);
	L->cfg->has_ctl = true;
}

/*
 * cfg_apply_cli converts the command-line options with 4.2.5's handlers.
 * Called first with apply false (so a bad option is reported before the
 * file is read, as 4.2.5 does) and last with apply true, when the options
 * replace what the file said. It also derives what realize() derives.
 */
static int
cfg_apply_cli(struct cfg_loader *L, bool apply)
{
	const struct cfg_cli *cli = L->cli;
	struct cfg_supervisord *sd = &L->cfg->sd;
	const struct cfg_server *first_unix = NULL, *last_inet = NULL;
	long long v;
	char *path;
	int lvl;

#define CLI_FAIL(opt, val)                                          \
	do {                                                        \
		char m_[sizeof(L->d->msg)];                         \
		fv_strlcpy(m_, L->d->msg, sizeof(m_));              \
		return fv_diagf(L->d, FV_EUSAGE,                    \
		    "invalid value for %s '%s': %s", opt, val, m_); \
	} while (0)
	if (cli->umask != NULL) {
		if (cfg_octal(cli->umask, &v, L->d) != 0) {
			CLI_FAIL("-m", cli->umask);
		}
		if (apply) {
			sd->umask = v;
		}
	}
	if (cli->directory != NULL) {
		if (cfg_existing_directory(cli->directory, &path, L->d) != 0) {
			CLI_FAIL("-d", cli->directory);
		}
		if (apply) {
			free(sd->directory);
			sd->directory = path;
		} else {
			free(path);
		}
	}
	if (cli->childlogdir != NULL) {
		if (cfg_existing_directory(cli->childlogdir, &path, L->d) !=
		    0) {
			CLI_FAIL("-q", cli->childlogdir);
		}
		if (apply) {
			free(sd->childlogdir);
			sd->childlogdir = path;
		} else {
			free(path);
		}
	}
	if (cli->logfile != NULL) {
		if (cfg_existing_dirpath(cli->logfile, &path, L->d) != 0) {
			CLI_FAIL("-l", cli->logfile);
		}
		if (apply) {
			free(sd->logfile);
			sd->logfile = path;
		} else {
			free(path);
		}
	}
	if (cli->pidfile != NULL) {
		if (cfg_existing_dirpath(cli->pidfile, &path, L->d) != 0) {
			CLI_FAIL("-j", cli->pidfile);
		}
		if (apply) {
			free(sd->pidfile);
			sd->pidfile = path;
		} else {
			free(path);
		}
	}
	if (cli->logfile_maxbytes != NULL) {
		if (cfg_byte_size(cli->logfile_maxbytes, &v, L->d) != 0) {
			CLI_FAIL("-y", cli->logfile_maxbytes);
		}
		if (apply) {
			sd->logfile_maxbytes = v;
		}
	}
	if (cli->logfile_backups != NULL) {
		if (cfg_integer(cli->logfile_backups, &v, L->d) != 0) {
			CLI_FAIL("-z", cli->logfile_backups);
		}
		if (apply) {
			sd->logfile_backups = v;
		}
	}
	if (cli->loglevel != NULL) {
		if (cfg_logging_level(cli->loglevel, &lvl, L->d) != 0) {
			CLI_FAIL("-e", cli->loglevel);
		}
		if (apply) {
			sd->loglevel = lvl;
		}
	}
	if (cli->minfds != NULL) {
		if (cfg_integer(cli->minfds, &v, L->d) != 0) {
			CLI_FAIL("-a", cli->minfds);
		}
		if (apply) {
			sd->minfds = v;
		}
	}
	if (cli->minprocs != NULL) {
		if (cfg_integer(cli->minprocs, &v, L->d) != 0) {
			CLI_FAIL("--minprocs", cli->minprocs);
		}
		if (apply) {
			sd->minprocs = v;
		}
	}
#undef CLI_FAIL
	if (!apply) {
		return 0;
	}
	if (cli->user != NULL) {
		free(sd->user);
		sd->user = fv_xstrdup(cli->user);
	}
	if (cli->identifier != NULL) {
		free(sd->identifier);
		sd->identifier = fv_xstrdup(cli->identifier);
	}
	if (cli->nodaemon >= 0) {
		sd->nodaemon = cli->nodaemon;
	}
	if (cli->silent >= 0) {
		sd->silent = cli->silent;
	}
	if (cli->nocleanup >= 0) {
		sd->nocleanup = cli->nocleanup;
	}
	if (cli->strip_ansi >= 0) {
		sd->strip_ansi = cli->strip_ansi;
	}
	sd->uid = -1;
	if (sd->user != NULL &&
	    cfg_name_to_uid(sd->user, &sd->uid, L->d) != 0) {
		/* The message is in L->d already: from -u it stands alone (as
		 * in 4.2.5), from the file it gets file:line [supervisord]. */
		if (cli->user != NULL) {
			return FV_EUSAGE;
		}
		return cfg_relay(L, cfg_ini_section(&L->ini, "supervisord"),
		    "user", FV_EBADCONF);
	}
	if (strcmp(sd->logfile, "syslog") != 0) {
		path = cfg_normalize_path(sd->logfile);
		free(sd->logfile);
		sd->logfile = path;
	}
	path = cfg_normalize_path(sd->pidfile);
	free(sd->pidfile);
	sd->pidfile = path;
	/* Children's SUPERVISOR_SERVER_URL: the first unix server, else the
	 * last inet server (4.2.5's loop over inet servers does not break). */
	for (size_t i = 0; i < L->cfg->nservers; i++) {
		const struct cfg_server *sv = &L->cfg->servers[i];

		if (sv->family == CFG_SERVER_UNIX && first_unix == NULL) {
			first_unix = sv;
		} else if (sv->family == CFG_SERVER_INET) {
			last_inet = sv;
		}
	}
	if (first_unix != NULL) {
		sd->serverurl = fv_xasprintf("unix://%s", first_unix->file);
	} else if (last_inet != NULL) {
		sd->serverurl = fv_xasprintf("http://%s:%d",
		    *last_inet->host != '\0' ? last_inet->host : "localhost",
		    last_inet->port);
	}
	return 0;
}

struct cfg *
cfg_ref(struct cfg *cfg)
{
	if (cfg != NULL) {
		cfg->extra_refs++;
	}
	return cfg;
}

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL) {
		return;
	}
	if (cfg->extra_refs > 0) {
		cfg->extra_refs--;
		return;
	}
	for (size_t i = 0; i < cfg->ngroups; i++) {
		struct cfg_group *g = &cfg->groups[i];

		for (size_t k = 0; k < g->nprocs; k++) {
			cfg_process_fini(&g->procs[k]);
		}
		free(g->procs);
		free(g->name);
		fv_strv_free(&g->events);
		free(g->result_handler);
		free(g->socket.url);
		free(g->socket.path);
		free(g->socket.host);
	}
	free(cfg->groups);
	fv_strv_free(&cfg->fleet.controllers);
	free(cfg->fleet.name);
	fv_kvmap_free(&cfg->fleet.labels);
	free(cfg->fleet.tls_ca);
	free(cfg->fleet.tls_cert);
	free(cfg->fleet.tls_key);
	free(cfg->fleet.secret_file);
	for (size_t i = 0; i < cfg->nservers; i++) {
		struct cfg_server *sv = &cfg->servers[i];

		free(sv->section);
		free(sv->name);
		free(sv->host);
		free(sv->file);
		free(sv->username);
		free(sv->password);
	}
	free(cfg->servers);
	for (size_t i = 0; i < cfg->nrpcinterfaces; i++) {
		free(cfg->rpcinterfaces[i].name);
		free(cfg->rpcinterfaces[i].factory);
		fv_kvmap_free(&cfg->rpcinterfaces[i].extras);
	}
	free(cfg->rpcinterfaces);
	free(cfg->ctl.serverurl);
	free(cfg->ctl.username);
	free(cfg->ctl.password);
	free(cfg->ctl.prompt);
	free(cfg->ctl.history_file);
	free(cfg->sd.user);
	free(cfg->sd.directory);
	free(cfg->sd.logfile);
	free(cfg->sd.pidfile);
	free(cfg->sd.identifier);
	free(cfg->sd.childlogdir);
	fv_kvmap_free(&cfg->sd.environment);
	free(cfg->sd.serverurl);
	fv_strv_free(&cfg->warnings);
	fv_strv_free(&cfg->notices);
	fv_strv_free(&cfg->infos);
	free(cfg->configfile);
	free(cfg->here);
	free(cfg);
}
