# lib.sh -- shared helpers of cairn's system tests (sourced, bash).
#
# The test harness (make check) exports top_srcdir and top_builddir.  A test
# sources this file, starts servers on free loopback ports, asks questions
# with BIND's dig (an independent client) and checks the answers:
#
#   . "$top_srcdir/tests/system/lib.sh"
#   PORT=$(free_port)
#   write_lab_conf "$TMP/c.conf" "$PORT"
#   start_cairnd "$TMP/c.conf" "$PORT"
#   q www.lab.test A            # runs dig, keeps the output in $OUT
#   check_rcode NOERROR; check_flag aa
#   check_section ANSWER "www.lab.test. 3600 IN A 192.0.2.80"
#   finish                      # exit 0 when every check passed
#
# Tests never skip (exit 77): a missing tool is a failure.

set -u
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
: "${top_builddir:?top_builddir must be set (make check sets it)}"
export LC_ALL=C
# nsd and friends live in sbin, which ordinary users may not have on PATH
export PATH=$PATH:/usr/sbin:/sbin

CAIRND=${CAIRND:-$top_builddir/cairnd}
SYSDIR=$top_srcdir/tests/system
ZONEDIR=$top_srcdir/zones
DNSRAW="python3 $SYSDIR/dnsraw.py"
export PYTHONDONTWRITEBYTECODE=1
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$TEST_NAME.XXXXXX")
SERVER=127.0.0.1
PORT=
OUT=
LAST_Q=
TRANSPORT=+notcp
CHECKS=0
FAILS=0
PIDS=()
LOGS=()
FAILED=()       # the failed checks, repeated at the end of the output
# Is the IPv6 loopback usable?  Servers listen on ::1 only when it is; the
# checks of IPv6 itself fail (never skip) without it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	HAVE_IPV6=yes
else
	HAVE_IPV6=no
fi

# gone PID: the process has exited (a zombie not yet waited for counts).
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# wait_gone SECONDS PID: until PID is gone; fails when it still runs.
wait_gone() {
	local n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		gone "$2" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

lib_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		# never hang here: a process deaf to SIGTERM is killed
		wait_gone 20 "$p" || { echo "pid $p still runs 20 s after SIGTERM: killed"; kill -9 "$p" 2>/dev/null; }
		wait "$p" 2>/dev/null
	done
	# the ports reserved by free_port
	[ -f "$TMP/ports" ] && xargs rmdir <"$TMP/ports" 2>/dev/null
	# keep the scratch directory when something failed, for a post mortem
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$TMP"
	else
		echo "scratch files kept in $TMP"
	fi
}
trap lib_cleanup EXIT
trap 'echo "$TEST_NAME: interrupted"; FAILS=$((FAILS + 1)); exit 1' INT TERM

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			die "required tool '$t' is missing (see .ci/run for the packages)"
	done
}

die() {
	echo "FATAL ($TEST_NAME): $*"
	FAILS=$((FAILS + 1))
	show_logs
	# last, so that the end of the log (what CI shows) says what went wrong
	show_failed
	echo "FATAL ($TEST_NAME): $*"
	exit 1
}

show_logs() {
	local l
	for l in "${LOGS[@]}"; do
		echo "---- last lines of $l"
		tail -n 30 "$l"
	done
}

# Prints a port that is free for UDP and TCP on 127.0.0.1 and ::1, below the
# ephemeral range and reserved against the other tests running in parallel
# (free_port.py); the reservation is dropped when this test ends.
free_port() {
	python3 "$SYSDIR/free_port.py" --record "$TMP/ports" $([ "$HAVE_IPV6" = yes ] && echo --ipv6)
}

# write_lab_conf FILE PORT [extra server: lines...]
# A configuration serving the lab zones (and the test zone extra.test) on
# PORT of 127.0.0.1 and ::1.
write_lab_conf() {
	local file=$1 port=$2 line
	shift 2
	{
		echo "# written by $TEST_NAME"
		echo "server:"
		echo "	listen: 127.0.0.1@$port"
		[ $HAVE_IPV6 = yes ] && echo "	listen: ::1@$port"
		echo "	threads: 1"
		echo '	user: ""'
		echo '	pidfile: ""'
		echo "	log: stderr"
		echo "	recursion: no"
		for line in "$@"; do
			echo "	$line"
		done
		echo "zone:"
		echo "	name: lab.test"
		echo "	file: $ZONEDIR/lab.test.zone"
		echo "zone:"
		echo "	name: 2.0.192.in-addr.arpa"
		echo "	file: $ZONEDIR/2.0.192.in-addr.arpa.zone"
		echo "zone:"
		echo "	name: 8.b.d.0.1.0.0.2.ip6.arpa"
		echo "	file: $ZONEDIR/8.b.d.0.1.0.0.2.ip6.arpa.zone"
		echo "zone:"
		echo "	name: extra.test"
		echo "	file: $SYSDIR/zones/extra.test.zone"
	} >"$file"
}

