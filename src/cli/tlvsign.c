/* tlvsign.c - the tlvsign command: argument parsing and output only. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <p11-kit/pkcs11.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/certs.h"
#include "ops/setup.h"
#include "util/error.h"
#include "x509/cert.h"

static const char usage_text[] =
    "usage: tlvsign [--config FILE] [--json] [--verbose] COMMAND ...\n"
    "\n"
    "setup:\n"
    "  init                          state, inventory, publisher node; "
    "token check\n"
    "  token init                    initialise the configured token\n"
    "  token status                  module, token and every key object\n"
    "certificates:\n"
    "  cert generate PURPOSE [--node N] [--key-length L] [--hash H] "
    "[--years Y]\n"
    "  cert regenerate PURPOSE [--node N] [--key-length L] [--hash H] "
    "[--years Y] [--yes]\n"
    "  cert csr PURPOSE [--node N] [--distribution NODE|multi-server]\n"
    "           [--san NAME]... [--parent-domain D] [--key-length L] "
    "[--hash H] [--out FILE]\n"
    "  cert import PURPOSE FILE [--node N]\n"
    "  cert list | cert show PURPOSE [--node N] | cert export PURPOSE "
    "[--node N]\n"
    "  cert bulk export [--type tftp|itlrecovery|all] --out FILE\n"
    "  cert bulk consolidate --out FILE FILE... | cert bulk import FILE\n"
    "  cert bulk list | cert bulk remove --cluster NAME|--sha256 HEX "
    "[--yes]\n"
    "  key purge [--yes]             destroy the keys of retired "
    "certificates\n"
    "cluster:\n"
    "  node add HOST --ip IPV4 --services LIST [--domain D] | node list | "
    "node remove HOST\n"
    "  param list | param get NAME | param set NAME VALUE\n"
    "trust files:\n"
    "  itl build [--node N]          sign ITLFile.tlv with ITLRecovery and "
    "publish it\n"
    "  itl reset localkey [--node N] sign it with the CallManager key\n"
    "  itl reset remotekey FILE      sign it with the ITLRecovery key of "
    "a PKCS#12\n"
    "                                or of a tlvsign backup\n"
    "  itl copy MAC | ctl copy MAC   per-phone ITLSEP<MAC>.tlv / "
    "CTLSEP<MAC>.tlv\n"
    "  ctl set-cluster mixed-mode|non-secure-mode | ctl update | "
    "ctl reset localkey\n"
    "    (publishing commands take --force and --previous N)\n"
    "  key export-p12 ITLRecovery [--out FILE] [--yes]\n"
    "  show itl|ctl [FILE]           parse, print and verify a trust list\n"
    "  check FROM TO [--ctl FILE] [--tvs-store FILE]   phone-trust check\n"
    "configuration files:\n"
    "  sign FILE... [--filename NAME] [--out-dir D] | sign --dir DIR "
    "[--jobs N] [--all]\n"
    "  show sgn FILE [--cert PEM] | strip FILE.sgn [--out FILE]\n"
    "  encrypt --phone-cert CERT FILE | decrypt --phone-key KEY "
    "FILE.enc.sgn\n"
    "audit:\n"
    "  audit show [--since T] | audit verify | audit checkpoint\n"
    "backups:\n"
    "  backup create [--out FILE] | backup list\n"
    "  backup verify FILE [--restore-test] [--itl ITL] [--cert PEM]\n"
    "  backup inspect FILE [--itl ITL] [--cert PEM]\n"
    "  backup restore FILE [--replace] [--yes] [--force] [--previous N]\n"
    "\n"
    "PURPOSE: CallManager, CallManager-ECDSA, ITLRecovery, TVS, CAPF, "
    "tomcat,\n"
    "         tomcat-ECDSA, ipsec\n"
    "See tlvsign(1) and tlvsign.conf(5).\n";

void
cli_progress(size_t done, size_t total, void *arg)
{
	struct cli_bar *b = arg;
	size_t width = 40, fill;

	if (total == 0 || (done != total && (done - b->last) * 100 < total))
		return;
	b->last = done;
	fill = done * width / total;
	fprintf(stderr, "\r%s [%-*.*s] %zu/%zu", b->what, (int)width,
	    (int)fill, "########################################", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

int
cli_fail(int r)
{
	fprintf(stderr, "tlvsign: %s\n", ts_error_detail(r));
	return EXIT_FAIL;
}

int
cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlvsign: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tlvsign --help)\n");
	return EXIT_USAGE;
}

int
cli_confirm(int yes, const char *question)
{
	char answer[16];
	FILE *tty;
	int ok = 0;

	if (yes)
		return 1;
	if ((tty = fopen("/dev/tty", "r+e")) == NULL)
		return 0;
	fprintf(tty, "%s [yes/no] ", question);
	fflush(tty);
	if (fgets(answer, sizeof(answer), tty) != NULL)
		ok = strncmp(answer, "yes", 3) == 0 &&
		    (answer[3] == '\n' || answer[3] == '\0');
	fclose(tty);
	return ok;
}

int
cli_json_print(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(v);
	return EXIT_OK;
}

int
cli_parse_uint(const char *opt, const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > UINT_MAX ||
	    s[0] == '-')
		return cli_usage("%s: \"%s\" is not a number", opt, s);
	*out = (unsigned)v;
	return 0;
}

void
cli_time_text(time_t t, char *buf, size_t size)
{
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
}

/* ---- init ---- */

