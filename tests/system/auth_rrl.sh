#!/bin/bash
# auth_rrl: response rate limiting (as NSD/BIND RRL) with bounded floods
# from loopback: a flood of identical queries above rrl-ratelimit gets
# about `ratelimit` answers per second, every rrl-slip-th of the rest
# truncated (TC=1, empty) and the others dropped; NXDOMAIN floods of
# random names are limited per zone and wildcard floods per wildcard;
# TCP, whitelisted clients, clients with a valid server cookie and the
# resolver's answers are not limited; the statistics count what was
# dropped and slipped.
. "$top_srcdir/tests/system/lib.sh"
need dig python3

FLOOD="python3 $SYSDIR/flood.py --sockets 8"
LIMIT=20
N=300

stat() { ctl_stat "$SOCK" "$1"; }
# field NAME: a field of the last flood.py line ($FL)
field() { tr ' ' '\n' <<<"$FL" | sed -n "s/^$1=//p"; }
check_eq() {
	if [ "$2" = "$3" ]; then pass; else LAST_Q= fail "$1: '$2', expected '$3'"; fi
}
# check_range WHAT GOT MIN MAX
check_range() {
	if [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then pass; else
		LAST_Q= fail "$1: $2, expected $3..$4 ($FL)"
	fi
}
# flood ARGS...: runs flood.py against the server, keeps its line in $FL
flood() {
	FL=$($FLOOD --port "$PORT" "$@")
	echo "  flood $*: $FL"
}
# check_limited WHAT: the last flood was limited: at most LIMIT answers in
# each second it spanned, and of the rest every 2nd slipped
check_limited() {
	local secs windows answers tc none limited
	secs=$(field seconds)
	windows=$(( ${secs%.*} + 2 ))   # whole seconds touched, at most
	answers=$(field answers); tc=$(field tc); none=$(field none)
	check_range "$1: answers" "$answers" "$LIMIT" $((LIMIT * windows))
	limited=$((N - answers))
	# rrl-slip 2: every 2nd limited response slips, the others are dropped
	check_range "$1: truncated (slipped)" "$tc" $((limited / 2 - windows)) $((limited / 2 + windows))
	check_range "$1: no reply (dropped)" "$none" $((limited / 2 - windows)) $((limited / 2 + windows))
}

PORT=$(free_port)
SOCK=$TMP/rrl.ctl
write_lab_conf "$TMP/rrl.conf" "$PORT" "control-socket: $SOCK" "rrl-ratelimit: $LIMIT" \
	"rrl-slip: 2" "rrl-whitelist: 127.0.0.2/32"
# two workers: the buckets are shared (each flood's queries come from many
# source ports, which SO_REUSEPORT spreads over both)
sed -i 's/^\tthreads: 1$/\tthreads: 2/' "$TMP/rrl.conf"
start_cairnd "$TMP/rrl.conf" "$PORT"

echo "== a flood of identical queries (UDP, $N at 1000/s, limit $LIMIT/s)"
flood --count $N --rate 1000 www.lab.test A
check_limited "www.lab.test A"
check_eq "rrl.slipped counts the truncated answers" "$(stat rrl.slipped)" "$(field tc)"
check_eq "rrl.dropped counts the unanswered queries" "$(stat rrl.dropped)" "$(field none)"
# a slipped answer is empty with TC=1, so that the client retries over TCP
check_eq "truncated answers with records" "$(field tc_data)" 0

echo "== other kinds: NXDOMAIN per zone, wildcard per wildcard, errors"
flood --count $N --rate 1000 --random-label nx.lab.test A
check_limited "random NXDOMAIN names"
flood --count $N --rate 1000 --random-label users.lab.test A
check_limited "random names of the wildcard *.users.lab.test"
flood --count $N --rate 1000 www.not-ours.test A
check_limited "REFUSED (not our zone, no recursion)"
# another name has its own bucket
flood --count 10 --rate 1000 mail.lab.test A
check_eq "another name: answered" "$(field answers)" 10

echo "== TCP is not limited"
DROPPED=$(stat rrl.dropped)
SLIPPED=$(stat rrl.slipped)
for i in $(seq 60); do echo "www.lab.test A"; done >"$TMP/batch"
OUT=$(dig @127.0.0.1 -p "$PORT" +norec +tcp +time=2 +tries=1 -f "$TMP/batch" 2>&1)
LAST_Q="dig +tcp -f batch (60 x www.lab.test A)"
check_eq "TCP answers with data" "$(grep -c 'status: NOERROR' <<<"$OUT")" 60
check_eq "TCP answers truncated" "$(grep -c 'flags:.* tc' <<<"$OUT")" 0
check_eq "rrl.dropped unchanged by TCP" "$(stat rrl.dropped)" "$DROPPED"
check_eq "rrl.slipped unchanged by TCP" "$(stat rrl.slipped)" "$SLIPPED"

echo "== a whitelisted client (rrl-whitelist: 127.0.0.2/32) is not limited"
flood --source 127.0.0.2 --count $N --rate 1000 www.lab.test A
check_eq "whitelisted: answers" "$(field answers)" $N
# ... while its /24 neighbour 127.0.0.1 still is
flood --count $N --rate 1000 www.lab.test A
check_limited "127.0.0.1 after the whitelisted flood"

echo "== a client with a valid server cookie is not limited"
COOKIE=$(dig @127.0.0.1 -p "$PORT" +norec +tcp +cookie www.lab.test A | sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p')
[ ${#COOKIE} = 48 ] && pass || LAST_Q= fail "no server cookie from dig +cookie: '$COOKIE'"
flood --count $N --rate 1000 --cookie "$COOKIE" www.lab.test A
check_eq "valid cookie: answers" "$(field answers)" $N
# a client cookie alone proves nothing: limited
flood --count $N --rate 1000 --cookie "${COOKIE:0:16}" www.lab.test A
check_limited "client cookie only"

echo "== statistics"
check_metric "$SOCK" cairn_rrl_dropped_total
check_metric "$SOCK" cairn_rrl_slipped_total

echo "== rrl-ratelimit: 0 turns it off"
PORT2=$(free_port)
write_lab_conf "$TMP/off.conf" "$PORT2" 'control-socket: ""' "rrl-ratelimit: 0"
start_cairnd "$TMP/off.conf" "$PORT2"
PORT1=$PORT
PORT=$PORT2
flood --count $N --rate 2000 www.lab.test A
check_eq "RRL off: answers" "$(field answers)" $N

echo "== the resolver's answers are not limited, our zones' answers are"
# recursion for loopback; "localhost" is a locally served zone of the
# resolver (RFC 6761), answered without any upstream query (the lab's
# hints point at loopback addresses anyway)
PORT3=$(free_port)
write_lab_conf "$TMP/rec.conf" "$PORT3" 'control-socket: ""' "rrl-ratelimit: $LIMIT" \
	"allow-recursion: 127.0.0.0/8" "root-hints: $ZONEDIR/lab/root.hints"
sed -i 's/recursion: no/recursion: yes/' "$TMP/rec.conf"
start_cairnd "$TMP/rec.conf" "$PORT3"
PORT=$PORT3
flood --count $N --rate 1000 localhost A
check_eq "resolver (local zone) answers" "$(field answers)" $N
flood --count $N --rate 1000 www.lab.test A
check_limited "zone answers with recursion: yes"
PORT=$PORT1
check_alive "$CAIRND_PID"
finish
