#!/bin/bash
# bench/floor.sh -- cairnd against the floor responder, in one run.
#
#   bench/floor.sh [-b BUILDDIR] [-t SECONDS] [-r ROUNDS] [-n NAMES]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree)
#   -t SECONDS   length of each measured dnsperf run (default 10)
#   -r ROUNDS    measured runs per server, alternating; medians reported
#                (default 5: a round varies by about ±8 %)
#   -n NAMES     names in the zone and the query file (default 2000)
#
# The floor (bench/floor/floor.c, built here with cc) is the cheapest UDP
# responder there is: recvmmsg, set QR, the query back with sendmmsg, in
# one thread; and the same waiting in epoll_wait before each batch (floor
# -e), what an event-loop server pays before any DNS work.  Beside them,
# with the same query file (A questions for names
# that exist, RD set as dnsperf sends them): cairnd answering from its own
# zone (authoritative, recursion: no), and cairnd as a resolver answering
# from its cache (recursion: yes, the zone's names forwarded to a second
# cairnd serving it, the cache warmed before measuring).  Each measured
# server runs single-threaded pinned to CPU 0, dnsperf pinned to CPU 1 (the
# upstream cairnd of the cache-hit case too: it only works in the
# warm-up).  Reported per server: queries per second, CPU microseconds per
# answered query (utime+stime from /proc/PID/stat before and after, over
# the answered queries; and of that in user space and in the kernel) and
# that over the floor's (the median over rounds of the ratio to the
# floor's figure of the same round).  Two sets, each against the floor with the same
# queries: "off", plain queries and cairnd with response rate limiting and
# cookies off (rrl-ratelimit: 0, answer-cookie: no); "on", every query
# with a client COOKIE option (RFC 7873, so EDNS too) and cairnd with both
# on: a server cookie in every answer, and rate limiting accounting every
# authoritative answer (rrl-ratelimit: 1000000, which one dnsperf never
# reaches: nothing is dropped, every answer pays the bookkeeping).  As the
# resolver of the unsigned bench.test cairnd runs without validation.
# cairnd runs with its defaults otherwise, its answer cache included
# (answer-cache-size: 4096 entries, every name of the query file fits);
# the "off" set also has both cairnds with answer-cache-size: 0, every
# answer built anew (the cost when questions do not repeat).
#
# Runs inside a private network namespace (it re-executes itself under
# `unshare -rn`): nothing leaves the machine.
#
# Needs: cc, dnsperf, dig, taskset, unshare, ip, python3, 2 CPUs.  Not part
# of make check.
. "$(dirname "$0")/lib.sh"
build=
secs=10
rounds=5
names=2000
while getopts b:t:r:n:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	n) names=$OPTARG ;;
	*) sed -n '2,44s/^# \{0,1\}//p' "$0"; exit 1 ;;
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

# "on" kinds end in +; floor+ is the floor asked the "on" queries; floore
# is the floor waiting in epoll_wait before each batch (floor -e), the
# floor of an event-loop server
# auth0 and cache0 are cairnd without its answer cache
KINDS="floor floore auth cache auth0 cache0 floor+ auth+ cache+"
declare -A ADDR=([floor]=127.0.0.1 [floore]=127.0.0.7 [auth]=127.0.0.2 [cache]=127.0.0.3
		 [auth0]=127.0.0.8 [cache0]=127.0.0.9
		 [floor+]=127.0.0.1 [auth+]=127.0.0.5 [cache+]=127.0.0.6) SPID
UPSTREAM=127.0.0.4
COOKIE_OPT="-E 10:0123456789abcdef"   # a client cookie (RFC 7873 §4.1)
# every server's address assigned to lo, as the floor's 127.0.0.1 is: a
# datagram sent from an address lo only routes (127.0.0.0/8) costs the
# kernel a lookup of the local table more per answer (__ip_dev_find)
for a in $(printf '%s\n' "${ADDR[@]}" "$UPSTREAM" | sort -u); do
	[ "$a" = 127.0.0.1 ] || ip addr add "$a/32" dev lo || exit 1
done
conf() { # conf FILE ADDR RECURSION off|on [MORE...]
	local f=$1 a=$2 r=$3 d=$4
	shift 4
	printf 'server:\n\tlisten: %s@53\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: %s\n' \
		"$a" "$r" >"$f"
	if [ "$d" = off ]; then
		printf '\trrl-ratelimit: 0\n\tanswer-cookie: no\n' >>"$f"
	else
		printf '\trrl-ratelimit: 1000000\n\tanswer-cookie: yes\n' >>"$f"
	fi
	printf '%s\n' "$@" >>"$f"
}
for d in off on; do
	sfx=; [ $d = on ] && sfx=+
	conf "$TMP/auth$sfx.conf" "${ADDR[auth$sfx]}" no $d zone: "	name: bench.test" \
		"	file: $TMP/bench.zone"
	conf "$TMP/cache$sfx.conf" "${ADDR[cache$sfx]}" yes $d "	allow-recursion: 127.0.0.0/8" \
		"	dnssec: no" "	query-loopback: yes" "	local-zone-disable: test" forward-zone: \
		"	name: bench.test" "	forward-addr: $UPSTREAM"
