/*
 * fleetvisorctl's options: the command line parsed as Python's
 * getopt.getopt parses it for 4.2.5's ClientOptions (unique prefixes of
 * long options, the first word that is not an option ends them, 4.2.5's
 * messages), then the config file's [supervisorctl] section with the
 * expansions 4.2.5 applies to each key. Nothing here talks to a server or
 * prints: errors go back to main in a struct fv_diag.
 */
#include "options.h"

#include <sys/stat.h>

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg.h"
#include "config/cfg_expand.h"
#include "config/cfg_ini.h"

extern char **environ;

const char ctl_usage_doc[] =
    "supervisorctl -- control applications run by supervisord from the "
    "cmd line.\n"
    "\n"
    "Usage: %s [options] [action [arguments]]\n"
    "\n"
    "Options:\n"
    "-c/--configuration FILENAME -- configuration file path (searches if "
    "not given)\n"
    "-h/--help -- print usage message and exit\n"
    "-i/--interactive -- start an interactive shell after executing "
    "commands\n"
    "-s/--serverurl URL -- URL on which supervisord server is listening\n"
    "     (default \"http://localhost:9001\").\n"
    "-u/--username USERNAME -- username to use for authentication with "
    "server\n"
    "-p/--password PASSWORD -- password to use for authentication with "
    "server\n"
    "-r/--history-file -- keep a readline history (if readline is "
    "available)\n"
    "\n"
    "action [arguments] -- see below\n"
    "\n"
    "Actions are commands like \"tail\" or \"stop\".  If -i is specified "
    "or no action is\n"
    "specified on the command line, a \"shell\" interpreting actions "
    "typed\n"
    "interactively is started.  Use the action \"help\" to find out about "
    "available\n"
    "actions.\n";

/* The options 4.2.5 declares, in its order; 'i' and 'h' take no value. */
struct ctl_optdef {
	char shortname;
	const char *longname;
	bool has_arg;
};

static const struct ctl_optdef ctl_optdefs[] = {
	{ 'h', "help", false },
	{ '?', NULL, false },
	{ 'c', "configuration", true },
	{ 'i', "interactive", false },
	{ 's', "serverurl", true },
	{ 'u', "username", true },
	{ 'p', "password", true },
	{ 'r', "history_file", true },
	/* Ours: scripts ask status, avail and pid for JSON. */
	{ 'j', "json", false },
	/* Ours, for a controller: the deadline, hosts by label, TLS. The
	 * long-only ones have codes no one can type after a '-'. */
	{ 't', "timeout", true },
	{ 'l', "labels", true },
	{ '\1', "tls-ca", true },
	{ '\2', "tls-cert", true },
	{ '\3', "tls-key", true },
	{ '\4', "tls-verify", true },
};

/* One option as getopt returned it: its spelling ("-s", "--serverurl")
 * and value. */
struct ctl_optval {
	char *spelling;
	const struct ctl_optdef *def;
	const char *value; /* borrowed from argv or "" */
};

void
ctl_url_scheme(const char *url, char *buf, size_t size)
{
	const char *colon = strchr(url, ':');
	size_t n;

	buf[0] = '\0';
	if (colon == NULL || colon == url || !isalpha((unsigned char)url[0])) {
		return;
	}
	for (const char *p = url; p < colon; p++) {
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.') {
			return;
		}
	}
	n = (size_t)(colon - url);
	if (n >= size) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		buf[i] = (char)tolower((unsigned char)url[i]);
	}
	buf[n] = '\0';
}

bool
ctl_url_valid(const char *url)
{
	char scheme[64];
	const char *rest;

	ctl_url_scheme(url, scheme, sizeof(scheme));
	if (scheme[0] == '\0') {
		return false;
	}
	rest = strchr(url, ':') + 1;
	if (rest[0] == '/' && rest[1] == '/') {
		/* A netloc, or the path after an empty one. */
		rest += 2;
		if (*rest != '\0' && *rest != '?' && *rest != '#') {
			return true;
		}
	}
	return *rest != '\0' && *rest != '?' && *rest != '#';
}

static const struct ctl_optdef *
ctl_opt_short(char c)
{
	if ((unsigned char)c < ' ') {
		return NULL;
	}
	for (size_t i = 0; i < nitems(ctl_optdefs); i++) {
		if (ctl_optdefs[i].shortname == c) {
			return &ctl_optdefs[i];
		}
	}
	return NULL;
}

