/*
 * token.h - everything PKCS#11: the module is loaded and initialised once
 * per process, the token is found by RFC 7512 URI or label, each thread
 * gets its own session, private keys are generated sensitive inside the
 * token and used only through C_Sign (or through an OpenSSL EVP_PKEY
 * backed by libp11 for X509_sign and TLS).
 */
#ifndef TLVSIGN_TOKEN_TOKEN_H
#define TLVSIGN_TOKEN_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct token;

enum token_keytype {
	TOKEN_KEY_RSA = 1,
	TOKEN_KEY_EC = 2,
};

#define TOKEN_ID_MAX 32
#define TOKEN_LABEL_MAX 128

/* A key pair in the token, named by label and CKA_ID. */
struct token_key {
	char label[TOKEN_LABEL_MAX];
	uint8_t id[TOKEN_ID_MAX];
	size_t id_len;
	enum token_keytype type;
	unsigned bits;          /* RSA modulus bits or EC curve bits */
	unsigned long priv;     /* object handles, valid in this process */
	unsigned long pub;
	int copied;             /* priv is a session copy (token_key_copy) */
};

struct token_info {
	char module[256];       /* path */
	char label[33];
	char serial[17];
	char manufacturer[33];
	char model[17];
	unsigned long slot;
	int logged_in;
};

/* Attributes of one object, for `token status`. */
struct token_object {
	char label[TOKEN_LABEL_MAX];
	uint8_t id[TOKEN_ID_MAX];
	size_t id_len;
	unsigned long cls;      /* CKO_* */
	unsigned long key_type; /* CKK_* for keys */
	int is_private;         /* CKA_PRIVATE */
	int sensitive, extractable, always_sensitive, never_extractable;
	int can_sign;
};

/* Open the module (once per process) and find the token named by uri,
 * which is a "pkcs11:" URI (RFC 7512) or a plain token label. */
int token_open(const char *module, const char *uri, struct token **out);
void token_close(struct token *t);

/*
 * Initialise a token in the first free slot (an uninitialised token) with
 * the label named by uri ("pkcs11:token=LABEL" or a plain label). The SO
 * PIN comes from TLVSIGN_SO_PIN_FILE or the terminal; the user PIN from
 * TLVSIGN_PIN_FILE, pin_file or the terminal. TS_ERR_EXISTS when a token
 * with that label exists already.
 */
int token_initialize(const char *module, const char *uri, const char *pin_file);
/* The same with the label and PINs given (a scratch token). */
int token_initialize_pins(const char *module, const char *label,
    const char *so_pin, const char *pin);

/* Log the user in; the PIN comes from TLVSIGN_PIN_FILE, pin_file or the
 * terminal, and is wiped as soon as C_Login returns. Already logged in
 * is success. */
int token_login(struct token *t, const char *pin_file);
int token_login_pin(struct token *t, const char *pin);

int token_get_info(struct token *t, struct token_info *info);

/* Generate a key pair: RSA 2048/3072/4096 or EC 256/384 (P-256/P-384).
 * Private key: token, private, sensitive, sign, extractable (so that it
 * can be wrapped for a backup; never readable in plaintext). CKA_ID is
 * the SHA-1 of the public key value. */
int token_generate(struct token *t, enum token_keytype type, unsigned bits,
    const char *label, struct token_key *key);

/* Find the private key with this label (and its public key). */
int token_find_key(struct token *t, const char *label, struct token_key *key);

/* Find the private key with this CKA_ID (and its public key). Operations
 * name keys by CKA_ID, which never changes; labels are for people. */
int token_find_key_by_id(struct token *t, const uint8_t *id, size_t id_len,
    struct token_key *key);

/* Relabel a key pair and its certificates. */
int token_set_label(struct token *t, struct token_key *key, const char *label);

/*
 * A copy of a private key for a thread that signs many times with it: a
 * session object (C_CopyObject, CKA_TOKEN false) in the calling thread's
 * session. The copy stays in the token with the key's attributes
 * (sensitive; usable only as the key is) under a CKA_ID and label of its
 * own, so that no search for the key finds it; it goes when it is dropped
 * or its session closes. Why: a file-backed token such as SoftHSM2 reads
 * a token object's file again before every operation with it, and a
 * session object's never. A token that refuses the copy (CKA_COPYABLE
 * false, no C_CopyObject) gives *copy = *key, which signs as before.
 */
