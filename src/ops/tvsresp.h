/*
 * tvsresp.h - what the TVS service answers: the TVS trust store (this
 * cluster's certificates with their roles, as the phone-trust check sees
 * them, and the certificates imported from other clusters), and one
 * response per request. No I/O: the daemon reads frames and writes what
 * this returns.
 */
#ifndef TLVSIGN_OPS_TVSRESP_H
#define TLVSIGN_OPS_TVSRESP_H

#include <stddef.h>
#include <stdint.h>

#include "format/buf.h"
#include "format/tvs.h"
#include "ops/app.h"
#include "ops/gate.h"

struct tvs_db_entry {
	uint8_t sha256[32];        /* of the DER */
	uint8_t *der;
	size_t der_len;
	char *subject, *issuer;    /* DN text, ';'-joined */
	uint8_t *serial;
	size_t serial_len;
	uint8_t roles[TVS_MAX_ROLES];
	size_t nroles;
};

struct tvs_db {
	struct tvs_db_entry *entries;
	size_t n;
};

/* The store from the inventory (gate_store_load) or from a gate store. */
int tvs_db_load(struct app *a, struct tvs_db *db);
int tvs_db_from_store(const struct tvs_store *s, struct tvs_db *db);
void tvs_db_free(struct tvs_db *db);
/* A digest of what the store vouches for (each certificate and its
 * roles, in order): equal digests, equal answers. */
int tvs_db_digest(const struct tvs_db *db, uint8_t out[32]);

/* What happened, for the log line. */
struct tvs_outcome {
	uint8_t type;              /* request type */
	int valid;
	char device[40];           /* the phone's name, or "" */
	char what[160];            /* subject of the certificate asked about */
};

/*
 * Answer one whole request frame: a verify request is valid when its
 * certificate (byte for byte) is in the store; a query request when a
 * certificate has its subject, issuer and serial. A valid answer carries
 * the entry's roles and ttl (and, for a query, the certificate); the
 * request id is echoed. A frame that is not a well-formed request is an
 * error and nothing is appended to out.
 */
int tvs_db_answer(const struct tvs_db *db, uint32_t ttl,
    const uint8_t *frame, size_t len, struct wbuf *out,
    struct tvs_outcome *oc);

#endif
