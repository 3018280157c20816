/*
 * The configuration fuzz target (STYLE 2.8, RELIABILITY C1): the input
 * becomes supervisord.conf in a private temporary directory and goes
 * through the production cfg_load(), exactly as `fleetvisord -c <file>`
 * would read it, then cfg_dump_json() and cfg_free().
 *
 * Relative [include] patterns resolve against the config file's directory,
 * that is the private directory, which holds fixtures for the refusals
 * RELIABILITY C1 lists: a FIFO, symlinks to /dev/zero and /dev/null, a
 * symlink loop, a directory, a sparse file larger than CFG_INI_MAXFILE and
 * a Latin-1 file, next to two valid includes. A blocking read would show
 * as a libFuzzer timeout (or a ctest TIMEOUT in replay). The process'
 * working directory is left alone, because libFuzzer writes its corpus and
 * crash files relative to it.
 *
 * Beyond "no sanitizer report", every input must keep these properties:
 * - a failed load returns FV_EBADCONF, leaves *cfgp NULL and puts a
 *   terminated message in the fv_diag that starts with the absolute path
 *   of the file at fault ("<file>:<line>: [section] key: ..." mostly);
 * - a successful load dumps to well-formed JSON in valid UTF-8;
 * - loading is deterministic: a second load of the same file gives the same
 *   result code and the same message or dump.
 * A broken property aborts, which libFuzzer reports as a crash. With
 * FV_FUZZ_VERBOSE set in the environment, each load's message or JSON dump
 * goes to stderr, to see what an input does.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg.h"
#include "config/cfg_ini.h"
#include "fuzz.h"
#include "tests/support/testsupport.h"

/* The private directory and the config file in it; set up once. */
static char *fuzz_dir;
static char *fuzz_conf;
/* FV_FUZZ_VERBOSE set: print each load's message or dump (replay use). */
static bool fuzz_verbose;

/* The JSON checker's nesting cap; the dump is 4 levels deep. */
#define FUZZ_JSON_MAXDEPTH 32

static void
fuzz_cleanup(void)
{
	if (fuzz_dir != NULL) {
		fv_test_rmtree(fuzz_dir);
	}
	free(fuzz_dir);
	free(fuzz_conf);
	fuzz_dir = fuzz_conf = NULL;
}

static void
fuzz_fail(const char *what, int line, const char *detail)
{
	fprintf(
	    stderr, "fuzz_cfg_load.c:%d: property broken: %s\n", line, what);
	if (detail != NULL) {
		fprintf(stderr, "  %s\n", detail);
	}
	/* The input itself is what libFuzzer (or the corpus) keeps. */
	fuzz_cleanup();
	abort();
}

#define FUZZ_CHECK(cond, detail)                              \
	do {                                                  \
		if (!(cond)) {                                \
			fuzz_fail(#cond, __LINE__, (detail)); \
		}                                             \
	} while (0)

static void
fuzz_symlink(const char *target, const char *name)
{
	char *path = fv_xasprintf("%s/%s", fuzz_dir, name);

	if (symlink(target, path) != 0) {
		perror(path);
		abort();
	}
	free(path);
}

static void
fuzz_setup(void)
{
	char *path;
	int fd;

	fuzz_verbose = getenv("FV_FUZZ_VERBOSE") != NULL;
	fuzz_dir = fv_test_mkdtemp();
	fuzz_conf = fv_xasprintf("%s/supervisord.conf", fuzz_dir);
	atexit(fuzz_cleanup);

	free(fv_test_write(fuzz_dir, "conf.d/10-prog.conf",
	    "[program:inc]\ncommand=/bin/cat\nnumprocs=2\n"
	    "process_name=%(program_name)s_%(process_num)d\n"));
	free(fv_test_write(fuzz_dir, "conf.d/20-group.ini",
	    "[group:incg]\nprograms=inc\npriority=5\n"));
	free(fv_test_write(
	    fuzz_dir, "latin1.conf", "[program:caf\xe9]\ncommand=/bin/cat\n"));
	free(fv_test_write(fuzz_dir, "logs/.keep", ""));
	free(fv_test_write(fuzz_dir, "conf.d/logs/.keep", ""));
	path = fv_xasprintf("%s/dir.conf", fuzz_dir);
	if (mkdir(path, 0755) != 0) {
		perror(path);
		abort();
	}
	free(path);
	path = fv_xasprintf("%s/fifo", fuzz_dir);
	if (mkfifo(path, 0600) != 0) {
		perror(path);
		abort();
	}
	free(path);
	/* One byte over the cap, but sparse: costs no disk. */
	path = fv_xasprintf("%s/big.conf", fuzz_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    ftruncate(fd, (off_t)CFG_INI_MAXFILE + 1) != 0 || close(fd) != 0) {
		perror(path);
		abort();
	}
	free(path);
	fuzz_symlink("/dev/zero", "zero");
	fuzz_symlink("/dev/null", "null");
	fuzz_symlink("loop.conf", "loop.conf");

	/* Known values for %(ENV_...)s seeds, the same under ctest. */
	setenv("FV_FUZZ_NAME", "web", 1);
	setenv("FV_FUZZ_NUM", "3", 1);
	setenv("FV_FUZZ_COLON", "a:b", 1);
}

static void
fuzz_write_conf(const uint8_t *data, size_t size)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	int fd;

	if ((fd = open(fuzz_conf, flags, 0600)) < 0) {
		perror(fuzz_conf);
		abort();
	}
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			perror(fuzz_conf);
			abort();
		}
		data += n;
		size -= (size_t)n;
	}
	if (close(fd) != 0) {
		perror(fuzz_conf);
		abort();
	}
}

