/*
 * trustfile.h - building, signing and publishing ITLFile.tlv and
 * CTLFile.tlv (FORMATS.md sections 2-3), in every variant the reference
 * product knows: the ITL of a TFTP node (ITLRecovery as signing SAST, the
 * node's CallManager as secondary SAST and as TFTP or CCM+TFTP, its
 * CallManager-ECDSA, every TVS and CAPF certificate), the rollback ITL
 * (TVS and TFTP records without certificates), the mixed-mode CTL
 * (ITLRecovery and the publisher's CallManager as SAST, CCM+TFTP for every
 * CallManager/TFTP node, CAPF, no TVS), the non-secure CTL (certificate-less
 * CCM+TFTP records); signed by ITLRecovery, by the CallManager key
 * (localkey resets) or by an imported key (remotekey reset). Every file is
 * checked by our own parser and verifier, then by the phone-trust check
 * against what phones hold, before it is staged for publication.
 */
#ifndef TLVSIGN_OPS_TRUSTFILE_H
#define TLVSIGN_OPS_TRUSTFILE_H

#include "ops/app.h"

#define ITL_NAME "ITLFile.tlv"
#define CTL_NAME "CTLFile.tlv"

enum tf_kind {
	TF_ITL,
	TF_CTL,
};

enum tf_signer {
	TF_SIGN_RECOVERY,  /* ITLRecovery: the normal case ("restart TFTP") */
	TF_SIGN_LOCALKEY,  /* the CallManager key of the node (publisher for
	                    * a CTL) */
	TF_SIGN_EXTERNAL,  /* ext_key / ext_cert (remotekey reset) */
};

struct tf_opts {
	enum tf_signer signer;
	const struct token_key *ext_key;  /* TF_SIGN_EXTERNAL */
	X509 *ext_cert;
	int force;         /* publish even when phones would reject the file */
	unsigned previous; /* also phones that missed the last N publications */
};

struct tf_result {
	char path[4096];
	size_t size;
	size_t nrecords;
	char md5[33], sha1[41], sha256[65];
	char signer_subject[512];
	char signer_serial[130];
	int phone_states;  /* phone situations checked */
	int forced;        /* published although phones would reject it */
	char verdict[2048];/* the phone-trust check's reason when forced */
};

/* The ITL of one TFTP node (NULL: the publisher), published. */
int ops_itl_publish(struct app *a, const char *node, const struct tf_opts *o,
    struct tf_result *res);

/* The CTL of every TFTP node in the current security mode, published.
 * set_mode: 0 keep, 1 mixed, 2 non-secure (sets the parameter). Refused
 * when there is no CTL to update (set_mode 0, never set). */
int ops_ctl_publish(struct app *a, int set_mode, const struct tf_opts *o,
    struct tf_result *res, int *count);

/* Inside the caller's transaction: rebuild and stage every published ITL
 * (and CTL) from the certificates as the transaction sees them, signed by
 * ITLRecovery, through the phone-trust check. */
int ops_trustfiles_stage_published(struct app *a, const struct tf_opts *o,
    int *count);

/* The same for every TFTP node, published before or not, and their CTLs
 * once a security mode is set (a restore onto a rebuilt machine). */
int ops_trustfiles_stage_all(struct app *a, const struct tf_opts *o,
    int *count);
/* prepare-rollback: publish the rollback ITLs (on) or the normal ones. */
int ops_rollback_set(struct app *a, int on, const struct tf_opts *o,
    int *count);

/* Per-phone copies ITLSEP<MAC>.tlv / CTLSEP<MAC>.tlv of the published
 * file (same bytes: the internal name stays ITLFile.tlv / CTLFile.tlv). */
int ops_trustfile_copy(struct app *a, enum tf_kind kind, const char *node,
    const char *mac, char *path, size_t size);

/* The digest trust files are signed with: trust-file-digest, sha1 by
 * default, sha512 in FIPS mode (where sha1 is refused). */
int ops_trust_digest(struct app *a, uint8_t *code);

#endif
