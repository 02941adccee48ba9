/* test_token.c - the PKCS#11 layer against a throwaway SoftHSM2 token. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "cutap.h"
#include "token/token.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/purpose.h"

static char dir[] = "/tmp/tlvsign-token-XXXXXX";
static const char *module;
static struct token *tok;

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static int
suite_init(void)
{
	char path[512], conf[1024];

	module = getenv("PKCS11_MODULE");
	if (module == NULL)
		module = "/usr/lib/softhsm/libsofthsm2.so";
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", dir);
	mkdir(path, 0700);
	snprintf(conf, sizeof(conf), "directories.tokendir = %s\n"
	    "objectstore.backend = file\nlog.level = ERROR\n"
	    "slots.removable = false\n", path);
	write_file("softhsm2.conf", conf, 0600);
	write_file("pin", "unit-pin-1234\n", 0600);
	write_file("so-pin", "unit-so-5678\n", 0600);
	write_file("badpin", "nope-nope\n", 0600);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", path, 1);
	snprintf(path, sizeof(path), "%s/so-pin", dir);
	setenv("TLVSIGN_SO_PIN_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/pin", dir);
	setenv("TLVSIGN_PIN_FILE", path, 1);
	if (token_initialize(module, "pkcs11:token=unit", NULL) != 0) {
		fprintf(stderr, "# %s\n", ts_error_detail(TS_ERR_TOKEN));
		return -1;
	}
	if (token_open(module, "unit", &tok) != 0 ||
	    token_login(tok, NULL) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	char cmd[600];

	token_close(tok);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_initialize_twice(void)
{
	CU_ASSERT_EQUAL(token_initialize(module, "pkcs11:token=unit", NULL),
	    TS_ERR_EXISTS);
}

static void
test_find_by_uri_and_label(void)
{
	struct token *t = NULL;
	struct token_info info;

	CU_ASSERT_EQUAL(token_open(module, "pkcs11:token=unit", &t), 0);
	CU_ASSERT_EQUAL(token_get_info(t, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.label, "unit");
	CU_ASSERT_STRING_EQUAL(info.manufacturer, "SoftHSM project");
	token_close(t);
	CU_ASSERT_EQUAL(token_open(module, "pkcs11:token=nosuch", &t),
	    TS_ERR_NOTFOUND);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(token_open(module, "nosuch", &t), TS_ERR_NOTFOUND);
	CU_ASSERT_EQUAL(token_open(module, "pkcs11:token=unit;pin-value=1",
	    &t), TS_ERR_CONFIG);
	CU_ASSERT_EQUAL(token_open(module, "pkcs11:%zz", &t), TS_ERR_CONFIG);
	CU_ASSERT_EQUAL(token_open("/nonexistent.so", "unit", &t),
	    TS_ERR_TOKEN);
}

/* Logged in already (login state is per application): no PIN is read, so
 * a PIN file that would be refused is never even opened. */
static void
test_no_pin_read_when_logged_in(void)
{
	char path[512];
	struct token *t = NULL;

	snprintf(path, sizeof(path), "%s/badpin", dir);
	chmod(path, 0644);
	setenv("TLVSIGN_PIN_FILE", path, 1);
	CU_ASSERT_EQUAL(token_open(module, "unit", &t), 0);
	CU_ASSERT_EQUAL(token_login(t, NULL), 0);
	token_close(t);
	snprintf(path, sizeof(path), "%s/pin", dir);
	setenv("TLVSIGN_PIN_FILE", path, 1);
}

static void
test_generate_refuses_bad_sizes(void)
{
	struct token_key k;

	CU_ASSERT_EQUAL(token_generate(tok, TOKEN_KEY_RSA, 1024, "bad", &k),
	    TS_ERR_INVALID);
	CU_ASSERT_EQUAL(token_generate(tok, TOKEN_KEY_EC, 521, "bad", &k),
	    TS_ERR_INVALID);
	CU_ASSERT_EQUAL(token_find_key(tok, "bad", &k), TS_ERR_NOTFOUND);
}

