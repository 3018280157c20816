/*
 * Printing one command's results from several hosts (hostout.h): the
 * host column, the one status table, JSON records with "host". Shared by
 * the several-server mode and the controller mode so that both print the
 * same bytes for the same results; nothing here talks to a server.
 */
#include "hostout.h"

#include <string.h>

#include "cmd.h"

int
ctl_hostout_unmatched(
    struct ctl *ctl, const struct fv_strv *unmatched, bool json, bool *first)
{
	int code = 0;

	for (size_t u = 0; u < unmatched->n; u++) {
		if (json) {
			char why[] = "no such host";
			struct ctl_record rec = { .error = why };

			ctl_report_print_one(
			    ctl->out, first, unmatched->v[u], &rec);
		} else {
			ctl_out(
			    ctl, "%s: ERROR (no such host)", unmatched->v[u]);
		}
		code = CTL_EXIT_GENERIC;
	}
	return code;
}

/* ctl_hostout_lines prints each line of n bytes at p on out after name
 * in the host column. */
static void
ctl_hostout_lines(
    FILE *out, const char *name, size_t width, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - p) : n;

		if (len == 0) {
			fprintf(out, "%s\n", name);
		} else {
			ctl_print_padded(out, name, width + 2);
			fwrite(p, 1, len, out);
			fputc('\n', out);
		}
		len += nl != NULL;
		p += len;
		n -= len;
	}
	fflush(out);
}

/* ctl_hostout_errors prints what one host's report holds that is not a
 * status row: its errors, after its name. */
static void
ctl_hostout_errors(struct ctl *ctl, const struct ctl_hostout *h, size_t width)
{
	for (size_t k = 0; h->rep != NULL && k < h->rep->n; k++) {
		const struct ctl_record *rec = &h->rep->v[k];

		if (rec->error == NULL) {
			continue;
		}
		ctl_print_padded(ctl->out, h->name, width + 2);
		if (rec->namespec != NULL) {
			fprintf(ctl->out, "%s: ERROR (%s)\n", rec->namespec,
			    rec->error);
		} else {
			fprintf(ctl->out, "%s\n", rec->error);
		}
	}
}

void
ctl_hostout_print(struct ctl *ctl, const struct ctl_hostout *h, size_t width,
    bool json, bool table, bool *first)
{
	if (json) {
		for (size_t k = 0; h->rep != NULL && k < h->rep->n; k++) {
			ctl_report_print_one(
			    ctl->out, first, h->name, &h->rep->v[k]);
		}
	} else if (table) {
		ctl_hostout_errors(ctl, h, width);
	} else {
		ctl_hostout_lines(ctl->out, h->name, width, h->out, h->outlen);
	}
	ctl_hostout_lines(ctl->err, h->name, width, h->err, h->errlen);
}

void
ctl_hostout_table(
    struct ctl *ctl, const struct ctl_hostout *h, size_t n, size_t width)
{
	size_t namew = 30;

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; h[i].rep != NULL && k < h[i].rep->n; k++) {
			const struct ctl_record *rec = &h[i].rep->v[k];
			size_t chars = 0;

			if (rec->fields == NULL || rec->namespec == NULL) {
				continue;
			}
			for (const char *p = rec->namespec; *p != '\0'; p++) {
				chars += ((unsigned char)*p & 0xc0) != 0x80;
			}
			namew = chars > namew ? chars : namew;
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; h[i].rep != NULL && k < h[i].rep->n; k++) {
			const struct ctl_record *rec = &h[i].rep->v[k];

			if (rec->fields == NULL || rec->namespec == NULL) {
				continue;
			}
			ctl_print_padded(ctl->out, h[i].name, width + 2);
			ctl_print_padded(ctl->out, rec->namespec, namew + 3);
			ctl_print_padded(
			    ctl->out, ctl_str(rec->fields, "statename"), 10);
			fputs(ctl_str(rec->fields, "description"), ctl->out);
			fputc('\n', ctl->out);
		}
	}
}
