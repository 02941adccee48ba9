/*
 * test_csr_import.c - CSRs for a pending key (names, subject, requested
 * extensions, signature) and the import of the CA-signed certificate:
 * the bundle parser on good, hostile and truncated input, and the checks
 * against the pending key, validity, key usage and chain order. Software
 * keys stand in for the token; a test CA made here issues certificates.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cutap.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/csr.h"
#include "x509/import.h"
#include "x509/purpose.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400L

#define ASSERT_DETAIL(code, text) \
	CHECK(strstr(ts_error_detail(code), (text)) != NULL, \
	    "detail \"%s\" says \"%s\"", ts_error_detail(code), (text))


/* pending CSR keys (RSA: CallManager, EC: CallManager-ECDSA), another
 * RSA key, and the test CA's keys */
static EVP_PKEY *rsa_key, *rsa_other, *ec_key, *root_key, *int_key,
    *other_root_key;
static X509 *root, *inter, *other_root;
static X509_REQ *csr_rsa, *csr_ec;

static const struct cert_subject subject = { .cn = "cucm-pub.example.com",
	.ou = "Voice", .o = "Example", .l = "Wellington", .st = "WGN",
	.c = "NZ" };

static const struct purpose *
need_purpose(const char *name)
{
	const struct purpose *p = purpose_find(name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

/* What the test CA puts in a certificate. */
struct issue_opts {
	const char *cn;
	long not_before; /* seconds from now */
	long not_after;
	const char *ku;  /* NULL: no keyUsage */
	const char *eku; /* NULL: no extendedKeyUsage */
	int ca;
	const char *skid; /* NULL: the key's hash */
};

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for key issued by issuer (self-signed when NULL). */
static X509 *
issue(EVP_PKEY *key, const struct issue_opts *o, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *nm;
	time_t now = time(NULL);

	if (x == NULL)
		return NULL;
	nm = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) ||
	    !X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Example", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)o->cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
	    nm) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, o->not_before,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 0, o->not_after,
	    &now) == NULL ||
	    !X509_set_pubkey(x, key))
		goto fail;
	if (issuer == NULL)
		issuer = x;
	if (!add_ext(x, issuer, NID_basic_constraints, o->ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE") ||
	    !add_ext(x, issuer, NID_subject_key_identifier, o->skid ?
	    o->skid : "hash") ||
	    !add_ext(x, issuer, NID_authority_key_identifier, "keyid:always"))
		goto fail;
	if (o->ku != NULL && !add_ext(x, issuer, NID_key_usage, o->ku))
		goto fail;
	if (o->eku != NULL && !add_ext(x, issuer, NID_ext_key_usage, o->eku))
		goto fail;
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static const struct issue_opts ca_opts = { .cn = "Test Root CA",
	.not_before = -DAY, .not_after = 3650 * DAY,
	.ku = "critical,keyCertSign,cRLSign", .ca = 1 };
static const struct issue_opts int_opts = { .cn = "Test Issuing CA",
	.not_before = -DAY, .not_after = 1825 * DAY,
	.ku = "critical,keyCertSign,cRLSign", .ca = 1 };
/* what a CA issues for a TLS CSR */
static const struct issue_opts leaf_opts = {
	.cn = "cucm-pub-ms.example.com", .not_before = -60,
	.not_after = 365 * DAY,
	.ku = "critical,digitalSignature,keyEncipherment",
	.eku = "serverAuth,clientAuth" };

/* A leaf for the pending key with opts changed by the caller. */
static X509 *
issue_leaf(EVP_PKEY *key, const struct issue_opts *o)
{
	return issue(key, o, root, root_key);
}

static X509_REQ *
make_csr(const char *purpose, EVP_PKEY *key, const char *const *sans,
    size_t nsans, const EVP_MD *md)
{
	X509_REQ *req = NULL;

	if (cert_csr_create(purpose_find(purpose), &subject, sans, nsans, key,
	    key, md, &req) != 0)
		return NULL;
	return req;
}

static int
init_suite(void)
{
	static const char *const sans[] = { "cucm-pub.example.com",
		"cucm-sub1.example.com" };

	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	int_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	other_root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (rsa_key == NULL || rsa_other == NULL || ec_key == NULL ||
	    root_key == NULL || int_key == NULL || other_root_key == NULL)
		return 1;
	root = issue(root_key, &ca_opts, NULL, root_key);
	inter = root ? issue(int_key, &int_opts, root, root_key) : NULL;
	other_root = issue(other_root_key, &ca_opts, NULL, other_root_key);
	csr_rsa = make_csr("CallManager", rsa_key, sans, 2, EVP_sha256());
	csr_ec = make_csr("CallManager-ECDSA", ec_key, sans, 1, EVP_sha256());
	return root == NULL || inter == NULL || other_root == NULL ||
	    csr_rsa == NULL || csr_ec == NULL;
}

static int
clean_suite(void)
{
	X509_REQ_free(csr_rsa);
	X509_REQ_free(csr_ec);
	X509_free(root);
	X509_free(inter);
	X509_free(other_root);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(rsa_other);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(other_root_key);
	return 0;
}

/* ---- CSR names ---- */

static void
test_name_single(void)
{
	const struct purpose *const *all = purpose_all();
	char *a = NULL, *b = NULL;
	size_t i;

	for (i = 0; all[i] != NULL; i++) {
		CU_ASSERT_EQUAL_FATAL(cert_name_for(all[i], "cucm-pub",
		    "example.com", 0, &a), 0);
		CU_ASSERT_EQUAL_FATAL(cert_common_name(all[i], "cucm-pub",
		    "example.com", &b), 0);
		if (all[i]->naming == NAME_CAPF)
			CHECK(strncmp(a, "CAPF-", 5) == 0 && strlen(a) == 13,
			    "CAPF CN %s", a);
		else
			CHECK(strcmp(a, b) == 0, "%s single-node CN %s, "
			    "cert_common_name %s", all[i]->name, a, b);
		free(a);
		free(b);
		a = b = NULL;
	}
	CU_ASSERT_EQUAL(cert_name_for(need_purpose("CallManager-ECDSA"),
	    "cucm-pub", "example.com", 0, &a), 0);
	CU_ASSERT_STRING_EQUAL(a, "cucm-pub-EC.example.com");
	free(a);
}

static void
test_name_multi(void)
{
	static const struct { const char *purpose, *dom, *nodom; } want[] = {
		{ "CallManager", "cucm-pub-ms.example.com", "cucm-pub-ms" },
		{ "TVS", "cucm-pub-ms.example.com", "cucm-pub-ms" },
		{ "tomcat", "cucm-pub-ms.example.com", "cucm-pub-ms" },
		{ "ipsec", "cucm-pub-ms.example.com", "cucm-pub-ms" },
		{ "CallManager-ECDSA", "cucm-pub-EC-ms.example.com",
		  "cucm-pub-EC-ms" },
		{ "tomcat-ECDSA", "cucm-pub-EC-ms.example.com",
		  "cucm-pub-EC-ms" },
	};
	static const char *const none[] = { "ITLRecovery", "CAPF" };
	char *cn = NULL;
	size_t i;
	int r;

	for (i = 0; i < NELEM(want); i++) {
		const struct purpose *p = need_purpose(want[i].purpose);

		CU_ASSERT_EQUAL_FATAL(cert_name_for(p, "cucm-pub",
		    "example.com", 1, &cn), 0);
		CHECK(strcmp(cn, want[i].dom) == 0, "%s multi-server CN %s, "
		    "want %s", want[i].purpose, cn, want[i].dom);
		free(cn);
		CU_ASSERT_EQUAL_FATAL(cert_name_for(p, "cucm-pub", NULL, 1,
		    &cn), 0);
		CHECK(strcmp(cn, want[i].nodom) == 0, "%s multi-server CN %s, "
		    "want %s", want[i].purpose, cn, want[i].nodom);
		free(cn);
		cn = NULL;
	}
	for (i = 0; i < NELEM(none); i++) {
		ts_error_clear();
		cn = (char *)"stale";
		r = cert_name_for(need_purpose(none[i]), "cucm-pub",
		    "example.com", 1, &cn);
		CHECK(r == TS_ERR_INVALID, "%s has no multi-server form (%d)",
		    none[i], r);
		CU_ASSERT_PTR_NULL(cn);
		ASSERT_DETAIL(TS_ERR_INVALID, "multi-server");
		ASSERT_DETAIL(TS_ERR_INVALID, none[i]);
	}
	CU_ASSERT_EQUAL(cert_name_for(need_purpose("CallManager"), "",
	    "example.com", 1, &cn), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(cert_name_for(need_purpose("CallManager"), NULL,
	    "example.com", 0, &cn), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(cn);
}

/* ---- CSRs ---- */

static X509_REQ *
pem_roundtrip(X509_REQ *req)
{
	X509_REQ *back = NULL;
	char *pem = NULL;
	size_t len = 0;
	BIO *b;

	CU_ASSERT_EQUAL_FATAL(cert_csr_pem(req, &pem, &len), 0);
	CU_ASSERT_EQUAL(strlen(pem), len);
	CU_ASSERT(strncmp(pem, "-----BEGIN CERTIFICATE REQUEST-----\n", 36) ==
	    0);
	CU_ASSERT(len > 34 && strcmp(pem + len - 34,
	    "-----END CERTIFICATE REQUEST-----\n") == 0);
	if ((b = BIO_new_mem_buf(pem, (int)len)) != NULL)
		back = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	return back;
}

static void
cn_of(X509_REQ *req, char *buf, int size)
{
	buf[0] = '\0';
	X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, buf, size);
}

static int
nid_at(const X509_NAME *nm, int i)
{
	return OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	    X509_NAME_get_entry(nm, i)));
}

