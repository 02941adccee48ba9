/*
 * trustlist.h - ITLFile.tlv / CTLFile.tlv byte format (FORMATS.md 1-3)
 * and the .sgn / .enc.sgn header (5, 6): parse any trust list (ours or a
 * third party's) and encode ours.
 * Bytes only: no I/O, no crypto. Signing is done by the caller between
 * trustlist_encode() and trustlist_set_signature().
 */
#ifndef TLVSIGN_FORMAT_TRUSTLIST_H
#define TLVSIGN_FORMAT_TRUSTLIST_H

#include <stddef.h>
#include <stdint.h>

#include "format/buf.h"

#define TRUSTLIST_MAX_SIZE 65535 /* phones fail to register above 64 KB */
#define TRUSTLIST_MAX_SAST 2

/* Header tags */
enum {
	TL_H_VERSION = 1,
	TL_H_HEADER_LENGTH = 2,
	TL_H_SIGNER_INFO = 3,
	TL_H_SIGNER_NAME = 4,
	TL_H_SERIAL_NUMBER = 5,
	TL_H_ISSUER_NAME = 6,
	TL_H_SIGNATURE_INFO = 7,
	TL_H_HASH_ALGORITHM = 8,
	TL_H_SIGNATURE_ALGORITHM_INFO = 9,
	TL_H_SIGNATURE_ALGORITHM = 10,
	TL_H_SIGNATURE_MODULUS = 11,
	TL_H_SIGNATURE = 12,
	TL_H_PADDING = 13,
	TL_H_FILENAME = 14,
	TL_H_TIMESTAMP = 15,
	/* .enc.sgn only (FORMATS.md 6) */
	TL_H_ENC_INFO = 16,       /* container: 17, 21 */
	TL_H_ENC_IV_INFO = 17,    /* container: 18, 19, 20 */
	TL_H_ENC_IV_TYPE = 18,
	TL_H_ENC_IV = 19,
	TL_H_ENC_PADDING = 20,
	TL_H_ENC_KEY_INFO = 21,   /* container: 22, 23, 24, 25 */
	TL_H_ENC_KEY_TYPE = 22,
	TL_H_ENC_KEY_BITS = 23,
	TL_H_ENC_KEY_ALG = 24,
	TL_H_ENC_KEY = 25,
	TL_H_ENC_DIGEST_ALG = 26,
	TL_H_ENC_DIGEST = 27,
	TL_H_SIGNER_VERSION = 28,
};

/* Record tags */
enum {
	TL_R_RECORD_LENGTH = 1,
	TL_R_DNS_NAME = 2,
	TL_R_SUBJECT_NAME = 3,
	TL_R_ROLE = 4,
	TL_R_ISSUER_NAME = 5,
	TL_R_SERIAL_NUMBER = 6,
	TL_R_PUBLIC_KEY = 7,
	TL_R_SIGNATURE = 8,
	TL_R_CERTIFICATE = 9,
	TL_R_IP_ADDRESS = 10,
	TL_R_CERTIFICATE_HASH = 11,
	TL_R_HASH_ALGORITHM = 12,
};

/* Role ("function") codes */
enum {
	TL_ROLE_SAST = 0,
	TL_ROLE_CCM = 1,
	TL_ROLE_CCM_TFTP = 2,
	TL_ROLE_TFTP = 3,
	TL_ROLE_CAPF = 4,
	TL_ROLE_APP_SERVER = 7,
	TL_ROLE_TVS = 21,
};

/* Hash codes (header tag 8, record tag 12) */
enum {
	TL_HASH_SHA1 = 1,
	TL_HASH_SHA256 = 2,
	TL_HASH_SHA512 = 3,
};

/* Long name for a role ("System Administrator Security Token"), or NULL
 * for an unknown code (the caller prints the number). */
const char *trustlist_role_name(uint16_t role);
/* Short name ("SAST", "CCM+TFTP", ...), or NULL when unknown. */
const char *trustlist_role_short(uint16_t role);
/* "SHA1", "SHA256", "SHA512" or NULL. */
const char *trustlist_hash_name(uint8_t code);

/* A field of the input: p points into the parsed bytes; present is 0 when
 * the element was absent. */
struct tl_field {
	const uint8_t *p;
	uint16_t len;
	int present;
};

#define TL_MAX_HEADER_ELEMS 64
#define TL_MAX_RECORD_ELEMS 32

struct trustlist_header {
	uint8_t ver_major, ver_minor;
	uint16_t header_length;
	int has_signer_version;
	uint8_t sv_major, sv_minor;
	struct tl_field signer_name;   /* NUL-terminated as written */
	struct tl_field serial;
	struct tl_field issuer_name;
	int has_hash_alg;
	uint8_t hash_alg;
	int has_sig_alg;
	uint8_t sig_alg;
	int has_sig_modulus;
	uint8_t sig_modulus;
	struct tl_field signature;
	size_t sig_elem_off;          /* offset of the tag-12 byte */
	struct tl_field filename;
	int has_timestamp;
	uint32_t timestamp;
	size_t npadding;
	/* every element in file order (padding excluded), for display */
	struct tlv elems[TL_MAX_HEADER_ELEMS];
	size_t nelems;
};

