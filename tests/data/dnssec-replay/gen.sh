#!/bin/sh
# gen.sh: the signed test universe of the DNSSEC replay scenarios
# (tests/replay/dnssec/*.rpl) and the scenarios themselves.
#
#   tests/data/dnssec-replay/gen.sh            scenarios from the templates
#   tests/data/dnssec-replay/gen.sh --resign   re-sign every zone first
#
# keys/ holds fixed keys (made by ldns-keygen once, when missing, then
# checked in); zones/ the zone sources; signed/ the signed zones (made when
# missing or with --resign, then checked in: ECDSA signatures are
# randomised, so re-signing changes their bytes, not their meaning). The
# scenarios are expanded from templates/*.rpl.in by expand.awk (see the
# README there for the @ directives); with the signed zones fixed, a
# re-run writes the same files byte for byte.
#
# The wall clock of the scenarios starts at 2026-01-01T00:00:00Z
# (tests/replay/README.md), so the normal zones are signed from
# 2025-12-01 to 2027-01-01; expired.example. ended 2025-12-01, future.example.
# starts 2026-06-01, soon.example. ends 2026-01-01T00:30:00Z (30 minutes in).
# Needs ldnsutils (ldns-keygen, ldns-signzone, ldns-key2ds, ldns-nsec3-hash),
# xxd, base64, sha256sum, awk.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out="$top/tests/replay/dnssec"
resign=no
[ "${1:-}" = "--resign" ] && resign=yes

INC=20251201000000
EXP=20270101000000

# zone  algorithm  ksk-bits  zsk-bits  denial  inception  expiration
# (denial: nsec | nsec3:SALT:ITER | nsec3-optout:SALT:ITER | unsigned)
zones="sub.nsec3.example. - - - unsigned - -
sub.optout.example. - - - unsigned - -
uns.example. - - - unsigned - -
dsunsigned.example. - - - unsigned - -
sec.example. ECDSAP256SHA256 256 256 nsec $INC $EXP
nsec3.example. RSASHA256 2048 1024 nsec3:aabbccdd:5 $INC $EXP
optout.example. ECDSAP256SHA256 256 256 nsec3-optout:-:0 $INC $EXP
ed.example. ED25519 256 256 nsec $INC $EXP
p384.example. ECDSAP384SHA384 384 384 nsec $INC $EXP
md5.example. RSAMD5 1024 1024 nsec $INC $EXP
digest.example. ECDSAP256SHA256 256 256 nsec $INC $EXP
expired.example. ECDSAP256SHA256 256 256 nsec 20250101000000 20251201000000
future.example. ECDSAP256SHA256 256 256 nsec 20260601000000 $EXP
nokey.example. ECDSAP256SHA256 256 256 nsec $INC $EXP
kskwrong.example. ECDSAP256SHA256 256 256 nsec $INC $EXP
keytrap.example. RSASHA256 1024 1024 nsec $INC $EXP
iter.example. ECDSAP256SHA256 256 256 nsec3:01:151 $INC $EXP
soon.example. ECDSAP256SHA256 256 256 nsec $INC 20260101003000
example. ECDSAP256SHA256 256 256 nsec $INC $EXP
. RSASHA256 2048 1024 nsec $INC $EXP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# file name of a zone: "root" for ".", else the name without its final dot
fname() { if [ "$1" = "." ]; then echo root; else echo "${1%.}"; fi; }

# keydir ZONE ROLE ALG BITS: the key's base name (made when missing)
key() {
	d="$here/keys/$(fname "$1")/$2"
	mkdir -p "$d"
	b=$(ls "$d"/K*.private 2>/dev/null | head -n 1)
	if [ -z "$b" ]; then
		flag=
		[ "$2" = ksk ] || [ "$2" = other ] && flag=-k
		(cd "$d" && ldns-keygen -a "$3" -b "$4" $flag "$1" >/dev/null)
		b=$(ls "$d"/K*.private | head -n 1)
	fi
	echo "${b%.private}"
}

# the DS (SHA-256) of a key, owner and all, one line
ds_of() { ldns-key2ds -n -2 "$1.key" | awk '{ $2 = "3600"; print }' OFS='\t'; }

