/*
 * cluster.h - the cluster's nodes and parameters.
 */
#ifndef TLVSIGN_OPS_CLUSTER_H
#define TLVSIGN_OPS_CLUSTER_H

#include "ops/app.h"

/* Parse "TFTP,TVS,CAPF,CallManager" (any case, any order). */
int node_services_parse(const char *text, unsigned *services);

/* Add a node (never a second publisher); host, IPv4 and domain checked. */
int ops_node_add(struct app *a, const struct node *n);

/* Remove a node that holds no certificate, CSR or published file; the
 * publisher is never removed. */
int ops_node_remove(struct app *a, const char *host);

struct param_info {
	const char *name;
	const char *def;
	const char *values;   /* accepted values, "|"-separated */
	int settable;         /* by `param set` (others change through their
	                       * operations) */
	const char *what;
};

/* Every known parameter, NULL-terminated. */
const struct param_info *const *param_all(void);
const struct param_info *param_find(const char *name);

int ops_param_set(struct app *a, const char *name, const char *value);

#endif