/* ctl_opt_long resolves name (exact, else a unique prefix) as Python's
 * getopt.long_has_args does. */
static const struct ctl_optdef *
ctl_opt_long(const char *name, size_t len, struct fv_diag *d)
{
	const struct ctl_optdef *match = NULL;
	size_t nmatch = 0;

	for (size_t i = 0; i < nitems(ctl_optdefs); i++) {
		const char *l = ctl_optdefs[i].longname;

		if (l == NULL || strncmp(l, name, len) != 0) {
			continue;
		}
		if (l[len] == '\0') {
			return &ctl_optdefs[i];
		}
		match = &ctl_optdefs[i];
		nmatch++;
	}
	if (nmatch == 0) {
		fv_diagf(d, FV_EUSAGE, "option --%.*s not recognized", (int)len,
		    name);
		return NULL;
	}
	if (nmatch > 1) {
		fv_diagf(d, FV_EUSAGE, "option --%.*s not a unique prefix",
		    (int)len, name);
		return NULL;
	}
	return match;
}

/* ctl_opt_getopt splits argv as getopt.getopt does; *first is the index
 * of the first positional word. */
static int
ctl_opt_getopt(int argc, char *const argv[], struct ctl_optval **vals,
    size_t *nvals, int *first, struct fv_diag *d)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len =
			    eq != NULL ? (size_t)(eq - name) : strlen(name);
			const struct ctl_optdef *def;
			const char *value = eq != NULL ? eq + 1 : NULL;

			if ((def = ctl_opt_long(name, len, d)) == NULL) {
				return FV_EUSAGE;
			}
			if (def->has_arg && value == NULL) {
				if (i + 1 >= argc) {
					return fv_diagf(d, FV_EUSAGE,
					    "option --%s requires argument",
					    def->longname);
				}
				value = argv[++i];
			} else if (!def->has_arg && value != NULL) {
				return fv_diagf(d, FV_EUSAGE,
				    "option --%s must not have an argument",
				    def->longname);
			}
			*vals =
			    fv_xreallocarray(*vals, *nvals + 1, sizeof(**vals));
			(*vals)[*nvals] = (struct ctl_optval){
				.spelling = fv_xasprintf("--%s", def->longname),
				.def = def,
				.value = value != NULL ? value : "",
			};
			(*nvals)++;
			continue;
		}
		for (const char *p = a + 1; *p != '\0'; p++) {
			const struct ctl_optdef *def = ctl_opt_short(*p);
			const char *value = "";

			if (def == NULL) {
				return fv_diagf(d, FV_EUSAGE,
				    "option -%c not recognized", *p);
			}
			if (def->has_arg) {
				if (p[1] != '\0') {
					value = p + 1;
				} else if (i + 1 < argc) {
					value = argv[++i];
				} else {
					return fv_diagf(d, FV_EUSAGE,
					    "option -%c requires argument", *p);
				}
			}
			*vals =
			    fv_xreallocarray(*vals, *nvals + 1, sizeof(**vals));
			(*vals)[*nvals] = (struct ctl_optval){
				.spelling = fv_xasprintf("-%c", *p),
				.def = def,
				.value = value,
			};
			(*nvals)++;
			if (def->has_arg) {
				break;
			}
		}
	}
	*first = i;
	return 0;
}

/* ctl_opt_normpath is Python's os.path.normpath on an absolute path. */
static char *
ctl_opt_normpath(const char *path)
{
	size_t n = strlen(path);
	char *out = fv_xmalloc(n + 3), *o = out;
	const char *p = path;

	/* POSIX keeps exactly two leading slashes, and so does Python. */
	if (p[0] == '/' && p[1] == '/' && p[2] != '/') {
		*o++ = '/';
	}
	while (*p != '\0') {
		const char *seg;
		size_t len;

		while (*p == '/') {
			p++;
		}
		seg = p;
		while (*p != '\0' && *p != '/') {
			p++;
		}
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.')) {
			continue;
		}
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > out && *(o - 1) != '/') {
				o--;
			}
			if (o > out) {
				o--;
			}
			/* ".." above the root stays at the root. */
			if (o < out + 1 || (o == out + 1 && out[0] == '/')) {
				o = out;
			}
			continue;
		}
		*o++ = '/';
		memcpy(o, seg, len);
		o += len;
	}
	if (o == out) {
		*o++ = '/';
	}
	*o = '\0';
	return out;
}

