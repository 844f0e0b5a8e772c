#!/bin/bash
# daemon_control2.sh -- the everyday control commands of cairn-control(8)
# against a cairnd running as a local caching resolver (same setting as
# daemon_control.sh: root on 127.0.0.1 port 53 in private namespaces with
# the toy Internet of zones/lab, user dropped): flush-negative, flush-type,
# flush-stats, verbosity, reopen-log and SIGUSR2 (as logrotate uses them),
# list-zones and its --json, list-local-zones, lookup, infra and flush-infra (carried out by each
# worker in its own thread).
set -u
if [ -z "${DAEMON_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: daemon_control2.sh must run as root (CI does)"; exit 1; }
	DAEMON_IN_NS=1 exec unshare -mn bash "$0" "$@"
	echo "FAIL: cannot enter private namespaces (unshare -mn)"
	exit 1
fi
if [ -z "${DAEMON_IN_LAB:-}" ]; then
	ip link set lo up || { echo "FAIL: cannot bring up lo"; exit 1; }
	export LAB_LOGDIR
	LAB_LOGDIR=$(mktemp -d /tmp/cairn-daemon-lab.XXXXXX)
	DAEMON_IN_LAB=1 "$top_srcdir/zones/lab/start.sh" -b "${CAIRND:-$top_builddir/cairnd}" \
		bash "$0" "$@" 2>"$LAB_LOGDIR/start.err"
	rc=$?
	[ "$rc" = 0 ] || cat "$LAB_LOGDIR/start.err"
	rm -rf "$LAB_LOGDIR"
	exit "$rc"
fi
. "$top_srcdir/tests/system/lib.sh"
. "$top_srcdir/tests/system/daemon_lib.sh"
need dig ip python3 awk jq
daemon_ns_setup
CONF=$TMP/cairnd.conf
write_daemon_conf "$CONF" "recursion: yes" "allow-recursion: 127.0.0.0/8 ::1/128" \
	"root-hints: $ZONEDIR/lab/root.hints" "query-loopback: yes" "dnssec: no" \
	"local-zone-disable: 127.in-addr.arpa"
# two workers: infra and flush-infra reach each one's own infra cache
start_daemon "$CONF"
q() { dig @127.0.0.1 +time=3 +tries=1 "$@"; }

# ---- flush-negative: NXDOMAIN and NODATA go, RRsets stay ----
q nosuch.example.com A >/dev/null
q www.shop.net A >/dev/null
q www.shop.net TXT >/dev/null
ctl cache-show nosuch.example.com
check_out '^; NXDOMAIN nosuch\.example\.com'
ctl flush-negative
check_eq "flush-negative: exit status" "$CTL_RC" 0
check_out '^removed [1-9][0-9]* negative entries$'
ctl cache-show nosuch.example.com
check_out '^; nothing cached for nosuch\.example\.com'
ctl cache-show www.shop.net
check_out 'IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$'
check_not_out '^; NODATA'
ctl flush-negative
check_out '^removed 0 negative entries$'
ctl flush-negative extra
check_eq "flush-negative with an argument: exit status" "$CTL_RC" 1

# ---- flush-type NAME TYPE: that entry only ----
q www.shop.net AAAA >/dev/null
ctl cache-show www.shop.net
check_out '^; NODATA www\.shop\.net AAAA'
ctl flush-type www.shop.net A
check_eq "flush-type: exit status" "$CTL_RC" 0
check_out '^removed 1 entries of www\.shop\.net A$'
ctl cache-show www.shop.net
check_not_out 'IN[[:space:]]+A[[:space:]]'
check_out '^; NODATA www\.shop\.net AAAA'
ctl flush-type WWW.Shop.Net aaaa
check_out '^removed 1 entries of WWW\.Shop\.Net aaaa$'
ctl cache-show www.shop.net
check_out '^; nothing cached for www\.shop\.net'
ctl flush-type www.shop.net A
check_out '^removed 0 entries'
ctl flush-type www.shop.net
check_eq "flush-type without a type: exit status" "$CTL_RC" 1
check_out 'usage: flush-type NAME TYPE'
ctl flush-type www.shop.net NOSUCHTYPE
check_eq "flush-type with a bad type: exit status" "$CTL_RC" 1
ctl flush-type 'bad..name' A
check_eq "flush-type with a bad name: exit status" "$CTL_RC" 1
q www.shop.net A >/dev/null
ctl cache-show www.shop.net
check_out 'IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$'

