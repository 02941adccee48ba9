/*
 * csr.h - certificate signing requests (PKCS#10) for a purpose's pending
 * key: the subject name for single-node or multi-server distribution, the
 * requested extensions, the token's signature, and the PEM a CA takes.
 */
#ifndef TLVSIGN_X509_CSR_H
#define TLVSIGN_X509_CSR_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "x509/cert.h"
#include "x509/purpose.h"

/*
 * The CN of a CSR (malloc'd). Single node: as cert_common_name().
 * Multi-server: <host>-ms.<domain> for the RSA purposes, and
 * <host>-EC-ms.<domain> for the -ECDSA ones (no ".<domain>" when domain
 * is NULL); ITLRecovery and CAPF have no multi-server form
 * (TS_ERR_INVALID).
 */
int cert_name_for(const struct purpose *p, const char *host,
    const char *domain, int multi_server, char **out);

/*
 * A PKCS#10 request for pub, signed through signer (a token key; only
 * X509_REQ_sign touches it) with md, and verified with pub before it is
 * returned. Subject as cert_self_signed() orders it. Requested
 * extensions: key usage as cert_self_signed() chooses it, without
 * keyCertSign; extended key usage serverAuth,clientAuth for TLS
 * purposes; subjectAltName dNSName for each of sans, in order.
 */
int cert_csr_create(const struct purpose *p, const struct cert_subject *s,
    const char *const *sans, size_t nsans, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, X509_REQ **out);

/* The request as PEM text (malloc'd, NUL-terminated; *len without NUL). */
int cert_csr_pem(X509_REQ *req, char **pem, size_t *len);

#endif
