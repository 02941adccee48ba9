/* test_tvs.c - the TVS wire codec (format/tvs): known-answer frames,
 * every truncation and every malformed case. */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "format/tvs.h"
#include "util/error.h"

/* A verify request: device CP-8865-SEP00112233AABB, a 5-byte "cert". */
static const uint8_t verify_req[] = {
	0x57, 0x01, 0x01, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x23,
	0x01, 0x00, 0x18, 0x01, 'C', 'P', '-', '8', '8', '6', '5', '-', 'S',
	'E', 'P', '0', '0', '1', '1', '2', '2', '3', '3', 'A', 'A', 'B', 'B',
	0x02, 0x00, 0x05, 0x30, 0x03, 0x02, 0x01, 0x05,
};

/* A query request: subject "CN=a", issuer "CN=b", serial 01 02. */
static const uint8_t query_req[] = {
	0x57, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x15,
	0x03, 0x00, 0x05, 'C', 'N', '=', 'a', 0x00,
	0x04, 0x00, 0x05, 'C', 'N', '=', 'b', 0x00,
	0x05, 0x00, 0x02, 0x01, 0x02,
};

static const uint8_t verify_valid_resp[] = {
	0x57, 0x01, 0x02, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x10,
	0x07, 0x00, 0x01, 0x00,
	0x08, 0x00, 0x02, 0x03, 0x15,
	0x09, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80,
};

static const uint8_t verify_invalid_resp[] = {
	0x57, 0x01, 0x02, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x04,
	0x07, 0x00, 0x01, 0x01,
};

static const uint8_t query_valid_resp[] = {
	0x57, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x17,
	0x07, 0x00, 0x01, 0x00,
	0x02, 0x00, 0x05, 0x30, 0x03, 0x02, 0x01, 0x05,
	0x08, 0x00, 0x01, 0x03,
	0x09, 0x00, 0x04, 0x00, 0x00, 0x0E, 0x10,
};

static void
test_header(void)
{
	struct tvs_header h;
	uint8_t f[TVS_HEADER_LEN];
	size_t i;

	CHECK(tvs_header_parse(verify_req, sizeof(verify_req), &h) == 0,
	    "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(h.type == 1 && h.len == 0x23 && memcmp(h.id, "\xDE\xAD\xBE\xEF",
	    4) == 0, "header fields");
	for (i = 0; i < TVS_HEADER_LEN; i++)
		CHECK(tvs_header_parse(verify_req, i, &h) == TS_ERR_TRUNCATED,
		    "header cut at %zu", i);
	memcpy(f, verify_req, sizeof(f));
	f[0] = 0x58;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_FORMAT, "wrong id");
	CHECK(strstr(ts_error_detail(TS_ERR_FORMAT), "0x58") != NULL, "%s",
	    ts_error_detail(TS_ERR_FORMAT));
	f[0] = 0x57;
	f[1] = 2;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_FORMAT,
	    "wrong version");
	f[1] = 0;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_FORMAT,
	    "version 0");
	f[1] = 1;
	f[2] = 0;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_FORMAT, "type 0");
	f[2] = 5;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_FORMAT, "type 5");
	f[2] = 1;
	f[8] = 0x40;
	f[9] = 0x01;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_LIMIT,
	    "oversize payload");
	f[8] = 0x40;
	f[9] = 0x00; /* exactly the limit */
	CHECK(tvs_header_parse(f, sizeof(f), &h) == 0 && h.len == 16384,
	    "payload at the limit");
	f[8] = 0xFF;
	f[9] = 0xFF;
	CHECK(tvs_header_parse(f, sizeof(f), &h) == TS_ERR_LIMIT,
	    "payload 65535");
}