/* ctl_opt_normalize is 4.2.5's normalize_path: expanduser, abspath,
 * normpath. */
static char *
ctl_opt_normalize(const char *v)
{
	char *expanded = NULL, *abs, *out;

	if (v[0] == '~') {
		const char *slash = strchr(v, '/');
		size_t ulen =
		    slash != NULL ? (size_t)(slash - v - 1) : strlen(v + 1);
		const char *home = NULL;

		if (ulen == 0) {
			home = getenv("HOME");
			if (home == NULL) {
				struct passwd *pw = getpwuid(getuid());

				home = pw != NULL ? pw->pw_dir : NULL;
			}
		} else {
			char *user = fv_xstrndup(v + 1, ulen);
			struct passwd *pw = getpwnam(user);

			free(user);
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home != NULL) {
			expanded = fv_xasprintf(
			    "%s%s", home, slash != NULL ? slash : "");
		}
	}
	if (expanded == NULL) {
		expanded = fv_xstrdup(v);
	}
	if (expanded[0] == '/') {
		abs = expanded;
	} else {
		char *cwd = getcwd(NULL, 0);

		abs = fv_xasprintf("%s/%s", cwd != NULL ? cwd : "", expanded);
		free(cwd);
		free(expanded);
	}
	out = ctl_opt_normpath(abs);
	free(abs);
	return out;
}

/* ctl_opt_get reads key of [supervisorctl] (or [DEFAULT]) and formats it
 * with ENV_* and, when here is not NULL, "here"; def when absent (it is
 * formatted too, as 4.2.5 does; NULL stays NULL). */
static int
ctl_opt_name_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/*
 * ctl_opt_names_error rebuilds an expansion error in full: 4.2.5 lists
 * every available name, which outgrows struct fv_diag in any real
 * environment.
 */
static void
ctl_opt_names_error(
    const struct cfg_expansions *ex, const struct fv_diag *d, char **full)
{
	static const char marker[] = "Available names: ";
	const char *at = strstr(d->msg, marker);
	const char **v;
	struct fv_buf b;

	if (at == NULL) {
		*full = fv_xstrdup(d->msg);
		return;
	}
	v = fv_xcalloc(ex->n + 1, sizeof(*v));
	for (size_t i = 0; i < ex->n; i++) {
		v[i] = ex->v[i].name;
	}
	qsort(v, ex->n, sizeof(*v), ctl_opt_name_cmp);
	fv_buf_init(&b, SIZE_MAX / 2);
	(void)fv_buf_append(&b, d->msg, (size_t)(at - d->msg) + strlen(marker));
	for (size_t i = 0; i < ex->n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0) {
			continue;
		}
		(void)fv_buf_printf(&b, "%s%s", i > 0 ? ", " : "", v[i]);
	}
	free(v);
	*full = fv_buf_take(&b);
}

static int
ctl_opt_get(const struct cfg_ini *ini, const struct cfg_ini_section *sec,
    const char *key, const char *def, const char *here, char **out,
    struct fv_diag *d, char **full)
{
	const struct cfg_ini_key *k = cfg_ini_get(ini, sec, key);
	const char *raw = k != NULL ? k->value : def;
	struct cfg_expansions ex = { 0 };
	struct fv_strv names = { 0 };
	char *what;
	int rv;

	*out = NULL;
	if (raw == NULL) {
		return 0;
	}
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');

		if (eq == NULL) {
			continue;
		}
		fv_strv_push_take(
		    &names, fv_xasprintf("ENV_%.*s", (int)(eq - *e), *e));
		cfg_expansions_add_str(&ex, names.v[names.n - 1], eq + 1);
	}
	if (here != NULL) {
		cfg_expansions_add_str(&ex, "here", here);
	}
	what = fv_xasprintf("supervisorctl.%s", key);
	rv = cfg_expand(raw, &ex, what, out, d);
	free(what);
	if (rv != 0) {
		/* 4.2.5 reports a bad format string as a usage error. */
		rv = FV_EUSAGE;
		ctl_opt_names_error(&ex, d, full);
	}
	cfg_expansions_fini(&ex);
	fv_strv_free(&names);
	return rv;
}

