/*
 * XML-RPC structs as fleet rows (fleet_rows.h).
 */
#include "fleet_rows.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "process/proc_fsm.h"
#include "proto/fleet_codec.h"

char *
fleet_text(const char *p, size_t n)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	struct fv_buf b;

	fv_buf_init(&b, FV_PROTO_TEXT_MAX + 8);
	while (n > 0 && b.len < FV_PROTO_TEXT_MAX) {
		size_t ok = fv_str_utf8_prefix(p, n);
		const char *nul = memchr(p, '\0', ok);

		if (nul != NULL) {
			ok = (size_t)(nul - p);
		}
		if (ok > FV_PROTO_TEXT_MAX - b.len) {
			/* Cut on a character boundary. */
			ok = FV_PROTO_TEXT_MAX - b.len;
			while (
			    ok > 0 && ((unsigned char)p[ok] & 0xC0) == 0x80) {
				ok--;
			}
			(void)fv_buf_append(&b, p, ok);
			break;
		}
		(void)fv_buf_append(&b, p, ok);
		p += ok;
		n -= ok;
		if (n > 0) {
			/* An invalid byte or a NUL. */
			if (b.len + sizeof(repl) - 1 > FV_PROTO_TEXT_MAX) {
				break;
			}
			(void)fv_buf_append(&b, repl, sizeof(repl) - 1);
			p++;
			n--;
		}
	}
	return b.data != NULL ? b.data : fv_xstrdup("");
}

char *
fleet_str(const char *s)
{
	return s != NULL ? fleet_text(s, strlen(s)) : fv_xstrdup("");
}

static char *
member_str(const struct xr_value *s, const char *name)
{
	const struct xr_value *v = xr_struct_get(s, name);
	size_t n = 0;
	const char *p = v != NULL ? xr_string_get(v, &n) : NULL;

	return p != NULL ? fleet_text(p, n) : fv_xstrdup("");
}

static int32_t
member_int(const struct xr_value *s, const char *name)
{
	const struct xr_value *v = xr_struct_get(s, name);
	int32_t i = 0;
	bool b = false;

	if (v != NULL && !xr_int_get(v, &i) && xr_bool_get(v, &b)) {
		i = b;
	}
	return i;
}

Fleetvisor__V1__ProcessInfo *
fleet_procinfo_new(const struct xr_value *info)
{
	Fleetvisor__V1__ProcessInfo *p = fv_xmalloc(sizeof(*p));

	fleetvisor__v1__process_info__init(p);
	p->name = member_str(info, "name");
	p->group = member_str(info, "group");
	p->description = member_str(info, "description");
	p->start = member_int(info, "start");
	p->stop = member_int(info, "stop");
	p->now = member_int(info, "now");
	p->state = member_int(info, "state");
	p->statename = member_str(info, "statename");
	p->spawnerr = member_str(info, "spawnerr");
	p->exitstatus = member_int(info, "exitstatus");
	p->logfile = member_str(info, "logfile");
	p->stdout_logfile = member_str(info, "stdout_logfile");
	p->stderr_logfile = member_str(info, "stderr_logfile");
	p->pid = member_int(info, "pid");
	return p;
}

void
fleet_procinfo_free(Fleetvisor__V1__ProcessInfo *p)
{
	if (p == NULL) {
		return;
	}
	free(p->name);
	free(p->group);
	free(p->description);
	free(p->statename);
	free(p->spawnerr);
	free(p->logfile);
	free(p->stdout_logfile);
	free(p->stderr_logfile);
	free(p);
}

Fleetvisor__V1__ConfigInfo *
fleet_configinfo_new(const struct xr_value *ci)
{
	Fleetvisor__V1__ConfigInfo *c = fv_xmalloc(sizeof(*c));

	fleetvisor__v1__config_info__init(c);
	c->name = member_str(ci, "name");
	c->group = member_str(ci, "group");
	c->inuse = member_int(ci, "inuse") != 0;
	c->autostart = member_int(ci, "autostart") != 0;
	c->group_prio = member_int(ci, "group_prio");
	c->process_prio = member_int(ci, "process_prio");
	return c;
}

void
fleet_configinfo_free(Fleetvisor__V1__ConfigInfo *c)
{
	if (c == NULL) {
		return;
	}
	free(c->name);
	free(c->group);
	free(c);
}

void
fleet_summary_add(
    Fleetvisor__V1__ProcessSummary *s, const Fleetvisor__V1__ProcessInfo *p)
{
	switch (p->state) {
	case PROC_STOPPED:
		s->stopped++;
		break;
	case PROC_STARTING:
		s->starting++;
		break;
	case PROC_RUNNING:
		s->running++;
		break;
	case PROC_BACKOFF:
		s->backoff++;
		break;
	case PROC_STOPPING:
		s->stopping++;
		break;
	case PROC_EXITED:
		s->exited++;
		break;
	case PROC_FATAL:
		s->fatal++;
		break;
	default:
		s->unknown++;
		break;
	}
}
