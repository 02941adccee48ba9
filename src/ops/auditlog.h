/*
 * auditlog.h - checkpoints of the audit log, signed in the token by the
 * ITLRecovery key: the hash chain shows an edited, removed, inserted or
 * reordered entry; a checkpoint also shows a rewritten chain or removed
 * newest entries, since nobody can sign a new checkpoint without the key.
 * One is made automatically every AUDIT_CHECKPOINT_EVERY entries when the
 * token is open, at most one every AUDIT_CHECKPOINT_SECONDS in a process
 * (a busy service would otherwise sign one for every 25 signatures it
 * makes), and on demand.
 */
#ifndef TLVSIGN_OPS_AUDITLOG_H
#define TLVSIGN_OPS_AUDITLOG_H

#include "ops/app.h"

#define AUDIT_CHECKPOINT_EVERY 25
#define AUDIT_CHECKPOINT_SECONDS 1.0

/* Sign a checkpoint of the newest entry (nothing when it has one). */
int ops_audit_checkpoint(struct app *a, long *seq);

/* A checkpoint when the last one is AUDIT_CHECKPOINT_EVERY entries old
 * and this process signed none in the last AUDIT_CHECKPOINT_SECONDS. */
int ops_audit_checkpoint_due(struct app *a);

struct audit_report {
	long entries;
	long checkpoints;
	long last_checkpoint;
	char signer[512];     /* subject of the last checkpoint's signer */
};

/* The chain and every checkpoint; TS_ERR_SIGNATURE names what is wrong. */
int ops_audit_verify(struct app *a, struct audit_report *rep);

#endif
