/* fuzz_trustlist.c - libFuzzer target for trustlist_parse() and the
 * functions that read what it returns. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/trustlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of a string field so that a bad pointer shows. */
static void
read_field(const struct tl_field *f)
{
	char *s;

	if ((s = tl_field_str(f)) == NULL)
		abort();
	if (f->present && strlen(s) > f->len)
		abort();
	free(s);
}

static void
read_record(const struct trustlist_record *rec, size_t len)
{
	size_t i;

	read_field(&rec->dns_name);
	read_field(&rec->subject);
	read_field(&rec->issuer);
	read_field(&rec->serial);
	read_field(&rec->pubkey);
	read_field(&rec->signature);
	read_field(&rec->cert);
	read_field(&rec->ip);
	read_field(&rec->cert_hash);
	if (rec->has_role)
		(void)trustlist_role_name(rec->role);
	if (rec->has_hash_alg)
		(void)trustlist_hash_name(rec->hash_alg);
	for (i = 0; i < rec->nelems; i++)
		if (rec->elems[i].off + 3 + rec->elems[i].len > len)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trustlist tl;
	const struct trustlist_record *signer;
	uint8_t *signed_bytes;
	size_t i, n;

	if (trustlist_parse(data, size, &tl) != 0)
		return 0;
	read_field(&tl.hdr.signer_name);
	read_field(&tl.hdr.serial);
	read_field(&tl.hdr.issuer_name);
	read_field(&tl.hdr.signature);
	read_field(&tl.hdr.filename);
	(void)trustlist_hash_name(tl.hdr.hash_alg);
	for (i = 0; i < tl.nrecords; i++)
		read_record(&tl.records[i], size);
	if ((signer = trustlist_signer(&tl)) != NULL &&
	    (signer->role != TL_ROLE_SAST || !signer->serial.present))
		abort();
	if (trustlist_signed_bytes(&tl, &signed_bytes, &n) == 0) {
		if (n != size - 3 - tl.hdr.signature.len)
			abort();
		free(signed_bytes);
	}
	trustlist_free(&tl);
	return 0;
}
