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
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
die() { FAILS=$((FAILS + 1)); echo "FATAL ($TEST_NAME): $*"; exit 1; }
need() { local t; for t in "$@"; do command -v "$t" >/dev/null 2>&1 || die "required tool '$t' is missing"; done; }
check() { # description command... : ok when the command succeeds
	local d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
finish() {
	echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ] || {
		for l in "$T"/*.log; do echo "---- $l"; tail -n 20 "$l"; done
		exit 1
	}
	exit 0
}
need dig ip
[ -x "$CAIRND" ] || die "no cairnd binary at $CAIRND"
ip link set lo up || die "cannot bring up lo in the namespace"

# wait_dns ADDR NAME TYPE: until a server at ADDR answers anything.
wait_dns() {
	local i
	for i in $(seq 50); do
		dig @"$1" +time=1 +tries=1 +norec "$2" "$3" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# auth NAME ADDR... -- ZONE=FILE...: an authoritative cairnd logging queries.
auth() {
	local name=$1 a; shift
	{
		echo "server:"
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do echo "	listen: $1@53"; shift; done
		shift
		printf '\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n'
		printf '\tlog-queries: yes\n\trecursion: no\n'
		for a in "$@"; do printf 'zone:\n\tname: %s\n\tfile: %s\n' "${a%%=*}" "${a#*=}"; done
	} >"$T/$name.conf"
	"$CAIRND" -d -c "$T/$name.conf" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
}

# resolver NAME ADDR [extra config lines]: a resolving cairnd, with
# $RES_THREADS worker threads (default 2).
resolver() {
	local name=$1 addr=$2; shift 2
	{
		printf 'server:\n\tlisten: %s@53\n\tthreads: %s\n\tuser: ""\n\tpidfile: ""\n' "$addr" "${RES_THREADS:-2}"
		printf '\tcontrol-socket: %s\n' "$T/$name.ctl"
		printf '\tlog: stderr\n\trecursion: yes\n'
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

# upstream: number of queries all authoritative servers have received.
upstream() { cat "$T"/auth-*.log 2>/dev/null | grep -c ' query ' ; }
