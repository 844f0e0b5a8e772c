#!/bin/bash
# bench/xfr.sh -- cairnd, NSD and Knot as secondaries of one cairnd
# primary, side by side in one run.
#
#   bench/xfr.sh [-b BUILDDIR] [-B OTHER_CAIRND] [-n RECORDS] [-c CHANGES] [-r ROUNDS]
#
#   -b BUILDDIR      where cairnd was built (default: the current directory
#                    if it holds ./cairnd, else the source tree); it is the
#                    primary and the secondary "cairnd"
#   -B OTHER_CAIRND  another cairnd binary measured as a fourth secondary
#                    ("cairnd-B", e.g. a build of the commit before a change)
#   -n RECORDS       records in the zone (default 1000000)
#   -c CHANGES       records the IXFR changes (default 1000: as many
#                    deleted and added)
#   -r ROUNDS        rounds; the figures are medians (default 3)
#   -k KINDS         the secondaries, in this order (default "nsd knot
#                    cairnd", cairnd-B added with -B)
#
# Runs inside a private network namespace (unshare -rn), loopback only.
# The primary (cairnd, pinned to CPU 1) serves a zone of RECORDS records
# (names with an A and an AAAA record each) and sends NOTIFY to the
# secondary's port; each secondary in turn (pinned to CPU 0, an empty
# directory, the servers' default storage: Knot keeps its journal and
# writes the zone file, NSD its xfrd state, cairnd its file and, as it
# provides transfers itself, its IXFR journal) is measured:
#   AXFR: seconds from the secondary's start until it answers the zone's
#         SOA with the serial, its CPU seconds (utime+stime of all its
#         processes) by then, and its VmRSS (largest process) then;
#   IXFR: the primary gets a new version (serial + 1, CHANGES records
#         changed) and SIGHUP; from the moment the primary answers the new
#         serial (it sends NOTIFY), the seconds until the secondary answers
#         it, the CPU seconds the secondary spent on it and its VmRSS.
# The primary is started afresh for every secondary and round.
#
# Needs: nsd, knotd, dig, taskset, python3, unshare.  Not part of make check.
. "$(dirname "$0")/lib.sh"
build=
other=
records=1000000
changes=1000
rounds=3
kinds=
while getopts b:B:n:c:r:k:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	B) other=$OPTARG ;;
	n) records=$OPTARG ;;
	c) changes=$OPTARG ;;
	r) rounds=$OPTARG ;;
	k) kinds=$OPTARG ;;
	*) sed -n '2,35s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
bench_find_cairnd "$build"
bench_need nsd knotd dig taskset python3 unshare
[ -z "$other" ] || [ -x "$other" ] || { echo "bench: $other is not executable" >&2; exit 1; }
bench_enter_netns -b "$build" ${other:+-B "$other"} ${kinds:+-k "$kinds"} -n "$records" -c "$changes" \
	-r "$rounds"
bench_setup xfr
PRI_CPU=$PERF_CPU
PP=5300 SP=5301      # the namespace is ours: fixed ports
ZONE=bench.test

# the two versions of the zone: v1 (serial 1) and v2 (serial 2, CHANGES
# A records with a new address)
python3 - "$TMP/v1.zone" "$TMP/v2.zone" "$records" "$changes" <<'EOF'
import sys
v1, v2, records, changes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
names = max(1, (records - 6) // 2)
step = max(1, names // max(1, changes))
head = ("$ORIGIN bench.test.\n$TTL 3600\n"
        "@ IN SOA ns1 hostmaster %d 7200 900 1209600 300\n@ IN NS ns1\n@ IN NS ns2\n"
        "ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n@ IN MX 10 ns1\n")
for path, serial in ((v1, 1), (v2, 2)):
    out = [head % serial]
    for i in range(names):
        changed = serial == 2 and i % step == 0 and i // step < changes
        out.append("n%d IN A %s.%d.%d.%d\nn%d IN AAAA 2001:db8:%x::%x\n" % (
            i, "172" if changed else "10", i >> 16 & 255, i >> 8 & 255, i & 255,
            i, i >> 16, i & 0xffff))
    with open(path, "w") as f:
        f.write("".join(out))
EOF
nrec=$(grep -c ' IN ' "$TMP/v1.zone")

# serial PORT: the serial the server at PORT answers for the zone, or nothing
serial() {
	taskset -c "$PRI_CPU" dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short $ZONE SOA \
		2>/dev/null | awk '{print $3}'
}
# wait_serial PORT SERIAL PID: waits until the server at PORT answers
# SERIAL; prints the time then (date +%s.%N)
wait_serial() {
	while [ "$(serial "$1")" != "$2" ]; do
		kill -0 "$3" 2>/dev/null || { echo "bench: the server on port $1 died" >&2; return 1; }
		sleep 0.02
	done
	date +%s.%N
}
rss_mb() { # the largest VmRSS in the tree of PID, MB
	local p r max=0
	for p in $(proc_tree "$1"); do
		r=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null)
		[ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
	done
	python3 -c "print('%.1f' % ($max / 1024))"
}
calc() { python3 -c "print('%.2f' % ($1))"; }

start_primary() { # DIR: cairnd serving v1 with NOTIFY to the secondary
	mkdir -p "$1"
	cp "$TMP/v1.zone" "$1/p.zone"
	printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tlog: stderr\n\trecursion: no\n\trrl-ratelimit: 0\n\tcontrol-socket: ""\nzone:\n\tname: %s\n\tfile: %s\n\tprovide-xfr: 127.0.0.1 NOKEY\n\tnotify: 127.0.0.1@%s\n' \
		$PP $ZONE "$1/p.zone" $SP >"$1/p.conf"
	taskset -c "$PRI_CPU" "$cairnd" -d -c "$1/p.conf" >"$1/p.log" 2>&1 &
	PPID_=$!
	PIDS+=("$PPID_")
	wait_serial $PP 1 $PPID_ >/dev/null
}

start_secondary() { # KIND DIR: starts it on CPU 0, sets SPID
	local kind=$1 d=$2
	mkdir -p "$d"
	case $kind in
	cairnd*)
		printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tlog: stderr\n\trecursion: no\n\trrl-ratelimit: 0\n\tcontrol-socket: ""\nzone:\n\tname: %s\n\tfile: %s\n\tprimary: 127.0.0.1@%s\n\tallow-notify: 127.0.0.1 NOKEY\n\tprovide-xfr: 127.0.0.1 NOKEY\n' \
			$SP $ZONE "$d/s.zone" $PP >"$d/s.conf"
		local bin=$cairnd
		[ "$kind" = cairnd-B ] && bin=$other
		taskset -c "$SRV_CPU" "$bin" -d -c "$d/s.conf" >"$d/s.log" 2>&1 &
		;;
	knot)
		cat >"$d/knot.conf" <<EOF
database:
    storage: "$d"
server:
    listen: 127.0.0.1@$SP
    rundir: "$d"
log:
  - target: stderr
    any: warning
remote:
  - id: primary
    address: 127.0.0.1@$PP
acl:
  - id: notify
    address: 127.0.0.1
    action: notify
zone:
  - domain: $ZONE
    file: "$d/s.zone"
    master: primary
    acl: notify
EOF
		taskset -c "$SRV_CPU" knotd -c "$d/knot.conf" >"$d/s.log" 2>&1 &
		;;
	nsd)
		cat >"$d/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$SP
	server-count: 1
	username: ""
	pidfile: "$d/nsd.pid"
	database: ""
	zonelistfile: "$d/zone.list"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	rrl-ratelimit: 0
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: $ZONE
	zonefile: "$d/s.zone"
	request-xfr: 127.0.0.1@$PP NOKEY
	allow-notify: 127.0.0.1 NOKEY
