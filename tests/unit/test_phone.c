/*
 * test_phone.c - the phone-trust check replaying the reference
 * procedures step by step (ITLRecovery regeneration, ctl/itl reset
 * localkey, TVS and TFTP regeneration, rollback ITL, signed
 * configuration files, forgery, the 64 KB limit) with software keys.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cutap.h"
#include "format/trustlist.h"
#include "ops/phone.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/purpose.h"
#include "x509/tlverify.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))


/* ---- keys and certificates ---- */

/* 1: before regeneration, 2: after */
static EVP_PKEY *k_rec1, *k_rec2, *k_cm1, *k_cm2, *k_tvs1, *k_tvs2, *k_capf,
    *k_evil;
static X509 *c_rec1, *c_rec2, *c_cm1, *c_cm2, *c_tvs1, *c_tvs2, *c_capf,
    *c_evil;
/* ITLRecovery's serial, issuer and subject on another key */
static X509 *c_fake_rec1;

static X509 *
make_cert(const char *purpose, const char *cn, EVP_PKEY *key)
{
	struct cert_subject s = { .cn = cn, .ou = "Voice", .o = "Example",
		.l = "Wellington", .st = "WGN", .c = "NZ" };
	X509 *x = NULL;

	if (cert_self_signed(purpose_find(purpose), &s, NULL, 0, key, key,
	    EVP_sha256(), 5, &x) != 0)
		return NULL;
	return x;
}

