/* test_trustlist.c - ITL/CTL encode and parse (format/trustlist). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "format/buf.h"
#include "format/trustlist.h"
#include "util/error.h"

#define ASSERT_DETAIL(code, text) \
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(code), (text)))

#define SIGNER_DN "CN=ITLRecovery_cucm-pub;OU=Voice;O=Example;L=Wellington;" \
	"ST=WGN;C=NZ"
#define CCM_DN "CN=cucm-pub;OU=Voice;O=Example;L=Wellington;ST=WGN;C=NZ"
#define TVS_DN "CN=cucm-pub-tvs;OU=Voice;O=Example;C=NZ"
#define CAPF_DN "CN=CAPF-1a2b3c4d;OU=Voice;O=Example;C=NZ"
#define CA_DN "CN=Example Issuing CA;O=Example;C=NZ"

/* Fake (non-crypto) certificate material: only the bytes matter here. */
static uint8_t rsa_pub[270], ec_pub[65], cert_sig[256], sig_bytes[512];
static uint8_t cert_a[700], cert_b[512], cert_c[300], big[70000];

static const uint8_t signer_serial[] = { 0x70, 0xCA, 0xF6, 0x01, 0x02,
	0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D };
static const uint8_t ccm_serial[] = { 0x45, 0x12, 0x9A };
static const uint8_t tvs_serial[] = { 0x01 };
static const uint8_t capf_serial[] = { 0x5E, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 8));
}

static int
init_suite(void)
{
	fill(rsa_pub, sizeof(rsa_pub), 1);
	rsa_pub[0] = 0x30;
	fill(ec_pub, sizeof(ec_pub), 2);
	ec_pub[0] = 0x04;
	fill(cert_sig, sizeof(cert_sig), 3);
	fill(sig_bytes, sizeof(sig_bytes), 4);
	fill(cert_a, sizeof(cert_a), 5);
	fill(cert_b, sizeof(cert_b), 6);
	fill(cert_c, sizeof(cert_c), 7);
	fill(big, sizeof(big), 8);
	return 0;
}

static struct trustlist_entry
cert_entry(uint16_t role, const char *dns, const char *subject,
    const char *issuer, const uint8_t *serial, size_t serial_len,
    const uint8_t *pub, size_t pub_len, const uint8_t *cert, size_t cert_len)
{
	struct trustlist_entry e;

	memset(&e, 0, sizeof(e));
	e.role = role;
	e.dns_name = dns;
	e.subject = subject;
	e.issuer = issuer;
	e.serial = serial;
	e.serial_len = serial_len;
	e.pubkey = pub;
	e.pubkey_len = pub_len;
	e.cert_sig = cert_sig;
	e.cert_sig_len = sizeof(cert_sig);
	e.cert = cert;
	e.cert_len = cert_len;
	return e;
}

static struct trustlist_entry
certless_entry(uint16_t role, const char *dns, const uint8_t *ip)
{
	struct trustlist_entry e;

	memset(&e, 0, sizeof(e));
	e.role = role;
	e.dns_name = dns;
	e.certless = 1;
	if (ip != NULL) {
		e.has_ip = 1;
		memcpy(e.ip, ip, 4);
	}
	return e;
}

static struct trustlist_entry
signer_entry(void)
{
	return cert_entry(TL_ROLE_SAST, "cucm-pub", SIGNER_DN, SIGNER_DN,
	    signer_serial, sizeof(signer_serial), rsa_pub, sizeof(rsa_pub),
	    cert_a, sizeof(cert_a));
}

static struct trustlist_spec
base_spec(const struct trustlist_entry *e, size_t n)
{
	struct trustlist_spec s;

	memset(&s, 0, sizeof(s));
	s.ver_major = 1;
	s.ver_minor = 2;
	s.signer_name = SIGNER_DN;
	s.signer_issuer = SIGNER_DN;
	s.signer_serial = signer_serial;
	s.signer_serial_len = sizeof(signer_serial);
	s.hash_alg = TL_HASH_SHA1;
	s.sig_len = 256;
	s.filename = "ITLFile.tlv";
	s.timestamp = 1764412706;
	s.entries = e;
	s.nentries = n;
	return s;
}

/* Encode and insert a fake signature; *unsig (optional) keeps the
 * unsigned encoding. */
static int
encode_signed(const struct trustlist_spec *spec, uint8_t **file,
    size_t *len, uint8_t **unsig, size_t *ulen, size_t *sig_at)
{
	uint8_t *u = NULL;
	size_t n = 0, at = 0;
	int r;

	*file = NULL;
	if ((r = trustlist_encode(spec, &u, &n, &at)) != 0)
		return r;
	r = trustlist_set_signature(u, n, at, sig_bytes, spec->sig_len, file,
	    len);
	if (unsig != NULL && r == 0) {
		*unsig = u;
		*ulen = n;
	} else
		free(u);
	if (sig_at != NULL)
		*sig_at = at;
	return r;
}

/* Parse a copy of exactly len bytes so that ASan sees any over-read. */
static int
parse_copy(const uint8_t *data, size_t len, struct trustlist *tl,
    uint8_t **copy)
{
	*copy = malloc(len > 0 ? len : 1);
	if (*copy == NULL)
		return TS_ERR_NOMEM;
	if (len > 0)
		memcpy(*copy, data, len);
	return trustlist_parse(*copy, len, tl);
}

static int
field_is(const struct tl_field *f, const void *p, size_t n)
{
	return f->present && f->len == n && memcmp(f->p, p, n) == 0;
}

static int
field_is_str(const struct tl_field *f, const char *s)
{
	if (s == NULL)
		s = "";
	return field_is(f, s, strlen(s) + 1);
}

