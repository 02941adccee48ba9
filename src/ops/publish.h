/*
 * publish.h - putting signed files into the TFTP directory so that a crash
 * at any moment leaves the old file or the new one and an inventory that
 * agrees with it. A publication is staged (written and synced beside its
 * final path) inside the inventory transaction that decides it, together
 * with a journal row; after the commit the staged file is renamed into
 * place and the row removed. A crash after the commit is finished by the
 * next command (ops_publish_flush in recovery); a failure before it
 * leaves nothing.
 */
#ifndef TLVSIGN_OPS_PUBLISH_H
#define TLVSIGN_OPS_PUBLISH_H

#include "ops/app.h"

/* Digests of data as lowercase hex. */
void digests_hex(const uint8_t *data, size_t len, char md5[33],
    char sha1[41], char sha256[65]);

/* Inside the caller's transaction: stage the file and record it (with its
 * bytes). forced_verdict: the phone-trust refusal that --force overrode,
 * or NULL. */
int ops_publish_stage(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    const char *forced_verdict, struct published *out);

/* After the commit (or in recovery): install every staged file. */
int ops_publish_flush(struct app *a);

/* Undo the staged files of a transaction that is being rolled back. */
void ops_publish_discard(struct app *a);

/* Abandon the current transaction: its staged files, then its rows. */
void ops_abort(struct app *a);

/* Stage, commit and install in one go. */
int ops_publish(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    struct published *out);

/* Test builds: TLVSIGN_FAULT=point makes the process fail (or, for the
 * "crash_" points, die at once as if killed) at that point. */
int ops_fault(const char *point);

#endif
