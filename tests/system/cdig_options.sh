#!/bin/bash
# cdig's dig options (issue 12) against BIND's dig on the same server:
# EDNS options and flags, header flags and opcodes, output styles, the
# search list, ~/.digrc, zone transfers (AXFR, IXFR=serial) and TSIG
# (hmac-sha256/512/1) against NSD and cairnd with a shared key, BADCOOKIE resends
# against a small cookie server, and DNS over TLS against unbound with a
# self-signed certificate made here. The printed output must be the same
# line for line except banner, ids, times, cookies and TSIG MACs.
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"
need nsd dig unbound openssl jq

SECRET256=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=
SECRET512=b3RoZXJzZWNyZXRvdGhlcnNlY3JldG90aGVyc2VjcmV0b3RoZXJzZWNyZXQ=
SECRET1=c2hhMXNlY3JldHNoYTFzZWNyZXQ=
ZONES=("cdig.test:$DATA/cdig.test.zone"
	"2.0.192.in-addr.arpa:$DATA/2.0.192.in-addr.arpa.zone"
	"sec.test:$DATA/sec.test.zone"    # signed with ldns-signzone (NSEC3)
	"types.test:$DATA/types.test.zone")
NSD_PORT=$(free_port)
[ -n "$NSD_PORT" ] || die "no free port"
NSD_EXTRA=('nsid: "ascii_ns1.cdig"' "answer-cookie: yes"
	"cookie-secret-file: \"$T/nsd/cookiesecrets.txt\"")
NSD_CLAUSES=("key:" "  name: k256." "  algorithm: hmac-sha256" "  secret: \"$SECRET256\""
	"key:" "  name: k512." "  algorithm: hmac-sha512" "  secret: \"$SECRET512\""
	"key:" "  name: k1." "  algorithm: hmac-sha1" "  secret: \"$SECRET1\"")
NSD_ZONE_EXTRA=("provide-xfr: 127.0.0.0/8 NOKEY" "provide-xfr: 127.0.0.0/8 k256."
	"provide-xfr: 127.0.0.0/8 k512." "provide-xfr: 127.0.0.0/8 k1.")
start_nsd "$T/nsd" 127.0.0.1 "$NSD_PORT" "${ZONES[@]}"
NSD_EXTRA=() NSD_CLAUSES=() NSD_ZONE_EXTRA=()
CAIRND_PORT=$(free_port)
[ -n "$CAIRND_PORT" ] || die "no free port"
CAIRND_EXTRA=("recursion: no")
CAIRND_CLAUSES=("key:" "	name: k256" "	algorithm: hmac-sha256" "	secret: \"$SECRET256\""
	"key:" "	name: k512" "	algorithm: hmac-sha512" "	secret: \"$SECRET512\""
	"key:" "	name: k1" "	algorithm: hmac-sha1" "	secret: \"$SECRET1\"")
CAIRND_ZONE_EXTRA=("provide-xfr: 127.0.0.0/8 NOKEY" "provide-xfr: 127.0.0.0/8 k256"
	"provide-xfr: 127.0.0.0/8 k512" "provide-xfr: 127.0.0.0/8 k1")
start_cairnd "$T/cairnd" 127.0.0.1 "$CAIRND_PORT" "${ZONES[@]}"
CAIRND_CLAUSES=() CAIRND_ZONE_EXTRA=()

norm() {
	grep -v -e '^; <<>> ' -e '^;; global options:' -e '^;; WHEN:' \
		-e '^;; Query time:' -e '!!timestamp' |
		sed -E -e 's/id: [0-9]+/id: ID/' -e 's/^(;? *)COOKIE: [0-9a-f]+/\1COOKIE: HEX/' \
			-e 's/expected ID [0-9]+, got [0-9]+/expected ID N, got M/' \
			-e 's#(TSIG	hmac-[a-z0-9]+\. )[0-9]+ 300 ([0-9]+)( [A-Za-z0-9+/=]+)* [0-9]+ ([A-Z]+)#\1TIME 300 \2 MAC ID \4#' \
			-e "s#^(      - '[^ ]+ 0 ANY TSIG hmac-[a-z0-9]+\\. )[0-9]+ 300 ([0-9]+) [A-Za-z0-9+/=]+ [0-9]+ ([A-Z]+)#\\1TIME 300 \\2 MAC ID \\3#"
}