static void
test_verify_request(void)
{
	struct tvs_request q;

	CHECK(tvs_request_parse(verify_req, sizeof(verify_req), &q) == 0,
	    "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(q.hdr.type == TVS_VERIFY_REQUEST, "type");
	CHECK(q.device_len == 23 && memcmp(q.device,
	    "CP-8865-SEP00112233AABB", 23) == 0, "device");
	CHECK(q.cert_len == 5 && q.cert == verify_req + 40, "cert");
	CHECK(q.subject == NULL && q.serial == NULL, "no query fields");
}

static void
test_query_request(void)
{
	struct tvs_request q;

	CHECK(tvs_request_parse(query_req, sizeof(query_req), &q) == 0,
	    "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(q.hdr.type == TVS_QUERY_REQUEST, "type");
	CHECK(strcmp(q.subject, "CN=a") == 0 && strcmp(q.issuer, "CN=b") == 0,
	    "names");
	CHECK(q.serial_len == 2 && q.serial[0] == 1 && q.serial[1] == 2,
	    "serial");
	CHECK(q.device == NULL && q.cert == NULL, "no verify fields");
}

/* Every proper prefix of a frame is refused as truncated. */
static void
check_truncations(const uint8_t *f, size_t n, int request)
{
	struct tvs_request q;
	struct tvs_response s;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = request ? tvs_request_parse(f, i, &q) :
		    tvs_response_parse(f, i, &s);
		CHECK(r == TS_ERR_TRUNCATED, "cut at %zu of %zu: %d", i, n, r);
	}
}

/* A frame whose header length is cut back with the bytes: the elements
 * themselves are truncated. */
static void
check_inner_truncations(const uint8_t *f, size_t n)
{
	struct tvs_request q;
	uint8_t *c = malloc(n);
	size_t i;
	int r;

	for (i = TVS_HEADER_LEN + 1; i < n; i++) {
		memcpy(c, f, i);
		c[8] = (uint8_t)((i - TVS_HEADER_LEN) >> 8);
		c[9] = (uint8_t)(i - TVS_HEADER_LEN);
		r = tvs_request_parse(c, i, &q);
		/* a cut at an element boundary leaves a request lacking one */
		CHECK(r == TS_ERR_TRUNCATED || r == TS_ERR_FORMAT,
		    "inner cut at %zu: %d", i, r);
	}
	free(c);
}

static void
test_truncations(void)
{
	check_truncations(verify_req, sizeof(verify_req), 1);
	check_truncations(query_req, sizeof(query_req), 1);
	check_truncations(verify_valid_resp, sizeof(verify_valid_resp), 0);
	check_truncations(query_valid_resp, sizeof(query_valid_resp), 0);
	check_inner_truncations(verify_req, sizeof(verify_req));
	check_inner_truncations(query_req, sizeof(query_req));
}

static int
parse_mod(const uint8_t *f, size_t n, size_t at, uint8_t v)
{
	struct tvs_request q;
	uint8_t c[256];

	memcpy(c, f, n);
	c[at] = v;
	return tvs_request_parse(c, n, &q);
}

static void
test_malformed_requests(void)
{
	struct tvs_request q;
	uint8_t c[256];
	int r;

	CHECK(parse_mod(verify_req, sizeof(verify_req), 0, 0x56) ==
	    TS_ERR_FORMAT, "wrong id");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 1, 2) ==
	    TS_ERR_FORMAT, "wrong version");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 2, 2) ==
	    TS_ERR_FORMAT, "a response type in a request");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 2, 3) ==
	    TS_ERR_FORMAT, "query type with verify elements");
	/* unknown tags: 0, 6, 10, 255 in place of the certificate's */
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 0) ==
	    TS_ERR_FORMAT, "tag 0");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 6) ==
	    TS_ERR_FORMAT, "tag 6");
	CHECK(strstr(ts_error_detail(TS_ERR_FORMAT), "unknown TVS element "
	    "tag 6 at offset 37") != NULL, "%s",
	    ts_error_detail(TS_ERR_FORMAT));
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 10) ==
	    TS_ERR_FORMAT, "tag 10");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 255) ==
	    TS_ERR_FORMAT, "tag 255");
	/* a response element in a request */
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 7) ==
	    TS_ERR_FORMAT, "status tag in a request");
	/* the device element repeated instead of the certificate */
	CHECK(parse_mod(verify_req, sizeof(verify_req), 37, 1) ==
	    TS_ERR_FORMAT, "repeated device");
	/* device name rules */
	CHECK(parse_mod(verify_req, sizeof(verify_req), 13, 0x02) ==
	    TS_ERR_FORMAT, "device prefix byte");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 14, 'X') ==
	    TS_ERR_FORMAT, "device CP-");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 36, 'G') ==
	    TS_ERR_FORMAT, "device MAC not hex");
	CHECK(parse_mod(verify_req, sizeof(verify_req), 22, 'X') ==
	    TS_ERR_FORMAT, "device SEP");
	/* extra byte after the payload */
	memcpy(c, verify_req, sizeof(verify_req));
	c[sizeof(verify_req)] = 0;
	CHECK(tvs_request_parse(c, sizeof(verify_req) + 1, &q) ==
	    TS_ERR_FORMAT, "trailing byte");
	/* header says less than the elements: an element runs past it */
	memcpy(c, verify_req, sizeof(verify_req));
	c[9] = 0x22;
	CHECK(tvs_request_parse(c, sizeof(verify_req) - 1, &q) ==
	    TS_ERR_TRUNCATED, "element past payload");
	/* oversize payload */
	CHECK(parse_mod(verify_req, sizeof(verify_req), 8, 0x41) ==
	    TS_ERR_LIMIT, "oversize length");
	/* verify without the certificate */
	memcpy(c, verify_req, 37);
	c[9] = 37 - TVS_HEADER_LEN;
	CHECK(tvs_request_parse(c, 37, &q) == TS_ERR_FORMAT, "no certificate");
	CHECK(strstr(ts_error_detail(TS_ERR_FORMAT), "lacks the certificate") !=
	    NULL, "%s", ts_error_detail(TS_ERR_FORMAT));
	/* verify without the device: certificate only */
	memcpy(c, verify_req, TVS_HEADER_LEN);
	memcpy(c + TVS_HEADER_LEN, verify_req + 37, 8);
	c[9] = 8;
	CHECK(tvs_request_parse(c, TVS_HEADER_LEN + 8, &q) == TS_ERR_FORMAT,
	    "no device");
	/* empty certificate */
	memcpy(c, verify_req, 37);
	c[37] = 2; c[38] = 0; c[39] = 0;
	c[9] = 40 - TVS_HEADER_LEN;
	CHECK(tvs_request_parse(c, 40, &q) == TS_ERR_FORMAT, "empty cert");
	/* empty payload */
	memcpy(c, verify_req, TVS_HEADER_LEN);
	c[9] = 0;
	CHECK(tvs_request_parse(c, TVS_HEADER_LEN, &q) == TS_ERR_FORMAT,
	    "empty payload");

	/* query: subject without its NUL, a NUL inside, control bytes */
	CHECK(parse_mod(query_req, sizeof(query_req), 17, 'x') ==
	    TS_ERR_FORMAT, "subject not terminated");
	CHECK(parse_mod(query_req, sizeof(query_req), 14, 0) ==
	    TS_ERR_FORMAT, "NUL inside subject");
	CHECK(parse_mod(query_req, sizeof(query_req), 22, '\n') ==
	    TS_ERR_FORMAT, "control byte in issuer");
	CHECK(parse_mod(query_req, sizeof(query_req), 18, 2) ==
	    TS_ERR_FORMAT, "certificate element in a query");
	CHECK(parse_mod(query_req, sizeof(query_req), 26, 4) ==
	    TS_ERR_FORMAT, "issuer twice, no serial");
	/* empty serial */
	memcpy(c, query_req, 26);
	c[26] = 5; c[27] = 0; c[28] = 0;
	c[9] = 29 - TVS_HEADER_LEN;
	CHECK(tvs_request_parse(c, 29, &q) == TS_ERR_FORMAT, "empty serial");
	/* a 22-byte serial */
	memcpy(c, query_req, 26);
	c[26] = 5; c[27] = 0; c[28] = 22;
	memset(c + 29, 0x11, 22);
	c[9] = 29 + 22 - TVS_HEADER_LEN;
	r = tvs_request_parse(c, 29 + 22, &q);
	CHECK(r == TS_ERR_FORMAT, "22-byte serial: %d", r);
	c[28] = 21;
	c[9] = 29 + 21 - TVS_HEADER_LEN;
	CHECK(tvs_request_parse(c, 29 + 21, &q) == 0, "21-byte serial");
}

