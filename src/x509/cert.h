/*
 * cert.h - X.509 certificates: self-signed certificates signed by a token
 * key, and the fields trust lists need (DN text, serial, public key,
 * signature, fingerprints).
 */
#ifndef TLVSIGN_X509_CERT_H
#define TLVSIGN_X509_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "x509/purpose.h"

struct cert_subject {
	const char *cn;
	const char *ou, *o, *l, *st, *c; /* optional */
};

/* The CN a purpose gives to a node (malloc'd). */
int cert_common_name(const struct purpose *p, const char *host,
    const char *domain, char **out);

/*
 * Make a self-signed certificate for pub, signed through signer (a token
 * key), valid from now for years. Serial: 16 random bytes. Extensions:
 * basic constraints CA, key usage, extended key usage (TLS purposes),
 * subject and authority key identifiers, SAN dNSName for sans.
 */
int cert_self_signed(const struct purpose *p, const struct cert_subject *s,
    const char *const *sans, size_t nsans, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, unsigned years, X509 **out);

/* DN as trust lists write it: most specific first, joined by sep. */
int cert_dn_text(const X509_NAME *name, char sep, char **out);

/* Minimal big-endian magnitude of the serial (malloc'd). */
int cert_serial(const X509 *x, uint8_t **out, size_t *len);

/* RSA: DER RSAPublicKey; EC: X9.62 uncompressed point (malloc'd). */
int cert_public_key_bytes(const X509 *x, uint8_t **out, size_t *len);

/* The certificate's own signature value (malloc'd). */
int cert_signature_bytes(const X509 *x, uint8_t **out, size_t *len);

/* DER encoding (malloc'd). */
int cert_der(const X509 *x, uint8_t **out, size_t *len);

/* Parse DER; TS_ERR_FORMAT when not a certificate. */
int cert_from_der(const uint8_t *der, size_t len, X509 **out);

/* Fingerprint of DER with md as "AA:BB:..." (upper) or lower hex
 * without separators; out must hold 3 * 64 bytes. */
void hex_colon(const uint8_t *p, size_t n, char *out);
void hex_lower(const uint8_t *p, size_t n, char *out);
/* Hex (even length, 1 to max bytes) to bytes; -1 when malformed. */
int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len);
int cert_fingerprint(const X509 *x, const EVP_MD *md, char *out,
    size_t outsize, int colons);

/* Validity as Unix time. */
int cert_validity(const X509 *x, time_t *not_before, time_t *not_after);

/* Key type and size of the certificate's public key. */
int cert_key_info(const X509 *x, const char **type, unsigned *bits);

#endif