static X509 *
make_impostor(const X509 *victim, EVP_PKEY *key)
{
	X509 *x = X509_dup(c_evil);
	ASN1_INTEGER *serial = ASN1_INTEGER_dup(X509_get0_serialNumber(victim));
	int ok = x != NULL && serial != NULL &&
	    X509_set_serialNumber(x, serial) == 1;

	ASN1_INTEGER_free(serial);
	if (!ok ||
	    X509_set_issuer_name(x, X509_get_issuer_name(victim)) != 1 ||
	    X509_set_subject_name(x, X509_get_subject_name(victim)) != 1 ||
	    X509_sign(x, key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *
rsa_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static int
init_suite(void)
{
	EVP_PKEY **keys[] = { &k_rec1, &k_rec2, &k_cm1, &k_cm2, &k_tvs1,
		&k_tvs2, &k_capf, &k_evil };
	size_t i;

	for (i = 0; i < NELEM(keys); i++)
		if ((*keys[i] = rsa_key()) == NULL)
			return 1;
	c_rec1 = make_cert("ITLRecovery", "ITLRECOVERY_cucm-pub.example.com",
	    k_rec1);
	c_rec2 = make_cert("ITLRecovery", "ITLRECOVERY_cucm-pub.example.com",
	    k_rec2);
	c_cm1 = make_cert("CallManager", "cucm-pub.example.com", k_cm1);
	c_cm2 = make_cert("CallManager", "cucm-pub.example.com", k_cm2);
	c_tvs1 = make_cert("TVS", "cucm-sub1.example.com", k_tvs1);
	c_tvs2 = make_cert("TVS", "cucm-sub1.example.com", k_tvs2);
	c_capf = make_cert("CAPF", "CAPF-1a2b3c4d", k_capf);
	c_evil = make_cert("ITLRecovery", "ITLRECOVERY_evil.example.net",
	    k_evil);
	if (c_rec1 == NULL || c_rec2 == NULL || c_cm1 == NULL ||
	    c_cm2 == NULL || c_tvs1 == NULL || c_tvs2 == NULL ||
	    c_capf == NULL || c_evil == NULL)
		return 1;
	c_fake_rec1 = make_impostor(c_rec1, k_evil);
	return c_fake_rec1 == NULL;
}

static int
clean_suite(void)
{
	EVP_PKEY *keys[] = { k_rec1, k_rec2, k_cm1, k_cm2, k_tvs1, k_tvs2,
		k_capf, k_evil };
	X509 *certs[] = { c_rec1, c_rec2, c_cm1, c_cm2, c_tvs1, c_tvs2,
		c_capf, c_evil, c_fake_rec1 };
	size_t i;

	for (i = 0; i < NELEM(keys); i++)
		EVP_PKEY_free(keys[i]);
	for (i = 0; i < NELEM(certs); i++)
		X509_free(certs[i]);
	return 0;
}

/* "AB:CD:.." computed here, not by the code under test. */
static const char *
serial_of(const X509 *x, char *out, size_t outsize)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	uint8_t b[64];
	size_t i, k = 0;
	int n;

	out[0] = '\0';
	if (bn == NULL)
		return out;
	n = BN_bn2bin(bn, b);
	BN_free(bn);
	for (i = 0; i < (size_t)n && k + 4 <= outsize; i++)
		k += (size_t)snprintf(out + k, outsize - k,
		    i ? ":%02X" : "%02X", b[i]);
	return out;
}

/* ---- file builders ---- */

/* A record: cert NULL makes it certless (rollback ITL sections). */
struct rec {
	X509 *cert;
	uint16_t role;
};

/* A new or held file: the bytes and their parse. */
struct tfile {
	uint8_t *data;
	size_t len;
	struct trustlist tl;
};

struct filespec {
	const char *filename;  /* ITLFile.tlv, CTLFile.tlv, x.sgn */
	int sgn;               /* version 1.0 with a payload */
	X509 *signer;          /* the header names it */
	EVP_PKEY *key;         /* the key that really signs */
	const char *issuer;    /* header issuer override */
	const uint8_t *serial; /* header serial override */
	size_t serial_len;
	const struct rec *recs;
	size_t n;
};

struct certbits {
	char *subject, *issuer;
	uint8_t *serial, *pub, *sig, *der;
	size_t serial_len, pub_len, sig_len, der_len;
};

static void
certbits_free(struct certbits *b)
{
	free(b->subject);
	free(b->issuer);
	free(b->serial);
	free(b->pub);
	free(b->sig);
	free(b->der);
	memset(b, 0, sizeof(*b));
}

static int
certbits_get(const X509 *x, struct certbits *b)
{
	memset(b, 0, sizeof(*b));
	if (cert_dn_text(X509_get_subject_name(x), ';', &b->subject) != 0 ||
	    cert_dn_text(X509_get_issuer_name(x), ';', &b->issuer) != 0 ||
	    cert_serial(x, &b->serial, &b->serial_len) != 0 ||
	    cert_public_key_bytes(x, &b->pub, &b->pub_len) != 0 ||
	    cert_signature_bytes(x, &b->sig, &b->sig_len) != 0 ||
	    cert_der(x, &b->der, &b->der_len) != 0) {
		certbits_free(b);
		return -1;
	}
	return 0;
}

static int
sign_bytes(EVP_PKEY *key, const uint8_t *tbs, size_t n, uint8_t **sig,
    size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	*sig = NULL;
	if (ctx != NULL &&
	    EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1 &&
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

static void
tfile_free(struct tfile *f)
{
	trustlist_free(&f->tl);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Encode, sign and parse a trust list or .sgn; 0 or -1. */
static int
make_file(const struct filespec *fs, struct tfile *out)
{
	static const uint8_t payload[] = "<device><loadInformation/></device>";
	struct certbits sb, rb[8];
	struct trustlist_entry e[8];
	struct trustlist_spec spec;
	uint8_t *u = NULL, *sig = NULL;
	size_t i, nb = 0, n = 0, at = 0, siglen = 0;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (fs->n > NELEM(e) || certbits_get(fs->signer, &sb) != 0)
		return -1;
	memset(e, 0, sizeof(e));
	for (i = 0; i < fs->n; i++) {
		e[i].role = fs->recs[i].role;
		e[i].dns_name = "cucm-pub";
		e[i].has_ip = 1;
		memcpy(e[i].ip, "\xc0\xa8\x01\x0a", 4);
		if (fs->recs[i].cert == NULL) {
			e[i].certless = 1;
			continue;
		}
		if (certbits_get(fs->recs[i].cert, &rb[nb]) != 0)
			goto out;
		e[i].subject = rb[nb].subject;
		e[i].issuer = rb[nb].issuer;
		e[i].serial = rb[nb].serial;
		e[i].serial_len = rb[nb].serial_len;
		e[i].pubkey = rb[nb].pub;
		e[i].pubkey_len = rb[nb].pub_len;
		e[i].cert_sig = rb[nb].sig;
		e[i].cert_sig_len = rb[nb].sig_len;
		e[i].cert = rb[nb].der;
		e[i].cert_len = rb[nb].der_len;
		nb++;
	}

	memset(&spec, 0, sizeof(spec));
	spec.ver_major = 1;
	spec.ver_minor = fs->sgn ? 0 : 2;
	spec.signer_name = sb.subject;
	spec.signer_issuer = fs->issuer ? fs->issuer : sb.issuer;
	spec.signer_serial = fs->serial ? fs->serial : sb.serial;
	spec.signer_serial_len = fs->serial ? fs->serial_len : sb.serial_len;
	spec.hash_alg = TL_HASH_SHA256;
	spec.sig_len = (size_t)EVP_PKEY_get_size(fs->key);
	spec.filename = fs->filename;
	spec.timestamp = 1795910400;
	if (fs->sgn) {
		spec.payload = payload;
		spec.payload_len = sizeof(payload) - 1;
	} else {
		spec.entries = e;
		spec.nentries = fs->n;
	}
	if (trustlist_encode(&spec, &u, &n, &at) != 0 ||
	    sign_bytes(fs->key, u, n, &sig, &siglen) != 0 ||
	    siglen != spec.sig_len ||
	    trustlist_set_signature(u, n, at, sig, siglen, &out->data,
	    &out->len) != 0)
		goto out;
	if (trustlist_parse(out->data, out->len, &out->tl) != 0) {
		free(out->data);
		out->data = NULL;
		goto out;
	}
	r = 0;
out:
	free(u);
	free(sig);
	certbits_free(&sb);
	for (i = 0; i < nb; i++)
		certbits_free(&rb[i]);
	return r;
}

/* An ITL, CTL or .sgn signed by key under signer's name. */
static struct tfile
tl_of(const char *filename, X509 *signer, EVP_PKEY *key,
    const struct rec *recs, size_t n, unsigned line)
{
	struct filespec fs = { .filename = filename, .signer = signer,
		.key = key, .recs = recs, .n = n };
	struct tfile f;

	check_at(make_file(&fs, &f) == 0, line, "build %s", filename);
	return f;
}

#define RECS(...) (const struct rec[]){ __VA_ARGS__ }, \
	NELEM(((const struct rec[]){ __VA_ARGS__ }))
#define ITL(signer, key, ...) \
	tl_of("ITLFile.tlv", signer, key, RECS(__VA_ARGS__), __LINE__)
#define CTL(signer, key, ...) \
	tl_of("CTLFile.tlv", signer, key, RECS(__VA_ARGS__), __LINE__)

static struct tfile
sgn_of(X509 *signer, EVP_PKEY *key, unsigned line)
{
	struct filespec fs = { .filename = "SEP001122334455.cnf.xml.sgn",
		.sgn = 1, .signer = signer, .key = key };
	struct tfile f;

	check_at(make_file(&fs, &f) == 0, line, "build .sgn");
	return f;
}

#define SGN(signer, key) sgn_of(signer, key, __LINE__)

/* ---- verdicts ---- */

/*
 * Run the check and assert accepted/rejected, the rule and up to two
 * substrings of the reason (NULL: none). Returns the verdict for more.
 */
static struct phone_verdict
verdict_at(unsigned line, const struct trustlist *itl,
    const struct trustlist *ctl, const struct tvs_store *tvs,
    enum phone_new_kind kind, const struct tfile *nf, size_t newlen,
    int accepted, int rule, const char *text1, const char *text2)
{
	struct phone ph = { itl, ctl };
	struct phone_verdict v;
	int r;

	memset(&v, 0x5a, sizeof(v));
	r = phone_check(&ph, tvs, kind, nf ? &nf->tl : NULL,
	    newlen ? newlen : nf ? nf->len : 0, &v);
	check_at(r == 0, line, "phone_check returned %d: %s", r,
	    ts_error_detail(r));
	if (r != 0)
		return v;
	check_at(v.accepted == accepted && v.rule == rule, line,
	    "want %s by rule %d, got %s by rule %d: %s",
	    accepted ? "accepted" : "rejected", rule,
	    v.accepted ? "accepted" : "rejected", v.rule, v.reason);
	check_at(memchr(v.reason, '\0', sizeof(v.reason)) != NULL &&
	    strlen(v.reason) > 10, line, "reason is a sentence");
	if (text1 != NULL)
		check_at(strstr(v.reason, text1) != NULL, line,
		    "reason \"%s\" says \"%s\"", v.reason, text1);
	if (text2 != NULL)
		check_at(strstr(v.reason, text2) != NULL, line,
		    "reason \"%s\" says \"%s\"", v.reason, text2);
	return v;
}

#define ACCEPT(itl, ctl, tvs, kind, nf, rule, t1, t2) \
	verdict_at(__LINE__, itl, ctl, tvs, kind, nf, 0, 1, rule, t1, t2)
#define REJECT(itl, ctl, tvs, kind, nf, rule, t1, t2) \
	verdict_at(__LINE__, itl, ctl, tvs, kind, nf, 0, 0, rule, t1, t2)

static void
assert_mentions(const struct phone_verdict *v, const X509 *x, unsigned line)
{
	char s[96];

	serial_of(x, s, sizeof(s));
	check_at(s[0] != '\0' && strstr(v->reason, s) != NULL, line,
	    "reason \"%s\" names serial %s", v->reason, s);
}

#define MENTIONS(v, x) assert_mentions(&(v), x, __LINE__)

/* The usual ITL of the cluster before any change. */
#define ITL_A() ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST }, \
	{ c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP }, \
	{ c_tvs1, TL_ROLE_TVS }, { c_capf, TL_ROLE_CAPF })

/* ---- 1. first ITL ---- */

static void
test_first_itl(void)
{
	struct tfile a = ITL_A();
	struct tfile x = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	struct tfile s = SGN(c_evil, k_evil);

	ACCEPT(NULL, NULL, NULL, PHONE_NEW_ITL, &a, 1, "rule 1",
	    "no ITL and no CTL");
	ACCEPT(NULL, NULL, NULL, PHONE_NEW_CTL, &x, 1, "first CTL", NULL);
	ACCEPT(NULL, NULL, NULL, PHONE_NEW_SGN, &s, 1, "configuration file",
	    NULL);
	ACCEPT(NULL, NULL, NULL, PHONE_NEW_UNSIGNED, NULL, 1, "rule 1", NULL);
	/* once it holds the ITL, the same file is checked against it */
	ACCEPT(&a.tl, NULL, NULL, PHONE_NEW_ITL, &a, 3, "as SAST", NULL);
	tfile_free(&a);
	tfile_free(&x);
	tfile_free(&s);
}

/* ---- 2. ITLRecovery regenerated, non-secure cluster ---- */

static void
test_itlrecovery_nonsecure(void)
{
	/* step 1: every phone holds the current ITL */
	struct tfile a = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs1, TL_ROLE_TVS });
	/* the ITL re-signed by the new ITLRecovery straight away */
	struct tfile b = ITL(c_rec2, k_rec2, { c_rec2, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs1, TL_ROLE_TVS });
	/* step 3: utils itl reset localkey */
	struct tfile c = ITL(c_cm1, k_cm1, { c_rec2, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs1, TL_ROLE_TVS });
	/* an ITL without the CallManager's secondary SAST record */
	struct tfile a2 = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP }, { c_tvs1, TL_ROLE_TVS });
	X509 *servers[] = { c_tvs1 };
	struct tvs_entry old_store[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs1, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_entry new_store[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_rec2, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs1, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_store s_old = { old_store, NELEM(old_store), servers, 1 };
	struct tvs_store s_new = { new_store, NELEM(new_store), servers, 1 };
	struct phone_verdict v;

	/* skipping the localkey step strands the phones */
	v = REJECT(&a.tl, NULL, &s_old, PHONE_NEW_ITL, &b, 4,
	    "rule 3: the signer CN=ITLRECOVERY_cucm-pub.example.com",
	    "is not in the phone's ITL");
	CHECK(strstr(v.reason, "rule 4: TVS does not vouch for the signer: it "
	    "is not in the TVS trust store") != NULL,
	    "rule 4 failure in \"%s\"", v.reason);
	MENTIONS(v, c_rec2);
	/* unless TVS knows the new ITLRecovery */
	v = ACCEPT(&a.tl, NULL, &s_new, PHONE_NEW_ITL, &b, 4,
	    "TVS vouches for CN=ITLRECOVERY_cucm-pub.example.com", "as SAST");
	MENTIONS(v, c_rec2);
	MENTIONS(v, c_tvs1);

	/* steps 3-4: the localkey ITL is accepted by the CallManager SAST */
	v = ACCEPT(&a.tl, NULL, &s_old, PHONE_NEW_ITL, &c, 3, "rule 3",
	    "CN=cucm-pub.example.com");
	CHECK(strstr(v.reason, "as SAST") != NULL, "%s", v.reason);
	MENTIONS(v, c_cm1);
	/* or by the TFTP role of the phone's ITL (localkey reset) */
	v = ACCEPT(&a2.tl, NULL, &s_old, PHONE_NEW_ITL, &c, 3, "as CCM+TFTP",
	    "localkey");

	/* steps 5-6: phones now holding the localkey ITL accept the ITL
	 * signed by the new ITLRecovery, without TVS */
	v = ACCEPT(&c.tl, NULL, NULL, PHONE_NEW_ITL, &b, 3, "as SAST",
	    "ITLRECOVERY_cucm-pub.example.com");
	MENTIONS(v, c_rec2);
	/* and a phone that missed the localkey ITL is still stranded */
	REJECT(&a.tl, NULL, &s_old, PHONE_NEW_ITL, &b, 4, "rule 3", "rule 4");

	tfile_free(&a);
	tfile_free(&b);
	tfile_free(&c);
	tfile_free(&a2);
}

/* ---- 3. ITLRecovery regenerated, secure cluster (CTL) ---- */

static void
test_itlrecovery_secure(void)
{
	struct tfile a = ITL_A();
	struct tfile x = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	/* step 4: utils ctl reset localkey */
	struct tfile y = CTL(c_cm1, k_cm1, { c_rec2, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	/* step 6: utils ctl update CTLFile */
	struct tfile z = CTL(c_rec2, k_rec2, { c_rec2, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	struct tfile evil = CTL(c_evil, k_evil, { c_evil, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP });
	/* a CTL whose CallManager record is only CCM+TFTP */
	struct tfile x2 = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP });
	struct tfile s_cm = SGN(c_cm1, k_cm1);
	struct tfile s_rec = SGN(c_rec1, k_rec1);
	X509 *servers[] = { c_tvs1 };
	struct tvs_entry store[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs1, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_store s = { store, NELEM(store), servers, 1 };
	struct phone_verdict v;

	v = ACCEPT(&a.tl, &x.tl, &s, PHONE_NEW_CTL, &y, 2,
	    "rule 2: the new CTL is signed by CN=cucm-pub.example.com",
	    "phone's CTL holds as SAST");
	MENTIONS(v, c_cm1);
	/* steps 5-7: phones holding the localkey CTL take the new one */
	v = ACCEPT(&a.tl, &y.tl, &s, PHONE_NEW_CTL, &z, 2, "rule 2",
	    "ITLRECOVERY_cucm-pub.example.com");
	MENTIONS(v, c_rec2);
	/* phones that missed step 4 cannot */
	v = REJECT(&a.tl, &x.tl, &s, PHONE_NEW_CTL, &z, 4,
	    "rule 2: the signer", "is not in the phone's CTL");
	CHECK(strstr(v.reason, "not in the TVS trust store") != NULL, "%s",
	    v.reason);
	/* a CTL signed by an unknown key */
	v = REJECT(&a.tl, &x.tl, &s, PHONE_NEW_CTL, &evil, 4,
	    "CN=ITLRECOVERY_evil.example.net", "is not in the phone's CTL");
	CHECK(strstr(v.reason, "rule 3:") != NULL &&
	    strstr(v.reason, "rule 4:") != NULL, "%s", v.reason);
	MENTIONS(v, c_evil);
	/* a CTL-only phone cannot fall back on an ITL or TVS */
	REJECT(NULL, &x.tl, &s, PHONE_NEW_CTL, &evil, 2,
	    "not in the phone's CTL", "holds no ITL");
	/* a CTL needs a SAST signer, CCM+TFTP is not enough */
	REJECT(NULL, &x2.tl, NULL, PHONE_NEW_CTL, &y, 2, "only as CCM+TFTP",
	    "may not sign a CTL");
	/* the CTL authenticates the ITL and configuration files */
	ACCEPT(NULL, &x.tl, NULL, PHONE_NEW_ITL, &a, 2, "rule 2: the new ITL",
	    "as SAST");
	ACCEPT(NULL, &x2.tl, NULL, PHONE_NEW_SGN, &s_cm, 2, "as CCM+TFTP",
	    NULL);
	REJECT(NULL, &x.tl, NULL, PHONE_NEW_SGN, &s_rec, 6, "only as SAST",
	    "may not sign a configuration file");

	tfile_free(&a);
	tfile_free(&x);
	tfile_free(&y);
	tfile_free(&z);
	tfile_free(&evil);
	tfile_free(&x2);
	tfile_free(&s_cm);
	tfile_free(&s_rec);
}

/* ---- 4. TVS and TFTP regenerated ---- */

static void
test_tvs_and_tftp_regenerated(void)
{
	/* the phone holds a CallManager-signed ITL */
	struct tfile p = ITL(c_cm1, k_cm1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs1, TL_ROLE_TVS });
	/* both regenerated at once, signed by the new CallManager */
	struct tfile q = ITL(c_cm2, k_cm2, { c_rec1, TL_ROLE_SAST },
	    { c_cm2, TL_ROLE_SAST }, { c_cm2, TL_ROLE_CCM_TFTP },
	    { c_tvs2, TL_ROLE_TVS });
	/* TVS first */
	struct tfile r = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs2, TL_ROLE_TVS });
	/* then TFTP */
	struct tfile t = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm2, TL_ROLE_SAST }, { c_cm2, TL_ROLE_CCM_TFTP },
	    { c_tvs2, TL_ROLE_TVS });
	struct tfile cfg = SGN(c_cm2, k_cm2);
	X509 *new_tvs[] = { c_tvs2 };
	X509 *both_tvs[] = { c_tvs2, c_tvs1 };
	struct tvs_entry without_cm2[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs2, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_entry with_cm2[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm2, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs2, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_store s_no = { without_cm2, NELEM(without_cm2), new_tvs, 1 };
	struct tvs_store s_cm2 = { with_cm2, NELEM(with_cm2), new_tvs, 1 };
	struct tvs_store s_two = { with_cm2, NELEM(with_cm2), both_tvs, 2 };
	struct phone_verdict v;

	/* the wrong order: TVS presents a certificate the phone lacks */
	v = REJECT(&p.tl, NULL, &s_cm2, PHONE_NEW_ITL, &q, 4,
	    "is not the one in the phone's ITL",
	    "TLS connection to TVS fails");
	CHECK(strstr(v.reason, "rule 3: the signer CN=cucm-pub.example.com")
	    != NULL, "%s", v.reason);
	MENTIONS(v, c_tvs2);
	MENTIONS(v, c_tvs1);
	MENTIONS(v, c_cm2);
	/* the same, with a second TVS node still presenting the old one */
	ACCEPT(&p.tl, NULL, &s_two, PHONE_NEW_ITL, &q, 4, "TVS vouches",
	    "as SAST");

	/* the right order: TVS first, signed by the unchanged ITLRecovery */
	v = ACCEPT(&p.tl, NULL, &s_cm2, PHONE_NEW_ITL, &r, 3, "as SAST",
	    "ITLRECOVERY");
	MENTIONS(v, c_rec1);
	/* then TFTP */
	ACCEPT(&r.tl, NULL, &s_cm2, PHONE_NEW_ITL, &t, 3, "as SAST", NULL);

	/* configuration files signed by the new CallManager */
	v = REJECT(&r.tl, NULL, &s_no, PHONE_NEW_SGN, &cfg, 6,
	    "rule 6: the signer CN=cucm-pub.example.com",
	    "not in the TVS trust store");
	MENTIONS(v, c_cm2);
	v = ACCEPT(&r.tl, NULL, &s_cm2, PHONE_NEW_SGN, &cfg, 4,
	    "TVS vouches for CN=cucm-pub.example.com", "as CCM+TFTP");
	MENTIONS(v, c_cm2);
	REJECT(&p.tl, NULL, &s_cm2, PHONE_NEW_SGN, &cfg, 6,
	    "TLS connection to TVS fails", NULL);
	ACCEPT(&t.tl, NULL, NULL, PHONE_NEW_SGN, &cfg, 6,
	    "rule 6: the signed configuration file is signed by",
	    "as CCM+TFTP");

	/* no TVS reachable at all */
	REJECT(&p.tl, NULL, NULL, PHONE_NEW_ITL, &q, 4,
	    "no TVS service presents a certificate", NULL);

	tfile_free(&p);
	tfile_free(&q);
	tfile_free(&r);
	tfile_free(&t);
	tfile_free(&cfg);
}

/* ---- 5. rollback ITL ---- */

static void
test_rollback(void)
{
	struct tfile rb = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { NULL, TL_ROLE_CCM_TFTP },
	    { NULL, TL_ROLE_TVS });
	struct tfile a = ITL_A();
	struct tfile x = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	struct tfile other = ITL(c_evil, k_evil, { c_evil, TL_ROLE_SAST },
	    { c_cm2, TL_ROLE_CCM_TFTP }, { c_tvs2, TL_ROLE_TVS });
	struct tfile other_ctl = CTL(c_evil, k_evil, { c_evil, TL_ROLE_SAST },
	    { c_cm2, TL_ROLE_CCM_TFTP });
	struct tfile cfg = SGN(c_evil, k_evil);

	CU_ASSERT_TRUE(phone_is_rollback_itl(&rb.tl));
	ACCEPT(&rb.tl, NULL, NULL, PHONE_NEW_ITL, &other, 5, "rollback ITL",
	    "any new ITL");
	ACCEPT(&rb.tl, &x.tl, NULL, PHONE_NEW_ITL, &other, 5, "rule 5", NULL);
	ACCEPT(&rb.tl, NULL, NULL, PHONE_NEW_UNSIGNED, NULL, 5,
	    "signed or not", NULL);
	ACCEPT(&rb.tl, NULL, NULL, PHONE_NEW_SGN, &cfg, 5, "rule 5", NULL);
	/* rule 5 says nothing of CTLs: the SAST records still decide */
	REJECT(&rb.tl, NULL, NULL, PHONE_NEW_CTL, &other_ctl, 4,
	    "not in the phone's ITL", "lists no TVS certificate");
	/* and the phones leave the rollback ITL for the new cluster's */
	ACCEPT(&rb.tl, NULL, NULL, PHONE_NEW_ITL, &a, 5, NULL, NULL);

	REJECT(&a.tl, NULL, NULL, PHONE_NEW_UNSIGNED, NULL, 6,
	    "must be signed by the TFTP role", "an ITL");
	REJECT(NULL, &x.tl, NULL, PHONE_NEW_UNSIGNED, NULL, 6,
	    "must be signed by the TFTP role", "a CTL");

	tfile_free(&rb);
	tfile_free(&a);
	tfile_free(&x);
	tfile_free(&other);
	tfile_free(&other_ctl);
	tfile_free(&cfg);
}

/* ---- 6. signed configuration files ---- */

static void
test_sgn(void)
{
	struct tfile a = ITL_A();
	/* a TFTP-only node: role TFTP, not CCM+TFTP */
	struct tfile a3 = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_TFTP }, { c_tvs1, TL_ROLE_TVS });
	struct tfile by_cm = SGN(c_cm1, k_cm1);
	struct tfile by_capf = SGN(c_capf, k_capf);
	struct tfile by_rec = SGN(c_rec1, k_rec1);
	X509 *servers[] = { c_tvs1 };
	struct tvs_entry store[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs1, { TL_ROLE_TVS }, 1 },
		{ c_capf, { TL_ROLE_CAPF }, 1 },
	};
	struct tvs_store s = { store, NELEM(store), servers, 1 };
	struct phone_verdict v;

	v = ACCEPT(&a.tl, NULL, &s, PHONE_NEW_SGN, &by_cm, 6, "rule 6",
	    "as CCM+TFTP");
	MENTIONS(v, c_cm1);
	ACCEPT(&a3.tl, NULL, NULL, PHONE_NEW_SGN, &by_cm, 6, "as TFTP", NULL);
	v = REJECT(&a.tl, NULL, &s, PHONE_NEW_SGN, &by_capf, 6,
	    "rule 6: the signer CN=CAPF-1a2b3c4d",
	    "only as CAPF, which may not sign a configuration file");
	CHECK(strstr(v.reason, "TVS trust store holds the signer only as "
	    "CAPF") != NULL &&
	    strstr(v.reason, "not as TFTP or CCM+TFTP") != NULL, "%s",
	    v.reason);
	MENTIONS(v, c_capf);
	REJECT(&a.tl, NULL, &s, PHONE_NEW_SGN, &by_rec, 6, "only as SAST",
	    NULL);

	tfile_free(&a);
	tfile_free(&a3);
	tfile_free(&by_cm);
	tfile_free(&by_capf);
	tfile_free(&by_rec);
}

