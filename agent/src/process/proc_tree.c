/*
 * Process-tree snapshots from /proc. Owns only its array; reads /proc and
 * sends signals, nothing else. A snapshot is a few hundred small reads, so
 * it is taken only when a program is being stopped.
 */
#include "process/proc_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

/* ppid and start time of pid from /proc/PID/stat; -1 when gone. */
static int
proc_tree_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return -1;
	}
	buf[n] = '\0';
	/* The command name may hold anything, ')' included: the fields
	 * start after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL) {
		return -1;
	}
	p++;
	for (field = 3; field <= 22 && p != NULL; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL) {
			return -1;
		}
		if (field == 3) {
			/* p points at the space before field 4 (ppid). */
			*ppid = (pid_t)strtol(p + 1, NULL, 10);
		} else if (field == 21) {
			*start = strtoull(p + 1, NULL, 10);
		}
	}
	return 0;
}

struct proc_tree_row {
	pid_t pid, ppid;
	unsigned long long start;
};

static void
proc_tree_add(struct proc_tree *t, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].pid == pid && t->v[i].starttime == start) {
			return;
		}
	}
	t->v = fv_xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = (struct proc_tree_ent){ pid, start };
}

/* Every process's ppid from a full /proc scan, for kernels without
 * /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN). */
static void
proc_tree_scan_all(pid_t root, struct proc_tree *t)
{
	struct proc_tree_row *rows = NULL;
	size_t nrows = 0, cap = 0;
	DIR *dp = opendir("/proc");
	struct dirent *de;
	bool grew = true;
	pid_t *set;
	size_t nset = 1;

	if (dp == NULL) {
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		struct proc_tree_row r;

		if (*end != '\0' || v <= 0) {
			continue;
		}
		r.pid = (pid_t)v;
		if (proc_tree_stat(r.pid, &r.ppid, &r.start) != 0) {
			continue;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 256;
			rows = fv_xreallocarray(rows, cap, sizeof(*rows));
		}
		rows[nrows++] = r;
	}
	closedir(dp);
	/* The closure of "parent is in the set", from root down. */
	set = fv_xreallocarray(NULL, nrows + 1, sizeof(*set));
	set[0] = root;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < nrows; i++) {
			bool parent_in = false, self_in = false;

			for (size_t j = 0; j < nset; j++) {
				parent_in |= set[j] == rows[i].ppid;
				self_in |= set[j] == rows[i].pid;
			}
			if (parent_in && !self_in) {
				set[nset++] = rows[i].pid;
				proc_tree_add(t, rows[i].pid, rows[i].start);
				grew = true;
			}
		}
	}
	free(set);
	free(rows);
}

/* The children of every thread of pid; -1 when the kernel lacks them. */
static int
proc_tree_children(pid_t pid, struct proc_tree *t, size_t depth)
{
	char path[64], buf[4096];
	DIR *dp;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dp = opendir(path)) == NULL) {
		return 0; /* gone meanwhile */
	}
	while ((de = readdir(dp)) != NULL) {
		char cpath[320];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children",
		    (int)pid, de->d_name);
		if ((fd = open(cpath, O_RDONLY | O_CLOEXEC)) < 0) {
			if (errno == ENOENT && depth == 0) {
				closedir(dp);
				return -1;
			}
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		for (char *q = buf, *e; *q != '\0'; q = e) {
			long v = strtol(q, &e, 10);
			pid_t ppid;
			unsigned long long start;

			if (e == q) {
				break;
			}
			if (v <= 0 ||
			    proc_tree_stat((pid_t)v, &ppid, &start) != 0) {
				continue;
			}
			proc_tree_add(t, (pid_t)v, start);
			/* A depth bound keeps a deep fork chain from
			 * recursing us out of stack. */
			if (depth < 64) {
				proc_tree_children((pid_t)v, t, depth + 1);
			}
		}
	}
	closedir(dp);
	return 0;
}

/* Only the program's own tree is read (its children files), not every
 * process on the host: stopping 300 programs stays cheap. */
void
proc_tree_snapshot(pid_t root, struct proc_tree *t)
{
	if (proc_tree_children(root, t, 0) != 0) {
		proc_tree_scan_all(root, t);
	}
}

size_t
proc_tree_kill(const struct proc_tree *t, int sig)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		pid_t ppid;
		unsigned long long start;

		if (proc_tree_stat(t->v[i].pid, &ppid, &start) != 0 ||
		    start != t->v[i].starttime) {
			continue; /* gone, or the pid now names another */
		}
		if (kill(t->v[i].pid, sig) == 0) {
			n++;
		}
	}
	return n;
}

void
proc_tree_clear(struct proc_tree *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
