#ifndef FV_CTL_CMD_TAIL_H
#define FV_CTL_CMD_TAIL_H

#include "ctl.h"

/*
 * The streaming commands (cmd_tail.c): tail, maintail and fg, with
 * 4.2.5's argument checks, messages and exit codes. Each exec returns an
 * LSB code; each help prints 4.2.5's "help NAME" text.
 */
int ctl_tail_exec(struct ctl *ctl, int argc, char **argv);
void ctl_tail_help(struct ctl *ctl);
int ctl_maintail_exec(struct ctl *ctl, int argc, char **argv);
void ctl_maintail_help(struct ctl *ctl);
int ctl_fg_exec(struct ctl *ctl, int argc, char **argv);
void ctl_fg_help(struct ctl *ctl);

#endif
