#!/bin/bash
# The local caching daemon's features of issue 11, against the lab:
# log-servfail (one info line per SERVFAIL with the question, the reason
# and the resolution's events).
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

finish