static void
test_encode_responses(void)
{
	struct tvs_response s;
	struct wbuf w;
	static const uint8_t cert[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

	memset(&s, 0, sizeof(s));
	s.hdr.type = TVS_VERIFY_RESPONSE;
	memcpy(s.hdr.id, "\xDE\xAD\xBE\xEF", 4);
	s.status = TVS_STATUS_VALID;
	s.roles[0] = 3;
	s.roles[1] = 21;
	s.nroles = 2;
	s.ttl = 86400;
	wbuf_init(&w);
	CHECK(tvs_response_encode(&s, &w) == 0, "encode verify valid");
	CHECK(w.len == sizeof(verify_valid_resp) && memcmp(w.data,
	    verify_valid_resp, w.len) == 0, "verify valid known answer");
	wbuf_free(&w);

	memset(&s, 0, sizeof(s));
	s.hdr.type = TVS_VERIFY_RESPONSE;
	s.hdr.reserved = 9; /* never sent */
	memcpy(s.hdr.id, "\x01\x02\x03\x04", 4);
	s.status = TVS_STATUS_INVALID;
	s.nroles = 1; /* ignored when invalid */
	wbuf_init(&w);
	CHECK(tvs_response_encode(&s, &w) == 0, "encode verify invalid");
	CHECK(w.len == sizeof(verify_invalid_resp) && memcmp(w.data,
	    verify_invalid_resp, w.len) == 0, "verify invalid known answer");
	wbuf_free(&w);

	memset(&s, 0, sizeof(s));
	s.hdr.type = TVS_QUERY_RESPONSE;
	memcpy(s.hdr.id, "\x00\x00\x00\x07", 4);
	s.status = TVS_STATUS_VALID;
	s.cert = cert;
	s.cert_len = sizeof(cert);
	s.roles[0] = 3;
	s.nroles = 1;
	s.ttl = 3600;
	wbuf_init(&w);
	CHECK(tvs_response_encode(&s, &w) == 0, "encode query valid");
	CHECK(w.len == sizeof(query_valid_resp) && memcmp(w.data,
	    query_valid_resp, w.len) == 0, "query valid known answer");
	wbuf_free(&w);

	/* refused: a request type, a valid answer without roles or cert */
	s.hdr.type = TVS_QUERY_REQUEST;
	wbuf_init(&w);
	CHECK(tvs_response_encode(&s, &w) == TS_ERR_INVALID, "request type");
	s.hdr.type = TVS_QUERY_RESPONSE;
	s.cert_len = 0;
	CHECK(tvs_response_encode(&s, &w) == TS_ERR_INVALID, "no cert");
	s.cert_len = sizeof(cert);
	s.nroles = 0;
	CHECK(tvs_response_encode(&s, &w) == TS_ERR_INVALID, "no roles");
	s.nroles = 1;
	s.status = 2;
	CHECK(tvs_response_encode(&s, &w) == TS_ERR_INVALID, "status 2");
	wbuf_free(&w);
}

static void
test_parse_responses(void)
{
	struct tvs_response s;
	uint8_t c[64];

	CHECK(tvs_response_parse(verify_valid_resp, sizeof(verify_valid_resp),
	    &s) == 0, "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(s.status == 0 && s.nroles == 2 && s.roles[1] == 21 &&
	    s.ttl == 86400, "verify fields");
	CHECK(tvs_response_parse(verify_invalid_resp,
	    sizeof(verify_invalid_resp), &s) == 0 && s.status == 1,
	    "invalid");
	CHECK(tvs_response_parse(query_valid_resp, sizeof(query_valid_resp),
	    &s) == 0 && s.cert_len == 5 && s.ttl == 3600, "query fields");
	CHECK(tvs_response_parse(verify_req, sizeof(verify_req), &s) ==
	    TS_ERR_FORMAT, "a request is not a response");
	memcpy(c, verify_valid_resp, sizeof(verify_valid_resp));
	c[13] = 2;
	CHECK(tvs_response_parse(c, sizeof(verify_valid_resp), &s) ==
	    TS_ERR_FORMAT, "status 2");
	memcpy(c, verify_valid_resp, sizeof(verify_valid_resp));
	c[14] = 2; /* certificate in a verify response */
	CHECK(tvs_response_parse(c, sizeof(verify_valid_resp), &s) ==
	    TS_ERR_FORMAT, "cert in verify response");
	/* valid without TTL */
	memcpy(c, verify_valid_resp, 19);
	c[9] = 19 - TVS_HEADER_LEN;
	CHECK(tvs_response_parse(c, 19, &s) == TS_ERR_FORMAT, "no TTL");
	/* invalid with roles */
	memcpy(c, verify_valid_resp, 19);
	c[13] = 1;
	c[9] = 19 - TVS_HEADER_LEN;
	CHECK(tvs_response_parse(c, 19, &s) == TS_ERR_FORMAT,
	    "invalid with roles");
	/* 3-byte TTL */
	memcpy(c, verify_valid_resp, sizeof(verify_valid_resp));
	c[21] = 3;
	c[9] = (uint8_t)(sizeof(verify_valid_resp) - 1 - TVS_HEADER_LEN);
	CHECK(tvs_response_parse(c, sizeof(verify_valid_resp) - 1, &s) ==
	    TS_ERR_FORMAT, "3-byte TTL");
}

static void
test_round_trip_requests(void)
{
	static const uint8_t cert[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	static const uint8_t serial[] = { 0x01, 0x02 };
	struct tvs_request q, p;
	struct wbuf w;

	memset(&q, 0, sizeof(q));
	q.hdr.type = TVS_VERIFY_REQUEST;
	memcpy(q.hdr.id, "\xDE\xAD\xBE\xEF", 4);
	q.device = "CP-8865-SEP00112233AABB";
	q.device_len = strlen(q.device);
	q.cert = cert;
	q.cert_len = sizeof(cert);
	wbuf_init(&w);
	CHECK(tvs_request_encode(&q, &w) == 0, "encode verify");
	CHECK(w.len == sizeof(verify_req) && memcmp(w.data, verify_req,
	    w.len) == 0, "verify request known answer");
	CHECK(tvs_request_parse(w.data, w.len, &p) == 0, "parse back");
	wbuf_free(&w);

	memset(&q, 0, sizeof(q));
	q.hdr.type = TVS_QUERY_REQUEST;
	memcpy(q.hdr.id, "\x00\x00\x00\x07", 4);
	q.subject = "CN=a";
	q.issuer = "CN=b";
	q.serial = serial;
	q.serial_len = sizeof(serial);
	wbuf_init(&w);
	CHECK(tvs_request_encode(&q, &w) == 0, "encode query");
	CHECK(w.len == sizeof(query_req) && memcmp(w.data, query_req,
	    w.len) == 0, "query request known answer");
	wbuf_free(&w);

	/* a certificate too large for the payload limit */
	{
		uint8_t *big = calloc(1, TVS_MAX_PAYLOAD);

		memset(&q, 0, sizeof(q));
		q.hdr.type = TVS_VERIFY_REQUEST;
		q.cert = big;
		q.cert_len = TVS_MAX_PAYLOAD;
		wbuf_init(&w);
		CHECK(tvs_request_encode(&q, &w) == TS_ERR_LIMIT,
		    "oversize request refused");
		wbuf_free(&w);
		free(big);
	}
}

static const struct cutap_test tests[] = {
	{ "header fields, id, version, type and length limit", test_header },
	{ "verify request known answer", test_verify_request },
	{ "query request known answer", test_query_request },
	{ "every truncation of requests and responses", test_truncations },
	{ "malformed requests", test_malformed_requests },
	{ "response encoding known answers", test_encode_responses },
	{ "response parsing", test_parse_responses },
	{ "request encoding round trip", test_round_trip_requests },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "tvs" }, tests,
	    CUTAP_N(tests));
}
