/* hints: root hints (RFC 8109 §3): the names and addresses of the root
 * servers, read from a zone-file style hints file such as Debian's
 * /usr/share/dns/root.hints, or a built-in copy of IANA's when that is
 * missing. Only used to prime: the real root NS set comes from the root. */
#include "resolve_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HINTS_DEFAULT "/usr/share/dns/root.hints"

/* IANA's root servers (named.root, 2023 edition). */
static const char builtin_hints[] =
	".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
	"A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4\n"
	"A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30\n"
	".                        3600000      NS    B.ROOT-SERVERS.NET.\n"
	"B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2\n"
	"B.ROOT-SERVERS.NET.      3600000      AAAA  2801:1b8:10::b\n"
	".                        3600000      NS    C.ROOT-SERVERS.NET.\n"
	"C.ROOT-SERVERS.NET.      3600000      A     192.33.4.12\n"
	"C.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2::c\n"
	".                        3600000      NS    D.ROOT-SERVERS.NET.\n"
	"D.ROOT-SERVERS.NET.      3600000      A     199.7.91.13\n"
	"D.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2d::d\n"
	".                        3600000      NS    E.ROOT-SERVERS.NET.\n"
	"E.ROOT-SERVERS.NET.      3600000      A     192.203.230.10\n"
	"E.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:a8::e\n"
	".                        3600000      NS    F.ROOT-SERVERS.NET.\n"
	"F.ROOT-SERVERS.NET.      3600000      A     192.5.5.241\n"
	"F.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:2f::f\n"
	".                        3600000      NS    G.ROOT-SERVERS.NET.\n"
	"G.ROOT-SERVERS.NET.      3600000      A     192.112.36.4\n"
	"G.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:12::d0d\n"
	".                        3600000      NS    H.ROOT-SERVERS.NET.\n"
	"H.ROOT-SERVERS.NET.      3600000      A     198.97.190.53\n"
	"H.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:1::53\n"
	".                        3600000      NS    I.ROOT-SERVERS.NET.\n"
	"I.ROOT-SERVERS.NET.      3600000      A     192.36.148.17\n"
	"I.ROOT-SERVERS.NET.      3600000      AAAA  2001:7fe::53\n"
	".                        3600000      NS    J.ROOT-SERVERS.NET.\n"
	"J.ROOT-SERVERS.NET.      3600000      A     192.58.128.30\n"
	"J.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:c27::2:30\n"
	".                        3600000      NS    K.ROOT-SERVERS.NET.\n"
	"K.ROOT-SERVERS.NET.      3600000      A     193.0.14.129\n"
	"K.ROOT-SERVERS.NET.      3600000      AAAA  2001:7fd::1\n"
	".                        3600000      NS    L.ROOT-SERVERS.NET.\n"
	"L.ROOT-SERVERS.NET.      3600000      A     199.7.83.42\n"
	"L.ROOT-SERVERS.NET.      3600000      AAAA  2001:500:9f::42\n"
	".                        3600000      NS    M.ROOT-SERVERS.NET.\n"
	"M.ROOT-SERVERS.NET.      3600000      A     202.12.27.33\n"
	"M.ROOT-SERVERS.NET.      3600000      AAAA  2001:dc3::35\n";

