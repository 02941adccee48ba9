/* fuzz_bulkcert.c - libFuzzer target for the bulk certificate archive
 * parser; what it accepts must encode and parse back the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/bulkcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bulk_archive a, b;
	char *text;
	size_t len, i;

	if (bulk_parse(data, size, &a) != 0)
		return 0;
	if (bulk_encode(&a, &text, &len) != 0)
		abort();
	if (bulk_parse((const uint8_t *)text, len, &b) != 0 || b.n != a.n)
		abort();
	for (i = 0; i < a.n; i++) {
		const struct bulk_entry *x = &a.entries[i], *y = &b.entries[i];

		if (x->der_len != y->der_len || memcmp(x->der, y->der,
		    x->der_len) != 0 || x->nroles != y->nroles ||
		    memcmp(x->roles, y->roles, x->nroles * sizeof(x->roles[0]))
		    != 0 || strcmp(x->cluster, y->cluster) != 0 ||
		    strcmp(x->host, y->host) != 0 ||
		    strcmp(x->sha256, y->sha256) != 0)
			abort();
	}
	free(text);
	bulk_free(&a);
	bulk_free(&b);
	return 0;
}
