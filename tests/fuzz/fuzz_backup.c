/* fuzz_backup.c - libFuzzer target for backup files: the libtasn1 decoder
 * with every field bound, the wrapped-key digests and the manifest
 * signature, as `tlvsign backup verify` runs them without a secret. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/backup.h"
#include "ops/backup.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_check chk;
	struct backup b;
	size_t i;

	if (backup_parse(data, size, &b) == 0) {
		/* what the parser returns stays within its bounds */
		if (b.nkeys > BACKUP_MAX_KEYS || b.salt_len < BACKUP_SALT_MIN ||
		    b.salt_len > BACKUP_SALT_MAX ||
		    b.manifest_len >= size || b.iterations <
		    BACKUP_ITERATIONS_MIN)
			__builtin_trap();
		for (i = 0; i < b.nkeys; i++)
			if (b.keys[i].id_len == 0 ||
			    b.keys[i].id_len > BACKUP_KEY_ID_MAX ||
			    strlen(b.keys[i].label) >= sizeof(b.keys[i].label))
				__builtin_trap();
		backup_free(&b);
	}
	ops_backup_verify_data(NULL, "fuzz", data, size, NULL, NULL, &chk);
	backup_check_free(&chk);
	ts_error_clear();
	return 0;
}
