/* See ident.h. */
#include "ident.h"

#include <sys/syscall.h>

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/xalloc.h"

void
ident_prepare(long uid, struct ident *out)
{
	struct passwd *pw;
	int n = 16;

	*out = (struct ident){ .plan = IDENT_KEEP };
	if (uid < 0) {
		return;
	}
	if ((pw = getpwuid((uid_t)uid)) == NULL) {
		out->plan = IDENT_FAIL;
		out->fail_msg = fv_xasprintf("Can't find uid %ld", uid);
		return;
	}
	if (getuid() == (uid_t)uid) {
		return;
	}
	if (getuid() != 0) {
		out->plan = IDENT_FAIL;
		out->fail_msg =
		    fv_xstrdup("Can't drop privilege as nonroot user");
		return;
	}
	out->plan = IDENT_SWITCH;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	/* initgroups(): the primary gid first, then every group that lists
	 * the user, as 4.2.5 builds its setgroups() list. */
	out->groups = fv_xreallocarray(NULL, (size_t)n, sizeof(gid_t));
	while (getgrouplist(pw->pw_name, pw->pw_gid, out->groups, &n) < 0) {
		out->groups =
		    fv_xreallocarray(out->groups, (size_t)n, sizeof(gid_t));
	}
	out->ngroups = n;
}

const char *
ident_apply(const struct ident *id)
{
	if (setgroups((size_t)id->ngroups, id->groups) != 0) {
		return "Could not set groups of effective user";
	}
	if (setgid(id->gid) != 0) {
		return "Could not set group id of effective user";
	}
	if (setuid(id->uid) != 0) {
		return "Could not set user id of effective user";
	}
	return NULL;
}

const char *
ident_apply_raw(const struct ident *id)
{
	if (syscall(SYS_setgroups, (size_t)id->ngroups, id->groups) != 0) {
		return "Could not set groups of effective user";
	}
	if (syscall(SYS_setgid, id->gid) != 0) {
		return "Could not set group id of effective user";
	}
	if (syscall(SYS_setuid, id->uid) != 0) {
		return "Could not set user id of effective user";
	}
	return NULL;
}

void
ident_fini(struct ident *id)
{
	free(id->groups);
	free(id->fail_msg);
	*id = (struct ident){ .plan = IDENT_KEEP };
}