/* The requested extensions, decoded. */
struct requested {
	int has_ku, ku_crit, ds, ke, de, ka, kcs;
	int has_eku, server, client;
	int nsans;
	char sans[4][64];
};

static void
read_requested(X509_REQ *req, struct requested *q)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	ASN1_BIT_STRING *ku;
	EXTENDED_KEY_USAGE *eku;
	GENERAL_NAMES *gens;
	int crit = -1, i;

	memset(q, 0, sizeof(*q));
	CU_ASSERT_PTR_NOT_NULL_FATAL(exts);
	if ((ku = X509V3_get_d2i(exts, NID_key_usage, &crit, NULL)) != NULL) {
		q->has_ku = 1;
		q->ku_crit = crit == 1;
		q->ds = ASN1_BIT_STRING_get_bit(ku, 0);
		q->ke = ASN1_BIT_STRING_get_bit(ku, 2);
		q->de = ASN1_BIT_STRING_get_bit(ku, 3);
		q->ka = ASN1_BIT_STRING_get_bit(ku, 4);
		q->kcs = ASN1_BIT_STRING_get_bit(ku, 5);
		ASN1_BIT_STRING_free(ku);
	}
	if ((eku = X509V3_get_d2i(exts, NID_ext_key_usage, NULL, NULL)) !=
	    NULL) {
		q->has_eku = 1;
		for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
			int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));

			q->server |= nid == NID_server_auth;
			q->client |= nid == NID_client_auth;
		}
		EXTENDED_KEY_USAGE_free(eku);
	}
	if ((gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL)) !=
	    NULL) {
		for (i = 0; i < sk_GENERAL_NAME_num(gens) && i < 4; i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type != GEN_DNS)
				continue;
			snprintf(q->sans[q->nsans++], sizeof(q->sans[0]),
			    "%.*s", ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(
			    g->d.dNSName));
		}
		GENERAL_NAMES_free(gens);
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static void
test_csr_rsa(void)
{
	static const char *const sans[] = { "cucm-pub.example.com",
		"cucm-sub1.example.com", "cucm-sub2.example.com" };
	const struct purpose *p = need_purpose("CallManager");
	struct cert_subject s = subject;
	struct requested q;
	X509_REQ *req = NULL, *back;
	const X509_NAME *nm;
	char *cn = NULL, buf[128];

	CU_ASSERT_EQUAL_FATAL(cert_name_for(p, "cucm-pub", "example.com", 1,
	    &cn), 0);
	s.cn = cn;
	CU_ASSERT_EQUAL_FATAL(cert_csr_create(p, &s, sans, NELEM(sans),
	    rsa_key, rsa_key, EVP_sha256(), &req), 0);
	back = pem_roundtrip(req);

	/* signed by the pending key, and only by it */
	CU_ASSERT_EQUAL(X509_REQ_verify(back, rsa_key), 1);
	CU_ASSERT_NOT_EQUAL(X509_REQ_verify(back, rsa_other), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_REQ_get0_pubkey(back), rsa_key), 1);
	CU_ASSERT_EQUAL(X509_REQ_get_signature_nid(back),
	    NID_sha256WithRSAEncryption);
	CU_ASSERT_EQUAL(X509_REQ_get_version(back), X509_REQ_VERSION_1);

	/* subject in cert_self_signed's order; CN the multi-server name */
	nm = X509_REQ_get_subject_name(back);
	CU_ASSERT_EQUAL_FATAL(X509_NAME_entry_count(nm), 6);
	CU_ASSERT_EQUAL(nid_at(nm, 0), NID_countryName);
	CU_ASSERT_EQUAL(nid_at(nm, 1), NID_stateOrProvinceName);
	CU_ASSERT_EQUAL(nid_at(nm, 2), NID_localityName);
	CU_ASSERT_EQUAL(nid_at(nm, 3), NID_organizationName);
	CU_ASSERT_EQUAL(nid_at(nm, 4), NID_organizationalUnitName);
	CU_ASSERT_EQUAL(nid_at(nm, 5), NID_commonName);
	cn_of(back, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "cucm-pub-ms.example.com");

	read_requested(back, &q);
	CU_ASSERT(q.has_ku && q.ku_crit && q.ds && q.ke && q.de);
	CU_ASSERT(!q.kcs && !q.ka);
	CU_ASSERT(q.has_eku && q.server && q.client);
	CU_ASSERT_EQUAL_FATAL(q.nsans, 3);
	CU_ASSERT_STRING_EQUAL(q.sans[0], sans[0]);
	CU_ASSERT_STRING_EQUAL(q.sans[1], sans[1]);
	CU_ASSERT_STRING_EQUAL(q.sans[2], sans[2]);

	X509_REQ_free(back);
	X509_REQ_free(req);
	free(cn);
}

