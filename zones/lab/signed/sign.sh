#!/bin/sh
# sign.sh -- signs the toy Internet of zones/lab into this directory (run it
# from anywhere; it needs ldnsutils: ldns-keygen, ldns-signzone, ldns-key2ds).
# Fresh keys are made on every run (kept only in a temporary directory) and
# the new trust anchor goes to root.key, so the committed files always
# belong together.  Signatures run from 2026-01-01 to 2038-01-01 (ldns reads
# RRSIG times as signed 32-bit seconds; later dates would confuse it).
#
#   .                  NSEC, ED25519      trust anchor: root.key (DS)
#   arpa.              NSEC
#   127.in-addr.arpa.  NSEC
#   com.               NSEC3 opt-out, no salt, 0 iterations
#   net.               NSEC3 opt-out, no salt, 0 iterations
#   example.com.       NSEC3, salt, 0 iterations
#   example.net.       NSEC
#   shop.net.          not signed: an insecure delegation from net.
#
# and, below example.com. (served by its servers, see example-com.conf),
# zones broken on purpose for teaching (see ../README):
#   expired.example.com.  signatures expired on 2020-02-01
#   wrongds.example.com.  the DS in example.com. matches none of its keys
#   nokey.example.com.    signed, but its DNSKEY RRset was removed
#   nosig.example.com.    the RRSIG of www's A record was removed
#   iter500.example.com.  NSEC3 with 500 iterations (RFC 9276: insecure)
#   rsamd5.example.com.   signed with RSAMD5, an algorithm validators must
#                         not use (RFC 8624): insecure, not bogus
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lab=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ALG=ED25519
start=20260101000000
end=20380101000000

# keys ZONE ALG [LDNS-KEYGEN-OPTIONS...]: makes a KSK and a ZSK in $tmp;
# sets KSK and ZSK
keys() {
	z=$1 alg=$2
	shift 2
	KSK=$(cd "$tmp" && ldns-keygen -a "$alg" "$@" -k "$z")
	ZSK=$(cd "$tmp" && ldns-keygen -a "$alg" "$@" "$z")
}

# sign ZONE IN OUT [SIGNZONE-OPTIONS...]: keys, signature, DS into $tmp/ZONE.ds
sign() {
	z=$1 in=$2 out=$3
	shift 3
	# shellcheck disable=SC2086
	keys "$z" $ALG
	ldns-signzone -i "$start" -e "$end" "$@" -f "$out" "$in" "$tmp/$KSK" "$tmp/$ZSK"
	(cd "$tmp" && ldns-key2ds -n -2 "$KSK.key") >"$tmp/$z.ds"
}

# with_ds IN ZONE...: IN followed by the DS records of the ZONEs
with_ds() {
	in=$1
	shift
	cp "$in" "$tmp/parent"
	echo "; DS records added by signed/sign.sh" >>"$tmp/parent"
	for c in "$@"; do cat "$tmp/$c.ds" >>"$tmp/parent"; done
}

# a small zone below example.com
child() {
	cat <<EOF
\$ORIGIN $1.example.com.
\$TTL 1h
@   IN SOA ns1.example.com. hostmaster.example.com. 2026010101 2h 15m 2w 5m
    IN NS  ns1.example.com.
    IN NS  ns2.example.com.
www IN A   127.3.0.80
EOF
}

# the broken children
child expired >"$tmp/expired.in"
sign expired.example.com "$tmp/expired.in" "$here/expired.example.com.zone" \
	-i 20200101000000 -e 20200201000000
child wrongds >"$tmp/wrongds.in"
sign wrongds.example.com "$tmp/wrongds.in" "$here/wrongds.example.com.zone"
# a DS of a key that signs nothing
keys wrongds.example.com ED25519
(cd "$tmp" && ldns-key2ds -n -2 "$KSK.key") >"$tmp/wrongds.example.com.ds"
child nokey >"$tmp/nokey.in"
sign nokey.example.com "$tmp/nokey.in" "$tmp/nokey.signed"
awk '$4 != "DNSKEY" && !($4 == "RRSIG" && $5 == "DNSKEY")' "$tmp/nokey.signed" \
	>"$here/nokey.example.com.zone"
child nosig >"$tmp/nosig.in"
sign nosig.example.com "$tmp/nosig.in" "$tmp/nosig.signed"
awk '!($1 == "www.nosig.example.com." && $4 == "RRSIG" && $5 == "A")' "$tmp/nosig.signed" \
	>"$here/nosig.example.com.zone"
child iter500 >"$tmp/iter500.in"
sign iter500.example.com "$tmp/iter500.in" "$here/iter500.example.com.zone" -n -t 500 -s 00
child rsamd5 >"$tmp/rsamd5.in"
ALG="RSAMD5 -b 1024"
sign rsamd5.example.com "$tmp/rsamd5.in" "$here/rsamd5.example.com.zone"
ALG=ED25519

# the tree, leaves first
{
	cat "$lab/example.com.zone"
	echo "; delegations to the broken zones (signed/sign.sh)"
	for c in expired wrongds nokey nosig iter500 rsamd5; do
		echo "$c IN NS ns1.example.com."
		echo "$c IN NS ns2.example.com."
	done
} >"$tmp/example.com.in"
with_ds "$tmp/example.com.in" expired.example.com wrongds.example.com nokey.example.com \
	nosig.example.com iter500.example.com rsamd5.example.com
sign example.com "$tmp/parent" "$here/example.com.zone" -n -s cafe -t 0
sign example.net "$lab/example.net.zone" "$here/example.net.zone"
sign 127.in-addr.arpa "$lab/127.in-addr.arpa.zone" "$here/127.in-addr.arpa.zone"
cp "$lab/shop.net.zone" "$here/shop.net.zone"
with_ds "$lab/com.zone" example.com
sign com "$tmp/parent" "$here/com.zone" -n -p -t 0
with_ds "$lab/net.zone" example.net
sign net "$tmp/parent" "$here/net.zone" -n -p -t 0
with_ds "$lab/arpa.zone" 127.in-addr.arpa
sign arpa "$tmp/parent" "$here/arpa.zone"
with_ds "$lab/root.zone" com net arpa
sign . "$tmp/parent" "$here/root.zone"
{
	echo "; The trust anchor of the signed toy Internet: the DS of its root"
	echo "; key (made by signed/sign.sh; unbound: trust-anchor-file)."
	cat "$tmp/..ds"
} >"$here/root.key"
echo "signed; trust anchor in $here/root.key"