/*
 * fuzz_json_* is a strict recursive-descent check of RFC 8259 syntax over
 * [*p, end); each returns false at the first error.
 */
static bool fuzz_json_value(const char **p, const char *end, int depth);

static void
fuzz_json_ws(const char **p, const char *end)
{
	while (*p < end &&
	    (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')) {
		(*p)++;
	}
}

static bool
fuzz_json_lit(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0) {
		return false;
	}
	*p += n;
	return true;
}

static bool
fuzz_json_string(const char **p, const char *end)
{
	const char *s = *p;

	if (s >= end || *s++ != '"') {
		return false;
	}
	while (s < end && *s != '"') {
		unsigned char c = (unsigned char)*s++;

		if (c < 0x20) {
			return false;
		}
		if (c != '\\') {
			continue;
		}
		if (s >= end) {
			return false;
		}
		c = (unsigned char)*s++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, s++) {
				if (s >= end || !isxdigit((unsigned char)*s)) {
					return false;
				}
			}
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return false;
		}
	}
	if (s >= end) {
		return false;
	}
	*p = s + 1;
	return true;
}

static bool
fuzz_json_number(const char **p, const char *end)
{
	const char *s = *p;

	if (s < end && *s == '-') {
		s++;
	}
	if (s >= end || *s < '0' || *s > '9') {
		return false;
	}
	if (*s == '0') {
		s++;
	} else {
		while (s < end && *s >= '0' && *s <= '9') {
			s++;
		}
	}
	*p = s;
	return true;
}

static bool
fuzz_json_members(
    const char **p, const char *end, int depth, char close, bool keyed)
{
	(*p)++;
	fuzz_json_ws(p, end);
	if (*p < end && **p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		if (keyed) {
			if (!fuzz_json_string(p, end)) {
				return false;
			}
			fuzz_json_ws(p, end);
			if (*p >= end || **p != ':') {
				return false;
			}
			(*p)++;
		}
		if (!fuzz_json_value(p, end, depth + 1)) {
			return false;
		}
		fuzz_json_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			fuzz_json_ws(p, end);
			continue;
		}
		if (*p < end && **p == close) {
			(*p)++;
			return true;
		}
		return false;
	}
}

static bool
fuzz_json_value(const char **p, const char *end, int depth)
{
	if (depth > FUZZ_JSON_MAXDEPTH) {
		return false;
	}
	fuzz_json_ws(p, end);
	if (*p >= end) {
		return false;
	}
	switch (**p) {
	case '{':
		return fuzz_json_members(p, end, depth, '}', true);
	case '[':
		return fuzz_json_members(p, end, depth, ']', false);
	case '"':
		return fuzz_json_string(p, end);
	case 't':
		return fuzz_json_lit(p, end, "true");
	case 'f':
		return fuzz_json_lit(p, end, "false");
	case 'n':
		return fuzz_json_lit(p, end, "null");
	default:
		return fuzz_json_number(p, end);
	}
}

