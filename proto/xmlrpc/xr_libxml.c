/*
 * Loading libxml2 at its first use (xr_libxml.h). dlopen, once, under
 * pthread_once: fleetvisorctl parses answers from several threads.
 */
#include "proto/xmlrpc/xr_libxml.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The soname Debian's libxml2 package installs (ABI 2). */
#define XR_LIBXML_SONAME "libxml2.so.2"

struct xr_libxml xr_xml;

static pthread_once_t xr_libxml_once = PTHREAD_ONCE_INIT;
static char xr_libxml_error[200]; /* empty once loaded */

/* One symbol into *slot; false, with the reason kept, when it is not. */
static bool
xr_libxml_sym(void *lib, const char *name, void **slot)
{
	*slot = dlsym(lib, name);
	if (*slot == NULL) {
		snprintf(xr_libxml_error, sizeof(xr_libxml_error),
		    "%s has no %s", XR_LIBXML_SONAME, name);
		return false;
	}
	return true;
}

static void
xr_libxml_open(void)
{
	struct xr_libxml t;
	void *lib = dlopen(XR_LIBXML_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (lib == NULL) {
		why = dlerror();
		snprintf(xr_libxml_error, sizeof(xr_libxml_error),
		    "cannot load %s: %s", XR_LIBXML_SONAME,
		    why != NULL ? why : "unknown error");
		return;
	}
	/* A function pointer read through void ** is how POSIX dlsym is
	 * meant to be used (see its rationale). */
#define XR_SYM(f) xr_libxml_sym(lib, "xml" #f, (void **)&t.f)
	if (!XR_SYM(InitParser) || !XR_SYM(NewParserCtxt) ||
	    !XR_SYM(CtxtReadMemory) || !XR_SYM(CtxtGetLastError) ||
	    !XR_SYM(StopParser) || !XR_SYM(FreeDoc) ||
	    !XR_SYM(FreeParserCtxt) || !XR_SYM(DictSize) ||
	    !XR_SYM(DocGetRootElement) || !XR_SYM(GetLineNo)) {
		return; /* the library stays loaded; it is never used */
	}
#undef XR_SYM
	t.InitParser();
	xr_xml = t;
	xr_libxml_error[0] = '\0';
}

int
xr_libxml_load(struct fv_diag *d)
{
	if (pthread_once(&xr_libxml_once, xr_libxml_open) != 0) {
		return fv_diagf(d, -EAGAIN, "cannot load %s", XR_LIBXML_SONAME);
	}
	if (xr_xml.InitParser == NULL) {
		return fv_diagf(d, -ENOENT, "%s", xr_libxml_error);
	}
	return 0;
}
