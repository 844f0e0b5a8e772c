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
bench_resolver_start 42 unbound dnsperf dig taskset -- "$@"
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

# Part 1: cold cache, one resolver after the other; both must validate
cat "$TMP/secure" "$TMP/unsigned" >"$TMP/names"
declare -A ADDR SPID COLD VALIDATES
bench_resolvers "$L/root.hints" "$TMP/names" "dnssec: yes" "trust-anchor-file: $S/root.key" -- \
	'module-config: "validator iterator"' "trust-anchor-file: \"$S/root.key\"" 'aggressive-nsec: no'
for kind in cairnd unbound; do
	dig @"${ADDR[$kind]}" +time=5 +tries=1 +adflag ns1.example.com A >"$TMP/ad.$kind"
	grep -Eq '^;; flags:[a-z ]* ad[ ;]' "$TMP/ad.$kind" && VALIDATES[$kind]=yes ||
		{ VALIDATES[$kind]="NO: no AD on ns1.example.com, the figures do not measure validation"
		  echo "bench: $kind does not validate" >&2; }
done

# Part 2: validated cache misses (NXDOMAIN with NSEC3 proofs)
MISS_N=4000
declare -A MQPSL MCPUL MUPL MCODES
bench_miss_rounds $MISS_N example.com

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
echo "Cold cache: $(wc -l <"$TMP/names") questions, upstream queries (validation included):"
for kind in cairnd unbound; do
	printf '  %-8s %s   (validates: %s)\n' "$kind" "${COLD[$kind]}" "${VALIDATES[$kind]}"
done
echo
echo "Validated cache misses: $MISS_N distinct NXDOMAIN names below example.com (NSEC3)"
printf '%-8s %10s %15s %15s  %s\n' server "res/s" "CPU us/res" "upstream/res" "response codes (last round)"
for kind in cairnd unbound; do
	printf '%-8s %10s %15s %15s  %s\n' "$kind" "$(echo "${MQPSL[$kind]}" | bench_median)" \
		"$(echo "${MCPUL[$kind]}" | bench_median)" "$(echo "${MUPL[$kind]}" | bench_median)" "${MCODES[$kind]}"
	echo "         res/s [${MQPSL[$kind]# }]  CPU us [${MCPUL[$kind]# }]  upstream [${MUPL[$kind]# }]"
done
echo "cairnd/unbound CPU per validated resolution: $(bench_ratio "$(echo "${MCPUL[cairnd]}" | bench_median)" \
	"$(echo "${MCPUL[unbound]}" | bench_median)") (target: <= 1.00)"
echo
echo "Cache hits: CPU us per answer, $(wc -l <"$TMP/secure") secure and $(wc -l <"$TMP/unsigned") unsigned questions, ${secs}s runs"
printf '%-8s %-6s %12s %12s %16s\n' server query "validated" "unsigned" "validated/unsigned"
for kind in cairnd unbound; do
	for d in plain do; do
		v=$(echo "${HCPU[$kind.secure.$d]}" | bench_median)
		u=$(echo "${HCPU[$kind.unsigned.$d]}" | bench_median)
		printf '%-8s %-6s %12s %12s %16s\n' "$kind" "$d" "$v" "$u" "$(bench_ratio "$v" "$u")"
		echo "         validated [${HCPU[$kind.secure.$d]# }] (${HCODES[$kind.secure.$d]})"
		echo "         unsigned [${HCPU[$kind.unsigned.$d]# }] (${HCODES[$kind.unsigned.$d]})"
	done
done
echo "(target for cairnd: validated/unsigned <= 1.05)"
