/* cert.c - `tlvsign cert ...`: argument parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/certs.h"
#include "ops/certjson.h"
#include "ops/csr.h"
#include "util/fileio.h"
#include "util/error.h"

static void
print_cert(const struct cert_row *row)
{
	char nb[40], na[40];
	time_t now = time(NULL);
	long days = (long)((row->not_after - now) / 86400);

	cli_time_text(row->not_before, nb, sizeof(nb));
	cli_time_text(row->not_after, na, sizeof(na));
	printf("  node:        %s\n", row->host);
	printf("  purpose:     %s (%s)\n", row->purpose, row->state);
	printf("  subject:     %s\n", row->subject);
	printf("  issuer:      %s\n", row->issuer);
	printf("  serial:      %s\n", row->serial);
	printf("  valid from:  %s\n", nb);
	printf("  valid until: %s (%s%ld days)\n", na,
	    days < 0 ? "expired " : "", days < 0 ? -days : days);
	printf("  key:         %s %u in the token, label \"%s\", CKA_ID %s\n",
	    row->key_type, row->key_bits, row->key_label, row->key_id);
	printf("  SHA-1:       %s\n", row->sha1);
	printf("  SHA-256:     %s\n", row->sha256);
}

/* Options shared by generate and regenerate. */
static int
parse_gen(const char *cmd, int argc, char **argv, struct cert_gen *g,
    int *yes)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "key-length", required_argument, NULL, 'k' },
		{ "hash", required_argument, NULL, 'H' },
		{ "years", required_argument, NULL, 'y' },
		{ "yes", no_argument, NULL, 'Y' },
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, k;

	memset(g, 0, sizeof(*g));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((k = cli_publish_option(ch, optarg, &g->publish)) < 0)
			return EXIT_USAGE;
		if (k > 0)
			continue;
		switch (ch) {
		case 'n': g->node = optarg; break;
		case 'k':
			if (cli_parse_uint("--key-length", optarg, &g->bits))
				return EXIT_USAGE;
			break;
		case 'H': g->hash = optarg; break;
		case 'y':
			if (cli_parse_uint("--years", optarg, &g->years))
				return EXIT_USAGE;
			break;
		case 'Y':
			if (yes == NULL)
				return cli_usage("%s: no --yes here", cmd);
			*yes = 1;
			break;
		default:
			return cli_usage("%s: bad option", cmd);
		}
	}
	if (optind != argc - 1)
		return cli_usage("%s: name one PURPOSE", cmd);
	g->purpose = argv[optind];
	return 0;
}

static int
cert_generate(struct cli *c, int argc, char **argv)
{
	struct cert_gen g;
	struct cert_gen_result res;
	struct app a;
	int r;

	if ((r = parse_gen("cert generate", argc, argv, &g, NULL)) != 0)
		return r;
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	r = ops_cert_generate(&a, &g, &res);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (res.warning != NULL)
		fprintf(stderr, "tlvsign: warning: %s\n", res.warning);
	if (c->json) {
		json_t *o = cert_row_json(&res.row);
		json_object_set_new(o, "itl_rebuilt",
		    json_integer(res.itl_rebuilt));
		cli_json_print(o);
	} else {
		printf("%s certificate generated\n", res.row.purpose);
		print_cert(&res.row);
		if (res.itl_rebuilt)
			printf("ITLFile.tlv rebuilt with the new certificate "
			    "(%d node%s)\n", res.itl_rebuilt,
			    res.itl_rebuilt == 1 ? "" : "s");
	}
	cert_row_free(&res.row);
	return EXIT_OK;
}

/* The reference product's warnings before an ITLRecovery regeneration. */
static const char itlrecovery_warning[] =
    "WARNING: Do not regenerate the ITLRecovery certificate very frequently:\n"
    "it has a long validity with phones and it signs the ITL file.\n"
    "If you use a tokenless CTL and regenerate the CallManager certificate,\n"
    "ensure that the CTL file has the updated CallManager certificate and\n"
    "that it is updated to the endpoints. Take a new backup afterwards.";

