/* test_fileio.c - bounded reads and atomic replacement (util/fileio). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutap.h"
#include "util/error.h"
#include "util/fileio.h"

static char dir[] = "/tmp/tlvsign-fileio.XXXXXX";

static void
path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Names in the test directory: a leftover temporary file shows here. */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
same_bytes(const char *path, const void *want, size_t len)
{
	uint8_t *got = NULL;
	size_t n = 0;
	int same;

	if (file_read(path, 16 << 20, &got, &n) != 0)
		return 0;
	same = n == len && memcmp(got, want, len) == 0;
	free(got);
	return same;
}

static void
test_replace_new_file(void)
{
	char p[256];
	struct stat st;
	mode_t old = umask(077);

	path_in(p, sizeof(p), "new.cnf.xml.sgn");
	CU_ASSERT_EQUAL(file_replace_nosync(p, "first", 5, 0644), 0);
	umask(old);
	CU_ASSERT_TRUE(same_bytes(p, "first", 5));
	/* the mode asked for, whatever the umask: the TFTP server reads it */
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
	CU_ASSERT_EQUAL(st.st_nlink, 1);
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(unlink(p), 0);
}

static void
test_replace_existing_file(void)
{
	char p[256];
	struct stat before, after;
	int i;

	path_in(p, sizeof(p), "old.cnf.xml.sgn");
	CU_ASSERT_EQUAL(file_replace_nosync(p, "version 1", 9, 0644), 0);
	CU_ASSERT_EQUAL(stat(p, &before), 0);
	/* again and again: each time a new file takes the name at once, and
	 * no temporary name stays behind */
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(file_replace_nosync(p, "version two", 11, 0600),
		    0);
	CU_ASSERT_TRUE(same_bytes(p, "version two", 11));
	CU_ASSERT_EQUAL(stat(p, &after), 0);
	CU_ASSERT_NOT_EQUAL(before.st_ino, after.st_ino);
	CU_ASSERT_EQUAL(after.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(after.st_nlink, 1);
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(unlink(p), 0);
}

static void
test_replace_empty_and_large(void)
{
	char p[256];
	size_t len = 3 * 1024 * 1024 + 7, i;
	uint8_t *big = malloc(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 31 + 7);
	path_in(p, sizeof(p), "big");
	CU_ASSERT_EQUAL(file_replace_nosync(p, big, len, 0644), 0);
	CU_ASSERT_TRUE(same_bytes(p, big, len));
	CU_ASSERT_EQUAL(file_replace_nosync(p, "", 0, 0644), 0);
	CU_ASSERT_TRUE(same_bytes(p, "", 0));
	CU_ASSERT_EQUAL(file_sync_fs(p), 0);
	CU_ASSERT_EQUAL(unlink(p), 0);
	free(big);
}

static void
test_replace_missing_directory(void)
{
	char p[256];
	int r;

	path_in(p, sizeof(p), "nosuch/x.sgn");
	r = file_replace_nosync(p, "x", 1, 0644);
	CU_ASSERT_EQUAL(r, TS_ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(r), "nosuch/x.sgn"));
	CU_ASSERT_EQUAL(entries(), 0);
}

/* A directory in the way: an error, and the directory is untouched. */
static void
test_replace_over_directory(void)
{
	char p[256], inner[300];

	path_in(p, sizeof(p), "adir");
	CU_ASSERT_EQUAL_FATAL(mkdir(p, 0755), 0);
	snprintf(inner, sizeof(inner), "%s/keep", p);
	CU_ASSERT_EQUAL(file_replace_nosync(inner, "k", 1, 0644), 0);
	CU_ASSERT_EQUAL(file_replace_nosync(p, "x", 1, 0644), TS_ERR_IO);
	CU_ASSERT_TRUE(same_bytes(inner, "k", 1));
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(unlink(inner), 0);
	CU_ASSERT_EQUAL(rmdir(p), 0);
}

#ifdef TLVSIGN_FAULTS
/* Where unnamed files cannot be made (O_TMPFILE unsupported, no /proc),
 * a named temporary file does the same. */
static void
test_replace_without_tmpfile(void)
{
	setenv("TLVSIGN_FAULT", "no_tmpfile", 1);
	test_replace_new_file();
	test_replace_existing_file();
	unsetenv("TLVSIGN_FAULT");
}

/* A full disk: the old file stays as it was, nothing is left beside it. */
static void
test_replace_disk_full(void)
{
	char p[256];
	int r;

	path_in(p, sizeof(p), "y.sgn");
	CU_ASSERT_EQUAL(file_replace_nosync(p, "kept", 4, 0644), 0);
	setenv("TLVSIGN_FAULT", "disk_full", 1);
	r = file_replace_nosync(p, "lost", 4, 0644);
	unsetenv("TLVSIGN_FAULT");
	CU_ASSERT_EQUAL(r, TS_ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(r), "No space"));
	CU_ASSERT_TRUE(same_bytes(p, "kept", 4));
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(unlink(p), 0);
}
#endif

static void
test_write_atomic_and_read_limit(void)
{
	char p[256];
	uint8_t *got = NULL;
	size_t n = 0;

	path_in(p, sizeof(p), "ITLFile.tlv");
	CU_ASSERT_EQUAL(file_write_atomic(p, "0123456789", 10, 0644), 0);
	CU_ASSERT_EQUAL(file_read(p, 10, &got, &n), 0);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(got[10], '\0');
	free(got);
	got = NULL;
	CU_ASSERT_EQUAL(file_read_noatime(p, 9, &got, &n), TS_ERR_LIMIT);
	CU_ASSERT_PTR_NULL(got);
	CU_ASSERT_EQUAL(file_read(dir, 10, &got, &n), TS_ERR_IO);
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(unlink(p), 0);
}

static const struct cutap_test tests[] = {
	{ "replace: a new file, its mode despite the umask",
	    test_replace_new_file },
	{ "replace: an existing file, no temporary left",
	    test_replace_existing_file },
	{ "replace: empty and 3 MB files", test_replace_empty_and_large },
	{ "replace: a missing directory is an error",
	    test_replace_missing_directory },
	{ "replace: a directory in the way is an error",
	    test_replace_over_directory },
#ifdef TLVSIGN_FAULTS
	{ "replace: without unnamed files", test_replace_without_tmpfile },
	{ "replace: a full disk keeps the old file", test_replace_disk_full },
#endif
	{ "write_atomic, read limit, not a regular file",
	    test_write_atomic_and_read_limit },
};

int
main(void)
{
	int r;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	r = cutap_main(&(struct cutap_suite){ .name = "fileio" }, tests,
	    CUTAP_N(tests));
	rmdir(dir);
	return r;
}
