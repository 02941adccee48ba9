/* access.c - API roles. */
#include "ops/access.h"

#include <string.h>

#include "util/conf.h"

const char *
access_role(const struct conf *c, const char *sha256)
{
	size_t i;

	for (i = 0; i < c->napi_clients; i++)
		if (strcmp(c->api_clients[i].sha256, sha256) == 0)
			return c->api_clients[i].role;
	return NULL;
}

int
access_allowed(const char *role, enum access_op op)
{
	if (role == NULL)
		return 0;
	switch (op) {
	case ACCESS_CERTS_READ:
		return strcmp(role, "officer") == 0 ||
		    strcmp(role, "publisher") == 0 ||
		    strcmp(role, "auditor") == 0;
	case ACCESS_SIGN:
		return strcmp(role, "publisher") == 0;
	case ACCESS_AUDIT:
		return strcmp(role, "auditor") == 0 ||
		    strcmp(role, "officer") == 0;
	case ACCESS_PUBLISH:
	case ACCESS_BACKUP:
	case ACCESS_CERTS_WRITE:
		return strcmp(role, "officer") == 0;
	case ACCESS_BACKUP_CHECK:
		return strcmp(role, "auditor") == 0 ||
		    strcmp(role, "officer") == 0;
	}
	return 0;
}

const char *
access_roles_text(enum access_op op)
{
	switch (op) {
	case ACCESS_CERTS_READ: return "officer, publisher or auditor";
	case ACCESS_SIGN: return "publisher";
	case ACCESS_AUDIT: return "auditor or officer";
	case ACCESS_PUBLISH: return "officer";
	case ACCESS_BACKUP: return "officer";
	case ACCESS_BACKUP_CHECK: return "auditor or officer";
	case ACCESS_CERTS_WRITE: return "officer";
	}
	return "none";
}