static int
cert_regenerate(struct cli *c, int argc, char **argv)
{
	struct cert_gen g;
	struct cert_regen_result res;
	struct app a;
	int r, yes = 0;

	if ((r = parse_gen("cert regenerate", argc, argv, &g, &yes)) != 0)
		return r;
	if (strcasecmp(g.purpose, "ITLRecovery") == 0) {
		fprintf(stderr, "%s\n", itlrecovery_warning);
		if (!cli_confirm(yes, "Regenerate the ITLRecovery certificate?"))
			return cli_usage("cert regenerate ITLRecovery: not "
			    "confirmed (answer yes, or pass --yes)");
	}
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	r = ops_cert_regenerate(&a, &g, &res);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (res.warning != NULL)
		fprintf(stderr, "tlvsign: warning: %s\n", res.warning);
	if (c->json) {
		json_t *o = cert_row_json(&res.row);
		json_object_set_new(o, "replaced_serial",
		    json_string(res.old_serial));
		json_object_set_new(o, "itl_rebuilt",
		    json_integer(res.itl_rebuilt));
		json_object_set_new(o, "backup_required",
		    json_boolean(res.backup_required));
		json_object_set_new(o, "ctl_update_needed",
		    json_boolean(res.ctl_update_needed));
		cli_json_print(o);
	} else {
		printf("%s certificate regenerated (replaces serial %s; the old "
		    "key is kept, disabled, until `tlvsign key purge`)\n",
		    res.row.purpose, res.old_serial);
		print_cert(&res.row);
		if (res.itl_rebuilt)
			printf("ITLFile.tlv rebuilt (%d node%s)\n",
			    res.itl_rebuilt, res.itl_rebuilt == 1 ? "" : "s");
		if (res.backup_required)
			printf("A new backup is required: the %s key changed.\n",
			    res.row.purpose);
		if (res.localkey)
			printf("The trust files are signed by the CallManager "
			    "key, which phones trust, and carry the new "
			    "ITLRecovery certificate. Reset the phones so that "
			    "they download them, then run `tlvsign itl build`%s.\n",
			    res.ctl_update_needed ? " and `tlvsign ctl update`" :
			    "");
		else if (res.ctl_update_needed)
			printf("The cluster is in mixed mode: the CTL was "
			    "rebuilt with the new certificate; reset the phones "
			    "so that they download it.\n");
	}
	cert_row_free(&res.row);
	return EXIT_OK;
}

struct list_ctx {
	struct cli *c;
	json_t *arr;
	int n;
};

static int
print_cert_row(const struct cert_row *row, void *arg)
{
	struct list_ctx *lc = arg;
	char na[40], key[16];

	if (lc->c->json) {
		json_array_append_new(lc->arr, cert_row_json(row));
		return 0;
	}
	if (lc->n++ == 0)
		printf("%-16s %-18s %-8s %-8s %-24s %s\n", "NODE", "PURPOSE",
		    "STATE", "KEY", "EXPIRES", "SUBJECT");
	cli_time_text(row->not_after, na, sizeof(na));
	snprintf(key, sizeof(key), "%s %u", row->key_type, row->key_bits);
	printf("%-16s %-18s %-8s %-8s %-24s %s\n", row->host, row->purpose,
	    row->state, key, na, row->subject);
	return 0;
}

static int
cert_list(struct cli *c, int argc, char **argv)
{
	struct list_ctx lc = { c, NULL, 0 };
	struct app a;
	char *backup = NULL;
	int r;

	(void)argv;
	if (argc != 1)
		return cli_usage("cert list takes no arguments");
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	if (c->json)
		lc.arr = json_array();
	if ((r = inventory_cert_list(a.inv, print_cert_row, &lc)) == 0)
		r = inventory_param_get(a.inv, "backup-required", "false",
		    &backup);
	app_close(&a);
	if (r != 0) {
		json_decref(lc.arr);
		return cli_fail(r);
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "backup_required",
		    json_boolean(strcmp(backup, "true") == 0));
		json_object_set_new(o, "certificates", lc.arr);
		free(backup);
		return cli_json_print(o);
	}
	if (lc.n == 0)
		printf("no certificates: run `tlvsign cert generate PURPOSE`\n");
	if (strcmp(backup, "true") == 0)
		printf("\nBACKUP REQUIRED: a TFTP CallManager or ITLRecovery key "
		    "changed since the last backup.\n");
	free(backup);
	return EXIT_OK;
}

/* show and export: PURPOSE [--node N] */
static int
parse_purpose_node(const char *cmd, int argc, char **argv,
    const char **purpose, const char **node)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*node = NULL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n')
			return cli_usage("%s: bad option", cmd);
		*node = optarg;
	}
	if (optind != argc - 1)
		return cli_usage("%s: name one PURPOSE", cmd);
	*purpose = argv[optind];
	return 0;
}

static int
cert_show(struct cli *c, int argc, char **argv)
{
	struct cert_row row;
	struct app a;
	const char *purpose, *node;
	int r;

	if ((r = parse_purpose_node("cert show", argc, argv, &purpose,
	    &node)) != 0)
		return r;
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	r = ops_cert_get(&a, purpose, node, &row);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (c->json)
		cli_json_print(cert_row_json(&row));
	else
		print_cert(&row);
	cert_row_free(&row);
	return EXIT_OK;
}

static int
cert_export(struct cli *c, int argc, char **argv)
{
	struct app a;
	const char *purpose, *node;
	char *pem = NULL;
	int r;

	if ((r = parse_purpose_node("cert export", argc, argv, &purpose,
	    &node)) != 0)
		return r;
	if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
		return cli_fail(r);
	r = ops_cert_export(&a, purpose, node, &pem);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "pem", json_string(pem));
		cli_json_print(o);
	} else {
		fputs(pem, stdout);
	}
	free(pem);
	return EXIT_OK;
}

