/*
 * Unit tests for cfg_expand and cfg_py_repr. Every expected value in the
 * tables was produced by the real Python 3.11 (supervisor 4.2.5's
 * options.expand() and repr()) with the expansions that
 * test_cfg_expand_fill sets up, and pasted here as a literal. The cases
 * after the tables pin the results we deliberately do not take from
 * Python (see the opening comment of cfg_expand.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "config/cfg_expand.h"

struct test_cfg_expand_case {
	const char *fmt;
	const char *out; /* NULL when Python raised */
	const char *msg; /* 4.2.5's ValueError text */
};

static const struct test_cfg_expand_case test_cfg_expand_cases[] = {
	{ "", "", NULL },
	{ "no conversions", "no conversions", NULL },
	{ "100%%", "100%", NULL },
	{ "%%%%", "%%", NULL },
	{ "a%%b%(a)s", "a%b5", NULL },
	{ "%(here)s/bin/%(program_name)s", "/etc/sv/bin/cat", NULL },
	{ "%(program_name)s_%(process_num)02d", "cat_03", NULL },
	{ "%(x(y))s", "paren", NULL },
	{ "%(e)s|", "|", NULL },
	{ "%(b)s", "xyz", NULL },
	{ "%(a)s", "5", NULL },
	{ "%(n)s", "-255", NULL },
	{ "%(a)-5s|", "5    |", NULL },
	{ "%(a)5s|", "    5|", NULL },
	{ "%(b)-6s|", "xyz   |", NULL },
	{ "%(b)6s|", "   xyz|", NULL },
	{ "%(b).2s", "xy", NULL },
	{ "%(b)6.1s|", "     x|", NULL },
	{ "%(b)-6.1s|", "x     |", NULL },
	{ "%(u)s", "\303\251\342\202\254", NULL },
	{ "%(u).1s|", "\303\251|", NULL },
	{ "%(u)5s|", "   \303\251\342\202\254|", NULL },
	{ "%(n)05s", " -255", NULL },
	{ "%(b)+s", "xyz", NULL },
	{ "%(b)r", "'xyz'", NULL },
	{ "%(h)r", "'it\\'s \"x\"\\n\\x01\\x7f'", NULL },
	{ "%(h)a", "'it\\'s \"x\"\\n\\x01\\x7f'", NULL },
	{ "%(u)r", "'\303\251\342\202\254'", NULL },
	{ "%(u)a", "'\\xe9\\u20ac'", NULL },
	{ "%(a)r", "5", NULL },
	{ "%(n)a", "-255", NULL },
	{ "%(b).3r", "'xy", NULL },
	{ "%(a)d", "5", NULL },
	{ "%(n)d", "-255", NULL },
	{ "%(a)i", "5", NULL },
	{ "%(a)u", "5", NULL },
	{ "%(a)5d|", "    5|", NULL },
	{ "%(a)-5d|", "5    |", NULL },
	{ "%(a)05d", "00005", NULL },
	{ "%(a)-05d|", "5    |", NULL },
	{ "%(a)+d", "+5", NULL },
	{ "%(a) d", " 5", NULL },
	{ "%(a)+ d", "+5", NULL },
	{ "%(n)+d", "-255", NULL },
	{ "%(n) 6d|", "  -255|", NULL },
	{ "%(n)06d", "-00255", NULL },
	{ "%(a).3d", "005", NULL },
	{ "%(n).5d", "-00255", NULL },
	{ "%(a)8.3d|", "     005|", NULL },
	{ "%(a)+08.3d", "+0000005", NULL },
	{ "%(zero).0d", "0", NULL },
	{ "%(m)d", "12345678901234567", NULL },
	{ "%(a)ld", "5", NULL },
	{ "%(a)hd", "5", NULL },
	{ "%(a)Ld", "5", NULL },
	{ "%(n)o", "-377", NULL },
	{ "%(a)#o", "0o5", NULL },
	{ "%(zero)#o", "0o0", NULL },
	{ "%(n)#o", "-0o377", NULL },
	{ "%(n)x", "-ff", NULL },
	{ "%(n)X", "-FF", NULL },
	{ "%(n)#x", "-0xff", NULL },
	{ "%(n)#X", "-0XFF", NULL },
	{ "%(n)#8x|", "   -0xff|", NULL },
	{ "%(n)#-8x|", "-0xff   |", NULL },
	{ "%(n)#08x", "-0x000ff", NULL },
	{ "%(n)#08X", "-0X000FF", NULL },
	{ "%(n).5x", "-000ff", NULL },
	{ "%(n)#.5x", "-0x000ff", NULL },
	{ "%(m)x", "2bdc545d6b4b87", NULL },
	{ "%(a)+#x", "+0x5", NULL },
	{ "%(a) #o", " 0o5", NULL },
	{ "%(a)f", "5.000000", NULL },
	{ "%(n)f", "-255.000000", NULL },
	{ "%(a).2f", "5.00", NULL },
	{ "%(a)#.0f", "5.", NULL },
	{ "%(n)+010.2f", "-000255.00", NULL },
	{ "%(n)-+10.2f|", "-255.00   |", NULL },
	{ "%(n) 012.2F", "-00000255.00", NULL },
	{ "%(a)e", "5.000000e+00", NULL },
	{ "%(m)e", "1.234568e+16", NULL },
	{ "%(a)#.0e", "5.e+00", NULL },
	{ "%(m).3E", "1.235E+16", NULL },
	{ "%(a)010.3e", "05.000e+00", NULL },
	{ "%(a)g", "5", NULL },
	{ "%(m)g", "1.23457e+16", NULL },
	{ "%(a)#g", "5.00000", NULL },
	{ "%(m)G", "1.23457E+16", NULL },
	{ "%(a).0g", "5", NULL },
	{ "%(big)g", "1.09951e+12", NULL },
	{ "%(big)f", "1099511627776.000000", NULL },
	{ "%(a)+g", "+5", NULL },
	{ "%(a)c", "\005", NULL },
	{ "%(z)c", "q", NULL },
	{ "%(z)5c|", "    q|", NULL },
	{ "%(z)-5c|", "q    |", NULL },
	{ "%(z).0c", "q", NULL },
	{ "%(u)c", NULL,
	    "Format string '%(u)c' for 'program:foo.command' is badly "
	    "formatted: %c requires int or char" },
	{ "%(nope)s", NULL,
	    "Format string '%(nope)s' for 'program:foo.command' contains names "
	    "('nope') which cannot be expanded. Available names: a, b, big, e, "
	    "h, here, m, n, process_num, program_name, u, x(y), z, zero" },
	{ "%(nope)q", NULL,
	    "Format string '%(nope)q' for 'program:foo.command' contains names "
	    "('nope') which cannot be expanded. Available names: a, b, big, e, "
	    "h, here, m, n, process_num, program_name, u, x(y), z, zero" },
	{ "%(nope)", NULL,
	    "Format string '%(nope)' for 'program:foo.command' contains names "
	    "('nope') which cannot be expanded. Available names: a, b, big, e, "
	    "h, here, m, n, process_num, program_name, u, x(y), z, zero" },
	{ "%()s", NULL,
	    "Format string '%()s' for 'program:foo.command' contains names "
	    "('') which cannot be expanded. Available names: a, b, big, e, h, "
	    "here, m, n, process_num, program_name, u, x(y), z, zero" },
	{ "%(a)d%(NOPE)s", NULL,
	    "Format string '%(a)d%(NOPE)s' for 'program:foo.command' contains "
	    "names ('NOPE') which cannot be expanded. Available names: a, b, "
	    "big, e, h, here, m, n, process_num, program_name, u, x(y), z, "
	    "zero" },
	{ "%(h\\n)s", NULL,
	    "Format string '%(h\\\\n)s' for 'program:foo.command' contains "
	    "names ('h\\\\n') which cannot be expanded. Available names: a, b, "
	    "big, e, h, here, m, n, process_num, program_name, u, x(y), z, "
	    "zero" },
	{ "%", NULL,
	    "Format string '%' for 'program:foo.command' is badly formatted: "
	    "incomplete format" },
	{ "abc%", NULL,
	    "Format string 'abc%' for 'program:foo.command' is badly "
	    "formatted: incomplete format" },
	{ "%(abc", NULL,
	    "Format string '%(abc' for 'program:foo.command' is badly "
	    "formatted: incomplete format key" },
	{ "%((a)s", NULL,
	    "Format string '%((a)s' for 'program:foo.command' is badly "
	    "formatted: incomplete format key" },
	{ "%(a)", NULL,
	    "Format string '%(a)' for 'program:foo.command' is badly "
	    "formatted: incomplete format" },
	{ "%(a)5", NULL,
	    "Format string '%(a)5' for 'program:foo.command' is badly "
	    "formatted: incomplete format" },
	{ "%(a).", NULL,
	    "Format string '%(a).' for 'program:foo.command' is badly "
	    "formatted: incomplete format" },
	{ "%(a)l", NULL,
	    "Format string '%(a)l' for 'program:foo.command' is badly "
	    "formatted: incomplete format" },
	{ "%(a)q", NULL,
	    "Format string '%(a)q' for 'program:foo.command' is badly "
	    "formatted: unsupported format character 'q' (0x71) at index 4" },
	{ "%q", NULL,
	    "Format string '%q' for 'program:foo.command' is badly formatted: "
	    "unsupported format character 'q' (0x71) at index 1" },
	{ "%(a)%", NULL,
	    "Format string '%(a)%' for 'program:foo.command' is badly "
	    "formatted: unsupported format character '%' (0x25) at index 4" },
	{ "%5%", NULL,
	    "Format string '%5%' for 'program:foo.command' is badly formatted: "
	    "unsupported format character '%' (0x25) at index 2" },
	{ "%(a)lld", NULL,
	    "Format string '%(a)lld' for 'program:foo.command' is badly "
	    "formatted: unsupported format character 'l' (0x6c) at index 5" },
	{ "\303\251%(a)\303\251", NULL,
	    "Format string '\303\251%(a)\303\251' for 'program:foo.command' is "
	    "badly formatted: unsupported format character '\?' (0xe9) at "
	    "index 5" },
	{ "\342\202\254%(a)\360\237\230\200", NULL,
	    "Format string '\342\202\254%(a)\360\237\230\200' for "
	    "'program:foo.command' is badly formatted: unsupported format "
	    "character '\?' (0x1f600) at index 5" },
	{ "%(b)d", NULL,
	    "Format string '%(b)d' for 'program:foo.command' is badly "
	    "formatted: %d format: a real number is required, not str" },
	{ "%(b)i", NULL,
	    "Format string '%(b)i' for 'program:foo.command' is badly "
	    "formatted: %i format: a real number is required, not str" },
	{ "%(b)u", NULL,
	    "Format string '%(b)u' for 'program:foo.command' is badly "
	    "formatted: %u format: a real number is required, not str" },
	{ "%(b)x", NULL,
	    "Format string '%(b)x' for 'program:foo.command' is badly "
	    "formatted: %x format: an integer is required, not str" },
	{ "%(b)X", NULL,
	    "Format string '%(b)X' for 'program:foo.command' is badly "
	    "formatted: %X format: an integer is required, not str" },
	{ "%(b)o", NULL,
	    "Format string '%(b)o' for 'program:foo.command' is badly "
	    "formatted: %o format: an integer is required, not str" },
	{ "%(b)f", NULL,
	    "Format string '%(b)f' for 'program:foo.command' is badly "
	    "formatted: must be real number, not str" },
	{ "%(b)e", NULL,
	    "Format string '%(b)e' for 'program:foo.command' is badly "
	    "formatted: must be real number, not str" },
	{ "%(b)G", NULL,
	    "Format string '%(b)G' for 'program:foo.command' is badly "
	    "formatted: must be real number, not str" },
	{ "%(b)c", NULL,
	    "Format string '%(b)c' for 'program:foo.command' is badly "
	    "formatted: %c requires int or char" },
	{ "%(e)c", NULL,
	    "Format string '%(e)c' for 'program:foo.command' is badly "
	    "formatted: %c requires int or char" },
	{ "%(big)c", NULL,
	    "Format string '%(big)c' for 'program:foo.command' is badly "
	    "formatted: %c arg not in range(0x110000)" },
	{ "%(n)c", NULL,
	    "Format string '%(n)c' for 'program:foo.command' is badly "
	    "formatted: %c arg not in range(0x110000)" },
	{ "%(a)s%s", NULL,
	    "Format string '%(a)s%s' for 'program:foo.command' is badly "
	    "formatted: not enough arguments for format string" },
	{ "%(a)*d", NULL,
	    "Format string '%(a)*d' for 'program:foo.command' is badly "
	    "formatted: not enough arguments for format string" },
	{ "%(a).*d", NULL,
	    "Format string '%(a).*d' for 'program:foo.command' is badly "
	    "formatted: not enough arguments for format string" },
	{ "%(a)*.*d", NULL,
	    "Format string '%(a)*.*d' for 'program:foo.command' is badly "
	    "formatted: not enough arguments for format string" },
	{ "%*d", NULL,
	    "Format string '%*d' for 'program:foo.command' is badly formatted: "
	    "* wants int" },
	{ "%(b)*d", NULL,
	    "Format string '%(b)*d' for 'program:foo.command' is badly "
	    "formatted: * wants int" },
	{ "%.*s", NULL,
	    "Format string '%.*s' for 'program:foo.command' is badly "
	    "formatted: * wants int" },
	{ "%(b).*s", NULL,
	    "Format string '%(b).*s' for 'program:foo.command' is badly "
	    "formatted: * wants int" },
	{ "%(big).*s", NULL,
	    "Format string '%(big).*s' for 'program:foo.command' is badly "
	    "formatted: Python int too large to convert to C int" },
	{ "%d", NULL,
	    "Format string '%d' for 'program:foo.command' is badly formatted: "
	    "%d format: a real number is required, not dict" },
	{ "%i", NULL,
	    "Format string '%i' for 'program:foo.command' is badly formatted: "
	    "%i format: a real number is required, not dict" },
	{ "%x", NULL,
	    "Format string '%x' for 'program:foo.command' is badly formatted: "
	    "%x format: an integer is required, not dict" },
	{ "%o", NULL,
	    "Format string '%o' for 'program:foo.command' is badly formatted: "
	    "%o format: an integer is required, not dict" },
	{ "%f", NULL,
	    "Format string '%f' for 'program:foo.command' is badly formatted: "
	    "must be real number, not dict" },
	{ "%c", NULL,
	    "Format string '%c' for 'program:foo.command' is badly formatted: "
	    "%c requires int or char" },
	{ "%s%(nope)s", NULL,
	    "Format string '%s%(nope)s' for 'program:foo.command' contains "
	    "names ('nope') which cannot be expanded. Available names: a, b, "
	    "big, e, h, here, m, n, process_num, program_name, u, x(y), z, "
	    "zero" },
	{ "%r%", NULL,
	    "Format string '%r%' for 'program:foo.command' is badly formatted: "
	    "incomplete format" },
	{ "%(zero)c%(a)q", NULL,
	    "Format string '%(zero)c%(a)q' for 'program:foo.command' is badly "
	    "formatted: unsupported format character 'q' (0x71) at index 12" },
	{ "%(a)99999999999999999999d", NULL,
	    "Format string '%(a)99999999999999999999d' for "
	    "'program:foo.command' is badly formatted: width too big" },
	{ "%(a).99999999999d", NULL,
	    "Format string '%(a).99999999999d' for 'program:foo.command' is "
	    "badly formatted: precision too big" },
	{ "%(a).2147483645d", NULL,
	    "Format string '%(a).2147483645d' for 'program:foo.command' is "
	    "badly formatted: precision too large" },
};

