#!/bin/bash
# cdig vs BIND dig: for many queries against NSD, then against cairnd, both
# serving the cdig test zones, the printed output must be the same line for
# line, except the banner, the id, the query time and WHEN.  (The two
# servers may answer differently, e.g. ANY or the additional section: cdig
# is compared with dig against the same server.)
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"
need nsd dig

ZONES=("cdig.test:$DATA/cdig.test.zone"
	"2.0.192.in-addr.arpa:$DATA/2.0.192.in-addr.arpa.zone"
	"8.b.d.0.1.0.0.2.ip6.arpa:$DATA/8.b.d.0.1.0.0.2.ip6.arpa.zone")
NSD_PORT=$(free_port)
[ -n "$NSD_PORT" ] || die "no free port"
start_nsd "$T/nsd" 127.0.0.1 "$NSD_PORT" "${ZONES[@]}"
CAIRND_PORT=$(free_port)
[ -n "$CAIRND_PORT" ] || die "no free port"
CAIRND_EXTRA=("recursion: no" "edns-buffer-size: 4096")
start_cairnd "$T/cairnd" 127.0.0.1 "$CAIRND_PORT" "${ZONES[@]}"

# Drops what legitimately differs: the banner (program name and version),
# ids, query times, dates.
norm() {
	grep -v -e '^; <<>> ' -e '^;; global options:' -e '^;; WHEN:' \
		-e '^;; Query time:' |
		sed -E -e 's/id: [0-9]+/id: ID/' -e 's/ in [0-9]+ ms\./ in N ms./' \
			-e 's/^; COOKIE: [0-9a-f]+/; COOKIE: HEX/'
}

compare() {
	local out_dig out_cdig rc_dig rc_cdig
	# both send a COOKIE by default (dig 9.18): its value is random
	out_dig=$(dig @127.0.0.1 -p "$PORT" "$@" 2>&1)
	rc_dig=$?
	out_cdig=$("$CDIG" @127.0.0.1 -p "$PORT" "$@" 2>&1)
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
		cat "$T/diff"
	fi
}

