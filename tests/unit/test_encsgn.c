/* test_encsgn.c - .enc.sgn header block (format/encsgn) and encrypted
 * phone configuration (x509/confenc). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cutap.h"
#include "format/buf.h"
#include "format/encsgn.h"
#include "format/trustlist.h"
#include "util/error.h"
#include "x509/confenc.h"

#define ASSERT_DETAIL(code, text) \
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(code), (text)))

#define TFTP_DN "CN=cucm-pub.example.com;OU=Voice;O=Example;C=NZ"
#define ENC_NAME "SEP001122334455.cnf.xml.enc.sgn"
#define WRONG_KEY "this file was not encrypted for this phone's key"

static EVP_PKEY *phone_key, *wrong_key, *tftp_key, *ec_key;
static X509 *phone_cert, *ec_cert;

static const uint8_t tftp_serial[] = { 0x61, 0x02, 0x03, 0x04, 0x05 };
static const size_t lengths[] = { 0, 1, 15, 16, 17, 1000 };
#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 8));
}

static X509 *
make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x;
	X509_NAME *nm;

	if ((x = X509_new()) == NULL)
		return NULL;
	nm = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) ||
	    !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, nm) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) == NULL ||
	    !X509_set_pubkey(x, key) || !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
init_suite(void)
{
	phone_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	wrong_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	tftp_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (phone_key == NULL || wrong_key == NULL || tftp_key == NULL ||
	    ec_key == NULL)
		return 1;
	phone_cert = make_cert(phone_key, "CP-8845-SEP001122334455");
	ec_cert = make_cert(ec_key, "CP-8845-SEP00112233EC00");
	return phone_cert == NULL || ec_cert == NULL;
}

static int
clean_suite(void)
{
	EVP_PKEY_free(phone_key);
	EVP_PKEY_free(wrong_key);
	EVP_PKEY_free(tftp_key);
	EVP_PKEY_free(ec_key);
	X509_free(phone_cert);
	X509_free(ec_cert);
	return 0;
}

static struct trustlist_spec
enc_spec(const uint8_t *extra, size_t extra_len, const uint8_t *payload,
    size_t payload_len)
{
	struct trustlist_spec s;

	memset(&s, 0, sizeof(s));
	s.ver_major = 2;
	s.ver_minor = 0;
	s.signer_name = TFTP_DN;
	s.signer_issuer = TFTP_DN;
	s.signer_serial = tftp_serial;
	s.signer_serial_len = sizeof(tftp_serial);
	s.hash_alg = TL_HASH_SHA1;
	s.sig_len = 256;
	s.filename = ENC_NAME;
	s.timestamp = 1764412706;
	s.payload = payload;
	s.payload_len = payload_len;
	s.extra_header = extra;
	s.extra_header_len = extra_len;
	return s;
}

/* Encode spec and sign it with the software TFTP key (SHA-1, RSA). */
static int
encode_and_sign(const struct trustlist_spec *s, uint8_t **file,
    size_t *flen)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t *u = NULL, sig[256];
	size_t ulen, at, slen = sizeof(sig);
	int r;

	*file = NULL;
	if ((r = trustlist_encode(s, &u, &ulen, &at)) != 0)
		return r;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha1(), NULL, tftp_key) != 1 ||
	    EVP_DigestSign(ctx, sig, &slen, u, ulen) != 1 || slen != 256)
		r = TS_ERR_CRYPTO;
	else
		r = trustlist_set_signature(u, ulen, at, sig, slen, file, flen);
	EVP_MD_CTX_free(ctx);
	free(u);
	return r;
}

/* A complete .enc.sgn of plain, encrypted for cert; *info_out (optional)
 * gets the pad count and key size the encryption chose. */
static int
build_encsgn(const uint8_t *plain, size_t len, X509 *cert, uint8_t alg,
    uint8_t **file, size_t *flen, struct encsgn_info *info_out)
{
	struct encsgn_info info;
	struct trustlist_spec s;
	uint8_t *kb = NULL, *ct = NULL, *extra = NULL;
	size_t clen, elen;
	int r;

	*file = NULL;
	if ((r = confenc_encrypt(plain, len, cert, alg, &info, &kb, &ct,
	    &clen)) != 0)
		return r;
	if ((r = encsgn_encode_info(&info, &extra, &elen)) == 0) {
		s = enc_spec(extra, elen, ct, clen);
		r = encode_and_sign(&s, file, flen);
	}
	if (info_out != NULL) {
		*info_out = info;
		info_out->enc_key = NULL;
		info_out->digest = NULL;
	}
	free(kb);
	free(ct);
	free(extra);
	return r;
}

/* Parse, read the info block and decrypt with key. */
static int
open_encsgn(const uint8_t *file, size_t flen, EVP_PKEY *key,
    uint8_t **plain, size_t *plen)
{
	struct trustlist tl;
	struct encsgn_info info;
	const uint8_t *ct;
	size_t clen;
	int r;

	*plain = NULL;
	*plen = 0;
	if ((r = trustlist_parse(file, flen, &tl)) != 0)
		return r;
	if ((r = encsgn_parse_info(&tl, &info)) == 0 &&
	    (r = encsgn_ciphertext(&tl, &ct, &clen)) == 0)
		r = confenc_decrypt(&info, ct, clen, key, plain, plen);
	trustlist_free(&tl);
	return r;
}

