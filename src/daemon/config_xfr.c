/* config_xfr: the cairnd.conf keys of zone transfers: `key:` clauses (TSIG
 * keys, RFC 8945) and the zone keys provide-xfr, notify, primary,
 * allow-notify, ixfr-number and ixfr-size. Rows for them sit in the tables
 * of config_keys.c; key names are checked once the whole file is read, so
 * a key: clause may come after the zones that use it. */
#include "config.h"

#include "config_int.h"
#include "cairn/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TSIG_SECRET_MAX 512    /* decoded bytes; keys are 16-64 in practice */
#define XFR_REMOTES_MAX 64     /* notify:/primary: per zone */

/* Decodes base64 (RFC 4648 §4, padding optional, no white space) into out
 * (cap bytes). Returns the number of bytes, or -1. */
static int b64_decode(const char *in, uint8_t *out, size_t cap)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	int pad = 0;

	for (const char *c = in; *c; c++) {
		const char *pos;

		if (*c == '=') {
			if (++pad > 2)
				return -1;
			continue;
		}
		pos = strchr(alpha, *c);
		if (!pos || pad)
			return -1;
		acc = (acc << 6) | (uint32_t)(pos - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1; /* a dangling character or non-zero spare bits */
	return (int)n;
}

/* ---- key: ---- */

void *config_key_begin(struct config_parser *p)
{
	struct cairn_config *cfg = p->cfg;
	struct config_tsig_key *grown;

	grown = realloc(cfg->keys, (cfg->n_keys + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return NULL;
	}
	cfg->keys = grown;
	cfg->keys[cfg->n_keys] = (struct config_tsig_key){ .line = p->line };
	return &cfg->keys[cfg->n_keys++];
}

void config_key_end(struct config_parser *p, void *target)
{
	struct config_tsig_key *k = target;

	if (!config_key_given(p, "key", "name"))
		config_report(p, k->line, "key without 'name'");
	if (!config_key_given(p, "key", "algorithm"))
		config_report(p, k->line, "key %s without 'algorithm'", k->name ? k->name : "");
	if (!config_key_given(p, "key", "secret"))
		config_report(p, k->line, "key %s without 'secret'", k->name ? k->name : "");
}

/* Compares key names ignoring ASCII case and a trailing dot. */
static bool key_name_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

bool config_parse_key_name(struct config_parser *p, void *target, const char *value)
{
	struct config_tsig_key *k = target;
	uint8_t wire[WIRE_NAME_MAX];
	size_t len;

	if (!value[0] || strcmp(value, ".") == 0 ||
	    wire_name_from_text(value, NULL, wire, &len) != CAIRN_OK) {
		config_report(p, p->line, "bad key name '%s' (want a domain name such as xfr-key)",
			      value);
		return false;
	}
	if (strcasecmp(value, "NOKEY") == 0) {
		config_report(p, p->line, "'NOKEY' cannot be a key name");
		return false;
	}
	for (size_t i = 0; i < p->cfg->n_keys; i++) {
		struct config_tsig_key *o = &p->cfg->keys[i];

		if (o != k && o->name && key_name_same(o->name, value)) {
			config_report(p, p->line, "duplicate key '%s' (also on line %u)", value,
				      o->line);
			return false;
		}
	}
	k->name = config_dup_name(p, value);
	return k->name != NULL;
}

bool config_parse_key_algorithm(struct config_parser *p, void *target, const char *value)
{
	static const char *known[] = { "hmac-sha256", "hmac-sha512", "hmac-sha1" };
	struct config_tsig_key *k = target;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcasecmp(value, known[i]) == 0) {
			k->algorithm = strdup(known[i]);
			if (!k->algorithm) {
				config_report(p, p->line, "out of memory");
				return false;
			}
			return true;
		}
	}
	config_report(p, p->line, "unknown key algorithm '%s' (want hmac-sha256, hmac-sha512 "
		      "or hmac-sha1)", value);
	return false;
}

