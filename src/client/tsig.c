/* cdig TSIG (RFC 8945) keys and query signing through ldns: keys from -y
 * [hmac:]name:secret or from a -k key file (named.conf "key" clause as
 * tsig-keygen writes it, or a dnssec-keygen K*.private file). Answers are
 * verified in tsig_verify.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdig.h"

#define TSIG_FUDGE 300      /* RFC 8945 §10: the recommended fudge */

/* dig's algorithm words to the names of RFC 8945 §6 (ldns spelling). */
static bool alg_from_word(const char *w, char *out, size_t len)
{
	static const char *const map[][2] = {
		{ "hmac-md5", "hmac-md5.sig-alg.reg.int." },
		{ "hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int." },
		{ "hmac-sha1", "hmac-sha1." }, { "hmac-sha224", "hmac-sha224." },
		{ "hmac-sha256", "hmac-sha256." }, { "hmac-sha384", "hmac-sha384." },
		{ "hmac-sha512", "hmac-sha512." },
	};
	char w2[64];
	size_t i, l = strlen(w);

	if (l == 0 || l >= sizeof(w2))
		return false;
	memcpy(w2, w, l + 1);
	if (w2[l - 1] == '.')
		w2[l - 1] = '\0';
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(w2, map[i][0]) == 0) {
			snprintf(out, len, "%s", map[i][1]);
			return true;
		}
	return false;
}

static bool set_name(struct cdig_key *k, const char *name)
{
	size_t l = strlen(name);
	ldns_rdf *d = NULL;

	if (l == 0 || l + 2 > sizeof(k->name) ||
	    ldns_str2rdf_dname(&d, name) != LDNS_STATUS_OK)
		return false;
	ldns_rdf_deep_free(d);
	snprintf(k->name, sizeof(k->name), "%s%s", name, name[l - 1] == '.' ? "" : ".");
	return true;
}

static bool secret_ok(const char *s)
{
	ldns_rdf *d = NULL;
	bool ok;

	if (!*s || strlen(s) >= sizeof(((struct cdig_key *)0)->secret))
		return false;
	ok = ldns_str2rdf_b64(&d, s) == LDNS_STATUS_OK;
	ldns_rdf_deep_free(d);
	return ok;
}

int cdig_key_from_arg(const char *arg, struct cdig_key *k)
{
	char tmp[1200], *name, *secret, *c1, *c2;

	if (strlen(arg) >= sizeof(tmp))
		return CDIG_EXIT_USAGE;
	strcpy(tmp, arg);
	memset(k, 0, sizeof(*k));
	c1 = strchr(tmp, ':');
	if (!c1)
		goto bad;
	c2 = strchr(c1 + 1, ':');
	if (c2) {
		*c1 = '\0';
		*c2 = '\0';
		if (!alg_from_word(tmp, k->alg, sizeof(k->alg))) {
			fprintf(stderr, "cdig: couldn't find key algorithm '%s'\n", tmp);
			return CDIG_EXIT_USAGE;
		}
		name = c1 + 1;
		secret = c2 + 1;
	} else {
		*c1 = '\0';
		strcpy(k->alg, "hmac-md5.sig-alg.reg.int.");   /* dig's default */
		name = tmp;
		secret = c1 + 1;
	}
	if (!set_name(k, name) || !secret_ok(secret))
		goto bad;
	strcpy(k->secret, secret);
	k->on = true;
	return 0;
bad:
	fprintf(stderr, "cdig: invalid key string\n");
	return CDIG_EXIT_USAGE;
}

/* Next token of a named.conf-style text: words, quoted strings, { } ; */
static const char *token(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		break;
	}
	if (!*p)
		return NULL;
	if (*p == '{' || *p == '}' || *p == ';') {
		out[0] = *p;
		out[1] = '\0';
		return p + 1;
	}
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (n + 1 < len)
				out[n++] = *p;
		out[n] = '\0';
		return *p ? p + 1 : p;
	}
	while (*p && !isspace((unsigned char)*p) && !strchr("{};\"", *p))
		if (n + 1 < len)
			out[n++] = *p++;
		else
			p++;
	out[n] = '\0';
	return p;
}

