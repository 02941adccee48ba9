/* error.c - error codes and per-thread detail messages. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

static __thread char detail[1024];
static __thread int detail_code;

const char *
ts_strerror(int code)
{
	switch (code) {
	case TS_OK: return "success";
	case TS_ERR_NOMEM: return "out of memory";
	case TS_ERR_TRUNCATED: return "input is truncated";
	case TS_ERR_FORMAT: return "malformed input";
	case TS_ERR_LIMIT: return "size limit exceeded";
	case TS_ERR_IO: return "input/output error";
	case TS_ERR_TOKEN: return "PKCS#11 token error";
	case TS_ERR_CRYPTO: return "cryptographic library error";
	case TS_ERR_NOTFOUND: return "not found";
	case TS_ERR_INVALID: return "invalid argument";
	case TS_ERR_SIGNATURE: return "signature verification failed";
	case TS_ERR_STATE: return "inventory error";
	case TS_ERR_EXISTS: return "already exists";
	case TS_ERR_AUTH: return "authentication failed";
	case TS_ERR_CONFIG: return "configuration error";
	}
	return "unknown error";
}

int
ts_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	detail_code = code;
	return code;
}

const char *
ts_error_detail(int code)
{
	if (detail[0] != '\0' && detail_code == code)
		return detail;
	return ts_strerror(code);
}

void
ts_error_clear(void)
{
	detail[0] = '\0';
	detail_code = 0;
}

void
ts_error_save(struct ts_saved_error *s)
{
	s->code = detail_code;
	snprintf(s->detail, sizeof(s->detail), "%s", detail);
}

void
ts_error_restore(const struct ts_saved_error *s)
{
	detail_code = s->code;
	snprintf(detail, sizeof(detail), "%s", s->detail);
}
