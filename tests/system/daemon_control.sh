#!/bin/bash
# daemon_control.sh -- cairn-control against a cairnd running as a local
# caching resolver: root on 127.0.0.1 port 53 inside private mount + network
# namespaces with the toy Internet of zones/lab (zones/lab/start.sh), user
# dropped, glibc pointed at it.  Every control command is exercised, the
# statistics move as queries are sent (resolution time over TCP too, local
# zones counted as local), cache-show peeks without counting, the
# Prometheus output parses, and only root may use the
# socket.
set -u
if [ -z "${DAEMON_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: daemon_control.sh must run as root (CI does)"; exit 1; }
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
need dig getent ip python3 awk setpriv stat
daemon_ns_setup
CONF=$TMP/cairnd.conf
write_daemon_conf "$CONF" "recursion: yes" "allow-recursion: 127.0.0.0/8 ::1/128" \
	"root-hints: $ZONEDIR/lab/root.hints" "query-loopback: yes" "dnssec: no"
sed -i 's/threads: 2/threads: 1/' "$CONF"
start_daemon "$CONF"

# ---- status ----
ctl status
check_eq "status: exit status" "$CTL_RC" 0
check_out "^pid: $DAEMON_PID\$"
check_out '^cache: yes$'
check_out '^zones: 2$'
check_out "^user: uid $RUN_UID gid $RUN_UID\$"

# ---- statistics move as queries are sent ----
t0=$(stat_value total.queries)
z0=$(stat_value answer.zone)
r0=$(stat_value answer.resolved)
c0=$(stat_value answer.cache)
u0=$(stat_value upstream.queries)
n0=$(stat_value rcode.NXDOMAIN)
k0=$(stat_value resolve.count)
check_eq "getent ahosts www.example.com (CNAME into shop.net, resolved)" \
	"$(getent ahosts www.example.com | awk '{print $1}' | sort -u | tr '\n' ' ')" "127.5.0.80 "
check_eq "getent hosts www.lab.test (our zone)" "$(getent hosts www.lab.test | awk '{print $1}')" "2001:db8::80"
check_gt "answer.resolved after a resolution" "$(stat_value answer.resolved)" "$r0"
check_gt "upstream.queries after a resolution" "$(stat_value upstream.queries)" "$u0"
check_gt "answer.zone after a zone answer" "$(stat_value answer.zone)" "$z0"
check_gt "resolve.count" "$(stat_value resolve.count)" "$k0"
t1=$(stat_value total.queries)
SERVER=127.0.0.1 PORT=53
LAST_Q="dig www.example.com (twice, the second from the cache)"
OUT=$(dig @127.0.0.1 +time=2 +tries=1 www.example.com A; dig @127.0.0.1 +time=2 +tries=1 www.example.com A)
check_eq "total.queries counts exactly the queries sent" "$(stat_value total.queries)" "$((t1 + 2))"
check_gt "answer.cache after a repeated query" "$(stat_value answer.cache)" "$c0"
dig @127.0.0.1 +time=2 +tries=1 nosuch.example.com A >/dev/null
check_gt "rcode.NXDOMAIN after an NXDOMAIN" "$(stat_value rcode.NXDOMAIN)" "$n0"
q0=$(stat_value total.queries.tcp)
dig @127.0.0.1 +tcp +time=2 +tries=1 mail.lab.test MX >/dev/null
check_eq "total.queries.tcp" "$(stat_value total.queries.tcp)" "$((q0 + 1))"
check_gt "qtype.MX" "$(stat_value qtype.MX)" 0
check_gt "cache.entries" "$(stat_value cache.entries)" 0
check_gt "cache.hits" "$(stat_value cache.hits)" 0

# ---- resolution time over TCP too ----
k0=$(stat_value resolve.count)
r0=$(stat_value answer.resolved)
OUT=$(dig @127.0.0.1 +tcp +time=5 +tries=1 tcp-only.example.com A)
LAST_Q="dig +tcp tcp-only.example.com (resolved)"
check_out 'status: NXDOMAIN'
check_eq "resolve.count after a resolution asked over TCP" "$(stat_value resolve.count)" "$((k0 + 1))"
check_eq "answer.resolved after a resolution asked over TCP" "$(stat_value answer.resolved)" "$((r0 + 1))"
grep -Eq 'query 127\.0\.0\.1#[0-9]+ tcp: tcp-only\.example\.com\. A: NXDOMAIN source resolved' "$DLOG" && pass ||
	{ LAST_Q= fail "no log line for the TCP resolution"; }

# ---- locally served zones are answered locally, not from the cache ----
l0=$(stat_value answer.local)
c0=$(stat_value answer.cache)
OUT=$(dig @127.0.0.1 +time=2 +tries=1 localhost A)
LAST_Q="dig localhost"
check_out '^localhost\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.1$'
check_eq "answer.local after localhost" "$(stat_value answer.local)" "$((l0 + 1))"
check_eq "answer.cache unchanged by localhost" "$(stat_value answer.cache)" "$c0"
grep -Eq 'localhost\. A: NOERROR source local' "$DLOG" && pass ||
	{ LAST_Q= fail "localhost not logged as source local"; }

