/* One error object, carried up from where a failure happens to the one place
 * that reports it (the PAM glue logs it, sandboxctl prints it).
 *
 * Engine functions return 0 on success or a negative errno, and fill a
 * struct sbx_error on failure.  A validator may add several messages (one
 * per problem found) so that every problem is reported, not just the first.
 * The engine never logs above debug level itself. */
#ifndef SANDBOX_ERROR_H
#define SANDBOX_ERROR_H

#include <stddef.h>

struct sbx_error {
	int code;      /* positive errno of the first failure, 0 when clear */
	size_t count;  /* number of messages held */
	char *msg;     /* messages joined by '\n'; NULL when clear */
	int oom;       /* a message could not be stored (out of memory) */
};

#define SBX_ERROR_INIT { 0, 0, NULL, 0 }

/* Record a failure.  Replaces any message already held.  Returns -code so
 * callers can write `return sbx_error_set(err, EINVAL, "...")`. */
int sbx_error_set(struct sbx_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add one more message (a validator reporting every problem).  The first
 * code recorded is kept.  Returns -code. */
int sbx_error_add(struct sbx_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put context in front of every message held: "role developer: " + msg.
 * Returns -err->code. */
int sbx_error_prefix(struct sbx_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The first message, or a generic text; never NULL.  For one-line logs. */
const char *sbx_error_first(const struct sbx_error *err, char *buf, size_t len);

/* The full text (all messages, '\n'-separated); never NULL. */
const char *sbx_error_text(const struct sbx_error *err);

void sbx_error_clear(struct sbx_error *err);

#endif
