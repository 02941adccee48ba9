/* gate.c - the phone-trust check before publication. */
#include "ops/gate.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "format/bulkcert.h"
#include "store/tvstrust.h"
#include "util/error.h"
#include "x509/cert.h"

static int
store_add(struct gate_store *gs, X509 *x, const uint16_t *roles, size_t n)
{
	struct tvs_entry *grown;

	if (gs->s.n == gs->cap) {
		gs->cap = gs->cap ? gs->cap * 2 : 16;
		if ((grown = realloc(gs->entries, gs->cap *
		    sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		gs->entries = grown;
	}
	memset(&gs->entries[gs->s.n], 0, sizeof(gs->entries[0]));
	gs->entries[gs->s.n].cert = x;
	memcpy(gs->entries[gs->s.n].roles, roles, n * sizeof(*roles));
	gs->entries[gs->s.n].nroles = n;
	gs->s.n++;
	gs->s.entries = gs->entries;
	return 0;
}

static int
store_add_server(struct gate_store *gs, X509 *x)
{
	X509 **grown;

	if (gs->s.nserver == gs->ncap) {
		gs->ncap = gs->ncap ? gs->ncap * 2 : 4;
		if ((grown = realloc(gs->servers, gs->ncap *
		    sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		gs->servers = grown;
	}
	if (!X509_up_ref(x))
		return ts_error(TS_ERR_CRYPTO, "cannot reference certificate");
	gs->servers[gs->s.nserver++] = x;
	gs->s.server_certs = gs->servers;
	return 0;
}

struct load {
	struct gate_store *gs;
	struct app *a;
};

static int
load_row(const struct cert_row *row, void *arg)
{
	struct load *l = arg;
	struct node n;
	uint16_t roles[1];
	size_t nr = 0;
	X509 *x;
	int r;

	if (strcmp(row->state, "active") != 0)
		return 0;
	/* TVS does not vouch for the ITL's own signer: a new ITLRecovery
	 * reaches phones only through an ITL signed by a key they trust
	 * (the localkey reset of the reference procedure) */
	if (strcmp(row->purpose, "ITLRecovery") == 0) {
		return 0;
	} else if (strcmp(row->purpose, "CallManager") == 0 ||
	    strcmp(row->purpose, "CallManager-ECDSA") == 0) {
		if ((r = inventory_node_get(l->a->inv, row->host, &n)) != 0)
			return r;
		roles[nr++] = (n.services & SVC_CALLMANAGER) ?
		    TL_ROLE_CCM_TFTP : TL_ROLE_TFTP;
	} else if (strcmp(row->purpose, "TVS") == 0) {
		roles[nr++] = TL_ROLE_TVS;
	} else if (strcmp(row->purpose, "CAPF") == 0) {
		roles[nr++] = TL_ROLE_CAPF;
	} else {
		return 0;
	}
	if ((r = cert_from_der(row->der, row->der_len, &x)) != 0)
		return r;
	if ((r = store_add(l->gs, x, roles, nr)) != 0) {
		X509_free(x);
		return r;
	}
	if (strcmp(row->purpose, "TVS") == 0)
		return store_add_server(l->gs, x);
	return 0;
}

/* Another cluster's certificate, imported with its roles. */
static int
load_imported(const struct tvs_trust_row *row, void *arg)
{
	struct load *l = arg;
	uint16_t roles[BULK_MAX_ROLES];
	size_t nr;
	X509 *x;
	int r;

	if ((r = bulk_roles_parse(row->roles, roles, &nr)) != 0)
		return ts_error(TS_ERR_STATE, "TVS trust store: certificate %s "
		    "has roles \"%s\" that are not trust-file roles",
		    row->sha256, row->roles);
	if ((r = cert_from_der(row->der, row->der_len, &x)) != 0)
		return r;
	if ((r = store_add(l->gs, x, roles, nr)) != 0)
		X509_free(x);
	return r;
}

int
gate_store_load(struct app *a, struct gate_store *gs)
{
	struct load l = { gs, a };
	int r;

	memset(gs, 0, sizeof(*gs));
	if ((r = inventory_cert_list(a->inv, load_row, &l)) != 0 ||
	    (r = tvs_trust_list(a->inv, load_imported, &l)) != 0)
		gate_store_free(gs);
	return r;
}

int
gate_store_from_pem(const uint8_t *pem, size_t len, struct gate_store *gs)
{
	static const uint16_t any[] = { TL_ROLE_SAST, TL_ROLE_CCM,
		TL_ROLE_CCM_TFTP, TL_ROLE_TFTP, TL_ROLE_CAPF, TL_ROLE_TVS };
	BIO *bio;
	X509 *x;
	int r = 0;

	memset(gs, 0, sizeof(*gs));
	if (len > 1024 * 1024 || (bio = BIO_new_mem_buf(pem, (int)len)) ==
	    NULL)
		return ts_error(TS_ERR_LIMIT, "TVS store file too large");
	while (r == 0 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) !=
	    NULL) {
		if ((r = store_add(gs, x, any, sizeof(any) / sizeof(any[0]))) !=
		    0)
			X509_free(x);
		else if (gs->s.nserver == 0)
			r = store_add_server(gs, x);
	}
	BIO_free(bio);
	if (r == 0 && gs->s.n == 0)
		r = ts_error(TS_ERR_FORMAT, "the TVS store file holds no PEM "
		    "certificate");
	if (r != 0)
		gate_store_free(gs);
	return r;
}

void
gate_store_free(struct gate_store *gs)
{
	size_t i;

	for (i = 0; i < gs->s.n; i++)
		X509_free(gs->entries[i].cert);
	for (i = 0; i < gs->s.nserver; i++)
		X509_free(gs->servers[i]);
	free(gs->entries);
	free(gs->servers);
	memset(gs, 0, sizeof(*gs));
}

/* The phone holds a record with this certificate's serial. */
static int
signer_known(const struct trustlist *held, const struct trustlist *newfile)
{
	size_t i;

	if (held == NULL)
		return 0;
	for (i = 0; i < held->nrecords; i++) {
		const struct tl_field *s = &held->records[i].serial;

		if (s->present && s->len == newfile->hdr.serial.len &&
		    memcmp(s->p, newfile->hdr.serial.p, s->len) == 0)
			return 1;
	}
	return 0;
}

static int
tvs_reachable(const struct trustlist *itl, const struct tvs_store *tvs)
{
	size_t i, j;
	uint8_t *der;
	size_t len;

	if (itl == NULL)
		return 0;
	for (i = 0; i < itl->nrecords; i++) {
		const struct trustlist_record *rec = &itl->records[i];

		if (!rec->has_role || rec->role != TL_ROLE_TVS ||
		    !rec->cert.present)
			continue;
		for (j = 0; j < tvs->nserver; j++) {
			int same;

			if (cert_der(tvs->server_certs[j], &der, &len) != 0) {
				ts_error_clear();
				continue;
			}
			same = len == rec->cert.len &&
			    memcmp(der, rec->cert.p, len) == 0;
			free(der);
			if (same)
				return 1;
		}
	}
	return 0;
}

const char *
gate_advice(const struct phone *ph, const struct tvs_store *tvs, int is_ctl,
    const struct trustlist *newfile, const struct phone_verdict *v)
{
	if (v->rule == 7)
		return "remove certificates (TVS or CAPF nodes) until the file "
		    "is at most 65,535 bytes";
	if (is_ctl)
		return "sign the CTL with a key the phones' CTL trusts: run "
		    "`tlvsign ctl reset localkey`, reset the phones in batches "
		    "so they take it, then run `tlvsign ctl update`";
	if (ph->ctl != NULL)
		return "secure cluster: run `tlvsign ctl reset localkey` (the "
		    "new CTL carries the new certificates), reset the phones "
		    "in batches, run `tlvsign ctl update`, then publish the ITL";
	if (!tvs_reachable(ph->itl, tvs) && !signer_known(ph->itl, newfile))
		return "change one trust anchor at a time: regenerate TVS "
		    "first and publish the ITL signed by the key phones trust, "
		    "let every phone download it, then regenerate the TFTP "
		    "CallManager certificate";
	return "publish an ITL signed by a key the phones trust first: run "
	    "`tlvsign itl reset localkey`, reset the phones so that they "
	    "download it, then run `tlvsign itl build`";
}

struct history {
	long ids[64];
	uint8_t *data[64];
	size_t len[64];
	size_t n;
};

static int
collect_history(long id, const uint8_t *data, size_t len, void *arg)
{
	struct history *h = arg;

	if (h->n == sizeof(h->ids) / sizeof(h->ids[0]))
		return 0;
	if ((h->data[h->n] = malloc(len + 1)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	memcpy(h->data[h->n], data, len);
	h->ids[h->n] = id;
	h->len[h->n] = len;
	h->n++;
	return 0;
}

static void
history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->data[i]);
	h->n = 0;
}

/* One phone situation: the files it holds, parsed. */
struct held {
	struct trustlist itl, ctl;
	int has_itl, has_ctl;
	uint8_t *ctl_data;
};

static void
held_free(struct held *h)
{
	if (h->has_itl)
		trustlist_free(&h->itl);
	if (h->has_ctl)
		trustlist_free(&h->ctl);
	free(h->ctl_data);
	memset(h, 0, sizeof(*h));
}

int
gate_check(struct app *a, const struct node *n, int is_ctl,
    const char *path, const uint8_t *data, size_t len,
    const struct tf_opts *o, struct tf_result *res)
{
	static struct history hist;
	struct gate_store gs;
	struct trustlist newtl;
	struct held held;
	struct phone ph;
	struct phone_verdict v;
	char itlpath[4096], ctlpath[4096];
	const char *primary, *other;
	size_t i, ctllen;
	int r, have_store = 0, parsed = 0;

	(void)path;
	memset(&hist, 0, sizeof(hist));
	memset(&held, 0, sizeof(held));
	res->phone_states = 0;
	if ((r = app_tftp_path(a, n, ITL_NAME, itlpath, sizeof(itlpath))) != 0 ||
	    (r = app_tftp_path(a, n, CTL_NAME, ctlpath, sizeof(ctlpath))) != 0)
		return r;
	primary = is_ctl ? ctlpath : itlpath;
	other = is_ctl ? itlpath : ctlpath;
	if ((r = trustlist_parse(data, len, &newtl)) != 0)
		return r;
	parsed = 1;
	if ((r = inventory_published_history(a->inv, primary,
	    1 + (o->previous < 63 ? o->previous : 63), collect_history,
	    &hist)) != 0)
		goto out;
	if (hist.n == 0)
		goto out; /* no phone holds anything of ours: rule 1 */
	if ((r = gate_store_load(a, &gs)) != 0)
		goto out;
	have_store = 1;
	for (i = 0; i < hist.n; i++) {
		struct trustlist *mine = is_ctl ? &held.ctl : &held.itl;
		struct trustlist *theirs = is_ctl ? &held.itl : &held.ctl;
		int *has_mine = is_ctl ? &held.has_ctl : &held.has_itl;
		int *has_theirs = is_ctl ? &held.has_itl : &held.has_ctl;

		if ((r = trustlist_parse(hist.data[i], hist.len[i], mine)) != 0)
			goto out;
		*has_mine = 1;
		/* what the phone held beside it at the time */
		if (inventory_published_before(a->inv, other, i == 0 ?
		    LONG_MAX : hist.ids[i], &held.ctl_data, &ctllen) == 0 &&
		    trustlist_parse(held.ctl_data, ctllen, theirs) == 0)
			*has_theirs = 1;
		ts_error_clear();
		ph.itl = held.has_itl ? &held.itl : NULL;
		ph.ctl = held.has_ctl ? &held.ctl : NULL;
		if ((r = phone_check(&ph, &gs.s, is_ctl ? PHONE_NEW_CTL :
		    PHONE_NEW_ITL, &newtl, len, &v)) != 0)
			goto out;
		res->phone_states++;
		if (!v.accepted) {
			char who[64];

			if (i == 0)
				snprintf(who, sizeof(who), "holding the files "
				    "published now");
			else
				snprintf(who, sizeof(who), "that missed the last "
				    "%zu publication%s", i, i == 1 ? "" : "s");
			snprintf(res->verdict, sizeof(res->verdict), "phones %s "
			    "would reject the new %s of %s (rule %d): %s Safe "
			    "sequence: %s.", who, is_ctl ? "CTL" : "ITL",
			    n->host, v.rule, v.reason, gate_advice(&ph, &gs.s,
			    is_ctl, &newtl, &v));
			if (!o->force) {
				r = ts_error(TS_ERR_INVALID, "%s Nothing was "
				    "published (--force overrides).",
				    res->verdict);
				goto out;
			}
			res->forced = 1;
		}
		held_free(&held);
	}
out:
	held_free(&held);
	history_free(&hist);
	if (have_store)
		gate_store_free(&gs);
	if (parsed)
		trustlist_free(&newtl);
	return r;
}

static int
parse_named(const char *what, const uint8_t *data, size_t len,
    struct trustlist *tl)
{
	int r;

	if ((r = trustlist_parse(data, len, tl)) != 0) {
		struct ts_saved_error saved;

		ts_error_save(&saved);
		return ts_error(r, "%s: %s", what, saved.detail);
	}
	return 0;
}

int
gate_check_bytes(struct app *a, const uint8_t *from, size_t from_len,
    const uint8_t *ctl, size_t ctl_len, const uint8_t *to, size_t to_len,
    struct phone_verdict *v, const char **advice)
{
	struct trustlist tfrom, tctl, tto;
	struct gate_store gs;
	struct phone ph;
	enum phone_new_kind kind;
	char *fn;
	int r, have_from = 0, have_ctl = 0, have_to = 0, have_store = 0;

	*advice = NULL;
	memset(&ph, 0, sizeof(ph));
	if (from != NULL) {
		if ((r = parse_named("from", from, from_len, &tfrom)) != 0)
			goto out;
		have_from = 1;
		ph.itl = &tfrom;
	}
	if (ctl != NULL) {
		if ((r = parse_named("ctl", ctl, ctl_len, &tctl)) != 0)
			goto out;
		have_ctl = 1;
		ph.ctl = &tctl;
	}
	if ((r = parse_named("to", to, to_len, &tto)) != 0)
		goto out;
	have_to = 1;
	/* what the new file is: a .sgn has version 1.0, a CTL its name */
	fn = tl_field_str(&tto.hdr.filename);
	if (tto.hdr.ver_major == 1 && tto.hdr.ver_minor == 0)
		kind = PHONE_NEW_SGN;
	else if (fn != NULL && strncmp(fn, "CTL", 3) == 0)
		kind = PHONE_NEW_CTL;
	else
		kind = PHONE_NEW_ITL;
	free(fn);
	if ((r = gate_store_load(a, &gs)) != 0)
		goto out;
	have_store = 1;
	if ((r = phone_check(&ph, &gs.s, kind, &tto, to_len, v)) != 0)
		goto out;
	if (!v->accepted)
		*advice = gate_advice(&ph, &gs.s, kind == PHONE_NEW_CTL, &tto, v);
out:
	if (have_store)
		gate_store_free(&gs);
	if (have_from)
		trustlist_free(&tfrom);
	if (have_ctl)
		trustlist_free(&tctl);
	if (have_to)
		trustlist_free(&tto);
	return r;
}
