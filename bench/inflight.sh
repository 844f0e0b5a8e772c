#!/bin/bash
# bench/inflight.sh -- does the resolver's CPU per resolution stay flat as
# the number of resolutions in flight grows?  cairnd beside unbound.
#
#   bench/inflight.sh [-b BUILDDIR] [-t SECONDS] [-r ROUNDS] [-d DELAY_MS | -R RATE]
#                     [-n "N..."]
#
#   -b BUILDDIR  where cairnd was built (as bench/resolver.sh)
#   -t SECONDS   steady part of each measured dnsperf run (default 12); the
#                run lasts SECONDS plus the delay
#   -r ROUNDS    runs per point and server, alternating; medians (default 3)
#   -d DELAY_MS  fixed delay: the upstream answers every question after
#                DELAY_MS (default 1000) and the rate is N / DELAY
#   -R RATE      fixed rate instead: RATE resolutions a second at every
#                point, the delay N / RATE (the upstream restarted per point)
#   -n "N..."    resolutions in flight to aim at (default "100 1000 10000")
#   -p PERFDIR   also profile cairnd (perf record, DWARF call graphs, user
#                space) in the steady part of each point's first round:
#                PERFDIR/cairnd-N.data (its CPU figures include perf's cost)
#
# Runs inside a private network namespace (it re-executes itself under
# `unshare -rn`).  The only upstream is bench/delayserver.c (built here
# with cc): the root zone of a toy tree on 127.9.0.1 answering every
# question after the delay, with an address for every one-label name.
# Each resolver (cairnd threads: 1; unbound num-threads: 1, module
# "iterator") starts from root hints naming it, QNAME minimisation on, and
# is asked distinct names LABEL. A, each costing one upstream query, by
# dnsperf at a fixed rate (-Q), so that rate x delay = N resolutions are in
# flight.  The resolver is pinned to CPU 0, dnsperf and the upstream to
# CPU 1.
#
# Why not 200 ms: 10,000 in flight at 200 ms is 50,000 resolutions a
# second, more than one CPU of either resolver can do; a longer delay
# gives the same number in flight at a rate both sustain.  With a fixed
# delay the rate grows with N, and the cost of a resolution falls with the
# rate (more work per wakeup), so -R, which keeps the rate and varies only
# the delay, isolates what the number in flight costs.  cairnd's
# upstream-timeout is set above the longest delay (3 x), unbound's least
# retransmit timeout too (2 x, at most 11 s: infra-cache-min-rtt,
# unknown-server-time-limit), and its limits are raised or lifted
# (num-queries-per-thread, outgoing-range; discard-timeout and wait-limit,
# which otherwise drop replies after 1.9 s and past 1,000 waiting for one
# client address); each point starts with a warm-up at a low rate so that
# both have learnt the upstream's RTT.
#
# Reported per point: the rate (queries sent / run time), the in-flight
# count (rate x delay; and the upstream's time-averaged count of queries
# it holds, measured in the steady part of the run), the share answered
# NOERROR, and the resolver's CPU microseconds per resolution: CPU time of
# its threads from /proc/PID/task/*/schedstat (nanoseconds; utime+stime
# counts 10 ms ticks, too coarse at 100 a second) divided by the answers,
# and its user and system parts (utime and stime per resolution, 10 ms
# ticks; the user part is where the resolver's own data structures show).
# The resolver's idle CPU (ms per second, nothing asked) is reported too:
# at low rates it weighs on every resolution; and the client queries its
# listening socket dropped because its receive buffer was full.
#
# Needs: unbound, dnsperf, dig, cc, taskset, unshare, 2 CPUs.  Not part of
# make check.
. "$(dirname "$0")/lib.sh"
build=
secs=12
rounds=3
delay=1000
fixrate=
perfdir=
points="100 1000 10000"
while getopts b:t:r:d:R:n:p:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	d) delay=$OPTARG ;;
	R) fixrate=$OPTARG ;;
	p) perfdir=$(mkdir -p "$OPTARG" && cd "$OPTARG" && pwd) || exit 1 ;;
	n) points=$OPTARG ;;
	*) sed -n '2,59s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need unbound dnsperf dig cc taskset unshare ip
