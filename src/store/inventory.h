/*
 * inventory.h - the appliance's state in one SQLite database in the state
 * directory: nodes, certificates per node and purpose, cluster parameters,
 * published files. The schema carries a version (PRAGMA user_version) and
 * is brought up to date by ordered migrations.
 */
#ifndef TLVSIGN_STORE_INVENTORY_H
#define TLVSIGN_STORE_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct inventory;

#define INVENTORY_FILE "inventory.db"

enum node_service {
	SVC_TFTP = 1,
	SVC_TVS = 2,
	SVC_CAPF = 4,
	SVC_CALLMANAGER = 8,
};

struct node {
	long id;
	char host[64];
	char domain[256];
	char ipv4[16];
	unsigned services;      /* SVC_* */
	int publisher;
};

struct cert_row {
	long id;
	long node_id;
	char host[64];          /* filled by reads */
	char purpose[32];
	char state[16];         /* active, pending, retired */
	char key_label[128];
	char key_id[65];        /* hex CKA_ID */
	char key_type[8];       /* RSA, EC */
	unsigned key_bits;
	char *subject;          /* malloc'd by reads */
	char *issuer;
	char serial[130];       /* colon hex */
	time_t not_before, not_after, created;
	char sha1[41];
	char sha256[65];
	uint8_t *der;           /* malloc'd by reads */
	size_t der_len;
	time_t retired;         /* 0 unless retired */
	int key_destroyed;      /* retired key purged from the token */
};

/* A pending certificate signing request: its key is in the token. */
struct csr_row {
	long id;
	long node_id;
	char host[64];
	char purpose[32];
	char key_label[128];
	char key_id[65];
	char key_type[8];
	unsigned key_bits;
	char subject[1024];
	uint8_t *der;           /* the request, DER; malloc'd by reads */
	size_t der_len;
	time_t created;
};

/* A file staged beside its final path, to be renamed into place once the
 * transaction that decided it has committed. */
struct pending_file {
	long id;
	char path[4096];
	char staged[4200];
	char sha256[65];
};

struct published {
	long id;
	long node_id;
	char kind[16];          /* ITL, CTL, SGN */
	char path[4096];
	size_t size;
	char md5[33], sha1[41], sha256[65];
	char signer[130];       /* signer serial */
	time_t published;
	const uint8_t *data;    /* the bytes (writes only; size bytes) */
	int forced;             /* published past a phone-trust refusal */
	char verdict[1024];     /* that refusal */
};

/* Open (create when create != 0) STATE_DIR/inventory.db and migrate it.
 * Without create, a missing database says to run `tlvsign init`. */
int inventory_open(const char *state_dir, int create, struct inventory **out);
void inventory_close(struct inventory *inv);
/* 1 when STATE_DIR holds an inventory, 0 when not. */
int inventory_exists(const char *state_dir);
/* An inventory held in memory, from the bytes of a database file (a
 * backup's snapshot): checked and migrated to the current schema. */
int inventory_open_image(const uint8_t *image, size_t len,
    struct inventory **out);
int inventory_schema_version(struct inventory *inv);
#define INVENTORY_SCHEMA_VERSION 7

int inventory_begin(struct inventory *inv);
int inventory_commit(struct inventory *inv);
void inventory_rollback(struct inventory *inv);

/*
 * Group commit, for a caller that must not wait for the disk: with
 * synced 0, the transactions begun from then on commit without syncing
 * the write-ahead log, and are durable once that log is synced
 * (fdatasync of inventory_wal_path); synced 1 goes back to syncing every
 * commit. inventory_wal_path is NULL when the inventory has no
 * write-ahead log (its commits are then always synced).
 */
int inventory_set_synced(struct inventory *inv, int synced);
const char *inventory_wal_path(const struct inventory *inv);

/* A number that changes whenever another connection (another tlvsign
 * process) commits a change to the inventory: a cache of what it holds is
 * valid while the number stays. This connection's own commits do not
 * change it. */
int inventory_data_version(struct inventory *inv, long long *v);

/* meta: cluster name and the like */
int inventory_meta_get(struct inventory *inv, const char *key, char **value);
int inventory_meta_set(struct inventory *inv, const char *key,
    const char *value);

