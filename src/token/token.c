/* token.c - PKCS#11 module, token, sessions, keys and signatures. */
#include "token/token.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "util/error.h"
#include "util/secret.h"

/*
 * The module is process-wide: PKCS#11 allows one C_Initialize per process,
 * and libp11 (which we use for EVP_PKEY hand-off) would C_Finalize it when
 * its context is unloaded. So the module, our initialisation and the libp11
 * context share one reference count, and only the last token_close()
 * finalises, after every session is closed.
 */
struct module {
	char *path;
	void *dl;
	CK_FUNCTION_LIST *f;
	int refs;
	int initialized_here;
	PKCS11_CTX *p11;
	PKCS11_SLOT *p11slots;
	unsigned np11slots;
};

static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;
static struct module module;

#define MAX_SESSIONS 256

struct token {
	struct module *m;
	CK_SLOT_ID slot;
	unsigned long serial;   /* distinguishes token structs in TLS cache */
	pthread_mutex_t lock;
	CK_SESSION_HANDLE sessions[MAX_SESSIONS];
	size_t nsessions;
};

/* One session per thread: a thread's cached session for one token. */
static __thread struct {
	unsigned long serial;
	CK_SESSION_HANDLE h;
} tls_session;
static unsigned long token_serial_next = 1;

static const char *
ckr_name(CK_RV rv)
{
	switch (rv) {
	case CKR_OK: return "CKR_OK";
	case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
	case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
	case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
	case CKR_KEY_SIZE_RANGE: return "CKR_KEY_SIZE_RANGE";
	case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
	case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
	case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
	case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
	case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
	}
	return NULL;
}

static int
p11err(const char *what, CK_RV rv)
{
	const char *name = ckr_name(rv);

	if (name != NULL)
		return ts_error(TS_ERR_TOKEN, "%s failed: %s", what, name);
	return ts_error(TS_ERR_TOKEN, "%s failed: CKR 0x%lx", what,
	    (unsigned long)rv);
}

/* Fault injection for tests: TLVSIGN_FAULT=token_sign makes that call
 * fail as a token would. Compiled in test builds only. */
static int
fault(const char *point)
{
#ifdef TLVSIGN_FAULTS
	static unsigned calls;
	const char *f = getenv("TLVSIGN_FAULT");
	size_t n = strlen(point);

	if (f == NULL || strncmp(f, point, n) != 0)
		return 0;
	if (f[n] == '\0')
		return 1;
	/* "point@N": only the Nth call fails */
	return f[n] == '@' && ++calls == strtoul(f + n + 1, NULL, 10);
#else
	(void)point;
	return 0;
#endif
}

