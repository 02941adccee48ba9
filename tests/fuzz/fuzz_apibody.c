/* fuzz_apibody.c - libFuzzer target for the API's JSON request bodies:
 * the batch signing request and the phone-trust check request. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/apibody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_batch b;
	struct check_body c;
	size_t i, j;

	if (apibody_check_parse(data, size, &c) == 0) {
		if (c.to == NULL || c.to_len == 0 || c.to_len > CHECK_MAX_FILE ||
		    (c.from != NULL && c.from_len == 0) ||
		    (c.ctl != NULL && c.ctl_len == 0))
			abort();
		apibody_check_free(&c);
	}
	if (apibody_sign_batch_parse(data, size, &b) != 0)
		return 0;
	if (b.n == 0 || b.n > SIGN_BATCH_MAX_FILES)
		abort();
	for (i = 0; i < b.n; i++) {
		if (!apibody_safe_name(b.files[i].filename) ||
		    b.files[i].len == 0 || b.files[i].len > SIGN_BATCH_MAX_FILE)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(b.files[i].filename, b.files[j].filename) ==
			    0)
				abort();
	}
	apibody_sign_batch_free(&b);
	return 0;
}
