/* import.c - parse and check a CA-signed certificate for a pending key. */
#include "x509/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util/error.h"
#include "x509/cert.h"

/* Text of untrusted names in messages: escaped, and short. */
#define NAME_TEXT_MAX 160

/* A PEM label as printable ASCII (labels come from the file). */
static void
label_text(const char *label, char *out, size_t size)
{
	size_t i;

	for (i = 0; label[i] != '\0' && i + 1 < size; i++)
		out[i] = label[i] >= 0x20 && label[i] < 0x7f ? label[i] : '?';
	out[i] = '\0';
}

/* A DN in RFC 2253 form with control and non-ASCII bytes escaped. */
static void
name_text(const X509_NAME *nm, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	out[0] = '\0';
	if (b != NULL && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)size - 1);
	out[n > 0 ? n : 0] = '\0';
	if (out[0] == '\0')
		snprintf(out, size, "empty subject");
	BIO_free(b);
}

static int
is_private_key_label(const char *label)
{
	static const char suffix[] = "PRIVATE KEY";
	size_t n = strlen(label), k = sizeof(suffix) - 1;

	return n >= k && strcmp(label + n - k, suffix) == 0;
}

/* What to do instead, for labels users are known to upload. */
static const char *
label_hint(const char *label)
{
	if (strcmp(label, PEM_STRING_X509_REQ) == 0 ||
	    strcmp(label, PEM_STRING_X509_REQ_OLD) == 0)
		return "that is the CSR itself; give the certificate the CA "
		    "issued for it";
	if (strcmp(label, PEM_STRING_PKCS7) == 0)
		return "export the certificates from the PKCS#7 bundle as PEM "
		    "(openssl pkcs7 -print_certs)";
	return "give the certificate and its issuing chain only";
}

