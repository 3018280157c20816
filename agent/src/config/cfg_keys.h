#ifndef FV_CONFIG_CFG_KEYS_H
#define FV_CONFIG_CFG_KEYS_H

#include <stdbool.h>

/*
 * What supervisord 4.2.5 reads: the kinds of section, the keys each kind
 * knows, and the event type names an [eventlistener:x] may subscribe to.
 */
enum cfg_sect_kind {
	CFG_SECT_UNKNOWN,
	CFG_SECT_SUPERVISORD,
	CFG_SECT_UNIX_HTTP,
	CFG_SECT_INET_HTTP,
	CFG_SECT_CTL,
	CFG_SECT_PROGRAM,
	CFG_SECT_GROUP,
	CFG_SECT_FCGI,
	CFG_SECT_LISTENER,
	CFG_SECT_RPC,
	CFG_SECT_CTLPLUGIN,
	CFG_SECT_INCLUDE,
	CFG_SECT_FLEET,
};

/* cfg_sect_kind classifies a section name as 4.2.5's prefixes do. */
enum cfg_sect_kind cfg_sect_kind(const char *name);
/* cfg_key_known tells whether 4.2.5 reads key in a section of kind. */
bool cfg_key_known(enum cfg_sect_kind kind, const char *key);
/* cfg_event_type_known tells whether name (upper case) is an event type. */
bool cfg_event_type_known(const char *name);

#endif