# ---- flush-stats: counters from zero, gauges stay ----
check_gt "total.queries before flush-stats" "$(stat_value total.queries)" 0
e0=$(stat_value cache.entries)
ctl flush-stats
check_eq "flush-stats: exit status" "$CTL_RC" 0
check_out '^statistics zeroed$'
check_eq "total.queries after flush-stats" "$(stat_value total.queries)" 0
check_eq "answer.resolved after flush-stats" "$(stat_value answer.resolved)" 0
check_eq "cache.hits after flush-stats" "$(stat_value cache.hits)" 0
check_eq "cache.entries is a gauge: kept" "$(stat_value cache.entries)" "$e0"
q www.shop.net A >/dev/null
check_eq "total.queries counts again from zero" "$(stat_value total.queries)" 1
check_eq "answer.cache counts again from zero" "$(stat_value answer.cache)" 1
"$CONTROL" -s "$SOCK" stats-prometheus >"$TMP/prom.txt"
check_cmd "the Prometheus exposition parses after flush-stats" $PROMCHECK "$TMP/prom.txt"
grep -Eq '^cairn_queries_total\{transport="udp"\} 1$' "$TMP/prom.txt" && pass ||
	{ LAST_Q= fail "cairn_queries_total{transport=\"udp\"} is not 1 after flush-stats"; }

# ---- verbosity: shown, changed at run time, checked ----
ctl verbosity
check_eq "verbosity: exit status" "$CTL_RC" 0
check_out '^verbosity 2 info$'
ctl verbosity 0
check_eq "verbosity 0: exit status" "$CTL_RC" 0
check_out '^verbosity 0 error \(was 2 info\)$'
n0=$(grep -c 'quiet-one\.lab\.test' "$DLOG")
q quiet-one.lab.test A >/dev/null
check_eq "log-queries lines are dropped at verbosity 0" "$(grep -c 'quiet-one\.lab\.test' "$DLOG")" "$n0"
ctl verbosity info
check_out '^verbosity 2 info \(was 0 error\)$'
q loud-one.lab.test A >/dev/null
wait_for 5 grep -q 'loud-one\.lab\.test' "$DLOG" && pass ||
	{ LAST_Q= fail "log-queries lines not written again at verbosity 2"; }
grep -q 'verbosity 2 (info) from 0 (error)' "$DLOG" && pass ||
	{ LAST_Q= fail "the verbosity change is not logged"; }
ctl verbosity 7
check_eq "verbosity 7: exit status" "$CTL_RC" 1
check_out 'bad verbosity'
ctl verbosity
check_out '^verbosity 2 info$'

# ---- reopen-log and SIGUSR2, as logrotate's postrotate uses them ----
mv "$DLOG" "$DLOG.1"
# the daemon runs as cairntest and cannot create files in $TMP: the
# reopen fails, says so, and the old (renamed) file keeps the messages
ctl reopen-log
check_eq "reopen-log without a new file: exit status" "$CTL_RC" 1
check_out 'cannot reopen the log file: Permission denied'
q still-old.lab.test A >/dev/null
wait_for 5 grep -q 'still-old\.lab\.test' "$DLOG.1" && pass ||
	{ LAST_Q= fail "the old log file is not written after a failed reopen"; }
# logrotate's "create 0640 cairntest cairntest"
install -m 0640 -o "$RUN_UID" -g "$RUN_UID" /dev/null "$DLOG"
ctl reopen-log
check_eq "reopen-log: exit status" "$CTL_RC" 0
check_out '^log reopened$'
q after-reopen.lab.test A >/dev/null
wait_for 5 grep -q 'after-reopen\.lab\.test' "$DLOG" && pass ||
	{ LAST_Q= fail "the new log file is not written after reopen-log"; }
grep -q 'after-reopen\.lab\.test' "$DLOG.1" && { LAST_Q= fail "the old log file is still written"; } || pass
mv "$DLOG" "$DLOG.2"
install -m 0640 -o "$RUN_UID" -g "$RUN_UID" /dev/null "$DLOG"
kill -USR2 "$DAEMON_PID"
wait_for 10 grep -q 'SIGUSR2: log file reopened' "$DLOG" && pass ||
	{ LAST_Q= fail "SIGUSR2 did not reopen the log file"; }
