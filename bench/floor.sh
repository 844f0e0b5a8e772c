#!/bin/bash
# bench/floor.sh -- cairnd against the floor responder, in one run.
#
#   bench/floor.sh [-b BUILDDIR] [-t SECONDS] [-r ROUNDS] [-n NAMES]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree)
#   -t SECONDS   length of each measured dnsperf run (default 10)
#   -r ROUNDS    measured runs per server, alternating; medians reported
#                (default 3)
#   -n NAMES     names in the zone and the query file (default 2000)
#
# The floor (bench/floor/floor.c, built here with cc) is the cheapest UDP
# responder there is: recvmmsg, set QR, the query back with sendmmsg, in
# one thread.  Beside it, with the same query file (A questions for names
# that exist, RD set as dnsperf sends them): cairnd answering from its own
# zone (authoritative, recursion: no), and cairnd as a resolver answering
# from its cache (recursion: yes, the zone's names forwarded to a second
# cairnd serving it, the cache warmed before measuring).  Each measured
# server runs single-threaded pinned to CPU 0, dnsperf pinned to CPU 1 (the
# upstream cairnd of the cache-hit case too: it only works in the
# warm-up).  Reported per server: queries per second, CPU microseconds per
# answered query (utime+stime from /proc/PID/stat before and after, over
# the answered queries) and that over the floor's.  cairnd runs with
# response rate limiting and cookies off (rrl-ratelimit: 0, answer-cookie:
# no) and, as the resolver of the unsigned bench.test, without validation.
#
# Runs inside a private network namespace (it re-executes itself under
# `unshare -rn`): nothing leaves the machine.
#
# Needs: cc, dnsperf, dig, taskset, unshare, ip, python3, 2 CPUs.  Not part
# of make check.
. "$(dirname "$0")/lib.sh"
build=
secs=10
rounds=3
names=2000
while getopts b:t:r:n:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	n) names=$OPTARG ;;
	*) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need cc dnsperf dig taskset unshare ip python3
bench_enter_netns -b "$build" -t "$secs" -r "$rounds" -n "$names"
bench_setup floor

cc -O2 -Wall -o "$TMP/floor" "$srcdir/bench/floor/floor.c" || exit 1

# the zone and the query file: positive A answers only
python3 - "$TMP/bench.zone" "$TMP/queries" "$names" <<'PY'
import random, sys
zone, queries, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(zone, "w") as f:
    f.write("$ORIGIN bench.test.\n$TTL 3600\n")
    f.write("@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n")
    for i in range(n):
        f.write("h%d A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
rnd = random.Random(7)
with open(queries, "w") as f:
    for _ in range(200000):
        f.write("h%d.bench.test A\n" % rnd.randrange(n))
PY

declare -A ADDR=([floor]=127.0.0.1 [auth]=127.0.0.2 [cache]=127.0.0.3) SPID
UPSTREAM=127.0.0.4
conf() { # conf FILE ADDR RECURSION [MORE...]
	local f=$1 a=$2 r=$3
	shift 3
	printf 'server:\n\tlisten: %s@53\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: %s\n' \
		"$a" "$r" >"$f"
	# the issue's first target: response rate limiting and cookies off
	printf '\trrl-ratelimit: 0\n\tanswer-cookie: no\n' >>"$f"
	printf '%s\n' "$@" >>"$f"
}
conf "$TMP/auth.conf" "${ADDR[auth]}" no zone: "	name: bench.test" "	file: $TMP/bench.zone"
conf "$TMP/up.conf" $UPSTREAM no zone: "	name: bench.test" "	file: $TMP/bench.zone"
conf "$TMP/cache.conf" "${ADDR[cache]}" yes "	allow-recursion: 127.0.0.0/8" "	dnssec: no" \
	"	query-loopback: yes" "	local-zone-disable: test" forward-zone: "	name: bench.test" "	forward-addr: $UPSTREAM"

taskset -c $SRV_CPU "$TMP/floor" -a "${ADDR[floor]}" -p 53 2>"$TMP/floor.log" &
SPID[floor]=$!
taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/auth.conf" >"$TMP/auth.log" 2>&1 &
SPID[auth]=$!
taskset -c $PERF_CPU "$cairnd" -d -c "$TMP/up.conf" >"$TMP/up.log" 2>&1 &
PIDS+=($!)
taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cache.conf" >"$TMP/cache.log" 2>&1 &
SPID[cache]=$!
PIDS+=("${SPID[floor]}" "${SPID[auth]}" "${SPID[cache]}")

# every server answers h1 (the resolver: from upstream, then its cache)
for kind in floor auth cache; do
	ok=
	for _ in $(seq 100); do
		if dig @"${ADDR[$kind]}" +time=1 +tries=1 h1.bench.test A 2>/dev/null |
			grep -q 'status: NOERROR'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ -n "$ok" ] || { echo "bench: $kind does not answer" >&2; cat "$TMP/$kind.log" >&2; exit 1; }
done
echo "warming the cache with every name..." >&2
run_perf "${ADDR[cache]}" 53 3 "$TMP/warm.cache"

declare -A RUNS_QPS RUNS_CPU CODES
for r in $(seq "$rounds"); do
	for kind in floor auth cache; do
		echo "round $r: $kind, warm-up and $secs s..." >&2
		run_perf "${ADDR[$kind]}" 53 1 "$TMP/warm.$kind"
		measure "${SPID[$kind]}" "${ADDR[$kind]}" 53 "$secs" "$TMP/perf.$kind"
		RUNS_QPS[$kind]+="$PERF_QPS "
		RUNS_CPU[$kind]+="$PERF_CPU_US "
		CODES[$kind]=$PERF_CODES
	done
done

echo
echo "The floor and cairnd: $names names, $(wc -l <"$TMP/queries") A queries (all positive),"
echo "${secs}s x $rounds rounds each (medians), server on CPU $SRV_CPU, dnsperf on CPU $PERF_CPU"
printf '%-22s %10s %15s %10s  %s\n' server QPS "CPU us/answer" "x floor" "response codes (last round)"
# shellcheck disable=SC2086
floor_cpu=$(bench_median ${RUNS_CPU[floor]})
for kind in floor auth cache; do
	# shellcheck disable=SC2086
	cpu=$(bench_median ${RUNS_CPU[$kind]})
	case $kind in
	floor) label="floor responder" ;;
	auth) label="cairnd authoritative" ;;
	cache) label="cairnd cache hit" ;;
	esac
	# shellcheck disable=SC2086
	printf '%-22s %10s %15s %10s  %s\n' "$label" "$(bench_median ${RUNS_QPS[$kind]})" "$cpu" \
		"$(python3 -c "print('%.2f' % ($cpu / $floor_cpu))")" "${CODES[$kind]}"
done
echo "per round, CPU us/answer: floor ${RUNS_CPU[floor]}| auth ${RUNS_CPU[auth]}| cache ${RUNS_CPU[cache]}"
