/*
 * fileio.h - whole-file reads with a size cap, and atomic replacement of
 * published files: a crash leaves the old file or the new one, never a
 * torn one.
 */
#ifndef TLVSIGN_UTIL_FILEIO_H
#define TLVSIGN_UTIL_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read at most max bytes; a larger file is TS_ERR_LIMIT. *out malloc'd. */
int file_read(const char *path, size_t max, uint8_t **out, size_t *len);
/* The same without updating the file's access time (O_NOATIME) where the
 * caller owns the file: a read of thousands of files then writes no inode
 * back. Another owner's file is read the ordinary way. */
int file_read_noatime(const char *path, size_t max, uint8_t **out,
    size_t *len);

/* Write to a temporary file in the same directory, fsync, rename over
 * path, fsync the directory. Mode is applied before the rename. */
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode);

/* The two halves of file_write_atomic, for callers that must decide in
 * between (commit a transaction): stage writes and syncs PATH.tmp.XXXXXX
 * and returns its name (malloc'd); install renames it over path and syncs
 * the directory. */
int file_stage(const char *path, const void *data, size_t len, mode_t mode,
    char **staged);
int file_install(const char *staged, const char *path);

/* Bulk variant, without syncing: the caller makes the batch durable with
 * file_sync_fs once. A new file is written unnamed (O_TMPFILE) beside path
 * and linked into place; an existing one (or where unnamed files cannot
 * be made) is replaced by a temporary file renamed over it. A reader sees
 * the old file or the new one, never a torn one; a crash while writing
 * leaves no partly written file under path. */
int file_replace_nosync(const char *path, const void *data, size_t len,
    mode_t mode);
/* syncfs(2) of the file system holding path. */
int file_sync_fs(const char *path);

/* mkdir -p with mode for the directories created. */
int dir_create(const char *path, mode_t mode);

#endif