/* Encode, sign, parse and compare every field with the spec. */
static void
check_roundtrip(const struct trustlist_spec *spec, int signer_idx)
{
	static const uint8_t cert_tags[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint8_t certless_tags[] = { 1, 2, 4, 10 };
	uint8_t want_htags[16], *file = NULL, *unsig = NULL, *sb = NULL;
	const struct trustlist_entry *e;
	const struct trustlist_record *rec;
	const uint8_t *tags;
	struct trustlist tl;
	size_t len, ulen, at, sblen, i, j, nh = 0, ntags, total;
	int r;

	r = encode_signed(spec, &file, &len, &unsig, &ulen, &at);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_EQUAL(len, ulen + 3 + spec->sig_len);
	r = trustlist_parse(file, len, &tl);
	if (r != 0)
		fprintf(stderr, "parse: %s\n", ts_error_detail(r));
	CU_ASSERT_EQUAL_FATAL(r, 0);

	CU_ASSERT_EQUAL(tl.hdr.ver_major, spec->ver_major);
	CU_ASSERT_EQUAL(tl.hdr.ver_minor, spec->ver_minor);
	CU_ASSERT_EQUAL(tl.hdr.header_length % 4, 0);
	CU_ASSERT(tl.hdr.npadding < 4);
	CU_ASSERT_EQUAL(tl.hdr.has_signer_version, spec->signer_version);
	if (spec->signer_version) {
		CU_ASSERT_EQUAL(tl.hdr.sv_major, 1);
		CU_ASSERT_EQUAL(tl.hdr.sv_minor, 1);
	}
	CU_ASSERT(field_is_str(&tl.hdr.signer_name, spec->signer_name));
	CU_ASSERT(field_is_str(&tl.hdr.issuer_name, spec->signer_issuer));
	CU_ASSERT(field_is(&tl.hdr.serial, spec->signer_serial,
	    spec->signer_serial_len));
	CU_ASSERT(tl.hdr.has_hash_alg && tl.hdr.hash_alg == spec->hash_alg);
	CU_ASSERT(tl.hdr.has_sig_alg && tl.hdr.sig_alg == 0);
	CU_ASSERT(tl.hdr.has_sig_modulus && tl.hdr.sig_modulus ==
	    trustlist_modulus_code((unsigned)spec->sig_len * 8));
	CU_ASSERT(field_is(&tl.hdr.signature, sig_bytes, spec->sig_len));
	CU_ASSERT_EQUAL(tl.hdr.sig_elem_off, at);
	CU_ASSERT(field_is_str(&tl.hdr.filename, spec->filename));
	CU_ASSERT(tl.hdr.has_timestamp &&
	    tl.hdr.timestamp == spec->timestamp);

	/* header elements in the order we write them */
	want_htags[nh++] = 1;
	want_htags[nh++] = 2;
	if (spec->signer_version)
		want_htags[nh++] = 28;
	for (i = 3; i <= 12; i++)
		want_htags[nh++] = (uint8_t)i;
	want_htags[nh++] = 14;
	want_htags[nh++] = 15;
	CU_ASSERT_EQUAL_FATAL(tl.hdr.nelems, nh);
	for (i = 0; i < nh; i++)
		CU_ASSERT_EQUAL(tl.hdr.elems[i].tag, want_htags[i]);

	/* records */
	CU_ASSERT_EQUAL_FATAL(tl.nrecords, spec->nentries);
	total = tl.hdr.header_length;
	for (i = 0; i < tl.nrecords; i++) {
		rec = &tl.records[i];
		e = &spec->entries[i];
		CU_ASSERT_EQUAL(rec->off, total);
		total += rec->length;
		CU_ASSERT(rec->has_role && rec->role == e->role);
		CU_ASSERT(field_is_str(&rec->dns_name, e->dns_name));
		CU_ASSERT_EQUAL(rec->ip.present, e->has_ip);
		if (e->has_ip)
			CU_ASSERT(field_is(&rec->ip, e->ip, 4));
		tags = e->certless ? certless_tags : cert_tags;
		ntags = e->certless ? sizeof(certless_tags) :
		    sizeof(cert_tags);
		if (!e->has_ip)
			ntags--;
		CU_ASSERT_EQUAL_FATAL(rec->nelems, ntags);
		for (j = 0; j < ntags; j++)
			CU_ASSERT_EQUAL(rec->elems[j].tag, tags[j]);
		if (e->certless) {
			CU_ASSERT_FALSE(rec->subject.present);
			CU_ASSERT_FALSE(rec->cert.present);
			continue;
		}
		CU_ASSERT(field_is_str(&rec->subject, e->subject));
		CU_ASSERT(field_is_str(&rec->issuer, e->issuer));
		CU_ASSERT(field_is(&rec->serial, e->serial, e->serial_len));
		CU_ASSERT(field_is(&rec->pubkey, e->pubkey, e->pubkey_len));
		CU_ASSERT(field_is(&rec->signature, e->cert_sig,
		    e->cert_sig_len));
		CU_ASSERT(field_is(&rec->cert, e->cert, e->cert_len));
	}
	CU_ASSERT_EQUAL(total, len);

	if (signer_idx < 0) {
		CU_ASSERT_PTR_NULL(trustlist_signer(&tl));
	} else {
		CU_ASSERT_PTR_EQUAL(trustlist_signer(&tl),
		    &tl.records[signer_idx]);
	}

	CU_ASSERT_EQUAL_FATAL(trustlist_signed_bytes(&tl, &sb, &sblen), 0);
	CU_ASSERT_EQUAL(sblen, ulen);
	CU_ASSERT(sblen == ulen && memcmp(sb, unsig, ulen) == 0);
	free(sb);
	trustlist_free(&tl);
	CU_ASSERT_PTR_NULL(tl.records);
	free(file);
	free(unsig);
}

static void
test_roundtrip_rsa(void)
{
	struct trustlist_entry e[5];
	struct trustlist_spec s;

	e[0] = signer_entry();
	e[1] = cert_entry(TL_ROLE_SAST, "cucm-pub", CCM_DN, CA_DN, ccm_serial,
	    sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub), cert_b,
	    sizeof(cert_b));
	e[2] = e[1];
	e[2].role = TL_ROLE_CCM_TFTP;
	e[2].has_ip = 1;
	memcpy(e[2].ip, "\xC0\xA8\x01\x0A", 4);
	e[3] = cert_entry(TL_ROLE_TVS, "cucm-pub", TVS_DN, TVS_DN, tvs_serial,
	    sizeof(tvs_serial), rsa_pub, sizeof(rsa_pub), cert_c,
	    sizeof(cert_c));
	e[4] = cert_entry(TL_ROLE_CAPF, NULL, CAPF_DN, CAPF_DN, capf_serial,
	    sizeof(capf_serial), rsa_pub, sizeof(rsa_pub), cert_c,
	    sizeof(cert_c));
	s = base_spec(e, 5);
	check_roundtrip(&s, 0);
}

static void
test_roundtrip_ec(void)
{
	struct trustlist_entry e[3];
	struct trustlist_spec s;

	e[0] = cert_entry(TL_ROLE_CCM, "cucm-pub.example.com", CCM_DN, CA_DN,
	    ccm_serial, sizeof(ccm_serial), ec_pub, sizeof(ec_pub), cert_c,
	    sizeof(cert_c));
	e[1] = signer_entry();
	e[2] = e[0];
	e[2].role = TL_ROLE_TFTP;
	e[2].cert_sig_len = 71;
	s = base_spec(e, 3);
	s.signer_version = 1;
	s.hash_alg = TL_HASH_SHA512;
	s.sig_len = 512;
	check_roundtrip(&s, 1);
}

static void
test_roundtrip_certless(void)
{
	struct trustlist_entry e[5];
	struct trustlist_spec s;

	e[0] = signer_entry();
	e[0].has_ip = 1;
	memcpy(e[0].ip, "\x0A\x00\x00\x01", 4);
	e[1] = certless_entry(TL_ROLE_CCM_TFTP, "cucm-pub",
	    (const uint8_t *)"\x0A\x00\x00\x01");
	e[2] = certless_entry(TL_ROLE_CCM_TFTP, NULL,
	    (const uint8_t *)"\x0A\x00\x00\x02");
	e[3] = certless_entry(TL_ROLE_TVS, "", NULL);
	/* certificate fields of a certless entry are ignored */
	e[4] = e[1];
	e[4].subject = "CN=ignored";
	e[4].cert = cert_a;
	e[4].cert_len = sizeof(cert_a);
	s = base_spec(e, 5);
	s.filename = "CTLFile.tlv";
	s.sig_len = 128;
	check_roundtrip(&s, 0);
}

static void
test_roundtrip_unknown_role(void)
{
	struct trustlist_entry e[3];
	struct trustlist_spec s;

	e[0] = cert_entry(99, "x", CCM_DN, CA_DN, ccm_serial,
	    sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub), cert_b,
	    sizeof(cert_b));
	e[1] = cert_entry(TL_ROLE_APP_SERVER, "y", CCM_DN, CA_DN, ccm_serial,
	    sizeof(ccm_serial), ec_pub, sizeof(ec_pub), cert_b,
	    sizeof(cert_b));
	e[2] = certless_entry(0xFFFF, "z", NULL);
	s = base_spec(e, 3);
	s.sig_len = 64;
	/* no SAST record: the list parses but names no signer */
	check_roundtrip(&s, -1);
	CU_ASSERT_PTR_NULL(trustlist_role_name(99));
	CU_ASSERT_PTR_NULL(trustlist_role_short(99));
}

static void
test_roundtrip_empty(void)
{
	struct trustlist_spec s;

	s = base_spec(NULL, 0);
	s.sig_len = 256;
	check_roundtrip(&s, -1);
}

/* Header for signer "A", serial 01, issuer "B", SHA-1, 512-bit key,
 * file "FF", time 0x01020304, worked out by hand from FORMATS.md 2. */
static const uint8_t kat_header[] = {
	0x01, 0x00, 0x02, 0x01, 0x02,       /* VERSION 1.2 */
	0x02, 0x00, 0x02, 0x00, 0x80,       /* HEADER_LENGTH 128 */
	0x03, 0x00, 0x0E,                   /* SIGNER_INFO: 5 + 4 + 5 */
	0x04, 0x00, 0x02, 'A', 0x00,
	0x05, 0x00, 0x01, 0x01,
	0x06, 0x00, 0x02, 'B', 0x00,
	0x07, 0x00, 0x0F,                   /* SIGNATURE_INFO: 15 */
	0x08, 0x00, 0x01, 0x01,             /* SHA-1 */
	0x09, 0x00, 0x08,                   /* SIGNATURE_ALGORITHM_INFO: 8 */
	0x0A, 0x00, 0x01, 0x00,             /* RSA */
	0x0B, 0x00, 0x01, 0x00,             /* 512 bits */
	/* offset 45: 0C 00 40 + 64 signature bytes go here */
	0x0E, 0x00, 0x03, 'F', 'F', 0x00,
	0x0F, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04,
	/* 58 + 67 = 125 bytes: 3 padding bytes make 128 */
	0x0D, 0x0D, 0x0D,
};

