#!/bin/bash
# Runs the unit tests and cairnd itself under valgrind (memcheck). Build
# WITHOUT sanitizers first (valgrind and ASan do not mix):
#
#   tests/fuzz/valgrind.sh BUILDDIR [units|daemon|all]
#
# units:  every tests/unit/test_* binary of BUILDDIR, --leak-check=full,
#         --error-exitcode=9.
# daemon: inside a private network namespace (unshare -rn), the toy Internet
#         of zones/lab (plain cairnd instances) and one cairnd under valgrind
#         that is authoritative for lab.test and resolves the rest; a few
#         hundred mixed queries (UDP and TCP, cache hits and misses, NXDOMAIN,
#         NODATA, REFUSED, local zones, a malformed packet corpus), then
#         SIGTERM. Fails on any memcheck error or definitely lost block.
# Logs go to BUILDDIR/valgrind/. Exit status 0 when everything is clean.
set -u
build=$(cd "${1:?usage: valgrind.sh BUILDDIR [units|daemon|all]}" && pwd) || exit 2
what=${2:-all}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/valgrind
mkdir -p "$out"
VG=(valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-fds=no --num-callers=30)
status=0

if [ "$what" = units ] || [ "$what" = all ]; then
	for t in "$build"/tests/unit/test_*; do
		[ -x "$t" ] && [ "${t%.o}" = "$t" ] || continue
		n=$(basename "$t")
		if (cd "$build" && top_srcdir=$src top_builddir=$build \
			"${VG[@]}" --log-file="$out/$n.vg" "$t" >"$out/$n.out" 2>&1); then
			echo "ok: $n: $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$out/$n.vg")"
		else
			echo "FAIL: $n (see $out/$n.vg and $out/$n.out)"
			status=1
		fi
	done
fi

if [ "$what" = daemon ] || [ "$what" = all ]; then
	if [ -z "${VG_IN_NETNS:-}" ]; then
		VG_IN_NETNS=1 unshare -rn "$0" "$build" daemon-inside || status=1
	fi
fi
# daemon-run (inside the lab): the cairnd under valgrind and its queries
inside() {
	local pid names i rc
	"${VG[@]}" --log-file="$out/cairnd.vg" "$build/cairnd" -d -c "$out/target.conf" \
		>"$out/cairnd.log" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		dig @127.0.0.1 +time=1 +tries=1 lab.test SOA >/dev/null 2>&1 && break
		sleep 0.2
	done
	names="www.example.com www.example.net example.com nope.example.net a.b.nope.example.net
		mail.example.com www.shop.net www.lab.test lab.test nosuch.lab.test x.users.lab.test
		ftp.lab.test localhost 1.0.0.127.in-addr.arpa 25.0.3.127.in-addr.arpa
		80.2.0.192.in-addr.arpa invalid com . shop.net"
	for i in 1 2 3; do
		for n in $names; do
			for t in A AAAA MX NS SOA TXT ANY PTR; do
				dig @127.0.0.1 +time=3 +tries=1 "$n" "$t" >/dev/null
			done
			dig @127.0.0.1 +tcp +time=3 +tries=1 "$n" A >/dev/null
			dig @::1 +norec +time=3 +tries=1 "$n" A >/dev/null
		done
	done
	python3 "$src/tests/system/dnsraw.py" corpus --port 53 "$src/tests/system/malformed" \
		>"$out/corpus.out" 2>&1
	for c in stats stats-prometheus status "cache-show www.example.com" reload \
		"flush-name example.com below" flush; do
		"$build/cairn-control" -s "$out/target.ctl" $c >>"$out/control.out" 2>&1
	done
	dig @127.0.0.1 +time=3 +tries=1 www.example.com >/dev/null
	kill -TERM $pid
	wait $pid
	rc=$?
	echo "cairnd under valgrind: exit status $rc, $(grep -c ' query ' "$out/cairnd.log") queries logged"
	grep -E 'ERROR SUMMARY|definitely lost' "$out/cairnd.vg"
	return $rc
}
L=$src/zones/lab
if [ "$what" = daemon-inside ]; then
	cat >"$out/target.conf" <<EOF
server:
	listen: 127.0.0.1@53
	listen: ::1@53
	threads: 2
	user: ""
	pidfile: ""
	control-socket: "$out/target.ctl"
	log: stderr
	log-queries: yes
	recursion: yes
	allow-recursion: 127.0.0.0/8
	root-hints: $L/root.hints
	query-loopback: yes
	local-zone-disable: 127.in-addr.arpa
zone:
	name: lab.test
	file: $src/zones/lab.test.zone
zone:
	name: 2.0.192.in-addr.arpa
	file: $src/zones/2.0.192.in-addr.arpa.zone
EOF
	LAB_LOGDIR=$out "$L/start.sh" -b "$build/cairnd" "$0" "$build" daemon-run || status=1
fi
if [ "$what" = daemon-run ]; then
	inside || status=1
fi
exit $status