# compare ARGS...: dig and cdig with the same arguments give the same
# exit status and the same output once normalised.
compare() {
	local out_dig out_cdig rc_dig rc_cdig
	out_dig=$(HOME=$T/home dig @127.0.0.1 -p "$PORT" +time=3 +tries=1 "$@" 2>&1)
	rc_dig=$?
	out_cdig=$(HOME=$T/home "$CDIG" @127.0.0.1 -p "$PORT" +time=3 +tries=1 "$@" 2>&1)
	rc_cdig=$?
	if [ "$rc_dig" != "$rc_cdig" ]; then
		bad "$SRV: cdig $* exits $rc_cdig, dig exits $rc_dig"
		return
	fi
	if ! grep -q . <<<"$out_cdig"; then
		bad "$SRV: cdig $* printed nothing"
		return
	fi
	if diff -u <(norm <<<"$out_dig") <(norm <<<"$out_cdig") >"$T/diff"; then
		ok "$SRV: same as dig: $*"
	else
		bad "$SRV: differs from dig: $*"
		head -40 "$T/diff"
	fi
}
mkdir -p "$T/home"
SPORT=$(free_port)     # a source port for -b addr#port

common() {
	# EDNS options and flags (RFC 5001, 7871, 7314, 7828, 6891)
	compare www.cdig.test +nsid
	compare www.cdig.test +nsid +qr
	compare www.cdig.test +expire +qr
	compare www.cdig.test +subnet=192.0.2.0/24 +qr
	compare www.cdig.test +subnet=0 +qr
	compare www.cdig.test +subnet=2001:db8::/33 +qr
	compare www.cdig.test +keepalive +qr
	compare www.cdig.test +ednsopt=65001:abcd +qr
	compare www.cdig.test +ednsopt=nsid +qr
	compare www.cdig.test +ednsopt=65001 +ednsopt=65002:00 +noednsopt +qr
	compare www.cdig.test +ednsflags=0x10 +qr
	compare www.cdig.test +nsid +expire +subnet=10/8 +keepalive +ednsopt=65001:01 +qr
	compare www.cdig.test +edns=1
	compare www.cdig.test +edns=1 +noednsnegotiation
	compare www.cdig.test +edns +bufsize
	compare www.cdig.test +do
	compare www.cdig.test +nocookie +qr
	compare www.cdig.test +cookie=0102030405060708 +qr
	compare www.cdig.test +noedns +qr
	compare www.cdig.test +bufsize=0 +qr
	# header (RFC 1035 §4.1.1) and the question
	compare www.cdig.test +qid=4242 +qr
	compare www.cdig.test +aaflag +tcflag +raflag +zflag +cdflag +qr
	compare www.cdig.test +aaonly +rdflag +nordflag +qr
	compare www.cdig.test +noadflag +cd +qr
	compare www.cdig.test +coflag +qr
	compare www.cdig.test +co +dnssec +noedns +qr
	compare www.cdig.test +vc
	compare www.cdig.test +header-only +qr
	compare www.cdig.test +opcode=status
	compare www.cdig.test +opcode=notify
	compare www.cdig.test +opcode=5 +noopcode
	# output styles
	compare www.cdig.test +noclass
	compare www.cdig.test +noclass +nottlid
	compare cdig.test SOA +noclass +multiline
	compare www.cdig.test +unknownformat
	compare cdig.test SOA +unknownformat +multiline
	compare www.cdig.test +yaml
	compare www.cdig.test +yaml +qr +nsid
	compare cdig.test MX +yaml +noadditional
	compare quoted.cdig.test TXT +yaml
	compare www.cdig.test +split=5 +rrcomments +nocrypto
	compare www.cdig.test +timeout=2 +retry=0
	compare www.cdig.test -u
	compare -m -4 www.cdig.test
	compare -q www.cdig.test -t AAAA
	compare -c CH -t TXT version.bind
	compare nx.cdig.test +nofail
	compare www.cdig.test +keepopen +nobesteffort +nodns64prefix +nohttps +nofuzztime +noidnin +noidnout
	compare -b 127.0.0.1 www.cdig.test
	compare -b "127.0.0.1#$SPORT" www.cdig.test
	# search list (resolv.conf semantics, +domain sets it)
	compare www +domain=cdig.test
	compare www +domain=cdig.test +showsearch
	compare www +defname +domain=cdig.test
	compare www.cdig +domain=test +ndots=3
	compare www +nosearch
	# ~/.digrc holds defaults; -r skips it
	echo "+nocmd +nostats +noquestion" >"$T/home/.digrc"
	compare www.cdig.test
	compare -r www.cdig.test
	rm -f "$T/home/.digrc"
}

