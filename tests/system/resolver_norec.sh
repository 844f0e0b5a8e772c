#!/bin/bash
# Queries with RD=0 (dig +norec) are never sent upstream: they are answered
# from the cache, or with a referral to the closest delegation the cache
# holds (the root servers of the hints when it holds none), or from the
# locally served zones -- as unbound does for clients allowed to snoop
# (access-control: allow_snoop). After the same warm-up with RD=1, cairnd's
# and unbound's RD=0 answers (rcode, answer and authority RRsets, additional
# addresses; TTLs ignored) are compared. The log line and the statistics
# name the source (cache, local).
. "$top_srcdir/tests/system/resolver_lib.sh"
need unbound
L=$top_srcdir/zones/lab
cp "$L"/*.zone "$L/root.hints" "$T/"
start_lab "$T" || die "the lab did not start"
before=$(upstream)
resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $T/root.hints" \
	"query-loopback: yes" "log-queries: yes"
status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$1"; }
# sect FILE SECTION: that section's records as "owner type rdata", sorted
sect() {
	awk -v s=";; $2 SECTION:" '$0 == s {on = 1; next} /^$/ {on = 0} on && !/^;/ {
		$2 = ""; $3 = ""; print }' "$1" | tr -s ' \t' ' ' | sort
}
N() { dig @"$1" +norec +time=5 +tries=1 "${@:2}"; }

# ---- cold cache (only the priming of the start-up): a referral to the root from the hints ----
settle() { upstream_settled 0.3; }
b0=$(settle)
N 127.0.0.1 www.example.com A >"$T/n1"
check "cold RD=0: NOERROR" test "$(status "$T/n1")" = NOERROR
check "cold RD=0: no answer" grep -q 'ANSWER: 0,' "$T/n1"
check "cold RD=0: AA clear, RA set, RD clear" grep -Eq '^;; flags: qr ra;' "$T/n1"
check "cold RD=0: root NS in authority" test "$(sect "$T/n1" AUTHORITY)" = \
	"$(printf '. NS a.root-servers.net.\n. NS b.root-servers.net.')"
check "cold RD=0: root addresses in additional" grep -Eq '^a\.root-servers\.net\..*A[[:space:]]+127\.1\.0\.1$' "$T/n1"
[ "$(settle)" = "$b0" ] && ok "cold RD=0: no upstream query" || bad "cold RD=0: $(( $(upstream) - b0 )) upstream queries"
check "cold RD=0: logged as source local" grep -Eq 'www\.example\.com\. A: NOERROR source local' "$T/res.log"

# ---- warm up with RD=1, then RD=0 again ----
warm() {
	dig @"$1" +time=5 +tries=1 www.example.com A >/dev/null
	dig @"$1" +time=5 +tries=1 nosuch.example.com A >/dev/null
}
warm 127.0.0.1
c0=$(rstat res answer.cache)
b0=$(settle)
N 127.0.0.1 www.example.com A >"$T/n2"
check "cached RD=0: the answer" test "$(sect "$T/n2" ANSWER)" = \
	"$(printf 'www.example.com. CNAME www.shop.net.\nwww.shop.net. A 127.5.0.80')"
check "cached RD=0: AA clear" grep -Eq '^;; flags: qr ra;' "$T/n2"
N 127.0.0.1 nosuch.example.com A >"$T/n3"
check "cached NXDOMAIN, RD=0: NXDOMAIN" test "$(status "$T/n3")" = NXDOMAIN
N 127.0.0.1 www.shop.net AAAA >"$T/n4"
check "uncached, RD=0: NOERROR" test "$(status "$T/n4")" = NOERROR
check "uncached, RD=0: referral to shop.net." test "$(sect "$T/n4" AUTHORITY)" = "shop.net. NS dns.example.com."
check "uncached, RD=0: glue from the cache" test "$(sect "$T/n4" ADDITIONAL)" = "dns.example.com. A 127.5.0.1"
N 127.0.0.1 www.example.net A >"$T/n5"
check "uncached, RD=0: referral to net." test "$(sect "$T/n5" AUTHORITY)" = \
	"$(printf 'net. NS a.gtld-servers.net.\nnet. NS b.gtld-servers.net.')"
N 127.0.0.1 a.b.nosuch.example.com A >"$T/n6"
check "below a cached NXDOMAIN, RD=0: NXDOMAIN (RFC 8020)" test "$(status "$T/n6")" = NXDOMAIN
N 127.0.0.1 localhost A >"$T/n7"
check "RD=0 localhost: the local zone's answer" grep -Eq '^localhost\..*A[[:space:]]+127\.0\.0\.1$' "$T/n7"
[ "$(settle)" = "$b0" ] && ok "RD=0 after warm-up: no upstream query" ||
	bad "RD=0 after warm-up: $(( $(upstream) - b0 )) upstream queries"
check "RD=0 from the cache: answer.cache counted" test "$(rstat res answer.cache)" -ge $((c0 + 5))
check "RD=0 referral: logged as source cache" grep -Eq 'www\.shop\.net\. AAAA: NOERROR source cache' "$T/res.log"

# ---- the same questions to unbound (allow_snoop), after the same warm-up ----
start_unbound "$T" 127.0.0.2 "$T/root.hints" "access-control: 127.0.0.0/8 allow_snoop" \
	"qname-minimisation-strict: no"
wait_dns 127.0.0.2 . NS || die "unbound did not start: $(cat "$T/unbound.log")"
warm 127.0.0.2
upstream_settled 1 >/dev/null   # unbound's late target fetches
while read -r q t; do
	N 127.0.0.1 "$q" "$t" >"$T/c.out"
	N 127.0.0.2 "$q" "$t" >"$T/u.out"
	a="$(status "$T/c.out") | $(sect "$T/c.out" ANSWER) | $(sect "$T/c.out" AUTHORITY) | $(sect "$T/c.out" ADDITIONAL | grep -E ' (A|AAAA) ')"
	b="$(status "$T/u.out") | $(sect "$T/u.out" ANSWER) | $(sect "$T/u.out" AUTHORITY) | $(sect "$T/u.out" ADDITIONAL | grep -E ' (A|AAAA) ')"
	[ "$a" = "$b" ] && ok "same as unbound: $q $t" || bad "$q $t: cairnd: $a // unbound: $b"
done <<'EOF'
www.example.com A
www.shop.net A
www.shop.net AAAA
nosuch.example.com A
www.example.net A
foo.bar.nonexist A
example.com NS
EOF
finish
