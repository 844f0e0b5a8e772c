#!/bin/bash
# xfr_peers: cairnd as a secondary of NSD, Knot and BIND primaries, one
# zone each (nsd.test, knot.test, bind.test), TSIG hmac-sha256 on every
# transfer and NOTIFY. Checked: the first copies (AXFR) equal the
# primaries' zones; after a serial bump and a reload of each primary, its
# NOTIFY makes cairnd fetch the new version (by IXFR from Knot and BIND,
# which compute differences; NSD 4.6 answers IXFR with the whole zone) and
# the copies are equal again; the copies are written to cairnd's files.
. "$top_srcdir/tests/system/lib.sh"
need nsd knotd named dig python3
SECRET=$(printf 'cairn-peers-test-key-hmac-sha256' | base64 -w0)
CP=$(free_port); NP=$(free_port); KP=$(free_port); BP=$(free_port)
for z in nsd knot bind; do
	sed "s/lab\.test\./$z.test./g; s/^\\\$ORIGIN .*/\$ORIGIN $z.test./" "$ZONEDIR/lab.test.zone" >"$TMP/$z.zone"
done
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }

mkdir -p "$TMP/nsd" "$TMP/knot" "$TMP/bind" "$TMP/cairn"
cat >"$TMP/nsd/nsd.conf" <<NSD
server:
	ip-address: 127.0.0.1@$NP
	server-count: 1
	username: ""
	pidfile: "$TMP/nsd/nsd.pid"
	database: ""
	zonelistfile: "$TMP/nsd/zone.list"
	xfrdfile: "$TMP/nsd/xfrd.state"
	xfrdir: "$TMP/nsd"
	zonesdir: "$TMP"
	verbosity: 1
	rrl-ratelimit: 0
remote-control:
	control-enable: no
key:
	name: xfr-key
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: nsd.test
	zonefile: "$TMP/nsd.zone"
	provide-xfr: 127.0.0.1 xfr-key
	notify: 127.0.0.1@$CP xfr-key
NSD
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
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: cairn
    address: 127.0.0.1@$CP
    key: xfr-key
acl:
  - id: cairn-transfer
    address: 127.0.0.1
    key: xfr-key
    action: transfer
template:
  - id: default
    storage: "$TMP"
zone:
  - domain: knot.test
    file: "$TMP/knot.zone"
    notify: cairn
    acl: cairn-transfer
    zonefile-load: difference
    zonefile-sync: -1
    journal-content: changes
