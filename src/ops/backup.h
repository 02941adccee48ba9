/*
 * backup.h - DRS-style backups (tlvsign-backup(5)): every key the
 * inventory needs, wrapped inside the token under a key derived from a
 * passphrase; the inventory, encrypted under another key derived from it;
 * the manifest signed by ITLRecovery. Checked without a secret, proved
 * restorable in a scratch token, restored into an empty token.
 */
#ifndef TLVSIGN_OPS_BACKUP_H
#define TLVSIGN_OPS_BACKUP_H

#include "format/backup.h"
#include "ops/trustfile.h"
#include "store/snapshot.h"

#define BACKUP_MIN_PASSPHRASE 12
#define BACKUP_SUFFIX ".tlvbak"

/* HKDF-Expand labels of the two keys derived from the PBKDF2 output. */
#define BACKUP_LABEL_WRAP "tlvsign backup v1 key wrapping"
#define BACKUP_LABEL_INVENTORY "tlvsign backup v1 inventory"

struct backup_made {
	char path[4096];
	char sha256[65];
	size_t size;
	unsigned nkeys;
};

/* passphrase: NULL reads it ([backup] passphrase-file,
 * TLVSIGN_BACKUP_PASSPHRASE_FILE or twice from the terminal). */
int ops_backup_create(struct app *a, const char *out, const char *passphrase,
    struct backup_made *res);

int ops_backup_list(struct app *a,
    int (*cb)(const struct backup_row *, void *), void *arg);

/* What a check found; the parsed backup stays in b. */
struct backup_check {
	struct backup b;
	char path[4096];
	char file_sha256[65];
	size_t file_size;
	int digests_ok;
	char bad_key[160];         /* the first key whose digest differs */
	int signature_ok;
	char signer_subject[512];
	char signer_serial[130];
	char signer_sha256[96];    /* colon hex */
	time_t signer_not_after;
	int anchor;                /* 1 matches, 0 differs, -1 nothing to
	                            * compare with */
	int anchor_explicit;       /* --itl or --cert given */
	char anchor_source[4200];
	unsigned keys_tested;      /* restore test: keys proved */
};

/*
 * Check a backup without a secret: structure, the wrapped keys' digests,
 * the manifest signature; then whether the signer is the ITLRecovery of
 * itl (a trust list file) or cert (PEM or DER), or, when neither is given
 * and a is not NULL, of the ITL published now. 0 when the backup is
 * intact and, if an anchor was given, signed by it; chk is filled as far
 * as the check went either way.
 */
int ops_backup_verify(struct app *a, const char *file, const char *itl,
    const char *cert, struct backup_check *chk);
/* The same on bytes in memory; name is what messages call them. */
int ops_backup_verify_data(struct app *a, const char *name,
    const uint8_t *data, size_t len, const char *itl, const char *cert,
    struct backup_check *chk);
void backup_check_free(struct backup_check *chk);

/* What a check found (r: its result), as JSON; keys adds every key. */
#include <jansson.h>
json_t *backup_check_json(const struct backup_check *chk, int r, int keys);

/*
 * verify, then with the passphrase restore every key into a scratch
 * SoftHSM2 token in a temporary directory and prove each one by a
 * sign/verify round trip against its certificate (or public key), then
 * destroy the scratch token. Never opens the production token: call it
 * before anything in the process has loaded a PKCS#11 module.
 */
int ops_backup_restore_test(struct app *a, const char *file, const char *itl,
    const char *cert, const char *scratch_module, const char *passphrase,
    struct backup_check *chk);

struct backup_restored {
	char cluster[256];
	unsigned keys_restored;    /* unwrapped into the token */
	unsigned keys_present;     /* already there (same CKA_ID) */
	unsigned keys_removed;     /* --replace: keys the backup lacks */
	int trust_files;           /* trust files republished */
};

/*
 * Restore into the token and the state directory of a (a->inv NULL: the
 * inventory is created, and removed again on failure): refused when the
 * token holds keys, unless replace. Keys, certificates and inventory, then the published trust
 * files rebuilt through the phone-trust check, in one transaction: a
 * failure at any step leaves token, inventory and TFTP directory as they
 * were.
 */
int ops_backup_restore(struct app *a, const char *file, int replace,
    const struct tf_opts *o, const char *passphrase,
    struct backup_restored *res);

/* Whether data looks like a backup file (for commands that take either a
 * backup or another kind of file). */
int backup_sniff(const uint8_t *data, size_t len);

/* remotekey reset from a backup: the backup's ITLRecovery key unwrapped as
 * a session object in the token, used to sign node's ITL, destroyed. */
int ops_itl_reset_remotekey_backup(struct app *a, const char *node,
    const uint8_t *data, size_t len, const char *passphrase,
    const struct tf_opts *o, struct tf_result *res);

/* Read the backup passphrase: env TLVSIGN_BACKUP_PASSPHRASE_FILE, the
 * configured passphrase-file, or the terminal (twice when confirm). */
int backup_passphrase(const struct conf *c, int confirm, char *buf,
    size_t size);

#endif
