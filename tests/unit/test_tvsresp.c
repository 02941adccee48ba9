/* test_tvsresp.c - TVS answers from a trust store (ops/tvsresp). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cutap.h"
#include "format/tvs.h"
#include "ops/tvsresp.h"
#include "util/error.h"
#include "x509/cert.h"

static X509 *
make_cert(const char *cn, long serial)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"Example", -1, -1, 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	X509_NAME_free(n);
	EVP_PKEY_free(k);
	return x;
}

static X509 *known, *stranger;
static struct tvs_db db;

static int
setup(void)
{
	struct tvs_entry e;
	struct tvs_store s;

	known = make_cert("cucm-1.example.test", 0x1234);
	stranger = make_cert("stranger.example.test", 0x1234);
	memset(&e, 0, sizeof(e));
	e.cert = known;
	e.roles[0] = 3;
	e.roles[1] = 21;
	e.nroles = 2;
	memset(&s, 0, sizeof(s));
	s.entries = &e;
	s.n = 1;
	return known == NULL || stranger == NULL ||
	    tvs_db_from_store(&s, &db) != 0;
}

static int
teardown(void)
{
	tvs_db_free(&db);
	X509_free(known);
	X509_free(stranger);
	return 0;
}

static int
verify_frame(X509 *x, struct wbuf *w)
{
	struct tvs_request q;
	uint8_t *der;
	size_t len;
	int r;

	if (cert_der(x, &der, &len) != 0)
		return -1;
	memset(&q, 0, sizeof(q));
	q.hdr.type = TVS_VERIFY_REQUEST;
	memcpy(q.hdr.id, "\x11\x22\x33\x44", 4);
	q.device = "CP-7841-SEPAABBCCDDEEFF";
	q.device_len = strlen(q.device);
	q.cert = der;
	q.cert_len = len;
	r = tvs_request_encode(&q, w);
	free(der);
	return r;
}

static void
test_verify(void)
{
	struct tvs_response s;
	struct tvs_outcome oc;
	struct wbuf req, out;

	wbuf_init(&req);
	wbuf_init(&out);
	CHECK(verify_frame(known, &req) == 0, "encode");
	CHECK(tvs_db_answer(&db, 86400, req.data, req.len, &out, &oc) == 0,
	    "answer");
	CHECK(tvs_response_parse(out.data, out.len, &s) == 0, "parse answer");
	CHECK(s.hdr.type == TVS_VERIFY_RESPONSE && s.status == 0 &&
	    s.nroles == 2 && s.roles[0] == 3 && s.roles[1] == 21 &&
	    s.ttl == 86400 && memcmp(s.hdr.id, "\x11\x22\x33\x44", 4) == 0,
	    "valid, roles, TTL, id echoed");
	CHECK(oc.valid && strcmp(oc.device, "CP-7841-SEPAABBCCDDEEFF") == 0 &&
	    strstr(oc.what, "cucm-1") != NULL, "outcome: %s %s", oc.device,
	    oc.what);
	wbuf_free(&req);
	wbuf_free(&out);

	/* same subject and serial, another key: not the certificate */
	wbuf_init(&req);
	wbuf_init(&out);
	CHECK(verify_frame(stranger, &req) == 0, "encode");
	CHECK(tvs_db_answer(&db, 86400, req.data, req.len, &out, &oc) == 0,
	    "answer");
	CHECK(tvs_response_parse(out.data, out.len, &s) == 0 &&
	    s.status == TVS_STATUS_INVALID && !oc.valid, "unknown: invalid");
	/* malformed: an error and nothing written */
	wbuf_free(&out);
	wbuf_init(&out);
	req.data[0] = 0x58;
	CHECK(tvs_db_answer(&db, 86400, req.data, req.len, &out, &oc) ==
	    TS_ERR_FORMAT && out.len == 0, "malformed: no answer");
	wbuf_free(&req);
	wbuf_free(&out);
}

