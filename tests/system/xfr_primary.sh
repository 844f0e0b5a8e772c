#!/bin/bash
# xfr_primary: cairnd as a primary (RFC 5936 AXFR, RFC 1995 IXFR over UDP,
# RFC 8945 TSIG). Transfers are fetched with BIND's dig, Knot's kdig (both
# check every TSIG themselves) and xfr_client.py (which checks the MAC
# chain of RFC 8945 section 5.3.1 independently and counts messages):
#  - AXFR of the lab zone equals the zone file (named-compilezone's view);
#  - a generated zone of $XFR_BIG records (default 200000, > 64 KB; run it
#    by hand with XFR_BIG=1000000 for the million-record case) comes in
#    many messages, SOA first and last, every message signed, and equals
#    its file;
#  - provide-xfr: the address prefix and the key must both match; others
#    get REFUSED, logged once per client;
#  - hmac-sha256, hmac-sha512 and hmac-sha1 against dig -y and kdig -y;
#    BADKEY, BADSIG and BADTIME answered (NOTAUTH) and logged;
#  - AXFR over UDP: FORMERR; IXFR over UDP: the SOA only.
. "$top_srcdir/tests/system/lib.sh"
need dig kdig named-compilezone python3
XFR="python3 $SYSDIR/xfr_client.py"
BIG=${XFR_BIG:-200000}
S256=$(printf 'cairn-xfr-test-key-256-secret!!!' | base64 -w0)
S512=$(printf 'cairn-xfr-test-key-512-secret-with-more-bytes-in-it-for-sha512!!' | base64 -w0)
S1=$(printf 'cairn-xfr-sha1-key!!' | base64 -w0)

# a zone of $BIG records: SOA, NS, glue, then A records
awk -v n="$BIG" 'BEGIN {
	print "$ORIGIN big.test.\n$TTL 3600"
	print "@ SOA ns1 hostmaster 7 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1"
	for (i = 0; i < n - 3; i++)
		printf "h%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
}' >"$TMP/big.zone"

PORT=$(free_port)
cat >"$TMP/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$PORT
	threads: 2
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
key:
	name: k256
	algorithm: hmac-sha256
	secret: "$S256"
key:
	name: k512.keys.test.
	algorithm: hmac-sha512
	secret: "$S512"
key:
	name: k1
	algorithm: hmac-sha1
	secret: "$S1"
zone:
	name: lab.test
	file: $ZONEDIR/lab.test.zone
	provide-xfr: 127.0.0.2 NOKEY
	provide-xfr: 127.0.0.1/32 k256
	provide-xfr: 127.0.0.1 k512.keys.test
	provide-xfr: 127.0.0.1 k1
zone:
	name: big.test
	file: $TMP/big.zone
	provide-xfr: 127.0.0.0/8 k256
CONF
# start_cairnd waits 30 s; a sanitizer build loading XFR_BIG=1000000
# records needs longer (make check uses the default, 200000)
"$CAIRND" -d -c "$TMP/cairnd.conf" >"$TMP/cairnd.$PORT.log" 2>&1 &
CAIRND_PID=$!; PIDS+=("$CAIRND_PID"); LOGS+=("$TMP/cairnd.$PORT.log")
for i in $(seq 900); do
	grep -q 'cairnd .* started' "$TMP/cairnd.$PORT.log" && break
	kill -0 "$CAIRND_PID" 2>/dev/null || die "cairnd exited at start-up"
	sleep 0.2
done
wait_ready "$PORT" "$CAIRND_PID"
LOG=$TMP/cairnd.$PORT.log

check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass; else LAST_Q= fail "$what"; fi
}
# canon: the records of a zone in presentation form, one per line, blanks
# squeezed, lowercase, sorted, each once (AXFR repeats the SOA)
canon() { awk '!/^;/ && NF && $4 != "TSIG" {$1 = $1; print tolower($0)}' | sort -u; }
# axfr_dig ZONE [DIG-ARGS...]: the records dig receives
axfr_dig() {
	local z=$1
	shift
	dig @127.0.0.1 -p "$PORT" +nocookie +time=10 +tries=1 "$@" "$z" AXFR 2>&1
}

# ---- the lab zone equals its file
named-compilezone -q -i none -o "$TMP/lab.canon" lab.test "$ZONEDIR/lab.test.zone" ||
	die "named-compilezone cannot read the lab zone"
