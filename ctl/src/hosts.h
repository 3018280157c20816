#ifndef FV_CTL_HOSTS_H
#define FV_CTL_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"

/*
 * The pure rules of several servers: what each is called, which servers
 * the words of a command address, and the exit code of a command that
 * ran on several. No I/O here, so the unit tests hold every rule.
 */

/*
 * ctl_host_name_ok tells whether s can name a host: not empty, and no
 * '/', white space or glob character, so that "HOST/NAME" and host globs
 * stay unambiguous.
 */
bool ctl_host_name_ok(const char *s);

/*
 * ctl_host_names names n servers. Each is called by its identification
 * (idents[i]; NULL when unknown or 4.2.5's default "supervisor"), else by
 * the short name of its URL: the host of http://HOST:PORT, the socket's
 * file name without ".sock" for unix:///DIR/NAME.sock (the directory's
 * name for the default supervisor.sock). Names that would
 * be shared fall back to the longer name of the URL (HOST:PORT, or the
 * socket's directory name), and any still shared get "#2", "#3"... in
 * order. out[i] are new strings.
 */
void ctl_host_names(
    const char *const *urls, const char *const *idents, size_t n, char **out);

/*
 * Which servers a command addresses, and with what words. A word
 * "PATTERN/REST" is for the servers whose name matches the glob PATTERN
 * (fnmatch), as REST; other words are for every addressed server. When
 * some word has a PATTERN, the command addresses only the servers those
 * words matched; otherwise it addresses all of them. Each addressed
 * server gets the words in the order they were given.
 */
struct ctl_route {
	size_t n; /* servers */
	bool *selected; /* [n]: addressed */
	struct fv_strv *words; /* [n]: its words (empty when not addressed) */
	struct fv_strv unmatched; /* patterns that matched no server */
	size_t nselected;
};

void ctl_route(const char *const *names, size_t n, char *const *words,
    size_t nwords, struct ctl_route *r);
void ctl_route_fini(struct ctl_route *r);

/*
 * ctl_exit_merge is the exit code of a command that ran on several
 * servers, given the code so far and one server's: the highest, so the
 * result is 0 only when every server succeeded, and it does not depend on
 * the order in which servers answered.
 */
int ctl_exit_merge(int so_far, int one);

#endif
