#ifndef FV_TESTS_SUPPORT_TESTSUPPORT_H
#define FV_TESTS_SUPPORT_TESTSUPPORT_H

/*
 * Helpers shared by the cmocka suites: private temporary directories and
 * small files written into them.
 */

/* fv_test_mkdtemp makes a fresh directory under $TMPDIR (or /tmp); the
 * returned path is malloc'd. Aborts on failure. */
char *fv_test_mkdtemp(void);
/* fv_test_write writes content to dir/name (creating parent directories)
 * and returns the full path, malloc'd. Aborts on failure. */
char *fv_test_write(const char *dir, const char *name, const char *content);
/* fv_test_rmtree removes dir and everything below it. */
void fv_test_rmtree(const char *dir);

#endif
