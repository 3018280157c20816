/*
 * The corpus replayer: a main() for any harness under tests/fuzz when
 * libFuzzer is not there (gcc, or any build without FV_FUZZ). It calls
 * LLVMFuzzerTestOneInput once per regular file named on the command line or
 * found (sorted, not recursively, dot files skipped) in a directory named
 * there, so a crash saved into tests/fuzz/corpus/ stays a ctest test. The
 * path is printed before each run: when the harness aborts, the last line
 * names the input.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "fuzz.h"

/* replay_file runs the harness on path; returns 0, or -1 if unreadable. */
static int
replay_file(const char *path)
{
	struct fv_buf b;
	char chunk[65536];
	uint8_t *data;
	size_t n;
	FILE *f;
	int rv = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fv_buf_init(&b, (size_t)-1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fv_buf_append(&b, chunk, n);
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		rv = -1;
	}
	fclose(f);
	if (rv == 0) {
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, b.len);
		/* A copy of exactly len bytes, so ASan sees overreads. */
		data = fv_xmalloc(b.len > 0 ? b.len : 1);
		if (b.len > 0) {
			memcpy(data, b.data, b.len);
		}
		LLVMFuzzerTestOneInput(data, b.len);
		free(data);
	}
	fv_buf_fini(&b);
	return rv;
}

static int
replay_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_dir runs every regular file of dir; returns how many failed. */
static int
replay_dir(const char *dir, size_t *count)
{
	struct fv_strv names = { 0 };
	struct dirent *de;
	DIR *dp;
	int bad = 0;

	if ((dp = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] != '.') {
			fv_strv_push_take(
			    &names, fv_xasprintf("%s/%s", dir, de->d_name));
		}
	}
	closedir(dp);
	if (names.n > 0) {
		qsort(names.v, names.n, sizeof(*names.v), replay_namecmp);
	}
	for (size_t i = 0; i < names.n; i++) {
		struct stat st;

		if (stat(names.v[i], &st) != 0 || !S_ISREG(st.st_mode)) {
			continue;
		}
		bad += replay_file(names.v[i]) != 0;
		(*count)++;
	}
	fv_strv_free(&names);
	return bad;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			bad += replay_dir(argv[i], &count);
		} else {
			bad += replay_file(argv[i]) != 0;
			count++;
		}
	}
	printf("replay: %zu inputs, %d unreadable\n", count, bad);
	return bad == 0 && count > 0 ? 0 : 1;
}