bool config_parse_key_secret(struct config_parser *p, void *target, const char *value)
{
	struct config_tsig_key *k = target;
	size_t vlen = strlen(value);
	uint8_t *buf;
	int n;

	buf = malloc(vlen + 1);
	if (!buf) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	n = vlen ? b64_decode(value, buf, vlen + 1) : -1;
	if (n <= 0 || n > TSIG_SECRET_MAX) {
		config_report(p, p->line, "bad key secret (want base64 text of 1 to %d bytes, "
			      "e.g. from tsig-keygen)", TSIG_SECRET_MAX);
		free(buf);
		return false;
	}
	free(k->secret);
	k->secret = buf;
	k->secret_len = (size_t)n;
	return true;
}

/* ---- zone keys ---- */

/* Splits value into at most 3 words (the copy is the caller's). Returns
 * the number of words, or -1 when there are more. */
static int split3(char *copy, char *w[3])
{
	char *save = NULL;
	int n = 0;

	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 3)
			return -1;
		w[n++] = t;
	}
	return n;
}

/* provide-xfr: / allow-notify: PREFIX KEYNAME|NOKEY */
static bool parse_acl(struct config_parser *p, const char *what, const char *value,
		      struct config_xfr_acl **list, size_t *n)
{
	char *copy = strdup(value), *w[3];
	struct config_xfr_acl a = { .line = p->line }, *grown;
	bool ok = false;
	int nw;

	if (!copy) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	nw = split3(copy, w);
	if (nw != 2) {
		config_report(p, p->line, "bad %s '%s' (want PREFIX KEYNAME|NOKEY)", what, value);
		goto done;
	}
	if (cairn_prefix_parse(w[0], &a.pfx) != CAIRN_OK) {
		config_report(p, p->line, "bad address prefix '%s' in %s (want e.g. 192.0.2.0/24)",
			      w[0], what);
		goto done;
	}
	if (strcasecmp(w[1], "NOKEY") != 0) {
		a.key = strdup(w[1]);
		if (!a.key) {
			config_report(p, p->line, "out of memory");
			goto done;
		}
	}
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(a.key);
		config_report(p, p->line, "out of memory");
		goto done;
	}
	*list = grown;
	grown[(*n)++] = a;
	ok = true;
done:
	free(copy);
	return ok;
}

/* notify: / primary: ADDRESS[@PORT] [[key] KEYNAME] */
static bool parse_remote(struct config_parser *p, const char *what, const char *value,
			 struct config_remote **list, size_t *n)
{
	char *copy = strdup(value), *w[3];
	struct config_remote r = { .line = p->line }, *grown;
	const char *key = NULL;
	bool ok = false;
	int nw;

	if (!copy) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	nw = split3(copy, w);
	if (nw == 2)
		key = w[1];
	else if (nw == 3 && strcasecmp(w[1], "key") == 0)
		key = w[2];
	if (nw < 1 || (nw > 1 && !key)) {
		config_report(p, p->line, "bad %s '%s' (want ADDRESS[@PORT] [KEYNAME])", what,
			      value);
		goto done;
	}
	if (strlen(w[0]) >= sizeof(r.text) ||
	    cairn_sockaddr_parse(w[0], CONFIG_DEFAULT_PORT, &r.addr) != CAIRN_OK) {
		config_report(p, p->line, "bad address '%s' in %s (want ADDRESS[@PORT])", w[0],
			      what);
		goto done;
	}
	if (*n >= XFR_REMOTES_MAX) {
		config_report(p, p->line, "at most %d %s per zone", XFR_REMOTES_MAX, what);
		goto done;
	}
	snprintf(r.text, sizeof(r.text), "%s", w[0]);
	if (key && strcasecmp(key, "NOKEY") != 0) {
		r.key = strdup(key);
		if (!r.key) {
			config_report(p, p->line, "out of memory");
			goto done;
		}
	}
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(r.key);
		config_report(p, p->line, "out of memory");
		goto done;
	}
	*list = grown;
	grown[(*n)++] = r;
	ok = true;
