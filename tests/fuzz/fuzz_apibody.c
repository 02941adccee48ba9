/* fuzz_apibody.c - libFuzzer target for the API's JSON request bodies
 * (the batch signing request). */
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
	size_t i, j;

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
