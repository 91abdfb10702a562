/* Parsing of the numeric values in the configuration.  Pure logic. */
#ifndef SANDBOX_SIZE_H
#define SANDBOX_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* "4G", "512M", "100K", "1T", "123" (bytes), or "max" (SBX_UNLIMITED).
 * Suffixes are powers of 1024, upper or lower case, no "B".
 * Returns 0, -EINVAL (malformed), -ERANGE (overflows 64 bits). */
int sbx_parse_size(const char *s, uint64_t *ret);

/* Cores as a number (0.5, 2, 2.0) to millicores: from 0.01 up to 4096
 * cores in steps of 0.01.  Returns 0 or -EINVAL/-ERANGE. */
int sbx_cpus_to_milli(double cores, uint64_t *ret);

/* Format a byte count the way the config writes it ("4G", "1536M", "17"),
 * or "max".  buf needs at least 24 bytes. */
const char *sbx_format_size(uint64_t bytes, char *buf, size_t len);

#endif
