/*
 * bulk.h - bulk certificates (the reference product's Bulk Certificate
 * Management): export this cluster's certificates with their roles,
 * consolidate several clusters' exports, and import other clusters'
 * certificates into the TVS trust store so that this cluster's TVS
 * vouches for them while phones migrate.
 */
#ifndef TLVSIGN_OPS_BULK_H
#define TLVSIGN_OPS_BULK_H

#include <stddef.h>

#include "format/bulkcert.h"
#include "ops/app.h"
#include "store/tvstrust.h"

enum bulk_type {
	BULK_TFTP = 1,        /* CallManager(-ECDSA): TFTP or CCM+TFTP */
	BULK_ITLRECOVERY = 2, /* ITLRecovery: SAST */
	BULK_ALL = 7,         /* both, and TVS and CAPF */
};

/* "tftp", "itlrecovery" or "all". */
int ops_bulk_type(const char *name, unsigned *type);

/* Write the active certificates of type to out (atomically). */
int ops_bulk_export(struct app *a, unsigned type, const char *out,
    size_t *count);

/* Read and check an archive file: the parser's rules, and every DER a
 * certificate (encoded canonically) with the SHA-256 the archive states. */
int ops_bulk_read(const char *path, struct bulk_archive *ar);

/* Merge archives, one copy per SHA-256, into out (atomically). */
int ops_bulk_consolidate(const char *const *in, size_t n, const char *out,
    size_t *count, size_t *duplicates);

struct bulk_import_result {
	size_t imported;   /* new rows in the TVS trust store */
	size_t own;        /* this cluster's own certificates, skipped */
	size_t already;    /* imported before, skipped */
};

/*
 * Import an archive into the TVS trust store in one transaction with its
 * audit entry. Certificates of this cluster (in the inventory) and those
 * imported before are skipped; an archive of only this cluster's own
 * certificates, or a certificate claiming this cluster's name that the
 * inventory does not hold, is refused. Any error changes nothing.
 */
int ops_bulk_import(struct app *a, const char *path,
    struct bulk_import_result *res);

/* Remove the imported certificates of a cluster (or, with cluster NULL,
 * the one of sha256); TS_ERR_NOTFOUND when none matched. Audited. */
int ops_bulk_remove(struct app *a, const char *cluster, const char *sha256,
    int *removed);

#endif
