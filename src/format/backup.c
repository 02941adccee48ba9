/* backup.c - the backup file, through libtasn1. */
#include "format/backup.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL first: libtasn1.h defines ASN1_TYPE, which OpenSSL typedefs */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <libtasn1.h>

#include "util/error.h"

extern const asn1_static_node backup_asn1_tab[];

static pthread_once_t defs_once = PTHREAD_ONCE_INIT;
static asn1_node defs;
static int defs_rc;

static void
defs_load(void)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];

	defs_rc = asn1_array2tree(backup_asn1_tab, &defs, err);
}

static int
element(const char *type, asn1_node *node)
{
	char name[64];

	pthread_once(&defs_once, defs_load);
	if (defs_rc != ASN1_SUCCESS)
		return ts_error(TS_ERR_FORMAT, "the backup ASN.1 module does "
		    "not load: %s", asn1_strerror(defs_rc));
	snprintf(name, sizeof(name), "TLVSIGN-BACKUP.%s", type);
	*node = NULL;
	if (asn1_create_element(defs, name, node) != ASN1_SUCCESS)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	return 0;
}

static int
bad(const char *field, const char *why)
{
	return ts_error(TS_ERR_FORMAT, "not a valid backup: %s %s", field, why);
}

/* Read a field into a fixed buffer of exactly or at most size bytes. */
static int
read_fixed(asn1_node n, const char *name, void *buf, size_t min, size_t max,
    size_t *got)
{
	int len = (int)max, rc;

	*got = 0;
	rc = asn1_read_value(n, name, buf, &len);
	if (rc == ASN1_MEM_ERROR)
		return bad(name, "is too long");
	if (rc != ASN1_SUCCESS)
		return bad(name, "is missing");
	if ((size_t)len < min)
		return bad(name, "is too short");
	*got = (size_t)len;
	return 0;
}

/* A text field: UTF-8 without NUL or control bytes. */
static int
read_text(asn1_node n, const char *name, char *buf, size_t size)
{
	size_t len, i;
	int r;

	if ((r = read_fixed(n, name, buf, 1, size - 1, &len)) != 0)
		return r;
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return bad(name, "holds control characters");
	return 0;
}

