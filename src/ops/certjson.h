/*
 * certjson.h - the JSON shape of an inventory certificate row, shared by
 * `tlvsign cert list|show --json` and the service's /v1/certificates.
 */
#ifndef TLVSIGN_OPS_CERTJSON_H
#define TLVSIGN_OPS_CERTJSON_H

#include <jansson.h>

#include "store/inventory.h"

json_t *cert_row_json(const struct cert_row *row);

#endif
