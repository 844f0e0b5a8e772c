#!/bin/bash
# cdig exit codes (dig's): 0 answer received (any rcode), 1 usage error,
# 8 batch file unreadable, 9 no reply, 10 internal error (here: no usable
# server address). Invalid input gets a message on stderr, never a crash.
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"
need nsd dig

PORT=$(free_port)
[ -n "$PORT" ] || die "no free port"
start_nsd "$T/nsd" 127.0.0.1 "$PORT" "cdig.test:$DATA/cdig.test.zone"
# (+time=3: an answer may take a while on a loaded machine; the timeouts
# themselves are checked below against a silent server)
C=("$CDIG" @127.0.0.1 -p "$PORT" +time=3 +tries=1)
CPORT=$(free_port)
[ -n "$CPORT" ] || die "no free port"
CAIRND_EXTRA=("recursion: no")
start_cairnd "$T/cairnd" 127.0.0.1 "$CPORT" "cdig.test:$DATA/cdig.test.zone"
CC=("$CDIG" @127.0.0.1 -p "$CPORT" +time=3 +tries=1)

# expect CODE STDERR-REGEX args...: exit code, and a message on stderr
# matching the pattern (empty pattern: stderr must be empty).
expect() {
	local want=$1 pat=$2 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "exit $rc (want $want): ${*:2}"
		sed 's/^/#   /' "$T/err" "$T/out" | head -5
		return
	fi
	if [ -z "$pat" ]; then
		[ ! -s "$T/err" ] && ok "exit $want, quiet stderr: ${*:2}" ||
			{ bad "unexpected stderr: ${*:2}"; cat "$T/err"; }
	elif grep -Eq -- "$pat" "$T/err"; then
		ok "exit $want and '$pat': ${*:2}"
	else
		bad "stderr lacks '$pat': ${*:2}"
		cat "$T/err"
	fi
}

# 0: an answer, whatever its rcode
expect 0 "" "${C[@]}" www.cdig.test
expect 0 "" "${C[@]}" nx.cdig.test
expect 0 "" "${C[@]}" version.bind CH TXT     # REFUSED is an answer too
expect 0 "" "${C[@]}" +short www.cdig.test
expect 0 "" "${CC[@]}" www.cdig.test           # the same against cairnd
expect 0 "" "${CC[@]}" nx.cdig.test
expect 0 "" "${CC[@]}" www.example.org        # outside its zones: REFUSED
grep -q 'status: REFUSED' "$T/out" && ok "cairnd: REFUSED, exit 0" || bad "cairnd: no REFUSED answer"
expect 0 "" "${CC[@]}" +tcp +short www.cdig.test
expect 0 "" "$CDIG" -h
grep -q '+trace' "$T/out" && ok "-h lists +trace" || bad "-h output"

# 1: usage errors and invalid input
expect 1 '^Invalid option: \+foo' "${C[@]}" +foo www.cdig.test
expect 1 '^Invalid option: -z' "${C[@]}" -z www.cdig.test
expect 1 "invalid type 'BOGUS'" "${C[@]}" -t BOGUS www.cdig.test
expect 1 "invalid class 'NOPE'" "${C[@]}" -c NOPE www.cdig.test
expect 1 "'1.2.3.999' is not a legal IPv4 or IPv6 address" "${C[@]}" -x 1.2.3.999
expect 1 "'2001:db8::zz' is not a legal IPv4 or IPv6 address" "${C[@]}" -x 2001:db8::zz
expect 10 "is not a legal name \(ran out of space\)" "${C[@]}" \
	"$(printf 'abcdefghij.%.0s' {1..25})test"
expect 10 "is not a legal name \(label too long\)" "${C[@]}" \
	"$(printf 'a%.0s' {1..64}).test"
expect 10 "'a..b' is not a legal name \(empty label\)" "${C[@]}" a..b
expect 1 "Couldn't parse port number" "$CDIG" -p 70000 www.cdig.test
expect 10 "Couldn't parse timeout" "${C[@]}" +time=soon www.cdig.test
expect 10 "Couldn't parse buffer size" "${C[@]}" +bufsize=65536 www.cdig.test
expect 1 "Missing argument for: -t" "${C[@]}" www.cdig.test -t
expect 1 "Invalid option: \+short=3" "${C[@]}" +short=3 www.cdig.test

