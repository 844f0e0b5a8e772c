#!/bin/bash
# Starts the cairn toy Internet inside the current network namespace and
# runs a command in it (an interactive shell by default); everything is
# stopped when the command ends.  Run it in a private namespace:
#
#   unshare -rn zones/lab/start.sh [-b CAIRND] [-r] [-s] [COMMAND [ARG...]]
#
#   -b CAIRND   the cairnd binary (default: $CAIRND, else ../../cairnd next
#               to this directory, else cairnd on $PATH)
#   -r          also start the caching resolver (resolver.conf) on 127.0.0.1
#   -s          serve the signed lab (signed/*.conf; trust anchor signed/root.key)
#
# Server logs go to $LAB_LOGDIR (default: a temporary directory, printed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cairnd=${CAIRND:-}
resolver=no
confdir=$here
while getopts b:rsh opt; do
	case $opt in
	b) cairnd=$OPTARG ;;
	r) resolver=yes ;;
	s) confdir=$here/signed ;;
	*) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$cairnd" ]; then
	if [ -x "$here/../../cairnd" ]; then cairnd=$here/../../cairnd
	else cairnd=$(command -v cairnd) || { echo "start.sh: no cairnd (use -b)" >&2; exit 1; }
	fi
fi
# The lab binds port 53 on many 127.x addresses: refuse to run in the
# host's own namespace (where it would need root and could clash).
if [ "$(ip -o link show 2>/dev/null | wc -l)" -gt 1 ]; then
	echo "start.sh: run me in a private network namespace: unshare -rn $0 $*" >&2
	exit 1
fi
ip link set lo up || exit 1
logdir=${LAB_LOGDIR:-$(mktemp -d /tmp/cairn-lab.XXXXXX)}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# server name, address to probe, zone to probe
servers="root:127.1.0.1:. gtld:127.2.0.1:com example-com:127.3.0.1:example.com
	 example-net:127.4.0.1:example.net shop-net:127.5.0.1:shop.net"
[ $resolver = yes ] && servers="$servers resolver:127.0.0.1:."
for s in $servers; do
	IFS=: read -r name addr zone <<<"$s"
	"$cairnd" -d -c "$confdir/$name.conf" 2>"$logdir/$name.log" &
	pids+=($!)
	ok=no
	# up to 30 s: a sanitizer build on a loaded machine starts slowly
	for _ in $(seq 300); do
		if dig @"$addr" +time=1 +tries=1 +norec "$zone" SOA 2>/dev/null | grep -q 'status: NOERROR'; then
			ok=yes; break
		fi
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	if [ $ok != yes ]; then
		echo "start.sh: $name did not start; its log ($logdir/$name.log):" >&2
		cat "$logdir/$name.log" >&2
		exit 1
	fi
done
echo "cairn toy Internet is up (logs in $logdir).  Try: dig @127.1.0.1 www.example.com +norec" >&2
if [ $# -gt 0 ]; then "$@"; else "${SHELL:-/bin/bash}" -i; fi