# ---- keys, DS records for the parents, fake keys for keytrap.example ----
parent_ds="$work/parent.ds"
: > "$parent_ds"
echo "$zones" | while read -r z alg kb zb denial inc exp; do
	[ "$denial" = unsigned ] && continue
	ksk=$(key "$z" ksk "$alg" "$kb")
	zsk=$(key "$z" zsk "$alg" "$zb")
	case $z in
	example.) ds_of "$ksk" > "$work/root.ds" ;;
	.) ds_of "$ksk" > "$work/anchor.ds"; sed 's/;.*//' "$ksk.key" > "$work/anchor.dnskey" ;;
	nokey.example.)  # the DS names a KSK the zone does not have (EDE 9)
		ds_of "$(key "$z" other "$alg" "$kb")" >> "$parent_ds" ;;
	digest.example.) # digest type 3 (GOST R 34.11-94): unsupported (RFC 6840 §5.2)
		ds_of "$ksk" | awk '{ $7 = 3; $8 = toupper($8) ; print }' OFS='\t' >> "$parent_ds" ;;
	*) ds_of "$ksk" >> "$parent_ds" ;;
	esac
done
# dsunsigned.example.: a DS in the parent, no signatures in the child
ds_of "$(key dsunsigned.example. other ECDSAP256SHA256 256)" >> "$parent_ds"

# keytrap.example.: 24 extra DNSKEYs with the ZSK's key tag (bytes of the
# modulus moved so the 16-bit sum stays: RFC 4034 Appendix B), served
# with the real ones (the DNSKEY RRset is validly signed by the KSK)
keytrap_keys() {
	zsk=$(key keytrap.example. zsk RSASHA256 1024)
	b64=$(awk '$3 == "DNSKEY" { for (i = 7; i <= NF && $i !~ /^;/; i++) printf "%s", $i }' "$zsk.key")
	hex=$(printf '%s' "$b64" | base64 -d | xxd -p | tr -d '\n')
	for n in $(seq 1 24); do
		# key bytes at even rdata offsets: the rdata has 4 bytes before
		# the key, the key starts with exponent length (1), exponent (3)
		nh=$(echo "$hex" | awk -v n="$n" '{
			len = length($0) / 2
			for (i = 0; i < len; i++)
				b[i] = index("0123456789abcdef", substr($0, 2 * i + 1, 1)) * 16 - 16 + \
				       index("0123456789abcdef", substr($0, 2 * i + 2, 1)) - 1
			# rdata offset = key offset + 4; key offsets 8+4n.. are even in rdata
			i = 8 + 4 * n; j = i + 2
			while (b[i] == 255 || b[j] == 0) { i += 2; j += 2 }
			b[i]++; b[j]--
			s = ""; for (k = 0; k < len; k++) s = s sprintf("%02x", b[k]); print s }')
		printf 'keytrap.example.\t3600\tIN\tDNSKEY\t256 3 8 %s\n' \
			"$(echo "$nh" | xxd -r -p | base64 -w0)"
	done
}

# the 24 garbage RRSIGs (the ZSK's tag) that replace the valid one over
# www.keytrap.example. A: 25 keys x 24 signatures if tried without a budget
keytrap_sigs() {
	awk '$1 == "www.keytrap.example." && $4 == "RRSIG" && $5 == "A"' "$1" | head -n 1 > "$work/kt.sig"
	for n in $(seq 1 24); do
		sig=$(for r in 1 2 3 4; do printf 'keytrap %s %s' "$n" "$r" | sha256sum | cut -c1-64; done |
			tr -d '\n' | xxd -r -p | base64 -w0)
		awk -v s="$sig" '{ $NF = s; print }' OFS='\t' "$work/kt.sig"
	done
}

