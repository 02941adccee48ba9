/* backupjson.c - what a backup check found, as JSON, for the command
 * and the service alike. */
#include "ops/backup.h"

#include <stdio.h>
#include <time.h>

#include "util/error.h"
#include "x509/cert.h"

json_t *
backup_check_json(const struct backup_check *chk, int r, int keys)
{
	const struct backup *b = &chk->b;
	char hex[2 * BACKUP_KEY_ID_MAX + 1], when[64];
	json_t *o = json_object(), *arr;
	struct tm tm;
	size_t i;

	json_object_set_new(o, "file", json_string(chk->path));
	json_object_set_new(o, "size", json_integer((json_int_t)chk->file_size));
	json_object_set_new(o, "sha256", json_string(chk->file_sha256));
	json_object_set_new(o, "intact", json_boolean(r == 0));
	json_object_set_new(o, "error", r == 0 ? json_null() :
	    json_string(ts_error_detail(r)));
	if (b->version == 0)
		return o;       /* did not parse */
	hex_lower(b->cluster_id, sizeof(b->cluster_id), hex);
	json_object_set_new(o, "cluster", json_string(b->cluster_name));
	json_object_set_new(o, "cluster_id", json_string(hex));
	if (gmtime_r(&b->created, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(when, sizeof(when), "?");
	json_object_set_new(o, "created", json_string(when));
	json_object_set_new(o, "producer", json_string(b->producer));
	json_object_set_new(o, "kdf", json_pack("{s:s,s:I,s:i}", "algorithm",
	    "PBKDF2-HMAC-SHA256", "iterations", (json_int_t)b->iterations,
	    "salt_bytes", (int)b->salt_len));
	json_object_set_new(o, "inventory", json_pack("{s:s,s:I}",
	    "algorithm", "AES-256-GCM", "bytes",
	    (json_int_t)b->inventory_len));
	json_object_set_new(o, "digests_ok", json_boolean(chk->digests_ok));
	json_object_set_new(o, "signature_ok",
	    json_boolean(chk->signature_ok));
	json_object_set_new(o, "signer", json_pack("{s:s,s:s,s:s}", "subject",
	    chk->signer_subject, "serial", chk->signer_serial, "sha256",
	    chk->signer_sha256));
	json_object_set_new(o, "signer_matches", chk->anchor < 0 ? json_null() :
	    json_boolean(chk->anchor == 1));
	json_object_set_new(o, "compared_with", json_string(chk->anchor_source));
	json_object_set_new(o, "key_count", json_integer((json_int_t)b->nkeys));
	if (chk->keys_tested > 0)
		json_object_set_new(o, "keys_proved",
		    json_integer(chk->keys_tested));
	if (!keys)
		return o;
	arr = json_array();
	for (i = 0; i < b->nkeys; i++) {
		const struct backup_key *k = &b->keys[i];
		char id[2 * BACKUP_KEY_ID_MAX + 1], dig[65];

		hex_lower(k->id, k->id_len, id);
		hex_lower(k->wrapped_sha256, 32, dig);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,"
		    "s:s,s:b,s:i,s:s}", "label", k->label, "purpose", k->purpose,
		    "node", k->node, "state", k->state, "type",
		    k->type == BACKUP_KEY_RSA ? "RSA" : "EC", "bits",
		    (int)k->bits, "id", id, "certificate", k->cert != NULL,
		    "wrapped_bytes", (int)k->wrapped_len, "wrapped_sha256",
		    dig));
	}
	json_object_set_new(o, "keys", arr);
	return o;
}