static int
module_acquire(const char *path, struct module **out)
{
	CK_C_GetFunctionList gfl;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;
	int r = 0;

	pthread_mutex_lock(&module_lock);
	if (module.refs > 0) {
		if (strcmp(module.path, path) != 0) {
			r = ts_error(TS_ERR_TOKEN, "PKCS#11 module %s is loaded; "
			    "one module per process", module.path);
			goto out;
		}
		module.refs++;
		*out = &module;
		goto out;
	}
	memset(&module, 0, sizeof(module));
	if ((module.path = strdup(path)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((module.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		r = ts_error(TS_ERR_TOKEN, "cannot load PKCS#11 module %s: %s "
		    "(install softhsm2, or set [token] module)", path,
		    dlerror());
		goto fail;
	}
	*(void **)&gfl = dlsym(module.dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&module.f) != CKR_OK || module.f == NULL) {
		r = ts_error(TS_ERR_TOKEN, "%s is not a PKCS#11 module", path);
		goto fail;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = module.f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		r = p11err("C_Initialize", rv);
		goto fail;
	}
	module.initialized_here = (rv == CKR_OK);
	module.refs = 1;
	*out = &module;
	goto out;
fail:
	if (module.dl != NULL)
		dlclose(module.dl);
	free(module.path);
	memset(&module, 0, sizeof(module));
out:
	pthread_mutex_unlock(&module_lock);
	return r;
}

static void
module_release(struct module *m)
{
	pthread_mutex_lock(&module_lock);
	if (--m->refs == 0) {
		if (m->p11 != NULL) {
			/* libp11 finalises the module on unload: let it be
			 * the one, and only now that nobody else uses it */
			PKCS11_release_all_slots(m->p11, m->p11slots,
			    m->np11slots);
			PKCS11_CTX_unload(m->p11);
			PKCS11_CTX_free(m->p11);
		} else if (m->initialized_here) {
			m->f->C_Finalize(NULL);
		}
		dlclose(m->dl);
		free(m->path);
		memset(m, 0, sizeof(*m));
	}
	pthread_mutex_unlock(&module_lock);
}

static void
padded_copy(char *dst, size_t dstsize, const CK_UTF8CHAR *src, size_t srclen)
{
	size_t n = srclen < dstsize - 1 ? srclen : dstsize - 1;

	memcpy(dst, src, n);
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

static int
find_slot(struct module *m, const char *uri, CK_SLOT_ID *slot)
{
	P11KitUri *puri = NULL;
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int r, is_uri = strncmp(uri, "pkcs11:", 7) == 0, found = 0;

	if (is_uri) {
		if ((puri = p11_kit_uri_new()) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_TOKEN, puri) !=
		    P11_KIT_URI_OK) {
			r = ts_error(TS_ERR_CONFIG, "[token] uri is not a valid "
			    "PKCS#11 URI (RFC 7512)");
			goto out;
		}
		if (p11_kit_uri_get_pin_value(puri) != NULL) {
			r = ts_error(TS_ERR_CONFIG, "[token] uri carries a "
			    "pin-value: keep the PIN in a pin-file instead");
			goto out;
		}
	}
	if ((rv = m->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
		r = p11err("C_GetSlotList", rv);
		goto out;
	}
	if (n > 0 && (slots = calloc(n, sizeof(*slots))) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (n > 0 && (rv = m->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		r = p11err("C_GetSlotList", rv);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char label[33];

		if (m->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (!(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		padded_copy(label, sizeof(label), ti.label, sizeof(ti.label));
		if (is_uri ? p11_kit_uri_match_token_info(puri, &ti) == 1 :
		    strcmp(label, uri) == 0) {
			if (found) {
				r = ts_error(TS_ERR_TOKEN, "more than one token "
				    "matches \"%s\": name it by serial in the "
				    "URI", uri);
				goto out;
			}
			*slot = slots[i];
			found = 1;
		}
	}
	r = found ? 0 : ts_error(TS_ERR_NOTFOUND, "no token matches \"%s\" "
	    "(initialise one with hsm/init-token)", uri);
out:
	free(slots);
	if (puri != NULL)
		p11_kit_uri_free(puri);
	return r;
}

int
token_open(const char *modpath, const char *uri, struct token **out)
{
	struct token *t;
	int r;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((r = module_acquire(modpath, &t->m)) != 0) {
		free(t);
		return r;
	}
	if ((r = find_slot(t->m, uri, &t->slot)) != 0) {
		module_release(t->m);
		free(t);
		return r;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_lock(&module_lock);
	t->serial = token_serial_next++;
	pthread_mutex_unlock(&module_lock);
	*out = t;
	return 0;
}

void
token_close(struct token *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsessions; i++)
		t->m->f->C_CloseSession(t->sessions[i]);
	if (tls_session.serial == t->serial)
		tls_session.serial = 0;
	pthread_mutex_destroy(&t->lock);
	module_release(t->m);
	free(t);
}

/* The calling thread's session, opened on first use. */
static int
session(struct token *t, CK_SESSION_HANDLE *h)
{
	CK_RV rv;
	int r = 0;

	if (tls_session.serial == t->serial) {
		*h = tls_session.h;
		return 0;
	}
	pthread_mutex_lock(&t->lock);
	if (t->nsessions == MAX_SESSIONS) {
		r = ts_error(TS_ERR_TOKEN, "too many PKCS#11 sessions");
		goto out;
	}
	rv = t->m->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, h);
	if (rv != CKR_OK) {
		r = p11err("C_OpenSession", rv);
		goto out;
	}
	t->sessions[t->nsessions++] = *h;
	tls_session.serial = t->serial;
	tls_session.h = *h;
out:
	pthread_mutex_unlock(&t->lock);
	return r;
}

static int
logged_in(struct token *t, CK_SESSION_HANDLE h)
{
	CK_SESSION_INFO si;

	(void)t;
	if (t->m->f->C_GetSessionInfo(h, &si) != CKR_OK)
		return 0;
	return si.state == CKS_RW_USER_FUNCTIONS ||
	    si.state == CKS_RO_USER_FUNCTIONS;
}

int
token_login(struct token *t, const char *pin_file)
{
	CK_SESSION_HANDLE h;
	char pin[SECRET_MAX];
	int r;

	if ((r = session(t, &h)) != 0)
		return r;
	if (logged_in(t, h))
		return 0;
	if ((r = secret_read("TLVSIGN_PIN_FILE", pin_file, "token PIN", pin,
	    sizeof(pin))) != 0)
		return r;
	r = token_login_pin(t, pin);
	secret_wipe(pin, sizeof(pin));
	return r;
}

int
token_login_pin(struct token *t, const char *pin)
{
	CK_SESSION_HANDLE h;
	CK_RV rv;
	int r;

	if ((r = session(t, &h)) != 0)
		return r;
	if (logged_in(t, h))
		return 0;
	rv = t->m->f->C_Login(h, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	if (rv == CKR_PIN_INCORRECT)
		return ts_error(TS_ERR_AUTH, "the token PIN is incorrect");
	if (rv == CKR_PIN_LOCKED)
		return ts_error(TS_ERR_AUTH, "the token PIN is locked");
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return p11err("C_Login", rv);
	return 0;
}

int
token_get_info(struct token *t, struct token_info *info)
{
	CK_SESSION_HANDLE h;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int r;

	memset(info, 0, sizeof(*info));
	if ((rv = t->m->f->C_GetTokenInfo(t->slot, &ti)) != CKR_OK)
		return p11err("C_GetTokenInfo", rv);
	snprintf(info->module, sizeof(info->module), "%s", t->m->path);
	padded_copy(info->label, sizeof(info->label), ti.label,
	    sizeof(ti.label));
	padded_copy(info->serial, sizeof(info->serial), ti.serialNumber,
	    sizeof(ti.serialNumber));
	padded_copy(info->manufacturer, sizeof(info->manufacturer),
	    ti.manufacturerID, sizeof(ti.manufacturerID));
	padded_copy(info->model, sizeof(info->model), ti.model,
	    sizeof(ti.model));
	info->slot = t->slot;
	if ((r = session(t, &h)) != 0)
		return r;
	info->logged_in = logged_in(t, h);
	return 0;
}

/* DER OIDs of the curves, as CKA_EC_PARAMS wants them. */
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
	0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
	0x22 };

static int
get_attr(struct token *t, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type, uint8_t **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	*len = 0;
	if ((rv = t->m->f->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK)
		return p11err("C_GetAttributeValue", rv);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return ts_error(TS_ERR_TOKEN, "attribute unavailable");
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((rv = t->m->f->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return p11err("C_GetAttributeValue", rv);
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

/* The raw public value: RSA modulus, or EC point without its DER
 * OCTET STRING wrapper. */
static int
public_value(struct token *t, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE pub,
    enum token_keytype type, uint8_t **val, size_t *len)
{
	const unsigned char *p;
	ASN1_OCTET_STRING *os;
	uint8_t *der;
	size_t dlen;
	int r;

	if (type == TOKEN_KEY_RSA)
		return get_attr(t, h, pub, CKA_MODULUS, val, len);
	if ((r = get_attr(t, h, pub, CKA_EC_POINT, &der, &dlen)) != 0)
		return r;
	p = der;
	os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)dlen);
	if (os == NULL || p != der + dlen) {
		/* some modules return the bare point */
		ASN1_OCTET_STRING_free(os);
		*val = der;
		*len = dlen;
		return 0;
	}
	free(der);
	*len = (size_t)ASN1_STRING_length(os);
	if ((*val = malloc(*len)) == NULL) {
		ASN1_OCTET_STRING_free(os);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	memcpy(*val, ASN1_STRING_get0_data(os), *len);
	ASN1_OCTET_STRING_free(os);
	return 0;
}

static int
destroy(struct token *t, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
	CK_RV rv;

	if (o == CK_INVALID_HANDLE)
		return 0;
	if ((rv = t->m->f->C_DestroyObject(h, o)) != CKR_OK)
		return p11err("C_DestroyObject", rv);
	return 0;
}

int
token_generate(struct token *t, enum token_keytype type, unsigned bits,
    const char *label, struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG modbits = bits;
	CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ATTRIBUTE pubt[8], privt[10], idattr[1];
	CK_ULONG np = 0, nk = 0;
	uint8_t *val = NULL, tmpid[1] = { 0 };
	size_t vlen;
	CK_RV rv;
	int r;

	memset(key, 0, sizeof(*key));
	if (strlen(label) >= TOKEN_LABEL_MAX)
		return ts_error(TS_ERR_INVALID, "key label too long");
	if (type == TOKEN_KEY_RSA && bits != 2048 && bits != 3072 &&
	    bits != 4096)
		return ts_error(TS_ERR_INVALID, "RSA key length %u: use 2048, "
		    "3072 or 4096", bits);
	if (type == TOKEN_KEY_EC && bits != 256 && bits != 384)
		return ts_error(TS_ERR_INVALID, "EC key length %u: use 256 or "
		    "384", bits);
	if ((r = session(t, &h)) != 0)
		return r;

#define ATTR(a, n, typ, v, l) do { (a)[(n)].type = (typ); \
	(a)[(n)].pValue = (v); (a)[(n)].ulValueLen = (l); (n)++; } while (0)
	ATTR(pubt, np, CKA_TOKEN, &yes, sizeof(yes));
	ATTR(pubt, np, CKA_PRIVATE, &no, sizeof(no));
	ATTR(pubt, np, CKA_VERIFY, &yes, sizeof(yes));
	ATTR(pubt, np, CKA_LABEL, (void *)label, strlen(label));
	ATTR(pubt, np, CKA_ID, tmpid, sizeof(tmpid));
	ATTR(privt, nk, CKA_TOKEN, &yes, sizeof(yes));
	ATTR(privt, nk, CKA_PRIVATE, &yes, sizeof(yes));
	ATTR(privt, nk, CKA_SENSITIVE, &yes, sizeof(yes));
	ATTR(privt, nk, CKA_SIGN, &yes, sizeof(yes));
	/* extractable only under wrapping: sensitive forbids a plain read */
	ATTR(privt, nk, CKA_EXTRACTABLE, &yes, sizeof(yes));
	ATTR(privt, nk, CKA_LABEL, (void *)label, strlen(label));
	ATTR(privt, nk, CKA_ID, tmpid, sizeof(tmpid));
	if (type == TOKEN_KEY_RSA) {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ATTR(pubt, np, CKA_MODULUS_BITS, &modbits, sizeof(modbits));
		ATTR(pubt, np, CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent));
		/* old phones' TLS uses RSA key transport */
		ATTR(privt, nk, CKA_DECRYPT, &yes, sizeof(yes));
	} else {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		if (bits == 256)
			ATTR(pubt, np, CKA_EC_PARAMS, (void *)oid_p256,
			    sizeof(oid_p256));
		else
			ATTR(pubt, np, CKA_EC_PARAMS, (void *)oid_p384,
			    sizeof(oid_p384));
		ATTR(privt, nk, CKA_DERIVE, &yes, sizeof(yes));
	}

	if (fault("token_generate")) {
		r = p11err("C_GenerateKeyPair", CKR_DEVICE_MEMORY);
		goto out;
	}
	rv = t->m->f->C_GenerateKeyPair(h, &mech, pubt, np, privt, nk, &pub,
	    &priv);
	if (rv != CKR_OK) {
		r = p11err("C_GenerateKeyPair", rv);
		goto out;
	}
	/* CKA_ID = SHA-1 of the public value, as most PKCS#11 tools do */
	if ((r = public_value(t, h, pub, type, &val, &vlen)) != 0)
		goto out;
	SHA1(val, vlen, key->id);
	key->id_len = SHA_DIGEST_LENGTH;
	idattr[0].type = CKA_ID;
	idattr[0].pValue = key->id;
	idattr[0].ulValueLen = key->id_len;
	if ((rv = t->m->f->C_SetAttributeValue(h, pub, idattr, 1)) != CKR_OK ||
	    (rv = t->m->f->C_SetAttributeValue(h, priv, idattr, 1)) != CKR_OK) {
		r = p11err("C_SetAttributeValue(CKA_ID)", rv);
		goto out;
	}
#undef ATTR
	snprintf(key->label, sizeof(key->label), "%s", label);
	key->type = type;
	key->bits = bits;
	key->priv = priv;
	key->pub = pub;
	r = 0;
out:
	free(val);
	if (r != 0) {
		/* never leave half a key pair behind */
		destroy(t, h, priv);
		destroy(t, h, pub);
		memset(key, 0, sizeof(*key));
	}
	return r;
}

/* Every object matching tmpl (at most max). */
static int
find_objects(struct token *t, CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl,
    CK_ULONG n, CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *count)
{
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE all[8];
	CK_ULONG i;
	CK_RV rv;

	/* token objects only: never a session copy (token_key_copy) */
	*count = 0;
	if (n >= sizeof(all) / sizeof(all[0]))
		return ts_error(TS_ERR_INVALID, "search template too long");
	for (i = 0; i < n; i++)
		all[i] = tmpl[i];
	all[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	if ((rv = t->m->f->C_FindObjectsInit(h, all, n)) != CKR_OK)
		return p11err("C_FindObjectsInit", rv);
	rv = t->m->f->C_FindObjects(h, found, max, count);
	t->m->f->C_FindObjectsFinal(h);
	if (rv != CKR_OK)
		return p11err("C_FindObjects", rv);
	return 0;
}

static int
find_one(struct token *t, CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl,
    CK_ULONG n, CK_OBJECT_HANDLE *o, const char *what)
{
	CK_OBJECT_HANDLE found[2];
	CK_ULONG count = 0;
	int r;

	if ((r = find_objects(t, h, tmpl, n, found, 2, &count)) != 0)
		return r;
	if (count == 0)
		return ts_error(TS_ERR_NOTFOUND, "no %s in the token", what);
	if (count > 1)
		return ts_error(TS_ERR_TOKEN, "more than one %s in the token",
		    what);
	*o = found[0];
	return 0;
}

/* Fill key from its private key object: CKA_ID, label, type, the public
 * key with the same CKA_ID, and the size. */
static int
key_from_private(struct token *t, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE priv,
    struct token_key *key)
{
	CK_OBJECT_CLASS cpub = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE tmpl[2];
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE ka = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	char what[TOKEN_LABEL_MAX + 32];
	uint8_t *id = NULL, *val = NULL, *label = NULL;
	size_t idlen, vlen, llen;
	CK_RV rv;
	int r;

	key->priv = priv;
	if ((r = get_attr(t, h, priv, CKA_ID, &id, &idlen)) != 0 ||
	    (r = get_attr(t, h, priv, CKA_LABEL, &label, &llen)) != 0)
		goto out;
	if (idlen == 0 || idlen > TOKEN_ID_MAX || llen >= TOKEN_LABEL_MAX) {
		r = ts_error(TS_ERR_TOKEN, "a private key has no usable CKA_ID "
		    "or label");
		goto out;
	}
	memcpy(key->id, id, idlen);
	key->id_len = idlen;
	memcpy(key->label, label, llen);
	key->label[llen] = '\0';
	if ((rv = t->m->f->C_GetAttributeValue(h, priv, &ka, 1)) != CKR_OK) {
		r = p11err("C_GetAttributeValue(CKA_KEY_TYPE)", rv);
		goto out;
	}
	if (kt != CKK_RSA && kt != CKK_EC) {
		r = ts_error(TS_ERR_TOKEN, "key \"%s\" is neither RSA nor EC",
		    key->label);
		goto out;
	}
	key->type = kt == CKK_RSA ? TOKEN_KEY_RSA : TOKEN_KEY_EC;
	snprintf(what, sizeof(what), "public key of \"%s\"", key->label);
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cpub, sizeof(cpub) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_ID, key->id, key->id_len };
	if ((r = find_one(t, h, tmpl, 2, &key->pub, what)) != 0)
		goto out;
	if ((r = public_value(t, h, key->pub, key->type, &val, &vlen)) != 0)
		goto out;
	if (key->type == TOKEN_KEY_RSA) {
		size_t skip = 0;
		while (skip < vlen && val[skip] == 0)
			skip++;
		key->bits = (unsigned)(vlen - skip) * 8;
	} else {
		key->bits = vlen == 65 ? 256 : vlen == 97 ? 384 : 0;
	}
out:
	free(id);
	free(label);
	free(val);
	if (r != 0)
		memset(key, 0, sizeof(*key));
	return r;
}

int
token_find_key(struct token *t, const char *label, struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE priv;
	CK_ATTRIBUTE tmpl[2];
	char what[TOKEN_LABEL_MAX + 32];
	int r;

	memset(key, 0, sizeof(*key));
	if (strlen(label) >= TOKEN_LABEL_MAX)
		return ts_error(TS_ERR_INVALID, "key label too long");
	if ((r = session(t, &h)) != 0)
		return r;
	snprintf(what, sizeof(what), "private key \"%s\"", label);
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cpriv, sizeof(cpriv) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if ((r = find_one(t, h, tmpl, 2, &priv, what)) != 0)
		return r;
	return key_from_private(t, h, priv, key);
}

int
token_find_key_by_id(struct token *t, const uint8_t *id, size_t id_len,
    struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE priv;
	CK_ATTRIBUTE tmpl[2];
	int r;

	memset(key, 0, sizeof(*key));
	if (id_len == 0 || id_len > TOKEN_ID_MAX)
		return ts_error(TS_ERR_INVALID, "bad key id");
	if ((r = session(t, &h)) != 0)
		return r;
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cpriv, sizeof(cpriv) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	if ((r = find_one(t, h, tmpl, 2, &priv, "private key with that "
	    "CKA_ID")) != 0)
		return r;
	return key_from_private(t, h, priv, key);
}

/* Every object sharing the key's CKA_ID (key pair and certificates). */
static int
objects_of(struct token *t, CK_SESSION_HANDLE h, const struct token_key *key,
    CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *count)
{
	CK_ATTRIBUTE tmpl[1] = { { CKA_ID, (void *)key->id, key->id_len } };

	return find_objects(t, h, tmpl, 1, found, max, count);
}

int
token_set_label(struct token *t, struct token_key *key, const char *label)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE found[16];
	CK_ATTRIBUTE a = { CKA_LABEL, (void *)label, strlen(label) };
	CK_ULONG count, i;
	CK_RV rv;
	int r;

	if (strlen(label) >= TOKEN_LABEL_MAX)
		return ts_error(TS_ERR_INVALID, "key label too long");
	if (fault("token_set_label"))
		return p11err("C_SetAttributeValue(CKA_LABEL)", CKR_DEVICE_ERROR);
	if ((r = session(t, &h)) != 0 ||
	    (r = objects_of(t, h, key, found, 16, &count)) != 0)
		return r;
	for (i = 0; i < count; i++)
		if ((rv = t->m->f->C_SetAttributeValue(h, found[i], &a, 1)) !=
		    CKR_OK)
			return p11err("C_SetAttributeValue(CKA_LABEL)", rv);
	snprintf(key->label, sizeof(key->label), "%s", label);
	return 0;
}

int
token_set_sign(struct token *t, const struct token_key *key, int enabled)
{
	CK_SESSION_HANDLE h;
	CK_BBOOL v = enabled ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE a = { CKA_SIGN, &v, sizeof(v) };
	CK_RV rv;
	int r;

	if ((r = session(t, &h)) != 0)
		return r;
	if ((rv = t->m->f->C_SetAttributeValue(h, key->priv, &a, 1)) != CKR_OK)
		return p11err("C_SetAttributeValue(CKA_SIGN)", rv);
	return 0;
}

int
token_public_key(struct token *t, const struct token_key *key, EVP_PKEY **out)
{
	CK_SESSION_HANDLE h;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t *v1 = NULL, *v2 = NULL;
	size_t l1, l2;
	int r;

	*out = NULL;
	if ((r = session(t, &h)) != 0)
		return r;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (key->type == TOKEN_KEY_RSA) {
		if ((r = get_attr(t, h, key->pub, CKA_MODULUS, &v1, &l1)) != 0 ||
		    (r = get_attr(t, h, key->pub, CKA_PUBLIC_EXPONENT, &v2,
		    &l2)) != 0)
			goto out;
		n = BN_bin2bn(v1, (int)l1, NULL);
		e = BN_bin2bn(v2, (int)l2, NULL);
		if (n == NULL || e == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
			r = ts_error(TS_ERR_CRYPTO, "cannot build RSA key");
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		if ((r = public_value(t, h, key->pub, key->type, &v1, &l1)) != 0)
			goto out;
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME,
		    key->bits == 384 ? "P-384" : "P-256", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
		    v1, l1)) {
			r = ts_error(TS_ERR_CRYPTO, "cannot build EC key");
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	if (ctx == NULL || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		r = ts_error(TS_ERR_CRYPTO, "cannot import the public key of "
		    "\"%s\"", key->label);
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(v1);
	free(v2);
	return r;
}

/* DER DigestInfo prefixes (RFC 8017, section 9.2, note 1). */
static const uint8_t di_sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b,
	0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
static const uint8_t di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
	0x20 };
static const uint8_t di_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09,
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
	0x30 };
static const uint8_t di_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09,
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
	0x40 };

int
token_sign(struct token *t, const struct token_key *key, const EVP_MD *md,
    const uint8_t *data, size_t len, uint8_t **sig, size_t *siglen)
{
	CK_SESSION_HANDLE h;
	CK_MECHANISM mech = { 0, NULL, 0 };
	uint8_t tbs[128], raw[1024], *der = NULL;
	unsigned dlen = 0;
	const uint8_t *prefix = NULL;
	size_t plen = 0, tlen;
	CK_ULONG rawlen = sizeof(raw);
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	CK_RV rv;
	int r, derlen;

	*sig = NULL;
	*siglen = 0;
	switch (EVP_MD_get_type(md)) {
	case NID_sha1: prefix = di_sha1; plen = sizeof(di_sha1); break;
	case NID_sha256: prefix = di_sha256; plen = sizeof(di_sha256); break;
	case NID_sha384: prefix = di_sha384; plen = sizeof(di_sha384); break;
	case NID_sha512: prefix = di_sha512; plen = sizeof(di_sha512); break;
	default:
		return ts_error(TS_ERR_INVALID, "unsupported digest %s",
		    EVP_MD_get0_name(md));
	}
	if ((r = session(t, &h)) != 0)
		return r;
	if (key->type == TOKEN_KEY_RSA) {
		memcpy(tbs, prefix, plen);
		if (!EVP_Digest(data, len, tbs + plen, &dlen, md, NULL))
			return ts_error(TS_ERR_CRYPTO, "digest failed");
		tlen = plen + dlen;
		mech.mechanism = CKM_RSA_PKCS;
	} else {
		if (!EVP_Digest(data, len, tbs, &dlen, md, NULL))
			return ts_error(TS_ERR_CRYPTO, "digest failed");
		tlen = dlen;
		mech.mechanism = CKM_ECDSA;
	}
	if (fault("token_sign"))
		return p11err("C_Sign", CKR_DEVICE_ERROR);
	if ((rv = t->m->f->C_SignInit(h, &mech, key->priv)) != CKR_OK)
		return p11err("C_SignInit", rv);
	if ((rv = t->m->f->C_Sign(h, tbs, tlen, raw, &rawlen)) != CKR_OK)
		return p11err("C_Sign", rv);
	if (key->type == TOKEN_KEY_RSA) {
		if ((*sig = malloc(rawlen)) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		memcpy(*sig, raw, rawlen);
		*siglen = rawlen;
		return 0;
	}
	/* CKM_ECDSA gives r || s; X.509 and TLS want the DER SEQUENCE */
	if (rawlen % 2 != 0 || (es = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(raw, (int)rawlen / 2, NULL)) == NULL ||
	    (bs = BN_bin2bn(raw + rawlen / 2, (int)rawlen / 2, NULL)) == NULL ||
	    !ECDSA_SIG_set0(es, br, bs)) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(es);
		return ts_error(TS_ERR_CRYPTO, "cannot encode ECDSA signature");
	}
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0) {
		ECDSA_SIG_free(es);
		return ts_error(TS_ERR_CRYPTO, "cannot encode ECDSA signature");
	}
	ECDSA_SIG_free(es);
	*sig = malloc((size_t)derlen);
	if (*sig == NULL) {
		OPENSSL_free(der);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	memcpy(*sig, der, (size_t)derlen);
	*siglen = (size_t)derlen;
	OPENSSL_free(der);
	return 0;
}

/* libp11 context, created on first use and shared by all tokens. */
static int
p11_slot(struct token *t, PKCS11_SLOT **out)
{
	struct module *m = t->m;
	unsigned i;
	int r = 0;

	pthread_mutex_lock(&module_lock);
	if (m->p11 == NULL) {
		if ((m->p11 = PKCS11_CTX_new()) == NULL) {
			r = ts_error(TS_ERR_NOMEM, "out of memory");
			goto out;
		}
		/* the module is already initialised: libp11 accepts that */
		if (PKCS11_CTX_load(m->p11, m->path) != 0 ||
		    PKCS11_enumerate_slots(m->p11, &m->p11slots,
		    &m->np11slots) != 0) {
			PKCS11_CTX_free(m->p11);
			m->p11 = NULL;
			r = ts_error(TS_ERR_TOKEN, "libp11 cannot use %s",
			    m->path);
			goto out;
		}
	}
	for (i = 0; i < m->np11slots; i++) {
		if (PKCS11_get_slotid_from_slot(&m->p11slots[i]) == t->slot) {
			*out = &m->p11slots[i];
			goto out;
		}
	}
	r = ts_error(TS_ERR_TOKEN, "libp11 does not see slot %lu", t->slot);
out:
	pthread_mutex_unlock(&module_lock);
	return r;
}

int
token_evp_pkey(struct token *t, const struct token_key *key, EVP_PKEY **out)
{
	PKCS11_SLOT *slot = NULL;
	PKCS11_KEY *keys;
	unsigned n, i;
	int r;

	*out = NULL;
	if ((r = p11_slot(t, &slot)) != 0)
		return r;
	pthread_mutex_lock(&module_lock);
	if (slot->token == NULL ||
	    PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) {
		r = ts_error(TS_ERR_TOKEN, "libp11 cannot list the keys");
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* by CKA_ID only: labels change during regeneration */
		if (keys[i].id_len == key->id_len &&
		    memcmp(keys[i].id, key->id, key->id_len) == 0) {
			if ((*out = PKCS11_get_private_key(&keys[i])) == NULL)
				r = ts_error(TS_ERR_TOKEN, "libp11 cannot use "
				    "key \"%s\"", key->label);
			goto out;
		}
	}
	r = ts_error(TS_ERR_NOTFOUND, "libp11 does not see key \"%s\"",
	    key->label);
out:
	pthread_mutex_unlock(&module_lock);
	return r;
}

int
token_store_cert(struct token *t, const struct token_key *key, X509 *cert)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ctype = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE o;
	uint8_t *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
	int dl, sl, il, nl, r;
	CK_RV rv;

	if ((r = session(t, &h)) != 0)
		return r;
	dl = i2d_X509(cert, &der);
	sl = i2d_X509_NAME(X509_get_subject_name(cert), &subj);
	il = i2d_X509_NAME(X509_get_issuer_name(cert), &iss);
	nl = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &ser);
	if (dl <= 0 || sl <= 0 || il <= 0 || nl <= 0) {
		r = ts_error(TS_ERR_CRYPTO, "cannot encode the certificate");
		goto out;
	}
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ctype, sizeof(ctype) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)key->label, strlen(key->label) },
		{ CKA_ID, (void *)key->id, key->id_len },
		{ CKA_SUBJECT, subj, (CK_ULONG)sl },
		{ CKA_ISSUER, iss, (CK_ULONG)il },
		{ CKA_SERIAL_NUMBER, ser, (CK_ULONG)nl },
		{ CKA_VALUE, der, (CK_ULONG)dl },
	};
	if (fault("token_store_cert")) {
		r = p11err("C_CreateObject", CKR_DEVICE_MEMORY);
		goto out;
	}
	if ((rv = t->m->f->C_CreateObject(h, tmpl, sizeof(tmpl) /
	    sizeof(tmpl[0]), &o)) != CKR_OK)
		r = p11err("C_CreateObject(certificate)", rv);
out:
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	return r;
}

int
token_destroy_certs(struct token *t, const struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_OBJECT_HANDLE found[16];
	CK_ATTRIBUTE tmpl[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)key->id, key->id_len },
	};
	CK_ULONG count = 0, i;
	int r;

	if ((r = session(t, &h)) != 0 ||
	    (r = find_objects(t, h, tmpl, 2, found, 16, &count)) != 0)
		return r;
	for (i = 0; i < count && r == 0; i++)
		r = destroy(t, h, found[i]);
	return r;
}