struct test_cfg_expand_repr_case {
	const char *s;
	const char *repr;
};

static const struct test_cfg_expand_repr_case test_cfg_expand_reprs[] = {
	{ "", "''" },
	{ "abc", "'abc'" },
	{ "it's", "\"it's\"" },
	{ "say \"hi\"", "'say \"hi\"'" },
	{ "both ' and \"", "'both \\' and \"'" },
	{ "back\\slash", "'back\\\\slash'" },
	{ "tab\there", "'tab\\there'" },
	{ "nl\nx\015", "'nl\\nx\\r'" },
	{ "\001\037\177", "'\\x01\\x1f\\x7f'" },
	{ "\303\251\342\202\254\360\237\230\200",
	    "'\303\251\342\202\254\360\237\230\200'" },
	{ "\302\205\302\240\302\255\302\241", "'\\x85\\xa0\\xad\302\241'" },
	/* Not UTF-8 (Python never sees this): each byte as \xNN. */
	{ "\377a\303", "'\\xffa\\xc3'" },
};

/*
 * test_cfg_expand_fill sets up the names the tables were generated with.
 * "b" is added twice: the later entry wins, as in a Python dict.
 */
static void
test_cfg_expand_fill(struct cfg_expansions *ex)
{
	cfg_expansions_add_str(ex, "here", "/etc/sv");
	cfg_expansions_add_str(ex, "program_name", "cat");
	cfg_expansions_add_int(ex, "process_num", 3);
	cfg_expansions_add_int(ex, "a", 5);
	cfg_expansions_add_str(ex, "b", "old");
	cfg_expansions_add_str(ex, "z", "q");
	cfg_expansions_add_int(ex, "n", -255);
	cfg_expansions_add_str(ex, "e", "");
	cfg_expansions_add_str(ex, "u", "\303\251\342\202\254");
	cfg_expansions_add_int(ex, "big", 1099511627776LL);
	cfg_expansions_add_int(ex, "zero", 0);
	cfg_expansions_add_str(ex, "h", "it's \"x\"\n\001\177");
	cfg_expansions_add_int(ex, "m", 12345678901234567LL);
	cfg_expansions_add_str(ex, "x(y)", "paren");
	cfg_expansions_add_str(ex, "b", "xyz");
}

