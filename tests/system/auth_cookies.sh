#!/bin/bash
# auth_cookies: DNS cookies (RFC 7873, server cookies as RFC 9018) with
# BIND's dig and with cdig: a server cookie for every client cookie, a
# returned valid one is accepted and renewed, a wrong one is treated as
# client-cookie-only; FORMERR for a COOKIE option of a bad length
# (RFC 7873 section 5.2.2); with cookie-required: yes, BADCOOKIE over UDP
# without a valid server cookie (dig and cdig resend and get the answer),
# TCP always answered; answer-cookie: no leaves cookies out; cookie-secret
# shared by two servers; statistics.
. "$top_srcdir/tests/system/lib.sh"
need dig python3

CDIG=$top_builddir/cdig

stat() { ctl_stat "$SOCK" "$1"; }
# check_ge WHAT GOT MIN
check_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then pass; else LAST_Q= fail "$1: $2, expected at least $3"; fi
}
# the COOKIE dig printed ("; COOKIE: HEX (good)"): its hex
cookie_of() { sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p' <<<"$OUT" | head -n 1; }
# raw_cookie LEN: a query www.lab.test/A with a COOKIE option of LEN bytes, in hex
raw_cookie() {
	python3 -c '
import struct, sys
sys.path.insert(0, sys.argv[2])
import dnsraw
n = int(sys.argv[1])
opt = dnsraw.opt_rr(0, 1232, struct.pack("!HH", 10, n) + bytes(range(1, n + 1)))
p = dnsraw.build("www.lab.test", "A", qid=4242)
print((p[:10] + struct.pack("!H", 1) + p[12:] + opt).hex())' "$1" "$SYSDIR"
}

PORT=$(free_port)
SOCK=$TMP/c1.ctl
write_lab_conf "$TMP/c1.conf" "$PORT" "control-socket: $SOCK"
start_cairnd "$TMP/c1.conf" "$PORT"

echo "== a server cookie for a client cookie (dig)"
q www.lab.test A +cookie
check_rcode NOERROR
check_count ANSWER 1
# client cookie (8 bytes) + version 1, reserved 0, timestamp, hash (16 bytes)
check_out '^; COOKIE: [0-9a-f]{16}01000000[0-9a-f]{24} \(good\)$'
C1=$(cookie_of)

echo "== the returned cookie is valid, and renewed"
q www.lab.test A +cookie="$C1"
check_rcode NOERROR
check_count ANSWER 1
check_out "^; COOKIE: ${C1:0:16}01000000[0-9a-f]{24} \(good\)$"
check_ge "cookies.valid" "$(stat cookies.valid)" 1
check_ge "cookies.client_only" "$(stat cookies.client_only)" 1

echo "== a wrong server cookie is as a client cookie alone (RFC 7873 5.2.4)"
q www.lab.test A +cookie="${C1:0:16}0100000000000000aaaaaaaaaaaaaaaa"
check_rcode NOERROR
check_count ANSWER 1
check_out "^; COOKIE: ${C1:0:16}01000000[0-9a-f]{24} \(good\)$"
check_not_out "^; COOKIE: .*aaaaaaaaaaaaaaaa"
check_ge "cookies.invalid" "$(stat cookies.invalid)" 1
# another client's cookie is not valid for this client cookie
q www.lab.test A +cookie="0102030405060708${C1:16}"
check_rcode NOERROR
check_out '^; COOKIE: 0102030405060708'
BEFORE=$(stat cookies.valid)
q www.lab.test A +cookie="$C1"
check_out "^; COOKIE: ${C1:0:16}"
[ "$(stat cookies.valid)" = "$((BEFORE + 1))" ] && pass || LAST_Q= fail "cookies.valid did not count the valid cookie"

echo "== IPv6: the client's 16-byte address in the hash (RFC 9018 4.4)"
if need_ipv6 "cookies over IPv6"; then
	SERVER=::1
	q www.lab.test A +cookie
	C6=$(cookie_of)
	BEFORE=$(stat cookies.valid)
	q www.lab.test A +cookie="$C6"
	check_rcode NOERROR
	check_out "^; COOKIE: ${C6:0:16}01000000[0-9a-f]{24} \(good\)$"
	[ "$(stat cookies.valid)" = "$((BEFORE + 1))" ] && pass ||
		LAST_Q= fail "the IPv6 cookie was not valid"
	# the same cookie from 127.0.0.1 is not valid
	SERVER=127.0.0.1
	BEFORE=$(stat cookies.valid)
	q www.lab.test A +cookie="$C6"
	check_rcode NOERROR
	[ "$(stat cookies.valid)" = "$BEFORE" ] && pass ||
		LAST_Q= fail "an IPv6 client's cookie was valid from 127.0.0.1"
fi
SERVER=127.0.0.1

echo "== cdig +cookie"
OUT=$("$CDIG" @127.0.0.1 -p "$PORT" +norec +cookie www.lab.test A 2>&1)
LAST_Q="cdig +cookie www.lab.test"
check_out 'status: NOERROR'
check_out '^; COOKIE: [0-9a-f]{16}01000000[0-9a-f]{24} \(good\)$'
OUT=$("$CDIG" @127.0.0.1 -p "$PORT" +norec +cookie="$C1" www.lab.test A 2>&1)
LAST_Q="cdig +cookie=$C1 www.lab.test"
check_out "^; COOKIE: ${C1:0:16}01000000[0-9a-f]{24} \(good\)$"

echo "== malformed COOKIE lengths: FORMERR (RFC 7873 5.2.2)"
for n in 0 7 9 15 41; do
	OUT=$($DNSRAW send --port "$PORT" "$(raw_cookie $n)" 2>&1)
	LAST_Q="dnsraw send: COOKIE of $n bytes"
	check_out '^rcode=FORMERR '
done
for n in 8 16 40; do
	OUT=$($DNSRAW send --port "$PORT" "$(raw_cookie $n)" 2>&1)
	LAST_Q="dnsraw send: COOKIE of $n bytes"
	check_out '^rcode=NOERROR '
done

echo "== no COOKIE option: no cookie in the answer (RFC 7873 5.2.1)"
q www.lab.test A +nocookie
check_rcode NOERROR
check_not_out 'COOKIE'

echo "== cookie-required: yes"
PORT2=$(free_port)
SOCK2=$TMP/c2.ctl
write_lab_conf "$TMP/c2.conf" "$PORT2" "control-socket: $SOCK2" "cookie-required: yes"
start_cairnd "$TMP/c2.conf" "$PORT2"
PORT1=$PORT
PORT=$PORT2
SOCK=$SOCK2
q www.lab.test A +cookie +nobadcookie
check_rcode BADCOOKIE
check_count ANSWER 0
check_out '^; COOKIE: [0-9a-f]{16}01000000[0-9a-f]{24} \(good\)$'
C2=$(cookie_of)
q www.lab.test A +cookie="${C2:0:16}0100000000000000aaaaaaaaaaaaaaaa" +nobadcookie
check_rcode BADCOOKIE
check_count ANSWER 0
# with the server cookie it just gave: answered
q www.lab.test A +cookie="$C2"
check_rcode NOERROR
check_count ANSWER 1
# dig resends with the new cookie on BADCOOKIE by itself
q www.lab.test A +cookie +badcookie
check_rcode NOERROR
check_count ANSWER 1
check_out 'BADCOOKIE, retrying'
# TCP: always answered (RFC 7873 5.2.3)
TRANSPORT=+tcp
q www.lab.test A +cookie
check_rcode NOERROR
check_count ANSWER 1
TRANSPORT=+notcp
# no COOKIE option at all: answered as a server without cookies would
q www.lab.test A +nocookie
check_rcode NOERROR
check_count ANSWER 1
# cdig resends on BADCOOKIE too (+badcookie is its default)
OUT=$("$CDIG" @127.0.0.1 -p "$PORT" +norec +cookie www.lab.test A 2>&1)
LAST_Q="cdig +cookie www.lab.test (cookie-required)"
check_out 'status: NOERROR'
check_out 'www\.lab\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
check_ge "cookies.badcookie" "$(stat cookies.badcookie)" 3
# BADCOOKIE answers go to spoofed sources too: they are rate limited as
# errors (rrl-ratelimit 200 a second by default)
FL=$(python3 "$SYSDIR/flood.py" --port "$PORT" --count 600 --rate 2000 --cookie 0102030405060708 \
	www.lab.test A)
echo "  flood of client cookies: $FL"
grep -Eq ' tc=[1-9][0-9]* .* none=[1-9]' <<<"$FL" && pass ||
	LAST_Q= fail "BADCOOKIE answers were not rate limited: $FL"
check_ge "rrl.dropped" "$(stat rrl.dropped)" 1
check_metric "$SOCK" cairn_badcookie_sent_total
check_metric "$SOCK" cairn_cookies_valid_total

echo "== answer-cookie: no"
PORT3=$(free_port)
write_lab_conf "$TMP/c3.conf" "$PORT3" 'control-socket: ""' "answer-cookie: no"
start_cairnd "$TMP/c3.conf" "$PORT3"
PORT=$PORT3
q www.lab.test A +cookie
check_rcode NOERROR
check_count ANSWER 1
check_not_out '^; COOKIE:'

echo "== cookie-secret: two servers of an anycast set accept each other's cookies"
SECRET=00112233445566778899aabbccddeeff
PORT4=$(free_port)
PORT5=$(free_port)
write_lab_conf "$TMP/c4.conf" "$PORT4" 'control-socket: ""' "cookie-secret: $SECRET"
write_lab_conf "$TMP/c5.conf" "$PORT5" "control-socket: $TMP/c5.ctl" \
	"cookie-secret: ffeeddccbbaa99887766554433221100" "cookie-secret: $SECRET"
start_cairnd "$TMP/c4.conf" "$PORT4"
start_cairnd "$TMP/c5.conf" "$PORT5"
PORT=$PORT4
q www.lab.test A +cookie
C4=$(cookie_of)
# the second server verifies with its previous secret, the first's current
PORT=$PORT5
SOCK=$TMP/c5.ctl
BEFORE=$(stat cookies.valid)
q www.lab.test A +cookie="$C4"
check_rcode NOERROR
[ "$(stat cookies.valid)" = "$((BEFORE + 1))" ] && pass ||
	LAST_Q= fail "a cookie of the other server (same secret) was not valid"
# and makes its own with its current secret, which the first does not know
C5=$(cookie_of)
[ "${C5:32}" != "" ] && [ "$C5" != "$C4" ] && pass || LAST_Q= fail "no fresh cookie: '$C5'"
PORT=$PORT1
finish
