/* tvsresp.c - TVS answers from the TVS trust store. */
#include "ops/tvsresp.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ops/phone.h"
#include "util/error.h"
#include "x509/cert.h"

static int
entry_fill(struct tvs_db_entry *e, const struct tvs_entry *src)
{
	unsigned mdlen;
	size_t i;
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = cert_der(src->cert, &e->der, &e->der_len)) != 0 ||
	    (r = cert_dn_text(X509_get_subject_name(src->cert), ';',
	    &e->subject)) != 0 ||
	    (r = cert_dn_text(X509_get_issuer_name(src->cert), ';',
	    &e->issuer)) != 0 ||
	    (r = cert_serial(src->cert, &e->serial, &e->serial_len)) != 0)
		return r;
	if (e->der_len > TVS_MAX_PAYLOAD - 64)
		return ts_error(TS_ERR_LIMIT, "certificate %s is too large for "
		    "a TVS answer", e->subject);
	if (!EVP_Digest(e->der, e->der_len, e->sha256, &mdlen, EVP_sha256(),
	    NULL))
		return ts_error(TS_ERR_CRYPTO, "SHA-256 failed");
	for (i = 0; i < src->nroles && i < TVS_MAX_ROLES; i++)
		e->roles[i] = (uint8_t)src->roles[i];
	e->nroles = i;
	return 0;
}

static void
entry_free(struct tvs_db_entry *e)
{
	free(e->der);
	free(e->subject);
	free(e->issuer);
	free(e->serial);
}

int
tvs_db_from_store(const struct tvs_store *s, struct tvs_db *db)
{
	size_t i;
	int r;

	memset(db, 0, sizeof(*db));
	if (s->n == 0)
		return 0;
	if ((db->entries = calloc(s->n, sizeof(*db->entries))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i < s->n; i++) {
		if ((r = entry_fill(&db->entries[i], &s->entries[i])) != 0) {
			entry_free(&db->entries[i]);
			tvs_db_free(db);
			return r;
		}
		db->n++;
	}
	return 0;
}

int
tvs_db_load(struct app *a, struct tvs_db *db)
{
	struct gate_store gs;
	int r;

	memset(db, 0, sizeof(*db));
	if ((r = gate_store_load(a, &gs)) != 0)
		return r;
	r = tvs_db_from_store(&gs.s, db);
	gate_store_free(&gs);
	return r;
}

void
tvs_db_free(struct tvs_db *db)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		entry_free(&db->entries[i]);
	free(db->entries);
	memset(db, 0, sizeof(*db));
}

int
tvs_db_digest(const struct tvs_db *db, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t nroles;
	size_t i;
	int ok;

	ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; ok && i < db->n; i++) {
		nroles = (uint8_t)db->entries[i].nroles;
		ok = EVP_DigestUpdate(md, db->entries[i].sha256, 32) &&
		    EVP_DigestUpdate(md, &nroles, 1) &&
		    EVP_DigestUpdate(md, db->entries[i].roles, nroles);
	}
	ok = ok && EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return ok ? 0 : ts_error(TS_ERR_CRYPTO, "digest failed");
}

static const struct tvs_db_entry *
find_cert(const struct tvs_db *db, const uint8_t *der, size_t len)
{
	uint8_t md[32];
	unsigned mdlen;
	size_t i;

	if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
		return NULL;
	for (i = 0; i < db->n; i++)
		if (memcmp(db->entries[i].sha256, md, sizeof(md)) == 0 &&
		    db->entries[i].der_len == len &&
		    memcmp(db->entries[i].der, der, len) == 0)
			return &db->entries[i];
	return NULL;
}

static const struct tvs_db_entry *
find_name(const struct tvs_db *db, const struct tvs_request *q)
{
	size_t i;

	for (i = 0; i < db->n; i++) {
		const struct tvs_db_entry *e = &db->entries[i];

		if (phone_serial_equal(e->serial, e->serial_len, q->serial,
		    q->serial_len) && phone_dn_equal(e->issuer, q->issuer) &&
		    phone_dn_equal(e->subject, q->subject))
			return e;
	}
	return NULL;
}

int
tvs_db_answer(const struct tvs_db *db, uint32_t ttl, const uint8_t *frame,
    size_t len, struct wbuf *out, struct tvs_outcome *oc)
{
	const struct tvs_db_entry *e;
	struct tvs_request q;
	struct tvs_response s;
	int r;

	memset(oc, 0, sizeof(*oc));
	if ((r = tvs_request_parse(frame, len, &q)) != 0)
		return r;
	oc->type = q.hdr.type;
	if (q.device != NULL)
		snprintf(oc->device, sizeof(oc->device), "%.*s",
		    (int)q.device_len, q.device);
	memset(&s, 0, sizeof(s));
	memcpy(s.hdr.id, q.hdr.id, sizeof(s.hdr.id));
	if (q.hdr.type == TVS_VERIFY_REQUEST) {
		s.hdr.type = TVS_VERIFY_RESPONSE;
		e = find_cert(db, q.cert, q.cert_len);
	} else {
		s.hdr.type = TVS_QUERY_RESPONSE;
		snprintf(oc->what, sizeof(oc->what), "%s", q.subject);
		e = find_name(db, &q);
	}
	if (e == NULL || e->nroles == 0) {
		s.status = TVS_STATUS_INVALID;
	} else {
		oc->valid = 1;
		snprintf(oc->what, sizeof(oc->what), "%s", e->subject);
		s.status = TVS_STATUS_VALID;
		memcpy(s.roles, e->roles, e->nroles);
		s.nroles = e->nroles;
		s.ttl = ttl;
		s.cert = e->der;
		s.cert_len = e->der_len;
	}
	return tvs_response_encode(&s, out);
}
