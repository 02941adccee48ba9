/* show.c - `tlvsign show itl|ctl [FILE]`: text in the reference product's
 * shape (FORMATS.md section 4), or JSON. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/inspect.h"
#include "util/error.h"
#include "x509/cert.h"

#include <openssl/pem.h>

static const char *
header_tag_name(uint8_t tag)
{
	switch (tag) {
	case TL_H_VERSION: return "VERSION";
	case TL_H_HEADER_LENGTH: return "HEADERLENGTH";
	case TL_H_SIGNER_INFO: return "SIGNERID";
	case TL_H_SIGNER_NAME: return "SIGNERNAME";
	case TL_H_SERIAL_NUMBER: return "SERIALNUMBER";
	case TL_H_ISSUER_NAME: return "CANAME";
	case TL_H_SIGNATURE_INFO: return "SIGNATUREINFO";
	case TL_H_HASH_ALGORITHM: return "DIGESTALGORTITHM";
	case TL_H_SIGNATURE_ALGORITHM_INFO: return "SIGNATUREALGOINFO";
	case TL_H_SIGNATURE_ALGORITHM: return "SIGNATUREALGORTITHM";
	case TL_H_SIGNATURE_MODULUS: return "SIGNATUREMODULUS";
	case TL_H_SIGNATURE: return "SIGNATURE";
	case TL_H_FILENAME: return "FILENAME";
	case TL_H_TIMESTAMP: return "TIMESTAMP";
	case TL_H_SIGNER_VERSION: return "SIGNERVERSION";
	case TL_H_ENC_INFO: return "ENCRYPTIONINFO";
	case TL_H_ENC_IV_INFO: return "IVINFO";
	case TL_H_ENC_IV_TYPE: return "IVTYPE";
	case TL_H_ENC_IV: return "IV";
	case TL_H_ENC_PADDING: return "PADDING";
	case TL_H_ENC_KEY_INFO: return "KEYINFO";
	case TL_H_ENC_KEY_TYPE: return "KEYTYPE";
	case TL_H_ENC_KEY_BITS: return "KEYSIZE";
	case TL_H_ENC_KEY_ALG: return "KEYALGORITHM";
	case TL_H_ENC_KEY: return "ENCRYPTEDKEY";
	case TL_H_ENC_DIGEST_ALG: return "DIGESTALGORITHM";
	case TL_H_ENC_DIGEST: return "DIGEST";
	}
	return "UNKNOWN";
}

static const char *
record_tag_name(uint8_t tag)
{
	switch (tag) {
	case TL_R_RECORD_LENGTH: return "RECORDLENGTH";
	case TL_R_DNS_NAME: return "DNSNAME";
	case TL_R_SUBJECT_NAME: return "SUBJECTNAME";
	case TL_R_ROLE: return "FUNCTION";
	case TL_R_ISSUER_NAME: return "ISSUERNAME";
	case TL_R_SERIAL_NUMBER: return "SERIALNUMBER";
	case TL_R_PUBLIC_KEY: return "PUBLICKEY";
	case TL_R_SIGNATURE: return "SIGNATURE";
	case TL_R_CERTIFICATE: return "CERTIFICATE";
	case TL_R_IP_ADDRESS: return "IPADDRESS";
	case TL_R_CERTIFICATE_HASH: return "CERTHASH";
	case TL_R_HASH_ALGORITHM: return "HASH ALGORITHM";
	}
	return "UNKNOWN";
}

static int
is_container(uint8_t tag)
{
	return tag == TL_H_SIGNER_INFO || tag == TL_H_SIGNATURE_INFO ||
	    tag == TL_H_SIGNATURE_ALGORITHM_INFO || tag == TL_H_ENC_INFO ||
	    tag == TL_H_ENC_IV_INFO || tag == TL_H_ENC_KEY_INFO;
}

static char *
str_of(const struct tlv *e)
{
	struct tl_field f = { e->val, e->len, 1 };

	return tl_field_str(&f);
}

static void
print_serial(const uint8_t *p, size_t n)
{
	char buf[3 * 256 + 1];

	if (n > 256)
		n = 256;
	hex_colon(p, n, buf);
	printf("%s", buf);
}

static void
print_str_elem(const struct tlv *e)
{
	char *s = str_of(e);

	printf("%s", s ? s : "");
	free(s);
}

static void
print_hex_rows(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			printf("\t\t");
		printf("%02x%s", p[i], (i % 8 == 7 || i + 1 == n) ? "\n" : "  ");
	}
}

static void
print_header(const struct tl_report *rep, int verbose)
{
	const struct trustlist_header *h = &rep->tl.hdr;
	size_t i;

	printf("Version:\t%u.%u\n", h->ver_major, h->ver_minor);
	printf("HeaderLength:\t%u (BYTES)\n\n", h->header_length);
	printf("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n");
	printf("-------\t---\t\t------\t-----\n");
	for (i = 0; i < h->nelems; i++) {
		const struct tlv *e = &h->elems[i];

		if (e->tag == TL_H_VERSION || e->tag == TL_H_HEADER_LENGTH)
			continue;
		if (is_container(e->tag)) {
			printf("%u\t%s\t2\t%u\n", e->tag, header_tag_name(e->tag),
			    e->len);
			continue;
		}
		printf("%u\t%s\t%u", e->tag, header_tag_name(e->tag), e->len);
		switch (e->tag) {
		case TL_H_SIGNER_NAME:
		case TL_H_ISSUER_NAME:
			printf("\t");
			print_str_elem(e);
			break;
		case TL_H_SERIAL_NUMBER:
			printf("\t");
			print_serial(e->val, e->len);
			break;
		case TL_H_SIGNER_VERSION:
			if (e->len == 2)
				printf("\t%u.%u", e->val[0], e->val[1]);
			break;
		case TL_H_SIGNATURE:
			printf("\n");
			print_hex_rows(e->val, e->len);
			continue;
		case TL_H_HASH_ALGORITHM:
			if (verbose && e->len == 1)
				printf("\t\t(%s)", trustlist_hash_name(e->val[0]) ?
				    trustlist_hash_name(e->val[0]) : "unknown");
			break;
		case TL_H_FILENAME:
			if (verbose) {
				printf("\t\t(");
				print_str_elem(e);
				printf(")");
			}
			break;
		case TL_H_TIMESTAMP:
			if (verbose && e->len == 4) {
				time_t t = (time_t)(((uint32_t)e->val[0] << 24) |
				    ((uint32_t)e->val[1] << 16) |
				    ((uint32_t)e->val[2] << 8) | e->val[3]);
				char tb[64];
				strftime(tb, sizeof(tb), "%a %b %e %H:%M:%S UTC %Y",
				    gmtime(&t));
				printf("\t\t(%s)", tb);
			}
			break;
		}
		printf("\n");
	}
}

static void
print_record(const struct tl_report *rep, size_t idx, const char *kind)
{
	const struct trustlist_record *rec = &rep->tl.records[idx];
	size_t i, j;

	printf("\n\t%s Record #:%zu\n\t----\n", kind, idx + 1);
	printf("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n");
	printf("-------\t---\t\t------\t-----\n");
	for (i = 0; i < rec->nelems; i++) {
		const struct tlv *e = &rec->elems[i];

		printf("%u\t%s\t%u", e->tag, record_tag_name(e->tag), e->len);
		switch (e->tag) {
		case TL_R_RECORD_LENGTH:
			printf("\t%u", rec->length);
			break;
		case TL_R_DNS_NAME:
		case TL_R_SUBJECT_NAME:
		case TL_R_ISSUER_NAME:
			printf("\t");
			print_str_elem(e);
			break;
		case TL_R_ROLE:
			if (e->len == 2) {
				uint16_t role = (uint16_t)(e->val[0] << 8 |
				    e->val[1]);
				const char *nm = trustlist_role_name(role);
				if (nm != NULL)
					printf("\t%s", nm);
				else
					printf("\t%u", role);
			}
			break;
		case TL_R_SERIAL_NUMBER:
			printf("\t");
			print_serial(e->val, e->len);
			break;
		case TL_R_CERTIFICATE:
			printf("\t");
			for (j = 0; rep->cert_sha1[idx][j] != '\0'; j += 2)
				printf("%c%c ", rep->cert_sha1[idx][j] - 32 *
				    (rep->cert_sha1[idx][j] >= 'a'),
				    rep->cert_sha1[idx][j + 1] - 32 *
				    (rep->cert_sha1[idx][j + 1] >= 'a'));
			printf("(SHA1 Hash HEX)");
			break;
		case TL_R_IP_ADDRESS:
			if (e->len == 4)
				printf("\t%u.%u.%u.%u", e->val[0], e->val[1],
				    e->val[2], e->val[3]);
			break;
		}
		printf("\n");
	}
	if (rec->has_role && rec->role == TL_ROLE_SAST)
		printf("This etoken was %sused to sign the %s file.\n",
		    (int)idx == rep->signer ? "" : "not ", kind);
}

static void
print_text(const struct tl_report *rep, const char *kind, int verbose)
{
	char tb[64];
	size_t i;

	printf("The checksum value of the %s file:\n", kind);
	printf("%s(MD5)\n%s(SHA1)\n\n", rep->md5, rep->sha1);
	printf("Length of %s file: %zu\n", kind, rep->len);
	strftime(tb, sizeof(tb), "%a %b %e %H:%M:%S UTC %Y",
	    gmtime(&rep->mtime));
	printf("The %s File was last modified on %s\n", kind, tb);
	if (rep->over_limit)
		printf("WARNING: the %s file is %zu bytes, over the 65,535-byte "
		    "limit phones accept: phones will not load it.\n", kind,
		    rep->len);
	printf("\n\tParse %s File\n\t----------------\n\n", kind);
	print_header(rep, verbose);
	for (i = 0; i < rep->tl.nrecords; i++)
		print_record(rep, i, kind);
	printf("\n");
	if (rep->verify_rc == 0)
		printf("The %s file was verified successfully.\n", kind);
	else
		printf("The %s file signature could not be verified: %s\n",
		    kind, rep->verify_msg);
}

static json_t *
jstr_field(const struct tl_field *f)
{
	char *s = tl_field_str(f);
	json_t *v = f->present && s ? json_string(s) : json_null();

	free(s);
	return v;
}

static json_t *
jserial(const struct tl_field *f)
{
	char buf[3 * 256 + 1];

	if (!f->present || f->len > 256)
		return json_null();
	hex_colon(f->p, f->len, buf);
	return json_string(buf);
}

static json_t *
json_report(const struct tl_report *rep)
{
	const struct trustlist_header *h = &rep->tl.hdr;
	json_t *root = json_object(), *hdr = json_object(), *recs = json_array();
	char ver[16];
	size_t i, j;

	json_object_set_new(root, "file", json_string(rep->path));
	json_object_set_new(root, "length", json_integer((json_int_t)rep->len));
	json_object_set_new(root, "md5", json_string(rep->md5));
	json_object_set_new(root, "sha1", json_string(rep->sha1));
	json_object_set_new(root, "sha256", json_string(rep->sha256));
	json_object_set_new(root, "modified",
	    json_integer((json_int_t)rep->mtime));
	json_object_set_new(root, "over_size_limit",
	    json_boolean(rep->over_limit));
	snprintf(ver, sizeof(ver), "%u.%u", h->ver_major, h->ver_minor);
	json_object_set_new(hdr, "version", json_string(ver));
	json_object_set_new(hdr, "header_length",
	    json_integer(h->header_length));
	if (h->has_signer_version) {
		snprintf(ver, sizeof(ver), "%u.%u", h->sv_major, h->sv_minor);
		json_object_set_new(hdr, "signer_version", json_string(ver));
	}
	json_object_set_new(hdr, "signer_name", jstr_field(&h->signer_name));
	json_object_set_new(hdr, "serial_number", jserial(&h->serial));
	json_object_set_new(hdr, "issuer_name", jstr_field(&h->issuer_name));
	json_object_set_new(hdr, "hash_algorithm",
	    trustlist_hash_name(h->hash_alg) ?
	    json_string(trustlist_hash_name(h->hash_alg)) :
	    json_integer(h->hash_alg));
	json_object_set_new(hdr, "signature_algorithm",
	    json_integer(h->sig_alg));
	json_object_set_new(hdr, "signature_modulus",
	    json_integer(h->sig_modulus));
	json_object_set_new(hdr, "signature_length",
	    json_integer(h->signature.len));
	json_object_set_new(hdr, "filename", jstr_field(&h->filename));
	json_object_set_new(hdr, "timestamp", json_integer(h->timestamp));
	json_object_set_new(root, "header", hdr);
	for (i = 0; i < rep->tl.nrecords; i++) {
		const struct trustlist_record *r = &rep->tl.records[i];
		json_t *o = json_object(), *unknown = json_array();
		const char *rn = r->has_role ? trustlist_role_short(r->role) :
		    NULL;
		char ip[16];

		json_object_set_new(o, "index", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "offset", json_integer((json_int_t)r->off));
		json_object_set_new(o, "length", json_integer(r->length));
		json_object_set_new(o, "dns_name", jstr_field(&r->dns_name));
		json_object_set_new(o, "subject_name", jstr_field(&r->subject));
		json_object_set_new(o, "role", r->has_role ?
		    json_integer(r->role) : json_null());
		json_object_set_new(o, "role_name", rn ? json_string(rn) :
		    json_null());
		json_object_set_new(o, "issuer_name", jstr_field(&r->issuer));
		json_object_set_new(o, "serial_number", jserial(&r->serial));
		json_object_set_new(o, "public_key_length",
		    json_integer(r->pubkey.len));
		json_object_set_new(o, "certificate_length",
		    json_integer(r->cert.len));
		json_object_set_new(o, "certificate_sha1",
		    rep->cert_sha1[i][0] ? json_string(rep->cert_sha1[i]) :
		    json_null());
		if (r->ip.present && r->ip.len == 4) {
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", r->ip.p[0],
			    r->ip.p[1], r->ip.p[2], r->ip.p[3]);
			json_object_set_new(o, "ip_address", json_string(ip));
		} else {
			json_object_set_new(o, "ip_address", json_null());
		}
		json_object_set_new(o, "signer",
		    json_boolean((int)i == rep->signer));
		for (j = 0; j < r->nelems; j++)
			if (r->elems[j].tag > TL_R_HASH_ALGORITHM)
				json_array_append_new(unknown,
				    json_integer(r->elems[j].tag));
		json_object_set_new(o, "unknown_tags", unknown);
		json_array_append_new(recs, o);
	}
	json_object_set_new(root, "records", recs);
	json_object_set_new(root, "verified", json_boolean(rep->verify_rc == 0));
	json_object_set_new(root, "error", rep->verify_rc == 0 ? json_null() :
	    json_string(rep->verify_msg));
	return root;
}

struct find_serial {
	const struct tl_field *serial;
	X509 *found;
};

static int
match_serial(const struct cert_row *row, void *arg)
{
	struct find_serial *fs = arg;
	uint8_t *serial = NULL;
	size_t len;
	X509 *x;

	if (fs->found != NULL || cert_from_der(row->der, row->der_len, &x) != 0)
		return 0;
	if (cert_serial(x, &serial, &len) == 0 && len == fs->serial->len &&
	    memcmp(serial, fs->serial->p, len) == 0)
		fs->found = x;
	else
		X509_free(x);
	free(serial);
	return 0;
}

/* show sgn FILE [--cert PEM]: the signer from --cert, else the inventory's
 * certificate with the header's serial. */
