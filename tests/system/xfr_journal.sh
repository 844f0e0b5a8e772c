#!/bin/bash
# xfr_journal: the IXFR journal of a primary (RFC 1995). Each SIGHUP that
# raises the serial records the difference; an IXFR from a serial still in
# the journal gets exactly the difference sequences (checked record by
# record with dig), an older one the whole zone; ixfr-number bounds the
# journal; the journal survives a restart; a change without a new serial
# is a warning; a serial going backwards empties the chain.
. "$top_srcdir/tests/system/lib.sh"
need dig python3
XFR="python3 $SYSDIR/xfr_client.py"
Z=$TMP/lab.test.zone
cp "$ZONEDIR/lab.test.zone" "$Z"
PORT=$(free_port)
cat >"$TMP/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$PORT
	threads: 1
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
zone:
	name: lab.test
	file: $Z
	provide-xfr: 127.0.0.1 NOKEY
	ixfr-number: 2
CONF
start_cairnd "$TMP/cairnd.conf" "$PORT"
LOG=$TMP/cairnd.$PORT.log
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }
# ixfr SERIAL: the records of an IXFR answer, in order, blanks squeezed
ixfr() {
	dig @127.0.0.1 -p "$PORT" +nocookie +time=5 +tries=1 lab.test "IXFR=$1" 2>&1 |
		awk '!/^;/ && NF {$1 = $1; print}'
}
# reload_to SERIAL: waits until cairnd serves SERIAL after a SIGHUP
reload_to() {
	local i
	kill -HUP "$CAIRND_PID"
	for i in $(seq 100); do
		dig @127.0.0.1 -p "$PORT" +short lab.test SOA | grep -q " $1 " && return 0
		sleep 0.1
	done
	return 1
}
soa() { echo "lab.test. 3600 IN SOA ns1.lab.test. hostmaster.lab.test. $1 7200 900 1209600 300"; }

# version 2: one address changed, one name added
sed -i 's/2024060101/2024060102/; s/192\.0\.2\.102/192.0.2.103/' "$Z"
echo 'j1 A 192.0.2.201' >>"$Z"
check "reload to serial 2024060102" reload_to 2024060102
ixfr 2024060101 >"$TMP/i1"
printf '%s\n' "$(soa 2024060102)" "$(soa 2024060101)" "bob.lab.test. 3600 IN A 192.0.2.102" \
	"$(soa 2024060102)" "bob.lab.test. 3600 IN A 192.0.2.103" \
	"j1.lab.test. 3600 IN A 192.0.2.201" "$(soa 2024060102)" >"$TMP/w1"
# (the order of records inside the deleted and added parts carries no meaning)
check "IXFR from 2024060101: exactly the difference sequence" \
	test "$(sed -n '1,4p;7p' "$TMP/w1")" = "$(sed -n '1,4p;7p' "$TMP/i1")" -a \
	"$(sed -n '5,6p' "$TMP/w1" | sort)" = "$(sed -n '5,6p' "$TMP/i1" | sort)" -a \
	"$(wc -l <"$TMP/i1")" = 7

# version 3: a deletion and a TTL change
sed -i 's/2024060102/2024060103/; /^j1 A/d' "$Z"
echo 'j2 300 TXT "v3"' >>"$Z"
check "reload to serial 2024060103" reload_to 2024060103
ixfr 2024060101 >"$TMP/i2"
check "IXFR from 2024060101 spans two differences (4 SOA in the middle)" \
	test "$(grep -c ' SOA ' "$TMP/i2")" = 6
check "... ending with the second difference" \
	bash -c "tail -n 4 '$TMP/i2' | head -n 3 | grep -q 'j1.lab.test. 3600 IN A 192.0.2.201'"
check "... which adds j2" grep -q 'j2.lab.test. 300 IN TXT "v3"' "$TMP/i2"
R=$($XFR --port "$PORT" lab.test --type IXFR --serial 2024060103)
check "IXFR from the current serial: the SOA only ($R)" grep -q '^rcode=NOERROR tsig=NOERROR messages=1 records=1 ' <<<"$R"

# version 4: ixfr-number 2 drops the oldest difference
sed -i 's/2024060103/2024060104/' "$Z"
echo 'j3 A 192.0.2.203' >>"$Z"
check "reload to serial 2024060104" reload_to 2024060104
R=$($XFR --port "$PORT" lab.test --type IXFR --serial 2024060101)
n=$(grep -c . "$Z")
check "IXFR from a serial no longer journaled: the whole zone ($R)" \
	grep -q '^rcode=NOERROR .* soa_first=2024060104 soa_last=2024060104 ' <<<"$R"
check "... logged as AXFR form" grep -q 'IXFR (as AXFR) lab.test. serial 2024060104' "$LOG"
ixfr 2024060102 >"$TMP/i3"
check "IXFR from 2024060102 is incremental" test "$(grep -c ' SOA ' "$TMP/i3")" = 6

# a restart keeps the journal
stop_pid "$CAIRND_PID"
start_cairnd "$TMP/cairnd.conf" "$PORT"
LOG=$TMP/cairnd.$PORT.log
ixfr 2024060103 >"$TMP/i4"
check "after a restart, IXFR from 2024060103 is still incremental" \
	test "$(grep -c ' SOA ' "$TMP/i4")" = 4 -a "$(grep -c j3 "$TMP/i4")" = 1

# a change without a new serial: a warning
echo 'j4 A 192.0.2.204' >>"$Z"
kill -HUP "$CAIRND_PID"
for i in $(seq 50); do grep -q 'serial stayed' "$LOG" && break; sleep 0.1; done
check "content changed, serial not: warned" \
	grep -q 'zone lab.test: the content changed but the serial stayed 2024060104' "$LOG"

# a damaged journal file is ignored at start-up, with a log line
stop_pid "$CAIRND_PID"
printf 'garbage' >"$Z.ixfr"
start_cairnd "$TMP/cairnd.conf" "$PORT"
LOG=$TMP/cairnd.$PORT.log
check "a damaged journal is reported" grep -q "journal $Z.ixfr ignored: not a cairn journal" "$LOG"
R=$($XFR --port "$PORT" lab.test --type IXFR --serial 2024060103)
check "... and IXFR falls back to the whole zone ($R)" grep -Eq '^rcode=NOERROR .* records=[56][0-9] ' <<<"$R"
q www.lab.test A
check_rcode NOERROR
stop_pid "$CAIRND_PID"
finish
