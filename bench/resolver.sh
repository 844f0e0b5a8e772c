#!/bin/bash
# bench/resolver.sh -- cairnd beside unbound as a caching resolver, in one run.
#
#   bench/resolver.sh [-b BUILDDIR] [-t SECONDS] [-r ROUNDS]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree)
#   -t SECONDS   length of each measured dnsperf run (default 10)
#   -r ROUNDS    measured runs per server, alternating; medians reported
#                (default 3)
#
# Runs inside a private network namespace (it re-executes itself under
# `unshare -rn`) with the toy Internet of zones/lab served by cairnd
# instances that log their queries.  Both resolvers start from the lab's
# root hints with QNAME minimisation on (cairnd threads: 1, unbound
# num-threads: 1, module-config "iterator").
#
# Part 1, cold cache: each resolver, freshly started, is asked every
# distinct question of the query file once (dig, one after the other); the
# upstream queries it sends are counted in the authoritative servers' logs.
#
# Part 2, cache hits: the same query file of lab names (positive answers,
# a CNAME chain across zones, PTR, NXDOMAIN and NODATA), cache warmed
# first; the resolver pinned to CPU 0 and dnsperf to CPU 1.  Reported:
# queries per second and the resolver's CPU microseconds per answered
# query (utime+stime from /proc/PID/stat before and after, divided by the
# answered queries).
#
# Part 3, cache misses: 16,000 distinct names below bulk.example.net (a
# wildcard zone of the lab, zones/lab/README), each asked once by dnsperf
# (-n 1, 100 outstanding) after one name there has put the delegation in
# the cache, so that each costs one upstream query (QNAME minimisation
# on).  Fresh names every round; pinned as in part 2.  Reported:
# resolutions per second, the resolver's CPU microseconds per resolution
# (utime+stime delta / answered) and upstream queries per resolution (from
# the authoritative servers' logs).
#
# Needs: unbound, dnsperf, dig, taskset, unshare, 2 CPUs.  Not part of
# make check.
. "$(dirname "$0")/lib.sh"
bench_resolver_start 39 unbound dnsperf dig taskset -- "$@"
bench_setup rbench
L=$srcdir/zones/lab

# ---- the lab: authoritative cairnd instances logging their queries, and
# unbound: shared with the resolver system tests ----
T=$TMP
CAIRND=$cairnd
. "$srcdir/tests/system/lab_lib.sh"
# The example.net server (127.4.0.1) also serves bulk.example.net, as in
# zones/lab/example-net.conf: lab_lib.sh's auth, renamed lab_auth, with
# that zone added to the auth-exnet instance.
eval "lab_auth$(declare -f auth | sed '1s/^auth *//')"
auth() {
	if [ "$1" = auth-exnet ]; then
		lab_auth "$@" bulk.example.net="$L/bulk.example.net.zone"
	else
		lab_auth "$@"
	fi
}
LAB_RUN="taskset -c $PERF_CPU" start_lab "$L" >&2 || exit 1

# ---- the questions ----
cat >"$TMP/names" <<'EOF'
www.example.com A
example.com A
example.com MX
example.com NS
mail.example.com A
ns1.example.com A
ns2.example.com A
dns.example.com A
www.example.net A
example.net A
ns1.example.net A
www.shop.net A
shop.net A
25.0.3.127.in-addr.arpa PTR
80.0.4.127.in-addr.arpa PTR
1.0.5.127.in-addr.arpa PTR
nope.example.com A
nx.shop.net A
mail.example.com AAAA
www.example.net AAAA
EOF
for _ in $(seq 500); do cat "$TMP/names"; done >"$TMP/queries"

# ---- the resolvers ----
# Part 1: cold cache, one resolver after the other (priming included)
declare -A ADDR SPID COLD
bench_resolvers "$L/root.hints" "$TMP/names" "dnssec: no" -- 'domain-insecure: "127.in-addr.arpa."'

# Part 2: cache hits, alternating rounds
declare -A QPSL CPUL CODES
for kind in cairnd unbound; do
	run_perf "${ADDR[$kind]}" 53 2 "$TMP/warm.$kind"    # warm-up
done
for r in $(seq "$rounds"); do
	for kind in cairnd unbound; do
		echo "round $r: $kind, $secs s..." >&2
		measure "${SPID[$kind]}" "${ADDR[$kind]}" 53 "$secs" "$TMP/perf.$kind.$r"
		QPSL[$kind]="${QPSL[$kind]:-} $PERF_QPS"
		CPUL[$kind]="${CPUL[$kind]:-} $PERF_CPU_US"
		CODES[$kind]=$PERF_CODES
	done
done

# Part 3: cache misses, alternating rounds, fresh names each round
MISS_N=16000
declare -A MQPSL MCPUL MUPL MCODES
for kind in cairnd unbound; do  # the delegation of bulk.example.net
	dig @"${ADDR[$kind]}" +time=5 +tries=1 warm.bulk.example.net A >"$TMP/bulkwarm.$kind"
	grep -q '127\.4\.0\.99' "$TMP/bulkwarm.$kind" ||
		{ echo "bench: $kind did not resolve warm.bulk.example.net" >&2; cat "$TMP/bulkwarm.$kind" >&2; exit 1; }
done
bench_miss_rounds $MISS_N bulk.example.net

echo
echo "Caching resolver on the lab of zones/lab: $(wc -l <"$TMP/names") distinct questions"
echo "(positive, CNAME across zones, PTR, NXDOMAIN, NODATA); resolver on CPU $SRV_CPU,"
echo "dnsperf on CPU $PERF_CPU; $rounds rounds of ${secs}s each (medians; every round in brackets)"
printf '%-8s %10s %15s %22s  %s\n' server "QPS" "CPU us/answer" "cold-cache upstream" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %22s  %s\n' "$kind" "$(echo "${QPSL[$kind]}" | bench_median)" \
		"$(echo "${CPUL[$kind]}" | bench_median)" "${COLD[$kind]}" "${CODES[$kind]}"
	echo "         QPS [${QPSL[$kind]# }]  CPU us [${CPUL[$kind]# }]"
done
echo "cairnd/unbound CPU per answer: $(bench_ratio "$(echo "${CPUL[cairnd]}" | bench_median)" "$(echo "${CPUL[unbound]}" | bench_median)")"

echo
echo "Cache misses: $MISS_N distinct names below bulk.example.net (delegation cached), each"
echo "asked once (dnsperf -n 1, 100 outstanding), fresh names each round; $rounds rounds (medians)"
printf '%-8s %10s %15s %22s  %s\n' server "res/s" "CPU us/res" "upstream/res" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %22s  %s\n' "$kind" "$(echo "${MQPSL[$kind]}" | bench_median)" \
		"$(echo "${MCPUL[$kind]}" | bench_median)" "$(echo "${MUPL[$kind]}" | bench_median)" "${MCODES[$kind]}"
	echo "         res/s [${MQPSL[$kind]# }]  CPU us [${MCPUL[$kind]# }]  upstream [${MUPL[$kind]# }]"
done
echo "cairnd/unbound CPU per resolution: $(bench_ratio "$(echo "${MCPUL[cairnd]}" | bench_median)" "$(echo "${MCPUL[unbound]}" | bench_median)")"
