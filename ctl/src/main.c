/*
 * fleetvisorctl's entry point: options, then one command line (the
 * words after the options, joined by spaces as 4.2.5 joins them) or the
 * shell. Exit codes are 4.2.5's: 2 for a usage error, the command's LSB
 * code for a one-shot run, the shell's status otherwise.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "options.h"

int
main(int argc, char **argv)
{
	struct ctl_options opt;
	char *errmsg = NULL;
	struct ctl ctl;
	bool help;
	int rv, status;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	/* A server that went away (shutdown) must make a write fail with
	 * EPIPE, not kill us; Python, and so 4.2.5's ctl, ignores it too. */
	sigaction(SIGPIPE, &ign, NULL);
	rv = ctl_options_parse(&opt, argc, argv, &help, &errmsg);
	if (help) {
		const char *at = strstr(ctl_usage_doc, "%s");

		fwrite(ctl_usage_doc, 1, (size_t)(at - ctl_usage_doc), stdout);
		fprintf(stdout, "%s%s\n", argv[0], at + 2);
		free(errmsg);
		ctl_options_fini(&opt);
		return 0;
	}
	if (rv == FV_EUSAGE) {
		fprintf(stderr, "Error: %s\nFor help, use %s -h\n", errmsg,
		    argv[0]);
		free(errmsg);
		ctl_options_fini(&opt);
		return 2;
	}
	if (rv != 0) {
		/* 4.2.5 dies with a configparser traceback here. */
		fprintf(stderr, "Error: %s\n", errmsg);
		free(errmsg);
		ctl_options_fini(&opt);
		return 1;
	}
	if ((rv = ctl_init(&ctl, &opt, stdout, stderr)) != 0) {
		fprintf(stderr, "Error: %s\n", fv_strerror(rv));
		ctl_options_fini(&opt);
		return 1;
	}
	if (ctl.opt.nargs > 0) {
		struct fv_buf line;
		char *s;

		fv_buf_init(&line, SIZE_MAX / 2);
		for (size_t i = 0; i < ctl.opt.nargs; i++) {
			if (i > 0) {
				(void)fv_buf_putc(&line, ' ');
			}
			(void)fv_buf_puts(&line, ctl.opt.args[i]);
		}
		s = fv_buf_take(&line);
		(void)ctl_onecmd(&ctl, s);
		free(s);
		status = ctl.exit_status;
	} else {
		/* 4.2.5's shell always ends with 0. */
		status = ctl_shell(&ctl);
	}
	fflush(stdout);
	ctl_fini(&ctl);
	return status;
}