static const uint8_t kat_records[] = {
	/* SAST with tiny fake certificate: 42 bytes */
	0x01, 0x00, 0x02, 0x00, 0x2A,
	0x02, 0x00, 0x01, 0x00,             /* no DNS name: lone NUL */
	0x03, 0x00, 0x02, 'S', 0x00,
	0x04, 0x00, 0x02, 0x00, 0x00,       /* role SAST, 2 bytes */
	0x05, 0x00, 0x02, 'B', 0x00,
	0x06, 0x00, 0x01, 0x01,
	0x07, 0x00, 0x02, 0xAA, 0xBB,
	0x08, 0x00, 0x01, 0xCC,
	0x09, 0x00, 0x02, 0x30, 0x00,
	/* certless CCM+TFTP: 22 bytes */
	0x01, 0x00, 0x02, 0x00, 0x16,
	0x02, 0x00, 0x02, 'h', 0x00,
	0x04, 0x00, 0x02, 0x00, 0x02,
	0x0A, 0x00, 0x04, 0x0A, 0x00, 0x00, 0x01,
};

static struct trustlist_spec
kat_spec(const struct trustlist_entry *e, size_t n)
{
	static const uint8_t one[] = { 0x01 };
	struct trustlist_spec s;

	memset(&s, 0, sizeof(s));
	s.ver_major = 1;
	s.ver_minor = 2;
	s.signer_name = "A";
	s.signer_issuer = "B";
	s.signer_serial = one;
	s.signer_serial_len = 1;
	s.hash_alg = TL_HASH_SHA1;
	s.sig_len = 64;
	s.filename = "FF";
	s.timestamp = 0x01020304;
	s.entries = e;
	s.nentries = n;
	return s;
}