/* The [supervisorctl] values, before the command line overrides them. */
struct ctl_filecfg {
	char *serverurl, *prompt, *username, *password, *history_file;
	char *timeout, *labels, *tls_ca, *tls_cert, *tls_key, *tls_verify;
};

static void
ctl_filecfg_fini(struct ctl_filecfg *f)
{
	free(f->timeout);
	free(f->labels);
	free(f->tls_ca);
	free(f->tls_cert);
	free(f->tls_key);
	free(f->tls_verify);
	free(f->serverurl);
	free(f->prompt);
	free(f->username);
	free(f->password);
	free(f->history_file);
}

static int
ctl_opt_read_config(
    const char *path, struct ctl_filecfg *f, struct fv_diag *d, char **full)
{
	struct cfg_ini ini = { 0 };
	const struct cfg_ini_section *sec;
	char *norm = NULL, *here = NULL, *slash, *s;
	struct stat st;
	int rv;

	if (stat(path, &st) != 0) {
		return fv_diagf(
		    d, FV_EUSAGE, "could not find config file %s", path);
	}
	/* Python's open() fails on a directory; we refuse other special
	 * files too rather than block on a FIFO. */
	if (!S_ISREG(st.st_mode)) {
		return fv_diagf(
		    d, FV_EUSAGE, "could not read config file %s", path);
	}
	if ((rv = cfg_ini_read_file(&ini, path, d)) != 0) {
		if (rv != FV_EBADCONF) {
			rv = fv_diagf(d, FV_EUSAGE,
			    "could not read config file %s", path);
		}
		goto out;
	}
	if ((sec = cfg_ini_section(&ini, "supervisorctl")) == NULL) {
		rv = fv_diagf(d, FV_EUSAGE,
		    ".ini file does not include supervisorctl section");
		goto out;
	}
	norm = ctl_opt_normalize(path);
	here = fv_xstrdup(norm);
	slash = strrchr(here, '/');
	slash[slash == here ? 1 : 0] = '\0';

	if ((rv = ctl_opt_get(&ini, sec, "serverurl", "http://localhost:9001",
	         here, &f->serverurl, d, full)) != 0) {
		goto out;
	}
	if ((rv = ctl_opt_get(&ini, sec, "prompt", "supervisor", NULL,
	         &f->prompt, d, full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "username", NULL, NULL, &f->username,
	         d, full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "password", NULL, NULL, &f->password,
	         d, full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "history_file", NULL, here,
	         &f->history_file, d, full)) != 0) {
		goto out;
	}
	/* Ours, for a controller URL; 4.2.5 ignores them. */
	if ((rv = ctl_opt_get(&ini, sec, "timeout", NULL, NULL, &f->timeout, d,
	         full)) != 0 ||
	    (rv = ctl_opt_get(
	         &ini, sec, "labels", NULL, NULL, &f->labels, d, full)) != 0 ||
	    (rv = ctl_opt_get(
	         &ini, sec, "tls_ca", NULL, here, &f->tls_ca, d, full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "tls_cert", NULL, here, &f->tls_cert,
	         d, full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "tls_key", NULL, here, &f->tls_key, d,
	         full)) != 0 ||
	    (rv = ctl_opt_get(&ini, sec, "tls_verify", NULL, NULL,
	         &f->tls_verify, d, full)) != 0) {
		goto out;
	}
	if (f->history_file != NULL && f->history_file[0] != '\0') {
		s = ctl_opt_normalize(f->history_file);
		free(f->history_file);
		f->history_file = s;
	} else {
		free(f->history_file);
		f->history_file = NULL;
	}
out:
	free(norm);
	free(here);
	cfg_ini_free(&ini);
	return rv;
}

/*
 * ctl_opt_split_urls adds the servers of a serverurl= value: one URL as
 * 4.2.5 reads it, or several separated by white space or commas (ours)
 * when every part starts with http:// or unix://. Anything else is taken
 * whole, so that what 4.2.5 accepts reads the same.
 */