if [ -z "${BENCH_IN_NETNS:-}" ]; then
	BENCH_IN_NETNS=1 exec unshare -rn bash "$0" -b "$build" -t "$secs" -r "$rounds" \
		-d "$delay" ${fixrate:+-R "$fixrate"} ${perfdir:+-p "$perfdir"} -n "$points"
	echo "bench: cannot enter a private network namespace (unshare -rn)" >&2
	exit 1
fi
ip link set lo up || exit 1
bench_setup inflight
UP=127.9.0.1

cc -O2 -Wall -o "$TMP/delayserver" "$srcdir/bench/delayserver.c" || exit 1
# delay_of N: the upstream's delay in ms for the point N
delay_of() { if [ -n "$fixrate" ]; then echo $(( $1 * 1000 / fixrate )); else echo "$delay"; fi; }
# upstream_start DELAY_MS: (re)starts the delaying upstream
DSPID=
upstream_start() {
	if [ -n "$DSPID" ]; then kill "$DSPID"; wait "$DSPID" 2>/dev/null; fi
	taskset -c $PERF_CPU "$TMP/delayserver" -a $UP -d "$1" -s "$TMP/upstats" &
	DSPID=$!
	PIDS+=($!)
	sleep 0.2
}
maxdelay=0
for n in $points; do
	d=$(delay_of "$n")
	[ "$d" -gt "$maxdelay" ] && maxdelay=$d
done
upstream_start "$(delay_of "${points%% *}")"

printf '.\t3600000\tNS\tns.delay.\nns.delay.\t3600000\tA\t%s\n' $UP >"$TMP/root.hints"

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
	root-hints: $TMP/root.hints
	dnssec: no
	query-loopback: yes
	qname-minimisation: yes
	upstream-timeout: $((maxdelay * 3 > 30000 ? 30000 : maxdelay * 3 < 1000 ? 1000 : maxdelay * 3))
	resolve-timeout: $((maxdelay * 6 / 1000 + 10))