/* ---- the header block ---- */

static const uint8_t kat_iv[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	12, 13, 14, 15 };
static const uint8_t kat_key[4] = { 0xAA, 0xBB, 0xCC, 0xDD };
static const uint8_t kat_digest[20] = { 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11 };

static const uint8_t kat_block[] = {
	0x10, 0x00, 0x36,                 /* 16: 31 + 23 bytes */
	0x11, 0x00, 0x1C,                 /* 17: 4 + 19 + 5 bytes */
	0x12, 0x00, 0x01, 0x00,           /* 18: IV type 0 */
	0x13, 0x00, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15,                               /* 19: IV */
	0x14, 0x00, 0x02, 0x00, 0x05,     /* 20: 5 padding bytes */
	0x15, 0x00, 0x14,                 /* 21: 4 + 5 + 4 + 7 bytes */
	0x16, 0x00, 0x01, 0x00,           /* 22: key type 0 */
	0x17, 0x00, 0x02, 0x00, 0x20,     /* 23: 32 bits */
	0x18, 0x00, 0x01, 0x01,           /* 24: AES */
	0x19, 0x00, 0x04, 0xAA, 0xBB, 0xCC, 0xDD, /* 25: encrypted key */
	0x1A, 0x00, 0x01, 0x01,           /* 26: SHA-1 */
	0x1B, 0x00, 0x14, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11,                             /* 27: digest */
};

static struct encsgn_info
kat_info(void)
{
	struct encsgn_info in;

	memset(&in, 0, sizeof(in));
	memcpy(in.iv, kat_iv, sizeof(in.iv));
	in.pad_count = 5;
	in.key_bits = 32;
	in.enc_key = kat_key;
	in.enc_key_len = sizeof(kat_key);
	in.digest_alg = TL_HASH_SHA1;
	in.digest = kat_digest;
	in.digest_len = sizeof(kat_digest);
	return in;
}

/* A file around an already encoded block, with a fake signature. */
static int
fake_signed(const uint8_t *extra, size_t elen, uint8_t vmajor,
    uint8_t vminor, uint8_t **file, size_t *flen)
{
	static const uint8_t ct[32] = { 1 };
	static uint8_t sig[256];
	struct trustlist_spec s = enc_spec(extra, elen, ct, sizeof(ct));
	uint8_t *u = NULL;
	size_t ulen, at;
	int r;

	s.ver_major = vmajor;
	s.ver_minor = vminor;
	fill(sig, sizeof(sig), 9);
	if ((r = trustlist_encode(&s, &u, &ulen, &at)) != 0)
		return r;
	r = trustlist_set_signature(u, ulen, at, sig, sizeof(sig), file,
	    flen);
	free(u);
	return r;
}

