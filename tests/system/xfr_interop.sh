#!/bin/bash
# xfr_interop: NSD, Knot and BIND as secondaries of cairnd, all on loopback
# ports of their own. cairnd serves a copy of the lab zone with
# provide-xfr and notify: towards each of them, each with a TSIG key of
# another algorithm (NSD hmac-sha512, Knot hmac-sha1, BIND hmac-sha256).
# Checked:
#  - the initial AXFR: each secondary serves the zone, and its AXFR equals
#    cairnd's (canonical presentation, sorted);
#  - a serial bump with changed records + SIGHUP: cairnd journals the
#    difference and sends NOTIFY; each secondary acknowledges it and
#    fetches the new version by IXFR (cairnd's log says which), and again
#    serves exactly cairnd's zone;
#  - an NSD with the wrong secret gets nothing (BADSIG logged by cairnd).
. "$top_srcdir/tests/system/lib.sh"
need nsd knotd named dig python3
SECRET=$(printf 'cairn-interop-xfr-key-sha256!!!!' | base64 -w0)
S512=$(printf 'cairn-interop-xfr-key-sha512-is-longer-to-match-the-hash-size!!' | base64 -w0)
S1=$(printf 'cairn-interop-sha1!!' | base64 -w0)
cp "$ZONEDIR/lab.test.zone" "$TMP/lab.test.zone"

CP=$(free_port); NP=$(free_port); KP=$(free_port); BP=$(free_port); WP=$(free_port)
cat >"$TMP/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$CP
	threads: 2
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
key:
	name: xfr-key
	algorithm: hmac-sha256
	secret: "$SECRET"
key:
	name: nsd-key
	algorithm: hmac-sha512
	secret: "$S512"
key:
	name: knot-key
	algorithm: hmac-sha1
	secret: "$S1"
zone:
	name: lab.test
	file: $TMP/lab.test.zone
	provide-xfr: 127.0.0.1 xfr-key
	provide-xfr: 127.0.0.1 nsd-key
	provide-xfr: 127.0.0.1 knot-key
	notify: 127.0.0.1@$NP nsd-key
	notify: 127.0.0.1@$KP knot-key
	notify: 127.0.0.1@$BP xfr-key
CONF
start_cairnd "$TMP/cairnd.conf" "$CP"
CLOG=$TMP/cairnd.$CP.log

check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass; else LAST_Q= fail "$what"; fi
}

# ---- the secondaries
# nsd_secondary PORT SECRET DIR (key nsd-key, hmac-sha512)
nsd_secondary() {
	local port=$1 secret=$2 dir=$3
	mkdir -p "$dir"
	cat >"$dir/nsd.conf" <<NSD
server:
	ip-address: 127.0.0.1@$port
	server-count: 1
	username: ""
	pidfile: "$dir/nsd.pid"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	zonesdir: "$dir"
	verbosity: 2
	rrl-ratelimit: 0
remote-control:
	control-enable: no
key:
	name: nsd-key
	algorithm: hmac-sha512
	secret: "$secret"
zone:
	name: lab.test
	zonefile: "$dir/lab.test.zone"
	request-xfr: 127.0.0.1@$CP nsd-key
	allow-notify: 127.0.0.1 nsd-key
	provide-xfr: 127.0.0.1 NOKEY
NSD
	nsd -d -c "$dir/nsd.conf" >"$dir/nsd.log" 2>&1 &
	PIDS+=("$!")
	LOGS+=("$dir/nsd.log")
	LAST_PID=$!
}
nsd_secondary "$NP" "$S512" "$TMP/nsd"
NSD_PID=$LAST_PID

mkdir -p "$TMP/knot"
cat >"$TMP/knot/knot.conf" <<KNOT
server:
    listen: 127.0.0.1@$KP
    rundir: "$TMP/knot"
    pidfile: "$TMP/knot/knot.pid"
log:
  - target: stderr
    any: info
database:
    storage: "$TMP/knot"
key:
  - id: knot-key
    algorithm: hmac-sha1
    secret: $S1
remote:
  - id: cairn
    address: 127.0.0.1@$CP
    key: knot-key
acl:
  - id: notify-from-cairn
    address: 127.0.0.1
    key: knot-key
    action: notify
  - id: transfer-local
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "$TMP/knot"
zone:
  - domain: lab.test
    file: "$TMP/knot/lab.test.zone"
    master: cairn
    acl: [notify-from-cairn, transfer-local]
    zonefile-sync: -1
    journal-content: changes
KNOT
knotd -c "$TMP/knot/knot.conf" >"$TMP/knot/knot.log" 2>&1 &
KNOT_PID=$!
PIDS+=("$KNOT_PID")
LOGS+=("$TMP/knot/knot.log")

