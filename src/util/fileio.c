/* fileio.c - bounded reads and atomic writes. */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

/* Set once an O_NOATIME open was refused (a file of another owner):
 * the following reads do not try again. */
static int noatime_refused;

static int
read_whole(const char *path, int noatime, size_t max, uint8_t **out,
    size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, r = 0;

	*out = NULL;
	*len = 0;
	if (noatime && !__atomic_load_n(&noatime_refused, __ATOMIC_RELAXED) &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME)) < 0 &&
	    errno == EPERM)
		__atomic_store_n(&noatime_refused, 1, __ATOMIC_RELAXED);
	if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ts_error(TS_ERR_IO, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = ts_error(TS_ERR_IO, "%s is not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		r = ts_error(TS_ERR_LIMIT, "%s is %jd bytes, over the %zu-byte "
		    "limit", path, (intmax_t)st.st_size, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory reading %s", path);
		goto out;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ts_error(TS_ERR_IO, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

int
file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
	return read_whole(path, 0, max, out, len);
}

int
file_read_noatime(const char *path, size_t max, uint8_t **out, size_t *len)
{
	return read_whole(path, 1, max, out, len);
}

static int
fsync_dir(const char *path)
{
	char *copy, *dir;
	int fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0)
		r = ts_error(TS_ERR_IO, "cannot sync directory %s: %s", dir,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

/* Test builds: TLVSIGN_FAULT=POINT makes that step fail. */
static int
fault(const char *point)
{
#ifdef TLVSIGN_FAULTS
	const char *f = getenv("TLVSIGN_FAULT");

	return f != NULL && strcmp(f, point) == 0;
#else
	(void)point;
	return 0;
#endif
}

static int
write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t off = 0;
	ssize_t n;

	if (fault("disk_full")) {
		errno = ENOSPC;
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int
stage(const char *path, const void *data, size_t len, mode_t mode, int sync,
    char **staged)
{
	char *tmp = NULL;
	int fd = -1, r = 0;

	*staged = NULL;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = ts_error(TS_ERR_IO, "cannot create a file beside %s: %s",
		    path, strerror(errno));
		free(tmp);
		return r;
	}
	if (write_all(fd, data, len) != 0) {
		r = ts_error(TS_ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) != 0 || (sync && fsync(fd) != 0)) {
		r = ts_error(TS_ERR_IO, "cannot sync %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ts_error(TS_ERR_IO, "cannot close %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	*staged = tmp;
	tmp = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return r;
}

int
file_stage(const char *path, const void *data, size_t len, mode_t mode,
    char **staged)
{
	return stage(path, data, len, mode, 1, staged);
}

/*
 * A new file: written unnamed (O_TMPFILE) in path's directory and linked
 * under its name once complete. One directory insertion instead of the
 * two and a removal of a named temporary file, and a crash while writing
 * leaves nothing behind. 1: not done (path exists, or a file system or a
 * kernel without O_TMPFILE, or no /proc): the caller writes a named
 * temporary file and renames it over path.
 */
static int
create_unnamed(const char *path, const void *data, size_t len, mode_t mode)
{
	char *copy, fdpath[64];
	int fd, r = 0;

	if (fault("no_tmpfile") || access(path, F_OK) == 0)
		return 1;
	if ((copy = strdup(path)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	fd = open(dirname(copy), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	free(copy);
	if (fd < 0)
		return 1;
	if (write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0) {
		r = ts_error(TS_ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
	} else {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, path,
		    AT_SYMLINK_FOLLOW) != 0)
			r = 1;
	}
	close(fd);
	return r;
}

int
file_replace_nosync(const char *path, const void *data, size_t len,
    mode_t mode)
{
	char *staged;
	int r;

	if ((r = create_unnamed(path, data, len, mode)) != 1)
		return r;
	if ((r = stage(path, data, len, mode, 0, &staged)) != 0)
		return r;
	if (rename(staged, path) != 0) {
		r = ts_error(TS_ERR_IO, "cannot replace %s: %s", path,
		    strerror(errno));
		unlink(staged);
	}
	free(staged);
	return r;
}

int
file_sync_fs(const char *path)
{
	static int synced_once;
	int fd = -1, r = 0;

	/* sync_fs_first: only the process's first syncfs fails */
	if (fault("sync_fs") || (fault("sync_fs_first") &&
	    !__atomic_exchange_n(&synced_once, 1, __ATOMIC_RELAXED))) {
		errno = EIO;
		r = -1;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    syncfs(fd) != 0) {
		r = -1;
	}
	if (r != 0)
		r = ts_error(TS_ERR_IO, "cannot sync the file system of %s: %s",
		    path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

int
file_install(const char *staged, const char *path)
{
	if (rename(staged, path) != 0)
		return ts_error(TS_ERR_IO, "cannot replace %s: %s", path,
		    strerror(errno));
	return fsync_dir(path);
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	char *staged;
	int r;

	if ((r = file_stage(path, data, len, mode, &staged)) != 0)
		return r;
	if ((r = file_install(staged, path)) != 0)
		unlink(staged);
	free(staged);
	return r;
}

int
dir_create(const char *path, mode_t mode)
{
	char *copy, *p;
	int r = 0;

	if ((copy = strdup(path)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			r = ts_error(TS_ERR_IO, "cannot create directory %s: %s",
			    copy, strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return r;
}