struct trustlist_record {
	size_t off;      /* offset of the record in the file */
	uint16_t length; /* RECORD_LENGTH value */
	struct tl_field dns_name, subject, issuer, serial, pubkey, signature,
	    cert, ip, cert_hash;
	int has_role;
	uint16_t role;
	int has_hash_alg;
	uint8_t hash_alg;
	struct tlv elems[TL_MAX_RECORD_ELEMS]; /* file order, incl. unknown */
	size_t nelems;
};

struct trustlist {
	const uint8_t *data; /* not owned: must outlive the struct */
	size_t len;
	struct trustlist_header hdr;
	struct trustlist_record *records;
	size_t nrecords;
};

/*
 * Parse a trust list. Every element is bounds-checked; truncation, a
 * length past the end, a record overrunning the file, a header that does
 * not end at HEADER_LENGTH, duplicate or missing mandatory header elements
 * (version, header length, signature, hash algorithm, signer serial and
 * issuer) are errors with a detail naming the byte offset. Unknown tags
 * in records and unknown role codes are kept, not rejected. Files over
 * 65,535 bytes parse (the caller flags them). Versions 1.0 (.sgn) and 2.0
 * (.enc.sgn) are a header and an opaque payload from HEADER_LENGTH on, no
 * records; the .enc.sgn tags 16-27 are header elements (16, 17 and 21
 * containers, their children listed in elems like those of 3, 7 and 9).
 */
int trustlist_parse(const uint8_t *data, size_t len, struct trustlist *tl);
void trustlist_free(struct trustlist *tl);

/* The bytes that were signed: the file without the tag-12 element.
 * *out is malloc'd. */
int trustlist_signed_bytes(const struct trustlist *tl, uint8_t **out,
    size_t *outlen);

/* The SAST record whose serial and issuer equal header tags 5 and 6, or
 * NULL. */
const struct trustlist_record *trustlist_signer(const struct trustlist *tl);

/* A copy of a NUL-terminated string field without its NUL, with any
 * non-printable byte shown as '?'; NULL on allocation failure. "" when
 * absent. */
char *tl_field_str(const struct tl_field *f);

/* ---- encoding ---- */

/* One record to write. Certificate fields are ignored when certless. */
struct trustlist_entry {
	uint16_t role;
	const char *dns_name; /* NULL or "": a lone NUL */
	int certless;         /* only RECORD_LENGTH, DNS_NAME, ROLE, IP */
	const char *subject;  /* DN text as FORMATS.md 1 */
	const char *issuer;
	const uint8_t *serial;
	size_t serial_len;
	const uint8_t *pubkey; /* RSAPublicKey DER or X9.62 point */
	size_t pubkey_len;
	const uint8_t *cert_sig;
	size_t cert_sig_len;
	const uint8_t *cert; /* DER */
	size_t cert_len;
	int has_ip;
	uint8_t ip[4];
};

struct trustlist_spec {
	uint8_t ver_major, ver_minor; /* 1.2 for trust lists */
	int signer_version;           /* write tag 28 = 1.1 */
	const char *signer_name;
	const char *signer_issuer;
	const uint8_t *signer_serial;
	size_t signer_serial_len;
	uint8_t hash_alg;    /* TL_HASH_* */
	size_t sig_len;      /* RSA signature size in bytes (key size / 8) */
	const char *filename;
	uint32_t timestamp;
	const struct trustlist_entry *entries;
	size_t nentries;
	/* .sgn: bytes appended after the header instead of records; the
	 * trust-list limits (size, SAST count) apply only when NULL */
	const uint8_t *payload;
	size_t payload_len;
	/* .enc.sgn: header elements, already encoded, written after
	 * TIMESTAMP and before the padding (counted in HEADER_LENGTH) */
	const uint8_t *extra_header;
	size_t extra_header_len;
};

/*
 * Encode the file without its signature element, header length and
 * padding final: these are the bytes to sign. *sig_at is where
 * trustlist_set_signature() will insert the tag-12 element. Refuses
 * (TS_ERR_LIMIT, nothing produced) a file that would exceed 65,535 bytes
 * or carry more than 2 SAST records, with a detail giving the size and
 * how far over it is.
 */
int trustlist_encode(const struct trustlist_spec *spec, uint8_t **out,
    size_t *outlen, size_t *sig_at);

/* Insert 0x0C, len, sig at sig_at; sig_len must be the spec's. */
int trustlist_set_signature(const uint8_t *unsigned_file, size_t len,
    size_t sig_at, const uint8_t *sig, size_t sig_len, uint8_t **out,
    size_t *outlen);

/* Modulus code of tag 11 for a key size in bits (512..4096), -1 if none. */
int trustlist_modulus_code(unsigned bits);

#endif
