/* Numeric values of the configuration: see include/sandbox/size.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sandbox/config.h"
#include "sandbox/size.h"

/* Strict on purpose: no sign, no blanks, no "B", one optional suffix.  A
 * size that strtoull() would half-accept ("4GB" -> 4) must never turn into
 * a smaller limit than the administrator meant.
 * Returns 0, -EINVAL (malformed) or -ERANGE (more than 64 bits). */
int sbx_parse_size(const char *s, uint64_t *ret)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "max")) {
		*ret = SBX_UNLIMITED;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*p) {
		switch (*p) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		case 't': case 'T': mult = 1ull << 40; break;
		default: return -EINVAL;
		}
		if (p[1])
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	v *= mult;
	/* UINT64_MAX is how "max" is held; a number must not alias it. */
	if (v == SBX_UNLIMITED)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Cores to millicores.  The cgroup quota is computed from the millicores,
 * so a value between two steps of 0.01 is refused rather than rounded.
 * Returns 0, -EINVAL (not a positive number, not a multiple of 0.01) or
 * -ERANGE (more than 4096 cores). */
int sbx_cpus_to_milli(double cores, uint64_t *ret)
{
	double hundredths;

	if (!isfinite(cores) || cores <= 0)
		return -EINVAL;
	if (cores > 4096.0)
		return -ERANGE;
	hundredths = cores * 100.0;
	if (fabs(hundredths - round(hundredths)) > 1e-6 * (hundredths > 1 ? hundredths : 1))
		return -EINVAL;
	if (round(hundredths) < 1)
		return -EINVAL;
	*ret = (uint64_t)llround(hundredths) * 10;
	return 0;
}

/* The largest suffix that divides the value exactly, so that what we print
 * reads back as the same number of bytes. */
const char *sbx_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char suffix[] = "TGMK";

	if (bytes == SBX_UNLIMITED) {
		snprintf(buf, len, "max");
		return buf;
	}
	for (int i = 0; i < 4; i++) {
		unsigned shift = (unsigned)(40 - 10 * i);
		uint64_t unit = 1ull << shift;

		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes >> shift), suffix[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}