static void
test_info_roundtrip(void)
{
	struct encsgn_info in = kat_info(), out;
	struct trustlist tl;
	uint8_t *blk = NULL, *f = NULL, sha512[64];
	size_t blen, flen;

	CU_ASSERT_EQUAL_FATAL(encsgn_encode_info(&in, &blk, &blen), 0);
	CU_ASSERT_EQUAL(blen, sizeof(kat_block));
	CU_ASSERT(blen == sizeof(kat_block) &&
	    memcmp(blk, kat_block, blen) == 0);
	CU_ASSERT_EQUAL_FATAL(fake_signed(blk, blen, 2, 0, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_parse_info(&tl, &out), 0);
	CU_ASSERT_EQUAL(memcmp(out.iv, kat_iv, 16), 0);
	CU_ASSERT_EQUAL(out.pad_count, 5);
	CU_ASSERT_EQUAL(out.key_bits, 32);
	CU_ASSERT_EQUAL(out.enc_key_len, 4);
	CU_ASSERT(out.enc_key > f && out.enc_key + 4 <= f + flen);
	CU_ASSERT_EQUAL(memcmp(out.enc_key, kat_key, 4), 0);
	CU_ASSERT_EQUAL(out.digest_alg, TL_HASH_SHA1);
	CU_ASSERT_EQUAL(out.digest_len, 20);
	CU_ASSERT(out.digest > f && out.digest + 20 <= f + flen);
	CU_ASSERT_EQUAL(memcmp(out.digest, kat_digest, 20), 0);
	trustlist_free(&tl);
	free(f);
	free(blk);

	/* SHA-512: a 64-byte digest, code 3 */
	fill(sha512, sizeof(sha512), 3);
	in.digest_alg = TL_HASH_SHA512;
	in.digest = sha512;
	in.digest_len = sizeof(sha512);
	in.pad_count = 16;
	CU_ASSERT_EQUAL_FATAL(encsgn_encode_info(&in, &blk, &blen), 0);
	CU_ASSERT_EQUAL(blen, sizeof(kat_block) + 44);
	CU_ASSERT_EQUAL_FATAL(fake_signed(blk, blen, 2, 0, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_parse_info(&tl, &out), 0);
	CU_ASSERT_EQUAL(out.digest_alg, TL_HASH_SHA512);
	CU_ASSERT_EQUAL(out.pad_count, 16);
	CU_ASSERT(out.digest_len == 64 && memcmp(out.digest, sha512, 64) == 0);
	trustlist_free(&tl);
	free(f);
	free(blk);
}

static void
test_info_encode_refused(void)
{
	struct encsgn_info in;
	struct trustlist_spec s;
	uint8_t *blk = (uint8_t *)"x", *u = NULL;
	size_t blen = 1, ulen, at;

#define REFUSE(field, value, text) do { \
		in = kat_info(); \
		in.field = value; \
		CU_ASSERT_EQUAL(encsgn_encode_info(&in, &blk, &blen), \
		    TS_ERR_INVALID); \
		ASSERT_DETAIL(TS_ERR_INVALID, text); \
		CU_ASSERT_PTR_NULL(blk); \
		CU_ASSERT_EQUAL(blen, 0); \
	} while (0)
	REFUSE(digest_alg, TL_HASH_SHA256, "code 2");
	REFUSE(digest_alg, 0, "code 0");
	REFUSE(digest_len, 19, "20 bytes, not 19");
	REFUSE(digest, NULL, "20 bytes, not 0");
	REFUSE(enc_key, NULL, "no encrypted key");
	REFUSE(enc_key_len, 0, "no encrypted key");
	REFUSE(key_bits, 2048, "2048 bits");
	REFUSE(pad_count, 0, "padding count 0");
	REFUSE(pad_count, 17, "padding count 17");
#undef REFUSE

	/* extra header bytes announced but missing */
	s = enc_spec(NULL, 4, (const uint8_t *)"", 0);
	CU_ASSERT_EQUAL(trustlist_encode(&s, &u, &ulen, &at), TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "4 extra header bytes");
	CU_ASSERT_PTR_NULL(u);
}

/* ---- the whole file ---- */

static const uint8_t expected_order[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27 };

static void
test_header_order(void)
{
	struct trustlist tl;
	const struct trustlist_header *h;
	uint8_t plain[40], *f = NULL;
	size_t flen, i, end;

	fill(plain, sizeof(plain), 1);
	CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, sizeof(plain), phone_cert,
	    TL_HASH_SHA1, &f, &flen, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	h = &tl.hdr;
	CU_ASSERT_EQUAL(h->ver_major, 2);
	CU_ASSERT_EQUAL(h->ver_minor, 0);
	CU_ASSERT_EQUAL(tl.nrecords, 0);
	CU_ASSERT_EQUAL_FATAL(h->nelems, sizeof(expected_order));
	for (i = 0; i < h->nelems; i++)
		CU_ASSERT_EQUAL(h->elems[i].tag, expected_order[i]);
	/* the first bytes pin VERSION 2.0 and HEADER_LENGTH */
	CU_ASSERT(f[0] == 1 && f[1] == 0 && f[2] == 2 && f[3] == 2 &&
	    f[4] == 0);
	CU_ASSERT(f[5] == 2 && f[6] == 0 && f[7] == 2);
	CU_ASSERT_EQUAL((f[8] << 8) | f[9], h->header_length);

	/* containers: 16 = 17 + 21, 17 = 18 + 19 + 20, 21 = 22 .. 25 */
#define ELEN(k) (3u + h->elems[k].len)
	CU_ASSERT_EQUAL(h->elems[14].len, ELEN(15) + ELEN(19));
	CU_ASSERT_EQUAL(h->elems[15].len, ELEN(16) + ELEN(17) + ELEN(18));
	CU_ASSERT_EQUAL(h->elems[19].len,
	    ELEN(20) + ELEN(21) + ELEN(22) + ELEN(23));
	/* the block follows TIMESTAMP directly, and each child its parent */
	for (i = 14; i < h->nelems; i++)
		CU_ASSERT_EQUAL(h->elems[i].off, h->elems[i - 1].off +
		    (h->elems[i - 1].tag == 16 || h->elems[i - 1].tag == 17 ||
		    h->elems[i - 1].tag == 21 ? 3u : ELEN(i - 1)));
	CU_ASSERT_EQUAL(h->elems[18].len, 2);  /* pad count */
	CU_ASSERT_EQUAL(h->elems[21].len, 2);  /* key bits */
	CU_ASSERT_EQUAL(h->elems[23].len, 256); /* 2048-bit RSA */
#undef ELEN

	/* padding (0x0D) from the end of tag 27 up to HEADER_LENGTH, a
	 * multiple of 4; the ciphertext follows */
	end = h->elems[h->nelems - 1].off + 3 + h->elems[h->nelems - 1].len;
	CU_ASSERT_EQUAL(h->header_length % 4, 0);
	CU_ASSERT_EQUAL(h->npadding, h->header_length - end);
	CU_ASSERT(h->npadding < 4);
	for (i = end; i < h->header_length; i++)
		CU_ASSERT_EQUAL(f[i], 0x0D);
	CU_ASSERT_EQUAL(flen - h->header_length, 48);
	trustlist_free(&tl);
	free(f);
}

/* Decrypt independently of confenc_decrypt: pins the padding bytes. */
static void
check_raw_decrypt(const uint8_t *f, size_t flen, const uint8_t *plain,
    size_t len)
{
	struct trustlist tl;
	struct encsgn_info info;
	EVP_PKEY_CTX *pctx;
	EVP_CIPHER_CTX *cctx;
	const uint8_t *ct;
	uint8_t key[512], *out;
	size_t klen = sizeof(key), clen, i;
	int a = 0, b = 0;

	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_parse_info(&tl, &info), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_ciphertext(&tl, &ct, &clen), 0);
	pctx = EVP_PKEY_CTX_new(phone_key, NULL);
	CU_ASSERT_FATAL(pctx != NULL && EVP_PKEY_decrypt_init(pctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_decrypt(pctx, key, &klen, info.enc_key,
	    info.enc_key_len) == 1);
	EVP_PKEY_CTX_free(pctx);
	CU_ASSERT_EQUAL_FATAL(klen, 16);
	out = malloc(clen + 16);
	cctx = EVP_CIPHER_CTX_new();
	CU_ASSERT_FATAL(out != NULL && cctx != NULL &&
	    EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key,
	    info.iv) == 1 && EVP_CIPHER_CTX_set_padding(cctx, 0) == 1 &&
	    EVP_DecryptUpdate(cctx, out, &a, ct, (int)clen) == 1 &&
	    EVP_DecryptFinal_ex(cctx, out + a, &b) == 1);
	EVP_CIPHER_CTX_free(cctx);
	CU_ASSERT_EQUAL((size_t)(a + b), clen);
	CU_ASSERT_EQUAL(clen, len + info.pad_count);
	CU_ASSERT(len == 0 || memcmp(out, plain, len) == 0);
	for (i = len; i < clen; i++)
		CU_ASSERT_EQUAL(out[i], 0x0D);
	free(out);
	trustlist_free(&tl);
}

