/* conf.c - tlvsign.conf reader. */
#include "util/conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

struct conf_key {
	const char *section;
	const char *key;
	size_t off;
	int is_path;
};

#define K(s, k, f, p) { s, k, offsetof(struct conf, f), p }
static const struct conf_key keys[] = {
	K("token", "module", module, 1),
	K("token", "uri", token_uri, 0),
	K("token", "pin-file", pin_file, 1),
	K("token", "copy-keys", copy_keys_text, 0),
	K("cluster", "name", cluster_name, 0),
	K("cluster", "state-dir", state_dir, 1),
	K("cluster", "tftp-dir", tftp_dir, 1),
	K("cluster", "hostname", hostname, 0),
	K("cluster", "domain", domain, 0),
	K("cluster", "ip-address", ip_address, 0),
	K("certificate", "ou", subj_ou, 0),
	K("certificate", "o", subj_o, 0),
	K("certificate", "l", subj_l, 0),
	K("certificate", "st", subj_st, 0),
	K("certificate", "c", subj_c, 0),
	K("backup", "directory", backup_dir, 1),
	K("backup", "passphrase-file", backup_passphrase_file, 1),
	K("backup", "kdf-iterations", backup_kdf_iterations, 0),
	K("tvs", "listen", tvs_listen_text, 0),
	K("tvs", "ttl", tvs_ttl_text, 0),
	K("tvs", "max-connections", tvs_max_conn_text, 0),
	K("tvs", "timeout", tvs_timeout_text, 0),
	K("tvs", "tls1.0", tvs_tls10_text, 0),
	K("api", "listen", api_listen_text, 0),
	K("api", "officer", api_officer, 0),
	K("api", "publisher", api_publisher, 0),
	K("api", "auditor", api_auditor, 0),
};
#undef K