compare_all() {
	compare www.cdig.test
	compare www.cdig.test AAAA
	compare cdig.test SOA
	compare cdig.test NS
	compare -t MX cdig.test
	compare cdig.test TXT
	compare alias.cdig.test
	compare ext.cdig.test
	compare _sip._udp.cdig.test SRV
	compare hinfo.cdig.test HINFO
	compare caa.cdig.test CAA
	compare quoted.cdig.test TXT
	compare nx.cdig.test                       # NXDOMAIN
	compare www.cdig.test MX                   # NODATA
	compare nonterm.deep.cdig.test             # empty non-terminal: NODATA
	compare foo.wild.cdig.test                 # wildcard
	compare www.sub.cdig.test +norecurse       # referral
	compare www.cdig.test +short
	compare cdig.test MX +short
	compare alias.cdig.test +short
	compare www.cdig.test +short +identify
	compare www.cdig.test +tcp
	compare www.cdig.test +norecurse
	compare -x 192.0.2.10
	compare -x 192.0.2.25 +short
	compare -x 2001:db8::10
	compare -x 192.0.2.99                      # NXDOMAIN in a reverse zone
	compare big.cdig.test TXT +bufsize=512     # TC=1, retried over TCP
	compare big.cdig.test TXT +noedns          # TC=1 at 512, retried over TCP
	compare big.cdig.test TXT +noedns +ignore  # TC=1 kept
	compare big.cdig.test TXT +bufsize=512 +noall +answer
	compare big.cdig.test TXT +bufsize=512 +short
	compare www.cdig.test +dnssec
	compare cdig.test SOA +multiline
	compare nx.cdig.test +multiline
	compare short.cdig.test +ttlunits
	compare www.cdig.test +noall +answer
	compare www.cdig.test +nocmd +nocomments +nostats
	compare www.cdig.test +nottlid
	compare version.bind CH TXT                # REFUSED with EDE
	compare www.example.org +tcp               # outside the zones: REFUSED
	compare www.cdig.test +qr
	compare cdig.test ANY
	compare www.cdig.test TYPE65534
	compare www.cdig.test mail.cdig.test MX    # two queries on one line
	compare -c IN -t AAAA ns2.cdig.test +bufsize=4096
	compare www.cdig.test +noquestion +noauthority +noadditional

	# Large answers (issue 12): at the default EDNS size (1232) the
	# 945-byte answer comes over UDP; the 3 kB and 60 kB ones at every
	# buffer size from 512 to 65535 (TC=1 -> TCP when they do not fit).
	compare big.cdig.test TXT
	compare big2.cdig.test TXT
	compare huge.cdig.test TXT
	local b
	for b in 512 1232 1500 4096 8192 16384 32767; do
		compare big2.cdig.test TXT +bufsize=$b
		compare huge.cdig.test TXT +bufsize=$b
	done
	# dig 9.18 advertises 1232 for +bufsize=32768..65535 (its size is a
	# signed 16-bit value); cdig advertises what was asked (cdig(1))
	for b in 32768 61000 65535; do
		out=$("$CDIG" @127.0.0.1 -p "$PORT" huge.cdig.test TXT +bufsize=$b +qr)
		if [ "$(grep -m1 '^; EDNS:' <<<"$out")" = "; EDNS: version: 0, flags:; udp: $b" ] &&
			[ "$(grep -c 'IN	TXT	"' <<<"$out")" = 250 ]; then
			ok "$SRV: +bufsize=$b advertised as asked, 250 records received"
		else
			bad "$SRV: +bufsize=$b"
		fi
	done

	printf 'www.cdig.test A\nmail.cdig.test\n-x 192.0.2.25\n' >"$T/batch"
	compare -f "$T/batch"

	# The server really answered (not just the same failure to both).
	out=$("$CDIG" @127.0.0.1 -p "$PORT" www.cdig.test +short -x 192.0.2.10 +short | tr '\n' ' ')
	[ "$out" = "192.0.2.10 192.0.2.11 www.cdig.test. " ] &&
		ok "$SRV: answers the test zones" || bad "$SRV: www.cdig.test and -x 192.0.2.10 gave '$out'"
	out=$("$CDIG" @127.0.0.1 -p "$PORT" nx.cdig.test nonterm.deep.cdig.test | grep -o 'status: [A-Z]*' | tr '\n' ' ')
	[ "$out" = "status: NXDOMAIN status: NOERROR " ] &&
		ok "$SRV: NXDOMAIN and NODATA" || bad "$SRV: nx.cdig.test and nonterm.deep.cdig.test gave '$out'"

	# The TC=1 retry really happened over TCP.
	out=$("$CDIG" @127.0.0.1 -p "$PORT" big.cdig.test TXT +bufsize=512)
	if grep -q '^;; Truncated, retrying in TCP mode.$' <<<"$out" &&
		grep -q '(TCP)$' <<<"$out" && [ "$(grep -c 'IN	TXT	"' <<<"$out")" = 8 ]; then
		ok "$SRV: TC=1 answer retried over TCP with all 8 TXT records"
	else
		bad "$SRV: TC=1 retry over TCP"
	fi
}

# Large answers at default settings: big.cdig.test (945 bytes) arrives
# whole over UDP; with +bufsize=65535 NSD's 60 kB answer does too.
udp_whole() {
	local name=$1 n=$2 out
	shift 2
	out=$("$CDIG" @127.0.0.1 -p "$PORT" "$name" TXT "$@")
	if grep -q '(UDP)$' <<<"$out" && ! grep -q 'Truncated' <<<"$out" &&
		[ "$(grep -c 'IN	TXT	"' <<<"$out")" = "$n" ] && grep -q 'flags: qr aa rd;' <<<"$out"; then
		ok "$SRV: $name TXT $* arrives whole over UDP ($n records)"
	else
		bad "$SRV: $name TXT $* did not arrive whole over UDP"
		head -20 <<<"$out"
	fi
}
SRV=nsd PORT=$NSD_PORT udp_whole big.cdig.test 8
SRV=cairnd PORT=$CAIRND_PORT udp_whole big.cdig.test 8
SRV=nsd PORT=$NSD_PORT udp_whole huge.cdig.test 250 +bufsize=65535
SRV=nsd PORT=$NSD_PORT udp_whole big2.cdig.test 30 +bufsize=4096
SRV=cairnd PORT=$CAIRND_PORT udp_whole big2.cdig.test 30 +bufsize=4096

SRV=nsd PORT=$NSD_PORT compare_all
SRV=cairnd PORT=$CAIRND_PORT compare_all

finish