static int
query(const char *subject, const char *issuer, const uint8_t *serial,
    size_t slen, struct tvs_response *s, struct wbuf *out)
{
	struct tvs_request q;
	struct tvs_outcome oc;
	struct wbuf req;
	int r;

	memset(&q, 0, sizeof(q));
	q.hdr.type = TVS_QUERY_REQUEST;
	q.subject = subject;
	q.issuer = issuer;
	q.serial = serial;
	q.serial_len = slen;
	wbuf_init(&req);
	wbuf_init(out);
	if ((r = tvs_request_encode(&q, &req)) == 0 &&
	    (r = tvs_db_answer(&db, 60, req.data, req.len, out, &oc)) == 0)
		r = tvs_response_parse(out->data, out->len, s);
	wbuf_free(&req);
	return r;
}

static void
test_query(void)
{
	static const uint8_t serial[] = { 0x12, 0x34 };
	static const uint8_t serial0[] = { 0x00, 0x12, 0x34 };
	static const uint8_t other[] = { 0x12, 0x35 };
	const char *dn = "O=Example,CN=cucm-1.example.test";
	struct tvs_response s;
	struct wbuf out;
	uint8_t *der;
	size_t len;

	CHECK(query(dn, dn, serial, sizeof(serial), &s, &out) == 0 &&
	    s.status == 0 && s.ttl == 60 && s.nroles == 2, "by names");
	CHECK(cert_der(known, &der, &len) == 0 && s.cert_len == len &&
	    memcmp(s.cert, der, len) == 0, "the certificate comes back");
	free(der);
	wbuf_free(&out);
	CHECK(query("O=Example; CN=cucm-1.example.test",
	    "O=Example;CN=cucm-1.example.test", serial0, sizeof(serial0), &s,
	    &out) == 0 && s.status == 0, "';' separators, leading zero");
	wbuf_free(&out);
	CHECK(query(dn, dn, other, sizeof(other), &s, &out) == 0 &&
	    s.status == TVS_STATUS_INVALID, "other serial");
	wbuf_free(&out);
	CHECK(query("O=Example,CN=stranger.example.test", dn, serial,
	    sizeof(serial), &s, &out) == 0 && s.status == TVS_STATUS_INVALID,
	    "other subject");
	wbuf_free(&out);
	CHECK(query(dn, "O=Example,CN=someone", serial, sizeof(serial), &s,
	    &out) == 0 && s.status == TVS_STATUS_INVALID, "other issuer");
	wbuf_free(&out);
}

/* The store of one certificate with these roles, and its digest. */
static int
digest_of(X509 *x, const uint8_t *roles, size_t nroles, uint8_t out[32])
{
	struct tvs_entry e;
	struct tvs_store s;
	struct tvs_db d;
	size_t i;
	int r;

	memset(&e, 0, sizeof(e));
	e.cert = x;
	for (i = 0; i < nroles; i++)
		e.roles[i] = roles[i];
	e.nroles = nroles;
	memset(&s, 0, sizeof(s));
	s.entries = &e;
	s.n = 1;
	if ((r = tvs_db_from_store(&s, &d)) != 0)
		return r;
	r = tvs_db_digest(&d, out);
	tvs_db_free(&d);
	return r;
}

static void
test_digest(void)
{
	static const uint8_t roles[] = { 3, 21 }, other[] = { 3, 22 };
	uint8_t d0[32], d1[32], d2[32], d3[32], d4[32], empty[32];
	struct tvs_db none;

	CHECK(tvs_db_digest(&db, d0) == 0 &&
	    digest_of(known, roles, 2, d1) == 0, "digests");
	CHECK(memcmp(d0, d1, 32) == 0, "the same store loaded again: equal");
	CHECK(digest_of(known, other, 2, d2) == 0 && memcmp(d1, d2, 32) != 0,
	    "another role: different");
	CHECK(digest_of(known, roles, 1, d3) == 0 && memcmp(d1, d3, 32) != 0,
	    "one role fewer: different");
	CHECK(digest_of(stranger, roles, 2, d4) == 0 &&
	    memcmp(d1, d4, 32) != 0, "another certificate: different");
	memset(&none, 0, sizeof(none));
	CHECK(tvs_db_digest(&none, empty) == 0 && memcmp(empty, d1, 32) != 0,
	    "an empty store: different");
}

static const struct cutap_test tests[] = {
	{ "verify: known, unknown, malformed", test_verify },
	{ "query by subject, issuer and serial", test_query },
	{ "digest: equal stores, equal digests", test_digest },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "tvsresp",
	    .init = setup, .clean = teardown }, tests, CUTAP_N(tests));
}
