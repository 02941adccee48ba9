/* test_backup.c - the backup file (format/backup) and its secret-free
 * check (ops_backup_verify_data): a backup made with a software key
 * round-trips; every truncation, every flipped byte and each malformed
 * field is refused. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "cutap.h"
#include "format/backup.h"
#include "ops/backup.h"
#include "util/error.h"

static EVP_PKEY *signer_key, *other_key;
static X509 *signer_cert, *other_cert;
static uint8_t *signer_der, *good;
static size_t signer_der_len, good_len;

static X509 *
self_signed(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();

	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

struct soft_signer {
	EVP_PKEY *key;
	const uint8_t *cert;
	size_t cert_len;
};

static int
soft_sign(const uint8_t *m, size_t len, void *arg, uint8_t **sig,
    size_t *siglen, const char **alg)
{
	struct soft_signer *s = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	*siglen = (size_t)EVP_PKEY_get_size(s->key);
	*sig = malloc(*siglen);
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	    EVP_DigestSign(ctx, *sig, siglen, m, len) != 1) {
		EVP_MD_CTX_free(ctx);
		return ts_error(TS_ERR_CRYPTO, "sign");
	}
	EVP_MD_CTX_free(ctx);
	*alg = BACKUP_OID_RSA_SHA256;
	return 0;
}

/* A two-key backup with a small stand-in inventory; iterations and the
 * optional certificate of the second key vary per test. */
static int
make(unsigned long iterations, uint8_t **der, size_t *len)
{
	struct soft_signer s = { signer_key, signer_der, signer_der_len };
	struct backup b;
	size_t i;
	int r;

	memset(&b, 0, sizeof(b));
	snprintf(b.cluster_name, sizeof(b.cluster_name), "unitcluster");
	memset(b.cluster_id, 0x5a, sizeof(b.cluster_id));
	b.created = 1700000000;
	snprintf(b.producer, sizeof(b.producer), "tlvsign test");
	b.salt_len = 32;
	memset(b.salt, 7, b.salt_len);
	b.iterations = iterations;
	memset(b.iv, 1, sizeof(b.iv));
	memset(b.tag, 2, sizeof(b.tag));
	b.inventory_len = 64;
	b.inventory = calloc(1, 64);
	b.signer = malloc(s.cert_len);
	memcpy(b.signer, s.cert, s.cert_len);
	b.signer_len = s.cert_len;
	b.nkeys = 2;
	b.keys = calloc(2, sizeof(*b.keys));
	for (i = 0; i < 2; i++) {
		struct backup_key *k = &b.keys[i];
		uint8_t *p = NULL;
		int n = i2d_PUBKEY(signer_key, &p);

		snprintf(k->label, sizeof(k->label), "Key%zu@node", i);
		snprintf(k->purpose, sizeof(k->purpose), i ? "CallManager" :
		    "ITLRecovery");
		snprintf(k->node, sizeof(k->node), "node");
		snprintf(k->state, sizeof(k->state), i ? "csr" : "active");
		k->type = BACKUP_KEY_RSA;
		k->bits = 2048;
		k->id_len = 20;
		memset(k->id, (int)i + 1, 20);
		k->spki = malloc((size_t)n);
		memcpy(k->spki, p, (size_t)n);
		k->spki_len = (size_t)n;
		OPENSSL_free(p);
		if (i == 0) {
			k->cert = malloc(signer_der_len);
			memcpy(k->cert, signer_der, signer_der_len);
			k->cert_len = signer_der_len;
		}
		k->wrapped_len = 40 + 8 * i;
		k->wrapped = malloc(k->wrapped_len);
		memset(k->wrapped, 0xa0 + (int)i, k->wrapped_len);
		SHA256(k->wrapped, k->wrapped_len, k->wrapped_sha256);
	}
	r = backup_encode(&b, soft_sign, &s, der, len);
	backup_free(&b);
	return r;
}

static int
init_suite(void)
{
	uint8_t *p = NULL;
	int n;

	signer_key = EVP_RSA_gen(2048);
	other_key = EVP_RSA_gen(2048);
	if (signer_key == NULL || other_key == NULL)
		return 1;
	signer_cert = self_signed(signer_key, "ITLRECOVERY_unit");
	other_cert = self_signed(other_key, "ITLRECOVERY_other");
	if ((n = i2d_X509(signer_cert, &p)) <= 0)
		return 1;
	signer_der = p;
	signer_der_len = (size_t)n;
	return make(600000, &good, &good_len) != 0;
}

static int
clean_suite(void)
{
	EVP_PKEY_free(signer_key);
	EVP_PKEY_free(other_key);
	X509_free(signer_cert);
	X509_free(other_cert);
	OPENSSL_free(signer_der);
	free(good);
	return 0;
}

static int
verify(const uint8_t *d, size_t n)
{
	struct backup_check chk;
	int r = ops_backup_verify_data(NULL, "unit", d, n, NULL, NULL, &chk);

	backup_check_free(&chk);
	return r;
}

static void
test_round_trip(void)
{
	struct backup b;

	CU_ASSERT_EQUAL_FATAL(backup_parse(good, good_len, &b), 0);
	CHECK(strcmp(b.cluster_name, "unitcluster") == 0, "cluster %s",
	    b.cluster_name);
	CU_ASSERT_EQUAL(b.created, 1700000000);
	CU_ASSERT_EQUAL(b.iterations, 600000);
	CU_ASSERT_EQUAL(b.nkeys, 2);
	CU_ASSERT_EQUAL(b.salt_len, 32);
	CU_ASSERT_EQUAL(b.inventory_len, 64);
	CU_ASSERT_PTR_NOT_NULL(b.keys[0].cert);
	CU_ASSERT_PTR_NULL(b.keys[1].cert);
	CU_ASSERT_STRING_EQUAL(b.keys[1].state, "csr");
	CU_ASSERT_EQUAL(b.keys[1].wrapped_len, 48);
	CU_ASSERT_EQUAL(b.signer_len, signer_der_len);
	CU_ASSERT_STRING_EQUAL(b.sig_alg, BACKUP_OID_RSA_SHA256);
	/* the manifest is the DER right after the outer header */
	CU_ASSERT(b.manifest_len > 0 && b.manifest_len < good_len);
	backup_free(&b);
	CU_ASSERT_EQUAL(verify(good, good_len), 0);
}

