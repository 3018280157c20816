#ifndef FV_CTL_CMD_MTAIL_H
#define FV_CTL_CMD_MTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/buf.h"

/*
 * The lines of one followed log, as mtail prints them: each whole line
 * after the log's label, padded to width, and " | ". A line not yet ended
 * waits in partial; one longer than 64 KiB goes out in pieces.
 */
struct ctl_lines {
	char *label; /* owned */
	size_t width;
	struct fv_buf partial;
};

void ctl_lines_init(struct ctl_lines *l, const char *label, size_t width);
/* ctl_lines_feed prints every line that n bytes at p complete; false
 * when out can no longer be written (a closed pipe). */
bool ctl_lines_feed(struct ctl_lines *l, FILE *out, const char *p, size_t n);
/* ctl_lines_flush prints the partial line, if any, as a line. */
void ctl_lines_flush(struct ctl_lines *l, FILE *out);
void ctl_lines_fini(struct ctl_lines *l);

#endif
