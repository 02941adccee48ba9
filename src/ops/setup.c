/* setup.c - init and token status. */
#include "ops/setup.h"

#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "util/error.h"
#include "util/fileio.h"

int
ops_init(const char *conf_path, struct init_result *res)
{
	struct app a;
	struct node n;
	char *name = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = app_open(conf_path, 0, &a)) != 0)
		return r;
	/* check the token first: no state is created for a broken setup */
	if ((r = token_open(a.conf.module, a.conf.token_uri, &a.token)) != 0 ||
	    (r = token_login(a.token, a.conf.pin_file)) != 0 ||
	    (r = token_get_info(a.token, &res->token)) != 0)
		goto out;
	if ((r = dir_create(a.conf.state_dir, 0700)) != 0 ||
	    (r = dir_create(a.conf.tftp_dir, 0755)) != 0)
		goto out;
	if (inventory_open(a.conf.state_dir, 0, &a.inv) != 0) {
		ts_error_clear();
		if ((r = inventory_open(a.conf.state_dir, 1, &a.inv)) != 0)
			goto out;
		res->created_inventory = 1;
	}
	res->schema_version = inventory_schema_version(a.inv);
	if ((r = inventory_begin(a.inv)) != 0)
		goto out;
	if (inventory_meta_get(a.inv, "cluster-name", &name) == 0) {
		if (strcmp(name, a.conf.cluster_name) != 0) {
			r = ts_error(TS_ERR_CONFIG, "the inventory belongs to "
			    "cluster \"%s\", the configuration names \"%s\"",
			    name, a.conf.cluster_name);
			goto out;
		}
	} else if ((r = inventory_meta_set(a.inv, "cluster-name",
	    a.conf.cluster_name)) != 0) {
		goto out;
	}
	if (inventory_node_get(a.inv, NULL, &n) != 0) {
		ts_error_clear();
		memset(&n, 0, sizeof(n));
		snprintf(n.host, sizeof(n.host), "%s", a.conf.hostname);
		snprintf(n.domain, sizeof(n.domain), "%s",
		    a.conf.domain ? a.conf.domain : "");
		snprintf(n.ipv4, sizeof(n.ipv4), "%s", a.conf.ip_address);
		n.services = SVC_TFTP | SVC_TVS | SVC_CAPF | SVC_CALLMANAGER;
		n.publisher = 1;
		if ((r = inventory_node_add(a.inv, &n, NULL)) != 0)
			goto out;
		res->created_node = 1;
	}
	r = inventory_commit(a.inv);
out:
	if (r != 0 && a.inv != NULL)
		inventory_rollback(a.inv);
	free(name);
	app_close(&a);
	return r;
}

static int
collect(const struct token_object *o, void *arg)
{
	struct token_status *st = arg;
	struct token_object *grown;

	grown = realloc(st->objects, (st->nobjects + 1) * sizeof(*grown));
	if (grown == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	st->objects = grown;
	st->objects[st->nobjects++] = *o;
	return 0;
}

/* By label, then private key, public key, certificate. */
static int
object_order(const void *a, const void *b)
{
	const struct token_object *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	if (c != 0)
		return c;
	return (x->cls == CKO_PRIVATE_KEY ? -1 : (int)x->cls) - (y->cls == CKO_PRIVATE_KEY ? -1 :
	    (int)y->cls);
}

int
ops_token_status(struct app *a, struct token_status *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = token_get_info(a->token, &st->info)) != 0 ||
	    (r = token_list_objects(a->token, collect, st)) != 0)
		goto fail;
	if (st->nobjects > 1)
		qsort(st->objects, st->nobjects, sizeof(*st->objects),
		    object_order);
	if (a->inv != NULL) {
		if (inventory_meta_get(a->inv, "cluster-name",
		    &st->cluster_name) != 0)
			ts_error_clear();
		if ((r = inventory_param_get(a->inv, "backup-required", "false",
		    &st->backup_required)) != 0)
			goto fail;
	}
	return 0;
fail:
	token_status_free(st);
	return r;
}

void
token_status_free(struct token_status *st)
{
	free(st->objects);
	free(st->cluster_name);
	free(st->backup_required);
	memset(st, 0, sizeof(*st));
}
