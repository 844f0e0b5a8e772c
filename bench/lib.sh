# bench/lib.sh -- what bench/auth.sh and bench/resolver.sh share (sourced,
# bash): finding cairnd, the CPUs, a scratch directory cleaned up on exit,
# and one measured dnsperf run with the server's CPU time per answer.
set -u
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_find_cairnd BUILDDIR: sets cairnd to BUILDDIR's cairnd (BUILDDIR
# empty: the current directory if it holds ./cairnd, else the source tree)
# and build to that directory; exits if there is none.
bench_find_cairnd() {
	build=$1
	if [ -z "$build" ]; then
		if [ -x ./cairnd ]; then build=.; else build=$srcdir; fi
	fi
	cairnd=$(cd "$build" && pwd)/cairnd
	[ -x "$cairnd" ] || { echo "no cairnd in $build (use -b BUILDDIR)" >&2; exit 1; }
}

# bench_need TOOL...: exits if one is missing.
bench_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
	done
}

# bench_setup NAME: SRV_CPU (the server's CPU) and PERF_CPU (dnsperf's),
# TMP (a scratch directory removed on exit, with the processes in PIDS
# killed) and TICK (clock ticks per second).
bench_setup() {
	ncpu=$(nproc)
	[ "$ncpu" -ge 2 ] || echo "bench: only $ncpu CPU: server and dnsperf share it" >&2
	SRV_CPU=0
	PERF_CPU=$((ncpu > 1 ? 1 : 0))
	TMP=$(mktemp -d "/tmp/cairn-$1.XXXXXX")
	PIDS=()
	trap bench_cleanup EXIT
	trap 'exit 1' INT TERM
	TICK=$(getconf CLK_TCK)
}
bench_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}

# proc_tree PID: the pid and its descendants
proc_tree() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do proc_tree "$c"; done
}
# cpu_ticks PID: the sum of utime+stime over its tree
cpu_ticks() {
	local t=0 p
	for p in $(proc_tree "$1"); do
		# fields 14 and 15; the name in parentheses may hold blanks
		# ("nsd: main"), so count from the closing parenthesis
		t=$((t + $(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}')))
	done
	echo $t
}

# run_perf ADDR PORT SECONDS OUTFILE: dnsperf with the queries of
# $TMP/queries, pinned to PERF_CPU
run_perf() {
	taskset -c $PERF_CPU dnsperf -s "$1" -p "$2" -d "$TMP/queries" -l "$3" \
		-c 8 -q 500 -T 1 -t 2 >"$4" 2>&1
}

# measure PID ADDR PORT SECONDS OUTFILE: run_perf against the server PID,
# then sets PERF_QPS, PERF_ANSWERED, PERF_CODES (dnsperf's response codes)
# and PERF_CPU_US (the server's CPU microseconds per answered query).
measure() {
	local before after
	before=$(cpu_ticks "$1")
	run_perf "$2" "$3" "$4" "$5"
	after=$(cpu_ticks "$1")
	PERF_QPS=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$5")
	PERF_ANSWERED=$(awk '/Queries completed:/ {print $3}' "$5")
	PERF_CODES=$(sed -n 's/^ *Response codes: *//p' "$5")
	PERF_CPU_US=$(awk -v a="$after" -v b="$before" -v t="$TICK" -v n="${PERF_ANSWERED:-0}" \
		'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')
}

# bench_enter_netns ARG...: runs the calling script again with ARG inside a
# private network namespace (unshare -rn) unless it is there already;
# there, brings lo up.
bench_enter_netns() {
	if [ -z "${BENCH_IN_NETNS:-}" ]; then
		BENCH_IN_NETNS=1 exec unshare -rn bash "$0" "$@"
		echo "bench: cannot enter a private network namespace (unshare -rn)" >&2
		exit 1
	fi
	ip link set lo up || exit 1
}

# bench_median NUMBER...: prints the median (the lower middle one of an
# even count).
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