/* test_cfg_expand_check expands fmt and compares with want or msg. */
static void
test_cfg_expand_check(const struct cfg_expansions *ex, const char *fmt,
    const char *want, const char *msg)
{
	struct fv_diag d = { .msg = "untouched" };
	char *out = (char *)&d;
	int rv;

	rv = cfg_expand(fmt, ex, "program:foo.command", &out, &d);
	if (want != NULL) {
		if (rv != 0) {
			print_error("fmt \"%s\": %s\n", fmt, d.msg);
		}
		assert_int_equal(rv, 0);
		assert_non_null(out);
		assert_string_equal(out, want);
		free(out);
	} else {
		if (rv == 0) {
			print_error("fmt \"%s\" gave \"%s\"\n", fmt, out);
		}
		assert_int_equal(rv, FV_EBADCONF);
		assert_null(out);
		assert_string_equal(d.msg, msg);
	}
}

static void
test_cfg_expand_python_table(void **state)
{
	struct cfg_expansions ex = { 0 };

	(void)state;
	test_cfg_expand_fill(&ex);
	for (size_t i = 0; i < nitems(test_cfg_expand_cases); i++) {
		const struct test_cfg_expand_case *t =
		    &test_cfg_expand_cases[i];

		test_cfg_expand_check(&ex, t->fmt, t->out, t->msg);
	}
	cfg_expansions_fini(&ex);
	assert_null(ex.v);
	assert_int_equal(ex.n, 0);
}

