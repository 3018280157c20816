/*
 * fleetvisord's command line: supervisord 4.2.5's options (options.py
 * ServerOptions), parsed with getopt_long, which like Python's getopt
 * accepts unique prefixes of long options. A repeated option is refused as
 * 4.2.5 refuses it ("conflicting command line option"). Values are only
 * stored here; cfg_load converts them with the same converters as the file.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "config/cfg.h"

void
cfg_cli_init(struct cfg_cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	cli->nodaemon = cli->silent = cli->nocleanup = cli->strip_ansi = -1;
}

void
cfg_cli_fini(struct cfg_cli *cli)
{
	char **strs[] = { &cli->configfile, &cli->user, &cli->umask,
		&cli->directory, &cli->logfile, &cli->logfile_maxbytes,
		&cli->logfile_backups, &cli->loglevel, &cli->pidfile,
		&cli->identifier, &cli->childlogdir, &cli->minfds,
		&cli->minprocs, &cli->profile_options };

	for (size_t i = 0; i < nitems(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

enum {
	CFG_OPT_MINPROCS = 256,
	CFG_OPT_PROFILE,
	CFG_OPT_DUMP,
};

static const struct option cfg_cli_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "configuration", required_argument, NULL, 'c' },
	{ "version", no_argument, NULL, 'v' },
	{ "nodaemon", no_argument, NULL, 'n' },
	{ "user", required_argument, NULL, 'u' },
	{ "umask", required_argument, NULL, 'm' },
	{ "directory", required_argument, NULL, 'd' },
	{ "logfile", required_argument, NULL, 'l' },
	{ "logfile_maxbytes", required_argument, NULL, 'y' },
	{ "logfile_backups", required_argument, NULL, 'z' },
	{ "loglevel", required_argument, NULL, 'e' },
	{ "pidfile", required_argument, NULL, 'j' },
	{ "identifier", required_argument, NULL, 'i' },
	{ "childlogdir", required_argument, NULL, 'q' },
	{ "minfds", required_argument, NULL, 'a' },
	{ "minprocs", required_argument, NULL, CFG_OPT_MINPROCS },
	{ "nocleanup", no_argument, NULL, 'k' },
	{ "strip_ansi", no_argument, NULL, 't' },
	{ "profile_options", required_argument, NULL, CFG_OPT_PROFILE },
	{ "silent", no_argument, NULL, 's' },
	{ "dump-config", no_argument, NULL, CFG_OPT_DUMP },
	{ NULL, 0, NULL, 0 },
};

static int
cfg_cli_str(char **slot, const char *val, const char *opt, struct fv_diag *d)
{
	if (*slot != NULL) {
		return fv_diagf(
		    d, FV_EUSAGE, "conflicting command line option '%s'", opt);
	}
	*slot = fv_xstrdup(val);
	return 0;
}

static int
cfg_cli_flag(int *slot, const char *opt, struct fv_diag *d)
{
	if (*slot == 1) {
		return fv_diagf(
		    d, FV_EUSAGE, "conflicting command line option '%s'", opt);
	}
	*slot = 1;
	return 0;
}

int
cfg_cli_parse(
    struct cfg_cli *cli, int argc, char *const argv[], struct fv_diag *d)
{
	static const char shortopts[] = ":h?c:vnu:m:d:l:y:z:e:j:i:q:a:kts";
	char optname[64];
	int c, idx = -1, rv = 0;

	opterr = 0;
	optind = 1;
	while (rv == 0 &&
	    (c = getopt_long(argc, argv, shortopts, cfg_cli_long, &idx)) !=
	        -1) {
		const char *arg = optarg;

		/* getopt_long sets idx only when it matched a long option. */
		if (idx >= 0) {
			snprintf(optname, sizeof(optname), "--%s",
			    cfg_cli_long[idx].name);
		} else {
			snprintf(optname, sizeof(optname), "-%c", c);
		}
		idx = -1;
		switch (c) {
		case 'h':
			cli->help = true;
			break;
		case 'v':
			cli->version = true;
			break;
		case 'c':
			rv = cfg_cli_str(&cli->configfile, arg, optname, d);
			break;
		case 'n':
			rv = cfg_cli_flag(&cli->nodaemon, optname, d);
			break;
		case 'u':
			rv = cfg_cli_str(&cli->user, arg, optname, d);
			break;
		case 'm':
			rv = cfg_cli_str(&cli->umask, arg, optname, d);
			break;
		case 'd':
			rv = cfg_cli_str(&cli->directory, arg, optname, d);
			break;
		case 'l':
			rv = cfg_cli_str(&cli->logfile, arg, optname, d);
			break;
		case 'y':
			rv = cfg_cli_str(
			    &cli->logfile_maxbytes, arg, optname, d);
			break;
		case 'z':
			rv =
			    cfg_cli_str(&cli->logfile_backups, arg, optname, d);
			break;
		case 'e':
			rv = cfg_cli_str(&cli->loglevel, arg, optname, d);
			break;
		case 'j':
			rv = cfg_cli_str(&cli->pidfile, arg, optname, d);
			break;
		case 'i':
			rv = cfg_cli_str(&cli->identifier, arg, optname, d);
			break;
		case 'q':
			rv = cfg_cli_str(&cli->childlogdir, arg, optname, d);
			break;
		case 'a':
			rv = cfg_cli_str(&cli->minfds, arg, optname, d);
			break;
		case CFG_OPT_MINPROCS:
			rv = cfg_cli_str(&cli->minprocs, arg, optname, d);
			break;
		case CFG_OPT_PROFILE:
			rv =
			    cfg_cli_str(&cli->profile_options, arg, optname, d);
			break;
		case 'k':
			rv = cfg_cli_flag(&cli->nocleanup, optname, d);
			break;
		case 't':
			rv = cfg_cli_flag(&cli->strip_ansi, optname, d);
			break;
		case 's':
			rv = cfg_cli_flag(&cli->silent, optname, d);
			break;
		case CFG_OPT_DUMP:
			cli->dump_config = true;
			break;
		case ':':
			rv = fv_diagf(d, FV_EUSAGE,
			    "option %s requires argument", argv[optind - 1]);
			break;
		default:
			if (optopt == '?' ||
			    (optopt == 0 && c == '?' &&
			        strcmp(argv[optind - 1], "-?") == 0)) {
				cli->help = true;
				break;
			}
			rv = fv_diagf(d, FV_EUSAGE, "option %s not recognized",
			    argv[optind - 1]);
			break;
		}
	}
	if (rv == 0 && optind < argc) {
		rv = fv_diagf(d, FV_EUSAGE,
		    "positional arguments are not supported: ['%s'%s]",
		    argv[optind], optind + 1 < argc ? ", ..." : "");
	}
	return rv;
}