# ---- Prometheus ----
"$CONTROL" -s "$SOCK" stats-prometheus >"$TMP/prom.txt"
check_eq "stats-prometheus: exit status" "$?" 0
check_cmd "the Prometheus exposition parses" $PROMCHECK "$TMP/prom.txt"
grep -Eq '^cairn_answers_total\{source="cache"\} [1-9]' "$TMP/prom.txt" && pass ||
	{ LAST_Q= fail "no cairn_answers_total{source=\"cache\"} > 0"; }
grep -Eq '^cairn_resolution_duration_seconds_count [1-9]' "$TMP/prom.txt" && pass ||
	{ LAST_Q= fail "no resolution histogram count"; }

# ---- the cache: show, flush one name, below, everything ----
h0=$(stat_value cache.hits)
m0=$(stat_value cache.misses)
ctl cache-show www.example.com
check_eq "cache-show: exit status" "$CTL_RC" 0
check_out '^www\.example\.com\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+www\.shop\.net\.$'
check_out '^; CNAME, rank auth-answer, [0-9]+ seconds left$'
check_eq "cache-show counts no cache hit" "$(stat_value cache.hits)" "$h0"
check_eq "cache-show counts no cache miss" "$(stat_value cache.misses)" "$m0"
ctl cache-show www.shop.net
check_out '^www\.shop\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.5\.0\.80$'
ctl cache-show nosuch.example.com
check_out '^; NXDOMAIN nosuch\.example\.com, rank [a-z-]+, [0-9]+ seconds left$'
check_out '^example\.com\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]'
ctl flush-name www.shop.net
check_eq "flush-name: exit status" "$CTL_RC" 0
ctl cache-show www.shop.net
check_out '^; nothing cached for www\.shop\.net'
ctl cache-show www.example.com
check_out 'CNAME[[:space:]]+www\.shop\.net\.$'
ctl flush-name example.com below
check_eq "flush-name below: exit status" "$CTL_RC" 0
ctl cache-show www.example.com
check_out '^; nothing cached for www\.example\.com'
ctl cache-show nosuch.example.com
check_out '^; nothing cached'
# resolved again after the flush
check_eq "resolution after flush-name" "$(getent ahosts www.example.com | awk '{print $1}' | sort -u)" "127.5.0.80"
ctl flush
check_eq "flush: exit status" "$CTL_RC" 0
check_eq "cache.entries after flush" "$(stat_value cache.entries)" "0"

# ---- reload keeps the cache ----
getent ahosts www.example.com >/dev/null
e0=$(stat_value cache.entries)
ctl reload
check_eq "reload: exit status" "$CTL_RC" 0
check_eq "cache.entries survive a reload" "$(stat_value cache.entries)" "$e0"
check_gt "reloads" "$(stat_value reloads)" 0

# ---- errors ----
ctl frobnicate
check_eq "unknown command: exit status" "$CTL_RC" 1
check_out 'unknown command'
ctl flush-name
check_eq "flush-name without a name: exit status" "$CTL_RC" 1
ctl cache-show 'bad..name'
check_eq "bad name: exit status" "$CTL_RC" 1
ctl help
check_eq "help: exit status" "$CTL_RC" 0
OUT=$("$CONTROL" -s "$TMP/nothing.ctl" status 2>&1)
check_eq "no daemon on the socket: exit status" "$?" 3
OUT=$("$CONTROL" 2>&1)
check_eq "no command: exit status" "$?" 2
OUT=$("$CONTROL" -c "$CONF" status 2>&1)
check_eq "socket path read from the config (-c)" "$?" 0

# ---- only root (and control-group: daemon_socket.sh), not the daemon's user ----
OUT=$(setpriv --reuid="$RUN_UID" --regid="$RUN_UID" --clear-groups "$CONTROL" -s "$SOCK" status 2>&1)
check_eq "cairn-control as the daemon's user: exit status" "$?" 3
OUT=$(setpriv --reuid="$OTHER_UID" --regid="$OTHER_UID" --clear-groups "$CONTROL" -s "$SOCK" status 2>&1)
check_eq "cairn-control as another user: exit status" "$?" 3
check_out 'Permission denied'

# ---- stop ----
ctl stop
check_eq "stop: exit status" "$CTL_RC" 0
wait_for 30 bash -c "! kill -0 $DAEMON_PID 2>/dev/null" && pass || { LAST_Q= fail "cairnd still runs after stop"; }
[ ! -e "$PIDFILE" ] && pass || { LAST_Q= fail "pid file left after stop"; }
[ ! -e "$SOCK" ] && pass || { LAST_Q= fail "control socket left after stop"; }
finish