static int
cmd_init(struct cli *c, int argc, char **argv)
{
	struct init_result res;
	int r;

	(void)argv;
	if (argc != 1)
		return cli_usage("init takes no arguments");
	if ((r = ops_init(c->config, &res)) != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "inventory_created",
		    json_boolean(res.created_inventory));
		json_object_set_new(o, "publisher_node_created",
		    json_boolean(res.created_node));
		json_object_set_new(o, "schema_version",
		    json_integer(res.schema_version));
		json_object_set_new(o, "token_label",
		    json_string(res.token.label));
		json_object_set_new(o, "token_serial",
		    json_string(res.token.serial));
		return cli_json_print(o);
	}
	printf("inventory %s (schema version %d)\n",
	    res.created_inventory ? "created" : "up to date",
	    res.schema_version);
	if (res.created_node)
		printf("publisher node added\n");
	printf("token \"%s\" (serial %s) found, login ok\n", res.token.label,
	    res.token.serial);
	return EXIT_OK;
}

/* ---- token ---- */

static const char *
class_name(unsigned long cls)
{
	switch (cls) {
	case CKO_PRIVATE_KEY: return "private-key";
	case CKO_PUBLIC_KEY: return "public-key";
	case CKO_CERTIFICATE: return "certificate";
	case CKO_SECRET_KEY: return "secret-key";
	case CKO_DATA: return "data";
	}
	return "other";
}

static const char *
keytype_name(unsigned long kt)
{
	switch (kt) {
	case CKK_RSA: return "RSA";
	case CKK_EC: return "EC";
	case CKK_AES: return "AES";
	}
	return "-";
}

static const char *
yesno(int v)
{
	return v < 0 ? "-" : v ? "yes" : "no";
}