/* Generate, check attributes and the CKA_ID rule, sign and verify. */
static void
check_key(enum token_keytype type, unsigned bits, const char *label)
{
	struct token_key k, found;
	EVP_PKEY *pub = NULL;
	const EVP_MD *mds[] = { EVP_sha1(), EVP_sha256(), EVP_sha384(),
		EVP_sha512() };
	const uint8_t msg[] = "an ITL to sign";
	uint8_t *sig = NULL, id[SHA_DIGEST_LENGTH], *val = NULL;
	size_t siglen, i;
	EVP_MD_CTX *ctx;

	CU_ASSERT_EQUAL_FATAL(token_generate(tok, type, bits, label, &k), 0);
	CU_ASSERT_EQUAL(k.bits, bits);
	CU_ASSERT_EQUAL(k.id_len, SHA_DIGEST_LENGTH);
	CU_ASSERT_EQUAL(token_find_key(tok, label, &found), 0);
	CU_ASSERT_EQUAL(found.id_len, k.id_len);
	CU_ASSERT(memcmp(found.id, k.id, k.id_len) == 0);
	CU_ASSERT_EQUAL(found.type, type);
	CU_ASSERT_EQUAL(found.bits, bits);
	/* the private value can never be read */
	CU_ASSERT_NOT_EQUAL(token_try_read_private_value(tok, &k), 0);
	CU_ASSERT_EQUAL_FATAL(token_public_key(tok, &k, &pub), 0);
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(pub), (int)bits);
	/* CKA_ID is the SHA-1 of the public value */
	if (type == TOKEN_KEY_RSA) {
		BIGNUM *n = NULL;
		int len;

		EVP_PKEY_get_bn_param(pub, "n", &n);
		len = BN_num_bytes(n);
		val = malloc((size_t)len);
		BN_bn2bin(n, val);
		SHA1(val, (size_t)len, id);
		BN_free(n);
	} else {
		size_t len = 0;

		EVP_PKEY_get_octet_string_param(pub, "encoded-pub-key", NULL, 0,
		    &len);
		val = malloc(len);
		EVP_PKEY_get_octet_string_param(pub, "encoded-pub-key", val,
		    len, &len);
		SHA1(val, len, id);
	}
	free(val);
	CU_ASSERT(memcmp(id, k.id, sizeof(id)) == 0);
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(token_sign(tok, &k, mds[i], msg,
		    sizeof(msg), &sig, &siglen), 0);
		if (type == TOKEN_KEY_RSA)
			CU_ASSERT_EQUAL(siglen, bits / 8);
		ctx = EVP_MD_CTX_new();
		CU_ASSERT_EQUAL(EVP_DigestVerifyInit(ctx, NULL, mds[i], NULL,
		    pub), 1);
		CU_ASSERT_EQUAL(EVP_DigestVerify(ctx, sig, siglen, msg,
		    sizeof(msg)), 1);
		EVP_MD_CTX_free(ctx);
		/* and a forgery fails */
		sig[siglen / 2] ^= 1;
		ctx = EVP_MD_CTX_new();
		EVP_DigestVerifyInit(ctx, NULL, mds[i], NULL, pub);
		CU_ASSERT_NOT_EQUAL(EVP_DigestVerify(ctx, sig, siglen, msg,
		    sizeof(msg)), 1);
		EVP_MD_CTX_free(ctx);
		free(sig);
	}
	CU_ASSERT_EQUAL(token_sign(tok, &k, EVP_md5(), msg, sizeof(msg), &sig,
	    &siglen), TS_ERR_INVALID);
	EVP_PKEY_free(pub);
}

static void
test_rsa2048(void)
{
	check_key(TOKEN_KEY_RSA, 2048, "rsa2048");
}

static void
test_rsa3072(void)
{
	check_key(TOKEN_KEY_RSA, 3072, "rsa3072");
}

static void
test_rsa4096(void)
{
	check_key(TOKEN_KEY_RSA, 4096, "rsa4096");
}

static void
test_ec256(void)
{
	check_key(TOKEN_KEY_EC, 256, "ec256");
}

static void
test_ec384(void)
{
	check_key(TOKEN_KEY_EC, 384, "ec384");
}

struct attrs {
	int privs, sensitive, extractable, readable_ok;
};

static int
count_attrs(const struct token_object *o, void *arg)
{
	struct attrs *a = arg;

	if (o->cls == CKO_PRIVATE_KEY) {
		a->privs++;
		a->sensitive += o->sensitive == 1 && o->always_sensitive == 1;
		a->extractable += o->extractable == 1;
		a->readable_ok += o->is_private == 1 && o->can_sign == 1;
	}
	return 0;
}

static void
test_private_key_attributes(void)
{
	struct attrs a = { 0, 0, 0, 0 };

	CU_ASSERT_EQUAL(token_list_objects(tok, count_attrs, &a), 0);
	CU_ASSERT(a.privs >= 1);
	CU_ASSERT_EQUAL(a.sensitive, a.privs);
	CU_ASSERT_EQUAL(a.extractable, a.privs);
	CU_ASSERT_EQUAL(a.readable_ok, a.privs);
}

