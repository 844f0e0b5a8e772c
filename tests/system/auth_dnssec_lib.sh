# auth_dnssec_lib.sh -- signs the zones of the DNSSEC system tests at test
# time (sourced after lib.sh, bash).  Signatures are made fresh on each run,
# so they never expire in the repository.
#
#   dnssec_sign_zones DIR
#
# writes to DIR, from tests/system/zones/dnssec-template.zone:
#   nsec.test      BIND dnssec-signzone, NSEC, ECDSAP256SHA256, with a
#                  signed child secure.nsec.test (secure.nsec.test.zone)
#   nsec3.test     dnssec-signzone, NSEC3 (salt, 0 iterations), RSASHA256
#   optout.test    dnssec-signzone, NSEC3 opt-out, no salt, ECDSAP256SHA256
#   ldns.test      ldns-signzone, NSEC3 opt-out with salt, ED25519
#   ldnsnsec.test  ldns-signzone, NSEC, ECDSAP384SHA384
#   ta.ds          the DS records of all of them (a trust anchor file)
# and sets DNSSEC_ZONES to the list of zone names.

DNSSEC_ZONES="nsec.test nsec3.test optout.test ldns.test ldnsnsec.test"
DNSSEC_TEMPLATE=$top_srcdir/tests/system/zones/dnssec-template.zone

# dnssec_unsigned ORIGIN DS-LINE: the template for ORIGIN
dnssec_unsigned() {
	echo "\$ORIGIN $1."
	sed "s|^@DS@\$|$2|" "$DNSSEC_TEMPLATE"
}

# bind_sign ORIGIN ALG EXTRA-SIGNZONE-ARGS... (in the current directory)
bind_sign() {
	local z=$1 alg=$2 ksk zsk
	shift 2
	ksk=$(dnssec-keygen -q -a "$alg" -f KSK "$z") || return 1
	zsk=$(dnssec-keygen -q -a "$alg" "$z") || return 1
	cat "$ksk.key" "$zsk.key" >>"$z.unsigned"
	dnssec-signzone -q "$@" -o "$z" -f "$z.zone" "$z.unsigned" >/dev/null || return 1
	dnssec-dsfromkey -2 -f "$z.zone" "$z" >>ta.ds || return 1
}

# ldns_sign ORIGIN ALG EXTRA-SIGNZONE-ARGS...
ldns_sign() {
	local z=$1 alg=$2 ksk zsk
	shift 2
	ksk=$(ldns-keygen -a "$alg" -k "$z") || return 1
	zsk=$(ldns-keygen -a "$alg" "$z") || return 1
	ldns-signzone "$@" -f "$z.zone" "$z.unsigned" "$ksk" "$zsk" || return 1
	dnssec-dsfromkey -2 -f "$z.zone" "$z" >>ta.ds || return 1
}

dnssec_sign_zones() {
	local dir=$1 fake ds
	need dnssec-keygen dnssec-signzone dnssec-dsfromkey ldns-keygen ldns-signzone
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		: >ta.ds
		fake="secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
		# the child first: its DS goes into nsec.test
		{
			echo "\$ORIGIN secure.nsec.test."
			echo "\$TTL 1h"
			echo "@ SOA ns hostmaster 1 2h 15m 2w 5m"
			echo "  NS ns"
			echo "ns A 192.0.2.53"
			echo "www A 192.0.2.54"
		} >secure.nsec.test.unsigned
		bind_sign secure.nsec.test ECDSAP256SHA256 || exit 1
		ds=$(dnssec-dsfromkey -2 -f secure.nsec.test.zone secure.nsec.test |
			awk '{$1 = "secure"; print}')
		dnssec_unsigned nsec.test "$ds" >nsec.test.unsigned
		bind_sign nsec.test ECDSAP256SHA256 || exit 1
		dnssec_unsigned nsec3.test "$fake" >nsec3.test.unsigned
		bind_sign nsec3.test RSASHA256 -3 c0ffee -H 0 || exit 1
		dnssec_unsigned optout.test "$fake" >optout.test.unsigned
		bind_sign optout.test ECDSAP256SHA256 -3 - -H 0 -A || exit 1
		dnssec_unsigned ldns.test "$fake" >ldns.test.unsigned
		ldns_sign ldns.test ED25519 -n -p -s beef -t 0 || exit 1
		dnssec_unsigned ldnsnsec.test "$fake" >ldnsnsec.test.unsigned
		ldns_sign ldnsnsec.test ECDSAP384SHA384 || exit 1
	) || die "signing the test zones failed"
}