EOF
		taskset -c "$SRV_CPU" nsd -d -c "$d/nsd.conf" >"$d/s.log" 2>&1 &
		;;
	esac
	SPID=$!
	PIDS+=("$SPID")
}

stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

KINDS=${kinds:-nsd knot cairnd${other:+ cairnd-B}}
declare -A A_WALL A_CPU A_RSS I_WALL I_CPU I_RSS
for kind in $KINDS; do
	aw=() ac=() ar=() iw=() ic=() ir=()
	for round in $(seq "$rounds"); do
		d=$TMP/$kind.$round
		echo "$kind: round $round of $rounds..." >&2
		start_primary "$d/p" || { tail "$d/p/p.log" >&2; exit 1; }
		t0=$(date +%s.%N)
		start_secondary "$kind" "$d"
		t1=$(wait_serial $SP 1 "$SPID") || { tail "$d/s.log" >&2; exit 1; }
		ticks=$(cpu_ticks "$SPID")
		aw+=("$(calc "$t1 - $t0")")
		ac+=("$(calc "$ticks / $TICK")")
		ar+=("$(rss_mb "$SPID")")
		# let the secondary settle (Knot writes its zone file, NSD
		# its state) before the IXFR
		sleep 2
		ticks=$(cpu_ticks "$SPID")
		cp "$TMP/v2.zone" "$d/p/p.zone"
		kill -HUP "$PPID_"
		t0=$(wait_serial $PP 2 "$PPID_") || exit 1
		t1=$(wait_serial $SP 2 "$SPID") || { tail "$d/s.log" >&2; exit 1; }
		iw+=("$(calc "$t1 - $t0")")
		ic+=("$(calc "($(cpu_ticks "$SPID") - $ticks) / $TICK")")
		ir+=("$(rss_mb "$SPID")")
		stop "$SPID"
		stop "$PPID_"
		# what went wrong on the way (a failed try is retried later)
		grep -i "warn\|error\|fail" "$d/s.log" | grep -v "signal received" | head -3 >&2
		rm -rf "$d"
	done
	A_WALL[$kind]=$(bench_median "${aw[@]}") A_CPU[$kind]=$(bench_median "${ac[@]}")
	A_RSS[$kind]=$(bench_median "${ar[@]}")
	I_WALL[$kind]=$(bench_median "${iw[@]}") I_CPU[$kind]=$(bench_median "${ic[@]}")
	I_RSS[$kind]=$(bench_median "${ir[@]}")
done

echo
echo "Secondaries of a cairnd primary: a zone of $nrec records ($(du -m "$TMP/v1.zone" | cut -f1) MB),"
echo "then an IXFR changing $changes of them; medians of $rounds rounds; secondary on CPU $SRV_CPU"
printf '%-9s | %-27s | %-27s\n' "" "first copy (AXFR)" "IXFR after NOTIFY"
printf '%-9s | %8s %8s %9s | %8s %8s %9s\n' secondary "s" "CPU s" "VmRSS MB" "s" "CPU s" "VmRSS MB"
for kind in $KINDS; do
	printf '%-9s | %8s %8s %9s | %8s %8s %9s\n' "$kind" "${A_WALL[$kind]}" "${A_CPU[$kind]}" \
		"${A_RSS[$kind]}" "${I_WALL[$kind]}" "${I_CPU[$kind]}" "${I_RSS[$kind]}"
done
