/*
 * recover.h - bring token, inventory and TFTP directory back into
 * agreement after a crash. Runs before every operation that opens the
 * inventory (and the token): finishes publications that committed, then
 * destroys key pairs that a transaction created but never committed, or
 * whose CSR was replaced (label "...#new" or "...#csr", unknown to the
 * inventory), gives committed new keys
 * their final label, disables and relabels retired keys, and removes
 * staged files nobody will install. Idempotent.
 */
#ifndef TLVSIGN_OPS_RECOVER_H
#define TLVSIGN_OPS_RECOVER_H

#include "ops/app.h"

#define LABEL_NEW_SUFFIX "#new"
#define LABEL_RETIRED_SUFFIX "#retired"
#define LABEL_CSR_SUFFIX "#csr"

int ops_recover(struct app *a);

#endif