# +qr prints the ID that went out: the server echoes it in the reply
# (RFC 1035 §4.1.1), with a random ID, with +qid, with TSIG, over TCP
qr_id() {
	local ids idv
	ids=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test +qr "$@" | sed -n 's/.*, id: \([0-9]*\)$/\1/p' | tr '\n' ' ')
	read -r -a idv <<<"$ids"
	if [ "${#idv[@]}" = 2 ] && [ "${idv[0]}" = "${idv[1]}" ]; then
		ok "$SRV: +qr $*: the printed ID ${idv[0]} is the one answered"
	else
		bad "$SRV: +qr $*: IDs '$ids'"
	fi
}
SRV=nsd PORT=$NSD_PORT qr_id
SRV=nsd PORT=$NSD_PORT qr_id +tcp
SRV=nsd PORT=$NSD_PORT qr_id +qid=65535
SRV=nsd PORT=$NSD_PORT qr_id -y "hmac-sha256:k256:$SECRET256"
SRV=cairnd PORT=$CAIRND_PORT qr_id +qid=0

# record forms (the printer, whatever the server: run against NSD only)
forms() {
	local t
	# DNSSEC records in dig's forms: split base64/hex, +multiline with
	# key-tag comments, +rrcomments, +nocrypto, NSEC3 (sec.test)
	compare sec.test DNSKEY
	compare sec.test DNSKEY +multiline
	compare sec.test DNSKEY +rrcomments
	compare sec.test DNSKEY +nocrypto
	compare sec.test DNSKEY +multiline +norrcomments
	compare sec.test DNSKEY +multiline +nocrypto
	compare sec.test DNSKEY +split=0
	compare sec.test DNSKEY +split=20 +multiline
	compare sec.test DNSKEY +short
	compare child.sec.test DS +norecurse
	compare child.sec.test DS +multiline +norecurse
	compare www.sec.test +dnssec
	compare www.sec.test +dnssec +multiline
	compare nx.sec.test +dnssec
	compare nx.sec.test +dnssec +multiline
	compare sec.test NSEC3PARAM
	compare sec.test TXT +multiline
	compare sec.test SOA +dnssec +multiline +nocrypto
	compare sec.test DNSKEY +unknownformat
	compare cdig.test MX +multiline
	for t in sshfp/SSHFP tlsa/TLSA opgp/OPENPGPKEY unk/TYPE65280 cert/CERT \
		dhcid/DHCID nsec/NSEC naptr/NAPTR uri/URI rp/RP afsdb/AFSDB \
		dname/DNAME spf/SPF loc/LOC loc2/LOC loc3/LOC loc4/LOC loc5/LOC \
		svcb/SVCB svcb2/SVCB svcb3/SVCB https/HTTPS; do
		compare "${t%/*}.types.test" "${t#*/}" +norecurse
		compare "${t%/*}.types.test" "${t#*/}" +norecurse +multiline +noall +answer
	done
	compare sshfp.types.test SSHFP +nocrypto +split=8 +noall +answer
	compare _sip._udp.cdig.test SRV +multiline
	compare caa.cdig.test CAA +multiline
	compare hinfo.cdig.test HINFO +multiline
	compare quoted.cdig.test TXT +multiline
}

