/*
 * gate.h - the phone-trust check in front of every publication: before a
 * new ITL or CTL is staged, simulate the phones holding the files
 * published now (and, with --previous N, those that missed the last N
 * publications) against the TVS trust store as the publication leaves it.
 * When phones would reject the file, refuse with the rule, the
 * certificate and a safe sequence of steps, unless --force, in which case
 * the refusal is recorded with the publication.
 */
#ifndef TLVSIGN_OPS_GATE_H
#define TLVSIGN_OPS_GATE_H

#include "ops/phone.h"
#include "ops/trustfile.h"

int gate_check(struct app *a, const struct node *n, int is_ctl,
    const char *path, const uint8_t *data, size_t len,
    const struct tf_opts *o, struct tf_result *res);

/* The cluster's TVS trust store as the inventory holds it now: every
 * active CallManager, TVS and CAPF certificate with its trust-file role
 * (not ITLRecovery: phones learn a new one only from an ITL or CTL signed
 * by a key they trust), and every certificate of other clusters
 * imported by `tlvsign cert bulk import` with the roles of its archive;
 * the server certificates are this cluster's active TVS certificates. */
struct gate_store {
	struct tvs_store s;
	struct tvs_entry *entries;
	X509 **servers;
	size_t cap, ncap;
};

int gate_store_load(struct app *a, struct gate_store *gs);
/* A store from a PEM bundle: every certificate vouched for with any role,
 * the first one presented as the TVS server certificate. */
int gate_store_from_pem(const uint8_t *pem, size_t len, struct gate_store *gs);
void gate_store_free(struct gate_store *gs);

/*
 * The check on files given as bytes (the service's /v1/check): would a
 * phone holding the ITL from (NULL: none) and the CTL ctl (NULL: none)
 * accept to (an ITL, a CTL by its internal name, or a .sgn), with this
 * appliance's TVS trust store? *advice is a safe sequence when rejected
 * (static text), else NULL. A file that is not a trust list is an error.
 */
int gate_check_bytes(struct app *a, const uint8_t *from, size_t from_len,
    const uint8_t *ctl, size_t ctl_len, const uint8_t *to, size_t to_len,
    struct phone_verdict *v, const char **advice);

/* A safe sequence of steps for a refusal. */
const char *gate_advice(const struct phone *ph, const struct tvs_store *tvs,
    int is_ctl, const struct trustlist *newfile,
    const struct phone_verdict *v);

#endif