static int
show_sgn(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_report rep;
	struct find_serial fs = { NULL, NULL };
	struct app a;
	const uint8_t *payload;
	const char *certfile = NULL;
	size_t plen;
	FILE *fp;
	int ch, r, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'c')
			return cli_usage("show sgn: bad option");
		certfile = optarg;
	}
	if (optind != argc - 1)
		return cli_usage("show sgn FILE [--cert PEM]");
	if (certfile != NULL) {
		if ((fp = fopen(certfile, "r")) == NULL ||
		    (fs.found = PEM_read_X509(fp, NULL, NULL, NULL)) == NULL) {
			if (fp != NULL)
				fclose(fp);
			return cli_fail(ts_error(TS_ERR_FORMAT, "%s: no PEM "
			    "certificate", certfile));
		}
		fclose(fp);
	}
	/* parse once to learn the serial, then look the signer up */
	if ((r = ops_sgn_inspect(argv[optind], fs.found, &rep, &payload,
	    &plen)) != 0) {
		X509_free(fs.found);
		return cli_fail(r);
	}
	if (fs.found == NULL && app_open(c->config, APP_INVENTORY, &a) == 0) {
		fs.serial = &rep.tl.hdr.serial;
		inventory_cert_list(a.inv, match_serial, &fs);
		app_close(&a);
		if (fs.found != NULL) {
			tl_report_free(&rep);
			r = ops_sgn_inspect(argv[optind], fs.found, &rep,
			    &payload, &plen);
		}
	}
	ts_error_clear();
	X509_free(fs.found);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *o = json_report(&rep);
		json_object_set_new(o, "payload_length",
		    json_integer((json_int_t)plen));
		cli_json_print(o);
	} else {
		char tb[64];

		printf("The checksum value of the signed file:\n%s(MD5)\n"
		    "%s(SHA1)\n\nLength of signed file: %zu (%zu bytes signed "
		    "behind a %u-byte header)\n", rep.md5, rep.sha1, rep.len,
		    plen, rep.tl.hdr.header_length);
		strftime(tb, sizeof(tb), "%a %b %e %H:%M:%S UTC %Y",
		    gmtime(&rep.mtime));
		printf("The file was last modified on %s\n\n", tb);
		print_header(&rep, 1);
		printf("\n");
		if (rep.verify_rc == 0)
			printf("The signed file was verified successfully.\n");
		else
			printf("The signed file could not be verified: %s\n",
			    rep.verify_msg);
	}
	rc = rep.verify_rc == 0 ? EXIT_OK : EXIT_FAIL;
	if (rc != EXIT_OK)
		fprintf(stderr, "tlvsign: %s: %s\n", argv[optind],
		    rep.verify_msg);
	tl_report_free(&rep);
	return rc;
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	struct tl_report rep;
	struct app a;
	char path[4096];
	const char *kind, *file;
	int r, rc;

	if (argc < 2)
		return cli_usage("show: say what to show: itl, ctl or sgn");
	if (strcmp(argv[1], "sgn") == 0)
		return show_sgn(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "itl") == 0)
		kind = "ITL";
	else if (strcmp(argv[1], "ctl") == 0)
		kind = "CTL";
	else
		return cli_usage("show: unknown item \"%s\": use itl, ctl or sgn",
		    argv[1]);
	if (argc > 3)
		return cli_usage("show %s: one FILE at most", argv[1]);
	file = argc == 3 ? argv[2] : NULL;
	if (file == NULL) {
		/* the file published for the publisher node */
		if ((r = app_open(c->config, 0, &a)) != 0)
			return cli_fail(r);
		snprintf(path, sizeof(path), "%s/%s", a.conf.tftp_dir,
		    kind[0] == 'I' ? "ITLFile.tlv" : "CTLFile.tlv");
		app_close(&a);
		file = path;
	}
	if ((r = ops_trustlist_inspect(file, &rep)) != 0)
		return cli_fail(r);
	if (c->json)
		cli_json_print(json_report(&rep));
	else
		print_text(&rep, kind, c->verbose);
	rc = rep.verify_rc == 0 ? EXIT_OK : EXIT_FAIL;
	if (rc != EXIT_OK)
		fprintf(stderr, "tlvsign: %s: %s\n", file, rep.verify_msg);
	tl_report_free(&rep);
	return rc;
}
