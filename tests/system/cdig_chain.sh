#!/bin/bash
# cdig_chain: cdig +chain on the signed toy Internet (zones/lab/signed) in a
# private network namespace. For every lab name (signed_lab_names) the
# final verdict of cdig +chain through cairnd's validating resolver (CD=1)
# must agree with BIND's delv (same trust anchor, through a non-validating
# unbound) and with the resolver itself (AD bit, SERVFAIL); for a name of
# each kind and the zones broken on purpose, cdig +chain iterating from the
# lab's root hints and through unbound must say the same, and bogus names
# must carry the EDE the resolver gives and zones/lab/README names, and
# show the link where the chain breaks. A zone signed at test time with
# wildcards (NSEC and NSEC3) checks the wildcard proofs against delv and a
# DNSKEY-form anchor. Exit statuses: 0 secure/insecure, 12 bogus.
. "$top_srcdir/tests/system/resolver_lib.sh"
need unbound delv ldns-keygen ldns-signzone ldns-read-zone python3
CDIG=${CDIG:-$top_builddir/cdig}
S=$top_srcdir/zones/lab/signed
HINTS=$top_srcdir/zones/lab/root.hints

start_signed_lab "$S" || die "the signed lab did not start"
# cairnd validating with the lab's anchor (answers CD=1 queries unvalidated)
RES_DNSSEC=yes RES_THREADS=1 resolver res 127.0.0.2 "root-hints: $HINTS" \
	"query-loopback: yes" "trust-anchor-file: $S/root.key" \
	"local-zone-disable: 127.in-addr.arpa"
# unbound without validator: hands the signatures over, judges nothing
mkdir -p "$T/ub"
start_unbound "$T/ub" 127.0.0.3 "$HINTS" "access-control: 127.0.0.0/8 allow" \
	"local-zone: \"127.in-addr.arpa.\" nodefault"
wait_dns 127.0.0.3 . NS || die "unbound did not start: $(cat "$T/ub/unbound.log")"
# delv reads its anchor as a named.conf trust-anchors clause
awk '$4 == "DS" { printf "trust-anchors {\n\t%s static-ds %s %s %s \"%s\";\n};\n", $1, $5, $6, $7, $8 }' \
	"$S/root.key" >"$T/anchor.conf"

# chain_verdict OUT RC: "secure", "insecure", "bogus" from cdig's last line
# and exit status (0 secure/insecure, 12 bogus: cdig(1))
chain_verdict() {
	local v
	v=$(sed -n 's/^;; verdict: \([a-z]*\).*/\1/p' "$1")
	case "$v:$2" in
	secure:0 | insecure:0 | bogus:12) echo "$v" ;;
	*) echo "wrong($v, exit $2)" ;;
	esac
}

# delv_verdict OUT: delv prints a line per RRset of a CNAME chain: the
# worst of them
delv_verdict() {
	if grep -Eq '^;; resolution failed: (failure|broken trust chain|insecurity proof failed|no valid)' "$1"; then
		echo bogus
	elif grep -Eq '^; (negative response, )?unsigned answer' "$1"; then
		echo insecure
	elif grep -Eq '^; (negative response, )?fully validated' "$1"; then
		echo secure
	else
		echo "unknown"
	fi
}

# delv_optout CDIG DELV CDIG_OUT: the one known disagreement: BIND calls a
# denial proven only by an opt-out NSEC3 secure; RFC 5155 section 9.2
# forbids AD there (cdig, unbound and cairnd's resolver say insecure)
delv_optout() {
	[ "$1" = insecure ] && [ "$2" = secure ] && grep -q 'opt-out' "$3"
}

