/* bulkjson.c - an imported certificate as JSON. */
#include "ops/bulkjson.h"

#include <stdio.h>
#include <string.h>

json_t *
tvs_trust_row_json(const struct tvs_trust_row *t)
{
	json_t *o = json_object(), *roles = json_array();
	char buf[sizeof(t->roles)], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", t->roles);
	for (p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		json_array_append_new(roles, json_string(p));
	json_object_set_new(o, "cluster", json_string(t->cluster));
	json_object_set_new(o, "host", json_string(t->host));
	json_object_set_new(o, "purpose", json_string(t->purpose));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "subject", json_string(t->subject));
	json_object_set_new(o, "issuer", json_string(t->issuer));
	json_object_set_new(o, "serial", json_string(t->serial));
	json_object_set_new(o, "sha256", json_string(t->sha256));
	json_object_set_new(o, "imported",
	    json_integer((json_int_t)t->imported));
	return o;
}
