#!/bin/bash
# bench/auth.sh -- cairnd beside NSD and Knot as an authoritative server,
# in one run.
#
#   bench/auth.sh [-b BUILDDIR] [-t SECONDS] [-n NAMES] [-r RECORDS] [-R RUNS] [-s]
#
#   -b BUILDDIR  where cairnd was built (default: the current directory if
#                it holds ./cairnd, else the source tree)
#   -t SECONDS   length of each measured dnsperf run (default 10)
#   -n NAMES     names in the throughput zone (default 20000)
#   -r RECORDS   records in the load-time zone (default 1000000)
#   -R RUNS      starts of each server in the load-time part (default 3)
#   -s           skip the load-time part
#
# Part 1, throughput: one zone of NAMES names (A, AAAA, MX and TXT mixed),
# one dnsperf query file (positive answers with NXDOMAIN and NODATA mixed
# in).  Each server runs single-threaded (cairnd threads: 1, NSD
# server-count: 1, Knot udp-workers: 1, rate limiting off) pinned to CPU
# 0, dnsperf pinned to CPU 1; a warm-up, then SECONDS of load.  Reported:
# queries per second and the server's CPU microseconds per answered query
# (utime+stime of all its processes from /proc, before and after, divided
# by the answered queries: steadier than QPS on a noisy machine).
#
# Part 2, loading: a zone of RECORDS records, each server started RUNS
# times pinned to CPU 0; the medians of: seconds from start until the
# first answer, the CPU seconds (utime+stime of all its processes) spent
# by then (steadier than the wall time on a busy machine), and the memory
# half a second later (VmRSS of the process answering, and the
# proportional set size of all the server's processes: NSD forks).  The
# last column is each server's VmRSS over Knot's.
#
# Needs: nsd, knotd, dnsperf, dig, taskset, python3, 2 CPUs.  Not part of
# make check.
. "$(dirname "$0")/lib.sh"
build=
secs=10
names=20000
records=1000000
skip_load=no
runs=3
while getopts b:t:n:r:R:sh opt; do
	case $opt in
	b) build=$OPTARG ;;
	t) secs=$OPTARG ;;
	n) names=$OPTARG ;;
	r) records=$OPTARG ;;
	R) runs=$OPTARG ;;
	s) skip_load=yes ;;
	*) sed -n '2,39s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need nsd knotd dnsperf dig taskset python3
bench_setup bench

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

# the zones and the query file
gen_zone() { # gen_zone FILE ORIGIN NAMES MODE(mix|flat)
	python3 - "$@" <<'EOF'
import random, sys
path, origin, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rnd = random.Random(42)
with open(path, "w") as f:
    f.write("$ORIGIN %s.\n$TTL 3600\n" % origin)
    f.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n@ IN NS ns2\n")
    f.write("ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n@ IN MX 10 mail\nmail IN A 192.0.2.25\n")
    for i in range(n):
        a = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        f.write("h%d IN A %s\n" % (i, a))
        if mode == "flat":          # two records per name: A and AAAA
            f.write("h%d IN AAAA 2001:db8::%x:%x\n" % (i, i >> 16, i & 0xffff))
            continue
        if i % 2 == 0:
            f.write("h%d IN AAAA 2001:db8::%x:%x\n" % (i, i >> 16, i & 0xffff))
        if i % 5 == 0:
            f.write("h%d IN MX 10 mail\n" % i)
        if i % 7 == 0:
            f.write("h%d IN TXT \"host %d %08x\"\n" % (i, i, rnd.getrandbits(32)))
EOF
}
gen_queries() { # gen_queries FILE ORIGIN NAMES COUNT
	python3 - "$@" <<'EOF'
import random, sys
path, origin, n, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(7)
with open(path, "w") as f:
    for _ in range(count):
        i = rnd.randrange(n)
        r = rnd.random()
        if r < 0.70:            # positive: a type the name has
            types = ["A"] + (["AAAA"] if i % 2 == 0 else []) + \
                    (["MX"] if i % 5 == 0 else []) + (["TXT"] if i % 7 == 0 else [])
            f.write("h%d.%s %s\n" % (i, origin, rnd.choice(types)))
        elif r < 0.85:          # NXDOMAIN
            f.write("nx%d.%s A\n" % (i, origin))
        else:                   # NODATA: the name exists, the type does not
            f.write("h%d.%s %s\n" % (i, origin, "SRV" if i % 2 == 0 else "AAAA"))
EOF
}

cairnd_conf() { # cairnd_conf FILE PORT ZONEFILE
	printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tlog: stderr\n\trecursion: no\n\trrl-ratelimit: 0\n\tcontrol-socket: ""\nzone:\n\tname: bench.test\n\tfile: %s\n' \
		"$2" "$3" >"$1"
}
knot_conf() { # knot_conf DIR PORT ZONEFILE: one worker of each kind, no
	# journal, the zone file never written back, no semantic checks
	cat >"$1/knot.conf" <<EOF
server:
    rundir: "$1"
    listen: 127.0.0.1@$2
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$1"
template:
  - id: default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: bench.test
    file: "$3"
EOF
}
nsd_conf() { # nsd_conf DIR PORT ZONEFILE
	cat >"$1/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$2
	server-count: 1
	username: ""
	pidfile: "$1/nsd.pid"
	database: ""
	zonelistfile: "$1/zone.list"
	xfrdfile: "$1/xfrd.state"
	xfrdir: "$1"
	rrl-ratelimit: 0
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: bench.test
	zonefile: "$3"
EOF
}