static void
test_csr_ec(void)
{
	static const char *const sans[] = { "cucm-pub-EC.example.com" };
	const struct purpose *p = need_purpose("CallManager-ECDSA");
	struct cert_subject s = { .o = "Example", .c = "NZ" };
	struct requested q;
	X509_REQ *req = NULL, *back;
	char *cn = NULL, buf[128];

	CU_ASSERT_EQUAL_FATAL(cert_name_for(p, "cucm-pub", "example.com", 1,
	    &cn), 0);
	s.cn = cn;
	CU_ASSERT_EQUAL_FATAL(cert_csr_create(p, &s, sans, 1, ec_key, ec_key,
	    EVP_sha384(), &req), 0);
	back = pem_roundtrip(req);
	CU_ASSERT_EQUAL(X509_REQ_verify(back, ec_key), 1);
	CU_ASSERT_EQUAL(X509_REQ_get_signature_nid(back),
	    NID_ecdsa_with_SHA384);
	CU_ASSERT_EQUAL(X509_NAME_entry_count(X509_REQ_get_subject_name(back)),
	    3);
	cn_of(back, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "cucm-pub-EC-ms.example.com");
	read_requested(back, &q);
	CU_ASSERT(q.has_ku && q.ds && q.ka && !q.ke && !q.kcs);
	CU_ASSERT(q.has_eku && q.server && q.client);
	CU_ASSERT_EQUAL_FATAL(q.nsans, 1);
	CU_ASSERT_STRING_EQUAL(q.sans[0], sans[0]);
	X509_REQ_free(back);
	X509_REQ_free(req);
	free(cn);
}

static void
test_csr_every_purpose(void)
{
	const struct purpose *const *all = purpose_all();
	size_t i;
	int multi;

	for (i = 0; all[i] != NULL; i++) {
		const struct purpose *p = all[i];
		EVP_PKEY *k = p->key_type == TOKEN_KEY_EC ? ec_key : rsa_key;

		for (multi = 0; multi <= 1; multi++) {
			struct cert_subject s = subject;
			struct requested q;
			X509_REQ *req = NULL, *back;
			char *cn = NULL, buf[128];
			int r;

			r = cert_name_for(p, "cucm-pub", "example.com", multi,
			    &cn);
			if (multi && (p->naming == NAME_ITLRECOVERY ||
			    p->naming == NAME_CAPF)) {
				CHECK(r == TS_ERR_INVALID, "%s multi refused",
				    p->name);
				continue;
			}
			CU_ASSERT_EQUAL_FATAL(r, 0);
			s.cn = cn;
			r = cert_csr_create(p, &s, NULL, 0, k, k, EVP_sha256(),
			    &req);
			CHECK(r == 0, "%s CSR: %s", p->name,
			    ts_error_detail(r));
			if (r != 0) {
				free(cn);
				continue;
			}
			back = pem_roundtrip(req);
			CU_ASSERT_EQUAL(X509_REQ_verify(back, k), 1);
			cn_of(back, buf, sizeof(buf));
			CHECK(strcmp(buf, cn) == 0, "%s CSR CN %s, want %s",
			    p->name, buf, cn);
			read_requested(back, &q);
			CHECK(q.has_ku && q.ds && !q.kcs, "%s key usage: "
			    "digitalSignature, no keyCertSign", p->name);
			CHECK(q.ke == (p->server_auth &&
			    p->key_type == TOKEN_KEY_RSA), "%s keyEncipherment "
			    "only for RSA TLS", p->name);
			CHECK(q.ka == (p->key_type == TOKEN_KEY_EC),
			    "%s keyAgreement only for EC", p->name);
			CHECK(q.has_eku == p->server_auth && q.server ==
			    p->server_auth && q.client == p->server_auth,
			    "%s EKU serverAuth,clientAuth iff TLS", p->name);
			CHECK(q.nsans == 0, "%s no SAN when none", p->name);
			X509_REQ_free(back);
			X509_REQ_free(req);
			free(cn);
		}
	}
}

