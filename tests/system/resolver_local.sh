#!/bin/bash
# The locally served zones (RFC 6761, RFC 6303, RFC 7686): localhost.,
# invalid., test., onion. and the loopback and private reverse zones are
# answered by the resolver itself (AA=1, RA=1, the RFC 6303 §3 SOA) and
# never sent upstream; local-zone-disable turns one off (then the lab's
# servers are asked); zones configured with zone: win over local zones;
# an authoritative-only server or a client outside allow-recursion gets
# REFUSED; an unknown local-zone-disable name is a configuration error.
. "$top_srcdir/tests/system/resolver_lib.sh"
L=$top_srcdir/zones/lab
start_lab "$L" || die "the lab did not start"
H="root-hints: $L/root.hints"
resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "$H" "query-loopback: yes"

D() { dig @127.0.0.1 +time=5 +tries=1 "$@"; }
SOA='[[:space:]]+10800[[:space:]]+IN[[:space:]]+SOA[[:space:]]+localhost\. nobody\.invalid\. 1 3600 1200 604800 10800$'
# rr FILE NAME TYPE RDATA-REGEX: FILE has that record (any TTL)
rr() { grep -Eq "^$2[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+$3[[:space:]]+$4\$" "$1"; }

before=$(upstream)
D localhost A >"$T/l1"
check "localhost A: NOERROR" grep -q 'status: NOERROR' "$T/l1"
check "localhost A: AA and RA set (like unbound)" grep -Eq '^;; flags: qr aa rd ra;' "$T/l1"
check "localhost A: 127.0.0.1" rr "$T/l1" 'localhost\.' A '127\.0\.0\.1'
D localhost AAAA >"$T/l2"
check "localhost AAAA: ::1" rr "$T/l2" 'localhost\.' AAAA '::1'
D www.LocalHost A >"$T/l3"
check "below localhost (RFC 6761 §6.3): 127.0.0.1, case kept" rr "$T/l3" 'www\.LocalHost\.' A '127\.0\.0\.1'
D x.invalid A >"$T/l4"
check "x.invalid: NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/l4"
check "x.invalid: the RFC 6303 SOA of invalid. in authority" grep -Eq "^invalid\.$SOA" "$T/l4"
D www.example.test A >"$T/l5"
check "www.example.test: NXDOMAIN (test. like unbound)" grep -q 'status: NXDOMAIN' "$T/l5"
D abc.onion A >"$T/l6"
check "abc.onion: NXDOMAIN (RFC 7686)" grep -q 'status: NXDOMAIN' "$T/l6"
D -x 127.0.0.1 >"$T/l7"
check "1.0.0.127.in-addr.arpa PTR localhost." rr "$T/l7" '1\.0\.0\.127\.in-addr\.arpa\.' PTR 'localhost\.'
check "1.0.0.127.in-addr.arpa: AA set" grep -Eq '^;; flags: qr aa rd ra;' "$T/l7"
D -x 127.3.0.25 >"$T/l8"
check "127.3.0.25 PTR: NXDOMAIN from the local zone" grep -q 'status: NXDOMAIN' "$T/l8"
check "127.3.0.25 PTR: SOA of 127.in-addr.arpa." grep -Eq "^127\.in-addr\.arpa\.$SOA" "$T/l8"
D 10.in-addr.arpa PTR >"$T/l9"
check "10.in-addr.arpa PTR: NODATA at the apex" grep -q 'status: NOERROR' "$T/l9"
check "10.in-addr.arpa PTR: SOA in authority" grep -Eq "^10\.in-addr\.arpa\.$SOA" "$T/l9"
D -x 10.1.2.3 >"$T/l10"
check "10.1.2.3 PTR: NXDOMAIN with the SOA of 10.in-addr.arpa." \
	grep -Eq "^10\.in-addr\.arpa\.$SOA" "$T/l10"
check "10.1.2.3 PTR: NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/l10"
D -x 192.168.1.1 >"$T/l11"
check "192.168.1.1 PTR: NXDOMAIN" grep -q 'status: NXDOMAIN' "$T/l11"
D -x fd00::1 >"$T/l12"
check "fd00::1 PTR: NXDOMAIN (d.f.ip6.arpa)" grep -q 'status: NXDOMAIN' "$T/l12"
D -x ::1 >"$T/l13"
check "::1 PTR localhost." grep -Eq 'IN[[:space:]]+PTR[[:space:]]+localhost\.$' "$T/l13"
D 10.in-addr.arpa NS >"$T/l14"
check "10.in-addr.arpa NS localhost." rr "$T/l14" '10\.in-addr\.arpa\.' NS 'localhost\.'
after=$(upstream)
[ "$after" = "$before" ] && ok "local zones: no upstream query" ||
	bad "local zones: $((after - before)) upstream queries"
# Fault 4 of issue 8 (ASan catches a use after free): answers given at
# once fill a TCP connection's write buffer, then a REFUSED (class CH) and
# a name to resolve arrive after the client's EOF; the late answer must
# reach the client and the connection close cleanly afterwards.
check "TCP: late answer after sync answers and EOF" \
	python3 "$top_srcdir/tests/system/dnsraw.py" tcplate --host 127.0.0.1 --port 53 www.example.org
D localhost A >"$T/l14b"
check "still answering after the TCP late-answer test" grep -q 'status: NOERROR' "$T/l14b"

