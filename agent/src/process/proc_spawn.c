/*
 * Fork and exec of a supervised child, as supervisord 4.2.5 does it. This
 * module owns the preparation of a spawn (command resolution, environment,
 * identity) and the code that runs between clone() and execve(). That
 * code runs in the agent's own memory (CLONE_VM): it must never allocate,
 * take a lock, write anything but its own stack, or call anything that is
 * not async-signal-safe or that keeps per-process state in glibc (the
 * setuid family: see ident_apply_raw). libuv's thread pool keeps running
 * meanwhile and may hold any lock.
 */
#include "process/proc_spawn.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "config/cfg_expand.h"
#include "config/cfg_shlex.h"
#include "daemon.h"

const char *
proc_errno_name(int err)
{
	const char *s = strerrorname_np(err);

	return s != NULL ? s : "EUNKNOWN";
}

/* "BEFORE 'file'AFTER", the file quoted as Python's %r does. */
static char *
proc_spawn_errf(const char *before, const char *s, const char *after)
{
	char *r = cfg_py_repr(s);
	char *m = fv_xasprintf("%s%s%s", before, r, after);

	free(r);
	return m;
}

/* 4.2.5 get_path(): supervisord's own $PATH, or a fixed default. */
static void
proc_spawn_path(char *const *env, struct fv_strv *dirs)
{
	const char *path = NULL;

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], "PATH=", 5) == 0) {
			path = env[i] + 5;
		}
	}
	if (path == NULL || *path == '\0') {
		fv_strv_push(dirs, "/bin");
		fv_strv_push(dirs, "/usr/bin");
		fv_strv_push(dirs, "/usr/local/bin");
		return;
	}
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		fv_strv_push_take(dirs, fv_xstrndup(p, n));
		if (e == NULL) {
			break;
		}
		p = e;
	}
}

/* os.path.join(dir, program) */
static char *
proc_spawn_join(const char *dir, const char *prog)
{
	size_t n = strlen(dir);

	if (n == 0) {
		return fv_xstrdup(prog);
	}
	return fv_xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", prog);
}

/* get_execv_args() and check_execv_args(). */
static int
proc_spawn_resolve(
    const char *program, char *const *env, char **filename, char **errmsg)
{
	struct stat st;
	bool found = false;

	if (strchr(program, '/') != NULL) {
		*filename = fv_xstrdup(program);
		found = stat(program, &st) == 0;
	} else {
		struct fv_strv dirs = { 0 };

		proc_spawn_path(env, &dirs);
		for (size_t i = 0; i < dirs.n && !found; i++) {
			char *cand = proc_spawn_join(dirs.v[i], program);

			if (stat(cand, &st) == 0) {
				*filename = cand;
				found = true;
			} else {
				free(cand);
			}
		}
		fv_strv_free(&dirs);
		if (!found) {
			*filename = fv_xstrdup(program);
		}
	}
	if (!found) {
		*errmsg = proc_spawn_errf("can't find command ", *filename, "");
	} else if (S_ISDIR(st.st_mode)) {
		*errmsg = proc_spawn_errf(
		    "command at ", *filename, " is a directory");
	} else if ((st.st_mode & 0111) == 0) {
		*errmsg = proc_spawn_errf(
		    "command at ", *filename, " is not executable");
	} else if (access(*filename, X_OK) != 0) {
		*errmsg = proc_spawn_errf(
		    "no permission to run command ", *filename, "");
	} else {
		return 0;
	}
	free(*filename);
	*filename = NULL;
	return -1;
}

/* One NAME=value of a child's environment, borrowed from its sources. */
struct proc_env_ent {
	const char *key;
	size_t keylen;
	const char *val;
};

/* proc_env_set is a dict assignment: a known name keeps its place. */
static void
proc_env_set(struct proc_env_ent *v, size_t *n, const char *key, size_t keylen,
    const char *val)
{
	for (size_t i = 0; i < *n; i++) {
		if (v[i].keylen == keylen &&
		    memcmp(v[i].key, key, keylen) == 0) {
			v[i].val = val;
			return;
		}
	}
	v[(*n)++] = (struct proc_env_ent){ key, keylen, val };
}

