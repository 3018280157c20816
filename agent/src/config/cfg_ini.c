/*
 * Reading INI text the way supervisord 4.2.5 reads it: Python's
 * RawConfigParser with inline comment prefixes ";" and "#", strict=False,
 * lower-cased keys and indentation-based continuation lines.
 *
 * inih does the key/value splitting and the joining of continuation lines.
 * Python's line rules differ from inih's in three ways that matter to real
 * configs (a continuation must be indented deeper than its key, an inline
 * comment may start right after "=", a section name ends at the last "]"),
 * so a reader in front of inih applies Python's rules to each physical line
 * and hands inih a normalized line: comments removed, keys unindented,
 * continuations indented by one space, sections replaced by a marker. The
 * reader also numbers lines, which inih's handler does not receive, and
 * catches section names that inih would silently truncate.
 *
 * This module never interprets a value.
 */
#include "config/cfg_ini.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "common/buf.h"
#include "common/xalloc.h"

struct cfg_ini_reader {
	struct cfg_ini *ini; /* borrowed */
	const char *file; /* borrowed from ini->files */
	const char *p; /* next unread input byte */
	const char *end;
	struct fv_buf out; /* the normalized current line */
	size_t out_off; /* how much of out inih has taken */
	int line; /* number of the current physical line */
	bool cont; /* the current line continues a value */
	int blanks; /* blank lines inside the current value */
	size_t indent; /* Python's indent_level */
	struct cfg_ini_section *sect; /* current section, NULL before any */
	struct cfg_ini_key *key; /* current option, NULL if none */
	int err;
	struct fv_diag *diag;
};

