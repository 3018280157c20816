/*
 * Error codes and human diagnostics. This module only formats: it never
 * logs or exits, so callers decide where an error is reported.
 */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

#include <uv.h>

const char *
fv_strerror(int err)
{
	switch (err) {
	case FV_OK:
		return "success";
	case FV_EBADCONF:
		return "invalid configuration";
	case FV_ETOOBIG:
		return "input exceeds a configured limit";
	case FV_EPROTO:
		return "protocol error";
	case FV_ESTATE:
		return "not allowed in the current state";
	case FV_EUSAGE:
		return "invalid command line";
	default:
		break;
	}
	if (err < 0 && err > -4096) {
		return uv_strerror(err);
	}
	return "unknown error";
}

int
fv_diagf(struct fv_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}