static json_t *
jbool3(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static int
cmd_token(struct cli *c, int argc, char **argv)
{
	struct token_status st;
	struct app a;
	char id[2 * TOKEN_ID_MAX + 1];
	size_t i;
	int r;

	if (argc == 2 && strcmp(argv[1], "init") == 0) {
		if ((r = app_open(c->config, 0, &a)) != 0)
			return cli_fail(r);
		r = token_initialize(a.conf.module, a.conf.token_uri,
		    a.conf.pin_file);
		if (r == 0)
			printf("token %s initialised\n", a.conf.token_uri);
		app_close(&a);
		return r ? cli_fail(r) : EXIT_OK;
	}
	if (argc != 2 || strcmp(argv[1], "status") != 0)
		return cli_usage("token: use `token status` or `token init`");
	/* with the inventory (and its recovery) when there is one: status
	 * works before init, too */
	if (app_open(c->config, APP_INVENTORY | APP_LOGIN, &a) != 0 &&
	    (r = app_open(c->config, APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	ts_error_clear();
	if ((r = ops_token_status(&a, &st)) != 0) {
		app_close(&a);
		return cli_fail(r);
	}
	if (c->json) {
		json_t *o = json_object(), *objs = json_array();

		json_object_set_new(o, "module", json_string(st.info.module));
		json_object_set_new(o, "token_label",
		    json_string(st.info.label));
		json_object_set_new(o, "token_serial",
		    json_string(st.info.serial));
		json_object_set_new(o, "manufacturer",
		    json_string(st.info.manufacturer));
		json_object_set_new(o, "model", json_string(st.info.model));
		json_object_set_new(o, "logged_in",
		    json_boolean(st.info.logged_in));
		json_object_set_new(o, "cluster", st.cluster_name ?
		    json_string(st.cluster_name) : json_null());
		json_object_set_new(o, "backup_required", st.backup_required ?
		    json_boolean(strcmp(st.backup_required, "true") == 0) :
		    json_null());
		for (i = 0; i < st.nobjects; i++) {
			const struct token_object *ob = &st.objects[i];
			json_t *j = json_object();

			hex_lower(ob->id, ob->id_len, id);
			json_object_set_new(j, "class",
			    json_string(class_name(ob->cls)));
			json_object_set_new(j, "label", json_string(ob->label));
			json_object_set_new(j, "id", json_string(id));
			json_object_set_new(j, "key_type",
			    json_string(keytype_name(ob->key_type)));
			json_object_set_new(j, "private",
			    jbool3(ob->is_private));
			json_object_set_new(j, "sensitive",
			    jbool3(ob->sensitive));
			json_object_set_new(j, "extractable",
			    jbool3(ob->extractable));
			json_object_set_new(j, "always_sensitive",
			    jbool3(ob->always_sensitive));
			json_object_set_new(j, "never_extractable",
			    jbool3(ob->never_extractable));
			json_object_set_new(j, "sign", jbool3(ob->can_sign));
			json_array_append_new(objs, j);
		}
		json_object_set_new(o, "objects", objs);
		cli_json_print(o);
	} else {
		printf("module:          %s\n", st.info.module);
		printf("token:           %s (serial %s, %s %s, slot %lu)\n",
		    st.info.label, st.info.serial, st.info.manufacturer,
		    st.info.model, st.info.slot);
		printf("login:           %s\n", st.info.logged_in ? "user" :
		    "not logged in");
		if (st.cluster_name != NULL)
			printf("cluster:         %s\n", st.cluster_name);
		if (st.backup_required != NULL)
			printf("backup required: %s\n",
			    strcmp(st.backup_required, "true") == 0 ? "YES" :
			    "no");
		printf("\n%-12s %-30s %-4s %-4s %-9s %-11s %-16s %-15s %s\n",
		    "CLASS", "LABEL", "TYPE", "SIGN", "SENSITIVE",
		    "EXTRACTABLE", "ALWAYS-SENSITIVE", "NEVER-EXTRACT.", "ID");
		for (i = 0; i < st.nobjects; i++) {
			const struct token_object *ob = &st.objects[i];

			hex_lower(ob->id, ob->id_len, id);
			printf("%-12s %-30s %-4s %-4s %-9s %-11s %-16s %-15s "
			    "%s\n", class_name(ob->cls), ob->label,
			    keytype_name(ob->key_type),
			    ob->cls == CKO_PRIVATE_KEY ? yesno(ob->can_sign) :
			    "-", yesno(ob->sensitive),
			    yesno(ob->extractable), yesno(ob->always_sensitive),
			    yesno(ob->never_extractable), id);
		}
	}
	token_status_free(&st);
	app_close(&a);
	return EXIT_OK;
}

/* ---- main ---- */

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c;
	const char *cmd;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "+c:jvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.config = optarg; break;
		case 'j': c.json = 1; break;
		case 'v': c.verbose = 1; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': printf("tlvsign %s\n", PACKAGE_VERSION); return EXIT_OK;
		default: return cli_usage("unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage("no command given");
	argc -= optind;
	argv += optind;
	cmd = argv[0];
	if (strcmp(cmd, "init") == 0)
		rc = cmd_init(&c, argc, argv);
	else if (strcmp(cmd, "token") == 0)
		rc = cmd_token(&c, argc, argv);
	else if (strcmp(cmd, "cert") == 0)
		rc = cmd_cert(&c, argc, argv);
	else if (strcmp(cmd, "node") == 0)
		rc = cmd_node(&c, argc, argv);
	else if (strcmp(cmd, "param") == 0)
		rc = cmd_param(&c, argc, argv);
	else if (strcmp(cmd, "key") == 0)
		rc = cmd_key(&c, argc, argv);
	else if (strcmp(cmd, "itl") == 0)
		rc = cmd_itl(&c, argc, argv);
	else if (strcmp(cmd, "ctl") == 0)
		rc = cmd_ctl(&c, argc, argv);
	else if (strcmp(cmd, "check") == 0)
		rc = cmd_check(&c, argc, argv);
	else if (strcmp(cmd, "audit") == 0)
		rc = cmd_audit(&c, argc, argv);
	else if (strcmp(cmd, "backup") == 0)
		rc = cmd_backup(&c, argc, argv);
	else if (strcmp(cmd, "sign") == 0)
		rc = cmd_sign(&c, argc, argv);
	else if (strcmp(cmd, "strip") == 0)
		rc = cmd_strip(&c, argc, argv);
	else if (strcmp(cmd, "encrypt") == 0)
		rc = cmd_encrypt(&c, argc, argv);
	else if (strcmp(cmd, "decrypt") == 0)
		rc = cmd_decrypt(&c, argc, argv);
	else if (strcmp(cmd, "show") == 0)
		rc = cmd_show(&c, argc, argv);
	else if (strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		rc = EXIT_OK;
	} else if (strcmp(cmd, "version") == 0) {
		printf("tlvsign %s\n", PACKAGE_VERSION);
		rc = EXIT_OK;
	} else
		rc = cli_usage("unknown command \"%s\"", cmd);
	ERR_clear_error();
	return rc;
}
