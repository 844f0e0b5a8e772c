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
build=
secs=10
rounds=3
while getopts b:t:r:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,39s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need unbound dnsperf dig taskset unshare ip
if [ -z "${BENCH_IN_NETNS:-}" ]; then
	BENCH_IN_NETNS=1 exec unshare -rn bash "$0" -b "$build" -t "$secs" -r "$rounds"
	echo "bench: cannot enter a private network namespace (unshare -rn)" >&2
	exit 1
fi
ip link set lo up || exit 1
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
cat >"$TMP/cairnd.conf" <<EOF
server:
	listen: 127.0.0.1@53
	threads: 1
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: yes
	allow-recursion: 127.0.0.0/8
	root-hints: $L/root.hints
	dnssec: no
	query-loopback: yes
	qname-minimisation: yes
	local-zone-disable: 127.in-addr.arpa
EOF
declare -A ADDR=([cairnd]=127.0.0.1 [unbound]=127.0.0.2) SPID COLD
start() { # start KIND: pinned to SRV_CPU
	if [ "$1" = cairnd ]; then
		taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
		SPID[$1]=$!
		PIDS+=($!)
	else
		LAB_RUN="taskset -c $SRV_CPU" start_unbound "$TMP" 127.0.0.2 "$L/root.hints" \
			"access-control: 127.0.0.0/8 allow" 'local-zone: "127.in-addr.arpa." nodefault' \
			'domain-insecure: "127.in-addr.arpa."'
		SPID[$1]=$UNBOUND_PID
	fi
}

# Part 1: cold cache, one resolver after the other (priming included)
for kind in cairnd unbound; do
	before=$(upstream)
	start $kind
	wait_dns "${ADDR[$kind]}" . NS || { cat "$TMP/$kind.log" >&2; exit 1; }
	while read -r q t; do
		dig @"${ADDR[$kind]}" +time=5 +tries=1 "$q" "$t" >/dev/null
	done <"$TMP/names"
	sleep 1   # late fetches (unbound's target fetch policy) land too
	COLD[$kind]=$(( $(upstream) - before ))
done

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
for r in $(seq "$rounds"); do
	awk -v r="$r" -v n=$MISS_N 'BEGIN {
		for (i = 0; i < n; i++) printf "m%d-%05d.bulk.example.net A\n", r, i }' >"$TMP/misses.$r"
	for kind in cairnd unbound; do
		echo "round $r: $kind, $MISS_N cache misses..." >&2
		sleep 0.5     # the authoritative logs are complete
		up=$(upstream)
		before=$(cpu_ticks "${SPID[$kind]}")
		taskset -c $PERF_CPU dnsperf -s "${ADDR[$kind]}" -d "$TMP/misses.$r" -n 1 -l 300 \
			-c 8 -q 100 -T 1 -t 5 >"$TMP/miss.$kind.$r" 2>&1
		after=$(cpu_ticks "${SPID[$kind]}")
		sleep 0.5
		up=$(( $(upstream) - up ))
		n=$(awk '/Queries completed:/ {print $3}' "$TMP/miss.$kind.$r")
		MQPSL[$kind]="${MQPSL[$kind]:-} $(awk '/Queries per second:/ {printf "%.0f", $4}' "$TMP/miss.$kind.$r")"
		MCPUL[$kind]="${MCPUL[$kind]:-} $(awk -v a="$after" -v b="$before" -v t="$TICK" -v n="${n:-0}" \
			'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')"
		MUPL[$kind]="${MUPL[$kind]:-} $(awk -v u="$up" -v n="${n:-0}" 'BEGIN { printf "%.3f", u / (n > 0 ? n : 1) }')"
		MCODES[$kind]="$(sed -n 's/^ *Response codes: *//p' "$TMP/miss.$kind.$r")"
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "Caching resolver on the lab of zones/lab: $(wc -l <"$TMP/names") distinct questions"
echo "(positive, CNAME across zones, PTR, NXDOMAIN, NODATA); resolver on CPU $SRV_CPU,"
echo "dnsperf on CPU $PERF_CPU; $rounds rounds of ${secs}s each (medians; every round in brackets)"
printf '%-8s %10s %15s %22s  %s\n' server "QPS" "CPU us/answer" "cold-cache upstream" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %22s  %s\n' "$kind" "$(echo "${QPSL[$kind]}" | median)" \
		"$(echo "${CPUL[$kind]}" | median)" "${COLD[$kind]}" "${CODES[$kind]}"
	echo "         QPS [${QPSL[$kind]# }]  CPU us [${CPUL[$kind]# }]"
done
echo "cairnd/unbound CPU per answer: $(ratio "$(echo "${CPUL[cairnd]}" | median)" "$(echo "${CPUL[unbound]}" | median)")"

echo
echo "Cache misses: $MISS_N distinct names below bulk.example.net (delegation cached), each"
echo "asked once (dnsperf -n 1, 100 outstanding), fresh names each round; $rounds rounds (medians)"
printf '%-8s %10s %15s %22s  %s\n' server "res/s" "CPU us/res" "upstream/res" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %22s  %s\n' "$kind" "$(echo "${MQPSL[$kind]}" | median)" \
		"$(echo "${MCPUL[$kind]}" | median)" "$(echo "${MUPL[$kind]}" | median)" "${MCODES[$kind]}"
	echo "         res/s [${MQPSL[$kind]# }]  CPU us [${MCPUL[$kind]# }]  upstream [${MUPL[$kind]# }]"
done
echo "cairnd/unbound CPU per resolution: $(ratio "$(echo "${MCPUL[cairnd]}" | median)" "$(echo "${MCPUL[unbound]}" | median)")"
