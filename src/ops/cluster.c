/* cluster.c - nodes and parameters. */
#include "ops/cluster.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

int
node_services_parse(const char *text, unsigned *services)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "TFTP", SVC_TFTP }, { "TVS", SVC_TVS }, { "CAPF", SVC_CAPF },
		{ "CallManager", SVC_CALLMANAGER },
	};
	char buf[256], *tok, *save = NULL;
	size_t i;

	*services = 0;
	if (strlen(text) >= sizeof(buf))
		return ts_error(TS_ERR_INVALID, "services list too long");
	strcpy(buf, text);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return ts_error(TS_ERR_INVALID, "unknown service \"%s\": "
			    "use TFTP, TVS, CAPF, CallManager", tok);
		*services |= names[i].bit;
	}
	return 0;
}

/* Record rc in the audit log; an operation that cannot be audited fails. */
static int
audited(struct app *a, const char *op, int rc, const char *what)
{
	int r = app_audit(a, op, rc, "%s", what);

	return rc != 0 ? rc : r;
}

static int
valid_label(const char *s, int dots)
{
	if (*s == '\0' || *s == '-' || *s == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' &&
		    !(dots && *s == '.'))
			return 0;
	return 1;
}

int
ops_node_add(struct app *a, const struct node *n)
{
	struct in_addr ip;

	if (strlen(n->host) == 0 || strlen(n->host) > 63 ||
	    !valid_label(n->host, 0))
		return ts_error(TS_ERR_INVALID, "\"%s\" is not a host name "
		    "(letters, digits and '-')", n->host);
	if (n->domain[0] != '\0' && !valid_label(n->domain, 1))
		return ts_error(TS_ERR_INVALID, "\"%s\" is not a domain name",
		    n->domain);
	if (inet_pton(AF_INET, n->ipv4, &ip) != 1)
		return ts_error(TS_ERR_INVALID, "\"%s\" is not an IPv4 address",
		    n->ipv4);
	if (n->services == 0)
		return ts_error(TS_ERR_INVALID, "a node needs at least one "
		    "service (TFTP, TVS, CAPF, CallManager)");
	if (n->publisher)
		return ts_error(TS_ERR_INVALID, "the cluster has its publisher "
		    "already (added by `tlvsign init`)");
	return audited(a, "node.add", inventory_node_add(a->inv, n, NULL),
	    n->host);
}

int
ops_node_remove(struct app *a, const char *host)
{
	struct node n;
	int certs, csrs, published, r;

	if ((r = inventory_node_get(a->inv, host, &n)) != 0)
		return r;
	if (n.publisher)
		return ts_error(TS_ERR_INVALID, "%s is the publisher: it cannot "
		    "be removed", host);
	if ((r = inventory_node_usage(a->inv, n.id, &certs, &csrs,
	    &published)) != 0)
		return r;
	if (certs > 0 || csrs > 0 || published > 0)
		return ts_error(TS_ERR_INVALID, "%s still has %d certificate%s, "
		    "%d pending CSR%s and %d published file%s: its trust "
		    "files and keys would be orphaned", host, certs,
		    certs == 1 ? "" : "s", csrs, csrs == 1 ? "" : "s",
		    published, published == 1 ? "" : "s");
	return audited(a, "node.remove", inventory_node_remove(a->inv, n.id),
	    host);
}

static const struct param_info params[] = {
	{ "fips-mode", "false", "true|false", 1,
	  "FIPS mode: certificates and requests use SHA256 only" },
	{ "backup-required", "false", "true|false", 0,
	  "a TFTP CallManager or ITLRecovery key changed since the last "
	  "backup (cleared by a new backup)" },
	{ "security-mode", "non-secure", "non-secure|mixed", 0,
	  "cluster security mode (changed by the CTL commands)" },
	{ "prepare-rollback", "false", "true|false", 1,
	  "publish the rollback ITL (empty TVS and TFTP sections) for a "
	  "rollback to pre-8.0 releases or a migration" },
	{ "trust-file-digest", "sha1", "sha1|sha512", 1,
	  "digest of ITL and CTL signatures (sha512 in FIPS mode)" },
};

static const struct param_info *const all[] = {
	&params[0], &params[1], &params[2], &params[3], &params[4], NULL,
};

const struct param_info *const *
param_all(void)
{
	return all;
}

const struct param_info *
param_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

/* FIPS mode and SHA-1 trust files exclude each other. */
static int
param_store(struct app *a, const char *name, const char *value)
{
	char *other = NULL;
	int r;

	if (strcmp(name, "trust-file-digest") == 0 &&
	    strcmp(value, "sha1") == 0) {
		if ((r = inventory_param_get(a->inv, "fips-mode", "false",
		    &other)) != 0)
			return r;
		r = strcmp(other, "true") == 0 ? ts_error(TS_ERR_INVALID,
		    "FIPS mode refuses SHA-1 trust files") : 0;
		free(other);
		if (r != 0)
			return r;
	}
	if (strcmp(name, "fips-mode") == 0 && strcmp(value, "true") == 0) {
		if ((r = inventory_param_get(a->inv, "trust-file-digest",
		    "sha512", &other)) != 0)
			return r;
		r = strcmp(other, "sha1") == 0 ? ts_error(TS_ERR_INVALID,
		    "trust files are signed with SHA-1, which FIPS mode "
		    "refuses: `tlvsign param set trust-file-digest sha512` "
		    "first") : 0;
		free(other);
		if (r != 0)
			return r;
	}
	char what[160];

	snprintf(what, sizeof(what), "%.60s=%.60s", name, value);
	return audited(a, "param.set", inventory_param_set(a->inv, name,
	    value), what);
}

int
ops_param_set(struct app *a, const char *name, const char *value)
{
	const struct param_info *p = param_find(name);
	const char *v;
	size_t n = strlen(value);

	if (p == NULL)
		return ts_error(TS_ERR_INVALID, "unknown parameter \"%s\" (see "
		    "`tlvsign param list`)", name);
	if (!p->settable)
		return ts_error(TS_ERR_INVALID, "%s is not set by hand: %s",
		    name, p->what);
	if (strcmp(name, "prepare-rollback") == 0)
		return ts_error(TS_ERR_INVALID, "prepare-rollback publishes the "
		    "ITLs: change it with `tlvsign param set prepare-rollback`");
	for (v = p->values; v != NULL; v = strchr(v, '|') ? strchr(v, '|') +
	    1 : NULL)
		if (strncmp(v, value, n) == 0 && (v[n] == '|' || v[n] == '\0'))
			return param_store(a, name, value);
	return ts_error(TS_ERR_INVALID, "%s takes %s, not \"%s\"", name,
	    p->values, value);
}
