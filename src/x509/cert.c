/* cert.c - self-signed certificates and trust-list fields. */
#include "x509/cert.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "util/error.h"

int
cert_common_name(const struct purpose *p, const char *host,
    const char *domain, char **out)
{
	uint8_t rnd[4];
	int n = -1;

	*out = NULL;
	switch (p->naming) {
	case NAME_FQDN:
		n = domain ? asprintf(out, "%s.%s", host, domain) :
		    asprintf(out, "%s", host);
		break;
	case NAME_EC_FQDN:
		n = domain ? asprintf(out, "%s-EC.%s", host, domain) :
		    asprintf(out, "%s-EC", host);
		break;
	case NAME_ITLRECOVERY:
		n = domain ? asprintf(out, "ITLRECOVERY_%s.%s", host, domain) :
		    asprintf(out, "ITLRECOVERY_%s", host);
		break;
	case NAME_CAPF:
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return ts_error(TS_ERR_CRYPTO, "no randomness");
		n = asprintf(out, "CAPF-%02x%02x%02x%02x", rnd[0], rnd[1],
		    rnd[2], rnd[3]);
		break;
	}
	if (n < 0) {
		*out = NULL;
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int
add_entry(X509_NAME *nm, const char *field, const char *v)
{
	if (v == NULL || *v == '\0')
		return 1;
	return X509_NAME_add_entry_by_txt(nm, field, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0);
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

int
cert_self_signed(const struct purpose *p, const struct cert_subject *s,
    const char *const *sans, size_t nsans, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, unsigned years, X509 **out)
{
	X509 *x = NULL;
	X509_NAME *nm;
	BIGNUM *bn = NULL;
	uint8_t serial[16];
	char *san = NULL;
	const char *ku;
	size_t i, len = 0;
	struct tm tm;
	time_t now, until;
	int r = TS_ERR_CRYPTO;

	*out = NULL;
	if (years < 1 || years > 20)
		return ts_error(TS_ERR_INVALID, "validity of %u years: use 1 "
		    "to 20", years);
	/* the calendar anniversary, as the reference product shows it */
	now = time(NULL);
	gmtime_r(&now, &tm);
	tm.tm_year += (int)years;
	until = timegm(&tm);
	if ((x = X509_new()) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x40; /* and a full 16 bytes, as the reference writes */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	nm = X509_get_subject_name(x);
	/* least specific first in DER, so that text shows CN first */
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !add_entry(nm, "C", s->c) || !add_entry(nm, "ST", s->st) ||
	    !add_entry(nm, "L", s->l) || !add_entry(nm, "O", s->o) ||
	    !add_entry(nm, "OU", s->ou) || !add_entry(nm, "CN", s->cn) ||
	    !X509_set_issuer_name(x, nm) ||
	    ASN1_TIME_set(X509_getm_notBefore(x), now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), until) == NULL ||
	    !X509_set_pubkey(x, pub))
		goto fail;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC)
		ku = "critical,digitalSignature,keyAgreement,keyCertSign";
	else if (p->server_auth)
		ku = "critical,digitalSignature,keyEncipherment,"
		    "dataEncipherment,keyCertSign";
	else
		ku = "critical,digitalSignature,keyCertSign";
	if (!add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(x, NID_key_usage, ku) ||
	    !add_ext(x, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, NID_authority_key_identifier, "keyid:always"))
		goto fail;
	if (p->server_auth &&
	    !add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth"))
		goto fail;
	if (nsans > 0) {
		for (i = 0; i < nsans; i++)
			len += strlen(sans[i]) + 5;
		if ((san = calloc(1, len + 1)) == NULL) {
			r = ts_error(TS_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < nsans; i++) {
			if (i > 0)
				strcat(san, ",");
			strcat(san, "DNS:");
			strcat(san, sans[i]);
		}
		if (!add_ext(x, NID_subject_alt_name, san))
			goto fail;
	}
	if (X509_sign(x, signer, md) <= 0) {
		r = ts_error(TS_ERR_TOKEN, "the token could not sign the "
		    "certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
	goto out;
fail:
	r = ts_error(TS_ERR_CRYPTO, "cannot build the certificate");
out:
	free(san);
	BN_free(bn);
	X509_free(x);
	return r;
}

int
cert_dn_text(const X509_NAME *name, char sep, char **out)
{
	int i, n = X509_NAME_entry_count(name);
	size_t len = 0, cap = 256;
	char *s;

	*out = NULL;
	if ((s = malloc(cap)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	s[0] = '\0';
	for (i = n - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(
		    X509_NAME_ENTRY_get_object(e)));
		unsigned char *utf = NULL;
		int ulen = ASN1_STRING_to_UTF8(&utf,
		    X509_NAME_ENTRY_get_data(e));
		size_t need;

		if (ulen < 0 || sn == NULL) {
			free(s);
			return ts_error(TS_ERR_FORMAT, "unreadable name "
			    "attribute in certificate");
		}
		if (strcmp(sn, "stateOrProvinceName") == 0)
			sn = "ST";
		need = len + strlen(sn) + (size_t)ulen + 3;
		if (need > cap) {
			char *ns;
			cap = need * 2;
			if ((ns = realloc(s, cap)) == NULL) {
				OPENSSL_free(utf);
				free(s);
				return ts_error(TS_ERR_NOMEM, "out of memory");
			}
			s = ns;
		}
		len += (size_t)sprintf(s + len, "%s%s=%.*s",
		    i == n - 1 ? "" : (char[]){ sep, '\0' }, sn, ulen, utf);
		OPENSSL_free(utf);
	}
	*out = s;
	return 0;
}

int
cert_serial(const X509 *x, uint8_t **out, size_t *len)
{
	BIGNUM *bn;
	int n;

	*out = NULL;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return ts_error(TS_ERR_FORMAT, "unreadable certificate serial");
	n = BN_num_bytes(bn);
	if (n == 0)
		n = 1; /* serial 0 is one zero byte */
	if ((*out = calloc(1, (size_t)n)) == NULL) {
		BN_free(bn);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	BN_bn2binpad(bn, *out, n);
	*len = (size_t)n;
	BN_free(bn);
	return 0;
}

int
cert_public_key_bytes(const X509 *x, uint8_t **out, size_t *len)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	uint8_t *buf = NULL;
	size_t blen = 0;

	*out = NULL;
	if (pk == NULL)
		return ts_error(TS_ERR_FORMAT, "certificate has no usable "
		    "public key");
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
		if (!EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &blen) ||
		    (buf = malloc(blen)) == NULL ||
		    !EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, blen, &blen)) {
			free(buf);
			return ts_error(TS_ERR_CRYPTO, "cannot encode EC point");
		}
		*out = buf;
		*len = blen;
		return 0;
	}
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		/* PKCS#1 RSAPublicKey: the "type-specific" DER */
		unsigned char *der = NULL;
		int n = i2d_PublicKey(pk, &der);

		if (n <= 0)
			return ts_error(TS_ERR_CRYPTO, "cannot encode RSA key");
		if ((*out = malloc((size_t)n)) == NULL) {
			OPENSSL_free(der);
			return ts_error(TS_ERR_NOMEM, "out of memory");
		}
		memcpy(*out, der, (size_t)n);
		*len = (size_t)n;
		OPENSSL_free(der);
		return 0;
	}
	return ts_error(TS_ERR_FORMAT, "certificate key is neither RSA nor EC");
}

int
cert_signature_bytes(const X509 *x, uint8_t **out, size_t *len)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;

	X509_get0_signature(&sig, &alg, x);
	*len = (size_t)ASN1_STRING_length(sig);
	if ((*out = malloc(*len ? *len : 1)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	memcpy(*out, ASN1_STRING_get0_data(sig), *len);
	return 0;
}

int
cert_der(const X509 *x, uint8_t **out, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	*out = NULL;
	if (n <= 0)
		return ts_error(TS_ERR_CRYPTO, "cannot encode certificate");
	if ((*out = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	memcpy(*out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

int
cert_from_der(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;

	*out = NULL;
	if (len > 0x7fffffff)
		return ts_error(TS_ERR_LIMIT, "certificate too large");
	*out = d2i_X509(NULL, &p, (long)len);
	if (*out == NULL || p != der + len) {
		X509_free(*out);
		*out = NULL;
		return ts_error(TS_ERR_FORMAT, "not a DER X.509 certificate");
	}
	return 0;
}

void
hex_colon(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, i + 1 < n ? "%02X:" : "%02X", p[i]);
}

void
hex_lower(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

int
hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	if (strlen(hex) % 2 != 0 || n == 0 || n > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n;
	return 0;
}

int
cert_fingerprint(const X509 *x, const EVP_MD *md, char *out, size_t outsize,
    int colons)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!X509_digest(x, md, d, &n))
		return ts_error(TS_ERR_CRYPTO, "cannot hash certificate");
	if (outsize < (colons ? (size_t)n * 3 : (size_t)n * 2 + 1))
		return ts_error(TS_ERR_INVALID, "fingerprint buffer too small");
	if (colons)
		hex_colon(d, n, out);
	else
		hex_lower(d, n, out);
	return 0;
}

int
cert_validity(const X509 *x, time_t *not_before, time_t *not_after)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm))
		return ts_error(TS_ERR_FORMAT, "unreadable notBefore");
	*not_before = timegm(&tm);
	if (!ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		return ts_error(TS_ERR_FORMAT, "unreadable notAfter");
	*not_after = timegm(&tm);
	return 0;
}

int
cert_key_info(const X509 *x, const char **type, unsigned *bits)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);

	if (pk == NULL)
		return ts_error(TS_ERR_FORMAT, "certificate has no usable key");
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA: *type = "RSA"; break;
	case EVP_PKEY_EC: *type = "EC"; break;
	default: *type = "other"; break;
	}
	*bits = (unsigned)EVP_PKEY_get_bits(pk);
	return 0;
}