int inventory_node_add(struct inventory *inv, const struct node *n, long *id);
/* host NULL: the publisher */
int inventory_node_get(struct inventory *inv, const char *host,
    struct node *n);
int inventory_node_list(struct inventory *inv,
    int (*cb)(const struct node *, void *), void *arg);
/* "TFTP,TVS,CAPF,CallManager" */
void node_services_text(unsigned services, char *buf, size_t size);

int inventory_cert_add(struct inventory *inv, const struct cert_row *c,
    long *id);
/* The active certificate of a purpose on a node: TS_ERR_NOTFOUND if none. */
int inventory_cert_active(struct inventory *inv, long node_id,
    const char *purpose, struct cert_row *out);
/* All certificates (active first), any node. */
int inventory_cert_list(struct inventory *inv,
    int (*cb)(const struct cert_row *, void *), void *arg);
void cert_row_free(struct cert_row *c);

/* One certificate by id. */
int inventory_cert_get(struct inventory *inv, long id, struct cert_row *out);
/* Retire a certificate (state 'retired', time now). */
int inventory_cert_retire(struct inventory *inv, long id);
int inventory_cert_mark_key_destroyed(struct inventory *inv, long id);
/* Certificates of a node in any state; published files of a node. */
int inventory_node_usage(struct inventory *inv, long node_id, int *certs,
    int *csrs, int *published);
int inventory_node_remove(struct inventory *inv, long node_id);
/* Every CKA_ID (hex) the inventory still needs in the token: active and
 * retired-not-purged certificates, pending CSRs. */
int inventory_key_ids(struct inventory *inv,
    int (*cb)(const char *key_id, const char *label, const char *state,
    void *), void *arg);

/* Issuing chain of a certificate (position 1 = its issuer). */
int inventory_chain_add(struct inventory *inv, long cert_id, int position,
    const uint8_t *der, size_t len);
int inventory_chain_list(struct inventory *inv, long cert_id,
    int (*cb)(const uint8_t *der, size_t len, void *), void *arg);

/* Pending CSRs: at most one per node and purpose. */
int inventory_csr_add(struct inventory *inv, const struct csr_row *c,
    long *id);
int inventory_csr_get(struct inventory *inv, long node_id, const char *purpose,
    struct csr_row *out);
int inventory_csr_delete(struct inventory *inv, long id);
void csr_row_free(struct csr_row *c);

/* Signed configuration files: content SHA-256, signer serial, output. */
int inventory_signed_list(struct inventory *inv,
    int (*cb)(const char *path, const char *sha256, const char *signer,
    const char *output, void *), void *arg);
int inventory_signed_put(struct inventory *inv, size_t n,
    const char *const *paths, const char *const *sha256, const char *signer,
    const char *const *outputs);

/* The publication journal. */
int inventory_pending_add(struct inventory *inv, const struct pending_file *p);
int inventory_pending_list(struct inventory *inv,
    int (*cb)(const struct pending_file *, void *), void *arg);
int inventory_pending_delete(struct inventory *inv, long id);

int inventory_param_get(struct inventory *inv, const char *name,
    const char *def, char **value);
int inventory_param_set(struct inventory *inv, const char *name,
    const char *value);
/* Every parameter that is set. */
int inventory_param_list(struct inventory *inv,
    int (*cb)(const char *name, const char *value, void *), void *arg);

int inventory_published_add(struct inventory *inv, const struct published *p);
/* The bytes of the last max publications of a path, newest first. */
int inventory_published_history(struct inventory *inv, const char *path,
    unsigned max, int (*cb)(long id, const uint8_t *data, size_t len, void *),
    void *arg);
/* The bytes of the last publication of path before record before_id
 * (LONG_MAX: the newest). TS_ERR_NOTFOUND if none. */
int inventory_published_before(struct inventory *inv, const char *path,
    long before_id, uint8_t **data, size_t *len);
/* The last record for a path: TS_ERR_NOTFOUND if none. */
int inventory_published_last(struct inventory *inv, const char *path,
    struct published *out);

#endif
