#!/bin/bash
# The resolver and its upstream servers: root priming (the priming reply's
# addresses cached as glue); QNAME
# minimisation (RFC 9156) on by default and off with qname-minimisation:
# no, relaxed (a minimised query answered NXDOMAIN, REFUSED or FORMERR is
# asked again in full); identical questions in flight resolved once;
# replies whose question does not match (name, type, class, 0x20 letter
# case) rejected; IPv6 servers (ULA addresses on lo, in this private
# namespace only) and an unroutable family avoided; cached answers (AA=0,
# RA=1). Upstream queries are
# counted in the logs of the authoritative servers (log-queries) and of
# resolver_evil.py.
. "$top_srcdir/tests/system/resolver_lib.sh"
need python3
EVIL="python3 $top_srcdir/tests/system/resolver_evil.py"
export PYTHONDONTWRITEBYTECODE=1
# IPv6 for the lab: ULA addresses on lo of this private network namespace
for a in fd00:53::1 fd00:53::2; do
	ip -6 addr add $a/128 dev lo nodad || die "cannot add $a to lo"
done

soa() { printf '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 %s\n' "${1:-300}"; }
# The root: its NS set lives 3 seconds; the hints name an older root
# server (127.1.0.9) that serves the same zone but is not in its NS set.
{
	printf '$ORIGIN .\n$TTL 86400\n. IN SOA ns.root. hostmaster.root. 1 3600 600 86400 300\n'
	printf '. 3 NS ns.root.\nns.root. A 127.1.0.1\ntst. NS ns.tst.\nns.tst. A 127.2.0.1\n'
} >"$T/root.zone"
printf '. 3600000 NS old.root.\nold.root. 3600000 A 127.1.0.9\n' >"$T/hints"
{
	printf '$ORIGIN tst.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.2.0.1"
	echo "good NS ns1.good"; echo "ns1.good A 127.3.0.1"; echo "other NS ns1.good.tst."
	echo "delay NS ns1.delay"; echo "ns1.delay A 127.12.0.1"
	i=1; for z in nxent refent fmtent; do echo "$z NS ns1.$z"; echo "ns1.$z A 127.13.0.$i"; i=$((i + 1)); done
	i=1; for z in case qname qtype qclass exact; do echo "$z NS ns1.$z"; echo "ns1.$z A 127.11.0.$i"; i=$((i + 1)); done
	echo "v6only NS ns1.v6only"; echo "ns1.v6only AAAA fd00:53::1"
	echo "dual NS ns1.dual"; echo "ns1.dual A 127.14.0.1"; echo "ns1.dual AAAA fd00:53::2"
	echo "v6dead NS ns1.v6dead"; echo "v6dead NS ns2.v6dead"
	echo "ns1.v6dead AAAA fd00:99::1"; echo "ns2.v6dead AAAA fd00:99::2"
	for i in 1 2 3 4; do echo "mixed NS ns$i.mixed"; echo "ns$i.mixed AAAA fd00:99::1$i"; done
	echo "mixed NS ns5.mixed"; echo "ns5.mixed A 127.3.0.1"
} >"$T/tst.zone"
{
	printf '$ORIGIN good.tst.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.3.0.1"
	echo "www A 127.3.0.80"; echo "alias 100 CNAME www.other.tst."
	echo "a.b.c A 127.3.0.83"
} >"$T/good.zone"
{ printf '$ORIGIN other.tst.\n'; soa; echo "@ NS ns1.good.tst."; echo "www 100 A 127.3.0.99"; } >"$T/other.zone"
{ printf '$ORIGIN mixed.tst.\n'; soa; echo "@ NS ns5"; echo "ns5 A 127.3.0.1"; echo "www A 127.3.0.77"; } >"$T/mixed.zone"
{ printf '$ORIGIN v6only.tst.\n'; soa; echo "@ NS ns1"; echo "ns1 AAAA fd00:53::1"; echo "www A 127.15.0.80"; } >"$T/v6only.zone"
{ printf '$ORIGIN dual.tst.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.14.0.1"; echo "ns1 AAAA fd00:53::2"; echo "www A 127.14.0.80"; } >"$T/dual.zone"

auth auth-oldroot 127.1.0.9 -- .="$T/root.zone"
auth auth-root 127.1.0.1 -- .="$T/root.zone"
auth auth-tst 127.2.0.1 -- tst="$T/tst.zone"
auth auth-good 127.3.0.1 -- good.tst="$T/good.zone" other.tst="$T/other.zone" mixed.tst="$T/mixed.zone"
auth auth-v6 fd00:53::1 fd00:53::2 -- v6only.tst="$T/v6only.zone" dual.tst="$T/dual.zone"
for a in 127.1.0.9:. 127.1.0.1:. 127.2.0.1:tst 127.3.0.1:good.tst fd00:53::1:v6only.tst; do
	wait_dns ${a%:*} ${a##*:} SOA || die "authoritative server ${a%:*} did not start"
done
for m in "delay 127.12.0.1" "ent 127.13.0.1 127.13.0.2 127.13.0.3" \
	 "badq 127.11.0.1 127.11.0.2 127.11.0.3 127.11.0.4 127.11.0.5"; do
	set -- $m
	$EVIL "$@" >"$T/evil-$1.out" 2>"$T/evil-$1.log" &
	PIDS+=($!)
done
for m in delay ent badq; do
	wait_file "$T/evil-$m.out" ready || die "resolver_evil.py $m did not start: $(cat "$T/evil-$m.log")"
done
# One worker thread: in-flight questions and what is known about servers
# (address families) are per worker. An upstream timeout of 2 s (the
# default is 1 s) leaves a loaded machine room: the delayed answer (0.6 s)
# must arrive before it for the in-flight checks, and a server waited on
# rather than avoided costs that long in the IPv6 checks.
UPSTREAM_TIMEOUT=2000
RES_THREADS=1 resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" \
	"query-loopback: yes" "upstream-timeout: $UPSTREAM_TIMEOUT"

D() { dig @127.0.0.1 +time=5 +tries=1 "$@"; }
status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$1"; }
qtime() { sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' "$1"; }
# logged NAME [LOG]: queries for NAME (any letter case) in the log(s)
logged() { local n=$1; shift; cat "$@" 2>/dev/null | grep -E '(^| )query ' | grep -ic " ${n//./\\.}\. "; }

# ---- priming: the reply's addresses are used, not the hints' ----
D www.good.tst >"$T/p1"
check "priming: www.good.tst answered" grep -Eq 'IN[[:space:]]+A[[:space:]]+127\.3\.0\.80$' "$T/p1"
check "priming: the hinted server was asked '. NS' once" test "$(grep -c ' query .*: \. NS' "$T/auth-oldroot.log")" = 1
check "priming: nothing else asked of the hinted server" test "$(grep ' query ' "$T/auth-oldroot.log" | grep -vc ': \. SOA\|: \. NS')" = 0
check "priming: the root server of the NS set (glue of the priming reply) asked" \
	test "$(grep ' query ' "$T/auth-root.log" | grep -c 'tst\. ')" -ge 1
check "priming: no query for the root servers' addresses" test "$(logged ns.root "$T"/auth-*.log)" = 0

# ---- QNAME minimisation (default): the root sees the TLD only ----
check "qmin: root asked 'tst.' only" test "$(grep ' query ' "$T/auth-root.log" | grep -c ': tst\. A')" -ge 1
check "qmin: root never saw www.good.tst" test "$(logged www.good.tst "$T/auth-root.log" "$T/auth-oldroot.log")" = 0
check "qmin: tst. never saw www.good.tst" test "$(logged www.good.tst "$T/auth-tst.log")" = 0
check "qmin: good.tst. asked www.good.tst" test "$(logged www.good.tst "$T/auth-good.log")" = 1
# empty non-terminals between the zone and the name
check "qmin: a.b.c.good.tst through empty non-terminals" test "$(D +short a.b.c.good.tst)" = 127.3.0.83
check "qmin: c.good.tst asked (minimised)" test "$(logged c.good.tst "$T/auth-good.log")" = 1
# relaxed: NXDOMAIN, REFUSED, FORMERR to a minimised query: the full name
for z in nxent refent fmtent; do
	D x.y.$z.tst >"$T/r-$z"
	check "qmin relaxed, $z: answered" grep -Eq 'IN[[:space:]]+A[[:space:]]+127\.13\.0\.80$' "$T/r-$z"
	check "qmin relaxed, $z: y.$z.tst asked first" test "$(logged y.$z.tst "$T/evil-ent.log")" -ge 1
	check "qmin relaxed, $z: then the full name" test "$(logged x.y.$z.tst "$T/evil-ent.log")" -ge 1
done
D a.nope.good.tst >"$T/r-nx"
check "qmin relaxed: a real NXDOMAIN stays NXDOMAIN" test "$(status "$T/r-nx")" = NXDOMAIN
# qname-minimisation: no: the root is asked the full name
resolver res-noqmin 127.0.0.2 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" \
	"query-loopback: yes" "qname-minimisation: no"
check "no qmin: www.other.tst answered" test "$(dig @127.0.0.2 +time=5 +tries=1 +short www.other.tst)" = 127.3.0.99
check "no qmin: root asked www.other.tst" test "$(logged www.other.tst "$T/auth-root.log")" = 1
check "no qmin: tst. asked www.other.tst" test "$(logged www.other.tst "$T/auth-tst.log")" = 1

# (the root NS set refreshed by its TTL, primed again: a replay scenario
# on the fake clock, tests/replay/ttl_root_ns_reprime_3s.rpl)

# ---- identical questions in flight: resolved once, all answered ----
# (the upstream answer takes 0.6 s: all 20 questions wait for it)
# Each client has its own source port, below the ephemeral range: dig sets
# SO_REUSEPORT, so two digs binding port 0 at once may be given the same
# port, and then both answers go to one of them and the other times out.
inflight() { # ADDR NAME: 20 clients at once
	local pids=() i
	for i in $(seq 20); do
		dig -b "127.0.0.1#$((20000 + i))" @"$1" +time=5 +tries=1 "$2" >"$T/if-$2-$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$T"/if-"$2"-* | grep -Ec 'IN[[:space:]]+A[[:space:]]+127\.12\.0\.80$'
}
check "in flight (1 worker): 20 answers" test "$(inflight 127.0.0.1 www.delay.tst)" = 20
check "in flight (1 worker): one upstream query" test "$(logged www.delay.tst "$T/evil-delay.log")" = 1
RES_THREADS=2 resolver res-2 127.0.0.3 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" \
	"query-loopback: yes" "upstream-timeout: $UPSTREAM_TIMEOUT"
# the workers share their questions in flight through the cache: the
# second worker waits for the first one's answer instead of asking too
check "in flight (2 workers): 20 answers" test "$(inflight 127.0.0.3 two.delay.tst)" = 20
# the waiting worker is woken when the other ends its claim, not by its
# 2 s fallback timer: every answer comes with the upstream one (0.6 s)
slowest=$(cat "$T"/if-two.delay.tst-* | sed -n 's/^;; Query time: \([0-9]*\) msec$/\1/p' | sort -n | tail -1)
[ -n "$slowest" ] && [ "$slowest" -lt 1500 ] && ok "in flight (2 workers): woken at once (slowest $slowest ms)" ||
	bad "in flight (2 workers): slowest answer $slowest ms (want < 1500: woken by the claim's end)"
n=$(logged two.delay.tst "$T/evil-delay.log")
[ "$n" = 1 ] && ok "in flight (2 workers): one upstream query" ||
	bad "in flight (2 workers): $n upstream queries (want 1)"

# ---- replies whose question does not match are rejected ----
check "question as asked: answered" test "$(D +short www.exact.tst)" = 127.11.0.80
check "question as asked: letter case was randomised (0x20)" \
	sh -c "grep 'query ' '$T/evil-badq.log' | grep -i 'www\.exact\.tst' | grep -q '[A-Z]'"
for z in case qname qtype qclass; do
	D www.$z.tst >"$T/b-$z"
	check "wrong $z in the reply's question: SERVFAIL" test "$(status "$T/b-$z")" = SERVFAIL
	check "wrong $z in the reply's question: not answered" sh -c "! grep -q '127\.11\.0\.80' '$T/b-$z'"
	check "wrong $z: the server was asked" test "$(logged www.$z.tst "$T/evil-badq.log")" -ge 1
done

# ---- IPv6 servers ----
check "IPv6: a zone whose server has only an AAAA" test "$(D +short www.v6only.tst)" = 127.15.0.80
check "IPv6: the server was asked over IPv6" grep -q ' query fd00:53::.*www\.v6only\.tst\. A' "$T/auth-v6.log"
check "IPv6: a server with A (nothing there) and AAAA" test "$(D +short www.dual.tst)" = 127.14.0.80
check "IPv6: asked over IPv6" grep -q ' query fd00:53::.*www\.dual\.tst\. A' "$T/auth-v6.log"
# unroutable IPv6 (no route in this namespace): fails at once, not waited on
D www.v6dead.tst >"$T/v1"
ms=$(qtime "$T/v1")
check "unroutable IPv6 servers only: SERVFAIL" test "$(status "$T/v1")" = SERVFAIL
check "unroutable IPv6 servers only: EDE 23 (network error)" grep -q 'EDE: 23' "$T/v1"
[ -n "$ms" ] && [ "$ms" -lt "$UPSTREAM_TIMEOUT" ] && ok "unroutable IPv6 servers only: answered in $ms ms" ||
	bad "unroutable IPv6 servers only: answered in '$ms' ms (want < the upstream timeout, $UPSTREAM_TIMEOUT)"
u0=$(grep -c 'unreachable' "$T/res.log")
check "unroutable IPv6: logged" test "$u0" -ge 1
D www.mixed.tst >"$T/v2"
ms=$(qtime "$T/v2")
check "4 unroutable IPv6 servers and 1 IPv4: answered" grep -Eq 'IN[[:space:]]+A[[:space:]]+127\.3\.0\.77$' "$T/v2"
[ -n "$ms" ] && [ "$ms" -lt "$UPSTREAM_TIMEOUT" ] && ok "4 unroutable IPv6 servers and 1 IPv4: answered in $ms ms" ||
	bad "4 unroutable IPv6 servers and 1 IPv4: answered in '$ms' ms (want < the upstream timeout, $UPSTREAM_TIMEOUT)"
check "the unroutable family was not tried again" test "$(grep -c 'unreachable' "$T/res.log")" = "$u0"

# ---- cached answers: AA=0, RA=1 (the parts of a CNAME chain ageing apart:
# tests/replay/ttl_cname_chain_ages_apart.rpl) ----
D www.other.tst >/dev/null
D alias.good.tst >/dev/null
D alias.good.tst >"$T/a2"
check "cached: RA set, AA clear" grep -Eq '^;; flags: qr rd ra;' "$T/a2"
check "cached: the CNAME and its target" sh -c "grep -Eq '^alias\.good\.tst\..*CNAME' '$T/a2' && grep -Eq '^www\.other\.tst\..*IN[[:space:]]+A' '$T/a2'"
finish
