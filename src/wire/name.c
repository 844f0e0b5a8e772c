/* wire/name.c: DNS names in wire form: decompression, length, case folding,
 * comparison (RFC 4343, RFC 4034 §6.1), hashing and presentation form. */
#include "cairn/wire.h"
#include "hash_int.h"

#include <string.h>

/* ASCII-only case folding table (RFC 4343 §3: only A-Z fold). */
static const uint8_t lower_tab[256] = {
#define R(i) (uint8_t)((i) >= 'A' && (i) <= 'Z' ? (i) + 32 : (i))
#define R4(i) R(i), R(i + 1), R(i + 2), R(i + 3)
#define R16(i) R4(i), R4(i + 4), R4(i + 8), R4(i + 12)
#define R64(i) R16(i), R16(i + 16), R16(i + 32), R16(i + 48)
	R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R16
#undef R4
#undef R
};

cairn_err wire_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos,
			   uint8_t *out, size_t *outlen, bool lower)
{
	cairn_err err = CAIRN_EFORMAT;
	size_t p = *pos;
	size_t end = 0;          /* where the name ends at *pos (after first pointer) */
	size_t floor = *pos;     /* pointers must go strictly below this */
	size_t n = 0;
	bool jumped = false;

	for (;;) {
		if (p >= msglen)
			goto done;
		uint8_t c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			/* RFC 1035 §4.1.4 pointer. Each pointer must point
			 * strictly before the start of the run of labels it
			 * ends, so a chain of pointers strictly decreases and
			 * cannot loop or point forward. */
			if (p + 1 >= msglen)
				goto done;
			size_t target = ((size_t)(c & 0x3f) << 8) | msg[p + 1];
			if (target >= floor)
				goto done;
			if (!jumped) {
				end = p + 2;
				jumped = true;
			}
			floor = target;
			p = target;
			continue;
		}
		if (c & 0xc0)            /* 0x40, 0x80: reserved (RFC 6891 §5) */
			goto done;
		if (n + 1 + c > WIRE_NAME_MAX)  /* RFC 1035 §2.3.4: 255 octets */
			goto done;
		if (p + 1 + c > msglen)
			goto done;
		out[n++] = c;
		if (c == 0) {
			p++;
			break;
		}
		if (lower) {
			for (unsigned i = 1; i <= c; i++)
				out[n++] = lower_tab[msg[p + i]];
		} else {
			memcpy(out + n, msg + p + 1, c);
			n += c;
		}
		p += 1 + (size_t)c;
	}
	*pos = jumped ? end : p;
	*outlen = n;
	err = CAIRN_OK;
done:
	return err;
}

size_t wire_name_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

unsigned wire_name_labels(const uint8_t *name)
{
	unsigned n = 0;
	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

void wire_name_lower(uint8_t *name)
{
	while (*name) {
		uint8_t l = *name++;
		for (uint8_t i = 0; i < l; i++, name++)
			*name = lower_tab[*name];
	}
}

bool wire_name_equal(const uint8_t *a, const uint8_t *b)
{
	/* Length octets are <= 63 and never fold, so a byte-wise folded
	 * comparison compares the label structure as well. */
	for (;;) {
		uint8_t la = *a, lb = *b;
		if (la != lb)
			return false;
		if (la == 0)
			return true;
		a++, b++;
		for (uint8_t i = 0; i < la; i++)
			if (lower_tab[a[i]] != lower_tab[b[i]])
				return false;
		a += la;
		b += la;
	}
}

/* Fills offs with the offset of each label (not the root); returns count. */
static unsigned label_offsets(const uint8_t *name, uint8_t offs[128])
{
	unsigned n = 0;
	size_t p = 0;
	while (name[p] && n < 128) {
		offs[n++] = (uint8_t)p;
		p += name[p] + 1u;
	}
	return n;
}

int wire_name_compare(const uint8_t *a, const uint8_t *b)
{
	/* RFC 4034 §6.1: compare labels from the rightmost one, each as a
	 * case-folded octet string where a shorter string that is a prefix
	 * sorts first; a name with fewer labels sorts first when all its
	 * labels match. */
	uint8_t oa[128], ob[128];
	unsigned na = label_offsets(a, oa);
	unsigned nb = label_offsets(b, ob);

	while (na > 0 && nb > 0) {
		const uint8_t *la = a + oa[--na];
		const uint8_t *lb = b + ob[--nb];
		unsigned lena = la[0], lenb = lb[0];
		unsigned m = lena < lenb ? lena : lenb;
		for (unsigned i = 1; i <= m; i++) {
			int d = (int)lower_tab[la[i]] - (int)lower_tab[lb[i]];
			if (d)
				return d;
		}
		if (lena != lenb)
			return (int)lena - (int)lenb;
	}
	return (int)na - (int)nb;
}

bool wire_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned ln = wire_name_labels(name);
	unsigned lp = wire_name_labels(parent);
	if (ln < lp)
		return false;
	for (unsigned i = 0; i < ln - lp; i++)
		name += *name + 1;
	return wire_name_equal(name, parent);
}

