/* tlverify.c - trust-list signature verification. */
#include "x509/tlverify.h"

#include <stdlib.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "util/error.h"
#include "x509/cert.h"

const EVP_MD *
tl_hash_md(uint8_t code)
{
	switch (code) {
	case TL_HASH_SHA1: return EVP_sha1();
	case TL_HASH_SHA256: return EVP_sha256();
	case TL_HASH_SHA512: return EVP_sha512();
	}
	return NULL;
}

int
tl_record_key(const struct trustlist_record *r, EVP_PKEY **out)
{
	const unsigned char *p;
	X509 *x = NULL;

	*out = NULL;
	if (r->cert.present && cert_from_der(r->cert.p, r->cert.len, &x) == 0) {
		*out = X509_get_pubkey(x);
		X509_free(x);
		if (*out != NULL)
			return 0;
	}
	if (r->pubkey.present) {
		p = r->pubkey.p;
		*out = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, r->pubkey.len);
		if (*out != NULL && p == r->pubkey.p + r->pubkey.len)
			return 0;
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return ts_error(TS_ERR_FORMAT, "the record at byte %zu holds no "
	    "usable certificate or public key", r->off);
}

int
tl_verify(const struct trustlist *tl, EVP_PKEY *key)
{
	const struct trustlist_record *signer;
	EVP_PKEY *own = NULL;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx;
	const EVP_MD *md;
	uint8_t *tbs = NULL;
	size_t tbslen;
	int r;

	if (tl->hdr.has_sig_alg && tl->hdr.sig_alg != 0)
		return ts_error(TS_ERR_FORMAT, "signature algorithm %u is not "
		    "RSA PKCS#1 v1.5 (0)", tl->hdr.sig_alg);
	if ((md = tl_hash_md(tl->hdr.hash_alg)) == NULL)
		return ts_error(TS_ERR_FORMAT, "unknown hash algorithm %u",
		    tl->hdr.hash_alg);
	if (key == NULL) {
		if ((signer = trustlist_signer(tl)) == NULL)
			return ts_error(TS_ERR_NOTFOUND, "no SAST record matches "
			    "the signer named in the header (serial and "
			    "issuer)");
		if ((r = tl_record_key(signer, &own)) != 0)
			return r;
		key = own;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		r = ts_error(TS_ERR_FORMAT, "the signer key is not RSA; phones "
		    "only verify RSA signatures");
		goto out;
	}
	if ((r = trustlist_signed_bytes(tl, &tbs, &tbslen)) != 0)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		r = ts_error(TS_ERR_CRYPTO, "cannot set up verification");
		goto out;
	}
	if (EVP_DigestVerify(ctx, tl->hdr.signature.p, tl->hdr.signature.len,
	    tbs, tbslen) != 1) {
		r = ts_error(TS_ERR_SIGNATURE, "the signature does not verify "
		    "with the signer's key: the file was altered or signed by "
		    "another key");
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(own);
	free(tbs);
	return r;
}
