#ifndef FV_CONFIG_CFG_LOADER_H
#define FV_CONFIG_CFG_LOADER_H

#include <stdbool.h>

#include "common/err.h"
#include "common/str.h"
#include "config/cfg.h"
#include "config/cfg_expand.h"
#include "config/cfg_ini.h"

/*
 * Inside the loader (cfg_load.c): its state and the getters every section
 * reader uses, so that a section of our own ([fleet], cfg_fleet.c) reads
 * and reports exactly as 4.2.5's do. Not for use outside config/.
 */
struct cfg_loader {
	struct cfg *cfg;
	const struct cfg_cli *cli;
	struct cfg_ini ini;
	struct cfg_expansions env; /* 4.2.5's environ_expansions */
	struct fv_strv arena; /* owns strings the expansions borrow */
	char *node; /* platform.node() */
	struct fv_diag *d;
};

/* cfg_xset_str adds name=s to ex (s copied). */
void cfg_xset_str(struct cfg_expansions *ex, const char *name, const char *s);

/* cfg_fail reports msg at "file:line: [section] key" and returns
 * FV_EBADCONF. */
int cfg_fail(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* cfg_relay prefixes the converter's message in L->d with sec/key. */
int cfg_relay(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, int rv);
/* cfg_notice records one of our own remarks about the config. */
void cfg_notice(struct cfg_loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * cfg_get is 4.2.5's parser.saneget: the raw value (or def; *out NULL
 * when both are missing), expanded when expand is set with the environment
 * overlaid by extra. The typed getters convert and bound-check.
 */
int cfg_get(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    bool expand, char **out);
int cfg_get_int(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    long long lo, long long hi, long long *out);
int cfg_get_bool(struct cfg_loader *L, const struct cfg_ini_section *sec,
    const char *key, const char *def, const struct cfg_expansions *extra,
    bool *out);

/* cfg_load_fleet reads [fleet] (cfg_fleet.c); 0 without one. */
int cfg_load_fleet(struct cfg_loader *L);

#endif
