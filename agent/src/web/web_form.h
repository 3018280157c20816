#ifndef FV_WEB_WEB_FORM_H
#define FV_WEB_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"
#include "common/str.h"

/*
 * The text plumbing of the web pages, pure and tested on its own: form
 * decoding as 4.2.5's web.py does it with urllib's parse_qs/parse_qsl,
 * URL quoting, HTML escaping, and the two date formats the pages use.
 */

/* The most name=value pairs web_form_parse looks at in one string. */
#define WEB_FORM_PAIRS_MAX 64

/*
 * web_form_parse adds the pairs of an application/x-www-form-urlencoded
 * string (n bytes at s, a query or a POST body) to form, keeping only the
 * fields named in names (NULL-terminated: the fields the pages read) and
 * looking at no more than the first WEB_FORM_PAIRS_MAX pairs, so a peer's
 * thousands of fields cost nothing. '+' is a space, %XX a byte (a '%' not
 * followed by two hex digits stays as it is); pairs without '=' or with
 * an empty value are skipped (parse_qs without keep_blank_values).
 * Decoded names and values are made valid UTF-8 without NUL: invalid
 * bytes and NUL become U+FFFD, so that nothing after a "%00" can be cut
 * off and a name never matches by its prefix. When first_wins, a name
 * already in form keeps its value (4.2.5 reads the query with parse_qs
 * and takes v[0]); otherwise the last one wins (the POST body, read with
 * parse_qsl into a dict, which also overrides the query).
 */
void web_form_parse(struct fv_kvmap *form, const char *const *names,
    const char *s, size_t n, bool first_wins);

/*
 * web_text_clean appends the n bytes at p to out as valid UTF-8: invalid
 * sequences and NUL become U+FFFD. Returns 0 or FV_ETOOBIG.
 */
int web_text_clean(struct fv_buf *out, const char *p, size_t n);

/*
 * web_url_quote appends s percent-encoded to out, as Python's
 * urllib.parse.quote: letters, digits and "_.-~" stay, and '/' too when
 * keep_slash; every other byte becomes %XX. Returns 0 or FV_ETOOBIG.
 */
int web_url_quote(struct fv_buf *out, const char *s, bool keep_slash);

/*
 * web_html_escape appends n bytes at p to out as HTML text that is safe
 * in element content and in quoted attribute values: & < > " ' become
 * references; invalid UTF-8, NUL and the C0 controls but tab, LF and CR
 * become U+FFFD. Returns 0 or FV_ETOOBIG.
 */
int web_html_escape(struct fv_buf *out, const char *p, size_t n);

/* web_html_escape_str is web_html_escape for a C string. */
int web_html_escape_str(struct fv_buf *out, const char *s);

/* WEB_DATE_MAX bounds both date formats below, NUL included. */
#define WEB_DATE_MAX 40

/* web_http_date writes t as an HTTP date ("Sun, 06 Nov 1994 08:49:37
 * GMT") into buf (WEB_DATE_MAX bytes), whatever the locale. */
void web_http_date(time_t t, char *buf);

/* web_ctime writes t in local time as Python's time.ctime() does
 * ("Sun Nov  6 08:49:37 1994") into buf (WEB_DATE_MAX bytes). */
void web_ctime(time_t t, char *buf);

#endif
