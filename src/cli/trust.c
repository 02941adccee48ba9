/* trust.c - `tlvsign itl|ctl|check ...`: parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "format/trustlist.h"
#include "ops/backup.h"
#include "ops/app.h"
#include "ops/gate.h"
#include "ops/keys.h"
#include "ops/trustfile.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/secret.h"

int
cli_publish_option(int ch, const char *arg, struct tf_opts *o)
{
	unsigned v;

	if (ch == 'F') {
		o->force = 1;
		return 1;
	}
	if (ch == 'P') {
		if (cli_parse_uint("--previous", arg, &v) != 0)
			return -1;
		o->previous = v;
		return 1;
	}
	return 0;
}

void
cli_print_published(struct cli *c, const char *what,
    const struct tf_result *res, int count)
{
	if (res->forced)
		fprintf(stderr, "tlvsign: warning: published with --force: %s\n",
		    res->verdict);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_string(res->path));
		json_object_set_new(o, "files", json_integer(count));
		json_object_set_new(o, "size", json_integer((json_int_t)res->size));
		json_object_set_new(o, "records",
		    json_integer((json_int_t)res->nrecords));
		json_object_set_new(o, "signer", json_string(res->signer_subject));
		json_object_set_new(o, "signer_serial",
		    json_string(res->signer_serial));
		json_object_set_new(o, "md5", json_string(res->md5));
		json_object_set_new(o, "sha1", json_string(res->sha1));
		json_object_set_new(o, "sha256", json_string(res->sha256));
		json_object_set_new(o, "phone_states_checked",
		    json_integer(res->phone_states));
		json_object_set_new(o, "forced", json_boolean(res->forced));
		cli_json_print(o);
		return;
	}
	printf("%s: %zu bytes, %zu records%s\n", res->path, res->size,
	    res->nrecords, count > 1 ? " (and the other TFTP nodes')" : "");
	printf("  signed by %s (serial %s)\n", res->signer_subject,
	    res->signer_serial);
	printf("  %s(MD5)\n  %s(SHA1)\n  %s(SHA256)\n", res->md5, res->sha1,
	    res->sha256);
	if (res->phone_states > 0 && !res->forced)
		printf("  phones holding the published files accept it "
		    "(%d situation%s checked)\n", res->phone_states,
		    res->phone_states == 1 ? "" : "s");
	if (what != NULL)
		printf("%s\n", what);
}

/* Read a PKCS#12 passphrase: TLVSIGN_P12_PASS_FILE, --passphrase-file, or
 * the terminal (twice when confirm is set). */
static int
read_p12_pass(const char *file, int confirm, char *buf, size_t size)
{
	return secret_read_confirm("TLVSIGN_P12_PASS_FILE", file,
	    "PKCS#12 passphrase", confirm, buf, size);
}

