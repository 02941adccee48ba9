/* cluster.c - `tlvsign node|param|key ...`: parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/certs.h"
#include "ops/cluster.h"
#include "util/error.h"

static int
node_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "domain", required_argument, NULL, 'd' },
		{ "services", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct node n;
	struct app a;
	const char *ip = NULL, *domain = NULL, *services = NULL;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': ip = optarg; break;
		case 'd': domain = optarg; break;
		case 's': services = optarg; break;
		default: return cli_usage("node add: bad option");
		}
	}
	if (optind != argc - 1 || ip == NULL || services == NULL)
		return cli_usage("node add HOST --ip IPV4 --services "
		    "TFTP,TVS,CAPF,CallManager [--domain D]");
	memset(&n, 0, sizeof(n));
	if (strlen(argv[optind]) >= sizeof(n.host) ||
	    strlen(ip) >= sizeof(n.ipv4) ||
	    (domain && strlen(domain) >= sizeof(n.domain)))
		return cli_usage("node add: value too long");
	snprintf(n.host, sizeof(n.host), "%s", argv[optind]);
	snprintf(n.ipv4, sizeof(n.ipv4), "%s", ip);
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	snprintf(n.domain, sizeof(n.domain), "%s", domain ? domain :
	    a.conf.domain ? a.conf.domain : "");
	if ((r = node_services_parse(services, &n.services)) == 0)
		r = ops_node_add(&a, &n);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	printf("node %s added\n", n.host);
	return EXIT_OK;
}

struct node_ctx {
	struct cli *c;
	json_t *arr;
};

static int
print_node(const struct node *n, void *arg)
{
	struct node_ctx *nc = arg;
	char svc[64];

	node_services_text(n->services, svc, sizeof(svc));
	if (nc->c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "host", json_string(n->host));
		json_object_set_new(o, "domain", json_string(n->domain));
		json_object_set_new(o, "ipv4", json_string(n->ipv4));
		json_object_set_new(o, "services", json_string(svc));
		json_object_set_new(o, "publisher", json_boolean(n->publisher));
		json_array_append_new(nc->arr, o);
	} else {
		printf("%-16s %-24s %-15s %-26s %s\n", n->host, n->domain,
		    n->ipv4, svc, n->publisher ? "publisher" : "");
	}
	return 0;
}

static int
node_list(struct cli *c)
{
	struct node_ctx nc = { c, NULL };
	struct app a;
	int r;

	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	if (c->json)
		nc.arr = json_array();
	else
		printf("%-16s %-24s %-15s %-26s %s\n", "HOST", "DOMAIN", "IPV4",
		    "SERVICES", "");
	r = inventory_node_list(a.inv, print_node, &nc);
	app_close(&a);
	if (r != 0) {
		json_decref(nc.arr);
		return cli_fail(r);
	}
	return c->json ? cli_json_print(nc.arr) : EXIT_OK;
}

int
cmd_node(struct cli *c, int argc, char **argv)
{
	struct app a;
	int r;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return node_add(c, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return node_list(c);
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
			return cli_fail(r);
		r = ops_node_remove(&a, argv[2]);
		app_close(&a);
		if (r != 0)
			return cli_fail(r);
		printf("node %s removed\n", argv[2]);
		return EXIT_OK;
	}
	return cli_usage("node: use `node add HOST ...`, `node list` or "
	    "`node remove HOST`");
}

static int
param_list(struct cli *c, const char *only)
{
	const struct param_info *const *p;
	struct app a;
	json_t *o = NULL;
	char *v;
	int r = 0;

	if (only != NULL && param_find(only) == NULL)
		return cli_fail(ts_error(TS_ERR_INVALID, "unknown parameter "
		    "\"%s\" (see `tlvsign param list`)", only));
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	if (c->json)
		o = json_object();
	for (p = param_all(); *p != NULL && r == 0; p++) {
		if (only != NULL && strcmp(only, (*p)->name) != 0)
			continue;
		if ((r = inventory_param_get(a.inv, (*p)->name, (*p)->def,
		    &v)) != 0)
			break;
		if (o != NULL)
			json_object_set_new(o, (*p)->name, json_string(v));
		else if (only != NULL)
			printf("%s\n", v);
		else
			printf("%-16s %-11s %s%s\n", (*p)->name, v, (*p)->what,
			    (*p)->settable ? "" : " [read-only]");
		free(v);
	}
	app_close(&a);
	if (r != 0) {
		json_decref(o);
		return cli_fail(r);
	}
	return o ? cli_json_print(o) : EXIT_OK;
}

int
cmd_param(struct cli *c, int argc, char **argv)
{
	struct app a;
	int r;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return param_list(c, NULL);
	if (argc == 3 && strcmp(argv[1], "get") == 0)
		return param_list(c, argv[2]);
	if (argc == 4 && strcmp(argv[1], "set") == 0) {
		if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
			return cli_fail(r);
		r = ops_param_set(&a, argv[2], argv[3]);
		app_close(&a);
		if (r != 0)
			return cli_fail(r);
		printf("%s = %s\n", argv[2], argv[3]);
		return EXIT_OK;
	}
	return cli_usage("param: use `param list`, `param get NAME` or "
	    "`param set NAME VALUE`");
}

int
cmd_key(struct cli *c, int argc, char **argv)
{
	struct app a;
	int r, n, yes = argc == 3 && strcmp(argv[2], "--yes") == 0;

	if (argc < 2 || strcmp(argv[1], "purge") != 0 || argc > 3 ||
	    (argc == 3 && !yes))
		return cli_usage("key: use `key purge [--yes]`");
	if (!cli_confirm(yes, "Destroy the keys of every retired certificate "
	    "in the token?"))
		return cli_usage("key purge: not confirmed (answer yes, or pass "
		    "--yes)");
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	r = ops_key_purge(&a, &n);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "purged", json_integer(n));
		return cli_json_print(o);
	}
	printf("%d retired key%s destroyed\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}
