#!/bin/bash
# The resolver against servers that misbehave on purpose and against the
# limits: lame (REFUSED) and silent servers, TC=1 over UDP, FORMERR to
# EDNS, out-of-bailiwick injection (never cached or returned), a CNAME
# loop, 100 NS names without glue (bounded), an endless staircase of
# referrals, too many unreachable servers, too much time; the limits
# lowered in cairnd.conf (max-upstream-queries,
# max-referrals, max-glueless-ns, resolve-timeout, upstream-timeout); the
# upstream.timeouts and upstream.tcp_fallbacks statistics. A private lab
# under tst. is built here.
. "$top_srcdir/tests/system/resolver_lib.sh"
need python3
EVIL="python3 $top_srcdir/tests/system/resolver_evil.py"
export PYTHONDONTWRITEBYTECODE=1

soa() { printf '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 86400 %s\n' "${2:-300}"; }
{
	printf '$ORIGIN .\n$TTL 86400\n. IN SOA ns.root. hostmaster.root. 1 3600 600 86400 300\n'
	printf '. NS ns.root.\nns.root. A 127.1.0.1\ntst. NS ns.tst.\nns.tst. A 127.2.0.1\n'
	printf 'alt. NS ns.alt.\nns.alt. A 127.2.0.2\n'
} >"$T/root.zone"
{
	printf '$ORIGIN alt.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.2.0.2"
	echo "nowhere NS ns1.nowhere"; echo "ns1.nowhere A 127.3.0.1"
	echo "hosts NS ns1.hosts"; echo "ns1.hosts A 127.3.0.3"
} >"$T/alt.zone"
{ printf '$ORIGIN hosts.alt.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.3.0.3"; echo "ns A 127.3.0.2"; } >"$T/hosts.zone"
printf '. 3600000 NS ns.root.\nns.root. 3600000 A 127.1.0.1\n' >"$T/hints"
{
	printf '$ORIGIN tst.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.2.0.1"
	echo "good NS ns1.good"; echo "ns1.good A 127.3.0.1"
	echo "glueless NS ns.hosts.alt."
	for i in $(seq 0 99); do echo "many NS ns$i.nowhere.alt."; done
	echo "lame NS ns1.lame"; echo "lame NS ns2.lame"
	echo "ns1.lame A 127.4.0.1"; echo "ns2.lame A 127.4.0.2"
	echo "alllame NS ns1.alllame"; echo "ns1.alllame A 127.4.0.1"
	echo "silent NS ns1.silent"; echo "silent NS ns2.silent"
	echo "ns1.silent A 127.5.0.1"; echo "ns2.silent A 127.5.0.2"
	echo "allsilent NS ns1.allsilent"; echo "ns1.allsilent A 127.5.0.1"
	for i in $(seq 1 15); do echo "slow NS s$i.slow"; echo "s$i.slow A 127.5.1.$i"; done
	echo "tc NS ns1.tc"; echo "ns1.tc A 127.6.0.1"
	echo "evil NS ns1.evil"; echo "ns1.evil A 127.7.0.1"
	echo "noedns NS ns1.noedns"; echo "ns1.noedns A 127.8.0.1"
	echo "deep NS ns.deep"; echo "ns.deep A 127.9.0.1"
	for i in $(seq 1 20); do
		echo "wide NS w$i.wide"; echo "w$i.wide A 127.10.0.$i"; echo "w$i.wide A 127.10.1.$i"
	done
} >"$T/tst.zone"
{
	printf '$ORIGIN good.tst.\n'; soa x 3; echo "@ NS ns1"; echo "ns1 A 127.3.0.1"; echo "ns A 127.3.0.2"
	echo "www A 127.3.0.80"; echo "www AAAA fd00::80"; echo "short 3 IN A 127.3.0.81"
	echo "loop1 CNAME loop2"; echo "loop2 CNAME loop1"
	echo "toglueless CNAME www.glueless.tst."
	for i in $(seq 0 13); do echo "c$i CNAME c$((i + 1))"; done; echo "c14 A 127.3.0.14"
} >"$T/good.zone"
{ printf '$ORIGIN glueless.tst.\n'; soa; echo "@ NS ns.hosts.alt."; echo "www A 127.3.0.90"; } >"$T/glueless.zone"
{ printf '$ORIGIN nowhere.alt.\n'; soa; echo "@ NS ns1"; echo "ns1 A 127.3.0.1"; } >"$T/nowhere.zone"
{ printf '$ORIGIN lame.tst.\n'; soa; echo "@ NS ns1"; echo "@ NS ns2"; echo "ns1 A 127.4.0.1"; echo "ns2 A 127.4.0.2"; echo "www A 127.4.0.80"; } >"$T/lame.zone"
{ printf '$ORIGIN silent.tst.\n'; soa; echo "@ NS ns1"; echo "@ NS ns2"; echo "ns1 A 127.5.0.1"; echo "ns2 A 127.5.0.2"; echo "www A 127.5.0.80"; } >"$T/silent.zone"

auth auth-root 127.1.0.1 -- .="$T/root.zone"
auth auth-tst 127.2.0.1 -- tst="$T/tst.zone"
auth auth-alt 127.2.0.2 -- alt="$T/alt.zone"
auth auth-good 127.3.0.1 -- good.tst="$T/good.zone" nowhere.alt="$T/nowhere.zone"
auth auth-hosts 127.3.0.3 -- hosts.alt="$T/hosts.zone"
auth auth-glueless 127.3.0.2 -- glueless.tst="$T/glueless.zone"
auth auth-refuse 127.4.0.1 --
auth auth-lame 127.4.0.2 -- lame.tst="$T/lame.zone"
auth auth-silent 127.5.0.2 -- silent.tst="$T/silent.zone"
for a in 127.1.0.1:. 127.2.0.1:tst 127.2.0.2:alt 127.3.0.3:hosts.alt 127.3.0.1:good.tst 127.3.0.2:glueless.tst 127.4.0.1:. 127.4.0.2:lame.tst 127.5.0.2:silent.tst; do
	wait_dns ${a%%:*} ${a#*:} SOA || die "authoritative server ${a%%:*} did not start"
done
slow=$(for i in $(seq 1 15); do printf '127.5.1.%s ' $i; done)
for m in "silent 127.5.0.1 $slow" "tc 127.6.0.1" "inject 127.7.0.1" "noedns 127.8.0.1" "deep 127.9.0.1"; do
	set -- $m
	$EVIL "$@" >"$T/evil-$1.out" 2>"$T/evil-$1.log" &
	PIDS+=($!)
done
for m in silent tc inject noedns deep; do
	wait_file "$T/evil-$m.out" ready || die "resolver_evil.py $m did not start: $(cat "$T/evil-$m.log")"
done
resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" "query-loopback: yes"
RES_PID=${PIDS[-1]}

D() { dig @127.0.0.1 +time=15 +tries=1 "$@"; }
status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$1"; }

# ---- out-of-bailiwick injection, before anything about good.tst is known ----
D www.evil.tst >"$T/e1"
check "evil: its own answer" grep -Eq 'IN[[:space:]]+A[[:space:]]+127\.7\.0\.80$' "$T/e1"
check "evil: injected records not returned" sh -c "! grep -q '6\.6\.6\.6\|ns\.evil' '$T/e1'"
check "evil: www.good.tst is the real one" test "$(D +short www.good.tst)" = "127.3.0.80"
check "evil: good.tst NS is the real one" test "$(D +short good.tst NS)" = "ns1.good.tst."
check "evil: ns1.good.tst is the real one" test "$(D +short ns1.good.tst)" = "127.3.0.1"
check "AAAA www.good.tst" test "$(D +short www.good.tst AAAA)" = "fd00::80"

# ---- chains and loops ----
D toglueless.good.tst >"$T/c1"
check "CNAME into a glueless zone" grep -Eq 'IN[[:space:]]+A[[:space:]]+127\.3\.0\.90$' "$T/c1"
D loop1.good.tst >"$T/c2"
check "CNAME loop: SERVFAIL" test "$(status "$T/c2")" = SERVFAIL
D c0.good.tst >"$T/c3"
check "CNAME chain of 14 (> 12): SERVFAIL" test "$(status "$T/c3")" = SERVFAIL
check "CNAME chain of 2 from the middle: answered" test "$(D +short c12.good.tst | tail -n 1)" = "127.3.0.14"

# (TTL and negative TTL expiry are replay scenarios on the fake clock:
# tests/replay/ttl_answer_expires_3s.rpl, ttl_nxdomain_soa_minimum_3.rpl)
D nx.good.tst >"$T/n1"
check "NXDOMAIN in good.tst" test "$(status "$T/n1")" = NXDOMAIN
before=$(upstream); D nx.good.tst >/dev/null
[ "$(upstream)" = "$before" ] && ok "negative answer cached" || bad "negative: not cached"

# ---- lame, silent, TC, FORMERR to EDNS ----
check "one lame server of two: answered" test "$(D +short www.lame.tst)" = "127.4.0.80"
D www.alllame.tst >"$T/l1"
check "only lame servers: SERVFAIL" test "$(status "$T/l1")" = SERVFAIL
check "only lame servers: EDE 22" grep -q 'EDE: 22' "$T/l1"
to0=$(rstat res upstream.timeouts)
check "one silent server of two: answered" test "$(D +short www.silent.tst)" = "127.5.0.80"
D www.allsilent.tst >"$T/s1"
check "only a silent server: SERVFAIL" test "$(status "$T/s1")" = SERVFAIL
check "only a silent server: EDE 23" grep -q 'EDE: 23' "$T/s1"
to1=$(rstat res upstream.timeouts)
[ "$to1" -ge $((to0 + 1)) ] 2>/dev/null && ok "silent servers: upstream.timeouts $to0 -> $to1" ||
	bad "silent servers: upstream.timeouts $to0 -> $to1 (want more)"
fb0=$(rstat res upstream.tcp_fallbacks)
check "TC=1 over UDP: retried over TCP" test "$(D +short www.tc.tst)" = "127.6.0.80"
fb1=$(rstat res upstream.tcp_fallbacks)
[ "$fb1" = "$((fb0 + 1))" ] && ok "TC=1: upstream.tcp_fallbacks $fb0 -> $fb1" ||
	bad "TC=1: upstream.tcp_fallbacks $fb0 -> $fb1 (want one more)"
"$CONTROL" -s "$T/res.ctl" stats-prometheus >"$T/prom.txt"
check "Prometheus: cairn_upstream_timeouts_total > 0" grep -Eq '^cairn_upstream_timeouts_total [1-9]' "$T/prom.txt"
check "Prometheus: cairn_upstream_tcp_fallbacks_total > 0" grep -Eq '^cairn_upstream_tcp_fallbacks_total [1-9]' "$T/prom.txt"
kill -USR1 "$RES_PID"
wait_file "$T/res.log" 'stats: '
check "SIGUSR1 log line: timeouts and TCP fallbacks" \
	grep -Eq 'stats: .*upstream [0-9]+ queries, [1-9][0-9]* timeouts, [1-9][0-9]* tcp fallbacks' "$T/res.log"
check "FORMERR to EDNS: retried without" test "$(D +short www.noedns.tst)" = "127.8.0.80"

# ---- limits ----
before=$(upstream)
D www.many.tst >"$T/m1"
n=$(( $(upstream) - before ))
check "100 NS names without glue: SERVFAIL" test "$(status "$T/m1")" = SERVFAIL
[ "$n" -le 16 ] && ok "100 NS names without glue: $n upstream queries" ||
	bad "100 NS names without glue: $n upstream queries (want <= 16)"
D www.wide.tst >"$T/w1"
check "40 unreachable server addresses: SERVFAIL" test "$(status "$T/w1")" = SERVFAIL
check "40 unreachable server addresses: query limit (32)" grep -q 'upstream query limit' "$T/w1"
# (QNAME minimisation takes at most 10 steps, RFC 9156 §2.3, so the
# staircase reaches the full name first: the server then refers to the
# zone asked, which is lameness; max-referrals is checked with res-l)
u0=$(rstat res upstream.queries)
D $(printf 'x%s.' $(seq 1 25))deep.tst >"$T/d1"
n=$(( $(rstat res upstream.queries) - u0 ))
check "endless referrals: SERVFAIL" test "$(status "$T/d1")" = SERVFAIL
[ "$n" -le 16 ] && ok "endless referrals: bounded ($n upstream queries)" ||
	bad "endless referrals: $n upstream queries (want <= 16)"
start=$(date +%s)
D www.slow.tst >"$T/t1"
el=$(( $(date +%s) - start ))
check "15 silent servers: SERVFAIL" test "$(status "$T/t1")" = SERVFAIL
check "15 silent servers: time limit" grep -q 'time limit' "$T/t1"
# (whole seconds; up to 4 s over the limit for a slow, loaded machine)
[ "$el" -ge 9 ] && [ "$el" -le 14 ] && ok "time limit after ${el}s" || bad "time limit after ${el}s (want 9..14, limit 10)"
check "still answering afterwards" test "$(D +short www.good.tst)" = "127.3.0.80"

# ---- the limits set lower in cairnd.conf are honoured ----
# res-q: max-upstream-queries 8 (instead of 32)
resolver res-q 127.0.0.6 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" \
	"query-loopback: yes" "max-upstream-queries: 8"
u0=$(rstat res-q upstream.queries)
dig @127.0.0.6 +time=15 +tries=1 www.wide.tst >"$T/k1"
n=$(( $(rstat res-q upstream.queries) - u0 ))
check "max-upstream-queries 8: SERVFAIL" test "$(status "$T/k1")" = SERVFAIL
check "max-upstream-queries 8: query limit" grep -q 'upstream query limit' "$T/k1"
[ "$n" -ge 4 ] && [ "$n" -le 8 ] && ok "max-upstream-queries 8: $n upstream queries" ||
	bad "max-upstream-queries 8: $n upstream queries (want 4..8)"
# res-l: max-referrals 3, max-glueless-ns 1, resolve-timeout 3 s, upstream-timeout 300 ms
resolver res-l 127.0.0.7 "allow-recursion: 127.0.0.0/8" "root-hints: $T/hints" \
	"query-loopback: yes" "max-referrals: 3" "max-glueless-ns: 1" "resolve-timeout: 3" \
	"upstream-timeout: 300"
L() { dig @127.0.0.7 +time=15 +tries=1 "$@"; }
u0=$(rstat res-l upstream.queries)
L $(printf 'x%s.' $(seq 1 25))deep.tst >"$T/k2"
n=$(( $(rstat res-l upstream.queries) - u0 ))
check "max-referrals 3: SERVFAIL" test "$(status "$T/k2")" = SERVFAIL
check "max-referrals 3: referral limit" grep -q 'referral limit' "$T/k2"
[ "$n" -le 8 ] && ok "max-referrals 3: $n upstream queries" ||
	bad "max-referrals 3: $n upstream queries (want <= 8)"
g0=$(grep -c ' query .*nowhere\.alt\. ' "$T/auth-good.log")
L www.many.tst >"$T/k3"
g=$(( $(grep -c ' query .*nowhere\.alt\. ' "$T/auth-good.log") - g0 ))
check "max-glueless-ns 1: SERVFAIL" test "$(status "$T/k3")" = SERVFAIL
[ "$g" = 1 ] && ok "max-glueless-ns 1: one NS name without glue looked up" ||
	bad "max-glueless-ns 1: $g NS names without glue looked up (want 1)"
to0=$(rstat res-l upstream.timeouts)
L www.allsilent.tst >"$T/k4"
ms=$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' "$T/k4")
check "upstream-timeout 300 ms: SERVFAIL" test "$(status "$T/k4")" = SERVFAIL
# (below the default upstream-timeout of 1000 ms, with headroom for a loaded machine)
[ -n "$ms" ] && [ "$ms" -ge 100 ] && [ "$ms" -lt 950 ] && ok "upstream-timeout 300 ms: answered in $ms ms" ||
	bad "upstream-timeout 300 ms: answered in '$ms' ms (want 100..950)"
check "upstream-timeout 300 ms: counted in upstream.timeouts" test "$(rstat res-l upstream.timeouts)" -gt "$to0"
start=$(date +%s)
L www.slow.tst >"$T/k5"
el=$(( $(date +%s) - start ))
check "resolve-timeout 3: SERVFAIL" test "$(status "$T/k5")" = SERVFAIL
check "resolve-timeout 3: time limit" grep -q 'time limit' "$T/k5"
[ "$el" -ge 2 ] && [ "$el" -le 6 ] && ok "resolve-timeout 3: after ${el}s" ||
	bad "resolve-timeout 3: after ${el}s (want 2..6)"
# out of range is a configuration error with file:line
printf 'server:\n\trecursion: yes\n\tmax-upstream-queries: 0\n\tupstream-timeout: 5\n' >"$T/badlim.conf"
if "$CAIRND" -n -c "$T/badlim.conf" >"$T/badlim.out" 2>&1; then
	bad "max-upstream-queries: 0 accepted"
else
	check "max-upstream-queries: 0 rejected at line 3" grep -q 'badlim.conf:3' "$T/badlim.out"
	check "upstream-timeout: 5 rejected at line 4" grep -q 'badlim.conf:4' "$T/badlim.out"
fi

# ---- forward-zone: names under it go to the forwarder only ----
printf 'server:\n\tlisten: 127.0.0.5@53\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: yes\n\troot-hints: %s\n\tdnssec: no\n\tquery-loopback: no\nforward-zone:\n\tname: good.tst\n\tforward-addr: 127.0.0.1\n' "$T/hints" >"$T/res-fwd.conf"
"$CAIRND" -d -c "$T/res-fwd.conf" >"$T/res-fwd.log" 2>&1 &
PIDS+=($!)
wait_dns 127.0.0.5 www.good.tst A || die "forwarding resolver did not start"
before=$(upstream)
check "forwarded: www.good.tst" test "$(dig @127.0.0.5 +time=5 +tries=1 +short www.good.tst)" = "127.3.0.80"
check "forwarded: AAAA www.good.tst" test "$(dig @127.0.0.5 +time=5 +tries=1 +short www.good.tst AAAA)" = "fd00::80"
[ "$(upstream)" = "$before" ] && ok "forwarded: no query to the authoritative servers" ||
	bad "forwarded: $(( $(upstream) - before )) queries to the authoritative servers"
dig @127.0.0.5 +time=5 +tries=1 www.tst >"$T/f1"
check "not forwarded, query-loopback no: SERVFAIL" test "$(status "$T/f1")" = SERVFAIL
finish
