#!/bin/bash
# auth_checkconf: `cairnd -n -c FILE` checks the configuration and every
# zone, binds nothing, exits 0 for good files and 1 for broken ones, and
# names each problem as file:line: message.  Also -V and bad options.
. "$top_srcdir/tests/system/lib.sh"
need python3

# run_n CONF: runs cairnd -n, output in $OUT, status in $RC
run_n() {
	LAST_Q="cairnd -n -c $1"
	OUT=$(cd / && timeout 20 "$CAIRND" -n -c "$1" 2>&1)
	RC=$?
}

# good CONF
good() {
	run_n "$1"
	if [ "$RC" -eq 0 ]; then pass; else fail "exit status $RC for a good configuration"; fi
}

# bad CONF REGEX...: exit status 1 and every REGEX (extended) in the output
bad() {
	local conf=$1 re
	shift
	run_n "$conf"
	if [ "$RC" -eq 1 ]; then pass; else fail "exit status $RC for a broken configuration, expected 1"; fi
	for re in "$@"; do
		if grep -Eq -- "$re" <<<"$OUT"; then pass; else fail "no line matching /$re/"; fi
	done
}

[ -x "$CAIRND" ] || die "no cairnd binary at $CAIRND"

echo "== good configurations"
good "$top_srcdir/etc/cairnd-lab.conf"
for c in "$top_srcdir"/zones/lab/*.conf; do
	# the toy Internet's servers (the resolver's keys may not exist yet in
	# this version: only the authoritative ones are checked here)
	[ "$(basename "$c")" = resolver.conf ] && continue
	good "$c"
done
PORT=$(free_port)
write_lab_conf "$TMP/lab.conf" "$PORT"
good "$TMP/lab.conf"

# -n binds nothing: it succeeds while another process holds the port
python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[1])))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen()
open(sys.argv[2], "w").close()
time.sleep(60)' "$PORT" "$TMP/holder.ready" &
HOLDER=$!
PIDS+=("$HOLDER")
# until the holder has bound the port (up to 30 s on a loaded machine)
for _ in $(seq 300); do [ -e "$TMP/holder.ready" ] && break; sleep 0.1; done
[ -e "$TMP/holder.ready" ] || die "the port holder did not start"
good "$TMP/lab.conf"
kill "$HOLDER"

# relative paths are resolved against the config file's directory
mkdir -p "$TMP/rel/conf" "$TMP/rel/zones"
cp "$ZONEDIR/lab.test.zone" "$TMP/rel/zones/"
printf 'server:\n\tlisten: 127.0.0.1@%s\n\trecursion: no\nzone:\n\tname: lab.test\n\tfile: ../zones/lab.test.zone\n' \
	"$PORT" >"$TMP/rel/conf/c.conf"
good "$TMP/rel/conf/c.conf"

echo "== broken configurations"
# mkconf NAME LINES...: a config file; line 1 is "server:"
mkconf() {
	local f=$TMP/$1.conf
	shift
	printf '%s\n' "server:" "$@" >"$f"
	echo "$f"
}
C=$(mkconf unknown-key "	listen: 127.0.0.1@$PORT" "	frobnicate: yes")
bad "$C" "unknown-key\.conf:3: .*frobnicate"
C=$(mkconf bad-threads "	threads: many")
bad "$C" "bad-threads\.conf:2: .*threads"
C=$(mkconf bad-threads0 "	threads: 0")
bad "$C" "bad-threads0\.conf:2: .*threads"
C=$(mkconf bad-bool "	listen: 127.0.0.1@$PORT" "	recursion: maybe")
bad "$C" "bad-bool\.conf:3: .*recursion"
C=$(mkconf bad-listen "	listen: 999.1.1.1@53")
bad "$C" "bad-listen\.conf:2: .*999\.1\.1\.1"
C=$(mkconf bad-port "	listen: 127.0.0.1@70000")
bad "$C" "bad-port\.conf:2: .*70000"
C=$(mkconf bad-clause "	listen: 127.0.0.1@$PORT" "options:" "	threads: 1")
bad "$C" "bad-clause\.conf:3: .*options"
C=$(mkconf missing-zone "	listen: 127.0.0.1@$PORT" "zone:" "	name: lab.test" "	file: $TMP/no/such.zone")
bad "$C" "missing-zone\.conf:5: .*no/such\.zone"
C=$(mkconf zone-no-name "	listen: 127.0.0.1@$PORT" "zone:" "	file: $ZONEDIR/lab.test.zone")
bad "$C" "zone-no-name\.conf:3: .*name"
C=$(mkconf several "	threads: lots" "	listen: 127.0.0.1@$PORT" "	bogus: 1")
bad "$C" "several\.conf:2: .*threads" "several\.conf:4: .*bogus"
bad "$TMP/does-not-exist.conf" "does-not-exist\.conf"

echo "== zones with problems"
# zonecase NAME ORIGIN: a config loading $TMP/NAME.zone as ORIGIN
zonecase() {
	mkconf "$1" "	listen: 127.0.0.1@$PORT" "zone:" "	name: $2" "	file: $TMP/$1.zone"
}
cat >"$TMP/bad1.zone" <<'EOF'
$ORIGIN bad.test.
$TTL 1h
@ IN SOA ns1 hostmaster 1 1h 1h 1w 1h
  IN NS ns1
ns1 IN A 192.0.2.1
www IN CNAME ns1
www IN A 192.0.2.2
out.example. IN A 192.0.2.3
dup IN A 192.0.2.4
dup IN A 192.0.2.4
sub IN NS ns.sub
@ IN SOA ns1 hostmaster 2 1h 1h 1w 1h
ok IN A 192.0.2.9
EOF
C=$(zonecase bad1 bad.test)
bad "$C" "bad1\.zone:(6|7): .*CNAME" "bad1\.zone:8: " "bad1\.zone:(9|10): .*[Dd]uplicate" \
	"bad1\.zone:11: .*(glue|ns\.sub)" "bad1\.zone:(3|12): .*SOA"
# no NS at the apex; concerns the zone as a whole (line 0 or no line)
printf '$ORIGIN nons.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\nwww IN A 192.0.2.1\n' >"$TMP/bad2.zone"
C=$(zonecase bad2 nons.test)
bad "$C" "bad2\.zone(:[0-9]+)?: .*NS"
# no SOA at all
printf '$ORIGIN nosoa.test.\n$TTL 1h\n@ IN NS ns1\nns1 IN A 192.0.2.1\n' >"$TMP/bad3.zone"
C=$(zonecase bad3 nosoa.test)
bad "$C" "bad3\.zone(:[0-9]+)?: .*SOA"
# a syntax error on line 5
printf '$ORIGIN syn.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\n  IN NS ns1\nns1 IN A 300.1.2.3\n' >"$TMP/bad4.zone"
C=$(zonecase bad4 syn.test)
bad "$C" "bad4\.zone:5: "
# an error inside an $INCLUDEd file is reported with that file's name and line
printf '$ORIGIN inc.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\n  IN NS ns1\n$INCLUDE bad5.inc\n' >"$TMP/bad5.zone"
printf 'ns1 IN A 192.0.2.1\nwww IN AAAA not-an-address\n' >"$TMP/bad5.inc"
C=$(zonecase bad5 inc.test)
bad "$C" "bad5\.inc:2: "
# an $INCLUDE loop stops with an error
printf '$ORIGIN loop.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\n  IN NS ns1\nns1 IN A 192.0.2.1\n$INCLUDE bad6.zone\n' >"$TMP/bad6.zone"
C=$(zonecase bad6 loop.test)
bad "$C" "bad6\.zone:6: "
# a missing $INCLUDE file
printf '$ORIGIN noinc.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\n  IN NS ns1\nns1 IN A 192.0.2.1\n$INCLUDE nowhere.inc\n' >"$TMP/bad7.zone"
C=$(zonecase bad7 noinc.test)
bad "$C" "bad7\.zone:6: .*nowhere\.inc"
# one broken zone among good ones still fails the whole check
C=$(mkconf mixed "	listen: 127.0.0.1@$PORT" "zone:" "	name: lab.test" "	file: $ZONEDIR/lab.test.zone" \
	"zone:" "	name: syn.test" "	file: $TMP/bad4.zone")
bad "$C" "bad4\.zone:5: "

echo "== named-checkzone's checks"
# garbage and over-large TTLs (RFC 2181 section 8), the field ldns could
# not read, an unknown type: each with file:line
printf '$ORIGIN lint.test.\n$TTL 1h30m\n@ IN SOA ns1 hm 1 1h 1h 2w 1h\n  IN NS ns1\nns1 IN A 192.0.2.1\na 1hx IN A 192.0.2.2\nb 4294967296 IN A 192.0.2.3\nc IN MX 10\nd IN A 192.0.2.256\ne IN FROB 1\n$TTL 3000000000\n' >"$TMP/lint1.zone"
C=$(zonecase lint1 lint.test)
bad "$C" "lint1\.zone:6: bad TTL '1hx'" "lint1\.zone:7: bad TTL '4294967296': above 2147483647" \
	"lint1\.zone:8: .*MX needs 2 data fields, found 1" \
	"lint1\.zone:9: .*A data field 1 '192\.0\.2\.256' is not an IPv4 address" \
	"lint1\.zone:10: .*unknown record type 'FROB'" "lint1\.zone:11: .*TTL '3000000000'"
if grep -q "could not parse the RR's rdata" <<<"$OUT"; then fail "ldns's vague rdata message is still shown"; else pass; fi
# a UTF-8 BOM at the start of the configuration and of a zone file; BIND's
# and NSD's TTL units; the class before the TTL; a target that misses its
# final dot is a warning (exit 0), a wildcard's name is not
printf '\xEF\xBB\xBF$ORIGIN bom.test.\n$TTL 2w\n@ IN SOA ns1 hm 1 1h 1h 2w 1h\n  IN NS ns1\nns1 IN 1h30m A 192.0.2.1\n@ IN MX 10 mail.example.net\n*.w IN A 192.0.2.9\nx IN CNAME y.w\n' >"$TMP/bom.zone"
printf '\xEF\xBB\xBFserver:\n\tlisten: 127.0.0.1@%s\n\trecursion: no\nzone:\n\tname: bom.test\n\tfile: %s\n' \
	"$PORT" "$TMP/bom.zone" >"$TMP/bom.conf"
good "$TMP/bom.conf"
if grep -Eq "bom\.zone:6: .*MX target mail\.example\.net\.bom\.test\..*final dot" <<<"$OUT"; then pass; else fail "no warning for a target missing its final dot"; fi
if grep -q "y\.w\.bom\.test" <<<"$OUT"; then fail "a warning for a name a wildcard covers"; else pass; fi

echo "== what start-up needs"
# cairnd -n also fails on what would stop start-up: an unknown user:, an
# unreadable root-hints (recursion: yes), missing directories of the log
# file and of the pid file (start-up creates only the last component)
C=$(mkconf startup-bad "	listen: 127.0.0.1@$PORT" "	user: cairn-no-such-user" "	recursion: yes" \
	"	root-hints: $TMP/no-such.hints" "	log: $TMP/no/such/dir/cairnd.log" \
	"	pidfile: $TMP/nodir/run/cairnd.pid" "	control-socket: \"\"")
bad "$C" "startup-bad\.conf:3: user 'cairn-no-such-user' does not exist" \
	"startup-bad\.conf:5: root-hints .*no-such\.hints cannot be read" \
	"startup-bad\.conf:6: the directory .*/no/such/dir of the log file" \
	"startup-bad\.conf:7: the directory .*/nodir/run of the pid file"
