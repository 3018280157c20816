#ifndef FV_CTL_OPTIONS_H
#define FV_CTL_OPTIONS_H

#include <stdbool.h>

#include "common/err.h"
#include "ctl.h"

/*
 * fleetvisorctl's command line and [supervisorctl] settings, read as
 * 4.2.5's ClientOptions reads them.
 */

/* ctl_usage_doc is the text "-h" prints; "%s" stands for the program. */
extern const char ctl_usage_doc[];

/*
 * ctl_options_parse fills opt (zeroed first; release with
 * ctl_options_fini) from argv[1..argc-1] and the config file: -c, else
 * the first of 4.2.5's search paths that exists, else none. On "-h" it
 * sets *help and returns 0 at once, as 4.2.5 prints help before reading
 * anything else. FV_EUSAGE: *errmsg (new string) holds 4.2.5's usage
 * message without the "Error: " prefix. FV_EBADCONF: the file does not
 * parse (4.2.5 dies with a traceback there); *errmsg says why.
 */
int ctl_options_parse(struct ctl_options *opt, int argc, char *const argv[],
    bool *help, char **errmsg);
void ctl_options_fini(struct ctl_options *opt);

/*
 * ctl_url_valid is 4.2.5's datatypes.url: a scheme and a network
 * location or a path, as urlparse splits them.
 */
bool ctl_url_valid(const char *url);
/* ctl_url_scheme copies url's scheme, lower-cased, into buf ("" when it
 * has none), as urlparse finds it. */
void ctl_url_scheme(const char *url, char *buf, size_t size);

#endif