static void
test_cfg_expand_no_names(void **state)
{
	struct cfg_expansions ex = { 0 };

	(void)state;
	/* Python: ", ".join([]) leaves "Available names: " bare. */
	test_cfg_expand_check(&ex, "%(here)s", NULL,
	    "Format string '%(here)s' for 'program:foo.command' contains "
	    "names ('here') which cannot be expanded. Available names: ");
	test_cfg_expand_check(&ex, "plain %% text", "plain % text", NULL);
}

static void
test_cfg_expand_what_is_quoted(void **state)
{
	struct cfg_expansions ex = { 0 };
	struct fv_diag d;
	char *out;

	(void)state;
	/* Python: 'Format string %r for %r is badly formatted: %s'. */
	assert_int_equal(
	    cfg_expand("it's 100%", &ex, "it's", &out, &d), FV_EBADCONF);
	assert_string_equal(d.msg,
	    "Format string \"it's 100%\" for \"it's\" is badly formatted: "
	    "incomplete format");
	/* The diagnostic is optional. */
	assert_int_equal(cfg_expand("%q", &ex, "x", &out, NULL), FV_EBADCONF);
	assert_null(out);
}

static void
test_cfg_expand_deliberate_differences(void **state)
{
	struct cfg_expansions ex = { 0 };

	(void)state;
	test_cfg_expand_fill(&ex);
	/* Python would print the mapping itself here. */
	test_cfg_expand_check(&ex, "%s", NULL,
	    "Format string '%s' for 'program:foo.command' is badly "
	    "formatted: format requires a mapping");
	test_cfg_expand_check(&ex, "x%.0r", NULL,
	    "Format string 'x%.0r' for 'program:foo.command' is badly "
	    "formatted: format requires a mapping");
	/* Python would give a string with a NUL or a lone surrogate. */
	test_cfg_expand_check(&ex, "%(zero)c", NULL,
	    "Format string '%(zero)c' for 'program:foo.command' is badly "
	    "formatted: %c arg 0 is not a character of a C string");
	/* Python would build a 20 MB string. */
	test_cfg_expand_check(&ex, "%(a)20000000d", NULL,
	    "Format string '%(a)20000000d' for 'program:foo.command' is badly "
	    "formatted: formatted result exceeds 16777216 bytes");
	test_cfg_expand_check(&ex, "%(a).20000000f", NULL,
	    "Format string '%(a).20000000f' for 'program:foo.command' is "
	    "badly formatted: formatted result exceeds 16777216 bytes");
	cfg_expansions_fini(&ex);
}