static void
test_csr_refused(void)
{
	static const char *const bad_sans[] = { "a.example.com,IP:10.0.0.1",
		"", "host name", "h\xc3\xa9.example.com" };
	const struct purpose *cm = need_purpose("CallManager");
	struct cert_subject s = subject;
	X509_REQ *req = (X509_REQ *)1;
	const char *san;
	size_t i;
	int r;

	/* the signing key is not the pending key's pair */
	ts_error_clear();
	r = cert_csr_create(cm, &subject, NULL, 0, rsa_key, rsa_other,
	    EVP_sha256(), &req);
	CU_ASSERT_EQUAL(r, TS_ERR_SIGNATURE);
	CU_ASSERT_PTR_NULL(req);
	ASSERT_DETAIL(TS_ERR_SIGNATURE, "does not verify");

	/* key type of the purpose */
	r = cert_csr_create(cm, &subject, NULL, 0, ec_key, ec_key,
	    EVP_sha256(), &req);
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "RSA");
	r = cert_csr_create(need_purpose("tomcat-ECDSA"), &subject, NULL, 0,
	    rsa_key, rsa_key, EVP_sha256(), &req);
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "EC");

	/* names */
	s.cn = "";
	CU_ASSERT_EQUAL(cert_csr_create(cm, &s, NULL, 0, rsa_key, rsa_key,
	    EVP_sha256(), &req), TS_ERR_INVALID);
	s.cn = NULL;
	CU_ASSERT_EQUAL(cert_csr_create(cm, &s, NULL, 0, rsa_key, rsa_key,
	    EVP_sha256(), &req), TS_ERR_INVALID);
	s = subject;
	s.c = "NZL";
	CU_ASSERT_EQUAL(cert_csr_create(cm, &s, NULL, 0, rsa_key, rsa_key,
	    EVP_sha256(), &req), TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "2-letter");
	for (i = 0; i < NELEM(bad_sans); i++) {
		san = bad_sans[i];
		r = cert_csr_create(cm, &subject, &san, 1, rsa_key, rsa_key,
		    EVP_sha256(), &req);
		CHECK(r == TS_ERR_INVALID, "SAN \"%s\" refused (%d)", san, r);
		CU_ASSERT_PTR_NULL(req);
	}
	CU_ASSERT_EQUAL(cert_csr_create(cm, &subject, NULL, 2, rsa_key,
	    rsa_key, EVP_sha256(), &req), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(cert_csr_create(cm, &subject, NULL, 0, NULL, rsa_key,
	    EVP_sha256(), &req), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(req);
}

/* ---- import checks ---- */

static int
check(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *pending,
    const char *purpose)
{
	ts_error_clear();
	return cert_import_check(leaf, chain, pending, purpose_find(purpose),
	    time(NULL));
}

static STACK_OF(X509) *
chain_of(X509 *a, X509 *b, X509 *c)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *v[3] = { a, b, c };
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sk);
	for (i = 0; i < 3 && v[i] != NULL; i++) {
		CU_ASSERT_FATAL(X509_up_ref(v[i]) == 1);
		CU_ASSERT_FATAL(sk_X509_push(sk, v[i]) > 0);
	}
	return sk;
}

static void
free_chain(STACK_OF(X509) *sk)
{
	sk_X509_pop_free(sk, X509_free);
}

static void
test_import_accepted(void)
{
	struct issue_opts ec = leaf_opts;
	STACK_OF(X509) *issuers, *bundle;
	X509 *leaf, *leaf_ec;
	int r;

	/* issued for the key in the CSR, as a CA does */
	leaf = issue_leaf(X509_REQ_get0_pubkey(csr_rsa), &leaf_opts);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	issuers = chain_of(root, NULL, NULL);
	r = check(leaf, issuers, rsa_key, "CallManager");
	CHECK(r == 0, "RSA leaf + root: %s", ts_error_detail(r));
	CU_ASSERT_EQUAL(check(leaf, NULL, rsa_key, "CallManager"), 0);
	bundle = chain_of(leaf, root, NULL);
	CU_ASSERT_EQUAL(check(leaf, bundle, rsa_key, "CallManager"), 0);
	free_chain(bundle);
	free_chain(issuers);

	ec.cn = "cucm-pub-EC-ms.example.com";
	ec.ku = "critical,digitalSignature,keyAgreement";
	leaf_ec = issue_leaf(X509_REQ_get0_pubkey(csr_ec), &ec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf_ec);
	issuers = chain_of(root, NULL, NULL);
	r = check(leaf_ec, issuers, ec_key, "CallManager-ECDSA");
	CHECK(r == 0, "EC leaf + root: %s", ts_error_detail(r));
	free_chain(issuers);
	X509_free(leaf);
	X509_free(leaf_ec);
}

