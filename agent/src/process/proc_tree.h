#ifndef FV_PROCESS_PROC_TREE_H
#define FV_PROCESS_PROC_TREE_H

#include <sys/types.h>

#include <stddef.h>

/*
 * The descendants of a child, as /proc shows them at one moment: what the
 * agent kills when a stopped program's main process is gone, so that a
 * stop leaves no live process from the program's tree (RELIABILITY G3),
 * including grandchildren that left the process group with setsid().
 * Each entry keeps its start time, so a pid that was reused since the
 * snapshot is never signalled (C8).
 */

struct proc_tree_ent {
	pid_t pid;
	unsigned long long starttime; /* field 22 of /proc/PID/stat */
};

struct proc_tree {
	struct proc_tree_ent *v;
	size_t n;
};

/* proc_tree_snapshot adds every live descendant of root to t (merging
 * with what t already holds). */
void proc_tree_snapshot(pid_t root, struct proc_tree *t);

/* proc_tree_kill sends sig to every entry still alive with the same start
 * time and returns how many were signalled. */
size_t proc_tree_kill(const struct proc_tree *t, int sig);

/* proc_tree_clear empties t. */
void proc_tree_clear(struct proc_tree *t);

#endif