SRV=nsd PORT=$NSD_PORT common
SRV=nsd PORT=$NSD_PORT forms
SRV=cairnd PORT=$CAIRND_PORT common

# ---- zone transfers and TSIG against NSD (RFC 5936, 1995, 8945) ----
SRV=nsd PORT=$NSD_PORT
compare cdig.test AXFR
compare cdig.test AXFR +onesoa
compare cdig.test AXFR +qr
compare cdig.test AXFR +nostats +noclass
compare 2.0.192.in-addr.arpa AXFR
compare sec.test AXFR
compare sec.test AXFR +multiline
compare cdig.test AXFR +yaml
compare cdig.test IXFR=2024010101
compare cdig.test IXFR=2023010101
compare -t IXFR=1 cdig.test
compare cdig.test AXFR -y "hmac-sha256:k256:$SECRET256"
# +yaml: the TSIG pseudosection after each message, as dig
compare cdig.test AXFR +yaml -y "hmac-sha256:k256:$SECRET256"
compare www.cdig.test +yaml -y "hmac-sha256:k256:$SECRET256"
compare cdig.test AXFR -y "hmac-sha512:k512:$SECRET512"
compare cdig.test AXFR -y "hmac-sha1:k1:$SECRET1"
compare www.cdig.test -y "hmac-sha256:k256:$SECRET256"
compare www.cdig.test -y "hmac-sha256:k256:$SECRET256" +qr
compare www.cdig.test -y "hmac-sha512:k512.:$SECRET512" +short
compare www.cdig.test -y "hmac-sha256:k256:$SECRET512"      # wrong secret: BADSIG
compare www.cdig.test -y "hmac-sha256:nokey:$SECRET256"     # unknown key: BADKEY
compare cdig.test AXFR -y "hmac-sha256:k256:$SECRET512"
printf 'key "k256" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET256" >"$T/k256.key"
compare cdig.test AXFR -k "$T/k256.key"
compare www.cdig.test -k "$T/k256.key"
# the signature really is checked: a MAC cdig did not verify is reported
out=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test -y "hmac-sha256:k256:$SECRET512")
grep -q "^;; Couldn't verify signature: tsig indicates error" <<<"$out" &&
	grep -q '^;; WARNING -- Some TSIG could not be validated' <<<"$out" &&
	ok "TSIG error reported" || bad "TSIG error not reported"
out=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test -y "hmac-sha256:k256:$SECRET256")
! grep -q "Couldn't verify" <<<"$out" && grep -q 'TSIG	hmac-sha256\. [0-9]* 300 32 ' <<<"$out" &&
	ok "TSIG answer verified" || bad "TSIG answer not verified"
# a transfer refused (no key NSD knows for this zone: REFUSED/NOTAUTH)
compare cdig.test AXFR -y "hmac-sha256:other:$SECRET256"
# TCP retry of a TC=1 answer keeps the key
compare big2.cdig.test TXT -y "hmac-sha256:k256:$SECRET256" +bufsize=512

# ---- TSIG on a transfer the primary signs sparsely (RFC 8945 §5.3.1:
# up to 99 unsigned messages, covered by the next MAC). NSD, Knot and
# named sign every message, so a scripted primary serves one (252
# messages, cdig/sparseprimary.py) ----
sparse_primary() {   # sparse_primary MODE ALG KEY SECRET: sets PORT
	PORT=$(free_port)
	[ -n "$PORT" ] || die "no free port"
	py_server "sparse-$1" "$PORT" sparseprimary.py "$2:$3.:$4" "$1"
	SRV=sparse-$1
}
sparse_primary every:3 hmac-sha256 k256 "$SECRET256"
compare sparse.test AXFR -y "hmac-sha256:k256:$SECRET256"
compare sparse.test AXFR -y "hmac-sha256:k256:$SECRET256" +yaml
out=$("$CDIG" @127.0.0.1 -p "$PORT" sparse.test AXFR -y "hmac-sha256:k256:$SECRET256")
! grep -q "Couldn't verify\|WARNING" <<<"$out" &&
	[ "$(grep -c 'TSIG	hmac-sha256\.' <<<"$out")" = 85 ] &&
	grep -q '^;; XFR size: 252 records (messages 252, ' <<<"$out" &&
	ok "sparse TSIG: 252 messages, 85 signed, all verified" ||
	bad "sparse TSIG transfer: $(grep -E 'verify|WARNING|XFR' <<<"$out" | head -3)"