mkdir -p "$TMP/bind"
cat >"$TMP/bind/named.conf" <<BIND
options {
	directory "$TMP/bind";
	pid-file "$TMP/bind/named.pid";
	listen-on port $BP { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	allow-transfer { 127.0.0.1; };
	notify no;
};
controls { };
key "xfr-key" {
	algorithm hmac-sha256;
	secret "$SECRET";
};
zone "lab.test" {
	type secondary;
	file "$TMP/bind/lab.test.zone";
	primaries port $CP { 127.0.0.1 key "xfr-key"; };
	allow-notify { 127.0.0.1; };
};
BIND
named -g -c "$TMP/bind/named.conf" >"$TMP/bind/named.log" 2>&1 &
BIND_PID=$!
PIDS+=("$BIND_PID")
LOGS+=("$TMP/bind/named.log")

# the one with the wrong secret (no notify: towards it)
nsd_secondary "$WP" "$(printf 'not-the-right-secret-for-the-sha512-key-of-this-test-at-all!!!!' | base64 -w0)" "$TMP/nsd-bad"

# serial PORT: the serial a server answers for lab.test SOA, or nothing
serial() {
	dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short lab.test SOA 2>/dev/null | awk '{print $3}'
}
# wait_serial NAME PORT SERIAL: up to 30 s
wait_serial() {
	local i
	for i in $(seq 150); do
		[ "$(serial "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
canon() { awk '!/^;/ && NF && $4 != "TSIG" {$1 = $1; print tolower($0)}' | sort -u; }
axfr() { # axfr PORT [dig args]: the zone as a secondary serves it
	local p=$1
	shift
	dig @127.0.0.1 -p "$p" +time=5 +tries=1 "$@" lab.test AXFR 2>&1 | canon
}
compare_all() { # compare_all WHEN
	axfr "$CP" -y "hmac-sha256:xfr-key:$SECRET" >"$TMP/cairn.zone.txt"
	check "$1: cairnd's own AXFR is not empty" test -s "$TMP/cairn.zone.txt"
	for s in "nsd:$NP" "knot:$KP" "bind:$BP"; do
		axfr "${s#*:}" >"$TMP/${s%%:*}.zone.txt"
		check "$1: ${s%%:*}'s copy equals cairnd's zone" \
			cmp -s "$TMP/cairn.zone.txt" "$TMP/${s%%:*}.zone.txt"
	done
}

for s in "nsd:$NP" "knot:$KP" "bind:$BP"; do
	check "${s%%:*} transferred serial 2024060101 from cairnd" wait_serial "${s%%:*}" "${s#*:}" 2024060101
done
compare_all "initial AXFR"
for k in nsd-key knot-key xfr-key; do
	check "cairnd logged the AXFR signed with $k" \
		grep -q "AXFR lab.test. serial 2024060101 to 127.0.0.1#[0-9]* (TSIG $k)" "$CLOG"
done

# ---- serial bump: NOTIFY, then IXFR
sed -i 's/2024060101/2024060102/; s/192\.0\.2\.102/192.0.2.103/' "$TMP/lab.test.zone"
printf 'interop\tA\t192.0.2.222\ninterop\tTXT\t"added by xfr_interop"\n' >>"$TMP/lab.test.zone"
kill -HUP "$CAIRND_PID"
for s in "nsd:$NP" "knot:$KP" "bind:$BP"; do
	check "${s%%:*} followed to serial 2024060102 after NOTIFY" wait_serial "${s%%:*}" "${s#*:}" 2024060102
done
compare_all "after IXFR"
check "cairnd journaled the new serial" grep -q 'serial 2024060101 -> 2024060102 (journaled for IXFR)' "$CLOG"
check "three NOTIFYs acknowledged" \
	test "$(grep -c 'NOTIFY lab.test serial 2024060102 to 127.0.0.1@[0-9]*: acknowledged' "$CLOG")" = 3
n=$(grep -c 'IXFR lab.test. serial 2024060102 to 127.0.0.1#[0-9]* (TSIG [a-z]*-key)' "$CLOG")
check "the three secondaries used IXFR, not AXFR ($n IXFR answers)" test "$n" -ge 3
check "no IXFR fell back to AXFR" bash -c "! grep -q 'IXFR (as AXFR)' '$CLOG'"

# ---- the wrong secret: refused, nothing served
check "the NSD with a wrong secret was refused (BADSIG logged)" \
	grep -q 'lab.test. from 127.0.0.1#[0-9]* refused: wrong TSIG signature (BADSIG)' "$CLOG"
check "the NSD with a wrong secret has no copy" test -z "$(serial "$WP")"

stop_pid "$CAIRND_PID"
finish
