# resolver_lib.sh -- helpers of the resolver system tests (sourced, bash).
# The tests run in a private network and mount namespace (unshare -rnm),
# where every 127.x.y.z and port 53 are theirs and /etc/resolv.conf can be
# replaced. Authoritative servers are cairnd instances with log-queries on,
# so that the upstream queries of the resolver can be counted in their logs.
set -u
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
: "${top_builddir:?top_builddir must be set (make check sets it)}"
if [ -z "${RESOLVER_IN_NETNS:-}" ]; then
	command -v unshare >/dev/null || { echo "FAIL: unshare (util-linux) is required"; exit 1; }
	RESOLVER_IN_NETNS=1 exec unshare -rnm bash "$0" "$@"
	echo "FAIL: cannot enter a private network namespace (unshare -rnm)"
	exit 1
fi
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin
CAIRND=${CAIRND:-$top_builddir/cairnd}
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$TEST_NAME.XXXXXX")
CHECKS=0
FAILS=0
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "scratch files kept in $T"; fi
}
trap cleanup EXIT
ok() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
FAILED=()
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); FAILED+=("$*"); echo "FAIL: $*"; }
show_logs() { local l; for l in "$T"/*.log; do [ -f "$l" ] && { echo "---- $l"; tail -n 15 "$l"; }; done; }
# show_failed: the failed checks again, in one list (CI shows the end of the log)
show_failed() {
	local f
	[ ${#FAILED[@]} -gt 0 ] || return 0
	echo "---- failed checks of $TEST_NAME:"
	for f in "${FAILED[@]}"; do echo "FAIL: $f"; done
}
die() {
	FAILS=$((FAILS + 1)); echo "FATAL ($TEST_NAME): $*"
	show_logs; show_failed; echo "FATAL ($TEST_NAME): $*"; exit 1
}
need() { local t; for t in "$@"; do command -v "$t" >/dev/null 2>&1 || die "required tool '$t' is missing"; done; }
check() { # description command... : ok when the command succeeds
	local d=$1 last; shift
	if "$@"; then ok "$d"; return; fi
	bad "$d"
	# what failed: the command as run, and the file it looked at
	echo "  command: $*"
	last=${!#}
	[ -f "$last" ] && sed -n '1,40s/^/  | /p' "$last"
	return 0
}
finish() {
	[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ] || {
		show_logs
		show_failed
		echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
		exit 1
	}
	echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
	exit 0
}
need dig ip
[ -x "$CAIRND" ] || die "no cairnd binary at $CAIRND"
ip link set lo up || die "cannot bring up lo in the namespace"

# wait_dns, auth, start_lab, upstream, start_unbound: the lab and unbound
. "$top_srcdir/tests/system/lab_lib.sh"

# wait_file FILE REGEX: until FILE has a line matching REGEX (up to 30 s).
wait_file() {
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# resolver NAME ADDR [extra config lines]: a resolving cairnd, with
# $RES_THREADS worker threads (default 2).
resolver() {
	local name=$1 addr=$2; shift 2
	{
		printf 'server:\n\tlisten: %s@53\n\tthreads: %s\n\tuser: ""\n\tpidfile: ""\n' "$addr" "${RES_THREADS:-2}"
		printf '\tcontrol-socket: %s\n' "$T/$name.ctl"
		printf '\tlog: stderr\n\trecursion: yes\n'
		# the lab's root is unsigned: validation only where a test asks
		printf '\tdnssec: %s\n' "${RES_DNSSEC:-no}"
		for l in "$@"; do printf '\t%s\n' "$l"; done
	} >"$T/$name.conf"
	"$CAIRND" -d -c "$T/$name.conf" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
	wait_dns "$addr" . NS || die "resolver $name did not start: $(cat "$T/$name.log")"
}

# rstat NAME KEY: the value of KEY in the statistics of resolver NAME
# (cairn-control on its control socket).
CONTROL=${CAIRN_CONTROL:-$top_builddir/cairn-control}
rstat() {
	"$CONTROL" -s "$T/$1.ctl" stats | awk -v n="$2" '$1 == n {print $2; f = 1} END {if (!f) print "missing"}'
}

# upstream_settled MIN: waits at least MIN seconds, then until no
# authoritative server has received a query for 0.5 s (late fetches, such
# as unbound's target fetches, may land well after the answer on a loaded
# machine; at most 20 s), and prints upstream.
upstream_settled() {
	local a b end=$((SECONDS + 20))
	sleep "$1"
	a=$(upstream)
	while [ "$SECONDS" -lt "$end" ]; do
		sleep 0.5
		b=$(upstream)
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}