static void
test_known_answer_header(void)
{
	struct trustlist_spec s = kat_spec(NULL, 0);
	struct trustlist tl;
	uint8_t *u = NULL, *f = NULL;
	size_t ulen, at, flen;

	CU_ASSERT_EQUAL_FATAL(trustlist_encode(&s, &u, &ulen, &at), 0);
	CU_ASSERT_EQUAL(at, 45);
	CU_ASSERT_EQUAL_FATAL(ulen, sizeof(kat_header));
	CU_ASSERT_EQUAL(memcmp(u, kat_header, ulen), 0);

	CU_ASSERT_EQUAL_FATAL(trustlist_set_signature(u, ulen, at, sig_bytes,
	    64, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(flen, 128);
	CU_ASSERT_EQUAL(memcmp(f, kat_header, 45), 0);
	CU_ASSERT_EQUAL(f[45], 0x0C);
	CU_ASSERT_EQUAL(f[46], 0x00);
	CU_ASSERT_EQUAL(f[47], 0x40);
	CU_ASSERT_EQUAL(memcmp(f + 48, sig_bytes, 64), 0);
	CU_ASSERT_EQUAL(memcmp(f + 112, kat_header + 45, 16), 0);

	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(tl.hdr.header_length, 128);
	CU_ASSERT_EQUAL(tl.hdr.npadding, 3);
	CU_ASSERT_EQUAL(tl.hdr.sig_elem_off, 45);
	CU_ASSERT_EQUAL(tl.hdr.signature.len, 64);
	CU_ASSERT_EQUAL(tl.hdr.sig_modulus, 0);
	CU_ASSERT_EQUAL(tl.nrecords, 0);
	CU_ASSERT_EQUAL(tl.hdr.elems[2].tag, TL_H_SIGNER_INFO);
	CU_ASSERT_EQUAL(tl.hdr.elems[2].len, 14);
	CU_ASSERT_EQUAL(tl.hdr.elems[6].tag, TL_H_SIGNATURE_INFO);
	CU_ASSERT_EQUAL(tl.hdr.elems[6].len, 15);
	CU_ASSERT_EQUAL(tl.hdr.elems[8].tag, TL_H_SIGNATURE_ALGORITHM_INFO);
	CU_ASSERT_EQUAL(tl.hdr.elems[8].off, 34);
	CU_ASSERT_EQUAL(tl.hdr.elems[8].len, 8);
	trustlist_free(&tl);
	free(u);
	free(f);
}

static void
test_known_answer_records(void)
{
	static const uint8_t serial[] = { 0x01 }, pub[] = { 0xAA, 0xBB },
	    csig[] = { 0xCC }, cert[] = { 0x30, 0x00 };
	struct trustlist_entry e[2];
	struct trustlist_spec s;
	struct trustlist tl;
	uint8_t *u = NULL, *f = NULL;
	size_t ulen, at, flen;

	memset(e, 0, sizeof(e));
	e[0].role = TL_ROLE_SAST;
	e[0].subject = "S";
	e[0].issuer = "B";
	e[0].serial = serial;
	e[0].serial_len = 1;
	e[0].pubkey = pub;
	e[0].pubkey_len = 2;
	e[0].cert_sig = csig;
	e[0].cert_sig_len = 1;
	e[0].cert = cert;
	e[0].cert_len = 2;
	e[1] = certless_entry(TL_ROLE_CCM_TFTP, "h",
	    (const uint8_t *)"\x0A\x00\x00\x01");
	s = kat_spec(e, 2);

	CU_ASSERT_EQUAL_FATAL(trustlist_encode(&s, &u, &ulen, &at), 0);
	CU_ASSERT_EQUAL_FATAL(ulen, sizeof(kat_header) + sizeof(kat_records));
	CU_ASSERT_EQUAL(memcmp(u, kat_header, sizeof(kat_header)), 0);
	CU_ASSERT_EQUAL(memcmp(u + sizeof(kat_header), kat_records,
	    sizeof(kat_records)), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_set_signature(u, ulen, at, sig_bytes,
	    64, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(tl.nrecords, 2);
	CU_ASSERT_EQUAL(tl.records[0].off, 128);
	CU_ASSERT_EQUAL(tl.records[0].length, 42);
	CU_ASSERT_EQUAL(tl.records[1].off, 170);
	CU_ASSERT_EQUAL(tl.records[1].length, 22);
	CU_ASSERT_PTR_EQUAL(trustlist_signer(&tl), &tl.records[0]);
	trustlist_free(&tl);
	free(u);
	free(f);
}

static void
test_set_signature(void)
{
	struct trustlist_entry e[2];
	struct trustlist_spec s;
	struct trustlist tl;
	uint8_t *u = NULL, *f = NULL, *sb = NULL;
	size_t ulen, at, flen, sblen;

	e[0] = signer_entry();
	e[1] = certless_entry(TL_ROLE_CCM_TFTP, "cucm-sub", NULL);
	s = base_spec(e, 2);
	CU_ASSERT_EQUAL_FATAL(trustlist_encode(&s, &u, &ulen, &at), 0);

	/* a signature of the wrong size, or in the wrong place */
	CU_ASSERT_EQUAL(trustlist_set_signature(u, ulen, at, sig_bytes, 128,
	    &f, &flen), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_EQUAL(trustlist_set_signature(u, ulen, at - 1, sig_bytes,
	    256, &f, &flen), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(trustlist_set_signature(u, ulen, ulen + 1, sig_bytes,
	    256, &f, &flen), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(trustlist_set_signature(u, ulen, 2, sig_bytes, 256,
	    &f, &flen), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(f);

	CU_ASSERT_EQUAL_FATAL(trustlist_set_signature(u, ulen, at, sig_bytes,
	    256, &f, &flen), 0);
	CU_ASSERT_EQUAL(flen, ulen + 259);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT(tl.hdr.signature.present);
	CU_ASSERT_EQUAL(tl.hdr.sig_elem_off, at);
	CU_ASSERT_PTR_EQUAL(tl.hdr.signature.p, f + at + 3);
	CU_ASSERT(field_is(&tl.hdr.signature, sig_bytes, 256));
	CU_ASSERT_EQUAL(tl.hdr.header_length, tl.records[0].off);
	CU_ASSERT_EQUAL_FATAL(trustlist_signed_bytes(&tl, &sb, &sblen), 0);
	CU_ASSERT_EQUAL_FATAL(sblen, ulen);
	CU_ASSERT_EQUAL(memcmp(sb, u, ulen), 0);
	free(sb);
	trustlist_free(&tl);
	free(u);
	free(f);
}

/* Five records, two of them SAST: the file most tests below cut up. */
static void
make_sample(uint8_t **file, size_t *len)
{
	static struct trustlist_entry e[5];
	struct trustlist_spec s;

	e[0] = signer_entry();
	e[1] = cert_entry(TL_ROLE_SAST, "cucm-pub", CCM_DN, CA_DN, ccm_serial,
	    sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub), cert_b,
	    sizeof(cert_b));
	e[2] = certless_entry(TL_ROLE_CCM_TFTP, "cucm-sub",
	    (const uint8_t *)"\x0A\x00\x00\x02");
	e[3] = cert_entry(TL_ROLE_TVS, "", TVS_DN, TVS_DN, tvs_serial,
	    sizeof(tvs_serial), ec_pub, sizeof(ec_pub), cert_c,
	    sizeof(cert_c));
	e[4] = cert_entry(TL_ROLE_CAPF, "", CAPF_DN, CAPF_DN, capf_serial,
	    sizeof(capf_serial), rsa_pub, sizeof(rsa_pub), cert_c,
	    sizeof(cert_c));
	s = base_spec(e, 5);
	s.signer_version = 1;
	CU_ASSERT_EQUAL_FATAL(encode_signed(&s, file, len, NULL, NULL, NULL),
	    0);
}

static void
test_every_truncation(void)
{
	struct trustlist full, tl;
	uint8_t *file, *copy;
	size_t len, p, i, k, bounds[8], nbounds = 0, parsed = 0, bad = 0;
	int r;

	make_sample(&file, &len);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &full), 0);
	CU_ASSERT_EQUAL_FATAL(full.nrecords, 5);
	/* a prefix may only parse when it ends exactly between records */
	bounds[nbounds++] = full.hdr.header_length;
	for (i = 0; i + 1 < full.nrecords; i++)
		bounds[nbounds++] = full.records[i].off + full.records[i].length;

	for (p = 0; p < len; p++) {
		r = parse_copy(file, p, &tl, &copy);
		if (r == 0) {
			parsed++;
			for (k = 0; k < nbounds && bounds[k] != p; k++)
				;
			if (k == nbounds || tl.nrecords != k ||
			    tl.nrecords >= full.nrecords)
				bad++;
			trustlist_free(&tl);
		} else if (r != TS_ERR_TRUNCATED && r != TS_ERR_FORMAT) {
			bad++;
		} else if (tl.records != NULL || tl.nrecords != 0) {
			bad++; /* nothing handed out on error */
		}
		free(copy);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(parsed, nbounds);
	trustlist_free(&full);
	free(file);
}

/* Mutate a copy, expect parse to fail. */
static int
rejects(const uint8_t *file, size_t len, size_t off, uint8_t v)
{
	struct trustlist tl;
	uint8_t *copy;
	int r;

	if ((copy = malloc(len)) == NULL)
		return 0;
	memcpy(copy, file, len);
	copy[off] = v;
	r = trustlist_parse(copy, len, &tl);
	trustlist_free(&tl);
	free(copy);
	return r < 0;
}

static void
test_huge_lengths(void)
{
	struct trustlist tl;
	const struct tlv *t;
	uint8_t *file;
	size_t len, i, j, checked = 0, missed = 0;

	make_sample(&file, &len);
	CU_ASSERT_FATAL(len < 0xFF00);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	/* the length field of every element, containers included */
	for (i = 0; i < tl.hdr.nelems + tl.nrecords * TL_MAX_RECORD_ELEMS;
	    i++) {
		if (i < tl.hdr.nelems)
			t = &tl.hdr.elems[i];
		else {
			j = i - tl.hdr.nelems;
			if (j % TL_MAX_RECORD_ELEMS >=
			    tl.records[j / TL_MAX_RECORD_ELEMS].nelems)
				continue;
			t = &tl.records[j / TL_MAX_RECORD_ELEMS]
			    .elems[j % TL_MAX_RECORD_ELEMS];
		}
		checked++;
		if (!rejects(file, len, t->off + 1, 0xFF))
			missed++;
		if (!rejects(file, len, t->off + 1, 0x80))
			missed++;
	}
	/* and the values that are lengths */
	if (!rejects(file, len, 8, 0xFF))
		missed++;
	for (i = 0; i < tl.nrecords; i++)
		if (!rejects(file, len, tl.records[i].off + 3, 0xFF))
			missed++;
	CU_ASSERT(checked > 50);
	CU_ASSERT_EQUAL(missed, 0);
	trustlist_free(&tl);
	free(file);
}

static int
parse_patched(const uint8_t *file, size_t len, size_t off, uint16_t v,
    struct trustlist *tl)
{
	uint8_t *copy;
	int r;

	if ((copy = malloc(len)) == NULL)
		return TS_ERR_NOMEM;
	memcpy(copy, file, len);
	copy[off] = (uint8_t)(v >> 8);
	copy[off + 1] = (uint8_t)v;
	r = trustlist_parse(copy, len, tl);
	trustlist_free(tl);
	free(copy);
	return r;
}

static void
test_records_past_end(void)
{
	static const uint8_t empty_rec[] = { 0x01, 0x00, 0x02, 0x00, 0x05 };
	static const uint8_t long_rec[] = { 0x01, 0x00, 0x02, 0x00, 0x06 };
	static const uint8_t not_rec[] = { 0x02, 0x00, 0x02, 0x00, 0x05 };
	struct trustlist tl, t2;
	const struct trustlist_record *last, *first;
	uint8_t *file, *ext;
	size_t len, n;
	int r;

	make_sample(&file, &len);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	last = &tl.records[tl.nrecords - 1];
	first = &tl.records[0];

	r = parse_patched(file, len, last->off + 3,
	    (uint16_t)(last->length + 1), &t2);
	CU_ASSERT_EQUAL(r, TS_ERR_TRUNCATED);
	ASSERT_DETAIL(r, "remain in the file");
	r = parse_patched(file, len, last->off + 3, 4, &t2);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	ASSERT_DETAIL(r, "smaller than its own 5-byte element");
	CU_ASSERT_EQUAL(parse_patched(file, len, last->off + 3, 0, &t2),
	    TS_ERR_FORMAT);
	CU_ASSERT(parse_patched(file, len, last->off + 3,
	    (uint16_t)(last->length - 1), &t2) < 0);
	CU_ASSERT(parse_patched(file, len, first->off + 3,
	    (uint16_t)(first->length - 1), &t2) < 0);
	CU_ASSERT(parse_patched(file, len, first->off + 3,
	    (uint16_t)(first->length + 1), &t2) < 0);
	/* an element that runs past RECORD_LENGTH but not past the file */
	r = parse_patched(file, len, first->elems[1].off + 1,
	    (uint16_t)(first->elems[1].len + 3), &t2);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	ASSERT_DETAIL(r, "runs past its RECORD_LENGTH");

	/* trailing bytes that are not a whole record */
	ext = malloc(len + 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ext);
	memcpy(ext, file, len);
	for (n = 1; n < 5; n++) {
		memcpy(ext + len, empty_rec, n);
		CU_ASSERT_EQUAL(trustlist_parse(ext, len + n, &t2),
		    TS_ERR_TRUNCATED);
	}
	ASSERT_DETAIL(TS_ERR_TRUNCATED, "trailing bytes");
	memcpy(ext + len, long_rec, 5);
	CU_ASSERT_EQUAL(trustlist_parse(ext, len + 5, &t2), TS_ERR_TRUNCATED);
	memcpy(ext + len, not_rec, 5);
	CU_ASSERT_EQUAL(trustlist_parse(ext, len + 5, &t2), TS_ERR_FORMAT);
	/* a record holding only its length is well formed */
	memcpy(ext + len, empty_rec, 5);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(ext, len + 5, &t2), 0);
	CU_ASSERT_EQUAL(t2.nrecords, tl.nrecords + 1);
	CU_ASSERT_FALSE(t2.records[t2.nrecords - 1].has_role);
	trustlist_free(&t2);
	free(ext);
	trustlist_free(&tl);
	free(file);
}

static void
test_header_length_mismatch(void)
{
	struct trustlist tl, t2;
	uint8_t *file;
	size_t len;
	int d, r, bad = 0;

	make_sample(&file, &len);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	for (d = -12; d <= 12; d++) {
		if (d == 0)
			continue;
		r = parse_patched(file, len, 8,
		    (uint16_t)(tl.hdr.header_length + d), &t2);
		if (r >= 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* header ends inside the TIMESTAMP element */
	r = parse_patched(file, len, 8, (uint16_t)(tl.hdr.header_length -
	    tl.hdr.npadding - 1), &t2);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	ASSERT_DETAIL(r, "runs past HEADER_LENGTH");
	/* shorter than VERSION + HEADER_LENGTH, longer than the file */
	CU_ASSERT_EQUAL(parse_patched(file, len, 8, 9, &t2), TS_ERR_FORMAT);
	CU_ASSERT_EQUAL(parse_patched(file, len, 8, (uint16_t)(len + 1), &t2),
	    TS_ERR_TRUNCATED);
	trustlist_free(&tl);
	free(file);
}

/* ---- hand-built files, for what our encoder never writes ---- */

struct hopts {
	int omit;         /* header tag left out */
	int dup;          /* header tag written twice */
	int tag28;
	int unknown_top;  /* unknown tag written after TIMESTAMP */
	int pad_mid;      /* a padding byte before FILENAME */
	int pad_in_3;     /* a padding byte inside SIGNER_INFO */
	int npad;         /* -1: to a multiple of 4 */
	const char *signer, *issuer;
	const uint8_t *serial;
	size_t serial_len;
};

static void
hopts_init(struct hopts *o)
{
	memset(o, 0, sizeof(*o));
	o->npad = -1;
	o->signer = "CN=ITLRecovery,O=Example,C=NZ";
	o->issuer = "CN=ITLRecovery,O=Example,C=NZ";
	o->serial = signer_serial;
	o->serial_len = sizeof(signer_serial);
}

static void
hput(struct wbuf *w, const struct hopts *o, int tag, const void *v,
    size_t n)
{
	int k;

	if (tag == o->omit)
		return;
	for (k = 0; k < (tag == o->dup ? 2 : 1); k++)
		tlv_put(w, (uint8_t)tag, v, n);
}

static void
hb_header(struct wbuf *w, const struct hopts *o)
{
	static const uint8_t ver[] = { 1, 2 }, sv[] = { 1, 1 }, hl[2],
	    sha1[] = { 1 }, rsa[] = { 0 }, mod[] = { 2 },
	    ts[] = { 0x69, 0x2B, 0x2F, 0x22 };
	size_t m3, m7, m9;
	int i, n;

	hput(w, o, 1, ver, 2);
	hput(w, o, 2, hl, 2);
	if (o->tag28)
		hput(w, o, 28, sv, 2);
	tlv_open(w, 3, &m3);
	if (o->pad_in_3)
		wbuf_put_u8(w, 0x0D);
	hput(w, o, 4, o->signer, strlen(o->signer) + 1);
	hput(w, o, 5, o->serial, o->serial_len);
	hput(w, o, 6, o->issuer, strlen(o->issuer) + 1);
	tlv_close(w, m3);
	tlv_open(w, 7, &m7);
	hput(w, o, 8, sha1, 1);
	tlv_open(w, 9, &m9);
	hput(w, o, 10, rsa, 1);
	hput(w, o, 11, mod, 1);
	tlv_close(w, m9);
	tlv_close(w, m7);
	hput(w, o, 12, sig_bytes, 256);
	if (o->pad_mid)
		wbuf_put_u8(w, 0x0D);
	hput(w, o, 14, "ITLFile.tlv", 12);
	hput(w, o, 15, ts, 4);
	if (o->unknown_top)
		tlv_put(w, (uint8_t)o->unknown_top, "?", 1);
	n = o->npad >= 0 ? o->npad : (int)((4 - w->len % 4) % 4);
	for (i = 0; i < n; i++)
		wbuf_put_u8(w, 0x0D);
	if (o->omit != 2 && o->omit != 1)
		wbuf_set_u16(w, 8, (uint16_t)w->len);
}

/* A record as the independent writer lays it out: 1,3,5,6,4,7,8,9. */
static void
hb_record_3p(struct wbuf *w, uint16_t role, const char *subject,
    const char *issuer, const uint8_t *serial, size_t serial_len,
    const uint8_t *pub, size_t pub_len)
{
	size_t start = w->len;

	tlv_put_u16(w, 1, 0);
	tlv_put_str(w, 3, subject);
	tlv_put_str(w, 5, issuer);
	tlv_put(w, 6, serial, serial_len);
	tlv_put_u16(w, 4, role);
	tlv_put(w, 7, pub, pub_len);
	tlv_put(w, 8, cert_sig, sizeof(cert_sig));
	tlv_put(w, 9, cert_c, sizeof(cert_c));
	wbuf_set_u16(w, start + 3, (uint16_t)(w->len - start));
}

static int
hb_parse(struct wbuf *w, struct trustlist *tl, uint8_t **copy)
{
	CU_ASSERT_EQUAL_FATAL(w->err, 0);
	return parse_copy(w->data, w->len, tl, copy);
}

static void
test_third_party(void)
{
	static const uint8_t other[] = { 0x11, 0x22 };
	const char *dn = "CN=ITLRecovery,O=Example,C=NZ";
	struct hopts o;
	struct trustlist tl;
	struct wbuf w;
	uint8_t *copy;
	char *s;
	int r;

	hopts_init(&o);
	o.tag28 = 1;
	wbuf_init(&w);
	hb_header(&w, &o);
	hb_record_3p(&w, TL_ROLE_CCM, "CN=cucm,O=Example,C=NZ", dn,
	    ccm_serial, sizeof(ccm_serial), ec_pub, sizeof(ec_pub));
	hb_record_3p(&w, TL_ROLE_SAST, dn, dn, signer_serial,
	    sizeof(signer_serial), rsa_pub, sizeof(rsa_pub));
	hb_record_3p(&w, TL_ROLE_TFTP, "CN=cucm,O=Example,C=NZ", dn,
	    ccm_serial, sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub));
	r = hb_parse(&w, &tl, &copy);
	if (r != 0)
		fprintf(stderr, "parse: %s\n", ts_error_detail(r));
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT(tl.hdr.has_signer_version);
	CU_ASSERT_EQUAL(tl.hdr.elems[2].tag, 28);
	CU_ASSERT_EQUAL_FATAL(tl.nrecords, 3);
	CU_ASSERT_EQUAL(tl.records[0].elems[4].tag, TL_R_ROLE);
	CU_ASSERT_FALSE(tl.records[0].dns_name.present);
	CU_ASSERT_FALSE(tl.records[0].ip.present);
	CU_ASSERT(field_is(&tl.records[0].pubkey, ec_pub, sizeof(ec_pub)));
	CU_ASSERT_PTR_EQUAL(trustlist_signer(&tl), &tl.records[1]);
	s = tl_field_str(&tl.hdr.issuer_name);
	CU_ASSERT_STRING_EQUAL(s, dn);
	free(s);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);

	/* header DN with ';', record DN with ',': the serial still finds
	 * the signer; a SAST with the right issuer but another serial and
	 * a CCM record with the right serial do not */
	o.issuer = "CN=ITLRecovery;O=Example;C=NZ";
	wbuf_init(&w);
	hb_header(&w, &o);
	hb_record_3p(&w, TL_ROLE_SAST, dn, o.issuer, other, sizeof(other),
	    rsa_pub, sizeof(rsa_pub));
	hb_record_3p(&w, TL_ROLE_CCM, dn, o.issuer, signer_serial,
	    sizeof(signer_serial), rsa_pub, sizeof(rsa_pub));
	hb_record_3p(&w, TL_ROLE_SAST, dn, dn, signer_serial,
	    sizeof(signer_serial), rsa_pub, sizeof(rsa_pub));
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	CU_ASSERT_PTR_EQUAL(trustlist_signer(&tl), &tl.records[2]);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);

	/* an exact issuer match wins over an earlier serial-only one */
	wbuf_init(&w);
	hb_header(&w, &o);
	hb_record_3p(&w, TL_ROLE_SAST, dn, dn, signer_serial,
	    sizeof(signer_serial), rsa_pub, sizeof(rsa_pub));
	hb_record_3p(&w, TL_ROLE_SAST, dn, o.issuer, signer_serial,
	    sizeof(signer_serial), rsa_pub, sizeof(rsa_pub));
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	CU_ASSERT_PTR_EQUAL(trustlist_signer(&tl), &tl.records[1]);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);

	/* no SAST with the serial: no signer */
	wbuf_init(&w);
	hb_header(&w, &o);
	hb_record_3p(&w, TL_ROLE_SAST, dn, o.issuer, other, sizeof(other),
	    rsa_pub, sizeof(rsa_pub));
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	CU_ASSERT_PTR_NULL(trustlist_signer(&tl));
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);
}

static int
parse_hopts(const struct hopts *o, int with_record)
{
	struct trustlist tl;
	struct wbuf w;
	uint8_t *copy;
	int r;

	wbuf_init(&w);
	hb_header(&w, o);
	if (with_record)
		hb_record_3p(&w, TL_ROLE_SAST, o->signer, o->issuer, o->serial,
		    o->serial_len, rsa_pub, sizeof(rsa_pub));
	r = hb_parse(&w, &tl, &copy);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);
	return r;
}

static void
test_padding(void)
{
	static const char *names[] = { "A", "AB", "ABC", "ABCD" };
	struct trustlist_entry e = signer_entry();
	struct trustlist_spec s;
	struct trustlist tl;
	const struct tlv *t;
	struct hopts o;
	struct wbuf w;
	uint8_t *f;
	size_t len, i, seen[4] = { 0, 0, 0, 0 };
	int r, unaligned = 0;

	/* each amount of padding our encoder can write */
	for (i = 0; i < 4; i++) {
		s = base_spec(&e, 1);
		s.filename = names[i];
		CU_ASSERT_EQUAL_FATAL(encode_signed(&s, &f, &len, NULL, NULL,
		    NULL), 0);
		CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, len, &tl), 0);
		CU_ASSERT_EQUAL(tl.hdr.header_length % 4, 0);
		t = &tl.hdr.elems[tl.hdr.nelems - 1];
		CU_ASSERT_EQUAL(t->tag, TL_H_TIMESTAMP);
		CU_ASSERT_EQUAL(tl.hdr.header_length, t->off + 3 + t->len +
		    tl.hdr.npadding);
		CU_ASSERT_FATAL(tl.hdr.npadding < 4);
		seen[tl.hdr.npadding]++;
		trustlist_free(&tl);
		free(f);
	}
	CU_ASSERT(seen[0] && seen[1] && seen[2] && seen[3]);

	hopts_init(&o);
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), 0);
	o.npad = 7; /* more than needed: still padding */
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), 0);
	/* a header length that is not a multiple of 4 is tolerated */
	o.npad = 0;
	for (i = 0; i < 4; i++) {
		o.signer = names[i];
		wbuf_init(&w);
		hb_header(&w, &o);
		unaligned = w.len % 4 != 0;
		wbuf_free(&w);
		if (unaligned)
			break;
	}
	CU_ASSERT_FATAL(i < 4);
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), 0);

	hopts_init(&o);
	o.pad_mid = 1;
	r = parse_hopts(&o, 1);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	ASSERT_DETAIL(r, "padding must end the header");
	hopts_init(&o);
	o.pad_in_3 = 1;
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), TS_ERR_FORMAT);
}