# each alone fails the check
C=$(mkconf startup-user "	listen: 127.0.0.1@$PORT" "	user: cairn-no-such-user" "	control-socket: \"\"")
bad "$C" "startup-user\.conf:3: user 'cairn-no-such-user'"
mkdir -p "$TMP/noread"
cp "$ZONEDIR/lab/root.hints" "$TMP/noread/root.hints"
chmod 000 "$TMP/noread"
if [ "$(id -u)" -ne 0 ]; then
	C=$(mkconf startup-hints "	listen: 127.0.0.1@$PORT" "	recursion: yes" \
		"	root-hints: $TMP/noread/root.hints" "	control-socket: \"\"")
	bad "$C" "startup-hints\.conf:4: root-hints .* cannot be read: Permission denied"
else
	# root reads anything: a directory stands in for an unreadable file
	C=$(mkconf startup-hints "	listen: 127.0.0.1@$PORT" "	recursion: yes" \
		"	root-hints: $TMP/noread" "	control-socket: \"\"")
	bad "$C" "startup-hints\.conf:4: root-hints .*noread is not a regular file"
fi
chmod 755 "$TMP/noread"
# DNSSEC trust anchors: a record that does not parse, in the configuration
# or in the file, stops cairnd -n (the file's with its file:line)
C=$(mkconf startup-anchor "	listen: 127.0.0.1@$PORT" "	recursion: yes" \
	"	trust-anchor: \". DS 20326 8 2 zz\"" "	control-socket: \"\"")
