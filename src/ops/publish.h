/*
 * publish.h - putting a signed file into the TFTP directory: written
 * atomically (temporary file, fsync, rename, mode 0644) and recorded in
 * the inventory with its MD5, SHA-1 and SHA-256, in one transaction.
 */
#ifndef TLVSIGN_OPS_PUBLISH_H
#define TLVSIGN_OPS_PUBLISH_H

#include "ops/app.h"

/* Digests of data as lowercase hex. */
void digests_hex(const uint8_t *data, size_t len, char md5[33],
    char sha1[41], char sha256[65]);

int ops_publish(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    struct published *out);

#endif