static void
test_cfg_expand_wide_results(void **state)
{
	struct cfg_expansions ex = { 0 };
	struct fv_diag d;
	char *out;

	(void)state;
	test_cfg_expand_fill(&ex);
	/* Python: len('%(a)100000d' % {'a': 5}) == 100000, ending in '5'. */
	assert_int_equal(cfg_expand("%(a)100000d", &ex, "w", &out, &d), 0);
	assert_int_equal(strlen(out), 100000);
	assert_int_equal(strspn(out, " "), 99999);
	assert_string_equal(out + 99999, "5");
	free(out);
	/* Python: '%(a).300f' % {'a': 5} == '5.' + '0' * 300. */
	assert_int_equal(cfg_expand("%(a).300f", &ex, "w", &out, &d), 0);
	assert_int_equal(strlen(out), 302);
	assert_int_equal(strspn(out + 2, "0"), 300);
	free(out);
	cfg_expansions_fini(&ex);
}

static void
test_cfg_expand_repr_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(test_cfg_expand_reprs); i++) {
		char *r = cfg_py_repr(test_cfg_expand_reprs[i].s);

		assert_string_equal(r, test_cfg_expand_reprs[i].repr);
		free(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_expand_python_table),
		cmocka_unit_test(test_cfg_expand_no_names),
		cmocka_unit_test(test_cfg_expand_what_is_quoted),
		cmocka_unit_test(test_cfg_expand_deliberate_differences),
		cmocka_unit_test(test_cfg_expand_wide_results),
		cmocka_unit_test(test_cfg_expand_repr_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