# the control: an ordinary name does go upstream
D www.example.net A >"$T/l15"
check "www.example.net: resolved" grep -q '127\.4\.0\.80' "$T/l15"
[ "$(upstream)" -gt "$after" ] && ok "ordinary names go upstream" || bad "no upstream query for www.example.net"

# ---- local-zone-disable: the lab's 127.in-addr.arpa is asked instead ----
resolver res-off 127.0.0.2 "allow-recursion: 127.0.0.0/8" "$H" "query-loopback: yes" \
	"local-zone-disable: 127.in-addr.arpa" "local-zone-disable: 10.in-addr.arpa."
before=$(grep -c ' query .*in-addr\.arpa' "$T/auth-exnet.log")
dig @127.0.0.2 +time=5 +tries=1 -x 127.3.0.25 >"$T/d1"
check "disabled: 127.3.0.25 PTR mail.example.com. from the lab" \
	rr "$T/d1" '25\.0\.3\.127\.in-addr\.arpa\.' PTR 'mail\.example\.com\.'
check "disabled: AA clear (a resolved answer)" grep -Eq '^;; flags: qr rd ra;' "$T/d1"
after=$(grep -c ' query .*in-addr\.arpa' "$T/auth-exnet.log")
[ "$after" -gt "$before" ] && ok "disabled: the lab's reverse server was asked" ||
	bad "disabled: the lab's reverse server was not asked"
dig @127.0.0.2 +time=5 +tries=1 -x 10.1.2.3 >"$T/d2"
check "disabled 10.in-addr.arpa: NXDOMAIN from the lab's arpa. servers" \
	grep -Eq '^arpa\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+a\.root-servers\.net\.' "$T/d2"
check "disabled 10.in-addr.arpa: not local, so no AA" grep -Eq '^;; flags: qr rd ra;' "$T/d2"
dig @127.0.0.2 +time=5 +tries=1 x.invalid >"$T/d3"
check "disabled others: x.invalid still local" grep -Eq "^invalid\.$SOA" "$T/d3"

# ---- zones configured with zone: win over the local zones ----
printf '$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n@ SOA ns.lab. hostmaster.lab. 1 3600 600 86400 300\n@ NS ns.lab.\n1.0.0 PTR gw.lab.\n' >"$T/10.zone"
printf '$ORIGIN lab.test.\n$TTL 3600\n@ SOA ns.lab. hostmaster.lab. 1 3600 600 86400 300\n@ NS ns.lab.\nwww A 192.0.2.80\n' >"$T/labtest.zone"
{
	printf 'server:\n\tlisten: 127.0.0.3@53\n\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n'
	printf '\tcontrol-socket: ""\n\tlog: stderr\n\trecursion: yes\n\t%s\n' "$H"
	printf '\tquery-loopback: yes\n\tallow-recursion: 127.0.0.0/8\n'
	printf 'zone:\n\tname: 10.in-addr.arpa\n\tfile: %s\n' "$T/10.zone"
	printf 'zone:\n\tname: lab.test\n\tfile: %s\n' "$T/labtest.zone"
} >"$T/res-zone.conf"
"$CAIRND" -d -c "$T/res-zone.conf" >"$T/res-zone.log" 2>&1 &
PIDS+=($!)
wait_dns 127.0.0.3 . NS || die "res-zone did not start: $(cat "$T/res-zone.log")"
dig @127.0.0.3 +time=5 +tries=1 -x 10.0.0.1 >"$T/z1"
check "zone: 10.in-addr.arpa wins: PTR gw.lab." rr "$T/z1" '1\.0\.0\.10\.in-addr\.arpa\.' PTR 'gw\.lab\.'
dig @127.0.0.3 +time=5 +tries=1 -x 10.0.0.2 >"$T/z2"
check "zone: 10.in-addr.arpa wins: its own SOA on NXDOMAIN" \
	grep -Eq '^10\.in-addr\.arpa\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns\.lab\.' "$T/z2"
dig @127.0.0.3 +time=5 +tries=1 www.lab.test >"$T/z3"
check "zone: lab.test below test. wins" rr "$T/z3" 'www\.lab\.test\.' A '192\.0\.2\.80'
dig @127.0.0.3 +time=5 +tries=1 www.other.test >"$T/z4"
check "zone: the rest of test. stays local" grep -Eq "^test\.$SOA" "$T/z4"

# ---- no local answers without recursion for the client ----
dig @127.3.0.1 +time=3 +tries=1 localhost >"$T/n1"
check "authoritative-only server: localhost REFUSED" grep -q 'status: REFUSED' "$T/n1"
resolver res-acl 127.0.0.4 "allow-recursion: 10.0.0.0/8" "$H" "query-loopback: yes"
dig @127.0.0.4 +time=3 +tries=1 localhost >"$T/n2"
check "outside allow-recursion: localhost REFUSED" grep -q 'status: REFUSED' "$T/n2"

# ---- an unknown name is a configuration error with file:line ----
printf 'server:\n\trecursion: yes\n\tlocal-zone-disable: example.com\n' >"$T/bad.conf"
if "$CAIRND" -n -c "$T/bad.conf" >"$T/bad.out" 2>&1; then
	bad "local-zone-disable: example.com accepted"
else
	check "local-zone-disable: example.com rejected at line 3" grep -q 'bad.conf:3' "$T/bad.out"
fi
finish