static int
cert_csr(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "distribution", required_argument, NULL, 'd' },
		{ "san", required_argument, NULL, 's' },
		{ "parent-domain", required_argument, NULL, 'p' },
		{ "key-length", required_argument, NULL, 'k' },
		{ "hash", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct csr_opts o;
	struct csr_result res;
	struct app a;
	const char *out = NULL, *dist = NULL;
	int ch, r;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o.node = optarg; break;
		case 'd': dist = optarg; break;
		case 's':
			if (o.nsans == CSR_MAX_SANS)
				return cli_usage("cert csr: at most %d --san",
				    CSR_MAX_SANS);
			o.sans[o.nsans++] = optarg;
			break;
		case 'p': o.parent_domain = optarg; break;
		case 'k':
			if (cli_parse_uint("--key-length", optarg, &o.bits))
				return EXIT_USAGE;
			break;
		case 'H': o.hash = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_usage("cert csr: bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage("cert csr: name one PURPOSE");
	o.purpose = argv[optind];
	if (dist != NULL && strcmp(dist, "multi-server") == 0)
		o.multi_server = 1;
	else if (dist != NULL && o.node != NULL && strcmp(dist, o.node) != 0)
		return cli_usage("cert csr: --distribution %s and --node %s "
		    "disagree", dist, o.node);
	else if (dist != NULL)
		o.node = dist;
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	r = ops_cert_csr(&a, &o, &res);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (res.warning != NULL)
		fprintf(stderr, "tlvsign: warning: %s\n", res.warning);
	if (res.replaced)
		fprintf(stderr, "tlvsign: the pending %s CSR and its key were "
		    "replaced: a certificate issued for it can no longer be "
		    "imported\n", o.purpose);
	if (out != NULL && (r = file_write_atomic(out, res.pem,
	    strlen(res.pem), 0644)) != 0) {
		free(res.pem);
		return cli_fail(r);
	}
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "subject", json_string(res.subject));
		json_object_set_new(j, "replaced", json_boolean(res.replaced));
		json_object_set_new(j, "pem", json_string(res.pem));
		cli_json_print(j);
	} else if (out != NULL) {
		printf("CSR for %s written to %s\n", res.subject, out);
	} else {
		fputs(res.pem, stdout);
	}
	free(res.pem);
	return EXIT_OK;
}

static int
cert_import(struct cli *c, int argc, char **argv)
{
	const char *purpose, *node;
	struct import_result res;
	struct app a;
	uint8_t *data;
	size_t len;
	int r;

	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tf_opts o;
	int ch, k;

	node = NULL;
	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((k = cli_publish_option(ch, optarg, &o)) < 0)
			return EXIT_USAGE;
		if (k == 0 && ch != 'n')
			return cli_usage("cert import: bad option");
		if (k == 0)
			node = optarg;
	}
	if (optind != argc - 2)
		return cli_usage("cert import PURPOSE FILE [--node N]");
	purpose = argv[optind];
	if ((r = file_read(argv[optind + 1], 1024 * 1024 + 1, &data, &len)) !=
	    0)
		return cli_fail(r);
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0) {
		free(data);
		return cli_fail(r);
	}
	r = ops_cert_import(&a, purpose, node, data, len, &o, &res);
	app_close(&a);
	free(data);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *j = cert_row_json(&res.row);
		json_object_set_new(j, "replaced_serial",
		    res.replaced_serial[0] ? json_string(res.replaced_serial) :
		    json_null());
		json_object_set_new(j, "chain_length",
		    json_integer((json_int_t)res.chain_len));
		json_object_set_new(j, "itl_rebuilt",
		    json_integer(res.itl_rebuilt));
		cli_json_print(j);
	} else {
		printf("%s certificate imported%s%s\n", res.row.purpose,
		    res.replaced_serial[0] ? ", replacing serial " : "",
		    res.replaced_serial);
		print_cert(&res.row);
		printf("  chain:       %zu issuing certificate%s stored\n",
		    res.chain_len, res.chain_len == 1 ? "" : "s");
		if (res.itl_rebuilt)
			printf("ITLFile.tlv rebuilt (%d node%s)\n",
			    res.itl_rebuilt, res.itl_rebuilt == 1 ? "" : "s");
		if (res.backup_required)
			printf("A new backup is required: the %s key changed.\n",
			    res.row.purpose);
	}
	cert_row_free(&res.row);
	return EXIT_OK;
}

int
cmd_cert(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "generate", cert_generate },
		{ "regenerate", cert_regenerate },
		{ "csr", cert_csr },
		{ "import", cert_import },
		{ "list", cert_list },
		{ "show", cert_show },
		{ "export", cert_export },
		{ "bulk", cmd_cert_bulk },
	};
	size_t i;

	if (argc >= 2)
		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (strcmp(argv[1], subs[i].name) == 0)
				return subs[i].fn(c, argc - 1, argv + 1);
	return cli_usage("cert: use generate, regenerate, csr, import, list, "
	    "show, export or bulk");
}