/* ---- 7. forgery ---- */

static void
test_forgery(void)
{
	struct tfile a = ITL_A();
	struct tfile x = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	/* names ITLRecovery, signed by another key */
	struct tfile f1 = ITL(c_rec1, k_evil, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP }, { c_tvs1, TL_ROLE_TVS });
	/* self-consistent: its own SAST record has ITLRecovery's serial and
	 * issuer over the forger's key */
	struct tfile f2 = ITL(c_fake_rec1, k_evil, { c_fake_rec1,
	    TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP },
	    { c_tvs1, TL_ROLE_TVS });
	struct tfile f3 = CTL(c_fake_rec1, k_evil, { c_fake_rec1,
	    TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP });
	struct tfile f4 = SGN(c_cm1, k_evil);
	X509 *servers[] = { c_tvs1 };
	struct tvs_entry store[] = {
		{ c_rec1, { TL_ROLE_SAST }, 1 },
		{ c_cm1, { TL_ROLE_SAST, TL_ROLE_CCM_TFTP }, 2 },
		{ c_tvs1, { TL_ROLE_TVS }, 1 },
	};
	struct tvs_store s = { store, NELEM(store), servers, 1 };
	struct phone_verdict v;

	v = REJECT(&a.tl, NULL, &s, PHONE_NEW_ITL, &f1, 4,
	    "the signature does not verify with the key the phone holds",
	    "forgery");
	CHECK(strstr(v.reason, "does not verify with the certificate the TVS "
	    "trust store holds") != NULL, "%s", v.reason);
	MENTIONS(v, c_rec1);

	CU_ASSERT_EQUAL(tl_verify(&f2.tl, NULL), 0);
	REJECT(&a.tl, NULL, &s, PHONE_NEW_ITL, &f2, 4, "does not verify",
	    "forgery");
	v = REJECT(&a.tl, &x.tl, &s, PHONE_NEW_CTL, &f3, 4,
	    "rule 2: the signer CN=ITLRECOVERY_cucm-pub.example.com",
	    "does not verify");
	CHECK(strstr(v.reason, "phone's CTL as SAST") != NULL, "%s", v.reason);
	REJECT(&a.tl, NULL, &s, PHONE_NEW_SGN, &f4, 6, "does not verify",
	    "as CCM+TFTP");

	tfile_free(&a);
	tfile_free(&x);
	tfile_free(&f1);
	tfile_free(&f2);
	tfile_free(&f3);
	tfile_free(&f4);
}

