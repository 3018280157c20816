/*
 * HTTP reason phrases, from http-parser's own status table so that the
 * two never disagree. Pure lookup: no state.
 */
#include <http_parser.h>

#include "proto/http/http_req.h"

const char *
http_status_reason(int status)
{
	switch (status) {
#define HTTP_REASON(num, name, string) \
	case num:                      \
		return #string;
		HTTP_STATUS_MAP(HTTP_REASON)
#undef HTTP_REASON
	default:
		return "";
	}
}
