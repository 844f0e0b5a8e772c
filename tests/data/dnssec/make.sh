#!/bin/sh
# Regenerates the DNSSEC test material of tests/unit/test_dnssec*.c:
# one signed zone per supported algorithm (aN.test), NSEC and NSEC3 zones
# with and without opt-out, an NSEC3 zone with 151 iterations, their keys
# and DS records (digest types 1, 2 and 4); private keys are not kept.
# Signatures have fixed inception/expiration (2024-01-01 .. 2040-01-01);
# the tests pass their own "now". Needs ldnsutils (ldns-keygen, ldns-signzone, ldns-key2ds) and,
# for the opt-out zone, bind9-utils (dnssec-keygen, dnssec-signzone).
# Run from anywhere: sh tests/data/dnssec/make.sh
set -eu
cd "$(dirname "$0")"
rm -f K*.key K*.private K*.ds *.signed *.ds *.key
INC=20240101000000
EXP=20400101000000

zone() {   # zone NAME: the common content of a test zone
	cat <<Z
\$ORIGIN $1.
\$TTL 3600
@	IN SOA ns.$1. admin.$1. 1 7200 3600 1209600 300
@	IN NS ns.$1.
ns	IN A 192.0.2.53
www	IN A 192.0.2.1
www	IN TXT "hello"
*.wild	IN TXT "wildcard"
a.ent	IN A 192.0.2.2
cname	IN CNAME www.$1.
insec	IN NS ns.elsewhere.example.
sec	IN NS ns.elsewhere.example.
sec	IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
Z
}

key() {    # key ALG ZONE [-k]: prints the key's base name
	ldns-keygen -a "$1" $3 -b "$4" "$2"
}

# one zone per algorithm, signed with one key (flags 257) that also signs
# the data, and its DS in all three digest types
for a in RSASHA1:5:1024 RSASHA1-NSEC3-SHA1:7:1024 RSASHA256:8:1024 \
	 RSASHA512:10:1024 ECDSAP256SHA256:13:256 ECDSAP384SHA384:14:384 \
	 ED25519:15:256 ED448:16:456; do
	name=${a%%:*}; rest=${a#*:}; num=${rest%%:*}; bits=${rest#*:}
	z=a$num.test
	zone "$z" >"$z"
	k=$(key "$name" "$z" -k "$bits")
	rm -f "$k.ds"
	for d in 1 2 4; do
		ldns-key2ds -n -$d "$k.key" >>"$z.ds"
	done
	ldns-signzone -i $INC -e $EXP -f "$z.signed" "$z" "$k"
	rm -f "$z" "$k.ds"
	mv "$k.key" "$z.key"; rm -f "$k.private"
done

# NSEC, NSEC3 (salt, 5 iterations), NSEC3 opt-out, NSEC3 151 iterations:
# ECDSAP256SHA256 with a KSK (257) and a ZSK (256)
sign() {   # sign ZONE [ldns-signzone NSEC3 options]
	z=$1; shift
	zone "$z" >"$z"
	ksk=$(key ECDSAP256SHA256 "$z" -k 256)
	zsk=$(key ECDSAP256SHA256 "$z" "" 256)
	rm -f "$ksk.ds" "$zsk.ds"
	ldns-key2ds -n -2 "$ksk.key" >"$z.ds"
	ldns-signzone -i $INC -e $EXP "$@" -f "$z.signed" "$z" "$ksk" "$zsk"
	rm -f "$z"
	mv "$ksk.key" "$z.ksk.key"; mv "$zsk.key" "$z.zsk.key"
	rm -f "$ksk.private" "$zsk.private"
}
sign nsec.test
sign nsec3.test -n -s aabbccdd -t 5
# NSEC3 opt-out for real: ldns-signzone -p only sets the flag and keeps the
# unsigned delegation in the chain; BIND's dnssec-signzone -A leaves it out
# (bind9-utils)
z=optout.test
zone "$z" >"$z"
ksk=$(dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK "$z")
zsk=$(dnssec-keygen -q -K . -a ECDSAP256SHA256 "$z")
dnssec-signzone -q -S -K . -3 - -A -H 0 -s $INC -e $EXP -o "$z" -f "$z.signed" "$z"
ldns-key2ds -n -2 "$ksk.key" >"$z.ds"
rm -f "$z" "$ksk.private" "$zsk.private"
mv "$ksk.key" "$z.ksk.key"; mv "$zsk.key" "$z.zsk.key"
sign iter151.test -n -s 01 -t 151
