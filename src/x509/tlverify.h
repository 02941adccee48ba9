/*
 * tlverify.h - signature check of a parsed trust list or .sgn: the key of
 * the SAST record named by the header (its certificate, else its public
 * key element), RSA PKCS#1 v1.5 with the hash of header tag 8.
 */
#ifndef TLVSIGN_X509_TLVERIFY_H
#define TLVSIGN_X509_TLVERIFY_H

#include <openssl/evp.h>

#include "format/trustlist.h"

/* The digest for a hash code, or NULL. */
const EVP_MD *tl_hash_md(uint8_t code);

/* Public key of a record (certificate first, then PUBLIC_KEY). */
int tl_record_key(const struct trustlist_record *r, EVP_PKEY **out);

/*
 * Verify tl's signature with key (NULL: the header's SAST record). Errors:
 * TS_ERR_NOTFOUND (no signer record), TS_ERR_FORMAT (unsupported
 * algorithm), TS_ERR_SIGNATURE (does not verify).
 */
int tl_verify(const struct trustlist *tl, EVP_PKEY *key);

#endif
