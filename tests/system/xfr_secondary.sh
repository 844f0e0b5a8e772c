#!/bin/bash
# xfr_secondary: cairnd as a secondary (primary:, allow-notify:).
#  - of another cairnd: the first copy by AXFR into a file that did not
#    exist, NOTIFY after a serial bump, then IXFR; the copies equal the
#    primary's zone; a restart serves the file at once (primary stopped);
#    cairn-control zone-status and transfer; a transfer is installed with
#    the configuration in use, not with a half-edited cairnd.conf;
#  - of xfr_evil_primary.py (SOA refresh/retry 1 s): a truncated transfer,
#    out-of-zone data, a broken IXFR difference, a wrong closing SOA, a
#    wrong TSIG MAC, a TSIG clock an hour off and a serial going backwards
#    each leave the old copy serving and say why (log and zone-status);
#    NOTIFY from an unknown address or with a wrong key is refused; when
#    the primary is gone past the SOA expire, the zone answers SERVFAIL.
. "$top_srcdir/tests/system/lib.sh"
need dig python3
XFR="python3 $SYSDIR/xfr_client.py"
CONTROL=$top_builddir/cairn-control
SECRET=$(printf 'cairn-secondary-test-key-sha256!' | base64 -w0)
BAD=$(printf 'a-wrong-secret-for-this-test-!!!' | base64 -w0)
KEY="key:
	name: k
	algorithm: hmac-sha256
	secret: \"$SECRET\""
PP=$(free_port); SP=$(free_port); EP=$(free_port)
cp "$ZONEDIR/lab.test.zone" "$TMP/primary.zone"
cat >"$TMP/primary.conf" <<CONF
server:
	listen: 127.0.0.1@$PP
	threads: 1
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
$KEY
zone:
	name: lab.test
	file: $TMP/primary.zone
	provide-xfr: 127.0.0.1 k
	notify: 127.0.0.1@$SP k
CONF
mkdir -p "$TMP/sec"
cat >"$TMP/secondary.conf" <<CONF
server:
	listen: 127.0.0.1@$SP
	threads: 2
	user: ""
	pidfile: ""
	control-socket: $TMP/sec/ctl
	log: stderr
	recursion: no
$KEY
zone:
	name: lab.test
	file: $TMP/sec/lab.test.zone
	primary: 127.0.0.1@$PP key k
	allow-notify: 127.0.0.1 k
	provide-xfr: 127.0.0.1 NOKEY
zone:
	name: test.evil
	file: $TMP/sec/test.evil.zone
	primary: 127.0.0.1@$EP k
	allow-notify: 127.0.0.1 k