static void
ctl_opt_split_urls(struct ctl_options *opt, const char *value)
{
	const char *p = value;
	struct fv_strv urls = { 0 };
	bool list = true;

	for (;;) {
		size_t n;

		p += strspn(p, " \t\r\n,");
		if ((n = strcspn(p, " \t\r\n,")) == 0) {
			break;
		}
		fv_strv_push_take(&urls, fv_xstrndup(p, n));
		p += n;
	}
	/* A UNIX socket path may hold a space or a comma: only a value
	 * whose every part is a URL is a list. */
	for (size_t i = 0; i < urls.n; i++) {
		if (strncmp(urls.v[i], "http://", 7) != 0 &&
		    strncmp(urls.v[i], "unix://", 7) != 0) {
			list = false;
		}
	}
	if (urls.n <= 1 || !list) {
		fv_strv_free(&urls);
		fv_strv_push(&urls, value);
	}
	for (size_t i = 0; i < urls.n; i++) {
		/* 4.2.5 normalizes the path of a unix:// serverurl. */
		if (strncmp(urls.v[i], "unix://", 7) == 0) {
			char *path = ctl_opt_normalize(urls.v[i] + 7);

			fv_strv_push_take(
			    &opt->serverurls, fv_xasprintf("unix://%s", path));
			free(path);
		} else {
			fv_strv_push(&opt->serverurls, urls.v[i]);
		}
	}
	fv_strv_free(&urls);
}

/* ctl_opt_timeout reads a timeout in seconds (fractions allowed) into
 * milliseconds. */
static int
ctl_opt_timeout(
    const char *what, const char *v, unsigned *ms, struct fv_diag *d)
{
	char *end;
	double s = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(s > 0) || s > 86400) {
		return fv_diagf(d, FV_EUSAGE,
		    "invalid value for %s '%s': a number of seconds from "
		    "0.001 to 86400",
		    what, v);
	}
	*ms = (unsigned)(s * 1000 + 0.5);
	if (*ms == 0) {
		*ms = 1;
	}
	return 0;
}

/* ctl_opt_bool reads 4.2.5's booleans (true/false, yes/no, on/off,
 * 1/0) as 1 or -1. */
