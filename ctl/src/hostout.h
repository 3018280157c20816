#ifndef FV_CTL_HOSTOUT_H
#define FV_CTL_HOSTOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"
#include "ctl.h"
#include "report.h"

/*
 * How a command that ran on several hosts is printed, whoever ran it:
 * one session per server (multi.c) or one controller answering for a
 * fleet (fleet_run.c). Each host leaves what a one-server session would
 * have left: its stdout and stderr text, its records (status, avail and
 * pid in report mode) and its exit code.
 */
struct ctl_hostout {
	const char *name; /* borrowed */
	const char *out, *err; /* borrowed, not NUL-terminated */
	size_t outlen, errlen;
	const struct ctl_report *rep; /* borrowed; may be NULL */
	int code;
};

/* ctl_hostout_unmatched reports the host patterns that matched no host,
 * as text lines or JSON error records; each makes the code 1. */
int ctl_hostout_unmatched(
    struct ctl *ctl, const struct fv_strv *unmatched, bool json, bool *first);

/*
 * ctl_hostout_print prints what one host left: its records as JSON
 * (json), or its error records (table: the status rows come later in
 * ctl_hostout_table), or its text, each line after the host's name padded
 * to width; then its stderr text likewise on ctl->err.
 */
void ctl_hostout_print(struct ctl *ctl, const struct ctl_hostout *h,
    size_t width, bool json, bool table, bool *first);

/* ctl_hostout_table prints the status rows of n hosts as one table with
 * a host column width wide. */
void ctl_hostout_table(
    struct ctl *ctl, const struct ctl_hostout *h, size_t n, size_t width);

#endif
