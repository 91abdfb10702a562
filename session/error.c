/* The error object: see include/sandbox/error.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/error.h"

static const char generic[] = "unknown error";

/* Append one line (vprintf style) to err->msg. */
static void append(struct sbx_error *err, const char *fmt, va_list ap)
{
	char *line = NULL, *joined;

	if (vasprintf(&line, fmt, ap) < 0) {
		err->oom = 1;
		return;
	}
	if (!err->msg) {
		err->msg = line;
		err->count = 1;
		return;
	}
	if (asprintf(&joined, "%s\n%s", err->msg, line) < 0) {
		free(line);
		err->oom = 1;
		return;
	}
	free(line);
	free(err->msg);
	err->msg = joined;
	err->count++;
}

int sbx_error_set(struct sbx_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code <= 0)
		code = EIO;
	if (!err)
		return -code;
	sbx_error_clear(err);
	err->code = code;
	va_start(ap, fmt);
	append(err, fmt, ap);
	va_end(ap);
	return -code;
}

int sbx_error_add(struct sbx_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code <= 0)
		code = EIO;
	if (!err)
		return -code;
	if (!err->code)
		err->code = code;
	va_start(ap, fmt);
	append(err, fmt, ap);
	va_end(ap);
	return -err->code;
}

int sbx_error_prefix(struct sbx_error *err, const char *fmt, ...)
{
	va_list ap;
	char *prefix = NULL, *out, *o;
	size_t plen, lines = 1, len;

	if (!err)
		return -EIO;
	if (!err->code)
		err->code = EIO;
	if (!err->msg)
		return -err->code;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0) {
		va_end(ap);
		return -err->code;
	}
	va_end(ap);

	for (const char *p = err->msg; *p; p++)
		lines += (*p == '\n');
	plen = strlen(prefix);
	len = strlen(err->msg) + lines * plen + 1;
	out = malloc(len);
	if (!out) {
		free(prefix);
		return -err->code;
	}
	/* Prefix every line, so each stays self-contained when printed. */
	o = out;
	memcpy(o, prefix, plen);
	o += plen;
	for (const char *p = err->msg; *p; p++) {
		*o++ = *p;
		if (*p == '\n') {
			memcpy(o, prefix, plen);
			o += plen;
		}
	}
	*o = '\0';
	free(prefix);
	free(err->msg);
	err->msg = out;
	return -err->code;
}

const char *sbx_error_first(const struct sbx_error *err, char *buf, size_t len)
{
	const char *nl;
	size_t n;

	if (!err || !err->msg) {
		if (err && err->code) {
#ifdef __GLIBC__
			/* GNU strerror_r (we build with _GNU_SOURCE): it returns
			 * the text, which may or may not be in buf. */
			const char *t = strerror_r(err->code, buf, len);

			return t ? t : generic;
#else
			/* musl (sandbox-init): the XSI one, text in buf. */
			return strerror_r(err->code, buf, len) == 0 ? buf : generic;
#endif
		}
		return generic;
	}
	nl = strchr(err->msg, '\n');
	if (!nl)
		return err->msg;
	n = (size_t)(nl - err->msg);
	if (n >= len)
		n = len - 1;
	memcpy(buf, err->msg, n);
	buf[n] = '\0';
	return buf;
}

const char *sbx_error_text(const struct sbx_error *err)
{
	if (err && err->msg)
		return err->msg;
	if (err && err->code)
		return strerror(err->code);
	return generic;
}

void sbx_error_clear(struct sbx_error *err)
{
	if (!err)
		return;
	free(err->msg);
	err->msg = NULL;
	err->code = 0;
	err->count = 0;
	err->oom = 0;
}
