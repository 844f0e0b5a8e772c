#!/bin/bash
# The local caching daemon's features of issue 11, against the lab:
# log-servfail (one info line per SERVFAIL with the question, the reason
# and the resolution's events); cairn-control explain (text, --json,
# --no-cache); cache-file (written at stop, read at start: zero upstream
# queries after a restart; damaged files reported with file:line) and
# cairn-control dump-cache / load-cache.
. "$top_srcdir/tests/system/resolver_lib.sh"
L=$top_srcdir/zones/lab
cp "$L"/*.zone "$L/root.hints" "$T/"
start_lab "$T" || die "the lab did not start"
# dead.example.net is delegated to a server that does not exist
printf 'dead NS ns.dead\nns.dead A 127.66.0.1\nshort 2 A 127.4.0.99\n' >>"$T/example.net.zone"
kill "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null
auth auth-exnet2 127.4.0.1 -- example.net="$T/example.net.zone" 127.in-addr.arpa="$T/127.in-addr.arpa.zone"
EXNET_PID=${PIDS[-1]}
wait_dns 127.4.0.1 example.net SOA || die "example.net server did not restart"
COMMON=("root-hints: $T/root.hints" "query-loopback: yes" "resolve-timeout: 3" "upstream-timeout: 300")
Q() { dig @"$1" +time=8 +tries=1 "${@:2}"; }
status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$1"; }

# ---- log-servfail ----
resolver res 127.0.0.1 "${COMMON[@]}" "log-servfail: yes"
Q 127.0.0.1 www.dead.example.net A >"$T/sf1"
check "log-servfail: SERVFAIL for a dead delegation" test "$(status "$T/sf1")" = SERVFAIL
check "log-servfail: one line with the question and the reason" \
	wait_file "$T/res.log" 'info\] servfail www\.dead\.example\.net\. A: [a-z].* after [0-9]+ ms; events: .*delegation.*send 127\.66\.0\.1 .*(timeout|network-error) 127\.66\.0\.1.*fail \(no'
check "log-servfail: exactly one line for one SERVFAIL" \
	test "$(grep -c 'servfail www\.dead\.example\.net\. A' "$T/res.log")" = 1
Q 127.0.0.1 www.example.com A >"$T/ok1"
check "log-servfail: an answer logs nothing" test "$(grep -c 'servfail' "$T/res.log")" = 1

# ---- explain ----
CTL() { "$CONTROL" -s "$T/res.ctl" "$@"; }
CTL explain www.example.com A >"$T/ex1" 2>&1
check "explain: ok" test $? = 0
check "explain: the question" grep -q '^question: www.example.com A$' "$T/ex1"
check "explain: a cached answer says cache" grep -Eq '^ +[0-9]+ ms cache +www\.shop\.net\. A NOERROR' "$T/ex1"
check "explain: the result" grep -q '^result: NOERROR$' "$T/ex1"
check "explain: the answer records" grep -Eq '^www\.shop\.net\. [0-9]+ IN A 127\.5\.0\.80$' "$T/ex1"
CTL explain --no-cache www.example.com A >"$T/ex2" 2>&1
check "explain --no-cache: from the root hints" grep -Eq 'delegation +\. \(root hints, no cache\)' "$T/ex2"
check "explain --no-cache: each server asked, with its smoothed RTT" \
	grep -Eq 'send +127\.1\.0\.[12] com\. A \(srtt [0-9]+ ms\)' "$T/ex2"
check "explain --no-cache: each reply with rcode, RTT, size and flags" \
	grep -Eq 'reply +127\.3\.0\.[12] NOERROR [0-9]+ ms [0-9]+ bytes flags qr,aa' "$T/ex2"
check "explain --no-cache: the referral" grep -Eq 'referral +127\.2\.0\.[12] example\.com\.' "$T/ex2"
check "explain --no-cache: the CNAME hop" grep -Eq 'cname +127\.3\.0\.[12] www\.shop\.net\.' "$T/ex2"
check "explain --no-cache: the answer" grep -q '^result: NOERROR$' "$T/ex2"
CTL explain --json www.dead.example.net >"$T/ex3" 2>&1
sed 1d "$T/ex3" >"$T/ex3.json"
check "explain --json: valid JSON" jq -e . "$T/ex3.json"
check "explain --json: SERVFAIL with its EDE" \
	jq -e '.rcode == "SERVFAIL" and .ede.code == 23 and .type == "A"' "$T/ex3.json"
check "explain --json: the failing server's events" \
	jq -e '[.events[] | select(.server == "127.66.0.1")] | length >= 2' "$T/ex3.json"
check "explain --json: the last event is the failure" jq -e '.events[-1].event == "fail"' "$T/ex3.json"
CTL explain www.example.com BOGUSTYPE >"$T/ex4" 2>&1
check "explain: a bad type is an error" grep -q "bad or unsupported type 'BOGUSTYPE'" "$T/ex4"

# ---- cache-file: written at stop, read at start ----
stop_res() { # NAME PID: SIGTERM, wait for the exit
	kill -TERM "$2"
	local n=300
	while kill -0 "$2" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	! kill -0 "$2" 2>/dev/null
}
RES_THREADS=1 resolver res2 127.0.0.2 "${COMMON[@]}" "cache-file: $T/cache.txt"
check "cache-file: a missing file is a warning" grep -q "warning\] cache-file $T/cache.txt: not loaded: No such file" "$T/res2.log"
Q 127.0.0.2 www.example.com A >"$T/c1"
Q 127.0.0.2 nx.example.com A >"$T/c2"
Q 127.0.0.2 mail.example.com AAAA >"$T/c3"
check "cache-file: warm-up answer" test "$(status "$T/c1")" = NOERROR
check "cache-file: warm-up NXDOMAIN" test "$(status "$T/c2")" = NXDOMAIN
check "cache-file: stop" stop_res res2 "${PIDS[-1]}"
check "cache-file: written at stop" grep -q "cache-file $T/cache.txt: [0-9]* entries written" "$T/res2.log"
check "cache-file: no temporary file left" test ! -e "$T/cache.txt.tmp"
check "cache-file: an RRset with expiry, TTL and rank" \
	grep -Eq '^;; rrset www\.shop\.net\. A expires=[0-9]{10} ttl=3600 rank=auth-answer$' "$T/cache.txt"
check "cache-file: its record" grep -Eq '^www\.shop\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$' "$T/cache.txt"
check "cache-file: the NXDOMAIN with its SOA" \
	grep -A1 -E '^;; nxdomain nx\.example\.com\. expires=[0-9]+ ttl=300 rank=' "$T/cache.txt" | grep -q 'IN[[:space:]]SOA'
check "cache-file: the NODATA" grep -Eq '^;; nodata mail\.example\.com\. AAAA expires=' "$T/cache.txt"
before=$(upstream_settled 0.2)
RES_THREADS=1 resolver res2 127.0.0.2 "${COMMON[@]}" "cache-file: $T/cache.txt"
check "cache-file: loaded at start" grep -Eq "cache-file $T/cache.txt: [1-9][0-9]* entries loaded, 0 too old dropped, 0 malformed" "$T/res2.log"
Q 127.0.0.2 www.example.com A >"$T/c4"
Q 127.0.0.2 nx.example.com A >"$T/c5"
Q 127.0.0.2 mail.example.com AAAA >"$T/c6"
check "cache-file: the answer after the restart" grep -Eq '^www\.shop\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$' "$T/c4"
check "cache-file: the NXDOMAIN after the restart" test "$(status "$T/c5")" = NXDOMAIN
check "cache-file: the NODATA after the restart" test "$(status "$T/c6")" = NOERROR
after=$(upstream_settled 0.2)
check "cache-file: zero upstream queries after the restart ($before -> $after)" test "$before" = "$after"
# dump-cache / load-cache, and a damaged file
"$CONTROL" -s "$T/res2.ctl" dump-cache "$T/dump2.txt" >"$T/d1" 2>&1
check "dump-cache: ok" grep -Eq '^[1-9][0-9]* entries written to ' "$T/d1"
check "dump-cache: the file" grep -q '^;; rrset www\.shop\.net\. A ' "$T/dump2.txt"
"$CONTROL" -s "$T/res2.ctl" dump-cache relative.txt >"$T/d2" 2>&1
check "dump-cache: a relative path is refused" grep -q 'absolute path' "$T/d2"
{
	echo ';; rrset ok.example. A expires=9999999999 ttl=600 rank=auth-answer'
	echo 'ok.example. 600 IN A 192.0.2.7'
	echo ';; rrset bad.example. A expires=9999999999 ttl=600 rank=auth-answer'
	echo 'bad.example. 600 IN A 300.1.2.3'
	echo ';; rrset old.example. A expires=1000000000 ttl=600 rank=auth-answer'
	echo 'old.example. 600 IN A 192.0.2.8'
	echo ';; frobnicate x.example.'
	echo 'stray.example. 600 IN A 192.0.2.9'
	printf ';; rrset cut.example. A expires=9999999999 ttl=600 rank=auth-answer\ncut.example. 600 IN A 192.0.'
} >"$T/bad.txt"
"$CONTROL" -s "$T/res2.ctl" load-cache "$T/bad.txt" >"$T/l1" 2>&1
check "load-cache: what it could load" grep -q '^1 entries loaded, 1 too old dropped, [0-9]* malformed skipped$' "$T/l1"
check "load-cache: a bad record with file:line" grep -q "^$T/bad.txt:4: cannot parse the record" "$T/l1"
check "load-cache: a malformed entry line with file:line" grep -q "^$T/bad.txt:7: malformed entry line" "$T/l1"
check "load-cache: a truncated last line with file:line" grep -q "^$T/bad.txt:10: cannot parse the record" "$T/l1"
Q 127.0.0.2 ok.example A +norec >"$T/c7"
check "load-cache: the good entry answers" grep -Eq '^ok\.example\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.7$' "$T/c7"
"$CONTROL" -s "$T/res2.ctl" load-cache "$T/nothere.txt" >"$T/l2" 2>&1
check "load-cache: a missing file is an error" grep -q 'cannot read .*nothere.txt: No such file' "$T/l2"
# DNSSEC data (issue 9): loaded, served, dumped again with its state,
# RRSIGs and proof; a bad signature section reported with file:line
SIG="13 2 600 20330518033320 20231114221320 1000 example. AAECAwQFBgcICQ=="
{
	echo ';; rrset signed.example. A expires=9999999999 ttl=600 rank=auth-answer sec=secure'
	echo 'signed.example. 600 IN A 192.0.2.10'
	echo ';; sigs'
	echo "signed.example. 600 IN RRSIG A $SIG"
	echo ';; nxdomain gone.example. expires=9999999999 ttl=300 rank=auth-authority sec=bogus ede=6'
	echo 'example. 300 IN SOA ns.example. h.example. 1 2 3 4 5'
	echo ';; sigs'
	echo "example. 300 IN RRSIG SOA $SIG"
	echo ';; proof'
	echo 'f.example. 300 IN NSEC h.example. A RRSIG NSEC'
	echo "f.example. 300 IN RRSIG NSEC $SIG"
	echo ';; rrset k.example. NSEC expires=9999999999 ttl=300 rank=auth-authority sec=secure zone=example.'
	echo 'k.example. 300 IN NSEC m.example. A RRSIG NSEC'
	echo ';; sigs'
	echo "k.example. 300 IN RRSIG NSEC $SIG"
	echo ';; rrset badsig.example. A expires=9999999999 ttl=600 rank=auth-answer sec=secure'
	echo 'badsig.example. 600 IN A 192.0.2.11'
	echo ';; sigs'
	echo 'badsig.example. 600 IN A 192.0.2.12'
} >"$T/signed.txt"
"$CONTROL" -s "$T/res2.ctl" load-cache "$T/signed.txt" >"$T/l3" 2>&1
check "load-cache: signed entries" grep -q '^3 entries loaded, 0 too old dropped, 1 malformed skipped$' "$T/l3"
check "load-cache: a bad signature section with file:line" \
	grep -q "^$T/signed.txt:19: a record other than RRSIG after ';; sigs'" "$T/l3"
Q 127.0.0.2 signed.example A +norec >"$T/c8"
check "load-cache: the signed entry answers" grep -Eq '^signed\.example\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.10$' "$T/c8"
"$CONTROL" -s "$T/res2.ctl" dump-cache "$T/dump3.txt" >"$T/d3" 2>&1
check "dump-cache: the validation state" grep -Eq '^;; rrset signed\.example\. A expires=[0-9]+ ttl=600 rank=auth-answer sec=secure$' "$T/dump3.txt"
grep -A3 '^;; rrset signed\.example\. A' "$T/dump3.txt" | sed -n 3,4p | awk 'NR == 1 { print; next } { print $1, $4, $5, $NF }' >"$T/d3s"
printf ';; sigs\nsigned.example. RRSIG A AAECAwQFBgcICQ==\n' >"$T/d3s.want"
check "dump-cache: the RRSIGs after ';; sigs'" cmp -s "$T/d3s" "$T/d3s.want"
check "dump-cache: a bogus NXDOMAIN with its EDE" grep -Eq '^;; nxdomain gone\.example\. expires=[0-9]+ ttl=300 rank=auth-authority sec=bogus ede=6$' "$T/dump3.txt"
grep -A6 '^;; nxdomain gone\.example\.' "$T/dump3.txt" | sed -n 5,7p | awk 'NR == 1 { print; next } { print $1, $4 }' >"$T/d3p"
printf ';; proof\nf.example. NSEC\nf.example. RRSIG\n' >"$T/d3p.want"
check "dump-cache: its proof after ';; proof'" cmp -s "$T/d3p" "$T/d3p.want"
check "dump-cache: the NSEC's zone" grep -Eq '^;; rrset k\.example\. NSEC expires=[0-9]+ ttl=300 rank=auth-authority sec=secure zone=example\.$' "$T/dump3.txt"
check "dump-cache: the malformed entry is not there" test "$(grep -c badsig "$T/dump3.txt")" = 0
# a damaged cache-file at start: file:line warnings, the start goes on
cp "$T/bad.txt" "$T/cache.txt"
check "cache-file: stop again" stop_res res2 "${PIDS[-1]}"
cp "$T/bad.txt" "$T/cache.txt"
RES_THREADS=1 resolver res2 127.0.0.2 "${COMMON[@]}" "cache-file: $T/cache.txt"
check "cache-file: a damaged file at start is reported with file:line" \
	grep -q "warning\] cache-file $T/cache.txt:4: cannot parse the record" "$T/res2.log"

# ---- serve-stale (RFC 8767) and its statistics ----
Q 127.0.0.1 short.example.net A >"$T/s1"
check "serve-stale: the fresh answer (TTL 2)" \
	grep -Eq '^short\.example\.net\.[[:space:]]+2[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.4\.0\.99$' "$T/s1"
kill "$EXNET_PID"; wait "$EXNET_PID" 2>/dev/null
sleep 3   # the TTL runs out on the real clock
Q 127.0.0.1 short.example.net A >"$T/s2"
check "serve-stale: the expired answer, TTL 30, when its server is down" \
	grep -Eq '^short\.example\.net\.[[:space:]]+30[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.4\.0\.99$' "$T/s2"
check "serve-stale: EDE 3" grep -q 'EDE: 3 (Stale Answer)' "$T/s2"
check "serve-stale: counted" test "$(rstat res resolver.stale_answers)" = 1
"$CONTROL" -s "$T/res.ctl" stats-prometheus >"$T/prom"
check "serve-stale: in Prometheus" grep -q '^cairn_stale_answers_total 1$' "$T/prom"
check "prefetch: counted (off: none)" grep -q '^cairn_prefetches_total 0$' "$T/prom"
check "log-servfail: the failure behind a stale answer says so" \
	grep -q 'servfail short\.example\.net\. A: .*(answered with stale data)$' "$T/res.log"

finish