static void
test_import_other_key(void)
{
	struct issue_opts o = leaf_opts;
	X509 *leaf;
	int r;

	leaf = issue_leaf(rsa_other, &leaf_opts);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	r = check(leaf, NULL, rsa_key, "CallManager");
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "the certificate's public key does not "
	    "match the pending CSR key of CallManager: it was issued for "
	    "another request");
	/* an EC pending key against an RSA certificate */
	CU_ASSERT_EQUAL(check(leaf, NULL, ec_key, "CallManager-ECDSA"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "CallManager-ECDSA");
	X509_free(leaf);

	/* the key is checked first: expired and for another key */
	o.not_before = -10 * DAY;
	o.not_after = -DAY;
	o.ku = "keyAgreement";
	leaf = issue_leaf(rsa_other, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(check(leaf, NULL, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "does not match");
	X509_free(leaf);
}

static void
date_of(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	buf[0] = '\0';
	if (ASN1_TIME_to_tm(t, &tm))
		strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
test_import_expired(void)
{
	struct issue_opts o = leaf_opts;
	char date[64];
	X509 *leaf;
	time_t nb, na;

	o.not_before = -400 * DAY;
	o.not_after = -DAY;
	o.ku = "digitalSignature"; /* and a bad key usage: validity first */
	leaf = issue_leaf(rsa_key, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(check(leaf, NULL, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "expired");
	date_of(X509_get0_notAfter(leaf), date, sizeof(date));
	CU_ASSERT(date[0] != '\0');
	ASSERT_DETAIL(TS_ERR_INVALID, date);

	/* valid through the last second of notAfter */
	CU_ASSERT_EQUAL_FATAL(cert_validity(leaf, &nb, &na), 0);
	o.ku = leaf_opts.ku;
	X509_free(leaf);
	leaf = issue_leaf(rsa_key, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL_FATAL(cert_validity(leaf, &nb, &na), 0);
	CU_ASSERT_EQUAL(cert_import_check(leaf, NULL, rsa_key,
	    need_purpose("CallManager"), na), 0);
	CU_ASSERT_EQUAL(cert_import_check(leaf, NULL, rsa_key,
	    need_purpose("CallManager"), na + 1), TS_ERR_INVALID);
	X509_free(leaf);
}

static void
test_import_not_yet_valid(void)
{
	struct issue_opts o = leaf_opts;
	char date[64];
	X509 *leaf;
	time_t nb, na;

	o.not_before = 30 * DAY;
	leaf = issue_leaf(rsa_key, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	CU_ASSERT_EQUAL(check(leaf, NULL, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "not valid yet");
	date_of(X509_get0_notBefore(leaf), date, sizeof(date));
	CU_ASSERT(date[0] != '\0');
	ASSERT_DETAIL(TS_ERR_INVALID, date);
	CU_ASSERT_EQUAL_FATAL(cert_validity(leaf, &nb, &na), 0);
	CU_ASSERT_EQUAL(cert_import_check(leaf, NULL, rsa_key,
	    need_purpose("CallManager"), nb - 1), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(cert_import_check(leaf, NULL, rsa_key,
	    need_purpose("CallManager"), nb), 0);
	X509_free(leaf);
}

/* Check a leaf for key with key usage ku against purpose. */
static void
check_ku(EVP_PKEY *key, const char *purpose, const char *ku, int ok,
    const char *missing, unsigned line)
{
	struct issue_opts o = leaf_opts;
	X509 *leaf;
	int r;

	o.ku = ku;
	leaf = issue_leaf(key, &o);
	check_at(leaf != NULL, line, "issue with key usage %s",
	    ku ? ku : "(none)");
	if (leaf == NULL)
		return;
	r = check(leaf, NULL, key, purpose);
	if (ok)
		check_at(r == 0, line, "%s key usage %s accepted: %s", purpose,
		    ku ? ku : "(none)", ts_error_detail(r));
	else
		check_at(r == TS_ERR_INVALID && strstr(ts_error_detail(r),
		    missing) != NULL && strstr(ts_error_detail(r), "key usage")
		    != NULL, line, "%s key usage %s refused naming %s: %d %s",
		    purpose, ku ? ku : "(none)", missing, r,
		    ts_error_detail(r));
	X509_free(leaf);
}

static void
test_import_key_usage(void)
{
	/* without digitalSignature */
	check_ku(rsa_key, "CallManager", "critical,keyEncipherment", 0,
	    "digitalSignature", __LINE__);
	check_ku(rsa_key, "ITLRecovery", "critical,keyEncipherment", 0,
	    "digitalSignature", __LINE__);
	check_ku(ec_key, "CallManager-ECDSA", "critical,keyAgreement", 0,
	    "digitalSignature", __LINE__);
	check_ku(rsa_key, "CallManager", "critical,nonRepudiation", 0,
	    "digitalSignature and keyEncipherment", __LINE__);
	/* RSA TLS needs keyEncipherment too */
	check_ku(rsa_key, "CallManager", "critical,digitalSignature", 0,
	    "keyEncipherment", __LINE__);
	check_ku(rsa_key, "tomcat", "digitalSignature,dataEncipherment", 0,
	    "keyEncipherment", __LINE__);
	/* accepted */
	check_ku(rsa_key, "CallManager", "digitalSignature,keyEncipherment",
	    1, NULL, __LINE__);
	check_ku(rsa_key, "ITLRecovery", "critical,digitalSignature", 1, NULL,
	    __LINE__);
	check_ku(rsa_key, "CAPF", "digitalSignature,keyCertSign", 1, NULL,
	    __LINE__);
	check_ku(ec_key, "CallManager-ECDSA", "digitalSignature", 1, NULL,
	    __LINE__);
	check_ku(ec_key, "tomcat-ECDSA", "digitalSignature,keyAgreement", 1,
	    NULL, __LINE__);
	/* no keyUsage extension at all */
	check_ku(rsa_key, "CallManager", NULL, 1, NULL, __LINE__);
	check_ku(ec_key, "CallManager-ECDSA", NULL, 1, NULL, __LINE__);
}

static void
check_eku(const char *purpose, const char *eku, int ok, unsigned line)
{
	struct issue_opts o = leaf_opts;
	X509 *leaf;
	int r;

	o.eku = eku;
	leaf = issue_leaf(rsa_key, &o);
	check_at(leaf != NULL, line, "issue with EKU %s", eku ? eku : "-");
	if (leaf == NULL)
		return;
	r = check(leaf, NULL, rsa_key, purpose);
	if (ok)
		check_at(r == 0, line, "%s EKU %s accepted: %s", purpose,
		    eku ? eku : "(none)", ts_error_detail(r));
	else
		check_at(r == TS_ERR_INVALID && strstr(ts_error_detail(r),
		    "serverAuth") != NULL, line, "%s EKU %s refused naming "
		    "serverAuth: %d %s", purpose, eku ? eku : "(none)", r,
		    ts_error_detail(r));
	X509_free(leaf);
}

static void
test_import_eku(void)
{
	check_eku("CallManager", "clientAuth", 0, __LINE__);
	check_eku("TVS", "clientAuth,emailProtection", 0, __LINE__);
	check_eku("tomcat", "codeSigning", 0, __LINE__);
	check_eku("ITLRecovery", "clientAuth", 1, __LINE__);
	check_eku("ITLRecovery", "codeSigning", 1, __LINE__);
	check_eku("CallManager", "serverAuth", 1, __LINE__);
	check_eku("CallManager", "clientAuth,serverAuth", 1, __LINE__);
	check_eku("CallManager", NULL, 1, __LINE__);
}

/* Parse PEM text (from a string) into a bundle. */
static int
parse_text(const char *s, STACK_OF(X509) **chain)
{
	ts_error_clear();
	return cert_bundle_parse((const uint8_t *)s, strlen(s), chain);
}

static void
test_import_chain_pem(void)
{
	struct issue_opts o = leaf_opts;
	STACK_OF(X509) *sk, *parsed = NULL, *issuers;
	X509 *leaf;
	char *pem = NULL;
	size_t len = 0;
	int r, i;

	leaf = issue(rsa_key, &o, inter, int_key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	sk = chain_of(leaf, inter, root);
	CU_ASSERT_EQUAL_FATAL(cert_pem_encode(sk, &pem, &len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_text(pem, &parsed), 0);
	CU_ASSERT_EQUAL_FATAL(sk_X509_num(parsed), 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(parsed, i),
		    sk_X509_value(sk, i)), 0);
	/* the whole bundle, as parsed */
	r = cert_import_check(sk_X509_value(parsed, 0), parsed, rsa_key,
	    need_purpose("CallManager"), time(NULL));
	CHECK(r == 0, "leaf + intermediate + root: %s", ts_error_detail(r));
	/* the issuers only */
	issuers = chain_of(inter, root, NULL);
	CU_ASSERT_EQUAL(check(leaf, issuers, rsa_key, "CallManager"), 0);
	free_chain(issuers);
	/* the last one need not be self-signed */
	issuers = chain_of(inter, NULL, NULL);
	CU_ASSERT_EQUAL(check(leaf, issuers, rsa_key, "CallManager"), 0);
	free_chain(issuers);
	free_chain(parsed);
	free_chain(sk);
	free(pem);
	X509_free(leaf);
}

static void
test_import_chain_wrong_order(void)
{
	STACK_OF(X509) *sk, *parsed = NULL;
	X509 *leaf;
	char *pem = NULL;
	size_t len = 0;

	leaf = issue(rsa_key, &leaf_opts, inter, int_key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);

	/* root before intermediate, through the PEM path */
	sk = chain_of(leaf, root, inter);
	CU_ASSERT_EQUAL_FATAL(cert_pem_encode(sk, &pem, &len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_text(pem, &parsed), 0);
	CU_ASSERT_EQUAL(cert_import_check(sk_X509_value(parsed, 0), parsed,
	    rsa_key, need_purpose("CallManager"), time(NULL)),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "certificate 1 of the chain");
	ASSERT_DETAIL(TS_ERR_INVALID, "certificate 2");
	free_chain(parsed);
	free_chain(sk);
	free(pem);

	/* intermediate first, then a root that did not issue it */
	sk = chain_of(leaf, inter, other_root);
	CU_ASSERT_EQUAL(check(leaf, sk, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "certificate 2 of the chain");
	ASSERT_DETAIL(TS_ERR_INVALID, "Test Issuing CA");
	free_chain(sk);

	/* the intermediate left out */
	sk = chain_of(leaf, root, NULL);
	CU_ASSERT_EQUAL(check(leaf, sk, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "certificate 1 of the chain");
	free_chain(sk);

	/* a forged intermediate: same name and key identifier, other key */
	{
		struct issue_opts o = int_opts;
		const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(inter);
		char *hex = NULL;
		X509 *forged = NULL;

		CU_ASSERT_PTR_NOT_NULL_FATAL(skid);
		hex = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(skid),
		    ASN1_STRING_length(skid));
		o.skid = hex;
		forged = issue(other_root_key, &o, root, root_key);
		CU_ASSERT_FATAL(hex != NULL && forged != NULL);
		CU_ASSERT_EQUAL(X509_check_issued(forged, leaf), X509_V_OK);
		sk = chain_of(leaf, forged, root);
		CU_ASSERT_EQUAL(check(leaf, sk, rsa_key, "CallManager"),
		    TS_ERR_INVALID);
		ASSERT_DETAIL(TS_ERR_INVALID, "signature of certificate 1");
		ASSERT_DETAIL(TS_ERR_INVALID, "key of certificate 2");
		free_chain(sk);
		X509_free(forged);
		OPENSSL_free(hex);
	}

	/* the issuers reversed, without the leaf in the list */
	sk = chain_of(root, inter, NULL);
	CU_ASSERT_EQUAL(check(leaf, sk, rsa_key, "CallManager"),
	    TS_ERR_INVALID);
	free_chain(sk);
	X509_free(leaf);
}

/* ---- bundle parsing ---- */

static X509 *
good_leaf(void)
{
	X509 *leaf = issue_leaf(rsa_key, &leaf_opts);

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	return leaf;
}

static char *
pem_of(X509 *a, X509 *b, X509 *c)
{
	STACK_OF(X509) *sk = chain_of(a, b, c);
	char *pem = NULL;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(cert_pem_encode(sk, &pem, &len), 0);
	free_chain(sk);
	return pem;
}

static char *
key_pem(EVP_PKEY *k, int how)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s = NULL;
	long n;
	int ok;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	if (how == 0)
		ok = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	else if (how == 1)
		ok = PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0,
		    NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_128_cbc(),
		    "secret", 6, NULL, NULL);
	CU_ASSERT_FATAL(ok == 1);
	n = BIO_get_mem_data(b, &p);
	CU_ASSERT_FATAL(n > 0 && (s = calloc(1, (size_t)n + 1)) != NULL);
	memcpy(s, p, (size_t)n);
	BIO_free(b);
	return s;
}

static char *
concat(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void
test_bundle_der(void)
{
	STACK_OF(X509) *sk = NULL;
	X509 *leaf = good_leaf();
	uint8_t *der = NULL, *more;
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(cert_der(leaf, &der, &len), 0);
	CU_ASSERT_EQUAL_FATAL(cert_bundle_parse(der, len, &sk), 0);
	CU_ASSERT_EQUAL(sk_X509_num(sk), 1);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(sk, 0), leaf), 0);
	free_chain(sk);

	/* trailing bytes after the certificate */
	CU_ASSERT_FATAL((more = malloc(len + 2)) != NULL);
	memcpy(more, der, len);
	more[len] = '\n';
	more[len + 1] = 0x30;
	sk = (STACK_OF(X509) *)1;
	ts_error_clear();
	CU_ASSERT_EQUAL(cert_bundle_parse(more, len + 1, &sk), TS_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(sk);
	ASSERT_DETAIL(TS_ERR_FORMAT, "1 bytes follow the DER certificate");
	CU_ASSERT_EQUAL(cert_bundle_parse(more, len + 2, &sk), TS_ERR_FORMAT);
	free(more);
	free(der);
	X509_free(leaf);
}

static void
test_bundle_pem_multiple(void)
{
	STACK_OF(X509) *sk = NULL;
	X509 *leaf = good_leaf();
	char *a = pem_of(leaf, NULL, NULL), *b = pem_of(inter, root, NULL);
	char *s, *t;
	size_t i, j;

	/* text around and between blocks, as openssl x509 -text leaves */
	s = concat("subject=CN = cucm-pub-ms.example.com\nissuer=...\n", a,
	    "\nBag Attributes\n  friendlyName: intermediate\n");
	t = concat(s, b, "trailing notes\r\n");
	CU_ASSERT_EQUAL_FATAL(parse_text(t, &sk), 0);
	CU_ASSERT_EQUAL(sk_X509_num(sk), 3);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(sk, 0), leaf), 0);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(sk, 1), inter), 0);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(sk, 2), root), 0);
	free_chain(sk);
	free(s);
	free(t);

	/* CRLF line ends */
	CU_ASSERT_FATAL((s = malloc(2 * strlen(a) + 1)) != NULL);
	for (i = j = 0; a[i] != '\0'; i++) {
		if (a[i] == '\n')
			s[j++] = '\r';
		s[j++] = a[i];
	}
	s[j] = '\0';
	CU_ASSERT_EQUAL(parse_text(s, &sk), 0);
	CU_ASSERT_EQUAL(sk_X509_num(sk), 1);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(sk, 0), leaf), 0);
	free_chain(sk);
	free(s);
	free(a);
	free(b);
	X509_free(leaf);
}

static void
test_bundle_private_key(void)
{
	STACK_OF(X509) *sk = NULL;
	X509 *leaf = good_leaf();
	char *cert = pem_of(leaf, NULL, NULL);
	char *keys[3], *s;
	size_t i;
	int r;

	keys[0] = key_pem(rsa_key, 0);
	keys[1] = key_pem(ec_key, 1);
	keys[2] = key_pem(rsa_key, 2);
	for (i = 0; i < NELEM(keys); i++) {
		r = parse_text(keys[i], &sk);
		CHECK(r == TS_ERR_INVALID, "key %zu alone refused (%d)", i, r);
		ASSERT_DETAIL(TS_ERR_INVALID, "the file holds a private key: "
		    "give the certificate only");
		CU_ASSERT_PTR_NULL(sk);
		s = concat(cert, keys[i], "");
		CHECK(parse_text(s, &sk) == TS_ERR_INVALID, "cert + key %zu",
		    i);
		ASSERT_DETAIL(TS_ERR_INVALID, "block 2");
		free(s);
		s = concat(keys[i], cert, "");
		CHECK(parse_text(s, &sk) == TS_ERR_INVALID, "key %zu + cert",
		    i);
		free(s);
		/* the key wins over an earlier fault */
		s = concat("-----BEGIN PUBLIC KEY-----\nAAAA\n"
		    "-----END PUBLIC KEY-----\n", keys[i], "");
		CHECK(parse_text(s, &sk) == TS_ERR_INVALID, "bad block, key "
		    "%zu", i);
		free(s);
		free(keys[i]);
	}
	free(cert);
	X509_free(leaf);
}

static void
check_garbage(const uint8_t *data, size_t len, const char *detail,
    unsigned line)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
	int r;

	ts_error_clear();
	r = cert_bundle_parse(data, len, &sk);
	check_at(r == TS_ERR_FORMAT, line, "garbage refused as FORMAT (%d)",
	    r);
	check_at(sk == NULL, line, "no chain returned");
	if (detail != NULL)
		check_at(strstr(ts_error_detail(r), detail) != NULL, line,
		    "detail \"%s\" says \"%s\"", ts_error_detail(r), detail);
}

#define GARBAGE_TEXT(s, d) \
	check_garbage((const uint8_t *)(s), strlen(s), (d), __LINE__)

static void
test_bundle_garbage(void)
{
	static const uint8_t bin[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };
	static const uint8_t nul[] = { 0x00, 0x00, 0x00 };
	X509 *leaf = good_leaf();
	char *cert = pem_of(leaf, NULL, NULL), *s, *p;
	char *req = NULL, *body = NULL, *end = NULL;
	uint8_t rnd[512];
	size_t i, rlen;

	check_garbage(bin, sizeof(bin), "DER", __LINE__);
	check_garbage(nul, sizeof(nul), "no certificate", __LINE__);
	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 131 + 7);
	rnd[0] = 0x42;
	check_garbage(rnd, sizeof(rnd), NULL, __LINE__);
	rnd[0] = 0x30;
	check_garbage(rnd, sizeof(rnd), "DER", __LINE__);
	GARBAGE_TEXT("hello, world\n", "no certificate");
	GARBAGE_TEXT("-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n", "PEM block 1 is \"PUBLIC KEY\"");
	GARBAGE_TEXT("-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n", "PEM block 1");
	GARBAGE_TEXT("-----BEGIN CERTIFICATE-----\n!!!!\n"
	    "-----END CERTIFICATE-----\n", "PEM block 1");
	GARBAGE_TEXT("-----BEGIN CERTIFICATE-----\nAAAA\n", "PEM block 1");

	/* a certificate, then a bad block: the block number is given */
	s = concat(cert, "-----BEGIN X509 CRL-----\nAAAA\n"
	    "-----END X509 CRL-----\n", "");
	GARBAGE_TEXT(s, "PEM block 2 is \"X509 CRL\"");
	free(s);
	/* the CSR itself, as users upload it by mistake */
	CU_ASSERT_EQUAL_FATAL(cert_csr_pem(csr_rsa, &req, &rlen), 0);
	GARBAGE_TEXT(req, "PEM block 1 is \"CERTIFICATE REQUEST\", not a "
	    "CERTIFICATE: that is the CSR itself");
	/* and put under a CERTIFICATE label */
	CU_ASSERT_FATAL((body = strchr(req, '\n')) != NULL &&
	    (end = strstr(body, "-----END")) != NULL);
	*end = '\0';
	s = concat(cert, "-----BEGIN CERTIFICATE-----", body);
	p = concat(s, "-----END CERTIFICATE-----\n", "");
	GARBAGE_TEXT(p, "PEM block 2 is labelled CERTIFICATE");
	free(p);
	free(s);
	free(req);
	/* a CERTIFICATE block with bytes after the certificate */
	{
		uint8_t *der = NULL, *more;
		size_t dlen = 0;
		BIO *b = BIO_new(BIO_s_mem());
		char *bp;
		long n;

		CU_ASSERT_FATAL(b != NULL && cert_der(leaf, &der, &dlen) == 0);
		CU_ASSERT_FATAL((more = calloc(1, dlen + 2)) != NULL);
		memcpy(more, der, dlen);
		CU_ASSERT_FATAL(PEM_write_bio(b, "CERTIFICATE", "", more,
		    (long)dlen + 2) > 0);
		n = BIO_get_mem_data(b, &bp);
		check_garbage((const uint8_t *)bp, (size_t)n,
		    "PEM block 1 is labelled CERTIFICATE", __LINE__);
		BIO_free(b);
		free(more);
		free(der);
	}
	/* the label's text is not echoed raw */
	GARBAGE_TEXT("-----BEGIN \x1b[31mX-----\nAAAA\n-----END \x1b[31mX-----\n",
	    "\"?[31mX\"");
	free(cert);
	X509_free(leaf);
}