# wait_ready PORT PID [ADDRESS]: waits until something answers lab.test SOA
# on PORT (up to 30 s: sanitizer builds start slowly); fails if PID dies.
wait_ready() {
	local port=$1 pid=$2 addr=${3:-127.0.0.1} i
	for i in $(seq 150); do
		if dig @"$addr" -p "$port" +norec +time=1 +tries=1 lab.test SOA 2>/dev/null |
			grep -q 'status: NOERROR'; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || die "server (pid $pid) exited before answering"
		sleep 0.2
	done
	die "server on port $port did not answer within 30 s"
}

# start_cairnd CONF PORT: starts cairnd in the foreground (-d) in the
# background of this shell and waits until it answers.  Sets CAIRND_PID.
start_cairnd() {
	local conf=$1 port=$2 log
	if [ -n "${TEST_WITH_NSD:-}" ]; then
		# for checking the tests themselves against another server
		start_nsd "$port" $(awk '$1 == "name:" {n = $2} $1 == "file:" {print n "=" $2}' "$conf")
		CAIRND_PID=$NSD_PID
		return
	fi
	[ -x "$CAIRND" ] || die "no cairnd binary at $CAIRND"
	log=$TMP/cairnd.$port.log
	"$CAIRND" -d -c "$conf" >"$log" 2>&1 &
	CAIRND_PID=$!
	PIDS+=("$CAIRND_PID")
	LOGS+=("$log")
	wait_ready "$port" "$CAIRND_PID"
}

# stop_pid PID: stops one server started here and checks it did not crash.
stop_pid() {
	local pid=$1 rc
	kill "$pid" 2>/dev/null
	if ! wait_gone 30 "$pid"; then
		LAST_Q= fail "server pid $pid still runs 30 s after SIGTERM (killed now)"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	# 143 = killed by our SIGTERM; 0 = clean exit on SIGTERM
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 143 ]; then
		fail "server pid $pid exited with status $rc when stopped"
	fi
}

# start_nsd PORT ZONE=FILE...: runs NSD in the foreground on PORT with the
# given zones, rate limiting off.  Sets NSD_PID.
start_nsd() {
	local port=$1 conf dir z log
	shift
	need nsd
	dir=$TMP/nsd.$port
	mkdir -p "$dir"
	conf=$dir/nsd.conf
	{
		echo "server:"
		echo "	ip-address: 127.0.0.1@$port"
		[ $HAVE_IPV6 = yes ] && echo "	ip-address: ::1@$port"
		echo "	server-count: 1"
		echo '	username: ""'
		echo "	pidfile: \"$dir/nsd.pid\""
		echo '	database: ""'
		echo "	zonelistfile: \"$dir/zone.list\""
		echo "	xfrdfile: \"$dir/xfrd.state\""
		echo "	xfrdir: \"$dir\""
		echo "	zonesdir: \"$SYSDIR/zones\""
		echo "	verbosity: 1"
		echo "	rrl-ratelimit: 0"
		echo "	minimal-responses: no"
		echo "remote-control:"
		echo "	control-enable: no"
		for z in "$@"; do
			echo "zone:"
			echo "	name: ${z%%=*}"
			echo "	zonefile: \"${z#*=}\""
		done
	} >"$conf"
	log=$dir/nsd.log
	nsd -d -c "$conf" >"$log" 2>&1 &
	NSD_PID=$!
	PIDS+=("$NSD_PID")
	LOGS+=("$log")
	wait_ready "$port" "$NSD_PID"
}

# ---- queries and checks ----

# q DIG-ARGS...: asks $SERVER on $PORT without recursion over $TRANSPORT
# (+notcp or +tcp) and keeps dig's output in $OUT.
q() {
	LAST_Q="dig @$SERVER -p $PORT +norec $TRANSPORT $*"
	OUT=$(dig @"$SERVER" -p "$PORT" +norec +time=2 +tries=2 "$TRANSPORT" "$@" 2>&1)
}

pass() { CHECKS=$((CHECKS + 1)); }

fail() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	FAILED+=("$*")
	echo "FAIL: $*"
	if [ -n "$LAST_Q" ]; then
		echo "  query: $LAST_Q"
		echo "$OUT" | sed 's/^/  | /'
	fi
}