static struct hints_ns *find_ns(struct hints *h, const uint8_t *name)
{
	for (unsigned i = 0; i < h->n; i++)
		if (wire_name_equal(h->ns[i].name, name))
			return &h->ns[i];
	return NULL;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* One line: OWNER [TTL] [IN] TYPE RDATA. Returns false when malformed. */
static bool parse_line(char *line, uint16_t port, struct hints *h,
		       uint8_t pending[HINTS_MAX_NS * 4][WIRE_NAME_MAX],
		       struct cairn_sockaddr *paddr, unsigned *npending)
{
	char *tok[8], *save = NULL;
	unsigned n = 0, i = 1;
	uint8_t owner[WIRE_NAME_MAX], target[WIRE_NAME_MAX];
	size_t olen, tlen;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 8;
	     t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	if (n == 0)
		return true;
	if (n < 3 || wire_name_from_text(tok[0], NULL, owner, &olen) != CAIRN_OK)
		return false;
	if (i < n && is_number(tok[i]))
		i++;
	if (i < n && strcasecmp(tok[i], "IN") == 0)
		i++;
	if (i + 1 >= n)
		return false;
	if (strcasecmp(tok[i], "NS") == 0) {
		if (owner[0] != 0)
			return false;  /* only the root's NS set belongs here */
		if (wire_name_from_text(tok[i + 1], NULL, target, &tlen) != CAIRN_OK)
			return false;
		if (find_ns(h, target))
			return true;
		if (h->n >= HINTS_MAX_NS)
			return true;   /* more than we use: ignore the rest */
		memset(&h->ns[h->n], 0, sizeof(h->ns[h->n]));
		memcpy(h->ns[h->n].name, target, tlen);
		h->n++;
		return true;
	}
	if (strcasecmp(tok[i], "A") == 0 || strcasecmp(tok[i], "AAAA") == 0) {
		struct cairn_sockaddr sa;
		if (cairn_sockaddr_parse(tok[i + 1], port, &sa) != CAIRN_OK)
			return false;
		if ((strcasecmp(tok[i], "A") == 0) != (sa.ss.ss_family == AF_INET))
			return false;
		/* addresses may come before their NS line: keep them aside */
		if (*npending < HINTS_MAX_NS * 4) {
			memcpy(pending[*npending], owner, olen);
			paddr[*npending] = sa;
			(*npending)++;
		}
		return true;
	}
	return false;
}

cairn_err hints_parse(const char *text, uint16_t port, struct hints *out)
{
	static const size_t maxline = 1024;
	uint8_t pending[HINTS_MAX_NS * 4][WIRE_NAME_MAX];
	struct cairn_sockaddr paddr[HINTS_MAX_NS * 4];
	unsigned npending = 0, with_addr = 0;
	char line[1024];
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char *c;

		if (l >= maxline)
			return CAIRN_EFORMAT;
		memcpy(line, p, l);
		line[l] = 0;
		p += l + (e ? 1 : 0);
		if ((c = strchr(line, ';')) != NULL)
			*c = 0;
		if (!parse_line(line, port, out, pending, paddr, &npending))
			return CAIRN_EFORMAT;
	}
	for (unsigned i = 0; i < npending; i++) {
		struct hints_ns *ns = find_ns(out, pending[i]);
		if (ns && ns->naddr < HINTS_MAX_ADDR)
			ns->addr[ns->naddr++] = paddr[i];
	}
	for (unsigned i = 0; i < out->n; i++)
		if (out->ns[i].naddr)
			with_addr++;
	return with_addr ? CAIRN_OK : CAIRN_EFORMAT;
}

cairn_err hints_load(const char *path, uint16_t port, struct hints *out, bool *builtin)
{
	const char *file = path ? path : HINTS_DEFAULT;
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	cairn_err err = CAIRN_OK;

	*builtin = false;
	f = fopen(file, "r");
	if (!f) {
		if (path) {
			log_err("root-hints %s: %s", path, strerror(errno));
			return CAIRN_EIO;
		}
		*builtin = true;
		return hints_parse(builtin_hints, port, out);
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nt = realloc(text, cap + 65536);
			if (!nt) {
				err = CAIRN_ENOMEM;
				goto done;
			}
			text = nt;
			cap += 65536;
		}
		n = fread(text + len, 1, 4096, f);
		len += n;
		if (n == 0)
			break;
		if (len > 1024 * 1024) {
			log_err("root-hints %s: larger than 1 MB", file);
			err = CAIRN_ELIMIT;
			goto done;
		}
	}
	if (ferror(f)) {  /* e.g. a directory: say so, not "no root server" */
		log_err("root-hints %s: %s", file, strerror(errno ? errno : EIO));
		err = CAIRN_EIO;
		goto done;
	}
	text[len] = 0;
	err = hints_parse(text, port, out);
	if (err != CAIRN_OK)
		log_err("root-hints %s: no usable root server", file);
done:
	fclose(f);
	free(text);
	return err;
}