KNOT
cat >"$TMP/bind/named.conf" <<BIND
options {
	directory "$TMP/bind";
	pid-file "$TMP/bind/named.pid";
	listen-on port $BP { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify explicit;
};
controls { };
key "xfr-key" {
	algorithm hmac-sha256;
	secret "$SECRET";
};
zone "bind.test" {
	type primary;
	file "$TMP/bind.zone";
	allow-transfer { key "xfr-key"; };
	also-notify port $CP { 127.0.0.1 key "xfr-key"; };
	ixfr-from-differences yes;
};
BIND
cat >"$TMP/cairn/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$CP
	threads: 2
	user: ""
	pidfile: ""
	control-socket: "$TMP/cairn/ctl"
	log: stderr
	recursion: no
key:
	name: xfr-key
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: nsd.test
	file: $TMP/cairn/nsd.test.zone
	primary: 127.0.0.1@$NP xfr-key
	allow-notify: 127.0.0.1 xfr-key
	provide-xfr: 127.0.0.1 xfr-key
zone:
	name: knot.test
	file: $TMP/cairn/knot.test.zone
	primary: 127.0.0.1@$KP xfr-key
	allow-notify: 127.0.0.1 xfr-key
	provide-xfr: 127.0.0.1 xfr-key
zone:
	name: bind.test
	file: $TMP/cairn/bind.test.zone
	primary: 127.0.0.1@$BP xfr-key
	allow-notify: 127.0.0.1 xfr-key
	provide-xfr: 127.0.0.1 xfr-key
CONF

nsd -d -c "$TMP/nsd/nsd.conf" >"$TMP/nsd/nsd.log" 2>&1 &
NSD_PID=$!; PIDS+=("$NSD_PID"); LOGS+=("$TMP/nsd/nsd.log")
knotd -c "$TMP/knot/knot.conf" >"$TMP/knot/knot.log" 2>&1 &
KNOT_PID=$!; PIDS+=("$KNOT_PID"); LOGS+=("$TMP/knot/knot.log")
named -g -c "$TMP/bind/named.conf" >"$TMP/bind/named.log" 2>&1 &
BIND_PID=$!; PIDS+=("$BIND_PID"); LOGS+=("$TMP/bind/named.log")
serial() { dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short "$2" SOA 2>/dev/null | awk '{print $3}'; }
wait_serial() { # PORT ZONE SERIAL: up to 30 s
	local i
	for i in $(seq 150); do
		[ "$(serial "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
for p in "nsd:$NP" "knot:$KP" "bind:$BP"; do
	wait_serial "${p#*:}" "${p%%:*}.test" 2024060101 || die "${p%%:*} does not serve ${p%%:*}.test"
done
"$CAIRND" -d -c "$TMP/cairn/cairnd.conf" >"$TMP/cairn/cairnd.log" 2>&1 &
CAIRND_PID=$!; PIDS+=("$CAIRND_PID"); LOGS+=("$TMP/cairn/cairnd.log")
CLOG=$TMP/cairn/cairnd.log

canon() { awk '!/^;/ && NF && $4 != "TSIG" {$1 = $1; print tolower($0)}' | sort -u; }
compare() { # compare WHEN: each copy equals its primary's zone
	local p z port
	for p in "nsd:$NP" "knot:$KP" "bind:$BP"; do
		z=${p%%:*}.test
		port=${p#*:}
		dig @127.0.0.1 -p "$port" -y "hmac-sha256:xfr-key:$SECRET" "$z" AXFR | canon >"$TMP/want"
		dig @127.0.0.1 -p "$CP" "$z" AXFR -y "hmac-sha256:xfr-key:$SECRET" | canon >"$TMP/got"
		check "$1: cairnd's $z equals ${p%%:*}'s" cmp -s "$TMP/want" "$TMP/got"
		check "$1: ... and is not empty" test "$(wc -l <"$TMP/got")" -gt 50
	done
}

for z in nsd knot bind; do
	check "first copy of $z.test" wait_serial "$CP" "$z.test" 2024060101
done
sleep 0.5
compare "first copy"
for z in nsd knot bind; do
	check "$z.test written to cairnd's file" grep -q "SOA.*2024060101" "$TMP/cairn/$z.test.zone"
done

# a new serial on each primary, then its reload: NOTIFY
for z in nsd knot bind; do
	sed -i 's/2024060101/2024060102/; s/192\.0\.2\.102/192.0.2.103/' "$TMP/$z.zone"
	printf 'peers\tTXT\t"from %s"\n' "$z" >>"$TMP/$z.zone"
done
kill -HUP "$NSD_PID" "$KNOT_PID" "$BIND_PID"
for z in nsd knot bind; do
	check "NOTIFY brought $z.test serial 2024060102" wait_serial "$CP" "$z.test" 2024060102
	check "... and the NOTIFY was logged" grep -q "NOTIFY $z.test. from 127.0.0.1#[0-9]* TSIG xfr-key" "$CLOG"
done
check "knot.test came by IXFR" grep -q "zone knot.test: serial 2024060102 from 127.0.0.1@$KP by IXFR" "$CLOG"
check "bind.test came by IXFR" grep -q "zone bind.test: serial 2024060102 from 127.0.0.1@$BP by IXFR" "$CLOG"
check "nsd.test came (whole zone)" grep -q "zone nsd.test: serial 2024060102 from 127.0.0.1@$NP by" "$CLOG"
compare "after the bump"
check "no transfer failed" bash -c "! grep -q 'transfer failed\\|refresh failed' '$CLOG'"
stop_pid "$CAIRND_PID"
finish
