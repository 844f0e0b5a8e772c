#!/bin/bash
# The validating resolver on the signed toy Internet (zones/lab/signed, its
# own trust anchor signed/root.key), side by side with unbound validating
# with the same anchor and root hints: every name of the lab, and a name
# that does not exist in each zone, gives the same rcode and AD bit from
# both (RFC 4035 §3.2.3, RFC 6840 §5.7); the zones broken on purpose give
# the outcome and the EDE (RFC 8914) zones/lab/README describes; BIND's
# delv, fed through cairnd with the lab's anchor, is a third opinion on
# them; glibc's resolver still resolves through the validating cairnd.
#
# Also: the negative trust anchors of cairn-control (insecure-add, -list,
# -remove) and the DNSSEC statistics. Runs in a private network namespace
# (resolver_lib.sh).
. "$top_srcdir/tests/system/resolver_lib.sh"
need unbound delv getent mount awk ldns-read-zone
L=$top_srcdir/zones/lab
S=$L/signed
start_signed_lab "$S" || die "the signed lab did not start"

# the two validating resolvers: cairnd on 127.0.0.1, unbound on 127.0.0.2
RES_DNSSEC=yes resolver res 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $L/root.hints" \
	"query-loopback: yes" "local-zone-disable: 127.in-addr.arpa" \
	"trust-anchor-file: $S/root.key"
mkdir -p "$T/unbound"
start_unbound "$T/unbound" 127.0.0.2 "$L/root.hints" \
	'module-config: "validator iterator"' "trust-anchor-file: \"$S/root.key\"" \
	'local-zone: "127.in-addr.arpa." nodefault' 'access-control: 127.0.0.0/8 allow' \
	'val-log-level: 2'
wait_dns 127.0.0.2 . NS || die "unbound did not start: $(cat "$T/unbound/unbound.log")"

# ask SERVER NAME TYPE: "RCODE AD|noAD EDE|-" of a +dnssec query
ask() {
	local out
	out=$(dig @"$1" +dnssec +time=5 +tries=2 "$2" "$3" 2>&1)
	printf '%s %s %s\n' \
		"$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -n 1)" \
		"$(grep -Eq '^;; flags:[a-z ]* ad[ ;]' <<<"$out" && echo AD || echo noAD)" \
		"$(sed -n 's/.*EDE: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1 | grep . || echo -)"
}

# unbound must validate, or the comparison shows nothing
check "unbound validates: ns1.example.com has AD" \
	test "$(ask 127.0.0.2 ns1.example.com A | cut -d' ' -f1-2)" = "NOERROR AD"

# ---- every name of the lab, and one that does not exist per zone ----
# (from the signed zone files: owner and type of every RRset that is not
# DNSSEC's own and not a delegation's NS; the broken zones come below)
names=$T/names
signed_lab_names "$S" >"$names"
n=$(wc -l <"$names")
[ "$n" -ge 30 ] && ok "$n lab names to compare" || bad "only $n lab names"
same=0
while read -r name type; do
	c=$(ask 127.0.0.1 "$name" "$type")
	u=$(ask 127.0.0.2 "$name" "$type")
	if [ "${c% *}" = "${u% *}" ]; then
		same=$((same + 1))
	else
		bad "$name $type: cairnd '${c% *}', unbound '${u% *}' (rcode, AD)"
	fi
done <"$names"
[ "$same" -eq "$n" ] && ok "all $n names: the same rcode and AD bit as unbound"

# secure and insecure, as the lab is built (README: shop.net. is unsigned)
check "ns1.example.com: secure (AD)" test "$(ask 127.0.0.1 ns1.example.com A | cut -d' ' -f1-2)" = "NOERROR AD"
check "www.example.com: CNAME into unsigned shop.net.: no AD" \
	test "$(ask 127.0.0.1 www.example.com A | cut -d' ' -f1-2)" = "NOERROR noAD"
check "nosuch.example.com: NXDOMAIN proven by NSEC3 (AD)" \
	test "$(ask 127.0.0.1 nosuch.example.com A | cut -d' ' -f1-2)" = "NXDOMAIN AD"
check "nosuch.example.net: NXDOMAIN proven by NSEC (AD)" \
	test "$(ask 127.0.0.1 nosuch.example.net A | cut -d' ' -f1-2)" = "NXDOMAIN AD"

