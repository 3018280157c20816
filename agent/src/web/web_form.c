/*
 * Form decoding, URL quoting, HTML escaping and dates for the web pages.
 * Everything a peer sends goes through here before it reaches a page or a
 * process lookup, so the output is always valid UTF-8 without NUL; nothing
 * here touches the process table or the network.
 */
#include "web/web_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "proto/http/http_req.h"

static const char web_replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* web_form_unquote decodes '+' and %XX of n bytes at s into raw. */
static void
web_form_unquote(struct fv_buf *raw, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int b;

		if (s[i] == '+') {
			fv_buf_putc(raw, ' ');
		} else if (s[i] == '%' &&
		    (b = http_pct_decode(s + i, n - i)) >= 0) {
			fv_buf_putc(raw, (char)b);
			i += 2;
		} else {
			fv_buf_putc(raw, s[i]);
		}
	}
}

/* web_form_decode returns the decoded, cleaned n bytes at s (owned). */
static char *
web_form_decode(const char *s, size_t n)
{
	struct fv_buf raw, out;

	/* Decoding never grows the text, and cleaning at most triples it. */
	fv_buf_init(&raw, n + 1);
	fv_buf_init(&out, 3 * n + 1);
	web_form_unquote(&raw, s, n);
	web_text_clean(&out, raw.data == NULL ? "" : raw.data, raw.len);
	fv_buf_fini(&raw);
	if (out.data == NULL) {
		fv_buf_fini(&out);
		return fv_xstrdup("");
	}
	return fv_buf_take(&out);
}

/* web_form_wanted tells whether name is one of names (NULL-terminated). */
static bool
web_form_wanted(const char *const *names, const char *name)
{
	for (; *names != NULL; names++) {
		if (strcmp(*names, name) == 0) {
			return true;
		}
	}
	return false;
}

void
web_form_parse(struct fv_kvmap *form, const char *const *names, const char *s,
    size_t n, bool first_wins)
{
	const char *end = s + n;
	size_t pairs = 0;

	/* Only the wanted names are kept, so the map never holds more than
	 * a handful and each set costs a constant: no quadratic work for a
	 * body of thousands of fields. */
	while (s < end && pairs < WEB_FORM_PAIRS_MAX) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *pend = amp != NULL ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(pend - s));

		pairs++;
		if (eq != NULL && eq + 1 < pend) {
			char *name = web_form_decode(s, (size_t)(eq - s));

			if (web_form_wanted(names, name) &&
			    (!first_wins || fv_kvmap_get(form, name) == NULL)) {
				char *val = web_form_decode(
				    eq + 1, (size_t)(pend - eq - 1));

				fv_kvmap_set(form, name, val);
				free(val);
			}
			free(name);
		}
		s = amp != NULL ? amp + 1 : end;
	}
}

int
web_text_clean(struct fv_buf *out, const char *p, size_t n)
{
	size_t i = 0;
	int rv;

	while (i < n) {
		size_t ok = fv_str_utf8_prefix(p + i, n - i);
		const char *nul = memchr(p + i, '\0', ok);

		if (nul != NULL) {
			ok = (size_t)(nul - (p + i));
		}
		if ((rv = fv_buf_append(out, p + i, ok)) != 0) {
			return rv;
		}
		i += ok;
		if (i < n) {
			/* One bad byte (or NUL) at a time, as Python's
			 * errors="replace" does for a lone byte. */
			if ((rv = fv_buf_puts(out, web_replacement)) != 0) {
				return rv;
			}
			i++;
		}
	}
	if (out->data == NULL) {
		/* An empty result is still a string. */
		return fv_buf_append(out, "", 0);
	}
	return 0;
}

int
web_url_quote(struct fv_buf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int rv = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	     p++) {
		unsigned char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-' || c == '~' || (keep_slash && c == '/')) {
			rv = fv_buf_putc(out, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

			rv = fv_buf_append(out, esc, sizeof(esc));
		}
		if (rv != 0) {
			return rv;
		}
	}
	return 0;
}

/* web_html_char returns the reference for an ASCII byte that needs one. */
static const char *
web_html_char(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		return c < 0x20 ? web_replacement : NULL;
	}
}

int
web_html_escape(struct fv_buf *out, const char *p, size_t n)
{
	size_t i = 0;
	int rv;

	while (i < n) {
		size_t ok = fv_str_utf8_prefix(p + i, n - i);
		size_t run = 0;

		/* Copy the longest run that needs nothing, then handle the
		 * byte that stopped it. */
		while (run < ok &&
		    (((unsigned char)p[i + run]) >= 0x80 ||
		        web_html_char((unsigned char)p[i + run]) == NULL)) {
			run++;
		}
		if ((rv = fv_buf_append(out, p + i, run)) != 0) {
			return rv;
		}
		i += run;
		if (i >= n) {
			break;
		}
		if (run < ok) {
			rv = fv_buf_puts(
			    out, web_html_char((unsigned char)p[i]));
		} else {
			rv = fv_buf_puts(out, web_replacement);
		}
		if (rv != 0) {
			return rv;
		}
		i++;
	}
	return 0;
}

int
web_html_escape_str(struct fv_buf *out, const char *s)
{
	return web_html_escape(out, s, strlen(s));
}

static const char web_days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char web_months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
web_http_date(time_t t, char *buf)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(buf, WEB_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    web_days[tm.tm_wday % 7], tm.tm_mday, web_months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
web_ctime(time_t t, char *buf)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL) {
		t = 0;
		localtime_r(&t, &tm);
	}
	snprintf(buf, WEB_DATE_MAX, "%s %s %2d %02d:%02d:%02d %d",
	    web_days[tm.tm_wday % 7], web_months[tm.tm_mon % 12], tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}
