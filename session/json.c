#include "config.h"

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

/* Length of the well-formed UTF-8 sequence of two to four bytes at P, or
 * 0 (overlong forms, surrogates and code points above U+10FFFF are not). */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void json_write_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		size_t n;

		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else if ((n = utf8_len(p)) > 0) {
				fwrite(p, 1, n, f);
				p += n - 1;
			} else {
				fprintf(f, "\\u%04x", *p);
			}
		}
	}
	fputc('"', f);
}

/* Comma and key before a value, as the container needs. */
static void prefix(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		json_write_escaped(j->f, key);
		fputc(':', j->f);
	}
}

static void open_container(struct json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
}

void json_begin_object(struct json *j, const char *key) { open_container(j, key, '{'); }
void json_begin_array(struct json *j, const char *key) { open_container(j, key, '['); }

static void close_container(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_end_object(struct json *j) { close_container(j, '}'); }
void json_end_array(struct json *j) { close_container(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
	prefix(j, key);
	if (value)
		json_write_escaped(j->f, value);
	else
		fputs("null", j->f);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)value);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	prefix(j, key);
	fprintf(j->f, "%lld", (long long)value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	prefix(j, key);
	fputs(value ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}