static void
test_missing_and_duplicate(void)
{
	static const int mandatory[] = { 4, 5, 6, 8, 12 };
	static const int dups[] = { 1, 2, 4, 5, 6, 8, 10, 11, 12, 14, 15 };
	char want[32];
	struct hopts o;
	size_t i;
	int r;

	for (i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		hopts_init(&o);
		o.omit = mandatory[i];
		r = parse_hopts(&o, 1);
		CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
		snprintf(want, sizeof(want), "(tag %d)", mandatory[i]);
		ASSERT_DETAIL(r, want);
	}
	hopts_init(&o);
	o.omit = 1;
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), TS_ERR_FORMAT);
	hopts_init(&o);
	o.omit = 2;
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), TS_ERR_FORMAT);
	/* optional ones */
	for (i = 10; i <= 15; i++) {
		if (i == 12 || i == 13)
			continue;
		hopts_init(&o);
		o.omit = (int)i;
		CU_ASSERT_EQUAL(parse_hopts(&o, 1), 0);
	}
	for (i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		hopts_init(&o);
		o.dup = dups[i];
		r = parse_hopts(&o, 1);
		CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	}
	hopts_init(&o);
	o.dup = 14;
	r = parse_hopts(&o, 1);
	ASSERT_DETAIL(r, "second FILENAME (tag 14)");
	hopts_init(&o);
	o.tag28 = 1;
	o.dup = 28;
	CU_ASSERT_EQUAL(parse_hopts(&o, 1), TS_ERR_FORMAT);
}