static int
ctl_opt_bool(const char *what, const char *v, int *out, struct fv_diag *d)
{
	static const char *const yes[] = { "true", "yes", "on", "1" },
	                         *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < nitems(yes); i++) {
		if (fv_str_caseeq(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (fv_str_caseeq(v, no[i])) {
			*out = -1;
			return 0;
		}
	}
	return fv_diagf(
	    d, FV_EUSAGE, "invalid value for %s '%s': not a boolean", what, v);
}

static void
ctl_opt_take(char **dst, char **src)
{
	if (*dst == NULL) {
		*dst = *src;
		*src = NULL;
	}
}

int
ctl_options_parse(struct ctl_options *opt, int argc, char *const argv[],
    bool *help, char **errmsg)
{
	struct fv_diag diag = { { 0 } }, *d = &diag;
	struct ctl_optval *vals = NULL;
	struct ctl_filecfg file = { 0 };
	size_t nvals = 0;
	bool configfile_set = false, interactive_set = false;
	int first = argc, rv;

	memset(opt, 0, sizeof(*opt));
	*help = false;
	*errmsg = NULL;
	if ((rv = ctl_opt_getopt(argc, argv, &vals, &nvals, &first, d)) != 0) {
		goto out;
	}
	for (size_t i = 0; i < nvals; i++) {
		const struct ctl_optval *v = &vals[i];
		char **slot = NULL;
		bool *set = NULL;

		switch (v->def->shortname) {
		case 'h':
		case '?':
			*help = true;
			rv = 0;
			goto out;
		case 'c':
			slot = &opt->configfile;
			set = &configfile_set;
			break;
		case 'i':
			set = &interactive_set;
			break;
		case 's':
			if (!ctl_url_valid(v->value)) {
				char *r = cfg_py_repr(v->value);

				rv = fv_diagf(d, FV_EUSAGE,
				    "invalid value for %s %s: value %s is not "
				    "a URL",
				    v->spelling, r, r);
				free(r);
				goto out;
			}
			/* 4.2.5 refuses a second -s; for us each one
			 * adds a server. */
			fv_strv_push(&opt->serverurls, v->value);
			break;
		case 'j':
			set = &opt->json;
			break;
		case 't':
			if ((rv = ctl_opt_timeout(v->spelling, v->value,
			         &opt->timeout_ms, d)) != 0) {
				goto out;
			}
			break;
		case 'l':
			slot = &opt->labels;
			break;
		case '\1':
			slot = &opt->tls_ca;
			break;
		case '\2':
			slot = &opt->tls_cert;
			break;
		case '\3':
			slot = &opt->tls_key;
			break;
		case '\4':
			if ((rv = ctl_opt_bool(v->spelling, v->value,
			         &opt->tls_verify, d)) != 0) {
				goto out;
			}
			break;
		case 'u':
			slot = &opt->username;
			break;
		case 'p':
			slot = &opt->password;
			break;
		case 'r':
			slot = &opt->history_file;
			break;
		}
		if ((slot != NULL && *slot != NULL) || (set != NULL && *set)) {
			rv = fv_diagf(d, FV_EUSAGE,
			    "conflicting command line option '%s'",
			    v->spelling);
			goto out;
		}
		if (slot != NULL) {
			*slot = fv_xstrdup(v->value);
		}
		if (set != NULL) {
			*set = true;
		}
	}
	opt->interactive = interactive_set;
	for (int i = first; i < argc; i++) {
		opt->args = fv_xreallocarray(
		    opt->args, opt->nargs + 1, sizeof(*opt->args));
		opt->args[opt->nargs++] = fv_xstrdup(argv[i]);
	}
	if (!configfile_set) {
		opt->configfile = cfg_find_configfile(argv[0], NULL);
	}
	/* An empty -c reads no file, as 4.2.5's "if self.configfile". */
	if (opt->configfile != NULL && opt->configfile[0] != '\0' &&
	    (rv = ctl_opt_read_config(opt->configfile, &file, d, errmsg)) !=
	        0) {
		goto out;
	}
	if (opt->serverurls.n == 0 && file.serverurl != NULL) {
		ctl_opt_split_urls(opt, file.serverurl);
	}
	ctl_opt_take(&opt->username, &file.username);
	ctl_opt_take(&opt->password, &file.password);
	ctl_opt_take(&opt->prompt, &file.prompt);
	/* 4.2.5 stores -r where its shell never looks; we honour it. */
	ctl_opt_take(&opt->history_file, &file.history_file);
	ctl_opt_take(&opt->labels, &file.labels);
	ctl_opt_take(&opt->tls_ca, &file.tls_ca);
	ctl_opt_take(&opt->tls_cert, &file.tls_cert);
	ctl_opt_take(&opt->tls_key, &file.tls_key);
	if (opt->timeout_ms == 0 && file.timeout != NULL &&
	    (rv = ctl_opt_timeout("supervisorctl.timeout", file.timeout,
	         &opt->timeout_ms, d)) != 0) {
		goto out;
	}
	if (opt->tls_verify == 0 && file.tls_verify != NULL &&
	    (rv = ctl_opt_bool("supervisorctl.tls_verify", file.tls_verify,
	         &opt->tls_verify, d)) != 0) {
		goto out;
	}
	if (opt->serverurls.n == 0) {
		fv_strv_push(&opt->serverurls, "http://localhost:9001");
	}
	opt->serverurl = fv_xstrdup(opt->serverurls.v[0]);
	if (opt->prompt == NULL) {
		opt->prompt = fv_xstrdup("supervisor");
	}
	if (opt->nargs == 0) {
		opt->interactive = true;
	}
	rv = 0;
out:
	for (size_t i = 0; i < nvals; i++) {
		free(vals[i].spelling);
	}
	free(vals);
	ctl_filecfg_fini(&file);
	if (rv != 0 && *errmsg == NULL) {
		*errmsg = fv_xstrdup(diag.msg);
	}
	return rv;
}

void
ctl_options_fini(struct ctl_options *opt)
{
	free(opt->configfile);
	free(opt->serverurl);
	fv_strv_free(&opt->serverurls);
	free(opt->username);
	free(opt->password);
	free(opt->prompt);
	free(opt->history_file);
	free(opt->labels);
	free(opt->tls_ca);
	free(opt->tls_cert);
	free(opt->tls_key);
	for (size_t i = 0; i < opt->nargs; i++) {
		free(opt->args[i]);
	}
	free(opt->args);
	memset(opt, 0, sizeof(*opt));
}