# res_verdict NAME TYPE: what cairnd's validating resolver says into RES_V
# (AD: secure, SERVFAIL: bogus, else insecure) and its EDE into RES_EDE
res_verdict() {
	local out
	out=$(dig @127.0.0.2 +dnssec +time=5 +tries=1 "$1" "$2" 2>&1)
	RES_EDE=$(sed -n 's/^; EDE: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
	if grep -q 'status: SERVFAIL' <<<"$out"; then RES_V=bogus
	elif grep -q '^;; flags:.* ad[ ;]' <<<"$out"; then RES_V=secure
	else RES_V=insecure; fi
}

# expect NAME TYPE VERDICT [EDE LINK]: every source agrees on VERDICT; a
# bogus verdict carries EDE (and the resolver's), and LINK is the text of
# the link that breaks
expect() {
	local name=$1 type=$2 want=$3 ede=${4:-} brk=${5:-} how v rc dv rv
	for how in "+hints=$HINTS" @127.0.0.2 @127.0.0.3; do
		"$CDIG" +chain "$how" "+anchor=$S/root.key" +time=5 +tries=1 "$name" "$type" \
			>"$T/out" 2>&1
		rc=$?
		v=$(chain_verdict "$T/out" $rc)
		if [ "$v" != "$want" ]; then
			bad "cdig +chain $how $name $type: $v, expected $want"
			sed 's/^/  | /' "$T/out"
			continue
		fi
		ok "cdig +chain $how $name $type: $v"
		if [ -n "$ede" ]; then
			check "$name $type ($how): the verdict carries EDE $ede" \
				grep -q "^;; verdict: bogus (EDE $ede: " "$T/out"
			check "$name $type ($how): the chain breaks at '$brk'" \
				grep -qF "$brk" "$T/out"
		fi
	done
	delv @127.0.0.3 -a "$T/anchor.conf" +root=. "$name" "$type" >"$T/delv" 2>&1
	dv=$(delv_verdict "$T/delv")
	if [ "$dv" = "$want" ]; then
		ok "delv $name $type: $dv too"
	elif delv_optout "$want" "$dv" "$T/out"; then
		ok "delv $name $type: secure (BIND ignores RFC 5155 section 9.2; cdig follows it)"
	else
		bad "delv $name $type: $dv, cdig $want"
		sed 's/^/  | /' "$T/delv"
	fi
	res_verdict "$name" "$type"
	rv=$RES_V
	if [ "$rv" = "$want" ] && { [ -z "$ede" ] || [ "$RES_EDE" = "$ede" ]; }; then
		ok "cairnd's resolver $name $type: $rv${ede:+, EDE $RES_EDE}"
	else
		bad "cairnd's resolver $name $type: $rv EDE ${RES_EDE:-none}, cdig $want ${ede:+EDE $ede}"
	fi
}

# each way of fetching on the names that show one kind of link each (every
# other name of the lab follows through cairnd's resolver only)
expect nosuch.example.com A secure
expect example.com TXT secure
expect 1.0.0.127.in-addr.arpa PTR secure
expect nosuch.com A insecure
expect www.example.com A insecure
expect nosig.example.com SOA secure
expect www.iter500.example.com A secure
expect nosuch.iter500.example.com A insecure
expect www.rsamd5.example.com A insecure
expect www.expired.example.com A bogus 7 "expired.example.com. DNSKEY: bogus"
expect www.wrongds.example.com A bogus 9 "wrongds.example.com. DNSKEY: bogus"
expect www.nokey.example.com A bogus 9 "nokey.example.com. DNSKEY: bogus"
expect www.nosig.example.com A bogus 10 "www.nosig.example.com. A: bogus"

# every name of the lab (and a name that does not exist in each zone):
# cdig +chain through cairnd's resolver, delv through unbound and cairnd's
# resolver itself agree
signed_lab_names "$S" >"$T/names"
n=$(wc -l <"$T/names")
[ "$n" -ge 30 ] && ok "$n lab names to compare" || bad "only $n lab names"
agree=0
while read -r name type; do
	"$CDIG" +chain @127.0.0.2 "+anchor=$S/root.key" +time=5 +tries=1 "$name" "$type" \
		>"$T/out" 2>&1
	v=$(chain_verdict "$T/out" $?)
	delv @127.0.0.3 -a "$T/anchor.conf" +root=. "$name" "$type" >"$T/delv" 2>&1
	dv=$(delv_verdict "$T/delv")
	res_verdict "$name" "$type"
	if [ "$v" = "$RES_V" ] && { [ "$v" = "$dv" ] || delv_optout "$v" "$dv" "$T/out"; }; then
		agree=$((agree + 1))
	else
		bad "$name $type: cdig +chain $v, delv $dv, cairnd's resolver $RES_V"
		sed 's/^/  | /' "$T/out"
	fi
done <"$T/names"
[ "$agree" -eq "$n" ] && ok "all $n lab names: cdig +chain agrees with delv and cairnd's resolver"

# the links of one chain, as cdig(1) shows them
"$CDIG" +chain "+hints=$HINTS" "+anchor=$S/root.key" www.example.com >"$T/out" 2>&1
check "trust anchor line" grep -q '^;; trust anchor: \. DS 17583 15 2 (from ' "$T/out"
check "root DNSKEY against the anchor" \
	grep -q '^\. DNSKEY: secure (KSK 17583 matches the anchor; signed by 17583)' "$T/out"
check "com. DS signed by the root" grep -Eq '^com\. DS: secure \(signed by \. ZSK [0-9]+\)' "$T/out"
check "the CNAME, secure" grep -Eq '^www\.example\.com\. CNAME: secure \(signed by example\.com\. ZSK' "$T/out"
check "shop.net.'s insecure delegation proven by net.'s NSEC3" \
	grep -q '^shop\.net\. DS: insecure (no DS: net\. NSEC3 proves an unsigned delegation' "$T/out"
check "the final answer insecure" grep -q '^www\.shop\.net\. A: insecure$' "$T/out"
"$CDIG" +chain "+hints=$HINTS" "+anchor=$S/root.key" 1.0.0.127.in-addr.arpa PTR >"$T/out" 2>&1
check "in-addr.arpa. is no zone cut (arpa.'s NSEC)" \
	grep -q '^in-addr\.arpa\. DS: secure (no DS: arpa\. NSEC proves no zone cut here)' "$T/out"
"$CDIG" +chain "+hints=$HINTS" "+anchor=$S/root.key" nosuch.iter500.example.com >"$T/out" 2>&1
check "500 NSEC3 iterations: insecure with EDE 27" grep -q 'EDE 27' "$T/out"
"$CDIG" +chain "+hints=$HINTS" "+anchor=$S/root.key" +json www.expired.example.com >"$T/out" 2>&1
check "+json: one JSON object with the verdict" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["verdict"] == "bogus" and d["ede"] == 7 and d["chain"][0]["name"] == "."))' "$T/out"