# a wrong secret: every signed message fails, as dig reports it
compare sparse.test AXFR -y "hmac-sha256:k256:$SECRET512"
sparse_primary every:100 hmac-sha512 k512 "$SECRET512"
compare sparse.test AXFR -y "hmac-sha512:k512:$SECRET512"
# a bad MAC in a later message (the 4th signed, message 9): reported
# there and at the next signed message (its prior MAC is the bad one), as
# dig does; the transfer goes on and ends with dig's warning
sparse_primary badmac:3:9 hmac-sha256 k256 "$SECRET256"
compare sparse.test AXFR -y "hmac-sha256:k256:$SECRET256"
out=$("$CDIG" @127.0.0.1 -p "$PORT" sparse.test AXFR -y "hmac-sha256:k256:$SECRET256")
[ "$(grep -c "^;; Couldn't verify signature: tsig verify failure$" <<<"$out")" = 2 ] &&
	grep -q '^;; WARNING -- Some TSIG could not be validated' <<<"$out" &&
	ok "sparse TSIG: a bad MAC in a later message is reported" ||
	bad "sparse TSIG, bad MAC: $(grep -E 'verify|WARNING' <<<"$out" | head -3)"
# what dig 9.18 does not check and RFC 8945 §5.3.1 requires: the last
# message signed, at most 99 unsigned in a row (cdig(1), DIFFERENCES)
sparse_check() {   # sparse_check WHAT EXPECTED-COUNT
	dig @127.0.0.1 -p "$PORT" +time=3 +tries=1 sparse.test AXFR \
		-y "hmac-sha256:k256:$SECRET256" 2>&1 | norm >"$T/dig.out"
	"$CDIG" @127.0.0.1 -p "$PORT" +time=3 +tries=1 sparse.test AXFR \
		-y "hmac-sha256:k256:$SECRET256" 2>&1 | norm >"$T/out"
	if [ "$(grep -c "^;; Couldn't verify signature: expected a TSIG or SIG(0)$" "$T/out")" = "$2" ] &&
		grep -q '^;; WARNING -- Some TSIG could not be validated' "$T/out" &&
		diff <(grep -v '^;; \(Couldn.t verify\|WARNING\)' "$T/out") "$T/dig.out" >/dev/null; then
		ok "sparse TSIG: $1 reported, otherwise as dig"
	else
		bad "sparse TSIG: $1: $(grep -E 'verify|WARNING' "$T/out" | head -3)"
	fi
}
sparse_primary lastunsigned:3 hmac-sha256 k256 "$SECRET256"
sparse_check "an unsigned last message" 1
sparse_primary every:101 hmac-sha256 k256 "$SECRET256"
sparse_check "100 unsigned messages in a row" 2

# ---- the same transfers against cairnd (src/xfr/): AXFR, IXFR (no
# journal: the whole zone), TSIG with each algorithm ----
SRV=cairnd PORT=$CAIRND_PORT
compare cdig.test AXFR
compare cdig.test AXFR +onesoa
compare cdig.test AXFR +qr
compare 2.0.192.in-addr.arpa AXFR
compare sec.test AXFR +multiline
compare cdig.test IXFR=2023010101
compare cdig.test AXFR -y "hmac-sha256:k256:$SECRET256"
compare cdig.test AXFR -y "hmac-sha512:k512:$SECRET512"
compare cdig.test AXFR -y "hmac-sha1:k1:$SECRET1"
compare www.cdig.test -y "hmac-sha256:k256:$SECRET256"
compare cdig.test AXFR -y "hmac-sha256:other:$SECRET256"
compare cdig.test AXFR +yaml
compare cdig.test AXFR +yaml -y "hmac-sha256:k256:$SECRET256"
SRV=nsd PORT=$NSD_PORT

# +json (RFC 8427) for the new features: one document per transfer
# message, the TSIG and OPT records in additionalRRs, EDNS options in OPT
msgs=$(dig @127.0.0.1 -p "$PORT" cdig.test AXFR | sed -n 's/^;; XFR size: \([0-9]*\) records (messages \([0-9]*\),.*/\1 \2/p')
got=$("$CDIG" @127.0.0.1 -p "$PORT" cdig.test AXFR +json | jq -s -r '"\([.[].answerRRs | length] | add) \(length)"')
[ -n "$msgs" ] && [ "$got" = "$msgs" ] && ok "AXFR +json: $got (records, messages) as dig counts" ||
	bad "AXFR +json gave '$got', dig counts '$msgs'"
got=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test +nsid +json -y "hmac-sha256:k256:$SECRET256" |
	jq -r '[.additionalRRs[] | .TYPEname] | join(" ")')
[ "$got" = "A A AAAA OPT TSIG" ] && ok "TSIG and OPT in +json additionalRRs" || bad "+json additionalRRs: '$got'"
got=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test +nsid +json | jq -r '.additionalRRs[] | select(.TYPE == 41) | .RDATAHEX')
[[ "$got" == 000300086E73312E63646967* ]] && ok "NSID in the +json OPT record" || bad "+json OPT: '$got'"
for t in loc.types.test/LOC svcb2.types.test/SVCB sshfp.types.test/SSHFP; do
	got=$("$CDIG" @127.0.0.1 -p "$PORT" "${t%/*}" "${t#*/}" +json | jq -r ".answerRRs[0].rdata${t#*/}")
	want=$(dig @127.0.0.1 -p "$PORT" "${t%/*}" "${t#*/}" +short +split=0)
	[ "$got" = "$want" ] && ok "+json rdata${t#*/} in dig's form: $got" ||
		bad "+json rdata${t#*/}: '$got', dig +short: '$want'"