# start_server KIND PORT ZONEFILE: starts it pinned, sets SPID; prints nothing
start_server() {
	local kind=$1 port=$2 zone=$3 dir=$TMP/$1.$2
	mkdir -p "$dir"
	if [ "$kind" = cairnd ]; then
		cairnd_conf "$dir/c.conf" "$port" "$zone"
		taskset -c $SRV_CPU "$cairnd" -d -c "$dir/c.conf" >"$dir/log" 2>&1 &
	elif [ "$kind" = knot ]; then
		knot_conf "$dir" "$port" "$zone"
		taskset -c $SRV_CPU knotd -c "$dir/knot.conf" >"$dir/log" 2>&1 &
	else
		nsd_conf "$dir" "$port" "$zone"
		taskset -c $SRV_CPU nsd -d -c "$dir/nsd.conf" >"$dir/log" 2>&1 &
	fi
	SPID=$!
	PIDS+=("$SPID")
}

# wait_answer PORT PID: waits for the first NOERROR answer; prints seconds
wait_answer() {
	local port=$1 pid=$2 t0=$3 now
	while :; do
		if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 h1.bench.test A 2>/dev/null |
			grep -q 'status: NOERROR'; then
			now=$(date +%s.%N)
			python3 -c "print('%.2f' % ($now - $t0))"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { echo "server died" >&2; return 1; }
		sleep 0.05
	done
}

mem_kb() { # "largest VmRSS, total PSS" over the tree, kB
	local p rss pss max=0 sum=0
	for p in $(proc_tree "$1"); do
		rss=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null)
		pss=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null)
		[ -n "$rss" ] && [ "$rss" -gt "$max" ] && max=$rss
		sum=$((sum + ${pss:-0}))
	done
	echo "$max $sum"
}

echo "generating a zone of $names names and the query file..." >&2
gen_zone "$TMP/bench.zone" bench.test "$names" mix
gen_queries "$TMP/queries" bench.test "$names" 200000
nrec=$(grep -vc '^\$' "$TMP/bench.zone")

SERVERS="nsd knot cairnd"
declare -A QPS CPU ANSWERED CODES
for kind in $SERVERS; do
	port=$(free_port)
	t0=$(date +%s.%N)
	start_server $kind "$port" "$TMP/bench.zone"
	wait_answer "$port" "$SPID" "$t0" >/dev/null || { cat "$TMP/$kind.$port/log" >&2; exit 1; }
	echo "$kind: warm-up..." >&2
	run_perf 127.0.0.1 "$port" 2 "$TMP/warm.$kind"
	echo "$kind: measuring for $secs s..." >&2
	measure "$SPID" 127.0.0.1 "$port" "$secs" "$TMP/perf.$kind"
	QPS[$kind]=$PERF_QPS
	ANSWERED[$kind]=$PERF_ANSWERED
	CODES[$kind]=$PERF_CODES
	CPU[$kind]=$PERF_CPU_US
	kill "$SPID"
	wait "$SPID" 2>/dev/null
done

echo
echo "Authoritative throughput: $names names ($nrec records), $(wc -l <"$TMP/queries") queries"
echo "(70% positive, 15% NXDOMAIN, 15% NODATA), ${secs}s each, server on CPU $SRV_CPU, dnsperf on CPU $PERF_CPU"
printf '%-8s %12s %12s %14s  %s\n' server "QPS" answered "CPU us/answer" "response codes"
for kind in $SERVERS; do
	printf '%-8s %12s %12s %14s  %s\n' "$kind" "${QPS[$kind]}" "${ANSWERED[$kind]}" "${CPU[$kind]}" "${CODES[$kind]}"
done

[ $skip_load = yes ] && exit 0
echo >&2
echo "generating a zone of $records records..." >&2
gen_zone "$TMP/big.zone" bench.test $((records / 2)) flat
declare -A L_WALL L_CPU L_RSS L_PSS
for kind in $SERVERS; do
	walls=() cpus=() rsss=() psss=()
	for run in $(seq "$runs"); do
		echo "$kind: loading, start $run of $runs..." >&2
		port=$(free_port)
		t0=$(date +%s.%N)
		start_server $kind "$port" "$TMP/big.zone"
		secs_first=$(wait_answer "$port" "$SPID" "$t0") || { tail "$TMP/$kind.$port/log" >&2; exit 1; }
		ticks=$(cpu_ticks "$SPID")
		sleep 0.5
		read -r rss pss <<<"$(mem_kb "$SPID")"
		walls+=("$secs_first")
		cpus+=("$(python3 -c "print('%.2f' % ($ticks / $TICK))")")
		rsss+=("$(python3 -c "print('%.1f' % ($rss / 1024))")")
		psss+=("$(python3 -c "print('%.1f' % ($pss / 1024))")")
		kill "$SPID"
		wait "$SPID" 2>/dev/null
	done
	L_WALL[$kind]=$(bench_median "${walls[@]}")
	L_CPU[$kind]=$(bench_median "${cpus[@]}")
	L_RSS[$kind]=$(bench_median "${rsss[@]}")
	L_PSS[$kind]=$(bench_median "${psss[@]}")
done
echo
echo "Loading a zone of $(grep -vc '^\$' "$TMP/big.zone") records ($(du -m "$TMP/big.zone" | cut -f1) MB), medians of $runs starts"
printf '%-8s %18s %8s %16s %16s %9s\n' server "s to first answer" "CPU s" "VmRSS MB (max)" "PSS MB (total)" "RSS/Knot"
for kind in $SERVERS; do
	printf '%-8s %18s %8s %16s %16s %9s\n' "$kind" "${L_WALL[$kind]}" "${L_CPU[$kind]}" \
		"${L_RSS[$kind]}" "${L_PSS[$kind]}" \
		"$(python3 -c "print('%.2f' % (${L_RSS[$kind]} / ${L_RSS[knot]}))")"
done
