/*
 * sign.h - signed phone configuration files (.sgn, FORMATS.md section 5):
 * the original bytes behind a version 1.0 header, signed in the token by
 * the TFTP node's CallManager key. One file, or a whole directory in
 * parallel (one PKCS#11 session per worker thread), incrementally: a file
 * whose content and signer did not change since its last signature is
 * skipped. Every .sgn replaces its predecessor atomically (a temporary
 * file renamed over it); the batch is made durable with one syncfs before
 * it is recorded in the inventory.
 */
#ifndef TLVSIGN_OPS_SIGN_H
#define TLVSIGN_OPS_SIGN_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ops/app.h"

struct sign_opts {
	const char *node;       /* the TFTP node whose key signs (publisher) */
	const char *out_dir;    /* NULL: beside each file */
	const char *filename;   /* internal name (single file only) */
	unsigned jobs;          /* worker threads; 0: one per core */
	int all;                /* sign even unchanged files */
	/* progress, called from any worker (serialised) */
	void (*progress)(size_t done, size_t total, void *arg);
	void *progress_arg;
};

struct sign_result {
	size_t total, signed_count, skipped, failed;
	char first_error[1024];
	char last_path[4096];
};

/* Sign each file; stops at the first failure. */
int ops_sign_files(struct app *a, char *const *paths, size_t n,
    const struct sign_opts *o, struct sign_result *res);

/* Sign bytes in memory (the service's signing endpoint): *out is the
 * .sgn (internal name NAME.sgn) by node's TFTP key (NULL: the
 * publisher); nothing is written or recorded but the audit entry. */
int ops_sign_bytes(struct app *a, const char *node, const char *name,
    const uint8_t *data, size_t len, uint8_t **out, size_t *outlen);

/*
 * A signer for many requests (the service's worker pool): opened on the
 * thread that owns the inventory, then used from any thread, each with
 * its own token session. ops_signer_sign writes and records nothing,
 * not even an audit entry: the caller audits. It is bound to the key and
 * certificate active when it was opened. With [token] copy-keys, each
 * thread signs with a session copy of the key of its own (token_key_copy),
 * made on its second signature and destroyed by ops_signer_free.
 */
struct sgn_signer;
int ops_signer_open(struct app *a, const char *node, struct sgn_signer **out);
int ops_signer_sign(struct app *a, struct sgn_signer *g,
    const char *name, const uint8_t *data, size_t len, uint8_t **out,
    size_t *outlen);
/* The signing certificate's serial number, in hex. */
const char *ops_signer_serial(const struct sgn_signer *g);
void ops_signer_free(struct sgn_signer *g);

/* Sign every configuration file under dir (not .sgn, not staged
 * files). Failures are counted, the first one kept; returns TS_ERR_IO
 * when any file failed. */
int ops_sign_dir(struct app *a, const char *dir, const struct sign_opts *o,
    struct sign_result *res);

/*
 * Encrypt a configuration file for one phone (FORMATS.md section 6): write
 * NAME.enc.sgn (version 2.0 header, AES-128-CBC, the key encrypted to the
 * phone certificate, signed by the TFTP key) and the stub NAME.sgn that
 * tells the phone to fetch it, beside the file or in o->out_dir.
 */
int ops_encrypt_config(struct app *a, const char *path, X509 *phone_cert,
    const struct sign_opts *o, char *encpath, size_t esize, char *stubpath,
    size_t ssize);

/* Decrypt NAME.enc.sgn bytes with a phone's private key (for testing). */
int ops_decrypt_config(const uint8_t *data, size_t len, EVP_PKEY *phone_key,
    uint8_t **plain, size_t *plen);

/* The autoregistration default file: TFTP_DIR/XMLDefault.cnf.xml, signed
 * whenever trust files are published (0 when it does not exist). */
int ops_sign_default_config(struct app *a);

#endif