canon <"$TMP/lab.canon" >"$TMP/lab.want"
axfr_dig lab.test -b 127.0.0.2 >"$TMP/lab.out"
canon <"$TMP/lab.out" >"$TMP/lab.got"
check "AXFR lab.test (NOKEY) equals the zone file" cmp -s "$TMP/lab.want" "$TMP/lab.got"
check "AXFR lab.test: SOA first and last" \
	test "$(awk '!/^;/ && NF {print $4}' "$TMP/lab.out" | sed -n '1p;$p' | tr '\n' ' ')" = "SOA SOA "

# ---- every algorithm, checked by dig and kdig
# The TSIG errors (RFC 8945 §4.5) as words, case and all: a MAC in base64
# may hold "bad" and a letter ("BADj" failed a run)
export TSIG_ERRORS='BADSIG\|BADKEY\|BADTIME\|BADTRUNC'
for k in "hmac-sha256:k256:$S256" "hmac-sha512:k512.keys.test:$S512" "hmac-sha1:k1:$S1"; do
	axfr_dig lab.test -y "$k" >"$TMP/t.out"
	check "dig -y ${k%%:*}: verified transfer equal to the file" \
		cmp -s "$TMP/lab.want" <(canon <"$TMP/t.out")
	check "dig -y ${k%%:*}: no TSIG problem" \
		bash -c "! grep -qi 'verify failure\|failed\|expected a TSIG' '$TMP/t.out' &&
			 ! grep -qw \"\$TSIG_ERRORS\" '$TMP/t.out'"
	kdig @127.0.0.1 -p "$PORT" +time=10 -y "$k" lab.test AXFR >"$TMP/k.out" 2>&1
	check "kdig -y ${k%%:*}: transfer received" grep -q '^;; Received .* 56 records' "$TMP/k.out"
	check "kdig -y ${k%%:*}: no error" bash -c "! grep -q ';; ERROR\|;; WARNING' '$TMP/k.out' &&
		! grep -qw \"\$TSIG_ERRORS\" '$TMP/k.out'"
done

# ---- the big zone: many messages, all signed, equal to its file
R=$($XFR --port "$PORT" big.test --key "k256:hmac-sha256:$S256")
echo "big.test: $R"
check "big AXFR: NOERROR, every record, SOA first and last, MAC chain verified" \
	grep -Eq "^rcode=NOERROR tsig=NOERROR messages=[0-9]+ records=$((BIG + 1)) soa_first=7 soa_last=7 signed=[0-9]+\$" <<<"$R"
msgs=$(sed -n 's/.* messages=\([0-9]*\) .*/\1/p' <<<"$R")
signed=$(sed -n 's/.* signed=\([0-9]*\).*/\1/p' <<<"$R")
check "big AXFR: more than one message ($msgs), each signed ($signed)" \
	test "${msgs:-0}" -gt 1 -a "$msgs" = "$signed"
axfr_dig big.test -y "hmac-sha256:k256:$S256" | canon >"$TMP/big.got"
named-compilezone -q -i none -o "$TMP/big.canon" big.test "$TMP/big.zone" || die "named-compilezone: big.zone"
check "big AXFR by dig equals the file" cmp -s <(canon <"$TMP/big.canon") "$TMP/big.got"

# ---- access control: prefix and key must both match
R=$($XFR --port "$PORT" lab.test)
check "no key from 127.0.0.1: REFUSED ($R)" grep -q '^rcode=REFUSED .* records=0 ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --source 127.0.0.3)
R2=$($XFR --port "$PORT" lab.test --source 127.0.0.3)
check "127.0.0.3 (not listed): REFUSED ($R)" grep -q '^rcode=REFUSED .* records=0 ' <<<"$R$R2"
check "a refused client is logged once" \
	test "$(grep -c 'AXFR lab.test. from 127.0.0.3#[0-9]* refused' "$LOG")" = 1
R=$($XFR --port "$PORT" lab.test --source 127.0.0.2 --key "k256:hmac-sha256:$S256")
check "127.0.0.2 with a key it is not listed with: REFUSED ($R)" grep -q '^rcode=REFUSED ' <<<"$R"
R=$($XFR --port "$PORT" other.test)
check "a zone we do not serve: REFUSED ($R)" grep -q '^rcode=REFUSED ' <<<"$R"

