/* control_explain: `cairn-control explain [--json] [--no-cache] NAME
 * [TYPE]` (cairn-control(8)): one resolution of NAME in worker 0 and what
 * it did, step by step, as text or JSON. */
#include "control_int.h"
#include "cairn/server.h"
#include "cairn/stats.h"
#include "cairn/wire.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/* The records of one section of resp, as text lines or a JSON array. */
static void print_section(const ldns_rr_list *l, bool json, FILE *out)
{
	size_t n = l ? ldns_rr_list_rr_count(l) : 0;

	if (json)
		fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		char *text = ldns_rr2str(ldns_rr_list_rr(l, i));
		size_t len;

		if (!text)
			continue;
		len = strlen(text);
		while (len && (text[len - 1] == '\n'))
			text[--len] = '\0';
		for (char *p = text; *p; p++)
			if (*p == '\t')
				*p = ' ';
		if (json) {
			if (i)
				fputc(',', out);
			control_json_str(out, text);
		} else {
			fprintf(out, "%s\n", text);
		}
		free(text);
	}
	if (json)
		fputc(']', out);
}

bool control_cmd_explain(const struct control_target *t, int argc, char **argv, FILE *out)
{
	const char *name_text = NULL, *type_text = NULL;
	bool json = false, nocache = false;
	uint8_t name[WIRE_NAME_MAX];
	uint16_t qtype = WIRE_TYPE_A;
	struct server_explain ex;
	ldns_pkt *pkt = NULL;
	char tb[16];
	size_t len;
	cairn_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--no-cache") == 0)
			nocache = true;
		else if (!name_text)
			name_text = argv[i];
		else if (!type_text)
			type_text = argv[i];
		else
			name_text = NULL, i = argc;  /* too many: usage */
	}
	if (!name_text) {
		fprintf(out, CONTROL_REPLY_ERR "usage: explain [--json] [--no-cache] NAME [TYPE]\n");
		return false;
	}
	if (wire_name_from_text(name_text, NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad domain name '%s'\n", name_text);
		return false;
	}
	if (type_text) {
		qtype = (uint16_t)ldns_get_rr_type_by_name(type_text);
		if (!qtype || qtype == WIRE_TYPE_AXFR || qtype == WIRE_TYPE_IXFR) {
			fprintf(out, CONTROL_REPLY_ERR "bad or unsupported type '%s'\n", type_text);
			return false;
		}
	}
	if (!t->explain) {
		fprintf(out, CONTROL_REPLY_ERR "explain: this server has no resolver (recursion: no)\n");
		return false;
	}
	err = t->explain(t->ctx, name, qtype, nocache, &ex);
	if (err != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "explain: %s\n",
			err == CAIRN_ENOTFOUND ? "this server has no resolver (recursion: no)" :
			err == CAIRN_ELIMIT ? "the resolution did not end in time (resolve-timeout)" :
			err == CAIRN_EEXIST ? "an earlier explain is still waiting for worker 0" :
			err == CAIRN_ENOMEM ? "out of memory" : "worker 0 did not answer");
		return false;
	}
	if (ldns_wire2pkt(&pkt, ex.resp, ex.len) != LDNS_STATUS_OK)
		pkt = NULL;
	fprintf(out, CONTROL_REPLY_OK "\n");
	if (json) {
		char nb[1024];

		if (wire_name_to_text(name, nb, sizeof(nb)) != CAIRN_OK)
			snprintf(nb, sizeof(nb), "%s", name_text);
		fprintf(out, "{\"name\":");
		control_json_str(out, nb);
		fprintf(out, ",\"type\":");
		control_json_str(out, stats_type_name(qtype, tb, sizeof(tb)));
		fprintf(out, ",\"no_cache\":%s,\"rcode\":", nocache ? "true" : "false");
		control_json_str(out, stats_rcode_name(ex.rcode, tb, sizeof(tb)));
		if (ex.ede != 0xffff) {
			fprintf(out, ",\"ede\":{\"code\":%u,\"text\":", ex.ede);
			control_json_str(out, ex.ede_text ? ex.ede_text : "");
			fputc('}', out);
		} else {
			fprintf(out, ",\"ede\":null");
		}
		fprintf(out, ",\"events\":%s,\"answer\":", ex.json);
		print_section(pkt ? ldns_pkt_answer(pkt) : NULL, true, out);
		fprintf(out, ",\"authority\":");
		print_section(pkt ? ldns_pkt_authority(pkt) : NULL, true, out);
		fprintf(out, "}\n");
	} else {
		fprintf(out, "question: %s %s%s\n", name_text, stats_type_name(qtype, tb, sizeof(tb)),
			nocache ? " (as if the cache were empty)" : "");
		fprintf(out, "events:\n%s", ex.text);
		fprintf(out, "result: %s", stats_rcode_name(ex.rcode, tb, sizeof(tb)));
		if (ex.ede != 0xffff)
			fprintf(out, ", EDE %u%s%s", ex.ede, ex.ede_text ? ": " : "",
				ex.ede_text ? ex.ede_text : "");
		fprintf(out, "\n");
		if (pkt && ldns_pkt_ancount(pkt)) {
			fprintf(out, "answer:\n");
			print_section(ldns_pkt_answer(pkt), false, out);
		}
		if (pkt && ldns_pkt_nscount(pkt)) {
			fprintf(out, "authority:\n");
			print_section(ldns_pkt_authority(pkt), false, out);
		}
	}
	ldns_pkt_free(pkt);
	server_explain_free(&ex);
	return true;
}
