/* common/addr.c: socket address text ("ADDR[@PORT]", "ADDR#PORT") and
 * address prefixes for ACLs, with IPv4-mapped IPv6 addresses matching
 * IPv4 prefixes. */
#include "cairn/common.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_TEXT_MAX 64

/* Parses a decimal number of at most max without sign or spaces. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

cairn_err cairn_sockaddr_parse(const char *text, uint16_t default_port,
			       struct cairn_sockaddr *out)
{
	cairn_err err = CAIRN_EINVAL;
	char host[ADDR_TEXT_MAX];
	unsigned long port = default_port;
	const char *at;
	size_t hlen;

	if (!text)
		goto done;
	at = strchr(text, '@');
	hlen = at ? (size_t)(at - text) : strlen(text);
	if (hlen == 0 || hlen >= sizeof(host))
		goto done;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (at && !parse_uint(at + 1, 65535, &port))
		goto done;

	memset(out, 0, sizeof(*out));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*s4);
		err = CAIRN_OK;
		goto done;
	}
	/* IPv6, optionally with a %scope (interface name or index). */
	char *pct = strchr(host, '%');
	if (pct) {
		*pct++ = '\0';
		unsigned long idx;
		if (!parse_uint(pct, UINT32_MAX, &idx)) {
			idx = if_nametoindex(pct);
			if (idx == 0)
				goto done;
		}
		s6->sin6_scope_id = (uint32_t)idx;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
		goto done;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	out->len = sizeof(*s6);
	err = CAIRN_OK;
done:
	return err;
}

char *cairn_sockaddr_format(const struct cairn_sockaddr *sa, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr *s = (const struct sockaddr *)&sa->ss;
	unsigned port = 0;

	if (buflen == 0)
		return buf;
	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)s;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)s;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	} else {
		snprintf(buf, buflen, "?");
		return buf;
	}
	snprintf(buf, buflen, "%s#%u", host, port);
	return buf;
}

cairn_err cairn_prefix_parse(const char *text, struct cairn_prefix *out)
{
	cairn_err err = CAIRN_EINVAL;
	char host[ADDR_TEXT_MAX];
	const char *slash;
	size_t hlen;
	unsigned long bits;
	unsigned maxbits;

	if (!text)
		goto done;
	slash = strchr(text, '/');
	hlen = slash ? (size_t)(slash - text) : strlen(text);
	if (hlen == 0 || hlen >= sizeof(host))
		goto done;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		maxbits = 128;
	} else {
		goto done;
	}
	bits = maxbits;
	if (slash && !parse_uint(slash + 1, maxbits, &bits))
		goto done;
	out->bits = (uint8_t)bits;
	/* Clear host bits so matching compares only the network part. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= bits)
			out->addr[i] = 0;
		else if (lo + 8 > bits)
			out->addr[i] &= (uint8_t)(0xff << (8 - (bits - lo)));
	}
	err = CAIRN_OK;
done:
	return err;
}

static bool bits_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & mask) != (b[full] & mask))
			return false;
	}
	return true;
}

bool cairn_prefix_match(const struct cairn_prefix *p, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t a6[16];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		if (p->family == AF_INET)
			return bits_match(p->addr, (const uint8_t *)&s4->sin_addr, p->bits);
		/* An IPv6 prefix such as ::ffff:0:0/96 covers IPv4 clients
		 * in their v4-mapped form (RFC 4291 §2.5.5.2). */
		memcpy(a6, mapped, 12);
		memcpy(a6 + 12, &s4->sin_addr, 4);
		return p->family == AF_INET6 && bits_match(p->addr, a6, p->bits);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = (const uint8_t *)&s6->sin6_addr;
		if (p->family == AF_INET6)
			return bits_match(p->addr, a, p->bits);
		if (p->family == AF_INET && memcmp(a, mapped, 12) == 0)
			return bits_match(p->addr, a + 12, p->bits);
	}
	return false;
}
