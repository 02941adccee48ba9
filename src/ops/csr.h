/*
 * csr.h - certificate signing requests and the import of the CA-signed
 * result. A CSR gets a new key pair in the token; a new CSR for the same
 * purpose and node replaces the pending one and destroys its key (as the
 * reference product warns). The imported certificate must match the pending key; it
 * then replaces the active certificate as a regeneration does.
 */
#ifndef TLVSIGN_OPS_CSR_H
#define TLVSIGN_OPS_CSR_H

#include "ops/trustfile.h"

#define CSR_MAX_SANS 32

struct csr_opts {
	const char *purpose;
	const char *node;          /* NULL: the publisher */
	int multi_server;          /* --distribution multi-server */
	const char *sans[CSR_MAX_SANS];
	size_t nsans;
	const char *parent_domain; /* NULL: the node's domain */
	unsigned bits;
	const char *hash;
};

struct csr_result {
	char *pem;                 /* malloc'd */
	char subject[1024];
	int replaced;              /* a pending CSR and its key were replaced */
	const char *warning;
};

int ops_cert_csr(struct app *a, const struct csr_opts *o,
    struct csr_result *res);

struct import_result {
	struct cert_row row;
	char replaced_serial[130]; /* "" when there was no active certificate */
	size_t chain_len;          /* issuing certificates stored */
	int itl_rebuilt;
	int backup_required;
};

/* data: one DER certificate, or PEM with the leaf first and its chain. */
int ops_cert_import(struct app *a, const char *purpose, const char *node,
    const uint8_t *data, size_t len, const struct tf_opts *o,
    struct import_result *res);

#endif
