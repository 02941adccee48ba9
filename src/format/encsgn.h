/*
 * encsgn.h - the encryption elements of an .enc.sgn header (FORMATS.md 6):
 * encode the 16{17{18,19,20},21{22,23,24,25}},26,27 block and read it back
 * from a parsed version-2.0 file. Bytes only: no I/O, no crypto.
 */
#ifndef TLVSIGN_FORMAT_ENCSGN_H
#define TLVSIGN_FORMAT_ENCSGN_H

#include <stddef.h>
#include <stdint.h>

#include "format/trustlist.h"

#define ENCSGN_IV_LEN 16
#define ENCSGN_BLOCK 16 /* AES block: the plaintext pads to a multiple */

struct encsgn_info {
	uint8_t iv[16];         /* tag 19 */
	uint16_t pad_count;     /* tag 20 */
	uint16_t key_bits;      /* tag 23: size of the encrypted key in bits */
	const uint8_t *enc_key; /* tag 25 */
	size_t enc_key_len;
	uint8_t digest_alg;     /* tag 26: TL_HASH_SHA1 or TL_HASH_SHA512 */
	const uint8_t *digest;  /* tag 27 */
	size_t digest_len;
};

/* Digest size for an .enc.sgn digest code: 20 (SHA-1), 64 (SHA-512), or
 * 0 for any other code. */
size_t encsgn_digest_size(uint8_t digest_alg);

/*
 * The 16{17{18,19,20},21{22,23,24,25}},26,27 block, malloc'd, to pass as
 * trustlist_spec.extra_header. Refuses (TS_ERR_INVALID) a digest code
 * other than SHA-1/SHA-512, a digest of the wrong size, an empty key,
 * key_bits other than 8 * enc_key_len, and a padding count outside 1..16.
 */
int encsgn_encode_info(const struct encsgn_info *in, uint8_t **out,
    size_t *len);

/*
 * From a parsed version-2.0 file: every element present, lengths right
 * (IV 16 bytes, digest 20 or 64 bytes per algorithm, tag 18/22 = 0,
 * tag 24 = 1, tag 23 = 8 * the length of tag 25), pointers into the
 * parsed bytes. TS_ERR_FORMAT with a specific detail otherwise.
 */
int encsgn_parse_info(const struct trustlist *tl, struct encsgn_info *out);

/* The ciphertext: everything from HEADER_LENGTH to the end of the file
 * (points into the parsed bytes; may be empty). */
int encsgn_ciphertext(const struct trustlist *tl, const uint8_t **p,
    size_t *len);

#endif