/* Marks a copy, so that a search by the key's CKA_ID or label cannot
 * take it for the key. */
#define COPY_MARK "tlvsign session copy"

void
token_key_copy(struct token *t, const struct token_key *key,
    struct token_key *copy)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE o;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_ID, (void *)COPY_MARK, sizeof(COPY_MARK) - 1 },
		{ CKA_LABEL, (void *)COPY_MARK, sizeof(COPY_MARK) - 1 },
	};

	*copy = *key;
	copy->copied = 0;
	if (fault("token_copy") || session(t, &h) != 0 ||
	    t->m->f->C_CopyObject(h, key->priv, tmpl, sizeof(tmpl) /
	    sizeof(tmpl[0]), &o) != CKR_OK) {
		ts_error_clear();
		return;
	}
	copy->priv = o;
	copy->copied = 1;
}

void
token_key_drop(struct token *t, struct token_key *copy)
{
	CK_SESSION_HANDLE h;
	struct ts_saved_error saved;

	if (!copy->copied)
		return;
	/* a closed session took its copies with it; the caller's error, if
	 * it is on its way out with one, stays */
	ts_error_save(&saved);
	if (session(t, &h) == 0)
		t->m->f->C_DestroyObject(h, copy->priv);
	ts_error_restore(&saved);
	copy->priv = CK_INVALID_HANDLE;
	copy->copied = 0;
}

