/* cluster.c - `tlvsign node|param|key ...`: parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/certs.h"
#include "ops/cluster.h"
#include "ops/keys.h"
#include "ops/auditlog.h"
#include "store/audit.h"
#include "util/fileio.h"
#include "util/secret.h"
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

/* prepare-rollback true|false [--force] [--previous N]: publishes. */
static int
param_rollback(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tf_opts o;
	struct app a;
	int ch, r, on, count;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (cli_publish_option(ch, optarg, &o) <= 0)
			return cli_usage("param set prepare-rollback: bad option");
	if (optind != argc - 1 || (strcmp(argv[optind], "true") != 0 &&
	    strcmp(argv[optind], "false") != 0))
		return cli_usage("param set prepare-rollback true|false");
	on = strcmp(argv[optind], "true") == 0;
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	r = ops_rollback_set(&a, on, &o, &count);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	printf("prepare-rollback = %s\n", on ? "true" : "false");
	printf("%d %s ITL%s published. %s\n", count, on ? "rollback" :
	    "normal", count == 1 ? "" : "s", on ? "Phones download an ITL "
	    "with empty TVS and TFTP sections and accept any ITL and unsigned "
	    "configuration files; HTTPS phone services stop working until the "
	    "parameter is false again." : "Security by default is restored.");
	return EXIT_OK;
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
	if (argc >= 4 && strcmp(argv[1], "set") == 0 &&
	    strcmp(argv[2], "prepare-rollback") == 0)
		return param_rollback(c, argc - 2, argv + 2);
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

static int
key_purge(struct cli *c, int yes)
{
	struct app a;
	int r, n;

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

static int
key_export_p12(struct cli *c, const char *purpose, const char *out,
    const char *passfile, int yes)
{
	char pass[SECRET_MAX], again[SECRET_MAX];
	const char *env = getenv("TLVSIGN_P12_PASS_FILE");
	struct app a;
	uint8_t *p12 = NULL;
	size_t len;
	int r;

	if (!cli_confirm(yes, "Export the ITLRecovery private key, protected "
	    "by a passphrase, out of the token?"))
		return cli_usage("key export-p12: not confirmed (answer yes, or "
		    "pass --yes)");
	if ((r = secret_read("TLVSIGN_P12_PASS_FILE", passfile, "PKCS#12 "
	    "passphrase", pass, sizeof(pass))) != 0)
		return cli_fail(r);
	if (passfile == NULL && (env == NULL || *env == '\0')) {
		r = secret_read(NULL, NULL, "PKCS#12 passphrase (again)", again,
		    sizeof(again));
		if (r == 0 && strcmp(pass, again) != 0)
			r = ts_error(TS_ERR_AUTH, "the passphrases do not match");
		secret_wipe(again, sizeof(again));
		if (r != 0) {
			secret_wipe(pass, sizeof(pass));
			return cli_fail(r);
		}
	}
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) == 0) {
		r = ops_key_export_p12(&a, purpose, pass, &p12, &len);
		app_close(&a);
	}
	secret_wipe(pass, sizeof(pass));
	if (r == 0)
		r = file_write_atomic(out, p12, len, 0600);
	free(p12);
	if (r != 0)
		return cli_fail(r);
	printf("%s written (mode 0600): keep it offline; it is the key that "
	    "signs every ITL\n", out);
	return EXIT_OK;
}

int
cmd_key(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "out", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *out = "ITLRecovery.p12", *passfile = NULL;
	int ch, yes = 0;

	if (argc < 2)
		return cli_usage("key: use `key purge [--yes]` or `key "
		    "export-p12 ITLRecovery [--out FILE] [--yes]`");
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'y')
			yes = 1;
		else if (ch == 'o')
			out = optarg;
		else if (ch == 'p')
			passfile = optarg;
		else
			return cli_usage("key %s: bad option", sub);
	}
	if (strcmp(sub, "purge") == 0 && optind == argc)
		return key_purge(c, yes);
	if (strcmp(sub, "export-p12") == 0 && optind == argc - 1)
		return key_export_p12(c, argv[optind], out, passfile, yes);
	return cli_usage("key: use `key purge [--yes]` or `key export-p12 "
	    "ITLRecovery [--out FILE] [--yes]`");
}

