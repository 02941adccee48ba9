/*
 * tvs.h - the TVS wire protocol of Cisco IP phones (FORMATS.md section 7):
 * a 10-byte header and tag/length/value elements. Decodes requests and
 * responses strictly and encodes them. No I/O, no crypto.
 */
#ifndef TLVSIGN_FORMAT_TVS_H
#define TLVSIGN_FORMAT_TVS_H

#include <stddef.h>
#include <stdint.h>

#include "format/buf.h"

#define TVS_HEADER_LEN 10
#define TVS_PROTO_ID 0x57
#define TVS_VERSION 1
/* The largest payload we accept: a certificate of a few KiB and names. */
#define TVS_MAX_PAYLOAD 16384
#define TVS_MAX_ROLES 16
/* X.509 serials are at most 20 octets, plus a leading zero. */
#define TVS_MAX_SERIAL 21

enum tvs_type {
	TVS_VERIFY_REQUEST = 1,
	TVS_VERIFY_RESPONSE = 2,
	TVS_QUERY_REQUEST = 3,
	TVS_QUERY_RESPONSE = 4,
};

enum tvs_tag {
	TVS_TAG_DEVICE = 1,  /* 0x01, then "CP-<model>-SEP<12 hex>" */
	TVS_TAG_CERT = 2,    /* DER */
	TVS_TAG_SUBJECT = 3, /* NUL-terminated DN */
	TVS_TAG_ISSUER = 4,  /* NUL-terminated DN */
	TVS_TAG_SERIAL = 5,  /* big-endian serial number bytes */
	TVS_TAG_STATUS = 7,  /* 1 byte */
	TVS_TAG_ROLES = 8,   /* one role code per byte */
	TVS_TAG_TTL = 9,     /* 4 bytes, seconds */
};

enum tvs_status {
	TVS_STATUS_VALID = 0,
	TVS_STATUS_INVALID = 1,
};

struct tvs_header {
	uint8_t type;
	uint8_t reserved;        /* byte 3: 0 in what we send */
	uint8_t id[4];           /* request id, echoed verbatim */
	uint16_t len;            /* payload bytes after the header */
};

/*
 * Decode the 10 header bytes: TS_ERR_TRUNCATED for fewer, TS_ERR_FORMAT
 * for a wrong protocol id, version or message type, TS_ERR_LIMIT for a
 * payload over TVS_MAX_PAYLOAD. A server reads the header, then len
 * payload bytes, then hands the whole frame to tvs_request_parse.
 */
int tvs_header_parse(const uint8_t *p, size_t len, struct tvs_header *h);

/* A request; pointers go into the frame given to the parser. */
struct tvs_request {
	struct tvs_header hdr;
	const char *device;      /* without the 0x01 prefix; NULL if absent */
	size_t device_len;
	const uint8_t *cert;     /* verify: the certificate, DER */
	size_t cert_len;
	const char *subject;     /* query: NUL-terminated inside the frame */
	const char *issuer;
	const uint8_t *serial;
	size_t serial_len;
};

/*
 * Decode one whole frame (header and exactly its payload) as a request.
 * A verify request must carry a device name and a certificate; a query
 * request a subject, an issuer and a serial (a device name optional).
 * Every element appears at most once; an element of the other request
 * type, of a response, or an unknown tag is TS_ERR_FORMAT; bytes after
 * the payload or a payload shorter than the header says are errors.
 */
int tvs_request_parse(const uint8_t *frame, size_t len,
    struct tvs_request *req);

struct tvs_response {
	struct tvs_header hdr;   /* type TVS_VERIFY/QUERY_RESPONSE and id */
	uint8_t status;          /* TVS_STATUS_* */
	uint8_t roles[TVS_MAX_ROLES];
	size_t nroles;
	uint32_t ttl;
	const uint8_t *cert;     /* query response: the certificate */
	size_t cert_len;
};

/*
 * Decode a response frame (for clients and tests): a status, then for a
 * valid verify response roles and TTL, for a valid query response the
 * certificate, roles and TTL.
 */
int tvs_response_parse(const uint8_t *frame, size_t len,
    struct tvs_response *resp);

/*
 * Encode a response: verify: status, then roles and TTL when valid;
 * query: status, then certificate, roles and TTL when valid. Byte 3 of
 * the header is 0. Appends to out.
 */
int tvs_response_encode(const struct tvs_response *resp, struct wbuf *out);

/* Encode a request (clients and tests) from the fields of req that its
 * type uses. */
int tvs_request_encode(const struct tvs_request *req, struct wbuf *out);

#endif