int
token_destroy_key(struct token *t, const struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE found[16];
	CK_ULONG count = 0, i;
	int r;

	if ((r = session(t, &h)) != 0 ||
	    (r = objects_of(t, h, key, found, 16, &count)) != 0)
		return r;
	for (i = 0; i < count && r == 0; i++)
		r = destroy(t, h, found[i]);
	return r;
}

static int
bool_attr(struct token *t, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	if (t->m->f->C_GetAttributeValue(h, o, &a, 1) != CKR_OK)
		return -1;
	return v == CK_TRUE;
}

int
token_list_objects(struct token *t,
    int (*cb)(const struct token_object *, void *), void *arg)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE objs[512];
	CK_ULONG count = 0, i;
	CK_RV rv;
	int r;

	if ((r = session(t, &h)) != 0 ||
	    (r = find_objects(t, h, NULL, 0, objs, 512, &count)) != 0)
		return r;
	for (i = 0; i < count && r == 0; i++) {
		struct token_object o;
		CK_ATTRIBUTE a[4];

		memset(&o, 0, sizeof(o));
		a[0] = (CK_ATTRIBUTE){ CKA_CLASS, &o.cls, sizeof(o.cls) };
		a[1] = (CK_ATTRIBUTE){ CKA_LABEL, o.label, sizeof(o.label) - 1 };
		a[2] = (CK_ATTRIBUTE){ CKA_ID, o.id, sizeof(o.id) };
		a[3] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &o.key_type,
		    sizeof(o.key_type) };
		/* an attribute that does not apply comes back unavailable */
		rv = t->m->f->C_GetAttributeValue(h, objs[i], a, 4);
		if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
		    rv != CKR_BUFFER_TOO_SMALL)
			return p11err("C_GetAttributeValue", rv);
		if (a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			o.label[0] = '\0';
		else
			o.label[a[1].ulValueLen] = '\0';
		o.id_len = a[2].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 :
		    a[2].ulValueLen;
		if (a[3].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			o.key_type = (unsigned long)-1;
		o.is_private = bool_attr(t, h, objs[i], CKA_PRIVATE);
		o.sensitive = bool_attr(t, h, objs[i], CKA_SENSITIVE);
		o.extractable = bool_attr(t, h, objs[i], CKA_EXTRACTABLE);
		o.always_sensitive = bool_attr(t, h, objs[i],
		    CKA_ALWAYS_SENSITIVE);
		o.never_extractable = bool_attr(t, h, objs[i],
		    CKA_NEVER_EXTRACTABLE);
		o.can_sign = bool_attr(t, h, objs[i], CKA_SIGN);
		r = cb(&o, arg);
	}
	return r;
}