static bool
cfg_ini_pyspace(unsigned char c)
{
	/* str.isspace() on the ASCII range. */
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void
cfg_ini_fail(struct cfg_ini_reader *r, const char *what)
{
	if (r->err == 0) {
		r->err = fv_diagf(
		    r->diag, FV_EBADCONF, "%s:%d: %s", r->file, r->line, what);
	}
}

static struct cfg_ini_section *
cfg_ini_section_add(
    struct cfg_ini *ini, const char *name, const char *file, int line)
{
	struct cfg_ini_section *s;

	if (strcmp(name, "DEFAULT") == 0) {
		return &ini->defaults;
	}
	if ((s = cfg_ini_section(ini, name)) != NULL) {
		return s;
	}
	ini->sections = fv_xreallocarray(
	    ini->sections, ini->nsections + 1, sizeof(*ini->sections));
	s = &ini->sections[ini->nsections++];
	memset(s, 0, sizeof(*s));
	s->name = fv_xstrdup(name);
	s->file = file;
	s->line = line;
	return s;
}

static struct cfg_ini_key *
cfg_ini_key_set(struct cfg_ini_section *s, const char *name, const char *value,
    const char *file, int line)
{
	struct cfg_ini_key *k;

	for (size_t i = 0; i < s->nkeys; i++) {
		k = &s->keys[i];
		if (strcmp(k->name, name) == 0) {
			free(k->value);
			k->value = fv_xstrdup(value);
			k->file = file;
			k->line = line;
			return k;
		}
	}
	s->keys = fv_xreallocarray(s->keys, s->nkeys + 1, sizeof(*s->keys));
	k = &s->keys[s->nkeys++];
	k->name = fv_xstrdup(name);
	k->value = fv_xstrdup(value);
	k->file = file;
	k->line = line;
	return k;
}

/*
 * cfg_ini_comment_start finds where Python's _read cuts a line: the
 * earliest inline ";" or "#" preceded by whitespace, searched in rounds
 * exactly as configparser does (the first round that finds any candidate
 * wins, even if a later round would find an earlier one), or 0 for a line
 * whose stripped text starts with a comment prefix. Returns len for none.
 */
static size_t
cfg_ini_comment_start(const char *s, size_t len)
{
	static const char prefixes[] = { ';', '#' };
	long idx[2] = { -1, -1 };
	bool live[2] = { true, true };
	size_t best = len, i = 0;

	while (i < len && cfg_ini_pyspace((unsigned char)s[i])) {
		i++;
	}
	if (i < len && (s[i] == ';' || s[i] == '#')) {
		return 0;
	}
	while (best == len && (live[0] || live[1])) {
		for (int k = 0; k < 2; k++) {
			const char *hit;
			long from = idx[k] + 1;

			if (!live[k]) {
				continue;
			}
			hit = (size_t)from < len
			    ? memchr(s + from, prefixes[k], len - (size_t)from)
			    : NULL;
			if (hit == NULL) {
				live[k] = false;
				continue;
			}
			idx[k] = hit - s;
			if (idx[k] == 0 ||
			    cfg_ini_pyspace((unsigned char)s[idx[k] - 1])) {
				if ((size_t)idx[k] < best) {
					best = (size_t)idx[k];
				}
			}
		}
	}
	return best;
}

/*
 * cfg_ini_next_line reads one physical line (ending in \n, \r\n or \r, as
 * Python's universal newlines split them), applies Python's rules and
 * leaves the normalized line for inih in r->out.
 */
static void
cfg_ini_next_line(struct cfg_ini_reader *r)
{
	const char *s = r->p, *e = r->p, *v;
	size_t len, cut, vlen, indent = 0;

	while (e < r->end && *e != '\n' && *e != '\r') {
		e++;
	}
	len = (size_t)(e - s);
	if (e < r->end) {
		e += (*e == '\r' && e + 1 < r->end && e[1] == '\n') ? 2 : 1;
	}
	r->p = e;
	r->line++;
	r->cont = false;
	fv_buf_reset(&r->out);
	r->out_off = 0;

	cut = cfg_ini_comment_start(s, len);
	v = s;
	vlen = cut;
	while (vlen > 0 && cfg_ini_pyspace((unsigned char)*v)) {
		v++, vlen--;
	}
	while (vlen > 0 && cfg_ini_pyspace((unsigned char)v[vlen - 1])) {
		vlen--;
	}
	if (vlen == 0) {
		/* A blank line (not a comment) inside a value is kept. */
		if (cut == len && r->key != NULL) {
			r->blanks++;
		}
		fv_buf_puts(&r->out, "\n");
		return;
	}
	while (indent < len && cfg_ini_pyspace((unsigned char)s[indent])) {
		indent++;
	}
	if (r->sect != NULL && r->key != NULL && indent > r->indent) {
		r->cont = true;
		fv_buf_putc(&r->out, ' ');
		fv_buf_append(&r->out, v, vlen);
		fv_buf_putc(&r->out, '\n');
		return;
	}
	r->indent = indent;
	r->blanks = 0;
	if (v[0] == '[') {
		const char *close = NULL;

		for (const char *q = v + 2; q < v + vlen; q++) {
			if (*q == ']') {
				close = q;
			}
		}
		if (close != NULL) {
			char *name =
			    fv_xstrndup(v + 1, (size_t)(close - v - 1));

			r->sect =
			    cfg_ini_section_add(r->ini, name, r->file, r->line);
			r->key = NULL;
			free(name);
			fv_buf_puts(&r->out, "[s]\n");
			return;
		}
	}
	if (r->sect == NULL) {
		cfg_ini_fail(r, "a key appears before any [section] header");
		fv_buf_puts(&r->out, "\n");
		return;
	}
	fv_buf_append(&r->out, v, vlen);
	fv_buf_putc(&r->out, '\n');
}

/* cfg_ini_on_read is inih's fgets: it hands out normalized lines. */
static char *
cfg_ini_on_read(char *str, int num, void *stream)
{
	struct cfg_ini_reader *r = stream;
	size_t n;

	if (r->out_off >= r->out.len) {
		if (r->p >= r->end) {
			return NULL;
		}
		cfg_ini_next_line(r);
	}
	n = r->out.len - r->out_off;
	if (n > (size_t)num - 1) {
		n = (size_t)num - 1;
	}
	memcpy(str, r->out.data + r->out_off, n);
	str[n] = '\0';
	r->out_off += n;
	return str;
}

static int
cfg_ini_on_pair(
    void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ini_reader *r = user;
	char *key;

	(void)section; /* the reader tracks sections itself */
	if (r->sect == NULL) {
		return 1;
	}
	if (r->cont && r->key != NULL) {
		struct fv_buf joined;

		fv_buf_init(&joined, CFG_INI_MAXFILE);
		fv_buf_puts(&joined, r->key->value);
		for (int i = 0; i <= r->blanks; i++) {
			fv_buf_putc(&joined, '\n');
		}
		fv_buf_puts(&joined, value);
		free(r->key->value);
		r->key->value = fv_buf_take(&joined);
		r->blanks = 0;
		return 1;
	}
	key = fv_str_lower(fv_str_strip(fv_xstrdup(name)));
	if (*key == '\0') {
		free(key);
		cfg_ini_fail(r, "a line has an empty key before '=' or ':'");
		return 0;
	}
	r->key = cfg_ini_key_set(r->sect, key, value, r->file, r->line);
	r->blanks = 0;
	free(key);
	return 1;
}

static void
cfg_ini_configure_inih(void)
{
	/*
	 * Debian's libinih caps lines at 200 bytes unless told otherwise, and
	 * would strip comments and BOMs by its own rules; the reader has
	 * already done all of that.
	 */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = (int)CFG_INI_MAXFILE + 3;
	ini_allow_multiline = true;
	ini_allow_inline_comments = false;
	ini_allow_bom = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
}

int
cfg_ini_read_string(struct cfg_ini *ini, const char *text, size_t len,
    const char *name, struct fv_diag *d)
{
	struct cfg_ini_reader r;
	size_t bad;
	int rv;

	fv_strv_push(&ini->files, name);
	memset(&r, 0, sizeof(r));
	r.ini = ini;
	r.file = ini->files.v[ini->files.n - 1];
	r.p = text;
	r.end = text + len;
	r.diag = d;
	fv_buf_init(&r.out, CFG_INI_MAXFILE + 8);

	if (memchr(text, '\0', len) != NULL) {
		fv_buf_fini(&r.out);
		return fv_diagf(
		    d, FV_EBADCONF, "%s: contains a NUL byte", name);
	}
	if ((bad = fv_str_utf8_prefix(text, len)) != len) {
		r.line = 1;
		for (size_t i = 0; i < bad; i++) {
			r.line += text[i] == '\n';
		}
		cfg_ini_fail(&r, "the file is not valid UTF-8");
		fv_buf_fini(&r.out);
		return r.err;
	}
	/* A UTF-8 byte order mark is tolerated (4.2.5 refuses the file). */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		r.p += 3;
	}
	cfg_ini_configure_inih();
	rv = ini_parse_stream(cfg_ini_on_read, &r, cfg_ini_on_pair, &r);
	fv_buf_fini(&r.out);
	if (r.err != 0) {
		return r.err;
	}
	if (rv == -2) {
		return fv_diagf(d, -ENOMEM, "%s: out of memory", name);
	}
	if (rv != 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s:%d: the line is neither a [section] header nor a "
		    "'key = value' (or 'key: value') option",
		    name, rv);
	}
	return 0;
}

