#!/bin/bash
# auth_dnssec_check: `cairnd -n` on signed zones.  It warns (and exits 0)
# about signatures that have expired or expire within 7 days and about
# NSEC3 iterations above 0 (RFC 9276 section 3.1); it refuses (exit 1, with
# file:line) NSEC3 chains it cannot serve: an unknown hash algorithm
# (RFC 5155 section 7.4), more than 2500 iterations (section 10.3), an
# NSEC3PARAM without its chain.  A freshly signed zone gets no warning.
. "$top_srcdir/tests/system/lib.sh"
need ldns-keygen ldns-signzone

D=$TMP/z
mkdir -p "$D"
cd "$D" || die "cannot enter $D"
{
	echo "\$ORIGIN sig.test."
	sed 's|^@DS@$||' "$SYSDIR/zones/dnssec-template.zone"
} >sig.unsigned
KSK=$(ldns-keygen -a ED25519 -k sig.test) || die "ldns-keygen failed"
ZSK=$(ldns-keygen -a ED25519 sig.test) || die "ldns-keygen failed"
soon=$(date -u -d '+3 days' +%Y%m%d%H%M%S)
sign() { local out=$1; shift; ldns-signzone "$@" -f "$out" sig.unsigned "$KSK" "$ZSK" >/dev/null 2>&1 ||
	die "ldns-signzone $* failed"; }
sign fresh.zone -n -s ab -t 0
sign soon.zone -n -s ab -t 5 -e "$soon"
sign old.zone -i 20200101000000 -e 20200201000000
sign many.zone -n -t 2600
sed 's/NSEC3PARAM\t1 0/NSEC3PARAM\t2 0/' fresh.zone >alg.zone
awk '$4 != "NSEC3" && !($4 == "RRSIG" && $5 == "NSEC3")' fresh.zone >nochain.zone

# checkconf ZONEFILE: runs cairnd -n on it; RC and OUT
checkconf() {
	printf 'server:\n\tlog: stderr\nzone:\n\tname: sig.test\n\tfile: %s\n' "$D/$1" >"$D/$1.conf"
	LAST_Q="cairnd -n -c $D/$1.conf"
	OUT=$("$CAIRND" -n -c "$D/$1.conf" 2>&1)
	RC=$?
}
check_rc() { if [ "$RC" = "$1" ]; then pass; else fail "cairnd -n exited $RC, expected $1"; fi; }

checkconf fresh.zone
check_rc 0
check_not_out 'signature|iterations'
check_out 'configuration and 1 zones OK'

checkconf soon.zone
check_rc 0
check_out 'soon\.zone:[0-9]+: [0-9]+ signatures expire within 7 days \(RRSIG of [^ ]+ expires 20'
check_out 'soon\.zone:[0-9]+: NSEC3 iterations 5 above 0: RFC 9276'
check_not_out 'have expired'

checkconf old.zone
check_rc 0
check_out 'old\.zone:[0-9]+: [0-9]+ signatures have expired \(RRSIG of [^ ]+ expired 2020-02-01 00:00:00 UTC\)'
check_not_out 'iterations'

checkconf many.zone
check_rc 1
check_out 'many\.zone:[0-9]+: NSEC3 iterations 2600 above 2500 \(RFC 5155 section 10\.3\): not served'

checkconf alg.zone
check_rc 1
check_out 'alg\.zone:[0-9]+: NSEC3 hash algorithm 2 is not supported \(RFC 5155 section 7\.4\)'

checkconf nochain.zone
check_rc 1
check_out 'nochain\.zone:[0-9]+: NSEC3PARAM at sig\.test\. but no NSEC3 chain with its parameters'
finish
