#!/bin/sh
# sign.sh -- made the signed zones of tests/unit/test_zone_dnssec.c (run it
# in this directory to make them again; keys are thrown away).  The zones
# come from tests/system/zones/dnssec-template.zone, signed with ED25519 keys
# and signatures valid until 2038-01-01 (the last date ldns compares right:
# it reads RRSIG times as signed 32-bit seconds), so that the committed files
# keep validating for eleven years:
#   nsec.example.    ldns-signzone, NSEC
#   nsec3.example.   ldns-signzone, NSEC3, salt ab, 0 iterations
#   optout.example.  BIND dnssec-signzone, NSEC3 opt-out (insecure
#                    delegations and their empty non-terminals left out),
#                    no salt, 0 iterations
set -eu
template=../../../system/zones/dnssec-template.zone
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for z in nsec.example nsec3.example optout.example; do
	{
		echo "\$ORIGIN $z."
		sed 's|^@DS@$|secure DS 12345 15 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF|' "$template"
	} >"$tmp/$z"
	if [ "$z" = optout.example ]; then
		ksk=$(dnssec-keygen -q -K "$tmp" -a ED25519 -f KSK "$z")
		zsk=$(dnssec-keygen -q -K "$tmp" -a ED25519 "$z")
		cat "$tmp/$ksk.key" "$tmp/$zsk.key" >>"$tmp/$z"
		dnssec-signzone -q -K "$tmp" -d "$tmp" -3 - -H 0 -A -s 20260101000000 \
			-e 20380101000000 -o "$z" -f "$z.zone" "$tmp/$z" >/dev/null
		continue
	fi
	ksk=$(cd "$tmp" && ldns-keygen -a ED25519 -k "$z")
	zsk=$(cd "$tmp" && ldns-keygen -a ED25519 "$z")
	opts=
	[ "$z" = nsec3.example ] && opts="-n -s ab -t 0"
	# shellcheck disable=SC2086
	ldns-signzone $opts -i 20260101000000 -e 20380101000000 -f "$z.zone" \
		"$tmp/$z" "$tmp/$ksk" "$tmp/$zsk"
done
