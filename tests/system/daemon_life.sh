#!/bin/bash
# daemon_life.sh -- cairnd as a real daemon: started as root on port 53 of
# 127.0.0.1 and ::1 inside private mount + network namespaces, it detaches,
# writes its pid file, drops to an unprivileged account (checked in /proc)
# and serves glibc (getent) through resolv.conf.  SIGHUP with a changed zone
# serves the new data while queries keep being answered; SIGHUP with a
# broken zone logs file:line and keeps the old data; SIGUSR1 logs the
# statistics; a second copy on the same pid file refuses to run; SIGTERM
# stops it and removes the pid file and the control socket.
set -u
if [ -z "${DAEMON_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: daemon_life.sh must run as root (CI does)"; exit 1; }
	DAEMON_IN_NS=1 exec unshare -mn bash "$0" "$@"
	echo "FAIL: cannot enter private namespaces (unshare -mn)"
	exit 1
fi
. "$top_srcdir/tests/system/lib.sh"
. "$top_srcdir/tests/system/daemon_lib.sh"
need dig getent ip unshare python3 awk
daemon_ns_setup
CONF=$TMP/cairnd.conf
ZF=$TMP/zones/lab.test.zone
write_daemon_conf "$CONF"

# ---- start-up: detached, pid file, privileges ----
start_daemon "$CONF"
# An orphan goes to init, or to the nearest "child subreaper" among our
# ancestors (a CI runner or a service manager may be one): either way, not
# to us.
ancestors() {
	local p=$PPID
	while [ "${p:-1}" -gt 1 ]; do
		echo "$p"
		p=$(awk '$1 == "PPid:" {print $2}' "/proc/$p/status" 2>/dev/null)
	done
	echo 1
}
dppid=$(ps -o ppid= -p "$DAEMON_PID" | tr -d ' ')
if [ "$dppid" != "$$" ] && ancestors | grep -qx -- "$dppid"; then
	pass
else
	LAST_Q= fail "cairnd's parent exited, the daemon is not our child: its parent is '$dppid' (we are $$)"
fi
check_eq "daemon is a session leader" "$(ps -o sid= -p "$DAEMON_PID" | tr -d ' ')" "$DAEMON_PID"
check_eq "uid (real effective saved fs)" "$(proc_ids "$DAEMON_PID" Uid)" "$RUN_UID $RUN_UID $RUN_UID $RUN_UID"
check_eq "gid (real effective saved fs)" "$(proc_ids "$DAEMON_PID" Gid)" "$RUN_UID $RUN_UID $RUN_UID $RUN_UID"
check_eq "supplementary groups" "$(awk '$1 == "Groups:" {$1 = ""; print $0}' /proc/"$DAEMON_PID"/status | tr -d ' ')" "$RUN_UID"
check_eq "no effective capabilities" "$(awk '$1 == "CapEff:" {print $2}' /proc/"$DAEMON_PID"/status)" "0000000000000000"
for t in /proc/"$DAEMON_PID"/task/*; do
	check_eq "thread ${t##*/} uid" "$(awk '$1 == "Uid:" {print $3}' "$t/status")" "$RUN_UID"
done
check_eq "pid file owner may remove it: directory owner" "$(stat -c %u "$RUN")" "$RUN_UID"
check_eq "control socket mode and owner (root's, not the daemon user's)" "$(stat -c '%a %u %g' "$SOCK")" "660 0 0"
if grep -q "cairnd 0.1.0 started\|started:" "$DLOG"; then pass; else LAST_Q= fail "no start-up line in the log"; fi

# ---- glibc through resolv.conf ----
# getaddrinfo (A and AAAA) and gethostbyname (AAAA first, then A)
check_eq "getent ahosts www.lab.test" "$(getent ahosts www.lab.test | awk '{print $1}' | sort -u | tr '\n' ' ')" \
	"192.0.2.80 2001:db8::80 "
check_eq "getent hosts www.lab.test" "$(getent hosts www.lab.test | awk '{print $1}')" "2001:db8::80"
check_eq "getent hosts 192.0.2.80 (reverse zone)" "$(getent hosts 192.0.2.80 | awk '{print $2}')" "www.lab.test"
if getent hosts nosuchname.lab.test >/dev/null; then LAST_Q= fail "getent found nosuchname.lab.test"; else pass; fi
SERVER=::1 PORT=53
q lab.test SOA
check_rcode NOERROR
check_has ANSWER ' 2024060101 '
SERVER=127.0.0.1
if grep -Eq 'query 127\.0\.0\.1#[0-9]+: www\.lab\.test\. (A|AAAA): NOERROR source zone lab\.test\., [0-9]+ ms' "$DLOG"; then
	pass
else
	LAST_Q= fail "log-queries: no line for www.lab.test A"
fi

# ---- a second copy on the same pid file refuses to run ----
write_daemon_conf "$TMP/second.conf"
sed -i -e 's/@53$/@5300/' -e "s|control-socket: .*|control-socket: $TMP/second.ctl|" "$TMP/second.conf"
"$CAIRND" -c "$TMP/second.conf" >"$TMP/second.out" 2>&1
rc=$?
check_gt "second instance exit status" "$rc" 0
if grep -q "already running" "$TMP/second.out" "$DLOG"; then pass; else LAST_Q= fail "no 'already running' message: $(cat "$TMP/second.out")"; fi
check_alive "$DAEMON_PID"
check_eq "pid file still names the first" "$(cat "$PIDFILE")" "$DAEMON_PID"
"$CAIRND" -d -c "$CONF" >"$TMP/third.out" 2>&1
check_gt "same config, foreground: exit status" "$?" 0
grep -q "already running" "$TMP/third.out" && pass || { LAST_Q= fail "third: $(cat "$TMP/third.out")"; }

