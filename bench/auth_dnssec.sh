#!/bin/bash
# bench/auth_dnssec.sh -- cairnd beside NSD serving the same zone unsigned,
# signed with NSEC and signed with NSEC3, in one run.
#
#   bench/auth_dnssec.sh [-b BUILDDIR] [-t SECONDS] [-n NAMES]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree); use a build
#                without sanitizers
#   -t SECONDS   length of each measured dnsperf run (default 10)
#   -n NAMES     names in the zone (default 20000)
#
# One zone of NAMES names (A for all, AAAA for half), signed by
# dnssec-signzone (ECDSAP256SHA256; NSEC, then NSEC3 without salt, 0
# iterations); one query file: 70% positive, 15% NXDOMAIN, 15% NODATA.
# Signed zones are asked with DO=1 (dnsperf -D), so every answer carries
# RRSIGs and every denial its NSEC/NSEC3 proof (for NSEC3 NXDOMAIN cairnd
# hashes the next closer name per query).  Each server runs single-threaded
# pinned to CPU 0, dnsperf on CPU 1; reported: queries per second and the
# server's CPU microseconds per answered query.
#
# Needs: nsd, dnsperf, dig, taskset, python3, dnssec-keygen, dnssec-signzone.
# Not part of make check.
. "$(dirname "$0")/lib.sh"
build=
secs=10
names=20000
while getopts b:t:n:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	n) names=$OPTARG ;;
	*) sed -n '2,23s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need nsd dnsperf dig taskset python3 dnssec-keygen dnssec-signzone
bench_setup bench-dnssec

free_port() {
	python3 -c '
import random, socket
while True:
    p = random.randint(20000, 59999)
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p); break'
}

python3 - "$TMP/bench.zone" "$TMP/queries" "$names" <<'EOF'
import random, sys
zone, queries, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(zone, "w") as f:
    f.write("$ORIGIN bench.test.\n$TTL 3600\n")
    f.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n@ IN NS ns2\n")
    f.write("ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n")
    for i in range(n):
        f.write("h%d IN A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
        if i % 2 == 0:
            f.write("h%d IN AAAA 2001:db8::%x:%x\n" % (i, i >> 16, i & 0xffff))
rnd = random.Random(7)
with open(queries, "w") as f:
    for _ in range(200000):
        i = rnd.randrange(n)
        r = rnd.random()
        if r < 0.70:
            f.write("h%d.bench.test %s\n" % (i, "AAAA" if i % 2 == 0 and r < 0.35 else "A"))
        elif r < 0.85:
            f.write("nx%d.bench.test A\n" % i)
        else:
            f.write("h%d.bench.test %s\n" % (i, "MX" if i % 2 == 0 else "AAAA"))
EOF
(
	cd "$TMP" || exit 1
	ksk=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK bench.test)
	zsk=$(dnssec-keygen -q -a ECDSAP256SHA256 bench.test)
	cat bench.zone "$ksk.key" "$zsk.key" >keyed.zone
	dnssec-signzone -q -o bench.test -f nsec.zone keyed.zone >/dev/null &&
		dnssec-signzone -q -3 - -H 0 -o bench.test -f nsec3.zone keyed.zone >/dev/null
) || { echo "signing failed" >&2; exit 1; }

start_server() { # KIND PORT ZONEFILE: sets SPID
	local kind=$1 port=$2 zone=$3 dir=$TMP/$1.$2
	mkdir -p "$dir"
	if [ "$kind" = cairnd ]; then
		printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: no\n\trrl-ratelimit: 0\nzone:\n\tname: bench.test\n\tfile: %s\n' \
			"$port" "$zone" >"$dir/c.conf"
		taskset -c $SRV_CPU "$cairnd" -d -c "$dir/c.conf" >"$dir/log" 2>&1 &
	else
		printf 'server:\n\tip-address: 127.0.0.1@%s\n\tserver-count: 1\n\tusername: ""\n\tpidfile: "%s/nsd.pid"\n\tdatabase: ""\n\tzonelistfile: "%s/zone.list"\n\txfrdfile: "%s/xfrd.state"\n\txfrdir: "%s"\n\trrl-ratelimit: 0\n\tverbosity: 0\nremote-control:\n\tcontrol-enable: no\nzone:\n\tname: bench.test\n\tzonefile: "%s"\n' \
			"$port" "$dir" "$dir" "$dir" "$dir" "$zone" >"$dir/nsd.conf"
		taskset -c $SRV_CPU nsd -d -c "$dir/nsd.conf" >"$dir/log" 2>&1 &
	fi
	SPID=$!
	PIDS+=("$SPID")
	for _ in $(seq 300); do
		dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 h1.bench.test A 2>/dev/null |
			grep -q 'status: NOERROR' && return 0
		sleep 0.1
	done
	echo "$kind did not start" >&2
	cat "$dir/log" >&2
	exit 1
}

# run_perf with DO when asked (lib.sh's run_perf has no flag for it)
DNSPERF_DO=
run_perf() {
	taskset -c $PERF_CPU dnsperf -s "$1" -p "$2" -d "$TMP/queries" -l "$3" \
		-c 8 -q 500 -T 1 -t 2 $DNSPERF_DO >"$4" 2>&1
}

rows=()
for variant in unsigned nsec nsec3; do
	zone=$TMP/bench.zone
	DNSPERF_DO=
	[ $variant != unsigned ] && { zone=$TMP/$variant.zone; DNSPERF_DO=-D; }
	for kind in nsd cairnd; do
		port=$(free_port)
		start_server $kind "$port" "$zone"
		echo "$variant $kind: warm-up, then $secs s..." >&2
		run_perf 127.0.0.1 "$port" 2 "$TMP/warm"
		measure "$SPID" 127.0.0.1 "$port" "$secs" "$TMP/perf.$variant.$kind"
		rows+=("$(printf '%-9s %-7s %10s %11s %14s  %s' $variant $kind "$PERF_QPS" \
			"$PERF_ANSWERED" "$PERF_CPU_US" "$PERF_CODES")")
		kill "$SPID"
		wait "$SPID" 2>/dev/null
	done
done
echo
echo "Signed-zone throughput: $names names, $(wc -l <"$TMP/queries") queries (70% positive,"
echo "15% NXDOMAIN, 15% NODATA), DO=1 for the signed zones, ${secs}s each"
printf '%-9s %-7s %10s %11s %14s  %s\n' zone server QPS answered "CPU us/answer" "response codes"
printf '%s\n' "${rows[@]}"
