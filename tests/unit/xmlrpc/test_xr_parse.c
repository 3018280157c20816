/*
 * The XML-RPC parsers on good and hostile input (RELIABILITY C2). Each row
 * of the tables records, in its sv425 field, what a real Supervisor 4.2.5
 * answered to the same body (Debian 12 supervisord with an
 * [inet_http_server]; the body POSTed to /RPC2 with http.client; the
 * method was supervisor.getAPIVersion, which takes no argument, so "Fault
 * 2" means its parser accepted the params, or supervisor.getProcessInfo,
 * whose BAD_NAME fault echoes the string it parsed).
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "proto/xmlrpc/xr_codec.h"

#define HDR "<?xml version='1.0'?>\n"
#define CALL(m, params)                                                       \
	HDR "<methodCall>\n<methodName>" m "</methodName>\n<params>\n" params \
	    "</params>\n</methodCall>\n"
#define P(v) "<param><value>" v "</value></param>\n"
/* 4.2.5 answers Fault 2 when it parsed a param for this method. */
#define API "supervisor.getAPIVersion"
/* 4.2.5 answers "BAD_NAME: <the string it parsed>" for this one. */
#define INFO "supervisor.getProcessInfo"

/* <?xml version='1.0' encoding='UTF-16'?><a/> in UTF-16LE, with a BOM. */
static const char utf16_body[] =
    "\xff\xfe<\0?\0x\0m\0l\0 \0v\0e\0r\0s\0i\0o\0n\0=\0'\0"
    "1\0.\0"
    "0\0'\0 \0e\0n\0c\0o\0d\0i\0n\0g\0=\0'\0U\0T\0F\0-\0"
    "1\0"
    "6\0'\0?\0>\0<\0a\0/\0>\0";

struct bad_row {
	const char *name;
	const char *body;
	int rv;
	enum xr_perr perr;
	const char *sv425;
};

