/*
 * HTTP Basic authentication as 4.2.5's supervisor_auth_handler: one user
 * per server, a plain password or "{SHA}" and the hex SHA-1 of it. The
 * comparisons take the same time wherever the inputs differ, so that the
 * time of a refusal says nothing about how close a guess was (C4).
 * mbedtls (nng's TLS library, already on every machine with nng) gives
 * base64 and SHA-1.
 */
#include <ctype.h>
#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

/* Credentials longer than this are refused before decoding. */
#define HTTP_AUTH_MAX 4096

/* http_auth_equal compares a and b in time that depends on their lengths
 * only (the stored side's length is not secret). */
static bool
http_auth_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = (unsigned char)(alen != blen);

	for (size_t i = 0; i < alen; i++) {
		diff |= (unsigned char)a[i] ^
		    (unsigned char)(blen > 0 ? b[i % blen] : 0);
	}
	return diff == 0;
}

/* http_auth_password checks pw against the stored password. */
static bool
http_auth_password(const char *stored, const char *pw, size_t pwlen)
{
	if (strncmp(stored, "{SHA}", 5) == 0) {
		unsigned char md[20];
		char hex[41];

		mbedtls_sha1_ret((const unsigned char *)pw, pwlen, md);
		for (size_t i = 0; i < sizeof(md); i++) {
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		}
		/* 4.2.5 compares the hex digest as written: lower case. */
		return http_auth_equal(hex, 40, stored + 5, strlen(stored + 5));
	}
	return http_auth_equal(pw, pwlen, stored, strlen(stored));
}

int
http_auth_check(const struct http_listener *l, const char *authz)
{
	unsigned char dec[HTTP_AUTH_MAX];
	size_t declen = 0, ulen;
	const char *cookie;
	const unsigned char *colon;
	bool user_ok, pw_ok;

	if (l->username == NULL) {
		return 0;
	}
	if (authz == NULL || strncasecmp(authz, "basic", 5) != 0 ||
	    (authz[5] != ' ' && authz[5] != '\t')) {
		return 401;
	}
	cookie = authz + 6;
	while (*cookie == ' ' || *cookie == '\t') {
		cookie++;
	}
	if (strlen(cookie) > HTTP_AUTH_MAX) {
		return 401;
	}
	if (mbedtls_base64_decode(dec, sizeof(dec) - 1, &declen,
	        (const unsigned char *)cookie, strlen(cookie)) != 0) {
		return 400;
	}
	dec[declen] = '\0';
	colon = memchr(dec, ':', declen);
	if (colon == NULL) {
		/* 4.2.5 then has a one-element list, which never matches. */
		return 401;
	}
	ulen = (size_t)(colon - dec);
	/* Both checks always run: no early exit on a wrong user. */
	user_ok = http_auth_equal(
	    (const char *)dec, ulen, l->username, strlen(l->username));
	pw_ok = http_auth_password(l->password != NULL ? l->password : "",
	    (const char *)colon + 1, declen - ulen - 1);
	return user_ok && pw_ok ? 0 : 401;
}
