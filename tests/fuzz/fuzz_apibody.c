/* fuzz_apibody.c - libFuzzer target for the API's JSON request bodies:
 * batch signing, the phone-trust check, and the officer's requests
 * (generate, CSR, import, node, remotekey reset). Every parser must
 * refuse or give what its header promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/apibody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
officer_bodies(const uint8_t *data, size_t size)
{
	struct certgen_body g;
	struct csr_body c;
	struct import_body im;
	struct node_body n;
	struct remotekey_body rk;
	size_t i;

	if (apibody_certgen_parse(data, size, &g) == 0 &&
	    ((g.node[0] != '\0' && !apibody_host_name(g.node)) ||
	    (g.bits != 0 && (g.bits < 256 || g.bits > 16384)) ||
	    g.years > 100 || g.previous > APIBODY_MAX_PREVIOUS))
		abort();
	if (apibody_csr_parse(data, size, &c) == 0) {
		if (c.nsans > APIBODY_MAX_SANS ||
		    (c.node[0] != '\0' && !apibody_host_name(c.node)) ||
		    (c.multi_server != 0 && c.multi_server != 1))
			abort();
		for (i = 0; i < c.nsans; i++)
			if (c.sans[i][0] == '\0')
				abort();
	}
	if (apibody_import_parse(data, size, &im) == 0) {
		if (im.pem == NULL || im.len == 0 || im.pem[im.len] != '\0' ||
		    strlen(im.pem) != im.len ||
		    strstr(im.pem, "-----BEGIN CERTIFICATE-----") == NULL ||
		    im.len > IMPORT_MAX_CERT + 1 + IMPORT_MAX_CHAIN)
			abort();
		apibody_import_free(&im);
	}
	if (apibody_node_parse(data, size, &n) == 0 &&
	    (!apibody_host_name(n.host) || n.ipv4[0] == '\0' ||
	    n.services[0] == '\0' || (!n.has_domain && n.domain[0] != '\0')))
		abort();
	if (apibody_remotekey_parse(data, size, &rk) == 0) {
		if (rk.file == NULL || rk.len == 0 ||
		    rk.len > REMOTEKEY_MAX_FILE || rk.passphrase[0] == '\0' ||
		    strlen(rk.passphrase) >= sizeof(rk.passphrase))
			abort();
		apibody_remotekey_free(&rk);
		if (rk.file != NULL || rk.passphrase[0] != '\0')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_batch b;
	struct check_body c;
	size_t i, j;

	officer_bodies(data, size);
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