static void
proc_env_put(
    struct proc_env_ent *v, size_t *n, const char *key, const char *val)
{
	proc_env_set(v, n, key, strlen(key), val);
}

/*
 * proc_spawn_envp builds 4.2.5's environment: supervisord's own, then
 * the SUPERVISOR_* names, then the program's environment. The entries
 * borrow from their sources until the end, which copies them into one
 * block (the array, then its strings; freed with one free()): a spawn
 * storm then leaves no trail of small freed strings between the
 * long-lived allocations made at each spawn.
 */
static char **
proc_spawn_envp(const struct cfg_process *pc, const struct proc_spawn_ctx *ctx)
{
	struct proc_env_ent *v;
	/* Each assignment adds at most one entry: the environ's, four
	 * SUPERVISOR_* names, the program's and the mark. */
	size_t n = 0, max = pc->environment.n + 5, size;
	const char *url;
	char **envp, *s;

	for (size_t i = 0; ctx->environ != NULL && ctx->environ[i] != NULL;
	     i++) {
		max++;
	}
	v = fv_xreallocarray(NULL, max, sizeof(*v));
	for (size_t i = 0; ctx->environ != NULL && ctx->environ[i] != NULL;
	     i++) {
		const char *eq = strchr(ctx->environ[i], '=');

		if (eq != NULL) {
			proc_env_set(v, &n, ctx->environ[i],
			    (size_t)(eq - ctx->environ[i]), eq + 1);
		}
	}
	proc_env_put(v, &n, "SUPERVISOR_ENABLED", "1");
	url = pc->serverurl != NULL ? pc->serverurl : ctx->serverurl;
	if (url != NULL && *url != '\0') {
		proc_env_put(v, &n, "SUPERVISOR_SERVER_URL", url);
	}
	proc_env_put(v, &n, "SUPERVISOR_PROCESS_NAME", pc->name);
	if (ctx->group_name != NULL) {
		proc_env_put(v, &n, "SUPERVISOR_GROUP_NAME", ctx->group_name);
	}
	for (size_t i = 0; i < pc->environment.n; i++) {
		const struct fv_kv *kv = &pc->environment.v[i];

		proc_env_put(v, &n, kv->key, kv->val);
	}
	/* Ours, last so a program cannot unset it by configuration: how a
	 * restarted agent recognises what a killed one left running. */
	if (ctx->mark != NULL) {
		proc_env_put(v, &n, DAEMON_MARK_VAR, ctx->mark);
	}
	size = (n + 1) * sizeof(*envp);
	for (size_t i = 0; i < n; i++) {
		size += v[i].keylen + strlen(v[i].val) + 2;
	}
	envp = fv_xmalloc(size);
	s = (char *)(envp + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t vl = strlen(v[i].val);

		envp[i] = s;
		memcpy(s, v[i].key, v[i].keylen);
		s += v[i].keylen;
		*s++ = '=';
		memcpy(s, v[i].val, vl + 1);
		s += vl + 1;
	}
	envp[n] = NULL;
	free(v);
	return envp;
}

int
proc_spawn_prepare(const struct cfg_process *pc,
    const struct proc_spawn_ctx *ctx, struct proc_spawn_req *req, char **errmsg)
{
	struct fv_strv words = { 0 };
	struct fv_diag d = { "" };

	*req = (struct proc_spawn_req){
		.umask = -1, .fd_in = -1, .fd_out = -1, .fd_err = -1
	};
	*errmsg = NULL;
	if (cfg_command_split(pc->command, &words, &d) != 0) {
		char *r = cfg_py_repr(pc->command);

		*errmsg = fv_xasprintf("can't parse command %s: %s", r, d.msg);
		free(r);
		fv_strv_free(&words);
		return -1;
	}
	if (words.n == 0) {
		*errmsg = fv_xstrdup("command is empty");
		fv_strv_free(&words);
		return -1;
	}
	if (proc_spawn_resolve(
	        words.v[0], ctx->environ, &req->filename, errmsg) != 0) {
		fv_strv_free(&words);
		return -1;
	}
	req->argv = fv_xreallocarray(NULL, words.n + 1, sizeof(char *));
	for (size_t i = 0; i < words.n; i++) {
		req->argv[i] = words.v[i];
	}
	req->argv[words.n] = NULL;
	free(words.v);
	req->envp = proc_spawn_envp(pc, ctx);
	req->directory =
	    pc->directory != NULL ? fv_xstrdup(pc->directory) : NULL;
	req->umask = pc->umask >= 0 ? (int)pc->umask : -1;
	req->parent = getpid();
	req->cfg_uid = pc->uid;
	ident_prepare(pc->uid, &req->ident);
	return 0;
}

