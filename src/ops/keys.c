/* keys.c - PKCS#12 export and the remotekey reset. */
#include "ops/keys.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include "util/error.h"
#include "x509/cert.h"

/* The DER length of the SEQUENCE at p: SoftHSM2 zero-pads a key before
 * RFC 5649 wrapping, so the unwrapped PKCS#8 may carry trailing zeros. */
static size_t
der_sequence_len(const uint8_t *p, size_t len)
{
	size_t n, i, total;

	if (len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80)
		total = 2 + (size_t)p[1];
	else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 3 || len < 2 + n)
			return 0;
		for (total = 0, i = 0; i < n; i++)
			total = total << 8 | p[2 + i];
		total += 2 + n;
	}
	return total <= len ? total : 0;
}

/* Unwrap an RFC 5649 blob in software: only for the explicit export. */
static int
unwrap_pkcs8(const uint8_t *kek, const uint8_t *blob, size_t bloblen,
    EVP_PKEY **out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	const unsigned char *q;
	uint8_t *plain = NULL;
	int n = 0, fin = 0, r = 0;
	size_t dlen;

	*out = NULL;
	if ((plain = OPENSSL_secure_malloc(bloblen + 16)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap_pad(), NULL, kek,
	    NULL) != 1 || EVP_DecryptUpdate(ctx, plain, &n, blob,
	    (int)bloblen) != 1 || EVP_DecryptFinal_ex(ctx, plain + n, &fin) !=
	    1) {
		r = ts_error(TS_ERR_CRYPTO, "cannot unwrap the exported key");
		goto out;
	}
	if ((dlen = der_sequence_len(plain, (size_t)(n + fin))) == 0) {
		r = ts_error(TS_ERR_FORMAT, "the unwrapped key is not PKCS#8");
		goto out;
	}
	q = plain;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)dlen)) == NULL ||
	    (*out = EVP_PKCS82PKEY(p8)) == NULL)
		r = ts_error(TS_ERR_FORMAT, "the unwrapped key is not PKCS#8");
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_secure_clear_free(plain, bloblen + 16);
	return r;
}

int
ops_key_export_p12(struct app *a, const char *purpose, const char *pass,
    uint8_t **p12out, size_t *len)
{
	struct cert_row row;
	struct node pub;
	struct token_key key;
	uint8_t kek[32], *blob = NULL;
	unsigned char *der = NULL;
	size_t bloblen;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	PKCS12 *p12 = NULL;
	int r, n;

	*p12out = NULL;
	if (strcmp(purpose, "ITLRecovery") != 0)
		return ts_error(TS_ERR_INVALID, "only the ITLRecovery key can be "
		    "exported (for a remotekey reset); every other key stays "
		    "in the token");
	if (strlen(pass) < P12_MIN_PASSPHRASE)
		return ts_error(TS_ERR_INVALID, "the passphrase must have at "
		    "least %d characters", P12_MIN_PASSPHRASE);
	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0)
		return r;
	if (inventory_cert_active(a->inv, pub.id, "ITLRecovery", &row) != 0)
		return ts_error(TS_ERR_NOTFOUND, "there is no ITLRecovery "
		    "certificate to export");
	if ((r = app_find_key(a, row.key_id, &key)) != 0 ||
	    (r = cert_from_der(row.der, row.der_len, &cert)) != 0)
		goto out;
	if (RAND_bytes(kek, sizeof(kek)) != 1) {
		r = ts_error(TS_ERR_CRYPTO, "no randomness");
		goto out;
	}
	if ((r = token_wrap_key(a->token, &key, kek, sizeof(kek), &blob,
	    &bloblen)) != 0 ||
	    (r = unwrap_pkcs8(kek, blob, bloblen, &pkey)) != 0)
		goto out;
	if (X509_check_private_key(cert, pkey) != 1) {
		r = ts_error(TS_ERR_TOKEN, "the exported key does not match the "
		    "ITLRecovery certificate");
		goto out;
	}
	if ((p12 = PKCS12_create(pass, "ITLRecovery", pkey, cert, NULL,
	    NID_aes_256_cbc, NID_aes_256_cbc, 600000, PKCS12_DEFAULT_ITER, 0)) ==
	    NULL ||
	    (n = i2d_PKCS12(p12, &der)) <= 0) {
		r = ts_error(TS_ERR_CRYPTO, "cannot build the PKCS#12 file");
		goto out;
	}
	if ((*p12out = malloc((size_t)n)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*p12out, der, (size_t)n);
	*len = (size_t)n;
	/* no audit entry, no export */
	if ((r = app_audit(a, "key.export-p12", 0, "purpose=ITLRecovery "
	    "serial=%s", row.serial)) != 0) {
		free(*p12out);
		*p12out = NULL;
	}
out:
	if (r != 0 && *p12out == NULL)
		app_audit(a, "key.export-p12", r, "purpose=ITLRecovery");
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_free(der);
	PKCS12_free(p12);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	free(blob);
	cert_row_free(&row);
	return r;
}

int
ops_itl_reset_remotekey(struct app *a, const char *node, const uint8_t *data,
    size_t len, const char *pass, const struct tf_opts *o,
    struct tf_result *res)
{
	const unsigned char *q = data;
	struct tf_opts opts = *o;
	struct token_key key;
	PKCS12 *p12 = NULL;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	int r;

	memset(&key, 0, sizeof(key));
	if (len > 1024 * 1024 ||
	    (p12 = d2i_PKCS12(NULL, &q, (long)len)) == NULL ||
	    q != data + len)
		return ts_error(TS_ERR_FORMAT, "not a PKCS#12 file");
	if (PKCS12_parse(p12, pass, &pkey, &cert, NULL) != 1 || pkey == NULL ||
	    cert == NULL) {
		r = ts_error(TS_ERR_AUTH, "cannot open the PKCS#12 file: wrong "
		    "passphrase, or it holds no key and certificate");
		goto out;
	}
	if (X509_check_private_key(cert, pkey) != 1) {
		r = ts_error(TS_ERR_INVALID, "the key in the PKCS#12 file does "
		    "not match its certificate");
		goto out;
	}
	if ((r = token_import_session_key(a->token, pkey, &key)) != 0)
		goto out;
	/* the software copy goes at once: the token signs */
	EVP_PKEY_free(pkey);
	pkey = NULL;
	opts.signer = TF_SIGN_EXTERNAL;
	opts.ext_key = &key;
	opts.ext_cert = cert;
	r = ops_itl_publish(a, node, &opts, res);
out:
	token_destroy_session_key(a->token, &key);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	PKCS12_free(p12);
	return r;
}