int cdig_key_from_file(const char *path, struct cdig_key *k)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, tok[1200], name[CDIG_NAME_TEXT] = "", alg[64] = "";
	char secret[1200] = "";
	const char *p;
	size_t n;
	int rc = CDIG_EXIT_USAGE;

	memset(k, 0, sizeof(*k));
	if (!f) {
		fprintf(stderr, "cdig: could not read key from %s: file not found\n", path);
		return CDIG_EXIT_USAGE;
	}
	text = calloc(1, 65537);
	n = text ? fread(text, 1, 65536, f) : 0;
	fclose(f);
	if (!text)
		return CDIG_EXIT_INTERNAL;
	text[n] = '\0';
	if (strstr(text, "Private-key-format:")) {
		/* dnssec-keygen -a HMAC-...: Kname.+alg+id.private */
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		const char *a = strstr(text, "Algorithm:"), *s = strstr(text, "Key:");
		const char *plus = strstr(base, ".+");
		unsigned an = 0;

		if (a && s && base[0] == 'K' && plus && (size_t)(plus - base) < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(plus - base - 1), base + 1);
			sscanf(a, "Algorithm: %u", &an);
			sscanf(s, "Key: %1023s", secret);
			snprintf(alg, sizeof(alg), "%s",
				 an == 157 ? "hmac-md5" : an == 161 ? "hmac-sha1" :
				 an == 162 ? "hmac-sha224" : an == 163 ? "hmac-sha256" :
				 an == 164 ? "hmac-sha384" : an == 165 ? "hmac-sha512" : "");
		}
	} else {
		/* key "name" { algorithm ALG; secret "BASE64"; }; */
		p = text;
		while ((p = token(p, tok, sizeof(tok)))) {
			if (strcmp(tok, "key") == 0 && !name[0]) {
				p = token(p, name, sizeof(name));
				if (!p)
					break;
			} else if (strcmp(tok, "algorithm") == 0) {
				p = token(p, alg, sizeof(alg));
			} else if (strcmp(tok, "secret") == 0) {
				p = token(p, secret, sizeof(secret));
			}
			if (!p)
				break;
		}
	}
	if (!name[0] || !secret[0]) {
		fprintf(stderr, "cdig: could not read key from %s: no key, secret or name\n", path);
		goto done;
	}
	if (!alg[0])
		strcpy(alg, "hmac-md5");
	if (!alg_from_word(alg, k->alg, sizeof(k->alg))) {
		fprintf(stderr, "cdig: couldn't find key algorithm '%s'\n", alg);
		goto done;
	}
	if (!set_name(k, name) || !secret_ok(secret)) {
		fprintf(stderr, "cdig: could not read key from %s: bad key\n", path);
		goto done;
	}
	strcpy(k->secret, secret);
	k->on = true;
	rc = 0;
done:
	free(text);
	return rc;
}

cairn_err cdig_tsig_sign(const struct cdig_key *k, uint8_t **wire, size_t *len,
			 ldns_rdf **mac)
{
	ldns_pkt *p = NULL;
	uint8_t *out = NULL;
	size_t olen = 0;
	cairn_err err = CAIRN_EFORMAT;

	*mac = NULL;
	if (ldns_wire2pkt(&p, *wire, *len) != LDNS_STATUS_OK)
		goto done;
	/* RFC 8945 §5.1: MAC over the message and the TSIG variables */
	if (ldns_pkt_tsig_sign(p, k->name, k->secret, TSIG_FUDGE, k->alg, NULL) !=
	    LDNS_STATUS_OK)
		goto done;
	if (ldns_pkt2wire(&out, p, &olen) != LDNS_STATUS_OK) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	if (!*mac) {
		free(out);
		err = CAIRN_ENOMEM;
		goto done;
	}
	free(*wire);
	*wire = out;
	*len = olen;
	err = CAIRN_OK;
done:
	if (p)
		ldns_pkt_free(p);
	return err;
}
