/*
 * tvstrust.h - the inventory's table of other clusters' certificates that
 * this cluster's TVS vouches for (bulk certificate import). Together with
 * this cluster's own active certificates they form the TVS trust store.
 */
#ifndef TLVSIGN_STORE_TVSTRUST_H
#define TLVSIGN_STORE_TVSTRUST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/inventory.h"

struct tvs_trust_row {
	long id;
	char cluster[128];
	char host[256];
	char purpose[32];
	char roles[64];          /* role names joined by ',': "TFTP,SAST" */
	char *subject;           /* malloc'd by reads */
	char *issuer;
	char serial[130];        /* colon hex */
	char sha256[65];
	uint8_t *der;            /* malloc'd by reads */
	size_t der_len;
	time_t imported;
};

/* TS_ERR_EXISTS when a row with the same SHA-256 is there. */
int tvs_trust_add(struct inventory *inv, const struct tvs_trust_row *t);
/* Every row, by cluster, host, purpose. */
int tvs_trust_list(struct inventory *inv,
    int (*cb)(const struct tvs_trust_row *, void *), void *arg);
/* 1 in *found when a row has this SHA-256 (lower hex). */
int tvs_trust_has(struct inventory *inv, const char *sha256, int *found);
/* Delete the rows of a cluster, or (cluster NULL) the row of sha256;
 * *removed is the number deleted. */
int tvs_trust_remove(struct inventory *inv, const char *cluster,
    const char *sha256, int *removed);
void tvs_trust_row_free(struct tvs_trust_row *t);

#endif
