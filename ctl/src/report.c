/*
 * Records of structured output and their JSON (report.h). The JSON of a
 * record is a flat object so that scripts read it with one lookup per
 * field: the server's own member names, plus "host", "namespec" and
 * "error".
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "ctl.h"

void
ctl_report_add(struct ctl_report *rep, const char *namespec,
    const struct xr_value *fields, const char *error)
{
	struct ctl_record *r;

	rep->v = fv_xreallocarray(rep->v, rep->n + 1, sizeof(*rep->v));
	r = &rep->v[rep->n++];
	r->namespec = namespec != NULL ? fv_xstrdup(namespec) : NULL;
	r->fields = xr_value_dup(fields);
	r->error = error != NULL ? fv_xstrdup(error) : NULL;
}

void
ctl_report_add_pid(struct ctl_report *rep, const char *namespec, int pid)
{
	struct xr_value *f = xr_struct_new();

	xr_struct_set_take(f, "pid", xr_int_new(pid));
	ctl_report_add(rep, namespec, f, NULL);
	xr_value_free(f);
}

void
ctl_report_add_text(struct ctl_report *rep, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - p) : n;
		char *line = fv_xstrndup(p, len);

		if (len > 0) {
			ctl_report_add(rep, NULL, NULL, line);
		}
		free(line);
		len += nl != NULL;
		p += len;
		n -= len;
	}
}

void
ctl_report_fini(struct ctl_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->v[i].namespec);
		xr_value_free(rep->v[i].fields);
		free(rep->v[i].error);
	}
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

static void
ctl_report_value(struct fv_json *j, const struct xr_value *v)
{
	int32_t i;
	bool b;
	double d;
	struct xr_datetime dt;
	size_t n;

	switch (xr_value_type(v)) {
	case XR_INT:
		(void)xr_int_get(v, &i);
		fv_json_int(j, i);
		break;
	case XR_BOOL:
		(void)xr_bool_get(v, &b);
		fv_json_bool(j, b);
		break;
	case XR_DOUBLE: {
		char num[64];

		/* Supervisor sends none; keep the value as text rather than
		 * teach the JSON writer floats. */
		(void)xr_double_get(v, &d);
		snprintf(num, sizeof(num), "%.17g", d);
		fv_json_str(j, num);
		break;
	}
	case XR_DATETIME: {
		char iso[32];

		(void)xr_datetime_get(v, &dt);
		snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d",
		    dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second);
		fv_json_str(j, iso);
		break;
	}
	case XR_STRING:
		fv_json_str(j, xr_string_get(v, NULL));
		break;
	case XR_BASE64: {
		const void *p = xr_base64_get(v, &n);
		char *copy = fv_xstrndup(p, n);

		fv_json_str(j, copy);
		free(copy);
		break;
	}
	case XR_ARRAY:
		fv_json_arr_begin(j);
		for (size_t k = 0; k < xr_array_len(v); k++) {
			ctl_report_value(j, xr_array_at(v, k));
		}
		fv_json_arr_end(j);
		break;
	case XR_STRUCT:
		fv_json_obj_begin(j);
		for (size_t k = 0; k < xr_struct_len(v); k++) {
			fv_json_key(j, xr_struct_name(v, k));
			ctl_report_value(j, xr_struct_at(v, k));
		}
		fv_json_obj_end(j);
		break;
	}
}

void
ctl_report_json(
    struct fv_json *j, const char *host, const struct ctl_record *rec)
{
	fv_json_obj_begin(j);
	if (host != NULL) {
		fv_json_key(j, "host");
		fv_json_str(j, host);
	}
	if (rec->namespec != NULL) {
		fv_json_key(j, "namespec");
		fv_json_str(j, rec->namespec);
	}
	for (size_t k = 0;
	     rec->fields != NULL && k < xr_struct_len(rec->fields); k++) {
		const char *name = xr_struct_name(rec->fields, k);

		/* Ours come first and are not overridden. */
		if (strcmp(name, "host") == 0 ||
		    strcmp(name, "namespec") == 0 ||
		    strcmp(name, "error") == 0) {
			continue;
		}
		fv_json_key(j, name);
		ctl_report_value(j, xr_struct_at(rec->fields, k));
	}
	if (rec->error != NULL) {
		fv_json_key(j, "error");
		fv_json_str(j, rec->error);
	}
	fv_json_obj_end(j);
}

void
ctl_report_print_begin(FILE *out)
{
	fputc('[', out);
}

void
ctl_report_print_one(
    FILE *out, bool *first, const char *host, const struct ctl_record *rec)
{
	struct fv_buf b;
	struct fv_json j;

	fv_buf_init(&b, SIZE_MAX / 2);
	fv_json_init(&j, &b);
	ctl_report_json(&j, host, rec);
	fputs(*first ? "\n" : ",\n", out);
	fwrite(b.data, 1, b.len, out);
	fv_buf_fini(&b);
	*first = false;
}

void
ctl_report_print_end(FILE *out, bool first)
{
	fputs(first ? "]\n" : "\n]\n", out);
}

int
ctl_report_run(struct ctl *ctl, const char *line, struct ctl_report *rep)
{
	struct ctl_report own = { 0 };
	FILE *saved = ctl->out, *text;
	char *buf = NULL;
	size_t len = 0;
	int code;

	if ((text = open_memstream(&buf, &len)) == NULL) {
		fv_xmalloc(SIZE_MAX); /* aborts, as every failed allocation */
	}
	ctl->out = text;
	ctl->report = &own;
	code = ctl_onecmd(ctl, line);
	ctl->report = NULL;
	ctl->out = saved;
	fclose(text);
	ctl_report_add_text(rep, buf, len);
	free(buf);
	for (size_t i = 0; i < own.n; i++) {
		rep->v = fv_xreallocarray(rep->v, rep->n + 1, sizeof(*rep->v));
		rep->v[rep->n++] = own.v[i];
	}
	free(own.v);
	return code;
}
