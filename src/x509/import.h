/*
 * import.h - the CA-signed certificate coming back for a pending CSR:
 * parse the uploaded file (untrusted), check the certificate against the
 * pending key and the purpose, and write a chain out again as PEM.
 */
#ifndef TLVSIGN_X509_IMPORT_H
#define TLVSIGN_X509_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "x509/purpose.h"

#define CERT_BUNDLE_MAX_BYTES (1024 * 1024)
#define CERT_BUNDLE_MAX_CERTS 16

/*
 * Parse one DER certificate, or PEM text with one or more CERTIFICATE
 * blocks (leaf first, then its issuers; text around the blocks is
 * ignored). On success *chain holds at least one certificate, in file
 * order; free it with sk_X509_pop_free(chain, X509_free). Refused: empty
 * input, over CERT_BUNDLE_MAX_BYTES or CERT_BUNDLE_MAX_CERTS
 * (TS_ERR_LIMIT), a block or file that is not a certificate, bytes after
 * the DER certificate (TS_ERR_FORMAT), a private key (TS_ERR_INVALID).
 */
int cert_bundle_parse(const uint8_t *data, size_t len, STACK_OF(X509) **chain);

/*
 * Check an issued certificate before it replaces the self-signed one, in
 * this order: leaf's public key is expected_pub (the pending CSR key);
 * leaf is valid at now; its key usage, when present, allows
 * digitalSignature (and keyEncipherment for RSA TLS purposes); its
 * extended key usage, when present, allows serverAuth for TLS purposes;
 * each certificate is signed by the next one in chain. chain holds the
 * issuers after leaf (NULL or empty when there are none); a whole bundle
 * as cert_bundle_parse returns it, leaf first, is taken as well. No trust
 * anchor is required. TS_ERR_INVALID names what is wrong.
 */
int cert_import_check(X509 *leaf, STACK_OF(X509) *chain,
    EVP_PKEY *expected_pub, const struct purpose *p, time_t now);

/* The chain as PEM CERTIFICATE blocks (malloc'd, NUL-terminated; *len
 * without NUL). */
int cert_pem_encode(STACK_OF(X509) *chain, char **pem, size_t *len);

#endif