/* ---- 8. 64 KB ---- */

static void
test_size_limit(void)
{
	struct tfile a = ITL_A();
	struct tfile rb = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { NULL, TL_ROLE_CCM_TFTP }, { NULL, TL_ROLE_TVS });
	struct tfile x = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP });

	verdict_at(__LINE__, NULL, NULL, NULL, PHONE_NEW_ITL, &a, 65536, 0, 7,
	    "rule 7: the new ITL is 65,536 bytes", "65,535");
	verdict_at(__LINE__, &rb.tl, NULL, NULL, PHONE_NEW_ITL, &a, 65536, 0,
	    7, "does not load", NULL);
	verdict_at(__LINE__, NULL, NULL, NULL, PHONE_NEW_CTL, &x, 70000, 0, 7,
	    "70,000", NULL);
	verdict_at(__LINE__, NULL, NULL, NULL, PHONE_NEW_ITL, &a, 65535, 1, 1,
	    NULL, NULL);

	tfile_free(&a);
	tfile_free(&rb);
	tfile_free(&x);
}

/* ---- 9. rollback detection ---- */

static void
test_is_rollback(void)
{
	struct tfile rb = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_SAST }, { NULL, TL_ROLE_CCM_TFTP },
	    { NULL, TL_ROLE_TVS }, { NULL, TL_ROLE_TVS });
	struct tfile rb_tftp = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { NULL, TL_ROLE_TFTP }, { NULL, TL_ROLE_TVS });
	struct tfile a = ITL_A();
	/* one TVS section still filled */
	struct tfile half = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { NULL, TL_ROLE_CCM_TFTP }, { NULL, TL_ROLE_TVS },
	    { c_tvs1, TL_ROLE_TVS });
	/* TVS empty, TFTP filled */
	struct tfile tvs_only = ITL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { c_cm1, TL_ROLE_CCM_TFTP }, { NULL, TL_ROLE_TVS });
	/* a non-secure-mode CTL: certless CCM+TFTP, no TVS section */
	struct tfile nsctl = CTL(c_rec1, k_rec1, { c_rec1, TL_ROLE_SAST },
	    { NULL, TL_ROLE_CCM_TFTP });
	struct tfile cfg = SGN(c_cm1, k_cm1);

	CU_ASSERT_TRUE(phone_is_rollback_itl(&rb.tl));
	CU_ASSERT_TRUE(phone_is_rollback_itl(&rb_tftp.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(&a.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(&half.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(&tvs_only.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(&nsctl.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(&cfg.tl));
	CU_ASSERT_FALSE(phone_is_rollback_itl(NULL));
	/* a half-emptied ITL gets no rule 5 */
	REJECT(&half.tl, NULL, NULL, PHONE_NEW_UNSIGNED, NULL, 6, "rule 6",
	    NULL);

	tfile_free(&rb);
	tfile_free(&rb_tftp);
	tfile_free(&a);
	tfile_free(&half);
	tfile_free(&tvs_only);
	tfile_free(&nsctl);
	tfile_free(&cfg);
}

/* ---- header signer matching ---- */

static void
test_signer_names(void)
{
	struct tfile a = ITL_A();
	struct certbits rb;
	struct filespec fs = { .filename = "ITLFile.tlv", .signer = c_rec1,
		.key = k_rec1, .recs = (const struct rec[]){
		{ c_rec1, TL_ROLE_SAST }, { c_cm1, TL_ROLE_CCM_TFTP } },
		.n = 2 };
	struct tfile comma, zero, other;
	uint8_t serial[64];
	char issuer[512];
	size_t k = 0;
	const char *p;

	CU_ASSERT_EQUAL_FATAL(certbits_get(c_rec1, &rb), 0);
	CU_ASSERT_FATAL(rb.serial_len + 1 <= sizeof(serial));
	/* the issuer joined by ", " as a third party writes it */
	for (p = rb.issuer; *p != '\0' && k + 3 < sizeof(issuer); p++) {
		if (*p == ';') {
			issuer[k++] = ',';
			issuer[k++] = ' ';
		} else {
			issuer[k++] = *p;
		}
	}
	issuer[k] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strchr(issuer, ','));
	fs.issuer = issuer;
	CU_ASSERT_EQUAL_FATAL(make_file(&fs, &comma), 0);
	ACCEPT(&a.tl, NULL, NULL, PHONE_NEW_ITL, &comma, 3, "as SAST", NULL);

	/* a serial written with a leading zero byte */
	fs.issuer = NULL;
	serial[0] = 0;
	memcpy(serial + 1, rb.serial, rb.serial_len);
	fs.serial = serial;
	fs.serial_len = rb.serial_len + 1;
	CU_ASSERT_EQUAL_FATAL(make_file(&fs, &zero), 0);
	ACCEPT(&a.tl, NULL, NULL, PHONE_NEW_ITL, &zero, 3, "as SAST", NULL);

	/* the right serial under another issuer is somebody else */
	fs.serial = NULL;
	fs.serial_len = 0;
	fs.issuer = "CN=ITLRECOVERY_cucm-pub.example.com;OU=Other;O=Example";
	CU_ASSERT_EQUAL_FATAL(make_file(&fs, &other), 0);
	REJECT(&a.tl, NULL, NULL, PHONE_NEW_ITL, &other, 4,
	    "is not in the phone's ITL", NULL);

	certbits_free(&rb);
	tfile_free(&a);
	tfile_free(&comma);
	tfile_free(&zero);
	tfile_free(&other);
}

/* ---- arguments ---- */

static void
test_bad_arguments(void)
{
	struct tfile a = ITL_A();
	struct phone ph = { &a.tl, NULL };
	struct phone_verdict v;
	struct tvs_entry bad[] = { { NULL, { 0 }, 0 } };
	struct tvs_store s = { bad, 1, NULL, 0 };
	struct tvs_store s2 = { NULL, 2, NULL, 0 };

	CU_ASSERT_EQUAL(phone_check(NULL, NULL, PHONE_NEW_ITL, &a.tl, a.len,
	    &v), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, NULL, PHONE_NEW_ITL, &a.tl, a.len,
	    NULL), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, NULL, PHONE_NEW_ITL, NULL, 0, &v),
	    TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, NULL, PHONE_NEW_SGN, NULL, 0, &v),
	    TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, NULL, (enum phone_new_kind)42,
	    &a.tl, a.len, &v), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, &s, PHONE_NEW_ITL, &a.tl, a.len,
	    &v), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, &s2, PHONE_NEW_ITL, &a.tl, a.len,
	    &v), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(phone_check(&ph, NULL, PHONE_NEW_UNSIGNED, NULL, 0,
	    &v), 0);
	tfile_free(&a);
}

static const struct cutap_test tests[] = {
	{ "1 first ITL (rule 1)", test_first_itl },
	{ "2 ITLRecovery regenerated, non-secure cluster",
	  test_itlrecovery_nonsecure },
	{ "3 ITLRecovery regenerated, secure cluster (CTL)",
	  test_itlrecovery_secure },
	{ "4 TVS and TFTP regenerated", test_tvs_and_tftp_regenerated },
	{ "5 rollback ITL (rule 5)", test_rollback },
	{ "6 signed configuration files (rule 6)", test_sgn },
	{ "7 forgery", test_forgery },
	{ "8 64 KB (rule 7)", test_size_limit },
	{ "9 phone_is_rollback_itl", test_is_rollback },
	{ "header signer matching", test_signer_names },
	{ "bad arguments", test_bad_arguments },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "phone", .init = init_suite, .clean = clean_suite }, tests,
	    CUTAP_N(tests));
}