EOF
T=$TMP
CAIRND=$cairnd
. "$srcdir/tests/system/lab_lib.sh"     # wait_dns, start_unbound
declare -A ADDR=([cairnd]=127.0.0.1 [unbound]=127.0.0.2) SPID
taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
SPID[cairnd]=$!
PIDS+=($!)
maxq=$(( ${points##* } * 3 / 2 + 1000 ))
# unbound's least retransmit timeout: above the delay, but below 12 s
# (its PROBE_MAXRTO: slower servers only get one probe at a time)
umin=$(( maxdelay * 2 < 1000 ? 1000 : maxdelay * 2 > 11000 ? 11000 : maxdelay * 2 ))
LAB_RUN="taskset -c $SRV_CPU" start_unbound "$TMP" 127.0.0.2 "$TMP/root.hints" \
	"access-control: 127.0.0.0/8 allow" "num-queries-per-thread: $maxq" \
	"outgoing-range: $((maxq + 500))" "so-rcvbuf: 8m" "so-sndbuf: 8m" \
	"infra-cache-min-rtt: $umin" "unknown-server-time-limit: $umin" \
	"discard-timeout: 0" "wait-limit: 0"
SPID[unbound]=$UNBOUND_PID
for kind in cairnd unbound; do
	wait_dns "${ADDR[$kind]}" . NS || { cat "$TMP/$kind.log" >&2; exit 1; }
done

# user_sys_ticks PID: "utime stime" (clock ticks) of the process
user_sys_ticks() { sed 's/.*) //' /proc/"$1"/stat | awk '{print $12, $13}'; }
# udp_drops ADDR: datagrams dropped (receive buffer full) by the UDP
# sockets bound to ADDR port 53 (/proc/net/udp, this namespace)
udp_drops() {
	local hex
	hex=$(printf '%02X%02X%02X%02X:0035' $(echo "$1" | awk -F. '{print $4, $3, $2, $1}'))
	awk -v h="$hex" '$2 == h { d += $NF } END { print d + 0 }' /proc/net/udp
}
# schedstat_ns PID: CPU nanoseconds of all its threads
schedstat_ns() {
	local t=0 f
	for f in /proc/"$1"/task/*/schedstat; do
		t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
	done
	echo $t
}

# warm KIND DELAY_MS TAG: the RTT learnt, a few hundred resolutions at a low rate
warm() {
	local i t=$(( $2 / 1000 * 2 + 5 ))
	for i in 1 2 3; do dig @"${ADDR[$1]}" +time=$t +tries=1 "warm$3-$i." A >/dev/null; done
	awk -v p="w$3" 'BEGIN { for (i = 0; i < 300; i++) printf "%s-%05d. A\n", p, i }' >"$TMP/warm"
	taskset -c $PERF_CPU dnsperf -s "${ADDR[$1]}" -d "$TMP/warm" -n 1 -Q 200 -q 5000 \
		-c 4 -T 1 -t $t >"$TMP/warm.$1" 2>&1
}
for kind in cairnd unbound; do warm $kind "$(delay_of "${points%% *}")" 0; done
# Idle CPU: 3 s with nothing asked
declare -A IDLE
for kind in cairnd unbound; do
	b=$(schedstat_ns "${SPID[$kind]}"); sleep 3; a=$(schedstat_ns "${SPID[$kind]}")
	IDLE[$kind]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (a - b) / 1e6 / 3 }')
done

declare -A RATEL FLYL UPFLYL CPUL UCPUL SCPUL OKL CODES DELAY DROPL
for n in $points; do
	d=$(delay_of "$n")
	DELAY[$n]=$d
	rate=$(( n * 1000 / d ))
	[ "$rate" -ge 1 ] || rate=1
	run=$(awk -v s="$secs" -v d="$d" 'BEGIN { printf "%d", s + d / 1000 + 0.999 }')
	t_out=$(( d / 1000 + 5 ))
	outstanding=$(( n * 2 + 1000 ))
	if [ -n "$fixrate" ] && [ "$n" != "${points%% *}" ]; then
		upstream_start "$d"
		for kind in cairnd unbound; do warm $kind "$d" "$n"; done
	fi
	for r in $(seq "$rounds"); do
		awk -v p="i$n-$r" -v c=$(( rate * (run + 2) )) \
			'BEGIN { for (i = 0; i < c; i++) printf "%s-%07d. A\n", p, i }' >"$TMP/q"
		for kind in cairnd unbound; do
			echo "$n in flight, round $r: $kind at $rate/s, delay $d ms, ${run}s..." >&2
			k="$kind $n"
			b=$(schedstat_ns "${SPID[$kind]}")
			read -r ub sb < <(user_sys_ticks "${SPID[$kind]}")
			db=$(udp_drops "${ADDR[$kind]}")
			taskset -c $PERF_CPU dnsperf -s "${ADDR[$kind]}" -d "$TMP/q" -l "$run" -Q "$rate" \
				-q "$outstanding" -c 16 -T 1 -t $t_out >"$TMP/perf" 2>&1 &
			pp=$!
			# the upstream's window: the steady part of the run
			sleep "$(awk -v d="$d" 'BEGIN { print d / 1000 + 0.5 }')"
			kill -USR1 $DSPID
			steady=$(awk -v r="$run" -v d="$d" 'BEGIN { print r - d / 1000 - 1 }')
			if [ -n "$perfdir" ] && [ "$kind" = cairnd ] && [ "$r" = 1 ]; then
				perf record -q --call-graph dwarf -F 499 -e cpu-clock:u -p "${SPID[$kind]}" -o "$perfdir/cairnd-$n.data" \
					-- sleep "$steady" >/dev/null 2>&1
			else
				sleep "$steady"
			fi
			kill -USR1 $DSPID
			wait $pp
			a=$(schedstat_ns "${SPID[$kind]}")
			read -r ua sa < <(user_sys_ticks "${SPID[$kind]}")
			DROPL[$k]="${DROPL[$k]:-} $(( $(udp_drops "${ADDR[$kind]}") - db ))"
			sleep 0.1
			done_n=$(awk '/Queries completed:/ {print $3}' "$TMP/perf")
			sent_n=$(awk '/Queries sent:/ {print $3}' "$TMP/perf")
			noerr=$(sed -n 's/.*NOERROR \([0-9]*\).*/\1/p' "$TMP/perf")
			qps=$(awk -v s="${sent_n:-0}" -v r="$run" 'BEGIN { printf "%.0f", s / r }')
			RATEL[$k]="${RATEL[$k]:-} $qps"
			FLYL[$k]="${FLYL[$k]:-} $(awk -v q="$qps" -v d="$d" 'BEGIN { printf "%.0f", q * d / 1000 }')"
			UPFLYL[$k]="${UPFLYL[$k]:-} $(awk '{ printf "%.0f", $10 }' "$TMP/upstats")"
			OKL[$k]="${OKL[$k]:-} $(awk -v o="${noerr:-0}" -v s="${sent_n:-0}" 'BEGIN { printf "%.1f", s ? 100 * o / s : 0 }')"
			awk -v o="${noerr:-0}" -v s="${sent_n:-0}" 'BEGIN { exit !(o < 0.95 * s) }' &&
				{ echo "bench: $kind answered NOERROR to fewer than 95%; its log ends:" >&2
				  tail -n 5 "$TMP/$kind.log" >&2; }
			CODES[$k]="$(sed -n 's/^ *Response codes: *//p' "$TMP/perf"); lost $(awk '/Queries lost:/ {print $3}' "$TMP/perf")"
			CPUL[$k]="${CPUL[$k]:-} $(awk -v a="$a" -v b="$b" -v n="${done_n:-0}" \
				'BEGIN { printf "%.2f", (a - b) / 1e3 / (n > 0 ? n : 1) }')"
			UCPUL[$k]="${UCPUL[$k]:-} $(awk -v a="$ua" -v b="$ub" -v t="$TICK" -v n="${done_n:-0}" \
				'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')"
			SCPUL[$k]="${SCPUL[$k]:-} $(awk -v a="$sa" -v b="$sb" -v t="$TICK" -v n="${done_n:-0}" \
				'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')"
		done
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo
if [ -n "$fixrate" ]; then how="rate fixed at $fixrate/s, the delay N / rate"
else how="delay fixed at $delay ms, the rate N / delay"; fi
echo "Resolutions in flight: distinct names, each one upstream query; $how;"
echo "resolver on CPU $SRV_CPU, dnsperf and the upstream on CPU $PERF_CPU; $rounds rounds per point"
echo "(medians; every round in brackets).  in flight = rate x delay; upstream = queries the"
echo "upstream held (time-averaged).  CPU us/res from schedstat; of which user and system"
echo "(utime and stime from /proc/PID/stat, per resolution)."
printf '%-8s %7s %6s %8s %10s %10s %8s %11s %8s %8s\n' server target delay "res/s" "in flight" "upstream" "NOERROR" "CPU us/res" "user" "system"
for kind in cairnd unbound; do
	for n in $points; do
		k="$kind $n"
		printf '%-8s %7s %6s %8s %10s %10s %7s%% %11s %8s %8s\n' "$kind" "$n" "${DELAY[$n]}" \
			"$(echo "${RATEL[$k]}" | median)" "$(echo "${FLYL[$k]}" | median)" \
			"$(echo "${UPFLYL[$k]}" | median)" "$(echo "${OKL[$k]}" | median)" \
			"$(echo "${CPUL[$k]}" | median)" "$(echo "${UCPUL[$k]}" | median)" \
			"$(echo "${SCPUL[$k]}" | median)"
		echo "                 CPU us [${CPUL[$k]# }]  user [${UCPUL[$k]# }]  upstream [${UPFLYL[$k]# }]"
		echo "                 last round: ${CODES[$k]}; listener's receive-buffer drops [${DROPL[$k]# }]"
	done
	echo "         idle: ${IDLE[$kind]} ms CPU per second"
done
