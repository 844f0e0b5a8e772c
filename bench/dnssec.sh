#!/bin/bash
# bench/dnssec.sh -- the validating cairnd beside the validating unbound on
# the signed toy Internet (zones/lab/signed, trust anchor signed/root.key).
#
#   bench/dnssec.sh [-b BUILDDIR] [-t SECONDS] [-r ROUNDS]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree)
#   -t SECONDS   length of each measured cache-hit run (default 10)
#   -r ROUNDS    measured runs per server and case, alternating; medians
#                reported (default 3)
#
# Runs inside a private network namespace (it re-executes itself under
# `unshare -rn`), the signed lab served by cairnd instances that log their
# queries (tests/system/lab_lib.sh). Both resolvers validate from the lab's
# root hints with the lab's anchor (cairnd: dnssec: yes, trust-anchor-file;
# unbound: module-config "validator iterator", trust-anchor-file,
# aggressive-nsec: no), one thread each, QNAME minimisation on.
#
# Part 1, cold cache: every distinct question of the name list once (dig,
# one after the other), upstream queries counted in the servers' logs.
#
# Part 2, validated cache misses: 4,000 distinct names below example.com
# (signed with NSEC3, no wildcard: each is a validated NXDOMAIN with three
# NSEC3 records and the SOA to verify, one upstream query once the zone's
# keys are cached; NSEC3 ranges are not used aggressively by either, RFC
# 8198 being off in unbound and NSEC-only in cairnd), asked once each by
# dnsperf (-n 1, 100 outstanding), fresh names every round. The resolver
# pinned to CPU 0, dnsperf to CPU 1. Reported: resolutions per second, the
# resolver's CPU microseconds per resolution (utime+stime from /proc,
# divided by the answered queries) and upstream queries per resolution.
# The issue's target: cairnd's CPU per validated resolution <= unbound's.
#
# Part 3, cache hits on validated against unsigned data: the same resolver,
# cache warm, asked by dnsperf for secure names (signed zones: AD data) and
# then for names of the unsigned shop.net. (the lab's insecure delegation)
# and of the zones that the chain marks insecure; plain queries and DO=1
# queries (-D: RRSIGs in the answers). Reported: CPU microseconds per
# answer for each, and validated/unsigned. The issue's target: within 5%.
#
# Needs: unbound, dnsperf, dig, taskset, unshare, 2 CPUs. Not part of make
# check.
. "$(dirname "$0")/lib.sh"
build=
secs=10
rounds=3
while getopts b:t:r:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,42s/^# \{0,1\}//p' "$0"; exit 1 ;;
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
bench_setup dnssecbench
L=$srcdir/zones/lab
S=$L/signed

# ---- the signed lab (as tests/system/resolver_dnssec.sh serves it) ----
T=$TMP
CAIRND=$cairnd
. "$srcdir/tests/system/lab_lib.sh"
LAB_RUN="taskset -c $PERF_CPU" start_lab "$S" >&2 || exit 1

# ---- the questions: secure (signed zones) and unsigned (shop.net.) ----
# (the same shape: three positive answers, a NODATA and an NXDOMAIN)
cat >"$TMP/secure" <<'EOF'
ns1.example.com A
example.com NS
example.com SOA
mail.example.com AAAA
nope.example.com A
EOF
cat >"$TMP/unsigned" <<'EOF'
www.shop.net A
shop.net NS
shop.net SOA
www.shop.net AAAA
nx.shop.net A
EOF

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
	dnssec: yes
	trust-anchor-file: $S/root.key
EOF
declare -A ADDR=([cairnd]=127.0.0.1 [unbound]=127.0.0.2) SPID COLD VALIDATES
start() { # start KIND: pinned to SRV_CPU
	if [ "$1" = cairnd ]; then
		taskset -c $SRV_CPU "$cairnd" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
		SPID[$1]=$!
		PIDS+=($!)
	else
		LAB_RUN="taskset -c $SRV_CPU" start_unbound "$TMP" 127.0.0.2 "$L/root.hints" \
			"access-control: 127.0.0.0/8 allow" 'local-zone: "127.in-addr.arpa." nodefault' \
			'module-config: "validator iterator"' "trust-anchor-file: \"$S/root.key\"" \
			'aggressive-nsec: no'
		SPID[$1]=$UNBOUND_PID
	fi
}

