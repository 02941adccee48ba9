/* backup.c - backup create, verify, restore test, restore. */
#include "ops/backup.h"

#include <errno.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "format/trustlist.h"
#include "ops/publish.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/secret.h"
#include "x509/cert.h"

/* ---- keys from the passphrase ---- */

struct backup_keys {
	uint8_t wrap[32];       /* imported into the token, never used here */
	uint8_t inventory[32];
};

static int
hkdf_expand(const uint8_t *prk, const char *label, uint8_t out[32])
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM p[5];
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, ok = 0;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) != NULL)
		ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return ts_error(TS_ERR_CRYPTO, "HKDF is not available");
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)prk, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)label, strlen(label));
	p[3] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, out, 32, p) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : ts_error(TS_ERR_CRYPTO, "HKDF failed");
}

/* PBKDF2-HMAC-SHA256 to a 32-byte secret, then one HKDF-Expand per key. */
static int
derive(const char *pass, const struct backup *b, struct backup_keys *k)
{
	uint8_t prk[32];
	int r;

	if (PKCS5_PBKDF2_HMAC(pass, (int)strlen(pass), b->salt,
	    (int)b->salt_len, (int)b->iterations, EVP_sha256(), sizeof(prk),
	    prk) != 1)
		return ts_error(TS_ERR_CRYPTO, "PBKDF2 failed");
	if ((r = hkdf_expand(prk, BACKUP_LABEL_WRAP, k->wrap)) == 0)
		r = hkdf_expand(prk, BACKUP_LABEL_INVENTORY, k->inventory);
	OPENSSL_cleanse(prk, sizeof(prk));
	return r;
}

static void
keys_wipe(struct backup_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* AES-256-GCM over the inventory image; the cluster id is the AAD. */
static int
gcm(int enc, const struct backup_keys *k, struct backup *b,
    const uint8_t *in, size_t inlen, uint8_t **out)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, ok;

	if (inlen > INT_MAX - 32)
		return ts_error(TS_ERR_LIMIT, "the inventory is too large");
	if ((*out = malloc(inlen + 16)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(*out);
		*out = NULL;
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, BACKUP_IV_LEN,
	    NULL) == 1 &&
	    EVP_CipherInit_ex(ctx, NULL, NULL, k->inventory, b->iv, enc) == 1 &&
	    EVP_CipherUpdate(ctx, NULL, &n, b->cluster_id,
	    sizeof(b->cluster_id)) == 1 &&
	    EVP_CipherUpdate(ctx, *out, &n, in, (int)inlen) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
		    BACKUP_TAG_LEN, b->tag) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, *out + n, &fin) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
		    BACKUP_TAG_LEN, b->tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(*out, inlen);
		free(*out);
		*out = NULL;
		if (enc)
			return ts_error(TS_ERR_CRYPTO, "cannot encrypt the "
			    "inventory");
		/* the manifest is signed: only the key can be wrong */
		return ts_error(TS_ERR_AUTH, "wrong backup passphrase");
	}
	return 0;
}

int
backup_passphrase(const struct conf *c, int confirm, char *buf, size_t size)
{
	int r;

	if ((r = secret_read_confirm("TLVSIGN_BACKUP_PASSPHRASE_FILE",
	    c->backup_passphrase_file, "backup passphrase", confirm, buf,
	    size)) != 0)
		return r;
	if (confirm && strlen(buf) < BACKUP_MIN_PASSPHRASE) {
		secret_wipe(buf, size);
		return ts_error(TS_ERR_INVALID, "the backup passphrase must be "
		    "at least %d characters", BACKUP_MIN_PASSPHRASE);
	}
	return 0;
}

/* ---- create ---- */

struct collect {
	struct app *a;
	struct backup *b;
	const struct backup_keys *k;
	size_t cap;
	size_t rows, seen;      /* for the progress bar */
};

static int
count_key(const struct snapshot_key *sk, void *arg)
{
	(void)sk;
	((struct collect *)arg)->rows++;
	return 0;
}

static int
hex_id(const char *hex, uint8_t *id, size_t *len)
{
	if (hex_decode(hex, id, BACKUP_KEY_ID_MAX, len) != 0)
		return ts_error(TS_ERR_STATE, "inventory key id \"%s\" is "
		    "malformed", hex);
	return 0;
}