int
token_try_read_private_value(struct token *t, const struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_ATTRIBUTE_TYPE types[] = { CKA_VALUE, CKA_PRIVATE_EXPONENT,
		CKA_PRIME_1, CKA_PRIME_2 };
	uint8_t buf[1024];
	size_t i;
	int r;

	if ((r = session(t, &h)) != 0)
		return r;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CK_ATTRIBUTE a = { types[i], buf, sizeof(buf) };

		if (t->m->f->C_GetAttributeValue(h, key->priv, &a, 1) ==
		    CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION &&
		    a.ulValueLen > 0)
			return 0;
	}
	return ts_error(TS_ERR_TOKEN, "private value of \"%s\" is not readable",
	    key->label);
}

static int
uri_label(const char *uri, char *label, size_t size)
{
	P11KitUri *puri;
	CK_TOKEN_INFO *ti;
	int r = 0;

	if (strncmp(uri, "pkcs11:", 7) != 0) {
		snprintf(label, size, "%s", uri);
		return 0;
	}
	if ((puri = p11_kit_uri_new()) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_TOKEN, puri) !=
	    P11_KIT_URI_OK || (ti = p11_kit_uri_get_token_info(puri)) == NULL ||
	    ti->label[0] == 0) {
		r = ts_error(TS_ERR_CONFIG, "[token] uri names no token label "
		    "(pkcs11:token=LABEL) to initialise");
		goto out;
	}
	padded_copy(label, size, ti->label, sizeof(ti->label));
	if (label[0] == '\0')
		r = ts_error(TS_ERR_CONFIG, "[token] uri names no token label");
