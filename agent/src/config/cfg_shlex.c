/*
 * The two shell-like splitters of supervisord 4.2.5, transcribed state for
 * state from Python 3.11's shlex.read_token: environment= values go through
 * a non-posix shlex.shlex (datatypes.dict_of_key_value_pairs), command=
 * values through shlex.split (posix, whitespace_split, no comments). The
 * module only splits strings; it never looks at the environment or the
 * file system, and never logs.
 *
 * Python corner cases deliberately not reproduced: bytes that are not
 * well-formed UTF-8 (which Python never sees, as it decodes the file
 * first) are characters of their own. Everything else, including the
 * odd non-posix '#' handling, is reproduced.
 */
#include "config/cfg_shlex.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"

/* read_token's states besides a quote character or the escape character. */
#define CFG_SHLEX_WHITE ' '
#define CFG_SHLEX_WORD  'a'
#define CFG_SHLEX_EOF   '\0'

/* A shlex instance reading from a string. */
struct cfg_shlex {
	const char *s; /* borrowed */
	size_t n;
	size_t pos;
	char state;
	struct fv_buf token;
};

static void
cfg_shlex_init(struct cfg_shlex *lx, const char *s)
{
	lx->s = s;
	lx->n = strlen(s);
	lx->pos = 0;
	lx->state = CFG_SHLEX_WHITE;
	/* No token is ever longer than the input it comes from. */
	fv_buf_init(&lx->token, lx->n + 1);
}

/* cfg_shlex_isspace is "c in shlex.whitespace". */
static bool
cfg_shlex_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * cfg_shlex_iswordchar is "c in wordchars" for the non-posix lexer of
 * dict_of_key_value_pairs: ASCII letters, digits and '_', plus "/.+-():".
 * Non-posix shlex has no non-ASCII word characters.
 */
static bool
cfg_shlex_iswordchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("_/.+-():", c));
}

/*
 * cfg_shlex_charlen is the length of the character at pos: a well-formed
 * UTF-8 sequence, or else one byte.
 */
static size_t
cfg_shlex_charlen(const struct cfg_shlex *lx, size_t pos)
{
	unsigned char c = (unsigned char)lx->s[pos];
	size_t need;

	if (c < 0x80) {
		return 1;
	}
	need = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
	if (lx->n - pos < need || !fv_str_utf8_valid(lx->s + pos, need)) {
		return 1;
	}
	return need;
}

/* cfg_shlex_put appends to the token; it cannot outgrow the input. */
static void
cfg_shlex_put(struct cfg_shlex *lx, const char *p, size_t n)
{
	(void)fv_buf_append(&lx->token, p, n);
}

/* cfg_shlex_emit moves the current token to the end of toks. */
static void
cfg_shlex_emit(struct cfg_shlex *lx, struct fv_strv *toks)
{
	fv_strv_push(toks, fv_buf_cstr(&lx->token));
	fv_buf_reset(&lx->token);
}

/*
 * cfg_shlex_tokens_nonposix is list(shlex.shlex(s)) with the extra word
 * characters of dict_of_key_value_pairs. A punctuation character that ends
 * a word is pushed back as a token of its own (shlex.push_token), which
 * get_token returns next: here it is simply emitted after the word.
 */
static int
cfg_shlex_tokens_nonposix(
    struct cfg_shlex *lx, struct fv_strv *toks, struct fv_diag *d)
{
	const char *end;
	size_t k;
	char c;

	while (lx->state != CFG_SHLEX_EOF) {
		if (lx->pos >= lx->n) {
			if (lx->state == '\'' || lx->state == '"') {
				return fv_diagf(
				    d, FV_EBADCONF, "No closing quotation");
			}
			if (lx->state == CFG_SHLEX_WORD) {
				cfg_shlex_emit(lx, toks);
			}
			lx->state = CFG_SHLEX_EOF;
			break;
		}
		c = lx->s[lx->pos];
		k = cfg_shlex_charlen(lx, lx->pos);
		lx->pos += k;
		if (lx->state == '\'' || lx->state == '"') {
			/* Non-posix: the closing quote ends the token. */
			cfg_shlex_put(lx, lx->s + lx->pos - k, k);
			if (c == lx->state) {
				cfg_shlex_emit(lx, toks);
				lx->state = CFG_SHLEX_WHITE;
			}
			continue;
		}
		if (cfg_shlex_isspace(c)) {
			if (lx->state == CFG_SHLEX_WORD) {
				cfg_shlex_emit(lx, toks);
				lx->state = CFG_SHLEX_WHITE;
			}
		} else if (c == '#') {
			/*
			 * instream.readline(): skip past the next newline. In
			 * the word state the word goes on after it.
			 */
			end = memchr(lx->s + lx->pos, '\n', lx->n - lx->pos);
			lx->pos =
			    end != NULL ? (size_t)(end - lx->s) + 1 : lx->n;
		} else if (cfg_shlex_iswordchar(c) ||
		    (lx->state == CFG_SHLEX_WORD && (c == '\'' || c == '"'))) {
			cfg_shlex_put(lx, &c, 1);
			lx->state = CFG_SHLEX_WORD;
		} else if (c == '\'' || c == '"') {
			cfg_shlex_put(lx, &c, 1);
			lx->state = c;
		} else {
			/* Any other character is a token of its own. */
			if (lx->state == CFG_SHLEX_WORD) {
				cfg_shlex_emit(lx, toks);
				lx->state = CFG_SHLEX_WHITE;
			}
			cfg_shlex_put(lx, lx->s + lx->pos - k, k);
			cfg_shlex_emit(lx, toks);
		}
	}
	return 0;
}