static void
proc_spawn_strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		free(v[i]);
	}
	free(v);
}

void
proc_spawn_req_fini(struct proc_spawn_req *req)
{
	free(req->filename);
	proc_spawn_strv_free(req->argv);
	free(req->envp); /* one block with its strings */
	free(req->directory);
	ident_fini(&req->ident);
	*req = (struct proc_spawn_req){
		.umask = -1, .fd_in = -1, .fd_out = -1, .fd_err = -1
	};
}

/*
 * The child side. Only async-signal-safe calls from here on: strlen and
 * memcpy into a stack buffer, write, dup2, and friends.
 *
 * The functions that end in _exit or execve are not instrumented by
 * AddressSanitizer: before a call that does not return it checks the
 * stack pointer against the thread's stack, and the child runs on a
 * stack of its own (proc_child_stack_top), so it would print a warning
 * into the program's stderr log.
 */
#define PROC_CHILD_NOASAN __attribute__((no_sanitize("address")))
struct proc_child_msg {
	char buf[1024];
	size_t len;
};

static void
proc_child_add(struct proc_child_msg *m, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(m->buf) - 1 - m->len) {
		n = sizeof(m->buf) - 1 - m->len;
	}
	memcpy(m->buf + m->len, s, n);
	m->len += n;
}

static void
proc_child_ltoa(long v, char *out, size_t outsz)
{
	char tmp[24];
	size_t i = 0, j = 0;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && i < sizeof(tmp));
	if (v < 0 && j < outsz - 1) {
		out[j++] = '-';
	}
	while (i > 0 && j < outsz - 1) {
		out[j++] = tmp[--i];
	}
	out[j] = '\0';
}

