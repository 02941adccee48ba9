/*
 * bulkcert.h - the bulk certificate archive: certificates of one or more
 * clusters with their cluster, host, purpose and trust-file roles, as a
 * JSON document (DER in base64), for moving phones between clusters.
 * Strict parser and encoder; no I/O, no crypto (the caller checks that
 * each DER is a certificate with the SHA-256 the archive states).
 *
 *   { "format": "tlvsign-bulk-certificates", "version": 1,
 *     "certificates": [ { "cluster": "...", "host": "...",
 *       "purpose": "CallManager", "roles": [ "TFTP" ],
 *       "sha256": "<64 lower-case hex>", "der": "<base64>" }, ... ] }
 */
#ifndef TLVSIGN_FORMAT_BULKCERT_H
#define TLVSIGN_FORMAT_BULKCERT_H

#include <stddef.h>
#include <stdint.h>

#define BULK_FORMAT "tlvsign-bulk-certificates"
#define BULK_VERSION 1
#define BULK_MAX_FILE (8u * 1024 * 1024)
#define BULK_MAX_ENTRIES 4096
/* A certificate must fit a TVS query response (16 KiB payload). */
#define BULK_MAX_DER 16000
#define BULK_MAX_ROLES 8

struct bulk_entry {
	char cluster[128];
	char host[256];
	char purpose[32];
	uint16_t roles[BULK_MAX_ROLES];  /* TL_ROLE_* codes */
	size_t nroles;
	char sha256[65];
	uint8_t *der;                    /* malloc'd */
	size_t der_len;
};

struct bulk_archive {
	struct bulk_entry *entries;
	size_t n, cap;
};

/*
 * Parse an archive: every member present with the right type, no other
 * member, names of printable ASCII (1 to the field's size - 1 bytes), at
 * least one role and each role a trust-file role name (SAST, CCM,
 * CCM+TFTP, TFTP, CAPF, APP-SERVER, TVS) at most once, a 64-digit
 * SHA-256, strict base64 of 1 to BULK_MAX_DER bytes; at most
 * BULK_MAX_ENTRIES certificates and no SHA-256 twice.
 * TS_ERR_FORMAT or TS_ERR_LIMIT with the certificate's index otherwise.
 */
int bulk_parse(const uint8_t *data, size_t len, struct bulk_archive *a);
/* Append a copy of e (its DER copied); TS_ERR_EXISTS when the archive
 * already holds its SHA-256, TS_ERR_LIMIT past BULK_MAX_ENTRIES. */
int bulk_add(struct bulk_archive *a, const struct bulk_entry *e);
/* The JSON text (malloc'd, newline-terminated). */
int bulk_encode(const struct bulk_archive *a, char **out, size_t *len);
void bulk_free(struct bulk_archive *a);

/* Role names <-> codes: "TFTP,SAST" from codes, and back (strict). */
int bulk_roles_text(const uint16_t *roles, size_t n, char *buf, size_t size);
int bulk_roles_parse(const char *text, uint16_t *roles, size_t *n);

/* Strict base64 (RFC 4648, padded, no line breaks). */
int base64_decode(const char *in, size_t inlen, uint8_t **out, size_t *len);
int base64_encode(const uint8_t *in, size_t len, char **out);

#endif
