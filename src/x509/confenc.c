/* confenc.c - encrypted phone configuration files (FORMATS.md 6). */
#include "x509/confenc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "util/error.h"
#include "x509/cert.h"

#define AES_KEY_LEN 16
#define PAD_BYTE 0x0D /* '\r', as the reference product pads */

static const char wrong_key_msg[] =
    "this file was not encrypted for this phone's key";

static const EVP_MD *
digest_md(uint8_t digest_alg)
{
	switch (digest_alg) {
	case TL_HASH_SHA1: return EVP_sha1();
	case TL_HASH_SHA512: return EVP_sha512();
	}
	return NULL;
}

static int
check_rsa(EVP_PKEY *pk, const char *what)
{
	if (pk == NULL)
		return ts_error(TS_ERR_INVALID, "no %s given", what);
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return ts_error(TS_ERR_INVALID,
		    "the %s is not RSA: phones decrypt their configuration "
		    "with an RSA key only; use the phone's RSA certificate "
		    "(LSC or MIC)", what);
	return 0;
}

/* Digest of the plaintext into out (digest size bytes). */
static int
hash_plain(const EVP_MD *md, const uint8_t *p, size_t n, uint8_t *out)
{
	static const uint8_t none[1];
	unsigned dn = 0;

	if (!EVP_Digest(n > 0 ? p : none, n, out, &dn, md, NULL)) {
		ERR_clear_error();
		return ts_error(TS_ERR_CRYPTO, "cannot hash the configuration");
	}
	return 0;
}

/* AES-128-CBC without OpenSSL's padding over n bytes (a multiple of 16). */
static int
aes_cbc(int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
    size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	int a = 0, b = 0, ok;

	if (n > INT_MAX)
		return ts_error(TS_ERR_LIMIT,
		    "%zu bytes are too many to encrypt at once", n);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return ts_error(TS_ERR_NOMEM,
		    "cannot allocate a cipher context");
	ok = EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, enc) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &a, in, (int)n) &&
	    EVP_CipherFinal_ex(ctx, out + a, &b) && (size_t)a + b == n;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return ts_error(TS_ERR_CRYPTO, "AES-128-CBC %s failed",
		    enc ? "encryption" : "decryption");
	}
	return 0;
}

/* RSA PKCS#1 v1.5-encrypt the AES key into a malloc'd buffer with room
 * for extra more bytes after it. */
static int
wrap_key(EVP_PKEY *pub, const uint8_t *key, size_t extra, uint8_t **out,
    size_t *outlen)
{
	EVP_PKEY_CTX *ctx;
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new(pub, NULL)) == NULL)
		return ts_error(TS_ERR_NOMEM, "cannot allocate a key context");
	if (EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &n, key, AES_KEY_LEN) <= 0) {
		r = ts_error(TS_ERR_CRYPTO,
		    "cannot RSA-encrypt to the phone's public key");
		goto out;
	}
	if ((p = malloc(n + extra)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes",
		    n + extra);
		goto out;
	}
	if (EVP_PKEY_encrypt(ctx, p, &n, key, AES_KEY_LEN) <= 0) {
		r = ts_error(TS_ERR_CRYPTO,
		    "cannot RSA-encrypt to the phone's public key");
		goto out;
	}
	if (n * 8 > UINT16_MAX) {
		r = ts_error(TS_ERR_LIMIT,
		    "the phone's %zu-bit key is too large for the .enc.sgn "
		    "key-size field", n * 8);
		goto out;
	}
	*out = p;
	*outlen = n;
	p = NULL;
	r = 0;
 out:
	if (r != 0)
		ERR_clear_error();
	free(p);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