# ---- SIGHUP with a changed zone, queries answered throughout ----
serial() { dig @127.0.0.1 +norec +short +time=2 +tries=2 lab.test SOA | awk '{print $3}'; }
# (no retry: a query lost during the reload is a miss; 3 s for an answer on
# a slow, loaded machine; a source port of its own, below the ephemeral
# range: dig sets SO_REUSEPORT, so the kernel may give two digs running at
# once the same port, and then one gets both answers, the other none)
( for i in $(seq 60); do
	dig -b 127.0.0.1#20053 @127.0.0.1 +norec +time=3 +tries=1 www.lab.test A | grep -q 'status: NOERROR' || echo miss
	sleep 0.02
done ) >"$TMP/during" 2>&1 &
LOADER=$!
sed -i 's/2024060101 ; serial/2024060102 ; serial/' "$ZF"
echo "reloaded  IN  A  192.0.2.123" >>"$ZF"
sleep 0.3
kill -HUP "$DAEMON_PID"
wait_for 10 bash -c "[ \"\$(dig @127.0.0.1 +norec +short +time=1 +tries=1 lab.test SOA | awk '{print \$3}')\" = 2024060102 ]" ||
	{ LAST_Q= fail "the new serial is not served after SIGHUP"; }
wait "$LOADER"
check_eq "queries unanswered during the reload" "$(grep -c miss "$TMP/during")" "0"
check_eq "serial after SIGHUP" "$(serial)" "2024060102"
check_eq "new name through glibc" "$(getent hosts reloaded.lab.test | awk '{print $1}')" "192.0.2.123"
check_alive "$DAEMON_PID"

# ---- SIGHUP with a broken zone: file:line logged, old data kept ----
cp "$ZF" "$TMP/good.zone"
sed -i 's/2024060102 ; serial/2024060103 ; serial/' "$ZF"
echo "broken  IN  A  not-an-address" >>"$ZF"
BAD_LINE=$(wc -l <"$ZF")
kill -HUP "$DAEMON_PID"
if wait_for 10 grep -q "lab.test.zone:$BAD_LINE:" "$DLOG"; then pass; else LAST_Q= fail "no lab.test.zone:$BAD_LINE: in the log"; fi
# (logged a moment after the zone's error: wait for it too)
wait_for 10 grep -q "reload failed" "$DLOG" && pass || { LAST_Q= fail "no 'reload failed' in the log"; }
check_eq "serial after a failed reload" "$(serial)" "2024060102"
check_eq "data after a failed reload" "$(getent hosts reloaded.lab.test | awk '{print $1}')" "192.0.2.123"
check_alive "$DAEMON_PID"
# the same through the control socket: exit 1 and file:line on the terminal
ctl reload
check_eq "cairn-control reload of a broken zone: exit status" "$CTL_RC" 1
check_out "lab.test.zone:$BAD_LINE: "
# a broken configuration file: file:line, old data kept
cp "$CONF" "$TMP/conf.good"
echo "	no-such-key: 1" >>"$CONF"
CONF_LINE=$(wc -l <"$CONF")
ctl reload
check_eq "reload of a broken config: exit status" "$CTL_RC" 1
check_out "cairnd.conf:$CONF_LINE: "
cp "$TMP/conf.good" "$CONF"
# repaired: reload works again
cp "$TMP/good.zone" "$ZF"
sed -i 's/2024060102 ; serial/2024060104 ; serial/' "$ZF"
ctl reload
check_eq "cairn-control reload of a good zone: exit status" "$CTL_RC" 0
check_eq "serial after cairn-control reload" "$(serial)" "2024060104"

# ---- SIGUSR1: statistics in the log ----
kill -USR1 "$DAEMON_PID"
if wait_for 5 grep -Eq 'stats: queries [1-9][0-9]* \(udp [0-9]+, tcp [0-9]+\)' "$DLOG"; then pass; else LAST_Q= fail "no stats line after SIGUSR1"; fi

# ---- a start that cannot work says why and exits non-zero ----
write_daemon_conf "$TMP/busy.conf"
sed -i -e "s|control-socket: .*|control-socket: $TMP/busy.ctl|" \
	-e "s|pidfile: .*|pidfile: $TMP/busy.pid|" "$TMP/busy.conf"
"$CAIRND" -c "$TMP/busy.conf" >"$TMP/busy.out" 2>&1
check_gt "start on a busy port: exit status" "$?" 0
grep -q "Address already in use" "$TMP/busy.out" && pass || { LAST_Q= fail "busy port: $(cat "$TMP/busy.out")"; }
[ ! -e "$TMP/busy.pid" ] || [ ! -s "$TMP/busy.pid" ] && pass || { LAST_Q= fail "failed start left a pid file"; }

# ---- SIGTERM: graceful stop, pid file and socket removed ----
stop_daemon || LAST_Q= fail "cairnd did not stop on SIGTERM"
[ ! -e "$PIDFILE" ] && pass || { LAST_Q= fail "pid file left after SIGTERM"; }
[ ! -e "$SOCK" ] && pass || { LAST_Q= fail "control socket left after SIGTERM"; }
grep -q "cairnd stopped" "$DLOG" && pass || { LAST_Q= fail "no 'cairnd stopped' in the log"; }

# a fresh start after a clean stop works (no stale lock)
start_daemon "$CONF"
check_eq "serial after restart" "$(serial)" "2024060104"
stop_daemon || LAST_Q= fail "second stop"
finish