done

# ---- BADCOOKIE: resend with the server cookie (RFC 7873 §5.3) ----
CPORT=$(free_port)
[ -n "$CPORT" ] || die "no free port"
python3 "$DATA/cookieserver.py" "$CPORT" "$T/cookie.ready" >>"$T/cookie.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do [ -e "$T/cookie.ready" ] && break; sleep 0.1; done
SRV=cookieserver PORT=$CPORT
compare www.cdig.test
compare www.cdig.test +showbadcookie
compare www.cdig.test +nobadcookie
: >"$T/cookie.log"
"$CDIG" @127.0.0.1 -p "$CPORT" www.cdig.test +short >"$T/out" 2>&1
[ "$(tr '\n' ' ' <"$T/cookie.log")" = "client-only with-server-cookie " ] &&
	[ "$(cat "$T/out")" = 192.0.2.10 ] &&
	ok "BADCOOKIE: resent once with the server cookie" ||
	bad "BADCOOKIE resend: $(tr '\n' ' ' <"$T/cookie.log") / $(cat "$T/out")"

# ---- a reply with another ID, then one with another question (RFC 5452
# §4.3): both reported, and the right one waited for, as dig does ----
MPORT=$(free_port)
[ -n "$MPORT" ] || die "no free port"
python3 -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $MPORT))
open('$T/mismatch.ready', 'w').close()
while True:
    q, peer = s.recvfrom(65535)
    qid = struct.unpack('!H', q[:2])[0]
    end = 12
    while q[end]: end += 1 + q[end]
    question = q[12:end + 5]
    other = b'\x05other' + question[question[0] + 1:]
    for rid, qq in (((qid + 1) & 0xffff, question), (qid, other), (qid, question)):
        hdr = struct.pack('!6H', rid, 0x8400, 1, 1, 0, 0)
        rr = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 300, 4) + bytes([192, 0, 2, 10])
        s.sendto(hdr + qq + rr, peer)
