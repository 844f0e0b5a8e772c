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
# cpu_split PID: "UTIME STIME", the sums over its tree (ticks)
cpu_split() {
	local u=0 s=0 p a b
	for p in $(proc_tree "$1"); do
		# fields 14 and 15; the name in parentheses may hold blanks
		# ("nsd: main"), so count from the closing parenthesis
		read -r a b < <(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12, $13}')
		u=$((u + ${a:-0}))
		s=$((s + ${b:-0}))
	done
	echo "$u $s"
}
# cpu_ticks PID: the sum of utime+stime over its tree
cpu_ticks() {
	local u s
	read -r u s < <(cpu_split "$1")
	echo $((u + s))
}

# run_perf ADDR PORT SECONDS OUTFILE: dnsperf with the queries of
# $TMP/queries, pinned to PERF_CPU, with the options in PERF_EXTRA (e.g.
# -D: DO=1) if set
run_perf() {
	# shellcheck disable=SC2086
	taskset -c $PERF_CPU dnsperf -s "$1" -p "$2" -d "$TMP/queries" -l "$3" \
		-c 8 -q 500 -T 1 -t 2 ${PERF_EXTRA:-} >"$4" 2>&1
}

# measure PID ADDR PORT SECONDS OUTFILE: run_perf against the server PID,
# then sets PERF_QPS, PERF_ANSWERED, PERF_CODES (dnsperf's response codes)
# and PERF_CPU_US (the server's CPU microseconds per answered query), and
# of that PERF_USER_US in user space and PERF_SYS_US in the kernel.
measure() {
	local u0 s0 u1 s1
	read -r u0 s0 < <(cpu_split "$1")
	run_perf "$2" "$3" "$4" "$5"
	read -r u1 s1 < <(cpu_split "$1")
	PERF_QPS=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$5")
	PERF_ANSWERED=$(awk '/Queries completed:/ {print $3}' "$5")
	PERF_CODES=$(sed -n 's/^ *Response codes: *//p' "$5")
	PERF_CPU_US=$(per_answer $((u1 + s1 - u0 - s0)))
	PERF_USER_US=$(per_answer $((u1 - u0)))
	PERF_SYS_US=$(per_answer $((s1 - s0)))
}
# per_answer TICKS: microseconds per answered query (PERF_ANSWERED)
per_answer() {
	awk -v d="$1" -v t="$TICK" -v n="${PERF_ANSWERED:-0}" \
		'BEGIN { printf "%.2f", d / t * 1e6 / (n > 0 ? n : 1) }'
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

# bench_resolver_start USAGE_END TOOL... -- ARG...: the start of the
# resolver benchmarks: parses the ARGs (-b BUILDDIR, -t SECONDS, -r ROUNDS:
# sets build, secs and rounds; -h or a bad option prints lines 2 to
# USAGE_END of the script and exits), finds cairnd, checks the TOOLs, then
# re-executes the script inside a private network namespace (unshare -rn)
# and there brings lo up.
bench_resolver_start() {
	local usage_end=$1 opt OPTIND=1
	local -a tools=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do tools+=("$1"); shift; done
	shift
	build= secs=10 rounds=3
	while getopts b:t:r:h opt; do
		case $opt in
		b) build=$OPTARG ;;
		t) secs=$OPTARG ;;
		r) rounds=$OPTARG ;;
		*) sed -n "2,${usage_end}s/^# \{0,1\}//p" "$0"; exit 1 ;;
		esac
	done
	bench_find_cairnd "$build"
	bench_need "${tools[@]}" unshare ip
	bench_enter_netns -b "$build" -t "$secs" -r "$rounds"
}

# bench_ratio A B: A/B with two decimals, "-" when B is 0
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# bench_miss_rounds N DOMAIN: $rounds rounds of cache misses, the
# resolvers (cairnd, unbound: SPID and ADDR) alternating: N fresh names
# below DOMAIN (mROUND-NNNNN.DOMAIN A) each round, asked by bench_misses.
bench_miss_rounds() {
	local n=$1 domain=$2 r kind
	for r in $(seq "$rounds"); do
		awk -v r="$r" -v n="$n" -v d="$domain" 'BEGIN {
			for (i = 0; i < n; i++) printf "m%d-%05d.%s A\n", r, i, d }' >"$TMP/misses.$r"
		for kind in cairnd unbound; do
			echo "round $r: $kind, $n cache misses below $domain..." >&2
			bench_misses "$kind" "${SPID[$kind]}" "${ADDR[$kind]}" "$TMP/misses.$r" "$TMP/miss.$kind.$r"
		done
	done
}

