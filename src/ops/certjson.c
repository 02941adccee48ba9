/* certjson.c - an inventory certificate as JSON, for the command and the
 * service alike. */
#include "ops/certjson.h"

#include <string.h>

json_t *
cert_row_json(const struct cert_row *row)
{
	json_t *o = json_object();

	json_object_set_new(o, "node", json_string(row->host));
	json_object_set_new(o, "purpose", json_string(row->purpose));
	json_object_set_new(o, "state", json_string(row->state));
	json_object_set_new(o, "subject", json_string(row->subject));
	json_object_set_new(o, "issuer", json_string(row->issuer));
	json_object_set_new(o, "serial", json_string(row->serial));
	json_object_set_new(o, "not_before",
	    json_integer((json_int_t)row->not_before));
	json_object_set_new(o, "not_after",
	    json_integer((json_int_t)row->not_after));
	json_object_set_new(o, "key_type", json_string(row->key_type));
	json_object_set_new(o, "key_bits", json_integer(row->key_bits));
	json_object_set_new(o, "key_label", json_string(row->key_label));
	json_object_set_new(o, "key_id", json_string(row->key_id));
	json_object_set_new(o, "sha1", json_string(row->sha1));
	json_object_set_new(o, "sha256", json_string(row->sha256));
	if (row->retired != 0)
		json_object_set_new(o, "retired",
		    json_integer((json_int_t)row->retired));
	if (strcmp(row->state, "retired") == 0)
		json_object_set_new(o, "key_in_token",
		    json_boolean(!row->key_destroyed));
	return o;
}