/* The signature covers header and ciphertext, with the TFTP key. */
static void
check_signature(const uint8_t *f, size_t flen)
{
	struct trustlist tl;
	EVP_MD_CTX *ctx;
	uint8_t *sb = NULL;
	size_t sblen;

	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_signed_bytes(&tl, &sb, &sblen), 0);
	ctx = EVP_MD_CTX_new();
	CU_ASSERT(ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha1(), NULL, tftp_key) == 1 &&
	    EVP_DigestVerify(ctx, tl.hdr.signature.p, tl.hdr.signature.len,
	    sb, sblen) == 1);
	EVP_MD_CTX_free(ctx);
	free(sb);
	trustlist_free(&tl);
}

static void
test_roundtrip_lengths(void)
{
	static const uint8_t algs[] = { TL_HASH_SHA1, TL_HASH_SHA512 };
	struct encsgn_info info;
	uint8_t plain[1000], *f, *out;
	size_t i, k, flen, olen, want_pad;

	fill(plain, sizeof(plain), 77);
	for (k = 0; k < 2; k++)
		for (i = 0; i < NLENGTHS; i++) {
			CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, lengths[i],
			    phone_cert, algs[k], &f, &flen, &info), 0);
			want_pad = 16 - lengths[i] % 16;
			CU_ASSERT_EQUAL(info.pad_count, want_pad);
			CU_ASSERT_EQUAL(info.key_bits, 2048);
			CU_ASSERT_EQUAL(info.digest_alg, algs[k]);
			CU_ASSERT_EQUAL(open_encsgn(f, flen, phone_key, &out,
			    &olen), 0);
			CU_ASSERT_EQUAL(olen, lengths[i]);
			CU_ASSERT(out != NULL && (olen == 0 ||
			    memcmp(out, plain, olen) == 0));
			free(out);
			check_raw_decrypt(f, flen, plain, lengths[i]);
			check_signature(f, flen);
			free(f);
		}
}

static void
test_digest_known(void)
{
	static const char abc_sha1[] = "\xa9\x99\x3e\x36\x47\x06\x81\x6a"
	    "\xba\x3e\x25\x71\x78\x50\xc2\x6c\x9c\xd0\xd8\x9d";
	struct encsgn_info info;
	uint8_t *kb = NULL, *ct = NULL;
	size_t clen;

	CU_ASSERT_EQUAL_FATAL(confenc_encrypt((const uint8_t *)"abc", 3,
	    phone_cert, TL_HASH_SHA1, &info, &kb, &ct, &clen), 0);
	CU_ASSERT_EQUAL(info.digest_len, 20);
	CU_ASSERT_EQUAL(memcmp(info.digest, abc_sha1, 20), 0);
	CU_ASSERT_EQUAL(info.enc_key, kb);
	CU_ASSERT_EQUAL(info.digest, kb + info.enc_key_len);
	CU_ASSERT_EQUAL(clen, 16);
	CU_ASSERT_EQUAL(info.pad_count, 13);
	free(kb);
	free(ct);
	/* two encryptions of the same text differ (random key and IV) */
	{
		struct encsgn_info i2;
		uint8_t *kb2 = NULL, *ct2 = NULL, *kb1 = NULL, *ct1 = NULL;
		size_t c1, c2;

		CU_ASSERT_EQUAL_FATAL(confenc_encrypt((const uint8_t *)"abc",
		    3, phone_cert, TL_HASH_SHA1, &info, &kb1, &ct1, &c1), 0);
		CU_ASSERT_EQUAL_FATAL(confenc_encrypt((const uint8_t *)"abc",
		    3, phone_cert, TL_HASH_SHA1, &i2, &kb2, &ct2, &c2), 0);
		CU_ASSERT(memcmp(info.iv, i2.iv, 16) != 0);
		CU_ASSERT(memcmp(ct1, ct2, 16) != 0);
		free(kb1);
		free(ct1);
		free(kb2);
		free(ct2);
	}
}