char *
cfg_find_configfile(const char *argv0, struct fv_diag *d)
{
	char exe[PATH_MAX], *dir, *base, *paths[6];
	const char *self = argv0;
	char *found = NULL;
	struct stat st;
	ssize_t n;

	/* Python's sys.argv[0] of an installed script is a full path. */
	if (strchr(argv0, '/') == NULL &&
	    (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		self = exe;
	}
	dir = fv_xstrdup(self);
	base = strrchr(dir, '/');
	if (base != NULL) {
		*base = '\0';
		base = strrchr(dir, '/');
		if (base != NULL) {
			base[base == dir ? 1 : 0] = '\0';
		} else {
			dir[0] = '\0';
		}
	} else {
		dir[0] = '\0';
	}
	paths[0] = *dir != '\0' ? fv_xasprintf("%s/etc/supervisord.conf", dir)
	                        : fv_xstrdup("etc/supervisord.conf");
	paths[1] = *dir != '\0' ? fv_xasprintf("%s/supervisord.conf", dir)
	                        : fv_xstrdup("supervisord.conf");
	paths[2] = fv_xstrdup("supervisord.conf");
	paths[3] = fv_xstrdup("etc/supervisord.conf");
	paths[4] = fv_xstrdup("/etc/supervisord.conf");
	paths[5] = fv_xstrdup("/etc/supervisor/supervisord.conf");
	for (size_t i = 0; i < nitems(paths) && found == NULL; i++) {
		if (stat(paths[i], &st) == 0) {
			found = fv_xstrdup(paths[i]);
		}
	}
	if (found == NULL) {
		fv_diagf(d, FV_EUSAGE,
		    "No config file found at default paths (%s, %s, %s, %s, "
		    "%s, %s); use the -c option to specify a config file at a "
		    "different path",
		    paths[0], paths[1], paths[2], paths[3], paths[4], paths[5]);
	}
	for (size_t i = 0; i < nitems(paths); i++) {
		free(paths[i]);
	}
	free(dir);
	return found;
}
