/*
 * Test-only helpers. They abort on any failure: a broken fixture must never
 * look like a passing test.
 */
#include "tests/support/testsupport.h"

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

char *
fv_test_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (base == NULL || *base == '\0') {
		base = "/tmp";
	}
	tmpl = fv_xasprintf("%s/fvtest.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

static void
fv_test_mkparents(char *path)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST) {
				perror(path);
				abort();
			}
			*p = '/';
		}
	}
}

char *
fv_test_write(const char *dir, const char *name, const char *content)
{
	char *path = fv_xasprintf("%s/%s", dir, name);
	FILE *f;

	fv_test_mkparents(path);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	if (fwrite(content, 1, strlen(content), f) != strlen(content) ||
	    fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

static int
fv_test_rm_one(
    const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
fv_test_rmtree(const char *dir)
{
	nftw(dir, fv_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
