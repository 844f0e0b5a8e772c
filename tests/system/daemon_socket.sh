#!/bin/bash
# daemon_socket.sh -- the control socket of a cairnd started as root inside
# private mount + network namespaces: owned by root with mode 0660 and the
# group of control-group:, never by the service user.  Root and members of
# that group may use it; nobody, the service user and other users may not
# (they cannot stop it).  Several clients are served at once: clients that
# connect and send nothing delay neither other clients nor stopping.
set -u
if [ -z "${DAEMON_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: daemon_socket.sh must run as root (CI does)"; exit 1; }
	DAEMON_IN_NS=1 exec unshare -mn bash "$0" "$@"
	echo "FAIL: cannot enter private namespaces (unshare -mn)"
	exit 1
fi
. "$top_srcdir/tests/system/lib.sh"
. "$top_srcdir/tests/system/daemon_lib.sh"
need dig ip python3 awk setpriv stat timeout
daemon_ns_setup
CONF=$TMP/cairnd.conf
# the socket's group is cairnother's; the daemon runs as cairntest
write_daemon_conf "$CONF" "control-group: cairnother"

# cairnd -n knows an unknown group
sed 's/control-group: cairnother/control-group: cairn-no-such-group/' "$CONF" >"$TMP/badgroup.conf"
OUT=$("$CAIRND" -n -c "$TMP/badgroup.conf" 2>&1)
check_eq "cairnd -n with an unknown control-group: exit status" "$?" 1
check_out "badgroup\.conf:[0-9]+: control-group 'cairn-no-such-group' does not exist"

start_daemon "$CONF"
check_eq "socket mode, owner, group" "$(stat -c '%a %u %g' "$SOCK")" "660 0 $OTHER_UID"

# as_user UID GID CMD...: runs CMD with only that uid and gid
as_user() {
	local uid=$1 gid=$2
	shift 2
	setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
}
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
ctl status
check_eq "root may use it" "$CTL_RC" 0
OUT=$(as_user "$OTHER_UID" "$OTHER_UID" "$CONTROL" -s "$SOCK" status 2>&1)
check_eq "a member of control-group may use it" "$?" 0
OUT=$(as_user "$RUN_UID" "$RUN_UID" "$CONTROL" -s "$SOCK" status 2>&1)
check_eq "the service user may not: exit status" "$?" 3
check_out 'Permission denied'
OUT=$(as_user "$nobody_uid" "$nobody_gid" "$CONTROL" -s "$SOCK" stop 2>&1)
check_eq "nobody may not stop it: exit status" "$?" 3
check_out 'Permission denied'
# nor by talking to the socket directly
# (the system's python: a per-user one, e.g. under /root, is not nobody's)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
OUT=$(as_user "$nobody_uid" "$nobody_gid" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print("refused"); sys.exit(0)
s.sendall(b"stop\n"); print(s.recv(100)); sys.exit(1)' "$SOCK" 2>&1)
check_eq "nobody's own connect() to the socket" "$OUT" "refused"
kill -0 "$DAEMON_PID" 2>/dev/null && pass || fail "cairnd stopped after nobody's attempts"

# ---- several clients at once; silent ones delay nobody ----
# 4 clients connect and send nothing (each would hold a one-at-a-time
# server for CONTROL_TIMEOUT_MS, 5 s)
python3 -c '
import socket, sys, time
socks = []
for _ in range(4):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(30)' "$SOCK" "$TMP/silent.ready" &
SILENT=$!
PIDS+=("$SILENT")
for _ in $(seq 100); do [ -e "$TMP/silent.ready" ] && break; sleep 0.1; done
[ -e "$TMP/silent.ready" ] || die "the silent clients did not connect"
start=$(date +%s%N)
OUT=$(timeout 3 "$CONTROL" -s "$SOCK" status 2>&1)
check_eq "status beside 4 silent clients (within 3 s): exit status" "$?" 0
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 2000 ] && pass || fail "status took $ms ms beside silent clients"
# 8 clients at once, all answered
par=()
for i in $(seq 8); do
	timeout 10 "$CONTROL" -s "$SOCK" stats >"$TMP/par.$i" 2>&1 &
	par+=($!)
done
okc=0
wait "${par[@]}" 2>/dev/null
for i in $(seq 8); do
	grep -q '^total.queries' "$TMP/par.$i" && okc=$((okc + 1))
done
check_eq "8 parallel stats answered" "$okc" 8
# stopping does not wait for the silent clients' timeouts
start=$(date +%s%N)
ctl stop
check_eq "stop beside silent clients: exit status" "$CTL_RC" 0
wait_for 30 bash -c "! kill -0 $DAEMON_PID 2>/dev/null" && pass || fail "cairnd still runs after stop"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "stopped in $ms ms"
[ ! -e "$SOCK" ] && pass || fail "control socket left after stop"
kill "$SILENT" 2>/dev/null
if grep -E '\[(warning|error)\].*(control|socket|pidfile)' "$DLOG"; then
	fail "warnings about the socket or the pid file in the log"
else
	pass
fi
finish