static void
test_wrong_key(void)
{
	uint8_t plain[1000], *f, *out;
	size_t i, flen, olen;
	int r;

	fill(plain, sizeof(plain), 5);
	for (i = 0; i < NLENGTHS; i++) {
		CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, lengths[i],
		    phone_cert, TL_HASH_SHA1, &f, &flen, NULL), 0);
		out = (uint8_t *)"x";
		r = open_encsgn(f, flen, wrong_key, &out, &olen);
		CU_ASSERT_EQUAL(r, TS_ERR_AUTH);
		ASSERT_DETAIL(TS_ERR_AUTH, WRONG_KEY);
		CU_ASSERT_PTR_NULL(out);
		CU_ASSERT_EQUAL(olen, 0);
		/* an EC key is refused before anything is tried */
		CU_ASSERT_EQUAL(open_encsgn(f, flen, ec_key, &out, &olen),
		    TS_ERR_INVALID);
		ASSERT_DETAIL(TS_ERR_INVALID, "not RSA");
		CU_ASSERT_PTR_NULL(out);
		free(f);
	}
}

/* Every alteration of ciphertext, IV or pad count fails cleanly. */
static void
test_altered(void)
{
	static const size_t lens[] = { 0, 16, 17, 1000 };
	struct trustlist tl;
	uint8_t plain[1000], *f, *g, *out;
	size_t i, k, flen, olen, hl, step, pos[3];
	int r;

	fill(plain, sizeof(plain), 11);
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, lens[k], phone_cert,
		    TL_HASH_SHA512, &f, &flen, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
		hl = tl.hdr.header_length;
		pos[0] = tl.hdr.elems[17].off + 3;     /* IV, first byte */
		pos[1] = tl.hdr.elems[17].off + 3 + 15; /* IV, last byte */
		pos[2] = tl.hdr.elems[18].off + 4;     /* pad count, low byte */
		CU_ASSERT_EQUAL(tl.hdr.elems[17].tag, TL_H_ENC_IV);
		CU_ASSERT_EQUAL(tl.hdr.elems[18].tag, TL_H_ENC_PADDING);
		trustlist_free(&tl);
		g = malloc(flen);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		step = flen - hl > 64 ? 13 : 1;
		for (i = hl; i < flen; i += step) {
			memcpy(g, f, flen);
			g[i] ^= 0x01;
			r = open_encsgn(g, flen, phone_key, &out, &olen);
			CU_ASSERT(r == TS_ERR_AUTH || r == TS_ERR_FORMAT);
			CU_ASSERT_PTR_NULL(out);
		}
		for (i = 0; i < 3; i++) {
			memcpy(g, f, flen);
			g[pos[i]] ^= 0x01;
			r = open_encsgn(g, flen, phone_key, &out, &olen);
			CU_ASSERT(r == TS_ERR_AUTH || r == TS_ERR_FORMAT);
			CU_ASSERT_PTR_NULL(out);
		}
		free(g);
		free(f);
	}
}

/* An aligned plaintext ends in a whole block of padding, which the
 * digest does not cover: the 0x0D check catches a change there. */
static void
test_altered_padding_block(void)
{
	uint8_t plain[16], *f, *out;
	size_t flen, olen, i;
	int r;

	fill(plain, sizeof(plain), 12);
	CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, sizeof(plain), phone_cert,
	    TL_HASH_SHA1, &f, &flen, NULL), 0);
	/* a change in the last ciphertext block garbles only the padding
	 * block, which the digest does not cover */
	for (i = flen - 16; i < flen; i++) {
		f[i] ^= 0x80;
		r = open_encsgn(f, flen, phone_key, &out, &olen);
		CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
		ASSERT_DETAIL(TS_ERR_FORMAT, "not 0x0D");
		CU_ASSERT_PTR_NULL(out);
		f[i] ^= 0x80;
	}
	CU_ASSERT_EQUAL(open_encsgn(f, flen, phone_key, &out, &olen), 0);
	free(out);
	free(f);
}