out:
	p11_kit_uri_free(puri);
	return r;
}

int
token_initialize(const char *modpath, const char *uri, const char *pin_file)
{
	char label[33], so[SECRET_MAX], pin[SECRET_MAX];
	int r;

	so[0] = pin[0] = '\0';
	if ((r = uri_label(uri, label, sizeof(label))) != 0)
		return r;
	if ((r = secret_read("TLVSIGN_SO_PIN_FILE", NULL,
	    "security officer PIN", so, sizeof(so))) == 0 &&
	    (r = secret_read("TLVSIGN_PIN_FILE", pin_file, "token PIN", pin,
	    sizeof(pin))) == 0)
		r = token_initialize_pins(modpath, label, so, pin);
	secret_wipe(so, sizeof(so));
	secret_wipe(pin, sizeof(pin));
	return r;
}

int
token_initialize_pins(const char *modpath, const char *label,
    const char *so, const char *pin)
{
	struct module *m;
	CK_SLOT_ID *slots = NULL, slot = 0, newslot;
	CK_ULONG n = 0, i;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_UTF8CHAR padded[32];
	int r, found = 0;
	CK_RV rv;

	if (strlen(label) > 32)
		return ts_error(TS_ERR_INVALID, "token label \"%s\" is longer "
		    "than 32 bytes", label);
	if ((r = module_acquire(modpath, &m)) != 0)
		return r;
	if (find_slot(m, label, &newslot) == 0) {
		r = ts_error(TS_ERR_EXISTS, "a token labelled \"%s\" exists "
		    "already", label);
		goto out;
	}
	ts_error_clear();
	if ((rv = m->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
		r = p11err("C_GetSlotList", rv);
		goto out;
	}
	if (n > 0 && (slots = calloc(n, sizeof(*slots))) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (n > 0 && (rv = m->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		r = p11err("C_GetSlotList", rv);
		goto out;
	}
	for (i = 0; i < n && !found; i++) {
		if (m->f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			slot = slots[i];
			found = 1;
		}
	}
	if (!found) {
		r = ts_error(TS_ERR_NOTFOUND, "no free slot with an "
		    "uninitialised token in %s", modpath);
		goto out;
	}
	if (strlen(pin) < 4 || strlen(so) < 4) {
		r = ts_error(TS_ERR_INVALID, "PINs must be at least 4 "
		    "characters");
		goto out;
	}
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label));
	if ((rv = m->f->C_InitToken(slot, (CK_UTF8CHAR *)so, strlen(so),
	    padded)) != CKR_OK) {
		r = p11err("C_InitToken", rv);
		goto out;
	}
	/* some modules (SoftHSM2) move the new token to another slot */
	if ((r = find_slot(m, label, &newslot)) != 0)
		goto out;
	if ((rv = m->f->C_OpenSession(newslot, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &h)) != CKR_OK) {
		r = p11err("C_OpenSession", rv);
		goto out;
	}
	if ((rv = m->f->C_Login(h, CKU_SO, (CK_UTF8CHAR *)so, strlen(so))) !=
	    CKR_OK) {
		r = p11err("C_Login(SO)", rv);
		goto out;
	}
	rv = m->f->C_InitPIN(h, (CK_UTF8CHAR *)pin, strlen(pin));
	m->f->C_Logout(h);
	if (rv != CKR_OK)
		r = p11err("C_InitPIN", rv);
out:
	if (h != CK_INVALID_HANDLE)
		m->f->C_CloseSession(h);
	free(slots);
	module_release(m);
	return r;
}

static int
bn_attr(const EVP_PKEY *pkey, const char *name, uint8_t **buf, size_t *len)
{
	BIGNUM *bn = NULL;
	int n;

	*buf = NULL;
	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return ts_error(TS_ERR_CRYPTO, "the RSA key lacks %s", name);
	n = BN_num_bytes(bn);
	if ((*buf = OPENSSL_secure_malloc(n > 0 ? (size_t)n : 1)) == NULL) {
		BN_clear_free(bn);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	BN_bn2bin(bn, *buf);
	*len = (size_t)n;
	BN_clear_free(bn);
	return 0;
}

int
token_import_session_key(struct token *t, EVP_PKEY *pkey,
    struct token_key *key)
{
	static const char *const names[] = { OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	static const CK_ATTRIBUTE_TYPE types[] = { CKA_MODULUS,
		CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT };
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[8 + 8];
	uint8_t *v[8] = { NULL };
	size_t l[8], i, n = 0;
	CK_OBJECT_HANDLE o;
	CK_RV rv;
	int r = 0;

	memset(key, 0, sizeof(*key));
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		return ts_error(TS_ERR_INVALID, "the key is not RSA: trust "
		    "files are signed with RSA keys only");
	if ((r = session(t, &h)) != 0)
		return r;
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &no, sizeof(no) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, sizeof(no) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_SIGN, &yes, sizeof(yes) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_DECRYPT, &no, sizeof(no) };
	for (i = 0; i < 8; i++) {
		if ((r = bn_attr(pkey, names[i], &v[i], &l[i])) != 0)
			goto out;
		tmpl[n++] = (CK_ATTRIBUTE){ types[i], v[i], l[i] };
	}
	if ((rv = t->m->f->C_CreateObject(h, tmpl, n, &o)) != CKR_OK) {
		r = p11err("C_CreateObject(session private key)", rv);
		goto out;
	}
	key->priv = o;
	key->pub = CK_INVALID_HANDLE;
	key->type = TOKEN_KEY_RSA;
	key->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	snprintf(key->label, sizeof(key->label), "session key");
out:
	for (i = 0; i < 8; i++)
		if (v[i] != NULL)
			OPENSSL_secure_clear_free(v[i], l[i]);
	return r;
}

void
token_destroy_session_key(struct token *t, struct token_key *key)
{
	CK_SESSION_HANDLE h;

	if (key->priv != CK_INVALID_HANDLE && session(t, &h) == 0)
		destroy(t, h, key->priv);
	memset(key, 0, sizeof(*key));
}

/* An AES key-encryption key as a session object that can only wrap and
 * unwrap: never a token object, never extractable. */
static int
import_kek(struct token *t, CK_SESSION_HANDLE h, const uint8_t *kek,
    size_t keklen, CK_OBJECT_HANDLE *k)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_UNWRAP, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_VALUE, (void *)kek, keklen },
	};
	CK_RV rv;

	*k = CK_INVALID_HANDLE;
	if ((rv = t->m->f->C_CreateObject(h, tmpl, sizeof(tmpl) /
	    sizeof(tmpl[0]), k)) != CKR_OK)
		return p11err("C_CreateObject(wrapping key)", rv);
	return 0;
}

