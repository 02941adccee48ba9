/*
 * itl.h - building, signing and publishing the ITLFile.tlv of a TFTP node:
 * ITLRecovery as the signing SAST, the node's CallManager as secondary
 * SAST and as TFTP (or CCM+TFTP), its CallManager-ECDSA, every TVS and
 * CAPF certificate of the cluster. Signed inside the token by ITLRecovery.
 */
#ifndef TLVSIGN_OPS_ITL_H
#define TLVSIGN_OPS_ITL_H

#include "ops/app.h"

struct itl_result {
	char path[4096];
	size_t size;
	size_t nrecords;
	char md5[33], sha1[41], sha256[65];
	char signer_serial[130];
};

/* node NULL: the publisher. Nothing is written when any check fails
 * (missing certificates, over 65,535 bytes, more than 2 SAST, a
 * signature that does not verify). */
int ops_itl_build(struct app *a, const char *node, struct itl_result *res);

/* Inside the caller's transaction: rebuild and stage the ITL of every
 * TFTP node that has a published one, from the certificates as the
 * transaction sees them. *count is the number staged. */
int ops_itl_stage_published(struct app *a, int *count);

#endif
