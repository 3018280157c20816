#ifndef FV_PROTO_XMLRPC_XR_LIBXML_H
#define FV_PROTO_XMLRPC_XR_LIBXML_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/err.h"

/*
 * libxml2, loaded the first time a body needs it (xr_parse.c): the plain
 * calls most clients send are read by xr_fast.c alone, and libxml2 brings
 * ICU and the C++ runtime with it, about 2 MiB of an agent's resident
 * memory that a daemon answering only those calls never needs. The
 * headers give the types and the struct layouts as usual; only the
 * functions are reached through this table.
 */
struct xr_libxml {
	__typeof__(xmlInitParser) *InitParser;
	__typeof__(xmlNewParserCtxt) *NewParserCtxt;
	__typeof__(xmlCtxtReadMemory) *CtxtReadMemory;
	__typeof__(xmlCtxtGetLastError) *CtxtGetLastError;
	__typeof__(xmlStopParser) *StopParser;
	__typeof__(xmlFreeDoc) *FreeDoc;
	__typeof__(xmlFreeParserCtxt) *FreeParserCtxt;
	__typeof__(xmlDictSize) *DictSize;
	__typeof__(xmlDocGetRootElement) *DocGetRootElement;
	__typeof__(xmlGetLineNo) *GetLineNo;
};

/* The table, complete once xr_libxml_load() succeeded. */
extern struct xr_libxml xr_xml;

/* xr_libxml_load loads libxml2 and initialises its parser, once for the
 * process, from any thread; 0, or an error naming what failed, in d. */
int xr_libxml_load(struct fv_diag *d);

#endif
