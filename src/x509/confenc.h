/*
 * confenc.h - encrypted phone configuration (FORMATS.md 6): AES-128-CBC
 * under a random key that is RSA-encrypted to the phone's certificate,
 * and the SEP<MAC>.cnf.xml.sgn stub that tells the phone to fetch it.
 */
#ifndef TLVSIGN_X509_CONFENC_H
#define TLVSIGN_X509_CONFENC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "format/encsgn.h"

/*
 * Encrypt plain for a phone: a random AES-128 key and IV, plaintext
 * padded with 0x0D to a multiple of 16 (a full block when already
 * aligned), AES-128-CBC without OpenSSL's own padding, the key RSA
 * PKCS#1 v1.5-encrypted to the phone certificate's public key (refuse a
 * non-RSA certificate), the digest (SHA-1 or SHA-512 by digest_alg) of
 * the plaintext. info's enc_key and digest point into *keybuf (malloc'd,
 * caller frees) and *cipher is malloc'd. The AES key is wiped.
 */
int confenc_encrypt(const uint8_t *plain, size_t len, X509 *phone_cert,
    uint8_t digest_alg, struct encsgn_info *info, uint8_t **keybuf,
    uint8_t **cipher, size_t *clen);

/*
 * Decrypt with the phone's private key: RSA-decrypt the key (any failure,
 * a key that is not 16 bytes, or a digest mismatch after decryption is
 * TS_ERR_AUTH "this file was not encrypted for this phone's key": OpenSSL
 * 3's implicit rejection turns a wrong key into a random one),
 * AES-128-CBC-decrypt, check the ciphertext is a non-zero multiple of 16
 * bytes and pad_count <= 16 and <= its length, verify the digest of the
 * plaintext, then that the pad_count stripped bytes are 0x0D
 * (TS_ERR_FORMAT otherwise). *plain is malloc'd.
 */
int confenc_decrypt(const struct encsgn_info *info, const uint8_t *cipher,
    size_t clen, EVP_PKEY *phone_key, uint8_t **plain, size_t *plen);

/*
 * The stub that replaces SEP<MAC>.cnf.xml.sgn's content: a short XML
 * document, root <device> as the reference product writes it, with
 * <fullConfig>false</fullConfig>, <encrConfig>true</encrConfig> and
 * <certHash> holding the MD5 fingerprint of the phone certificate (DER)
 * as lowercase hex; malloc'd, NUL-terminated.
 */
int confenc_stub(X509 *phone_cert, char **xml);

#endif
