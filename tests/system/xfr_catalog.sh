#!/bin/bash
# xfr_catalog: a catalog zone (RFC 9432, version 2) published by cairnd
# (`catalog: yes`) and consumed by Knot (catalog-role: interpret) and BIND
# (catalog-zones). Checked: the generated file (SOA, NS invalid., version
# TXT "2", one PTR per primary zone under zones.); both consumers add the
# member zones and transfer them from cairnd; a zone added to cairnd's
# configuration + SIGHUP raises the catalog serial, NOTIFY, IXFR, and the
# consumers add it; a zone removed disappears from them; a reload without
# a change of members keeps the serial.
. "$top_srcdir/tests/system/lib.sh"
need knotd named dig python3
SECRET=$(printf 'catalog-test-key-hmac-sha256-abc' | base64 -w0)
CP=$(free_port); KP=$(free_port); BP=$(free_port)
for z in one two; do sed "s/lab\.test\./$z.test./g" "$ZONEDIR/lab.test.zone" >"$TMP/$z.zone"; done
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }
member() { printf 'zone:\n\tname: %s.test\n\tfile: %s/%s.zone\n\tprovide-xfr: 127.0.0.1 k\n' "$1" "$TMP" "$1"; }
conf() { # conf MEMBER...: cairnd's configuration with these member zones
	cat <<CONF
server:
	listen: 127.0.0.1@$CP
	threads: 1
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
key:
	name: k
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: catalog.invalid
	file: $TMP/catalog.zone
	catalog: yes
	provide-xfr: 127.0.0.1 k
	notify: 127.0.0.1@$KP k
	notify: 127.0.0.1@$BP k
CONF
	for m in "$@"; do member "$m"; done
}
conf one >"$TMP/cairnd.conf"
start_cairnd_zone() { # like start_cairnd, but waits for catalog.invalid
	"$CAIRND" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.log" 2>&1 &
	CAIRND_PID=$!; PIDS+=("$CAIRND_PID"); LOGS+=("$TMP/cairnd.log")
	for i in $(seq 100); do
		dig @127.0.0.1 -p "$CP" +short catalog.invalid SOA 2>/dev/null | grep -q invalid && return 0
		sleep 0.2
	done
	die "cairnd does not serve the catalog"
}
start_cairnd_zone
check "the catalog file: SOA serial 1" grep -q '^catalog.invalid. 0 IN SOA invalid. invalid. 1 ' "$TMP/catalog.zone"
check "... NS invalid." grep -q '^catalog.invalid. 0 IN NS invalid.$' "$TMP/catalog.zone"
check "... version 2" grep -q '^version.catalog.invalid. 0 IN TXT "2"$' "$TMP/catalog.zone"
check "... one member PTR" grep -Eq '^[0-9a-f]{16}.zones.catalog.invalid. 0 IN PTR one.test.$' "$TMP/catalog.zone"

mkdir -p "$TMP/knot" "$TMP/bind"
cat >"$TMP/knot/knot.conf" <<KNOT
server:
    listen: 127.0.0.1@$KP
    rundir: "$TMP/knot"
log:
  - target: stderr
    any: info
database:
    storage: "$TMP/knot"
key:
  - id: k
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: cairn
    address: 127.0.0.1@$CP
    key: k
acl:
  - id: from-cairn
    address: 127.0.0.1
    key: k
    action: notify
template:
  - id: default
    storage: "$TMP/knot"
  - id: member
    storage: "$TMP/knot"
    master: cairn
    acl: from-cairn
    zonefile-sync: -1
zone:
  - domain: catalog.invalid
    master: cairn
    acl: from-cairn
    catalog-role: interpret
    catalog-template: member
    zonefile-sync: -1
KNOT
cat >"$TMP/bind/named.conf" <<BIND
options {
	directory "$TMP/bind";
	pid-file "$TMP/bind/named.pid";
	listen-on port $BP { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-new-zones yes;
	catalog-zones {
		zone "catalog.invalid" default-primaries port $CP { 127.0.0.1 key "k"; } in-memory yes;
	};
};
controls { };
key "k" { algorithm hmac-sha256; secret "$SECRET"; };
zone "catalog.invalid" {
	type secondary;
	file "$TMP/bind/catalog.db";
	primaries port $CP { 127.0.0.1 key "k"; };
	allow-notify { 127.0.0.1; };
};
BIND
knotd -c "$TMP/knot/knot.conf" >"$TMP/knot/knot.log" 2>&1 &
PIDS+=("$!"); LOGS+=("$TMP/knot/knot.log")
named -g -c "$TMP/bind/named.conf" >"$TMP/bind/named.log" 2>&1 &
PIDS+=("$!"); LOGS+=("$TMP/bind/named.log")

serves() { # PORT ZONE: the server answers the zone's SOA with AA
	dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 "$2" SOA 2>/dev/null | grep -q 'flags: qr aa'
}
wait_serves() { local i; for i in $(seq 150); do serves "$1" "$2" && return 0; sleep 0.2; done; return 1; }
wait_gone_zone() { local i; for i in $(seq 150); do serves "$1" "$2" || return 0; sleep 0.2; done; return 1; }

for s in "knot:$KP" "bind:$BP"; do
	check "${s%%:*} added one.test from the catalog" wait_serves "${s#*:}" one.test
done

conf one two >"$TMP/cairnd.conf"
kill -HUP "$CAIRND_PID"
for s in "knot:$KP" "bind:$BP"; do
	check "${s%%:*} added two.test after it joined the catalog" wait_serves "${s#*:}" two.test
done
check "catalog serial 2" grep -q 'catalog zone catalog.invalid: serial 2, members changed' "$TMP/cairnd.log"
check "the catalog change went out by IXFR" grep -q 'IXFR catalog.invalid. serial 2 to' "$TMP/cairnd.log"

kill -HUP "$CAIRND_PID"
for i in $(seq 50); do [ "$(grep -c 'reloaded 3 zones' "$TMP/cairnd.log")" = 2 ] && break; sleep 0.1; done
check "a reload with the same members keeps serial 2" grep -q 'invalid. invalid. 2 ' "$TMP/catalog.zone"

conf two >"$TMP/cairnd.conf"
kill -HUP "$CAIRND_PID"
for s in "knot:$KP" "bind:$BP"; do
	check "${s%%:*} removed one.test after it left the catalog" wait_gone_zone "${s#*:}" one.test
	check "${s%%:*} still serves two.test" serves "${s#*:}" two.test
done
stop_pid "$CAIRND_PID"
finish