# the same exit status as dig for the same mistakes (dig: fatal() is 10,
# a usage error 1)
same_rc() {
	local rd rc
	dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 "$@" >/dev/null 2>&1
	rd=$?
	"${C[@]}" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$rd" ]; then
		ok "exit $rc as dig: $*"
	else
		bad "exit $rc, dig exits $rd: $*"
		head -3 "$T/err"
	fi
}
same_rc +qid=70000 www.cdig.test
same_rc +edns=300 www.cdig.test
same_rc +opcode=99 www.cdig.test
same_rc +padding=1000 www.cdig.test
same_rc +ndots=x www.cdig.test
same_rc +timeout=x www.cdig.test
same_rc +tries=x www.cdig.test
same_rc +retry=x www.cdig.test
same_rc +ednsopt= www.cdig.test
same_rc +ednsopt=zzz www.cdig.test
same_rc +subnet=300.0.0.0/8 www.cdig.test
same_rc +cookie=zz www.cdig.test
same_rc -b 300.1.1.1 www.cdig.test
same_rc -y foo www.cdig.test
same_rc -p 70000 www.cdig.test
same_rc +sigchase www.cdig.test
same_rc +topdown www.cdig.test
same_rc +trusted-key=x www.cdig.test
same_rc +split=5 www.cdig.test
same_rc +dscp=10 www.cdig.test
same_rc -m -u www.cdig.test
same_rc +nobesteffort +nofuzztime +nohttps +nodns64prefix www.cdig.test
same_rc a..b
same_rc "$(printf 'a%.0s' {1..64}).test"
expect 0 "split must be a multiple of 4; adjusting to 8" "${C[@]}" +split=5 www.cdig.test
expect 0 "sigchase option is deprecated" "${C[@]}" +sigchase www.cdig.test

# unsupported options: a clear message and exit 1 (dig's usage-error
# status), never a silent difference (cdig(1) lists them)
for o in +besteffort +dns64prefix +fuzztime +https +https-get +https-post \
	+http-plain +http-plain-get +http-plain-post; do
	expect 1 "^cdig: \\${o%%=*} is not supported by cdig \\(" "${C[@]}" "$o" www.cdig.test
done

# deliberately stricter than dig (cdig(1)): dig warns and queries A/IN or
# a malformed name; cdig refuses
expect 1 "invalid type 'BOGUS'" "${C[@]}" -t BOGUS www.cdig.test
expect 1 "a cookie is 8 bytes" "${C[@]}" +cookie=0102 www.cdig.test
expect 1 "could not read key from $T/nokey" "${C[@]}" -k "$T/nokey" www.cdig.test
expect 1 "couldn't find key algorithm 'hmac-foo'" "${C[@]}" -y hmac-foo:k:YWJj www.cdig.test

# -v and -6 as dig: the version and exit 0; no IPv6 address for an IPv4
# server
expect 0 "" "$CDIG" -v
grep -q '^cdig ' "$T/out" && ok "-v prints the version" || bad "-v output"
# -6 with an IPv4 server: dig says so and exits 0; cdig exits 1 (cdig(1))
expect 1 "No acceptable nameservers" "${C[@]}" -6 www.cdig.test

# 8: batch file unreadable
expect 8 "couldn't open specified batch file" "${C[@]}" -f "$T/no-such-file"

# 9: no reply (UDP and TCP to a port where nothing listens; and silence)
DEAD=$(free_port)
expect 9 "" "$CDIG" @127.0.0.1 -p "$DEAD" +time=1 +tries=1 www.cdig.test
grep -q "^;; communications error to 127.0.0.1#$DEAD: connection refused" "$T/out" &&
	grep -q '^;; no servers could be reached' "$T/out" &&
	ok "dig's messages for a refused UDP query" || bad "messages for refused UDP query"
expect 9 "" "$CDIG" @127.0.0.1 -p "$DEAD" +time=1 +tries=1 +tcp www.cdig.test
grep -q "^;; Connection to 127.0.0.1#$DEAD(127.0.0.1) for www.cdig.test failed: connection refused." "$T/out" &&
	ok "dig's message for a refused TCP connection" || bad "message for refused TCP connection"
SILENT=$(free_port)
python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $SILENT))
open('$T/silent.ready', 'w').close()
time.sleep(60)" &
PIDS+=($!)
# wait until the silent server holds its port (a loaded machine may be slow)
for _ in $(seq 300); do [ -e "$T/silent.ready" ] && break; sleep 0.1; done
[ -e "$T/silent.ready" ] || bad "silent UDP server did not start"
start=$(date +%s%N)
expect 9 "" "$CDIG" @127.0.0.1 -p "$SILENT" +time=1 +tries=2 www.cdig.test
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(grep -c "^;; communications error to 127.0.0.1#$SILENT: timed out" "$T/out")" = 2 ] &&
	ok "two timed-out tries reported" || bad "timeout messages"
[ "$ms" -ge 1900 ] && [ "$ms" -lt 6000 ] && ok "+time=1 +tries=2 took ${ms} ms" ||
	bad "+time=1 +tries=2 took ${ms} ms"