# ---- TSIG errors (RFC 8945 section 5.2): NOTAUTH + error, logged
R=$($XFR --port "$PORT" lab.test --source 127.0.0.4 --key "nosuchkey:hmac-sha256:$S256")
check "unknown key: BADKEY ($R)" grep -q '^rcode=NOTAUTH tsig=BADKEY .* records=0 ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --source 127.0.0.4 --key "k256:hmac-sha512:$S256")
check "known key, other algorithm: BADKEY ($R)" grep -q '^rcode=NOTAUTH tsig=BADKEY ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --source 127.0.0.4 --key "k256:hmac-sha256:$S256" --bad-mac)
check "wrong MAC: BADSIG ($R)" grep -q '^rcode=NOTAUTH tsig=BADSIG .* records=0 ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --source 127.0.0.4 --key "k256:hmac-sha256:$S1")
check "wrong secret: BADSIG ($R)" grep -q '^rcode=NOTAUTH tsig=BADSIG ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --key "k256:hmac-sha256:$S256" --time-offset 3600)
check "clock an hour ahead: BADTIME, signed, MAC verified ($R)" \
	grep -q '^rcode=NOTAUTH tsig=BADTIME messages=1 records=0 .* signed=1$' <<<"$R"
R=$($XFR --port "$PORT" lab.test --key "k256:hmac-sha256:$S256" --time-offset -3600)
check "clock an hour behind: BADTIME ($R)" grep -q '^rcode=NOTAUTH tsig=BADTIME ' <<<"$R"
check "BADKEY logged" grep -q 'from 127.0.0.4#[0-9]* refused: unknown TSIG key (BADKEY)' "$LOG"
check "BADSIG logged" grep -q 'from 127.0.0.4#[0-9]* refused: wrong TSIG signature (BADSIG)' "$LOG"
check "BADTIME logged" grep -q 'from 127.0.0.1#[0-9]* refused: TSIG time outside' "$LOG"
axfr_dig lab.test -y "hmac-sha256:k256:$S1" >"$TMP/bad.out"
check "dig with a wrong secret gets no zone" bash -c "! grep -q 'IN	SOA' '$TMP/bad.out'"

# ---- UDP: AXFR is TCP only (RFC 5936 section 4.2); IXFR gets the SOA (RFC 1995 section 2)
R=$($XFR --port "$PORT" lab.test --source 127.0.0.2 --udp)
check "AXFR over UDP: FORMERR ($R)" grep -q '^rcode=FORMERR ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --source 127.0.0.2 --udp --type IXFR --serial 1)
check "IXFR over UDP: the SOA only ($R)" \
	grep -q '^rcode=NOERROR tsig=NOERROR messages=1 records=1 soa_first=2024060101 ' <<<"$R"
R=$($XFR --port "$PORT" lab.test --udp --type IXFR --serial 1 --key "k1:hmac-sha1:$S1")
check "IXFR over UDP, signed: the SOA only, signed ($R)" \
	grep -q '^rcode=NOERROR tsig=NOERROR messages=1 records=1 .* signed=1$' <<<"$R"
R=$($XFR --port "$PORT" lab.test --udp --type IXFR --serial 1)
check "IXFR over UDP from a refused client: REFUSED ($R)" grep -q '^rcode=REFUSED ' <<<"$R"

# ---- signed ordinary queries (a secondary's SOA check): signed answers
OUT=$(dig @127.0.0.1 -p "$PORT" +norec -y "hmac-sha256:k256:$S256" lab.test SOA 2>&1)
LAST_Q="dig -y k256 lab.test SOA"
check_rcode NOERROR
check_out 'k256\.[[:space:]]+0[[:space:]]+ANY[[:space:]]+TSIG[[:space:]]+hmac-sha256\. [0-9]+ 300 32 '
if grep -qi 'verify\|failure' <<<"$OUT"; then fail "dig could not verify the signed answer"; else pass; fi
OUT=$(dig @127.0.0.1 -p "$PORT" +norec -y "hmac-sha256:k256:$S1" lab.test SOA 2>&1)
LAST_Q="dig -y k256 (wrong secret) lab.test SOA"
check_out 'BADSIG'

# ---- ordinary queries still work after all this
q www.lab.test A
check_rcode NOERROR
stop_pid "$CAIRND_PID"
finish