static char **
field(struct conf *c, const struct conf_key *k)
{
	return (char **)((char *)c + k->off);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Resolve a relative path against the configuration file's directory. */
static char *
resolve(const char *confpath, const char *v)
{
	const char *slash;
	char *out;
	size_t dlen;

	if (v[0] == '/' || confpath == NULL ||
	    (slash = strrchr(confpath, '/')) == NULL)
		return strdup(v);
	dlen = (size_t)(slash - confpath);
	if ((out = malloc(dlen + 1 + strlen(v) + 1)) == NULL)
		return NULL;
	memcpy(out, confpath, dlen);
	out[dlen] = '/';
	strcpy(out + dlen + 1, v);
	return out;
}

static int
set_default(char **f, const char *v)
{
	if (*f != NULL || v == NULL)
		return 0;
	if ((*f = strdup(v)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	return 0;
}

static int
parse_file(FILE *fp, const char *path, struct conf *c)
{
	char line[1024], section[64] = "";
	unsigned lineno = 0;
	size_t i;

	while (fgets(line, sizeof(line), fp) != NULL) {
		char *s, *eq, *key, *val, **f;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp))
			return ts_error(TS_ERR_CONFIG, "%s:%u: line too long",
			    path, lineno);
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end == NULL || end[1] != '\0' ||
			    (size_t)(end - s - 1) >= sizeof(section))
				return ts_error(TS_ERR_CONFIG,
				    "%s:%u: malformed section header", path,
				    lineno);
			*end = '\0';
			strcpy(section, trim(s + 1));
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (strcmp(keys[i].section, section) == 0)
					break;
			if (i == sizeof(keys) / sizeof(keys[0]))
				return ts_error(TS_ERR_CONFIG,
				    "%s:%u: unknown section [%s]", path,
				    lineno, section);
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL)
			return ts_error(TS_ERR_CONFIG,
			    "%s:%u: expected \"key = value\"", path, lineno);
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].section, section) == 0 &&
			    strcmp(keys[i].key, key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return ts_error(TS_ERR_CONFIG,
			    "%s:%u: unknown key \"%s\" in [%s]", path, lineno,
			    key, section);
		f = field(c, &keys[i]);
		if (*f != NULL)
			return ts_error(TS_ERR_CONFIG,
			    "%s:%u: \"%s\" given twice", path, lineno, key);
		if (*val == '\0')
			continue;
		*f = keys[i].is_path ? resolve(path, val) : strdup(val);
		if (*f == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	if (ferror(fp))
		return ts_error(TS_ERR_CONFIG, "%s: read error", path);
	return 0;
}

/* A decimal number in [min, max]. */
static int
parse_uint(const char *key, const char *s, unsigned min, unsigned max,
    unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		return ts_error(TS_ERR_CONFIG, "[tvs] %s \"%s\" is not a number "
		    "from %u to %u", key, s, min, max);
	*out = (unsigned)v;
	return 0;
}

/* "ADDRESS:PORT" with a numeric IPv4 address, or "[IPv6]:PORT". */
static int
parse_listen(const char *section, const char *s, char *host, size_t hsize,
    unsigned *port)
{
	const char *text = s, *colon;
	size_t hlen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    strchr(s, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hsize)
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (parse_uint("listen port", colon + 1, 0, 65535, port) != 0)
		goto bad;
	return 0;
bad:
	return ts_error(TS_ERR_CONFIG, "[%s] listen \"%s\" is not "
	    "ADDRESS:PORT (an IPv6 address in brackets)", section, text);
}

/* A list of SHA-256 fingerprints (hex, colons and case free) separated
 * by commas or spaces, each mapped to role; one role per fingerprint. */
static int
parse_clients(struct conf *c, const char *list, const char *role)
{
	const char *p = list;
	struct conf_api_client *grown;
	char hex[65];
	size_t n, i;

	while (p != NULL && *p != '\0') {
		n = 0;
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p)) {
			if (*p != ':') {
				if (!isxdigit((unsigned char)*p) || n == 64)
					goto bad;
				hex[n++] = (char)tolower((unsigned char)*p);
			}
			p++;
		}
		if (n != 64)
			goto bad;
		hex[64] = '\0';
		for (i = 0; i < c->napi_clients; i++)
			if (strcmp(c->api_clients[i].sha256, hex) == 0)
				return ts_error(TS_ERR_CONFIG, "[api] client "
				    "%.16s... is both %s and %s: one role per "
				    "certificate", hex, c->api_clients[i].role,
				    role);
		if ((grown = realloc(c->api_clients, (c->napi_clients + 1) *
		    sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		c->api_clients = grown;
		memcpy(grown[c->napi_clients].sha256, hex, sizeof(hex));
		snprintf(grown[c->napi_clients].role,
		    sizeof(grown[0].role), "%s", role);
		c->napi_clients++;
	}
	return 0;
bad:
	return ts_error(TS_ERR_CONFIG, "[api] %s: \"%.80s\" is not a list of "
	    "SHA-256 fingerprints (64 hex digits each)", role, list);
}

static int
validate_api(struct conf *c)
{
	int r;

	if (strcmp(c->api_listen_text, "off") == 0)
		c->api.enabled = 0;
	else if ((r = parse_listen("api", c->api_listen_text, c->api.host,
	    sizeof(c->api.host), &c->api.port)) != 0)
		return r;
	else
		c->api.enabled = 1;
	if ((r = parse_clients(c, c->api_officer, "officer")) != 0 ||
	    (r = parse_clients(c, c->api_publisher, "publisher")) != 0 ||
	    (r = parse_clients(c, c->api_auditor, "auditor")) != 0)
		return r;
	return 0;
}

static int
parse_yes_no(const char *what, const char *text, int *out)
{
	if (strcmp(text, "yes") == 0)
		*out = 1;
	else if (strcmp(text, "no") == 0)
		*out = 0;
	else
		return ts_error(TS_ERR_CONFIG, "%s is yes or no, not \"%s\"",
		    what, text);
	return 0;
}

static int
validate_tvs(struct conf *c)
{
	int r;

	if ((r = parse_listen("tvs", c->tvs_listen_text, c->tvs.host,
	    sizeof(c->tvs.host), &c->tvs.port)) != 0 ||
	    (r = parse_uint("ttl", c->tvs_ttl_text, 1, 0x7fffffff,
	    &c->tvs.ttl)) != 0 ||
	    (r = parse_uint("max-connections", c->tvs_max_conn_text, 1,
	    100000, &c->tvs.max_conn)) != 0 ||
	    (r = parse_uint("timeout", c->tvs_timeout_text, 1, 3600,
	    &c->tvs.timeout)) != 0)
		return r;
	return parse_yes_no("[tvs] tls1.0", c->tvs_tls10_text, &c->tvs.tls10);
}

static int
validate(struct conf *c)
{
	const char *p;
	int r;

	for (p = c->hostname; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return ts_error(TS_ERR_CONFIG,
			    "[cluster] hostname \"%s\" is not a host name "
			    "(letters, digits and '-' only)", c->hostname);
	if (c->domain != NULL)
		for (p = c->domain; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '.')
				return ts_error(TS_ERR_CONFIG,
				    "[cluster] domain \"%s\" is not a domain "
				    "name", c->domain);
	if (c->subj_c != NULL && strlen(c->subj_c) != 2)
		return ts_error(TS_ERR_CONFIG,
		    "[certificate] c must be a two-letter country code");
	if (conf_kdf_iterations(c) == 0)
		return ts_error(TS_ERR_CONFIG, "[backup] kdf-iterations must "
		    "be a number from %u to %u", CONF_KDF_ITERATIONS_MIN,
		    CONF_KDF_ITERATIONS_MAX);
	if ((r = parse_yes_no("[token] copy-keys", c->copy_keys_text,
	    &c->copy_keys)) != 0 ||
	    (r = validate_tvs(c)) != 0)
		return r;
	return validate_api(c);
}

int
conf_load(const char *path, struct conf *c)
{
	FILE *fp = NULL;
	char host[HOST_NAME_MAX + 1];
	const char *env;
	char *state_tftp = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if (path == NULL && (env = getenv("TLVSIGN_CONF")) != NULL &&
	    *env != '\0')
		path = env;
	if (path != NULL) {
		if ((fp = fopen(path, "r")) == NULL)
			return ts_error(TS_ERR_CONFIG, "cannot read %s: %s",
			    path, strerror(errno));
	} else if ((fp = fopen(TLVSIGN_DEFAULT_CONF, "r")) != NULL) {
		path = TLVSIGN_DEFAULT_CONF;
	} else if (errno != ENOENT) {
		return ts_error(TS_ERR_CONFIG, "cannot read %s: %s",
		    TLVSIGN_DEFAULT_CONF, strerror(errno));
	}
	if (path != NULL && (c->path = strdup(path)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (fp != NULL && (r = parse_file(fp, path, c)) != 0)
		goto out;

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[strcspn(host, ".")] = '\0';
	if ((r = set_default(&c->module, TLVSIGN_DEFAULT_MODULE)) != 0 ||
	    (r = set_default(&c->token_uri, "pkcs11:token=tlvsign")) != 0 ||
	    (r = set_default(&c->copy_keys_text, "yes")) != 0 ||
	    (r = set_default(&c->cluster_name, "cluster1")) != 0 ||
	    (r = set_default(&c->state_dir, "/var/lib/tlvsign")) != 0 ||
	    (r = set_default(&c->hostname, host)) != 0 ||
	    (r = set_default(&c->ip_address, "127.0.0.1")) != 0 ||
	    (r = set_default(&c->tvs_listen_text, "0.0.0.0:2445")) != 0 ||
	    (r = set_default(&c->tvs_ttl_text, "86400")) != 0 ||
	    (r = set_default(&c->tvs_max_conn_text, "1024")) != 0 ||
	    (r = set_default(&c->tvs_timeout_text, "10")) != 0 ||
	    (r = set_default(&c->tvs_tls10_text, "no")) != 0 ||
	    (r = set_default(&c->api_listen_text, "127.0.0.1:8443")) != 0)
		goto out;
	if (c->tftp_dir == NULL) {
		if (asprintf(&state_tftp, "%s/tftp", c->state_dir) < 0) {
			r = ts_error(TS_ERR_NOMEM, "out of memory");
			goto out;
		}
		c->tftp_dir = state_tftp;
	}
	if (c->backup_dir == NULL &&
	    asprintf(&c->backup_dir, "%s/backups", c->state_dir) < 0) {
		c->backup_dir = NULL;
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (c->domain != NULL)
		r = asprintf(&c->fqdn, "%s.%s", c->hostname, c->domain) < 0;
	else
		r = (c->fqdn = strdup(c->hostname)) == NULL;
	if (r != 0) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = validate(c);
out:
	if (fp != NULL)
		fclose(fp);
	if (r != 0)
		conf_free(c);
	return r;
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		free(*field(c, &keys[i]));
		*field(c, &keys[i]) = NULL;
	}
	free(c->fqdn);
	free(c->path);
	free(c->api_clients);
	c->api_clients = NULL;
	c->napi_clients = 0;
	c->fqdn = c->path = NULL;
}

unsigned
conf_kdf_iterations(const struct conf *c)
{
	unsigned long v;
	char *end;

	if (c->backup_kdf_iterations == NULL)
		return CONF_KDF_ITERATIONS_MIN;
	errno = 0;
	v = strtoul(c->backup_kdf_iterations, &end, 10);
	if (errno != 0 || end == c->backup_kdf_iterations || *end != '\0' ||
	    !isdigit((unsigned char)c->backup_kdf_iterations[0]) ||
	    v < CONF_KDF_ITERATIONS_MIN || v > CONF_KDF_ITERATIONS_MAX)
		return 0;
	return (unsigned)v;
}

const char *
conf_fqdn(const struct conf *c)
{
	return c->fqdn;
}

void
conf_print(const struct conf *c, FILE *fp)
{
	const char *sect = "";
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = *(char *const *)((const char *)c + keys[i].off);

		if (strcmp(sect, keys[i].section) != 0) {
			fprintf(fp, "%s[%s]\n", i ? "\n" : "", keys[i].section);
			sect = keys[i].section;
		}
		if (v != NULL)
			fprintf(fp, "%s = %s\n", keys[i].key, v);
		else
			fprintf(fp, "# %s is not set\n", keys[i].key);
	}
}
