/*
 * bulkjson.h - the JSON shape of a certificate imported from another
 * cluster (the TVS trust store), shared by `tlvsign cert bulk list --json`
 * and the service's /v1/bulk.
 */
#ifndef TLVSIGN_OPS_BULKJSON_H
#define TLVSIGN_OPS_BULKJSON_H

#include <jansson.h>

#include "store/tvstrust.h"

json_t *tvs_trust_row_json(const struct tvs_trust_row *t);

#endif
