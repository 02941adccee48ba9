/*
 * audit.h - the hash-chained audit log in the inventory: every entry
 * carries the SHA-256 of the previous one, so that an edited, removed,
 * inserted or reordered entry breaks the chain at a place `audit verify`
 * names.
 */
#ifndef TLVSIGN_STORE_AUDIT_H
#define TLVSIGN_STORE_AUDIT_H

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

/* Entries with time >= since, oldest first. */
int audit_list(struct inventory *inv, time_t since,
    int (*cb)(const struct audit_entry *, void *), void *arg);

/* Check the whole chain: 0 and *count when intact; TS_ERR_SIGNATURE
 * with a detail naming the first entry that does not fit. */
int audit_verify(struct inventory *inv, long *count);

#endif
