/* bulk.c - `tlvsign cert bulk ...`: argument parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/bulk.h"
#include "ops/bulkjson.h"
#include "util/error.h"

static int
bulk_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	unsigned type = BULK_ALL;
	struct app a;
	size_t n;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't') {
			if (ops_bulk_type(optarg, &type) != 0)
				return cli_usage("cert bulk export: --type is "
				    "tftp, itlrecovery or all");
		} else if (ch == 'o') {
			out = optarg;
		} else {
			return cli_usage("cert bulk export: bad option");
		}
	}
	if (optind != argc || out == NULL)
		return cli_usage("cert bulk export [--type "
		    "tftp|itlrecovery|all] --out FILE");
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	r = ops_bulk_export(&a, type, out, &n);
	if (r != 0) {
		app_close(&a);
		return cli_fail(r);
	}
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "cluster",
		    json_string(a.conf.cluster_name));
		json_object_set_new(o, "file", json_string(out));
		json_object_set_new(o, "certificates", json_integer((json_int_t)n));
		app_close(&a);
		return cli_json_print(o);
	}
	printf("Exported %zu certificate%s of cluster %s to %s\n", n,
	    n == 1 ? "" : "s", a.conf.cluster_name, out);
	app_close(&a);
	return EXIT_OK;
}

static int
bulk_consolidate(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	size_t n, dups;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o')
			return cli_usage("cert bulk consolidate: bad option");
		out = optarg;
	}
	if (out == NULL || optind >= argc)
		return cli_usage("cert bulk consolidate --out FILE FILE...");
	if ((r = ops_bulk_consolidate((const char *const *)argv + optind,
	    (size_t)(argc - optind), out, &n, &dups)) != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "file", json_string(out));
		json_object_set_new(o, "certificates", json_integer((json_int_t)n));
		json_object_set_new(o, "duplicates",
		    json_integer((json_int_t)dups));
		return cli_json_print(o);
	}
	printf("Consolidated %zu certificate%s from %d file%s into %s "
	    "(%zu duplicate%s dropped)\n", n, n == 1 ? "" : "s", argc - optind,
	    argc - optind == 1 ? "" : "s", out, dups, dups == 1 ? "" : "s");
	return EXIT_OK;
}

static int
bulk_import(struct cli *c, int argc, char **argv)
{
	struct bulk_import_result res;
	struct app a;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("cert bulk import FILE");
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	r = ops_bulk_import(&a, argv[1], &res);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "imported",
		    json_integer((json_int_t)res.imported));
		json_object_set_new(o, "own",
		    json_integer((json_int_t)res.own));
		json_object_set_new(o, "already",
		    json_integer((json_int_t)res.already));
		return cli_json_print(o);
	}
	printf("Imported %zu certificate%s into the TVS trust store", 
	    res.imported, res.imported == 1 ? "" : "s");
	if (res.already > 0 || res.own > 0)
		printf(" (skipped %zu imported before and %zu of this "
		    "cluster)", res.already, res.own);
	printf("\n");
	return EXIT_OK;
}

struct list_ctx {
	struct cli *c;
	json_t *arr;
	size_t n;
};

static int
list_row(const struct tvs_trust_row *t, void *arg)
{
	struct list_ctx *l = arg;
	char when[40];

	l->n++;
	if (l->arr != NULL)
		return json_array_append_new(l->arr, tvs_trust_row_json(t)) ==
		    0 ? 0 : ts_error(TS_ERR_NOMEM, "out of memory");
	cli_time_text(t->imported, when, sizeof(when));
	printf("%s  %s  %s  roles %s\n  subject %s\n  serial  %s\n"
	    "  SHA-256 %s\n  imported %s\n", t->cluster, t->host, t->purpose,
	    t->roles, t->subject, t->serial, t->sha256, when);
	return 0;
}

static int
bulk_list(struct cli *c, int argc, char **argv)
{
	struct list_ctx l = { c, NULL, 0 };
	struct app a;
	int r, json = c->json;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return cli_usage("cert bulk list [--json]");
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	if (json)
		l.arr = json_array();
	r = tvs_trust_list(a.inv, list_row, &l);
	app_close(&a);
	if (r != 0) {
		json_decref(l.arr);
		return cli_fail(r);
	}
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "certificates", l.arr);
		return cli_json_print(o);
	}
	if (l.n == 0)
		printf("no imported certificates: run `tlvsign cert bulk "
		    "import FILE`\n");
	return EXIT_OK;
}

static int
bulk_remove(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "sha256", required_argument, NULL, 's' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cluster = NULL, *sha256 = NULL;
	char question[512];
	struct app a;
	int ch, r, removed, yes = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cluster = optarg; break;
		case 's': sha256 = optarg; break;
		case 'y': yes = 1; break;
		default: return cli_usage("cert bulk remove: bad option");
		}
	}
	if (optind != argc || (cluster == NULL) == (sha256 == NULL))
		return cli_usage("cert bulk remove --cluster NAME | --sha256 "
		    "HEX [--yes]");
	snprintf(question, sizeof(question), "Remove the imported "
	    "certificates of %s %s from the TVS trust store? Phones "
	    "migrating from it lose TVS's word for them.", cluster ?
	    "cluster" : "SHA-256", cluster ? cluster : sha256);
	if (!cli_confirm(yes, question)) {
		fprintf(stderr, "tlvsign: not confirmed: nothing removed "
		    "(--yes confirms without a terminal)\n");
		return EXIT_FAIL;
	}
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	r = ops_bulk_remove(&a, cluster, sha256, &removed);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "removed", json_integer(removed));
		return cli_json_print(o);
	}
	printf("Removed %d certificate%s from the TVS trust store\n", removed,
	    removed == 1 ? "" : "s");
	return EXIT_OK;
}

int
cmd_cert_bulk(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "export", bulk_export },
		{ "consolidate", bulk_consolidate },
		{ "import", bulk_import },
		{ "list", bulk_list },
		{ "remove", bulk_remove },
	};
	size_t i;

	if (argc >= 2)
		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (strcmp(argv[1], subs[i].name) == 0)
				return subs[i].fn(c, argc - 1, argv + 1);
	return cli_usage("cert bulk: use export, consolidate, import, list "
	    "or remove");
}