/* fuzz_json_ok: one JSON object, then only whitespace, all valid UTF-8. */
static bool
fuzz_json_ok(const char *json)
{
	const char *p = json, *end = json + strlen(json);

	if (!fv_str_utf8_valid(json, (size_t)(end - json))) {
		return false;
	}
	fuzz_json_ws(&p, end);
	if (p >= end || *p != '{' || !fuzz_json_value(&p, end, 0)) {
		return false;
	}
	fuzz_json_ws(&p, end);
	return p == end;
}

/*
 * fuzz_load loads fuzz_conf once and returns cfg_load's result, with the
 * JSON dump (success) or the message (failure) in *out.
 */
static int
fuzz_load(char **out)
{
	struct cfg_cli cli;
	struct cfg *cfg = NULL;
	struct fv_diag d;
	int rv;

	cfg_cli_init(&cli);
	cli.configfile = fv_xstrdup(fuzz_conf);
	/* Not zeroed: an unset or unterminated message must show. */
	memset(&d, 'X', sizeof(d));
	rv = cfg_load(&cli, &cfg, &d);
	cfg_cli_fini(&cli);
	if (rv != 0) {
		FUZZ_CHECK(cfg == NULL, d.msg);
		FUZZ_CHECK(rv == FV_EBADCONF, d.msg);
		FUZZ_CHECK(memchr(d.msg, '\0', sizeof(d.msg)) != NULL, NULL);
		/* It begins with the file it is about (RELIABILITY C1). */
		FUZZ_CHECK(
		    d.msg[0] == '/' && strstr(d.msg, ": ") != NULL, d.msg);
		*out = fv_xstrdup(d.msg);
		return rv;
	}
	FUZZ_CHECK(cfg != NULL, NULL);
	*out = cfg_dump_json(cfg);
	FUZZ_CHECK(*out != NULL, NULL);
	FUZZ_CHECK(fuzz_json_ok(*out), *out);
	cfg_free(cfg);
	return 0;
}

/*
 * The loader's work grows with numprocs: each process gets its own copy
 * of every expanded option, and the dump holds them all. An input asking
 * for thousands (numprocs=10000 with a 5000-byte command once took 11 s
 * and 1.7 GiB under ASan, past libFuzzer's limits) tests nothing that 100
 * do not, so inputs with a numprocs over FUZZ_NUMPROCS_MAX are passed by.
 * Keys are matched as 4.2.5 reads them: any case, '=' or ':', blanks.
 */
#define FUZZ_NUMPROCS_MAX 100

static bool
fuzz_too_costly(const uint8_t *data, size_t size)
{
	static const char key[] = "numprocs";
	const size_t klen = sizeof(key) - 1;

	for (size_t i = 0; i + klen <= size; i++) {
		size_t j = i + klen;
		unsigned long long v = 0;
		bool digits = false;

		if (strncasecmp((const char *)data + i, key, klen) != 0) {
			continue;
		}
		while (j < size && (data[j] == ' ' || data[j] == '\t')) {
			j++;
		}
		if (j == size || (data[j] != '=' && data[j] != ':')) {
			continue;
		}
		for (j++; j < size && (data[j] == ' ' || data[j] == '\t');
		     j++) {
		}
		for (; j < size && isdigit(data[j]); j++) {
			digits = true;
			if (v > FUZZ_NUMPROCS_MAX) {
				break;
			}
			v = v * 10 + (unsigned)(data[j] - '0');
		}
		if (digits && v > FUZZ_NUMPROCS_MAX) {
			return true;
		}
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *first, *second;
	int rv;

	if (fuzz_too_costly(data, size)) {
		return 0;
	}
	if (fuzz_dir == NULL) {
		fuzz_setup();
	}
	fuzz_write_conf(data, size);
	rv = fuzz_load(&first);
	if (fuzz_verbose) {
		fprintf(stderr, "cfg_load: %s: %s\n", rv == 0 ? "ok" : "error",
		    first);
	}
	FUZZ_CHECK(fuzz_load(&second) == rv, first);
	FUZZ_CHECK(strcmp(first, second) == 0, second);
	free(first);
	free(second);
	return 0;
}