static void
test_containers(void)
{
	struct trustlist tl;
	struct wbuf w;
	struct hopts o;
	uint8_t *copy;
	size_t off7, off3;
	int d, r, bad = 0;

	hopts_init(&o);
	wbuf_init(&w);
	hb_header(&w, &o);
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	off3 = tl.hdr.elems[2].off;
	off7 = tl.hdr.elems[6].off;
	CU_ASSERT_EQUAL(tl.hdr.elems[6].len, 15);
	trustlist_free(&tl);
	free(copy);
	/* any other declared length breaks the header */
	for (d = -3; d <= 3; d++) {
		if (d == 0)
			continue;
		w.data[off7 + 2] = (uint8_t)(15 + d);
		if (parse_copy(w.data, w.len, &tl, &copy) == 0)
			bad++;
		free(copy);
		w.data[off7 + 2] = 15;
		w.data[off3 + 2] = (uint8_t)(w.data[off3 + 2] + d);
		if (parse_copy(w.data, w.len, &tl, &copy) == 0)
			bad++;
		free(copy);
		w.data[off3 + 2] = (uint8_t)(w.data[off3 + 2] - d);
		w.data[off7 + 9] = (uint8_t)(8 + d); /* tag 9 */
		if (parse_copy(w.data, w.len, &tl, &copy) == 0)
			bad++;
		free(copy);
		w.data[off7 + 9] = 8;
	}
	CU_ASSERT_EQUAL(bad, 0);
	w.data[off7 + 2] = 14;
	r = parse_copy(w.data, w.len, &tl, &copy);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	ASSERT_DETAIL(r, "runs past the end of SIGNATURE_INFO");
	free(copy);
	wbuf_free(&w);

	/* unknown tags: kept at the top level, refused in a container */
	hopts_init(&o);
	o.unknown_top = 40;
	wbuf_init(&w);
	hb_header(&w, &o);
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	CU_ASSERT_EQUAL(tl.hdr.elems[tl.hdr.nelems - 1].tag, 40);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);
	hopts_init(&o);
	o.unknown_top = 4; /* SIGNER_NAME outside SIGNER_INFO */
	CU_ASSERT_EQUAL(parse_hopts(&o, 0), TS_ERR_FORMAT);
	hopts_init(&o);
	o.unknown_top = 12; /* second SIGNATURE */
	CU_ASSERT_EQUAL(parse_hopts(&o, 0), TS_ERR_FORMAT);
}

