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
# Needs: unbound, dnsperf, dig, taskset, unshare, 2 CPUs.  Not part of
# make check.
set -u
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
build=
secs=10
rounds=3
while getopts b:t:r:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
if [ -z "$build" ]; then
	if [ -x ./cairnd ]; then build=.; else build=$srcdir; fi
fi
cairnd=$(cd "$build" && pwd)/cairnd
[ -x "$cairnd" ] || { echo "no cairnd in $build (use -b BUILDDIR)" >&2; exit 1; }
for t in unbound dnsperf dig taskset unshare ip; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
if [ -z "${BENCH_IN_NETNS:-}" ]; then
	BENCH_IN_NETNS=1 exec unshare -rn bash "$0" -b "$build" -t "$secs" -r "$rounds"
	echo "bench: cannot enter a private network namespace (unshare -rn)" >&2
	exit 1
fi
ip link set lo up || exit 1
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || echo "bench: only $ncpu CPU: server and dnsperf share it" >&2
SRV_CPU=0
PERF_CPU=$((ncpu > 1 ? 1 : 0))
TMP=$(mktemp -d /tmp/cairn-rbench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
TICK=$(getconf CLK_TCK)
L=$srcdir/zones/lab

wait_dns() { # wait_dns ADDR NAME TYPE [norec]
	local i
	for i in $(seq 100); do
		dig @"$1" +time=1 +tries=1 ${4:+"+norec"} "$2" "$3" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- the lab: authoritative cairnd instances logging their queries ----
auth() { # auth NAME ADDR... -- ZONE=FILE...
	local name=$1 a; shift
	{
		echo "server:"
		while [ "$1" != "--" ]; do echo "	listen: $1@53"; shift; done
		shift
		printf '\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n'
		printf '\tlog-queries: yes\n\trecursion: no\n'
		for a in "$@"; do printf 'zone:\n\tname: %s\n\tfile: %s\n' "${a%%=*}" "${a#*=}"; done
	} >"$TMP/$name.conf"
	taskset -c $PERF_CPU "$cairnd" -d -c "$TMP/$name.conf" >"$TMP/$name.log" 2>&1 &
	PIDS+=($!)
}
auth auth-root 127.1.0.1 127.1.0.2 -- .="$L/root.zone" arpa="$L/arpa.zone"
auth auth-gtld 127.2.0.1 127.2.0.2 -- com="$L/com.zone" net="$L/net.zone"
auth auth-excom 127.3.0.1 127.3.0.2 -- example.com="$L/example.com.zone"
auth auth-exnet 127.4.0.1 -- example.net="$L/example.net.zone" 127.in-addr.arpa="$L/127.in-addr.arpa.zone"
auth auth-shop 127.5.0.1 -- shop.net="$L/shop.net.zone"
for a in 127.1.0.1 127.2.0.1 127.3.0.1 127.4.0.1 127.5.0.1; do
	wait_dns $a . SOA norec || { echo "bench: lab server $a did not start" >&2; exit 1; }
done
upstream() { cat "$TMP"/auth-*.log | grep -c ' query '; }

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
	query-loopback: yes
	qname-minimisation: yes
	local-zone-disable: 127.in-addr.arpa
EOF
cat >"$TMP/unbound.conf" <<EOF
server:
	interface: 127.0.0.2
	port: 53
	username: ""
	chroot: ""
	directory: "$TMP"
	pidfile: "$TMP/unbound.pid"
	use-syslog: no
	logfile: ""
	do-daemonize: no
	verbosity: 0
	num-threads: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	root-hints: "$L/root.hints"
	do-not-query-localhost: no
	qname-minimisation: yes
	local-zone: "127.in-addr.arpa." nodefault
	domain-insecure: "127.in-addr.arpa."
EOF
declare -A ADDR=([cairnd]=127.0.0.1 [unbound]=127.0.0.2) SPID COLD
start() { # start KIND: pinned to SRV_CPU
	if [ "$1" = cairnd ]; then
		taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
	else
		taskset -c $SRV_CPU unbound -c "$TMP/unbound.conf" >"$TMP/unbound.log" 2>&1 &
	fi
	SPID[$1]=$!
	PIDS+=($!)
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

cpu_ticks() { sed 's/.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }
run_perf() { # run_perf ADDR SECONDS OUTFILE
	taskset -c $PERF_CPU dnsperf -s "$1" -d "$TMP/queries" -l "$2" \
		-c 8 -q 500 -T 1 -t 2 >"$3" 2>&1
}

# Part 2: cache hits, alternating rounds
declare -A QPSL CPUL CODES
for kind in cairnd unbound; do
	run_perf "${ADDR[$kind]}" 2 "$TMP/warm.$kind"    # warm-up
done
for r in $(seq "$rounds"); do
	for kind in cairnd unbound; do
		echo "round $r: $kind, $secs s..." >&2
		before=$(cpu_ticks "${SPID[$kind]}")
		run_perf "${ADDR[$kind]}" "$secs" "$TMP/perf.$kind.$r"
		after=$(cpu_ticks "${SPID[$kind]}")
		qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$TMP/perf.$kind.$r")
		answered=$(awk '/Queries completed:/ {print $3}' "$TMP/perf.$kind.$r")
		cpu=$(awk -v a="$after" -v b="$before" -v t="$TICK" -v n="${answered:-0}" \
			'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')
		QPSL[$kind]="${QPSL[$kind]:-} $qps"
		CPUL[$kind]="${CPUL[$kind]:-} $cpu"
		CODES[$kind]=$(sed -n 's/^ *Response codes: *//p' "$TMP/perf.$kind.$r")
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

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