static void
test_bundle_count_limit(void)
{
	STACK_OF(X509) *sk = NULL;
	X509 *leaf = good_leaf();
	char *one = pem_of(leaf, NULL, NULL), *all;
	size_t n = strlen(one), i;
	int r;

	CU_ASSERT_FATAL((all = calloc(17, n + 1)) != NULL);
	for (i = 0; i < 16; i++)
		memcpy(all + i * n, one, n);
	CU_ASSERT_EQUAL_FATAL(cert_bundle_parse((uint8_t *)all, 16 * n, &sk),
	    0);
	CU_ASSERT_EQUAL(sk_X509_num(sk), CERT_BUNDLE_MAX_CERTS);
	free_chain(sk);
	memcpy(all + 16 * n, one, n);
	ts_error_clear();
	r = cert_bundle_parse((uint8_t *)all, 17 * n, &sk);
	CU_ASSERT_EQUAL(r, TS_ERR_LIMIT);
	CU_ASSERT_PTR_NULL(sk);
	ASSERT_DETAIL(TS_ERR_LIMIT, "more than 16 certificates");
	free(all);
	free(one);
	X509_free(leaf);
}

static void
test_bundle_size_limits(void)
{
	static const uint8_t nothing[1];
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
	X509 *leaf = good_leaf();
	char *one = pem_of(leaf, NULL, NULL), *big;
	size_t n = strlen(one), i;

	ts_error_clear();
	CU_ASSERT_EQUAL(cert_bundle_parse(nothing, 0, &sk), TS_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(sk);
	ASSERT_DETAIL(TS_ERR_FORMAT, "empty");
	CU_ASSERT_EQUAL(cert_bundle_parse(NULL, 0, &sk), TS_ERR_FORMAT);

	/* a certificate padded with comment lines to exactly 1 MiB */
	CU_ASSERT_FATAL((big = malloc(CERT_BUNDLE_MAX_BYTES + 1)) != NULL);
	memcpy(big, one, n);
	for (i = n; i < CERT_BUNDLE_MAX_BYTES + 1; i++)
		big[i] = (i % 64 == 63) ? '\n' : 'x';
	CU_ASSERT_EQUAL(cert_bundle_parse((uint8_t *)big,
	    CERT_BUNDLE_MAX_BYTES, &sk), 0);
	CU_ASSERT_EQUAL(sk_X509_num(sk), 1);
	free_chain(sk);
	ts_error_clear();
	CU_ASSERT_EQUAL(cert_bundle_parse((uint8_t *)big,
	    CERT_BUNDLE_MAX_BYTES + 1, &sk), TS_ERR_LIMIT);
	ASSERT_DETAIL(TS_ERR_LIMIT, "1048577 bytes");
	CU_ASSERT_PTR_NULL(sk);
	free(big);
	free(one);
	X509_free(leaf);
}

/*
 * Every prefix of data either parses, with leaf first and at most
 * nwhole certificates, or is refused; none crashes (ASan watches).
 * Returns how many prefixes parsed.
 */
static size_t
check_prefixes(const uint8_t *data, size_t len, X509 *leaf, int nwhole,
    unsigned line)
{
	size_t n, parsed = 0, bad = 0;

	for (n = 0; n < len; n++) {
		STACK_OF(X509) *sk = NULL;
		uint8_t *copy = malloc(n ? n : 1);
		int r;

		/* an exact-size copy, so that ASan sees any over-read */
		if (copy == NULL)
			break;
		memcpy(copy, data, n);
		r = cert_bundle_parse(copy, n, &sk);
		if (r == 0) {
			parsed++;
			if (sk_X509_num(sk) < 1 || sk_X509_num(sk) > nwhole ||
			    X509_cmp(sk_X509_value(sk, 0), leaf) != 0)
				bad++;
			free_chain(sk);
		} else if (r >= 0 || sk != NULL) {
			bad++;
		}
		free(copy);
	}
	check_at(bad == 0, line, "%zu of %zu prefixes parsed to something "
	    "else", bad, len);
	return parsed;
}

static void
test_bundle_truncations(void)
{
	X509 *leaf = issue(rsa_key, &leaf_opts, inter, int_key);
	char *pem;
	uint8_t *der = NULL;
	size_t len = 0, parsed;

	CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
	pem = pem_of(leaf, inter, root);
	parsed = check_prefixes((const uint8_t *)pem, strlen(pem), leaf, 3,
	    __LINE__);
	/* the prefixes that end after the first or second block parse */
	CHECK(parsed > 0 && parsed < strlen(pem), "%zu PEM prefixes parsed",
	    parsed);
	CU_ASSERT_EQUAL_FATAL(cert_der(leaf, &der, &len), 0);
	parsed = check_prefixes(der, len, leaf, 1, __LINE__);
	CHECK(parsed == 0, "%zu DER prefixes parsed", parsed);
	free(der);
	free(pem);
	X509_free(leaf);
}

static void
test_pem_encode(void)
{
	STACK_OF(X509) *empty = sk_X509_new_null(), *sk, *back = NULL;
	X509 *leaf = good_leaf();
	char *pem = (char *)1;
	size_t len = 1;

	CU_ASSERT_EQUAL(cert_pem_encode(NULL, &pem, &len), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(pem);
	CU_ASSERT_EQUAL(cert_pem_encode(empty, &pem, &len), TS_ERR_INVALID);
	sk_X509_free(empty);
	CU_ASSERT_EQUAL(cert_csr_pem(NULL, &pem, &len), TS_ERR_INVALID);

	sk = chain_of(leaf, root, NULL);
	CU_ASSERT_EQUAL_FATAL(cert_pem_encode(sk, &pem, &len), 0);
	CU_ASSERT_EQUAL(strlen(pem), len);
	CU_ASSERT(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
	CU_ASSERT(len > 26 && strcmp(pem + len - 26,
	    "-----END CERTIFICATE-----\n") == 0);
	CU_ASSERT_EQUAL_FATAL(cert_bundle_parse((uint8_t *)pem, len, &back),
	    0);
	CU_ASSERT_EQUAL(sk_X509_num(back), 2);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(back, 1), root), 0);
	free_chain(back);
	free_chain(sk);
	free(pem);
	X509_free(leaf);
}

static const struct cutap_test tests[] = {
	{ "cert_name_for single node", test_name_single },
	{ "cert_name_for multi-server", test_name_multi },
	{ "cert_csr_create RSA round trip", test_csr_rsa },
	{ "cert_csr_create EC round trip", test_csr_ec },
	{ "cert_csr_create every purpose", test_csr_every_purpose },
	{ "cert_csr_create refusals", test_csr_refused },
	{ "import: matching certificate accepted", test_import_accepted },
	{ "import: other key refused", test_import_other_key },
	{ "import: expired refused", test_import_expired },
	{ "import: not yet valid refused", test_import_not_yet_valid },
	{ "import: key usage", test_import_key_usage },
	{ "import: extended key usage", test_import_eku },
	{ "import: chain in order (PEM)", test_import_chain_pem },
	{ "import: chain out of order refused",
	  test_import_chain_wrong_order },
	{ "bundle: DER single", test_bundle_der },
	{ "bundle: PEM several", test_bundle_pem_multiple },
	{ "bundle: private key refused", test_bundle_private_key },
	{ "bundle: not a certificate refused", test_bundle_garbage },
	{ "bundle: 16 certificates, not 17", test_bundle_count_limit },
	{ "bundle: empty and over 1 MiB refused", test_bundle_size_limits },
	{ "bundle: every truncation", test_bundle_truncations },
	{ "cert_pem_encode", test_pem_encode },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "csr_import", .init = init_suite, .clean = clean_suite }, tests,
	    CUTAP_N(tests));
}