# a zone signed here with wildcards, trusted by its own DNSKEY (the anchor
# in DNSKEY form), served by itself: wildcard answers need the proof that
# the name does not exist (RFC 4035 section 5.3.4, RFC 5155 section 8.8)
mkdir -p "$T/wild"
cat >"$T/wild/wild.test.zone" <<'EOF'
$ORIGIN wild.test.
$TTL 300
@	SOA	ns hostmaster 1 3600 600 86400 300
@	NS	ns
ns	A	127.6.0.1
*	A	127.6.0.99
*.sub	TXT	"below"
EOF
(cd "$T/wild" && ksk=$(ldns-keygen -a ED25519 -k wild.test) && zsk=$(ldns-keygen -a ED25519 wild.test) &&
	ldns-signzone -e 20380101000000 -f wild.nsec wild.test.zone "$ksk" "$zsk" &&
	ldns-signzone -n -s c0ffee -t 0 -e 20380101000000 -f wild.nsec3 wild.test.zone "$ksk" "$zsk" &&
	grep DNSKEY "$ksk.key" >anchor) >"$T/wild/sign.log" 2>&1 || die "signing wild.test failed: $(cat "$T/wild/sign.log")"
awk '{ sub(/;.*/, ""); $0 = $0; for (d = 2; d < NF && $d != "DNSKEY"; d++); k = ""; for (i = d + 4; i <= NF; i++) k = k $i
	printf "trust-anchors {\n\t%s static-key %s %s %s \"%s\";\n};\n", $1, $(d + 1), $(d + 2), $(d + 3), k }' \
	"$T/wild/anchor" >"$T/wild/anchor.conf"
auth auth-wild 127.6.0.1 -- wild.test="$T/wild/wild.nsec"
auth auth-wild3 127.6.0.2 -- wild.test="$T/wild/wild.nsec3"
wait_dns 127.6.0.1 wild.test SOA || die "the wild.test server did not start"
wait_dns 127.6.0.2 wild.test SOA || die "the wild.test NSEC3 server did not start"
for srv in 127.6.0.1 127.6.0.2; do
	proof=NSEC; [ $srv = 127.6.0.2 ] && proof=NSEC3
	for q in "foo.wild.test A" "a.b.sub.wild.test TXT" "nosuch.sub.wild.test A" "ns.wild.test MX"; do
		# shellcheck disable=SC2086
		"$CDIG" +chain @$srv "+anchor=$T/wild/anchor" $q >"$T/out" 2>&1
		rc=$?
		v=$(chain_verdict "$T/out" $rc)
		# shellcheck disable=SC2086
		delv @$srv -a "$T/wild/anchor.conf" +root=wild.test $q >"$T/delv" 2>&1
		dv=$(delv_verdict "$T/delv")
		if [ "$v" = secure ] && [ "$dv" = secure ]; then
			ok "$proof: cdig +chain and delv: $q secure"
		else
			bad "$proof: $q: cdig $v, delv $dv"
			sed 's/^/  | /' "$T/out" "$T/delv"
		fi
	done
	"$CDIG" +chain @$srv "+anchor=$T/wild/anchor" foo.wild.test >"$T/out" 2>&1
	check "$proof: the trust anchor in DNSKEY form" \
		grep -q '^;; trust anchor: wild\.test\. DNSKEY 257 3 15, key ' "$T/out"
	check "$proof: the wildcard expansion and its proof" \
		grep -q "^foo\.wild\.test\. A: secure (signed by wild\.test\. ZSK [0-9]*; wildcard expansion, [0-9] $proof prove" "$T/out"
done
# a wildcard answer whose proof was stripped is bogus
sed '/NSEC/d' "$T/wild/wild.nsec" >"$T/wild/wild.noproof"
auth auth-wild0 127.6.0.3 -- wild.test="$T/wild/wild.noproof"
wait_dns 127.6.0.3 wild.test SOA || die "the stripped wild.test server did not start"
"$CDIG" +chain @127.6.0.3 "+anchor=$T/wild/anchor" foo.wild.test >"$T/out" 2>&1
rc=$?
check "a wildcard answer without its NSEC: bogus, exit 12" [ "$(chain_verdict "$T/out" $rc)" = bogus ]
check "... with EDE 12 (NSEC Missing)" grep -q '^;; verdict: bogus (EDE 12: ' "$T/out"
finish