" >"$T/mismatch.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do [ -e "$T/mismatch.ready" ] && break; sleep 0.1; done
SRV=id-mismatch PORT=$MPORT
compare www.cdig.test +noedns
compare www.cdig.test +noedns +qid=7

# ---- +keepopen: one TCP connection for all the lookups of a command
# line, as dig; a connection the server has closed fails that try as in
# dig and the next try connects anew (RFC 7766 §6.2.3). tcpcount.py logs
# each connection it accepts and each query it answers. ----
keepopen_server() {   # keepopen_server NAME [PER_CONN [ADDR]]: sets KPORT
	KPORT=${KPORT_FIXED:-$(free_port)}
	[ -n "$KPORT" ] || die "no free port"
	py_server "$1" "$KPORT" tcpcount.py "${2:-0}" "${3:-127.0.0.1}"
}
conns() {   # conns NAME: "connections queries" seen since the last call
	echo "$(grep -c '^conn' "$T/$1.log") $(grep -c '^query' "$T/$1.log")"
	: >"$T/$1.log"
}
keepopen_server keep
for prog in "$CDIG" dig; do
	"$prog" @127.0.0.1 -p "$KPORT" +tcp +keepopen +short a.test b.test c.test >"$T/out" 2>&1
	got=$(conns keep)
	[ "$got" = "1 3" ] && [ "$(grep -c '^192.0.2.10$' "$T/out")" = 3 ] &&
		ok "+keepopen: ${prog##*/} sends 3 lookups over 1 connection" ||
		bad "+keepopen: ${prog##*/} saw '$got' (connections queries): $(cat "$T/out")"
	"$prog" @127.0.0.1 -p "$KPORT" +tcp +nokeepopen +short a.test b.test c.test >"$T/out" 2>&1
	got=$(conns keep)
	[ "$got" = "3 3" ] && ok "+nokeepopen: ${prog##*/} opens a connection per lookup" ||
		bad "+nokeepopen: ${prog##*/} saw '$got' (connections queries)"
done
# another server in between (the same port on 127.0.0.2): the kept
# connection is closed (dig's detach) and a new one opened after it
KPORT_FIXED=$KPORT keepopen_server other 0 127.0.0.2
"$CDIG" -p "$KPORT" +tcp +keepopen +short a.test @127.0.0.1 b.test @127.0.0.2 \
	c.test @127.0.0.1 d.test @127.0.0.1 >"$T/out" 2>&1
other=$(conns other) keep=$(conns keep)
[ "$other" = "1 1" ] && [ "$keep" = "2 3" ] && [ "$(grep -c '^192.0.2.10$' "$T/out")" = 4 ] &&
	ok "+keepopen: kept per server ($keep / $other connections queries)" ||
	bad "+keepopen per server: '$keep' / '$other': $(cat "$T/out")"
# a server that closes after each answer: as dig, the try on the closed
# connection fails with dig's line and the next one reconnects
keepopen_server closing 1
SRV=closing PORT=$KPORT
kdig() {
	"$@" +time=3 +tries=2 +tcp +keepopen a.test b.test c.test 2>&1 |
		sed -E 's/: (connection reset|end of file)$/: CLOSED/' | norm
}
kdig dig @127.0.0.1 -p "$KPORT" >"$T/dig.out"
n_dig=$(conns closing)
kdig "$CDIG" @127.0.0.1 -p "$KPORT" >"$T/out"
n_cdig=$(conns closing)
if diff -u "$T/dig.out" "$T/out" >"$T/diff" && [ "$n_cdig" = "3 3" ] && [ "$n_dig" = "$n_cdig" ] &&
	[ "$(grep -c '^;; communications error to 127.0.0.1#[0-9]*: CLOSED$' "$T/out")" = 2 ]; then
	ok "+keepopen: a closed connection reopened as dig does ($n_cdig connections queries)"
