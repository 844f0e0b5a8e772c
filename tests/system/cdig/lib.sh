# Helpers shared by the cdig system tests (sourced, bash).
# Each test gets its own temp dir; everything started is killed on exit.

: "${top_srcdir:?top_srcdir must be set}"
: "${top_builddir:?top_builddir must be set}"
CDIG="$top_builddir/cdig"
DATA="$top_srcdir/tests/system/cdig"
T=$(mktemp -d "${TMPDIR:-/tmp}/cdig-test.XXXXXX")
PIDS=()
FAILS=0
CHECKS=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -f "$T/ports" ] && xargs rmdir <"$T/ports" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# stop_cairnds: stops every cairnd started so far; each must exit cleanly
# (0, or 143 for SIGTERM) and its log must hold no sanitizer report.
CAIRND_PIDS=()
CAIRND_LOGS=()
stop_cairnds() {
	local i rc p keep=()
	for p in "${PIDS[@]}"; do
		[[ " ${CAIRND_PIDS[*]} " == *" $p "* ]] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
	for i in "${!CAIRND_PIDS[@]}"; do
		p=${CAIRND_PIDS[$i]}
		kill "$p" 2>/dev/null
		# never hang: up to 30 s to exit (a zombie not yet waited for has)
		for _ in $(seq 300); do
			[ ! -e "/proc/$p" ] || grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && break
			sleep 0.1
		done
		if [ -e "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null; then
			bad "cairnd (${CAIRND_LOGS[$i]}) still runs 30 s after SIGTERM (killed now)"
			kill -9 "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
		rc=$?
		if [ "$rc" != 0 ] && [ "$rc" != 143 ]; then
			bad "cairnd (${CAIRND_LOGS[$i]}) exited with status $rc"
			tail -n 20 "${CAIRND_LOGS[$i]}"
		elif grep -Eq 'runtime error|Sanitizer' "${CAIRND_LOGS[$i]}"; then
			bad "sanitizer report in ${CAIRND_LOGS[$i]}"
			cat "${CAIRND_LOGS[$i]}"
		else
			ok "cairnd (${CAIRND_LOGS[$i]#"$T"/}) stopped cleanly"
		fi
	done
	CAIRND_PIDS=()
	CAIRND_LOGS=()
}

# stop_servers: stops every server started so far (to reuse their addresses).
stop_servers() {
	local p
	stop_cairnds
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}

die() { echo "FAIL: $*" >&2; exit 1; }
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$c" >/dev/null 2>&1 ||
			die "required program '$c' is not installed (Debian: apt-get install $(pkg_of "$c"))"
	done
}
pkg_of() {
	case $1 in
	nsd) echo nsd ;; unbound) echo unbound ;; jq) echo jq ;; dig) echo bind9-dnsutils ;;
	ip) echo iproute2 ;; python3) echo python3 ;;
	*) echo "$1" ;;
	esac
}
PATH="$PATH:/usr/sbin:/sbin"
[ -x "$CDIG" ] || die "$CDIG not built"
need python3

ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }
FAILED=()
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); FAILED+=("$CHECKS - $*"); echo "not ok $CHECKS - $*"; }
finish() {
	local l
	stop_cairnds
	if [ "$FAILS" -ne 0 ]; then
		# server logs, then the failures again: CI shows the end of the log
		for l in "$T"/*/cairnd.out "$T"/*/nsd.log "$T"/*/unbound.log; do
			[ -f "$l" ] && { echo "---- last lines of ${l#"$T"/}"; tail -n 20 "$l"; }
		done
		echo "---- failed checks:"
		for l in "${FAILED[@]}"; do echo "not ok $l"; done
	fi
	echo "# $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
}

# free_port: prints a TCP+UDP port on 127.0.0.1 nothing listens on, below
# the ephemeral range and reserved against the other tests running in
# parallel (free_port.py); the reservation is dropped when this test ends.
free_port() {
	python3 "$top_srcdir/tests/system/free_port.py" --record "$T/ports"
}

# py_server NAME PORT SCRIPT ARGS...: starts the scripted server
# $DATA/SCRIPT (arguments PORT READYFILE ARGS...) in the background,
# logging to $T/NAME.log, and waits until it has written $T/NAME.ready.
py_server() {
	local name=$1 port=$2 script=$3
	shift 3
	python3 "$DATA/$script" "$port" "$T/$name.ready" "$@" >>"$T/$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 300); do [ -e "$T/$name.ready" ] && break; sleep 0.1; done
	[ -e "$T/$name.ready" ] || die "$script ($name) did not start"
}

# NSD_EXTRA: more server: lines; NSD_CLAUSES: whole lines after it (key:
# clauses); NSD_ZONE_EXTRA: lines added to every zone: clause.
NSD_EXTRA=()
NSD_CLAUSES=()
NSD_ZONE_EXTRA=()
# start_nsd DIR ADDR PORT ZONE:FILE... : writes DIR/nsd.conf and starts nsd
# in the foreground (background job); waits until it answers SOA of the
# first zone over UDP.
start_nsd() {
	local dir=$1 addr=$2 port=$3 z zone file first= line
	shift 3
	mkdir -p "$dir"
	{
		echo "server:"
		echo "  ip-address: $addr@$port"
		echo "  port: $port"
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  zonesdir: \"$dir\""
		echo "  database: \"\""
		echo "  pidfile: \"$dir/nsd.pid\""
		echo "  xfrdfile: \"$dir/xfrd.state\""
		echo "  zonelistfile: \"$dir/zone.list\""
		echo "  logfile: \"$dir/nsd.log\""
		echo "  server-count: 1"
		echo "  verbosity: 1"
		echo "  hide-version: yes"
		echo "  minimal-responses: no"
		echo "  refuse-any: no"
		# answer over UDP up to what the client advertises (cdig's
		# large-answer tests go up to 65535)
		echo "  ipv4-edns-size: 65535"
		echo "  ipv6-edns-size: 65535"
		if nsd -h 2>&1 | grep -q . && strings "$(command -v nsd)" 2>/dev/null | grep -q rrl-ratelimit; then
			echo "  rrl-ratelimit: 0"
		fi
		for line in "${NSD_EXTRA[@]}"; do echo "  $line"; done
		echo "remote-control:"
		echo "  control-enable: no"
		for line in "${NSD_CLAUSES[@]}"; do echo "$line"; done
		for z in "$@"; do
			zone=${z%%:*}; file=${z#*:}
			[ -n "$first" ] || first=$zone
			echo "zone:"
			echo "  name: \"$zone\""
			echo "  zonefile: \"$file\""
			for line in "${NSD_ZONE_EXTRA[@]}"; do echo "  $line"; done
		done
	} >"$dir/nsd.conf"
	nsd -d -c "$dir/nsd.conf" >"$dir/nsd.out" 2>&1 &
	PIDS+=($!)
	local i
	# up to 30 s: a loaded machine may be slow
	for i in $(seq 1 300); do
		if dig +short +time=1 +tries=1 @"$addr" -p "$port" "$first" SOA 2>/dev/null | grep -q '^[^;]'; then
			return 0
		fi
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/nsd.out" "$dir/nsd.log" >&2 2>/dev/null
	die "nsd did not start ($dir/nsd.conf)"
}

# start_cairnd DIR ADDR PORT ZONE:FILE... : writes DIR/cairnd.conf (an
# authoritative server for the zones, plus the lines of the array
# CAIRND_EXTRA in its server: clause) and starts cairnd -d (background
# job); waits until it answers SOA of the first zone, or, without zones (a
# resolver), until it answers ". NS" with NOERROR.
CAIRND="$top_builddir/cairnd"
CAIRND_EXTRA=()
CAIRND_CLAUSES=()      # whole clauses after server: (key: ...)
CAIRND_ZONE_EXTRA=()   # lines in every zone: clause (provide-xfr: ...)
start_cairnd() {
	local dir=$1 addr=$2 port=$3 z line first= i
	shift 3
	[ -x "$CAIRND" ] || die "$CAIRND not built"
	mkdir -p "$dir"
	{
		echo "server:"
		echo "	listen: $addr@$port"
		echo "	threads: 1"
		echo '	user: ""'
		echo '	pidfile: ""'
		echo '	control-socket: ""'
		echo "	log: stderr"
		for line in "${CAIRND_EXTRA[@]}"; do
			echo "	$line"
		done
		for line in "${CAIRND_CLAUSES[@]}"; do   # whole clauses (key:)
			echo "$line"
		done
		for z in "$@"; do
			[ -n "$first" ] || first=${z%%:*}
			echo "zone:"
			echo "	name: ${z%%:*}"
			echo "	file: ${z#*:}"
			for line in "${CAIRND_ZONE_EXTRA[@]}"; do
				echo "	$line"
			done
		done
	} >"$dir/cairnd.conf"
	"$CAIRND" -d -c "$dir/cairnd.conf" >"$dir/cairnd.out" 2>&1 &
	PIDS+=($!)
	CAIRND_PIDS+=($!)
	CAIRND_LOGS+=("$dir/cairnd.out")
	# up to 30 s: sanitizer builds start slowly
	for i in $(seq 1 300); do
		if [ -n "$first" ]; then
			dig +short +norec +time=1 +tries=1 @"$addr" -p "$port" "$first" SOA 2>/dev/null | grep -q '^[^;]' && return 0
		else
			dig +time=1 +tries=1 @"$addr" -p "$port" . NS 2>/dev/null | grep -q 'status: NOERROR' && return 0
		fi
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/cairnd.conf" "$dir/cairnd.out" >&2
	die "cairnd did not start ($dir/cairnd.conf)"
}

# start_unbound DIR ADDR PORT HINTS: a resolver that iterates from HINTS
# with loopback upstreams allowed, no DNSSEC validation, and the lab's
# 127.in-addr.arpa. looked up rather than answered locally.
start_unbound() {
	local dir=$1 addr=$2 port=$3 hints=$4 i
	mkdir -p "$dir"
	cat >"$dir/unbound.conf" <<UB
server:
  interface: $addr@$port
  port: $port
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  logfile: "$dir/unbound.log"
  use-syslog: no
  verbosity: 1
  do-ip6: no
  do-not-query-localhost: no
  module-config: "iterator"
  root-hints: "$hints"
  access-control: 127.0.0.0/8 allow
  qname-minimisation: no
  harden-referral-path: no
  local-zone: "127.in-addr.arpa." nodefault
  num-threads: 1
  so-reuseport: no
remote-control:
  control-enable: no
UB
	unbound -d -c "$dir/unbound.conf" >"$dir/unbound.out" 2>&1 &
	PIDS+=($!)
	# up to 30 s: a loaded machine may be slow
	for i in $(seq 1 300); do
		if dig +time=1 +tries=1 @"$addr" -p "$port" . NS 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/unbound.out" "$dir/unbound.log" >&2 2>/dev/null
	die "unbound did not start ($dir/unbound.conf)"
}

# start_lab: the trace lab (inside a private network namespace): root on
# 127.1.0.1 (with arpa.), the TLD lab. on 127.2.0.1, example.lab.,
# other.lab. and 127.in-addr.arpa. (both glueless delegations) on
# 127.3.0.1, all on port 53.
start_lab() {
	local L="$DATA/lab"
	start_nsd "$T/root" 127.1.0.1 53 ".:$L/root.zone" "arpa:$L/arpa.zone"
	start_nsd "$T/tld" 127.2.0.1 53 "lab:$L/lab.zone"
	start_nsd "$T/leaf" 127.3.0.1 53 "example.lab:$L/example.lab.zone" "other.lab:$L/other.lab.zone" \
		"127.in-addr.arpa:$L/127.in-addr.arpa.zone"
}

# start_cairnd_lab: the same lab served by three authoritative cairnd.
start_cairnd_lab() {
	local L="$DATA/lab"
	CAIRND_EXTRA=("recursion: no")
	start_cairnd "$T/c-root" 127.1.0.1 53 ".:$L/root.zone" "arpa:$L/arpa.zone"
	start_cairnd "$T/c-tld" 127.2.0.1 53 "lab:$L/lab.zone"
	start_cairnd "$T/c-leaf" 127.3.0.1 53 "example.lab:$L/example.lab.zone" "other.lab:$L/other.lab.zone" \
		"127.in-addr.arpa:$L/127.in-addr.arpa.zone"
	CAIRND_EXTRA=()
}
