/*
 * test_x509.c - certificate purposes and key rules, self-signed
 * certificates and their trust-list fields, and trust-list signature
 * verification end to end with software keys (no token).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cutap.h"
#include "format/trustlist.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/purpose.h"
#include "x509/tlverify.h"

#define ASSERT_DETAIL(code, text) \
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(code), (text)))


static EVP_PKEY *rsa_a, *rsa_b, *ec_a, *ec_b;
/* ITLRecovery (RSA key a), CallManager (RSA key b), CallManager-ECDSA */
static X509 *cert_a, *cert_b, *cert_ec;

static const struct cert_subject full_subject = {
	.cn = "ITLRECOVERY_cucm-pub.example.com", .ou = "Voice",
	.o = "Example", .l = "Wellington", .st = "WGN", .c = "NZ",
};
#define FULL_DN_SEMI "CN=ITLRECOVERY_cucm-pub.example.com;OU=Voice;" \
	"O=Example;L=Wellington;ST=WGN;C=NZ"
#define FULL_DN_COMMA "CN=ITLRECOVERY_cucm-pub.example.com,OU=Voice," \
	"O=Example,L=Wellington,ST=WGN,C=NZ"

static const char *const rsa_purposes[] = { "CallManager", "ITLRecovery",
	"TVS", "CAPF", "tomcat", "ipsec" };
static const char *const ec_purposes[] = { "CallManager-ECDSA",
	"tomcat-ECDSA" };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct purpose *
