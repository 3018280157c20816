#ifndef FV_CTL_SHELL_H
#define FV_CTL_SHELL_H

#include "common/str.h"
#include "proto/xmlrpc/xr_value.h"

/*
 * The parts of the shell (shell.c) that other files and the unit tests
 * reach: 4.2.5's completion word lists.
 */

/* A source of getAllProcessInfo for completion, asked at most once per
 * completion and only when the word needs process or group names; NULL
 * when the server could not answer (completion then offers nothing). */
typedef const struct xr_value *ctl_complete_info_fn(void *arg);

/*
 * ctl_complete_words appends to out what 4.2.5's Controller.complete
 * offers for text (the word before the cursor) on line (the whole line):
 * command names, group names (add, remove, update) or process names and
 * group:* (clear, fg, pid, restart, signal, start, status, stop, tail),
 * each ending in a space, in 4.2.5's order, duplicates kept.
 */
void ctl_complete_words(const char *line, const char *text,
    ctl_complete_info_fn *info, void *arg, struct fv_strv *out);

#endif