static void
test_truncations(void)
{
	uint8_t plain[17], *f, *g, *out;
	size_t n, flen, olen, reached = 0;
	struct trustlist tl;
	int r;

	fill(plain, sizeof(plain), 13);
	CU_ASSERT_EQUAL_FATAL(build_encsgn(plain, sizeof(plain), phone_cert,
	    TL_HASH_SHA1, &f, &flen, NULL), 0);
	for (n = 0; n < flen; n++) {
		/* an exact-size copy, so reading past it is caught */
		g = malloc(n > 0 ? n : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		memcpy(g, f, n);
		if (trustlist_parse(g, n, &tl) == 0) {
			reached++;
			trustlist_free(&tl);
		}
		out = NULL;
		r = open_encsgn(g, n, phone_key, &out, &olen);
		CU_ASSERT(r < 0);
		CU_ASSERT_PTR_NULL(out);
		free(g);
	}
	/* the header parses when only ciphertext is cut: 32 lengths */
	CU_ASSERT_EQUAL(reached, 32);
	free(f);
}

/* ---- hand-made blocks with one element missing or wrong ---- */

struct leaf {
	uint8_t tag;
	const uint8_t *val;
	size_t len;
};

static const uint8_t v0[1] = { 0 }, v1[1] = { 1 }, v2[1] = { 2 };
static const uint8_t pad5[2] = { 0, 5 }, bits32[2] = { 0, 32 };
static uint8_t d64[64];

/* Write the block with default leaves, leaf over replacing one of them
 * (len SIZE_MAX: left out), container omit left out with its children. */
static void
put_block(struct wbuf *w, const struct leaf *over, uint8_t omit)
{
	struct leaf leaves[] = {
		{ 18, v0, 1 }, { 19, kat_iv, 16 }, { 20, pad5, 2 },
		{ 22, v0, 1 }, { 23, bits32, 2 }, { 24, v1, 1 },
		{ 25, kat_key, 4 }, { 26, v1, 1 }, { 27, kat_digest, 20 },
	};
	size_t m16 = 0, m17 = 0, m21 = 0, i;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (over != NULL && leaves[i].tag == over->tag)
			leaves[i] = *over;
#define LEAF(k) do { \
		if (leaves[k].len != SIZE_MAX) \
			tlv_put(w, leaves[k].tag, leaves[k].val, \
			    leaves[k].len); \
	} while (0)
	if (omit != 16) {
		tlv_open(w, 16, &m16);
		if (omit != 17) {
			tlv_open(w, 17, &m17);
			LEAF(0);
			LEAF(1);
			LEAF(2);
			tlv_close(w, m17);
		}
		if (omit != 21) {
			tlv_open(w, 21, &m21);
			LEAF(3);
			LEAF(4);
			LEAF(5);
			LEAF(6);
			tlv_close(w, m21);
		}
		tlv_close(w, m16);
	}
	LEAF(7);
	LEAF(8);
#undef LEAF
}