bad "$C" "startup-anchor\.conf:4: the trust anchors cannot be loaded" \
	'trust-anchor: ". DS 20326 8 2 zz": bad trust anchor'
printf '; a comment\n. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\nnot a record\n' \
	>"$TMP/bad.key"
C=$(mkconf startup-anchorfile "	listen: 127.0.0.1@$PORT" "	recursion: yes" \
	"	trust-anchor-file: $TMP/bad.key" "	control-socket: \"\"")
bad "$C" "bad\.key:3:" "the trust anchors cannot be loaded"
# root-hints is not read without recursion: no complaint then
C=$(mkconf startup-norec "	listen: 127.0.0.1@$PORT" "	recursion: no" \
	"	root-hints: $TMP/no-such.hints" "	control-socket: \"\"")
good "$C"
# an existing user, readable hints, a log directory that exists, a pid
# file directory start-up will create (its parent exists)
C=$(mkconf startup-good "	listen: 127.0.0.1@$PORT" "	user: nobody" "	recursion: yes" \
	"	root-hints: $ZONEDIR/lab/root.hints" "	log: $TMP/cairnd.log" \
	"	pidfile: $TMP/run-cairnd/cairnd.pid" "	control-socket: $TMP/run-cairnd/cairnd.ctl")
good "$C"
[ ! -e "$TMP/run-cairnd" ] && pass || fail "cairnd -n created the pid file's directory"