/* The libp11 EVP_PKEY signs a certificate, and freeing it does not
 * finalise the module under our feet. */
static void
test_evp_pkey_and_module_lifetime(void)
{
	const struct purpose *p = purpose_find("CallManager");
	struct cert_subject s = { "cucm.example.test", NULL, NULL, NULL, NULL,
		NULL };
	struct token_key k;
	EVP_PKEY *pub = NULL, *priv = NULL;
	X509 *x = NULL;
	uint8_t *sig;
	size_t siglen;

	CU_ASSERT_EQUAL_FATAL(token_generate(tok, TOKEN_KEY_RSA, 2048, "evp",
	    &k), 0);
	CU_ASSERT_EQUAL_FATAL(token_public_key(tok, &k, &pub), 0);
	CU_ASSERT_EQUAL_FATAL(token_evp_pkey(tok, &k, &priv), 0);
	CU_ASSERT_EQUAL(cert_self_signed(p, &s, NULL, 0, pub, priv,
	    EVP_sha256(), 5, &x), 0);
	CU_ASSERT_EQUAL(X509_verify(x, pub), 1);
	CU_ASSERT_EQUAL(token_store_cert(tok, &k, x), 0);
	EVP_PKEY_free(priv);
	/* our own session still works */
	CU_ASSERT_EQUAL(token_sign(tok, &k, EVP_sha256(), (const uint8_t *)"x",
	    1, &sig, &siglen), 0);
	free(sig);
	/* a second token handle opened and closed leaves the first alive */
	{
		struct token *t2 = NULL;
		CU_ASSERT_EQUAL(token_open(module, "unit", &t2), 0);
		token_close(t2);
	}
	CU_ASSERT_EQUAL(token_sign(tok, &k, EVP_sha256(), (const uint8_t *)"x",
	    1, &sig, &siglen), 0);
	free(sig);
	CU_ASSERT_EQUAL(token_destroy_key(tok, &k), 0);
	CU_ASSERT_EQUAL(token_find_key(tok, "evp", &k), TS_ERR_NOTFOUND);
	X509_free(x);
	EVP_PKEY_free(pub);
}

struct worker {
	struct token_key *k;
	EVP_PKEY *pub;
	int good;
};

static void *
sign_many(void *arg)
{
	struct worker *w = arg;
	uint8_t msg[32], *sig;
	size_t siglen;
	int i;

	for (i = 0; i < 20; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		memset(msg, i, sizeof(msg));
		if (token_sign(tok, w->k, EVP_sha256(), msg, sizeof(msg), &sig,
		    &siglen) == 0 &&
		    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    w->pub) == 1 &&
		    EVP_DigestVerify(ctx, sig, siglen, msg, sizeof(msg)) == 1)
			w->good++;
		EVP_MD_CTX_free(ctx);
		free(sig);
	}
	return NULL;
}

/* One session per thread: concurrent signers do not trip over each
 * other's operations. */
static void
test_threads_sign_concurrently(void)
{
	struct token_key k;
	struct worker w[4];
	pthread_t th[4];
	EVP_PKEY *pub = NULL;
	int i;

	CU_ASSERT_EQUAL_FATAL(token_find_key(tok, "rsa2048", &k), 0);
	CU_ASSERT_EQUAL_FATAL(token_public_key(tok, &k, &pub), 0);
	for (i = 0; i < 4; i++) {
		w[i].k = &k;
		w[i].pub = pub;
		w[i].good = 0;
		pthread_create(&th[i], NULL, sign_many, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(w[i].good, 20);
	}
	EVP_PKEY_free(pub);
}

static int
verifies(EVP_PKEY *pub, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const uint8_t *)"copy", 4) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Drop a copy, then sign with the handle it had: the token must refuse. */
static void
drop_and_check_gone(struct token_key *c)
{
	unsigned long handle = c->priv;
	uint8_t *sig = NULL;
	size_t siglen;

	token_key_drop(tok, c);
	CU_ASSERT_EQUAL(c->copied, 0);
	c->priv = handle;
	CU_ASSERT_EQUAL(token_sign(tok, c, EVP_sha256(),
	    (const uint8_t *)"copy", 4, &sig, &siglen), TS_ERR_TOKEN);
	free(sig);
	ts_error_clear();
}

static void *
copy_in_thread(void *arg)
{
	struct token_key *c = arg;
	struct token_key k;

	if (token_find_key(tok, "rsa2048", &k) == 0)
		token_key_copy(tok, &k, c);
	return NULL;
}

/* A session copy signs as the key does, is never found in its place,
 * and is gone once dropped; a token that refuses it leaves the key. */
