/*
 * The session of fleetvisorctl: its loop and server, the calls the
 * commands make, 4.2.5's upcheck, and the errors that 4.2.5 lets escape
 * a command as Python exceptions. Those are recorded as the exact line
 * 4.2.5's onecmd prints for them (class, message, and the file and line
 * of Debian's Python 3.11 where they are raised), because users see and
 * match that line. Printing them is ctl_onecmd's business, not ours.
 */
#include "ctl.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "config/cfg_expand.h"
#include "fleet_run.h"
#include "multi.h"

/* Where 4.2.5 on Debian 12 raises what escapes a command. */
#define CTL_PY_SOCKET   "/usr/lib/python3.11/socket.py"
#define CTL_PY_CLIENT   "/usr/lib/python3.11/xmlrpc/client.py"
#define CTL_PY_SVXMLRPC "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py"

static bool
ctl_is_fleet_url(const char *url)
{
	return strncmp(url, "tcp://", 6) == 0 ||
	    strncmp(url, "tls+tcp://", 10) == 0 ||
	    strncmp(url, "ipc://", 6) == 0;
}

int
ctl_init(struct ctl *ctl, struct ctl_options *opt, FILE *out, FILE *err)
{
	int rv;

	memset(ctl, 0, sizeof(*ctl));
	ctl->opt = *opt;
	memset(opt, 0, sizeof(*opt));
	ctl->out = out;
	ctl->err = err;
	ctl->interactive = ctl->opt.interactive;
	if ((rv = uv_loop_init(&ctl->loop)) != 0) {
		return rv;
	}
	ctl_set_server(ctl, ctl->opt.serverurl);
	for (size_t i = 0;
	     ctl->opt.serverurls.n > 1 && i < ctl->opt.serverurls.n; i++) {
		if (ctl_is_fleet_url(ctl->opt.serverurls.v[i])) {
			/* A controller already speaks for many hosts. */
			ctl_set_server(ctl, ctl->opt.serverurls.v[i]);
			ctl_fleet_close(ctl->fleet);
			ctl->fleet = NULL;
			free(ctl->server_error);
			ctl->server_error = fv_xstrdup(
			    "a controller URL cannot be combined with "
			    "other servers (give one -s)");
			return 0;
		}
	}
	if (ctl->opt.serverurls.n > 1) {
		ctl_multi_init(ctl, &ctl->opt.serverurls);
	}
	return 0;
}

void
ctl_fini(struct ctl *ctl)
{
	ctl_multi_fini(ctl);
	ctl_server_free(ctl->server);
	ctl->server = NULL;
	ctl_fleet_close(ctl->fleet);
	ctl->fleet = NULL;
	/* Let closing handles run their callbacks before the loop goes. */
	uv_run(&ctl->loop, UV_RUN_NOWAIT);
	(void)uv_loop_close(&ctl->loop);
	free(ctl->server_error);
	free(ctl->raised);
	ctl->server_error = ctl->raised = NULL;
	/* ctl_options_fini's body, so that ctl.c needs no options.h. */
	free(ctl->opt.configfile);
	free(ctl->opt.serverurl);
	fv_strv_free(&ctl->opt.serverurls);
	free(ctl->opt.username);
	free(ctl->opt.password);
	free(ctl->opt.prompt);
	free(ctl->opt.history_file);
	free(ctl->opt.labels);
	free(ctl->opt.tls_ca);
	free(ctl->opt.tls_cert);
	free(ctl->opt.tls_key);
	for (size_t i = 0; i < ctl->opt.nargs; i++) {
		free(ctl->opt.args[i]);
	}
	free(ctl->opt.args);
	memset(&ctl->opt, 0, sizeof(ctl->opt));
}

void
ctl_set_server(struct ctl *ctl, const char *url)
{
	struct fv_diag d = { { 0 } };
	/* url may be ctl->opt.serverurl itself, which is replaced. */
	char *copy = fv_xstrdup(url);

	/* "open" in a session of several servers leaves it with one. */
	ctl_multi_fini(ctl);
	ctl_server_free(ctl->server);
	ctl->server = NULL;
	ctl_fleet_close(ctl->fleet);
	ctl->fleet = NULL;
	ctl->fleet_mode = false;
	free(ctl->server_error);
	ctl->server_error = NULL;
	free(ctl->opt.serverurl);
	ctl->opt.serverurl = copy;
	ctl->upchecked = false;
	/* A controller's URL: the fleet through it (fleet_run.c). */
	if (ctl_is_fleet_url(copy)) {
		ctl_fleet_attach(ctl, copy);
		return;
	}
	/* 4.2.5 builds its transport at each call and fails there. */
	if (strncmp(copy, "http://", 7) != 0 &&
	    strncmp(copy, "unix://", 7) != 0) {
		ctl->server_error =
		    fv_xasprintf("Unknown protocol for serverurl %s", copy);
		return;
	}
	if (ctl_server_new(&ctl->loop, copy, ctl->opt.username,
	        ctl->opt.password, &ctl->server, &d) != 0) {
		ctl->server = NULL;
		ctl->server_error = fv_xstrdup(d.msg);
	}
}

