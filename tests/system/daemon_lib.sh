# daemon_lib.sh -- helpers of the daemon_*.sh system tests (sourced after
# lib.sh, inside private mount + network namespaces entered as root with
# `unshare -mn`): an unprivileged account, resolv.conf and nsswitch.conf
# pointing glibc at 127.0.0.1, and a cairnd started as a real daemon.

CONTROL=${CAIRN_CONTROL:-$top_builddir/cairn-control}
PROMCHECK="python3 $SYSDIR/promcheck.py"

# daemon_ns_setup: brings up lo and bind-mounts (in this mount namespace
# only) copies of /etc/passwd and /etc/group with the accounts cairntest
# (the daemon's user, $RUN_UID) and cairnother ($OTHER_UID), a resolv.conf
# with "nameserver 127.0.0.1" and an nsswitch.conf resolving hosts by DNS.
daemon_ns_setup() {
	local u
	[ "$(id -u)" = 0 ] || die "must run as root (CI does)"
	[ -x "$CONTROL" ] || die "no cairn-control binary at $CONTROL"
	ip link set lo up || die "cannot bring up lo"
	chmod 755 "$TMP"
	RUN_UID=
	for u in $(seq 4242 4400); do
		if ! getent passwd "$u" >/dev/null && ! getent group "$u" >/dev/null &&
			! getent passwd "$((u + 1))" >/dev/null && ! getent group "$((u + 1))" >/dev/null; then
			RUN_UID=$u
			break
		fi
	done
	[ -n "$RUN_UID" ] || die "no free uid for the test accounts"
	OTHER_UID=$((RUN_UID + 1))
	cp /etc/passwd "$TMP/passwd" && cp /etc/group "$TMP/group" || die "cannot copy /etc/passwd"
	echo "cairntest:x:$RUN_UID:$RUN_UID:cairn test:/nonexistent:/usr/sbin/nologin" >>"$TMP/passwd"
	echo "cairnother:x:$OTHER_UID:$OTHER_UID:other:/nonexistent:/usr/sbin/nologin" >>"$TMP/passwd"
	echo "cairntest:x:$RUN_UID:" >>"$TMP/group"
	echo "cairnother:x:$OTHER_UID:" >>"$TMP/group"
	echo "nameserver 127.0.0.1" >"$TMP/resolv.conf"
	printf 'passwd: files\ngroup: files\nhosts: dns\n' >"$TMP/nsswitch.conf"
	for f in passwd group resolv.conf nsswitch.conf; do
		chmod 644 "$TMP/$f"
		mount --bind "$TMP/$f" "/etc/$f" || die "cannot bind-mount /etc/$f"
	done
	[ "$(id -u cairntest)" = "$RUN_UID" ] || die "the test account is not visible"
	RUN=$TMP/run            # pid file, control socket: cairnd creates it
	SOCK=$RUN/cairnd.ctl
	PIDFILE=$RUN/cairnd.pid
	DLOG=$TMP/cairnd.log
	mkdir -p "$TMP/zones"
	cp "$ZONEDIR"/*.zone "$TMP/zones/" && chmod 644 "$TMP"/zones/* || die "cannot copy zones"
}

# write_daemon_conf FILE [extra server: lines...]: cairnd on 127.0.0.1 and
# ::1 port 53 as a daemon dropping to cairntest, with the copied lab zones.
write_daemon_conf() {
	local file=$1 line
	shift
	{
		echo "# written by $TEST_NAME"
		echo "server:"
		echo "	listen: 127.0.0.1@53"
		echo "	listen: ::1@53"
		echo "	threads: 2"
		echo "	user: cairntest"
		echo "	pidfile: $PIDFILE"
		echo "	control-socket: $SOCK"
		echo "	log: $DLOG"
		echo "	log-queries: yes"
		for line in "$@"; do
			echo "	$line"
		done
		echo "zone:"
		echo "	name: lab.test"
		echo "	file: zones/lab.test.zone"
		echo "zone:"
		echo "	name: 2.0.192.in-addr.arpa"
		echo "	file: zones/2.0.192.in-addr.arpa.zone"
	} >"$file"
	chmod 644 "$file"
}

# start_daemon CONF: runs cairnd without -d (it detaches once it answers);
# sets DAEMON_PID from the pid file.
start_daemon() {
	local conf=$1 rc
	LOGS+=("$DLOG")
	"$CAIRND" -c "$conf" >"$TMP/start.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || { cat "$TMP/start.out"; die "cairnd exited $rc at start-up"; }
	[ -s "$PIDFILE" ] || die "no pid file $PIDFILE after start-up"
	DAEMON_PID=$(cat "$PIDFILE")
	PIDS+=("$DAEMON_PID")
	kill -0 "$DAEMON_PID" 2>/dev/null || die "pid $DAEMON_PID of the pid file is not running"
	wait_ready 53 "$DAEMON_PID"
}

# ctl ARGS...: runs cairn-control on $SOCK; output in $OUT, status in $CTL_RC.
ctl() {
	LAST_Q="cairn-control -s $SOCK $*"
	OUT=$("$CONTROL" -s "$SOCK" "$@" 2>&1)
	CTL_RC=$?
}

# stat_value NAME: the value of NAME in `cairn-control stats`.
stat_value() {
	"$CONTROL" -s "$SOCK" stats | awk -v n="$1" '$1 == n {print $2; f = 1} END {if (!f) print "missing"}'
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass; else LAST_Q= fail "$1: got '$2', expected '$3'"; fi
}

# check_gt WHAT A B: A > B (numbers)
check_gt() {
	if [ "$2" -gt "$3" ] 2>/dev/null; then pass; else LAST_Q= fail "$1: $2 is not > $3"; fi
}

# proc_ids PID FIELD: "real effective saved fs" of Uid or Gid in /proc.
proc_ids() { awk -v f="$2:" '$1 == f {print $2, $3, $4, $5}' "/proc/$1/status"; }

# stop_daemon: SIGTERM, waits for the exit (30 s: a sanitizer build checks
# for leaks on the way out).
stop_daemon() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait_for 30 bash -c "! kill -0 $DAEMON_PID 2>/dev/null"
}