need_purpose(const char *name)
{
	const struct purpose *p = purpose_find(name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static X509 *
make_cert(const char *purpose, const struct cert_subject *s,
    EVP_PKEY *key, const EVP_MD *md, unsigned years)
{
	X509 *x = NULL;

	if (cert_self_signed(purpose_find(purpose), s, NULL, 0, key, key, md,
	    years, &x) != 0)
		return NULL;
	return x;
}

static int
init_suite(void)
{
	static const struct cert_subject cm = { .cn = "cucm-pub.example.com",
		.o = "Example", .c = "NZ" };
	static const struct cert_subject ec = { .cn =
		"cucm-pub-EC.example.com", .o = "Example", .c = "NZ" };

	rsa_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec_b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (rsa_a == NULL || rsa_b == NULL || ec_a == NULL || ec_b == NULL)
		return 1;
	cert_a = make_cert("ITLRecovery", &full_subject, rsa_a, EVP_sha256(),
	    20);
	cert_b = make_cert("CallManager", &cm, rsa_b, EVP_sha256(), 5);
	cert_ec = make_cert("CallManager-ECDSA", &ec, ec_a, EVP_sha256(), 5);
	return cert_a == NULL || cert_b == NULL || cert_ec == NULL;
}

static int
clean_suite(void)
{
	X509_free(cert_a);
	X509_free(cert_b);
	X509_free(cert_ec);
	EVP_PKEY_free(rsa_a);
	EVP_PKEY_free(rsa_b);
	EVP_PKEY_free(ec_a);
	EVP_PKEY_free(ec_b);
	return 0;
}

/* ---- purposes ---- */

static void
test_purpose_find(void)
{
	static const char *const names[] = { "CallManager",
		"CallManager-ECDSA", "ITLRecovery", "TVS", "CAPF", "tomcat",
		"tomcat-ECDSA", "ipsec" };
	const struct purpose *const *all = purpose_all();
	char up[64], low[64];
	size_t i, j, n = 0;

	for (; all[n] != NULL; n++) {
		const char *nm = all[n]->name;

		CU_ASSERT_FATAL(strlen(nm) < sizeof(up));
		for (j = 0; nm[j] != '\0'; j++) {
			up[j] = (char)toupper((unsigned char)nm[j]);
			low[j] = (char)tolower((unsigned char)nm[j]);
		}
		up[j] = low[j] = '\0';
		CHECK(purpose_find(nm) == all[n], "find %s", nm);
		CHECK(purpose_find(up) == all[n], "find %s", up);
		CHECK(purpose_find(low) == all[n], "find %s", low);
		CHECK(strstr(purpose_names(), nm) != NULL,
		    "purpose_names lists %s", nm);
	}
	/* the reference product's purpose list, no more and no fewer */
	CU_ASSERT_EQUAL(n, NELEM(names));
	for (i = 0; i < NELEM(names); i++) {
		const struct purpose *p = purpose_find(names[i]);

		CHECK(p != NULL && strcmp(p->name, names[i]) == 0, "reference "
		    "purpose %s", names[i]);
	}
	for (i = 0; i < NELEM(rsa_purposes); i++)
		CU_ASSERT_EQUAL(need_purpose(rsa_purposes[i])->key_type,
		    TOKEN_KEY_RSA);
	for (i = 0; i < NELEM(ec_purposes); i++)
		CU_ASSERT_EQUAL(need_purpose(ec_purposes[i])->key_type,
		    TOKEN_KEY_EC);
	CU_ASSERT_EQUAL(need_purpose("ITLRecovery")->default_years, 20);

	CU_ASSERT_PTR_NULL(purpose_find("CallManager-RSA"));
	CU_ASSERT_PTR_NULL(purpose_find("CallManage"));
	CU_ASSERT_PTR_NULL(purpose_find("Call Manager"));
	CU_ASSERT_PTR_NULL(purpose_find("tomcat-ECDSA "));
	CU_ASSERT_PTR_NULL(purpose_find(""));
}

/* One row of the key-length/hash table. */
struct key_row {
	const char *purpose;
	unsigned bits;       /* 0: default */
	const char *hash;    /* NULL: default */
	int fips;
	int ok;
	unsigned want_bits;  /* when ok */
	int want_md;         /* NID, when ok */
	const char *detail;  /* substring of the refusal, or NULL */
};

static void
check_row(const struct key_row *k, unsigned line)
{
	const struct purpose *p = purpose_find(k->purpose);
	const EVP_MD *md = NULL;
	const char *warning = "unset";
	unsigned bits = k->bits;
	int r;

	check_at(p != NULL, line, "purpose %s exists", k->purpose);
	if (p == NULL)
		return;
	ts_error_clear();
	r = purpose_check_key(p, &bits, k->hash, k->fips, &md, &warning);
	if (k->ok) {
		check_at(r == 0, line, "%s %u %s fips=%d accepted (got %d: %s)",
		    k->purpose, k->bits, k->hash ? k->hash : "(default)",
		    k->fips, r, ts_error_detail(r));
		if (r != 0)
			return;
		check_at(bits == k->want_bits, line, "%s %u %s: bits %u, want "
		    "%u", k->purpose, k->bits, k->hash ? k->hash : "-", bits,
		    k->want_bits);
		check_at(md != NULL && EVP_MD_get_type(md) == k->want_md,
		    line, "%s %u %s: md %s, want %s", k->purpose, k->bits,
		    k->hash ? k->hash : "-",
		    md ? OBJ_nid2sn(EVP_MD_get_type(md)) : "NULL",
		    OBJ_nid2sn(k->want_md));
	} else {
		check_at(r == TS_ERR_INVALID, line, "%s %u %s fips=%d refused "
		    "(got %d)", k->purpose, k->bits, k->hash ? k->hash : "-",
		    k->fips, r);
		if (k->detail != NULL)
			check_at(strstr(ts_error_detail(r), k->detail) != NULL,
			    line, "%s %u: detail \"%s\" says \"%s\"",
			    k->purpose, k->bits, ts_error_detail(r),
			    k->detail);
	}
}

#define CHECK_ROW(...) do { \
	const struct key_row row_ = { __VA_ARGS__ }; \
	check_row(&row_, __LINE__); \
} while (0)

static void
test_purpose_key_rsa_table(void)
{
	static const unsigned sizes[] = { 2048, 3072, 4096 };
	static const struct { const char *name; int nid; } hashes[] = {
		{ "SHA256", NID_sha256 }, { "SHA384", NID_sha384 },
		{ "SHA512", NID_sha512 }, { "sha384", NID_sha384 },
	};
	size_t i, j, h;

	for (i = 0; i < NELEM(rsa_purposes); i++) {
		for (j = 0; j < NELEM(sizes); j++)
			for (h = 0; h < NELEM(hashes); h++)
				CHECK_ROW(rsa_purposes[i], sizes[j],
				    hashes[h].name, 0, 1, sizes[j],
				    hashes[h].nid, NULL);
		CHECK_ROW(rsa_purposes[i], 1024, "SHA256", 0, 0, 0, 0,
		    "too weak");
		CHECK_ROW(rsa_purposes[i], 1024, NULL, 0, 0, 0, 0,
		    "too weak");
		CHECK_ROW(rsa_purposes[i], 1536, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(rsa_purposes[i], 512, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(rsa_purposes[i], 2560, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(rsa_purposes[i], 8192, "SHA256", 0, 0, 0, 0, NULL);
		/* an EC size is no RSA size */
		CHECK_ROW(rsa_purposes[i], 256, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(rsa_purposes[i], 384, "SHA384", 0, 0, 0, 0, NULL);
	}
}

static void
test_purpose_key_ec_table(void)
{
	size_t i;

	for (i = 0; i < NELEM(ec_purposes); i++) {
		const char *p = ec_purposes[i];

		CHECK_ROW(p, 256, "SHA256", 0, 1, 256, NID_sha256, NULL);
		CHECK_ROW(p, 256, "SHA384", 0, 1, 256, NID_sha384, NULL);
		CHECK_ROW(p, 256, "SHA512", 0, 1, 256, NID_sha512, NULL);
		CHECK_ROW(p, 384, "SHA384", 0, 1, 384, NID_sha384, NULL);
		CHECK_ROW(p, 384, "SHA512", 0, 1, 384, NID_sha512, NULL);
		/* the hash at least as strong as the key */
		CHECK_ROW(p, 384, "SHA256", 0, 0, 0, 0, "SHA384 or SHA512");
		/* 3072 and 4096 are RSA-only sizes */
		CHECK_ROW(p, 3072, "SHA256", 0, 0, 0, 0, "only for RSA");
		CHECK_ROW(p, 4096, "SHA512", 0, 0, 0, 0, "only for RSA");
		CHECK_ROW(p, 3072, NULL, 0, 0, 0, 0, "only for RSA");
		CHECK_ROW(p, 521, "SHA512", 0, 0, 0, 0, NULL);
		CHECK_ROW(p, 224, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(p, 2048, "SHA256", 0, 0, 0, 0, NULL);
		CHECK_ROW(p, 1024, "SHA256", 0, 0, 0, 0, NULL);
	}
}

static void
test_purpose_key_unknown_hash(void)
{
	static const char *const bad[] = { "MD5", "SHA1", "SHA224", "",
		"SHA3-256" };
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		CHECK_ROW("CallManager", 2048, bad[i], 0, 0, 0, 0, NULL);
		CHECK_ROW("ITLRecovery", 4096, bad[i], 0, 0, 0, 0, NULL);
		CHECK_ROW("CallManager-ECDSA", 256, bad[i], 0, 0, 0, 0, NULL);
	}
	CHECK_ROW("CallManager", 2048, "MD5", 0, 0, 0, 0, "MD5");
}

static void
test_purpose_key_fips(void)
{
	size_t i;

	for (i = 0; i < NELEM(rsa_purposes); i++) {
		CHECK_ROW(rsa_purposes[i], 2048, "SHA256", 1, 1, 2048,
		    NID_sha256, NULL);
		CHECK_ROW(rsa_purposes[i], 4096, "SHA256", 1, 1, 4096,
		    NID_sha256, NULL);
		CHECK_ROW(rsa_purposes[i], 0, NULL, 1, 1, 2048, NID_sha256,
		    NULL);
		CHECK_ROW(rsa_purposes[i], 2048, "SHA384", 1, 0, 0, 0, "FIPS");
		CHECK_ROW(rsa_purposes[i], 3072, "SHA512", 1, 0, 0, 0, "FIPS");
	}
	for (i = 0; i < NELEM(ec_purposes); i++) {
		CHECK_ROW(ec_purposes[i], 256, "SHA256", 1, 1, 256, NID_sha256,
		    NULL);
		CHECK_ROW(ec_purposes[i], 256, "SHA384", 1, 0, 0, 0, "FIPS");
		CHECK_ROW(ec_purposes[i], 256, "SHA512", 1, 0, 0, 0, "FIPS");
		/* EC 384 needs SHA384 or stronger, FIPS allows only SHA256 */
		CHECK_ROW(ec_purposes[i], 384, NULL, 1, 0, 0, 0, NULL);
		CHECK_ROW(ec_purposes[i], 384, "SHA384", 1, 0, 0, 0, NULL);
	}
}

static void
test_purpose_key_defaults(void)
{
	size_t i;

	for (i = 0; i < NELEM(rsa_purposes); i++) {
		CU_ASSERT_EQUAL(need_purpose(rsa_purposes[i])->default_bits,
		    2048);
		CHECK_ROW(rsa_purposes[i], 0, NULL, 0, 1, 2048, NID_sha256,
		    NULL);
		CHECK_ROW(rsa_purposes[i], 0, "SHA512", 0, 1, 2048, NID_sha512,
		    NULL);
		CHECK_ROW(rsa_purposes[i], 3072, NULL, 0, 1, 3072, NID_sha256,
		    NULL);
		CHECK_ROW(rsa_purposes[i], 4096, NULL, 0, 1, 4096, NID_sha256,
		    NULL);
	}
	for (i = 0; i < NELEM(ec_purposes); i++) {
		CU_ASSERT_EQUAL(need_purpose(ec_purposes[i])->default_bits,
		    256);
		CHECK_ROW(ec_purposes[i], 0, NULL, 0, 1, 256, NID_sha256, NULL);
		CHECK_ROW(ec_purposes[i], 0, "SHA384", 0, 1, 256, NID_sha384,
		    NULL);
		CHECK_ROW(ec_purposes[i], 256, NULL, 0, 1, 256, NID_sha256,
		    NULL);
		CHECK_ROW(ec_purposes[i], 384, NULL, 0, 1, 384, NID_sha384,
		    NULL);
	}
}

static void
test_purpose_key_warning(void)
{
	static const unsigned sizes[] = { 2048, 3072, 4096 };
	const struct purpose *const *all = purpose_all();
	const EVP_MD *md;
	const char *warning;
	unsigned bits;
	size_t i, j;
	int r;

	for (i = 0; all[i] != NULL; i++) {
		int ec = all[i]->key_type == TOKEN_KEY_EC;

		for (j = 0; j < (ec ? 1 : NELEM(sizes)); j++) {
			int want = !ec && sizes[j] > 2048 &&
			    strcmp(all[i]->name, "CallManager") == 0;

			bits = ec ? 256 : sizes[j];
			md = NULL;
			warning = "stale";
			r = purpose_check_key(all[i], &bits, NULL, 0, &md,
			    &warning);
			CHECK(r == 0, "%s %u accepted", all[i]->name, bits);
			CHECK(want ? warning != NULL : warning == NULL,
			    "%s %u: warning %s", all[i]->name, bits,
			    warning ? warning : "(none)");
			if (want && warning != NULL)
				CHECK(strstr(warning, "2048") != NULL &&
				    strstr(warning, "CallManager") != NULL,
				    "warning \"%s\" names the limit", warning);
		}
	}
	/* defaults never warn */
	bits = 0;
	warning = "stale";
	CU_ASSERT_EQUAL(purpose_check_key(need_purpose("CallManager"), &bits,
	    NULL, 0, &md, &warning), 0);
	CU_ASSERT_PTR_NULL(warning);
}

/* ---- certificates ---- */

static int
is_capf_cn(const char *s)
{
	size_t i;

	if (strlen(s) != 13 || strncmp(s, "CAPF-", 5) != 0)
		return 0;
	for (i = 5; i < 13; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' &&
		    s[i] <= 'f'))
			return 0;
	return 1;
}

static void
test_cert_common_name(void)
{
	static const struct { const char *purpose, *dom, *nodom; } want[] = {
		{ "CallManager", "cucm-pub.example.com", "cucm-pub" },
		{ "TVS", "cucm-pub.example.com", "cucm-pub" },
		{ "tomcat", "cucm-pub.example.com", "cucm-pub" },
		{ "ipsec", "cucm-pub.example.com", "cucm-pub" },
		{ "CallManager-ECDSA", "cucm-pub-EC.example.com",
		  "cucm-pub-EC" },
		{ "tomcat-ECDSA", "cucm-pub-EC.example.com", "cucm-pub-EC" },
		{ "ITLRecovery", "ITLRECOVERY_cucm-pub.example.com",
		  "ITLRECOVERY_cucm-pub" },
	};
	char *cn = NULL, *cn2 = NULL;
	size_t i;

	for (i = 0; i < NELEM(want); i++) {
		const struct purpose *p = need_purpose(want[i].purpose);

		CU_ASSERT_EQUAL(cert_common_name(p, "cucm-pub", "example.com",
		    &cn), 0);
		CHECK(cn != NULL && strcmp(cn, want[i].dom) == 0,
		    "%s CN %s, want %s", want[i].purpose, cn ? cn : "NULL",
		    want[i].dom);
		free(cn);
		cn = NULL;
		CU_ASSERT_EQUAL(cert_common_name(p, "cucm-pub", NULL, &cn), 0);
		CHECK(cn != NULL && strcmp(cn, want[i].nodom) == 0,
		    "%s CN %s, want %s", want[i].purpose, cn ? cn : "NULL",
		    want[i].nodom);
		free(cn);
		cn = NULL;
	}

	CU_ASSERT_EQUAL(cert_common_name(need_purpose("CAPF"), "cucm-pub",
	    "example.com", &cn), 0);
	CU_ASSERT_FATAL(cn != NULL);
	CHECK(is_capf_cn(cn), "CAPF CN %s is CAPF-<8 lowercase hex>", cn);
	CU_ASSERT_EQUAL(cert_common_name(need_purpose("CAPF"), "cucm-pub",
	    NULL, &cn2), 0);
	CU_ASSERT_FATAL(cn2 != NULL);
	CHECK(is_capf_cn(cn2), "CAPF CN %s is CAPF-<8 lowercase hex>", cn2);
	/* random: two CAPF names differ (odds of a clash 1 in 2^32) */
	CU_ASSERT_STRING_NOT_EQUAL(cn, cn2);
	free(cn);
	free(cn2);
}

/* DN text as OpenSSL's RFC 2253 printer writes it (an independent
 * reference for the ',' form). */
static char *
rfc2253(const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s = NULL;
	long n;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0 && (n = BIO_get_mem_data(b, &p)) >= 0 &&
	    (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

static void
check_dn(const X509_NAME *nm, char sep, const char *want, unsigned line)
{
	char *s = NULL;
	int r = cert_dn_text(nm, sep, &s);

	check_at(r == 0 && s != NULL && strcmp(s, want) == 0, line,
	    "DN '%c' text \"%s\", want \"%s\"", sep, s ? s : "NULL", want);
	free(s);
}

static int
nid_at(const X509_NAME *nm, int i)
{
	return OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	    X509_NAME_get_entry(nm, i)));
}

/* notBefore is now and notAfter the calendar anniversary years later. */
static void
check_validity(const X509 *x, unsigned years, time_t t0, time_t t1)
{
	time_t nb = 0, na = 0, ann;
	struct tm tm;
	int days = 0, secs = 0;

	CU_ASSERT_EQUAL_FATAL(cert_validity(x, &nb, &na), 0);
	CHECK(nb >= t0 - 5 && nb <= t1 + 5, "notBefore %lld is now (%lld)",
	    (long long)nb, (long long)t0);
	CU_ASSERT_FATAL(gmtime_r(&nb, &tm) != NULL);
	tm.tm_year += (int)years;
	ann = timegm(&tm);
	CHECK(na == ann, "notAfter %lld is %u "
	    "years after notBefore %lld", (long long)na, years, (long long)nb);
	/* cross-check cert_validity against OpenSSL's own arithmetic */
	CU_ASSERT_FATAL(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)) == 1);
	CU_ASSERT_EQUAL((long long)days * 86400 + secs, (long long)(na - nb));
}

static void
test_cert_self_signed_rsa(void)
{
	static const char *const sans[] = { "cucm-pub.example.com",
		"cucm-pub" };
	const struct purpose *p = need_purpose("CallManager");
	const X509_NAME *nm;
	X509 *x = NULL, *y = NULL;
	BASIC_CONSTRAINTS *bc;
	GENERAL_NAMES *gens;
	const ASN1_OCTET_STRING *ski, *akid;
	uint8_t *ser = NULL, *ser2 = NULL;
	size_t serlen = 0, serlen2 = 0;
	char *ref;
	time_t t0, t1;
	int crit = -1, i;

	t0 = time(NULL);
	CU_ASSERT_EQUAL_FATAL(cert_self_signed(p, &full_subject, sans, 2,
	    rsa_a, rsa_a, EVP_sha256(), 5, &x), 0);
	t1 = time(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);

	CU_ASSERT_EQUAL(X509_get_version(x), X509_VERSION_3);
	/* signed by the signer key, and only by it */
	CU_ASSERT_EQUAL(X509_verify(x, rsa_a), 1);
	CU_ASSERT_EQUAL(X509_verify(x, rsa_b), 0);
	CU_ASSERT_EQUAL(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(x), rsa_a), 1);
	CU_ASSERT_EQUAL(X509_check_issued(x, x), X509_V_OK);

	/* subject: least specific first in DER, so text is CN first */
	nm = X509_get_subject_name(x);
	CU_ASSERT_EQUAL(X509_NAME_entry_count(nm), 6);
	CU_ASSERT_EQUAL(nid_at(nm, 0), NID_countryName);
	CU_ASSERT_EQUAL(nid_at(nm, 1), NID_stateOrProvinceName);
	CU_ASSERT_EQUAL(nid_at(nm, 2), NID_localityName);
	CU_ASSERT_EQUAL(nid_at(nm, 3), NID_organizationName);
	CU_ASSERT_EQUAL(nid_at(nm, 4), NID_organizationalUnitName);
	CU_ASSERT_EQUAL(nid_at(nm, 5), NID_commonName);
	check_dn(nm, ';', FULL_DN_SEMI, __LINE__);
	check_dn(nm, ',', FULL_DN_COMMA, __LINE__);
	check_dn(X509_get_issuer_name(x), ';', FULL_DN_SEMI, __LINE__);
	CU_ASSERT_EQUAL(X509_NAME_cmp(nm, X509_get_issuer_name(x)), 0);
	ref = rfc2253(nm);
	CU_ASSERT_PTR_NOT_NULL(ref);
	CHECK(ref != NULL && strcmp(ref, FULL_DN_COMMA) == 0,
	    "RFC 2253 reference %s", ref ? ref : "NULL");
	free(ref);

	check_validity(x, 5, t0, t1);

	/* serial: 16 bytes, positive, random */
	CU_ASSERT_EQUAL(ASN1_STRING_type(X509_get0_serialNumber(x)),
	    V_ASN1_INTEGER);
	CU_ASSERT_EQUAL_FATAL(cert_serial(x, &ser, &serlen), 0);
	CU_ASSERT_EQUAL(serlen, 16);
	CU_ASSERT(ser[0] != 0 && ser[0] < 0x80);
	CU_ASSERT_EQUAL_FATAL(cert_self_signed(p, &full_subject, sans, 2,
	    rsa_a, rsa_a, EVP_sha256(), 5, &y), 0);
	CU_ASSERT_EQUAL_FATAL(cert_serial(y, &ser2, &serlen2), 0);
	CU_ASSERT(serlen2 != serlen || memcmp(ser, ser2, serlen) != 0);

	/* SAN dNSName for each name given, in order */
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gens);
	CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(gens), 2);
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && i < 2; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		CU_ASSERT_EQUAL(g->type, GEN_DNS);
		if (g->type == GEN_DNS)
			CHECK(ASN1_STRING_length(g->d.dNSName) ==
			    (int)strlen(sans[i]) && memcmp(
			    ASN1_STRING_get0_data(g->d.dNSName), sans[i],
			    strlen(sans[i])) == 0, "SAN %d is %s", i, sans[i]);
	}
	GENERAL_NAMES_free(gens);

	/* CA, critical */
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT(bc->ca != 0);
	CU_ASSERT_EQUAL(crit, 1);
	BASIC_CONSTRAINTS_free(bc);

	/* TLS purpose: server and client auth; RSA key encipherment */
	CU_ASSERT(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
	CU_ASSERT(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	CU_ASSERT(X509_get_key_usage(x) & KU_KEY_ENCIPHERMENT);
	CU_ASSERT(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	CU_ASSERT(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
	ski = X509_get0_subject_key_id(x);
	akid = X509_get0_authority_key_id(x);
	CU_ASSERT(ski != NULL && akid != NULL &&
	    ASN1_OCTET_STRING_cmp(ski, akid) == 0);

	/* ITLRecovery (no TLS): no extended key usage, no SAN when none */
	CU_ASSERT_EQUAL(X509_get_ext_by_NID(cert_a, NID_ext_key_usage, -1), -1);
	CU_ASSERT_EQUAL(X509_get_ext_by_NID(cert_a, NID_subject_alt_name, -1),
	    -1);
	CU_ASSERT_EQUAL(X509_get_key_usage(cert_a) & KU_KEY_ENCIPHERMENT, 0);

	free(ser);
	free(ser2);
	X509_free(x);
	X509_free(y);
}

static void
test_cert_self_signed_ec(void)
{
	static const struct cert_subject s = { .cn = "cucm-pub-EC.example.com",
		.o = "Example", .c = "NZ" };
	static const char *const sans[] = { "cucm-pub-EC.example.com" };
	const struct purpose *p = need_purpose("CallManager-ECDSA");
	X509 *x = NULL;
	BASIC_CONSTRAINTS *bc;
	GENERAL_NAMES *gens;
	uint8_t *ser = NULL;
	size_t serlen = 0;
	time_t t0, t1;

	t0 = time(NULL);
	CU_ASSERT_EQUAL_FATAL(cert_self_signed(p, &s, sans, 1, ec_a, ec_a,
	    EVP_sha384(), 5, &x), 0);
	t1 = time(NULL);
	CU_ASSERT_EQUAL(X509_verify(x, ec_a), 1);
	CU_ASSERT_EQUAL(X509_verify(x, ec_b), 0);
	CU_ASSERT_EQUAL(X509_get_signature_nid(x), NID_ecdsa_with_SHA384);
	/* optional attributes left out */
	CU_ASSERT_EQUAL(X509_NAME_entry_count(X509_get_subject_name(x)), 3);
	check_dn(X509_get_subject_name(x), ';',
	    "CN=cucm-pub-EC.example.com;O=Example;C=NZ", __LINE__);
	check_dn(X509_get_issuer_name(x), ',',
	    "CN=cucm-pub-EC.example.com,O=Example,C=NZ", __LINE__);
	check_validity(x, 5, t0, t1);
	CU_ASSERT_EQUAL_FATAL(cert_serial(x, &ser, &serlen), 0);
	CU_ASSERT_EQUAL(serlen, 16);
	CU_ASSERT(ser[0] != 0 && ser[0] < 0x80);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(gens);
	if (gens != NULL)
		CU_ASSERT_EQUAL(sk_GENERAL_NAME_num(gens), 1);
	GENERAL_NAMES_free(gens);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	CU_ASSERT(bc != NULL && bc->ca != 0);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT(X509_get_key_usage(x) & KU_KEY_AGREEMENT);
	CU_ASSERT(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	CU_ASSERT(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	free(ser);
	X509_free(x);

	/* no SANs given: no SAN extension */
	CU_ASSERT_EQUAL(X509_get_ext_by_NID(cert_ec, NID_subject_alt_name, -1),
	    -1);
	CU_ASSERT_EQUAL(X509_verify(cert_ec, ec_a), 1);
}

static void
test_cert_self_signed_years(void)
{
	static const unsigned ok[] = { 1, 2, 5, 10, 20 };
	const struct purpose *p = need_purpose("ITLRecovery");
	X509 *x;
	time_t t0, t1;
	size_t i;
	int r;

	for (i = 0; i < NELEM(ok); i++) {
		x = NULL;
		t0 = time(NULL);
		r = cert_self_signed(p, &full_subject, NULL, 0, rsa_a, rsa_a,
		    EVP_sha256(), ok[i], &x);
		t1 = time(NULL);
		CHECK(r == 0 && x != NULL, "%u years accepted", ok[i]);
		if (x != NULL)
			check_validity(x, ok[i], t0, t1);
		X509_free(x);
	}

	x = (X509 *)1;
	ts_error_clear();
	r = cert_self_signed(p, &full_subject, NULL, 0, rsa_a, rsa_a,
	    EVP_sha256(), 0, &x);
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(x);
	ASSERT_DETAIL(TS_ERR_INVALID, "1 to 20");

	x = (X509 *)1;
	r = cert_self_signed(p, &full_subject, NULL, 0, rsa_a, rsa_a,
	    EVP_sha256(), 21, &x);
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(x);
	ASSERT_DETAIL(TS_ERR_INVALID, "21");
}

static void
check_serial(long v, const uint8_t *want, size_t wantlen, unsigned line)
{
	X509 *x = X509_new();
	uint8_t *s = NULL;
	size_t n = 0;
	int r;

	check_at(x != NULL && ASN1_INTEGER_set(X509_get_serialNumber(x), v)
	    == 1, line, "set serial %ld", v);
	if (x == NULL)
		return;
	r = cert_serial(x, &s, &n);
	check_at(r == 0 && n == wantlen && memcmp(s, want, n) == 0, line,
	    "serial %ld: %zu bytes, first %02x, want %zu bytes", v, n,
	    s && n ? s[0] : 0, wantlen);
	free(s);
	X509_free(x);
}

static void
test_cert_serial_minimal(void)
{
	static const uint8_t ff[] = { 0xFF }, one00[] = { 0x01, 0x00 },
	    zero[] = { 0x00 }, one[] = { 0x01 }, x7f[] = { 0x7F },
	    x80[] = { 0x80 }, x8000[] = { 0x80, 0x00 },
	    big[] = { 0x12, 0x34, 0x56, 0x78 };

	check_serial(255, ff, sizeof(ff), __LINE__);
	check_serial(256, one00, sizeof(one00), __LINE__);
	check_serial(0, zero, sizeof(zero), __LINE__);
	check_serial(1, one, sizeof(one), __LINE__);
	check_serial(0x7F, x7f, sizeof(x7f), __LINE__);
	check_serial(0x80, x80, sizeof(x80), __LINE__);
	check_serial(0x8000, x8000, sizeof(x8000), __LINE__);
	check_serial(0x12345678, big, sizeof(big), __LINE__);
}

/* The last n bytes of the key's SubjectPublicKeyInfo DER: the BIT STRING
 * contents (RSAPublicKey or the EC point). */
static int
spki_tail(EVP_PKEY *k, size_t n, uint8_t **out)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(k, &der);

	*out = NULL;
	if (len <= 0 || (size_t)len < n || (*out = malloc(n)) == NULL) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(*out, der + (size_t)len - n, n);
	OPENSSL_free(der);
	return 0;
}

static void
test_cert_public_key_bytes(void)
{
	const unsigned char *p;
	uint8_t *b = NULL, *ref = NULL;
	size_t n = 0;
	EVP_PKEY *k;

	CU_ASSERT_EQUAL_FATAL(cert_public_key_bytes(cert_a, &b, &n), 0);
	CU_ASSERT_EQUAL(n, 270);
	CU_ASSERT(n >= 2 && b[0] == 0x30 && b[1] == 0x82);
	CU_ASSERT_EQUAL_FATAL(spki_tail(rsa_a, 270, &ref), 0);
	CU_ASSERT(n == 270 && memcmp(b, ref, n) == 0);
	p = b;
	k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
	CU_ASSERT(k != NULL && p == b + n && EVP_PKEY_eq(k, rsa_a) == 1);
	EVP_PKEY_free(k);
	free(b);
	free(ref);

	b = ref = NULL;
	CU_ASSERT_EQUAL_FATAL(cert_public_key_bytes(cert_ec, &b, &n), 0);
	CU_ASSERT_EQUAL(n, 65);
	CU_ASSERT(n >= 1 && b[0] == 0x04);
	CU_ASSERT_EQUAL_FATAL(spki_tail(ec_a, 65, &ref), 0);
	CU_ASSERT(n == 65 && memcmp(b, ref, n) == 0);
	free(b);
	free(ref);
}

static void
test_cert_der_and_signature(void)
{
	X509 *xs[] = { cert_a, cert_ec };
	uint8_t *der = NULL, *sig = NULL, *bad;
	unsigned char *ref = NULL;
	size_t dlen = 0, slen = 0, i;
	X509 *y;
	int rlen;

	for (i = 0; i < NELEM(xs); i++) {
		CU_ASSERT_EQUAL_FATAL(cert_der(xs[i], &der, &dlen), 0);
		rlen = i2d_X509(xs[i], &ref);
		CU_ASSERT(rlen > 0 && (size_t)rlen == dlen &&
		    memcmp(ref, der, dlen) == 0);
		OPENSSL_free(ref);
		ref = NULL;

		/* the signature value ends the DER certificate */
		CU_ASSERT_EQUAL_FATAL(cert_signature_bytes(xs[i], &sig,
		    &slen), 0);
		if (xs[i] == cert_a) {
			CU_ASSERT_EQUAL(slen, 256);
		} else {
			CU_ASSERT(slen >= 8 && sig[0] == 0x30);
		}
		CU_ASSERT(slen > 0 && slen < dlen &&
		    memcmp(der + dlen - slen, sig, slen) == 0);

		y = NULL;
		CU_ASSERT_EQUAL(cert_from_der(der, dlen, &y), 0);
		CU_ASSERT(y != NULL && X509_cmp(y, xs[i]) == 0);
		X509_free(y);

		/* truncated, trailing bytes, garbage: refused */
		y = (X509 *)1;
		CU_ASSERT_EQUAL(cert_from_der(der, dlen - 1, &y),
		    TS_ERR_FORMAT);
		CU_ASSERT_PTR_NULL(y);
		CU_ASSERT_FATAL((bad = malloc(dlen + 1)) != NULL);
		memcpy(bad, der, dlen);
		bad[dlen] = 0;
		y = (X509 *)1;
		CU_ASSERT_EQUAL(cert_from_der(bad, dlen + 1, &y),
		    TS_ERR_FORMAT);
		CU_ASSERT_PTR_NULL(y);
		free(bad);
		free(der);
		free(sig);
		der = sig = NULL;
	}
	y = (X509 *)1;
	CU_ASSERT_EQUAL(cert_from_der((const uint8_t *)"hello", 5, &y),
	    TS_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(y);
}

static void
test_cert_fingerprint_and_info(void)
{
	uint8_t *der = NULL, d[EVP_MAX_MD_SIZE];
	char fp[3 * 64], want[3 * 64];
	const char *type = NULL;
	unsigned dn = 0, bits = 0, i;
	size_t dlen = 0;

	CU_ASSERT_EQUAL_FATAL(cert_der(cert_a, &der, &dlen), 0);
	CU_ASSERT_FATAL(EVP_Digest(der, dlen, d, &dn, EVP_sha1(), NULL) == 1);
	for (i = 0; i < dn; i++)
		snprintf(want + 3 * i, sizeof(want) - 3 * i,
		    i + 1 < dn ? "%02X:" : "%02X", d[i]);
	CU_ASSERT_EQUAL(cert_fingerprint(cert_a, EVP_sha1(), fp, sizeof(fp),
	    1), 0);
	CU_ASSERT_STRING_EQUAL(fp, want);
	CU_ASSERT_EQUAL(strlen(fp), 59);

	CU_ASSERT_FATAL(EVP_Digest(der, dlen, d, &dn, EVP_sha256(), NULL) ==
	    1);
	for (i = 0; i < dn; i++)
		snprintf(want + 2 * i, sizeof(want) - 2 * i, "%02x", d[i]);
	CU_ASSERT_EQUAL(cert_fingerprint(cert_a, EVP_sha256(), fp, sizeof(fp),
	    0), 0);
	CU_ASSERT_STRING_EQUAL(fp, want);
	CU_ASSERT_EQUAL(strlen(fp), 64);
	/* too small a buffer is refused, not overrun */
	CU_ASSERT_EQUAL(cert_fingerprint(cert_a, EVP_sha256(), fp, 64, 0),
	    TS_ERR_INVALID);
	free(der);

	CU_ASSERT_EQUAL(cert_key_info(cert_a, &type, &bits), 0);
	CU_ASSERT(type != NULL && strcmp(type, "RSA") == 0);
	CU_ASSERT_EQUAL(bits, 2048);
	CU_ASSERT_EQUAL(cert_key_info(cert_ec, &type, &bits), 0);
	CU_ASSERT(type != NULL && strcmp(type, "EC") == 0);
	CU_ASSERT_EQUAL(bits, 256);
}

/* ---- the independent implementation's certificate ---- */

static X509 *
load_ext_signer(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	X509 *x = NULL;
	BIO *b;

	snprintf(path, sizeof(path), "%s/tests/data/ext-tftp-signer.pem",
	    top ? top : ".");
	if ((b = BIO_new_file(path, "r")) == NULL) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static void
test_ext_signer_fields(void)
{
	static const uint8_t serial[] = { 0xEF, 0x22, 0x93, 0x47, 0x7B, 0x9C,
		0xC3, 0xCA, 0x0A, 0xA4, 0xB8, 0xA1, 0xBC, 0xD4, 0x6B, 0x81 };
	/* its RDNs are in the order CN, O, OU, L, C: RFC 4514 text, which
	 * names the last RDN first, begins with C */
	static const char dn_comma[] = "C=NZ,L=Wellington,OU=Bench Unit,"
	    "O=Bench Org,CN=tftp.bench.example";
	static const char dn_semi[] = "C=NZ;L=Wellington;OU=Bench Unit;"
	    "O=Bench Org;CN=tftp.bench.example";
	X509 *x = load_ext_signer();
	uint8_t *s = NULL, *pub = NULL;
	size_t n = 0, pn = 0;
	char fp[3 * 64], *ref;
	const char *type = NULL;
	unsigned bits = 0;
	time_t nb = 0, na = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	check_dn(X509_get_subject_name(x), ',', dn_comma, __LINE__);
	check_dn(X509_get_subject_name(x), ';', dn_semi, __LINE__);
	check_dn(X509_get_issuer_name(x), ';', dn_semi, __LINE__);
	ref = rfc2253(X509_get_subject_name(x));
	CU_ASSERT(ref != NULL && strcmp(ref, dn_comma) == 0);
	free(ref);

	/* DER holds 17 bytes (leading zero); the magnitude is 16 */
	CU_ASSERT_EQUAL_FATAL(cert_serial(x, &s, &n), 0);
	CU_ASSERT_EQUAL(n, sizeof(serial));
	CU_ASSERT(n == sizeof(serial) && memcmp(s, serial, n) == 0);

	CU_ASSERT_EQUAL(cert_public_key_bytes(x, &pub, &pn), 0);
	CU_ASSERT_EQUAL(pn, 270);
	CU_ASSERT_EQUAL(cert_key_info(x, &type, &bits), 0);
	CU_ASSERT(type != NULL && strcmp(type, "RSA") == 0 && bits == 2048);
	CU_ASSERT_EQUAL(cert_validity(x, &nb, &na), 0);
	CU_ASSERT_EQUAL((long long)nb, 1795910400LL);
	CU_ASSERT_EQUAL((long long)na, 2111529600LL);
	CU_ASSERT_EQUAL(cert_fingerprint(x, EVP_sha1(), fp, sizeof(fp), 1), 0);
	CU_ASSERT_STRING_EQUAL(fp, "3F:F2:85:5D:9D:28:65:BA:D1:2B:E2:3B:30:47:"
	    "A9:06:F9:62:46:20");
	CU_ASSERT_EQUAL(cert_fingerprint(x, EVP_sha256(), fp, sizeof(fp), 0),
	    0);
	CU_ASSERT_STRING_EQUAL(fp, "f13ed19aca0814372b349ff366c73c009a8dd06b26"
	    "c3ca02f8f95e88636bbfb5");
	free(s);
	free(pub);
	X509_free(x);
}

/* ---- trust-list verification ---- */

static void
test_tl_hash_md(void)
{
	CU_ASSERT(tl_hash_md(TL_HASH_SHA1) != NULL &&
	    EVP_MD_get_type(tl_hash_md(TL_HASH_SHA1)) == NID_sha1);
	CU_ASSERT(tl_hash_md(TL_HASH_SHA256) != NULL &&
	    EVP_MD_get_type(tl_hash_md(TL_HASH_SHA256)) == NID_sha256);
	CU_ASSERT(tl_hash_md(TL_HASH_SHA512) != NULL &&
	    EVP_MD_get_type(tl_hash_md(TL_HASH_SHA512)) == NID_sha512);
	CU_ASSERT_PTR_NULL(tl_hash_md(0));
	CU_ASSERT_PTR_NULL(tl_hash_md(4));
	CU_ASSERT_PTR_NULL(tl_hash_md(255));
}

/* A certificate's trust-list fields. */
struct tl_fields {
	char *subject, *issuer;
	uint8_t *serial, *pub, *sig, *der;
	size_t serial_len, pub_len, sig_len, der_len;
};

static void
fields_free(struct tl_fields *f)
{
	free(f->subject);
	free(f->issuer);
	free(f->serial);
	free(f->pub);
	free(f->sig);
	free(f->der);
	memset(f, 0, sizeof(*f));
}

static int
fields_get(const X509 *x, struct tl_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (cert_dn_text(X509_get_subject_name(x), ';', &f->subject) != 0 ||
	    cert_dn_text(X509_get_issuer_name(x), ';', &f->issuer) != 0 ||
	    cert_serial(x, &f->serial, &f->serial_len) != 0 ||
	    cert_public_key_bytes(x, &f->pub, &f->pub_len) != 0 ||
	    cert_signature_bytes(x, &f->sig, &f->sig_len) != 0 ||
	    cert_der(x, &f->der, &f->der_len) != 0) {
		fields_free(f);
		return -1;
	}
	return 0;
}

static struct trustlist_entry
entry_from(const struct tl_fields *f, uint16_t role, const char *dns)
{
	struct trustlist_entry e;

	memset(&e, 0, sizeof(e));
	e.role = role;
	e.dns_name = dns;
	e.subject = f->subject;
	e.issuer = f->issuer;
	e.serial = f->serial;
	e.serial_len = f->serial_len;
	e.pubkey = f->pub;
	e.pubkey_len = f->pub_len;
	e.cert_sig = f->sig;
	e.cert_sig_len = f->sig_len;
	e.cert = f->der;
	e.cert_len = f->der_len;
	return e;
}

struct tl_opts {
	uint8_t hash;            /* TL_HASH_* */
	X509 *signer;            /* the SAST record named by the header */
	EVP_PKEY *sign_key;      /* the key that really signs (RSA) */
	const uint8_t *hdr_serial; /* header serial override */
	size_t hdr_serial_len;
	int garbage_cert;        /* spoil the SAST record's certificate */
	int garbage_pub;         /* spoil its PUBLIC_KEY element */
};

/* The digest for a hash code, chosen here rather than by the code under
 * test. */
static const EVP_MD *
md_for(uint8_t code)
{
	return code == TL_HASH_SHA1 ? EVP_sha1() : code == TL_HASH_SHA256 ?
	    EVP_sha256() : EVP_sha512();
}

static int
rsa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *tbs, size_t n,
    uint8_t **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	*sig = NULL;
	if (ctx != NULL &&
	    EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_DigestSign(ctx, NULL, siglen, tbs, n) == 1 &&
	    (*sig = malloc(*siglen)) != NULL &&
	    EVP_DigestSign(ctx, *sig, siglen, tbs, n) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		free(*sig);
		*sig = NULL;
		return -1;
	}
	return 0;
}

/*
 * An ITL: SAST (the signer), a CCM+TFTP EC record, a certless TVS
 * record with an address. Version 1.2, signer version present (an EC
 * record is in it).
 */
static int
build_tl(const struct tl_opts *o, uint8_t **file, size_t *len,
    uint8_t **unsig, size_t *ulen)
{
	struct tl_fields fs, fe;
	struct trustlist_entry e[3];
	struct trustlist_spec spec;
	uint8_t *u = NULL, *sig = NULL;
	size_t n = 0, at = 0, siglen = 0;
	int r = -1;

	*file = NULL;
	if (fields_get(o->signer, &fs) != 0)
		return -1;
	if (fields_get(cert_ec, &fe) != 0) {
		fields_free(&fs);
		return -1;
	}
	if (o->garbage_cert)
		memset(fs.der, 0xA5, fs.der_len);
	if (o->garbage_pub)
		memset(fs.pub, 0x5A, fs.pub_len);
	e[0] = entry_from(&fs, TL_ROLE_SAST, "cucm-pub");
	e[1] = entry_from(&fe, TL_ROLE_CCM_TFTP, "cucm-pub");
	memset(&e[2], 0, sizeof(e[2]));
	e[2].role = TL_ROLE_TVS;
	e[2].dns_name = "cucm-sub1";
	e[2].certless = 1;
	e[2].has_ip = 1;
	memcpy(e[2].ip, "\xc0\xa8\x01\x0b", 4);

	memset(&spec, 0, sizeof(spec));
	spec.ver_major = 1;
	spec.ver_minor = 2;
	spec.signer_version = 1;
	spec.signer_name = fs.subject;
	spec.signer_issuer = fs.issuer;
	spec.signer_serial = o->hdr_serial ? o->hdr_serial : fs.serial;
	spec.signer_serial_len = o->hdr_serial ? o->hdr_serial_len :
	    fs.serial_len;
	spec.hash_alg = o->hash;
	spec.sig_len = (size_t)EVP_PKEY_get_size(o->sign_key);
	spec.filename = "ITLFile.tlv";
	spec.timestamp = 1795910400;
	spec.entries = e;
	spec.nentries = 3;

	if (trustlist_encode(&spec, &u, &n, &at) != 0 ||
	    rsa_sign(o->sign_key, md_for(o->hash), u, n, &sig, &siglen) != 0 ||
	    siglen != spec.sig_len ||
	    trustlist_set_signature(u, n, at, sig, siglen, file, len) != 0)
		goto out;
	if (unsig != NULL) {
		*unsig = u;
		*ulen = n;
		u = NULL;
	}
	r = 0;
out:
	free(u);
	free(sig);
	fields_free(&fs);
	fields_free(&fe);
	return r;
}

/* Parse and verify (header signer); the tl_verify code, or the parse
 * error. */
static int
parse_verify(const uint8_t *file, size_t len, EVP_PKEY *key)
{
	struct trustlist tl;
	int r;

	if ((r = trustlist_parse(file, len, &tl)) != 0)
		return r;
	r = tl_verify(&tl, key);
	trustlist_free(&tl);
	return r;
}

/* Every single-byte change (xor 0x01) either breaks parsing or breaks
 * verification. */
static void
check_every_flip(const uint8_t *file, size_t len, size_t sig_off,
    size_t sig_len, unsigned line)
{
	uint8_t *c = malloc(len);
	size_t i, first = 0, survivors = 0, sig_ok = 0;
	int r;

	check_at(c != NULL, line, "allocate %zu bytes", len);
	if (c == NULL)
		return;
	memcpy(c, file, len);
	for (i = 0; i < len; i++) {
		c[i] ^= 0x01;
		r = parse_verify(c, len, NULL);
		if (r == 0 && survivors++ == 0)
			first = i;
		/* a changed signature value still parses: the check itself
		 * must catch it */
		if (i >= sig_off && i < sig_off + sig_len &&
		    r == TS_ERR_SIGNATURE)
			sig_ok++;
		c[i] ^= 0x01;
	}
	check_at(sig_ok == sig_len, line, "%zu of %zu signature bytes "
	    "flipped fail with TS_ERR_SIGNATURE", sig_ok, sig_len);
	check_at(survivors == 0, line, "%zu of %zu flipped bytes still "
	    "verify; the first at offset %zu", survivors, len, first);
	if (survivors > 0)
		printf("# flipped byte at offset %zu survives verification\n",
		    first);
	/* and the untouched copy still verifies */
	check_at(parse_verify(c, len, NULL) == 0, line, "original verifies");
	free(c);
}

static void
check_roundtrip(uint8_t hash, int flips, unsigned line)
{
	struct tl_opts o = { .hash = hash, .signer = cert_a,
		.sign_key = rsa_a };
	struct trustlist tl;
	const struct trustlist_record *sr;
	uint8_t *file = NULL, *u = NULL, *tbs = NULL, *ser = NULL;
	size_t len = 0, ulen = 0, tbslen = 0, serlen = 0, sig_off;
	int r;

	check_at(build_tl(&o, &file, &len, &u, &ulen) == 0, line,
	    "build trust list with hash %u", hash);
	if (file == NULL)
		return;
	r = trustlist_parse(file, len, &tl);
	check_at(r == 0, line, "parse: %s", ts_error_detail(r));
	if (r != 0)
		goto out;
	check_at(tl.hdr.ver_major == 1 && tl.hdr.ver_minor == 2 &&
	    tl.hdr.hash_alg == hash && tl.nrecords == 3 &&
	    tl.hdr.signature.len == 256, line, "header as built");
	/* what was signed is what tl_verify checks */
	check_at(trustlist_signed_bytes(&tl, &tbs, &tbslen) == 0 &&
	    tbslen == ulen && memcmp(tbs, u, ulen) == 0, line,
	    "signed bytes are the unsigned encoding");
	sr = trustlist_signer(&tl);
	check_at(sr == &tl.records[0], line, "the SAST record is the signer");
	check_at(cert_serial(cert_a, &ser, &serlen) == 0 &&
	    tl.hdr.serial.len == serlen &&
	    memcmp(tl.hdr.serial.p, ser, serlen) == 0, line,
	    "header serial is the signer's");
	r = tl_verify(&tl, NULL);
	check_at(r == 0, line, "tl_verify (hash %u): %d %s", hash, r,
	    ts_error_detail(r));
	/* an explicit key: the right one verifies, another does not */
	check_at(tl_verify(&tl, rsa_a) == 0, line, "verify with key a");
	check_at(tl_verify(&tl, rsa_b) == TS_ERR_SIGNATURE, line,
	    "verify with key b fails");
	sig_off = tl.hdr.sig_elem_off + 3;
	trustlist_free(&tl);
	if (flips)
		check_every_flip(file, len, sig_off, 256, line);
out:
	free(ser);
	free(tbs);
	free(u);
	free(file);
}

static void
test_tl_verify_sha1_every_byte(void)
{
	check_roundtrip(TL_HASH_SHA1, 1, __LINE__);
}

static void
test_tl_verify_sha512_every_byte(void)
{
	check_roundtrip(TL_HASH_SHA512, 1, __LINE__);
}

static void
test_tl_verify_sha256(void)
{
	check_roundtrip(TL_HASH_SHA256, 0, __LINE__);
}

static void
test_tl_verify_truncated_or_extended(void)
{
	struct tl_opts o = { .hash = TL_HASH_SHA1, .signer = cert_a,
		.sign_key = rsa_a };
	static const uint8_t extra[] = { 0x01, 0x00, 0x02, 0x00, 0x0e, 0x02,
		0x00, 0x01, 0x00, 0x04, 0x00, 0x02, 0x00, 0x15 };
	uint8_t *file = NULL, *big;
	size_t len = 0, n, survivors = 0;

	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	for (n = 0; n < len; n++)
		if (parse_verify(file, n, NULL) == 0)
			survivors++;
	CHECK(survivors == 0, "%zu truncations still verify", survivors);

	/* a record appended after signing (a certless TVS, 14 bytes) parses
	 * but must not verify */
	CU_ASSERT_FATAL((big = malloc(len + sizeof(extra))) != NULL);
	memcpy(big, file, len);
	memcpy(big + len, extra, sizeof(extra));
	{
		struct trustlist tl;

		CU_ASSERT_EQUAL_FATAL(trustlist_parse(big, len + sizeof(extra),
		    &tl), 0);
		CU_ASSERT_EQUAL(tl.nrecords, 4);
		CU_ASSERT_EQUAL(tl_verify(&tl, NULL), TS_ERR_SIGNATURE);
		trustlist_free(&tl);
	}
	free(big);
	free(file);
}

static void
test_tl_verify_wrong_key(void)
{
	/* names cert_a as signer, but key b signed */
	struct tl_opts o = { .hash = TL_HASH_SHA1, .signer = cert_a,
		.sign_key = rsa_b };
	uint8_t *file = NULL;
	size_t len = 0;
	int r;

	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	ts_error_clear();
	r = parse_verify(file, len, NULL);
	CU_ASSERT_EQUAL(r, TS_ERR_SIGNATURE);
	ASSERT_DETAIL(TS_ERR_SIGNATURE, "does not verify");
	CU_ASSERT_EQUAL(parse_verify(file, len, rsa_b), 0);
	free(file);

	o.hash = TL_HASH_SHA512;
	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL(parse_verify(file, len, NULL), TS_ERR_SIGNATURE);
	free(file);
}

static void
test_tl_verify_unknown_signer(void)
{
	static const uint8_t other[] = { 0x01, 0x02, 0x03, 0x04 };
	struct tl_opts o = { .hash = TL_HASH_SHA1, .signer = cert_a,
		.sign_key = rsa_a, .hdr_serial = other,
		.hdr_serial_len = sizeof(other) };
	struct trustlist tl;
	uint8_t *file = NULL;
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	CU_ASSERT_PTR_NULL(trustlist_signer(&tl));
	ts_error_clear();
	CU_ASSERT_EQUAL(tl_verify(&tl, NULL), TS_ERR_NOTFOUND);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "SAST");
	/* the key given explicitly still verifies the bytes */
	CU_ASSERT_EQUAL(tl_verify(&tl, rsa_a), 0);
	trustlist_free(&tl);
	free(file);
}

static void
test_tl_verify_ec_signer_refused(void)
{
	/* the header names the EC record as signer; a 256-byte RSA
	 * signature is present, but phones only verify RSA */
	struct tl_opts o = { .hash = TL_HASH_SHA1, .signer = cert_ec,
		.sign_key = rsa_a };
	struct trustlist tl;
	uint8_t *file = NULL;
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	CU_ASSERT_PTR_NOT_NULL(trustlist_signer(&tl));
	ts_error_clear();
	CU_ASSERT_EQUAL(tl_verify(&tl, NULL), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "not RSA");
	CU_ASSERT_EQUAL(tl_verify(&tl, ec_a), TS_ERR_FORMAT);
	trustlist_free(&tl);
	free(file);
}

static void
test_tl_verify_record_key_fallback(void)
{
	struct tl_opts o = { .hash = TL_HASH_SHA1, .signer = cert_a,
		.sign_key = rsa_a, .garbage_cert = 1 };
	struct trustlist tl;
	uint8_t *file = NULL;
	size_t len = 0;
	EVP_PKEY *k = NULL;

	/* an unreadable certificate: the PUBLIC_KEY element still names
	 * the key */
	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	CU_ASSERT_EQUAL(tl_record_key(&tl.records[0], &k), 0);
	CU_ASSERT(k != NULL && EVP_PKEY_eq(k, rsa_a) == 1);
	EVP_PKEY_free(k);
	CU_ASSERT_EQUAL(tl_verify(&tl, NULL), 0);
	trustlist_free(&tl);
	free(file);

	/* neither: refused, not crashed */
	o.garbage_pub = 1;
	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(file, len, &tl), 0);
	k = (EVP_PKEY *)1;
	CU_ASSERT_EQUAL(tl_record_key(&tl.records[0], &k), TS_ERR_FORMAT);
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_EQUAL(tl_verify(&tl, NULL), TS_ERR_FORMAT);
	trustlist_free(&tl);
	free(file);

	/* the certificate wins over a wrong PUBLIC_KEY */
	o.garbage_cert = 0;
	CU_ASSERT_EQUAL_FATAL(build_tl(&o, &file, &len, NULL, NULL), 0);
	CU_ASSERT_EQUAL(parse_verify(file, len, NULL), 0);
	free(file);
}

static const struct cutap_test tests[] = {
	{ "purpose_find", test_purpose_find },
	{ "purpose_check_key RSA table", test_purpose_key_rsa_table },
	{ "purpose_check_key EC table", test_purpose_key_ec_table },
	{ "purpose_check_key unknown hash", test_purpose_key_unknown_hash },
	{ "purpose_check_key FIPS", test_purpose_key_fips },
	{ "purpose_check_key defaults", test_purpose_key_defaults },
	{ "purpose_check_key CallManager warning", test_purpose_key_warning },
	{ "cert_common_name", test_cert_common_name },
	{ "cert_self_signed RSA", test_cert_self_signed_rsa },
	{ "cert_self_signed EC", test_cert_self_signed_ec },
	{ "cert_self_signed years", test_cert_self_signed_years },
	{ "cert_serial minimal magnitude", test_cert_serial_minimal },
	{ "cert_public_key_bytes", test_cert_public_key_bytes },
	{ "cert_der and signature", test_cert_der_and_signature },
	{ "cert_fingerprint and key info", test_cert_fingerprint_and_info },
	{ "independent signer certificate", test_ext_signer_fields },
	{ "tl_hash_md", test_tl_hash_md },
	{ "tl_verify SHA-1, every byte flipped",
	  test_tl_verify_sha1_every_byte },
	{ "tl_verify SHA-512, every byte flipped",
	  test_tl_verify_sha512_every_byte },
	{ "tl_verify SHA-256", test_tl_verify_sha256 },
	{ "tl_verify truncated or extended",
	  test_tl_verify_truncated_or_extended },
	{ "tl_verify wrong key", test_tl_verify_wrong_key },
	{ "tl_verify unknown signer", test_tl_verify_unknown_signer },
	{ "tl_verify EC signer refused", test_tl_verify_ec_signer_refused },
	{ "tl_verify record key fallback",
	  test_tl_verify_record_key_fallback },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "x509", .init = init_suite, .clean = clean_suite }, tests,
	    CUTAP_N(tests));
}