int
token_wrap_key(struct token *t, const struct token_key *key,
    const uint8_t *kek, size_t keklen, uint8_t **blob, size_t *bloblen)
{
	CK_SESSION_HANDLE h;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	CK_ULONG len = 0;
	CK_RV rv;
	int r;

	*blob = NULL;
	*bloblen = 0;
	if ((r = session(t, &h)) != 0 ||
	    (r = import_kek(t, h, kek, keklen, &k)) != 0)
		return r;
	if (fault("token_wrap")) {
		r = p11err("C_WrapKey", CKR_DEVICE_ERROR);
		goto out;
	}
	if ((rv = t->m->f->C_WrapKey(h, &mech, k, key->priv, NULL, &len)) !=
	    CKR_OK) {
		r = p11err("C_WrapKey", rv);
		goto out;
	}
	if ((*blob = malloc(len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rv = t->m->f->C_WrapKey(h, &mech, k, key->priv, *blob, &len)) !=
	    CKR_OK) {
		free(*blob);
		*blob = NULL;
		r = p11err("C_WrapKey", rv);
		goto out;
	}
	*bloblen = len;
out:
	destroy(t, h, k);
	return r;
}

/* The public key object of an unwrapped private key, from its SPKI. */
static int
create_public(struct token *t, CK_SESSION_HANDLE h, EVP_PKEY *pub,
    const struct token_key *key, CK_BBOOL on_token, CK_OBJECT_HANDLE *o)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = key->type == TOKEN_KEY_RSA ? CKK_RSA : CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[9];
	uint8_t *a = NULL, *b = NULL, *pt = NULL;
	size_t alen = 0, blen = 0, ptlen = 0;
	ASN1_OCTET_STRING *os = NULL;
	CK_ULONG n = 0;
	CK_RV rv;
	int r = 0, dlen;

	tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &on_token, sizeof(on_token) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &no, sizeof(no) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_VERIFY, &yes, sizeof(yes) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)key->id, key->id_len };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)key->label,
	    strlen(key->label) };
	if (key->type == TOKEN_KEY_RSA) {
		if ((r = bn_attr(pub, OSSL_PKEY_PARAM_RSA_N, &a, &alen)) != 0 ||
		    (r = bn_attr(pub, OSSL_PKEY_PARAM_RSA_E, &b, &blen)) != 0)
			goto out;
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_MODULUS, a, alen };
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, b, blen };
	} else {
		if (key->bits == 256)
			tmpl[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS,
			    (void *)oid_p256, sizeof(oid_p256) };
		else
			tmpl[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS,
			    (void *)oid_p384, sizeof(oid_p384) };
		ptlen = EVP_PKEY_get1_encoded_public_key(pub, &pt);
		if (ptlen == 0 || (os = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(os, pt, (int)ptlen) ||
		    (dlen = i2d_ASN1_OCTET_STRING(os, &a)) <= 0) {
			r = ts_error(TS_ERR_CRYPTO, "cannot encode the EC point");
			goto out;
		}
		alen = (size_t)dlen;
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_EC_POINT, a, alen };
	}
	if ((rv = t->m->f->C_CreateObject(h, tmpl, n, o)) != CKR_OK)
		r = p11err("C_CreateObject(public key)", rv);