q after-usr2.lab.test A >/dev/null
wait_for 5 grep -q 'after-usr2\.lab\.test' "$DLOG" && pass ||
	{ LAST_Q= fail "the new log file is not written after SIGUSR2"; }
check_alive "$DAEMON_PID"

# ---- list-zones ----
serial=$(q +short lab.test SOA | awk '{print $3}')
ctl list-zones
check_eq "list-zones: exit status" "$CTL_RC" 0
check_out "^lab\.test\. $serial [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z primary $TMP/zones/lab\.test\.zone\$"
check_out '^2\.0\.192\.in-addr\.arpa\. [0-9]+ [0-9T:Z-]+ primary .*/zones/2\.0\.192\.in-addr\.arpa\.zone$'
check_eq "list-zones: one line per zone" "$(grep -c . <<<"$OUT")" 2
ctl list-zones --json
check_eq "list-zones --json: exit status" "$CTL_RC" 0
J=$OUT
check_eq "list-zones --json: zones" "$(jq -r 'map(.name) | join(" ")' <<<"$J")" "lab.test. 2.0.192.in-addr.arpa."
check_eq "list-zones --json: serial" "$(jq -r '.[0].serial' <<<"$J")" "$serial"
check_eq "list-zones --json: file" "$(jq -r '.[0].file' <<<"$J")" "$TMP/zones/lab.test.zone"
check_eq "list-zones --json: kind" "$(jq -r '.[0].kind' <<<"$J")" "primary"
t0=$(jq -r '.[0].loaded_at_unix' <<<"$J")
check_gt "list-zones --json: loaded_at_unix" "$t0" 1700000000
# a new serial, reloaded: list-zones shows it
sed -i "s/\\b$serial\\b/$((serial + 1))/" "$TMP/zones/lab.test.zone"
sleep 1  # loaded_at has a one-second resolution: make the reload's later
ctl reload
check_eq "reload: exit status" "$CTL_RC" 0
ctl list-zones --json
J=$OUT
check_eq "list-zones after a reload: serial" "$(jq -r '.[0].serial' <<<"$J")" "$((serial + 1))"
check_gt "list-zones after a reload: loaded_at_unix" "$(jq -r '.[0].loaded_at_unix' <<<"$J")" "$t0"
ctl list-zones extra
check_eq "list-zones with a bad argument: exit status" "$CTL_RC" 1

# ---- list-local-zones ----
ctl list-local-zones
check_eq "list-local-zones: exit status" "$CTL_RC" 0
check_out '^localhost\. redirect$'
check_out '^test\. static$'
check_out '^onion\. static$'
check_out '^home\.arpa\. static$'
check_out '^16\.172\.in-addr\.arpa\. static$'
check_out '^31\.172\.in-addr\.arpa\. static$'
check_out '^8\.b\.d\.0\.1\.0\.0\.2\.ip6\.arpa\. static$'
check_not_out '^127\.in-addr\.arpa\.'
bad=$(grep -Evc '^[a-z0-9.-]+\. (static|redirect)$' <<<"$OUT")
check_eq "list-local-zones: every line in the documented form" "$bad" 0
# the list is what the resolver answers: each static zone's apex gets its SOA here
for z in $(awk '$2 == "static" {print $1}' <<<"$OUT" | head -5); do
	OUT2=$(q "$z" SOA)
	grep -q 'flags: qr aa' <<<"$OUT2" && pass || { LAST_Q="dig $z SOA"; fail "$z is not answered locally"; }
done
ctl list-local-zones extra
check_eq "list-local-zones with an argument: exit status" "$CTL_RC" 1

