/* A minimal streaming JSON writer: sandboxctl's --json output and the
 * report engine's (libsbxreport). */
#ifndef SANDBOX_JSON_H
#define SANDBOX_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool need_comma[32];
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* Writes S as a JSON string literal.  Valid UTF-8 is kept as it is; bytes
 * that are not (audit fields and file names need not be UTF-8) are written
 * as \u00XX, the code point of the same number, so the output is always
 * valid JSON. */
void json_write_escaped(FILE *f, const char *s);

#endif