echo "== the quick start's port"
# etc/cairnd-lab.conf listens on a port no common service holds (5353 is
# mDNS, held by avahi; 5355 LLMNR, by systemd-resolved; nothing registered
# in /etc/services), and README's quick start says the same port
LAB_PORT=$(sed -n 's/^[[:space:]]*listen: 127\.0\.0\.1@\([0-9]*\).*/\1/p' "$top_srcdir/etc/cairnd-lab.conf")
LAST_Q="etc/cairnd-lab.conf port $LAB_PORT"
[ -n "$LAB_PORT" ] && pass || fail "no 127.0.0.1 listen port in etc/cairnd-lab.conf"
grep -q "listen: ::1@$LAB_PORT\$" "$top_srcdir/etc/cairnd-lab.conf" && pass || fail "::1 listens on another port"
case $LAB_PORT in 5353 | 5355 | 53) fail "port $LAB_PORT is held by a common service" ;; *) pass ;; esac
[ -z "$(getent services "$LAB_PORT/udp" "$LAB_PORT/tcp")" ] && pass || fail "port $LAB_PORT is a registered service: $(getent services "$LAB_PORT/udp")"
QS=$(grep -F './cairnd -d -c etc/cairnd-lab.conf' "$top_srcdir/README.md" | head -n 1)
[[ $QS == *"port $LAB_PORT."* && $QS == *"-p $LAB_PORT www.lab.test"* && $QS != *5353* ]] && pass ||
	fail "README's quick start does not name port $LAB_PORT"

echo "== command line"
LAST_Q="cairnd -V"
OUT=$("$CAIRND" -V 2>&1); RC=$?
if [ "$RC" -eq 0 ]; then pass; else fail "-V exit status $RC"; fi
if grep -qi 'c-ares.*1\.[0-9]' <<<"$OUT" && grep -qi 'ldns.*1\.[0-9]' <<<"$OUT"; then pass; else fail "-V does not name the c-ares and ldns versions"; fi
LAST_Q="cairnd -Q"
OUT=$("$CAIRND" -Q 2>&1); RC=$?
if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then pass; else fail "unknown option: exit status $RC"; fi
finish
