#!/bin/bash
# answer_cache: the workers' answer cache (answer-cache-size) gives, byte
# for byte, what a server without it builds: for many questions (names,
# types, a wildcard, a CNAME chain, a referral, NXDOMAIN, NODATA, ANY, a
# big TXT), flags (RD, CD, AD), EDNS or not, DO, UDP sizes and letter case,
# each asked three times with new IDs and cases; a cookie is each client's
# own; a reload serves the new zone at once; as a resolver (forwarding to
# the first), answers age their TTLs, and a flush is seen at once.
. "$top_srcdir/tests/system/lib.sh"
need dig python3

CTL=$top_builddir/cairn-control

# check_at_least WHAT GOT MIN
check_at_least() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then pass; else LAST_Q= fail "$1: $2, expected at least $3"; fi
}
# until_ok WHAT COMMAND: retries the shell COMMAND for up to 10 s
until_ok() {
	local i
	for i in $(seq 100); do
		eval "$2" && { pass; return 0; }
		sleep 0.1
	done
	LAST_Q= fail "$1: not within 10 s"
}

# the zone lab.test with www's address set to $1 and serial $2
lab_zone() {
	sed -e "s/^www     IN  A    192.0.2.80/www     IN  A    $1/" \
	    -e "s/2024060101 ; serial/$2 ; serial/" "$ZONEDIR/lab.test.zone" >"$TMP/lab.test.zone"
}
lab_zone 192.0.2.80 2024060101
PORT=$(free_port)
# no rate limiting: the comparison asks thousands of questions a second
write_lab_conf "$TMP/a.conf" "$PORT" "control-socket: $TMP/a.ctl" "rrl-ratelimit: 0"
sed -i "s|file: $ZONEDIR/lab.test.zone|file: $TMP/lab.test.zone|" "$TMP/a.conf"
start_cairnd "$TMP/a.conf" "$PORT"
PORT_B=$(free_port)
write_lab_conf "$TMP/b.conf" "$PORT_B" "control-socket: $TMP/b.ctl" "rrl-ratelimit: 0" \
	"answer-cache-size: 0"
sed -i "s|file: $ZONEDIR/lab.test.zone|file: $TMP/lab.test.zone|" "$TMP/b.conf"
start_cairnd "$TMP/b.conf" "$PORT_B"

# compare PORT_CACHED PORT_PLAIN AGING NAMES...: every question asked of
# both once first (the resolver's fetch), then twice more, with new IDs
# and letter case each time (the first of them built, the second from the
# answer cache of the first server): the bytes must agree; with AGING > 0
# TTLs may differ by that many seconds.
compare() {
	python3 - "$SYSDIR" "$@" <<'PY'
import random, socket, struct, sys
sys.path.insert(0, sys.argv[1])
import dnsraw
cached, plain, aging = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
names = sys.argv[5:]
rnd = random.Random(5)
types = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "ANY", "SRV", "CAA", 65280]
RD, AD, CD = 0x0100, 0x0020, 0x0010
# RD=0 answers of a resolver depend on all its cache holds: asked of
# zones only
flagsets = [RD, RD | AD, RD | CD] + ([] if aging else [0, CD])
def mixcase(n):
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in n)
def ask(port, pkt):
    r = dnsraw.exchange(pkt, "127.0.0.1", port)
    if r is None:
        sys.exit("no answer from port %d" % port)
    return r
def ttls(p):
    """Offsets of every TTL of p but OPT's."""
    qd, an, ns, ar = struct.unpack("!HHHH", p[4:12])
    off = 12
    for _ in range(qd):
        off = dnsraw.skip_name(p, off) + 4
    out = []
    for _ in range(an + ns + ar):
        off = dnsraw.skip_name(p, off)
        t, = struct.unpack("!H", p[off:off + 2])
        if t != 41:
            out.append(off + 4)
        off += 10 + struct.unpack("!H", p[off + 8:off + 10])[0]
    return out
def same(a, b):
    if a == b:
        return True
    if not aging or len(a) != len(b):
        return False
    offs = ttls(a)
    if offs != ttls(b):
        return False
    x, y = bytearray(a), bytearray(b)
    for o in offs:
        if abs(struct.unpack("!I", a[o:o + 4])[0] - struct.unpack("!I", b[o:o + 4])[0]) > aging:
            return False
        x[o:o + 4] = y[o:o + 4] = b"\0\0\0\0"
    return x == y
cases = n = 0
for name in names:
    for t in types:
        for flags in flagsets:
            for edns, do, size in ((None, False, 0), (0, False, 1232), (0, True, 1232),
                                   (0, True, 512), (0, False, 4096)):
                for i in range(3):
                    qid = rnd.randrange(65536)
                    pkt = dnsraw.build(mixcase(name), t, qid=qid, flags=flags)
                    if edns is not None:
                        pkt = pkt[:10] + struct.pack("!H", 1) + pkt[12:] + \
                              dnsraw.opt_rr(0, size, do=do)
                    a, b = ask(cached, pkt), ask(plain, pkt)
                    if i == 0:
                        continue
                    n += 1
                    if not same(a, b):
                        sys.exit("differ: %s %s flags %04x edns %s do %s size %d:\n%s\n%s" %
                                 (name, t, flags, edns, do, size, a.hex(), b.hex()))
                cases += 1
print("%d cases, %d answers compared: the same" % (cases, n))
PY
}