# bench_misses KIND PID ADDR FILE OUTFILE: dnsperf asks every question of
# FILE once (-n 1, 100 outstanding, pinned to PERF_CPU) of the resolver PID
# at ADDR; appends to the caller's associative arrays MQPSL[KIND]
# (resolutions per second), MCPUL[KIND] (the resolver's CPU microseconds per
# resolution) and MUPL[KIND] (upstream queries per resolution, from
# lab_lib.sh's upstream), and sets MCODES[KIND] (dnsperf's response codes).
bench_misses() {
	local kind=$1 pid=$2 addr=$3 file=$4 out=$5 up before after n
	sleep 0.5     # the authoritative logs are complete
	up=$(upstream)
	before=$(cpu_ticks "$pid")
	taskset -c $PERF_CPU dnsperf -s "$addr" -d "$file" -n 1 -l 300 \
		-c 8 -q 100 -T 1 -t 5 >"$out" 2>&1
	after=$(cpu_ticks "$pid")
	sleep 0.5
	up=$(( $(upstream) - up ))
	n=$(awk '/Queries completed:/ {print $3}' "$out")
	MQPSL[$kind]="${MQPSL[$kind]:-} $(awk '/Queries per second:/ {printf "%.0f", $4}' "$out")"
	MCPUL[$kind]="${MCPUL[$kind]:-} $(awk -v a="$after" -v b="$before" -v t="$TICK" -v n="${n:-0}" \
		'BEGIN { printf "%.2f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')"
	MUPL[$kind]="${MUPL[$kind]:-} $(awk -v u="$up" -v n="${n:-0}" 'BEGIN { printf "%.3f", u / (n > 0 ? n : 1) }')"
	MCODES[$kind]="$(sed -n 's/^ *Response codes: *//p' "$out")"
}

# bench_resolvers HINTS NAMES [CAIRND-LINE...] -- [UNBOUND-LINE...]: starts
# cairnd on 127.0.0.1, then unbound on 127.0.0.2 (lab_lib.sh's
# start_unbound), both pinned to SRV_CPU, one thread, iterating from the
# root hints HINTS with QNAME minimisation on, loopback upstreams allowed
# and 127.in-addr.arpa. asked rather than answered locally, each with its
# extra configuration LINEs. Each, freshly started, is asked every question
# ("NAME TYPE" lines) of the file NAMES once with dig. Sets, in the
# caller's associative arrays, ADDR[KIND], SPID[KIND] (its pid) and
# COLD[KIND] (the upstream queries of that cold pass, from lab_lib.sh's
# upstream, priming included).
bench_resolvers() {
	local hints=$1 names=$2 kind before q t l
	local -a ub=()
	shift 2
	{
		printf 'server:\n\tlisten: 127.0.0.1@53\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n'
		printf '\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: yes\n'
		printf '\tallow-recursion: 127.0.0.0/8\n\troot-hints: %s\n\tquery-loopback: yes\n' "$hints"
		printf '\tqname-minimisation: yes\n\tlocal-zone-disable: 127.in-addr.arpa\n'
		while [ $# -gt 0 ] && [ "$1" != -- ]; do printf '\t%s\n' "$1"; shift; done
	} >"$TMP/cairnd.conf"
	[ $# -gt 0 ] && shift
	ub=("$@")
	ADDR[cairnd]=127.0.0.1
	ADDR[unbound]=127.0.0.2
	for kind in cairnd unbound; do
		before=$(upstream)
		if [ $kind = cairnd ]; then
			taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
			SPID[$kind]=$!
			PIDS+=($!)
		else
			LAB_RUN="taskset -c $SRV_CPU" start_unbound "$TMP" 127.0.0.2 "$hints" \
				"access-control: 127.0.0.0/8 allow" 'local-zone: "127.in-addr.arpa." nodefault' \
				"${ub[@]}"
			SPID[$kind]=$UNBOUND_PID
		fi
		wait_dns "${ADDR[$kind]}" . NS || { cat "$TMP/$kind.log" >&2; exit 1; }
		while read -r q t; do
			dig @"${ADDR[$kind]}" +time=5 +tries=1 "$q" "$t" >/dev/null
		done <"$names"
		sleep 1   # late fetches (unbound's target fetch policy) land too
		COLD[$kind]=$(( $(upstream) - before ))
	done
}

# bench_median [NUMBER...]: the median of the numbers given, or of those in
# its input (blank-separated) when none is given (the lower middle one of
# an even count)
bench_median() {
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; else tr ' ' '\n'; fi |
		grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