/* Expect encsgn_parse_info to refuse the block with detail text. */
static void
refuse_block(const struct leaf *over, uint8_t omit, const char *text)
{
	struct wbuf w;
	struct trustlist tl;
	struct encsgn_info info;
	uint8_t *f = NULL;
	size_t flen;

	wbuf_init(&w);
	put_block(&w, over, omit);
	CU_ASSERT_EQUAL_FATAL(w.err, 0);
	CU_ASSERT_EQUAL_FATAL(fake_signed(w.data, w.len, 2, 0, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(encsgn_parse_info(&tl, &info), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, text);
	if (strstr(ts_error_detail(TS_ERR_FORMAT), text) == NULL)
		printf("# expected \"%s\", got \"%s\"\n", text,
		    ts_error_detail(TS_ERR_FORMAT));
	CU_ASSERT_PTR_NULL(info.enc_key);
	CU_ASSERT_PTR_NULL(info.digest);
	trustlist_free(&tl);
	free(f);
	wbuf_free(&w);
}

static void
test_missing_elements(void)
{
	struct leaf l;
	struct wbuf w;
	struct trustlist tl;
	struct encsgn_info info;
	uint8_t *f = NULL;
	size_t flen;
	char text[32];
	uint8_t tag;

	/* the default block is good */
	wbuf_init(&w);
	put_block(&w, NULL, 0);
	CU_ASSERT_EQUAL(w.len, sizeof(kat_block));
	CU_ASSERT(memcmp(w.data, kat_block, sizeof(kat_block)) == 0);
	wbuf_free(&w);

	refuse_block(NULL, 16, "no encryption info (tag 16)");
	refuse_block(NULL, 17, "no IV info (tag 17)");
	refuse_block(NULL, 21, "no key info (tag 21)");
	for (tag = 18; tag <= 27; tag++) {
		if (tag == 21)
			continue;
		l.tag = tag;
		l.val = NULL;
		l.len = SIZE_MAX;
		snprintf(text, sizeof(text), "(tag %u)", tag);
		refuse_block(&l, 0, text);
		ASSERT_DETAIL(TS_ERR_FORMAT, "has no");
	}

	/* wrong values and lengths */
#define BAD(t, v, n, text) do { \
		l.tag = (t); \
		l.val = (v); \
		l.len = (n); \
		refuse_block(&l, 0, text); \
	} while (0)
	BAD(18, v1, 1, "IV type (tag 18)");
	BAD(18, pad5, 2, "must be 1");
	BAD(19, kat_iv, 15, "IV (tag 19)");
	BAD(19, d64, 17, "it must be 16");
	BAD(20, v1, 1, "padding count (tag 20)");
	BAD(22, v1, 1, "key type (tag 22)");
	BAD(23, bits32, 1, "key size (tag 23)");
	BAD(23, pad5, 2, "says 5 bits");
	BAD(24, v0, 1, "key algorithm (tag 24) at offset");
	BAD(24, v2, 1, "is 2; it must be 1 (AES)");
	BAD(25, kat_key, 0, "is empty");
	BAD(25, kat_key, 3, "3 bytes (24 bits)");
	BAD(26, v2, 1, "is 2; .enc.sgn files use 1 (SHA-1) or 3");
	BAD(26, pad5, 2, "digest algorithm (tag 26)");
	BAD(27, d64, 64, "is 64 bytes; a SHA1 digest is 20");
	BAD(27, kat_digest, 0, "is 0 bytes");
#undef BAD
	/* SHA-512 named, SHA-1 sized */
	{
		static const uint8_t v3[1] = { 3 };

		l.tag = 26;
		l.val = v3;
		l.len = 1;
		refuse_block(&l, 0, "is 20 bytes; a SHA512 digest is 64");
	}

	/* the block is only read from version 2.0 files */
	CU_ASSERT_EQUAL_FATAL(fake_signed(kat_block, sizeof(kat_block), 1, 0,
	    &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(encsgn_parse_info(&tl, &info), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "version is 1.0");
	trustlist_free(&tl);
	free(f);
	CU_ASSERT_EQUAL_FATAL(fake_signed(NULL, 0, 2, 0, &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(encsgn_parse_info(&tl, &info), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "no encryption info (tag 16)");
	trustlist_free(&tl);
	free(f);
}

/* The trust-list parser knows the structure of tags 16-27. */
static void
test_parser_structure(void)
{
	static const uint8_t top17[] = { 0x11, 0x00, 0x04, 0x12, 0x00, 0x01,
		0x00 };
	static const uint8_t leaf_in_16[] = { 0x10, 0x00, 0x04, 0x12, 0x00,
		0x01, 0x00 };
	static const uint8_t top25[] = { 0x19, 0x00, 0x01, 0xAA };
	static const uint8_t short16[] = { 0x10, 0x00, 0x03, 0x11, 0x00,
		0x04, 0x12, 0x00, 0x01, 0x00 };
	static const uint8_t unknown_in_21[] = { 0x10, 0x00, 0x07, 0x15,
		0x00, 0x04, 0x40, 0x00, 0x01, 0x00 };
	static const struct {
		const uint8_t *p;
		size_t n;
		const char *text;
	} cases[] = {
		{ top17, sizeof(top17), "IV_INFO (tag 17) at offset" },
		{ leaf_in_16, sizeof(leaf_in_16), "not inside ENC_IV_INFO" },
		{ top25, sizeof(top25), "not inside ENC_KEY_INFO" },
		{ short16, sizeof(short16), "runs past the end of ENC_INFO" },
		{ unknown_in_21, sizeof(unknown_in_21),
		    "unknown tag 64 at offset" },
	};
	struct trustlist tl;
	struct wbuf w;
	uint8_t *f = NULL;
	size_t flen, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(fake_signed(cases[i].p, cases[i].n, 2, 0,
		    &f, &flen), 0);
		CU_ASSERT_EQUAL(trustlist_parse(f, flen, &tl), TS_ERR_FORMAT);
		ASSERT_DETAIL(TS_ERR_FORMAT, cases[i].text);
		free(f);
	}
	/* a second block is a duplicate */
	wbuf_init(&w);
	put_block(&w, NULL, 0);
	put_block(&w, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(fake_signed(w.data, w.len, 2, 0, &f, &flen), 0);
	CU_ASSERT_EQUAL(trustlist_parse(f, flen, &tl), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "header holds a second ENC_INFO");
	free(f);
	wbuf_free(&w);
	/* a version 1.0 .sgn with the block still parses as header +
	 * payload (the block is counted in HEADER_LENGTH) */
	CU_ASSERT_EQUAL_FATAL(fake_signed(kat_block, sizeof(kat_block), 1, 0,
	    &f, &flen), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL(flen - tl.hdr.header_length, 32);
	CU_ASSERT_EQUAL(tl.nrecords, 0);
	trustlist_free(&tl);
	free(f);
}

/* A key that RSA-decrypts but is not 16 bytes is refused, even when its
 * first 16 bytes are the right AES key. */
static void
test_key_size(void)
{
	struct trustlist tl;
	struct encsgn_info info;
	EVP_PKEY_CTX *ctx;
	const uint8_t *c;
	uint8_t *f = NULL, key[512], wrapped[256], *out;
	size_t flen, clen, klen = sizeof(key), wlen = sizeof(wrapped), olen;

	CU_ASSERT_EQUAL_FATAL(build_encsgn((const uint8_t *)"abc", 3,
	    phone_cert, TL_HASH_SHA1, &f, &flen, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_parse_info(&tl, &info), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_ciphertext(&tl, &c, &clen), 0);
	ctx = EVP_PKEY_CTX_new(phone_key, NULL);
	CU_ASSERT_FATAL(ctx != NULL && EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_decrypt(ctx, key, &klen, info.enc_key,
	    info.enc_key_len) == 1 && klen == 16);
	EVP_PKEY_CTX_free(ctx);
	memset(key + 16, 0x5A, 8); /* 24 bytes: an AES-192-sized key */
	ctx = EVP_PKEY_CTX_new(phone_key, NULL);
	CU_ASSERT_FATAL(ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_encrypt(ctx, wrapped, &wlen, key, 24) == 1 &&
	    wlen == 256);
	EVP_PKEY_CTX_free(ctx);
	info.enc_key = wrapped;
	CU_ASSERT_EQUAL(confenc_decrypt(&info, c, clen, phone_key, &out,
	    &olen), TS_ERR_AUTH);
	ASSERT_DETAIL(TS_ERR_AUTH, WRONG_KEY);
	CU_ASSERT_PTR_NULL(out);
	trustlist_free(&tl);
	free(f);
}

/* ---- arguments and the stub ---- */

static void
test_encrypt_refused(void)
{
	struct encsgn_info info, bad;
	uint8_t *kb = (uint8_t *)"x", *ct = (uint8_t *)"x", *out, *f;
	size_t clen = 1, olen, flen;
	struct trustlist tl;
	const uint8_t *c;

	CU_ASSERT_EQUAL(confenc_encrypt((const uint8_t *)"abc", 3, ec_cert,
	    TL_HASH_SHA1, &info, &kb, &ct, &clen), TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "not RSA");
	CU_ASSERT_PTR_NULL(kb);
	CU_ASSERT_PTR_NULL(ct);
	CU_ASSERT_EQUAL(clen, 0);
	CU_ASSERT_EQUAL(confenc_encrypt((const uint8_t *)"abc", 3, phone_cert,
	    TL_HASH_SHA256, &info, &kb, &ct, &clen), TS_ERR_INVALID);
	ASSERT_DETAIL(TS_ERR_INVALID, "code 2");
	CU_ASSERT_EQUAL(confenc_encrypt(NULL, 3, phone_cert, TL_HASH_SHA1,
	    &info, &kb, &ct, &clen), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(confenc_encrypt(NULL, 0, NULL, TL_HASH_SHA1, &info,
	    &kb, &ct, &clen), TS_ERR_INVALID);

	/* decrypt: structural checks on a good file's info */
	CU_ASSERT_EQUAL_FATAL(build_encsgn((const uint8_t *)"abc", 3,
	    phone_cert, TL_HASH_SHA1, &f, &flen, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(trustlist_parse(f, flen, &tl), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_parse_info(&tl, &info), 0);
	CU_ASSERT_EQUAL_FATAL(encsgn_ciphertext(&tl, &c, &clen), 0);
	CU_ASSERT_EQUAL(clen, 16);
	CU_ASSERT_EQUAL(confenc_decrypt(&info, c, 15, phone_key, &out, &olen),
	    TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "ciphertext is 15 bytes");
	CU_ASSERT_EQUAL(confenc_decrypt(&info, c, 0, phone_key, &out, &olen),
	    TS_ERR_FORMAT);
	bad = info;
	bad.pad_count = 17;
	CU_ASSERT_EQUAL(confenc_decrypt(&bad, c, clen, phone_key, &out,
	    &olen), TS_ERR_FORMAT);
	ASSERT_DETAIL(TS_ERR_FORMAT, "padding count 17");
	bad = info;
	bad.digest_len = 19;
	CU_ASSERT_EQUAL(confenc_decrypt(&bad, c, clen, phone_key, &out,
	    &olen), TS_ERR_FORMAT);
	bad = info;
	bad.enc_key_len = 255;
	CU_ASSERT_EQUAL(confenc_decrypt(&bad, c, clen, phone_key, &out,
	    &olen), TS_ERR_AUTH);
	ASSERT_DETAIL(TS_ERR_AUTH, WRONG_KEY);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(confenc_decrypt(&info, c, clen, phone_key, &out,
	    &olen), 0);
	CU_ASSERT(olen == 3 && memcmp(out, "abc", 3) == 0);
	free(out);
	trustlist_free(&tl);
	free(f);
}

static void
test_stub(void)
{
	uint8_t *der = NULL, md[16];
	unsigned mdlen = 0, i;
	char hex[33], want[64], *xml = NULL;
	int n;

	n = i2d_X509(phone_cert, &der);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_md5(),
	    NULL) == 1 && mdlen == 16);
	OPENSSL_free(der);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(want, sizeof(want), "<certHash>%s</certHash>", hex);

	CU_ASSERT_EQUAL_FATAL(confenc_stub(phone_cert, &xml), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, want));
	CU_ASSERT_EQUAL(strncmp(xml, "<?xml version=\"1.0\"", 19), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<device>\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<fullConfig>false</fullConfig>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<encrConfig>true</encrConfig>"));
	CU_ASSERT(strlen(xml) > 10 &&
	    strcmp(xml + strlen(xml) - 10, "</device>\n") == 0);
	free(xml);

	/* another certificate, another hash */
	CU_ASSERT_EQUAL_FATAL(confenc_stub(ec_cert, &xml), 0);
	CU_ASSERT_PTR_NULL(strstr(xml, want));
	free(xml);
	CU_ASSERT_EQUAL(confenc_stub(NULL, &xml), TS_ERR_INVALID);
	CU_ASSERT_PTR_NULL(xml);
}

static const struct cutap_test tests[] = {
	{ "info block: known answer and round trip", test_info_roundtrip },
	{ "info block: encode refusals", test_info_encode_refused },
	{ "header order as FORMATS.md 6", test_header_order },
	{ "round trip: lengths 0, 1, 15, 16, 17, 1000",
	    test_roundtrip_lengths },
	{ "digest of the plaintext, random key and IV", test_digest_known },
	{ "wrong phone key", test_wrong_key },
	{ "altered ciphertext, IV, pad count", test_altered },
	{ "altered padding block", test_altered_padding_block },
	{ "every truncation refused", test_truncations },
	{ "encrypted key not 16 bytes", test_key_size },
	{ "missing and wrong elements", test_missing_elements },
	{ "parser: structure of tags 16-27", test_parser_structure },
	{ "encrypt and decrypt arguments", test_encrypt_refused },
	{ "cnf.xml stub", test_stub },
};

int
main(void)
{
	fill(d64, sizeof(d64), 21);
	return cutap_main(&(struct cutap_suite){ .name = "encsgn",
	    .init = init_suite, .clean = clean_suite }, tests,
	    CUTAP_N(tests));
}