static int
push_cert(STACK_OF(X509) *sk, X509 *x)
{
	if (sk_X509_num(sk) >= CERT_BUNDLE_MAX_CERTS) {
		X509_free(x);
		return ts_error(TS_ERR_LIMIT, "the file holds more than %d "
		    "certificates: give the certificate and its issuing chain "
		    "only", CERT_BUNDLE_MAX_CERTS);
	}
	if (sk_X509_push(sk, x) <= 0) {
		X509_free(x);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int
parse_der(const uint8_t *data, size_t len, STACK_OF(X509) *sk)
{
	const unsigned char *p = data;
	X509 *x;
	size_t used;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return ts_error(TS_ERR_FORMAT, "the file is not a DER X.509 "
		    "certificate (a PKCS#7 or PKCS#12 file?): give the "
		    "certificate alone, DER or PEM");
	used = (size_t)(p - data);
	if (used != len) {
		X509_free(x);
		return ts_error(TS_ERR_FORMAT, "%zu bytes follow the DER "
		    "certificate: give the certificate alone, or a chain as "
		    "PEM", len - used);
	}
	return push_cert(sk, x);
}

/* One CERTIFICATE block's contents: exactly one certificate. */
static X509 *
block_cert(const unsigned char *der, long dlen)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, dlen);

	if (x != NULL && p != der + dlen) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/*
 * Every PEM block in turn. A private key anywhere wins over other faults
 * (the user must learn that it left the appliance), so after the first
 * fault the remaining blocks are still read, but only for their labels.
 */
static int
parse_pem(BIO *b, STACK_OF(X509) *sk)
{
	char label[48];
	int blk, r = 0;

	for (blk = 1;; blk++) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		unsigned long e;
		X509 *x;

		ERR_clear_error();
		if (!PEM_read_bio(b, &name, &header, &der, &dlen)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break; /* no more blocks */
			if (r == 0)
				r = ts_error(TS_ERR_FORMAT, "PEM block %d is "
				    "damaged or cut short (%s): export the "
				    "certificate again", blk,
				    ERR_reason_error_string(e) ?
				    ERR_reason_error_string(e) : "unreadable");
			break;
		}
		if (is_private_key_label(name)) {
			OPENSSL_free(name);
			OPENSSL_free(header);
			OPENSSL_free(der);
			return ts_error(TS_ERR_INVALID, "the file holds a "
			    "private key: give the certificate only (PEM "
			    "block %d)", blk);
		}
		if (r == 0 && strcmp(name, PEM_STRING_X509) != 0 &&
		    strcmp(name, PEM_STRING_X509_OLD) != 0) {
			label_text(name, label, sizeof(label));
			r = ts_error(TS_ERR_FORMAT, "PEM block %d is \"%s\", "
			    "not a CERTIFICATE: %s", blk, label,
			    label_hint(name));
		} else if (r == 0) {
			if ((x = block_cert(der, dlen)) == NULL)
				r = ts_error(TS_ERR_FORMAT, "PEM block %d is "
				    "labelled CERTIFICATE but does not hold an "
				    "X.509 certificate: export the certificate "
				    "again", blk);
			else
				r = push_cert(sk, x);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
	}
	if (r == 0 && sk_X509_num(sk) == 0)
		r = ts_error(TS_ERR_FORMAT, "no certificate in the file: give "
		    "a DER certificate or PEM with a BEGIN CERTIFICATE block");
	return r;
}

int
cert_bundle_parse(const uint8_t *data, size_t len, STACK_OF(X509) **chain)
{
	STACK_OF(X509) *sk;
	BIO *b = NULL;
	int r;

	*chain = NULL;
	if (data == NULL || len == 0)
		return ts_error(TS_ERR_FORMAT, "the certificate file is empty: "
		    "give the CA-signed certificate, DER or PEM");
	if (len > CERT_BUNDLE_MAX_BYTES)
		return ts_error(TS_ERR_LIMIT, "the certificate file is %zu "
		    "bytes, over the %d-byte limit: give the certificate and "
		    "its issuing chain only", len, CERT_BUNDLE_MAX_BYTES);
	if ((sk = sk_X509_new_null()) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	/* DER is a SEQUENCE; PEM text never starts with that byte */
	if (data[0] == 0x30) {
		r = parse_der(data, len, sk);
	} else if ((b = BIO_new_mem_buf(data, (int)len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
	} else {
		r = parse_pem(b, sk);
	}
	BIO_free(b);
	ERR_clear_error();
	if (r != 0) {
		sk_X509_pop_free(sk, X509_free);
		return r;
	}
	*chain = sk;
	return 0;
}

static void
time_text(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, size, "%lld (Unix time)", (long long)t);
}

static int
check_usage(X509 *leaf, const struct purpose *p)
{
	uint32_t flags = X509_get_extension_flags(leaf);
	uint32_t ku;
	int rsa_tls;

	if (flags & EXFLAG_INVALID)
		return ts_error(TS_ERR_INVALID, "the certificate has a "
		    "malformed or repeated extension: have the CA issue it "
		    "again");
	if (flags & EXFLAG_KUSAGE) {
		ku = X509_get_key_usage(leaf);
		rsa_tls = p->server_auth &&
		    EVP_PKEY_get_base_id(X509_get0_pubkey(leaf)) ==
		    EVP_PKEY_RSA;
		if (!(ku & KU_DIGITAL_SIGNATURE) ||
		    (rsa_tls && !(ku & KU_KEY_ENCIPHERMENT)))
			return ts_error(TS_ERR_INVALID, "the certificate's key "
			    "usage lacks %s%s%s, which %s needs: have the CA "
			    "issue it with %s", !(ku & KU_DIGITAL_SIGNATURE) ?
			    "digitalSignature" : "",
			    !(ku & KU_DIGITAL_SIGNATURE) && rsa_tls &&
			    !(ku & KU_KEY_ENCIPHERMENT) ? " and " : "",
			    rsa_tls && !(ku & KU_KEY_ENCIPHERMENT) ?
			    "keyEncipherment" : "", p->name, rsa_tls ?
			    "digitalSignature and keyEncipherment" :
			    "digitalSignature");
	}
	if ((flags & EXFLAG_XKUSAGE) && p->server_auth &&
	    !(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER))
		return ts_error(TS_ERR_INVALID, "the certificate's extended "
		    "key usage lacks serverAuth, which %s needs for TLS: have "
		    "the CA issue it with serverAuth (and clientAuth)",
		    p->name);
	return 0;
}

/* cur is certificate pos of the bundle, issuer the next one. */
static int
check_link(X509 *cur, X509 *issuer, int pos)
{
	char cn[NAME_TEXT_MAX], in[NAME_TEXT_MAX];
	EVP_PKEY *ik;
	int rc;

	rc = X509_check_issued(issuer, cur);
	if (rc != X509_V_OK) {
		name_text(X509_get_subject_name(cur), cn, sizeof(cn));
		name_text(X509_get_subject_name(issuer), in, sizeof(in));
		return ts_error(TS_ERR_INVALID, "certificate %d of the chain "
		    "(%s) is not issued by certificate %d (%s): %s; give the "
		    "certificate first, then its issuer, then that one's "
		    "issuer", pos, cn, pos + 1, in,
		    X509_verify_cert_error_string(rc));
	}
	if ((ik = X509_get0_pubkey(issuer)) == NULL ||
	    X509_verify(cur, ik) != 1) {
		name_text(X509_get_subject_name(cur), cn, sizeof(cn));
		return ts_error(TS_ERR_INVALID, "the signature of certificate "
		    "%d of the chain (%s) does not verify with the key of "
		    "certificate %d: the chain holds a different issuer of "
		    "the same name; give the issuing chain the CA sent", pos,
		    cn, pos + 1);
	}
	return 0;
}

int
cert_import_check(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *expected_pub,
    const struct purpose *p, time_t now)
{
	EVP_PKEY *lk;
	X509 *cur;
	time_t nb, na;
	char when[64];
	int i, n, start = 0, r;

	if (leaf == NULL || expected_pub == NULL || p == NULL)
		return ts_error(TS_ERR_INVALID, "certificate import: the "
		    "certificate, the pending key and the purpose are all "
		    "required");
	if ((lk = X509_get0_pubkey(leaf)) == NULL) {
		ERR_clear_error();
		return ts_error(TS_ERR_INVALID, "the certificate's public key "
		    "cannot be read, so it does not match the pending CSR key "
		    "of %s: have the CA issue it again", p->name);
	}
	if (EVP_PKEY_eq(lk, expected_pub) != 1) {
		ERR_clear_error();
		return ts_error(TS_ERR_INVALID, "the certificate's public key "
		    "does not match the pending CSR key of %s: it was issued "
		    "for another request", p->name);
	}
	if ((r = cert_validity(leaf, &nb, &na)) != 0)
		return r;
	if (now < nb) {
		time_text(nb, when, sizeof(when));
		return ts_error(TS_ERR_INVALID, "the certificate is not valid "
		    "yet: its notBefore is %s; check the appliance clock, or "
		    "import it after that time", when);
	}
	if (now > na) {
		time_text(na, when, sizeof(when));
		return ts_error(TS_ERR_INVALID, "the certificate has expired: "
		    "its notAfter is %s; have the CA issue a new one for the "
		    "pending CSR", when);
	}
	if ((r = check_usage(leaf, p)) != 0)
		return r;

	n = chain ? sk_X509_num(chain) : 0;
	/* a whole bundle, leaf first, is taken as well */
	if (n > 0 && X509_cmp(sk_X509_value(chain, 0), leaf) == 0)
		start = 1;
	cur = leaf;
	for (i = start; i < n; i++) {
		X509 *issuer = sk_X509_value(chain, i);

		if ((r = check_link(cur, issuer, i - start + 1)) != 0) {
			ERR_clear_error();
			return r;
		}
		cur = issuer;
	}
	return 0;
}

int
cert_pem_encode(STACK_OF(X509) *chain, char **pem, size_t *len)
{
	BIO *b;
	char *p;
	long n;
	int i;

	*pem = NULL;
	*len = 0;
	if (chain == NULL || sk_X509_num(chain) == 0)
		return ts_error(TS_ERR_INVALID, "no certificate to export");
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(chain, i))) {
			BIO_free(b);
			return ts_error(TS_ERR_CRYPTO, "cannot encode "
			    "certificate %d of the chain as PEM", i + 1);
		}
	if ((n = BIO_get_mem_data(b, &p)) <= 0) {
		BIO_free(b);
		return ts_error(TS_ERR_CRYPTO, "cannot encode the chain as "
		    "PEM");
	}
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		BIO_free(b);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return 0;
}
