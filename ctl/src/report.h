#ifndef FV_CTL_REPORT_H
#define FV_CTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/json.h"
#include "proto/xmlrpc/xr_value.h"

struct ctl;

/*
 * Structured output: what status, avail and pid found, as records rather
 * than text, for --json and for the one status table of several
 * servers. A command sees ctl->report set and adds its records there in
 * the order it would have printed them; everything else it prints (a
 * refused connection, an escaped error) stays text, which the caller
 * turns into error records.
 */
struct ctl_record {
	char *namespec; /* owned; NULL for the server itself (pid) or a
	                 * server-wide error */
	struct xr_value *fields; /* owned struct, or NULL: the server's
	                          * process or config info, or {pid} */
	char *error; /* owned; NULL unless something went wrong */
};

struct ctl_report {
	struct ctl_record *v;
	size_t n;
};

/* ctl_report_add appends a record; fields is copied, any may be NULL. */
void ctl_report_add(struct ctl_report *rep, const char *namespec,
    const struct xr_value *fields, const char *error);
/* ctl_report_add_pid appends {pid} for namespec (NULL: supervisord). */
void ctl_report_add_pid(struct ctl_report *rep, const char *namespec, int pid);
/* ctl_report_add_text appends an error record per line of n bytes at p. */
void ctl_report_add_text(struct ctl_report *rep, const char *p, size_t n);
void ctl_report_fini(struct ctl_report *rep);

/*
 * ctl_report_json writes one record as a JSON object: "host" when host
 * is not NULL, "namespec", the fields' members (XML-RPC types mapped to
 * JSON's; a dateTime as its ISO 8601 text, base64 as its bytes), and
 * "error" when set.
 */
void ctl_report_json(
    struct fv_json *j, const char *host, const struct ctl_record *rec);

/* Printing records as one JSON array on out, one record per line:
 * begin, then one call per record (first starts true), then end. */
void ctl_report_print_begin(FILE *out);
void ctl_report_print_one(
    FILE *out, bool *first, const char *host, const struct ctl_record *rec);
void ctl_report_print_end(FILE *out, bool first);

/*
 * ctl_report_run runs one command line on ctl's server in report mode:
 * the records go to rep, preceded by an error record for each line of
 * text the command printed (a refused connection, an escaped error).
 * Returns the command's exit code.
 */
int ctl_report_run(struct ctl *ctl, const char *line, struct ctl_report *rep);

#endif