int
ctl_raisef(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		fv_xmalloc(SIZE_MAX); /* aborts, as every failed allocation */
	}
	va_end(ap);
	free(ctl->raised);
	ctl->raised = line;
	ctl->raised_http = 0;
	return CTL_RAISED;
}

int
ctl_raise_fault(struct ctl *ctl, const struct ctl_result *r)
{
	char *repr =
	    cfg_py_repr(r->fault_string != NULL ? r->fault_string : "");

	ctl_raisef(ctl,
	    "error: <class 'xmlrpc.client.Fault'>, <Fault %d: %s>: file: "
	    "%s line: 668",
	    r->fault_code, repr, CTL_PY_CLIENT);
	free(repr);
	return CTL_RAISED;
}

/* The reason phrases supervisord's medusa server sends. */
static const char *
ctl_http_reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 411:
		return "Length Required";
	case 413:
		return "Request Entity Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

/* Python's exception class for an OSError errno. */
static const char *
ctl_py_errclass(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "ConnectionRefusedError";
	case ENOENT:
		return "FileNotFoundError";
	case ENOTDIR:
		return "NotADirectoryError";
	case EACCES:
	case EPERM:
		return "PermissionError";
	case ECONNRESET:
		return "ConnectionResetError";
	case ECONNABORTED:
		return "ConnectionAbortedError";
	case EPIPE:
	case ESHUTDOWN:
		return "BrokenPipeError";
	case ETIMEDOUT:
		return "TimeoutError";
	default:
		return "OSError";
	}
}

/* libuv's getaddrinfo errors and glibc's, which Python shows. */
static int
ctl_gai_code(int uverr)
{
	static const struct {
		int uv, gai;
	} map[] = {
		{ UV_EAI_ADDRFAMILY, EAI_ADDRFAMILY },
		{ UV_EAI_AGAIN, EAI_AGAIN },
		{ UV_EAI_BADFLAGS, EAI_BADFLAGS },
		{ UV_EAI_FAIL, EAI_FAIL },
		{ UV_EAI_FAMILY, EAI_FAMILY },
		{ UV_EAI_MEMORY, EAI_MEMORY },
		{ UV_EAI_NODATA, EAI_NODATA },
		{ UV_EAI_NONAME, EAI_NONAME },
		{ UV_EAI_OVERFLOW, EAI_OVERFLOW },
		{ UV_EAI_SERVICE, EAI_SERVICE },
		{ UV_EAI_SOCKTYPE, EAI_SOCKTYPE },
	};

	for (size_t i = 0; i < nitems(map); i++) {
		if (map[i].uv == uverr) {
			return map[i].gai;
		}
	}
	return 0;
}

/*
 * ctl_raise_net records a socket error the way Python raises it: from
 * connect() in supervisor's UNIX transport, from socket.create_connection
 * for TCP, or from reading the response.
 */
static int
ctl_raise_net(struct ctl *ctl, const struct ctl_result *r)
{
	bool unix_url = strncmp(ctl->opt.serverurl, "unix://", 7) == 0;
	int e = -r->err, gai = ctl_gai_code(r->err);

	if (gai != 0) {
		return ctl_raisef(ctl,
		    "error: <class 'socket.gaierror'>, [Errno %d] %s: file: %s "
		    "line: 962",
		    gai, gai_strerror(gai), CTL_PY_SOCKET);
	}
	if (r->err == UV_EOF) {
		return ctl_raisef(ctl,
		    "error: <class 'http.client.RemoteDisconnected'>, Remote "
		    "end closed connection without response: file: "
		    "/usr/lib/python3.11/http/client.py line: 287");
	}
	if (e == ECONNRESET || e == EPIPE) {
		return ctl_raisef(ctl,
		    "error: <class '%s'>, [Errno %d] %s: file: %s line: 706",
		    ctl_py_errclass(e), e, strerror(e), CTL_PY_SOCKET);
	}
	if (e <= 0 || e >= 4096) {
		return ctl_raisef(ctl,
		    "error: <class 'OSError'>, %s: file: %s "
		    "line: 836",
		    r->msg != NULL ? r->msg : "unknown error", CTL_PY_SOCKET);
	}
	return ctl_raisef(ctl,
	    "error: <class '%s'>, [Errno %d] %s: file: %s "
	    "line: %d",
	    ctl_py_errclass(e), e, strerror(e),
	    unix_url ? CTL_PY_SVXMLRPC : CTL_PY_SOCKET, unix_url ? 557 : 836);
}

