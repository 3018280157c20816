#ifndef FV_IDENT_H
#define FV_IDENT_H

#include <sys/types.h>

/*
 * What switching to a configured uid takes, decided as 4.2.5's
 * drop_privileges() decides it, for the agent itself ([supervisord]
 * user=) and for each child (user=): the user's groups (initgroups
 * order), its primary gid, or why it cannot be done. Deciding allocates
 * and looks names up, so it happens before any fork; carrying it out is
 * three system calls, safe in a forked child.
 */
enum ident_plan {
	IDENT_KEEP, /* no user, or already that uid */
	IDENT_SWITCH, /* setgroups, setgid, setuid */
	IDENT_FAIL, /* fail_msg says why */
};

struct ident {
	enum ident_plan plan;
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* owned */
	int ngroups;
	char *fail_msg; /* owned; IDENT_FAIL: 4.2.5's words */
};

/* ident_prepare decides for uid (< 0: no user configured). */
void ident_prepare(long uid, struct ident *out);

/*
 * ident_apply carries out an IDENT_SWITCH (async-signal-safe). Returns
 * NULL, or 4.2.5's words for the step that failed.
 */
const char *ident_apply(const struct ident *id);

/*
 * ident_apply_raw is ident_apply by direct system calls, for a child that
 * still shares its parent's memory (clone with CLONE_VM): glibc's
 * setuid() would set the ids of every thread it believes it has, and those
 * are the parent's.
 */
const char *ident_apply_raw(const struct ident *id);

/* ident_fini releases what ident_prepare allocated. */
void ident_fini(struct ident *id);

#endif