CONF
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }
serial() { dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short "$2" SOA 2>/dev/null | awk '{print $3}'; }
wait_serial() { # PORT ZONE SERIAL: up to 20 s
	local i
	for i in $(seq 100); do
		[ "$(serial "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
status() { "$CONTROL" -s "$TMP/sec/ctl" zone-status "$1" 2>&1; }
wait_error() { # ZONE REGEX: until zone-status shows it as the last error
	local i
	for i in $(seq 100); do
		status "$1" | grep -Eq "^last error: .*$2" && return 0
		sleep 0.2
	done
	status "$1"
	return 1
}
canon() { awk '!/^;/ && NF && $4 != "TSIG" {$1 = $1; print tolower($0)}' | sort -u; }

# ---- cairnd secondary of cairnd
start_cairnd "$TMP/primary.conf" "$PP"
PRIMARY_PID=$CAIRND_PID
# the evil primary, good for now
echo good >"$TMP/mode"
echo 10 >"$TMP/mode.serial"
python3 "$SYSDIR/xfr_evil_primary.py" --port "$EP" --key "k:hmac-sha256:$SECRET" \
	--mode-file "$TMP/mode" >"$TMP/evil.log" 2>&1 &
PIDS+=("$!")
EVIL_PID=$!
LOGS+=("$TMP/evil.log")
for i in $(seq 50); do grep -q ready "$TMP/evil.log" && break; sleep 0.1; done
"$CAIRND" -d -c "$TMP/secondary.conf" >"$TMP/secondary.log" 2>&1 &
SEC_PID=$!
PIDS+=("$SEC_PID")
LOGS+=("$TMP/secondary.log")
SLOG=$TMP/secondary.log

check "the secondary fetched lab.test (serial 2024060101)" wait_serial "$SP" lab.test 2024060101
check "... by AXFR into its file" grep -q "zone lab.test: serial 2024060101 from 127.0.0.1@$PP by AXFR, written to $TMP/sec/lab.test.zone" "$SLOG"
check "the file holds the zone" grep -q 'SOA.*2024060101' "$TMP/sec/lab.test.zone"
dig @127.0.0.1 -p "$PP" -y "hmac-sha256:k:$SECRET" lab.test AXFR | canon >"$TMP/p.txt"
dig @127.0.0.1 -p "$SP" lab.test AXFR | canon >"$TMP/s.txt"
check "the secondary's copy equals the primary's zone" cmp -s "$TMP/p.txt" "$TMP/s.txt"
S=$(status lab.test)
check "zone-status: serial, serving, no error" \
	bash -c "grep -q '^serial: 2024060101' <<<'$S' && grep -q '^state: serving' <<<'$S' && grep -q '^last error: none' <<<'$S'"
check "zone-status shows next refresh and expiry" \
	bash -c "grep -q '^next refresh: 20' <<<'$S' && grep -q '^expires: 20' <<<'$S'"

sed -i 's/2024060101/2024060102/; s/192\.0\.2\.102/192.0.2.103/' "$TMP/primary.zone"
echo 'fromsec TXT "notify then ixfr"' >>"$TMP/primary.zone"
kill -HUP "$PRIMARY_PID"
check "after NOTIFY the secondary has serial 2024060102" wait_serial "$SP" lab.test 2024060102
check "... by IXFR" grep -q "zone lab.test: serial 2024060102 from 127.0.0.1@$PP by IXFR" "$SLOG"
check "the NOTIFY was accepted" grep -q "NOTIFY lab.test. from 127.0.0.1#[0-9]* TSIG k" "$SLOG"
dig @127.0.0.1 -p "$PP" -y "hmac-sha256:k:$SECRET" lab.test AXFR | canon >"$TMP/p.txt"
dig @127.0.0.1 -p "$SP" lab.test AXFR | canon >"$TMP/s.txt"
check "after IXFR the copies are equal" cmp -s "$TMP/p.txt" "$TMP/s.txt"

R=$($XFR --port "$SP" lab.test --type NOTIFY --source 127.0.0.9)
check "NOTIFY from an unknown address: REFUSED ($R)" grep -q '^rcode=REFUSED ' <<<"$R"
check "... and logged" grep -q 'NOTIFY lab.test. from 127.0.0.9#[0-9]* refused' "$SLOG"
R=$($XFR --port "$SP" lab.test --type NOTIFY --key "k:hmac-sha256:$BAD")
check "NOTIFY with a wrong key: BADSIG ($R)" grep -q '^rcode=NOTAUTH tsig=BADSIG ' <<<"$R"
R=$($XFR --port "$SP" lab.test --type NOTIFY --key "k:hmac-sha256:$SECRET")
check "NOTIFY signed right: NOERROR ($R)" grep -q '^rcode=NOERROR tsig=NOERROR .* signed=1' <<<"$R"

# ---- the evil primary
check "test.evil fetched (serial 10)" wait_serial "$SP" test.evil 10
spoil() { # MODE SERIAL REGEX: a broken transfer keeps serial 10... serving
	echo "$1" >"$TMP/mode"
	echo "$2" >"$TMP/mode.serial"
	"$CONTROL" -s "$TMP/sec/ctl" transfer test.evil >/dev/null
	check "$1: the reason is reported" wait_error test.evil "$3"
	check "$1: the old copy still serves" test "$(serial "$SP" test.evil)" = "$4"
	check "$1: logged" grep -Eq "zone test.evil: .*$3" "$SLOG"
}
spoil truncate 11 'the connection ended before the transfer did' 10
spoil outofzone 11 'out-of-zone record www.elsewhere.test.' 10
spoil nosoa-end 11 'the closing SOA has serial 16, the opening 11' 10
spoil badmac 11 'wrong TSIG signature' 10
spoil badtime 11 'TSIG time outside the fudge window' 10
spoil good 9 'serial went backwards \(ours 10, primary 9\)' 10
# a difference that deletes what we do not have (IXFR against our 10)
spoil badixfr 11 'broken IXFR: deletes a record we do not have' 10
check "no temporary file left behind by a refused zone" \
	bash -c "! ls '$TMP/sec/' | grep -q 'test.evil.zone.xfr-tmp' || ! grep -q elsewhere '$TMP/sec/test.evil.zone.xfr-tmp' 2>/dev/null"
check "the file still holds serial 10" grep -q 'SOA.* 10 1 1 20 60' "$TMP/sec/test.evil.zone"
# an edit of the configuration in progress (broken for now) is not read
# by the reload that installs a transfer
cp "$TMP/secondary.conf" "$TMP/secondary.conf.good"
echo "	no-such-key: 1" >>"$TMP/secondary.conf"
echo good >"$TMP/mode"
echo 12 >"$TMP/mode.serial"
echo 2 >"$TMP/mode.expire"
"$CONTROL" -s "$TMP/sec/ctl" transfer test.evil >/dev/null
check "good again: serial 12" wait_serial "$SP" test.evil 12
check "the last error is cleared" wait_error test.evil none
check "installed with the configuration in use, not the file being edited" \
	bash -c "grep -q 'reloading the zones (configuration as last loaded)' '$SLOG' &&
		! grep -q 'no-such-key' '$SLOG'"
mv "$TMP/secondary.conf.good" "$TMP/secondary.conf"

# ---- expiry: the primary goes away; expire is 2 s now
kill "$EVIL_PID"
for i in $(seq 60); do
	OUT=$(dig @127.0.0.1 -p "$SP" +norec +time=1 +tries=1 test.evil SOA 2>&1)
	[ "$(get_rcode)" = SERVFAIL ] && break
	sleep 0.2
done
LAST_Q="dig test.evil SOA (after expire)"
check_rcode SERVFAIL
check "expiry is logged" grep -q 'zone test.evil: expired' "$SLOG"
check "zone-status says expired" bash -c "'$CONTROL' -s '$TMP/sec/ctl' zone-status test.evil | grep -q '^state: expired'"
q() { OUT=$(dig @127.0.0.1 -p "$SP" +norec +time=2 +tries=1 "$@" 2>&1); LAST_Q="dig $*"; }
q www.lab.test A
check_rcode NOERROR   # the other zone is not affected

# ---- a restart serves the file at once, even with the primary stopped
stop_pid "$PRIMARY_PID"
stop_pid "$SEC_PID"
"$CAIRND" -d -c "$TMP/secondary.conf" >"$TMP/secondary2.log" 2>&1 &
SEC_PID=$!
PIDS+=("$SEC_PID")
LOGS+=("$TMP/secondary2.log")
check "after a restart, serial 2024060102 from the file" wait_serial "$SP" lab.test 2024060102
q fromsec.lab.test TXT
check_rcode NOERROR
check "the restart logged no transfer for it" \
	bash -c "! grep -q 'zone lab.test: serial .* by' '$TMP/secondary2.log'"
stop_pid "$SEC_PID"
finish