CAIRN_HOT uint32_t wire_name_hash(const uint8_t *name, size_t len)
{
	/* Over the case-folded bytes, so that names differing only in case
	 * hash alike even when the caller did not lowercase (hash_int.h) */
	const size_t whole = len;
	uint64_t h = name_hash_init(len), w;

	for (; len >= 8; name += 8, len -= 8) {
		memcpy(&w, name, 8);
		h = name_hash_step(h, lower8(w));
	}
	if (len) {
		/* the last 1..7 bytes in a register, upper bytes zero, without
		 * reading past the name or storing bytes to load them as a word
		 * (a store-forwarding stall) */
		if (whole >= 8) {
			memcpy(&w, name + len - 8, 8);   /* the name's last 8 bytes */
			w = tail_of(w, len);
		} else {
			w = 0;
			for (size_t i = 0; i < len; i++)
				w |= (uint64_t)name[i] << (8 * i);
		}
		h = name_hash_tail(h, lower8(w));
	}
	return name_hash_final(h);
}

const uint8_t *wire_name_parent(const uint8_t *name)
{
	if (*name == 0)
		return name;
	return name + *name + 1;
}

/* Characters escaped with a backslash in presentation form (RFC 1035 §5.1
 * special characters, as BIND and ldns print them). */
static bool is_special(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
	       c == ';' || c == '@' || c == '$';
}

cairn_err wire_name_to_text(const uint8_t *name, char *buf, size_t buflen)
{
	cairn_err err = CAIRN_ELIMIT;
	size_t n = 0;

	if (buflen < 2)
		goto done;
	if (*name == 0) {
		buf[0] = '.';
		buf[1] = '\0';
		return CAIRN_OK;
	}
	while (*name) {
		uint8_t l = *name++;
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = name[i];
			if (c <= 0x20 || c >= 0x7f) {
				/* \DDD: 4 characters, plus room for NUL */
				if (n + 4 >= buflen)
					goto done;
				buf[n++] = '\\';
				buf[n++] = (char)('0' + c / 100);
				buf[n++] = (char)('0' + c / 10 % 10);
				buf[n++] = (char)('0' + c % 10);
			} else if (is_special(c)) {
				if (n + 2 >= buflen)
					goto done;
				buf[n++] = '\\';
				buf[n++] = (char)c;
			} else {
				if (n + 1 >= buflen)
					goto done;
				buf[n++] = (char)c;
			}
		}
		if (n + 1 >= buflen)
			goto done;
		buf[n++] = '.';
		name += l;
	}
	buf[n] = '\0';
	err = CAIRN_OK;
done:
	if (err != CAIRN_OK && buflen > 0)
		buf[0] = '\0';
	return err;
}

cairn_err wire_name_from_text(const char *text, const uint8_t *origin,
			      uint8_t *out, size_t *outlen)
{
	static const uint8_t root[1] = { 0 };
	cairn_err err = CAIRN_EFORMAT;
	const char *s = text;
	size_t n = 0;            /* bytes written to out */
	size_t lab = 0;          /* offset of the current label's length octet */
	bool absolute = false;

	if (!origin)
		origin = root;
	if (!text || !*text)
		goto done;
	if (strcmp(text, "@") == 0) {
		n = 0;
		goto append_origin;
	}
	if (strcmp(text, ".") == 0) {
		out[0] = 0;
		*outlen = 1;
		return CAIRN_OK;
	}
	out[0] = 0;
	n = 1;
	while (*s) {
		unsigned c = (unsigned char)*s++;
		if (c == '.') {
			uint8_t l = out[lab];
			if (l == 0)          /* empty label: "a..b" or ".a" */
				goto done;
			if (*s == '\0') {
				absolute = true;
				break;
			}
			lab = n;
			if (n >= WIRE_NAME_MAX)
				goto done;
			out[n++] = 0;
			continue;
		}
		if (c == '\\') {
			if (s[0] >= '0' && s[0] <= '9') {
				if (!(s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'))
					goto done;
				c = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
				    (unsigned)(s[2] - '0');
				if (c > 255)
					goto done;
				s += 3;
			} else if (*s) {
				c = (unsigned char)*s++;
			} else {
				goto done;   /* trailing backslash */
			}
		}
		if (out[lab] >= WIRE_LABEL_MAX)  /* RFC 1035 §2.3.4: 63 octets */
			goto done;
		if (n >= WIRE_NAME_MAX)
			goto done;
		out[lab]++;
		out[n++] = lower_tab[c];
	}
	if (out[lab] == 0)
		goto done;
	if (absolute) {
		if (n >= WIRE_NAME_MAX)
			goto done;
		out[n++] = 0;
		*outlen = n;
		return CAIRN_OK;
	}
append_origin:;
	size_t ol = wire_name_len(origin);
	if (n + ol > WIRE_NAME_MAX)
		goto done;
	for (size_t i = 0; i < ol; i++)
		out[n + i] = lower_tab[origin[i]];
	n += ol;
	*outlen = n;
	err = CAIRN_OK;
done:
	return err;
}
