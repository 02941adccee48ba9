/*
 * certs.h - certificate operations: generate a key pair in the token and
 * its self-signed certificate, as one transaction over token and
 * inventory.
 */
#ifndef TLVSIGN_OPS_CERTS_H
#define TLVSIGN_OPS_CERTS_H

#include "ops/app.h"

struct cert_gen {
	const char *purpose;
	const char *node;    /* NULL: the publisher */
	unsigned bits;       /* 0: the purpose's default */
	const char *hash;    /* NULL: SHA256 (SHA384 for EC 384) */
	unsigned years;      /* 0: the purpose's default */
};

struct cert_gen_result {
	struct cert_row row;
	const char *warning; /* the seed's warning for this choice, or NULL */
	int itl_rebuilt;     /* published ITLs rebuilt with the new certificate */
	char itl_error[1024]; /* why a rebuild failed ("" when none did) */
};

/*
 * Refuses an unknown purpose or node, a key length or hash outside the
 * seed's rules, and a purpose that already has an active certificate on
 * the node. On any failure the token and inventory are as before (the new
 * key pair is destroyed).
 */
int ops_cert_generate(struct app *a, const struct cert_gen *g,
    struct cert_gen_result *res);

/* Fill an inventory row from a certificate. */
int cert_row_fill(struct cert_row *row, X509 *x);

#endif