static void
test_unknown_record_tag(void)
{
	struct trustlist tl;
	struct wbuf w;
	struct hopts o;
	uint8_t *copy;
	size_t start, i;
	char *s;

	hopts_init(&o);
	wbuf_init(&w);
	hb_header(&w, &o);
	start = w.len;
	tlv_put_u16(&w, 1, 0);
	tlv_put_str(&w, 2, "cucm");
	tlv_put(&w, 200, "xyz", 3);
	tlv_put_u16(&w, 4, 99);
	tlv_put(&w, 13, "", 0); /* not padding inside a record */
	tlv_put(&w, 11, "\x01\x02", 2);
	tlv_put_u8(&w, 12, TL_HASH_SHA256);
	wbuf_set_u16(&w, start + 3, (uint16_t)(w.len - start));
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	CU_ASSERT_EQUAL_FATAL(tl.nrecords, 1);
	CU_ASSERT_EQUAL_FATAL(tl.records[0].nelems, 7);
	CU_ASSERT_EQUAL(tl.records[0].elems[2].tag, 200);
	CU_ASSERT_EQUAL(tl.records[0].elems[2].len, 3);
	CU_ASSERT_EQUAL(tl.records[0].elems[2].off, start + 13);
	CU_ASSERT_EQUAL(memcmp(tl.records[0].elems[2].val, "xyz", 3), 0);
	CU_ASSERT_EQUAL(tl.records[0].elems[4].tag, 13);
	CU_ASSERT_EQUAL(tl.records[0].role, 99);
	CU_ASSERT(field_is(&tl.records[0].cert_hash, "\x01\x02", 2));
	CU_ASSERT(tl.records[0].has_hash_alg &&
	    tl.records[0].hash_alg == TL_HASH_SHA256);
	s = tl_field_str(&tl.records[0].dns_name);
	CU_ASSERT_STRING_EQUAL(s, "cucm");
	free(s);
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);

	/* a duplicate known tag, a short ROLE, a long IP: refused */
	for (i = 0; i < 3; i++) {
		wbuf_init(&w);
		hb_header(&w, &o);
		start = w.len;
		tlv_put_u16(&w, 1, 0);
		tlv_put_str(&w, 2, "cucm");
		if (i == 0) {
			tlv_put(&w, 6, "\x01", 1);
			tlv_put(&w, 6, "\x02", 1);
		} else if (i == 1)
			tlv_put_u8(&w, 4, 1);
		else
			tlv_put(&w, 10, "\x0A\x00\x00\x01\x00", 5);
		wbuf_set_u16(&w, start + 3, (uint16_t)(w.len - start));
		CU_ASSERT_EQUAL(hb_parse(&w, &tl, &copy), TS_ERR_FORMAT);
		free(copy);
		wbuf_free(&w);
	}
}

static void
test_element_limits(void)
{
	struct trustlist tl;
	struct wbuf w;
	struct hopts o;
	uint8_t *copy;
	size_t start, i, n;
	int r;

	hopts_init(&o);
	/* RECORD_LENGTH + 31 more is the most a record may hold */
	for (n = 31; n <= 32; n++) {
		wbuf_init(&w);
		hb_header(&w, &o);
		start = w.len;
		tlv_put_u16(&w, 1, 0);
		for (i = 0; i < n; i++)
			tlv_put(&w, (uint8_t)(100 + i), "", 0);
		wbuf_set_u16(&w, start + 3, (uint16_t)(w.len - start));
		r = hb_parse(&w, &tl, &copy);
		CU_ASSERT_EQUAL(r, n == 31 ? 0 : TS_ERR_LIMIT);
		if (r == 0)
			CU_ASSERT_EQUAL(tl.records[0].nelems,
			    TL_MAX_RECORD_ELEMS);
		trustlist_free(&tl);
		free(copy);
		wbuf_free(&w);
	}

	/* header: fill up with unknown top-level tags */
	wbuf_init(&w);
	hb_header(&w, &o);
	CU_ASSERT_EQUAL_FATAL(hb_parse(&w, &tl, &copy), 0);
	n = tl.hdr.nelems;
	trustlist_free(&tl);
	free(copy);
	wbuf_free(&w);
	for (i = 0; i < 2; i++) {
		size_t k;

		wbuf_init(&w);
		o.npad = 0;
		hb_header(&w, &o);
		for (k = 0; k < TL_MAX_HEADER_ELEMS - n + i; k++)
			tlv_put(&w, 50, "", 0);
		while (w.len % 4 != 0)
			wbuf_put_u8(&w, 0x0D);
		wbuf_set_u16(&w, 8, (uint16_t)w.len);
		r = hb_parse(&w, &tl, &copy);
		CU_ASSERT_EQUAL(r, i == 0 ? 0 : TS_ERR_LIMIT);
		if (r == 0)
			CU_ASSERT_EQUAL(tl.hdr.nelems, TL_MAX_HEADER_ELEMS);
		trustlist_free(&tl);
		free(copy);
		wbuf_free(&w);
	}
}

static void
test_size_limit(void)
{
	struct trustlist_entry e[4];
	struct trustlist_spec s;
	struct trustlist tl;
	uint8_t *u = NULL, *f = NULL;
	size_t ulen = 1, at = 1, flen, base;
	int r;

	/* every kind of record, so that the size is counted right for each */
	e[0] = signer_entry();
	e[1] = cert_entry(TL_ROLE_CCM_TFTP, "cucm-pub", CCM_DN, CA_DN,
	    ccm_serial, sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub), big, 0);
	e[1].has_ip = 1;
	e[2] = certless_entry(TL_ROLE_CCM_TFTP, "cucm-sub",
	    (const uint8_t *)"\x0A\x00\x00\x02");
	e[3] = certless_entry(TL_ROLE_TVS, NULL, NULL);
	s = base_spec(e, 4);
	CU_ASSERT_EQUAL_FATAL(trustlist_encode(&s, &u, &ulen, &at), 0);
	base = ulen + 3 + s.sig_len; /* the signed file */
	free(u);
	CU_ASSERT_FATAL(base < 10000);

	/* exactly 65,535 bytes once signed: accepted */
	e[1].cert_len = TRUSTLIST_MAX_SIZE - base;
	CU_ASSERT_EQUAL_FATAL(encode_signed(&s, &f, &flen, NULL, NULL, NULL),
	    0);
	CU_ASSERT_EQUAL(flen, TRUSTLIST_MAX_SIZE);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(tl.records[1].cert.len, TRUSTLIST_MAX_SIZE - base);
	trustlist_free(&tl);
	free(f);
	e[1].cert_len--;
	CU_ASSERT_EQUAL(encode_signed(&s, &f, &flen, NULL, NULL, NULL), 0);
	free(f);

	/* one byte more: refused, nothing produced */
	e[1].cert_len = TRUSTLIST_MAX_SIZE - base + 1;
	u = (uint8_t *)&r;
	r = trustlist_encode(&s, &u, &ulen, &at);
	CU_ASSERT_EQUAL(r, TS_ERR_LIMIT);
	CU_ASSERT_PTR_NULL(u);
	CU_ASSERT_STRING_EQUAL(ts_error_detail(r), "trust list would be "
	    "65,536 bytes, over the 65,535-byte limit phones accept (1 byte "
	    "over)");

	e[1].cert_len = 68210 - base;
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_LIMIT);
	CU_ASSERT_STRING_EQUAL(ts_error_detail(TS_ERR_LIMIT), "trust list "
	    "would be 68,210 bytes, over the 65,535-byte limit phones accept "
	    "(2,675 bytes over)");
	/* one element too big for its length field: still the size message */
	e[1].cert_len = sizeof(big);
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_LIMIT);
	ASSERT_DETAIL(TS_ERR_LIMIT, "over the 65,535-byte limit");
	CU_ASSERT_PTR_NULL(u);
}

static void
test_sast_limit(void)
{
	struct trustlist_entry e[3];
	struct trustlist_spec s;
	uint8_t *u = NULL;
	size_t ulen, at;
	int r;

	e[0] = signer_entry();
	e[1] = cert_entry(TL_ROLE_SAST, "cucm-pub", CCM_DN, CA_DN, ccm_serial,
	    sizeof(ccm_serial), rsa_pub, sizeof(rsa_pub), cert_b,
	    sizeof(cert_b));
	e[2] = e[1];
	e[2].role = TL_ROLE_TFTP;
	s = base_spec(e, 3);
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), 0);
	free(u);
	u = NULL;
	e[2].role = TL_ROLE_SAST;
	r = trustlist_encode(&s, &u, &ulen, &at);
	CU_ASSERT_EQUAL(r, TS_ERR_LIMIT);
	CU_ASSERT_PTR_NULL(u);
	CU_ASSERT_STRING_EQUAL(ts_error_detail(r), "trust list would hold 3 "
	    "SAST records; phones accept at most 2");
	/* a certless SAST counts too */
	e[2] = certless_entry(TL_ROLE_SAST, "x", NULL);
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_LIMIT);
}