static int
collect_key(const struct snapshot_key *sk, void *arg)
{
	struct collect *c = arg;
	struct backup *b = c->b;
	struct backup_key *k, *grown;
	struct token_key tk;
	EVP_PKEY *pub = NULL;
	uint8_t id[BACKUP_KEY_ID_MAX], *der = NULL;
	size_t idlen, i;
	int r, n;

	app_progress(c->a, ++c->seen, c->rows);
	if ((r = hex_id(sk->key_id, id, &idlen)) != 0)
		return r;
	for (i = 0; i < b->nkeys; i++)
		if (b->keys[i].id_len == idlen &&
		    memcmp(b->keys[i].id, id, idlen) == 0)
			return 0;       /* one key, several certificates */
	if (b->nkeys == BACKUP_MAX_KEYS)
		return ts_error(TS_ERR_LIMIT, "more than %d keys to back up",
		    BACKUP_MAX_KEYS);
	if (b->nkeys == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		if ((grown = realloc(b->keys, c->cap * sizeof(*grown))) ==
		    NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		b->keys = grown;
	}
	k = &b->keys[b->nkeys];
	memset(k, 0, sizeof(*k));
	if ((r = app_find_key(c->a, sk->key_id, &tk)) != 0)
		return r;
	b->nkeys++;
	snprintf(k->label, sizeof(k->label), "%s", tk.label);
	snprintf(k->purpose, sizeof(k->purpose), "%s", sk->purpose);
	snprintf(k->node, sizeof(k->node), "%s", sk->host);
	snprintf(k->state, sizeof(k->state), "%s", sk->state);
	k->type = tk.type == TOKEN_KEY_RSA ? BACKUP_KEY_RSA : BACKUP_KEY_EC;
	k->bits = tk.bits;
	memcpy(k->id, id, idlen);
	k->id_len = idlen;
	if ((r = token_public_key(c->a->token, &tk, &pub)) != 0)
		return r;
	n = i2d_PUBKEY(pub, &der);
	EVP_PKEY_free(pub);
	if (n <= 0 || (k->spki = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return ts_error(TS_ERR_CRYPTO, "cannot encode a public key");
	}
	memcpy(k->spki, der, (size_t)n);
	k->spki_len = (size_t)n;
	OPENSSL_free(der);
	if (sk->der != NULL) {
		if ((k->cert = malloc(sk->der_len)) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		memcpy(k->cert, sk->der, sk->der_len);
		k->cert_len = sk->der_len;
	}
	if ((r = token_wrap_key(c->a->token, &tk, c->k->wrap,
	    sizeof(c->k->wrap), &k->wrapped, &k->wrapped_len)) != 0)
		return r;
	SHA256(k->wrapped, k->wrapped_len, k->wrapped_sha256);
	return 0;
}

struct signer {
	struct app *a;
	struct token_key key;
};

static int
sign_manifest(const uint8_t *m, size_t len, void *arg, uint8_t **sig,
    size_t *siglen, const char **alg)
{
	struct signer *s = arg;
	int r;

	if ((r = token_sign(s->a->token, &s->key, EVP_sha256(), m, len, sig,
	    siglen)) != 0)
		return r;
	*alg = s->key.type == TOKEN_KEY_RSA ? BACKUP_OID_RSA_SHA256 :
	    BACKUP_OID_ECDSA_SHA256;
	return 0;
}

static int
cluster_id(struct app *a, uint8_t id[BACKUP_CLUSTER_ID_LEN], int *created)
{
	char *hex = NULL;
	size_t len;
	int r;

	*created = 0;
	r = inventory_meta_get(a->inv, "cluster-id", &hex);
	if (r == 0) {
		r = hex_id(hex, id, &len);
		free(hex);
		if (r == 0 && len != BACKUP_CLUSTER_ID_LEN)
			r = ts_error(TS_ERR_STATE, "inventory cluster-id is "
			    "malformed");
		return r;
	}
	if (r != TS_ERR_NOTFOUND)
		return r;
	ts_error_clear();
	if (RAND_bytes(id, BACKUP_CLUSTER_ID_LEN) != 1)
		return ts_error(TS_ERR_CRYPTO, "no random bytes");
	*created = 1;
	return 0;
}

static int
build(struct app *a, const char *pass, struct backup *b, uint8_t **der,
    size_t *len)
{
	struct backup_keys k;
	struct collect c;
	struct signer s;
	struct node pub;
	struct cert_row rec;
	uint8_t *image = NULL;
	size_t ilen = 0;
	int r;

	memset(&rec, 0, sizeof(rec));
	memset(&s, 0, sizeof(s));
	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0 ||
	    (r = inventory_cert_active(a->inv, pub.id, "ITLRecovery",
	    &rec)) != 0) {
		r = ts_error(r, "no ITLRecovery certificate to sign the backup "
		    "with: run `tlvsign cert generate ITLRecovery` first");
		goto out;
	}
	s.a = a;
	if ((r = app_find_key(a, rec.key_id, &s.key)) != 0)
		goto out;
	if ((b->signer = malloc(rec.der_len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->signer, rec.der, rec.der_len);
	b->signer_len = rec.der_len;
	b->iterations = conf_kdf_iterations(&a->conf);
	b->salt_len = 32;
	if (RAND_bytes(b->salt, (int)b->salt_len) != 1 ||
	    RAND_bytes(b->iv, sizeof(b->iv)) != 1) {
		r = ts_error(TS_ERR_CRYPTO, "no random bytes");
		goto out;
	}
	if ((r = derive(pass, b, &k)) != 0)
		goto out;
	c.a = a;
	c.b = b;
	c.k = &k;
	c.cap = c.rows = c.seen = 0;
	if ((r = snapshot_keys(a->inv, count_key, &c)) != 0 ||
	    (r = snapshot_keys(a->inv, collect_key, &c)) != 0 ||
	    (r = snapshot_take(a->inv, &image, &ilen)) != 0 ||
	    (r = gcm(1, &k, b, image, ilen, &b->inventory)) != 0)
		goto out;
	b->inventory_len = ilen;
	r = backup_encode(b, sign_manifest, &s, der, len);
out:
	keys_wipe(&k);
	snapshot_free(image);
	cert_row_free(&rec);
	return r;
}

int
ops_backup_create(struct app *a, const char *out, const char *passphrase,
    struct backup_made *res)
{
	char pass[SECRET_MAX], when[32], idhex[2 * BACKUP_CLUSTER_ID_LEN + 1];
	struct backup b;
	struct backup_row row;
	struct stat st;
	struct tm tm;
	uint8_t *der = NULL, digest[32];
	size_t len = 0;
	int r, new_id, written = 0;

	memset(res, 0, sizeof(*res));
	memset(&b, 0, sizeof(b));
	pass[0] = '\0';
	if (passphrase != NULL)
		snprintf(pass, sizeof(pass), "%s", passphrase);
	else if ((r = backup_passphrase(&a->conf, 1, pass, sizeof(pass))) != 0)
		goto out;
	if (strlen(pass) < BACKUP_MIN_PASSPHRASE) {
		r = ts_error(TS_ERR_INVALID, "the backup passphrase must be at "
		    "least %d characters", BACKUP_MIN_PASSPHRASE);
		goto out;
	}
	b.created = time(NULL);
	gmtime_r(&b.created, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	if (out != NULL)
		snprintf(res->path, sizeof(res->path), "%s", out);
	else if ((r = dir_create(a->conf.backup_dir, 0700)) != 0)
		goto out;
	else
		snprintf(res->path, sizeof(res->path), "%s/%s-%s%s",
		    a->conf.backup_dir, a->conf.cluster_name, when,
		    BACKUP_SUFFIX);
	if (stat(res->path, &st) == 0) {
		r = ts_error(TS_ERR_EXISTS, "%s exists: a backup never "
		    "overwrites a file", res->path);
		goto out;
	}
	snprintf(b.cluster_name, sizeof(b.cluster_name), "%s",
	    a->conf.cluster_name);
	snprintf(b.producer, sizeof(b.producer), "%s %s", PACKAGE_NAME,
	    PACKAGE_VERSION);
	if ((r = cluster_id(a, b.cluster_id, &new_id)) != 0 ||
	    (r = build(a, pass, &b, &der, &len)) != 0)
		goto out;
	if ((r = file_write_atomic(res->path, der, len, 0600)) != 0)
		goto out;
	written = 1;
	SHA256(der, len, digest);
	hex_lower(digest, sizeof(digest), res->sha256);
	hex_lower(b.cluster_id, sizeof(b.cluster_id), idhex);
	res->size = len;
	res->nkeys = (unsigned)b.nkeys;
	memset(&row, 0, sizeof(row));
	snprintf(row.name, sizeof(row.name), "%.255s",
	    strrchr(res->path, '/') ? strrchr(res->path, '/') + 1 : res->path);
	snprintf(row.path, sizeof(row.path), "%s", res->path);
	row.created = b.created;
	row.size = len;
	row.keys = res->nkeys;
	snprintf(row.sha256, sizeof(row.sha256), "%s", res->sha256);
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	if ((new_id && (r = inventory_meta_set(a->inv, "cluster-id",
	    idhex)) != 0) ||
	    (r = inventory_backup_add(a->inv, &row)) != 0 ||
	    (r = inventory_param_set(a->inv, "backup-required", "false")) != 0 ||
	    (r = ops_fault("backup_commit")) != 0 ||
	    (r = app_audit(a, "backup.create", 0, "file=%s sha256=%s keys=%u",
	    res->path, res->sha256, res->nkeys)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		inventory_rollback(a->inv);
		goto out;
	}
out:
	if (r != 0) {
		if (written)
			unlink(res->path);
		app_audit(a, "backup.create", r, "file=%s", res->path);
	}
	secret_wipe(pass, sizeof(pass));
	free(der);
	backup_free(&b);
	return r;
}

int
ops_backup_list(struct app *a, int (*cb)(const struct backup_row *, void *),
    void *arg)
{
	return inventory_backup_list(a->inv, cb, arg);
}

/* ---- verify ---- */

int
backup_sniff(const uint8_t *data, size_t len)
{
	struct backup b;

	if (backup_parse(data, len, &b) != 0) {
		ts_error_clear();
		return 0;
	}
	backup_free(&b);
	return 1;
}

static int
signature_check(struct backup_check *chk, X509 *signer)
{
	const struct backup *b = &chk->b;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pub = X509_get0_pubkey(signer);
	int base = pub ? EVP_PKEY_get_base_id(pub) : 0, ok;

	if ((strcmp(b->sig_alg, BACKUP_OID_RSA_SHA256) == 0) !=
	    (base == EVP_PKEY_RSA) ||
	    (strcmp(b->sig_alg, BACKUP_OID_ECDSA_SHA256) == 0) !=
	    (base == EVP_PKEY_EC))
		return ts_error(TS_ERR_SIGNATURE, "the backup's signature "
		    "algorithm does not fit its signer's key");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, b->signature, b->signature_len,
	    b->manifest, b->manifest_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ts_error(TS_ERR_SIGNATURE, "the backup's manifest "
		    "signature does not verify: the file was altered");
	chk->signature_ok = 1;
	return 0;
}

/* Does the trust list in data hold signer as a SAST certificate? */
static int
itl_holds(const uint8_t *data, size_t len, const uint8_t *der,
    size_t derlen, int *match)
{
	struct trustlist tl;
	size_t i;
	int r;

	*match = 0;
	if ((r = trustlist_parse(data, len, &tl)) != 0)
		return r;
	for (i = 0; i < tl.nrecords; i++) {
		const struct trustlist_record *rec = &tl.records[i];

		if (rec->has_role && rec->role == TL_ROLE_SAST &&
		    rec->cert.present && rec->cert.len == derlen &&
		    memcmp(rec->cert.p, der, derlen) == 0)
			*match = 1;
	}
	trustlist_free(&tl);
	return 0;
}

static int
anchor_check(struct app *a, struct backup_check *chk, const char *itl,
    const char *cert)
{
	const struct backup *b = &chk->b;
	struct node pub;
	uint8_t *data = NULL;
	size_t len = 0;
	X509 *x = NULL;
	BIO *bio = NULL;
	int r = 0;

	chk->anchor = -1;
	chk->anchor_explicit = itl != NULL || cert != NULL;
	if (cert != NULL) {
		snprintf(chk->anchor_source, sizeof(chk->anchor_source),
		    "certificate %s", cert);
		if ((r = file_read(cert, 1 << 20, &data, &len)) != 0)
			return r;
		if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
		    ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL &&
		    cert_from_der(data, len, &x) != 0)) {
			r = ts_error(TS_ERR_FORMAT, "%s is not a certificate "
			    "(PEM or DER)", cert);
			goto out;
		}
		uint8_t *xd = NULL;
		size_t xl = 0;
		if ((r = cert_der(x, &xd, &xl)) != 0)
			goto out;
		chk->anchor = xl == b->signer_len &&
		    memcmp(xd, b->signer, xl) == 0;
		free(xd);
		goto out;
	}
	if (itl != NULL) {
		snprintf(chk->anchor_source, sizeof(chk->anchor_source),
		    "trust list %s", itl);
		if ((r = file_read(itl, 1 << 20, &data, &len)) != 0)
			return r;
	} else {
		char path[4096];

		if (a == NULL || a->inv == NULL ||
		    inventory_node_get(a->inv, NULL, &pub) != 0 ||
		    app_tftp_path(a, &pub, ITL_NAME, path, sizeof(path)) != 0 ||
		    file_read(path, 1 << 20, &data, &len) != 0) {
			ts_error_clear();
			snprintf(chk->anchor_source, sizeof(chk->anchor_source),
			    "no published ITL to compare with");
			return 0;
		}
		snprintf(chk->anchor_source, sizeof(chk->anchor_source),
		    "the published ITL %s", path);
	}
	if ((r = itl_holds(data, len, b->signer, b->signer_len,
	    &chk->anchor)) != 0)
		r = ts_error(r, "%s: %s", chk->anchor_source,
		    ts_error_detail(r));
out:
	BIO_free(bio);
	X509_free(x);
	free(data);
	return r;
}

int
ops_backup_verify(struct app *a, const char *file, const char *itl,
    const char *cert, struct backup_check *chk)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r;

	memset(chk, 0, sizeof(*chk));
	chk->anchor = -1;
	snprintf(chk->path, sizeof(chk->path), "%s", file);
	if ((r = file_read(file, BACKUP_MAX_FILE, &data, &len)) != 0)
		return r;
	r = ops_backup_verify_data(a, file, data, len, itl, cert, chk);
	free(data);
	return r;
}

int
ops_backup_verify_data(struct app *a, const char *name, const uint8_t *data,
    size_t len, const char *itl, const char *cert, struct backup_check *chk)
{
	struct backup *b = &chk->b;
	uint8_t digest[32];
	X509 *signer = NULL;
	size_t i;
	int r;

	memset(chk, 0, sizeof(*chk));
	chk->anchor = -1;
	snprintf(chk->path, sizeof(chk->path), "%s", name);
	chk->file_size = len;
	SHA256(data, len, digest);
	hex_lower(digest, sizeof(digest), chk->file_sha256);
	if ((r = backup_parse(data, len, b)) != 0)
		goto out;
	chk->digests_ok = 1;
	for (i = 0; i < b->nkeys; i++) {
		SHA256(b->keys[i].wrapped, b->keys[i].wrapped_len, digest);
		if (memcmp(digest, b->keys[i].wrapped_sha256, 32) != 0) {
			chk->digests_ok = 0;
			snprintf(chk->bad_key, sizeof(chk->bad_key), "%s",
			    b->keys[i].label);
			r = ts_error(TS_ERR_SIGNATURE, "the wrapped key \"%s\" "
			    "does not match its SHA-256: the file was altered",
			    b->keys[i].label);
			goto out;
		}
	}
	if ((r = cert_from_der(b->signer, b->signer_len, &signer)) != 0) {
		r = ts_error(TS_ERR_FORMAT, "the backup's signer certificate "
		    "does not decode");
		goto out;
	}
	cert_fingerprint(signer, EVP_sha256(), chk->signer_sha256,
	    sizeof(chk->signer_sha256), 1);
	{
		char *subj = NULL;
		uint8_t *ser = NULL;
		size_t slen = 0;
		time_t nb;

		if (cert_dn_text(X509_get_subject_name(signer), ',', &subj) ==
		    0)
			snprintf(chk->signer_subject,
			    sizeof(chk->signer_subject), "%s", subj);
		free(subj);
		if (cert_serial(signer, &ser, &slen) == 0 && slen <= 64)
			hex_colon(ser, slen, chk->signer_serial);
		free(ser);
		cert_validity(signer, &nb, &chk->signer_not_after);
		ts_error_clear();
	}
	if ((r = signature_check(chk, signer)) != 0 ||
	    (r = anchor_check(a, chk, itl, cert)) != 0)
		goto out;
	if (chk->anchor_explicit && chk->anchor != 1)
		r = ts_error(TS_ERR_SIGNATURE, "the backup is intact but was "
		    "not signed by the ITLRecovery certificate of %s",
		    chk->anchor_source);
out:
	X509_free(signer);
	return r;
}

void
backup_check_free(struct backup_check *chk)
{
	backup_free(&chk->b);
}

/* ---- unlock, and keys back into a token ---- */

/* The passphrase opens the inventory (GCM): a wrong one stops here,
 * before any token is touched. The image is checked and migrated. */
static int
unlock(const struct backup *cb, const char *pass, struct backup_keys *k,
    struct inventory **image)
{
	struct backup b = *cb;      /* gcm() reads tag, iv, cluster id */
	uint8_t *plain = NULL;
	int r;

	*image = NULL;
	if ((r = derive(pass, &b, k)) != 0)
		return r;
	if ((r = gcm(0, k, &b, cb->inventory, cb->inventory_len, &plain)) != 0)
		goto out;
	r = inventory_open_image(plain, cb->inventory_len, image);
	OPENSSL_cleanse(plain, cb->inventory_len);
	free(plain);
out:
	if (r != 0)
		keys_wipe(k);
	return r;
}

static int
spki_key(const struct backup_key *bk, EVP_PKEY **pub)
{
	const unsigned char *p = bk->spki;

	*pub = d2i_PUBKEY(NULL, &p, (long)bk->spki_len);
	if (*pub == NULL || p != bk->spki + bk->spki_len) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
		return ts_error(TS_ERR_FORMAT, "the public key of \"%s\" in the "
		    "backup does not decode", bk->label);
	}
	return 0;
}

/* The public key must be the certificate's and give the CKA_ID. */
static int
key_consistent(const struct backup_key *bk, EVP_PKEY *pub, X509 **cert)
{
	*cert = NULL;
	if (bk->cert == NULL)
		return 0;
	if (cert_from_der(bk->cert, bk->cert_len, cert) != 0)
		return ts_error(TS_ERR_FORMAT, "the certificate of \"%s\" in "
		    "the backup does not decode", bk->label);
	if (EVP_PKEY_eq(X509_get0_pubkey(*cert), pub) != 1)
		return ts_error(TS_ERR_FORMAT, "the certificate of \"%s\" in "
		    "the backup is not for its key", bk->label);
	return 0;
}

struct restored {
	struct token_key *keys;     /* the keys this restore created */
	size_t n;
};

static void
restored_undo(struct token *t, struct restored *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		token_destroy_key(t, &rs->keys[i]);
	rs->n = 0;
}

/* Unwrap every key of b into t (keys already there, by CKA_ID, are
 * kept), with their certificates. On failure nothing stays. */
static int
restore_keys(struct app *a, struct token *t, const struct backup *b,
    const struct backup_keys *k, struct restored *rs, unsigned *present)
{
	struct token_key tk;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	size_t i;
	int r = 0;

	*present = 0;
	if ((rs->keys = calloc(b->nkeys + 1, sizeof(*rs->keys))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i < b->nkeys && r == 0; i++) {
		const struct backup_key *bk = &b->keys[i];

		app_progress(a, i + 1, b->nkeys);
		if ((r = spki_key(bk, &pub)) != 0 ||
		    (r = key_consistent(bk, pub, &cert)) != 0)
			break;
		if (token_find_key_by_id(t, bk->id, bk->id_len, &tk) == 0) {
			(*present)++;
		} else {
			ts_error_clear();
			r = token_unwrap_key(t, k->wrap, sizeof(k->wrap),
			    bk->wrapped, bk->wrapped_len, pub, bk->id,
			    bk->id_len, bk->label,
			    strcmp(bk->state, "retired") == 0 ?
			    TOKEN_UNWRAP_NOSIGN : 0, &tk);
			if (r == 0) {
				rs->keys[rs->n++] = tk;
				if (cert != NULL)
					r = token_store_cert(t, &tk, cert);
			}
		}
		EVP_PKEY_free(pub);
		X509_free(cert);
		pub = NULL;
		cert = NULL;
	}
	if (r != 0)
		restored_undo(t, rs);
	return r;
}

/* Sign a challenge with each restored key; verify with the backup's
 * public key (which key_consistent tied to the certificate). */
static int
prove_keys(struct token *t, const struct backup *b, unsigned *proved)
{
	uint8_t challenge[32], *sig = NULL;
	struct token_key tk;
	EVP_MD_CTX *ctx;
	EVP_PKEY *pub;
	size_t siglen, i;
	int r = 0, ok;

	*proved = 0;
	for (i = 0; i < b->nkeys && r == 0; i++) {
		const struct backup_key *bk = &b->keys[i];

		if (strcmp(bk->state, "retired") == 0)
			continue;       /* restored unable to sign, by design */
		if (RAND_bytes(challenge, sizeof(challenge)) != 1)
			return ts_error(TS_ERR_CRYPTO, "no random bytes");
		if ((r = token_find_key_by_id(t, bk->id, bk->id_len, &tk)) !=
		    0 || (r = spki_key(bk, &pub)) != 0)
			break;
		if ((r = token_sign(t, &tk, EVP_sha256(), challenge,
		    sizeof(challenge), &sig, &siglen)) != 0) {
			EVP_PKEY_free(pub);
			break;
		}
		ctx = EVP_MD_CTX_new();
		ok = ctx != NULL &&
		    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) ==
		    1 && EVP_DigestVerify(ctx, sig, siglen, challenge,
		    sizeof(challenge)) == 1;
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(pub);
		free(sig);
		sig = NULL;
		if (!ok)
			r = ts_error(TS_ERR_SIGNATURE, "the restored key \"%s\" "
			    "does not match its certificate", bk->label);
		else
			(*proved)++;
	}
	return r;
}

/* ---- restore test ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
scratch_token(const char *module, const char *dir, struct token **t)
{
	char path[4200], tokens[4200], so[33], pin[33];
	uint8_t rnd[32];
	FILE *fp;
	int r;

	snprintf(tokens, sizeof(tokens), "%s/tokens", dir);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	if (mkdir(tokens, 0700) != 0 || (fp = fopen(path, "w")) == NULL)
		return ts_error(TS_ERR_IO, "cannot prepare the scratch token in "
		    "%s: %s", dir, strerror(errno));
	fprintf(fp, "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\nslots.removable = false\n", tokens);
	if (fclose(fp) != 0)
		return ts_error(TS_ERR_IO, "cannot write %s", path);
	/* SoftHSM2 reads its configuration when the module initialises:
	 * nothing in this process has loaded it yet */
	if (setenv("SOFTHSM2_CONF", path, 1) != 0)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return ts_error(TS_ERR_CRYPTO, "no random bytes");
	hex_lower(rnd, 16, so);
	hex_lower(rnd + 16, 16, pin);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if ((r = token_initialize_pins(module, "tlvsign-restore-test", so,
	    pin)) == 0 &&
	    (r = token_open(module, "tlvsign-restore-test", t)) == 0 &&
	    (r = token_login_pin(*t, pin)) != 0) {
		token_close(*t);
		*t = NULL;
	}
	OPENSSL_cleanse(so, sizeof(so));
	OPENSSL_cleanse(pin, sizeof(pin));
	if (r != 0)
		r = ts_error(r, "scratch token: %s", ts_error_detail(r));
	return r;
}

int
ops_backup_restore_test(struct app *a, const char *file, const char *itl,
    const char *cert, const char *module, const char *passphrase,
    struct backup_check *chk)
{
	char pass[SECRET_MAX], dir[4096], *old_env = NULL;
	const char *tmp = getenv("TMPDIR"), *env;
	struct inventory *image = NULL;
	struct backup_keys k;
	struct restored rs = { NULL, 0 };
	struct token *t = NULL;
	unsigned present;
	int r, have_dir = 0;

	memset(&k, 0, sizeof(k));
	pass[0] = '\0';
	if ((r = ops_backup_verify(a, file, itl, cert, chk)) != 0)
		return r;
	if (passphrase != NULL)
		snprintf(pass, sizeof(pass), "%s", passphrase);
	else if ((r = backup_passphrase(&a->conf, 0, pass, sizeof(pass))) != 0)
		goto out;
	if ((r = unlock(&chk->b, pass, &k, &image)) != 0)
		goto out;
	if ((env = getenv("SOFTHSM2_CONF")) != NULL &&
	    (old_env = strdup(env)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/tlvsign-restore-test.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		r = ts_error(TS_ERR_IO, "cannot create a scratch directory: %s",
		    strerror(errno));
		goto out;
	}
	have_dir = 1;
	if ((r = scratch_token(module, dir, &t)) != 0 ||
	    (r = restore_keys(a, t, &chk->b, &k, &rs, &present)) != 0 ||
	    (r = prove_keys(t, &chk->b, &chk->keys_tested)) != 0)
		goto out;
out:
	free(rs.keys);
	token_close(t);         /* the last user: the module finalises */
	if (have_dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (old_env != NULL)
		setenv("SOFTHSM2_CONF", old_env, 1);
	else
		unsetenv("SOFTHSM2_CONF");
	free(old_env);
	inventory_close(image);
	keys_wipe(&k);
	secret_wipe(pass, sizeof(pass));
	return r;
}

/* ---- restore ---- */

/* --replace: after the commit, the token's keys that the backup does not
 * hold are destroyed (the restored inventory no longer names them). */
struct extra {
	const struct backup *b;
	uint8_t (*ids)[TOKEN_ID_MAX];
	size_t *lens;
	size_t n, cap;
};

static int
extra_key(const struct token_object *o, void *arg)
{
	struct extra *e = arg;
	size_t i;

	if (o->cls != CKO_PRIVATE_KEY)
		return 0;
	for (i = 0; i < e->b->nkeys; i++)
		if (e->b->keys[i].id_len == o->id_len &&
		    memcmp(e->b->keys[i].id, o->id, o->id_len) == 0)
			return 0;
	if (e->n == e->cap) {
		void *ids, *lens;

		e->cap = e->cap ? 2 * e->cap : 8;
		if ((ids = realloc(e->ids, e->cap * sizeof(*e->ids))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		e->ids = ids;
		if ((lens = realloc(e->lens, e->cap * sizeof(*e->lens))) ==
		    NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		e->lens = lens;
	}
	memcpy(e->ids[e->n], o->id, o->id_len);
	e->lens[e->n++] = o->id_len;
	return 0;
}

static int
remove_extra_keys(struct token *t, const struct backup *b, unsigned *removed)
{
	struct extra e = { b, NULL, NULL, 0, 0 };
	struct token_key tk;
	size_t i;
	int r;

	*removed = 0;
	if ((r = token_list_objects(t, extra_key, &e)) == 0)
		for (i = 0; i < e.n && r == 0; i++)
			if ((r = token_find_key_by_id(t, e.ids[i], e.lens[i],
			    &tk)) == 0 && (r = token_destroy_key(t, &tk)) == 0)
				(*removed)++;
	free(e.ids);
	free(e.lens);
	return r;
}

/* Remove an inventory this restore created. */
static void
drop_inventory(struct app *a)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[4200];
	size_t i;

	inventory_close(a->inv);
	a->inv = NULL;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", a->conf.state_dir,
		    INVENTORY_FILE, suffix[i]);
		unlink(path);
	}
}

int
ops_backup_restore(struct app *a, const char *file, int replace,
    const struct tf_opts *o, const char *passphrase,
    struct backup_restored *res)
{
	char pass[SECRET_MAX], *name = NULL, *idhex = NULL;
	char want[2 * BACKUP_CLUSTER_ID_LEN + 1];
	struct backup_check chk;
	struct inventory *image = NULL;
	struct backup_keys k;
	struct restored rs = { NULL, 0 };
	unsigned held = 0;
	int r, count = 0, created = 0;

	memset(res, 0, sizeof(*res));
	memset(&k, 0, sizeof(k));
	pass[0] = '\0';
	if ((r = ops_backup_verify(a, file, NULL, NULL, &chk)) != 0)
		goto out;
	snprintf(res->cluster, sizeof(res->cluster), "%s", chk.b.cluster_name);
	/* the right cluster: by name, and by id once this one has an id */
	hex_lower(chk.b.cluster_id, sizeof(chk.b.cluster_id), want);
	if (strcmp(chk.b.cluster_name, a->conf.cluster_name) != 0) {
		r = ts_error(TS_ERR_INVALID, "%s is a backup of cluster \"%s\", "
		    "this is cluster \"%s\"", file, chk.b.cluster_name,
		    a->conf.cluster_name);
		goto out;
	}
	if (a->inv != NULL &&
	    inventory_meta_get(a->inv, "cluster-name", &name) == 0 &&
	    strcmp(name, chk.b.cluster_name) != 0) {
		r = ts_error(TS_ERR_INVALID, "%s is a backup of cluster \"%s\", "
		    "the inventory is of \"%s\"", file, chk.b.cluster_name,
		    name);
		goto out;
	}
	if (a->inv != NULL &&
	    inventory_meta_get(a->inv, "cluster-id", &idhex) == 0 &&
	    strcmp(idhex, want) != 0) {
		r = ts_error(TS_ERR_INVALID, "%s is a backup of another cluster "
		    "named \"%s\" (cluster id %s, this one %s)", file,
		    chk.b.cluster_name, want, idhex);
		goto out;
	}
	ts_error_clear();
	if ((r = token_key_count(a->token, &held)) != 0)
		goto out;
	if (held > 0 && !replace) {
		r = ts_error(TS_ERR_EXISTS, "the token holds %u private keys: "
		    "restore into an empty token, or pass --replace", held);
		goto out;
	}
	if (passphrase != NULL)
		snprintf(pass, sizeof(pass), "%s", passphrase);
	else if ((r = backup_passphrase(&a->conf, 0, pass, sizeof(pass))) != 0)
		goto out;
	if ((r = unlock(&chk.b, pass, &k, &image)) != 0)
		goto out;
	/* a rebuilt machine: the inventory is created now, and removed
	 * again if the restore fails */
	if (a->inv == NULL) {
		if ((r = dir_create(a->conf.state_dir, 0700)) != 0 ||
		    (r = inventory_open(a->conf.state_dir, 1, &a->inv)) != 0)
			goto out;
		created = 1;
	}
	if ((r = restore_keys(a, a->token, &chk.b, &k, &rs,
	    &res->keys_present)) != 0)
		goto out;
	res->keys_restored = (unsigned)rs.n;
	if ((r = inventory_begin(a->inv)) != 0)
		goto undo;
	if ((r = snapshot_restore(a->inv, image)) != 0 ||
	    (r = inventory_meta_set(a->inv, "cluster-id", want)) != 0 ||
	    (r = ops_trustfiles_stage_all(a, o, &count)) != 0 ||
	    (r = ops_fault("restore_commit")) != 0 ||
	    (r = app_audit(a, "backup.restore", 0, "file=%s sha256=%s "
	    "keys=%u present=%u", file, chk.file_sha256, res->keys_restored,
	    res->keys_present)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		ops_abort(a);
		goto undo;
	}
	res->trust_files = count;
	if ((r = ops_publish_flush(a)) == 0 && replace &&
	    (r = remove_extra_keys(a->token, &chk.b, &res->keys_removed)) != 0)
		r = ts_error(r, "restored, but a key the backup does not hold "
		    "could not be removed from the token: %s",
		    ts_error_detail(r));
	goto out;
undo:
	restored_undo(a->token, &rs);
out:
	if (r != 0 && created)
		drop_inventory(a);
	else if (r != 0)
		app_audit(a, "backup.restore", r, "file=%s", file);
	free(rs.keys);
	free(name);
	free(idhex);
	inventory_close(image);
	keys_wipe(&k);
	secret_wipe(pass, sizeof(pass));
	backup_check_free(&chk);
	return r;
}

/* ---- remotekey reset from a backup ---- */

int
ops_itl_reset_remotekey_backup(struct app *a, const char *node,
    const uint8_t *data, size_t len, const char *pass,
    const struct tf_opts *o, struct tf_result *res)
{
	struct backup_check chk;
	struct backup_keys k;
	struct inventory *image = NULL;
	struct token_key key;
	struct tf_opts opts = *o;
	const struct backup_key *bk = NULL;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	size_t i;
	int r;

	memset(&key, 0, sizeof(key));
	memset(&k, 0, sizeof(k));
	/* the same check as `backup verify`: structure, digests, signature */
	if ((r = ops_backup_verify_data(NULL, "the backup", data, len, NULL,
	    NULL, &chk)) != 0)
		goto out;
	/* the signer is the cluster's ITLRecovery */
	for (i = 0; i < chk.b.nkeys; i++)
		if (chk.b.keys[i].cert_len == chk.b.signer_len &&
		    memcmp(chk.b.keys[i].cert, chk.b.signer,
		    chk.b.signer_len) == 0)
			bk = &chk.b.keys[i];
	if (bk == NULL) {
		r = ts_error(TS_ERR_NOTFOUND, "the backup holds no key for its "
		    "ITLRecovery certificate");
		goto out;
	}
	if ((r = unlock(&chk.b, pass, &k, &image)) != 0 ||
	    (r = spki_key(bk, &pub)) != 0 ||
	    (r = key_consistent(bk, pub, &cert)) != 0 ||
	    (r = token_unwrap_key(a->token, k.wrap, sizeof(k.wrap), bk->wrapped,
	    bk->wrapped_len, pub, bk->id, bk->id_len, "remotekey",
	    TOKEN_UNWRAP_SESSION, &key)) != 0)
		goto out;
	opts.signer = TF_SIGN_EXTERNAL;
	opts.ext_key = &key;
	opts.ext_cert = cert;
	r = ops_itl_publish(a, node, &opts, res);
out:
	token_destroy_session_key(a->token, &key);
	keys_wipe(&k);
	inventory_close(image);
	EVP_PKEY_free(pub);
	X509_free(cert);
	backup_check_free(&chk);
	return r;
}
