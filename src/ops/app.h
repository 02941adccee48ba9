/*
 * app.h - what an operation works on: the configuration, the token and the
 * inventory, opened as far as the operation needs.
 */
#ifndef TLVSIGN_OPS_APP_H
#define TLVSIGN_OPS_APP_H

#include "store/audit.h"
#include "store/inventory.h"
#include "token/token.h"
#include "util/conf.h"

struct app {
	struct conf conf;
	struct token *token;
	struct inventory *inv;
	char actor[128];   /* who acts: "local:<user>(<uid>)" by default */
	/* long operations report here when set (a terminal's progress bar) */
	void (*progress)(size_t done, size_t total, void *arg);
	void *progress_arg;
	/* when this process last signed an automatic audit checkpoint
	 * (CLOCK_MONOTONIC seconds; 0: never) */
	double checkpoint_at;
};

/* Report progress when a reporter is installed. */
void app_progress(const struct app *a, size_t done, size_t total);

enum {
	APP_INVENTORY = 1, /* open the existing inventory */
	APP_TOKEN = 2,     /* find the token */
	APP_LOGIN = 4,     /* and log in (implies APP_TOKEN) */
};

int app_open(const char *conf_path, unsigned need, struct app *a);
void app_close(struct app *a);

/* The token label of a purpose's key on a node: "<purpose>@<host>". */
int app_key_label(const char *purpose, const char *host, char *buf,
    size_t size);

/*
 * Append to the audit log: operation, its arguments (never a secret), and
 * "ok" when rc is 0 or "failed: <detail>". Inside a transaction the entry
 * commits with it, and a failure to write fails the operation; after a
 * failure the detail of rc is kept.
 */
int app_audit(struct app *a, const char *operation, int rc,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Append n prepared entries (each with its own actor and result) in one
 * go, then a signed checkpoint if one is due. */
int app_audit_many(struct app *a, const struct audit_new *v, size_t n);

/* Destroy a key pair (and its certificates) after a failure, keeping the
 * failure's detail. */
void app_drop_key(struct app *a, const struct token_key *key);

/* The token key of an inventory row, by its CKA_ID (hex). */
int app_find_key(struct app *a, const char *key_id_hex, struct token_key *key);

/* The published path of a node's trust file (name "ITLFile.tlv"): the
 * TFTP directory for the publisher, TFTP_DIR/<host>/ for other nodes. */
int app_tftp_path(const struct app *a, const struct node *n,
    const char *name, char *buf, size_t size);

#endif