# same_streams ARGS...: dig and cdig give the same exit status, the same
# standard output and the same standard error (each normalised: query
# IDs, times, the program's name and version)
nstream() {
	sed -E -e 's/^; <<>> (DiG [^ ]+|cdig [^ ]+) <<>>/; <<>> VERSION <<>>/' \
		-e 's/id: [0-9]+/id: ID/' -e '/^;; (WHEN|Query time):/d' \
		-e 's/^(;? *)COOKIE: [0-9a-f]+/\1COOKIE: HEX/' -e 's/^c?dig: /DIG: /' "$1"
}
same_streams() {
	local rd rc
	dig "$@" >"$T/dig.out" 2>"$T/dig.err"
	rd=$?
	"$CDIG" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$rd" ]; then
		bad "exit $rc, dig exits $rd: $*"
		head -5 "$T/out" "$T/err"
	elif ! diff -u <(nstream "$T/dig.out") <(nstream "$T/out") >"$T/diff"; then
		bad "stdout differs from dig's: $*"
		head -30 "$T/diff"
	elif ! diff -u <(nstream "$T/dig.err") <(nstream "$T/err") >"$T/diff"; then
		bad "stderr differs from dig's: $*"
		head -30 "$T/diff"
	else
		ok "exit $rc, stdout and stderr as dig's: $*"
	fi
}
# +short: dig 9.18 prints its warnings (communications error) and errors
# (no servers could be reached) on standard output, nothing on standard
# error, for a refused query, a silent server and a refused connection
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 +short www.cdig.test
grep -q '^;; no servers could be reached' "$T/out" && [ ! -s "$T/err" ] &&
	ok "+short: 'no servers could be reached' on stdout only" ||
	bad "+short: stdout/stderr for an unreachable server"
same_streams @127.0.0.1 -p "$SILENT" +time=1 +tries=1 +short www.cdig.test
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 +tcp +short www.cdig.test
same_streams +short @127.0.0.1 -p "$DEAD" +time=1 +tries=2 www.cdig.test
# +short given after the name: dig's banner, made when it read the name,
# comes with the error; +yaml: one DIG_ERROR document, no warnings; a
# refused TCP connection: no banner
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 www.cdig.test +short
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 +yaml www.cdig.test
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 +tcp www.cdig.test
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 cdig.test AXFR
same_streams @127.0.0.1 -p "$DEAD" +time=1 +tries=1 cdig.test AXFR +yaml

# several lookups: dig exits with the status of the LAST one (an answer
# resets it to 0, no reply sets 9), whatever the earlier ones gave; a bad
# name ends the run with 10 after the lookups before it. -p is one port
# for the whole run (the last one given). 127.0.0.2 refuses.
M=(-p "$PORT" +time=1 +tries=1)
same_streams "${M[@]}" @127.0.0.2 www.cdig.test www.cdig.test +short
same_streams "${M[@]}" www.cdig.test @127.0.0.2 www.cdig.test @127.0.0.1
same_streams "${M[@]}" www.cdig.test @127.0.0.2 www.cdig.test @127.0.0.1 +short
same_streams "${M[@]}" www.cdig.test @127.0.0.1 www.cdig.test @127.0.0.2 +short
same_streams "${M[@]}" www.cdig.test @127.0.0.2 www.cdig.test @127.0.0.1 \
	www.cdig.test @127.0.0.2 +short
same_streams "${M[@]}" @127.0.0.1 www.cdig.test a..b +short
same_streams "${M[@]}" @127.0.0.1 a..b www.cdig.test +short
same_streams -p "$DEAD" @127.0.0.1 www.cdig.test -p "$PORT" +short +time=1
same_streams "${M[@]}" @127.0.0.2 cdig.test AXFR www.cdig.test @127.0.0.1 +short
# several @server words: before the first name they are every lookup's
# list, tried in turn; after a name, appended to that lookup's list only
# (so the second lookup here asks 127.0.0.2 alone and fails)
same_streams "${M[@]}" @127.0.0.2 @127.0.0.1 www.cdig.test +nostats
same_streams "${M[@]}" @127.0.0.2 www.cdig.test @127.0.0.1 www.cdig.test +short
same_streams "${M[@]}" @127.0.0.1 www.cdig.test @127.0.0.2 www.cdig.test +short
same_streams "${M[@]}" @127.0.0.2 www.cdig.test @127.0.0.1 ns1.cdig.test +nostats
# a batch file's @server is appended to the global list too; a line's
# options are its own
printf '@127.0.0.1 www.cdig.test +short\nwww.cdig.test +short\n' >"$T/batch"
same_streams "${M[@]}" @127.0.0.2 -f "$T/batch"

# -4 with an IPv6 server: dig's message and status
expect 1 "couldn't get address for '::1': address family not supported" "$CDIG" -4 @::1 www.cdig.test

finish
