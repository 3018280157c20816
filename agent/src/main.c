/*
 * fleetvisord: the per-host agent, a drop-in supervisord. main() only reads
 * the command line and the configuration and reports; everything else lives
 * in agent_core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "common/xalloc.h"
#include "config/cfg.h"
#include "fleet/fleet_link.h"

static const char fv_usage[] =
    "fleetvisord -- run a set of applications as daemons (a drop-in "
    "supervisord).\n"
    "\n"
    "Usage: %s [options]\n"
    "\n"
    "Options:\n"
    "-c/--configuration FILENAME -- configuration file path (searches if "
    "not given)\n"
    "-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in "
    "config file)\n"
    "-s/--silent -- no logs to stdout (maps to 'silent=true' in config "
    "file)\n"
    "-h/--help -- print this usage message and exit\n"
    "-v/--version -- print fleetvisord version number and exit\n"
    "-u/--user USER -- run fleetvisord as this user (or numeric uid)\n"
    "-m/--umask UMASK -- use this umask for daemon subprocess (default is "
    "022)\n"
    "-d/--directory DIRECTORY -- directory to chdir to when daemonized\n"
    "-l/--logfile FILENAME -- use FILENAME as logfile path\n"
    "-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of "
    "logfile\n"
    "-z/--logfile_backups NUM -- number of backups to keep when max bytes "
    "reached\n"
    "-e/--loglevel LEVEL -- use LEVEL as log level "
    "(debug,info,warn,error,critical)\n"
    "-j/--pidfile FILENAME -- write a pid file for the daemon process to "
    "FILENAME\n"
    "-i/--identifier STR -- identifier used for this instance of "
    "fleetvisord\n"
    "-q/--childlogdir DIRECTORY -- the log directory for child process "
    "logs\n"
    "-k/--nocleanup --  prevent the process from performing cleanup "
    "(removal of\n"
    "                   old automatic child log files) at startup.\n"
    "-a/--minfds NUM -- the minimum number of file descriptors for start "
    "success\n"
    "-t/--strip_ansi -- strip ansi escape codes from process output\n"
    "--minprocs NUM  -- the minimum number of processes available for "
    "start success\n"
    "--profile_options OPTIONS -- accepted for compatibility; ignored\n"
    "--dump-config -- print the fully expanded configuration as JSON and "
    "exit\n";

static int
fv_main_usage_error(const char *prog, const char *msg)
{
	fprintf(stderr, "Error: %s\nFor help, use %s -h\n", msg, prog);
	return 2;
}

int
main(int argc, char *argv[])
{
	const char *prog = argc > 0 ? argv[0] : "fleetvisord";
	struct cfg_cli cli;
	struct fv_diag d = { "" };
	struct cfg *cfg = NULL;
	char *json;
	int rv, status = 0;

	cfg_cli_init(&cli);
	if (cfg_cli_parse(&cli, argc, argv, &d) != 0) {
		status = fv_main_usage_error(prog, d.msg);
		goto out;
	}
	if (cli.help) {
		printf(fv_usage, prog);
		goto out;
	}
	if (cli.version) {
		printf("%s\n", FV_VERSION);
		goto out;
	}
	if (cli.configfile == NULL) {
		if (getuid() == 0) {
			fprintf(stderr,
			    "%s: warning: running as root and searching for "
			    "the configuration file in default locations "
			    "(including the current directory); give -c with "
			    "an absolute path instead.\n",
			    prog);
		}
		if ((cli.configfile = cfg_find_configfile(prog, &d)) == NULL) {
			status = fv_main_usage_error(prog, d.msg);
			goto out;
		}
	}
	if ((rv = cfg_load(&cli, &cfg, &d)) != 0) {
		status = fv_main_usage_error(prog, d.msg);
		goto out;
	}
	for (size_t i = 0; i < cfg->notices.n; i++) {
		fprintf(stderr, "%s: notice: %s\n", prog, cfg->notices.v[i]);
	}
	if (cli.dump_config) {
		json = cfg_dump_json(cfg);
		fputs(json, stdout);
		free(json);
		goto out;
	}
	/* The agent logs the parse warnings itself, as 4.2.5 does. */
	status = agent_main(prog, &cli, cfg, &fleet_link_ext);
	cfg = NULL;
out:
	cfg_free(cfg);
	cfg_cli_fini(&cli);
	return status;
}