get_rcode() { sed -n 's/.*status: \([A-Z0-9]*\),.*/\1/p' <<<"$OUT" | head -n 1; }
get_flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$OUT" | head -n 1; }
# get_count ANSWER|AUTHORITY|ADDITIONAL|QUERY
get_count() { sed -n "s/^;; flags:.* $1: \([0-9]*\).*/\1/p" <<<"$OUT" | head -n 1; }
# section NAME: the records of a section, one per line, blanks squeezed,
# sorted (the order of records in an RRset carries no meaning).
section() {
	awk -v s=";; $1 SECTION:" '$0 == s {f = 1; next} f && /^$/ {f = 0} f' <<<"$OUT" |
		awk '{$1 = $1; print}' | sort
}

check_reply() {
	if grep -q '^;; ->>HEADER<<-' <<<"$OUT"; then pass; return 0; fi
	fail "no reply"
	return 1
}

check_rcode() {
	local got
	got=$(get_rcode)
	if [ "$got" = "$1" ]; then pass; else fail "rcode is '$got', expected $1"; fi
}

check_flag() {
	if [[ " $(get_flags) " == *" $1 "* ]]; then pass; else fail "flag $1 not set"; fi
}

check_noflag() {
	if [[ " $(get_flags) " == *" $1 "* ]]; then fail "flag $1 set"; else pass; fi
}

# check_count SECTION N
check_count() {
	local got
	got=$(get_count "$1")
	if [ "$got" = "$2" ]; then pass; else fail "$1 count is '$got', expected $2"; fi
}

# check_section SECTION [RECORD...]: the section holds exactly these records
# (dig presentation, any order, blanks squeezed).  No records: empty.
check_section() {
	local name=$1 want got
	shift
	if [ $# -eq 0 ]; then want=; else want=$(printf '%s\n' "$@" | awk '{$1 = $1; print}' | sort); fi
	got=$(section "$name")
	if [ "$got" = "$want" ]; then
		pass
	else
		fail "$name section differs; expected:$(printf '\n    %s' "$@")"
	fi
}

# check_has SECTION REGEX / check_lacks SECTION REGEX (extended regex on the
# section's records)
check_has() {
	if section "$1" | grep -Eq -- "$2"; then pass; else fail "$1 section has no record matching /$2/"; fi
}
check_lacks() {
	if section "$1" | grep -Eq -- "$2"; then fail "$1 section has a record matching /$2/"; else pass; fi
}

# check_out REGEX / check_not_out REGEX: on dig's whole output
check_out() {
	if grep -Eq -- "$1" <<<"$OUT"; then pass; else fail "output does not match /$1/"; fi
}
check_not_out() {
	if grep -Eq -- "$1" <<<"$OUT"; then fail "output matches /$1/"; else pass; fi
}

# check_alive PID: the server process is still running
check_alive() {
	if kill -0 "$1" 2>/dev/null; then pass; else LAST_Q= fail "server pid $1 is gone"; fi
}

# check_cmd DESCRIPTION COMMAND...: the command succeeds (its output is shown
# on failure)
check_cmd() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass
		[ -n "${VERBOSE:-}" ] && echo "$out"
	else
		LAST_Q=
		fail "$what: $*"
		echo "$out" | sed 's/^/  | /'
	fi
	return 0
}

# ctl_stat SOCKET NAME: the value of NAME in `cairn-control -s SOCKET
# stats`, "missing" when there is none.
ctl_stat() {
	"$top_builddir/cairn-control" -s "$1" stats |
		awk -v n="$2" '$1 == n {print $2; f = 1} END {if (!f) print "missing"}'
}

# check_metric SOCKET NAME: `cairn-control -s SOCKET stats-prometheus` has
# the metric NAME (no labels) with a value above 0
check_metric() {
	if "$top_builddir/cairn-control" -s "$1" stats-prometheus | grep -Eq "^$2 [1-9]"; then
		pass
	else
		LAST_Q= fail "metric $2 missing or 0 in stats-prometheus"
	fi
}

# need_ipv6 WHAT: fails (does not skip) when ::1 cannot be used
need_ipv6() {
	if [ $HAVE_IPV6 = yes ]; then return 0; fi
	LAST_Q= fail "$1: the IPv6 loopback ::1 is not usable on this machine"
	return 1
}

# show_failed: the failed checks again, in one list
show_failed() {
	local f
	[ ${#FAILED[@]} -gt 0 ] || return 0
	echo "---- failed checks of $TEST_NAME:"
	for f in "${FAILED[@]}"; do echo "FAIL: $f"; done
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		# server logs first, then the failures: CI shows the end of the log
		show_logs
		show_failed
		echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
		exit 1
	fi
	echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
	[ "$CHECKS" -gt 0 ] || { echo "$TEST_NAME: no checks ran"; exit 1; }
	exit 0
}