/* cfg_shlex_strip is Python's v.strip('\'"'), in place. */
static void
cfg_shlex_strip(char *v)
{
	size_t len = strlen(v), start = 0;

	while (start < len && (v[start] == '\'' || v[start] == '"')) {
		start++;
	}
	while (len > start && (v[len - 1] == '\'' || v[len - 1] == '"')) {
		len--;
	}
	memmove(v, v + start, len - start);
	v[len - start] = '\0';
}

int
cfg_env_parse(const char *s, struct fv_kvmap *out, struct fv_diag *d)
{
	struct fv_strv toks = { 0 };
	struct cfg_shlex lx;
	size_t i;
	int rv;

	cfg_shlex_init(&lx, s);
	if ((rv = cfg_shlex_tokens_nonposix(&lx, &toks, d)) != 0) {
		goto out;
	}
	/* Check every triple before setting anything: out stays intact. */
	for (i = 0; i < toks.n; i += 4) {
		if (toks.n - i < 3 || strcmp(toks.v[i + 1], "=") != 0) {
			rv = fv_diagf(d, FV_EBADCONF,
			    "Unexpected end of key/value pairs in value '%s'",
			    s);
			goto out;
		}
	}
	for (i = 0; i < toks.n; i += 4) {
		cfg_shlex_strip(toks.v[i + 2]);
		fv_kvmap_set(out, toks.v[i], toks.v[i + 2]);
	}
out:
	fv_strv_free(&toks);
	fv_buf_fini(&lx.token);
	return rv;
}

/*
 * cfg_shlex_next_posix is read_token in posix mode with whitespace_split
 * and no commenters. It returns 1 with a token, 0 at the end, or an error.
 */
static int
cfg_shlex_next_posix(struct cfg_shlex *lx, struct fv_diag *d)
{
	char escapedstate = CFG_SHLEX_WHITE, c;
	bool quoted = false;

	fv_buf_reset(&lx->token);
	for (;;) {
		if (lx->state == CFG_SHLEX_EOF) {
			fv_buf_reset(&lx->token);
			break;
		}
		if (lx->pos >= lx->n) {
			if (lx->state == '\'' || lx->state == '"') {
				return fv_diagf(
				    d, FV_EBADCONF, "No closing quotation");
			}
			if (lx->state == '\\') {
				return fv_diagf(
				    d, FV_EBADCONF, "No escaped character");
			}
			lx->state = CFG_SHLEX_EOF;
			break;
		}
		/* The special characters are ASCII: bytes will do. */
		c = lx->s[lx->pos++];
		if (lx->state == CFG_SHLEX_WHITE) {
			if (cfg_shlex_isspace(c)) {
				if (lx->token.len > 0 || quoted) {
					break;
				}
			} else if (c == '\\') {
				escapedstate = CFG_SHLEX_WORD;
				lx->state = c;
			} else if (c == '\'' || c == '"') {
				lx->state = c;
			} else {
				cfg_shlex_put(lx, &c, 1);
				lx->state = CFG_SHLEX_WORD;
			}
		} else if (lx->state == '\'' || lx->state == '"') {
			quoted = true;
			if (c == lx->state) {
				lx->state = CFG_SHLEX_WORD;
			} else if (c == '\\' && lx->state == '"') {
				escapedstate = lx->state;
				lx->state = c;
			} else {
				cfg_shlex_put(lx, &c, 1);
			}
		} else if (lx->state == '\\') {
			/* In quotes only the quote or the escape is escaped. */
			if ((escapedstate == '\'' || escapedstate == '"') &&
			    c != '\\' && c != escapedstate) {
				cfg_shlex_put(lx, "\\", 1);
			}
			cfg_shlex_put(lx, &c, 1);
			lx->state = escapedstate;
		} else {
			if (cfg_shlex_isspace(c)) {
				lx->state = CFG_SHLEX_WHITE;
				if (lx->token.len > 0 || quoted) {
					break;
				}
			} else if (c == '\'' || c == '"') {
				lx->state = c;
			} else if (c == '\\') {
				escapedstate = CFG_SHLEX_WORD;
				lx->state = c;
			} else {
				cfg_shlex_put(lx, &c, 1);
			}
		}
	}
	/* Posix: an empty unquoted result is the end of the input. */
	return lx->token.len > 0 || quoted ? 1 : 0;
}

int
cfg_command_split(const char *s, struct fv_strv *argv, struct fv_diag *d)
{
	struct fv_strv words = { 0 };
	struct cfg_shlex lx;
	int rv;

	cfg_shlex_init(&lx, s);
	while ((rv = cfg_shlex_next_posix(&lx, d)) == 1) {
		cfg_shlex_emit(&lx, &words);
	}
	if (rv == 0) {
		for (size_t i = 0; i < words.n; i++) {
			fv_strv_push_take(argv, words.v[i]);
			words.v[i] = NULL;
		}
		words.n = 0;
	}
	fv_strv_free(&words);
	fv_buf_fini(&lx.token);
	return rv;
}
