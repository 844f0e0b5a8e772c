#!/bin/bash
# auth_transport: how cairnd talks, over UDP and TCP, IPv4 and IPv6:
# truncation (RFC 1035 section 4.2.1, RFC 2181 section 9), EDNS0 (RFC 6891:
# OPT echoed with our 1232, the client's size honoured, BADVERS, FORMERR for
# a malformed OPT, unknown options ignored), NOTIMP for other opcodes, AXFR
# and IXFR over UDP refused, TCP per RFC 7766 (pipelining, idle timeout,
# connection limit, a silent client blocks nobody), threads: 2.
. "$top_srcdir/tests/system/lib.sh"
need dig python3 ss

PORT=$(free_port)
# a short idle timeout, so that it can be exceeded
write_lab_conf "$TMP/cairnd.conf" "$PORT" "tcp-idle-timeout: 2"
start_cairnd "$TMP/cairnd.conf" "$PORT"
PID1=$CAIRND_PID

msg_size() { sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$OUT"; }

# check_size_max N: the reply is at most N bytes
check_size_max() {
	local n
	n=$(msg_size)
	if [ -n "$n" ] && [ "$n" -le "$1" ]; then pass; else fail "reply of '$n' bytes, limit $1"; fi
}

# ---- truncation.  +ignore: dig must not retry over TCP by itself.
TRANSPORT=+notcp
echo "== truncation"
q big.lab.test TXT +noedns +ignore
check_rcode NOERROR
check_flag tc
check_size_max 512
check_not_out 'OPT PSEUDOSECTION'
# EDNS with our 1232 bytes: the 8 x 100-byte TXT RRset fits
q big.lab.test TXT +ignore
check_rcode NOERROR
check_noflag tc
check_count ANSWER 8
q big.lab.test TXT +bufsize=4096 +ignore
check_noflag tc
check_count ANSWER 8
# the client's smaller buffer is honoured
q big.lab.test TXT +bufsize=600 +ignore
check_flag tc
check_size_max 600
# below 512 counts as 512 (RFC 6891 section 6.2.5)
q big.lab.test TXT +bufsize=100 +ignore
check_flag tc
check_size_max 512
q www.lab.test A +bufsize=100 +ignore
check_noflag tc
check_count ANSWER 1
# about 2000 bytes: over 1232
q huge.extra.test TXT +bufsize=1232 +ignore
check_flag tc
check_size_max 1232
q huge.extra.test TXT +bufsize=4096 +ignore
check_size_max 4096
if [[ " $(get_flags) " != *" tc "* ]]; then check_count ANSWER 18; fi
# TCP carries everything, EDNS or not
TRANSPORT=+tcp
q big.lab.test TXT +noedns
check_noflag tc
check_count ANSWER 8
q huge.extra.test TXT
check_noflag tc
check_count ANSWER 18
q huge.extra.test TXT +noedns
check_noflag tc
check_count ANSWER 18

# ---- EDNS0 and opcodes, over both transports
for TRANSPORT in +notcp +tcp; do
	echo "== EDNS and opcodes over $([ "$TRANSPORT" = +tcp ] && echo TCP || echo UDP)"
	q www.lab.test A
	check_rcode NOERROR
	check_out '^; EDNS: version: 0, flags:.*; udp: 1232$'
	q www.lab.test A +bufsize=4096
	check_out '^; EDNS: version: 0, flags:.*; udp: 1232$'
	q www.lab.test A +noedns
	check_rcode NOERROR
	check_not_out 'OPT PSEUDOSECTION'
	# negative answers carry OPT too
	q nosuch.lab.test A
	check_rcode NXDOMAIN
	check_out '^; EDNS: version: 0, flags:.*; udp: 1232$'
	# REFUSED too
	q www.example.org A
	check_rcode REFUSED
	check_out '^; EDNS: version: 0, flags:.*; udp: 1232$'
	# unknown EDNS options are ignored (RFC 6891 section 6.1.2), cookies too
	q www.lab.test A +ednsopt=65001:c0ffee +cookie
	check_rcode NOERROR
	check_count ANSWER 1
	q www.lab.test A +ednsflags=0x40 +nocookie
	check_rcode NOERROR
	# EDNS version 1: BADVERS, with an OPT of version 0 (section 6.1.3)
	q www.lab.test A +edns=1 +noednsneg
	check_rcode BADVERS
	check_out '^; EDNS: version: 0,'
	check_section ANSWER
	# NOTIFY (RFC 1996) for a name that is no secondary zone of ours:
	# NOTAUTH (xfr_notify.sh tests NOTIFY further); other opcodes: NOTIMP
	q www.lab.test A +opcode=notify
	check_rcode NOTAUTH
	q www.lab.test A +opcode=status
	check_rcode NOTIMP
	q lab.test SOA +opcode=update
	check_rcode NOTIMP
	q www.lab.test A +opcode=15
	check_rcode NOTIMP
done

# malformed OPT records (hand-made): FORMERR
LAST_Q=
for c in two-opt opt-owner-not-root opt-option-overruns-rdata; do
	for proto in "" --tcp; do
		r=$($DNSRAW send $proto --port "$PORT" "@$SYSDIR/malformed/$c.hex")
		if [[ $r == rcode=FORMERR* ]]; then pass; else fail "$c ${proto:-udp}: got '$r', want FORMERR"; fi
	done
done
# a zone transfer over UDP: FORMERR or REFUSED (transfers are TCP only)
for t in AXFR IXFR; do
	r=$($DNSRAW send --port "$PORT" "$($DNSRAW build lab.test $t)")
	if [[ $r == rcode=FORMERR* || $r == rcode=REFUSED* ]]; then pass; else fail "$t over UDP: got '$r'"; fi
	r=$($DNSRAW send --port "$PORT" "$($DNSRAW build lab.test $t --edns 0)")
	if [[ $r == rcode=FORMERR* || $r == rcode=REFUSED* ]]; then pass; else fail "$t over UDP with EDNS: got '$r'"; fi
done

# ---- IPv6 listener
echo "== IPv6"
SERVER=::1
need_ipv6 "IPv6 listener" &&
for TRANSPORT in +notcp +tcp; do
	q www.lab.test AAAA
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER 'www.lab.test. 3600 IN AAAA 2001:db8::80'
	q big.lab.test TXT +noedns +ignore
	[ "$TRANSPORT" = +tcp ] && check_noflag tc || check_flag tc
done
SERVER=127.0.0.1

# ---- TCP (RFC 7766)
echo "== TCP pipelining"
check_cmd "30 pipelined queries on one connection (IPv4)" $DNSRAW pipeline --port "$PORT" --count 30
need_ipv6 "IPv6 pipelining" &&
	check_cmd "30 pipelined queries on one connection (IPv6)" $DNSRAW pipeline --host ::1 --port "$PORT" --count 30
# dig reusing one connection for several questions
TRANSPORT=+tcp
q +keepopen www.lab.test A mail.lab.test AAAA nosuch.lab.test A ftp.lab.test A
n=$(grep -c 'status: NOERROR' <<<"$OUT"); x=$(grep -c 'status: NXDOMAIN' <<<"$OUT")
if [ "$n" = 3 ] && [ "$x" = 1 ]; then pass; else fail "+keepopen: $n NOERROR, $x NXDOMAIN"; fi

echo "== TCP idle timeout (2 s)"
check_cmd "silent and half-sent connections closed after the idle timeout, others served meanwhile" \
	$DNSRAW idle --port "$PORT" --idle 2
check_alive "$PID1"
stop_pid "$PID1"

echo "== TCP connection limit (8, one thread)"
PORT=$(free_port)
write_lab_conf "$TMP/cairnd-limit.conf" "$PORT" "tcp-idle-timeout: 60" "tcp-max-connections: 8"
start_cairnd "$TMP/cairnd-limit.conf" "$PORT"
check_cmd "connection limit" $DNSRAW tcplimit --port "$PORT" --limit 8
check_alive "$CAIRND_PID"
stop_pid "$CAIRND_PID"

# ---- threads: 2, each with its own SO_REUSEPORT sockets
echo "== threads: 2"
PORT=$(free_port)
write_lab_conf "$TMP/cairnd2.conf" "$PORT" "threads: 2"
sed -i '/threads: 1/d' "$TMP/cairnd2.conf"
start_cairnd "$TMP/cairnd2.conf" "$PORT"
PID2=$CAIRND_PID
nthreads=$(ls /proc/"$PID2"/task | wc -l)
if [ "$nthreads" -ge 2 ]; then pass; else LAST_Q= fail "threads: 2 but the process has $nthreads thread(s)"; fi
nudp=$(ss -H -uln "src 127.0.0.1:$PORT" | wc -l)
if [ "$nudp" -ge 2 ]; then pass; else LAST_Q= fail "threads: 2 but $nudp UDP socket(s) on 127.0.0.1:$PORT"; fi
ntcp=$(ss -H -tln "src 127.0.0.1:$PORT" | wc -l)
if [ "$ntcp" -ge 2 ]; then pass; else LAST_Q= fail "threads: 2 but $ntcp TCP listener(s) on 127.0.0.1:$PORT"; fi
# a burst from many clients at once: every query answered correctly
for i in $(seq 40); do echo "host$i.users.lab.test A"; done >"$TMP/batch"
# (each UDP client on a source port of its own: dig sets SO_REUSEPORT, so
# the kernel may give two digs running at once the same port, and then one
# of them gets the other's answers)
for i in 1 2 3 4; do
	dig -b "127.0.0.1#$(free_port)" @127.0.0.1 -p "$PORT" +norec +time=3 +tries=2 -f "$TMP/batch" >"$TMP/burst.$i" 2>&1 &
	dig @"$([ $HAVE_IPV6 = yes ] && echo ::1 || echo 127.0.0.1)" -p "$PORT" +norec +tcp +time=3 +tries=2 -f "$TMP/batch" >"$TMP/burst6.$i" 2>&1 &
done
wait_bursts() { local j; for j in $(jobs -p); do [ "$j" = "$PID2" ] || wait "$j"; done; }
wait_bursts
good=$(cat "$TMP"/burst*.* | grep -c 'IN[[:space:]]A[[:space:]]192\.0\.2\.200$')
if [ "$good" -eq 320 ]; then pass; else LAST_Q= fail "threads: 2 burst: $good of 320 answers"; fi
check_alive "$PID2"
stop_pid "$PID2"

# ---- a wildcard listen address: each reply must come from the address the
# query was sent to (RFC 2181 section 4; dig drops a reply from another
# source).  Every 127.x address is ours on lo.
echo "== wildcard listen"
PORT=$(free_port)
write_lab_conf "$TMP/cairnd3.conf" "$PORT"
sed -i "s/listen: 127\.0\.0\.1@$PORT/listen: 0.0.0.0@$PORT/; s/listen: ::1@$PORT/listen: ::@$PORT/" "$TMP/cairnd3.conf"
start_cairnd "$TMP/cairnd3.conf" "$PORT"
PID3=$CAIRND_PID
for SERVER in 127.0.0.2 127.0.0.3 $([ $HAVE_IPV6 = yes ] && echo ::1); do
	TRANSPORT=+notcp
	q www.lab.test A
	check_rcode NOERROR
	check_has ANSWER 'www\.lab\.test\..*IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
	check_not_out 'unexpected source'
done
SERVER=127.0.0.1
check_alive "$PID3"
stop_pid "$PID3"
finish