LAB_NAMES="www.lab.test lab.test ftp.lab.test docs.lab.test x.users.lab.test bob.users.lab.test
nothere.lab.test printer.lab.test big.lab.test host.sub.lab.test _sip._udp.lab.test
opaque.lab.test mail2.lab.test"
echo "== zone answers: from the answer cache as built anew"
# shellcheck disable=SC2086
if OUT=$(compare "$PORT" "$PORT_B" 0 $LAB_NAMES 80.2.0.192.in-addr.arpa www.example.org 2>&1); then
	pass
else
	LAST_Q= fail "$OUT"
fi
echo "$OUT"
check_at_least "answers.cached" "$(ctl_stat "$TMP/a.ctl" answers.cached)" 1000
N=$(ctl_stat "$TMP/b.ctl" answers.cached)
[ "$N" = 0 ] && pass || LAST_Q= fail "answers.cached with answer-cache-size: 0 is $N"

echo "== a cookie is each client's own"
for c in 0102030405060708 1112131415161718 0102030405060708; do
	q www.lab.test A +cookie=$c
	check_rcode NOERROR
	check_out "^; COOKIE: ${c}01000000[0-9a-f]{24} \(good\)$"
done

echo "== during a UDP flood (the worker reading UDP only, udp_burst), TCP, the other"
echo "   address and the control socket are served at once"
python3 "$SYSDIR/flood.py" --port "$PORT" --count 100000 --rate 40000 --sockets 4 www.lab.test A \
	>"$TMP/flood.out" 2>&1 &
FLOOD=$!
sleep 0.3
for i in 1 2 3; do
	T0=$(date +%s%N)
	q +tcp www.lab.test A
	check_rcode NOERROR
	if [ $HAVE_IPV6 = yes ]; then
		SERVER=::1 q www.lab.test A
		check_rcode NOERROR
	fi
	check_cmd stats "$CTL" -s "$TMP/a.ctl" stats
	MS=$((($(date +%s%N) - T0) / 1000000))
	[ "$MS" -lt 1500 ] && pass || LAST_Q= fail "TCP, ::1 and stats took $MS ms during the flood"
done
kill -0 $FLOOD 2>/dev/null && pass || LAST_Q= fail "the flood ended before the checks: $(cat "$TMP/flood.out")"
wait $FLOOD
cat "$TMP/flood.out"

echo "== a reload serves the new zone at once"
q www.lab.test A
check_out '^www\.lab\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80$'
lab_zone 192.0.2.81 2024060102
check_cmd reload "$CTL" -s "$TMP/a.ctl" reload
until_ok "the new serial" "dig @127.0.0.1 -p $PORT +short lab.test SOA | grep -q 2024060102"
q www.lab.test A
check_out '^www\.lab\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.81$'

echo "== as a resolver: answers age, a flush is seen at once"
PORT_R=$(free_port)
cat >"$TMP/r.conf" <<EOF
server:
	listen: 127.0.0.1@$PORT_R
	threads: 1
	user: ""
	pidfile: ""
	log: stderr
	control-socket: $TMP/r.ctl
	recursion: yes
	dnssec: no
	query-loopback: yes
	local-zone-disable: test
forward-zone:
	name: lab.test
	forward-addr: 127.0.0.1@$PORT
EOF
"$CAIRND" -d -c "$TMP/r.conf" >"$TMP/r.log" 2>&1 &
PIDS+=($!)
LOGS+=("$TMP/r.log")
until_ok "the resolver" "dig @127.0.0.1 -p $PORT_R +time=1 +tries=1 www.lab.test | grep -q NOERROR"
PORT_A=$PORT
PORT=$PORT_R
ttl_of() { awk '$1 == "www.lab.test." && $4 == "A" {print $2}' <<<"$OUT"; }
q +rec www.lab.test A
T1=$(ttl_of)
q +rec www.lab.test A
check_out '192\.0\.2\.81$'
sleep 2.2
q +rec www.lab.test A
T2=$(ttl_of)
if [ -n "$T1" ] && [ -n "$T2" ] && [ "$T2" -le $((T1 - 2)) ] && [ "$T2" -ge $((T1 - 4)) ]; then
	pass
else
	LAST_Q= fail "TTL $T1 then $T2 two seconds later"
fi
check_at_least "resolver answers.cached" "$(ctl_stat "$TMP/r.ctl" answers.cached)" 1
lab_zone 192.0.2.82 2024060103
check_cmd reload "$CTL" -s "$TMP/a.ctl" reload
until_ok "the new serial upstream" "dig @127.0.0.1 -p $PORT_A +short lab.test SOA | grep -q 2024060103"
q +rec www.lab.test A
check_out '192\.0\.2\.81$'
check_cmd flush-name "$CTL" -s "$TMP/r.ctl" flush-name www.lab.test
q +rec www.lab.test A
check_out '192\.0\.2\.82$'
echo "== the resolver's answers, from its answer cache as built anew (TTLs within 2 s)"
PORT_R2=$(free_port)
sed -e "s/@$PORT_R/@$PORT_R2/" -e "s|$TMP/r.ctl|$TMP/r2.ctl|" -e '/recursion: yes/a\	answer-cache-size: 0' \
	"$TMP/r.conf" >"$TMP/r2.conf"
"$CAIRND" -d -c "$TMP/r2.conf" >"$TMP/r2.log" 2>&1 &
PIDS+=($!)
LOGS+=("$TMP/r2.log")
until_ok "the second resolver" "dig @127.0.0.1 -p $PORT_R2 +time=1 +tries=1 www.lab.test | grep -q NOERROR"
# the first resolver's cache is older: its TTLs may be lower by the
# seconds of this test
# shellcheck disable=SC2086
if OUT=$(compare "$PORT_R" "$PORT_R2" 120 $LAB_NAMES 2>&1); then pass; else LAST_Q= fail "$OUT"; fi
echo "$OUT"

finish