int
cmd_itl(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tf_opts o;
	struct tf_result res;
	struct app a;
	const char *node = NULL, *passfile = NULL, *sub;
	char pass[SECRET_MAX], path[4096];
	uint8_t *p12 = NULL;
	size_t p12len;
	int ch, r, k, mode, is_backup = 0;

	if (argc < 2)
		return cli_usage("itl: use build, reset localkey, reset "
		    "remotekey FILE or copy MAC");
	sub = argv[1];
	memset(&o, 0, sizeof(o));
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((k = cli_publish_option(ch, optarg, &o)) < 0)
			return EXIT_USAGE;
		if (k > 0)
			continue;
		if (ch == 'n')
			node = optarg;
		else if (ch == 'p')
			passfile = optarg;
		else
			return cli_usage("itl %s: bad option", sub);
	}
	argc -= optind;
	argv += optind;
	if (strcmp(sub, "build") == 0 && argc == 0)
		mode = 0;
	else if (strcmp(sub, "reset") == 0 && argc == 1 &&
	    strcmp(argv[0], "localkey") == 0)
		mode = 1;
	else if (strcmp(sub, "reset") == 0 && argc == 2 &&
	    strcmp(argv[0], "remotekey") == 0)
		mode = 2;
	else if (strcmp(sub, "copy") == 0 && argc == 1)
		mode = 3;
	else
		return cli_usage("itl: use build, reset localkey, reset "
		    "remotekey FILE or copy MAC");
	if (mode == 2) {
		if ((r = file_read(argv[1], BACKUP_MAX_FILE, &p12,
		    &p12len)) != 0)
			return cli_fail(r);
		/* a tlvsign backup, or a PKCS#12 file */
		is_backup = backup_sniff(p12, p12len);
		if (!is_backup && (r = read_p12_pass(passfile, 0, pass,
		    sizeof(pass))) != 0) {
			free(p12);
			return cli_fail(r);
		}
	}
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0) {
		if (mode == 2) {
			secret_wipe(pass, sizeof(pass));
			free(p12);
		}
		return cli_fail(r);
	}
	switch (mode) {
	case 0:
		r = ops_itl_publish(&a, node, &o, &res);
		break;
	case 1:
		o.signer = TF_SIGN_LOCALKEY;
		r = ops_itl_publish(&a, node, &o, &res);
		break;
	case 2:
		if (is_backup && (r = backup_passphrase(&a.conf, 0, pass,
		    sizeof(pass))) == 0)
			r = ops_itl_reset_remotekey_backup(&a, node, p12,
			    p12len, pass, &o, &res);
		else if (!is_backup)
			r = ops_itl_reset_remotekey(&a, node, p12, p12len, pass,
			    &o, &res);
		secret_wipe(pass, sizeof(pass));
		free(p12);
		break;
	default:
		r = ops_trustfile_copy(&a, TF_ITL, node, argv[0], path,
		    sizeof(path));
		break;
	}
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (mode == 3) {
		printf("%s\n", path);
		return EXIT_OK;
	}
	cli_print_published(c, mode == 1 ? "The ITL is signed by the "
	    "CallManager key until the next `tlvsign itl build`: reset the "
	    "phones so that they download it." : mode == 2 ? "The ITL is "
	    "signed by the ITLRecovery key of that file: reset the phones, then "
	    "run `tlvsign itl build`." : NULL, &res, 1);
	return EXIT_OK;
}

int
cmd_ctl(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tf_opts o;
	struct tf_result res;
	struct app a;
	const char *sub, *node = NULL, *msg;
	char path[4096];
	int ch, r, k, set_mode = 0, count = 0, copy = 0;

	if (argc < 2)
		return cli_usage("ctl: use set-cluster mixed-mode|"
		    "non-secure-mode, update, reset localkey or copy MAC");
	sub = argv[1];
	memset(&o, 0, sizeof(o));
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((k = cli_publish_option(ch, optarg, &o)) < 0)
			return EXIT_USAGE;
		if (k == 0 && ch == 'n')
			node = optarg;
		else if (k == 0)
			return cli_usage("ctl %s: bad option", sub);
	}
	argc -= optind;
	argv += optind;
	if (strcmp(sub, "set-cluster") == 0 && argc == 1 &&
	    strcmp(argv[0], "mixed-mode") == 0) {
		set_mode = 1;
		msg = "Cluster set to Mixed Mode. Restart the CallManager and "
		    "TFTP services on every node, then reset the phones.";
	} else if (strcmp(sub, "set-cluster") == 0 && argc == 1 &&
	    strcmp(argv[0], "non-secure-mode") == 0) {
		set_mode = 2;
		msg = "Cluster set to Non-Secure Mode. Restart the CallManager "
		    "and TFTP services on every node, then reset the phones.";
	} else if (strcmp(sub, "update") == 0 && argc == 0) {
		msg = "CTLFile.tlv updated. Reset the phones so that they "
		    "download it.";
	} else if (strcmp(sub, "reset") == 0 && argc == 1 &&
	    strcmp(argv[0], "localkey") == 0) {
		o.signer = TF_SIGN_LOCALKEY;
		msg = "CTLFile.tlv signed by the CallManager key. Reset the "
		    "phones in batches, then run `tlvsign ctl update` to have "
		    "ITLRecovery sign it again.";
	} else if (strcmp(sub, "copy") == 0 && argc == 1) {
		copy = 1;
		msg = NULL;
	} else {
		return cli_usage("ctl: use set-cluster mixed-mode|"
		    "non-secure-mode, update, reset localkey or copy MAC");
	}
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	if (copy)
		r = ops_trustfile_copy(&a, TF_CTL, node, argv[0], path,
		    sizeof(path));
	else
		r = ops_ctl_publish(&a, set_mode, &o, &res, &count);
	app_close(&a);
	if (r != 0)
		return cli_fail(r);
	if (copy)
		printf("%s\n", path);
	else
		cli_print_published(c, msg, &res, count);
	return EXIT_OK;
}