done:
	free(copy);
	return ok;
}

bool config_parse_provide_xfr(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	return parse_acl(p, "provide-xfr", value, &z->provide_xfr, &z->n_provide_xfr);
}

bool config_parse_allow_notify(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	return parse_acl(p, "allow-notify", value, &z->allow_notify, &z->n_allow_notify);
}

bool config_parse_notify(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	return parse_remote(p, "notify", value, &z->notify, &z->n_notify);
}

bool config_parse_primary(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	return parse_remote(p, "primary", value, &z->primary, &z->n_primary);
}

/* ixfr-size: bytes with an optional k or m suffix, 0 turns the journal off */
bool config_parse_ixfr_size(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;
	char *end = NULL;
	unsigned long long n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (end && (*end == 'k' || *end == 'K'))
		n <<= 10, end++;
	else if (end && (*end == 'm' || *end == 'M'))
		n <<= 20, end++;
	if (errno || end == value || *end || n > (1ULL << 32)) {
		config_report(p, p->line, "bad ixfr-size '%s' (want e.g. 1m, at most 4096m)", value);
		return false;
	}
	z->ixfr_size = (size_t)n;
	return true;
}

static const struct config_tsig_key *find_key(const struct cairn_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_keys; i++)
		if (cfg->keys[i].name && key_name_same(cfg->keys[i].name, name))
			return &cfg->keys[i];
	return NULL;
}

static void check_key(struct config_parser *p, const char *name, unsigned line)
{
	if (name && !find_key(p->cfg, name))
		config_report(p, line, "key '%s' is not defined (add a key: clause with that name)",
			      name);
}

void config_xfr_finish(struct config_parser *p)
{
	const struct cairn_config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];

		for (size_t j = 0; j < z->n_provide_xfr; j++)
			check_key(p, z->provide_xfr[j].key, z->provide_xfr[j].line);
		for (size_t j = 0; j < z->n_allow_notify; j++)
			check_key(p, z->allow_notify[j].key, z->allow_notify[j].line);
		for (size_t j = 0; j < z->n_notify; j++)
			check_key(p, z->notify[j].key, z->notify[j].line);
		for (size_t j = 0; j < z->n_primary; j++)
			check_key(p, z->primary[j].key, z->primary[j].line);
		if (z->catalog && z->n_primary)
			config_report(p, z->line, "zone %s: a catalog zone written by cairnd (catalog: "
				      "yes) cannot have a primary", z->name ? z->name : "");
		if (z->n_allow_notify && !z->n_primary)
			config_report(p, z->line, "zone %s has allow-notify but no primary",
				      z->name ? z->name : "");
	}
}

void config_xfr_free_zone(struct config_zone *z)
{
	for (size_t i = 0; i < z->n_provide_xfr; i++)
		free(z->provide_xfr[i].key);
	for (size_t i = 0; i < z->n_allow_notify; i++)
		free(z->allow_notify[i].key);
	for (size_t i = 0; i < z->n_notify; i++)
		free(z->notify[i].key);
	for (size_t i = 0; i < z->n_primary; i++)
		free(z->primary[i].key);
	free(z->provide_xfr);
	free(z->allow_notify);
	free(z->notify);
	free(z->primary);
}

void config_xfr_free_keys(struct cairn_config *cfg)
{
	for (size_t i = 0; i < cfg->n_keys; i++) {
		free(cfg->keys[i].name);
		free(cfg->keys[i].algorithm);
		if (cfg->keys[i].secret)
			memset(cfg->keys[i].secret, 0, cfg->keys[i].secret_len);
		free(cfg->keys[i].secret);
	}
	free(cfg->keys);
	cfg->keys = NULL;
	cfg->n_keys = 0;
}