static int
ctl_raise_http(struct ctl *ctl, const struct ctl_result *r)
{
	/* xmlrpclib's ServerProxy is always built on http://127.0.0.1. */
	ctl_raisef(ctl,
	    "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for "
	    "127.0.0.1/RPC2: %d %s>: file: %s line: 539",
	    r->http_status, ctl_http_reason(r->http_status), CTL_PY_SVXMLRPC);
	ctl->raised_http = r->http_status;
	return CTL_RAISED;
}

static int
ctl_raise_bad_url(struct ctl *ctl)
{
	return ctl_raisef(ctl,
	    "error: <class 'ValueError'>, %s: file: %s line: 505",
	    ctl->server_error, CTL_PY_SVXMLRPC);
}

int
ctl_raise_result(struct ctl *ctl, const struct ctl_result *r)
{
	switch (r->outcome) {
	case CTL_FAULT:
		return ctl_raise_fault(ctl, r);
	case CTL_HTTP_ERROR:
		return ctl_raise_http(ctl, r);
	case CTL_NET_ERROR:
		return ctl_raise_net(ctl, r);
	case CTL_OK:
		break;
	}
	return 0;
}

/* ctl_do_call runs method on the server (or the test seam); a session
 * whose URL 4.2.5 refuses gets a CTL_NET_ERROR with err 0. */
static bool
ctl_do_call(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r)
{
	memset(r, 0, sizeof(*r));
	if (ctl->call != NULL) {
		ctl->call(ctl, method, params, r);
		return true;
	}
	if (ctl->server == NULL) {
		xr_value_free(params);
		return false;
	}
	ctl_call_sync(ctl->server, method, params, r);
	return true;
}

int
ctl_proxy_check(struct ctl *ctl)
{
	if (ctl->call == NULL && ctl->server == NULL) {
		return ctl_raise_bad_url(ctl);
	}
	return 0;
}

int
ctl_call_any(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r)
{
	return ctl_do_call(ctl, method, params, r) ? 0 : ctl_raise_bad_url(ctl);
}

bool
ctl_call_or_report(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r, int *code)
{
	if (!ctl_do_call(ctl, method, params, r)) {
		*code = ctl_raise_bad_url(ctl);
		return false;
	}
	switch (r->outcome) {
	case CTL_OK:
	case CTL_FAULT:
		*code = 0;
		return true;
	case CTL_HTTP_ERROR:
	case CTL_NET_ERROR:
		break;
	}
	*code = ctl_raise_result(ctl, r);
	ctl_result_fini(r);
	memset(r, 0, sizeof(*r));
	return false;
}

int
ctl_upcheck(struct ctl *ctl)
{
	struct ctl_result r;
	const char *api;
	int code = 0;

	if (!ctl_do_call(ctl, "supervisor.getVersion", NULL, &r)) {
		return ctl_raise_bad_url(ctl);
	}
	switch (r.outcome) {
	case CTL_OK:
		api = xr_string_get(r.value, NULL);
		if (api == NULL || strcmp(api, "3.0") != 0) {
			int32_t i;

			fprintf(ctl->out,
			    "Sorry, this version of supervisorctl expects to "
			    "talk to a server with API version 3.0, but the "
			    "remote version is ");
			if (api != NULL) {
				fputs(api, ctl->out);
			} else if (xr_int_get(r.value, &i)) {
				fprintf(ctl->out, "%d", (int)i);
			}
			fputs(".\n", ctl->out);
			code = CTL_EXIT_NOT_INSTALLED;
		}
		break;
	case CTL_FAULT:
		if (r.fault_code == 1) { /* UNKNOWN_METHOD */
			fputs("Sorry, supervisord responded but did not "
			      "recognize the supervisor namespace commands "
			      "that supervisorctl uses to control it.  Please "
			      "check that the [rpcinterface:supervisor] "
			      "section is enabled in the configuration file "
			      "(see sample.conf).\n",
			    ctl->out);
			code = CTL_EXIT_UNIMPLEMENTED;
		} else {
			code = ctl_raise_fault(ctl, &r);
		}
		break;
	case CTL_NET_ERROR:
		if (r.err == -ECONNREFUSED) {
			fprintf(ctl->out, "%s refused connection\n",
			    ctl->opt.serverurl);
			code = CTL_EXIT_NO_PERMISSION;
		} else if (r.err == -ENOENT) {
			fprintf(
			    ctl->out, "%s no such file\n", ctl->opt.serverurl);
			code = CTL_EXIT_NOT_RUNNING;
		} else {
			code = ctl_raise_net(ctl, &r);
		}
		break;
	case CTL_HTTP_ERROR:
		code = ctl_raise_http(ctl, &r);
		break;
	}
	ctl_result_fini(&r);
	ctl->upchecked = code == 0;
	return code;
}