/* A variable-length octet string, malloc'd. */
static int
read_alloc(asn1_node n, const char *name, size_t max, uint8_t **buf,
    size_t *blen)
{
	int len = 0, rc;

	*buf = NULL;
	*blen = 0;
	rc = asn1_read_value(n, name, NULL, &len);
	if (rc == ASN1_ELEMENT_NOT_FOUND || rc == ASN1_VALUE_NOT_FOUND)
		return bad(name, "is missing");
	if (rc != ASN1_MEM_ERROR && rc != ASN1_SUCCESS)
		return bad(name, "does not decode");
	if (len <= 0)
		return bad(name, "is empty");
	if ((size_t)len > max)
		return bad(name, "is too long");
	if ((*buf = malloc((size_t)len)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (asn1_read_value(n, name, *buf, &len) != ASN1_SUCCESS) {
		free(*buf);
		*buf = NULL;
		return bad(name, "does not decode");
	}
	*blen = (size_t)len;
	return 0;
}

/* A non-negative INTEGER up to max. */
static int
read_uint(asn1_node n, const char *name, unsigned long max,
    unsigned long *v)
{
	uint8_t b[9];
	size_t len, i;
	int r;

	if ((r = read_fixed(n, name, b, 1, sizeof(b), &len)) != 0)
		return r;
	if (b[0] & 0x80)
		return bad(name, "is negative");
	*v = 0;
	for (i = 0; i < len; i++) {
		if (*v > (ULONG_MAX >> 8))
			return bad(name, "is out of range");
		*v = (*v << 8) | b[i];
	}
	if (*v > max)
		return bad(name, "is out of range");
	return 0;
}

static int
read_oid(asn1_node n, const char *name, char *buf, size_t size)
{
	size_t len;
	int r;

	if ((r = read_fixed(n, name, buf, 1, size - 1, &len)) != 0)
		return r;
	buf[len] = '\0';
	return 0;
}

static int
expect_oid(asn1_node n, const char *name, const char *want)
{
	char oid[64];
	int r;

	if ((r = read_oid(n, name, oid, sizeof(oid))) != 0)
		return r;
	if (strcmp(oid, want) != 0)
		return ts_error(TS_ERR_FORMAT, "unsupported backup: %s is %s, "
		    "not %s", name, oid, want);
	return 0;
}

/* GeneralizedTime "YYYYMMDDHHMMSSZ" to time_t. */
static int
read_time(asn1_node n, const char *name, time_t *t)
{
	char s[32];
	struct tm tm;
	size_t len, i;
	int r;

	if ((r = read_fixed(n, name, s, 15, sizeof(s) - 1, &len)) != 0)
		return r;
	if (s[len - 1] == '\0')
		len--;          /* libtasn1 counts the terminator of times */
	s[len] = '\0';
	if (len != 15 || s[14] != 'Z')
		return bad(name, "is not YYYYMMDDHHMMSSZ");
	for (i = 0; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return bad(name, "is not YYYYMMDDHHMMSSZ");
	memset(&tm, 0, sizeof(tm));
#define D(o, w) (s[o] - '0') * (w)
	tm.tm_year = D(0, 1000) + D(1, 100) + D(2, 10) + D(3, 1) - 1900;
	tm.tm_mon = D(4, 10) + D(5, 1) - 1;
	tm.tm_mday = D(6, 10) + D(7, 1);
	tm.tm_hour = D(8, 10) + D(9, 1);
	tm.tm_min = D(10, 10) + D(11, 1);
	tm.tm_sec = D(12, 10) + D(13, 1);
#undef D
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return bad(name, "is not a valid time");
	*t = timegm(&tm);
	return 0;
}

static int
parse_key(asn1_node n, size_t i, struct backup_key *k)
{
	char name[96];
	unsigned long v;
	size_t len;
	int r, rc, clen = 0;

#define F(f) (snprintf(name, sizeof(name), "manifest.keys.?%zu.%s", i + 1, \
	(f)), name)
	if ((r = read_text(n, F("label"), k->label, sizeof(k->label))) != 0 ||
	    (r = read_text(n, F("purpose"), k->purpose,
	    sizeof(k->purpose))) != 0 ||
	    (r = read_text(n, F("node"), k->node, sizeof(k->node))) != 0 ||
	    (r = read_text(n, F("state"), k->state, sizeof(k->state))) != 0)
		return r;
	if (strcmp(k->state, "active") != 0 && strcmp(k->state, "retired") !=
	    0 && strcmp(k->state, "csr") != 0)
		return bad(F("state"), "is not active, retired or csr");
	if ((r = read_uint(n, F("keyType"), 2, &v)) != 0)
		return r;
	if (v != BACKUP_KEY_RSA && v != BACKUP_KEY_EC)
		return bad(name, "is neither 1 (RSA) nor 2 (EC)");
	k->type = (enum backup_key_type)v;
	if ((r = read_uint(n, F("keyBits"), 16384, &v)) != 0)
		return r;
	k->bits = (unsigned)v;
	if ((r = read_fixed(n, F("keyId"), k->id, 1, sizeof(k->id),
	    &k->id_len)) != 0 ||
	    (r = read_alloc(n, F("publicKey"), 4096, &k->spki,
	    &k->spki_len)) != 0 ||
	    (r = read_alloc(n, F("wrappedKey"), 8192, &k->wrapped,
	    &k->wrapped_len)) != 0 ||
	    (r = read_fixed(n, F("wrappedKeySha256"), k->wrapped_sha256, 32,
	    32, &len)) != 0)
		return r;
	rc = asn1_read_value(n, F("certificate"), NULL, &clen);
	if (rc == ASN1_MEM_ERROR || (rc == ASN1_SUCCESS && clen > 0))
		return read_alloc(n, name, 65536, &k->cert, &k->cert_len);
	if (rc != ASN1_ELEMENT_NOT_FOUND && rc != ASN1_VALUE_NOT_FOUND &&
	    rc != ASN1_SUCCESS)
		return bad(name, "does not decode");
#undef F
	return 0;
}

int
backup_parse(const uint8_t *der, size_t len, struct backup *b)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	asn1_node n = NULL;
	unsigned long v;
	size_t got, i;
	int r, rc, dlen, start, end, count = 0;

	memset(b, 0, sizeof(*b));
	if (len == 0)
		return ts_error(TS_ERR_FORMAT, "not a valid backup: the file "
		    "is empty");
	if (len > BACKUP_MAX_FILE)
		return ts_error(TS_ERR_LIMIT, "not a valid backup: larger than "
		    "%u MiB", BACKUP_MAX_FILE >> 20);
	/* the outer length first, for a clear word on cut or padded files */
	if (der[0] == 0x30 && len >= 2) {
		size_t hl = 2, clen = der[1], k;

		if (der[1] & 0x80) {
			k = der[1] & 0x7f;
			if (k == 0 || k > 4 || len < 2 + k)
				return bad("the file", "does not start with a "
				    "DER SEQUENCE");
			for (clen = 0, hl = 2; hl < 2 + k; hl++)
				clen = clen << 8 | der[hl];
		}
		if (hl + clen > len)
			return ts_error(TS_ERR_TRUNCATED, "not a valid backup: "
			    "the file is truncated (%zu of %zu bytes)", len,
			    hl + clen);
		if (hl + clen < len)
			return bad("the file", "has bytes after the backup");
	}
	if ((r = element("Backup", &n)) != 0)
		return r;
	dlen = (int)len;
	rc = asn1_der_decoding2(&n, der, &dlen, ASN1_DECODE_FLAG_STRICT_DER,
	    err);
	if (rc != ASN1_SUCCESS) {
		r = ts_error(TS_ERR_FORMAT, "not a valid backup: %s (%s)",
		    asn1_strerror(rc), err);
		goto out;
	}
	if ((size_t)dlen != len) {
		r = bad("the file", "has bytes after the backup");
		goto out;
	}
	if ((r = read_uint(n, "manifest.version", 1000, &v)) != 0)
		goto out;
	if (v != BACKUP_VERSION) {
		r = ts_error(TS_ERR_FORMAT, "unsupported backup version %lu "
		    "(this tlvsign reads version %d)", v, BACKUP_VERSION);
		goto out;
	}
	b->version = (unsigned)v;
	if ((r = read_text(n, "manifest.clusterName", b->cluster_name,
	    sizeof(b->cluster_name))) != 0 ||
	    (r = read_fixed(n, "manifest.clusterId", b->cluster_id,
	    BACKUP_CLUSTER_ID_LEN, BACKUP_CLUSTER_ID_LEN, &got)) != 0 ||
	    (r = read_time(n, "manifest.created", &b->created)) != 0 ||
	    (r = read_text(n, "manifest.producer", b->producer,
	    sizeof(b->producer))) != 0 ||
	    (r = expect_oid(n, "manifest.kdf.algorithm",
	    BACKUP_OID_PBKDF2)) != 0 ||
	    (r = expect_oid(n, "manifest.kdf.prf",
	    BACKUP_OID_HMAC_SHA256)) != 0 ||
	    (r = read_fixed(n, "manifest.kdf.salt", b->salt, BACKUP_SALT_MIN,
	    BACKUP_SALT_MAX, &b->salt_len)) != 0 ||
	    (r = read_uint(n, "manifest.kdf.iterations",
	    BACKUP_ITERATIONS_MAX, &b->iterations)) != 0)
		goto out;
	if (b->iterations < BACKUP_ITERATIONS_MIN) {
		r = bad("manifest.kdf.iterations", "is below 600,000");
		goto out;
	}
	if ((r = expect_oid(n, "manifest.inventory.algorithm",
	    BACKUP_OID_AES256_GCM)) != 0 ||
	    (r = read_fixed(n, "manifest.inventory.iv", b->iv, BACKUP_IV_LEN,
	    BACKUP_IV_LEN, &got)) != 0 ||
	    (r = read_fixed(n, "manifest.inventory.tag", b->tag,
	    BACKUP_TAG_LEN, BACKUP_TAG_LEN, &got)) != 0 ||
	    (r = read_alloc(n, "manifest.inventory.ciphertext",
	    BACKUP_MAX_FILE, &b->inventory, &b->inventory_len)) != 0)
		goto out;
	if (asn1_number_of_elements(n, "manifest.keys", &count) !=
	    ASN1_SUCCESS)
		count = 0;
	if (count < 0 || count > BACKUP_MAX_KEYS) {
		r = bad("manifest.keys", "holds too many keys");
		goto out;
	}
	if (count > 0 && (b->keys = calloc((size_t)count,
	    sizeof(*b->keys))) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	b->nkeys = (size_t)count;
	for (i = 0; i < b->nkeys; i++)
		if ((r = parse_key(n, i, &b->keys[i])) != 0)
			goto out;
	if ((r = read_oid(n, "signatureAlgorithm", b->sig_alg,
	    sizeof(b->sig_alg))) != 0)
		goto out;
	if (strcmp(b->sig_alg, BACKUP_OID_RSA_SHA256) != 0 &&
	    strcmp(b->sig_alg, BACKUP_OID_ECDSA_SHA256) != 0) {
		r = ts_error(TS_ERR_FORMAT, "unsupported backup signature "
		    "algorithm %s", b->sig_alg);
		goto out;
	}
	if ((r = read_alloc(n, "signature", 1024, &b->signature,
	    &b->signature_len)) != 0 ||
	    (r = read_alloc(n, "signerCertificate", 65536, &b->signer,
	    &b->signer_len)) != 0)
		goto out;
	{
		uint8_t want[32], got_sha[32];

		if ((r = read_fixed(n, "manifest.signerSha256", want, 32, 32,
		    &got)) != 0)
			goto out;
		SHA256(b->signer, b->signer_len, got_sha);
		if (CRYPTO_memcmp(want, got_sha, 32) != 0) {
			r = ts_error(TS_ERR_SIGNATURE, "the backup's signer "
			    "certificate is not the one its manifest names: "
			    "the file was altered");
			goto out;
		}
	}
	if (asn1_der_decoding_startEnd(n, der, (int)len, "manifest", &start,
	    &end) != ASN1_SUCCESS || start < 0 || end < start ||
	    (size_t)end >= len) {
		r = bad("manifest", "cannot be located");
		goto out;
	}
	b->manifest_len = (size_t)(end - start + 1);
	if ((b->manifest = malloc(b->manifest_len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->manifest, der + start, b->manifest_len);
out:
	asn1_delete_structure(&n);
	if (r != 0)
		backup_free(b);
	return r;
}

/* ---- encoding ---- */

static int
wr(asn1_node n, const char *name, const void *v, size_t len)
{
	int rc;

	if ((rc = asn1_write_value(n, name, v, (int)len)) != ASN1_SUCCESS)
		return ts_error(TS_ERR_FORMAT, "backup encoding: %s: %s",
		    name, asn1_strerror(rc));
	return 0;
}

static int
wr_uint(asn1_node n, const char *name, unsigned long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lu", v);
	return wr(n, name, s, 0);
}

static int
encode_key(asn1_node n, const struct backup_key *k)
{
	const char *p = "manifest.keys.?LAST.";
	char name[64];
	int r;

	if ((r = wr(n, "manifest.keys", "NEW", 1)) != 0)
		return r;
#define F(f) (snprintf(name, sizeof(name), "%s%s", p, (f)), name)
	if ((r = wr(n, F("label"), k->label, strlen(k->label))) != 0 ||
	    (r = wr(n, F("purpose"), k->purpose, strlen(k->purpose))) != 0 ||
	    (r = wr(n, F("node"), k->node, strlen(k->node))) != 0 ||
	    (r = wr(n, F("state"), k->state, strlen(k->state))) != 0 ||
	    (r = wr_uint(n, F("keyType"), k->type)) != 0 ||
	    (r = wr_uint(n, F("keyBits"), k->bits)) != 0 ||
	    (r = wr(n, F("keyId"), k->id, k->id_len)) != 0 ||
	    (r = wr(n, F("publicKey"), k->spki, k->spki_len)) != 0 ||
	    (r = wr(n, F("wrappedKey"), k->wrapped, k->wrapped_len)) != 0 ||
	    (r = wr(n, F("wrappedKeySha256"), k->wrapped_sha256, 32)) != 0)
		return r;
	if (k->cert != NULL)
		return wr(n, F("certificate"), k->cert, k->cert_len);
	return wr(n, F("certificate"), NULL, 0);
#undef F
}

static int
der_of(asn1_node n, uint8_t **der, size_t *len)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	int dlen = 0, rc;

	*der = NULL;
	rc = asn1_der_coding(n, "", NULL, &dlen, err);
	if (rc != ASN1_MEM_ERROR || dlen <= 0)
		return ts_error(TS_ERR_FORMAT, "backup encoding: %s (%s)",
		    asn1_strerror(rc), err);
	if ((*der = malloc((size_t)dlen)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((rc = asn1_der_coding(n, "", *der, &dlen, err)) != ASN1_SUCCESS) {
		free(*der);
		*der = NULL;
		return ts_error(TS_ERR_FORMAT, "backup encoding: %s (%s)",
		    asn1_strerror(rc), err);
	}
	*len = (size_t)dlen;
	return 0;
}

int
backup_encode(struct backup *b, backup_sign_fn sign, void *arg,
    uint8_t **der, size_t *len)
{
	asn1_node n = NULL;
	struct tm tm;
	char when[32];
	uint8_t *first = NULL, *sig = NULL, signer_sha[32];
	const char *alg = NULL;
	size_t flen = 0, siglen = 0, i;
	int r, start, end;

	*der = NULL;
	*len = 0;
	if (b->nkeys > BACKUP_MAX_KEYS)
		return ts_error(TS_ERR_LIMIT, "more than %d keys to back up",
		    BACKUP_MAX_KEYS);
	if (gmtime_r(&b->created, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y%m%d%H%M%SZ", &tm) != 15)
		return ts_error(TS_ERR_FORMAT, "bad backup time");
	if ((r = element("Backup", &n)) != 0)
		return r;
	if ((r = wr_uint(n, "manifest.version", BACKUP_VERSION)) != 0 ||
	    (r = wr(n, "manifest.clusterName", b->cluster_name,
	    strlen(b->cluster_name))) != 0 ||
	    (r = wr(n, "manifest.clusterId", b->cluster_id,
	    sizeof(b->cluster_id))) != 0 ||
	    (r = wr(n, "manifest.created", when, strlen(when))) != 0 ||
	    (r = wr(n, "manifest.producer", b->producer,
	    strlen(b->producer))) != 0 ||
	    (r = wr(n, "manifest.kdf.algorithm", BACKUP_OID_PBKDF2, 1)) != 0 ||
	    (r = wr(n, "manifest.kdf.salt", b->salt, b->salt_len)) != 0 ||
	    (r = wr_uint(n, "manifest.kdf.iterations", b->iterations)) != 0 ||
	    (r = wr(n, "manifest.kdf.prf", BACKUP_OID_HMAC_SHA256, 1)) != 0 ||
	    (r = wr(n, "manifest.inventory.algorithm", BACKUP_OID_AES256_GCM,
	    1)) != 0 ||
	    (r = wr(n, "manifest.inventory.iv", b->iv, sizeof(b->iv))) != 0 ||
	    (r = wr(n, "manifest.inventory.ciphertext", b->inventory,
	    b->inventory_len)) != 0 ||
	    (r = wr(n, "manifest.inventory.tag", b->tag,
	    sizeof(b->tag))) != 0)
		goto out;
	if (b->signer == NULL || b->signer_len == 0) {
		r = ts_error(TS_ERR_INVALID, "backup encoding: no signer");
		goto out;
	}
	SHA256(b->signer, b->signer_len, signer_sha);
	if ((r = wr(n, "manifest.signerSha256", signer_sha, 32)) != 0)
		goto out;
	for (i = 0; i < b->nkeys; i++)
		if ((r = encode_key(n, &b->keys[i])) != 0)
			goto out;
	/* a first pass with a placeholder signature gives the manifest's
	 * DER, which does not depend on the fields after it */
	if ((r = wr(n, "signatureAlgorithm", BACKUP_OID_RSA_SHA256, 1)) != 0 ||
	    (r = wr(n, "signature", "", 1)) != 0 ||
	    (r = wr(n, "signerCertificate", "", 1)) != 0 ||
	    (r = der_of(n, &first, &flen)) != 0)
		goto out;
	if (asn1_der_decoding_startEnd(n, first, (int)flen, "manifest",
	    &start, &end) != ASN1_SUCCESS) {
		r = ts_error(TS_ERR_FORMAT, "backup encoding: no manifest");
		goto out;
	}
	if ((r = sign(first + start, (size_t)(end - start + 1), arg, &sig,
	    &siglen, &alg)) != 0)
		goto out;
	if ((r = wr(n, "signatureAlgorithm", alg, 1)) != 0 ||
	    (r = wr(n, "signature", sig, siglen)) != 0 ||
	    (r = wr(n, "signerCertificate", b->signer, b->signer_len)) != 0 ||
	    (r = der_of(n, der, len)) != 0)
		goto out;
	free(b->manifest);
	free(b->signature);
	b->manifest = NULL;
	b->signature = NULL;
	if ((b->manifest = malloc((size_t)(end - start + 1))) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	b->manifest_len = (size_t)(end - start + 1);
	memcpy(b->manifest, first + start, b->manifest_len);
	b->signature = sig;
	b->signature_len = siglen;
	sig = NULL;
	snprintf(b->sig_alg, sizeof(b->sig_alg), "%s", alg);
out:
	if (r != 0) {
		free(*der);
		*der = NULL;
		*len = 0;
	}
	free(first);
	free(sig);
	asn1_delete_structure(&n);
	return r;
}

void
backup_free(struct backup *b)
{
	size_t i;

	for (i = 0; i < b->nkeys; i++) {
		free(b->keys[i].spki);
		free(b->keys[i].cert);
		free(b->keys[i].wrapped);
	}
	free(b->keys);
	free(b->inventory);
	free(b->manifest);
	free(b->signature);
	free(b->signer);
	memset(b, 0, sizeof(*b));
}
