#ifndef FV_COMMON_ERR_H
#define FV_COMMON_ERR_H

/*
 * The project's error space. Fallible functions return 0 or a negative
 * value: -1..-4095 are negated errno values (as libuv returns them), our own
 * codes live at -20000 and below. Detail for a human goes into an optional,
 * caller-owned struct fv_diag.
 */
enum fv_err {
	FV_OK = 0,
	FV_EBADCONF = -20001, /* config rejected; detail in fv_diag */
	FV_ETOOBIG = -20002, /* input exceeded a configured bound */
	FV_EPROTO = -20003, /* peer sent something malformed */
	FV_ESTATE = -20004, /* not allowed in the current state */
	FV_EUSAGE = -20005, /* bad command line; detail in fv_diag */
};

/* A caller-owned description of the last error: what and where. */
struct fv_diag {
	char msg[1024];
};

/* fv_strerror returns a static description of err; never NULL. */
const char *fv_strerror(int err);

/*
 * fv_diagf formats a message into d (when d is not NULL) and returns err,
 * so that a failing path reads `return fv_diagf(d, FV_EBADCONF, ...)`.
 */
int fv_diagf(struct fv_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