out:
	if (key->type == TOKEN_KEY_RSA) {
		OPENSSL_secure_clear_free(a, alen);
		OPENSSL_secure_clear_free(b, blen);
	} else {
		OPENSSL_free(a);
	}
	OPENSSL_free(pt);
	ASN1_OCTET_STRING_free(os);
	return r;
}

int
token_unwrap_key(struct token *t, const uint8_t *kek, size_t keklen,
    const uint8_t *blob, size_t bloblen, EVP_PKEY *pub,
    const uint8_t *id, size_t id_len, const char *label, unsigned flags,
    struct token_key *key)
{
	CK_SESSION_HANDLE h;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL on_token = (flags & TOKEN_UNWRAP_SESSION) ? CK_FALSE : CK_TRUE;
	CK_BBOOL sign = (flags & TOKEN_UNWRAP_NOSIGN) ? CK_FALSE : CK_TRUE;
	CK_ATTRIBUTE tmpl[12];
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	CK_RV rv;
	int r, base = EVP_PKEY_get_base_id(pub);

	memset(key, 0, sizeof(*key));
	if (id_len == 0 || id_len > TOKEN_ID_MAX ||
	    strlen(label) >= TOKEN_LABEL_MAX)
		return ts_error(TS_ERR_INVALID, "bad key id or label");
	if (base == EVP_PKEY_RSA) {
		key->type = TOKEN_KEY_RSA;
		kt = CKK_RSA;
	} else if (base == EVP_PKEY_EC) {
		key->type = TOKEN_KEY_EC;
		kt = CKK_EC;
	} else {
		return ts_error(TS_ERR_INVALID, "the key is neither RSA nor EC");
	}
	key->bits = (unsigned)EVP_PKEY_get_bits(pub);
	if (key->type == TOKEN_KEY_EC && key->bits != 256 && key->bits != 384)
		return ts_error(TS_ERR_INVALID, "EC key on an unsupported curve");
	memcpy(key->id, id, id_len);
	key->id_len = id_len;
	snprintf(key->label, sizeof(key->label), "%s", label);
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &on_token, sizeof(on_token) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	/* as generated: extractable only under wrapping, for the next
	 * backup; a session key is never extractable */
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, on_token ? &yes : &no,
	    sizeof(CK_BBOOL) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_SIGN, &sign, sizeof(sign) };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_ID, key->id, key->id_len };
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_LABEL, key->label,
	    strlen(key->label) };
	if (kt == CKK_RSA)
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_DECRYPT, on_token ? &yes : &no,
		    sizeof(CK_BBOOL) };
	else
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_DERIVE, on_token ? &yes : &no,
		    sizeof(CK_BBOOL) };
	if ((r = session(t, &h)) != 0 ||
	    (r = import_kek(t, h, kek, keklen, &k)) != 0)
		return r;
	if (fault("token_unwrap")) {
		r = p11err("C_UnwrapKey", CKR_DEVICE_MEMORY);
		goto out;
	}
	rv = t->m->f->C_UnwrapKey(h, &mech, k, (CK_BYTE_PTR)blob, bloblen,
	    tmpl, n, &key->priv);
	if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID ||
	    rv == CKR_WRAPPED_KEY_LEN_RANGE) {
		r = ts_error(TS_ERR_CRYPTO, "the wrapped key \"%s\" does not "
		    "unwrap: wrong passphrase or damaged backup", label);
		goto out;
	}
	if (rv != CKR_OK) {
		r = p11err("C_UnwrapKey", rv);
		goto out;
	}
	if (on_token && (r = create_public(t, h, pub, key, on_token,
	    &key->pub)) != 0)
		goto out;
	if (!on_token)
		key->pub = CK_INVALID_HANDLE;
out:
	destroy(t, h, k);
	if (r != 0) {
		if (key->priv != 0)
			destroy(t, h, key->priv);
		memset(key, 0, sizeof(*key));
	}
	return r;
}

int
token_key_count(struct token *t, unsigned *count)
{
	CK_SESSION_HANDLE h;
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[2] = {
		{ CKA_CLASS, &cpriv, sizeof(cpriv) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
	};
	CK_OBJECT_HANDLE found[64];
	CK_ULONG n = 0;
	CK_RV rv;
	int r;

	*count = 0;
	if ((r = session(t, &h)) != 0)
		return r;
	if ((rv = t->m->f->C_FindObjectsInit(h, tmpl, 2)) != CKR_OK)
		return p11err("C_FindObjectsInit", rv);
	do {
		if ((rv = t->m->f->C_FindObjects(h, found, 64, &n)) != CKR_OK) {
			t->m->f->C_FindObjectsFinal(h);
			return p11err("C_FindObjects", rv);
		}
		*count += (unsigned)n;
	} while (n == 64);
	t->m->f->C_FindObjectsFinal(h);
	return 0;
}
