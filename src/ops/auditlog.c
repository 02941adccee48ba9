/* auditlog.c - signed audit checkpoints. */
#include "ops/auditlog.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/audit.h"
#include "util/error.h"
#include "x509/cert.h"

int
ops_audit_checkpoint(struct app *a, long *seq)
{
	struct audit_checkpoint c;
	struct cert_row row;
	struct node pub;
	struct token_key key;
	char msg[256];
	long last;
	int r;

	memset(&c, 0, sizeof(c));
	if (a->token == NULL)
		return ts_error(TS_ERR_INVALID, "a checkpoint needs the token");
	if ((r = audit_last(a->inv, &c.seq, c.hash)) != 0 ||
	    (r = audit_last_checkpoint(a->inv, &last)) != 0)
		return r;
	*seq = c.seq;
	if (c.seq == 0)
		return ts_error(TS_ERR_NOTFOUND, "the audit log is empty");
	if (last == c.seq)
		return 0;
	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0)
		return r;
	if (inventory_cert_active(a->inv, pub.id, "ITLRecovery", &row) != 0)
		return ts_error(TS_ERR_NOTFOUND, "no ITLRecovery key to sign "
		    "audit checkpoints with");
	c.time = time(NULL);
	audit_checkpoint_message(c.seq, c.hash, c.time, msg, sizeof(msg));
	if ((r = app_find_key(a, row.key_id, &key)) == 0 &&
	    (r = token_sign(a->token, &key, EVP_sha256(), (const uint8_t *)msg,
	    strlen(msg), &c.signature, &c.signature_len)) == 0) {
		c.cert = row.der;
		c.cert_len = row.der_len;
		r = audit_checkpoint_add(a->inv, &c);
	}
	free(c.signature);
	cert_row_free(&row);
	return r;
}

int
ops_audit_checkpoint_due(struct app *a)
{
	struct timespec ts;
	char hash[65];
	long seq, last;
	double now;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (a->checkpoint_at > 0 &&
	    now - a->checkpoint_at < AUDIT_CHECKPOINT_SECONDS)
		return 0;
	if (a->token == NULL || audit_last(a->inv, &seq, hash) != 0 ||
	    audit_last_checkpoint(a->inv, &last) != 0 ||
	    seq - last < AUDIT_CHECKPOINT_EVERY) {
		ts_error_clear();
		return 0;
	}
	/* no ITLRecovery key yet (a cluster being set up): the entries wait
	 * for the first checkpoint it can sign */
	if ((r = ops_audit_checkpoint(a, &seq)) == TS_ERR_NOTFOUND) {
		ts_error_clear();
		return 0;
	}
	if (r == 0)
		a->checkpoint_at = now;
	return r;
}

struct ckpt_walk {
	struct app *a;
	struct audit_report *rep;
};

/* Is der the certificate of an ITLRecovery key this appliance had? */
static int
known_recovery(const struct cert_row *row, void *arg)
{
	const struct audit_checkpoint *c = arg;

	if (strcmp(row->purpose, "ITLRecovery") == 0 &&
	    row->der_len == c->cert_len &&
	    memcmp(row->der, c->cert, c->cert_len) == 0)
		return 1; /* found: stop the walk */
	return 0;
}

static int
check_one(const struct audit_checkpoint *c, void *arg)
{
	struct ckpt_walk *w = arg;
	char hash[65], msg[256], *subject = NULL;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int r;

	if (audit_hash_of(w->a->inv, c->seq, hash) != 0)
		return ts_error(TS_ERR_SIGNATURE, "audit checkpoint %ld names an "
		    "entry that is gone: entries were removed", c->seq);
	if (strcmp(hash, c->hash) != 0)
		return ts_error(TS_ERR_SIGNATURE, "audit entries up to %ld were "
		    "rewritten: the chain no longer ends where checkpoint %ld "
		    "says", c->seq, c->seq);
	if ((r = inventory_cert_list(w->a->inv, known_recovery, (void *)c)) !=
	    1) {
		if (r == 0)
			r = ts_error(TS_ERR_SIGNATURE, "audit checkpoint %ld is "
			    "signed by a certificate that is not an ITLRecovery "
			    "certificate of this appliance", c->seq);
		return r;
	}
	audit_checkpoint_message(c->seq, c->hash, c->time, msg, sizeof(msg));
	r = 0;
	if ((r = cert_from_der(c->cert, c->cert_len, &x)) != 0)
		return r;
	if ((key = X509_get_pubkey(x)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestVerify(ctx, c->signature, c->signature_len,
	    (const uint8_t *)msg, strlen(msg)) != 1)
		r = ts_error(TS_ERR_SIGNATURE, "the signature of audit "
		    "checkpoint %ld does not verify", c->seq);
	else if (cert_dn_text(X509_get_subject_name(x), ';', &subject) == 0) {
		snprintf(w->rep->signer, sizeof(w->rep->signer), "%s",
		    subject);
		w->rep->checkpoints++;
		w->rep->last_checkpoint = c->seq;
	}
	free(subject);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	X509_free(x);
	return r;
}

int
ops_audit_verify(struct app *a, struct audit_report *rep)
{
	struct ckpt_walk w = { a, rep };
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = audit_verify(a->inv, &rep->entries)) != 0)
		return r;
	return audit_checkpoint_list(a->inv, check_one, &w);
}
