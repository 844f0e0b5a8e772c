#!/bin/bash
# The resolver against the toy Internet of zones/lab (root, com/net, leaf
# zones, a CNAME into a zone whose server has no glue, a reverse zone):
# answers, negative answers, the cache (no upstream query for a repeated
# question, TTLs that age), TCP, EDE on failure, allow-recursion,
# query-loopback, and glibc's resolver as a real client.
. "$top_srcdir/tests/system/resolver_lib.sh"
need getent mount
L=$top_srcdir/zones/lab
start_lab "$L" || die "the lab did not start"
# The lab's addresses are in 127/8, whose reverse zone the resolver would
# otherwise answer itself (RFC 6303 §4.2): let it ask the lab's server.
resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $L/root.hints" \
	"query-loopback: yes" "local-zone-disable: 127.in-addr.arpa"

D() { dig @127.0.0.1 +time=5 +tries=1 "$@"; }

# ---- a CNAME into a zone whose name server has no glue ----
before=$(upstream)
D www.example.com A >"$T/q1"
check "www.example.com: NOERROR" grep -q 'status: NOERROR' "$T/q1"
check "www.example.com: RA set, AA clear" grep -Eq '^;; flags: qr rd ra;' "$T/q1"
check "www.example.com: CNAME to www.shop.net" \
	grep -Eq '^www\.example\.com\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+www\.shop\.net\.$' "$T/q1"
check "www.example.com: the address behind the glueless zone" \
	grep -Eq '^www\.shop\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$' "$T/q1"
cold=$(( $(upstream) - before ))
[ "$cold" -gt 0 ] && [ "$cold" -le 12 ] && ok "cold cache: $cold upstream queries" ||
	bad "cold cache: $cold upstream queries (want 1..12)"

# ---- the cache: the same question again sends nothing upstream ----
# (TTL ageing: tests/replay/cache_ttl_ageing.rpl, on the fake clock)
before=$(upstream)
D www.example.com A >"$T/q2"
check "cached: NOERROR" grep -q 'status: NOERROR' "$T/q2"
after=$(upstream)
[ "$after" = "$before" ] && ok "cached: no upstream query" || bad "cached: $((after - before)) upstream queries"
ttl=$(awk '$1 == "www.shop.net." && $4 == "A" {print $2}' "$T/q2")
[ -n "$ttl" ] && [ "$ttl" -le 3600 ] && [ "$ttl" -ge 3500 ] && ok "cached TTL: $ttl" ||
	bad "cached TTL out of range: '$ttl'"

# ---- NXDOMAIN, cached for the SOA's negative TTL (RFC 2308) ----
D nope.example.net A >"$T/q3"
check "NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/q3"
check "NXDOMAIN: SOA in authority with TTL <= MINIMUM (300)" \
	awk '$1 == "example.net." && $4 == "SOA" && $2 <= 300 {f=1} END {exit !f}' "$T/q3"
before=$(upstream)
D nope.example.net A >"$T/q4"
check "NXDOMAIN again: NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/q4"
[ "$(upstream)" = "$before" ] && ok "negative answer cached" || bad "negative answer not cached"
# RFC 8020: below a name that does not exist
before=$(upstream)
D a.b.nope.example.net A >"$T/q5"
check "below NXDOMAIN: NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/q5"
[ "$(upstream)" = "$before" ] && ok "NXDOMAIN cut: no upstream query" || bad "NXDOMAIN cut: upstream queried"

# ---- NODATA ----
D mail.example.com AAAA >"$T/q6"
check "NODATA: NOERROR" grep -q 'status: NOERROR' "$T/q6"
check "NODATA: no answer, SOA" grep -q 'ANSWER: 0, AUTHORITY: 1' "$T/q6"

# ---- PTR, MX, TCP ----
check "PTR 127.3.0.25" test "$(D +short -x 127.3.0.25)" = "mail.example.com."
check "MX example.com" test "$(D +short example.com MX)" = "10 mail.example.com."
check "TCP: www.example.net" test "$(D +tcp +short www.example.net)" = "127.4.0.80"

# ---- glibc as a client (getaddrinfo / gethostbyaddr) ----
echo "nameserver 127.0.0.1" >"$T/resolv.conf"
if mount --bind "$T/resolv.conf" /etc/resolv.conf; then
	getent ahosts www.example.net >"$T/g1" 2>&1
	check "getent ahosts www.example.net" grep -q '^127\.4\.0\.80 ' "$T/g1"
	getent hosts 127.3.0.25 >"$T/g2" 2>&1
	check "getent hosts 127.3.0.25" grep -q 'mail\.example\.com' "$T/g2"
else
	bad "cannot bind-mount /etc/resolv.conf"
fi

# ---- allow-recursion: others get REFUSED ----
resolver res-acl 127.0.0.2 "allow-recursion: 10.0.0.0/8" "root-hints: $L/root.hints" \
	"query-loopback: yes"
dig @127.0.0.2 +time=3 +tries=1 www.example.com >"$T/q7"
check "not in allow-recursion: REFUSED" grep -q 'status: REFUSED' "$T/q7"

# ---- query-loopback: no (the default): SERVFAIL with an EDE, logged ----
resolver res-noloop 127.0.0.3 "root-hints: $L/root.hints"
dig @127.0.0.3 +time=5 +tries=1 www.example.com >"$T/q8"
check "query-loopback no: SERVFAIL" grep -q 'status: SERVFAIL' "$T/q8"
check "query-loopback no: EDE 22 (No Reachable Authority)" grep -q 'EDE: 22' "$T/q8"
check "query-loopback no: logged" grep -q 'loopback' "$T/res-noloop.log"
finish