static const struct bad_row bad_rows[] = {
	/* Values that do not parse as their type: Fault 2 for our server. */
	{ "i4 2^31", CALL(API, P("<i4>2147483648</i4>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted a Python big int (Fault 2)" },
	{ "int -2^31-1", CALL(API, P("<int>-2147483649</int>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted" },
	{ "int -", CALL(API, P("<int>-</int>")), FV_EPROTO, XR_PERR_VALUE,
	    "HTTP 400" },
	{ "int empty", CALL(API, P("<int></int>")), FV_EPROTO, XR_PERR_VALUE,
	    "HTTP 400" },
	{ "int 1_000", CALL(API, P("<int>1_000</int>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted as 1000 (Python int())" },
	{ "int 0x10", CALL(API, P("<int>0x10</int>")), FV_EPROTO, XR_PERR_VALUE,
	    "HTTP 400" },
	{ "int 1.0", CALL(API, P("<int>1.0</int>")), FV_EPROTO, XR_PERR_VALUE,
	    "HTTP 400" },
	{ "double nan", CALL(API, P("<double>nan</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted" },
	{ "double inf", CALL(API, P("<double>inf</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted" },
	{ "double 1e999", CALL(API, P("<double>1e999</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted as inf" },
	{ "double abc", CALL(API, P("<double>abc</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "HTTP 400" },
	{ "double 0x1p3", CALL(API, P("<double>0x1p3</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "HTTP 400" },
	{ "double 1e", CALL(API, P("<double>1e</double>")), FV_EPROTO,
	    XR_PERR_VALUE, "HTTP 400" },
	{ "boolean true", CALL(API, P("<boolean>true</boolean>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted as False (x.text == \"1\")" },
	{ "boolean 2", CALL(API, P("<boolean>2</boolean>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted as False" },
	{ "boolean empty", CALL(API, P("<boolean/>")), FV_EPROTO, XR_PERR_VALUE,
	    "accepted as False" },
	{ "base64 !!!", CALL(INFO, P("<base64>!!!</base64>")), FV_EPROTO,
	    XR_PERR_VALUE, "accepted as \"\" (non-alphabet bytes dropped)" },
	{ "base64 YQ", CALL(INFO, P("<base64>YQ</base64>")), FV_EPROTO,
	    XR_PERR_VALUE, "HTTP 400 (incorrect padding)" },
	{ "base64 Y===", CALL(INFO, P("<base64>Y===</base64>")), FV_EPROTO,
	    XR_PERR_VALUE, "HTTP 400" },
	{ "base64 YQ==YQ==", CALL(INFO, P("<base64>YQ==YQ==</base64>")),
	    FV_EPROTO, XR_PERR_VALUE,
	    "accepted as \"a\" (stops at the padding)" },
	{ "dateTime dashes",
	    CALL(API,
	        P("<dateTime.iso8601>2024-01-01T00:00:00"
	          "</dateTime.iso8601>")),
	    FV_EPROTO, XR_PERR_VALUE, "HTTP 400" },
	{ "dateTime Feb 30",
	    CALL(API,
	        P("<dateTime.iso8601>20240230T00:00:00"
	          "</dateTime.iso8601>")),
	    FV_EPROTO, XR_PERR_VALUE, "HTTP 400" },
	{ "dateTime 1-digit fields",
	    CALL(API, P("<dateTime.iso8601>2024111T1:2:3</dateTime.iso8601>")),
	    FV_EPROTO, XR_PERR_VALUE, "accepted (strptime is lenient)" },
	{ "dateTime zone",
	    CALL(API,
	        P("<dateTime.iso8601>20240101T00:00:00Z"
	          "</dateTime.iso8601>")),
	    FV_EPROTO, XR_PERR_VALUE, "HTTP 400" },
	{ "nil", CALL(API, P("<nil/>")), FV_EPROTO, XR_PERR_VALUE,
	    "accepted as None" },
	{ "i8", CALL(INFO, P("<i8>5</i8>")), FV_EPROTO, XR_PERR_VALUE,
	    "accepted as the string \"5\"" },
	{ "namespaced type",
	    CALL(INFO,
	        P("<ex:nil xmlns:ex='http://ws.apache.org/xmlrpc/"
	          "namespaces/extensions'/>")),
	    FV_EPROTO, XR_PERR_VALUE, "HTTP 500 (ElementTree tag {uri}nil)" },

	/* XML, but not a methodCall: HTTP 400. */
	{ "two types in a value",
	    CALL(INFO, P("<string>a</string><string>b</string>")), FV_EPROTO,
	    XR_PERR_SHAPE, "took the first (\"a\")" },
	{ "text beside a type", CALL(INFO, P("junk<string>b</string>")),
	    FV_EPROTO, XR_PERR_SHAPE, "took the type (\"b\")" },
	{ "element inside string", CALL(INFO, P("<string>a<b/>c</string>")),
	    FV_EPROTO, XR_PERR_SHAPE, "took the text before it (\"a\")" },
	{ "member without value",
	    CALL(API, P("<struct><member><name>a</name></member></struct>")),
	    FV_EPROTO, XR_PERR_SHAPE, "HTTP 400" },
	{ "member value before name",
	    CALL(API,
	        P("<struct><member><value>1</value><name>a</name>"
	          "</member></struct>")),
	    FV_EPROTO, XR_PERR_SHAPE, "accepted (Fault 2)" },
	{ "member with extra element",
	    CALL(API,
	        P("<struct><member><name>a</name><value>1</value>"
	          "<x/></member></struct>")),
	    FV_EPROTO, XR_PERR_SHAPE, "HTTP 400" },
	{ "struct with non-member",
	    CALL(API, P("<struct><value>1</value></struct>")), FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400" },
	{ "array without data", CALL(API, P("<array/>")), FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400" },
	{ "array with two data", CALL(API, P("<array><data/><data/></array>")),
	    FV_EPROTO, XR_PERR_SHAPE, "accepted (first)" },
	{ "data with non-value",
	    CALL(API, P("<array><data><int>1</int></data></array>")), FV_EPROTO,
	    XR_PERR_SHAPE, "accepted" },
	{ "no methodName", "<methodCall><params/></methodCall>", FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400 (no method name)" },
	{ "empty methodName",
	    "<methodCall><methodName></methodName></methodCall>", FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400" },
	{ "methodName with an element",
	    "<methodCall><methodName>supervisor.<b/>getAPIVersion</methodName>"
	    "</methodCall>",
	    FV_EPROTO, XR_PERR_SHAPE, "Fault 1 (name \"supervisor.\")" },
	{ "params before methodName",
	    "<methodCall><params/><methodName>" API "</methodName>"
	    "</methodCall>",
	    FV_EPROTO, XR_PERR_SHAPE, "accepted" },
	{ "wrong root", "<foo><methodName>" API "</methodName></foo>",
	    FV_EPROTO, XR_PERR_SHAPE, "accepted (the root is not checked)" },
	{ "methodResponse as request",
	    "<methodResponse><params/></methodResponse>", FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400" },
	{ "default namespace",
	    "<methodCall xmlns='urn:x'><methodName>" API "</methodName>"
	    "</methodCall>",
	    FV_EPROTO, XR_PERR_SHAPE, "HTTP 400" },
	{ "param with two values",
	    CALL(API, "<param><value>a</value><value>b</value></param>\n"),
	    FV_EPROTO, XR_PERR_SHAPE, "accepted (Fault 2)" },
	{ "param without value", CALL(API, "<param/>\n"), FV_EPROTO,
	    XR_PERR_SHAPE, "HTTP 400" },
	{ "unknown element in params", CALL(API, "<foo/>"), FV_EPROTO,
	    XR_PERR_SHAPE, "accepted (Fault 2)" },
	{ "element after params",
	    "<methodCall><methodName>" API "</methodName><params/><x/>"
	    "</methodCall>",
	    FV_EPROTO, XR_PERR_SHAPE, "accepted" },
	{ "text in methodCall",
	    "<methodCall>junk<methodName>" API "</methodName></methodCall>",
	    FV_EPROTO, XR_PERR_SHAPE, "accepted" },

	/* Not well-formed, not UTF-8, or a DOCTYPE: HTTP 400. */
	{ "not XML", "hello", FV_EPROTO, XR_PERR_XML, "HTTP 400" },
	{ "empty body", "", FV_EPROTO, XR_PERR_XML,
	    "no answer (waits for a body, Content-Length: 0)" },
	{ "trailing element", CALL(API, "") "<x/>", FV_EPROTO, XR_PERR_XML,
	    "HTTP 400" },
	{ "unclosed", "<methodCall><methodName>" API "</methodName>", FV_EPROTO,
	    XR_PERR_XML, "HTTP 400" },
	{ "invalid UTF-8", CALL(INFO, P("<string>\xff</string>")), FV_EPROTO,
	    XR_PERR_XML, "closes the connection without an answer" },
	{ "UTF-8 surrogate", CALL(INFO, P("<string>\xed\xa0\x80</string>")),
	    FV_EPROTO, XR_PERR_XML, "closes the connection" },
	{ "overlong UTF-8", CALL(INFO, P("<string>\xc0\xaf</string>")),
	    FV_EPROTO, XR_PERR_XML, "closes the connection" },
	{ "Latin-1 declared and sent",
	    "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall>"
	    "<methodName>" INFO "</methodName><params><param><value><string>"
	    "caf\xe9</string></value></param></params></methodCall>",
	    FV_EPROTO, XR_PERR_XML,
	    "closes the connection (decodes the body as UTF-8)" },
	{ "UTF-16", utf16_body, FV_EPROTO, XR_PERR_XML,
	    "closes the connection" },
	{ "char ref to U+0001", CALL(INFO, P("<string>a&#1;b</string>")),
	    FV_EPROTO, XR_PERR_XML, "HTTP 400" },
	{ "raw U+0001",
	    CALL(INFO,
	        P("<string>a\x01"
	          "b</string>")),
	    FV_EPROTO, XR_PERR_XML, "HTTP 400" },
	{ "undefined entity", CALL(INFO, P("<string>&foo;</string>")),
	    FV_EPROTO, XR_PERR_XML, "HTTP 400" },
	{ "harmless DOCTYPE",
	    "<!DOCTYPE methodCall><methodCall><methodName>" API
	    "</methodName></methodCall>",
	    FV_EPROTO, XR_PERR_XML, "accepted" },
	{ "internal entity",
	    HDR "<!DOCTYPE m [<!ENTITY x \"EXPANDED\">]>\n"
	        "<methodCall><methodName>" INFO "</methodName><params><param>"
	        "<value><string>&x;</string></value></param></params>"
	        "</methodCall>",
	    FV_EPROTO, XR_PERR_XML, "expanded it: BAD_NAME: EXPANDED" },
	{ "external entity",
	    HDR "<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\n"
	        "<methodCall><methodName>" INFO "</methodName><params><param>"
	        "<value><string>&x;</string></value></param></params>"
	        "</methodCall>",
	    FV_EPROTO, XR_PERR_XML, "HTTP 400 (expat has no handler)" },
	{ "external DTD",
	    "<!DOCTYPE methodCall SYSTEM \"file:///etc/hostname\">"
	    "<methodCall><methodName>" API "</methodName></methodCall>",
	    FV_EPROTO, XR_PERR_XML, "accepted (expat does not load it)" },
	{ "parameter entity",
	    "<!DOCTYPE m [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]>"
	    "<methodCall><methodName>" API "</methodName></methodCall>",
	    FV_EPROTO, XR_PERR_XML, "accepted (expat does not read it)" },
	{ "network DTD",
	    "<!DOCTYPE m PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\">"
	    "<methodCall><methodName>" API "</methodName></methodCall>",
	    FV_EPROTO, XR_PERR_XML, "accepted (expat does not fetch it)" },
	{ "billion laughs",
	    HDR "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"
	        "&lol;&lol;\">"
	        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
	        "&lol1;&lol1;&lol1;\">"
	        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
	        "&lol2;&lol2;&lol2;\">"
	        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"
	        "&lol3;&lol3;&lol3;\">"
	        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"
	        "&lol4;&lol4;&lol4;\">"
	        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"
	        "&lol5;&lol5;&lol5;\">"
	        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"
	        "&lol6;&lol6;&lol6;\">"
	        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"
	        "&lol7;&lol7;&lol7;\">"
	        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;"
	        "&lol8;&lol8;&lol8;\">]>\n"
	        "<methodCall><methodName>" INFO "</methodName><params><param>"
	        "<value><string>&lol9;</string></value></param></params>"
	        "</methodCall>",
	    FV_EPROTO, XR_PERR_XML, "HTTP 400 (expat's amplification limit)" },
};

/* The body length of a row: the UTF-16 one holds NUL bytes. */
static size_t
row_len(const struct bad_row *r)
{
	return r->body == utf16_body ? sizeof(utf16_body) - 1 : strlen(r->body);
}

static void
test_refusals_with_sv425_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		struct xr_request req;
		struct fv_diag d;
		int rv;

		memset(&d, 'X', sizeof(d));
		rv = xr_request_parse(r->body, row_len(r), &req, &d);
		if (rv != r->rv || req.perr != r->perr) {
			fail_msg("%s: rv %d perr %s (want %d %s): %s", r->name,
			    rv, xr_perr_name(req.perr), r->rv,
			    xr_perr_name(r->perr), d.msg);
		}
		/* Nothing is left to free, and the message is terminated. */
		assert_null(req.method);
		assert_null(req.params);
		assert_non_null(memchr(d.msg, '\0', sizeof(d.msg)));
		assert_true(d.msg[0] != '\0');
		xr_request_fini(&req);
	}
}

struct good_row {
	const char *name;
	const char *body;
	const char *method;
	size_t nparams;
	/* check reads the first param (NULL: none); returns true if fine. */
	bool (*check)(const struct xr_value *v);
	const char *sv425;
};

static bool
is_str(const struct xr_value *v, const char *want)
{
	size_t n;
	const char *s = xr_string_get(v, &n);

	return s != NULL && n == strlen(want) && memcmp(s, want, n) == 0;
}

static bool
is_int(const struct xr_value *v, int32_t want)
{
	int32_t i;

	return xr_int_get(v, &i) && i == want;
}

static bool
is_double(const struct xr_value *v, double want)
{
	double d;

	return xr_double_get(v, &d) && memcmp(&d, &want, sizeof(d)) == 0;
}

static bool
check_abc_amp(const struct xr_value *v)
{
	return is_str(v, "abc&");
}

static bool
check_ok(const struct xr_value *v)
{
	return is_str(v, "ok");
}

static bool
check_cdata(const struct xr_value *v)
{
	return is_str(v, "<x>&");
}

static bool
check_cr_ref(const struct xr_value *v)
{
	return is_str(v, "a\rb");
}

static bool
check_crlf(const struct xr_value *v)
{
	return is_str(v, "a\nb\nc");
}

static bool
check_cafe(const struct xr_value *v)
{
	return is_str(v, "caf\xc3\xa9");
}

static bool
check_blank(const struct xr_value *v)
{
	return is_str(v, " \t\n ");
}

static bool
check_empty(const struct xr_value *v)
{
	return is_str(v, "");
}

static bool
check_int5(const struct xr_value *v)
{
	return is_int(v, 5);
}

static bool
check_int_min(const struct xr_value *v)
{
	return is_int(v, INT32_MIN);
}

static bool
check_int7(const struct xr_value *v)
{
	return is_int(v, 7);
}

static bool
check_true(const struct xr_value *v)
{
	bool b;

	return xr_bool_get(v, &b) && b;
}

static bool
check_doubles(const struct xr_value *v)
{
	return xr_array_len(v) == 7 && is_double(xr_array_at(v, 0), 1e5) &&
	    is_double(xr_array_at(v, 1), 0.5) &&
	    is_double(xr_array_at(v, 2), 5.0) &&
	    is_double(xr_array_at(v, 3), -0.0) &&
	    is_double(xr_array_at(v, 4), 0.01) &&
	    is_double(xr_array_at(v, 5), 2.5) &&
	    is_double(xr_array_at(v, 6), 5e-324);
}

static bool
check_b64(const struct xr_value *v)
{
	size_t n;
	const char *p = xr_base64_get(v, &n);

	return p != NULL && n == 6 && memcmp(p, "abcdef", 6) == 0;
}

static bool
check_b64_ff(const struct xr_value *v)
{
	size_t n;
	const unsigned char *p = xr_base64_get(v, &n);

	return p != NULL && n == 1 && p[0] == 0xff;
}

static bool
check_b64_loose_bits(const struct xr_value *v)
{
	size_t n;
	const char *p = xr_base64_get(v, &n);

	return p != NULL && n == 1 && p[0] == 'a';
}

static bool
check_dt(const struct xr_value *v)
{
	struct xr_datetime dt;

	return xr_datetime_get(v, &dt) && dt.year == 2024 && dt.month == 2 &&
	    dt.day == 29 && dt.hour == 23 && dt.minute == 59 && dt.second == 58;
}

static bool
check_dup_keys(const struct xr_value *v)
{
	/* Both kept in order; a lookup sees the last, like a dict. */
	return xr_struct_len(v) == 2 && is_str(xr_struct_at(v, 0), "1") &&
	    is_str(xr_struct_get(v, "a"), "2");
}

static bool
check_empty_name(const struct xr_value *v)
{
	return xr_struct_len(v) == 1 && strcmp(xr_struct_name(v, 0), "") == 0 &&
	    is_int(xr_struct_get(v, ""), 1);
}

static const struct good_row good_rows[] = {
	{ "no <params>",
	    HDR "<methodCall><methodName>" API "</methodName></methodCall>",
	    API, 0, NULL, "accepted" },
	{ "empty <params/>",
	    "<methodCall><methodName>" API
	    "</methodName><params/></methodCall>",
	    API, 0, NULL, "accepted" },
	{ "untyped value", CALL(INFO, P("abc&amp;")), INFO, 1, check_abc_amp,
	    "BAD_NAME: abc&" },
	{ "untyped blank value", CALL(INFO, P(" \t\n ")), INFO, 1, check_blank,
	    "BAD_NAME:  \\t\\n " },
	{ "empty <value/>", CALL(INFO, "<param><value/></param>"), INFO, 1,
	    check_empty, "BAD_NAME: " },
	{ "empty <string/>", CALL(INFO, P("<string/>")), INFO, 1, check_empty,
	    "BAD_NAME: " },
	{ "comment and PI",
	    CALL(INFO, P("<!--c--><?pi x?><string>ok</string>")), INFO, 1,
	    check_ok, "BAD_NAME: ok" },
	{ "CDATA", CALL(INFO, P("<string><![CDATA[<x>&]]></string>")), INFO, 1,
	    check_cdata, "BAD_NAME: <x>&" },
	{ "&#13; keeps CR", CALL(INFO, P("<string>a&#13;b</string>")), INFO, 1,
	    check_cr_ref, "BAD_NAME: a\\rb" },
	{ "raw CR LF become LF", CALL(INFO, P("<string>a\r\nb\rc</string>")),
	    INFO, 1, check_crlf, "BAD_NAME: a\\nb\\nc" },
	{ "Latin-1 declared, UTF-8 sent",
	    "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall>"
	    "<methodName>" INFO "</methodName><params><param><value><string>"
	    "caf\xc3\xa9</string></value></param></params></methodCall>",
	    INFO, 1, check_cafe, "BAD_NAME: caf\xc3\xa9 (read as UTF-8)" },
	{ "UTF-8 BOM", "\xef\xbb\xbf" CALL(INFO, P("ok")), INFO, 1, check_ok,
	    "BAD_NAME: ok" },
	{ "int with blanks", CALL(API, P("<int> 5 </int>")), API, 1, check_int5,
	    "accepted" },
	{ "int +5", CALL(API, P("<i4>+5</i4>")), API, 1, check_int5,
	    "accepted" },
	{ "int 007", CALL(API, P("<int>007</int>")), API, 1, check_int7,
	    "accepted" },
	{ "int -2^31", CALL(API, P("<int>-2147483648</int>")), API, 1,
	    check_int_min, "accepted" },
	{ "boolean with blanks", CALL(API, P("<boolean>\n1\n</boolean>")), API,
	    1, check_true, "accepted (as False: \"\\n1\\n\" != \"1\")" },
	{ "doubles",
	    CALL(API,
	        P("<array><data><value><double>1e5</double></value>"
	          "<value><double>.5</double></value>"
	          "<value><double>5.</double></value>"
	          "<value><double>-0</double></value>"
	          "<value><double>1E-2</double></value>"
	          "<value><double> 2.5 </double></value>"
	          "<value><double>4.9e-324</double></value>"
	          "</data></array>")),
	    API, 1, check_doubles, "accepted" },
	{ "base64 on lines", CALL(INFO, P("<base64>\nYWJj\r\nZGVm\n</base64>")),
	    INFO, 1, check_b64, "BAD_NAME: abcdef" },
	{ "base64 of \\xff", CALL(INFO, P("<base64>/w==</base64>")), INFO, 1,
	    check_b64_ff, "HTTP 400 (decoded bytes are not UTF-8)" },
	{ "base64 with loose bits", CALL(INFO, P("<base64>YR==</base64>")),
	    INFO, 1, check_b64_loose_bits, "BAD_NAME: a" },
	{ "dateTime with blanks",
	    CALL(API,
	        P("<dateTime.iso8601> 20240229T23:59:58 "
	          "</dateTime.iso8601>")),
	    API, 1, check_dt, "HTTP 400 (strptime keeps the blanks)" },
	{ "duplicate struct names",
	    CALL(API,
	        P("<struct><member><name>a</name><value>1</value>"
	          "</member><member><name>a</name><value>2</value>"
	          "</member></struct>")),
	    API, 1, check_dup_keys, "accepted (dict: last wins)" },
	{ "empty struct name",
	    CALL(API,
	        P("<struct><member><name/><value><int>1</int></value>"
	          "</member></struct>")),
	    API, 1, check_empty_name, "accepted" },
	/* Traversal names come back as sent; the dispatcher refuses them. */
	{ "traversal",
	    CALL("supervisor.supervisord.options.execve",
	        P("<string>/bin/sh</string>")),
	    "supervisor.supervisord.options.execve", 1, NULL,
	    "Fault 1 UNKNOWN_METHOD" },
	{ "private method", CALL("supervisor._update", ""),
	    "supervisor._update", 0, NULL, "Fault 1 UNKNOWN_METHOD" },
	{ "three parts", CALL("a.b.c", ""), "a.b.c", 0, NULL,
	    "Fault 1 UNKNOWN_METHOD" },
	{ "blanks around the name", CALL(" " API " ", ""), " " API " ", 0, NULL,
	    "Fault 1 UNKNOWN_METHOD" },
	{ "escaped name", CALL("a&amp;b&#13;", ""), "a&b\r", 0, NULL,
	    "Fault 1 UNKNOWN_METHOD" },
};

static void
test_accepted_with_sv425_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(good_rows); i++) {
		const struct good_row *r = &good_rows[i];
		struct xr_request req;
		struct fv_diag d;

		if (xr_request_parse(r->body, strlen(r->body), &req, &d) != 0) {
			fail_msg("%s: %s", r->name, d.msg);
		}
		assert_int_equal(req.perr, XR_PERR_NONE);
		assert_string_equal(req.method, r->method);
		assert_int_equal(xr_value_type(req.params), XR_ARRAY);
		if (xr_array_len(req.params) != r->nparams) {
			fail_msg("%s: %zu params", r->name,
			    xr_array_len(req.params));
		}
		if (r->check != NULL && !r->check(xr_array_at(req.params, 0))) {
			fail_msg("%s: wrong value", r->name);
		}
		xr_request_fini(&req);
	}
}

/* parse_both parses body with p and without: the same outcome, whole. */
static void
parse_both(struct xr_parser *p, const char *name, const char *body, size_t len)
{
	struct xr_request a, b;
	struct fv_diag da, db;
	int ra, rb;

	ra = xr_request_parse_with(body, len, &xr_limits_request, &a, &da);
	rb = xr_parser_request(p, body, len, &xr_limits_request, &b, &db);
	if (ra != rb || a.perr != b.perr ||
	    (ra != 0 && strcmp(da.msg, db.msg) != 0)) {
		fail_msg("%s: %d %s \"%s\" alone, %d %s \"%s\" reused", name,
		    ra, xr_perr_name(a.perr), ra != 0 ? da.msg : "", rb,
		    xr_perr_name(b.perr), rb != 0 ? db.msg : "");
	}
	if (ra == 0) {
		assert_string_equal(a.method, b.method);
		assert_true(xr_value_equal(a.params, b.params));
	}
	xr_request_fini(&a);
	xr_request_fini(&b);
}

/* A kept parser context answers every request as a fresh one would,
 * whatever came before it: refusals (a DOCTYPE stops the parser midway),
 * then good calls, then refusals again, and one that named thousands of
 * distinct elements (the context is dropped once its dictionary grows). */
static void
test_parser_reuse_same_results(void **state)
{
	struct xr_parser *p = xr_parser_new();

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < nitems(bad_rows); i++) {
			parse_both(p, bad_rows[i].name, bad_rows[i].body,
			    row_len(&bad_rows[i]));
			parse_both(p, good_rows[i % nitems(good_rows)].name,
			    good_rows[i % nitems(good_rows)].body,
			    strlen(good_rows[i % nitems(good_rows)].body));
		}
		for (size_t i = 0; i < nitems(good_rows); i++) {
			parse_both(p, good_rows[i].name, good_rows[i].body,
			    strlen(good_rows[i].body));
		}
	}
	for (int k = 0; k < 3; k++) {
		struct fv_buf b;

		fv_buf_init(&b, 1u << 20);
		fv_buf_puts(&b,
		    HDR "<methodCall><methodName>m</methodName>"
		        "<params><param><value><array><data>");
		for (int i = 0; i < 3000; i++) {
			fv_buf_printf(&b, "<value><n%d_%d/></value>", k, i);
		}
		fv_buf_puts(&b,
		    "</data></array></value></param></params>"
		    "</methodCall>");
		parse_both(p, "many names", b.data, b.len);
		fv_buf_fini(&b);
		parse_both(p, good_rows[0].name, good_rows[0].body,
		    strlen(good_rows[0].body));
	}
	xr_parser_free(p);
	xr_parser_free(NULL);
}

/* Every type, nested, in one call. */
static void
test_every_type_nested(void **state)
{
	static const char body[] = CALL("supervisor.x",
	    P("<struct>"
	      "<member><name>i</name><value><i4>-7</i4></value></member>"
	      "<member><name>b</name><value><boolean>0</boolean></value>"
	      "</member>"
	      "<member><name>s</name><value><string>&lt;&amp;&gt;</string>"
	      "</value></member>"
	      "<member><name>d</name><value><double>-1.5e-7</double></value>"
	      "</member>"
	      "<member><name>t</name><value><dateTime.iso8601>"
	      "00010101T00:00:00</dateTime.iso8601></value></member>"
	      "<member><name>x</name><value><base64>AAE=</base64></value>"
	      "</member>"
	      "<member><name>a</name><value><array><data>"
	      "<value><array><data/></array></value>"
	      "<value><struct/></value>"
	      "<value>tail</value>"
	      "</data></array></value></member>"
	      "</struct>") P("<int>2</int>"));
	const struct xr_value *s, *a;
	struct xr_datetime dt;
	struct xr_request req;
	const char *p;
	int32_t i;
	double d;
	size_t n;
	bool b;

	(void)state;
	assert_int_equal(xr_request_parse(body, strlen(body), &req, NULL), 0);
	assert_int_equal(xr_array_len(req.params), 2);
	s = xr_array_at(req.params, 0);
	assert_int_equal(xr_struct_len(s), 7);
	assert_true(xr_int_get(xr_struct_get(s, "i"), &i) && i == -7);
	assert_true(xr_bool_get(xr_struct_get(s, "b"), &b) && !b);
	assert_true(is_str(xr_struct_get(s, "s"), "<&>"));
	assert_true(xr_double_get(xr_struct_get(s, "d"), &d) && d == -1.5e-7);
	assert_true(xr_datetime_get(xr_struct_get(s, "t"), &dt));
	assert_true(dt.year == 1 && dt.month == 1 && dt.day == 1);
	p = xr_base64_get(xr_struct_get(s, "x"), &n);
	assert_true(p != NULL && n == 2 && p[0] == 0 && p[1] == 1);
	a = xr_struct_get(s, "a");
	assert_int_equal(xr_array_len(a), 3);
	assert_int_equal(xr_value_type(xr_array_at(a, 0)), XR_ARRAY);
	assert_int_equal(xr_array_len(xr_array_at(a, 0)), 0);
	assert_int_equal(xr_value_type(xr_array_at(a, 1)), XR_STRUCT);
	assert_true(is_str(xr_array_at(a, 2), "tail"));
	assert_true(is_int(xr_array_at(req.params, 1), 2));
	xr_request_fini(&req);
}

/* big_call builds a call to m whose params are open + n * item + close. */
static char *
big_call(const char *open, const char *item, size_t n, const char *close,
    size_t *lenp)
{
	struct fv_buf b;

	fv_buf_init(&b, (size_t)1 << 30);
	fv_buf_puts(&b,
	    HDR "<methodCall>\n<methodName>m</methodName>\n"
	        "<params>\n");
	fv_buf_puts(&b, open);
	for (size_t i = 0; i < n; i++) {
		fv_buf_puts(&b, item);
	}
	fv_buf_puts(&b, close);
	fv_buf_puts(&b, "</params>\n</methodCall>\n");
	*lenp = b.len;
	return fv_buf_take(&b);
}

/* nested builds n arrays, one inside the other, around "x". */
static char *
nested(size_t n, size_t *lenp)
{
	struct fv_buf b;

	fv_buf_init(&b, (size_t)1 << 30);
	fv_buf_puts(&b,
	    "<methodCall><methodName>m</methodName><params><param>"
	    "<value>");
	for (size_t i = 0; i < n; i++) {
		fv_buf_puts(&b, "<array><data><value>");
	}
	fv_buf_puts(&b, "x");
	for (size_t i = 0; i < n; i++) {
		fv_buf_puts(&b, "</value></data></array>");
	}
	fv_buf_puts(&b, "</value></param></params></methodCall>");
	*lenp = b.len;
	return fv_buf_take(&b);
}

static int
parse_with(const char *body, size_t len, const struct xr_limits *lim,
    enum xr_perr *perr)
{
	struct xr_request req;
	struct fv_diag d;
	int rv;

	rv = xr_request_parse_with(body, len, lim, &req, &d);
	*perr = req.perr;
	if (rv == 0) {
		assert_non_null(req.method);
	} else {
		assert_null(req.params);
	}
	xr_request_fini(&req);
	return rv;
}

static void
test_depth(void **state)
{
	struct xr_limits wide = xr_limits_request, deep = xr_limits_request;
	enum xr_perr perr;
	size_t len;
	char *body;

	(void)state;
	wide.max_body = 64u << 20;
	/* max_depth containers are fine, one more is not. */
	body = nested(xr_limits_request.max_depth, &len);
	assert_int_equal(parse_with(body, len, &xr_limits_request, &perr), 0);
	free(body);
	body = nested(xr_limits_request.max_depth + 1, &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_LIMIT);
	free(body);
	/* 300 (RELIABILITY C2): libxml2 stops at 256 elements deep. */
	body = nested(300, &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_EPROTO);
	assert_int_equal(perr, XR_PERR_XML);
	free(body);
	/* 100000: over the body cap; under a wide cap, libxml2's depth. */
	body = nested(100000, &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_SIZE);
	assert_int_equal(parse_with(body, len, &wide, &perr), FV_EPROTO);
	assert_int_equal(perr, XR_PERR_XML);
	free(body);
	/* A huge max_depth is clamped: recursion stays bounded. */
	deep.max_depth = SIZE_MAX;
	body = nested(80, &len);
	assert_int_equal(parse_with(body, len, &deep, &perr), 0);
	free(body);
}

static void
test_counts(void **state)
{
	static const char param[] = "<param><value><int>1</int></value>"
	                            "</param>\n";
	static const char item[] = "<value><int>1</int></value>";
	static const char member[] = "<member><name>k</name><value><int>1"
	                             "</int></value></member>";
	struct xr_limits wide = xr_limits_request;
	size_t n = xr_limits_request.max_items, len;
	enum xr_perr perr;
	char *body;

	(void)state;
	wide.max_body = 64u << 20;
	body = big_call("", param, n, "", &len);
	assert_int_equal(parse_with(body, len, &xr_limits_request, &perr), 0);
	free(body);
	body = big_call("", param, n + 1, "", &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_LIMIT);
	free(body);
	body = big_call("<param><value><array><data>", item, n + 1,
	    "</data></array></value></param>", &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_LIMIT);
	free(body);
	body = big_call("<param><value><struct>", member, n + 1,
	    "</struct></value></param>", &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_LIMIT);
	free(body);
	/* 100000 params: over the body cap, then over the count. */
	body = big_call("", param, 100000, "", &len);
	assert_int_equal(
	    parse_with(body, len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_SIZE);
	assert_int_equal(parse_with(body, len, &wide, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_LIMIT);
	free(body);
}

static void
test_huge_strings(void **state)
{
	struct xr_limits wide = xr_limits_request;
	struct xr_request req;
	struct fv_buf b;
	enum xr_perr perr;
	char *fill;
	size_t n;

	(void)state;
	wide.max_body = 32u << 20;
	fill = fv_xmalloc(20u << 20);
	memset(fill, 'a', 20u << 20);
	/* 20 MiB: the body cap refuses it before libxml2 sees a byte. */
	fv_buf_init(&b, 64u << 20);
	fv_buf_puts(&b,
	    "<methodCall><methodName>m</methodName><params>"
	    "<param><value><string>");
	fv_buf_append(&b, fill, 20u << 20);
	fv_buf_puts(&b, "</string></value></param></params></methodCall>");
	assert_int_equal(
	    parse_with(b.data, b.len, &xr_limits_request, &perr), FV_ETOOBIG);
	assert_int_equal(perr, XR_PERR_SIZE);
	/*
	 * Within a 32 MiB cap, libxml2 2.9.14 itself refuses a text run over
	 * 10,000,000 bytes without XML_PARSE_HUGE ("Huge input lookup").
	 */
	assert_int_equal(parse_with(b.data, b.len, &wide, &perr), FV_EPROTO);
	assert_int_equal(perr, XR_PERR_XML);
	/* 9,000,000 bytes within the cap come through whole. */
	fv_buf_reset(&b);
	fv_buf_puts(&b,
	    "<methodCall><methodName>m</methodName><params>"
	    "<param><value><string>");
	fv_buf_append(&b, fill, 9000000);
	fv_buf_puts(&b, "</string></value></param></params></methodCall>");
	assert_int_equal(
	    xr_request_parse_with(b.data, b.len, &wide, &req, NULL), 0);
	assert_non_null(xr_string_get(xr_array_at(req.params, 0), &n));
	assert_int_equal(n, 9000000);
	xr_request_fini(&req);
	fv_buf_fini(&b);
	free(fill);
}

static void
test_method_name_cap(void **state)
{
	struct xr_request req;
	struct fv_diag d;
	struct fv_buf b;
	char name[65537];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	fv_buf_init(&b, 1 << 20);
	/* 256 bytes: returned as sent. */
	fv_buf_printf(&b,
	    "<methodCall><methodName>%.256s</methodName>"
	    "</methodCall>",
	    name);
	assert_int_equal(xr_request_parse(b.data, b.len, &req, &d), 0);
	assert_int_equal(strlen(req.method), 256);
	xr_request_fini(&req);
	/* 257 bytes and 64 KiB: UNKNOWN_METHOD for the server, not echoed. */
	for (int i = 0; i < 2; i++) {
		fv_buf_reset(&b);
		fv_buf_printf(&b,
		    "<methodCall><methodName>%.*s</methodName>"
		    "</methodCall>",
		    i == 0 ? 257 : 65536, name);
		assert_int_equal(
		    xr_request_parse(b.data, b.len, &req, &d), FV_ETOOBIG);
		assert_int_equal(req.perr, XR_PERR_NAME);
		assert_null(req.method);
		assert_null(strstr(d.msg, "nnnnnnnn"));
	}
	fv_buf_fini(&b);
}

/* No message quotes more than a few bytes of what a peer sent. */
static void
test_messages_are_bounded(void **state)
{
	struct xr_request req;
	struct fv_diag d;
	struct fv_buf b;
	char name[4097];

	(void)state;
	memset(name, 'q', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	fv_buf_init(&b, 1 << 20);
	/* An unknown type, an unknown element, and one holding elements. */
	fv_buf_printf(&b, CALL("m", P("<%s/>")), name);
	assert_int_equal(xr_request_parse(b.data, b.len, &req, &d), FV_EPROTO);
	assert_true(strlen(d.msg) < 120);
	fv_buf_reset(&b);
	fv_buf_printf(&b, CALL("m", "<%s/>"), name);
	assert_int_equal(xr_request_parse(b.data, b.len, &req, &d), FV_EPROTO);
	assert_true(strlen(d.msg) < 120);
	fv_buf_reset(&b);
	fv_buf_printf(&b, CALL("m", P("<%s><x/></%s>")), name, name);
	assert_int_equal(xr_request_parse(b.data, b.len, &req, &d), FV_EPROTO);
	assert_true(strlen(d.msg) < 120);
	/* libxml2's own messages quote names too ("tag mismatch: ..."). */
	fv_buf_reset(&b);
	fv_buf_printf(&b, CALL("m", P("<%s>\xc3\xa9</%sX>")), name, name);
	assert_int_equal(xr_request_parse(b.data, b.len, &req, &d), FV_EPROTO);
	assert_int_equal(req.perr, XR_PERR_XML);
	assert_true(strlen(d.msg) < 160);
	assert_true(fv_str_utf8_valid(d.msg, strlen(d.msg)));
	fv_buf_fini(&b);
}

/* /etc/hostname never reaches a value or a message (RELIABILITY C2). */
static void
test_external_entities_never_read(void **state)
{
	char host[256] = "";
	ssize_t n;
	int fd;

	(void)state;
	if ((fd = open("/etc/hostname", O_RDONLY)) >= 0) {
		n = read(fd, host, sizeof(host) - 1);
		host[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	host[strcspn(host, "\n")] = '\0';
	for (size_t i = 0; i < nitems(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		struct xr_response resp;
		struct xr_request req;
		struct fv_diag d;

		if (strstr(r->body, "file://") == NULL) {
			continue;
		}
		assert_int_equal(
		    xr_request_parse(r->body, strlen(r->body), &req, &d),
		    FV_EPROTO);
		if (host[0] != '\0') {
			assert_null(strstr(d.msg, host));
		}
		assert_int_equal(
		    xr_response_parse(r->body, strlen(r->body), &resp, &d),
		    FV_EPROTO);
		if (host[0] != '\0') {
			assert_null(strstr(d.msg, host));
		}
	}
}

/* The entity bomb costs nothing: the DOCTYPE stops the parser. */
static void
test_entity_bomb_is_cheap(void **state)
{
	const struct bad_row *bomb = NULL;
	struct timespec t0, t1;
	struct xr_request req;

	(void)state;
	for (size_t i = 0; i < nitems(bad_rows); i++) {
		if (strcmp(bad_rows[i].name, "billion laughs") == 0) {
			bomb = &bad_rows[i];
		}
	}
	assert_non_null(bomb);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(xr_request_parse(bomb->body,
		                     strlen(bomb->body), &req, NULL),
		    FV_EPROTO);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 1000 refusals in well under a second, sanitizers included. */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	        (t1.tv_nsec - t0.tv_nsec) / 1000000 <
	    5000);
}

/* The responses captured from 4.2.5 (test_xr_write.c) read back. */
static void
test_response_parse(void **state)
{
	static const char sv_state[] =
	    HDR "<methodResponse>\n<params>\n<param>\n<value><struct>\n"
	        "<member>\n<name>statecode</name>\n<value><int>1</int></value>"
	        "\n</member>\n<member>\n<name>statename</name>\n<value>"
	        "<string>RUNNING</string></value>\n</member>\n</struct></value>"
	        "\n</param>\n</params>\n</methodResponse>\n";
	static const char sv_fault[] =
	    HDR "<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
	        "<name>faultCode</name>\n<value><int>10</int></value>\n"
	        "</member>\n<member>\n<name>faultString</name>\n<value><string>"
	        "BAD_NAME: a&amp;&lt;&gt;\xc3\xa9\"'</string></value>\n"
	        "</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
	struct xr_response r;
	struct fv_diag d;

	(void)state;
	assert_int_equal(
	    xr_response_parse(sv_state, strlen(sv_state), &r, &d), 0);
	assert_false(r.fault);
	assert_true(is_int(xr_struct_get(r.value, "statecode"), 1));
	assert_true(is_str(xr_struct_get(r.value, "statename"), "RUNNING"));
	xr_response_fini(&r);
	assert_int_equal(
	    xr_response_parse(sv_fault, strlen(sv_fault), &r, &d), 0);
	assert_true(r.fault);
	assert_null(r.value);
	assert_int_equal(r.fault_code, 10);
	assert_string_equal(r.fault_string, "BAD_NAME: a&<>\xc3\xa9\"'");
	xr_response_fini(&r);
}

static void
test_response_refusals(void **state)
{
	static const struct {
		const char *body;
		enum xr_perr perr;
	} rows[] = {
		{ "<methodResponse/>", XR_PERR_SHAPE },
		{ "<methodResponse><params/></methodResponse>", XR_PERR_SHAPE },
		{ "<methodResponse><params><param><value>1</value></param>"
		  "<param><value>2</value></param></params></methodResponse>",
		    XR_PERR_SHAPE },
		{ "<methodResponse><params><param><value>1</value></param>"
		  "</params><x/></methodResponse>",
		    XR_PERR_SHAPE },
		{ "<methodResponse><fault><value><struct><member><name>"
		  "faultCode</name><value><int>1</int></value></member>"
		  "</struct></value></fault></methodResponse>",
		    XR_PERR_SHAPE },
		{ "<methodResponse><fault><value><struct><member><name>"
		  "faultCode</name><value>1</value></member><member><name>"
		  "faultString</name><value>x</value></member></struct>"
		  "</value></fault></methodResponse>",
		    XR_PERR_SHAPE },
		{ "<methodResponse><fault><value>x</value></fault>"
		  "</methodResponse>",
		    XR_PERR_SHAPE },
		{ "<methodCall><methodName>m</methodName></methodCall>",
		    XR_PERR_SHAPE },
		{ "<methodResponse><params><param><value><int>x</int></value>"
		  "</param></params></methodResponse>",
		    XR_PERR_VALUE },
		{ "<methodResponse>", XR_PERR_XML },
	};

	(void)state;
	for (size_t i = 0; i < nitems(rows); i++) {
		struct xr_response r;
		struct fv_diag d;

		if (xr_response_parse(
		        rows[i].body, strlen(rows[i].body), &r, &d) == 0 ||
		    r.perr != rows[i].perr) {
			fail_msg("row %zu: perr %s: %s", i,
			    xr_perr_name(r.perr), d.msg);
		}
		assert_null(r.value);
		assert_null(r.fault_string);
		xr_response_fini(&r);
	}
}

/* A failed parse leaves nothing behind; fini is idempotent. */
static void
test_fini_is_safe(void **state)
{
	struct xr_request req;
	struct xr_response resp;

	(void)state;
	assert_int_equal(xr_request_parse("x", 1, &req, NULL), FV_EPROTO);
	xr_request_fini(&req);
	xr_request_fini(&req);
	assert_int_equal(xr_response_parse("x", 1, &resp, NULL), FV_EPROTO);
	xr_response_fini(&resp);
	xr_response_fini(&resp);
	assert_string_equal(xr_perr_name(XR_PERR_VALUE), "value");
	assert_string_equal(xr_perr_name(XR_PERR_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals_with_sv425_reference),
		cmocka_unit_test(test_accepted_with_sv425_reference),
		cmocka_unit_test(test_every_type_nested),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_huge_strings),
		cmocka_unit_test(test_method_name_cap),
		cmocka_unit_test(test_messages_are_bounded),
		cmocka_unit_test(test_external_entities_never_read),
		cmocka_unit_test(test_entity_bomb_is_cheap),
		cmocka_unit_test(test_response_parse),
		cmocka_unit_test(test_response_refusals),
		cmocka_unit_test(test_fini_is_safe),
		cmocka_unit_test(test_parser_reuse_same_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