confenc_encrypt(const uint8_t *plain, size_t len, X509 *phone_cert,
    uint8_t digest_alg, struct encsgn_info *info, uint8_t **keybuf,
    uint8_t **cipher, size_t *clen)
{
	const EVP_MD *md;
	EVP_PKEY *pub;
	uint8_t key[AES_KEY_LEN], *padded = NULL, *ct = NULL, *kb = NULL;
	size_t pad, total = 0, eklen = 0, dsize;
	int r;

	memset(info, 0, sizeof(*info));
	*keybuf = NULL;
	*cipher = NULL;
	*clen = 0;
	if (plain == NULL && len > 0)
		return ts_error(TS_ERR_INVALID, "no configuration to encrypt");
	if ((md = digest_md(digest_alg)) == NULL)
		return ts_error(TS_ERR_INVALID,
		    "digest algorithm code %u: an .enc.sgn digest is SHA-1 "
		    "(1) or SHA-512 (3)", digest_alg);
	dsize = encsgn_digest_size(digest_alg);
	if (phone_cert == NULL)
		return ts_error(TS_ERR_INVALID, "no phone certificate given");
	if ((pub = X509_get0_pubkey(phone_cert)) == NULL) {
		ERR_clear_error();
		return ts_error(TS_ERR_FORMAT,
		    "the phone certificate has no usable public key");
	}
	if ((r = check_rsa(pub, "phone certificate's key")) != 0)
		return r;
	if (len > INT_MAX - ENCSGN_BLOCK)
		return ts_error(TS_ERR_LIMIT,
		    "a %zu-byte configuration is too large to encrypt", len);

	pad = ENCSGN_BLOCK - len % ENCSGN_BLOCK; /* 16 when aligned */
	total = len + pad;
	if ((padded = malloc(total)) == NULL || (ct = malloc(total)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes", total);
		goto out;
	}
	if (len > 0)
		memcpy(padded, plain, len);
	memset(padded + len, PAD_BYTE, pad);
	if (RAND_priv_bytes(key, sizeof(key)) != 1 ||
	    RAND_bytes(info->iv, sizeof(info->iv)) != 1) {
		ERR_clear_error();
		r = ts_error(TS_ERR_CRYPTO,
		    "no randomness for the AES key and IV");
		goto out;
	}
	if ((r = aes_cbc(1, key, info->iv, padded, total, ct)) != 0 ||
	    (r = wrap_key(pub, key, dsize, &kb, &eklen)) != 0 ||
	    (r = hash_plain(md, plain, len, kb + eklen)) != 0)
		goto out;

	info->pad_count = (uint16_t)pad;
	info->key_bits = (uint16_t)(eklen * 8);
	info->enc_key = kb;
	info->enc_key_len = eklen;
	info->digest_alg = digest_alg;
	info->digest = kb + eklen;
	info->digest_len = dsize;
	*keybuf = kb;
	*cipher = ct;
	*clen = total;
	kb = NULL;
	ct = NULL;
	r = 0;
 out:
	OPENSSL_cleanse(key, sizeof(key));
	if (padded != NULL) {
		OPENSSL_cleanse(padded, total);
		free(padded);
	}
	free(ct);
	free(kb);
	if (r != 0)
		memset(info, 0, sizeof(*info));
	return r;
}

/* RSA-decrypt the AES key; every failure means "not for this key". */
static int
unwrap_key(EVP_PKEY *priv, const struct encsgn_info *info, uint8_t *key)
{
	EVP_PKEY_CTX *ctx;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int r;

	if ((ctx = EVP_PKEY_CTX_new(priv, NULL)) == NULL)
		return ts_error(TS_ERR_NOMEM, "cannot allocate a key context");
	if (EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_decrypt(ctx, NULL, &cap, info->enc_key,
	    info->enc_key_len) <= 0) {
		r = ts_error(TS_ERR_AUTH, "%s", wrong_key_msg);
		goto out;
	}
	if ((buf = malloc(cap > 0 ? cap : 1)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes", cap);
		goto out;
	}
	n = cap;
	if (EVP_PKEY_decrypt(ctx, buf, &n, info->enc_key,
	    info->enc_key_len) <= 0 || n != AES_KEY_LEN) {
		r = ts_error(TS_ERR_AUTH, "%s", wrong_key_msg);
		goto out;
	}
	memcpy(key, buf, AES_KEY_LEN);
	r = 0;
 out:
	ERR_clear_error();
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
confenc_decrypt(const struct encsgn_info *info, const uint8_t *cipher,
    size_t clen, EVP_PKEY *phone_key, uint8_t **plain, size_t *plen)
{
	const EVP_MD *md;
	uint8_t key[AES_KEY_LEN], d[EVP_MAX_MD_SIZE], *out = NULL;
	size_t i, n, dsize;
	int r;

	*plain = NULL;
	*plen = 0;
	if ((md = digest_md(info->digest_alg)) == NULL)
		return ts_error(TS_ERR_FORMAT,
		    "digest algorithm code %u: an .enc.sgn digest is SHA-1 "
		    "(1) or SHA-512 (3)", info->digest_alg);
	dsize = encsgn_digest_size(info->digest_alg);
	if (info->digest == NULL || info->digest_len != dsize)
		return ts_error(TS_ERR_FORMAT,
		    "the %s digest of the configuration is missing or not "
		    "%zu bytes", trustlist_hash_name(info->digest_alg), dsize);
	if (info->enc_key == NULL || info->enc_key_len == 0)
		return ts_error(TS_ERR_FORMAT,
		    "the file carries no encrypted key");
	if (cipher == NULL || clen == 0 || clen % ENCSGN_BLOCK != 0)
		return ts_error(TS_ERR_FORMAT,
		    "the ciphertext is %zu bytes; AES-128-CBC ciphertext is a "
		    "non-zero multiple of 16 bytes (file truncated?)",
		    cipher == NULL ? (size_t)0 : clen);
	if (info->pad_count > ENCSGN_BLOCK || info->pad_count > clen)
		return ts_error(TS_ERR_FORMAT,
		    "padding count %u is over the %d-byte block or the "
		    "%zu-byte ciphertext", info->pad_count, ENCSGN_BLOCK, clen);
	if ((r = check_rsa(phone_key, "phone's private key")) != 0)
		return r;

	if ((out = malloc(clen)) == NULL)
		return ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes",
		    clen);
	if ((r = unwrap_key(phone_key, info, key)) != 0)
		goto out;
	if ((r = aes_cbc(0, key, info->iv, cipher, clen, out)) != 0)
		goto out;
	n = clen - info->pad_count;
	if ((r = hash_plain(md, out, n, d)) != 0)
		goto out;
	/* With implicit rejection a wrong key decrypts to a random AES
	 * key: only the digest tells it from the right one. */
	if (CRYPTO_memcmp(d, info->digest, dsize) != 0) {
		r = ts_error(TS_ERR_AUTH, "%s", wrong_key_msg);
		goto out;
	}
	for (i = n; i < clen; i++)
		if (out[i] != PAD_BYTE) {
			r = ts_error(TS_ERR_FORMAT,
			    "padding byte %zu of the decrypted configuration "
			    "is 0x%02X, not 0x0D: the ciphertext was altered",
			    i, out[i]);
			goto out;
		}
	*plain = out;
	*plen = n;
	out = NULL;
	r = 0;
 out:
	OPENSSL_cleanse(key, sizeof(key));
	if (out != NULL) {
		OPENSSL_cleanse(out, clen);
		free(out);
	}
	return r;
}

int
confenc_stub(X509 *phone_cert, char **xml)
{
	EVP_MD *md5;
	char hex[3 * 64];
	int r;

	*xml = NULL;
	if (phone_cert == NULL)
		return ts_error(TS_ERR_INVALID, "no phone certificate given");
	/* MD5 is what phones compare; a FIPS-only library lacks it. */
	if ((md5 = EVP_MD_fetch(NULL, "MD5", NULL)) == NULL) {
		ERR_clear_error();
		return ts_error(TS_ERR_CRYPTO,
		    "MD5 is not available (FIPS-only OpenSSL?); the stub's "
		    "certHash needs the certificate's MD5 fingerprint");
	}
	r = cert_fingerprint(phone_cert, md5, hex, sizeof(hex), 0);
	EVP_MD_free(md5);
	if (r != 0) {
		ERR_clear_error();
		return r;
	}
	if (asprintf(xml,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<device>\n"
	    "<fullConfig>false</fullConfig>\n"
	    "<encrConfig>true</encrConfig>\n"
	    "<certHash>%s</certHash>\n"
	    "</device>\n", hex) < 0) {
		*xml = NULL;
		return ts_error(TS_ERR_NOMEM, "cannot allocate the stub");
	}
	return 0;
}
