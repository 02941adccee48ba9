/*
 * keys.h - the ITLRecovery key outside the token, in the two ways the
 * reference product has: exported as a password-protected PKCS#12
 * (`file get tftp ITLRecovery.p12`, explicit and confirmed), and brought
 * back from such a file for a remotekey reset, where it lives only as a
 * session object in the token and is destroyed right after signing.
 */
#ifndef TLVSIGN_OPS_KEYS_H
#define TLVSIGN_OPS_KEYS_H

#include "ops/trustfile.h"

#define P12_MIN_PASSPHRASE 8

/* The ITLRecovery key and certificate as PKCS#12 (AES-256, PBKDF2),
 * protected by passphrase. *p12 is malloc'd. */
int ops_key_export_p12(struct app *a, const char *purpose,
    const char *passphrase, uint8_t **p12, size_t *len);

/* The ITL of node (NULL: publisher) signed by the key in a PKCS#12. */
int ops_itl_reset_remotekey(struct app *a, const char *node,
    const uint8_t *p12, size_t len, const char *passphrase,
    const struct tf_opts *o, struct tf_result *res);

#endif