# ---- signing ----
sign() {
	z=$1 alg=$2 denial=$3 inc=$4 exp=$5
	f=$(fname "$z")
	src="$work/$f.zone"
	cp "$here/zones/$f.zone" "$src"
	case $z in
	example.) cat "$parent_ds" >> "$src" ;;
	.) cat "$work/root.ds" >> "$src" ;;
	keytrap.example.)
		# the real ZSK first: ldns-signzone adds a key's DNSKEY only when no
		# DNSKEY with its tag is in the zone, and the fakes share that tag
		sed 's/;.*//' "$(key keytrap.example. zsk RSASHA256 1024).key" >> "$src"
		keytrap_keys >> "$src" ;;
	esac
	dst="$here/signed/$f.zone.signed"
	if [ "$denial" = unsigned ]; then
		cp "$src" "$dst.src"
		ldns-read-zone "$dst.src" > "$dst"
		rm -f "$dst.src"
		return
	fi
	ksk=$(key "$z" ksk "$alg" 0)
	zsk=$(key "$z" zsk "$alg" 0)
	keys="$ksk $zsk"
	if [ "$z" = kskwrong.example. ]; then
		# the KSK's DNSKEY is in the zone, but only the ZSK signs (the DS
		# names the KSK: the DNSKEY RRset is not signed by the DS'd key)
		sed 's/;.*//' "$ksk.key" >> "$src"
		keys=$zsk
	fi
	opts=
	case $denial in
	nsec3*)
		salt=$(echo "$denial" | cut -d: -f2) iter=$(echo "$denial" | cut -d: -f3)
		opts="-n -t $iter"
		[ "$salt" = - ] || opts="$opts -s $salt"
		case $denial in nsec3-optout*) opts="$opts -p" ;; esac ;;
	esac
	case $denial in
	nsec3-optout*)
		# ldns-signzone -p still gives insecure delegations an NSEC3;
		# dnssec-signzone -A leaves them out (RFC 5155 §6): the opt-out
		# proof is then the covering NSEC3 with the opt-out flag
		for k in $keys; do sed 's/;.*//' "$k.key" >> "$src"; done
		# shellcheck disable=SC2086
		dnssec-signzone -q -3 "$salt" -A -H "$iter" -s "$inc" -e "$exp" -o "$z" \
			-O full -f "$work/optout.signed" "$src" $keys >/dev/null
		ldns-read-zone "$work/optout.signed" > "$dst" ;;
	*)
		# shellcheck disable=SC2086
		ldns-signzone $opts -i "$inc" -e "$exp" -f "$dst" "$src" $keys ;;
	esac
	if [ "$z" = keytrap.example. ]; then
		keytrap_sigs "$dst" > "$work/kt.sigs"
		awk '!($1 == "www.keytrap.example." && $4 == "RRSIG" && $5 == "A")' "$dst" > "$work/kt.zone"
		cat "$work/kt.zone" "$work/kt.sigs" > "$dst"
	fi
}

mkdir -p "$here/signed"
echo "$zones" | while read -r z alg kb zb denial inc exp; do
	dst="$here/signed/$(fname "$z").zone.signed"
	if [ "$resign" = yes ] || [ ! -s "$dst" ]; then
		sign "$z" "$alg" "$denial" "$inc" "$exp"
		echo "gen.sh: signed $z"
	fi
done
# the zones meant to be valid are, on the scenarios' wall clock
# (2026-01-01; keytrap.example. and the broken ones are not meant to be)
for z in root example sec.example nsec3.example ed.example p384.example md5.example \
	digest.example nokey.example kskwrong.example iter.example soon.example; do
	ldns-verify-zone -V 1 -t 20260101000000 "$here/signed/$z.zone.signed" >/dev/null ||
		{ echo "gen.sh: signed/$z.zone.signed does not verify" >&2; exit 1; }
done
cp "$work/anchor.ds" "$here/signed/anchor.ds"
cp "$work/anchor.dnskey" "$here/signed/anchor.dnskey"

# ---- NSEC3 hashes of the names the templates and delegations need ----
hashes="$work/hashes"
: > "$hashes"
echo "$zones" | while read -r z alg kb zb denial inc exp; do
	case $denial in nsec3*) ;; *) continue ;; esac
	salt=$(echo "$denial" | cut -d: -f2) iter=$(echo "$denial" | cut -d: -f3)
	sopt=
	[ "$salt" = - ] || sopt="-s $salt"
	{
		awk '$4 != "NSEC3" && $4 != "RRSIG" { print tolower($1) }' \
			"$here/signed/$(fname "$z").zone.signed"
		# a name a proof is asked for: it, its ancestors, their wildcards
		cat "$here"/templates/*.rpl.in | awk -v z="$z" '
			$1 ~ /^@(NEG|PROOF|WILDANSWER|NSEC3|NSEC3COVER)$/ && tolower($2) == z {
				n = tolower($3)
				while (length(n) >= length(z)) {
					print n; print "*." n
					if (n == z) break
					n = substr(n, index(n, ".") + 1)
				}
			}'
	} | sort -u | while read -r name; do
		# shellcheck disable=SC2086
		h=$(ldns-nsec3-hash $sopt -t "$iter" "$name")
		printf '%s %s %s\n' "$z" "$name" "${h%.}" >> "$hashes"
	done
done

# ---- the scenarios ----
mkdir -p "$out"
rm -f "$out"/*.rpl
for t in "$here"/templates/*.rpl.in; do
	n=$(basename "$t" .rpl.in)
	case $n in _*) continue ;; esac   # fragments, included by others
	awk -v dir="$here" -v hashes="$hashes" -v tmpl="$n.rpl.in" \
		-f "$here/expand.awk" "$t" > "$out/$n.rpl"
done
echo "gen.sh: $(ls "$out"/*.rpl | wc -l) scenarios in tests/replay/dnssec"
