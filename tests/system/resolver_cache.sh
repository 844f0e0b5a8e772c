#!/bin/bash
# The local caching daemon's features of issue 11, against the lab:
# log-servfail (one info line per SERVFAIL with the question, the reason
# and the resolution's events); cairn-control explain (text, --json,
# --no-cache).
. "$top_srcdir/tests/system/resolver_lib.sh"
L=$top_srcdir/zones/lab
cp "$L"/*.zone "$L/root.hints" "$T/"
start_lab "$T" || die "the lab did not start"
# dead.example.net is delegated to a server that does not exist
printf 'dead NS ns.dead\nns.dead A 127.66.0.1\n' >>"$T/example.net.zone"
kill "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null
auth auth-exnet2 127.4.0.1 -- example.net="$T/example.net.zone" 127.in-addr.arpa="$T/127.in-addr.arpa.zone"
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

finish
