/* xfr/catalog.c: catalog zones (RFC 9432, schema version 2) that cairnd
 * publishes: a zone with `catalog: yes` gets its file written by cairnd at
 * each load, listing every primary zone of the configuration (a zone
 * without primary: that is no catalog itself) as a member, so that
 * secondaries which consume catalogs (Knot, BIND) add and remove those
 * zones by themselves. The serial goes up by one whenever the member list
 * changes; the file is written to a temporary file and renamed. The zone
 * is then loaded, served and transferred like any other. */
#include "xfr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CATALOG_HEAD "; catalog zone (RFC 9432) written by cairnd: do not edit\n"

/* RFC 9432 §4.1: a unique, stable label for each member: 16 hex digits of
 * a 64-bit FNV-1a hash of the member's lowercase name. */
static void member_id(const char *name, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t len = strlen(name);

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		h ^= (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The file's body after its SOA line (the members), malloc'd, and the
 * serial of that SOA; NULL when there is no usable file. */
static char *read_old(const char *path, uint32_t *serial)
{
	FILE *f = fopen(path, "r");
	char line[1024], *body = NULL;
	size_t len = 0;
	FILE *mem;
	bool soa = false;

	if (!f)
		return NULL;
	mem = open_memstream(&body, &len);
	while (mem && fgets(line, sizeof(line), f)) {
		unsigned s;

		if (!soa && sscanf(line, "%*s %*s IN SOA invalid. invalid. %u", &s) == 1) {
			*serial = s;
			soa = true;
			continue;
		}
		if (soa)
			fputs(line, mem);
	}
	fclose(f);
	if (mem)
		fclose(mem);
	if (!soa) {
		free(body);
		return NULL;
	}
	return body;
}

cairn_err xfr_catalog_write(const struct cairn_config *cfg, const struct config_zone *cat,
			    char *err, size_t errlen)
{
	char *body = NULL, *old = NULL, tmp[4096];
	size_t len = 0;
	uint32_t serial = 0;
	FILE *mem = open_memstream(&body, &len), *f = NULL;
	cairn_err ret = CAIRN_ENOMEM;
	bool ok;

	if (!mem)
		goto done;
	/* RFC 9432 §4.2: NS (ignored by consumers) and the schema version */
	fprintf(mem, "%s. 0 IN NS invalid.\n", cat->name);
	fprintf(mem, "version.%s. 0 IN TXT \"2\"\n", cat->name);
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		char id[17];

		if (z->n_primary || z->catalog)
			continue;
		member_id(z->name, id);
		/* §4.1: <unique-N>.zones.<catalog> PTR <member> */
		fprintf(mem, "%s.zones.%s. 0 IN PTR %s%s\n", id, cat->name, z->name,
			z->name[strlen(z->name) - 1] == '.' ? "" : ".");
	}
	if (fclose(mem) != 0) {
		mem = NULL;
		goto done;
	}
	mem = NULL;
	old = read_old(cat->file, &serial);
	if (old && strcmp(old, body) == 0) {
		ret = CAIRN_OK; /* the same members: the file stays */
		goto done;
	}
	serial = old ? serial + 1 : 1;
	if (serial == 0)
		serial = 1; /* RFC 1982: 0 is fine, but start again at 1 */
	ret = CAIRN_EIO;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", cat->file) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "file name too long");
		goto done;
	}
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	/* §4: SOA; the timers are those RFC 9432's examples use */
	fprintf(f, CATALOG_HEAD "%s. 0 IN SOA invalid. invalid. %u 3600 600 2147483646 0\n%s",
		cat->name, serial, body);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && !ferror(f);
	if (fclose(f) != 0 || !ok || rename(tmp, cat->file) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", cat->file, strerror(errno));
		unlink(tmp);
		goto done;
	}
	log_info("catalog zone %s: serial %u, members changed", cat->name, serial);
	ret = CAIRN_OK;
done:
	if (mem)
		fclose(mem);
	if (ret == CAIRN_ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(body);
	free(old);
	return ret;
}
