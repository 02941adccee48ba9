/*
 * backup.h - the backup file (src/backup.asn, tlvsign-backup(5)): decoded
 * and encoded with libtasn1, strict DER, every field bounded. This layer
 * knows bytes only: the KDF, the key wrapping and the signature are the
 * callers' business.
 */
#ifndef TLVSIGN_FORMAT_BACKUP_H
#define TLVSIGN_FORMAT_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BACKUP_VERSION 1
#define BACKUP_MAX_FILE (256u << 20)    /* 256 MiB */
#define BACKUP_MAX_KEYS 1024
#define BACKUP_KEY_ID_MAX 32
#define BACKUP_SALT_MIN 16
#define BACKUP_SALT_MAX 64
#define BACKUP_IV_LEN 12
#define BACKUP_TAG_LEN 16
#define BACKUP_CLUSTER_ID_LEN 16
#define BACKUP_ITERATIONS_MIN 600000ul
#define BACKUP_ITERATIONS_MAX 100000000ul

#define BACKUP_OID_PBKDF2 "1.2.840.113549.1.5.12"
#define BACKUP_OID_HMAC_SHA256 "1.2.840.113549.2.9"
#define BACKUP_OID_AES256_GCM "2.16.840.1.101.3.4.1.46"
#define BACKUP_OID_RSA_SHA256 "1.2.840.113549.1.1.11"
#define BACKUP_OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"

enum backup_key_type {
	BACKUP_KEY_RSA = 1,
	BACKUP_KEY_EC = 2,
};

struct backup_key {
	char label[128];
	char purpose[32];
	char node[64];
	char state[16];             /* active, retired, csr */
	enum backup_key_type type;
	unsigned bits;
	uint8_t id[BACKUP_KEY_ID_MAX];
	size_t id_len;
	uint8_t *spki;              /* SubjectPublicKeyInfo, DER */
	size_t spki_len;
	uint8_t *cert;              /* X.509 DER, or NULL */
	size_t cert_len;
	uint8_t *wrapped;           /* RFC 5649 wrapped PKCS#8 */
	size_t wrapped_len;
	uint8_t wrapped_sha256[32];
};

struct backup {
	unsigned version;
	char cluster_name[256];
	uint8_t cluster_id[BACKUP_CLUSTER_ID_LEN];
	time_t created;
	char producer[64];
	/* KDF: PBKDF2-HMAC-SHA256 */
	uint8_t salt[BACKUP_SALT_MAX];
	size_t salt_len;
	unsigned long iterations;
	struct backup_key *keys;
	size_t nkeys;
	/* the inventory, AES-256-GCM */
	uint8_t iv[BACKUP_IV_LEN];
	uint8_t *inventory;         /* ciphertext */
	size_t inventory_len;
	uint8_t tag[BACKUP_TAG_LEN];
	/* the signer's certificate (DER): set before backup_encode, whose
	 * manifest binds it by its SHA-256 */
	uint8_t *signer;
	size_t signer_len;
	/* filled by backup_parse (and by backup_encode on success) */
	uint8_t *manifest;          /* the signed DER bytes */
	size_t manifest_len;
	char sig_alg[32];           /* BACKUP_OID_RSA_SHA256 or _ECDSA_ */
	uint8_t *signature;
	size_t signature_len;
};

/*
 * Decode a backup file. Every field is checked against the module and its
 * bounds (version, algorithms, lengths, counts); trailing bytes, BER
 * forms and a file over BACKUP_MAX_FILE are refused, and so is a signer
 * certificate whose SHA-256 is not the manifest's. The wrapped keys'
 * digests and the signature are not checked here.
 */
int backup_parse(const uint8_t *der, size_t len, struct backup *out);

/*
 * Encode b (with b->signer set). sign is called once with the DER of the
 * manifest and returns the signature (malloc'd) and its algorithm OID. On
 * success b->manifest, b->signature and b->sig_alg are set too.
 */
typedef int (*backup_sign_fn)(const uint8_t *manifest, size_t len,
    void *arg, uint8_t **sig, size_t *siglen, const char **sig_alg);
int backup_encode(struct backup *b, backup_sign_fn sign, void *arg,
    uint8_t **der, size_t *len);

void backup_free(struct backup *b);

#endif
