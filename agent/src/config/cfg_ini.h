#ifndef FV_CONFIG_CFG_INI_H
#define FV_CONFIG_CFG_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/str.h"

/*
 * The raw INI layer: what Python's configparser (as supervisord 4.2.5
 * configures it) would hold after reading a file, with the file and line
 * of every section and value kept for error messages. No value is
 * interpreted here.
 */

/* The largest config file (main or included) we read. */
#define CFG_INI_MAXFILE (16u << 20)

struct cfg_ini_key {
	char *name; /* lower-cased, as configparser's optionxform */
	char *value; /* continuation lines joined with "\n" */
	const char *file; /* borrowed from cfg_ini.files */
	int line;
};

struct cfg_ini_section {
	char *name;
	const char *file; /* where the section first appeared; borrowed */
	int line;
	struct cfg_ini_key *keys;
	size_t nkeys;
};

struct cfg_ini {
	struct cfg_ini_section *sections; /* in order of first appearance */
	size_t nsections;
	struct cfg_ini_section defaults; /* [DEFAULT]: fallback for all */
	struct fv_strv files; /* every file read, owned */
};

/*
 * cfg_ini_read_file reads path into ini (sections merge with those already
 * there, a repeated key replaces the earlier value, as configparser with
 * strict=False does). The file must be a regular file of at most
 * CFG_INI_MAXFILE bytes in valid UTF-8; it is opened without blocking (a
 * FIFO is refused, not waited on). Errors return FV_EBADCONF (or a negated
 * errno for open/read failures) with "<file>:<line>: <what>" in d.
 */
int cfg_ini_read_file(struct cfg_ini *ini, const char *path, struct fv_diag *d);

/* cfg_ini_read_string parses text as if it were the file named name. */
int cfg_ini_read_string(struct cfg_ini *ini, const char *text, size_t len,
    const char *name, struct fv_diag *d);

/* cfg_ini_section returns the section called name, or NULL. */
struct cfg_ini_section *cfg_ini_section(
    const struct cfg_ini *ini, const char *name);

/* cfg_ini_get returns key in sec, falling back to [DEFAULT], or NULL. */
const struct cfg_ini_key *cfg_ini_get(const struct cfg_ini *ini,
    const struct cfg_ini_section *sec, const char *key);

/*
 * cfg_ini_expand_here replaces "%(here)s" with here in the values of every
 * section (not in [DEFAULT], whose values are copied into a section when
 * they contain it), as 4.2.5's UnhosedConfigParser.expand_here does.
 */
void cfg_ini_expand_here(struct cfg_ini *ini, const char *here);

/* cfg_ini_free releases everything ini holds. */
void cfg_ini_free(struct cfg_ini *ini);

#endif