struct audit_ctx {
	struct cli *c;
	json_t *arr;
};

static int
print_audit(const struct audit_entry *e, void *arg)
{
	struct audit_ctx *ac = arg;
	char t[40];

	if (ac->c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "seq", json_integer(e->seq));
		json_object_set_new(o, "time", json_integer((json_int_t)e->time));
		json_object_set_new(o, "actor", json_string(e->actor));
		json_object_set_new(o, "operation", json_string(e->operation));
		json_object_set_new(o, "args", json_string(e->args));
		json_object_set_new(o, "args_sha256",
		    json_string(e->args_digest));
		json_object_set_new(o, "result", json_string(e->result));
		json_object_set_new(o, "prev", json_string(e->prev));
		json_object_set_new(o, "hash", json_string(e->hash));
		json_array_append_new(ac->arr, o);
		return 0;
	}
	cli_time_text(e->time, t, sizeof(t));
	printf("%6ld %s %-22s %-26s %s: %s\n", e->seq, t, e->actor,
	    e->operation, e->result, e->args);
	return 0;
}

static int
parse_since(const char *s, time_t *out)
{
	struct tm tm;
	char *end;
	unsigned long v;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0') {
		*out = timegm(&tm);
		return 0;
	}
	v = strtoul(s, &end, 10);
	if (*s != '\0' && *end == '\0') {
		*out = (time_t)v;
		return 0;
	}
	return cli_usage("audit show --since: use YYYY-MM-DD or Unix seconds");
}

int
cmd_audit(struct cli *c, int argc, char **argv)
{
	struct audit_ctx ac = { c, NULL };
	struct app a;
	time_t since = 0;
	long n;
	int r;

	if (argc == 2 && strcmp(argv[1], "verify") == 0) {
		struct audit_report rep;

		if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
			return cli_fail(r);
		r = ops_audit_verify(&a, &rep);
		app_close(&a);
		if (c->json) {
			json_t *o = json_object();
			json_object_set_new(o, "entries",
			    json_integer(rep.entries));
			json_object_set_new(o, "checkpoints",
			    json_integer(rep.checkpoints));
			json_object_set_new(o, "last_checkpoint",
			    json_integer(rep.last_checkpoint));
			json_object_set_new(o, "signer", rep.checkpoints ?
			    json_string(rep.signer) : json_null());
			json_object_set_new(o, "intact", json_boolean(r == 0));
			json_object_set_new(o, "error", r == 0 ? json_null() :
			    json_string(ts_error_detail(r)));
			cli_json_print(o);
		}
		if (r != 0)
			return cli_fail(r);
		if (!c->json) {
			printf("audit log intact: %ld entries, chain verified\n",
			    rep.entries);
			if (rep.checkpoints > 0)
				printf("%ld signed checkpoint%s, the last at entry "
				    "%ld, signed by %s\n", rep.checkpoints,
				    rep.checkpoints == 1 ? "" : "s",
				    rep.last_checkpoint, rep.signer);
			else
				printf("no signed checkpoint yet (`tlvsign audit "
				    "checkpoint`)\n");
		}
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "checkpoint") == 0) {
		if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN,
		    &a)) != 0)
			return cli_fail(r);
		r = ops_audit_checkpoint(&a, &n);
		app_close(&a);
		if (r != 0)
			return cli_fail(r);
		printf("audit checkpoint at entry %ld, signed by ITLRecovery\n",
		    n);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		since = 0;
	else if (argc == 4 && strcmp(argv[1], "show") == 0 &&
	    strcmp(argv[2], "--since") == 0) {
		if (parse_since(argv[3], &since) != 0)
			return EXIT_USAGE;
	} else
		return cli_usage("audit: use `audit show [--since T]`, "
		    "`audit verify` or `audit checkpoint`");
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	if (c->json)
		ac.arr = json_array();
	r = audit_list(a.inv, since, print_audit, &ac);
	app_close(&a);
	if (r != 0) {
		json_decref(ac.arr);
		return cli_fail(r);
	}
	return c->json ? cli_json_print(ac.arr) : EXIT_OK;
}
