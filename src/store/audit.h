/*
 * audit.h - the hash-chained audit log in the inventory: every entry
 * carries the SHA-256 of the previous one, so that an edited, removed,
 * inserted or reordered entry breaks the chain at a place `audit verify`
 * names.
 */
#ifndef TLVSIGN_STORE_AUDIT_H
#define TLVSIGN_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/inventory.h"

struct audit_entry {
	long seq;
	time_t time;
	char actor[128];
	char operation[64];
	char args_digest[65];   /* SHA-256 of the arguments, hex */
	char args[512];         /* the arguments (no secrets) */
	char result[512];       /* "ok", or "failed: <reason>" */
	char prev[65];
	char hash[65];
};

/* Append (inside the caller's transaction when there is one, so that a
 * failure to write fails the operation). */
int audit_append(struct inventory *inv, const char *actor,
    const char *operation, const char *args, const char *result);

/* Append n entries in this order, chained as n calls of audit_append
 * would chain them, with one lookup of the last entry and one prepared
 * statement (a busy service audits its signatures in groups). */
struct audit_new {
	const char *actor, *operation, *args, *result;
};
int audit_append_many(struct inventory *inv, const struct audit_new *v,
    size_t n);

/* Entries with time >= since, oldest first. */
int audit_list(struct inventory *inv, time_t since,
    int (*cb)(const struct audit_entry *, void *), void *arg);

/* Check the whole chain: 0 and *count when intact; TS_ERR_SIGNATURE
 * with a detail naming the first entry that does not fit. */
int audit_verify(struct inventory *inv, long *count);

/* A checkpoint: the hash of entry seq, signed (by a token key) over
 * audit_checkpoint_message(). */
struct audit_checkpoint {
	long seq;
	char hash[65];
	time_t time;
	uint8_t *cert, *signature;   /* malloc'd by reads */
	size_t cert_len, signature_len;
};

/* The newest entry: seq 0 when the log is empty. */
int audit_last(struct inventory *inv, long *seq, char hash[65]);
/* The newest checkpoint's seq, 0 when none. */
int audit_last_checkpoint(struct inventory *inv, long *seq);
/* What a checkpoint signs. */
void audit_checkpoint_message(long seq, const char *hash, time_t t,
    char *buf, size_t size);
int audit_checkpoint_add(struct inventory *inv,
    const struct audit_checkpoint *c);
int audit_checkpoint_list(struct inventory *inv,
    int (*cb)(const struct audit_checkpoint *, void *), void *arg);
/* The hash of entry seq: TS_ERR_NOTFOUND when there is no such entry. */
int audit_hash_of(struct inventory *inv, long seq, char hash[65]);

#endif