else
	bad "+keepopen with a closing server: cdig '$n_cdig', dig '$n_dig'"
	head -40 "$T/diff"
fi
SRV=nsd PORT=$NSD_PORT

# ---- DNS over TLS (RFC 7858) against unbound, self-signed certificate ----
mkdir -p "$T/ub"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/ub/key.pem" -out "$T/ub/cert.pem" -days 2 -subj /CN=dot.cdig.test \
	-addext "subjectAltName=DNS:dot.cdig.test,IP:127.0.0.1" 2>"$T/ub/openssl.log" ||
	die "openssl could not make a certificate"
UPORT=$(free_port)
[ -n "$UPORT" ] || die "no free port"
cat >"$T/ub/unbound.conf" <<UB
server:
  interface: 127.0.0.1@$UPORT
  port: $UPORT
  tls-port: $UPORT
  tls-service-key: "$T/ub/key.pem"
  tls-service-pem: "$T/ub/cert.pem"
  username: ""
  chroot: ""
  directory: "$T/ub"
  pidfile: "$T/ub/unbound.pid"
  logfile: "$T/ub/unbound.log"
  use-syslog: no
  do-ip6: no
  num-threads: 1
  so-reuseport: no
  access-control: 127.0.0.0/8 allow
  local-zone: "cdig.test." static
  local-data: "www.cdig.test. 3600 IN A 192.0.2.10"
  local-data: "cdig.test. 3600 IN TXT \"over tls\""
remote-control:
  control-enable: no
UB
unbound -d -c "$T/ub/unbound.conf" >"$T/ub/unbound.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do
	dig +short +tls +time=1 +tries=1 @127.0.0.1 -p "$UPORT" www.cdig.test 2>/dev/null | grep -q . && break
	sleep 0.1
done
SRV=unbound-dot PORT=$UPORT
compare www.cdig.test +tls
compare cdig.test TXT +tls +nocookie
compare www.cdig.test +tls-ca="$T/ub/cert.pem"
compare www.cdig.test +tls-ca="$T/ub/cert.pem" +tls-hostname=dot.cdig.test
compare www.cdig.test +tls-ca="$T/ub/cert.pem" +tls-certfile="$T/ub/cert.pem" +tls-keyfile="$T/ub/key.pem"
out=$("$CDIG" @127.0.0.1 -p "$UPORT" +tls www.cdig.test)
grep -q "^;; SERVER: 127.0.0.1#$UPORT(127.0.0.1) (TLS)\$" <<<"$out" &&
	grep -q '^www.cdig.test.		3600	IN	A	192.0.2.10$' <<<"$out" &&
	ok "DoT answer over TLS" || bad "DoT answer"
# verification asked for and failing: dig's message; cdig then exits 9
# (dig exits 0; cdig(1) documents the difference)
for v in "+tls-ca" "+tls-ca=$T/ub/cert.pem +tls-hostname=wrong.cdig.test" \
	"+tls-certfile=$T/ub/cert.pem +tls-keyfile=$T/ub/key.pem"; do
	# shellcheck disable=SC2086
	dig @127.0.0.1 -p "$UPORT" www.cdig.test $v +time=2 +tries=1 >"$T/dig.out" 2>&1
	# shellcheck disable=SC2086
	"$CDIG" @127.0.0.1 -p "$UPORT" www.cdig.test $v +time=2 +tries=1 >"$T/out" 2>&1
	rc=$?
	line=$(grep -m1 '^;; TLS peer certificate verification' "$T/dig.out")
	if [ "$rc" = 9 ] && [ -n "$line" ] && grep -qxF -- "$line" "$T/out" &&
		! grep -q 'IN	A' "$T/out"; then
		ok "DoT: certificate refused ($v): $line"
	else
		bad "DoT: certificate check ($v): exit $rc"
		cat "$T/dig.out" "$T/out"
	fi
done

finish
