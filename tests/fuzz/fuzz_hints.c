/* fuzz_hints: the root hints parser (hints_parse) on fuzzed text. It must
 * never crash; a success must name at most HINTS_MAX_NS servers, at least
 * one with an address, each address of the family its record said. */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/resolve/resolve_int.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hints h;
	char *text = malloc(size + 1);
	unsigned with_addr = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (hints_parse(text, 53, &h) == CAIRN_OK) {
		FUZZ_REQUIRE(h.n >= 1 && h.n <= HINTS_MAX_NS, "%u servers", h.n);
		for (unsigned i = 0; i < h.n; i++) {
			FUZZ_REQUIRE(h.ns[i].naddr <= HINTS_MAX_ADDR, "%u addresses", h.ns[i].naddr);
			FUZZ_REQUIRE(wire_name_len(h.ns[i].name) <= WIRE_NAME_MAX, "name");
			for (unsigned j = 0; j < h.ns[i].naddr; j++) {
				int fam = h.ns[i].addr[j].ss.ss_family;
				FUZZ_REQUIRE(fam == AF_INET || fam == AF_INET6, "family %d", fam);
			}
			with_addr += h.ns[i].naddr > 0;
		}
		FUZZ_REQUIRE(with_addr > 0, "no server with an address");
	}
	free(text);
	return 0;
}
