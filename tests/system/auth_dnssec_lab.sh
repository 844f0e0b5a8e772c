#!/bin/bash
# auth_dnssec_lab: the signed toy Internet (zones/lab/signed, made by
# sign.sh there) served by cairnd in a private network namespace, checked
# by a validating unbound with the lab's trust anchor (signed/root.key):
# the chain of trust holds from the root down (AD), the unsigned shop.net
# is insecure, and each zone broken for teaching fails the way
# zones/lab/README says (SERVFAIL, or insecure for 500 NSEC3 iterations).
. "$top_srcdir/tests/system/resolver_lib.sh"
need unbound

S=$top_srcdir/zones/lab/signed
start_signed_lab "$S" || die "the signed lab did not start"
start_unbound "$T" 127.0.0.2 "$top_srcdir/zones/lab/root.hints" \
	"access-control: 127.0.0.0/8 allow" "module-config: \"validator iterator\"" \
	"trust-anchor-file: \"$S/root.key\"" "trust-anchor-signaling: no" \
	"root-key-sentinel: no" "val-log-level: 2" "local-zone: \"127.in-addr.arpa.\" nodefault"
wait_dns 127.0.0.2 . NS || die "unbound did not start: $(cat "$T/unbound.log")"

# expect NAME TYPE RCODE AD(yes|no)
expect() {
	local out rc ad=no
	out=$(dig @127.0.0.2 +dnssec +time=5 +tries=1 "$1" "$2" 2>&1)
	rc=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -n 1)
	grep -q '^;; flags:.* ad[ ;]' <<<"$out" && ad=yes
	if [ "$rc" = "$3" ] && [ "$ad" = "$4" ]; then
		ok "$1 $2: $rc, AD $ad"
	else
		bad "$1 $2: $rc AD $ad, expected $3 AD $4"
		sed 's/^/  | /' <<<"$out"
	fi
}

# secure from the root down (NSEC, NSEC3, NSEC3 opt-out parents)
expect . SOA NOERROR yes
expect com SOA NOERROR yes
expect ns1.example.com A NOERROR yes
expect example.com MX NOERROR yes
expect nosuch.example.com A NXDOMAIN yes
expect example.com TXT NOERROR yes
expect ns1.example.net A NOERROR yes
expect nosuch.example.net A NXDOMAIN yes
expect 1.0.0.127.in-addr.arpa PTR NOERROR yes
expect nosuch.arpa A NXDOMAIN yes
expect nosuch. A NXDOMAIN yes
# a denial in an opt-out span proves nothing secure (RFC 5155 section 6)
expect nosuch.com A NXDOMAIN no
# the insecure delegation, and a CNAME from a secure zone into it
expect www.shop.net A NOERROR no
expect www.example.com A NOERROR no
# broken on purpose
expect www.expired.example.com A SERVFAIL no
expect www.wrongds.example.com A SERVFAIL no
expect www.nokey.example.com A SERVFAIL no
expect www.nosig.example.com A SERVFAIL no
expect nosig.example.com SOA NOERROR yes
expect www.iter500.example.com A NOERROR yes
expect nosuch.iter500.example.com A NXDOMAIN no
# an algorithm validators must not use makes the zone insecure, not bogus
# (RFC 6840 section 5.2, RFC 8624)
expect www.rsamd5.example.com A NOERROR no
finish