static void
test_session_copy(void)
{
	struct token_key k, c, found;
	struct attrs before = { 0, 0, 0, 0 }, during = { 0, 0, 0, 0 };
	EVP_PKEY *pub = NULL;
	uint8_t *sig = NULL;
	size_t siglen;

	CU_ASSERT_EQUAL_FATAL(token_find_key(tok, "rsa2048", &k), 0);
	CU_ASSERT_EQUAL_FATAL(token_public_key(tok, &k, &pub), 0);
	CU_ASSERT_EQUAL(token_list_objects(tok, count_attrs, &before), 0);
	token_key_copy(tok, &k, &c);
	CU_ASSERT_EQUAL(c.copied, 1);
	CU_ASSERT_NOT_EQUAL(c.priv, k.priv);
	CU_ASSERT(memcmp(c.id, k.id, k.id_len) == 0 && c.bits == k.bits);
	CU_ASSERT_EQUAL(token_sign(tok, &c, EVP_sha256(),
	    (const uint8_t *)"copy", 4, &sig, &siglen), 0);
	CU_ASSERT(sig != NULL && verifies(pub, sig, siglen));
	free(sig);
	/* searches see the token's key alone */
	CU_ASSERT_EQUAL(token_find_key(tok, "rsa2048", &found), 0);
	CU_ASSERT_EQUAL(found.priv, k.priv);
	CU_ASSERT_EQUAL(token_find_key_by_id(tok, k.id, k.id_len, &found), 0);
	CU_ASSERT_EQUAL(found.priv, k.priv);
	CU_ASSERT_EQUAL(token_list_objects(tok, count_attrs, &during), 0);
	CU_ASSERT_EQUAL(during.privs, before.privs);
	/* dropped: its handle signs no more */
	drop_and_check_gone(&c);
	/* a copy made in another thread's session is dropped from this one */
	{
		pthread_t th;

		memset(&c, 0, sizeof(c));
		pthread_create(&th, NULL, copy_in_thread, &c);
		pthread_join(th, NULL);
		CU_ASSERT_EQUAL_FATAL(c.copied, 1);
		CU_ASSERT_EQUAL(token_sign(tok, &c, EVP_sha256(),
		    (const uint8_t *)"copy", 4, &sig, &siglen), 0);
		free(sig);
		drop_and_check_gone(&c);
	}
	/* dropping the key itself (not a copy) does nothing */
	found = k;
	token_key_drop(tok, &found);
	CU_ASSERT_EQUAL(found.priv, k.priv);
#ifdef TLVSIGN_FAULTS
	setenv("TLVSIGN_FAULT", "token_copy", 1);
	token_key_copy(tok, &k, &c);
	unsetenv("TLVSIGN_FAULT");
	CU_ASSERT_EQUAL(c.copied, 0);
	CU_ASSERT_EQUAL(c.priv, k.priv);
	sig = NULL;
	CU_ASSERT_EQUAL(token_sign(tok, &c, EVP_sha256(),
	    (const uint8_t *)"copy", 4, &sig, &siglen), 0);
	CU_ASSERT(sig != NULL && verifies(pub, sig, siglen));
	free(sig);
	token_key_drop(tok, &c);
	CU_ASSERT_EQUAL(token_sign(tok, &k, EVP_sha256(),
	    (const uint8_t *)"copy", 4, &sig, &siglen), 0);
	free(sig);
#endif
	EVP_PKEY_free(pub);
}

static const struct cutap_test tests[] = {
	{ "initialise twice is refused", test_initialize_twice },
	{ "find by URI and label", test_find_by_uri_and_label },
	{ "no PIN read when logged in", test_no_pin_read_when_logged_in },
	{ "bad key sizes refused", test_generate_refuses_bad_sizes },
	{ "RSA 2048 generate/sign/verify", test_rsa2048 },
	{ "RSA 3072 generate/sign/verify", test_rsa3072 },
	{ "RSA 4096 generate/sign/verify", test_rsa4096 },
	{ "EC P-256 generate/sign/verify", test_ec256 },
	{ "EC P-384 generate/sign/verify", test_ec384 },
	{ "private keys sensitive, extractable, unreadable",
	  test_private_key_attributes },
	{ "libp11 EVP_PKEY and module lifetime",
	  test_evp_pkey_and_module_lifetime },
	{ "threads sign concurrently", test_threads_sign_concurrently },
	{ "session copy of a key", test_session_copy },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "token",
	    .init = suite_init, .clean = suite_clean }, tests,
	    CUTAP_N(tests));
}
