/*
 * snapshot.h - the inventory as one image for a backup, put back by a
 * restore; the record of backups made; the keys a backup must hold.
 */
#ifndef TLVSIGN_STORE_SNAPSHOT_H
#define TLVSIGN_STORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/inventory.h"

/* The whole database as the bytes of a database file (sqlite3_malloc'd:
 * free with snapshot_free). */
int snapshot_take(struct inventory *inv, uint8_t **image, size_t *len);
void snapshot_free(uint8_t *image);

/*
 * Inside the caller's transaction: replace the cluster's state (meta,
 * nodes, certificates, chains, CSRs, parameters, signed files, the TVS
 * trust store, the backup record) with the image's, which must be at the
 * current schema (inventory_open_image migrates it). The history that
 * phones and auditors rely on (published files, the audit log and its
 * checkpoints) is kept when this inventory has one, and taken from the
 * image when it is empty (a rebuilt machine).
 */
int snapshot_restore(struct inventory *inv, struct inventory *image);

/* A key the backup must hold: every certificate whose key is still in
 * the token (active first), then every pending CSR. der is the
 * certificate, NULL for a CSR. */
struct snapshot_key {
	const char *key_id;     /* hex CKA_ID */
	const char *label;
	const char *state;      /* active, retired, csr */
	const char *purpose;
	const char *host;
	const uint8_t *der;
	size_t der_len;
};
int snapshot_keys(struct inventory *inv,
    int (*cb)(const struct snapshot_key *, void *), void *arg);

struct backup_row {
	long id;
	char name[256];
	char path[4096];
	time_t created;
	size_t size;
	unsigned keys;
	char sha256[65];
};
int inventory_backup_add(struct inventory *inv, const struct backup_row *b);
int inventory_backup_list(struct inventory *inv,
    int (*cb)(const struct backup_row *, void *), void *arg);

#endif