static void
proc_child_write(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Report "couldn't ..." on stderr (the process's stderr log, as 4.2.5) and
 * through the error pipe, then exit 127 as 4.2.5's finally clause does. */
PROC_CHILD_NOASAN __attribute__((noreturn)) static void
proc_child_fail(int errfd, struct proc_child_msg *m)
{
	static const char tail[] =
	    "supervisor: child process was not spawned\n";

	proc_child_write(2, "supervisor: ", 12);
	proc_child_write(2, m->buf, m->len);
	proc_child_write(errfd, m->buf, m->len);
	proc_child_write(2, tail, sizeof(tail) - 1);
	_exit(127);
}

PROC_CHILD_NOASAN __attribute__((noreturn)) static void
proc_child_run(const struct proc_spawn_req *req, int errfd)
{
	struct proc_child_msg m = { .len = 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char num[24];
	sigset_t none;
	int in = req->fd_in, out = req->fd_out;
	int err = req->fd_err >= 0 ? req->fd_err : req->fd_out;

	/* Handlers installed by libuv must not run here: they would write
	 * into the parent's signal pipe. Back to defaults, then unblock.
	 * SIGPIPE and SIGXFSZ stay ignored: a Python supervisord ignores
	 * them and its children inherit that (seen in /proc/PID/status of
	 * 4.2.5's children), so programs behave the same under us. */
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP) {
			continue;
		}
		sigaction(
		    sig, sig == SIGPIPE || sig == SIGXFSZ ? &ign : &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* setpgrp(): signals sent to supervisord's group (a Ctrl-C in
	 * the foreground) do not reach the children. */
	setpgid(0, 0);

	if (in >= 0 && in != 0) {
		dup2(in, 0);
	}
	if (out != 1) {
		dup2(out, 1);
	}
	if (err != 2) {
		dup2(err, 2);
	}
	if (errfd != 3) {
		dup2(errfd, 3);
		errfd = 3;
	}
	fcntl(errfd, F_SETFD, FD_CLOEXEC);
	if (in >= 0) {
		fcntl(0, F_SETFD, 0);
	}
	fcntl(1, F_SETFD, 0);
	fcntl(2, F_SETFD, 0);
	close_range(4, ~0U, 0);

	if (req->ident.plan != IDENT_KEEP) {
		const char *why = req->ident.plan == IDENT_SWITCH
		    ? ident_apply_raw(&req->ident)
		    : req->ident.fail_msg;

		if (why != NULL) {
			proc_child_ltoa(req->cfg_uid, num, sizeof(num));
			proc_child_add(&m, "couldn't setuid to ");
			proc_child_add(&m, num);
			proc_child_add(&m, ": ");
			proc_child_add(&m, why);
			proc_child_add(&m, "\n");
			proc_child_fail(errfd, &m);
		}
	}
	/* If the agent is killed outright, its children die with it, so a
	 * restarted agent never finds a second copy of a program running
	 * (4.2.5 leaves them orphaned; RELIABILITY C12). Set after the
	 * identity switch, which clears it; checking the parent afterwards
	 * closes the race with an agent that died before the prctl. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != req->parent) {
		_exit(127);
	}
	if (req->directory != NULL && chdir(req->directory) != 0) {
		proc_child_add(&m, "couldn't chdir to ");
		proc_child_add(&m, req->directory);
		proc_child_add(&m, ": ");
		proc_child_add(&m, proc_errno_name(errno));
		proc_child_add(&m, "\n");
		proc_child_fail(errfd, &m);
	}
	if (req->umask >= 0) {
		umask((mode_t)req->umask);
	}
	execve(req->filename, req->argv, req->envp);
	proc_child_add(&m, "couldn't exec ");
	proc_child_add(&m, req->argv[0]);
	proc_child_add(&m, ": ");
	proc_child_add(&m, proc_errno_name(errno));
	proc_child_add(&m, "\n");
	proc_child_fail(errfd, &m);
}

/* What the child needs, on the parent's stack. */
struct proc_child_arg {
	const struct proc_spawn_req *req;
	int errfd; /* the write end of the status pipe */
	int closefd; /* the read end, the parent's */
};

PROC_CHILD_NOASAN static int
proc_child_main(void *arg)
{
	const struct proc_child_arg *a = arg;

	close(a->closefd);
	proc_child_run(a->req, a->errfd);
}

/* The child's own stack, one for all spawns: only the loop thread spawns,
 * one child at a time, and the parent waits while the child uses it. A
 * guard page below it turns an overflow into a crash of the child. */
#define PROC_CHILD_STACK (64 * 1024)

static char *
proc_child_stack_top(void)
{
	static char *top;
	long page = sysconf(_SC_PAGESIZE);
	char *base;

	if (top != NULL) {
		return top;
	}
	base =
	    mmap(NULL, PROC_CHILD_STACK + (size_t)page, PROT_READ | PROT_WRITE,
	        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED) {
		return NULL;
	}
	mprotect(base, (size_t)page, PROT_NONE);
	top = base + PROC_CHILD_STACK + page;
	return top;
}

pid_t
proc_spawn_fork(const struct proc_spawn_req *req, int *status_fd)
{
	struct proc_child_arg arg = { .req = req };
	sigset_t all, old;
	char *stack = proc_child_stack_top();
	int ep[2];
	pid_t pid;

	*status_fd = -1;
	if (stack == NULL) {
		return -ENOMEM;
	}
	/* Non-blocking for the loop's watcher; the child writes at most
	 * one short message into the empty pipe, so it never blocks. */
	if (pipe2(ep, O_CLOEXEC | O_NONBLOCK) != 0) {
		return -errno;
	}
	arg.errfd = ep[1];
	arg.closefd = ep[0];
	/* CLONE_VM | CLONE_VFORK, as posix_spawn: the child borrows our
	 * memory until its execve (or exit) instead of a copy of our page
	 * tables, which fork() makes and execve() throws away again, at a
	 * cost that grows with the agent. We are suspended meanwhile, which
	 * is short: the child makes only system calls before execve. Signals
	 * stay blocked until the child has reset its handlers. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(
	    proc_child_main, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &arg);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(ep[1]);
	if (pid < 0) {
		int e = errno;

		close(ep[0]);
		return -e;
	}
	*status_fd = ep[0];
	return pid;
}