# ---- the broken zones: outcome and EDE from cairnd, unbound agreeing ----
# zone  name  type  expected "RCODE AD EDE" from cairnd (zones/lab/README)
while read -r zone qname type want; do
	want=${want//_/ }
	c=$(ask 127.0.0.1 "$qname" "$type")
	u=$(ask 127.0.0.2 "$qname" "$type")
	check "$zone: cairnd gives '$want'" test "$c" = "$want"
	check "$zone: unbound agrees on rcode and AD ('${u% *}')" test "${c% *}" = "${u% *}"
done <<'EOF'
expired www.expired.example.com A SERVFAIL_noAD_7
wrongds www.wrongds.example.com A SERVFAIL_noAD_9
nokey www.nokey.example.com A SERVFAIL_noAD_9
nosig www.nosig.example.com A SERVFAIL_noAD_10
nosig-soa nosig.example.com SOA NOERROR_AD_-
iter500 nosuch.iter500.example.com A NXDOMAIN_noAD_27
iter500-positive www.iter500.example.com A NOERROR_AD_-
rsamd5 www.rsamd5.example.com A NOERROR_noAD_1
EOF

# CD=1: the data of a bogus zone, without AD (RFC 4035 §3.2.2)
dig @127.0.0.1 +dnssec +cd +time=5 +tries=2 www.expired.example.com A >"$T/cd"
check "CD=1 on expired.example.com: NOERROR" grep -q 'status: NOERROR' "$T/cd"
check "CD=1 on expired.example.com: the address" grep -Eq '^www\.expired\.example\.com\..*IN[[:space:]]+A[[:space:]]+127\.3\.0\.80' "$T/cd"
check "CD=1: no AD" grep -Eq '^;; flags: qr rd ra cd;' "$T/cd"

# ---- delv (BIND's validator, asking through a resolver with CD=1) as a
# third opinion: through unbound first (shows the verdicts are right and
# delv is used right), then through cairnd (needs CD=1 to pass the data
# and RRSIGs of every zone, bogus ones too) ----
awk '$4 == "DS" { printf "trust-anchors { \"%s\" static-ds %s %s %s \"%s\"; };\n", $1, $5, $6, $7, $8 }' \
	"$S/root.key" >"$T/anchor.conf"
check "delv anchor from root.key" grep -q static-ds "$T/anchor.conf"
while read -r qname type verdict; do
	case $verdict in
	secure) say='fully validated' want='AD' ;;
	insecure) say='unsigned answer' want='NOERROR noAD' ;;
	bogus) say='resolution failed' want='SERVFAIL' ;;
	esac
	for via in unbound:127.0.0.2 cairnd:127.0.0.1; do
		delv @"${via#*:}" -a "$T/anchor.conf" +root=. "$qname" "$type" >"$T/delv" 2>&1
		check "delv through ${via%%:*}: $qname $verdict ($say)" grep -q "$say" "$T/delv"
	done
	c=$(ask 127.0.0.1 "$qname" "$type")
	case $verdict in
	secure) c=$(cut -d' ' -f2 <<<"$c") ;;
	insecure) c=$(cut -d' ' -f1-2 <<<"$c") ;;
	bogus) c=$(cut -d' ' -f1 <<<"$c") ;;
	esac
	check "cairnd: $qname '$want' as delv says $verdict" test "$c" = "$want"
done <<'EOF'
ns1.example.com A secure
www.example.net A secure
www.shop.net A insecure
www.rsamd5.example.com A insecure
www.expired.example.com A bogus
www.wrongds.example.com A bogus
www.nokey.example.com A bogus
www.nosig.example.com A bogus
EOF

# ---- negative trust anchors at run time (RFC 7646, cairn-control) ----
CTL=(${CAIRN_CONTROL:-$top_builddir/cairn-control} -s "$T/res.ctl")
check "insecure-add expired.example.com" "${CTL[@]}" insecure-add expired.example.com
check "NTA: www.expired.example.com answers, no AD" \
	test "$(ask 127.0.0.1 www.expired.example.com A | cut -d' ' -f1-2)" = "NOERROR noAD"
"${CTL[@]}" insecure-list >"$T/nta" 2>&1
check "insecure-list shows it" grep -qx 'expired.example.com.' "$T/nta"
"${CTL[@]}" insecure-list --json >"$T/nta.json" 2>&1
check "insecure-list --json" grep -q '^\["expired.example.com."\]$' "$T/nta.json"
check "insecure-remove expired.example.com" "${CTL[@]}" insecure-remove expired.example.com
check "without the NTA: SERVFAIL, EDE 7 again" \
	test "$(ask 127.0.0.1 www.expired.example.com A)" = "SERVFAIL noAD 7"
"${CTL[@]}" insecure-remove expired.example.com >"$T/nta2" 2>&1 && r=0 || r=$?
check "insecure-remove of an absent NTA fails" test "$r" -ne 0
check "statistics count bogus answers" \
	test "$(rstat res dnssec.bogus)" -gt 0
check "statistics count secure answers" \
	test "$(rstat res dnssec.secure)" -gt 0

# ---- glibc through the validating cairnd ----
echo "nameserver 127.0.0.1" >"$T/resolv.conf"
if mount --bind "$T/resolv.conf" /etc/resolv.conf; then
	getent hosts ns1.example.com >"$T/g1" 2>&1
	check "getent hosts ns1.example.com (secure)" grep -q '^127\.3\.0\.1 ' "$T/g1"
	getent hosts www.example.com >"$T/g2" 2>&1
	check "getent hosts www.example.com (insecure CNAME target)" grep -q '^127\.5\.0\.80 ' "$T/g2"
	getent hosts www.expired.example.com >"$T/g3" 2>&1 && r=0 || r=$?
	check "getent hosts www.expired.example.com (bogus): no address" test "$r" -ne 0
else
	bad "cannot bind-mount /etc/resolv.conf"
fi
finish
