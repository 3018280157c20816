/*
 * Unit tests for the option value converters (agent/src/config/cfg_value.c).
 * Every expected value and message below was produced by supervisor 4.2.5's
 * datatypes.py on Python 3.11 (/usr/bin/python3), except the "too large"
 * refusals, where 4.2.5 would accept a number that does not fit in 64 bits,
 * and the SIG_DFL-style names, which 4.2.5 takes by accident.
 */
#include <sys/stat.h>

#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg_value.h"
#include "tests/support/testsupport.h"

/* test_value_int_ok checks that cfg_integer(s) gives want. */
static void
test_value_int_ok(const char *s, long long want)
{
	struct fv_diag d = { "" };
	long long v = 0;
	int rv = cfg_integer(s, &v, &d);

	if (rv != 0 || v != want) {
		fail_msg(
		    "cfg_integer(\"%s\"): rv %d (%s) value %lld, want %lld", s,
		    rv, d.msg, v, want);
	}
}

/* test_value_int_err checks that cfg_integer(s) fails with msg. */
static void
test_value_int_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	long long v = 0;

	assert_int_equal(cfg_integer(s, &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
}

/* test_value_size_ok checks that cfg_byte_size(s) gives want. */
static void
test_value_size_ok(const char *s, long long want)
{
	struct fv_diag d = { "" };
	long long v = 0;
	int rv = cfg_byte_size(s, &v, &d);

	if (rv != 0 || v != want) {
		fail_msg("cfg_byte_size(\"%s\"): rv %d (%s) value %lld, "
		         "want %lld",
		    s, rv, d.msg, v, want);
	}
}

/* test_value_size_err checks that cfg_byte_size(s) fails with msg. */
static void
test_value_size_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	long long v = 0;

	assert_int_equal(cfg_byte_size(s, &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
}

/* test_value_octal_ok checks that cfg_octal(s) gives want. */
static void
test_value_octal_ok(const char *s, long long want)
{
	struct fv_diag d = { "" };
	long long v = 0;
	int rv = cfg_octal(s, &v, &d);

	if (rv != 0 || v != want) {
		fail_msg("cfg_octal(\"%s\"): rv %d (%s) value %lld, want %lld",
		    s, rv, d.msg, v, want);
	}
}

/* test_value_octal_err checks that cfg_octal(s) fails with msg. */
static void
test_value_octal_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	long long v = 0;

	assert_int_equal(cfg_octal(s, &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
}

/* test_value_bool checks that cfg_boolean(s) gives want. */
static void
test_value_bool(const char *s, bool want)
{
	struct fv_diag d = { "" };
	bool v = !want;
	int rv = cfg_boolean(s, &v, &d);

	if (rv != 0 || v != want) {
		fail_msg("cfg_boolean(\"%s\"): rv %d (%s)", s, rv, d.msg);
	}
}

/* test_value_bool_err checks that cfg_boolean(s) fails with msg. */
static void
test_value_bool_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	bool v;

	assert_int_equal(cfg_boolean(s, &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
}

/* test_value_sig checks that cfg_signal_number(s) gives want. */
static void
test_value_sig(const char *s, int want)
{
	struct fv_diag d = { "" };
	int v = -1;
	int rv = cfg_signal_number(s, &v, &d);

	if (rv != 0 || v != want) {
		fail_msg("cfg_signal_number(\"%s\"): rv %d (%s) value %d, "
		         "want %d",
		    s, rv, d.msg, v, want);
	}
}

/* test_value_sig_err checks that cfg_signal_number(s) fails with msg. */
static void
test_value_sig_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	int v;

	assert_int_equal(cfg_signal_number(s, &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
}

/* test_value_codes checks that cfg_exitcodes(s) gives the n codes in want. */
static void
test_value_codes(const char *s, const int *want, size_t n)
{
	struct fv_diag d = { "" };
	int *codes = NULL;
	size_t nc = 99;

	assert_int_equal(cfg_exitcodes(s, &codes, &nc, &d), 0);
	assert_int_equal(nc, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(codes[i], want[i]);
	}
	free(codes);
}

/* test_value_codes_err checks that cfg_exitcodes(s) fails with msg. */
static void
test_value_codes_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	int *codes = NULL;
	size_t nc = 99;

	assert_int_equal(cfg_exitcodes(s, &codes, &nc, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
	assert_null(codes);
	assert_int_equal(nc, 0);
}

/* test_value_inet checks that cfg_inet_address(s) gives host and port. */
static void
test_value_inet(const char *s, const char *host, int port)
{
	struct fv_diag d = { "" };
	char *h = NULL;
	int p = 0;

	if (cfg_inet_address(s, &h, &p, &d) != 0) {
		fail_msg("cfg_inet_address(\"%s\"): %s", s, d.msg);
	}
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	free(h);
}

/* test_value_inet_err checks that cfg_inet_address(s) fails with msg. */
static void
test_value_inet_err(const char *s, const char *msg)
{
	struct fv_diag d = { "" };
	char *h = NULL;
	int p = 0;

	assert_int_equal(cfg_inet_address(s, &h, &p, &d), FV_EBADCONF);
	assert_string_equal(d.msg, msg);
	assert_null(h);
}

/* test_value_home returns the home directory of name, malloc'd. */
static char *
test_value_home(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (name != NULL) {
		assert_int_equal(
		    getpwnam_r(name, &pw, buf, sizeof(buf), &res), 0);
	} else {
		assert_int_equal(
		    getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res), 0);
	}
	assert_non_null(res);
	return fv_xstrdup(pw.pw_dir);
}

/* test_value_expand checks cfg_expanduser(s) against want. */
static void
test_value_expand(const char *s, const char *want)
{
	char *got = cfg_expanduser(s);

	assert_string_equal(got, want);
	free(got);
}

/* test_value_norm checks cfg_normalize_path(s) against want. */
static void
test_value_norm(const char *s, const char *want)
{
	char *got = cfg_normalize_path(s);

	assert_string_equal(got, want);
	free(got);
}

static void
test_value_integer(void **state)
{
	char big[4400], longx[251], msg[300];

	(void)state;
	test_value_int_ok("42", 42);
	test_value_int_ok(" -17 ", -17);
	test_value_int_ok("+5", 5);
	test_value_int_ok("1_000", 1000);
	test_value_int_ok("\t7\n", 7);
	test_value_int_ok("007", 7);
	test_value_int_ok("-0", 0);
	test_value_int_ok("9223372036854775807", LLONG_MAX);
	test_value_int_ok("-9223372036854775808", LLONG_MIN);
	/* ARABIC-INDIC DIGIT THREE and FOUR. */
	test_value_int_ok("\xd9\xa3\xd9\xa4", 34);
	/* NO-BREAK SPACE and IDEOGRAPHIC SPACE are spaces to int(). */
	test_value_int_ok("\302\2409\343\200\200", 9);
	test_value_int_err(
	    "0x10", "invalid literal for int() with base 10: '0x10'");
	test_value_int_err(
	    "1.5", "invalid literal for int() with base 10: '1.5'");
	test_value_int_err("", "invalid literal for int() with base 10: ''");
	test_value_int_err(" ", "invalid literal for int() with base 10: ' '");
	test_value_int_err(
	    "1__0", "invalid literal for int() with base 10: '1__0'");
	test_value_int_err(
	    "_1", "invalid literal for int() with base 10: '_1'");
	test_value_int_err(
	    "1_", "invalid literal for int() with base 10: '1_'");
	test_value_int_err(
	    "+ 1", "invalid literal for int() with base 10: '+ 1'");
	/* An ASCII string only has ASCII whitespace around a number. */
	test_value_int_err(
	    "\0345", "invalid literal for int() with base 10: '\\x1c5'");
	test_value_int_err(
	    "9223372036854775808", "value '9223372036854775808' is too large");

	/* CPython cuts the quoted value after 200 characters. */
	memset(longx, 'x', 250);
	longx[250] = '\0';
	snprintf(msg, sizeof(msg),
	    "invalid literal for int() with base 10: '%.199s", longx);
	test_value_int_err(longx, msg);

	memset(big, '1', 4301);
	big[4301] = '\0';
	test_value_int_err(big,
	    "Exceeds the limit (4300 digits) for integer string conversion: "
	    "value has 4301 digits; use sys.set_int_max_str_digits() to "
	    "increase the limit");
}

static void
test_value_boolean(void **state)
{
	(void)state;
	test_value_bool("yes", true);
	test_value_bool("TRUE", true);
	test_value_bool("On", true);
	test_value_bool("1", true);
	test_value_bool("no", false);
	test_value_bool("False", false);
	test_value_bool("OFF", false);
	test_value_bool("0", false);
	test_value_bool_err("y", "not a valid boolean value: 'y'");
	test_value_bool_err("", "not a valid boolean value: ''");
	test_value_bool_err(" true", "not a valid boolean value: ' true'");
	test_value_bool_err("truthy", "not a valid boolean value: 'truthy'");
	test_value_bool_err("it's", "not a valid boolean value: \"it's\"");
}

static void
test_value_byte_size(void **state)
{
	(void)state;
	test_value_size_ok("50MB", 52428800);
	test_value_size_ok("1 MB", 1048576);
	test_value_size_ok(" 5kb", 5120);
	test_value_size_ok("-1MB", -1048576);
	test_value_size_ok("1gb", 1073741824);
	test_value_size_ok("1Gb", 1073741824);
	test_value_size_ok("0", 0);
	test_value_size_ok("100", 100);
	test_value_size_ok("1_024KB", 1048576);
	test_value_size_ok("8589934591gb", 9223372035781033984LL);
	/* "5", KELVIN SIGN, "b": lower() makes the K a "k". */
	test_value_size_ok("5\342\204\252b", 5120);
	test_value_size_err("KB", "invalid literal for int() with base 10: ''");
	test_value_size_err(
	    "ABC", "invalid literal for int() with base 10: 'abc'");
	test_value_size_err(
	    "5b", "invalid literal for int() with base 10: '5b'");
	test_value_size_err(
	    "1.5MB", "invalid literal for int() with base 10: '1.5'");
	test_value_size_err(
	    "MB ", "invalid literal for int() with base 10: 'mb '");
	/* LATIN CAPITAL LETTER I WITH DOT ABOVE lowers to two characters. */
	test_value_size_err("\xc4\xb0kb",
	    "invalid literal for int() with base 10: 'i\xcc\x87'");
	test_value_size_err(
	    "8589934592GB", "value '8589934592GB' is too large");
}

static void
test_value_octal(void **state)
{
	(void)state;
	test_value_octal_ok("022", 18);
	test_value_octal_ok("0o22", 18);
	test_value_octal_ok("0O22", 18);
	test_value_octal_ok("-7", -7);
	test_value_octal_ok("  22 ", 18);
	test_value_octal_ok("1_7", 15);
	test_value_octal_ok("0o_7", 7);
	test_value_octal_ok("777", 511);
	test_value_octal_err("08", "08 can not be converted to an octal type");
	test_value_octal_err(
	    "0x1f", "0x1f can not be converted to an octal type");
	test_value_octal_err("", " can not be converted to an octal type");
	test_value_octal_err("0o", "0o can not be converted to an octal type");
	test_value_octal_err("9", "9 can not be converted to an octal type");
	test_value_octal_err("111111111111111111111111111111",
	    "value '111111111111111111111111111111' is too large");
}

static void
test_value_signal_number(void **state)
{
	(void)state;
	test_value_sig("15", 15);
	test_value_sig("0", 0);
	test_value_sig("34", 34);
	test_value_sig("64", 64);
	test_value_sig("+9", 9);
	test_value_sig(" 1_5", 15);
	test_value_sig("TERM", 15);
	test_value_sig("sigterm", 15);
	test_value_sig(" HUP ", 1);
	test_value_sig("Sigkill", 9);
	test_value_sig("rtmin", 34);
	test_value_sig("SIGRTMAX", 64);
	test_value_sig("CLD", 17);
	test_value_sig("IOT", 6);
	test_value_sig("POLL", 29);
	test_value_sig("IO", 29);
	/* LATIN SMALL LETTER LONG S upper-cases to "S". */
	test_value_sig("\xc5\xbfigterm", 15);
	/* LATIN SMALL LIGATURE ST upper-cases to "ST". */
	test_value_sig("\xef\xac\x86op", 19);
	test_value_sig_err("35", "value '35' is not a valid signal number");
	test_value_sig_err("32", "value '32' is not a valid signal number");
	test_value_sig_err("-1", "value '-1' is not a valid signal number");
	test_value_sig_err("65", "value '65' is not a valid signal number");
	test_value_sig_err("99999999999999999999",
	    "value '99999999999999999999' is not a valid signal number");
	test_value_sig_err("BOGUS", "value 'BOGUS' is not a valid signal name");
	test_value_sig_err("SIG", "value 'SIG' is not a valid signal name");
	test_value_sig_err("", "value '' is not a valid signal name");
	test_value_sig_err(
	    "SIGRTMIN+1", "value 'SIGRTMIN+1' is not a valid signal name");
	/* 4.2.5 takes these (as 0 and 1) through getattr(); we do not. */
	test_value_sig_err("_DFL", "value '_DFL' is not a valid signal name");
	test_value_sig_err(
	    "sig_ign", "value 'sig_ign' is not a valid signal name");
}

static void
test_value_signal_name(void **state)
{
	(void)state;
	assert_string_equal(cfg_signal_name(15), "SIGTERM");
	assert_string_equal(cfg_signal_name(1), "SIGHUP");
	assert_string_equal(cfg_signal_name(9), "SIGKILL");
	assert_string_equal(cfg_signal_name(6), "SIGABRT");
	assert_string_equal(cfg_signal_name(17), "SIGCHLD");
	/* 4.2.5's signame() says SIGPOLL, not SIGIO. */
	assert_string_equal(cfg_signal_name(29), "SIGPOLL");
	assert_string_equal(cfg_signal_name(34), "SIGRTMIN");
	assert_string_equal(cfg_signal_name(64), "SIGRTMAX");
	assert_null(cfg_signal_name(0));
	assert_null(cfg_signal_name(32));
	assert_null(cfg_signal_name(35));
	assert_null(cfg_signal_name(-1));
}

static void
test_value_exitcodes(void **state)
{
	static const int zero[] = { 0 }, two[] = { 0, 2 }, edge[] = { 1, 255 };

	(void)state;
	test_value_codes("0", zero, 1);
	test_value_codes("0,2", two, 2);
	test_value_codes(" 1 , 255", edge, 2);
	test_value_codes("", NULL, 0);
	test_value_codes_err("0,", "not a valid list of exit codes: '0,'");
	test_value_codes_err("256", "not a valid list of exit codes: '256'");
	test_value_codes_err("-1", "not a valid list of exit codes: '-1'");
	test_value_codes_err("a", "not a valid list of exit codes: 'a'");
	test_value_codes_err("1,,2", "not a valid list of exit codes: '1,,2'");
	test_value_codes_err(" ", "not a valid list of exit codes: ' '");
}

static void
test_value_autorestart(void **state)
{
	struct fv_diag d = { "" };
	enum cfg_autorestart v = CFG_AUTORESTART_FALSE;

	(void)state;
	assert_int_equal(cfg_autorestart("true", &v, &d), 0);
	assert_int_equal(v, CFG_AUTORESTART_TRUE);
	assert_int_equal(cfg_autorestart("UNEXPECTED", &v, &d), 0);
	assert_int_equal(v, CFG_AUTORESTART_UNEXPECTED);
	assert_int_equal(cfg_autorestart("False", &v, &d), 0);
	assert_int_equal(v, CFG_AUTORESTART_FALSE);
	assert_int_equal(cfg_autorestart("1", &v, &d), 0);
	assert_int_equal(v, CFG_AUTORESTART_TRUE);
	assert_int_equal(cfg_autorestart("0", &v, &d), 0);
	assert_int_equal(v, CFG_AUTORESTART_FALSE);
	/* The message quotes the lower-cased value. */
	assert_int_equal(cfg_autorestart("Maybe", &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "invalid 'autorestart' value 'maybe'");
	assert_int_equal(cfg_autorestart("", &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "invalid 'autorestart' value ''");
	assert_int_equal(
	    cfg_autorestart("\xc3\x89T\xc3\x89", &v, &d), FV_EBADCONF);
	assert_string_equal(
	    d.msg, "invalid 'autorestart' value '\xc3\xa9t\xc3\xa9'");
}

static void
test_value_logging_level(void **state)
{
	static const struct {
		const char *s;
		int level;
	} ok[] = {
		{ "CRITICAL", 50 },
		{ "error", 40 },
		{ "Warn", 30 },
		{ "info", 20 },
		{ "DEBUG", 10 },
		{ "trace", 5 },
		{ "blather", 3 },
	};
	struct fv_diag d = { "" };
	int v;

	(void)state;
	for (size_t i = 0; i < nitems(ok); i++) {
		v = -1;
		assert_int_equal(cfg_logging_level(ok[i].s, &v, &d), 0);
		assert_int_equal(v, ok[i].level);
	}
	assert_int_equal(cfg_logging_level("warning", &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "bad logging level name 'warning'");
	assert_int_equal(cfg_logging_level("", &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "bad logging level name ''");
	/* 4.2.5 returns the string 'supervisor.loggers' here. */
	assert_int_equal(cfg_logging_level("__module__", &v, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "bad logging level name '__module__'");
}

static void
test_value_inet_address(void **state)
{
	(void)state;
	test_value_inet("127.0.0.1:9001", "127.0.0.1", 9001);
	test_value_inet("LocalHost:80", "localhost", 80);
	test_value_inet("*:9001", "", 9001);
	test_value_inet(":9001", "", 9001);
	test_value_inet("9001", "", 9001);
	test_value_inet("[::1]:80", "[::1]", 80);
	test_value_inet("a:b:80", "a:b", 80);
	test_value_inet("h:1_0", "h", 10);
	test_value_inet("h: 80 ", "h", 80);
	test_value_inet(" :80", " ", 80);
	/* 4.2.5 quotes the empty port part, not the whole value. */
	test_value_inet_err("host:", "no port number specified in ''");
	test_value_inet_err(
	    "host:abc", "invalid literal for int() with base 10: 'abc'");
	test_value_inet_err("host:0", "0 is below lower bound (1)");
	test_value_inet_err("host:-1", "-1 is below lower bound (1)");
	test_value_inet_err("host:65536", "65536 is above upper bound (65535)");
	test_value_inet_err("h:99999999999999999999",
	    "99999999999999999999 is above upper bound (65535)");
	test_value_inet_err("h:-0000_9", "-9 is below lower bound (1)");
	/* Without a colon every failure reads the same, trailing space too. */
	test_value_inet_err("0", "not a valid port number: '0' ");
	test_value_inet_err("65536", "not a valid port number: '65536' ");
	test_value_inet_err("abc", "not a valid port number: 'abc' ");
	test_value_inet_err("", "not a valid port number: '' ");
}

static void
test_value_uid_gid(void **state)
{
	struct fv_diag d = { "" };
	long id = -2, g = -2;

	(void)state;
	assert_int_equal(cfg_name_to_uid("root", &id, &d), 0);
	assert_int_equal(id, 0);
	id = -2;
	assert_int_equal(cfg_name_to_uid(" 0 ", &id, &d), 0);
	assert_int_equal(id, 0);
	id = -2;
	assert_int_equal(cfg_name_to_uid("0_0", &id, &d), 0);
	assert_int_equal(id, 0);
	assert_int_equal(cfg_name_to_uid("nobody", &id, &d), 0);
	assert_int_equal(id, 65534);
	id = -2;
	assert_int_equal(cfg_name_to_uid("65534", &id, &d), 0);
	assert_int_equal(id, 65534);
	assert_int_equal(cfg_name_to_uid("nosuchuser", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid user name nosuchuser");
	assert_int_equal(cfg_name_to_uid("4000000", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid user id 4000000");
	assert_int_equal(cfg_name_to_uid("-1", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid user id -1");
	assert_int_equal(cfg_name_to_uid("", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid user name ");

	assert_int_equal(cfg_name_to_gid("root", &id, &d), 0);
	assert_int_equal(id, 0);
	id = -2;
	assert_int_equal(cfg_name_to_gid("0", &id, &d), 0);
	assert_int_equal(id, 0);
	assert_int_equal(cfg_name_to_gid("nogroup", &id, &d), 0);
	assert_int_equal(id, 65534);
	id = -2;
	assert_int_equal(cfg_name_to_gid("65534", &id, &d), 0);
	assert_int_equal(id, 65534);
	assert_int_equal(cfg_name_to_gid("nosuchgroup", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid group name nosuchgroup");
	assert_int_equal(cfg_name_to_gid("4000000", &id, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "Invalid group id 4000000");

	assert_int_equal(cfg_gid_for_uid(0, &g, &d), 0);
	assert_int_equal(g, 0);
	assert_int_equal(cfg_gid_for_uid(65534, &g, &d), 0);
	assert_int_equal(g, 65534);
	assert_int_equal(cfg_gid_for_uid(4000000, &g, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "getpwuid(): uid not found: 4000000");
}

static void
test_value_user_group(void **state)
{
	static const char *const bad[] = { "root:", "root:nosuchgroup",
		"nosuchuser:root", ":root", "root:0:0", "4000000:0" };
	struct fv_diag d = { "" };
	long u = -2, g = -2;
	char want[128];

	(void)state;
	assert_int_equal(cfg_user_group("root", &u, &g, &d), 0);
	assert_int_equal(u, 0);
	assert_int_equal(g, -1);
	assert_int_equal(cfg_user_group("root:root", &u, &g, &d), 0);
	assert_int_equal(u, 0);
	assert_int_equal(g, 0);
	assert_int_equal(cfg_user_group("nobody:nogroup", &u, &g, &d), 0);
	assert_int_equal(u, 65534);
	assert_int_equal(g, 65534);
	u = g = -2;
	assert_int_equal(cfg_user_group("0:0", &u, &g, &d), 0);
	assert_int_equal(u, 0);
	assert_int_equal(g, 0);
	for (size_t i = 0; i < nitems(bad); i++) {
		snprintf(want, sizeof(want), "Invalid user:group definition %s",
		    bad[i]);
		assert_int_equal(
		    cfg_user_group(bad[i], &u, &g, &d), FV_EBADCONF);
		assert_string_equal(d.msg, want);
	}
}

static void
test_value_expanduser(void **state)
{
	char *saved =
	    getenv("HOME") != NULL ? fv_xstrdup(getenv("HOME")) : NULL;
	char *root = test_value_home("root"), *mine, *want;

	(void)state;
	setenv("HOME", "/home/u/", 1);
	test_value_expand("~", "/home/u");
	test_value_expand("~/x", "/home/u/x");
	test_value_expand("~/", "/home/u/");
	test_value_expand("a~", "a~");
	test_value_expand("/abs/~", "/abs/~");
	test_value_expand("~nosuchuser/x", "~nosuchuser/x");
	want = fv_xasprintf("%s/y", root);
	test_value_expand("~root/y", want);
	free(want);
	test_value_expand("~root", root);
	setenv("HOME", "/", 1);
	test_value_expand("~", "/");
	test_value_expand("~/x", "/x");
	setenv("HOME", "", 1);
	test_value_expand("~", "/");
	test_value_expand("~/x", "/x");
	/* Without HOME the password database names the home. */
	unsetenv("HOME");
	mine = test_value_home(NULL);
	want = fv_xasprintf("%s/z", strcmp(mine, "/") == 0 ? "" : mine);
	test_value_expand("~/z", want);
	free(want);
	free(mine);
	free(root);
	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	}
}

static void
test_value_normalize_path(void **state)
{
	char *cwd = getcwd(NULL, 0);
	char *saved =
	    getenv("HOME") != NULL ? fv_xstrdup(getenv("HOME")) : NULL;

	(void)state;
	assert_non_null(cwd);
	assert_int_equal(chdir("/"), 0);
	setenv("HOME", "/home/u", 1);
	test_value_norm("/a/./b//c/../d", "/a/b/d");
	test_value_norm("//a//b", "//a/b");
	test_value_norm("//a//b/..", "//a");
	test_value_norm("///a", "/a");
	test_value_norm("/..", "/");
	test_value_norm("rel", "/rel");
	test_value_norm("", "/");
	test_value_norm("a/../..", "/");
	test_value_norm("./a/./b/", "/a/b");
	test_value_norm("~/../v", "/home/v");
	test_value_norm("~nosuchuser", "/~nosuchuser");
	assert_int_equal(chdir("/tmp"), 0);
	test_value_norm("x/y", "/tmp/x/y");
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	} else {
		unsetenv("HOME");
	}
}

static void
test_value_paths(void **state)
{
	struct fv_diag d = { "" };
	char *dir = fv_test_mkdtemp(), *file, *sub, *link, *s, *out, *want;
	char *saved =
	    getenv("HOME") != NULL ? fv_xstrdup(getenv("HOME")) : NULL;
	enum cfg_logfile_kind kind;

	(void)state;
	file = fv_test_write(dir, "f.txt", "x");
	s = fv_test_write(dir, "sub/keep", "");
	free(s);
	sub = fv_xasprintf("%s/sub", dir);
	link = fv_xasprintf("%s/link", dir);
	assert_int_equal(symlink(sub, link), 0);

	assert_int_equal(cfg_existing_directory(dir, &out, &d), 0);
	assert_string_equal(out, dir);
	free(out);
	assert_int_equal(cfg_existing_directory(link, &out, &d), 0);
	assert_string_equal(out, link);
	free(out);
	assert_int_equal(cfg_existing_directory(file, &out, &d), FV_EBADCONF);
	want = fv_xasprintf("%s is not an existing directory", file);
	assert_string_equal(d.msg, want);
	free(want);
	assert_null(out);
	assert_int_equal(cfg_existing_directory("", &out, &d), FV_EBADCONF);
	assert_string_equal(d.msg, " is not an existing directory");
	setenv("HOME", dir, 1);
	assert_int_equal(cfg_existing_directory("~", &out, &d), 0);
	assert_string_equal(out, dir);
	free(out);

	/* existing_dirpath: only the directory part has to exist. */
	s = fv_xasprintf("%s/sub/x.log", dir);
	assert_int_equal(cfg_existing_dirpath(s, &out, &d), 0);
	assert_string_equal(out, s);
	free(out);
	free(s);
	assert_int_equal(cfg_existing_dirpath("x.log", &out, &d), 0);
	assert_string_equal(out, "x.log");
	free(out);
	assert_int_equal(cfg_existing_dirpath("", &out, &d), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(cfg_existing_dirpath("//x", &out, &d), 0);
	assert_string_equal(out, "//x");
	free(out);
	assert_int_equal(cfg_existing_dirpath("~/x.log", &out, &d), 0);
	want = fv_xasprintf("%s/x.log", dir);
	assert_string_equal(out, want);
	free(want);
	free(out);
	s = fv_xasprintf("%s/f.txt/x.log", dir);
	assert_int_equal(cfg_existing_dirpath(s, &out, &d), FV_EBADCONF);
	want = fv_xasprintf(
	    "The directory named as part of the path %s does not exist", s);
	assert_string_equal(d.msg, want);
	free(want);
	free(s);
	assert_int_equal(cfg_existing_dirpath("/nonexistent/foo.log", &out, &d),
	    FV_EBADCONF);
	assert_string_equal(d.msg,
	    "The directory named as part of the path /nonexistent/foo.log "
	    "does not exist");

	/* logfile_name: the special words, then existing_dirpath. */
	assert_int_equal(cfg_logfile_name("NONE", &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_NONE);
	assert_null(out);
	assert_int_equal(cfg_logfile_name("off", &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_NONE);
	assert_int_equal(cfg_logfile_name("Auto", &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_AUTO);
	assert_int_equal(cfg_logfile_name("SYSLOG", &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_SYSLOG);
	assert_null(out);
	s = fv_xasprintf("%s/sub/a.log", dir);
	assert_int_equal(cfg_logfile_name(s, &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_PATH);
	assert_string_equal(out, s);
	free(out);
	free(s);
	assert_int_equal(cfg_logfile_name("none ", &kind, &out, &d), 0);
	assert_int_equal(kind, CFG_LOGFILE_PATH);
	assert_string_equal(out, "none ");
	free(out);
	assert_int_equal(
	    cfg_logfile_name("/nonexistent/x.log", &kind, &out, &d),
	    FV_EBADCONF);
	assert_string_equal(d.msg,
	    "The directory named as part of the path /nonexistent/x.log "
	    "does not exist");
	assert_null(out);

	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	} else {
		unsetenv("HOME");
	}
	fv_test_rmtree(dir);
	free(link);
	free(sub);
	free(file);
	free(dir);
}

static void
test_value_process_name(void **state)
{
	static const struct {
		const char *s, *want;
	} ok[] = {
		{ "foo", "foo" },
		{ " foo ", "foo" },
		{ "\tfoo\t", "foo" },
		{ "", "" },
		{ "a\tb", "a\tb" },
		/* str.strip() takes U+001C and IDEOGRAPHIC SPACE too. */
		{ "\034foo\343\200\200", "foo" },
	};
	static const struct {
		const char *s, *msg;
	} bad[] = {
		{ "foo bar",
		    "Invalid name: 'foo bar' because of character: ' '" },
		{ "a:b", "Invalid name: 'a:b' because of character: ':'" },
		{ "a/b", "Invalid name: 'a/b' because of character: '/'" },
		/* The characters are tried in the order ' ', ':', '/'. */
		{ "a/b c", "Invalid name: 'a/b c' because of character: ' '" },
	};
	struct fv_diag d = { "" };
	char *out;

	(void)state;
	for (size_t i = 0; i < nitems(ok); i++) {
		assert_int_equal(
		    cfg_process_or_group_name(ok[i].s, &out, &d), 0);
		assert_string_equal(out, ok[i].want);
		free(out);
	}
	for (size_t i = 0; i < nitems(bad); i++) {
		assert_int_equal(
		    cfg_process_or_group_name(bad[i].s, &out, &d), FV_EBADCONF);
		assert_string_equal(d.msg, bad[i].msg);
		assert_null(out);
	}
}

static void
test_value_list_of_strings(void **state)
{
	struct fv_strv sv = { 0 };

	(void)state;
	cfg_list_of_strings("", &sv);
	assert_int_equal(sv.n, 0);
	cfg_list_of_strings(" a , b ", &sv);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "b");
	fv_strv_free(&sv);
	cfg_list_of_strings("a,,b", &sv);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "");
	assert_string_equal(sv.v[2], "b");
	fv_strv_free(&sv);
	cfg_list_of_strings(",", &sv);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "");
	assert_string_equal(sv.v[1], "");
	fv_strv_free(&sv);
	cfg_list_of_strings(" ", &sv);
	assert_int_equal(sv.n, 1);
	assert_string_equal(sv.v[0], "");
	fv_strv_free(&sv);
	cfg_list_of_strings("a,\343\200\200b\302\240", &sv);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "b");
	fv_strv_free(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_integer),
		cmocka_unit_test(test_value_boolean),
		cmocka_unit_test(test_value_byte_size),
		cmocka_unit_test(test_value_octal),
		cmocka_unit_test(test_value_signal_number),
		cmocka_unit_test(test_value_signal_name),
		cmocka_unit_test(test_value_exitcodes),
		cmocka_unit_test(test_value_autorestart),
		cmocka_unit_test(test_value_logging_level),
		cmocka_unit_test(test_value_inet_address),
		cmocka_unit_test(test_value_uid_gid),
		cmocka_unit_test(test_value_user_group),
		cmocka_unit_test(test_value_expanduser),
		cmocka_unit_test(test_value_normalize_path),
		cmocka_unit_test(test_value_paths),
		cmocka_unit_test(test_value_process_name),
		cmocka_unit_test(test_value_list_of_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