void token_key_copy(struct token *t, const struct token_key *key,
    struct token_key *copy);
/* Destroy a copy (from any thread); a key that is not a copy is left. */
void token_key_drop(struct token *t, struct token_key *copy);

/* Allow or forbid signing with a private key (CKA_SIGN): a retired key is
 * kept, disabled, until it is purged. */
int token_set_sign(struct token *t, const struct token_key *key, int enabled);

/* The public key as an OpenSSL key, read from the public key object. */
int token_public_key(struct token *t, const struct token_key *key,
    EVP_PKEY **out);

/*
 * Sign data with a token key. The digest is computed locally and the
 * token signs it: RSA with CKM_RSA_PKCS over a DigestInfo (PKCS#1 v1.5),
 * EC with CKM_ECDSA (returned DER-encoded, as X.509 and TLS want it).
 * md is EVP_sha1(), EVP_sha256(), EVP_sha384() or EVP_sha512().
 */
int token_sign(struct token *t, const struct token_key *key, const EVP_MD *md,
    const uint8_t *data, size_t len, uint8_t **sig, size_t *siglen);

/* An EVP_PKEY whose private operations run in the token (libp11); for
 * X509_sign and TLS. Free with EVP_PKEY_free; the token must outlive it. */
int token_evp_pkey(struct token *t, const struct token_key *key,
    EVP_PKEY **out);

/*
 * Import an RSA private key as a session object (CKA_TOKEN false,
 * sensitive, not extractable, sign only): it vanishes with the session and
 * is destroyed by token_destroy_session_key right after use. For the
 * remotekey reset, whose key arrives in a PKCS#12 file.
 */
int token_import_session_key(struct token *t, EVP_PKEY *pkey,
    struct token_key *key);
void token_destroy_session_key(struct token *t, struct token_key *key);

/*
 * Wrap a private key inside the token with CKM_AES_KEY_WRAP_PAD (RFC 5649)
 * under kek, which is imported as a session key (CKA_TOKEN false, wrap
 * only, not extractable) and destroyed before returning. *blob is
 * malloc'd. The key never exists in plaintext outside the token.
 */
int token_wrap_key(struct token *t, const struct token_key *key,
    const uint8_t *kek, size_t keklen, uint8_t **blob, size_t *bloblen);

/*
 * Unwrap a private key wrapped by token_wrap_key, under kek imported as a
 * session key and destroyed before returning. The key gets CKA_ID id and
 * label; pub (from the certificate or public key that goes with it) gives
 * its type and a public key object. flags: TOKEN_UNWRAP_SESSION makes a
 * session object (not extractable, no public object: destroy it with
 * token_destroy_session_key after use); TOKEN_UNWRAP_NOSIGN clears
 * CKA_SIGN (a retired key). A key that does not unwrap is TS_ERR_CRYPTO.
 */
#define TOKEN_UNWRAP_SESSION 1
#define TOKEN_UNWRAP_NOSIGN 2
int token_unwrap_key(struct token *t, const uint8_t *kek, size_t keklen,
    const uint8_t *blob, size_t bloblen, EVP_PKEY *pub,
    const uint8_t *id, size_t id_len, const char *label, unsigned flags,
    struct token_key *key);

/* How many private keys the token holds (token objects). */
int token_key_count(struct token *t, unsigned *count);

/* Store a certificate object with the key's CKA_ID and label. */
int token_store_cert(struct token *t, const struct token_key *key, X509 *cert);

/* Destroy the certificate objects with the key's CKA_ID, keeping the key. */
int token_destroy_certs(struct token *t, const struct token_key *key);

/* Destroy a key pair and any certificate with its CKA_ID. */
int token_destroy_key(struct token *t, const struct token_key *key);

/* Every object on the token (callback order = token order). */
int token_list_objects(struct token *t,
    int (*cb)(const struct token_object *, void *), void *arg);

/* Read CKA_VALUE of the private key: must fail for a sensitive key. Used
 * by tests to prove the key cannot be read; returns 0 only if the value
 * could be read. */
int token_try_read_private_value(struct token *t, const struct token_key *key);

#endif