# Part 1: cold cache, one resolver after the other; both must validate
for kind in cairnd unbound; do
	before=$(upstream)
	start $kind
	wait_dns "${ADDR[$kind]}" . NS || { cat "$TMP/$kind.log" >&2; exit 1; }
	cat "$TMP/secure" "$TMP/unsigned" | while read -r q t; do
		dig @"${ADDR[$kind]}" +time=5 +tries=1 "$q" "$t" >/dev/null
	done
	sleep 1
	COLD[$kind]=$(( $(upstream) - before ))
	dig @"${ADDR[$kind]}" +time=5 +tries=1 +adflag ns1.example.com A >"$TMP/ad.$kind"
	grep -Eq '^;; flags:[a-z ]* ad[ ;]' "$TMP/ad.$kind" && VALIDATES[$kind]=yes ||
		{ VALIDATES[$kind]="NO: no AD on ns1.example.com, the figures do not measure validation"
		  echo "bench: $kind does not validate" >&2; }
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# Part 2: validated cache misses (NXDOMAIN with NSEC3 proofs)
MISS_N=4000
declare -A MQPSL MCPUL MUPL MCODES
for r in $(seq "$rounds"); do
	awk -v r="$r" -v n=$MISS_N 'BEGIN {
		for (i = 0; i < n; i++) printf "m%d-%05d.example.com A\n", r, i }' >"$TMP/misses.$r"
	for kind in cairnd unbound; do
		echo "round $r: $kind, $MISS_N validated cache misses..." >&2
		sleep 0.5
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

# Part 3: cache hits, validated (secure) against unsigned data, plain and DO
declare -A HCPU HCODES
for set in secure unsigned; do
	for _ in $(seq 500); do cat "$TMP/$set"; done >"$TMP/queries.$set"
done
for r in $(seq "$rounds"); do
	for kind in cairnd unbound; do
		for set in secure unsigned; do
			for d in plain do; do
				cp "$TMP/queries.$set" "$TMP/queries"
				PERF_EXTRA=$([ "$d" = do ] && echo -D)
				export PERF_EXTRA
				[ "$r" = 1 ] && run_perf "${ADDR[$kind]}" 53 1 "$TMP/warm"
				echo "round $r: $kind, $set, $d, $secs s..." >&2
				measure "${SPID[$kind]}" "${ADDR[$kind]}" 53 "$secs" "$TMP/hit.$kind.$set.$d.$r"
				HCPU[$kind.$set.$d]="${HCPU[$kind.$set.$d]:-} $PERF_CPU_US"
				HCODES[$kind.$set.$d]=$PERF_CODES
			done
		done
	done
done
unset PERF_EXTRA

echo
echo "Validating resolvers on the signed lab (zones/lab/signed); resolver on CPU $SRV_CPU,"
echo "dnsperf on CPU $PERF_CPU; medians of $rounds rounds (every round in brackets)"
echo
echo "Cold cache: $(cat "$TMP/secure" "$TMP/unsigned" | wc -l) questions, upstream queries (validation included):"
for kind in cairnd unbound; do
	printf '  %-8s %s   (validates: %s)\n' "$kind" "${COLD[$kind]}" "${VALIDATES[$kind]}"
done
echo
echo "Validated cache misses: $MISS_N distinct NXDOMAIN names below example.com (NSEC3)"
printf '%-8s %10s %15s %15s  %s\n' server "res/s" "CPU us/res" "upstream/res" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %15s  %s\n' "$kind" "$(echo "${MQPSL[$kind]}" | median)" \
		"$(echo "${MCPUL[$kind]}" | median)" "$(echo "${MUPL[$kind]}" | median)" "${MCODES[$kind]}"
	echo "         res/s [${MQPSL[$kind]# }]  CPU us [${MCPUL[$kind]# }]  upstream [${MUPL[$kind]# }]"
done
echo "cairnd/unbound CPU per validated resolution: $(ratio "$(echo "${MCPUL[cairnd]}" | median)" \
	"$(echo "${MCPUL[unbound]}" | median)") (target: <= 1.00)"
echo
echo "Cache hits: CPU us per answer, $(wc -l <"$TMP/secure") secure and $(wc -l <"$TMP/unsigned") unsigned questions, ${secs}s runs"
printf '%-8s %-6s %12s %12s %16s\n' server query "validated" "unsigned" "validated/unsigned"
for kind in cairnd unbound; do
	for d in plain do; do
		v=$(echo "${HCPU[$kind.secure.$d]}" | median)
		u=$(echo "${HCPU[$kind.unsigned.$d]}" | median)
		printf '%-8s %-6s %12s %12s %16s\n' "$kind" "$d" "$v" "$u" "$(ratio "$v" "$u")"
		echo "         validated [${HCPU[$kind.secure.$d]# }] (${HCODES[$kind.secure.$d]})"
		echo "         unsigned [${HCPU[$kind.unsigned.$d]# }] (${HCODES[$kind.unsigned.$d]})"
	done
done
echo "(target for cairnd: validated/unsigned <= 1.05)"