int
cfg_ini_read_file(struct cfg_ini *ini, const char *path, struct fv_diag *d)
{
	struct fv_buf text;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int fd, rv;

	/* O_NONBLOCK: opening a FIFO must never hang the daemon. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rv = -errno;
		return fv_diagf(d, rv, "could not read config file %s: %s",
		    path, strerror(-rv));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fv_diagf(d, FV_EBADCONF,
		    "could not read config file %s: not a regular file", path);
	}
	if ((size_t)st.st_size > CFG_INI_MAXFILE) {
		close(fd);
		return fv_diagf(d, FV_ETOOBIG,
		    "could not read config file %s: larger than %u bytes", path,
		    CFG_INI_MAXFILE);
	}
	fv_buf_init(&text, CFG_INI_MAXFILE);
	rv = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			rv = fv_diagf(d, -errno,
			    "could not read config file %s: %s", path,
			    strerror(errno));
			break;
		}
		if (fv_buf_append(&text, chunk, (size_t)n) != 0) {
			rv = fv_diagf(d, FV_ETOOBIG,
			    "could not read config file %s: larger than %u "
			    "bytes",
			    path, CFG_INI_MAXFILE);
			break;
		}
	}
	close(fd);
	if (rv == 0) {
		rv = cfg_ini_read_string(
		    ini, fv_buf_cstr(&text), text.len, path, d);
	}
	fv_buf_fini(&text);
	return rv;
}

struct cfg_ini_section *
cfg_ini_section(const struct cfg_ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0) {
			return &ini->sections[i];
		}
	}
	return NULL;
}

static const struct cfg_ini_key *
cfg_ini_find(const struct cfg_ini_section *sec, const char *key)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		if (strcmp(sec->keys[i].name, key) == 0) {
			return &sec->keys[i];
		}
	}
	return NULL;
}

const struct cfg_ini_key *
cfg_ini_get(const struct cfg_ini *ini, const struct cfg_ini_section *sec,
    const char *key)
{
	const struct cfg_ini_key *k = NULL;

	if (sec != NULL) {
		k = cfg_ini_find(sec, key);
	}
	return k != NULL ? k : cfg_ini_find(&ini->defaults, key);
}

static char *
cfg_ini_replace_here(const char *value, const char *here)
{
	static const char pat[] = "%(here)s";
	struct fv_buf b;
	const char *p = value, *hit;

	fv_buf_init(&b, (size_t)-1);
	while ((hit = strstr(p, pat)) != NULL) {
		fv_buf_append(&b, p, (size_t)(hit - p));
		fv_buf_puts(&b, here);
		p = hit + sizeof(pat) - 1;
	}
	fv_buf_puts(&b, p);
	return fv_buf_take(&b);
}

void
cfg_ini_expand_here(struct cfg_ini *ini, const char *here)
{
	for (size_t i = 0; i < ini->nsections; i++) {
		struct cfg_ini_section *s = &ini->sections[i];

		for (size_t k = 0; k < s->nkeys; k++) {
			if (strstr(s->keys[k].value, "%(here)s") != NULL) {
				char *v = cfg_ini_replace_here(
				    s->keys[k].value, here);

				free(s->keys[k].value);
				s->keys[k].value = v;
			}
		}
		/* configparser's items() includes [DEFAULT]: copy those. */
		for (size_t k = 0; k < ini->defaults.nkeys; k++) {
			const struct cfg_ini_key *dk = &ini->defaults.keys[k];
			char *v;

			if (cfg_ini_find(s, dk->name) != NULL ||
			    strstr(dk->value, "%(here)s") == NULL) {
				continue;
			}
			v = cfg_ini_replace_here(dk->value, here);
			cfg_ini_key_set(s, dk->name, v, dk->file, dk->line);
			free(v);
		}
	}
}

static void
cfg_ini_section_fini(struct cfg_ini_section *s)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		free(s->keys[k].name);
		free(s->keys[k].value);
	}
	free(s->keys);
	free(s->name);
}

void
cfg_ini_free(struct cfg_ini *ini)
{
	for (size_t i = 0; i < ini->nsections; i++) {
		cfg_ini_section_fini(&ini->sections[i]);
	}
	free(ini->sections);
	cfg_ini_section_fini(&ini->defaults);
	fv_strv_free(&ini->files);
	memset(ini, 0, sizeof(*ini));
}