# ---- infra / flush-infra: each worker's own infra cache ----
ctl flush-infra all
check_eq "flush-infra all: exit status" "$CTL_RC" 0
ctl infra
check_eq "infra after flush-infra all: empty" "$OUT" ""
for i in 1 2 3 4; do q "w$i.example.com" A >/dev/null; q "w$i.shop.net" A >/dev/null; done
ctl infra
check_eq "infra: exit status" "$CTL_RC" 0
check_out '^127\.[0-9.]+@53 worker [01] rtt [0-9]+ timeouts 0 down 0 tcp-only 0 edns yes$'
# one of the servers asked, and another
A1=$(awk 'NR == 1 {sub(/@53$/, "", $1); print $1}' <<<"$OUT")
A2=$(awk -v a="$A1@53" '$1 != a {sub(/@53$/, "", $1); print $1; exit}' <<<"$OUT")
check_gt "infra: two servers known" "$(awk '{print $1}' <<<"$OUT" | sort -u | wc -l)" 1
bad=$(grep -Evc '^[0-9a-f.:]+@[0-9]+ worker [01] (rtt [0-9]+ timeouts [0-9]+ down [0-9]+ tcp-only [0-9]+ edns (yes|no)|lame [^ ]+ [0-9]+)$' <<<"$OUT")
check_eq "infra: every line in the documented form" "$bad" 0
ctl infra "$A1"
check_out "^${A1//./\\.}@53 worker"
check_not_out "^${A2//./\\.}@"
ctl infra --json
check_eq "infra --json: exit status" "$CTL_RC" 0
check_cmd "infra --json parses" jq -e 'length > 0 and (map(select(.lame == false)) | all(.rtt_ms >= 0 and .edns == true and (.address | test("@53$"))))' <<<"$OUT"
ctl flush-infra "$A1"
check_eq "flush-infra ADDRESS: exit status" "$CTL_RC" 0
check_out '^removed [1-9][0-9]* infra entries$'
ctl infra "$A1"
check_eq "infra $A1 after flush-infra $A1" "$OUT" ""
ctl infra "$A2"
check_out "^${A2//./\\.}@53 worker"
ctl infra
check_out '@53 worker'
ctl flush-infra all
check_out '^removed [1-9][0-9]* infra entries$'
ctl infra --json
check_eq "infra --json after flush-infra all" "$OUT" "[]"
ctl flush-infra
check_eq "flush-infra without an argument: exit status" "$CTL_RC" 1
check_out 'usage: flush-infra ADDRESS\|all'
ctl infra 999.1.2.3
check_eq "infra with a bad address: exit status" "$CTL_RC" 1
check_out 'bad address'
# still resolving, and learning again
q w9.example.com A >/dev/null
ctl infra
check_out '@53 worker [01] rtt'

# ---- lookup NAME: the delegation from the cache and its servers ----
q www.example.com A >/dev/null
ctl lookup www.example.com
check_eq "lookup: exit status" "$CTL_RC" 0
check_out '^delegation example\.com\. cache$'
check_out '^ns [a-z0-9.-]+\.$'
# the servers' cached addresses; the RTT is worker 0's, which may not have
# asked them (the query may have gone to worker 1)
check_out '^  127\.3\.0\.[0-9]+@53 rtt ([0-9]+ timeouts 0 down 0|unknown) lame no$'
bad=$(grep -Evc '^(delegation [a-z0-9.-]+ (cache|root-hints|forward-zone)|ns [a-z0-9.-]+|  [0-9a-f.:]+@[0-9]+ rtt ([0-9]+ timeouts [0-9]+ down [0-9]+|unknown) lame (yes|no)|  \(no address cached\))$' <<<"$OUT")
check_eq "lookup: every line in the documented form" "$bad" 0
ctl lookup deep.below.nowhere.example.com
check_out '^delegation example\.com\. cache$'
ctl flush
ctl lookup www.example.com
check_out '^delegation \. root-hints$'
check_out '^ns a\.root-servers\.net\.$'
check_out '^  127\.1\.0\.1@53 rtt'
ctl lookup 'bad..name'
check_eq "lookup with a bad name: exit status" "$CTL_RC" 1
ctl lookup
check_eq "lookup without a name: exit status" "$CTL_RC" 1

# ---- help lists every command, in both the daemon and the client ----
ctl help
for c in flush-negative flush-type flush-stats verbosity reopen-log list-zones list-local-zones lookup infra flush-infra; do
	check_out "^$c"
done
OUT=$("$CONTROL" -h 2>&1)
for c in flush-negative flush-type flush-stats verbosity reopen-log list-zones list-local-zones lookup infra flush-infra; do
	check_out "^  $c"
done

ctl stop
wait_for 30 bash -c "! kill -0 $DAEMON_PID 2>/dev/null" && pass || { LAST_Q= fail "cairnd still runs after stop"; }
finish