done
for k in auth cache; do
	sed -e "s/${ADDR[$k]}@53/${ADDR[${k}0]}@53/" \
	    -e 's/^\(\tanswer-cookie: no\)$/\1\n\tanswer-cache-size: 0/' "$TMP/$k.conf" >"$TMP/${k}0.conf"
done
conf "$TMP/up.conf" $UPSTREAM no off zone: "	name: bench.test" "	file: $TMP/bench.zone"

taskset -c $SRV_CPU "$TMP/floor" -a "${ADDR[floor]}" -p 53 2>"$TMP/floor.log" &
SPID[floor]=$!
SPID[floor+]=$!
PIDS+=($!)
taskset -c $SRV_CPU "$TMP/floor" -e -a "${ADDR[floore]}" -p 53 2>"$TMP/floore.log" &
SPID[floore]=$!
PIDS+=($!)
taskset -c $PERF_CPU "$cairnd" -d -c "$TMP/up.conf" >"$TMP/up.log" 2>&1 &
PIDS+=($!)
for kind in auth cache auth0 cache0 auth+ cache+; do
	taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/$kind.conf" >"$TMP/$kind.log" 2>&1 &
	SPID[$kind]=$!
	PIDS+=($!)
done

# every server answers h1 (the resolver: from upstream, then its cache)
for kind in $KINDS; do
	ok=
	for _ in $(seq 100); do
		if dig @"${ADDR[$kind]}" +time=1 +tries=1 h1.bench.test A 2>/dev/null |
			grep -q 'status: NOERROR'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ -n "$ok" ] || { echo "bench: $kind does not answer" >&2; cat "$TMP/${kind%+}.log" >&2; exit 1; }
done
echo "warming the caches with every name..." >&2
for kind in cache cache0 cache+; do
	run_perf "${ADDR[$kind]}" 53 3 "$TMP/warm.$kind"
done

declare -A RUNS_QPS RUNS_CPU RUNS_USER RUNS_SYS CODES
# round_ratio "A1 A2 ..." "F1 F2 ...": the median of Ar / Fr, each round's
# figure over the floor's of the same round (the machine's speed drifts
# from round to round, by about ±8 %, and the ratio of one round less)
round_ratio() {
	python3 -c 'import statistics, sys
a, f = map(float, sys.argv[1].split()), map(float, sys.argv[2].split())
print("%.2f" % statistics.median(x / y for x, y in zip(a, f)))' "$1" "$2"
}
for r in $(seq "$rounds"); do
	for kind in $KINDS; do
		echo "round $r: $kind, warm-up and $secs s..." >&2
		PERF_EXTRA=
		case $kind in *+) PERF_EXTRA=$COOKIE_OPT ;; esac
		run_perf "${ADDR[$kind]}" 53 1 "$TMP/warm.$kind"
		measure "${SPID[$kind]}" "${ADDR[$kind]}" 53 "$secs" "$TMP/perf.$kind"
		RUNS_QPS[$kind]+="$PERF_QPS "
		RUNS_CPU[$kind]+="$PERF_CPU_US "
		RUNS_USER[$kind]+="$PERF_USER_US "
		RUNS_SYS[$kind]+="$PERF_SYS_US "
		CODES[$kind]=$PERF_CODES
	done
done
PERF_EXTRA=

echo
echo "The floor and cairnd: $names names, $(wc -l <"$TMP/queries") A queries (all positive),"
echo "${secs}s x $rounds rounds each (medians; x floor: the median of each round's ratio),"
echo "server on CPU $SRV_CPU, dnsperf on CPU $PERF_CPU;"
echo "off: plain queries, cairnd's RRL and cookies off; on: queries with a client cookie,"
echo "cairnd's RRL (accounting every answer, never limiting) and cookies on"
printf '%-30s %8s %9s %7s %7s %8s  %s\n' server QPS "CPU us/q" user kernel "x floor" \
	"response codes (last round)"
for kind in $KINDS; do
	# shellcheck disable=SC2086
	cpu=$(bench_median ${RUNS_CPU[$kind]})
	case $kind in
	*+) floor_kind=floor+ set=on ;;
	*) floor_kind=floor set=off ;;
	esac
	case $kind in
	floore) label="floor + epoll_wait" ;;
	floor*) label="floor responder" ;;
	auth0) label="cairnd auth, no acache" ;;
	cache0) label="cairnd cache, no acache" ;;
	auth*) label="cairnd authoritative" ;;
	cache*) label="cairnd cache hit" ;;
	esac
	# shellcheck disable=SC2086
	printf '%-30s %8s %9s %7s %7s %8s  %s\n' "$label, $set" "$(bench_median ${RUNS_QPS[$kind]})" \
		"$cpu" "$(bench_median ${RUNS_USER[$kind]})" "$(bench_median ${RUNS_SYS[$kind]})" \
		"$(round_ratio "${RUNS_CPU[$kind]}" "${RUNS_CPU[$floor_kind]}")" "${CODES[$kind]}"
done
echo "per round, CPU us/answer:"
for kind in $KINDS; do
	echo "  $kind: ${RUNS_CPU[$kind]}"
done