static void
test_every_truncation(void)
{
	size_t n;

	for (n = 0; n < good_len; n++) {
		int r = verify(good, n);

		CHECK(r != 0, "a backup cut to %zu of %zu bytes was accepted",
		    n, good_len);
		if (n > 10)
			CHECK(r == TS_ERR_TRUNCATED, "a backup cut to %zu bytes: "
			    "%s", n, ts_error_detail(r));
	}
}

static void
test_every_flipped_byte(void)
{
	uint8_t *d = malloc(good_len);
	size_t i;

	for (i = 0; i < good_len; i++) {
		memcpy(d, good, good_len);
		d[i] ^= 0x01;
		CHECK(verify(d, good_len) != 0, "a flipped bit in byte %zu of "
		    "%zu went unnoticed", i, good_len);
	}
	free(d);
}

static void
test_trailing_bytes(void)
{
	uint8_t *d = malloc(good_len + 1);
	int r;

	memcpy(d, good, good_len);
	d[good_len] = 0;
	r = verify(d, good_len + 1);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(r), "after the backup"));
	free(d);
}

static void
test_weak_kdf_refused(void)
{
	uint8_t *d = NULL;
	size_t n = 0;
	int r;

	CU_ASSERT_EQUAL_FATAL(make(1000, &d, &n), 0);
	r = verify(d, n);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(r), "600,000"));
	free(d);
	CU_ASSERT_EQUAL_FATAL(make(BACKUP_ITERATIONS_MAX + 1, &d, &n), 0);
	CU_ASSERT_EQUAL(verify(d, n), TS_ERR_FORMAT);
	free(d);
}

static void
test_version_refused(void)
{
	uint8_t *d = malloc(good_len);
	size_t i;
	int r;

	memcpy(d, good, good_len);
	/* the first INTEGER of the manifest: 02 01 01 */
	for (i = 0; i + 2 < good_len; i++)
		if (d[i] == 0x02 && d[i + 1] == 0x01 && d[i + 2] == 0x01)
			break;
	CU_ASSERT_FATAL(i + 2 < good_len);
	d[i + 2] = 2;
	r = verify(d, good_len);
	CU_ASSERT_EQUAL(r, TS_ERR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(r), "version 2"));
	free(d);
}

static void
test_wrong_anchor(void)
{
	struct backup_check chk;
	char path[] = "/tmp/tlvsign-unit-cert.XXXXXX";
	FILE *fp;
	int fd, r;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fp = fdopen(fd, "w");
	i2d_X509_fp(fp, other_cert);
	fclose(fp);
	r = ops_backup_verify_data(NULL, "unit", good, good_len, NULL, path,
	    &chk);
	CU_ASSERT_EQUAL(r, TS_ERR_SIGNATURE);
	CU_ASSERT_EQUAL(chk.signature_ok, 1);
	CU_ASSERT_EQUAL(chk.anchor, 0);
	backup_check_free(&chk);
	fp = fopen(path, "w");
	i2d_X509_fp(fp, signer_cert);
	fclose(fp);
	r = ops_backup_verify_data(NULL, "unit", good, good_len, NULL, path,
	    &chk);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(chk.anchor, 1);
	backup_check_free(&chk);
	unlink(path);
}

static void
test_garbage(void)
{
	static const uint8_t indefinite[] = { 0x30, 0x80, 0x02, 0x01, 0x01,
		0x00, 0x00 };
	static const uint8_t huge_len[] = { 0x30, 0x84, 0x7f, 0xff, 0xff,
		0xff };

	CU_ASSERT_EQUAL(verify((const uint8_t *)"", 0), TS_ERR_FORMAT);
	CU_ASSERT_EQUAL(verify(indefinite, sizeof(indefinite)), TS_ERR_FORMAT);
	CU_ASSERT_EQUAL(verify(huge_len, sizeof(huge_len)), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(verify(signer_der, signer_der_len), TS_ERR_FORMAT);
}

int
main(int argc, char **argv)
{
	static const struct cutap_test tests[] = {
		{ "encode and parse round trip", test_round_trip },
		{ "every truncation refused", test_every_truncation },
		{ "every flipped byte refused", test_every_flipped_byte },
		{ "trailing bytes refused", test_trailing_bytes },
		{ "KDF below 600,000 iterations or absurd refused",
		  test_weak_kdf_refused },
		{ "unknown version refused", test_version_refused },
		{ "signer compared with a given certificate", test_wrong_anchor },
		{ "garbage, BER and huge lengths refused", test_garbage },
	};
	/* `test_backup --write-seed FILE`: the fuzz corpus seed */
	if (argc == 3 && strcmp(argv[1], "--write-seed") == 0) {
		FILE *fp;

		if (init_suite() != 0 || (fp = fopen(argv[2], "wb")) == NULL ||
		    fwrite(good, 1, good_len, fp) != good_len || fclose(fp))
			return 1;
		clean_suite();
		return 0;
	}
	return cutap_main(&(struct cutap_suite){ .name = "backup",
	    .init = init_suite, .clean = clean_suite }, tests,
	    CUTAP_N(tests));
}