static void
test_payload(void)
{
	struct trustlist_entry e = signer_entry();
	struct trustlist_spec s;
	struct trustlist tl;
	uint8_t *f = NULL, *u = NULL, *sb = NULL;
	size_t flen, ulen = 0, sblen;

	s = base_spec(NULL, 0);
	s.ver_major = 1;
	s.ver_minor = 0;
	s.filename = "SEP001122334455.cnf.xml.sgn";
	s.payload = big;
	s.payload_len = sizeof(big); /* no size limit for .sgn */
	CU_ASSERT_EQUAL_FATAL(encode_signed(&s, &f, &flen, &u, &ulen, NULL),
	    0);
	/* version 1.0: what follows the header is payload, not records */
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(tl.hdr.ver_minor, 0);
	CU_ASSERT_EQUAL(tl.hdr.header_length, flen - sizeof(big));
	CU_ASSERT_EQUAL(tl.nrecords, 0);
	CU_ASSERT_PTR_NULL(trustlist_signer(&tl));
	CU_ASSERT_EQUAL(memcmp(f + tl.hdr.header_length, big, sizeof(big)),
	    0);
	CU_ASSERT_EQUAL_FATAL(trustlist_signed_bytes(&tl, &sb, &sblen), 0);
	CU_ASSERT(sblen == ulen && memcmp(sb, u, ulen) == 0);
	free(sb);
	trustlist_free(&tl);
	free(f);
	free(u);
	/* the same bytes under a trust-list version are not records */
	s.ver_minor = 2;
	CU_ASSERT_EQUAL_FATAL(encode_signed(&s, &f, &flen, NULL, NULL, NULL),
	    0);
	CU_ASSERT(trustlist_parse(f, flen, &tl) < 0);
	free(f);
	s.ver_minor = 0;

	s.payload_len = 0;
	CU_ASSERT_EQUAL(encode_signed(&s, &f, &flen, NULL, NULL, NULL), 0);
	free(f);
	s.entries = &e;
	s.nentries = 1;
	CU_ASSERT_EQUAL(encode_signed(&s, &f, &flen, NULL, NULL, NULL),
	    TS_ERR_INVALID);
}

static void
test_encode_arguments(void)
{
	struct trustlist_spec s = base_spec(NULL, 0);
	uint8_t *u = NULL;
	size_t ulen, at;

	s.hash_alg = 7;
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	s.hash_alg = TL_HASH_SHA256;
	s.sig_len = 384; /* 3072-bit keys have no modulus code */
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "384-byte signature");
	s.sig_len = 0;
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	s.sig_len = 1024;
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	s.sig_len = 256;
	s.nentries = 1;
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(u);
	s.nentries = 0;
	s.signer_name = NULL; /* written as a lone NUL */
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), 0);
	free(u);
}

static void
test_random_mutations(void)
{
	struct trustlist tl;
	uint8_t *file, *copy, *sb;
	size_t len, sblen, i, k, n;
	uint32_t x = 12345;
	char *s;

	make_sample(&file, &len);
	copy = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (i = 0; i < 20000; i++) {
		memcpy(copy, file, len);
		n = 1 + i % 4;
		for (k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			copy[(x >> 8) % len] = (uint8_t)(x >> 3);
		}
		if (trustlist_parse(copy, len, &tl) != 0)
			continue;
		(void)trustlist_signer(&tl);
		if (trustlist_signed_bytes(&tl, &sb, &sblen) == 0)
			free(sb);
		for (k = 0; k < tl.nrecords; k++) {
			s = tl_field_str(&tl.records[k].subject);
			free(s);
		}
		trustlist_free(&tl);
	}
	CU_PASS("20000 mutated files parsed or refused without a crash");
	free(copy);
	free(file);
}

static void
test_field_str(void)
{
	struct tl_field f;
	char *s;

	memset(&f, 0, sizeof(f));
	s = tl_field_str(&f);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	f.present = 1;
	f.p = (const uint8_t *)"";
	f.len = 1;
	s = tl_field_str(&f);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	f.p = (const uint8_t *)"CN=a\x01\xC3\xA9\0b\x7F";
	f.len = 10;
	s = tl_field_str(&f); /* no final NUL: all bytes kept */
	CU_ASSERT_STRING_EQUAL(s, "CN=a????b?");
	free(s);
	f.p = (const uint8_t *)"CN=x;O=y";
	f.len = 9;
	s = tl_field_str(&f);
	CU_ASSERT_STRING_EQUAL(s, "CN=x;O=y");
	free(s);
	f.len = 0;
	s = tl_field_str(&f);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(0),
	    "System Administrator Security Token");
	CU_ASSERT_STRING_EQUAL(trustlist_role_short(0), "SAST");
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(1), "CCM");
	CU_ASSERT_STRING_EQUAL(trustlist_role_short(1), "CCM");
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(2), "CCM+TFTP");
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(3), "TFTP");
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(4), "CAPF");
	CU_ASSERT_STRING_EQUAL(trustlist_role_name(7), "APP-SERVER");
	CU_ASSERT_STRING_EQUAL(trustlist_role_short(21), "TVS");
	CU_ASSERT_PTR_NULL(trustlist_role_name(5));
	CU_ASSERT_PTR_NULL(trustlist_role_name(6));
	CU_ASSERT_STRING_EQUAL(trustlist_hash_name(1), "SHA1");
	CU_ASSERT_STRING_EQUAL(trustlist_hash_name(2), "SHA256");
	CU_ASSERT_STRING_EQUAL(trustlist_hash_name(3), "SHA512");
	CU_ASSERT_PTR_NULL(trustlist_hash_name(0));
	CU_ASSERT_PTR_NULL(trustlist_hash_name(4));
	CU_ASSERT_EQUAL(trustlist_modulus_code(512), 0);
	CU_ASSERT_EQUAL(trustlist_modulus_code(1024), 1);
	CU_ASSERT_EQUAL(trustlist_modulus_code(2048), 2);
	CU_ASSERT_EQUAL(trustlist_modulus_code(4096), 3);
	CU_ASSERT_EQUAL(trustlist_modulus_code(3072), -1);
	CU_ASSERT_EQUAL(trustlist_modulus_code(0), -1);
}

static void
test_parse_garbage(void)
{
	static const uint8_t not_version[] = { 0x02, 0x00, 0x02, 0x00, 0x0A };
	static const uint8_t only_version[] = { 0x01, 0x00, 0x02, 0x01, 0x02 };
	static const uint8_t bad_version[] = { 0x01, 0x00, 0x03, 0x01, 0x02,
		0x00, 0x02, 0x00, 0x02, 0x00, 0x0B };
	struct trustlist tl;

	CU_ASSERT_EQUAL(trustlist_parse(NULL, 0, &tl), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(trustlist_parse(NULL, 5, &tl), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(trustlist_parse(not_version, sizeof(not_version),
	    &tl), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "starts with VERSION");
	CU_ASSERT_EQUAL(trustlist_parse(only_version, sizeof(only_version),
	    &tl), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(trustlist_parse(bad_version, sizeof(bad_version),
	    &tl), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "must be 2");
	CU_ASSERT_PTR_NULL(tl.records);
}

static const struct cutap_test tests[] = {
	{ "round trip: RSA records", test_roundtrip_rsa },
	{ "round trip: EC records, tag 28", test_roundtrip_ec },
	{ "round trip: certless records", test_roundtrip_certless },
	{ "round trip: unknown role codes", test_roundtrip_unknown_role },
	{ "round trip: no records", test_roundtrip_empty },
	{ "known answer: header", test_known_answer_header },
	{ "known answer: records", test_known_answer_records },
	{ "set_signature and signed bytes", test_set_signature },
	{ "every truncation refused", test_every_truncation },
	{ "huge length fields refused", test_huge_lengths },
	{ "records past the end", test_records_past_end },
	{ "header not ending at HEADER_LENGTH", test_header_length_mismatch },
	{ "third-party layout and signer", test_third_party },
	{ "padding", test_padding },
	{ "missing and duplicate header elements",
	    test_missing_and_duplicate },
	{ "container lengths", test_containers },
	{ "unknown record tags kept", test_unknown_record_tag },
	{ "element count limits", test_element_limits },
	{ "65,535-byte limit", test_size_limit },
	{ "at most 2 SAST records", test_sast_limit },
	{ ".sgn payload", test_payload },
	{ "encode arguments", test_encode_arguments },
	{ "random mutations", test_random_mutations },
	{ "tl_field_str", test_field_str },
	{ "role, hash and modulus names", test_names },
	{ "garbage input", test_parse_garbage },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "trustlist", .init = init_suite }, tests,
	    CUTAP_N(tests));
}