static int
read_trustlist(const char *path, uint8_t **data, size_t *len,
    struct trustlist *tl)
{
	int r;

	if ((r = file_read(path, 1024 * 1024, data, len)) != 0)
		return r;
	if ((r = trustlist_parse(*data, *len, tl)) != 0) {
		struct ts_saved_error saved;

		ts_error_save(&saved);
		free(*data);
		*data = NULL;
		return ts_error(r, "%s: %s", path, saved.detail);
	}
	return 0;
}

/* FROM names the phone's ITL ("none": it holds nothing). */
int
cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "tvs-store", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct trustlist from, ctl, to;
	uint8_t *fd = NULL, *cd = NULL, *td = NULL, *sd = NULL;
	size_t fl, cl, tlen, sl;
	const char *ctlfile = NULL, *storefile = NULL;
	struct gate_store gs;
	struct phone ph;
	struct phone_verdict v;
	enum phone_new_kind kind;
	struct app a;
	char name[64];
	int ch, r, have_from = 0, have_ctl = 0, have_to = 0, have_store = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'c')
			ctlfile = optarg;
		else if (ch == 't')
			storefile = optarg;
		else
			return cli_usage("check: bad option");
	}
	if (optind != argc - 2)
		return cli_usage("check FROM TO [--ctl FILE] [--tvs-store "
		    "FILE] (FROM: the phone's ITL, or none)");
	memset(&ph, 0, sizeof(ph));
	if (strcmp(argv[optind], "none") != 0) {
		if ((r = read_trustlist(argv[optind], &fd, &fl, &from)) != 0)
			goto fail;
		have_from = 1;
		ph.itl = &from;
	}
	if (ctlfile != NULL) {
		if ((r = read_trustlist(ctlfile, &cd, &cl, &ctl)) != 0)
			goto fail;
		have_ctl = 1;
		ph.ctl = &ctl;
	}
	if ((r = read_trustlist(argv[optind + 1], &td, &tlen, &to)) != 0)
		goto fail;
	have_to = 1;
	/* what the new file is: a .sgn has version 1.0, a CTL its name */
	{
		char *fn = tl_field_str(&to.hdr.filename);

		snprintf(name, sizeof(name), "%s", fn ? fn : "");
		free(fn);
	}
	if (to.hdr.ver_major == 1 && to.hdr.ver_minor == 0)
		kind = PHONE_NEW_SGN;
	else if (strncmp(name, "CTL", 3) == 0)
		kind = PHONE_NEW_CTL;
	else
		kind = PHONE_NEW_ITL;
	/* the TVS store: a PEM file, else this appliance's inventory */
	if (storefile != NULL) {
		if ((r = file_read(storefile, 1024 * 1024, &sd, &sl)) != 0 ||
		    (r = gate_store_from_pem(sd, sl, &gs)) != 0)
			goto fail;
		have_store = 1;
	} else if (app_open(c->config, APP_INVENTORY, &a) == 0) {
		r = gate_store_load(&a, &gs);
		app_close(&a);
		if (r != 0)
			goto fail;
		have_store = 1;
	} else {
		ts_error_clear();
		memset(&gs, 0, sizeof(gs));
	}
	if ((r = phone_check(&ph, &gs.s, kind, &to, tlen, &v)) != 0)
		goto fail;
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "accepted", json_boolean(v.accepted));
		json_object_set_new(o, "rule", json_integer(v.rule));
		json_object_set_new(o, "reason", json_string(v.reason));
		if (!v.accepted)
			json_object_set_new(o, "advice", json_string(
			    gate_advice(&ph, &gs.s, kind == PHONE_NEW_CTL, &to,
			    &v)));
		cli_json_print(o);
	} else {
		printf("%s (rule %d): %s\n", v.accepted ? "accepted" :
		    "rejected", v.rule, v.reason);
		if (!v.accepted)
			printf("safe sequence: %s\n", gate_advice(&ph, &gs.s,
			    kind == PHONE_NEW_CTL, &to, &v));
	}
	r = v.accepted ? EXIT_OK : EXIT_FAIL;
	goto out;
fail:
	r = cli_fail(r);
out:
	if (have_store)
		gate_store_free(&gs);
	if (have_from)
		trustlist_free(&from);
	if (have_ctl)
		trustlist_free(&ctl);
	if (have_to)
		trustlist_free(&to);
	free(fd);
	free(cd);
	free(td);
	free(sd);
	return r;
}
